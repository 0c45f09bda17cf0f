"""Compare the regime comparison under the point calibration with the same spec run over the
calibrated ensemble (parameter and seed uncertainty together), and write the table.

    abm experiment experiments/regime_comparison.toml --ensemble abm/data/ensemble.toml \\
        --replicates 24 --out results/regime_comparison_ensemble
    python scripts/point_vs_ensemble.py            # -> results/regime_comparison_ensemble/point_vs_ensemble.md

Each cell is the mean over the runs with its 95% t-interval (experiments.stats.mean_ci). A
column "orderings" says, for each pair of presets, whether the ordering of the two means is
the same under the point calibration and over the ensemble.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
METRICS = ("innovation_total", "productivity_growth", "unicorns", "incumbents_displaced",
           "ma_share_of_exits", "vc_intensity", "startups_founded", "firm_entry_rate",
           "firm_survival_5y")


def _fmt(x: float) -> str:
    return f"{x:.4g}"


def main(argv: list[str] | None = None) -> int:
    import pandas as pd

    from abm.experiments.stats import mean_ci

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--point", default=str(ROOT / "results" / "regime_comparison"))
    ap.add_argument("--ensemble", default=str(ROOT / "results" / "regime_comparison_ensemble"))
    ap.add_argument("--out", default=None, help="default: ENSEMBLE/point_vs_ensemble.md")
    args = ap.parse_args(argv)
    point_dir, ens_dir = Path(args.point), Path(args.ensemble)
    for d in (point_dir, ens_dir):
        if not (d / "runs.parquet").exists():
            print(f"error: {d}/runs.parquet not found (run the experiment first)",
                  file=sys.stderr)
            return 2
    point = pd.read_parquet(point_dir / "runs.parquet")
    ens = pd.read_parquet(ens_dir / "runs.parquet")
    manifest = json.loads((ens_dir / "manifest.json").read_text(encoding="utf-8"))
    info = manifest["spec"].get("ensemble") or {}
    if not info:
        print(f"error: {ens_dir} was not run over an ensemble (no spec.ensemble in its "
              "manifest)", file=sys.stderr)
        return 2
    n_members = info.get("members")
    used = sorted(set(info.get("replicate_members", [])))
    presets = [p for p in dict.fromkeys(point["scenario"]) if p in set(ens["scenario"])]
    n_point = point.groupby("scenario").size().min()
    n_ens = ens.groupby("scenario").size().min()
    metrics = [m for m in METRICS if m in point.columns and m in ens.columns]
    lines = [
        "# Regime comparison: point calibration against the calibrated ensemble",
        "",
        f"Mean [95% t-interval]. Point: `{point_dir.relative_to(ROOT) if point_dir.is_relative_to(ROOT) else point_dir}` "
        f"({n_point} seeds, the presets as shipped). Ensemble: "
        f"`{ens_dir.relative_to(ROOT) if ens_dir.is_relative_to(ROOT) else ens_dir}` "
        f"(`abm experiment {manifest['spec'].get('path', 'SPEC')} --ensemble {info.get('path')}`,"
        f" {n_ens} replicates): replicate r draws member order[r % {n_members}] of the "
        f"{n_members} accepted parameter vectors (results/validation/calibration.md; "
        f"{len(used)} distinct members used), so its interval carries parameter and seed "
        "uncertainty together. Written by `scripts/point_vs_ensemble.py`.",
        "",
        "| metric | preset | point calibration | ensemble |",
        "|---|---|---|---|",
    ]
    order_rows = []
    for m in metrics:
        pm, em = {}, {}
        for p in presets:
            a = mean_ci(point.loc[point["scenario"] == p, m])
            b = mean_ci(ens.loc[ens["scenario"] == p, m])
            pm[p], em[p] = a["mean"], b["mean"]
            lines.append(f"| {m} | {p} | {_fmt(a['mean'])} [{_fmt(a['ci_low'])}, "
                         f"{_fmt(a['ci_high'])}] | {_fmt(b['mean'])} [{_fmt(b['ci_low'])}, "
                         f"{_fmt(b['ci_high'])}] |")
        for x, y in itertools.combinations(presets, 2):
            same = (pm[x] > pm[y]) == (em[x] > em[y])
            order_rows.append(f"| {m} | {x} vs {y} | {'>' if pm[x] > pm[y] else '<='} | "
                              f"{'>' if em[x] > em[y] else '<='} | "
                              f"{'same' if same else '**reversed**'} |")
    lines += ["", "## Orderings of the means", "",
              "| metric | pair | point | ensemble | |", "|---|---|---|---|---|", *order_rows, ""]
    out = Path(args.out) if args.out else ens_dir / "point_vs_ensemble.md"
    out.write_text("\n".join(lines), encoding="utf-8")
    n_rev = sum("reversed" in r for r in order_rows)
    print(f"wrote {out}: {len(metrics)} metrics x {len(presets)} presets; "
          f"{n_rev} of {len(order_rows)} orderings reversed over the ensemble")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
