"""The visual app: watch, explain and compare startup-ecosystem regimes in the browser.

Run it with ``abm viz`` (or ``solara run viz/app.py``). Every browser session gets its own
model(s): the :class:`~abm.viz.session.Session` is created inside :func:`Page`, never at module
level. Slider ranges and defaults come from :data:`abm.params.SPECS` and the chosen preset's
resolved values (:func:`abm.presets.resolve`); the app keeps no copy of them.

Page layout (see docs/viz.md): a sidebar with the preset, seed, Step / Play / Reset, compare
mode and the parameters grouped by component; a main area with the ecosystem network, the
event feed, the time series and the metric tables.

Components: :func:`Page` holds the session's state and the Play loop (:func:`use_play_loop`)
and renders :func:`Controls` (the sidebar and its actions: ``ParameterPanel`` ->
``ParameterControl``) and :func:`MainArea` (the step counter, :func:`NetworkRow`,
:func:`TimeSeriesCard`, :func:`MetricsTables`); every picture is a :func:`Figure_`.
"""

from __future__ import annotations

import dataclasses
import html
import io
import logging
import math
import re
import sys
import threading
import time
import traceback
from pathlib import Path

import solara
from matplotlib.figure import Figure

if __package__ in (None, ""):  # `solara run viz/app.py` loads this file without its package
    _here = Path(__file__).resolve().parent  # viz/ in a checkout, abm/viz/ installed
    sys.path.insert(0, str(_here.parent if (_here.parent / "abm").is_dir() else
                           _here.parent.parent))

from abm.constants import BURN_IN  # noqa: E402
from abm.metrics import too_short  # noqa: E402
from abm.outputs import OUTPUTS  # noqa: E402
from abm.params import COMPONENTS, SPECS  # noqa: E402
from abm.presets import preset_values as preset_sets, presets  # noqa: E402
from abm.viz import jobs, network, plots, why  # noqa: E402
from abm.viz.components_panel import ComponentsPanel  # noqa: E402
from abm.viz.session import (KEY_METRICS, Config, Run, Session, component_title,  # noqa: E402
                         key_metrics, params_by_component, preset_values, slider_step,
                         summary_groups, uses_slider)
from abm.experiments.spec import RunSpec, replicate_seeds  # noqa: E402

try:  # the "This website runs on Solara" banner sat on top of the plots
    from solara.server import settings as _solara_settings

    _solara_settings.theme.show_banner = False
except Exception:  # pragma: no cover - an older or newer Solara without the setting
    pass

log = logging.getLogger(__name__)

STEPS_PER_CLICK = [1, 2, 4, 10, 20]
SWAP_NONE = "(no swap)"
SWAPPABLE = [c for c in COMPONENTS if c != "scale"]
PLAY_PAUSE_S = 0.1
"""Least pause between two steps of Play, after the page has drawn the last one: reacton stops a
render cycle in which another thread changes state during every pass ("Too many renders"),
which a shorter pause allowed on a loaded machine."""
PLAY_SPEEDS = {"as fast as it draws": 0.0, "2 frames per second": 0.5,
               "1 frame per second": 1.0, "1 frame every 2 s": 2.0}
"""Play speed choices: the least time between two frames, in seconds."""
NETWORK_EVERY_S = 2.0
"""While playing, the network picture is redrawn at most this often (it costs about as much as
all the time series together and changes slowly); Step and Pause always redraw it."""

CSS = """
.abm-network img, .abm-timeseries img { max-width: 100%; height: auto; }
.abm-step-counter { font-size: 1.35rem; font-weight: 600; }
.abm-subtle { color: #555; font-size: 0.85rem; }
.abm-table { border-collapse: collapse; width: 100%; font-size: 0.9rem; }
.abm-table td, .abm-table th { padding: 2px 8px; border-bottom: 1px solid #eee; text-align: right; }
.abm-table td:first-child, .abm-table th:first-child { text-align: left; }
.abm-table tr.abm-group td { font-weight: 600; background: #f4f4f4; text-align: left; }
.abm-table td.abm-burn { color: #888; }
.abm-events { max-height: 520px; overflow-y: auto; font-size: 0.83rem; line-height: 1.35; }
.abm-events .ev { padding: 2px 0; border-bottom: 1px solid #f2f2f2; }
.abm-badge { display: inline-block; min-width: 86px; padding: 0 6px; margin-right: 6px;
             border-radius: 8px; color: white; font-size: 0.72rem; text-align: center; }
/* parameter controls: the label (with the current value) above a full-width track */
.abm-param .v-input__slot { flex-wrap: wrap; }
.abm-param .v-input__slot > .v-label { flex: 1 0 100%; max-width: 100%; white-space: normal;
                                       height: auto; margin-bottom: 2px; }
.abm-param .v-slider { margin-left: 0; margin-right: 0; }
.abm-param-value { font-size: 0.8rem; color: #333; }
.abm-downloads { display: flex; flex-wrap: wrap; gap: 4px; }
/* the page scrolls as a whole (not inside an inner box), so it prints and captures whole */
html, body { overflow-y: visible !important; height: auto !important; }
.v-application--wrap, .v-application--wrap > div, .v-application--wrap > div > div,
.v-application--wrap > div > div > div, .v-application--wrap > div > div > div > div
    { height: auto !important; max-height: none !important; }
.v-application--wrap, .v-main, .v-main__wrap, .v-content, .v-content__wrap
    { height: auto !important; min-height: 100vh; overflow: visible !important; }
.v-main .overflow-y-auto, .v-content .overflow-y-auto,
.v-main .overflow-x-auto, .v-content .overflow-x-auto
    { overflow: visible !important; height: auto !important; max-height: none !important; }
@media print {
  .v-navigation-drawer, header.v-app-bar, .v-app-bar, .abm-downloads { display: none !important; }
  .v-main, .v-content { padding: 0 !important; }
  .v-card { break-inside: avoid; box-shadow: none !important; }
}
"""

