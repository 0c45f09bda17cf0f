"""Global sensitivity (kind ``sensitivity``): SALib's indices of each output over the sample
(Morris, Sobol, FAST, delta), and, for a design run for several presets, whether the
orderings of the presets hold across the declared structural ranges."""

from __future__ import annotations

import itertools
import math
from typing import Any, Mapping

import numpy as np
import pandas as pd

from abm.outputs import title as output_title

from .context import Report
from .figures import panels
from .fmt import _f, _metric, _pct, _verdict_cell
from .registry import section
from .sweep import _paired, _point_stats, base_table

ROBUST_SHARE = 0.95
"""An ordering A > B is *robust* across the structural ranges when it holds at this share of
the sample points or more."""

HEADLINE_METRICS = ("innovation_total", "productivity_growth", "unicorns",
                    "incumbents_displaced", "ma_share_of_exits")
"""The headline comparisons of the structural-uncertainty report."""



def _sample(r: Report) -> tuple[dict, np.ndarray]:
    return r.spec.get("sample") or {}, np.asarray(r.manifest.get("sample_matrix", []),
                                                  dtype=float)


@section("sensitivity indices", order=70, applies=lambda r: r.kind == "sensitivity")
def sensitivity(r: Report) -> None:
    sample, X = _sample(r)
    if X.size == 0:
        r.md.append("No sample matrix in manifest.json: cannot compute indices.\n")
        return
    from ..spec import salib_problem

    problem = salib_problem(sample)
    outputs = [o for o in sample.get("outputs", r.metrics) if o in r.runs]
    sc = r.scen
    rows = []
    notes = []
    means_by_scenario = r.runs.groupby("scenario_index")[outputs].mean()
    for base in dict.fromkeys(sc["base"]):
        g = sc[sc["base"] == base].sort_values("point")
        for out in outputs:
            means = means_by_scenario[out]
            Y = np.array([means.get(i, np.nan) for i in g.index], dtype=float)
            if np.isnan(Y).any():
                notes.append(f"{base}/{out}: {int(np.isnan(Y).sum())} points without "
                             "results were filled with the mean")
                Y = np.where(np.isnan(Y), np.nanmean(Y), Y)
            if np.ptp(Y) == 0:
                notes.append(f"{base}/{out}: the same value at every point; no indices")
                continue
            try:
                rows.extend(_salib_indices(sample, problem, X[: len(Y)], Y, base, out))
            except (ValueError, ZeroDivisionError, np.linalg.LinAlgError) as exc:
                notes.append(f"{base}/{out}: SALib could not estimate the indices "
                             f"({type(exc).__name__}: {exc}); more points may help")
    df = r.table_csv(rows, "sensitivity.csv")
    method = sample.get("analysis", sample.get("method", "morris"))
    design = sample.get("method", "morris")
    title = method if method == design else f"{method} analysis of a {design} sample"
    r.md.append(f"## Global sensitivity ({title})\n")
    r.md.append("Each point's output is the mean over the replicates (same seeds at "
                "every point). Parameter ranges:\n")
    per_preset = set(sample.get("preset_parameters", []))
    from ..spec import factor_groups

    groups = factor_groups(sample)  # (not problem's: SALib's analysis may add its own)
    rows_r = []
    for k, (n, b) in enumerate(zip(problem["names"], problem["bounds"])):
        lo, hi = (_f(b[0]), _f(b[1])) if n not in per_preset else (
            "u = 0: " + _per_preset(n, 0), "u = 1: " + _per_preset(n, 1))
        rows_r.append([n, lo, hi] + ([groups[k]] if groups else []))
    n_groups = len(dict.fromkeys(groups)) if groups else 0
    r.table(None, ["parameter", "low", "high"] + (["group"] if groups else []), rows_r,
            f"The {len(problem['names'])} factors of the {design} sample and their ranges "
            "(in each parameter's unit, docs/parameters.md; a country index is sampled as "
            "u in [0, 1] and set to each preset's own range, abm/structural.py)"
            + (f"; {n_groups} Morris groups (a group's factors move together and its "
               "indices are the group's)" if groups else ""), tex=False)
    for note in notes:
        r.md.append(f"- {note}\n")
    if df.empty:
        return
    if method == "fast":
        r.md.append("FAST confidence intervals are bootstrap estimates, which SALib "
                    "calls indicative only.\n")
    if method == "delta":
        r.md.append("delta: Borgonovo's moment-independent index (0: the output's "
                    "distribution does not depend on the factor); S1: first-order "
                    "index estimated from the same sample.\n")
    key = {"morris": "mu_star", "delta": "delta"}.get(method, "ST")
    n_points = int(sc["point"].max()) + 1 if len(sc) else 0
    for (base, out), g in df.groupby(["base", "output"], sort=False):
        g = g.sort_values(key, ascending=False)
        if method == "morris":
            header = ["parameter", "mu*", "mu* 95% conf", "mu", "sigma"]
            body = [[x.parameter, _f(x.mu_star), _f(x.mu_star_conf), _f(x.mu),
                     _f(x.sigma)] for x in g.itertuples()]
            what = (f"Morris elementary effects of {output_title(out)} ({base}): mu* (mean "
                    "absolute effect, in the output's unit) with its bootstrap 95% "
                    "confidence half-width, mu and sigma")
        elif method == "delta":
            header = ["parameter", "delta", "delta conf", "S1", "S1 conf"]
            body = [[x.parameter, _f(x.delta), _f(x.delta_conf), _f(x.S1), _f(x.S1_conf)]
                    for x in g.itertuples()]
            what = (f"Borgonovo's delta and first-order index S1 of {output_title(out)} "
                    f"({base}), with bootstrap 95% confidence half-widths (unitless, 0-1)")
        else:
            header = ["parameter", "S1", "S1 conf", "ST", "ST conf"]
            body = [[x.parameter, _f(x.S1), _f(x.S1_conf), _f(x.ST), _f(x.ST_conf)]
                    for x in g.itertuples()]
            what = (f"{method} first-order (S1) and total (ST) indices of {output_title(out)} "
                    f"({base}), with bootstrap 95% confidence half-widths (unitless, 0-1)")
        r.md.append(f"### {out} ({base})\n")
        r.table(f"sensitivity_{base}_{out}", header, body,
                f"{what}; {n_points} sample points, each the mean over "
                f"{r.runs['replicate'].nunique()} replicate(s); factors by decreasing "
                f"{header[1]}")
        top = g.iloc[0]
        if out in outputs[:3]:
            r.findings.append(f"{output_title(out)} ({base}) depends most on "
                              f"`{top['parameter']}` ({header[1]} = {_f(top[key])}).")
    if r.figures:
        _figure(r, df, method, key)


