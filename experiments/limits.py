"""Work bounds checked before anything runs (issue 19).

A typo such as ``--steps 1000000000000`` or ``replicates = 1e9`` would otherwise run without
end or die on memory after printing nothing useful. Every command that starts model runs
checks the requested work against these limits first and refuses with one line naming the
limit and how to lift it on purpose (``--force`` on the command line, ``force=True`` in the
API). The limits are far above every shipped experiment (the largest,
structural_uncertainty, is 1,152 runs x 100 steps = 115,200 model-quarters).

``MAX_STEPS``
    quarters per run (10,000 quarters = 2,500 years; the model is a transient of 100-200
    quarters, docs/ODD.md 7.16).
``MAX_RUNS``
    runs per experiment (scenarios x replicates), checked from the design's size before the
    scenarios are built (a grid of 200^4 points or a Morris sample of 1e8 trajectories is
    refused before any memory is spent on it).
``MAX_MODEL_QUARTERS``
    runs x steps of one experiment (about a CPU-week at scale 1 on one core).
``MEMORY_SHARE``
    the consolidated time series table (runs x steps rows) must fit in this share of the
    machine's memory (it is held in memory once, when the parts are consolidated).

The limits are not lifted for the memory estimate's sake alone: ``--force`` lifts all of
them (the user then owns the consequences).
"""

from __future__ import annotations

import os

MAX_STEPS = 10_000
MAX_RUNS = 100_000
MAX_MODEL_QUARTERS = 10_000_000
MEMORY_SHARE = 0.5
BYTES_PER_SERIES_VALUE = 8


class LimitError(ValueError):
    """Requested work beyond a documented limit (lift it with ``--force``)."""


HOW = "pass --force to run it anyway"


def machine_memory() -> int | None:
    """Physical memory in bytes (``None`` where the platform does not say)."""
    try:
        return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError, AttributeError):
        return None


def check_steps(steps: int, option: str = "--steps", force: bool = False) -> int:
    if not force and steps > MAX_STEPS:
        raise LimitError(f"{option} {steps:,} is above the limit of {MAX_STEPS:,} quarters per "
                         f"run ({MAX_STEPS // 4:,} years); {HOW}")
    return steps


def check_runs(n_runs: int, what: str, force: bool = False) -> int:
    if not force and n_runs > MAX_RUNS:
        raise LimitError(f"{what} gives {n_runs:,} runs, above the limit of {MAX_RUNS:,} runs "
                         f"per experiment; reduce it or {HOW}")
    return n_runs


def check_work(n_runs: int, steps: int, n_series: int, force: bool = False) -> None:
    """Runs x steps against :data:`MAX_MODEL_QUARTERS` and the time series table against
    the machine's memory."""
    if force:
        return
    check_runs(n_runs, "the experiment", force)
    quarters = n_runs * steps
    if quarters > MAX_MODEL_QUARTERS:
        raise LimitError(f"{n_runs:,} runs x {steps:,} steps = {quarters:,} model-quarters, "
                         f"above the limit of {MAX_MODEL_QUARTERS:,}; reduce replicates, "
                         f"scenarios or steps, or {HOW}")
    mem = machine_memory()
    need = quarters * (n_series + 2) * BYTES_PER_SERIES_VALUE
    if mem and need > MEMORY_SHARE * mem:
        raise LimitError(f"the time series of {n_runs:,} runs x {steps:,} steps need about "
                         f"{need / 1e9:.1f} GB, more than {MEMORY_SHARE:.0%} of this machine's "
                         f"{mem / 1e9:.1f} GB; collect fewer runs or steps, set [collect] "
                         f"timeseries = false, or {HOW}")
