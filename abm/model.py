"""The ecosystem model: wiring, population, schedule and data collection.

One step is one quarter. Each step runs the mechanisms of :mod:`abm.mechanisms` in a fixed,
documented order (docs/ODD.md, "Process overview and scheduling"). All randomness comes from
named numpy streams derived from the one seed (``numpy.random.SeedSequence``), so two
scenarios with the same seed share their noise stream by stream (common random numbers).

Example:
    >>> from abm import EcosystemModel
    >>> m = EcosystemModel(preset="japan", seed=1, scale=0.2)
    >>> _ = m.run(8)
    >>> m.steps
    8
"""

from __future__ import annotations

import gc
import inspect
import math
import pickle
import weakref
from collections import deque
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from typing import Any, Iterator, Mapping

import numpy as np
from mesa import Agent, DataCollector, Model
from mesa.agent import AgentSet

from . import _mesa
from . import constants as C
from . import units
from .agents import Founder, Incumbent, Ministry, Startup, University, VCFund
from .draws import choice
from .ledger import Ledger
from .mechanisms.markets import Growth, Market
from .mechanisms import REGISTRY, smallfirms
from .mechanisms.maturity import Maturity
from .network import Network
from .outputs import series_names
from .params import ParameterError, Params
from .presets import resolve
from .tables import Records, Table

STREAMS: tuple[str, ...] = units.streams(REGISTRY.values())
"""Named random streams, one per mechanism that draws (common random numbers across scenarios):
derived from the units' declarations (:mod:`abm.units`), in registration order."""

SERIES: tuple[str, ...] = units.series(REGISTRY.values(), series_names())
"""Per-step time series collected by the DataCollector (see docs/ODD.md, section 5): every
series a unit produces, in the order of their declarations in :mod:`abm.outputs`."""

FLOWS: tuple[str, ...] = units.flows(REGISTRY.values(), SERIES)
"""The series that count what happened during a quarter (reset to 0 at the start of each step,
0 at step 0); the others are stocks measured at its end. Derived from the units' ``flows``."""

@dataclass
class Quarter:
    """What mechanisms hand to each other within one quarter (one step).

    :meth:`EcosystemModel.step` starts a fresh one (every field empty) before the first
    mechanism runs, so nothing a mechanism leaves here leaks into the next quarter; state that
    persists across quarters lives on the model. Each field names who writes and who reads it.
    (``model.insolvent`` and ``model.private_round_rows`` are aliases of the fields, for
    hand-built test situations.)
    """

    insolvent: np.ndarray
    """Rows of startups that could not pay their costs this quarter (written by
    :func:`abm.mechanisms.operations.step`; in :func:`abm.mechanisms.exits.failures` a private
    one fails unless a round or grant arrived in between, a listed one is delisted)."""
    private_round_rows: list[int]
    """Rows of startups that closed a privately led round this quarter (written by
    :func:`abm.mechanisms.funding.close_round`, read by the conditional grants of
    :func:`abm.mechanisms.policy.grants_and_procurement`)."""

    wound_down: np.ndarray
    """Rows of private startups whose founders close them this quarter (written by
    :func:`abm.mechanisms.winddown.step`, closed as failures first thing in
    :func:`abm.mechanisms.exits.failures`)."""

    def __init__(self) -> None:
        self.insolvent = np.zeros(0, dtype=np.int64)
        self.private_round_rows = []
        self.wound_down = np.zeros(0, dtype=np.int64)


def _quarter_field(name: str) -> property:
    """A model attribute that reads and writes ``model.quarter.<name>``."""

    def get(self: "EcosystemModel") -> Any:
        return getattr(self.quarter, name)

    def put(self: "EcosystemModel", value: Any) -> None:
        setattr(self.quarter, name, value)

    return property(get, put, doc=f"Alias of ``self.quarter.{name}`` (:class:`Quarter`).")


class ModelReleasedError(RuntimeError):
    """A model was used after :meth:`EcosystemModel.release` emptied it."""


_mesa.number_by_model(Founder, Incumbent, Ministry, Startup, University, VCFund)


class _StrongKeys(dict):
    """The storage of an agent set the model owns: a plain dict of its agents (insertion
    ordered, values ``None``) with the two parts of the ``WeakKeyDictionary`` interface that
    Mesa's :class:`~mesa.agent.AgentSet` uses (``keyrefs()`` and ``data``).

    Mesa's ``AgentSet`` holds its agents weakly so that an agent nobody else references
    drops out. The model's own sets (``model.agents`` and ``model.agents_by_type``) never
    need that: ``Model._agents`` holds every registered agent strongly until
    ``agent.remove()`` deregisters it from all three at once. The two weak entries per agent
    cost about 170 bytes each (a weak reference and its dict slot), a quarter of the Python
    memory of a large run (docs/performance.md); a plain dict entry costs about 40.
    """

    __slots__ = ()

    def keys(self):
        """An iterator over the agents, as ``WeakKeyDictionary.keys()`` returns (Mesa's
        ``AgentSet.__iter__`` returns it as the iterator)."""
        return iter(dict.keys(self))

    def keyrefs(self) -> list:
        """Weak references to the agents, in order (what ``AgentSet.do``/``map`` iterate)."""
        return [weakref.ref(agent) for agent in self]

    @property
    def data(self) -> dict:
        return {weakref.ref(agent): value for agent, value in self.items()}

    @data.setter
    def data(self, refs) -> None:  # ``AgentSet.shuffle(inplace=True)`` reorders through it
        agents = [ref() for ref in refs]
        self.clear()
        self.update(dict.fromkeys(a for a in agents if a is not None))


class _OwnedAgentSet(AgentSet):
    """An :class:`~mesa.agent.AgentSet` the model owns (``model.agents`` and each value of
    ``model.agents_by_type``): the same interface and order, its agents held strongly
    (:class:`_StrongKeys`)."""

    def __init__(self, agents, random=None) -> None:
        super().__init__(agents, random=random)
        self._agents = _StrongKeys(dict.fromkeys(self._agents))

    def __setstate__(self, state) -> None:
        super().__setstate__(state)
        self._agents = _StrongKeys(dict.fromkeys(self._agents))


