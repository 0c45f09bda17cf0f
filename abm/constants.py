"""Structural constants: the same in every regime (documented in docs/ODD.md, section 7).

Regime differences live in parameters (``abm.params``), never here. Money is millions of
USD-equivalent (M); one step is one quarter.
"""

from __future__ import annotations

import math

BURN_IN = 20
"""Steps excluded from summary metrics (5 years)."""

STEPS_PER_YEAR = 4
MAX_STEPS = 1_000
"""Quarters per run without ``force`` (``EcosystemModel.run``, every ``abm`` command): the
length the model is known to hold with finite values (experiments/limits.py says why)."""

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
QUALITY_GROWTH = 0.147  # [calibrated] scripts/calibrate.py
QUALITY_PIVOT = 0.7
"""Growth drift is ``QUALITY_GROWTH x (log quality - QUALITY_PIVOT)`` plus the bonuses: most
startups' traction stalls, a heavy-tailed few grow fast."""
SCALE_UP = 0.0211  # [calibrated] scripts/calibrate.py
"""Extra quarterly growth drift per stage reached (venture money buys go-to-market)."""
LISTED_GROWTH_HALF_LIFE = 12.0
"""Quarters after its IPO in which a listed startup's positive growth drift halves: growth
after listing reverts towards the market's (Jain & Kini 1994: operating performance falls
after IPOs; Chan, Karceski & Lakonishok 2003: high growth does not persist; Haltiwanger,
Jarmin & Miranda 2013: growth falls with firm age); declared range [4, 40]. Without it a
listed firm's drift compounds until it holds its sector's contestable market."""
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
VALUATION_ELASTICITY = 0.545  # [calibrated] scripts/calibrate.py
"""Pre-money is the stage's typical pre-money times ``exp(VALUATION_ELASTICITY x excess)``..."""
REVENUE_MULTIPLE_FLOOR = 3.0
"""...and at least this multiple of annual revenue."""
READING_NOISE_MIN = 0.1
READING_NOISE_SLOPE = 1.0
"""A fund reads a pitch with noise ``READING_NOISE_MIN + READING_NOISE_SLOPE x (1 - skill)``
(merit units). Hand-set: no source measures screening noise (return persistence across a
manager's funds, Kaplan & Schoar 2005, says skill differs, not by how much); ranges 0.05-0.2
and 0.5-2 in :data:`abm.structural.STRUCTURAL` (a factor of two either way)."""
CVC_FIT_SECTOR = 0.4
"""Strategic fit a corporate fund sees in a startup of its parent's sector (merit units, times
``cvc_strategic_weight``)... Hand-set, like the three below (Yates & Roberts 1991 find market
familiarity the key to CVCs' strategic success, with no size); each is declared in
:data:`abm.structural.STRUCTURAL` a factor of two either way."""
CVC_FIT_COMPLEMENT = 0.2
"""...in a complementary (not disruptive) technology..."""
CVC_FIT_PARTNER = 0.4
"""...and in a partner of its parent (times ``group_cohesion`` for a partner of its group)."""
CVC_BAR_EASE = 0.2
"""A corporate fund's bar is lower by this times ``cvc_strategic_weight`` (hand-set; range
0.1-0.4)."""
CVC_MAX_EASE = CVC_FIT_SECTOR + CVC_FIT_COMPLEMENT + CVC_FIT_PARTNER + CVC_BAR_EASE
"""Most a corporate fund's objective lowers its bar, times ``cvc_strategic_weight`` (full fit),
at the default values (``abm.agents.screen_allowance`` sums the four constants when called, so
an override of one of them reaches it)."""
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
"""IPO pre-money as a multiple of annual revenue in a neutral market (no recent after-market
returns, no growth since the last round). Median EV/revenue of US tech IPOs, 1980-2020, is
about 4-8x (Ritter, IPO statistics); declared range [3, 12]."""
IPO_NOISE = 0.4
"""s.d. of the log noise of an IPO's revenue multiple (dispersion of EV/revenue among US tech
IPOs of a year, Ritter's statistics: an interquartile range of about a factor 1.7, s.d. of logs
about 0.4); declared range [0.1, 0.8]."""
IPO_HEAT_ELASTICITY = 2.0
"""How much the market's recent IPO returns raise the multiple: ``exp(IPO_HEAT_ELASTICITY x
heat)``, ``heat`` the moving average of log after-market returns at lock-up ends (hot-issue
markets: Ibbotson & Jaffe 1975, Lowry 2003, valuations rise after good after-market returns);
declared range [0, 4]."""
IPO_HEAT_MEMORY = 0.3
"""Weight of this quarter's after-market returns in ``heat`` (an exponential moving average;
each quarter without lock-up ends the old value decays by ``1 - IPO_HEAT_MEMORY``); declared
range [0.1, 0.6] (hot markets last about 1-3 years, Lowry 2003)."""
IPO_GROWTH_ELASTICITY = 1.0
"""How much revenue growth raises the multiple: ``exp(IPO_GROWTH_ELASTICITY x g)``, ``g`` the
annualised log growth of traction since the last round (public SaaS multiples roughly double
between 20% and 60% growth, e.g. Bessemer Cloud Index); declared range [0, 2]."""
LOCKUP_QUARTERS = 2
"""IPO lock-up: pre-IPO holders may not sell for 180 days (2 quarters) after the listing, the
US norm (Field & Hanka 2001); funds distribute their shares in kind when it ends."""
IPO_FLOAT = 0.2
"""New shares sold at an IPO as a share of pre-money."""
IPO_SELLDOWN = 0.1
"""Share of their stake founders and angels sell at the IPO."""
ACQUIHIRE_PER_HEAD = 1.0
ACQUIHIRE_DAMPING = 0.3
"""Acquisition hazard of a tiny (seed, < 1 M revenue a year) startup relative to others."""
ACQUISITION_HAZARD = 0.0124  # [calibrated] scripts/calibrate.py
PARTNER_HAZARD = 0.06
PARTNER_DISSOLVE = 1.0 / 8.0
PARTNER_CONTRACT = 0.1
"""Quarterly contract value an incumbent partner pays a startup (M, times round size multiplier)."""
PROCUREMENT_CONTRACT = 0.5
ANGEL_CHECK = 0.3
FOUNDER_RETIRE = 0.05
"""Quarterly probability a founder between ventures leaves the ecosystem (a mean of five years
in the pool; with ``failure_stigma`` it sets the share of failed founders who found again,
docs/indices.md). Hand-set; range 0.025-0.1 (a factor of two either way)."""
STALL_QUARTERS = 12
"""A private startup that has raised nothing for this many quarters is stalled..."""
STALL_HAZARD = 0.08
"""...and its founders shut it down with this quarterly probability (the living dead)."""
WIND_DOWN_AFTER = 4.0
"""Quarters after its last round (or founding) from which a private startup's founders weigh
closing it when its prospects fell (:mod:`abm.mechanisms.winddown`): a year to
show traction on the money raised (CB Insights 2014: failed startups die about 20 months after
their last round). Declared range [2, 8]."""
WIND_DOWN_HAZARD = 0.10
"""Quarterly probability that founders close a venture clearly below the next stage's bar
(:mod:`abm.mechanisms.winddown`; Arora & Nandkumar 2011: founders flame out when
prospects fall, before the cash is gone). No direct measure: about 1/(7 quarters), the time
CB Insights (2014) finds from the last round to death, rounded down. Declared range
[0.05, 0.20]."""

