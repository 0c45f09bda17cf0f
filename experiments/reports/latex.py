"""LaTeX tables of the reports: pandas' ``Styler.to_latex`` (booktabs rules, longtable heads,
caption and label), laid out to fit a page at the body text size.

A table is written as **one** float (``table``) when it fits on a page (at most
:data:`MAX_FLOAT_LINES` lines of text, estimated), else as a ``longtable`` that breaks across
pages and repeats its head. It is never
scaled down: when its natural width exceeds :data:`LINE_PT`, each cell ``mean [low, high]``
is set on two lines (the interval under the mean); when it is still too wide its value columns
are shared out over several tabulars (each repeating the first column) inside the same float.
Widths are estimated from the characters of each cell at 10 pt Computer Modern (a
within a few per cent; the compile test checks that nothing is overfull).

Escaping: pandas escapes TeX's special characters (``& % $ # _ { } ~ ^ \\``); what it leaves
(``<``, ``>``, which print as other glyphs under the default OT1 font encoding, and the
non-ASCII symbols the reports print: ``≥ · − – ±``...) is written as LaTeX here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import pandas as pd

TEX_PREAMBLE = r"\usepackage{booktabs} \usepackage{longtable} \usepackage{array} " \
               r"\usepackage{graphicx}"
"""What a document needs to ``\\input`` the tables (and the figures)."""

LINE_PT = 345.0
"""The text width the tables are laid out for (a 10 pt ``article``: 345 pt, 4.8 in). In a
two-column journal put a table in a ``table*`` float (the double column, about 7 in)."""

MAX_FLOAT_LINES = 40
"""Estimated height (in lines of text) of the tallest table set as one float; a taller one is
a ``longtable``."""

FIRST_WIDTH_PT = 94.0
"""Width (3.3 cm) at which the first column's cells wrap (long metric labels)."""

_COLSEP_PT = 12.0  # 2 \tabcolsep
_SAFETY = 0.97  # the estimates are within 2-5% of TeX's widths: leave some room

_SYMBOLS = {"<": r"$<$", ">": r"$>$", "|": r"\textbar{}", "–": "--", "—": "---", "−": "$-$", "±": r"$\pm$",
            "×": r"$\times$", "`": "", "†": r"\textdagger{}", "≥": r"$\geq$", "≤": r"$\leq$",
            "·": r"$\cdot$", "≈": r"$\approx$"}
_SYMBOL_RE = re.compile("<-|" + "|".join(re.escape(k) for k in _SYMBOLS))
_SPECIAL = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#",
            "_": r"\_", "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}",
            "^": r"\textasciicircum{}"}
_SPECIAL_RE = re.compile("|".join(re.escape(k) for k in _SPECIAL))

GROUP = "\x01"
"""Prefix of a row's first cell that makes the row a group heading (set in italics)."""


def symbols(tex: str) -> str:
    """The symbols pandas' escaping leaves, as LaTeX (applied after it, in one pass):
    ``<0.001`` -> ``$<$0.001``, ``a<-b`` -> ``a$\\leftarrow$b``, ``≥`` -> ``$\\geq$``."""
    return _SYMBOL_RE.sub(lambda m: r"$\leftarrow$" if m.group(0) == "<-"
                          else _SYMBOLS[m.group(0)], tex)


def tex_escape(s: str) -> str:
    """Plain text to LaTeX text-mode source (for captions; cells go through pandas):
    ``95%`` -> ``95\\%``, ``<0.001`` -> ``$<$0.001``, ``a<-b`` -> ``a$\\leftarrow$b``."""
    return symbols(_SPECIAL_RE.sub(lambda m: _SPECIAL[m.group(0)], str(s)))


