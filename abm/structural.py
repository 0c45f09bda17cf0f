"""Structural uncertainty: the constants (and technology parameters) that can change a regime
ordering, each with a plausible range and the source or reasoning for it.

:data:`STRUCTURAL` maps a name to a :class:`StructuralRange`. Two kinds of entries:

* ``kind = "constant"``: a module attribute of :mod:`abm.constants` (the same in every regime).
  A run can set it, inside its declared range only, with :func:`override_constants` (what
  :class:`abm.experiments.spec.RunSpec` ``constants`` does around build and run);
* ``kind = "parameter"``: a parameter of :data:`abm.params.SPECS` held equal across the
  country presets: the technology (``quality_step``, ``radical_step``,
  ``quality_sensitivity``) and the strengths of the components' feedback loops
  (``loop_finance`` ... ``loop_support``, docs/ODD.md 7.19) and of the open-innovation
  channels no preset sets (``relational_learning``, ``absorptive_capacity``,
  ``incumbent_heterogeneity``); it is varied as an ordinary parameter override;
* ``kind = "preset_parameter"``: an index parameter whose value differs between the country
  presets (docs/indices.md: ``founding_legitimacy`` ... ``matching_programme``), with a range
  *per preset* (:attr:`StructuralRange.per_preset`, from the data maps of docs/indices.md, or
  "unsourced: +-50%" around the preset value where the page has no number). Its declared
  ``low``/``high`` are the unit range [0, 1]: a sampled unit value ``u`` becomes
  ``lo_p + u (hi_p - lo_p)`` in the run of preset ``p`` (:func:`preset_value`), so one sample
  point moves every preset to the same relative place inside its own range (the paired
  comparison of the experiment stays paired). A value is checked against a preset's range with
  :func:`check_preset_parameter`.

The shipped experiment ``experiments/structural_uncertainty.toml`` samples every entry over its
range (Morris, SALib) and its report says which regime orderings survive the ranges. The table
is generated into docs/parameters.md ("Structural constants and their ranges").

Ranges are honest statements of ignorance, not calibration targets: where no source pins a
constant down, the range is a factor of two either way around the hand-set value (said so in
its reasoning).

Example:
    >>> from abm import constants as C
    >>> from abm.structural import override_constants
    >>> with override_constants({"IPO_MULTIPLE": 9.0}):
    ...     C.IPO_MULTIPLE
    9.0
    >>> C.IPO_MULTIPLE
    6.0
    >>> with override_constants({"IPO_MULTIPLE": 50.0}):
    ...     pass
    Traceback (most recent call last):
    ...
    abm.structural.StructuralError: structural constant IPO_MULTIPLE = 50 is out of its declared range [3, 12] (abm.structural.STRUCTURAL)
"""

from __future__ import annotations

import math
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Iterator, Mapping

from . import constants as C
from .hints import did_you_mean


class StructuralError(ValueError):
    """An unknown structural constant, or a value outside its declared range."""


@dataclass(frozen=True, slots=True)
class StructuralRange:
    """Declared range of one structural constant or technology parameter.

    Args:
        name: constant name in :mod:`abm.constants` (upper case) or parameter name.
        low: lowest plausible value (inclusive).
        high: highest plausible value (inclusive).
        kind: ``"constant"``, ``"parameter"`` or ``"preset_parameter"``.
        reasoning: the source or reasoning behind the range.
        per_preset: for ``"preset_parameter"`` only, ``{preset: (low, high)}``: the range of
            the parameter when that preset runs (``low == high`` holds it fixed there);
            ``low``/``high`` are then the unit range 0, 1 of the sampled factor.
    """

    name: str
    low: float
    high: float
    kind: str
    reasoning: str
    per_preset: Mapping[str, tuple[float, float]] | None = None


_FACTOR2 = "No source pins it down (hand-set); the range is a factor of two either way."