# -- innovation ---------------------------------------------------------------------------
STARTUP_INNOVATION = 0.03
INCUMBENT_INNOVATION = 0.6
PARTNERSHIP_INNOVATION = 0.08
RD_STOCK_DEPRECIATION = 0.15
"""Yearly depreciation of an incumbent's knowledge stock, the stock its innovation rate feeds on
(cumulativeness, :mod:`abm.mechanisms.incumbents`): the conventional 15% a year of R&D capital
(Griliches 1979; Hall, Mairesse & Mohnen 2010), plausible range 0.10-0.30 (Li & Hall 2020's
BEA estimates by industry run 15-40%). With an undepreciated count the innovation rate rose
without bound and growth depended on the horizon (docs/ODD.md 7.22)."""

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
"""A group injection is this share of the round the startup would raise for its next stage;
declared range [0.25, 1.0]."""
ABSORPTION_SCALE = 20.0
"""Innovation stock at which a buyer's absorptive capacity reaches 1 - 1/e (63%): capacity is
``1 - exp(-stock / ABSORPTION_SCALE)``; incumbents innovate about 0.6-1.2 times a quarter, so an
established incumbent is near full capacity and a new one is not; declared range [5, 100]."""
INTEGRATION_RD_GAIN = 0.05
"""R&D intensity an incumbent gains from integrating an acquired startup, per unit log quality
of the startup: ``rd <- min(3, rd + INTEGRATION_RD_GAIN x log quality)`` (the team and its
technology join the buyer's R&D; Ahuja & Katila 2001); declared range [0.025, 0.1]."""
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
DEMAND_ACCUMULATION = 0.5
"""Elasticity of an incumbent's reach (customer base, brand, distribution: its customer
capital) to its own sales: each quarter its log reach moves by ``DEMAND_ACCUMULATION x (log
rev_t - log rev_{t-1} - MARKET_GROWTH)``, its sales growth above the market trend
(:mod:`abm.mechanisms.incumbents`). Past sales build future demand: Foster, Haltiwanger &
Syverson (2016, Economica 83, "The slow growth of new plants: learning about demand?") find
that young plants are small for demand, not productivity, reasons and that their demand
accumulates mainly through their own past sales ("active" accumulation); customer capital
(Gourio & Rudanko 2014). With an elasticity below 1 a lasting gain in sales share (a better
product) is amplified by ``1 / (1 - DEMAND_ACCUMULATION)`` and then stops: diminishing
returns, no runaway. Not estimated in those sources in this form: hand-set 0.5, the middle
of the declared range [0.25, 0.75] (abm/structural.py; docs/prototypes/new_incumbents.md)."""
SECTOR_SHARE_VOLATILITY = 0.03
"""Quarterly s.d. of the shock to a sector's log share of spending (abm.mechanisms.sectors,
docs/ODD.md 7.23): about 0.06 a year. Sector shares are technology and demand, the same in
every regime. No direct estimate of the annual s.d. of log value-added share changes at this
level of aggregation was found; the reasoning: in the BEA GDP-by-industry accounts
manufacturing's share of US GDP fell from 25.6% (1946) to 12.1% (2013) and agriculture's from
8.2% to 1.4% (log changes of -0.75 and -1.8 over 67 years, EconoMonitor 2015 "Trends and
cycles across industries in the U.S. economy", from BEA), the largest movers among about ten
broad sectors; a near random walk with an annual s.d. of 0.06 gives a 67-year s.d. of about
0.4 (with the reversion below), which puts those two at 2 and 4 s.d. (they also carry a
trend: Engel's law, Baumol). Declared range [0.01, 0.06] a quarter (0.02-0.12 a year); 0 turns
the mechanism off (the fixed composition of earlier versions)."""
SECTOR_SHARE_REVERSION = 0.0025
"""Quarterly pull of a sector's log share back towards its initial share (half-life about 70
years): industry shares in national accounts move persistently, close to a random walk (BEA
shares trend for decades, see SECTOR_SHARE_VOLATILITY); a small pull keeps a sector from
drifting without bound over the longest runs (MAX_STEPS). Hand-set; declared range [0, 0.01]
(half-life from infinite down to about 17 years)."""

