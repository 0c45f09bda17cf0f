"""The six agent types of the ecosystem (Mesa ``Agent`` subclasses).

Startups and incumbents are **column-table agents**, as in mesa-frames: they are numerous, so
their numbers are the rows of numpy column tables on the model (``model.st`` and
``model.inc``, :class:`abm.tables.Table`) and the mechanisms read and update whole columns
vectorised (``model.st.cash[rows]``). The Mesa agent is a thin handle holding its ``row`` and
what does not fit a column (a startup's cap table and founders, an incumbent's CVC). Each
table's columns are declared once, below, beside the agent class (``Startup.COLUMNS``,
``Incumbent.COLUMNS``, ``VCFund.FIXED_COLUMNS``) with dtype, default, unit and meaning; the
state-variable tables of docs/ODD.md are generated from them (``scripts/gen_odd_columns.py``).

Founders are column-table agents as well (``model.fo``, ``Founder.COLUMNS``), but each of
their columns stays an attribute of the agent, a view onto its row (``founder.wealth``), for
the app, the API and scripts. Funds, universities and the ministry are plain Mesa agents with
Python attributes (a fund's fixed attributes are also copied to ``model.fund_table`` for
vectorised reads).
Behaviour lives in :mod:`abm.mechanisms`, one module per interaction, so each can be tested on
its own; this module holds state and small per-agent rules. The fund rules are written once,
vectorised (:func:`fund_may_invest`, :func:`fund_may_follow_on`, :func:`screen_allowance`),
or once as a scalar where a single fund decides a single pitch (:meth:`VCFund.pacing`,
:meth:`VCFund.screen`).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
from mesa import Agent

from . import constants as C
from .tables import Col

if TYPE_CHECKING:  # pragma: no cover
    from .model import EcosystemModel


def _column_property(table: str, name: str, cast: type | None, doc: str) -> property:
    """An attribute of a table-row agent read and written through column ``name`` of the
    model's table ``table`` at the agent's ``row``. Reads give a Python ``cast`` (``float``,
    ``int``, ``bool``), as the plain attribute held before the column did, so arithmetic,
    cap-table values and ``repr`` are exactly what they were; with ``cast=None`` (an
    ``object`` column) the stored value itself."""

    if cast is None:  # an object column: the value as stored
        def get(self):
            return getattr(getattr(self.model, table), name)[self.row]
    else:
        def get(self):
            return cast(getattr(getattr(self.model, table), name)[self.row])

    def put(self, value) -> None:
        getattr(getattr(self.model, table), name)[self.row] = value

    return property(get, put, doc=doc)


class Founder(Agent):
    """A person who founds startups: a column-table agent whose state is row ``self.row`` of
    ``model.fo`` (the columns are :attr:`COLUMNS`).

    Unlike a startup, a founder keeps its attributes readable and writable by name
    (``founder.wealth += x``): each is a view onto its column (a Python ``float``, ``int`` or
    ``bool`` when read). Mechanisms that loop over many founders (the serial founders'
    choice, retirement) work on the columns instead (``model.fo.last_failed[rows]``).

    Args:
        model: the model.
        origin: index into ``constants.ORIGINS`` (university, incumbent, serial, independent).
        skill: founding skill in [0, 1]; scales the latent quality of their startups.
        risk_tolerance: in [0, 1]; the team's mean is the startup's ``risk`` column, which
            lowers its acquisition hazard (:func:`abm.mechanisms.exits.acquisitions`).
        wealth: money of their own (M).
    """

    COLUMNS: tuple[Col, ...] = (
        Col("uid", np.int64, -1, "", "the agent's `unique_id`"),
        Col("origin", np.int8, 0, "",
            "index into `ORIGINS` of the channel they last founded through (`SERIAL` once "
            "they found again)"),
        Col("skill", np.float64, 0.5, "",
            "founding skill in [0, 1]: Beta(2, 2) at entry; on founding again it rises by "
            "0.05 × (exits + 0.5 × failures so far), capped at 1"),
        Col("risk_tolerance", np.float64, 0.5, "",
            "risk tolerance in [0, 1] (normal around the regime's `risk_tolerance`, s.d. 0.15)"),
        Col("wealth", object, 0.0, "M",
            "money of their own: exit proceeds, less what they put into new startups and "
            "angel checks (an `object` column: each value is the Python or numpy float the "
            "arithmetic gave, as when it was an attribute)"),
        Col("startup", np.int32, -1, "row",
            "row of the startup they run (−1 between ventures)"),
        Col("founded", np.int32, 0, "count", "startups they founded"),
        Col("failed", np.int32, 0, "count", "of those, failed"),
        Col("exited", np.int32, 0, "count", "of those, acquired or listed"),
        Col("last_failed", np.bool_, False, "",
            "whether their last venture failed (the `failure_stigma` applies)"),
        Col("angel", np.bool_, False, "",
            "whether they became an angel investor after a profitable exit"),
    )
    """The columns of ``model.fo``, one row per founder ever (retired ones keep their row)."""

    origin = _column_property("fo", "origin", int, "index into ``constants.ORIGINS``")
    skill = _column_property("fo", "skill", float, "founding skill in [0, 1]")
    risk_tolerance = _column_property("fo", "risk_tolerance", float, "risk tolerance in [0, 1]")
    wealth = _column_property("fo", "wealth", None, "money of their own (M)")
    startup = _column_property("fo", "startup", int,
                               "row of the startup they run, or -1 between ventures")
    founded = _column_property("fo", "founded", int, "startups founded")
    failed = _column_property("fo", "failed", int, "startups failed")
    exited = _column_property("fo", "exited", int, "startups exited")
    last_failed = _column_property("fo", "last_failed", bool,
                                   "whether the last venture failed")
    angel = _column_property("fo", "angel", bool, "whether they are an angel investor")

    def __init__(self, model: "EcosystemModel", origin: int, skill: float,
                 risk_tolerance: float, wealth: float = 0.0) -> None:
        super().__init__(model)
        self.row = model.fo.add(uid=self.unique_id, origin=origin, skill=skill,
                                risk_tolerance=risk_tolerance, wealth=wealth)
        """Row of ``model.fo``."""


class Startup(Agent):
    """A young firm: a column-table agent whose numbers are row ``self.row`` of ``model.st``.

    The columns are :attr:`COLUMNS` (read them as ``model.st.cash[row]``; the agent has no
    ``cash`` attribute). On the agent: the cap table ``self.cap_table`` maps holder ids
    (founders, funds, incumbents, or the non-agent holders ``constants.SECONDARY`` /
    ``constants.PUBLIC_FLOAT``) to fractions, the residual ``1 - sum`` being the employee
    option pool; ``self.founders`` is the founding team.
    """

    COLUMNS: tuple[Col, ...] = (
        Col("uid", np.int64, -1, "", "the agent's `unique_id`"),
        Col("founded", np.int32, 0, "step", "step of founding"),
        Col("status", np.int8, C.ACTIVE, "",
            "`ACTIVE`, `FAILED`, `ACQUIRED`, `PUBLIC` (`STATUS_NAMES`)"),
        Col("stage", np.int8, 0, "",
            "index into `STAGES`: pre-seed, seed, series A, B, C, growth (`GROWTH` is the last)"),
        Col("sector", np.int16, 0, "", "0 … `n_sectors` − 1"),
        Col("disruptive", np.bool_, False, "",
            "technology type: disruptive (True) or complementary"),
        Col("origin", np.int8, 0, "", "founding channel (index into `ORIGINS`)"),
        Col("quality", np.float64, 1.0, "",
            "latent quality (heavy-tailed, ≥ 0.6 × quality boost), never observed directly "
            "by others"),
        Col("lrev", np.float64, C.INITIAL_LREV, "log M",
            "log quarterly revenue potential (traction)"),
        Col("revenue", np.float64, 0.0, "M", "revenue this quarter"),
        Col("cash", np.float64, 0.0, "M",
            "cash held: rounds, grants and gross margin in, payroll out"),
        Col("headcount", np.int64, 0, "people", "people employed, founders included"),
        Col("valuation", np.float64, 0.0, "M",
            "post-money of the last round (listing value after an IPO)"),
        Col("lrev_at_round", np.float64, C.INITIAL_LREV, "log M",
            "`lrev` when the last round closed"),
        Col("last_round", np.int32, 0, "step",
            "step of the last round (founding step before the first)"),
        Col("last_pitch", np.int32, -1000, "step",
            "step of the last failed pitch (starts the `RETRY_COOLDOWN`; −1000 if none)"),
        Col("exit_step", np.int32, -1, "step", "step of the exit (−1 before)"),
        Col("exit_value", np.float64, 0.0, "M", "price or listing value of the exit (0 before)"),
        Col("partner", np.int32, -1, "row", "row of the live incumbent partner (−1 if none)"),
        Col("partner_since", np.int32, -1, "step", "step the current partnership formed"),
        Col("ever_partnered", np.bool_, False, "", "whether it ever had a partner"),
        Col("unicorn_step", np.int32, -1, "step",
            "first step its valuation reached `UNICORN` (−1 if never)"),
        Col("raised", np.float64, 0.0, "M", "cumulative money raised in rounds"),
        Col("grants", np.float64, 0.0, "M", "cumulative money received as grants"),
        Col("innovations", np.float64, 0.0, "count",
            "cumulative innovations (own plus joint with its partner)"),
        Col("innov_own", np.float64, 0.0, "count", "cumulative own innovations"),
        Col("acquirer", np.int32, -1, "row", "row of the acquiring incumbent (−1 if none)"),
        Col("graduated", np.bool_, False, "", "whether this listed startup became an incumbent"),
        Col("n_founders", np.int8, 1, "people",
            "size of the founding team (the minimum headcount)"),
        Col("spill", np.float64, 0.0, "per quarter",
            "permanent growth-drift bonus of university spin-offs (knowledge spillover)"),
        Col("risk", np.float64, 0.5, "",
            "the founding team's mean risk tolerance in [0, 1]: lowers the acquisition hazard "
            "(`ACQUISITION_RISK_BASE − ACQUISITION_RISK_SLOPE × risk`, 1.3 and 0.6, 7.8)"),
        Col("pq", np.float64, 0.0, "log quality",
            "its product's quality on the sector's quality ladder (7.18)"),
        Col("tech", np.float64, 0.0, "",
            "its technology's position on the unit circle [0, 1) (7.18)"),
        Col("group_tie", np.int32, -1, "",
            "business group of its first corporate partner (−1: none); group members prefer it"),
        Col("prior_ties", np.int16, 0, "count",
            "earlier partnerships of the startup with its current partner (repeat ties)"),
        Col("delist_step", np.int32, -1, "step",
            "step a listed startup was delisted (−1 if never)"),
        Col("held", np.float64, 0.0, "",
            "a disruptive startup's share of its sector's held (tied) customers (7.18)"),
    )
    """The columns of ``model.st``, one row per startup ever founded."""

    def __init__(self, model: "EcosystemModel", row: int) -> None:
        super().__init__(model)
        self.row = row
        self.cap_table: dict[int, float] = {}
        self.founders: list[Founder] = []

    def dilute(self, pre_money: float, new_money: dict[int, float]) -> None:
        """Issue new shares at ``pre_money`` to ``new_money`` investors (id -> amount)."""
        raised = sum(new_money.values())
        post = pre_money + raised
        keep = pre_money / post
        table = self.cap_table
        for holder in table:
            table[holder] *= keep
        for holder, amount in new_money.items():
            table[holder] = table.get(holder, 0.0) + amount / post


class Incumbent(Agent):
    """A large established firm: a column-table agent whose numbers are row ``self.row`` of
    ``model.inc`` (the columns are :attr:`COLUMNS`). On the agent: ``cvc``, its corporate
    fund if it runs one."""

    COLUMNS: tuple[Col, ...] = (
        Col("uid", np.int64, -1, "", "the agent's `unique_id`"),
        Col("sector", np.int16, 0, "", "its sector (one per incumbent)"),
        Col("group", np.int32, 0, "",
            "business group id (keiretsu, chaebol); −1: stands alone"),
        Col("revenue", np.float64, 0.0, "M", "revenue this quarter"),
        Col("revenue0", np.float64, 0.0, "M",
            "revenue at entry (the exit floor is a share of it)"),
        Col("cash", np.float64, 0.0, "M",
            "cash held (paid out above `INCUMBENT_CASH_TARGET` quarters of revenue)"),
        Col("headcount", np.int64, 0, "people", "people it employs"),
        Col("productivity", np.float64, C.INCUMBENT_PRODUCTIVITY, "M per person",
            "revenue per worker per quarter it aims for; sets its labour demand"),
        Col("rd", np.float64, 1.0, "",
            "R&D capability (1 at entry, capped at 3; what it gains above 1 depreciates at "
            "`RD_STOCK_DEPRECIATION`)"),
        Col("openness", np.float64, 0.0, "",
            "propensity to partner (`incumbent_openness` at entry)"),
        Col("appetite", np.float64, 0.0, "",
            "appetite to acquire (`acquisition_appetite` at entry)"),
        Col("nih", np.float64, 0.0, "", "not-invented-here bias (`nih_bias` at entry)"),
        Col("alive", np.bool_, True, "", "whether it is in the market"),
        Col("exit_step", np.int32, -1, "step", "step it exited (−1 while alive)"),
        Col("innovations", np.float64, 0.0, "count", "cumulative innovation count"),
        Col("knowledge", np.float64, 0.0, "innovations",
            "knowledge stock: innovations depreciated at `RD_STOCK_DEPRECIATION` (7.9)"),
        Col("from_startup", np.bool_, False, "", "whether it is a graduated startup"),
        Col("entered", np.int32, 0, "step", "step it entered"),
        Col("pq", np.float64, 0.0, "log quality",
            "its product's quality on the sector's quality ladder (7.18)"),
        Col("reach", np.float64, 0.0, "log M (base units)",
            "log reach (brand, distribution) of its products in base-unit sales (7.18)"),
        Col("demand", np.float64, 0.0, "M per quarter",
            "what the market demanded of it this quarter (7.18); sales are at most this"),
        Col("demand_without_entrants", np.float64, 0.0, "M per quarter",
            "what the market would have demanded of it this quarter had no entrant (a "
            "disruptive startup, or an incumbent grown from a startup) been in its market "
            "(7.9)"),
        Col("entrant_loss_share", np.float64, -1.0, "",
            "at its displacement: the share of its shortfall (revenue of entry, deflated, less "
            "its revenue) that entrants took that quarter (7.9); −1 "
            "unless displaced"),
        Col("held", np.float64, -1.0, "",
            "its share of its sector's held (tied) customers (7.18); −1 until first set"),
        Col("tech", np.float64, 0.0, "",
            "its position in technology space, on a unit circle [0, 1) (7.18)"),
        Col("shifts", np.int32, 0, "count",
            "changes of direction (moves of `tech` by `DIRECTION_SHIFT` or more in a quarter, "
            "after the burn-in) a partnership or an acquisition caused"),
        Col("acquirer", np.int32, -1, "row",
            "the row of the incumbent that acquired it (7.24); −1 unless acquired"),
    )
    """The columns of ``model.inc``, one row per incumbent ever."""

    def __init__(self, model: "EcosystemModel", row: int) -> None:
        super().__init__(model)
        self.row = row
        self.cvc: "VCFund | None" = None


def fund_may_invest(corporate, age, parent_alive):
    """Whether funds may make new investments: the rule, vectorised (arrays or scalars).

    A corporate fund is evergreen and invests while its parent lives; any other fund invests
    during its first ``INVEST_PERIOD`` steps. (A closed fund invests no more; the live funds
    this runs on are never closed.)

    Args:
        corporate: whether each fund is a corporate fund.
        age: steps since each fund's vintage.
        parent_alive: whether each fund's parent incumbent is alive (``False`` without one).
    """
    return np.where(corporate, parent_alive, age < C.INVEST_PERIOD)


def fund_may_follow_on(corporate, age, parent_alive):
    """Whether funds may still put money into their existing companies (vectorised, as
    :func:`fund_may_invest`): corporate funds while their parent lives, others until
    ``FOLLOW_ON_END`` steps after their vintage."""
    return np.where(corporate, parent_alive, age < C.FOLLOW_ON_END)


def screen_allowance(corporate, government, strategic_weight: float):
    """The most a fund's objective can lower its screening bar (vectorised), as
    :meth:`VCFund.screen` applies it: ``(full strategic fit + CVC_BAR_EASE) x
    cvc_strategic_weight`` for a corporate fund, ``GOV_BAR_EASE`` for a government fund, 0
    for an independent fund."""
    max_ease = C.CVC_FIT_SECTOR + C.CVC_FIT_COMPLEMENT + C.CVC_FIT_PARTNER + C.CVC_BAR_EASE
    return np.where(corporate, max_ease * strategic_weight,
                    np.where(government, C.GOV_BAR_EASE, 0.0))


class VCFund(Agent):
    """A venture capital fund: ``independent``, ``corporate`` (owned by an incumbent) or
    ``government``.

    Args:
        model: the model.
        kind: ``"independent"``, ``"corporate"`` or ``"government"``.
        size: committed capital (M); it is called at once and held as ``cash`` (dry powder).
        stage_min: earliest stage index it invests into.
        stage_max: latest stage index it invests into.
        skill: selection skill in [0, 1].
        manager: id of the management team (successor funds share it).
        parent: the owning incumbent (corporate funds).
        gov_commitment: part of ``size`` committed by the government (fund-of-funds).

    ``kind``, ``stage_min``, ``stage_max``, ``skill``, ``parent`` and ``vintage`` are fixed once
    :meth:`abm.model.EcosystemModel.add_fund` returns, which copies them to
    ``model.fund_table`` at the fund's ``row`` for vectorised reads; ``cash`` and ``size``
    change.
    """

    KINDS = ("independent", "corporate", "government")

    FIXED_COLUMNS: tuple[Col, ...] = (
        Col("stage_min", np.int64, 0, "", "earliest stage index it invests into"),
        Col("stage_max", np.int64, 0, "", "latest stage index it invests into"),
        Col("skill", np.float64, 0.0, "", "selection skill in [0, 1]"),
        Col("vintage", np.int64, 0, "step", "creation step (negative for the initial funds)"),
        Col("corporate", np.bool_, False, "", "whether it is a corporate (CVC) fund"),
        Col("government", np.bool_, False, "", "whether it is a government fund"),
        Col("parent", np.int64, -1, "row",
            "row of its parent incumbent in `model.inc` (−1 if none)"),
    )
    """The columns of ``model.fund_table``: what never changes in a fund's life, by fund
    ``row`` (its index in ``model.funds``)."""

    def __init__(self, model: "EcosystemModel", kind: str, size: float, stage_min: int,
                 stage_max: int, skill: float, manager: int, parent: Incumbent | None = None,
                 gov_commitment: float = 0.0, generation: int = 1) -> None:
        super().__init__(model)
        if kind not in self.KINDS:
            raise ValueError(f"fund kind must be one of {self.KINDS}, got {kind!r}")
        self.kind = kind
        self.size = size
        self.cash = size
        self.vintage = model.steps
        self.stage_min = stage_min
        self.stage_max = stage_max
        self.skill = skill
        self.reading_noise = C.READING_NOISE_MIN + C.READING_NOISE_SLOPE * (1.0 - skill)
        """The standard deviation of its reading of a pitch (falls with ``skill``)."""
        self.manager = manager
        self.parent = parent
        self.gov_commitment = gov_commitment
        self.generation = generation
        self.portfolio: dict[int, float] = {}
        """Startup row -> cost basis of positions still held (locked-up listed ones included)."""
        self.locked: dict[int, tuple[int, float, float]] = {}
        """Listed startup row -> ``(lock-up end step, listing post-money, annual revenue at
        the listing)`` of shares held through the IPO lock-up (on the cap table until then)."""
        self.invested = 0.0
        self.fees = 0.0
        self.distributed = 0.0
        """Cash realised from positions (acquisitions, secondary sales), gross of carry."""
        self.distributed_in_kind = 0.0
        """Value of listed shares distributed at lock-up ends, gross of carry."""
        self.residual = 0.0
        """Cash secondary buyers paid for the positions left when the fund ended."""
        self.lp_distributed = 0.0
        """What reached the LPs (cash and in kind), net of carried interest."""
        self.lp_secondary = 0.0
        """The LPs' part of the secondary sale at the fund's end (in ``lp_distributed``)."""
        self.carry = 0.0
        """Carried interest paid to the GP (cash and in kind)."""
        self.hurdle = 0.0
        """Hurdle balance: LP capital called plus the preferred return accrued on it, minus
        what LPs received (the waterfall pays carry once it is <= 0)."""
        self.hurdle_step = model.steps
        """Step up to which ``hurdle`` has accrued."""
        self.flows: dict[int, float] = {}
        """The LPs' net cash flow by step: capital called (negative, investments and fees)
        and distributions net of carry (positive)."""
        self.closed = False
        self.raised_successor = False
        self._pace_key: tuple = ()
        self._pace = 0.0
        self.signal = 0.0
        """Its reading of the last pitch it screened (the lead's sets the round's price)."""

    # -- life cycle ------------------------------------------------------------------------
    @property
    def evergreen(self) -> bool:
        """Corporate funds have no fixed life: balance-sheet vehicles topped up by their
        parent, wound down when the parent exits or decides to (``cvc_wind_down``, 7.2)."""
        return self.kind == "corporate"

    def _status(self) -> tuple[bool, int, bool]:
        """``(corporate, age, parent_alive)``, the inputs of the vectorised fund rules."""
        parent = self.parent
        alive = parent is not None and bool(self.model.inc.alive[parent.row])
        return self.kind == "corporate", self.model.steps - self.vintage, alive

    def investing(self) -> bool:
        """Whether it may make new investments now (:func:`fund_may_invest` for this fund)."""
        return not self.closed and bool(fund_may_invest(*self._status()))

    def can_follow_on(self) -> bool:
        """Whether it may still put money into its existing companies
        (:func:`fund_may_follow_on` for this fund)."""
        return not self.closed and bool(fund_may_follow_on(*self._status()))

    @property
    def paid_in(self) -> float:
        return self.invested + self.fees

    def nav(self) -> float:
        """Mark of the positions still held (gross): private ones at their traction-moved
        last post-money (:func:`abm.mechanisms.funds.mark`), locked-up listed ones at the
        listed firm's value (:func:`abm.queries.listed_value`)."""
        from .mechanisms import funds as F

        model = self.model
        total = 0.0
        for row in self.portfolio:
            total += F.position_value(model, self, row)
        return total

    def gross_multiple(self) -> float:
        """(everything realised + NAV) / invested: the multiple on invested capital before
        fees and carry (0 with nothing invested)."""
        if self.invested <= 0:
            return 0.0
        held = 0.0 if self.closed else self.nav()
        return (self.distributed + self.distributed_in_kind + self.residual + held) \
            / self.invested

    def dpi(self) -> float:
        """Distributions to LPs (net of carry, cash and in kind) / paid-in capital."""
        return self.lp_distributed / self.paid_in if self.paid_in > 0 else 0.0

    def dpi_before_secondaries(self) -> float:
        """DPI from exits only: LP distributions before the closing secondary sale."""
        return (self.lp_distributed - self.lp_secondary) / self.paid_in \
            if self.paid_in > 0 else 0.0

    def tvpi(self) -> float:
        """Net TVPI: (LP distributions + the LPs' share of NAV after the carry a liquidation
        at NAV would pay) / paid-in capital (investments plus fees). Equals DPI once closed."""
        if self.paid_in <= 0:
            return 0.0
        held = 0.0
        if not self.closed:
            nav = self.nav()
            if nav > 0:
                from .mechanisms import funds as F

                held = F.split(self, nav, self.model.steps)[0]
        return (self.lp_distributed + held) / self.paid_in

    def irr(self) -> float:
        """Annualised IRR of the LPs' net quarterly cash flows (:func:`abm.mechanisms.funds.irr`;
        unrealised NAV counts as a final distribution while the fund lives)."""
        from .mechanisms import funds as F

        flows = dict(self.flows)
        if not self.closed:
            nav = self.nav()
            if nav > 0:
                now = self.model.steps
                flows[now] = flows.get(now, 0.0) + F.split(self, nav, now)[0]
        return F.irr(flows)

    def screen(self, merit: float, startup_row: int, rng: np.random.Generator,
               stage: int, z: float | None = None) -> bool:
        """Decide on a pitch from a noisy reading of ``merit`` and the fund's objective.

        Independent funds want returns; corporate funds add strategic fit with the parent
        (same sector, complementary technology, the parent's business group); government funds
        screen less strictly (policy targets). ``z`` is the standard normal reading noise
        (drawn from ``rng`` if not given). The most lenient bar a fund can apply (used by
        :func:`abm.mechanisms.funding.predraw`) is ``SCREEN_BAR - pacing`` minus
        :func:`screen_allowance` (corporate with a full fit, or government).
        """
        signal = merit + self.reading_noise * (rng.standard_normal() if z is None else z)
        kind = self.kind
        if kind == "independent":  # (the common case first: the same rule, fewer steps)
            self.signal = signal
            return signal > C.SCREEN_BAR[stage] - self.pacing()
        bar = C.SCREEN_BAR[stage]
        if kind == "corporate" and self.parent is not None:
            model = self.model
            p, st, inc = model.p, model.st, model.inc
            parent_row = self.parent.row
            w = p.cvc_strategic_weight
            fit = 0.0
            if st.sector[startup_row] == inc.sector[parent_row]:
                fit += C.CVC_FIT_SECTOR
            if not st.disruptive[startup_row]:
                fit += C.CVC_FIT_COMPLEMENT
            partner = st.partner[startup_row]
            if partner >= 0:
                if partner == parent_row:
                    fit += C.CVC_FIT_PARTNER
                elif inc.group[partner] == inc.group[parent_row] >= 0:
                    fit += C.CVC_FIT_PARTNER * p.group_cohesion
            signal += w * fit
            bar -= C.CVC_BAR_EASE * w
        elif kind == "government":
            bar -= C.GOV_BAR_EASE
        self.signal = signal  # what it read: a lead prices the round on it (funding 7.7)
        if kind == "corporate":  # no deployment schedule (pacing() is 0)
            return signal > bar
        return signal > bar - self.pacing()

    def pacing(self) -> float:
        """How much a fund behind its deployment schedule lowers its bar (ahead: raises it).

        A closed-end fund must deploy its capital within the investing period: with a share
        ``c`` of its money left (at least ``PACING_MIN_CASH``) and a share ``r`` of the period
        left (at least ``PACING_MIN_LEFT``), the bar moves by ``PACING x log(c / r)`` (clipped
        to [``-PACING_AHEAD_MAX``, ``PACING_BEHIND_MAX``]). Evergreen corporate funds (and
        empty ones) have no schedule.

        This is the one pacing rule: it decides every pitch a fund reads, so it is plain
        ``math`` on floats, kept until the step, cash, size or vintage change;
        :func:`abm.mechanisms.funding.fund_columns` collects it for every live fund.
        """
        key = (self.model.steps, self.cash, self.size, self.vintage)
        if key == self._pace_key:  # unchanged since the last pitch it read
            return self._pace
        size = self.size
        if self.kind == "corporate" or size <= 0:
            value = 0.0
        else:
            left = max(C.PACING_MIN_LEFT, 1.0 - (self.model.steps - self.vintage)
                       / C.INVEST_PERIOD)
            ratio = max(self.cash / size, C.PACING_MIN_CASH) / left
            value = min(max(C.PACING * math.log(ratio), -C.PACING_AHEAD_MAX),
                        C.PACING_BEHIND_MAX)
        self._pace_key, self._pace = key, value
        return value