_ENTRIES = (
    # -- technology parameters (equal in every preset, varied as parameters) ----------------
    StructuralRange(
        "quality_step", 0.002, 0.008, "parameter",
        "Log quality gained per incremental innovation. Hand-set so that incumbents' quality "
        "drifts up a few per cent a year. " + _FACTOR2),
    StructuralRange(
        "radical_step", 0.02, 0.1, "parameter",
        "Leapfrog of a radical (disruptive) innovation over its sector's quality frontier. "
        "Hand-set; from a few per cent (a modest new generation) to 10% (a clear leap) "
        "around the 5% used."),
    StructuralRange(
        "quality_sensitivity", 2.5, 10.0, "parameter",
        "Logit slope of market shares on log quality (how strongly buyers follow quality; it "
        "differs widely across industries). " + _FACTOR2),
    # -- strengths of the components' feedback loops (equal in every preset; ODD 7.19) ------
    StructuralRange(
        "loop_finance", 0.0, 0.3, "parameter",
        "Finance loop (LP money follows realised returns). Flows follow performance (Kaplan & "
        "Schoar 2005; Gompers & Lerner 1998) but no study gives this strength: from 0 (the "
        "loop off, the fixed component of earlier versions) to three times the hand-set 0.1 "
        "(a steady 3-year multiple of e then multiplies LP money by about 3)."),
    StructuralRange(
        "loop_labor", 0.0, 1.0, "parameter",
        "Labour loop (startup experience raises mobility and spin-outs). From 0 (off) to 1: "
        "at 1 a fully experienced workforce multiplies mobility by e, a bit less than "
        "Silicon Valley's 3.3 times Japan's job_mobility, so the loop alone cannot exceed the "
        "observed gap; hand-set 0.5."),
    StructuralRange(
        "loop_ties", 0.0, 0.3, "parameter",
        "Ties loop (tech-transfer capacity grows with spin-off exits and joint research). No "
        "estimate of the strength exists; from 0 (off) to three times the hand-set 0.1 "
        "(capacity then builds up over a few years instead of a decade)."),
    StructuralRange(
        "loop_industry", 0.0, 0.15, "parameter",
        "Industry loop (an incumbent opens up after partnerships that delivered). No estimate "
        "exists; from 0 (off) to three times the hand-set 0.05 per event."),
    StructuralRange(
        "loop_norms", 0.0, 0.6, "parameter",
        "Norms loop (visible successes raise founding legitimacy; Stuart & Sorenson 2003, Kerr, "
        "Nanda & Rhodes-Kropf 2014 show entry following local successes, not this strength): "
        "from 0 (off) to twice the hand-set 0.3."),
    StructuralRange(
        "loop_support", 0.0, 0.6, "parameter",
        "Support loop (support services follow deal flow; Kenney & Patton 2005): from 0 (off) "
        "to twice the hand-set 0.3 (at 0.6 a mature supply cuts service cost by 60%)."),
    # -- strengths of the open-innovation channels (no preset sets them: equal in every preset)
    StructuralRange(
        "relational_learning", 0.0, 1.0, "parameter",
        "Relation-specific learning of a partnership (joint innovation rate times 1 + this x "
        "(log(1 + quarters together / 4) + earlier ties of the pair); Dyer & Singh 1998). "
        "Gulati, Lavie & Singh (2009) find partner-specific experience raises the value of new "
        "alliances, but a meta-analysis of 143 studies (Strategic Organization 2021, "
        "doi:10.1177/1476127020982875) finds the experience-performance effect neither "
        "theoretically clear nor empirically consistent, and no study gives this rate "
        "multiplier: from 0 (no learning) to twice the hand-set 0.5 (at 1 a two-year "
        "partnership innovates 2.1 times as fast as a new one)."),
    StructuralRange(
        "absorptive_capacity", 0.5, 1.0, "parameter",
        "Weight of the buyer's absorptive capacity in the quality it gains from an integrated "
        "startup (Cohen & Levinthal 1990; Ahuja & Katila 2001 find an acquirer's later "
        "innovation rises with the size of the acquired knowledge base and peaks at moderate "
        "relatedness to its own). The evidence says the weight is not 0; no study gives its size: from "
        "half (half the gain independent of what the buyer knows) to the hand-set 1, the "
        "parameter's maximum."),
    StructuralRange(
        "incumbent_heterogeneity", 0.25, 1.0, "parameter",
        "Spread of incumbents' openness, appetite and not-invented-here bias around the "
        "preset's values (Beta with concentration HETEROGENEITY_CONCENTRATION / this, so the "
        "constant is covered by varying this parameter). Firms' openness to outside knowledge "
        "varies widely within one economy (Laursen & Salter 2006, breadth of external search "
        "across UK manufacturers), not on this scale. " + _FACTOR2),
    # -- constants: startup growth ----------------------------------------------------------
    StructuralRange(
        "QUALITY_GROWTH", 0.075, 0.3, "constant",
        "Slope of a startup's quarterly revenue-growth drift on its log quality. Sets how fast "
        "good startups scale, which drives unicorns and displacement. " + _FACTOR2),
    StructuralRange(
        "QUALITY_PIVOT", 0.4, 1.0, "constant",
        "Log quality at which the growth drift turns positive. Log quality is exponential "
        "with mean and s.d. 1/quality_tail = 0.625; the range moves the pivot by about half a "
        "s.d. either way (more or fewer startups with positive drift)."),
    StructuralRange(
        "SCALE_UP", 0.0, 0.04, "constant",
        "Extra quarterly growth drift per stage reached (what venture money buys in "
        "go-to-market). From none to twice the hand-set 0.02."),
    StructuralRange(
        "GROWTH_NOISE", 0.15, 0.4, "constant",
        "Quarterly s.d. of a startup's log revenue growth. Young-firm growth rates are very "
        "dispersed (Haltiwanger, Jarmin & Miranda 2013); the range spans annual s.d. 0.3-0.8 "
        "of log growth around the hand-set 0.5."),
    # -- constants: innovation --------------------------------------------------------------
    StructuralRange(
        "STARTUP_INNOVATION", 0.015, 0.06, "constant",
        "Base quarterly innovation rate of a startup (times sqrt quality and opportunity). "
        "Sets the startups' share of innovation against incumbents'. " + _FACTOR2),
    StructuralRange(
        "INCUMBENT_INNOVATION", 0.3, 1.2, "constant",
        "Base quarterly innovation rate of an incumbent per unit R&D intensity. Large firms "
        "do most measured R&D but their innovation per R&D dollar is debated (Akcigit & Kerr "
        "2018: small firms more radical, large firms more incremental). " + _FACTOR2),
    StructuralRange(
        "PARTNERSHIP_INNOVATION", 0.04, 0.16, "constant",
        "Base quarterly rate of joint innovations in a startup-incumbent partnership. "
        + _FACTOR2),
    # -- constants: markets -----------------------------------------------------------------
    StructuralRange(
        "COMPLEMENT_MARKET", 0.1, 1.0, "constant",
        "Market for complementary products as a share of a sector's demand. Intermediate "
        "inputs are about half of gross output in US input-output tables (BEA); only part of "
        "them is open to startups, so from 0.1 up to all of it (1.0)."),
    StructuralRange(
        "REACH_NOISE", 0.0, 0.05, "constant",
        "Quarterly s.d. of an incumbent's log reach (share moves without quality change). From "
        "none to an annual s.d. of 0.1 in log share, the order of year-to-year share changes "
        "of leading firms (reasoning, hand-set 0.02)."),
    StructuralRange(
        "MARKET_GROWTH", 0.0, 0.01, "constant",
        "Quarterly nominal demand, price and wage growth: 0 (constant money, the default) to 4% "
        "a year (the nominal GDP growth of Japan since 1995 up to that of the US). Deflated "
        "out of productivity, but nominal revenue grows against fixed nominal round sizes, "
        "fund sizes and valuations."),
    # -- constants: growth (docs/ODD.md 7.18) ------------------------------------------------
    StructuralRange(
        "WORLD_FRONTIER_GROWTH", 0.01 / 4, 0.02 / 4, "constant",
        "Quarterly growth of the world technology frontier, the long-run growth rate on the "
        "balanced growth path: 1-2% a year, US labour productivity growth 2000-2023 (BLS, "
        "OECD); hand-set 1.5%."),
    StructuralRange(
        "FRONTIER_DAMPING", 0.05, 0.3, "constant",
        "Log points beyond the world frontier over which an innovation's step shrinks by 1/e "
        "(ideas get harder to find, Bloom et al. 2020); frontier firms are 5-35% beyond best "
        "practice (Andrews, Criscuolo & Gal 2016); hand-set 0.1."),
    StructuralRange(
        "RD_STOCK_DEPRECIATION", 0.10, 0.30, "constant",
        "Yearly depreciation of an incumbent's knowledge stock (cumulativeness feeds on it): "
        "15% is the conventional rate of R&D capital (Griliches 1979; Hall, Mairesse & Mohnen "
        "2010); BEA estimates by industry run 15-40% (Li & Hall 2020); hand-set 15%."),
    StructuralRange(
        "DIFFUSION_RATE", 0.01 / 4, 0.06 / 4, "constant",
        "Quarterly share of the distance to the world frontier a lagging firm closes: 1-6% a "
        "year (Barro & Sala-i-Martin 1992: 2%; Andrews, Criscuolo & Gal 2016 for laggard "
        "firms); hand-set 2%."),
    StructuralRange(
        "PARTNER_HALF", 3.0, 30.0, "constant",
        "Live partnerships at which an incumbent's attention (what it absorbs per partner, and "
        "its weight as a partner) halves: alliance portfolios show diminishing returns past "
        "a few to about 25 alliances (Deeds & Hill 1996; Laursen & Salter 2006); hand-set 8."),
    StructuralRange(
        "DEMAND_ACCUMULATION", 0.25, 0.75, "constant",
        "Elasticity of an incumbent's log reach (customer capital) to its sales growth above "
        "trend: demand accumulates through past sales (Foster, Haltiwanger & Syverson 2016; "
        "Gourio & Rudanko 2014); no estimate in this form, so from a quarter to three quarters "
        "(below 1: a share gain is amplified by 1/(1 - value), bounded); hand-set 0.5."),
    StructuralRange(
        "CUSTOMER_SWITCH", 0.02, 0.15, "constant",
        "Quarterly share of held customers who re-choose their supplier by quality: customer "
        "capital depreciates 15-20% a year (Gourio & Rudanko 2014); from 8% to 45% a year; "
        "hand-set 0.05."),
    StructuralRange(
        "SECTOR_SHARE_VOLATILITY", 0.01, 0.06, "constant",
        "Quarterly s.d. of the shock to a sector's log share of spending (0.02-0.12 a year). "
        "No direct estimate found; reasoning from BEA GDP-by-industry shares (manufacturing "
        "25.6% to 12.1% and agriculture 8.2% to 1.4% of US GDP, 1946-2013: log changes of "
        "-0.75 and -1.8 over 67 years for the largest movers among about ten sectors); "
        "hand-set 0.03 (0.06 a year)."),
    StructuralRange(
        "SECTOR_SHARE_REVERSION", 0.0, 0.01, "constant",
        "Quarterly pull of a sector's log share back to its initial share: national-accounts "
        "industry shares trend for decades, close to a random walk; from 0 (a random walk) to "
        "a half-life of about 17 years; hand-set 0.0025 (about 70 years)."),
    StructuralRange(
        "MATCHING_EFFECT", 0.5, 4.0, "constant",
        "How much a matching programme's introduction multiplies the chance a startup "
        "partners an incumbent (times matching_programme): reasoning (brokered introductions "
        "remove search costs, Weiblen & Chesbrough 2015); hand-set 2, the literal it "
        "replaces."),
    StructuralRange(
        "DIRECTION_PULL", 0.05, 0.5, "constant",
        "Share of the distance in technology space an incumbent moves towards a partner per "
        "absorbed joint innovation, or towards an integrated acquisition (reasoning; hand-set "
        "0.25)."),
    StructuralRange(
        "LISTED_GROWTH_HALF_LIFE", 4.0, 40.0, "constant",
        "Quarters in which a listed startup's positive growth drift halves after its IPO: "
        "post-IPO growth reverts (Jain & Kini 1994; Chan, Karceski & Lakonishok 2003); from 1 "
        "to 10 years, hand-set 3."),
    # -- constants beside the country indices (docs/indices.md, issue 26 item 5), screened in
    # -- the Morris group of their component (experiments/structural_uncertainty.toml) ---------
    # finance
    StructuralRange(
        "CVC_SKILL_SHARE", 0.5, 1.0, "constant",
        "Corporate funds' selection skill as a share of independent funds' (hand-set 0.8): "
        "CVC managers are salaried (Chemmanur, Loutskina & Tian 2014, who find CVC-backed "
        "firms more innovative but not through better selection); from half to parity."),
    StructuralRange(
        "READING_NOISE_MIN", 0.05, 0.2, "constant",
        "Noise (merit units) with which the most skilled fund reads a pitch (hand-set 0.1; no "
        "source measures screening noise). " + _FACTOR2),
    StructuralRange(
        "READING_NOISE_SLOPE", 0.5, 2.0, "constant",
        "Rise of a fund's reading noise per unit of missing selection skill, noise = "
        "READING_NOISE_MIN + this x (1 - skill) (hand-set 1; return persistence across a "
        "manager's funds, Kaplan & Schoar 2005, says skill differs, not by how much). "
        + _FACTOR2),
    StructuralRange(
        "CVC_FIT_SECTOR", 0.2, 0.8, "constant",
        "Strategic fit (merit units, times cvc_strategic_weight) a corporate fund sees in a "
        "startup of its parent's sector (hand-set 0.4; Yates & Roberts 1991 find market "
        "familiarity the key to CVCs' strategic success, no size). " + _FACTOR2),
    StructuralRange(
        "CVC_FIT_COMPLEMENT", 0.1, 0.4, "constant",
        "Fit a corporate fund sees in a complementary (not disruptive) technology (hand-set "
        "0.2). " + _FACTOR2),
    StructuralRange(
        "CVC_FIT_PARTNER", 0.2, 0.8, "constant",
        "Fit a corporate fund sees in a partner of its parent (times group_cohesion for a "
        "partner of its group; hand-set 0.4). " + _FACTOR2),
    StructuralRange(
        "CVC_BAR_EASE", 0.1, 0.4, "constant",
        "How much a corporate fund lowers its bar, times cvc_strategic_weight (hand-set 0.2). "
        + _FACTOR2),
    StructuralRange(
        "FIN_MEMORY", 0.1, 0.5, "constant",
        "Yearly decay of the log LP multiplier (the finance loop is bounded by "
        "exp(loop_finance / FIN_MEMORY), docs/prototypes/japan_takeoff.md): LPs weigh the "
        "last two to ten years (Kaplan & Schoar 2005: flows follow the previous fund's "
        "performance, not this rate); hand-set 0.2 (five years)."),
    # norms
    StructuralRange(
        "UNI_LEGITIMACY_WEIGHT", 0.25, 1.0, "constant",
        "Weight of founding legitimacy L in university spin-offs, (1 - w) + w L (academic "
        "founders depend less on social approval; reasoning, hand-set 0.5): from a quarter to "
        "the full weight other founders carry."),
    StructuralRange(
        "SPINOUT_RISK_BASE", 0.25, 1.0, "constant",
        "Base of the spin-out multiplier base + risk_tolerance (hand-set 0.5; it sets how "
        "strongly employees' risk tolerance moves spin-outs). " + _FACTOR2),
    StructuralRange(
        "ACQUISITION_RISK_BASE", 1.2, 1.6, "constant",
        "Base of the acquisition-hazard factor base - slope x risk (hand-set 1.3, the factor 1 "
        "at risk 0.5; risk-averse founders sell earlier, reasoning): the factor at risk 0.5 "
        "between 0.9 and 1.3, never negative within the slope's range."),
    StructuralRange(
        "ACQUISITION_RISK_SLOPE", 0.3, 1.2, "constant",
        "Fall of the acquisition-hazard factor per unit of founders' risk tolerance (hand-set "
        "0.6; no source). " + _FACTOR2),
    StructuralRange(
        "FOUNDER_RETIRE", 0.025, 0.1, "constant",
        "Quarterly probability that a founder between ventures leaves the ecosystem (hand-set "
        "0.05: a mean of 5 years in the pool; it sets the share of failed founders who found "
        "again with failure_stigma, docs/indices.md). " + _FACTOR2),
    # ties
    StructuralRange(
        "UNI_QUALITY_BOOST", 0.25, 1.0, "constant",
        "A university spin-off's quality is multiplied by 1 + this x tech_transfer (hand-set "
        "0.5; no source measures the quality premium by transfer strength). " + _FACTOR2),
    StructuralRange(
        "UNI_SPILL_DRIFT", 0.01, 0.04, "constant",
        "A university spin-off's extra quarterly growth drift per unit tech_transfer (hand-set "
        "0.02). " + _FACTOR2),
    StructuralRange(
        "JOINT_RESEARCH_RD_GAIN", 0.015, 0.06, "constant",
        "Rise of an incumbent's R&D capability per joint research project, times "
        "tech_transfer (hand-set 0.03). " + _FACTOR2),
    # industry
    StructuralRange(
        "NIH_DISCOUNT", 0.25, 1.0, "constant",
        "How much not-invented-here bias cuts an incumbent's partnering, joint innovation and "
        "its partner's drift bonus, 1 - this x nih (hand-set 0.5; absorption takes 1 - nih): "
        "from a quarter to the full weight it has on absorption."),
    StructuralRange(
        "PARTNER_DRIFT", 0.02, 0.08, "constant",
        "Extra quarterly growth drift of a startup with a corporate partner (a first customer "
        "and a channel; hand-set 0.04). " + _FACTOR2),
    StructuralRange(
        "DISRUPTIVE_PARTNERING", 0.2, 0.8, "constant",
        "Partnering hazard of a disruptive startup relative to a complementary one "
        "(incumbents shun technologies that threaten them, Christensen 1997; hand-set 0.4). "
        + _FACTOR2),
    StructuralRange(
        "COHESION_DISSOLVE_CUT", 0.25, 0.75, "constant",
        "Cut of the partnership dissolution hazard per unit group_cohesion (stable intra-group "
        "relations, Gerlach 1992; hand-set 0.5): partnerships 1.2-4 times as long at "
        "cohesion 1 (1 would make them permanent)."),
    StructuralRange(
        "DEFENSIVE_HAZARD", 1.0, 4.0, "constant",
        "Rise of a threatening startup's acquisition hazard, 1 + this x "
        "defensive_acquisition x threat (hand-set 2; Cunningham, Ederer & Ma 2021 measure "
        "the killed share, not this hazard). " + _FACTOR2),
    StructuralRange(
        "DEFENSIVE_PREMIUM", 0.25, 1.0, "constant",
        "Extra price a buyer pays to remove a threat, this x threat x defensive_acquisition "
        "(hand-set 0.5). " + _FACTOR2),
    StructuralRange(
        "THREAT_REVENUE", 10.0, 40.0, "constant",
        "Annual revenue (M) at which a disruptive startup is a full threat (hand-set 20, a "
        "scale-up past series B). " + _FACTOR2),
    # policy
    StructuralRange(
        "GRANT_NOISE_MIN", 0.1, 0.4, "constant",
        "Noise (log quality) with which the most skilled grant committee reads a proposal "
        "(hand-set 0.2). " + _FACTOR2),
    StructuralRange(
        "GRANT_NOISE_SLOPE", 0.75, 3.0, "constant",
        "Rise of a grant committee's noise per unit of missing gov_selection_skill (hand-set "
        "1.5). " + _FACTOR2),
    # support
    StructuralRange(
        "ACCELERATOR_DRIFT", 0.03, 0.12, "constant",
        "Extra quarterly growth drift of a pre-seed or seed startup per unit "
        "accelerator_strength (hand-set 0.06; Hallen, Cohen & Bingham 2020 find some top "
        "accelerators speed up milestones substantially, others not: no size). " + _FACTOR2),
    # -- constants: exits and partnerships ---------------------------------------------------
    StructuralRange(
        "TAKEOVER_UNDERPERFORMANCE", 0.0, 3.0, "constant",
        "Rise of an incumbent's takeover hazard with underperformance, (1 + a) / (1 + a q): "
        "targets have low Tobin's q and weak growth (Palepu 1986; Morck, Shleifer & Vishny "
        "1988) but takeover prediction is weak; from no effect to a fourfold hazard at "
        "collapsed sales, hand-set 1 (twofold)."),
    StructuralRange(
        "MERGER_SHARE_CAP", 0.2, 0.5, "constant",
        "Antitrust bound on the buyer's sector share after a merger of incumbents: 30% in the "
        "2023 US Merger Guidelines (DOJ/FTC, Guideline 1); EU dominance is presumed from about "
        "40-50% (Commission guidance, AKZO 1991); a model sector is broader than a relevant "
        "market, hence down to 20%."),
    StructuralRange(
        "ACQUISITION_HAZARD", 0.006, 0.024, "constant",
        "Base quarterly acquisition hazard of a startup (times market depth and appetite). "
        "Sets the exit mix with IPO_MULTIPLE. " + _FACTOR2),
    StructuralRange(
        "IPO_MULTIPLE", 3.0, 12.0, "constant",
        "IPO valuation as a multiple of annual revenue: the EV/sales multiples of listed "
        "software and internet firms swing between about 3 and 12 over cycles (Damodaran's "
        "annual industry multiples); hand-set 6."),
    StructuralRange(
        "VALUATION_ELASTICITY", 0.25, 1.0, "constant",
        "Elasticity of a round's pre-money to how far merit clears the bar: with UNICORN "
        "fixed, it decides how many private unicorns appear. " + _FACTOR2),
    StructuralRange(
        "PARTNER_HAZARD", 0.03, 0.12, "constant",
        "Base quarterly hazard that an open incumbent partners a startup. " + _FACTOR2),
    StructuralRange(
        "PARTNER_DISSOLVE", 1.0 / 16.0, 0.25, "constant",
        "Quarterly dissolution hazard of a partnership: mean durations of 1 to 4 years "
        "(hand-set 2), the span of corporate pilot and alliance agreements (reasoning)."),
    StructuralRange(
        "PAST_PARTNER_PREFERENCE", 0.0, 5.0, "constant",
        "Extra weight of an earlier partner in a startup's choice of partner (hand-set 2; "
        "Kwon & Motohashi 2015 describe the preference, not its size)."),
    StructuralRange(
        "GROUP_PREFERENCE", 0.0, 10.0, "constant",
        "Extra weight (times group_cohesion) of the startup's business group among partners and "
        "buyers (hand-set 3; intra-group deal flow, Gerlach 1992; Chang 2003)."),
    StructuralRange(
        "GROUP_FUNDING_HAZARD", 0.0, 1.0, "constant",
        "Quarterly probability (times group_cohesion) that a group member funds its partner "
        "startup when its runway is short (hand-set 0.25; Khanna & Yafeh 2007)."),
    StructuralRange(
        "GROUP_FUNDING_ROUNDS", 0.25, 1.0, "constant",
        "Size of a business group's injection into its partner startup, as a share of the "
        "round the startup would raise for its next stage (hand-set 0.5; Khanna & Yafeh 2007 "
        "describe the internal capital market, not the size). " + _FACTOR2),
    StructuralRange(
        "WIND_DOWN_HAZARD", 0.05, 0.20, "constant",
        "Quarterly probability that founders close a venture clearly below its next stage's bar "
        "before its cash is gone (docs/prototypes/venture_survival.md; Arora & "
        "Nandkumar 2011 give the behaviour, not a rate): about 1/(7 quarters), CB Insights' "
        "(2014) time from the last round to death; hand-set 0.10. " + _FACTOR2),
    StructuralRange(
        "WIND_DOWN_AFTER", 2, 8, "constant",
        "Quarters after its last round from which founders weigh closing a venture whose "
        "prospects fell (hand-set 4, a year to show traction on the money raised). "
        + _FACTOR2),
    StructuralRange(
        "ABSORPTION_SCALE", 5.0, 100.0, "constant",
        "Innovation stock at which a buyer's absorptive capacity reaches 63% (hand-set 20; "
        "Cohen & Levinthal 1990 give the mechanism, not a scale)."),
    StructuralRange(
        "FIT_DISRUPTIVE", 0.2, 1.0, "constant",
        "Technological fit of a disruptive product with an incumbent buyer's (hand-set 0.5)."),
    StructuralRange(
        "INTEGRATION_RD_GAIN", 0.025, 0.1, "constant",
        "R&D intensity an incumbent gains per unit log quality of a startup it integrates "
        "(rd + this x log quality, capped at 3). Acquired technology raises the acquirer's "
        "later innovation (Ahuja & Katila 2001), not by a size that maps onto this. "
        + _FACTOR2),
)

