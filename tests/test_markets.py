"""Unit tests of markets: quality ladders, market shares, production, real output and the
growth decomposition (abm/mechanisms/markets.py) on small hand-built situations.

Situations are built with tests/builders.py; the invariants (money, shares, non-negativity)
are checked after every mechanism call by the fixture in tests/conftest.py. Expected values
follow from the documented rules (docs/ODD.md, section 7.18), never from calibrated output.
"""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as hst

from abm import EcosystemModel
from abm import constants as C
from abm import demand, products, queries
from abm.mechanisms import exits, funds, incumbents, markets, operations

import builders as B
from builders import approx


def _sector_model(exposure: float = 0.5, n_sectors: int = 2, seed: int = 3, step: int = 8,
                  revenues=(1000.0, 3000.0)):
    """Incumbents of sector 0 with ``revenues``; each sector's base demand is its sales."""
    m = B.make_model(seed=seed, step=step, disruption_exposure=exposure, n_sectors=n_sectors,
                     incumbent_exit_floor=0.01)
    for r in revenues:
        B.add_incumbent(m, sector=0, revenue=r)
    m.market.base = np.bincount(m.inc.view("sector"), weights=m.inc.view("revenue"),
                                minlength=n_sectors)[:n_sectors]
    return m


def _clear(m, rows):
    rows = np.asarray(rows, dtype=np.int64)
    return demand.clear(m, rows, m.st.lrev[rows])


def _spending(m) -> float:
    return float(queries.sector_spending(m)[0])


def test_without_startups_incumbents_share_the_whole_demand_by_reach():
    m = _sector_model()
    demand.clear(m, np.zeros(0, dtype=np.int64), np.zeros(0))
    got = m.inc.demand[:2]
    assert got.sum() == approx(_spending(m), rel=1e-12)
    assert got[1] / got[0] == approx(3.0, rel=1e-12)


def test_business_stealing_moves_sales_one_for_one():
    m = _sector_model()
    s = B.add_startup(m, sector=0, disruptive=True, revenue=200.0, headcount=2000)
    d = _clear(m, [s.row])
    assert d[0] > 0
    assert d[0] + m.inc.demand[:2].sum() == approx(_spending(m), rel=1e-12)


def test_a_better_product_wins_share_from_incumbents():
    outs = []
    for gap in (0.0, 0.2):
        m = _sector_model()
        s = B.add_startup(m, sector=0, disruptive=True, revenue=50.0, headcount=2000)
        m.st.pq[s.row] = gap  # incumbents at 0: the startup's product is `gap` better
        outs.append((float(_clear(m, [s.row])[0]), float(m.inc.demand[:2].sum())))
    (d0, inc0), (d1, inc1) = outs
    assert d1 > d0 and inc1 < inc0
    # small entrant: demand is about its traction times exp(theta x quality gap)
    theta = m.p.quality_sensitivity
    assert d1 / d0 == approx(math.exp(theta * 0.2), rel=0.05)


def test_an_incumbent_that_innovates_gains_share_from_its_rival():
    m = _sector_model(revenues=(1000.0, 1000.0))
    m.inc.pq[0] = 0.1
    demand.clear(m, np.zeros(0, dtype=np.int64), np.zeros(0))
    assert m.inc.demand[0] > m.inc.demand[1]
    assert m.inc.demand[0] / m.inc.demand[1] == approx(math.exp(m.p.quality_sensitivity * 0.1))


def test_held_customers_migrate_to_an_entrant_only_at_the_switching_rate():
    # (docs/prototypes/displacement.md) with disruption_exposure = 0 nothing
    # is contestable, but held customers that re-choose (CUSTOMER_SWITCH a quarter) choose
    # among all the sector's products by the sector-wide logit, the entrant's included
    m = _sector_model(exposure=0.0)
    s = B.add_startup(m, sector=0, disruptive=True, revenue=200.0, headcount=2000)
    m.st.pq[s.row] = 1.0
    S = _spending(m)
    held = np.array([0.25, 0.75])  # today's shares (the incumbents' reach, equal quality)
    held_s = 0.0
    for _ in range(4):
        qref = float(queries.reference_quality(m, np.array([0, 1]))[0])
        v = math.exp(float(m.st.lrev[s.row]) + m.p.quality_sensitivity * (1.0 - qref))
        pi_i = v / (S + v)
        d = _clear(m, [s.row])
        held_s = (1 - C.CUSTOMER_SWITCH) * held_s + C.CUSTOMER_SWITCH * pi_i
        assert m.st.held[s.row] == approx(held_s, rel=1e-9)
        assert d[0] == approx(S * held_s, rel=1e-9)
        assert d[0] + m.inc.demand[:2].sum() == approx(S, rel=1e-12)
    assert held_s < pi_i  # gradual: far from its logit share after a year


