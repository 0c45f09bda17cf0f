"""Structural constants: the same in every regime (documented in docs/ODD.md, section 7).

Regime differences live in parameters (``abm.params``), never here. Money is millions of
USD-equivalent (M); one step is one quarter.
"""

from __future__ import annotations

import math

BURN_IN = 20
"""Steps excluded from summary metrics (5 years)."""

STEPS_PER_YEAR = 4

# -- startups -----------------------------------------------------------------------------
STAGES = ("pre_seed", "seed", "series_a", "series_b", "series_c", "growth")
GROWTH = len(STAGES) - 1

ACTIVE, FAILED, ACQUIRED, PUBLIC, DELISTED = 0, 1, 2, 3, 4
STATUS_NAMES = ("active", "failed", "acquired", "public", "delisted")
"""``delisted``: a listed startup that later ran out of cash (it counts as an IPO exit)."""

ORIGINS = ("university", "incumbent", "serial", "independent")
UNIVERSITY, INCUMBENT_SPINOUT, SERIAL, INDEPENDENT = range(4)

ROUND_SIZE = (0.3, 2.5, 12.0, 30.0, 60.0, 120.0)
"""Typical round raised to reach each stage (US sizes, M); index 0 is founders' and angels' money."""
PRE_MONEY = (2.0, 10.0, 40.0, 120.0, 300.0, 700.0)
"""Typical pre-money valuation of the round that reaches each stage (US, M)."""
SCREEN_BAR = (0.0, 0.7, 0.9, 1.05, 1.2, 1.3)
"""Signal a fund needs to back a startup into each stage (merit scale: log quality + traction)."""
REF_LREV = (-4.0, -3.0, -1.5, 0.0, 1.0, 2.0)
"""Reference log quarterly revenue for each stage: traction above it raises merit."""

