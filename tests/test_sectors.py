"""Unit tests of the sector shares of spending (abm/mechanisms/sectors.py, docs/ODD.md 7.23) on
small hand-built models: the step is the documented equation, total spending is unchanged,
volatility 0 moves nothing, every sector has its own draw, and the path is fixed by the seed.
Every test runs under the invariant fixture of tests/conftest.py.
"""

from __future__ import annotations

import copy

import numpy as np

from abm import constants as C
from abm import queries
from abm.mechanisms import sectors

import builders as B
from builders import approx

BASE = (1000.0, 3000.0, 500.0, 2500.0)


def _model(seed: int = 3, base=BASE):
    m = B.make_model(seed=seed, step=8, n_sectors=len(base))
    m.market.base = np.array(base, dtype=float)
    m.market.tilt = np.zeros(len(base))
    return m


def test_with_volatility_zero_nothing_moves(monkeypatch):
    monkeypatch.setattr(C, "SECTOR_SHARE_VOLATILITY", 0.0)
    m = _model()
    before = queries.sector_spending(m).copy()
    for _ in range(20):
        sectors.step(m)
    assert np.array_equal(m.market.tilt, np.zeros(len(BASE)))
    assert np.array_equal(queries.sector_spending(m), before)


def test_a_step_is_the_equation_for_the_draw():
    m = _model()
    m.market.tilt = np.array([0.2, -0.1, 0.0, 0.05])
    z0 = m.market.tilt.copy()
    eps = copy.deepcopy(m.rngs["sectors"]).standard_normal(len(BASE))
    sectors.step(m)
    base = np.array(BASE)
    z1 = (1.0 - C.SECTOR_SHARE_REVERSION) * z0 + C.SECTOR_SHARE_VOLATILITY * eps
    z1 = z1 - np.log((base * np.exp(z1)).sum() / base.sum())
    assert m.market.tilt == approx(z1, rel=1e-12)
    # relative shares move by the shocks alone (the renormalisation is common to all sectors)
    d = np.diff(m.market.tilt - (1.0 - C.SECTOR_SHARE_REVERSION) * z0)
    assert d == approx(np.diff(C.SECTOR_SHARE_VOLATILITY * eps), rel=1e-9)


def test_without_shocks_the_shares_revert_to_the_initial_ones(monkeypatch):
    monkeypatch.setattr(C, "SECTOR_SHARE_VOLATILITY", 0.0)
    m = _model()
    m.market.tilt = sectors.renormalise(m.market.base, np.array([0.5, -0.3, 0.2, 0.0]))
    gap = np.ptp(m.market.tilt)
    for _ in range(40):
        sectors.step(m)
    assert np.ptp(m.market.tilt) == approx(gap * (1.0 - C.SECTOR_SHARE_REVERSION) ** 40,
                                            rel=1e-9)


def test_shares_stay_positive_and_total_spending_is_unchanged(monkeypatch):
    monkeypatch.setattr(C, "SECTOR_SHARE_VOLATILITY", 0.06)  # the top of the declared range
    m = _model(base=BASE + (0.0,))  # a sector without incumbents keeps no spending
    total = queries.trend(m) * sum(BASE)
    for _ in range(400):
        sectors.step(m)
        spend = queries.sector_spending(m)
        assert (spend[:-1] > 0).all() and spend[-1] == 0.0
        assert spend.sum() == approx(total, rel=1e-12)
    assert np.ptp(m.market.tilt[:-1]) > 0.1  # the composition did move


def test_every_sector_has_its_own_draw():
    """At scale 2 there are twice the sectors (tests/test_markets.py::
    test_sectors_scale_with_the_economy); each takes its own shock."""
    m = _model(base=tuple(1000.0 + 10 * i for i in range(16)))
    sectors.step(m)
    assert np.unique(m.market.tilt).size == 16


def test_same_seed_same_path_other_seed_other_path():
    paths = []
    for seed in (5, 5, 6):
        m = _model(seed=seed)
        path = []
        for _ in range(12):
            sectors.step(m)
            path.append(m.market.tilt.copy())
        paths.append(np.array(path))
    assert np.array_equal(paths[0], paths[1])
    assert not np.allclose(paths[0], paths[2])


def test_the_draw_leaves_every_other_stream_alone():
    m = _model()
    states = {k: copy.deepcopy(g.bit_generator.state) for k, g in m.rngs.items()
              if k != "sectors"}
    sectors.step(m)
    assert states == {k: g.bit_generator.state for k, g in m.rngs.items() if k != "sectors"}


def _copies_model(seed: int = 3):
    """Scale 2 of a 4-sector economy: 8 sectors, two copies of 4
    (docs/prototypes/scale_displacement.md)."""
    m = B.make_model(seed=seed, step=8, n_sectors=4, scale=2.0)
    base = np.array(BASE + tuple(2.0 * b for b in BASE), dtype=float)
    assert m.n_sectors == base.size
    m.market.base = base
    m.market.tilt = np.zeros(base.size)
    return m


def test_each_copy_of_the_economy_keeps_its_own_spending():
    m = _copies_model()
    base = m.market.base
    for _ in range(50):
        sectors.step(m)
        spend = queries.sector_spending(m) / queries.trend(m)
        for a in (0, 4):
            assert spend[a:a + 4].sum() == approx(base[a:a + 4].sum(), rel=1e-12)


def test_a_copy_moves_as_an_economy_of_its_own_would():
    """Each copy's step is the one-economy equation applied to its own sectors and draws:
    what happens in one copy does not change the other's shares."""
    m = _copies_model()
    m.market.tilt = np.array([0.2, -0.1, 0.0, 0.05, -0.3, 0.1, 0.1, 0.0])
    z0 = m.market.tilt.copy()
    eps = copy.deepcopy(m.rngs["sectors"]).standard_normal(8)
    sectors.step(m)
    for a in (0, 4):
        b = m.market.base[a:a + 4]
        z1 = ((1.0 - C.SECTOR_SHARE_REVERSION) * z0[a:a + 4]
              + C.SECTOR_SHARE_VOLATILITY * eps[a:a + 4])
        z1 = z1 - np.log((b * np.exp(z1)).sum() / b.sum())
        assert m.market.tilt[a:a + 4] == approx(z1, rel=1e-12)
