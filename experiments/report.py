"""``abm report DIR``: the paper-ready report of an experiment folder.

The report is written by the package :mod:`abm.experiments.reports`, one module per concern
(sections registered by kind of experiment and shape of the data; shared table and figure
writers). This module keeps the names the rest of the project imports from here.
"""

from __future__ import annotations

from .reports import ReportError, load_results, make_report
from .reports.figures import FIG_RC, axis_label
from .reports.fmt import bounds, clip_ci, diff_bounds
from .reports.history import public_figures, yearly_table
from .reports.latex import TEX_PREAMBLE, grouped_rows, write_latex
from .reports.latex import tex_escape as _tex_escape
from .reports.network import (NODE_COLOURS, SNAPSHOT_NODES, block_counts, graph_counts,
                              model_graph, snapshot_graph)
from .reports.sensitivity import (HEADLINE_METRICS, ROBUST_SHARE, _salib_indices,
                                  ordering_verdicts)
from .reports.sequencing import HORIZON_METRICS, HORIZON_TITLES, horizon_metrics
from .reports.sweep import sweep_leaders, sweep_pairwise
from .stats import compare, holm, mean_ci, paired

__all__ = ["FIG_RC", "HEADLINE_METRICS", "HORIZON_METRICS", "HORIZON_TITLES",
           "NODE_COLOURS", "ROBUST_SHARE", "SNAPSHOT_NODES", "TEX_PREAMBLE", "ReportError",
           "axis_label", "block_counts", "bounds", "clip_ci", "compare", "diff_bounds",
           "graph_counts", "grouped_rows", "holm", "horizon_metrics", "load_results",
           "make_report", "mean_ci", "model_graph", "ordering_verdicts", "paired",
           "public_figures", "snapshot_graph", "sweep_leaders", "sweep_pairwise",
           "write_latex", "yearly_table", "_salib_indices", "_tex_escape"]
