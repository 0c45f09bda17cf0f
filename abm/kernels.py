"""Compiled kernels for the quarter's hot loops (numba), with the plain-Python path beside them.

A kernel is a plain function over numpy arrays and scalars, compiled by numba's ``njit`` with
an on-disk cache (``cache=True``: the machine code is stored in ``__pycache__`` beside this
file, or numba's user cache directory when that is read-only, and loaded by every later
process, so a fresh pool or Dask worker loads it in milliseconds instead of compiling it; the
cache is rebuilt when this file changes). The process-wide set-up numba needs before its
first kernel call (about a second) is paid once per process: :func:`warm` pays it up front.

Rules that keep the results the model's own, to the last bit:

* **Randomness comes from the model's named streams.** A kernel that draws takes the stream's
  ``numpy.random.Generator`` and calls ``random()`` / ``standard_normal()`` on it (founding's
  :func:`venture_draws` also ``beta``, ``normal``, ``binomial``, ``pareto``, ``poisson`` and
  ``integers(0, k)``) in exactly the order the Python code does: numba implements these on
  the generator's own bit generator with numpy's algorithms, so the draws and the
  generator's state after them are numpy's (tests/test_kernels.py checks it, for
  :func:`venture_draws` against one numpy call per number). Larger draws are made in numpy
  before the call and passed in as arrays. A call that passes a generator costs ~9 us, so a
  caller with little to draw may run the kernel's Python source instead (the same numbers).
* **Constants are arguments**, read from :mod:`abm.constants` at each call: a module global
  would be frozen into the cached machine code, and structural constants change at run time
  (:func:`abm.structural.override_constants`).
* **The same float operations in the same order** as the Python rule they stand for (numba
  does not reassociate or fuse floating-point operations without ``fastmath``, which is not
  used; ``math.log`` is the C library's, as in CPython).

``ABM_NO_NUMBA=1`` in the environment (read at import) or numba missing selects the plain
path: each caller keeps its Python code (the reference the kernels are tested against) and
runs it instead. :data:`ENABLED` says which path runs; tests switch it with ``monkeypatch``.
numba itself is imported at the first kernel call, not with the model. Every kernel's
source also runs as plain Python (``kernel.py_func``), which the tests compare with the
compiled kernel.
"""

from __future__ import annotations

import importlib.util
import math
import os

import numpy as np

ENABLED: bool = (os.environ.get("ABM_NO_NUMBA", "") in ("", "0")
                 and importlib.util.find_spec("numba") is not None)
"""Whether the compiled kernels run (``False``: the plain Python path of each caller)."""

_ORDER: list[str] = []
"""The kernels, callees before callers (each is compiled with the ones before it in place)."""


class _Lazy:
    """A kernel before its first call: numba is imported and every kernel compiled (or
    loaded from the cache) on the first call of any of them, so that importing the model
    does not import numba. ``py_func`` is the kernel as plain Python."""

    def __init__(self, fn) -> None:
        self.py_func = fn
        self.__name__ = fn.__name__
        self.__doc__ = fn.__doc__

    def __call__(self, *args):
        return _compile()[self.__name__](*args)


def _kernel(fn):
    _ORDER.append(fn.__name__)
    return _Lazy(fn)


def _compile() -> dict:
    """Replace every kernel of this module by its ``numba.njit(cache=True)`` dispatcher
    (callees first, so that a kernel calling another compiles against the compiled one);
    returns the module's namespace."""
    g = globals()
    if isinstance(g[_ORDER[-1]], _Lazy):
        import numba

        for name in _ORDER:
            fn = g[name]
            if isinstance(fn, _Lazy):
                g[name] = numba.njit(cache=True, nogil=True)(fn.py_func)
    return g


# -- funding: fund pacing, screening, the walk over the quarter's seekers ---------------------
# kinds of fund (the walk's ``kind`` column)
INDEPENDENT, CORPORATE, GOVERNMENT = 0, 1, 2