EVENT_COLOURS = {"round": "#B35F00", "acquisition": "#D55E00", "ipo": "#0072B2",
                 "incumbent_exit": "#000000", "new_incumbent": "#007A5A"}


def default_preset() -> str:
    return next(iter(presets()))


def other_preset(preset: str) -> str:
    return next((p for p in presets() if p != preset), preset)


def year_of(step: int) -> str:
    return f"year {step / 4:.2f}".rstrip("0").rstrip(".")


def calendar_of(step: int, start_year: int) -> str:
    """The calendar quarter of ``step``: step 1 is the first quarter of ``start_year``
    (abm/params.py ``start_year``: step t is year start_year + (t - 1) // 4); step 0, before
    the first step, is ``before <start_year> Q1``."""
    if step < 1:
        return f"before {start_year} Q1"
    year, quarter = divmod(step - 1, 4)
    return f"{start_year + year} Q{quarter + 1}"


def run_start_year(run: Run) -> int | None:
    """The run's ``start_year`` when its preset or the user sets it (``japan_history``),
    else None: the other presets keep the default only to date their policies, and the
    counter shows years since the start for them."""
    if "start_year" in run.overrides or "start_year" in preset_sets(run.preset):
        return int(run.model.p.start_year)
    return None


def counter_text(steps: int, start_years: list[int | None]) -> str:
    """The step counter: ``Step 51 (2012 Q3)`` when the first run sets a start year,
    ``Step 12 (year 3)`` otherwise; a second run with another calendar is added after ``B:``."""
    def when(start: int | None) -> str:
        return year_of(steps) if start is None else calendar_of(steps, start)

    first = start_years[0] if start_years else None
    text = f"Step {steps} ({when(first)}"
    if len(start_years) > 1 and start_years[1] != first:
        text += f"; B: {when(start_years[1])}"
    return text + ")"


def new_session() -> Session:
    session = Session()
    session.configure(Config(preset=default_preset(), seed=1))
    return session


# -- small presentational pieces ------------------------------------------------------------
def html_table(header: list[str], rows: list[list[str]], group_rows: dict | None = None,
               muted: set | None = None) -> str:
    """An HTML table; ``group_rows`` maps a row index to a group heading shown above it;
    ``muted`` holds the indices of rows shown greyed (values during the burn-in)."""
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    parts = []
    for i, row in enumerate(rows):
        if group_rows and i in group_rows:
            parts.append(f'<tr class="abm-group"><td colspan="{len(header)}">'
                         f"{html.escape(group_rows[i])}</td></tr>")
        cls = ' class="abm-burn"' if muted and i in muted else ""
        cells = [f"<td{cls if j else ''}>{html.escape(c)}</td>" for j, c in enumerate(row)]
        if 1 < len(row) < len(header):  # a short row: its last cell spans the rest
            cells[-1] = (f'<td{cls} colspan="{len(header) - len(row) + 1}">'
                         f"{html.escape(row[-1])}</td>")
        parts.append("<tr>" + "".join(cells) + "</tr>")
    return (f'<table class="abm-table"><thead><tr>{head}</tr></thead><tbody>{"".join(parts)}'
            "</tbody></table>")


def compare_header(runs: list[Run]) -> list[str]:
    """The value columns of a table: one per run, plus B - A and % change in compare mode."""
    if len(runs) == 1:
        return [runs[0].label]
    return [f"{'AB'[i]}: {r.label}" for i, r in enumerate(runs[:2])] + ["B - A", "change"]


def compare_cells(values: list[float], key: str) -> list[str]:
    cells = [plots.fmt(v, key) for v in values]
    if len(values) == 2:
        cells += list(plots.fmt_diff(values[0], values[1], key))
    return cells


def png_bytes(fig: Figure) -> bytes:
    """The figure as PNG (low zlib effort: a third faster than the default, slightly larger)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", pil_kwargs={"compress_level": 1})
    return buf.getvalue()


def slug(text: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in text).strip("_").lower()


def events_html(events: list[dict]) -> str:
    if not events:
        return '<div class="abm-subtle">No events yet: press Step or Play.</div>'
    items = []
    for ev in events:
        colour = EVENT_COLOURS.get(ev["kind"], "#777777")
        items.append(f'<div class="ev"><span class="abm-badge" style="background:{colour}">'
                     f'{html.escape(ev["kind"].replace("_", " "))}</span>'
                     f'<b>Q{int(ev["step"])}</b> {html.escape(ev["text"])}</div>')
    return '<div class="abm-events">' + "".join(items) + "</div>"


def network_figure(run: Run, max_startups: int, small: bool) -> Figure:
    view = network.snapshot(run.model, max_startups=max_startups)
    fig = network.draw(view, title=f"{run.label}: step {run.steps}",
                       figsize=(6.0, 7.2) if small else (7.5, 9.0))
    fig.text(0.5, 0.005, view.caption(), ha="center", va="bottom", fontsize=8, color="#555555",
             wrap=True)
    return fig


@solara.component
def Figure_(make, key, alt: str = "", filename: str = "figure.png"):
    """A matplotlib figure, drawn to PNG only when ``key`` changes, with a download button;
    drawing errors become a message."""
    def build():
        try:
            out = make()  # a Figure, PNG bytes (a canvas that draws itself), or None
            if out is None:  # the runs were released meanwhile: nothing to draw
                return None, None
            return (out if isinstance(out, bytes) else png_bytes(out)), None
        except Exception as exc:  # never let a drawing bug take the page down
            log.error("figure failed\n%s", traceback.format_exc())
            return None, f"Could not draw {alt}: {type(exc).__name__}: {exc}"

    png, err = solara.use_memo(build, [key])
    if err:
        solara.Error(err)
    elif png is not None:
        solara.Image(png, format="png")
        with solara.Row(classes=["abm-downloads"]):
            solara.FileDownload(png, filename=filename, label=f"Download {alt} (PNG)",
                                mime_type="image/png")


def value_text(name: str, value) -> str:
    """A parameter's value as the page shows it: ``0.055 per year``."""
    spec = SPECS[name]
    shown = f"{int(value):,}" if spec.integer else f"{float(value):,.6g}"
    return f"{shown} {spec.unit}".strip()


