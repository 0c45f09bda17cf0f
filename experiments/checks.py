"""Checks that a results folder is whole and of one experiment before it is reported
(issue 30): ``abm report`` on a damaged or mixed-up folder refuses with one line that names
the file, what is wrong and what to do, rather than a traceback or a silently wrong report.

:func:`check_results` is called by :func:`abm.experiments.report.load_results` once the tables
and the manifest are read; :func:`check_json` before reading a JSON file that may be
damaged. Both raise :class:`DamagedResults`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Mapping

import pandas as pd

FRESH = "rerun the experiment in a fresh --out"


class DamagedResults(ValueError):
    """A results folder whose files are damaged, edited or of different experiments."""


def check_json(path: Path) -> Any:
    """The JSON in ``path``, or :class:`DamagedResults` (not JSON, nested too deeply)."""
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except RecursionError:
        raise DamagedResults(f"{path} is nested too deeply to read (arrays or objects "
                             f"thousands of levels deep): it is not a manifest this tool "
                             f"wrote; restore it from the experiment or {FRESH}") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise DamagedResults(f"{path} is not valid JSON ({exc}); restore it from the "
                             f"experiment or {FRESH}") from None


def check_results(folder: Path, runs: pd.DataFrame, timeseries: pd.DataFrame | None,
                  distributions: pd.DataFrame | None, manifest: Mapping[str, Any]) -> None:
    """Refuse (:class:`DamagedResults`) a folder whose runs table, time series,
    distributions and manifest do not describe one experiment: a malformed manifest,
    run ids that appear twice, a metric column that holds text, runs whose steps differ
    from the manifest's or from one another, time series or distributions of other runs
    or other lengths."""
    folder = Path(folder)
    _check_manifest(folder, manifest)
    _check_runs(folder, runs, manifest)
    _check_timeseries(folder, runs, timeseries)
    if distributions is not None and "run_id" in distributions:
        foreign = sorted(set(distributions["run_id"]) - set(runs["run_id"]))
        if foreign:
            raise DamagedResults(
                f"{folder}/distributions.parquet holds {len(foreign)} run(s) that are not in "
                f"runs.parquet (e.g. {foreign[0]}): it comes from another experiment; remove "
                f"it (the report then draws no distributions) or {FRESH}")


def _bad_manifest(folder: Path, what: str) -> DamagedResults:
    return DamagedResults(f"{folder}/manifest.json: {what}; the manifest was edited or "
                          f"damaged: restore it from the experiment, or remove it to report "
                          f"the runs without it")


def _check_manifest(folder: Path, manifest: Mapping[str, Any]) -> None:
    if not manifest:
        return
    spec = manifest.get("spec", {})
    if not isinstance(spec, dict):
        raise _bad_manifest(folder, f"'spec' must be an object, got {_show(spec)}")
    rep = spec.get("report", {})
    if not isinstance(rep, dict):
        raise _bad_manifest(folder, f"the spec's [report] must be a table, got {_show(rep)}")
    for key in ("metrics", "series"):
        v = rep.get(key)
        if v is not None and not (isinstance(v, list) and all(isinstance(x, str) for x in v)):
            raise _bad_manifest(folder, f"[report] {key} must be a list of names, got "
                                f"{_show(v)}")
    steps = spec.get("steps")
    if steps is not None and (isinstance(steps, bool) or not isinstance(steps, int)
                              or steps < 0):
        raise _bad_manifest(folder, f"the spec's steps must be a whole number, got "
                            f"{_show(steps)}")
    scen = manifest.get("scenarios")
    if scen is not None:
        ok = isinstance(scen, list) and all(
            isinstance(s, dict) and isinstance(s.get("index"), int)
            and not isinstance(s.get("index"), bool) and isinstance(s.get("name"), str)
            for s in scen)
        if not ok:
            raise _bad_manifest(folder, "'scenarios' must be a list of objects with a whole "
                                f"'index' and a text 'name', got {_show(scen)}")


def _check_runs(folder: Path, runs: pd.DataFrame, manifest: Mapping[str, Any]) -> None:
    from abm.metrics import EXTRA_KEYS, SUMMARY_KEYS

    ids = runs["run_id"]
    dup = ids[ids.duplicated(keep=False)]
    if not dup.empty:
        raise DamagedResults(
            f"{folder}/runs.parquet holds {len(dup)} rows for {dup.nunique()} run id(s) that "
            f"appear more than once (e.g. {dup.iloc[0]}): each such run would count more "
            f"than once; rebuild the table with `abm experiment SPEC --out {folder} --resume` "
            f"(it keeps one row per run) or {FRESH}")
    numeric = [c for c in runs.columns if c in SUMMARY_KEYS or c in EXTRA_KEYS
               or c.startswith(("param.", "const.")) or c in ("seed", "steps", "replicate",
                                                               "scenario_index")]
    for c in numeric:
        col = runs[c]
        if not (pd.api.types.is_numeric_dtype(col) or pd.api.types.is_bool_dtype(col)):
            bad = next((v for v in col if not _is_number(v)), col.iloc[0])
            raise DamagedResults(f"{folder}/runs.parquet: column {c} holds {_show(bad)}, not "
                                 f"numbers; the table was damaged or edited: {FRESH}")
    lengths = sorted(set(int(s) for s in runs["steps"]))
    spec = manifest.get("spec", {}) if manifest else {}
    want = spec.get("steps") if isinstance(spec, dict) else None
    if isinstance(want, int) and lengths != [want]:
        raise DamagedResults(f"{folder}/runs.parquet holds runs of {_steps(lengths)} but "
                             f"manifest.json says {want} steps: runs and manifest are of "
                             f"different experiments; {FRESH}")
    if len(lengths) > 1:
        raise DamagedResults(f"{folder}/runs.parquet mixes runs of {_steps(lengths)}: they "
                             f"are of different experiments; {FRESH}")


def _check_timeseries(folder: Path, runs: pd.DataFrame, ts: pd.DataFrame | None) -> None:
    if ts is None or not {"run_id", "step"} <= set(ts.columns):
        return
    have, want = set(ts["run_id"]), set(runs["run_id"])
    what = f"{folder}/timeseries.parquet"
    todo = (f"remove it (the report then draws no time series) or {FRESH}")
    foreign = sorted(have - want)
    if foreign:
        raise DamagedResults(f"{what} holds {len(foreign)} run(s) that are not in runs.parquet "
                             f"(e.g. {foreign[0]}): it comes from another experiment; {todo}")
    missing = sorted(want - have)
    if missing:
        raise DamagedResults(f"{what} lacks {len(missing)} of the {len(want)} runs of "
                             f"runs.parquet (e.g. {missing[0]}): it comes from another "
                             f"experiment or was cut short; {todo}")
    last = ts.groupby("run_id")["step"].agg(["max", "count"])
    steps = runs.set_index("run_id")["steps"].astype(int)
    off = [r for r in last.index if last.at[r, "max"] != steps[r]
           or last.at[r, "count"] != steps[r]]
    if off:
        r = off[0]
        raise DamagedResults(f"{what}: run {r} has {int(last.at[r, 'count'])} steps (up to "
                             f"step {int(last.at[r, 'max'])}) but runs.parquet says "
                             f"{int(steps[r])}: the time series are of another experiment; "
                             f"{todo}")


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _steps(lengths: list[int]) -> str:
    return " and ".join(f"{n} steps" for n in lengths[:3]) + (" and more" if len(lengths) > 3
                                                               else "")


def _show(v: Any) -> str:
    text = repr(v)
    return text if len(text) <= 60 else text[:57] + "..."
