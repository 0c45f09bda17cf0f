"""Work bounds checked before anything runs (issue 19).

A typo such as ``--steps 1000000000000`` or ``replicates = 1e9`` would otherwise run without
end or die on memory after printing nothing useful. Every command that starts model runs
checks the requested work against these limits first and refuses with one line naming the
limit and how to lift it on purpose (``--force`` on the command line, ``force=True`` in the
API). The limits are far above every shipped experiment (the largest,
structural_uncertainty, is 2,268 runs x 100 steps = 226,800 model-quarters).

``MAX_STEPS``
    quarters per run: 1,000 quarters (250 years). The model is a transient of 100-200
    quarters (docs/ODD.md 7.16), and it is known to hold (finite values, tested) up to this
    length: past about 1,860 quarters (japan) or 2,800 (silicon_valley) some values overflow
    (measured at scale 0.1 before issue 26's fix); a run that still meets a non-finite value
    stops with a message and keeps its finite quarters (:mod:`abm.experiments.guard`).
``MAX_RUNS``
    runs per experiment (scenarios x replicates), checked from the design's size before the
    scenarios are built (a grid of 200^4 points or a Morris sample of 1e8 trajectories is
    refused before any memory is spent on it).
``MAX_MODEL_QUARTERS``
    runs x steps of one experiment, each run's quarters weighted by its ``scale`` when above
    1 (a quarter at scale 100 costs about 100 at scale 1): about a CPU-week on one core.
``MEMORY_SHARE``, :func:`model_bytes`
    a run's model must fit in this share of the machine's memory, times the runs held at once
    (local worker processes): about 150 MB plus 20 MB per unit of ``scale`` (peak of a
    100-step run at scale 100: 0.9-1.9 GB by preset, docs/performance.md).
``MEMORY_SHARE``
    the consolidated time series table (runs x steps rows) must fit in this share of the
    machine's memory (it is held in memory once, when the parts are consolidated).

The limits are not lifted for the memory estimate's sake alone: ``--force`` lifts all of
them (the user then owns the consequences).
"""

from __future__ import annotations

import os

from abm.constants import MAX_STEPS  # noqa: E402  (1,000: the model's own bound)
MAX_RUNS = 100_000
MAX_MODEL_QUARTERS = 10_000_000
MEMORY_SHARE = 0.5
BYTES_PER_SERIES_VALUE = 8


class LimitError(ValueError):
    """Requested work beyond a documented limit (lift it with ``--force``)."""


HOW = "pass --force to run it anyway"


MEMORY_ENV = "ABM_MEMORY_BYTES"
"""Environment variable: the memory (bytes) the limits count on instead of the machine's (a
share of a machine used by others; the tests)."""


def machine_memory() -> int | None:
    """Physical memory in bytes (``ABM_MEMORY_BYTES`` if set; ``None`` where the platform
    does not say)."""
    raw = os.environ.get(MEMORY_ENV, "").strip()
    if raw.isascii() and raw.isdigit():
        return int(raw)
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


# -- costs of the model, for up-front estimates (docs/performance.md) -------------------------
SECONDS_PER_QUARTER = 0.004
"""CPU seconds of one quarter at a small scale (fixed costs: data collection, markets)."""
SECONDS_PER_SCALE_QUARTER = 0.02
"""CPU seconds of one quarter per unit of ``scale`` (silicon_valley, the costliest preset, at
scale 10: 100 steps in 13-20 s on the project's machines; 2-3x slower at scale 1000, where
one quarter took 69 s in the app)."""
MODEL_BYTES_BASE = 150e6
MODEL_BYTES_PER_SCALE = 2e6
MODEL_BYTES_PER_SCALE_100_STEPS = 18e6
"""Peak memory of one model: the process and a model at a small scale, plus per unit of
``scale`` at the start (2 MB: one app step at scale 1000 held 1.8 GB) and what the
population adds over the first 100 steps (silicon_valley at scale 100 for 100 steps:
1.85 GiB peak, docs/performance.md; counted as grown by step 100)."""
LONG_SECONDS = 60.0
"""Estimated wall time above which a command says the estimate before it starts."""


