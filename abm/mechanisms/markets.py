"""Markets: products on quality ladders, demand shared by a logit rule, real output.

Every firm sells one product line with a log quality ``pq`` (startups and incumbents alike).
Innovations move ``pq`` up a quality ladder (Klette & Kortum 2004; Akcigit & Kerr 2018):

* an *incremental* innovation raises the innovator's own ``pq`` by ``quality_step``
  (incumbents' R&D, startups' own research, partnerships' joint work);
* a *radical* innovation (a disruptive startup's) leapfrogs its sector's frontier, the best
  incumbent product: ``pq`` becomes ``max(pq, frontier + radical_step)``, a new product
  generation (later innovations of the quarter are incremental).

A new startup's product starts at its sector's reference quality ``qref`` (it builds on the
state of the art).

Demand. Sector ``s`` spends ``S_s(t) = D(t) x base_s x exp(z_s(t))`` a quarter, where ``D(t) =
exp(MARKET_GROWTH t)`` is the nominal trend, ``base_s`` the sector's initial incumbent
sales and ``z_s`` its log share relative to the initial one, a mean-reverting random walk
renormalised so that ``sum_s S_s = D(t) sum_s base_s`` (:mod:`abm.mechanisms.sectors`). A share ``disruption_exposure`` of it is *contestable*; the rest is held by long-term
customer ties of the incumbents. With ``u_j = exp(reach_j + theta (pq_j - qref_s))`` for an
incumbent (``reach``: log base-unit reach; ``theta = quality_sensitivity``) and
``v_i = exp(lrev_i + theta (pq_i - qref_s))`` for a startup (``lrev``: its traction),

    qref_s      = (1/theta) log( sum_j exp(reach_j + theta pq_j) / sum_j exp(reach_j) )
    demand_j    = (1 - e) S_s held_j + e S_s (e S_s u_j / U_s) / V_s   (incumbents; U_s = sum_j u_j)
    demand_i    = (1 - e) S_s held_i + e S_s v_i / V_s                 (disruptive startups)
    V_s         = e S_s + sum_{disruptive i in s} v_i
    held_k     <- (1 - c) held_k + c pi_k,  pi_j = S_s (u_j / U_s) / W_s,  pi_i = v_i / W_s,
                  W_s = S_s + sum_{disruptive i in s} v_i,  c = CUSTOMER_SWITCH

so the incumbents' and disruptive startups' demands add up to ``S_s`` exactly (business
stealing moves sales; it destroys none). The held customers who re-choose do so among all the
sector's products, entrants' included (docs/ODD.md 7.18), so an entrant can in time hold any
share of them; a small startup wins about ``v_i`` of contestable demand (its traction times
its quality relative to the incumbents') plus its held share. Complementary startups do not take
incumbents' customers: they share a complement market ``M_s = COMPLEMENT_MARKET x S_s`` with
suppliers outside the model, ``demand_i = M_s v_i / (M_s + sum_{complementary i in s} v_i)``.

Production. Sales need people: a firm sells ``min(demand, capacity)``, capacity being
headcount times nominal revenue per worker (startups ``REVENUE_PER_HEAD``; incumbents their
``productivity``, which follows the nominal trend ``D``). Unserved demand is lost that quarter.

Real output. A firm's real (quality-adjusted) output is ``y = revenue x exp(pq) / D(t)``;
aggregate productivity is real output per employed worker, ``P = sum y / sum L``, and its
change each quarter after the burn-in is split exactly as in Foster, Haltiwanger & Krizan
(2001) into within, between, cross, entry and exit terms (:func:`abm.productivity.decompose`).

Code. Other mechanisms apply these rules through shared actions, which are not mechanisms
(:data:`abm.units.ACTIONS`): the demand is shared by :func:`abm.demand.clear` (called by the
startups' operations); innovations climb the ladder by :func:`abm.products.innovate`, their
gains are credited by :func:`abm.products.credit`, an acquired product line is integrated by
:func:`abm.products.absorb` and incumbents move in technology space by
:func:`abm.products.shift`; productivity is measured by :func:`abm.productivity.decompose`.
The look-ups (``sector_spending``, ``reference_quality``, ``damp``, ``circular_gap``,
``absorptive_capacity``, ``real_output``, ``aggregate``) are in :mod:`abm.queries`. This module
holds the unit's declaration, the market state (:class:`Market`, :class:`Growth`) and the
quarter's own step, the world frontier's advance and its diffusion (:func:`advance`).
"""

from __future__ import annotations

import numpy as np

from .. import constants as C
from ..products import credit
from ..queries import live_rows
from ..units import Mechanism

