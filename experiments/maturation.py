"""Maturation analyses for reports: time for a component's maturity index to reach a level, and
whether a component keeps its gains after a policy stops (self-sustaining).

Pure functions on small frames, used by :mod:`abm.experiments.report` (the ``maturation`` and
``policy_withdrawal`` sections) and tested on hand-built data in tests/test_maturation_report.py.
The maturity indices are those of docs/ODD.md 7.19 (time series ``maturity_<component>``,
summary ``maturity_<component>_end``), each in [0, 1].
"""

from __future__ import annotations

import math
from typing import Any, Iterable, Mapping

import numpy as np
import pandas as pd

from .stats import mean_ci

COMPONENTS: tuple[str, ...] = ("finance", "labor", "ties", "industry", "norms", "support")
"""The six components, in the order of docs/DESIGN.md section 1."""
THRESHOLDS: tuple[float, ...] = (0.5, 0.75)
"""Maturity levels whose first crossing is reported: half and three quarters of the index's
range [0, 1] (each index is 0.5 at its reference value, docs/ODD.md 7.19)."""
LOOPS: tuple[str, ...] = tuple(f"loop_{c}" for c in COMPONENTS)
STEPS_PER_YEAR = 4
TOL = 1e-9
"""Differences within this of 0 count as 0 (the loops-off indices are exactly constant)."""


# -- time to reach a maturity level ----------------------------------------------------------
def first_step_reaching(values: pd.Series, threshold: float) -> float:
    """First step (the index of ``values``, sorted) at which the value is at least
    ``threshold``; NaN if it never is."""
    v = values.sort_index()
    hit = v.index[(v >= threshold).to_numpy()]
    return float(hit[0]) if len(hit) else math.nan


def time_to_reach(ts: pd.DataFrame, thresholds: Iterable[float] = THRESHOLDS,
                  components: Iterable[str] = COMPONENTS) -> pd.DataFrame:
    """Per run, component and threshold: the first step at which ``maturity_<component>``
    reaches the threshold.

    Args:
        ts: one row per run and step, columns ``run_id``, ``step`` and ``maturity_*``.

    Returns:
        columns ``run_id, component, threshold, first_value, last_step, step, years,
        at_start``: ``step`` NaN when never reached within the run, ``years = step / 4``,
        ``at_start`` when the value at the first recorded step is already at the threshold.
    """
    rows = []
    for run_id, g in ts.groupby("run_id", sort=False):
        g = g.sort_values("step")
        for c in components:
            col = f"maturity_{c}"
            if col not in g:
                continue
            s = pd.Series(g[col].to_numpy(), index=g["step"].to_numpy())
            for th in thresholds:
                st = first_step_reaching(s, th)
                at_start = bool(math.isfinite(st) and st == s.index[0])
                rows.append({"run_id": run_id, "component": c, "threshold": float(th),
                             "first_value": float(s.iloc[0]), "last_step": int(s.index[-1]),
                             "step": st, "years": 0.0 if at_start else st / STEPS_PER_YEAR,
                             "at_start": at_start})
    return pd.DataFrame(rows, columns=["run_id", "component", "threshold", "first_value",
                                       "last_step", "step", "years", "at_start"])


def summarise_reach(years: Iterable[float], horizon_years: float) -> dict[str, Any]:
    """Mean and 95% t-interval of the years to reach a level over the replicates that reached
    it, with how many did; ``years`` holds NaN for a replicate that never reached it.

    Returns:
        ``{"n", "n_reached", "share", "mean", "ci_low", "ci_high", "text"}``; ``text`` is the
        table cell: ``not reached in H y (0/n)``, ``at start (k/n)`` (every replicate that
        reached it was there from the first quarter), or ``mean [low, high] (k/n)`` (the interval
        over the k replicates that reached it; ``k < n`` means the mean is of those only).
    """
    a = np.asarray(list(years), dtype=float)
    n = int(a.size)
    hit = a[np.isfinite(a)]
    k = int(hit.size)
    ci = mean_ci(hit)
    if k == 0:
        text = f"not reached in {horizon_years:g} y (0/{n})"
    elif (hit == 0).all():
        text = f"at start ({k}/{n})"
    else:
        m, lo, hi = ci["mean"], ci["ci_low"], ci["ci_high"]
        if math.isfinite(lo):
            lo, hi = max(lo, 0.0), min(hi, horizon_years)
            text = f"{m:.1f} [{lo:.1f}, {hi:.1f}] ({k}/{n})"
        else:
            text = f"{m:.1f} ({k}/{n})"
    return {"n": n, "n_reached": k, "share": k / n if n else math.nan, "mean": ci["mean"],
            "ci_low": ci["ci_low"], "ci_high": ci["ci_high"], "text": text}