def test_an_acquired_entrants_held_customers_go_to_the_buyer():
    m = _sector_model(exposure=0.2)
    s = B.add_startup(m, sector=0, disruptive=True, revenue=200.0, headcount=20, stage=1)
    for _ in range(3):
        _clear(m, [s.row])
    h_s, h_b = float(m.st.held[s.row]), float(m.inc.held[0])
    assert h_s > 0
    exits.acquire(m, m.startups[s.row], 0, 1.0, "integrate")
    assert m.inc.held[0] == approx(h_b + h_s, rel=1e-12)
    assert m.st.held[s.row] == 0.0


def test_complementary_startup_does_not_take_incumbents_customers():
    m = _sector_model()
    demand.clear(m, np.zeros(0, dtype=np.int64), np.zeros(0))
    before = m.inc.demand[:2].copy()
    s = B.add_startup(m, sector=0, disruptive=False, revenue=200.0, headcount=2000)
    d = _clear(m, [s.row])
    assert d[0] > 0
    assert np.array_equal(m.inc.demand[:2], before)
    assert d[0] < C.COMPLEMENT_MARKET * _spending(m)


def test_shelved_product_leaves_the_market():
    m = _sector_model()
    buyer = 1
    m.inc.cash[buyer] = B.mint(m, 1e5) + m.inc.cash[buyer]
    s = B.add_startup(m, sector=0, disruptive=True, revenue=300.0, headcount=3000, stage=3)
    _clear(m, [s.row])
    taken = _spending(m) - m.inc.demand[:2].sum()
    assert taken > 0
    exits.acquire(m, m.startups[s.row], buyer, price=100.0, mode="shelve")
    demand.clear(m, operations.live_rows(m), m.st.lrev[operations.live_rows(m)])
    assert m.inc.demand[:2].sum() == approx(_spending(m))


def test_integrated_product_line_joins_the_buyer():
    m = _sector_model()
    m.p = m.p.replace(absorptive_capacity=0.0)  # every buyer absorbs fully (7.8)
    buyer = 0
    m.inc.cash[buyer] += B.mint(m, 1e5)
    s = B.add_startup(m, sector=0, disruptive=True, revenue=300.0, headcount=3000, stage=3)
    m.st.pq[s.row] = 0.2
    m.st.revenue[s.row] = 300.0
    m.inc.revenue[buyer] = 900.0
    reach = float(m.inc.reach[buyer])
    exits.acquire(m, m.startups[s.row], buyer, price=100.0, mode="integrate")
    assert m.inc.pq[buyer] == approx(300.0 / 1200.0 * 0.2)
    assert math.exp(m.inc.reach[buyer]) == approx(
        math.exp(reach) + 300.0 / queries.trend(m))


def test_incremental_and_radical_innovation_steps():
    m = _sector_model()
    m.market.world = 1.0  # every product behind the world frontier: whole steps
    m.inc.pq[:2] = (0.1, 0.3)
    comp = B.add_startup(m, sector=0, disruptive=False, revenue=1.0, headcount=10)
    dis = B.add_startup(m, sector=0, disruptive=True, revenue=1.0, headcount=10)
    rows = np.array([comp.row, dis.row])
    _clear(m, rows)
    assert m.market.frontier[0] == approx(0.3)
    start = m.st.pq[rows].copy()
    products.innovate(m, rows, np.array([2, 2]), radical=m.st.disruptive[rows])
    step, leap = m.p.quality_step, m.p.radical_step
    assert m.st.pq[comp.row] == approx(start[0] + 2 * step)
    assert m.st.pq[dis.row] == approx(0.3 + leap + step)
    # no innovation, no move
    before = m.st.pq[rows].copy()
    products.innovate(m, rows, np.array([0, 0]), radical=m.st.disruptive[rows])
    assert np.array_equal(m.st.pq[rows], before)


