"""The country data layer (abm/data_layer.py, abm/data/countries/*.toml; issue 29 item 1):
the shipped files load and keep the format's rules, and a broken file is refused with an
error naming what is wrong."""

from __future__ import annotations

import copy
import tomllib
from pathlib import Path

import pytest

from abm import data_layer as D
from abm.params import SPECS

ROOT = Path(__file__).resolve().parent.parent
FILES = {c: ROOT / "abm" / "data" / "countries" / f"{c}.toml" for c in D.COUNTRIES}


def _good() -> dict:
    return {"country": "us", "name": "United States", "currency": "USD",
            "series": {"vc": {"title": "VC invested", "unit": "USD bn", "definition": "d",
                              "status": "source", "source": "S",
                              "points": [{"year": 2001, "value": 36.5},
                                         {"year": 2020, "value": 166.6}]}}}


@pytest.mark.parametrize("country", D.COUNTRIES)
def test_shipped_files_load_with_sources_units_and_years(country):
    data = D.load(country)
    assert data.country == country and data.series
    assert D.load_file(FILES[country]).series.keys() == data.series.keys()
    for s in data.series.values():
        assert s.unit in D.UNITS and s.definition and s.title
        for p in s.points:
            assert p.source.strip() and p.status in D.STATUSES
            if p.year is not None:
                assert D.YEARS[0] <= p.year <= D.YEARS[1]
        if s.unit == "share":
            assert all(0.0 <= p.value <= 1.0 for p in s.points)


def test_every_country_has_the_core_series_or_says_they_are_missing():
    # the list: VC invested, IPOs, unicorns, entry, exit, survival, productivity,
    # business R&D, growth by firm age; a series not found must be named under [missing]
    core = ("vc_invested", "ipos", "unicorns", "firm_entry_rate", "firm_exit_rate",
            "firm_survival_5y", "productivity_growth", "growth_from_entrants_share")
    for country in D.COUNTRIES:
        data = D.load(country)
        models = {s.model for s in data.series.values()}
        for metric in core:
            assert metric in models or any(metric.split("_")[0] in k for k in data.missing), \
                (country, metric)
        assert any(n.startswith("business_rd") for n in data.series), country


def test_model_keys_name_real_metrics_or_nothing():
    from abm.metrics import summary_names
    from abm.model import SERIES

    # summary metrics, yearly series, and the two sums the history report forms
    # (vc_invested = the three vc_* series, vc_deals = rounds)
    known = set(summary_names()) | set(SERIES) | {"vc_invested", "vc_deals"}
    for country in D.COUNTRIES:
        for s in D.load(country).series.values():
            assert s.model == "" or s.model in known, (country, s.name, s.model)


def test_a_good_file_parses_and_reads_by_year():
    c = D.parse(_good())
    assert c.series["vc"].yearly() == {2001: 36.5, 2020: 166.6}
    assert c.series["vc"].points[0].held_out is False
    assert c.series["vc"].points[1].held_out is True


@pytest.mark.parametrize("change, message", [
    (lambda d: d["series"]["vc"].update(unit="dollars"), "unit must be one of"),
    (lambda d: d["series"]["vc"].update(unit="JPY bn"), "not in the country's currency"),
    (lambda d: d["series"]["vc"]["points"][0].update(year=1850), "year must be a whole number"),
    (lambda d: d["series"]["vc"]["points"][0].update(year="2001"), "year must be a whole number"),
    (lambda d: d["series"]["vc"].pop("source"), "no source"),
    (lambda d: d["series"]["vc"].update(status="guess"), "status must be one of"),
    (lambda d: d["series"]["vc"]["points"][0].update(value="36"), "finite number"),
    (lambda d: d["series"]["vc"]["points"][0].update(value=-3.0), "amount must be >= 0"),
    (lambda d: d["series"]["vc"]["points"][1].update(year=2001), "given twice"),
    (lambda d: d["series"]["vc"]["points"][0].pop("year"), "needs a 'year' or a 'period'"),
    (lambda d: d["series"]["vc"]["points"][0].update(period=[2010, 2005]), "not both"),
    (lambda d: d["series"]["vc"].pop("definition"), "'definition' must be a non-empty"),
    (lambda d: d["series"]["vc"].update(colour="red"), "unknown key"),
    (lambda d: d.update(country="france"), "'country' must be one of"),
    (lambda d: d["series"]["vc"].update(points=[]), "non-empty list"),
])
def test_a_broken_file_is_refused_with_a_clear_error(change, message):
    data = copy.deepcopy(_good())
    change(data)
    with pytest.raises(D.DataError, match=message):
        D.parse(data, "test.toml")