def share_at_or_above(values: Iterable[float], threshold: float) -> tuple[int, int]:
    """How many of the finite ``values`` are at least ``threshold``, and how many there are
    (from end-of-run values: a lower bound on the runs that ever reached it)."""
    a = np.asarray(list(values), dtype=float)
    a = a[np.isfinite(a)]
    return int((a >= threshold).sum()), int(a.size)


# -- self-sustaining: after a policy stops ---------------------------------------------------
def trend_verdict(ci: Mapping[str, float], tol: float = TOL) -> str:
    """``keeps rising`` / ``falls back`` when the 95% interval of a change lies above / below
    0, ``holds`` when it is exactly 0 for every replicate, ``not resolved`` otherwise (the
    interval includes 0, or fewer than 2 replicates)."""
    lo, hi, m = ci.get("ci_low", math.nan), ci.get("ci_high", math.nan), ci.get("mean", math.nan)
    if math.isfinite(lo) and lo > tol:
        return "keeps rising"
    if math.isfinite(hi) and hi < -tol:
        return "falls back"
    if math.isfinite(lo) and abs(lo) <= tol and abs(hi) <= tol:
        return "holds"
    if not math.isfinite(m):
        return "–"
    return "not resolved"


def gain_verdict(kept_minus_never: Mapping[str, float],
                 withdrawn_minus_never: Mapping[str, float], tol: float = TOL) -> str:
    """What is left, at a date after the stop, of a policy's gain in a component.

    ``withdrawn - never`` (paired by replicate) above 0: ``gain kept`` if ``kept - never`` is
    above 0 too, else ``above the no-plan run (the kept plan is not)``; below 0: ``below the
    no-plan run``; otherwise, if the kept plan's gain ``kept - never`` is above 0: ``gain
    lost`` (the withdrawn run fell back to the no-plan run); else ``no gain to keep`` (the plan
    raises the component by no resolved amount even when kept)."""
    w_lo, w_hi = withdrawn_minus_never["ci_low"], withdrawn_minus_never["ci_high"]
    k_lo = kept_minus_never["ci_low"]
    if math.isfinite(w_lo) and w_lo > tol:
        return "gain kept" if math.isfinite(k_lo) and k_lo > tol else \
            "above the no-plan run (the kept plan is not)"
    if math.isfinite(w_hi) and w_hi < -tol:
        return "below the no-plan run"
    if math.isfinite(k_lo) and k_lo > tol:
        return "gain lost"
    return "no gain to keep"


def paired_ci(a: pd.Series, b: pd.Series) -> dict[str, float]:
    """Mean and 95% t-interval of ``a - b`` paired on the index (the replicate)."""
    return dict(mean_ci((a - b).dropna()))


def values_at(ts: pd.DataFrame, step: int, column: str) -> pd.Series:
    """``column`` at ``step`` per ``replicate`` (``ts`` has ``replicate``, ``step``)."""
    r = ts[ts["step"] == step]
    return r.set_index("replicate")[column]


# -- scenario structure ----------------------------------------------------------------------
def loops_off(params: Mapping[str, Any]) -> bool:
    """Every feedback loop strength is 0."""
    return all(float(params.get(k, 1.0)) == 0.0 for k in LOOPS)


def _key(params: Mapping[str, Any], drop: Iterable[str]) -> tuple:
    drop = set(drop)
    return tuple(sorted((k, repr(v)) for k, v in params.items() if k not in drop))


def loop_pairs(scen: pd.DataFrame) -> list[tuple[int, int]]:
    """``(loops_on_index, loops_off_index)`` of scenarios equal in every parameter but the
    loop strengths, one of them with every loop at 0 (``scen``: a ``parameters`` column of
    resolved-parameter dicts, indexed by scenario index)."""
    on, off = {}, {}
    for i, p in scen["parameters"].items():
        if not isinstance(p, dict):
            continue
        (off if loops_off(p) else on).setdefault(_key(p, LOOPS), i)
    return [(on[k], off[k]) for k in on if k in off]


