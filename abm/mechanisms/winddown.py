"""Wind-down: founders close a venture whose prospects have fallen, before its cash runs out
(docs/ODD.md 7.8; the diagnosis that led to it: docs/prototypes/venture_survival.md).

Today a private startup fails only when its cash is gone after operations, rounds and grants,
or when it has raised nothing for ``STALL_QUARTERS`` (:func:`abm.mechanisms.exits.failures`):
failure is a purely financial event, so where venture money is plentiful almost nothing fails.
Venture-backed founders also quit ventures that have not found traction while money is left:
entrepreneurs weigh the venture's prospects against their outside option and wind down
("flame out") when the prospects fall (Arora & Nandkumar 2011, Management Science 57(10); Hall &
Woodward 2010, AER 100(3): three quarters of venture-backed founders exit with nothing; CB
Insights 2014: startups die about 20 months after their last round).

Each quarter, after funding and grants and before :func:`abm.mechanisms.exits.failures`, every
active private startup ``i`` whose last round (or founding) is at least ``WIND_DOWN_AFTER``
quarters old and that raised nothing this quarter shuts down with probability

    h_i = WIND_DOWN_HAZARD x Phi((SCREEN_BAR[s'] - m_i) / PITCH_NOISE),
    m_i = log q_i + MERIT_TRACTION (lrev_i - REF_LREV[s']),   s' = min(stage_i + 1, GROWTH)

``m_i`` the merit a perfectly informed investor reads for the next stage
(:func:`abm.mechanisms.funding.merit`) and ``Phi`` the standard normal distribution: the
founders' probability that an investor, reading the pitch with the common noise
``PITCH_NOISE``, finds the venture below the next stage's bar. A venture clearly fundable is
hardly ever closed; one clearly below the bar closes at the rate ``WIND_DOWN_HAZARD``. The
closure is a failure, made by :func:`abm.mechanisms.exits.failures` (the rows are handed over in
``model.quarter.wound_down``): cash left goes to creditors, people to the idle pool, investors
write off.
"""

from __future__ import annotations

import math

import numpy as np

from .. import constants as C
from ..units import Mechanism

UNIT = Mechanism(
    name="winddown", stream="winddown",
    flows=("wound_down",),
    outputs=("ventures_wound_down",),
    reads=("ACTIVE", "GROWTH", "MERIT_TRACTION", "PITCH_NOISE", "REF_LREV", "SCREEN_BAR",
           "WIND_DOWN_AFTER", "WIND_DOWN_HAZARD"),
    summary="summarise")
"""What this mechanism owns (:mod:`abm.units`)."""

_ERF = np.vectorize(math.erf, otypes=[float])


def hazard(model, rows: np.ndarray) -> np.ndarray:
    """Quarterly wind-down probability of the private startups ``rows`` (module docstring),
    before the eligibility conditions (age of the last round)."""
    st = model.st
    if rows.size == 0 or C.WIND_DOWN_HAZARD <= 0:
        return np.zeros(rows.size)
    nxt = np.minimum(st.stage[rows].astype(np.int64) + 1, C.GROWTH)
    merit = (np.log(st.quality[rows])
             + C.MERIT_TRACTION * (st.lrev[rows] - np.asarray(C.REF_LREV)[nxt]))
    z = (np.asarray(C.SCREEN_BAR)[nxt] - merit) / C.PITCH_NOISE
    return C.WIND_DOWN_HAZARD * 0.5 * (1.0 + _ERF(z / math.sqrt(2.0)))


def candidates(model) -> np.ndarray:
    """Rows of the active private startups whose last round (or founding) is at least
    ``WIND_DOWN_AFTER`` quarters old (so none that raised this quarter)."""
    st = model.st
    n = st.n
    since = model.steps - st.last_round[:n]
    return ((st.status[:n] == C.ACTIVE) & (since >= max(C.WIND_DOWN_AFTER, 1))).nonzero()[0]


def step(model) -> None:
    """Draw the startups whose founders quit this quarter and hand them to
    :func:`abm.mechanisms.exits.failures` (``model.quarter.wound_down``), which closes them
    first (no mechanism imports another: the hand-off goes through the quarter, as the
    insolvent rows of :mod:`abm.mechanisms.operations` do)."""
    model.quarter.wound_down = np.zeros(0, dtype=np.int64)
    rows = candidates(model)
    if rows.size == 0 or C.WIND_DOWN_HAZARD <= 0:
        return
    rng = model.rngs["winddown"]
    quit_ = rows[rng.random(rows.size) < hazard(model, rows)]
    model.quarter.wound_down = quit_
    model.counts["wound_down"] += int(quit_.size)
    model.stats["wound_down"] += int(quit_.size)
    if model.steps > model.burn_in:  # a count for the summary, read by no decision
        model.counts["wound_down_after_burn_in"] += int(quit_.size)


def summarise(model) -> dict[str, float]:
    """``ventures_wound_down``: ventures their founders wound down after the burn-in (the
    ``wound_down`` flow summed over quarters ``burn_in + 1 ... T``)."""
    return {"ventures_wound_down": float(model.counts["wound_down_after_burn_in"])}
