"""Funding rounds: screening, valuation, syndication, follow-ons.

A private startup seeks a round when its cash covers fewer than ``RUNWAY_TRIGGER`` quarters of
net burn (at most one round every ``MIN_ROUND_GAP`` quarters), and in any case
``ROUND_INTERVAL`` quarters after its last round (to grow, not only to survive). The round
targets the typical size of the next stage (times ``round_size_multiplier``, with +-40% noise):

1. follow-on: each fund already on the cap table that may still invest joins with probability
   ``followon_depth`` for its pro-rata share, if it still likes the company (it screens with
   an insider's edge ``INSIDER_EDGE`` added to what it reads);
2. pitches: the startup pitches ``CANDIDATES`` funds drawn (weighted by dry powder) from those
   investing at that stage; all see the same pitch (merit, i.e. log quality plus traction
   above the stage's reference, plus a common noise ``PITCH_NOISE``) and each reads it with
   its own noise set by its selection skill and applies its objective
   (:meth:`abm.agents.VCFund.screen`: returns; strategic fit for corporate funds; policy
   targets for government funds). The first to accept leads (``LEAD_SHARE`` of the target),
   others who accept fill the rest. With probability ``gov_coinvest_required`` government
   funds may not lead (they co-invest behind a private lead);
3. the round closes if at least ``MIN_RAISE`` of the target is committed. The lead sets the
   price (:func:`price`): the stage's typical valuation scaled by how far the lead's own
   reading clears the bar and by the public market (``ipo_heat``), at least three times
   annual revenue; it may be below the previous post-money (a down round, counted with flat
   rounds after the burn-in). Every holder is diluted in proportion; insiders who follow on
   take their pro-rata share (fraction x target).

A startup whose pitch failed waits ``RETRY_COOLDOWN`` quarters before it pitches again
(1, the default: it may pitch again the next quarter).

Matching is by sampling from per-stage pools, never by comparing all funds with all startups.

Randomness: each quarter the draws every seeker needs for its pitch (round-size noise, the
common pitch noise, whether a government fund may lead, the ``CANDIDATES`` weighted picks and
each candidate's reading noise) are drawn as arrays for all seekers at once (in their random
order); follow-on decisions draw as they happen. Because a fund's bar only rises during the
quarter (its dry powder only falls, so its pacing only falls), a seeker whose candidates would
all reject it even at the start-of-quarter bars is known to be rejected without walking its
candidates one by one: a shortcut, not an approximation.

The walk over the seekers runs as one compiled kernel a quarter
(:func:`abm.kernels.funding_walk`: the follow-on decisions and screens of every seeker, drawn
from the funding stream in the same order, the funds' dry powder falling as rounds close),
then the rounds that closed are priced and booked here in the seekers' order; with
``ABM_NO_NUMBA=1`` (:data:`abm.kernels.ENABLED` false) :func:`try_round` walks each seeker in
Python. Both give the same results to the last bit (tests/test_funding.py).
"""

from __future__ import annotations

import math
from itertools import chain

import numpy as np

from .. import constants as C
from .. import kernels as K
from ..fundbook import call as fund_call
from ..agents import fund_may_follow_on, fund_may_invest, screen_allowance
from ..queries import fund_status, investing_funds, mark, mark_of, unit_cost  # noqa: F401 (funding.investing_funds)
from ..units import Mechanism

UNIT = Mechanism(
    name="funding", stream="funding",
    flows=("vc_independent", "vc_corporate", "vc_government", "rounds"),
    outputs=("vc_invested_per_year", "vc_independent_per_year", "vc_corporate_per_year",
             "vc_government_per_year", "rounds_per_year", "cvc_deal_share", "down_round_share",
             "flat_round_share"),
    reads=("round_size_multiplier", "followon_depth", "cvc_strategic_weight",
           "gov_coinvest_required", "ACTIVE", "CANDIDATES", "EXCESS_LOW",
           "FLAT_ROUND_BAND", "GROSS_MARGIN", "GROWTH", "INSIDER_EDGE", "LEAD_SHARE",
           "MAX_CHECK_SHARE", "MERIT_TRACTION", "MIN_CHECK", "MIN_RAISE", "MIN_ROUND_GAP",
           "PITCH_NOISE", "POOL_FLOOR", "PRE_MONEY", "READING_NOISE_MIN", "READING_NOISE_SLOPE",
           "REF_LREV", "RETRY_COOLDOWN", "REVENUE_MULTIPLE_FLOOR", "ROUND_ANCHOR_WEIGHT",
           "ROUND_INTERVAL", "ROUND_MARKET_ELASTICITY", "ROUND_SIZE", "ROUND_SIZE_LOW",
           "ROUND_SIZE_SPREAD", "RUNWAY_TRIGGER", "SCREEN_BAR", "SCREEN_MARGIN", "STAGES",
           "STEPS_PER_YEAR", "UNICORN", "VALUATION_ELASTICITY"))
