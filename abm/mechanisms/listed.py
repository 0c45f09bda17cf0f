"""Listed startups delisted for cause or taken over: a listed firm's outflow from the startup
population (docs/ODD.md 7.25).

A startup that lists (:func:`abm.mechanisms.exits.ipo`) stays in the startup population as a
listed firm until it grows into an incumbent (``incumbent_threshold``) or becomes insolvent and
is delisted. Without another outflow the stock of listed startups has no balancing exit and
grows with the horizon (docs/ODD.md 7.22: korea's listed startups 884 at quarter 100, 2,962 at
200; the startup employment share drifts with them). In the data most listed firms that leave
the lists leave by merger: the US delisting rate is high because of acquisitions (Doidge,
Karolyi & Stulz 2017), and of the US IPOs of 1996-2012 only 55-67% were still listed five
years on, small ones leaving mostly by delisting, mid and large ones mostly by takeover
(Davidoff Solomon & Rose 2014).

Each quarter every listed startup (listed, not grown into an incumbent, its funds' lock-up
over, with sales) is first **delisted for cause** (it fails the exchange's listing standards:
minimum market value, price, audited accounts) with probability

    h_i = 1 - (1 - min(c w_i / mean(w), 1))^(1/4),   w_i = (1 + a) / (1 + a q_i),

``c`` the preset's ``listed_delisting_rate`` (a year; per country from delisting data,
docs/indices.md), ``q_i`` its sales over the mean sales of the listed startups that can be
delisted this quarter and ``a = TAKEOVER_UNDERPERFORMANCE``, the saturating tilt towards weak
firms of the incumbents' takeover hazard (docs/ODD.md 7.24): the smallest, weakest listed
firms fail the standards (Shumway & Warther 1999: Nasdaq firms "delisted for poor
performance"), and dividing by the mean weight keeps the population's rate at ``c``. A
delisted firm closes (:func:`abm.delisting.delist`, as an insolvent listed startup does:
cash to creditors, people to the idle pool). Each remaining one is then **taken over** with
probability

    h = 1 - (1 - r)^(1/4)

``r`` the preset's ``listed_takeover_rate`` (a year; per country from delisting data,
docs/indices.md). A hit firm is bought by a live incumbent of its sector with larger sales,
drawn with probability proportional to its sales among those that pass antitrust (the buyer's
share of the sector's sales after the deal at most ``MERGER_SHARE_CAP``, as for incumbents'
mergers, docs/ODD.md 7.24). When none is larger, or none passes, there is no deal this
quarter (counted as ``listed_takeovers_blocked`` when antitrust stopped it).

The deal is a share exchange: no money leaves the ecosystem (the public shareholders and the
founders' remaining shares are paid in the buyer's stock, outside the model). The buyer takes

* the listed firm's customers: its reach grows by the reach that would give the listed firm its
  sales as an incumbent (:func:`abm.queries.entry_reach`, the rule that keeps a graduating
  startup's demand), added in base units (``exp(reach_b) + exp(reach_s)``, as two merging
  incumbents' reach adds), and a disruptive firm's held (tied) customers,
* this quarter's sales (its demand and revenue), its product (the buyer's quality moves to the
  sales-weighted mean of the two ladders' positions when the listed firm's product is better:
  ``pq_b + R_s / (R_b + R_s) max(pq_s - pq_b, 0)``) and its innovations as knowledge,
* its staff and cash, with a headcount-weighted productivity so the merged capacity keeps both
  firms' sales, and its revenue in the buyer's entry money added to the buyer's revenue of
  entry (the displacement floor adds the listed firm's sales),
* its network ties (carried to the buyer, as a graduating startup's are).

The startup row gets status ``DELISTED`` with ``acquirer`` the buyer's row and ``delist_step``
the quarter (it stays an IPO exit in the statistics); it leaves the live agents.
"""

from __future__ import annotations

import math

import numpy as np

from .. import constants as C
from ..delisting import delist
from ..queries import entry_reach, live_rows
from ..units import Mechanism

UNIT = Mechanism(
    name="listed", stream="listed",
    flows=("listed_taken_over", "listed_delisted"),
    outputs=("listed_takeovers",),
    reads=("listed_takeover_rate", "listed_delisting_rate", "disruption_exposure",
           "quality_sensitivity", "DELISTED", "LOCKUP_QUARTERS", "MARKET_GROWTH",
           "MERGER_SHARE_CAP", "PUBLIC", "STEPS_PER_YEAR", "TAKEOVER_UNDERPERFORMANCE"),
    summary="summarise")
"""What this mechanism owns (:mod:`abm.units`)."""


def candidates(model) -> np.ndarray:
    """Rows of the listed startups that can be taken over this quarter: listed, not grown into
    an incumbent, listed at least ``LOCKUP_QUARTERS`` ago (the funds have distributed their
    shares), with sales."""
    st, n = model.st, model.st.n
    return ((st.status[:n] == C.PUBLIC) & ~st.graduated[:n] & (st.revenue[:n] > 0)
            & (model.steps - st.exit_step[:n] >= C.LOCKUP_QUARTERS)).nonzero()[0]


def hazard(model) -> float:
    """Quarterly takeover probability of a listed startup (module docstring)."""
    r = min(max(float(model.p.listed_takeover_rate), 0.0), 1.0)
    return 1.0 - (1.0 - r) ** (1.0 / C.STEPS_PER_YEAR)