def test_usd_is_taken_in_every_country_and_years_are_a_duration():
    # the World Bank's GDP in current US dollars is a series of Japan and Korea too
    d = copy.deepcopy(_good())
    d.update(country="japan", name="Japan", currency="JPY")
    d["series"]["vc"]["unit"] = "USD bn"
    assert D.parse(d).series["vc"].unit == "USD bn"
    d["series"]["vc"]["unit"] = "KRW trn"
    with pytest.raises(D.DataError, match="not in the country's currency JPY"):
        D.parse(d)
    d["series"]["vc"].update(unit="years", points=[{"year": 2016, "value": -24.0}])
    with pytest.raises(D.DataError, match="amount must be >= 0"):
        D.parse(d)


@pytest.mark.parametrize("country", D.COUNTRIES)
def test_every_country_has_its_gdp_in_usd_for_2000_2023(country):
    gdp = D.series(f"{country}.gdp_usd")
    assert gdp.unit == "USD bn" and set(range(2000, 2024)) <= set(gdp.yearly())
    assert all(v > 0 for v in gdp.yearly().values())


def test_share_and_count_ranges_and_periods():
    d = _good()
    d["series"]["s"] = {"title": "t", "unit": "share", "definition": "d", "source": "S",
                        "status": "period_average", "points": [{"period": [2000, 2009],
                                                                "value": 0.5}]}
    assert D.parse(d).series["s"].points[0].period == (2000, 2009)
    d["series"]["s"]["points"][0]["value"] = 15.0
    with pytest.raises(D.DataError, match="share must lie in"):
        D.parse(d)
    d["series"]["s"] = {"title": "t", "unit": "count", "definition": "d", "source": "S",
                        "status": "source", "points": [{"year": 2000, "value": 2.5}]}
    with pytest.raises(D.DataError, match="count must be a whole number"):
        D.parse(d)


def test_bad_toml_and_unknown_names(tmp_path):
    bad = tmp_path / "x.toml"
    bad.write_text("country = \n", encoding="utf-8")
    with pytest.raises(D.DataError, match="not valid TOML"):
        D.load_file(bad)
    with pytest.raises(D.DataError, match="unknown country"):
        D.load("france")
    with pytest.raises(D.DataError, match="has no series 'nope'; known:"):
        D.series("us.nope")
    with pytest.raises(D.DataError, match="'country.series'"):
        D.series("vc_invested")


def test_interpolation_and_index():
    vals = {2000: 100.0, 2010: 400.0}
    assert D.interpolate(vals, 2000) == 100.0
    assert D.interpolate(vals, 2005) == pytest.approx(200.0)  # log-linear: geometric mean
    assert D.interpolate(vals, 1990) == 100.0 and D.interpolate(vals, 2020) == 400.0
    assert D.interpolate({2000: 0.0, 2002: 2.0}, 2001) == pytest.approx(1.0)
    s = D.Series("x", "x", "index", "d", tuple(D.Point(v, "source", "S", year=y)
                                                for y, v in vals.items()))
    assert s.index(2010, (2000, 2000)) == pytest.approx(4.0)
    with pytest.raises(D.DataError):
        D.interpolate({}, 2000)


def _s(vals):
    return D.Series("x", "x", "index", "d", tuple(D.Point(v, "source", "S", year=y)
                                                   for y, v in vals.items()))


def test_splice_takes_the_earlier_sources_shape_at_this_sources_level():
    new = _s({2008: 50.0, 2015: 40.0, 2020: 80.0})
    old = _s({2000: 100.0, 2008: 25.0, 2009: 12.5, 2015: 20.0})
    # up to the earlier source's last year: its value times the ratio of the two (2 here)
    assert new.level(2000, old) == pytest.approx(200.0)
    assert new.level(2009, old) == pytest.approx(25.0)   # the dip only the old source sees
    assert new.level(2015, old) == pytest.approx(40.0)
    assert new.level(2020, old) == pytest.approx(80.0)   # after it: this source alone
    assert new.level(2009) == pytest.approx(D.interpolate({2008: 50.0, 2015: 40.0}, 2009))
    # no common year: this source's first value times the old source's growth
    assert _s({2010: 10.0, 2011: 11.0}).level(2000, _s({2000: 1.0, 2005: 4.0})) == \
        pytest.approx(2.5)


