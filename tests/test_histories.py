"""The us_history and korea_history presets (issue 29 item 2): dated series as data
(abm/mechanisms/history.py), their experiments, and the comparison with the data layer
(experiments/histories.py). No test here asserts how well a history fits the data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from abm import EcosystemModel
from abm import data_layer as D
from abm.mechanisms import history
from abm.params import SPECS, ParameterError
from abm.presets import PRESET_NAMES, preset_dated_series, preset_values, resolve
from abm.experiments import histories as H
from abm.experiments.spec import load_spec, shipped_spec_path


@pytest.mark.parametrize("name, parent", [("us_history", "silicon_valley"),
                                          ("korea_history", "korea")])
def test_history_presets_are_registered_and_start_in_2000(name, parent):
    assert name in PRESET_NAMES
    p = resolve(name)
    assert p.start_year == 2000
    series = preset_dated_series(name)
    assert set(series) == {"lp_capital_per_year", "ipo_propensity"}
    for ref, lo, hi, *earlier in series.values():
        assert D.series(ref).yearly() and lo <= hi <= D.CALIBRATION_LAST_YEAR + 10
        assert all(D.series(e).yearly() for e in earlier)
    # besides the calendar, the distance to the world frontier in 2000 and the dated events,
    # the institutions are the parent's
    own = set(preset_values(name)) - set(preset_values(parent))
    assert own <= {"start_year", "frontier_gap", "gov_vc_budget_start_year",
                   "matching_programme_start_year"}
    for k, v in preset_values(parent).items():
        if k not in ("start_year",):
            assert preset_values(name)[k] == v, k


def test_dated_series_follow_the_index_year_by_year():
    m = EcosystemModel(preset="us_history", seed=3, scale=0.1, record_events=True)
    base = resolve("silicon_valley")
    lp = D.series("us.vc_funds_raised")
    before = D.series("us.vc_funds_raised_thomson")  # spliced before PitchBook's years
    # at the start: the 2000 level; the base level is the preset's own value
    assert m.dated_series_base["lp_capital_per_year"] == base.lp_capital_per_year
    assert m.p.lp_capital_per_year == pytest.approx(
        base.lp_capital_per_year * lp.index(2000, (2014, 2019), before))
    seen = {}
    for _ in range(12):
        m.step()
        seen[m.steps] = m.p.lp_capital_per_year
    # changes only at the first quarter of a year
    assert seen[2] == seen[3] == seen[4] == seen[1]
    assert seen[5] == pytest.approx(base.lp_capital_per_year * lp.index(2001, (2014, 2019), before))
    assert seen[9] == pytest.approx(base.lp_capital_per_year * lp.index(2002, (2014, 2019), before))
    # the listing propensity follows its index, clipped to its range
    ipo = D.series("us.ipos_all")
    assert m.p.ipo_propensity == pytest.approx(min(
        SPECS["ipo_propensity"].high, base.ipo_propensity * ipo.index(2002, (2014, 2019))))
    assert any("Dated series 2001" in e["text"] for e in m.events)


def test_the_index_is_one_on_average_over_the_base_years():
    s = D.series("us.ipos_all")
    vals = [s.index(y, (2014, 2019)) for y in range(2014, 2020)]
    assert np.mean(vals) == pytest.approx(1.0)
    assert s.index(2008, (2014, 2019)) < 0.5 < 1.5 < s.index(2021, (2014, 2019))


def test_presets_without_dated_series_are_untouched():
    m = EcosystemModel(preset="korea", seed=1, scale=0.1)
    assert m.dated_series == {} and m.dated_series_base == {}
    before = m.p
    m.run(5)
    assert m.p.lp_capital_per_year == before.lp_capital_per_year


@pytest.mark.parametrize("value, message", [
    ({"n_incumbents": ["us.ipos_all", 2014, 2019]}, "cannot follow a series"),
    ({"no_such_parameter": ["us.ipos_all", 2014, 2019]}, "no_such_parameter"),
    ({"ipo_window_open": ["us.nope", 2014, 2019]}, "has no series 'nope'"),
    ({"ipo_window_open": ["us.ipos_all", 2019, 2014]}, "must be"),
    ({"ipo_window_open": ["us.ipos_all", 2014]}, "must be"),
    ({"ipo_window_open": ["us.ipos_all", 1960, 1970]}, "outside the years"),
    ({"ipo_window_open": ["us.business_rd", 2010, 2019]}, "an index needs at least 2"),
    ({"ipo_window_open": ["us.ipos_all", 2014, 2019, 7]}, "must be"),
    ({"ipo_window_open": ["us.ipos_all", 2014, 2019, "us.business_rd"]}, "earlier series"),
    ({"ipo_window_open": ["us.ipos_all", 2014, 2019, "us.nope"]}, "has no series 'nope'"),
])
def test_bad_dated_series_are_refused_with_a_clear_error(value, message):
    with pytest.raises(ParameterError, match=message):
        history.check(value)


@pytest.mark.parametrize("name", ["us_history", "korea_history"])
def test_history_experiments_parse(name):
    spec = load_spec(shipped_spec_path(name))
    assert spec.steps == 104
    presets = {sc.preset for sc in spec.scenarios}
    assert presets == {name}


def _table(runs=3, years=range(2005, 2013)):
    rows = []
    for r in range(runs):
        for y in years:
            rows.append({"run_id": f"r{r}", "year": y, "vc_invested": 10.0 * (y - 2004) + r,
                         "ipos": 5.0, "acquisitions": 0.0, "rounds": 4.0 + r,
                         "unicorns_to_date": 1.0})
    return pd.DataFrame(rows)


def test_comparison_sets_growth_factors_beside_the_data_and_marks_held_out_years():
    table = _table(years=range(2005, 2022))
    comp = H.comparison(table, "us", driven=H.DRIVES["ipo_window_open"])
    vc = comp[comp["series"] == "vc_invested"].set_index("year")
    # data: US VC invested (PitchBook), first year in the run's years is 2017 (84)
    assert list(vc.index) == [2017, 2018, 2019, 2020, 2021]
    assert vc.loc[2020, "data_factor"] == pytest.approx(166.6 / 84.0)
    factors = [(10.0 * 16 + r) / (10.0 * 13 + r) for r in range(3)]
    assert vc.loc[2020, "model_factor"] == pytest.approx(np.mean(factors))
    assert vc.loc[2020, "model_low"] <= vc.loc[2020, "model_factor"] <= vc.loc[2020, "model_high"]
    assert (vc["use"] == "held out").all()
    # a series with a single year in the run (MoneyTree's 2015) is left out
    assert "vc_invested_moneytree" not in set(comp["series"])
    acq = comp[comp["series"] == "acquisitions_vc_backed"].set_index("year")
    assert acq.loc[2013, "use"] == "calibration"
    assert not vc["input"].any()  # nothing passed as driven
    # the IPO window drives IPOs: those rows are marked as input-driven
    ipos = comp[comp["series"] == "ipos_vc_backed"]
    assert len(ipos) and ipos["input"].all()
    assert set(comp["series"]) >= {"vc_invested", "vc_deals"}
    # a model series that is 0 in the base year gives no factor, not an error
    assert acq["model_factor"].isna().all()


def test_comparison_leaves_out_the_burn_in_and_writes_markdown():
    comp = H.comparison(_table(years=range(2000, 2016)), "korea", first_year=2005)
    assert comp["year"].min() >= 2005
    text = H.markdown(comp)
    assert text.startswith("| series | year | use |") and "calibration" in text


def test_yearly_sums_flows_and_keeps_the_last_stock():
    ts = pd.DataFrame({"run_id": "a", "step": range(1, 10), "vc_independent": 1.0,
                       "vc_corporate": 1.0, "vc_government": 0.0, "founded": 1.0,
                       "ipos": 0.0, "acquisitions": 1.0, "rounds": 2.0,
                       "unicorns_to_date": range(9)})
    y = H.yearly(ts, 2000).set_index("year")
    assert list(y.index) == [2000, 2001]
    assert y.loc[2000, "vc_invested"] == 8.0 and y.loc[2001, "rounds"] == 8.0
    assert y.loc[2001, "unicorns_to_date"] == 7


def test_tiny_us_history_run_reports_beside_the_data(tmp_path):
    from abm.experiments.report import make_report
    from abm.experiments.runner import run_experiment

    spec = load_spec(shipped_spec_path("us_history"), replicates=2, steps=48,
                     overrides={"scale": 0.1})
    out = tmp_path / "uh"
    run_experiment(spec, out, workers=1)
    make_report(out, network=False, figures=False)
    text = (out / "report.md").read_text(encoding="utf-8")
    assert "## `us_history` beside the data layer (us)" in text
    assert (out / "tables" / "us_history_beside_data.csv").exists()