_HALF = "unsourced: +-50% around the preset value (capped at the parameter's bounds 0 and 1)"


def _index(name: str, sv: tuple[float, float], jp: tuple[float, float],
           kr: tuple[float, float], reasoning: str) -> StructuralRange:
    """A country index with a range per preset (``kind = "preset_parameter"``)."""
    return StructuralRange(name, 0.0, 1.0, "preset_parameter", reasoning,
                           MappingProxyType({"silicon_valley": sv, "japan": jp, "korea": kr}))


_INDICES = (
    # -- norms (docs/indices.md, "Social norms") ---------------------------------------------
    _index("founding_legitimacy", (0.5, 1.0), (0.28, 0.59), (0.49, 1.0),
           "GEM total early-stage activity (TEA) and 'good career choice' relative to the US "
           "(index = country / US): japan 0.28 (TEA 3.8% / 13.8%, 2014) to 0.59 (the "
           "model-matched map), korea 0.49-0.94 (TEA 2013-2017) or 0.61-1.0 (model-matched): "
           "0.49-1.0. silicon_valley is the maps' reference 1: " + _HALF + "."),
    _index("failure_stigma", (0.05, 0.15), (0.58, 0.7), (0.3, 0.9),
           "Share of failed founders who found again (SME White Paper 2002): japan 13% against "
           "the US's 47% implies 0.58-0.67, extended to the preset 0.7. silicon_valley and "
           "korea: " + _HALF + "."),
    _index("risk_tolerance", (0.65, 0.75), (0.4, 0.5), (0.4, 0.8),
           "index = 1 - GEM fear-of-failure rate: US 0.70 (30%), japan 0.45 (55%); korea 0.73-0.81 "
           "on GEM's later definition while Hofstede's uncertainty avoidance (85) supports the "
           "preset 0.4: the sources disagree, so 0.4-0.8 (the page's plausible ranges)."),
    # -- ties ---------------------------------------------------------------------------------
    _index("tech_transfer", (0.35, 1.0), (0.4, 0.62), (0.25, 0.75),
           "WEF university-industry collaboration score relative to the US (index = country / "
           "US x 0.7): japan 5.06 / 5.71 gives 0.62; the map is weak, so japan 0.4-0.62. "
           "silicon_valley (the map's reference 0.7) and korea (no score found): " + _HALF
           + "."),
    # -- finance --------------------------------------------------------------------------------
    _index("fund_selection_skill", (0.35, 1.0), (0.25, 0.75), (0.25, 0.75),
           "No per-country measure of selection found; silicon_valley's 0.7 is consistent with "
           "the held-out share of US financings returning < 1x (65%, Correlation Ventures) but "
           "not pinned by it. All three: " + _HALF + "."),
    _index("cvc_strategic_weight", (0.25, 0.75), (0.4, 1.0), (0.4, 1.0),
           "Qualitative only (Japanese and Korean CVCs invest for synergy first, Kushida 2022): "
           "the direction, no number. All three: " + _HALF + "."),
    _index("gov_selection_skill", (0.15, 0.45), (0.15, 0.45), (0.175, 0.525),
           "Government-backed vs private funds' exits (Brander, Du & Hellmann 2015) are "
           "non-monotone in the government share and not by country: " + _HALF + "."),
    # -- industry -------------------------------------------------------------------------------
    _index("incumbent_openness", (0.15, 0.45), (0.3, 0.9), (0.25, 0.75),
           "Inventor surveys find about 30% of inventions with external collaborators in both "
           "the US and Japan (Walsh & Nagaoka 2009): no support for a 2x gap, no number per "
           "country: " + _HALF + "."),
    _index("nih_bias", (0.1, 0.3), (0.2, 0.51), (0.0, 0.2),
           "(1 - nih) proportional to the share of corporate research spent at universities: "
           "japan 0.68% against the US's 1.12% gives 0.51 (OI White Paper 2018), the inventor "
           "survey at most 0.2: japan 0.2-0.51; korea 1.5% (2015) gives 0 (the bound), at most "
           "the US's 0.2: 0-0.2. silicon_valley is the map's reference 0.2: " + _HALF + "."),
    _index("group_cohesion", (0.0, 0.0), (0.35, 1.0), (0.45, 1.0),
           "No in-group deal share per country was found (Korea's intra-group sales, 12-13% of "
           "the chaebol's sales, KFTC, lack the market share the map needs): japan and korea "
           + _HALF + "; silicon_valley has no business groups: held at 0."),
    _index("disruption_exposure", (0.3, 0.9), (0.3, 0.9), (0.3, 0.9),
           "Leading-firm turnover: annual exit rate US 0.034-0.056 (Fortune 500, S&P 500 "
           "tenure), Tokyo top 20 0.053 (1990-2021), Korea top 50 0.052 (1984-2018); index = "
           "country / US x 0.6 gives japan 0.57-0.93, korea 0.56-0.92; the measures differ, so "
           "the plausible range is 0.3-0.9 for all three (no regime gap in the data)."),
    _index("incumbent_takeover_rate", (0.01, 0.03), (0.004, 0.016), (0.002, 0.008),
           "Yearly takeover rate of an incumbent performing like its sector (docs/ODD.md 7.24): "
           "S&P 500 removals by acquisition, merger or buyout 6-8 of 500 in 2013 (1.2-1.6%; "
           "Doidge, Karolyi & Stulz 2017: the US delisting rate is high because of "
           "acquisitions) and the model realises about half the rate (the sector's largest "
           "firm has no bidder, antitrust blocks some deals): silicon_valley 0.01-0.03; TSE "
           "delistings for all reasons 61-94 a year of about 3,840 listed firms (2023-2024), "
           "many MBOs and parents taking in subsidiaries, at most half with a same-sector "
           "buyer: japan 0.004-0.016; korea (no count found; hardly any successful takeovers, "
           "none of a chaebol firm): a fifth of the US's, 0.002-0.008, reasoned."),
    _index("listed_takeover_rate", (0.03, 0.07), (0.006, 0.018), (0.002, 0.006),
           "Yearly takeover rate of a listed startup (docs/ODD.md 7.25): US 4,957 of 8,327 "
           "delistings in 1997-2012 by merger, about 310 a year over 8,025 listed firms in 1996 "
           "and fewer after (Doidge, Karolyi & Stulz), 1996-2012 IPOs 55-67% still listed after "
           "5 years (Davidoff Solomon & Rose 2014): 0.03-0.07; TSE 2024 1.8% (wholly owned "
           "subsidiaries, acquisitions, MBOs of 3,842; a record year, reorganisations "
           "included): 0.006-0.018; KOSDAQ merger delistings 0.30-0.42% (2002, 2018): "
           "0.002-0.006."),
    _index("listed_delisting_rate", (0.012, 0.056), (0.004, 0.012), (0.009, 0.021),
           "Yearly rate at which listed startups are delisted for cause (docs/ODD.md 7.25): "
           "Nasdaq 5.6%, NYSE/Amex 1.2% delisted for poor performance (Shumway & Warther "
           "1999); TSE 2024 delistings other than takeovers 0.65%, 2008 failures ~0.85%; "
           "KOSDAQ for cause 2.1% (2002), 1.4% (2012), >= 0.91% (2018)."),
    _index("defensive_acquisition", (0.34, 0.5), (0.05, 0.15), (0.05, 0.15),
           "Shelved share of acquisitions: 5.3-7.4% of US drug-project acquisitions "
           "(Cunningham, Ederer & Ma 2021) against the model's 7.7% at 0.5 gives 0.34-0.48, "
           "up to the preset 0.5. japan and korea (no data): " + _HALF + "."),
    # -- support services and policy -------------------------------------------------------------
    _index("accelerator_strength", (0.3, 0.9), (0.15, 0.45), (0.25, 0.75),
           "No measure of accelerators' effect per country was found (Korea: 308 registered "
           "accelerators, 38% active in 2020, a count, not an effect): " + _HALF + "."),
    _index("matching_programme", (0.0, 0.0), (0.05, 0.3), (0.1, 0.4),
           "Share of funded startups a programme introduces to a corporate partner a year: "
           "japan 0.05-0.3 (J-Startup's 92 firms in 2018, METI, plus matching events, beside "
           "1,000-1,500 VC-funded companies a year), korea 0.1-0.4 (250 startups assisted by "
           "the creative-economy centres by July 2015, beside 1,000-1,300 a year); "
           "silicon_valley has no programme: held at 0."),
)

