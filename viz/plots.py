"""Time-series panels of one run, or of two runs side by side (compare mode), and table
formatting.

One matplotlib figure, built with :class:`matplotlib.figure.Figure` (no pyplot state, so it is
safe in the server's threads). One run: six panels in a 3 x 2 grid. Compare mode: one row per
panel, run A on the left and B on the right, each on its own y-axis (neither is flattened by
the other's scale). Every panel's legend sits in a column of its own beside it (never over the
data), and every x-axis is in years (:func:`years`). Colours come from
:data:`abm.palette.SERIES` (Okabe-Ito, colour-blind-safe; the paper figures use the same);
legends and axis units from :data:`abm.outputs.OUTPUTS`. The burn-in (the first
``abm.constants.BURN_IN`` steps, which the summary metrics leave out) is shaded. Optional
replicate bands (:class:`Bands`: mean and 95% interval over seeds) are drawn under a run's line.

Drawing cost matters here (the Play loop redraws every frame): text is most of it, so each
panel has few ticks and the figure is kept between frames (:class:`TimeSeriesCanvas`).
"""

from __future__ import annotations

import textwrap
from typing import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from abm import palette
from abm.constants import BURN_IN, STEPS_PER_YEAR
from abm.outputs import format_value, is_share, unit_text
from abm.outputs import label as label_of

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

X_CHUNK = 20
"""The x-axes grow in steps of this many quarters (5 years), not at every step, so most frames
keep their ticks and only the lines are redrawn (:meth:`TimeSeriesCanvas.render`)."""
Y_HEADROOM = 0.15
"""When a series leaves its y-axis, the axis grows to the next round number (1, 2, 2.5, 5
times a power of ten) at least 15% above it: a growing series moves its axis only now and
then, and every other frame redraws only the lines."""


def nice_ceil(x: float) -> float:
    """The least of 1, 2, 2.5, 5 (times a power of ten) at or above ``x > 0``."""
    k = 10.0 ** np.floor(np.log10(x))
    for m in (1.0, 2.0, 2.5, 5.0, 10.0):
        if m * k >= x * (1 - 1e-12):
            return float(m * k)
    return float(10 * k)

BAND_ALPHA = 0.2
"""Opacity of a replicate band (mean and 95% interval over seeds)."""


LEGEND_WRAP = 20
"""Legend entries are wrapped at this many characters (the legend column is narrow)."""


def series_label(col: str) -> str:
    """A legend entry: the declared label (the app's own ``incumbent_sales_share`` column is
    the summary metric of that name, computed after every step), wrapped to the legend
    column."""
    return wrap(label_of(col))


def wrap(text: str) -> str:
    return textwrap.fill(text, LEGEND_WRAP)


def years(steps, start_year: int | None = None):
    """Steps (quarters) on the x-axis in years: ``step / 4`` years since the start, or the
    calendar year ``start_year + step / 4`` (step 4 ends the first year)."""
    x = np.asarray(steps, dtype=float) / STEPS_PER_YEAR
    return x + start_year if start_year is not None else x


def x_label(start_year: int | None) -> str:
    return "year" if start_year is not None else "years since the start"


class Bands:
    """Replicate bands of one run's series: per column, the mean over seeds and a 95%
    t-interval of the mean (:func:`abm.experiments.stats.t_half_width`), per step, clipped at 0
    (every series drawn is non-negative).

    Args:
        mean, low, high: DataFrames indexed by step, one column per series.
        n: number of seeds.
    """

    def __init__(self, mean: pd.DataFrame, low: pd.DataFrame, high: pd.DataFrame,
                 n: int) -> None:
        self.mean, self.low, self.high, self.n = mean, low, high, int(n)

    @classmethod
    def from_series(cls, frames: Sequence[pd.DataFrame]) -> "Bands":
        """Bands over replicate time series (one DataFrame per seed, index = step); the
        ``cumsum`` panels are summed per replicate before the mean is taken."""
        from abm.experiments.stats import t_half_width

        cols = sorted({c for p in PANELS for c in p[1]} & set().union(*[f.columns
                                                                         for f in frames]))
        stacked = {}
        for c in cols:
            cum = any(c in p[1] and p[2] == "cumsum" for p in PANELS)
            per = pd.concat([(f[c].astype(float).cumsum() if cum else f[c].astype(float))
                             for f in frames if c in f], axis=1)
            stacked[c] = per
        mean = pd.DataFrame({c: v.mean(axis=1) for c, v in stacked.items()})
        half = pd.DataFrame({c: t_half_width(v.std(axis=1, ddof=1), v.count(axis=1))
                             for c, v in stacked.items()}, index=mean.index)
        # every series drawn is a count, money or a share: the band is clipped at 0
        return cls(mean, (mean - half).clip(lower=0.0), mean + half, len(frames))


