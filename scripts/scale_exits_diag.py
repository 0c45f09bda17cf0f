"""Who is displaced, at which scale (docs/prototypes/scale_displacement.md): records every
displacement (``abm.mechanisms.incumbents.exit_incumbent``) of runs at several scales with
the displaced firm's origin (founded as an incumbent or grown from a startup), age, its
sector's spending tilt ``z_s`` (log share relative to the initial, ``abm.mechanisms.sectors``),
its revenue relative to its entry revenue ``R / R0(t)``, its share of its sector's incumbent
sales, the number of incumbents in its sector and the share of its shortfall entrants took.
A reader: it wraps the exit function to record and changes no rule (same results as a run
without it).

    PYTHONPATH=$PWD nice -n 10 python scripts/scale_exits_diag.py --preset silicon_valley \\
        --scales 0.5,1,2,4 --seeds 10 --out out/scale_probe/exits.csv
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    from abm.mechanisms import incumbents as I
    from abm.model import EcosystemModel

    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--preset", default="silicon_valley")
    ap.add_argument("--scales", default="0.5,1,2,4")
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--steps", type=int, default=100)
    ap.add_argument("--out", type=Path, default=Path("out/scale_probe/exits.csv"))
    a = ap.parse_args()
    rows: list[dict] = []
    ctx: dict = {}
    orig = I.exit_incumbent

    def wrapped(model, row, real0=None):
        inc, mk = model.inc, model.market
        s = int(inc.sector[row])
        alive = inc.view("alive")
        same = alive & (inc.view("sector") == s)
        sec_rev = float(inc.view("revenue")[same].sum())
        rec = {**ctx, "step": model.steps, "sector": s, "n_sectors": model.n_sectors,
               "from_startup": bool(inc.from_startup[row]),
               "age": model.steps - int(inc.entered[row]),
               "tilt": float(mk.tilt[s]),
               "rev_over_real0": (float(inc.revenue[row]) / real0) if real0 else float("nan"),
               "sector_share": float(inc.revenue[row]) / sec_rev if sec_rev > 0 else 0.0,
               "incumbents_in_sector": int(same.sum())}
        orig(model, row, real0=real0)
        rec["entrant_loss_share"] = float(inc.entrant_loss_share[row])
        rows.append(rec)

    I.exit_incumbent = wrapped
    for sc in [float(x) for x in a.scales.split(",")]:
        for seed in range(1, a.seeds + 1):
            ctx.update(scale=sc, seed=seed)
            m = EcosystemModel(a.preset, seed=seed, scale=sc)
            m.run(a.steps)
            print(f"scale {sc:g} seed {seed}: {m.counts['incumbents_displaced']} displaced",
                  flush=True)
    a.out.parent.mkdir(parents=True, exist_ok=True)
    if rows:
        with open(a.out, "w", newline="") as fh:
            w = csv.DictWriter(fh, fieldnames=list(rows[0]))
            w.writeheader()
            w.writerows(rows)
    for sc in sorted({r["scale"] for r in rows}):
        sub = [r for r in rows if r["scale"] == sc]
        print(f"scale {sc:g}: {len(sub)} displaced; from startups "
              f"{np.mean([r['from_startup'] for r in sub]):.2f}; tilt median "
              f"{np.median([r['tilt'] for r in sub]):.3f}; entrant share "
              f"{np.mean([r['entrant_loss_share'] for r in sub]):.2f}; age median "
              f"{np.median([r['age'] for r in sub]):.0f}")


if __name__ == "__main__":
    main()
