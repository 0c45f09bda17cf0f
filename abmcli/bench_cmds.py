"""``abm bench``: throughput, scaling and memory against Mesa's Boltzmann model."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from . import fail
from .format import FLOAT, INT
from .numbers import OptionError, parse_real, real_option, whole_option


def _scales(n: int, option: str, count: str):
    """A typer ``parser``: ``n`` comma-separated plain decimal scales inside the model's scale
    range (an :class:`~abmcli.numbers.OptionError` otherwise)."""
    def parse(raw) -> tuple:
        from abm.params import SPECS

        if isinstance(raw, tuple):
            return raw
        try:
            vals = tuple(parse_real(x.strip()) for x in raw.split(","))
        except ValueError:
            vals = ()
        if len(vals) != n or not all(v > 0 for v in vals):
            raise OptionError(f"{option} must be {count} comma-separated positive numbers, "
                              f"got {raw!r}")
        spec = SPECS["scale"]
        bad = [v for v in vals if not spec.low <= v <= spec.high]
        if bad:
            raise OptionError(f"{option} {bad[0]:g} is outside the model's scale range "
                              f"[{spec.low:g}, {spec.high:g}]; choose scales inside it")
        return vals

    parse.__name__ = "scales"
    return parse


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
        scales: Optional[tuple] = typer.Option(None, metavar="<float,float,float>",
                                               parser=_scales(3, "--scales", "three"),
                                               help="Three scales LOW,MID,HIGH (default "
                                                    "1,10,100; quick 0.2,1,5)."),
        steps: Optional[int] = typer.Option(None, metavar=INT,
                                            parser=whole_option("--steps", 1),
                                            help="Steps per run, also in "
                                                 "the regime comparison and the throughput runs "
                                                 "(default 100; quick 50, throughput 100)."),
        repeats: Optional[int] = typer.Option(None, metavar=INT,
                                              parser=whole_option("--repeats", 1),
                                              help="Repeats per case, "
                                                   "median reported (default 3; quick 1)."),
        repeats_high: Optional[int] = typer.Option(None, metavar=INT,
                                                   parser=whole_option("--repeats-high", 1),
                                                   help="Repeats at the "
                                                        "highest scale (default 1)."),
        regime_seeds: Optional[int] = typer.Option(None, metavar=INT,
                                                   parser=whole_option("--regime-seeds", 1),
                                                   help="Seeds per preset "
                                                        "in the regime comparison (default 10; "
                                                        "quick 2)."),
        regime_scale: Optional[float] = typer.Option(
            None, metavar=FLOAT,
            parser=real_option("--regime-scale", "a positive number", positive=True),
            help="Scale of the regime comparison runs (default 1)."),
        throughput_scales: Optional[tuple] = typer.Option(
            None, metavar="<float,float>", parser=_scales(2, "--throughput-scales", "two"),
            help="Scales of the experiment-throughput runs: "
            "the Sobol projection uses the first, the regime comparison's the second "
            "(default 0.5,1)."),
        timeout: Optional[float] = typer.Option(
            None, metavar=FLOAT,
            parser=real_option("--timeout", "a positive number of seconds", positive=True),
            help="Seconds one run may take before it is stopped and reported as partial "
            "(default 1800; quick 300)."),
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
        cfg = bench.config_for(
            quick, presets=chosen, scales=scales, steps=steps, repeats=repeats,
            repeats_high=repeats_high, regime_steps=steps, regime_seeds=regime_seeds,
            regime_scale=regime_scale, timeout=timeout, throughput_steps=steps,
            throughput_scales=throughput_scales)
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
