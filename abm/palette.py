"""One colour-blind-safe palette for every picture: the visual app and the paper figures.

Colours are the Okabe-Ito set (Okabe & Ito 2008, "Color Universal Design"), which stays
distinguishable under the common colour-vision deficiencies; line styles and markers carry the
same information a second time where it matters (regime A solid / B dashed, funds as
triangles). Pure data: nothing here imports matplotlib or computes anything, so the model,
``viz/`` and ``experiments/`` can all read it (``experiments`` may not import ``viz``).

Example:
    >>> from abm.palette import AGENT, cycle
    >>> AGENT["startup"]
    '#009E73'
    >>> cycle(8) == cycle(0)
    True
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Mapping

BLACK = "#000000"
ORANGE = "#E69F00"
SKY = "#56B4E9"
GREEN = "#009E73"
YELLOW = "#F0E442"
BLUE = "#0072B2"
VERMILLION = "#D55E00"
PURPLE = "#CC79A7"
GREY = "#8C8C8C"
LIGHT = "#DDDDDD"

SEQUENCE: tuple[str, ...] = (BLUE, ORANGE, GREEN, VERMILLION, PURPLE, SKY, BLACK, YELLOW)
"""Colours for scenarios (regimes) in their order; yellow last (faint on white)."""

AGENT: Mapping[str, str] = MappingProxyType({
    "startup": GREEN,
    "startup_exited": GREY,
    "incumbent": BLUE,
    "fund_independent": ORANGE,
    "fund_corporate": PURPLE,
    "fund_government": VERMILLION,
    "fund": ORANGE,
    "university": SKY,
    "ministry": BLACK,
})
"""Node colour by agent kind (funds by fund kind)."""

TIE: Mapping[str, str] = MappingProxyType({
    "investment": ORANGE,
    "partnership": GREEN,
    "acquisition": VERMILLION,
    "spinoff": PURPLE,
    "joint_research": SKY,
    "grant": "#B8A600",      # a darker yellow: readable on white
    "employment": GREY,
})
"""Edge colour by tie kind (:data:`abm.network.EDGE_KINDS`)."""

SERIES: Mapping[str, str] = MappingProxyType({
    "active_startups": GREEN, "public_startups": BLUE,
    "founded": GREEN, "failed": VERMILLION,
    "ipos": BLUE, "acquisitions": ORANGE,
    "exits_ipo": BLUE, "exits_ma": ORANGE, "failures": VERMILLION,
    "vc_independent": ORANGE, "vc_corporate": PURPLE, "vc_government": VERMILLION,
    "incumbent_sales_share": BLUE, "hhi": VERMILLION,
    "innovation_startups": GREEN, "innovation_incumbents": BLUE,
    "innovation_partnerships": PURPLE,
})
"""Colour of a series when several series share a panel (one run)."""

BURN_IN = "#EEEEEE"
"""Shading of the burn-in steps."""


def cycle(i: int) -> str:
    """The colour of the ``i``-th scenario (0-based; wraps around :data:`SEQUENCE`)."""
    return SEQUENCE[int(i) % len(SEQUENCE)]