def test_new_startup_starts_at_the_sectors_reference_quality():
    m = _sector_model()
    m.inc.pq[:2] = (0.2, 0.2)
    demand.clear(m, np.zeros(0, dtype=np.int64), np.zeros(0))
    s = B.add_startup(m, sector=0)
    assert m.st.pq[s.row] == approx(0.2)


def test_an_incumbent_that_loses_staff_loses_output():
    m = _sector_model(revenues=(1000.0,))
    demand.clear(m, np.zeros(0, dtype=np.int64), np.zeros(0))
    full = int(m.inc.headcount[0])
    m.inc.headcount[0] = full // 2
    m.idle = 0  # nobody to hire back this quarter
    incumbents.step(m)
    cap = m.inc.headcount[0] * m.inc.productivity[0]
    assert m.inc.revenue[0] == approx(cap)
    assert m.inc.revenue[0] < 0.6 * m.inc.demand[0]


def test_listed_startup_that_runs_out_of_cash_is_delisted():
    m = _sector_model()
    s = B.add_startup(m, sector=0, stage=5, revenue=10.0, headcount=50, cash=0.0)
    m.st.status[s.row] = C.PUBLIC
    m.insolvent = np.array([s.row])
    idle = m.idle
    exits.failures(m)
    assert m.st.status[s.row] == C.DELISTED and m.st.delist_step[s.row] == m.steps
    assert m.idle == idle + 50 and s.row not in m.startups


def test_ipo_can_price_below_the_last_private_round():
    m = _sector_model()
    vc = B.add_fund(m, size=500.0)
    s = B.add_startup(m, sector=0, stage=3, revenue=2.0, headcount=20, cash=1.0)
    B.invest(m, s, {vc: 50.0}, pre=400.0)  # last post-money 450, revenue 8 a year
    m.steps = C.BURN_IN + 1
    exits.ipo(m, m.startups[s.row], B.rng(1))
    assert m.st.valuation[s.row] < 450.0
    assert m.counts["down_round_ipos"] == 1
    # the fund's in-kind distribution (at the lock-up end) is worth less than it paid
    m.steps += C.LOCKUP_QUARTERS
    funds.release_lockups(m)
    deals = m.deals.to_array()
    assert deals[-1, 2] < deals[-1, 1]


def test_growth_terms_add_up_to_the_change_in_productivity():
    m = EcosystemModel(preset="korea", seed=5, scale=0.2)
    m.run(C.BURN_IN)
    p0 = m.growth.p_prev
    m.run(16)
    g = m.growth
    assert g.within + g.realloc + g.entrants == approx(g.p_prev - p0, rel=1e-9, abs_=1e-12)
    s = m.summary()
    total = sum(s[k] for k in ("growth_within_incumbents_share", "growth_from_entrants_share",
                               "growth_reallocation_share"))
    assert total == approx(1.0, rel=1e-9)


@settings(max_examples=40, deadline=None)
@given(exposure=hst.floats(0.0, 1.0), theta=hst.floats(0.5, 20.0),
       pq=hst.lists(hst.floats(-0.5, 0.5), min_size=5, max_size=5),
       lrev=hst.lists(hst.floats(-5.0, 12.0), min_size=3, max_size=3),
       dis=hst.lists(hst.booleans(), min_size=3, max_size=3))
