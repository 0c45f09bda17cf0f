"""Builders of small hand-made situations for the mechanism tests.

Every helper works on an ``EcosystemModel(populate=False)``: no incumbents, funds, universities
or startups exist until a test adds them, so each mechanism can be exercised alone by calling its
function (``abm.mechanisms.exits.acquire(...)``, ``abm.mechanisms.funding.try_round(...)``...).

Money a test puts into an agent is minted in the ledger under the source ``"test"``, so the
accounting invariant (:func:`assert_money_conserved`) holds in hand-built situations as well as
in full runs. Mesa increments ``model.steps`` *before* it calls ``model.step()``; mechanism
functions read ``model.steps`` as "now", so tests set it directly (:func:`at_step`).

:func:`assert_invariants` is what must hold between any two mechanism calls;
:func:`invariants_checked` runs it after every mechanism call a test makes (tests/conftest.py
turns it on for every test file named after a mechanism module).

Example:
    >>> m = make_model(seed=1)
    >>> inc = add_incumbent(m, sector=0, revenue=1000.0)
    >>> s = add_startup(m, sector=0, cash=5.0, headcount=4, stage=1)
    >>> assert_money_conserved(m)
"""

from __future__ import annotations

import functools
import importlib
import inspect
import math
import pkgutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import ModuleType
from typing import Any

import numpy as np
import pytest

from abm import EcosystemModel
from abm import constants as C
from abm.agents import Founder, Incumbent, Startup, VCFund
from abm.metrics import money_held
from abm import mechanisms
from abm.mechanisms import funding
from abm.units import ACTIONS

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


def assert_invariants(model: EcosystemModel) -> None:
    """What must hold between any two mechanism calls, in a hand-built situation or a full run.

    * money: what entered minus what left equals what agents hold (:func:`assert_money_conserved`);
    * nobody holds negative cash, headcount or revenue (startups, incumbents, funds, founders, the
      ministry) and the idle pool is not negative;
    * every stake in a live startup's cap table is in [0, 1] and the stakes sum to at most 1.

    Cash may dip below zero by the money tolerance (floating-point subtraction), counts not at all.
    """
    assert_money_conserved(model)
    tol = money_tolerance(model)
    st, inc = model.st, model.inc
    for table, who in ((st, "startup"), (inc, "incumbent")):
        for column in ("cash", "revenue"):
            values = table.view(column)
            bad = np.flatnonzero(values < -tol)
            assert bad.size == 0, (f"step {model.steps}: negative {who} {column} in rows "
                                   f"{bad.tolist()}: {values[bad].tolist()}")
        bad = np.flatnonzero(table.view("headcount") < 0)
        assert bad.size == 0, f"step {model.steps}: negative {who} headcount in rows {bad.tolist()}"
    for fund in model.funds:
        assert fund.cash >= -tol, f"step {model.steps}: fund {fund.unique_id} cash {fund.cash!r}"
    for founder in model.founder_by_uid.values():
        assert founder.wealth >= -tol, (
            f"step {model.steps}: founder {founder.unique_id} wealth {founder.wealth!r}")
    assert model.ministry.cash >= -tol, f"step {model.steps}: ministry cash {model.ministry.cash!r}"
    assert model.idle >= 0, f"step {model.steps}: idle workers {model.idle!r}"
    for row, startup in model.startups.items():
        stakes = startup.cap_table.values()
        assert all(-1e-12 <= v <= 1.0 + 1e-12 for v in stakes), (
            f"step {model.steps}: a stake outside [0, 1] in startup row {row}: {startup.cap_table}")
        assert sum(stakes) <= 1.0 + 1e-9, (
            f"step {model.steps}: stakes of startup row {row} sum to {sum(stakes)!r} > 1")