def _figure(r: Report, df: pd.DataFrame, method: str, key: str) -> None:
    groups = list(df.groupby(["base", "output"], sort=False))

    def draw(width: float):
        fig, axes = panels(len(groups), width, aspect=0.8)
        for ax, ((base, out), g) in zip(axes.flat, groups):
            if method == "morris":
                ax.scatter(g["mu_star"], g["sigma"], s=10)
                for x in g.sort_values("mu_star", ascending=False).head(8).itertuples():
                    ax.annotate(x.parameter, (x.mu_star, x.sigma), fontsize=5.5)
                ax.set_xlabel("mu* (output's unit)")
                ax.set_ylabel("sigma")
            else:
                g = g.sort_values(key)
                ax.barh(g["parameter"], g[key], xerr=g[f"{key}_conf"], alpha=0.7)
                ax.set_xlabel(key)
                ax.tick_params(labelsize=5.5)
            ax.set_title(f"{output_title(out)} ({base})", fontsize=7.5)
        fig.tight_layout()
        return fig

    what = ("Morris mu* (mean absolute elementary effect, in the output's unit) against "
            "sigma (its spread) for each factor, the eight largest named" if method == "morris"
            else f"{key} index of each factor with its bootstrap 95% confidence half-width")
    r.figure("sensitivity", draw, f"Global sensitivity of each output: {what}",
             single=len(groups) <= 2)


