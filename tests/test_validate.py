"""``abm validate``: facts data, the table, and failure on a deliberately broken preset."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from abm.experiments.stats import mean_ci
from abm.experiments.validate import (CALIBRATION_SEED, EVIDENCE, VALIDATION_SEED, Fact, FactError,
                                  evaluate,
                                  load_facts, table_markdown, validation_runs)

ABM = shutil.which("abm") or f"{sys.executable} -m abmcli"
ROOT = Path(__file__).resolve().parent.parent


def test_facts_load_with_sources_and_use():
    facts = load_facts()
    ids = [f.id for f in facts]
    assert len(ids) == len(set(ids))
    assert {f.use for f in facts} <= set(EVIDENCE)
    assert {"calibration", "held_out", "identity", "used_for_constants"} <= {f.use for f in facts}
    assert all(f.source and f.low <= f.high for f in facts)
    # the eleven shared calibration targets are all there
    assert {"exit_mix_us", "exit_mix_japan", "exit_mix_korea", "vc_intensity_us",
            "vc_intensity_japan", "vc_intensity_korea", "cvc_us", "cvc_japan", "cvc_korea",
            "gov_vc_korea", "gov_vc_us"} <= set(ids)


def test_bad_fact_file_is_reported(tmp_path):
    bad = tmp_path / "facts.toml"
    bad.write_text('[[fact]]\nid="x"\nkey="no_such_metric"\npreset="japan"\nlow=0\nhigh=1\n'
                   'use="held_out"\nsource="s"\n')
    with pytest.raises(FactError, match="unknown metric 'no_such_metric'"):
        load_facts(bad)


def test_validation_and_calibration_seeds_differ():
    v = {r.seed for r in validation_runs(["japan"], 20, 10)}
    c = {r.seed for r in validation_runs(["japan"], 20, 10, master_seed=CALIBRATION_SEED)}
    assert VALIDATION_SEED != CALIBRATION_SEED and not v & c


def test_evaluate_and_table():
    fact = Fact("f", "ma_share_of_exits", "japan", 0.15, 0.35, "calibration", "src")
    runs = pd.DataFrame({"preset": ["japan"] * 3, "ma_share_of_exits": [0.2, 0.3, 0.25]})
    (row,) = evaluate([fact], runs)
    assert row["holds"] and row["mean"] == pytest.approx(0.25)
    ci = mean_ci([0.2, 0.3, 0.25])
    assert ci["ci_low"] < ci["mean"] < ci["ci_high"]
    assert (row["lo"], row["hi"], row["n"]) == (ci["ci_low"], ci["ci_high"], 3)
    md = table_markdown([row])
    assert "| f | japan | ma_share_of_exits | calibration | [0.15, 0.35] |" in md
    assert "| yes |" in md
    runs["ma_share_of_exits"] = [0.8, 0.9, 0.85]
    (row,) = evaluate([fact], runs)
    assert not row["holds"]


@pytest.mark.slow
def test_broken_preset_fails_on_the_right_fact(tmp_path):
    """Japan with an M&A market like Silicon Valley's breaks the Japanese exit-mix fact; the
    same fact for Korea (preset untouched) still holds."""
    cmd = (ABM.split() + ["validate", "--seeds", "3", "--steps", "100", "--workers", "2",
                          "--only", "exit_mix_japan", "--only", "exit_mix_korea",
                          "--set", "japan:acquisition_appetite=1.0",
                          "--set", "japan:ma_market_depth=3.0", "--out", str(tmp_path)])
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 1, proc.stderr
    table = (tmp_path / "validation.md").read_text()
    row = next(line for line in table.splitlines() if line.startswith("| exit_mix_japan"))
    assert "**no**" in row
    row = next(line for line in table.splitlines() if line.startswith("| exit_mix_korea"))
    assert "| yes |" in row
    assert proc.stderr.splitlines()[-1] == "1 fact(s) do not hold: exit_mix_japan"


def test_calibration_targets_must_lie_in_the_range(tmp_path):
    bad = tmp_path / "facts.toml"
    bad.write_text('[[fact]]\nid="x"\nkey="cvc_deal_share"\npreset="japan"\nlow=0.2\n'
                   'high=0.3\ntarget=0.5\nuse="calibration"\nsource="s"\n')
    with pytest.raises(FactError, match="outside"):
        load_facts(bad)


@pytest.mark.slow
def test_validate_bad_input_exits_2():
    for args in (["--seeds", "0"], ["--only", "no_such_fact"], ["--set", "japan:nope=1"],
                 ["--set", "japan-acquisition_appetite=1"], ["--set", "mars:scale=1"]):
        proc = subprocess.run(ABM.split() + ["validate", *args], capture_output=True,
                              text=True, timeout=120)
        assert proc.returncode == 2, (args, proc.stderr)
        assert "Traceback" not in proc.stderr
        assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr


def test_table_and_counts_carry_the_kind_of_evidence():
    from abm.experiments.validate import counts_by_kind

    facts = [Fact(id=f"f{i}", key="ma_share_of_exits", preset="japan", low=0.0, high=1.0,
                  use=use, source="s", note="n" if use == "identity" else "")
             for i, use in enumerate(EVIDENCE)]
    runs = pd.DataFrame({"preset": ["japan"] * 2, "ma_share_of_exits": [0.2, 0.3]})
    rows = evaluate(facts, runs)
    md = table_markdown(rows)
    for label in EVIDENCE.values():
        assert f"| {label} |" in md
    assert "s (n)" in md  # the note goes beside the source
    assert counts_by_kind(rows) == ("1 of 1 calibration fact, 1 of 1 held-out fact, 1 of 1 "
                                    "identity fact, 1 of 1 used-for-constants fact")


def test_an_unknown_kind_of_evidence_is_refused(tmp_path):
    p = tmp_path / "f.toml"
    p.write_text('[[fact]]\nid="a"\nkey="ma_share_of_exits"\npreset="japan"\nlow=0\n'
                 'high=1\nuse="tuned"\nsource="s"\n')
    with pytest.raises(FactError, match="use must be one of 'calibration', 'held_out'"):
        load_facts(p)


# -- outcome levels (issue 29 item 3) ---------------------------------------------------------

LEVEL_FACTS = ("productivity_growth_us", "productivity_growth_japan", "productivity_growth_korea",
               "productivity_growth_us_history", "productivity_growth_japan_history",
               "productivity_growth_korea_history",
               "unicorn_density_us", "unicorn_density_japan", "unicorn_density_korea",
               "venture_survival_us", "venture_survival_korea", "venture_survival_japan",
               "growth_from_entrants_us", "growth_from_entrants_korea", "displacement_us",
               "firm_survival_korea")

S_AND_P = 500
"""Companies in the S&P 500: a count of removals over it is a rate per company per year."""


def _incumbent_years(preset: str) -> float:
    """Incumbent-years of a validation run (the displacement fact's mapping): the preset's
    incumbents at the start (scale 1) times the years after the burn-in at the validation's
    default length (graduated startups, which add incumbents, are not counted: the facts file
    says so)."""
    import inspect

    from abm import constants as C
    from abm.experiments.validate import validate
    from abm.params import SPECS
    from abm.presets import preset_values

    steps = inspect.signature(validate).parameters["steps"].default
    n = preset_values(preset).get("n_incumbents", SPECS["n_incumbents"].default)
    return n * (steps - C.BURN_IN) / C.STEPS_PER_YEAR


def _level_facts():
    facts = {f.id: f for f in load_facts()}
    return [facts[i] for i in LEVEL_FACTS]


def test_level_facts_are_held_out_and_name_their_data_series():
    from abm.data_layer import series
    from abm.metrics import EXTRA_KEYS, SUMMARY_KEYS

    for f in _level_facts():
        assert f.use == "held_out", f.id  # never targets: they leave the exit code alone
        assert f.key in SUMMARY_KEYS + EXTRA_KEYS and f.series, f.id
        for ref in f.series:
            assert ref.split(".")[0] in {"us", "japan", "korea"}
            assert series(ref).points  # the series exists and has values
        country = {"silicon_valley": "us", "japan": "japan", "korea": "korea",
                   "us_history": "us", "japan_history": "japan",
                   "korea_history": "korea"}[f.preset]
        assert all(ref.startswith(country + ".") for ref in f.series), f.id
        if f.key == "unicorns_private_per_trn":  # counts over the country's GDP in the layer
            assert f.per == f"{country}.gdp_usd" and series(f.per).unit == "USD bn", f.id
    # the calibration never reads them
    assert not {f.id for f in load_facts() if f.use == "calibration"} & set(LEVEL_FACTS)


def _covers(period, first=2000, last=2025):
    lo, hi = period
    return hi >= first and lo <= last


def test_level_ranges_span_the_data_layer_values():
    """Each range spans the values of its data-layer series it says it is read from (so an
    edit of the data layer that moves a value out of a range fails here)."""
    from abm.data_layer import series

    for f in _level_facts():
        vals = []
        for ref in f.series:
            s = series(ref)
            for p in s.points:
                if f.key == "productivity_growth":  # period averages over 2000-2025, percent
                    if p.period and _covers(p.period):
                        vals.append(p.value / 100.0)
                elif f.key == "unicorns_private_per_trn":  # held-out years over GDP
                    if p.year is not None and p.year > 2015:
                        gdp = series(f.per).yearly()  # USD bn, the year's own
                        vals.append(p.value / (gdp[p.year] / 1000.0))
                elif f.key == "incumbents_displaced":  # a rate per firm-year, 2000-2025
                    if p.year is None or not 2000 <= p.year <= 2025:
                        continue
                    rate = 1.0 / p.value if s.unit == "years" else p.value / S_AND_P
                    vals.append(rate * _incumbent_years(f.preset))
                else:
                    vals.append(p.value)
        assert vals, f.id
        assert f.low - 1e-12 <= min(vals) and max(vals) <= f.high + 1e-12, \
            (f.id, vals, f.low, f.high)


def test_a_fact_naming_an_unknown_series_is_refused(tmp_path):
    p = tmp_path / "f.toml"
    body = ('[[fact]]\nid="a"\nkey="productivity_growth"\npreset="japan"\nlow=0\nhigh=1\n'
            'use="held_out"\nsource="s"\n')
    p.write_text(body + 'series=["japan.no_such_series"]\n')
    with pytest.raises(FactError, match="japan has no series 'no_such_series'"):
        load_facts(p)
    p.write_text(body + 'series="japan.labour_productivity_growth"\n')
    with pytest.raises(FactError, match="series must be a list"):
        load_facts(p)


def test_per_names_one_data_series_beside_a_series_list(tmp_path):
    p = tmp_path / "f.toml"
    body = ('[[fact]]\nid="a"\nkey="unicorns_private_per_trn"\npreset="japan"\nlow=0\n'
            'high=1\nuse="held_out"\nsource="s"\n')
    p.write_text(body + 'series=["japan.unicorns_private"]\nper="japan.no_gdp"\n')
    with pytest.raises(FactError, match="japan has no series 'no_gdp'"):
        load_facts(p)
    p.write_text(body + 'per="japan.gdp_usd"\n')
    with pytest.raises(FactError, match="per must be one 'country.name' reference, beside"):
        load_facts(p)
    p.write_text(body + 'series=["japan.unicorns_private"]\nper="japan.gdp_usd"\n')
    (fact,) = load_facts(p)
    assert fact.per == "japan.gdp_usd"
    runs = pd.DataFrame({"preset": ["japan"] * 2, "unicorns_private_per_trn": [0.5, 0.7]})
    assert "data: `japan.unicorns_private` per `japan.gdp_usd` |" in \
        table_markdown(evaluate([fact], runs))


def test_the_displacement_mapping_is_a_thousand_incumbent_years():
    # 50 incumbents at scale 1 x (100 quarters - 20 of burn-in) / 4: the fact's range is the
    # data's rate per incumbent per year times this (experiments/stylized_facts.toml)
    assert _incumbent_years("silicon_valley") == pytest.approx(1000.0)


def test_the_table_names_a_facts_data_series():
    fact = Fact("f", "productivity_growth", "japan", 0.005, 0.015, "held_out", "src",
                series=("japan.labour_productivity_growth",))
    runs = pd.DataFrame({"preset": ["japan"] * 2, "productivity_growth": [0.017, 0.018]})
    (row,) = evaluate([fact], runs)
    assert not row["holds"]
    assert "src; data: `japan.labour_productivity_growth` |" in table_markdown([row])


def test_a_held_out_level_fact_that_fails_leaves_the_exit_code_alone_without_strict(tmp_path):
    """21 quarters are too short for any five-year cohort (survival_5y is 0, outside the
    range whatever the model does), so the fact fails; only --strict turns that into exit 1."""
    base = [sys.executable, "-m", "abmcli", "validate", "--seeds", "1", "--steps", "21",
            "--workers", "1", "--only", "venture_survival_korea", "--set", "korea:scale=0.1"]
    proc = subprocess.run(base, capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    assert "| venture_survival_korea | korea | survival_5y | held out |" in proc.stdout
    assert "**no**" in proc.stdout
    assert "warning: 1 held-out fact(s) do not hold: venture_survival_korea" in proc.stderr
    proc = subprocess.run(base + ["--strict"], capture_output=True, text=True, timeout=600,
                          cwd=ROOT)
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr.splitlines()[-1] == "1 fact(s) do not hold: venture_survival_korea"