def _checked(fn: Callable, depth: list[int], calls: list[str],
             check: Callable[[EcosystemModel], None]) -> Callable:
    """``fn`` followed by ``check(model)`` when it returns, unless called from a checked function."""

    @functools.wraps(fn)
    def wrapper(model, *args, **kwargs):
        depth[0] += 1
        try:
            result = fn(model, *args, **kwargs)
        finally:
            depth[0] -= 1
        if depth[0] == 0 and isinstance(model, EcosystemModel):
            calls.append(fn.__name__)
            try:
                check(model)
            except AssertionError as error:
                raise AssertionError(f"after {fn.__module__}.{fn.__name__}: {error}") from None
        return result

    return wrapper


def mechanism_functions() -> Iterator[tuple[ModuleType, str, Callable]]:
    """Every function of every ``abm.mechanisms`` module, and of every module of shared
    actions (:data:`abm.units.ACTIONS`), that takes the model first, except the readers a
    module lists in ``READERS`` (they change nothing)."""
    names = [f"{mechanisms.__name__}.{info.name}"
             for info in pkgutil.iter_modules(mechanisms.__path__)] + list(ACTIONS)
    for name in names:
        module = importlib.import_module(name)
        readers = set(getattr(module, "READERS", ()))
        for name, fn in vars(module).items():
            if (inspect.isfunction(fn) and fn.__module__ == module.__name__
                    and name not in readers
                    and list(inspect.signature(fn).parameters)[:1] == ["model"]):
                yield module, name, fn


@contextmanager
def invariants_checked(check: Callable[[EcosystemModel], None] = assert_invariants
                       ) -> Iterator[list[str]]:
    """Within the block, ``check(model)`` runs after every outermost mechanism call.

    Each function of :func:`mechanism_functions` is replaced (module attribute) by a wrapper;
    calls one mechanism makes to another are not checked on their own (the state may be mid-way
    through a transaction), only the call the test made. Yields the names of the checked calls.
    """
    depth, calls = [0], []
    patch = pytest.MonkeyPatch()
    try:
        for module, name, fn in list(mechanism_functions()):
            patch.setattr(module, name, _checked(fn, depth, calls, check))
        yield calls
    finally:
        patch.undo()


def add_record(model: EcosystemModel, founded: int, status: int = C.ACTIVE,
               exit_step: int = -1, **columns: Any) -> Startup:
    """A startup whose record is set by hand: founded at ``founded``, ``status`` since ``exit_step``.

    For the metric tests: no mechanism runs, so only the record's columns change (a startup
    marked failed or acquired is not removed from ``model.startups``; the metrics read the
    columns). ``columns`` sets further columns (``sector=``, ``headcount=``...).
    """
    s = add_startup(model, n_founders=1)
    st = model.st
    st.founded[s.row], st.status[s.row], st.exit_step[s.row] = founded, status, exit_step
    for name, value in columns.items():
        getattr(st, name)[s.row] = value
    return s


HISTORY = ("total_revenue", "firms", "workers", "productivity", "employed", "all_firms",
           "value_added")
"""The aggregates ``observe`` appends to ``model.history`` every quarter."""


def record_quarters(model: EcosystemModel, quarters: int, **values: Any) -> EcosystemModel:
    """Advance the clock ``quarters`` steps, recording the given series each quarter.

    Each keyword names a time series of ``abm.model.SERIES`` or a ``model.history`` aggregate
    (:data:`HISTORY`); its value is a constant or a function of the step (1, 2, ...). Series not
    given are recorded as they stand in ``model.stats`` (0.0 in a new model); history aggregates
    not given are not appended. What ``observe`` would compute from the agents is not computed.
    """
    unknown = set(values) - set(model.stats) - set(HISTORY)
    if unknown:
        raise KeyError(f"not a series or history aggregate: {sorted(unknown)}")
    for _ in range(quarters):
        model.steps += 1
        now = {k: float(v(model.steps) if callable(v) else v) for k, v in values.items()}
        for name, value in now.items():
            if name in model.stats:
                model.stats[name] = value
            if name in HISTORY:
                model.history[name].append(value)
        model.datacollector.collect(model)
    return model


def sunk(model: EcosystemModel, destination: str) -> float:
    return float(model.ledger.sunk.get(destination, 0.0))


def minted(model: EcosystemModel, source: str) -> float:
    return float(model.ledger.minted.get(source, 0.0))


def rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)
