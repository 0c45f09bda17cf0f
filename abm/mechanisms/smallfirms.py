"""Ordinary small firms: every firm of the economy that is neither a venture-track startup nor
an incumbent (shops, services, subcontractors; no venture capital).

National statistics (US Census BDS, Japan's Economic Census and SME White Paper, Statistics
Korea's business demography) count all firms; the metrics set beside them
(``firm_entry_rate``, ``firm_exit_rate``, ``firm_survival_5y``, ``large_firm_*``,
``firm_size_tail_exponent``) are computed over these small firms together with the startups
and incumbents (:mod:`abm.metrics`). Rules (docs/ODD.md 7.21, equations as coded):

* **Population as arrays, with weights.** The small firms are rows of numpy arrays, not Mesa
  agents: a country has hundreds of thousands of them per unit of ``scale`` and an agent object
  each would break the model's speed targets (docs/performance.md). Each of the
  ``SMALLFIRM_ROWS x scale`` rows stands for ``w = small_firms / SMALLFIRM_ROWS`` identical
  firms (a "super-individual", Scheffer et al. 1995), so ``scale`` 1 represents
  ``small_firms`` firms at a fixed cost. Every count, employment and sales total is weighted
  by ``w``.
* **Entry.** Each quarter ``Poisson(small_firm_entry_rate / 4 x R)`` rows enter (``R`` the
  rows at the start), with ``log employment ~ N(SMALLFIRM_ENTRY_LOG_SIZE,
  SMALLFIRM_ENTRY_LOG_SD)``, at least one person.
* **Growth (Gibrat).** ``log e' = max(0, log e + SMALLFIRM_DRIFT + SMALLFIRM_GROWTH_SD z)``,
  plus, for a subcontractor, the parent incumbent's log revenue change of the quarter.
  The lower barrier (one person) and proportional growth make the upper tail a power law
  whose exponent comes out of drift, noise and exit (Gabaix 1999), not set by hand.
* **Exit ("up or out", Haltiwanger, Jarmin & Miranda 2013).** Annual hazard
  ``h_i = h0 (1 + (SMALLFIRM_YOUNG_HAZARD - 1) exp(-age_i / SMALLFIRM_HAZARD_YEARS))
  f_i / mean(f)``, with ``f_i = e_i^(-SMALLFIRM_SIZE_ELASTICITY)``: young and small firms
  exit more, the size term only redistributes risk. A row exits in a quarter with
  probability ``1 - exp(-h_i / 4)``. ``h0`` is set (:func:`hazard_level`) so that a firm's
  mean lifetime under the age profile is ``1 / small_firm_entry_rate`` years: the number of
  firms is stationary, as it roughly is in the three countries.
* **Subcontracting (keiretsu shita-uke, chaebol suppliers).** Where the preset has business
  groups (``n_business_groups > 0``), an entering firm becomes, with probability
  ``small_firm_subcontract_share``, the subcontractor of a live group incumbent drawn in
  proportion to revenue; its employment (and so its sales) follows its parent's output. It
  becomes independent when the parent exits.
* **Sales and value added.** Sales per worker are ``SMALLFIRM_PRODUCTIVITY_GAP x
  INCUMBENT_PRODUCTIVITY x exp(MARKET_GROWTH t)`` (SMEs' labour productivity gap to large
  firms; OECD Entrepreneurship at a Glance). Value added of every firm is
  ``VALUE_ADDED_SHARE x sales`` (:func:`abm.queries.value_added`): the economy's GDP-like total.
* **Labour.** Small firms employ their own segment of the labour market (the dual labour
  market of small and large firms, strong in Japan and Korea): they neither hire from nor
  release into the idle pool startups and incumbents share, so the existing labour rules
  are unchanged.

Before step 1 the population is run for ``SMALLFIRM_SPINUP`` quarters from empty
(:func:`populate`), so the first quarters show a population in its steady state.
"""

from __future__ import annotations

import numpy as np

from .. import constants as C
from .. import kernels as K
from ..units import Mechanism

