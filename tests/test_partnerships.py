"""Unit tests of partnerships (abm/mechanisms/partnerships.py) on small hand-built situations.

Situations are built with tests/builders.py; the invariants (money, shares, non-negativity)
are checked after every mechanism call by the fixture in tests/conftest.py. Numbers below are
set up by the tests themselves; expected values are derived from the model's documented rules
and its structural constants (``abm.constants``), never from calibrated output.
"""

from __future__ import annotations

import numpy as np

from abm import constants as C
from abm import partners
from abm.mechanisms import exits, partnerships

import builders as B
from builders import approx as _approx
from builders import approx


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


# -- open innovation: relational learning, repeat ties, business groups ------------------------
def _pair(step: int = 10, cash: float = 5.0, **overrides):
    m = B.make_model(seed=31, step=step, **overrides)
    a = B.add_incumbent(m, sector=0, revenue=1000.0, group=0)
    b = B.add_incumbent(m, sector=0, revenue=1000.0, group=1)
    s = B.add_startup(m, sector=0, stage=1, cash=cash, headcount=5)
    return m, a, b, s


def test_learning_rises_with_partnership_duration():
    m, a, _, s = _pair(step=10, relational_learning=0.5)
    partnerships.begin(m, s.row, a.row)
    rows = np.array([s.row])
    start = float(partnerships.learning(m, rows)[0])
    B.at_step(m, 30)
    later = float(partnerships.learning(m, rows)[0])
    assert start == approx(1.0)
    assert later == approx(1.0 + 0.5 * np.log1p(20 / 4.0))
    # no learning at all when the channel is off
    m.p = m.p.replace(relational_learning=0.0)
    assert float(partnerships.learning(m, rows)[0]) == 1.0


def test_repeat_ties_raise_learning_and_are_preferred():
    m, a, b, s = _pair(relational_learning=0.5)
    partnerships.begin(m, s.row, a.row)
    partners.end(m, s.row)
    partnerships.begin(m, s.row, a.row)
    assert m.st.prior_ties[s.row] == 1
    assert float(partnerships.learning(m, np.array([s.row]))[0]) == approx(1.5)
    mult = partnerships.preference(m, s.row, np.array([a.row, b.row]))
    assert mult[0] == approx(1.0 + C.PAST_PARTNER_PREFERENCE + C.GROUP_PREFERENCE
                             * m.p.group_cohesion)
    assert mult[1] == 1.0


def test_a_group_member_prefers_startups_tied_to_its_group():
    m, a, b, s = _pair(group_cohesion=0.8)
    partnerships.begin(m, s.row, a.row)  # first corporate partner: group 0
    assert m.st.group_tie[s.row] == 0
    partners.end(m, s.row)
    m.partner_history.clear()  # only the group tie is left
    mult = partnerships.preference(m, s.row, np.array([a.row, b.row]))
    assert mult[0] == approx(1.0 + C.GROUP_PREFERENCE * 0.8) and mult[1] == 1.0
    # without cohesion the group does not matter
    m.p = m.p.replace(group_cohesion=0.0)
    assert np.array_equal(partnerships.preference(m, s.row, np.array([a.row, b.row])),
                          np.ones(2))


def test_stand_alone_incumbents_tie_no_startup_to_a_group():
    m, a, _, s = _pair()
    m.inc.group[a.row] = -1
    partnerships.begin(m, s.row, a.row)
    assert m.st.group_tie[s.row] == -1


def test_group_member_funds_its_partner_startup_from_the_internal_capital_market():
    from abm.mechanisms import exits

    m, a, _, s = _pair(group_cohesion=1.0, cash=0.0)  # runway short: payroll but no cash
    m.st.valuation[s.row] = 10.0
    cash_inc = float(m.inc.cash[a.row])
    partnerships.begin(m, s.row, a.row)
    rng = B.rng(0)
    for _ in range(40):  # hazard GROUP_FUNDING_HAZARD per quarter
        partnerships.group_funding(m, np.array([s.row]), np.array([a.row]), rng)
        if m.counts["group_injections"]:
            break
    assert m.counts["group_injections"] == 1
    paid = cash_inc - float(m.inc.cash[a.row])
    assert paid > 0 and m.st.cash[s.row] == approx(paid)
    stake = s.cap_table[int(m.inc.uid[a.row])]
    assert stake == approx(paid / (10.0 + paid))
    # the stake is paid back to the incumbent at an exit
    before = float(m.inc.cash[a.row])
    exits.pay_out(m, s, B.mint(m, 100.0))  # an outside buyer pays 100
    assert float(m.inc.cash[a.row]) - before == approx(stake * 100.0)