# positions in the walk's ``k`` array of parameters and constants (see walk_constants)
(_DEPTH, _GOV_REQUIRED, _RSM, _CVC_W, _COHESION, _SIZE_LOW, _SIZE_SPREAD, _INSIDER_EDGE,
 _MIN_CHECK, _MAX_CHECK_SHARE, _LEAD_SHARE, _MIN_RAISE, _FIT_SECTOR, _FIT_COMPLEMENT,
 _FIT_PARTNER, _CVC_BAR_EASE, _GOV_BAR_EASE, _MIN_LEFT, _INVEST_PERIOD, _MIN_CASH, _PACING,
 _AHEAD_MAX, _BEHIND_MAX, _N_K) = range(24)


def walk_constants(p) -> np.ndarray:
    """The parameters (of ``p``, a model's :class:`~abm.params.Params`) and constants the
    funding kernels read, as one float array (positions ``_DEPTH``...)."""
    from . import constants as C

    k = np.empty(_N_K)
    k[_DEPTH], k[_GOV_REQUIRED] = p.followon_depth, p.gov_coinvest_required
    k[_RSM], k[_CVC_W], k[_COHESION] = (p.round_size_multiplier, p.cvc_strategic_weight,
                                        p.group_cohesion)
    k[_SIZE_LOW], k[_SIZE_SPREAD] = C.ROUND_SIZE_LOW, C.ROUND_SIZE_SPREAD
    k[_INSIDER_EDGE], k[_MIN_CHECK], k[_MAX_CHECK_SHARE] = (C.INSIDER_EDGE, C.MIN_CHECK,
                                                            C.MAX_CHECK_SHARE)
    k[_LEAD_SHARE], k[_MIN_RAISE] = C.LEAD_SHARE, C.MIN_RAISE
    k[_FIT_SECTOR], k[_FIT_COMPLEMENT], k[_FIT_PARTNER] = (C.CVC_FIT_SECTOR,
                                                           C.CVC_FIT_COMPLEMENT,
                                                           C.CVC_FIT_PARTNER)
    k[_CVC_BAR_EASE], k[_GOV_BAR_EASE] = C.CVC_BAR_EASE, C.GOV_BAR_EASE
    k[_MIN_LEFT], k[_INVEST_PERIOD], k[_MIN_CASH] = (C.PACING_MIN_LEFT, C.INVEST_PERIOD,
                                                     C.PACING_MIN_CASH)
    k[_PACING], k[_AHEAD_MAX], k[_BEHIND_MAX] = (C.PACING, C.PACING_AHEAD_MAX,
                                                 C.PACING_BEHIND_MAX)
    return k


@_kernel
def _pacing_one(cash, size, vintage, kind, steps, k):
    """:meth:`abm.agents.VCFund.pacing` of one fund, the same operations in the same order."""
    if kind == CORPORATE or size <= 0:
        return 0.0
    left = max(k[_MIN_LEFT], 1.0 - (steps - vintage) / k[_INVEST_PERIOD])
    ratio = max(cash / size, k[_MIN_CASH]) / left
    return min(max(k[_PACING] * math.log(ratio), -k[_AHEAD_MAX]), k[_BEHIND_MAX])



@_kernel
def pacing(cash, size, vintage, kind, steps, k):
    """:meth:`abm.agents.VCFund.pacing` of every fund: arrays ``cash``, ``size``, ``vintage``
    (int64) and ``kind`` (int64, ``INDEPENDENT``...), the step ``steps``, constants ``k``."""
    out = np.empty(cash.size)
    for j in range(cash.size):
        out[j] = _pacing_one(cash[j], size[j], vintage[j], kind[j], steps, k)
    return out



