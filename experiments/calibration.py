"""Calibration by simulated method of moments, with identification and an ensemble.

The estimator does not know the ABM: it sees a *simulator*, a callable that takes a list of
:class:`Task` (preset, parameter overrides, structural constants, seed) and returns one
``{metric: value}`` mapping per task. :class:`ABMSimulator` runs the model through the
experiment runner (:func:`abm.experiments.runner.run_batch`); the tests plug in a toy function whose
true parameters are known.

**Problem.** The parameters (:class:`Param`) are the preset parameters the calibration facts
depend on (:data:`MOMENT_PARAMETERS`, per preset) and the shared structural constants
(:data:`DEFAULT_CONSTANTS`, from :data:`abm.structural.STRUCTURAL`, the same in every preset).
Each is searched in a transformed coordinate ``z`` inside its documented range: ``logit`` for
values in [0, 1], ``log`` for positive ranges, ``asinh(x / s)`` (log-like, but reaching 0) for
ranges that start at 0, where the search window is capped at :data:`WINDOW` times the largest
preset value. The moments (:class:`Moment`) are the calibration facts' metrics per preset; the
residual of a moment is

    r = (g(model mean) - g(aim)) / (g(high) - g(low))

with ``g = logit`` for metrics bounded in [0, 1] (shares) and ``g = log`` otherwise
(intensities, rates), ``aim`` the fact's ``target`` or else the midpoint of the range in
``g`` units, so that without a target ``|r| <= 0.5`` exactly when the mean is in the range.
The model mean is over common-random-number seeds (the same seeds for every parameter vector).

**Estimate.** :func:`scipy.optimize.least_squares` (trust-region reflective, box bounds)
minimises the distance ``sum r**2``; its Jacobian is a forward finite difference in ``z`` with
a step :data:`FD_STEP` large enough to see through the simulation noise, computed block-wise
(a preset's parameters only move that preset's runs, so only those are rerun).

**Identification.** The Jacobian at the optimum over the same seeds: the measured change of
every moment (in widths of its fact's range) for each parameter's finite-difference step
(:meth:`Estimator.identification`); a parameter is *weak* when its step moves no moment by
:data:`WEAK_EFFECT` of a range, or when the moments leave more than :data:`WEAK_SD_RATIO` of
its prior spread (flat, or collinear with other parameters).

**Ensemble.** A Laplace approximation around the optimum: precision ``J' W J`` plus the prior
precision of a uniform over the search box, where ``W`` treats each fact's range as the
uncertainty of its target (uniform: variance 1/12 in residual units) plus the simulation noise
of the seed mean. Candidates drawn from it (seeded) are kept when *every* moment's mean lies in
its fact's range (ABC acceptance within the facts' ranges); when few pass, the spread is halved
for the next batch. Values are rounded to 3 significant digits before they are checked, so the
accepted vectors are exactly what is stored.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from .reports.markdown import md_table

DEFAULT_CONSTANTS = ("ACQUISITION_HAZARD", "QUALITY_GROWTH", "SCALE_UP",
                     "VALUATION_ELASTICITY")
"""Structural constants calibrated jointly with the presets by default: the three with the
largest Morris effect on the M&A share of exits in every preset
(results/structural_uncertainty/report.md: ACQUISITION_HAZARD, QUALITY_GROWTH, SCALE_UP) and
the elasticity of round prices, which sets the money per deal behind VC intensity."""

MOMENT_PARAMETERS: dict[str, tuple[str, ...]] = {
    "ma_share_of_exits": ("acquisition_appetite", "ma_market_depth"),
    "vc_intensity": ("lp_capital_per_year",),
    "cvc_deal_share": ("cvc_allocation",),
    "gov_share_of_vc_commitments": ("gov_vc_budget",),
    "firm_entry_rate": ("small_firm_entry_rate",),
}
"""Calibration metric -> the preset parameters it depends on most directly (searched for every
preset with a calibration fact on that metric). A metric not listed still counts as a moment
(with the structural constants and the other parameters moving it); add it here, or pass
``extra_parameters``, to search a parameter of its own."""

WINDOW = 20.0
"""A parameter whose documented range starts at 0 is searched up to ``WINDOW`` times its largest
value over the presets (or its default), within the documented range."""
FD_STEP = 0.25
"""Finite-difference step in transformed units (about 28% for a log parameter), capped at a
tenth of the search range."""
WEAK_EFFECT = 0.05
"""A parameter is weak when its finite-difference step moves no moment by this many widths of
the moment's fact range (in transformed units)..."""
WEAK_SD_RATIO = 0.7
"""...or when the posterior sd of its transformed value (Laplace) exceeds this share of the
prior sd (the moments cannot tell it apart from the other parameters)."""
TARGET_SD = 1.0 / math.sqrt(12.0)
"""Uncertainty of a target in residual units: uniform over the fact's range."""
SHARE_EPS = 1e-3
"""Shares are clipped to [SHARE_EPS, 1 - SHARE_EPS] before the logit."""


class CalibrationError(ValueError):
    """Bad calibration input (unknown parameter or constant, empty problem, bad budget)."""


class BudgetExhausted(Exception):
    """Raised inside the search when its share of the budget is used up."""


# -- problem ---------------------------------------------------------------------------------
def sig3(x: float) -> float:
    """``x`` rounded to 3 significant digits."""
    return float(f"{float(x):.3g}")


