"""Ordinary small firms (abm/mechanisms/smallfirms.py; docs/ODD.md 7.21) on hand-built
situations, and the metrics over all firms (abm.metrics._all_firms)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as hst

import builders as B
from abm import EcosystemModel
from abm import constants as C
from abm import queries
from abm.mechanisms import smallfirms as S
from abm.metrics import summary, weighted_hill_tail_exponent

T = 60


def still(monkeypatch) -> None:
    """No growth noise or drift: sizes change only through a parent's revenue."""
    monkeypatch.setattr(C, "SMALLFIRM_GROWTH_SD", 0.0)
    monkeypatch.setattr(C, "SMALLFIRM_DRIFT", 0.0)


def test_population_is_sized_from_the_parameters():
    m = B.make_model(small_firms=100_000, scale=0.5)
    sf = m.small
    assert sf.rows_target == round(C.SMALLFIRM_ROWS * 0.5)
    assert sf.weight == pytest.approx(100_000 / C.SMALLFIRM_ROWS)
    assert sf.n == 0  # populate=False: no spin-up
    assert B.make_model(small_firms=0).small.rows_target == 0


def test_a_full_model_starts_near_the_target_number_of_firms():
    m = EcosystemModel(preset="silicon_valley", seed=3, scale=0.2)
    assert 0.7 < m.small.n / m.small.rows_target < 1.3
    assert m.small.entries == {} and m.small.exits == {}  # the spin-up is forgotten


def test_entry_adds_firms_at_the_rate():
    m = B.make_model(small_firm_entry_rate=0.1, small_firms=200_000)
    sf = m.small
    sf.h0 = 0.0  # no exit: only entry
    quarters = 200
    for t in range(1, quarters + 1):
        S.advance(m, t)
    expected = 0.1 / C.STEPS_PER_YEAR * sf.rows_target * quarters
    assert abs(sf.n - expected) < 4 * math.sqrt(expected)  # Poisson entries
    assert sum(sf.entries.values()) == sf.n
    assert sf.emp.min() >= 1.0


def test_exit_hazard_falls_with_age_and_size():
    sf = S.SmallFirms(weight=1.0, rows_target=4, entry_rate=0.08)
    sf.add(np.array([3.0, 3.0, 3.0, 30.0]), born=0)
    sf.born[:] = [100, 60, 0, 0]  # ages 0, 10 and 25 years at step 100
    h = S.hazard(sf, 100)
    assert h[0] > h[1] > h[2] > h[3]
    assert h[0] / h[2] == pytest.approx(S.age_profile(0.0) / S.age_profile(25.0))
    assert S.age_profile(0.0) == pytest.approx(C.SMALLFIRM_YOUNG_HAZARD)
    # the size term redistributes: firms of one size have the age profile's hazard
    same = S.SmallFirms(weight=1.0, rows_target=1, entry_rate=0.08)
    same.add(np.array([5.0, 5.0]), born=0)
    assert S.hazard(same, 400) == pytest.approx(same.h0 * S.age_profile(100.0))


def test_exits_record_young_deaths_by_cohort():
    sf = S.SmallFirms(weight=2.0, rows_target=3, entry_rate=0.08)
    sf.add(np.ones(3), born=30)
    sf.add(np.ones(2), born=1)
    gone = np.array([True, False, False, True, False])
    sf.remove(gone, now=45)  # the step-30 firm dies young, the step-1 firm at 44 quarters
    assert sf.exits == {45: 2}
    assert sf.young_deaths == {30: 1}
    assert sf.n == 3 and sf.count() == 6.0


@pytest.mark.parametrize("rate", [0.045, 0.08, 0.15])
def test_hazard_level_gives_a_mean_lifetime_of_one_over_the_entry_rate(rate):
    h0 = S.hazard_level(rate)
    assert S.mean_lifetime(h0) == pytest.approx(1.0 / rate, rel=1e-6)
    # a higher entry rate means shorter lives, so lower five-year survival
    assert (S.hazard_level(0.15) > S.hazard_level(0.08) > S.hazard_level(0.045))


def test_subcontractor_sales_follow_the_parent(monkeypatch):
    still(monkeypatch)
    m = B.make_model(preset="japan", small_firm_entry_rate=0.0)
    parent = B.add_incumbent(m, revenue=1000.0, group=0)
    sf = m.small
    sf.h0 = 0.0
    sf.add(np.array([10.0, 10.0]), born=0, parent=np.array([parent.row, -1]))
    S.advance(m, 1)  # records the parent's revenue
    assert sf.emp == pytest.approx([10.0, 10.0])
    m.inc.revenue[parent.row] = 2000.0
    S.advance(m, 2)
    assert sf.emp[0] == pytest.approx(20.0)  # doubled with the parent's output
    assert sf.emp[1] == pytest.approx(10.0)  # the independent firm did not move
    m.steps = 2
    sales = queries.sales(m)
    assert sales[0] / sales[1] == pytest.approx(2.0)
    # the parent exits: the subcontractor becomes independent
    m.inc.alive[parent.row] = False
    S.advance(m, 3)
    assert (sf.parent == -1).all()


