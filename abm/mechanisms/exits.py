"""Exits: IPOs, acquisitions, failures; proceeds flow through the cap table.

IPO. The IPO window opens and closes as a two-state Markov chain whose long-run open share is
``ipo_window_open``. While open, a private startup at seed or later whose annual revenue
reaches ``ipo_threshold`` lists with probability ``ipo_propensity`` per quarter, at a revenue
multiple the market sets (:func:`ipo_multiple`: ``IPO_MULTIPLE``, higher after good
after-market returns of recent IPOs and for fast growers, with noise), below its last private
valuation when the market pays less (a down-round IPO). It sells ``IPO_FLOAT`` new shares to
public investors; founders and angels sell ``IPO_SELLDOWN`` of theirs; funds hold theirs through
the ``LOCKUP_QUARTERS`` lock-up and then distribute them in kind at the listed firm's value then
(which moves with its revenue; :func:`abm.mechanisms.funds.release_lockups`). A listed startup
that becomes insolvent is delisted: shares still locked up are written off.

Acquisition. A private startup at seed or later is acquired with quarterly hazard
``ACQUISITION_HAZARD x ma_market_depth x appetite(sector) x (1 + 2 partnered) x
(1 + DEFENSIVE_HAZARD defensive_acquisition x threat) x (1 + 2 tax_incentive) x
(ACQUISITION_RISK_BASE - ACQUISITION_RISK_SLOPE risk)`` (2, 1.3, 0.6), where
``risk`` is the founding team's mean risk tolerance (founders draw theirs around the regime's
``risk_tolerance``; risk-tolerant teams hold out for bigger outcomes),
where ``threat`` grows with a disruptive startup's revenue (full at ``THREAT_REVENUE`` M a year). The buyer is its partner (70% when
the partner can pay) or an incumbent of its sector drawn by appetite among those that can pay.
Price: current valuation (last post-money moved with traction since) times
``1 + acquisition_premium + 0.5 x threat x defensive_acquisition``. Mode: a tiny team without revenue is an
acqui-hire (price per head); a threat may be shelved (its revenue disappears); otherwise it is
integrated (its product line, people and R&D go to the buyer: the buyer's reach grows by the
startup's sales and its quality moves towards the startup's, see
:func:`abm.products.absorb`); a shelved product leaves the market. The buyer pays the price, minus the M&A
tax incentive refunded by the state; the price is paid to the cap table exactly: holders by
fraction, the residual option pool to employees.

Failure. A private startup that could not pay its costs this quarter and raised nothing fails;
one that has raised nothing for ``STALL_QUARTERS`` shuts down with hazard ``STALL_HAZARD``:
workers go to the idle pool, founders to the pool of potential re-founders, fund positions
are realised at zero.
"""

from __future__ import annotations

import math

import numpy as np

from .. import constants as C
from .. import fundbook
from ..delisting import delist
from ..draws import choice
from ..partners import end as end_partnership
from ..products import absorb
from ..queries import sector_mean, trend
from ..units import Mechanism
from ..workforce import release

UNIT = Mechanism(
    name="exits", stream="exits",
    flows=("failed", "ipos", "acquisitions"),
    outputs=("exits_ipo", "exits_ma", "failures", "ma_share_of_exits", "median_years_to_ipo",
             "median_years_to_ma", "median_years_to_failure", "acquihires", "shelved",
             "killed_better_products", "killed_output", "down_round_ipos", "delistings"),
    adds_to=("job_moves",),
    reads=("round_size_multiplier", "angel_propensity", "group_cohesion",
           "defensive_acquisition", "ipo_threshold", "ipo_window_open", "ipo_propensity",
           "ma_market_depth", "acquisition_premium", "ACQUIHIRE_DAMPING", "ACQUIHIRE_PER_HEAD",
           "ACQUIRED", "ACQUISITION_HAZARD", "ACTIVE", "DEAL_WRITE_OFF", "DELISTED",
           "FAILED", "GROUP_PREFERENCE", "INTEGRATION_RD_GAIN", "IPO_FLOAT",
           "IPO_GROWTH_ELASTICITY", "IPO_HEAT_ELASTICITY", "IPO_MULTIPLE", "IPO_NOISE",
           "IPO_SELLDOWN", "PUBLIC", "PUBLIC_FLOAT", "STALL_HAZARD", "STALL_QUARTERS",
           "STEPS_PER_YEAR", "UNICORN", "ACQUISITION_RISK_BASE", "ACQUISITION_RISK_SLOPE",
           "DEFENSIVE_HAZARD", "DEFENSIVE_PREMIUM", "THREAT_REVENUE"))
