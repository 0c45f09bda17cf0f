"""EMA Workbench adapter: exploratory modelling and scenario discovery on the model.

`EMA Workbench <https://emaworkbench.readthedocs.io>`_ (Kwakkel 2017) samples uncertainties
and levers, runs a model over them with swappable evaluators, and analyses the results
(PRIM scenario discovery, feature scoring). This module connects it to the project in both
directions (install it with ``pip install -e ".[ema]"``):

* :func:`ema_model` builds an EMA ``ReplicatorModel`` from the parameter table:
  uncertainties spanning the range between two presets, institutional-component swaps as
  categorical levers, replications with the project's replicate seeds. Its function,
  :func:`run_ecosystem`, lives in this module, so the ``MultiprocessingEvaluator`` works
  from a script and from a notebook (Mesa forces the ``spawn`` start method at import, so a
  model function defined in a notebook cannot be found by the workers and the run hangs).
* :func:`from_results` turns an experiment folder of the project's own runner
  (``runs.parquet``) into EMA's ``(experiments, outcomes)`` pair, so PRIM and feature
  scoring run on results made with ``abm experiment``.

Example (run as a script: the evaluator's worker processes need the ``__main__`` guard)::

    from ema_workbench import MultiprocessingEvaluator, perform_experiments
    from abm.experiments.ema import ema_model, make_prim

    if __name__ == "__main__":
        model = ema_model("japan", "silicon_valley", levers=("exit_markets",),
                          steps=40, scale=0.3, replicates=2)
        with MultiprocessingEvaluator(model, n_processes=2) as evaluator:
            experiments, outcomes = perform_experiments(model, scenarios=50, policies=2,
                                                        evaluator=evaluator)
        y = outcomes["unicorns"].mean(axis=1)
        names = [u.name for u in model.uncertainties]
        box = make_prim(experiments[names], y > y.mean()).find_box()

See docs/tools.md.
"""

from __future__ import annotations

import inspect
import json
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import pandas as pd

from abm.params import COMPONENTS, SPECS, names_for
from abm.presets import PRESET_NAMES, resolve

from .spec import replicate_seeds

SWAP_PREFIX = "swap_"
"""Lever names are ``swap_<component>``; a lever's value is the preset the component is
taken from (the base preset itself means no swap)."""

DEFAULT_OUTCOMES = ("startups_founded", "unicorns", "exits_ipo", "exits_ma",
                    "vc_intensity", "innovation_total", "innovation_from_startups_share",
                    "productivity_growth", "incumbent_sales_share")
"""Summary metrics an :func:`ema_model` reports unless told otherwise."""

CONSTANTS = ("preset", "steps", "scale")
"""Names of the constants :func:`run_ecosystem` reads (besides levers, uncertainties and
the replication's ``seed``)."""


def _ema():
    try:
        import ema_workbench
    except ImportError as exc:  # pragma: no cover - depends on the optional extra
        raise ImportError("the EMA adapter needs ema_workbench: pip install -e \".[ema]\" "
                          f"({exc})") from None
    return ema_workbench


def run_ecosystem(preset: str, seed: int, steps: int, scale: float | None = None,
                  outcomes: Sequence[str] = DEFAULT_OUTCOMES, **values: Any) -> dict[str, float]:
    """One model run, for EMA: the function of :func:`ema_model`.

    Args:
        preset: base preset.
        seed: the model seed (one of the replicate seeds).
        steps: quarters to run.
        scale: population scale (``None``: the preset's).
        outcomes: summary metrics to return.
        **values: ``swap_<component>=donor_preset`` levers and parameter values.

    Returns:
        ``{metric: value}`` for ``outcomes``.
    """
    from abm import EcosystemModel

    swaps = {k[len(SWAP_PREFIX):]: v for k, v in values.items()
             if k.startswith(SWAP_PREFIX) and v != preset}
    overrides = {k: v for k, v in values.items() if not k.startswith(SWAP_PREFIX)}
    if scale is not None:
        overrides["scale"] = scale
    model = EcosystemModel(preset=preset, seed=int(seed), swaps=swaps, record_events=False,
                           **overrides)
    try:
        model.run(int(steps))
        summary = model.summary()
        return {k: summary[k] for k in outcomes}
    finally:
        model.release()


