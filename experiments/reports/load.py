"""Reading a results folder: runs, time series, distributions, failures and manifest,
checked to be one whole experiment before anything is reported."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from ..checks import check_results


class ReportError(ValueError):
    """The folder holds no (complete) results."""


def load_results(folder: str | Path) -> dict[str, Any]:
    """Runs, time series, distributions, failures and manifest of a results folder
    (checked by :func:`abm.experiments.checks.check_results`: DamagedResults).

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
    from ..runner import ID_COLUMNS

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
    from ..spec import KINDS

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
