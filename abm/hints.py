"""The one "did you mean" helper for unknown names (parameters, presets, spec keys...).

Every message about an unknown name is built here, so they all read alike: the closest valid
names first, then (unless the list is long and a close name was found) every valid name.

Example:
    >>> from abm.hints import did_you_mean
    >>> did_you_mean("japn", ["silicon_valley", "japan", "korea"], label="valid presets")
    'did you mean: japan? valid presets: silicon_valley, japan, korea'
    >>> did_you_mean("zzz", ["silicon_valley", "japan"])
    'valid choices: silicon_valley, japan'
    >>> did_you_mean("job_mobilty", ["job_mobility", "scale"], full_list=False)
    'did you mean: job_mobility?'
"""

from __future__ import annotations

import difflib
from typing import Iterable

MAX_MATCHES = 3
"""At most this many close names are suggested."""
CUTOFF = 0.6
"""Similarity (``difflib`` ratio) a valid name needs to be suggested."""


def close_matches(name: object, valid: Iterable[str]) -> list[str]:
    """The valid names closest to ``name`` (best first; empty when none is close)."""
    return difflib.get_close_matches(str(name), list(valid), n=MAX_MATCHES, cutoff=CUTOFF)


def did_you_mean(name: object, valid: Iterable[str], *, label: str = "valid choices",
                 full_list: bool = True) -> str:
    """Hint for an unknown ``name``: ``"did you mean: A or B? LABEL: x, y, z"``.

    Args:
        name: the unknown name as given (any value; it is compared as a string).
        valid: the valid names, in the order they should be listed.
        label: what the list of valid names is called (``valid presets``...).
        full_list: list every valid name even when a close one is suggested (``False``
            for long lists such as the parameters: the list then appears only when no name
            is close).
    """
    valid = list(valid)
    close = close_matches(name, valid)
    parts = []
    if close:
        parts.append(f"did you mean: {' or '.join(close)}?")
    if full_list or not close:
        parts.append(f"{label}: {', '.join(valid)}")
    return " ".join(parts)
