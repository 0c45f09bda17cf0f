"""Shared actions on firms' products: the quality ladder, the credit of quality gains to their
sources, acquired product lines, and moves in technology space.

The rules are written out in :mod:`abm.mechanisms.markets` (the unit that owns them) and
docs/ODD.md 7.18: :func:`innovate` moves firms up their quality ladder (startups' research in
:mod:`abm.mechanisms.operations`, incumbents' R&D in :mod:`abm.mechanisms.incumbents`);
:func:`credit` books each gain to its source (``model.growth.sources``); :func:`absorb`
integrates an acquired startup's product line into the buyer's (:mod:`abm.mechanisms.exits`);
:func:`shift` moves incumbents along the technology circle (partnerships and acquisitions pull
them). They draw no random numbers.

Not a mechanism: no unit, no stream, no place in the schedule (:data:`abm.units.ACTIONS`).
"""

from __future__ import annotations

import math

import numpy as np

from . import constants as C
from .queries import absorptive_capacity, circular_gap, damp, trend


def credit(model, table: str, rows, dq, source: str) -> None:
    """Book log-quality gains ``dq`` of firms ``rows`` of ``table`` ("st" or "inc") to
    ``source`` (:data:`SOURCES`), weighted by each firm's share of last quarter's real output
    (firms that did not produce then weigh 0). After the burn-in only; changes no firm."""
    g = model.growth
    if model.steps <= model.burn_in or g.y_total <= 0:
        return
    rows = np.atleast_1d(np.asarray(rows, dtype=np.int64))
    dq = np.broadcast_to(np.asarray(dq, dtype=float), rows.shape)
    idx = rows if table == "st" else g.n_prev + rows
    ok = (rows < g.n_prev) if table == "st" else (idx < g.y_prev.size)
    w = np.zeros(rows.size)
    w[ok] = g.y_prev[idx[ok]]
    g.sources[source] += float((w * dq).sum()) / g.y_total


def shift(model, rows: np.ndarray, move: np.ndarray) -> None:
    """Move incumbents ``rows`` by ``move`` along the technology circle; a move of at least
    ``DIRECTION_SHIFT`` after the burn-in is a change of direction (``inc.shifts``)."""
    inc = model.inc
    inc.tech[rows] = (inc.tech[rows] + move) % 1.0
    model.positions_moved()
    if model.steps > model.burn_in:
        inc.shifts[rows] += np.abs(move) >= C.DIRECTION_SHIFT


def absorb(model, buyer: int, row: int) -> None:
    """Incumbent ``buyer`` integrates startup ``row``'s product line: its reach grows by the
    startup's sales (base units) and, when the startup's product is better, its quality moves
    towards it by the sales-weighted share times its absorptive capacity."""
    inc, st = model.inc, model.st
    d = trend(model)
    own = float(inc.revenue[buyer])
    theirs = float(st.revenue[row])
    if theirs <= 0:
        return
    gap = float(st.pq[row] - inc.pq[buyer])
    if gap > 0 and own + theirs > 0:
        dq = theirs / (own + theirs) * gap * absorptive_capacity(model, buyer, row)
        credit(model, "inc", buyer, dq, "acquisitions")
        inc.pq[buyer] += dq
    inc.reach[buyer] = math.log(math.exp(inc.reach[buyer]) + theirs / d)
    # the team and its technology pull the buyer's direction as one absorbed innovation
    rows = np.array([buyer])
    shift(model, rows, C.DIRECTION_PULL * circular_gap(inc.tech[rows], st.tech[row]))


def innovate(model, rows: np.ndarray, new: np.ndarray, radical: np.ndarray | None = None,
             table: str = "st") -> None:
    """Move firms ``rows`` of ``table`` up the ladder by ``new`` innovations each, each step
    times :func:`~abm.queries.damp`; where ``radical`` is true the first of them leapfrogs the
    sector's frontier by ``radical_step`` (times :func:`~abm.queries.damp` of the frontier)."""
    p = model.p
    t = model.st if table == "st" else model.inc
    source = "startups" if table == "st" else "rd"
    pq = t.pq[rows]
    if radical is None:
        dq = p.quality_step * new * damp(model, pq)
    else:
        leap = radical & (new > 0)
        front = model.market.frontier[t.sector[rows]]
        after = np.where(leap, np.maximum(pq, front + p.radical_step * damp(model, front)), pq)
        dq = after - pq + p.quality_step * np.where(leap, new - 1, new) * damp(model, after)
    credit(model, table, rows, dq, source)
    t.pq[rows] = pq + dq
