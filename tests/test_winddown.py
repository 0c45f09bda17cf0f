"""Unit tests of the wind-down (abm/mechanisms/winddown.py) on small hand-built
situations (tests/builders.py); the invariants are checked after every mechanism call by the
fixture in tests/conftest.py. Expected values follow from the documented rule, never from
calibrated output."""

from __future__ import annotations

import math

import numpy as np
import pytest

from abm import constants as C
from abm.mechanisms import exits, winddown

import builders as B


def _startups(m, qualities, stage=1, lrev=math.log(0.05), age=8):
    rows = []
    for q in qualities:
        s = B.add_startup(m, quality=q, stage=stage, cash=5.0, headcount=2)
        m.st.lrev[s.row] = lrev
        m.st.last_round[s.row] = m.steps - age
        m.st.founded[s.row] = m.steps - age
        rows.append(s.row)
    return np.array(rows)


def test_hazard_follows_the_bar_gap(monkeypatch):
    monkeypatch.setattr(C, "WIND_DOWN_HAZARD", 0.2)
    m = B.make_model(seed=1, step=30)
    rows = _startups(m, [0.5, 2.0, 50.0])
    h = winddown.hazard(m, rows)
    nxt = 2
    merit = np.log(m.st.quality[rows]) + C.MERIT_TRACTION * (m.st.lrev[rows] - C.REF_LREV[nxt])
    z = (C.SCREEN_BAR[nxt] - merit) / C.PITCH_NOISE
    want = 0.2 * np.array([0.5 * (1 + math.erf(x / math.sqrt(2))) for x in z])
    assert h == pytest.approx(want, rel=1e-12)
    assert h[0] > h[1] > h[2] and h.max() <= 0.2


def test_no_hazard_nothing_closes(monkeypatch):
    monkeypatch.setattr(C, "WIND_DOWN_HAZARD", 0.0)
    m = B.make_model(seed=2, step=30)
    rows = _startups(m, [0.1] * 20)
    for _ in range(10):
        winddown.step(m)
        assert m.quarter.wound_down.size == 0
    assert (m.st.status[rows] == C.ACTIVE).all() and m.counts["wound_down"] == 0


def test_recent_round_protects_and_hopeless_ventures_close(monkeypatch):
    monkeypatch.setattr(C, "WIND_DOWN_HAZARD", 1.0)
    m = B.make_model(seed=3, step=30)
    fresh = _startups(m, [0.01] * 5, age=C.WIND_DOWN_AFTER - 1)
    old = _startups(m, [0.01] * 5, age=C.WIND_DOWN_AFTER)
    winddown.step(m)
    assert set(m.quarter.wound_down.tolist()) == set(old.tolist())  # handed over, not closed
    assert (m.st.status[old] == C.ACTIVE).all()
    exits.failures(m)  # closes the ventures handed over
    assert (m.st.status[fresh] == C.ACTIVE).all()
    # quality 0.01 is far below any bar: Phi ~ 1, hazard ~ 1
    assert (m.st.status[old] == C.FAILED).all()
    assert m.counts["wound_down"] == 5
    assert (m.st.cash[old] == 0).all() and (m.st.headcount[old] == 0).all()
