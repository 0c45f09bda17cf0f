"""Markdown tables of ``report.md``: pandas' ``DataFrame.to_markdown`` (tabulate's pipe
format), cells printed as given (no re-parsing of numbers)."""

from __future__ import annotations

from typing import Sequence

import pandas as pd


def md_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A pipe table of plain-text cells (``|`` in a cell is escaped)."""
    clean = [[str(c).replace("|", r"\|") for c in r] for r in rows]
    df = pd.DataFrame(clean, columns=range(len(header)))
    return df.to_markdown(index=False, headers=[str(h) for h in header],
                          disable_numparse=True, stralign="left")