ESOP = 0.10
"""Option pool set aside at founding: the cap-table residual paid to employees at an exit."""
FOUNDER_SAVINGS = 0.1
INITIAL_LREV = math.log(0.05)
"""Log quarterly revenue potential of a new startup (50 k per quarter)."""
GROWTH_NOISE = 0.25
QUALITY_GROWTH = 0.15
QUALITY_PIVOT = 0.7
"""Growth drift is ``QUALITY_GROWTH x (log quality - QUALITY_PIVOT)`` plus the bonuses: most
startups' traction stalls, a heavy-tailed few grow fast."""
SCALE_UP = 0.02
"""Extra quarterly growth drift per stage reached (venture money buys go-to-market)."""
COST_PER_HEAD = 0.06
"""Loaded payroll per person per quarter (M): 240 k a year, a tech-startup salary with overhead."""
REVENUE_PER_HEAD = 0.12
"""Revenue capacity of one person per quarter (M): revenue cannot exceed headcount times this."""
POTENTIAL_REACH = 2.0
GROSS_MARGIN = 0.7
RUNWAY_TRIGGER = 2.0
"""A startup seeks a round when its cash covers fewer than this many quarters of net burn."""
HIRE_RUNWAY = 6.0
"""Startups staff up to what their cash can pay for this many quarters."""
ROUND_INTERVAL = 6
"""Quarters after its last round when a startup pitches again even if it has cash."""
RETRY_COOLDOWN = 1
"""Quarters a startup whose pitch failed waits before it pitches again: 1 = it may pitch the
next quarter (the model's behaviour so far). A knob added with the performance work
(docs/performance.md); 2 (skip a quarter after a rejection) makes a run 10-15% faster but, tested on 3 seeds
at scale 1, raises failures by 10-20% and lowers ``survival_5y`` by about 5 points, so it is
left at 1 until the presets are recalibrated with it."""
INSIDER_EDGE = 0.3
"""Added to the pitch an existing investor reads when it decides on a follow-on."""
MERIT_TRACTION = 0.3
"""Weight of traction in merit:
``merit = log quality + MERIT_TRACTION x (lrev - REF_LREV[stage])``."""
PITCH_NOISE = 0.5
"""Noise common to every investor reading one pitch (so shopping a deal around helps less)."""
MIN_ROUND_GAP = 2
"""Quarters after its last round before a (post-pre-seed) startup short of runway may raise
again."""
ROUND_SIZE_LOW = 0.6
ROUND_SIZE_SPREAD = 0.8
"""A round targets the stage's size times ``ROUND_SIZE_LOW + ROUND_SIZE_SPREAD x U(0, 1)``
(+-40%)."""
POOL_FLOOR = 0.05
"""A fund is in a stage's pool only with at least this share of the stage's round size in cash."""
MIN_CHECK = 0.005
"""Smallest commitment a fund makes to a round (M)."""
EXCESS_LOW = -1.5
"""How far merit clears the stage's bar, floored at EXCESS_LOW, sets the price (no upper limit:
a clip there made a private unicorn impossible at small round sizes; docs/ODD.md 7.16)."""
VALUATION_ELASTICITY = 0.5
"""Pre-money is the stage's typical pre-money times ``exp(VALUATION_ELASTICITY x excess)``..."""
REVENUE_MULTIPLE_FLOOR = 3.0
"""...and at least this multiple of annual revenue."""
READING_NOISE_MIN = 0.1
READING_NOISE_SLOPE = 1.0
"""A fund reads a pitch with noise ``READING_NOISE_MIN + READING_NOISE_SLOPE x (1 - skill)``."""
CVC_FIT_SECTOR = 0.4
"""Strategic fit a corporate fund sees in a startup of its parent's sector..."""
CVC_FIT_COMPLEMENT = 0.2
"""...in a complementary (not disruptive) technology..."""
CVC_FIT_PARTNER = 0.4
"""...and in a partner of its parent (times ``group_cohesion`` for a partner of its group)."""
CVC_BAR_EASE = 0.2
"""A corporate fund's bar is lower by this times ``cvc_strategic_weight``."""
CVC_MAX_EASE = CVC_FIT_SECTOR + CVC_FIT_COMPLEMENT + CVC_FIT_PARTNER + CVC_BAR_EASE
"""Most a corporate fund's objective lowers its bar, times ``cvc_strategic_weight`` (full fit)."""
GOV_BAR_EASE = 0.6
"""A government fund's bar is lower by this (policy targets, less strict screening)."""
SCREEN_MARGIN = 1e-9
"""Safety margin of the start-of-quarter bound on a fund's bar (``funding.predraw``)."""
LEAD_SHARE = 0.6
CANDIDATES = 4
"""Funds a startup pitches per round (sampled from those investing at its stage)."""
MIN_RAISE = 0.5
"""A round closes only if at least this share of its target is committed."""
UNICORN = 1000.0
IPO_MULTIPLE = 6.0
"""IPO valuation as a multiple of annual revenue."""
IPO_FLOAT = 0.2
"""New shares sold at an IPO as a share of pre-money."""
IPO_SELLDOWN = 0.1
"""Share of their stake founders and angels sell at the IPO."""
ACQUIHIRE_PER_HEAD = 1.0
ACQUIHIRE_DAMPING = 0.3
"""Acquisition hazard of a tiny (seed, < 1 M revenue a year) startup relative to others."""
ACQUISITION_HAZARD = 0.012
PARTNER_HAZARD = 0.06
PARTNER_DISSOLVE = 1.0 / 8.0
PARTNER_CONTRACT = 0.1
"""Quarterly contract value an incumbent partner pays a startup (M, times round size multiplier)."""
PROCUREMENT_CONTRACT = 0.5
ANGEL_CHECK = 0.3
FOUNDER_RETIRE = 0.05
"""Quarterly probability a founder between ventures leaves the ecosystem."""
STALL_QUARTERS = 12
"""A private startup that has raised nothing for this many quarters is stalled..."""
STALL_HAZARD = 0.08
"""...and its founders shut it down with this quarterly probability (the living dead)."""

# -- innovation ---------------------------------------------------------------------------
STARTUP_INNOVATION = 0.03
INCUMBENT_INNOVATION = 0.6
PARTNERSHIP_INNOVATION = 0.08