"""What this mechanism owns (:mod:`abm.units`)."""


def _founder_exit(model, startup, failed: bool) -> None:
    p, rng, fo, row = model.p, model.rngs["exits"], model.fo, startup.row
    for f in startup.founders:
        r = f.row
        if fo.startup[r] != row:
            continue
        fo.startup[r] = -1
        fo.last_failed[r] = failed
        if failed:
            fo.failed[r] += 1
        else:
            fo.exited[r] += 1
            if fo.wealth[r] >= 1.0 and rng.random() < p.angel_propensity:
                fo.angel[r] = True
        model.pool.append(r)


def pay_out(model, startup, price: float, source: str = "acquirer") -> None:
    """Distribute ``price`` over the cap table: holders by fraction, the rest to employees."""
    row = startup.row
    paid = 0.0
    for holder, frac in startup.cap_table.items():
        amount = frac * price
        paid += amount
        fund = model.fund_by_uid.get(holder)
        if fund is not None:
            fundbook.receive(model, fund, row, cash=amount)
            continue
        founder = model.founder_by_uid.get(holder)
        if founder is not None:
            model.fo.wealth[founder.row] += amount
        elif holder in model.incumbent_row_by_uid:  # a group member's strategic stake
            model.inc.cash[model.incumbent_row_by_uid[holder]] += amount
        else:  # secondary buyers, public float, founders who left the ecosystem
            model.ledger.sink("outside_shareholders", amount)
    model.ledger.sink("employees", max(price - paid, 0.0))


def _finish(model, startup, status: int) -> None:
    st, row = model.st, startup.row
    st.status[row] = status
    st.exit_step[row] = model.steps
    if st.partner[row] >= 0:
        end_partnership(model, row)


def _deactivate(model, startup) -> None:
    """An exited private startup leaves the live population (its row stays for the record)."""
    model.startups.pop(startup.row, None)
    startup.remove()


# -- IPO ---------------------------------------------------------------------------------------
def update_window(model, rng: np.random.Generator) -> None:
    w = model.p.ipo_window_open
    if w >= 1.0:
        model.ipo_window = True
    elif w <= 0.0:
        model.ipo_window = False
    elif model.ipo_window:
        model.ipo_window = rng.random() >= 0.1
    else:
        model.ipo_window = rng.random() < min(1.0, 0.1 * w / (1.0 - w))


def ipo_multiple(model, row: int, rng: np.random.Generator) -> float:
    """The revenue multiple startup ``row`` lists at: ``IPO_MULTIPLE x exp(IPO_HEAT_ELASTICITY
    x ipo_heat + IPO_GROWTH_ELASTICITY x g) x lognormal(-IPO_NOISE^2 / 2, IPO_NOISE)``, with
    ``g`` the annualised log growth of traction since its last round."""
    st = model.st
    quarters = max(model.steps - int(st.last_round[row]), 1)
    growth = C.STEPS_PER_YEAR * float(st.lrev[row] - st.lrev_at_round[row]) / quarters
    sigma = C.IPO_NOISE
    return float(C.IPO_MULTIPLE * math.exp(C.IPO_HEAT_ELASTICITY * model.ipo_heat
                                           + C.IPO_GROWTH_ELASTICITY * growth)
                 * rng.lognormal(-sigma * sigma / 2, sigma))


