"""Orderings of the regime comparison's presets over posterior draws x seeds (issue 29 item 5).

Draws parameter vectors from the per-country posteriors (``scripts/posterior.py``: one
``posterior.toml`` per country, weighted samples), runs the regime comparison's presets with
them (each preset takes the draw of its own posterior or of the preset it extends:
``japan_2027_plan`` takes ``japan``'s) and a few seeds each, and reports for each headline
metric the probability of each pairwise ordering over draws x seeds
(``experiments/posterior.py``: ``ordering_specs``, ``ordering_runs``, ``orderings``).

    python scripts/posterior_orderings.py --draws 16 --seeds 2 --workers 2
    python scripts/posterior_orderings.py --presets korea --append ...   # one preset at a time
    python scripts/posterior_orderings.py --render                       # markdown from the CSV

The specs do not depend on which presets run (vectors and seeds are drawn per posterior and
replicate), so presets can be run separately (``--presets X --append``) and the CSV merged.
Writes ``<out>/orderings_runs.csv`` (one row per run) and ``<out>/orderings.md``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import pandas as pd  # noqa: E402

from abm.experiments import posterior as P  # noqa: E402

PRESETS = ("silicon_valley", "japan", "korea", "japan_2027_plan")
COUNTRIES = ("silicon_valley", "japan", "korea")


def _fmt(x: float) -> str:
    return "–" if pd.isna(x) else f"{x:.2f}"


def point_orderings(folder: Path) -> pd.DataFrame:
    """The same orderings over the seeds of a regime comparison at the point calibration
    (a finished ``experiments/regime_comparison.toml`` folder: runs.parquet)."""
    import itertools

    from abm.experiments.attribution import ordering_probabilities

    runs = pd.read_parquet(folder / "runs.parquet")
    presets = list(dict.fromkeys(runs["preset"]))
    return pd.concat([ordering_probabilities(runs, a, b, P.ORDERING_METRICS)
                      for a, b in itertools.combinations(presets, 2)], ignore_index=True)


def render(runs: pd.DataFrame, point: Path | None = None) -> str:
    table = P.orderings(runs)
    ref = None
    if point is not None and (point / "runs.parquet").exists():
        pt = point_orderings(point)
        ref = {(r.metric, r.a, r.b): r.p_a_above for r in pt.itertuples()}
        ref.update({(r.metric, r.b, r.a): r.p_b_above for r in pt.itertuples()})
        n_point = int(pt["n"].max())
    seeds = int(runs.groupby(["preset", "draw"]).size().max())
    meta = {"seeds": seeds, "steps": ", ".join(map(str, sorted(runs["steps"].unique()))),
            "scale": ", ".join(f"{x:g}" for x in sorted(runs["scale"].unique()))}
    lines = [
        "# Orderings of the regime comparison over posterior draws\n",
        f"Presets {', '.join(f'`{p}`' for p in dict.fromkeys(runs['preset']))}; "
        f"{runs['draw'].nunique()} posterior draws x {meta['seeds']} seeds each "
        f"({len(runs)} runs), {meta['steps']} steps at scale {meta['scale']}; each preset "
        "runs with a parameter vector drawn by weight from its country's posterior "
        "(`results/validation/posterior/<country>/posterior.toml`; `japan_2027_plan` takes "
        "`japan`'s draw), structural constants at their point values; runs are paired by "
        "draw index and seed (the same seed for every preset, as in the regime comparison). "
        "Made by `scripts/posterior_orderings.py` (the commands: README.md beside this "
        "file).\n",
        "`P(a > b)`: share of the paired runs (draw x seed) where `a`'s value is above `b`'s; "
        "`P(b > a)` the reverse; ties are the rest. `draws a > b`: share of draws whose mean "
        "over its seeds has `a` above `b`. These probabilities cover the posterior's "
        "parameter uncertainty and seed noise, not the structural constants (those are "
        "`structural_uncertainty`'s and `attribution.md`'s) nor model error."
        + (f" `point P(a > b)`: the same share over the {n_point} seeds of the regime "
           f"comparison at the point calibration (`{point}`), for reference." if ref else "")
        + "\n",
        "## Levels (mean and 2.5-97.5% over draws x seeds)\n",
        "| preset | " + " | ".join(P.ORDERING_METRICS) + " |",
        "|---|" + "---|" * len(P.ORDERING_METRICS)]
    for preset, g in runs.groupby("preset", sort=False):
        cells = []
        for m in P.ORDERING_METRICS:
            x = g[m].dropna()
            cells.append(f"{x.mean():.3g} [{x.quantile(0.025):.3g}, {x.quantile(0.975):.3g}]"
                         if len(x) else "–")
        lines.append(f"| `{preset}` | " + " | ".join(cells) + " |")
    if ref:
        pr = pd.read_parquet(point / "runs.parquet")
        for preset, g in pr.groupby("preset", sort=False):
            cells = [f"{g[m].mean():.3g} [{g[m].quantile(0.025):.3g}, "
                     f"{g[m].quantile(0.975):.3g}]" if m in g else "–"
                     for m in P.ORDERING_METRICS]
            lines.append(f"| `{preset}` (point calibration, {len(g)} seeds) | "
                         + " | ".join(cells) + " |")
    lines.append("")
    for m in P.ORDERING_METRICS:
        t = table[table["metric"] == m]
        if t.empty:
            continue
        lines += [f"## `{m}`\n", "| a | b | P(a > b) | P(b > a) | P(tie) | draws a > b | pairs |"
                  " mean a - b |" + (" point P(a > b) |" if ref else ""),
                  "|---|---|---|---|---|---|---|---|" + ("---|" if ref else "")]
        for r in t.itertuples():
            lines.append(f"| `{r.a}` | `{r.b}` | {_fmt(r.p_a_above)} | {_fmt(r.p_b_above)} | "
                         f"{_fmt(r.p_tie)} | {_fmt(r.p_a_above_variants)} ({r.variants}) | "
                         f"{r.n} | {r.mean_difference:.3g} |"
                         + (f" {_fmt(ref.get((m, r.a, r.b), float('nan')))} |" if ref else ""))
        lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--posteriors", default="results/validation/posterior",
                    help="folder with <country>/posterior.toml")
    ap.add_argument("--presets", default=",".join(PRESETS))
    ap.add_argument("--draws", type=int, default=16)
    ap.add_argument("--seeds", type=int, default=2)
    ap.add_argument("--steps", type=int, default=100)
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--seed", type=int, default=2905)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--out", default="results/validation/posterior")
    ap.add_argument("--append", action="store_true",
                    help="merge into an existing orderings_runs.csv (replacing these presets)")
    ap.add_argument("--point", default="results/regime_comparison",
                    help="a regime comparison at the point calibration whose orderings are set "
                    "beside (its runs.parquet; skipped when absent)")
    ap.add_argument("--render", action="store_true",
                    help="only write orderings.md from orderings_runs.csv")
    a = ap.parse_args(argv)
    out = Path(a.out)
    csv = out / "orderings_runs.csv"
    if not a.render:
        posts = {c: P.read(Path(a.posteriors) / c / "posterior.toml") for c in COUNTRIES
                 if (Path(a.posteriors) / c / "posterior.toml").exists()}
        presets = [p for p in a.presets.split(",") if p]
        specs = P.ordering_specs(posts, presets, draws=a.draws, seeds=a.seeds, steps=a.steps,
                                 scale=a.scale, seed=a.seed)
        t0 = time.perf_counter()
        runs = P.ordering_runs(specs, seeds=a.seeds, workers=a.workers,
                               progress=lambda i, n: print(f"\r{i}/{n} runs", end="",
                                                           flush=True))
        print(f"\n{len(specs)} runs in {time.perf_counter() - t0:.0f} s")
        if a.append and csv.exists():
            old = pd.read_csv(csv)
            runs = pd.concat([old[~old["preset"].isin(presets)], runs], ignore_index=True)
        out.mkdir(parents=True, exist_ok=True)
        order = {p: i for i, p in enumerate(PRESETS)}
        runs = runs.sort_values(["draw", "replicate", "preset"],
                                key=lambda s: s.map(order) if s.name == "preset" else s)
        runs.to_csv(csv, index=False, float_format="%.6g")
    runs = pd.read_csv(csv)
    md = render(runs, Path(a.point) if a.point else None)
    (out / "orderings.md").write_text(md, encoding="utf-8")
    print(f"wrote {out / 'orderings.md'}" + ("" if a.render else f" and {csv}"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
