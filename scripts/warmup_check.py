"""The stationary-start check (issue 26 item 2, docs/ODD.md 7.22): does the summary measured
over a window of 100 quarters agree with the one over 200 quarters, after a burn-in (warm-up)
of ``B`` quarters?

For each preset and seed, one model per burn-in runs ``B + 200`` quarters; its summary is taken
after ``B + 100`` quarters (the 100-quarter window) and at the end (the 200-quarter window).
Taking a summary changes nothing in the model (metrics are pure functions of it), and a burn-in
changes only what is measured (``EcosystemModel(burn_in=B)``), so the two windows of one seed
are the same simulated path, measured twice. For every headline metric the table gives the
mean and 95% t-interval over seeds at each window, the paired difference (200 - 100) with its
95% interval, and whether the windows agree (the intervals overlap and the difference's
interval holds 0). Counts grow with the window by construction; they are also given per year.

One process (run it under ``nice``):

    python scripts/warmup_check.py --out out/warmup_check --seeds 10 --burn-ins 140 20
    python scripts/warmup_check.py --out out/warmup_check --table-only   # from the CSV
"""

from __future__ import annotations

import argparse
import csv
import math
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

PRESETS = ("silicon_valley", "japan", "korea", "japan_2027_plan")
"""The regime comparison's presets (experiments/regime_comparison.toml)."""
KEYS = ("productivity_growth", "innovation_total", "unicorns", "survival_5y",
        "ma_share_of_exits", "vc_intensity", "incumbents_displaced", "hhi_mean",
        "startup_employment_share", "innovation_from_startups_share", "exit_rate",
        "partnership_density")
"""Headline summary metrics (docs/DESIGN.md section 5)."""
COUNTS = ("innovation_total", "unicorns", "incumbents_displaced")
"""Counts over the window: they grow with it by construction; also shown per year."""
WINDOWS = (100, 200)


def run(presets, seeds, burn_ins, out: Path) -> Path:
    """Run every (burn-in, preset, seed) and append its two summaries to ``runs.csv``."""
    from abm import EcosystemModel

    path = out / "runs.csv"
    done = set()
    if path.exists():
        with path.open() as f:
            done = {(int(r["burn_in"]), r["preset"], int(r["seed"])) for r in csv.DictReader(f)}
    new = not path.exists()
    with path.open("a", newline="") as f:
        w = csv.DictWriter(f, fieldnames=["burn_in", "preset", "seed", "window", *KEYS])
        if new:
            w.writeheader()
        for b in burn_ins:
            for preset in presets:
                for seed in seeds:
                    if (b, preset, seed) in done:
                        continue
                    m = EcosystemModel(preset=preset, seed=seed, burn_in=b, record_events=False)
                    rows = []
                    for window in WINDOWS:
                        m.run(b + window - m.steps)
                        s = m.summary()
                        rows.append({"burn_in": b, "preset": preset, "seed": seed,
                                     "window": window, **{k: s[k] for k in KEYS}})
                    w.writerows(rows)
                    f.flush()
                    print(f"burn-in {b} {preset} seed {seed}", flush=True)
    return path


def _ci(x: np.ndarray) -> tuple[float, float, float]:
    from abm.experiments.stats import mean_ci

    c = mean_ci(x)
    return c["mean"], c["ci_low"], c["ci_high"]


def _fmt(v: float, key: str) -> str:
    if not math.isfinite(v):
        return "nan"
    if key == "productivity_growth":
        return f"{100 * v:.2f}"
    if abs(v) >= 1000:
        return f"{v:,.0f}"
    return f"{v:.3g}"


