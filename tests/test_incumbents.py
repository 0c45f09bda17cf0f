"""Unit tests of incumbents (disruption, exit, new incumbents) (abm/mechanisms/incumbents.py) on small hand-built situations.

Situations are built with tests/builders.py; the invariants (money, shares, non-negativity)
are checked after every mechanism call by the fixture in tests/conftest.py. Numbers below are
set up by the tests themselves; expected values are derived from the model's documented rules
and its structural constants (``abm.constants``), never from calibrated output.
"""

from __future__ import annotations

import math

import numpy as np

from abm import constants as C
from abm import demand, queries
from abm.mechanisms import funding, funds, incumbents, labor, partnerships

import builders as B
from builders import approx as _approx


# -- incumbents: disruption, exit, new incumbents ---------------------------------------------
def _disruption_pair(traction: float, seed: int = 19):
    """The same three-sector market without and with a disruptive startup in sector 0."""
    out = []
    for lrev in (None, traction):
        m = B.make_model(seed=seed, step=10, disruption_exposure=0.5, incumbent_exit_floor=0.01,
                         n_sectors=3)
        for sector, revenue in ((0, 1000.0), (0, 3000.0), (1, 2000.0), (2, 500.0)):
            # staff to spare, so sales are the demand (capacity does not bind)
            B.add_incumbent(m, sector=sector, revenue=revenue, headcount=int(30 * revenue))
        m.market.base = np.bincount(m.inc.view("sector"), weights=m.inc.view("revenue"),
                                    minlength=3)[:3]
        rows = np.zeros(0, dtype=np.int64)
        if lrev is not None:
            s = B.add_startup(m, sector=0, disruptive=True, revenue=1.0, headcount=10 ** 6)
            m.st.lrev[s.row] = lrev
            rows = np.array([s.row])
        gained = demand.clear(m, rows, m.st.lrev[rows])
        incumbents.step(m)
        out.append((m, float(gained.sum())))
    return out


def test_disruption_takes_revenue_only_in_the_startups_sector():
    (base, _), (hit, gained) = _disruption_pair(math.log(400.0))
    loss = base.inc.revenue[:4] - hit.inc.revenue[:4]
    assert loss[0] > 0 and loss[1] > 0
    assert loss[2] == 0.0 and loss[3] == 0.0
    # business stealing: the incumbents lose exactly what the entrant's customers buy from it
    assert loss.sum() == _approx(gained, rel=1e-9)


def test_disruption_loss_shared_in_proportion_to_contestable_sales():
    # documented rule (docs/ODD.md 7.18): at equal quality the contestable demand is shared by
    # reach, so each incumbent loses in proportion to its sales
    (base, _), (hit, _) = _disruption_pair(math.log(400.0))
    loss = base.inc.revenue[:2] - hit.inc.revenue[:2]
    assert loss[1] / loss[0] == _approx(3.0, rel=1e-6)


def test_zero_exposure_loses_only_switching_customers_to_an_entrant():
    # with nothing contestable an entrant still wins the held customers who
    # re-choose this quarter (CUSTOMER_SWITCH of them) by the sector-wide logit, v / (S + v)
    revenues = []
    for traction in (None, math.log(500.0)):
        m = B.make_model(seed=20, step=10, disruption_exposure=0.0, incumbent_exit_floor=0.01)
        B.add_incumbent(m, sector=0, revenue=1000.0, headcount=30000)
        m.market.base[0] = 1000.0
        rows = np.zeros(0, dtype=np.int64)
        if traction is not None:
            s = B.add_startup(m, sector=0, disruptive=True, revenue=1.0, headcount=10 ** 6)
            m.st.lrev[s.row] = traction
            rows = np.array([s.row])
        demand.clear(m, rows, m.st.lrev[rows])
        incumbents.step(m)
        revenues.append(float(m.inc.revenue[0]))
    assert revenues[0] - revenues[1] == _approx(1000.0 * C.CUSTOMER_SWITCH * 500.0 / 1500.0,
                                                rel=1e-9)


