"""Shared look-ups that several mechanisms read (so that no mechanism imports another for them).

Each is a pure read of the model's state: no draws, no writes. A mechanism module imports what
it needs from here; the module that used to hold a look-up keeps its name as an import from
here (``operations.live_rows``, ``maturity.effective``, ``labor.workforce``...), so older code
and tests still find it. tests/test_mechanism_contract.py checks that no mechanism imports
another for a look-up (docs/extending.md).
"""

from __future__ import annotations

import math

import numpy as np

from . import constants as C


def fund_status(model, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For the funds at ``rows`` of ``model.fund_table``: whether each is a corporate fund,
    its age in steps and whether its parent is alive (a corporate fund's parent)."""
    fixed = model.fund_table
    parent = fixed.parent[rows]
    return (fixed.corporate[rows], model.steps - fixed.vintage[rows],
            (parent >= 0) & model.inc.alive[np.maximum(parent, 0)])


def investing_funds(model) -> list:
    """The live funds that may make new investments now (:func:`~abm.agents.fund_may_invest`),
    in :meth:`~abm.model.EcosystemModel.live_funds` order."""
    from .agents import fund_may_invest

    live = model.live_funds()
    if not live:
        return []
    ok = fund_may_invest(*fund_status(model, model.live_fund_rows()))
    return [live[i] for i in ok.nonzero()[0].tolist()]


def live_rows(model) -> np.ndarray:
    """Rows of startups that operate: active, or listed and not yet an incumbent."""
    st = model.st
    n = st.n
    status = st.status[:n]
    return ((status == C.ACTIVE) | ((status == C.PUBLIC) & ~st.graduated[:n])).nonzero()[0]


def startup_headcount(model) -> int:
    """People working in active or listed (not yet incumbent) startups."""
    st = model.st
    n = st.n
    live = (st.status[:n] == C.ACTIVE) | ((st.status[:n] == C.PUBLIC) & ~st.graduated[:n])
    return int(st.headcount[:n][live].sum())


def workforce(model) -> int:
    """Everyone in the model: incumbents, startups and the idle pool."""
    rows = model.inc.view("alive").nonzero()[0]
    return int(model.inc.headcount[rows].sum()) + startup_headcount(model) + model.idle


def trend(model) -> float:
    """Nominal trend ``D(t) = exp(MARKET_GROWTH x t)`` at the current step."""
    return math.exp(C.MARKET_GROWTH * model.steps)


def calendar_year(model, step: int | None = None) -> int:
    """Calendar year of ``step`` (default: now): ``start_year + (step - 1) // 4``."""
    step = model.steps if step is None else step
    return model.p.start_year + (step - 1) // C.STEPS_PER_YEAR


def effective(model, name: str) -> float:
    """The effective value of a matured parameter: the preset's value moved by its loop
    (:mod:`abm.mechanisms.maturity`)."""
    p, m = model.p, model.maturity
    if name == "job_mobility":
        return min(1.0, p.job_mobility * math.exp(p.loop_labor * m.experience_index))
    if name == "spinout_rate":
        return p.spinout_rate * math.exp(p.loop_labor * m.experience_index)
    if name == "lifetime_employment_share":
        return p.lifetime_employment_share * math.exp(-p.loop_labor * m.experience_index)
    if name == "tech_transfer":
        return p.tech_transfer + (1.0 - p.tech_transfer) * m.ties
    if name == "uni_spinoff_rate":
        return p.uni_spinoff_rate * (1.0 + m.ties)
    if name == "founding_legitimacy":
        b, v = p.founding_legitimacy, p.loop_norms * m.norms
        return b + v * ((1.0 - b) if v > 0 else b)
    if name == "service_cost":
        return p.service_cost * (1.0 - p.loop_support * m.support)
    if name == "accelerator_strength":
        a = p.accelerator_strength
        return a + (1.0 - a) * p.loop_support * m.support
    raise KeyError(f"no matured parameter {name!r}")


def unit_cost(model) -> float:
    """Cost of one person for one quarter including support services (M; wages follow the
    nominal trend ``D(t)`` as prices do)."""
    return C.COST_PER_HEAD * (1.0 + effective(model, "service_cost")) * trend(model)


def sector_mean(model, values: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Mean of ``values`` (one per incumbent row in ``rows``) by sector, 0 where a sector has
    none."""
    k = model.n_sectors
    sectors = model.inc.sector[rows]
    total = np.bincount(sectors, weights=values, minlength=k)[:k]
    count = np.bincount(sectors, minlength=k)[:k]
    return np.divide(total, count, out=np.zeros(k), where=count > 0)


def mark(model, row: int) -> float:
    """Value of 100% of private startup ``row``: last post-money moved with traction since,
    ``valuation x exp(MARK_TRACTION x (lrev - lrev_at_round))``."""
    st = model.st
    return float(st.valuation[row] * math.exp(C.MARK_TRACTION
                                              * (st.lrev[row] - st.lrev_at_round[row])))
