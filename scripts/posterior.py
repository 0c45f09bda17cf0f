"""Draw the ABC-SMC posterior of the presets' calibration (experiments/posterior.py; issue 29
item 4) and write it with its checks.

    python scripts/posterior.py --presets korea --constants none --history korea_history \
        --parameter korea.loop_finance --scale 0.5 --population 32 --generations 3 \
        --draws 0 --out results/validation/posterior/korea
    python scripts/posterior.py --from-samples results/validation/posterior/korea --draws 40
    python scripts/posterior.py --steps 6 --scale 0.05 --population 10 --generations 1 \
        --presets korea --constants none --out /tmp/post      # a plumbing check (~20 s)

Writes ``<out>/posterior.toml`` (weighted samples and the settings that made them) and
``<out>/posterior.md``: the posterior table (prior range, mean, 95% interval, sd over prior
sd, identified?), then, from ``--draws`` posterior predictive simulations (one seed each), the
fit of the statistics conditioned on, the predictive check of the held-out facts and history
years, and each history's yearly series beside the data layer (growth factors with 95%
intervals over draws and seeds; calibration and held-out years marked). ``--draws 0`` skips
the predictive part; ``--from-samples DIR`` does only that part (and rewrites posterior.md)
from DIR/posterior.toml, so the posterior and its checks can run as separate jobs. Coverage on
synthetic data is a separate, expensive check (``--coverage N`` runs N more posteriors on data
simulated from prior draws; with ``--from-samples DIR --draws 0`` it uses the posterior's
settings and writes DIR/coverage.md, leaving posterior.md alone). docs/calibration.md,
"Posterior", says what it costs.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from abm.experiments import posterior as P  # noqa: E402


def _natural(moment, z: float) -> float:
    """A statistic back from a fact's transform (logit -> share, log -> level)."""
    if not math.isfinite(z):
        return math.nan
    return 1.0 / (1.0 + math.exp(-z)) if moment.transform == "logit" else math.exp(z)


def _g(x: float) -> str:
    return "–" if x is None or not math.isfinite(x) else f"{x:.3g}"


