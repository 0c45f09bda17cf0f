"""Startup operations: traction, revenue, burn, hiring and own innovation (vectorised).

For every active or listed startup, each quarter:

* revenue potential (log) moves by a drift plus noise. The drift rises with latent quality,
  technological opportunity, accelerators (pre-seed and seed only), a live incumbent
  partnership (less the not-invented-here bias) and university knowledge spillovers;
* revenue is the potential capped by capacity, ``headcount x REVENUE_PER_HEAD``, so money
  raised turns into growth only through hiring; the potential itself cannot run more than
  ``POTENTIAL_REACH`` times ahead of capacity;
* cash grows by the gross margin on revenue and falls by payroll plus service costs; a startup
  that cannot pay its costs is insolvent (it fails unless a round or grant arrives this step);
* private startups want the staff their cash pays for ``HIRE_RUNWAY`` quarters (a round is
  spent on people); listed ones no more than 1.2 times what their revenue potential needs;
  ``hiring_friction`` leaves part unfilled, the labour market caps the rest; startups over
  their target lay off half the excess;
* innovations arrive as Poisson events growing with quality and stage.

Disruptive startups' revenue growth is recorded per sector: incumbents lose it in
:mod:`abm.mechanisms.incumbents`.
"""

from __future__ import annotations

import numpy as np

from .. import constants as C
from . import labor


def live_rows(model) -> np.ndarray:
    """Rows of startups that operate: active, or listed and not yet an incumbent."""
    st = model.st
    n = st.n
    status = st.status[:n]
    return ((status == C.ACTIVE) | ((status == C.PUBLIC) & ~st.graduated[:n])).nonzero()[0]


def unit_cost(model) -> float:
    """Cost of one person for one quarter including support services (M)."""
    return C.COST_PER_HEAD * (1.0 + model.p.service_cost)


def step(model) -> None:
    p, st, rng = model.p, model.st, model.rngs["operations"]
    quarter = model.quarter  # hands insolvent rows and disruption to later mechanisms
    quarter.insolvent = np.zeros(0, dtype=np.int64)
    quarter.disruption = np.zeros(p.n_sectors)
    idx = live_rows(model)
    if idx.size == 0:
        return
    private = st.status[idx] == C.ACTIVE
    stage = st.stage[idx]
    logq = np.log(st.quality[idx])
    partnered = st.partner[idx] >= 0
    mu = (0.03 * (p.tech_opportunity - 1.0) + C.QUALITY_GROWTH * (logq - C.QUALITY_PIVOT)
          + C.SCALE_UP * stage
          + 0.06 * p.accelerator_strength * ((stage <= 1) & private)
          + 0.04 * partnered * (1.0 - 0.5 * p.nih_bias)
          + st.spill[idx])
    mu = np.where(private, mu, np.minimum(mu, C.PUBLIC_GROWTH_CAP))
    hc = st.headcount[idx]
    lrev = st.lrev[idx] + mu + C.GROWTH_NOISE * rng.standard_normal(idx.size)
    # demand a firm cannot serve does not keep compounding: potential stays within reach
    lrev = np.minimum(lrev, np.log(C.POTENTIAL_REACH * C.REVENUE_PER_HEAD
                                   * np.maximum(hc, 1)))
    st.lrev[idx] = lrev
    old = st.revenue[idx]
    rev = np.minimum(np.exp(lrev), hc * C.REVENUE_PER_HEAD)
    st.revenue[idx] = rev
    # disruption pressure: disruptive revenue growth, by sector
    dis = st.disruptive[idx]
    if dis.any():
        growth = np.maximum(rev - old, 0.0) * dis
        quarter.disruption = np.bincount(st.sector[idx], weights=growth,
                                         minlength=p.n_sectors)[: p.n_sectors]
    # cash flow
    cost = unit_cost(model)
    inflow = rev * C.GROSS_MARGIN
    burn = hc * cost
    model.ledger.mint("customers", float(inflow.sum()))
    cash = st.cash[idx] + inflow
    pay = np.minimum(burn, cash)
    model.ledger.sink("operating_costs", float(pay.sum()))
    cash -= pay
    st.cash[idx] = cash
    quarter.insolvent = idx[(pay < burn - 1e-12) & private]
    # hiring and lay-offs
    nf = st.n_founders[idx].astype(np.int64)
    afford = np.floor(cash / (cost * C.HIRE_RUNWAY)).astype(np.int64)
    need = np.ceil(1.2 * np.exp(np.minimum(lrev, 20.0)) / C.REVENUE_PER_HEAD).astype(np.int64)
    desired = np.maximum(nf, np.where(private, afford, np.minimum(afford, need)))
    gap = desired - hc
    hires = rng.binomial(np.maximum(gap, 0), 1.0 - p.hiring_friction)
    layoffs = np.where(gap < 0, np.ceil(-gap * 0.5), 0).astype(np.int64)
    labor.staff_startups(model, idx, hires.astype(np.int64), layoffs)
    # own innovation
    lam = (C.STARTUP_INNOVATION * np.sqrt(st.quality[idx]) * p.tech_opportunity
           * (1.0 + 0.2 * stage))
    new = rng.poisson(lam)
    st.innovations[idx] += new
    st.innov_own[idx] += new
    model.stats["innovation_startups"] += float(new.sum())