"""What this mechanism owns (:mod:`abm.units`)."""


def _fund_table(model) -> tuple[list, dict[str, np.ndarray]]:
    """Every live fund read once: ``(funds, columns)``, the columns as arrays in the same
    order: ``cash``, ``low``/``high`` (stage range), ``noise`` (reading noise), ``ease`` (the
    most lenient bar shift it can apply this quarter), ``investing`` and ``follows``.

    The rules are written once, in :mod:`abm.agents`: ``investing`` and ``follows`` are
    :func:`~abm.agents.fund_may_invest` and :func:`~abm.agents.fund_may_follow_on` (which
    :meth:`~abm.agents.VCFund.investing` and :meth:`~abm.agents.VCFund.can_follow_on`
    evaluate for one fund); ``ease`` is each fund's :meth:`~abm.agents.VCFund.pacing` (the
    scalar rule every pitch uses; computed for all funds by :func:`abm.kernels.pacing`, or
    by the method, which also fills its per-step cache, on the plain path) plus
    :func:`~abm.agents.screen_allowance`. For the walk: ``size``, ``vintage``, ``kind``
    (:data:`abm.kernels.INDEPENDENT`...) and ``parent`` (incumbent row, -1 if none).
    """
    live = model.live_funds()
    if not live:
        return live, {}
    rows, fixed = model.live_fund_rows(), model.fund_table
    low, high, skill = fixed.stage_min[rows], fixed.stage_max[rows], fixed.skill[rows]
    corp, age, parent_alive = fund_status(model, rows)
    gov = fixed.government[rows]
    n = len(live)
    cash = np.fromiter([f.cash for f in live], np.float64, n)
    size = np.fromiter([f.size for f in live], np.float64, n)
    vintage = fixed.vintage[rows]
    kind = np.where(corp, K.CORPORATE, np.where(gov, K.GOVERNMENT, K.INDEPENDENT))
    if K.ENABLED:
        pace = K.pacing(cash, size, vintage, kind, model.steps, K.walk_constants(model.p))
    else:
        pace = np.fromiter([f.pacing() for f in live], np.float64, n)
    w = model.p.cvc_strategic_weight
    return live, {
        "cash": cash, "low": low, "high": high,
        "noise": C.READING_NOISE_MIN + C.READING_NOISE_SLOPE * (1.0 - skill),
        "ease": pace + screen_allowance(corp, gov, w),
        "investing": fund_may_invest(corp, age, parent_alive),
        "follows": fund_may_follow_on(corp, age, parent_alive),
        "size": size, "vintage": vintage, "kind": kind, "parent": fixed.parent[rows],
    }


def _pools(model, table: tuple | None = None, index: dict | None = None
           ) -> dict[int, tuple[list, np.ndarray, np.ndarray, np.ndarray]]:
    """Investing funds per target stage: ``(funds, cumulative dry-powder weights, reading
    noise, most lenient bar shift this quarter)`` (the last two for :func:`predraw`).
    ``table`` is :func:`_fund_table` (read here if omitted), ``index`` :func:`_pool_index`
    of it (computed here if omitted)."""
    live, col = _fund_table(model) if table is None else table
    pools = {}
    index = _pool_index(model, (live, col)) if index is None else index
    for stage, idx in index.items():
        if idx.size:
            pools[stage] = ([live[i] for i in idx.tolist()], np.cumsum(col["cash"][idx]),
                            col["noise"][idx], col["ease"][idx])
        else:
            pools[stage] = _NO_POOL
    return pools


