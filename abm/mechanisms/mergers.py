"""Mergers: incumbents acquired by larger incumbents of their sector (docs/ODD.md 7.24).

Most exits from lists of the largest firms are acquisitions, not decline (S&P 500 removals of
2013: 10 of 17 acquisitions, mergers, buyouts or splits; docs/data.md). Each quarter every live
incumbent ``i`` with sales is a takeover target with probability

    h_i = 1 - (1 - min(r w_i, 1))^(1/4),   w_i = (1 + a) / (1 + a q_i),
    q_i = x_i / mean_{j in sector} x_j,    x_i = R_i / (R0_i D(t) / D(t_i^entry))

``r`` the preset's ``incumbent_takeover_rate`` (a year, for a firm performing like its sector's
mean), ``a = TAKEOVER_UNDERPERFORMANCE``, ``x_i`` its revenue relative to its revenue of entry
in this quarter's money (the ratio the displacement floor reads): the market for corporate
control buys underperformers (Manne 1965; Jensen 1988; Palepu 1986). The hazard is per firm,
so it does not change with ``scale``.

A hit target is bought by a live incumbent of its sector with larger sales, drawn with
probability proportional to its sales, among those that pass antitrust: the buyer's share of
the sector's sales (incumbents and operating startups, as the ``hhi`` series) after the deal,
``(R_b + R_i) / S_s``, must not exceed ``MERGER_SHARE_CAP`` (2023 US Merger Guidelines). When
larger incumbents exist but none passes, the deal is blocked (an event and a count); when no
incumbent of the sector is larger there is no bidder.

The deal is a share exchange: no money leaves the ecosystem. The buyer takes the target's

* held (tied) customers ``held``, this quarter's demand and sales (the next clearing shares
  the sector's demand among the remaining firms, held shares again summing to 1),
* reach (brand and distribution add in base units: ``exp(reach_b) + exp(reach_i)``),
* product: when the target's product is better, the buyer's quality moves to the sales-weighted
  mean of the two ladders' positions, ``pq_b + R_i / (R_b + R_i) max(pq_i - pq_b, 0)`` (the
  quality ladder stays where the firms had climbed it: nobody jumps above the better product),
* knowledge stock (adds; the innovation rate reads it through ``log(1 + K/10)``, so it
  saturates) and R&D capability (the larger of the two),
* staff and cash (all of them; :func:`abm.mechanisms.labor.step` then lays off the staff the
  merged demand does not need, as for any incumbent), with a headcount-weighted productivity so
  the merged capacity is the sum,
* revenue of entry, so the merged firm's displacement floor is the sum of the two floors,
* network ties (carried to the buyer, as a graduating startup keeps its ties).

The target's partnerships with startups end and its CVC fund winds down (a fund's parent is no
longer alive), as at displacement; it leaves the live agents, kept in ``model.incumbents`` with
``acquirer`` set to the buyer's row.
"""

from __future__ import annotations

import math

import numpy as np

from .. import constants as C
from ..queries import live_rows, sector_mean
from ..units import Mechanism

UNIT = Mechanism(
    name="mergers", stream="mergers",
    outputs=("incumbents_acquired",),
    reads=("incumbent_takeover_rate", "ACTIVE", "MARKET_GROWTH", "MERGER_SHARE_CAP",
           "STEPS_PER_YEAR", "TAKEOVER_UNDERPERFORMANCE"))
"""What this mechanism owns (:mod:`abm.units`)."""


def hazard(model, rows: np.ndarray) -> np.ndarray:
    """Quarterly takeover probability of the live incumbents ``rows`` (module docstring)."""
    inc, rate = model.inc, model.p.incumbent_takeover_rate
    if rows.size == 0 or rate <= 0:
        return np.zeros(rows.size)
    real0 = inc.revenue0[rows] * np.exp(C.MARKET_GROWTH * (model.steps - inc.entered[rows]))
    x = inc.revenue[rows] / np.maximum(real0, 1e-12)
    mean = sector_mean(model, x, rows)[inc.sector[rows]]
    q = np.divide(x, mean, out=np.ones_like(x), where=mean > 0)
    a = C.TAKEOVER_UNDERPERFORMANCE
    yearly = np.minimum(rate * (1.0 + a) / (1.0 + a * q), 1.0)
    return 1.0 - (1.0 - yearly) ** (1.0 / C.STEPS_PER_YEAR)


def sector_sales(model) -> np.ndarray:
    """Each sector's sales this quarter: live incumbents and operating startups (the shares the
    ``hhi`` series squares)."""
    inc, st, k = model.inc, model.st, model.n_sectors
    a = inc.view("alive").nonzero()[0]
    s = live_rows(model)
    return (np.bincount(inc.sector[a], weights=inc.revenue[a], minlength=k)[:k]
            + np.bincount(st.sector[s], weights=st.revenue[s], minlength=k)[:k])