def timeseries_figure(runs: Sequence[tuple[str, pd.DataFrame]], figsize=None, dpi: int = 90,
                      start_year: int | None = None,
                      bands: Sequence[Bands | None] | None = None) -> Figure:
    """The six panels of the runs' time series (``(label, DataFrame)`` pairs, index = step).

    One run: a 3 x 2 grid of panels. Two runs (compare mode): one row per panel, regime A on
    the left and B on the right, each on its own y-axis (neither is flattened by the other's
    scale); the x-axes are shared. Every panel's legend sits in a column of its own beside the
    plots, so no legend covers data; every x-axis is in years (:func:`years`).
    ``bands``: per run, replicate bands drawn under its line (or None).
    """
    n = max(1, len(runs))
    compare = n > 1
    if figsize is None:
        figsize = (12.5, 14.0) if compare else (12.5, 8.4)
    fig = Figure(figsize=figsize, dpi=dpi, layout=None)
    if compare:
        gs = fig.add_gridspec(len(PANELS), n + 1, width_ratios=[1] * n + [0.5],
                              left=0.06, right=0.995, bottom=0.04, top=0.94, wspace=0.2,
                              hspace=0.55)
        cells = [[(i, r) for r in range(n)] + [(i, n)] for i in range(len(PANELS))]
    else:
        gs = fig.add_gridspec(3, 4, width_ratios=[1, 0.5, 1, 0.5], left=0.06, right=0.995,
                              bottom=0.07, top=0.96, wspace=0.22, hspace=0.5)
        cells = [[(i // 2, 2 * (i % 2)), (i // 2, 2 * (i % 2) + 1)] for i in range(len(PANELS))]
    first = None
    axes: list[list] = []       # per panel, one axes per run
    run_lines: dict = {}        # (panel, run, column) -> the run's own line (not a band's)
    for p, (title, columns, transform, ylabel) in enumerate(PANELS):
        row = []
        for r in range(n):
            where = cells[p][r if compare else 0]
            ax = fig.add_subplot(gs[where], sharex=first)
            first = first or ax
            row.append(ax)
            ax.set_title(f"{title}" + (f" ({'AB'[r] if r < 2 else r})" if compare else ""),
                         fontsize=10.5, loc="left")
            ax.set_ylabel(ylabel, fontsize=8.5)
            # tick labels in years on every x-axis; the axis name under the last row only
            # (in compare mode: text is most of the drawing time, and twelve axes repeat it)
            if not compare or p == len(PANELS) - 1:
                ax.set_xlabel(x_label(start_year), fontsize=8)
            ax.grid(alpha=0.3)
            ax.tick_params(labelsize=8.5, labelbottom=True)
            ax.yaxis.set_major_locator(MaxNLocator(3 if compare else 4))
            ax.xaxis.set_major_locator(MaxNLocator(4 if compare else 6, steps=[1, 2, 5, 10]))
            ax.axvspan(*years([0.0, BURN_IN], start_year), color=palette.BURN_IN, zorder=0,
                       lw=0)
            band = bands[r] if bands and r < len(bands) else None
            df = runs[r][1] if r < len(runs) else None
            for col in columns:
                colour = palette.SERIES[col]
                if band is not None and col in band.mean:
                    xb = years(band.mean.index, start_year)
                    ax.fill_between(xb, band.low[col].to_numpy(), band.high[col].to_numpy(),
                                    color=colour, alpha=BAND_ALPHA, lw=0, zorder=1)
                    ax.plot(xb, band.mean[col].to_numpy(), color=colour, lw=1.0, ls=":",
                            zorder=2)
                if df is None or df.empty or col not in df:
                    run_lines[(p, r, col)], = ax.plot([], [], color=colour, lw=1.6, zorder=3)
                    continue
                y = df[col].astype(float)
                if transform == "cumsum":
                    y = y.cumsum()
                run_lines[(p, r, col)], = ax.plot(years(df.index, start_year), y,
                                                  color=colour, lw=1.6, zorder=3)
            if title.startswith("Incumbents"):
                ax.set_ylim(0, 1.05)
        axes.append(row)
        lax = fig.add_subplot(gs[cells[p][-1]])
        lax.set_axis_off()
        handles = [Line2D([], [], color=palette.SERIES[c], lw=2.2, label=series_label(c))
                   for c in columns]
        if p == 0:
            handles.append(Patch(color=palette.BURN_IN,
                                 label=wrap(f"burn-in (first {BURN_IN // STEPS_PER_YEAR} "
                                            "years: left out of the summary)")))
            if bands and any(b is not None for b in bands):
                k = next(b.n for b in bands if b is not None)
                handles += [Line2D([], [], color="#333333", lw=1.6, label="this run"),
                            Line2D([], [], color="#333333", lw=1.0, ls=":",
                                   label=f"mean over {k} seeds"),
                            Patch(color="#333333", alpha=BAND_ALPHA,
                                  label=wrap("95% interval of the mean over seeds"))]
        lax.legend(handles=handles, loc="upper left", fontsize=LEGEND_FONT, frameon=False,
                   handlelength=1.6, borderaxespad=0.0, bbox_to_anchor=(0.0, 1.0))
    if compare:
        for r, (label, _) in enumerate(runs):
            box = axes[0][r].get_position()
            fig.text((box.x0 + box.x1) / 2, 0.985, f"{'AB'[r] if r < 2 else r}: {label}",
                     ha="center", va="top", fontsize=12, fontweight="bold")
        fig.text(0.995, 0.985, f"x-axes: {x_label(start_year)}", ha="right", va="top",
                 fontsize=9, color="#555555")
    fig._abm_axes = axes  # the panels' axes, per panel and run (for TimeSeriesCanvas)
    fig._abm_lines = run_lines  # each run's own line per (panel, run, column)
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
    legends and titles are reused). One per page, set of runs and set of bands; not
    thread-safe (the page draws under the session lock).

    Args:
        labels: the runs' labels, in order (A, B).
        start_year: the x-axis in calendar years from this year (None: years since start).
        bands: per run, replicate bands (:class:`Bands`) or None.
    """

    def __init__(self, labels: Sequence[str], start_year: int | None = None,
                 bands: Sequence[Bands | None] | None = None) -> None:
        self.labels = tuple(labels)
        self.start_year = start_year
        self.bands = list(bands) if bands else None
        empty = [(lab, pd.DataFrame({c: [np.nan] for p in PANELS for c in p[1]},
                                    index=[1])) for lab in self.labels]
        self.figure = timeseries_figure(empty, start_year=start_year, bands=self.bands)
        self.axes = self.figure._abm_axes
        self.lines: list[list[tuple[int, str, object]]] = []
        for p, ((_, columns, _, _), row) in enumerate(zip(PANELS, self.axes)):
            entries = [(r, c, self.figure._abm_lines[(p, r, c)])
                       for r in range(len(row)) for c in columns]
            self.lines.append(entries)
        last = 4
        for b in self.bands or []:
            if b is not None and len(b.mean.index):
                last = max(last, int(b.mean.index.max()))
        self.band_last = last
        self._ylim: dict[tuple[int, int], tuple[float, float]] = {}
        self._xright: int | None = None
        self._agg = None
        self._background = None
        # relim() ignores the bands' polygons: keep each axes' band range to include it
        self.band_range: dict[tuple[int, int], tuple[float, float]] = {}
        for p, (_, columns, _, _) in enumerate(PANELS):
            for r in range(len(self.labels)):
                b = self.bands[r] if self.bands and r < len(self.bands) else None
                cols = [c for c in columns if b is not None and c in b.mean]
                if cols:
                    lo = np.nanmin(b.low[cols].to_numpy(), initial=np.inf)
                    hi = np.nanmax(b.high[cols].to_numpy(), initial=-np.inf)
                    if np.isfinite(lo) and np.isfinite(hi):
                        self.band_range[(p, r)] = (float(lo), float(hi))

    def update(self, runs: Sequence[tuple[str, pd.DataFrame]]) -> Figure:
        """Put the runs' series into the lines and set the axes' limits; returns the figure
        (see :meth:`render` for the PNG)."""
        self._set_data(runs)
        return self.figure

    def _set_data(self, runs: Sequence[tuple[str, pd.DataFrame]]) -> bool:
        """Put the runs' series into the lines; move the axes' limits only when the data
        leave them (x in chunks of :data:`X_CHUNK` quarters, y with head room
        :data:`Y_HEADROOM`), so most frames keep every tick; return whether a limit moved."""
        last = self.band_last
        moved = False
        for p, ((title, _, transform, _), row, lines) in enumerate(zip(PANELS, self.axes,
                                                                     self.lines)):
            lows = [np.inf] * len(row)
            highs = [-np.inf] * len(row)
            for r, col, line in lines:
                df = runs[r][1] if r < len(runs) else None
                if df is None or df.empty or col not in df:
                    line.set_data([], [])
                    continue
                y = df[col].astype(float)
                if transform == "cumsum":
                    y = y.cumsum()
                values = y.to_numpy()
                line.set_data(years(df.index.to_numpy(), self.start_year), values)
                last = max(last, int(df.index.max()))
                finite = values[np.isfinite(values)]
                if finite.size:
                    lows[r] = min(lows[r], float(finite.min()))
                    highs[r] = max(highs[r], float(finite.max()))
            for r, ax in enumerate(row):
                if title.startswith("Incumbents"):
                    target = (0.0, 1.05)
                else:
                    lo, hi = lows[r], highs[r]
                    if (p, r) in self.band_range:
                        lo = min(lo, self.band_range[(p, r)][0])
                        hi = max(hi, self.band_range[(p, r)][1])
                    if not (np.isfinite(lo) and np.isfinite(hi)):
                        continue
                    y0, y1 = self._ylim.get((p, r), (np.inf, -np.inf))
                    if y0 <= lo and hi <= y1:
                        continue  # the data are inside: keep the limits (and every tick)
                    if lo >= 0 and hi <= 0:  # all zero so far
                        target = (0.0, 1.0)
                    else:
                        span = hi - min(lo, 0.0)
                        top = nice_ceil(hi + Y_HEADROOM * span) if hi > 0 else 0.0
                        bottom = 0.0 if lo >= 0 else -nice_ceil(-lo + Y_HEADROOM * span)
                        target = (bottom, top)
                if self._ylim.get((p, r)) != target:
                    ax.set_ylim(*target)
                    self._ylim[(p, r)] = target
                    moved = True
        right = X_CHUNK * (int(last) // X_CHUNK + 1)
        if right != self._xright:
            self.axes[0][0].set_xlim(*years([0.0, right], self.start_year))
            self._xright = right
            moved = True
        return moved

    def render(self, runs: Sequence[tuple[str, pd.DataFrame]]) -> bytes:
        """The figure with the runs' series, as PNG bytes. When no axis limit moved since the
        last frame, only the lines are drawn over the saved background (titles, ticks,
        legends and bands are reused: most of the drawing time is text)."""
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        moved = self._set_data(runs)
        if self._agg is None:
            self._agg = FigureCanvasAgg(self.figure)
            for row in self.lines:
                for _, _, line in row:
                    line.set_animated(True)  # drawn by draw_artist only, never in the background
        if moved or self._background is None:
            self._agg.draw()
            self._background = self._agg.copy_from_bbox(self.figure.bbox)
        else:
            self._agg.restore_region(self._background)
        for (_, _, _, _), row, lines in zip(PANELS, self.axes, self.lines):
            for r, _, line in lines:
                row[r].draw_artist(line)
        return _png(self._agg)


def _png(agg) -> bytes:
    """The canvas's pixels as PNG (low zlib effort: a third faster, slightly larger)."""
    import io

    from PIL import Image

    buf = io.BytesIO()
    width, height = agg.get_width_height()
    Image.frombuffer("RGBA", (width, height), agg.buffer_rgba(), "raw", "RGBA", 0, 1).save(
        buf, format="png", compress_level=1)
    return buf.getvalue()
