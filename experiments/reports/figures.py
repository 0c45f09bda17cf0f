"""The figures' style and layout, and the figures every report draws for its headline
scenarios: time series with bands (in years), exit mix, distributions, metrics over
replicates and the network aggregated by kind of agent.

Each figure is a function of the width it is drawn at (:meth:`Report.figure` draws it at the
double-column width for the report and for papers, and at the single-column width when it
reads there too)."""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np
import pandas as pd

from abm import palette
from abm.outputs import OUTPUTS

from ..stats import t_half_width
from .context import Report
from .fmt import bounds
from .registry import section

FIG_RC = {
    "axes.prop_cycle": __import__("cycler").cycler(color=list(palette.SEQUENCE)),
    "font.size": 8, "axes.titlesize": 8.5, "axes.labelsize": 8, "legend.fontsize": 7,
    "xtick.labelsize": 7, "ytick.labelsize": 7, "axes.spines.top": False,
    "axes.spines.right": False, "axes.grid": True, "grid.alpha": 0.3, "savefig.dpi": 150,
    "pdf.fonttype": 42, "figure.constrained_layout.use": False,
}
"""The figures' matplotlib style: Okabe-Ito colours (:mod:`abm.palette`, the app's too), font
sizes for a journal page (8 pt text at the printed width), embedded TrueType fonts in the
PDFs."""


def axis_label(name: str) -> str:
    """A y-axis label: the declared unit of an output (shares in percent of 1)."""
    o = OUTPUTS.get(name)
    if o is None:
        return ""
    return "share (0-1)" if o.kind == "share" else o.unit


