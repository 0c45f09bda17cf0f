"""Paper-ready reports of an experiment folder: ``abm report DIR``.

Writes into DIR:

``report.md``
    provenance, per-scenario mean and 95% t-interval of each metric, differences against the
    baseline (Welch t-test with Welch-Satterthwaite interval, Mann-Whitney U, Hedges' g), and
    the kind-specific analyses: component-swap main effects and pairwise interactions
    (difference in differences, paired by replicate thanks to common random numbers, with
    t intervals), sweep curves, Morris/Sobol indices;
``tables/*.tex`` (booktabs LaTeX) and ``tables/*.csv`` (every number, full precision);
``figures/*.png`` and ``figures/*.pdf`` (matplotlib): time series with 95% bands, exit mix,
    distributions of deal multiples and firm sizes, metric distributions over replicates,
    network snapshots, and the kind-specific figures.
"""

from __future__ import annotations

import itertools
import json
import math
import re
from pathlib import Path
from typing import Any, Callable, Mapping

import numpy as np
import pandas as pd

from abm import palette
from abm.constants import BURN_IN
from abm.metrics import EXTRA_KEYS, SUMMARY_KEYS
from abm.outputs import OUTPUTS
from abm.outputs import title as output_title

from . import maturation as MAT
from .checks import check_results
from .reports.latex import GROUP, TEX_PREAMBLE, grouped_rows, tex_escape, write_latex  # noqa: F401
from .reports.markdown import md_table
from .stats import compare, holm, mean_ci, paired, t_half_width  # noqa: F401


class ReportError(ValueError):
    """The folder holds no (complete) results."""


# -- formatting --------------------------------------------------------------------------------
def _f(x: float, digits: int = 4) -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "–"
    ax = abs(x)
    if ax != 0 and (ax >= 1e5 or ax < 1e-3):
        return f"{x:.3g}"
    return f"{x:.{digits}g}" if ax < 1000 else f"{x:,.0f}"


def _ci(m: float, lo: float, hi: float) -> str:
    """``mean [low, high]`` with three significant digits (more would be noise at the
    replicate counts used here, and make tables too wide)."""
    if not math.isfinite(lo):
        return _f(m, 3)
    return f"{_f(m, 3)} [{_f(lo, 3)}, {_f(hi, 3)}]"


def _p(p: float) -> str:
    if not math.isfinite(p):
        return "–"
    return "<0.001" if p < 0.001 else f"{p:.3f}"


def _grid_order(label: str, names: list[str]) -> list[str]:
    """Grid dimensions in the spec's order, read from a scenario label
    (``base|a=1,b=2``; the manifest stores the grid with sorted keys)."""
    tail = label.split("|", 1)[1] if "|" in label else ""
    seen = [part.split("=", 1)[0] for part in tail.split(",") if "=" in part]
    return [n for n in seen if n in names] + [n for n in names if n not in seen]


def _pct(x: float) -> str:
    return "–" if x is None or not math.isfinite(x) else f"{100 * x:.0f}%"


def _verdict_cell(verdict: str, robust: str) -> str:
    if robust == "robust":
        return f"**{verdict}** (robust)"
    if robust == "weak":
        return f"{verdict} (weak: never reversed)"
    return verdict


def _metric(name: str) -> str:
    """A metric's row heading: its label and unit (``abm.outputs.OUTPUTS``), then its name."""
    shown = output_title(name)
    return f"{shown} (`{name}`)" if shown != name else f"`{name}`"


def _tex_metric(name: str) -> str:
    """A metric's row heading in LaTeX: its label and unit only (the name is in the CSV)."""
    return output_title(name)


# -- bounds ------------------------------------------------------------------------------------
def bounds(metric: str, scale: float = 1.0) -> tuple[float, float]:
    """The possible range of a metric (``abm.outputs.OUTPUTS``) times ``scale``; for a
    difference of two values pass the metric's bounds through :func:`diff_bounds`."""
    o = OUTPUTS.get(metric)
    lo = -math.inf if o is None or o.low is None else o.low
    hi = math.inf if o is None or o.high is None else o.high
    return lo * scale if math.isfinite(lo) else lo, hi * scale if math.isfinite(hi) else hi


def diff_bounds(metric: str, terms: int = 2) -> tuple[float, float]:
    """The possible range of a difference of two values of ``metric`` (``terms=2``) or of a
    difference in differences (``terms=4``): ``±(terms / 2) * (high - low)``."""
    lo, hi = bounds(metric)
    span = hi - lo
    if not math.isfinite(span):
        return -math.inf, math.inf
    return -span * terms / 2, span * terms / 2


def clip_ci(row: dict, lo: float, hi: float, keys=("ci_low", "ci_high")) -> dict:
    """``row`` with its interval clipped to ``[lo, hi]`` and ``clipped`` set when it was."""
    out = dict(row)
    clipped = False
    for k in keys:
        v = out.get(k)
        if v is None or not math.isfinite(v):
            continue
        c = min(max(v, lo), hi)
        clipped |= c != v
        out[k] = c
    out["clipped"] = clipped
    return out


# -- LaTeX and Markdown: experiments/reports/latex.py, markdown.py ----------------------------
_tex_escape = tex_escape
_md_table = md_table


# -- figures: one style ------------------------------------------------------------------------
FIG_RC = {
    "axes.prop_cycle": __import__("cycler").cycler(color=list(palette.SEQUENCE)),
    "font.size": 9, "axes.titlesize": 10, "axes.labelsize": 9, "legend.fontsize": 8,
    "xtick.labelsize": 8, "ytick.labelsize": 8, "axes.spines.top": False,
    "axes.spines.right": False, "axes.grid": True, "grid.alpha": 0.3, "savefig.dpi": 150,
    "pdf.fonttype": 42,
}
"""The paper figures' matplotlib style: Okabe-Ito colours (:mod:`abm.palette`, the app's
too), one set of font sizes, embedded TrueType fonts in the PDFs."""


def axis_label(name: str) -> str:
    """A y-axis label: the declared unit of an output (shares in percent of 1)."""
    o = OUTPUTS.get(name)
    if o is None:
        return ""
    return "share (0-1)" if o.kind == "share" else o.unit