@section("structural uncertainty", order=75,
         applies=lambda r: r.kind == "sensitivity" and r.scen["base"].nunique() >= 2)
def structural_uncertainty(r: Report) -> None:
    bases = list(dict.fromkeys(r.scen["base"]))
    sample, X = _sample(r)
    from ..spec import salib_problem

    morris_ok = sample.get("method", "morris") == "morris" and X.size > 0
    problem = salib_problem(sample) if morris_ok else None
    metrics = [m for m in sample.get("outputs", HEADLINE_METRICS) if m in r.runs]
    df = ordering_verdicts(base_table(r), metrics, bases,
                           X=X if morris_ok else None, problem=problem,
                           levels=sample.get("levels", 4), seed=sample.get("seed"))
    r.table_csv(df.drop(columns=["mu_star"]).to_dict("records"), "structural_verdicts.csv")
    mu_rows = [{"a": x.a, "b": x.b, "metric": x.metric, "factor": k, "mu_star": v}
               for x in df.itertuples() for k, v in x.mu_star.items()]
    if mu_rows:
        r.table_csv(mu_rows, "structural_mu_star.csv")
    n_points = int(r.scen["point"].max()) + 1 if len(r.scen) else 0
    reps = r.runs["replicate"].nunique()
    r.md.append("## Orderings across structural uncertainty\n")
    r.md.append(
        f"Each of the {n_points} sample points sets every sampled structural constant, "
        "technology parameter and country index (a country index at the same relative place "
        "of each preset's own range; ranges above, declared in `abm/structural.py`) and is "
        "run "
        f"for every preset with the same {reps} replicate seed(s). For each pair A, B the "
        "difference A - B is paired by seed and averaged over replicates at each point. "
        f"An ordering is **robust** when it holds at >= {ROBUST_SHARE:.0%} of the points. "
        "*Reversed (sig.)*: share of points whose 95% interval over replicates excludes "
        "zero against the majority direction (empty with one replicate). *Deciding "
        "factors*: largest Morris mu* of the per-point difference A - B (its units; with "
        "Morris groups, `[sample.groups]`, a group's name stands for its factors moved "
        "together).\n")
    header = ["metric", "A vs B", "A > B", "B > A", "tie", "reversed (sig.)",
              "mean A - B", "verdict", "deciding factors (mu*)"]
    order = df.sort_values(["metric", "a", "b"], kind="stable")
    body = [[_metric(x.metric), f"{x.a} vs {x.b}", _pct(x.share_a_gt_b),
             _pct(x.share_b_gt_a), _pct(x.share_tie), _pct(x.reversed_sig),
             _f(x.mean_diff), _verdict_cell(x.verdict, x.robust), x.deciding or "–"]
            for x in order.itertuples()]
    r.table("structural_verdicts", header, body,
            f"Headline orderings across the declared structural ranges: share of the "
            f"{n_points} sample points where A > B, B > A or tied (mean over {reps} "
            "replicate(s) at each point), share significantly reversed (95% interval), mean "
            "A - B (the metric's unit), verdict and deciding factors (Morris mu* of A - B)",
            tex_rows=[[c.replace("**", "") for c in row] for row in body])

    def listed(kind: str) -> str:
        sub = df[df["robust"] == kind]
        return ", ".join(f"`{x.metric}` {x.a} vs {x.b}" for x in sub.itertuples()) or "none"

    r.md.append(f"{int((df['robust'] == 'robust').sum())} of {len(df)} orderings are "
                f"robust; weakly robust (never reversed, often tied): {listed('weak')}; "
                f"not robust: {listed('no')}; equal everywhere: {listed('equal')}. "
                "LaTeX: `tables/structural_verdicts.tex`.\n")
    r.findings.append(f"{int((df['robust'] == 'robust').sum())} of {len(df)} orderings of the "
                      f"presets hold at >= {ROBUST_SHARE:.0%} of the {n_points} points of the "
                      "structural ranges; not robust: " + listed("no") + ".")


