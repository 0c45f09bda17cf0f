"""Unit tests of the fund life cycle (fees, closing, fundraising) (abm/mechanisms/funds.py) on small hand-built situations.

Situations are built with tests/builders.py; the invariants (money, shares, non-negativity)
are checked after every mechanism call by the fixture in tests/conftest.py. Numbers below are
set up by the tests themselves; expected values are derived from the model's documented rules
and its structural constants (``abm.constants``), never from calibrated output.
"""

from __future__ import annotations


from abm import constants as C
from abm.mechanisms import funds, policy

import builders as B
from builders import approx as _approx


# -- fund life cycle --------------------------------------------------------------------------
def test_management_fees_full_then_half_after_the_investing_period():
    m = B.make_model(seed=27, step=0)
    young = B.add_fund(m, size=100.0, vintage=0)
    old = B.add_fund(m, size=100.0, vintage=-C.INVEST_PERIOD)
    funds.life_cycle(m)
    assert young.fees == _approx(C.MGMT_FEE * 100.0)
    assert old.fees == _approx(C.MGMT_FEE / 2 * 100.0)
    assert B.sunk(m, "management_fees") == _approx(1.5 * C.MGMT_FEE * 100.0)


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
    top_up = 0.01 * 1000.0  # each quarter: cvc_allocation x that quarter's revenue
    assert cvc.cash == _approx(top_up) and cvc.size == _approx(top_up)
    assert m.inc.cash[parent.row] == _approx(5000.0 - top_up)
