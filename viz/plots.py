"""Time-series panels of one run, or of two runs overlaid (compare mode), and table formatting.

One matplotlib figure with six panels, built with :class:`matplotlib.figure.Figure` (no pyplot
state, so it is safe in the server's threads). In compare mode both runs share each panel:
colour = series, line style = run (A solid, B dashed). Colours come from
:data:`abm.palette.SERIES` (Okabe-Ito, colour-blind-safe; the paper figures use the same);
legends and axis units from :data:`abm.outputs.OUTPUTS`. The burn-in (the first
``abm.constants.BURN_IN`` steps, which the summary metrics leave out) is shaded.

Drawing cost matters here (the Play loop redraws every frame): text is most of it, so each
panel has few ticks and one legend.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from abm import palette
from abm.constants import BURN_IN
from abm.outputs import format_value, is_share, unit_text
from abm.outputs import label as label_of

LINESTYLES = ("-", "--", ":")

PANELS: tuple[tuple[str, tuple[str, ...], str, str], ...] = (
    # (title, columns, transform, y-axis label); colours from abm.palette.SERIES
    ("Startups operating", ("active_startups", "public_startups"), "", "startups"),
    ("Founded and failed per quarter", ("founded", "failed"), "", "startups per quarter"),
    ("Exits by route (cumulative)", ("ipos", "acquisitions"), "cumsum", "startups"),
    ("VC invested per quarter by fund kind",
     ("vc_independent", "vc_corporate", "vc_government"), "", "M per quarter"),
    ("Incumbents: share of sales and HHI", ("incumbent_sales_share", "hhi"), "",
     "share / index (0-1)"),
    ("Innovations per quarter by source",
     ("innovation_startups", "innovation_incumbents", "innovation_partnerships"), "",
     "innovations per quarter"),
)

LEGEND_FONT = 9
"""Legend font size in points (about 11 px at the page's 90 dpi)."""


def series_label(col: str) -> str:
    """A legend entry: the declared label (the app's own ``incumbent_sales_share`` column is
    the summary metric of that name, computed after every step)."""
    return label_of(col)


def timeseries_figure(runs: Sequence[tuple[str, pd.DataFrame]], figsize=(12.5, 7.0),
                      dpi: int = 90) -> Figure:
    """Six panels of the runs' time series (``(label, DataFrame)`` pairs, index = step)."""
    fig = Figure(figsize=figsize, dpi=dpi, layout=None)
    fig.subplots_adjust(left=0.06, right=0.99, bottom=0.08,
                        top=0.86 if len(runs) > 1 else 0.90, wspace=0.25, hspace=0.34)
    axes = fig.subplots(2, 3, sharex=True)
    last = 0
    for r, (_, df) in enumerate(runs):
        if df is not None and not df.empty:
            last = max(last, int(df.index.max()))
    for (title, columns, transform, ylabel), ax in zip(PANELS, axes.ravel()):
        ax.set_title(title, fontsize=11, y=1.0)
        ax.set_ylabel(ylabel, fontsize=9)
        ax.grid(alpha=0.3)
        ax.tick_params(labelsize=9)
        ax.yaxis.set_major_locator(MaxNLocator(4))
        ax.axvspan(0.5, BURN_IN + 0.5, color=palette.BURN_IN, zorder=0, lw=0)
        for r, (label, df) in enumerate(runs):
            if df is None or df.empty:
                continue
            for col in columns:
                if col not in df:
                    continue
                y = df[col].astype(float)
                if transform == "cumsum":
                    y = y.cumsum()
                ax.plot(df.index, y, color=palette.SERIES[col],
                        ls=LINESTYLES[r % len(LINESTYLES)], lw=1.6)
        handles = [Line2D([], [], color=palette.SERIES[c], lw=2.2, label=series_label(c))
                   for c in columns]
        ax.legend(handles=handles, fontsize=LEGEND_FONT, loc="upper left", frameon=True,
                  framealpha=0.8, edgecolor="none", handlelength=1.6)
        if title.startswith("Incumbents"):
            ax.set_ylim(0, 1.05)
    for ax in axes[1]:
        ax.set_xlabel("step (quarter)", fontsize=9)
        ax.xaxis.set_major_locator(MaxNLocator(5, integer=True))
    axes[0, 0].set_xlim(0.5, max(last, 4) + 0.5)
    run_handles = []
    if len(runs) > 1:
        run_handles = [Line2D([], [], color="#333333", ls=LINESTYLES[r % len(LINESTYLES)],
                              lw=1.8, label=f"{'AB'[r] if r < 2 else r}: {label}")
                       for r, (label, _) in enumerate(runs)]
    run_handles.append(Patch(color=palette.BURN_IN,
                             label=f"burn-in (steps 1-{BURN_IN}: left out of the summary)"))
    fig.legend(handles=run_handles, loc="upper center", ncols=len(run_handles),
               fontsize=LEGEND_FONT + 1, frameon=False)
    return fig


def fmt(value: float, key: str = "") -> str:
    """A metric for a table (:func:`abm.outputs.format_value`): shares as %, money and counts
    with separators."""
    return format_value(value, key)


def fmt_diff(a: float, b: float, key: str = "") -> tuple[str, str]:
    """``B - A`` and its change in percent of A, for the compare columns.

    Shares differ in percentage points (``+3.1 pp``); the percent change is "–" when A is 0
    or either value is missing.
    """
    if a is None or b is None or not (np.isfinite(a) and np.isfinite(b)):
        return "–", "–"
    d = b - a
    if is_share(key):
        diff = f"{100 * d:+.1f} pp"
    elif abs(d) >= 1000:
        diff = f"{d:+,.0f}"
    elif float(d).is_integer():
        diff = f"{int(d):+,}"
    else:
        diff = f"{d:+.3g}"
    pct = f"{100 * d / abs(a):+.0f} %" if a != 0 else "–"
    return diff, pct


def unit_of(key: str) -> str:
    """The unit shown beside a value in the app's tables ("%" for shares)."""
    return unit_text(key)


class TimeSeriesCanvas:
    """A :func:`timeseries_figure` kept between frames: each update only replaces the lines'
    data and rescales the axes, which costs about two thirds of drawing it anew (ticks,
    legends and titles are reused). One per page and set of runs; not thread-safe (the page
    draws under the session lock).

    Args:
        labels: the runs' labels, in order (A, B).
    """

    def __init__(self, labels: Sequence[str]) -> None:
        self.labels = tuple(labels)
        empty = [(lab, pd.DataFrame({c: [np.nan] for p in PANELS for c in p[1]},
                                    index=[1])) for lab in self.labels]
        self.figure = timeseries_figure(empty)
        self.axes = [ax for ax in self.figure.axes if ax.get_title()]
        self.lines: list[list[tuple[int, str, object]]] = []
        for (_, columns, _, _), ax in zip(PANELS, self.axes):
            lines = [ln for ln in ax.get_lines()]
            pairs = [(r, c) for r in range(len(self.labels)) for c in columns]
            self.lines.append([(r, c, ln) for (r, c), ln in zip(pairs, lines)])

    def update(self, runs: Sequence[tuple[str, pd.DataFrame]]) -> Figure:
        """Put the runs' series into the lines and rescale; returns the figure."""
        last = 4
        for (title, _, transform, _), ax, lines in zip(PANELS, self.axes, self.lines):
            for r, col, line in lines:
                df = runs[r][1] if r < len(runs) else None
                if df is None or df.empty or col not in df:
                    line.set_data([], [])
                    continue
                y = df[col].astype(float)
                if transform == "cumsum":
                    y = y.cumsum()
                line.set_data(df.index.to_numpy(), y.to_numpy())
                last = max(last, int(df.index.max()))
            ax.relim()
            ax.autoscale_view(scalex=False)
            if title.startswith("Incumbents"):
                ax.set_ylim(0, 1.05)
        self.axes[0].set_xlim(0.5, last + 0.5)
        return self.figure
