"""Fund life cycle, fundraising and the LPs' view of fund returns.

Each quarter a quarter of the year's LP money (``lp_capital_per_year``, plus the plan's pension
money once it starts; what could not be placed the quarter before is carried over) and of the
ministry's fund-of-funds money is committed to independent funds (fundraising is spread over
the year, so capital does not arrive in yearly waves): first to successor
funds of managers whose previous fund clears ``successor_fund_bar`` (interim net TVPI at the
end of its investing period; the successor is bigger the better the record), then to
first-time managers. The ministry's direct VC money becomes a government fund. CVC parents top
up their corporate funds with ``cvc_allocation`` of revenue times how much of its cash target
the parent holds; parents wind their funds down (``cvc_wind_down``, more often when short of
cash) and others start new ones. Funds invest for ``INVEST_PERIOD`` steps, charge management
fees (``MGMT_FEE`` of commitments, then of invested capital still held), distribute listed
shares in kind when an IPO lock-up ends (``LOCKUP_QUARTERS``), pay carried interest through a
European waterfall (``CARRY`` over a ``HURDLE``), and close after ``FUND_LIFE`` steps: holdings
left are sold to secondary buyers at ``RESIDUAL_DISCOUNT`` of their mark (cash minted from
``secondary_buyers``, each a recorded deal), unused cash goes back to LPs.
"""

from __future__ import annotations

import math

import numpy as np

from .. import constants as C
from ..fundbook import (  # noqa: F401 (also funds.<name>)
    _accrue, _release, call, delisted, distribute, lock_up, receive, split)
from ..queries import fund_status, listed_value, mark, position_value  # noqa: F401
from ..units import Mechanism

UNIT = Mechanism(
    name="funds", stream="funds",
    outputs=("fund_tvpi_median", "funds_closed", "fund_dpi_median",
             "fund_gross_multiple_median", "fund_irr_median", "fund_return_persistence",
             "deals_ended", "deal_multiple_below_1_share", "top_decile_deal_return_share",
             "deal_multiple_above_10_share", "deal_multiple_tail_exponent",
             "secondary_deal_share", "gov_share_of_vc_commitments", "cvc_strategic_share",
             "cvc_financial_multiple"),
    reads=("scale", "round_size_multiplier", "cvc_share_of_incumbents", "cvc_allocation",
           "cvc_wind_down", "successor_fund_bar", "gov_fof_share", "ACTIVE", "CARRY",
           "DEAL_DELISTED", "DEAL_LISTED", "DEAL_SALE", "DEAL_SECONDARY", "DELISTED",
           "FUND_LIFE", "FUND_SIZE", "HURDLE", "INCUMBENT_CASH_TARGET", "INVEST_PERIOD",
           "IPO_HEAT_MEMORY", "LOCKUP_QUARTERS", "MARK_TRACTION", "MGMT_FEE", "PUBLIC_FLOAT",
           "RESIDUAL_DISCOUNT", "SECONDARY", "STEPS_PER_YEAR"))
"""What this mechanism owns (:mod:`abm.units`)."""


def new_fund_size(model, rng: np.random.Generator) -> float:
    """Size of a first-time independent fund (lognormal, mean ``FUND_SIZE`` x multiplier)."""
    sigma = 0.5
    return float(C.FUND_SIZE * model.p.round_size_multiplier
                 * rng.lognormal(-sigma * sigma / 2, sigma))


