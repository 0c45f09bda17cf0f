"""Maturation of the six components (their maturity indices, docs/ODD.md 7.19): time to reach
a level with the feedback loops on and off, and whether a component keeps a policy's gains
after the policy stops (self-sustaining). The statistics are :mod:`abm.experiments.maturation`'s;
this module writes them."""

from __future__ import annotations

from pathlib import Path

import pandas as pd


from .. import maturation as MAT
from ..stats import mean_ci
from .context import Report
from .fmt import _ci, _ci_star, _f
from .load import ReportError, load_results
from .registry import section

def _loop_pairs_only(r: Report) -> bool:
    """Scenarios that come in loops-on / loops-off pairs and withdraw no plan."""
    if "parameters" not in r.scen or not any(f"maturity_{c}_end" in r.runs
                                             for c in MAT.COMPONENTS):
        return False
    steps = int(r.runs["steps"].max())
    return bool(MAT.loop_pairs(r.scen)) and not MAT.withdrawal_triplets(r.scen, steps)


def _withdrawal(r: Report) -> bool:
    """Scenarios of a plan kept, withdrawn and never started."""
    return "parameters" in r.scen and bool(
        MAT.withdrawal_triplets(r.scen, int(r.runs["steps"].max())))


@section("maturation", order=50, applies=_loop_pairs_only)
def maturation(r: Report) -> None:
    """Time for each component to reach a maturity level, loops on and off, and the
    self-sustaining analysis of a sibling ``policy_withdrawal`` folder."""
    sc = r.scen
    steps = int(r.runs["steps"].max())
    pairs = MAT.loop_pairs(sc)
    comps = [c for c in MAT.COMPONENTS if f"maturity_{c}_end" in r.runs]
    horizon = steps / MAT.STEPS_PER_YEAR
    ths = MAT.THRESHOLDS
    r.md.append("## Maturation: time to reach a maturity level\n")
    r.md.append(
        "Each component's maturity index (docs/ODD.md 7.19, in [0, 1]; 0.5 at its reference "
        f"value) is read against two levels, **{ths[0]:g}** and **{ths[1]:g}**. *Time to "
        "reach* = the first quarter at which the index is at or above the level, in years "
        f"from the start of the run (step t = t / 4 years, the {r.burn_in / 4:g}-year burn-in "
        "included); a run already at the level in its first quarter counts as 0 (`at start` when "
        "every replicate that reached it was). "
        "Cell: mean [95% t-interval] over the replicates that reached the level, then "
        "(replicates that reached it / all); `not reached in "
        f"{horizon:g} y` when none did. A mean over k < n replicates is of the faster "
        "ones only.\n")
    labels = {i: r.scen.loc[i, "preset"] for i, _ in pairs}
    ts_cols = [f"maturity_{c}" for c in comps]
    per = None
    if r.ts is None or set(ts_cols) <= set(r.ts.columns):
        per = r.per_run("maturation_time_to_reach_runs.csv", lambda ts: MAT.time_to_reach(
            ts[["run_id", "step"] + ts_cols], ths, comps).merge(
                r.runs[["run_id", "scenario_index", "replicate"]], on="run_id"))
    if per is not None:
        rows, body = [], []
        for on, off in pairs:
            for c in comps:
                cells = [labels[on], c]
                first = per[(per["scenario_index"] == off) & (per["component"] == c)]
                cells.append(_f(float(first["first_value"].mean()), 3))
                for th in ths:
                    for loops, idx in (("on", on), ("off", off)):
                        sub = per[(per["scenario_index"] == idx) & (per["component"] == c)
                                  & (per["threshold"] == th)]
                        s = MAT.summarise_reach(sub["years"], horizon)
                        rows.append({"preset": labels[on], "component": c, "loops": loops,
                                     "scenario": r.name(idx), "threshold": th,
                                     **{k: v for k, v in s.items() if k != "text"}})
                        cells.append(s["text"])
                body.append(cells)
        r.table_csv(rows, "maturation_time_to_reach.csv")
        header = ["preset", "component", "first quarter"] + [
            f"≥ {th:g}, loops {lo}" for th in ths for lo in ("on", "off")]
        r.md.append("### Years to reach each level\n")
        r.table("maturation_time_to_reach", header, body,
                "Years from the start of the run for each component's maturity index (0-1) "
                "to reach a level, loops on and off: mean and 95% t-interval over the "
                "replicates that reached it, then (reached / all); first quarter: the "
                "index's mean value in the first quarter (loops off)" + r.caveat_short())
    else:
        r.md.append(
            "**Time to reach is not computed here: this folder holds no maturity time "
            "series** (`timeseries.parquet`; `scripts/regenerate_results.sh` ships only "
            "the small files, not the time series). The first crossing needs the "
            "quarterly index, which the end-of-run summary does not give. To get the "
            "table: `abm experiment experiments/maturation.toml --out "
            "out/experiments/maturation` then `abm report out/experiments/maturation` "
            "(a new run). What the end-of-run values do show is below.\n")
    _end_values(r, pairs, comps, labels, horizon)
    _maturation_self_sustaining(r)



