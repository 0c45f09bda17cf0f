"""``abm bench``: throughput, scaling and memory against Mesa's Boltzmann model."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Optional

import typer

from . import fail
from .format import FLOAT, INT


def _scales(raw: Optional[str]) -> Optional[tuple[float, float, float]]:
    vals = _numbers(raw, 3, "--scales", "three")
    if vals is None:
        return None
    return vals  # type: ignore[return-value]


def _numbers(raw: Optional[str], n: int, option: str, count: str) -> Optional[tuple]:
    """``n`` comma-separated plain decimal scales inside the model's scale range."""
    from abm.params import SPECS

    from .numbers import parse_real

    if raw is None:
        return None
    try:
        vals = tuple(parse_real(x.strip()) for x in raw.split(","))
    except ValueError:
        vals = ()
    if len(vals) != n or not all(math.isfinite(v) and v > 0 for v in vals):
        raise fail(f"{option} must be {count} comma-separated positive numbers, got {raw!r}")
    spec = SPECS["scale"]
    bad = [v for v in vals if not spec.low <= v <= spec.high]
    if bad:
        raise fail(f"{option} {bad[0]:g} is outside the model's scale range [{spec.low:g}, "
                   f"{spec.high:g}]; choose scales inside it")
    return vals


def _two_scales(raw: Optional[str]) -> Optional[tuple[float, float]]:
    return _numbers(raw, 2, "--throughput-scales", "two")  # type: ignore[return-value]


def _positive(name: str, raw: Optional[str]) -> Optional[int]:
    from . import whole

    return whole(raw, name, 1)


def _real(name: str, raw: Optional[str], what: str) -> Optional[float]:
    from .numbers import parse_real

    if raw is None:
        return None
    try:
        value = parse_real(raw)
    except ValueError:
        value = float("nan")
    if not (math.isfinite(value) and value > 0):
        raise fail(f"{name} must be a positive number{what}, got {raw!r}")
    return value


def bench_runs(cfg) -> list[tuple[int, float]]:
    """``(steps, scale)`` of every model run the bench makes (for the work limits)."""
    out = []
    for _ in cfg.presets:
        for i, sc in enumerate(cfg.scales):
            out += [(cfg.steps, sc)] * (cfg.repeats_high if i == 2 else cfg.repeats)
        out += [(cfg.regime_steps, cfg.regime_scale)] * cfg.regime_seeds
        for sc in getattr(cfg, "throughput_scales", ()):
            out += [(cfg.throughput_steps, sc)] * cfg.throughput_repeats
    return out


def register(app: typer.Typer) -> None:
    @app.command("bench")
    def bench_cmd(
        quick: bool = typer.Option(False, "--quick", help="Smaller sizes (scales 0.2/1/5, "
                                   "50 steps, 1 repeat, 3x2 regime runs): ~1-2 minutes."),
        out: Optional[Path] = typer.Option(None, "--out", help="Write every figure as JSON."),
        presets: Optional[str] = typer.Option(None, metavar="<preset,...>", help="Comma-separated presets "
                                              "(default: silicon_valley,japan,korea)."),
        scales: Optional[str] = typer.Option(None, metavar="<float,float,float>", help="Three scales LOW,MID,HIGH "
                                             "(default 1,10,100; quick 0.2,1,5)."),
        steps: Optional[str] = typer.Option(None, metavar=INT, help="Steps per run, also in "
                                            "the regime comparison and the throughput runs "
                                            "(default 100; quick 50, throughput 100)."),
        repeats: Optional[str] = typer.Option(None, metavar=INT, help="Repeats per case, "
                                              "median reported (default 3; quick 1)."),
        repeats_high: Optional[str] = typer.Option(None, metavar=INT, help="Repeats at the "
                                                   "highest scale (default 1)."),
        regime_seeds: Optional[str] = typer.Option(None, metavar=INT, help="Seeds per preset "
                                                   "in the regime comparison (default 10; "
                                                   "quick 2)."),
        regime_scale: Optional[str] = typer.Option(None, metavar=FLOAT, help="Scale of the "
                                                   "regime comparison runs (default 1)."),
        throughput_scales: Optional[str] = typer.Option(
            None, metavar="<float,float>", help="Scales of the experiment-throughput runs: "
            "the Sobol projection uses the first, the regime comparison's the second "
            "(default 0.5,1)."),
        timeout: Optional[str] = typer.Option(None, metavar=FLOAT, help="Seconds one run may "
                                              "take before it is stopped and reported as "
                                              "partial (default 1800; quick 300)."),
        force: bool = typer.Option(False, "--force", help="Lift the work limits (steps per "
                                   "run, model-quarters, memory; docs/experiments.md)."),
    ) -> None:
        """Benchmark the model against Mesa's Boltzmann wealth model (docs/performance.md).

        Prints a table, the model/Boltzmann throughput ratios, the scaling ratio, peak
        memory, experiment throughput and the projected wall time of a regime comparison and
        a Sobol analysis, with PASS/FAIL against the targets (never an error exit on a
        target).
        """
        from abm.benchmarks import bench
        from abm.hints import did_you_mean
        from abm.presets import PRESET_NAMES

        chosen = None
        if presets is not None:
            chosen = tuple(p.strip() for p in presets.split(",") if p.strip())
            bad = [p for p in chosen if p not in PRESET_NAMES]
            if bad or not chosen:
                hint = did_you_mean(bad[0] if bad else presets, PRESET_NAMES,
                                    label="valid presets")
                raise fail(f"unknown preset {', '.join(bad) or repr(presets)}; {hint}")
        r_scale = _real("--regime-scale", regime_scale, "")
        t_out = _real("--timeout", timeout, " of seconds")
        n_steps = _positive("--steps", steps)
        cfg = bench.config_for(
            quick, presets=chosen, scales=_scales(scales), steps=n_steps,
            repeats=_positive("--repeats", repeats),
            repeats_high=_positive("--repeats-high", repeats_high),
            regime_steps=n_steps, regime_seeds=_positive("--regime-seeds", regime_seeds),
            regime_scale=r_scale, timeout=t_out, throughput_steps=n_steps,
            throughput_scales=_two_scales(throughput_scales))
        from abm.params import SPECS
        from abm.experiments.limits import LimitError, check_batch, estimate_line

        if not SPECS["scale"].low <= cfg.regime_scale <= SPECS["scale"].high:
            raise fail(f"--regime-scale {cfg.regime_scale:g} is outside the model's scale "
                       f"range [{SPECS['scale'].low:g}, {SPECS['scale'].high:g}]")
        try:  # the same work limits as every command that runs the model
            cpu = check_batch(bench_runs(cfg), 1, force)
        except LimitError as exc:
            raise fail(str(exc)) from None
        if scales is not None:  # the yardstick follows the pairing (1,000 agents per scale)
            cfg = bench.replace(cfg, boltzmann_sizes=tuple(
                sorted({bench.boltzmann_for(s) for s in cfg.scales[:2]})))
        if out is not None and out.parent and not out.parent.exists():
            raise fail(f"--out folder does not exist: {out.parent}")
        from .format import console as make_console

        console = make_console()  # the terminal's width (80 when not a terminal)
        log = (lambda msg: console.print(f"[dim]{msg}[/dim]", highlight=False))
        typer.echo(estimate_line(cpu, 1, max(cfg.scales), cfg.steps)
                   + " (runs one after the other; each stops after --timeout)", err=True)
        res = bench.run_bench(cfg, log=log)
        bench.print_report(res, console)
        if out is not None:
            bench.write_json(res, out)
            typer.echo(f"wrote {out}")
