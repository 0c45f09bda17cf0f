"""The components panel of the app (viz/components_panel.py), rendered without a browser
(solara.render). Only "it shows the six components, it moves, B is beside A" is checked,
never which regime is more mature."""

from __future__ import annotations

import re

import pytest

solara = pytest.importorskip("solara")

from abm import palette  # noqa: E402
from abm.params import COMPONENT_TITLES, INSTITUTIONS  # noqa: E402
from abm.viz import components_panel as cp  # noqa: E402
from abm.viz.session import Run  # noqa: E402

from test_viz import html_texts, page, set_small_scale, click  # noqa: E402,F401


def _run(preset: str, **ov) -> Run:
    return Run(preset, preset, seed=4, overrides={"scale": 0.1, **ov})


def _widths(bars: str) -> list[float]:
    return [float(w) for w in re.findall(r'abm-comp-bar" style="width:([0-9.]+)%', bars)]


def test_panel_renders_the_six_components_and_moves_as_they_mature():
    run = _run("japan")
    key = solara.reactive(0)

    @solara.component
    def Box():
        cp.ComponentsPanel([run], key=key.value)

    box, rc = solara.render(Box(), handle_error=False)
    try:
        (bars,) = html_texts(rc, None)[:1]
        for c in INSTITUTIONS:
            assert COMPONENT_TITLES[c] in bars
        assert len(_widths(bars)) == 6
        assert palette.cycle(0) in bars
        before = _widths(bars)
        for _ in range(12):
            run.step()
        key.value = 1
        (after,) = html_texts(rc, None)[:1]
        assert 'data-step="12"' in after
        assert _widths(after) != before  # the loops moved at least one component
    finally:
        rc.close()


def test_compare_mode_draws_b_beside_a_hatched():
    a, b = _run("japan"), _run("silicon_valley")
    for r in (a, b):
        r.step()
    data = [(r.label, *cp.maturity_now_and_start(r)) for r in (a, b)]
    bars = cp.components_bars(data, step=1)
    assert len(_widths(bars)) == 12  # two bars per component
    assert "A: japan" in bars and "B: silicon_valley" in bars
    assert "repeating-linear-gradient" in bars and palette.cycle(1) in bars
    table = cp.components_table(data)
    assert table.count("<tr>") == 7 and "silicon_valley" in table


def test_indices_before_the_first_step_are_the_start():
    run = _run("korea")
    now, start = cp.maturity_now_and_start(run)
    assert now == start and set(now) == set(INSTITUTIONS)
    assert all(0.0 <= v <= 1.0 for v in now.values())


def test_loops_off_keep_the_bars_at_the_presets_values():
    off = {f"loop_{c}": 0.0 for c in INSTITUTIONS}
    run = _run("japan", **off)
    for _ in range(8):
        run.step()
    now, start = cp.maturity_now_and_start(run)
    for c in INSTITUTIONS:
        if c != "industry":  # incumbents enter and exit (docs/ODD.md 7.19)
            assert now[c] == pytest.approx(start[c])


def test_the_page_shows_the_panel(page):  # noqa: F811
    set_small_scale(page)
    click(page, "Step")
    texts = html_texts(page)
    assert any("abm-components" in t and 'data-step="1"' in t for t in texts)
