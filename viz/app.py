"""The visual app: watch, explain and compare startup-ecosystem regimes in the browser.

Run it with ``abm viz`` (or ``solara run viz/app.py``). Every browser session gets its own
model(s): the :class:`~viz.session.Session` is created inside :func:`Page`, never at module
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
import sys
import threading
import time
import traceback
from pathlib import Path

import solara
from matplotlib.figure import Figure

if __package__ in (None, ""):  # `solara run viz/app.py` loads this file without its package
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from abm.constants import BURN_IN  # noqa: E402
from abm.outputs import OUTPUTS  # noqa: E402
from abm.params import COMPONENTS, SPECS  # noqa: E402
from abm.presets import preset_values as preset_sets, presets  # noqa: E402
from viz import network, plots  # noqa: E402
from viz.components_panel import ComponentsPanel  # noqa: E402
from viz.session import (KEY_METRICS, Config, Run, Session, component_title,  # noqa: E402
                         key_metrics, params_by_component, preset_values, slider_step,
                         summary_groups, uses_slider)

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
        parts.append("<tr>" + "".join(f"<td{cls if j else ''}>{html.escape(c)}</td>"
                                      for j, c in enumerate(row)) + "</tr>")
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
            return png_bytes(make()), None
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


def parse_number(text: str, integer: bool, low: float, high: float):
    """A number typed into a field: ``(value, None)``, or ``(None, message)`` for a
    non-number, ``nan``/``inf``, a fraction where a whole number is needed, or a value out of
    ``[low, high]``."""
    raw = (text or "").strip().replace(",", "")
    try:
        v = float(raw)
    except ValueError:
        return None, f"not a number: {text!r}"
    if not math.isfinite(v):
        return None, f"must be a finite number, got {text!r}"
    if integer:
        if v != int(v):
            return None, f"must be a whole number, got {text!r}"
        v = int(v)
    if not low <= v <= high:
        return None, f"must be in [{low:g}, {high:g}], got {text!r}"
    return v, None


@solara.component
def NumberField(label: str, value, on_value, integer: bool = False, low: float = -math.inf,
                high: float = math.inf):
    """A number field that shows an error under itself for anything that is not a valid
    number, and passes on only valid values, once each (the field's own text is local
    state, so a refused value never comes back through ``value`` and cannot loop the
    renderer)."""
    shown = f"{int(value)}" if integer else f"{float(value):.6g}"
    text, set_text = solara.use_state(shown)
    error, set_error = solara.use_state("")

    def follow_value():  # the model's value changed (preset, reset): show it
        set_text(shown)
        set_error("")

    solara.use_effect(follow_value, [shown])

    def on_text(new):
        set_text(new or "")
        v, msg = parse_number(new or "", integer, low, high)
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


def summary_rows(cached: list[dict[str, float]], steps: int):
    """Rows, group headings and greyed rows of the summary table (see :func:`summary_groups`).

    While the burn-in lasts (``steps <= BURN_IN``) a metric that covers only the steps after
    it has no value yet: it shows "–" instead of a misleading 0.
    """
    rows, groups, muted = [], {}, set()
    for title, keys in summary_groups(cached[0]):
        groups[len(rows)] = title
        for k in keys:
            o = OUTPUTS.get(k)
            waiting = o is not None and o.burn_in and steps <= BURN_IN
            name = (o.title if o is not None else k) + (" †" if o is not None and o.burn_in
                                                        else "")
            values = [math.nan if waiting else c.get(k, math.nan) for c in cached]
            if waiting:
                muted.add(len(rows))
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
                        high=2**63 - 1)
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
        solara.Text(f"{label} · seed {cfg.seed} · one step is one quarter" + burn
                    + (" · playing" if playing else ""), classes=["abm-subtle"])
        if session.error:
            solara.Error(session.error, classes=["abm-error"])
        if not runs:
            solara.Info("No model to show: fix the message above (for example move the slider "
                        "back, or press 'Back to preset values').")
            return
        NetworkRow(session, runs, max_startups, net_key)
        TimeSeriesCard(session, runs, key, label)
        ComponentsPanel(runs, key=key)
        with solara.Columns([1, 1]):
            with solara.Column():
                MetricsTables(session, runs, playing, key=key)
            if len(runs) > 1:
                with solara.Column():
                    for run, letter in zip(runs, "AB"):
                        with solara.Card(f"Recent events, {letter}: {run.label}"):
                            solara.HTML(unsafe_innerHTML=events_html(run.events(30)))
            else:
                with solara.Card("How to read this page"):
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


@solara.component
def TimeSeriesCard(session: Session, runs: list[Run], key: tuple, label: str):
    """The time-series panels (one figure kept between frames) and the CSV downloads."""
    ts_canvas = solara.use_memo(lambda: plots.TimeSeriesCanvas([r.label for r in runs]),
                                [session.generation, tuple(r.label for r in runs)])
    steps = session.steps
    with solara.Card("Time series" + (" (A solid, B dashed)" if len(runs) > 1 else ""),
                     classes=["abm-timeseries"]):
        Figure_(lambda: _locked(session, runs, lambda: ts_canvas.update(
                    [(r.label, r.series()) for r in runs])),
                key=(key, "ts"), alt="the time series",
                filename=f"timeseries_{slug(label)}_step{steps}.png")
        with solara.Row(classes=["abm-downloads"]):
            for run in runs:
                solara.FileDownload(lambda run=run: _locked(session, [run],
                                                            lambda: series_csv(run)),
                                    filename=f"timeseries_{slug(run.label)}.csv",
                                    label=f"Download data: {run.label} (CSV)",
                                    mime_type="text/csv")


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
source. The grey band is the burn-in (steps 1-20), which the summary leaves out.</li>
<li><b>Tables.</b> Key metrics count from step 1; summary metrics marked † from step 21. In
compare mode, <i>B - A</i> is the difference (percentage points for shares) and <i>change</i>
the difference in percent of A.</li>
<li><b>Compare.</b> Switch on <i>Compare two regimes</i> to run a second regime (or the same one
with a component swapped in from another preset) on the same seed; both step together.</li>
<li>Presets, parameter ranges and defaults come from the model itself (<code>abm params</code>).
</li>
</ul>
"""
