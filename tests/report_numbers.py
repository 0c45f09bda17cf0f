"""The numbers a report folder prints, and a comparison of two renderings of it.

Used by tests/test_report_numbers.py (a shipped results folder re-rendered by ``abm report``
prints every number its shipped report printed) and, by hand, to compare the reports of two
versions of the code on the same runs::

    python tests/report_numbers.py OLD_FOLDER NEW_FOLDER

Three kinds of numbers are compared:

* ``report.md``: every row of every Markdown table (as its tuple of cells; the header row
  excluded, since headings may be reworded) must reappear in the new report; and every number
  written in the prose (outside tables) must reappear at least as often in the new report;
* ``tables/*.csv``: every file must reappear with the same columns and rows, numbers equal to
  1e-9 (relative);
* ``tables/*.tex``: every cell of every data row must reappear beside the same row heading
  (its first cell), however the table is now split or laid out (in the same file or its
  appendix ``STEM_full.tex``; a label that became a group heading row counts as there).
"""

from __future__ import annotations

import math
import re
import sys
from collections import Counter
from pathlib import Path

import pandas as pd

NUMBER = re.compile(r"(?<![\w.])[-−]?\d[\d,]*(?:\.\d+)?(?:e[-+]?\d+)?%?")
"""A number as the reports print it (``1,234``, ``-0.5``, ``3.1e-05``, ``95%``)."""


def md_rows(text: str, ignore: str | None = None) -> tuple[set[tuple[str, ...]], Counter]:
    """Data rows of the Markdown tables (header and separator rows left out) and the numbers
    of every other line (but those matching the regular expression ``ignore``)."""
    rows: set[tuple[str, ...]] = set()
    prose: Counter = Counter()
    lines = text.splitlines()
    for i, line in enumerate(lines):
        s = line.strip()
        if s.startswith("|") and s.endswith("|"):
            nxt = lines[i + 1].strip() if i + 1 < len(lines) else ""
            if re.fullmatch(r"\|(\s*:?-+:?\s*\|)+", s) or re.fullmatch(r"\|(\s*:?-+:?\s*\|)+",
                                                                         nxt):
                continue  # a separator, or the header above one
            rows.add(tuple(c.strip() for c in s.strip("|").split("|")))
        elif not s.startswith("![") and not (ignore and re.search(ignore, s)):
            prose.update(NUMBER.findall(s))
    return rows, prose


_TEX_CELL = [(r"\textbackslash{}", "\\"), (r"\textbackslash ", "\\"), (r"$\leftarrow$", "<-"),
             ("$<$", "<"), ("$>$", ">"), (r"$\geq$", "≥"), (r"$\leq$", "≤"), (r"$\cdot$", "·"),
             (r"$\pm$", "±"), (r"$\times$", "×"), ("$-$", "−"), (r"$\approx$", "≈"),
             (r"\textdagger{}", "†"), (r"\textasciitilde{}", "~"), (r"\textasciitilde ", "~"),
             (r"\textasciicircum{}", "^"), (r"\textasciicircum ", "^"), ("---", "—"),
             ("--", "–"), (r"\textbar{}", "|")]


def tex_cell(cell: str) -> str:
    """A LaTeX cell back to plain text (the escapes of the report's writers undone, wrapping
    boxes, stacked lines and font commands dropped)."""
    c = cell.strip()
    m = re.fullmatch(r"\\parbox\[t\]\{[^}]*\}\{\\raggedright\\strut (.*)\\strut\}", c)
    if m:
        c = m.group(1).strip()
    m = re.fullmatch(r"\\begin\{tabular\}\[[tb]\]\{@\{\}[lrc]@\{\}\}(.*)\\end\{tabular\}", c)
    if m:  # a cell set on several lines
        c = " ".join(part.strip() for part in re.split(r"\\\\(?:\{\})?", m.group(1)))
    c = c.replace(r"\allowbreak{}", "")
    c = re.sub(r"^\\multicolumn\{\d+\}\{(?:[^{}]|\{[^{}]*\})*\}\{(.*)\}$", r"\1", c)
    c = re.sub(r"\\(?:textbf|emph|textit)\{(.*)\}", r"\1", c)
    for a, b in _TEX_CELL:
        c = c.replace(a, b)
    c = re.sub(r"\\([&%$#_{}])", r"\1", c)
    if c.startswith("{}["):
        c = c[2:]
    return c.strip()


