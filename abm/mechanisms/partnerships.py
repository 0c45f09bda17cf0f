"""Startup-incumbent partnerships: form, deliver value both ways, dissolve.

A startup (seed or later, private, without a partner) forms a partnership with quarterly hazard
``PARTNER_HAZARD x openness x (1 - nih_bias/2) x (1 + 2 matching_programme)``, using the mean
openness of its sector's incumbents, and 0.4 times that if its technology is disruptive
(incumbents partner with complements, not threats). The partner is an incumbent of the same
sector drawn with weight openness x revenue. While it lasts the incumbent pays a contract
(PoC, joint development, supply) each quarter, the startup's growth drift rises
(:mod:`abm.mechanisms.operations`), and joint innovations arrive that raise both the startup's and (less the not-invented-here
bias) the incumbent's product quality by ``quality_step`` each. Partnerships dissolve with hazard ``PARTNER_DISSOLVE x (1 - group_cohesion/2)``
and end when either side exits. A startup has at most one live partner.
"""

from __future__ import annotations

import numpy as np

from .. import constants as C
from ..draws import choice


def sector_mean(model, values: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Mean of ``values`` (one per row in ``rows``) by sector, 0 where a sector has none."""
    k = model.p.n_sectors
    sectors = model.inc.sector[rows]
    total = np.bincount(sectors, weights=values, minlength=k)[:k]
    count = np.bincount(sectors, minlength=k)[:k]
    return np.divide(total, count, out=np.zeros(k), where=count > 0)


def begin(model, row: int, inc_row: int) -> None:
    st = model.st
    st.partner[row] = inc_row
    st.partner_since[row] = model.steps
    st.ever_partnered[row] = True
    model.counts["partnerships_formed"] += 1
    model.link(int(model.inc.uid[inc_row]), int(st.uid[row]), "partnership")


def end(model, row: int) -> None:
    model.st.partner[row] = -1


def step(model) -> None:
    p, st, inc, rng = model.p, model.st, model.inc, model.rngs["partnerships"]
    n = st.n
    if n == 0:
        return
    active = st.status[:n] == C.ACTIVE
    # live partnerships: dissolve some, the rest deliver value
    live = (active & (st.partner[:n] >= 0)).nonzero()[0]
    if live.size:
        gone = rng.random(live.size) < C.PARTNER_DISSOLVE * (1.0 - 0.5 * p.group_cohesion)
        st.partner[live[gone]] = -1
        live = live[~gone]
    if live.size:
        partners = st.partner[live]
        pay = np.minimum(C.PARTNER_CONTRACT * p.round_size_multiplier,
                         np.maximum(inc.cash[partners], 0.0))
        # several startups may share a partner: np.subtract.at accumulates
        np.subtract.at(inc.cash, partners, pay)
        over = np.minimum(inc.cash[partners], 0.0)
        if (over < 0).any():  # never let an incumbent go below zero
            for i in (over < 0).nonzero()[0]:
                r = partners[i]
                if inc.cash[r] < 0:
                    back = min(pay[i], -inc.cash[r])
                    inc.cash[r] += back
                    pay[i] -= back
        st.cash[live] += pay
        st.revenue[live] += pay
        joint = rng.poisson(C.PARTNERSHIP_INNOVATION * np.sqrt(st.quality[live])
                            * (1.0 - 0.5 * p.nih_bias))
        st.innovations[live] += joint
        # joint work moves both products up the ladder; the incumbent absorbs less of it the
        # stronger its not-invented-here bias
        st.pq[live] += p.quality_step * joint
        np.add.at(inc.pq, partners, p.quality_step * joint * (1.0 - p.nih_bias))
        model.stats["innovation_partnerships"] += float(joint.sum())
    # new partnerships
    cand = (active & (st.partner[:n] < 0) & (st.stage[:n] >= 1)).nonzero()[0]
    alive = inc.view("alive").nonzero()[0]
    if cand.size == 0 or alive.size == 0:
        return
    openness = sector_mean(model, inc.openness[alive] * (1.0 - 0.5 * inc.nih[alive]), alive)
    matching = model.ministry.instrument("matching_programme")
    h = (C.PARTNER_HAZARD * openness[st.sector[cand]] * (1.0 + 2.0 * matching)
         * np.where(st.disruptive[cand], 0.4, 1.0))
    chosen = cand[rng.random(cand.size) < h]
    if chosen.size == 0:
        return
    weight = inc.openness[alive] * inc.revenue[alive]
    sectors = inc.sector[alive]
    for s in np.unique(st.sector[chosen]):
        rows = chosen[st.sector[chosen] == s]
        in_s = sectors == s
        w = weight[in_s]
        if w.sum() <= 0:
            continue
        picks = choice(rng, alive[in_s], w / w.sum(), rows.size)
        for row, inc_row in zip(rows, picks):
            begin(model, int(row), int(inc_row))
