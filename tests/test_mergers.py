"""Unit tests of incumbents acquired by incumbents (abm/mechanisms/mergers.py) on small
hand-built situations.

Situations are built with tests/builders.py; the invariants (money, people, shares,
non-negativity) are checked after every mechanism call by the fixture in tests/conftest.py.
Expected values follow from the documented rule (docs/ODD.md 7.24) and the structural
constants, never from calibrated output.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from abm import constants as C
from abm import demand, queries
from abm.mechanisms import labor, mergers, partnerships

import builders as B
from builders import approx as _approx


def _sector(rate: float = 0.02, revenues=(1000.0, 3000.0, 2000.0), seed: int = 5, **kw):
    """One sector (plus an empty second) of incumbents with the given sales, staffed for them,
    after a first clearing (held shares set)."""
    m = B.make_model(seed=seed, step=30, n_sectors=2, incumbent_takeover_rate=rate, **kw)
    rows = []
    for r in revenues:
        rows.append(B.add_incumbent(m, sector=0, revenue=r, cash=0.1 * r,
                                    headcount=int(r / C.INCUMBENT_PRODUCTIVITY)).row)
    m.market.base = np.array([sum(revenues), 0.0])
    demand.clear(m, np.zeros(0, dtype=np.int64), np.zeros(0))
    return m, rows


def test_hazard_zero_nothing_merges():
    m, rows = _sector(rate=0.0)
    for _ in range(20):
        mergers.step(m)
    assert m.inc.view("alive").all() and m.counts["incumbents_acquired"] == 0
    assert (m.inc.view("acquirer") == -1).all()


def test_hazard_rises_for_underperformers_and_is_the_rate_at_the_mean():
    m, rows = _sector(rate=0.04, revenues=(1000.0, 1000.0, 1000.0))
    h = mergers.hazard(m, np.array(rows))
    quarterly = 1.0 - (1.0 - 0.04) ** (1.0 / C.STEPS_PER_YEAR)
    assert h == pytest.approx(np.full(3, quarterly))  # everyone at the sector mean
    m.inc.revenue[rows[0]] = 100.0  # sales collapsed
    h = mergers.hazard(m, np.array(rows))
    assert h[0] > quarterly > h[1] == h[2]
    a = C.TAKEOVER_UNDERPERFORMANCE
    assert h[0] < 1.0 - (1.0 - 0.04 * (1.0 + a)) ** (1.0 / C.STEPS_PER_YEAR) + 1e-15


def test_forced_merger_moves_customers_staff_cash_and_product():
    m, (small, big, mid) = _sector()
    inc = m.inc
    inc.pq[small] = 0.5  # the target has the better product
    s = B.add_startup(m, sector=0, stage=1, cash=1.0, headcount=5)
    partnerships.begin(m, s.row, small)
    before = {c: inc.view(c).copy() for c in ("held", "headcount", "cash", "revenue",
                                               "knowledge", "reach", "pq", "demand")}
    work, idle = labor.workforce(m), m.idle
    uid = m.incumbents[small].unique_id
    mergers.merge(m, big, small)

    assert not inc.alive[small] and inc.acquirer[small] == big and inc.exit_step[small] == 30
    assert inc.held[big] == _approx(before["held"][big] + before["held"][small])
    assert inc.headcount[big] == before["headcount"][big] + before["headcount"][small]
    assert inc.headcount[small] == 0 and m.idle == idle and labor.workforce(m) == work
    assert inc.cash[big] == _approx(before["cash"][big] + before["cash"][small])
    assert inc.cash[small] == 0.0
    assert inc.demand[big] == _approx(before["demand"][big] + before["demand"][small])
    assert inc.knowledge[big] == _approx(before["knowledge"][big] + before["knowledge"][small])
    assert math.exp(inc.reach[big]) == _approx(math.exp(before["reach"][big])
                                               + math.exp(before["reach"][small]))
    # quality: the sales-weighted step towards the better product, never above it
    w = before["revenue"][small] / (before["revenue"][small] + before["revenue"][big])
    assert inc.pq[big] == _approx(before["pq"][big] + w * (0.5 - before["pq"][big]))
    assert before["pq"][big] < inc.pq[big] < 0.5
    assert m.st.partner[s.row] == -1  # its partnerships end
    assert not m.graph.has_node(uid) and m.incumbents[small] not in m.agents
    assert m.counts["incumbents_acquired"] == 1 and m.counts["incumbents_displaced"] == 0
    # the next clearing shares the sector among the remaining firms: held shares sum to 1
    demand.clear(m, np.zeros(0, dtype=np.int64), np.zeros(0))
    alive = inc.view("alive").nonzero()[0]
    assert inc.held[alive].sum() == _approx(1.0)
    assert inc.demand[alive].sum() == _approx(m.market.base[0] * queries.trend(m))


def test_the_merged_capacity_and_exit_floor_are_the_sums():
    m, (small, big, _) = _sector()
    inc = m.inc
    inc.productivity[small] *= 2.0
    cap = (inc.headcount[big] * inc.productivity[big]
           + inc.headcount[small] * inc.productivity[small])
    inc.entered[small] = 10
    g = C.MARKET_GROWTH
    floor = (inc.revenue0[big] * math.exp(g * (m.steps - inc.entered[big]))
             + inc.revenue0[small] * math.exp(g * (m.steps - 10)))
    mergers.merge(m, big, small)
    assert inc.headcount[big] * inc.productivity[big] == _approx(cap, rel=1e-9)
    assert inc.revenue0[big] * math.exp(g * (m.steps - inc.entered[big])) == _approx(floor)


def test_step_buys_with_a_larger_same_sector_incumbent():
    # a certain hit: the yearly rate 1 gives quarterly probability 1
    revenues = (200.0, 900.0, 1000.0, 1100.0, 1200.0, 1300.0)
    m, rows = _sector(rate=1.0, revenues=revenues, seed=3)
    other = B.add_incumbent(m, sector=1, revenue=9000.0, cash=10.0, headcount=90000).row
    m.market.base = np.array([sum(revenues), 9000.0])
    mergers.step(m)
    inc = m.inc
    acquired = (inc.view("acquirer") >= 0).nonzero()[0]
    assert rows[0] in acquired  # the smallest: a bidder passes antitrust
    for t in acquired:
        b = inc.acquirer[t]
        assert inc.sector[b] == inc.sector[t] == 0 and inc.alive[b]
        assert inc.revenue0[b] > inc.revenue0[t]  # a larger firm buys
    assert inc.alive[other]  # the largest firm of its own sector has no bidder


def test_antitrust_blocks_a_deal_above_the_share_bound():
    # two firms of 40% and 60%: every merger would leave the buyer above the bound
    m, (a, b) = _sector(rate=1.0, revenues=(2000.0, 3000.0))
    sales = mergers.sector_sales(m)
    larger, ok = mergers.bidders(m, a, sales)
    assert list(larger) == [b] and not ok.any()
    mergers.step(m)
    assert m.inc.view("alive").all() and m.counts["incumbents_acquired"] == 0
    assert m.counts["mergers_blocked"] >= 1
    # the same small target among many firms passes
    m2, rows = _sector(rate=1.0, revenues=(100.0, 400.0) + (1000.0,) * 6)
    larger, ok = mergers.bidders(m2, rows[0], mergers.sector_sales(m2))
    assert ok.all() and (400.0 + 100.0) / 6500.0 <= C.MERGER_SHARE_CAP


def test_no_money_or_people_are_made_by_a_run_with_mergers():
    m = B.make_model(seed=2)
    del m
    from abm import EcosystemModel

    model = EcosystemModel("silicon_valley", seed=2, scale=0.3, incumbent_takeover_rate=0.2)
    model.run(12)
    B.assert_invariants(model)
    inc = model.inc
    n = inc.n
    gone = ~inc.alive[:n]
    assert gone.sum() == model.counts["incumbents_acquired"] + model.counts["incumbents_displaced"]
    assert (inc.acquirer[:n][inc.acquirer[:n] >= 0] < n).all()
