"""History runs beside the country data layer (issue 29 item 2).

``us_history``, ``korea_history`` and ``japan_history`` replay 2000-2025 from each ecosystem
of 2000. This module sets a history run's yearly series beside the country's public series
(:mod:`abm.data_layer`): per series and year, the public value and its growth factor from the
series' first year in the run, beside the model's growth factor over the same years (mean and
95% interval over the runs, i.e. seeds, and posterior draws once runs carry them). Levels are
not compared: the model's money is M USD in an ecosystem of size ``scale`` and its counts
scale with it, so only growth factors are comparable. Each row is marked ``calibration``
(year <= 2015, may be used to calibrate) or ``held out`` (later), and ``input`` where the
series is driven directly by a parameter that follows a public series (the preset's
``dated_series``, :data:`DRIVES`): such a row checks the mechanism, not the model's
out-of-sample fit.

:func:`section` writes the Markdown section and the CSV for every history scenario of a
report (:class:`abm.experiments.report.Report` calls it: one line).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from abm import data_layer as D

HISTORIES = {"us_history": "us", "korea_history": "korea", "japan_history": "japan"}
"""History presets and the country whose data they are set beside."""

MODEL_COLUMNS = {"vc_invested": "vc_invested", "vc_deals": "rounds", "ipos": "ipos",
                 "acquisitions": "acquisitions", "unicorns": "unicorns_to_date"}
"""Data-layer ``model`` key -> column of the yearly table (:func:`yearly`)."""

DRIVES = {"lp_capital_per_year": ("vc_invested", "vc_deals"), "ipo_window_open": ("ipos",),
          "ipo_propensity": ("ipos",), "ma_market_depth": ("acquisitions",),
          "gov_vc_budget": ("vc_invested", "vc_deals"), "grant_budget": ()}
"""Dated-series parameter -> the data-layer ``model`` keys it drives directly: a comparison
row of such a key is marked ``input`` (it checks the mechanism, not an out-of-sample fit)."""

NOTES = {"unicorns": "model: every startup that ever reached the valuation (cumulative); "
                     "data: unlisted unicorns at the time (a stock)"}

FLOWS = ("vc_invested", "founded", "ipos", "acquisitions", "rounds")


def yearly(ts: pd.DataFrame, start_year: int) -> pd.DataFrame:
    """Per run and calendar year: sums of the quarterly flows (``vc_invested`` = independent
    + corporate + government VC, ``founded``, ``ipos``, ``acquisitions``, ``rounds``) and the
    year's last ``unicorns_to_date``; years with fewer than four quarters are left out."""
    ts = ts.copy()
    ts["year"] = start_year + (ts["step"] - 1) // 4
    ts["vc_invested"] = ts["vc_independent"] + ts["vc_corporate"] + ts["vc_government"]
    flows = [c for c in FLOWS if c in ts]
    g = ts.sort_values("step").groupby(["run_id", "year"])
    out = g[flows].sum()
    if "unicorns_to_date" in ts:
        out = out.join(g[["unicorns_to_date"]].last())
    full = g["step"].count() == 4
    return out[full].reset_index()


def comparison(table: pd.DataFrame, country: str, driven: tuple[str, ...] = (),
               first_year: int | None = None) -> pd.DataFrame:
    """The country's public series beside a history run, in growth factors.

    Args:
        table: :func:`yearly` of the runs (one row per run and year).
        country: a :data:`abm.data_layer.COUNTRIES` entry.
        driven: data-layer ``model`` keys the preset's dated series drive (:data:`DRIVES`).
        first_year: leave out earlier years (:func:`section` passes the first year after the
            model's burn-in, ``start_year + BURN_IN // 4``: the startup population is still
            building up from its initial state before it).

    Returns:
        One row per series and dated year within the run's years: ``series``, ``title``,
        ``year``, ``use`` (``calibration`` / ``held out``), ``input``, ``data``,
        ``data_factor`` (over the series' first year in the run), ``model_mean`` (level),
        ``model_factor``, ``model_low``, ``model_high`` (2.5% / 97.5% over runs),
        ``runs``, ``note``.
    """
    cols = ["series", "title", "year", "use", "input", "data", "data_factor", "model_mean",
            "model_factor", "model_low", "model_high", "runs", "note"]
    rows: list[dict[str, Any]] = []
    years_run = set(int(y) for y in table["year"].unique()) if len(table) else set()
    if first_year is not None:
        years_run = {y for y in years_run if y >= first_year}
    for name, s in D.load(country).series.items():
        col = MODEL_COLUMNS.get(s.model)
        if col is None or col not in table:
            continue
        vals = {y: v for y, v in s.yearly().items() if y in years_run}
        if len(vals) < 2:
            continue
        y0 = min(vals)
        wide = table.pivot_table(index="run_id", columns="year", values=col, aggfunc="first")
        base = wide[y0]
        for y in sorted(vals):
            with np.errstate(divide="ignore", invalid="ignore"):
                f = (wide[y] / base).replace([np.inf, -np.inf], np.nan).dropna()
            rows.append({
                "series": name, "title": s.title, "year": y,
                "use": "held out" if D.held_out(y) else "calibration",
                "input": s.model in driven,
                "data": vals[y], "data_factor": vals[y] / vals[y0] if vals[y0] else math.nan,
                "model_mean": float(wide[y].mean()),
                "model_factor": float(f.mean()) if len(f) else math.nan,
                "model_low": float(f.quantile(0.025)) if len(f) else math.nan,
                "model_high": float(f.quantile(0.975)) if len(f) else math.nan,
                "runs": int(len(f)), "note": NOTES.get(s.model, "")})
    return pd.DataFrame(rows, columns=cols)


