"""Parameter values a user gives ([overrides], [grid], a scenario's overrides, --set) checked by
the pydantic models built from the parameter table (experiments/paramvalues.py), and the spec
messages that name the base's year, the whole list and the line (issue 27)."""

from __future__ import annotations

import math

import pytest

from abm.experiments.paramvalues import Grid, Overrides, check_value, check_values
from abm.experiments.spec import SpecError, load_spec
from abm.params import SPECS, ParameterError


@pytest.mark.parametrize("name", list(SPECS))
def test_valid_values_come_back_as_the_parameter_table_gives_them(name):
    s = SPECS[name]
    for v in (s.low, s.high, s.default):
        got, want = check_value(name, v), s.check(v)
        assert got == want and type(got) is type(want), (v, got, want)


@pytest.mark.parametrize("name", list(SPECS))
def test_bad_values_name_the_parameter_range_and_unit(name):
    s = SPECS[name]
    bad = [s.high + 1, math.nan, True, "1", [s.low]] + ([s.low + 0.5] if s.integer else [])
    for v in bad:
        with pytest.raises(ParameterError) as err:
            check_value(name, v)
        text = str(err.value)
        assert f"'{name}'" in text and f"({s.unit})" in text, text
        assert f"{s.low:g}" in text.replace(",", "") or str(int(s.low)) in text, text


def test_unknown_parameter_and_the_order_of_a_table():
    with pytest.raises(ParameterError, match="did you mean: job_mobility"):
        check_values({"job_mobilty": 0.1})
    assert list(check_values({"tech_transfer": 0.5, "job_mobility": 0.1})) == [
        "tech_transfer", "job_mobility"]
    assert set(Overrides.model_fields) == set(SPECS) == set(Grid.model_fields)


def test_grid_range_is_expanded_and_checked():
    g = Grid.model_validate({"job_mobility": {"low": 0, "high": 0.3, "n": 4}})
    assert g.job_mobility == [0.0, 0.1, 0.2, 0.3]
    assert Grid.model_validate({"n_incumbents": [10, 20.0]}).n_incumbents == [10, 20]


HEAD = """[experiment]
name = "t"
kind = "{kind}"
presets = {presets}
replicates = 1
master_seed = 5
steps = 40

"""
SEQ = HEAD.format(kind="reform_sequencing", presets="[]") + (
    '[sequence]\nbase = "japan"\ndonor = "silicon_valley"\ncomponents = ["finance", "labor"]\n')
SENS = HEAD.format(kind="sensitivity", presets='["japan"]')
COMP = HEAD.format(kind="comparison", presets='["japan"]')


@pytest.mark.parametrize("text,needles", [
    (SEQ + 'first_year = "2030"\n', ["spec.toml:13", "first_year", ">= 2025",
                                     "start_year of japan", "'2030'"]),
    (SEQ + "horizons_years = [5, -1]\n", ["spec.toml:13", "got [5, -1]", "element 2: -1"]),
    (SENS + "[sample.bounds]\njob_mobility = [0, 0.3]\n", ["spec.toml:9", "[sample]",
                                                          "missing key 'parameters'"]),
    (SENS + '[sample]\nconstants = ["SCALE_UP"]\n', ["spec.toml:9", "[sample] parameters",
                                                    "at least two"]),
    (COMP + "[overrides]\njob_mobility = \"0.2\"\n", ["spec.toml:10", "remove the quotes",
                                                      "[0, 0.3]", "probability per quarter"]),
    (COMP + "[grid]\nn_incumbents = [10, 10.5]\n", ["spec.toml:10", "[grid] n_incumbents",
                                                    "whole number in [1, 1000]"]),
    (COMP + "[grid]\njob_mobility = {low = -1, high = 0.3, n = 3}\n",
     ["spec.toml:10", "= -1 is out of range", "[0, 0.3]"]),
    (COMP + "[grid]\njob_mobility = 0.1\n", ["spec.toml:10", "non-empty list", "got 0.1"]),
    (COMP + '[[scenario]]\nname = "a"\npreset = "japan"\noverrides = {jb = 0.1}\n',
     ["spec.toml:12", "scenario 1", "unknown parameter 'jb'", "see `abm params`"]),
])
def test_spec_messages_name_line_range_and_value(tmp_path, text, needles):
    path = tmp_path / "spec.toml"
    path.write_text(text)
    with pytest.raises(SpecError) as err:
        load_spec(path)
    for needle in needles:
        assert needle in str(err.value), (needle, str(err.value))