def predictive_sections(post: P.Posterior, draws: int, seed: int) -> list[str]:
    """The posterior predictive part of posterior.md (``draws`` simulations)."""
    from abm.constants import BURN_IN
    from abm.experiments.calibration import moments_from_facts
    from abm.experiments.histories import DRIVES, HISTORIES, NOTES, comparison
    from abm.experiments.validate import load_facts
    from abm.presets import preset_dated_series, resolve

    t0 = time.perf_counter()
    problem, check, tables = P.history_predictive(post, draws=draws, seed=seed)
    wall = time.perf_counter() - t0
    presets = post.settings["presets"]
    facts = [f for f in load_facts() if presets == "all" or f.preset in presets]
    moments = {m.id: m for m in moments_from_facts(facts)}
    lines = [f"## Posterior predictive ({draws} draws by weight, one seed each; "
             f"{wall:.0f} s wall)\n",
             "Each draw is one parameter vector resampled by weight and run once (its preset "
             "run and its history run), so the intervals below are over posterior draws and "
             "seeds together. Facts in their own units (the posterior works in their "
             "transform: logit for shares, log otherwise); `p` is the two-sided predictive "
             "tail probability of the public value.\n"]
    for title, keys in (("Facts conditioned on (fit in sample)",
                         [k for k in problem.statistics if k in moments]),
                        ("Held-out facts (never seen by the posterior)",
                         [k for k in problem.held_out if k in moments])):
        if not keys:
            continue
        lines += [f"### {title}\n", "| fact | metric | public value (range) | model median "
                  "[95% predictive] | inside | p |", "|---|---|---|---|---|---|"]
        for k in keys:
            m, r = moments[k], check[k]
            aim = (f"{m.target:.3g} ({m.low:.3g}-{m.high:.3g})" if m.target is not None
                   else f"({m.low:.3g}-{m.high:.3g})")
            lines.append(f"| `{k}` | `{m.key}` | {aim} | {_g(_natural(m, r['median']))} "
                         f"[{_g(_natural(m, r['low']))}, {_g(_natural(m, r['high']))}] | "
                         f"{'yes' if r['inside'] else 'no'} | {r['p_value']:.2f} |")
        lines.append("")
    hist_keys = [k for k in problem.statistics + problem.held_out if k not in moments]
    if hist_keys:
        used = [k for k in hist_keys if k in problem.statistics]
        held = [k for k in hist_keys if k in problem.held_out]
        inside = sum(check[k]["inside"] for k in held)
        lines.append(f"History years: {len(used)} conditioned on (<= 2015), {len(held)} held "
                     f"out (> 2015); {inside} of the {len(held)} held-out growth factors lie "
                     f"inside their 95% predictive interval, "
                     f"{sum(check[k]['inside'] for k in used)} of the {len(used)} used ones.\n")
    for h, table in tables.items():
        if table is None or not len(table):
            lines.append(f"### `{h}`: no history run succeeded\n")
            continue
        start = int(resolve(h).start_year)
        driven = tuple(k for n in preset_dated_series(h) for k in DRIVES.get(n, ()))
        comp = comparison(table, HISTORIES[h], driven, first_year=start + BURN_IN // 4)
        lines += [f"### `{h}` beside the data layer ({HISTORIES[h]})\n",
                  "Growth factors over each series' first year after the burn-in (levels are "
                  "not comparable: the model's money and counts scale with `scale`); model: "
                  f"mean and 2.5-97.5% over {comp['runs'].max() if len(comp) else 0} posterior "
                  "draws x seeds. `calibration`: years <= 2015, conditioned on; `held out`: "
                  "later years, never seen; `input`: a series the preset's dated data drive "
                  "directly (a mechanism check, not an out-of-sample one). Base-year rows "
                  "(factor 1) are the reference."
                  + (" Unicorns: " + NOTES["unicorns"] + "." if (comp["note"] != "").any()
                     else "") + "\n",
                  "| series | year | use | public value | public factor | model factor "
                  "[95%] | inside |", "|---|---|---|---|---|---|---|"]
        for r in comp.itertuples():
            base = abs(r.data_factor - 1.0) < 1e-12 and r.year == comp[
                comp["series"] == r.series]["year"].min()
            ok = ("base" if base else "yes" if (math.isfinite(r.model_low)
                  and r.model_low <= r.data_factor <= r.model_high) else "no")
            use = r.use + (", input" if r.input else "")
            lines.append(f"| {r.title} | {r.year} | {use} | {r.data:.4g} | "
                         f"{_g(r.data_factor)} | {_g(r.model_factor)} [{_g(r.model_low)}, "
                         f"{_g(r.model_high)}] | {ok} |")
        lines.append("")
    return lines


def header(post: P.Posterior, problem: P.Problem) -> list[str]:
    s = post.settings
    cons = s.get("constants", "default")
    return [f"# Posterior: {', '.join(s['presets']) if s['presets'] != 'all' else 'all'} "
            f"({s['method']})\n",
            f"{s['simulations']} simulations in {s['generations']} generations of "
            f"{s['population']} particles (budget {s.get('max_simulations', 'none')}), "
            f"{s['wall_seconds']} s wall on one process; seed {s['seed']}; final tolerance "
            f"{s['final_epsilon']:.3g}; each simulation is one run of {s['steps']} steps at "
            f"scale {s['scale']} per preset"
            + (f" plus one {s.get('history_steps', 104)}-quarter run of "
               f"{', '.join(s['histories'])}" if s.get("histories") else "")
            + ". Structural constants: "
            + ("fixed at their point values (`--constants none`)" if cons == []
               else f"{cons}") + ". Samples and settings: posterior.toml.\n",
            f"Conditioned on {len(problem.statistics)} statistics: "
            + ", ".join(f"`{k}`" for k in problem.statistics) + ". Held out: "
            f"{len(problem.held_out)} (below).\n",
            "## Posterior\n", P.summary_table(problem, post) + "\n",
            "Not identified (posterior sd > 0.7 prior sd, in the coordinate the prior is "
            "uniform in): " + (", ".join(f"`{n}`" for n in P.not_identified(problem, post))
                               or "none") + ".\n"]


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
    ap.add_argument("--draws", type=int, default=100,
                    help="posterior predictive draws (0: skip the predictive part)")
    ap.add_argument("--coverage", type=int, default=0,
                    help="synthetic data sets (0: skip); with --from-samples, with the "
                    "posterior's settings, into DIR/coverage.md")
    ap.add_argument("--from-samples", default=None, metavar="DIR",
                    help="skip the posterior: read DIR/posterior.toml, run the predictive "
                    "part and rewrite DIR/posterior.md")
    ap.add_argument("--out", default="results/validation/posterior")
    a = ap.parse_args(argv)
    t0 = time.perf_counter()
    if a.from_samples:
        out = Path(a.from_samples)
        post = P.read(out / "posterior.toml")
        problem, _, _ = P.problem_from_settings(post.settings)
    else:
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
        post = P.run(problem, observed, seed=a.seed, population=a.population,
                     generations=a.generations, max_simulations=a.max_simulations,
                     label=f"presets={a.presets or 'all'}")
        post.settings.update({"steps": a.steps, "scale": a.scale, "presets": presets or "all",
                              "constants": "default" if constants is None else list(constants),
                              "parameters": list(a.parameter), "histories": list(a.history),
                              "history_steps": a.history_steps})
        out = Path(a.out)
        P.write(post, out / "posterior.toml")
    lines = header(post, problem)
    if a.draws > 0:
        lines += predictive_sections(post, a.draws, post.settings["seed"] + 1)
    if a.coverage:
        st = post.settings
        cov = P.coverage(problem, datasets=a.coverage, seed=int(st["seed"]) + 2,
                         population=int(st["population"]),
                         generations=int(st["generations_requested"]),
                         max_simulations=(None if st.get("max_simulations", "none") == "none"
                                          else int(st["max_simulations"])))
        cov_lines = [f"## Coverage on {a.coverage} synthetic data sets "
                     f"({cov['simulations']} simulations, {cov['wall_seconds']} s)\n",
                     "Simulation-based calibration: parameters drawn from the prior, data "
                     "simulated from them (one seed), the posterior run on those data with the "
                     "settings above; the share of central intervals holding the truth per "
                     "level, and the truth's rank in each posterior (weighted cdf value; "
                     "uniform on [0, 1] for a calibrated posterior).\n",
                     "| parameter | " + " | ".join(f"{lv:.0%}" for lv in P.LEVELS)
                     + " | ranks |\n|---|" + "---|" * (len(P.LEVELS) + 1)]
        for n, row in cov["coverage"].items():
            cov_lines.append(f"| `{n}` | " + " | ".join(f"{row[lv]:.2f}" for lv in P.LEVELS)
                             + " | " + ", ".join(f"{r:.2f}" for r in cov["ranks"][n]) + " |")
        cov_lines.append("")
        if a.from_samples:  # its own file: posterior.md is the predictive pass's
            out.mkdir(parents=True, exist_ok=True)
            (out / "coverage.md").write_text("# Coverage of the posterior of "
                                             f"{out.name}\n\n" + "\n".join(cov_lines),
                                             encoding="utf-8")
        else:
            lines += cov_lines
    if a.from_samples and a.draws == 0:
        print(f"posterior.md left as it was ({time.perf_counter() - t0:.1f} s)")
        return 0
    out.mkdir(parents=True, exist_ok=True)
    (out / "posterior.md").write_text("\n".join(lines), encoding="utf-8")
    print(f"wrote {out / 'posterior.toml'} and {out / 'posterior.md'} "
          f"({time.perf_counter() - t0:.1f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