# -- growth: world frontier, diffusion, limits to absorption (docs/ODD.md 7.18) -----------------
WORLD_FRONTIER_GROWTH = 0.015 / 4
"""Quarterly growth of the world technology frontier (log quality): the best practice any
firm could adopt. Long-run productivity growth of the modelled economy equals it on the
balanced growth path (every firm's distance to the frontier settles). 1.5% a year: US labour
productivity growth 2000-2023 (BLS nonfarm business about 2.0% 2000-2007 and 1.5% 2007-2019;
OECD GDP per hour about 1.4%), the frontier the three countries are measured against;
declared range [0.01/4, 0.02/4]."""
FRONTIER_DAMPING = 0.1
"""Ideas are getting harder to find (Bloom, Jones, Van Reenen & Webb 2020): a firm whose
product is ``x = pq - W`` log points beyond the world frontier ``W`` gains only
``exp(-x / FRONTIER_DAMPING)`` of a full ladder step from an innovation (behind the frontier
a step is whole). A firm innovating at ``lam`` steps of ``quality_step`` a quarter settles at
``x* = FRONTIER_DAMPING x log(lam quality_step / WORLD_FRONTIER_GROWTH)``; declared range
[0.05, 0.3] (log points: 5-35% beyond best practice is where frontier firms are found,
Andrews, Criscuolo & Gal 2016)."""
DIFFUSION_RATE = 0.02 / 4
"""Quarterly share of its distance to the world frontier a firm behind it closes by adoption
and imitation (Nelson & Phelps 1966; Acemoglu, Aghion & Zilibotti 2006): ``pq += DIFFUSION_RATE
x max(W - pq, 0)``. 2% a year is the 'iron law' of convergence (Barro & Sala-i-Martin 1992);
laggard firms converge at 2-6% a year (Andrews, Criscuolo & Gal 2016); declared range
[0.01/4, 0.06/4]."""
PARTNER_HALF = 8.0
"""Concurrent partnerships at which an incumbent's attention halves: what it absorbs from its
partners' joint innovations is their sum divided by ``1 + n / PARTNER_HALF`` (n its live
partnerships), so it is bounded by ``PARTNER_HALF`` partnerships' worth however many it has,
and startups choosing a partner weigh it by ``1 / (1 + n / PARTNER_HALF)``. Alliance
portfolios have diminishing and then negative returns to their size (Deeds & Hill 1996: new
products peak at about 25 alliances in biotechnology; Laursen & Salter 2006: inverted U in the
breadth of external sources; Hoang & Rothaermel 2005); declared range [3, 30]."""
CUSTOMER_SWITCH = 0.05
"""Quarterly share of an incumbent's held (tied) customers who re-choose their supplier by
quality and reach; the rest stay (switching costs, Klemperer 1995; customer capital
depreciates about 15-20% a year, Gourio & Rudanko 2014); declared range [0.02, 0.15]."""
MATCHING_EFFECT = 2.0
"""Partnership hazard multiplier per unit of ``matching_programme`` (hazard times ``1 +
MATCHING_EFFECT x matching_programme``): ``matching_programme`` is the share of eligible
startups a matching programme introduces to a corporate partner, and an introduction triples
the chance a partnership forms (reasoning: brokered introductions remove the search cost that
dominates corporate-startup matching, Weiblen & Chesbrough 2015); declared range [0.5, 4]."""
DIRECTION_PULL = 0.25
"""Share of the distance in technology space (positions on a unit circle) an incumbent moves
towards a partner startup per joint innovation it absorbs, and towards an acquired startup
times the absorbed share of its product: startups make incumbents shift direction (Kushida
2022); declared range [0.05, 0.5]."""
DIRECTION_SHIFT = 0.05
"""A move of an incumbent's technology position by at least this (a twentieth of the circle)
in one quarter (an 18-degree turn) counts as a change of direction (``incumbent_direction_shifts``)."""