# -- widths ------------------------------------------------------------------------------------
_PT = {**dict.fromkeys("0123456789", 5.0), **dict.fromkeys(".,:;!'|[]()", 2.8),
       " ": 3.4, "-": 3.4, "%": 8.4, "*": 5.0, "+": 7.8, "=": 7.8, "<": 7.8, ">": 7.8,
       "–": 5.0, "−": 7.8, "≥": 7.8, "≤": 7.8, "·": 2.8, "_": 5.0, "/": 5.0, "?": 4.8,
       "#": 8.4, "&": 7.8, "$": 5.0, "m": 8.4, "w": 7.3, "i": 2.8, "l": 2.8, "j": 3.1,
       "f": 3.1, "t": 3.9, "r": 3.9, "s": 4.0, "M": 9.2, "W": 10.3}


def text_pt(s: str) -> float:
    """Estimated width of ``s`` in points at 10 pt (Computer Modern)."""
    return sum(_PT.get(ch, 7.3 if ch.isupper() else 5.0) for ch in s)


_INTERVAL = re.compile(r"^(\S.*?) (\[.*)$")


def stack_lines(cell: str) -> list[str]:
    """A cell ``mean [low, high]...`` as the two lines it is set on when stacked."""
    m = _INTERVAL.match(cell)
    return [m.group(1), m.group(2)] if m else [cell]


_BREAK = re.compile(r"(?<=[_|,>=+])(?=\S)|(?<=<-)(?=\S)")


def pieces(text: str) -> list[str]:
    """``text`` cut where a line may break: at spaces, and after ``_ | , > = + <-`` inside a
    word (scenario labels such as ``silicon_valley|disruptive_share=0.1``)."""
    out = []
    for word in text.split():
        out += _BREAK.split(word)
    return out


def _wrap(text: str, width: float) -> list[str]:
    """``text`` in lines no wider than ``width`` (a piece longer than that gets a line)."""
    lines: list[str] = []
    glue = ""
    for word in text.split():
        for k, piece in enumerate(_BREAK.split(word)):
            glue = " " if k == 0 else ""
            if lines and text_pt(lines[-1] + glue + piece) <= width:
                lines[-1] += glue + piece
            else:
                lines.append(piece)
    return lines or [""]


def _breakable(tex: str) -> str:
    """Escaped text that may break after ``_ | , > = + <-`` (inside long labels)."""
    return re.sub(r"(\\_|\\textbar\{\}|,|\$>\$|=|\+|\$\\leftarrow\$)(?=\S)", r"\1\\allowbreak{}",
                  tex)


# -- layout ------------------------------------------------------------------------------------
MAX_COL_PT = 130.0
"""Widest value column; longer cells (text: verdicts, lists of factors) wrap inside it."""


@dataclass
class Layout:
    """How a table is set: ``stacked`` (intervals under their means), the value columns
    of each tabular (``groups``), the width of each column in points (``widths[0]`` the first)
    and which columns wrap (``p`` columns)."""

    stacked: bool
    groups: list[list[int]]
    widths: list[float]
    wraps: list[bool]

    def table_width(self, cols: list[int]) -> float:
        return sum(self.widths[j] + _COLSEP_PT for j in [0] + cols)


def _measure(header: list[str], rows: list[list[str]], stacked: bool,
             first_max: float = FIRST_WIDTH_PT) -> tuple[list[float], list[bool]]:
    body = [r for r in rows if not r[0].startswith(GROUP)]
    first = max([text_pt(r[0]) for r in body] + [max(map(text_pt, pieces(header[0])),
                                                      default=0.0), 0.0])
    least = max([text_pt(p) for r in body for p in pieces(r[0])] + [0.0])
    widths = [min(first, max(first_max, least))]
    wraps = [first > widths[0]]
    for j in range(1, len(header)):
        data = max((max(text_pt(x) for x in (stack_lines(r[j]) if stacked else [r[j]]))
                    for r in body), default=0.0)
        head = max(map(text_pt, pieces(header[j])), default=0.0)
        if data > MAX_COL_PT:
            least = max((text_pt(p) for r in body for p in pieces(r[j])), default=0.0)
            widths.append(max(MAX_COL_PT, least, head))
            wraps.append(True)
        else:
            widths.append(max(data, head))
            wraps.append(False)
    return widths, wraps


