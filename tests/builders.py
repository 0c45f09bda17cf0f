"""Builders of small hand-made situations for the mechanism tests.

Every helper works on an ``EcosystemModel(populate=False)``: no incumbents, funds, universities
or startups exist until a test adds them, so each mechanism can be exercised alone by calling its
function (``abm.mechanisms.exits.acquire(...)``, ``abm.mechanisms.funding.try_round(...)``...).

Money a test puts into an agent is minted in the ledger under the source ``"test"``, so the
accounting invariant (:func:`assert_money_conserved`) holds in hand-built situations as well as
in full runs. Mesa increments ``model.steps`` *before* it calls ``model.step()``; mechanism
functions read ``model.steps`` as "now", so tests set it directly (:func:`at_step`).

Example:
    >>> m = make_model(seed=1)
    >>> inc = add_incumbent(m, sector=0, revenue=1000.0)
    >>> s = add_startup(m, sector=0, cash=5.0, headcount=4, stage=1)
    >>> assert_money_conserved(m)
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from abm import EcosystemModel
from abm import constants as C
from abm.agents import Founder, Incumbent, Startup, VCFund
from abm.metrics import money_held
from abm.mechanisms import funding

TEST_SOURCE = "test"
"""Ledger source of the money tests put into agents."""


def make_model(preset: str = "silicon_valley", seed: int = 0, step: int = 0,
               **overrides: Any) -> EcosystemModel:
    """An empty model (only the ministry exists) with ``model.steps == step``."""
    model = EcosystemModel(preset=preset, seed=seed, populate=False, **overrides)
    model.steps = step
    return model


def at_step(model: EcosystemModel, step: int) -> EcosystemModel:
    """Set the model clock (mechanisms read ``model.steps`` as the current quarter)."""
    model.steps = step
    return model


def year_start(model: EcosystemModel, at_least: int = 1) -> int:
    """Move the clock to the first step >= ``at_least`` that opens a year (yearly events run)."""
    step = at_least
    at_step(model, step)
    while not model.is_new_year():
        step += 1
        at_step(model, step)
    return step


def mid_year(model: EcosystemModel, at_least: int = 1) -> int:
    """Move the clock to the first step >= ``at_least`` that does not open a year."""
    step = at_least
    at_step(model, step)
    while model.is_new_year():
        step += 1
        at_step(model, step)
    return step


def mint(model: EcosystemModel, amount: float) -> float:
    """Record ``amount`` as money a test put into the ecosystem."""
    if amount > 0:
        model.ledger.mint(TEST_SOURCE, amount)
    return amount


def add_incumbent(model: EcosystemModel, sector: int = 0, revenue: float = 1000.0,
                  cash: float | None = None, headcount: int | None = None, group: int = 0,
                  openness: float | None = None, appetite: float | None = None,
                  nih: float | None = None) -> Incumbent:
    """An incumbent; explicit ``cash`` is minted as test money (``None``: the model's rule)."""
    if cash is not None:
        mint(model, cash)
    inc = model.add_incumbent(sector=sector, group=group, revenue=revenue, cash=cash,
                              headcount=headcount)
    for name, value in (("openness", openness), ("appetite", appetite), ("nih", nih)):
        if value is not None:
            getattr(model.inc, name)[inc.row] = value
    return inc


def add_founders(model: EcosystemModel, n: int = 2, origin: int = C.INDEPENDENT,
                 wealth: float = 0.0) -> list[Founder]:
    rng = model.rngs["setup"]
    founders = [model.add_founder(origin, rng) for _ in range(n)]
    for f in founders:
        f.wealth = mint(model, wealth)
    return founders


def add_startup(model: EcosystemModel, sector: int = 0, quality: float = 2.0,
                disruptive: bool = False, cash: float = 0.0, headcount: int | None = None,
                stage: int = 1, revenue: float = 0.0, n_founders: int = 2,
                origin: int = C.INDEPENDENT, founders: list[Founder] | None = None) -> Startup:
    """A startup with ``n_founders`` fresh founders; ``revenue`` is quarterly (M).

    Its people are not taken from anyone (add them to ``model.idle`` bookkeeping yourself if a
    test checks the workforce); its cash is minted as test money.
    """
    founders = founders if founders is not None else add_founders(model, n_founders, origin)
    mint(model, cash)
    s = model.add_startup(founders, sector=sector, quality=quality, disruptive=disruptive,
                          origin=origin, cash=cash, headcount=headcount, stage=stage)
    st = model.st
    if revenue > 0:
        st.revenue[s.row] = revenue
        st.lrev[s.row] = st.lrev_at_round[s.row] = math.log(revenue)
    st.last_round[s.row] = model.steps
    return s


def add_fund(model: EcosystemModel, kind: str = "independent", size: float = 100.0,
             parent: Incumbent | None = None, stage_range: tuple[int, int] = (1, C.GROWTH),
             skill: float = 1.0, vintage: int | None = None) -> VCFund:
    """A fund whose committed ``size`` is minted (as the model does) and held as cash."""
    return model.add_fund(kind, size, parent=parent, stage_range=stage_range, skill=skill,
                          vintage=model.steps if vintage is None else vintage)


def invest(model: EcosystemModel, startup: Startup, commits: dict[VCFund, float],
           pre: float, stage: int | None = None, lead: VCFund | None = None) -> None:
    """Close a round in ``startup`` at ``pre`` money with ``commits`` (fund -> amount)."""
    stage = int(model.st.stage[startup.row]) if stage is None else stage
    lead = lead if lead is not None else next(iter(commits))
    funding.close_round(model, startup, stage, pre, commits, lead)


def pools(model: EcosystemModel):
    """The per-stage pitch pools a funding step would build now."""
    return funding._pools(model)


def cap_sum(startup: Startup) -> float:
    return float(sum(startup.cap_table.values()))


def approx(x, rel=1e-12, abs_=1e-12):
    """``pytest.approx`` at the tests' default tolerance (1e-12 relative and absolute)."""
    return pytest.approx(x, rel=rel, abs=abs_)


def money_tolerance(model: EcosystemModel) -> float:
    flows = sum(model.ledger.minted.values()) + sum(model.ledger.sunk.values())
    return 1e-6 * max(1.0, flows)


def assert_money_conserved(model: EcosystemModel) -> None:
    """Money that entered minus money that left equals money agents hold."""
    gap = abs(model.ledger.balance - money_held(model))
    assert gap <= money_tolerance(model), (
        f"money not accounted for: ledger balance {model.ledger.balance!r} vs held "
        f"{money_held(model)!r}")


def sunk(model: EcosystemModel, destination: str) -> float:
    return float(model.ledger.sunk.get(destination, 0.0))


def minted(model: EcosystemModel, source: str) -> float:
    return float(model.ledger.minted.get(source, 0.0))


def rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)
