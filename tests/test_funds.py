"""Unit tests of the fund life cycle (fees, closing, fundraising) (abm/mechanisms/funds.py) on small hand-built situations.

Situations are built with tests/builders.py; the invariants (money, shares, non-negativity)
are checked after every mechanism call by the fixture in tests/conftest.py. Numbers below are
set up by the tests themselves; expected values are derived from the model's documented rules
and its structural constants (``abm.constants``), never from calibrated output.
"""

from __future__ import annotations

import numpy as np

from abm import constants as C
from abm.mechanisms import funds, policy

import builders as B
from builders import approx as _approx


# -- fund life cycle --------------------------------------------------------------------------
def test_management_fees_on_commitments_then_on_invested_capital():
    m = B.make_model(seed=27, step=0)
    young = B.add_fund(m, size=100.0, vintage=0)
    old = B.add_fund(m, size=100.0, vintage=-C.INVEST_PERIOD)
    s = B.add_startup(m, stage=1, cash=1.0)
    B.invest(m, s, {old: 30.0}, pre=30.0)
    funds.life_cycle(m)
    assert young.fees == _approx(C.MGMT_FEE * 100.0)
    assert old.fees == _approx(C.MGMT_FEE * 30.0)  # the cost of positions still held
    assert B.sunk(m, "management_fees") == _approx(C.MGMT_FEE * 130.0)
    assert young.flows[0] == _approx(-C.MGMT_FEE * 100.0)  # a fee is LP capital called


def test_fund_closes_at_end_of_life_selling_holdings_to_secondary_buyers_for_cash():
    m = B.make_model(seed=28, step=10)
    fund = B.add_fund(m, size=100.0, vintage=10)
    s = B.add_startup(m, stage=1, cash=1.0)
    B.invest(m, s, {fund: 10.0}, pre=30.0)
    frac = s.cap_table[fund.unique_id]
    B.at_step(m, 10 + C.FUND_LIFE - 1)
    funds.life_cycle(m)
    assert not fund.closed
    B.at_step(m, 10 + C.FUND_LIFE)
    held = sum(fund.portfolio.values())
    cash = fund.cash - C.MGMT_FEE * held
    funds.life_cycle(m)
    assert fund.closed and fund.cash == 0.0 and not fund.portfolio
    assert fund not in m.agents and fund not in m.live_funds() and fund in m.funds
    assert B.sunk(m, "lp_returned_capital") == _approx(cash)
    price = frac * 40.0 * C.RESIDUAL_DISCOUNT  # no traction since the round: mark = post
    assert fund.residual == _approx(price)
    assert B.minted(m, "secondary_buyers") == _approx(price)
    assert B.sunk(m, "lp_distributions") == _approx(price)  # below the hurdle: all to LPs
    assert tuple(m.deals[-1][:4]) == (10 + C.FUND_LIFE, 10.0, _approx(price),
                                      C.DEAL_SECONDARY)
    assert fund.unique_id not in s.cap_table
    assert s.cap_table[C.SECONDARY] == _approx(frac)
    assert fund.tvpi() == _approx(price / fund.paid_in)
    assert not fund.investing() and not fund.can_follow_on()


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
        fund.lp_distributed = distributed
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


def test_fundraising_every_quarter_with_carry_over():
    m = B.make_model(seed=30, lp_capital_per_year=400.0)  # 100 a quarter, < 0.3 of a fund
    B.mid_year(m, 5)
    funds.raise_funds(m)
    assert m.funds == [] and m.lp_carry == _approx(100.0)  # too little for a fund: carried
    m.steps += 1
    funds.raise_funds(m)
    assert len(m.funds) == 1 and m.funds[0].size == _approx(200.0)
    assert m.lp_carry == _approx(0.0)


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


def test_cvc_topped_up_from_parent_revenue():
    m = B.make_model(seed=32, cvc_allocation=0.01, lp_capital_per_year=0.0)
    B.year_start(m, 4)
    parent = B.add_incumbent(m, sector=0, revenue=1000.0, cash=5000.0)
    cvc = B.add_fund(m, "corporate", size=0.0, parent=parent)
    funds.raise_funds(m)
    top_up = 0.01 * 1000.0  # cvc_allocation x revenue x min(cash / (target x revenue), 1)
    assert cvc.cash == _approx(top_up) and cvc.size == _approx(top_up)
    assert m.inc.cash[parent.row] == _approx(5000.0 - top_up)