UNIT = Mechanism(
    name="smallfirms", stream="smallfirms",
    series=("small_firms", "small_firm_employment", "all_firms", "value_added"),
    outputs=("small_firms_end", "small_firm_employment_share", "firm_entry_rate",
             "firm_exit_rate", "firm_survival_5y", "value_added_per_year"),
    reads=("scale", "n_business_groups", "small_firms", "small_firm_entry_rate",
           "small_firm_subcontract_share", "INCUMBENT_PRODUCTIVITY", "MARKET_GROWTH",
           "SMALLFIRM_DRIFT", "SMALLFIRM_ENTRY_LOG_SD", "SMALLFIRM_ENTRY_LOG_SIZE",
           "SMALLFIRM_GROWTH_SD", "SMALLFIRM_HAZARD_YEARS", "SMALLFIRM_PRODUCTIVITY_GAP",
           "SMALLFIRM_ROWS", "SMALLFIRM_SIZE_ELASTICITY", "SMALLFIRM_SPINUP",
           "SMALLFIRM_YOUNG_HAZARD", "STEPS_PER_YEAR", "VALUE_ADDED_SHARE"))
"""What this mechanism owns (:mod:`abm.units`)."""

READERS = ("build",)
"""Functions of the model that change nothing (the invariant checks of tests/builders.py skip
them; the model calls ``build`` while it is constructed). The readers of the small firms'
stocks, sales and value added (``sales_per_worker``, ``sales``, ``value_added``, ``all_firms``,
``stocks``) are look-ups in :mod:`abm.queries`."""


class SmallFirms:
    """The small-firm rows (live firms only) and their entry/exit records.

    Args:
        weight: firms each row stands for.
        rows_target: rows at the start (entry per quarter is relative to it).
        entry_rate: entering firms per firm and year.
    """

    def __init__(self, weight: float, rows_target: int, entry_rate: float) -> None:
        self.weight = float(weight)
        self.rows_target = int(rows_target)
        self.entry_rate = float(entry_rate)
        self.h0 = hazard_level(entry_rate) if entry_rate > 0 else 0.0
        """Annual exit hazard of a mature firm of average size (:func:`hazard_level`)."""
        self.emp = np.zeros(0)
        """Employment per row (persons, at least 1)."""
        self.born = np.zeros(0, dtype=np.int64)
        """Step the row entered (spin-up steps are 0 or negative)."""
        self.parent = np.zeros(0, dtype=np.int64)
        """Incumbent row of a subcontractor's parent, -1 for an independent firm."""
        self.entries: dict[int, int] = {}
        """Rows entered by step (weight them by :attr:`weight`)."""
        self.exits: dict[int, int] = {}
        """Rows exited by step."""
        self.young_deaths: dict[int, int] = {}
        """Rows of each entry step that exited within five years of entering."""
        self.parent_revenue = np.zeros(0)
        """Incumbents' revenue last quarter, by row (what subcontractors' growth follows)."""

    @property
    def n(self) -> int:
        return int(self.emp.size)

    def count(self) -> float:
        """Firms represented (weighted)."""
        return self.n * self.weight

    def employment(self) -> float:
        return float(self.emp.sum()) * self.weight

    def add(self, emp: np.ndarray, born: int, parent: np.ndarray | None = None) -> None:
        """Append rows (hand-built situations and entry)."""
        emp = np.maximum(np.asarray(emp, dtype=float), 1.0)
        self.emp = np.concatenate([self.emp, emp])
        self.born = np.concatenate([self.born, np.full(emp.size, born, dtype=np.int64)])
        par = np.full(emp.size, -1, dtype=np.int64) if parent is None else \
            np.asarray(parent, dtype=np.int64)
        self.parent = np.concatenate([self.parent, par])
        self.entries[born] = self.entries.get(born, 0) + int(emp.size)

    def remove(self, gone: np.ndarray, now: int) -> None:
        """Drop the rows where ``gone`` is true, recording their exit at step ``now``."""
        k = int(np.count_nonzero(gone))
        if not k:
            return
        self.exits[now] = self.exits.get(now, 0) + k
        born = self.born[gone]
        young = born[now - born <= 5 * C.STEPS_PER_YEAR]
        if young.size:  # counts by entry step, in increasing step order
            low = int(young.min())
            cnt = np.bincount(young - low)
            steps = cnt.nonzero()[0]
            deaths = self.young_deaths
            for s, c in zip((steps + low).tolist(), cnt[steps].tolist()):
                deaths[s] = deaths.get(s, 0) + c
        keep = ~gone
        self.emp, self.born, self.parent = self.emp[keep], self.born[keep], self.parent[keep]


