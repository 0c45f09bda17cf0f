"""Model parameters: one validated, frozen object, every field documented.

Each parameter has a unit, a valid range, the institutional component it belongs to (the
identifiers of docs/DESIGN.md section 1) and a one-line description. The specification table
:data:`SPECS` is the single source of truth: presets, the CLI, the experiment runner and the
Solara app all read it (slider ranges and defaults included), so nothing can drift.

Defaults are the reference (Silicon Valley) values before calibration; presets
(``abm/presets.toml``) override them, the ``silicon_valley`` preset included (it lists its
calibrated values). ``EcosystemModel()`` with no preset runs ``silicon_valley``.

Example:
    >>> from abm.params import Params
    >>> p = Params.from_dict({"job_mobility": 0.02})
    >>> p.job_mobility
    0.02
    >>> Params.from_dict({"job_mobilty": 0.02})
    Traceback (most recent call last):
    ...
    abm.params.ParameterError: unknown parameter 'job_mobilty'; did you mean: job_mobility?
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Iterator, Mapping

from .hints import did_you_mean

COMPONENTS: tuple[str, ...] = (
    "finance",
    "labor",
    "ties",
    "industry",
    "norms",
    "support",
    "technology",
    "exit_markets",
    "policy",
    "scale",
)
"""Parameter groups. The first six are the institutional components that make a regime."""

INSTITUTIONS: tuple[str, ...] = COMPONENTS[:6]

COMPONENT_TITLES: Mapping[str, str] = MappingProxyType(
    {
        "finance": "Finance",
        "labor": "Labor market",
        "ties": "University-government-industry ties",
        "industry": "Industry organization",
        "norms": "Social norms",
        "support": "Support services",
        "technology": "Technological regime",
        "exit_markets": "Exit markets",
        "policy": "Policy (ministry instruments)",
        "scale": "Scale",
    }
)


class ParameterError(ValueError):
    """Raised for an unknown parameter name, a bad type or a value out of range."""


@dataclass(frozen=True, slots=True)
class ParamSpec:
    """Specification of one parameter.

    Args:
        name: identifier used everywhere (presets, CLI ``--set``, the app).
        default: value when no preset or override sets it (the uncalibrated reference value).
        low: smallest valid value (inclusive).
        high: largest valid value (inclusive).
        unit: unit of measurement (money is millions of USD-equivalent, time is quarters).
        component: one of :data:`COMPONENTS`.
        description: one line saying what it changes in the model.
        integer: whether only whole numbers are valid.
    """

    name: str
    default: float
    low: float
    high: float
    unit: str
    component: str
    description: str
    integer: bool = False

    def check(self, value: Any) -> float | int:
        """Return ``value`` coerced to the parameter's type, or raise :class:`ParameterError`."""
        if isinstance(value, bool):
            raise ParameterError(
                f"parameter '{self.name}' must be a number in [{_fmt(self.low)}, "
                f"{_fmt(self.high)}] ({self.unit}), got a boolean {value!r}")
        if not isinstance(value, (int, float)):
            try:
                value = float(value)
            except (TypeError, ValueError):
                raise ParameterError(
                    f"parameter '{self.name}' must be a number in [{_fmt(self.low)}, "
                    f"{_fmt(self.high)}] ({self.unit}), got {value!r}"
                ) from None
        if not math.isfinite(value) or not (self.low <= value <= self.high):
            raise ParameterError(
                f"parameter '{self.name}' = {_fmt(value)} is out of range: valid range is "
                f"[{_fmt(self.low)}, {_fmt(self.high)}] ({self.unit})"
            )
        if self.integer:
            if float(value) != int(value):
                raise ParameterError(
                    f"parameter '{self.name}' must be a whole number in [{_fmt(self.low)}, "
                    f"{_fmt(self.high)}], got {_fmt(value)}"
                )
            return int(value)
        return float(value)


def _fmt(x: Any) -> str:
    if isinstance(x, float) and x.is_integer() and abs(x) < 1e15:
        return str(int(x))
    return str(x)


def _p(name, default, low, high, unit, component, description, integer=False) -> ParamSpec:
    return ParamSpec(name, default, low, high, unit, component, description, integer)