def test_cash_ratios_at_once_equal_cash_ratio_in_turn():
    m = B.make_model(seed=33)
    rows = [B.add_incumbent(m, revenue=r, cash=c).row
            for r, c in ((1000.0, 5000.0), (1000.0, 100.0), (0.0, 50.0), (3.0, 0.0),
                         (250.0, C.INCUMBENT_CASH_TARGET * 250.0))]
    rows = np.array(rows)
    at_once = funds.cash_ratios(m, rows).tolist()
    assert at_once == [funds.cash_ratio(m, r) for r in rows.tolist()]  # to the bit
    assert at_once[0] == 1.0 and at_once[2] == 0.0 and 0.0 < at_once[1] < 1.0


def _topped_up(shared_parent: bool) -> list:
    m = B.make_model(seed=34, cvc_allocation=0.01, lp_capital_per_year=0.0)
    B.year_start(m, 4)
    parents = [B.add_incumbent(m, revenue=r, cash=c)
               for r, c in ((1000.0, 5000.0), (1000.0, 30.0), (0.0, 80.0), (700.0, 2000.0))]
    cvcs = [B.add_fund(m, "corporate", size=0.0, parent=p) for p in parents]
    if shared_parent:  # a second fund of the first parent: the top-ups are made in turn
        cvcs.append(B.add_fund(m, "corporate", size=0.0, parent=parents[0]))
    funds.raise_funds(m)
    return [(f.cash, f.size) for f in cvcs] + [float(m.inc.cash[p.row]) for p in parents] \
        + [c for c in m.commitments if c[1] == "corporate"]


def test_cvc_top_ups_at_once_equal_top_ups_in_turn():
    """The top-ups are taken for every parent at once when each has one fund, in turn
    otherwise; both follow cash_ratio and give the same floats."""
    once, in_turn = _topped_up(False), _topped_up(True)
    assert once[:4] == in_turn[:4]              # the first four funds' cash and size
    assert once[0][0] == _approx(0.01 * 1000.0) and once[2] == (0.0, 0.0)
    assert in_turn[4][0] > 0                    # the second fund of the first parent
    assert once[5:8] == in_turn[6:9]            # parents not shared: the same cash after


# -- the LPs' view: waterfall, IRR, deals at the end -------------------------------------------
def test_european_waterfall_gives_lp_and_gp_the_right_amounts():
    m = B.make_model(seed=40, step=0)
    fund = B.add_fund(m, size=200.0, vintage=0)
    s = B.add_startup(m, stage=1, cash=1.0)
    B.invest(m, s, {fund: 100.0}, pre=100.0)  # 100 called at step 0
    B.at_step(m, C.STEPS_PER_YEAR)  # one year later: the hurdle is 100 x 1.08 = 108
    lp, gp = funds.split(fund, 50.0, m.steps)
    assert (lp, gp) == (_approx(50.0), 0.0)  # below the hurdle: all to the LPs
    B.mint(m, 300.0)  # the buyer's money
    funds.receive(m, fund, s.row, cash=300.0)
    # LPs get 108; GP catch-up to 20% of the profit so far (8 -> 2); then 80/20 of the rest
    assert fund.carry == _approx(0.2 * (300.0 - 100.0))
    assert fund.lp_distributed == _approx(260.0)
    assert B.sunk(m, "carried_interest") == _approx(40.0)
    assert B.sunk(m, "lp_distributions") == _approx(260.0)
    assert fund.flows == {0: _approx(-100.0), C.STEPS_PER_YEAR: _approx(260.0)}
    assert fund.dpi() == _approx(2.6) and fund.gross_multiple() == _approx(3.0)


def test_waterfall_pays_no_carry_to_government_funds():
    m = B.make_model(seed=41, step=0)
    fund = B.add_fund(m, "government", size=200.0, vintage=0)
    s = B.add_startup(m, stage=1, cash=1.0)
    B.invest(m, s, {fund: 100.0}, pre=100.0)
    B.mint(m, 300.0)
    funds.receive(m, fund, s.row, cash=300.0)
    assert fund.carry == 0.0 and fund.lp_distributed == _approx(300.0)


def test_irr_of_a_known_cash_flow_stream():
    # -100 now, +121 two years (8 quarters) later: 10% a year
    assert funds.irr({0: -100.0, 8: 121.0}) == _approx(0.10, rel=1e-9)
    # -100, then +60 after one and two years: r solves 60/(1+r) + 60/(1+r)^2 = 100
    r = funds.irr({3: -100.0, 7: 60.0, 11: 60.0})
    assert 60 / (1 + r) + 60 / (1 + r) ** 2 == _approx(100.0, rel=1e-9)
    assert funds.irr({0: -100.0, 4: 0.0}) == -1.0  # nothing came back