def test_entrants_become_subcontractors_only_with_business_groups():
    for groups, expect in ((3, True), (0, False)):
        m = B.make_model(preset="japan", n_business_groups=groups, n_incumbents=10,
                         small_firm_subcontract_share=0.5, small_firm_entry_rate=0.5)
        B.add_incumbent(m, revenue=1000.0, group=0 if groups else -1)
        m.small.h0 = 0.0
        for t in range(1, 9):
            S.advance(m, t)
        share = float(np.mean(m.small.parent >= 0))
        assert (0.3 < share < 0.7) if expect else share == 0.0


def test_value_added_sums_every_firm():
    m = B.make_model(small_firms=20_000)  # weight 10
    B.add_incumbent(m, revenue=1000.0)
    B.add_startup(m, sector=0, cash=5.0, headcount=4, stage=1)
    m.st.revenue[0] = 3.0
    m.small.add(np.array([2.0, 4.0]), born=0)
    small_sales = 6.0 * queries.sales_per_worker(m.steps) * 10.0
    assert queries.value_added(m) == pytest.approx(
        C.VALUE_ADDED_SHARE * (1000.0 + 3.0 + small_sales))
    stocks = queries.stocks(m)
    assert stocks["small_firms"] == 20.0 and stocks["small_firm_employment"] == 60.0
    assert stocks["all_firms"] == 22.0


def _run_records(m, quarters=T, **series):
    return summary(B.record_quarters(m, quarters, **series))


def test_survival_over_a_hand_built_cohort():
    m = B.make_model(small_firms=20_000)  # weight 10
    sf = m.small
    sf.entries = {30: 10, 5: 50, 50: 7}   # step 5: burn-in; step 50: too late for 5 years
    sf.young_deaths = {30: 4, 5: 50}
    out = _run_records(m, 60, all_firms=1000.0)
    assert out["firm_survival_5y"] == pytest.approx(0.6)  # (10 - 4) / 10, weights cancel
    # with a venture-track startup in the cohort that failed within 5 years
    m2 = B.make_model(small_firms=20_000)
    m2.small.entries, m2.small.young_deaths = {30: 10}, {30: 4}
    B.at_step(m2, 30)
    s = B.add_startup(m2, sector=0, cash=1.0, headcount=2, stage=1)
    m2.st.status[s.row] = C.FAILED
    m2.st.exit_step[s.row] = 40
    B.at_step(m2, 0)
    out2 = _run_records(m2, 60, all_firms=1000.0)
    assert out2["firm_survival_5y"] == pytest.approx((100 - 40) / (100 + 1))


def test_entry_and_exit_rates_cover_all_firms():
    m = B.make_model(small_firms=20_000)  # weight 10
    m.small.entries = {25: 30, 10: 99}      # the step-10 entries are in the burn-in
    m.small.exits = {40: 20}
    out = _run_records(m, T, all_firms=5000.0)
    years = (T - C.BURN_IN) / C.STEPS_PER_YEAR
    assert out["firm_entry_rate"] == pytest.approx(300.0 / years / 5000.0)
    assert out["firm_exit_rate"] == pytest.approx(200.0 / years / 5000.0)


def test_size_metrics_over_all_firms():
    m = B.make_model(small_firms=20_000)  # weight 10
    big = B.add_incumbent(m, revenue=1000.0, headcount=1000)
    m.small.add(np.array([600.0, 10.0, 10.0]), born=0)
    emp, sales, w = queries.all_firms(m)
    assert w.tolist() == [1.0, 10.0, 10.0, 10.0]
    out = _run_records(m, T, all_firms=31.0)
    total_emp = 1000.0 + 10 * 620.0
    assert out["large_firm_employment_share"] == pytest.approx((1000.0 + 6000.0) / total_emp)
    per = queries.sales_per_worker(m.steps)
    total_sales = m.inc.revenue[big.row] + 10 * 620.0 * per
    assert out["large_firm_sales_share"] == pytest.approx(
        (m.inc.revenue[big.row] + 6000.0 * per) / total_sales)
    assert out["small_firms_end"] == 30.0
    assert out["small_firm_employment_share"] == pytest.approx(6200.0 / total_emp)