def parameter_ranges(low: str, high: str, exclude: Sequence[str] = ()) -> dict[str, tuple]:
    """``{parameter: (min, max)}`` for every parameter whose value differs between presets
    ``low`` and ``high`` (the component ``scale`` and the ``exclude`` components left out)."""
    a, b = resolve(low), resolve(high)
    skipped = set(exclude) | {"scale"}
    return {name: (min(a[name], b[name]), max(a[name], b[name])) for name, spec in
            SPECS.items() if a[name] != b[name] and spec.component not in skipped}


def ema_model(base: str = "japan", other: str = "silicon_valley",
              uncertain: Sequence[str] | None = None, levers: Sequence[str] = (),
              donors: Sequence[str] = PRESET_NAMES, steps: int = 40,
              scale: float | None = None, replicates: int = 1, master_seed: int = 0,
              outcomes: Sequence[str] = DEFAULT_OUTCOMES, aggregate: Any = None,
              name: str = "ecosystem"):
    """An EMA Workbench ``ReplicatorModel`` of the ecosystem model.

    Args:
        base: the preset every experiment starts from.
        other: the preset that, with ``base``, bounds the uncertainties: each parameter
            ranges between its values in the two presets.
        uncertain: parameters to make uncertain (default: every parameter that differs
            between ``base`` and ``other``, except those of lever components).
        levers: institutional components that become categorical levers ``swap_<c>``
            (take component ``c`` from one of ``donors``).
        donors: the presets a lever can take a component from.
        steps: quarters per run.
        scale: population scale (``None``: the preset's).
        replicates: replications per experiment, seeded as the project's runner seeds its
            replicates (``SeedSequence(master_seed).spawn(replicates)``, common random
            numbers across experiments); EMA's outcomes then have one column per replicate.
        master_seed: the seed the replicate seeds derive from.
        outcomes: summary metrics to report.
        aggregate: ``None`` keeps every replicate (an ``ArrayOutcome`` per metric:
            ``outcomes[m]`` has shape ``(experiments, replicates)``); a function such as
            ``numpy.mean`` reduces them: a ``ScalarOutcome`` named ``<m>_<function name>``
            (``unicorns_mean``), shape ``(experiments,)``, what PRIM and the optimisers
            take. (EMA allows one outcome class per name in a process, hence the suffix.)
        name: the EMA model's name (an identifier).

    Raises:
        ValueError: an unknown parameter, component, preset or metric.
    """
    ema = _ema()
    from abm.metrics import SUMMARY_KEYS

    for c in levers:
        if c not in COMPONENTS or c == "scale":
            raise ValueError(f"unknown component {c!r}; valid: {', '.join(COMPONENTS[:-1])}")
    for p in (base, other, *donors):
        if p not in PRESET_NAMES:
            raise ValueError(f"unknown preset {p!r}; valid: {', '.join(PRESET_NAMES)}")
    bad = [m for m in outcomes if m not in SUMMARY_KEYS]
    if bad:
        raise ValueError(f"unknown metric(s) {bad}; see abm.metrics.SUMMARY_KEYS")
    ranges = parameter_ranges(base, other, exclude=levers)
    if uncertain is not None:
        unknown = [n for n in uncertain if n not in SPECS]
        if unknown:
            raise ValueError(f"unknown parameter(s) {unknown}")
        lever_params = {n for c in levers for n in names_for(c)}
        clash = [n for n in uncertain if n in lever_params]
        if clash:
            raise ValueError(f"{clash} belong to a lever component {list(levers)}")
        ranges = {n: ranges.get(n, (SPECS[n].low, SPECS[n].high)) for n in uncertain}
    model = ema.ReplicatorModel(name, function=run_ecosystem)
    model.uncertainties = [
        (ema.IntegerParameter(n, int(lo), int(hi)) if SPECS[n].integer
         else ema.RealParameter(n, float(lo), float(hi))) for n, (lo, hi) in ranges.items()]
    model.levers = [ema.CategoricalParameter(SWAP_PREFIX + c, list(donors)) for c in levers]
    model.constants = [ema.Constant("preset", base), ema.Constant("steps", int(steps)),
                       ema.Constant("scale", scale), ema.Constant("outcomes", tuple(outcomes))]
    model.outcomes = [ema.ArrayOutcome(m) if aggregate is None
                      else ema.ScalarOutcome(f"{m}_{aggregate.__name__}", variable_name=m,
                                             function=aggregate) for m in outcomes]
    model.replications = [{"seed": s} for s in replicate_seeds(master_seed, replicates)]
    return model


