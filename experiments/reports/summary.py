"""Sections every report has: provenance, the metrics by scenario and the differences between
scenarios (Welch, paired, Holm, Mann-Whitney, Hedges' g)."""

from __future__ import annotations

import math

import numpy as np

from abm.metrics import EXTRA_KEYS, SUMMARY_KEYS
from abm.outputs import title as output_title

from ..stats import compare, holm, mean_ci, paired
from .context import Report
from .fmt import _ci, _f, _metric, _p, _tex_metric, bounds, clip_ci, diff_bounds
from .latex import GROUP, grouped_rows
from .markdown import md_table
from .registry import section


@section("provenance", order=0)
def provenance(r: Report) -> None:
    m = r.manifest
    spec = r.spec
    title = m.get("experiment", r.folder.name)
    r.md.append(f"# Experiment `{title}`\n")
    if spec.get("description"):
        r.md.append(spec["description"].strip() + "\n")
    r.md.append("<!-- narrative -->")  # the narrative goes here (written last)
    reps = sorted(r.runs["replicate"].unique())
    rows = [["kind", r.kind], ["scenarios", str(len(r.scen))],
            ["replicates", str(len(reps))],
            ["steps", str(int(r.runs["steps"].iloc[0]))],
            ["master seed", str(m.get("seeds", {}).get("master_seed", "–"))],
            ["runs ok / failed", f"{len(r.runs)} / {len(r.failures)}"],
            ["git commit", str(m.get("git_commit"))],
            ["model version", str(m.get("versions", {}).get("startup-ecosystem-abm"))],
            ["mesa", str(m.get("versions", {}).get("mesa"))],
            ["created", str(m.get("created"))], ["finished", str(m.get("finished"))],
            ["wall time (s)", str(m.get("wall_seconds_total"))]]
    r.md.append("## Provenance\n")
    r.md.append(md_table(["item", "value"], rows) + "\n")
    r.md.append("Replicate seeds come from `numpy.random.SeedSequence(master_seed)"
                ".spawn(replicates)`: replicate *i* has the same seed in every "
                "scenario (common random numbers). Intervals are 95% t-intervals over "
                "replicates. Full provenance (resolved parameters of every scenario, "
                "seeds, versions) is in `manifest.json`; every run's whole description is in "
                "the `run` column of `runs.parquet` (when the runs were made after it "
                "existed).\n")
    ens = spec.get("ensemble")
    if ens:  # abm experiment --ensemble: parameter uncertainty besides seed noise
        r.md.append(f"Parameters drawn from the calibration ensemble `{ens.get('path')}` "
                    f"({ens.get('members')} accepted vectors, seed {ens.get('seed')}): "
                    "replicate *i* runs member `replicate_members[i]` in every "
                    "scenario, so intervals carry parameter uncertainty as well as "
                    "seed noise (docs/calibration.md).\n")
    if r.failures:
        r.md.append(f"**{len(r.failures)} runs failed** (tracebacks in "
                    "`failures.jsonl`); statistics use the runs that finished.\n")
        r.cautions.append(f"{len(r.failures)} of {len(r.failures) + len(r.runs)} runs failed "
                          "(`failures.jsonl`); the statistics use the runs that finished.")
    n = r.n_replicates()
    if n == 1:
        r.cautions.append("One replicate per scenario: no interval over seeds can be "
                          "estimated; what the report says rests on the spread across "
                          "scenarios (sample points) alone.")
    elif n < 10:
        r.cautions.append(f"Small samples: n = {n} replicates per scenario. The t-intervals "
                          "are wide and rest on roughly normal replicate means; add "
                          "replicates (`--replicates`) before reading a difference as real.")


