"""Incumbents: R&D and innovation, competition and disruption, exit, new incumbents.

Each quarter every live incumbent

* innovates (Poisson, rate ``INCUMBENT_INNOVATION x rd x (1 + cumulativeness x
  log(1 + K/10)) x tech_opportunity``: with high cumulativeness the innovation of
  established firms feeds on itself, Mark II; ``K`` is its knowledge stock, innovations
  depreciated at ``RD_STOCK_DEPRECIATION`` a year, so the rate is bounded and settles; firms
  start at the stationary stock; the capability ``rd`` gained above 1 depreciates at the same
  rate); each innovation raises its product quality by
  ``quality_step`` (:mod:`abm.mechanisms.markets`, :func:`abm.products.innovate`);
* its reach (brand, distribution) moves by a random walk (``REACH_NOISE``);
* its reach also follows its own sales (demand accumulation, customer capital): after the
  quarter's sales ``rev_t`` its log reach moves by ``DEMAND_ACCUMULATION x (log(rev_t /
  rev_{t-1}) - MARKET_GROWTH)``, so a firm whose product wins customers builds the customer
  base that keeps them, and one that loses them loses it (Foster, Haltiwanger & Syverson 2016);
  the elasticity is below 1, so a lasting share gain is amplified by ``1 / (1 -
  DEMAND_ACCUMULATION)`` and then stops (no runaway);
* sells what the market demanded of it this quarter (:func:`abm.demand.clear`,
  computed with the startups' demand in :mod:`abm.mechanisms.operations`) as far as its staff
  can produce (``headcount x productivity``; nominal productivity follows the nominal trend):
  disruptive startups with better products win the contestable part of its customers and,
  at the switching rate ``CUSTOMER_SWITCH``, its tied ones;
* earns a margin on revenue and pays out cash above ``INCUMBENT_CASH_TARGET`` quarters of it;
* exits (is displaced) when revenue falls below ``incumbent_exit_floor`` of where it started
  (deflated by the nominal trend): staff to the idle pool, partnerships end, its CVC fund
  winds down.

A listed startup whose annual revenue reaches ``incumbent_threshold`` (in money of step 0:
times the nominal trend ``D(t)``) becomes an incumbent
(a new giant): its revenue, people, cash and product (quality and a reach that keeps its
demand) move to a new Incumbent of the same sector.
"""

from __future__ import annotations

import math

import numpy as np

from .. import constants as C
from ..products import innovate
from ..queries import entry_reach, sector_spending, trend
from ..units import Mechanism
from ..workforce import release

UNIT = Mechanism(
    name="incumbents", stream="incumbents",
    flows=("innovation_incumbents",),
    outputs=("incumbents_displaced", "new_incumbents"),
    reads=("tech_opportunity", "cumulativeness", "quality_sensitivity", "disruption_exposure",
           "incumbent_exit_floor",
           "incumbent_threshold", "ACTIVE", "INCUMBENT_CASH_TARGET", "INCUMBENT_INNOVATION",
           "INCUMBENT_MARGIN", "DEMAND_ACCUMULATION", "MARKET_GROWTH", "PUBLIC",
           "RD_STOCK_DEPRECIATION", "REACH_NOISE",
           "STEPS_PER_YEAR"))
"""What this mechanism owns (:mod:`abm.units`)."""


def exit_incumbent(model, row: int, real0: float | None = None) -> None:
    """Incumbent ``row`` leaves the market. ``real0`` (its revenue of entry in this quarter's
    money) records what share of its shortfall entrants took (``entrant_loss_share``:
    disruptive startups and incumbents grown from startups, :func:`abm.demand.clear`); the rest
    went to established incumbents or to capacity."""
    inc, st = model.inc, model.st
    if real0 is not None:
        shortfall = real0 - float(inc.revenue[row])
        taken = float(inc.demand_without_entrants[row] - inc.demand[row])
        inc.entrant_loss_share[row] = min(max(taken / shortfall, 0.0), 1.0) if shortfall > 0 \
            else 0.0
    inc.alive[row] = False
    model.positions_moved()
    inc.exit_step[row] = model.steps
    release(model, int(inc.headcount[row]))
    inc.headcount[row] = 0
    if inc.cash[row] > 0:
        model.ledger.sink("shareholder_payouts", float(inc.cash[row]))
    inc.cash[row] = 0.0
    n = st.n
    ended = ((st.partner[:n] == row) & (st.status[:n] == C.ACTIVE)).nonzero()[0]
    st.partner[ended] = -1
    agent = model.incumbents[row]
    model.counts["incumbents_displaced"] += 1
    model.event("incumbent_exit", "Incumbent {} left the market (revenue fell to {:.0f} M a "
                "year)", agent.unique_id, inc.revenue[row] * 4)
    model.net.remove_node(agent.unique_id)
    model.retire(agent)  # out of the live agents, kept in model.incumbents


