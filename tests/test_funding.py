"""Unit tests of funding rounds (abm/mechanisms/funding.py) on small hand-built situations.

Situations are built with tests/builders.py; the invariants (money, shares, non-negativity)
are checked after every mechanism call by the fixture in tests/conftest.py. Numbers below are
set up by the tests themselves; expected values are derived from the model's documented rules
and its structural constants (``abm.constants``), never from calibrated output.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as hs

from abm import constants as C
from abm.mechanisms import funding

import builders as B
from builders import approx as _approx


# -- funding rounds ---------------------------------------------------------------------------
def test_round_dilutes_every_holder_in_proportion():
    m = B.make_model(seed=6, step=10)
    f1, f2 = B.add_fund(m, size=100.0), B.add_fund(m, size=100.0)
    s = B.add_startup(m, stage=0, cash=0.5)
    before = dict(s.cap_table)
    B.invest(m, s, {f1: 3.0, f2: 1.0}, pre=16.0, stage=1)
    keep = 16.0 / 20.0
    for holder, frac in before.items():
        assert s.cap_table[holder] == _approx(frac * keep)
    assert s.cap_table[f1.unique_id] == _approx(3.0 / 20.0)
    assert s.cap_table[f2.unique_id] == _approx(1.0 / 20.0)
    assert B.cap_sum(s) <= 1.0 + 1e-12
    assert 1.0 - B.cap_sum(s) == _approx(C.ESOP * keep)
    st = m.st
    assert st.cash[s.row] == _approx(4.5) and st.stage[s.row] == 1
    assert st.valuation[s.row] == _approx(20.0) and st.raised[s.row] == _approx(4.0)
    assert f1.cash == _approx(97.0) and f1.invested == 3.0 and f1.portfolio[s.row] == 3.0
    assert m.graph.has_edge(f1.unique_id, s.unique_id, key="investment")
    assert m.rounds[-1][:3] == (10, 1, 4.0) and m.rounds[-1][5] is True
    assert s.row in m.private_round_rows
    # a second round keeps relative stakes
    ratio = s.cap_table[f1.unique_id] / s.cap_table[f2.unique_id]
    B.invest(m, s, {f2: 10.0}, pre=40.0, stage=2)
    assert s.cap_table[f1.unique_id] == _approx(3.0 / 20.0 * 40.0 / 50.0)
    assert (s.cap_table[f1.unique_id] / (s.cap_table[f2.unique_id] - 10.0 / 50.0)
            == _approx(ratio))
    assert B.cap_sum(s) <= 1.0 + 1e-12


def test_try_round_closes_for_a_strong_startup_and_dilutes_holders():
    m = B.make_model(seed=7, step=10)
    for _ in range(3):
        B.add_fund(m, size=2000.0)
    s = B.add_startup(m, stage=1, quality=1e4, cash=0.1, headcount=4, revenue=0.5)
    before = dict(s.cap_table)
    assert funding.try_round(m, s.row, B.pools(m), m.rngs["funding"])
    st = m.st
    assert st.stage[s.row] == 2
    raised = st.raised[s.row]
    post = st.valuation[s.row]
    keep = (post - raised) / post
    for holder, frac in before.items():
        assert s.cap_table[holder] == _approx(frac * keep)
    assert 0 < raised and B.cap_sum(s) <= 1.0 + 1e-12
    assert all(v > 0 for v in s.cap_table.values())


def test_no_investing_fund_means_no_round():
    m = B.make_model(seed=7, step=10)
    B.add_fund(m, size=2000.0, stage_range=(4, 5))  # only late-stage money
    s = B.add_startup(m, stage=1, quality=1e4, cash=0.1)
    assert not funding.try_round(m, s.row, B.pools(m), m.rngs["funding"])
    assert m.st.stage[s.row] == 1 and not m.rounds


@pytest.mark.parametrize("depth", [0.0, 1.0])
def test_follow_on_by_existing_funds(depth):
    m = B.make_model(seed=8, step=10, followon_depth=depth)
    insider = B.add_fund(m, size=1000.0, vintage=10 - (C.INVEST_PERIOD + 2))
    assert not insider.investing() and insider.can_follow_on()
    B.add_fund(m, size=5000.0)  # a new lead
    hits = 0
    for _ in range(20):
        s = B.add_startup(m, stage=1, quality=1e4, cash=0.1, headcount=4, revenue=0.5)
        B.invest(m, s, {insider: 4.0}, pre=4.0, stage=1)  # the insider owns half
        invested = insider.invested
        closed = funding.try_round(m, s.row, B.pools(m), m.rngs["funding"])
        assert closed
        if insider.invested > invested:
            hits += 1
            assert insider.portfolio[s.row] > 4.0
    if depth == 0.0:
        assert hits == 0
    else:
        assert hits >= 15


def _capture_leads(monkeypatch):
    leads = []
    real = funding.close_round

    def spy(model, startup, stage, pre, commits, lead, raised=None):
        leads.append((lead, dict(commits)))
        real(model, startup, stage, pre, commits, lead, raised)

    monkeypatch.setattr(funding, "close_round", spy)
    return leads


def test_government_funds_cannot_lead_when_coinvestment_required(monkeypatch):
    leads = _capture_leads(monkeypatch)
    m = B.make_model(seed=9, step=10, gov_coinvest_required=1.0)
    B.add_fund(m, "government", size=5000.0, stage_range=(1, 4))
    for _ in range(30):
        s = B.add_startup(m, stage=1, quality=1e4, cash=0.1, revenue=0.5)
        assert not funding.try_round(m, s.row, B.pools(m), m.rngs["funding"])
    assert leads == []


def test_government_funds_may_lead_when_not_required(monkeypatch):
    leads = _capture_leads(monkeypatch)
    m = B.make_model(seed=9, step=10, gov_coinvest_required=0.0)
    B.add_fund(m, "government", size=5000.0, stage_range=(1, 4))
    for _ in range(10):
        s = B.add_startup(m, stage=1, quality=1e4, cash=0.1, revenue=0.5)
        funding.try_round(m, s.row, B.pools(m), m.rngs["funding"])
    assert leads and all(lead.kind == "government" for lead, _ in leads)
    assert m.private_round_rows == []  # a government-led round is not a private round


def test_government_funds_coinvest_behind_a_private_lead(monkeypatch):
    leads = _capture_leads(monkeypatch)
    m = B.make_model(seed=10, step=10, gov_coinvest_required=1.0)
    B.add_fund(m, "government", size=5000.0, stage_range=(1, 4))
    B.add_fund(m, "independent", size=5000.0)
    for _ in range(60):
        s = B.add_startup(m, stage=1, quality=1e4, cash=0.1, revenue=0.5)
        funding.try_round(m, s.row, B.pools(m), m.rngs["funding"])
    assert leads
    assert all(lead.kind != "government" for lead, _ in leads)
    coinvested = [c for _, c in leads if any(f.kind == "government" for f in c)]
    assert len(coinvested) >= 5


def test_corporate_funds_favour_their_parents_sector():
    m = B.make_model(seed=11, step=10, cvc_strategic_weight=1.0)
    parent = B.add_incumbent(m, sector=0, revenue=1000.0)
    cvc = B.add_fund(m, "corporate", size=100.0, parent=parent, skill=0.5)
    same = B.add_startup(m, sector=0, quality=2.0)
    other = B.add_startup(m, sector=1, quality=2.0)
    stage = 2
    merit = C.SCREEN_BAR[stage]
    n = 4000
    r1, r2 = B.rng(1), B.rng(2)
    a = np.mean([cvc.screen(merit, same.row, r1, stage) for _ in range(n)])
    b = np.mean([cvc.screen(merit, other.row, r2, stage) for _ in range(n)])
    se = math.sqrt(a * (1 - a) / n + b * (1 - b) / n)
    assert a - b > 4 * se, (a, b)
    # without strategic weight, the sector does not matter (same noise, same answers)
    m2 = B.make_model(seed=11, step=10, cvc_strategic_weight=0.0)
    parent2 = B.add_incumbent(m2, sector=0, revenue=1000.0)
    cvc2 = B.add_fund(m2, "corporate", size=100.0, parent=parent2, skill=0.5)
    s0, s1 = B.add_startup(m2, sector=0, quality=2.0), B.add_startup(m2, sector=1, quality=2.0)
    r1, r2 = B.rng(3), B.rng(3)
    assert ([cvc2.screen(merit, s0.row, r1, stage) for _ in range(500)]
            == [cvc2.screen(merit, s1.row, r2, stage) for _ in range(500)])


# -- the compiled walk and the plain walk -------------------------------------------------------
def _situation(seed: int, followon_depth: float = 0.6, gov_coinvest_required: float = 0.5,
               cvc_strategic_weight: float = 0.8, n_startups: int = 40, quarters: int = 4):
    """A hand-built ecosystem for the funding walk: incumbents in two sectors and two business
    groups; independent funds of several sizes, stage ranges and vintages (some past their
    investing period: they only follow on), corporate funds of live parents, government
    funds, a fund without cash; startups at every stage, of low to high quality, some
    disruptive, some partnered with a parent (or its group), many with funds on their cap
    table (earlier rounds). Every startup seeks money. Returns the model (clock at step 30)."""
    m = B.make_model(seed=seed, step=30, followon_depth=followon_depth,
                     gov_coinvest_required=gov_coinvest_required,
                     cvc_strategic_weight=cvc_strategic_weight, group_cohesion=0.7)
    rng = np.random.default_rng(seed)
    incs = [B.add_incumbent(m, sector=k % 2, group=k % 3 - 1, revenue=500.0 + 100 * k)
            for k in range(5)]
    funds = []
    for k in range(7):
        lo = int(rng.integers(1, 3))
        funds.append(B.add_fund(m, size=float(rng.choice([20.0, 150.0, 800.0])),
                                stage_range=(lo, int(rng.integers(lo, C.GROWTH + 1))),
                                skill=float(rng.uniform(0.2, 1.0)),
                                vintage=30 - int(rng.choice([0, 8, C.INVEST_PERIOD + 2]))))
    for inc in incs[:3]:
        funds.append(B.add_fund(m, "corporate", size=300.0, parent=inc,
                                skill=float(rng.uniform(0.2, 1.0))))
    funds += [B.add_fund(m, "government", size=400.0, stage_range=(1, 4)),
              B.add_fund(m, "government", size=60.0, stage_range=(1, 2), vintage=22)]
    broke = B.add_fund(m, size=10.0)
    broke.cash = 0.0
    m.ledger.sink("test", 10.0)
    st = m.st
    for k in range(n_startups):
        s = B.add_startup(m, sector=int(rng.integers(2)), stage=int(rng.integers(0, C.GROWTH)),
                          quality=float(np.exp(rng.normal(1.0, 1.5))),
                          disruptive=bool(rng.random() < 0.3), cash=0.05, headcount=5,
                          revenue=float(rng.choice([0.0, 0.2, 2.0])))
        if rng.random() < 0.6:  # earlier rounds: funds on the cap table
            holders = rng.choice(len(funds), size=int(rng.integers(1, 4)), replace=False)
            commits = {funds[i]: 0.5 for i in holders.tolist() if funds[i].cash > 1.0}
            if commits:
                B.invest(m, s, commits, pre=4.0, stage=int(st.stage[s.row]))
        if rng.random() < 0.3:
            st.partner[s.row] = incs[int(rng.integers(len(incs)))].row
    # the fund on most cap tables is nearly out of money: its follow-ons are capped by cash
    thin = max(funds, key=lambda f: len(f.portfolio))
    m.ledger.sink("test", thin.cash - 0.8)
    thin.cash = 0.8
    st.last_round[:st.n] = 30 - C.ROUND_INTERVAL
    st.last_pitch[:st.n] = 20
    return m


def _digest(m) -> tuple:
    """Everything the funding step may change, values as float64 bytes."""
    st = m.st
    cols = b"".join(getattr(st, c.name)[:st.n].tobytes() for c in type(
        next(iter(m.startups.values()))).COLUMNS)
    funds = np.array([x for f in m.funds for x in (
        f.cash, f.size, f.invested, f.hurdle, *(v for kv in sorted(f.flows.items()) for v in kv),
        *(v for kv in sorted(f.portfolio.items()) for v in kv))], dtype=np.float64).tobytes()
    caps = [(r, [(h, np.float64(v).tobytes()) for h, v in s.cap_table.items()])
            for r, s in sorted(m.startups.items())]
    return (cols, funds, caps, list(m.rounds), dict(m.counts), dict(m.stats),
            list(m.private_round_rows), m.net.n_edge_records, list(m.net.iter_edges()),
            m.rngs["funding"].bit_generator.state, m.events)


def _run_funding(monkeypatch, compiled: bool, seed: int, quarters: int = 4, **kw):
    from abm import kernels as K

    monkeypatch.setattr(K, "ENABLED", compiled)
    m = _situation(seed, **kw)
    m.record_events = True
    for q in range(quarters):
        B.at_step(m, 30 + q)
        funding.step(m)
    return m


@pytest.mark.parametrize("seed, depth, gov_required, cvc_weight", [
    (1, 0.6, 0.5, 0.8), (2, 1.0, 0.0, 1.0), (3, 0.0, 1.0, 0.0), (4, 1.0, 1.0, 0.5),
])
def test_compiled_walk_equals_the_python_walk_on_hand_built_situations(
        monkeypatch, seed, depth, gov_required, cvc_weight):
    """The compiled funding walk (abm.kernels.funding_walk, then booking in seeker order) and
    the Python walk (try_round for each seeker, ABM_NO_NUMBA=1) leave every column, fund,
    cap table, round record, count, edge, event and the funding stream's state the same, to
    the last bit, over four quarters of follow-ons, leads, syndicates, government funds that
    may or may not lead, corporate funds' strategic fit and funds running out of money."""
    kw = dict(followon_depth=depth, gov_coinvest_required=gov_required,
              cvc_strategic_weight=cvc_weight)
    plain = _run_funding(monkeypatch, False, seed, **kw)
    compiled = _run_funding(monkeypatch, True, seed, **kw)
    assert len(plain.rounds) > 10  # rounds closed (and others failed): the walk was walked
    assert _digest(compiled) == _digest(plain)


