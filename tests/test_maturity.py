"""Unit tests of the virtuous-cycle loops (abm/mechanisms/maturity.py) on hand-built situations.

Each loop is exercised alone: the situation sets this quarter's outcomes (an IPO, a failure,
realised deals, a partnership that delivered joint innovations) and the loop's state and the
effective values are checked against the documented rule (docs/ODD.md 7.19). The invariants
(money, non-negativity) are checked after every mechanism call by tests/conftest.py.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as hst

from abm import EcosystemModel
from abm import constants as C
from abm.mechanisms import maturity as MAT
from abm.params import SPECS

import builders as B

LOOPS = ("loop_finance", "loop_labor", "loop_ties", "loop_industry", "loop_norms",
         "loop_support")
OFF = dict.fromkeys(LOOPS, 0.0)


# -- norms --------------------------------------------------------------------------------------
def test_an_ipo_raises_legitimacy_and_a_failure_lowers_it():
    m = B.make_model("japan", seed=1, step=3, loop_norms=0.5)
    base = m.p.founding_legitimacy
    assert 0 < base < 1
    m.stats["ipos"] = 1.0
    MAT.norms(m)
    assert m.maturity.norms > 0
    assert MAT.effective(m, "founding_legitimacy") > base
    m2 = B.make_model("japan", seed=1, step=3, loop_norms=0.5)
    m2.stats["failed"] = 5.0
    MAT.norms(m2)
    assert m2.maturity.norms < 0
    assert MAT.effective(m2, "founding_legitimacy") < base


def test_legitimacy_remembers_and_forgets_geometrically():
    m = B.make_model("japan", seed=1, step=3, loop_norms=0.5)
    m.stats["ipos"] = 1.0
    MAT.norms(m)
    first = m.maturity.norms
    m.stats["ipos"] = 0.0
    MAT.norms(m)  # a quiet quarter: balance 0, memory decays by (1 - NORMS_MEMORY)
    assert m.maturity.norms == pytest.approx(first * (1.0 - MAT.NORMS_MEMORY))


# -- finance ------------------------------------------------------------------------------------
def test_returns_raise_next_years_lp_money():
    m = B.make_model("japan", seed=1, loop_finance=0.2)
    step = B.year_start(m, 5)
    m.deals.append((step - 2, 10.0, 30.0, 0, -1, -1, False))  # a realised 3x in the last three years (a sale)
    MAT.finance(m)
    expected = 0.2 * math.tanh(math.log(3.0))
    assert m.maturity.log_lp == pytest.approx(expected)
    assert m.maturity.lp_multiplier > 1.0
    # the funds mechanism reads the multiplier: next quarter's private LP money is larger
    from abm.mechanisms import funds
    B.at_step(m, step + 4)
    m.lp_carry = 0.0
    funds.raise_funds(m)
    committed = sum(a for t, src, a in m.commitments if t == step + 4 and src == "private_lp")
    raised = committed + m.lp_carry
    plain = m.ministry.instrument("lp_capital_per_year") * m.p.scale / C.STEPS_PER_YEAR
    assert raised == pytest.approx(plain * m.maturity.lp_multiplier)


def test_losses_lower_lp_money():
    m = B.make_model("japan", seed=1, loop_finance=0.2)
    step = B.year_start(m, 5)
    m.deals.append((step - 2, 10.0, 2.0, 0, -1, -1, False))
    MAT.finance(m)
    assert m.maturity.lp_multiplier < 1.0


# -- industry -----------------------------------------------------------------------------------
def test_a_valuable_partnership_raises_openness_and_lowers_nih():
    m = B.make_model("japan", seed=1, step=2, loop_industry=0.2)
    inc = B.add_incumbent(m, openness=0.3, nih=0.5)
    s = B.add_startup(m, stage=1)
    m.st.partner[s.row] = inc.row
    MAT.industry(m)  # records the partner
    m.st.innovations[s.row] += 2.0  # two joint innovations delivered this quarter
    B.at_step(m, 3)
    MAT.industry(m)
    up = 1.0 - math.exp(-2.0 / MAT.INDUSTRY_HALF)
    assert m.inc.openness[inc.row] == pytest.approx(0.3 + 0.2 * 0.7 * up)
    assert m.inc.nih[inc.row] == pytest.approx(0.5 - 0.2 * 0.5 * up)


def test_a_partner_failure_lowers_openness():
    m = B.make_model("japan", seed=1, step=2, loop_industry=0.2)
    inc = B.add_incumbent(m, openness=0.3, nih=0.5)
    s = B.add_startup(m, stage=1)
    m.st.partner[s.row] = inc.row
    MAT.industry(m)
    B.at_step(m, 3)
    m.st.status[s.row], m.st.exit_step[s.row], m.st.partner[s.row] = C.FAILED, 3, -1
    MAT.industry(m)
    assert m.inc.openness[inc.row] < 0.3
    assert m.inc.nih[inc.row] > 0.5


# -- labour, ties, support ---------------------------------------------------------------------
def test_startup_employment_builds_experience_that_raises_mobility():
    m = B.make_model("japan", seed=1, step=2, loop_labor=1.0)
    B.add_incumbent(m, headcount=1000)
    B.add_startup(m, headcount=200)
    base = m.p.job_mobility
    MAT.labour(m)
    assert m.maturity.experienced == pytest.approx(MAT.TURNOVER * 200)
    assert MAT.effective(m, "job_mobility") > base
    assert MAT.effective(m, "spinout_rate") > m.p.spinout_rate
    assert MAT.effective(m, "lifetime_employment_share") < m.p.lifetime_employment_share


def test_joint_research_grows_tech_transfer():
    m = B.make_model("japan", seed=1, loop_ties=0.5)
    uni = m.add_university(10.0)
    B.year_start(m, 5)
    uni.joint_projects = 3
    MAT.ties(m)
    assert m.maturity.ties == pytest.approx(0.5 * (1.0 - math.exp(-3.0 / MAT.JOINT_HALF)))
    assert MAT.effective(m, "tech_transfer") > m.p.tech_transfer
    assert MAT.effective(m, "uni_spinoff_rate") > m.p.uni_spinoff_rate


def test_deal_flow_grows_support_with_a_lag():
    m = B.make_model("japan", seed=1, step=2, loop_support=0.5)
    m.stats["rounds"] = 100.0 * m.p.scale
    MAT.support(m)
    target = 100.0 / (100.0 + MAT.SUPPORT_HALF)
    assert m.maturity.support == pytest.approx(target / MAT.SUPPORT_LAG)
    assert MAT.effective(m, "service_cost") < m.p.service_cost
    assert MAT.effective(m, "accelerator_strength") > m.p.accelerator_strength


def test_loops_off_leave_every_effective_value_exactly_the_preset_value():
    m = B.make_model("japan", seed=1, step=2, **OFF)
    m.stats.update(ipos=3.0, failed=9.0, rounds=50.0)
    B.add_startup(m, headcount=50)
    MAT.step(m)
    for name in ("job_mobility", "spinout_rate", "lifetime_employment_share", "tech_transfer",
                 "uni_spinoff_rate", "founding_legitimacy", "service_cost",
                 "accelerator_strength"):
        assert MAT.effective(m, name) == m.p[name]
    assert m.maturity.lp_multiplier == 1.0


# -- identity and bounds ------------------------------------------------------------------------
def _bypassed(monkeypatch):
    monkeypatch.setattr(MAT, "step", lambda model: None)


@pytest.mark.parametrize("preset", ["japan", "silicon_valley"])
def test_all_loops_off_gives_the_run_without_the_feature(preset, monkeypatch):
    a = EcosystemModel(preset=preset, seed=3, scale=0.15, record_events=False, **OFF).run(30)
    sa = a.summary()
    _bypassed(monkeypatch)
    b = EcosystemModel(preset=preset, seed=3, scale=0.15, record_events=False, **OFF).run(30)
    sb = b.summary()
    keys = [k for k in sa if not k.startswith("maturity_")]
    assert {k: sa[k] for k in keys} == {k: sb[k] for k in keys}
    ta, tb = a.timeseries(), b.timeseries()
    cols = [c for c in ta.columns if not c.startswith("maturity_")]
    assert ta[cols].equals(tb[cols])


@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
@given(strengths=hst.tuples(*[hst.floats(0.0, SPECS[k].high) for k in LOOPS]),
       preset=hst.sampled_from(["japan", "silicon_valley", "korea"]))
def test_maturity_indices_stay_in_the_unit_interval(strengths, preset):
    m = EcosystemModel(preset=preset, seed=2, scale=0.1, record_events=False,
                       **dict(zip(LOOPS, strengths)))
    for _ in range(24):
        m.step()
        for name, value in MAT.indices(m).items():
            assert 0.0 <= value <= 1.0, (name, value)
        rows = m.inc.view("alive").nonzero()[0]
        for col in (m.inc.openness[rows], m.inc.nih[rows]):
            assert ((col >= 0.0) & (col <= 1.0)).all()
    ts = m.timeseries()
    for name in ("maturity_finance", "maturity_labor", "maturity_ties", "maturity_industry",
                 "maturity_norms", "maturity_support"):
        assert ts[name].between(0.0, 1.0).all()
