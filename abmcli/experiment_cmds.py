"""``abm experiment`` (seeded batch runs: serial, local pool or Dask) and ``abm report``."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from . import fail, whole
from .errors import EXIT_FAILED, out_folder, results_kind
from .format import FLOAT, INT


def register(app: typer.Typer) -> None:
    @app.command("experiment")
    def experiment_cmd(
        spec: Path = typer.Argument(..., help="Experiment spec (TOML), e.g. "
                                    "experiments/regime_comparison.toml."),
        out: Optional[str] = typer.Option(None, help="Output folder (default: "
                                          "results/<experiment name>)."),
        workers: Optional[str] = typer.Option(None, metavar=INT, help="Local worker processes (1 = serial; "
                                              "default: number of CPUs)."),
        scheduler: Optional[str] = typer.Option(None, help="Dask scheduler address "
                                                "(tcp://host:8786): run on that cluster."),
        scheduler_file: Optional[Path] = typer.Option(
            None, "--scheduler-file", help="Dask scheduler file (written by `dask scheduler "
            "--scheduler-file PATH`): run on that cluster; waits for the file to appear."),
        wait_workers: Optional[str] = typer.Option(
            None, "--wait-workers", help="With --scheduler/--scheduler-file: seconds to wait "
            "while no Dask worker is connected before giving up (default: 600)."),
        resume: bool = typer.Option(False, "--resume", help="Continue an interrupted "
                                    "experiment in --out: run only what is missing."),
        replicates: Optional[str] = typer.Option(None, metavar=INT, help="Override the spec's replicates."),
        steps: Optional[str] = typer.Option(None, metavar=INT, help="Override the spec's steps."),
        scale: Optional[str] = typer.Option(None, metavar=FLOAT, help="Override the model scale for every "
                                            "run (quick looks)."),
        report: bool = typer.Option(False, "--report", help="Write the report when done."),
        force: bool = typer.Option(False, "--force", help="Lift the work limits (steps per "
                                   "run, runs per experiment, model-quarters, memory; see "
                                   "docs/experiments.md)."),
        ensemble: Optional[Path] = typer.Option(None, help="Ensemble of calibrated parameter "
                                                "vectors (e.g. abm/data/ensemble.toml): each "
                                                "replicate draws one (docs/calibration.md)."),
        ensemble_seed: Optional[str] = typer.Option(None, metavar=INT, help="Seed of the replicates' "
                                                    "ensemble draws (default 16)."),
    ) -> None:
        """Run every run of an experiment spec; write runs.parquet, timeseries.parquet,
        distributions.parquet, failures.jsonl and manifest.json to --out."""
        from experiments.cluster import SchedulerLost
        from experiments.runner import RunnerError, run_experiment
        from experiments.spec import SpecError, load_spec

        n_workers = whole(workers, "--workers", 1)
        n_reps = whole(replicates, "--replicates", 1)
        n_steps = whole(steps, "--steps", 1)
        extra = {}
        if scale is not None:
            try:
                extra["scale"] = float(scale)
            except ValueError:
                raise fail(f"--scale must be a number, got {scale!r}") from None
        try:
            exp = load_spec(spec, replicates=n_reps, steps=n_steps, overrides=extra,
                            force=force)
        except SpecError as exc:
            raise fail(str(exc)) from None
        if ensemble is not None:  # parameter uncertainty: one ensemble member per replicate
            from experiments.ensemble import EnsembleError, load_ensemble

            try:
                exp.ensemble = load_ensemble(ensemble)
            except EnsembleError as exc:
                raise fail(str(exc)) from None
            if ensemble_seed is not None:
                exp.ensemble_seed = whole(ensemble_seed, "--ensemble-seed", 0)
        if scheduler is not None and scheduler_file is not None:
            raise fail("give --scheduler or --scheduler-file, not both")
        if scheduler is not None or scheduler_file is not None or wait_workers is not None:
            scheduler = _dask_scheduler(scheduler, scheduler_file, wait_workers)
        from experiments.runner import has_results

        held = results_kind(Path(out)) if out else None
        if held == "run":
            raise fail(f"{out} holds the results of `abm run` (summary.json, manifest.json); "
                       "choose another --out")
        out_dir = out_folder(out) if out is not None else Path("results") / exp.name
        if not resume and has_results(out_dir):
            raise fail(f"{out_dir} already holds results; pass --resume to continue them or "
                       "choose another --out")
        runs = exp.runs()
        where = f"Dask scheduler {scheduler}" if scheduler else (
            "serial" if n_workers == 1 else f"{n_workers or 'all'} local processes")
        typer.echo(f"{exp.name}: {len(exp.scenarios)} scenarios x {exp.replicates} replicates "
                   f"= {len(runs)} runs of {exp.steps} steps on {where} -> {out_dir}")
        if exp.ensemble is not None:
            typer.echo(f"parameters drawn per replicate from {ensemble} "
                       f"({len(exp.ensemble)} members, seed {exp.ensemble_seed})")
        from .format import experiment_warnings, warn

        for line in experiment_warnings(exp):
            warn(line)
        try:
            result = run_experiment(exp, out_dir, workers=n_workers, scheduler=scheduler,
                                    resume=resume, progress=True)
        except SchedulerLost as exc:
            raise fail(str(exc), EXIT_FAILED) from None
        except RunnerError as exc:
            raise fail(str(exc)) from None
        except OSError as exc:  # a full disk, a folder removed under us...
            from .errors import describe

            raise fail(f"{describe(exc)[1]} (experiment in {out_dir})", EXIT_FAILED) from None
        except KeyboardInterrupt:
            typer.echo(f"interrupted: finished runs are kept in {out_dir}; continue with "
                       f"--resume", err=True)
            raise typer.Exit(130) from None
        typer.echo(f"{len(result.runs)} runs ok, {len(result.failures)} failed "
                   f"({result.executed} executed, {result.skipped} already done) in "
                   f"{result.wall_seconds:.1f} s")
        if report:
            from experiments.report import ReportError, make_report

            from .format import StageProgress

            try:
                with StageProgress(f"report {out_dir}") as progress:
                    files = make_report(out_dir, progress=progress)
            except ReportError as exc:
                raise fail(str(exc), EXIT_FAILED) from None
            typer.echo(f"report: {files[0]}")
        if result.failures:
            raise fail(f"{len(result.failures)} of {len(runs)} runs failed (errors and "
                       f"tracebacks in {out_dir / 'failures.jsonl'}); the other runs are kept; "
                       "after a fix, --resume reruns only the failed ones", EXIT_FAILED)

    @app.command("report")
    def report_cmd(
        folder: Path = typer.Argument(..., help="Results folder written by `abm experiment`."),
        network: bool = typer.Option(True, "--network/--no-network",
                                     help="Re-run one model per scenario for network "
                                     "snapshots (if the spec asks for them)."),
        figures: bool = typer.Option(True, "--figures/--no-figures", help="Draw figures."),
    ) -> None:
        """Write report.md, LaTeX tables and figures (PNG, PDF) for a results folder."""
        from experiments.report import ReportError, make_report

        from .format import StageProgress

        try:
            with StageProgress(f"report {folder}") as progress:
                files = make_report(folder, network=network, figures=figures,
                                    progress=progress)
        except ReportError as exc:
            raise fail(str(exc)) from None
        typer.echo(f"wrote {files[0]} and {len(files) - 1} tables/figures in {folder}")


def _dask_scheduler(address: Optional[str], file: Optional[Path], wait: Optional[str]):
    """``--scheduler``/``--scheduler-file``/``--wait-workers`` as a Scheduler (or exit 2)."""
    from experiments.cluster import WAIT_WORKERS, Scheduler

    if address is None and file is None:
        raise fail("--wait-workers needs --scheduler or --scheduler-file")
    seconds = WAIT_WORKERS
    if wait is not None:
        try:
            seconds = float(wait)
        except ValueError:
            seconds = float("nan")
        if not 0 < seconds < float("inf"):
            raise fail(f"--wait-workers must be a number of seconds > 0, got {wait!r}")
    from experiments.runner import RunnerError

    try:
        return Scheduler(address=address, file=file, wait_workers=seconds)
    except RunnerError as exc:
        raise fail(str(exc)) from None