def _pool_index(model, table: tuple) -> dict[int, np.ndarray]:
    """The funds of each stage's pool (:func:`_pools`) as positions in the live funds of
    ``table`` (:func:`_fund_table`)."""
    live, col = table
    if not live:
        return {stage: np.zeros(0, dtype=np.int64) for stage in range(1, C.GROWTH + 1)}
    rsm, cash, low, high = model.p.round_size_multiplier, col["cash"], col["low"], col["high"]
    ok = col["investing"] & (cash > 0)
    out = {}
    for stage in range(1, C.GROWTH + 1):
        floor = C.POOL_FLOOR * C.ROUND_SIZE[stage] * rsm
        out[stage] = (ok & (low <= stage) & (stage <= high) & (cash >= floor)).nonzero()[0]
    return out


def _followers(model, table: tuple | None = None) -> dict:
    """Funds that may follow on, by id (constant during the funding step: funds close and
    parents exit in later mechanisms). ``table`` is :func:`_fund_table`."""
    live, col = _fund_table(model) if table is None else table
    if not live:
        return {}
    return {live[i].unique_id: live[i] for i in col["follows"].nonzero()[0].tolist()}


def merit(model, rows, stage):
    """What a perfectly informed investor would read: ``log quality + MERIT_TRACTION x
    (lrev - REF_LREV[stage])``, traction measured against the target stage's reference.

    ``rows`` and ``stage`` are a row and a stage index, or arrays of them (the one formula
    :func:`predraw` evaluates for every seeker at once).
    """
    st = model.st
    return np.log(st.quality[rows]) + C.MERIT_TRACTION * (st.lrev[rows] - _REF_LREV[stage])


def seekers(model) -> np.ndarray:
    """Rows of startups that look for money this quarter."""
    st = model.st
    n = st.n
    active = (st.status[:n] == C.ACTIVE).nonzero()[0]
    if active.size == 0:
        return active

    net = st.headcount[active] * unit_cost(model) - st.revenue[active] * C.GROSS_MARGIN
    since = model.steps - st.last_round[active]
    need = ((net > 0) & (st.cash[active] < C.RUNWAY_TRIGGER * net)
            & ((since >= C.MIN_ROUND_GAP) | (st.stage[active] == 0)))
    need |= since >= C.ROUND_INTERVAL
    need &= model.steps - st.last_pitch[active] >= C.RETRY_COOLDOWN
    return active[need]


def step(model) -> None:
    model.quarter.private_round_rows = []
    rows = seekers(model)
    if rows.size == 0:
        return
    rng = model.rngs["funding"]
    rows = rng.permutation(rows)
    table = _fund_table(model)
    index = _pool_index(model, table)
    pools = _pools(model, table, index)
    draws = predraw(model, rows, pools, rng)
    # A seeker no candidate can accept and that never raised (so no fund can follow on) is
    # rejected without a try: exactly what try_round would conclude, with no draw skipped.
    go = draws[5] | (model.st.raised[rows] > 0)
    model.st.last_pitch[rows[~go]] = model.steps
    keep = go.nonzero()[0]
    if K.ENABLED:
        walk(model, rows[keep], tuple(a[keep] for a in draws), table, rng, index)
        return
    followers = _followers(model, table)
    per_row = zip(*(a[keep].tolist() for a in draws))
    for row, draw in zip(rows[keep].tolist(), per_row):
        try_round(model, row, pools, rng, draw, followers)