def from_results(results: str | Path | pd.DataFrame, outcomes: Sequence[str] | None = None
                 ) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """EMA's ``(experiments, outcomes)`` from the project's own results.

    One row per run. The experiments frame has a column per parameter any scenario
    overrides (the preset's value where a run does not override it), ``swap_<c>``
    categorical columns for swapped components (the run's own preset where it does not
    swap), and ``preset``, ``scenario`` (categorical), ``replicate`` and ``seed``.

    Args:
        results: an experiment folder (its ``runs.parquet``), the file, or the frame.
        outcomes: metrics to return (default: every numeric summary column).

    Returns:
        ``(experiments, {metric: 1-d array})``, rows in run-id order: ready for
        ``ema_workbench.analysis.prim.Prim(x, y, ...)`` and
        ``feature_scoring.get_feature_scores_all(x, outcomes)``.
    """
    if isinstance(results, pd.DataFrame):
        runs = results
    else:
        path = Path(results)
        runs = pd.read_parquet(path / "runs.parquet" if path.is_dir() else path)
    runs = runs.sort_values("run_id").reset_index(drop=True)
    overrides = [json.loads(s) for s in runs["overrides"]]
    swaps = [json.loads(s) for s in runs["swaps"]]
    x = pd.DataFrame(index=runs.index)
    names = [n for n in SPECS if any(n in o for o in overrides)]
    for n in names:
        x[n] = [o.get(n, resolve(p, s)[n]) for o, p, s in zip(overrides, runs["preset"], swaps)]
    comps = [c for c in COMPONENTS if any(c in s for s in swaps)]
    for c in comps:
        x[SWAP_PREFIX + c] = pd.Categorical([s.get(c, p) for s, p in zip(swaps, runs["preset"])])
    x["preset"] = pd.Categorical(runs["preset"])
    x["scenario"] = pd.Categorical(runs["scenario"])
    x["replicate"] = runs["replicate"].astype(int)
    x["seed"] = runs["seed"].astype(np.int64)
    from .runner import ID_COLUMNS

    if outcomes is None:
        outcomes = [c for c in runs.columns if c not in ID_COLUMNS and c not in ("ok", "error")
                    and pd.api.types.is_numeric_dtype(runs[c])]
    return x, {m: runs[m].to_numpy(dtype=float) for m in outcomes}


def analysis_columns(experiments: pd.DataFrame) -> list[str]:
    """The columns of :func:`from_results`'s experiments that describe the parameter space
    and vary in it: parameters, swaps and ``preset``, without ``scenario``, ``replicate``,
    ``seed`` and columns with a single value (what PRIM and feature scoring should see)."""
    return [c for c in experiments.columns if c not in ("scenario", "replicate", "seed")
            and experiments[c].nunique() > 1]


def make_prim(x: pd.DataFrame, y, **kwargs: Any):
    """``ema_workbench.analysis.prim.Prim(x, y, **kwargs)`` on EMA Workbench 2.5 and 3.x.

    2.5 requires a ``threshold`` (the mean a box must reach to be kept, else ``find_box``
    returns the whole space); 3.0 removed it and keeps every box (read its
    ``peeling_trajectory`` and ``select`` the point wanted). Without one, 2.5 gets 0 here,
    so both keep every box; a ``threshold`` given is passed to 2.5 and refused by 3.x.

    Example::

        box = make_prim(x, y > y.mean()).find_box()
    """
    from ema_workbench.analysis import prim

    if "threshold" in inspect.signature(prim.Prim.__init__).parameters:
        kwargs.setdefault("threshold", 0.0)
    return prim.Prim(x, y, **kwargs)
