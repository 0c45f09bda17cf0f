#!/usr/bin/env python
"""Regenerate ``tests/baseline.json``, the stored summaries the baseline regression test compares.

``tests/test_baseline.py`` reruns every run recorded in the baseline and requires every summary
metric to equal the stored value exactly (the model is deterministic for a seed, and the runs
are small: a few seconds in all). When a change to the model is *meant* to move results, run::

    python scripts/update_baseline.py            # rerun, print what changed, rewrite the file
    python scripts/update_baseline.py --check    # exit 1 (and print the changes) if out of date

and commit ``tests/baseline.json`` with a message that says why the numbers moved. The baseline
changes only through this script (the model of starsim's ``tests/update_baseline.py``).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run from a checkout without installing
    sys.path.insert(0, str(ROOT))

from abm import EcosystemModel  # noqa: E402

BASELINE = ROOT / "tests" / "baseline.json"

RUNS: tuple[dict[str, Any], ...] = (
    {"preset": "silicon_valley", "seed": 11, "scale": 0.3, "steps": 100},
    {"preset": "japan", "seed": 12, "scale": 0.3, "steps": 100},
    {"preset": "korea", "seed": 13, "scale": 0.3, "steps": 100},
    {"preset": "japan_2027_plan", "seed": 14, "scale": 0.3, "steps": 100},
)
"""The baseline runs: one per preset, small (``scale`` 0.3) but past the burn-in."""

UPDATE = "python scripts/update_baseline.py"
"""The command that rewrites the baseline (named in the test's failure message)."""


def label(run: dict[str, Any]) -> str:
    """``preset seed=.. scale=.. steps=..`` for messages."""
    return (f"{run['preset']} seed={run['seed']} scale={run['scale']} steps={run['steps']}")


def summarise(run: dict[str, Any]) -> dict[str, float]:
    """The summary of one baseline run (``preset``, ``seed``, ``scale``, ``steps``)."""
    model = EcosystemModel(preset=run["preset"], seed=run["seed"], scale=run["scale"])
    model.run(run["steps"])
    return model.summary()


def differences(stored: dict[str, float], now: dict[str, float]) -> list[str]:
    """One line per key that changed, appeared or disappeared (empty when equal)."""
    lines = []
    for key in sorted(set(stored) | set(now)):
        if key not in now:
            lines.append(f"{key}: removed (was {stored[key]!r})")
        elif key not in stored:
            lines.append(f"{key}: new ({now[key]!r})")
        elif not _same(stored[key], now[key]):
            lines.append(f"{key}: {stored[key]!r} -> {now[key]!r}")
    return lines


def _same(a: float, b: float) -> bool:
    """Exactly equal (NaN equals NaN)."""
    return a == b or (a != a and b != b)


def generate() -> dict[str, Any]:
    """The baseline as written to ``tests/baseline.json``."""
    return {
        "about": ("Summaries of the baseline runs, compared exactly by tests/test_baseline.py. "
                  f"Change only with `{UPDATE}`."),
        "runs": [{**run, "summary": summarise(run)} for run in RUNS],
    }


def load() -> dict[str, Any]:
    return json.loads(BASELINE.read_text(encoding="utf-8"))


def dumps(baseline: dict[str, Any]) -> str:
    return json.dumps(baseline, indent=1, sort_keys=True) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="do not write; exit 1 if the stored baseline is out of date")
    args = parser.parse_args(argv)
    new = generate()
    old = load() if BASELINE.exists() else {"runs": []}
    old_runs = {label(r): r["summary"] for r in old["runs"]}
    changed = False
    for run in new["runs"]:
        name = label(run)
        if name not in old_runs:
            print(f"{name}: new run")
            changed = True
            continue
        lines = differences(old_runs.pop(name), run["summary"])
        changed |= bool(lines)
        print(f"{name}: " + (f"{len(lines)} keys changed" if lines else "unchanged"))
        for line in lines:
            print(f"  {line}")
    for name in old_runs:
        print(f"{name}: removed run")
        changed = True
    if args.check:
        return 1 if changed or (BASELINE.exists() and BASELINE.read_text() != dumps(new)) else 0
    BASELINE.write_text(dumps(new), encoding="utf-8")
    print(f"wrote {BASELINE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
