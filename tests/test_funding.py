"""Unit tests of funding rounds (abm/mechanisms/funding.py) on small hand-built situations.

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
from abm.mechanisms import funding

import builders as B
from builders import approx as _approx


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