def test_incumbent_below_floor_exits_and_its_cvc_closes():
    m = B.make_model(seed=21, step=30, incumbent_exit_floor=0.3)
    weak = B.add_incumbent(m, sector=0, revenue=1000.0, cash=300.0, headcount=400)
    B.add_incumbent(m, sector=0, revenue=1000.0, cash=300.0)  # staffed for its demand
    cvc = B.add_fund(m, "corporate", size=50.0, parent=weak)
    s = B.add_startup(m, sector=0, stage=1, cash=1.0, headcount=5)
    B.invest(m, s, {cvc: 5.0}, pre=15.0)
    partnerships.begin(m, s.row, weak.row)
    m.inc.demand[weak.row] = 0.1 * m.inc.revenue0[weak.row]  # its customers left
    idle, work = m.idle, labor.workforce(m)
    payouts = B.sunk(m, "shareholder_payouts")
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


def test_incumbent_traits_are_drawn_around_the_preset_values():
    from abm import EcosystemModel

    m = EcosystemModel(preset="japan", seed=2, scale=2.0, incumbent_heterogeneity=0.5)
    inc, p = m.inc, m.p
    for col, mean in (("openness", p.incumbent_openness), ("appetite", p.acquisition_appetite),
                      ("nih", p.nih_bias)):
        x = getattr(inc, col)[: inc.n]
        assert x.std() > 0.05 and abs(x.mean() - mean) < 0.06
        assert ((x >= 0) & (x <= 1)).all()
    same = EcosystemModel(preset="japan", seed=2, scale=2.0, incumbent_heterogeneity=0.0)
    assert (same.inc.openness[: same.inc.n] == p.incumbent_openness).all()


def test_stand_alone_incumbents_without_business_groups():
    from abm import EcosystemModel

    m = EcosystemModel(preset="silicon_valley", seed=2, scale=0.5, n_business_groups=0)
    assert (m.inc.group[: m.inc.n] == -1).all()
    g = EcosystemModel(preset="korea", seed=2, scale=1.0)
    groups = g.inc.group[: g.inc.n]
    assert groups.min() >= 0 and np.unique(groups).size <= g.p.n_business_groups


# -- knowledge stock: depreciation and the stationary start (7.18, 7.22) ------------------------
def test_knowledge_stock_and_capability_depreciate_at_the_stated_rate(monkeypatch):
    """With no innovation at all (``INCUMBENT_INNOVATION`` 0 here), the stock loses
    ``RD_STOCK_DEPRECIATION`` a year: four quarters keep exactly 1 - 0.15 of it; so does the
    capability above its base 1."""
    monkeypatch.setattr(C, "INCUMBENT_INNOVATION", 0.0)
    m = B.make_model(seed=3, step=30, n_sectors=1)
    inc = B.add_incumbent(m, sector=0, revenue=1000.0, headcount=10 ** 6)
    m.market.base = np.array([1000.0])
    m.inc.knowledge[inc.row] = 40.0
    m.inc.rd[inc.row] = 2.0
    for _ in range(4):
        incumbents.step(m)
    assert m.inc.innovations[inc.row] == 0
    kept = 1.0 - C.RD_STOCK_DEPRECIATION
    assert m.inc.knowledge[inc.row] == _approx(40.0 * kept, rel=1e-9)
    assert m.inc.rd[inc.row] == _approx(1.0 + 1.0 * kept, rel=1e-9)


def test_knowledge_stock_adds_this_quarters_innovations():
    """The stock after a quarter is what was kept plus the quarter's innovations."""
    m = B.make_model(seed=5, step=30, n_sectors=1)
    inc = B.add_incumbent(m, sector=0, revenue=1000.0, headcount=10 ** 6)
    m.market.base = np.array([1000.0])
    m.inc.rd[inc.row] = 3.0  # several innovations expected
    m.inc.knowledge[inc.row] = 10.0
    before = float(m.inc.innovations[inc.row])
    incumbents.step(m)
    new = float(m.inc.innovations[inc.row]) - before
    assert m.inc.knowledge[inc.row] == _approx(10.0 * incumbents.knowledge_kept() + new)


def test_stationary_knowledge_is_the_fixed_point_and_rises_with_cumulativeness():
    """Where firms start: expected innovations replace what depreciates; a stock that feeds more
    on itself (higher cumulativeness) settles higher, and at cumulativeness 0 it is
    rate / depreciation in closed form."""
    rd = np.array([0.5, 1.0, 3.0])
    stocks = []
    for c in (0.0, 0.5, 1.0):
        p = B.make_model(cumulativeness=c).p
        k = incumbents.stationary_knowledge(p, rd)
        gone = 1.0 - incumbents.knowledge_kept()
        assert np.allclose(incumbents.innovation_rate(p, rd, k), gone * k, rtol=1e-9)
        if c == 0.0:
            assert np.allclose(k, C.INCUMBENT_INNOVATION * rd * p.tech_opportunity / gone)
        stocks.append(k)
    assert np.all(stocks[0] < stocks[1]) and np.all(stocks[1] < stocks[2])


