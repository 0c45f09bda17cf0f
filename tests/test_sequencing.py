"""The reform_sequencing and japan_history experiments: specs parse, tiny runs report.
No test here asserts which order or regime does better."""

from __future__ import annotations

import re

import tomllib

import pandas as pd
import pytest

from abm.experiments.report import horizon_metrics, make_report, yearly_table
from abm.experiments.runner import run_experiment
from abm.experiments.spec import SpecError, load_spec, parse_spec, shipped_spec_path, williams_orders


def test_williams_square_balances_positions_and_neighbours():
    items = ["a", "b", "c", "d", "e", "f"]
    rows = williams_orders(items)
    assert len(rows) == 6
    for pos in range(6):
        assert sorted(r[pos] for r in rows) == items
    pairs = [(r[i], r[i + 1]) for r in rows for i in range(5)]
    assert len(set(pairs)) == len(pairs) == 30  # every ordered pair adjacent exactly once
    odd = williams_orders(["a", "b", "c"])
    assert len(odd) == 6 and all(sorted(r) == ["a", "b", "c"] for r in odd)


def test_shipped_reform_sequencing_spec_parses():
    spec = load_spec(shipped_spec_path("reform_sequencing"))
    seq = spec.sequence
    assert spec.kind == "reform_sequencing" and seq["base"] == "japan"
    orders = [sc for sc in spec.scenarios if sc.order]
    assert len(orders) == 6
    for sc in orders:
        years = [sc.dated_swaps[c][1] for c in sc.order]
        assert years == [seq["first_year"] + 2 * k for k in range(6)]
        assert all(v[0] == "silicon_valley" for v in sc.dated_swaps.values())
    assert len(spec.scenarios) == 1 + 6 + 6 + 15 + 1
    # dated swaps reach the runs and their fingerprints
    run = next(r for r in spec.runs() if r.dated_swaps)
    assert "dated_swaps" in run.key()
    plain = next(r for r in spec.runs() if not r.dated_swaps)
    assert "dated_swaps" not in plain.key()


def _raw(name: str) -> dict:
    return tomllib.loads(shipped_spec_path(name).read_text(encoding="utf-8"))


def test_sequence_table_errors_name_the_key():
    raw = _raw("reform_sequencing")
    raw["sequence"]["components"] = ["finance", "lab"]
    with pytest.raises(SpecError, match="unknown component"):
        parse_spec(raw)
    raw = _raw("reform_sequencing")
    raw["sequence"]["first_year"] = 2100
    with pytest.raises(SpecError, match="first_year"):
        parse_spec(raw)
    raw = _raw("reform_sequencing")
    del raw["sequence"]
    with pytest.raises(SpecError, match="sequence"):
        parse_spec(raw)


def test_tiny_reform_sequencing_run_reports(tmp_path):
    raw = _raw("reform_sequencing")
    raw["sequence"].update(components=["finance", "labor", "norms"], first_year=2025,
                           interval_years=1, horizons_years=[1, 2])
    raw["experiment"].update(replicates=2, steps=8)
    raw["overrides"]["scale"] = 0.2
    spec = parse_spec(raw, path=shipped_spec_path("reform_sequencing"))
    out = tmp_path / "rs"
    run_experiment(spec, out, workers=1)
    make_report(out, network=False, figures=False)
    text = (out / "report.md").read_text(encoding="utf-8")
    assert "## Reform sequencing" in text and "Complementarities over time" in text
    orders = pd.read_csv(out / "tables" / "sequencing_orders.csv")
    assert set(orders["horizon_years"]) == {1.0, 2.0}
    inter = pd.read_csv(out / "tables" / "sequencing_interactions.csv")
    assert {"interaction", "interaction_change"} <= set(inter["effect"])


def test_horizon_metrics_on_a_hand_built_series():
    steps = list(range(1, 13))
    ts = pd.DataFrame({"run_id": "r", "step": steps,
                       "real_output": [100.0] * 4 + [110.0] * 4 + [121.0] * 4,
                       "innovation_startups": 1.0, "innovation_incumbents": 2.0,
                       "innovation_partnerships": 0.0, "founded": 4.0})
    hm = horizon_metrics(ts, [8, 12], offset=4).set_index("horizon_step")
    # output: year before the first reform (steps 1-4) -> years ending at 8 and 12
    assert hm.loc[8, "output_growth"] == pytest.approx(100 * __import__("math").log(1.1))
    assert hm.loc[12, "output_growth"] == pytest.approx(100 * __import__("math").log(1.1))
    assert hm.loc[12, "innovation"] == pytest.approx(12.0)  # 3 a quarter
    assert hm.loc[8, "founded"] == pytest.approx(16.0)


def test_yearly_table_maps_steps_to_calendar_years():
    ts = pd.DataFrame({"run_id": "r", "step": range(1, 10), "vc_independent": 1.0,
                       "vc_corporate": 0.5, "vc_government": 0.5, "founded": 1.0,
                       "ipos": 0.0, "acquisitions": 0.0, "unicorns_to_date": range(9),
                       "maturity_norms": 0.4})
    y = yearly_table(ts, 2000).set_index("year")
    assert list(y.index) == [2000, 2001]  # 2002 has one quarter only: left out
    assert y.loc[2000, "vc_invested"] == 8.0 and y.loc[2001, "unicorns_to_date"] == 7


def test_tiny_japan_history_run_reports(tmp_path):
    spec = load_spec(shipped_spec_path("japan_history"), replicates=2, steps=56,
                     overrides={"scale": 0.2})
    out = tmp_path / "jh"
    run_experiment(spec, out, workers=1)
    make_report(out, network=False, figures=False)
    text = (out / "report.md").read_text(encoding="utf-8")
    assert "## Japan 2000-2025" in text
    assert re.search(r"^\| 2012 +\|", text, re.M) and re.search(r"^\| 2013 +\|", text, re.M)
    assert "Beside the public figures" in text
