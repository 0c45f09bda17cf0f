"""Baseline regression test: a few small runs must reproduce their stored summaries exactly.

``tests/baseline.json`` holds the summary of each run listed in ``scripts/update_baseline.py``
(one per preset). The model is deterministic for a seed, so every metric is compared exactly;
a failure names each key that changed. A change meant to move results updates the baseline
with ``python scripts/update_baseline.py`` (and says why in its commit).
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
                                        {"a": 1.0, "b": 2.0000000000000004, "d": 4.0})
    assert lines == ["b: 2.0 -> 2.0000000000000004", "c: removed (was 3.0)", "d: new (4.0)"]
    assert update_baseline.differences({"x": float("nan")}, {"x": float("nan")}) == []