@section("summary tables", order=10)
def summary(r: Report) -> None:
    rows = []
    for idx in r.scen.index:
        for metric in [c for c in SUMMARY_KEYS + EXTRA_KEYS if c in r.runs]:
            ci = clip_ci(mean_ci(r.values(idx, metric)), *bounds(metric))
            rows.append({"scenario": r.name(idx), "scenario_index": idx, "metric": metric,
                         **ci})
    df = r.table_csv(rows, "summary.csv")
    if r.kind == "sensitivity":
        r.md.append("## Outputs over the sample\n")
        body = []
        for metric in r.metrics:
            v = r.runs[metric]
            body.append([_metric(metric), _f(v.mean()), _f(v.min()), _f(v.quantile(0.5)),
                         _f(v.max())])
        r.table(None, ["metric", "mean", "min", "median", "max"], body,
                f"Each metric over all {len(r.runs)} runs of the sample (every point and "
                "replicate): mean, minimum, median and maximum, in the metric's unit", tex=False)
        return
    show = r.headline_scenarios() if r.kind != "comparison" else list(r.scen.index)
    r.md.append("## Metrics by scenario (mean [95% CI])\n")
    if r.kind != "comparison":
        r.md.append("Headline scenarios only; every scenario is in `tables/summary.csv`.\n")
    header = ["metric"] + [r.name(i) for i in show]
    body = []
    for metric in r.metrics:
        sub = df[df["metric"] == metric].set_index("scenario_index")
        body.append([_metric(metric)] + [_ci(sub.loc[i, "mean"], sub.loc[i, "ci_low"],
                                             sub.loc[i, "ci_high"]) for i in show])
    n = r.n_replicates()
    r.table("summary", header, body,
            f"Metrics by scenario: mean over replicates and 95% t-interval [low, high], in each "
            f"metric's unit (row label); each value summarises a run after its burn-in "
            f"(years {r.burn_in / 4:g}-{r.years():g}; docs/outputs.md)" + r.caveat_short(),
            tex_rows=[[_tex_metric(m)] + b[1:] for m, b in zip(r.metrics, body)])
    r.md.append(r.caveat(df) + "\n")
    r.md.append("LaTeX: `tables/summary.tex`.\n")
    if "clipped" in df and df["clipped"].any():
        r.cautions.append(f"{int(df['clipped'].sum())} of {len(df)} summary intervals reach "
                          "past what the metric can be and are clipped to its range (a sign "
                          f"of skewed replicate values at n = {n}).")


def _against_rows(r: Report) -> list[tuple[int, int]]:
    """``(scenario, reference)`` pairs the differences are measured on."""
    sc = r.scen
    pairs = []
    for idx in sc.index:
        if r.kind == "component_swap":  # against the unswapped scenario of the same base
            if not sc.loc[idx, "swaps"]:
                continue
            ref = sc[(sc["preset"] == sc.loc[idx, "preset"]) & ~sc["swaps"].map(bool)
                     & (sc["point"] == sc.loc[idx, "point"])]
        else:
            against = r.against.get(sc.loc[idx, "base"], r.baseline)
            if sc.loc[idx, "base"] == against:
                continue
            ref = sc[(sc["base"] == against) & (sc["point"] == sc.loc[idx, "point"])]
        if not ref.empty:
            pairs.append((idx, ref.index[0]))
    return pairs