SEED_MAX = 2**63 - 1
"""The largest seed (numpy's SeedSequence takes any non-negative integer; experiments draw
their replicate seeds below 2**63, :func:`abm.experiments.spec.replicate_seeds`)."""

_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_WHOLE = re.compile(r"[+-]?[0-9]+")


def parse_number(text: str, integer: bool, low: float = -math.inf, high: float = math.inf):
    """A number typed into a field: ``(value, None)``, or ``(None, message)`` for a
    non-number, ``nan``/``inf``, a fraction where a whole number is needed, or a value out of
    ``[low, high]``.

    Only plain ASCII decimals are read (``1,000.5`` and ``2e3`` too; no ``1_0``, no other
    scripts' digits, which Python's own ``float`` would take). A whole number typed in digits
    is read exactly as an ``int`` (a seed such as 9193308164927181431 stays itself: a float,
    like a browser's number, holds integers exactly only up to 2**53); a whole number written
    with a fraction or exponent is taken only up to 2**53, where it is still exact.
    """
    raw = (text or "").strip().replace(",", "")
    if raw.lower().lstrip("+-") in ("nan", "inf", "infinity"):
        return None, f"must be a finite number, got {text!r}"
    if not _DECIMAL.fullmatch(raw):
        return None, f"not a number: {text!r}"
    if integer and _WHOLE.fullmatch(raw):
        v = int(raw)
    else:
        v = float(raw)
        if integer:
            if v != int(v):
                return None, f"must be a whole number, got {text!r}"
            if abs(v) > 2**53:
                return None, f"type a whole number this large in plain digits, got {text!r}"
            v = int(v)
    if not low <= v <= high:
        return None, f"must be in [{_bound(low)}, {_bound(high)}], got {text!r}"
    return v, None


def _bound(x) -> str:
    """A range bound as typed: integers in full (2**63-1 is not 9.22e+18), others with %g."""
    if isinstance(x, int) or (isinstance(x, float) and x.is_integer() and abs(x) < 1e15):
        return f"{int(x)}"
    return f"{x:g}"


def parse_seed(text: str):
    """The Seed field: a whole number in [0, 2**63-1], read exactly (see
    :func:`parse_number`); ``(seed, None)`` or ``(None, message)``."""
    v, msg = parse_number(text, True, 0, SEED_MAX)
    if msg:
        return None, (f"Seed must be a whole number from 0 to {SEED_MAX} (2^63-1): {msg}")
    return v, None


@solara.component
def NumberField(label: str, value, on_value, integer: bool = False, low: float = -math.inf,
                high: float = math.inf, parse=None):
    """A number field that shows an error under itself for anything that is not a valid
    number, and passes on only valid values, once each (the field's own text is local
    state, so a refused value never comes back through ``value`` and cannot loop the
    renderer). It is a text field, so the browser never turns the text into a floating-point
    number (which would change integers above 2**53); ``parse`` (text -> ``(value, message)``)
    replaces :func:`parse_number`."""
    shown = f"{int(value)}" if integer else f"{float(value):.6g}"
    text, set_text = solara.use_state(shown)
    error, set_error = solara.use_state("")

    def follow_value():  # the model's value changed (preset, reset): show it
        set_text(shown)
        set_error("")

    solara.use_effect(follow_value, [shown])

    def on_text(new):
        set_text(new or "")
        v, msg = (parse(new or "") if parse is not None
                  else parse_number(new or "", integer, low, high))
        if msg:
            set_error(msg)
            return
        set_error("")
        if v != value:
            on_value(v)

    solara.InputText(label, value=text, on_value=on_text, error=error or False,
                     message=error or None, dense=True)


@solara.component
def ParameterControl(name: str, value, preset_value, on_change):
    spec = SPECS[name]
    changed = not math.isclose(float(value), float(preset_value), rel_tol=1e-9, abs_tol=1e-12)
    # the label sits above the control and says the current value (sliders show none)
    label = f"{name} ({spec.unit}) = {value_text(name, value).removesuffix(spec.unit).strip()}"
    label += " *" if changed else ""

    def set_value(v):
        if v is None:
            return
        on_change(name, v)

    with solara.Tooltip(f"{spec.description} Range [{spec.low:g}, {spec.high:g}]; "
                        f"now {value_text(name, value)}; preset value "
                        f"{value_text(name, preset_value)}."):
        with solara.Column(gap="0px", classes=["abm-param"]):
            if uses_slider(name):
                if spec.integer:
                    solara.SliderInt(label, value=int(value), min=int(spec.low),
                                     max=int(spec.high), step=1, on_value=set_value,
                                     tick_labels=False)
                else:
                    solara.SliderFloat(label, value=float(value), min=float(spec.low),
                                       max=float(spec.high), step=slider_step(name),
                                       on_value=set_value)
            else:
                # the range is left to the model's own check (its message names the range)
                NumberField(label, value=value, on_value=set_value, integer=spec.integer)


