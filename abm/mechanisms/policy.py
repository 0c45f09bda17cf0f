"""Ministry instruments: the yearly budget, grants, procurement.

Each year the ministry receives an appropriation (grants + government VC + procurement, plus
the plan's extras once ``plan_start_step`` is reached) and returns what it did not spend.
Grants go to pre-seed and seed startups: a share ``grant_requires_private`` only to those that
closed a private round in the same quarter (TIPS/SBIR-matching style), the rest to the best
applicants as read by a committee of skill ``gov_selection_skill``. Procurement buys from
startups (the state as first customer), adding revenue and traction. Government VC money is
placed by :mod:`abm.mechanisms.funds`; the M&A tax incentive by
:mod:`abm.mechanisms.exits`; matching programmes by :mod:`abm.mechanisms.partnerships`;
the labour reform by :mod:`abm.mechanisms.labor`.

Every instrument has a schedule on the calendar (``start_year`` is the year of step 1): it is
in force from ``<instrument>_start_year`` to ``<instrument>_end_year`` (excluded), ramping up
in yearly steps over ``<instrument>_ramp_years`` (:func:`schedule`); the defaults keep it in
force for ever. The ``plan_*`` extras run from ``plan_start_step`` to ``plan_end_step``.
"""

from __future__ import annotations

import numpy as np

from .. import constants as C
from ..queries import calendar_year
from ..units import Mechanism

UNIT = Mechanism(
    name="policy", stream="policy",
    flows=("grants",),
    outputs=("grants_per_year",),
    reads=("scale", "lp_capital_per_year", "round_size_multiplier", "grant_budget",
           "grant_size", "grant_requires_private", "gov_vc_budget", "gov_selection_skill",
           "procurement_budget", "matching_programme", "ma_tax_incentive", "labor_reform",
           "start_year", "grant_budget_start_year", "grant_budget_end_year",
           "grant_budget_ramp_years", "gov_vc_budget_start_year", "gov_vc_budget_end_year",
           "gov_vc_budget_ramp_years", "procurement_budget_start_year",
           "procurement_budget_end_year", "procurement_budget_ramp_years",
           "matching_programme_start_year", "matching_programme_end_year",
           "matching_programme_ramp_years", "ma_tax_incentive_start_year",
           "ma_tax_incentive_end_year", "ma_tax_incentive_ramp_years",
           "labor_reform_start_year", "labor_reform_end_year", "labor_reform_ramp_years",
           "plan_start_step", "plan_end_step", "plan_founding_boost",
           "plan_lp_capital_per_year", "plan_ma_tax_incentive", "plan_grant_budget", "ACTIVE",
           "PROCUREMENT_CONTRACT", "STEPS_PER_YEAR", "GRANT_NOISE_MIN",
           "GRANT_NOISE_SLOPE"))
"""What this mechanism owns (:mod:`abm.units`)."""

SCHEDULED = ("grant_budget", "gov_vc_budget", "procurement_budget", "matching_programme",
             "ma_tax_incentive", "labor_reform")
"""The instruments with a calendar schedule (``<name>_start_year``, ``_end_year``,
``_ramp_years``)."""


def schedule(model, name: str, step: int | None = None) -> float:
    """Share in [0, 1] of instrument ``name`` in force at ``step`` (default: now).

    0 before ``<name>_start_year`` and from ``<name>_end_year`` on; in between
    ``min(1, (years since start + 1) / ramp_years)`` (1 without a ramp)."""
    p = model.p
    year = calendar_year(model, step)
    start, end = p[f"{name}_start_year"], p[f"{name}_end_year"]
    if year < start or year >= end:
        return 0.0
    ramp = p[f"{name}_ramp_years"]
    return 1.0 if ramp <= 0 else min(1.0, (year - start + 1) / ramp)


def level(model, name: str, step: int | None = None) -> float:
    """Current level of an instrument: its scheduled base value plus the plan once it runs
    (what :meth:`abm.agents.Ministry.instrument` returns)."""
    p = model.p
    on = model.ministry.plan_active(step)
    if name == "founding_boost":
        return p.plan_founding_boost if on else 1.0
    if name == "lp_capital_per_year":  # private LPs: not a ministry instrument, no schedule
        return p.lp_capital_per_year + (p.plan_lp_capital_per_year if on else 0.0)
    if name not in SCHEDULED:
        raise KeyError(f"unknown instrument {name!r}")
    base = p[name] * schedule(model, name, step)
    if name == "grant_budget":
        return base + (p.plan_grant_budget if on else 0.0)
    if name == "ma_tax_incentive":
        return p.plan_ma_tax_incentive if on and p.plan_ma_tax_incentive > 0 else base
    return base


def appropriation(model) -> float:
    """This year's budget (M)."""
    m, p = model.ministry, model.p
    return (m.instrument("grant_budget") + m.instrument("gov_vc_budget")
            + m.instrument("procurement_budget")) * p.scale


def appropriate(model) -> None:
    """At the start of each year: return last year's unspent money, receive the new budget."""
    if not model.is_new_year():
        return
    m = model.ministry
    if m.cash > 0:
        model.ledger.sink("treasury", m.cash)
        m.cash = 0.0
    m.cash += model.ledger.mint("public_budget", appropriation(model))


def _award(model, rows: np.ndarray, size: float) -> float:
    m, st = model.ministry, model.st
    given = 0.0
    for row in rows:
        amount = min(size, m.cash)
        if amount <= 0:
            break
        m.cash -= amount
        st.cash[row] += amount
        st.grants[row] += amount
        given += amount
        model.link(model.ministry.unique_id, int(st.uid[row]), "grant")
    m.spent["grants"] += given
    model.stats["grants"] += given
    return given