def cause_hazard(model, rows: np.ndarray) -> np.ndarray:
    """Quarterly probability that each listed startup of ``rows`` (this quarter's candidates)
    is delisted for cause (module docstring)."""
    c = min(max(float(model.p.listed_delisting_rate), 0.0), 1.0)
    if rows.size == 0 or c <= 0:
        return np.zeros(rows.size)
    sales = model.st.revenue[rows]
    q = sales / sales.mean()
    a = C.TAKEOVER_UNDERPERFORMANCE
    w = (1.0 + a) / (1.0 + a * q)
    yearly = np.minimum(c * w / w.mean(), 1.0)
    return 1.0 - (1.0 - yearly) ** (1.0 / C.STEPS_PER_YEAR)


def bidders(model, row: int) -> tuple[np.ndarray, np.ndarray]:
    """Live incumbents of listed startup ``row``'s sector with larger sales, and whether each
    passes antitrust: its share of the sector's sales (live incumbents and operating startups)
    after the deal at most ``MERGER_SHARE_CAP``."""
    inc, st = model.inc, model.st
    sector, own = int(st.sector[row]), float(st.revenue[row])
    n = inc.n
    larger = (inc.view("alive") & (inc.sector[:n] == sector)
              & (inc.revenue[:n] > own)).nonzero()[0]
    a = inc.view("alive").nonzero()[0]
    s = live_rows(model)
    total = (float(inc.revenue[a][inc.sector[a] == sector].sum())
             + float(st.revenue[s][st.sector[s] == sector].sum()))
    share = ((inc.revenue[larger] + own) / total if total > 0
             else np.full(larger.size, np.inf))
    return larger, share <= C.MERGER_SHARE_CAP


def take_over(model, buyer: int, row: int) -> None:
    """Incumbent ``buyer`` takes over listed startup ``row`` (what moves: module docstring)."""
    inc, st = model.inc, model.st
    startup = model.startups.pop(row)
    sector = int(st.sector[row])
    own, theirs = float(inc.revenue[buyer]), float(st.revenue[row])
    pq = float(st.pq[row])
    held = float(st.held[row]) if st.disruptive[row] else -1.0
    reach = entry_reach(model, sector, theirs, pq, held)
    gap = pq - float(inc.pq[buyer])
    if gap > 0 and own + theirs > 0:
        inc.pq[buyer] += theirs / (own + theirs) * gap
    inc.reach[buyer] = math.log(math.exp(inc.reach[buyer]) + math.exp(reach))
    if held > 0:
        inc.held[buyer] = max(float(inc.held[buyer]), 0.0) + held
    st.held[row] = 0.0
    inc.demand[buyer] += theirs
    inc.revenue[buyer] += theirs
    inc.revenue0[buyer] += theirs * math.exp(
        -C.MARKET_GROWTH * float(model.steps - inc.entered[buyer]))
    inc.knowledge[buyer] += float(st.innovations[row])
    hb, hs = int(inc.headcount[buyer]), int(st.headcount[row])
    if hb + hs > 0:
        inc.productivity[buyer] = (inc.productivity[buyer] * hb + theirs) / (hb + hs)
    inc.headcount[buyer] += hs
    inc.cash[buyer] += float(st.cash[row])
    st.cash[row] = 0.0
    st.headcount[row] = 0
    st.revenue[row] = 0.0
    st.status[row] = C.DELISTED
    st.delist_step[row] = model.steps
    st.acquirer[row] = buyer
    model.positions_moved()
    model.stats["listed_taken_over"] += 1
    bid = int(inc.uid[buyer])
    model.event("listed_takeover", "Incumbent {} took over listed Startup {} ({:.0f} M a year)",
                bid, startup.unique_id, theirs * C.STEPS_PER_YEAR)
    if model.net.has_node(startup.unique_id):  # its ties carry to the buyer
        model.net.carry(startup.unique_id, bid)
        model.net.remove_node(startup.unique_id)
    startup.remove()


def step(model) -> None:
    """This quarter's delistings for cause, then takeovers, of listed startups, each in row
    order (module docstring)."""
    rng = model.rngs["listed"]
    rows = candidates(model)
    if rows.size == 0:
        return
    if model.p.listed_delisting_rate > 0:
        out = rng.random(rows.size) < cause_hazard(model, rows)
        for row in rows[out].tolist():
            delist(model, model.startups[row], reason="cause")
            model.stats["listed_delisted"] += 1
        rows = rows[~out]
    h = hazard(model)
    if h <= 0 or rows.size == 0:
        return
    hit = rows[rng.random(rows.size) < h]
    for row in hit.tolist():
        larger, ok = bidders(model, int(row))
        if larger.size == 0:
            continue
        if not ok.any():
            model.counts["listed_takeovers_blocked"] += 1
            continue
        cand = larger[ok]
        w = model.inc.revenue[cand]
        buyer = int(cand[min(int(np.searchsorted(np.cumsum(w), rng.random() * w.sum(),
                                                  side="right")), cand.size - 1)])
        take_over(model, buyer, int(row))


def summarise(model) -> dict[str, float]:
    """``listed_takeovers``: listed startups taken over after the burn-in."""
    st, n, burn_in = model.st, model.st.n, model.burn_in
    done = ((st.status[:n] == C.DELISTED) & (st.acquirer[:n] >= 0)
            & (st.delist_step[:n] > burn_in))
    return {"listed_takeovers": float(np.count_nonzero(done))}