@solara.component
def ParameterPanel(config: Config, on_change, on_reset_params):
    base = solara.use_memo(lambda: preset_values(config.preset), [config.preset])
    groups = params_by_component()
    n_changed = len(config.overrides)
    solara.HTML(unsafe_innerHTML=(
        f"<b>Parameters of {'regime A' if config.compare else 'the run'}</b> (defaults: preset "
        f"<i>{html.escape(config.preset)}</i>; * marks a change"
        f"{', ' + str(n_changed) + ' changed' if n_changed else ''}). Changing one restarts "
        "the run. Hover a control for its meaning."))
    # always present (disabled when unchanged) so the panels below keep their place
    solara.Button("Back to preset values", on_click=on_reset_params, text=True,
                  color="primary", disabled=not n_changed)
    for comp, names in groups.items():
        changed = sum(1 for n in names if n in config.overrides)
        title = component_title(comp) + (f" ({changed} changed)" if changed else "")
        with solara.Details(summary=title, expand=False):
            for name in names:
                ParameterControl(name, config.overrides.get(name, base[name]), base[name],
                                 on_change)


UNDEFINED_WHY = {
    "survival_5y": "needs 5 years after the burn-in",
    "innovator_rank_correlation": "needs an innovator snapshot after the burn-in",
    "new_innovator_share": "needs an innovator snapshot after the burn-in",
}
"""Why a summary metric has no value yet, beyond the burn-in (:data:`abm.metrics.MIN_STEPS`)."""


def undefined_text(key: str, need: int, steps: int) -> str:
    """``not yet defined (needs 5 years after the burn-in: 20 more quarters)``."""
    why_ = UNDEFINED_WHY.get(key, f"needs the {BURN_IN}-quarter burn-in to end")
    more = need - steps
    return f"not yet defined ({why_}: {more} more quarter{'s' if more != 1 else ''})"


def summary_rows(cached: list[dict[str, float]], steps: int):
    """Rows, group headings and greyed rows of the summary table (see :func:`summary_groups`).

    A metric shows a value only once it is defined: while the run is too short to measure it
    (:func:`abm.metrics.too_short`: every metric after the burn-in during the burn-in, the
    five-year survival until a cohort has been followed five years) its row says "not yet
    defined" and why, across the value columns, instead of a misleading 0 or 0.0 %.
    """
    rows, groups, muted = [], {}, set()
    short = too_short(steps)
    for title, keys in summary_groups(cached[0]):
        groups[len(rows)] = title
        for k in keys:
            o = OUTPUTS.get(k)
            name = (o.title if o is not None else k) + (" †" if o is not None and o.burn_in
                                                        else "")
            if k in short:
                muted.add(len(rows))
                rows.append([name, undefined_text(k, short[k], steps)])
                continue
            values = [c.get(k, math.nan) for c in cached]
            rows.append([name] + compare_cells(values, k))
    return rows, groups, muted


def summary_csv(runs: list[Run]) -> str:
    """The summary of every run as CSV: name, label, unit, then one column per run."""
    cached = [r.summary_if_cached() for r in runs]
    if any(c is None for c in cached):
        return "summary not computed yet: pause the run first\n"
    lines = ["metric,label,unit," + ",".join(r.label for r in runs)]
    for k in cached[0]:
        o = OUTPUTS.get(k)
        lab = (o.label if o else k).replace(",", ";")
        unit = (o.unit if o else "").replace(",", ";")
        lines.append(f"{k},{lab},{unit}," + ",".join(repr(float(c.get(k, math.nan)))
                                                      for c in cached))
    return "\n".join(lines) + "\n"


@solara.component
def MetricsTables(session: Session, runs: list[Run], playing: bool, key: tuple = ()):
    """Key metrics (every step) and the model's summary (when paused); ``key`` (generation,
    step) makes it re-render whenever the runs move."""
    with session.lock:
        if not session.holds(runs):  # a render begun before the tab closed: nothing to show
            return
        metrics = [key_metrics(r) for r in runs]
    header = ["metric"] + compare_header(runs)
    rows = [[label] + compare_cells([m[k] for m in metrics], k) for k, label in KEY_METRICS]
    title = "Key metrics since step 1" + (" side by side" if len(runs) > 1 else "")
    with solara.Card(title):
        solara.HTML(unsafe_innerHTML=html_table(header, rows), classes=["abm-key-metrics"])
    steps = runs[0].steps if runs else 0
    with solara.Card("Summary metrics"):
        if steps <= BURN_IN:
            solara.Text(f"Burn-in: metrics marked † cover only the steps after step {BURN_IN} "
                        f"(the model settles first); {BURN_IN - steps + 1} more quarter(s) "
                        "before they have values.", classes=["abm-subtle", "abm-burn-note"])
        else:
            solara.Text(f"† after the {BURN_IN}-step burn-in; the others cover the whole run "
                        "or its end.", classes=["abm-subtle"])
        if playing:
            cached = [r.summary_if_cached() for r in runs]
        else:
            with session.lock:
                if not session.holds(runs):
                    return
                try:
                    cached = [r.summary() for r in runs]
                except Exception as exc:
                    log.error("summary failed\n%s", traceback.format_exc())
                    solara.Error(f"Could not compute the summary: {type(exc).__name__}: {exc}")
                    return
        if any(c is None for c in cached):
            solara.Text("Updated when the run is paused.", classes=["abm-subtle"])
            return
        srows, groups, muted = summary_rows(cached, steps)
        solara.HTML(unsafe_innerHTML=html_table(header, srows, groups, muted),
                    classes=["abm-summary"])
        with solara.Row(classes=["abm-downloads"]):
            solara.FileDownload(lambda: _locked(session, runs, lambda: summary_csv(runs)),
                                filename="summary.csv",
                                label="Download the summary (CSV)", mime_type="text/csv")


