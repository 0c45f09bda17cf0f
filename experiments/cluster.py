"""Run an experiment on a Dask cluster object (dask-jobqueue, dask-kubernetes, local).

The recipe docs/tools.md gives for SLURM: a Python script that creates the cluster, asks for
workers, waits until some have joined, runs the experiment through the scheduler and closes
the cluster; no terminal, no ``input()``, so it runs from a login node (``nohup python
script.py &``) or inside a batch job alike.

Example (tested with ``distributed.LocalCluster`` standing in for ``SLURMCluster``)::

    from dask_jobqueue import SLURMCluster
    from experiments.cluster import run_on_cluster

    if __name__ == "__main__":
        cluster = SLURMCluster(cores=32, processes=32, memory="64GB", walltime="04:00:00")
        run_on_cluster("experiments/sensitivity.toml", "results/sensitivity", cluster,
                       jobs=4, min_workers=32)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


def run_on_cluster(spec: Any, out: str | Path, cluster: Any, *, jobs: int | None = None,
                   min_workers: int = 1, timeout: float = 3600.0, close: bool = True,
                   **spec_options: Any):
    """Run an experiment on ``cluster`` and return the runner's :class:`BatchResult`.

    Args:
        spec: a spec path or an :class:`~experiments.spec.ExperimentSpec`.
        out: results folder (as ``abm experiment --out``; resumable with ``resume=True``).
        cluster: a Dask cluster object (``SLURMCluster``, ``LocalCluster``...).
        jobs: ``cluster.scale(jobs=...)`` first (``None``: leave the cluster as it is).
        min_workers: start once this many workers have joined. The runner sizes how many
            runs it keeps in flight from the workers present when it starts, so wait for
            most of them.
        timeout: seconds to wait for ``min_workers``.
        close: close the cluster (and cancel its jobs) at the end, also on error.
        **spec_options: ``replicates``, ``steps``, ``overrides`` for
            :func:`~experiments.spec.load_spec` (with a path), ``resume`` and ``progress``
            for :func:`~experiments.runner.run_experiment`.
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
        return run_experiment(spec, out, scheduler=cluster.scheduler_address, **run_kw)
    finally:
        if close:
            cluster.close()
