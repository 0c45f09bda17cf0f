"""Draw the ABC-SMC posterior of the presets' calibration (experiments/posterior.py; issue 29
item 4) and write it with its checks.

    python scripts/posterior.py --presets korea --history korea_history \
        --parameter korea.loop_finance --population 100 --generations 4 \
        --out results/validation/posterior
    python scripts/posterior.py --steps 6 --scale 0.05 --population 10 --generations 1 \
        --presets korea --constants none --out /tmp/post      # a plumbing check (~20 s)

Writes ``<out>/posterior.toml`` (weighted samples and the settings that made them) and
``<out>/posterior.md``: the posterior table (prior range, mean, 95% interval, sd over prior
sd, identified?) and the predictive check of the held-out facts. Coverage on synthetic data
is a separate, expensive check (``--coverage N`` runs N more posteriors on data simulated from
prior draws). docs/calibration.md, "Posterior", says what it costs.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from abm.experiments import posterior as P  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--presets", default=None, help="comma-separated presets (default: all "
                    "with calibration facts)")
    ap.add_argument("--constants", default=None, help="comma-separated structural constants "
                    "or 'none' (default: the point calibration's)")
    ap.add_argument("--parameter", action="append", default=[], metavar="PRESET.NAME",
                    help="infer one more preset parameter (repeatable; e.g. korea.loop_finance)")
    ap.add_argument("--history", action="append", default=[], metavar="PRESET",
                    help="condition on a history's years up to 2015 too, hold out the later "
                    "ones (repeatable: us_history, korea_history, japan_history)")
    ap.add_argument("--history-steps", type=int, default=104)
    ap.add_argument("--steps", type=int, default=100)
    ap.add_argument("--scale", type=float, default=None)
    ap.add_argument("--population", type=int, default=100)
    ap.add_argument("--generations", type=int, default=4)
    ap.add_argument("--max-simulations", type=int, default=None,
                    help="budget: start no further generation after this many simulations")
    ap.add_argument("--seed", type=int, default=29)
    ap.add_argument("--draws", type=int, default=100, help="posterior predictive draws (0: skip the check)")
    ap.add_argument("--coverage", type=int, default=0, help="synthetic data sets (0: skip)")
    ap.add_argument("--out", default="results/validation/posterior")
    a = ap.parse_args(argv)
    presets = a.presets.split(",") if a.presets else None
    constants = None if a.constants is None else (
        () if a.constants == "none" else tuple(a.constants.split(",")))
    extra: dict[str, list[str]] = {}
    for ref in a.parameter:
        preset, _, name = ref.partition(".")
        extra.setdefault(preset, []).append(name)
    problem, observed, held = P.ecosystem_problem(
        presets, constants, steps=a.steps, scale=a.scale, extra_parameters=extra or None,
        histories=tuple(a.history), history_steps=a.history_steps)
    t0 = time.perf_counter()
    post = P.run(problem, observed, seed=a.seed, population=a.population,
                 generations=a.generations, max_simulations=a.max_simulations, label=f"presets={a.presets or 'all'}")
    post.settings.update({"steps": a.steps, "scale": a.scale, "presets": presets or "all",
                          "constants": "default" if constants is None else list(constants),
                          "parameters": list(a.parameter), "histories": list(a.history),
                          "history_steps": a.history_steps})
    out = Path(a.out)
    P.write(post, out / "posterior.toml")
    lines = [f"# Posterior ({post.settings['method']})\n",
             f"{post.settings['simulations']} simulations in {post.settings['generations']} "
             f"generations of {a.population}, {post.settings['wall_seconds']} s wall; seed "
             f"{a.seed}; {a.steps} steps, scale {a.scale}. Samples: posterior.toml.\n",
             P.summary_table(problem, post) + "\n",
             "Not identified (posterior sd > 0.7 prior sd): "
             + (", ".join(P.not_identified(problem, post)) or "none") + ".\n"]
    if problem.held_out and a.draws > 0:
        check = P.predictive_check(problem, post, held, draws=a.draws, seed=a.seed + 1)
        lines.append("## Held out (facts, history years after 2015): posterior predictive "
                     "check\n")
        lines.append("| statistic | observed (transformed) | 95% predictive | inside | p |\n"
                     "|---|---|---|---|---|")
        for k, r in check.items():
            lines.append(f"| `{k}` | {r['observed']:.3g} | [{r['low']:.3g}, {r['high']:.3g}] "
                         f"| {'yes' if r['inside'] else 'no'} | {r['p_value']:.2f} |")
        lines.append("")
    if a.coverage:
        cov = P.coverage(problem, datasets=a.coverage, seed=a.seed + 2,
                         population=a.population, generations=a.generations)
        lines.append(f"## Coverage on {a.coverage} synthetic data sets "
                     f"({cov['simulations']} simulations, {cov['wall_seconds']} s)\n")
        lines.append("| parameter | " + " | ".join(f"{lv:.0%}" for lv in P.LEVELS) + " |\n|---|"
                     + "---|" * len(P.LEVELS))
        for n, row in cov["coverage"].items():
            lines.append(f"| `{n}` | " + " | ".join(f"{row[lv]:.2f}" for lv in P.LEVELS) + " |")
        lines.append("")
    (out / "posterior.md").write_text("\n".join(lines), encoding="utf-8")
    print(f"wrote {out / 'posterior.toml'} and {out / 'posterior.md'} "
          f"({time.perf_counter() - t0:.1f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