def layout(header: list[str], rows: list[list[str]], line: float = LINE_PT) -> Layout:
    """Intervals on one line if the table then fits ``line``, else stacked (and the first
    column narrower, down to 2.3 cm); value columns shared out over as many tabulars as it
    takes to fit."""
    room = line * _SAFETY
    for stacked, first_max in ((False, FIRST_WIDTH_PT), (True, FIRST_WIDTH_PT), (True, 80.0),
                               (True, 66.0)):
        widths, wraps = _measure(header, rows, stacked, first_max)
        if sum(w + _COLSEP_PT for w in widths) <= room:
            return Layout(stacked, [list(range(1, len(header)))], widths, wraps)
    widths, wraps = _measure(header, rows, True)
    groups: list[list[int]] = [[]]
    used = widths[0] + _COLSEP_PT
    for j in range(1, len(header)):
        w = widths[j] + _COLSEP_PT
        if groups[-1] and used + w > room:
            groups.append([])
            used = widths[0] + _COLSEP_PT
        groups[-1].append(j)
        used += w
    return Layout(True, groups, widths, wraps)


def height_lines(header: list[str], rows: list[list[str]], lay: Layout) -> float:
    """Estimated height of the written table in lines of text (caption and rules
    included)."""
    def lines(cell: str, j: int) -> float:
        if lay.wraps[j]:
            return float(len(_wrap(cell, lay.widths[j])))
        return float(len(stack_lines(cell))) if lay.stacked and j else 1.0

    per_row = [1.0 if r[0].startswith(GROUP) else max(lines(c, j) for j, c in enumerate(r))
               for r in rows]
    total = 2.0  # the caption
    for cols in lay.groups:
        total += max(len(_wrap(header[j], lay.widths[j])) for j in [0] + cols)
        total += 1.5 + sum(per_row)
    return total + 0.8 * (len(lay.groups) - 1)


# -- writing -----------------------------------------------------------------------------------
def _stacked_tex(tex: str) -> str:
    """An escaped cell ``mean [low, high]`` on two lines (a one-column tabular)."""
    m = _INTERVAL.match(tex)
    if not m:
        return tex
    return rf"\begin{{tabular}}[t]{{@{{}}r@{{}}}}{m.group(1)}\\{{}}{m.group(2)}\end{{tabular}}"


def _header_tex(text: str, width: float) -> str:
    lines = [tex_escape(x) for x in _wrap(text, max(width, 1.0))]
    if len(lines) == 1:
        return lines[0]
    # (``\\{}``: a line starting "[" would otherwise be read as the break's length)
    return r"\begin{tabular}[b]{@{}c@{}}" + r"\\{}".join(lines) + r"\end{tabular}"


def _tabular(header: list[str], rows: list[list[str]], cols: list[int], lay: Layout, *,
             longtable: bool = False, caption: str = "", label: str = "",
             continued: str = "") -> str:
    keep = [0] + cols
    df = pd.DataFrame([[r[j] for j in keep] for r in rows], columns=range(len(keep)))

    def first(tex: str) -> str:
        group = tex.startswith(GROUP)
        tex = symbols(tex.lstrip(GROUP))
        if group:
            return rf"\abmgroup{{{_breakable(tex)}}}"
        tex = _breakable(tex) if lay.wraps[0] else tex
        return "{}" + tex if tex.startswith("[") else tex  # not an optional argument of \\

    def value(j: int):
        def fmt(tex: str) -> str:
            tex = symbols(tex)
            if lay.wraps[j]:
                return _breakable(tex)
            return _stacked_tex(tex) if lay.stacked else tex
        return fmt

    heads = [_header_tex(header[j], lay.widths[j]) for j in keep]
    st = df.style.hide(axis="index").format(first, escape="latex", subset=[0])
    for k, j in enumerate(cols, start=1):
        st = st.format(value(j), escape="latex", subset=[k])
    st = st.format_index(lambda k: heads[k], axis=1)
    fmt = "".join((rf">{{\raggedright\arraybackslash}}p{{{lay.widths[j]:.0f}pt}}"
                   if lay.wraps[j] else "l" if j == 0 else "r") for j in keep)
    if not longtable:
        tex = st.to_latex(hrules=True, column_format=fmt)
    else:
        tex = st.to_latex(environment="longtable", hrules=True, column_format=fmt,
                          caption=caption, label=label or None)
    # a group heading spans the table (and wraps inside its width)
    span = lay.table_width(cols) - _COLSEP_PT
    tex = re.sub(r"^\\abmgroup\{(.*)\}(?:\s*&\s*)*\\\\$",
                 lambda m: rf"\multicolumn{{{len(keep)}}}{{>{{\raggedright\arraybackslash}}"
                           rf"p{{{span:.0f}pt}}}}{{\emph{{{m.group(1)}}}}} \\",
                 tex, flags=re.M)
    if longtable:  # the head repeated on later pages: a short caption
        tex = tex.replace(rf"\caption[]{{{caption}}}", r"\caption[]{(continued)}")
    if continued:  # a later column group of the same table: no number of its own
        tex = tex.replace(rf"\caption{{{caption}}}", rf"\caption*{{{continued}}}", 1)
        tex = tex.replace(r"\caption[]{(continued)}", rf"\caption*{{{continued}}}")
    return tex