def walk(model, rows: np.ndarray, draws: tuple, table: tuple, rng: np.random.Generator,
         index: dict | None = None) -> None:
    """:func:`try_round` for every seeker in ``rows`` (in that order, ``draws`` their
    :func:`predraw` randomness), as one compiled kernel (:func:`abm.kernels.funding_walk`)
    over the quarter's fund table ``table`` (:func:`_fund_table`; ``index``: its
    :func:`_pool_index`, computed here if omitted); then the rounds that
    closed are priced and booked (:func:`close`) in the seekers' order, and the others start
    their cooldown. The walk changes nothing the booking reads but the funds' dry powder,
    which the kernel follows as rounds close, so the result is :func:`try_round`'s."""
    st = model.st
    live, col = table
    if rows.size == 0:
        return
    if not live:  # no fund: every pitch fails (and draws nothing)
        st.last_pitch[rows] = model.steps
        return
    size_noise, pitch, gov_draw, picks, readings, hope, maybe, stage = draws
    # the funds on each seeker's cap table that may follow on, in cap-table order: every
    # holder of every seeker that raised in one list, matched against the followers' ids at
    # once (a fund joins a cap table only in a round, which adds to ``raised``: a seeker that
    # never raised has no fund to follow on, and its holders are not read)
    hold_ptr = np.zeros(rows.size + 1, dtype=np.int64)
    follows = col["follows"].nonzero()[0]
    if follows.size:
        startups = model.startups
        # read the cap tables in row order (the startups' objects lie roughly in creation
        # order in memory), then put the holders back in the seekers' order
        by_row = np.argsort(rows, kind="stable")
        raised_before = st.raised[rows[by_row]] > 0
        caps = [startups[row].cap_table if r else _NO_HOLDERS
                for row, r in zip(rows[by_row].tolist(), raised_before.tolist())]
        sizes = [len(cap) for cap in caps]
        total = sum(sizes)
        uid = np.fromiter([live[j].unique_id for j in follows.tolist()], np.int64, follows.size)
        order = np.argsort(uid)
        uid, follows = uid[order], follows[order]
        held = np.fromiter(chain.from_iterable(caps), np.int64, total)
        at = np.minimum(np.searchsorted(uid, held), uid.size - 1)
        hit = uid[at] == held                               # holders that may follow on
        seeker = by_row[np.repeat(np.arange(rows.size), sizes)[hit]]
        back = np.argsort(seeker, kind="stable")            # seekers' order, cap-table order
        hold_fund = follows[at[hit]].astype(np.int64)[back]
        hold_frac = np.fromiter(chain.from_iterable([cap.values() for cap in caps]), np.float64,
                                total)[hit][back]
        np.cumsum(np.bincount(seeker, minlength=rows.size), out=hold_ptr[1:])
    else:
        hold_fund, hold_frac = np.zeros(0, dtype=np.int64), np.zeros(0)
    pool = _pool_index(model, table) if index is None else index
    pool_ptr = np.zeros(C.GROWTH + 2, dtype=np.int64)
    for s in range(1, C.GROWTH + 1):
        pool_ptr[s + 1] = pool_ptr[s] + pool[s].size
    pool_fund = np.concatenate([pool[s] for s in range(1, C.GROWTH + 1)]).astype(np.int64)
    inc = model.inc
    closed, lead, signal, raised, com_ptr, com_fund, com_amount = K.funding_walk(
        rng, rows, stage, size_noise, pitch, gov_draw, picks, readings, hope, maybe,
        hold_ptr, hold_fund, hold_frac,
        col["cash"].copy(), col["size"], col["vintage"], col["kind"], col["noise"],
        col["parent"], pool_ptr, pool_fund, st.sector, st.disruptive, st.partner, inc.sector,
        inc.group, np.array(C.ROUND_SIZE, dtype=np.float64),
        np.array(C.SCREEN_BAR, dtype=np.float64), model.steps, K.walk_constants(model.p))
    st.last_pitch[rows[~closed]] = model.steps
    done = closed.nonzero()[0]
    if not done.size:
        return
    funds, amounts = com_fund.tolist(), com_amount.tolist()
    commits = [[(live[j], x) for j, x in zip(funds[a:b], amounts[a:b])]
               for a, b in zip(com_ptr[done].tolist(), com_ptr[done + 1].tolist())]
    book(model, rows[done], stage[done], signal[done].tolist(), commits,
         [live[j] for j in lead[done].tolist()], raised[done].tolist())