def test_competing_shares_lie_in_unit_interval_and_sum_to_one(exposure, theta, pq, lrev, dis):
    m = B.make_model(seed=1, step=4, disruption_exposure=exposure, quality_sensitivity=theta,
                     n_sectors=1)
    for r in (500.0, 2000.0):
        B.add_incumbent(m, sector=0, revenue=r)
    m.market.base = np.array([2500.0])
    rows = []
    for i in range(3):
        s = B.add_startup(m, sector=0, disruptive=dis[i], revenue=1.0, headcount=10)
        m.st.lrev[s.row] = lrev[i]
        rows.append(s.row)
    m.inc.pq[:2] = pq[:2]
    rows = np.array(rows)
    m.st.pq[rows] = pq[2:]
    d = demand.clear(m, rows, m.st.lrev[rows])
    S = _spending(m)
    competing = np.concatenate([m.inc.demand[:2], d[m.st.disruptive[rows]]])
    shares = competing / S
    assert np.all(shares >= 0) and np.all(shares <= 1 + 1e-12)
    assert shares.sum() == approx(1.0, rel=1e-9)
    assert np.all(d >= 0)


# -- world frontier, diffusion, damping, held customers (docs/ODD.md 7.18) -------------------
def test_catch_up_closes_the_gap_at_the_diffusion_rate():
    m = _sector_model()
    s = B.add_startup(m, sector=0, disruptive=False, revenue=1.0, headcount=10)
    m.market.world = 0.5
    m.inc.pq[:2] = (0.0, 0.7)  # one behind the frontier, one ahead
    m.st.pq[s.row] = 0.1
    gaps = []
    for _ in range(40):
        gap0 = m.market.world - m.inc.pq[0]
        markets.advance(m)
        # the frontier moves first, then the laggard adopts DIFFUSION_RATE of the distance
        assert m.market.world - m.inc.pq[0] == approx(
            (1.0 - C.DIFFUSION_RATE) * (gap0 + C.WORLD_FRONTIER_GROWTH))
        gaps.append(m.market.world - m.inc.pq[0])
    assert m.inc.pq[1] == 0.7  # a firm ahead of the frontier adopts nothing
    assert m.st.pq[s.row] > 0.1  # startups catch up too
    # the gap settles where adoption matches the frontier's growth: g (1 - d) / d
    target = C.WORLD_FRONTIER_GROWTH * (1.0 - C.DIFFUSION_RATE) / C.DIFFUSION_RATE
    assert abs(gaps[-1] - target) < abs(gaps[0] - target)


def test_a_step_beyond_the_world_frontier_is_damped():
    m = _sector_model()
    m.market.world = 0.2
    m.inc.pq[:2] = (0.1, 0.2 + 0.15)
    rows = np.array([0, 1])
    products.innovate(m, rows, np.array([1, 1]), table="inc")
    q = m.p.quality_step
    assert m.inc.pq[0] == approx(0.1 + q)  # behind: a whole step
    assert m.inc.pq[1] == approx(0.35 + q * math.exp(-0.15 / C.FRONTIER_DAMPING))


@given(lam=hst.floats(1.0, 4.0))
@settings(max_examples=5, deadline=None)
def test_a_firm_innovating_steadily_settles_at_the_predicted_distance(lam):
    # a steady flow of lam innovations a quarter, each damped beyond the frontier: after the
    # frontier's move g the firm gains q lam exp(-(x - g) / FD), so the distance x = pq - W
    # settles at x* = g + FD log(lam q / g) (the ODD's FD log(lam q / g) in continuous time)
    m = _sector_model()
    q, g = m.p.quality_step, C.WORLD_FRONTIER_GROWTH
    for _ in range(1500):
        m.market.world += g
        m.inc.pq[0] += q * lam * float(queries.damp(m, m.inc.pq[0]))
    x = float(m.inc.pq[0] - m.market.world)
    assert x == approx(g + C.FRONTIER_DAMPING * math.log(lam * q / g), rel=1e-6, abs_=1e-9)


def test_held_customers_switch_to_a_better_incumbent_only_gradually():
    m = _sector_model(exposure=0.0, revenues=(1000.0, 1000.0))
    _clear(m, [])
    assert m.inc.held[:2] == approx(np.array([0.5, 0.5]))
    m.inc.pq[1] = 0.2  # a better product: its logit share jumps at once...
    theta = m.p.quality_sensitivity
    u = np.exp(theta * np.array([0.0, 0.2]))
    target = u / u.sum()
    held = np.array([0.5, 0.5])
    for _ in range(5):
        _clear(m, [])
        held = (1 - C.CUSTOMER_SWITCH) * held + C.CUSTOMER_SWITCH * target
        # ...but held customers re-choose at CUSTOMER_SWITCH a quarter
        assert m.inc.held[:2] == approx(held, rel=1e-9)
        assert m.inc.demand[:2] == approx(_spending(m) * held, rel=1e-9)
    assert m.inc.held[1] < target[1]