@settings(max_examples=15, deadline=None)
@given(hs.integers(0, 10**6), hs.floats(0.0, 1.0), hs.floats(0.0, 1.0), hs.floats(0.0, 1.0),
       hs.integers(1, 60))
def test_compiled_walk_equals_the_python_walk_on_random_situations(seed, depth, gov_required,
                                                                   cvc_weight, n_startups):
    from abm import kernels as K

    mp = pytest.MonkeyPatch()
    try:
        kw = dict(followon_depth=depth, gov_coinvest_required=gov_required,
                  cvc_strategic_weight=cvc_weight, n_startups=n_startups)
        plain = _run_funding(mp, False, seed, quarters=2, **kw)
        compiled = _run_funding(mp, True, seed, quarters=2, **kw)
    finally:
        mp.undo()
    assert K.ENABLED in (True, False)
    assert _digest(compiled) == _digest(plain)


def test_compiled_walk_with_no_fund_fails_every_pitch_and_draws_nothing(monkeypatch):
    from abm import kernels as K

    monkeypatch.setattr(K, "ENABLED", True)
    m = B.make_model(seed=5, step=30)
    rows = [B.add_startup(m, stage=1, cash=0.05, headcount=5).row for _ in range(5)]
    m.st.last_round[rows] = 0
    state = m.rngs["funding"].bit_generator.state
    funding.walk(m, np.array(rows), (), funding._fund_table(m), m.rngs["funding"])
    assert (m.st.last_pitch[rows] == 30).all() and not m.rounds
    assert m.rngs["funding"].bit_generator.state == state


