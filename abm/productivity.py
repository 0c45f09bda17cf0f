"""Shared action of productivity accounting: aggregate productivity and its Foster,
Haltiwanger & Krizan (2001) decomposition.

:func:`decompose` measures real output per employed worker (:func:`abm.queries.aggregate`) and,
after the burn-in, adds the quarter's within, between, cross, entry and exit terms to
``model.growth`` (:class:`abm.mechanisms.markets.Growth`; the rule is in
:mod:`abm.mechanisms.markets` and docs/ODD.md 7.18). The end-of-quarter observation calls it
(:mod:`abm.mechanisms.observe`: the ``productivity`` series); it draws no random numbers.

Not a mechanism: no unit, no stream, no place in the schedule (:data:`abm.units.ACTIONS`).
"""

from __future__ import annotations

import numpy as np

from . import constants as C
from .queries import aggregate


def decompose(model) -> float:
    """Aggregate productivity now; after the burn-in, add this quarter's FHK terms to
    ``model.growth``. Firms are identified by table and row; a firm with no staff does not
    count (its entry or exit is when its headcount turns positive or zero)."""
    st, inc, g = model.st, model.inc, model.growth
    y, l, L, P = aggregate(model)
    if model.steps > model.burn_in and g.p_prev > 0 and L > 0:
        y0, l0 = _aligned(g.y_prev, g.n_prev, st.n, inc.n), _aligned(g.l_prev, g.n_prev, st.n,
                                                                      inc.n)
        L0 = float(l0.sum())
        P0 = g.p_prev
        th0 = l0 / L0
        th1 = l / L
        p0 = np.divide(y0, l0, out=np.zeros_like(y0), where=l0 > 0)
        p1 = np.divide(y, l, out=np.zeros_like(y), where=l > 0)
        cont = (l0 > 0) & (l > 0)
        within = np.where(cont, th0 * (p1 - p0), 0.0)
        between = np.where(cont, (th1 - th0) * (p0 - P0), 0.0)
        cross = np.where(cont, (th1 - th0) * (p1 - p0), 0.0)
        entry = np.where((l0 <= 0) & (l > 0), th1 * (p1 - P0), 0.0)
        exit_ = np.where((l0 > 0) & (l <= 0), -th0 * (p0 - P0), 0.0)
        old = np.concatenate([np.zeros(st.n, dtype=bool),
                              model.steps - inc.entered[: inc.n] >= C.YOUNG_FIRM_QUARTERS])
        g.within += float(within[old].sum())
        g.realloc += float((between + cross)[old].sum())
        g.entrants += float((within + between + cross)[~old].sum() + entry.sum()
                            + exit_.sum())
    g.y_prev, g.l_prev, g.n_prev = y, l, st.n
    g.y_total = float(y.sum())
    g.p_prev = P
    return P


def _aligned(prev: np.ndarray, n_prev: int, n_st: int, n_inc: int) -> np.ndarray:
    """Last quarter's per-firm array laid out on this quarter's rows (new rows: 0)."""
    out = np.zeros(n_st + n_inc)
    out[:n_prev] = prev[:n_prev]
    k = prev.size - n_prev
    out[n_st:n_st + k] = prev[n_prev:]
    return out