def ipo(model, startup, rng: np.random.Generator) -> None:
    """List ``startup``: priced by the market (:func:`ipo_multiple` x annual revenue, below
    the last round if that is what the market pays); funds hold their shares through the
    lock-up (:func:`abm.fundbook.lock_up`)."""
    st, row = model.st, startup.row
    annual = C.STEPS_PER_YEAR * st.revenue[row]
    pre = annual * ipo_multiple(model, row, rng)  # may be a down round
    if pre < st.valuation[row] and model.steps > model.burn_in:
        model.counts["down_round_ipos"] += 1
    primary = C.IPO_FLOAT * pre
    model.ledger.mint("public_investors", primary)
    st.cash[row] += primary
    startup.dilute(pre, {C.PUBLIC_FLOAT: primary})
    post = pre + primary
    table = startup.cap_table
    for holder in list(table):
        frac = table[holder]
        fund = model.fund_by_uid.get(holder)
        if fund is not None:
            fundbook.lock_up(model, fund, row, post, float(annual))  # shares stay on the table
            continue
        founder = model.founder_by_uid.get(holder)
        if founder is None:
            continue
        moved = frac * C.IPO_SELLDOWN
        model.fo.wealth[founder.row] += model.ledger.mint("public_investors", moved * post)
        table[holder] -= moved
        if table[holder] <= 0:
            del table[holder]
        table[C.PUBLIC_FLOAT] = table.get(C.PUBLIC_FLOAT, 0.0) + moved
    st.valuation[row] = post
    st.exit_value[row] = post
    if post >= C.UNICORN and st.unicorn_step[row] < 0:
        st.unicorn_step[row] = model.steps
    _finish(model, startup, C.PUBLIC)
    _founder_exit(model, startup, failed=False)
    model.stats["ipos"] += 1
    model.event("ipo", "Startup {} listed at {:.0f} M ({:.0f} M annual revenue)",
                startup.unique_id, post, annual)


def ipos(model) -> None:
    p, st, rng = model.p, model.st, model.rngs["exits"]
    update_window(model, rng)
    n = st.n
    if not model.ipo_window or n == 0:
        return
    ok = ((st.status[:n] == C.ACTIVE) & (st.stage[:n] >= 1)
          & (C.STEPS_PER_YEAR * st.revenue[:n] >= p.ipo_threshold))
    rows = ok.nonzero()[0]
    if rows.size == 0:
        return
    rows = rows[rng.random(rows.size) < p.ipo_propensity]
    for row in rows:
        ipo(model, model.startups[int(row)], rng)


# -- acquisitions ------------------------------------------------------------------------------
def price_of(model, row: int, threat: float) -> float:
    """Current valuation moved with traction since the last round, plus the premium."""
    p, st = model.p, model.st
    drift = float(np.clip(0.5 * (st.lrev[row] - st.lrev_at_round[row]), -1.2, 1.6))
    value = max(st.valuation[row] * math.exp(drift),
                3.0 * C.STEPS_PER_YEAR * st.revenue[row])
    return value * (1.0 + p.acquisition_premium
                     + C.DEFENSIVE_PREMIUM * threat * p.defensive_acquisition)


def threat_of(model, rows: np.ndarray) -> np.ndarray:
    st = model.st
    return st.disruptive[rows] * np.clip(C.STEPS_PER_YEAR * st.revenue[rows] / C.THREAT_REVENUE,
                                         0.0, 1.0)


def acquire(model, startup, buyer_row: int, price: float, mode: str) -> None:
    """``buyer_row`` buys ``startup`` for ``price`` in ``mode`` (integrate/acquihire/shelve)."""
    st, inc, row = model.st, model.inc, startup.row
    tax = model.ministry.instrument("ma_tax_incentive")
    inc.cash[buyer_row] -= price
    if tax > 0:
        refund = model.ledger.mint("tax_expenditure", tax * price)
        inc.cash[buyer_row] += refund
        model.ministry.spent["tax_incentive"] += refund
    pay_out(model, startup, price)
    inc.cash[buyer_row] += st.cash[row]
    st.cash[row] = 0.0
    people = int(st.headcount[row])
    if mode == "integrate":
        absorb(model, buyer_row, row)  # the product line joins the buyer's
        inc.rd[buyer_row] = min(3.0, inc.rd[buyer_row]
                                + C.INTEGRATION_RD_GAIN * math.log(st.quality[row]))
        inc.headcount[buyer_row] += people
    elif mode == "acquihire":
        inc.headcount[buyer_row] += people
        model.counts["acquihires"] += 1
    else:  # shelve: the technology is buried, half the team is let go
        if st.pq[row] > inc.pq[buyer_row]:  # a better product killed (Cunningham et al. 2021)
            model.counts["killed_better_products"] += 1
        model.counts["killed_output"] += float(
            st.revenue[row] * math.exp(st.pq[row]) / trend(model))
        keep = people // 2
        inc.headcount[buyer_row] += keep
        release(model, people - keep)
        model.counts["shelved"] += 1
    # its tied customers go to the buyer if it sells in the same sector; otherwise they are
    # freed and re-choose by the logit at the next clearing
    if st.sector[row] == inc.sector[buyer_row] and inc.held[buyer_row] >= 0:
        inc.held[buyer_row] += st.held[row]
    st.held[row] = 0.0
    model.stats["job_moves"] += people
    st.headcount[row] = 0
    st.revenue[row] = 0.0
    st.acquirer[row] = buyer_row
    st.exit_value[row] = price
    _finish(model, startup, C.ACQUIRED)
    _founder_exit(model, startup, failed=False)
    model.link(int(inc.uid[buyer_row]), startup.unique_id, "acquisition", price=price,
               mode=mode)
    if mode == "acquihire":  # the team now works for the buyer
        model.link(int(inc.uid[buyer_row]), startup.unique_id, "employment", people=people)
    model.stats["acquisitions"] += 1
    model.event("acquisition", "Incumbent {} acquired Startup {} for {:.0f} M ({})",
                int(inc.uid[buyer_row]), startup.unique_id, price, mode)
    _deactivate(model, startup)