class EcosystemModel(Model):
    """Agent-based model of a startup ecosystem under one institutional regime.

    Args:
        preset: regime preset name (``silicon_valley``, ``japan``, ``korea``,
            ``japan_2027_plan``).
        seed: integer seed; everything random derives from it. ``None`` draws one (kept in
            ``self.seed`` so the run can be repeated).
        swaps: ``{component: preset}``: take that institutional component from another preset.
        dated_swaps: ``{component: (preset, year)}``: take that component from another
            preset from the first quarter of calendar ``year`` on (a reform at a date,
            :mod:`abm.mechanisms.reforms`); added to the preset's own dated swaps.
        params: an already resolved :class:`~abm.params.Params` (overrides ``preset``).
        populate: build the initial population (set ``False`` for hand-built test situations).
        record_events: keep a feed of recent events in words (``self.events``).
        burn_in: quarters at the start that the summary metrics leave out (a warm-up; default
            ``abm.constants.BURN_IN``). Only what is measured changes, never the path: two
            runs with the same seed and different burn-ins have identical time series. An
            integer from 0 to ``MAX_STEPS - 1``; the run must be longer
            (:func:`check_burn_in` with ``steps``).
        **overrides: single parameter values (validated; see ``abm params``).

    Raises:
        ParameterError: unknown preset, component or parameter, or a value out of range.

    Its attributes are grouped in ``__init__``: populations (the agents by kind), tables (the
    column state of startups, incumbents and funds, and the network), the state of the
    economy, the within-quarter hand-offs (:attr:`quarter`), accumulators for the outputs,
    and caches.
    """

    insolvent = _quarter_field("insolvent")
    private_round_rows = _quarter_field("private_round_rows")

    def __init__(self, preset: str = "silicon_valley", seed: int | None = None,
                 swaps: Mapping[str, str] | None = None, params: Params | None = None,
                 populate: bool = True, record_events: bool = True,
                 dated_swaps: Mapping[str, Any] | None = None, burn_in: int = C.BURN_IN,
                 **overrides: Any) -> None:
        try:  # Mesa's own keywords (rng=, scenario=), from its batch_run and SolaraViz
            seed = _mesa.seed_from_mesa_keywords(seed, overrides)
        except ValueError as exc:
            raise ParameterError(str(exc)) from None
        if seed is None:
            seed = int(np.random.SeedSequence().entropy % (2**63))
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
            raise ParameterError(f"seed must be a non-negative integer, got {seed!r}")
        seed = int(seed)
        _check_arguments(preset, swaps, params, populate, record_events)
        burn_in = check_burn_in(burn_in)
        super().__init__(**_mesa.model_kwargs(seed))
        self.agent_id_counter = 1  # the model numbers its agents (abm._mesa)
        if _mesa.MODEL_AGENT_DICT:  # Mesa 3.3 and 3.4: see register_agent
            self._all_agents = _OwnedAgentSet([], random=self.random)
            self._agents = self._all_agents._agents
        self.seed = seed
        self.burn_in: int = burn_in
        """Quarters at the start that the summary metrics leave out (a run setting, by default
        ``abm.constants.BURN_IN``): it changes what is measured, never the simulated path
        (no mechanism's decision reads it; docs/ODD.md 7.22)."""
        self.preset = preset
        self.swaps = dict(swaps or {})
        self.p: Params = params.replace(**overrides) if params is not None else resolve(
            preset, self.swaps, overrides)
        from .mechanisms import reforms
        from .presets import preset_dated_swaps

        inherited = preset_dated_swaps(preset) if params is None else {}
        self.dated_swaps: dict[str, tuple[str, int]] = reforms.check(
            {**inherited, **dict(dated_swaps or {})}, self.p.start_year)
        """``{component: (donor_preset, year)}``: components reformed at a date (the
        preset's own ``dated_swaps``, then the argument's; :mod:`abm.mechanisms.reforms`)."""
        self.reforms_done: list[tuple[int, str, str]] = []
        """``(step, component, donor)`` of every dated swap applied so far."""
        from .mechanisms import history
        from .presets import preset_dated_series

        self.dated_series = history.check(preset_dated_series(preset) if params is None else {})
        """``{parameter: (series, first_base_year, last_base_year)}``: parameters that follow
        a public series year by year (:mod:`abm.mechanisms.history`)."""
        self.dated_series_base = {n: self.p[n] for n in self.dated_series}
        """The dated-series parameters' values before any year is applied (the base level)."""
        if self.dated_series:
            history.apply(self, self.p.start_year)
        self.n_sectors = max(1, round(self.p.n_sectors * self.p.scale))
        """Sectors of this economy: ``n_sectors x scale`` (at least 1), so that a model at
        ``scale`` s is s copies of the economy (firms per sector, partners per incumbent and
        concentration do not change with ``scale``; docs/ODD.md 2)."""
        streams = np.random.SeedSequence(seed).spawn(len(STREAMS))
        self.rngs: dict[str, np.random.Generator] = {
            name: np.random.default_rng(s) for name, s in zip(STREAMS, streams)}

        # The attributes below come in five groups. Names that look alike mean different
        # things: ``st`` is the startups' column table (every startup ever, one row each),
        # ``startups`` the live startup agents by row, ``stats`` this step's values of the
        # collected time series.

        # -- populations: the agents, by kind --------------------------------------------------
        self.startups: dict[int, Startup] = {}
        """Live startup agents (active or public) by their row in :attr:`st`."""
        self.incumbents: list[Incumbent] = []
        """Every incumbent ever, by table row (dead ones stay for the record)."""
        self.funds: list[VCFund] = []
        """Every fund ever, in creation order = by row of :attr:`fund_table` (closed ones stay
        for the metrics)."""
        self.open_funds: list[VCFund] = []
        """Funds not closed yet, in creation order (read it through :meth:`live_funds`)."""
        self.universities: list[University] = []
        self.pool: list[int] = []
        """Rows in :attr:`fo` of the founders between ventures (candidates to found again;
        some are angels), in the order they came back: read as agents through
        :attr:`founder_pool`."""
        self.angel_rows: np.ndarray = np.zeros(0, np.int64)
        """Rows in :attr:`fo` of this quarter's angels (the founders between ventures who
        are angels when founding starts): read as agents through :attr:`angels`."""
        self.founder_at: list[Founder | None] = []
        """Founders still in the ecosystem by their row in :attr:`fo` (``None``: retired)."""
        self.fund_by_uid: dict[int, VCFund] = {}
        """Every fund ever, by ``unique_id`` (cap-table holder ids to funds)."""
        self.founder_by_uid: dict[int, Founder] = {}
        """Founders still in the ecosystem, by id (cap-table holders that receive money)."""
        # (the ministry is created below, after the tables)

        # -- tables: the column state of the column-table agents ------------------------------
        self.st = Table(Startup.COLUMNS, capacity=int(2000 * self.p.scale) + 64)
        """The startups' column table (:attr:`abm.agents.Startup.COLUMNS`): one row per
        startup ever founded, failed and exited ones included."""
        self.inc = Table(Incumbent.COLUMNS,
                         capacity=int(2 * self.p.n_incumbents * self.p.scale) + 16)
        """The incumbents' column table (:attr:`abm.agents.Incumbent.COLUMNS`), one row per
        incumbent ever."""
        self.fo = Table(Founder.COLUMNS, capacity=int(4000 * self.p.scale) + 64)
        """The founders' column table (:attr:`abm.agents.Founder.COLUMNS`): one row per
        founder ever, retired ones included (a :class:`Founder` agent is a view onto its
        row)."""
        self.fund_table = Table(VCFund.FIXED_COLUMNS, capacity=256)
        """A fund's fixed attributes at its ``row`` (:attr:`abm.agents.VCFund.FIXED_COLUMNS`;
        vectorised reads of every live fund)."""
        self.net = Network()
        """Every tie between agents, as compact arrays (networkx on demand: :attr:`graph`)."""

        # -- state of the economy that persists across quarters --------------------------------
        self.ledger = Ledger()
        """Money minted from outside sources and sunk into outside destinations."""
        self.idle = 0
        """Workers without a job (the labour pool startups and incumbents hire from)."""
        self.workers_in = 0
        """Graduates who entered the labour pool so far."""
        self.workers_out = 0
        """Workers who retired from the labour pool so far."""
        self.ipo_window = True
        """Whether the IPO window is open this quarter (a two-state Markov chain)."""
        self.lp_carry = 0.0
        """LP money of past quarters not yet placed in a fund (not yet committed)."""
        self.ipo_heat = 0.0
        """Moving average of log after-market returns of IPOs at their lock-up ends: the
        market signal in IPO and round prices (:func:`abm.mechanisms.funds.release_lockups`)."""
        self.next_manager = 1
        """Id the next new fund management team gets."""
        self.market = Market(self.n_sectors)
        """Per-sector demand, reference quality and frontier (:mod:`abm.mechanisms.markets`)."""
        self.growth = Growth()
        """Accumulated productivity-growth decomposition (Foster, Haltiwanger & Krizan)."""
        self.quarter = Quarter()
        """What mechanisms hand to each other within the current quarter (:class:`Quarter`;
        a fresh one each step)."""
        self.maturity = Maturity()
        """State of the six components' feedback loops (:mod:`abm.mechanisms.maturity`)."""

        # -- accumulators for the outputs (see abm.metrics) -----------------------------------
        self.rounds = Records({"step": np.int32, "stage": np.int8, "amount": np.float64,
                               "corporate": np.bool_, "government": np.bool_,
                               "independent": np.bool_})
        """(step, stage, amount, has_corporate, has_government, has_independent) per round."""
        self.deals = Records({"step": np.int32, "cost": np.float64, "proceeds": np.float64,
                              "route": np.int8, "fund": np.int32, "startup": np.int32,
                              "strategic": np.bool_})
        """(step, cost, proceeds, route, fund row, startup row, strategic) per ended fund
        position (route: ``constants.DEAL_ROUTES``; :func:`abm.fundbook.receive`)."""
        self.commitments: list[tuple[int, str, float]] = []
        """(step, source, amount) per new fund commitment (private_lp, government, corporate)."""
        self.innovators: dict[int, dict[int, float]] = {}
        """Cumulative innovation count by innovator id, snapshotted every 10 steps."""
        self.counts = {"job_moves": 0.0, "partnerships_formed": 0, "new_incumbents": 0,
                       "incumbents_displaced": 0, "acquihires": 0, "shelved": 0,
                       "delisted": 0, "down_round_ipos": 0, "priced_rounds": 0,
                       "down_rounds": 0, "flat_rounds": 0, "cvc_wound_down": 0,
                       "group_injections": 0, "killed_better_products": 0, "wound_down": 0,
                       "killed_output": 0.0, "incumbents_acquired": 0, "mergers_blocked": 0,
                       "listed_takeovers_blocked": 0, "wound_down_after_burn_in": 0}
        """Run totals of events the summary reports as counts."""
        self.partner_history: dict[tuple[int, int], int] = {}
        """Partnerships formed so far by (startup row, incumbent row): repeat ties."""
        self.incumbent_row_by_uid: dict[int, int] = {}
        """Incumbents' table rows by agent id (incumbents can hold startup equity)."""
        self.stats: dict[str, float] = dict.fromkeys(SERIES, 0.0)
        """This step's value of every collected time series (:data:`SERIES`; the flows among
        them are reset at the start of each step, the DataCollector reads them at its end)."""
        self.history: dict[str, list[float]] = {k: [] for k in
                                                ("total_revenue", "firms", "workers",
                                                 "productivity", "employed", "all_firms",
                                                 "value_added")}
        """Per-step totals the summary's growth and productivity metrics read."""
        self._events: deque[tuple] = deque(maxlen=300)
        """The latest events as ``(step, kind, template, args)``: the text is formatted only
        when :attr:`events` is read (most events of a batch run are never read)."""
        self.record_events = record_events

        # -- caches: derived from the above, kept until it changes ----------------------------
        self._fund_closed = False
        """Whether a fund closed since :attr:`open_funds` was last filtered."""
        self.fund_version = 0
        """Counts funds created and closed (keys the cache of :meth:`live_fund_rows`)."""
        self._live_rows: tuple[int, np.ndarray] = (-1, np.zeros(0, dtype=np.int64))
        """``(fund_version, rows)``: the cached :meth:`live_fund_rows`."""
        self.positions_moved()  # no sector centre known yet (:meth:`_startup_position`)

        self.ministry = Ministry(self)
        self._add_node(self.ministry, "ministry")
        self.small = smallfirms.build(self)
        """The ordinary small firms, as arrays (:mod:`abm.mechanisms.smallfirms`)."""
        if populate:
            self._populate()
        self.datacollector = DataCollector(
            model_reporters={name: partial(_stat, name=name) for name in SERIES})
        self._collect_step0()  # Mesa convention: a row at step 0 (see _collect_step0)

    # -- population --------------------------------------------------------------------------
    def _populate(self) -> None:
        p, rng = self.p, self.rngs["setup"]
        n_inc = max(1, round(p.n_incumbents * p.scale))
        n_groups = min(n_inc, round(p.n_business_groups * p.scale))
        if p.n_business_groups > 0:
            n_groups = max(1, n_groups)
        sizes = rng.lognormal(0.0, 0.8, n_inc)
        sizes = sizes / sizes.mean() * C.INCUMBENT_REVENUE
        for i in range(n_inc):
            g = int(rng.integers(max(n_groups, 1)))  # drawn even without groups (same stream)
            self.add_incumbent(sector=i % self.n_sectors, group=g if n_groups else -1,
                               revenue=float(sizes[i]))
        self._draw_traits(rng)
        # a stationary start: each incumbent's knowledge stock where its innovations replace
        # what depreciates (docs/ODD.md 7.22); no draw
        from .mechanisms.incumbents import stationary_knowledge

        self.inc.view("knowledge")[:] = stationary_knowledge(p, self.inc.view("rd"))
        self.inc.view("tech")[:] = self.rngs["technology"].random(n_inc)
        self.positions_moved()  # the positions were just drawn
        self.market.world = p.frontier_gap  # the firms start at pq 0
        self.market.base = np.bincount(self.inc.view("sector"), weights=self.inc.view("revenue"),
                                       minlength=self.n_sectors)[: self.n_sectors]
        employed = int(self.inc.view("headcount").sum())
        self.idle = int(employed * C.IDLE_SHARE)
        n_uni = max(1, round(p.n_universities * p.scale))
        for _ in range(n_uni):
            self.add_university(C.UNIVERSITY_BUDGET / C.STEPS_PER_YEAR)
        # CVC units of a share of incumbents
        for inc in self.incumbents:
            if rng.random() < p.cvc_share_of_incumbents:
                self.add_fund("corporate", 0.0, parent=inc)
        # a steady state of independent funds of past vintages, so the first years have capital
        from .mechanisms.funds import new_fund_size
        for age in range(C.INVEST_PERIOD - 4, 0, -4):
            budget = p.lp_capital_per_year * p.scale
            while budget > 0:
                size = min(budget, new_fund_size(self, rng))
                budget -= size
                self.add_fund("independent", size, vintage=-age)
                self.commitments.append((-age, "private_lp", size))
        smallfirms.populate(self)  # its own stream: the other streams draw as before
        # the ministry's first appropriation happens in step 1 (mechanisms.policy)

    def add_incumbent(self, sector: int, group: int, revenue: float, cash: float | None = None,
                      headcount: int | None = None, productivity: float | None = None,
                      from_startup: bool = False, pq: float = 0.0,
                      reach: float | None = None, tech: float = 0.0) -> Incumbent:
        """Create an incumbent (minting its initial cash from outside the ecosystem).

        ``pq`` is its product quality (log); ``reach`` its log reach in base units (default:
        ``log(revenue)`` deflated by the nominal trend), ``tech`` its position in technology
        space; see :mod:`abm.mechanisms.markets`."""
        p = self.p
        productivity = productivity or C.INCUMBENT_PRODUCTIVITY
        if headcount is None:
            headcount = int(revenue / productivity)
        if cash is None:
            cash = revenue * C.INCUMBENT_CASH_TARGET / 2
            self.ledger.mint("incumbent_equity", cash)
        row = self.inc.add(sector=sector, group=group, revenue=revenue, revenue0=revenue,
                           cash=cash, headcount=headcount, productivity=productivity,
                           openness=p.incumbent_openness, appetite=p.acquisition_appetite,
                           nih=p.nih_bias, from_startup=from_startup, entered=self.steps,
                           pq=pq, demand=revenue, tech=tech,
                           reach=math.log(max(revenue, 1e-9)) - C.MARKET_GROWTH * self.steps
                           if reach is None else reach)
        agent = Incumbent(self, row)
        self.inc.uid[row] = agent.unique_id
        self.incumbent_row_by_uid[agent.unique_id] = row
        self.incumbents.append(agent)
        self._add_node(agent, "incumbent")
        self.positions_moved()
        return agent

    def _draw_traits(self, rng: np.random.Generator) -> None:
        """Incumbents' openness, appetite and not-invented-here bias drawn around the preset's
        values: ``Beta(m k, (1 - m) k)``, ``k = HETEROGENEITY_CONCENTRATION /
        incumbent_heterogeneity`` (mean ``m``; identical incumbents at heterogeneity 0)."""
        from scipy.stats import beta

        het = self.p.incumbent_heterogeneity
        n = self.inc.n
        for col in ("openness", "appetite", "nih"):
            # one uniform per incumbent and trait whatever the values, so every preset draws
            # the same stream (common random numbers: the same quantile in every regime)
            u = rng.random(n)
            m = float(getattr(self.inc, col)[0]) if n else 0.0
            if het > 0 and 0.0 < m < 1.0:
                k = min(C.HETEROGENEITY_CONCENTRATION / het, 1e3)
                a, b = max(m * k, 1e-3), max((1.0 - m) * k, 1e-3)
                getattr(self.inc, col)[:n] = np.clip(beta.ppf(u, a, b), 0.0, 1.0)

    def add_university(self, budget: float) -> University:
        uni = University(self, budget)
        self.universities.append(uni)
        self._add_node(uni, "university")
        return uni

    def add_fund(self, kind: str, size: float, parent: Incumbent | None = None,
                 vintage: int | None = None, manager: int | None = None,
                 gov_commitment: float = 0.0, generation: int = 1,
                 stage_range: tuple[int, int] | None = None, skill: float | None = None,
                 mint: bool = True) -> VCFund:
        """Create a fund whose committed capital is called at once into its cash.

        ``mint`` records the commitment as money entering the ecosystem (LPs, government
        or parent money); pass ``False`` when the caller moved the money itself.
        """
        p, rng = self.p, self.rngs["funds"]
        if stage_range is None:
            if kind == "corporate":
                stage_range = (1, C.GROWTH)
            elif kind == "government":
                stage_range = (1, 4)
            else:
                focus = choice(rng, 3, (0.4, 0.4, 0.2))
                stage_range = ((1, 3), (1, C.GROWTH), (3, C.GROWTH))[int(focus)]
        if skill is None:
            skill = {"independent": p.fund_selection_skill,
                     "corporate": p.fund_selection_skill * C.CVC_SKILL_SHARE,
                     "government": p.gov_selection_skill}[kind]
        if manager is None:
            manager = self.next_manager
            self.next_manager += 1
        fund = VCFund(self, kind, size, stage_range[0], stage_range[1], skill, manager,
                      parent=parent, gov_commitment=gov_commitment, generation=generation)
        if vintage is not None:
            fund.vintage = vintage
        fund.row = self.fund_table.add(
            stage_min=fund.stage_min, stage_max=fund.stage_max, skill=fund.skill,
            vintage=fund.vintage, corporate=kind == "corporate", government=kind == "government",
            parent=-1 if parent is None else parent.row)
        if mint and size > 0:
            self.ledger.mint(f"commitments_{kind}", size)
        if parent is not None:
            parent.cvc = fund
        self.funds.append(fund)
        self.open_funds.append(fund)
        self.fund_version += 1
        self.fund_by_uid[fund.unique_id] = fund
        self._add_node(fund, "fund", fund_kind=kind)
        return fund

    def add_founder(self, origin: int, rng: np.random.Generator) -> Founder:
        p = self.p
        skill = float(rng.beta(2.0, 2.0))
        risk = min(max(float(rng.normal(p.risk_tolerance, 0.15)), 0.0), 1.0)
        founder = Founder(self, origin, skill, risk)
        self.founder_by_uid[founder.unique_id] = founder
        at, row = self.founder_at, founder.row
        if row == len(at):
            at.append(founder)
        else:  # rows of founders built directly (Founder(model, ...), as tests do)
            at.extend([None] * (row + 1 - len(at)))
            at[row] = founder
        return founder

    @property
    def founder_pool(self) -> list[Founder]:
        """The founders between ventures, as agents, in pool order (a new list built from
        :attr:`pool`; assign a list of founders to replace the pool)."""
        at = self.founder_at
        return [at[r] for r in self.pool]

    @founder_pool.setter
    def founder_pool(self, founders: list[Founder]) -> None:
        self.pool = [f.row for f in founders]

    @property
    def angels(self) -> list[Founder]:
        """This quarter's angels as agents (:attr:`angel_rows`)."""
        at = self.founder_at
        return [at[r] for r in self.angel_rows.tolist()]

    def add_startup(self, founders: list[Founder], sector: int, quality: float,
                    disruptive: bool, origin: int, cash: float = 0.0, headcount: int | None = None,
                    stage: int = 0) -> Startup:
        """Create a startup owned by ``founders`` (equal split of 1 - ESOP)."""
        headcount = len(founders) if headcount is None else headcount
        rsm = self.p.round_size_multiplier
        row = self.st.add(founded=self.steps, status=C.ACTIVE, stage=stage, sector=sector,
                          disruptive=disruptive, origin=origin, quality=quality, cash=cash,
                          headcount=headcount, valuation=C.PRE_MONEY[0] * rsm,
                          last_round=self.steps, n_founders=len(founders),
                          risk=sum(f.risk_tolerance for f in founders) / len(founders)
                          if founders else self.p.risk_tolerance,
                          pq=float(self.market.qref[sector]))
        self.st.tech[row] = self._startup_position(sector, disruptive)
        s = Startup(self, row)
        self.st.uid[row] = s.unique_id
        self.startups[row] = s
        s.founders = list(founders)
        share = (1.0 - C.ESOP) / max(1, len(founders))
        fo = self.fo
        for f in founders:
            r = f.row
            fo.startup[r] = row
            fo.founded[r] += 1
            s.cap_table[f.unique_id] = s.cap_table.get(f.unique_id, 0.0) + share
        self._add_node(s, "startup")
        return s

    def add_ventures(self, ventures: list[tuple]) -> list[Startup]:
        """Create a quarter's new startups and their new founders at once (founding's batch;
        :mod:`abm.mechanisms.founding` decides each venture, with all its random draws, first).

        Each venture is ``(origin, serial, team, sector, quality, disruptive, cash, headcount,
        parent, uni, spill, angel)``: ``serial`` the row of a founder from the pool who leads
        it (or -1), ``team`` the ``(skill, risk_tolerance)`` of each new founder, ``parent``
        the uid of the incumbent it spins out of (or -1), ``uni`` the university it spins off
        from (or ``None``, else its ``spill``), ``angel`` an angel's pre-seed check as
        ``(pre_money, uid, amount)`` (or ``None``). The result is what :meth:`add_founder`
        for each new founder, then :meth:`add_startup`, the angel's dilution and the
        ``spinoff`` ties would give venture after venture: the same agents with the same
        ``unique_id`` s (each venture's new founders, then the startup), the same rows, cap
        tables, network and technology draws in the same order; the table rows are written
        column by column for all ventures at once."""
        k = len(ventures)
        if not k:
            return []
        st, fo, at = self.st, self.fo, self.founder_at
        n_new = sum(len(v[2]) for v in ventures)
        f0 = fo.extend(n_new)
        s0 = st.extend(k)
        if len(at) < f0:  # rows of founders built directly (Founder(model, ...), as tests do)
            at.extend([None] * (f0 - len(at)))
        by_uid, startups, net, steps = self.founder_by_uid, self.startups, self.net, self.steps
        new_agent = Founder.__new__
        init = Agent.__init__
        share_of = C.ESOP
        f_uid, f_origin, f_skill, f_risk, f_startup = [], [], [], [], []
        s_uid, risk, n_founders, link_a, link_b = [], [], [], [], []
        serial_rows, serial_at = [], []
        out = []
        row = s0
        for (origin, serial, team, sector, quality, disruptive, cash, headcount, parent, uni,
             spill, angel) in ventures:
            founders = [at[serial]] if serial >= 0 else []
            r_sum = founders[0].risk_tolerance if founders else 0
            for skill, r_tol in team:
                f = new_agent(Founder)
                init(f, self)
                f.row = len(at)
                at.append(f)
                by_uid[f.unique_id] = f
                founders.append(f)
                f_uid.append(f.unique_id)
                f_origin.append(origin)
                f_skill.append(skill)
                f_risk.append(r_tol)
                f_startup.append(row)
                r_sum += r_tol
            s = Startup(self, row)
            s_uid.append(s.unique_id)
            startups[row] = s
            s.founders = founders
            n = len(founders)
            n_founders.append(n)
            risk.append(r_sum / n)
            share = (1.0 - share_of) / max(1, n)
            cap = s.cap_table
            for f in founders:
                cap[f.unique_id] = cap.get(f.unique_id, 0.0) + share
            if serial >= 0:
                serial_rows.append(serial)
                serial_at.append(row)
            if parent >= 0:
                link_a.append(parent)
                link_b.append(s.unique_id)
            if angel is not None:
                s.dilute(angel[0], {angel[1]: angel[2]})
            if uni is not None:
                uni.spinoffs += 1
                link_a.append(uni.unique_id)
                link_b.append(s.unique_id)
            out.append(s)
            row += 1
        net.add_nodes(s_uid, "startup", steps)
        net.link_pairs(link_a, link_b, "spinoff", steps)
        sectors = [v[3] for v in ventures]
        disruptive = [v[5] for v in ventures]
        tech = self._startup_positions(sectors, disruptive)
        f1, s1 = f0 + n_new, s0 + k
        fo.uid[f0:f1] = f_uid
        fo.origin[f0:f1] = f_origin
        fo.skill[f0:f1] = f_skill
        fo.risk_tolerance[f0:f1] = f_risk
        fo.startup[f0:f1] = f_startup
        fo.founded[f0:f1] = 1
        if serial_rows:
            fo.startup[serial_rows] = serial_at
            fo.founded[serial_rows] += 1
        rsm = self.p.round_size_multiplier
        st.founded[s0:s1] = steps
        st.status[s0:s1] = C.ACTIVE
        st.stage[s0:s1] = 0
        st.sector[s0:s1] = sectors
        st.disruptive[s0:s1] = disruptive
        st.origin[s0:s1] = [v[0] for v in ventures]
        st.quality[s0:s1] = [v[4] for v in ventures]
        st.cash[s0:s1] = [v[6] for v in ventures]
        st.headcount[s0:s1] = [v[7] for v in ventures]
        st.valuation[s0:s1] = C.PRE_MONEY[0] * rsm
        st.last_round[s0:s1] = steps
        st.n_founders[s0:s1] = n_founders
        st.risk[s0:s1] = risk
        st.pq[s0:s1] = self.market.qref[sectors]
        st.tech[s0:s1] = tech
        st.uid[s0:s1] = s_uid
        for i, v in enumerate(ventures):
            if v[10] is not None:
                st.spill[s0 + i] = v[10]
        return out

    def _startup_position(self, sector: int, disruptive: bool) -> float:
        """Technology position of a new startup of ``sector`` (docs/ODD.md 7.18): a complement
        builds near its sector's incumbents (their circular mean, s.d. 0.05); a disruptive
        technology lands anywhere on the circle. Drawn from the ``technology`` stream."""
        rng = self.rngs["technology"]
        if disruptive:
            return float(rng.random())
        centre = self._sector_centres.get(sector)
        if centre is None:  # once per sector until an incumbent moves, enters or leaves
            inc = self.inc
            mine = inc.view("alive") & (inc.view("sector") == sector)
            angle = 2.0 * np.pi * inc.view("tech")[mine]
            centre = (math.atan2(float(np.sin(angle).sum()), float(np.cos(angle).sum()))
                      / (2.0 * np.pi)) if mine.any() else 0.0
            self._sector_centres[sector] = centre
        return float((centre + 0.05 * rng.standard_normal()) % 1.0)

    def _startup_positions(self, sectors: list[int], disruptive: list[bool]) -> list[float]:
        """:meth:`_startup_position` of each new startup in turn (the same draws from the
        ``technology`` stream in the same order: a run of startups of one kind draws its
        uniforms or normals in one call, which gives the numbers one call each would give)."""
        k = len(sectors)
        if not k:
            return []
        rng = self.rngs["technology"]
        centres = self._sector_centres
        missing = [s for s, d in zip(sectors, disruptive) if not d and s not in centres]
        if missing:  # as _startup_position computes them (in first-use order), views read once
            inc = self.inc
            alive, sector, tech = inc.view("alive"), inc.view("sector"), inc.view("tech")
            for s in missing:
                if s in centres:
                    continue
                mine = alive & (sector == s)
                angle = 2.0 * np.pi * tech[mine]
                centres[s] = (math.atan2(float(np.sin(angle).sum()), float(np.cos(angle).sum()))
                              / (2.0 * np.pi)) if mine.any() else 0.0
        out: list[float] = []
        i = 0
        while i < k:
            j, kind = i + 1, disruptive[i]
            while j < k and disruptive[j] == kind:
                j += 1
            if kind:
                out.extend(rng.random(j - i).tolist())
            else:
                for s, z in zip(sectors[i:j], rng.standard_normal(j - i).tolist()):
                    out.append((centres[s] + 0.05 * z) % 1.0)
            i = j
        return out

    def positions_moved(self) -> None:
        """Forget the sectors' centres of incumbent positions (:meth:`_startup_position`):
        called whenever an incumbent's technology position changes (``abm.products.shift``) or an
        incumbent enters (:meth:`add_incumbent`) or leaves (``incumbents.exit_incumbent``).
        Between those events the centre is the same float, so a quarter's new startups of a
        sector share one computation instead of one each (results unchanged)."""
        self._sector_centres: dict[int, float] = {}

    def live_funds(self) -> list[VCFund]:
        """Funds not yet closed, in creation order: what the per-step mechanisms loop over
        (``self.funds`` keeps every fund ever and grows without bound)."""
        if self._fund_closed:
            self._fund_closed = False
            self.open_funds = [f for f in self.open_funds if not f.closed]
        return self.open_funds

    def live_fund_rows(self) -> np.ndarray:
        """The :attr:`fund_table` rows of :meth:`live_funds`, in the same order (kept until a
        fund is created or closes)."""
        live = self.live_funds()
        version, rows = self._live_rows
        if version != self.fund_version:
            rows = np.fromiter([f.row for f in live], np.int64, len(live))
            self._live_rows = (self.fund_version, rows)
        return rows

    def retire(self, agent: Any) -> None:
        """A closed fund or an exited incumbent leaves the live agents (Mesa's
        ``model.agents``) and, for a fund, :meth:`live_funds`. It stays in :attr:`funds` or
        :attr:`incumbents` (and its table row) for the metrics."""
        if isinstance(agent, VCFund):
            agent.closed = True
            self._fund_closed = True
            self.fund_version += 1
        agent.remove()

    # -- graph and events --------------------------------------------------------------------
    @property
    def graph(self):
        """The ecosystem network as a networkx ``MultiGraph`` (edge key = tie type), built
        from :attr:`net` on first use after a change (see :mod:`abm.network`). For the app,
        reports and tests; the model itself works on :attr:`net`."""
        return self.net.to_networkx()

    def _add_node(self, agent: Any, kind: str, **attrs: Any) -> None:
        self.net.add_node(agent.unique_id, kind, self.steps, **attrs)

    def link(self, a: int, b: int, kind: str, **attrs: Any) -> None:
        """Add a typed edge (``partnership``, ``investment``, ``acquisition``, ``spinoff``,
        ``employment``, ``joint_research``, ``grant``) formed at the current step.

        The edge key is its type; its data hold the step it formed (and, for rare edges such
        as acquisitions, a few attributes). Nothing happens if either end is not (or no
        longer) in the network."""
        self.net.link(a, b, kind, self.steps, **attrs)

    def event(self, kind: str, template: str, *args: Any) -> None:
        """Log an event of ``kind`` whose text is ``template.format(*args)`` (formatted when
        read)."""
        if self.record_events:
            self._events.append((self.steps, kind, template, args))

    @property
    def events(self) -> list[dict[str, Any]]:
        """The latest events (at most 300), oldest first: ``{"step", "kind", "text"}``."""
        return [{"step": step, "kind": kind, "text": template.format(*args)}
                for step, kind, template, args in self._events]

    def is_new_year(self) -> bool:
        """Whether the current step opens a year (steps 1, 5, 9, ...: Mesa counts from 1)."""
        return (self.steps - 1) % C.STEPS_PER_YEAR == 0

    # -- schedule ----------------------------------------------------------------------------
    def step(self) -> None:
        """Advance one quarter: every mechanism in the documented order, then collect data."""
        from . import mechanisms as M

        self.quarter = Quarter()
        for key in FLOWS:  # the flows count this quarter's events
            self.stats[key] = 0.0
        if self.dated_swaps:
            M.reforms.step(self)
        if self.dated_series:
            M.history.step(self)
        M.policy.appropriate(self)
        M.funds.raise_funds(self)
        M.universities.step(self)
        M.founding.step(self)
        M.sectors.step(self)
        M.markets.advance(self)
        M.operations.step(self)
        M.partnerships.step(self)
        M.funding.step(self)
        M.policy.grants_and_procurement(self)
        M.exits.ipos(self)
        M.exits.acquisitions(self)
        M.winddown.step(self)
        M.exits.failures(self)
        M.mergers.step(self)
        M.listed.step(self)
        M.incumbents.step(self)
        M.smallfirms.step(self)
        M.labor.step(self)
        M.funds.life_cycle(self)
        M.innovation.snapshot(self)
        M.maturity.step(self)
        M.observe(self)
        self.datacollector.collect(self)

    def run(self, steps: int = 100, progress: Any = None, *,
            force: bool = False) -> "EcosystemModel":
        """Run ``steps`` quarters (``progress`` is called with the step number after each).

        ``steps`` is bounded by :data:`abm.constants.MAX_STEPS` (the length the model is
        known to hold, experiments/limits.py) unless ``force``: ``run(10**12)`` is refused
        at once rather than running without end.

        Python's cyclic garbage collector is paused while the steps run (and restored after,
        also on error). The model creates no reference cycles as it runs (a test checks
        that a run leaves nothing for the collector), so the pause frees nothing later; but
        with hundreds of thousands of live agents each full collection scans them all, which
        cost a third of the run time at ``scale`` 10 and grew faster than the population.
        """
        if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 0:
            raise ParameterError(f"steps must be a non-negative integer, got {steps!r}")
        if steps > C.MAX_STEPS and not force:
            raise ParameterError(f"steps {int(steps):,} is above the limit of {C.MAX_STEPS:,} "
                                 f"quarters per run (the length the model is known to hold; "
                                 f"docs/experiments.md); pass force=True to run it anyway")
        self._check_live("run")
        with _collector_paused():
            for _ in range(int(steps)):
                self.step()
                if progress is not None:
                    progress(self.steps)
        return self

    # -- outputs -----------------------------------------------------------------------------
    def summary(self) -> dict[str, float]:
        """End-of-run summary: a flat dict of finite floats (docs/DESIGN.md section 5)."""
        from .metrics import summary

        self._check_live("summary")
        return summary(self)

    def timeseries(self):
        """Per-step time series as a pandas DataFrame (one row per step, ``step`` from 1).

        The DataCollector also holds a row for step 0 (the state before the first quarter,
        see :meth:`_collect_step0`); it is left out here, so the rows are the quarters run.
        """
        self._check_live("timeseries")
        df = self.datacollector.get_model_vars_dataframe().iloc[1:]
        df.index = range(1, len(df) + 1)
        df.index.name = "step"
        return df

    # -- Mesa compatibility, save and resume ---------------------------------------------------
    def _collect_step0(self) -> None:
        """Collect the DataCollector's row for step 0, as Mesa's own models do, so that row
        ``N`` is the state after ``N`` quarters: ``mesa.batch_run``'s ``Step`` and the x axis
        of Mesa's ``make_plot_component`` then count quarters like :attr:`steps`.

        Stocks (startups, incumbents, employment, dry powder...) are measured from the
        initial population with :func:`abm.mesa_compat.stock_stats`, which changes nothing
        and draws no random number; flows are 0. :attr:`stats` itself is left as it was.
        """
        from .mesa_compat import stock_stats

        kept = self.stats
        self.stats = {**kept, **stock_stats(self)}
        try:
            self.datacollector.collect(self)
        finally:
            self.stats = kept

    if _mesa.MODEL_AGENT_DICT:
        def register_agent(self, agent) -> None:
            """Mesa's registration (``Model.register_agent``, called by ``Agent.__init__``) on
            Mesa 3.3 and 3.4, with the model's agent sets held strongly (:class:`_OwnedAgentSet`)
            and ``Model._agents`` (Mesa's strong references to every agent) the very dict of
            ``model.agents``: one entry per agent there and one in its type's set, instead of
            three. The agent's ``unique_id`` comes from the model's ``agent_id_counter`` as in
            Mesa 3.4+ (:mod:`abm._mesa`). (Mesa's version also formats a debug message for every
            agent, logged or not.) From Mesa 3.5 Mesa's own registration does the same."""
            agent.unique_id = self.agent_id_counter
            self.agent_id_counter += 1
            kind = type(agent)
            by_type = self._agents_by_type.get(kind)
            if by_type is None:
                by_type = self._agents_by_type[kind] = _OwnedAgentSet([], random=self.random)
            self._agents[agent] = None  # also adds it to model.agents (the same dict)
            by_type._agents[agent] = None

        def deregister_agent(self, agent) -> None:
            """Mesa's ``Model.deregister_agent`` (called by ``Agent.remove``) for the shared dict
            of :meth:`register_agent`."""
            del self._agents[agent]
            del self._agents_by_type[type(agent)]._agents[agent]

    def __setstate__(self, state: dict[str, Any]) -> None:
        """Restore the pickled state (:meth:`snapshot`, :func:`copy.deepcopy`). The next agent
        id travels in it (``agent_id_counter``), so the copy numbers its new agents on from
        where the original stood and continues exactly as the original would have."""
        state = dict(state)
        next_id = state.pop("_next_agent_id", None)  # snapshots of version 0.1
        state.setdefault("burn_in", C.BURN_IN)  # snapshots from before burn_in was a setting
        old_pool = state.pop("founder_pool", None)  # snapshots from before model.fo
        old_angels = state.pop("angels", None)
        self.__dict__.update(state)
        if next_id is not None:
            self.agent_id_counter = next_id
        if "fo" not in state:
            self._founders_to_table(old_pool or [], old_angels or [])
        if _mesa.MODEL_AGENT_DICT and "_all_agents" in state:
            self._all_agents._agents = self._agents  # one dict for both (register_agent)

    def _founders_to_table(self, pool: list, angels: list) -> None:
        """Move the founders of a snapshot from before the founders' table (0.2.0 and
        earlier: a founder's state in its attributes) into :attr:`fo`: every founder still
        in the ecosystem, then any other founder of a live startup's team or among the
        quarter's angels (retired ones, which :mod:`abm.mechanisms.exits` still reads).
        Values keep their types."""
        fo = Table(Founder.COLUMNS, capacity=int(4000 * self.p.scale) + 64)
        names = [c.name for c in Founder.COLUMNS if c.name != "uid"]
        self.founder_at = []
        done: set[int] = set()

        def move(f: Founder, live: bool) -> None:
            if id(f) in done:
                return
            done.add(id(f))
            d = f.__dict__
            f.row = fo.add(uid=f.unique_id, **{n: d.pop(n) for n in names if n in d})
            self.founder_at.append(f if live else None)

        for f in self.founder_by_uid.values():
            move(f, True)
        for s in self.startups.values():
            for f in s.founders:
                move(f, False)
        for f in angels:  # (this quarter's: one may have retired since)
            move(f, False)
        self.fo = fo
        self.pool = [f.row for f in pool]
        self.angel_rows = np.array([f.row for f in angels], dtype=np.int64)

    def snapshot(self) -> bytes:
        """The whole model as bytes (a pickle): save it to a file, send it to a worker, or
        branch several runs from it with :meth:`restore`.

        A restored snapshot continues exactly as the uninterrupted run: same random
        streams, same agent ids, same summary and time series, byte for byte.

        Example:
            >>> m = EcosystemModel(preset="japan", seed=1, scale=0.2).run(4)
            >>> saved = m.snapshot()
            >>> a = EcosystemModel.restore(saved).run(4)
            >>> b = EcosystemModel.restore(saved).run(4)
            >>> a.summary() == b.summary() == m.run(4).summary()
            True
        """
        self._check_live("snapshot")
        return pickle.dumps(self, protocol=pickle.HIGHEST_PROTOCOL)

    @classmethod
    def restore(cls, data: bytes, **overrides: Any) -> "EcosystemModel":
        """A model from :meth:`snapshot`'s bytes, optionally with new parameter values.

        Args:
            data: what :meth:`snapshot` returned (or the bytes of a file it was saved to).
            **overrides: parameter values to change from now on (validated like the
                constructor's, e.g. a policy switched on at the branch point). Mechanisms
                read them from the next step; what was built or copied from them before
                (the initial population, ``scale``, the openness an incumbent was created
                with...) keeps its old value.

        Raises:
            TypeError: ``data`` is not a snapshot of this class.
            ParameterError: an unknown parameter or a value out of range.
        """
        model = pickle.loads(data)
        if not isinstance(model, cls):
            raise TypeError(f"not a snapshot of {cls.__name__}: {type(model).__name__}")
        if overrides:
            model.p = model.p.replace(**overrides)
        return model

    def release(self) -> None:
        """Drop every agent at once (batch runs free a finished model's memory right away).

        Not needed for the memory to come back: a model that goes out of scope is freed by
        the garbage collector (``del m``; nothing outside the model refers to it, see
        :mod:`abm._mesa`). After ``release`` the model is empty: :meth:`run`,
        :meth:`summary`, :meth:`timeseries` and :meth:`snapshot` raise
        :class:`ModelReleasedError`.
        """
        self.remove_all_agents()
        self._released = True

    @property
    def released(self) -> bool:
        """Whether :meth:`release` has emptied the model."""
        return self.__dict__.get("_released", False)

    def _check_live(self, what: str) -> None:
        if self.released:
            raise ModelReleasedError(
                f"{what}() on a released model: release() removed its agents; take the "
                "summary and time series before releasing, or build a new model")


