"""Baseline regression test: a few small runs must reproduce their stored summaries.

``tests/baseline.json`` holds the summary of each run listed in ``scripts/update_baseline.py``
(one per preset). The model is deterministic for a seed; every metric is compared to 1e-9
relative (numpy's last bits depend on the CPU's SIMD set, see the script), the ledger's
rounding residual to 1e-6 M; a failure names each key that changed. A change meant to move
results updates the baseline with ``python scripts/update_baseline.py`` (and says why in its
commit).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("update_baseline",
                                               ROOT / "scripts" / "update_baseline.py")
update_baseline = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(update_baseline)

STORED = update_baseline.load()


def test_baseline_lists_the_scripts_runs():
    stored = [{k: v for k, v in run.items() if k != "summary"} for run in STORED["runs"]]
    assert stored == list(update_baseline.RUNS), (
        f"tests/baseline.json was not written for the runs of scripts/update_baseline.py; "
        f"run `{update_baseline.UPDATE}`")


@pytest.mark.parametrize("stored", STORED["runs"], ids=update_baseline.label)
def test_summary_matches_the_baseline(stored):
    now = update_baseline.summarise(stored)
    changes = update_baseline.differences(stored["summary"], now)
    assert not changes, (
        f"the summary of {update_baseline.label(stored)} differs from tests/baseline.json in "
        f"{len(changes)} keys:\n  " + "\n  ".join(changes)
        + f"\nIf the change is intended, run `{update_baseline.UPDATE}` and commit "
        "tests/baseline.json with a message that says why the results moved.")


def test_differences_name_changed_new_and_removed_keys():
    lines = update_baseline.differences({"a": 1.0, "b": 2.0, "c": 3.0},
                                        {"a": 1.0, "b": 2.00000001, "d": 4.0})
    assert lines == ["b: 2.0 -> 2.00000001", "c: removed (was 3.0)", "d: new (4.0)"]
    assert update_baseline.differences({"x": float("nan")}, {"x": float("nan")}) == []
    assert update_baseline.differences({"x": float("nan")}, {"x": 0.0}) == ["x: nan -> 0.0"]


def test_differences_ignore_last_bits_not_changes():
    # what another CPU's numpy gave for the silicon_valley baseline run (last bits only)
    assert update_baseline.differences({"firm_size_tail_exponent": 0.9781237933019584},
                                       {"firm_size_tail_exponent": 0.9781237933019589}) == []
    assert update_baseline.differences({"g": -0.001731123668539113},
                                       {"g": -0.0017311236685391101}) == []
    # a change a mechanism could make, however small in absolute terms, is named
    assert update_baseline.differences({"g": 0.0017311236}, {"g": 0.0017311237}) != []
    assert update_baseline.differences({"n": 0.0}, {"n": 1e-300}) != []
    # the ledger's rounding residual moves by its own size: compared by 1e-6 M absolute
    assert update_baseline.differences({"money_balance_error": 1.3387762010097504e-09},
                                       {"money_balance_error": 1.2223608791828156e-09}) == []
    assert update_baseline.differences({"money_balance_error": 1e-9},
                                       {"money_balance_error": 1e-3}) != []
