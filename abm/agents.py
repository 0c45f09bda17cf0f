"""The six agent types of the ecosystem (Mesa ``Agent`` subclasses).

Startups and incumbents are numerous, so their numbers live in column tables on the model
(:mod:`abm.tables`) and the mechanisms update them vectorised; the attributes below read and
write those tables. Founders, funds, universities and the ministry are plain Mesa agents.
Behaviour lives in :mod:`abm.mechanisms`, one module per interaction, so each can be tested on
its own; this module holds state and small per-agent rules.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
from mesa import Agent

from . import constants as C
from .tables import Column

if TYPE_CHECKING:  # pragma: no cover
    from .model import EcosystemModel


class Founder(Agent):
    """A person who founds startups.

    Args:
        model: the model.
        origin: index into ``constants.ORIGINS`` (university, incumbent, serial, independent).
        skill: founding skill in [0, 1]; scales the latent quality of their startups.
        risk_tolerance: in [0, 1].
        wealth: money of their own (M).
    """

    def __init__(self, model: "EcosystemModel", origin: int, skill: float,
                 risk_tolerance: float, wealth: float = 0.0) -> None:
        super().__init__(model)
        self.origin = origin
        self.skill = skill
        self.risk_tolerance = risk_tolerance
        self.wealth = wealth
        self.startup = -1
        """Row of the startup they run, or -1 between ventures."""
        self.founded = 0
        self.failed = 0
        self.exited = 0
        self.last_failed = False
        self.angel = False

    @property
    def origin_name(self) -> str:
        return C.ORIGINS[self.origin]


class Startup(Agent):
    """A young firm. Its numbers live in ``model.st`` at ``self.row``.

    The cap table ``self.cap_table`` maps holder ids (founders, funds, incumbents, or the
    non-agent holders ``constants.SECONDARY`` / ``constants.PUBLIC_FLOAT``) to fractions;
    the residual ``1 - sum`` is the employee option pool.
    """

    cash = Column("st")
    revenue = Column("st")
    headcount = Column("st")
    valuation = Column("st")
    stage = Column("st")
    status = Column("st")
    sector = Column("st")
    quality = Column("st")
    disruptive = Column("st")
    founded = Column("st")
    partner = Column("st")

    def __init__(self, model: "EcosystemModel", row: int) -> None:
        super().__init__(model)
        self.row = row
        self.cap_table: dict[int, float] = {}
        self.founders: list[Founder] = []

    @property
    def stage_name(self) -> str:
        return C.STAGES[self.stage]

    @property
    def status_name(self) -> str:
        return C.STATUS_NAMES[self.status]

    @property
    def is_active(self) -> bool:
        return self.status == C.ACTIVE

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
    """A large established firm. Its numbers live in ``model.inc`` at ``self.row``."""

    revenue = Column("inc")
    cash = Column("inc")
    headcount = Column("inc")
    productivity = Column("inc")
    rd = Column("inc")
    sector = Column("inc")
    group = Column("inc")
    openness = Column("inc")
    appetite = Column("inc")
    nih = Column("inc")
    alive = Column("inc")

    def __init__(self, model: "EcosystemModel", row: int) -> None:
        super().__init__(model)
        self.row = row
        self.cvc: "VCFund | None" = None


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
        self.manager = manager
        self.parent = parent
        self.gov_commitment = gov_commitment
        self.generation = generation
        self.portfolio: dict[int, float] = {}
        """Startup row -> cost basis of positions still held."""
        self.invested = 0.0
        self.fees = 0.0
        self.distributed = 0.0
        """Cash returned to LPs from exits."""
        self.distributed_in_kind = 0.0
        """Value of listed shares distributed to LPs after IPOs."""
        self.residual = 0.0
        self.closed = False
        self.raised_successor = False
        self._pace_key: tuple = ()
        self._pace = 0.0

    # -- life cycle ------------------------------------------------------------------------
    @property
    def age(self) -> int:
        return self.model.steps - self.vintage

    @property
    def evergreen(self) -> bool:
        """Corporate funds are evergreen balance-sheet vehicles topped up by their parent."""
        return self.kind == "corporate"

    def _parent_alive(self) -> bool:
        parent = self.parent
        return parent is not None and bool(self.model.inc.alive[parent.row])

    def investing(self) -> bool:
        """Whether it may make new investments now."""
        if self.closed:
            return False
        if self.kind == "corporate":  # evergreen
            return self._parent_alive()
        return self.model.steps - self.vintage < C.INVEST_PERIOD

    def can_follow_on(self) -> bool:
        """Whether it may still put money into its existing companies."""
        if self.closed:
            return False
        if self.kind == "corporate":  # evergreen
            return self._parent_alive()
        return self.model.steps - self.vintage < C.FUND_LIFE - 4

    @property
    def max_check(self) -> float:
        return C.MAX_CHECK_SHARE * self.size

    @property
    def paid_in(self) -> float:
        return self.invested + self.fees

    def nav(self) -> float:
        """Value of positions still held, at their latest valuation."""
        st = self.model.st
        total = 0.0
        for row in self.portfolio:
            status = st.status[row]
            if status == C.ACTIVE or status == C.PUBLIC:
                startup = self.model.startups.get(row)
                if startup is not None:
                    total += startup.cap_table.get(self.unique_id, 0.0) * st.valuation[row]
        return total

    def tvpi(self) -> float:
        """(distributions + held value) / paid-in capital; residual value once closed."""
        if self.paid_in <= 0:
            return 0.0
        held = self.residual if self.closed else self.nav()
        return (self.distributed + self.distributed_in_kind + held) / self.paid_in

    def screen(self, merit: float, startup_row: int, rng: np.random.Generator,
               stage: int, z: float | None = None) -> bool:
        """Decide on a pitch from a noisy reading of ``merit`` and the fund's objective.

        Independent funds want returns; corporate funds add strategic fit with the parent
        (same sector, complementary technology, the parent's business group); government funds
        screen less strictly (policy targets). ``z`` is the standard normal reading noise
        (drawn from ``rng`` if not given). The most lenient bar a fund can apply (used by
        :func:`abm.mechanisms.funding.predraw`) is ``SCREEN_BAR - pacing`` minus ``1.2 x
        cvc_strategic_weight`` (corporate, full fit) or ``0.6`` (government).
        """
        model = self.model
        noise = 0.1 + 1.0 * (1.0 - self.skill)
        signal = merit + noise * (rng.standard_normal() if z is None else z)
        bar = C.SCREEN_BAR[stage]
        kind = self.kind
        if kind == "corporate" and self.parent is not None:
            p, st, inc = model.p, model.st, model.inc
            parent_row = self.parent.row
            w = p.cvc_strategic_weight
            fit = 0.0
            if st.sector[startup_row] == inc.sector[parent_row]:
                fit += 0.4
            if not st.disruptive[startup_row]:
                fit += 0.2
            partner = st.partner[startup_row]
            if partner >= 0:
                if partner == parent_row:
                    fit += 0.4
                elif inc.group[partner] == inc.group[parent_row]:
                    fit += 0.4 * p.group_cohesion
            signal += w * fit
            bar -= 0.2 * w
        elif kind == "government":
            bar -= 0.6
        if kind == "corporate":  # evergreen: no deployment schedule (pacing() is 0)
            return signal > bar
        return signal > bar - self.pacing()

    def pacing(self) -> float:
        """How much a fund behind its deployment schedule lowers its bar (ahead: raises it).

        A closed-end fund must deploy its capital within the investing period: with a share
        ``c`` of its money left and a share ``r`` of the period left, the bar moves by
        ``PACING x log(c / r)`` (clipped to [-0.3, 0.6]). Evergreen corporate funds have no
        schedule. (Plain ``math`` on floats, and kept until the step, cash, size or vintage
        change: this runs for every pitch a fund reads.)
        """
        key = (self.model.steps, self.cash, self.size, self.vintage)
        if key == self._pace_key:  # unchanged since the last pitch it read
            return self._pace
        size = self.size
        if self.kind == "corporate" or size <= 0:
            value = 0.0
        else:
            left = max(0.05, 1.0 - (self.model.steps - self.vintage) / C.INVEST_PERIOD)
            ratio = max(self.cash / size, 1e-3) / left
            value = min(max(C.PACING * math.log(ratio), -0.3), 0.6)
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
        return step >= self.model.p.plan_start_step

    def instrument(self, name: str) -> float:
        """Current level of an instrument, including the plan once it has started."""
        p = self.model.p
        on = self.plan_active()
        if name == "grant_budget":
            return p.grant_budget + (p.plan_grant_budget if on else 0.0)
        if name == "lp_capital_per_year":
            return p.lp_capital_per_year + (p.plan_lp_capital_per_year if on else 0.0)
        if name == "ma_tax_incentive":
            return p.plan_ma_tax_incentive if on and p.plan_ma_tax_incentive > 0 else (
                p.ma_tax_incentive)
        if name == "founding_boost":
            return p.plan_founding_boost if on else 1.0
        if name in ("gov_vc_budget", "procurement_budget", "matching_programme",
                    "labor_reform"):
            return p[name]
        raise KeyError(f"unknown instrument {name!r}")