def table(path: Path) -> str:
    """The Markdown table of ``runs.csv``: per burn-in, preset and metric."""
    import pandas as pd

    df = pd.read_csv(path)
    lines = []
    for b in sorted(df.burn_in.unique(), reverse=True):
        d = df[df.burn_in == b]
        n = d.seed.nunique()
        lines += [f"**Burn-in {b} quarters** (seeds {d.seed.min()}-{d.seed.max()}, n = {n}, "
                  f"scale 1; windows: quarters {b + 1}-{b + 100} and {b + 1}-{b + 200}). "
                  "Mean [95% t-interval]; diff = paired 200 - 100 by seed [95% interval]; "
                  "agree = intervals overlap and the diff's interval holds 0. "
                  "productivity_growth in %/yr; counts also per year (/yr).", "",
                  "| preset | metric | 100 q | 200 q | diff (200 - 100) | agree |",
                  "|---|---|---|---|---|---|"]
        for preset in PRESETS:
            p = d[d.preset == preset]
            if p.empty:
                continue
            a = p[p.window == 100].set_index("seed").sort_index()
            c = p[p.window == 200].set_index("seed").sort_index()
            seeds = a.index.intersection(c.index)
            a, c = a.loc[seeds], c.loc[seeds]
            rows = [(k, a[k].to_numpy(float), c[k].to_numpy(float)) for k in KEYS]
            rows += [(f"{k} /yr", a[k].to_numpy(float) / 25, c[k].to_numpy(float) / 50)
                     for k in COUNTS]
            for key, x, y in rows:
                base = key.split(" ")[0]
                mx, lx, hx = _ci(x)
                my, ly, hy = _ci(y)
                md, ld, hd = _ci(y - x)
                overlap = lx <= hy and ly <= hx
                zero = ld <= 0 <= hd
                f = (lambda v: _fmt(v, base)) if " " not in key else (lambda v: _fmt(v, "x"))
                agree = "yes" if overlap and zero else ("overlap only" if overlap else "no")
                lines.append(f"| {preset} | {key} | {f(mx)} [{f(lx)}, {f(hx)}] | "
                             f"{f(my)} [{f(ly)}, {f(hy)}] | {f(md)} [{f(ld)}, {f(hd)}] | "
                             f"{agree} |")
        lines.append("")
    return "\n".join(lines)


HEADLINE = ("productivity_growth", "innovation_total /yr", "unicorns /yr", "survival_5y",
            "ma_share_of_exits", "vc_intensity", "incumbents_displaced /yr", "hhi_mean",
            "startup_employment_share")
"""The rows of :func:`compact` (the counts per year)."""


def _stats(df, b: int, preset: str, key: str):
    """Means and t-intervals at 100 and 200 quarters and of the paired difference."""
    p = df[(df.burn_in == b) & (df.preset == preset)]
    a = p[p.window == 100].set_index("seed").sort_index()
    c = p[p.window == 200].set_index("seed").sort_index()
    seeds = a.index.intersection(c.index)
    base = key.split(" ")[0]
    x, y = a.loc[seeds, base].to_numpy(float), c.loc[seeds, base].to_numpy(float)
    if key.endswith("/yr"):
        x, y = x / 25, y / 50
    return _ci(x), _ci(y), _ci(y - x)


def compact(path: Path, long_b: int = 140, short_b: int = 20) -> str:
    """One row per preset and headline metric: the summary at 100 and 200 quarters after a
    burn-in of ``long_b`` with their paired difference, beside the difference after
    ``short_b``. ``=`` marks agreement (intervals overlap and the difference's holds 0),
    ``~`` overlap only, ``≠`` neither."""
    import pandas as pd

    df = pd.read_csv(path)
    head = [f"| preset | metric | {long_b}: 100 q | {long_b}: 200 q | {long_b}: 200 - 100 | "
            f"{short_b}: 100 q | {short_b}: 200 - 100 |", "|---|---|---|---|---|---|---|"]
    out = []
    for preset in PRESETS:
        for key in HEADLINE:
            f = (lambda v: _fmt(v, key))
            cells = []
            for b in (long_b, short_b):
                (mx, lx, hx), (my, ly, hy), (md, ld, hd) = _stats(df, b, preset, key)
                mark = "=" if (lx <= hy and ly <= hx and ld <= 0 <= hd) else \
                    "~" if (lx <= hy and ly <= hx) else "≠"
                cells.append((f"{f(mx)} [{f(lx)}, {f(hx)}]", f"{f(my)} [{f(ly)}, {f(hy)}]",
                              f"{f(md)} [{f(ld)}, {f(hd)}] {mark}"))
            (a1, a2, a3), (b1, _, b3) = cells
            out.append(f"| {preset} | {key} | {a1} | {a2} | {a3} | {b1} | {b3} |")
    return "\n".join(head + out)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path("out/warmup_check"))
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--burn-ins", type=int, nargs="+", default=[140, 20])
    ap.add_argument("--presets", nargs="+", default=list(PRESETS))
    ap.add_argument("--table-only", action="store_true")
    a = ap.parse_args(argv)
    a.out.mkdir(parents=True, exist_ok=True)
    path = a.out / "runs.csv"
    if not a.table_only:
        run(a.presets, range(1, a.seeds + 1), a.burn_ins, a.out)
    md = table(path)
    (a.out / "table.md").write_text(md + "\n", encoding="utf-8")
    print(md)
    import pandas as pd

    have = set(pd.read_csv(path).burn_in)
    if {140, 20} <= have:
        (a.out / "table_compact.md").write_text(compact(path) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
