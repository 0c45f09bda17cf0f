"""Funding rounds: screening, valuation, syndication, follow-ons.

A private startup seeks a round when its cash covers fewer than ``RUNWAY_TRIGGER`` quarters of
net burn (at most one round every two quarters), and in any case ``ROUND_INTERVAL`` quarters
after its last round (to grow, not only to survive). The round targets the typical size of the
next stage (times ``round_size_multiplier``, with +-40% noise):

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
3. the round closes if at least ``MIN_RAISE`` of the target is committed. Pre-money is the
   stage's typical valuation scaled by how far merit clears the bar, and at least three
   times annual revenue; every holder is diluted in proportion.

Matching is by sampling from per-stage pools, never by comparing all funds with all startups.
"""

from __future__ import annotations

import math

import numpy as np

from .. import constants as C


def _pools(model) -> dict[int, tuple[list, np.ndarray]]:
    """Investing funds per target stage with cumulative dry-powder weights."""
    rsm = model.p.round_size_multiplier
    investing = [f for f in model.funds if f.investing() and f.cash > 0]
    pools = {}
    for stage in range(1, C.GROWTH + 1):
        floor = 0.05 * C.ROUND_SIZE[stage] * rsm
        funds = [f for f in investing
                 if f.stage_min <= stage <= f.stage_max and f.cash >= floor]
        weights = np.cumsum([f.cash for f in funds]) if funds else np.zeros(0)
        pools[stage] = (funds, weights)
    return pools


def merit(model, row: int, stage: int) -> float:
    """What a perfectly informed investor would read: log quality + traction vs the stage."""
    st = model.st
    return math.log(st.quality[row]) + 0.3 * (st.lrev[row] - C.REF_LREV[stage])


def seekers(model) -> np.ndarray:
    """Rows of startups that look for money this quarter."""
    st = model.st
    n = st.n
    active = np.flatnonzero(st.status[:n] == C.ACTIVE)
    if active.size == 0:
        return active
    from .operations import unit_cost

    net = st.headcount[active] * unit_cost(model) - st.revenue[active] * C.GROSS_MARGIN
    since = model.steps - st.last_round[active]
    need = ((net > 0) & (st.cash[active] < C.RUNWAY_TRIGGER * net)
            & ((since >= 2) | (st.stage[active] == 0)))
    need |= since >= C.ROUND_INTERVAL
    return active[need]


def step(model) -> None:
    model.private_round_rows = []
    rows = seekers(model)
    if rows.size == 0:
        return
    rng = model.rngs["funding"]
    rows = rng.permutation(rows)
    pools = _pools(model)
    for row in rows:
        try_round(model, int(row), pools, rng)


def try_round(model, row: int, pools, rng: np.random.Generator) -> bool:
    """Run one startup's attempt to raise; returns whether a round closed."""
    p, st = model.p, model.st
    startup = model.startups[row]
    stage = min(int(st.stage[row]) + 1, C.GROWTH)
    target = C.ROUND_SIZE[stage] * p.round_size_multiplier * (0.6 + 0.8 * rng.random())
    # the pitch: what every investor sees this round (a common read of merit) ...
    m = merit(model, row, stage) + C.PITCH_NOISE * rng.standard_normal()
    commits: dict = {}
    for holder, frac in startup.cap_table.items():
        fund = model.fund_by_uid.get(holder)
        if (fund is not None and fund.can_follow_on() and rng.random() < p.followon_depth
                and fund.screen(m + C.INSIDER_EDGE, row, rng, stage)):
            amount = min(frac * target, fund.cash, fund.max_check)
            if amount > 0.005:
                commits[fund] = amount
    lead = None
    gov_may_lead = rng.random() >= p.gov_coinvest_required
    funds, cum = pools.get(stage, ([], np.zeros(0)))
    if funds:
        picks = np.searchsorted(cum, rng.random(C.CANDIDATES) * cum[-1], side="right")
        seen = set()
        for i in picks:
            fund = funds[min(int(i), len(funds) - 1)]
            if fund in seen or fund in commits or fund.cash <= 0:
                continue
            seen.add(fund)
            if fund.kind == "government" and lead is None and not gov_may_lead:
                continue
            if not fund.screen(m, row, rng, stage):
                continue
            remaining = target - sum(commits.values())
            if remaining <= 0.005:
                break
            want = C.LEAD_SHARE * target if lead is None else remaining
            amount = min(want, remaining, fund.cash, fund.max_check)
            if amount <= 0.005:
                continue
            commits[fund] = amount
            if lead is None:
                lead = fund
    raised = sum(commits.values())
    if raised < C.MIN_RAISE * target or (lead is None and not commits):
        return False
    if lead is None:  # insiders only
        lead = max(commits, key=commits.get)
    excess = float(np.clip(m - C.SCREEN_BAR[stage], -1.5, 2.5))
    pre = C.PRE_MONEY[stage] * p.round_size_multiplier * math.exp(0.5 * excess)
    pre = max(pre, 3.0 * C.STEPS_PER_YEAR * st.revenue[row])
    close_round(model, startup, stage, pre, commits, lead)
    return True


def close_round(model, startup, stage: int, pre: float, commits: dict, lead) -> None:
    """Issue shares, move the money, record the round and its edges."""
    st, row = model.st, startup.row
    raised = sum(commits.values())
    startup.dilute(pre, {f.unique_id: a for f, a in commits.items()})
    kinds = set()
    for fund, amount in commits.items():
        fund.cash -= amount
        fund.invested += amount
        fund.portfolio[row] = fund.portfolio.get(row, 0.0) + amount
        kinds.add(fund.kind)
        model.stats[f"vc_{fund.kind}"] += amount
        model.link(fund.unique_id, startup.unique_id, "investment", amount=amount, stage=stage)
    st.cash[row] += raised
    st.stage[row] = stage
    post = pre + raised
    st.valuation[row] = post
    st.lrev_at_round[row] = st.lrev[row]
    st.last_round[row] = model.steps
    st.raised[row] += raised
    if post >= C.UNICORN and st.unicorn_step[row] < 0:
        st.unicorn_step[row] = model.steps
    model.rounds.append((model.steps, stage, raised, "corporate" in kinds,
                         "government" in kinds, "independent" in kinds))
    model.stats["rounds"] += 1
    if lead.kind != "government":
        model.private_round_rows.append(row)
    if stage >= 2:
        model.event("round", f"Fund {lead.unique_id} ({lead.kind}) led a "
                    f"{C.STAGES[stage].replace('_', ' ').title()} of {raised:.1f} M in "
                    f"Startup {startup.unique_id} at {post:.0f} M post-money")