UNIT = Mechanism(
    name="markets", stream=None,
    outputs=("productivity_growth", "growth_within_incumbents_share",
             "growth_from_entrants_share", "growth_reallocation_share", "quality_gain_rd_share",
             "quality_gain_partnerships_share", "quality_gain_acquisitions_share",
             "quality_gain_startups_share", "quality_gain_diffusion_share",
             "frontier_distance_end", "incumbent_direction_shifts"),
    reads=("quality_step", "radical_step", "quality_sensitivity", "absorptive_capacity",
           "disruption_exposure", "ABSORPTION_SCALE", "COMPLEMENT_MARKET",
           "CUSTOMER_SWITCH", "DIFFUSION_RATE", "DIRECTION_PULL", "DIRECTION_SHIFT",
           "FIT_COMPLEMENTARY", "FIT_DISRUPTIVE", "FRONTIER_DAMPING", "MARKET_GROWTH",
           "WORLD_FRONTIER_GROWTH", "YOUNG_FIRM_QUARTERS"))
"""What this mechanism owns (:mod:`abm.units`). Its ``reads`` include those of the shared
actions that apply its rules (:mod:`abm.demand`, :mod:`abm.products`, :mod:`abm.productivity`)."""


class Market:
    """Per-sector market state (arrays of length ``n_sectors``).

    Attributes:
        base: base-unit demand of each sector (initial incumbent sales per quarter, M).
        tilt: each sector's log share of spending relative to its initial share (0 at the
            start; moved each quarter by :mod:`abm.mechanisms.sectors`, renormalised so that
            ``sum base exp(tilt) = sum base``).
        qref: reach-weighted CES mean quality of the sector's live incumbents (log).
        frontier: best live incumbent product of the sector (log), what radical leaps beat.
        world: the world technology frontier ``W`` (log quality), best practice anywhere: it
            grows by ``WORLD_FRONTIER_GROWTH`` a quarter (:func:`advance`).
        contest: ``V_s = e S_s + sum_i v_i`` of the last :func:`abm.demand.clear`, the weight
            over which the sector's contestable demand is shared (0 before the first clear);
            read by :func:`abm.mechanisms.incumbents.entry_reach`.
    """

    def __init__(self, n_sectors: int) -> None:
        self.base = np.zeros(n_sectors)
        self.tilt = np.zeros(n_sectors)
        self.qref = np.zeros(n_sectors)
        self.contest = np.zeros(n_sectors)
        self.frontier = np.zeros(n_sectors)
        self.world = 0.0


SOURCES = ("rd", "partnerships", "acquisitions", "startups", "diffusion")
"""Where firms' quality gains come from (:func:`abm.products.credit`): incumbents' own R&D, joint
work in partnerships, acquired products integrated, startups' own research (radical leaps
included), adoption of the world frontier."""


class Growth:
    """Accumulated Foster-Haltiwanger-Krizan terms of productivity change after the burn-in.

    Attributes:
        within: continuing firms aged 5 years or more: their own productivity change.
        realloc: continuing firms aged 5 years or more: between + cross terms.
        entrants: firms under 5 years (all their terms), entry and exit terms.
        p_prev: aggregate productivity at the end of the previous quarter (0 before the first).
        y_prev, l_prev: real output and headcount of every firm at the end of the previous
            quarter (startup rows, then incumbent rows; ``n_prev`` startup rows then).
    """

    def __init__(self) -> None:
        self.within = 0.0
        self.realloc = 0.0
        self.entrants = 0.0
        self.p_prev = 0.0
        self.y_prev = np.zeros(0)
        self.l_prev = np.zeros(0)
        self.n_prev = 0
        self.y_total = 0.0
        self.sources = dict.fromkeys(SOURCES, 0.0)
        """Output-weighted quality gains by source after the burn-in: the sum over quarters of
        ``sum_i s_i dq_i`` (``s_i`` firm i's share of last quarter's real output, ``dq_i`` its
        log-quality gain from that source), :func:`abm.products.credit`."""


def advance(model) -> None:
    """The world frontier moves on by ``WORLD_FRONTIER_GROWTH``; every operating firm behind
    it adopts ``DIFFUSION_RATE`` of its distance (Nelson & Phelps 1966)."""
    mk, inc, st = model.market, model.inc, model.st
    mk.world += C.WORLD_FRONTIER_GROWTH
    for table, t, rows in (("inc", inc, inc.view("alive").nonzero()[0]),
                           ("st", st, live_rows(model))):
        d = C.DIFFUSION_RATE * np.maximum(mk.world - t.pq[rows], 0.0)
        credit(model, table, rows, d, "diffusion")
        t.pq[rows] += d


