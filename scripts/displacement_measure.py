"""Measure a code version (base or the displacement prototype) on one preset and seed: the
summary, the displaced incumbents' entrant share of shortfall, and top-N turnover (the functions
of scripts/turnover_probe.py). A probe: it reads the model, it changes nothing.

    PYTHONPATH=<tree> python scripts/displacement_measure.py --preset japan --seed 1 \
        --steps 100 --out runs.jsonl --tag base [--switch 0.15]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import time
from pathlib import Path

import abm  # the tree on PYTHONPATH (imported before the probe, which prepends its own tree)
from abm.model import EcosystemModel

spec = importlib.util.spec_from_file_location(
    "turnover_probe", Path(__file__).resolve().parent / "turnover_probe.py")
tp = importlib.util.module_from_spec(spec)
spec.loader.exec_module(tp)

KEYS = ("productivity_growth", "incumbents_displaced", "new_incumbents", "unicorns",
        "ma_share_of_exits", "survival_5y", "vc_intensity", "cvc_deal_share",
        "gov_share_of_vc_commitments", "firm_entry_rate", "firm_exit_rate", "hhi_mean",
        "startups_active_end", "growth_from_entrants_share", "frontier_distance_end")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--preset", required=True)
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--steps", type=int, default=100)
    ap.add_argument("--top", type=int, default=50)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--tag", required=True)
    ap.add_argument("--switch", type=float, default=None, help="CUSTOMER_SWITCH (sensitivity)")
    a = ap.parse_args()
    if a.switch is not None:
        from abm import constants
        constants.CUSTOMER_SWITCH = a.switch
    t0 = time.time()
    model = EcosystemModel(a.preset, seed=a.seed, scale=1.0)
    tops = {}
    with tp.following_graduates() as alias:
        for t in range(1, a.steps + 1):
            model.step()
            if t in (20, 60, 100, 140, 180, 200):
                tops[t] = tp.largest(model, a.top, alias)
    s = model.summary()
    share = model.inc.view("entrant_loss_share")
    shares = share[share >= 0]
    row = {"tag": a.tag, "abm": abm.__file__, "preset": a.preset, "seed": a.seed,
           "steps": a.steps, **{k: float(s[k]) for k in KEYS if k in s},
           "displaced_n": int(shares.size),
           "displaced_from_startup": int((share >= 0)[: model.inc.n].__and__(
               model.inc.view("from_startup")).sum()),
           "displaced_entrant_share_sum": float(shares.sum()),
           "gone_10y": len(tops[20] - tops[60]) / a.top,
           "gone_20y": len(tops[20] - tops[100]) / a.top,
           "from_startups_top_q100": sum(1 for k in tops[100] if k[0] == "s"),
           "seconds": time.time() - t0}
    if a.steps >= 200:
        row["gone_10y_from_q100"] = len(tops[100] - tops[140]) / a.top
        row["gone_20y_from_q100"] = len(tops[100] - tops[180]) / a.top
    with open(a.out, "a") as fh:
        fh.write(json.dumps(row) + "\n")
    print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