def _end_values(r: Report, pairs: list[tuple[int, int]], comps: list[str],
                labels: dict[int, str], horizon: float) -> None:
    """The maturity indices at the end of the run, loops on and off (always available)."""
    ths = MAT.THRESHOLDS
    rows, body = [], []
    for on, off in pairs:
        for c in comps:
            col = f"maturity_{c}_end"
            v_on, v_off = r.values(on, col), r.values(off, col)
            ci_on, ci_off = mean_ci(v_on), mean_ci(v_off)
            d = MAT.paired_ci(v_on, v_off)
            cells = [labels[on], c, _ci(ci_off["mean"], ci_off["ci_low"], ci_off["ci_high"]),
                     _ci(ci_on["mean"], ci_on["ci_low"], ci_on["ci_high"]),
                     _ci_star(pd.Series(d))]
            rec = {"preset": labels[on], "component": c, "end_loops_off": ci_off["mean"],
                   "end_loops_on": ci_on["mean"], "on_minus_off": d["mean"],
                   "on_minus_off_ci_low": d["ci_low"], "on_minus_off_ci_high": d["ci_high"]}
            for th in ths:
                k_on, n_on = MAT.share_at_or_above(v_on, th)
                k_off, n_off = MAT.share_at_or_above(v_off, th)
                cells.append(f"{k_on}/{n_on} · {k_off}/{n_off}")
                rec[f"at_or_above_{th:g}_on"] = k_on
                rec[f"at_or_above_{th:g}_off"] = k_off
                rec["n"] = n_on
            rows.append(rec)
            body.append(cells)
    r.table_csv(rows, "maturation_end.csv")
    header = ["preset", "component", f"year {horizon:g}, loops off",
              f"year {horizon:g}, loops on", "on − off (paired)"] + [
        f"≥ {th:g} at year {horizon:g} (on · off)" for th in ths]
    r.md.append(f"### Maturity at year {horizon:g}, loops on and off\n")
    r.md.append(
        f"Index at the end of the run (`maturity_*_end`), mean [95% t-interval]; on − off "
        "is paired by replicate (same seeds), `*` when its interval excludes 0. The last "
        f"columns count the replicates at or above each level at year {horizon:g} (loops "
        "on · loops off): a lower bound on those that ever reached it (a run may have "
        "crossed the level and fallen back). With the loops off every index but "
        "industry's stays at the preset's value for the whole run (industry's moves as "
        "incumbents enter and exit), so the loops-off column is also the starting value.\n")
    r.table("maturation_end", header, body,
            f"Maturity indices (0-1) at year {horizon:g}, loops on and off: mean over "
            "replicates and 95% t-interval; on − off paired by replicate (* excludes 0); "
            "replicates at or above each level (on · off)" + r.caveat_short())


def _maturation_self_sustaining(r: Report) -> None:
    r.md.append("## Which loops make which component self-sustaining\n")
    r.md.append(
        "A component is *self-sustaining* here if it keeps the gains a policy gave it "
        "after the policy stops. This experiment stops no policy (the `japan_2027_plan` "
        "scenarios keep the plan to the end), so the verdict comes from the "
        "`policy_withdrawal` experiment (the 2027 plan switched off after 5 years), read "
        "from its results folder beside this one.\n")
    sib = r.folder.parent / "policy_withdrawal"
    try:
        data = load_results(sib)
    except ReportError as e:
        r.md.append(f"Not available: {e}.\n")
        return
    sc = pd.DataFrame(data["manifest"].get("scenarios") or []).set_index("index") \
        if data["manifest"].get("scenarios") else None
    if sc is None or "parameters" not in sc:
        r.md.append("Not available: the policy_withdrawal manifest has no resolved "
                       "parameters.\n")
        return
    m = data["manifest"]
    r.md.append(f"Source: `{sib.name}/` (git commit `{m.get('git_commit')}`, "
                   f"{len(data['runs'])} runs, fingerprint `{m.get('fingerprint')}`).\n")
    _self_sustaining_section(r, data["runs"], sc, data["timeseries"], prefix="maturation_",
                             folder=sib)


@section("policy withdrawal", order=55, applies=_withdrawal)
def policy_withdrawal(r: Report) -> None:
    """Self-sustaining gains after a plan stops (scenarios: kept / withdrawn / never)."""
    r.md.append("## Does the ecosystem keep the plan's gains? Self-sustaining "
                "components\n")
    _self_sustaining_section(r, r.runs, r.scen, r.ts, prefix="")