# -- incumbents ---------------------------------------------------------------------------
INCUMBENT_REVENUE = 5000.0
"""Mean quarterly revenue of an incumbent at the start (20,000 M a year)."""
INCUMBENT_PRODUCTIVITY = 0.1
"""Revenue per worker per quarter at the start (M)."""
INCUMBENT_MARGIN = 0.08
INCUMBENT_CASH_TARGET = 2.0
"""Incumbents pay out cash above this many quarters of revenue."""
MARKET_GROWTH = 0.0
"""Quarterly growth of nominal demand, prices and wages (the nominal trend D(t) = exp(
MARKET_GROWTH t)). 0: money is in constant money of step 0, so every threshold (IPO listing,
new incumbent, unicorn), round size and fund size keeps its real meaning over any horizon.
(It was 0.004 until the third round: with revenue per worker, wages and thresholds partly
nominal and partly not, startups' real economics drifted with the horizon.) A positive value
raises sector spending, revenue per worker and wages alike and real output is deflated by it,
so it adds nothing to ``productivity_growth``; money flows set in nominal terms (LP capital,
round sizes, budgets) then shrink in real terms, which is why it stays 0 in the presets."""
YOUNG_FIRM_QUARTERS = 20
"""Firms younger than this (5 years) count as entrants in the growth decomposition."""
HEADCOUNT_ADJUST = 0.2

