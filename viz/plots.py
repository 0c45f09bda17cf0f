"""Time-series panels of one run, or of two runs overlaid (compare mode).

One matplotlib figure with six panels, built with :class:`matplotlib.figure.Figure` (no pyplot
state, so it is safe in the server's threads). In compare mode both runs share each panel:
colour = series, line style = run (A solid, B dashed).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from abm.outputs import OUTPUTS, is_share
from abm.outputs import label as label_of

LINESTYLES = ("-", "--", ":")

PANELS: tuple[tuple[str, tuple[tuple[str, str], ...], str], ...] = (
    # (title, ((column, colour), ...), transform); legends and units from abm.outputs.OUTPUTS
    ("Startups operating", (("active_startups", "#1f9e89"), ("public_startups", "#23395d")),
     ""),
    ("Founded and failed per quarter", (("founded", "#31a354"), ("failed", "#de2d26")), ""),
    ("Exits by route (cumulative)", (("exits_ipo", "#3182bd"), ("exits_ma", "#e6550d")),
     "cumsum"),
    ("VC invested per quarter by fund kind", (("vc_independent", "#e6550d"),
                                             ("vc_corporate", "#9e3d8f"),
                                             ("vc_government", "#c9a100")), ""),
    ("Incumbents: share of sales and HHI", (("incumbent_sales_share", "#23395d"),
                                            ("hhi", "#de2d26")), ""),
    ("Innovations per quarter by source", (("innovation_startups", "#1f9e89"),
                                           ("innovation_incumbents", "#23395d"),
                                           ("innovation_partnerships", "#31a354")), ""),
)


def panel_title(title: str, columns: Sequence[str]) -> str:
    """A panel's title, with the money unit its series share (from :data:`OUTPUTS`)."""
    units = {OUTPUTS[c].unit.split(" per ")[0] for c in columns if OUTPUTS[c].kind == "money"}
    return f"{title} ({units.pop()})" if len(units) == 1 else title


def timeseries_figure(runs: Sequence[tuple[str, pd.DataFrame]], figsize=(14.0, 6.6),
                      dpi: int = 72) -> Figure:
    """Six panels of the runs' time series (``(label, DataFrame)`` pairs, index = step)."""
    fig = Figure(figsize=figsize, dpi=dpi, layout=None)
    fig.subplots_adjust(left=0.05, right=0.99, bottom=0.08, top=0.88 if len(runs) > 1 else 0.94,
                        wspace=0.22, hspace=0.28)
    axes = fig.subplots(2, 3, sharex=True)
    last = 0
    for (title, series, transform), ax in zip(PANELS, axes.ravel()):
        ax.set_title(panel_title(title, [c for c, _ in series]), fontsize=10, y=1.0)
        ax.grid(alpha=0.3)
        ax.tick_params(labelsize=8)
        for r, (label, df) in enumerate(runs):
            if df is None or df.empty:
                continue
            last = max(last, int(df.index.max()))
            for col, colour in series:
                if col not in df:
                    continue
                y = df[col].astype(float)
                if transform == "cumsum":
                    y = y.cumsum()
                ax.plot(df.index, y, color=colour, ls=LINESTYLES[r % len(LINESTYLES)], lw=1.4,
                        label=label_of(col) if r == 0 else None)
        handles = [Line2D([], [], color=c, lw=2, label=label_of(col)) for col, c in series]
        ax.legend(handles=handles, fontsize=7, loc="upper left", frameon=False)
        if title.startswith("Incumbents"):
            ax.set_ylim(0, 1.05)
    for ax in axes[1]:
        ax.set_xlabel("step (quarter)", fontsize=8)
    if last:
        axes[0, 0].set_xlim(0.5, max(last, 4) + 0.5)
    if len(runs) > 1:
        run_handles = [Line2D([], [], color="#333333", ls=LINESTYLES[r % len(LINESTYLES)], lw=1.6,
                              label=f"{'AB'[r] if r < 2 else r}: {label}")
                       for r, (label, _) in enumerate(runs)]
        fig.legend(handles=run_handles, loc="upper center", ncols=len(runs),
                   fontsize=9, frameon=False)
    return fig


def fmt(value: float, key: str = "") -> str:
    """A metric for a table: shares (declared in :data:`OUTPUTS`) as %, money and counts with
    separators."""
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return "–"
    if is_share(key):
        return f"{100 * value:.1f} %"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:.3g}"