@solara.component
def Page():
    """The page: state of one browser session, the sidebar controls and the main area."""
    session = solara.use_memo(new_session, [])
    tick = solara.use_reactive(0)          # bumped after every change of the session
    playing = solara.use_reactive(False)
    per_click = solara.use_reactive(1)
    max_startups = solara.use_reactive(1500)
    speed = solara.use_reactive(next(iter(PLAY_SPEEDS)))
    net_drawn = solara.use_memo(lambda: {"at": 0.0, "key": None}, [])

    def release_on_close():
        def cleanup():
            session.close()
        return cleanup

    solara.use_effect(release_on_close, [])
    use_play_loop(session, tick, playing, per_click, speed)

    rendered = tick.value  # subscribe: every bump re-renders the page

    def mark_rendered():
        session.rendered = rendered

    solara.use_effect(mark_rendered, None)  # after every render
    key = (session.generation, session.steps, max_startups.value)
    net_key = network_key(net_drawn, key, playing.value)
    solara.Style(CSS)
    solara.Title("Startup ecosystem ABM")
    # ``frame`` (the tick) makes the children re-render on every change of the session
    Controls(session, tick, playing, per_click, speed, max_startups, frame=rendered)
    MainArea(session, playing.value, max_startups.value, key, net_key, frame=rendered)


def network_key(net_drawn: dict, key: tuple, playing: bool) -> tuple:
    """The key the network picture is drawn for: ``key`` (generation, step, max startups)
    on every frame when stepping, at most every NETWORK_EVERY_S while playing."""
    now = time.monotonic()
    if (not playing or net_drawn["key"] is None or net_drawn["key"][0] != key[0]
            or net_drawn["key"][2:] != key[2:] or now - net_drawn["at"] >= NETWORK_EVERY_S):
        if net_drawn["key"] != key:
            net_drawn["at"] = now
        net_drawn["key"] = key
    return net_drawn["key"]


def use_play_loop(session: Session, tick, playing, per_click, speed) -> None:
    """While ``playing``: step in a background thread, one frame at a time."""
    def play_loop(cancel: threading.Event):
        # Step, then wait until the page has rendered that step before the next one: the loop
        # never outruns the browser, and renders are never starved by a stream of updates.
        time.sleep(PLAY_PAUSE_S)
        while playing.value and not cancel.is_set():
            started = time.monotonic()
            ok = session.advance(per_click.value, while_playing=True)
            if not session.playing:
                break
            target = tick.value + 1
            tick.value = target
            if not ok:
                playing.value = False
                break
            deadline = time.monotonic() + 30
            while (session.rendered < target and not cancel.is_set()
                   and time.monotonic() < deadline):
                time.sleep(0.005)
            wait = PLAY_SPEEDS.get(speed.value, 0.0) - (time.monotonic() - started)
            time.sleep(max(PLAY_PAUSE_S, wait))

    solara.use_thread(play_loop, dependencies=[playing.value], intrusive_cancel=False)


@solara.component
def Controls(session: Session, tick, playing, per_click, speed, max_startups, frame: int = 0):
    """The sidebar: preset, seed, Step / Play / Reset, compare mode, parameters."""
    def bump():
        tick.value = tick.value + 1

    # -- actions ---------------------------------------------------------------------------
    def reconfigure(**changes):
        playing.value = False
        session.playing = False
        # The old models are not released here: a render that began before this click (the
        # Play thread's, or one still running in another thread) may still read them; the
        # garbage collector frees them once no element of the page holds them.
        session.configure(dataclasses.replace(session.config, **changes))
        bump()

    def on_preset(value):
        if value != session.config.preset:
            reconfigure(preset=value, overrides={})

    def on_seed(value):
        if value is not None and value != session.config.seed:
            reconfigure(seed=int(value))

    def on_param(name, value):
        base = preset_values(session.config.preset)
        overrides = dict(session.config.overrides)
        if math.isclose(float(value), float(base[name]), rel_tol=1e-9, abs_tol=1e-12):
            overrides.pop(name, None)
        else:
            overrides[name] = value
        reconfigure(overrides=overrides)

    def on_reset_params():
        reconfigure(overrides={})

    def on_compare(value):
        cfg = session.config
        reconfigure(compare=bool(value), preset_b=cfg.preset_b or other_preset(cfg.preset))

    def on_preset_b(value):
        reconfigure(preset_b=value)

    def on_swap_component(value):
        comp = None if value in (None, SWAP_NONE) else value
        cfg = session.config
        reconfigure(swap_component=comp,
                    swap_from=cfg.swap_from or other_preset(cfg.preset_b or cfg.preset))

    def on_swap_from(value):
        reconfigure(swap_from=value)

    def do_step():
        session.advance(per_click.value)
        bump()

    def do_reset():
        reconfigure()

    def do_play():
        if playing.value:
            session.playing = False
            with session.lock:  # let a step in flight finish, so what is shown is final
                playing.value = False
            bump()
        elif session.runs and not session.error:
            session.playing = True
            playing.value = True

    cfg = session.config
    runs = list(session.runs)

    with solara.Sidebar():
        with solara.Column(gap="6px"):
            solara.Select("Regime (preset)", values=list(presets()), value=cfg.preset,
                          on_value=on_preset)
            solara.Text(presets().get(cfg.preset, ""), classes=["abm-subtle"])
            NumberField("Seed", value=cfg.seed, on_value=on_seed, integer=True, low=0,
                        high=SEED_MAX, parse=parse_seed)
            with solara.Row(gap="6px"):
                solara.Button("Step", on_click=do_step, color="primary",
                              disabled=playing.value or not runs or bool(session.error))
                solara.Button("Pause" if playing.value else "Play", on_click=do_play,
                              color="primary", outlined=True,
                              disabled=not runs or bool(session.error))
                solara.Button("Reset", on_click=do_reset, outlined=True)
            solara.Select("Quarters per Step / frame", values=STEPS_PER_CLICK,
                          value=per_click.value, on_value=per_click.set, dense=True)
            solara.Select("Play speed", values=list(PLAY_SPEEDS), value=speed.value,
                          on_value=speed.set, dense=True)
            solara.Switch(label="Compare two regimes (same seed)", value=cfg.compare,
                          on_value=on_compare)
            if cfg.compare:
                solara.Select("Regime B (preset)", values=list(presets()),
                              value=cfg.preset_b or other_preset(cfg.preset),
                              on_value=on_preset_b)
                solara.Select("B: swap in component", values=[SWAP_NONE] + SWAPPABLE,
                              value=cfg.swap_component or SWAP_NONE,
                              on_value=on_swap_component)
                if cfg.swap_component:
                    solara.Select("... taken from preset", values=list(presets()),
                                  value=cfg.swap_from, on_value=on_swap_from)
                solara.Text("B shares A's seed and A's scale and technology settings; "
                            "the other sliders change A only.", classes=["abm-subtle"])
            solara.Select("Network: startups drawn at most", values=[300, 800, 1500, 3000],
                          value=max_startups.value, on_value=max_startups.set, dense=True)
            ParameterPanel(cfg, on_param, on_reset_params)