def test_files_hold_no_unknown_parameter_names_and_parse_as_toml():
    # the files are data, read by tomllib; a preset's dated_series names parameters (SPECS)
    for path in FILES.values():
        tomllib.loads(path.read_text(encoding="utf-8"))
    assert "lp_capital_per_year" in SPECS and "ipo_window_open" in SPECS


def test_held_out_years():
    assert not D.held_out(D.CALIBRATION_LAST_YEAR) and D.held_out(D.CALIBRATION_LAST_YEAR + 1)


def test_docs_data_md_lists_what_the_files_hold():
    text = (ROOT / "docs" / "data.md").read_text(encoding="utf-8")
    assert D.inventory_markdown() in text, (
        "docs/data.md is out of date: paste abm.data_layer.inventory_markdown() under "
        "'What is there'")


# -- series added for issue 29's outcome levels (yen/won GDP, venture-track survival, deals) --

@pytest.mark.parametrize("country,unit,low,high,rate", [
    ("japan", "JPY bn", 4.0e5, 7.0e5, (75.0, 160.0)),
    ("korea", "KRW trn", 500.0, 3000.0, (0.9, 1.5)),
])
def test_nominal_gdp_in_the_countrys_currency_is_plausible_against_the_dollar_series(
        country, unit, low, high, rate):
    # the unit of economy in yen and won over the history: at least ten years of 2000-2025,
    # each within bounds, and the implied exchange rate (local per USD, won in trn per USD bn
    # = thousands of won per dollar) within the range the currency kept over 2000-2025
    gdp = D.series(f"{country}.gdp_nominal")
    usd = D.series(f"{country}.gdp_usd").yearly()
    years = gdp.yearly()
    assert gdp.unit == unit and len([y for y in years if 2000 <= y <= 2025]) >= 10
    assert all(low <= v <= high for v in years.values()), years
    for y, v in years.items():
        if y in usd:
            assert rate[0] <= v / usd[y] <= rate[1], (country, y, v / usd[y])
    assert gdp.disagreement  # the vintages are named
    if country == "korea":  # the older base is kept apart, not spliced onto the current one
        old = D.series("korea.gdp_nominal_base2005").yearly()
        assert old and max(old) < min(years) and old[max(old)] < 0.85 * years[min(years)]


def test_venture_track_survival_series_say_what_they_count():
    # Korea's supported startups (a selected, funded population) survive better than all new
    # enterprises in the years both give; the US share of VC-backed companies that died is a
    # cumulative share over 1987-2008, not a five-year survival, and reads no model metric
    sup = D.series("korea.survival_5y_supported_startups")
    allf = D.series("korea.survival_5y").yearly()
    assert sup.model == "survival_5y" and sup.points
    both = [y for y in sup.yearly() if y in allf]
    assert both and all(sup.yearly()[y] > allf[y] for y in both)
    hw = D.series("us.vc_backed_failed_share")
    assert hw.model == "" and hw.points[0].period == (1987, 2008)
    assert 0.0 < hw.points[0].value < 1.0 and "five" in hw.definition
    for country in ("japan", "korea", "us"):
        missing = " ".join(D.load(country).missing.values()).lower()
        assert "vc-backed" in missing or "venture" in missing, country


def test_korea_deals_are_at_least_the_companies_financed_and_japan_has_startup_mna():
    deals = D.series("korea.vc_deals").yearly()
    firms = D.series("korea.vc_companies_financed").yearly()
    assert set(deals) == set(firms) and all(deals[y] >= firms[y] for y in deals)
    assert D.series("korea.vc_deals").model == "vc_deals"
    acq = D.series("japan.startup_acquisitions")
    assert acq.model == "acquisitions" and acq.yearly()[2021] == 143


@pytest.mark.parametrize("country", ["japan", "korea"])
def test_tfp_averages_are_periods_of_small_rates(country):
    tfp = D.series(f"{country}.tfp_growth")
    assert tfp.unit == "percent per year" and tfp.model == ""
    assert all(p.period and -2.0 <= p.value <= 5.0 for p in tfp.points)
