"""Unit tests of partnerships (abm/mechanisms/partnerships.py) on small hand-built situations.

Situations are built with tests/builders.py; the invariants (money, shares, non-negativity)
are checked after every mechanism call by the fixture in tests/conftest.py. Numbers below are
set up by the tests themselves; expected values are derived from the model's documented rules
and its structural constants (``abm.constants``), never from calibrated output.
"""

from __future__ import annotations

import numpy as np

from abm import constants as C
from abm.mechanisms import exits, partnerships

import builders as B
from builders import approx as _approx


# -- partnerships -----------------------------------------------------------------------------
def test_partnerships_form_only_within_the_sector():
    m = B.make_model(seed=14, step=10, incumbent_openness=1.0, nih_bias=0.0,
                     matching_programme=1.0, group_cohesion=1.0)
    B.add_incumbent(m, sector=0, revenue=1000.0, cash=100.0)
    B.add_incumbent(m, sector=0, revenue=3000.0, cash=100.0)
    B.add_incumbent(m, sector=1, revenue=1000.0, cash=100.0)
    rows = [B.add_startup(m, sector=i % 3, stage=1, cash=1.0).row for i in range(150)]
    for _ in range(6):
        partnerships.step(m)
    st, inc = m.st, m.inc
    ever = [r for r in rows if st.ever_partnered[r]]
    assert len(ever) > 20
    assert m.counts["partnerships_formed"] >= len(ever)
    for r in rows:
        if st.partner[r] >= 0:
            assert inc.sector[st.partner[r]] == st.sector[r]
            assert m.graph.has_edge(int(inc.uid[st.partner[r]]), int(st.uid[r]),
                                    key="partnership")
    assert not any(st.ever_partnered[r] for r in rows if st.sector[r] == 2)


def test_partnerships_pay_contracts_and_dissolve():
    m = B.make_model(seed=15, step=10, group_cohesion=0.0, incumbent_openness=0.0)
    partner = B.add_incumbent(m, sector=0, revenue=1000.0, cash=1000.0)
    rows = [B.add_startup(m, sector=0, stage=0, cash=1.0).row for _ in range(400)]
    for r in rows:
        partnerships.begin(m, r, partner.row)
    cash_st = m.st.cash[rows].copy()
    cash_inc = float(m.inc.cash[partner.row])
    partnerships.step(m)
    st = m.st
    still = st.partner[rows] >= 0
    contract = C.PARTNER_CONTRACT * m.p.round_size_multiplier
    np.testing.assert_allclose(st.cash[rows] - cash_st, np.where(still, contract, 0.0))
    assert m.inc.cash[partner.row] == _approx(cash_inc - contract * still.sum(), rel=1e-9)
    gone = 1.0 - still.mean()
    assert abs(gone - C.PARTNER_DISSOLVE) < 0.06, gone


def test_group_cohesion_makes_partnerships_last_longer():
    gone = []
    for cohesion in (0.0, 1.0):
        m = B.make_model(seed=16, step=10, group_cohesion=cohesion, incumbent_openness=0.0)
        partner = B.add_incumbent(m, sector=0, revenue=1000.0, cash=1000.0)
        rows = [B.add_startup(m, stage=0).row for _ in range(600)]
        for r in rows:
            partnerships.begin(m, r, partner.row)
        for _ in range(3):
            partnerships.step(m)
        gone.append(np.mean(m.st.partner[rows] < 0))
    assert gone[1] < gone[0]


def test_partner_with_little_cash_never_goes_negative():
    m = B.make_model(seed=17, step=10, group_cohesion=1.0, incumbent_openness=0.0)
    poor = B.add_incumbent(m, sector=0, revenue=1000.0, cash=0.25)
    rows = [B.add_startup(m, stage=0).row for _ in range(10)]
    for r in rows:
        partnerships.begin(m, r, poor.row)
    partnerships.step(m)
    assert m.inc.cash[poor.row] >= 0.0
    assert (m.st.cash[rows] >= 0).all()


def test_partnership_ends_when_the_startup_exits():
    m = B.make_model(seed=18, step=10)
    inc = B.add_incumbent(m, sector=0, revenue=1000.0, cash=1000.0)
    s = B.add_startup(m, stage=1)
    partnerships.begin(m, s.row, inc.row)
    exits.fail(m, s)
    assert m.st.partner[s.row] == -1
