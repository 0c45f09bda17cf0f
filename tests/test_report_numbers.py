"""Every number a shipped report prints, ``abm report`` prints again from the shipped folder.

Each folder of results/ keeps the small files of its experiment (runs.parquet, manifest.json,
the per-run values the report derived from the time series under tables/), not the time
series. Re-rendering a copy of it must print every number of its shipped report.md and
tables/*.tex and write every tables/*.csv again (tests/report_numbers.py says how they are
compared): the check that refactoring the report, or changing its layout, changed no number.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

import report_numbers as RN
from abm.experiments.report import make_report

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = sorted(p.parent.name for p in ROOT.glob("results/*/report.md")
                 if (p.parent / "runs.parquet").exists())
FAST = {"regime_comparison", "japan_history", "open_innovation_channels"}
"""Folders re-rendered in the fast subset (a few seconds each); the others are slow."""

SELF_SUSTAINING_SERIES = "self_sustaining_series.csv"
"""The per-run extract of the time series the self-sustaining table reads; folders written
before it existed cannot re-render the table's columns *after the stop* (they come back when
the folders are regenerated)."""


IGNORED = r"^Network|^\*After the stop\*|^\*Figure \d+\.|^\(Drawn from"
"""Prose lines whose numbers a re-rendering without figures and network re-runs does not
print (figure captions, the network's note) or that need the time-series extract."""


def _without_extract(problem: str) -> bool:
    """A difference that comes from a folder without :data:`SELF_SUSTAINING_SERIES`."""
    trends = ("holds is gone", "keeps rising is gone", "falls back is gone",
              "not resolved is gone")
    return ("self_sustaining" in problem and problem.startswith("tables/")) or \
        (problem.startswith("report.md: table row") and problem.endswith(trends))


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """A copy of results/ (small files only), each folder re-rendered on demand."""
    root = tmp_path_factory.mktemp("results")
    for name in SHIPPED:
        src, dst = ROOT / "results" / name, root / name
        dst.mkdir()
        for f in ("runs.parquet", "manifest.json", "failures.jsonl"):
            if (src / f).exists():
                shutil.copy2(src / f, dst / f)
        shutil.copytree(src / "tables", dst / "tables")
    done: set[str] = set()

    def get(name: str) -> Path:
        if name not in done:
            make_report(root / name, network=False, figures=False)
            done.add(name)
        return root / name
    return get


@pytest.mark.parametrize("name", [pytest.param(n, marks=() if n in FAST else pytest.mark.slow)
                                  for n in SHIPPED])
def test_shipped_report_numbers_unchanged(rendered, name):
    shipped = ROOT / "results" / name
    out = rendered(name)
    problems = RN.compare(shipped, out, ignore_prose=IGNORED)
    sibling = shipped.parent / "policy_withdrawal" / "tables" / SELF_SUSTAINING_SERIES
    if not sibling.exists():
        problems = [p for p in problems if not _without_extract(p)]
    assert not problems, "\n".join(problems[:20])


def test_the_comparison_finds_a_changed_number(tmp_path):
    """The check itself: one changed cell in a table, or one lost row, is reported."""
    src = ROOT / "results" / "regime_comparison"
    new = tmp_path / "new"
    shutil.copytree(src, new, ignore=shutil.ignore_patterns("figures", "*.parquet"))
    assert RN.compare(src, new) == []
    md = (new / "report.md").read_text(encoding="utf-8")
    row = next(line for line in md.splitlines() if line.startswith("| Active startups"))
    (new / "report.md").write_text(md.replace(row, row.replace("[", "[1", 1)), encoding="utf-8")
    tex = (new / "tables" / "summary.tex").read_text(encoding="utf-8")
    # a mean in the first data row with a decimal point: "& 0.825 [" on one line, or
    # "0.825\\{}[" when the writer stacks the interval under the mean
    m = re.search(r"(\d+\.\d+)(?= \[|\\\\\{\}\[)", tex)
    (new / "tables" / "summary.tex").write_text(tex[:m.end()] + "1" + tex[m.end():],
                                                encoding="utf-8")
    problems = RN.compare(src, new)
    assert any(p.startswith("report.md: table row Active startups") for p in problems)
    assert any(p.startswith("tables/summary.tex") for p in problems)