def test_written_off_position_is_a_zero_deal():
    from abm.mechanisms import exits

    m = B.make_model(seed=42, step=30)
    fund = B.add_fund(m, size=100.0, vintage=25)
    s = B.add_startup(m, stage=1, cash=1.0, headcount=2)
    B.invest(m, s, {fund: 5.0}, pre=10.0)
    exits.fail(m, s)
    step, cost, proceeds, route = m.deals[-1][:4]
    assert (cost, proceeds, route) == (5.0, 0.0, C.DEAL_WRITE_OFF)


def test_down_round_ipo_gives_the_last_round_investor_less_than_1x():
    from abm.mechanisms import exits

    m = B.make_model(seed=43, step=30)
    fund = B.add_fund(m, size=1000.0, vintage=25)
    s = B.add_startup(m, stage=3, revenue=2.0, headcount=20, cash=1.0)  # 8 a year
    B.invest(m, s, {fund: 100.0}, pre=900.0)  # last post-money 1000: > 100x revenue
    m.st.lrev_at_round[s.row] = m.st.lrev[s.row]
    exits.ipo(m, s, B.rng(3))
    assert m.st.valuation[s.row] < 1000.0
    B.at_step(m, 30 + C.LOCKUP_QUARTERS)
    funds.release_lockups(m)
    step, cost, proceeds, route = m.deals[-1][:4]
    assert route == C.DEAL_LISTED and cost == 100.0 and proceeds / cost < 1.0


def test_delisting_writes_off_locked_up_shares():
    from abm.mechanisms import exits

    m = B.make_model(seed=44, step=30)
    fund = B.add_fund(m, size=1000.0, vintage=25)
    s = B.add_startup(m, stage=3, revenue=2.0, headcount=20, cash=1.0)
    B.invest(m, s, {fund: 10.0}, pre=30.0)
    exits.ipo(m, s, B.rng(4))
    m.ledger.sink("test_moved", float(m.st.cash[s.row]))
    m.st.cash[s.row] = 0.0
    exits.delist(m, s)
    assert tuple(m.deals[-1][1:4]) == (10.0, 0.0, C.DEAL_DELISTED) and not fund.locked


def test_corporate_fund_wound_down_returns_cash_to_its_parent():
    m = B.make_model(seed=45, step=10, cvc_wind_down=0.2)
    parent = B.add_incumbent(m, sector=0, revenue=1000.0, cash=0.0)  # no cash: hazard x 2
    cvc = B.add_fund(m, "corporate", size=50.0, parent=parent)
    closed = False
    for t in range(10, 60):
        B.at_step(m, t)
        funds.life_cycle(m)
        if cvc.closed:
            closed = True
            break
    assert closed and parent.cvc is None
    assert m.inc.cash[parent.row] == _approx(50.0)  # unused cash back to the balance sheet


def _irr_one_point_at_a_time(flows: dict[int, float]) -> float:
    """funds.irr as it was written before the grid was evaluated at once (the reference)."""
    import math

    from scipy.optimize import brentq

    steps = np.array(sorted(flows), dtype=float)
    cf = np.array([flows[int(t)] for t in steps])
    if not (cf > 0).any():
        return -1.0 if (cf < 0).any() else 0.0
    if not (cf < 0).any():
        return 0.0
    dt = steps - steps[0]

    def npv(r: float) -> float:
        return float(np.sum(cf * np.exp(-dt * math.log1p(r))))

    grid = [-0.9999, -0.9, -0.5, -0.2, -0.05, 0.0, 0.05, 0.2, 0.5, 1.0, 3.0, 10.0]
    vals = [npv(r) for r in grid]
    for a, b, fa, fb in zip(grid, grid[1:], vals, vals[1:]):
        if fa == 0.0:
            return (1.0 + a) ** C.STEPS_PER_YEAR - 1.0
        if fa * fb < 0:
            r = brentq(npv, a, b, xtol=1e-12, maxiter=200)
            return (1.0 + r) ** C.STEPS_PER_YEAR - 1.0
    return 0.0


def test_irr_with_the_grid_at_once_equals_the_grid_point_by_point():
    """The same IRR to the bit on random quarterly cash-flow streams of fund-like length."""
    rng = np.random.default_rng(8)
    for _ in range(400):
        n = int(rng.integers(1, 70))
        steps = np.sort(rng.choice(np.arange(-30, 80), size=n, replace=False))
        amounts = rng.lognormal(0.0, 1.5, n) * np.where(rng.random(n) < 0.6, -1.0, 1.0)
        flows = {int(t): float(a) for t, a in zip(steps, amounts)}
        with np.errstate(over="ignore", invalid="ignore"):  # (r near -100%: both overflow)
            got, want = funds.irr(flows), _irr_one_point_at_a_time(flows)
        assert np.float64(got).tobytes() == np.float64(want).tobytes(), flows