class University(Agent):
    """A research university: knowledge stock, technology transfer, spin-offs, graduates."""

    def __init__(self, model: "EcosystemModel", budget: float) -> None:
        super().__init__(model)
        self.budget = budget
        """Research budget per quarter (M)."""
        self.knowledge = budget / C.KNOWLEDGE_DEPRECIATION * 0.1
        self.spinoffs = 0
        self.joint_projects = 0

    @property
    def knowledge_index(self) -> float:
        """Knowledge stock relative to its steady state (1.0 at the start)."""
        return self.knowledge / (self.budget / C.KNOWLEDGE_DEPRECIATION * 0.1)


class Ministry(Agent):
    """The ministry: a yearly budget spent through scheduled instruments.

    Instruments: grants (some conditional on private money), capital into government VC
    funds and funds-of-funds, public procurement, partnership matching, an M&A tax incentive
    and a labour-mobility reform. ``plan_*`` parameters add to them from ``plan_start_step``.
    """

    def __init__(self, model: "EcosystemModel") -> None:
        super().__init__(model)
        self.cash = 0.0
        self.spent: dict[str, float] = {
            "grants": 0.0, "gov_vc": 0.0, "procurement": 0.0, "tax_incentive": 0.0,
        }

    def plan_active(self, step: int | None = None) -> bool:
        """Whether the scheduled plan has started at ``step`` (default: now)."""
        step = self.model.steps if step is None else step
        p = self.model.p
        return p.plan_start_step <= step < p.plan_end_step

    def instrument(self, name: str) -> float:
        """Current level of an instrument: its calendar schedule and the plan while it runs
        (:func:`abm.mechanisms.policy.level`)."""
        from .mechanisms.policy import level

        return level(self.model, name)
