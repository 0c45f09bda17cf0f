"""Paper-ready reports of an experiment folder (``abm report DIR``), by concern.

:func:`make_report` reads the folder (:mod:`.load`), makes a :class:`.context.Report` of the
run table and the run descriptions, and writes every registered section that applies
(:mod:`.registry`), each a plain function in its own module:

* :mod:`.summary`: provenance, metrics by scenario, differences (every kind);
* :mod:`.swaps`: component swaps (main effects, interactions);
* :mod:`.sequencing`: orders of dated reforms;
* :mod:`.history`: history runs beside the public figures;
* :mod:`.maturation`: maturation with the loops on and off, self-sustaining components;
* :mod:`.sweep`: one- and two-dimensional parameter sweeps;
* :mod:`.sensitivity`: SALib indices, orderings across structural uncertainty;
* :mod:`.figures`: the figures every report draws (time series in years, exit mix,
  distributions, metrics over replicates) and :mod:`.network` (ties by kind of agent);
* :mod:`.narrative`: the summary report.md opens with, from the sections' findings and
  caveats.

The writers are shared: :mod:`.latex` (pandas' ``Styler.to_latex``: one float at the body
size or a longtable), :mod:`.markdown` (``DataFrame.to_markdown``), :meth:`.context.Report.table`
(one caption for both) and :meth:`.context.Report.figure` (the report's figure and a paper set
in figures/paper/, PDF and PNG at single- and double-column widths).

Writes into DIR: ``report.md``; ``tables/*.tex`` and ``tables/*.csv`` (every number, full
precision); ``figures/*.png|pdf``; ``figures/paper/*_{single,double}.pdf|png`` and
``figures/paper/figures.tex`` (a figure environment with caption for each).
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from .context import Report
from .latex import tex_escape
from .load import ReportError, load_results
from .registry import sections

__all__ = ["ReportError", "load_results", "make_report", "Report", "sections"]


def make_report(folder: str | Path, network: bool = True, figures: bool = True,
                progress: Callable[[str], None] | None = None) -> list[Path]:
    """Write ``report.md``, ``tables/*.tex|csv`` and ``figures/`` for a results folder;
    return the written paths (``report.md`` first).

    ``progress`` (optional) is called with a short description as each stage starts (each
    section, each figure, each network re-run: the slow part re-runs one model per scenario).

    Raises:
        ReportError: the folder holds no results.
    """
    import matplotlib

    folder = Path(folder)
    data = load_results(folder)
    if figures:
        matplotlib.use("Agg", force=True)
    from .figures import FIG_RC

    r = Report(folder, data, network=network, figures=figures, progress=progress)
    with matplotlib.rc_context(FIG_RC):
        for s in sections():
            if s.applies(r):
                r.progress(s.name)
                s.build(r)
    report = folder / "report.md"
    report.write_text("\n".join(r.md), encoding="utf-8")
    if r.paper:
        r.files.append(_paper_index(r))
    return [report] + r.files


def _paper_index(r: Report) -> Path:
    """figures/paper/figures.tex: one figure environment per figure drawn for papers (the
    single-column version where there is one, else the double-column one in a ``figure*``)."""
    name = r.manifest.get("experiment", r.folder.name)
    lines = [f"% Figures of the experiment {name} for a paper (abm report). Paths are relative "
             "to the results folder; needs \\usepackage{graphicx}.",
             "% Each figure exists at the single-column width (3.5 in, *_single) where it "
             "reads there and at the double-column width (7.2 in, *_double); PDF and PNG."]
    for stem, caption in r.paper:
        single = (r.paperdir / f"{stem}_single.pdf").exists()
        env = "figure" if single else "figure*"
        lines += [rf"\begin{{{env}}}[htbp]", r"\centering",
                  rf"\includegraphics[width=\linewidth,height=0.8\textheight,"
                  rf"keepaspectratio]{{figures/paper/{stem}_"
                  rf"{'single' if single else 'double'}.pdf}}",
                  rf"\caption{{{tex_escape(caption.rstrip('.'))}.}}",
                  rf"\label{{fig:{name}:{stem}}}", rf"\end{{{env}}}", ""]
    path = r.paperdir / "figures.tex"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path