# -- funds --------------------------------------------------------------------------------
FUND_LIFE = 40
INVEST_PERIOD = 20
FOLLOW_ON_END = FUND_LIFE - 4
"""A closed-end fund follows on in its companies until this many steps after its vintage."""
MGMT_FEE = 0.02 / STEPS_PER_YEAR
"""Quarterly management fee: 2% a year of commitments during the investing period, then of
the cost of positions still held (invested capital); Metrick & Yasuda (2010): the median VC
fund charges 2% a year, about half step down after the investing period, mostly by
changing the basis to invested capital. Declared range [1.5%, 2.5%] a year."""
CARRY = 0.20
"""Carried interest: the GP's share of profits once LPs have their capital and the hurdle
back (Metrick & Yasuda 2010: 20% in 95% of VC funds); declared range [0.15, 0.30]."""
HURDLE = 0.08
"""Preferred return (hurdle) a year, compounded on LP capital not yet returned (Metrick &
Yasuda 2010: 8% where a hurdle exists); declared range [0, 0.10]. The waterfall is European
(whole fund) with a full (100%) GP catch-up; carry is only for independent funds."""
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
"""Price a secondary buyer pays for holdings left when a fund ends, as a share of their mark
(tail-end secondaries of old VC funds trade at 40-60% of NAV: Nadauld et al. 2019, Jefferies
secondary market reviews); declared range [0.3, 0.9]."""
MARK_TRACTION = 0.5
"""A private position is marked at its last post-money times ``exp(MARK_TRACTION x (lrev -
lrev_at_round))``: traction since the round moves the mark (the same elasticity as the
acquisition price's drift); declared range [0.25, 1.0]."""
FLAT_ROUND_BAND = 0.05
"""A round priced within +-5% of the previous post-money counts as flat (below: a down round;
only for the ``flat_round_share`` statistic)."""
ROUND_ANCHOR_WEIGHT = 0.5
"""Weight of the company's own traction-moved last price (against the stage's typical price)
in the log pre-money of a follow-up round: investors price step-ups on progress since the last
round (Gornall & Strebulaev 2020 on round-to-round pricing; Carta step-up data); declared range
[0, 1]."""
ROUND_MARKET_ELASTICITY = 0.5
"""Private round prices follow the public market: the pre-money is multiplied by
``exp(ROUND_MARKET_ELASTICITY x heat)`` (venture valuations co-move with public comparables:
Gompers & Lerner 2000); declared range [0, 1]."""

