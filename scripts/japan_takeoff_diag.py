"""Year-by-year money flows of a japan_history run (docs/prototypes/japan_takeoff.md).

Usage: PYTHONPATH=$PWD nice -n 10 python scripts/japan_takeoff_diag.py OUT.csv SEEDS [VARIANT]
VARIANT: base | lpx2 | dated (a dated LP series, see VARIANTS) ... ; one process, scale 1.
Writes one row per (seed, year) with the yearly flows and end-of-year stocks.
"""
from __future__ import annotations

import csv
import json
import sys

import numpy as np

import importlib
from abm import constants as C
from abm.mechanisms import funding
from abm.model import EcosystemModel
from abm.queries import calendar_year

PR = importlib.import_module("abm.presets")

VARIANTS = json.loads(open(sys.argv[3]).read()) if len(sys.argv) > 3 else {}


def run(seed: int, variant: dict, steps: int = 104) -> list[dict]:
    orig = PR.preset_dated_series
    ds = variant.get("dated_series")
    if ds is not None:
        PR.preset_dated_series = lambda name: {k: tuple(v) for k, v in ds.items()}
    try:
        m = EcosystemModel(variant.get("preset", "japan_history"), seed=seed,
                           **variant.get("overrides", {}))
    finally:
        PR.preset_dated_series = orig
    rows, cur = [], None
    seen = {"n": 0, "stage": np.zeros(6)}
    orig_step = funding.step

    def counting_step(model):
        rows_ = funding.seekers(model)
        seen["n"] = int(rows_.size)
        seen["stage"] = (np.bincount(model.st.stage[rows_], minlength=6) if rows_.size
                         else np.zeros(6))
        orig_step(model)

    funding.step = counting_step
    ncommit, nrounds, ndeals = len(m.commitments), 0, 0
    for _ in range(steps):
        m.step()
        seek_n, seek_stage = seen["n"], seen["stage"]
        y = calendar_year(m)
        if cur is None or cur["year"] != y:
            if cur is not None:
                rows.append(cur)
            cur = {"seed": seed, "year": y, "lp_private": 0.0, "lp_gov": 0.0, "lp_corp": 0.0,
                   "vc_ind": 0.0, "vc_corp": 0.0, "vc_gov": 0.0, "seekers": 0,
                   "rounds": 0, "ipos": 0, "window_q": 0,
                   **{f"seek_s{k}": 0 for k in range(6)},
                   **{f"rounds_s{k}": 0 for k in range(6)},
                   **{f"amt_s{k}": 0.0 for k in range(6)}, "deal_cost": 0.0,
                   "deal_proceeds": 0.0}
        for (t, src, a) in m.commitments[ncommit:]:
            cur[{"private_lp": "lp_private", "government": "lp_gov",
                 "corporate": "lp_corp"}[src]] += a
        ncommit = len(m.commitments)
        r = m.rounds
        stg = r.column("stage")[nrounds:]
        amt = r.column("amount")[nrounds:]
        nrounds = stg.size + nrounds
        for k in range(6):
            cur[f"rounds_s{k}"] += int((stg == k).sum())
            cur[f"amt_s{k}"] += float(amt[stg == k].sum())
        cur["rounds"] += int(stg.size)
        dc = m.deals.column("cost")[ndeals:]
        dp = m.deals.column("proceeds")[ndeals:]
        ndeals += dc.size
        cur["deal_cost"] += float(dc.sum())
        cur["deal_proceeds"] += float(dp.sum())
        ts = m.datacollector.model_vars
        cur["vc_ind"] += ts["vc_independent"][-1]
        cur["vc_corp"] += ts["vc_corporate"][-1]
        cur["vc_gov"] += ts["vc_government"][-1]
        cur["ipos"] += ts["ipos"][-1]
        cur["window_q"] += int(bool(m.ipo_window))
        cur["seekers"] += seek_n
        for k in range(6):
            cur[f"seek_s{k}"] += int(seek_stage[k])
        n = m.st.n
        act = m.st.status[:n] == C.ACTIVE
        cur["active"] = int(act.sum())
        cur["ipo_eligible"] = int((act & (m.st.stage[:n] >= 1)
                                   & (C.STEPS_PER_YEAR * m.st.revenue[:n]
                                      >= m.p.ipo_threshold)).sum())
        cur["dry_powder"] = ts["dry_powder"][-1]
        cur["funds_investing"] = ts["funds_investing"][-1]
        cur["lp_carry"] = m.lp_carry
        cur["log_lp"] = m.maturity.log_lp
        cur["lp_param"] = m.p.lp_capital_per_year
        cur["gov_vc_instr"] = m.ministry.instrument("gov_vc_budget")
        cur["ipo_propensity"] = m.p.ipo_propensity
        cur["ipo_window_open_p"] = m.p.ipo_window_open
        cur["founded"] = cur.get("founded", 0) + ts["founded"][-1]
        for k in ("maturity_finance", "maturity_labor", "maturity_ties", "maturity_industry",
                  "maturity_norms", "maturity_support"):
            cur[k] = ts[k][-1]
    rows.append(cur)
    funding.step = orig_step
    m.release()
    return rows


if __name__ == "__main__":
    out, seeds = sys.argv[1], [int(s) for s in sys.argv[2].split(",")]
    variant = VARIANTS
    allrows = []
    for s in seeds:
        allrows += run(s, variant, variant.get("steps", 104))
        print("seed", s, "done", flush=True)
    with open(out, "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(allrows[0].keys()))
        w.writeheader()
        w.writerows(allrows)