def age_profile(age_years: np.ndarray) -> np.ndarray:
    """Relative exit hazard by age: ``1 + (SMALLFIRM_YOUNG_HAZARD - 1) exp(-a / tau)``."""
    return 1.0 + (C.SMALLFIRM_YOUNG_HAZARD - 1.0) * np.exp(-np.asarray(age_years)
                                                             / C.SMALLFIRM_HAZARD_YEARS)


def hazard(sf: SmallFirms, now: int) -> np.ndarray:
    """Annual exit hazard of every row at step ``now``:
    ``h0 x age_profile(age) x f / mean(f)``, ``f = emp^(-SMALLFIRM_SIZE_ELASTICITY)``."""
    age = (now - sf.born) / C.STEPS_PER_YEAR
    f = sf.emp ** (-C.SMALLFIRM_SIZE_ELASTICITY)
    return sf.h0 * age_profile(age) * f / f.mean()


def mean_lifetime(h0: float, horizon_years: int = 400) -> float:
    """Mean lifetime in years of a firm with annual hazard ``h0 x age_profile(age)``,
    quarter by quarter (the exit probability of a quarter is ``1 - exp(-h / 4)``)."""
    q = np.arange(horizon_years * C.STEPS_PER_YEAR)
    h = h0 * age_profile(q / C.STEPS_PER_YEAR) / C.STEPS_PER_YEAR
    alive = np.exp(-np.concatenate([[0.0], np.cumsum(h)[:-1]]))  # alive at the start of q
    return float(alive.sum()) / C.STEPS_PER_YEAR


def hazard_level(entry_rate: float) -> float:
    """``h0`` with mean lifetime ``1 / entry_rate`` years (a stationary number of firms)."""
    from scipy.optimize import brentq

    target = 1.0 / entry_rate
    return float(brentq(lambda h: mean_lifetime(h) - target, 1e-4, 50.0, xtol=1e-10))


def build(model) -> SmallFirms:
    """The (empty) small-firm population the preset's parameters size."""
    p = model.p
    rows = int(round(C.SMALLFIRM_ROWS * p.scale)) if p.small_firms > 0 else 0
    weight = p.small_firms / C.SMALLFIRM_ROWS if rows else 0.0
    return SmallFirms(weight, rows, p.small_firm_entry_rate)


def populate(model) -> None:
    """Run the population for ``SMALLFIRM_SPINUP`` quarters before step 1 (steps
    ``1 - SMALLFIRM_SPINUP`` to 0; the parents are the initial incumbents)."""
    sf = model.small
    if not sf.rows_target:
        return
    for t in range(1 - C.SMALLFIRM_SPINUP, 1):
        advance(model, t)
    # the spin-up's records are not part of the run
    sf.entries, sf.exits = {}, {}
    sf.young_deaths = {}


def step(model) -> None:
    """One quarter of entry, growth and exit (after the incumbents' step)."""
    advance(model, model.steps)


def _parent_revenue(sf, inc) -> tuple[np.ndarray, np.ndarray]:
    """Incumbents' revenue now and at the last quarter (an incumbent that entered since has
    its revenue now for both): what subcontractors' output follows."""
    rev = inc.revenue[:inc.n].astype(float)
    prev = sf.parent_revenue
    if prev.size < inc.n:
        prev = np.concatenate([prev, rev[prev.size:]])
    return rev, prev


