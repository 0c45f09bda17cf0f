"""``abm presets``, ``abm params``, ``abm run``."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Optional

import typer

from abm.constants import BURN_IN
from abm.params import COMPONENTS, SPECS, ParameterError
from abm.presets import presets as preset_table
from abm.presets import resolve
from abm.experiments.provenance import provenance

from . import fail
from .errors import out_folder, results_kind
from .numbers import whole_option
from .format import (INT, burn_in_note, checks_line, console, print_params,
                     short_run_warnings, summary_table, warn, years)


def parse_assignments(items: list[str], what: str) -> dict[str, str]:
    """Parse ``name=value`` items; raise a one-line error for malformed ones and for a name
    given twice (the last would silently win)."""
    out = {}
    for item in items or []:
        if "=" not in item or not item.split("=", 1)[0].strip():
            raise fail(f"malformed {what} '{item}': expected NAME=VALUE")
        k, v = item.split("=", 1)
        k = k.strip()
        if k in out:
            raise fail(f"{what} {k} given twice ({k}={out[k]} and {k}={v.strip()}); give "
                       f"each {'parameter' if what == '--set' else 'component'} once")
        out[k] = v.strip()
    return out


def parse_swaps(items: list[str]) -> dict[str, str]:
    """``--swap COMPONENT=PRESET`` items; ``scale`` is no component one swaps (as in specs)."""
    swaps = parse_assignments(items, "--swap")
    if "scale" in swaps:
        raise fail("--swap scale: scale is not an institution to take from a preset; set it "
                   "with --set scale=VALUE (swappable components: "
                   f"{', '.join(c for c in COMPONENTS if c != 'scale')})")
    return swaps


def parse_value(name: str, raw: str) -> float | int:
    """``--set NAME=RAW``: a plain decimal, valid for the parameter (its range, whole or not:
    :func:`abm.experiments.paramvalues.check_value`), else a one-line error."""
    from abm.experiments.paramvalues import check_value

    from .numbers import parse_real

    if name not in SPECS:
        from abm.params import unknown_name_error

        raise fail(str(unknown_name_error(name)))
    spec = SPECS[name]
    try:
        value = parse_real(raw)
    except ValueError:
        raise fail(f"malformed value for '{name}': {raw!r} is not a plain decimal number; "
                   f"valid range is [{spec.low:g}, {spec.high:g}] ({spec.unit})") from None
    try:
        return check_value(name, value)
    except ParameterError as exc:
        raise fail(str(exc)) from None


def resolve_or_exit(preset: str, swaps: dict[str, str], overrides: dict[str, float]):
    try:
        return resolve(preset, swaps, overrides)
    except ParameterError as exc:
        raise fail(str(exc)) from None


def register(app: typer.Typer) -> None:
    @app.command("presets")
    def presets_cmd() -> None:
        """List the regime presets with a one-line description each."""
        for name, desc in preset_table().items():
            typer.echo(f"{name:<18} {desc}")

    @app.command("params")
    def params_cmd(preset: Optional[str] = typer.Option(
            None, help="Show the values of this preset (default: parameter defaults).")) -> None:
        """Print every parameter with value, range, unit, component and description."""
        if preset is not None and not preset.strip():
            raise fail("--preset must name a preset, got an empty string; valid presets: "
                       f"{', '.join(preset_table())} (leave --preset out for the defaults)")
        values = resolve_or_exit(preset or "silicon_valley", {}, {})
        if preset is None:
            values = {n: s.default for n, s in SPECS.items()}
        print_params(values, f"parameters ({preset or 'defaults'})")  # fits the terminal

    @app.command("run")
    def run_cmd(
        preset: str = typer.Option(..., help="Regime preset (see `abm presets`)."),
        steps: int = typer.Option(100, metavar=INT, parser=whole_option("--steps", 0),
                                  help="Quarters to simulate (one step is one quarter; the "
                                  "first 20 are the burn-in)."),
        burn_in: Optional[int] = typer.Option(None, "--burn-in", metavar=INT,
                                    parser=whole_option("--burn-in", 0),
                                    help="Quarters at the start the summary metrics leave out "
                                    f"(a warm-up; default {BURN_IN}); fewer than --steps. It "
                                    "changes what is measured, never the simulated path."),
        seed: int = typer.Option(1, metavar=INT, parser=whole_option("--seed", 0),
                                 help="Integer seed."),
        set_: list[str] = typer.Option([], "--set", metavar="<name=value>", help="Override a parameter: NAME=VALUE."),
        swap: list[str] = typer.Option([], metavar="<component=preset>", help="Take a component from a preset: COMPONENT=PRESET."),
        out: Optional[str] = typer.Option(None, help="Write summary.json, timeseries.parquet, manifest.json here."),
        force: bool = typer.Option(False, "--force", help="Lift the work limits (steps, "
                                   "model memory; docs/experiments.md) and replace an "
                                   "earlier `abm run`'s files in --out."),
    ) -> None:
        """Run one model and print its summary."""
        from abm.experiments.limits import LimitError, check_steps
        from abm.experiments.spec import RunSpec

        n_steps = steps
        try:
            check_steps(n_steps, "--steps", force)
        except LimitError as exc:
            raise fail(str(exc)) from None
        if burn_in is None:  # the default: a run shorter than it only warns (below)
            burn_in = BURN_IN
        else:
            from abm.model import check_burn_in

            try:
                check_burn_in(burn_in, n_steps)
            except ParameterError as exc:
                raise fail(str(exc).replace("burn_in must", "--burn-in must", 1)) from None
        s = seed
        overrides = {k: parse_value(k, v) for k, v in parse_assignments(set_, "--set").items()}
        swaps = parse_swaps(swap)
        params = resolve_or_exit(preset, swaps, overrides)
        from abm.experiments.limits import LONG_SECONDS, check_batch, estimate_line

        scale = float(params.scale)
        try:  # the same limits as every command that runs the model (memory, work)
            cpu = check_batch([(n_steps, scale)], 1, force)
        except LimitError as exc:
            raise fail(str(exc)) from None
        created = False
        if out is not None:  # checked before the run, not after it
            held = results_kind(Path(out)) if str(out).strip() else None
            if held == "experiment":
                raise fail(f"{out} holds an experiment's results (runs.parquet, manifest.json); "
                           "`abm run` will not write over them: choose another --out")
            if held == "run" and not force:
                raise fail(f"{out} already holds the results of an earlier `abm run`; pass "
                           "--force to replace them or choose another --out")
            created = bool(str(out).strip()) and not Path(out).exists()
            out = out_folder(out)
        long = cpu > LONG_SECONDS
        if long:
            typer.echo(f"{preset}, {n_steps} steps at scale {scale:g}: "
                       f"{estimate_line(cpu, 1, scale, n_steps)}", err=True)
        from abm.experiments.guard import NonFiniteError, run_finite

        from .format import StepProgress

        t0 = time.perf_counter()
        try:
            with StepProgress(f"{preset} seed {s}", n_steps, long) as bar:
                model = RunSpec(run_id="run", preset=preset, swaps=swaps, overrides=overrides,
                                seed=s, steps=n_steps, burn_in=burn_in
                                ).build(record_events=True)
                bar.built()
                run_finite(model, n_steps, progress=bar.step, force=force)
        except NonFiniteError as exc:
            raise _stopped(exc, model, out, preset, swaps, overrides, s, n_steps, params,
                           time.perf_counter() - t0) from None
        except BaseException:
            if created:  # a failed start leaves no half-made folder
                try:
                    Path(out).rmdir()
                except OSError:
                    pass
            raise
        elapsed = time.perf_counter() - t0
        summary = model.summary()
        print_summary(preset, swaps, overrides, s, n_steps, elapsed, summary, burn_in)
        from abm.mechanisms.policy import idle_policies
        from abm.metrics import too_short

        for line in short_run_warnings(n_steps, too_short(n_steps, burn_in), burn_in) + \
                idle_policies(params, n_steps):
            warn(line)
        if out is not None:
            from abm.experiments.runner import write_parquet, write_text

            write_text(out / "summary.json", json.dumps(summary, indent=1, sort_keys=True))
            write_parquet(model.timeseries().reset_index(), out / "timeseries.parquet")
            manifest = {"preset": preset, "swaps": swaps, "overrides": overrides, "seed": s,
                        "steps": n_steps, "burn_in": burn_in, "parameters": params.to_dict(),
                        "wall_seconds": round(elapsed, 3), **provenance()}
            write_text(out / "manifest.json", json.dumps(manifest, indent=1, sort_keys=True))
            typer.echo(f"wrote {out}/summary.json (the values above), timeseries.parquet (one "
                       f"row per quarter, see docs/outputs.md), manifest.json")


def _stopped(exc, model, out, preset, swaps, overrides, seed, steps, params, elapsed):
    """A run whose values became non-finite: keep its finite quarters (with ``--out``:
    timeseries.parquet and a manifest saying where it stopped, no summary.json) and exit 1
    with one line saying where and why."""
    from abm.experiments.runner import write_parquet, write_text

    from .errors import EXIT_FAILED

    kept = ""
    if out is not None:
        ts = model.timeseries()
        ts = ts[ts.index < exc.step].reset_index()
        write_parquet(ts, out / "timeseries.parquet")
        manifest = {"preset": preset, "swaps": swaps, "overrides": overrides, "seed": seed,
                    "steps": steps, "parameters": params.to_dict(),
                    "status": "stopped", "stopped_at_step": exc.step,
                    "nonfinite_series": exc.series, "steps_kept": len(ts),
                    "wall_seconds": round(elapsed, 3), **provenance()}
        write_text(out / "manifest.json", json.dumps(manifest, indent=1, sort_keys=True))
        kept = (f"; the {len(ts):,} finite quarters are kept in {out}/timeseries.parquet "
                f"(manifest.json says where it stopped; no summary.json)")
    else:
        kept = "; rerun with --out DIR to keep the finite quarters"
    return fail(f"the run stopped: {exc}{kept}; the model is known to hold to the steps "
                f"limit, see docs/experiments.md (Work limits)", EXIT_FAILED)


def print_summary(preset: str, swaps: dict, overrides: dict, seed: int, steps: int,
                  elapsed: float, summary: dict[str, float], burn_in: int = BURN_IN) -> None:
    """What ``abm run`` prints: the run, the burn-in, the grouped summary, the checks."""
    what = preset + "".join(f" + {c} from {p}" for c, p in swaps.items())
    if overrides:
        what += " with " + ", ".join(f"{k}={v:g}" for k, v in overrides.items())
    out = console()
    out.print(f"{what}, seed {seed}: {years(steps)} in {elapsed:.1f} s", markup=False)
    out.print(burn_in_note(steps, burn_in), markup=False)
    out.print()
    out.print(summary_table(summary, width=out.width))
    out.print()
    out.print(checks_line(summary), markup=False)