def ordering_verdicts(table: pd.DataFrame, metrics: list[str], bases: list[str],
                      X: np.ndarray | None = None, problem: dict | None = None,
                      levels: int = 4, seed: int | None = None,
                      robust_share: float = ROBUST_SHARE, top: int = 3) -> pd.DataFrame:
    """For each pair of bases (presets) and metric: is the ordering robust across the sample?

    Args:
        table: one row per run with ``base``, ``point`` (sample row), ``replicate`` and the
            metrics.
        X, problem, levels, seed: the Morris design (rows = points) and SALib problem; when
            given, the factors that decide each comparison are ranked by Morris mu* of the
            per-point mean difference ``A - B``.

    Returns one row per (a, b, metric): ``n_points`` (points where the difference is defined),
    ``share_a_gt_b``, ``share_b_gt_a``, ``share_tie``, ``reversed_sig`` (share of points whose
    95% interval over replicates excludes 0 against the majority direction), ``mean_diff``,
    ``verdict`` and ``robust``: ``"a > b"`` (or ``"b > a"``) and ``"robust"`` when the strict
    ordering holds at ``>= robust_share`` of the points; ``"a >= b"`` and ``"weak"`` when it
    holds at fewer because of ties but is reversed at no more than ``1 - robust_share``;
    ``"equal"`` when every point ties; else ``"not robust"`` and ``"no"``. ``deciding``: top
    factors with mu*, as text; ``mu_star``: dict.
    """
    rows = []
    for a, b in itertools.combinations(bases, 2):
        for metric in metrics:
            st = _point_stats(_paired(table, metric, a, b, ["point"]), ["point"])
            ok = st[np.isfinite(st["mean"].to_numpy(dtype=float))]
            n = len(ok)
            m = ok["mean"].to_numpy(dtype=float)
            gt = float((m > 0).mean()) if n else math.nan
            lt = float((m < 0).mean()) if n else math.nan
            tie = float((m == 0).mean()) if n else math.nan
            weak = 1.0 - robust_share + 1e-12
            if not n:
                verdict, robust = "undefined", "no"
            elif tie == 1.0:
                verdict, robust = "equal", "equal"
            elif gt >= robust_share:
                verdict, robust = f"{a} > {b}", "robust"
            elif lt >= robust_share:
                verdict, robust = f"{b} > {a}", "robust"
            elif lt <= weak:  # never (or almost never) reversed, but often tied
                verdict, robust = f"{a} >= {b}", "weak"
            elif gt <= weak:
                verdict, robust = f"{b} >= {a}", "weak"
            else:
                verdict, robust = "not robust", "no"
            has_ci = bool(np.isfinite(ok["ci_low"].to_numpy(dtype=float)).any()) if n else False
            if not has_ci:
                rev = math.nan
            elif gt >= lt:  # majority a > b: reversed means significantly below 0
                rev = float((ok["ci_high"] < 0).mean())
            else:
                rev = float((ok["ci_low"] > 0).mean())
            mu = {}
            if X is not None and problem is not None and n and tie < 1.0:
                mu = _morris_mu_star(st, X, problem, levels, seed)
            ranked = sorted(mu.items(), key=lambda kv: -kv[1])[:top]
            rows.append({"a": a, "b": b, "metric": metric, "n_points": n,
                         "share_a_gt_b": gt, "share_b_gt_a": lt, "share_tie": tie,
                         "reversed_sig": rev,
                         "mean_diff": float(np.mean(m)) if n else math.nan,
                         "verdict": verdict, "robust": robust,
                         "deciding": ", ".join(f"{k} ({_f(v)})" for k, v in ranked),
                         "mu_star": mu})
    return pd.DataFrame(rows)


