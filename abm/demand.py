"""Shared action of the markets: each sector's demand shared among its products.

The rule (a logit over quality-adjusted reach, held and contestable customers, the complement
market) is written out in :mod:`abm.mechanisms.markets`, the unit that owns it, and in
docs/ODD.md 7.18. :func:`clear` applies it: it is called by the startups' operations
(:mod:`abm.mechanisms.operations`, every quarter, which gives the incumbents their demand
too). It draws no random numbers.

Not a mechanism: no unit, no stream, no place in the schedule (:data:`abm.units.ACTIONS`).
"""

from __future__ import annotations

import numpy as np

from . import constants as C
from .queries import reference_quality, sector_spending


def clear(model, idx: np.ndarray, lrev: np.ndarray) -> np.ndarray:
    """Share every sector's demand; return the demand of the startups at rows ``idx`` (whose
    traction is ``lrev``) and store each live incumbent's demand in ``inc.demand``."""
    p, inc, st, mk = model.p, model.inc, model.st, model.market
    k, theta, e = model.n_sectors, p.quality_sensitivity, p.disruption_exposure
    alive = inc.view("alive").nonzero()[0]
    qref = reference_quality(model, alive)
    mk.qref = qref
    spend = sector_spending(model)
    sec_i = inc.sector[alive]
    u = np.exp(inc.reach[alive] + theta * (inc.pq[alive] - qref[sec_i]))
    U = np.bincount(sec_i, weights=u, minlength=k)[:k]
    ushare = np.divide(u, U[sec_i], out=np.zeros_like(u), where=U[sec_i] > 0)
    sec_s = st.sector[idx]
    v = np.exp(lrev + theta * (st.pq[idx] - qref[sec_s]))
    dis = st.disruptive[idx]
    vd = v * dis
    Vd = np.bincount(sec_s, weights=vd, minlength=k)[:k]
    # Held customers that re-choose (CUSTOMER_SWITCH
    # a quarter) do so among all the sector's products, disruptive startups' included, by a
    # sector-wide logit over quality-adjusted reach: an incumbent weighs its whole reach
    # (S u_j / U), a disruptive startup its traction v_i, so
    #     pi_j = S u_j / (U W),  pi_i = v_i / W,  W = S + sum_{disruptive i} v_i
    # (with no startups pi_j = ushare: today's rule). Every product then holds a share of the
    # held customers (st.held for startups); those an exit frees follow pi (docs/ODD.md 7.18,
    # docs/prototypes/displacement.md: Christensen's migration to the new generation)
    pool = spend
    W = pool + Vd
    pi_j = np.divide(pool[sec_i] * ushare, W[sec_i], out=np.zeros_like(u),
                     where=W[sec_i] > 0)
    pi_i = np.divide(vd, W[sec_s], out=np.zeros_like(v), where=W[sec_s] > 0)
    held = inc.held[alive]
    # an incumbent's first share (at the start, or a new incumbent's) is its share among the
    # incumbents (ushare), and it re-chooses from there
    held = (1.0 - C.CUSTOMER_SWITCH) * np.where(held < 0, ushare, held) \
        + C.CUSTOMER_SWITCH * pi_j
    held_s = np.where(dis, (1.0 - C.CUSTOMER_SWITCH) * st.held[idx] + C.CUSTOMER_SWITCH * pi_i,
                      0.0)
    tot = (np.bincount(sec_i, weights=held, minlength=k)[:k]
           + np.bincount(sec_s, weights=held_s, minlength=k)[:k])
    fill = np.maximum(1.0 - tot, 0.0)
    norm = np.where(tot > 1.0, tot, 1.0)
    held = (held + fill[sec_i] * pi_j) / norm[sec_i]
    held_s = (held_s + fill[sec_s] * pi_i) / norm[sec_s]
    inc.held[alive] = held
    st.held[idx] = held_s
    V = e * spend + Vd
    mk.contest = V
    contest = e * spend[sec_i] * (e * spend[sec_i] * ushare)
    inc.demand[alive] = (1.0 - e) * spend[sec_i] * held + np.divide(
        contest, V[sec_i], out=np.zeros_like(contest), where=V[sec_i] > 0)
    # what it would have had with no entrant in its market, neither a disruptive startup
    # contesting its customers nor an incumbent grown from a startup (the others' shares
    # spread over the established firms as the logit would): the attribution of a
    # displacement (incumbents.exit_incumbent); recorded only, no rule reads it
    new = inc.from_startup[alive]
    u_new = np.bincount(sec_i, weights=u * new, minlength=k)[:k][sec_i] - u * new
    h_new = (np.bincount(sec_i, weights=held * new, minlength=k)[:k][sec_i] - held * new
             + np.bincount(sec_s, weights=held_s, minlength=k)[:k][sec_i])
    inc.demand_without_entrants[alive] = spend[sec_i] * (
        (1.0 - e) * held / np.maximum(1.0 - h_new, 1e-12)
        + e * u / np.maximum(U[sec_i] - u_new, 1e-300))
    M = C.COMPLEMENT_MARKET * spend
    Vc = M + np.bincount(sec_s, weights=v * ~dis, minlength=k)[:k]
    demand = np.where(dis, (1.0 - e) * spend[sec_s] * held_s
                      + e * spend[sec_s] * v / np.where(V[sec_s] > 0, V[sec_s], 1.0),
                      M[sec_s] * v / np.where(Vc[sec_s] > 0, Vc[sec_s], 1.0))
    # the frontier a radical innovation leapfrogs: the sector's best incumbent product (a
    # new generation is measured against the established state of the art, so entrants do
    # not ratchet each other up: the frontier rises with incumbents' R&D and with what they
    # absorb from startups through partnerships and acquisitions)
    front = np.full(k, -np.inf)
    np.maximum.at(front, sec_i, inc.pq[alive])
    mk.frontier = np.where(np.isfinite(front), front, qref)
    return demand