def _self_sustaining_section(r: Report, runs: pd.DataFrame, sc: pd.DataFrame,
                             ts: pd.DataFrame | None, prefix: str,
                             folder: Path | None = None) -> None:
    steps = int(runs["steps"].max())
    stops = {t["stop"] for t in MAT.withdrawal_triplets(sc, steps)}

    def at_stop_and_end(series: pd.DataFrame) -> pd.DataFrame:
        cols = ["run_id", "step"] + [c for c in series if c.startswith("maturity_")]
        keep = series["step"].isin(stops | {int(series["step"].max())})
        return series.loc[keep, cols].reset_index(drop=True)

    ts = r.per_run("self_sustaining_series.csv", at_stop_and_end, folder=folder, ts=ts,
                      runs=runs)
    tab = MAT.self_sustaining_table(runs, sc, steps, ts)
    if tab.empty:
        r.md.append("No maturity indices in these runs.\n")
        return
    stop = int(tab["stop_step"].iloc[0])
    start = int(MAT.withdrawal_triplets(sc, steps)[0]["start"])
    after = (steps - stop) / MAT.STEPS_PER_YEAR
    has_ts = "trend" in tab
    r.md.append(
        f"The plan runs from step {start} to step {stop} in the withdrawn scenario, to the "
        f"end (step {steps}) in the kept one, and never in the third. Criterion, per "
        f"component and loop setting, from the index at the end of the run ({after:g} "
        "years after the stop), paired by replicate (same seeds): **gain kept** (self-"
        "sustaining) when withdrawn − never and kept − never both have a 95% interval above 0 (**above the no-plan run (the kept plan is not)** when only withdrawn − never does); **gain lost** when "
        "that interval includes 0 while kept − never is above 0 (the component fell back "
        "to the no-plan path); **below the no-plan run** when withdrawn − never is below "
        "0; **no gain to keep** when neither the kept nor the withdrawn plan leaves the "
        "component above the no-plan run by a resolved amount. *Loops on − off* is "
        "(withdrawn − never) with the loops on minus the same with every loop at 0: what "
        "the feedback loops add to the gain that survives.\n")
    if has_ts:
        r.md.append(
            f"*After the stop*: the withdrawn run's own index at step {steps} minus at step "
            f"{stop} (paired within runs): **keeps rising** / **falls back** when the "
            "interval is above / below 0, **holds** when it is exactly 0 in every run, "
            "**not resolved** otherwise.\n")
    else:
        r.md.append(
            "The time series are not in this folder (`timeseries.parquet` is not "
            f"shipped), so whether an index keeps rising after step {stop} (its own "
            "change from the stop to the end) is not computed; the verdict uses the end "
            "values only.\n")

    def cell(v) -> str:
        return _ci_star(pd.Series(v)) if isinstance(v, dict) else "–"

    header = ["component", "loops", "kept − never", "withdrawn − never", "verdict",
              "loops on − off"]
    if has_ts:
        header += ["gap at stop", "change after stop", "after the stop"]
    body, rows = [], []
    for _, x in tab.iterrows():
        line = [x["component"], x["loops"], cell(x["kept_minus_never"]),
                cell(x["withdrawn_minus_never"]), x["verdict"],
                cell(x.get("loops_effect"))]
        if has_ts:
            line += [cell(x["gap_at_stop"]), cell(x["change_after_stop"]), x["trend"]]
        body.append(line)
        rec = {"component": x["component"], "loops": x["loops"], "verdict": x["verdict"]}
        for k in ("kept_minus_never", "withdrawn_minus_never", "loops_effect",
                  "gap_at_stop", "change_after_stop"):
            v = x.get(k)
            if isinstance(v, dict):
                rec.update({f"{k}_{s}": v[s] for s in ("mean", "ci_low", "ci_high", "n")})
        if has_ts:
            rec["trend"] = x["trend"]
        rows.append(rec)
    body.sort(key=lambda x: (MAT.COMPONENTS.index(x[0]), x[1] != "on"))
    r.table_csv(rows, f"{prefix}self_sustaining.csv")
    n = int(runs.groupby("scenario_index")["replicate"].nunique().min())
    r.table(f"{prefix}self_sustaining", header, body,
            "Self-sustaining components: the plan's gain in each maturity index (0-1) at the "
            f"end of the run, {after:g} years after the stop (paired differences over "
            f"n = {n} replicates, mean and 95% t-interval; * excludes 0)"
            + ("; after the stop: the withdrawn run's own change from the stop to the end"
               if has_ts else ""))
    kept = [f"{b[0]} (loops {b[1]})" for b in body if b[4] == "gain kept"]
    above = [f"{b[0]} (loops {b[1]})" for b in body if b[4].startswith("above")]
    if not prefix:  # (a sibling folder's finding is its own report's)
        r.findings.append(("After the plan stops, the gain is kept (self-sustaining) in: "
                           + ", ".join(kept) + "." if kept else
                           "No component keeps a resolved gain of the plan after it stops.")
                          + (" Above the no-plan run although the kept plan is not: "
                             + ", ".join(above) + "." if above else ""))
    r.md.append(
        ("Gain kept: " + ", ".join(kept) + "." if kept else
         "No component keeps a resolved gain of the kept plan at the end of the run.")
        + (" Above the no-plan run after the withdrawal although the kept plan is not: "
           + ", ".join(above) + "." if above else "")
        + " Each index moves only through its own loop's state (docs/ODD.md 7.19; "
        "industry's also with incumbents' entry and exit), and that state is fed by "
        "outcomes every loop shapes; these runs switch all six loops together, so they "
        "cannot say which single loop carries a gain (that needs runs with one loop on at "
        "a time, which this experiment does not contain).\n")


