"""End of each step: founders between ventures may retire, then the aggregates the
DataCollector records are computed (observation itself changes no agent)."""

from __future__ import annotations

from itertools import compress

import numpy as np

from .. import constants as C
from ..productivity import decompose
from ..queries import investing_funds, live_rows, startup_headcount, stocks
from ..units import Mechanism

UNIT = Mechanism(
    name="observe", stream=None,
    series=("active_startups", "public_startups", "incumbents", "hhi", "partnerships_active",
            "unicorns_to_date", "startup_employment", "incumbent_employment", "idle",
            "total_revenue", "productivity", "real_output", "workforce", "ipo_window_open",
            "funds_investing", "dry_powder"),
    draws=("founding",),
    reads=("ACTIVE", "FOUNDER_RETIRE", "PUBLIC"))
"""What this mechanism owns (:mod:`abm.units`)."""


def hhi_by_sector(model) -> np.ndarray:
    """Herfindahl index of sales in each sector (incumbents and operating startups)."""
    k = model.n_sectors
    inc, st = model.inc, model.st
    a = inc.view("alive").nonzero()[0]
    s = live_rows(model)
    sectors = np.concatenate([inc.sector[a], st.sector[s]])
    sales = np.concatenate([inc.revenue[a], st.revenue[s]])
    total = np.bincount(sectors, weights=sales, minlength=k)[:k]
    sq = np.bincount(sectors, weights=sales * sales, minlength=k)[:k]
    return np.divide(sq, total * total, out=np.zeros(k), where=total > 0)


def retire_founders(model) -> None:
    """Founders between ventures leave the ecosystem with quarterly probability FOUNDER_RETIRE."""
    pool = model.pool
    if not pool:
        return
    leave = model.rngs["founding"].random(len(pool)) < C.FOUNDER_RETIRE
    if not leave.any():
        return
    wealth, at = model.fo.wealth, model.founder_at
    for r in compress(pool, leave.tolist()):  # in pool order
        if wealth[r] > 0:
            model.ledger.sink("founders_leave", wealth[r])
            wealth[r] = 0.0
        f = at[r]
        at[r] = None
        model.founder_by_uid.pop(f.unique_id, None)
        f.remove()
    model.pool = list(compress(pool, (~leave).tolist()))


def observe(model) -> None:
    retire_founders(model)
    st, inc, s = model.st, model.inc, model.stats
    n = st.n
    status = st.status[:n]
    alive = inc.view("alive").nonzero()[0]
    live = live_rows(model)
    s["active_startups"] = float(np.count_nonzero(status == C.ACTIVE))
    s["public_startups"] = float(np.count_nonzero((status == C.PUBLIC) & ~st.graduated[:n]))
    s["incumbents"] = float(alive.size)
    hhi = hhi_by_sector(model)
    s["hhi"] = float(hhi[hhi > 0].mean()) if (hhi > 0).any() else 0.0
    s["partnerships_active"] = float(np.count_nonzero((status == C.ACTIVE)
                                                      & (st.partner[:n] >= 0)))
    s["unicorns_to_date"] = float(np.count_nonzero(st.unicorn_step[:n] >= 0))
    s["startup_employment"] = float(startup_headcount(model))
    s["incumbent_employment"] = float(inc.headcount[alive].sum())
    s["idle"] = float(model.idle)
    revenue = float(inc.revenue[alive].sum() + st.revenue[live].sum())
    employed = s["startup_employment"] + s["incumbent_employment"]
    s["total_revenue"] = revenue
    s["productivity"] = decompose(model)  # real output per worker (and its FHK terms)
    s["real_output"] = s["productivity"] * employed
    s["workforce"] = employed + model.idle
    s["ipo_window_open"] = float(model.ipo_window)
    investing = investing_funds(model)
    s["funds_investing"] = float(len(investing))
    s["dry_powder"] = float(sum(f.cash for f in investing))
    h = model.history
    h["total_revenue"].append(revenue)
    h["firms"].append(float(np.count_nonzero(status == C.ACTIVE)) + s["public_startups"]
                      + alive.size)
    h["workers"].append(employed + model.idle)
    h["employed"].append(employed)
    h["productivity"].append(s["productivity"])
    s.update(stocks(model))
    h["all_firms"].append(s["all_firms"])
    h["value_added"].append(s["value_added"])