STRUCTURAL: Mapping[str, StructuralRange] = MappingProxyType({e.name: e for e in _ENTRIES + _INDICES})
"""Every declared structural constant, technology or loop-strength parameter and country index
(per-preset range), by name."""

CONSTANTS: tuple[str, ...] = tuple(n for n, e in STRUCTURAL.items() if e.kind == "constant")
"""Names of the declared constants of :mod:`abm.constants` (overridable per run)."""
PARAMETERS: tuple[str, ...] = tuple(n for n, e in STRUCTURAL.items() if e.kind == "parameter")
"""Names of the declared parameters (technology, the feedback loops' strengths and the
open-innovation channels' strengths, varied as parameter overrides)."""
PRESET_PARAMETERS: tuple[str, ...] = tuple(n for n, e in STRUCTURAL.items()
                                           if e.kind == "preset_parameter")
"""Names of the country indices declared with a range per preset (docs/indices.md)."""

_LOCK = threading.RLock()


def _fmt(x: float) -> str:
    return f"{x:g}"


def check_constant(name: str, value: Any) -> float:
    """``value`` as a float if ``name`` is a declared constant and ``value`` lies in its range.

    Raises:
        StructuralError: unknown name (with suggestions) or value outside the declared range.
    """
    entry = STRUCTURAL.get(name)
    if entry is None or entry.kind != "constant":
        hint = did_you_mean(name, CONSTANTS)
        extra = "" if entry is None else (
            " (a country index with a range per preset: see check_preset_parameter)"
            if entry.kind == "preset_parameter"
            else " (a technology parameter: set it as a parameter override)")
        raise StructuralError(f"unknown structural constant {name!r}{extra}; {hint}")
    if isinstance(value, bool) or not isinstance(value, (int, float)) \
            or not math.isfinite(value):
        raise StructuralError(f"structural constant {name} must be a finite number, got "
                              f"{value!r}")
    if not entry.low <= value <= entry.high:
        raise StructuralError(f"structural constant {name} = {_fmt(value)} is out of its "
                              f"declared range [{_fmt(entry.low)}, {_fmt(entry.high)}] "
                              "(abm.structural.STRUCTURAL)")
    return float(value)


