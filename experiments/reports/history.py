"""History runs (a preset that replays 2000-2025 from the ecosystem of 2000 with its dated
reforms): the model's history year by year, set beside the public figures in growth factors
(:mod:`abm.experiments.histories` for every country's data layer; for Japan also
experiments/japan_public_figures.toml), with the mismatches said in words."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from ..stats import mean_ci
from .context import Report
from .fmt import _ci, _f
from .registry import section

PUBLIC_FIGURES = Path(__file__).resolve().parent.parent / "japan_public_figures.toml"
"""Public yearly figures on Japan's startup ecosystem (sources inside), for the history
runs of the presets :data:`abm.experiments.histories.HISTORIES` sets beside Japan."""
PUBLIC_COUNTRY = PUBLIC_FIGURES.stem.split("_")[0]
"""The country of :data:`PUBLIC_FIGURES` (its file name says it)."""


def history_scenarios(r: Report, country: str | None = None) -> list[int]:
    """Scenarios that replay a country's history (a preset of
    :data:`abm.experiments.histories.HISTORIES`), with their loops on (the first of a loops
    on / off pair)."""
    from ..histories import HISTORIES
    from ..maturation import loops_off

    out = []
    for i in r.scen.index:
        c = HISTORIES.get(r.scen.loc[i, "preset"])
        params = r.scen.loc[i, "parameters"] if "parameters" in r.scen else None
        if c and (country is None or c == country) and not (isinstance(params, dict)
                                                            and loops_off(params)):
            out.append(i)
    return out


def _japan(r: Report) -> bool:
    return bool(history_scenarios(r, PUBLIC_COUNTRY)) and PUBLIC_FIGURES.exists()


@section("history beside the public figures", order=45, applies=_japan)
def japan_history(r: Report) -> None:
    """Year-by-year table of a Japan history run beside the public figures."""
    idx = history_scenarios(r, PUBLIC_COUNTRY)[0]
    start = int(r.param(idx, "start_year", 2000))
    runs = r.runs[r.runs["scenario_index"] == idx]["run_id"]
    preset = r.scen.loc[idx, "preset"]
    yearly = r.per_run(f"{preset}_yearly.csv",
                       lambda ts: yearly_table(ts[ts["run_id"].isin(runs)], start))
    if yearly is None:
        return
    yearly = yearly[yearly["run_id"].isin(runs)]
    years = [y for y in sorted(yearly["year"].unique()) if 2012 <= y <= 2025]
    if not years:
        return
    r.md.append("## Japan 2000-2025: the model's history, year by year\n")
    r.md.append(
        f"Scenario `{r.name(idx)}`: the `{preset}` preset from {start} (step 1 = "
        f"{start} Q1), with its dated reforms (docs/ODD.md 7.20). Only the starting point "
        "was calibrated (docs/calibration.md); the years 2012-2025 below are an "
        "out-of-sample result, not fitted to the public figures beside them. Model values "
        "are per calendar year (sums of the quarterly flows; the stock of unicorns and the "
        "maturity indices at the year's last quarter), mean [95% t-interval over "
        f"{runs.size} replicates]. Money is M USD in the model's ecosystem of size "
        "`scale`, not Japan's national total: read the shape (index 2012 = 1), not the "
        "level.\n")
    cols = ["vc_invested", "founded", "ipos", "acquisitions", "unicorns_to_date",
            "maturity_finance", "maturity_labor", "maturity_ties", "maturity_industry",
            "maturity_norms", "maturity_support"]
    names = {"vc_invested": "VC invested (M)", "founded": "startups founded",
             "ipos": "IPOs", "acquisitions": "M&A", "unicorns_to_date": "unicorns (ever)",
             **{c: c.replace("maturity_", "maturity: ") for c in cols[5:]}}
    body = []
    by_year = dict(tuple(yearly.groupby("year")))
    for y in years:
        row = [str(y)]
        for c in cols:
            ci = mean_ci(by_year[y][c])
            row.append(_ci(ci["mean"], ci["ci_low"], ci["ci_high"]) if c in cols[:5]
                       else _f(ci["mean"], 3))
        body.append(row)
    header = ["year"] + [names[c] for c in cols]
    r.table(preset, header, body,
            f"{preset}, 2012-2025: model values per calendar year, mean over {runs.size} "
            "replicates and 95% t-interval (flows: sums over the year's quarters; VC "
            "invested in M USD in the model's ecosystem; unicorns: cumulative count; "
            "maturity indices 0-1, means only, at the year's last quarter)")
    pub = public_figures()
    if not pub:
        return
    r.md.append("### Beside the public figures (growth factors, not levels)\n")
    r.md.append("For each public series (`experiments/japan_public_figures.toml`, "
                "sources there), its value in each year it reports divided by its "
                "value in its first reported year, beside the model's matching series "
                "divided the same way (model mean over replicates). Series that start "
                "before 2012 are compared from their first year too; a model "
                "ratio near the public one is agreement of shape only.\n")
    means = yearly.groupby("year").mean(numeric_only=True)
    body, spans = [], []
    for s in pub.values():
        vals_ = {int(y): float(v) for y, v in s["values"].items()}
        ys = sorted(vals_)
        y0 = ys[0]
        mcol = s.get("model") or ""
        for y in ys:
            pub_ratio = vals_[y] / vals_[y0] if vals_[y0] else math.nan
            model_ratio = math.nan
            if mcol in means and y in means.index and y0 in means.index \
                    and means.loc[y0, mcol] > 0:
                model_ratio = means.loc[y, mcol] / means.loc[y0, mcol]
                model_cell = _f(model_ratio, 3)
                level = _f(means.loc[y, mcol], 4)
            else:
                model_cell, level = "–", "–"
            body.append([s["title"], str(y), _f(vals_[y], 4), _f(pub_ratio, 3),
                         level, model_cell])
        last = ys[-1]
        if len(ys) > 1 and mcol in means and last in means.index and y0 in means.index \
                and means.loc[y0, mcol] > 0 and vals_[y0]:
            spans.append((s["title"], y0, last, vals_[last] / vals_[y0],
                          means.loc[last, mcol] / means.loc[y0, mcol]))
    r.table(None, ["public series", "year", "public value", "public / first year",
                   "model value", "model / first year"], body,
            "Public series beside the model's matching series: values (public: the series' "
            "unit; model: mean over replicates, model units) and growth factors over each "
            "series' first reported year", tex=False)
    r.md.append("The model's unicorns count every startup that ever reached the "
                "valuation (a cumulative count, listed or acquired ones included); the "
                "public counts are of unlisted unicorns at the time, so only the "
                "direction of change is comparable. ")
    r.md.append("No public yearly series of startups founded (in the model's sense: "
                "ventures that seek risk capital) or of startup acquisitions was found "
                "for the period; those columns have no public counterpart here.\n")
    _mismatch(r, preset, spans)


def _mismatch(r: Report, preset: str, spans: list[tuple]) -> None:
    """Say in words where the model's growth differs from the public figures' (a factor of
    2 or more over a series' span), for the narrative's caveats."""
    slow = [(t, y0, y1, p, m) for t, y0, y1, p, m in spans
            if "unicorn" not in t.lower() and m > 0 and p / m >= 2]
    fast = [(t, y0, y1, p, m) for t, y0, y1, p, m in spans
            if "unicorn" not in t.lower() and p > 0 and m / p >= 2]
    opposite = [t for t, y0, y1, p, m in spans
                if "unicorn" not in t.lower() and (p - 1) * (m - 1) < 0]
    if slow:
        ratios = [p / m for *_, p, m in slow]
        detail = "; ".join(f"{t}, {y0}-{y1}: public x{_f(p, 3)}, model x{_f(m, 3)}"
                           for t, y0, y1, p, m in slow)
        lo, hi = _f(min(ratios), 2), _f(max(ratios), 2)
        r.cautions.append(
            f"The `{preset}` run grows {lo if lo == hi else f'{lo}-{hi}'} times more "
            f"slowly than the public figures in {len(slow)} of {len(spans)} public series "
            f"(growth factor over each series' span: {detail}). "
            + ("It moves in the public series' direction in each of them, not at their pace"
               if not opposite else
               f"It even moves against the public series in {len(opposite)}: "
               + ", ".join(opposite))
            + ": read its policy effects as relative, not as forecasts of the country's "
            "levels.")
    elif opposite:
        r.cautions.append(f"The `{preset}` run moves against the public figures in "
                          f"{len(opposite)} series: {', '.join(opposite)}.")
    if fast:
        detail = "; ".join(f"{t}, {y0}-{y1}: public x{_f(p, 3)}, model x{_f(m, 3)}"
                           for t, y0, y1, p, m in fast)
        r.cautions.append(f"The `{preset}` run grows at least twice as fast as the public "
                          f"figures in {len(fast)} series ({detail}).")
    if spans and not slow and not fast:
        r.findings.append(f"The `{preset}` run's growth factors are within a factor of 2 of "
                          f"the public figures in all {len(spans)} comparable series.")


@section("history beside the data layer", order=46,
         applies=lambda r: bool(history_scenarios(r)))
def histories_beside_data(r: Report) -> None:
    """Every history scenario beside its country's data layer
    (:func:`abm.experiments.histories.section`)."""
    from .. import histories

    start = len(r.md)
    histories.section(r)
    at = [k for k in range(start, len(r.md)) if r.md[k].startswith("| series | year |")]
    numbers = range(r._tables + 1, r._tables + 1 + len(at))
    r._tables += len(at)
    for k, n in reversed(list(zip(at, numbers))):  # its tables get captions like the others'
        r.md.insert(k, f"*Table {n}. A history run beside its country's public series: "
                       "public value (the series' unit) and growth factor over the series' "
                       "first year in the run, beside the model's growth factor over the same "
                       "years (mean and 2.5-97.5% range over the runs); calibration / "
                       "held-out years marked.*\n")


def yearly_table(ts: pd.DataFrame, start_year: int) -> pd.DataFrame:
    """Per run and calendar year (``start_year + (step - 1) // 4``): sums of the quarterly
    flows (``vc_invested`` = independent + corporate + government VC, ``founded``,
    ``ipos``, ``acquisitions``) and the year's last value of the stocks
    (``unicorns_to_date``, ``maturity_*``)."""
    ts = ts.copy()
    ts["year"] = start_year + (ts["step"] - 1) // 4
    ts["vc_invested"] = ts["vc_independent"] + ts["vc_corporate"] + ts["vc_government"]
    flows = ["vc_invested", "founded", "ipos", "acquisitions"]
    stocks = [c for c in ts.columns if c == "unicorns_to_date" or c.startswith("maturity_")]
    g = ts.sort_values("step").groupby(["run_id", "year"])
    out = g[flows].sum().join(g[stocks].last())
    full = g["step"].count() == 4
    return out[full].reset_index()


def public_figures() -> dict[str, dict]:
    """The public series of ``experiments/japan_public_figures.toml`` (sources inside)."""
    import tomllib

    path = Path(__file__).resolve().parent / "japan_public_figures.toml"
    if not path.exists():
        return {}
    return tomllib.loads(path.read_text(encoding="utf-8"))




def public_figures() -> dict[str, dict]:
    """The public series of experiments/japan_public_figures.toml (sources inside)."""
    import tomllib

    if not PUBLIC_FIGURES.exists():
        return {}
    return {k: v for k, v in tomllib.loads(PUBLIC_FIGURES.read_text(encoding="utf-8")).items()
            if isinstance(v, dict)}