def test_customers_an_exit_frees_follow_quality():
    m = _sector_model(exposure=0.0, revenues=(1000.0, 1000.0, 1000.0))
    _clear(m, [])
    m.inc.pq[2] = 0.3
    incumbents.exit_incumbent(m, 0)
    _clear(m, [])
    theta = m.p.quality_sensitivity
    u = np.exp(theta * np.array([0.0, 0.3]))
    # the survivors' held shares after switching, plus the freed third shared by u
    kept = (1 - C.CUSTOMER_SWITCH) * np.array([1 / 3, 1 / 3]) + C.CUSTOMER_SWITCH * u / u.sum()
    expected = kept + (1.0 - kept.sum()) * u / u.sum()
    assert m.inc.held[1:3] == approx(expected, rel=1e-9)
    assert m.inc.held[1:3].sum() == approx(1.0)


def test_sectors_scale_with_the_economy():
    for scale, sectors in ((0.5, 4), (1.0, 8), (2.0, 16), (0.05, 1)):
        m = EcosystemModel("japan", seed=1, scale=scale)
        assert m.n_sectors == sectors
        per_sector = np.bincount(m.inc.view("sector"), minlength=m.n_sectors)
        assert per_sector.max() - per_sector.min() <= 1
        if scale >= 0.5:  # firms per sector do not change with scale
            assert per_sector.mean() == approx(m.p.n_incumbents / m.p.n_sectors)


def _centre(m, sector):
    """The circular mean of the live incumbents' positions in ``sector``, computed afresh."""
    inc = m.inc
    mine = inc.view("alive") & (inc.view("sector") == sector)
    angle = 2.0 * np.pi * inc.view("tech")[mine]
    return math.atan2(float(np.sin(angle).sum()), float(np.cos(angle).sum())) / (2.0 * np.pi)


def test_new_complements_build_near_the_current_centre_of_their_sector():
    """A complementary startup lands near its sector's incumbents' circular mean; the centre a
    sector's new startups share is recomputed after an incumbent moves, enters or leaves."""
    m = _sector_model()
    a, b = 0, 1
    m.inc.tech[a], m.inc.tech[b] = 0.10, 0.20

    def centre_used():
        return m._sector_centres[0]

    m._startup_position(0, disruptive=False)
    assert centre_used() == _centre(m, 0) == approx(0.15)
    products.shift(m, np.array([b]), np.array([0.30]))  # b moves to 0.50
    m._startup_position(0, disruptive=False)
    assert centre_used() == _centre(m, 0) == approx(0.30)
    B.add_incumbent(m, sector=0)
    m.inc.tech[m.inc.n - 1] = 0.30
    m._startup_position(0, disruptive=False)
    assert centre_used() == _centre(m, 0)
    incumbents.exit_incumbent(m, b)
    m._startup_position(0, disruptive=False)
    assert centre_used() == _centre(m, 0) == approx(0.20)


def test_a_graduating_entrant_keeps_its_held_customers():
    # a disruptive startup that becomes an incumbent keeps its held share;
    # the sector's held shares still add up to 1 at the next clearing
    m = _sector_model(exposure=0.2)
    s = B.add_startup(m, sector=0, disruptive=True, revenue=200.0, headcount=20, stage=1)
    for _ in range(3):
        _clear(m, [s.row])
    h = float(m.st.held[s.row])
    assert h > 0
    m.st.status[s.row] = C.PUBLIC
    n = m.inc.n
    incumbents.graduate(m, s.row)
    assert m.inc.held[n] == approx(h, rel=1e-12)
    assert m.st.held[s.row] == 0.0
    _clear(m, [])
    assert m.inc.held[:m.inc.n].sum() == approx(1.0, rel=1e-12)