@solara.component
def MainArea(session: Session, playing: bool, max_startups: int, key: tuple, net_key: tuple,
             frame: int = 0):
    """Step counter, network and events, time series, metric tables."""
    cfg = session.config
    runs = list(session.runs)
    steps = session.steps
    with solara.Column(gap="12px"):
        counter = counter_text(steps, [run_start_year(r) for r in runs])
        label = " vs ".join(r.label for r in runs) if runs else cfg.preset
        solara.HTML(tag="div", unsafe_innerHTML=html.escape(counter),
                    classes=["abm-step-counter"])
        burn = (f" · burn-in: {BURN_IN - steps + 1} more quarter(s)" if steps <= BURN_IN
                else "")
        # the seed the model itself holds (not the field's text): what a run table names
        seed = runs[0].model.seed if runs else cfg.seed
        solara.HTML(tag="div", unsafe_innerHTML=(
            f"{html.escape(label)} · seed <span class=\"abm-seed\">{int(seed)}</span> · one "
            f"step is one quarter{burn}" + (" · playing" if playing else "")),
            classes=["abm-subtle", "abm-run-line"])
        if session.error:
            solara.Error(session.error, classes=["abm-error"])
        if not runs:
            solara.Info("No model to show: fix the message above (for example move the slider "
                        "back, or press 'Back to preset values').")
            return
        # keys keep each card's state (a background job, a choice) across the page's frames
        NetworkRow(session, runs, max_startups, net_key).key("network-row")
        TimeSeriesCard(session, runs, key, label).key("time-series")
        ComponentsPanel(runs, key=key).key("components")
        if len(runs) > 1:
            WhyPanel(cfg).key("why-panel")
        MetricsTables(session, runs, playing, key=key).key("metrics")
        if len(runs) > 1:
            with solara.Columns([1, 1]).key("events-row"):
                for run, letter in zip(runs, "AB"):
                    with solara.Card(f"Recent events, {letter}: {run.label}"):
                        solara.HTML(unsafe_innerHTML=events_html(run.events(30)))
        with solara.Card("How to read this page", classes=["abm-help-card"]).key("help"):
            solara.HTML(unsafe_innerHTML=HELP, classes=["abm-help"])


@solara.component
def NetworkRow(session: Session, runs: list[Run], max_startups: int, net_key: tuple):
    """One network picture per run; with one run, the recent events beside it."""
    with solara.Columns([3, 2] if len(runs) == 1 else [1, 1]):
        for run in runs:
            with solara.Card(f"Ecosystem network: {run.label}", classes=["abm-network"]):
                Figure_(lambda run=run: _locked(session, [run], lambda: network_figure(
                            run, max_startups, len(runs) > 1)),
                        key=(net_key, run.label, "net"), alt="the network",
                        filename=f"network_{slug(run.label)}_step{run.steps}.png")
        if len(runs) == 1:
            with solara.Card("Recent events", classes=["abm-events-card"]):
                solara.HTML(unsafe_innerHTML=events_html(runs[0].events(60)))


BAND_SEEDS = {"off": 0, "5 seeds": 5, "10 seeds": 10, "20 seeds": 20}
"""Replicate-band choices of the time series: how many seeds (the run's own and others drawn
from it with :func:`abm.experiments.spec.replicate_seeds`)."""
BAND_HORIZONS = [40, 80, 120]
"""Horizons of the replicate bands, in quarters (the default is 80: 20 years)."""


def band_seeds(seed: int, n: int) -> list[int]:
    """The run's own seed and ``n - 1`` more drawn from it (the same in every regime)."""
    return [int(seed)] + replicate_seeds(int(seed), int(n) - 1)


def band_runs(cfg: Config, n: int, steps: int) -> list[RunSpec]:
    """The runs behind the replicate bands: each regime on the page with its own parameters
    (as the page runs it), on :func:`band_seeds`, ``steps`` quarters."""
    regimes = [("A", cfg.preset, {}, dict(cfg.overrides))]
    if cfg.compare:
        regimes.append(("B", cfg.preset_b or cfg.preset, cfg.b_swaps(), cfg.b_overrides()))
    return [RunSpec(run_id=f"band-{name}-r{k:02d}", preset=preset, swaps=swaps,
                    overrides=overrides, seed=seed, steps=int(steps), scenario=name,
                    replicate=k)
            for name, preset, swaps, overrides in regimes
            for k, seed in enumerate(band_seeds(cfg.seed, n))]


def bands_from(results: list[dict]) -> list[plots.Bands | None]:
    """Bands per regime (A, B) from the band runs' results (their time series)."""
    out = []
    for name in ("A", "B"):
        frames = [r["timeseries"].set_index("step") for r in results
                  if r.get("ok") and r["run_id"].startswith(f"band-{name}-")
                  and r.get("timeseries") is not None]
        out.append(plots.Bands.from_series(frames) if len(frames) >= 2 else None)
    return out


