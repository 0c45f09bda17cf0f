"""Fast in-process tests of the visual app (solara.render, no browser, no server).

They drive the page through its widgets (as a browser would) and never assert model outputs:
the model is being recalibrated, so only "it moved / it changed / it says so" is checked.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

import ipyvuetify as v
import ipywidgets as widgets
import pytest

solara = pytest.importorskip("solara")

from abm.model import ModelReleasedError  # noqa: E402
from abm.params import SPECS  # noqa: E402
from abm.presets import presets, resolve  # noqa: E402
from abm.viz import app as viz_app  # noqa: E402
from abm.viz import network  # noqa: E402
from abm.viz.session import Config, Run, Session, key_metrics  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SMALL = "0.1"  # scale typed into the page so each test stays fast


@solara.component
def Wrapped():
    with solara.AppLayout():
        viz_app.Page()


@pytest.fixture()
def page():
    box, rc = solara.render(Wrapped(), handle_error=False)
    yield rc
    try:
        if find_buttons(rc, "Pause"):
            find_buttons(rc, "Pause")[0].click()
    finally:
        rc.close()


def find_buttons(rc, label):
    return [w for w in rc.find(v.Btn).widgets if w.children == [label]]


def click(rc, label):
    buttons = find_buttons(rc, label)
    assert buttons, f"no {label!r} button"
    buttons[0].click()


def html_texts(rc, css_class=None):
    out = []
    for el in rc.find(solara.widgets.HTML).widgets:
        if css_class is None or css_class in (el.attributes or {}).get("class", ""):
            out.append(el.unsafe_innerHTML or "")
    return out


def step_counter(rc) -> str:
    (text,) = html_texts(rc, "abm-step-counter")
    return text


def images(rc) -> list[bytes]:
    return [w.value for w in rc.find(widgets.Image).widgets]


def card_images(rc, css_class: str) -> list[bytes]:
    """The images inside the cards of ``css_class`` (e.g. ``abm-timeseries``)."""
    out = []
    for cls in {w.class_ for w in rc.find(v.Card).widgets
                if css_class in (w.class_ or "").split()}:
        out += [bytes(w.value) for w in rc.find(v.Card, class_=cls).find(widgets.Image).widgets]
    return out


def select(rc, label) -> v.Select:
    return rc.find(v.Select, label=label).widget


def field(rc, label_start) -> v.VuetifyWidget:
    matches = [w for w in rc.find(v.TextField).widgets + rc.find(v.Slider).widgets
               if (w.label or "").startswith(label_start + " (") or w.label == label_start]
    assert len(matches) == 1, (label_start, [w.label for w in matches])
    return matches[0]


def type_into(widget, text: str) -> None:
    """Type into a Solara input (committed on focus-out, as in the browser)."""
    widget.v_model = text
    widget.fire_event("focusout", None)


def errors(rc) -> list[str]:
    out = []
    for alert in rc.find(v.Alert).widgets:
        if alert.type == "error":
            out.append(" ".join(str(c) for c in alert.children))
    return out


def set_small_scale(rc) -> None:
    type_into(field(rc, "scale"), SMALL)
    assert not errors(rc), errors(rc)


def test_controls_exist_with_defaults_from_the_model(page):
    rc = page
    preset_select = select(rc, "Regime (preset)")
    assert preset_select.items == list(presets())
    assert preset_select.v_model == list(presets())[0]
    assert rc.find(v.TextField, label="Seed").widget.v_model is not None
    for label in ("Step", "Play", "Reset"):
        assert find_buttons(rc, label), label
    # every parameter has a control, and its value is the preset's resolved value
    resolved = resolve(preset_select.v_model)
    controls = {w.label.split(" (")[0]: w for w in rc.find(v.Slider).widgets
                + rc.find(v.TextField).widgets if w.label and " (" in w.label}
    assert set(controls) == set(SPECS)
    for name, w in controls.items():
        assert float(w.v_model) == pytest.approx(float(resolved[name])), name
        if isinstance(w, v.Slider):
            assert (w.min, w.max) == (SPECS[name].low, SPECS[name].high)
    # grouped by component: six institutions plus technology, exit markets, policy (and scale)
    titles = " ".join(str(w.children) for w in rc.find(v.ExpansionPanelHeader).widgets)
    for title in ("Finance", "Labor market", "University-government-industry ties",
                  "Industry organization", "Social norms", "Support services",
                  "Technological regime", "Exit markets", "Policy"):
        assert title in titles, title


def test_step_advances_the_model_and_updates_plots(page):
    rc = page
    set_small_scale(rc)
    assert step_counter(rc).startswith("Step 0")
    before = images(rc)
    assert len(before) == 2  # network and time series
    click(rc, "Step")
    assert step_counter(rc).startswith("Step 1")
    after = images(rc)
    assert all(a != b for a, b in zip(before, after)), "plots did not change"
    # quarters per click
    select(rc, "Quarters per Step / frame").v_model = 4
    click(rc, "Step")
    assert step_counter(rc).startswith("Step 5")
    assert images(rc)[1] != after[1]
    assert any("Quarters simulated" in t and ">5<" in t for t in html_texts(rc, "abm-key-metrics"))
    # Reset rebuilds at step 0
    click(rc, "Reset")
    assert step_counter(rc).startswith("Step 0")


def test_preset_change_takes_the_presets_values(page):
    rc = page
    target = [p for p in presets() if p != select(rc, "Regime (preset)").v_model][0]
    select(rc, "Regime (preset)").v_model = target
    resolved = resolve(target)
    for name in ("job_mobility", "acquisition_appetite", "lp_capital_per_year"):
        assert float(field(rc, name).v_model) == pytest.approx(float(resolved[name]))
    assert step_counter(rc).startswith("Step 0")
    assert any(target in t for t in html_texts(rc)) or target in str(
        [w.children for w in rc.find(v.Html).widgets])


def test_invalid_parameters_show_a_message_and_the_page_recovers(page):
    rc = page
    set_small_scale(rc)
    # more business groups than incumbents: a cross-field error of the model's own checks
    type_into(field(rc, "n_incumbents"), "3")
    (groups,) = [w for w in rc.find(v.Slider).widgets if w.label.startswith("n_business_groups")]
    groups.v_model = 150
    msgs = errors(rc)
    assert msgs and "n_business_groups" in msgs[0], msgs
    assert "Traceback" not in " ".join(msgs)
    assert find_buttons(rc, "Step")[0].disabled
    click(rc, "Back to preset values")
    assert not errors(rc)
    # out of range in a number field
    type_into(field(rc, "scale"), "-5")
    assert any("scale" in m and "range" in m for m in errors(rc)), errors(rc)
    set_small_scale(rc)
    click(rc, "Step")
    assert step_counter(rc).startswith("Step 1")


def test_model_error_is_shown_and_the_page_keeps_working(page, monkeypatch):
    rc = page
    set_small_scale(rc)

    def boom(self):
        raise RuntimeError("synthetic failure")

    monkeypatch.setattr(Run, "step", boom)
    click(rc, "Step")
    msgs = errors(rc)
    assert msgs and "synthetic failure" in msgs[0] and "Model error" in msgs[0]
    monkeypatch.undo()
    click(rc, "Reset")
    assert not errors(rc)
    click(rc, "Step")
    assert step_counter(rc).startswith("Step 1")


def test_compare_mode_steps_both_models(page):
    rc = page
    set_small_scale(rc)
    rc.find(v.Switch).widget.v_model = True
    preset_a = select(rc, "Regime (preset)").v_model
    preset_b = select(rc, "Regime (preset)" if False else "Regime B (preset)").v_model
    assert preset_b != preset_a
    assert len(images(rc)) == 3  # two networks and the overlaid time series
    before = images(rc)
    click(rc, "Step")
    assert step_counter(rc).startswith("Step 1")
    after = images(rc)
    assert all(a != b for a, b in zip(before, after))
    (table,) = html_texts(rc, "abm-key-metrics")
    assert f"A: {preset_a}" in table and f"B: {preset_b}" in table
    row = re.search(r"Quarters simulated</td>(.*?)</tr>", table).group(1)
    assert row.count(">1<") == 2, row
    # a component swap as regime B: same preset, one institution from another preset
    select(rc, "Regime B (preset)").v_model = preset_a
    select(rc, "B: swap in component").v_model = "labor"
    assert step_counter(rc).startswith("Step 0")
    click(rc, "Step")
    (table,) = html_texts(rc, "abm-key-metrics")
    assert f"B: {preset_a} + labor from" in table
    assert re.search(r"Quarters simulated</td>(.*?)</tr>", table).group(1).count(">1<") == 2


def test_play_steps_in_the_background_and_pause_stops(page):
    rc = page
    set_small_scale(rc)
    click(rc, "Play")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and step_counter(rc).startswith("Step 0"):
        time.sleep(0.1)
    click(rc, "Pause")
    deadline = time.monotonic() + 30  # a step already under way may still finish
    while time.monotonic() < deadline and not find_buttons(rc, "Play"):
        time.sleep(0.1)
    assert find_buttons(rc, "Play")
    time.sleep(0.5)
    shown = step_counter(rc)
    assert not shown.startswith("Step 0"), shown
    time.sleep(1.0)
    assert step_counter(rc) == shown  # paused means paused


def test_session_logic_without_solara():
    s = Session()
    assert s.configure(Config(preset="japan", seed=3, overrides={"scale": 0.1}, compare=True,
                              preset_b="korea"))
    assert [r.label for r in s.runs] == ["japan", "korea"]
    assert s.runs[1].model.p.scale == 0.1  # scale is shared with regime B
    assert s.advance(2) and [r.steps for r in s.runs] == [2, 2]
    km = key_metrics(s.runs[0])
    assert km["step"] == 2 and set(km) >= {"active_startups", "hhi", "vc_total"}
    assert not s.configure(Config(preset="nowhere"))
    assert "unknown preset" in s.error


def test_a_render_begun_before_a_change_or_the_tab_closing_draws_without_error(caplog):
    """The race CI caught: a render that started with the session's runs (the Play thread's,
    or one in another thread) goes on after a click rebuilt them or after the tab closed."""
    s = Session()
    assert s.configure(Config(preset="japan", seed=3, overrides={"scale": 0.1}))
    assert s.advance(2)
    old = list(s.runs)
    # a change of configuration leaves the old models whole: a late render still reads them
    assert s.configure(Config(preset="korea", seed=3, overrides={"scale": 0.1}))
    assert s.holds(old) and not old[0].released
    box, rc = solara.render(viz_app.MetricsTables(s, old, False, key=(0, 2)),
                            handle_error=False)
    assert any("Quarters simulated" in t for t in html_texts(rc, "abm-key-metrics"))
    assert html_texts(rc, "abm-summary")
    rc.close()
    # closing the tab releases the current models under the lock and keeps none
    current = list(s.runs)
    s.close()
    assert s.runs == [] and current[0].released and not s.holds(current)
    caplog.clear()
    with caplog.at_level("ERROR"):
        box, rc = solara.render(viz_app.MetricsTables(s, current, False, key=(1, 0)),
                                handle_error=False)
        assert not html_texts(rc, "abm-summary") and not html_texts(rc, "abm-key-metrics")
        assert viz_app._locked(s, current, lambda: current[0].summary()) is None
        rc.close()
    assert not [r for r in caplog.records if r.levelname == "ERROR"], caplog.text
    with pytest.raises(ModelReleasedError):
        current[0].summary()  # what the guard keeps the page from calling


def test_network_is_sampled_and_says_what_it_left_out():
    run = Run("japan", "japan", 2, overrides={"scale": 0.3})
    for _ in range(12):
        run.step()
    view = network.snapshot(run.model, max_startups=10)
    assert view.startups_shown <= 10
    kinds = set(view.style.values())
    assert {"incumbent", "university", "ministry"} <= kinds
    if view.startups_operating > 10:
        assert "of" in view.caption() and "largest" in view.caption()
    fig = network.draw(view)
    assert fig.axes


def run_cli(*args):
    return subprocess.run([sys.executable, "-c", "import abmcli; abmcli.main()", *args],
                          capture_output=True, text=True, timeout=60)


@pytest.mark.slow  # real `abm viz` processes
@pytest.mark.parametrize("args, needle", [
    (["--port", "0"], "--port"),
    (["--port", "http"], "--port"),
    (["--port", "70000"], "--port"),
    (["--host", "no-such-host.invalid"], "--host"),
])
def test_viz_command_rejects_bad_host_and_port(args, needle):
    out = run_cli("viz", *args)
    assert out.returncode == 2
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0], out.stderr


@pytest.mark.slow
def test_viz_command_rejects_a_busy_port():
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        out = run_cli("viz", "--port", str(port))
    assert out.returncode == 2
    assert "in use" in out.stderr and len(out.stderr.strip().splitlines()) == 1


# -- issue 18: what people read ----------------------------------------------------------------
def test_controls_show_their_value_and_unit(page):
    rc = page
    w = field(rc, "job_mobility")
    spec = SPECS["job_mobility"]
    assert w.label.startswith(f"job_mobility ({spec.unit}) = ")
    w.v_model = 0.055
    w = field(rc, "job_mobility")
    assert "= 0.055" in w.label and w.label.endswith("*"), w.label
    assert select(rc, "Play speed").v_model in viz_app.PLAY_SPEEDS


def test_summary_is_grouped_with_burn_in_and_downloads(page):
    rc = page
    set_small_scale(rc)
    click(rc, "Step")
    (summary,) = html_texts(rc, "abm-summary")
    for group in ("Startups and exits", "Finance", "Innovation and growth", "Labour", "Network",
                  "Internal checks"):
        assert f">{group}</td>" in summary, group
    assert summary.index("Internal checks") > summary.index("Money balance") - 200
    assert "startups_founded" not in summary and "Startups founded †" in summary
    row = re.search(r"Startups founded †</td>(.*?)</tr>", summary).group(1)
    assert "not yet defined" in row and ">0<" not in row  # no misleading 0 in the burn-in
    texts = " ".join(str(w.children) for w in rc.find(v.Html).widgets)
    assert "Burn-in" in texts, texts[:500]
    labels = " ".join(str(b.children) for b in rc.find(v.Btn).widgets)
    for what in ("the network (PNG)", "the time series (PNG)", "the summary (CSV)",
                 "Download data:"):
        assert what in labels, what


def test_compare_mode_has_difference_columns(page):
    rc = page
    set_small_scale(rc)
    rc.find(v.Switch).widget.v_model = True
    click(rc, "Step")
    (table,) = html_texts(rc, "abm-key-metrics")
    assert "<th>B - A</th>" in table and "<th>change</th>" in table
    row = re.search(r"Quarters simulated</td>(.*?)</tr>", table).group(1)
    assert row.count("<td>") == 4 and ">+0<" in row, row


def test_fmt_diff():
    from abm.viz.plots import fmt_diff

    assert fmt_diff(0.25, 0.30, "ma_share_of_exits") == ("+5.0 pp", "+20 %")
    assert fmt_diff(10, 15, "startups_founded") == ("+5", "+50 %")
    assert fmt_diff(0, 3, "startups_founded") == ("+3", "–")
    assert fmt_diff(float("nan"), 3, "x") == ("–", "–")


def test_network_spreads_funds_and_draws_business_groups():
    run = Run("korea", "korea", 2, overrides={"scale": 0.3})
    for _ in range(12):
        run.step()
    view = network.snapshot(run.model)
    assert view.fund_arcs and view.groups
    spans = sorted((t0, t1) for _, t0, t1, _ in view.fund_arcs)
    assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:]))  # arcs do not overlap
    assert sum(t1 - t0 for t0, t1 in spans) > 5.5  # they share the whole ring
    fund_pos = [view.pos[u] for u, s in view.style.items() if s.startswith("fund")]
    assert len({(round(x, 3), round(y, 3)) for x, y in fund_pos}) == len(fund_pos)
    assert "business groups" in view.caption()
    sv = Run("silicon_valley", "silicon_valley", 2, overrides={"scale": 0.3})
    sv.step()
    assert not network.snapshot(sv.model).groups  # no group cohesion: nothing drawn


def test_solara_banner_is_off():
    from solara.server import settings

    assert settings.theme.show_banner is False


def test_number_fields_show_an_error_for_non_numbers_and_never_loop(page):
    """Issue 19: a non-number typed into scale or seed shows an error under the field (the
    model is not rebuilt); nan and -5 neither loop the renderer nor change the run."""
    rc = page
    set_small_scale(rc)
    seed = rc.find(v.TextField, label="Seed").widget
    for text, words in (("abc", "not a number"), ("nan", "finite"), ("-5", "[0,"),
                        ("1.5", "whole number")):
        type_into(seed, text)
        assert seed.error and words in " ".join(seed.messages or []), (text, seed.messages)
    type_into(seed, "7")
    assert not seed.error
    scale = field(rc, "scale")
    for text in ("big", "nan", "inf"):
        type_into(scale, text)
        assert scale.error, text
    set_small_scale(rc)
    assert not field(rc, "scale").error
    click(rc, "Step")
    assert step_counter(rc).startswith("Step 1")


def test_parse_number():
    from abm.viz.app import parse_number

    assert parse_number("12", True, 0, 100) == (12, None)
    assert parse_number("1,000.5", False, 0, 1e4) == (1000.5, None)
    for text in ("", "abc", "nan", "-inf", "2.5"):
        assert parse_number(text, True, 0, 100)[0] is None, text
    assert "[0, 100]" in parse_number("-5", True, 0, 100)[1]


# -- issue 30: seeds survive the round trip through the page -------------------------------------
RUNS_PARQUET = ROOT / "results" / "regime_comparison" / "runs.parquet"


def shipped_seed() -> int:
    """The largest replicate seed of a shipped experiment (far above 2**53)."""
    import pandas as pd

    seeds = pd.read_parquet(RUNS_PARQUET, columns=["seed"])["seed"]
    seed = int(seeds.max())
    assert seed > 2**53  # the case a browser number cannot hold
    return seed


def test_parse_seed_is_exact_up_to_2_63_minus_1():
    parse_seed = viz_app.parse_seed
    for seed in (0, 1, 2**53 + 1, 9193308164927181431, 2**63 - 1):
        assert parse_seed(str(seed)) == (seed, None)
        assert float(seed) != seed or seed <= 2**53  # what a float would have made of it
    assert parse_seed(" 42 ") == (42, None)
    for text, words in (("-1", "[0, 9223372036854775807]"), (str(2**63), "9223372036854775807"),
                        ("1.5", "whole number"), ("abc", "not a number"), ("nan", "finite"),
                        ("1_0", "not a number"), ("\u0661\u0662", "not a number"),
                        ("9.2e18", "plain digits"), ("", "not a number")):
        value, msg = parse_seed(text)
        assert value is None and words in msg and "Seed must be a whole number" in msg, (text,
                                                                                          msg)
    assert parse_seed("1e3") == (1000, None)


def test_a_replicate_seed_from_runs_parquet_reaches_the_model_exactly(page, monkeypatch):
    """Issue 30: a seed copied from runs.parquet into the page runs that very seed."""
    from abm.viz import session as viz_session

    built = []
    original = viz_session.EcosystemModel

    def recording(*args, **kwargs):
        model = original(*args, **kwargs)
        built.append(model)
        return model

    monkeypatch.setattr(viz_session, "EcosystemModel", recording)
    rc = page
    seed = shipped_seed()
    field_ = rc.find(v.TextField, label="Seed").widget
    type_into(field_, str(seed))
    assert not field_.error, field_.messages
    assert built and built[-1].seed == seed and type(built[-1].seed) is int
    assert built[-1]._seed == seed  # Mesa's own copy
    (line,) = html_texts(rc, "abm-run-line")
    assert f'<span class="abm-seed">{seed}</span>' in line
    assert rc.find(v.TextField, label="Seed").widget.v_model == str(seed)
    # a bad seed leaves the run as it was and says why
    n = len(built)
    type_into(field_, str(2**63))
    assert field_.error and "2^63-1" in " ".join(field_.messages)
    assert len(built) == n


def test_calendar_counter_for_presets_that_set_start_year():
    # step 1 is the first quarter of start_year (abm/params.py)
    assert viz_app.calendar_of(1, 2000) == "2000 Q1"
    assert viz_app.calendar_of(51, 2000) == "2012 Q3"
    assert viz_app.calendar_of(4, 2000) == "2000 Q4" and viz_app.calendar_of(5, 2000) == "2001 Q1"
    assert viz_app.calendar_of(0, 2000) == "before 2000 Q1"
    assert viz_app.counter_text(51, [2000]) == "Step 51 (2012 Q3)"
    assert viz_app.counter_text(12, [None]) == "Step 12 (year 3)"  # the existing convention
    assert viz_app.counter_text(12, [None, 2000]) == "Step 12 (year 3; B: 2002 Q4)"
    assert viz_app.counter_text(12, [2000, 2000]) == "Step 12 (2002 Q4)"
    history = Run("japan_history", "japan_history", seed=1, overrides={"scale": 0.1})
    assert viz_app.run_start_year(history) == 2000
    assert viz_app.run_start_year(Run("japan", "japan", seed=1, overrides={"scale": 0.1})) \
        is None
    moved = Run("japan", "japan", seed=1, overrides={"scale": 0.1, "start_year": 2010})
    assert viz_app.run_start_year(moved) == 2010


def test_step_counter_shows_the_calendar_quarter_for_japan_history(page):
    rc = page
    select(rc, "Regime (preset)").v_model = "japan_history"
    set_small_scale(rc)
    assert step_counter(rc) == "Step 0 (before 2000 Q1)"
    click(rc, "Step")
    assert step_counter(rc) == "Step 1 (2000 Q1)"


# -- issue 31 item 4: the app explains ----------------------------------------------------------
def page_text(rc) -> str:
    """Every text and HTML on the page, joined."""
    return " ".join([str(w.children) for w in rc.find(v.Html).widgets] + html_texts(rc))


def wait_for(condition, what: str, limit_s: float = 300.0):
    """Poll ``condition()`` until it holds (generous limit: CI is a busy 2-core machine)."""
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out after {limit_s:.0f} s waiting for {what}")


def test_metrics_are_shown_only_once_defined():
    from abm.metrics import MIN_STEPS, SUMMARY_KEYS
    from abm.constants import BURN_IN

    cached = [{k: 0.0 for k in SUMMARY_KEYS}] * 2
    need = MIN_STEPS["survival_5y"]

    def row(steps, title):
        rows, _, muted = viz_app.summary_rows(cached, steps)
        (i,) = [i for i, r in enumerate(rows) if r[0].startswith(title)]
        return rows[i], i in muted

    # during the burn-in: every after-burn-in metric waits, saying why
    r, muted = row(BURN_IN // 2, "Startups founded")
    assert muted and len(r) == 2 and r[1].startswith("not yet defined (needs the")
    # after the burn-in, before a cohort has been followed five years
    r, muted = row(need - 5, "Five-year survival")
    assert muted and r[1] == ("not yet defined (needs 5 years after the burn-in: 5 more "
                              "quarters)"), r
    r, muted = row(need - 5, "Startups founded")
    assert not muted and len(r) == 5  # name, A, B, B - A, change
    r, muted = row(need, "Five-year survival")
    assert not muted and len(r) == 5 and "not yet" not in " ".join(r)
    html_ = viz_app.html_table(["metric", "A", "B", "B - A", "change"],
                               [["x †", "not yet defined (...)"]])
    assert 'colspan="4"' in html_  # the message spans the value columns


def test_compare_mode_is_laid_out_for_a_presenter(page):
    rc = page
    set_small_scale(rc)
    rc.find(v.Switch).widget.v_model = True
    text = page_text(rc)
    # the help card stays, the why panel is there, and both regimes' events
    assert "How to read this page" in text and "Why do they differ?" in text
    assert "Recent events, A:" in text and "Recent events, B:" in text
    assert find_buttons(rc, "Explain the difference")
    assert len(images(rc)) == 3  # two networks and one time-series figure
    # (the tables' full width is checked in the real browser: tests/test_browser.py)


def test_time_series_have_years_on_every_axis_and_legends_outside_the_data():
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from abm.viz import plots

    runs = [Run(p, p, 3, overrides={"scale": 0.1}) for p in ("japan", "silicon_valley")]
    for _ in range(6):
        for r in runs:
            r.step()
    for n in (1, 2):
        canvas = plots.TimeSeriesCanvas([r.label for r in runs[:n]])
        fig = canvas.update([(r.label, r.series()) for r in runs[:n]])
        FigureCanvasAgg(fig).draw()
        data_axes = [ax for row in canvas.axes for ax in row]
        assert len(data_axes) == 6 * n  # compare mode: each regime its own axes per panel
        for ax in data_axes:  # tick labels in years on every axis, the name at the bottom
            labels = [t.get_text() for t in ax.get_xticklabels() if t.get_visible()]
            assert any(labels) and ax.xaxis.get_tick_params()["labelbottom"] is not False
            # in years, not quarters (the axis grows in chunks of X_CHUNK quarters)
            assert 6 / 4 <= max(ax.get_xlim()) <= plots.X_CHUNK / 4 + 1e-9
        for ax in canvas.axes[-1]:
            assert "year" in ax.get_xlabel()
        legends = [lg for ax in fig.axes for lg in [ax.get_legend()] if lg is not None]
        assert len(legends) == 6
        for lg in legends:
            box = lg.get_window_extent()
            for ax in data_axes:
                assert not box.overlaps(ax.get_window_extent()), (ax.get_title(), n)
        if n == 2:  # each regime on its own y-axis: B's scale is not A's
            for a, b in canvas.axes:
                assert a.get_shared_y_axes().get_siblings(a) == [a]
                assert b.get_shared_y_axes().get_siblings(b) == [b]
    # a calendar for a preset that sets its start year
    canvas = plots.TimeSeriesCanvas(["x"], start_year=2000)
    canvas.update([("x", runs[0].series())])
    assert canvas.axes[0][0].get_xlabel() == "year"
    assert 2000 <= min(canvas.axes[0][0].get_xlim()) < 2001


def test_network_legends_sit_outside_the_wheel():
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    run = Run("korea", "korea", 2, overrides={"scale": 0.2})
    for _ in range(6):
        run.step()
    for small in (True, False):
        fig = viz_app.network_figure(run, 1500, small)
        FigureCanvasAgg(fig).draw()
        wheel = fig.axes[0]
        legends = [lg for ax in fig.axes for lg in [ax.get_legend()] if lg is not None]
        legends += [a for ax in fig.axes for a in ax.artists
                    if type(a).__name__ == "Legend"]
        assert len(legends) >= 2
        for lg in legends:
            assert not lg.get_window_extent().overlaps(wheel.get_window_extent())


def test_the_time_series_redraw_only_their_lines_until_an_axis_must_move():
    from abm.viz import plots

    run = Run("japan", "japan", 3, overrides={"scale": 0.1})
    canvas = plots.TimeSeriesCanvas([run.label])
    pngs, full = [], []
    original = canvas._set_data

    def spy(runs):
        moved = original(runs)
        full.append(moved)
        return moved

    canvas._set_data = spy
    for _ in range(8):
        run.step()
        pngs.append(canvas.render([(run.label, run.series())]))
    assert full[0] and len(set(pngs)) == len(pngs)  # every frame shows its step
    # a frame drawn over the saved background equals the figure drawn whole
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    for row in canvas.lines:
        for _, _, line in row:
            line.set_animated(False)
    whole = FigureCanvasAgg(canvas.figure)
    whole.draw()
    assert plots._png(whole) == pngs[-1]
    for row in canvas.axes:  # every series is inside its axes
        for ax in row:
            for line in ax.get_lines():
                y = line.get_ydata()
                if len(y):
                    lo, hi = ax.get_ylim()
                    assert lo <= min(y) and max(y) <= hi
    assert plots.nice_ceil(0.7) == 1.0 and plots.nice_ceil(1.2) == 2.0
    assert plots.nice_ceil(230) == 250 and plots.nice_ceil(5000) == 5000


def test_with_bands_every_series_still_draws_its_own_line():
    """The run's lines and the bands' mean lines are told apart (a band's dotted mean once
    took the place of the first series' line)."""
    from abm.viz import plots

    runs = [Run(p, p, 3, overrides={"scale": 0.1}) for p in ("japan", "korea")]
    frames = []
    for seed in (4, 5):
        other = Run("japan", "japan", seed, overrides={"scale": 0.1})
        for _ in range(8):
            other.step()
        frames.append(other.series())
    bands = [plots.Bands.from_series(frames), None]
    for _ in range(5):
        for r in runs:
            r.step()
    canvas = plots.TimeSeriesCanvas([r.label for r in runs], bands=bands)
    canvas.render([(r.label, r.series()) for r in runs])
    for (_, columns, transform, _), entries in zip(plots.PANELS, canvas.lines):
        assert len(entries) == 2 * len(columns)
        for r, col, line in entries:
            assert line.get_linestyle() == "-" and len(line.get_xdata()) == 5, (col, r)
            expected = runs[r].series()[col].astype(float)
            if transform == "cumsum":
                expected = expected.cumsum()
            assert list(line.get_ydata()) == pytest.approx(list(expected), nan_ok=True)
    # the bands' means are dotted lines of their own, over the bands' 8 steps
    dotted = [ln for ax in canvas.axes[0][:1] for ln in ax.get_lines()
              if ln.get_linestyle() == ":"]
    assert len(dotted) == 2 and all(len(ln.get_xdata()) == 8 for ln in dotted)


def test_bands_are_the_mean_and_a_95_interval_over_seeds():
    import numpy as np
    import pandas as pd

    from abm.experiments.stats import mean_ci
    from abm.viz.plots import Bands

    rng = np.random.default_rng(0)
    frames = [pd.DataFrame({"active_startups": rng.normal(10, 2, 8),
                            "ipos": rng.integers(0, 3, 8).astype(float)},
                           index=pd.RangeIndex(1, 9, name="step")) for _ in range(5)]
    b = Bands.from_series(frames)
    ci = mean_ci([f.loc[4, "active_startups"] for f in frames])
    assert b.n == 5
    assert b.mean.loc[4, "active_startups"] == pytest.approx(ci["mean"])
    assert b.low.loc[4, "active_startups"] == pytest.approx(max(0.0, ci["ci_low"]))
    assert b.high.loc[4, "active_startups"] == pytest.approx(ci["ci_high"])
    # exits are drawn cumulative, so their band is over each replicate's running total
    cum = mean_ci([f["ipos"].cumsum().loc[6] for f in frames])
    assert b.mean.loc[6, "ipos"] == pytest.approx(cum["mean"])
    assert (b.low >= 0).all().all()  # clipped at 0: no series drawn is negative


class GatedExecutor:
    """Runs one task each time the test opens the gate (deterministic progress)."""

    gate = None

    def run(self, tasks, collect, on_result):
        from abm.experiments.runner import run_one

        for t in tasks:
            assert self.gate.acquire(timeout=120), "the test never opened the gate"
            on_result(run_one(t, collect))


def test_why_panel_runs_in_the_background_cancels_and_explains(page, monkeypatch):
    import threading

    from abm.experiments.runner import SerialExecutor
    from abm.viz import jobs, why

    monkeypatch.setattr(why, "SCALE", 0.05)  # small: the test is about the panel
    GatedExecutor.gate = threading.Semaphore(0)
    monkeypatch.setattr(jobs, "EXECUTOR_FACTORY", GatedExecutor)
    rc = page
    set_small_scale(rc)
    rc.find(v.Switch).widget.v_model = True
    select(rc, "Seeds").v_model = 3
    select(rc, "Horizon (quarters)").v_model = 40
    assert "scale 0.05" in page_text(rc) and "3 seeds" in page_text(rc)
    click(rc, "Explain the difference")
    wait_for(lambda: "Running in the background: 0 of " in page_text(rc), "the job to start")
    total = int(re.search(r"Running in the background: 0 of (\d+)", page_text(rc)).group(1))
    assert total == 3 * (2 + 2 * 6)  # A, B and each component both ways, on every seed
    # the page keeps working while the job runs (polled: a render the job's thread has under
    # way may draw the click's change, a moment later)
    click(rc, "Step")
    wait_for(lambda: step_counter(rc).startswith("Step 1"), "the step while the job runs", 60)
    GatedExecutor.gate.release()
    wait_for(lambda: f"1 of {total} runs" in page_text(rc), "progress")
    click(rc, "Cancel")
    for _ in range(total):
        GatedExecutor.gate.release()
    wait_for(lambda: "Cancelled after" in page_text(rc), "the job to stop")
    assert re.search(r"Cancelled after [12] of", page_text(rc)), page_text(rc)
    # now to the end, and the tables: every component, intervals over the seeds
    monkeypatch.setattr(jobs, "EXECUTOR_FACTORY", SerialExecutor)
    click(rc, "Run again")
    wait_for(lambda: html_texts(rc, "abm-why-tables"), "the why tables", 600)
    (tables,) = html_texts(rc, "abm-why-tables")
    from abm.params import COMPONENT_TITLES, INSTITUTIONS

    for c in INSTITUTIONS:
        assert tables.count(f"<td>{COMPONENT_TITLES[c]}</td>") == 2, c  # into A, into B
    assert tables.count("whole regime") == 2
    assert re.search(r'abm-why-ci">\[[-+0-9.,e ]+, [-+0-9.,e ]+\]', tables), tables[:800]
    assert "Done: " in page_text(rc) and "Traceback" not in page_text(rc)
    assert not errors(rc)


def test_replicate_bands_are_computed_in_the_background(page, monkeypatch):
    from abm.experiments.runner import SerialExecutor
    from abm.viz import jobs

    monkeypatch.setattr(jobs, "EXECUTOR_FACTORY", SerialExecutor)
    rc = page
    set_small_scale(rc)
    click(rc, "Step")
    (before,) = card_images(rc, "abm-timeseries")
    select(rc, "Band horizon (quarters)").v_model = 40
    select(rc, "Replicate bands (mean and 95% band)").v_model = "5 seeds"

    def bands_drawn() -> bool:
        # the end state, read whole: the note and the one redrawn figure. They are separate
        # widgets, updated one after the other by the render that a background thread (the
        # band job's) runs, so a poll from this thread can see the note before the figure
        # (it did once on Python 3.11 and once on 3.13, when the figure was checked alone
        # after the note)
        text, images = page_text(rc), card_images(rc, "abm-timeseries")
        return ("dotted line the mean" in text and "over 5 seeds" in text
                and len(images) == 1 and images != [before])

    wait_for(bands_drawn, "the bands drawn", 600)
    click(rc, "Step")
    wait_for(lambda: step_counter(rc).startswith("Step 2"), "the next step", 300)
    select(rc, "Replicate bands (mean and 95% band)").v_model = "off"
    wait_for(lambda: "Replicate bands: off" in page_text(rc), "bands off", 300)


def test_band_runs_are_the_pages_regimes_on_the_runs_seed_and_more():
    cfg = Config(preset="japan", seed=7, overrides={"scale": 0.1, "job_mobility": 0.05},
                 compare=True, preset_b="korea")
    runs = viz_app.band_runs(cfg, 4, 40)
    assert len(runs) == 8
    a = [r for r in runs if r.scenario == "A"]
    b = [r for r in runs if r.scenario == "B"]
    assert a[0].seed == 7 and [r.seed for r in a] == [r.seed for r in b]
    assert len({r.seed for r in a}) == 4
    assert a[0].overrides == {"scale": 0.1, "job_mobility": 0.05}
    assert b[0].preset == "korea" and b[0].overrides == {"scale": 0.1}