def advance(model, now: int) -> None:
    """Exit, growth, then entry at step ``now``.

    With the compiled kernels on (:data:`abm.kernels.ENABLED`) the arithmetic between
    numpy's calls runs in :mod:`abm.kernels` (:func:`_advance_compiled`: the same draws, the
    same floats); the Python below is the plain path and the reference."""
    if K.ENABLED:
        _advance_compiled(model, now)
        return
    sf, rng, p, inc = model.small, model.rngs["smallfirms"], model.p, model.inc
    rev, prev = _parent_revenue(sf, inc)  # parents' output change since the last quarter
    if sf.n:
        # exit
        h = hazard(sf, now)
        gone = rng.random(sf.n) < -np.expm1(-h / C.STEPS_PER_YEAR)
        if sf.n and (sf.parent >= 0).any():
            dead = ~inc.alive[np.maximum(sf.parent, 0)] & (sf.parent >= 0)
            sf.parent[dead] = -1
        sf.remove(gone, now)
        # growth
        z = rng.standard_normal(sf.n)
        dlog = C.SMALLFIRM_DRIFT + C.SMALLFIRM_GROWTH_SD * z
        sub = sf.parent >= 0
        if sub.any():
            par = sf.parent[sub]
            ok = (prev[par] > 0) & (rev[par] > 0)
            dlog[sub] += np.where(ok, np.log(np.where(ok, rev[par], 1.0)
                                              / np.where(ok, prev[par], 1.0)), 0.0)
        sf.emp = np.exp(np.maximum(np.log(sf.emp) + dlog, 0.0))
    sf.parent_revenue = rev.copy()
    # entry
    k = int(rng.poisson(sf.entry_rate / C.STEPS_PER_YEAR * sf.rows_target))
    if k:
        emp = np.exp(C.SMALLFIRM_ENTRY_LOG_SIZE + C.SMALLFIRM_ENTRY_LOG_SD
                     * rng.standard_normal(k))
        parent = np.full(k, -1, dtype=np.int64)
        u = rng.random(k)  # drawn in every preset (common random numbers)
        if p.n_business_groups > 0 and p.small_firm_subcontract_share > 0:
            groups = (inc.view("alive") & (inc.view("group") >= 0)).nonzero()[0]
            if groups.size:
                w = np.maximum(rev[groups], 0.0)
                cum = np.cumsum(w)
                sub = u < p.small_firm_subcontract_share
                if sub.any() and cum[-1] > 0:
                    # a second uniform per firm, rescaled from u, picks the parent by revenue
                    v = u[sub] / p.small_firm_subcontract_share
                    parent[sub] = groups[np.minimum(np.searchsorted(cum, v * cum[-1],
                                                                    side="right"),
                                                    groups.size - 1)]
        sf.add(emp, now, parent)


def _advance_compiled(model, now: int) -> None:
    """:func:`advance` with its arithmetic in kernels: numpy still draws every number (in the
    same order) and evaluates every exponential, logarithm and power on arrays of the same
    values (numpy's SIMD versions differ from the C library's in the last bit), and
    ``mean(f)`` (numpy's pairwise sum); the kernels do the rest in the same operations."""
    sf, rng, p, inc = model.small, model.rngs["smallfirms"], model.p, model.inc
    spy = C.STEPS_PER_YEAR
    n_inc = inc.n
    rev, prev = _parent_revenue(sf, inc)
    if sf.n:
        # exit (hazard(sf, now), then the quarter's probability)
        e = np.exp(K.smallfirm_age_arg(sf.born, now, float(spy),
                                       float(C.SMALLFIRM_HAZARD_YEARS)))
        f = sf.emp ** (-C.SMALLFIRM_SIZE_ELASTICITY)
        u = rng.random(sf.n)
        em = np.expm1(K.smallfirm_exit_arg(e, f, sf.h0, C.SMALLFIRM_YOUNG_HAZARD - 1.0,
                                           f.mean(), float(spy)))
        k, emp, born, parent, steps, counts = K.smallfirm_exit(
            u, em, sf.emp, sf.born, sf.parent, inc.alive, now, 5 * spy)
        if k:  # SmallFirms.remove
            sf.exits[now] = sf.exits.get(now, 0) + k
            deaths = sf.young_deaths
            for s, c in zip(steps.tolist(), counts.tolist()):
                deaths[s] = deaths.get(s, 0) + c
            sf.emp, sf.born, sf.parent = emp, born, parent
        # growth
        z = rng.standard_normal(sf.n)
        dlog, sub, ok, ratio = K.smallfirm_growth(z, sf.parent, rev, prev, C.SMALLFIRM_DRIFT,
                                                  C.SMALLFIRM_GROWTH_SD)
        log_ratio = np.log(ratio) if sub.size else ratio
        sf.emp = np.exp(K.smallfirm_grown(np.log(sf.emp), dlog, sub, ok, log_ratio))
    sf.parent_revenue = rev.copy()
    # entry
    k = int(rng.poisson(sf.entry_rate / spy * sf.rows_target))
    if k:
        emp = np.exp(C.SMALLFIRM_ENTRY_LOG_SIZE + C.SMALLFIRM_ENTRY_LOG_SD
                     * rng.standard_normal(k))
        u = rng.random(k)  # drawn in every preset (common random numbers)
        if p.n_business_groups > 0 and p.small_firm_subcontract_share > 0:
            parent = K.smallfirm_parents(u, p.small_firm_subcontract_share,
                                         inc.alive[:n_inc], inc.group[:n_inc], rev)
        else:
            parent = np.full(k, -1, dtype=np.int64)
        sf.add(emp, now, parent)
