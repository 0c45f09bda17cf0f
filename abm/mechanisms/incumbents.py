"""Incumbents: R&D and innovation, competition and disruption, exit, new incumbents.

Each quarter every live incumbent

* innovates (Poisson, rate ``INCUMBENT_INNOVATION x rd x (1 + cumulativeness x
  log(1 + stock/10)) x tech_opportunity``: with high cumulativeness the innovation of
  established firms feeds on itself, Mark II), and each innovation raises productivity;
* grows revenue with the market and its productivity, with noise;
* loses revenue to disruptive startups: the sector's disruptive revenue growth this quarter
  times ``disruption_exposure x DISRUPTION_LEVERAGE`` is taken from the sector's incumbents,
  an equal amount from each (entrants attack segments; small incumbents have least room);
* earns a margin on revenue and pays out cash above ``INCUMBENT_CASH_TARGET`` quarters of it;
* exits (is displaced) when revenue falls below ``incumbent_exit_floor`` of where it started:
  staff to the idle pool, partnerships end, its CVC fund winds down.

A listed startup whose annual revenue reaches ``incumbent_threshold`` becomes an incumbent
(a new giant): its revenue, people and cash move to a new Incumbent of the same sector.
"""

from __future__ import annotations

import numpy as np

from .. import constants as C
from . import labor


def exit_incumbent(model, row: int) -> None:
    inc, st = model.inc, model.st
    inc.alive[row] = False
    inc.exit_step[row] = model.steps
    labor.release(model, int(inc.headcount[row]))
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
    group = int(model.inc.view("group").max()) + 1 if model.inc.n else 0
    new = model.add_incumbent(sector=int(st.sector[row]), group=group, revenue=revenue,
                              cash=float(st.cash[row]), headcount=people,
                              productivity=revenue / max(people, 1), from_startup=True)
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


def step(model) -> None:
    p, inc, rng = model.p, model.inc, model.rngs["incumbents"]
    rows = inc.view("alive").nonzero()[0]
    if rows.size:
        stock = inc.innovations[rows]
        lam = (C.INCUMBENT_INNOVATION * inc.rd[rows]
               * (1.0 + p.cumulativeness * np.log1p(stock / 10.0)) * p.tech_opportunity)
        new = rng.poisson(lam)
        inc.innovations[rows] += new
        model.stats["innovation_incumbents"] += float(new.sum())
        gain = C.PRODUCTIVITY_PER_INNOVATION * new
        inc.productivity[rows] *= 1.0 + gain
        growth = C.MARKET_GROWTH + np.log1p(gain) + 0.02 * rng.standard_normal(rows.size)
        rev = inc.revenue[rows] * np.exp(growth)
        loss = model.quarter.disruption * p.disruption_exposure * C.DISRUPTION_LEVERAGE
        if loss.any():  # entrants attack segments: an equal amount from each incumbent
            sectors = inc.sector[rows]
            count = np.bincount(sectors, minlength=p.n_sectors)[: p.n_sectors]
            each = np.divide(loss, count, out=np.zeros_like(loss), where=count > 0)
            rev = np.maximum(rev - each[sectors], 0.0)
        inc.revenue[rows] = rev
        profit = C.INCUMBENT_MARGIN * rev
        model.ledger.mint("incumbent_profits", float(profit.sum()))
        cash = inc.cash[rows] + profit
        excess = np.maximum(cash - C.INCUMBENT_CASH_TARGET * rev, 0.0)
        model.ledger.sink("shareholder_payouts", float(excess.sum()))
        inc.cash[rows] = cash - excess
        for row in rows[rev < p.incumbent_exit_floor * inc.revenue0[rows]]:
            exit_incumbent(model, int(row))
    st = model.st
    n = st.n
    big = ((st.status[:n] == C.PUBLIC) & ~st.graduated[:n]
           & (C.STEPS_PER_YEAR * st.revenue[:n] >= p.incumbent_threshold)).nonzero()[0]
    for row in big:
        graduate(model, int(row))
