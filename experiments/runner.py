"""One runner for every batch of model runs: serial, local process pool or Dask cluster.

The unit of work is a :class:`RunSpec` (preset, swaps, overrides, seed, steps). A run's result
depends on nothing but its RunSpec, so the executor (serial, pool, Dask) and the order in which
runs finish do not change the results; the final tables are sorted by run id.

Public API:

* :func:`run_batch` runs a list of :class:`RunSpec` through the chosen executor and returns
  (and, with ``out``, writes) the runs table, time series, distributions and failures.
  ``abm experiment`` and ``abm validate`` both build on it.
* :func:`run_experiment` runs a validated :class:`~abm.experiments.spec.ExperimentSpec` into a
  folder and writes ``manifest.json``.
* :func:`run_one` executes one run (what every worker calls).
* Executors, one interface (:class:`Executor` with ``run(tasks, collect, on_result)``):
  :class:`SerialExecutor`, :class:`PoolExecutor` (local processes), :class:`DaskExecutor`
  (a Dask cluster); :func:`choose_executor` picks one from ``workers``/``scheduler``.
* :class:`RunSpec` lives beside the spec (:mod:`abm.experiments.spec`) and is importable here.

Files in an output folder (written incrementally, consolidated at the end):

``parts/part-NNNNNN-{runs,timeseries,distributions}.parquet``
    one set per flushed batch of finished runs (the ``runs`` part is written last, so a run
    counts as done only once all its parts exist);
``runs.parquet``, ``timeseries.parquet``, ``distributions.parquet``
    consolidated, sorted by run id (and step), byte-identical whatever the executor or
    interruptions;
``failures.jsonl``
    one JSON object per run that raised, with its traceback (append-only while running: a
    torn last line left by a crash is dropped on resume, and that run is retried);
``manifest.json``
    spec, resolved parameters per scenario, seeds, versions, git commit, times;
``.abm-lock``
    the folder's lock (an operating-system file lock, :class:`FolderLock`); while an
    experiment writes the folder it holds the writer's process id, host, command and start
    time. A second experiment into the same folder refuses, naming that process; the lock
    of a killed run is free again (the kernel drops it with its process).

Crash consistency: every file is written to ``NAME.tmp`` and renamed over ``NAME``; a run
counts as done once its ``runs`` part exists; consolidation reads each run's rows from one
file only (the consolidated file, else its part), so a crash at any point (also between
writing the consolidated files and removing the parts) and ``--resume`` give byte-identical
files (``tests/test_crash.py`` injects a crash at every file operation).

Test hook: the environment variable ``ABM_EXPERIMENT_FAIL`` (comma-separated run ids) makes
those runs raise inside the worker, to exercise failure handling.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import sys
import threading
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from .guard import NonFiniteError, run_finite
from .provenance import provenance
from .spec import RunSpec

ID_COLUMNS = ("run_id", "scenario_index", "scenario", "replicate", "preset", "swaps",
              "overrides", "seed", "steps")
"""Identifying columns of ``runs.parquet`` (then :data:`RUN_COLUMN`, every summary metric,
then ``param.NAME``)."""
RUN_COLUMN = "run"
"""The column of runs.parquet that holds each run's whole description
(:meth:`~abm.experiments.spec.RunSpec.to_json`; tables written before it existed lack it)."""

FAIL_ENV = "ABM_EXPERIMENT_FAIL"
DEFAULT_COLLECT = {"timeseries": True, "distributions": True, "max_distribution_values": 2000}


class RunnerError(ValueError):
    """A usage problem found before any run starts (bad options, folder conflicts)."""


@dataclass
class BatchResult:
    """What :func:`run_batch` returns (data frames sorted by run id)."""

    runs: pd.DataFrame
    timeseries: pd.DataFrame | None
    distributions: pd.DataFrame | None
    failures: list[dict[str, Any]]
    out: Path | None = None
    executed: int = 0
    skipped: int = 0
    wall_seconds: float = 0.0


# -- the work of one run ---------------------------------------------------------------------
def run_one(spec: RunSpec, collect: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Run one model and return its results (never raises: errors are returned).

    Returns a dict with ``run_id``, ``ok``, ``row`` (identifiers + summary), ``timeseries``
    and ``distributions`` (DataFrames or None), ``error``/``traceback`` when it raised, and
    ``wall_seconds``.
    """
    collect = {**DEFAULT_COLLECT, **(collect or {})}
    t0 = time.perf_counter()
    model = None
    try:
        failing = set(collect.get("_fail", ()))
        with spec.structural():  # the run's structural constants, restored afterwards
            model = spec.build()
            if spec.run_id in failing:
                raise RuntimeError(f"injected failure for run {spec.run_id} ({FAIL_ENV})")
            run_finite(model, int(spec.steps), force=True)  # limits: checked by run_batch
            summary = model.summary()
            row = {**{k: v for k, v in summary.items() if k not in ID_COLUMNS},
                   **_id_fields(spec),
                   **{f"const.{k}": float(v) for k, v in sorted(spec.constants.items())}}
            ts = None
            if collect["timeseries"]:
                ts = model.timeseries().reset_index()
                ts.insert(0, "run_id", spec.run_id)
            dist = _distributions(model, spec, int(collect["max_distribution_values"])) \
                if collect["distributions"] else None
        return {"run_id": spec.run_id, "ok": True, "row": row, "timeseries": ts,
                "distributions": dist, "wall_seconds": time.perf_counter() - t0}
    except Exception as exc:  # noqa: BLE001 - a failing run must not stop the others
        res = {"run_id": spec.run_id, "ok": False, "spec": spec.key(),
               "error": f"{type(exc).__name__}: {exc}", "traceback": traceback.format_exc(),
               "wall_seconds": time.perf_counter() - t0}
        if isinstance(exc, NonFiniteError):  # the model, not the machine: --resume cannot help
            res["nonfinite_step"] = exc.step
        return res
    finally:
        if model is not None:
            model.release()


