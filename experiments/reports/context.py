"""What every section of a report reads and writes: :class:`Report`.

A section is a plain function ``build(report)`` of the run table and the run descriptions (the
manifest's spec and scenario table), registered in :mod:`abm.experiments.reports.registry`. It
reads ``runs`` (one row per run), ``scen`` (one row per scenario: name, preset, swaps,
overrides, resolved ``parameters``...), ``spec`` and, when the folder has them, ``ts``
(time series) and ``dist`` (distributions); it writes through the shared writers:
:meth:`Report.table` (Markdown and LaTeX with one caption), :meth:`Report.table_csv`,
:meth:`Report.figure` (report and paper figures) and :meth:`Report.per_run` (values derived
from the time series, kept so that a folder without them reports them too). What a section
finds worth saying first goes to :attr:`Report.findings`, its caveats to
:attr:`Report.cautions`: the narrative at the top of report.md is made of them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Sequence

import pandas as pd

from abm.constants import BURN_IN
from abm.metrics import SUMMARY_KEYS

from .latex import write_latex
from .markdown import md_table

SINGLE_IN = 3.5
"""Width of a single-column journal figure (inches)."""
DOUBLE_IN = 7.2
"""Width of a double-column (full-width) journal figure (inches); the report's figures are
drawn at it too."""
PAPER_DPI = 300


class Report:
    """The run table, the description of the runs and the report being written."""

    def __init__(self, folder: Path, data: dict[str, Any], network: bool, figures: bool,
                 progress: Callable[[str], None] | None = None):
        self.folder = folder
        self.progress = progress or (lambda stage: None)
        self.runs: pd.DataFrame = data["runs"]
        self.ts: pd.DataFrame | None = data["timeseries"]
        self.dist: pd.DataFrame | None = data["distributions"]
        self.failures = data["failures"]
        self.manifest = data["manifest"]
        spec = self.manifest.get("spec", {})
        self.spec = spec
        self.kind = spec.get("kind", "comparison")
        self.burn_in = int(spec.get("burn_in", BURN_IN))
        """Quarters the runs' summaries leave out (the spec's ``burn_in``; manifests written
        before it was a setting: ``abm.constants.BURN_IN``)."""
        rep = spec.get("report", {})
        self.metrics = [m for m in rep.get("metrics", list(SUMMARY_KEYS)) if m in self.runs]
        self.series = rep.get("series", [])
        self.network = network and rep.get("network_snapshot", False)
        self.figures = figures and rep.get("figures", True)
        self.tables = folder / "tables"
        self.figdir = folder / "figures"
        self.paperdir = self.figdir / "paper"
        self.tables.mkdir(exist_ok=True)
        if self.figures:
            self.paperdir.mkdir(parents=True, exist_ok=True)
        self.files: list[Path] = []
        self.md: list[str] = []
        self.findings: list[str] = []
        """Sentences the narrative opens with (each section adds its own)."""
        self.cautions: list[str] = []
        """Caveats the narrative lists (small samples, failed facts, mismatches with data)."""
        self.paper: list[tuple[str, str]] = []
        """``(stem, caption)`` of the figures drawn for papers (figures/paper/)."""
        self._tables = 0
        self._figures = 0
        sc = self.manifest.get("scenarios")
        if sc:
            self.scen = pd.DataFrame(sc).set_index("index")
        else:  # a runs table without manifest: one scenario per label
            first = self.runs.drop_duplicates("scenario_index").set_index("scenario_index")
            self.scen = pd.DataFrame({"name": first["scenario"], "preset": first["preset"],
                                      "base": first["scenario"], "point": -1})
        self.scen = self.scen[self.scen.index.isin(self.runs["scenario_index"])]
        self.baseline = spec.get("baseline") or self.scen["base"].iloc[0]
        self.against = {e["name"]: e["against"] for e in spec.get("scenario") or []
                        if isinstance(e, dict) and e.get("against")}
        """Scenario -> the scenario its differences are measured against (``against``)."""
        self._by_scenario = {int(i): g.set_index("replicate")
                             for i, g in self.runs.groupby("scenario_index")}

    # -- reading -------------------------------------------------------------------------------
    def values(self, idx: int, metric: str) -> pd.Series:
        """``metric`` of scenario ``idx`` by replicate."""
        g = self._by_scenario.get(int(idx))
        if g is None:
            return pd.Series(dtype=float, name=metric, index=pd.Index([], name="replicate"))
        return g[metric]

    def name(self, idx: int) -> str:
        return str(self.scen.loc[idx, "name"])

    def param(self, idx: int, name: str, default: Any = None) -> Any:
        """A resolved parameter of scenario ``idx`` (the manifest's), else ``default``."""
        p = self.scen.loc[idx, "parameters"] if "parameters" in self.scen else None
        return p.get(name, default) if isinstance(p, dict) else default

    def n_replicates(self) -> int:
        return int(self.runs.groupby("scenario_index")["replicate"].nunique().min())

    def years(self) -> float:
        """Length of the runs in years."""
        return int(self.runs["steps"].max()) / 4

    def caveat_short(self) -> str:
        n = self.n_replicates()
        return (f"; n = {n} replicates per scenario"
                + (" (few: intervals are wide and approximate)" if n < 10 else "")
                + "; intervals clipped to each metric's possible range")

    def caveat(self, df: pd.DataFrame | None = None) -> str:
        """What the intervals mean and do not, for report.md."""
        n = self.n_replicates()
        text = (f"Intervals: 95% t-intervals over n = {n} replicates per scenario; they are "
                "clipped to each metric's possible range (declared in `abm.outputs`: no "
                "negative counts, shares within 0-100%)")
        if df is not None and "clipped" in df and df["clipped"].any():
            text += f", which cut {int(df['clipped'].sum())} of {len(df)} intervals"
        text += "."
        if n < 10:
            text += (f" With n = {n} the t-interval assumes roughly normal replicate means and "
                     "is wide; treat it as a rough guide, and add replicates "
                     "(`--replicates`) for a paper.")
        return text

    def headline_scenarios(self) -> list[int]:
        """Scenarios drawn in the common figures (not hundreds of sample points)."""
        sc = self.scen
        if self.kind == "component_swap":
            return [i for i in sc.index if not sc.loc[i, "swaps"]]
        if self.kind == "sweep":
            pts = sorted(sc["point"].unique())
            mid = pts[len(pts) // 2]
            return [i for i in sc.index if sc.loc[i, "point"] == mid]
        if self.kind == "sensitivity":
            return []
        if self.kind == "reform_sequencing":
            comps = (self.spec.get("sequence") or {}).get("components", [])
            keep = []
            for i in sc.index:
                order = sc.loc[i, "order"] if "order" in sc else None
                dated = sc.loc[i, "dated_swaps"] if "dated_swaps" in sc else None
                dated = dated if isinstance(dated, dict) else {}
                if isinstance(order, list) and order or not dated or len(dated) == len(comps):
                    keep.append(i)
            return keep
        return list(sc.index)

    def per_run(self, name: str, compute: Callable[[pd.DataFrame], pd.DataFrame],
                folder: Path | None = None, ts: pd.DataFrame | None = None,
                runs: pd.DataFrame | None = None) -> pd.DataFrame | None:
        """Values a section derives per run from the time series, kept as ``tables/<name>``
        so that a folder without ``timeseries.parquet`` (the shipped ones) reports them too:
        ``compute(ts)`` written there when the series are here, else that file read back
        (the rows of these runs), else ``None``. ``folder``, ``ts`` and ``runs``: another
        results folder's (default: this one's)."""
        own = folder is None
        folder = self.folder if own else folder
        ts = self.ts if own else ts
        runs = self.runs if runs is None else runs
        path = folder / "tables" / name
        if ts is not None:
            df = compute(ts)
            if own:
                df.to_csv(path, index=False)
        elif path.exists():
            df = pd.read_csv(path)
            df = df[df["run_id"].isin(runs["run_id"])].reset_index(drop=True)
        else:
            return None
        if own:
            self.files.append(path)
        return df

    def from_series(self, name: str,
                    compute: Callable[[pd.DataFrame], pd.DataFrame]) -> pd.DataFrame | None:
        """Like :meth:`per_run` for values that are not per run (e.g. the bands of the time
        series figure): ``compute(ts)`` kept as ``tables/<name>``, or that file read back."""
        path = self.tables / name
        if self.ts is not None:
            df = compute(self.ts)
            df.to_csv(path, index=False)
        elif path.exists():
            df = pd.read_csv(path)
        else:
            return None
        self.files.append(path)
        return df

    # -- writing -------------------------------------------------------------------------------
    def table_csv(self, rows: list, name: str) -> pd.DataFrame:
        """Write ``rows`` as ``tables/<name>`` and list it among the report's files."""
        df = pd.DataFrame(rows)
        path = self.tables / name
        df.to_csv(path, index=False)
        self.files.append(path)
        return df

    def table(self, stem: str | None, header: Sequence[str], rows: Sequence[Sequence[str]],
              caption: str, *, tex_header: Sequence[str] | None = None,
              tex_rows: Sequence[Sequence[str]] | None = None, md: bool = True,
              tex: bool = True) -> None:
        """A table with one caption (what, units, n, intervals) in report.md (numbered
        "Table k") and in ``tables/<stem>.tex`` (:func:`~abm.experiments.reports.latex.write_latex`:
        one float or a longtable, body size). ``tex_header``/``tex_rows``: other cells for
        LaTeX (e.g. metric labels without their code names)."""
        if md:
            self._tables += 1
            self.md.append(f"*Table {self._tables}. {caption.rstrip('.')}.*\n")
            self.md.append(md_table(header, rows) + "\n")
        if tex and stem:
            self.files.append(write_latex(self.tables / f"{stem}.tex",
                                          list(tex_header or header),
                                          [list(r) for r in (tex_rows or rows)],
                                          caption.rstrip("."), f"tab:{stem}"))

    def kept_figure(self, stem: str) -> None:
        """Refer to a figure drawn when the runs were made, from data this folder no longer
        holds (the time series are not shipped), if it is there."""
        if (self.figdir / f"{stem}.png").exists():
            self.md.append(f"Figure drawn from `timeseries.parquet` when the runs were made "
                           "(this folder does not keep the series, so it is not redrawn):\n")
            self.md.append(f"![{stem}](figures/{stem}.png)\n")

    def figure(self, stem: str, draw: Callable[[float], Any], caption: str, *,
               single: bool = True, paper: bool = True) -> None:
        """Draw a figure with ``draw(width_inches)`` (a matplotlib figure, or ``None``) and
        save it: ``figures/<stem>.png|pdf`` (the report's, at the double-column width) and,
        for papers, ``figures/paper/<stem>_double.pdf|png`` and (``single``)
        ``<stem>_single.pdf|png`` at the single-column width; PNG at 300 dpi. The caption
        follows the figure in report.md ("Figure k")."""
        import matplotlib.pyplot as plt

        fig = draw(DOUBLE_IN)
        if fig is None:
            return
        self._save(fig, self.figdir / stem, dpi=150)
        if paper:
            self._save(fig, self.paperdir / f"{stem}_double", dpi=PAPER_DPI)
        plt.close(fig)
        if paper and single:
            small = draw(SINGLE_IN)
            if small is not None:
                self._save(small, self.paperdir / f"{stem}_single", dpi=PAPER_DPI)
                plt.close(small)
        if paper:
            self.paper.append((stem, caption))
        self._figures += 1
        self.md.append(f"![{stem}](figures/{stem}.png)\n")
        self.md.append(f"*Figure {self._figures}. {caption.rstrip('.')}.*\n")

    def _save(self, fig, stem: Path, dpi: int) -> None:
        for ext in ("png", "pdf"):
            p = stem.parent / f"{stem.name}.{ext}"
            fig.savefig(p, dpi=dpi if ext == "png" else None, bbox_inches="tight",
                        metadata={"CreationDate": None} if ext == "pdf" else None)
            self.files.append(p)

    # -- time ----------------------------------------------------------------------------------
    def calendar_start(self, show: Sequence[int]) -> int | None:
        """The calendar year step 1 is in, when every scenario in ``show`` replays a dated
        history (a history preset: experiments.histories.HISTORIES) from the same year."""
        from ..histories import HISTORIES

        starts = {int(self.param(i, "start_year", 0) or 0) for i in show
                  if self.scen.loc[i, "preset"] in HISTORIES}
        if len(starts) == 1 and len([i for i in show
                                     if self.scen.loc[i, "preset"] in HISTORIES]) == len(show):
            return starts.pop()
        return None

    def time_axis(self, show: Sequence[int]) -> tuple[Callable, str, float]:
        """``(x of steps, axis label, end of the burn-in on that axis)``: years since the
        start of the run, or calendar years for history runs."""
        start = self.calendar_start(show)
        if start is not None:
            return (lambda s: start + (s - 1) / 4), "year", start + self.burn_in / 4
        return (lambda s: s / 4), "years since the start of the run", self.burn_in / 4
