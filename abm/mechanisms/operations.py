"""Startup operations: traction, revenue, burn, hiring and own innovation (vectorised).

For every active or listed startup, each quarter:

* revenue potential (log) moves by a drift plus noise. The drift rises with latent quality,
  technological opportunity, accelerators (pre-seed and seed only), a live incumbent
  partnership (less the not-invented-here bias) and university knowledge spillovers; after
  the IPO a positive drift halves every ``LISTED_GROWTH_HALF_LIFE`` quarters;
* demand comes from the sector's market (:mod:`abm.mechanisms.markets`): about the traction
  ``exp(lrev)`` times the product's quality relative to the incumbents', and never more than
  the contestable (disruptive) or complement (complementary) market allows; revenue is that
  demand capped by capacity, ``headcount x REVENUE_PER_HEAD x D(t)`` (nominal revenue per
  worker follows the nominal trend, as incumbents' does), so money raised turns into
  growth only through hiring; the potential itself cannot run more than ``POTENTIAL_REACH``
  times ahead of capacity;
* cash grows by the gross margin on revenue and falls by payroll plus service costs; a startup
  that cannot pay its costs is insolvent (a private one fails unless a round or grant arrives
  this step; a listed one is delisted);
* private startups want the staff their cash pays for ``HIRE_RUNWAY`` quarters (a round is
  spent on people); listed ones no more than 1.2 times what their demand needs;
  ``hiring_friction`` leaves part unfilled, the labour market caps the rest; startups over
  their target lay off half the excess;
* innovations arrive as Poisson events growing with quality and stage; each moves the
  product up the quality ladder (a disruptive startup's first of the quarter is radical).
"""

from __future__ import annotations

import numpy as np

from .. import constants as C
from ..demand import clear
from ..products import innovate
from ..queries import effective, live_rows, trend, unit_cost
from ..units import Mechanism
from ..workforce import staff_startups

UNIT = Mechanism(
    name="operations", stream="operations",
    flows=("innovation_startups",),
    reads=("tech_opportunity", "hiring_friction", "accelerator_strength", "service_cost",
           "ACTIVE", "COST_PER_HEAD", "GROSS_MARGIN", "GROWTH_NOISE", "HIRE_RUNWAY",
           "LISTED_GROWTH_HALF_LIFE", "POTENTIAL_REACH", "PUBLIC", "QUALITY_GROWTH",
           "QUALITY_PIVOT", "REVENUE_PER_HEAD", "SCALE_UP", "STARTUP_INNOVATION",
           "ACCELERATOR_DRIFT", "NIH_DISCOUNT", "PARTNER_DRIFT"))
"""What this mechanism owns (:mod:`abm.units`)."""


READERS = ("live_rows", "unit_cost")
"""Functions of this module that read the model and change nothing."""


def step(model) -> None:
    p, st, rng = model.p, model.st, model.rngs["operations"]
    quarter = model.quarter  # hands insolvent rows to the failures mechanism
    quarter.insolvent = np.zeros(0, dtype=np.int64)
    idx = live_rows(model)
    if idx.size == 0:
        clear(model, idx, np.zeros(0))
        return
    private = st.status[idx] == C.ACTIVE
    stage = st.stage[idx]
    logq = np.log(st.quality[idx])
    partnered = st.partner[idx] >= 0
    mu = (0.03 * (p.tech_opportunity - 1.0) + C.QUALITY_GROWTH * (logq - C.QUALITY_PIVOT)
          + C.SCALE_UP * stage
          + C.ACCELERATOR_DRIFT * effective(model, "accelerator_strength")
          * ((stage <= 1) & private)
          + C.PARTNER_DRIFT * partnered
          * (1.0 - C.NIH_DISCOUNT * model.inc.nih[np.maximum(st.partner[idx], 0)])
          + st.spill[idx])
    # after listing, growth reverts to the market's: positive drift halves every
    # LISTED_GROWTH_HALF_LIFE quarters since the IPO
    listed = 0.5 ** (np.maximum(model.steps - st.exit_step[idx], 0) / C.LISTED_GROWTH_HALF_LIFE)
    mu = np.where((mu > 0) & ~private, mu * listed, mu)
    hc = st.headcount[idx]
    lrev = st.lrev[idx] + mu + C.GROWTH_NOISE * rng.standard_normal(idx.size)
    # demand a firm cannot serve does not keep compounding: potential stays within reach
    per_head = C.REVENUE_PER_HEAD * trend(model)  # nominal, like incumbents'
    lrev = np.minimum(lrev, np.log(C.POTENTIAL_REACH * per_head
                                   * np.maximum(hc, 1)))
    st.lrev[idx] = lrev
    # the sector's demand is shared among products by quality and reach (abm.demand.clear)
    demand = clear(model, idx, lrev)
    rev = np.minimum(demand, hc * per_head)
    st.revenue[idx] = rev
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
    quarter.insolvent = idx[pay < burn - 1e-12]
    # hiring and lay-offs
    nf = st.n_founders[idx].astype(np.int64)
    afford = np.floor(cash / (cost * C.HIRE_RUNWAY)).astype(np.int64)
    need = np.ceil(1.2 * np.minimum(demand, 1e12) / per_head).astype(np.int64)
    desired = np.maximum(nf, np.where(private, afford, np.minimum(afford, need)))
    gap = desired - hc
    hires = rng.binomial(np.maximum(gap, 0), 1.0 - p.hiring_friction)
    layoffs = np.where(gap < 0, np.ceil(-gap * 0.5), 0).astype(np.int64)
    staff_startups(model, idx, hires.astype(np.int64), layoffs)
    # own innovation
    lam = (C.STARTUP_INNOVATION * np.sqrt(st.quality[idx]) * p.tech_opportunity
           * (1.0 + 0.2 * stage))
    new = rng.poisson(lam)
    innovate(model, idx, new, radical=st.disruptive[idx])
    st.innovations[idx] += new
    st.innov_own[idx] += new
    model.stats["innovation_startups"] += float(new.sum())
