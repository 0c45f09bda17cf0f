"""Seeded batch experiments: specs (TOML), one runner (serial, local pool, Dask) and reports.

Public API:
    >>> from abm.experiments import load_spec, run_experiment, run_batch, RunSpec, make_report

See docs/experiments.md.
"""

from .runner import BatchResult, RunnerError, run_batch, run_experiment, run_one
from .spec import (SHIPPED, ExperimentSpec, RunSpec, SpecError, load_spec, replicate_seeds,
                   shipped_spec_path)


def make_report(*args, **kwargs):
    """Write report.md, LaTeX tables and figures for a results folder (see
    :func:`abm.experiments.report.make_report`)."""
    from .report import make_report as _make_report

    return _make_report(*args, **kwargs)


__all__ = ["BatchResult", "ExperimentSpec", "RunSpec", "RunnerError", "SHIPPED", "SpecError",
           "load_spec", "make_report", "replicate_seeds", "run_batch", "run_experiment",
           "run_one", "shipped_spec_path"]