def test_weighted_hill_equals_the_plain_one_on_repeated_values():
    rng = np.random.default_rng(1)
    x = np.floor(rng.pareto(1.2, 300) + 1.0) * 3
    w = rng.integers(1, 5, x.size).astype(float)
    expanded = np.repeat(x, w.astype(int))
    a = weighted_hill_tail_exponent(x, w)
    b = weighted_hill_tail_exponent(expanded, np.ones(expanded.size))
    assert a == pytest.approx(b)
    # a Pareto sample gives roughly its exponent
    y = rng.pareto(1.5, 20_000) + 1.0
    assert weighted_hill_tail_exponent(y, np.ones(y.size)) == pytest.approx(1.5, rel=0.1)


@settings(max_examples=15, deadline=None)
@given(rate=hst.floats(0.01, 0.4), firms=hst.integers(0, 500_000),
       share=hst.floats(0.0, 1.0), seed=hst.integers(0, 2**16))
def test_counts_and_shares_stay_in_bounds(rate, firms, share, seed):
    m = B.make_model(preset="korea", seed=seed, scale=0.05, small_firm_entry_rate=rate,
                     small_firms=firms, small_firm_subcontract_share=share)
    B.add_incumbent(m, revenue=1000.0, group=0)
    for t in range(1, 31):
        m.inc.revenue[0] *= float(np.exp(0.1 * np.sin(t)))
        S.advance(m, t)
    sf = m.small
    assert sf.n >= 0 and (sf.emp >= 1.0).all()
    assert sum(sf.entries.values()) - sum(sf.exits.values()) == sf.n
    assert all(sf.young_deaths.get(t, 0) <= n for t, n in sf.entries.items())
    assert ((sf.parent == -1) | (sf.parent == 0)).all()
    emp, sales, w = queries.all_firms(m)
    assert (emp >= 0).all() and (sales >= 0).all() and (w >= 0).all()
    assert queries.value_added(m) >= 0.0


# -- the compiled path (abm.kernels.smallfirm_*) against the plain one --------------------------
def _small_firm_quarters(monkeypatch, compiled: bool, seed: int) -> tuple:
    """A hand-built population run for some quarters with the kernels on or off: business-
    group parents selling, not selling and exiting, old and young firms, a row that exits and
    one that shrinks to the one-person floor."""
    from abm import kernels as K

    monkeypatch.setattr(K, "ENABLED", compiled)
    m = B.make_model(preset="japan", seed=seed, n_business_groups=2,
                     small_firm_subcontract_share=0.6, small_firm_entry_rate=0.3)
    rng = np.random.default_rng(seed)
    parents = [B.add_incumbent(m, revenue=r, group=g)
               for r, g in ((1000.0, 0), (0.0, 1), (250.0, 1), (40.0, -1), (600.0, 0))]
    sf = m.small
    n = 60
    sf.add(np.exp(rng.normal(1.0, 1.5, n)), born=0,
           parent=rng.choice([-1, -1, parents[0].row, parents[1].row, parents[2].row], n))
    sf.born[:] = rng.integers(-200, 1, n)
    sf.emp[0] = 1.0
    for t in range(1, 13):
        m.inc.revenue[parents[0].row] *= 1.0 + rng.normal(0.0, 0.2)
        m.inc.revenue[parents[2].row] = 0.0 if t == 4 else 250.0 + t
        if t == 6:
            m.inc.alive[parents[2].row] = False
        S.advance(m, t)
    return (sf.emp.tobytes(), sf.born.tobytes(), sf.parent.tobytes(),
            sf.parent_revenue.tobytes(), sorted(sf.entries.items()), sorted(sf.exits.items()),
            list(sf.young_deaths.items()), m.rngs["smallfirms"].bit_generator.state, sf.n)


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_compiled_small_firms_equal_the_plain_path_to_the_bit(monkeypatch, seed):
    from abm import kernels as K

    if not K.ENABLED:
        pytest.skip("compiled kernels off (ABM_NO_NUMBA=1 or numba missing)")
    compiled = _small_firm_quarters(monkeypatch, True, seed)
    plain = _small_firm_quarters(monkeypatch, False, seed)
    assert compiled == plain
    assert compiled[5] and compiled[6]  # firms exited, some young
    assert (np.frombuffer(compiled[2], dtype=np.int64) >= 0).any()  # subcontractors left


