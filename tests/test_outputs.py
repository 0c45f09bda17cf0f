"""The declared outputs (``abm.outputs.OUTPUTS``) match what the model computes.

* every key of ``summary()``, every column of ``timeseries()`` and every key metric of the app
  (``abm.metrics.live``) is declared, and every declaration is computed (in order, for the
  summary: ``runs.parquet`` and the golden hashes depend on it);
* the summary values of short real runs lie inside the declared bounds, and so do the series;
* ``docs/outputs.md`` is generated from the declarations and up to date;
* the summary refuses a metric family that computes an undeclared name.
"""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import abm.metrics as metrics
from abm import EcosystemModel
from abm.model import SERIES
from abm.outputs import KINDS, OUTPUTS, Output, series_names, summary_names
from abm.params import SPECS

ROOT = Path(__file__).resolve().parent.parent
GENERATOR = ROOT / "scripts" / "gen_output_docs.py"

RUNS = [("silicon_valley", 1, 48), ("japan", 2, 48), ("korea", 3, 36),
        ("japan_2027_plan", 4, 30), ("silicon_valley", 5, 12)]
"""(preset, seed, steps) of the short runs whose outputs are checked (scale 0.2; the last is
shorter than the burn-in)."""


@pytest.fixture(scope="module")
def runs() -> list[EcosystemModel]:
    out = []
    for preset, seed, steps in RUNS:
        m = EcosystemModel(preset=preset, seed=seed, scale=0.2)
        m.run(steps)
        out.append(m)
    return out


def test_summary_names_are_the_declared_ones_in_order(runs):
    declared = summary_names()
    assert declared == metrics.SUMMARY_KEYS + metrics.EXTRA_KEYS
    for m in runs:
        assert tuple(m.summary()) == declared


def test_summary_of_an_unrun_model_has_the_declared_names():
    m = EcosystemModel(preset="japan", seed=1, scale=0.1)
    assert tuple(m.summary()) == summary_names()


def test_time_series_are_the_declared_ones(runs):
    declared = set(series_names())
    assert set(SERIES) == declared
    for m in runs:
        assert set(m.timeseries().columns) == declared


def test_no_summary_key_names_a_series():
    """summary.json and timeseries.parquet never use one name for two meanings (a run total
    after the burn-in and a per-step value): exits_ipo is the summary's, ipos the series'."""
    assert not set(summary_names()) & set(series_names())
    for total, flow in (("exits_ipo", "ipos"), ("exits_ma", "acquisitions"),
                        ("unicorns", "unicorns_to_date")):
        assert OUTPUTS[total].summary and not OUTPUTS[total].series
        assert OUTPUTS[flow].series and not OUTPUTS[flow].summary
        assert f"``{total}``" in OUTPUTS[flow].description


def test_summary_totals_are_the_series_summed_after_the_burn_in(runs):
    """The summary's exits_ipo is the series ipos summed over the steps after the burn-in (and
    likewise for M&A, founding, failures; unicorns from the cumulative series)."""
    from abm.constants import BURN_IN

    for m in runs:
        s, ts = m.summary(), m.timeseries()
        after = ts.loc[ts.index > BURN_IN]
        for total, flow in (("exits_ipo", "ipos"), ("exits_ma", "acquisitions"),
                            ("startups_founded", "founded"), ("failures", "failed")):
            assert s[total] == after[flow].sum(), (total, m.steps)
        if m.steps > BURN_IN:
            grown = ts["unicorns_to_date"].iloc[-1] - ts["unicorns_to_date"].loc[BURN_IN]
            assert s["unicorns"] == grown


def test_live_key_metrics_are_the_declared_ones(runs):
    declared = {n for n, o in OUTPUTS.items() if o.live}
    assert set(metrics.LIVE_KEYS) == declared
    for m in runs + [EcosystemModel(preset="korea", seed=1, scale=0.1)]:
        assert tuple(metrics.live(m)) == metrics.LIVE_KEYS


def test_design_names_are_declared_as_required():
    design = {  # the keys DESIGN.md section 5 fixes
        "startups_founded", "startups_active_end", "exits_ipo", "exits_ma", "failures",
        "ma_share_of_exits", "median_years_to_ipo", "median_years_to_ma",
        "median_years_to_failure", "survival_5y", "unicorns", "vc_invested_per_year",
        "vc_intensity", "cvc_deal_share", "gov_share_of_vc_commitments",
        "deal_multiple_below_1_share", "top_decile_deal_return_share", "fund_tvpi_median",
        "entry_rate", "exit_rate", "labor_mobility_rate", "startup_employment_share",
        "incumbent_sales_share", "incumbents_displaced", "new_incumbents", "hhi_mean",
        "innovation_total", "innovation_from_startups_share",
        "innovation_from_partnerships_share", "top4_innovator_share",
        "innovator_rank_correlation", "new_innovator_share", "productivity_growth",
        "partnership_density", "startups_with_corporate_partner_share", "network_clustering",
        "giant_component_share", "firm_size_tail_exponent"}
    assert set(summary_names(required=True)) == design