def _id_fields(spec: RunSpec) -> dict[str, Any]:
    return {"run_id": spec.run_id, "scenario_index": int(spec.scenario_index),
            "scenario": spec.scenario, "replicate": int(spec.replicate), "preset": spec.preset,
            "swaps": json.dumps(dict(sorted(spec.swaps.items()))),
            "overrides": json.dumps(dict(sorted(spec.overrides.items()))),
            "seed": int(spec.seed), "steps": int(spec.steps), RUN_COLUMN: spec.to_json()}


def _distributions(model, spec: RunSpec, cap: int) -> pd.DataFrame:
    """Per-run samples (:func:`abm.metrics.samples`: realised deal multiples after burn-in and
    firm headcounts at the end), each subsampled to ``cap`` values with a generator seeded by
    the run seed."""
    from abm.metrics import samples

    parts = samples(model)
    rng = np.random.default_rng([int(spec.seed), 7])
    frames = []
    for kind, values in parts.items():
        if values.size > cap:
            values = values[np.sort(rng.choice(values.size, cap, replace=False))]
        frames.append(pd.DataFrame({"run_id": spec.run_id, "kind": kind,
                                    "value": values.astype(float)}))
    return pd.concat(frames, ignore_index=True)


# -- assembling tables -------------------------------------------------------------------------
def finalize_runs(df: pd.DataFrame) -> pd.DataFrame:
    """Sort by run id, fix the column order, add ``param.NAME`` columns for overrides."""
    if df.empty:
        return pd.DataFrame(columns=list(ID_COLUMNS))
    df = df.sort_values("run_id", kind="stable").reset_index(drop=True)
    ov = df["overrides"].map(json.loads)
    names = sorted({k for d in ov for k in d})
    for n in names:
        df[f"param.{n}"] = [float(d[n]) if n in d else np.nan for d in ov]
    from abm.metrics import EXTRA_KEYS, SUMMARY_KEYS

    metrics = [k for k in SUMMARY_KEYS + EXTRA_KEYS if k in df.columns and k not in ID_COLUMNS]
    run = [RUN_COLUMN] if RUN_COLUMN in df.columns else []
    extra = sorted(c for c in df.columns if c not in ID_COLUMNS and c not in metrics
                   and not c.startswith("param.") and c != RUN_COLUMN)
    cols = list(ID_COLUMNS) + run + metrics + extra + [f"param.{n}" for n in names]
    df = df[cols]
    for c in ("scenario_index", "replicate", "seed", "steps"):
        df[c] = df[c].astype("int64")
    for c in metrics:
        df[c] = df[c].astype("float64")
    return df


def finalize_timeseries(df: pd.DataFrame | None) -> pd.DataFrame | None:
    if df is None or df.empty:
        return df
    df = df.sort_values(["run_id", "step"], kind="stable").reset_index(drop=True)
    df["step"] = df["step"].astype("int64")
    for c in df.columns[2:]:
        df[c] = df[c].astype("float64")
    return df


def finalize_distributions(df: pd.DataFrame | None) -> pd.DataFrame | None:
    if df is None or df.empty:
        return df
    # stable sort keeps each run's within-kind order (which is deterministic)
    return df.sort_values(["run_id", "kind"], kind="stable").reset_index(drop=True)


