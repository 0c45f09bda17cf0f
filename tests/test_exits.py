"""Unit tests of each mechanism on small hand-built situations (see tests/builders.py).

Numbers below are set up by the tests themselves; expected values are derived from the model's
documented rules and its structural constants (``abm.constants``), never from calibrated output.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from abm import constants as C
from abm.mechanisms import (exits, founding, funding, funds, incumbents, labor, operations,
                            partnerships, policy)

import builders as B


def _approx(x, rel=1e-12, abs_=1e-12):
    return pytest.approx(x, rel=rel, abs=abs_)


# -- acquisitions -----------------------------------------------------------------------------
def _acquisition_situation(mode_seed: int = 1, **overrides):
    """A startup owned by two founders, an independent fund, a CVC and the option pool."""
    m = B.make_model(seed=mode_seed, step=30, **overrides)
    buyer = B.add_incumbent(m, sector=0, revenue=1000.0, cash=800.0, headcount=5000)
    parent = B.add_incumbent(m, sector=1, revenue=1000.0, cash=800.0, headcount=5000)
    cvc = B.add_fund(m, "corporate", size=50.0, parent=parent)
    vc = B.add_fund(m, "independent", size=50.0)
    s = B.add_startup(m, sector=0, cash=0.0, headcount=10, stage=1, revenue=2.0, quality=3.0)
    B.invest(m, s, {vc: 3.0, cvc: 1.0}, pre=16.0)
    return m, buyer, cvc, vc, s


@pytest.mark.parametrize("mode", ["integrate", "acquihire", "shelve"])
def test_acquisition_pays_the_cap_table_exactly(mode):
    m, buyer, cvc, vc, s = _acquisition_situation()
    st, inc, row = m.st, m.inc, s.row
    table = dict(s.cap_table)
    founders = list(s.founders)
    # a round at 16 pre, 4 raised: everyone diluted by 0.8
    assert table[vc.unique_id] == _approx(3.0 / 20.0)
    assert table[cvc.unique_id] == _approx(1.0 / 20.0)
    for f in founders:
        assert table[f.unique_id] == _approx((1 - C.ESOP) / 2 * 0.8)
    price = 120.0
    cash_before = float(inc.cash[buyer.row])
    startup_cash = float(st.cash[row])
    rev_before, hc_before = float(inc.revenue[buyer.row]), int(inc.headcount[buyer.row])
    people, startup_rev = int(st.headcount[row]), float(st.revenue[row])
    cvc_cash = cvc.cash
    idle_before = m.idle
    lp_before, emp_before = B.sunk(m, "lp_distributions"), B.sunk(m, "employees")
    work_before = labor.workforce(m)

    exits.acquire(m, s, buyer.row, price, mode)

    for f in founders:
        assert f.wealth == _approx(table[f.unique_id] * price)
        assert f in m.founder_pool and f.startup == -1 and f.exited == 1 and not f.last_failed
    # the independent fund passes its share on to LPs, the CVC recycles it
    assert vc.distributed == _approx(table[vc.unique_id] * price)
    assert B.sunk(m, "lp_distributions") - lp_before == _approx(table[vc.unique_id] * price)
    assert cvc.distributed == _approx(table[cvc.unique_id] * price)
    assert cvc.cash - cvc_cash == _approx(table[cvc.unique_id] * price)
    assert row not in vc.portfolio and row not in cvc.portfolio
    realised = [(cost, proceeds) for (t, cost, proceeds) in m.deals if t == m.steps]
    assert sorted(realised) == sorted([(3.0, _approx(table[vc.unique_id] * price)),
                                       (1.0, _approx(table[cvc.unique_id] * price))])
    # the option pool residual goes to employees
    residual = 1.0 - sum(table.values())
    assert residual == _approx(C.ESOP * 0.8)
    assert B.sunk(m, "employees") - emp_before == _approx(residual * price)
    # the buyer pays the price and takes over the startup's cash
    assert inc.cash[buyer.row] == _approx(cash_before - price + startup_cash)
    assert st.cash[row] == 0.0
    # the firm is gone
    assert st.status[row] == C.ACQUIRED and st.exit_step[row] == m.steps
    assert st.acquirer[row] == buyer.row and st.exit_value[row] == price
    assert row not in m.startups
    assert m.graph.has_edge(buyer.unique_id, s.unique_id, key="acquisition")
    assert st.headcount[row] == 0 and st.revenue[row] == 0.0
    # what moves depends on the mode
    if mode == "integrate":
        assert inc.revenue[buyer.row] == _approx(rev_before + startup_rev)
        assert inc.headcount[buyer.row] == hc_before + people
        assert m.idle == idle_before
    elif mode == "acquihire":
        assert inc.revenue[buyer.row] == rev_before
        assert inc.headcount[buyer.row] == hc_before + people
        assert m.counts["acquihires"] == 1
    else:
        assert inc.revenue[buyer.row] == rev_before
        assert inc.headcount[buyer.row] == hc_before + people // 2
        assert m.idle == idle_before + people - people // 2
        assert m.counts["shelved"] == 1
    assert labor.workforce(m) == work_before
    B.assert_money_conserved(m)


def test_acquisition_pays_outside_holders_of_a_closed_fund():
    m, buyer, cvc, vc, s = _acquisition_situation()
    frac = s.cap_table[vc.unique_id]
    B.at_step(m, vc.vintage + C.FUND_LIFE)
    funds.close(m, vc)
    assert vc.unique_id not in s.cap_table
    assert s.cap_table[C.SECONDARY] == _approx(frac)
    before = B.sunk(m, "outside_shareholders")
    exits.acquire(m, s, buyer.row, 100.0, "integrate")
    assert B.sunk(m, "outside_shareholders") - before == _approx(frac * 100.0)
    B.assert_money_conserved(m)


def test_acquisition_tax_refund_only_after_plan_start():
    start = 12
    prices, changes, refunds = [], [], []
    for step in (start - 1, start):
        m, buyer, cvc, vc, s = _acquisition_situation(
            plan_start_step=start, plan_ma_tax_incentive=0.25, ma_tax_incentive=0.0)
        B.at_step(m, step)
        before = float(m.inc.cash[buyer.row]) + float(m.st.cash[s.row])
        price = 100.0
        exits.acquire(m, s, buyer.row, price, "integrate")
        prices.append(price)
        changes.append(float(m.inc.cash[buyer.row]) - before)
        refunds.append(m.ministry.spent["tax_incentive"])
        B.assert_money_conserved(m)
        if step < start:
            assert B.minted(m, "tax_expenditure") == 0.0
    assert changes[0] == _approx(-prices[0])
    assert refunds[0] == 0.0
    assert changes[1] == _approx(-prices[1] * (1 - 0.25))
    assert refunds[1] == _approx(0.25 * prices[1])


def test_acquisition_hazard_buyers_are_same_sector_incumbents_that_can_pay():
    m = B.make_model(seed=3, step=30, ma_market_depth=3.0, acquisition_appetite=1.0)
    rich = B.add_incumbent(m, sector=0, revenue=1000.0, cash=5000.0)
    B.add_incumbent(m, sector=0, revenue=1000.0, cash=0.0)          # cannot pay
    B.add_incumbent(m, sector=1, revenue=1000.0, cash=5000.0)       # wrong sector
    for _ in range(300):
        B.add_startup(m, sector=0, stage=2, revenue=1.0, headcount=10, cash=1.0)
    for _ in range(20):
        exits.acquisitions(m)
    bought = np.flatnonzero(m.st.status[: m.st.n] == C.ACQUIRED)
    assert bought.size > 0
    assert set(m.st.acquirer[bought].tolist()) == {rich.row}
    B.assert_money_conserved(m)


# -- failure ----------------------------------------------------------------------------------
def test_startup_without_cash_and_round_fails():
    m = B.make_model(seed=2, step=30, followon_depth=0.0)
    old = B.add_fund(m, size=50.0, vintage=30 - (C.FUND_LIFE - 2))  # can no longer invest
    s = B.add_startup(m, sector=0, cash=0.0, headcount=5, stage=1, quality=2.0)
    ok = B.add_startup(m, sector=0, cash=50.0, headcount=2, stage=1)
    # the old fund invested 1.0 long ago; the money has since been spent
    B.at_step(m, 20)
    B.invest(m, s, {old: 1.0}, pre=9.0)
    m.ledger.sink("test_spent", float(m.st.cash[s.row]))
    m.st.cash[s.row] = 0.0
    B.at_step(m, 30)
    m.st.last_round[[s.row, ok.row]] = 30
    founders = list(s.founders)
    row, uid = s.row, s.unique_id
    assert not old.investing() and not old.can_follow_on()
    idle_before, work_before = m.idle, labor.workforce(m)

    operations.step(m)
    assert row in m.insolvent.tolist() and ok.row not in m.insolvent.tolist()
    hc = int(m.st.headcount[row])
    idle_mid = m.idle
    funding.step(m)
    exits.failures(m)

    st = m.st
    assert st.status[row] == C.FAILED and st.exit_step[row] == 30
    assert st.status[ok.row] == C.ACTIVE
    assert st.headcount[row] == 0 and st.revenue[row] == 0.0 and st.cash[row] == 0.0
    assert m.idle == idle_mid + hc
    assert (30, 1.0, 0.0) in m.deals and row not in old.portfolio
    assert not m.graph.has_node(uid)
    assert row not in m.startups
    for f in founders:
        assert f in m.founder_pool and f.last_failed and f.failed == 1 and f.startup == -1
    assert m.stats["failed"] == 1
    assert idle_before <= m.idle
    assert labor.workforce(m) == work_before
    B.assert_money_conserved(m)


def test_insolvent_startup_rescued_by_money_this_step_survives():
    m = B.make_model(seed=2, step=30)
    s = B.add_startup(m, cash=0.0, headcount=3)
    m.insolvent = np.array([s.row])
    m.st.cash[s.row] = B.mint(m, 1.0)  # e.g. a grant arrived
    exits.failures(m)
    assert m.st.status[s.row] == C.ACTIVE


def test_fail_gives_leftover_cash_to_creditors():
    m = B.make_model(seed=2, step=30)
    s = B.add_startup(m, cash=2.5, headcount=3)
    exits.fail(m, s)
    assert B.sunk(m, "creditors") == _approx(2.5)
    B.assert_money_conserved(m)


# -- policy -----------------------------------------------------------------------------------
def test_scheduled_plan_instruments_start_at_plan_start_step():
    m = B.make_model("japan_2027_plan", seed=1)
    p, mi = m.p, m.ministry
    start = p.plan_start_step
    assert p.plan_founding_boost > 1 and p.plan_ma_tax_incentive > 0
    B.at_step(m, start - 1)
    assert not mi.plan_active()
    assert mi.instrument("founding_boost") == 1.0
    assert mi.instrument("grant_budget") == p.grant_budget
    assert mi.instrument("lp_capital_per_year") == p.lp_capital_per_year
    assert mi.instrument("ma_tax_incentive") == p.ma_tax_incentive
    B.at_step(m, start)
    assert mi.plan_active()
    assert mi.instrument("founding_boost") == p.plan_founding_boost
    assert mi.instrument("grant_budget") == p.grant_budget + p.plan_grant_budget
    assert mi.instrument("lp_capital_per_year") == (p.lp_capital_per_year
                                                    + p.plan_lp_capital_per_year)
    assert mi.instrument("ma_tax_incentive") == p.plan_ma_tax_incentive
    for name in ("gov_vc_budget", "procurement_budget", "matching_programme", "labor_reform"):
        assert mi.instrument(name) == p[name]
    with pytest.raises(KeyError):
        mi.instrument("helicopter_money")


def test_yearly_appropriation_returns_unspent_money_and_includes_the_plan():
    m = B.make_model("japan_2027_plan", seed=1, scale=0.5)
    p = m.p
    start = p.plan_start_step
    year_before = B.year_start(m, start - C.STEPS_PER_YEAR)
    assert year_before < start
    policy.appropriate(m)
    base = (p.grant_budget + p.gov_vc_budget + p.procurement_budget) * p.scale
    assert m.ministry.cash == _approx(base)
    B.mid_year(m, year_before)  # not a year start: nothing happens
    policy.appropriate(m)
    assert m.ministry.cash == _approx(base)
    B.year_start(m, year_before + 1)
    assert m.ministry.plan_active()
    policy.appropriate(m)
    assert B.sunk(m, "treasury") == _approx(base)
    assert m.ministry.cash == _approx(base + p.plan_grant_budget * p.scale)
    B.assert_money_conserved(m)


def test_plan_founding_boost_multiplies_founding():
    start = 20
    m = B.make_model(seed=4, plan_start_step=start, plan_founding_boost=4.0,
                     uni_spinoff_rate=20.0)
    for _ in range(5):
        m.add_university(C.UNIVERSITY_BUDGET / C.STEPS_PER_YEAR)
    counts = []
    for steps in (range(start - 10, start), range(start, start + 10)):
        n0 = m.st.n
        for t in steps:
            B.at_step(m, t)
            founding.step(m)
        counts.append(m.st.n - n0)
    assert counts[0] > 50
    assert 2.5 < counts[1] / counts[0] < 6.0, counts


def test_conditional_grants_go_only_to_startups_with_a_private_round():
    m = B.make_model(seed=5, grant_budget=400.0, grant_size=1.0,
                     grant_requires_private=1.0, procurement_budget=0.0, gov_vc_budget=0.0)
    B.year_start(m)
    policy.appropriate(m)
    assert m.ministry.cash > 0
    rows = [B.add_startup(m, stage=1, cash=1.0).row for _ in range(12)]
    late = B.add_startup(m, stage=3, cash=1.0).row
    m.private_round_rows = rows[:4] + [late]
    cash = m.ministry.cash
    policy.grants_and_procurement(m)
    got = {r for r in rows + [late] if m.st.grants[r] > 0}
    assert got == set(rows[:4])
    assert m.ministry.cash == _approx(cash - 4 * m.p.grant_size)
    for r in got:
        assert m.graph.has_edge(m.ministry.unique_id, int(m.st.uid[r]), key="grant")
    B.assert_money_conserved(m)


def test_unconditional_grants_go_to_early_stage_startups():
    m = B.make_model(seed=5, grant_budget=40.0, grant_size=1.0,
                     grant_requires_private=0.0, procurement_budget=0.0, gov_vc_budget=0.0)
    B.year_start(m)
    policy.appropriate(m)
    assert m.ministry.cash > 0
    early = [B.add_startup(m, stage=s % 2, cash=1.0).row for s in range(30)]
    late = [B.add_startup(m, stage=3, cash=1.0).row for _ in range(10)]
    policy.grants_and_procurement(m)
    assert (m.st.grants[late] == 0).all()
    assert 0 < np.count_nonzero(m.st.grants[early]) <= math.ceil(40.0 / 4)
    B.assert_money_conserved(m)


def test_procurement_buys_from_startups():
    m = B.make_model(seed=5, grant_budget=0.0, gov_vc_budget=0.0, procurement_budget=400.0)
    B.year_start(m)
    policy.appropriate(m)
    assert m.ministry.cash > 0
    rows = [B.add_startup(m, stage=1, cash=1.0).row for _ in range(50)]
    rev = m.st.revenue[rows].copy()
    policy.grants_and_procurement(m)
    gained = m.st.revenue[rows] - rev
    assert gained.sum() == _approx(m.ministry.spent["procurement"])
    assert m.ministry.spent["procurement"] > 0
    B.assert_money_conserved(m)


# -- funding rounds ---------------------------------------------------------------------------
def test_round_dilutes_every_holder_in_proportion():
    m = B.make_model(seed=6, step=10)
    f1, f2 = B.add_fund(m, size=100.0), B.add_fund(m, size=100.0)
    s = B.add_startup(m, stage=0, cash=0.5)
    before = dict(s.cap_table)
    B.invest(m, s, {f1: 3.0, f2: 1.0}, pre=16.0, stage=1)
    keep = 16.0 / 20.0
    for holder, frac in before.items():
        assert s.cap_table[holder] == _approx(frac * keep)
    assert s.cap_table[f1.unique_id] == _approx(3.0 / 20.0)
    assert s.cap_table[f2.unique_id] == _approx(1.0 / 20.0)
    assert B.cap_sum(s) <= 1.0 + 1e-12
    assert 1.0 - B.cap_sum(s) == _approx(C.ESOP * keep)
    st = m.st
    assert st.cash[s.row] == _approx(4.5) and st.stage[s.row] == 1
    assert st.valuation[s.row] == _approx(20.0) and st.raised[s.row] == _approx(4.0)
    assert f1.cash == _approx(97.0) and f1.invested == 3.0 and f1.portfolio[s.row] == 3.0
    assert m.graph.has_edge(f1.unique_id, s.unique_id, key="investment")
    assert m.rounds[-1][:3] == (10, 1, 4.0) and m.rounds[-1][5] is True
    assert s.row in m.private_round_rows
    # a second round keeps relative stakes
    ratio = s.cap_table[f1.unique_id] / s.cap_table[f2.unique_id]
    B.invest(m, s, {f2: 10.0}, pre=40.0, stage=2)
    assert s.cap_table[f1.unique_id] == _approx(3.0 / 20.0 * 40.0 / 50.0)
    assert (s.cap_table[f1.unique_id] / (s.cap_table[f2.unique_id] - 10.0 / 50.0)
            == _approx(ratio))
    assert B.cap_sum(s) <= 1.0 + 1e-12
    B.assert_money_conserved(m)


def test_try_round_closes_for_a_strong_startup_and_dilutes_holders():
    m = B.make_model(seed=7, step=10)
    for _ in range(3):
        B.add_fund(m, size=2000.0)
    s = B.add_startup(m, stage=1, quality=1e4, cash=0.1, headcount=4, revenue=0.5)
    before = dict(s.cap_table)
    assert funding.try_round(m, s.row, B.pools(m), m.rngs["funding"])
    st = m.st
    assert st.stage[s.row] == 2
    raised = st.raised[s.row]
    post = st.valuation[s.row]
    keep = (post - raised) / post
    for holder, frac in before.items():
        assert s.cap_table[holder] == _approx(frac * keep)
    assert 0 < raised and B.cap_sum(s) <= 1.0 + 1e-12
    assert all(v > 0 for v in s.cap_table.values())
    B.assert_money_conserved(m)


def test_no_investing_fund_means_no_round():
    m = B.make_model(seed=7, step=10)
    B.add_fund(m, size=2000.0, stage_range=(4, 5))  # only late-stage money
    s = B.add_startup(m, stage=1, quality=1e4, cash=0.1)
    assert not funding.try_round(m, s.row, B.pools(m), m.rngs["funding"])
    assert m.st.stage[s.row] == 1 and not m.rounds


@pytest.mark.parametrize("depth", [0.0, 1.0])
def test_follow_on_by_existing_funds(depth):
    m = B.make_model(seed=8, step=10, followon_depth=depth)
    insider = B.add_fund(m, size=1000.0, vintage=10 - (C.INVEST_PERIOD + 2))
    assert not insider.investing() and insider.can_follow_on()
    B.add_fund(m, size=5000.0)  # a new lead
    hits = 0
    for _ in range(20):
        s = B.add_startup(m, stage=1, quality=1e4, cash=0.1, headcount=4, revenue=0.5)
        B.invest(m, s, {insider: 4.0}, pre=4.0, stage=1)  # the insider owns half
        invested = insider.invested
        closed = funding.try_round(m, s.row, B.pools(m), m.rngs["funding"])
        assert closed
        if insider.invested > invested:
            hits += 1
            assert insider.portfolio[s.row] > 4.0
    if depth == 0.0:
        assert hits == 0
    else:
        assert hits >= 15


def _capture_leads(monkeypatch):
    leads = []
    real = funding.close_round

    def spy(model, startup, stage, pre, commits, lead, raised=None):
        leads.append((lead, dict(commits)))
        real(model, startup, stage, pre, commits, lead, raised)

    monkeypatch.setattr(funding, "close_round", spy)
    return leads


def test_government_funds_cannot_lead_when_coinvestment_required(monkeypatch):
    leads = _capture_leads(monkeypatch)
    m = B.make_model(seed=9, step=10, gov_coinvest_required=1.0)
    B.add_fund(m, "government", size=5000.0, stage_range=(1, 4))
    for _ in range(30):
        s = B.add_startup(m, stage=1, quality=1e4, cash=0.1, revenue=0.5)
        assert not funding.try_round(m, s.row, B.pools(m), m.rngs["funding"])
    assert leads == []


def test_government_funds_may_lead_when_not_required(monkeypatch):
    leads = _capture_leads(monkeypatch)
    m = B.make_model(seed=9, step=10, gov_coinvest_required=0.0)
    B.add_fund(m, "government", size=5000.0, stage_range=(1, 4))
    for _ in range(10):
        s = B.add_startup(m, stage=1, quality=1e4, cash=0.1, revenue=0.5)
        funding.try_round(m, s.row, B.pools(m), m.rngs["funding"])
    assert leads and all(lead.kind == "government" for lead, _ in leads)
    assert m.private_round_rows == []  # a government-led round is not a private round


def test_government_funds_coinvest_behind_a_private_lead(monkeypatch):
    leads = _capture_leads(monkeypatch)
    m = B.make_model(seed=10, step=10, gov_coinvest_required=1.0)
    B.add_fund(m, "government", size=5000.0, stage_range=(1, 4))
    B.add_fund(m, "independent", size=5000.0)
    for _ in range(60):
        s = B.add_startup(m, stage=1, quality=1e4, cash=0.1, revenue=0.5)
        funding.try_round(m, s.row, B.pools(m), m.rngs["funding"])
    assert leads
    assert all(lead.kind != "government" for lead, _ in leads)
    coinvested = [c for _, c in leads if any(f.kind == "government" for f in c)]
    assert len(coinvested) >= 5


def test_corporate_funds_favour_their_parents_sector():
    m = B.make_model(seed=11, step=10, cvc_strategic_weight=1.0)
    parent = B.add_incumbent(m, sector=0, revenue=1000.0)
    cvc = B.add_fund(m, "corporate", size=100.0, parent=parent, skill=0.5)
    same = B.add_startup(m, sector=0, quality=2.0)
    other = B.add_startup(m, sector=1, quality=2.0)
    stage = 2
    merit = C.SCREEN_BAR[stage]
    n = 4000
    r1, r2 = B.rng(1), B.rng(2)
    a = np.mean([cvc.screen(merit, same.row, r1, stage) for _ in range(n)])
    b = np.mean([cvc.screen(merit, other.row, r2, stage) for _ in range(n)])
    se = math.sqrt(a * (1 - a) / n + b * (1 - b) / n)
    assert a - b > 4 * se, (a, b)
    # without strategic weight, the sector does not matter (same noise, same answers)
    m2 = B.make_model(seed=11, step=10, cvc_strategic_weight=0.0)
    parent2 = B.add_incumbent(m2, sector=0, revenue=1000.0)
    cvc2 = B.add_fund(m2, "corporate", size=100.0, parent=parent2, skill=0.5)
    s0, s1 = B.add_startup(m2, sector=0, quality=2.0), B.add_startup(m2, sector=1, quality=2.0)
    r1, r2 = B.rng(3), B.rng(3)
    assert ([cvc2.screen(merit, s0.row, r1, stage) for _ in range(500)]
            == [cvc2.screen(merit, s1.row, r2, stage) for _ in range(500)])


# -- IPO --------------------------------------------------------------------------------------
def test_ipo_threshold_listing_and_payouts():
    m = B.make_model(seed=12, step=30, ipo_window_open=1.0, ipo_propensity=1.0)
    thr = m.p.ipo_threshold / C.STEPS_PER_YEAR  # quarterly revenue needed
    vc = B.add_fund(m, size=1000.0)
    big = B.add_startup(m, stage=3, revenue=thr * 1.01, headcount=50, cash=1.0)
    B.invest(m, big, {vc: 20.0}, pre=80.0)
    small = B.add_startup(m, stage=3, revenue=thr * 0.99, headcount=50, cash=1.0)
    early = B.add_startup(m, stage=0, revenue=thr * 2.0, headcount=50, cash=1.0)
    before = dict(big.cap_table)
    founders = list(big.founders)
    cash_before = float(m.st.cash[big.row])

    exits.ipos(m)

    st = m.st
    assert st.status[big.row] == C.PUBLIC and st.exit_step[big.row] == 30
    assert st.status[small.row] == C.ACTIVE and st.status[early.row] == C.ACTIVE
    assert big.row in m.startups  # listed firms keep operating
    post = st.valuation[big.row]
    pre = post / (1.0 + C.IPO_FLOAT)
    assert pre >= 100.0 - 1e-9  # never below its last post-money
    assert st.cash[big.row] - cash_before == _approx(C.IPO_FLOAT * pre)
    keep = pre / post
    # funds distribute their shares in kind at the listing value
    frac_vc = before[vc.unique_id] * keep
    assert vc.unique_id not in big.cap_table and big.row not in vc.portfolio
    assert vc.distributed_in_kind == _approx(frac_vc * post)
    assert (30, 20.0, _approx(frac_vc * post)) in m.deals
    # founders sell IPO_SELLDOWN of their (diluted) stake
    for f in founders:
        frac = before[f.unique_id] * keep
        assert big.cap_table[f.unique_id] == _approx(frac * (1 - C.IPO_SELLDOWN))
        assert f.wealth == _approx(frac * C.IPO_SELLDOWN * post)
        assert f in m.founder_pool and f.exited == 1
    assert B.cap_sum(big) <= 1.0 + 1e-12
    assert m.stats["exits_ipo"] == 1
    B.assert_money_conserved(m)


def test_no_ipo_when_the_window_is_closed():
    m = B.make_model(seed=12, step=30, ipo_window_open=0.0, ipo_propensity=1.0)
    thr = m.p.ipo_threshold / C.STEPS_PER_YEAR
    s = B.add_startup(m, stage=3, revenue=thr * 10, headcount=50)
    for _ in range(10):
        exits.ipos(m)
        assert not m.ipo_window
    assert m.st.status[s.row] == C.ACTIVE


def test_ipo_window_open_share_matches_parameter():
    m = B.make_model(seed=13, ipo_window_open=0.3)
    rng = B.rng(5)
    opened = []
    for _ in range(20000):
        exits.update_window(m, rng)
        opened.append(m.ipo_window)
    assert abs(np.mean(opened) - 0.3) < 0.05


# -- partnerships -----------------------------------------------------------------------------
def test_partnerships_form_only_within_the_sector():
    m = B.make_model(seed=14, step=10, incumbent_openness=1.0, nih_bias=0.0,
                     matching_programme=1.0, group_cohesion=1.0)
    B.add_incumbent(m, sector=0, revenue=1000.0, cash=100.0)
    B.add_incumbent(m, sector=0, revenue=3000.0, cash=100.0)
    B.add_incumbent(m, sector=1, revenue=1000.0, cash=100.0)
    rows = [B.add_startup(m, sector=i % 3, stage=1, cash=1.0).row for i in range(150)]
    for _ in range(6):
        partnerships.step(m)
    st, inc = m.st, m.inc
    ever = [r for r in rows if st.ever_partnered[r]]
    assert len(ever) > 20
    assert m.counts["partnerships_formed"] >= len(ever)
    for r in rows:
        if st.partner[r] >= 0:
            assert inc.sector[st.partner[r]] == st.sector[r]
            assert m.graph.has_edge(int(inc.uid[st.partner[r]]), int(st.uid[r]),
                                    key="partnership")
    assert not any(st.ever_partnered[r] for r in rows if st.sector[r] == 2)
    B.assert_money_conserved(m)


def test_partnerships_pay_contracts_and_dissolve():
    m = B.make_model(seed=15, step=10, group_cohesion=0.0, incumbent_openness=0.0)
    partner = B.add_incumbent(m, sector=0, revenue=1000.0, cash=1000.0)
    rows = [B.add_startup(m, sector=0, stage=0, cash=1.0).row for _ in range(400)]
    for r in rows:
        partnerships.begin(m, r, partner.row)
    cash_st = m.st.cash[rows].copy()
    cash_inc = float(m.inc.cash[partner.row])
    partnerships.step(m)
    st = m.st
    still = st.partner[rows] >= 0
    contract = C.PARTNER_CONTRACT * m.p.round_size_multiplier
    np.testing.assert_allclose(st.cash[rows] - cash_st, np.where(still, contract, 0.0))
    assert m.inc.cash[partner.row] == _approx(cash_inc - contract * still.sum(), rel=1e-9)
    gone = 1.0 - still.mean()
    assert abs(gone - C.PARTNER_DISSOLVE) < 0.06, gone
    B.assert_money_conserved(m)


def test_group_cohesion_makes_partnerships_last_longer():
    gone = []
    for cohesion in (0.0, 1.0):
        m = B.make_model(seed=16, step=10, group_cohesion=cohesion, incumbent_openness=0.0)
        partner = B.add_incumbent(m, sector=0, revenue=1000.0, cash=1000.0)
        rows = [B.add_startup(m, stage=0).row for _ in range(600)]
        for r in rows:
            partnerships.begin(m, r, partner.row)
        for _ in range(3):
            partnerships.step(m)
        gone.append(np.mean(m.st.partner[rows] < 0))
    assert gone[1] < gone[0]


def test_partner_with_little_cash_never_goes_negative():
    m = B.make_model(seed=17, step=10, group_cohesion=1.0, incumbent_openness=0.0)
    poor = B.add_incumbent(m, sector=0, revenue=1000.0, cash=0.25)
    rows = [B.add_startup(m, stage=0).row for _ in range(10)]
    for r in rows:
        partnerships.begin(m, r, poor.row)
    partnerships.step(m)
    assert m.inc.cash[poor.row] >= 0.0
    assert (m.st.cash[rows] >= 0).all()
    B.assert_money_conserved(m)


def test_partnership_ends_when_the_startup_exits():
    m = B.make_model(seed=18, step=10)
    inc = B.add_incumbent(m, sector=0, revenue=1000.0, cash=1000.0)
    s = B.add_startup(m, stage=1)
    partnerships.begin(m, s.row, inc.row)
    exits.fail(m, s)
    assert m.st.partner[s.row] == -1


# -- incumbents: disruption, exit, new incumbents ---------------------------------------------
def _disruption_pair(loss_sector_0: float, seed: int = 19):
    out = []
    for d in (0.0, loss_sector_0):
        m = B.make_model(seed=seed, step=10, disruption_exposure=0.5, incumbent_exit_floor=0.01,
                         n_sectors=3)
        for sector, revenue in ((0, 1000.0), (0, 3000.0), (1, 2000.0), (2, 500.0)):
            B.add_incumbent(m, sector=sector, revenue=revenue)
        m.disruption = np.array([d, 0.0, 0.0])
        incumbents.step(m)
        out.append(m)
    return out


def test_disruption_takes_revenue_only_in_the_startups_sector():
    d = 10.0
    base, hit = _disruption_pair(d)
    loss = base.inc.revenue[:4] - hit.inc.revenue[:4]
    assert loss[0] > 0 and loss[1] > 0
    assert loss[2] == 0.0 and loss[3] == 0.0
    expected = d * hit.p.disruption_exposure * C.DISRUPTION_LEVERAGE
    assert loss.sum() == _approx(expected, rel=1e-9)


def test_disruption_loss_split_between_the_sectors_incumbents():
    # documented rule (abm.mechanisms.incumbents): an equal amount from each incumbent
    base, hit = _disruption_pair(10.0)
    loss = base.inc.revenue[:2] - hit.inc.revenue[:2]
    assert loss[0] == _approx(loss[1], rel=1e-9)


def test_no_disruption_from_zero_exposure():
    m = B.make_model(seed=20, step=10, disruption_exposure=0.0, incumbent_exit_floor=0.01)
    ref = B.make_model(seed=20, step=10, disruption_exposure=0.0, incumbent_exit_floor=0.01)
    for model in (m, ref):
        B.add_incumbent(model, sector=0, revenue=1000.0)
    m.disruption = np.full(m.p.n_sectors, 50.0)
    incumbents.step(m)
    incumbents.step(ref)
    assert m.inc.revenue[0] == ref.inc.revenue[0]


def test_incumbent_below_floor_exits_and_its_cvc_closes():
    m = B.make_model(seed=21, step=30, incumbent_exit_floor=0.3)
    weak = B.add_incumbent(m, sector=0, revenue=1000.0, cash=300.0, headcount=400)
    B.add_incumbent(m, sector=0, revenue=1000.0, cash=300.0, headcount=400)
    cvc = B.add_fund(m, "corporate", size=50.0, parent=weak)
    s = B.add_startup(m, sector=0, stage=1, cash=1.0, headcount=5)
    B.invest(m, s, {cvc: 5.0}, pre=15.0)
    partnerships.begin(m, s.row, weak.row)
    m.inc.revenue[weak.row] = 0.1 * m.inc.revenue0[weak.row]
    idle, work = m.idle, labor.workforce(m)
    payouts = B.sunk(m, "shareholder_payouts")
    m.disruption = np.zeros(m.p.n_sectors)

    incumbents.step(m)

    inc = m.inc
    assert not inc.alive[weak.row] and inc.exit_step[weak.row] == 30
    assert inc.headcount[weak.row] == 0 and m.idle == idle + 400
    assert inc.cash[weak.row] == 0.0 and B.sunk(m, "shareholder_payouts") > payouts
    assert m.st.partner[s.row] == -1
    assert not m.graph.has_node(weak.unique_id)
    assert weak not in m.agents and m.incumbents[weak.row] is weak  # on record, not live
    assert m.counts["incumbents_displaced"] == 1
    assert inc.alive[1]
    assert labor.workforce(m) == work
    # its CVC stops investing and closes on its next life-cycle pass
    assert not cvc.investing() and not cvc.closed
    assert cvc in m.live_funds() and cvc not in funding._followers(m).values()
    assert all(cvc not in funds for funds, *_ in funding._pools(m).values())
    frac = s.cap_table[cvc.unique_id]
    funds.life_cycle(m)
    assert cvc.closed and cvc.cash == 0.0 and not cvc.portfolio
    assert s.cap_table[C.SECONDARY] == _approx(frac)
    assert cvc.residual == _approx(frac * m.st.valuation[s.row] * C.RESIDUAL_DISCOUNT)
    B.assert_money_conserved(m)


def test_public_startup_above_threshold_becomes_an_incumbent():
    m = B.make_model(seed=22, step=30, incumbent_exit_floor=0.01)
    old = B.add_incumbent(m, sector=2, revenue=5000.0)
    vc = B.add_fund(m, size=100.0)
    thr = m.p.incumbent_threshold / C.STEPS_PER_YEAR
    giant = B.add_startup(m, sector=2, stage=5, revenue=thr * 1.05, headcount=900, cash=40.0)
    small = B.add_startup(m, sector=2, stage=5, revenue=thr * 0.5, headcount=300, cash=5.0)
    B.invest(m, giant, {vc: 10.0}, pre=90.0)
    partnerships.begin(m, giant.row, old.row)
    m.st.status[[giant.row, small.row]] = C.PUBLIC
    neighbours = {(other, key) for _, other, key in m.graph.edges(giant.unique_id, keys=True)}
    assert neighbours
    cash, people, revenue = float(m.st.cash[giant.row]), 900, float(m.st.revenue[giant.row])
    n_inc, work = m.inc.n, labor.workforce(m)
    m.disruption = np.zeros(m.p.n_sectors)

    incumbents.step(m)

    assert m.inc.n == n_inc + 1
    new = m.incumbents[-1]
    inc = m.inc
    assert inc.from_startup[new.row] and inc.sector[new.row] == 2 and inc.alive[new.row]
    assert inc.revenue[new.row] == _approx(revenue) and inc.headcount[new.row] == people
    assert inc.cash[new.row] == _approx(cash) and inc.entered[new.row] == 30
    assert m.counts["new_incumbents"] == 1
    assert m.st.graduated[giant.row] and giant.row not in m.startups
    assert m.st.cash[giant.row] == 0.0 and m.st.headcount[giant.row] == 0
    assert not m.graph.has_node(giant.unique_id)
    carried = {(other, key) for _, other, key in m.graph.edges(new.unique_id, keys=True)}
    assert carried == neighbours
    assert not m.st.graduated[small.row] and small.row in m.startups
    assert labor.workforce(m) == work
    B.assert_money_conserved(m)


# -- labour -----------------------------------------------------------------------------------
def _labour_situation(lifetime: float, mobility: float = 0.1, idle: int = 10, reform=0.0):
    m = B.make_model(seed=23, step=9, job_mobility=mobility,
                     lifetime_employment_share=lifetime, labor_reform=reform)
    B.add_incumbent(m, sector=0, revenue=100.0, headcount=1000)
    B.add_incumbent(m, sector=1, revenue=100.0, headcount=1000)
    m.idle = idle
    rows = np.array([B.add_startup(m, headcount=2).row for _ in range(3)])
    return m, rows


def test_hires_limited_by_idle_and_poachable_supply():
    m, rows = _labour_situation(lifetime=0.0)
    work = labor.workforce(m)
    hc0 = m.st.headcount[rows].copy()
    _, mov = labor.movable(m)
    supply = m.idle + int(mov.sum() * m.p.job_mobility * 0.5)
    hires = np.array([300, 100, 50])
    labor.staff_startups(m, rows, hires.copy(), np.zeros(3, dtype=np.int64))
    got = m.st.headcount[rows] - hc0
    assert got.sum() <= supply and got.sum() >= supply - len(rows)
    assert (got <= hires).all()
    assert m.idle == 0
    assert labor.workforce(m) == work
    # enough supply: everybody hired
    m2, rows2 = _labour_situation(lifetime=0.0, idle=1000)
    labor.staff_startups(m2, rows2, np.array([30, 10, 5]), np.zeros(3, dtype=np.int64))
    assert (m2.st.headcount[rows2] == np.array([32, 12, 7])).all()
    assert m2.idle == 1000 - 45


def test_lifetime_employment_reduces_movable_workers():
    got = []
    for lifetime in (0.0, 0.5, 1.0):
        m, rows = _labour_situation(lifetime=lifetime, idle=0)
        _, mov = labor.movable(m)
        assert mov.sum() == _approx(2000 * (1 - lifetime))
        hc0 = m.st.headcount[rows].sum()
        labor.staff_startups(m, rows, np.array([500, 500, 500]), np.zeros(3, dtype=np.int64))
        got.append(int(m.st.headcount[rows].sum() - hc0))
    assert got[0] > got[1] > got[2] == 0
    # a labour reform removes part of the lock-in
    m, _ = _labour_situation(lifetime=0.5, reform=0.5)
    assert labor.lifetime_share(m) == _approx(0.25)


def test_layoffs_go_to_the_idle_pool():
    m, rows = _labour_situation(lifetime=0.0)
    m.st.headcount[rows] = 20
    idle, work = m.idle, labor.workforce(m)
    labor.staff_startups(m, rows, np.zeros(3, dtype=np.int64), np.array([5, 0, 20]))
    assert (m.st.headcount[rows] == np.array([15, 20, 0])).all()
    assert m.idle == idle + 25
    assert labor.workforce(m) == work


def test_take_workers_idle_first_then_incumbents():
    m, _ = _labour_situation(lifetime=0.0, idle=3)
    inc_hc = m.inc.headcount[:2].sum()
    assert labor.take_workers(m, 5) == 5
    assert m.idle == 0 and m.inc.headcount[:2].sum() == inc_hc - 2


@pytest.mark.parametrize("new_year", [True, False])
def test_labour_step_conserves_workforce_up_to_graduates_and_retirement(new_year):
    m, rows = _labour_situation(lifetime=0.2, idle=50)
    (B.year_start if new_year else B.mid_year)(m, 8)
    m.inc.revenue[0] = 150.0  # wants more staff
    m.inc.revenue[1] = 50.0   # wants fewer
    work = labor.workforce(m)
    labor.step(m)
    assert labor.workforce(m) == work + m.workers_in - m.workers_out
    if new_year:
        assert m.workers_in > 0 and m.workers_out > 0
    else:
        assert m.workers_in == m.workers_out == 0
    assert m.inc.headcount[1] < 1000 and m.idle >= 0


# -- founding and universities ----------------------------------------------------------------
def _spinoffs(tech_transfer: float, seed: int = 24, steps: int = 20) -> int:
    m = B.make_model(seed=seed, tech_transfer=tech_transfer, uni_spinoff_rate=10.0)
    unis = [m.add_university(C.UNIVERSITY_BUDGET / C.STEPS_PER_YEAR) for _ in range(5)]
    for t in range(steps):
        B.at_step(m, t)
        founding.step(m)
    n = m.st.n
    assert (m.st.origin[:n] == C.UNIVERSITY).all()
    assert sum(u.spinoffs for u in unis) == n
    for row in range(n):
        assert any(m.graph.has_edge(u.unique_id, int(m.st.uid[row]), key="spinoff")
                   for u in unis)
    return n


def test_university_spinoffs_scale_with_tech_transfer():
    low = [_spinoffs(0.2, seed) for seed in (1, 2, 3)]
    high = [_spinoffs(0.8, seed) for seed in (1, 2, 3)]
    assert _spinoffs(0.0) == 0
    ratio = sum(high) / sum(low)
    assert 2.8 < ratio < 5.5, (low, high)


def test_failure_stigma_stops_failed_founders_from_refounding():
    founded = []
    for stigma in (1.0, 0.0):
        m = B.make_model(seed=25, failure_stigma=stigma, refounding_propensity=1.0)
        pool = B.add_founders(m, 20)
        for f in pool:
            f.last_failed, f.failed = True, 1
        m.founder_pool = list(pool)
        founding.step(m)
        founded.append(m.st.n)
    assert founded == [0, 20]


def test_spinout_founders_leave_their_incumbent():
    m = B.make_model(seed=26, spinout_rate=5.0, founding_legitimacy=1.0,
                     lifetime_employment_share=0.0)
    parent = B.add_incumbent(m, sector=0, revenue=10000.0, headcount=100000)
    work = labor.workforce(m)
    for t in range(4):
        B.at_step(m, t)
        founding.step(m)
    n = m.st.n
    assert n > 0
    assert (m.st.origin[:n] == C.INCUMBENT_SPINOUT).all()
    assert m.inc.headcount[parent.row] == 100000 - m.st.headcount[:n].sum()
    assert labor.workforce(m) == work
    assert any(k == "spinoff" for _, _, k in m.graph.edges(parent.unique_id, keys=True))
    B.assert_money_conserved(m)


# -- fund life cycle --------------------------------------------------------------------------
def test_management_fees_full_then_half_after_the_investing_period():
    m = B.make_model(seed=27, step=0)
    young = B.add_fund(m, size=100.0, vintage=0)
    old = B.add_fund(m, size=100.0, vintage=-C.INVEST_PERIOD)
    funds.life_cycle(m)
    assert young.fees == _approx(C.MGMT_FEE * 100.0)
    assert old.fees == _approx(C.MGMT_FEE / 2 * 100.0)
    assert B.sunk(m, "management_fees") == _approx(1.5 * C.MGMT_FEE * 100.0)
    B.assert_money_conserved(m)


def test_fund_closes_at_end_of_life_with_residual_value_sold_to_secondary_buyers():
    m = B.make_model(seed=28, step=10)
    fund = B.add_fund(m, size=100.0, vintage=10)
    s = B.add_startup(m, stage=1, cash=1.0)
    B.invest(m, s, {fund: 10.0}, pre=30.0)
    frac = s.cap_table[fund.unique_id]
    B.at_step(m, 10 + C.FUND_LIFE - 1)
    funds.life_cycle(m)
    assert not fund.closed
    B.at_step(m, 10 + C.FUND_LIFE)
    cash = fund.cash - C.MGMT_FEE / 2 * fund.size
    funds.life_cycle(m)
    assert fund.closed and fund.cash == 0.0 and not fund.portfolio
    # a closed fund is no longer a live agent; it stays on record for the metrics
    assert fund not in m.agents and fund not in m.live_funds() and fund in m.funds
    assert B.sunk(m, "lp_returned_capital") == _approx(cash)
    assert fund.residual == _approx(frac * 40.0 * C.RESIDUAL_DISCOUNT)
    assert fund.unique_id not in s.cap_table
    assert s.cap_table[C.SECONDARY] == _approx(frac)
    assert fund.tvpi() == _approx(fund.residual / fund.paid_in)
    assert not fund.investing() and not fund.can_follow_on()
    B.assert_money_conserved(m)


def test_successor_fund_only_for_managers_above_the_bar():
    m = B.make_model(seed=29, successor_fund_bar=1.0, lp_capital_per_year=10000.0,
                     gov_vc_budget=0.0)
    t = B.year_start(m, 10 * C.STEPS_PER_YEAR)
    good = B.add_fund(m, size=100.0, vintage=t - (C.INVEST_PERIOD - C.STEPS_PER_YEAR))
    bad = B.add_fund(m, size=100.0, vintage=t - (C.INVEST_PERIOD - C.STEPS_PER_YEAR))
    young = B.add_fund(m, size=100.0, vintage=t - 4)
    for fund, distributed in ((good, 100.0), (bad, 10.0)):
        fund.invested = 50.0
        fund.distributed = distributed  # TVPI 2.0 and 0.2 (nothing held)
        m.ledger.sink("test_moved", 50.0)
        fund.cash -= 50.0
    n_funds = len(m.funds)
    funds.raise_funds(m)
    new = m.funds[n_funds:]
    assert new, "LP money must create funds"
    successors = [f for f in new if f.manager == good.manager]
    assert len(successors) == 1 and successors[0].generation == 2
    assert (successors[0].stage_min, successors[0].stage_max) == (good.stage_min,
                                                                 good.stage_max)
    assert successors[0].size == _approx(good.size * 2.0)
    assert not [f for f in new if f.manager in (bad.manager, young.manager)]
    assert good.raised_successor and bad.raised_successor and not young.raised_successor
    raised = sum(f.size for f in new)
    quarter = 10000.0 / C.STEPS_PER_YEAR  # fundraising is spread over the year's quarters
    assert quarter - 0.3 * C.FUND_SIZE * m.p.round_size_multiplier <= raised <= quarter + 1e-6
    assert m.lp_carry == _approx(quarter - raised)  # what was not placed waits
    B.assert_money_conserved(m)


def test_fundraising_every_quarter_with_carry_over():
    m = B.make_model(seed=30, lp_capital_per_year=400.0)  # 100 a quarter, < 0.3 of a fund
    B.mid_year(m, 5)
    funds.raise_funds(m)
    assert m.funds == [] and m.lp_carry == _approx(100.0)  # too little for a fund: carried
    m.steps += 1
    funds.raise_funds(m)
    assert len(m.funds) == 1 and m.funds[0].size == _approx(200.0)
    assert m.lp_carry == _approx(0.0)
    B.assert_money_conserved(m)


def test_government_money_into_funds_of_funds_and_a_government_fund():
    m = B.make_model(seed=31, lp_capital_per_year=1000.0, gov_vc_budget=400.0,
                     gov_fof_share=0.5, grant_budget=0.0, procurement_budget=0.0)
    B.year_start(m, 8)
    policy.appropriate(m)
    funds.raise_funds(m)
    gov = [f for f in m.funds if f.kind == "government"]
    assert len(gov) == 1 and gov[0].size == _approx(50.0)  # a quarter of 400 x (1 - 0.5)
    independent = [f for f in m.funds if f.kind == "independent"]
    fof = sum(f.gov_commitment for f in independent)
    # every independent fund has the same government share (private 250 : public 50) ...
    for f in independent:
        assert f.gov_commitment / f.size == _approx(50.0 / 300.0)
    # ... and what first-time managers could not absorb (< 0.3 of a mean fund) stays unraised
    leftover = 0.3 * C.FUND_SIZE * m.p.round_size_multiplier
    assert 50.0 - leftover / 6.0 <= fof <= 50.0 + 1e-9
    assert m.ministry.cash == _approx(400.0 - 50.0 - fof, abs_=1e-9)
    committed = {src: sum(a for t, s, a in m.commitments if s == src)
                 for src in ("private_lp", "government")}
    assert committed["government"] == _approx(50.0 + fof)
    assert committed["private_lp"] == _approx(sum(f.size for f in independent) - fof)
    B.assert_money_conserved(m)


def test_cvc_topped_up_from_parent_revenue():
    m = B.make_model(seed=32, cvc_allocation=0.01, lp_capital_per_year=0.0)
    B.year_start(m, 4)
    parent = B.add_incumbent(m, sector=0, revenue=1000.0, cash=5000.0)
    cvc = B.add_fund(m, "corporate", size=0.0, parent=parent)
    funds.raise_funds(m)
    top_up = 0.01 * 1000.0  # each quarter: cvc_allocation x that quarter's revenue
    assert cvc.cash == _approx(top_up) and cvc.size == _approx(top_up)
    assert m.inc.cash[parent.row] == _approx(5000.0 - top_up)
    B.assert_money_conserved(m)


def _take_reference(hc: np.ndarray, n: int, weights: np.ndarray) -> np.ndarray:
    """take_from_incumbents written out plainly: proportional floors capped by headcount,
    the shortfall from the incumbents with most room left (stable order)."""
    take = np.minimum(np.floor(weights / float(weights.sum()) * n).astype(np.int64), hc)
    short = n - int(take.sum())
    for i in np.argsort(-(hc - take), kind="stable"):
        extra = min(short, int(hc[i] - take[i]))
        take[i] += extra
        short -= extra
    return take


@pytest.mark.parametrize("seed", range(6))
def test_take_from_incumbents_equals_the_plain_rule_small_and_large_teams(seed):
    rng = np.random.default_rng(seed)
    m = B.make_model(seed=seed)
    for _ in range(int(rng.integers(2, 40))):
        B.add_incumbent(m, sector=0, revenue=float(rng.uniform(1, 500)))
    rows = np.flatnonzero(m.inc.view("alive"))
    m.inc.headcount[rows] = rng.integers(0, 60, rows.size)
    if seed == 0:
        m.inc.headcount[rows[1]] = 10_000   # one dominant firm: proportional shares bind
    for n in (1, 2, 3, 25, 400):
        hc = m.inc.headcount[rows].copy()
        weights = hc * 0.7
        expected = _take_reference(hc, n, weights)
        got = labor.take_from_incumbents(m, n, rows, weights)
        assert got == int(expected.sum())
        np.testing.assert_array_equal(hc - m.inc.headcount[rows], expected)