@section("differences between scenarios", order=20, applies=lambda r: r.kind != "sensitivity")
def differences(r: Report) -> None:
    rows = []
    for idx, ref_idx in _against_rows(r):
        for metric in r.metrics:
            base_v, other_v = r.values(ref_idx, metric), r.values(idx, metric)
            c = clip_ci(compare(base_v, other_v), *diff_bounds(metric))
            pc = paired(base_v, other_v)
            pc = clip_ci({"paired_diff": pc["mean"], "paired_n": pc["n"],
                          "paired_ci_low": pc["ci_low"], "paired_ci_high": pc["ci_high"]},
                         *diff_bounds(metric), keys=("paired_ci_low", "paired_ci_high"))
            rows.append({"scenario": r.name(idx), "baseline": r.name(ref_idx),
                         "metric": metric, **c, **pc})
    if not rows:
        return
    for row, q in zip(rows, holm([row["welch_p"] for row in rows])):
        row["welch_p_holm"] = float(q)
    df = r.table_csv(rows, "differences.csv")
    against = "the unswapped base preset" if r.kind == "component_swap" else \
        f"`{r.baseline}`" if not r.against else \
        f"each scenario's reference (column *against*; default `{r.baseline}`)"
    header = ["metric", "scenario", "against", "difference [95% CI]",
              "paired [95% CI]", "Welch p", "Holm p", "MW p", "Hedges g"]
    body = [[_metric(x.metric), x.scenario, x.baseline, _ci(x.diff, x.ci_low, x.ci_high),
             _ci(x.paired_diff, x.paired_ci_low, x.paired_ci_high), _p(x.welch_p),
             _p(x.welch_p_holm), _p(x.mw_p), _f(x.hedges_g)] for x in df.itertuples()]
    tex_body = [[_tex_metric(x.metric)] + b[1:] for x, b in zip(df.itertuples(), body)]
    m = int(np.isfinite(df["welch_p"]).sum())
    what = (f"Differences against {against.replace('`', '').replace('*', '')} (scenario "
            "minus baseline, in each metric's unit)")
    tests = ("Welch t-test with Welch-Satterthwaite 95% interval, paired 95% t-interval "
             f"over common seeds, Holm-adjusted Welch p over the {m} tests of this table")
    grouped = grouped_rows([[b[1] + " − " + b[2]] + [b[0]] + b[3:] for b in tex_body], 0)
    r.table("differences", ["metric", "difference [95% CI]", "paired [95% CI]", "Holm p"],
            [g[:3] + [g[4]] if not g[0].startswith(GROUP) else g[:4] for g in grouped],
            f"{what}: {tests}" + r.caveat_short() + "; every test in differences_full.tex",
            md=False)
    r.table("differences_full", ["metric", "difference [95% CI]", "paired [95% CI]",
                                 "Welch p", "Holm p", "MW p", "Hedges g"], grouped,
            f"{what}, every test: {tests}, Mann-Whitney U p (MW p), Hedges' g"
            + r.caveat_short(), md=False)
    r.md.append(f"## Differences against {against}\n")
    r.md.append("Scenario minus baseline; 95% interval and p-value from Welch's t-test "
                "(the samples treated as independent), the paired 95% t-interval of the "
                "per-replicate differences (every scenario runs the same seeds: common "
                "random numbers, so the paired interval is the sharper one), "
                f"the Welch p-value adjusted for the {m} tests of this table "
                "(Holm-Bonferroni: read this one when scanning many comparisons for "
                "\"significant\" ones), p-value from the Mann-Whitney U test, effect size "
                "Hedges' g (bias-corrected Cohen's d). Intervals are clipped to the "
                "possible range of a difference. With few replicates the Mann-Whitney "
                "test cannot reach small p-values (n = 3 against 3: p >= 0.1). LaTeX: "
                "`tables/differences.tex` (compact), `tables/differences_full.tex` (every "
                "test).\n")
    if r.kind == "comparison" or len(body) <= 80:
        r.table(None, header, body, f"{what}: {tests}; Mann-Whitney U p (MW p) and Hedges' g"
                + r.caveat_short(), tex=False)
    else:
        r.md.append(f"{len(body)} comparisons: see `tables/differences.csv`.\n")
    _differences_findings(r, df, m)


def _differences_findings(r: Report, df, m: int) -> None:
    """The narrative's lines on the differences: how many hold after Holm's adjustment and
    the largest (by |Hedges' g|) of the headline metrics."""
    sig = df[df["welch_p_holm"] < 0.05]
    r.findings.append(f"{len(sig)} of {m} differences between scenarios hold after Holm's "
                      "adjustment for multiple tests (adjusted Welch p < 0.05).")
    if sig.empty or r.kind != "comparison":
        return
    head = sig[sig["metric"].isin(r.metrics[:8])].copy()
    head["size"] = head["hedges_g"].abs()
    parts = []
    for x in head.sort_values("size", ascending=False).head(3).itertuples():
        lo, hi = x.paired_ci_low, x.paired_ci_high
        interval = f" [{_f(lo, 3)}, {_f(hi, 3)}]" if math.isfinite(lo) else ""
        parts.append(f"{output_title(x.metric)}: `{x.scenario}` − `{x.baseline}` = "
                     f"{_f(x.paired_diff, 3)}{interval}")
    if parts:
        r.findings.append("Largest of them among the headline metrics (paired difference, "
                          "95% CI): " + "; ".join(parts) + ".")
