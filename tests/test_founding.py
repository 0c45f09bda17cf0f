"""Unit tests of founding (spinoffs, refounding, spinouts) (abm/mechanisms/founding.py) on small hand-built situations.

Situations are built with tests/builders.py; the invariants (money, shares, non-negativity)
are checked after every mechanism call by the fixture in tests/conftest.py. Numbers below are
set up by the tests themselves; expected values are derived from the model's documented rules
and its structural constants (``abm.constants``), never from calibrated output.
"""

from __future__ import annotations


from abm import constants as C
from abm.mechanisms import founding, labor

import builders as B


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
