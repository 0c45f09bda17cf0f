"""How the command line prints results: one place for consoles, tables and run summaries.

Labels, units and groups come from :mod:`abm.outputs` (as in the app); tables are rich tables
as wide as the terminal (80 columns when the output is not a terminal, or ``COLUMNS``).
Warnings go to stderr so that stdout stays the results.
"""

from __future__ import annotations

from typing import Mapping

import typer

from abm.constants import BURN_IN, STEPS_PER_YEAR
from abm.outputs import INTERNAL_CHECKS, OUTPUTS, format_value, summary_groups, unit_text

INT = "<int>"
FLOAT = "<float>"
"""Metavars of the numeric options that are parsed by hand (for one-line error messages)."""


def console(stderr: bool = False):
    """A rich console as wide as the terminal (rich's rule: ``COLUMNS``, else the terminal,
    else 80 columns), with no colour codes when the output is not a terminal."""
    from rich.console import Console

    return Console(stderr=stderr, highlight=False)


def warn(message: str) -> None:
    """One ``warning: ...`` line on stderr."""
    typer.echo(f"warning: {message}", err=True)


def years(steps: int) -> str:
    """``40 quarters (10 years)``."""
    y = steps / STEPS_PER_YEAR
    shown = f"{y:g}" if y == int(y) else f"{y:.2f}".rstrip("0")
    return f"{steps} quarter{'s' if steps != 1 else ''} ({shown} year{'s' if y != 1 else ''})"


def burn_in_note(steps: int, burn_in: int = BURN_IN) -> str:
    """What the metrics marked † cover, for a run of ``steps`` steps after a burn-in of
    ``burn_in`` quarters."""
    BURN_IN = burn_in  # noqa: N806 (the messages below name the run's burn-in)
    if steps <= BURN_IN:
        return (f"† metrics cover only the steps after the {BURN_IN}-quarter burn-in (the "
                f"model settles first); this run of {steps} steps has none, so they read 0.")
    return (f"† metrics cover steps {BURN_IN + 1}-{steps}, after the {BURN_IN}-quarter "
            "burn-in (the model settles first); the others cover the whole run or its end.")


WIDE = 110
"""From this many columns the summary table gives the summary.json name a column of its own;
narrower, it goes on a second line under the plain name (so 80 columns never wrap a cell)."""


def summary_table(summary: Mapping[str, float], width: int = 80, title: str | None = None):
    """The summary as a rich table: grouped (startups and exits, finance, innovation and
    growth, labour, network, other), plain name with † for after-burn-in metrics, value, unit
    and the key of summary.json; the internal checks (``money_balance_error``, ``steps``) are
    left out (see :func:`checks_line`)."""
    from rich.table import Table
    from rich.text import Text

    wide = width >= WIDE
    table = Table(title=title, title_justify="left", show_edge=False, pad_edge=False,
                  box=None, header_style="bold")
    table.add_column("metric" if wide else "metric (name in summary.json)", overflow="fold")
    table.add_column("value", justify="right", no_wrap=True)
    table.add_column("unit", overflow="fold")
    if wide:
        table.add_column("name in summary.json", overflow="fold", style="dim")
    for group, keys in summary_groups(summary):
        if group == "Internal checks":
            continue
        table.add_row(Text(group, style="bold"), "", "", *([""] if wide else []))
        for k in keys:
            o = OUTPUTS.get(k)
            label = (o.label if o is not None else k) + (" †" if o is not None and o.burn_in
                                                         else "")
            unit = "" if o is not None and o.kind == "share" else unit_text(k)  # "%" is shown
            value = format_value(summary[k], k)
            if wide:
                table.add_row("  " + label, value, unit, k)
            else:
                cell = Text("  " + label + "\n")
                cell.append("    " + k, style="dim")
                table.add_row(cell, value, unit)
    return table


def checks_line(summary: Mapping[str, float]) -> str:
    """The internal checks on one line, apart from the results (they check the run, they are
    not findings): ``money balance error 1.2e-09 M (should be ~0); steps run 40``."""
    parts = []
    for k in INTERNAL_CHECKS:
        if k not in summary:
            continue
        o = OUTPUTS.get(k)
        label = (o.label if o is not None else k).lower()
        unit = unit_text(k)
        value = f"{summary[k]:.3g}" if k == "money_balance_error" else format_value(summary[k], k)
        shown = f"{label} {value}" + (f" {unit}" if unit and k != "steps" else "")
        if k == "money_balance_error":
            shown += " (should be about 0)"
        parts.append(f"{shown} [{k}]")
    return "internal checks: " + "; ".join(parts)


def short_run_warnings(steps: int, too_short: Mapping[str, int],
                       burn_in: int = BURN_IN) -> list[str]:
    """One warning about the metrics a run of ``steps`` steps is too short to measure."""
    BURN_IN = burn_in  # noqa: N806
    if not too_short:
        return []
    if steps <= BURN_IN:
        return [f"{steps} steps do not reach past the {BURN_IN}-quarter burn-in: every † "
                f"metric ({len(too_short)}) reads 0 and is not a finding; run more than "
                f"{BURN_IN} steps"]
    by_need: dict[int, list[str]] = {}
    for name, need in too_short.items():
        by_need.setdefault(need, []).append(name)
    return [f"{steps} steps are too few for {', '.join(names)} (needs {need} steps or more): "
            f"its value reads 0 and is not a finding"
            for need, names in sorted(by_need.items())]


PARAMS_WIDE = 150
"""From this many columns ``abm params`` is one table with a column per field; narrower, each
parameter takes a line (name, value, range, unit) and its description wrapped below."""


