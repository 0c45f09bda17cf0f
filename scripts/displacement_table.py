"""Tables of scripts/displacement_measure.py runs: base against prototype, per preset (means
over seeds with 95% t half-widths), and the calibration facts (experiments/stylized_facts.toml,
use = "calibration") checked on those runs.

    python scripts/displacement_table.py base.jsonl proto.jsonl [more.jsonl ...]
"""
from __future__ import annotations

import json
import sys
import tomllib
from pathlib import Path

import numpy as np
from scipy import stats

ROWS = ("productivity_growth", "incumbents_displaced", "new_incumbents", "entrant_share",
        "gone_10y", "gone_20y", "from_startups_top_q100", "unicorns", "ma_share_of_exits",
        "survival_5y", "vc_intensity", "hhi_mean", "startups_active_end")


def load(path):
    return [json.loads(line) for line in open(path)]


def ci(x):
    x = np.asarray(x, dtype=float)
    if x.size < 2:
        return float(x.mean()), float("nan")
    return float(x.mean()), float(stats.t.ppf(0.975, x.size - 1) * x.std(ddof=1) / np.sqrt(x.size))


def fmt(mu, h):
    if abs(mu) >= 100:
        return f"{mu:,.0f} ± {h:,.0f}" if h == h else f"{mu:,.0f}"
    return f"{mu:.4g} ± {h:.2g}" if h == h else f"{mu:.4g}"


def cell(rows, key):
    if key == "entrant_share":
        n = sum(r["displaced_n"] for r in rows)
        return (f"{sum(r['displaced_entrant_share_sum'] for r in rows) / n:.3f} (n={n})"
                if n else "- (n=0)")
    return fmt(*ci([r[key] for r in rows]))


def main():
    tags = [(Path(p).stem, load(p)) for p in sys.argv[1:]]
    presets = ("silicon_valley", "japan", "korea")
    for preset in presets:
        print(f"\n**{preset}**\n")
        print("| metric | " + " | ".join(t for t, _ in tags) + " |")
        print("|---|" + "---|" * len(tags))
        for key in ROWS:
            print(f"| {key} | " + " | ".join(
                cell([r for r in rs if r["preset"] == preset], key) for _, rs in tags) + " |")
    facts = tomllib.load(open(Path(__file__).resolve().parents[1]
                              / "experiments/stylized_facts.toml", "rb"))["fact"]
    print("\n| fact | key | preset | range | " + " | ".join(t for t, _ in tags) + " |")
    print("|---|---|---|---|" + "---|" * len(tags))
    for f in facts:
        if f.get("use") != "calibration":
            continue
        cells = []
        for _, rs in tags:
            xs = [r[f["key"]] for r in rs if r["preset"] == f["preset"] and f["key"] in r]
            if not xs:
                cells.append("n/a")
                continue
            mu = float(np.mean(xs))
            ok = f["low"] <= mu <= f["high"]
            cells.append(f"{mu:.4g} {'in' if ok else '**OUT**'}")
        print(f"| {f['id']} | {f['key']} | {f['preset']} | [{f['low']:g}, {f['high']:g}] | "
              + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