@_kernel
def _screen(j, merit, z, row, s, cash, size, vintage, kind, noise, parent, st_sector,
            st_disruptive, st_partner, inc_sector, inc_group, screen_bar, steps, k):
    """:meth:`abm.agents.VCFund.screen` of fund ``j`` on startup ``row``'s pitch ``merit``
    at target stage ``s`` with standard normal reading noise ``z``: ``(signal, accepts)``."""
    signal = merit + noise[j] * z
    kd = kind[j]
    if kd == INDEPENDENT:
        return signal, signal > screen_bar[s] - _pacing_one(cash[j], size[j], vintage[j], kd,
                                                             steps, k)
    bar = screen_bar[s]
    pr = parent[j]
    if kd == CORPORATE and pr >= 0:
        w = k[_CVC_W]
        fit = 0.0
        if st_sector[row] == inc_sector[pr]:
            fit += k[_FIT_SECTOR]
        if not st_disruptive[row]:
            fit += k[_FIT_COMPLEMENT]
        partner = st_partner[row]
        if partner >= 0:
            if partner == pr:
                fit += k[_FIT_PARTNER]
            elif inc_group[partner] == inc_group[pr] and inc_group[pr] >= 0:
                fit += k[_FIT_PARTNER] * k[_COHESION]
        signal += w * fit
        bar -= k[_CVC_BAR_EASE] * w
    elif kd == GOVERNMENT:
        bar -= k[_GOV_BAR_EASE]
    if kd == CORPORATE:
        return signal, signal > bar
    return signal, signal > bar - _pacing_one(cash[j], size[j], vintage[j], kd, steps, k)



