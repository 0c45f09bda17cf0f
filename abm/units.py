"""Mechanisms as declared units: what each mechanism module owns, in one declaration.

Every module of :mod:`abm.mechanisms` declares, at its top, one :class:`Mechanism` named
``UNIT``: its random stream, the per-quarter flows it counts, the end-of-quarter series it
measures, the summary outputs its records feed and the parameters and constants it reads. The
registry :data:`abm.mechanisms.REGISTRY` lists the units; the model's hand-offs to Mesa and the
app are derived from it instead of being kept by hand:

* :data:`abm.model.STREAMS` (the named random streams, spawned in this order from the seed:
  :func:`streams`),
* :data:`abm.model.SERIES` (the DataCollector's columns: :func:`series`) and
  :data:`abm.model.FLOWS` (the series reset to 0 at the start of every quarter and counted
  during it: :func:`flows`; :data:`abm.mesa_compat.FLOWS` is the same tuple),
* the app's key metrics (:data:`abm.metrics.LIVE_KEYS`: a series declared in
  :mod:`abm.outputs` with a ``live`` aggregate joins them).

The quarter's schedule stays written out in :meth:`abm.model.EcosystemModel.step`. No
mechanism imports another: shared look-ups are in :mod:`abm.queries`, shared actions in the
modules of :data:`ACTIONS`. tests/test_mechanism_contract.py holds the units to their
declarations, and docs/extending.md is the checklist for adding a mechanism, an output or a
parameter.

Example:
    >>> from abm.mechanisms import REGISTRY
    >>> REGISTRY["founding"].flows
    ('founded',)
    >>> streams(REGISTRY.values())[:3]
    ('setup', 'policy', 'funds')
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Mapping


@dataclass(frozen=True, slots=True)
class Mechanism:
    """What one mechanism module owns (its module-level ``UNIT``).

    Args:
        name: the module's name in :mod:`abm.mechanisms` (its tests live in
            ``tests/test_<name>.py``).
        stream: the named random stream the mechanism owns (one of :data:`abm.model.STREAMS`),
            or ``None``: it draws from no stream of its own. Required, so that saying "none"
            is a decision, not an omission.
        flows: series it counts during the quarter (reset to 0 before the first mechanism
            runs; the unit that owns a flow is the one that names it here).
        series: series it measures at the end of the quarter (stocks: their value after the
            step).
        outputs: summary outputs (keys of ``model.summary()``) computed from the records or
            counters this mechanism writes.
        reads: the parameters (:data:`abm.params.SPECS`) and constants
            (:mod:`abm.constants`) it reads.
        draws: streams owned by other units that it also draws from (e.g. ``observe``
            retires founders with the ``founding`` stream).
        adds_to: flows owned by another unit that it also adds to (e.g. ``founding`` counts the
            job moves of founding teams in ``job_moves``, which ``labor`` owns).
        summary: name of a function of the module, ``(model) -> {output: value}``, that
            :func:`abm.metrics.summary` calls for the summary outputs this unit computes itself
            (``""``: :mod:`abm.metrics` computes them; each must be declared in
            :mod:`abm.outputs`).
        measure: name of a reader of the module, ``(model) -> {series: value}``, for the
            stocks of :attr:`series` it measures itself; :func:`abm.mesa_compat.stock_stats`
            calls it for the step-0 row (``""``: stock_stats measures them).
        module: the module that holds the code (``abm.mechanisms.<name>`` unless the model
            itself draws, as for the ``setup`` and ``technology`` streams).
    """

    name: str
    stream: str | None
    flows: tuple[str, ...] = ()
    series: tuple[str, ...] = ()
    outputs: tuple[str, ...] = ()
    reads: tuple[str, ...] = ()
    draws: tuple[str, ...] = ()
    adds_to: tuple[str, ...] = ()
    summary: str = ""
    measure: str = ""
    module: str = ""

    def __post_init__(self) -> None:
        if not self.module:
            object.__setattr__(self, "module", f"abm.mechanisms.{self.name}")
        for field in ("flows", "series", "outputs", "reads", "draws", "adds_to"):
            value = getattr(self, field)
            if isinstance(value, str) or not isinstance(value, tuple):
                raise TypeError(f"mechanism {self.name}: {field} must be a tuple of names, "
                                f"got {value!r}")
        both = set(self.flows) & set(self.series)
        if both:
            raise ValueError(f"mechanism {self.name}: {sorted(both)} both a flow and a series")

    @property
    def produces(self) -> tuple[str, ...]:
        """Every series it produces: its flows, then its measured series."""
        return self.flows + self.series

    def hook(self, which: str):
        """The module's function named by :attr:`summary` or :attr:`measure` (``None`` if
        unset)."""
        name = getattr(self, which)
        if not name:
            return None
        import importlib

        return getattr(importlib.import_module(self.module), name)

    @property
    def in_mechanisms(self) -> bool:
        """Whether the unit is a module of :mod:`abm.mechanisms` (not the model itself)."""
        return self.module == f"abm.mechanisms.{self.name}"


SETUP = Mechanism(
    name="setup", stream="setup", module="abm.model",
    reads=("n_incumbents", "n_business_groups", "n_universities", "cvc_share_of_incumbents",
           "lp_capital_per_year", "incumbent_heterogeneity", "frontier_gap", "scale",
           "INCUMBENT_REVENUE", "IDLE_SHARE", "UNIVERSITY_BUDGET", "INVEST_PERIOD",
           "HETEROGENEITY_CONCENTRATION", "CVC_SKILL_SHARE"))
"""The initial population (:meth:`abm.model.EcosystemModel._populate`): the first stream."""

TECHNOLOGY = Mechanism(name="technology", stream="technology", module="abm.model")
"""Positions in technology space of the initial incumbents and of every new startup
(:meth:`abm.model.EcosystemModel._startup_position`)."""


ACTIONS: Mapping[str, str] = {
    "abm.workforce": "labor",         # hires and releases of workers
    "abm.demand": "markets",          # a sector's demand shared among its products
    "abm.products": "markets",        # the quality ladder, its credit, integration, direction
    "abm.productivity": "markets",    # productivity and its decomposition
    "abm.partners": "partnerships",   # a partnership ended
    "abm.fundbook": "funds",          # LP calls, the waterfall, realisations, lock-ups
    "abm.delisting": "exits",         # a listed startup delisted (insolvent or for cause)
}
"""The modules of shared actions, each with the unit whose rules it applies: changes of state
that several mechanisms make (moving workers, sharing a sector's demand, climbing the quality
ladder, booking productivity, ending a partnership). They are not units (no ``UNIT``, no
stream, no place in the schedule), draw no random numbers and import no mechanism; a mechanism
imports them as it imports the shared look-ups of :mod:`abm.queries`, so that no mechanism
imports another (tests/test_mechanism_contract.py, docs/extending.md). A series or flow a
shared action writes counts as written by its unit (e.g. the ``job_moves`` of
:func:`abm.workforce.take_workers` are ``labor``'s). The mechanism tests' invariant checks
(tests/builders.py) wrap their functions as they wrap the mechanisms'."""


def registry(*units: Mechanism) -> Mapping[str, Mechanism]:
    """The units by name, in the given order (names, streams and produced series unique)."""
    out: dict[str, Mechanism] = {}
    stream_owner: dict[str, str] = {}
    series_owner: dict[str, str] = {}
    for unit in units:
        if not isinstance(unit, Mechanism):
            raise TypeError(f"not a Mechanism: {unit!r}")
        if unit.name in out:
            raise ValueError(f"mechanism {unit.name} registered twice")
        for owner, names, what in ((stream_owner, (unit.stream,) if unit.stream else (), "stream"),
                                   (series_owner, unit.produces, "series")):
            for name in names:
                if name in owner:
                    raise ValueError(f"{what} {name!r} is owned by both {owner[name]} and "
                                     f"{unit.name}")
                owner[name] = unit.name
        out[unit.name] = unit
    for unit in out.values():
        for owner, names, what in ((stream_owner, unit.draws, "stream"),
                                   (series_owner, unit.adds_to, "flow")):
            for name in names:
                if name not in owner:
                    raise ValueError(f"mechanism {unit.name} uses the {what} {name!r}, which "
                                     "no unit owns")
    return out


def streams(units: Iterable[Mechanism]) -> tuple[str, ...]:
    """The named random streams in registry order (``SeedSequence(seed).spawn`` hands them out
    by position: a new unit is registered at the end, so every earlier stream keeps its seed)."""
    return tuple(u.stream for u in units if u.stream)


def series(units: Iterable[Mechanism], declared: Iterable[str]) -> tuple[str, ...]:
    """The series the units produce, in the order of their declarations in
    :mod:`abm.outputs` (``declared``: :func:`abm.outputs.series_names`): the DataCollector's
    column order. Raises when a produced series is not declared there or the other way round."""
    produced = {name for u in units for name in u.produces}
    declared = tuple(declared)
    missing = produced - set(declared)
    orphans = set(declared) - produced
    if missing or orphans:
        raise ValueError(f"series produced but not declared in abm.outputs: {sorted(missing)}; "
                         f"declared there but produced by no mechanism: {sorted(orphans)}")
    return declared


def flows(units: Iterable[Mechanism], order: Iterable[str]) -> tuple[str, ...]:
    """The flows (reset at the start of each quarter), in series order ``order``."""
    owned = {name for u in units for name in u.flows}
    return tuple(name for name in order if name in owned)