def raise_funds(model) -> None:
    """Quarterly fundraising: a quarter of the year's LP, government and CVC money."""
    p, m, rng, t = model.p, model.ministry, model.rngs["funds"], model.steps
    quarter = 1.0 / C.STEPS_PER_YEAR
    private = (m.instrument("lp_capital_per_year") * model.maturity.lp_multiplier * p.scale * quarter
               + model.lp_carry)
    gov_vc = min(m.instrument("gov_vc_budget") * p.scale * quarter, m.cash)
    fof = gov_vc * p.gov_fof_share
    pool = private + fof
    gov_frac = fof / pool if pool > 0 else 0.0

    def create(size: float, **kw) -> None:
        gov = size * gov_frac
        model.ledger.mint("commitments_independent", size - gov)
        m.cash -= gov
        m.spent["gov_vc"] += gov
        model.add_fund("independent", size, gov_commitment=gov, mint=False, **kw)
        model.commitments.append((t, "private_lp", size - gov))
        if gov > 0:
            model.commitments.append((t, "government", gov))

    # successors of managers with a good record
    requests = []
    due = t - (C.INVEST_PERIOD - C.STEPS_PER_YEAR)  # vintage at or before: record to judge
    for fund in list(model.live_funds()):  # closed funds raised (or not) long ago
        if (fund.vintage <= due and fund.kind == "independent"
                and not fund.raised_successor):
            fund.raised_successor = True
            tvpi = fund.tvpi()
            if tvpi >= p.successor_fund_bar:
                requests.append((fund, fund.size * float(np.clip(tvpi, 0.7, 2.0))))
    asked = sum(r for _, r in requests)
    share = min(1.0, pool / asked) if asked > 0 else 0.0
    for fund, request in requests:
        size = request * share
        if size > 0:
            create(size, manager=fund.manager, generation=fund.generation + 1,
                   stage_range=(fund.stage_min, fund.stage_max))
            pool -= size
    # first-time managers share what is left
    mean = C.FUND_SIZE * p.round_size_multiplier
    while pool >= 0.3 * mean:
        size = min(pool, new_fund_size(model, rng))
        create(size)
        pool -= size
    # LP money not placed this quarter waits for the next one (it is not yet committed)
    model.lp_carry = max(pool, 0.0) * (1.0 - gov_frac)
    # the ministry's direct government fund
    direct = gov_vc - fof
    if direct > 0:
        m.cash -= direct
        m.spent["gov_vc"] += direct
        model.add_fund("government", direct, mint=False)
        model.commitments.append((t, "government", direct))
    # CVC top-ups from parents' balance sheets: the budget follows the parent's cash
    live, inc, rows = model.live_funds(), model.inc, model.live_fund_rows()
    corp, _, parent_alive = fund_status(model, rows)
    cvcs = (corp & parent_alive).nonzero()[0]  # investing corporate funds, in order
    parents = model.fund_table.parent[rows[cvcs]]
    if np.unique(parents).size == parents.size:
        # one fund per parent (as the model keeps it): each top-up reads and changes only its
        # own parent's cash, so :func:`cash_ratio` and the amounts are taken for all at once
        # (the same operations on the same floats)
        revenue, cash = inc.revenue[parents], inc.cash[parents]
        amounts = np.minimum(p.cvc_allocation * revenue * cash_ratios(model, parents),
                             0.5 * cash)
        pay = amounts > 0
        inc.cash[parents[pay]] -= amounts[pay]
        for i, amount in zip(cvcs[pay].tolist(), amounts[pay].tolist()):
            fund = live[i]
            fund.cash += amount
            fund.size += amount
            model.commitments.append((t, "corporate", amount))
    else:  # (a parent with two corporate funds: in turn)
        for i in cvcs.tolist():
            fund = live[i]
            row = fund.parent.row
            ratio = cash_ratio(model, row)
            amount = min(p.cvc_allocation * inc.revenue[row].item() * ratio,
                         0.5 * inc.cash[row].item())
            if amount > 0:
                inc.cash[row] -= amount
                fund.cash += amount
                fund.size += amount
                model.commitments.append((t, "corporate", amount))
    _start_cvcs(model, rng)


def _start_cvcs(model, rng: np.random.Generator) -> None:
    """Live incumbents without a corporate fund start one with quarterly probability
    ``cvc_wind_down x s / (1 - s)``, ``s = cvc_share_of_incumbents``: with wind-downs at rate
    ``cvc_wind_down`` the share of incumbents running one tends to ``s`` (CVC programmes come
    and go in waves, Dushnitsky & Lenox 2006)."""
    p, inc = model.p, model.inc
    s = p.cvc_share_of_incumbents
    if p.cvc_wind_down <= 0 or s <= 0:
        return
    rate = 1.0 if s >= 1.0 else min(1.0, p.cvc_wind_down * s / (1.0 - s))
    alive = inc.view("alive").nonzero()[0]
    if alive.size == 0:
        return
    has = np.zeros(inc.n, dtype=bool)
    rows = model.live_fund_rows()
    corp = model.fund_table.corporate[rows]
    parents = model.fund_table.parent[rows][corp]
    has[parents[parents >= 0]] = True
    cand = alive[~has[alive]]
    if cand.size == 0:
        return
    start = cand[rng.random(cand.size) < rate]
    for row in start.tolist():
        model.add_fund("corporate", 0.0, parent=model.incumbents[row], mint=False)


def irr(flows: dict[int, float]) -> float:
    """Annualised internal rate of return of quarterly cash flows ``{step: amount}``:
    the quarterly rate ``r`` solving ``sum(cf_t / (1 + r)^(t - t0)) = 0`` by Brent's
    method, as ``(1 + r)^STEPS_PER_YEAR - 1``. -1 if nothing came back; 0 if the flows have
    no sign change or no root in (-99.99%, 1000%) a quarter."""
    if not flows:
        return 0.0
    steps = np.array(sorted(flows), dtype=float)
    cf = np.array([flows[int(t)] for t in steps])
    if not (cf > 0).any():
        return -1.0 if (cf < 0).any() else 0.0
    if not (cf < 0).any():
        return 0.0
    minus_dt = -(steps - steps[0])

    def npv(r: float) -> float:
        return float((cf * np.exp(minus_dt * math.log1p(r))).sum())

    from scipy.optimize import brentq

    lo, hi = -0.9999, 10.0
    grid = [lo, -0.9, -0.5, -0.2, -0.05, 0.0, 0.05, 0.2, 0.5, 1.0, 3.0, hi]
    # npv at every grid point at once: the same products, exponentials (element by element)
    # and sums (each row is a contiguous array of the flows' length) as npv(r) one by one
    terms = cf * np.exp(np.multiply.outer([math.log1p(r) for r in grid], minus_dt))
    vals = [float(row.sum()) for row in terms]
    for a, b, fa, fb in zip(grid, grid[1:], vals, vals[1:]):
        if fa == 0.0:
            return (1.0 + a) ** C.STEPS_PER_YEAR - 1.0
        if fa * fb < 0:
            r = brentq(npv, a, b, xtol=1e-12, maxiter=200)
            return (1.0 + r) ** C.STEPS_PER_YEAR - 1.0
    return 0.0