def _salib_indices(sample: Mapping[str, Any], problem: dict, X: np.ndarray, Y: np.ndarray,
                   base: str, out: str) -> list[dict[str, Any]]:
    """One row per factor of the sensitivity indices of ``Y`` (one value per design point)
    for the sample's analysis: ``morris`` (mu, mu*, sigma), ``sobol`` and ``fast`` (S1, ST)
    or ``delta`` (delta and S1, for Latin hypercube and Monte Carlo samples)."""
    import contextlib
    import io
    import warnings

    method = sample.get("analysis", sample.get("method", "morris"))
    seed = sample.get("seed")
    rows = []
    # SALib prints notes (delta's bin merges) and warns (FAST's bootstrap): keep them out
    with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if method == "sobol":
            from SALib.analyze import sobol

            res = sobol.analyze(problem, Y, calc_second_order=False, seed=seed)
            keys = ("S1", "S1_conf", "ST", "ST_conf")
        elif method == "fast":
            from SALib.analyze import fast

            from ..spec import FAST_M

            res = fast.analyze(problem, Y, M=FAST_M, seed=seed)
            keys = ("S1", "S1_conf", "ST", "ST_conf")
        elif method == "delta":
            from SALib.analyze import delta

            res = dict(delta.analyze(problem, X, Y, seed=seed))
            if "delta" not in res:  # SALib >= 1.6 names the estimator
                res["delta"], res["delta_conf"] = res["delta_raw"], res["delta_raw_conf"]
            if "S1" not in res:
                s1 = delta.analyze(problem, X, Y, seed=seed, method="sobol")
                res["S1"], res["S1_conf"] = s1["S1"], s1["S1_conf"]
            keys = ("delta", "delta_conf", "S1", "S1_conf")
        else:
            from SALib.analyze import morris

            res = morris.analyze(problem, X, Y, num_levels=sample.get("levels", 4), seed=seed)
            keys = ("mu", "mu_star", "mu_star_conf", "sigma")
    # Morris over groups ([sample.groups]) gives one index per group, named by the group
    for k, name in enumerate(_index_names(res, problem)):
        rows.append({"base": base, "output": out, "parameter": name,
                     **{key: float(res[key][k]) for key in keys}})
    return rows


def _morris_mu_star(st: pd.DataFrame, X: np.ndarray, problem: dict, levels: int,
                    seed: int | None) -> dict[str, float]:
    """Morris mu* of the per-point mean difference (missing points filled with the mean)."""
    from SALib.analyze import morris

    Y = np.full(len(X), np.nan)
    pts = st["point"].to_numpy(dtype=int)
    keep = (pts >= 0) & (pts < len(X))
    Y[pts[keep]] = st["mean"].to_numpy(dtype=float)[keep]
    if np.isnan(Y).all():
        return {}
    Y = np.where(np.isnan(Y), np.nanmean(Y), Y)
    res = morris.analyze(problem, X, Y, num_levels=levels, seed=seed)
    return {n: float(res["mu_star"][k]) for k, n in enumerate(_index_names(res, problem))}


def _per_preset(name: str, end: int) -> str:
    """``silicon_valley 0.5, japan 0.28, ...``: a country index's value per preset at the low
    (``end = 0``) or high (1) end of its declared per-preset ranges."""
    from abm.structural import STRUCTURAL

    e = STRUCTURAL.get(name)
    if e is None or not e.per_preset:
        return str(end)
    return ", ".join(f"{p} {_f(rng[end])}" for p, rng in e.per_preset.items())


def _index_names(res: Any, problem: dict) -> list[str]:
    """The names SALib's indices are given for: the groups (in order of first appearance)
    when the problem has groups, else the factors."""
    if problem.get("groups"):
        return list(dict.fromkeys(problem["groups"]))
    return list(problem["names"])


