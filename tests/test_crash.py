"""Crash consistency of the write protocol, folder locks, workers that die with their
parent (issue 19 items 2-5).

The crash-injection test first records every file operation an uninterrupted experiment
makes in its folder (writing a temporary file, renaming it into place, appending to
failures.jsonl, removing a part, removing parts/, taking and dropping the lock). Then, for
each operation, it runs the experiment again and "kills" it just before that operation (and,
for writes, also half-way through it, leaving a torn file): from then on every file
operation fails, as if the process were gone, so nothing is cleaned up. ``--resume`` must
then give byte-identical runs, time series, distributions and failures files. One run of the
experiment fails on purpose, so failures.jsonl is covered too.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from abm.experiments import runner
from abm.experiments.runner import LOCK_NAME, RunnerError, run_experiment
from abm.experiments.spec import parse_spec

RESULT_FILES = ("runs.parquet", "timeseries.parquet", "distributions.parquet", "failures.jsonl")

TEXT = """\
[experiment]
name = "crash"
kind = "comparison"
presets = ["silicon_valley", "japan", "korea"]
replicates = 1
master_seed = 11
steps = 4

[overrides]
scale = 0.1
"""


class Crash(BaseException):
    """The process died (not an Exception: nothing may catch it)."""


@pytest.fixture(scope="module")
def spec():
    import tomllib

    return parse_spec(tomllib.loads(TEXT), text=TEXT)


class Recorder:
    """Wraps the file operations of the write protocol inside ``root``."""

    def __init__(self, root: Path, crash_at: int | None = None, torn: bool = False,
                 error: BaseException | None = None) -> None:
        self.root = str(root)
        self.ops: list[str] = []
        self.crash_at, self.torn, self.error = crash_at, torn, error
        self.dead = False

    def _op(self, name: str, path, partial=None) -> None:
        path = str(path)
        if not path.startswith(self.root):
            return
        if self.dead:
            raise Crash("already dead")
        self.ops.append(f"{name} {os.path.relpath(path, self.root)}")
        if self.crash_at is not None and len(self.ops) - 1 == self.crash_at:
            if self.error is not None:
                self.dead = False
                raise self.error
            if self.torn and partial is not None:
                partial()
            self.dead = True
            raise Crash(self.ops[-1])

    def install(self, monkeypatch) -> None:
        rec = self
        real_write_table = pq.write_table
        real_replace = os.replace
        real_open = os.open
        real_unlink, real_rmdir = Path.unlink, Path.rmdir
        real_path_open, real_write_text = Path.open, Path.write_text

        def write_table(table, where, *a, **k):
            rec._op("write", where, lambda: Path(where).write_bytes(b"PAR1\x00torn"))
            return real_write_table(table, where, *a, **k)

        def replace(src, dst, *a, **k):
            rec._op("rename", dst)
            return real_replace(src, dst, *a, **k)

        def os_open(path, flags, *a, **k):
            if flags & os.O_CREAT:
                rec._op("create", path)
            return real_open(path, flags, *a, **k)

        def unlink(self, *a, **k):
            rec._op("unlink", self)
            return real_unlink(self, *a, **k)

        def rmdir(self):
            rec._op("rmdir", self)
            return real_rmdir(self)

        def path_open(self, mode="r", *a, **k):
            if "a" in mode:
                def torn():
                    with real_path_open(self, "a", encoding="utf-8") as fh:
                        fh.write('{"run_id": "half a li')
                rec._op("append", self, torn)
            return real_path_open(self, mode, *a, **k)

        def write_text(self, data, *a, **k):
            rec._op("write", self, lambda: real_write_text(self, data[: len(data) // 2]))
            return real_write_text(self, data, *a, **k)

        monkeypatch.setattr(pq, "write_table", write_table)
        monkeypatch.setattr(os, "replace", replace)
        monkeypatch.setattr(os, "open", os_open)
        monkeypatch.setattr(Path, "unlink", unlink)
        monkeypatch.setattr(Path, "rmdir", rmdir)
        monkeypatch.setattr(Path, "open", path_open)
        monkeypatch.setattr(Path, "write_text", write_text)


def _run(spec, out, monkeypatch, **kw):
    monkeypatch.setenv(runner.FAIL_ENV, spec.runs()[1].run_id)
    return run_experiment(spec, out, workers=1, flush_every=1, **kw)


@pytest.fixture(scope="module")
def reference(spec, tmp_path_factory):
    """The uninterrupted run and the list of its file operations."""
    mp = pytest.MonkeyPatch()
    out = tmp_path_factory.mktemp("crash_ref") / "ref"
    rec = Recorder(out.parent)
    rec.install(mp)
    try:
        _run(spec, out, mp)
    finally:
        mp.undo()
    return out, rec.ops


def _points(ops: list[str]) -> list[tuple[int, bool]]:
    pts = []
    for i, op in enumerate(ops):
        pts.append((i, False))
        if op.startswith(("write", "append")):
            pts.append((i, True))
    return pts


def test_injection_points_cover_the_protocol(reference):
    _, ops = reference
    kinds = {op.split()[0] for op in ops}
    assert kinds == {"create", "write", "rename", "append", "unlink", "rmdir"}, ops
    names = " ".join(ops)
    for needle in ("part-000000-runs.parquet", "part-000000-timeseries.parquet",
                   "part-000000-distributions.parquet", "failures.jsonl", "manifest.json",
                   LOCK_NAME, "ref/runs.parquet", "ref/distributions.parquet"):
        assert needle in names, needle


@pytest.mark.slow
def test_crash_at_every_file_operation_then_resume_is_byte_identical(spec, reference,
                                                                    tmp_path, monkeypatch):
    ref, ops = reference
    points = _points(ops)
    lines = []
    for n, (i, torn) in enumerate(points):
        out = tmp_path / f"c{n}" / "ref"  # same relative names as the reference
        rec = Recorder(out.parent, crash_at=i, torn=torn)
        with monkeypatch.context() as mp:
            rec.install(mp)
            with pytest.raises(Crash):
                _run(spec, out, mp)
        _run(spec, out, monkeypatch, resume=out.exists())
        differ = [f for f in RESULT_FILES if (ref / f).read_bytes() != (out / f).read_bytes()]
        same = not differ
        leftovers = sorted(p.name for p in out.rglob("*") if p.name.endswith(".tmp")
                           or p.name == "parts")
        lines.append(f"{i:2d} {'torn  ' if torn else 'before'} {ops[i]:<48} "
                     f"{'identical' if same else 'DIFFERENT: ' + ', '.join(differ)} "
                     f"{' '.join(leftovers)}")
        assert same, lines[-1]
        assert runner.FolderLock(out).holder() == {}  # released: names no holder
        assert json.loads((out / "manifest.json").read_text())["status"] == \
            "complete_with_failures"
    table = os.environ.get("ABM_CRASH_TABLE")
    if table:
        Path(table).write_text("\n".join(lines) + "\n")


def test_disk_full_stops_with_a_message_and_resume_continues(spec, reference, tmp_path,
                                                             monkeypatch, capsys):
    """ENOSPC while writing a part: exit 1, one line naming the full disk; after space is
    freed, --resume ends with the uninterrupted files."""
    import errno

    import abmcli

    ref, ops = reference
    i = next(k for k, op in enumerate(ops) if "part-000001" in op and op.startswith("write"))
    spec_path = tmp_path / "crash.toml"
    spec_path.write_text(TEXT)
    out = tmp_path / "full" / "ref"
    monkeypatch.setenv(runner.FAIL_ENV, spec.runs()[1].run_id)
    monkeypatch.setattr(runner, "run_experiment",
                        lambda *a, **k: run_experiment(*a, **{**k, "flush_every": 1}))
    err = OSError(errno.ENOSPC, "No space left on device", str(out / "parts" / "x.tmp"))
    rec = Recorder(out.parent, crash_at=i, error=err)
    argv = ["abm", "experiment", str(spec_path), "--out", str(out), "--workers", "1"]
    with monkeypatch.context() as mp:
        rec.install(mp)
        mp.setattr(sys, "argv", argv)
        with pytest.raises(SystemExit) as info:
            abmcli.main()
    msg = capsys.readouterr().err
    assert info.value.code == 1 and "disk full" in msg and "--resume" in msg, msg
    assert "Traceback" not in msg
    assert not list(out.rglob("*.tmp"))
    monkeypatch.setattr(sys, "argv", argv + ["--resume"])
    with pytest.raises(SystemExit) as info:
        abmcli.main()
    assert info.value.code == 1  # the run that fails on purpose still fails
    for f in RESULT_FILES:
        assert (ref / f).read_bytes() == (out / f).read_bytes(), f


def test_torn_last_line_of_failures_is_tolerated_on_resume(spec, reference, tmp_path,
                                                           monkeypatch):
    ref, _ = reference
    out = tmp_path / "torn" / "ref"
    _run(spec, out, monkeypatch)
    with (out / "failures.jsonl").open("a", encoding="utf-8") as fh:
        fh.write('{"run_id": "crash-0000-r0", "err')
    _run(spec, out, monkeypatch, resume=True)
    for f in RESULT_FILES:
        assert (ref / f).read_bytes() == (out / f).read_bytes(), f


# -- locks -----------------------------------------------------------------------------------
SLOW = TEXT.replace("steps = 4", "steps = 400").replace("scale = 0.1", "scale = 0.3") \
    .replace("replicates = 1", "replicates = 4")


def _abm(*args: str, extra_env: dict | None = None, **kw) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1]),
           **(extra_env or {})}
    return subprocess.Popen([sys.executable, "-m", "abmcli", *args], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)


def _wait_for(cond, what: str, limit: float = 120.0) -> None:
    end = time.monotonic() + limit
    while not cond():
        if time.monotonic() > end:
            pytest.fail(f"gave up waiting for {what}")
        time.sleep(0.2)


def test_lock_refuses_a_second_writer_and_a_stale_lock_is_taken_over(tmp_path):
    spec_path = tmp_path / "slow.toml"
    spec_path.write_text(SLOW)
    out = tmp_path / "out"
    first = _abm("experiment", str(spec_path), "--out", str(out), "--workers", "1")
    try:
        _wait_for(lambda: (out / LOCK_NAME).exists() and (out / LOCK_NAME).read_text(),
                  "the first experiment's lock")
        import tomllib

        spec = parse_spec(tomllib.loads(SLOW), text=SLOW)
        with pytest.raises(RunnerError, match=f"being written by process {first.pid}"):
            run_experiment(spec, out, workers=1, resume=True)
        holder = json.loads((out / LOCK_NAME).read_text())
        assert holder["pid"] == first.pid
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait()
    assert json.loads((out / LOCK_NAME).read_text())["pid"] == first.pid  # its process is gone
    lock = runner.FolderLock(out)
    with lock:
        assert lock.took_over["pid"] == first.pid
        assert json.loads((out / LOCK_NAME).read_text())["pid"] == os.getpid()
    assert lock.holder() == {}


def _race_worker(root: str, trials: int, barrier, results) -> None:
    """One of two processes: for each trial folder, take its lock at the same instant as
    the other process, hold it until both have tried, then let go."""
    got = []
    for k in range(trials):
        lock = runner.FolderLock(Path(root) / f"t{k}")
        barrier.wait()
        try:
            lock.__enter__()
            ok = True
        except RunnerError:
            ok = False
        barrier.wait()  # both have tried while the winner holds it
        if ok:
            lock.__exit__(None, None, None)
        got.append(ok)
    results.put(got)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="forks the two racers")
def test_two_processes_racing_for_a_dead_runs_lock_never_both_get_it(tmp_path):
    """Issue 30: the old lock (O_EXCL file, stale one deleted and re-created) was taken by
    both racers in 12 of 1,600 such trials (measured); the file lock in none of 3,000."""
    import multiprocessing as mp

    ctx = mp.get_context("fork")
    dead = ctx.Process(target=int)
    dead.start()
    dead.join()
    trials = 400
    for k in range(trials):  # a killed run's lock file: its process is gone
        (tmp_path / f"t{k}").mkdir()
        (tmp_path / f"t{k}" / LOCK_NAME).write_text(json.dumps(
            {"pid": dead.pid, "host": None, "started": "earlier", "command": "abm"}))
    barrier, results = ctx.Barrier(2), ctx.Queue()
    racers = [ctx.Process(target=_race_worker, args=(str(tmp_path), trials, barrier, results))
              for _ in range(2)]
    for r in racers:
        r.start()
    a, b = results.get(timeout=300), results.get(timeout=300)
    for r in racers:
        r.join()
    both = sum(x and y for x, y in zip(a, b))
    neither = sum(not x and not y for x, y in zip(a, b))
    assert (both, neither) == (0, 0), f"{both} double, {neither} lost of {trials} trials"


# -- orphans -----------------------------------------------------------------------------------
def _children(pid: int) -> set[int]:
    """Every descendant of ``pid`` (from /proc)."""
    parent: dict[int, int] = {}
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                stat = (d / "stat").read_text()
            except OSError:
                continue
            parent[int(d.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    out, frontier = set(), {pid}
    while frontier:
        nxt = {c for c, p in parent.items() if p in frontier and c not in out}
        out |= nxt
        frontier = nxt
    return out


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_pool_workers_die_with_the_main_process(tmp_path, sig):
    spec_path = tmp_path / "slow.toml"
    spec_path.write_text(SLOW)
    main = _abm("experiment", str(spec_path), "--out", str(tmp_path / "out"), "--workers", "2")
    try:
        # the pool's two workers run (beside the forkserver and resource tracker)
        _wait_for(lambda: len(_children(main.pid)) >= 4, "the pool workers")
        kids = _children(main.pid)
    finally:
        main.send_signal(sig)
        main.wait()
    # generous: the workers check their parent every second
    _wait_for(lambda: not any(_alive(k) for k in kids), "the workers to end", limit=60)


# -- long runs: the guard against non-finite values (issue 30) --------------------------------
@pytest.mark.slow
@pytest.mark.parametrize("preset", ["silicon_valley", "japan", "korea", "japan_2027_plan",
                                    "japan_history"])
def test_longest_allowed_runs_stay_finite(preset):
    """The longest run allowed without --force, of each preset at a small scale, stays finite
    to its end (the steps limit is set where the model is known to hold)."""
    import math

    from abm.constants import MAX_STEPS
    from abm.experiments.guard import run_finite
    from abm.experiments.spec import RunSpec

    model = RunSpec(run_id="long", preset=preset, overrides={"scale": 0.1}, seed=3,
                    steps=MAX_STEPS).build()
    run_finite(model, MAX_STEPS)  # raises NonFiniteError at the first non-finite step
    assert all(math.isfinite(v) for v in model.summary().values())


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_pool_temp_folder_of_a_killed_experiment_is_removed_by_the_next(tmp_path):
    """Issue 30: kill -9 of `abm experiment` left a pymp-* folder in the system temp folder
    each time. It now lives in abm-pool-<pid>-*, which the next pool removes once that
    process is gone."""
    import shutil
    import tempfile

    # short: the forkserver's socket lives below it (pytest's tmp_path is too long)
    temp = Path(tempfile.mkdtemp(prefix="abm-t-", dir="/tmp"))
    try:
        _pool_temp_case(tmp_path, temp)
    finally:
        shutil.rmtree(temp, ignore_errors=True)


def _pool_temp_case(tmp_path: Path, temp: Path) -> None:
    spec_path = tmp_path / "slow.toml"
    spec_path.write_text(SLOW)
    env = {"TMPDIR": str(temp)}
    main = _abm("experiment", str(spec_path), "--out", str(tmp_path / "out"), "--workers", "2",
                extra_env=env)
    try:
        _wait_for(lambda: len(_children(main.pid)) >= 4, "the pool workers")
        kids = _children(main.pid)
    finally:
        main.send_signal(signal.SIGKILL)
        main.wait()
    _wait_for(lambda: not any(_alive(k) for k in kids), "the workers to end", limit=60)
    left = sorted(p.name for p in temp.iterdir())
    assert len(left) == 1 and left[0].startswith(f"abm-pool-{main.pid}-"), left
    assert [p.name[:5] for p in (temp / left[0]).iterdir()] == ["pymp-"]
    tiny = tmp_path / "tiny.toml"
    tiny.write_text(TEXT)
    again = _abm("experiment", str(tiny), "--out", str(tmp_path / "again"), "--workers", "2",
                 extra_env=env)
    _, err = again.communicate(timeout=300)
    assert again.returncode == 0, err
    assert sorted(p.name for p in temp.iterdir()) == []
