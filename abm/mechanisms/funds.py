"""Fund life cycle and fundraising.

Each quarter a quarter of the year's LP money (``lp_capital_per_year``, plus the plan's pension
money once it starts; what could not be placed the quarter before is carried over) and of the
ministry's fund-of-funds money is committed to independent funds (fundraising is spread over
the year, so capital does not arrive in yearly waves): first to successor
funds of managers whose previous fund clears ``successor_fund_bar`` (interim TVPI at the end of
its investing period; the successor is bigger the better the record), then to first-time
managers. The ministry's direct VC money becomes a government fund. CVC parents top up their
evergreen corporate funds with ``cvc_allocation`` of revenue (each quarter, of that
quarter's revenue). Funds invest for
``INVEST_PERIOD`` steps, charge management fees, and close after ``FUND_LIFE`` steps: holdings
left are sold to secondary buyers at a discount (the fund's residual value), unused cash goes
back to LPs.
"""

from __future__ import annotations

import numpy as np

from .. import constants as C
from .funding import fund_status


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
    # CVC top-ups from parents' balance sheets
    live, inc = model.live_funds(), model.inc
    corp, _, parent_alive = fund_status(model, model.live_fund_rows())
    cvcs = (corp & parent_alive).nonzero()[0].tolist()  # investing corporate funds, in order
    for i in cvcs:
        fund = live[i]
        row = fund.parent.row
        amount = min(p.cvc_allocation * inc.revenue[row].item(), 0.5 * inc.cash[row].item())
        if amount > 0:
            inc.cash[row] -= amount
            fund.cash += amount
            fund.size += amount
            model.commitments.append((t, "corporate", amount))


def receive(model, fund, row: int, cash: float = 0.0, in_kind: float = 0.0) -> None:
    """A position in startup ``row`` is realised: record the deal and pass money on to LPs."""
    cost = fund.portfolio.pop(row, 0.0)
    model.deals.append((model.steps, cost, cash + in_kind))
    fund.distributed_in_kind += in_kind
    if cash > 0:
        fund.distributed += cash
        if fund.evergreen and fund.investing():
            fund.cash += cash  # corporate funds recycle proceeds
        else:
            model.ledger.sink("lp_distributions", cash)


def close(model, fund) -> None:
    """End of a fund's life: sell what is left to secondary buyers, return unused cash."""
    from ..constants import SECONDARY

    residual = 0.0
    uid = fund.unique_id
    for row in list(fund.portfolio):
        startup = model.startups.get(row)
        if startup is None:
            continue
        frac = startup.cap_table.pop(uid, 0.0)
        residual += frac * model.st.valuation[row] * C.RESIDUAL_DISCOUNT
        startup.cap_table[SECONDARY] = startup.cap_table.get(SECONDARY, 0.0) + frac
    fund.portfolio.clear()
    fund.residual = residual
    if fund.cash > 0:
        model.ledger.sink("lp_returned_capital", fund.cash)
        fund.cash = 0.0
    model.retire(fund)  # closed: out of the live agents, kept in model.funds


def life_cycle(model) -> None:
    """Management fees each quarter; closing at the end of life (or when a CVC parent exits)."""
    now, alive = model.steps, model.inc.alive
    for fund in list(model.live_funds()):
        if fund.kind == "corporate":  # evergreen: no fees, no end of life
            parent = fund.parent
            if parent is None or not alive[parent.row]:
                close(model, fund)
            continue
        age = now - fund.vintage
        rate = C.MGMT_FEE if age < C.INVEST_PERIOD else C.MGMT_FEE / 2
        fee = min(rate * fund.size, fund.cash)
        if fee > 0:
            fund.cash -= fee
            fund.fees += fee
            model.ledger.sink("management_fees", fee)
        if age >= C.FUND_LIFE:
            close(model, fund)
