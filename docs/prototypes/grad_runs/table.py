"""Tables of docs/prototypes/new_incumbents.md from runs.jsonl (scripts/displacement_measure.py
rows): mean and 95% t half-width by preset, horizon and tag.

    python docs/prototypes/grad_runs/table.py docs/prototypes/grad_runs/runs.jsonl
"""
import collections
import json
import sys

import numpy as np
from scipy import stats

KEYS = ["productivity_growth", "incumbents_displaced", "new_incumbents", "gone_10y", "gone_20y",
        "from_startups_top_q100", "gone_10y_from_q100", "gone_20y_from_q100", "hhi_mean",
        "largest_share_end"]
TAGS = sys.argv[2].split(",") if len(sys.argv) > 2 else ["base", "fix_only", "grad"]
rows = [json.loads(line) for line in open(sys.argv[1])]
g = collections.defaultdict(list)
for r in rows:
    g[(r["preset"], r["steps"], r["tag"])].append(r)
for steps in (100, 200):
    for preset in ("silicon_valley", "japan", "korea"):
        if not any((preset, steps, t) in g for t in TAGS):
            continue
        print(f"\n**{preset}, {steps} quarters** (seeds: "
              + ", ".join(f"{t} n={len(g[(preset, steps, t)])}" for t in TAGS) + ")\n")
        print("| metric | " + " | ".join(TAGS) + " |\n|---|" + "---|" * len(TAGS))
        for k in KEYS:
            cells = []
            for t in TAGS:
                v = np.array([r[k] for r in g[(preset, steps, t)] if k in r], float)
                if not v.size:
                    cells.append("-")
                    continue
                h = (stats.t.ppf(0.975, v.size - 1) * v.std(ddof=1) / np.sqrt(v.size)
                     if v.size > 1 else float("nan"))
                cells.append(f"{v.mean():.4g} ± {h:.2g}")
            print(f"| {k} | " + " | ".join(cells) + " |")