def check_constants(values: Mapping[str, Any] | None) -> dict[str, float]:
    """Validate a ``{CONSTANT: value}`` mapping (see :func:`check_constant`)."""
    return {k: check_constant(k, v) for k, v in dict(values or {}).items()}


@contextmanager
def override_constants(values: Mapping[str, Any] | None) -> Iterator[dict[str, float]]:
    """Set declared constants of :mod:`abm.constants` for the duration of the block and
    restore every one afterwards (also when the block raises).

    Mechanisms read constants at call time (``C.NAME``), so a model built and run inside the
    block sees the new values. The block holds a process-wide lock, so two threads of one
    process never run models under different constants at once (use one thread per worker
    process anyway: see docs/experiments.md).

    Raises:
        StructuralError: before anything is changed, for an unknown constant or a value out of
            its declared range.
    """
    checked = check_constants(values)
    with _LOCK:
        saved = {k: getattr(C, k) for k in checked}
        try:
            for k, v in checked.items():
                setattr(C, k, v)
            yield checked
        finally:
            for k, v in saved.items():
                setattr(C, k, v)


def preset_range(name: str, preset: str) -> tuple[float, float]:
    """The declared range ``(low, high)`` of the country index ``name`` when ``preset`` runs.

    Raises:
        StructuralError: ``name`` is not a per-preset parameter, or has no range for ``preset``.
    """
    entry = STRUCTURAL.get(name)
    if entry is None or entry.kind != "preset_parameter":
        raise StructuralError(f"unknown per-preset structural parameter {name!r}; "
                              f"{did_you_mean(name, PRESET_PARAMETERS)}")
    rng = entry.per_preset.get(preset)
    if rng is None:
        raise StructuralError(f"structural parameter {name} has no declared range for preset "
                              f"{preset!r}; declared for {', '.join(entry.per_preset)} "
                              "(abm.structural.STRUCTURAL)")
    return float(rng[0]), float(rng[1])


