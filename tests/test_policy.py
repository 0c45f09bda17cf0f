"""Unit tests of the ministry's policy instruments (abm/mechanisms/policy.py) on small hand-built situations.

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
from abm.mechanisms import founding, policy

import builders as B
from builders import approx as _approx


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
