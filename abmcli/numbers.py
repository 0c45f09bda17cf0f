"""Numbers typed on the command line: plain ASCII decimals only (issue 30).

Python's ``int()`` and ``float()`` also read ``1_0`` as 10, digits of other scripts
(``"١٠"``, Arabic-Indic ten) and surrounding spaces, so a typo could silently become another
number. Every numeric option of ``abm`` is read here instead: an optional sign, ASCII digits,
for real numbers an optional fraction and exponent (``0.25``, ``-3``, ``1e-3``), nothing else.
"""

from __future__ import annotations

import math
import re

WHOLE = re.compile(r"[+-]?[0-9]+", re.ASCII)
REAL = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?", re.ASCII)


def parse_whole(raw: str) -> int:
    """``raw`` as an int if it is a plain ASCII whole number, else ``ValueError``."""
    if not isinstance(raw, str) or not WHOLE.fullmatch(raw):
        raise ValueError(f"not a plain whole number: {raw!r}")
    return int(raw)


def parse_real(raw: str) -> float:
    """``raw`` as a finite float if it is a plain ASCII decimal number, else ``ValueError``
    (also for a decimal too large for a float)."""
    if not isinstance(raw, str) or not REAL.fullmatch(raw):
        raise ValueError(f"not a plain decimal number: {raw!r}")
    value = float(raw)
    if not math.isfinite(value):
        raise ValueError(f"not a finite number: {raw!r}")
    return value