def weight(scale: float) -> float:
    """Quarters at scale 1 that one quarter at ``scale`` costs (at least 1)."""
    return max(1.0, float(scale))


BUILD_SECONDS_PER_SCALE = 0.15
"""CPU seconds to build a model per unit of ``scale`` (japan at scale 1000: about 130 s)."""


def cpu_seconds(steps: int, scale: float) -> float:
    """Rough CPU seconds of one run (within 2-3x: the machine, the preset, the step)."""
    return (steps * (SECONDS_PER_QUARTER + SECONDS_PER_SCALE_QUARTER * float(scale))
            + BUILD_SECONDS_PER_SCALE * float(scale))


def model_bytes(scale: float, steps: int = 100) -> float:
    """Rough peak memory of a process running one model at ``scale`` for ``steps``."""
    grown = min(max(int(steps), 0), 100) / 100
    return MODEL_BYTES_BASE + float(scale) * (MODEL_BYTES_PER_SCALE
                                              + MODEL_BYTES_PER_SCALE_100_STEPS * grown)


def check_scale_memory(scale: float, at_once: int = 1, force: bool = False,
                       what: str = "a run", steps: int = 100) -> None:
    """``at_once`` models at ``scale`` (worker processes) against the machine's memory."""
    mem = machine_memory()
    one = model_bytes(scale, steps)
    need = one * max(1, at_once)
    if force or not mem or need <= MEMORY_SHARE * mem:
        return
    n = f"{at_once} models" if at_once > 1 else "one model"
    raise LimitError(f"{what} at scale {scale:g} needs about {need / 1e9:.1f} GB ({n} at "
                     f"about {one / 1e9:.1f} GB each), more than "
                     f"{MEMORY_SHARE:.0%} of this machine's {mem / 1e9:.1f} GB; use a smaller "
                     f"scale{' or fewer --workers' if at_once > 1 else ''}, or {HOW}")


def check_batch(steps_scales, workers: int = 1, force: bool = False) -> float:
    """Every limit for a list of runs, given as ``(steps, scale)`` pairs (what the runner
    and the commands that run the model check): steps per run, runs, scale-weighted
    model-quarters, memory of the runs held at once. Returns the estimated CPU seconds."""
    pairs = [(int(st), float(sc)) for st, sc in steps_scales]
    if not pairs:
        return 0.0
    longest = max(st for st, _ in pairs)
    check_steps(longest, "steps", force)
    check_runs(len(pairs), "the batch", force)
    quarters = sum(st * weight(sc) for st, sc in pairs)
    if not force and quarters > MAX_MODEL_QUARTERS:
        raise LimitError(f"{len(pairs):,} runs of up to {longest:,} steps make {quarters:,.0f} "
                         f"model-quarters (weighted by scale), above the limit of "
                         f"{MAX_MODEL_QUARTERS:,}; reduce the runs, steps or scale, or {HOW}")
    check_scale_memory(max(sc for _, sc in pairs), min(max(1, workers), len(pairs)), force,
                       steps=longest)
    return sum(cpu_seconds(st, sc) for st, sc in pairs)


def duration(seconds: float) -> str:
    """``"about 40 s"``, ``"about 12 min"``, ``"about 3.5 h"``, ``"about 2.1 days"``."""
    if seconds < 90:
        return f"about {max(1, round(seconds))} s"
    if seconds < 90 * 60:
        return f"about {seconds / 60:.0f} min"
    if seconds < 48 * 3600:
        return f"about {seconds / 3600:.1f} h"
    return f"about {seconds / 86400:.1f} days"


def estimate_line(cpu: float, workers: int, scale: float, steps: int = 100) -> str:
    """One line saying the estimated time and memory of a batch (for long ones)."""
    wall = cpu / max(1, workers)
    cores = f"{workers} core{'s' if workers != 1 else ''}"
    return (f"estimated {duration(wall)} on {cores} ({duration(cpu)[6:]} of CPU), about "
            f"{model_bytes(scale, steps) / 1e9:.1f} GB per model at scale {scale:g} (rough "
            f"figures, within 2-3x)")