def panels(n: int, width: float, *, max_cols: int = 3, aspect: float = 0.72,
           min_panel: float = 2.2, extra_height: float = 0.0, **kw):
    """A figure ``width`` inches wide with ``n`` panels, as many columns as fit panels at
    least ``min_panel`` inches wide (at most ``max_cols``); panel height ``aspect`` times its
    width. Returns ``(fig, axes)`` (a 2-D array; unused panels removed)."""
    import matplotlib.pyplot as plt

    ncol = max(1, min(max_cols, n, int(width // min_panel)))
    nrow = math.ceil(n / ncol)
    fig, axes = plt.subplots(nrow, ncol, squeeze=False, **kw,
                             figsize=(width, nrow * aspect * width / ncol + extra_height))
    for ax in list(axes.flat)[n:]:
        ax.remove()
    return fig, axes


def _legend_below(fig, handles, width: float) -> None:
    """A legend under the panels, as many columns as fit."""
    ncol = max(1, min(len(handles), int(width // 1.4)))
    rows = math.ceil(len(handles) / ncol)
    fig.legend(handles=handles, loc="lower center", ncol=ncol, frameon=False)
    fig.tight_layout(rect=(0, (0.12 + 0.17 * rows) / fig.get_figheight(), 1, 1))


@section("figures", order=90,
         applies=lambda r: r.figures and bool(r.headline_scenarios()))
def common_figures(r: Report) -> None:
    show = r.headline_scenarios()
    r.md.append("## Figures\n")
    r.progress("figure: time series")
    timeseries(r, show)
    r.progress("figure: exit mix")
    exit_mix(r, show)
    r.progress("figures: distributions")
    distributions(r, show)
    r.progress("figure: metrics by scenario")
    metric_boxes(r, show)
    if r.network:
        from .network import network_section

        network_section(r, show)


def policy_starts(r: Report, show: Sequence[int]) -> dict[int, int]:
    """Scenario -> the step its scheduled plan starts, for plans that start in the run."""
    steps = int(r.runs["steps"].max())
    out = {}
    for idx in show:
        start = r.param(idx, "plan_start_step")
        if start is not None and 0 < int(start) <= steps:
            out[idx] = int(start)
    return out


def series_bands(r: Report, show: Sequence[int]) -> pd.DataFrame | None:
    """Per headline scenario, step and series: the mean over replicates and its 95%
    t-interval (clipped to the series' range); kept as tables/timeseries_bands.csv so a
    folder without the time series redraws the figure."""
    def compute(ts: pd.DataFrame) -> pd.DataFrame:
        ts = ts.merge(r.runs[["run_id", "scenario_index"]], on="run_id")
        ts = ts[ts["scenario_index"].isin(show)]
        frames = []
        for s in [s for s in r.series if s in ts.columns]:
            g = ts.groupby(["scenario_index", "step"])[s]
            m, sd, n = g.mean(), g.std(ddof=1), g.count()
            h = t_half_width(sd, n)
            lo, hi = bounds(s)
            frames.append(pd.DataFrame({"series": s, "mean": m,
                                        "ci_low": np.clip(m - h, lo, hi),
                                        "ci_high": np.clip(m + h, lo, hi), "n": n})
                          .reset_index())
        cols = ["scenario_index", "step", "series", "mean", "ci_low", "ci_high", "n"]
        return pd.concat(frames, ignore_index=True)[cols] if frames else \
            pd.DataFrame(columns=cols)
    return r.from_series("timeseries_bands.csv", compute)


def timeseries(r: Report, show: list[int]) -> None:
    bands = series_bands(r, show) if r.series else None
    if bands is None:
        if r.series:
            r.kept_figure("timeseries")
        return
    bands = bands[bands["scenario_index"].isin(show)]
    # no empty panels: a series that is absent or never finite is left out (and said so)
    series = [s for s in r.series if np.isfinite(bands.loc[bands["series"] == s, "mean"]).any()]
    missing = [s for s in r.series if s not in series]
    if missing:
        r.md.append("Time series not drawn (not collected or no values): "
                    + ", ".join(f"`{s}`" for s in missing) + ".\n")
    if not series:
        return
    starts = policy_starts(r, show)
    x_of, xlabel, burn = r.time_axis(show)
    x0 = x_of(1) - (0.25 if xlabel == "year" else 0.0)

    def draw(width: float):
        from matplotlib.lines import Line2D
        from matplotlib.patches import Patch

        narrow = width < 5
        if narrow and len(series) > 6:
            return None  # too many panels for a single column: the double-column one only
        fig, axes = panels(len(series), width, aspect=0.72, sharex=True,
                           min_panel=1.6 if narrow else 2.2)
        axs = list(axes.flat)[:len(series)]
        for ax, s in zip(axs, series):
            ax.axvspan(x0, burn, color=palette.BURN_IN, lw=0, zorder=0)
            for k, idx in enumerate(show):
                colour = palette.cycle(k)
                b = bands[(bands["scenario_index"] == idx) & (bands["series"] == s)]
                x = x_of(b["step"].to_numpy(dtype=float))
                ax.plot(x, b["mean"], lw=1.1, color=colour)
                ax.fill_between(x, b["ci_low"], b["ci_high"], alpha=0.2, color=colour, lw=0)
                if idx in starts:
                    ax.axvline(x_of(starts[idx]), color=colour, ls=":", lw=1.1)
            ax.set_title(OUTPUTS[s].label if s in OUTPUTS else s)
            ax.set_ylabel(axis_label(s))
        ncol = axes.shape[1]
        for ax in axs[-ncol:]:
            ax.set_xlabel(xlabel)
            ax.xaxis.set_tick_params(labelbottom=True)
        handles = [Line2D([], [], color=palette.cycle(k), lw=1.5, label=r.name(i))
                   for k, i in enumerate(show)]
        handles.append(Patch(color=palette.BURN_IN, label="burn-in"))
        if starts:
            handles.append(Line2D([], [], color="#555555", ls=":", label="policy plan starts"))
        _legend_below(fig, handles, width)
        return fig

    n = int(bands["n"].min()) if len(bands) else 0
    r.figure("timeseries", draw,
             f"Time series of the headline scenarios: mean over n = {n} replicates per "
             "quarter (line) and its 95% t-interval (band, clipped to the series' possible "
             f"range), in each series' unit (y-axis); x: {xlabel}, the burn-in shaded"
             + ("; dotted: a policy plan starts" if starts else ""))


def exit_mix(r: Report, show: list[int]) -> None:
    cols = [c for c in ("exits_ipo", "exits_ma", "failures") if c in r.runs]
    if not cols:
        return
    means = np.array([[r.values(i, c).mean() for c in cols] for i in show])
    tot = means.sum(axis=1, keepdims=True)
    shares = np.divide(means, tot, out=np.zeros_like(means), where=tot > 0)
    names = [r.name(i) for i in show]
    colours = [palette.SERIES.get(c, palette.cycle(j)) for j, c in enumerate(cols)]

    def draw(width: float):
        import matplotlib.pyplot as plt

        two = width > 5
        h = 0.35 * len(show) + 1.2
        fig, axes = plt.subplots(1 if two else 2, 2 if two else 1,
                                 figsize=(width, h if two else 2 * h), squeeze=False)
        for ax, data, title, xlabel in (
                (axes.flat[0], means, "Exits and failures after the burn-in",
                 "startups (mean over replicates)"),
                (axes.flat[1], shares, "Share of outcomes", "share of exits and failures")):
            left = np.zeros(len(show))
            for j, c in enumerate(cols):
                ax.barh(names, data[:, j], left=left, label=OUTPUTS[c].label,
                        color=colours[j])
                left += data[:, j]
            ax.set_title(title)
            ax.set_xlabel(xlabel)
            ax.grid(axis="y", visible=False)
        axes.flat[1].legend(loc="upper center", bbox_to_anchor=(0.5, -0.28 if two else -0.2),
                            ncol=len(cols), fontsize=6.5, frameon=False)
        fig.tight_layout()
        return fig

    r.figure("exit_mix", draw,
             f"Exits (IPO, M&A) and failures of startups after the burn-in, by scenario: "
             f"mean count over n = {r.n_replicates()} replicates (first panel) and as shares "
             "of all outcomes (second panel)")


def distributions(r: Report, show: list[int]) -> None:
    if r.dist is None or r.dist.empty:
        if (r.figdir / "distributions.png").exists():
            r.md.append("![distributions](figures/distributions.png)\n")
            r.md.append("(Drawn from `distributions.parquet` when the runs were made; this "
                        "folder does not keep it, so the figure is not redrawn.)\n")
        return
    d = r.dist.merge(r.runs[["run_id", "scenario_index"]], on="run_id")

    def draw(width: float):
        import matplotlib.pyplot as plt

        two = width > 5
        fig, axes = plt.subplots(1 if two else 2, 2 if two else 1, squeeze=False,
                                 figsize=(width, 2.6 if two else 4.8))
        ax0, ax1 = axes.flat
        for k, idx in enumerate(show):
            dm = d[(d["scenario_index"] == idx) & (d["kind"] == "deal_multiple")]["value"]
            if len(dm):
                v = dm.to_numpy()
                lost = float(np.mean(v <= 1e-6))
                v = np.log10(v[v > 1e-6])
                if v.size:
                    ax0.hist(v, bins=40, histtype="step", density=True,
                             color=palette.cycle(k), label=f"{r.name(idx)} ({lost:.0%} "
                                                           "written off)")
            fs = d[(d["scenario_index"] == idx)
                   & d["kind"].isin(["startup_size", "incumbent_size"])]["value"].to_numpy()
            fs = np.sort(fs[fs > 0])
            if fs.size:
                ax1.loglog(fs, 1.0 - np.arange(fs.size) / fs.size, lw=1, label=r.name(idx),
                           color=palette.cycle(k))
        ax0.set_title("Realised deal multiples above 0")
        ax0.set_xlabel("log10(proceeds / cost); 0 = money back")
        ax0.set_ylabel("density")
        ax0.axvline(0, color="k", lw=0.6)
        ax1.set_title("Firm size at the end of the run")
        ax1.set_xlabel("headcount (workers)")
        ax1.set_ylabel("share of firms at least this large")
        for ax in (ax0, ax1):
            if ax.get_legend_handles_labels()[0]:
                ax.legend(fontsize=6)
        fig.tight_layout()
        return fig

    r.figure("distributions", draw,
             "Distributions pooled over the replicates of each scenario: realised deal "
             "multiples of fund positions after the burn-in (first panel; log10 of proceeds "
             "over cost, positions written off counted in the legend) and firm headcounts at "
             "the end of the run (second panel; share of firms at least this large, log-log)")


def metric_boxes(r: Report, show: list[int]) -> None:
    metrics = r.metrics[:12]
    if not metrics:
        return

    def draw(width: float):
        fig, axes = panels(len(metrics), width, max_cols=4, aspect=0.8, min_panel=1.7)
        for ax, metric in zip(axes.flat, metrics):
            data = [r.values(i, metric).dropna().to_numpy() for i in show]
            ax.boxplot(data, showmeans=True, flierprops={"markersize": 2},
                       meanprops={"markersize": 3})
            ax.set_xticks(range(1, len(show) + 1), [r.name(i) for i in show],
                          rotation=35, ha="right", fontsize=6)
            o = OUTPUTS.get(metric)
            ax.set_title(o.label if o else metric, fontsize=7.5)
            ax.set_ylabel(axis_label(metric), fontsize=6.5)
        fig.tight_layout()
        return fig

    r.figure("metric_distributions", draw,
             f"Each headline metric over the n = {r.n_replicates()} replicates of each "
             "scenario: box (quartiles), whiskers (1.5 IQR), median (line), mean (triangle), "
             "in the metric's unit (y-axis)", single=False)
