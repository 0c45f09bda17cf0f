"""Dask scale-out (issue 17 item 5, issue 19's Dask waits and exits): the in-flight limit
follows the workers connected now, worker version check, scheduler files, waiting for
workers, a scheduler lost mid-run, bad addresses, and the SLURM batch recipe run without a
terminal. Clusters are ``LocalCluster``s of 1-3 in-process workers (``processes=False``)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from abm.experiments.cluster import Scheduler, SchedulerLost, code_identity
from abm.experiments.runner import DaskExecutor, RunnerError, run_batch
from abm.experiments.spec import load_spec, shipped_spec_path

ROOT = Path(__file__).resolve().parent.parent
TINY = dict(replicates=3, steps=6, overrides={"scale": 0.1})


def _runs(n: int | None = None):
    runs = load_spec(shipped_spec_path("regime_comparison"), **TINY).runs()
    return runs if n is None else runs[:n]


def _cluster(n_workers: int = 1, **kw):
    from distributed import LocalCluster

    return LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=False,
                        dashboard_address=None, **kw)


class Hooked(DaskExecutor):
    """A DaskExecutor that calls ``hook(n_finished)`` after each result (in its loop)."""

    def __init__(self, address, hook, **kw):
        super().__init__(address, **kw)
        self.hook = hook

    def run(self, tasks, collect, on_result):
        count = [0]

        def wrapped(res):
            on_result(res)
            count[0] += 1
            self.hook(count[0])

        super().run(tasks, collect, wrapped)


def _cli(*args, cwd=None):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT),
                                                       os.environ.get("PYTHONPATH", "")])}
    return subprocess.run([sys.executable, "-m", "abmcli", *args], capture_output=True,
                          text=True, timeout=300, env=env, cwd=cwd, stdin=subprocess.DEVNULL)


def test_in_flight_limit_follows_workers_that_join_mid_run():
    """1 worker: 2 runs in flight; after the cluster grows to 3 workers: 6. Same results as
    serially."""
    from distributed import Client

    runs = _runs()  # 12 runs
    with _cluster(1) as cluster, Client(cluster) as watcher:
        def grow(n_done):
            if n_done == 1:
                cluster.scale(3)
                watcher.wait_for_workers(3, timeout=60)

        ex = Hooked(cluster.scheduler_address, grow)
        res = run_batch(runs, executor=ex)
    assert not res.failures and len(res.runs) == len(runs)
    before = [h for h in ex.history if h[0] == 0]
    after = [h for h in ex.history if h[0] >= 1]
    assert max(h[2] for h in before) == 2 and {h[1] for h in before} == {1}
    assert max(h[2] for h in after) == 6 and max(h[1] for h in after) == 3
    serial = run_batch(runs, workers=1)
    pd.testing.assert_frame_equal(res.runs.drop(columns=["wall_seconds"], errors="ignore"),
                                  serial.runs.drop(columns=["wall_seconds"], errors="ignore"))


def test_worker_with_other_model_code_is_named_and_refused():
    with _cluster(1) as cluster:
        ex = DaskExecutor(cluster.scheduler_address)
        ex.identity = {**code_identity(), "model_source_sha256": "0" * 64}
        with pytest.raises(RunnerError) as err:
            run_batch(_runs(2), executor=ex)
        worker = next(iter(cluster.workers.values())).address
    msg = str(err.value)
    assert worker in msg and "model_source_sha256" in msg and "pip install" in msg


def test_version_check_passes_for_same_code_and_can_be_skipped():
    with _cluster(1) as cluster:
        ok = run_batch(_runs(2), executor=DaskExecutor(cluster.scheduler_address))
        ex = DaskExecutor(cluster.scheduler_address, check_version=False)
        ex.identity = {}
        skipped = run_batch(_runs(2), executor=ex)
    assert len(ok.runs) == len(skipped.runs) == 2


def test_waiting_for_workers_says_so_and_gives_up():
    said = []
    with _cluster(0) as cluster:
        sched = Scheduler(address=cluster.scheduler_address, wait_workers=1.0, log=said.append)
        with pytest.raises(SchedulerLost, match="no Dask worker connected .* within 1 s"):
            run_batch(_runs(2), executor=DaskExecutor(sched))
    assert len(said) == 1 and "waiting for Dask workers" in said[0] and "1 s" in said[0]


def test_waiting_ends_when_a_worker_joins(tmp_path):
    import threading

    said = []
    with _cluster(0) as cluster:
        sched = Scheduler(address=cluster.scheduler_address, wait_workers=120, log=said.append)
        timer = threading.Timer(1.5, lambda: cluster.scale(1))
        timer.start()
        res = run_batch(_runs(2), executor=DaskExecutor(sched))
        timer.join()
    assert len(res.runs) == 2
    assert "waiting for Dask workers" in said[0] and "running" in said[-1]


def test_lost_scheduler_keeps_finished_runs_and_resume_continues(tmp_path):
    out = tmp_path / "out"
    runs = _runs(6)
    cluster = _cluster(1)

    def kill(n_done):
        if n_done == 2:
            cluster.close()

    sched = Scheduler(address=cluster.scheduler_address, connect_timeout=2)
    with pytest.raises(SchedulerLost) as err:
        run_batch(runs, out, executor=Hooked(sched, kill), flush_every=1)
    assert "finished runs are kept" in str(err.value) and "--resume" in str(err.value)
    kept = list((out / "parts").glob("part-*-runs.parquet"))
    assert kept  # the finished runs were written
    assert not (out / "failures.jsonl").exists() or \
        (out / "failures.jsonl").read_text().strip() == ""
    with _cluster(1) as again:
        res = run_batch(runs, out, resume=True, executor=DaskExecutor(again.scheduler_address))
    assert res.skipped >= 2 and len(res.runs) == 6 and not res.failures
    assert list(res.runs["run_id"]) == sorted(r.run_id for r in runs)


def test_cli_lost_scheduler_exits_1_with_the_resume_hint(tmp_path, monkeypatch):
    import abm.experiments.runner as runner
    from typer.testing import CliRunner

    from abmcli import app

    def lost(*a, **k):
        raise SchedulerLost("lost the Dask scheduler at tcp://x:1 after 3 runs; finished "
                            "runs are kept in the output folder, continue with --resume")

    monkeypatch.setattr(runner, "run_experiment", lost)
    r = CliRunner().invoke(app, ["experiment", str(shipped_spec_path("regime_comparison")),
                                 "--scheduler", "tcp://127.0.0.1:1", "--out",
                                 str(tmp_path / "o")])
    assert r.exit_code == 1
    assert "--resume" in r.output and "Traceback" not in r.output


@pytest.mark.parametrize("args, words", [
    (["--scheduler", "notanaddress"], ["notanaddress", "tcp://HOST:8786"]),
    (["--scheduler", ""], ["not a Dask scheduler address"]),
    (["--scheduler", "tcp://127.0.0.1:8786", "--scheduler-file", "s.json"], ["not both"]),
    (["--wait-workers", "10"], ["--wait-workers needs --scheduler"]),
    (["--scheduler", "tcp://127.0.0.1:8786", "--wait-workers", "nan"], ["--wait-workers"]),
    (["--scheduler", "tcp://127.0.0.1:8786", "--wait-workers", "-1"], ["--wait-workers"]),
])
def test_bad_scheduler_options_exit_2_with_one_line(tmp_path, args, words):
    out = tmp_path / "out"
    p = _cli("experiment", str(shipped_spec_path("regime_comparison")), "--out", str(out),
             "--replicates", "1", "--steps", "2", *args, cwd=tmp_path)
    assert p.returncode == 2, p.stderr
    lines = [ln for ln in p.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and "Traceback" not in p.stderr, p.stderr
    assert all(w in lines[0] for w in words), lines[0]
    assert not out.exists()


def test_scheduler_file_runs_an_experiment_from_the_cli(tmp_path):
    from distributed import Client

    with _cluster(1, protocol="tcp://", host="127.0.0.1") as cluster, Client(cluster) as client:
        client.write_scheduler_file(str(tmp_path / "scheduler.json"))
        p = _cli("experiment", str(shipped_spec_path("regime_comparison")), "--out",
                 str(tmp_path / "out"), "--replicates", "1", "--steps", "4", "--scale", "0.1",
                 "--scheduler-file", str(tmp_path / "scheduler.json"), cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["status"] == "complete" and manifest["runs_ok"] == 4


def test_missing_scheduler_file_is_a_clear_error(tmp_path):
    sched = Scheduler(file=tmp_path / "none.json", file_wait=0.5)
    with pytest.raises(RunnerError, match="none.json does not exist"):
        sched.resolve()


def test_slurm_batch_script_runs_without_a_terminal(tmp_path):
    """scripts/slurm_job.sh outside SLURM (its local stand-in: scheduler and 1 worker on this
    machine), stdin closed and no terminal, as in a batch job."""
    out = tmp_path / "res" / "out"
    env = {**os.environ, "ABM_WORKERS": "1", "PYTHON": sys.executable,
           "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    env.pop("SLURM_JOB_ID", None)
    p = subprocess.run(["bash", str(ROOT / "scripts" / "slurm_job.sh"),
                        str(shipped_spec_path("regime_comparison")), str(out),
                        "--replicates", "1", "--steps", "4", "--scale", "0.1"],
                       stdin=subprocess.DEVNULL, capture_output=True, text=True, env=env,
                       timeout=300, cwd=tmp_path, start_new_session=True)
    assert p.returncode == 0, p.stderr + p.stdout
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "complete" and manifest["runs_ok"] == 4
    assert not Path(str(out) + ".scheduler.json").exists()  # cleaned up


@pytest.mark.slow
def test_killed_scheduler_prints_one_line_not_dasks_tracebacks(tmp_path):
    """Issue 30: a scheduler killed mid-run (kill -9) used to print a page of
    ``distributed.client - ERROR`` tracebacks before the one-line message; without --debug
    only the message is left."""
    import signal
    import time

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("ABM_DEBUG", None)  # (--debug would keep Dask's log lines, by design)
    sfile = tmp_path / "scheduler.json"
    spec = tmp_path / "slow.toml"
    spec.write_text(shipped_spec_path("regime_comparison").read_text())
    common = dict(env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                  stdin=subprocess.DEVNULL)
    slog = (tmp_path / "scheduler.log").open("w")
    sched = subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_scheduler",
                              "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                              "--scheduler-file", str(sfile)],
                             **{**common, "stderr": slog})
    worker = None
    try:
        for _ in range(300):
            if sfile.exists():
                break
            time.sleep(0.1)
        worker = subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_worker",
                                   "--scheduler-file", str(sfile), "--nthreads", "1",
                                   "--no-dashboard"], **common)
        for _ in range(1200):  # on a busy machine the worker can take long to register
            if "Register worker" in (tmp_path / "scheduler.log").read_text():
                break
            time.sleep(0.1)
        exp = subprocess.Popen([sys.executable, "-m", "abmcli", "experiment", str(spec),
                                "--out", str(tmp_path / "out"), "--replicates", "2",
                                "--steps", "300", "--scale", "0.2", "--scheduler-file",
                                str(sfile)], env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL)
        # kill it once runs are under way (tasks on the scheduler: the experiment has checked
        # its workers' code version and submitted runs); asked of the scheduler itself, so a
        # slow machine only makes the wait longer (a fixed sleep once killed it mid-check)
        from distributed import Client

        with Client(scheduler_file=str(sfile), timeout="300s") as probe:
            for _ in range(3000):
                if exp.poll() is not None or probe.run_on_scheduler(
                        lambda dask_scheduler: len(dask_scheduler.tasks)) > 0:
                    break
                time.sleep(0.2)
        assert exp.poll() is None, "the experiment ended before its runs were under way"
        sched.send_signal(signal.SIGKILL)
        out, err = exp.communicate(timeout=600)
    finally:
        for p in (sched, worker):
            if p is not None and p.poll() is None:
                p.kill()
                p.wait()
        slog.close()
    # the runner's own progress notes (waiting for a worker, then running) may precede the
    # error when the machine is slow; what must not appear is anything from distributed
    notes = ("waiting for Dask workers", )
    lines = [ln for ln in err.splitlines() if ln.strip() and not ln.startswith(notes)
             and not ln.endswith("connected: running")]
    assert exp.returncode == 1, err
    assert "Traceback" not in err and "distributed" not in err, err
    assert len(lines) == 1 and lines[0].startswith("error: lost the Dask scheduler"), err