def acquisitions(model) -> None:
    p, st, inc, rng = model.p, model.st, model.inc, model.rngs["exits"]
    n = st.n
    alive = inc.view("alive").nonzero()[0]
    if n == 0 or alive.size == 0:
        return
    cand = ((st.status[:n] == C.ACTIVE) & (st.stage[:n] >= 1)).nonzero()[0]
    if cand.size == 0:
        return
    appetite = sector_mean(model, inc.appetite[alive], alive)
    threat = threat_of(model, cand)
    tax = model.ministry.instrument("ma_tax_incentive")
    h = (C.ACQUISITION_HAZARD * p.ma_market_depth * appetite[st.sector[cand]]
         * (1.0 + 2.0 * (st.partner[cand] >= 0))
         * (1.0 + C.DEFENSIVE_HAZARD * p.defensive_acquisition * threat)
         * (1.0 + 2.0 * tax)
         * (C.ACQUISITION_RISK_BASE - C.ACQUISITION_RISK_SLOPE * st.risk[cand]))
    tiny = (st.stage[cand] <= 1) & (C.STEPS_PER_YEAR * st.revenue[cand] < 1.0)
    h = np.where(tiny, C.ACQUIHIRE_DAMPING * h, h)
    hit = rng.random(cand.size) < h
    if not hit.any():
        return
    # live incumbents by sector, in row order (no incumbent enters or exits meanwhile)
    sectors = inc.sector[alive]
    by_sector = {int(s): alive[sectors == s] for s in np.unique(sectors).tolist()}
    for row, thr in zip(cand[hit], threat[hit]):
        row = int(row)
        startup = model.startups[row]
        price = price_of(model, row, float(thr))
        tiny = st.stage[row] <= 1 and C.STEPS_PER_YEAR * st.revenue[row] < 1.0
        if tiny:
            price = max(C.ACQUIHIRE_PER_HEAD * p.round_size_multiplier * st.headcount[row],
                        0.3 * price)
        buyer = _buyer(model, row, price, alive, rng, by_sector)
        if buyer < 0:
            continue
        if tiny:
            mode = "acquihire"
        elif rng.random() < p.defensive_acquisition * thr:
            mode = "shelve"
        else:
            mode = "integrate"
        acquire(model, startup, buyer, price, mode)


def _buyer(model, row: int, price: float, alive: np.ndarray,
           rng: np.random.Generator, by_sector: dict | None = None) -> int:
    """The acquirer of startup ``row`` at ``price``: its partner (70%) if it can pay, else a
    live incumbent of its sector that can pay, drawn by acquisition appetite; -1 if none.
    ``by_sector`` (live rows per sector, as :func:`acquisitions` builds it) saves a scan of
    every incumbent."""
    st, inc = model.st, model.inc
    partner = int(st.partner[row])
    if partner >= 0 and inc.alive[partner] and inc.cash[partner] >= price \
            and rng.random() < 0.7:
        return partner
    if by_sector is None:
        same = alive[inc.sector[alive] == st.sector[row]]
    else:
        same = by_sector.get(int(st.sector[row]), alive[:0])
    ok = same[inc.cash[same] >= price]
    if ok.size == 0:
        return -1
    w = inc.appetite[ok]
    g = st.group_tie[row]
    if g >= 0 and model.p.group_cohesion > 0:  # group members prefer targets tied to the group
        w = w * (1.0 + C.GROUP_PREFERENCE * model.p.group_cohesion * (inc.group[ok] == g))
    if w.sum() <= 0:
        return -1
    return int(choice(rng, ok, w / w.sum()))


