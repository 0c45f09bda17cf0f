"""Orderings of the regime comparison's presets over posterior draws x seeds (issue 29 item 5).

Draws parameter vectors from the per-country posteriors (``scripts/posterior.py``: one
``posterior.toml`` per country, weighted samples), runs the regime comparison's presets with
them (each preset takes the draw of its own posterior or of the preset it extends:
``japan_2027_plan`` takes ``japan``'s) and a few seeds each, and reports for each headline
metric the probability of each pairwise ordering over draws x seeds
(``experiments/posterior.py``: ``ordering_specs``, ``ordering_runs``, ``orderings``).

With ``--structural all`` (the default) each (draw, seed) spec also draws one structural
variant: a unit vector over every entry of ``abm.structural.STRUCTURAL``, shared by the spec's
presets (a country index maps it into each preset's own range); the posterior draw keeps what
it infers (``ordering_specs``). ``--structural none`` runs the same specs with the structural
entries at their point values. Both designs go into one CSV (column ``structural``), paired
spec by spec; with both present, orderings.md sets ``P(a > b)`` with and without the variants
side by side and splits the variance of ``a - b`` into structural variant, posterior draw and
seed (``variance_split``).

    python scripts/posterior_orderings.py --draws 16 --seeds 2 --workers 2 --structural none
    python scripts/posterior_orderings.py --draws 16 --seeds 2 --workers 2 --append
    python scripts/posterior_orderings.py --presets korea --append ...   # one preset at a time
    python scripts/posterior_orderings.py --render                       # markdown from the CSV

The specs do not depend on which presets run (vectors, seeds and structural variants are drawn
per posterior and replicate), so presets and designs can be run separately (``--presets X
--structural D --append``) and the CSV merged. Writes ``<out>/orderings_runs.csv`` (one row
per run) and ``<out>/orderings.md``.
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


def _design(runs: pd.DataFrame, design: str) -> pd.DataFrame:
    return runs[runs["structural"] == design]


def render(runs: pd.DataFrame, point: Path | None = None) -> str:
    runs = runs.copy()
    if "structural" not in runs:  # a CSV of before the structural variants
        runs["structural"] = "none"
    runs["structural"] = runs["structural"].fillna("none")
    designs = set(runs["structural"])
    main = "all" if "all" in designs else "none"
    paired = main == "all" and "none" in designs
    both = runs
    runs = _design(both, main)
    table = P.orderings(runs)
    ref0 = None
    if paired:
        t0 = P.orderings(_design(both, "none"))
        ref0 = {(r.metric, r.a, r.b): r.p_a_above for r in t0.itertuples()}
    ref = None
    if point is not None and (point / "runs.parquet").exists():
        pt = point_orderings(point)
        ref = {(r.metric, r.a, r.b): r.p_a_above for r in pt.itertuples()}
        ref.update({(r.metric, r.b, r.a): r.p_b_above for r in pt.itertuples()})
        n_point = int(pt["n"].max())
    seeds = int(runs.groupby(["preset", "draw"]).size().max())
    meta = {"seeds": seeds, "steps": ", ".join(map(str, sorted(runs["steps"].unique()))),
            "scale": ", ".join(f"{x:g}" for x in sorted(runs["scale"].unique()))}
    if main == "all":
        world = ("each (draw, seed) spec also draws one **structural variant**: a unit vector "
                 "u ~ U(0, 1) over every entry of `abm/structural.py` (STRUCTURAL: the "
                 "structural constants, the technology, loop and open-innovation strengths, "
                 "and the country indices), shared by the spec's presets (the same structural "
                 "world for every preset; a country index maps u into each preset's own "
                 "declared range); the posterior draw keeps the values it infers (its preset "
                 "parameters and `loop_finance`), the variant sets every other declared entry")
        covers = ("These probabilities cover the posterior's parameter uncertainty, seed noise "
                  "and the structural entries over their declared ranges (uniform and "
                  "independent inside them), not model error (the rules themselves) nor "
                  "values outside the declared ranges.")
    else:
        world = "structural constants at their point values"
        covers = ("These probabilities cover the posterior's parameter uncertainty and seed "
                  "noise, not the structural constants (those are `structural_uncertainty`'s "
                  "and `attribution.md`'s; `--structural all` adds them) nor model error.")
    lines = [
        "# Orderings of the regime comparison over posterior draws\n",
        f"Presets {', '.join(f'`{p}`' for p in dict.fromkeys(runs['preset']))}; "
        f"{runs['draw'].nunique()} posterior draws x {meta['seeds']} seeds each "
        f"({len(runs)} runs), {meta['steps']} steps at scale {meta['scale']}; each preset "
        "runs with a parameter vector drawn by weight from its country's posterior "
        "(`results/validation/posterior/<country>/posterior.toml`; `japan_2027_plan` takes "
        f"`japan`'s draw), {world}; runs are paired by "
        "draw index and seed (the same seed for every preset, as in the regime comparison). "
        "Made by `scripts/posterior_orderings.py` (the commands: README.md beside this "
        "file).\n",
        "`P(a > b)`: share of the paired runs (draw x seed) where `a`'s value is above `b`'s; "
        "`P(b > a)` the reverse; ties are the rest. `draws a > b`: share of draws whose mean "
        f"over its seeds has `a` above `b`. {covers}"
        + (" `P(a > b) no structural`: the same share over the same draws and seeds with the "
           "structural entries at their point values (`--structural none`), side by side."
           if paired else "")
        + (f" `point P(a > b)`: the same share over the {n_point} seeds of the regime "
           f"comparison at the point calibration (`{point}`), for reference." if ref else "")
        + "\n",
        "## Levels (mean and 2.5-97.5% over draws x seeds)\n",
        "| preset | " + " | ".join(P.ORDERING_METRICS) + " |",
        "|---|" + "---|" * len(P.ORDERING_METRICS)]

    def level_rows(frame: pd.DataFrame, label: str) -> None:
        for preset, g in frame.groupby("preset", sort=False):
            cells = []
            for m in P.ORDERING_METRICS:
                x = g[m].dropna() if m in g else pd.Series(dtype=float)
                cells.append(f"{x.mean():.3g} [{x.quantile(0.025):.3g}, "
                             f"{x.quantile(0.975):.3g}]" if len(x) else "–")
            lines.append(f"| `{preset}`{label} | " + " | ".join(cells) + " |")

    level_rows(runs, "")
    if paired:
        level_rows(_design(both, "none"), " (no structural variants)")
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
                  " mean a - b |" + (" P(a > b) no structural |" if paired else "")
                  + (" point P(a > b) |" if ref else ""),
                  "|---|---|---|---|---|---|---|---|" + ("---|" if paired else "")
                  + ("---|" if ref else "")]
        for r in t.itertuples():
            lines.append(f"| `{r.a}` | `{r.b}` | {_fmt(r.p_a_above)} | {_fmt(r.p_b_above)} | "
                         f"{_fmt(r.p_tie)} | {_fmt(r.p_a_above_variants)} ({r.variants}) | "
                         f"{r.n} | {r.mean_difference:.3g} |"
                         + (f" {_fmt(ref0.get((m, r.a, r.b), float('nan')))} |" if paired
                            else "")
                         + (f" {_fmt(ref.get((m, r.a, r.b), float('nan')))} |" if ref else ""))
        lines.append("")
    if paired:
        lines += variance_section(both)
    return "\n".join(lines)


def _pct(x: float) -> str:
    return "–" if pd.isna(x) else f"{100 * x:.0f}%"


def variance_section(runs: pd.DataFrame) -> list[str]:
    """The section splitting the variance of ``a - b`` (``P.variance_split``)."""
    split = P.variance_split(runs)
    seeds = int(_design(runs, "all").groupby(["preset", "draw"]).size().max())
    lines = [
        "## Where the variance of a - b comes from\n",
        "Per metric and pair, the variance of `a - b` over the specs with structural variants "
        "(`var`) split in three (`experiments/posterior.py`, `variance_split`): "
        "**posterior draw** = the between-draw sum of squares of `a - b` without the variants "
        "(same draws and seeds) over the number of specs, **seed** = its within-draw sum of "
        "squares over the number of specs, **structural** = the variance with the variants "
        "minus the variance without them (what the variants add to the same specs, their "
        "interactions with draw and seed included; negative when they narrow the spread). "
        "The three sum to `var`; shares are of `var`."
        + (" With one seed per draw the seed noise cannot be told from the draw: it is inside "
           "`posterior draw`." if seeds < 2 else
           f" With {seeds} seeds per draw the between-draw part still holds 1/{seeds} of the "
           "seed variance (the split is of sums of squares, not unbiased components).")
        + "\n",
        "| metric | a | b | var | structural | posterior draw | seed | specs |",
        "|---|---|---|---|---|---|---|---|"]
    for r in split.itertuples():
        lines.append(f"| `{r.metric}` | `{r.a}` | `{r.b}` | {r.total:.3g} | "
                     f"{_pct(r.share_structural)} | {_pct(r.share_posterior_draw)} | "
                     f"{_pct(r.share_seed)} | {r.n} |")
    lines.append("")
    return lines


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
    ap.add_argument("--structural", choices=P.STRUCTURAL_DESIGNS, default="all",
                    help="all: each (draw, seed) spec draws one structural variant over "
                    "abm/structural.py's declared ranges; none: structural entries at their "
                    "point values (the specs of before). Run both (the second with --append) "
                    "for the side-by-side column and the variance split")
    a = ap.parse_args(argv)
    out = Path(a.out)
    csv = out / "orderings_runs.csv"
    if not a.render:
        posts = {c: P.read(Path(a.posteriors) / c / "posterior.toml") for c in COUNTRIES
                 if (Path(a.posteriors) / c / "posterior.toml").exists()}
        presets = [p for p in a.presets.split(",") if p]
        specs = P.ordering_specs(posts, presets, draws=a.draws, seeds=a.seeds, steps=a.steps,
                                 scale=a.scale, seed=a.seed, structural=a.structural)
        t0 = time.perf_counter()
        runs = P.ordering_runs(specs, seeds=a.seeds, workers=a.workers,
                               progress=lambda i, n: print(f"\r{i}/{n} runs", end="",
                                                           flush=True),
                               structural=a.structural)
        print(f"\n{len(specs)} runs in {time.perf_counter() - t0:.0f} s")
        if a.append and csv.exists():
            old = pd.read_csv(csv)
            if "structural" not in old:
                old["structural"] = "none"
            keep = ~(old["preset"].isin(presets) & (old["structural"] == a.structural))
            runs = pd.concat([old[keep], runs], ignore_index=True)
        out.mkdir(parents=True, exist_ok=True)
        order = {p: i for i, p in enumerate(PRESETS)}
        design = {d: i for i, d in enumerate(P.STRUCTURAL_DESIGNS)}
        runs = runs.sort_values(["structural", "draw", "replicate", "preset"],
                                key=lambda s: s.map(order) if s.name == "preset" else
                                (s.map(design) if s.name == "structural" else s))
        # the columns of the design-independent part first, then parameters and constants
        head = [c for c in runs.columns if not c.startswith(("param.", "const."))]
        runs = runs[head + sorted(c for c in runs.columns if c.startswith("param."))
                    + sorted(c for c in runs.columns if c.startswith("const."))]
        runs.to_csv(csv, index=False, float_format="%.6g")
    runs = pd.read_csv(csv)
    if runs["preset"].nunique() < 2:  # one preset so far (run presets apart, then --append)
        print(f"wrote {csv}: one preset ({runs['preset'].iloc[0]}), no ordering to render yet; "
              "append the other presets' runs (--presets X --append) or --render later")
        return 0
    md = render(runs, Path(a.point) if a.point else None)
    (out / "orderings.md").write_text(md, encoding="utf-8")
    print(f"wrote {out / 'orderings.md'}" + ("" if a.render else f" and {csv}"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