def write_latex(path: Path, header: Sequence[str], rows: Sequence[Sequence[str]],
                caption: str, label: str, *, line: float = LINE_PT,
                max_float_lines: float = MAX_FLOAT_LINES) -> Path:
    """Write a booktabs table (it needs :data:`TEX_PREAMBLE`) to ``path``.

    ``header``, ``rows`` and ``caption`` are plain text (escaped here). A row whose first cell
    starts with :data:`GROUP` is a group heading (set in italics, its other cells empty).
    One float (``table``) when it is at most ``max_float_lines`` high, else a ``longtable``;
    intervals stacked under their means and value columns shared out over several tabulars
    when the table is wider than ``line`` points (:func:`layout`). The size is the body
    text's.
    """
    header = [str(h) for h in header]
    rows = [[str(c) for c in r] for r in rows]
    lay = layout(header, rows, line)
    groups = lay.groups
    cap = tex_escape(caption)
    long_ = height_lines(header, rows, lay) > max_float_lines
    lines = [f"% needs {TEX_PREAMBLE}"]
    if long_:
        for k, cols in enumerate(groups):
            more = (rf"Table~\ref{{{label}}} (continued: columns {k + 1} of {len(groups)})"
                    if k else "")
            lines.append(_tabular(header, rows, cols, lay, longtable=True, caption=cap,
                                  label=label if not k else "", continued=more))
            if k:  # (longtable steps the table counter for every longtable)
                lines.append(r"\addtocounter{table}{-1}")
    else:
        lines += [r"\begin{table}[htbp]", r"\centering", rf"\caption{{{cap}}}",
                  rf"\label{{{label}}}"]
        for k, cols in enumerate(groups):
            if k:
                lines.append(r"\par\medskip")
            lines.append(_tabular(header, rows, cols, lay).rstrip("\n"))
        lines.append(r"\end{table}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def grouped_rows(rows: Sequence[Sequence[str]], by: int) -> list[list[str]]:
    """``rows`` with column ``by`` moved into group heading rows (one per run of equal
    values, :data:`GROUP`)."""
    out: list[list[str]] = []
    key = None
    for r in rows:
        r = list(r)
        k = r.pop(by)
        if k != key:
            out.append([GROUP + k] + [""] * (len(r) - 1))
            key = k
        out.append(r)
    return out


def n_tabulars(path: Path) -> int:
    """Tabulars (top-level ``tabular`` or ``longtable`` environments) in a written file."""
    text = Path(path).read_text(encoding="utf-8")
    return len(re.findall(r"^\\begin\{(?:tabular|longtable)\}", text, flags=re.M))


__all__ = ["TEX_PREAMBLE", "LINE_PT", "MAX_FLOAT_LINES", "GROUP", "tex_escape", "symbols",
           "text_pt", "pieces", "layout", "Layout", "write_latex", "grouped_rows", "n_tabulars"]
