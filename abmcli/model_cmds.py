"""``abm presets``, ``abm params``, ``abm run``."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Optional

import typer

from abm.params import COMPONENTS, SPECS, ParameterError
from abm.presets import presets as preset_table
from abm.presets import resolve
from experiments.provenance import provenance

from . import fail
from .errors import out_folder, results_kind
from .format import (INT, burn_in_note, checks_line, console, print_params,
                     short_run_warnings, summary_table, warn, years)


def parse_assignments(items: list[str], what: str) -> dict[str, str]:
    """Parse ``name=value`` items; raise a one-line error for malformed ones."""
    out = {}
    for item in items or []:
        if "=" not in item or not item.split("=", 1)[0].strip():
            raise fail(f"malformed {what} '{item}': expected NAME=VALUE")
        k, v = item.split("=", 1)
        out[k.strip()] = v.strip()
    return out


def parse_value(name: str, raw: str) -> float:
    if name not in SPECS:
        from abm.params import unknown_name_error

        raise fail(str(unknown_name_error(name)))
    spec = SPECS[name]
    try:
        return float(raw)
    except ValueError:
        raise fail(f"malformed value for '{name}': {raw!r} is not a number; valid range is "
                   f"[{spec.low:g}, {spec.high:g}] ({spec.unit})") from None


def parse_seed(raw: str) -> int:
    try:
        seed = int(raw)
    except ValueError:
        raise fail(f"seed must be a non-negative integer, got {raw!r}") from None
    if seed < 0:
        raise fail(f"seed must be a non-negative integer, got {raw!r}")
    return seed


def parse_steps(raw: str) -> int:
    try:
        steps = int(raw)
    except ValueError:
        raise fail(f"steps must be a non-negative whole number, got {raw!r}") from None
    if steps < 0:
        raise fail(f"steps must be a non-negative whole number, got {raw!r}")
    return steps


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
        values = resolve_or_exit(preset or "silicon_valley", {}, {})
        if preset is None:
            values = {n: s.default for n, s in SPECS.items()}
        print_params(values, f"parameters ({preset or 'defaults'})")  # fits the terminal

    @app.command("run")
    def run_cmd(
        preset: str = typer.Option(..., help="Regime preset (see `abm presets`)."),
        steps: str = typer.Option("100", metavar=INT, help="Quarters to simulate (one step is "
                                   "one quarter; the first 20 are the burn-in)."),
        seed: str = typer.Option("1", metavar=INT, help="Integer seed."),
        set_: list[str] = typer.Option([], "--set", metavar="<name=value>", help="Override a parameter: NAME=VALUE."),
        swap: list[str] = typer.Option([], metavar="<component=preset>", help="Take a component from a preset: COMPONENT=PRESET."),
        out: Optional[str] = typer.Option(None, help="Write summary.json, timeseries.parquet, manifest.json here."),
        force: bool = typer.Option(False, "--force", help="Lift the steps limit and replace "
                                   "an earlier `abm run`'s files in --out."),
    ) -> None:
        """Run one model and print its summary."""
        from experiments.limits import LimitError, check_steps
        from experiments.spec import RunSpec

        n_steps = parse_steps(steps)
        try:
            check_steps(n_steps, "--steps", force)
        except LimitError as exc:
            raise fail(str(exc)) from None
        s = parse_seed(seed)
        overrides = {k: parse_value(k, v) for k, v in parse_assignments(set_, "--set").items()}
        swaps = parse_assignments(swap, "--swap")
        params = resolve_or_exit(preset, swaps, overrides)
        if out is not None:  # checked before the run, not after it
            held = results_kind(Path(out)) if str(out).strip() else None
            if held == "experiment":
                raise fail(f"{out} holds an experiment's results (runs.parquet, manifest.json); "
                           "`abm run` will not write over them: choose another --out")
            if held == "run" and not force:
                raise fail(f"{out} already holds the results of an earlier `abm run`; pass "
                           "--force to replace them or choose another --out")
            out = out_folder(out)
        from rich.progress import Progress

        t0 = time.perf_counter()
        model = RunSpec(run_id="run", preset=preset, swaps=swaps, overrides=overrides, seed=s,
                        steps=n_steps).build(record_events=True)
        with Progress(transient=True) as bar:
            task = bar.add_task(f"{preset} seed {s}", total=n_steps)
            model.run(n_steps, progress=lambda _: bar.advance(task))
        elapsed = time.perf_counter() - t0
        summary = model.summary()
        print_summary(preset, swaps, overrides, s, n_steps, elapsed, summary)
        from abm.mechanisms.policy import idle_policies
        from abm.metrics import too_short

        for line in short_run_warnings(n_steps, too_short(n_steps)) + idle_policies(params,
                                                                                    n_steps):
            warn(line)
        if out is not None:
            from experiments.runner import write_parquet, write_text

            write_text(out / "summary.json", json.dumps(summary, indent=1, sort_keys=True))
            write_parquet(model.timeseries().reset_index(), out / "timeseries.parquet")
            manifest = {"preset": preset, "swaps": swaps, "overrides": overrides, "seed": s,
                        "steps": n_steps, "parameters": params.to_dict(),
                        "wall_seconds": round(elapsed, 3), **provenance()}
            write_text(out / "manifest.json", json.dumps(manifest, indent=1, sort_keys=True))
            typer.echo(f"wrote {out}/summary.json (the values above), timeseries.parquet (one "
                       f"row per quarter, see docs/outputs.md), manifest.json")


def print_summary(preset: str, swaps: dict, overrides: dict, seed: int, steps: int,
                  elapsed: float, summary: dict[str, float]) -> None:
    """What ``abm run`` prints: the run, the burn-in, the grouped summary, the checks."""
    what = preset + "".join(f" + {c} from {p}" for c, p in swaps.items())
    if overrides:
        what += " with " + ", ".join(f"{k}={v:g}" for k, v in overrides.items())
    out = console()
    out.print(f"{what}, seed {seed}: {years(steps)} in {elapsed:.1f} s", markup=False)
    out.print(burn_in_note(steps), markup=False)
    out.print()
    out.print(summary_table(summary, width=out.width))
    out.print()
    out.print(checks_line(summary), markup=False)