@_kernel
def funding_walk(rng, rows, stage, size_noise, pitch, gov_draw, picks, readings, hope, maybe,
                 hold_ptr, hold_fund, hold_frac, cash, size, vintage, kind, noise, parent,
                 pool_ptr, pool_fund, st_sector, st_disruptive, st_partner, inc_sector,
                 inc_group, round_size, screen_bar, steps, k):
    """The funding walk of a quarter: :func:`abm.mechanisms.funding.try_round`'s decisions
    for every seeker in order, drawing its follow-on decisions from ``rng`` (the funding
    stream) as the Python walk does.

    Seekers ``i`` (in walk order): startup ``rows[i]``, target ``stage[i]`` and its
    :func:`~abm.mechanisms.funding.predraw` randomness (``size_noise`` ... ``maybe``, with
    ``picks`` indexing the stage's pool). Follow-on holdings ``hold_ptr[i]:hold_ptr[i+1]``
    of ``hold_fund`` / ``hold_frac``: the funds on the seeker's cap table that may follow on,
    in cap-table order, with their fractions. Funds ``j`` (the quarter's live funds):
    ``cash`` (updated here as rounds close: pass a copy), ``size``, ``vintage``, ``kind``,
    reading ``noise``, ``parent`` (incumbent row or -1). The pool of stage ``s`` is
    ``pool_fund[pool_ptr[s]:pool_ptr[s+1]]``. ``round_size`` and ``screen_bar`` by stage;
    ``k``: :func:`walk_constants`.

    Returns ``(closed, lead, signal, raised, com_ptr, com_fund, com_amount)``: per seeker
    whether its round closed, its lead (a fund index; -1 if not closed), the lead's own
    reading of the pitch (the price's input), the money raised, and its commitments
    ``com_ptr[i]:com_ptr[i+1]`` (fund, amount) in the order the Python walk makes them
    (follow-ons first). Nothing else is changed but ``cash``.
    """
    n = rows.size
    n_cand = picks.shape[1]
    closed = np.zeros(n, dtype=np.bool_)
    lead_out = np.full(n, -1, dtype=np.int64)
    signal_out = np.zeros(n)
    raised_out = np.zeros(n)
    com_ptr = np.zeros(n + 1, dtype=np.int64)
    cap = hold_fund.size + n * n_cand
    com_fund = np.empty(cap, dtype=np.int64)
    com_amount = np.empty(cap)
    com_signal = np.empty(cap)
    seen = np.zeros(cash.size, dtype=np.int64)       # stamp i + 1: screened for seeker i
    held = np.zeros(cash.size, dtype=np.int64)       # stamp i + 1: committed for seeker i
    depth, min_check, max_share = k[_DEPTH], k[_MIN_CHECK], k[_MAX_CHECK_SHARE]
    c = 0
    for i in range(n):
        row, s, stamp = rows[i], stage[i], i + 1
        target = round_size[s] * k[_RSM] * (k[_SIZE_LOW] + k[_SIZE_SPREAD] * size_noise[i])
        m = pitch[i]
        first = c
        committed = 0.0
        edge = m + k[_INSIDER_EDGE]
        for h in range(hold_ptr[i], hold_ptr[i + 1]):
            j = hold_fund[h]
            if rng.random() < depth:
                sig, ok = _screen(j, edge, rng.standard_normal(), row, s, cash, size, vintage,
                                  kind, noise, parent, st_sector, st_disruptive, st_partner,
                                  inc_sector, inc_group, screen_bar, steps, k)
                if ok:
                    amount = min(hold_frac[h] * target, cash[j], max_share * size[j])
                    if amount > min_check:
                        com_fund[c], com_amount[c], com_signal[c] = j, amount, sig
                        held[j] = stamp
                        c += 1
                        committed += amount
        lead = -1
        lead_signal = 0.0
        gov_may_lead = gov_draw[i] >= k[_GOV_REQUIRED]
        p0, p1 = pool_ptr[s], pool_ptr[s + 1]
        if p1 > p0 and hope[i]:
            for q in range(n_cand):
                j = pool_fund[p0 + picks[i, q]]
                if seen[j] == stamp or held[j] == stamp or cash[j] <= 0:
                    continue
                seen[j] = stamp
                if kind[j] == GOVERNMENT and lead < 0 and not gov_may_lead:
                    continue
                if not maybe[i, q]:
                    continue
                sig, ok = _screen(j, m, readings[i, q], row, s, cash, size, vintage, kind,
                                  noise, parent, st_sector, st_disruptive, st_partner,
                                  inc_sector, inc_group, screen_bar, steps, k)
                if not ok:
                    continue
                remaining = target - committed
                if remaining <= min_check:
                    break
                want = k[_LEAD_SHARE] * target if lead < 0 else remaining
                amount = min(want, remaining, cash[j], max_share * size[j])
                if amount <= min_check:
                    continue
                com_fund[c], com_amount[c], com_signal[c] = j, amount, sig
                held[j] = stamp
                c += 1
                committed += amount
                if lead < 0:
                    lead, lead_signal = j, sig
        if committed < k[_MIN_RAISE] * target or (lead < 0 and c == first):
            c = first                                 # the round fails: nothing committed
        else:
            if lead < 0:                              # insiders only: the largest leads
                best = first
                for e in range(first + 1, c):
                    if com_amount[e] > com_amount[best]:
                        best = e
                lead, lead_signal = com_fund[best], com_signal[best]
            for e in range(first, c):
                cash[com_fund[e]] -= com_amount[e]
            closed[i] = True
            lead_out[i], signal_out[i], raised_out[i] = lead, lead_signal, committed
        com_ptr[i + 1] = c
    return (closed, lead_out, signal_out, raised_out, com_ptr, com_fund[:c].copy(),
            com_amount[:c].copy())



# -- small firms: the arithmetic between numpy's transcendental calls ---------------------------
# numpy evaluates exp, log, expm1 and powers of arrays with its own SIMD code, whose last bit
# differs from the C library's (that numba calls) for a few per cent of inputs; so these stay
# numpy calls on the same (contiguous) arrays, and the kernels do what lies between them.
@_kernel
def smallfirm_age_arg(born, now, steps_per_year, hazard_years):
    """``-age / SMALLFIRM_HAZARD_YEARS`` of every row, ``age = (now - born) / STEPS_PER_YEAR``
    (the argument of :func:`abm.mechanisms.smallfirms.age_profile`'s exponential)."""
    out = np.empty(born.size)
    for i in range(born.size):
        out[i] = -(float(now - born[i]) / steps_per_year) / hazard_years
    return out