def predraw(model, rows: np.ndarray, pools, rng: np.random.Generator
            ) -> tuple[np.ndarray, ...]:
    """The pitch randomness of every seeker in ``rows`` (in that order), drawn as arrays.

    Returns arrays ``(size_noise, pitch, gov_draw, picks, readings, hope, maybe, stage)``,
    one entry per row: the uniform scaling the round target, what investors see (merit plus
    the common pitch noise), the uniform deciding whether a government fund may lead, the
    indices of the candidate funds in the stage's pool, each candidate's reading noise,
    whether any candidate could accept at the start-of-quarter bars (``False``: all
    candidates will reject), per candidate, whether it could (``False``: it will reject),
    and the round's target stage.
    """
    st = model.st
    k = rows.size
    size_noise = rng.random(k)
    pitch_noise = rng.standard_normal(k)
    gov_draw = rng.random(k)
    pick_u = rng.random((k, C.CANDIDATES))
    readings = rng.standard_normal((k, C.CANDIDATES))
    stage = np.minimum(st.stage[rows].astype(np.int64) + 1, C.GROWTH)
    pitch = merit(model, rows, stage) + C.PITCH_NOISE * pitch_noise
    picks = np.full((k, C.CANDIDATES), -1, dtype=np.int64)
    maybe = np.zeros((k, C.CANDIDATES), dtype=bool)
    for s in np.bincount(stage, minlength=C.GROWTH + 1).nonzero()[0].tolist():
        funds, cum, noise, ease = pools.get(s, _NO_POOL)
        if not funds:
            continue
        sel = (stage == s).nonzero()[0]
        idx = np.minimum(np.searchsorted(cum, pick_u[sel] * cum[-1], side="right"),
                         len(funds) - 1)
        picks[sel] = idx
        best = pitch[sel, None] + noise[idx] * readings[sel] + ease[idx]
        maybe[sel] = best > C.SCREEN_BAR[s] - C.SCREEN_MARGIN
    hope = maybe.any(axis=1)
    return size_noise, pitch, gov_draw, picks, readings, hope, maybe, stage


def try_round(model, row: int, pools, rng: np.random.Generator, draw: tuple | None = None,
              followers: dict | None = None) -> bool:
    """Run one startup's attempt to raise; returns whether a round closed.

    ``draw`` is this seeker's pitch randomness from :func:`predraw` (drawn here if omitted);
    ``followers`` is :func:`_followers` (computed here if omitted).
    A failed attempt starts the ``RETRY_COOLDOWN``.
    """
    p, st = model.p, model.st
    if draw is None:
        draw = tuple(a[0].tolist() for a in predraw(model, np.array([row]), pools, rng))
    size_noise, m, gov_draw, picks, readings, hope, maybe, stage = draw
    startup = model.startups[row]
    target = (C.ROUND_SIZE[stage] * p.round_size_multiplier
              * (C.ROUND_SIZE_LOW + C.ROUND_SIZE_SPREAD * size_noise))
    # m is the pitch: what every investor sees this round (a common read of merit) ...
    commits: dict = {}
    if followers is None:
        followers = _followers(model)
    depth, edge, draw_u = p.followon_depth, m + C.INSIDER_EDGE, rng.random
    committed = 0.0  # sum(commits.values()), added up in the same order
    table = startup.cap_table
    if not followers.keys().isdisjoint(table):  # (no draw is made for other holders)
        for holder, frac in table.items():
            fund = followers.get(holder)
            if fund is not None and draw_u() < depth and fund.screen(edge, row, rng, stage):
                amount = min(frac * target, fund.cash, C.MAX_CHECK_SHARE * fund.size)
                if amount > C.MIN_CHECK:
                    commits[fund] = amount
                    committed += amount
    lead = None
    gov_may_lead = gov_draw >= p.gov_coinvest_required
    funds = pools.get(stage, _NO_POOL)[0]
    if funds and hope:
        seen = set()
        for i, z, could in zip(picks, readings, maybe):
            fund = funds[i]
            if fund in seen or fund in commits or fund.cash <= 0:
                continue
            seen.add(fund)
            if fund.kind == "government" and lead is None and not gov_may_lead:
                continue
            if not could or not fund.screen(m, row, rng, stage, z):
                continue
            remaining = target - committed
            if remaining <= C.MIN_CHECK:
                break
            want = C.LEAD_SHARE * target if lead is None else remaining
            amount = min(want, remaining, fund.cash, C.MAX_CHECK_SHARE * fund.size)
            if amount <= C.MIN_CHECK:
                continue
            commits[fund] = amount
            committed += amount
            if lead is None:
                lead = fund
    raised = committed
    if raised < C.MIN_RAISE * target or (lead is None and not commits):
        st.last_pitch[row] = model.steps
        return False
    if lead is None:  # insiders only
        lead = max(commits, key=commits.get)
    close(model, row, stage, commits, lead, lead.signal, raised)
    return True


