"""Unit tests of incumbents (disruption, exit, new incumbents) (abm/mechanisms/incumbents.py) on small hand-built situations.

Situations are built with tests/builders.py; the invariants (money, shares, non-negativity)
are checked after every mechanism call by the fixture in tests/conftest.py. Numbers below are
set up by the tests themselves; expected values are derived from the model's documented rules
and its structural constants (``abm.constants``), never from calibrated output.
"""

from __future__ import annotations

import numpy as np

from abm import constants as C
from abm.mechanisms import funding, funds, incumbents, labor, partnerships

import builders as B
from builders import approx as _approx


# -- incumbents: disruption, exit, new incumbents ---------------------------------------------
def _disruption_pair(loss_sector_0: float, seed: int = 19):
    out = []
    for d in (0.0, loss_sector_0):
        m = B.make_model(seed=seed, step=10, disruption_exposure=0.5, incumbent_exit_floor=0.01,
                         n_sectors=3)
        for sector, revenue in ((0, 1000.0), (0, 3000.0), (1, 2000.0), (2, 500.0)):
            B.add_incumbent(m, sector=sector, revenue=revenue)
        m.disruption = np.array([d, 0.0, 0.0])
        incumbents.step(m)
        out.append(m)
    return out


def test_disruption_takes_revenue_only_in_the_startups_sector():
    d = 10.0
    base, hit = _disruption_pair(d)
    loss = base.inc.revenue[:4] - hit.inc.revenue[:4]
    assert loss[0] > 0 and loss[1] > 0
    assert loss[2] == 0.0 and loss[3] == 0.0
    expected = d * hit.p.disruption_exposure * C.DISRUPTION_LEVERAGE
    assert loss.sum() == _approx(expected, rel=1e-9)


def test_disruption_loss_split_between_the_sectors_incumbents():
    # documented rule (abm.mechanisms.incumbents): an equal amount from each incumbent
    base, hit = _disruption_pair(10.0)
    loss = base.inc.revenue[:2] - hit.inc.revenue[:2]
    assert loss[0] == _approx(loss[1], rel=1e-9)


def test_no_disruption_from_zero_exposure():
    m = B.make_model(seed=20, step=10, disruption_exposure=0.0, incumbent_exit_floor=0.01)
    ref = B.make_model(seed=20, step=10, disruption_exposure=0.0, incumbent_exit_floor=0.01)
    for model in (m, ref):
        B.add_incumbent(model, sector=0, revenue=1000.0)
    m.disruption = np.full(m.p.n_sectors, 50.0)
    incumbents.step(m)
    incumbents.step(ref)
    assert m.inc.revenue[0] == ref.inc.revenue[0]


def test_incumbent_below_floor_exits_and_its_cvc_closes():
    m = B.make_model(seed=21, step=30, incumbent_exit_floor=0.3)
    weak = B.add_incumbent(m, sector=0, revenue=1000.0, cash=300.0, headcount=400)
    B.add_incumbent(m, sector=0, revenue=1000.0, cash=300.0, headcount=400)
    cvc = B.add_fund(m, "corporate", size=50.0, parent=weak)
    s = B.add_startup(m, sector=0, stage=1, cash=1.0, headcount=5)
    B.invest(m, s, {cvc: 5.0}, pre=15.0)
    partnerships.begin(m, s.row, weak.row)
    m.inc.revenue[weak.row] = 0.1 * m.inc.revenue0[weak.row]
    idle, work = m.idle, labor.workforce(m)
    payouts = B.sunk(m, "shareholder_payouts")
    m.disruption = np.zeros(m.p.n_sectors)

    incumbents.step(m)

    inc = m.inc
    assert not inc.alive[weak.row] and inc.exit_step[weak.row] == 30
    assert inc.headcount[weak.row] == 0 and m.idle == idle + 400
    assert inc.cash[weak.row] == 0.0 and B.sunk(m, "shareholder_payouts") > payouts
    assert m.st.partner[s.row] == -1
    assert not m.graph.has_node(weak.unique_id)
    assert weak not in m.agents and m.incumbents[weak.row] is weak  # on record, not live
    assert m.counts["incumbents_displaced"] == 1
    assert inc.alive[1]
    assert labor.workforce(m) == work
    # its CVC stops investing and closes on its next life-cycle pass
    assert not cvc.investing() and not cvc.closed
    assert cvc in m.live_funds() and cvc not in funding._followers(m).values()
    assert all(cvc not in funds for funds, *_ in funding._pools(m).values())
    frac = s.cap_table[cvc.unique_id]
    funds.life_cycle(m)
    assert cvc.closed and cvc.cash == 0.0 and not cvc.portfolio
    assert s.cap_table[C.SECONDARY] == _approx(frac)
    assert cvc.residual == _approx(frac * m.st.valuation[s.row] * C.RESIDUAL_DISCOUNT)


def test_public_startup_above_threshold_becomes_an_incumbent():
    m = B.make_model(seed=22, step=30, incumbent_exit_floor=0.01)
    old = B.add_incumbent(m, sector=2, revenue=5000.0)
    vc = B.add_fund(m, size=100.0)
    thr = m.p.incumbent_threshold / C.STEPS_PER_YEAR
    giant = B.add_startup(m, sector=2, stage=5, revenue=thr * 1.05, headcount=900, cash=40.0)
    small = B.add_startup(m, sector=2, stage=5, revenue=thr * 0.5, headcount=300, cash=5.0)
    B.invest(m, giant, {vc: 10.0}, pre=90.0)
    partnerships.begin(m, giant.row, old.row)
    m.st.status[[giant.row, small.row]] = C.PUBLIC
    neighbours = {(other, key) for _, other, key in m.graph.edges(giant.unique_id, keys=True)}
    assert neighbours
    cash, people, revenue = float(m.st.cash[giant.row]), 900, float(m.st.revenue[giant.row])
    n_inc, work = m.inc.n, labor.workforce(m)
    m.disruption = np.zeros(m.p.n_sectors)

    incumbents.step(m)

    assert m.inc.n == n_inc + 1
    new = m.incumbents[-1]
    inc = m.inc
    assert inc.from_startup[new.row] and inc.sector[new.row] == 2 and inc.alive[new.row]
    assert inc.revenue[new.row] == _approx(revenue) and inc.headcount[new.row] == people
    assert inc.cash[new.row] == _approx(cash) and inc.entered[new.row] == 30
    assert m.counts["new_incumbents"] == 1
    assert m.st.graduated[giant.row] and giant.row not in m.startups
    assert m.st.cash[giant.row] == 0.0 and m.st.headcount[giant.row] == 0
    assert not m.graph.has_node(giant.unique_id)
    carried = {(other, key) for _, other, key in m.graph.edges(new.unique_id, keys=True)}
    assert carried == neighbours
    assert not m.st.graduated[small.row] and small.row in m.startups
    assert labor.workforce(m) == work
