"""Startup-incumbent partnerships: form, deliver value both ways, dissolve.

A startup (seed or later, private, without a partner) forms a partnership with quarterly hazard
``PARTNER_HAZARD x openness x (1 - NIH_DISCOUNT x nih_bias) x (1 + MATCHING_EFFECT x
matching_programme)``, using the sector mean over its incumbents, and ``DISRUPTIVE_PARTNERING``
(0.4) times that if its technology is
disruptive (incumbents partner with complements, not threats). The partner is an incumbent of
the same sector drawn with weight ``openness x revenue / (1 + n / PARTNER_HALF)`` (``n`` its
live partnerships: limited attention), times :func:`preference` for a startup with a history
(earlier partners and the members of the business group it is tied to weigh more). While it
lasts the incumbent pays a contract (PoC, joint development, supply) each quarter, the
startup's growth drift rises (:mod:`abm.mechanisms.operations`), and joint innovations arrive,
at a rate that grows with the partnership's duration and the pair's earlier ties
(:func:`learning`). Each raises the startup's product quality by a ladder step (times
:func:`abm.queries.damp`); the incumbent takes in its partners' joint innovations
less its not-invented-here bias and divided by ``1 + n / PARTNER_HALF`` (:func:`absorbed`:
bounded however many partners it has), and moves towards their technologies
(:func:`absorb`). A business-group member may fund its partner startup when its runway is
short (:func:`group_funding`). Partnerships dissolve with hazard ``PARTNER_DISSOLVE x (1 -
group_cohesion/2)`` and end when either side exits. A startup has at most one live partner.
"""

from __future__ import annotations

import numpy as np

from .. import constants as C
from ..draws import choice
from ..products import credit, shift
from ..queries import (circular_gap, damp, sector_mean,  # noqa: F401 (partnerships.sector_mean)
                       unit_cost)
from ..units import Mechanism

UNIT = Mechanism(
    name="partnerships", stream="partnerships",
    flows=("innovation_partnerships",),
    outputs=("partnerships_formed", "group_injections"),
    reads=("quality_step", "round_size_multiplier", "group_cohesion", "relational_learning",
           "ACTIVE", "DIRECTION_PULL", "GROSS_MARGIN", "GROUP_FUNDING_HAZARD",
           "GROUP_FUNDING_ROUNDS", "GROUP_PREFERENCE", "GROWTH", "MATCHING_EFFECT", "MIN_CHECK",
           "PARTNERSHIP_INNOVATION", "PARTNER_CONTRACT", "PARTNER_DISSOLVE", "PARTNER_HALF",
           "PARTNER_HAZARD", "PAST_PARTNER_PREFERENCE", "ROUND_SIZE", "RUNWAY_TRIGGER",
           "COHESION_DISSOLVE_CUT", "DISRUPTIVE_PARTNERING", "NIH_DISCOUNT"))
"""What this mechanism owns (:mod:`abm.units`)."""


def begin(model, row: int, inc_row: int) -> None:
    st, inc = model.st, model.inc
    st.partner[row] = inc_row
    st.partner_since[row] = model.steps
    st.ever_partnered[row] = True
    key = (row, inc_row)
    st.prior_ties[row] = model.partner_history.get(key, 0)
    model.partner_history[key] = st.prior_ties[row] + 1
    if st.group_tie[row] < 0 and inc.group[inc_row] >= 0:
        st.group_tie[row] = inc.group[inc_row]  # its first corporate partner's group
    model.counts["partnerships_formed"] += 1
    model.link(int(model.inc.uid[inc_row]), int(st.uid[row]), "partnership")


def learning(model, rows: np.ndarray) -> np.ndarray:
    """Relation-specific learning of the live partnerships of startups ``rows``: ``1 +
    relational_learning x (log(1 + quarters together / 4) + earlier ties of the pair)``
    (Dyer & Singh 1998)."""
    st = model.st
    together = np.maximum(model.steps - st.partner_since[rows], 0)
    return 1.0 + model.p.relational_learning * (np.log1p(together / 4.0) + st.prior_ties[rows])


def preference(model, row: int, cands: np.ndarray) -> np.ndarray:
    """Weight multipliers a startup with a history gives incumbents ``cands``: ``1 +
    PAST_PARTNER_PREFERENCE`` for an earlier partner, ``1 + GROUP_PREFERENCE x group_cohesion``
    for a member of the business group it is tied to."""
    inc, st = model.inc, model.st
    mult = np.ones(cands.size)
    hist = model.partner_history
    for i, c in enumerate(cands.tolist()):
        if (row, c) in hist:
            mult[i] += C.PAST_PARTNER_PREFERENCE
    g = st.group_tie[row]
    if g >= 0:
        mult += C.GROUP_PREFERENCE * model.p.group_cohesion * (inc.group[cands] == g)
    return mult


