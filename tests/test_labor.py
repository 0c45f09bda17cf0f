"""Unit tests of the labour market (abm/mechanisms/labor.py) on small hand-built situations.

Situations are built with tests/builders.py; the invariants (money, shares, non-negativity)
are checked after every mechanism call by the fixture in tests/conftest.py. Numbers below are
set up by the tests themselves; expected values are derived from the model's documented rules
and its structural constants (``abm.constants``), never from calibrated output.
"""

from __future__ import annotations

import numpy as np
import pytest

from abm import queries, workforce
from abm.mechanisms import labor

import builders as B
from builders import approx as _approx


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
    _, mov = queries.movable(m)
    supply = m.idle + int(mov.sum() * m.p.job_mobility * 0.5)
    hires = np.array([300, 100, 50])
    workforce.staff_startups(m, rows, hires.copy(), np.zeros(3, dtype=np.int64))
    got = m.st.headcount[rows] - hc0
    assert got.sum() <= supply and got.sum() >= supply - len(rows)
    assert (got <= hires).all()
    assert m.idle == 0
    assert labor.workforce(m) == work
    # enough supply: everybody hired
    m2, rows2 = _labour_situation(lifetime=0.0, idle=1000)
    workforce.staff_startups(m2, rows2, np.array([30, 10, 5]), np.zeros(3, dtype=np.int64))
    assert (m2.st.headcount[rows2] == np.array([32, 12, 7])).all()
    assert m2.idle == 1000 - 45


def test_lifetime_employment_reduces_movable_workers():
    got = []
    for lifetime in (0.0, 0.5, 1.0):
        m, rows = _labour_situation(lifetime=lifetime, idle=0)
        _, mov = queries.movable(m)
        assert mov.sum() == _approx(2000 * (1 - lifetime))
        hc0 = m.st.headcount[rows].sum()
        workforce.staff_startups(m, rows, np.array([500, 500, 500]), np.zeros(3, dtype=np.int64))
        got.append(int(m.st.headcount[rows].sum() - hc0))
    assert got[0] > got[1] > got[2] == 0
    # a labour reform removes part of the lock-in
    m, _ = _labour_situation(lifetime=0.5, reform=0.5)
    assert queries.lifetime_share(m) == _approx(0.25)


def test_layoffs_go_to_the_idle_pool():
    m, rows = _labour_situation(lifetime=0.0)
    m.st.headcount[rows] = 20
    idle, work = m.idle, labor.workforce(m)
    workforce.staff_startups(m, rows, np.zeros(3, dtype=np.int64), np.array([5, 0, 20]))
    assert (m.st.headcount[rows] == np.array([15, 20, 0])).all()
    assert m.idle == idle + 25
    assert labor.workforce(m) == work


def test_take_workers_idle_first_then_incumbents():
    m, _ = _labour_situation(lifetime=0.0, idle=3)
    inc_hc = m.inc.headcount[:2].sum()
    assert workforce.take_workers(m, 5) == 5
    assert m.idle == 0 and m.inc.headcount[:2].sum() == inc_hc - 2


@pytest.mark.parametrize("new_year", [True, False])
def test_labour_step_conserves_workforce_up_to_graduates_and_retirement(new_year):
    m, rows = _labour_situation(lifetime=0.2, idle=50)
    (B.year_start if new_year else B.mid_year)(m, 8)
    m.inc.demand[0] = 150.0  # wants more staff
    m.inc.demand[1] = 50.0   # wants fewer
    m.add_university(25.0)   # its graduates join the labour pool each year
    work = labor.workforce(m)
    labor.step(m)
    assert labor.workforce(m) == work + m.workers_in - m.workers_out
    if new_year:
        assert m.workers_in > 0 and m.workers_out > 0
    else:
        assert m.workers_in == m.workers_out == 0
    assert m.inc.headcount[1] < 1000 and m.idle >= 0




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
        got = workforce.take_from_incumbents(m, n, rows, weights)
        assert got == int(expected.sum())
        np.testing.assert_array_equal(hc - m.inc.headcount[rows], expected)