def _fmt(x: float, digits: int = 3) -> str:
    return "–" if x is None or not math.isfinite(x) else f"{x:.{digits}g}"


def markdown(comp: pd.DataFrame) -> str:
    """The comparison as a Markdown table."""
    head = ("| series | year | use | public value | public factor | model factor "
            "[95% over runs] | runs |\n|---|---|---|---|---|---|---|")
    body = []
    for r in comp.itertuples():
        use = r.use + (", input" if r.input else "")
        body.append(f"| {r.title} | {r.year} | {use} | {_fmt(r.data, 4)} | "
                    f"{_fmt(r.data_factor)} | {_fmt(r.model_factor)} [{_fmt(r.model_low)}, "
                    f"{_fmt(r.model_high)}] | {r.runs} |")
    return "\n".join([head] + body)


def section(report) -> None:
    """Append the 'beside the data layer' section of every history scenario to ``report``
    (an :class:`abm.experiments.reports.context.Report`: reads ``scen``, ``runs``, ``tables``,
    ``md``, ``files``, ``name``, ``per_run``)."""
    from abm.constants import BURN_IN
    from abm.presets import preset_dated_series

    if "preset" not in report.scen:
        return
    for idx in report.scen.index:
        preset = report.scen.loc[idx, "preset"]
        if preset not in HISTORIES:
            continue
        params = report.scen.loc[idx, "parameters"] if "parameters" in report.scen else None
        start = int(params.get("start_year", 2000)) if isinstance(params, dict) else 2000
        runs = report.runs[report.runs["scenario_index"] == idx]["run_id"]
        # the yearly table per run, kept under tables/ so that a folder without the time
        # series (the shipped ones) reports it too (Report.per_run)
        table = report.per_run(f"{report.name(idx)}_yearly_runs.csv",
                               lambda ts: yearly(ts[ts["run_id"].isin(runs)], start))
        if table is None:
            continue
        table = table[table["run_id"].isin(runs)]
        country = HISTORIES[preset]
        driven = tuple(k for n in preset_dated_series(preset) for k in DRIVES.get(n, ()))
        first = start + getattr(report, "burn_in", BURN_IN) // 4  # the spec's burn-in
        comp = comparison(table, country, driven, first_year=first)
        stem = f"{report.name(idx)}_beside_data"
        path = report.tables / f"{stem}.csv"
        comp.to_csv(path, index=False)
        report.files.append(path)
        report.md.append(f"## `{report.name(idx)}` beside the data layer ({country})\n")
        report.md.append(
            f"The `{preset}` run from {start} set beside the public series of "
            f"`abm/data/countries/{country}.toml` (sources there; docs/data.md). Growth "
            "factors, not levels: each public value over the series' first value within the "
            "run's years, beside the model's matching series over the same year (mean and "
            f"2.5-97.5% range over {runs.size} runs). The years before {first} are the "
            "model's burn-in (the startup population builds up from its initial state) and "
            "are left out. `calibration` years (<= "
            f"{D.CALIBRATION_LAST_YEAR}) may be used to calibrate, `held out` years may not; "
            "`input` marks a series the preset's dated series drive directly (LP money drives "
            "VC invested and deals, the listing propensity IPOs): its row checks the mechanism, not "
            "the model out of sample. "
            + ("Unicorns: " + NOTES["unicorns"] + ". " if (comp["note"] != "").any() else "")
            + "\n")
        if comp.empty:
            report.md.append("No public series overlaps the run's years in two or more "
                             "years.\n")
        else:
            report.md.append(markdown(comp) + "\n")
