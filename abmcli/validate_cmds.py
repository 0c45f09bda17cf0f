"""``abm validate``: the presets against stylized facts (exit 0 when every fact holds)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from . import fail
from .numbers import whole_option
from .format import INT


def _parse_overrides(items: list[str]) -> dict[str, dict[str, float]]:
    """``PRESET:NAME=VALUE`` items -> {preset: {name: value}} (validated)."""
    from abm.hints import did_you_mean
    from abm.experiments.paramvalues import check_value
    from abm.params import ParameterError
    from abm.presets import PRESET_NAMES, resolve

    out: dict[str, dict[str, float]] = {}
    for item in items:
        head, sep, raw = item.partition("=")
        preset, colon, name = head.partition(":")
        if not sep or not colon or not name:
            raise fail(f"malformed --set '{item}': expected PRESET:NAME=VALUE")
        if preset not in PRESET_NAMES:
            raise fail(f"unknown preset '{preset}' in --set; "
                       f"{did_you_mean(preset, PRESET_NAMES, label='valid presets')}")
        from .numbers import parse_real

        try:
            value = parse_real(raw)
        except ValueError:
            raise fail(f"malformed value in --set '{item}': {raw!r} is not a plain decimal "
                       "number") from None
        if name in out.get(preset, {}):
            raise fail(f"--set {preset}:{name} given twice; give each parameter once")
        try:
            out.setdefault(preset, {})[name] = check_value(name, value)
        except ParameterError as exc:
            raise fail(str(exc)) from None
    for preset, values in out.items():
        try:
            resolve(preset, {}, values)
        except ParameterError as exc:
            raise fail(str(exc)) from None
    return out


def register(app: typer.Typer) -> None:
    @app.command("validate")
    def validate_cmd(
        seeds: int = typer.Option(20, metavar=INT, parser=whole_option("--seeds", 1),
                                  help="Seeds per preset."),
        steps: int = typer.Option(100, metavar=INT, parser=whole_option("--steps", 1),
                                  help="Quarters per run."),
        out: Optional[Path] = typer.Option(None, help="Write validation.md (and the runs) here."),
        workers: Optional[int] = typer.Option(None, metavar=INT, help="Local worker processes.",
                                              parser=whole_option("--workers", 1)),
        scheduler: Optional[str] = typer.Option(None, help="Dask scheduler address."),
        only: list[str] = typer.Option([], "--only", metavar="<fact id>", help="Check only this fact id "
                                       "(repeatable); only its preset runs."),
        set_: list[str] = typer.Option([], "--set", metavar="<preset:name=value>", help="Override a preset's parameter: "
                                       "PRESET:NAME=VALUE (e.g. to break it on purpose)."),
        strict: bool = typer.Option(False, "--strict", help="Also fail (exit 1) when a "
                                    "held-out fact does not hold."),
        force: bool = typer.Option(False, "--force", help="Lift the work limits (steps per "
                                   "run, runs, model-quarters, memory; docs/experiments.md)."),
    ) -> None:
        """Run every preset over N seeds and compare with the stylized facts.

        Exits 0 when every calibration fact holds (with --strict: every fact), 1 otherwise.
        Held-out facts are always reported in the table; without --strict a held-out fact
        that does not hold is a finding about the model, printed as a warning."""
        from abm.experiments.validate import FactError, validate

        from abm.experiments.cluster import SchedulerLost
        from abm.experiments.limits import LimitError, check_runs, check_steps
        from abm.experiments.runner import RunnerError

        n_seeds, n_steps, n_workers = seeds, steps, workers
        try:  # before a list of runs is built (--seeds 1000000000)
            check_steps(n_steps, "--steps", force)
            check_runs(n_seeds, f"--seeds {n_seeds:,}", force)
        except LimitError as exc:
            raise fail(str(exc)) from None
        overrides = _parse_overrides(set_)
        if scheduler is not None:
            from abm.experiments.cluster import Scheduler, quiet_logs

            from .errors import debugging

            if not debugging():  # Dask's own log lines only with --debug
                quiet_logs()

            try:
                scheduler = Scheduler(address=scheduler)
            except RunnerError as exc:
                raise fail(str(exc)) from None
        try:
            rows, md = validate(seeds=n_seeds, steps=n_steps, out=out, workers=n_workers,
                                scheduler=scheduler, only=only, overrides=overrides,
                                force=force, estimate=lambda line: typer.echo(line, err=True))
        except FactError as exc:
            raise fail(str(exc)) from None
        except SchedulerLost as exc:
            raise fail(str(exc), 1) from None
        except RunnerError as exc:
            raise fail(str(exc)) from None
        except RuntimeError as exc:  # validation runs that raised
            raise fail(str(exc), 1) from None
        typer.echo(md)
        if out is not None:
            typer.echo(f"wrote {out / 'validation.md'}")
        failed = [r["fact"].id for r in rows if not r["holds"]
                  and (strict or r["fact"].use == "calibration")]
        held_out = [r["fact"].id for r in rows if not r["holds"]
                    and r["fact"].use == "held_out" and not strict]
        if held_out:
            typer.echo(f"warning: {len(held_out)} held-out fact(s) do not hold: "
                       f"{', '.join(held_out)}", err=True)
        if failed:
            typer.echo(f"{len(failed)} fact(s) do not hold: {', '.join(failed)}", err=True)
            raise typer.Exit(1)
