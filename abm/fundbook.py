"""Shared actions on the funds' books: LP capital called, the waterfall, realisations and
lock-ups.

:mod:`abm.mechanisms.funding` calls LP capital for each check (:func:`call`);
:mod:`abm.mechanisms.exits` pays the holders at an exit (:func:`receive`), keeps funds'
shares of a listing locked up (:func:`lock_up`) and writes them off at a delisting
(:func:`delisted`); :mod:`abm.mechanisms.funds` releases lock-ups (:func:`_release`) and closes
funds (:func:`distribute`). The rules are the funds' (docs/ODD.md, the fund economics);
``abm.mechanisms.funds`` keeps every name as an import.

Not a mechanism: no unit, no stream, no place in the schedule (:data:`abm.units.ACTIONS`).
"""

from __future__ import annotations

import math

from . import constants as C
from .queries import listed_value


def _accrue(fund, step: int) -> None:
    """Accrue the preferred return on the hurdle balance up to ``step`` (quarterly
    compounding of ``HURDLE`` a year)."""
    if step > fund.hurdle_step:
        if fund.hurdle > 0:
            fund.hurdle *= (1.0 + C.HURDLE) ** ((step - fund.hurdle_step) / C.STEPS_PER_YEAR)
        fund.hurdle_step = step


def call(model, fund, amount: float) -> None:
    """LP capital called for an investment or a fee: a negative LP flow, added to the hurdle
    balance. (Commitments are held as the fund's cash from the start; only what is called
    counts as paid-in.)"""
    if amount <= 0:
        return
    t = model.steps
    if t > fund.hurdle_step:  # _accrue(fund, t), written out: called for every fee and check
        if fund.hurdle > 0:
            fund.hurdle *= (1.0 + C.HURDLE) ** ((t - fund.hurdle_step) / C.STEPS_PER_YEAR)
        fund.hurdle_step = t
    fund.hurdle += amount
    flows = fund.flows
    flows[t] = flows.get(t, 0.0) - amount


def split(fund, value: float, step: int) -> tuple[float, float]:
    """How a distribution of ``value`` at ``step`` divides between the LPs and the GP under
    the fund's European (whole-fund) waterfall, without paying it: ``(lp, gp)``.

    1. LPs receive everything until the hurdle balance (capital called plus ``HURDLE`` a
       year compounded, minus what they received) is paid;
    2. GP catch-up: the GP receives everything until it holds ``CARRY`` of the profits
       distributed so far (distributions minus paid-in);
    3. the rest is split ``1 - CARRY`` / ``CARRY``.

    Only independent funds pay carry (government and corporate funds: ``(value, 0)``).
    """
    if fund.kind != "independent" or value <= 0:
        return value, 0.0
    hurdle = fund.hurdle
    if hurdle > 0 and step > fund.hurdle_step:
        hurdle *= (1.0 + C.HURDLE) ** ((step - fund.hurdle_step) / C.STEPS_PER_YEAR)
    to_lp = min(value, max(hurdle, 0.0))
    rest = value - to_lp
    gp = 0.0
    if rest > 0:
        gross = fund.distributed + fund.distributed_in_kind + fund.residual + to_lp
        catch = (C.CARRY * (gross - fund.paid_in) - fund.carry) / (1.0 - C.CARRY)
        gp = min(rest, max(catch, 0.0))
        rest -= gp
        gp += C.CARRY * rest
        to_lp += (1.0 - C.CARRY) * rest
    return to_lp, gp


def distribute(model, fund, value: float, cash: bool, recycle: bool = True) -> float:
    """Pay a realised ``value`` (cash, or listed shares in kind) through the waterfall:
    the LPs' part (sunk as ``lp_distributions`` when cash) and the GP's carried interest
    (sunk as ``carried_interest`` when cash). An investing corporate fund recycles cash.
    Returns the LPs' part (0 when recycled)."""
    if value <= 0:
        return 0.0
    if cash and recycle and fund.evergreen and fund.investing():
        fund.cash += value  # a corporate fund recycles its proceeds
        return 0.0
    t = model.steps
    _accrue(fund, t)
    lp, gp = split(fund, value, t)
    fund.hurdle = max(fund.hurdle - lp, 0.0) if fund.hurdle > 0 else fund.hurdle
    fund.lp_distributed += lp
    fund.carry += gp
    fund.flows[t] = fund.flows.get(t, 0.0) + lp
    if cash:
        parent = fund.parent
        if fund.evergreen and parent is not None and model.inc.alive[parent.row]:
            model.inc.cash[parent.row] += value  # back to the parent's balance sheet
        else:
            model.ledger.sink("lp_distributions", lp)
            if gp > 0:
                model.ledger.sink("carried_interest", gp)
    return lp


def receive(model, fund, row: int, cash: float = 0.0, in_kind: float = 0.0,
            route: int = C.DEAL_SALE) -> None:
    """A position in startup ``row`` is realised: record the deal ``(step, cost, proceeds,
    route, fund row, startup row, strategic)`` and pay the proceeds through the waterfall.
    ``strategic``: a corporate fund's company partnered with the fund's parent. Secondary
    proceeds are the fund's ``residual`` and are never recycled."""
    cost = fund.portfolio.pop(row, 0.0)
    fund.locked.pop(row, None)
    parent = fund.parent
    strategic = parent is not None and int(model.st.partner[row]) == parent.row
    model.deals.append((model.steps, cost, cash + in_kind, route, fund.row, row, strategic))
    # (the waterfall reads what was distributed before this deal: book it after)
    if in_kind > 0:
        distribute(model, fund, in_kind, cash=False)
        fund.distributed_in_kind += in_kind
    if cash > 0:
        if route == C.DEAL_SECONDARY:
            fund.lp_secondary += distribute(model, fund, cash, cash=True, recycle=False)
            fund.residual += cash
        else:
            distribute(model, fund, cash, cash=True)
            fund.distributed += cash


def lock_up(model, fund, row: int, listing_post: float, listing_annual: float) -> None:
    """``fund`` holds its shares of newly listed startup ``row`` through the lock-up (the
    fraction it holds now: listed firms issue no further shares)."""
    frac = model.startups[row].cap_table.get(fund.unique_id, 0.0)
    fund.locked[row] = (model.steps + C.LOCKUP_QUARTERS, frac, listing_post, listing_annual)


def _release(model, fund, row: int, returns: list | None = None) -> None:
    """Distribute ``fund``'s locked shares of ``row`` in kind at the listed value now."""
    due, frac, post, annual = fund.locked[row]
    value = listed_value(model, row, post, annual)
    startup = model.startups.get(row)  # gone once it graduated to an incumbent
    if startup is not None:
        table = startup.cap_table
        table.pop(fund.unique_id, None)
        table[C.PUBLIC_FLOAT] = table.get(C.PUBLIC_FLOAT, 0.0) + frac
    if returns is not None and post > 0 and value > 0:
        returns.append(math.log(value / post))
    receive(model, fund, row, in_kind=frac * value, route=C.DEAL_LISTED)


def delisted(model, startup) -> None:
    """Startup ``startup`` is delisted: shares still locked up are written off (0x deals)."""
    row = startup.row
    for holder in list(startup.cap_table):
        fund = model.fund_by_uid.get(holder)
        if fund is not None and row in fund.locked:
            startup.cap_table.pop(holder, None)
            receive(model, fund, row, route=C.DEAL_DELISTED)
