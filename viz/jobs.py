"""Batches of model runs in the background for the app (the "why" panel, replicate bands).

A :class:`Job` runs a list of :class:`abm.experiments.spec.RunSpec` through the experiments
runner's executors (:mod:`abm.experiments.runner`: the same :func:`~abm.experiments.runner.run_one`
that ``abm experiment`` uses, so a run here is the run an experiment would make). By default
the runs execute one at a time in a worker process (:class:`~abm.experiments.runner.PoolExecutor`
with one worker), so the page's own thread keeps its speed; the worker dies with the server.
The job itself blocks, so the page calls :meth:`Job.run` from a background thread
(``solara.use_thread``) and shows :attr:`Job.done` of :attr:`Job.total`.

Cancelling (:meth:`Job.cancel`) takes effect when the run under way finishes (about a second
at the app's small scale): the pool is stopped and the runs not started are dropped.

Nothing here imports Solara.
"""

from __future__ import annotations

import threading
import time
from typing import Any, Callable, Mapping, Sequence

from abm.experiments.runner import Executor, PoolExecutor
from abm.experiments.spec import RunSpec

WORKERS = 1
"""Worker processes of a background job: one, so the server keeps a core on a 2-core machine."""


def default_executor() -> Executor:
    """One worker process, recycled every 100 runs (memory stays flat)."""
    return PoolExecutor(WORKERS, tasks_per_child=100)


EXECUTOR_FACTORY: Callable[[], Executor] = default_executor
"""What executes a job's runs (tests put :class:`abm.experiments.runner.SerialExecutor` here)."""


class JobCancelled(Exception):
    """Raised inside the executor's result callback to stop a cancelled job."""


class Job:
    """A batch of runs in the background, with progress and cancellation.

    Args:
        runs: the runs (unique run ids).
        collect: what to keep of each run (:data:`abm.experiments.runner.DEFAULT_COLLECT` keys).
        on_progress: called (in the job's thread) after every finished run.

    Attributes:
        state: ``"waiting"``, ``"running"``, ``"done"``, ``"cancelled"`` or ``"failed"``.
        done, failed, total: runs finished, of which failed, and all.
        results: the :func:`abm.experiments.runner.run_one` result of every finished run.
        error: why the job failed (``state == "failed"``), else None.
        seconds: wall time once finished.
    """

    def __init__(self, runs: Sequence[RunSpec], collect: Mapping[str, Any] | None = None,
                 on_progress: Callable[["Job"], None] | None = None) -> None:
        self.runs = list(runs)
        self.collect = {"timeseries": False, "distributions": False, **dict(collect or {})}
        self.on_progress = on_progress
        self.state = "waiting"
        self.total = len(self.runs)
        self.done = 0
        self.failed = 0
        self.results: list[dict[str, Any]] = []
        self.error: str | None = None
        self.seconds = 0.0
        self._cancel = threading.Event()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    @property
    def finished(self) -> bool:
        return self.state in ("done", "cancelled", "failed")

    def cancel(self) -> None:
        """Stop after the run under way; the job ends as ``"cancelled"``."""
        self._cancel.set()

    def run(self, cancel: threading.Event | None = None) -> "Job":
        """Run every run (blocking; call it from a background thread). ``cancel``: a second
        event that cancels the job (e.g. ``solara.use_thread``'s)."""
        t0 = time.monotonic()
        if cancel is not None and cancel.is_set():
            self._cancel.set()
        if self._cancel.is_set():
            self.state = "cancelled"
            return self
        self.state = "running"

        def on_result(res: dict[str, Any]) -> None:
            self.results.append(res)
            self.done += 1
            if not res.get("ok"):
                self.failed += 1
            if cancel is not None and cancel.is_set():
                self._cancel.set()
            if self.on_progress is not None:
                try:
                    self.on_progress(self)
                except Exception:  # noqa: BLE001 - a page gone away must not stop the job
                    pass
            if self._cancel.is_set() and self.done < self.total:
                raise JobCancelled()

        try:
            EXECUTOR_FACTORY().run(self.runs, self.collect, on_result)
            self.state = "cancelled" if self._cancel.is_set() and self.done < self.total \
                else "done"
        except JobCancelled:
            self.state = "cancelled"
        except Exception as exc:  # noqa: BLE001 - shown on the page, never a traceback
            self.state = "failed"
            self.error = f"{type(exc).__name__}: {exc}"
        finally:
            self.seconds = time.monotonic() - t0
        return self

    def failure_text(self) -> str:
        """``""``, or how many runs failed and the first one's error (shown on the page)."""
        errors = [r.get("error", "?") for r in self.results if not r.get("ok")]
        if not errors:
            return ""
        return (f"{len(errors)} of {self.total} runs failed (first: {errors[0]}); the results "
                "use the runs that finished.")

    def ok_results(self) -> list[dict[str, Any]]:
        return [r for r in self.results if r.get("ok")]

    def progress_text(self, what: str = "runs") -> str:
        """``12 of 70 runs`` (and ``, 1 failed``)."""
        text = f"{self.done} of {self.total} {what}"
        return text + (f", {self.failed} failed" if self.failed else "")
