"""``abm bench``: throughput, scaling and memory against Mesa's Boltzmann model."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Optional

import typer

from . import fail


def _scales(raw: Optional[str]) -> Optional[tuple[float, float, float]]:
    if raw is None:
        return None
    try:
        vals = tuple(float(x) for x in raw.split(","))
    except ValueError:
        raise fail(f"--scales must be three comma-separated positive numbers, got {raw!r}") \
            from None
    if len(vals) != 3 or not all(math.isfinite(v) and v > 0 for v in vals):
        raise fail(f"--scales must be three comma-separated positive numbers, got {raw!r}")
    return vals  # type: ignore[return-value]


def _two_scales(raw: Optional[str]) -> Optional[tuple[float, float]]:
    if raw is None:
        return None
    try:
        vals = tuple(float(x) for x in raw.split(","))
    except ValueError:
        vals = ()
    if len(vals) != 2 or not all(math.isfinite(v) and v > 0 for v in vals):
        raise fail(f"--throughput-scales must be two comma-separated positive numbers, "
                   f"got {raw!r}")
    return vals  # type: ignore[return-value]


def _positive(name: str, value: Optional[int]) -> Optional[int]:
    if value is not None and value < 1:
        raise fail(f"{name} must be a positive whole number, got {value}")
    return value


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
        steps: Optional[int] = typer.Option(None, help="Steps per run, also in the regime "
                                            "comparison and the throughput runs (default "
                                            "100; quick 50, throughput 100)."),
        repeats: Optional[int] = typer.Option(None, help="Repeats per case, median reported "
                                              "(default 3; quick 1)."),
        repeats_high: Optional[int] = typer.Option(None, help="Repeats at the highest scale "
                                                   "(default 1)."),
        regime_seeds: Optional[int] = typer.Option(None, help="Seeds per preset in the regime "
                                                   "comparison (default 10; quick 2)."),
        regime_scale: Optional[float] = typer.Option(None, help="Scale of the regime "
                                                     "comparison runs (default 1)."),
        throughput_scales: Optional[str] = typer.Option(
            None, metavar="<float,float>", help="Scales of the experiment-throughput runs: "
            "the Sobol projection uses the first, the regime comparison's the second "
            "(default 0.5,1)."),
        timeout: Optional[float] = typer.Option(None, help="Seconds one run may take before "
                                                "it is stopped and reported as partial "
                                                "(default 1800; quick 300)."),
    ) -> None:
        """Benchmark the model against Mesa's Boltzmann wealth model (docs/performance.md).

        Prints a table, the model/Boltzmann throughput ratios, the scaling ratio, peak
        memory, experiment throughput and the projected wall time of a regime comparison and
        a Sobol analysis, with PASS/FAIL against the targets (never an error exit on a
        target).
        """
        from benchmarks import bench
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
        if regime_scale is not None and not (math.isfinite(regime_scale) and regime_scale > 0):
            raise fail(f"--regime-scale must be a positive number, got {regime_scale}")
        if timeout is not None and not (math.isfinite(timeout) and timeout > 0):
            raise fail(f"--timeout must be a positive number of seconds, got {timeout}")
        cfg = bench.config_for(
            quick, presets=chosen, scales=_scales(scales), steps=_positive("--steps", steps),
            repeats=_positive("--repeats", repeats),
            repeats_high=_positive("--repeats-high", repeats_high),
            regime_steps=steps, regime_seeds=_positive("--regime-seeds", regime_seeds),
            regime_scale=regime_scale, timeout=timeout, throughput_steps=steps,
            throughput_scales=_two_scales(throughput_scales))
        if scales is not None:  # the yardstick follows the pairing (1,000 agents per scale)
            cfg = bench.replace(cfg, boltzmann_sizes=tuple(
                sorted({bench.boltzmann_for(s) for s in cfg.scales[:2]})))
        if out is not None and out.parent and not out.parent.exists():
            raise fail(f"--out folder does not exist: {out.parent}")
        from .format import console as make_console

        console = make_console()  # the terminal's width (80 when not a terminal)
        log = (lambda msg: console.print(f"[dim]{msg}[/dim]", highlight=False))
        res = bench.run_bench(cfg, log=log)
        bench.print_report(res, console)
        if out is not None:
            bench.write_json(res, out)
            typer.echo(f"wrote {out}")