@pytest.mark.parametrize("name", list(OUTPUTS))
def test_every_declaration_is_complete(name):
    o = OUTPUTS[name]
    assert o.name == name
    assert o.label and o.unit and o.description.endswith(".")
    assert o.kind in KINDS
    if o.kind == "share":
        assert o.low == 0.0
    if o.kind in ("count", "money", "years", "exponent"):
        assert o.low == 0.0, "counts, money, durations and exponents are non-negative"
    if o.burn_in:
        assert o.summary, "the burn-in only applies to summary values"


def test_summary_values_lie_inside_the_declared_bounds(runs):
    seen = 0
    for m in runs:
        for name, value in m.summary().items():
            o = OUTPUTS[name]
            assert math.isfinite(value)
            assert o.contains(value), (f"{name} = {value} outside [{o.low}, {o.high}] "
                                       f"({m.p.scale}, seed {m.seed}, {m.steps} steps)")
            seen += 1
    assert seen == len(runs) * len(summary_names())


VARIED = ("job_mobility", "acquisition_appetite", "ma_market_depth", "ipo_window_open",
          "ipo_threshold", "followon_depth", "incumbent_openness", "founding_legitimacy")
"""Parameters the property test draws over their valid range (up to :data:`CAPS`)."""

CAPS = {"ipo_threshold": 40.0}
"""Upper limits that keep the cross-field checks of the parameters satisfied (an IPO below
the incumbent threshold)."""


@st.composite
def short_runs(draw):
    """A preset, a seed, a horizon past the burn-in, a small scale and a few parameters."""
    overrides = {n: draw(st.floats(SPECS[n].low, min(SPECS[n].high, CAPS.get(n, math.inf)),
                                   allow_nan=False)) for n in VARIED}
    overrides["scale"] = draw(st.floats(0.05, 0.15))
    return (draw(st.sampled_from(("silicon_valley", "japan", "korea", "japan_2027_plan"))),
            draw(st.integers(0, 2**32 - 1)), draw(st.integers(21, 40)), overrides)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(short_runs())
def test_summary_bounds_hold_over_random_valid_parameters(case):
    preset, seed, steps, overrides = case
    m = EcosystemModel(preset=preset, seed=seed, **overrides)
    m.run(steps)
    for name, value in m.summary().items():
        assert OUTPUTS[name].contains(value), (name, value, case)


def test_series_values_lie_inside_the_declared_bounds(runs):
    for m in runs:
        ts = m.timeseries()
        for name in ts.columns:
            o = OUTPUTS[name]
            lo, hi = ts[name].min(), ts[name].max()
            assert o.contains(float(lo)) and o.contains(float(hi)), (name, lo, hi)


def test_live_shares_lie_inside_the_declared_bounds(runs):
    for m in runs:
        for name, value in metrics.live(m).items():
            if not math.isnan(value):
                assert OUTPUTS[name].contains(value), (name, value)


def test_bounds_check_can_fail():
    share = OUTPUTS["ma_share_of_exits"]
    assert share.contains(0.0) and share.contains(1.0)
    assert not share.contains(1.0 + 1e-12) and not share.contains(-1e-12)
    assert OUTPUTS["productivity_growth"].contains(1e9)


def test_summary_rejects_an_undeclared_metric(monkeypatch):
    def rogue(run, out):
        return {"not_declared_anywhere": 1.0}

    monkeypatch.setattr(metrics, "FAMILIES", metrics.FAMILIES + (rogue,))
    m = EcosystemModel(preset="japan", seed=1, scale=0.1)
    with pytest.raises(ValueError, match="not_declared_anywhere"):
        m.summary()


def test_summary_rejects_a_missing_metric(monkeypatch):
    monkeypatch.setattr(metrics, "FAMILIES", metrics.FAMILIES[:-1])  # no accounting family
    m = EcosystemModel(preset="japan", seed=1, scale=0.1)
    with pytest.raises(ValueError, match="money_balance_error"):
        m.summary()


@pytest.mark.parametrize("bad, match", [
    ({"kind": "ratio"}, "kind"),
    ({"live": "sometimes"}, "live"),
    ({"summary": False}, "no group"),
    ({"low": 1.0, "high": 0.0}, "low"),
    ({"kind": "share", "low": -1.0}, "negative"),
])
def test_invalid_declarations_are_rejected(bad, match):
    args = {"name": "x", "label": "X", "unit": "u", "kind": "count", "description": "X.",
            "summary": True, **bad}
    with pytest.raises(ValueError, match=match):
        Output(**args)


def test_outputs_md_is_up_to_date():
    result = subprocess.run([sys.executable, str(GENERATOR), "--check"], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, (
        "docs/outputs.md is out of date; run `python scripts/gen_output_docs.py`\n"
        + result.stdout + result.stderr)


def test_outputs_md_lists_every_output():
    text = (ROOT / "docs" / "outputs.md").read_text(encoding="utf-8")
    for name, o in OUTPUTS.items():
        assert f"| `{name}` | {o.label} |" in text, name
