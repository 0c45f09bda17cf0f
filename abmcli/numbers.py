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


# -- option types: typer's ``parser=`` (a click FuncParamType) -------------------------------
# click's own IntRange/FloatRange read numbers with int()/float(), which take "1_0" and other
# scripts' digits; these read them as above and keep the project's one-line messages.
import typer  # noqa: E402


class OptionError(typer.BadParameter):
    """A bad option value: a click usage error (exit 2) whose message is printed as written
    ("--steps must be a whole number >= 1, got 'x'"), not as "Invalid value for ..."."""

    def format_message(self) -> str:
        return self.message


def whole_option(option: str, low: int = 0, high: "int | None" = None):
    """A whole-number option in ``[low, high]``: a typer ``parser`` (defaults pass as they
    are; anything else is a plain ASCII whole number in range, or an :class:`OptionError`
    naming the option, its range and the value)."""
    rule = f">= {low}" if high is None else f"from {low} to {high}"

    def parse(raw):
        if isinstance(raw, int) and not isinstance(raw, bool):
            return raw
        try:
            value = parse_whole(raw)
        except ValueError:
            value = None
        if value is None or value < low or (high is not None and value > high):
            raise OptionError(f"{option} must be a whole number {rule}, got {raw!r}")
        return value

    parse.__name__ = "integer"
    return parse


def real_option(option: str, rule: str = "a plain decimal number", positive: bool = False):
    """A real-number option (``positive``: > 0): a typer ``parser`` like
    :func:`whole_option`; the message is "OPTION must be RULE, got 'RAW'"."""
    def parse(raw):
        if isinstance(raw, float):
            return raw
        try:
            value = parse_real(raw)
        except ValueError:
            value = None
        if value is None or (positive and not value > 0):
            raise OptionError(f"{option} must be {rule}, got {raw!r}")
        return value

    parse.__name__ = "number"
    return parse