def close(model, row: int, stage: int, commits: dict, lead, signal: float,
          raised: float) -> None:
    """A round that closed: the lead prices it from its own reading ``signal``
    (:func:`price`), a priced round after the burn-in is counted as down or flat against the
    previous post-money (:func:`_tally`), and :func:`close_round` books it. (:func:`book` does
    this for all the rounds of a quarter at once.)"""
    st = model.st
    pre = price(model, row, stage, signal)
    if st.raised[row] > 0 and model.steps > model.burn_in:  # a priced round with a previous post
        _tally(model, [float(st.valuation[row])], [pre])
    close_round(model, model.startups[row], stage, pre, commits, lead, raised)


def _tally(model, previous: list, pres: list) -> None:
    """Count priced rounds at pre-money ``pres[i]`` against the previous post-money
    ``previous[i]``: down (below by more than ``FLAT_ROUND_BAND``) or flat (within it)."""
    counts = model.counts
    for prev, pre in zip(previous, pres):
        counts["priced_rounds"] += 1
        if pre < prev * (1.0 - C.FLAT_ROUND_BAND):
            counts["down_rounds"] += 1
        elif pre <= prev * (1.0 + C.FLAT_ROUND_BAND):
            counts["flat_rounds"] += 1


def book(model, rows: np.ndarray, stages: np.ndarray, signals: list, commits: list,
         leads: list, raised: list) -> None:
    """The rounds that closed this quarter, in the seekers' order: round ``i`` of startup
    ``rows[i]`` (distinct rows) at target stage ``stages[i]`` raises ``raised[i]`` from
    ``commits[i]`` (``(fund, amount)`` pairs in commitment order), led by ``leads[i]`` on its
    reading ``signals[i]``. Each is priced (:func:`price`; a priced round after the burn-in is
    counted as down or flat against the previous post-money, :func:`_tally`) and booked as
    :func:`close_round` books it (:func:`_book`), i.e. exactly :func:`close` round by round.
    A round reads and writes only its own startup's columns, so the columns are read for all
    rounds at once before and written at once after."""
    st = model.st
    heat, rsm = model.ipo_heat, model.p.round_size_multiplier
    before = st.raised[rows]
    pres = [_pre_money(s, x, r, v, rev, lr, lra, rsm, heat) for s, x, r, v, rev, lr, lra in zip(
        stages.tolist(), signals, before.tolist(), st.valuation[rows].tolist(),
        st.revenue[rows].tolist(), st.lrev[rows].tolist(), st.lrev_at_round[rows].tolist())]
    if model.steps > model.burn_in:  # priced rounds with a previous post: down or flat?
        again = before > 0
        _tally(model, st.valuation[rows[again]].tolist(),
               [x for x, a in zip(pres, again.tolist()) if a])
    startups = model.startups
    _book(model, [startups[row] for row in rows.tolist()], rows, stages, pres, commits, leads,
          raised)


def _pre_money(stage: int, signal: float, raised: float, valuation: float, revenue: float,
               lrev: float, lrev_at_round: float, rsm: float, heat) -> float:
    """:func:`price` from the startup's column values (``raised``, ``valuation``,
    ``revenue``, ``lrev``, ``lrev_at_round``), ``rsm`` the round-size multiplier and
    ``heat`` the model's ``ipo_heat``."""
    excess = max(signal - C.SCREEN_BAR[stage], C.EXCESS_LOW)  # no upper limit (ODD 7.16)
    log_pre = math.log(C.PRE_MONEY[stage] * rsm) + C.VALUATION_ELASTICITY * excess
    if raised > 0 and valuation > 0:  # anchored on the traction-moved last price
        w = C.ROUND_ANCHOR_WEIGHT
        log_pre = (1.0 - w) * log_pre + w * math.log(mark_of(valuation, lrev, lrev_at_round))
    pre = math.exp(log_pre + C.ROUND_MARKET_ELASTICITY * heat)
    return max(pre, C.REVENUE_MULTIPLE_FLOOR * C.STEPS_PER_YEAR * revenue)


