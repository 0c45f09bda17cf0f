"""Simulation-based inference with a library: ABC-SMC (pyabc) over declared parameters.

Issue 29 item 4 asks for a posterior instead of point calibration plus a narrow ensemble, with
its checks: coverage on synthetic data, the parameters the data do not identify named, and
predictive checks against held-out points. This module is the machinery, independent of the
ecosystem model: a :class:`Problem` declares a prior (each parameter with its range), a
simulator (parameters and a numpy ``Generator`` in, summary statistics out) and which
statistics are held out; then

* :func:`run` draws the posterior with pyabc's ABC-SMC (adaptive, MAD-scaled Euclidean
  distance; single-core sampler; seeded, so the same seed gives the same samples),
* :func:`write` / :func:`read` keep the weighted samples in a small TOML file with the settings
  that made them (seed, population, generations, observed statistics, wall time, versions),
* :func:`coverage` is a simulation-based calibration check: for parameters drawn from the prior
  it simulates data, runs the posterior, and counts how often each central credible interval
  holds the truth (near nominal for a calibrated posterior; ABC with a positive tolerance errs
  wide),
* :func:`identification` names the parameters whose posterior spread stays close to the
  prior's (posterior sd / prior sd above :data:`WEAK`: the statistics do not identify them),
* :func:`predictive_check` simulates the held-out statistics from posterior draws and reports
  each observed held-out value's predictive interval and tail probability.

pyabc draws its proposals from numpy's global random state; :func:`run` seeds it from
``SeedSequence(seed)`` at the start and puts the previous state back at the end, and the
simulator gets its own ``Generator`` from a seed pyabc's stream hands it, so a run is
reproducible and leaves the caller's random state as it found it. Install with the ``infer``
extra (``pip install -e ".[infer]"``; pyabc is also in the ``test`` extra so CI runs the
toy-model tests, tests/test_posterior.py). docs/calibration.md, "Posterior", says how to run it
on the ecosystem model.
"""

from __future__ import annotations

import logging
import math
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import numpy as np

WEAK = 0.7
"""A parameter whose posterior sd is above this share of its prior sd is named not identified
(the same threshold as experiments/calibration.py's identification table)."""

LEVELS: tuple[float, ...] = (0.5, 0.8, 0.95)
"""Central credible levels the coverage check and the summaries report."""

Simulator = Callable[[Mapping[str, float], np.random.Generator], Mapping[str, float]]


class PosteriorError(ValueError):
    """A problem, an observation or a posterior file that cannot be used."""


