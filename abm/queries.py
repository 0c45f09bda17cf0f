"""Shared look-ups that several mechanisms read (so that no mechanism imports another for them).

Each is a pure read of the model's state: no draws, no writes.
"""

from __future__ import annotations

import numpy as np


def fund_status(model, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For the funds at ``rows`` of ``model.fund_table``: whether each is a corporate fund,
    its age in steps and whether its parent is alive (a corporate fund's parent)."""
    fixed = model.fund_table
    parent = fixed.parent[rows]
    return (fixed.corporate[rows], model.steps - fixed.vintage[rows],
            (parent >= 0) & model.inc.alive[np.maximum(parent, 0)])