def graduate(model, row: int) -> None:
    """Listed startup ``row`` becomes an incumbent."""
    st = model.st
    startup = model.startups.pop(row)
    revenue = float(st.revenue[row])
    people = int(st.headcount[row])
    group = -1  # a new giant stands alone (it founds no business group)
    new = model.add_incumbent(sector=int(st.sector[row]), group=group, revenue=revenue,
                              cash=float(st.cash[row]), headcount=people,
                              productivity=revenue / max(people, 1), from_startup=True,
                              pq=float(st.pq[row]), tech=float(st.tech[row]),
                              reach=entry_reach(model, int(st.sector[row]), revenue,
                                                float(st.pq[row]),
                                                float(st.held[row]) if st.disruptive[row]
                                                else -1.0))
    model.inc.knowledge[new.row] = float(st.innovations[row])  # the stock it brings
    # a disruptive startup's tied customers come with it; a complementary one had none in
    # this market, so its first share follows the logit as before
    if st.disruptive[row]:
        model.inc.held[new.row] = float(st.held[row])
    st.held[row] = 0.0
    st.cash[row] = 0.0
    st.headcount[row] = 0
    st.graduated[row] = True
    model.counts["new_incumbents"] += 1
    if model.net.has_node(startup.unique_id):  # the firm keeps its ties as the incumbent
        model.net.carry(startup.unique_id, new.unique_id)
        model.net.remove_node(startup.unique_id)
    model.event("new_incumbent", "Startup {} grew into Incumbent {} ({:.0f} M a year)",
                startup.unique_id, new.unique_id, revenue * 4)
    startup.remove()


def knowledge_kept() -> float:
    """Share of the knowledge stock kept from one quarter to the next (read when called: the
    structural-uncertainty experiment varies ``RD_STOCK_DEPRECIATION``)."""
    return (1.0 - C.RD_STOCK_DEPRECIATION) ** (1.0 / C.STEPS_PER_YEAR)


def innovation_rate(p, rd, knowledge):
    """Expected innovations a quarter: ``INCUMBENT_INNOVATION x rd x (1 + cumulativeness x
    log(1 + K/10)) x tech_opportunity`` with ``K`` the depreciated knowledge stock."""
    return (C.INCUMBENT_INNOVATION * rd * (1.0 + p.cumulativeness * np.log1p(knowledge / 10.0))
            * p.tech_opportunity)


def stationary_knowledge(p, rd) -> np.ndarray:
    """The knowledge stock at which an incumbent's expected innovations replace what
    depreciates, ``K = rate(K) / (1 - knowledge_kept())``: where firms start (a stationary start,
    docs/ODD.md 7.22). The map is a contraction (its slope is below 1 at the fixed point for
    cumulativeness up to 1), so iterating from 0 converges; 60 iterations leave < 1e-9."""
    rd = np.asarray(rd, dtype=np.float64)
    k, gone = np.zeros_like(rd), 1.0 - knowledge_kept()
    for _ in range(60):
        k = innovation_rate(p, rd, k) / gone
    return k


def step(model) -> None:
    p, inc, rng = model.p, model.inc, model.rngs["incumbents"]
    rows = inc.view("alive").nonzero()[0]
    if rows.size:
        # capability gained from joint research and integrated teams (above the base 1) is
        # knowledge too: it depreciates like the stock (7.9); without this it only rose, to
        # the cap 3, and growth moved with the horizon
        kept = knowledge_kept()
        inc.rd[rows] = 1.0 + (inc.rd[rows] - 1.0) * kept
        lam = innovation_rate(p, inc.rd[rows], inc.knowledge[rows])
        new = rng.poisson(lam)
        inc.innovations[rows] += new
        inc.knowledge[rows] = inc.knowledge[rows] * kept + new
        model.stats["innovation_incumbents"] += float(new.sum())
        innovate(model, rows, new, table="inc")  # incremental: own quality ladder
        inc.reach[rows] += C.REACH_NOISE * rng.standard_normal(rows.size)
        inc.productivity[rows] *= np.exp(C.MARKET_GROWTH)  # nominal output per worker
        # sales: the demand the market gave this quarter, as far as the staff can produce
        rev = np.minimum(inc.demand[rows], inc.headcount[rows] * inc.productivity[rows])
        # demand accumulation: customer capital (reach) follows the firm's own sales growth
        # above the market trend with elasticity DEMAND_ACCUMULATION < 1 (Foster, Haltiwanger
        # & Syverson 2016): a lasting share gain is amplified by 1 / (1 - elasticity), bounded
        prev = inc.revenue[rows]
        grew = (prev > 0) & (rev > 0)
        if C.DEMAND_ACCUMULATION and grew.any():
            inc.reach[rows[grew]] += C.DEMAND_ACCUMULATION * (
                np.log(rev[grew] / prev[grew]) - C.MARKET_GROWTH)
        inc.revenue[rows] = rev
        profit = C.INCUMBENT_MARGIN * rev
        model.ledger.mint("incumbent_profits", float(profit.sum()))
        cash = inc.cash[rows] + profit
        excess = np.maximum(cash - C.INCUMBENT_CASH_TARGET * rev, 0.0)
        model.ledger.sink("shareholder_payouts", float(excess.sum()))
        inc.cash[rows] = cash - excess
        real0 = inc.revenue0[rows] * np.exp(C.MARKET_GROWTH * (model.steps - inc.entered[rows]))
        for i in (rev < p.incumbent_exit_floor * real0).nonzero()[0]:
            exit_incumbent(model, int(rows[i]), real0=float(real0[i]))
    st = model.st
    n = st.n
    big = ((st.status[:n] == C.PUBLIC) & ~st.graduated[:n]
           & (C.STEPS_PER_YEAR * st.revenue[:n]
              >= p.incumbent_threshold * trend(model))).nonzero()[0]
    for row in big:
        graduate(model, int(row))