# -- loading -----------------------------------------------------------------------------------
def load_results(folder: str | Path) -> dict[str, Any]:
    """Runs, time series, distributions, failures and manifest of a results folder
    (checked by :func:`experiments.checks.check_results`: DamagedResults).

    Raises:
        ReportError: the folder does not exist or holds no results.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise ReportError(f"{folder}: no such folder (run `abm experiment SPEC --out "
                          f"{folder}` first)")
    runs_path = folder / "runs.parquet"
    if not runs_path.exists():
        if any((folder / "parts").glob("part-*-runs.parquet")):
            raise ReportError(f"{folder} holds an unfinished experiment (parts/ only); finish "
                              f"it with `abm experiment SPEC --out {folder} --resume`")
        raise ReportError(f"{folder} holds no results (no runs.parquet); run `abm experiment "
                          f"SPEC --out {folder}` first")
    runs = _read_table(runs_path)
    from .runner import ID_COLUMNS

    missing = [c for c in ID_COLUMNS if c not in runs.columns]
    if missing:
        raise ReportError(f"{runs_path} is not the runs table of `abm experiment` (missing "
                          f"columns: {', '.join(missing)})")
    if runs.empty:
        raise ReportError(f"{folder}/runs.parquet holds no successful runs "
                          f"(see {folder}/failures.jsonl)")
    manifest = {}
    if (folder / "manifest.json").exists():
        manifest = _read_manifest(folder / "manifest.json")
        _check_consistent(folder, runs, manifest)
    ts = _read_table(folder / "timeseries.parquet") \
        if (folder / "timeseries.parquet").exists() else None
    dist = _read_table(folder / "distributions.parquet") \
        if (folder / "distributions.parquet").exists() else None
    for name, df, cols in (("timeseries", ts, ("run_id", "step")),
                           ("distributions", dist, ("run_id", "kind", "value"))):
        if df is not None and not set(cols) <= set(df.columns):
            raise ReportError(f"{folder}/{name}.parquet is not the {name} table of "
                              f"`abm experiment` (needs columns {', '.join(cols)})")
    failures = []
    if (folder / "failures.jsonl").exists():
        for line in (folder / "failures.jsonl").read_text(encoding="utf-8",
                                                          errors="replace").splitlines():
            try:
                rec = json.loads(line) if line.strip() else None
            except ValueError:  # a torn line
                continue
            if isinstance(rec, dict):
                failures.append(rec)
    check_results(folder, runs, ts, dist, manifest)  # one experiment, whole (checks.py)
    return {"runs": runs, "timeseries": ts, "distributions": dist, "failures": failures,
            "manifest": manifest}


def _read_table(path: Path) -> pd.DataFrame:
    """A parquet file, or a :class:`ReportError` naming it (truncated, another format)."""
    try:
        return pd.read_parquet(path)
    except Exception as exc:  # noqa: BLE001 - pyarrow raises several kinds
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ReportError(f"{path} is not a readable parquet file (truncated or another "
                          f"format: {first}); rerun the experiment (--resume keeps the "
                          "finished runs only if the parts are intact) or restore the file") \
            from None


def _read_manifest(path: Path) -> dict[str, Any]:
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise ReportError(f"{path} is not valid JSON ({exc}); restore it from the "
                          "experiment or remove it") from None
    if not isinstance(manifest, dict):
        raise ReportError(f"{path} is not an experiment manifest (a JSON "
                          f"{type(manifest).__name__}, not an object)")
    return manifest


def _check_consistent(folder: Path, runs: pd.DataFrame, manifest: dict[str, Any]) -> None:
    """The manifest describes these runs: the same kind everywhere, a design that fits the
    kind, and every run's scenario in the manifest's scenario table."""
    from .spec import KINDS

    spec = manifest.get("spec", {})
    if not isinstance(spec, dict):
        raise ReportError(f"{folder}/manifest.json: 'spec' is not an object")
    kinds = {k for k in (manifest.get("kind"), spec.get("kind")) if k is not None}
    text = manifest.get("spec_toml")
    if isinstance(text, str) and text:
        import tomllib

        try:
            kinds.add(tomllib.loads(text).get("experiment", {}).get("kind", "comparison"))
        except tomllib.TOMLDecodeError:
            pass
    if len(kinds) > 1:
        raise ReportError(f"{folder}/manifest.json names different experiment kinds "
                          f"({', '.join(sorted(map(str, kinds)))}); it was edited or mixed "
                          "up: restore it from the experiment")
    kind = next(iter(kinds), "comparison")
    if kind not in KINDS:
        raise ReportError(f"{folder}/manifest.json: unknown experiment kind {kind!r}; valid "
                          f"kinds: {', '.join(KINDS)}")
    need = {"sensitivity": "sample", "sweep": "grid", "component_swap": "swap"}.get(kind)
    if need and not spec.get(need) and not (kind == "component_swap" and spec.get("scenario")):
        raise ReportError(f"{folder}/manifest.json says kind {kind!r} but its spec has no "
                          f"[{need}] design; the manifest was edited or belongs to another "
                          "experiment")
    scen = manifest.get("scenarios")
    if isinstance(scen, list) and scen:
        try:
            names = {int(s["index"]): s["name"] for s in scen}
        except (KeyError, TypeError, ValueError):
            raise ReportError(f"{folder}/manifest.json: malformed scenario table") from None
        pairs = runs[["scenario_index", "scenario"]].drop_duplicates()
        bad = [f"{i}:{n}" for i, n in zip(pairs["scenario_index"], pairs["scenario"])
               if names.get(int(i)) != n]
        if bad:
            raise ReportError(f"{folder}: runs.parquet and manifest.json belong to different "
                              f"experiments (scenario {bad[0]} of the runs is not in the "
                              f"manifest{f' and {len(bad) - 1} more' if len(bad) > 1 else ''})")
    steps = spec.get("steps")
    if isinstance(steps, int) and not (runs["steps"] == steps).all():
        raise ReportError(f"{folder}: runs.parquet holds runs of other lengths than the "
                          f"manifest's {steps} steps; runs and manifest do not match")


# -- the report --------------------------------------------------------------------------------
class _Report:
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
        rep = spec.get("report", {})
        self.metrics = [m for m in rep.get("metrics", list(SUMMARY_KEYS)) if m in self.runs]
        self.series = rep.get("series", [])
        self.network = network and rep.get("network_snapshot", False)
        self.figures = figures and rep.get("figures", True)
        self.tables = folder / "tables"
        self.figdir = folder / "figures"
        self.tables.mkdir(exist_ok=True)
        if self.figures:
            self.figdir.mkdir(exist_ok=True)
        self.files: list[Path] = []
        self.md: list[str] = []
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

    # helpers
    def values(self, idx: int, metric: str) -> pd.Series:
        """``metric`` of scenario ``idx`` by replicate."""
        if not hasattr(self, "_by_scenario"):
            self._by_scenario = {int(i): g.set_index("replicate")
                                 for i, g in self.runs.groupby("scenario_index")}
        g = self._by_scenario.get(int(idx))
        if g is None:
            return pd.Series(dtype=float, name=metric,
                             index=pd.Index([], name="replicate"))
        return g[metric]

    def name(self, idx: int) -> str:
        return str(self.scen.loc[idx, "name"])

    def n_replicates(self) -> int:
        return int(self.runs.groupby("scenario_index")["replicate"].nunique().min())

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

    def table_csv(self, rows: list, name: str) -> pd.DataFrame:
        """Write ``rows`` as ``tables/<name>`` and list it among the report's files."""
        df = pd.DataFrame(rows)
        path = self.tables / name
        df.to_csv(path, index=False)
        self.files.append(path)
        return df

    def kept_figure(self, stem: str) -> None:
        """Refer to a figure drawn when the runs were made, from data this folder no longer
        holds (the time series are not shipped), if it is there."""
        if (self.figdir / f"{stem}.png").exists():
            self.md.append(f"Figure drawn from `timeseries.parquet` when the runs were made "
                           "(this folder does not keep the series, so it is not redrawn):\n")
            self.md.append(f"![{stem}](figures/{stem}.png)\n")

    def save(self, fig, stem: str) -> None:
        import matplotlib.pyplot as plt

        for ext in ("png", "pdf"):
            p = self.figdir / f"{stem}.{ext}"
            fig.savefig(p, dpi=150 if ext == "png" else None, bbox_inches="tight",
                        metadata={"CreationDate": None} if ext == "pdf" else None)
            self.files.append(p)
        plt.close(fig)
        self.md.append(f"![{stem}](figures/{stem}.png)\n")

    # sections
    def header(self) -> None:
        m = self.manifest
        spec = self.spec
        title = m.get("experiment", self.folder.name)
        self.md.append(f"# Experiment `{title}`\n")
        if spec.get("description"):
            self.md.append(spec["description"].strip() + "\n")
        reps = sorted(self.runs["replicate"].unique())
        rows = [["kind", self.kind], ["scenarios", str(len(self.scen))],
                ["replicates", str(len(reps))],
                ["steps", str(int(self.runs["steps"].iloc[0]))],
                ["master seed", str(m.get("seeds", {}).get("master_seed", "–"))],
                ["runs ok / failed", f"{len(self.runs)} / {len(self.failures)}"],
                ["git commit", str(m.get("git_commit"))],
                ["model version", str(m.get("versions", {}).get("startup-ecosystem-abm"))],
                ["mesa", str(m.get("versions", {}).get("mesa"))],
                ["created", str(m.get("created"))], ["finished", str(m.get("finished"))],
                ["wall time (s)", str(m.get("wall_seconds_total"))]]
        self.md.append(_md_table(["item", "value"], rows) + "\n")
        self.md.append("Replicate seeds come from `numpy.random.SeedSequence(master_seed)"
                       ".spawn(replicates)`: replicate *i* has the same seed in every "
                       "scenario (common random numbers). Intervals are 95% t-intervals over "
                       "replicates. Full provenance (resolved parameters of every scenario, "
                       "seeds, versions) is in `manifest.json`.\n")
        ens = spec.get("ensemble")
        if ens:  # abm experiment --ensemble: parameter uncertainty besides seed noise
            self.md.append(f"Parameters drawn from the calibration ensemble `{ens.get('path')}` "
                           f"({ens.get('members')} accepted vectors, seed {ens.get('seed')}): "
                           "replicate *i* runs member `replicate_members[i]` in every "
                           "scenario, so intervals carry parameter uncertainty as well as "
                           "seed noise (docs/calibration.md).\n")
        if self.failures:
            self.md.append(f"**{len(self.failures)} runs failed** (tracebacks in "
                           "`failures.jsonl`); statistics use the runs that finished.\n")

    def summary_tables(self) -> None:
        rows = []
        for idx in self.scen.index:
            for metric in [c for c in SUMMARY_KEYS + EXTRA_KEYS if c in self.runs]:
                ci = clip_ci(mean_ci(self.values(idx, metric)), *bounds(metric))
                rows.append({"scenario": self.name(idx), "scenario_index": idx,
                             "metric": metric, **ci})
        df = self.table_csv(rows, "summary.csv")
        if self.kind == "sensitivity":
            self.md.append("## Outputs over the sample\n")
            rows = []
            for metric in self.metrics:
                v = self.runs[metric]
                rows.append([_metric(metric), _f(v.mean()), _f(v.min()), _f(v.quantile(0.5)),
                             _f(v.max())])
            self.md.append(_md_table(["metric", "mean", "min", "median", "max"], rows) + "\n")
            return
        show = self.headline_scenarios() if self.kind != "comparison" else list(self.scen.index)
        self.md.append("## Metrics by scenario (mean [95% CI])\n")
        if self.kind != "comparison":
            self.md.append("Headline scenarios only; every scenario is in `tables/summary.csv`."
                           "\n")
        header = ["metric"] + [self.name(i) for i in show]
        body = []
        for metric in self.metrics:
            sub = df[df["metric"] == metric].set_index("scenario_index")
            body.append([_metric(metric)] + [_ci(sub.loc[i, "mean"], sub.loc[i, "ci_low"],
                                        sub.loc[i, "ci_high"]) for i in show])
        self.md.append(_md_table(header, body) + "\n")
        self.md.append(self.caveat(df) + "\n")
        tex_body = [[_tex_metric(m)] + b[1:] for m, b in zip(self.metrics, body)]
        self.files.append(write_latex(self.tables / "summary.tex", header, tex_body,
                                      "Mean and 95% t-interval over replicates"
                                      + self.caveat_short(), "tab:summary"))
        self.md.append("LaTeX: `tables/summary.tex`.\n")

    def differences(self) -> None:
        if self.kind == "sensitivity":
            return
        sc = self.scen
        rows = []
        for idx in sc.index:
            if self.kind == "component_swap":
                # against the unswapped scenario of the same base preset
                if not sc.loc[idx, "swaps"]:
                    continue
                ref = sc[(sc["preset"] == sc.loc[idx, "preset"]) & ~sc["swaps"].map(bool)
                         & (sc["point"] == sc.loc[idx, "point"])]
            else:
                against = self.against.get(sc.loc[idx, "base"], self.baseline)
                if sc.loc[idx, "base"] == against:
                    continue
                ref = sc[(sc["base"] == against) & (sc["point"] == sc.loc[idx, "point"])]
            if ref.empty:
                continue
            ref_idx = ref.index[0]
            for metric in self.metrics:
                base_v, other_v = self.values(ref_idx, metric), self.values(idx, metric)
                c = clip_ci(compare(base_v, other_v), *diff_bounds(metric))
                pc = paired(base_v, other_v)
                pc = clip_ci({"paired_diff": pc["mean"], "paired_n": pc["n"],
                              "paired_ci_low": pc["ci_low"], "paired_ci_high": pc["ci_high"]},
                             *diff_bounds(metric), keys=("paired_ci_low", "paired_ci_high"))
                rows.append({"scenario": self.name(idx), "baseline": self.name(ref_idx),
                             "metric": metric, **c, **pc})
        if not rows:
            return
        adjusted = holm([r["welch_p"] for r in rows])
        for r, q in zip(rows, adjusted):
            r["welch_p_holm"] = float(q)
        df = self.table_csv(rows, "differences.csv")
        against = "the unswapped base preset" if self.kind == "component_swap" else \
            f"`{self.baseline}`" if not self.against else \
            f"each scenario's reference (column *against*; default `{self.baseline}`)"
        header = ["metric", "scenario", "against", "difference [95% CI]",
                  "paired [95% CI]", "Welch p", "Holm p", "MW p", "Hedges g"]
        body = [[_metric(r.metric), r.scenario, r.baseline, _ci(r.diff, r.ci_low, r.ci_high),
                 _ci(r.paired_diff, r.paired_ci_low, r.paired_ci_high), _p(r.welch_p),
                 _p(r.welch_p_holm), _p(r.mw_p), _f(r.hedges_g)] for r in df.itertuples()]
        tex_body = [[_tex_metric(r.metric)] + b[1:] for r, b in zip(df.itertuples(), body)]
        m = int(np.isfinite(df["welch_p"]).sum())
        what = (f"Differences against {against.replace('`', '').replace('*', '')} (scenario "
                "minus baseline)")
        tests = ("Welch t-test with Welch-Satterthwaite 95% interval, paired 95% t-interval "
                 f"over common seeds, Holm-adjusted Welch p over the {m} tests of this table")
        grouped = [[b[1] + " − " + b[2]] + [b[0]] + b[3:] for b in tex_body]
        self.files.append(write_latex(
            self.tables / "differences.tex", ["metric", "difference [95% CI]",
                                              "paired [95% CI]", "Holm p"],
            [r[:3] + [r[4]] if not r[0].startswith(GROUP) else r[:4]
             for r in grouped_rows(grouped, 0)],
            f"{what}: {tests}" + self.caveat_short() + "; every test in "
            "differences_full.tex", "tab:differences"))
        self.files.append(write_latex(
            self.tables / "differences_full.tex",
            ["metric", "difference [95% CI]", "paired [95% CI]", "Welch p", "Holm p", "MW p",
             "Hedges g"], grouped_rows(grouped, 0),
            f"{what}, every test: {tests}, Mann-Whitney U p (MW p), Hedges' g"
            + self.caveat_short(), "tab:differences_full"))
        self.md.append(f"## Differences against {against}\n")
        self.md.append("Scenario minus baseline; 95% interval and p-value from Welch's t-test "
                       "(the samples treated as independent), the paired 95% t-interval of the "
                       "per-replicate differences (every scenario runs the same seeds: common "
                       "random numbers, so the paired interval is the sharper one), "
                       f"the Welch p-value adjusted for the {m} tests of this table "
                       "(Holm-Bonferroni: read this one when scanning many comparisons for "
                       "\"significant\" ones), p-value from the Mann-Whitney U test, effect size "
                       "Hedges' g (bias-corrected Cohen's d). Intervals are clipped to the "
                       "possible range of a difference. With few replicates the Mann-Whitney "
                       "test cannot reach small p-values (n = 3 against 3: p >= 0.1). LaTeX: "
                       "`tables/differences.tex` (compact), `tables/differences_full.tex` (every test).\n")
        if self.kind == "comparison" or len(body) <= 80:
            self.md.append(_md_table(header, body) + "\n")
        else:
            self.md.append(f"{len(body)} comparisons: see `tables/differences.csv`.\n")

    def component_swap(self) -> None:
        if self.kind != "component_swap":
            return
        sc = self.scen
        self.md.append("## Component swaps: main effects and interactions\n")
        self.md.append("Main effect of component A = Y(base with A swapped) - Y(base); "
                       "interaction of A and B = Y(AB) - Y(A) - Y(B) + Y(base) (difference in "
                       "differences; > 0: the components reinforce each other, complements). "
                       "Both are computed per replicate (same seed in every scenario) and "
                       "reported as mean [95% t-interval]; `*` marks intervals that exclude "
                       "0.\n")
        all_rows = []
        for base_idx in [i for i in sc.index if not sc.loc[i, "swaps"]]:
            preset = sc.loc[base_idx, "preset"]
            group = sc[(sc["preset"] == preset) & sc["swaps"].map(bool)]
            if group.empty:
                continue
            donor = next(iter(group["swaps"].iloc[0].values()))
            by_set = {tuple(sorted(s)): i for i, s in zip(group.index, group["swaps"])}
            singles = sorted(k[0] for k in by_set if len(k) == 1)
            for metric in self.metrics:
                y0 = self.values(base_idx, metric)
                for c in singles:
                    d = (self.values(by_set[(c,)], metric) - y0).dropna()
                    all_rows.append({"base": preset, "donor": donor, "effect": "main",
                                     "components": c, "metric": metric,
                                     **clip_ci(mean_ci(d), *diff_bounds(metric))})
                for k, i in by_set.items():
                    if len(k) != 2 or (k[0],) not in by_set or (k[1],) not in by_set:
                        continue
                    d = (self.values(i, metric) - self.values(by_set[(k[0],)], metric)
                         - self.values(by_set[(k[1],)], metric) + y0).dropna()
                    all_rows.append({"base": preset, "donor": donor, "effect": "interaction",
                                     "components": "+".join(k), "metric": metric,
                                     **clip_ci(mean_ci(d), *diff_bounds(metric, 4))})
        if not all_rows:
            return
        df = self.table_csv(all_rows, "swap_effects.csv")
        head = self.metrics[:6]
        for (base, donor), g in df.groupby(["base", "donor"], sort=False):
            for effect in ("main", "interaction"):
                sub = g[g["effect"] == effect]
                if sub.empty:
                    continue
                comps = list(dict.fromkeys(sub["components"]))
                header = ["components"] + [output_title(mt) for mt in head]
                body = []
                for c in comps:
                    row = [c]
                    for metric in head:
                        r = sub[(sub["components"] == c) & (sub["metric"] == metric)].iloc[0]
                        star = "*" if math.isfinite(r.ci_low) and (r.ci_low > 0 or
                                                                    r.ci_high < 0) else ""
                        row.append(_ci(r["mean"], r.ci_low, r.ci_high) + star)
                    body.append(row)
                title = (f"{'Main effects' if effect == 'main' else 'Pairwise interactions'}"
                         f": components from {donor} into {base}")
                self.md.append(f"### {title}\n")
                self.md.append(_md_table(header, body) + "\n")
                stem = f"swap_{effect}_{base}"
                self.files.append(write_latex(self.tables / f"{stem}.tex", header, body,
                                              title + " (mean and 95% t-interval over "
                                              "replicates; * excludes 0"
                                              + self.caveat_short() + ")", f"tab:{stem}"))
                if self.figures:
                    self._swap_figure(sub, head, title, stem, effect)
        self.md.append("Every metric: `tables/swap_effects.csv`.\n")

    def _swap_figure(self, sub: pd.DataFrame, metrics: list[str], title: str, stem: str,
                     effect: str) -> None:
        import matplotlib.pyplot as plt

        n = len(metrics)
        ncol = min(3, n)
        nrow = math.ceil(n / ncol)
        fig, axes = plt.subplots(nrow, ncol, figsize=(4.2 * ncol, 3.2 * nrow), squeeze=False)
        for ax, metric in zip(axes.flat, metrics):
            s = sub[sub["metric"] == metric]
            if effect == "main":
                y = np.arange(len(s))
                err = np.vstack([s["mean"] - s["ci_low"], s["ci_high"] - s["mean"]])
                ax.barh(y, s["mean"], xerr=np.nan_to_num(err), color="tab:blue", alpha=0.7)
                ax.set_yticks(y, s["components"])
                ax.axvline(0, color="k", lw=0.8)
            else:
                comps = sorted({c for k in s["components"] for c in k.split("+")})
                mat = np.full((len(comps), len(comps)), np.nan)
                for r in s.itertuples():
                    a, b = r.components.split("+")
                    i, j = comps.index(a), comps.index(b)
                    mat[i, j] = mat[j, i] = r.mean
                lim = np.nanmax(np.abs(mat)) if np.isfinite(mat).any() else 1.0
                im = ax.imshow(mat, cmap="RdBu_r", vmin=-lim or -1, vmax=lim or 1)
                ax.set_xticks(range(len(comps)), comps, rotation=45, ha="right")
                ax.set_yticks(range(len(comps)), comps)
                fig.colorbar(im, ax=ax, shrink=0.8)
            ax.set_title(output_title(metric), fontsize=9)
        for ax in list(axes.flat)[n:]:
            ax.axis("off")
        fig.suptitle(title, fontsize=10)
        fig.tight_layout()
        self.save(fig, stem)

    def sweep(self) -> None:
        if self.kind != "sweep":
            return
        pcols = [c for c in self.runs.columns if c.startswith("param.")]
        grid = self.spec.get("grid", {})
        swept = [f"param.{k}" for k in grid if f"param.{k}" in pcols]
        if not swept:
            return
        if len(swept) >= 2:  # two swept dimensions: leader tables per grid point
            order = _grid_order(str(self.scen["name"].iloc[0]), [c[6:] for c in swept])
            self.sweep_2d(order[0], order[1])
            return
        x = swept[0]
        self.md.append(f"## Sweep over `{x[6:]}`\n")
        rows = []
        for idx in self.scen.index:
            r = self.runs[self.runs["scenario_index"] == idx]
            for metric in self.metrics:
                rows.append({"base": self.scen.loc[idx, "base"], "x": float(r[x].iloc[0]),
                             "metric": metric, **clip_ci(mean_ci(r[metric]), *bounds(metric))})
        df = self.table_csv(rows, "sweep.csv")
        for metric in self.metrics:  # every metric: the sweep is read metric by metric
            sub = df[df["metric"] == metric]
            xs = sorted(sub["x"].unique())
            header = [x[6:]] + list(dict.fromkeys(sub["base"]))
            body = [[_f(v)] + [_ci(*sub[(sub["base"] == b) & (sub["x"] == v)]
                                   [["mean", "ci_low", "ci_high"]].iloc[0])
                               for b in header[1:]] for v in xs]
            self.md.append(f"### {_metric(metric)}\n")
            self.md.append(_md_table(header, body) + "\n")
            self.files.append(write_latex(self.tables / f"sweep_{metric}.tex", header, body,
                                          f"{output_title(metric)} by {x[6:]} and preset (mean, "
                                          "95% CI" + self.caveat_short() + ")",
                                          f"tab:sweep_{metric}"))
        if self.figures:
            import matplotlib.pyplot as plt

            n = len(self.metrics)
            ncol = min(3, n)
            nrow = math.ceil(n / ncol)
            fig, axes = plt.subplots(nrow, ncol, figsize=(4.2 * ncol, 3 * nrow), squeeze=False)
            for ax, metric in zip(axes.flat, self.metrics):
                sub = df[df["metric"] == metric]
                for base, g in sub.groupby("base", sort=False):
                    g = g.sort_values("x")
                    ax.plot(g["x"], g["mean"], marker="o", ms=3, label=base)
                    ax.fill_between(g["x"], g["ci_low"], g["ci_high"], alpha=0.2)
                ax.set_title(output_title(metric), fontsize=9)
                ax.set_xlabel(x[6:], fontsize=8)
            for ax in list(axes.flat)[n:]:
                ax.axis("off")
            axes.flat[0].legend(fontsize=7)
            fig.tight_layout()
            self.save(fig, "sweep")

    def sensitivity(self) -> None:
        if self.kind != "sensitivity":
            return
        sample = self.spec.get("sample") or {}
        X = np.asarray(self.manifest.get("sample_matrix", []), dtype=float)
        if X.size == 0:
            self.md.append("No sample matrix in manifest.json: cannot compute indices.\n")
            return
        from .spec import salib_problem

        problem = salib_problem(sample)
        outputs = [o for o in sample.get("outputs", self.metrics) if o in self.runs]
        sc = self.scen
        rows = []
        notes = []
        for base in dict.fromkeys(sc["base"]):
            g = sc[sc["base"] == base].sort_values("point")
            for out in outputs:
                means = self.runs.groupby("scenario_index")[out].mean()
                Y = np.array([means.get(i, np.nan) for i in g.index], dtype=float)
                if np.isnan(Y).any():
                    notes.append(f"{base}/{out}: {int(np.isnan(Y).sum())} points without "
                                 "results were filled with the mean")
                    Y = np.where(np.isnan(Y), np.nanmean(Y), Y)
                if np.ptp(Y) == 0:
                    notes.append(f"{base}/{out}: the same value at every point; no indices")
                    continue
                try:
                    rows.extend(_salib_indices(sample, problem, X[: len(Y)], Y, base, out))
                except (ValueError, ZeroDivisionError, np.linalg.LinAlgError) as exc:
                    notes.append(f"{base}/{out}: SALib could not estimate the indices "
                                 f"({type(exc).__name__}: {exc}); more points may help")
        df = self.table_csv(rows, "sensitivity.csv")
        method = sample.get("analysis", sample.get("method", "morris"))
        design = sample.get("method", "morris")
        title = method if method == design else f"{method} analysis of a {design} sample"
        self.md.append(f"## Global sensitivity ({title})\n")
        self.md.append("Each point's output is the mean over the replicates (same seeds at "
                       "every point). Parameter ranges:\n")
        self.md.append(_md_table(["parameter", "low", "high"],
                                 [[n, _f(b[0]), _f(b[1])] for n, b in
                                  zip(problem["names"], problem["bounds"])]) + "\n")
        for note in notes:
            self.md.append(f"- {note}\n")
        if df.empty:
            return
        if method == "fast":
            self.md.append("FAST confidence intervals are bootstrap estimates, which SALib "
                           "calls indicative only.\n")
        if method == "delta":
            self.md.append("delta: Borgonovo's moment-independent index (0: the output's "
                           "distribution does not depend on the factor); S1: first-order "
                           "index estimated from the same sample.\n")
        key = {"morris": "mu_star", "delta": "delta"}.get(method, "ST")
        for (base, out), g in df.groupby(["base", "output"], sort=False):
            g = g.sort_values(key, ascending=False)
            if method == "morris":
                header = ["parameter", "mu*", "mu* 95% conf", "mu", "sigma"]
                body = [[r.parameter, _f(r.mu_star), _f(r.mu_star_conf), _f(r.mu),
                         _f(r.sigma)] for r in g.itertuples()]
            elif method == "delta":
                header = ["parameter", "delta", "delta conf", "S1", "S1 conf"]
                body = [[r.parameter, _f(r.delta), _f(r.delta_conf), _f(r.S1), _f(r.S1_conf)]
                        for r in g.itertuples()]
            else:
                header = ["parameter", "S1", "S1 conf", "ST", "ST conf"]
                body = [[r.parameter, _f(r.S1), _f(r.S1_conf), _f(r.ST), _f(r.ST_conf)]
                        for r in g.itertuples()]
            self.md.append(f"### {out} ({base})\n")
            self.md.append(_md_table(header, body) + "\n")
            self.files.append(write_latex(self.tables / f"sensitivity_{base}_{out}.tex",
                                          header, body, f"{method} indices of {out} ({base})",
                                          f"tab:sens_{out}"))
        if self.figures:
            import matplotlib.pyplot as plt

            groups = list(df.groupby(["base", "output"], sort=False))
            ncol = min(3, len(groups))
            nrow = math.ceil(len(groups) / ncol)
            fig, axes = plt.subplots(nrow, ncol, figsize=(4.4 * ncol, 3.4 * nrow),
                                     squeeze=False)
            for ax, ((base, out), g) in zip(axes.flat, groups):
                if method == "morris":
                    ax.scatter(g["mu_star"], g["sigma"], s=12)
                    for r in g.itertuples():
                        ax.annotate(r.parameter, (r.mu_star, r.sigma), fontsize=6)
                    ax.set_xlabel("mu*", fontsize=8)
                    ax.set_ylabel("sigma", fontsize=8)
                else:
                    g = g.sort_values(key)
                    ax.barh(g["parameter"], g[key], xerr=g[f"{key}_conf"], alpha=0.7)
                    ax.set_xlabel(key, fontsize=8)
                    ax.tick_params(labelsize=6)
                ax.set_title(f"{output_title(out)} ({base})", fontsize=9)
            for ax in list(axes.flat)[len(groups):]:
                ax.axis("off")
            fig.tight_layout()
            self.save(fig, "sensitivity")

    # structural uncertainty (sensitivity design run for several presets)
    def _base_table(self) -> pd.DataFrame:
        """The runs with their scenario's ``base`` and ``point``."""
        return self.runs.merge(self.scen[["base", "point"]], left_on="scenario_index",
                               right_index=True, how="left")

    def structural_uncertainty(self) -> None:
        if self.kind != "sensitivity":
            return
        bases = list(dict.fromkeys(self.scen["base"]))
        if len(bases) < 2:
            return
        sample = self.spec.get("sample") or {}
        X = np.asarray(self.manifest.get("sample_matrix", []), dtype=float)
        from .spec import salib_problem

        morris_ok = sample.get("method", "morris") == "morris" and X.size > 0
        problem = salib_problem(sample) if morris_ok else None
        metrics = [m for m in sample.get("outputs", HEADLINE_METRICS) if m in self.runs]
        df = ordering_verdicts(self._base_table(), metrics, bases,
                               X=X if morris_ok else None, problem=problem,
                               levels=sample.get("levels", 4), seed=sample.get("seed"))
        self.table_csv(df.drop(columns=["mu_star"]).to_dict("records"),
                       "structural_verdicts.csv")
        mu_rows = [{"a": r.a, "b": r.b, "metric": r.metric, "factor": k, "mu_star": v}
                   for r in df.itertuples() for k, v in r.mu_star.items()]
        if mu_rows:
            self.table_csv(mu_rows, "structural_mu_star.csv")
        n_points = int(self.scen["point"].max()) + 1 if len(self.scen) else 0
        reps = self.runs["replicate"].nunique()
        self.md.append("## Orderings across structural uncertainty\n")
        self.md.append(
            f"Each of the {n_points} sample points sets every sampled structural constant and "
            f"technology parameter (ranges above; declared in `abm/structural.py`) and is run "
            f"for every preset with the same {reps} replicate seed(s). For each pair A, B the "
            "difference A - B is paired by seed and averaged over replicates at each point. "
            f"An ordering is **robust** when it holds at >= {ROBUST_SHARE:.0%} of the points. "
            "*Reversed (sig.)*: share of points whose 95% interval over replicates excludes "
            "zero against the majority direction (empty with one replicate). *Deciding "
            "factors*: largest Morris mu* of the per-point difference A - B (its units).\n")
        header = ["metric", "A vs B", "A > B", "B > A", "tie", "reversed (sig.)",
                  "mean A - B", "verdict", "deciding factors (mu*)"]
        body = [[_metric(r.metric), f"{r.a} vs {r.b}", _pct(r.share_a_gt_b),
                 _pct(r.share_b_gt_a), _pct(r.share_tie), _pct(r.reversed_sig),
                 _f(r.mean_diff), _verdict_cell(r.verdict, r.robust), r.deciding or "–"]
                for r in df.sort_values(["metric", "a", "b"], kind="stable").itertuples()]
        self.md.append(_md_table(header, body) + "\n")
        self.files.append(write_latex(self.tables / "structural_verdicts.tex", header,
                                      [[c.replace("**", "") for c in row] for row in body],
                                      "Headline orderings across the declared structural "
                                      "ranges: share of sample points where A > B, verdict "
                                      "and deciding factors (Morris mu* of A - B)",
                                      "tab:structural_verdicts"))
        def listed(kind: str) -> str:
            sub = df[df["robust"] == kind]
            return ", ".join(f"`{r.metric}` {r.a} vs {r.b}" for r in sub.itertuples()) \
                or "none"

        self.md.append(f"{int((df['robust'] == 'robust').sum())} of {len(df)} orderings are "
                       f"robust; weakly robust (never reversed, often tied): {listed('weak')}; "
                       f"not robust: {listed('no')}; equal everywhere: {listed('equal')}. "
                       "LaTeX: `tables/structural_verdicts.tex`.\n")

    # two-dimensional technology sweep
    def sweep_2d(self, x: str, y: str) -> None:
        bases = list(dict.fromkeys(self.scen["base"]))
        t = self._base_table().rename(columns={f"param.{x}": x, f"param.{y}": y})
        self.md.append(f"## Sweep over `{x}` x `{y}`\n")
        self.md.append(
            f"Rows: `{x}`; columns: `{y}`. Each cell names the preset with the highest mean "
            "and its margin over the runner-up: the mean over replicates of the paired "
            "difference (common seeds) with its 95% t-interval; * marks an interval that "
            "excludes zero. Then, per pair of presets, the grid points where each is "
            "significantly higher. Every mean is in `tables/sweep2d_leaders.csv`.\n")
        leaders, pairs = [], []
        for metric in self.metrics:
            lt = sweep_leaders(t, metric, x, y, bases)
            pw = sweep_pairwise(t, metric, x, y, bases)
            leaders += [{"metric": metric, **r} for r in lt.to_dict("records")]
            pairs += pw.to_dict("records")
            ys = sorted(lt[y].unique())
            header = [f"{x} \\ {y}"] + [_f(v) for v in ys]
            body = []
            for xv in sorted(lt[x].unique()):
                row = [_f(xv)]
                for yv in ys:
                    c = lt[(lt[x] == xv) & (lt[y] == yv)].iloc[0]
                    if c["leader"] in ("tie", "–") or not math.isfinite(c["margin"]):
                        row.append(str(c["leader"]))
                    else:
                        row.append(f"{c['leader']} +{_ci(c['margin'], c['ci_low'], c['ci_high'])}"
                                   + ("*" if c["significant"] else "")
                                   + f" over {c['runner_up']}")
                body.append(row)
            self.md.append(f"### {_metric(metric)}\n")
            self.md.append(_md_table(header, body) + "\n")
            self.files.append(write_latex(self.tables / f"sweep2d_{metric}.tex", header, body,
                                          f"{output_title(metric)}: leading preset and margin "
                                          f"over the runner-up by {x} and {y} (95% CI)",
                                          f"tab:sweep2d_{metric}"))
            lines = []
            for r in pw.itertuples():
                def at(k: int, where: str) -> str:
                    return " (all)" if k == r.points else (f" {where}" if where else "")

                lines.append(f"- {r.a} vs {r.b}: {r.a} higher at {r.a_higher} of {r.points} "
                             f"points{at(r.a_higher, r.a_higher_at)}; {r.b} higher at "
                             f"{r.b_higher}{at(r.b_higher, r.b_higher_at)}; "
                             f"indistinguishable at {r.neither}.")
            wins = lt["leader"].value_counts()
            lead = ", ".join(f"{b} at {int(wins.get(b, 0))}" for b in bases)
            self.md.append(f"Highest mean ({x}, {y}): {lead} of {len(lt)} points.\n")
            self.md.append("\n".join(lines) + "\n")
        self.table_csv(leaders, "sweep2d_leaders.csv")
        self.table_csv(pairs, "sweep2d_pairwise.csv")
        self._sweep_2d_figure(t, x, y, bases)

    SWEEP_FIGURE_METRICS = ("productivity_growth", "innovation_total")
    """Metrics drawn as heat maps over the two-dimensional sweep (those reported)."""

    def _sweep_2d_figure(self, t: pd.DataFrame, x: str, y: str, bases: list[str]) -> None:
        """One row of heat maps per metric, one panel per preset, a colour scale shared
        within a row (cividis: colour-blind safe, monotone in lightness); each cell prints the
        mean over replicates."""
        metrics = [m for m in self.SWEEP_FIGURE_METRICS if m in self.metrics and m in t]
        if not self.figures or not metrics:
            return
        import matplotlib.pyplot as plt

        xs, ys = sorted(t[x].unique()), sorted(t[y].unique())
        fig, axes = plt.subplots(len(metrics), len(bases), squeeze=False,
                                 figsize=(3.2 * len(bases) + 0.8, 3.2 * len(metrics)),
                                 gridspec_kw={"hspace": 0.55})
        for i, metric in enumerate(metrics):
            means = t.groupby(["base", x, y])[metric].mean()
            grids = {b: np.array([[means.get((b, xv, yv), np.nan) for yv in ys] for xv in xs])
                     for b in bases}
            finite = np.concatenate([g[np.isfinite(g)] for g in grids.values()])
            lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
            for j, b in enumerate(bases):
                ax = axes[i][j]
                im = ax.imshow(grids[b], origin="lower", aspect="auto", cmap="cividis",
                               vmin=lo, vmax=hi)
                for (r, c), v in np.ndenumerate(grids[b]):
                    if np.isfinite(v):
                        ax.text(c, r, _f(v, 3), ha="center", va="center", fontsize=7,
                                color="white" if v < (lo + hi) / 2 else "black")
                ax.set_xticks(range(len(ys)), [_f(v, 2) for v in ys])
                ax.set_yticks(range(len(xs)), [_f(v, 2) for v in xs])
                ax.grid(False)
                ax.set_xlabel(y)
                if j == 0:
                    ax.set_ylabel(x)
                ax.set_title(f"{b}\n{output_title(metric)}", fontsize=8)
            cb = fig.colorbar(im, ax=list(axes[i]), shrink=0.9)
            cb.set_label(axis_label(metric), fontsize=7)
        self.md.append(f"### Figure: {', '.join(_metric(m) for m in metrics)} over `{x}` x "
                       f"`{y}`\n\nMean over replicates per grid point and preset (one colour "
                       "scale per row).\n")
        self.save(fig, "sweep2d")

    # figures common to every kind
    def common_figures(self) -> None:
        if not self.figures:
            return
        import matplotlib

        matplotlib.use("Agg", force=True)
        show = self.headline_scenarios()
        if not show:
            return
        self.md.append("## Figures\n")
        self.progress("figure: time series")
        self._timeseries_figure(show)
        self.progress("figure: exit mix")
        self._exit_mix_figure(show)
        self.progress("figures: distributions")
        self._distribution_figures(show)
        self.progress("figure: metrics by scenario")
        self._metric_box_figure(show)
        if self.network:
            self._network_figure(show)

    def policy_starts(self, show: list[int]) -> dict[int, int]:
        """Scenario -> the step its scheduled plan starts, for plans that start in the run."""
        steps = int(self.runs["steps"].max())
        out = {}
        if "parameters" not in self.scen:
            return out
        for idx in show:
            params = self.scen.loc[idx, "parameters"]
            start = params.get("plan_start_step") if isinstance(params, dict) else None
            if start is not None and 0 < int(start) <= steps:
                out[idx] = int(start)
        return out

    def _timeseries_figure(self, show: list[int]) -> None:
        if self.ts is None and self.series and (self.figdir / "timeseries.png").exists():
            # a shipped folder keeps the figure drawn when the runs were made, not the series
            self.md.append("Time series (drawn from `timeseries.parquet` when the runs were "
                           "made; this folder does not keep the series, so the figure is not "
                           "redrawn):\n")
            self.md.append("![timeseries](figures/timeseries.png)\n")
            return
        if self.ts is None or not self.series:
            return
        import matplotlib.pyplot as plt

        ids = self.runs[["run_id", "scenario_index"]]
        ts = self.ts.merge(ids, on="run_id")
        ts = ts[ts["scenario_index"].isin(show)]
        # no empty panels: a series that is absent or never finite is left out (and said so)
        series = [s for s in self.series if s in ts.columns and np.isfinite(ts[s]).any()]
        missing = [s for s in self.series if s not in series]
        if missing:
            self.md.append("Time series not drawn (not collected or no values): "
                           + ", ".join(f"`{s}`" for s in missing) + ".\n")
        if not series:
            return
        starts = self.policy_starts(show)
        n = len(series)
        ncol = min(3, n)
        nrow = math.ceil(n / ncol)
        fig, axes = plt.subplots(nrow, ncol, figsize=(4.2 * ncol, 2.9 * nrow), squeeze=False,
                                 sharex=True)
        for ax, s in zip(axes.flat, series):
            ax.axvspan(0, BURN_IN + 0.5, color=palette.BURN_IN, lw=0, zorder=0)
            for k, idx in enumerate(show):
                colour = palette.cycle(k)
                g = ts[ts["scenario_index"] == idx].groupby("step")[s]
                m, sd, cnt = g.mean(), g.std(ddof=1), g.count()
                h = t_half_width(sd, cnt)
                lo, hi = bounds(s)
                ax.plot(m.index, m.values, lw=1.3, color=colour, label=self.name(idx))
                ax.fill_between(m.index, np.clip((m - h).values, lo, hi),
                                np.clip((m + h).values, lo, hi), alpha=0.2, color=colour,
                                lw=0)
                if idx in starts:
                    ax.axvline(starts[idx], color=colour, ls=":", lw=1.2)
            ax.set_title(OUTPUTS[s].label if s in OUTPUTS else s)
            ax.set_ylabel(axis_label(s))
        for ax in list(axes.flat)[n:]:
            ax.remove()
        for ax in axes[-1] if n % ncol == 0 else list(axes.flat)[n - ncol:n]:
            ax.set_xlabel("step (quarter)")
        from matplotlib.lines import Line2D
        from matplotlib.patches import Patch

        handles = [Line2D([], [], color=palette.cycle(k), lw=1.5, label=self.name(i))
                   for k, i in enumerate(show)]
        handles.append(Patch(color=palette.BURN_IN, label=f"burn-in (steps 1-{BURN_IN})"))
        if starts:
            handles.append(Line2D([], [], color="#555555", ls=":", label="policy plan starts"))
        fig.legend(handles=handles, loc="lower center", ncol=min(len(handles), 5),
                   frameon=False)
        fig.suptitle("Means over replicates; bands: 95% CI of the mean (clipped to the "
                     "possible range)", fontsize=9)
        rows = math.ceil(len(handles) / min(len(handles), 5))
        fig.tight_layout(rect=(0, (0.15 + 0.22 * rows) / fig.get_figheight(), 1, 0.97))
        self.save(fig, "timeseries")

    def _exit_mix_figure(self, show: list[int]) -> None:
        import matplotlib.pyplot as plt

        cols = [c for c in ("exits_ipo", "exits_ma", "failures") if c in self.runs]
        means = np.array([[self.values(i, c).mean() for c in cols] for i in show])
        tot = means.sum(axis=1, keepdims=True)
        shares = np.divide(means, tot, out=np.zeros_like(means), where=tot > 0)
        fig, axes = plt.subplots(1, 2, figsize=(10, 3.2))
        names = [self.name(i) for i in show]
        colours = [palette.SERIES.get(c, palette.cycle(j)) for j, c in enumerate(cols)]
        for ax, data, title, xlabel in (
                (axes[0], means, "Exits and failures after the burn-in", "startups (mean)"),
                (axes[1], shares, "Share of outcomes", "share of exits and failures")):
            left = np.zeros(len(show))
            for j, c in enumerate(cols):
                ax.barh(names, data[:, j], left=left, label=OUTPUTS[c].label, color=colours[j])
                left += data[:, j]
            ax.set_title(title)
            ax.set_xlabel(xlabel)
            ax.grid(axis="y", visible=False)
        axes[1].legend(loc="lower right")
        fig.tight_layout()
        self.save(fig, "exit_mix")

    def _distribution_figures(self, show: list[int]) -> None:
        if self.dist is None or self.dist.empty:
            return
        import matplotlib.pyplot as plt

        d = self.dist.merge(self.runs[["run_id", "scenario_index"]], on="run_id")
        fig, axes = plt.subplots(1, 2, figsize=(10, 3.4))
        for idx in show:
            dm = d[(d["scenario_index"] == idx) & (d["kind"] == "deal_multiple")]["value"]
            if len(dm):
                v = dm.to_numpy()
                lost = float(np.mean(v <= 1e-6))
                v = np.log10(v[v > 1e-6])
                if v.size:
                    axes[0].hist(v, bins=40, histtype="step", density=True,
                                 color=palette.cycle(show.index(idx)),
                                 label=f"{self.name(idx)} ({lost:.0%} written off)")
            fs = d[(d["scenario_index"] == idx)
                   & d["kind"].isin(["startup_size", "incumbent_size"])]["value"].to_numpy()
            fs = np.sort(fs[fs > 0])
            if fs.size:
                ccdf = 1.0 - np.arange(fs.size) / fs.size
                axes[1].loglog(fs, ccdf, lw=1, label=self.name(idx),
                               color=palette.cycle(show.index(idx)))
        axes[0].set_title("Realised deal multiples above 0")
        axes[0].set_xlabel("log10(proceeds / cost); 0 = money back")
        axes[0].set_ylabel("density")
        axes[0].axvline(0, color="k", lw=0.6)
        axes[1].set_title("Firm size at the end of the run")
        axes[1].set_xlabel("headcount (workers)")
        axes[1].set_ylabel("share of firms at least this large")
        for ax in axes:
            if ax.get_legend_handles_labels()[0]:
                ax.legend()
        fig.tight_layout()
        self.save(fig, "distributions")

    def _metric_box_figure(self, show: list[int]) -> None:
        import matplotlib.pyplot as plt

        metrics = self.metrics[:12]
        ncol = min(4, len(metrics))
        nrow = math.ceil(len(metrics) / ncol)
        fig, axes = plt.subplots(nrow, ncol, figsize=(3.4 * ncol, 2.6 * nrow), squeeze=False)
        for ax, metric in zip(axes.flat, metrics):
            data = [self.values(i, metric).dropna().to_numpy() for i in show]
            ax.boxplot(data, showmeans=True)
            ax.set_xticks(range(1, len(show) + 1), [self.name(i) for i in show],
                          rotation=30, ha="right", fontsize=7)
            o = OUTPUTS.get(metric)
            ax.set_title(o.label if o else metric, fontsize=9)
            ax.set_ylabel(axis_label(metric))
        for ax in list(axes.flat)[len(metrics):]:
            ax.remove()
        fig.tight_layout()
        self.save(fig, "metric_distributions")

    def _network_figure(self, show: list[int]) -> None:
        import matplotlib.pyplot as plt
        from matplotlib.lines import Line2D

        from .spec import RunSpec

        show = show[:4]
        fig, axes = plt.subplots(1, len(show), figsize=(4.5 * len(show), 4.9), squeeze=False)
        for k, (ax, idx) in enumerate(zip(axes.flat, show)):
            self.progress(f"network snapshot {k + 1}/{len(show)}: re-running {self.name(idx)}")
            r = self.runs[self.runs["scenario_index"] == idx].sort_values("replicate").iloc[0]
            # the run itself, rebuilt exactly (dated reforms and constants included)
            spec = RunSpec.of_rows(self.runs[self.runs["run_id"] == r["run_id"]],
                                   self.manifest.get("scenarios"))[0]
            g = snapshot_graph(spec)
            _draw_graph(ax, g, seed=int(r["seed"]) % (2**32))
            counts = graph_counts(g)
            ax.set_title(f"{self.name(idx)} (replicate {int(r['replicate'])}, step "
                         f"{int(r['steps'])})\n{counts['startup']} startups, {counts['fund']} "
                         f"funds, {counts['incumbent']} incumbents shown", fontsize=8)
        nodes = [Line2D([], [], marker="o", ls="", color=c, label=k.replace("_", " "))
                 for k, c in NODE_COLOURS.items()]
        edges = [Line2D([], [], color=c, lw=2, label=k.replace("_", " "))
                 for k, c in palette.TIE.items()]
        fig.legend(handles=nodes + edges, loc="lower center", ncol=7, fontsize=7,
                   frameon=False)
        fig.tight_layout(rect=(0, 0.12, 1, 1))
        self.save(fig, "network")
        self.md.append("Network snapshots: one model per scenario re-run to the end of the "
                       f"horizon; a sample of at most {SNAPSHOT_NODES} connected nodes (at "
                       "least half of them startups, at most a fifth funds, the best-connected "
                       "first), seeded spring layout; colours as in the app.\n")

    def write(self) -> list[Path]:
        import matplotlib

        with matplotlib.rc_context(FIG_RC):
            return self._write()

    def _write(self) -> list[Path]:
        self.progress("summary tables")
        self.header()
        self.summary_tables()
        self.progress("differences between scenarios")
        self.differences()
        self.progress("analyses (swaps, sweeps, sensitivity)")
        self.component_swap()
        self.reform_sequencing()
        self.japan_history()
        __import__("experiments.histories").histories.section(self)  # issue 29: beside the data
        self.maturation()
        self.policy_withdrawal()
        self.sweep()
        self.sensitivity()
        self.structural_uncertainty()
        self.common_figures()
        report = self.folder / "report.md"
        report.write_text("\n".join(self.md), encoding="utf-8")
        return [report] + self.files

    # -- reform sequencing ---------------------------------------------------------------------
    def reform_sequencing(self) -> None:
        """Orders of reforms and interactions at horizons (kind ``reform_sequencing``)."""
        seq = self.spec.get("sequence")
        if self.kind != "reform_sequencing" or not seq:
            return
        sc = self.scen
        h_years = [float(h) for h in seq["horizons_years"]]
        offset = 4 * (int(seq["first_year"]) - int(seq.get("start_year", seq["first_year"])))
        ids = self.runs[["run_id", "scenario_index", "replicate"]]
        hm = self.per_run("sequencing_horizon_metrics.csv", lambda ts: horizon_metrics(
            ts, [offset + int(round(4 * h)) for h in h_years], offset).merge(ids, on="run_id"))
        if hm is None:
            return
        base_idx = next(i for i in sc.index if sc.loc[i, "name"] == seq["base"])
        donor = seq["donor"]
        y0, dy = int(seq["first_year"]), int(seq["interval_years"])

        def vals(idx: int, metric: str, step: int) -> pd.Series:
            r = hm[(hm["scenario_index"] == idx) & (hm["horizon_step"] == step)]
            return r.set_index("replicate")[metric]

        steps = sorted(hm["horizon_step"].unique())
        label = {st: f"{(st - offset) / 4:g} y" for st in steps}
        order_idx = [i for i in sc.index if isinstance(sc.loc[i, "order"], list)
                     and sc.loc[i, "order"]] if "order" in sc else []
        dated = sc["dated_swaps"].map(lambda d: d if isinstance(d, dict) else {}) \
            if "dated_swaps" in sc else pd.Series({i: {} for i in sc.index})
        comps = seq["components"]
        bang = [i for i in sc.index if len(dated[i]) == len(comps) and i not in order_idx]
        self.md.append("## Reform sequencing: orders, growth and innovation\n")
        self.md.append(
            f"From `{seq['base']}`, one component at a time takes `{donor}`'s setting (a dated "
            f"swap, docs/ODD.md 7.20) every {dy} years from {y0} on, in each order below; the "
            f"horizons count years from {y0} (the first reform). Outcomes at a horizon *H*: "
            "**output growth** = yearly log growth of real output from the year before the "
            "first reform to the year ending at *H* (% a year); **innovation** = innovations "
            "per year from the first reform to *H* (startups, incumbents and partnerships); "
            "**founded** = startups founded per year over the same window. Each cell is the "
            f"paired difference against `{seq['base']}` without reform (same seed, common "
            "random numbers), mean [95% t-interval over replicates]; `*` marks intervals that "
            "exclude 0; **bold** the order (of the sequences, not all at once) with the highest mean at that horizon.\n")
        rows = []
        for idx in order_idx + bang:
            name = " > ".join(sc.loc[idx, "order"]) if idx in order_idx else "all at once"
            for st in steps:
                for metric in HORIZON_METRICS:
                    d = (vals(idx, metric, st) - vals(base_idx, metric, st)).dropna()
                    rows.append({"scenario": self.name(idx), "order": name,
                                 "horizon_years": (st - offset) / 4, "metric": metric,
                                 **mean_ci(d)})
        if not rows:
            return
        df = self.table_csv(rows, "sequencing_orders.csv")
        for metric in HORIZON_METRICS:
            sub = df[df["metric"] == metric]
            best = {h: sub[(sub["horizon_years"] == h) & (sub["order"] != "all at once")]
                    .sort_values("mean", ascending=False)["order"].iloc[0]
                    for h in sub["horizon_years"].unique()}
            header = ["order"] + [label[st] for st in steps]
            body = []
            for name in dict.fromkeys(sub["order"]):
                row = [name]
                for st in steps:
                    h = (st - offset) / 4
                    r = sub[(sub["order"] == name) & (sub["horizon_years"] == h)].iloc[0]
                    star = "*" if math.isfinite(r.ci_low) and (r.ci_low > 0 or
                                                                r.ci_high < 0) else ""
                    cell = _ci(r["mean"], r.ci_low, r.ci_high) + star
                    row.append(f"**{cell}**" if best.get(h) == name else cell)
                body.append(row)
            title = f"{HORIZON_TITLES[metric]}: reform orders against no reform"
            self.md.append(f"### {title}\n")
            self.md.append(_md_table(header, body) + "\n")
            stem = f"sequencing_{metric}"
            self.files.append(write_latex(self.tables / f"{stem}.tex", header, body,
                                          title + " (paired difference, mean and 95% "
                                          "t-interval; * excludes 0" + self.caveat_short()
                                          + ")", f"tab:{stem}"))
        # is the best order distinguishable from the runner-up? (paired, same seeds)
        lines = []
        for metric in HORIZON_METRICS:
            for st in steps:
                h = (st - offset) / 4
                means = sorted(((vals(i, metric, st).mean(), i) for i in order_idx),
                               reverse=True)
                if len(means) < 2:
                    continue
                (_, a), (_, b) = means[0], means[1]
                d = mean_ci((vals(a, metric, st) - vals(b, metric, st)).dropna())
                resolved = math.isfinite(d["ci_low"]) and d["ci_low"] > 0
                lines.append(f"* {HORIZON_TITLES[metric]}, {h:g} years: best "
                             f"`{' > '.join(sc.loc[a, 'order'])}`, ahead of "
                             f"`{' > '.join(sc.loc[b, 'order'])}` by "
                             f"{_ci(d['mean'], d['ci_low'], d['ci_high'])}"
                             + (" (resolved)" if resolved else
                                " (not resolved: the interval includes 0)"))
        self.md.append("Best order against the runner-up (paired difference):\n")
        self.md.append("\n".join(lines) + "\n")
        if self.figures and self.ts is not None:
            self._sequencing_figure(order_idx, bang, base_idx, offset)
        elif self.figures:
            self.kept_figure("sequencing_paths")
        self._sequencing_interactions(vals, steps, offset, dated, base_idx)
        self.md.append("Every number: `tables/sequencing_orders.csv`, "
                       "`tables/sequencing_interactions.csv`; per run and horizon: "
                       "`tables/sequencing_horizon_metrics.csv`.\n")

    def _sequencing_figure(self, order_idx, bang, base_idx, offset) -> None:
        """Paired difference against no reform, over time, of real output and of cumulative
        innovations since the first reform: one line per order (all at once dashed)."""
        import matplotlib

        matplotlib.use("Agg", force=True)
        import matplotlib.pyplot as plt

        ts = self.ts.merge(self.runs[["run_id", "scenario_index", "replicate"]], on="run_id")
        ts = ts[ts["step"] > offset].copy()
        ts["innov"] = (ts["innovation_startups"] + ts["innovation_incumbents"]
                       + ts["innovation_partnerships"])
        ts = ts.sort_values("step")
        ts["cum_innov"] = ts.groupby("run_id")["innov"].cumsum()
        wide = {col: ts.pivot_table(index=["scenario_index", "replicate"], columns="step",
                                    values=col) for col in ("real_output", "cum_innov")}
        fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
        for ax, col, title in zip(axes, ("real_output", "cum_innov"),
                                  ("Real output", "Innovations since the first reform")):
            base = wide[col].xs(base_idx, level="scenario_index")
            for k, idx in enumerate(order_idx + bang):
                d = wide[col].xs(idx, level="scenario_index") - base
                m = d.mean()
                label = (" > ".join(self.scen.loc[idx, "order"]) if idx in order_idx
                         else "all at once")
                ax.plot((m.index - offset) / 4, m.values, color=palette.cycle(k), lw=1.2,
                        ls="--" if idx in bang else "-", label=label)
            ax.axhline(0, color=palette.GREY, lw=0.8)
            ax.set_title(f"{title}: difference against no reform", fontsize=9)
            ax.set_xlabel("years since the first reform")
        axes[1].legend(fontsize=6, frameon=False, loc="upper left")
        fig.suptitle("Means over replicates of the paired difference (same seeds)", fontsize=9)
        fig.tight_layout()
        self.save(fig, "sequencing_paths")

    def _sequencing_interactions(self, vals, steps, offset, dated, base_idx) -> None:
        sc = self.scen
        by_set = {tuple(sorted(d)): i for i, d in dated.items()
                  if d and i in sc.index and not (isinstance(sc.loc[i, "order"], list)
                                                  and sc.loc[i, "order"])}
        pairs = [k for k in by_set if len(k) == 2 and (k[0],) in by_set and (k[1],) in by_set]
        if not pairs:
            return
        rows = []
        for metric in HORIZON_METRICS:
            for k in [k for k in by_set if len(k) == 1] + pairs:
                per = {}
                for st in steps:
                    y0 = vals(base_idx, metric, st)
                    if len(k) == 1:
                        d = vals(by_set[k], metric, st) - y0
                    else:
                        d = (vals(by_set[k], metric, st) - vals(by_set[(k[0],)], metric, st)
                             - vals(by_set[(k[1],)], metric, st) + y0)
                    per[st] = d
                    rows.append({"effect": "main" if len(k) == 1 else "interaction",
                                 "components": "+".join(k), "metric": metric,
                                 "horizon_years": (st - offset) / 4, **mean_ci(d.dropna())})
                if len(steps) >= 2:
                    change = (per[steps[-1]] - per[steps[0]]).dropna()
                    rows.append({"effect": ("main" if len(k) == 1 else "interaction")
                                 + "_change", "components": "+".join(k), "metric": metric,
                                 "horizon_years": (steps[-1] - steps[0]) / 4,
                                 **mean_ci(change)})
        df = self.table_csv(rows, "sequencing_interactions.csv")
        self.md.append("### Complementarities over time\n")
        self.md.append(
            "Every component, and every pair, reformed at the first reform date: interaction "
            "of A and B = Y(AB) - Y(A) - Y(B) + Y(no reform) at each horizon (> 0: "
            "complements), paired by replicate; the last column is the change of the "
            "interaction from the first to the last horizon (paired, mean [95% CI]). `*`: the "
            "interval excludes 0.\n")
        hdr = ["pair"] + [f"{(st - offset) / 4:g} y" for st in steps] + ["change"]
        for metric in HORIZON_METRICS:
            body = []
            for pair in ["+".join(k) for k in pairs]:
                sub = df[(df["components"] == pair) & (df["metric"] == metric)]
                row = [pair]
                for st in steps:
                    r = sub[(sub["effect"] == "interaction")
                            & (sub["horizon_years"] == (st - offset) / 4)].iloc[0]
                    row.append(_ci_star(r))
                ch = sub[sub["effect"] == "interaction_change"]
                row.append(_ci_star(ch.iloc[0]) if not ch.empty else "–")
                body.append(row)
            title = f"{HORIZON_TITLES[metric]}: pairwise interactions by horizon"
            self.md.append(f"#### {title}\n")
            self.md.append(_md_table(hdr, body) + "\n")
            stem = f"sequencing_interactions_{metric}"
            self.files.append(write_latex(self.tables / f"{stem}.tex", hdr, body,
                                          title + " (mean and 95% t-interval over replicates; "
                                          "* excludes 0" + self.caveat_short() + ")",
                                          f"tab:{stem}"))
        sig = df[(df["effect"] == "interaction_change") & (df["ci_low"] > 0)
                 | (df["effect"] == "interaction_change") & (df["ci_high"] < 0)]
        self.md.append(f"{len(sig)} of {int((df['effect'] == 'interaction_change').sum())} "
                       "interaction terms change between the first and the last horizon "
                       "with an interval that excludes 0.\n")

    # -- Japan 2000-2025 -----------------------------------------------------------------------
    def japan_history(self) -> None:
        """Year-by-year table of a ``japan_history`` run beside the public figures."""
        if "japan_history" not in set(self.scen["preset"]):
            return
        idx = next(i for i in self.scen.index if self.scen.loc[i, "preset"] == "japan_history")
        params = self.scen.loc[idx, "parameters"] if "parameters" in self.scen else None
        start = int(params.get("start_year", 2000)) if isinstance(params, dict) else 2000
        runs = self.runs[self.runs["scenario_index"] == idx]["run_id"]
        yearly = self.per_run("japan_history_yearly.csv",
                              lambda ts: yearly_table(ts[ts["run_id"].isin(runs)], start))
        if yearly is None:
            return
        yearly = yearly[yearly["run_id"].isin(runs)]
        years = [y for y in sorted(yearly["year"].unique()) if 2012 <= y <= 2025]
        if not years:
            return
        self.md.append("## Japan 2000-2025: the model's history, year by year\n")
        self.md.append(
            f"Scenario `{self.name(idx)}`: the `japan_history` preset from {start} (step 1 = "
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
        for y in years:
            row = [str(y)]
            for c in cols:
                v = yearly[(yearly["year"] == y)][c]
                ci = mean_ci(v)
                row.append(_ci(ci["mean"], ci["ci_low"], ci["ci_high"]) if c in cols[:5]
                           else _f(ci["mean"], 3))
            body.append(row)
        header = ["year"] + [names[c] for c in cols]
        self.md.append(_md_table(header, body) + "\n")
        self.files.append(write_latex(self.tables / "japan_history.tex", header, body,
                                      "japan_history, 2012-2025: model values per calendar "
                                      "year (mean and 95% t-interval over replicates)",
                                      "tab:japan_history"))
        pub = public_figures()
        if not pub:
            return
        self.md.append("### Beside the public figures (growth factors, not levels)\n")
        self.md.append("For each public series (`experiments/japan_public_figures.toml`, "
                       "sources there), its value in each year it reports divided by its "
                       "value in its first reported year, beside the model's matching series "
                       "divided the same way (model mean over replicates). Series that start "
                       "before 2012 are compared from their first year too; a model "
                       "ratio near the public one is agreement of shape only.\n")
        means = yearly.groupby("year").mean(numeric_only=True)
        body = []
        for key, s in pub.items():
            vals_ = {int(y): float(v) for y, v in s["values"].items()}
            ys = sorted(vals_)
            y0 = ys[0]
            mcol = s.get("model") or ""
            for y in ys:
                pub_ratio = vals_[y] / vals_[y0] if vals_[y0] else math.nan
                if mcol in means and y in means.index and y0 in means.index \
                        and means.loc[y0, mcol] > 0:
                    model_ratio = means.loc[y, mcol] / means.loc[y0, mcol]
                    model_cell = _f(model_ratio, 3)
                    level = _f(means.loc[y, mcol], 4)
                else:
                    model_cell, level = "–", "–"
                body.append([s["title"], str(y), _f(vals_[y], 4), _f(pub_ratio, 3),
                             level, model_cell])
        self.md.append(_md_table(["public series", "year", "public value",
                                  "public / first year", "model value", "model / first year"],
                                 body) + "\n")
        self.md.append("The model's unicorns count every startup that ever reached the "
                       "valuation (a cumulative count, listed or acquired ones included); the "
                       "public counts are of unlisted unicorns at the time, so only the "
                       "direction of change is comparable. ")
        self.md.append("No public yearly series of startups founded (in the model's sense: "
                       "ventures that seek risk capital) or of startup acquisitions was found "
                       "for the period; those columns have no public counterpart here.\n")

    # -- maturation and self-sustaining components ---------------------------------------------
    def _mat_scen(self) -> pd.DataFrame | None:
        if "parameters" not in self.scen:
            return None
        return self.scen

    def maturation(self) -> None:
        """Time for each component to reach a maturity level, loops on and off (scenarios that
        come in loops-on / loops-off pairs and withdraw no plan), and the self-sustaining
        analysis of a sibling ``policy_withdrawal`` folder."""
        sc = self._mat_scen()
        steps = int(self.runs["steps"].max())
        if sc is None or not any(f"maturity_{c}_end" in self.runs for c in MAT.COMPONENTS):
            return
        pairs = MAT.loop_pairs(sc)
        if not pairs or MAT.withdrawal_triplets(sc, steps):
            return
        comps = [c for c in MAT.COMPONENTS if f"maturity_{c}_end" in self.runs]
        horizon = steps / MAT.STEPS_PER_YEAR
        ths = MAT.THRESHOLDS
        self.md.append("## Maturation: time to reach a maturity level\n")
        self.md.append(
            "Each component's maturity index (docs/ODD.md 7.19, in [0, 1]; 0.5 at its reference "
            f"value) is read against two levels, **{ths[0]:g}** and **{ths[1]:g}**. *Time to "
            "reach* = the first quarter at which the index is at or above the level, in years "
            f"from the start of the run (step t = t / 4 years, the {BURN_IN / 4:g}-year burn-in "
            "included); a run already at the level in its first quarter counts as 0 (`at start` when "
            "every replicate that reached it was). "
            "Cell: mean [95% t-interval] over the replicates that reached the level, then "
            "(replicates that reached it / all); `not reached in "
            f"{horizon:g} y` when none did. A mean over k < n replicates is of the faster "
            "ones only.\n")
        labels = {i: self.scen.loc[i, "preset"] for i, _ in pairs}
        ts_cols = [f"maturity_{c}" for c in comps]
        ts = self.ts
        path = self.tables / "maturation_time_to_reach_runs.csv"
        per = None
        if ts is not None and set(ts_cols) <= set(ts.columns):
            per = MAT.time_to_reach(ts[["run_id", "step"] + ts_cols], ths, comps)
            per = per.merge(self.runs[["run_id", "scenario_index", "replicate"]], on="run_id")
            per.to_csv(path, index=False)
            self.files.append(path)
        elif path.exists():  # a shipped folder: the first crossings the report wrote with them
            per = pd.read_csv(path)
            per = per[per["run_id"].isin(self.runs["run_id"])]
            self.files.append(path)
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
                                         "scenario": self.name(idx), "threshold": th,
                                         **{k: v for k, v in s.items() if k != "text"}})
                            cells.append(s["text"])
                    body.append(cells)
            self.table_csv(rows, "maturation_time_to_reach.csv")
            header = ["preset", "component", "first quarter"] + [
                f"≥ {th:g}, loops {lo}" for th in ths for lo in ("on", "off")]
            self.md.append("### Years to reach each level\n")
            self.md.append(_md_table(header, body) + "\n")
            self.files.append(write_latex(
                self.tables / "maturation_time_to_reach.tex", header, body,
                "Years to reach a maturity level (mean and 95% t-interval over the replicates "
                "that reached it; reached / all)" + self.caveat_short(),
                "tab:maturation_time_to_reach"))
        else:
            self.md.append(
                "**Time to reach is not computed here: this folder holds no maturity time "
                "series** (`timeseries.parquet`; `scripts/regenerate_results.sh` ships only "
                "the small files, not the time series). The first crossing needs the "
                "quarterly index, which the end-of-run summary does not give. To get the "
                "table: `abm experiment experiments/maturation.toml --out "
                "out/experiments/maturation` then `abm report out/experiments/maturation` "
                "(a new run). What the end-of-run values do show is below.\n")
        # end-of-run values (always available)
        rows, body = [], []
        for on, off in pairs:
            for c in comps:
                col = f"maturity_{c}_end"
                v_on, v_off = self.values(on, col), self.values(off, col)
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
        self.table_csv(rows, "maturation_end.csv")
        header = ["preset", "component", f"year {horizon:g}, loops off",
                  f"year {horizon:g}, loops on", "on − off (paired)"] + [
            f"≥ {th:g} at year {horizon:g} (on · off)" for th in ths]
        self.md.append(f"### Maturity at year {horizon:g}, loops on and off\n")
        self.md.append(
            f"Index at the end of the run (`maturity_*_end`), mean [95% t-interval]; on − off "
            "is paired by replicate (same seeds), `*` when its interval excludes 0. The last "
            f"columns count the replicates at or above each level at year {horizon:g} (loops "
            "on · loops off): a lower bound on those that ever reached it (a run may have "
            "crossed the level and fallen back). With the loops off every index but "
            "industry's stays at the preset's value for the whole run (industry's moves as "
            "incumbents enter and exit), so the loops-off column is also the starting value.\n")
        self.md.append(_md_table(header, body) + "\n")
        self.files.append(write_latex(
            self.tables / "maturation_end.tex", header, body,
            f"Maturity indices at year {horizon:g}, loops on and off" + self.caveat_short(),
            "tab:maturation_end"))
        self._maturation_self_sustaining()

    def _maturation_self_sustaining(self) -> None:
        self.md.append("## Which loops make which component self-sustaining\n")
        self.md.append(
            "A component is *self-sustaining* here if it keeps the gains a policy gave it "
            "after the policy stops. This experiment stops no policy (the `japan_2027_plan` "
            "scenarios keep the plan to the end), so the verdict comes from the "
            "`policy_withdrawal` experiment (the 2027 plan switched off after 5 years), read "
            "from its results folder beside this one.\n")
        sib = self.folder.parent / "policy_withdrawal"
        try:
            data = load_results(sib)
        except ReportError as e:
            self.md.append(f"Not available: {e}.\n")
            return
        sc = pd.DataFrame(data["manifest"].get("scenarios") or []).set_index("index") \
            if data["manifest"].get("scenarios") else None
        if sc is None or "parameters" not in sc:
            self.md.append("Not available: the policy_withdrawal manifest has no resolved "
                           "parameters.\n")
            return
        m = data["manifest"]
        self.md.append(f"Source: `{sib.name}/` (git commit `{m.get('git_commit')}`, "
                       f"{len(data['runs'])} runs, fingerprint `{m.get('fingerprint')}`).\n")
        self._self_sustaining_section(data["runs"], sc, data["timeseries"], prefix="maturation_",
                                      folder=sib)

    def policy_withdrawal(self) -> None:
        """Self-sustaining gains after a plan stops (scenarios: kept / withdrawn / never)."""
        sc = self._mat_scen()
        steps = int(self.runs["steps"].max())
        if sc is None or not MAT.withdrawal_triplets(sc, steps):
            return
        self.md.append("## Does the ecosystem keep the plan's gains? Self-sustaining "
                       "components\n")
        self._self_sustaining_section(self.runs, sc, self.ts, prefix="")

    def _self_sustaining_section(self, runs: pd.DataFrame, sc: pd.DataFrame,
                                 ts: pd.DataFrame | None, prefix: str,
                                 folder: Path | None = None) -> None:
        steps = int(runs["steps"].max())
        stops = {t["stop"] for t in MAT.withdrawal_triplets(sc, steps)}

        def at_stop_and_end(series: pd.DataFrame) -> pd.DataFrame:
            cols = ["run_id", "step"] + [c for c in series if c.startswith("maturity_")]
            keep = series["step"].isin(stops | {int(series["step"].max())})
            return series.loc[keep, cols].reset_index(drop=True)

        ts = self.per_run("self_sustaining_series.csv", at_stop_and_end, folder=folder, ts=ts,
                          runs=runs)
        tab = MAT.self_sustaining_table(runs, sc, steps, ts)
        if tab.empty:
            self.md.append("No maturity indices in these runs.\n")
            return
        stop = int(tab["stop_step"].iloc[0])
        start = int(MAT.withdrawal_triplets(sc, steps)[0]["start"])
        after = (steps - stop) / MAT.STEPS_PER_YEAR
        has_ts = "trend" in tab
        self.md.append(
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
            self.md.append(
                f"*After the stop*: the withdrawn run's own index at step {steps} minus at step "
                f"{stop} (paired within runs): **keeps rising** / **falls back** when the "
                "interval is above / below 0, **holds** when it is exactly 0 in every run, "
                "**not resolved** otherwise.\n")
        else:
            self.md.append(
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
        for _, r in tab.iterrows():
            line = [r["component"], r["loops"], cell(r["kept_minus_never"]),
                    cell(r["withdrawn_minus_never"]), r["verdict"],
                    cell(r.get("loops_effect"))]
            if has_ts:
                line += [cell(r["gap_at_stop"]), cell(r["change_after_stop"]), r["trend"]]
            body.append(line)
            rec = {"component": r["component"], "loops": r["loops"], "verdict": r["verdict"]}
            for k in ("kept_minus_never", "withdrawn_minus_never", "loops_effect",
                      "gap_at_stop", "change_after_stop"):
                v = r.get(k)
                if isinstance(v, dict):
                    rec.update({f"{k}_{s}": v[s] for s in ("mean", "ci_low", "ci_high", "n")})
            if has_ts:
                rec["trend"] = r["trend"]
            rows.append(rec)
        body.sort(key=lambda x: (MAT.COMPONENTS.index(x[0]), x[1] != "on"))
        self.table_csv(rows, f"{prefix}self_sustaining.csv")
        self.md.append(_md_table(header, body) + "\n")
        self.files.append(write_latex(
            self.tables / f"{prefix}self_sustaining.tex", header, body,
            "Self-sustaining components: the plan's gain in each maturity index at the end of "
            "the run (paired differences, mean and 95% t-interval; * excludes 0)",
            f"tab:{prefix}self_sustaining"))
        kept = [f"{b[0]} (loops {b[1]})" for b in body if b[4] == "gain kept"]
        above = [f"{b[0]} (loops {b[1]})" for b in body if b[4].startswith("above")]
        self.md.append(
            ("Gain kept: " + ", ".join(kept) + "." if kept else
             "No component keeps a resolved gain of the kept plan at the end of the run.")
            + (" Above the no-plan run after the withdrawal although the kept plan is not: "
               + ", ".join(above) + "." if above else "")
            + " Each index moves only through its own loop's state (docs/ODD.md 7.19; "
            "industry's also with incumbents' entry and exit), and that state is fed by "
            "outcomes every loop shapes; these runs switch all six loops together, so they "
            "cannot say which single loop carries a gain (that needs runs with one loop on at "
            "a time, which this experiment does not contain).\n")


HORIZON_METRICS = ("output_growth", "innovation", "founded")
"""Outcomes read at each horizon of a reform-sequencing experiment (:func:`horizon_metrics`)."""
HORIZON_TITLES = {"output_growth": "Output growth (% a year)",
                  "innovation": "Innovations per year", "founded": "Startups founded per year"}


def _ci_star(r) -> str:
    star = "*" if math.isfinite(r.ci_low) and (r.ci_low > 0 or r.ci_high < 0) else ""
    return _ci(r["mean"], r.ci_low, r.ci_high) + star


def horizon_metrics(ts: pd.DataFrame, horizon_steps: list[int], offset: int) -> pd.DataFrame:
    """Per run and horizon step ``H``, from the time series: ``output_growth`` = 100 x yearly
    log growth of mean real output from the four quarters before step ``offset + 1`` (the
    first four quarters when ``offset < 4``) to the four quarters ending at ``H``;
    ``innovation`` and ``founded`` = innovations (startups + incumbents + partnerships) and
    startups founded per year over steps ``offset + 1 ... H``."""
    rows = []
    for run_id, g in ts.groupby("run_id", sort=True):
        g = g.set_index("step").sort_index()
        ro = g["real_output"]
        innov = g["innovation_startups"] + g["innovation_incumbents"] \
            + g["innovation_partnerships"]
        lo = max(offset - 3, 1) if offset >= 4 else 1
        before = ro.loc[lo:lo + 3].mean()
        for H in horizon_steps:
            if H > g.index.max():
                continue
            after = ro.loc[H - 3:H].mean()
            years = (H - offset) / 4
            span = (H - 3 - lo) / 4
            growth = 100 * math.log(after / before) / span if before > 0 and after > 0 \
                and span > 0 else math.nan
            window = slice(offset + 1, H)
            rows.append({"run_id": run_id, "horizon_step": int(H), "output_growth": growth,
                         "innovation": float(innov.loc[window].sum()) / years,
                         "founded": float(g["founded"].loc[window].sum()) / years})
    return pd.DataFrame(rows)


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


SNAPSHOT_NODES = 300
"""Most nodes a network snapshot draws."""

NODE_COLOURS = {"startup": palette.AGENT["startup"], "incumbent": palette.AGENT["incumbent"],
                "fund_independent": palette.AGENT["fund_independent"],
                "fund_corporate": palette.AGENT["fund_corporate"],
                "fund_government": palette.AGENT["fund_government"],
                "university": palette.AGENT["university"]}
"""Node colours of the snapshot (the app's, :mod:`abm.palette`)."""


_TIE_RANK = {"employment": 0, "investment": 1, "grant": 2, "joint_research": 3,
             "partnership": 4, "spinoff": 5, "acquisition": 6}
"""Which tie kind a pair with several ties is drawn as (the higher, the rarer)."""


def _node_key(attrs: dict) -> str:
    kind = attrs.get("kind")
    if kind == "fund":
        fk = attrs.get("fund_kind") or attrs.get("fkind")
        return f"fund_{fk}" if fk in ("independent", "corporate", "government") else \
            "fund_independent"
    return kind


def graph_counts(g) -> dict[str, int]:
    """Nodes of a snapshot by kind (``startup``, ``fund``, ``incumbent``, ``university``)."""
    out = {"startup": 0, "fund": 0, "incumbent": 0, "university": 0}
    for _, kind in g.nodes(data="kind"):
        if kind in out:
            out[kind] += 1
    return out


# -- structural uncertainty and the two-dimensional sweep (pure functions, tested on hand-made
# tables) --------------------------------------------------------------------------------------
ROBUST_SHARE = 0.95
"""An ordering A > B is *robust* across the structural ranges when it holds at this share of
the sample points or more."""

HEADLINE_METRICS = ("innovation_total", "productivity_growth", "unicorns",
                    "incumbents_displaced", "ma_share_of_exits")
"""The headline comparisons of the structural-uncertainty report."""


def _paired(table: pd.DataFrame, metric: str, a: str, b: str,
            keys: list[str]) -> pd.DataFrame:
    """``A - B`` per (keys..., replicate), paired by the common seed."""
    sub = table[table["base"].isin([a, b])]
    wide = sub.pivot_table(index=keys + ["replicate"], columns="base", values=metric,
                           aggfunc="first", dropna=False)
    if a not in wide or b not in wide:
        return pd.DataFrame(columns=keys + ["replicate", "d"])
    d = (wide[a] - wide[b]).rename("d").reset_index()
    return d


def _point_stats(d: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Mean and 95% t-interval of the paired difference at each point."""
    rows = []
    for key, g in d.groupby(keys, sort=True):
        ci = mean_ci(g["d"].to_numpy(dtype=float))
        key = key if isinstance(key, tuple) else (key,)
        rows.append({**dict(zip(keys, key)), "mean": ci["mean"], "ci_low": ci["ci_low"],
                     "ci_high": ci["ci_high"], "n": ci["n"]})
    return pd.DataFrame(rows, columns=keys + ["mean", "ci_low", "ci_high", "n"])


def ordering_verdicts(table: pd.DataFrame, metrics: list[str], bases: list[str],
                      X: np.ndarray | None = None, problem: dict | None = None,
                      levels: int = 4, seed: int | None = None,
                      robust_share: float = ROBUST_SHARE, top: int = 3) -> pd.DataFrame:
    """For each pair of bases (presets) and metric: is the ordering robust across the sample?

    Args:
        table: one row per run with ``base``, ``point`` (sample row), ``replicate`` and the
            metrics.
        X, problem, levels, seed: the Morris design (rows = points) and SALib problem; when
            given, the factors that decide each comparison are ranked by Morris mu* of the
            per-point mean difference ``A - B``.

    Returns one row per (a, b, metric): ``n_points`` (points where the difference is defined),
    ``share_a_gt_b``, ``share_b_gt_a``, ``share_tie``, ``reversed_sig`` (share of points whose
    95% interval over replicates excludes 0 against the majority direction), ``mean_diff``,
    ``verdict`` and ``robust``: ``"a > b"`` (or ``"b > a"``) and ``"robust"`` when the strict
    ordering holds at ``>= robust_share`` of the points; ``"a >= b"`` and ``"weak"`` when it
    holds at fewer because of ties but is reversed at no more than ``1 - robust_share``;
    ``"equal"`` when every point ties; else ``"not robust"`` and ``"no"``. ``deciding``: top
    factors with mu*, as text; ``mu_star``: dict.
    """
    rows = []
    for a, b in itertools.combinations(bases, 2):
        for metric in metrics:
            st = _point_stats(_paired(table, metric, a, b, ["point"]), ["point"])
            ok = st[np.isfinite(st["mean"].to_numpy(dtype=float))]
            n = len(ok)
            m = ok["mean"].to_numpy(dtype=float)
            gt = float((m > 0).mean()) if n else math.nan
            lt = float((m < 0).mean()) if n else math.nan
            tie = float((m == 0).mean()) if n else math.nan
            weak = 1.0 - robust_share + 1e-12
            if not n:
                verdict, robust = "undefined", "no"
            elif tie == 1.0:
                verdict, robust = "equal", "equal"
            elif gt >= robust_share:
                verdict, robust = f"{a} > {b}", "robust"
            elif lt >= robust_share:
                verdict, robust = f"{b} > {a}", "robust"
            elif lt <= weak:  # never (or almost never) reversed, but often tied
                verdict, robust = f"{a} >= {b}", "weak"
            elif gt <= weak:
                verdict, robust = f"{b} >= {a}", "weak"
            else:
                verdict, robust = "not robust", "no"
            has_ci = bool(np.isfinite(ok["ci_low"].to_numpy(dtype=float)).any()) if n else False
            if not has_ci:
                rev = math.nan
            elif gt >= lt:  # majority a > b: reversed means significantly below 0
                rev = float((ok["ci_high"] < 0).mean())
            else:
                rev = float((ok["ci_low"] > 0).mean())
            mu = {}
            if X is not None and problem is not None and n and tie < 1.0:
                mu = _morris_mu_star(st, X, problem, levels, seed)
            ranked = sorted(mu.items(), key=lambda kv: -kv[1])[:top]
            rows.append({"a": a, "b": b, "metric": metric, "n_points": n,
                         "share_a_gt_b": gt, "share_b_gt_a": lt, "share_tie": tie,
                         "reversed_sig": rev,
                         "mean_diff": float(np.mean(m)) if n else math.nan,
                         "verdict": verdict, "robust": robust,
                         "deciding": ", ".join(f"{k} ({_f(v)})" for k, v in ranked),
                         "mu_star": mu})
    return pd.DataFrame(rows)


def _salib_indices(sample: Mapping[str, Any], problem: dict, X: np.ndarray, Y: np.ndarray,
                   base: str, out: str) -> list[dict[str, Any]]:
    """One row per factor of the sensitivity indices of ``Y`` (one value per design point)
    for the sample's analysis: ``morris`` (mu, mu*, sigma), ``sobol`` and ``fast`` (S1, ST)
    or ``delta`` (delta and S1, for Latin hypercube and Monte Carlo samples)."""
    import contextlib
    import io
    import warnings

    method = sample.get("analysis", sample.get("method", "morris"))
    seed = sample.get("seed")
    rows = []
    # SALib prints notes (delta's bin merges) and warns (FAST's bootstrap): keep them out
    with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if method == "sobol":
            from SALib.analyze import sobol

            res = sobol.analyze(problem, Y, calc_second_order=False, seed=seed)
            keys = ("S1", "S1_conf", "ST", "ST_conf")
        elif method == "fast":
            from SALib.analyze import fast

            from .spec import FAST_M

            res = fast.analyze(problem, Y, M=FAST_M, seed=seed)
            keys = ("S1", "S1_conf", "ST", "ST_conf")
        elif method == "delta":
            from SALib.analyze import delta

            res = dict(delta.analyze(problem, X, Y, seed=seed))
            if "delta" not in res:  # SALib >= 1.6 names the estimator
                res["delta"], res["delta_conf"] = res["delta_raw"], res["delta_raw_conf"]
            if "S1" not in res:
                s1 = delta.analyze(problem, X, Y, seed=seed, method="sobol")
                res["S1"], res["S1_conf"] = s1["S1"], s1["S1_conf"]
            keys = ("delta", "delta_conf", "S1", "S1_conf")
        else:
            from SALib.analyze import morris

            res = morris.analyze(problem, X, Y, num_levels=sample.get("levels", 4), seed=seed)
            keys = ("mu", "mu_star", "mu_star_conf", "sigma")
    for k, name in enumerate(problem["names"]):
        rows.append({"base": base, "output": out, "parameter": name,
                     **{key: float(res[key][k]) for key in keys}})
    return rows


def _morris_mu_star(st: pd.DataFrame, X: np.ndarray, problem: dict, levels: int,
                    seed: int | None) -> dict[str, float]:
    """Morris mu* of the per-point mean difference (missing points filled with the mean)."""
    from SALib.analyze import morris

    Y = np.full(len(X), np.nan)
    pts = st["point"].to_numpy(dtype=int)
    keep = (pts >= 0) & (pts < len(X))
    Y[pts[keep]] = st["mean"].to_numpy(dtype=float)[keep]
    if np.isnan(Y).all():
        return {}
    Y = np.where(np.isnan(Y), np.nanmean(Y), Y)
    res = morris.analyze(problem, X, Y, num_levels=levels, seed=seed)
    return {n: float(res["mu_star"][k]) for k, n in enumerate(problem["names"])}


def sweep_leaders(table: pd.DataFrame, metric: str, x: str, y: str,
                  bases: list[str]) -> pd.DataFrame:
    """Which base (preset) leads on ``metric`` at each grid point ``(x, y)``, and by how much
    over the runner-up.

    Args:
        table: one row per run with ``base``, ``replicate``, the grid columns ``x`` and ``y``
            and ``metric``.

    Returns one row per grid point: the mean of every base (``mean.BASE``), ``leader`` and
    ``runner_up`` (highest and second-highest mean), ``margin`` with its 95% t-interval
    (``ci_low``, ``ci_high``) over replicates of the paired difference leader - runner-up,
    and ``significant`` (the interval excludes 0).
    """
    rows = []
    for (xv, yv), g in table.groupby([x, y], sort=True):
        means = {b: float(np.nanmean(g.loc[g["base"] == b, metric].to_numpy(dtype=float)))
                 if (g["base"] == b).any() else math.nan for b in bases}
        order = sorted((b for b in bases if math.isfinite(means[b])),
                       key=lambda b: -means[b])
        row = {x: float(xv), y: float(yv), **{f"mean.{b}": means[b] for b in bases}}
        if len(order) >= 2:
            lead, second = order[0], order[1]
            d = _paired(g, metric, lead, second, [])
            ci = mean_ci(d["d"].to_numpy(dtype=float))
            sig = bool(math.isfinite(ci["ci_low"]) and (ci["ci_low"] > 0 or ci["ci_high"] < 0))
            tie = means[lead] == means[second]
            row.update({"leader": "tie" if tie else lead, "runner_up": second,
                        "margin": ci["mean"], "ci_low": ci["ci_low"],
                        "ci_high": ci["ci_high"], "significant": sig and not tie})
        else:
            row.update({"leader": order[0] if order else "–", "runner_up": "–",
                        "margin": math.nan, "ci_low": math.nan, "ci_high": math.nan,
                        "significant": False})
        rows.append(row)
    return pd.DataFrame(rows)


def sweep_pairwise(table: pd.DataFrame, metric: str, x: str, y: str,
                   bases: list[str]) -> pd.DataFrame:
    """For each pair (A, B): at how many grid points A is significantly above B, B above A,
    or neither (paired 95% t-interval over replicates)."""
    rows = []
    for a, b in itertools.combinations(bases, 2):
        st = _point_stats(_paired(table, metric, a, b, [x, y]), [x, y])
        lo = st["ci_low"].to_numpy(dtype=float)
        hi = st["ci_high"].to_numpy(dtype=float)
        a_win = int(np.sum(lo > 0))
        b_win = int(np.sum(hi < 0))
        rows.append({"a": a, "b": b, "metric": metric, "points": len(st),
                     "a_higher": a_win, "b_higher": b_win,
                     "neither": len(st) - a_win - b_win,
                     "a_higher_at": "; ".join(f"({_f(r[x])}, {_f(r[y])})"
                                              for _, r in st[lo > 0].iterrows()),
                     "b_higher_at": "; ".join(f"({_f(r[x])}, {_f(r[y])})"
                                              for _, r in st[hi < 0].iterrows())})
    return pd.DataFrame(rows)


def snapshot_graph(spec, max_nodes: int = SNAPSHOT_NODES):
    """Re-run one model and return a sampled, simple subgraph of its ecosystem graph.

    The budget is shared out by kind, so every kind shows whatever the preset (silicon_valley
    has some 240 funds, which once took the whole budget and left no startups): at most a fifth
    of ``max_nodes`` for funds, a fifth for incumbents and a twentieth for universities, the
    rest (at least half) for startups; within a kind the best-connected nodes first (ties
    broken by a generator seeded from the run's seed). Isolated nodes are dropped.
    """
    import networkx as nx

    model = None
    try:
        with spec.structural():  # the run's structural constants, as the runner sets them
            model = spec.build()
            model.run(int(spec.steps))
        mg = model.graph  # a MultiGraph whose edge keys are the tie kinds
        g = nx.Graph()
        g.add_nodes_from(mg.nodes(data=True))
        for a, b, kind in mg.edges(keys=True):  # one edge per pair: its rarest kind shown
            if not g.has_edge(a, b) or _TIE_RANK.get(kind, 0) > _TIE_RANK.get(
                    g.edges[a, b]["kind"], 0):
                g.add_edge(a, b, kind=kind)
        fund_kind = {f.unique_id: f.kind for f in model.funds}
    finally:
        if model is not None:
            model.release()
    for n, kind in list(g.nodes(data="kind")):
        if kind == "fund" and n in fund_kind:
            g.nodes[n]["fund_kind"] = fund_kind[n]
    g.remove_nodes_from([n for n, k in g.nodes(data="kind") if k == "ministry"])
    g.remove_nodes_from([n for n in list(g) if g.degree(n) == 0])
    rng = np.random.default_rng([int(spec.seed), 11])

    def best(kind: str, k: int) -> list:
        nodes = [n for n, kd in g.nodes(data="kind") if kd == kind]
        if len(nodes) <= k:
            return nodes
        jitter = rng.random(len(nodes))
        order = sorted(range(len(nodes)), key=lambda i: (-g.degree(nodes[i]), jitter[i]))
        return [nodes[i] for i in order[:k]]

    funds = best("fund", max_nodes // 5)
    incumbents = best("incumbent", max_nodes // 5)
    universities = best("university", max_nodes // 20)
    startups = best("startup", max_nodes - len(funds) - len(incumbents) - len(universities))
    sub = g.subgraph(startups + funds + incumbents + universities).copy()
    sub.remove_nodes_from([n for n in list(sub) if sub.degree(n) == 0])
    return sub


def _draw_graph(ax, g, seed: int) -> None:
    import networkx as nx

    ax.axis("off")
    if g.number_of_nodes() == 0:
        ax.text(0.5, 0.5, "no ties in this run", ha="center", transform=ax.transAxes)
        return
    pos = nx.spring_layout(g, seed=seed, k=1.5 / math.sqrt(g.number_of_nodes()))
    by_kind: dict[str, list] = {}
    for a, b, kind in g.edges(data="kind"):
        by_kind.setdefault(kind, []).append((a, b))
    for kind, edges in by_kind.items():
        nx.draw_networkx_edges(g, pos, ax=ax, edgelist=edges, width=0.5, alpha=0.5,
                               edge_color=palette.TIE.get(kind, palette.GREY))
    nodes = list(g.nodes())
    keys = [_node_key(g.nodes[n]) for n in nodes]
    nx.draw_networkx_nodes(g, pos, ax=ax, nodelist=nodes,
                           node_color=[NODE_COLOURS.get(k, palette.GREY) for k in keys],
                           node_shape="o",
                           node_size=[8 + 2 * min(g.degree(n), 40) for n in nodes],
                           linewidths=0)


def make_report(folder: str | Path, network: bool = True, figures: bool = True,
                progress: Callable[[str], None] | None = None) -> list[Path]:
    """Write ``report.md``, ``tables/*.tex|csv`` and ``figures/*.png|pdf`` for a results
    folder; return the written paths (``report.md`` first).

    ``progress`` (optional) is called with a short description as each stage starts (tables,
    each figure, each network snapshot: the slow part re-runs one model per scenario).

    Raises:
        ReportError: the folder holds no results.
    """
    folder = Path(folder)
    data = load_results(folder)
    if figures:
        import matplotlib

        matplotlib.use("Agg", force=True)
    return _Report(folder, data, network=network, figures=figures,
                   progress=progress).write()