def _count(budget: float, size: float, rng: np.random.Generator) -> int:
    """Number of awards of ``size`` a ``budget`` pays for (fractional part drawn)."""
    k = budget / size
    return int(k) + int(rng.random() < k - int(k))


def grants_and_procurement(model) -> None:
    """Quarterly grants (conditional and unconditional) and procurement contracts."""
    p, m, st, rng = model.p, model.ministry, model.st, model.rngs["policy"]
    n = st.n
    budget = m.instrument("grant_budget") * p.scale / C.STEPS_PER_YEAR
    if budget > 0 and n:
        conditional = budget * p.grant_requires_private
        rows = np.asarray(model.quarter.private_round_rows, dtype=np.int64)
        if rows.size:
            rows = rows[(st.grants[rows] == 0) & (st.stage[rows] <= 2)
                        & (st.status[rows] == C.ACTIVE)]
            rows = rng.permutation(rows)[: _count(conditional, p.grant_size, rng)]
            conditional -= _award(model, rows, p.grant_size)
        free = budget - budget * p.grant_requires_private
        k = _count(free, p.grant_size, rng)
        if k:
            elig = ((st.status[:n] == C.ACTIVE) & (st.stage[:n] <= 1)
                    & (st.grants[:n] == 0)).nonzero()[0]
            if elig.size:
                noise = C.GRANT_NOISE_MIN + C.GRANT_NOISE_SLOPE * (1.0 - p.gov_selection_skill)
                signal = np.log(st.quality[elig]) + noise * rng.standard_normal(elig.size)
                best = elig[np.argsort(-signal, kind="stable")[:k]]
                _award(model, best, p.grant_size)
    proc = m.instrument("procurement_budget") * p.scale / C.STEPS_PER_YEAR
    if proc > 0 and n:
        contract = C.PROCUREMENT_CONTRACT * p.round_size_multiplier
        k = _count(proc, contract, rng)
        elig = ((st.status[:n] == C.ACTIVE) & (st.stage[:n] >= 1)).nonzero()[0]
        if k and elig.size:
            rows = rng.choice(elig, size=min(k, elig.size), replace=False)
            # contracts in turn until the ministry's cash runs out (rows are distinct, so the
            # startups' columns take the amounts in one go)
            amounts, cash, spent = [], m.cash, m.spent["procurement"]
            for _ in range(rows.size):
                amount = min(contract, cash)
                if amount <= 0:
                    break
                cash -= amount
                spent += amount
                amounts.append(amount)
            m.cash, m.spent["procurement"] = cash, spent
            won = rows[: len(amounts)]
            st.cash[won] += amounts
            st.revenue[won] += amounts
            st.lrev[won] += 0.1  # a reference customer: traction


PLAN_EXTRAS = {"plan_founding_boost": 1.0, "plan_lp_capital_per_year": 0.0,
               "plan_ma_tax_incentive": 0.0, "plan_grant_budget": 0.0}
"""The plan's instruments and the value at which each does nothing."""


def idle_policies(p, steps: int) -> list[str]:
    """What a run of ``steps`` steps with parameters ``p`` sets but never (or hardly) puts in
    force, one sentence each (empty when every set instrument acts for a year or more).

    * the plan (``plan_*`` extras away from their no-op values): in force at steps
      ``plan_start_step <= t < plan_end_step`` (:meth:`abm.agents.Ministry.plan_active`);
      reported when that is no step of the run, or fewer than a year's steps (unless
      ``plan_start_step`` is its default, the "never" of a plan switched off on purpose);
    * a scheduled instrument (:data:`SCHEDULED`, value > 0): reported when none of the run's
      calendar years ``start_year .. start_year + (steps - 1) // 4`` lies in
      ``[<name>_start_year, <name>_end_year)``.

    Examples:
        >>> from abm.presets import resolve
        >>> idle_policies(resolve("japan_2027_plan"), 40)[0][:47]
        'the plan (plan_* instruments) starts at step 40'
        >>> idle_policies(resolve("japan_2027_plan"), 100)
        []
    """
    out = []
    from ..params import SPECS

    set_extras = [n for n, off in PLAN_EXTRAS.items() if p[n] != off]
    if set_extras and p.plan_start_step < SPECS["plan_start_step"].default:
        first, last = max(1, int(p.plan_start_step)), min(steps, int(p.plan_end_step) - 1)
        active = max(0, last - first + 1)
        if active == 0:
            out.append(f"the plan (plan_* instruments) starts at step {p.plan_start_step} "
                       f"(plan_start_step) but the run has {steps} steps: it never acts "
                       f"({', '.join(set_extras)} have no effect)")
        elif active < C.STEPS_PER_YEAR:
            out.append(f"the plan (plan_* instruments) starts at step {p.plan_start_step} "
                       f"(plan_start_step) and is in force for only {active} of the run's "
                       f"{steps} steps, less than a year: expect hardly any effect")
    last_year = p.start_year + (max(steps, 1) - 1) // C.STEPS_PER_YEAR
    for name in SCHEDULED:
        if p[name] <= 0:
            continue
        start, end = p[f"{name}_start_year"], p[f"{name}_end_year"]
        if max(start, p.start_year) > min(end - 1, last_year):
            out.append(f"{name} = {p[name]:g} is in force from {name}_start_year {start} to "
                       f"{name}_end_year {end}, but the run covers the years "
                       f"{p.start_year}-{last_year}: it never acts")
    return out