# -- markets (abm.mechanisms.markets) -----------------------------------------------------
COMPLEMENT_MARKET = 0.5
"""Size of a sector's market for complementary products (inputs, tools, services bought from
suppliers) as a share of the sector's demand; complementary startups share it with suppliers
outside the model. Intermediate inputs are about half of gross output in US input-output
tables (BEA); declared range [0.1, 1.0]."""
PAST_PARTNER_PREFERENCE = 2.0
"""Extra weight (1 + this) an incumbent's earlier partnership with a startup gives in the
startup's choice of partner: the Japanese relationship system favours repeat partners (Kwon &
Motohashi 2015); declared range [0, 5]."""
GROUP_PREFERENCE = 3.0
"""Extra weight (1 + this x group_cohesion) a startup tied to a business group (through its
first corporate partner) gives that group's members when it picks a partner and a buyer when
it is acquired; declared range [0, 10] (reasoning: intra-group transactions dominate keiretsu
and chaebol deal flow, Gerlach 1992; Chang 2003)."""
GROUP_FUNDING_HAZARD = 0.25
"""Quarterly probability, times group_cohesion, that a business-group member funds its partner
startup when the startup's runway is short (the group's internal capital market, Khanna &
Yafeh 2007); declared range [0, 1]."""
GROUP_FUNDING_ROUNDS = 0.5
"""A group injection is this share of the round the startup would raise for its next stage."""
ABSORPTION_SCALE = 20.0
"""Innovation stock at which a buyer's absorptive capacity reaches 1 - 1/e (63%): capacity is
``1 - exp(-stock / ABSORPTION_SCALE)``; incumbents innovate about 0.6-1.2 times a quarter, so an
established incumbent is near full capacity and a new one is not; declared range [5, 100]."""
FIT_COMPLEMENTARY = 1.0
FIT_DISRUPTIVE = 0.5
"""Technological fit of an acquired startup's product with the buyer's: a complement builds on
the buyer's technology, a disruptive product less so (Cohen & Levinthal 1990; declared range
for the disruptive fit [0.2, 1.0])."""
HETEROGENEITY_CONCENTRATION = 4.0
"""Beta concentration of incumbents' traits at full ``incumbent_heterogeneity``: a trait with
mean m is Beta(m k, (1 - m) k) with ``k = HETEROGENEITY_CONCENTRATION / heterogeneity``."""
REACH_NOISE = 0.02
"""Quarterly s.d. of an incumbent's log reach (brand, distribution): shares move without
quality change."""

# -- incumbents ---------------------------------------------------------------------------
INCUMBENT_REVENUE = 5000.0
"""Mean quarterly revenue of an incumbent at the start (20,000 M a year)."""
INCUMBENT_PRODUCTIVITY = 0.1
"""Revenue per worker per quarter at the start (M)."""
INCUMBENT_MARGIN = 0.08
INCUMBENT_CASH_TARGET = 2.0
"""Incumbents pay out cash above this many quarters of revenue."""
MARKET_GROWTH = 0.004
"""Quarterly growth of nominal demand and prices (the nominal trend D(t) = exp(0.004 t)): it
raises every sector's spending and nominal revenue per worker alike, and real output is
deflated by it, so it adds nothing to ``productivity_growth``."""
YOUNG_FIRM_QUARTERS = 20
"""Firms younger than this (5 years) count as entrants in the growth decomposition."""
HEADCOUNT_ADJUST = 0.2

# -- funds --------------------------------------------------------------------------------
FUND_LIFE = 40
INVEST_PERIOD = 20
FOLLOW_ON_END = FUND_LIFE - 4
"""A closed-end fund follows on in its companies until this many steps after its vintage."""
MGMT_FEE = 0.02 / STEPS_PER_YEAR
FUND_SIZE = 400.0
"""Mean size of a first-time independent fund (M, times round size multiplier)."""
MAX_CHECK_SHARE = 0.1
PACING = 0.3
"""Strength with which a fund behind its deployment schedule lowers its screening bar."""
PACING_MIN_CASH = 1e-3
PACING_MIN_LEFT = 0.05
"""Floors of the cash share left and of the investing-period share left in the pacing ratio."""
PACING_AHEAD_MAX = 0.3
PACING_BEHIND_MAX = 0.6
"""Pacing raises a fund's bar by at most ``PACING_AHEAD_MAX`` and lowers it by at most
``PACING_BEHIND_MAX``."""
RESIDUAL_DISCOUNT = 0.5
"""Secondary-sale discount on holdings left when a fund ends."""

# -- labour and universities --------------------------------------------------------------
IDLE_SHARE = 0.03
GRADUATES_PER_M = 12.5
"""Graduates a year per M of yearly university research budget: at the reference size (10
universities x 100 M a year, 2.5 million workers) the graduates balance retirement
(``RETIREMENT_PER_YEAR``), a stationary labour force; a larger university sector grows it."""
RETIREMENT_PER_YEAR = 0.005
UNIVERSITY_BUDGET = 100.0
KNOWLEDGE_DEPRECIATION = 0.025

# -- cap-table holders that are not agents -------------------------------------------------
SECONDARY = -1
"""Holder id of secondary buyers of stakes left when a fund ends."""
PUBLIC_FLOAT = -2
"""Holder id of public shareholders after an IPO."""