@dataclass(frozen=True)
class Param:
    """One searched parameter.

    Args:
        name: parameter (``abm.params.SPECS``) or structural constant name.
        preset: the preset it belongs to; ``None`` for a shared structural constant.
        x0: starting value.
        low, high: search range (inside the documented range).
        transform: ``logit``, ``log`` or ``asinh``.
        s: scale of ``asinh`` (``z = asinh(x / s)``).
    """

    name: str
    preset: str | None
    x0: float
    low: float
    high: float
    transform: str
    s: float = 1.0

    @property
    def label(self) -> str:
        return self.name if self.preset is None else f"{self.preset}.{self.name}"

    def to_z(self, x: float) -> float:
        x = min(max(float(x), self.low), self.high)
        if self.transform == "logit":
            u = (x - self.low) / (self.high - self.low)
            u = min(max(u, SHARE_EPS), 1 - SHARE_EPS)
            return math.log(u / (1 - u))
        if self.transform == "log":
            return math.log(x)
        return math.asinh(x / self.s)

    def from_z(self, z: float) -> float:
        zl, zh = self.z_bounds
        if z <= zl + 1e-5 * (zh - zl):  # at a bound (the optimiser keeps a hair inside)
            return self.low
        if z >= zh - 1e-5 * (zh - zl):
            return self.high
        if self.transform == "logit":
            u = 1.0 / (1.0 + math.exp(-z))
            if u <= SHARE_EPS * (1 + 1e-9):
                u = 0.0
            elif u >= 1 - SHARE_EPS * (1 + 1e-9):
                u = 1.0
            x = self.low + u * (self.high - self.low)
        elif self.transform == "log":
            x = math.exp(z)
        else:
            x = self.s * math.sinh(z)
        return min(max(x, self.low), self.high)

    @property
    def z_bounds(self) -> tuple[float, float]:
        if self.transform == "logit":
            e = math.log(SHARE_EPS / (1 - SHARE_EPS))
            return e, -e
        return self.to_z(self.low), self.to_z(self.high)


def make_param(name: str, preset: str | None, x0: float, low: float, high: float,
               ref: float | None = None) -> Param:
    """A :class:`Param` with the transform its range calls for (module docstring)."""
    if not low < high:
        raise CalibrationError(f"{name}: search range [{low:g}, {high:g}] is empty")
    if low == 0.0 and high == 1.0:
        return Param(name, preset, float(x0), 0.0, 1.0, "logit")
    if low > 0:
        return Param(name, preset, float(x0), float(low), float(high), "log")
    ref = abs(float(ref if ref is not None else x0)) or abs(high) / WINDOW
    return Param(name, preset, float(x0), float(low), float(min(high, WINDOW * ref)),
                 "asinh", s=0.05 * ref)


@dataclass(frozen=True)
class Moment:
    """One calibration moment: a metric in one preset with its fact's range."""

    id: str
    preset: str
    key: str
    low: float
    high: float
    target: float | None = None
    transform: str = "log"

    def g(self, x: float) -> float:
        """The transform: logit for shares (clipped away from 0 and 1), log otherwise
        (floored at a tenth of the range's low end, or 1/1000 of its high end)."""
        if self.transform == "logit":
            eps = min(SHARE_EPS, 0.1 * self.low) if self.low > 0 else SHARE_EPS
            eps = min(eps, 0.1 * (1 - self.high)) if self.high < 1 else eps
            x = min(max(x, eps), 1 - eps)
            return math.log(x / (1 - x))
        floor = 0.1 * self.low if self.low > 0 else 1e-3 * self.high
        return math.log(max(x, floor))

    @property
    def width(self) -> float:
        """The range's width in transformed units."""
        return self.g(self.high) - self.g(self.low)

    @property
    def aim(self) -> float:
        """The aim in transformed units: the target, else the range's midpoint."""
        if self.target is not None:
            return self.g(self.target)
        return 0.5 * (self.g(self.low) + self.g(self.high))

    def residual(self, mean: float) -> float:
        if not math.isfinite(mean):
            return 2.0  # no value at all (e.g. no exit): two range widths off
        return (self.g(mean) - self.aim) / self.width

    def holds(self, mean: float) -> bool:
        return bool(math.isfinite(mean) and self.low <= mean <= self.high)


def moments_from_facts(facts: Sequence[Any]) -> list[Moment]:
    """One :class:`Moment` per calibration fact (``abm.experiments.validate.Fact``)."""
    from abm.outputs import OUTPUTS

    out = []
    for f in facts:
        o = OUTPUTS.get(f.key)
        share = o is not None and o.low == 0.0 and o.high == 1.0
        out.append(Moment(f.id, f.preset, f.key, float(f.low), float(f.high),
                          None if f.target is None else float(f.target),
                          "logit" if share else "log"))
    return out


def problem_from_facts(facts: Sequence[Any], constants: Sequence[str] = DEFAULT_CONSTANTS,
                       extra_parameters: Mapping[str, Sequence[str]] | None = None,
                       start: Mapping[str, Mapping[str, float]] | None = None,
                       start_constants: Mapping[str, float] | None = None
                       ) -> tuple[list[Param], list[Moment]]:
    """Parameters and moments of the calibration of the presets to ``facts``.

    Args:
        facts: calibration facts (``use == "calibration"``).
        constants: structural constants searched jointly (shared by every preset).
        extra_parameters: ``{preset: [parameter, ...]}`` searched besides
            :data:`MOMENT_PARAMETERS` (e.g. for a new fact's metric).
        start: ``{preset: {parameter: value}}`` starting values (default: the presets').
        start_constants: starting constants (default: :mod:`abm.constants`).

    Raises:
        CalibrationError: no fact, an unknown parameter or constant (with suggestions).
    """
    from abm import constants as C
    from abm.hints import did_you_mean
    from abm.params import SPECS
    from abm.presets import PRESET_NAMES, resolve
    from abm.structural import CONSTANTS, STRUCTURAL

    if not facts:
        raise CalibrationError("no calibration fact to calibrate to "
                               "(experiments/stylized_facts.toml, use = \"calibration\")")
    moments = moments_from_facts(facts)
    wanted: dict[str, list[str]] = {}
    for m in moments:
        for name in MOMENT_PARAMETERS.get(m.key, ()):
            wanted.setdefault(m.preset, [])
            if name not in wanted[m.preset]:
                wanted[m.preset].append(name)
    for preset, names in (extra_parameters or {}).items():
        if preset not in PRESET_NAMES:
            raise CalibrationError(f"unknown preset {preset!r}; "
                                   f"{did_you_mean(preset, PRESET_NAMES, label='valid presets')}")
        for name in names:
            if name not in SPECS:
                raise CalibrationError(f"unknown parameter {name!r}; "
                                       f"{did_you_mean(name, list(SPECS))}")
            wanted.setdefault(preset, [])
            if name not in wanted[preset]:
                wanted[preset].append(name)
    params: list[Param] = []
    for preset in sorted(wanted, key=PRESET_NAMES.index):
        values = resolve(preset)
        for name in wanted[preset]:
            spec = SPECS[name]
            x0 = float((start or {}).get(preset, {}).get(name, values[name]))
            ref = max([abs(float(resolve(p)[name])) for p in PRESET_NAMES]
                      + [abs(float(spec.default)), abs(x0)])
            params.append(make_param(name, preset, x0, spec.low, spec.high, ref))
    for name in constants:
        if name not in CONSTANTS:
            raise CalibrationError(f"unknown structural constant {name!r}; "
                                   f"{did_you_mean(name, CONSTANTS)} (abm/structural.py)")
        e = STRUCTURAL[name]
        x0 = float((start_constants or {}).get(name, getattr(C, name)))
        params.append(make_param(name, None, x0, e.low, e.high, ref=max(x0, e.high / 2)))
    if not params:
        raise CalibrationError("no parameter to search: the facts' metrics "
                               f"({sorted({m.key for m in moments})}) have no entry in "
                               "MOMENT_PARAMETERS and no constant is searched")
    return params, moments