# The table. Money: millions of USD-equivalent (M). Time: one step = one quarter.
# "per scale" means the value is multiplied by `scale` (populations and inflows).
_SPEC_LIST: tuple[ParamSpec, ...] = (
    # -- scale ---------------------------------------------------------------------------
    _p("scale", 1.0, 0.01, 1000.0, "multiplier", "scale",
       "Multiplies every population size and every money or people inflow."),
    # -- technology (held equal across country presets) ------------------------------------
    _p("n_sectors", 8, 1, 50, "count", "technology",
       "Number of industry sectors (technology fields) startups and incumbents belong to, per "
       "unit of scale (a model at scale s has round(n_sectors x s) sectors, at least 1).",
       integer=True),
    _p("frontier_gap", 0.0, 0.0, 2.0, "log points", "scale",
       "Distance of the economy's firms below the world technology frontier at step 0 (log "
       "quality): they catch up by diffusion (DIFFUSION_RATE) and full ladder steps. 0 for the "
       "regime comparison (every preset starts at the frontier); a history preset sets its "
       "country's distance (e.g. log of US over the country's GDP per hour worked in 2000)."),
    _p("tech_opportunity", 1.0, 0.2, 3.0, "index", "technology",
       "Technological opportunity: multiplies founding rates; adds 0.03 x (value - 1) to growth drift."),
    _p("disruptive_share", 0.4, 0.0, 1.0, "share", "technology",
       "Share of new startups whose technology is disruptive rather than complementary."),
    _p("cumulativeness", 0.5, 0.0, 1.0, "index", "technology",
       "Weight of a firm's own past innovation stock in its innovation rate (Mark II if high)."),
    _p("quality_tail", 1.6, 1.05, 4.0, "Pareto alpha", "technology",
       "Tail exponent of startups' latent quality (lower = heavier tail, more outliers)."),
    _p("quality_step", 0.004, 0.0005, 0.02, "log quality per innovation", "technology",
       "Quality-ladder step of an incremental innovation: it raises the innovator's product "
       "quality (log) by this much (calibrated so incumbents' own R&D gives ~1-1.5% a year)."),
    _p("radical_step", 0.05, 0.0, 0.3, "log quality", "technology",
       "A radical innovation (by a disruptive startup) leapfrogs its sector's quality "
       "frontier by this much (a new product generation)."),
    _p("quality_sensitivity", 5.0, 0.5, 20.0, "logit slope", "technology",
       "How strongly buyers' choice among a sector's products responds to quality: a product "
       "0.1 log points better sells exp(0.1 x this) times as much at equal reach."),
    # -- finance -------------------------------------------------------------------------
    _p("lp_capital_per_year", 6000.0, 0.0, 1.0e6, "M per year, per scale", "finance",
       "Private LP money (pensions, endowments, funds of funds) committed to independent VC."),
    _p("round_size_multiplier", 1.0, 0.1, 5.0, "x US sizes", "finance",
       "Size of financing rounds and valuations relative to US round sizes."),
    _p("fund_selection_skill", 0.7, 0.0, 1.0, "index", "finance",
       "How precisely independent funds read startup quality from a noisy signal."),
    _p("followon_depth", 0.6, 0.0, 1.0, "probability", "finance",
       "Probability an existing fund investor takes its pro-rata share of the next round."),
    _p("cvc_share_of_incumbents", 0.3, 0.0, 1.0, "share", "finance",
       "Share of incumbents that run a corporate venture capital (CVC) fund."),
    _p("cvc_allocation", 0.0012, 0.0, 0.05, "share of revenue per year", "finance",
       "Share of a CVC parent's annual revenue committed to its fund each year."),
    _p("cvc_wind_down", 0.02, 0.0, 0.2, "probability per quarter", "finance",
       "Quarterly hazard that a parent with a full balance sheet winds its corporate fund down "
       "(up to twice that as its cash falls short; parents without one start one at a rate "
       "keeping cvc_share_of_incumbents). CVC programmes are unstable, most end within a "
       "decade (Gompers & Lerner 2000; Dushnitsky & Lenox 2006)."),
    _p("cvc_strategic_weight", 0.5, 0.0, 1.0, "index", "finance",
       "Weight corporate funds put on strategic fit (parent's sector, complementary tech)."),
    _p("successor_fund_bar", 1.1, 0.5, 3.0, "interim TVPI", "finance",
       "Interim TVPI a manager needs at the end of the investing period to raise a successor."),
    _p("angel_propensity", 0.5, 0.0, 1.0, "probability", "finance",
       "Probability that a founder with a profitable exit becomes an angel investor."),
    # -- labor ---------------------------------------------------------------------------
    _p("job_mobility", 0.05, 0.0, 0.3, "probability per quarter", "labor",
       "Quarterly probability that a movable incumbent worker changes employer."),
    _p("lifetime_employment_share", 0.1, 0.0, 1.0, "share", "labor",
       "Share of incumbent workers under lifetime employment (never move, never spin out)."),
    _p("hiring_friction", 0.2, 0.0, 0.95, "share", "labor",
       "Share of a startup's wanted hires it cannot fill in a quarter."),
    _p("spinout_rate", 0.06, 0.0, 5.0, "startups per 1,000 movable workers per year", "labor",
       "Rate at which movable incumbent employees leave to found startups."),
    # -- ties ----------------------------------------------------------------------------
    _p("n_universities", 10, 1, 200, "count per scale", "ties",
       "Number of research universities.", integer=True),
    _p("uni_spinoff_rate", 4.0, 0.0, 50.0, "startups per university per year", "ties",
       "University spin-off rate at full technology-transfer strength."),
    _p("tech_transfer", 0.7, 0.0, 1.0, "index", "ties",
       "Technology-transfer strength: spin-off count and quality, knowledge spillovers."),
    _p("joint_research", 0.2, 0.0, 1.0, "probability per year", "ties",
       "Probability an incumbent starts a joint research project with a university in a year."),
    # -- industry ------------------------------------------------------------------------
    _p("n_incumbents", 50, 1, 1000, "count per scale", "industry",
       "Number of large incumbent firms at the start.", integer=True),
    _p("n_business_groups", 10, 0, 200, "count per scale", "industry",
       "Number of business groups (keiretsu, chaebol) incumbents belong to (0: every incumbent "
       "stands alone).", integer=True),
    _p("small_firms", 219000, 0, 10_000_000, "count per scale", "industry",
       "Ordinary small firms (no venture capital) the small-firm population represents at "
       "scale 1 (abm.mechanisms.smallfirms; docs/ODD.md 7.21 sizes it per country).",
       integer=True),
    _p("small_firm_entry_rate", 0.08, 0.0, 0.5, "per firm per year", "industry",
       "Entering small firms per small firm and year (national firm birth rates: US BDS, "
       "Japan SME White Paper, Statistics Korea)."),
    _p("small_firm_subcontract_share", 0.0, 0.0, 1.0, "share", "industry",
       "Share of entering small firms that become subcontractors of a business-group "
       "incumbent (used only when n_business_groups > 0)."),
    _p("incumbent_openness", 0.3, 0.0, 1.0, "index", "industry",
       "Incumbents' propensity to partner with startups (proof of concept, joint development)."),
    _p("acquisition_appetite", 0.9, 0.0, 1.0, "index", "industry",
       "Incumbents' appetite to acquire startups."),
    _p("nih_bias", 0.2, 0.0, 1.0, "index", "industry",
       "Not-invented-here bias: lowers partnering and the value incumbents draw from it."),
    _p("group_cohesion", 0.0, 0.0, 1.0, "index", "industry",
       "Business-group cohesion: group CVCs back group partners; partnerships last longer; "
       "members prefer partners and targets tied to their group; a member may fund its partner "
       "startup from the group's internal capital market."),
    _p("relational_learning", 0.5, 0.0, 2.0, "index", "industry",
       "Relation-specific learning (Dyer & Singh 1998): a partnership's joint innovation rate "
       "rises by this times (log(1 + quarters together / 4) + earlier ties of the pair)."),
    _p("absorptive_capacity", 1.0, 0.0, 1.0, "index", "industry",
       "Weight of the buyer's absorptive capacity (Cohen & Levinthal 1990) in what it gains "
       "from an integrated startup: 0 = every buyer absorbs fully, 1 = the gain scales with "
       "its own innovation stock and the technological fit."),
    _p("incumbent_heterogeneity", 0.5, 0.0, 1.0, "index", "industry",
       "Spread of incumbents' openness, appetite and not-invented-here bias around the "
       "preset's values (0: identical incumbents; draws are Beta with mean the preset value)."),
    _p("disruption_exposure", 0.6, 0.0, 1.0, "index", "industry",
       "Contestable share of a sector's demand: the part of incumbents' sales buyers may move "
       "to entrants' products (the rest is held by long-term customer ties)."),
    _p("defensive_acquisition", 0.5, 0.0, 1.0, "index", "industry",
       "Propensity to buy (and possibly shelve) disruptive threats."),
    _p("incumbent_exit_floor", 0.3, 0.01, 0.9, "share of initial revenue", "industry",
       "An incumbent exits when its revenue falls below this share of its initial revenue."),
    _p("incumbent_threshold", 4000.0, 50.0, 100000.0, "M revenue per year", "industry",
       "Annual revenue at which a public startup becomes an incumbent."),
    # -- norms ---------------------------------------------------------------------------
    _p("founding_legitimacy", 1.0, 0.0, 1.0, "index", "norms",
       "Social legitimacy of founding a company: multiplies every founding rate."),
    _p("failure_stigma", 0.1, 0.0, 1.0, "index", "norms",
       "Discount on re-founding after a failure (1 = failed founders never found again)."),
    _p("refounding_propensity", 0.02, 0.0, 1.0, "probability per quarter", "norms",
       "Quarterly probability that a founder between ventures founds again."),
    _p("risk_tolerance", 0.7, 0.0, 1.0, "index", "norms",
       "Mean founder risk tolerance: more spin-outs, fewer early sell-outs."),
    # -- support -------------------------------------------------------------------------
    _p("accelerator_strength", 0.6, 0.0, 1.0, "index", "support",
       "Accelerators and advisers: speed of early-stage (pre-seed, seed) progress."),
    _p("service_cost", 0.15, 0.0, 1.0, "share of payroll", "support",
       "Cost of legal, accounting and advisory services, added to burn as a share of payroll."),
    # -- exit markets --------------------------------------------------------------------
    _p("ipo_threshold", 100.0, 1.0, 10000.0, "M revenue per year", "exit_markets",
       "Annual revenue needed to list (small-cap market listing threshold)."),
    _p("ipo_window_open", 0.7, 0.0, 1.0, "share of quarters", "exit_markets",
       "Long-run share of quarters the IPO window is open (Markov chain; at most 10/11 below 1)."),
    _p("ipo_propensity", 0.2, 0.0, 1.0, "probability per quarter", "exit_markets",
       "Quarterly probability that an eligible startup lists when the window is open."),
    _p("ma_market_depth", 1.0, 0.0, 3.0, "index", "exit_markets",
       "Depth of the M&A market (number and reach of buyers): scales acquisition hazard."),
    _p("acquisition_premium", 0.3, 0.0, 2.0, "share of valuation", "exit_markets",
       "Premium over the current valuation paid in an acquisition."),
    _p("incumbent_takeover_rate", 0.02, 0.0, 1.0, "probability per year", "exit_markets",
       "Yearly probability that an incumbent performing like its sector's mean is acquired by a "
       "larger incumbent of its sector (market for corporate control; docs/ODD.md 7.24)."),
    _p("listed_takeover_rate", 0.05, 0.0, 1.0, "probability per year", "exit_markets",
       "Yearly probability that a listed startup (listed, not yet an incumbent) is taken over "
       "by a larger incumbent of its sector: a listed firm's outflow from the startup "
       "population, from delistings by merger (docs/ODD.md 7.25)."),
    _p("listed_delisting_rate", 0.05, 0.0, 1.0, "probability per year", "exit_markets",
       "Yearly probability that a listed startup is delisted for cause (fails the listing "
       "standards; weaker firms more likely) and closes: a listed firm's outflow, from "
       "delistings for cause (docs/ODD.md 7.25)."),
    # -- policy (ministry instruments) ---------------------------------------------------
    _p("grant_budget", 300.0, 0.0, 1.0e5, "M per year, per scale", "policy",
       "Ministry grants to early startups (SBIR/TIPS style; see grant_requires_private)."),
    _p("grant_size", 1.0, 0.05, 20.0, "M", "policy",
       "Size of one grant."),
    _p("grant_requires_private", 0.0, 0.0, 1.0, "share", "policy",
       "Share of the grant budget conditional on a private round in the same quarter (TIPS)."),
    _p("gov_vc_budget", 0.0, 0.0, 1.0e5, "M per year, per scale", "policy",
       "Ministry money into venture capital (government funds or fund-of-funds)."),
    _p("gov_fof_share", 0.5, 0.0, 1.0, "share", "policy",
       "Share of government VC money placed as LP in private funds (fund-of-funds)."),
    _p("gov_selection_skill", 0.3, 0.0, 1.0, "index", "policy",
       "Selection skill of government funds and grant committees."),
    _p("gov_coinvest_required", 0.5, 0.0, 1.0, "probability", "policy",
       "Probability a government fund may only join a round a private fund leads."),
    _p("procurement_budget", 0.0, 0.0, 1.0e5, "M per year, per scale", "policy",
       "Public procurement from startups (the state as first customer)."),
    _p("matching_programme", 0.0, 0.0, 1.0, "share of funded startups per year", "policy",
       "Partnership matching programmes: the share of funded startups a programme introduces "
       "to a corporate partner a year; an introduction multiplies the chance a partnership "
       "forms by 1 + MATCHING_EFFECT (docs/ODD.md 7.6)."),
    _p("ma_tax_incentive", 0.0, 0.0, 0.5, "share of price", "policy",
       "Tax deduction on startup acquisitions (raises incumbents' acquisition hazard)."),
    _p("labor_reform", 0.0, 0.0, 1.0, "share", "policy",
       "Labor-mobility reform: removes this share of the lifetime-employment lock-in."),
    # -- virtuous cycles: strengths of the components' feedback loops (docs/ODD.md 7.19) --
    _p("loop_finance", 0.1, 0.0, 1.0, "log multiplier per year", "finance",
       "Finance loop: each year the log multiplier on LP money moves by this times "
       "tanh(log of the 3-year realised multiple), decaying 20% a year (Kaplan & Schoar 2005)."),
    _p("loop_labor", 0.5, 0.0, 2.0, "log multiplier", "labor",
       "Labour loop: mobility and spin-out rates x exp(this x experience index), lifetime "
       "share x exp(-this x index) (index of the workforce share with startup experience)."),
    _p("loop_ties", 0.1, 0.0, 1.0, "share per year", "ties",
       "Ties loop: yearly growth of universities' tech-transfer capacity with spin-off exits "
       "and joint research (capacity raises tech_transfer and the spin-off rate)."),
    _p("loop_industry", 0.05, 0.0, 1.0, "share per event", "industry",
       "Industry loop: step of an incumbent's openness up (NIH down) after partnerships and "
       "acquisitions that delivered value, and the reverse after partner failures."),
    _p("loop_norms", 0.3, 0.0, 1.0, "share", "norms",
       "Norms loop: founding legitimacy moves this share of the way to 1 (or 0) times the "
       "smoothed balance of visible successes (IPOs, unicorns, M&A) and failures."),
    _p("loop_support", 0.3, 0.0, 1.0, "share", "support",
       "Support loop: service cost falls and accelerator strength rises by this times the "
       "lagged supply of support services, which follows deal flow."),
    # -- calendar and schedules of the ministry instruments (docs/ODD.md 7.1) ------------
    _p("start_year", 2025, 1000, 10000, "calendar year", "policy",
       "Calendar year whose first quarter is step 1 (step t is year start_year + (t - 1) // 4).",
       integer=True),
    _p("grant_budget_start_year", 1000, 1000, 10000, "calendar year", "policy",
       "First calendar year grants (grant_budget) are in force (default: always).", integer=True),
    _p("grant_budget_end_year", 10000, 1000, 10000, "calendar year", "policy",
       "First calendar year grants (grant_budget) are no longer in force (default: never ends).",
       integer=True),
    _p("grant_budget_ramp_years", 0, 0, 50, "years", "policy",
       "Years over which grants (grant_budget) ramp up linearly from their start (0: at once).",
       integer=True),
    _p("gov_vc_budget_start_year", 1000, 1000, 10000, "calendar year", "policy",
       "First calendar year government VC money (gov_vc_budget) are in force (default: always).", integer=True),
    _p("gov_vc_budget_end_year", 10000, 1000, 10000, "calendar year", "policy",
       "First calendar year government VC money (gov_vc_budget) are no longer in force (default: never ends).",
       integer=True),
    _p("gov_vc_budget_ramp_years", 0, 0, 50, "years", "policy",
       "Years over which government VC money (gov_vc_budget) ramp up linearly from their start (0: at once).",
       integer=True),
    _p("procurement_budget_start_year", 1000, 1000, 10000, "calendar year", "policy",
       "First calendar year procurement (procurement_budget) are in force (default: always).", integer=True),
    _p("procurement_budget_end_year", 10000, 1000, 10000, "calendar year", "policy",
       "First calendar year procurement (procurement_budget) are no longer in force (default: never ends).",
       integer=True),
    _p("procurement_budget_ramp_years", 0, 0, 50, "years", "policy",
       "Years over which procurement (procurement_budget) ramp up linearly from their start (0: at once).",
       integer=True),
    _p("matching_programme_start_year", 1000, 1000, 10000, "calendar year", "policy",
       "First calendar year matching programmes (matching_programme) are in force (default: always).", integer=True),
    _p("matching_programme_end_year", 10000, 1000, 10000, "calendar year", "policy",
       "First calendar year matching programmes (matching_programme) are no longer in force (default: never ends).",
       integer=True),
    _p("matching_programme_ramp_years", 0, 0, 50, "years", "policy",
       "Years over which matching programmes (matching_programme) ramp up linearly from their start (0: at once).",
       integer=True),
    _p("ma_tax_incentive_start_year", 1000, 1000, 10000, "calendar year", "policy",
       "First calendar year the M&A tax incentive (ma_tax_incentive) are in force (default: always).", integer=True),
    _p("ma_tax_incentive_end_year", 10000, 1000, 10000, "calendar year", "policy",
       "First calendar year the M&A tax incentive (ma_tax_incentive) are no longer in force (default: never ends).",
       integer=True),
    _p("ma_tax_incentive_ramp_years", 0, 0, 50, "years", "policy",
       "Years over which the M&A tax incentive (ma_tax_incentive) ramp up linearly from their start (0: at once).",
       integer=True),
    _p("labor_reform_start_year", 1000, 1000, 10000, "calendar year", "policy",
       "First calendar year the labour reform (labor_reform) are in force (default: always).", integer=True),
    _p("labor_reform_end_year", 10000, 1000, 10000, "calendar year", "policy",
       "First calendar year the labour reform (labor_reform) are no longer in force (default: never ends).",
       integer=True),
    _p("labor_reform_ramp_years", 0, 0, 50, "years", "policy",
       "Years over which the labour reform (labor_reform) ramp up linearly from their start (0: at once).",
       integer=True),
    _p("plan_start_step", 1000, 0, 1000, "step", "policy",
       "Step at which the scheduled plan instruments (plan_*) start.", integer=True),
    _p("plan_end_step", 100000, 0, 100000, "step", "policy",
       "Step at which the plan instruments (plan_*) stop (default: never).", integer=True),
    _p("plan_founding_boost", 1.0, 1.0, 10.0, "multiplier", "policy",
       "From plan_start_step: multiplier on every founding rate (startup promotion)."),
    _p("plan_lp_capital_per_year", 0.0, 0.0, 1.0e5, "M per year, per scale", "policy",
       "From plan_start_step: extra LP money into VC (e.g. public pension allocation)."),
    _p("plan_ma_tax_incentive", 0.0, 0.0, 0.5, "share of price", "policy",
       "From plan_start_step: M&A tax incentive replacing ma_tax_incentive."),
    _p("plan_grant_budget", 0.0, 0.0, 1.0e5, "M per year, per scale", "policy",
       "From plan_start_step: extra grant budget."),
)