def group_funding(model, live: np.ndarray, partners: np.ndarray,
                  rng: np.random.Generator) -> None:
    """A business-group member funds its partner startup whose runway is short (fewer than
    ``RUNWAY_TRIGGER`` quarters of net burn), with probability ``GROUP_FUNDING_HAZARD x
    group_cohesion``: ``GROUP_FUNDING_ROUNDS`` of the next stage's round, at the startup's last
    post-money, as equity the incumbent holds (the group's internal capital market)."""
    p, st, inc = model.p, model.st, model.inc
    if p.group_cohesion <= 0:
        return
    member = inc.group[partners] >= 0
    if not member.any():
        return

    net = st.headcount[live] * unit_cost(model) - st.revenue[live] * C.GROSS_MARGIN
    short = member & (net > 0) & (st.cash[live] < C.RUNWAY_TRIGGER * net)
    draw = rng.random(live.size) < C.GROUP_FUNDING_HAZARD * p.group_cohesion
    for i in (short & draw).nonzero()[0]:
        row, r = int(live[i]), int(partners[i])
        stage = min(int(st.stage[row]) + 1, C.GROWTH)
        amount = min(C.GROUP_FUNDING_ROUNDS * C.ROUND_SIZE[stage] * p.round_size_multiplier,
                     0.5 * max(float(inc.cash[r]), 0.0))
        if amount <= C.MIN_CHECK:
            continue
        startup = model.startups[row]
        startup.dilute(max(float(st.valuation[row]), amount), {int(inc.uid[r]): amount})
        inc.cash[r] -= amount
        st.cash[row] += amount
        st.valuation[row] = max(float(st.valuation[row]), amount) + amount
        model.counts["group_injections"] += 1
        model.link(int(inc.uid[r]), int(st.uid[row]), "investment")


def absorbed(model, partners: np.ndarray, joint: np.ndarray) -> np.ndarray:
    """What each partnership's joint innovations ``joint`` are worth to its incumbent
    ``partners``: less its not-invented-here bias, divided by ``1 + n / PARTNER_HALF`` (``n``
    the incumbent's live partnerships this quarter): an incumbent's attention is limited, so
    the sum over its partners is bounded by ``PARTNER_HALF`` partnerships' worth."""
    inc = model.inc
    n = np.bincount(partners, minlength=inc.n)[partners]
    return joint * (1.0 - inc.nih[partners]) / (1.0 + n / C.PARTNER_HALF)


def absorb(model, live: np.ndarray, partners: np.ndarray, joint: np.ndarray) -> None:
    """Incumbents take in their partners' joint innovations (:func:`absorbed`, each a ladder
    step times :func:`~abm.queries.damp`) and move towards the partners'
    technologies by ``DIRECTION_PULL`` per absorbed innovation (at most all the way)."""
    inc, st = model.inc, model.st
    eff = absorbed(model, partners, joint)
    got = np.bincount(partners, weights=eff, minlength=inc.n)
    rows = got.nonzero()[0]
    if rows.size == 0:
        return
    dq = model.p.quality_step * got[rows] * damp(model, inc.pq[rows])
    credit(model, "inc", rows, dq, "partnerships")
    inc.pq[rows] += dq
    pull = np.minimum(C.DIRECTION_PULL * eff, 1.0) * circular_gap(inc.tech[partners],
                                                                         st.tech[live])
    move = np.bincount(partners, weights=pull, minlength=inc.n)[rows]
    shift(model, rows, np.clip(move, -0.5, 0.5))


def step(model) -> None:
    p, st, inc, rng = model.p, model.st, model.inc, model.rngs["partnerships"]
    n = st.n
    if n == 0:
        return
    active = st.status[:n] == C.ACTIVE
    # live partnerships: dissolve some, the rest deliver value
    live = (active & (st.partner[:n] >= 0)).nonzero()[0]
    if live.size:
        gone = rng.random(live.size) < C.PARTNER_DISSOLVE * (
            1.0 - C.COHESION_DISSOLVE_CUT * p.group_cohesion)
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
        nih = inc.nih[partners]
        joint = rng.poisson(C.PARTNERSHIP_INNOVATION * np.sqrt(st.quality[live])
                            * (1.0 - C.NIH_DISCOUNT * nih) * learning(model, live))
        st.innovations[live] += joint
        # joint work moves both products up the ladder (knowledge flows both ways)
        dq = p.quality_step * joint * damp(model, st.pq[live])
        credit(model, "st", live, dq, "partnerships")
        st.pq[live] += dq
        absorb(model, live, partners, joint)
        group_funding(model, live, partners, rng)
        model.stats["innovation_partnerships"] += float(joint.sum())
    # new partnerships
    cand = (active & (st.partner[:n] < 0) & (st.stage[:n] >= 1)).nonzero()[0]
    alive = inc.view("alive").nonzero()[0]
    if cand.size == 0 or alive.size == 0:
        return
    openness = sector_mean(model, inc.openness[alive] * (1.0 - C.NIH_DISCOUNT * inc.nih[alive]),
                           alive)
    matching = model.ministry.instrument("matching_programme")
    h = (C.PARTNER_HAZARD * openness[st.sector[cand]] * (1.0 + C.MATCHING_EFFECT * matching)
         * np.where(st.disruptive[cand], C.DISRUPTIVE_PARTNERING, 1.0))
    chosen = cand[rng.random(cand.size) < h]
    if chosen.size == 0:
        return
    # limited attention: an incumbent with many live partnerships is less sought
    busy = np.bincount(st.partner[:n][active & (st.partner[:n] >= 0)], minlength=inc.n)
    weight = inc.openness[alive] * inc.revenue[alive] / (1.0 + busy[alive] / C.PARTNER_HALF)
    sectors = inc.sector[alive]
    for s in np.unique(st.sector[chosen]):
        rows = chosen[st.sector[chosen] == s]
        in_s = sectors == s
        w = weight[in_s]
        if w.sum() <= 0:
            continue
        cands = alive[in_s]
        picks = choice(rng, cands, w / w.sum(), rows.size)
        for row, inc_row in zip(rows, picks):
            row = int(row)
            if st.group_tie[row] >= 0 or st.ever_partnered[row]:
                # a startup with a history: past partners and its group's members weigh more
                wr = w * preference(model, row, cands)
                inc_row = choice(rng, cands, wr / wr.sum())
            begin(model, row, int(inc_row))