@_kernel
def smallfirm_exit_arg(e, f, h0, young_minus_one, f_mean, steps_per_year):
    """``-h / STEPS_PER_YEAR`` with ``h = h0 x (1 + (YOUNG - 1) e) x f / mean(f)`` (``e`` the
    age profile's exponential, ``f`` the size term): the argument of the quarter's
    ``expm1``."""
    out = np.empty(e.size)
    for i in range(e.size):
        out[i] = -(h0 * (1.0 + young_minus_one * e[i]) * f[i] / f_mean) / steps_per_year
    return out


@_kernel
def smallfirm_exit(u, em, emp, born, parent, alive, now, young_window):
    """The quarter's exits: row ``i`` leaves if ``u[i] < -em[i]`` (``em`` the ``expm1`` of
    :func:`smallfirm_exit_arg`); subcontractors of parents no longer ``alive`` become
    independent (``parent`` is changed in place). Returns ``(k, emp, born, parent, steps,
    counts)``: the number gone, the rows kept (new arrays; the given ones if none left), and
    the entry steps of the rows gone within ``young_window`` steps of entering with their
    counts, in increasing step order."""
    n = u.size
    gone = np.empty(n, dtype=np.bool_)
    k = 0
    for i in range(n):
        g = u[i] < -em[i]
        gone[i] = g
        if g:
            k += 1
    for i in range(n):
        if parent[i] >= 0 and not alive[parent[i]]:
            parent[i] = -1
    if k == 0:
        return 0, emp, born, parent, born[:0].copy(), born[:0].copy()
    young = np.empty(k, dtype=np.int64)
    y = 0
    for i in range(n):
        if gone[i] and now - born[i] <= young_window:
            young[y] = born[i]
            y += 1
    young = np.sort(young[:y])
    steps = np.empty(y, dtype=np.int64)
    counts = np.empty(y, dtype=np.int64)
    c = -1
    for j in range(y):
        if c < 0 or young[j] != steps[c]:
            c += 1
            steps[c] = young[j]
            counts[c] = 0
        counts[c] += 1
    m = n - k
    emp2 = np.empty(m)
    born2 = np.empty(m, dtype=np.int64)
    parent2 = np.empty(m, dtype=np.int64)
    j = 0
    for i in range(n):
        if not gone[i]:
            emp2[j], born2[j], parent2[j] = emp[i], born[i], parent[i]
            j += 1
    return k, emp2, born2, parent2, steps[:c + 1].copy(), counts[:c + 1].copy()


@_kernel
def smallfirm_growth(z, parent, rev, prev, drift, growth_sd):
    """The Gibrat step before its logarithm: ``dlog = drift + growth_sd x z`` of every row,
    and for subcontractors (``parent >= 0``, in row order) whether the parent's revenue was
    positive now and before (``ok``) and the ratio whose log they add (1 where not ok).
    Returns ``(dlog, sub, ok, ratio)`` (``sub``: the subcontractors' positions)."""
    n = z.size
    dlog = np.empty(n)
    m = 0
    for i in range(n):
        dlog[i] = drift + growth_sd * z[i]
        if parent[i] >= 0:
            m += 1
    sub = np.empty(m, dtype=np.int64)
    ok = np.empty(m, dtype=np.bool_)
    ratio = np.empty(m)
    j = 0
    for i in range(n):
        q = parent[i]
        if q >= 0:
            good = prev[q] > 0 and rev[q] > 0
            sub[j], ok[j] = i, good
            ratio[j] = (rev[q] if good else 1.0) / (prev[q] if good else 1.0)
            j += 1
    return dlog, sub, ok, ratio


