"""``abm experiment`` (seeded batch runs: serial, local pool or Dask) and ``abm report``."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from . import fail
from .numbers import real_option, whole_option
from .errors import EXIT_FAILED, out_folder, results_kind
from .format import FLOAT, INT


def register(app: typer.Typer) -> None:
    @app.command("experiment")
    def experiment_cmd(
        spec: Path = typer.Argument(..., help="Experiment spec (TOML file), or the name of "
                                    "a shipped experiment, e.g. regime_comparison."),
        out: Optional[str] = typer.Option(None, help="Output folder (default: "
                                          "results/<experiment name>)."),
        workers: Optional[int] = typer.Option(None, metavar=INT,
                                              parser=whole_option("--workers", 1),
                                              help="Local worker processes (1 = serial; "
                                                   "default: number of CPUs)."),
        scheduler: Optional[str] = typer.Option(None, help="Dask scheduler address "
                                                "(tcp://host:8786): run on that cluster."),
        scheduler_file: Optional[Path] = typer.Option(
            None, "--scheduler-file", help="Dask scheduler file (written by `dask scheduler "
            "--scheduler-file PATH`): run on that cluster; waits for the file to appear."),
        wait_workers: Optional[float] = typer.Option(
            None, "--wait-workers",
            parser=real_option("--wait-workers", "a number of seconds > 0", positive=True),
            help="With --scheduler/--scheduler-file: seconds to wait while no Dask worker is "
            "connected before giving up (default: 600)."),
        resume: bool = typer.Option(False, "--resume", help="Continue an interrupted "
                                    "experiment in --out: run only what is missing."),
        replicates: Optional[int] = typer.Option(None, metavar=INT,
                                                 parser=whole_option("--replicates", 1),
                                                 help="Override the spec's replicates."),
        steps: Optional[int] = typer.Option(None, metavar=INT,
                                            parser=whole_option("--steps", 1),
                                            help="Override the spec's steps."),
        burn_in: Optional[int] = typer.Option(None, "--burn-in", metavar=INT,
                                              parser=whole_option("--burn-in", 0),
                                              help="Override the spec's burn-in: quarters "
                                              "the summary metrics leave out (fewer than "
                                              "the steps)."),
        scale: Optional[float] = typer.Option(None, metavar=FLOAT,
                                              parser=real_option("--scale"),
                                              help="Override the model scale for every "
                                                   "run (quick looks)."),
        report: bool = typer.Option(False, "--report", help="Write the report when done."),
        force: bool = typer.Option(False, "--force", help="Lift the work limits (steps per "
                                   "run, runs per experiment, model-quarters, memory; see "
                                   "docs/experiments.md)."),
        ensemble: Optional[Path] = typer.Option(None, help="Ensemble of calibrated parameter "
                                                "vectors (e.g. abm/data/ensemble.toml): each "
                                                "replicate draws one (docs/calibration.md)."),
        ensemble_seed: Optional[int] = typer.Option(None, metavar=INT,
                                                    parser=whole_option("--ensemble-seed", 0),
                                                    help="Seed of the replicates' "
                                                         "ensemble draws (default 16)."),
    ) -> None:
        """Run every run of an experiment spec; write runs.parquet, timeseries.parquet,
        distributions.parquet, failures.jsonl and manifest.json to --out."""
        from abm.experiments.cluster import SchedulerLost
        from abm.experiments.runner import RunnerError, run_experiment
        from abm.experiments.spec import SpecError, load_spec

        if ensemble_seed is not None and ensemble is None:
            raise fail("--ensemble-seed needs --ensemble (it seeds the draws from an "
                       "ensemble file); give both or neither")
        extra = {} if scale is None else {"scale": scale}
        try:
            exp = load_spec(spec, replicates=replicates, steps=steps, overrides=extra,
                            force=force, burn_in=burn_in)
        except SpecError as exc:
            raise fail(str(exc)) from None
        except RecursionError:
            raise fail(f"{spec}: nested too deeply to read (tables or arrays inside one "
                       "another hundreds of levels deep); a spec needs two levels at most "
                       "(docs/experiments.md, Spec format)") from None
        if ensemble is not None:  # parameter uncertainty: one ensemble member per replicate
            from abm.experiments.ensemble import EnsembleError, load_ensemble

            try:
                exp.ensemble = load_ensemble(ensemble)
            except EnsembleError as exc:
                raise fail(str(exc)) from None
            if ensemble_seed is not None:
                exp.ensemble_seed = ensemble_seed
        if scheduler is not None and scheduler_file is not None:
            raise fail("give --scheduler or --scheduler-file, not both")
        if scheduler is not None or scheduler_file is not None or wait_workers is not None:
            scheduler = _dask_scheduler(scheduler, scheduler_file, wait_workers)
        from abm.experiments.runner import has_results

        held = results_kind(Path(out)) if out else None
        if held == "run":
            raise fail(f"{out} holds the results of `abm run` (summary.json, manifest.json); "
                       "choose another --out")
        target = Path(out) if out is not None and str(out).strip() else (
            Path("results") / exp.name if out is None else None)
        created = target is not None and not target.exists()
        out_dir = out_folder(out) if out is not None else Path("results") / exp.name
        if not resume and has_results(out_dir):
            raise fail(f"{out_dir} already holds results; pass --resume to continue them or "
                       "choose another --out")
        runs = exp.runs()
        from abm.experiments.limits import LONG_SECONDS, estimate_line
        from abm.experiments.runner import check_limits, run_scale

        import os

        cores = 1 if scheduler else min(workers or os.cpu_count() or 1, max(1, len(runs)))
        try:
            cpu = check_limits(runs, cores, force)
        except RunnerError as exc:
            if created:
                from abm.experiments.runner import discard_unstarted

                discard_unstarted(out_dir, created=True)
            raise fail(str(exc)) from None
        where = f"Dask scheduler {scheduler}" if scheduler else (
            "serial" if workers == 1 else f"{workers or 'all'} local processes")
        typer.echo(f"{exp.name}: {len(exp.scenarios)} scenarios x {exp.replicates} replicates "
                   f"= {len(runs)} runs of {exp.steps} steps on {where} -> {out_dir}")
        if cpu / cores > LONG_SECONDS:
            top = max((run_scale(r) for r in runs), default=1.0)
            typer.echo(estimate_line(cpu, cores, top, exp.steps)
                       + ("" if not scheduler else " (on the cluster: divided by its cores)"))
        if exp.ensemble is not None:
            typer.echo(f"parameters drawn per replicate from {ensemble} "
                       f"({len(exp.ensemble)} members, seed {exp.ensemble_seed})")
        from .format import experiment_warnings, warn

        for line in experiment_warnings(exp):
            warn(line)
        from abm.experiments.runner import discard_unstarted, has_results as holds

        try:
            try:
                result = run_experiment(exp, out_dir, workers=workers, scheduler=scheduler,
                                        resume=resume, progress=True, force=force)
            except BaseException:
                if created:  # a failed start leaves no half-made folder
                    discard_unstarted(out_dir, created=True)
                raise
        except SchedulerLost as exc:
            raise fail(str(exc), EXIT_FAILED) from None
        except RunnerError as exc:
            raise fail(str(exc)) from None
        except OSError as exc:  # a full disk, a folder removed under us...
            from .errors import describe

            raise fail(f"{describe(exc)[1]} (experiment in {out_dir})", EXIT_FAILED) from None
        except KeyboardInterrupt:
            kept = (f"finished runs are kept in {out_dir}; continue with --resume"
                    if holds(out_dir) else "no run had finished")
            typer.echo(f"interrupted: {kept}", err=True)
            raise typer.Exit(130) from None
        typer.echo(f"{len(result.runs)} runs ok, {len(result.failures)} failed "
                   f"({result.executed} executed, {result.skipped} already done) in "
                   f"{result.wall_seconds:.1f} s")
        if report:
            from abm.experiments.report import ReportError, make_report

            from .format import StageProgress

            from abm.experiments.checks import DamagedResults

            try:
                with StageProgress(f"report {out_dir}") as progress:
                    files = make_report(out_dir, progress=progress)
            except (ReportError, DamagedResults) as exc:
                raise fail(str(exc), EXIT_FAILED) from None
            typer.echo(f"report: {files[0]}")
        if result.failures:
            raise fail(failures_line(result.failures, len(runs), out_dir), EXIT_FAILED)

    @app.command("report")
    def report_cmd(
        folder: Path = typer.Argument(..., help="Results folder written by `abm experiment`."),
        network: bool = typer.Option(True, "--network/--no-network",
                                     help="Re-run one model per scenario for network "
                                     "snapshots (if the spec asks for them)."),
        figures: bool = typer.Option(True, "--figures/--no-figures", help="Draw figures."),
    ) -> None:
        """Write report.md, LaTeX tables and figures (PNG, PDF) for a results folder."""
        from abm.experiments.checks import DamagedResults, check_json
        from abm.experiments.report import ReportError, make_report

        from .format import StageProgress

        try:
            if (folder / "manifest.json").is_file():
                check_json(folder / "manifest.json")
            with StageProgress(f"report {folder}") as progress:
                files = make_report(folder, network=network, figures=figures,
                                    progress=progress)
        except (ReportError, DamagedResults) as exc:
            raise fail(str(exc)) from None
        typer.echo(f"wrote {files[0]} and {len(files) - 1} tables/figures in {folder}")


def failures_line(failures: list, n_runs: int, out_dir: Path) -> str:
    """The one line ``abm experiment`` ends with when runs failed: runs whose values became
    non-finite (the model, not the machine: ``--resume`` would fail them again) are told
    apart from the others."""
    where = f"errors and tracebacks in {out_dir / 'failures.jsonl'}"
    blown = [f for f in failures if "nonfinite_step" in f]
    if not blown:
        return (f"{len(failures)} of {n_runs} runs failed ({where}); the other runs are kept; "
                "after a fix, --resume reruns only the failed ones")
    first = min(int(f["nonfinite_step"]) for f in blown)
    other = len(failures) - len(blown)
    rest = (f"; {other} more failed otherwise (after a fix, --resume reruns those)"
            if other else "")
    return (f"{len(failures)} of {n_runs} runs failed ({where}): {len(blown)} stopped because "
            f"the model's values became non-finite (overflow, from step {first:,}); --resume "
            f"cannot help them: run fewer steps than {first:,}{rest}; the other runs are kept")


def _dask_scheduler(address: Optional[str], file: Optional[Path], wait: Optional[float]):
    """``--scheduler``/``--scheduler-file``/``--wait-workers`` as a Scheduler (or exit 2)."""
    from abm.experiments.cluster import WAIT_WORKERS, Scheduler

    if address is None and file is None:
        raise fail("--wait-workers needs --scheduler or --scheduler-file")
    seconds = WAIT_WORKERS if wait is None else wait
    from abm.experiments.runner import RunnerError

    from .errors import debugging

    if not debugging():  # Dask's own log lines only with --debug
        from abm.experiments.cluster import quiet_logs

        quiet_logs()
    try:
        return Scheduler(address=address, file=file, wait_workers=seconds)
    except RunnerError as exc:
        raise fail(str(exc)) from None