def price(model, row: int, stage: int, signal: float) -> float:
    """Pre-money the lead sets from its own reading ``signal`` of the pitch (traction is in
    the merit it reads) and the public market (``ipo_heat``): ``PRE_MONEY[stage] x
    round_size_multiplier x exp(VALUATION_ELASTICITY x max(signal - SCREEN_BAR[stage],
    EXCESS_LOW) + ROUND_MARKET_ELASTICITY x ipo_heat)``, at least
    ``REVENUE_MULTIPLE_FLOOR`` x annual revenue. A startup that raised before is also priced
    on its last post-money moved with traction since (:func:`abm.mechanisms.funds.mark`): the
    log pre-money is ``(1 - ROUND_ANCHOR_WEIGHT)`` x the stage price's log plus
    ``ROUND_ANCHOR_WEIGHT`` x the mark's log (before the market term). Nothing floors it at the
    previous post-money: down and flat rounds happen when traction, the lead's reading or the
    market is weaker than at the last round."""
    st = model.st
    return _pre_money(stage, signal, float(st.raised[row]), float(st.valuation[row]),
                      float(st.revenue[row]), float(st.lrev[row]), float(st.lrev_at_round[row]),
                      model.p.round_size_multiplier, model.ipo_heat)


_NO_POOL: tuple[list, np.ndarray, np.ndarray, np.ndarray] = ([], np.zeros(0), np.zeros(0),
                                                            np.zeros(0))
_NO_HOLDERS: dict = {}
"""The cap table :func:`walk` reads for a seeker that never raised (no fund can hold it)."""
_REF_LREV = np.array(C.REF_LREV)
_STAGE_TITLES = [name.replace("_", " ").title() for name in C.STAGES]
_VC_STAT = {kind: f"vc_{kind}" for kind in ("independent", "corporate", "government")}


def close_round(model, startup, stage: int, pre: float, commits: dict, lead,
                raised: float | None = None) -> None:
    """Issue shares, move the money, record the round and its edges (``raised`` is
    ``sum(commits.values())``, computed here if omitted)."""
    if raised is None:
        raised = sum(commits.values())
    _book(model, [startup], np.array([startup.row]), np.array([stage]), [pre],
          [list(commits.items())], [lead], [raised])


def _book(model, startups: list, rows: np.ndarray, stages: np.ndarray, pres: list,
          commits: list, leads: list, raised: list) -> None:
    """:func:`close_round` for each round in turn (``startups[i]`` at row ``rows[i]``, the
    rows distinct; ``commits[i]`` its ``(fund, amount)`` pairs in order): the cap table
    diluted, each fund's cash, invested capital, LP call, portfolio and the VC statistics in
    commitment order, the round records; the startups' columns written at once after, and the
    investment ties of all rounds added at once after (in the same order)."""
    st, now, stats = model.st, model.steps, model.stats
    call, vc_stat, log = fund_call, _VC_STAT, model.rounds.append
    private = model.quarter.private_round_rows
    events = model.record_events
    ties_a: list[int] = []
    ties_b: list[int] = []
    posts = []
    for startup, row, stage, pre, pairs, lead, money in zip(
            startups, rows.tolist(), stages.tolist(), pres, commits, leads, raised):
        startup.dilute(pre, {f.unique_id: a for f, a in pairs})
        uid = startup.unique_id
        corporate = government = independent = False
        for fund, amount in pairs:
            fund.cash -= amount
            fund.invested += amount
            call(model, fund, amount)
            portfolio = fund.portfolio
            portfolio[row] = portfolio.get(row, 0.0) + amount
            kind = fund.kind
            if kind == "corporate":
                corporate = True
            elif kind == "government":
                government = True
            elif kind == "independent":
                independent = True
            stats[vc_stat[kind]] += amount
            ties_a.append(fund.unique_id)
            ties_b.append(uid)
        post = pre + money
        posts.append(post)
        log((now, stage, money, corporate, government, independent))
        if lead.kind != "government":
            private.append(row)
        if stage >= 2 and events:
            model.event("round", "Fund {} ({}) led a {} of {:.1f} M in Startup {} at {:.0f} M "
                        "post-money", lead.unique_id, lead.kind, _STAGE_TITLES[stage], money,
                        uid, post)
    stats["rounds"] += len(pres)
    money = np.array(raised, dtype=np.float64)
    st.cash[rows] += money
    st.stage[rows] = stages
    post = np.array(posts, dtype=np.float64)
    st.valuation[rows] = post
    st.lrev_at_round[rows] = st.lrev[rows]
    st.last_round[rows] = now
    st.raised[rows] += money
    new = rows[(post >= C.UNICORN) & (st.unicorn_step[rows] < 0)]
    st.unicorn_step[new] = now
    model.net.link_pairs(ties_a, ties_b, "investment", now)
