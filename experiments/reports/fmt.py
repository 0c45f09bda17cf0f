"""Numbers and labels as the reports print them, and the possible range of each metric
(intervals are clipped to it)."""

from __future__ import annotations

import math

from abm.outputs import OUTPUTS
from abm.outputs import title as output_title


def _f(x: float, digits: int = 4) -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "–"
    ax = abs(x)
    if ax != 0 and (ax >= 1e5 or ax < 1e-3):
        return f"{x:.3g}"
    return f"{x:.{digits}g}" if ax < 1000 else f"{x:,.0f}"


def _ci(m: float, lo: float, hi: float) -> str:
    """``mean [low, high]`` with three significant digits (more would be noise at the
    replicate counts used here, and make tables too wide)."""
    if not math.isfinite(lo):
        return _f(m, 3)
    return f"{_f(m, 3)} [{_f(lo, 3)}, {_f(hi, 3)}]"


def _p(p: float) -> str:
    if not math.isfinite(p):
        return "–"
    return "<0.001" if p < 0.001 else f"{p:.3f}"


def _grid_order(label: str, names: list[str]) -> list[str]:
    """Grid dimensions in the spec's order, read from a scenario label
    (``base|a=1,b=2``; the manifest stores the grid with sorted keys)."""
    tail = label.split("|", 1)[1] if "|" in label else ""
    seen = [part.split("=", 1)[0] for part in tail.split(",") if "=" in part]
    return [n for n in seen if n in names] + [n for n in names if n not in seen]


def _pct(x: float) -> str:
    return "–" if x is None or not math.isfinite(x) else f"{100 * x:.0f}%"


def _verdict_cell(verdict: str, robust: str) -> str:
    if robust == "robust":
        return f"**{verdict}** (robust)"
    if robust == "weak":
        return f"{verdict} (weak: never reversed)"
    return verdict


def _metric(name: str) -> str:
    """A metric's row heading: its label and unit (``abm.outputs.OUTPUTS``), then its name."""
    shown = output_title(name)
    return f"{shown} (`{name}`)" if shown != name else f"`{name}`"


def _tex_metric(name: str) -> str:
    """A metric's row heading in LaTeX: its label and unit only (the name is in the CSV)."""
    return output_title(name)


def bounds(metric: str, scale: float = 1.0) -> tuple[float, float]:
    """The possible range of a metric (``abm.outputs.OUTPUTS``) times ``scale``; for a
    difference of two values pass the metric's bounds through :func:`diff_bounds`."""
    o = OUTPUTS.get(metric)
    lo = -math.inf if o is None or o.low is None else o.low
    hi = math.inf if o is None or o.high is None else o.high
    return lo * scale if math.isfinite(lo) else lo, hi * scale if math.isfinite(hi) else hi


def diff_bounds(metric: str, terms: int = 2) -> tuple[float, float]:
    """The possible range of a difference of two values of ``metric`` (``terms=2``) or of a
    difference in differences (``terms=4``): ``±(terms / 2) * (high - low)``."""
    lo, hi = bounds(metric)
    span = hi - lo
    if not math.isfinite(span):
        return -math.inf, math.inf
    return -span * terms / 2, span * terms / 2


def clip_ci(row: dict, lo: float, hi: float, keys=("ci_low", "ci_high")) -> dict:
    """``row`` with its interval clipped to ``[lo, hi]`` and ``clipped`` set when it was."""
    out = dict(row)
    clipped = False
    for k in keys:
        v = out.get(k)
        if v is None or not math.isfinite(v):
            continue
        c = min(max(v, lo), hi)
        clipped |= c != v
        out[k] = c
    out["clipped"] = clipped
    return out


def _ci_star(r) -> str:
    star = "*" if math.isfinite(r.ci_low) and (r.ci_low > 0 or r.ci_high < 0) else ""
    return _ci(r["mean"], r.ci_low, r.ci_high) + star