@dataclass(frozen=True)
class Problem:
    """What is inferred, from what.

    Args:
        prior: ``{name: (low, high)}``: a uniform prior over each declared range (every
            parameter needs one; a range is its plausible span, e.g. ``abm params``).
        simulator: ``f(params, rng) -> {statistic: value}``; the same ``rng`` gives the same
            statistics.
        statistics: the statistics the posterior conditions on (calibration facts, history
            years up to 2015).
        held_out: statistics the simulator also returns that the posterior never sees (the
            years after 2015, held-out facts): :func:`predictive_check` tests them.
        log: parameters drawn uniform in log (their range must be positive).
        asinh: ``{name: s}``: parameters drawn uniform in ``asinh(x / s)`` (log-like above
            ``s``, reaching 0: for ranges that start at 0, as the point calibration does).
    """

    prior: Mapping[str, tuple[float, float]]
    simulator: Simulator
    statistics: tuple[str, ...]
    held_out: tuple[str, ...] = ()
    log: tuple[str, ...] = ()
    asinh: Mapping[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.prior:
            raise PosteriorError("a problem needs at least one parameter in its prior")
        for name, rng in self.prior.items():
            if (not isinstance(rng, (tuple, list)) or len(rng) != 2
                    or not all(isinstance(v, (int, float)) for v in rng)
                    or not math.isfinite(rng[0]) or not math.isfinite(rng[1])
                    or not rng[0] < rng[1]):
                raise PosteriorError(f"prior of '{name}' must be (low, high) with low < high, "
                                     f"got {rng!r}")
            if name in self.log and rng[0] <= 0:
                raise PosteriorError(f"'{name}' is drawn in log: its range must be positive, "
                                     f"got {rng!r}")
        unknown = [n for n in (*self.log, *self.asinh) if n not in self.prior]
        if unknown:
            raise PosteriorError(f"log/asinh parameters {unknown} are not in the prior "
                                 f"({', '.join(self.prior)})")
        both_t = set(self.log) & set(self.asinh)
        if both_t:
            raise PosteriorError(f"parameters {sorted(both_t)} are both log and asinh")
        bad = {n: s for n, s in self.asinh.items()
               if isinstance(s, bool) or not isinstance(s, (int, float)) or not s > 0}
        if bad:
            raise PosteriorError(f"asinh scales must be positive numbers, got {bad}")
        if not self.statistics:
            raise PosteriorError("a problem needs at least one statistic to condition on")
        both = set(self.statistics) & set(self.held_out)
        if both:
            raise PosteriorError(f"statistics {sorted(both)} are both used and held out")

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self.prior)

    def to_z(self, name: str, x: Any) -> Any:
        """``x`` in the coordinate ``name`` is drawn uniform in (log, asinh or itself)."""
        if name in self.log:
            return np.log(x)
        if name in self.asinh:
            return np.arcsinh(np.asarray(x) / self.asinh[name])
        return x

    def from_z(self, name: str, z: Any) -> Any:
        """Inverse of :meth:`to_z`."""
        if name in self.log:
            return np.exp(z)
        if name in self.asinh:
            return self.asinh[name] * np.sinh(z)
        return z

    def z_range(self, name: str) -> tuple[float, float]:
        lo, hi = self.prior[name]
        return float(self.to_z(name, lo)), float(self.to_z(name, hi))

    def prior_draws(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """``n`` draws from the prior, shape ``(n, n_parameters)``, columns in :attr:`names`."""
        cols = []
        for name in self.names:
            zl, zh = self.z_range(name)
            cols.append(np.asarray(self.from_z(name, rng.uniform(zl, zh, n)), dtype=float))
        return np.column_stack(cols)

    def prior_sd(self, name: str) -> float:
        """Standard deviation of ``name`` under its prior, in the coordinate it is drawn
        uniform in (log units for :attr:`log`, asinh units for :attr:`asinh` parameters)."""
        zl, zh = self.z_range(name)
        return (zh - zl) / math.sqrt(12.0)

    def simulate(self, params: Mapping[str, float], seed: int) -> dict[str, float]:
        """The simulator's statistics (used and held out) at ``params``, seeded."""
        out = dict(self.simulator(params, np.random.default_rng(seed)))
        missing = [s for s in self.statistics + self.held_out if s not in out]
        if missing:
            raise PosteriorError(f"the simulator returned no {missing} (it returned "
                                 f"{sorted(out)})")
        return out


@dataclass
class Posterior:
    """Weighted samples of the posterior and the settings that made them."""

    names: tuple[str, ...]
    samples: np.ndarray
    weights: np.ndarray
    settings: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.samples = np.asarray(self.samples, dtype=float).reshape(-1, len(self.names))
        w = np.asarray(self.weights, dtype=float)
        if w.shape != (self.samples.shape[0],) or not np.all(w >= 0) or w.sum() <= 0:
            raise PosteriorError("weights must be one non-negative number per sample, not all 0")
        self.weights = w / w.sum()

    def column(self, name: str) -> np.ndarray:
        if name not in self.names:
            raise PosteriorError(f"no parameter '{name}' (known: {', '.join(self.names)})")
        return self.samples[:, self.names.index(name)]

    def mean(self, name: str) -> float:
        return float(np.sum(self.weights * self.column(name)))

    def sd(self, name: str, log: bool = False) -> float:
        x = self.column(name)
        x = np.log(x) if log else x
        m = np.sum(self.weights * x)
        return float(math.sqrt(max(np.sum(self.weights * (x - m) ** 2), 0.0)))

    def quantile(self, name: str, q: float | Sequence[float]) -> np.ndarray:
        """Weighted quantile(s) of ``name`` (inverse of the weighted empirical cdf)."""
        x = self.column(name)
        order = np.argsort(x)
        cdf = np.cumsum(self.weights[order])
        idx = np.searchsorted(cdf, np.atleast_1d(q), side="left")
        return x[order][np.minimum(idx, len(x) - 1)]

    def interval(self, name: str, level: float) -> tuple[float, float]:
        """Central credible interval of ``name`` at ``level``."""
        lo, hi = self.quantile(name, [(1 - level) / 2, (1 + level) / 2])
        return float(lo), float(hi)

    def draw(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """``n`` parameter vectors resampled by weight."""
        idx = rng.choice(len(self.weights), size=n, p=self.weights)
        return self.samples[idx]


@contextmanager
def _seeded_global_numpy(seed: int):
    """pyabc draws from numpy's global random state: seed it, and restore it afterwards."""
    state = np.random.get_state()
    np.random.seed(np.random.SeedSequence(seed).generate_state(1)[0])
    try:
        yield
    finally:
        np.random.set_state(state)


def _quiet() -> None:
    for name in ("ABC", "Sampler", "Epsilon", "Distance", "Acceptor", "ABC.History",
                 "ABC.Distance", "ABC.Sampler", "ABC.Epsilon", "ABC.Acceptor",
                 "ABC.Population", "ABC.Transition", "ABC.Predictor"):
        logging.getLogger(name).setLevel(logging.WARNING)


def _check_observed(problem: Problem, observed: Mapping[str, float]) -> dict[str, float]:
    missing = [s for s in problem.statistics if s not in observed]
    if missing:
        raise PosteriorError(f"observed statistics {missing} missing (the problem conditions on "
                             f"{list(problem.statistics)})")
    out = {}
    for s in problem.statistics:
        v = observed[s]
        if isinstance(v, bool) or not isinstance(v, (int, float, np.floating)) \
                or not math.isfinite(float(v)):
            raise PosteriorError(f"observed '{s}' must be a finite number, got {v!r}")
        out[s] = float(v)
    return out


def run(problem: Problem, observed: Mapping[str, float], *, seed: int = 29,
        population: int = 200, generations: int = 6, min_acceptance: float = 0.0,
        max_simulations: int | None = None, label: str = "") -> Posterior:
    """The ABC-SMC posterior of ``problem`` given the ``observed`` statistics.

    Args:
        seed: one seed in; the same seed gives the same samples.
        population: particles per generation.
        generations: SMC generations (the tolerance falls each generation, to the median
            distance of the previous one).
        min_acceptance: stop early when a generation's acceptance rate falls below this.
        max_simulations: a budget: start no further generation once this many simulations
            have run (the generation under way finishes; None: no budget). Deterministic,
            unlike a wall-time limit, so the same seed still gives the same samples.
        label: a name stored with the settings.

    Raises:
        PosteriorError: bad sizes or observed statistics; ImportError naming the ``infer``
            extra when pyabc is not installed.
    """
    try:
        import pyabc
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("experiments.posterior needs pyabc: pip install -e '.[infer]'") from exc
    if isinstance(population, bool) or not isinstance(population, int) or population < 10:
        raise PosteriorError(f"population must be a whole number >= 10, got {population!r}")
    if isinstance(generations, bool) or not isinstance(generations, int) or generations < 1:
        raise PosteriorError(f"generations must be a whole number >= 1, got {generations!r}")
    if max_simulations is not None and (isinstance(max_simulations, bool)
                                        or not isinstance(max_simulations, int)
                                        or max_simulations < population):
        raise PosteriorError(f"max_simulations must be None or a whole number >= population "
                             f"({population}), got {max_simulations!r}")
    obs = _check_observed(problem, observed)
    _quiet()
    names = problem.names
    rvs = {}
    for name in names:
        zl, zh = problem.z_range(name)
        rvs[name] = pyabc.RV("uniform", zl, zh - zl)
    prior = pyabc.Distribution(**rvs)

    def model(par) -> dict[str, float]:
        params = {n: float(problem.from_z(n, float(par[n]))) for n in names}
        # the simulator's own stream, seeded from pyabc's (seeded) global stream
        out = problem.simulate(params, int(np.random.randint(0, 2**31 - 1)))
        return {s: float(out[s]) for s in problem.statistics}

    t0 = time.perf_counter()
    with _seeded_global_numpy(seed):
        abc = pyabc.ABCSMC(model, prior, pyabc.AdaptivePNormDistance(p=2),
                           population_size=population,
                           sampler=pyabc.sampler.SingleCoreSampler())
        abc.new("sqlite://", obs)
        history = abc.run(max_nr_populations=generations, min_acceptance_rate=min_acceptance,
                          max_total_nr_simulations=(np.inf if max_simulations is None
                                                    else max_simulations))
        frame, weights = history.get_distribution()
        n_sims = int(history.total_nr_simulations)
        eps = history.get_all_populations()
        last_eps = float(eps["epsilon"].iloc[-1])
        done = int(history.max_t) + 1
    wall = time.perf_counter() - t0
    cols = [np.asarray(problem.from_z(n, frame[n].to_numpy()), dtype=float) for n in names]
    settings = {"method": "ABC-SMC (pyabc)", "pyabc": pyabc.__version__, "label": label,
                "seed": seed, "population": population, "generations_requested": generations,
                "generations": done, "simulations": n_sims,
                "max_simulations": "none" if max_simulations is None else max_simulations,
                "final_epsilon": last_eps,
                "distance": "adaptive p=2 norm, MAD-scaled", "observed": obs,
                "statistics": list(problem.statistics), "held_out": list(problem.held_out),
                "prior": {n: list(problem.prior[n]) for n in names},
                "log_parameters": list(problem.log),
                "asinh_parameters": {n: float(s) for n, s in problem.asinh.items()},
                "wall_seconds": round(wall, 2)}
    return Posterior(names, np.column_stack(cols), np.asarray(weights), settings)


def write(posterior: Posterior, path: str | Path) -> Path:
    """Write the weighted samples and their settings to a small TOML file."""
    import tomli_w

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    body = {"settings": posterior.settings,
            "samples": {"names": list(posterior.names),
                        "weights": [float(f"{w:.6g}") for w in posterior.weights],
                        "values": [[float(f"{v:.6g}") for v in row]
                                   for row in posterior.samples]}}
    path.write_text("# Posterior samples written by experiments/posterior.py (weights sum to 1;\n"
                    "# one row of values per sample, columns in `names`).\n"
                    + tomli_w.dumps(body), encoding="utf-8")
    return path


def read(path: str | Path) -> Posterior:
    """Read a file :func:`write` wrote.

    Raises:
        PosteriorError: a file without settings or samples.
    """
    import tomllib

    data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    try:
        s = data["samples"]
        return Posterior(tuple(s["names"]), np.asarray(s["values"], dtype=float),
                         np.asarray(s["weights"], dtype=float), dict(data["settings"]))
    except KeyError as exc:
        raise PosteriorError(f"{path}: not a posterior file (missing {exc})") from exc


def identification(problem: Problem, posterior: Posterior,
                   weak: float = WEAK) -> dict[str, dict[str, Any]]:
    """Per parameter: posterior sd over prior sd, and whether the data identify it.

    A parameter with ``ratio > weak`` is named not identified (its posterior is close to its
    prior: no statistic moves with it, or it is collinear with another parameter)."""
    out = {}
    for name in problem.names:
        z = np.asarray(problem.to_z(name, posterior.column(name)), dtype=float)
        m = float(np.sum(posterior.weights * z))
        sd = math.sqrt(max(float(np.sum(posterior.weights * (z - m) ** 2)), 0.0))
        ratio = sd / problem.prior_sd(name)
        out[name] = {"sd_ratio": ratio, "identified": ratio <= weak}
    return out


def not_identified(problem: Problem, posterior: Posterior, weak: float = WEAK) -> list[str]:
    """Names of the parameters :func:`identification` flags."""
    return [n for n, r in identification(problem, posterior, weak).items() if not r["identified"]]


def predictive_check(problem: Problem, posterior: Posterior, observed: Mapping[str, float],
                     *, draws: int = 200, seed: int = 30, level: float = 0.95,
                     statistics: Sequence[str] | None = None) -> dict[str, dict[str, Any]]:
    """Posterior predictive check of the held-out statistics.

    For ``draws`` parameter vectors resampled from the posterior, simulate the held-out
    statistics; per statistic report the predictive ``level`` interval, whether the observed
    value lies in it, and the two-sided tail probability of the observed value.
    ``statistics`` checks these instead (e.g. the statistics conditioned on too: the
    posterior's fit in sample); every statistic the problem names may be given.

    Raises:
        PosteriorError: an observed statistic is missing, a statistic is unknown, or the
            problem holds none out (and ``statistics`` is not given).
    """
    which = tuple(problem.held_out if statistics is None else statistics)
    if not which:
        raise PosteriorError("the problem holds no statistic out")
    unknown = [s for s in which if s not in problem.statistics + problem.held_out]
    if unknown:
        raise PosteriorError(f"statistics {unknown} are not the problem's "
                             f"({', '.join(problem.statistics + problem.held_out)})")
    if isinstance(draws, bool) or not isinstance(draws, int) or draws < 1:
        raise PosteriorError(f"draws must be a whole number >= 1, got {draws!r}")
    missing = [s for s in which if s not in observed]
    if missing:
        raise PosteriorError(f"observed statistics {missing} missing")
    ss = np.random.SeedSequence(seed)
    rng = np.random.default_rng(ss.spawn(1)[0])
    thetas = posterior.draw(draws, rng)
    seeds = ss.generate_state(draws)
    sims = {s: np.empty(draws) for s in which}
    for i, theta in enumerate(thetas):
        out = problem.simulate(dict(zip(posterior.names, map(float, theta))), int(seeds[i]))
        for s in which:
            sims[s][i] = out[s]
    result = {}
    for s in which:
        x, o = sims[s], float(observed[s])
        lo, hi = np.quantile(x, [(1 - level) / 2, (1 + level) / 2])
        p = 2 * min(np.mean(x <= o), np.mean(x >= o))
        result[s] = {"observed": o, "low": float(lo), "high": float(hi),
                     "inside": bool(lo <= o <= hi), "p_value": float(min(1.0, p)),
                     "median": float(np.median(x))}
    return result


def coverage(problem: Problem, *, datasets: int = 20, levels: Sequence[float] = LEVELS,
             seed: int = 31, **run_args: Any) -> dict[str, Any]:
    """Simulation-based calibration on synthetic data.

    For ``datasets`` parameter vectors drawn from the prior, simulate the statistics, run the
    posterior on them (:func:`run` with ``run_args``) and record, per parameter and level,
    whether the central credible interval holds the true value, and the rank of the truth in
    the posterior (its weighted cdf value, uniform on [0, 1] for a calibrated posterior).

    Returns:
        ``{"coverage": {name: {level: share}}, "ranks": {name: [..]}, "datasets": n,
        "wall_seconds": s, "simulations": total}``.
    """
    if isinstance(datasets, bool) or not isinstance(datasets, int) or datasets < 1:
        raise PosteriorError(f"datasets must be a whole number >= 1, got {datasets!r}")
    ss = np.random.SeedSequence(seed)
    children = ss.spawn(datasets)
    truths = problem.prior_draws(datasets, np.random.default_rng(ss.spawn(1)[0]))
    hits = {n: {lv: 0 for lv in levels} for n in problem.names}
    ranks: dict[str, list[float]] = {n: [] for n in problem.names}
    t0 = time.perf_counter()
    sims = 0
    for k in range(datasets):
        truth = dict(zip(problem.names, map(float, truths[k])))
        data_seed, run_seed = children[k].generate_state(2)
        obs = problem.simulate(truth, int(data_seed))
        post = run(problem, {s: obs[s] for s in problem.statistics}, seed=int(run_seed),
                   **run_args)
        sims += post.settings["simulations"]
        for n in problem.names:
            for lv in levels:
                lo, hi = post.interval(n, lv)
                hits[n][lv] += int(lo <= truth[n] <= hi)
            ranks[n].append(float(np.sum(post.weights[post.column(n) < truth[n]])))
    return {"coverage": {n: {lv: hits[n][lv] / datasets for lv in levels} for n in hits},
            "ranks": ranks, "datasets": datasets, "simulations": sims,
            "wall_seconds": round(time.perf_counter() - t0, 2)}


def summary_table(problem: Problem, posterior: Posterior, level: float = 0.95) -> str:
    """Markdown table: per parameter the prior range, posterior mean and interval, sd ratio
    and whether it is identified."""
    ident = identification(problem, posterior)
    rows = ["| parameter | prior | posterior mean | {:.0%} interval | sd / prior sd | identified |"
            .format(level), "|---|---|---|---|---|---|"]
    for n in problem.names:
        lo, hi = posterior.interval(n, level)
        pr = problem.prior[n]
        how = " (log)" if n in problem.log else (" (asinh)" if n in problem.asinh else "")
        rows.append(f"| `{n}` | [{pr[0]:.4g}, {pr[1]:.4g}]{how}"
                    f" | {posterior.mean(n):.4g} | [{lo:.4g}, {hi:.4g}] | "
                    f"{ident[n]['sd_ratio']:.2f} | {'yes' if ident[n]['identified'] else 'no'} |")
    return "\n".join(rows)


# -- the ecosystem model as a Problem -----------------------------------------------------------
HISTORY_PENALTY = 3.0
"""A history statistic the run cannot give (its base year has a zero) is set this far (in log
units, a factor of about 20) from the observed value."""


def history_targets(history: str, steps: int) -> list[dict[str, Any]]:
    """The statistics a history run of ``steps`` quarters can be compared on: for every
    data-layer series of the preset's country with a model column and two or more dated years
    between the end of the burn-in and the last full simulated year, each year after the
    series' first one there: key ``history.series.year``, the log of the public growth factor
    (over that first year), and whether the year is held out (> 2015)."""
    from abm.constants import BURN_IN
    from abm.presets import resolve

    from .histories import HISTORIES, MODEL_COLUMNS

    if history not in HISTORIES:
        raise PosteriorError(f"unknown history {history!r}; known: {', '.join(HISTORIES)}")
    start = int(resolve(history).start_year)
    first, last = start + BURN_IN // 4, start + steps // 4 - 1
    from abm import data_layer as D

    out = []
    for name, s in D.load(HISTORIES[history]).series.items():
        if s.model not in MODEL_COLUMNS:
            continue
        vals = {y: v for y, v in s.yearly().items() if first <= y <= last}
        if len(vals) < 2 or vals[min(vals)] <= 0:
            continue
        y0 = min(vals)
        for y in sorted(vals)[1:]:
            if vals[y] <= 0:
                continue
            out.append({"key": f"{history}.{name}.{y}", "series": name, "base": y0, "year": y,
                        "column": MODEL_COLUMNS[s.model], "observed": math.log(vals[y] / vals[y0]),
                        "held_out": D.held_out(y)})
    return out


def ecosystem_problem(presets: Sequence[str] | None = None,
                      constants: Sequence[str] | None = None, *, steps: int = 100,
                      scale: float | None = None, facts_path: str | Path | None = None,
                      extra_parameters: Mapping[str, Sequence[str]] | None = None,
                      histories: Sequence[str] = (), history_steps: int = 104,
                      record: Callable[[str, Any], None] | None = None
                      ) -> tuple[Problem, dict[str, float], dict[str, float]]:
    """The calibration of the presets as a :class:`Problem`, with the observed statistics.

    Parameters and their ranges are the point calibration's (``abm.experiments.calibration.
    problem_from_facts``: each calibration fact's preset parameters and the shared structural
    constants, inside their documented ranges; drawn uniform in log where the range is
    positive, in asinh for ranges from 0, as the point calibration's search, else uniform).
    The simulator runs each preset with the vector once (one seed per preset, drawn
    from the simulator's stream: seed noise is part of the likelihood) and returns every
    fact's metric in the fact's transform (logit for shares, log otherwise, as the point
    calibration's residuals). Conditioned on: the calibration facts (observed = each fact's
    ``target``, else its range's midpoint, transformed). Held out: the held-out facts of the
    same presets (observed the same way), for :func:`predictive_check`.

    With ``histories`` (``us_history``, ``korea_history``, ``japan_history``), each particle
    also runs each history (``history_steps`` quarters from its ``start_year``, the vector's
    values of the preset it extends applied) and adds the log growth factors of
    :func:`history_targets`: years up to 2015 as statistics, later years held out.

    Args:
        presets: calibrate only these presets' facts (default: every preset with facts).
        constants: structural constants to infer (default: the point calibration's).
        steps, scale: of each model run (validation uses 100 steps at scale 1).
        facts_path: a facts file (default: the shipped ``experiments/stylized_facts.toml``).
        extra_parameters: ``{preset: [parameter, ...]}`` inferred besides the facts' own
            (e.g. the loop strengths ``loop_*``, whose ranges ``abm params`` gives).
        histories, history_steps: history runs conditioned on (see above).
        record: called as ``record(history, table)`` after every history run with the run's
            yearly table (``experiments.histories.yearly``; ``None`` when the run failed), so
            a posterior predictive pass can keep the series (:func:`history_predictive`).

    Returns:
        ``(problem, observed, observed_held_out)``.
    """
    from .calibration import (DEFAULT_CONSTANTS, ABMSimulator, Task, moments_from_facts,
                              problem_from_facts)
    from .validate import load_facts

    facts = load_facts(facts_path)
    chosen = [f for f in facts if presets is None or f.preset in presets]
    cal = [f for f in chosen if f.use == "calibration"]
    held = [f for f in chosen if f.use == "held_out"]
    if not cal:
        raise PosteriorError(f"no calibration fact for presets {presets!r}")
    params, moments = problem_from_facts(
        cal, DEFAULT_CONSTANTS if constants is None else tuple(constants),
        extra_parameters=extra_parameters)
    from abm.presets import _table

    def chain(preset: str) -> list[str]:
        out, body = [preset], _table()[preset]
        while "extends" in body:
            out.append(body["extends"])
            body = _table()[body["extends"]]
        return out

    targets = [tg for h in histories for tg in history_targets(h, history_steps)]
    held_moments = moments_from_facts(held)
    labels = {p.label: p for p in params}
    prior = {lab: (p.low, p.high) for lab, p in labels.items()}
    log = tuple(lab for lab, p in labels.items() if p.transform == "log")
    asinh = {lab: p.s for lab, p in labels.items() if p.transform == "asinh"}
    run_presets = sorted({m.preset for m in moments + held_moments})
    sim = ABMSimulator(steps=steps, scale=scale, workers=1)

    def simulator(theta: Mapping[str, float], rng: np.random.Generator) -> dict[str, float]:
        cons = {p.name: float(theta[lab]) for lab, p in labels.items() if p.preset is None}
        tasks = []
        for preset in run_presets:
            ov = {p.name: float(theta[lab]) for lab, p in labels.items() if p.preset == preset}
            tasks.append(Task(preset, ov, cons, int(rng.integers(0, 2**31 - 1))))
        rows = dict(zip(run_presets, sim(tasks)))
        out = {}
        for m in moments + held_moments:
            v = rows[m.preset].get(m.key, math.nan)
            v = float(v) if v is not None else math.nan
            # a run without the metric (e.g. no exit) lands two range widths off the aim
            out[m.id] = m.g(v) if math.isfinite(v) else m.aim + 2.0 * m.width
        for h in histories:
            ov = {p.name: float(theta[lab]) for lab, p in labels.items()
                  if p.preset is not None and p.preset in chain(h)}
            out.update(_history_run(h, ov, cons, int(rng.integers(0, 2**31 - 1)),
                                    history_steps, scale,
                                    [tg for tg in targets if tg["key"].startswith(h + ".")],
                                    record))
        return out

    stats = tuple(m.id for m in moments) + tuple(tg["key"] for tg in targets
                                                 if not tg["held_out"])
    held_stats = tuple(m.id for m in held_moments) + tuple(tg["key"] for tg in targets
                                                           if tg["held_out"])
    problem = Problem(prior=prior, simulator=simulator, statistics=stats, held_out=held_stats,
                      log=log, asinh=asinh)
    obs = {m.id: m.aim for m in moments}
    obs.update({tg["key"]: tg["observed"] for tg in targets if not tg["held_out"]})
    held = {m.id: m.aim for m in held_moments}
    held.update({tg["key"]: tg["observed"] for tg in targets if tg["held_out"]})
    return problem, obs, held


def _history_run(history: str, overrides: Mapping[str, float], constants: Mapping[str, float],
                 seed: int, steps: int, scale: float | None,
                 targets: Sequence[Mapping[str, Any]],
                 record: Callable[[str, Any], None] | None = None) -> dict[str, float]:
    """One history run's log growth factors at ``targets`` (:func:`history_targets`);
    ``record(history, yearly table)`` is called when given."""
    from abm.presets import resolve

    from .histories import yearly
    from .runner import run_one
    from .spec import RunSpec

    ov = dict(overrides)
    if scale is not None:
        ov["scale"] = float(scale)
    spec = RunSpec(run_id="history", preset=history, overrides=ov, constants=dict(constants),
                   seed=seed, steps=steps, scenario=history, replicate=0)
    res = run_one(spec, {"timeseries": True, "distributions": False})
    out = {}
    table = None
    if res.get("ok"):
        table = yearly(res["timeseries"], int(resolve(history).start_year)).set_index("year")
    if record is not None:
        record(history, None if table is None else table.reset_index())
    for tg in targets:
        v = math.nan
        if table is not None and tg["year"] in table.index and tg["base"] in table.index:
            a, b = float(table.loc[tg["year"], tg["column"]]), float(table.loc[tg["base"],
                                                                                tg["column"]])
            if a > 0 and b > 0:
                v = math.log(a / b)
        out[tg["key"]] = v if math.isfinite(v) else tg["observed"] + HISTORY_PENALTY
    return out


# -- posterior predictive of the history series -------------------------------------------------
def problem_from_settings(settings: Mapping[str, Any],
                          record: Callable[[str, Any], None] | None = None
                          ) -> tuple[Problem, dict[str, float], dict[str, float]]:
    """:func:`ecosystem_problem` rebuilt from the settings a posterior file keeps
    (``presets``, ``constants``, ``parameters``, ``histories``, ``steps``, ``scale``,
    ``history_steps``: what scripts/posterior.py writes).

    Raises:
        PosteriorError: settings without those keys.
    """
    s = dict(settings)
    try:
        presets, constants = s["presets"], s["constants"]
        histories, params = tuple(s.get("histories", ())), list(s.get("parameters", ()))
        steps, scale = int(s["steps"]), s.get("scale")
        history_steps = int(s.get("history_steps", 104))
    except KeyError as exc:
        raise PosteriorError(f"posterior settings lack {exc}: not written by "
                             "scripts/posterior.py") from exc
    extra: dict[str, list[str]] = {}
    for ref in params:
        preset, _, name = str(ref).partition(".")
        extra.setdefault(preset, []).append(name)
    return ecosystem_problem(
        None if presets == "all" else list(presets),
        None if constants == "default" else tuple(constants), steps=steps,
        scale=None if scale in (None, "none") else float(scale), extra_parameters=extra or None,
        histories=histories, history_steps=history_steps, record=record)


def history_predictive(posterior: Posterior, *, draws: int = 40, seed: int = 30,
                       level: float = 0.95
                       ) -> tuple[Problem, dict[str, dict[str, Any]], dict[str, Any]]:
    """Posterior predictive of an ecosystem posterior: the statistics and the history series.

    Rebuilds the problem from the posterior's settings (:func:`problem_from_settings`), draws
    ``draws`` parameter vectors by weight (one seed each: the intervals are over posterior
    draws and seeds together) and simulates each once. Returns ``(problem, check, tables)``:
    ``check`` is :func:`predictive_check` over every statistic, used and held out (the
    posterior's fit in sample beside its check out of sample), and ``tables`` is
    ``{history: yearly table}`` (``experiments.histories.yearly`` of each draw's history run,
    ``run_id`` = the draw), for ``experiments.histories.comparison``.

    Raises:
        PosteriorError: settings that do not rebuild the posterior's parameters.
    """
    import pandas as pd

    histories = tuple(posterior.settings.get("histories", ()))
    kept: dict[str, list] = {h: [] for h in histories}
    problem, obs, held = problem_from_settings(posterior.settings,
                                               record=lambda h, t: kept[h].append(t))
    if tuple(problem.names) != tuple(posterior.names):
        raise PosteriorError(f"the settings give parameters {problem.names}, the samples "
                             f"{posterior.names}")
    check = predictive_check(problem, posterior, {**obs, **held}, draws=draws, seed=seed,
                             level=level, statistics=problem.statistics + problem.held_out)
    tables = {}
    for h, runs in kept.items():
        frames = [t.assign(run_id=f"draw{i:04d}") for i, t in enumerate(runs) if t is not None]
        tables[h] = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    return problem, check, tables


# -- orderings of the presets over posterior draws (issue 29 item 5) ----------------------------
def preset_chain(preset: str) -> list[str]:
    """``preset`` and the presets it extends, nearest first (``japan_2027_plan`` ->
    ``[japan_2027_plan, japan]``)."""
    from abm.presets import _table

    table = _table()
    if preset not in table:
        raise PosteriorError(f"unknown preset {preset!r}; known: {', '.join(table)}")
    out, body = [preset], table[preset]
    while "extends" in body:
        out.append(body["extends"])
        body = table[body["extends"]]
    return out


def source_posterior(preset: str, posteriors: Mapping[str, Posterior]) -> str:
    """The key of ``posteriors`` (a preset name) whose draws ``preset`` takes: itself or the
    nearest preset it extends (``japan_2027_plan`` takes ``japan``'s).

    Raises:
        PosteriorError: no posterior for the preset or any it extends.
    """
    for p in preset_chain(preset):
        if p in posteriors:
            return p
    raise PosteriorError(f"no posterior for {preset!r} or the presets it extends "
                         f"({', '.join(preset_chain(preset))}); given: {', '.join(posteriors)}")


def split_vector(preset: str, values: Mapping[str, float]) -> tuple[dict[str, float],
                                                                      dict[str, float]]:
    """``(overrides, constants)`` of ``preset`` from one posterior vector: a label
    ``owner.name`` applies when ``owner`` is ``preset`` or a preset it extends (the nearest
    wins), labels of other presets do not; a label without a preset is a structural
    constant."""
    chain = preset_chain(preset)
    ov: dict[str, tuple[int, float]] = {}
    cons: dict[str, float] = {}
    for label, v in values.items():
        owner, dot, name = label.rpartition(".")
        if not dot:
            cons[label] = float(v)
        elif owner in chain and (name not in ov or chain.index(owner) < ov[name][0]):
            ov[name] = (chain.index(owner), float(v))
    return {n: v for n, (_, v) in ov.items()}, cons


ORDERING_METRICS: tuple[str, ...] = ("productivity_growth", "innovation_total", "unicorns",
                                     "incumbents_displaced", "ma_share_of_exits",
                                     "survival_5y")
"""The regime comparison's headline metrics (``experiments.attribution.HEADLINE``)."""


STRUCTURAL_DESIGNS: tuple[str, ...] = ("none", "all")
"""``structural`` of :func:`ordering_specs`: ``none`` (the structural entries at their point
values) or ``all`` (every entry of :data:`abm.structural.STRUCTURAL` drawn, one variant per
spec)."""

STRUCTURAL_STREAM = 2
"""First spawn key of a spec's structural variant: ``SeedSequence(seed, spawn_key=(2, rep))``
(keys 0 and 1 are the posterior draws' and the model seeds' streams of
:func:`ordering_specs`, which ``structural = "none"`` leaves as they were)."""


def structural_unit(seed: int, replicate: int) -> dict[str, float]:
    """The unit vector ``u`` of one spec's structural variant: ``u ~ U(0, 1)^k`` over the
    entries of :data:`abm.structural.STRUCTURAL` (declaration order), from
    ``numpy.random.default_rng(SeedSequence(seed, spawn_key=(STRUCTURAL_STREAM,
    replicate)))``. It depends on the orderings' ``seed`` and the spec's replicate index
    only, not on the presets, the posteriors or how many draws run."""
    from abm.structural import STRUCTURAL

    ss = np.random.SeedSequence(int(seed), spawn_key=(STRUCTURAL_STREAM, int(replicate)))
    u = np.random.default_rng(ss).random(len(STRUCTURAL))
    return {n: float(np.round(x, 12)) for n, x in zip(STRUCTURAL, u)}


def _range_preset(name: str, preset: str) -> str | None:
    """The preset whose declared range of the country index ``name`` applies when ``preset``
    runs: its own, else the nearest preset it extends with one (``japan_2027_plan`` ->
    ``japan``); ``None`` when the index is set in ``preset``'s own table without a range of
    its own (a derived preset's deliberate value, e.g. a plan's, is not data uncertainty) or
    no preset of the chain has a range."""
    from abm.presets import _table
    from abm.structural import STRUCTURAL

    ranges = STRUCTURAL[name].per_preset or {}
    chain = preset_chain(preset)
    for p in chain:
        if p in ranges:
            return p
        if name in _table()[p]:
            return None
    return None


def structural_values(u: Mapping[str, float], preset: str
                      ) -> tuple[dict[str, float], dict[str, float]]:
    """``(overrides, constants)`` of one structural variant for ``preset``: each entry of
    :data:`abm.structural.STRUCTURAL` at ``low + u (high - low)`` of its declared range;
    a country index (``preset_parameter``) in the range of :func:`_range_preset` (the preset's
    own, so every preset sits at the same relative place of its range), left at the preset's
    value where none applies."""
    from abm.structural import STRUCTURAL, check_constant, preset_value

    ov: dict[str, float] = {}
    cons: dict[str, float] = {}
    for name, x in u.items():
        e = STRUCTURAL[name]
        if e.kind == "preset_parameter":
            src = _range_preset(name, preset)
            if src is not None:
                ov[name] = preset_value(name, src, float(x))
            continue
        v = float(min(max(np.round(e.low + float(x) * (e.high - e.low), 12), e.low), e.high))
        if e.kind == "constant":
            cons[name] = check_constant(name, v)
        else:
            ov[name] = v
    return ov, cons


def ordering_specs(posteriors: Mapping[str, Posterior], presets: Sequence[str], *,
                   draws: int, seeds: int, steps: int = 100, scale: float = 1.0,
                   seed: int = 2905, structural: str = "none") -> list[Any]:
    """The runs of the orderings over posterior draws: for each draw ``k`` one parameter
    vector from every posterior (resampled by weight, independently per posterior), and for
    each replicate ``r`` one seed shared by every preset (common random numbers, as the regime
    comparison); each preset runs with the vector of :func:`source_posterior`.

    With ``structural = "all"`` each spec (draw ``k``, replicate ``r``) also gets one
    structural variant: a unit vector ``u`` (:func:`structural_unit`, from ``seed`` and the
    replicate index ``k * seeds + r``) shared by every preset of the spec (the same structural
    world for all; a country index maps ``u`` into each preset's own range,
    :func:`structural_values`). **The posterior draw wins** where both set the same thing: a
    parameter the preset's posterior vector sets (e.g. ``loop_finance``, inferred per
    country) and a structural constant a posterior infers keep the draw's value; the variant
    sets every other declared entry. ``structural = "none"`` gives exactly the specs without
    variants (the posterior vectors and model seeds are drawn from the same streams either
    way, so the two designs are paired spec by spec). ``run_id`` gets ``+s`` with variants.

    Returns:
        ``RunSpec`` s with ``scenario = preset`` and ``replicate = k * seeds + r`` (the draw is
        ``replicate // seeds``).

    Raises:
        PosteriorError: bad sizes, a preset without a posterior, posteriors that infer the
            same structural constant (per-country posteriors cannot each own a shared one), or
            an unknown ``structural``.
    """
    from .spec import RunSpec

    for what, n in (("draws", draws), ("seeds", seeds)):
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise PosteriorError(f"{what} must be a whole number >= 1, got {n!r}")
    if structural not in STRUCTURAL_DESIGNS:
        raise PosteriorError(f"structural must be one of {', '.join(STRUCTURAL_DESIGNS)}, "
                             f"got {structural!r}")
    if not presets:
        raise PosteriorError("no preset to run")
    sources = {p: source_posterior(p, posteriors) for p in presets}
    owners: dict[str, str] = {}
    for key, post in posteriors.items():
        for n in post.names:
            if "." not in n:
                if n in owners:
                    raise PosteriorError(f"structural constant {n!r} is inferred by the "
                                         f"posteriors of {owners[n]!r} and {key!r}")
                owners[n] = key
    ss = np.random.SeedSequence(seed)
    draw_ss, seed_ss = ss.spawn(2)
    keys = sorted(posteriors)
    rngs = dict(zip(keys, (np.random.default_rng(c) for c in draw_ss.spawn(len(keys)))))
    vectors = {k: posteriors[k].draw(draws, rngs[k]) for k in keys}
    model_seeds = seed_ss.generate_state(draws * seeds)
    specs = []
    for k in range(draws):
        # structural constants (if any posterior infers them; each is owned by one)
        cons = {n: float(v) for key in keys
                for n, v in zip(posteriors[key].names, vectors[key][k]) if "." not in n}
        for r in range(seeds):
            rep = k * seeds + r
            u = structural_unit(seed, rep) if structural == "all" else None
            for i, preset in enumerate(presets):
                src = sources[preset]
                ov, _ = split_vector(preset, dict(zip(posteriors[src].names,
                                                      map(float, vectors[src][k]))))
                run_cons = dict(cons)
                if u is not None:
                    sov, scons = structural_values(u, preset)
                    # the posterior draw wins for what it infers; the variant sets the rest
                    ov = {**sov, **ov}
                    run_cons = {**scons, **run_cons}
                ov["scale"] = float(scale)
                specs.append(RunSpec(run_id=f"d{k:04d}r{r:02d}-{preset}"
                                     + ("+s" if u is not None else ""), preset=preset,
                                     overrides=ov, constants=run_cons,
                                     seed=int(model_seeds[rep]),
                                     steps=steps, scenario=preset, replicate=rep,
                                     scenario_index=i))
    return specs


def ordering_runs(specs: Sequence[Any], *, seeds: int, workers: int = 1,
                  metrics: Sequence[str] = ORDERING_METRICS,
                  progress: Callable[[int, int], None] | None = None,
                  structural: str | None = None) -> "Any":
    """Run :func:`ordering_specs` (``workers`` processes; each run is seeded, so the rows do
    not depend on them) and return one row per run: ``run_id``, ``preset``, ``draw``,
    ``replicate``, ``seed``, ``steps``, ``scale``, the run's parameter overrides
    (``param.*``), its structural constants (``const.*``, when any) and ``metrics``; with
    ``structural`` given, a column ``structural`` with it (the design of the specs).

    Raises:
        PosteriorError: a run failed (its error is named).
    """
    import pandas as pd

    from .runner import run_one

    collect = {"timeseries": False, "distributions": False}
    results = []
    if workers > 1:
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(max_workers=workers) as ex:
            futs = [ex.submit(run_one, sp, collect) for sp in specs]
            for j, f in enumerate(futs):
                results.append(f.result())
                if progress:
                    progress(j + 1, len(specs))
    else:
        for j, sp in enumerate(specs):
            results.append(run_one(sp, collect))
            if progress:
                progress(j + 1, len(specs))
    rows = []
    for sp, res in zip(specs, results):
        if not res.get("ok"):
            raise PosteriorError(f"run {sp.run_id} ({sp.preset}) failed: "
                                 f"{res.get('error', res)}")
        row = {"run_id": sp.run_id, "preset": sp.preset, "draw": sp.replicate // seeds,
               "replicate": sp.replicate, "seed": sp.seed, "steps": sp.steps,
               "scale": sp.overrides.get("scale", math.nan)}
        if structural is not None:
            row["structural"] = structural
        row.update({f"param.{k}": v for k, v in sorted(sp.overrides.items()) if k != "scale"})
        row.update({f"const.{k}": v for k, v in sorted(sp.constants.items())})
        row.update({m: float(res["row"].get(m, math.nan)) for m in metrics})
        rows.append(row)
    return pd.DataFrame(rows)


def orderings(runs: "Any", metrics: Sequence[str] = ORDERING_METRICS) -> "Any":
    """Probability of each pairwise ordering of the presets over posterior draws x seeds.

    ``runs``: one row per run with ``preset``, ``draw``, ``replicate`` and the metrics (as
    :func:`ordering_runs`). Runs are paired by replicate (same draw index and seed across
    presets). Per pair of presets and metric: ``n`` pairs, ``p_a_above``, ``p_b_above``,
    ``p_tie``, ``mean_difference``, and over draws (the mean over a draw's seeds):
    ``variants`` and ``p_a_above_variants`` (``experiments.attribution.
    ordering_probabilities`` with the draw as the variant).
    """
    import itertools

    import pandas as pd

    from .attribution import ordering_probabilities

    if not len(runs):
        raise PosteriorError("no runs to order")
    missing = [c for c in ("preset", "draw", "replicate") if c not in runs]
    if missing:
        raise PosteriorError(f"runs lack columns {missing}")
    if "structural" in runs and runs["structural"].nunique() > 1:
        raise PosteriorError("runs of several structural designs "
                             f"({', '.join(map(str, runs['structural'].unique()))}): order "
                             "each design's runs separately")
    r = runs.assign(swaps="")
    presets = list(dict.fromkeys(r["preset"]))
    out = [ordering_probabilities(r, a, b, metrics, variant=lambda x: x["draw"])
           for a, b in itertools.combinations(presets, 2)]
    return pd.concat(out, ignore_index=True)


def variance_split(runs: "Any", metrics: Sequence[str] = ORDERING_METRICS) -> "Any":
    """How much of the variance of ``a - b`` over the specs comes from the structural variant,
    the posterior draw and the seed, per headline metric and pair of presets.

    ``runs``: the runs of both designs (column ``structural``: ``all`` and ``none``, as
    :func:`ordering_runs` writes them), on the same draws and seeds (the same ``seed``,
    ``draws`` and ``seeds`` of :func:`ordering_specs`: spec ``(k, r)`` has the same posterior
    vector and model seed in both). Method (an ANOVA-style split over the specs, variances
    over specs with divisor ``n``): with ``d`` = ``a - b`` of a spec with its structural
    variant and ``d0`` of the same spec without,

    * ``total`` = Var(d);
    * ``posterior_draw`` = the between-draw sum of squares of ``d0`` over ``n``
      (``sum_k n_k (mean_k d0 - mean d0)^2 / n``);
    * ``seed`` = the within-draw sum of squares of ``d0`` over ``n`` (0 with one seed per
      draw: the seed noise is then inside ``posterior_draw``);
    * ``structural`` = Var(d) - Var(d0): the variance the structural variants add to the same
      specs (it takes their interactions with the draw and the seed too, and is negative when
      the variants happen to narrow the spread).

    ``posterior_draw + seed = Var(d0)`` exactly, so the three sum to ``total``. Shares are of
    ``total``. Only specs with both ``d`` and ``d0`` finite count (``n``).

    Raises:
        PosteriorError: no ``structural`` column or one of the designs missing.
    """
    import itertools

    import pandas as pd

    if "structural" not in runs or not {"all", "none"} <= set(runs["structural"]):
        raise PosteriorError("variance_split needs the runs of both structural designs "
                             "(column structural: all and none)")
    presets = list(dict.fromkeys(runs["preset"]))
    rows = []
    for metric in metrics:
        if metric not in runs:
            continue
        wide = {d: runs[runs["structural"] == d].pivot_table(
                    index=["draw", "replicate"], columns="preset", values=metric,
                    aggfunc="first") for d in ("all", "none")}
        for a, b in itertools.combinations(presets, 2):
            if any(a not in w or b not in w for w in wide.values()):
                continue
            both = pd.concat({"d": wide["all"][a] - wide["all"][b],
                              "d0": wide["none"][a] - wide["none"][b]}, axis=1).dropna()
            n = len(both)
            if n == 0:
                continue
            d, d0 = both["d"].to_numpy(float), both["d0"].to_numpy(float)
            draw = both.index.get_level_values("draw").to_numpy()
            m0 = d0.mean()
            means = pd.Series(d0).groupby(draw).transform("mean").to_numpy()
            between = float(((means - m0) ** 2).sum() / n)
            within = float(((d0 - means) ** 2).sum() / n)
            total = float(d.var())
            parts = {"structural": total - float(d0.var()), "posterior_draw": between,
                     "seed": within}
            row = {"metric": metric, "a": a, "b": b, "n": n,
                   "draws": int(len(set(draw))), "total": total, **parts}
            row.update({f"share_{k}": (v / total if total > 0 else math.nan)
                        for k, v in parts.items()})
            rows.append(row)
    return pd.DataFrame(rows)