# -- simulation --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Task:
    """One simulation: ``preset`` with ``overrides`` and ``constants``, seed ``seed``."""

    preset: str
    overrides: Mapping[str, float]
    constants: Mapping[str, float]
    seed: int


Simulator = Callable[[Sequence[Task]], list[Mapping[str, float]]]
"""Takes tasks, returns one ``{metric: value}`` per task, in order (NaN for a failed run)."""


class ABMSimulator:
    """The ABM through :func:`abm.experiments.runner.run_batch` (``workers`` processes)."""

    def __init__(self, steps: int = 100, scale: float | None = None, workers: int = 2,
                 progress: bool = False) -> None:
        self.steps, self.scale, self.workers, self.progress = steps, scale, workers, progress
        self.batches = 0
        self.failures: list[dict[str, Any]] = []

    def __call__(self, tasks: Sequence[Task]) -> list[Mapping[str, float]]:
        from .runner import run_batch
        from .spec import RunSpec

        self.batches += 1
        runs = []
        for i, t in enumerate(tasks):
            ov = dict(t.overrides)
            if self.scale is not None:
                ov["scale"] = float(self.scale)
            runs.append(RunSpec(run_id=f"c{self.batches:05d}-{i:06d}", preset=t.preset,
                                overrides=ov, constants=dict(t.constants), seed=int(t.seed),
                                steps=self.steps, scenario=t.preset, replicate=0))
        res = run_batch(runs, workers=self.workers, progress=self.progress,
                        label=f"calibration batch {self.batches}",
                        collect={"timeseries": False, "distributions": False})
        self.failures += res.failures  # their moments are NaN (left out of seed means)
        rows = {r["run_id"]: r for r in res.runs.to_dict("records")}
        return [rows.get(r.run_id, {}) for r in runs]


# -- estimator ---------------------------------------------------------------------------------
@dataclass
class Evaluation:
    """Moments of one parameter vector over the seeds."""

    z: np.ndarray
    values: np.ndarray  # moments x seeds
    means: np.ndarray
    residuals: np.ndarray

    @property
    def distance(self) -> float:
        return float(np.sum(self.residuals ** 2))


@dataclass
class Budget:
    """At most ``runs`` simulations and ``seconds`` of wall time (``None``: no limit)."""

    runs: int | None = None
    seconds: float | None = None