def config_key(cfg: Config) -> tuple:
    """What defines the run(s) on the page, as a comparable tuple."""
    return (cfg.preset, int(cfg.seed), tuple(sorted(cfg.overrides.items())), cfg.compare,
            cfg.preset_b, cfg.swap_component, cfg.swap_from)


def common_start_year(runs: list[Run]) -> int | None:
    """The calendar year the x-axes start from when every run has the same one
    (``japan_history``), else None: years since the start."""
    years_ = {run_start_year(r) for r in runs}
    return years_.pop() if len(years_) == 1 else None


@solara.component
def TimeSeriesCard(session: Session, runs: list[Run], key: tuple, label: str):
    """The time-series panels (one figure kept between frames), the replicate bands (an
    option: computed in the background) and the CSV downloads."""
    cfg = session.config
    band_choice = solara.use_reactive("off")
    band_horizon = solara.use_reactive(BAND_HORIZONS[1])
    progress, set_progress = solara.use_state(0)
    n_bands = BAND_SEEDS.get(band_choice.value, 0)
    band_key = ((config_key(cfg), n_bands, band_horizon.value) if n_bands and runs
                else None)

    def compute_bands(cancel: threading.Event):
        if band_key is None:
            return None
        job = jobs.Job(band_runs(cfg, n_bands, band_horizon.value),
                       collect={"timeseries": True},
                       on_progress=lambda j: set_progress(j.done))
        set_progress(0)
        job.run(cancel)
        bands = bands_from(job.results) if job.state == "done" else None
        return {"key": band_key, "job": job, "bands": bands}

    computed = solara.use_thread(compute_bands, dependencies=[band_key],
                                 intrusive_cancel=False)
    got = computed.value if computed.value and computed.value["key"] == band_key else None
    bands = got["bands"] if got else None
    bands_id = id(bands) if bands else 0
    start_year = common_start_year(runs)
    ts_canvas = solara.use_memo(
        lambda: plots.TimeSeriesCanvas([r.label for r in runs], start_year=start_year,
                                       bands=bands),
        [session.generation, tuple(r.label for r in runs), start_year, bands_id])
    steps = session.steps
    title = "Time series" + (" (A left, B right: each on its own axis)" if len(runs) > 1
                             else "")
    with solara.Card(title, classes=["abm-timeseries"]):
        with solara.Row(gap="12px", classes=["abm-band-controls"]):
            solara.Select("Replicate bands (mean and 95% band)", values=list(BAND_SEEDS),
                          value=band_choice.value, on_value=band_choice.set, dense=True)
            solara.Select("Band horizon (quarters)", values=BAND_HORIZONS,
                          value=band_horizon.value, on_value=band_horizon.set, dense=True)
        if band_key is None:
            note = ("Replicate bands: off. Choose a number of seeds to draw the mean and a 95% "
                    "interval of the mean over that many runs of the same regime(s) "
                    "(computed in the background).")
        elif got is None:
            total = len(band_runs(cfg, n_bands, band_horizon.value))
            note = (f"Replicate bands: computing in the background, {progress} of {total} "
                    f"runs ({n_bands} seeds x {len(runs)} regime(s), "
                    f"{band_horizon.value} quarters); the page keeps working.")
        elif bands is None:
            job = got["job"]
            note = (f"Replicate bands: {job.state} ({job.progress_text()}"
                    f"{': ' + job.error if job.error else ''}). {job.failure_text()}")
        else:
            job = got["job"]
            note = (f"Replicate bands: dotted line the mean, shaded the 95% interval of the "
                    f"mean (t) over {n_bands} seeds (this run's and {n_bands - 1} drawn from "
                    f"it), each regime with the page's parameters, {band_horizon.value} "
                    f"quarters ({job.seconds:.0f} s in the background). The solid line is "
                    "this run." + (" " + job.failure_text() if job.failed else ""))
        solara.Text(note, classes=["abm-subtle", "abm-band-note"])
        if band_key is not None and got is None:
            solara.ProgressLinear(value=100 * progress / max(1, len(band_runs(
                cfg, n_bands, band_horizon.value))))
        Figure_(lambda: _locked(session, runs, lambda: ts_canvas.render(
                    [(r.label, r.series()) for r in runs])),
                key=(key, "ts", bands_id, start_year), alt="the time series",
                filename=f"timeseries_{slug(label)}_step{steps}.png")
        with solara.Row(classes=["abm-downloads"]):
            for run in runs:
                solara.FileDownload(lambda run=run: _locked(session, [run],
                                                            lambda: series_csv(run)),
                                    filename=f"timeseries_{slug(run.label)}.csv",
                                    label=f"Download data: {run.label} (CSV)",
                                    mime_type="text/csv")