def tex_table(text: str) -> tuple[set[tuple[str, str]], set[str]]:
    """``(row heading, cell)`` of every data row of every table in a LaTeX file (tabular or
    longtable; head rows left out), and the text of its group heading rows."""
    pairs, groups = set(), set()
    prev = ""
    for line in text.splitlines():
        line = line.strip()
        head = prev == r"\toprule"
        prev = line or prev
        if head or not line.endswith(r"\\") or line.startswith(("\\caption", "\\midrule")):
            continue
        if line.startswith("\\multicolumn") and "&" not in line.replace(r"\&", ""):
            groups.add(tex_cell(line[:-2]))
            continue
        cells = [tex_cell(c) for c in re.split(r"(?<!\\)&", line[:-2])]
        if len(cells) >= 2:
            pairs.update((cells[0], c) for c in cells[1:])
    return pairs, groups


def _csv_equal(a: pd.DataFrame, b: pd.DataFrame) -> str | None:
    if list(a.columns) != list(b.columns):
        return f"columns {list(a.columns)} != {list(b.columns)}"
    if len(a) != len(b):
        return f"{len(a)} rows != {len(b)}"
    for c in a.columns:
        x, y = a[c], b[c]
        if pd.api.types.is_numeric_dtype(x) and pd.api.types.is_numeric_dtype(y):
            for i, (u, v) in enumerate(zip(x.to_numpy(float), y.to_numpy(float))):
                if math.isnan(u) and math.isnan(v):
                    continue
                if not math.isclose(u, v, rel_tol=1e-9, abs_tol=1e-12):
                    return f"column {c} row {i}: {u!r} != {v!r}"
        else:
            xs, ys = x.astype(str).tolist(), y.astype(str).tolist()
            if xs != ys:
                i = next(k for k, (u, v) in enumerate(zip(xs, ys)) if u != v)
                return f"column {c} row {i}: {xs[i]!r} != {ys[i]!r}"
    return None


def compare(old: Path, new: Path, skip_tables: set[str] = frozenset(),
            ignore_prose: str | None = None) -> list[str]:
    """What ``old`` printed that ``new`` does not (empty: every number is still there).
    ``skip_tables``: file names under tables/ not compared; ``ignore_prose``: a regular
    expression of report.md's prose lines whose numbers are not compared."""
    old, new = Path(old), Path(new)
    problems = []
    o_rows, o_prose = md_rows((old / "report.md").read_text(encoding="utf-8"), ignore_prose)
    n_rows, n_prose = md_rows((new / "report.md").read_text(encoding="utf-8"), ignore_prose)
    lost = sorted(o_rows - n_rows)
    problems += [f"report.md: table row {'|'.join(r)} is gone" for r in lost]
    short = {k: v - n_prose.get(k, 0) for k, v in o_prose.items() if v > n_prose.get(k, 0)}
    if short:
        problems.append(f"report.md: numbers printed fewer times in the prose: {short}")
    for p in sorted((old / "tables").glob("*.csv")):
        if p.name in skip_tables:
            continue
        q = new / "tables" / p.name
        if not q.exists():
            problems.append(f"tables/{p.name} is gone")
            continue
        why = _csv_equal(pd.read_csv(p), pd.read_csv(q))
        if why:
            problems.append(f"tables/{p.name}: {why}")
    for p in sorted((old / "tables").glob("*.tex")):
        if p.name in skip_tables:
            continue
        if not (new / "tables" / p.name).exists():
            problems.append(f"tables/{p.name} is gone")
            continue
        # the cells may now be in the same table's appendix (tables/STEM_full.tex), and a
        # label column may have become the tables' group headings
        pairs, groups = set(), set()
        for q in (new / "tables").glob(f"{p.stem}*.tex"):
            a, b = tex_table(q.read_text(encoding="utf-8"))
            pairs |= a
            groups |= b
        labels = groups | {part for g in groups for part in g.split(" − ")}
        gone = {(h, c) for h, c in tex_table(p.read_text(encoding="utf-8"))[0] - pairs
                if c not in labels}
        if gone:
            problems.append(f"tables/{p.name}: {len(gone)} cells gone, e.g. {sorted(gone)[:3]}")
    return problems


if __name__ == "__main__":
    bad = 0
    a, b = Path(sys.argv[1]), Path(sys.argv[2])
    folders = [a] if (a / "report.md").exists() else sorted(d for d in a.iterdir()
                                                             if (d / "report.md").exists())
    for d in folders:
        other = b if d == a else b / d.name
        probs = compare(d, other)
        print(f"{d.name}: {'same numbers' if not probs else f'{len(probs)} problems'}")
        for p in probs[:20]:
            print("   ", p)
        bad += bool(probs)
    sys.exit(1 if bad else 0)