def test_compiled_small_firm_parents_follow_searchsorted():
    """The entrants' parents drawn by the kernel are numpy's cumulative-weight pick,
    ties and zero-revenue incumbents included."""
    from abm import kernels as K

    if not K.ENABLED:
        pytest.skip("compiled kernels off (ABM_NO_NUMBA=1 or numba missing)")

    rng = np.random.default_rng(5)
    for _ in range(20):
        n = int(rng.integers(1, 9))
        alive = rng.random(n) < 0.8
        group = rng.integers(-1, 2, n).astype(np.int32)
        rev = np.where(rng.random(n) < 0.3, 0.0, rng.random(n) * 100)
        u = rng.random(30)
        share = 0.5
        got = K.smallfirm_parents(u, share, alive, group, rev)
        want = np.full(u.size, -1, dtype=np.int64)
        groups = (alive & (group >= 0)).nonzero()[0]
        if groups.size:
            cum = np.cumsum(np.maximum(rev[groups], 0.0))
            sub = u < share
            if sub.any() and cum[-1] > 0:
                want[sub] = groups[np.minimum(np.searchsorted(cum, u[sub] / share * cum[-1],
                                                              side="right"), groups.size - 1)]
        assert got.tolist() == want.tolist()


def test_each_small_firm_kernel_equals_the_numpy_it_stands_for():
    """Kernel by kernel against the expressions of the plain path, to the bit, on random
    rows: exit decisions at the young-death boundary (exactly five years), dead parents,
    parents without revenue, firms at the one-person floor."""
    from abm import kernels as K

    if not K.ENABLED:
        pytest.skip("compiled kernels off (ABM_NO_NUMBA=1 or numba missing)")

    rng = np.random.default_rng(6)
    spy, hy, el = C.STEPS_PER_YEAR, C.SMALLFIRM_HAZARD_YEARS, C.SMALLFIRM_SIZE_ELASTICITY
    for now in (0, 37, 120):
        n = 300
        born = rng.integers(now - 120, now + 1, n)
        born[:20] = now - 5 * spy                        # exactly at the boundary
        emp = np.maximum(np.exp(rng.normal(1.0, 1.5, n)), 1.0)
        parent = np.where(rng.random(n) < 0.5, rng.integers(0, 6, n), -1)
        alive = np.array([True, False, True, True, False, True])
        h0 = 0.9
        age = (now - born) / spy
        arg = K.smallfirm_age_arg(born, now, float(spy), float(hy))
        assert arg.tobytes() == (-np.asarray(age) / hy).tobytes()
        e = np.exp(arg)
        f = emp ** (-el)
        h = h0 * (1.0 + (C.SMALLFIRM_YOUNG_HAZARD - 1.0) * e) * f / f.mean()
        assert h.tobytes() == (h0 * S.age_profile(age) * f / f.mean()).tobytes()
        x = K.smallfirm_exit_arg(e, f, h0, C.SMALLFIRM_YOUNG_HAZARD - 1.0, f.mean(), float(spy))
        assert x.tobytes() == (-h / spy).tobytes()
        em = np.expm1(x)
        u = rng.random(n)
        u[:10] = 0.0                                     # boundary rows that exit
        plain = S.SmallFirms(1.0, n, 0.1)
        plain.add(emp, 0, parent)
        plain.born = born.copy()
        gone = u < -em
        dead = ~alive[np.maximum(plain.parent, 0)] & (plain.parent >= 0)
        plain.parent[dead] = -1
        plain.remove(gone, now)
        k, emp2, born2, parent2, steps, counts = K.smallfirm_exit(
            u, em, emp, born.copy(), parent.copy(), alive, now, 5 * spy)
        assert k == int(gone.sum()) > 10
        assert (emp2.tobytes(), born2.tobytes(), parent2.tobytes()) == (
            plain.emp.tobytes(), plain.born.tobytes(), plain.parent.tobytes())
        assert dict(zip(steps.tolist(), counts.tolist())) == plain.young_deaths
        assert plain.young_deaths.get(now - 5 * spy, 0) >= 10
        # growth
        rev, prev = rng.random(6) * 100, rng.random(6) * 100
        rev[2], prev[3] = 0.0, 0.0
        z = rng.standard_normal(parent2.size)
        dlog, sub, ok, ratio = K.smallfirm_growth(z, parent2, rev, prev, C.SMALLFIRM_DRIFT,
                                                  C.SMALLFIRM_GROWTH_SD)
        want = C.SMALLFIRM_DRIFT + C.SMALLFIRM_GROWTH_SD * z
        assert dlog.tobytes() == want.tobytes()
        s = parent2 >= 0
        par = parent2[s]
        good = (prev[par] > 0) & (rev[par] > 0)
        r = np.where(good, rev[par], 1.0) / np.where(good, prev[par], 1.0)
        assert sub.tolist() == s.nonzero()[0].tolist() and ok.tolist() == good.tolist()
        assert ratio.tobytes() == r.tobytes()
        want[s] += np.where(good, np.log(r), 0.0)
        grown = K.smallfirm_grown(np.log(emp2), dlog, sub, ok, np.log(ratio))
        assert grown.tobytes() == np.maximum(np.log(emp2) + want, 0.0).tobytes()
        assert (grown == 0.0).any()                     # some at the one-person floor
