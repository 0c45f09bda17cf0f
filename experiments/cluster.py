"""Dask clusters: connecting, checking workers, running an experiment on a cluster object.

* :class:`Scheduler` says where the Dask scheduler is (an address or a scheduler file, as
  ``abm experiment --scheduler`` / ``--scheduler-file``) and how long to wait for workers.
* :func:`run_dask` is the loop behind :class:`~abm.experiments.runner.DaskExecutor`: it keeps
  ``2 x`` the threads of the workers connected *now* in flight (workers that join later, from a
  SLURM queue or ``cluster.adapt()``, get work at once), checks that every worker runs the same
  package version and model source as the client, says when it waits for workers and gives up
  after :attr:`Scheduler.wait_workers` seconds, and ends with :class:`SchedulerLost` when the
  scheduler goes away mid-run (finished runs are kept; ``--resume`` continues).
* :func:`run_on_cluster` runs an experiment on a cluster object (dask-jobqueue,
  dask-kubernetes, ``LocalCluster``) from a script that needs no terminal: the SLURM recipe
  of docs/tools.md. Example (tested with ``distributed.LocalCluster`` standing in for
  ``SLURMCluster``)::

    from dask_jobqueue import SLURMCluster
    from abm.experiments.cluster import run_on_cluster

    if __name__ == "__main__":
        cluster = SLURMCluster(cores=32, processes=32, memory="64GB", walltime="04:00:00")
        run_on_cluster("experiments/sensitivity.toml", "results/sensitivity", cluster,
                       jobs=4, min_workers=1)
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

from .runner import RunnerError

WAIT_WORKERS = 600.0
"""Default seconds ``abm experiment --scheduler`` waits for a first worker (``--wait-workers``)."""
CONNECT_TIMEOUT = 10.0
"""Seconds to reach the scheduler (and to wait for a scheduler file to appear)."""


class SchedulerLost(RunnerError):
    """The Dask scheduler went away (or no worker came) mid-run: finished runs are kept."""


@dataclass
class Scheduler:
    """Where the Dask scheduler is and how long to wait for it and its workers.

    Args:
        address: ``tcp://host:8786`` (or ``None`` with ``file``).
        file: a scheduler file (``dask scheduler --scheduler-file PATH``): JSON holding the
            address; waited for up to ``file_wait`` seconds.
        wait_workers: seconds to wait while no worker is connected before giving up.
        connect_timeout: seconds to reach the scheduler.
        file_wait: seconds to wait for the scheduler file to appear.
    """

    address: str | None = None
    file: str | Path | None = None
    wait_workers: float = WAIT_WORKERS
    connect_timeout: float = CONNECT_TIMEOUT
    file_wait: float = 60.0
    log: Callable[[str], None] = field(default=lambda msg: print(msg, file=sys.stderr,
                                                                 flush=True), repr=False)

    def __post_init__(self) -> None:
        if (self.address is None) == (self.file is None):
            raise RunnerError("give a Dask scheduler address or a scheduler file (one)")
        for name in ("wait_workers", "connect_timeout", "file_wait"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not v > 0 \
                    or v == float("inf"):
                raise RunnerError(f"{name} must be a number of seconds > 0, got {v!r}")
        if self.address is not None:
            check_address(self.address)

    def __str__(self) -> str:
        return self.address if self.address is not None else f"scheduler file {self.file}"

    def resolve(self) -> str:
        """The scheduler address (read from the file, waiting for it to appear)."""
        if self.address is not None:
            return self.address
        path = Path(self.file)
        t0 = time.monotonic()
        while True:
            try:
                address = json.loads(path.read_text(encoding="utf-8"))["address"]
                if isinstance(address, str):
                    return address
            except FileNotFoundError:
                pass
            except (OSError, ValueError, KeyError, TypeError):
                pass  # being written, or not a scheduler file (reported below)
            if time.monotonic() - t0 > self.file_wait:
                what = "does not exist" if not path.exists() else "holds no scheduler address"
                raise RunnerError(f"--scheduler-file {path} {what} after "
                                  f"{self.file_wait:g} s (write it with `dask scheduler "
                                  "--scheduler-file PATH`)")
            time.sleep(0.2)

    def connect(self):
        """A ``distributed.Client`` on the scheduler, or :class:`RunnerError`."""
        from distributed import Client

        address = self.resolve()
        try:
            return Client(address, timeout=f"{self.connect_timeout}s")
        except (OSError, TimeoutError, ValueError, TypeError) as exc:
            msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise RunnerError(f"cannot connect to the Dask scheduler at {address!r}: {msg} "
                              "(an address looks like tcp://HOST:8786; start a scheduler with "
                              "`dask scheduler` and workers with `dask worker ADDRESS`, see "
                              "docs/experiments.md)") from None


def quiet_logs() -> None:
    """Keep Dask's own log lines (and the tracebacks they carry) out of the terminal: a
    killed scheduler otherwise prints a page of ``distributed.client - ERROR`` tracebacks
    before the one-line message. The command line calls this unless ``--debug``."""
    import logging

    import distributed  # noqa: F401 - configures its loggers at import

    names = [n for n in list(logging.root.manager.loggerDict)
             if n == "distributed" or n.startswith(("distributed.", "tornado", "asyncio"))]
    for name in names + ["distributed", "tornado", "asyncio"]:
        logger = logging.getLogger(name)
        logger.setLevel(logging.CRITICAL)
        # no stream left to write to: Dask's handlers go (loggers made later propagate to
        # these three, which stop there), whatever level a later configuration sets
        logger.handlers[:] = [logging.NullHandler()]
        logger.propagate = False
    # and records up to ERROR are dropped process-wide: the command line says what went wrong
    # in its own words and logs nothing itself (a CI run on a loaded machine still printed
    # "distributed.client - ERROR - ..." with levels alone)
    logging.disable(logging.ERROR)


def check_address(address: str) -> None:
    """Raise :class:`RunnerError` unless ``address`` looks like a Dask address
    (``tcp://HOST:PORT``, ``HOST:PORT``, ``inproc://...``)."""
    from distributed.comm import get_address_host_port

    try:
        if not isinstance(address, str) or not address.strip():
            raise ValueError("empty")
        if not address.startswith("inproc://"):
            get_address_host_port(address)
    except (ValueError, TypeError) as exc:
        raise RunnerError(f"--scheduler {address!r} is not a Dask scheduler address ({exc}); "
                          "it looks like tcp://HOST:8786") from None


def as_scheduler(scheduler: "str | Scheduler | Mapping[str, Any]") -> Scheduler:
    """A :class:`Scheduler` from an address, a :class:`Scheduler` or its keyword mapping."""
    if isinstance(scheduler, Scheduler):
        return scheduler
    if isinstance(scheduler, Mapping):
        return Scheduler(**scheduler)
    if isinstance(scheduler, (str, Path)):
        return Scheduler(address=str(scheduler))
    raise RunnerError(f"scheduler must be an address or a Scheduler, got {scheduler!r}")


def code_identity() -> dict[str, Any]:
    """What must match between client and workers: the package version and the hash of the
    model source (``abm/**/*.py`` and ``*.toml``, as manifests record it)."""
    from .provenance import source_state, versions

    return {"version": versions()["startup-ecosystem-abm"],
            "model_source_sha256": source_state()["model_source_sha256"]}


def _worker_identity() -> dict[str, Any]:
    try:
        return code_identity()
    except Exception as exc:  # noqa: BLE001 - e.g. the package not installed on the worker
        return {"error": f"{type(exc).__name__}: {exc}"}


def check_workers(client, workers: Sequence[str], expected: Mapping[str, Any]) -> None:
    """Raise :class:`RunnerError` naming every worker whose code differs from ``expected``."""
    if not workers:
        return
    try:
        got = client.run(_worker_identity, workers=list(workers), on_error="return")
    except Exception as exc:  # noqa: BLE001 - a worker that cannot even run the check
        raise RunnerError(f"cannot check the code version of Dask workers {list(workers)}: "
                          f"{exc}") from None
    bad = []
    for w in sorted(got):
        ident = got[w]
        if isinstance(ident, BaseException):
            bad.append(f"{w} (check failed: {type(ident).__name__}: {ident}; is this "
                       "package installed there?)")
            continue
        diffs = [f"{k} {ident.get(k)!r} != {expected.get(k)!r}" for k in
                 ("version", "model_source_sha256") if ident.get(k) != expected.get(k)]
        if "error" in ident:
            diffs = [ident["error"]]
        if diffs:
            bad.append(f"{w} ({'; '.join(diffs)})")
    if bad:
        raise RunnerError("Dask worker runs other model code than this client: "
                          + ", ".join(bad) + "; install the same version of this package "
                          "(pip install -e .) on every worker, or pass check_version=False")


def run_dask(scheduler: Scheduler, tasks: Sequence[Any], collect: Mapping[str, Any],
             on_result: Callable[[dict[str, Any]], None], *, identity: Mapping | None = None,
             history: list | None = None, poll: float = 1.0) -> None:
    """Run ``tasks`` (:class:`RunSpec`) with :func:`~abm.experiments.runner.run_one` on the
    cluster; call ``on_result`` per finished run (see the module docstring).

    Args:
        identity: the code workers must run (default :func:`code_identity`; ``False``-y
            mapping ``{}`` skips the check).
        history: if a list, ``(finished, threads, in_flight)`` is appended after every
            top-up (how the in-flight limit followed the workers).
        poll: seconds between checks for new workers while runs are in flight.
    """
    from distributed import wait

    from .runner import _crash_result, run_one

    expected = code_identity() if identity is None else identity
    client = scheduler.connect()
    where = scheduler.address or str(scheduler)
    def lost(n: int) -> str:
        return ("; finished runs are kept in the output folder, continue with --resume "
                "once a scheduler is back" if n else "; no run had finished")

    try:
        pending = list(tasks)[::-1]
        inflight: dict = {}
        checked: set[str] = set()
        finished = 0
        idle_since: float | None = None
        said_waiting = False
        while pending or inflight:
            try:
                nthreads = client.nthreads()
            except Exception as exc:  # noqa: BLE001 - comm closed, timeout
                raise SchedulerLost(f"lost the Dask scheduler at {where} ({type(exc).__name__})"
                                    f" after {finished} runs{lost(finished)}") from None
            new = [w for w in nthreads if w not in checked]
            if new and expected:
                try:
                    check_workers(client, new, expected)
                except RunnerError:
                    if client.status not in ("running", "newly-created"):  # lost meanwhile
                        raise SchedulerLost(f"lost the Dask scheduler at {where} after "
                                            f"{finished} runs{lost(finished)}") from None
                    raise
            checked.update(new)
            threads = sum(nthreads.values())
            if threads == 0:
                if idle_since is None:
                    idle_since = time.monotonic()
                if not said_waiting:
                    scheduler.log(f"waiting for Dask workers at {where} (giving up after "
                                  f"{scheduler.wait_workers:g} s; --wait-workers)")
                    said_waiting = True
                if time.monotonic() - idle_since > scheduler.wait_workers:
                    raise SchedulerLost(f"no Dask worker connected to {where} within "
                                        f"{scheduler.wait_workers:g} s (start workers with "
                                        f"`dask worker ADDRESS`, or wait longer with "
                                        f"--wait-workers){lost(finished) if finished else ''}")
            else:
                if said_waiting:
                    scheduler.log(f"{len(nthreads)} Dask worker(s), {threads} thread(s) "
                                  "connected: running")
                idle_since, said_waiting = None, False
            limit = 2 * threads
            topped = False
            while pending and len(inflight) < limit:
                t = pending.pop()
                inflight[client.submit(run_one, t, collect, pure=False)] = t
                topped = True
            if history is not None and (topped or not history):
                history.append((finished, threads, len(inflight)))
            if not inflight:
                time.sleep(min(poll, 0.5))
                continue
            try:
                done, _ = wait(list(inflight), timeout=poll, return_when="FIRST_COMPLETED")
            except TimeoutError:
                done = set()
            except Exception as exc:  # noqa: BLE001 - the client lost its scheduler
                raise SchedulerLost(f"lost the Dask scheduler at {where} "
                                    f"({type(exc).__name__}) after {finished} runs"
                                    f"{lost(finished)}") from None
            if client.status not in ("running", "newly-created"):
                raise SchedulerLost(f"lost the Dask scheduler at {where} (client "
                                    f"{client.status}) after {finished} runs{lost(finished)}")
            for fut in done:
                if fut.status == "cancelled":
                    # the scheduler forgot it (restart, lost connection): not a model error
                    raise SchedulerLost(f"lost the Dask scheduler at {where} (a run was "
                                        f"cancelled) after {finished} runs{lost(finished)}")
                t = inflight.pop(fut)
                try:
                    res = fut.result()
                except Exception as exc:  # noqa: BLE001 - e.g. KilledWorker
                    res = _crash_result(t, exc)
                fut.release()
                finished += 1
                on_result(res)
    finally:
        try:
            client.close(timeout=5)
        except Exception:  # noqa: BLE001 - closing a client whose scheduler is gone
            pass


def run_on_cluster(spec: Any, out: str | Path, cluster: Any, *, jobs: int | None = None,
                   min_workers: int = 1, timeout: float = 3600.0, close: bool = True,
                   **spec_options: Any):
    """Run an experiment on ``cluster`` and return the runner's :class:`BatchResult`.

    Args:
        spec: a spec path or an :class:`~abm.experiments.spec.ExperimentSpec`.
        out: results folder (as ``abm experiment --out``; resumable with ``resume=True``).
        cluster: a Dask cluster object (``SLURMCluster``, ``LocalCluster``...).
        jobs: ``cluster.scale(jobs=...)`` first (``None``: leave the cluster as it is).
        min_workers: start once this many workers have joined (workers that join later get
            work as they arrive: the runner keeps 2 x the connected threads in flight).
        timeout: seconds to wait for ``min_workers``.
        close: close the cluster (and cancel its jobs) at the end, also on error.
        **spec_options: ``replicates``, ``steps``, ``overrides`` for
            :func:`~abm.experiments.spec.load_spec` (with a path), ``resume`` and ``progress``
            for :func:`~abm.experiments.runner.run_experiment`.
    """
    from distributed import Client

    from .runner import run_experiment
    from .spec import load_spec

    run_kw = {k: spec_options.pop(k) for k in ("resume", "progress") if k in spec_options}
    if isinstance(spec, (str, Path)):
        spec = load_spec(spec, **spec_options)
    try:
        if jobs is not None:
            cluster.scale(jobs=jobs)
        with Client(cluster) as client:
            client.wait_for_workers(min_workers, timeout=timeout)
        return run_experiment(spec, out, scheduler=Scheduler(
            address=cluster.scheduler_address, wait_workers=timeout), **run_kw)
    finally:
        if close:
            cluster.close()
