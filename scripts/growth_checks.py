"""Horizon and scale checks of the growth rules (docs/ODD.md 7.22): every preset over seeds at
100 and 200 quarters (scale 1) and at scales 0.5, 1, 2 and 4 (100 quarters; above scale 1
``seeds / scale`` seeds, at least 3); writes a CSV of the runs' summaries and a Markdown table
of means with 95% t-intervals (counts per unit of scale).

    python scripts/growth_checks.py --out out/growth_checks --seeds 10 --workers 2
"""

from __future__ import annotations

import argparse
import csv
import sys
from multiprocessing import Pool
from pathlib import Path

import numpy as np
from scipy import stats

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

KEYS = ("productivity_growth", "hhi_mean", "ma_share_of_exits", "survival_5y",
        "vc_intensity", "innovation_from_partnerships_share", "frontier_distance_end",
        "incumbents_displaced", "new_incumbents", "startups_active_end",
        "quality_gain_rd_share", "quality_gain_partnerships_share",
        "quality_gain_startups_share", "quality_gain_acquisitions_share",
        "quality_gain_diffusion_share", "growth_within_incumbents_share",
        "growth_from_entrants_share", "growth_reallocation_share",
        "incumbent_direction_shifts", "incumbents_acquired", "startup_employment_share",
        "listed_takeovers", "delistings", "listed_end")
PER_SCALE = ("incumbents_displaced", "new_incumbents", "startups_active_end",
             "incumbent_direction_shifts", "incumbents_acquired", "listed_takeovers",
             "delistings", "listed_end")


def one(job):
    from abm.model import EcosystemModel

    preset, seed, scale, steps = job
    m = EcosystemModel(preset, seed=seed, scale=scale)
    m.run(steps)
    s = m.summary()
    s["listed_end"] = float(m.stats["public_startups"])  # listed startups at the end (a stock)
    # displacements attributed to entrants (docs/ODD.md 7.9): the share of displaced
    # incumbents' shortfall that disruptive startups took, pooled over displacements
    share = m.inc.view("entrant_loss_share")
    shares = share[share >= 0]
    return {"preset": preset, "seed": seed, "scale": scale, "steps": steps,
            **{k: s[k] / (scale if k in PER_SCALE else 1.0) for k in KEYS},
            "displaced_n": int(shares.size),
            "displaced_entrant_share_sum": float(shares.sum())}


def ci(x):
    x = np.asarray(x, dtype=float)
    if x.size < 2:
        return float(x.mean()), float("nan")
    return float(x.mean()), float(stats.t.ppf(0.975, x.size - 1) * x.std(ddof=1)
                                  / np.sqrt(x.size))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", type=Path, default=Path("out/growth_checks"))
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--presets", default="silicon_valley,japan,korea")
    ap.add_argument("--scales", default="0.5,1,2,4")
    ap.add_argument("--long", type=int, default=1,
                    help="also the 200-quarter runs at scale 1 (0: not)")
    a = ap.parse_args()
    presets = a.presets.split(",")
    scales = [float(x) for x in a.scales.split(",")]
    seeds = [int(s) for s in np.random.SeedSequence(20261207).generate_state(a.seeds)]
    # above scale 1 fewer seeds (a run costs about its scale): seeds / scale, at least 3
    jobs = [(p, s, sc, 100) for sc in scales for p in presets
            for s in seeds[:max(3, round(a.seeds / max(1.0, sc)))]]
    if a.long:
        jobs += [(p, s, 1.0, 200) for p in presets for s in seeds]
    jobs.sort(key=lambda j: -j[2] * j[3])  # the longest first
    a.out.mkdir(parents=True, exist_ok=True)
    rows = []
    with Pool(a.workers) as pool:
        for i, r in enumerate(pool.imap_unordered(one, jobs), 1):
            rows.append(r)
            print(f"{i}/{len(jobs)} {r['preset']} scale {r['scale']} steps {r['steps']}: "
                  f"growth {r['productivity_growth']:.4f}", flush=True)
    with open(a.out / "runs.csv", "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(sorted(rows, key=lambda r: (r["preset"], r["scale"], r["steps"], r["seed"])))
    lines = ["| preset | scale | quarters | n | " + " | ".join(KEYS) + " |",
             "|---|---|---|---|" + "---|" * len(KEYS)]
    for p in presets:
        for sc, st in [(sc, 100) for sc in scales] + [(1.0, 200)]:
            sub = [r for r in rows if r["preset"] == p and r["scale"] == sc and r["steps"] == st]
            cells = []
            for k in KEYS:
                mu, h = ci([r[k] for r in sub])
                cells.append(f"{mu:.4g} ± {h:.2g}")
            lines.append(f"| {p} | {sc:g} | {st} | {len(sub)} | " + " | ".join(cells) + " |")
    lines += ["", "| preset | scale | quarters | displaced (all runs) | share of their shortfall "
              "taken by entrants |", "|---|---|---|---|---|"]
    for p in presets:
        for sc, st in [(sc, 100) for sc in scales] + [(1.0, 200)]:
            sub = [r for r in rows if r["preset"] == p and r["scale"] == sc and r["steps"] == st]
            n = sum(r["displaced_n"] for r in sub)
            share = sum(r["displaced_entrant_share_sum"] for r in sub) / n if n else float("nan")
            lines.append(f"| {p} | {sc:g} | {st} | {n} | {share:.3f} |")
    (a.out / "table.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