def release_lockups(model) -> None:
    """Lock-ups that end this quarter: funds distribute the shares in kind at the listed
    firm's value (the deal's proceeds), and the market's ``ipo_heat`` (moving average of log
    after-market returns, weight ``IPO_HEAT_MEMORY``) takes in their after-market returns."""
    now, returns = model.steps, []
    for fund in model.live_funds():
        if fund.locked:
            for row in [r for r, info in fund.locked.items() if info[0] <= now]:
                _release(model, fund, row, returns)
    lam = C.IPO_HEAT_MEMORY
    model.ipo_heat *= 1.0 - lam
    if returns:
        model.ipo_heat += lam * float(np.mean(returns))


def close(model, fund) -> None:
    """End of a fund's life (or a corporate fund wound down): locked-up listed shares are
    distributed in kind at their value; private positions are sold to the secondary buyers
    (minted as ``secondary_buyers``) for ``RESIDUAL_DISCOUNT`` of their mark, each a
    recorded deal; unused cash goes back (LPs; a corporate fund's live parent)."""
    for row in list(fund.locked):
        _release(model, fund, row)
    uid = fund.unique_id
    for row in list(fund.portfolio):
        startup = model.startups.get(row)
        if startup is None or model.st.status[row] != C.ACTIVE:
            receive(model, fund, row, route=C.DEAL_SECONDARY)  # nothing left to sell
            continue
        frac = startup.cap_table.pop(uid, 0.0)
        price = frac * mark(model, row) * C.RESIDUAL_DISCOUNT
        if frac > 0:
            startup.cap_table[C.SECONDARY] = startup.cap_table.get(C.SECONDARY, 0.0) + frac
        model.ledger.mint("secondary_buyers", price)
        receive(model, fund, row, cash=price, route=C.DEAL_SECONDARY)
    fund.portfolio.clear()
    if fund.cash > 0:
        parent = fund.parent
        if fund.evergreen and parent is not None and model.inc.alive[parent.row]:
            model.inc.cash[parent.row] += fund.cash
        else:
            model.ledger.sink("lp_returned_capital", fund.cash)
        fund.cash = 0.0
    model.retire(fund)  # closed: out of the live agents, kept in model.funds


def cash_ratio(model, row: int) -> float:
    """A parent's cash over its cash target (``INCUMBENT_CASH_TARGET`` quarters of revenue),
    at most 1 (0 without revenue): how much of its CVC strategy its balance sheet supports.
    (Plain float arithmetic: it is read once per corporate fund and quarter.)"""
    inc = model.inc
    target = C.INCUMBENT_CASH_TARGET * inc.revenue[row].item()
    return min(inc.cash[row].item() / target, 1.0) if target > 0 else 0.0


def cash_ratios(model, rows: np.ndarray) -> np.ndarray:
    """:func:`cash_ratio` of the incumbents at ``rows`` at once (the same operations on the
    same floats, so the same values)."""
    inc = model.inc
    target = C.INCUMBENT_CASH_TARGET * inc.revenue[rows]
    has = target > 0
    return np.where(has, np.minimum(inc.cash[rows] / np.where(has, target, 1.0), 1.0), 0.0)


def life_cycle(model) -> None:
    """Lock-up ends; management fees each quarter; closing at the end of life; corporate
    funds wound down when the parent exits or decides to (``cvc_wind_down``)."""
    release_lockups(model)
    now, alive, p = model.steps, model.inc.alive, model.p
    rng = model.rngs["funds"]
    wind_down, sink = p.cvc_wind_down, model.ledger.sink
    invest_period, fund_life, fee_rate = C.INVEST_PERIOD, C.FUND_LIFE, C.MGMT_FEE
    for fund in list(model.live_funds()):
        if fund.kind == "corporate":  # no fees, no fixed life
            parent = fund.parent
            if parent is None or not alive[parent.row]:
                close(model, fund)
            elif wind_down > 0:
                ratio = cash_ratio(model, parent.row)
                if rng.random() < wind_down * (2.0 - ratio):
                    close(model, fund)
                    parent.cvc = None
                    model.counts["cvc_wound_down"] += 1
            continue
        age = now - fund.vintage
        if age < invest_period:
            basis = fund.size  # commitments
        else:
            basis = sum(fund.portfolio.values())  # invested capital still held
        fee = min(fee_rate * basis, fund.cash)
        if fee > 0:
            fund.cash -= fee
            fund.fees += fee
            call(model, fund, fee)
            sink("management_fees", fee)
        if age >= fund_life:
            close(model, fund)