@solara.component
def WhyPanel(cfg: Config):
    """Compare mode's "why": the six components side by side and the effect of swapping
    each one between the two regimes, over several seeds, run in the background
    (:mod:`abm.viz.why`)."""
    n_seeds = solara.use_reactive(why.SEEDS[1])
    horizon = solara.use_reactive(why.HORIZONS[1])
    request, set_request = solara.use_state(0)     # bumped by "Explain"; 0: nothing asked
    progress, set_progress = solara.use_state(0)
    cancelling, set_cancelling = solara.use_state(False)
    asked = solara.use_ref(None)                    # (plan, job) of the last request
    running = solara.use_ref(None)                  # the job of the last request
    plan = why.plan_for(cfg.preset, cfg.preset_b or cfg.preset, cfg.b_swaps(), cfg.seed,
                        n_seeds.value, horizon.value, cfg.b_overrides(),
                        label_a=cfg.preset, label_b=cfg.b_label())

    def explain(cancel: threading.Event):
        if not request or asked.current is None:
            return None
        the_plan, job = asked.current
        job.run(cancel)
        result = why.analyse(the_plan, job.results) if job.state == "done" else None
        return {"plan": the_plan, "job": job, "result": result}

    done = solara.use_thread(explain, dependencies=[request], intrusive_cancel=False)

    def start():
        if running.current is not None:
            running.current.cancel()
        job = jobs.Job(plan.runs(), on_progress=lambda j: set_progress(j.done))
        asked.current = (plan, job)
        running.current = job
        set_progress(0)
        set_cancelling(False)
        set_request(request + 1)

    def cancel():
        if running.current is not None:
            running.current.cancel()
            set_cancelling(True)

    solara.Style(why.CSS)
    job = running.current
    busy = job is not None and not job.finished
    with solara.Card("Why do they differ? Swap one component at a time",
                     classes=["abm-why-card"]):
        # HTML, not Markdown: solara's Markdown loads mermaid from the CDN (not cached offline)
        solara.HTML(tag="div", unsafe_innerHTML=(
            "Each of the six components (finance, labour market, university-government-"
            "industry ties, industry organisation, social norms, support services) is "
            "swapped between the regimes one at a time: A with B's component, and B with A's. "
            "The change it makes in A (or B) is a paired difference over the same seeds, with "
            "a 95% interval; <b>bold</b>: the interval excludes 0. The first row is the whole "
            "gap. Cheap on purpose, so it is a sketch to follow up with <code>abm experiment "
            "component_swap</code>: " + html.escape(plan.describe()) + ". Parameter changes "
            "of A other than the technological regime are not applied."),
            classes=["abm-why-intro"], style="font-size: 0.9rem; margin-bottom: 18px")
        with solara.Row(gap="12px"):
            solara.Select("Seeds", values=list(why.SEEDS), value=n_seeds.value,
                          on_value=n_seeds.set, dense=True, disabled=busy)
            solara.Select("Horizon (quarters)", values=list(why.HORIZONS),
                          value=horizon.value, on_value=horizon.set, dense=True,
                          disabled=busy)
            if busy:
                solara.Button("Cancel", on_click=cancel, outlined=True, color="primary")
            else:
                solara.Button("Explain the difference" if done.value is None
                              else "Run again", on_click=start, color="primary",
                              disabled=not plan.differing)
        if not plan.differing:
            solara.Info("A and B take every component from the same presets: nothing to swap.")
        if busy:
            solara.Text(f"Running in the background: {progress} of {job.total} runs "
                        + ("(cancelling after the run under way)." if cancelling else
                           "(the page keeps working; Cancel stops after the run under way)."),
                        classes=["abm-subtle", "abm-why-progress"])
            solara.ProgressLinear(value=100 * progress / max(1, job.total))
        got = done.value
        if got is None:
            return
        if got["result"] is None:
            j = got["job"]
            text = (f"Cancelled after {j.progress_text()}." if j.state == "cancelled"
                    else f"Could not finish ({j.state}): {j.error or j.progress_text()}.")
            solara.Text(text, classes=["abm-subtle", "abm-why-status"])
            return
        if got["plan"] != plan:
            solara.Warning("These results are for other settings (regimes, seed, seeds or "
                           "horizon changed since): press Run again.")
        j = got["job"]
        if j.failed:
            solara.Warning(j.failure_text())
        solara.Text(f"Done: {j.progress_text()} in {j.seconds:.0f} s "
                    f"({got['plan'].describe()}).", classes=["abm-subtle", "abm-why-status"])
        solara.HTML(unsafe_innerHTML=why.tables_html(got["plan"], got["result"]),
                    classes=["abm-why-tables"])


def series_csv(run: Run) -> str:
    """A run's time series as CSV (one row per step; units in docs/outputs.md)."""
    return run.series().to_csv(index_label="step")


def _locked(session: Session, runs: list[Run], fn):
    """``fn()``, which reads ``runs``, under the session's lock; None (nothing drawn) if the
    session has released them (a render begun before the tab closed)."""
    with session.lock:
        if not session.holds(runs):
            return None
        return fn()


HELP = """
<ul>
<li><b>Network.</b> Ministry in the centre, universities around it, venture funds on the middle
band (one arc per kind, its length by the number of funds: orange independent, pink corporate,
red-orange government), then one wedge per sector: startups inside (later stages further out),
incumbents on the rim, with a coloured arc under each business group (G1, G2, ...) where groups
matter. Area grows with firm size. Ties are coloured by type; ties formed in the last two
quarters are bold. Grey crosses are startups that exited or failed in the last two years.</li>
<li><b>Time series.</b> Operating startups; founding and failure; exits by IPO and M&amp;A;
venture money by fund kind; incumbents' share of sales and concentration (HHI); innovations by
source. The x-axes are in years (one step is a quarter). The grey band is the burn-in (the first
5 years, steps 1-20), which the summary leaves out. <i>Replicate bands</i> add the mean and a 95%
interval of the mean over several seeds, computed in the background.</li>
<li><b>Tables.</b> Key metrics count from step 1; summary metrics marked † from step 21. A
metric the run is still too short to measure says "not yet defined" and why (five-year survival
needs five years after the burn-in). In compare mode, <i>B - A</i> is the difference
(percentage points for shares) and <i>change</i> the difference in percent of A.</li>
<li><b>Compare.</b> Switch on <i>Compare two regimes</i> to run a second regime (or the same one
with a component swapped in from another preset) on the same seed; both step together. In the
time series each regime has its own column and y-axis (read the scales). <i>Why do they
differ?</i> swaps each of the six components between the two regimes over several seeds and
shows what each swap changes, with 95% intervals.</li>
<li><b>Seed.</b> Any whole number from 0 to 2^63-1, kept exactly: a seed copied from an
experiment's <code>runs.parquet</code> reruns that run (at the page's parameters).</li>
<li>Presets, parameter ranges and defaults come from the model itself (<code>abm params</code>).
</li>
</ul>
"""