def test_no_group_funding_without_cohesion_or_group():
    m, a, _, s = _pair(group_cohesion=0.0)
    partnerships.begin(m, s.row, a.row)
    for _ in range(20):
        partnerships.group_funding(m, np.array([s.row]), np.array([a.row]), B.rng(1))
    assert m.counts["group_injections"] == 0


# -- bounded absorption and changes of direction (docs/ODD.md 7.6, 7.18) -----------------------
def _partners(k: int, step: int = 30):
    """One incumbent of sector 0 partnered with ``k`` startups (no NIH bias, all behind the
    world frontier so every ladder step is whole)."""
    m = B.make_model(seed=41, step=step, nih_bias=0.0)
    inc = B.add_incumbent(m, sector=0, revenue=1000.0)
    m.inc.nih[inc.row] = 0.0
    m.market.world = 5.0
    rows = []
    for _ in range(k):
        s = B.add_startup(m, sector=0, stage=1, cash=5.0, headcount=5)
        partnerships.begin(m, s.row, inc.row)
        rows.append(s.row)
    return m, inc, np.array(rows)


def test_an_incumbents_gain_per_partner_falls_with_its_number_of_partners():
    for k in (1, 4, 32):
        m, inc, rows = _partners(k)
        joint = np.ones(k)
        partners = np.full(k, inc.row)
        a = partnerships.absorbed(m, partners, joint)
        assert a == approx(np.full(k, 1.0 / (1.0 + k / C.PARTNER_HALF)))
        before = float(m.inc.pq[inc.row])
        partnerships.absorb(m, rows, partners, joint)
        gain = float(m.inc.pq[inc.row]) - before
        assert gain == approx(m.p.quality_step * k / (1.0 + k / C.PARTNER_HALF))
        # bounded: never more than PARTNER_HALF partnerships' worth however many partners
        assert gain < m.p.quality_step * C.PARTNER_HALF


def test_partnerships_with_distant_technologies_turn_the_incumbent():
    m, inc, rows = _partners(1, step=C.BURN_IN + 5)
    m.inc.tech[inc.row] = 0.10
    m.st.tech[rows[0]] = 0.40  # 0.3 of the circle away
    partners = np.array([inc.row])
    partnerships.absorb(m, rows, partners, np.array([1.0]))
    eff = 1.0 / (1.0 + 1.0 / C.PARTNER_HALF)
    assert m.inc.tech[inc.row] == approx(0.10 + C.DIRECTION_PULL * eff * 0.3)
    assert m.inc.shifts[inc.row] == 1  # a move of at least DIRECTION_SHIFT
    # a neighbour's technology moves it a little: no change of direction
    m.st.tech[rows[0]] = m.inc.tech[inc.row] + 0.01
    partnerships.absorb(m, rows, partners, np.array([1.0]))
    assert m.inc.shifts[inc.row] == 1
    # the short way round the circle
    m.inc.tech[inc.row] = 0.95
    m.st.tech[rows[0]] = 0.05
    partnerships.absorb(m, rows, partners, np.array([1.0]))
    assert m.inc.tech[inc.row] == approx((0.95 + C.DIRECTION_PULL * eff * 0.10) % 1.0)


def test_busy_incumbents_are_sought_less_as_partners():
    m = B.make_model(seed=5, step=10, incumbent_openness=0.5, matching_programme=1.0)
    busy = B.add_incumbent(m, sector=0, revenue=1000.0)
    free = B.add_incumbent(m, sector=0, revenue=1000.0)
    for _ in range(3 * int(C.PARTNER_HALF)):
        s = B.add_startup(m, sector=0, stage=1, cash=5.0, headcount=5)
        partnerships.begin(m, s.row, busy.row)
    seekers = [B.add_startup(m, sector=0, stage=1, cash=5.0, headcount=5) for _ in range(2000)]
    partnerships.step(m)  # one quarter: about 140 new partnerships
    picked = m.st.partner[[s.row for s in seekers]]
    n_busy = int(np.count_nonzero(picked == busy.row))
    n_free = int(np.count_nonzero(picked == free.row))
    # weights 1 / (1 + n / PARTNER_HALF): about 0.28 for the busy one (n near 21 after this
    # quarter's dissolutions) against 1: expected about 30 against 110
    assert n_free > 60 and n_busy < 0.6 * n_free