# -- literals beside the country indices (docs/indices.md; issue 26 item 5) ----------------------
# Each was an inline number beside an index parameter; named here at the value it had, declared
# in abm.structural.STRUCTURAL with a range and screened in the Morris group of its component.
CVC_SKILL_SHARE = 0.8
"""Selection skill of a corporate fund as a share of the preset's ``fund_selection_skill`` (an
independent fund's): ``skill = fund_selection_skill x CVC_SKILL_SHARE`` (abm.model, the funds
at build and successor funds). Hand-set: CVC managers are salaried and turn over with their
parent's strategy (Chemmanur, Loutskina & Tian 2014 describe the fixed-salary pay; they find
CVC-backed firms more innovative but not because CVCs select better). Range 0.5-1.0: from a
half (a weak corporate team) to parity with independent funds."""
UNI_LEGITIMACY_WEIGHT = 0.5
"""Weight of founding legitimacy ``L`` in the rate of university spin-offs, which take
``(1 - UNI_LEGITIMACY_WEIGHT) + UNI_LEGITIMACY_WEIGHT x L`` where other founders take ``L``
(abm.mechanisms.founding): academic founders depend less on social approval. Hand-set
(reasoning, no source); 1 at ``L = 1`` whatever the weight, so it moves only the countries
below the US. Range 0.25-1.0 (1: as sensitive as other founders)."""
SPINOUT_RISK_BASE = 0.5
"""Incumbent spin-outs are multiplied by ``SPINOUT_RISK_BASE + risk_tolerance``
(abm.mechanisms.founding): employees' mean risk tolerance moves spin-outs, the base keeps the
rate positive at zero tolerance. Hand-set; a factor of two either way (0.25-1.0): the ratio of
spin-outs between risk tolerances 0.7 and 0.45 runs from 1.36 (0.25) to 1.17 (1.0)."""
ACQUISITION_RISK_BASE = 1.3
"""Base of the risk factor of the acquisition hazard (the factor is 1 at risk 0.5 with the
slope below)..."""
ACQUISITION_RISK_SLOPE = 0.6
"""A startup's acquisition hazard is multiplied by ``ACQUISITION_RISK_BASE -
ACQUISITION_RISK_SLOPE x risk`` (team mean risk tolerance; abm.mechanisms.exits): risk-averse
founders sell earlier. Hand-set so that the factor is 1 at risk 0.5; the slope a factor of two
either way (0.3-1.2), the base 1.2-1.6 (the factor at risk 0.5 between 0.9 and 1.3 at the
hand-set slope; never negative: at the lowest base and the highest slope it is 0 at risk 1).
The base also scales the calibrated ``ACQUISITION_HAZARD``."""
COHESION_DISSOLVE_CUT = 0.5
"""A partnership dissolves with hazard ``PARTNER_DISSOLVE x (1 - COHESION_DISSOLVE_CUT x
group_cohesion)`` (abm.mechanisms.partnerships): business-group ties make partnerships last.
Hand-set (reasoning after Gerlach 1992 on stable intra-group relations; no measured duration
ratio found); range 0.25-0.75 (partnerships 1.2-4 times as long at cohesion 1; 1 would make
them permanent)."""
DEFENSIVE_HAZARD = 2.0
"""The acquisition hazard of a disruptive startup is multiplied by ``1 + DEFENSIVE_HAZARD x
defensive_acquisition x threat`` (abm.mechanisms.exits). Hand-set; a factor of two either way
(1-4). Cunningham, Ederer & Ma (2021) measure the share of acquisitions that are killed
(docs/indices.md), not this hazard."""
DEFENSIVE_PREMIUM = 0.5
"""...and its price by ``1 + acquisition_premium + DEFENSIVE_PREMIUM x threat x
defensive_acquisition`` (the buyer pays to remove a threat). Hand-set; a factor of two either
way (0.25-1.0)."""
THREAT_REVENUE = 20.0
"""Annual revenue (M) at which a disruptive startup is a full threat to incumbents: ``threat =
disruptive x clip(annual revenue / THREAT_REVENUE, 0, 1)`` (abm.mechanisms.exits). Hand-set
(a scale-up past series B); a factor of two either way (10-40 M a year)."""
GRANT_NOISE_MIN = 0.2
"""Noise (log quality) with which the most skilled grant committee reads a proposal..."""
GRANT_NOISE_SLOPE = 1.5
"""A grant committee ranks applicants by log quality read with noise ``GRANT_NOISE_MIN +
GRANT_NOISE_SLOPE x (1 - gov_selection_skill)`` (abm.mechanisms.policy); a committee reads a
written proposal, not a pitch, hence a scale of its own beside the funds'
``READING_NOISE_*``. Hand-set (no source); a factor of two either way (0.1-0.4, 0.75-3)."""
ACCELERATOR_DRIFT = 0.06
"""Extra quarterly growth drift of a private pre-seed or seed startup per unit effective
``accelerator_strength`` (abm.mechanisms.operations). Hallen, Cohen & Bingham (2020,
Organization Science) find that some top accelerators substantially speed up ventures'
milestones (funding, customers, staff), others not; no size that maps onto a drift. Hand-set;
a factor of two either way (0.03-0.12)."""
PARTNER_DRIFT = 0.04
"""Extra quarterly growth drift of a startup with a live corporate partner, times ``1 -
NIH_DISCOUNT x nih`` of the partner (abm.mechanisms.operations): a first customer and a
channel. Hand-set; a factor of two either way (0.02-0.08)."""
NIH_DISCOUNT = 0.5
"""How much an incumbent's not-invented-here bias ``nih`` cuts its engagement with a startup:
the partnering hazard (through sector-mean openness), the joint-innovation rate of its
partnerships and its partner's drift bonus are each multiplied by ``1 - NIH_DISCOUNT x nih``
(abm.mechanisms.partnerships, operations); what it absorbs is multiplied by ``1 - nih``.
Hand-set; range 0.25-1.0 (1: the bias acts on engagement as fully as on absorption)."""
DISRUPTIVE_PARTNERING = 0.4
"""A disruptive startup's partnering hazard relative to a complementary one's
(abm.mechanisms.partnerships): incumbents partner less with technologies that threaten them
(Christensen 1997, reasoning). Hand-set; a factor of two either way (0.2-0.8)."""
UNI_QUALITY_BOOST = 0.5
"""A university spin-off's latent quality is multiplied by ``1 + UNI_QUALITY_BOOST x
tech_transfer`` (abm.mechanisms.founding): stronger transfer offices license better
inventions to their spin-offs. Hand-set; a factor of two either way (0.25-1.0)."""
UNI_SPILL_DRIFT = 0.02
"""A university spin-off's permanent extra quarterly growth drift per unit effective
``tech_transfer`` (abm.mechanisms.founding; knowledge spillover from its university).
Hand-set; a factor of two either way (0.01-0.04)."""
JOINT_RESEARCH_RD_GAIN = 0.03
"""A joint research project raises the incumbent's R&D capability by the factor ``1 +
JOINT_RESEARCH_RD_GAIN x tech_transfer`` (abm.mechanisms.universities). Hand-set; a factor
of two either way (0.015-0.06)."""
FIN_MEMORY = 0.2
"""Yearly decay of the log LP multiplier towards 1 (abm.mechanisms.maturity, docs/ODD.md
7.19): ``log M <- (1 - FIN_MEMORY) log M + loop_finance x tanh(log DPI_3y)``, so the finance
loop is bounded by ``exp(loop_finance / FIN_MEMORY)`` (docs/prototypes/japan_takeoff.md). LPs
weigh about the last five years; Kaplan & Schoar (2005) find flows respond to the previous
fund's performance, not this rate. Hand-set; range 0.1-0.5 (memories of two to ten years)."""

