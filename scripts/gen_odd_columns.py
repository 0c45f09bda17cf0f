#!/usr/bin/env python
"""Write the column tables of docs/ODD.md (section 2) from their declarations in the code.

Founders, startups and incumbents are column-table agents: their state is the columns of
``model.fo``, ``model.st`` and ``model.inc``, declared once beside their agent classes
(``abm.agents.Founder.COLUMNS``, ``Startup.COLUMNS``, ``Incumbent.COLUMNS``, ``VCFund.FIXED_COLUMNS``) with dtype,
default, unit and meaning. This script renders each declaration as a Markdown table between
the markers ``<!-- BEGIN GENERATED COLUMNS: <key> -->`` and ``<!-- END GENERATED COLUMNS -->``
in docs/ODD.md, leaving the rest of the file alone. Usage::

    python scripts/gen_odd_columns.py            # rewrite the generated blocks
    python scripts/gen_odd_columns.py --check    # exit 1 if a block differs from the code

tests/test_columns.py fails when a block and the code differ.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run from a checkout without installing
    sys.path.insert(0, str(ROOT))

from abm.agents import Founder, Incumbent, Startup, VCFund  # noqa: E402

ODD = ROOT / "docs" / "ODD.md"
TABLES = {
    "founder": (Founder.COLUMNS, "model.fo"),
    "startup": (Startup.COLUMNS, "model.st"),
    "incumbent": (Incumbent.COLUMNS, "model.inc"),
    "fund": (VCFund.FIXED_COLUMNS, "model.fund_table"),
}
"""Generated block key -> (declared columns, the table they make)."""

_BLOCK = re.compile(
    r"(<!-- BEGIN GENERATED COLUMNS: (\w+) -->\n)(.*?)(<!-- END GENERATED COLUMNS -->)", re.S)


def _default(value) -> str:
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def render(key: str) -> str:
    """The Markdown table (with its source line) for the block ``key``."""
    columns, table = TABLES[key]
    owner = {"founder": "Founder.COLUMNS", "startup": "Startup.COLUMNS", "incumbent": "Incumbent.COLUMNS",
             "fund": "VCFund.FIXED_COLUMNS"}[key]
    lines = [f"<!-- generated from `abm.agents.{owner}` by scripts/gen_odd_columns.py; "
             "do not edit -->",
             "",
             "| column | dtype | default | unit | meaning |",
             "|---|---|---|---|---|"]
    for c in columns:
        meaning = " ".join(c.meaning.split()).replace("|", "\\|")
        lines.append(f"| `{c.name}` | {np.dtype(c.dtype).name} | {_default(c.default)} | "
                     f"{c.unit or '–'} | {meaning} |")
    return "\n".join(lines) + "\n"


def generate(text: str) -> str:
    """``text`` (docs/ODD.md) with every generated block rewritten from the code.

    Raises:
        ValueError: a block names an unknown table, or a table has no block.
    """
    seen = set()

    def fill(m: re.Match) -> str:
        key = m.group(2)
        if key not in TABLES:
            raise ValueError(f"unknown generated column block {key!r}; known: {sorted(TABLES)}")
        seen.add(key)
        return m.group(1) + render(key) + m.group(4)

    out = _BLOCK.sub(fill, text)
    missing = set(TABLES) - seen
    if missing:
        raise ValueError(f"docs/ODD.md has no generated block for {sorted(missing)}")
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true",
                    help="exit 1 if a generated block is out of date; write nothing")
    ap.add_argument("--odd", type=Path, default=ODD, help="the ODD file to rewrite or check")
    args = ap.parse_args(argv)
    current = args.odd.read_text(encoding="utf-8")
    text = generate(current)
    if args.check:
        if current != text:
            print(f"{args.odd}: generated column tables are out of date: run "
                  "`python scripts/gen_odd_columns.py`", file=sys.stderr)
            return 1
        print(f"{args.odd}: column tables are up to date")
        return 0
    if text != current:
        with open(args.odd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
        print(f"wrote {args.odd}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