# -- failures ----------------------------------------------------------------------------------
def fail(model, startup) -> None:
    """Close ``startup``: people released, investors realise zero, founders to the pool."""
    _close(model, startup)
    _closed(model, [startup])


def _close(model, startup) -> None:
    """The part of a failure whose order matters, done failure by failure: leftover cash to
    the creditors (a sum in the ledger), the funds' positions written off (the deals log and
    each fund's books), the status (which later checks of the quarter read) and the
    partnership. :func:`_closed` does the rest for a quarter's failures at once."""
    st, row = model.st, startup.row
    if st.cash[row] > 0:  # leftovers go to creditors
        model.ledger.sink("creditors", float(st.cash[row]))
        st.cash[row] = 0.0
    by_uid = model.fund_by_uid
    for holder in startup.cap_table:
        fund = by_uid.get(holder)
        if fund is not None and row in fund.portfolio:
            fundbook.receive(model, fund, row, route=C.DEAL_WRITE_OFF)
    st.status[row] = C.FAILED
    if st.partner[row] >= 0:
        end_partnership(model, row)


def _closed(model, gone: list) -> None:
    """The rest of the failures of the startups ``gone`` (each already :func:`_close` d, in
    this order), for all at once: people to the idle pool, the exit step, founders to the
    pool of potential re-founders (in the order of the startups and of each team, as
    ``_founder_exit(failed=True)`` would put them), the count, the network and the live
    agents. None of it is read by the failures' ordered part in between."""
    if not gone:
        return
    st, fo = model.st, model.fo
    idx = np.array([s.row for s in gone], dtype=np.int64)
    release(model, int(st.headcount[idx].sum()))
    st.headcount[idx] = 0
    st.revenue[idx] = 0.0
    st.exit_step[idx] = model.steps
    startups = model.startups
    for s in gone:
        startups.pop(s.row, None)
    team, owner = [], []
    for s in gone:
        for f in s.founders:
            team.append(f.row)
            owner.append(s.row)
    if team:
        team = np.array(team, dtype=np.int64)
        leaving = team[fo.startup[team] == np.array(owner, dtype=np.int64)]
        fo.startup[leaving] = -1
        fo.last_failed[leaving] = True
        fo.failed[leaving] += 1
        model.pool.extend(leaving.tolist())
    model.stats["failed"] += len(gone)
    model.net.remove_nodes([s.unique_id for s in gone])
    for s in gone:
        s.remove()


def failures(model) -> None:
    """Ventures their founders wind down this quarter close (:mod:`abm.mechanisms.winddown`);
    insolvent startups fail (listed ones are delisted); stalled ones (no round for
    STALL_QUARTERS) may shut down."""
    st, rng = model.st, model.rngs["exits"]
    closing = []
    for row in getattr(model.quarter, "wound_down", ()):
        row = int(row)
        if st.status[row] == C.ACTIVE:
            closing.append(model.startups[row])
            _close(model, closing[-1])
    rows = model.quarter.insolvent
    for row in rows:
        row = int(row)
        if st.cash[row] > 1e-9:
            continue
        if st.status[row] == C.ACTIVE:
            closing.append(model.startups[row])
            _close(model, closing[-1])
        elif st.status[row] == C.PUBLIC and not st.graduated[row]:
            delist(model, model.startups[row])
    n = st.n
    stalled = ((st.status[:n] == C.ACTIVE)
               & (model.steps - st.last_round[:n] >= C.STALL_QUARTERS)).nonzero()[0]
    if stalled.size:
        for row in stalled[rng.random(stalled.size) < C.STALL_HAZARD].tolist():
            closing.append(model.startups[row])
            _close(model, closing[-1])
    _closed(model, closing)