def test_setup_starts_incumbents_at_the_stationary_stock():
    from abm.model import EcosystemModel

    m = EcosystemModel("japan", seed=2, scale=0.2)
    rows = m.inc.view("alive").nonzero()[0]
    assert np.allclose(m.inc.knowledge[rows],
                       incumbents.stationary_knowledge(m.p, m.inc.rd[rows]))


# -- who took a displaced incumbent's customers (7.18) -----------------------------------------
def _displaced(traction):
    """A sector of a weak (small, low-quality) incumbent beside a strong one, with a disruptive
    startup of the given traction (None: none); a high exit floor displaces the weak one."""
    m = B.make_model(seed=23, step=30, disruption_exposure=0.6, incumbent_exit_floor=0.9,
                     n_sectors=1)
    weak = B.add_incumbent(m, sector=0, revenue=1000.0, headcount=10 ** 6)
    B.add_incumbent(m, sector=0, revenue=1000.0, headcount=10 ** 6)
    m.market.base = np.array([2000.0])
    m.inc.pq[weak.row] = -1.0  # the rival's better product takes part of its share
    rows = np.zeros(0, dtype=np.int64)
    if traction is not None:
        s = B.add_startup(m, sector=0, disruptive=True, revenue=1.0, headcount=10 ** 6)
        m.st.lrev[s.row] = traction
        m.st.pq[s.row] = 1.0
        rows = np.array([s.row])
    demand.clear(m, rows, m.st.lrev[rows])
    incumbents.step(m)
    return m, weak.row


def test_displacement_is_attributed_to_entrants_only_for_what_they_took():
    alone, row = _displaced(None)
    assert not alone.inc.alive[row]
    assert abs(alone.inc.entrant_loss_share[row]) < 1e-12  # all to the rival incumbent
    hit, row = _displaced(math.log(3000.0))
    inc = hit.inc
    assert not inc.alive[row]
    taken = inc.demand_without_entrants[row] - inc.demand[row]
    shortfall = inc.revenue0[row] - inc.revenue[row]  # no nominal trend (MARKET_GROWTH 0)
    assert 0.0 < inc.entrant_loss_share[row] < 1.0
    assert inc.entrant_loss_share[row] == _approx(taken / shortfall, rel=1e-9)
    assert alone.inc.alive[1] and alone.inc.entrant_loss_share[1] == -1.0  # a survivor: none


def test_an_incumbent_grown_from_a_startup_counts_as_an_entrant():
    """The same displacement by a better rival: attributed to entrants when the rival grew from
    a startup, to established incumbents (0) when it did not."""
    shares = []
    for grown in (False, True):
        m = B.make_model(seed=29, step=30, disruption_exposure=0.6, incumbent_exit_floor=0.9,
                         n_sectors=1)
        weak = B.add_incumbent(m, sector=0, revenue=1000.0, headcount=10 ** 6)
        rival = B.add_incumbent(m, sector=0, revenue=1000.0, headcount=10 ** 6)
        m.market.base = np.array([2000.0])
        m.inc.pq[weak.row] = -1.0
        m.inc.from_startup[rival.row] = grown
        demand.clear(m, np.zeros(0, dtype=np.int64), np.zeros(0))
        incumbents.step(m)
        assert not m.inc.alive[weak.row]
        shares.append(float(m.inc.entrant_loss_share[weak.row]))
    assert abs(shares[0]) < 1e-12
    assert 0.0 < shares[1] <= 1.0