def preset_value(name: str, preset: str, u: float) -> float:
    """The value of the country index ``name`` in ``preset`` at the unit position ``u`` of its
    range: ``low + u (high - low)`` of :func:`preset_range` (``u`` in [0, 1]).

    Example:
        >>> preset_value("risk_tolerance", "korea", 0.5)
        0.6

    Raises:
        StructuralError: unknown name or preset, or ``u`` outside [0, 1].
    """
    lo, hi = preset_range(name, preset)
    if isinstance(u, bool) or not isinstance(u, (int, float)) or not math.isfinite(u) \
            or not 0.0 <= u <= 1.0:
        raise StructuralError(f"structural parameter {name}: unit value must be in [0, 1], "
                              f"got {u!r}")
    return float(round(lo + float(u) * (hi - lo), 10))


def check_preset_parameter(name: str, preset: str, value: Any) -> float:
    """``value`` as a float if it lies in the declared range of ``name`` for ``preset``.

    Raises:
        StructuralError: unknown name or preset, or a value outside the preset's range (the
            message names parameter, preset and range).
    """
    lo, hi = preset_range(name, preset)
    if isinstance(value, bool) or not isinstance(value, (int, float)) \
            or not math.isfinite(value):
        raise StructuralError(f"structural parameter {name} must be a finite number, got "
                              f"{value!r}")
    if not lo - 1e-12 <= value <= hi + 1e-12:
        raise StructuralError(f"structural parameter {name} = {_fmt(value)} is out of "
                              f"{preset}'s declared range [{_fmt(lo)}, {_fmt(hi)}] "
                              "(abm.structural.STRUCTURAL)")
    return float(value)
