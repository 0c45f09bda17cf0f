"""Calendar schedules of the ministry instruments (abm/mechanisms/policy.py: ``schedule``,
``level``) and the plan's end step, on hand-built models."""

from __future__ import annotations

import pytest

from abm.mechanisms import policy

import builders as B


def test_step_one_is_the_first_quarter_of_start_year():
    m = B.make_model("japan", seed=1, start_year=2000)
    for step, year in ((1, 2000), (4, 2000), (5, 2001), (41, 2010)):
        assert policy.calendar_year(m, step) == year


def test_default_schedules_keep_every_instrument_at_its_value():
    m = B.make_model("japan", seed=1, gov_vc_budget=100.0, matching_programme=0.4,
                     labor_reform=0.3, procurement_budget=20.0)
    for step in (1, 50, 1000):
        B.at_step(m, step)
        for name in policy.SCHEDULED:
            assert policy.schedule(m, name) == 1.0
            if name != "grant_budget" and name != "ma_tax_incentive":
                assert m.ministry.instrument(name) == m.p[name]
        assert m.ministry.instrument("grant_budget") == m.p.grant_budget


def test_an_instrument_starts_ramps_and_ends_on_the_calendar():
    m = B.make_model("japan", seed=1, start_year=2025, gov_vc_budget=100.0,
                     gov_vc_budget_start_year=2027, gov_vc_budget_ramp_years=2,
                     gov_vc_budget_end_year=2032)
    levels = {}
    for year in range(2025, 2034):
        B.at_step(m, 1 + 4 * (year - 2025))
        levels[year] = m.ministry.instrument("gov_vc_budget")
    assert levels[2025] == levels[2026] == 0.0
    assert levels[2027] == pytest.approx(50.0)
    assert levels[2028] == levels[2031] == 100.0
    assert levels[2032] == levels[2033] == 0.0


def test_the_plan_stops_at_plan_end_step():
    m = B.make_model("japan_2027_plan", seed=1)
    start = m.p.plan_start_step
    m2 = B.make_model("japan_2027_plan", seed=1, plan_end_step=start + 20)
    B.at_step(m2, start + 19)
    assert m2.ministry.plan_active()
    assert m2.ministry.instrument("founding_boost") == m2.p.plan_founding_boost
    B.at_step(m2, start + 20)
    assert not m2.ministry.plan_active()
    assert m2.ministry.instrument("founding_boost") == 1.0
    assert m2.ministry.instrument("grant_budget") == m2.p.grant_budget
    B.at_step(m, start + 20)
    assert m.ministry.plan_active()


# -- a run too short for its policy: abm run warns ------------------------------------------------
def test_idle_policies_names_a_plan_that_never_or_hardly_starts():
    from abm.presets import resolve

    plan = resolve("japan_2027_plan")
    start = plan.plan_start_step
    never = policy.idle_policies(plan, start - 1)
    assert len(never) == 1 and "never acts" in never[0] and "plan_start_step" in never[0]
    short = policy.idle_policies(plan, start)
    assert len(short) == 1 and "only 1 of" in short[0]
    assert policy.idle_policies(plan, start + 3) == []  # a year in force: no warning
    assert policy.idle_policies(resolve("japan"), start - 1) == []  # no plan set
    off = resolve("japan_2027_plan", {}, {"plan_start_step": 1000})  # off on purpose
    assert policy.idle_policies(off, 160) == []


def test_idle_policies_names_a_scheduled_instrument_outside_the_run():
    from abm.presets import resolve

    p = resolve("korea", {}, {"matching_programme_start_year": 2100})
    (line,) = policy.idle_policies(p, 40)
    assert line.startswith("matching_programme") and "never acts" in line
    assert policy.idle_policies(resolve("korea", {}, {"matching_programme": 0.0,
                                                      "matching_programme_start_year": 2100}),
                                40) == []
