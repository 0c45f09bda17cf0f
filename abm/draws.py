"""Weighted draws as numpy draws them, without the per-call checks.

``Generator.choice(a, size, p=p)`` validates ``p`` (non-negative, summing to one) on every
call, which costs about 15 microseconds, several times the draw itself. :func:`choice` makes
the same draw the same way: numpy normalises the cumulative weights, draws uniforms from the
generator and looks them up (``searchsorted``, right side). So it returns what
``rng.choice`` returns and leaves the generator in the same state
(``tests/test_draws.py`` checks both against numpy). Callers pass weights that are
non-negative with a positive sum.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def choice(rng: np.random.Generator, a: Any, p: Any, size: int | None = None) -> Any:
    """``rng.choice(a, size, replace=True, p=p)``: the same result and the same draws.

    ``a`` is an int (draw from ``range(a)``) or an array; ``size=None`` draws one value.
    """
    cdf = np.asarray(p, dtype=np.float64).cumsum()
    cdf /= cdf[-1]
    idx = cdf.searchsorted(rng.random(size), side="right")
    if size is None:
        idx = int(idx)
        return idx if isinstance(a, (int, np.integer)) else a[idx]
    return idx if isinstance(a, (int, np.integer)) else np.asarray(a)[idx]