def print_params(values: Mapping[str, float], title: str, out=None) -> None:
    """Every parameter, grouped by component, fitted to the console's width."""
    import textwrap

    from abm.params import COMPONENT_TITLES, COMPONENTS, SPECS

    out = out or console()
    width = out.width
    by_comp = [(c, [n for n, s in SPECS.items() if s.component == c]) for c in COMPONENTS]
    if width >= PARAMS_WIDE:
        from rich.table import Table

        table = Table(title=title)
        for col in ("name", "value", "range", "unit", "component", "description"):
            table.add_column(col, overflow="fold",
                             no_wrap=col in ("name", "value", "range", "component"))
        for comp, names in by_comp:
            for name in names:
                spec = SPECS[name]
                table.add_row(name, f"{values[name]:g}", f"[{spec.low:g}, {spec.high:g}]",
                              spec.unit, comp, spec.description)
        out.print(table)
        return
    name_w = max(len(n) for n in SPECS)
    out.print(title, markup=False)
    for comp, names in by_comp:
        out.print()
        out.print(f"{COMPONENT_TITLES.get(comp, comp)} ({comp})", style="bold", markup=False)
        for name in names:
            spec = SPECS[name]
            head = (f"  {name:<{name_w}} {values[name]:>11g}  "
                    f"[{spec.low:g}, {spec.high:g}] {spec.unit}")
            for line in textwrap.wrap(head, width - 1, subsequent_indent=" " * (name_w + 6)):
                out.print(line, markup=False, highlight=False)
            for line in textwrap.wrap(spec.description, width - 1, initial_indent=" " * 6,
                                      subsequent_indent=" " * 6):
                out.print(line, style="dim", markup=False, highlight=False)


class StageProgress:
    """Progress of a task in named stages, on stderr: a spinner with the stage and the elapsed
    time on a terminal, one ``<what>: <stage>`` line per stage otherwise (logs, CI).

    Use as a context manager; call the object with each stage's description."""

    def __init__(self, what: str) -> None:
        self.what = what
        self.out = console(stderr=True)
        self._bar = None
        self._task = None

    def __enter__(self) -> "StageProgress":
        if self.out.is_terminal:
            from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

            self._bar = Progress(SpinnerColumn(), TextColumn("{task.description}"),
                                 TimeElapsedColumn(), console=self.out, transient=True)
            self._bar.__enter__()
            self._task = self._bar.add_task(self.what, total=None)
        return self

    def __call__(self, stage: str) -> None:
        if self._bar is not None:
            self._bar.update(self._task, description=f"{self.what}: {stage}")
        else:
            typer.echo(f"{self.what}: {stage}", err=True)

    def __exit__(self, *exc) -> None:
        if self._bar is not None:
            self._bar.__exit__(*exc)


def experiment_warnings(exp) -> list[str]:
    """What ``abm experiment`` warns about before it runs: steps too few for a summary metric
    the report shows, a scenario whose policy the runs never (or hardly) put in force."""
    from abm.mechanisms.policy import idle_policies
    from abm.metrics import too_short
    from abm.presets import resolve

    shown = set(getattr(exp, "report", {}).get("metrics", []) or []) or None
    b = getattr(exp, "burn_in", BURN_IN)
    short = {k: v for k, v in too_short(exp.steps, b).items() if shown is None or k in shown}
    out = short_run_warnings(exp.steps, short, b)
    for sc in exp.scenarios:
        try:
            params = resolve(sc.preset, dict(sc.swaps), dict(sc.overrides))
        except Exception:  # the runner reports bad scenarios itself
            continue
        out += [f"scenario {sc.name}: {line}" for line in idle_policies(params, exp.steps)]
    return out


class StepProgress:
    """Progress of one long run, on stderr: building the model (a spinner), then a bar of
    quarters with the time left on a terminal; elsewhere (logs, CI) and only for a run
    estimated long, one line per tenth of the run. Call :meth:`built` once the model is
    built and :meth:`step` with each step number."""

    def __init__(self, what: str, total: int, long: bool) -> None:
        self.what, self.total, self.long = what, max(0, int(total)), long
        self.out = console(stderr=True)
        self._bar = None
        self._task = None
        self._next = 0
        self._t0 = 0.0

    def __enter__(self) -> "StepProgress":
        import time

        self._t0 = time.perf_counter()
        if self.out.is_terminal:
            from rich.progress import (BarColumn, MofNCompleteColumn, Progress, SpinnerColumn,
                                       TextColumn, TimeElapsedColumn, TimeRemainingColumn)

            self._bar = Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                                 MofNCompleteColumn(), TimeElapsedColumn(), TextColumn("eta"),
                                 TimeRemainingColumn(), console=self.out, transient=True)
            self._bar.__enter__()
            self._task = self._bar.add_task(f"{self.what}: building the model", total=None)
        elif self.long:
            typer.echo(f"{self.what}: building the model", err=True)
        return self

    def built(self) -> None:
        if self._bar is not None:
            self._bar.update(self._task, description=self.what, total=self.total, completed=0)
        self._next = max(1, self.total // 10)

    def step(self, n: int) -> None:
        if self._bar is not None:
            self._bar.update(self._task, completed=n)
        elif self.long and n >= self._next:
            import time

            typer.echo(f"{self.what}: step {n:,} of {self.total:,} "
                       f"({time.perf_counter() - self._t0:.0f} s)", err=True)
            self._next = n + max(1, self.total // 10)

    def __exit__(self, *exc) -> None:
        if self._bar is not None:
            self._bar.__exit__(*exc)