def write_parquet(df: pd.DataFrame, path: Path) -> None:
    """Deterministic parquet writing (no index, atomic rename)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    tmp = path.with_name(path.name + ".tmp")
    table = pa.Table.from_pandas(df, preserve_index=False)
    try:
        pq.write_table(table, tmp, compression="zstd")
    except BaseException:
        _discard(tmp)  # e.g. a full disk: leave no half-written file behind
        raise
    os.replace(tmp, path)


def write_text(path: Path, text: str) -> None:
    """Write a text file atomically (``NAME.tmp``, then rename)."""
    tmp = path.with_name(path.name + ".tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
    except BaseException:
        _discard(tmp)
        raise
    os.replace(tmp, path)


def _discard(path: Path) -> None:
    try:
        path.unlink()
    except OSError:
        pass


def _drop_torn_tail(path: Path) -> None:
    """Cut an append-only file back to its last complete line (a crash or a full disk in the
    middle of an append leaves a torn line; the run it described is retried)."""
    if not path.exists():
        return
    data = path.read_bytes()
    if data and not data.endswith(b"\n"):
        with path.open("r+b") as fh:
            fh.truncate(data.rfind(b"\n") + 1)


# -- the folder lock ---------------------------------------------------------------------------
LOCK_NAME = ".abm-lock"
_HELD: dict[str, list] = {}  # folders this process holds the lock of -> [lock, depth]


class FolderLock:
    """An output folder's lock (``out/.abm-lock``), re-entrant within one process.

    The lock is an operating-system file lock (``flock`` through the ``filelock`` package,
    with its own fallback where the file system has none): the kernel drops it when its
    process ends, however it ends, so a lock left by a killed run is never "stale" and two
    processes can never both take it, also not when they try at the same instant after a
    crash (``tests/test_crash.py`` races two processes on a dead run's lock file many
    times). While held, the file also says who holds it (process id, host, command, start
    time) so that a second writer is told whom it waits for; the file stays in place when
    released (emptied), as ``filelock`` recommends. ``took_over`` holds what the file said
    when the lock was taken after a run that did not finish (``None`` otherwise).
    """

    def __init__(self, out: Path) -> None:
        self.out = Path(out)
        self.path = self.out / LOCK_NAME
        self.key = str(self.out.resolve())
        self.took_over: dict[str, Any] | None = None
        self._lock = None

    def holder(self) -> dict[str, Any]:
        """What the lock file says about its holder (``{}`` when nothing or unreadable)."""
        try:
            info = json.loads(self.path.read_text(encoding="utf-8") or "{}")
            return info if isinstance(info, dict) else {}
        except (OSError, ValueError):
            return {}

    def _say(self, info: dict[str, Any] | None) -> None:
        """Write (or, with ``None``, empty) the holder record in the lock file."""
        fd = os.open(self.path, os.O_WRONLY | os.O_TRUNC)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            if info:
                fh.write(json.dumps(info, sort_keys=True))

    def __enter__(self) -> "FolderLock":
        held = _HELD.get(self.key)
        if held:
            held[1] += 1
            return self
        import filelock

        self.out.mkdir(parents=True, exist_ok=True)
        lock = filelock.FileLock(str(self.path), timeout=0)
        try:
            lock.acquire()
        except filelock.Timeout:
            info = self.holder()
            pid, host = info.get("pid"), info.get("host")
            who = f"process {pid}" if pid else "another process"
            if host not in (None, socket.gethostname()):
                who += f" on host {host}"
            since = (f" (started {info.get('started', '?')}: {info.get('command', '?')})"
                     if info else "")
            raise RunnerError(f"{self.out} is being written by {who}{since}; wait for it to "
                              f"finish or choose another --out") from None
        try:
            old = self.holder()
            self.took_over = old or None
            self._say({"pid": os.getpid(), "host": socket.gethostname(),
                       "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                       "command": " ".join(sys.argv)[:500]})
        except BaseException:
            lock.release()
            raise
        self._lock = lock
        _HELD[self.key] = [lock, 1]
        return self

    def __exit__(self, *exc: Any) -> None:
        held = _HELD.get(self.key)
        if not held:
            return
        held[1] -= 1
        if held[1] > 0:
            return
        del _HELD[self.key]
        lock = held[0]
        try:
            self._say(None)
        except OSError:
            pass  # the folder went away under us: nothing to say
        finally:
            lock.release()


# -- damaged folders ---------------------------------------------------------------------------
PART_RE = re.compile(r"part-([0-9]{6})-(runs|timeseries|distributions)\.parquet(\.tmp)?")
"""Names of the files the runner writes in ``parts/`` (``.tmp``: one a crash left)."""
FRESH = "or start afresh in another --out"


def read_table(path: Path, columns: Sequence[str] | None = None) -> pd.DataFrame:
    """A parquet file of a results folder, or :class:`RunnerError` naming the file, what is
    wrong and what to do (a truncated or foreign file, a folder in its place)."""
    import pyarrow as pa

    path = Path(path)
    if path.is_dir():
        raise RunnerError(f"{path} is a folder where a results file belongs; remove it and "
                          f"continue with --resume (its runs are run again), {FRESH}")
    try:
        df = pd.read_parquet(path, columns=list(columns) if columns else None)
    except (pa.ArrowException, ValueError, KeyError, IndexError) as exc:
        first = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
        raise RunnerError(f"{path} is not a readable results file (truncated or damaged: "
                          f"{first}); remove it and continue with --resume (its runs are run "
                          f"again), {FRESH}") from None
    if columns and "run_id" in columns and not pd.api.types.is_string_dtype(df["run_id"]) \
            and not df.empty:
        raise RunnerError(f"{path} has run ids that are not text; it is not a results file of "
                          f"this runner: remove it and continue with --resume, {FRESH}")
    return df


def check_folder(out: Path) -> None:
    """Refuse (:class:`RunnerError`) a results folder this runner cannot continue: a file in
    ``parts/`` it did not write, a folder where a results file belongs. Read before anything
    is written, so a refused ``--resume`` changes nothing."""
    out = Path(out)
    parts = out / "parts"
    if parts.exists() and not parts.is_dir():
        raise RunnerError(f"{parts} is a file where the runner keeps its parts folder; remove "
                          f"it and continue with --resume, {FRESH}")
    if parts.is_dir():
        for p in sorted(parts.iterdir()):
            if not PART_RE.fullmatch(p.name) or p.is_dir():
                raise RunnerError(f"{p} is not a part file this runner wrote (parts/ holds "
                                  f"only part-NNNNNN-runs/timeseries/distributions.parquet); "
                                  f"move it out of parts/ and continue with --resume, {FRESH}")
    for name in ("runs.parquet", "timeseries.parquet", "distributions.parquet",
                 "failures.jsonl", "manifest.json"):
        if (out / name).is_dir():
            raise RunnerError(f"{out / name} is a folder where a results file belongs; remove "
                              f"it and continue with --resume (its runs are run again), "
                              f"{FRESH}")
    import pyarrow as pa
    import pyarrow.parquet as pq

    files = [out / n for n in ("runs.parquet", "timeseries.parquet", "distributions.parquet")]
    if parts.is_dir():
        files += sorted(parts.glob("part-*.parquet"))
    for f in files:
        if f.exists():
            try:
                pq.read_metadata(f)
            except (pa.ArrowException, ValueError, OSError) as exc:
                first = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
                raise RunnerError(f"{f} is not a readable results file (truncated or damaged: "
                                  f"{first}); remove it and continue with --resume (its runs "
                                  f"are run again), {FRESH}") from None


# -- result sinks ------------------------------------------------------------------------------
class _MemorySink:
    def __init__(self) -> None:
        self.rows: list[dict] = []
        self.ts: list[pd.DataFrame] = []
        self.dist: list[pd.DataFrame] = []
        self.failures: list[dict] = []

    def done_ids(self) -> set[str]:
        return set()

    def add(self, res: dict[str, Any]) -> None:
        if res["ok"]:
            self.rows.append(res["row"])
            if res["timeseries"] is not None:
                self.ts.append(res["timeseries"])
            if res["distributions"] is not None:
                self.dist.append(res["distributions"])
        else:
            self.failures.append(_failure_record(res))

    def flush(self) -> None:
        pass

    def finish(self) -> tuple:
        runs = finalize_runs(pd.DataFrame(self.rows))
        ts = finalize_timeseries(pd.concat(self.ts, ignore_index=True)) if self.ts else None
        dist = finalize_distributions(pd.concat(self.dist, ignore_index=True)) \
            if self.dist else None
        return runs, ts, dist, sorted(self.failures, key=lambda f: f["run_id"])


def _failure_record(res: dict[str, Any]) -> dict[str, Any]:
    rec = {"run_id": res["run_id"], **{k: v for k, v in res["spec"].items() if k != "run_id"},
           "error": res["error"], "traceback": res["traceback"]}
    if "nonfinite_step" in res:
        rec["nonfinite_step"] = res["nonfinite_step"]
    return rec


class _DirSink:
    """Writes finished runs to ``out/parts`` in batches; consolidates at the end."""

    def __init__(self, out: Path, flush_every: int, flush_seconds: float,
                 keep_parts: bool = False) -> None:
        self.out = out
        self.keep_parts = keep_parts
        self.parts = out / "parts"
        check_folder(out)
        self.parts.mkdir(parents=True, exist_ok=True)
        self.flush_every = max(1, flush_every)
        self.flush_seconds = flush_seconds
        self.buffer: list[dict[str, Any]] = []
        self.last_flush = time.monotonic()
        self.seq = 1 + max((int(PART_RE.fullmatch(p.name).group(1))
                            for p in self.parts.glob("part-*-runs.parquet")), default=-1)
        self.failures_path = out / "failures.jsonl"
        _drop_torn_tail(self.failures_path)

    def done_ids(self) -> set[str]:
        ids: set[str] = set()
        if (self.out / "runs.parquet").exists():
            ids.update(read_table(self.out / "runs.parquet", ["run_id"])["run_id"])
        for p in sorted(self.parts.glob("part-*-runs.parquet")):
            ids.update(read_table(p, ["run_id"])["run_id"])
        return ids

    def add(self, res: dict[str, Any]) -> None:
        if res["ok"]:
            self.buffer.append(res)
            if (len(self.buffer) >= self.flush_every
                    or time.monotonic() - self.last_flush >= self.flush_seconds):
                self.flush()
        else:
            with self.failures_path.open("a", encoding="utf-8") as fh:
                fh.write(json.dumps(_failure_record(res), sort_keys=True) + "\n")

    def flush(self) -> None:
        self.last_flush = time.monotonic()
        if not self.buffer:
            return
        stem = self.parts / f"part-{self.seq:06d}"
        ts = [r["timeseries"] for r in self.buffer if r["timeseries"] is not None]
        dist = [r["distributions"] for r in self.buffer if r["distributions"] is not None]
        if ts:
            write_parquet(pd.concat(ts, ignore_index=True), Path(f"{stem}-timeseries.parquet"))
        if dist:
            write_parquet(pd.concat(dist, ignore_index=True),
                          Path(f"{stem}-distributions.parquet"))
        # the runs part last: it marks the batch complete
        write_parquet(pd.DataFrame([r["row"] for r in self.buffer]),
                      Path(f"{stem}-runs.parquet"))
        self.seq += 1
        self.buffer.clear()

    def finish(self) -> tuple:
        """Consolidate earlier consolidated files and every complete part, sorted by run id;
        then remove the parts (unless ``keep_parts``)."""
        self.flush()
        runs_parts = sorted(self.parts.glob("part-*-runs.parquet"))
        stems = [p.name[: -len("-runs.parquet")] for p in runs_parts]
        frames = [read_table(p) for p in runs_parts]
        if (self.out / "runs.parquet").exists():
            frames.insert(0, read_table(self.out / "runs.parquet"))
        frames = [f for f in frames if not f.empty]
        runs = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
        if not runs.empty:
            runs = runs.drop_duplicates("run_id", keep="first")
            runs = runs[[c for c in runs.columns if not c.startswith("param.")]]
        runs = finalize_runs(runs)
        ids = set(runs["run_id"])

        def gather(kind: str) -> pd.DataFrame | None:
            """Each run's rows from one file only: the consolidated file first, then the
            parts in order. (After a crash between writing the consolidated files and
            removing the parts, a run is in both; reading it twice duplicated its
            distribution values.)"""
            files = [self.out / f"{kind}.parquet"]
            files += [self.parts / f"{s}-{kind}.parquet" for s in stems]
            frames, seen = [], set()
            for f in files:
                if not f.exists():
                    continue
                df = read_table(f)
                df = df[df["run_id"].isin(ids - seen)]
                seen.update(df["run_id"].unique())
                frames.append(df)
            if not frames:
                return None
            return pd.concat(frames, ignore_index=True)

        ts = gather("timeseries")
        if ts is not None:
            ts = finalize_timeseries(ts.drop_duplicates(["run_id", "step"], keep="first"))
        dist = gather("distributions")
        if dist is not None:
            dist = finalize_distributions(dist)
        write_parquet(runs, self.out / "runs.parquet")
        if ts is not None:
            write_parquet(ts, self.out / "timeseries.parquet")
        if dist is not None:
            write_parquet(dist, self.out / "distributions.parquet")
        failures = _read_failures(self.failures_path, done=ids)
        write_text(self.failures_path,
                   "".join(json.dumps(f, sort_keys=True) + "\n" for f in failures))
        if not self.keep_parts:
            for f in self.parts.glob("part-*"):
                f.unlink()
            try:
                self.parts.rmdir()
            except OSError:
                pass
        return runs, ts, dist, failures


def _read_failures(path: Path, done: set[str]) -> list[dict[str, Any]]:
    """Last failure record per run id, for runs that have not succeeded since."""
    latest: dict[str, dict] = {}
    if path.exists():
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.strip():
                try:
                    rec = json.loads(line)
                except ValueError:  # a torn line (crash while appending): run retried
                    continue
                if isinstance(rec, dict) and "run_id" in rec:
                    latest[rec["run_id"]] = rec
    return [latest[k] for k in sorted(latest) if k not in done]


# -- executors ---------------------------------------------------------------------------------
OnResult = Callable[[dict[str, Any]], None]


class Executor:
    """Where the runs of a batch execute (in the spirit of EMA Workbench's evaluators).

    Every executor has one method, :meth:`run`: execute each task with :func:`run_one` and
    pass each result to ``on_result`` as it finishes, in any order (the sinks sort by run id,
    so the executor never changes the results). :func:`run_batch` picks one from its
    ``workers``/``scheduler`` options, or takes one through ``executor=``.
    """

    def run(self, tasks: Sequence[RunSpec], collect: Mapping[str, Any],
            on_result: OnResult) -> None:
        """Run every task; call ``on_result(result)`` once per task."""
        raise NotImplementedError


class SerialExecutor(Executor):
    """One run after the other in this process."""

    def run(self, tasks: Sequence[RunSpec], collect: Mapping[str, Any],
            on_result: OnResult) -> None:
        for t in tasks:
            on_result(run_one(t, collect))


PARENT_POLL_SECONDS = 1.0
"""How often a pool worker checks that the process that started the experiment lives."""


def _worker_init(parent_pid: int) -> None:
    """Pool worker start-up: die with the experiment's process (issue 19 item 4).

    On Linux the kernel sends SIGKILL when the worker's parent (the forkserver, which itself
    ends when the main process does) exits (``prctl(PR_SET_PDEATHSIG)``); everywhere a
    daemon thread checks every :data:`PARENT_POLL_SECONDS` that the experiment's process
    ``parent_pid`` still exists and that the worker was not re-parented, and ends the worker
    otherwise. So no worker outlives a kill -9 or SIGTERM of ``abm experiment`` by more than a
    few seconds.
    """
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, int(signal.SIGKILL), 0, 0, 0)  # PR_SET_PDEATHSIG = 1
        except (OSError, AttributeError):
            pass
    first_ppid = os.getppid()

    def watch() -> None:
        while True:
            time.sleep(PARENT_POLL_SECONDS)
            try:
                os.kill(parent_pid, 0)
            except ProcessLookupError:
                os._exit(1)
            except PermissionError:
                pass
            if os.getppid() != first_ppid:
                os._exit(1)

    threading.Thread(target=watch, name="abm-parent-watch", daemon=True).start()


def _stop_pool(pool) -> None:
    """Stop a process pool now (interrupt, SIGTERM, a full disk): cancel what has not
    started and terminate the workers rather than waiting for their runs."""
    procs = list((getattr(pool, "_processes", None) or {}).values())  # shutdown forgets them
    try:
        pool.shutdown(wait=False, cancel_futures=True)
    except Exception:  # noqa: BLE001
        pass
    for proc in procs:
        try:
            proc.terminate()
        except Exception:  # noqa: BLE001
            pass


POOL_TEMP_PREFIX = "abm-pool-"
"""Prefix of the folder (in the system temp folder) that holds a pool's ``pymp-*`` folder:
``abm-pool-<pid>-<random>``."""


def pool_temp_dir() -> Path | None:
    """Give this process's multiprocessing temp folder (``pymp-*``, the forkserver's socket)
    a parent named after this process, and first remove those of processes that are gone.

    A ``kill -9`` of ``abm experiment`` leaves its ``pymp-*`` folder behind (the cleanup runs
    at a normal exit only); named ``abm-pool-<pid>-...``, the next start can tell that its
    process is gone and remove it. Returns the parent (``None`` if multiprocessing already
    had its temp folder, e.g. from an earlier pool in this process)."""
    import multiprocessing.util as mpu
    import shutil
    import tempfile

    root = Path(tempfile.gettempdir())
    for d in root.glob(f"{POOL_TEMP_PREFIX}*"):
        try:
            pid = int(d.name[len(POOL_TEMP_PREFIX):].split("-")[0])
            mine = d.is_dir() and d.stat().st_uid == os.getuid()
        except (ValueError, OSError, AttributeError):
            continue
        if mine and pid != os.getpid() and not _alive(pid):
            shutil.rmtree(d, ignore_errors=True)
    import multiprocessing.process as mpp

    if mpp.current_process()._config.get("tempdir"):  # already made (earlier pool)
        return None
    # the forkserver's socket (parent/pymp-XXXXXXXX/listener-XXXXXXXX) must fit in a Unix
    # socket address (104-108 bytes): with a long temp folder, leave multiprocessing's own
    if len(str(root)) + len(f"/{POOL_TEMP_PREFIX}{os.getpid()}-12345678") + 33 > 100:
        return None
    parent = Path(tempfile.mkdtemp(prefix=f"{POOL_TEMP_PREFIX}{os.getpid()}-"))
    saved = tempfile.tempdir
    tempfile.tempdir = str(parent)
    try:
        mpu.get_temp_dir()  # made now, inside parent; removed at exit by multiprocessing
    finally:
        tempfile.tempdir = saved
    # after multiprocessing's own removal of pymp-* (priority -100): the parent, now empty
    mpu.Finalize(None, shutil.rmtree, args=(str(parent),), kwargs={"ignore_errors": True},
                 exitpriority=-200)
    return parent


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):
        return True
    return True


class PoolExecutor(Executor):
    """A local process pool (``forkserver`` with the model preloaded where available, else
    ``spawn``). Workers end with the main process (:func:`_worker_init`) and are terminated,
    not waited for, when the batch is interrupted.

    Args:
        workers: processes.
        tasks_per_child: runs per process before it is replaced (memory stays flat over
            thousands of runs).
    """

    def __init__(self, workers: int, tasks_per_child: int = 10) -> None:
        self.workers = workers
        self.tasks_per_child = tasks_per_child

    @staticmethod
    def context():
        """The multiprocessing context of the pool."""
        import multiprocessing as mp

        if "forkserver" in mp.get_all_start_methods():
            ctx = mp.get_context("forkserver")
            ctx.set_forkserver_preload(["abm.experiments.runner", "abm.model", "abm.metrics"])
            return ctx
        return mp.get_context("spawn")

    def run(self, tasks: Sequence[RunSpec], collect: Mapping[str, Any],
            on_result: OnResult) -> None:
        from concurrent.futures import ProcessPoolExecutor

        pool_temp_dir()  # a kill -9 leaves no pymp-* folder the next start cannot remove
        ctx = self.context()
        pending = list(tasks)[::-1]
        while pending:
            # a fresh pool after a worker died; the runs it may have been running are
            # recorded as failures (retried by --resume), the rest continue on the new pool
            with ProcessPoolExecutor(max_workers=self.workers, mp_context=ctx,
                                     max_tasks_per_child=self.tasks_per_child,
                                     initializer=_worker_init,
                                     initargs=(os.getpid(),)) as pool:
                try:
                    inflight, broken = self._drain(pool, pending, collect, on_result)
                except BaseException:
                    _stop_pool(pool)
                    raise
            if broken is not None:
                if not inflight and pending:
                    inflight = {None: pending.pop()}
                for t in inflight.values():
                    on_result(_crash_result(t, broken))

    def _drain(self, pool, pending: list[RunSpec], collect: Mapping[str, Any],
               on_result: OnResult) -> tuple[dict, BaseException | None]:
        """Keep ``2 * workers`` runs in flight until ``pending`` is empty or the pool
        breaks; return the runs still in flight and the error that broke it."""
        from concurrent.futures import FIRST_COMPLETED, wait
        from concurrent.futures.process import BrokenProcessPool

        inflight: dict = {}
        broken: BaseException | None = None
        while (pending or inflight) and broken is None:
            while pending and len(inflight) < 2 * self.workers:
                t = pending.pop()
                try:
                    inflight[pool.submit(run_one, t, collect)] = t
                except BrokenProcessPool as exc:
                    pending.append(t)
                    broken = exc
                    break
            if broken is not None or not inflight:
                break
            done, _ = wait(inflight, return_when=FIRST_COMPLETED)
            for fut in done:
                t = inflight.pop(fut)
                try:
                    res = fut.result()
                except BrokenProcessPool as exc:
                    broken = exc
                    res = _crash_result(t, exc)
                on_result(res)
        return inflight, broken


class DaskExecutor(Executor):
    """A Dask distributed cluster (the loop is :func:`abm.experiments.cluster.run_dask`).

    Keeps 2 x the threads of the workers connected *now* in flight (workers that join later
    get work), checks that every worker runs this package's version and model source, waits
    for workers (saying so) at most ``Scheduler.wait_workers`` seconds, and raises
    :class:`~abm.experiments.cluster.SchedulerLost` if the scheduler goes away mid-run.

    Args:
        address: the scheduler's address (``tcp://host:8786``), or an
            :class:`abm.experiments.cluster.Scheduler` (address or scheduler file, waits).
        check_version: compare the workers' package version and model-source hash with
            this process's (a mismatch raises :class:`RunnerError` naming the worker).
    """

    def __init__(self, address, check_version: bool = True) -> None:
        from .cluster import as_scheduler

        self.scheduler = as_scheduler(address)
        self.address = self.scheduler.address
        self.check_version = check_version
        self.identity = None if check_version else {}
        self.history: list[tuple[int, int, int]] = []
        """``(finished, threads, in_flight)`` after every top-up of the last :meth:`run`."""

    def run(self, tasks: Sequence[RunSpec], collect: Mapping[str, Any],
            on_result: OnResult) -> None:
        try:
            from .cluster import run_dask
        except ImportError as exc:  # pragma: no cover - dask is a dependency
            raise RunnerError(f"--scheduler needs dask.distributed: {exc}") from None
        self.history = []
        run_dask(self.scheduler, tasks, collect, on_result, identity=self.identity,
                 history=self.history)


def choose_executor(workers: int, scheduler: str | None, n_tasks: int,
                    tasks_per_child: int = 10) -> Executor:
    """Dask with a ``scheduler``; serial for one worker or at most one run; else a pool of
    ``min(workers, n_tasks)`` processes."""
    if scheduler:
        return DaskExecutor(scheduler)
    if workers == 1 or n_tasks <= 1:
        return SerialExecutor()
    return PoolExecutor(min(workers, n_tasks), tasks_per_child)


def _crash_result(t: RunSpec, exc: BaseException) -> dict[str, Any]:
    return {"run_id": t.run_id, "ok": False, "spec": t.key(),
            "error": f"{type(exc).__name__}: {exc}",
            "traceback": "".join(traceback.format_exception(exc)), "wall_seconds": 0.0}


# -- progress ------------------------------------------------------------------------------------
def _progress_bar(total: int, label: str):
    from rich.progress import (BarColumn, MofNCompleteColumn, Progress, ProgressColumn,
                               TextColumn, TimeElapsedColumn, TimeRemainingColumn)
    from rich.text import Text

    class RateColumn(ProgressColumn):
        def render(self, task):  # noqa: D401 - rich API
            speed = task.finished_speed or task.speed
            if not speed:
                return Text("-- runs/min", style="progress.data.speed")
            return Text(f"{speed * 60:.1f} runs/min", style="progress.data.speed")

    bar = Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                   RateColumn(), TimeElapsedColumn(), TextColumn("eta"), TimeRemainingColumn(),
                   TextColumn("{task.fields[failed]} failed"), transient=False)
    return bar


# -- public entry points -------------------------------------------------------------------------
def run_batch(runs: Sequence[RunSpec], out: str | Path | None = None, *,
              workers: int | None = None, scheduler: str | None = None, resume: bool = False,
              collect: Mapping[str, Any] | None = None, progress: bool = False,
              label: str = "runs", tasks_per_child: int = 10, flush_every: int | None = None,
              flush_seconds: float = 30.0, keep_parts: bool = False,
              executor: Executor | None = None, force: bool = False) -> BatchResult:
    """Run ``runs`` and return their results; with ``out``, write them there incrementally.

    Args:
        runs: the runs (unique ``run_id`` each).
        out: folder for ``parts/``, ``runs.parquet``, ``timeseries.parquet``,
            ``distributions.parquet`` and ``failures.jsonl`` (``None``: keep in memory).
        workers: local processes (``1`` = serial in this process; default: CPU count).
        scheduler: address of a Dask distributed scheduler (``tcp://host:8786``); overrides
            ``workers``.
        resume: skip runs already written in ``out/parts`` (runs that failed are retried).
        collect: ``{"timeseries": bool, "distributions": bool, "max_distribution_values": int}``.
        progress: show a rich progress bar (runs done, rate, time left).
        tasks_per_child: runs per pool process before it is replaced (memory stays flat).
        flush_every: finished runs per part file (default: ``max(4, 2 * workers)``).
        flush_seconds: also write a part when this long has passed since the last one.
        keep_parts: keep ``out/parts`` after consolidation (default: remove them).
        executor: where the runs execute (default: :func:`choose_executor` from ``workers``
            and ``scheduler``): :class:`SerialExecutor`, :class:`PoolExecutor`,
            :class:`DaskExecutor` or any :class:`Executor`.
        force: lift the work limits of :mod:`abm.experiments.limits` (steps per run, runs,
            scale-weighted model-quarters, memory), checked before any run starts.

    Raises:
        RunnerError: bad options, work beyond a limit, ``out`` already holding results
            without ``resume``, or a damaged ``out`` (a file it did not write in ``parts/``,
            an unreadable results file).
    """
    t0 = time.perf_counter()
    runs = list(runs)
    ids = [r.run_id for r in runs]
    if len(set(ids)) != len(ids):
        raise RunnerError("run ids must be unique")
    if workers is None:
        workers = os.cpu_count() or 1
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise RunnerError(f"--workers must be a whole number >= 1, got {workers!r}")
    check_limits(runs, workers if scheduler is None and executor is None else 1, force)
    collect = {**DEFAULT_COLLECT, **(collect or {})}
    failing = [s.strip() for s in os.environ.get(FAIL_ENV, "").split(",") if s.strip()]
    if failing:  # test hook, read here so that every executor's workers see it
        collect["_fail"] = failing
    if out is not None:
        out = Path(out)
        with FolderLock(out):
            return _run_batch(runs, ids, out, workers=workers, scheduler=scheduler,
                              resume=resume, collect=collect, progress=progress, label=label,
                              tasks_per_child=tasks_per_child, flush_every=flush_every,
                              flush_seconds=flush_seconds, keep_parts=keep_parts,
                              executor=executor, t0=t0)
    return _run_batch(runs, ids, None, workers=workers, scheduler=scheduler, resume=resume,
                      collect=collect, progress=progress, label=label,
                      tasks_per_child=tasks_per_child, flush_every=flush_every,
                      flush_seconds=flush_seconds, keep_parts=keep_parts, executor=executor,
                      t0=t0)


def _run_batch(runs: list[RunSpec], ids: list[str], out: Path | None, *, workers: int,
               scheduler: str | None, resume: bool, collect: dict[str, Any], progress: bool,
               label: str, tasks_per_child: int, flush_every: int | None,
               flush_seconds: float, keep_parts: bool, executor: Executor | None,
               t0: float) -> BatchResult:
    if out is not None:
        if not resume and has_results(out):
            raise RunnerError(f"{out} already holds results; pass --resume to continue them "
                              "or choose another --out")
        sink: Any = _DirSink(out, flush_every or max(4, 2 * workers), flush_seconds,
                             keep_parts)
        if not resume:
            sink.failures_path.unlink(missing_ok=True)
    else:
        sink = _MemorySink()
    done = sink.done_ids() & set(ids)
    todo = [r for r in runs if r.run_id not in done]

    bar = _progress_bar(len(runs), label) if progress else None
    task = None
    failed = [0]
    if bar is not None:
        bar.start()
        task = bar.add_task(label, total=len(runs), completed=len(done), failed=0)

    def on_result(res: dict[str, Any]) -> None:
        sink.add(res)
        if not res["ok"]:
            failed[0] += 1
        if bar is not None:
            bar.update(task, advance=1, failed=failed[0])

    if executor is None:
        executor = choose_executor(workers, scheduler, len(todo), tasks_per_child)
    try:
        executor.run(todo, collect, on_result)
    finally:
        sink.flush()
        if bar is not None:
            bar.stop()
    runs_df, ts, dist, failures = sink.finish()
    return BatchResult(runs=runs_df, timeseries=ts, distributions=dist, failures=failures,
                       out=out, executed=len(todo), skipped=len(done),
                       wall_seconds=time.perf_counter() - t0)


def run_scale(run: RunSpec) -> float:
    """The ``scale`` a run's model is built at (its override, else the default 1)."""
    try:
        return float(run.overrides.get("scale", 1.0))
    except (TypeError, ValueError):
        return 1.0


def check_limits(runs: Sequence[RunSpec], workers: int = 1, force: bool = False) -> float:
    """The work limits (:func:`abm.experiments.limits.check_batch`) for ``runs``, as
    :class:`RunnerError`; returns the estimated CPU seconds."""
    from .limits import LimitError, check_batch

    try:
        return check_batch([(r.steps, run_scale(r)) for r in runs], workers, force)
    except LimitError as exc:
        raise RunnerError(str(exc)) from None


def has_results(out: Path) -> bool:
    """Whether ``out`` holds (partial or complete) results of a batch."""
    out = Path(out)
    return (out / "runs.parquet").exists() or any((out / "parts").glob("part-*-runs.parquet"))


def run_experiment(spec, out: str | Path, *, workers: int | None = None,
                   scheduler: str | None = None, resume: bool = False,
                   progress: bool = False, flush_every: int | None = None,
                   force: bool = False) -> BatchResult:
    """Run every run of an :class:`~abm.experiments.spec.ExperimentSpec` into ``out``.

    Writes ``manifest.json`` before the first run (status ``running``) and updates it at the
    end (status ``complete``, times, counts). With ``resume`` the folder must hold the same
    experiment (same runs and collection settings), proved by its ``manifest.json``: runs
    without a manifest are refused. The folder is locked meanwhile (:class:`FolderLock`): a
    second experiment into it raises :class:`RunnerError`. If the experiment stops before
    any run is written (an unreachable scheduler, an error), the files it made (manifest,
    ``parts/``) are removed again, and the folder too if this call created it.
    """
    out = Path(out)
    created = not out.exists()
    try:
        with FolderLock(out):
            try:
                return _run_experiment(spec, out, workers=workers, scheduler=scheduler,
                                       resume=resume, progress=progress,
                                       flush_every=flush_every, force=force)
            except BaseException:
                discard_unstarted(out)
                raise
    except BaseException:
        if created:
            discard_unstarted(out, created=True)
        raise


def discard_unstarted(out: Path, created: bool = False) -> bool:
    """Remove what a start that wrote no run left in ``out`` (``manifest.json``, an empty
    ``parts/`` and ``failures.jsonl``); with ``created``, also the lock file and the folder
    if nothing else is in it. Whether anything was removed. A folder holding any result is
    left as it is (``--resume`` continues it)."""
    out = Path(out)
    if not out.is_dir() or has_results(out):
        return False
    removed = False
    parts = out / "parts"
    try:
        if parts.is_dir() and not any(parts.iterdir()):
            parts.rmdir()
            removed = True
        fails = out / "failures.jsonl"
        if fails.is_file() and fails.stat().st_size == 0:
            fails.unlink()
            removed = True
        manifest = out / "manifest.json"
        if manifest.is_file():
            try:
                status = json.loads(manifest.read_text(encoding="utf-8")).get("status")
            except (ValueError, AttributeError, OSError):
                status = None
            if status == "running":
                manifest.unlink()
                removed = True
        if created:
            lock = out / LOCK_NAME
            if lock.is_file() and lock.stat().st_size == 0:
                lock.unlink()
            if not any(out.iterdir()):
                out.rmdir()
                removed = True
    except OSError:
        pass
    return removed


def _run_experiment(spec, out: Path, *, workers: int | None, scheduler: str | None,
                    resume: bool, progress: bool, flush_every: int | None,
                    force: bool = False) -> BatchResult:
    manifest_path = out / "manifest.json"
    fingerprint = spec.fingerprint()
    old = None
    check_folder(out)
    if resume and not manifest_path.exists() and has_results(out):
        raise RunnerError(f"{out} holds runs but no manifest.json, so nothing shows they were "
                          f"made by this spec and these options; --resume cannot continue "
                          f"them: start afresh in another --out (or restore the manifest)")
    if resume and manifest_path.exists():
        try:
            old = json.loads(manifest_path.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError) as exc:
            raise RunnerError(f"{manifest_path} is not valid JSON ({exc}); it cannot be "
                              "resumed: restore it or start again in another --out") from None
        if not isinstance(old, dict):
            raise RunnerError(f"{manifest_path} is not an experiment manifest (a JSON "
                              f"{type(old).__name__}); restore it or choose another --out")
        if old.get("fingerprint") != fingerprint:
            raise RunnerError(
                f"{out} holds results of a different experiment or settings "
                f"({old.get('spec', {}).get('name')}, replicates "
                f"{old.get('spec', {}).get('replicates')}, steps {old.get('spec', {}).get('steps')}"
                "); resume with the same spec and options, or choose another --out")
    elif not resume and has_results(out):
        raise RunnerError(f"{out} already holds results; pass --resume to continue them or "
                          "choose another --out")
    out.mkdir(parents=True, exist_ok=True)
    runs = spec.runs()
    started = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    session = {"started": started, "workers": workers, "scheduler": scheduler,
               "resume": resume}
    manifest = old or {
        "experiment": spec.name, "kind": spec.kind, "fingerprint": fingerprint,
        "spec": spec.to_dict(), "spec_toml": spec.text,
        "scenarios": spec.scenario_table(),
        "seeds": {"master_seed": spec.master_seed,
                  "method": "numpy.random.SeedSequence(master_seed).spawn(replicates); "
                            "seed = generate_state(1, uint64)[0] % 2**63",
                  "replicate_seeds": spec.seeds()},
        "n_runs": len(runs), "sessions": [], **provenance(),
    }
    if spec.sample_matrix is not None:
        manifest["sample_matrix"] = spec.sample_matrix.tolist()
    manifest["status"] = "running"
    manifest["sessions"].append(session)
    _write_json(manifest_path, manifest)
    check_limits(runs, (workers or os.cpu_count() or 1) if not scheduler else 1, force)
    result = run_batch(runs, out, workers=workers, scheduler=scheduler, resume=resume,
                       collect=spec.collect, progress=progress, label=spec.name,
                       flush_every=flush_every, force=force)
    session.update({"finished": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                    "wall_seconds": round(result.wall_seconds, 3),
                    "executed": result.executed, "skipped": result.skipped})
    manifest["status"] = "complete" if not result.failures else "complete_with_failures"
    manifest["runs_ok"] = int(len(result.runs))
    manifest["runs_failed"] = len(result.failures)
    manifest["finished"] = session["finished"]
    manifest["wall_seconds_total"] = round(sum(s.get("wall_seconds", 0.0)
                                               for s in manifest["sessions"]), 3)
    _write_json(manifest_path, manifest)
    return result


def _write_json(path: Path, obj: Any) -> None:
    write_text(path, json.dumps(obj, indent=1, sort_keys=True, default=_json_default))


def _json_default(o: Any) -> Any:
    if isinstance(o, (np.integer,)):
        return int(o)
    if isinstance(o, (np.floating,)):
        return float(o)
    if isinstance(o, np.ndarray):
        return o.tolist()
    if isinstance(o, Path):
        return str(o)
    return str(o)


def runs_from_records(records: Iterable[Mapping[str, Any]]) -> list[RunSpec]:
    """Build :class:`RunSpec` objects from dicts (``run_id``, ``preset``, ``swaps``,
    ``overrides``, ``seed``, ``steps`` and optional ``scenario``/``replicate``)."""
    return [RunSpec(**{k: v for k, v in r.items() if k in RunSpec.__dataclass_fields__})
            for r in records]