SPECS: Mapping[str, ParamSpec] = MappingProxyType({s.name: s for s in _SPEC_LIST})
"""All parameter specifications by name, in documentation order."""

for _s in _SPEC_LIST:  # the table must be self-consistent
    assert _s.component in COMPONENTS, _s
    assert _s.low <= _s.default <= _s.high, _s


def names_for(component: str) -> tuple[str, ...]:
    """Names of the parameters that belong to ``component``.

    Raises:
        ParameterError: if ``component`` is not a known component.
    """
    if component not in COMPONENTS:
        raise ParameterError(f"unknown component '{component}'; "
                             f"{did_you_mean(component, COMPONENTS, label='valid components')}")
    return tuple(n for n, s in SPECS.items() if s.component == component)


def unknown_name_error(name: str) -> ParameterError:
    """Error for an unknown parameter name, naming the closest valid names."""
    hint = did_you_mean(name, SPECS, label="valid names", full_list=False)
    return ParameterError(f"unknown parameter '{name}'; {hint}")


class Params(Mapping[str, Any]):
    """An immutable, validated set of every model parameter.

    Read fields as attributes (``p.job_mobility``) or as a mapping (``p["job_mobility"]``).
    Build with :meth:`from_dict`; derive a changed copy with :meth:`replace`.
    """

    def __init__(self, values: Mapping[str, Any] | None = None) -> None:
        merged = {n: s.default for n, s in SPECS.items()}
        for name, value in (values or {}).items():
            if name not in SPECS:
                raise unknown_name_error(name)
            merged[name] = SPECS[name].check(value)
        for name, spec in SPECS.items():
            merged[name] = spec.check(merged[name])
        _cross_check(merged)
        object.__setattr__(self, "_values", MappingProxyType(merged))
        # the values as plain instance attributes too: the mechanisms read them in their
        # inner loops, and a plain attribute read is several times faster than __getattr__
        # (no name clashes with methods: tests/test_params.py checks)
        self.__dict__.update(merged)

    @classmethod
    def from_dict(cls, values: Mapping[str, Any] | None = None) -> "Params":
        """Validate ``values`` (names and ranges) over the defaults."""
        return cls(values)

    def replace(self, **changes: Any) -> "Params":
        """A copy with ``changes`` applied (validated)."""
        return Params({**self._values, **changes})

    def __getattr__(self, name: str) -> Any:  # only called for names that are not values
        raise AttributeError(
            f"'Params' has no attribute {name!r}" + (
                f" ({unknown_name_error(name)})" if not name.startswith("_") else ""))

    def __delattr__(self, name: str) -> None:
        raise AttributeError("Params is immutable; use .replace(...)")

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("Params is immutable; use .replace(...)")

    def __getitem__(self, name: str) -> Any:
        return self._values[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __repr__(self) -> str:
        changed = {k: v for k, v in self._values.items() if v != SPECS[k].default}
        return f"Params({changed})"

    def __reduce__(self):
        return (Params, (dict(self._values),))

    def to_dict(self) -> dict[str, Any]:
        """A plain ``dict`` of every value (for JSON manifests)."""
        return dict(self._values)


def _cross_check(v: Mapping[str, Any]) -> None:
    """Checks that involve more than one field."""
    if v["n_business_groups"] > v["n_incumbents"]:
        raise ParameterError(
            f"parameter 'n_business_groups' = {v['n_business_groups']} must not exceed "
            f"'n_incumbents' = {v['n_incumbents']}"
        )
    if v["incumbent_threshold"] <= v["ipo_threshold"]:
        raise ParameterError(
            f"parameter 'incumbent_threshold' = {_fmt(v['incumbent_threshold'])} must exceed "
            f"'ipo_threshold' = {_fmt(v['ipo_threshold'])} (a firm lists before it is an incumbent)"
        )