@_kernel
def smallfirm_grown(log_emp, dlog, sub, ok, log_ratio):
    """``max(log e + dlog, 0)`` of every row, the subcontractors' ``dlog`` first raised by
    their parent's ``log_ratio`` where ``ok`` (the argument of the new employment's ``exp``)."""
    for j in range(sub.size):
        i = sub[j]
        dlog[i] = dlog[i] + (log_ratio[j] if ok[j] else 0.0)
    out = np.empty(log_emp.size)
    for i in range(log_emp.size):
        x = log_emp[i] + dlog[i]
        out[i] = x if (x >= 0.0 or x != x) else 0.0  # np.maximum(x, 0.0), to the sign of 0
    return out


@_kernel
def smallfirm_parents(u, share, alive, group, rev):
    """Parents of the quarter's entrants: entrant ``i`` with ``u[i] < share`` becomes the
    subcontractor of a live group incumbent (``alive`` and ``group >= 0``, rows in order)
    drawn in proportion to its revenue (cumulative, ``searchsorted`` to the right of
    ``u[i] / share`` of the total); -1 otherwise or if no such incumbent sells anything."""
    k = u.size
    parent = np.full(k, -1, dtype=np.int64)
    n = alive.size
    groups = np.empty(n, dtype=np.int64)
    cum = np.empty(n)
    g = 0
    total = 0.0
    for r in range(n):
        if alive[r] and group[r] >= 0:
            w = rev[r] if (rev[r] >= 0.0 or rev[r] != rev[r]) else 0.0  # np.maximum
            total += w
            groups[g], cum[g] = r, total
            g += 1
    if g == 0 or not cum[g - 1] > 0:
        return parent
    for i in range(k):
        if u[i] < share:
            x = u[i] / share * cum[g - 1]
            lo, hi = 0, g
            while lo < hi:
                mid = (lo + hi) // 2
                if cum[mid] <= x:
                    lo = mid + 1
                else:
                    hi = mid
            parent[i] = groups[min(lo, g - 1)]
    return parent


# -- founding: the draws of a channel's new ventures -------------------------------------------
# founding channels (venture_draws' ``mode``)
SPINOUT, SPINOFF, FOUNDING_INDEPENDENT, FOUNDING_SERIAL = 0, 1, 2, 3


@_kernel
def venture_draws(rng, mode, lams, n, n_sectors, tail, risk_mean, n_angels, chance):
    """Every random draw of one founding channel's new ventures, in the order
    :func:`abm.mechanisms.founding.step` makes them, venture after venture (none of them
    depends on what the ventures do with people and money):

    * ``SPINOUT`` (``n`` ventures, parents drawn before): stay in the parent's sector if a
      uniform is below 0.7, else a sector ``integers(n_sectors)``; team size ``1 +
      binomial(2, 0.35)``; per founder ``beta(2, 2)`` (skill) and ``normal(risk_mean, 0.15)``
      (risk tolerance, clipped by the caller); ``pareto(tail)`` (quality); a uniform
      (disruptive); with ``n_angels`` angels, a uniform below ``chance`` picks one with
      ``integers(n_angels)``.
    * ``SPINOFF``: for each university ``u``, ``poisson(lams[u])`` ventures, each: team size,
      founders, sector, quality, disruptive, angel (the sector after the team).
    * ``FOUNDING_INDEPENDENT``: ``poisson(lams[0])`` ventures as ``SPINOFF``.
    * ``FOUNDING_SERIAL`` (``n`` ventures led by pool founders): ``binomial(2, 0.35)`` new
      co-founders, then as ``SPINOFF``.

    Returns ``(ventures, u, founders)``: ``ventures`` int64 ``(k, 4)``: sector (-1: the
    parent's), new founders, angel (index into the angels, -1: none), university (-1 unless
    ``SPINOFF``); ``u`` ``(k, 2)``: the Pareto and the disruptive uniform; ``founders``
    ``(m, 2)``: each new founder's Beta and normal draws, venture by venture."""
    V = np.empty((16, 4), np.int64)
    U = np.empty((16, 2))
    F = np.empty((32, 2))
    k = 0
    m = 0
    sources = len(lams) if mode == SPINOFF or mode == FOUNDING_INDEPENDENT else 1
    for src in range(sources):
        if mode == SPINOFF or mode == FOUNDING_INDEPENDENT:
            count = rng.poisson(lams[src])
        else:
            count = n
        for _ in range(count):
            if k == V.shape[0]:
                V2 = np.empty((2 * k, 4), np.int64)
                V2[:k] = V
                V = V2
                U2 = np.empty((2 * k, 2))
                U2[:k] = U
                U = U2
            sector = -1
            if mode == SPINOUT:
                if rng.random() >= 0.7:
                    sector = rng.integers(0, n_sectors)
            new = rng.binomial(2, 0.35)
            if mode != FOUNDING_SERIAL:
                new += 1
            for _j in range(new):
                if m == F.shape[0]:
                    F2 = np.empty((2 * m, 2))
                    F2[:m] = F
                    F = F2
                F[m, 0] = rng.beta(2.0, 2.0)
                F[m, 1] = rng.normal(risk_mean, 0.15)
                m += 1
            if mode != SPINOUT:
                sector = rng.integers(0, n_sectors)
            U[k, 0] = rng.pareto(tail)
            U[k, 1] = rng.random()
            angel = -1
            if n_angels > 0:
                if rng.random() < chance:
                    angel = rng.integers(0, n_angels)
            V[k, 0] = sector
            V[k, 1] = new
            V[k, 2] = angel
            V[k, 3] = src if mode == SPINOFF else -1
            k += 1
    return V[:k], U[:k], F[:m]


