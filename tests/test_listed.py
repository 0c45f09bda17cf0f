"""Unit tests of listed startups taken over by incumbents (abm/mechanisms/listed.py) on small
hand-built situations.

Situations are built with tests/builders.py; the invariants (money, people, shares,
non-negativity) are checked after every mechanism call by the fixture in tests/conftest.py.
Expected values follow from the documented rule (docs/ODD.md 7.25), never from calibrated
output.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from abm import constants as C
from abm import demand, queries
from abm.mechanisms import labor, listed

import builders as B
from builders import approx as _approx


def _market(rate: float = 1.0, revenues=(1000.0, 3000.0), listed_revenue: float = 200.0,
            listed_at: int = 20, seed: int = 5, **kw):
    """One sector (plus an empty second) of incumbents with the given sales, staffed for them,
    after a first clearing, and one startup of sector 0 listed at ``listed_at`` selling
    ``listed_revenue`` a quarter."""
    m = B.make_model(seed=seed, step=30, n_sectors=2, listed_takeover_rate=rate, **kw)
    rows = [B.add_incumbent(m, sector=0, revenue=r, cash=0.1 * r,
                            headcount=int(r / C.INCUMBENT_PRODUCTIVITY)).row for r in revenues]
    m.market.base = np.array([sum(revenues), 0.0])
    demand.clear(m, np.zeros(0, dtype=np.int64), np.zeros(0))
    s = B.add_startup(m, sector=0, stage=4, cash=50.0, headcount=40, revenue=listed_revenue)
    m.st.status[s.row] = C.PUBLIC
    m.st.exit_step[s.row] = listed_at
    m.st.innovations[s.row] = 7
    return m, rows, s


def test_rate_zero_or_lock_up_or_no_sales_means_no_takeover():
    m, _, s = _market(rate=0.0)
    for _ in range(8):
        listed.step(m)
    assert m.st.status[s.row] == C.PUBLIC and s.row in m.startups
    m, _, s = _market(rate=1.0, listed_at=30 - C.LOCKUP_QUARTERS + 1)  # funds still locked up
    assert s.row not in listed.candidates(m)
    listed.step(m)
    assert m.st.status[s.row] == C.PUBLIC
    m, _, s = _market(rate=1.0)
    m.st.graduated[s.row] = True  # grown into an incumbent: not a listed startup any more
    assert s.row not in listed.candidates(m)


def test_quarterly_hazard_compounds_to_the_yearly_rate():
    m, _, _ = _market(rate=0.08)
    h = listed.hazard(m)
    assert 1.0 - (1.0 - h) ** C.STEPS_PER_YEAR == _approx(0.08, rel=1e-12)


def test_a_takeover_moves_sales_staff_cash_knowledge_and_the_better_product():
    m, (small, big), s = _market()
    inc, st = m.inc, m.st
    st.pq[s.row] = float(inc.pq[big]) + 0.3  # the listed firm has the better product
    before = {c: inc.view(c).copy() for c in ("headcount", "cash", "revenue", "demand",
                                               "knowledge", "reach", "pq", "revenue0")}
    cap = inc.headcount[big] * inc.productivity[big] + st.revenue[s.row]
    pq_s, r_s = float(st.pq[s.row]), float(st.revenue[s.row])
    reach_s = queries.entry_reach(m, 0, r_s, pq_s, -1.0)
    work, uid = labor.workforce(m), s.unique_id
    listed.take_over(m, big, s.row)

    assert st.status[s.row] == C.DELISTED and st.acquirer[s.row] == big
    assert st.delist_step[s.row] == 30 and s.row not in m.startups
    assert st.headcount[s.row] == 0 and st.cash[s.row] == 0.0 and st.revenue[s.row] == 0.0
    assert inc.headcount[big] == before["headcount"][big] + 40 and labor.workforce(m) == work
    assert inc.cash[big] == _approx(before["cash"][big] + 50.0)
    assert inc.revenue[big] == _approx(before["revenue"][big] + r_s)
    assert inc.demand[big] == _approx(before["demand"][big] + r_s)
    assert inc.knowledge[big] == _approx(before["knowledge"][big] + 7.0)
    assert inc.headcount[big] * inc.productivity[big] == _approx(cap, rel=1e-9)
    assert math.exp(inc.reach[big]) == _approx(math.exp(before["reach"][big])
                                               + math.exp(reach_s), rel=1e-9)
    w = r_s / (r_s + before["revenue"][big])
    assert inc.pq[big] == _approx(before["pq"][big] + w * (pq_s - before["pq"][big]))
    assert before["pq"][big] < inc.pq[big] < pq_s
    g = C.MARKET_GROWTH
    assert inc.revenue0[big] == _approx(
        before["revenue0"][big] + r_s * math.exp(-g * (30 - inc.entered[big])))
    assert not m.graph.has_node(uid) and s not in m.agents
    assert m.stats["listed_taken_over"] == 1
    # the firm stays an IPO exit and is counted as taken over after the burn-in
    assert m.summary()["listed_takeovers"] == 1.0


def test_a_worse_product_leaves_the_buyers_quality_and_tied_customers_come_along():
    m, (_, big), s = _market()
    inc, st = m.inc, m.st
    st.pq[s.row] = float(inc.pq[big]) - 0.2
    st.disruptive[s.row] = True
    st.held[s.row] = 0.05
    pq_b, held_b = float(inc.pq[big]), float(inc.held[big])
    listed.take_over(m, big, s.row)
    assert inc.pq[big] == pq_b
    assert inc.held[big] == _approx(held_b + 0.05) and st.held[s.row] == 0.0


def test_step_buys_with_a_larger_same_sector_incumbent_drawn_by_sales():
    """Six incumbents selling 1,000 and one selling 2,000: every deal passes the antitrust cap
    (at most 2,200 / 8,200 of the sector after it), so the buyer is drawn by sales and the big
    one buys with probability 2,000 / 8,000."""
    revenues = (1000.0,) * 6 + (2000.0,)
    buyers = []
    for seed in range(60):
        m, rows, s = _market(seed=seed, revenues=revenues)
        listed.step(m)  # rate 1: a certain hit
        assert m.st.status[s.row] == C.DELISTED
        buyers.append(int(m.st.acquirer[s.row]))
        assert buyers[-1] in rows
    share_big = buyers.count(rows[-1]) / len(buyers)
    assert 0.08 < share_big < 0.45  # 0.25 expected; 60 draws: sd 0.056


def test_no_larger_incumbent_or_antitrust_means_no_deal():
    m, _, s = _market(listed_revenue=5000.0)  # larger than every incumbent: no bidder
    listed.step(m)
    assert m.st.status[s.row] == C.PUBLIC and m.counts["listed_takeovers_blocked"] == 0
    # two incumbents: either would hold more than MERGER_SHARE_CAP of the sector after the deal
    m, _, s = _market(revenues=(1000.0, 3000.0), listed_revenue=400.0)
    assert (1000.0 + 400.0) / 4400.0 > C.MERGER_SHARE_CAP
    listed.step(m)
    assert m.st.status[s.row] == C.PUBLIC and m.counts["listed_takeovers_blocked"] == 1


# -- delisting for cause ------------------------------------------------------------------------
def test_cause_hazard_keeps_the_population_rate_and_tilts_towards_weak_firms():
    m, _, s = _market(rate=0.0, listed_delisting_rate=0.04)
    others = [B.add_startup(m, sector=0, stage=4, revenue=r) for r in (20.0, 500.0, 2000.0)]
    for o in others:
        m.st.status[o.row] = C.PUBLIC
        m.st.exit_step[o.row] = 20
    rows = listed.candidates(m)
    assert set(rows.tolist()) == {s.row} | {o.row for o in others}
    h = listed.cause_hazard(m, rows)
    yearly = 1.0 - (1.0 - h) ** C.STEPS_PER_YEAR
    assert yearly.mean() == _approx(0.04, rel=1e-12)  # the data's rate over the population
    sales = m.st.revenue[rows]
    assert (np.diff(yearly[np.argsort(sales)]) < 0).all()  # smaller firms fail more often
    a = C.TAKEOVER_UNDERPERFORMANCE
    w = (1.0 + a) / (1.0 + a * sales / sales.mean())
    assert yearly == pytest.approx(0.04 * w / w.mean(), rel=1e-12)  # the rule as documented
    assert yearly.max() <= 0.04 * (1.0 + a) / w.mean()  # the tilt saturates at 1 + a
    m.p = m.p.replace(listed_delisting_rate=0.0)
    assert (listed.cause_hazard(m, rows) == 0.0).all()


def test_a_firm_delisted_for_cause_closes_and_is_not_taken_over():
    m, _, s = _market(rate=1.0, listed_delisting_rate=1.0)  # a certain delisting comes first
    st, idle = m.st, m.idle
    listed.step(m)
    assert st.status[s.row] == C.DELISTED and st.acquirer[s.row] == -1
    assert st.headcount[s.row] == 0 and st.cash[s.row] == 0.0 and m.idle == idle + 40
    assert m.counts["delisted"] == 1 and m.stats["listed_delisted"] == 1
    assert m.stats["listed_taken_over"] == 0 and s.row not in m.startups
    summary = m.summary()
    assert summary["delistings"] == 1.0 and summary["listed_takeovers"] == 0.0