def test_compiled_walk_equals_the_python_walk_when_insiders_alone_close_the_round(monkeypatch):
    """No fund invests in new companies, so only the insiders follow on; the largest of them
    leads and prices the round on its own reading (a different one for each insider)."""
    from abm import kernels as K

    digests = []
    for compiled in (False, True):
        monkeypatch.setattr(K, "ENABLED", compiled)
        m = B.make_model(seed=12, step=30, followon_depth=1.0)
        old = [B.add_fund(m, size=size, skill=0.3, vintage=30 - (C.INVEST_PERIOD + 2))
               for size in (200.0, 300.0, 400.0)]
        for _ in range(12):
            s = B.add_startup(m, stage=2, quality=50.0, cash=0.05, headcount=5, revenue=0.5)
            B.invest(m, s, {old[0]: 1.0, old[1]: 2.0, old[2]: 1.5}, pre=4.0, stage=2)
        m.st.last_round[:m.st.n] = 0
        n_rounds = len(m.rounds)
        funding.step(m)
        assert len(m.rounds) - n_rounds >= 6   # insider-only rounds closed
        assert not funding._pools(m)[3][0]     # nobody to pitch to
        digests.append(_digest(m))
    assert digests[0] == digests[1]


def test_a_fund_holds_shares_only_of_startups_that_raised_a_round():
    """The compiled walk reads the cap tables of the seekers that raised only (a fund joins a
    cap table only in a round, which adds to ``raised``; ``walk`` and the shortcut in ``step``
    rely on it): checked on every startup after every quarter of a short run, whose exits,
    lock-ups, secondary sales and angel checks also write cap tables."""
    from abm.model import EcosystemModel

    m = EcosystemModel(preset="silicon_valley", seed=4, scale=0.2)
    with_funds = 0
    for _ in range(40):
        m.step()
        for row, s in m.startups.items():
            funds = [h for h in s.cap_table if h in m.fund_by_uid]
            with_funds += bool(funds)
            assert m.st.raised[row] > 0 or not funds, (row, s.cap_table)
    assert with_funds > 100  # funds were on cap tables: the check checked something
