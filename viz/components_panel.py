"""The six components of an ecosystem (Kushida 2022's table) as bars that move as they mature.

For each institutional component (finance, labour market, university-government-industry ties,
industry organisation, social norms, support services) the panel draws its maturity index in
[0, 1] now (a bar) and where it started (a tick at the first quarter's value), read from the
model's ``maturity_*`` series and, before the first step, from
:func:`abm.mechanisms.maturity.indices` (a reader: it changes nothing). In compare mode regime B
is drawn beside A in each row (A solid, B hatched: a second cue beside colour). Colours are
:mod:`abm.palette`'s scenario colours. The bars are HTML, not an image, so they cost nothing
to redraw at every frame while the model plays. Index definitions: docs/ODD.md 7.19.

The page adds it with one line (``ComponentsPanel(runs, key)``); this module imports nothing
from :mod:`abm.viz.app`.
"""

from __future__ import annotations

import html
from typing import Sequence

import solara

from abm import palette
from abm.mechanisms.maturity import indices
from abm.params import COMPONENT_TITLES, INSTITUTIONS

SERIES = tuple(f"maturity_{c}" for c in INSTITUTIONS)
"""The six maturity series, in Kushida's order (:data:`abm.params.INSTITUTIONS`)."""


def maturity_now_and_start(run) -> tuple[dict[str, float], dict[str, float]]:
    """``(now, start)``: each component's maturity index at the current step and at the
    first step run (both the current values before any step)."""
    model = run.model
    # the current indices straight from the model (cheap: no time-series frame is built while
    # Play steps), the first quarter's from the series once, then cached on the run
    now = {c: float(v) for c, v in zip(INSTITUTIONS, indices(model).values())}
    if model.steps < 1:
        return now, dict(now)
    start = getattr(run, "_maturity_start", None)
    if start is None:
        df = run.series()
        start = {c: float(df[s].iloc[0]) for c, s in zip(INSTITUTIONS, SERIES)}
        try:
            run._maturity_start = start
        except AttributeError:  # a run object that takes no new attributes: no cache
            pass
    return now, start


def components_bars(data: Sequence[tuple[str, dict[str, float], dict[str, float]]],
                    step: int = 0) -> str:
    """The bars as HTML (no image: cheap at every frame while playing): one row per component,
    one bar per run ``(label, now, start)`` whose width is the index, and a black tick at the
    run's value at its first step. Run A solid, run B hatched."""
    n = len(data)
    legend = " ".join(
        f'<span class="abm-comp-key" style="{_bar_style(k)}"></span>'
        f'{html.escape(("AB"[k] + ": ") if n > 1 else "")}{html.escape(label)}'
        for k, (label, _, _) in enumerate(data))
    out = [f'<div class="abm-components" data-step="{int(step)}">',
           f'<div class="abm-subtle">{legend} · <b>|</b> at the first quarter</div>']
    for c in INSTITUTIONS:
        out.append(f'<div class="abm-comp-row"><div class="abm-comp-name">'
                   f'{html.escape(COMPONENT_TITLES[c])}</div><div class="abm-comp-bars">')
        for k, (label, now, start) in enumerate(data):
            w, t = 100 * _unit(now[c]), 100 * _unit(start[c])
            out.append(f'<div class="abm-comp-track" title="{html.escape(label)}: '
                       f'{now[c]:.3f} (first quarter {start[c]:.3f})">'
                       f'<div class="abm-comp-bar" style="width:{w:.1f}%;{_bar_style(k)}">'
                       f'</div><div class="abm-comp-tick" style="left:{t:.1f}%"></div>'
                       f'<span class="abm-comp-value">{now[c]:.2f}</span></div>')
        out.append("</div></div>")
    out.append("</div>")
    return "".join(out)


CSS = """
.abm-comp-row { display: flex; align-items: center; margin: 3px 0; }
.abm-comp-name { flex: 0 0 38%; font-size: 0.85rem; }
.abm-comp-bars { flex: 1 1 auto; }
.abm-comp-track { position: relative; height: 14px; background: #f2f2f2; margin: 1px 0; }
.abm-comp-bar { position: absolute; left: 0; top: 0; bottom: 0; }
.abm-comp-tick { position: absolute; top: -2px; bottom: -2px; width: 2px; background: #000; }
.abm-comp-value { position: absolute; right: 4px; top: -1px; font-size: 0.72rem; }
.abm-comp-key { display: inline-block; width: 14px; height: 10px; margin: 0 4px 0 8px; }
"""


def _unit(x: float) -> float:
    return min(1.0, max(0.0, float(x)))


def _bar_style(k: int) -> str:
    colour = palette.cycle(k)
    if k == 0:
        return f"background:{colour}"
    return (f"background: repeating-linear-gradient(45deg, {colour}, {colour} 4px, "
            f"#ffffff 4px, #ffffff 6px)")


def components_table(data: Sequence[tuple[str, dict[str, float], dict[str, float]]]) -> str:
    """The values as an HTML table (component, then now / change since the start per run)."""
    head = "".join(f"<th>{html.escape(label)}</th><th>since start</th>"
                   for label, _, _ in data)
    rows = []
    for c in INSTITUTIONS:
        cells = "".join(f"<td>{now[c]:.3f}</td><td>{now[c] - start[c]:+.3f}</td>"
                        for _, now, start in data)
        rows.append(f"<tr><td>{html.escape(COMPONENT_TITLES[c])}</td>{cells}</tr>")
    return (f'<table class="abm-table abm-components"><tr><th>component</th>{head}</tr>'
            + "".join(rows) + "</table>")


@solara.component
def ComponentsPanel(runs: list, key=None):
    """A card with the six components' maturity of each run (A, and B in compare mode)."""
    def build():
        try:
            data = [(r.label, *maturity_now_and_start(r)) for r in runs]
            step = runs[0].steps if runs else 0
            return components_bars(data, step), components_table(data), None
        except Exception as exc:  # a drawing bug must not take the page down
            return "", "", f"Could not draw the components: {type(exc).__name__}: {exc}"

    bars, table, err = solara.use_memo(build, [key])
    solara.Style(CSS)
    with solara.Card("The six components: maturity" + (" (A solid, B hatched)"
                                                        if len(runs) > 1 else ""),
                     classes=["abm-components-card"]):
        if err:
            solara.Error(err)
            return
        solara.HTML(unsafe_innerHTML=bars)
        solara.HTML(unsafe_innerHTML=table)
        solara.Text("Bars: each component's maturity index now; ticks: at the first quarter. "
                    "They move as the feedback loops (loop_* parameters) act; with every "
                    "loop at 0 they stay at the preset's values.", classes=["abm-subtle"])