# -- a new incumbent's entry reach ------------------------------------------------------------
def test_a_new_incumbents_entry_reach_gives_it_its_share_of_the_sectors_spending():
    """Without tied customers brought and without disruptive startups' traction, the new
    firm's logit share among the sector's incumbents, u / (U + u), equals its share of the
    sector's spending; with them, its demand as the market rule computes it is its sales."""
    m = B.make_model(seed=8, step=30, n_sectors=1)
    for revenue in (3000.0, 5000.0):
        B.add_incumbent(m, sector=0, revenue=revenue, headcount=10 ** 6)
    m.market.base = np.array([8000.0])
    m.inc.reach[:m.inc.n] += 0.4  # reach grown above sales: U exceeds the base spending
    m.market.qref = queries.reference_quality(m, m.inc.view("alive").nonzero()[0])
    spend = float(queries.sector_spending(m)[0])
    revenue, pq, theta = 400.0, float(m.market.qref[0]) + 0.05, m.p.quality_sensitivity
    reach = incumbents.entry_reach(m, 0, revenue, pq)
    inc = m.inc
    rows = inc.view("alive").nonzero()[0]
    U = float(np.exp(inc.reach[rows] + theta * (inc.pq[rows] - m.market.qref[0])).sum())
    u = math.exp(reach + theta * (pq - m.market.qref[0]))
    assert u / (U + u) == _approx(revenue / spend, rel=1e-9)
    # with tied customers brought (share h of the sector), the logit share covers the rest:
    # (1 - e) S h + e S x = revenue
    e, h = m.p.disruption_exposure, 0.01
    u = math.exp(incumbents.entry_reach(m, 0, revenue, pq, held=h)
                 + theta * (pq - m.market.qref[0]))
    x = u / (U + u)
    assert (1.0 - e) * spend * h + e * spend * x == _approx(revenue, rel=1e-9)
    # disruptive startups' traction in the sector (V = 1.5 e S): the contestable part is
    # shared over more weight, so the logit share is larger for the same sales
    m.market.contest[0] = V = 1.5 * e * spend
    u = math.exp(incumbents.entry_reach(m, 0, revenue, pq) + theta * (pq - m.market.qref[0]))
    x = u / (U + u)
    assert (1.0 - e) * spend * x + e * spend * (e * spend / V) * x == _approx(revenue, rel=1e-9)


# -- demand accumulation (customer capital) ---------------------------------------------------
def _two_incumbents(monkeypatch, demand_ratio: float):
    """Two incumbents of one sector with staff to spare; the first's demand this quarter is
    ``demand_ratio`` times last quarter's sales (times the market trend), the second's grows
    with the trend. No reach noise, so the reach moves only by the rule."""
    monkeypatch.setattr(C, "REACH_NOISE", 0.0)
    m = B.make_model(seed=7, step=30, n_sectors=1, incumbent_exit_floor=0.01)
    a = B.add_incumbent(m, sector=0, revenue=1000.0, headcount=10 ** 6)
    b = B.add_incumbent(m, sector=0, revenue=1000.0, headcount=10 ** 6)
    m.market.base = np.array([2000.0])
    g = math.exp(C.MARKET_GROWTH)
    m.inc.demand[a.row] = 1000.0 * demand_ratio * g
    m.inc.demand[b.row] = 1000.0 * g
    return m, a, b


def test_an_incumbent_whose_sales_grow_above_trend_builds_reach_at_the_stated_elasticity(
        monkeypatch):
    """Sales up 30% above the trend: log reach rises by DEMAND_ACCUMULATION x log 1.3; a firm
    growing with the trend keeps its reach."""
    m, a, b = _two_incumbents(monkeypatch, 1.3)
    r_a, r_b = float(m.inc.reach[a.row]), float(m.inc.reach[b.row])
    incumbents.step(m)
    assert m.inc.revenue[a.row] == _approx(1300.0 * math.exp(C.MARKET_GROWTH))
    assert m.inc.reach[a.row] - r_a == _approx(C.DEMAND_ACCUMULATION * math.log(1.3), rel=1e-9)
    assert m.inc.reach[b.row] == _approx(r_b, abs_=1e-9)


def test_an_incumbent_whose_sales_fall_loses_reach_and_zero_elasticity_switches_it_off(
        monkeypatch):
    m, a, _ = _two_incumbents(monkeypatch, 0.6)
    r_a = float(m.inc.reach[a.row])
    incumbents.step(m)
    assert m.inc.reach[a.row] - r_a == _approx(C.DEMAND_ACCUMULATION * math.log(0.6), rel=1e-9)
    monkeypatch.setattr(C, "DEMAND_ACCUMULATION", 0.0)
    m, a, _ = _two_incumbents(monkeypatch, 0.6)
    r_a = float(m.inc.reach[a.row])
    incumbents.step(m)
    assert m.inc.reach[a.row] == _approx(r_a, abs_=1e-12)
