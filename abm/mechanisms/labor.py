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
"""

from __future__ import annotations

import numpy as np

from .. import constants as C
from ..queries import effective, startup_headcount, workforce  # noqa: F401 (labor.workforce)
from ..units import Mechanism

UNIT = Mechanism(
    name="labor", stream="labor",
    flows=("job_moves",),
    outputs=("labor_mobility_rate",),
    reads=("job_mobility", "lifetime_employment_share", "ACTIVE", "GRADUATES_PER_M",
           "HEADCOUNT_ADJUST", "PUBLIC", "RETIREMENT_PER_YEAR", "STEPS_PER_YEAR"))
"""What this mechanism owns (:mod:`abm.units`)."""


def lifetime_share(model) -> float:
    """Effective lifetime-employment share after any labour reform."""
    return effective(model, "lifetime_employment_share") * (
        1.0 - model.ministry.instrument("labor_reform"))


def movable(model) -> tuple[np.ndarray, np.ndarray]:
    """Rows of live incumbents and their movable headcount."""
    inc = model.inc
    rows = inc.view("alive").nonzero()[0]
    return rows, inc.headcount[rows] * (1.0 - lifetime_share(model))


def take_from_incumbents(model, n: int, rows: np.ndarray, weights: np.ndarray) -> int:
    """Remove ``n`` workers from incumbents ``rows`` in proportion to ``weights``.

    Returns the number actually taken (capped by their headcount).
    """
    if n <= 0 or rows.size == 0:
        return 0
    hc = model.inc.headcount
    total_w = float(weights.sum())
    if total_w <= 0:
        return 0
    if float(weights.max()) / total_w * n < 1.0:
        # every proportional share rounds down to 0 (a founding team from a big labour
        # market): the shortfall, all n, comes from the incumbent with most room, exactly as
        # below, without building the arrays
        h = hc[rows]
        first = int(np.argmax(h))
        if h[first] >= n:
            hc[rows[first]] -= n
            return n
    take = np.floor(weights / total_w * n).astype(np.int64)
    take = np.minimum(take, hc[rows])
    short = n - int(take.sum())
    if short > 0:
        room = hc[rows] - take
        first = int(np.argmax(room))  # the first row of the stable order below
        if room[first] >= short:  # the usual case for a founding team: no full sort
            take[first] += short
            short = 0
        order = np.argsort(-room, kind="stable") if short > 0 else ()
        for i in order:
            extra = min(short, int(hc[rows[i]] - take[i]))
            take[i] += extra
            short -= extra
            if short == 0:
                break
    hc[rows] -= take
    return int(take.sum())


def take_workers(model, n: int) -> int:
    """Hire ``n`` people into a new venture: idle pool first, then incumbents."""
    from_idle = min(n, model.idle)
    model.idle -= from_idle
    got = from_idle
    if n > from_idle:  # only then scan the incumbents (the idle pool usually suffices)
        rows, mov = movable(model)
        got += take_from_incumbents(model, n - from_idle, rows, mov)
    model.stats["job_moves"] += got
    return got


def staff_startups(model, rows: np.ndarray, hires: np.ndarray, layoffs: np.ndarray) -> None:
    """Apply startups' wanted hires (limited by the labour supply) and lay-offs."""
    p = model.p
    st = model.st
    wanted = int(hires.sum())
    if wanted > 0:
        inc_rows, mov = movable(model)
        poachable = int(mov.sum() * effective(model, "job_mobility") * 0.5)
        supply = model.idle + poachable
        if wanted > supply:
            hires = np.floor(hires * (supply / wanted)).astype(np.int64)
            wanted = int(hires.sum())
        from_idle = min(wanted, model.idle)
        model.idle -= from_idle
        got = from_idle + take_from_incumbents(model, wanted - from_idle, inc_rows, mov)
        if got < wanted:  # incumbents ran short: cut the last hires
            cut = wanted - got
            for i in hires.nonzero()[0][::-1]:
                d = min(cut, int(hires[i]))
                hires[i] -= d
                cut -= d
                if cut == 0:
                    break
        st.headcount[rows] += hires
        model.stats["job_moves"] += got
    released = int(layoffs.sum())
    if released:
        st.headcount[rows] -= layoffs
        model.idle += released


def release(model, n: int) -> None:
    """Workers of a failed venture (or a shelved team) join the idle pool."""
    model.idle += int(n)


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
