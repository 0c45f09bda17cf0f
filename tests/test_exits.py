"""Unit tests of exits (acquisitions, failures, IPOs) (abm/mechanisms/exits.py) on small hand-built situations.

Situations are built with tests/builders.py; the invariants (money, shares, non-negativity)
are checked after every mechanism call by the fixture in tests/conftest.py. Numbers below are
set up by the tests themselves; expected values are derived from the model's documented rules
and its structural constants (``abm.constants``), never from calibrated output.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from abm import constants as C
from abm import queries
from abm.mechanisms import exits, funding, funds, labor, operations

import builders as B
from builders import approx as _approx


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
    reach_before = float(inc.reach[buyer.row])
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
    # European waterfall: LPs get their 3 back, the GP 20% of the profit (full catch-up)
    proceeds = table[vc.unique_id] * price
    assert B.sunk(m, "lp_distributions") - lp_before == _approx(3.0 + 0.8 * (proceeds - 3.0))
    assert B.sunk(m, "carried_interest") == _approx(0.2 * (proceeds - 3.0))
    assert cvc.distributed == _approx(table[cvc.unique_id] * price)
    assert cvc.cash - cvc_cash == _approx(table[cvc.unique_id] * price)
    assert row not in vc.portfolio and row not in cvc.portfolio
    realised = [(cost, proceeds) for (t, cost, proceeds, *_) in m.deals if t == m.steps]
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
        # the product line joins the buyer: its reach grows by the startup's sales (its
        # revenue follows from the market next quarter, docs/ODD.md 7.18)
        assert startup_rev > 0
        assert math.exp(inc.reach[buyer.row]) == _approx(
            math.exp(reach_before) + startup_rev / queries.trend(m))
        assert inc.headcount[buyer.row] == hc_before + people
        assert m.idle == idle_before
    elif mode == "acquihire":
        assert inc.revenue[buyer.row] == rev_before
        assert inc.headcount[buyer.row] == hc_before + people
        assert m.counts["acquihires"] == 1
    else:
        assert inc.revenue[buyer.row] == rev_before
        assert inc.reach[buyer.row] == reach_before  # a shelved product leaves the market
        assert inc.headcount[buyer.row] == hc_before + people // 2
        assert m.idle == idle_before + people - people // 2
        assert m.counts["shelved"] == 1
    assert labor.workforce(m) == work_before


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
    assert tuple(m.deals[-1][:4]) == (30, 1.0, 0.0, C.DEAL_WRITE_OFF)  # a 0x deal
    assert row not in old.portfolio
    assert not m.graph.has_node(uid)
    assert row not in m.startups
    for f in founders:
        assert f in m.founder_pool and f.last_failed and f.failed == 1 and f.startup == -1
    assert m.stats["failed"] == 1
    assert idle_before <= m.idle
    assert labor.workforce(m) == work_before


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
    assert st.cash[big.row] - cash_before == _approx(C.IPO_FLOAT * pre)
    keep = pre / post
    # funds hold their shares through the lock-up, then distribute them in kind
    frac_vc = before[vc.unique_id] * keep
    assert big.cap_table[vc.unique_id] == _approx(frac_vc) and big.row in vc.locked
    assert vc.distributed_in_kind == 0.0 and len(m.deals) == 0
    B.at_step(m, 30 + C.LOCKUP_QUARTERS)
    st.revenue[big.row] *= 1.5  # the listed firm grew: its value moved with its revenue
    funds.release_lockups(m)
    value = frac_vc * post * 1.5
    assert vc.unique_id not in big.cap_table and big.row not in vc.portfolio
    assert vc.distributed_in_kind == _approx(value)
    assert tuple(m.deals[-1][:4]) == (30 + C.LOCKUP_QUARTERS, 20.0, _approx(value),
                                      C.DEAL_LISTED)
    # founders sell IPO_SELLDOWN of their (diluted) stake
    for f in founders:
        frac = before[f.unique_id] * keep
        assert big.cap_table[f.unique_id] == _approx(frac * (1 - C.IPO_SELLDOWN))
        assert f.wealth == _approx(frac * C.IPO_SELLDOWN * post)
        assert f in m.founder_pool and f.exited == 1
    assert B.cap_sum(big) <= 1.0 + 1e-12
    assert m.stats["ipos"] == 1


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


# -- open innovation: absorptive capacity, group targets, killed products ----------------------
def _buyer_and_target(stock: float, disruptive: bool, weight: float = 1.0):
    m = B.make_model(seed=41, step=12, absorptive_capacity=weight)
    buyer = B.add_incumbent(m, sector=0, revenue=900.0)
    m.inc.cash[buyer.row] += B.mint(m, 1e4)
    m.inc.innovations[buyer.row] = stock
    s = B.add_startup(m, sector=0, disruptive=disruptive, revenue=300.0, headcount=3000,
                      stage=3)
    m.st.revenue[s.row] = 300.0
    m.st.pq[s.row] = 0.2
    return m, buyer, s


def test_absorptive_capacity_grows_with_the_buyers_stock_and_fit():
    caps = {}
    for stock in (0.0, 20.0, 1000.0):
        for dis in (False, True):
            m, buyer, s = _buyer_and_target(stock, dis)
            caps[stock, dis] = queries.absorptive_capacity(m, buyer.row, s.row)
    assert caps[0.0, False] == 0.0
    assert caps[20.0, False] == _approx(1.0 - math.exp(-1.0))
    assert caps[1000.0, False] == _approx(C.FIT_COMPLEMENTARY, rel=1e-9)
    assert caps[1000.0, True] == _approx(C.FIT_DISRUPTIVE, rel=1e-9)
    # with the channel off every buyer absorbs fully
    m, buyer, s = _buyer_and_target(0.0, True, weight=0.0)
    assert queries.absorptive_capacity(m, buyer.row, s.row) == 1.0


def test_integration_gain_scales_with_absorptive_capacity():
    gains = []
    for stock in (5.0, 200.0):
        m, buyer, s = _buyer_and_target(stock, False)
        m.inc.revenue[buyer.row] = 900.0
        cap = queries.absorptive_capacity(m, buyer.row, s.row)
        exits.acquire(m, m.startups[s.row], buyer.row, price=50.0, mode="integrate")
        gains.append(float(m.inc.pq[buyer.row]))
        assert gains[-1] == _approx(300.0 / 1200.0 * 0.2 * cap)
    assert gains[1] > gains[0]


def test_shelving_a_better_product_is_counted_as_killed():
    m, buyer, s = _buyer_and_target(10.0, True)
    out = float(m.st.revenue[s.row] * math.exp(m.st.pq[s.row]) / queries.trend(m))
    exits.acquire(m, m.startups[s.row], buyer.row, price=50.0, mode="shelve")
    assert m.counts["killed_better_products"] == 1
    assert m.counts["killed_output"] == _approx(out)
    assert m.inc.pq[buyer.row] == 0.0  # the buyer learns nothing from a buried product


def test_group_members_are_preferred_buyers_of_startups_tied_to_the_group():
    picks = []
    for cohesion in (0.0, 1.0):
        m = B.make_model(seed=43, step=12, group_cohesion=cohesion)
        a = B.add_incumbent(m, sector=0, revenue=1000.0, group=0)
        b = B.add_incumbent(m, sector=0, revenue=1000.0, group=1)
        for inc in (a, b):
            m.inc.cash[inc.row] += B.mint(m, 1e4)
            m.inc.appetite[inc.row] = 0.5
        s = B.add_startup(m, sector=0, stage=2, revenue=5.0, headcount=10)
        m.st.group_tie[s.row] = 1
        alive = m.inc.view("alive").nonzero()[0]
        rng = B.rng(3)
        got = [exits._buyer(m, s.row, 10.0, alive, rng) for _ in range(400)]
        picks.append(np.mean(np.array(got) == b.row))
    assert abs(picks[0] - 0.5) < 0.1
    assert picks[1] > 0.75  # weight (1 + GROUP_PREFERENCE) : 1 = 0.8


def test_threat_and_defensive_premium_follow_their_named_constants():
    """threat = disruptive x clip(annual revenue / THREAT_REVENUE, 0, 1); the price carries
    DEFENSIVE_PREMIUM x threat x defensive_acquisition (docs/ODD.md 7.8); an override of a
    constant (abm.structural) reaches both."""
    from abm.structural import override_constants

    m = B.make_model(seed=1, step=30)
    s = B.add_startup(m, sector=0, disruptive=True, stage=2, revenue=2.5)  # 10 M a year
    c = B.add_startup(m, sector=0, disruptive=False, stage=2, revenue=2.5)
    rows = np.array([s.row, c.row])
    assert exits.threat_of(m, rows).tolist() == [10.0 / C.THREAT_REVENUE, 0.0]
    with override_constants({"THREAT_REVENUE": 10.0}):
        assert exits.threat_of(m, rows).tolist() == [1.0, 0.0]
    p = m.p
    base, full = exits.price_of(m, s.row, 0.0), exits.price_of(m, s.row, 1.0)
    assert full / base == pytest.approx(
        (1.0 + p.acquisition_premium + C.DEFENSIVE_PREMIUM * p.defensive_acquisition)
        / (1.0 + p.acquisition_premium), rel=1e-12)
    with override_constants({"DEFENSIVE_PREMIUM": 1.0}):
        doubled = exits.price_of(m, s.row, 1.0)
    assert doubled / base == pytest.approx(
        (1.0 + p.acquisition_premium + p.defensive_acquisition)
        / (1.0 + p.acquisition_premium), rel=1e-12)