def warm() -> None:
    """Load (or, the first time, compile) every kernel now, so that the process-wide set-up
    and any compilation are not paid inside the first quarter that calls one (the bench
    calls this before it times a run; a pool worker pays it once in its first run)."""
    if not ENABLED:
        return
    from .agents import Incumbent, Startup

    g = _compile()
    pacing, funding_walk = g["pacing"], g["funding_walk"]

    def col(cls, name):  # an empty column of the table's own dtype (one compiled version)
        return np.zeros(1, dtype=next(c.dtype for c in cls.COLUMNS if c.name == name))

    k = np.zeros(_N_K)
    k[_INVEST_PERIOD] = 1.0
    f1, i1, b1 = np.zeros(1), np.zeros(1, dtype=np.int64), np.zeros(1, dtype=np.bool_)
    pacing(f1, f1, i1, i1, 0, k)
    funding_walk(np.random.default_rng(0), i1[:0], i1[:0], f1[:0], f1[:0], f1[:0],
                 np.zeros((0, 1), dtype=np.int64), np.zeros((0, 1)), b1[:0],
                 np.zeros((0, 1), dtype=np.bool_), np.zeros(1, dtype=np.int64), i1[:0], f1[:0],
                 f1, f1, i1, i1, f1, i1, np.zeros(2, dtype=np.int64), i1[:0],
                 col(Startup, "sector"), col(Startup, "disruptive"), col(Startup, "partner"),
                 col(Incumbent, "sector"), col(Incumbent, "group"), f1, f1, 0, k)
    g["smallfirm_age_arg"](i1, 0, 1.0, 1.0)
    g["smallfirm_exit_arg"](f1, f1, 1.0, 1.0, 1.0, 1.0)
    alive = col(Incumbent, "alive")
    g["smallfirm_exit"](f1, f1, f1, i1, i1.copy(), alive, 0, 0)
    dlog, sub, ok, ratio = g["smallfirm_growth"](f1, i1, f1, f1, 0.0, 1.0)
    g["smallfirm_grown"](f1, dlog, sub, ok, ratio)
    g["smallfirm_parents"](f1, 1.0, alive, col(Incumbent, "group"), f1)
    g["venture_draws"](np.random.default_rng(0), SPINOFF, f1, 0, 1, 1.5, 0.5, 0, 0.0)