class Estimator:
    """Simulated method of moments over common-random-number ``seeds`` (module docstring)."""

    def __init__(self, params: Sequence[Param], moments: Sequence[Moment],
                 simulator: Simulator, seeds: Sequence[int], fd_step: float = FD_STEP) -> None:
        if not moments:
            raise CalibrationError("no moment to calibrate to")
        self.params = list(params)
        self.moments = list(moments)
        self.simulator = simulator
        self.seeds = [int(s) for s in seeds]
        if not self.seeds:
            raise CalibrationError("at least one calibration seed is needed")
        self.fd_step = fd_step
        self.presets = list(dict.fromkeys(m.preset for m in self.moments))
        self.lo = np.array([p.z_bounds[0] for p in self.params])
        self.hi = np.array([p.z_bounds[1] for p in self.params])
        # a hair inside the box (least_squares needs a strictly feasible start; from_z maps
        # it back to the bound)
        pad = 1e-6 * (self.hi - self.lo)
        self.z0 = np.clip(np.array([p.to_z(p.x0) for p in self.params]), self.lo + pad,
                          self.hi - pad)
        self.trials: list[dict[str, Any]] = []
        self.runs = 0
        self.search_limit: tuple[int | None, float | None, float] | None = None

    # values -----------------------------------------------------------------------------
    def x_of(self, z: np.ndarray) -> np.ndarray:
        return np.array([p.from_z(v) for p, v in zip(self.params, z)])

    def rounded(self, z: np.ndarray) -> np.ndarray:
        """``z`` of the vector rounded to 3 significant digits (what is stored)."""
        return np.array([p.to_z(sig3(p.from_z(v))) for p, v in zip(self.params, z)])

    def assignment(self, z: np.ndarray, digits3: bool = False
                   ) -> tuple[dict[str, dict[str, float]], dict[str, float]]:
        """``({preset: {parameter: value}}, {constant: value})`` of ``z`` (with ``digits3``:
        rounded to 3 significant digits)."""
        per: dict[str, dict[str, float]] = {}
        const: dict[str, float] = {}
        for p, x in zip(self.params, self.x_of(z)):
            x = sig3(x) if digits3 else x
            if p.preset is None:
                const[p.name] = float(x)
            else:
                per.setdefault(p.preset, {})[p.name] = float(x)
        return per, const

    # simulation -------------------------------------------------------------------------
    def evaluate(self, zs: Sequence[np.ndarray], presets: Sequence[Sequence[str] | None]
                 | None = None, base: Evaluation | None = None, seeds: Sequence[int] | None
                 = None, kind: str = "search") -> list[Evaluation]:
        """Moments of each vector in ``zs`` in one simulator call. With ``presets[i]``, only
        those presets run for vector ``i`` and the other moments are copied from ``base``
        (same seeds, untouched parameters: identical results)."""
        seeds = self.seeds if seeds is None else [int(s) for s in seeds]
        presets = presets or [None] * len(zs)
        tasks: list[Task] = []
        index: list[tuple[int, str, int]] = []
        for i, (z, only) in enumerate(zip(zs, presets)):
            per, const = self.assignment(z)
            for preset in (only if only is not None else self.presets):
                for k, s in enumerate(seeds):
                    tasks.append(Task(preset, dict(per.get(preset, {})), dict(const), s))
                    index.append((i, preset, k))
        self._charge(len(tasks), kind)
        rows = self.simulator(tasks) if tasks else []
        self.runs += len(tasks)
        out = []
        for i, (z, only) in enumerate(zip(zs, presets)):
            vals = np.full((len(self.moments), len(seeds)), np.nan)
            if only is not None and base is not None:
                vals[:] = base.values
            out.append(vals)
        for (i, preset, k), row in zip(index, rows):
            for j, m in enumerate(self.moments):
                if m.preset == preset:
                    v = row.get(m.key, np.nan) if row else np.nan
                    out[i][j, k] = float(v) if v is not None else np.nan
        evals = []
        for z, vals in zip(zs, out):
            ev = self._evaluation(z, vals)
            evals.append(ev)
            if kind in ("search", "fd"):
                self.trials.append({"kind": kind, "distance": ev.distance, "z": ev.z.copy(),
                                    "eval": ev})
        return evals

    def _evaluation(self, z: np.ndarray, vals: np.ndarray) -> Evaluation:
        """The :class:`Evaluation` of ``z`` from its moments x seeds ``vals`` (NaN: not
        run)."""
        means = np.array([np.nanmean(v) if np.isfinite(v).any() else np.nan for v in vals])
        res = np.array([m.residual(x) for m, x in zip(self.moments, means)])
        return Evaluation(np.array(z, dtype=float), vals, means, res)

    def accept_staged(self, zs: Sequence[np.ndarray], seeds: Sequence[int] | None = None
                      ) -> tuple[list[Evaluation], list[int]]:
        """ABC acceptance of each vector in ``zs`` (every moment's seed mean inside its
        fact's range), with early rejection: the presets run one after another, in
        :attr:`presets` order, and a vector one preset's moments reject is not run for the
        next (each moment depends only on its own preset's runs, so the accepted vectors are
        exactly those a full evaluation accepts, from the same runs). Returns the evaluations
        (moments of presets not run are NaN) and the indices of the accepted vectors."""
        seeds = self.seeds if seeds is None else [int(s) for s in seeds]
        vals = [np.full((len(self.moments), len(seeds)), np.nan) for _ in zs]
        alive = list(range(len(zs)))
        for preset in self.presets:
            if not alive:
                break
            rows = [j for j, m in enumerate(self.moments) if m.preset == preset]
            part = self.evaluate([zs[i] for i in alive], presets=[[preset]] * len(alive),
                                 seeds=seeds, kind="ensemble")
            keep = []
            for i, ev in zip(alive, part):
                vals[i][rows] = ev.values[rows]
                if all(self.moments[j].holds(ev.means[j]) for j in rows):
                    keep.append(i)
            alive = keep
        return [self._evaluation(z, v) for z, v in zip(zs, vals)], alive

    def _charge(self, n: int, kind: str) -> None:
        if self.search_limit is None or kind not in ("search", "fd"):
            return
        runs, seconds, t0 = self.search_limit
        if runs is not None and self.runs + n > runs:
            raise BudgetExhausted(f"search budget of {runs} runs used")
        if seconds is not None and time.perf_counter() - t0 > seconds:
            raise BudgetExhausted(f"search budget of {seconds:.0f} s used")

    def jacobian(self, base: Evaluation, kind: str = "fd") -> np.ndarray:
        """Forward-difference Jacobian of the residuals in ``z`` at ``base`` (block-wise: a
        preset parameter reruns its preset only)."""
        zs, only = [], []
        steps = self.fd_steps(base.z)
        for i, (p, h) in enumerate(zip(self.params, steps)):
            z = base.z.copy()
            z[i] += h
            zs.append(z)
            only.append(None if p.preset is None else [p.preset])
        evs = self.evaluate(zs, only, base=base, kind=kind)
        J = np.zeros((len(self.moments), len(self.params)))
        for i, (ev, h) in enumerate(zip(evs, steps)):
            J[:, i] = (ev.residuals - base.residuals) / h
        return J

    def fit(self, max_iterations: int = 30, start: Evaluation | None = None) -> dict[str, Any]:
        """Minimise the distance from the start (:func:`scipy.optimize.least_squares`);
        stops early when the search budget (``search_limit``) is used. Returns the best
        evaluation found, the optimiser's message and the number of simulations."""
        from scipy.optimize import least_squares

        cache: dict[bytes, Evaluation] = {}
        if start is not None:
            cache[np.asarray(start.z, dtype=float).tobytes()] = start

        def ev_at(z: np.ndarray) -> Evaluation:
            key = np.asarray(z, dtype=float).tobytes()
            if key not in cache:
                cache[key] = self.evaluate([np.asarray(z, dtype=float)])[0]
            return cache[key]

        def fun(z):
            return ev_at(z).residuals

        def jac(z):
            return self.jacobian(ev_at(z))

        start = ev_at(self.z0)
        message = "converged"
        try:
            res = least_squares(fun, self.z0, jac=jac, bounds=(self.lo, self.hi),
                                method="trf", x_scale=1.0, max_nfev=max_iterations,
                                ftol=1e-3, xtol=1e-3, gtol=1e-4, tr_solver="exact")
            message = str(res.message)
        except BudgetExhausted as exc:
            message = f"stopped: {exc}"
        best = min((t["eval"] for t in self.trials), key=lambda e: e.distance)
        return {"start": start, "best": best, "message": message, "runs": self.runs}

    # identification and ensemble ----------------------------------------------------------
    def prior_sd(self) -> np.ndarray:
        return (self.hi - self.lo) / math.sqrt(12.0)

    def noise_var(self, ev: Evaluation) -> np.ndarray:
        """Variance of each residual's seed mean (from the spread over the seeds)."""
        out = []
        for m, vals in zip(self.moments, ev.values):
            r = np.array([m.residual(v) for v in vals if math.isfinite(v)])
            out.append(float(np.var(r, ddof=1)) / len(r) if len(r) > 1 else 0.0)
        return np.array(out)

    def posterior_cov(self, J: np.ndarray, ev: Evaluation) -> np.ndarray:
        w = 1.0 / (TARGET_SD ** 2 + self.noise_var(ev))
        prec = J.T @ (w[:, None] * J) + np.diag(1.0 / self.prior_sd() ** 2)
        return np.linalg.inv(prec)

    def fd_steps(self, z: np.ndarray) -> np.ndarray:
        """The finite-difference step of each parameter at ``z`` (negative at an upper
        bound)."""
        h = np.minimum(self.fd_step, 0.1 * (self.hi - self.lo))
        return np.where(z + h > self.hi, -h, h)

    def identification(self, J: np.ndarray, ev: Evaluation) -> list[dict[str, Any]]:
        """One row per parameter: the measured effect of its finite-difference step on every
        moment (in widths of the moment's fact range), the largest one, the relative change
        of the parameter that step is, posterior/prior sd, and whether it is weak."""
        cov = self.posterior_cov(J, ev)
        steps = self.fd_steps(ev.z)
        rows = []
        for i, p in enumerate(self.params):
            eff = J[:, i] * steps[i]
            x0 = p.from_z(ev.z[i])
            x1 = p.from_z(ev.z[i] + steps[i])
            ratio = float(math.sqrt(max(cov[i, i], 0.0)) / self.prior_sd()[i])
            strength = float(np.max(np.abs(eff)))
            reasons = []
            if strength < WEAK_EFFECT:
                reasons.append(f"no moment moves by {WEAK_EFFECT:g} of its range")
            if ratio > WEAK_SD_RATIO:
                reasons.append(f"posterior sd {ratio:.2f} of prior (flat or collinear)")
            rows.append({"parameter": p.label, "effects": {m.id: float(e) for m, e in
                                                           zip(self.moments, eff)},
                         "step": f"{x0:.3g} -> {x1:.3g}",
                         "strength": strength, "sd_ratio": ratio, "weak": bool(reasons),
                         "why": "; ".join(reasons)})
        return rows

    def ensemble(self, best: Evaluation, J: np.ndarray, n: int, rng: np.random.Generator,
                 seeds: Sequence[int] | None = None, batch: int | None = None
                 ) -> dict[str, Any]:
        """Candidates from the Laplace approximation at ``best`` (the best vector first),
        rounded to 3 significant digits, kept when every moment holds on ``seeds``
        (:meth:`accept_staged`: early rejection, preset by preset), in batches of ``batch``
        (default: half of ``n``); the spread is halved after a batch that accepts fewer than
        30% of its candidates. ``batches`` records each batch's candidates, accepted
        vectors, spread factor and runs."""
        cov = self.posterior_cov(J, best)
        batch = batch or max(1, (n + 1) // 2)
        accepted, candidates, batches = [], [], []
        shrink = 1.0
        first = [self.rounded(best.z)]
        n_seeds = len(self.seeds if seeds is None else seeds)
        while len(candidates) < n:
            k = min(batch, n - len(candidates)) - len(first)
            draws = rng.multivariate_normal(best.z, shrink * cov, size=max(k, 0),
                                            method="eigh") if k > 0 else np.zeros((0, len(best.z)))
            zs = first + [self.rounded(np.clip(d, self.lo, self.hi)) for d in draws]
            first = []
            runs0 = self.runs
            evs, ok = self.accept_staged(zs, seeds)
            candidates += evs
            accepted += [evs[i] for i in ok]
            batches.append({"candidates": len(evs), "accepted": len(ok), "spread": shrink,
                            "runs": self.runs - runs0,
                            "runs_without_early_rejection":
                                len(evs) * len(self.presets) * n_seeds})
            if len(ok) < 0.3 * len(evs):
                shrink *= 0.5
        return {"candidates": candidates, "accepted": accepted, "shrink": shrink,
                "cov": cov, "batches": batches}


# -- orchestration -----------------------------------------------------------------------------
def calibrate(params: Sequence[Param], moments: Sequence[Moment], simulator: Simulator,
              seeds: Sequence[int], check_seeds: Sequence[int], budget: Budget | None = None,
              ensemble_size: int = 24, ensemble_seed: int = 0, max_iterations: int = 30,
              fd_step: float = FD_STEP, log: Callable[[str], None] | None = None,
              search: bool = True, ensemble_batch: int | None = None) -> dict[str, Any]:
    """Fit, identification, ensemble and a check of the best (rounded) vector on
    ``check_seeds``, within ``budget``.

    The search gets what the budget leaves after the later phases (one Jacobian, the
    ensemble, the check: their runs are known in advance; with a time budget their time is
    estimated from the first evaluation's time per run). With ``search=False`` the start
    (the parameters' current values) is the point: no search, no budget; identification,
    ensemble and check run there.
    """
    log = log or (lambda s: None)
    budget = budget or Budget()
    est = Estimator(params, moments, simulator, seeds, fd_step)
    if not search:  # the start is the point: evaluated (and checked) once, by _after_search
        return _after_search(est, None, check_seeds, ensemble_size, ensemble_seed,
                             ensemble_batch, log, time.perf_counter(), 0.0)
    n_pre = len(est.presets)
    per_vec = n_pre * len(est.seeds)
    jac_runs = sum(len(est.seeds) if p.preset else per_vec for p in est.params)
    reserve = (per_vec + jac_runs + ensemble_size * per_vec
               + 2 * n_pre * len(check_seeds))
    if budget.runs is not None and budget.runs < reserve + per_vec + jac_runs:
        raise CalibrationError(
            f"--budget {budget.runs} runs is too small: one search step ({per_vec + jac_runs} "
            f"runs) plus identification, ensemble and check ({reserve} runs) need at least "
            f"{reserve + per_vec + jac_runs}; lower --seeds/--ensemble-size/--check-seeds or "
            "raise --budget")
    t_start = time.perf_counter()
    search_runs = None if budget.runs is None else budget.runs - reserve
    est.search_limit = (search_runs, None, t_start)
    ev0 = est.evaluate([est.z0], kind="search")[0]
    if budget.seconds is not None:
        # time per run from the start evaluation, then cap the search's share
        per_run = (time.perf_counter() - t_start) / max(1, per_vec)
        est.search_limit = (search_runs, budget.seconds - reserve * per_run, t_start)
        log(f"{per_run:.2f} s per run; search gets "
            f"{max(0.0, budget.seconds - reserve * per_run):.0f} s of {budget.seconds:.0f} s")
    log(f"search: {len(est.params)} parameters, {len(est.moments)} moments, "
        f"{len(est.seeds)} seeds; budget {budget.runs or 'unlimited'} runs "
        f"({reserve} reserved)")
    fit = est.fit(max_iterations, start=ev0)
    t_fit = time.perf_counter() - t_start
    log(f"search done ({fit['message']}): distance {fit['start'].distance:.3f} -> "
        f"{fit['best'].distance:.3f} after {fit['runs']} runs, {t_fit:.0f} s")
    est.search_limit = None
    return _after_search(est, fit, check_seeds, ensemble_size, ensemble_seed, ensemble_batch,
                         log, t_start, t_fit)


def _after_search(est: Estimator, fit: dict[str, Any] | None, check_seeds: Sequence[int],
                  ensemble_size: int, ensemble_seed: int, ensemble_batch: int | None,
                  log: Callable[[str], None], t_start: float, t_fit: float
                  ) -> dict[str, Any]:
    """Identification, ensemble and check at the search's best vector (rounded); with
    ``fit=None`` (no search) at the start, which is then also the start of the check."""
    zr = est.rounded(est.z0 if fit is None else fit["best"].z)
    best_r = est.evaluate([zr], kind="point")[0]
    if fit is None:
        fit = {"start": best_r, "best": best_r, "runs": est.runs,
               "message": "no search: the current values are the point"}
        log(f"no search: distance {best_r.distance:.3f} at the current values")
    J = est.jacobian(best_r, kind="identification")
    ident = est.identification(J, best_r)
    log(f"identification: {sum(r['weak'] for r in ident)} of {len(ident)} parameters weak")
    ens = est.ensemble(best_r, J, ensemble_size, np.random.default_rng(ensemble_seed),
                       batch=ensemble_batch)
    log(f"ensemble: {len(ens['accepted'])} of {len(ens['candidates'])} candidates accepted "
        f"in {sum(b['runs'] for b in ens['batches'])} runs (without early rejection: "
        f"{sum(b['runs_without_early_rejection'] for b in ens['batches'])})")
    if fit["best"] is best_r:  # no search: the start is the point, checked once
        check = start_check = est.evaluate([zr], seeds=check_seeds, kind="check")[0]
    else:
        check, start_check = est.evaluate([zr, est.z0], seeds=check_seeds, kind="check")
    return {"estimator": est, "fit": fit, "best": best_r, "z": zr, "jacobian": J,
            "identification": ident, "ensemble": ens, "check": check,
            "start_check": start_check, "check_seeds": list(check_seeds),
            "runs": est.runs, "wall_seconds": time.perf_counter() - t_start,
            "search_seconds": t_fit}


def member_dict(est: Estimator, ev: Evaluation, i: int, best: bool = False) -> dict[str, Any]:
    per, const = est.assignment(ev.z, digits3=True)
    return {"id": i, "distance": round(ev.distance, 6), **({"best": True} if best else {}),
            "constants": {k: sig3(v) for k, v in const.items()},
            "presets": {p: {k: sig3(v) for k, v in d.items()} for p, d in per.items()}}


# -- report and files --------------------------------------------------------------------------
def _fmt(x: float) -> str:
    if x is None or not math.isfinite(x):
        return "n/a"
    return f"{x:.3g}" if abs(x) >= 1e-3 or x == 0 else f"{x:.2e}"


def fit_rows(res: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One row per moment: range, aim, start and calibrated mean with a 95% interval over the
    check seeds, whether it holds."""
    from .stats import mean_ci

    est: Estimator = res["estimator"]
    rows = []
    for j, m in enumerate(est.moments):
        ci = mean_ci(res["check"].values[j])
        ci0 = mean_ci(res["start_check"].values[j])
        aim = m.target if m.target is not None else (
            1 / (1 + math.exp(-m.aim)) if m.transform == "logit" else math.exp(m.aim))
        rows.append({"fact": m.id, "preset": m.preset, "metric": m.key, "low": m.low,
                     "high": m.high, "aim": aim, "start_mean": ci0["mean"],
                     "mean": ci["mean"], "ci_low": ci["ci_low"], "ci_high": ci["ci_high"],
                     "n": ci["n"], "residual": float(res["check"].residuals[j]),
                     "holds": m.holds(ci["mean"]), "start_holds": m.holds(ci0["mean"])})
    return rows


def value_rows(res: Mapping[str, Any]) -> list[dict[str, Any]]:
    est: Estimator = res["estimator"]
    acc = res["ensemble"]["accepted"]
    X = np.array([est.x_of(e.z) for e in acc]) if acc else None
    rows = []
    for i, p in enumerate(est.params):
        rows.append({"parameter": p.label, "start": p.x0, "calibrated": sig3(est.x_of(
            res["z"])[i]), "search_low": p.low, "search_high": p.high,
            "transform": p.transform,
            "ensemble_min": float(X[:, i].min()) if X is not None else math.nan,
            "ensemble_median": float(np.median(X[:, i])) if X is not None else math.nan,
            "ensemble_max": float(X[:, i].max()) if X is not None else math.nan})
    return rows


def write_report(res: Mapping[str, Any], out: Any, meta: Mapping[str, Any]) -> list[Any]:
    """``calibration.md`` and its tables as CSV (``calibration_fit.csv``,
    ``calibration_values.csv``, ``calibration_identification.csv``,
    ``calibration_ensemble.csv``) plus ``ensemble.toml`` in ``out``."""
    from pathlib import Path

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    est: Estimator = res["estimator"]
    fit, vals, ident = fit_rows(res), value_rows(res), res["identification"]
    ens = res["ensemble"]
    members = [member_dict(est, e, i, best=(i == 0 and np.allclose(e.z, res["z"])))
               for i, e in enumerate(ens["accepted"])]
    files = [out / f for f in ("calibration.md", "calibration_fit.csv",
                               "calibration_values.csv", "calibration_identification.csv",
                               "calibration_ensemble.csv", "ensemble.toml")]
    _write_tables(files[1:], fit, vals, ident, members,
                  {**meta, "candidates": len(ens["candidates"]), "accepted": len(members)})
    lines = (_summary_lines(res, meta, fit, members) + _batch_lines(ens.get("batches", []))
             + _fit_lines(fit) + _value_lines(vals) + _identification_lines(est, ident)
             + ["", "Files: `calibration_fit.csv`, `calibration_values.csv`, "
                "`calibration_identification.csv`, `calibration_ensemble.csv`, `ensemble.toml` "
                "(run any experiment over it: `abm experiment SPEC --ensemble FILE`).", ""])
    files[0].write_text("\n".join(lines), encoding="utf-8")
    return files


def _write_tables(files: Sequence[Any], fit: list[dict], vals: list[dict], ident: list[dict],
                  members: list[dict], meta: Mapping[str, Any]) -> None:
    """The report's CSV tables (fit, values, identification, ensemble) and ``ensemble.toml``."""
    import pandas as pd

    from .ensemble import write_ensemble

    pd.DataFrame(fit).to_csv(files[0], index=False)
    pd.DataFrame(vals).to_csv(files[1], index=False)
    pd.DataFrame([{"parameter": r["parameter"], "step": r["step"], **r["effects"],
                   "strength": r["strength"],
                   "sd_ratio": r["sd_ratio"], "weak": r["weak"], "why": r["why"]}
                  for r in ident]).to_csv(files[2], index=False)
    pd.DataFrame([{"member": m["id"], "distance": m["distance"],
                   **{f"{p}.{k}": v for p, d in m["presets"].items() for k, v in d.items()},
                   **m["constants"]} for m in members]).to_csv(files[3], index=False)
    write_ensemble(files[4], members, meta)


def _summary_lines(res: Mapping[str, Any], meta: Mapping[str, Any], fit: list[dict],
                   members: list[dict]) -> list[str]:
    """The report's title, what was calibrated on what, and the search, runs, fit, ensemble
    and identification in one line each."""
    est: Estimator = res["estimator"]
    ens, ident = res["ensemble"], res["identification"]
    n_hold = sum(r["holds"] for r in fit)
    return [
        "# Calibration report",
        "",
        f"Simulated method of moments (`experiments/calibration.py`, "
        f"`python scripts/calibrate.py {meta.get('command', '')}`): "
        f"{len(est.params)} parameters ({sum(p.preset is None for p in est.params)} shared "
        f"structural constants), {len(est.moments)} moments (the calibration facts of "
        f"`experiments/stylized_facts.toml`), presets {', '.join(est.presets)}; "
        f"{meta.get('steps')} steps, scale {meta.get('scale') or 'as preset'}; search over "
        f"{len(est.seeds)} common-random-number seeds from SeedSequence({meta.get('seed')}), "
        f"check over {len(res['check_seeds'])} (disjoint from the validation seeds).",
        "",
        (f"* Search: `scipy.optimize.least_squares` ({res['fit']['message']}); distance "
         f"{res['fit']['start'].distance:.3g} at the start, {res['best'].distance:.3g} at the "
         f"calibrated vector (rounded to 3 significant digits)."
         if not res["fit"]["message"].startswith("no search") else
         f"* Search: none ({res['fit']['message']}: `--ensemble-only`); distance "
         f"{res['best'].distance:.3g} at the point on the calibration seeds."),
        f"* Runs: {res['runs']} model runs in {res['wall_seconds']:.0f} s wall "
        f"({res['search_seconds']:.0f} s of search) on {meta.get('workers')} worker "
        f"process(es); {meta.get('cpus')} CPU(s); {meta.get('failed_runs', 0)} run(s) "
        "failed.",
        f"* Fit: {n_hold} of {len(fit)} moments hold on the check seeds "
        f"(start: {sum(r['start_holds'] for r in fit)}).",
        f"* Ensemble: {len(members)} accepted of {len(ens['candidates'])} candidates "
        f"(Laplace approximation, spread factor {ens['shrink']:g} at the end; ABC acceptance: "
        "every moment's mean over the calibration seeds inside its fact's range) -> "
        "`ensemble.toml`.",
        f"* Weakly identified: {', '.join(r['parameter'] for r in ident if r['weak']) or 'none'}.",
    ]


def _batch_lines(batches: list[dict]) -> list[str]:
    """The ensemble's batches: candidates, accepted, spread and runs (none: no lines)."""
    if not batches:
        return []
    runs = sum(b["runs"] for b in batches)
    full = sum(b["runs_without_early_rejection"] for b in batches)
    return ["", "## Ensemble batches", "",
            f"Candidates are checked preset by preset (early rejection: a candidate one "
            f"preset's facts reject is not run for the next; the accepted set is the one a "
            f"full evaluation gives): {runs} runs instead of {full}.", "",
            md_table(["batch", "candidates", "accepted", "spread factor", "runs",
                      "runs without early rejection"],
                     [[str(i + 1), str(b["candidates"]), str(b["accepted"]),
                       f"{b['spread']:g}", str(b["runs"]), str(b["runs_without_early_rejection"])]
                      for i, b in enumerate(batches)])]


def _fit_lines(fit: list[dict]) -> list[str]:
    """Each moment's range, aim, start and calibrated mean [95% CI], and whether it holds."""
    return ["", "## Fit per moment", "",
            md_table(["fact", "preset", "metric", "range", "aim", "start mean",
                      "calibrated mean [95% CI]", "holds?"],
                     [[r["fact"], r["preset"], r["metric"],
                       f"[{_fmt(r['low'])}, {_fmt(r['high'])}]", _fmt(r["aim"]),
                       _fmt(r["start_mean"]),
                       f"{_fmt(r['mean'])} [{_fmt(r['ci_low'])}, {_fmt(r['ci_high'])}]",
                       "yes" if r["holds"] else "**no**"] for r in fit])]


def _value_lines(vals: list[dict]) -> list[str]:
    """Each parameter's start, calibrated value, search range and the ensemble's spread."""
    return ["", "## Calibrated values and the ensemble's spread", "",
            md_table(["parameter", "start", "calibrated", "search range (transform)",
                      "ensemble min / median / max"],
                     [[r["parameter"], _fmt(r["start"]), _fmt(r["calibrated"]),
                       f"[{_fmt(r['search_low'])}, {_fmt(r['search_high'])}] "
                       f"({r['transform']})",
                       f"{_fmt(r['ensemble_min'])} / {_fmt(r['ensemble_median'])} / "
                       f"{_fmt(r['ensemble_max'])}"] for r in vals])]


def _identification_lines(est: Estimator, ident: list[dict]) -> list[str]:
    """Each parameter's effect on each moment at the calibrated vector, and whether it is
    weakly identified."""
    ids = [m.id for m in est.moments]
    return ["", "## Identification", "",
            "Effect of each parameter on each moment at the calibrated vector: the change of "
            "the moment's mean over the calibration seeds, in widths of its fact's range "
            "(transformed units), when the parameter takes its finite-difference step "
            f"(*step*: {est.fd_step:g} in transformed units, at most a tenth of its search "
            "range). *strength*: the largest absolute effect; *sd ratio*: posterior over "
            f"prior sd (Laplace). Weak: strength < {WEAK_EFFECT:g} or sd ratio > "
            f"{WEAK_SD_RATIO:g}.", "",
            md_table(["parameter", "step", *ids, "strength", "sd ratio", "weak?"],
                     [[r["parameter"], r["step"], *(f"{r['effects'][i]:+.3f}" for i in ids),
                       f"{r['strength']:.2f}", f"{r['sd_ratio']:.2f}",
                       f"**weak**: {r['why']}" if r["weak"] else "no"] for r in ident])]


def write_presets(values: Mapping[str, Mapping[str, float]], path: Any) -> None:
    """Store calibrated values (3 significant digits) in ``presets.toml``, marked
    ``[calibrated]`` (adding lines where a preset lacks them)."""
    import re
    from pathlib import Path

    path = Path(path)
    text = path.read_text(encoding="utf-8")
    for preset, params in values.items():
        start = text.index(f"[{preset}]")
        end = text.find("\n[", start + 1)
        end = len(text) if end < 0 else end
        block = text[start:end]
        for name, x in params.items():
            val = _toml_number(x)
            line = rf"^{name} = [^#\n]*(#.*)?$"
            if re.search(line, block, flags=re.M):
                block = re.sub(line, lambda m: f"{name} = {val}".ljust(37)
                               + (m.group(1) or "# [calibrated]"), block, count=1, flags=re.M)
            else:
                block = block.rstrip("\n") + "\n" + f"{name} = {val}".ljust(37) \
                    + "# [calibrated] scripts/calibrate.py\n"
        text = text[:start] + block + text[end:]
    path.write_text(text, encoding="utf-8")


def write_constants(values: Mapping[str, float], path: Any) -> None:
    """Store calibrated structural constants (3 significant digits) in ``abm/constants.py``
    (the ``NAME = value`` line of each, marked ``# [calibrated] scripts/calibrate.py``)."""
    import re
    from pathlib import Path

    path = Path(path)
    text = path.read_text(encoding="utf-8")
    for name, x in values.items():
        pat = rf"^{name} = [^\n]*$"
        if not re.search(pat, text, flags=re.M):
            raise CalibrationError(f"{path}: no line '{name} = ...' to write the calibrated "
                                   "value into")
        text = re.sub(pat, f"{name} = {_toml_number(x)}  # [calibrated] scripts/calibrate.py",
                      text, count=1, flags=re.M)
    path.write_text(text, encoding="utf-8")


def _toml_number(x: float) -> str:
    val = f"{sig3(x):.3g}"
    if "e" in val:
        mant, exp = val.split("e")
        val = f"{float(val):.{max(0, -int(exp) + 2)}f}" if int(exp) > -6 else val
    return val if any(c in val for c in ".e") else val + ".0"
