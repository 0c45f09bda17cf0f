"""Shared actions of the labour market: moving people into and out of firms.

Workers are counts, not agents (:mod:`abm.mechanisms.labor` holds the rules and the quarter's
own flows: moves between incumbents, incumbents' hiring and lay-offs, graduates, retirement).
The actions here are the moves other mechanisms make when they act: a founding team is hired
(:mod:`abm.mechanisms.founding`), startups hire and lay off (:mod:`abm.mechanisms.operations`),
the staff of a failed or displaced firm or a shelved team return to the idle pool
(:mod:`abm.mechanisms.exits`, :mod:`abm.mechanisms.incumbents`). Hires come from the idle pool
first, then from incumbents' movable staff (:func:`abm.queries.movable`); each hire counts as a
job move (the ``job_moves`` flow, owned by the ``labor`` unit). They draw no random numbers.

Not a mechanism: no unit, no stream, no place in the schedule (:data:`abm.units.ACTIONS`).
"""

from __future__ import annotations

import numpy as np

from .queries import effective, movable


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