def check_burn_in(burn_in: Any, steps: int | None = None) -> int:
    """``burn_in`` as an int, or :class:`ParameterError` naming it and its valid range: an
    integer with ``0 <= burn_in < steps`` (``steps``, the run's length, when known; else below
    :data:`abm.constants.MAX_STEPS`).

    >>> check_burn_in(140, steps=240)
    140
    """
    top = C.MAX_STEPS if steps is None else int(steps)
    what = (f"an integer number of quarters from 0 to {top - 1} (fewer than the run's "
            f"{top} steps)" if steps is not None else
            f"an integer number of quarters from 0 to {top - 1}")
    ok = isinstance(burn_in, (int, np.integer)) and not isinstance(burn_in, (bool, np.bool_))
    if not ok or not 0 <= int(burn_in) < top:
        raise ParameterError(f"burn_in must be {what}, got {burn_in!r}")
    return int(burn_in)


def _check_arguments(preset: Any, swaps: Any, params: Any, populate: Any,
                     record_events: Any) -> None:
    """The constructor's arguments other than ``seed`` and ``**overrides`` (those are
    checked by the parameter table): right types, known names, else :class:`ParameterError`
    naming the argument and what it accepts."""
    from .params import COMPONENTS
    from .presets import PRESET_NAMES

    names = ", ".join(PRESET_NAMES)
    if not isinstance(preset, str):
        raise ParameterError(f"preset must be a preset name ({names}), got {preset!r}")
    if swaps is not None:
        if not isinstance(swaps, Mapping) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in swaps.items()):
            raise ParameterError(
                f"swaps must be a mapping {{component: preset}} (components: "
                f"{', '.join(COMPONENTS)}; presets: {names}), got {swaps!r}")
    if params is not None and not isinstance(params, Params):
        raise ParameterError(
            "params must be an abm.params.Params (e.g. abm.resolve('japan')); pass single "
            f"values as keyword arguments (EcosystemModel(scale=0.5)), got {params!r}")
    for name, value in (("populate", populate), ("record_events", record_events)):
        if not isinstance(value, (bool, np.bool_)):
            raise ParameterError(f"{name} must be True or False, got {value!r}")


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Disable the cyclic garbage collector for the block, then restore its state."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _stat(model: EcosystemModel, name: str) -> float:
    return model.stats[name]


def _mesa_signature(cls: type) -> None:
    """Name the constructor's var-keyword argument ``kwargs`` for introspection.

    Mesa's SolaraViz checks ``model_params`` against ``inspect.signature(Model.__init__)``
    and only accepts a var-keyword argument named ``kwargs`` (any other name is reported as
    a missing required parameter, and parameters passed through it as invalid). The
    constructor itself is unchanged: parameter values are still passed by their names.
    """
    sig = inspect.signature(cls.__init__)
    params = [p.replace(name="kwargs") if p.kind is p.VAR_KEYWORD else p
              for p in sig.parameters.values()]
    cls.__init__.__signature__ = sig.replace(parameters=params)


_mesa_signature(EcosystemModel)
