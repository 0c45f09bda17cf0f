"""Labour market: workers are counts, not agents.

People sit in incumbents, startups (active or public), or the idle pool. Startups hire from
the idle pool first and then poach movable incumbent workers (mobility friction: lifetime
employment locks a share of incumbents' staff, and only ``job_mobility`` of the movable rest
is on the market in a quarter). Failures and lay-offs release workers to the idle pool;
acqui-hires move them to the acquirer. Each year the universities add
``GRADUATES_PER_M x`` their research budget in graduates to the idle pool, and
``RETIREMENT_PER_YEAR`` of the workforce retires from it, so the labour force grows or shrinks
with the universities. Incumbents hire and shed staff towards the people their demand needs. Every hire and every move between
incumbents counts as a job move.

Code. This module holds the quarter's own flows (:func:`step`). The moves other mechanisms make
(a founding team hired, startups' hires and lay-offs, staff released to the idle pool) are the
shared actions of :mod:`abm.workforce`; the movable headcount and the effective
lifetime-employment share are look-ups in :mod:`abm.queries` (``movable``,
``lifetime_share``).
"""

from __future__ import annotations

import numpy as np

from .. import constants as C
from ..queries import (effective, movable, startup_headcount,
                       workforce)  # noqa: F401 (labor.workforce)
from ..units import Mechanism

UNIT = Mechanism(
    name="labor", stream="labor",
    flows=("job_moves",),
    outputs=("labor_mobility_rate",),
    reads=("job_mobility", "lifetime_employment_share", "ACTIVE", "GRADUATES_PER_M",
           "HEADCOUNT_ADJUST", "PUBLIC", "RETIREMENT_PER_YEAR", "STEPS_PER_YEAR"))
"""What this mechanism owns (:mod:`abm.units`)."""


def step(model) -> None:
    """Moves between incumbents, incumbents' hiring and lay-offs, graduates and retirement."""
    p, rng = model.p, model.rngs["labor"]
    inc = model.inc
    rows, mov = movable(model)
    if rows.size:
        moves = rng.binomial(mov.astype(np.int64), effective(model, "job_mobility"))
        model.stats["job_moves"] += float(moves.sum())
        hc = inc.headcount[rows]
        target = inc.demand[rows] / inc.productivity[rows]
        gap = target - hc
        fire = np.where(gap < 0, np.floor(-gap * C.HEADCOUNT_ADJUST), 0).astype(np.int64)
        fire = np.minimum(fire, hc)
        inc.headcount[rows] -= fire
        model.idle += int(fire.sum())
        want = np.where(gap > 0, np.floor(gap * C.HEADCOUNT_ADJUST), 0).astype(np.int64)
        total = int(want.sum())
        if total > 0 and model.idle > 0:
            if total > model.idle:
                want = np.floor(want * (model.idle / total)).astype(np.int64)
            inc.headcount[rows] += want
            model.idle -= int(want.sum())
            model.stats["job_moves"] += float(want.sum())
    if model.is_new_year():
        workforce = model.idle + int(inc.headcount[rows].sum()) + startup_headcount(model)
        budget = sum(u.budget for u in model.universities) * C.STEPS_PER_YEAR
        grads = int(budget * C.GRADUATES_PER_M)
        model.idle += grads
        model.workers_in += grads
        retire = min(model.idle, int(workforce * C.RETIREMENT_PER_YEAR))
        model.idle -= retire
        model.workers_out += retire