def bidders(model, target: int, sales: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Live incumbents of ``target``'s sector with larger sales (the possible buyers), and
    whether each passes antitrust: its share of the sector's ``sales`` after the deal at most
    ``MERGER_SHARE_CAP``."""
    inc = model.inc
    alive = inc.view("alive")
    n = inc.n
    sector = inc.sector[target]
    rev = inc.revenue[:n]
    larger = (alive & (inc.sector[:n] == sector) & (rev > rev[target])).nonzero()[0]
    total = float(sales[sector])
    share = (rev[larger] + rev[target]) / total if total > 0 else np.full(larger.size, np.inf)
    return larger, share <= C.MERGER_SHARE_CAP


def merge(model, buyer: int, target: int) -> None:
    """Incumbent ``buyer`` acquires incumbent ``target`` (what moves: module docstring)."""
    inc, st = model.inc, model.st
    own, theirs = float(inc.revenue[buyer]), float(inc.revenue[target])
    # product: the buyer's quality moves towards a better target product, weighted by sales
    gap = float(inc.pq[target] - inc.pq[buyer])
    if gap > 0 and own + theirs > 0:
        inc.pq[buyer] += theirs / (own + theirs) * gap
    inc.reach[buyer] = math.log(math.exp(inc.reach[buyer]) + math.exp(inc.reach[target]))
    if inc.held[target] >= 0:
        inc.held[buyer] = max(float(inc.held[buyer]), 0.0) + float(inc.held[target])
    inc.held[target] = 0.0
    for col in ("demand", "demand_without_entrants", "revenue"):
        getattr(inc, col)[buyer] += getattr(inc, col)[target]
        getattr(inc, col)[target] = 0.0
    # the merged firm's displacement floor is the sum of the two (revenue of entry in the
    # buyer's entry money)
    inc.revenue0[buyer] += inc.revenue0[target] * math.exp(
        C.MARKET_GROWTH * float(inc.entered[buyer] - inc.entered[target]))
    inc.knowledge[buyer] += inc.knowledge[target]
    inc.rd[buyer] = max(float(inc.rd[buyer]), float(inc.rd[target]))
    # staff and capacity: the merged capacity is the sum of the two
    hb, ht = int(inc.headcount[buyer]), int(inc.headcount[target])
    if hb + ht > 0:
        inc.productivity[buyer] = ((inc.productivity[buyer] * hb + inc.productivity[target] * ht)
                                   / (hb + ht))
    inc.headcount[buyer] += ht
    inc.headcount[target] = 0
    inc.cash[buyer] += inc.cash[target]
    inc.cash[target] = 0.0
    # the target leaves the market: as at displacement (incumbents.exit_incumbent), without
    # releasing staff or paying out cash, which moved to the buyer
    inc.alive[target] = False
    inc.acquirer[target] = buyer
    inc.exit_step[target] = model.steps
    model.positions_moved()
    n = st.n
    ended = ((st.partner[:n] == target) & (st.status[:n] == C.ACTIVE)).nonzero()[0]
    st.partner[ended] = -1
    agent = model.incumbents[target]
    bid, tid = int(inc.uid[buyer]), agent.unique_id
    model.counts["incumbents_acquired"] += 1
    model.event("incumbent_acquired", "Incumbent {} acquired Incumbent {} ({:.0f} M a year)",
                bid, tid, theirs * C.STEPS_PER_YEAR)
    if model.net.has_node(tid):  # its ties carry to the buyer
        model.net.carry(tid, bid)
        model.net.remove_node(tid)
    model.retire(agent)  # out of the live agents, kept in model.incumbents


def step(model) -> None:
    """This quarter's takeovers of incumbents, in row order (module docstring)."""
    inc, rng = model.inc, model.rngs["mergers"]
    rows = (inc.view("alive") & (inc.view("revenue") > 0)).nonzero()[0]
    if rows.size < 2 or model.p.incumbent_takeover_rate <= 0:
        return
    hit = rows[rng.random(rows.size) < hazard(model, rows)]
    for target in hit.tolist():
        if not inc.alive[target]:  # (defensive: a target is never a buyer's target twice)
            continue
        sales = sector_sales(model)
        larger, ok = bidders(model, target, sales)
        if larger.size == 0:
            continue
        if not ok.any():
            model.counts["mergers_blocked"] += 1
            model.event("merger_blocked", "Antitrust blocked a bid for Incumbent {}",
                        int(inc.uid[target]))
            continue
        cand = larger[ok]
        w = inc.revenue[cand]
        buyer = int(cand[min(int(np.searchsorted(np.cumsum(w), rng.random() * w.sum(),
                                                  side="right")), cand.size - 1)])
        merge(model, buyer, int(target))