# -- realised deals (model.deals route codes) ----------------------------------------------
DEAL_SALE = 0
"""A position sold for cash in an acquisition."""
DEAL_LISTED = 1
"""Listed shares distributed in kind at the end of the lock-up (valued at the listed firm's
value then)."""
DEAL_WRITE_OFF = 2
"""A position written off when the startup failed (0x)."""
DEAL_DELISTED = 3
"""Listed shares still locked up when the firm was delisted (0x)."""
DEAL_SECONDARY = 4
"""A position sold to secondary buyers when the fund ended (or a corporate fund was wound
down)."""
DEAL_ROUTES = ("sale", "listed", "write_off", "delisted", "secondary")

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

# -- ordinary small firms (abm.mechanisms.smallfirms; docs/ODD.md 7.21) -------------------------
SMALLFIRM_ROWS = 2000
"""Rows of the small-firm arrays per unit of ``scale``: each stands for
``small_firms / SMALLFIRM_ROWS`` firms (a sampling choice, not a behaviour: more rows give
less sampling noise at more cost)."""
SMALLFIRM_ENTRY_LOG_SIZE = math.log(2.0)
"""Mean log employment of an entering small firm: a median of 2 persons (most new US employer
firms have 1-4 employees, BDS; most new Japanese and Korean firms are one- or two-person)."""
SMALLFIRM_ENTRY_LOG_SD = 0.8
"""S.d. of log employment at entry (a few entrants start with 10-20 staff)."""
SMALLFIRM_DRIFT = -0.002
"""Quarterly drift of a small firm's log employment: slightly negative, so that with the
one-person floor the size distribution is stationary (the median firm does not grow;
Haltiwanger, Jarmin & Miranda 2013: most small firms never grow). Chosen among (0, -0.002,
-0.005) as the value whose size distribution settles within the run; the tail exponent is
whatever the process gives."""
SMALLFIRM_GROWTH_SD = 0.12
"""Quarterly s.d. of a small firm's log employment growth (annual s.d. ~0.24; the dispersion
of continuing small firms' growth rates, Decker et al. 2014)."""
SMALLFIRM_YOUNG_HAZARD = 3.0
"""Exit hazard of an entrant relative to a mature firm of the same size: US exit rates are
~20-25% a year at age 1 and ~7% at ages 11+ (BDS; Haltiwanger, Jarmin & Miranda 2013)."""
SMALLFIRM_HAZARD_YEARS = 3.0
"""Years over which the young-firm excess hazard decays (e-folding; most of it is gone by age
5-6 in the BDS age profile)."""
SMALLFIRM_SIZE_ELASTICITY = 0.3
"""Elasticity of the exit hazard to employment (smaller firms exit more at a given age;
Evans 1987; Dunne, Roberts & Samuelson 1989)."""
SMALLFIRM_PRODUCTIVITY_GAP = 0.5
"""Sales (and value added) per worker of a small firm relative to an incumbent's at the start:
SMEs' labour productivity is roughly 40-70% of large firms' across the OECD (OECD
Entrepreneurship at a Glance, 'productivity gap' of micro and small firms; Japan SME White
Paper: SME value added per worker about half of large firms')."""
SMALLFIRM_SPINUP = 400
"""Quarters the small-firm population runs before step 1 (100 years: close to the steady
state of the age and size distribution; at 50 years employment still grew ~30% over a run)."""
VALUE_ADDED_SHARE = 0.5
"""Value added per unit of sales for every firm (US GDP / gross output of private
industries ~0.55, BEA; Japan ~0.5, Cabinet Office SNA): the GDP-like denominator."""
LARGE_FIRM_STAFF = 500
"""Staff from which a firm counts as large in the size-class metrics (US SBA/Census size
classes; Japan's and Korea's SME thresholds are 300 staff in manufacturing, but their
statistics also publish 500+ classes)."""
TAKEOVER_UNDERPERFORMANCE = 1.0
"""How much the takeover hazard of an incumbent rises as it underperforms its sector
(:mod:`abm.mechanisms.mergers`): the hazard is the preset's ``incumbent_takeover_rate`` times
``(1 + a) / (1 + a q)``, ``q`` the firm's revenue relative to its revenue of entry (deflated),
over its sector's mean of the same ratio; ``a`` is this constant. At ``a = 1`` a firm whose
sales collapsed (``q = 0``) is twice as likely a target as an average one, a firm twice as
good as its peers two thirds as likely: bounded and saturating. The direction is the market
for corporate control (Manne 1965; Jensen 1988: poorly run firms are bought and redeployed);
targets have low Tobin's q and weak sales growth (Palepu 1986; Morck, Shleifer & Vishny 1988),
but the predictive power of such models is modest (Palepu 1986), hence a factor of two at most.
Hand-set; range 0-3 in :data:`abm.structural.STRUCTURAL`."""
MERGER_SHARE_CAP = 0.30
"""Antitrust bound of a merger of incumbents (:mod:`abm.mechanisms.mergers`): a deal is
blocked when the buyer's share of its sector's sales after the merger would exceed it. The
2023 US Merger Guidelines (DOJ/FTC, Guideline 1) presume illegal a merger that creates a firm
with more than 30% of the market together with an HHI increase above 100 points; every merger
of two model incumbents raises the HHI by ``2 s_b s_t``, far above 100 points at their shares,
so the share test is the one that binds. (The 2010 Horizontal Merger Guidelines used only HHI
thresholds: post-merger HHI above 2,500 with an increase above 200 points.)"""
