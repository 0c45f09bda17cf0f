"""Sector shares of spending that move: demand composition as a stochastic process.

Each sector's spending is ``S_s(t) = D(t) x base_s x exp(z_s(t))`` (:func:`abm.queries.
sector_spending`), ``base_s`` the sector's initial incumbent sales and ``z_s`` its log
share relative to the initial one (``model.market.tilt``, 0 at the start). Once a quarter,
before any demand is shared (:func:`step`), every sector's ``z_s`` takes a mean-reverting step
and the shares are renormalised within each copy of the economy so that each copy's spending
stays ``D(t) x sum_{r in c(s)} base_r``:

    z'_s = (1 - SECTOR_SHARE_REVERSION) z_s + SECTOR_SHARE_VOLATILITY x eps_s,  eps_s ~ N(0, 1)
    z_s  = z'_s - log( sum_{r in c(s)} base_r exp(z'_r) / sum_{r in c(s)} base_r )

``c(s)`` the copy of sector ``s``: the block of ``n_sectors`` (per unit of scale) consecutive
sectors ``s`` belongs to (:func:`copies`; the last block is shorter when ``scale`` is not a
whole number). A model at scale ``s`` is ``s`` copies of the economy: renormalising over all
``round(n_sectors x s)`` sectors at once took out a smaller common part of the shocks the more
sectors there were (a sector's log-share variance is about ``(1 - 1/k)`` of its shocks' over
``k`` sectors), so sectors of a larger model declined further and more incumbents were
displaced with their industry (docs/prototypes/scale_displacement.md).

one independent draw per sector from this unit's own stream (``sectors``), drawn every quarter
whatever the volatility (at volatility 0 nothing moves and every other result is as without
this unit). Aggregate demand is unchanged; only its composition moves, so an incumbent can
decline with its industry (docs/ODD.md 7.23). The rule is technology and demand, the same in
every preset; a model at scale ``s`` has ``round(n_sectors x s)`` sectors, each with its own
draw.
"""

from __future__ import annotations

import numpy as np

from .. import constants as C
from ..units import Mechanism

UNIT = Mechanism(
    name="sectors", stream="sectors",
    reads=("n_sectors", "SECTOR_SHARE_VOLATILITY", "SECTOR_SHARE_REVERSION"))
"""What this mechanism owns (:mod:`abm.units`)."""


def renormalise(base: np.ndarray, z: np.ndarray) -> np.ndarray:
    """``z`` shifted by a common constant so that ``sum base exp(z) = sum base`` (unchanged if
    no sector has spending)."""
    total = float(base.sum())
    if total <= 0:
        return z
    shift = z.max() if z.size else 0.0  # for numerical range only
    return z - (shift + np.log(float((base * np.exp(z - shift)).sum()) / total))


def copies(model) -> range:
    """First sector of each copy of the economy: blocks of ``n_sectors`` (the parameter, per
    unit of scale) consecutive sectors; one block below scale 1."""
    return range(0, model.market.base.size, max(1, int(model.p.n_sectors)))


def step(model) -> None:
    """One quarter of the sector shares' process (the equation of the module docstring)."""
    mk = model.market
    eps = model.rngs["sectors"].standard_normal(mk.base.size)
    z = (1.0 - C.SECTOR_SHARE_REVERSION) * mk.tilt + C.SECTOR_SHARE_VOLATILITY * eps
    k = max(1, int(model.p.n_sectors))
    out = np.empty_like(z)
    for a in copies(model):
        out[a:a + k] = renormalise(mk.base[a:a + k], z[a:a + k])
    mk.tilt = out