def withdrawal_triplets(scen: pd.DataFrame, steps: int) -> list[dict[str, int]]:
    """Scenarios of one policy plan kept, withdrawn inside the run and never started, equal
    in every other parameter: ``{"kept", "withdrawn", "never", "start", "stop"}`` (indices and
    the withdrawn plan's start and stop steps)."""
    groups: dict[tuple, dict[str, Any]] = {}
    for i, p in scen["parameters"].items():
        if not isinstance(p, dict):
            continue
        start, end = int(p.get("plan_start_step", 1000)), int(p.get("plan_end_step", 100000))
        g = groups.setdefault(_key(p, ("plan_start_step", "plan_end_step")), {})
        if start > steps:
            g.setdefault("never", i)
        elif end > steps:
            g.setdefault("kept", i)
            g.setdefault("_kept_start", start)
        elif start < end:
            g.setdefault("withdrawn", i)
            g.setdefault("start", start)
            g.setdefault("stop", end)
    return [{k: v for k, v in g.items() if not k.startswith("_")} for g in groups.values()
            if {"kept", "withdrawn", "never"} <= set(g) and g["_kept_start"] == g["start"]]


def self_sustaining_table(runs: pd.DataFrame, scen: pd.DataFrame, steps: int,
                          ts: pd.DataFrame | None = None,
                          components: Iterable[str] = COMPONENTS) -> pd.DataFrame:
    """Per withdrawal triplet (a plan kept, withdrawn, never started: :func:`withdrawal_triplets`)
    and component, paired by replicate (common random numbers):

    * ``kept_minus_never``, ``withdrawn_minus_never``: the index at the end of the run
      (``maturity_<c>_end``) in the kept / withdrawn run minus the never run; ``verdict``
      (:func:`gain_verdict`) on them;
    * with time series ``ts`` (``run_id, step, maturity_*``): ``gap_at_stop`` (withdrawn - never
      at the stop step), ``change_after_stop`` (the withdrawn run's own index at the end minus
      at the stop) and ``trend`` (:func:`trend_verdict` on it);
    * ``loops_effect``: for a loops-on triplet with a loops-off twin (:func:`loop_pairs`),
      ``(withdrawn - never)`` loops on minus the same loops off.

    Each value is a dict ``{"n", "mean", "sd", "ci_low", "ci_high"}``.
    """
    trip = withdrawal_triplets(scen, steps)
    pairs = dict(loop_pairs(scen))  # loops-on withdrawn -> loops-off withdrawn (and others)

    def end(idx: int, c: str) -> pd.Series:
        r = runs[runs["scenario_index"] == idx]
        return r.set_index("replicate")[f"maturity_{c}_end"]

    tsr = None
    if ts is not None:
        tsr = ts.merge(runs[["run_id", "scenario_index", "replicate"]], on="run_id")
    rows = []
    by_withdrawn = {t["withdrawn"]: t for t in trip}
    for t in trip:
        p = scen.loc[t["withdrawn"], "parameters"]
        on = not loops_off(p)
        twin = by_withdrawn.get(pairs.get(t["withdrawn"], -1)) if on else None
        for c in components:
            if f"maturity_{c}_end" not in runs:
                continue
            k_n = paired_ci(end(t["kept"], c), end(t["never"], c))
            w_n = paired_ci(end(t["withdrawn"], c), end(t["never"], c))
            row: dict[str, Any] = {
                "kept": t["kept"], "withdrawn": t["withdrawn"], "never": t["never"],
                "loops": "on" if on else "off", "component": c, "stop_step": t["stop"],
                "kept_minus_never": k_n, "withdrawn_minus_never": w_n,
                "verdict": gain_verdict(k_n, w_n)}
            if twin is not None:
                row["loops_effect"] = paired_ci(
                    end(t["withdrawn"], c) - end(t["never"], c),
                    end(twin["withdrawn"], c) - end(twin["never"], c))
            col = f"maturity_{c}"
            if tsr is not None and col in tsr:
                def at(idx: int, step: int) -> pd.Series:
                    return values_at(tsr[tsr["scenario_index"] == idx], step, col)
                last = int(tsr["step"].max())
                row["gap_at_stop"] = paired_ci(at(t["withdrawn"], t["stop"]),
                                               at(t["never"], t["stop"]))
                ch = paired_ci(at(t["withdrawn"], last), at(t["withdrawn"], t["stop"]))
                row["change_after_stop"] = ch
                row["trend"] = trend_verdict(ch)
            rows.append(row)
    return pd.DataFrame(rows)
