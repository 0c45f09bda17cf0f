"""Markets: products on quality ladders, demand shared by a logit rule, real output.

Every firm sells one product line with a log quality ``pq`` (startups and incumbents alike).
Innovations move ``pq`` up a quality ladder (Klette & Kortum 2004; Akcigit & Kerr 2018):

* an *incremental* innovation raises the innovator's own ``pq`` by ``quality_step``
  (incumbents' R&D, startups' own research, partnerships' joint work);
* a *radical* innovation (a disruptive startup's) leapfrogs its sector's frontier, the best
  incumbent product: ``pq`` becomes ``max(pq, frontier + radical_step)``, a new product
  generation (later innovations of the quarter are incremental).

A new startup's product starts at its sector's reference quality ``qref`` (it builds on the
state of the art).

Demand. Sector ``s`` spends ``S_s(t) = D(t) x base_s x exp(z_s(t))`` a quarter, where ``D(t) =
exp(MARKET_GROWTH t)`` is the nominal trend, ``base_s`` the sector's initial incumbent
sales and ``z_s`` its log share relative to the initial one, a mean-reverting random walk
renormalised so that ``sum_s S_s = D(t) sum_s base_s`` (:mod:`abm.mechanisms.sectors`). A share ``disruption_exposure`` of it is *contestable*; the rest is held by long-term
customer ties of the incumbents. With ``u_j = exp(reach_j + theta (pq_j - qref_s))`` for an
incumbent (``reach``: log base-unit reach; ``theta = quality_sensitivity``) and
``v_i = exp(lrev_i + theta (pq_i - qref_s))`` for a startup (``lrev``: its traction),

    qref_s      = (1/theta) log( sum_j exp(reach_j + theta pq_j) / sum_j exp(reach_j) )
    demand_j    = (1 - e) S_s held_j + e S_s (e S_s u_j / U_s) / V_s   (incumbents; U_s = sum_j u_j)
    demand_i    = (1 - e) S_s held_i + e S_s v_i / V_s                 (disruptive startups)
    V_s         = e S_s + sum_{disruptive i in s} v_i
    held_k     <- (1 - c) held_k + c pi_k,  pi_j = S_s (u_j / U_s) / W_s,  pi_i = v_i / W_s,
                  W_s = S_s + sum_{disruptive i in s} v_i,  c = CUSTOMER_SWITCH

so the incumbents' and disruptive startups' demands add up to ``S_s`` exactly (business
stealing moves sales; it destroys none). The held customers who re-choose do so among all the
sector's products, entrants' included (docs/ODD.md 7.18), so an entrant can in time hold any
share of them; a small startup wins about ``v_i`` of contestable demand (its traction times
its quality relative to the incumbents') plus its held share. Complementary startups do not take
incumbents' customers: they share a complement market ``M_s = COMPLEMENT_MARKET x S_s`` with
suppliers outside the model, ``demand_i = M_s v_i / (M_s + sum_{complementary i in s} v_i)``.

Production. Sales need people: a firm sells ``min(demand, capacity)``, capacity being
headcount times nominal revenue per worker (startups ``REVENUE_PER_HEAD``; incumbents their
``productivity``, which follows the nominal trend ``D``). Unserved demand is lost that quarter.

Real output. A firm's real (quality-adjusted) output is ``y = revenue x exp(pq) / D(t)``;
aggregate productivity is real output per employed worker, ``P = sum y / sum L``, and its
change each quarter after the burn-in is split exactly as in Foster, Haltiwanger & Krizan
(2001) into within, between, cross, entry and exit terms (:func:`decompose`).
"""

from __future__ import annotations

import math

import numpy as np

from .. import constants as C
from ..queries import trend  # markets.trend
from ..units import Mechanism

UNIT = Mechanism(
    name="markets", stream=None,
    outputs=("productivity_growth", "growth_within_incumbents_share",
             "growth_from_entrants_share", "growth_reallocation_share", "quality_gain_rd_share",
             "quality_gain_partnerships_share", "quality_gain_acquisitions_share",
             "quality_gain_startups_share", "quality_gain_diffusion_share",
             "frontier_distance_end", "incumbent_direction_shifts"),
    reads=("quality_step", "radical_step", "quality_sensitivity", "absorptive_capacity",
           "disruption_exposure", "ABSORPTION_SCALE", "COMPLEMENT_MARKET",
           "CUSTOMER_SWITCH", "DIFFUSION_RATE", "DIRECTION_PULL", "DIRECTION_SHIFT",
           "FIT_COMPLEMENTARY", "FIT_DISRUPTIVE", "FRONTIER_DAMPING", "MARKET_GROWTH",
           "WORLD_FRONTIER_GROWTH", "YOUNG_FIRM_QUARTERS"))
"""What this mechanism owns (:mod:`abm.units`)."""

READERS = ("trend", "sector_spending", "reference_quality", "real_output", "aggregate", "damp",
           "circular_gap")
"""Functions of this module that read the model and change nothing."""


class Market:
    """Per-sector market state (arrays of length ``n_sectors``).

    Attributes:
        base: base-unit demand of each sector (initial incumbent sales per quarter, M).
        tilt: each sector's log share of spending relative to its initial share (0 at the
            start; moved each quarter by :mod:`abm.mechanisms.sectors`, renormalised so that
            ``sum base exp(tilt) = sum base``).
        qref: reach-weighted CES mean quality of the sector's live incumbents (log).
        frontier: best live incumbent product of the sector (log), what radical leaps beat.
        world: the world technology frontier ``W`` (log quality), best practice anywhere: it
            grows by ``WORLD_FRONTIER_GROWTH`` a quarter (:func:`advance`).
        contest: ``V_s = e S_s + sum_i v_i`` of the last :func:`clear`, the weight over which
            the sector's contestable demand is shared (0 before the first clear); read by
            :func:`abm.mechanisms.incumbents.entry_reach`.
    """

    def __init__(self, n_sectors: int) -> None:
        self.base = np.zeros(n_sectors)
        self.tilt = np.zeros(n_sectors)
        self.qref = np.zeros(n_sectors)
        self.contest = np.zeros(n_sectors)
        self.frontier = np.zeros(n_sectors)
        self.world = 0.0


SOURCES = ("rd", "partnerships", "acquisitions", "startups", "diffusion")
"""Where firms' quality gains come from (:func:`credit`): incumbents' own R&D, joint work in
partnerships, acquired products integrated, startups' own research (radical leaps included),
adoption of the world frontier."""


class Growth:
    """Accumulated Foster-Haltiwanger-Krizan terms of productivity change after the burn-in.

    Attributes:
        within: continuing firms aged 5 years or more: their own productivity change.
        realloc: continuing firms aged 5 years or more: between + cross terms.
        entrants: firms under 5 years (all their terms), entry and exit terms.
        p_prev: aggregate productivity at the end of the previous quarter (0 before the first).
        y_prev, l_prev: real output and headcount of every firm at the end of the previous
            quarter (startup rows, then incumbent rows; ``n_prev`` startup rows then).
    """

    def __init__(self) -> None:
        self.within = 0.0
        self.realloc = 0.0
        self.entrants = 0.0
        self.p_prev = 0.0
        self.y_prev = np.zeros(0)
        self.l_prev = np.zeros(0)
        self.n_prev = 0
        self.y_total = 0.0
        self.sources = dict.fromkeys(SOURCES, 0.0)
        """Output-weighted quality gains by source after the burn-in: the sum over quarters of
        ``sum_i s_i dq_i`` (``s_i`` firm i's share of last quarter's real output, ``dq_i`` its
        log-quality gain from that source), :func:`credit`."""


def sector_spending(model) -> np.ndarray:
    """Each sector's spending this quarter, ``S_s(t) = D(t) base_s exp(tilt_s)`` (M): the
    shares move (:mod:`abm.mechanisms.sectors`), their total stays ``D(t) sum_s base_s``."""
    mk = model.market
    return trend(model) * mk.base * np.exp(mk.tilt)


def reference_quality(model, alive: np.ndarray) -> np.ndarray:
    """``qref_s`` over live incumbents ``alive`` (0 for a sector without incumbents)."""
    inc, k = model.inc, model.n_sectors
    theta = model.p.quality_sensitivity
    sec = inc.sector[alive]
    reach = inc.reach[alive]
    shift = reach.max() if reach.size else 0.0  # for numerical range only
    base = np.exp(reach - shift)
    num = np.bincount(sec, weights=base * np.exp(theta * inc.pq[alive]), minlength=k)[:k]
    den = np.bincount(sec, weights=base, minlength=k)[:k]
    out = np.zeros(k)
    ok = den > 0
    out[ok] = np.log(num[ok] / den[ok]) / theta
    return out


def damp(model, pq: np.ndarray) -> np.ndarray:
    """Share of a full ladder step an innovation gives a product of log quality ``pq``:
    ``exp(-max(pq - W, 0) / FRONTIER_DAMPING)`` (1 at or behind the world frontier ``W``)."""
    return np.exp(-np.maximum(np.asarray(pq, dtype=float) - model.market.world, 0.0)
                  / C.FRONTIER_DAMPING)


def circular_gap(a, b):
    """Signed shortest way from position ``a`` to ``b`` on the unit circle, in [-0.5, 0.5)."""
    return (np.asarray(b, dtype=float) - a + 0.5) % 1.0 - 0.5


def credit(model, table: str, rows, dq, source: str) -> None:
    """Book log-quality gains ``dq`` of firms ``rows`` of ``table`` ("st" or "inc") to
    ``source`` (:data:`SOURCES`), weighted by each firm's share of last quarter's real output
    (firms that did not produce then weigh 0). After the burn-in only; changes no firm."""
    g = model.growth
    if model.steps <= model.burn_in or g.y_total <= 0:
        return
    rows = np.atleast_1d(np.asarray(rows, dtype=np.int64))
    dq = np.broadcast_to(np.asarray(dq, dtype=float), rows.shape)
    idx = rows if table == "st" else g.n_prev + rows
    ok = (rows < g.n_prev) if table == "st" else (idx < g.y_prev.size)
    w = np.zeros(rows.size)
    w[ok] = g.y_prev[idx[ok]]
    g.sources[source] += float((w * dq).sum()) / g.y_total


def shift(model, rows: np.ndarray, move: np.ndarray) -> None:
    """Move incumbents ``rows`` by ``move`` along the technology circle; a move of at least
    ``DIRECTION_SHIFT`` after the burn-in is a change of direction (``inc.shifts``)."""
    inc = model.inc
    inc.tech[rows] = (inc.tech[rows] + move) % 1.0
    model.positions_moved()
    if model.steps > model.burn_in:
        inc.shifts[rows] += np.abs(move) >= C.DIRECTION_SHIFT


def advance(model) -> None:
    """The world frontier moves on by ``WORLD_FRONTIER_GROWTH``; every operating firm behind
    it adopts ``DIFFUSION_RATE`` of its distance (Nelson & Phelps 1966)."""
    from ..queries import live_rows

    mk, inc, st = model.market, model.inc, model.st
    mk.world += C.WORLD_FRONTIER_GROWTH
    for table, t, rows in (("inc", inc, inc.view("alive").nonzero()[0]),
                           ("st", st, live_rows(model))):
        d = C.DIFFUSION_RATE * np.maximum(mk.world - t.pq[rows], 0.0)
        credit(model, table, rows, d, "diffusion")
        t.pq[rows] += d


def clear(model, idx: np.ndarray, lrev: np.ndarray) -> np.ndarray:
    """Share every sector's demand; return the demand of the startups at rows ``idx`` (whose
    traction is ``lrev``) and store each live incumbent's demand in ``inc.demand``."""
    p, inc, st, mk = model.p, model.inc, model.st, model.market
    k, theta, e = model.n_sectors, p.quality_sensitivity, p.disruption_exposure
    alive = inc.view("alive").nonzero()[0]
    qref = reference_quality(model, alive)
    mk.qref = qref
    spend = sector_spending(model)
    sec_i = inc.sector[alive]
    u = np.exp(inc.reach[alive] + theta * (inc.pq[alive] - qref[sec_i]))
    U = np.bincount(sec_i, weights=u, minlength=k)[:k]
    ushare = np.divide(u, U[sec_i], out=np.zeros_like(u), where=U[sec_i] > 0)
    sec_s = st.sector[idx]
    v = np.exp(lrev + theta * (st.pq[idx] - qref[sec_s]))
    dis = st.disruptive[idx]
    vd = v * dis
    Vd = np.bincount(sec_s, weights=vd, minlength=k)[:k]
    # Held customers that re-choose (CUSTOMER_SWITCH
    # a quarter) do so among all the sector's products, disruptive startups' included, by a
    # sector-wide logit over quality-adjusted reach: an incumbent weighs its whole reach
    # (S u_j / U), a disruptive startup its traction v_i, so
    #     pi_j = S u_j / (U W),  pi_i = v_i / W,  W = S + sum_{disruptive i} v_i
    # (with no startups pi_j = ushare: today's rule). Every product then holds a share of the
    # held customers (st.held for startups); those an exit frees follow pi (docs/ODD.md 7.18,
    # docs/prototypes/displacement.md: Christensen's migration to the new generation)
    pool = spend
    W = pool + Vd
    pi_j = np.divide(pool[sec_i] * ushare, W[sec_i], out=np.zeros_like(u),
                     where=W[sec_i] > 0)
    pi_i = np.divide(vd, W[sec_s], out=np.zeros_like(v), where=W[sec_s] > 0)
    held = inc.held[alive]
    # an incumbent's first share (at the start, or a new incumbent's) is its share among the
    # incumbents (ushare), and it re-chooses from there
    held = (1.0 - C.CUSTOMER_SWITCH) * np.where(held < 0, ushare, held) \
        + C.CUSTOMER_SWITCH * pi_j
    held_s = np.where(dis, (1.0 - C.CUSTOMER_SWITCH) * st.held[idx] + C.CUSTOMER_SWITCH * pi_i,
                      0.0)
    tot = (np.bincount(sec_i, weights=held, minlength=k)[:k]
           + np.bincount(sec_s, weights=held_s, minlength=k)[:k])
    fill = np.maximum(1.0 - tot, 0.0)
    norm = np.where(tot > 1.0, tot, 1.0)
    held = (held + fill[sec_i] * pi_j) / norm[sec_i]
    held_s = (held_s + fill[sec_s] * pi_i) / norm[sec_s]
    inc.held[alive] = held
    st.held[idx] = held_s
    V = e * spend + Vd
    mk.contest = V
    contest = e * spend[sec_i] * (e * spend[sec_i] * ushare)
    inc.demand[alive] = (1.0 - e) * spend[sec_i] * held + np.divide(
        contest, V[sec_i], out=np.zeros_like(contest), where=V[sec_i] > 0)
    # what it would have had with no entrant in its market, neither a disruptive startup
    # contesting its customers nor an incumbent grown from a startup (the others' shares
    # spread over the established firms as the logit would): the attribution of a
    # displacement (incumbents.exit_incumbent); recorded only, no rule reads it
    new = inc.from_startup[alive]
    u_new = np.bincount(sec_i, weights=u * new, minlength=k)[:k][sec_i] - u * new
    h_new = (np.bincount(sec_i, weights=held * new, minlength=k)[:k][sec_i] - held * new
             + np.bincount(sec_s, weights=held_s, minlength=k)[:k][sec_i])
    inc.demand_without_entrants[alive] = spend[sec_i] * (
        (1.0 - e) * held / np.maximum(1.0 - h_new, 1e-12)
        + e * u / np.maximum(U[sec_i] - u_new, 1e-300))
    M = C.COMPLEMENT_MARKET * spend
    Vc = M + np.bincount(sec_s, weights=v * ~dis, minlength=k)[:k]
    demand = np.where(dis, (1.0 - e) * spend[sec_s] * held_s
                      + e * spend[sec_s] * v / np.where(V[sec_s] > 0, V[sec_s], 1.0),
                      M[sec_s] * v / np.where(Vc[sec_s] > 0, Vc[sec_s], 1.0))
    # the frontier a radical innovation leapfrogs: the sector's best incumbent product (a
    # new generation is measured against the established state of the art, so entrants do
    # not ratchet each other up: the frontier rises with incumbents' R&D and with what they
    # absorb from startups through partnerships and acquisitions)
    front = np.full(k, -np.inf)
    np.maximum.at(front, sec_i, inc.pq[alive])
    mk.frontier = np.where(np.isfinite(front), front, qref)
    return demand


def absorptive_capacity(model, buyer: int, row: int) -> float:
    """What share of a better product's quality the buyer can take in (Cohen & Levinthal
    1990): ``1 - w + w x (1 - exp(-stock / ABSORPTION_SCALE)) x fit``, ``w =
    absorptive_capacity`` (the parameter), ``stock`` the buyer's innovation count and ``fit``
    ``FIT_COMPLEMENTARY`` or ``FIT_DISRUPTIVE`` by the startup's technology."""
    inc, st = model.inc, model.st
    w = model.p.absorptive_capacity
    fit = C.FIT_DISRUPTIVE if st.disruptive[row] else C.FIT_COMPLEMENTARY
    own = 1.0 - math.exp(-float(inc.innovations[buyer]) / C.ABSORPTION_SCALE)
    return 1.0 - w + w * own * fit


def absorb(model, buyer: int, row: int) -> None:
    """Incumbent ``buyer`` integrates startup ``row``'s product line: its reach grows by the
    startup's sales (base units) and, when the startup's product is better, its quality moves
    towards it by the sales-weighted share times its absorptive capacity."""
    inc, st = model.inc, model.st
    d = trend(model)
    own = float(inc.revenue[buyer])
    theirs = float(st.revenue[row])
    if theirs <= 0:
        return
    gap = float(st.pq[row] - inc.pq[buyer])
    if gap > 0 and own + theirs > 0:
        dq = theirs / (own + theirs) * gap * absorptive_capacity(model, buyer, row)
        credit(model, "inc", buyer, dq, "acquisitions")
        inc.pq[buyer] += dq
    inc.reach[buyer] = math.log(math.exp(inc.reach[buyer]) + theirs / d)
    # the team and its technology pull the buyer's direction as one absorbed innovation
    rows = np.array([buyer])
    shift(model, rows, C.DIRECTION_PULL * circular_gap(inc.tech[rows], st.tech[row]))


def innovate(model, rows: np.ndarray, new: np.ndarray, radical: np.ndarray | None = None,
             table: str = "st") -> None:
    """Move firms ``rows`` of ``table`` up the ladder by ``new`` innovations each, each step
    times :func:`damp`; where ``radical`` is true the first of them leapfrogs the sector's
    frontier by ``radical_step`` (times :func:`damp` of the frontier)."""
    p = model.p
    t = model.st if table == "st" else model.inc
    source = "startups" if table == "st" else "rd"
    pq = t.pq[rows]
    if radical is None:
        dq = p.quality_step * new * damp(model, pq)
    else:
        leap = radical & (new > 0)
        front = model.market.frontier[t.sector[rows]]
        after = np.where(leap, np.maximum(pq, front + p.radical_step * damp(model, front)), pq)
        dq = after - pq + p.quality_step * np.where(leap, new - 1, new) * damp(model, after)
    credit(model, table, rows, dq, source)
    t.pq[rows] = pq + dq


def real_output(model) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Real output and headcount of every startup row and every incumbent row (0 for firms
    that do not operate)."""
    from ..queries import live_rows

    st, inc = model.st, model.inc
    d = trend(model)
    y_s = np.zeros(st.n)
    l_s = np.zeros(st.n)
    live = live_rows(model)
    y_s[live] = st.revenue[live] * np.exp(st.pq[live]) / d
    l_s[live] = st.headcount[live]
    y_i = np.zeros(inc.n)
    l_i = np.zeros(inc.n)
    alive = inc.view("alive").nonzero()[0]
    y_i[alive] = inc.revenue[alive] * np.exp(inc.pq[alive]) / d
    l_i[alive] = inc.headcount[alive]
    return y_s, l_s, y_i, l_i


def aggregate(m) -> tuple[np.ndarray, np.ndarray, float, float]:
    """Per-firm real output and headcount of model ``m`` (startup rows, then incumbent rows;
    output 0 for a firm without staff), total headcount ``L`` and productivity ``P = sum y /
    L``. A reader, not a mechanism: it changes nothing (so its argument is not ``model``, and
    the mechanism tests' invariant fixture does not count it as a mechanism call)."""
    y_s, l_s, y_i, l_i = real_output(m)
    y = np.concatenate([y_s, y_i])
    l = np.concatenate([l_s, l_i])
    y[l <= 0] = 0.0
    L = float(l.sum())
    return y, l, L, float(y.sum()) / L if L > 0 else 0.0


def decompose(model) -> float:
    """Aggregate productivity now; after the burn-in, add this quarter's FHK terms to
    ``model.growth``. Firms are identified by table and row; a firm with no staff does not
    count (its entry or exit is when its headcount turns positive or zero)."""
    st, inc, g = model.st, model.inc, model.growth
    y, l, L, P = aggregate(model)
    if model.steps > model.burn_in and g.p_prev > 0 and L > 0:
        y0, l0 = _aligned(g.y_prev, g.n_prev, st.n, inc.n), _aligned(g.l_prev, g.n_prev, st.n,
                                                                      inc.n)
        L0 = float(l0.sum())
        P0 = g.p_prev
        th0 = l0 / L0
        th1 = l / L
        p0 = np.divide(y0, l0, out=np.zeros_like(y0), where=l0 > 0)
        p1 = np.divide(y, l, out=np.zeros_like(y), where=l > 0)
        cont = (l0 > 0) & (l > 0)
        within = np.where(cont, th0 * (p1 - p0), 0.0)
        between = np.where(cont, (th1 - th0) * (p0 - P0), 0.0)
        cross = np.where(cont, (th1 - th0) * (p1 - p0), 0.0)
        entry = np.where((l0 <= 0) & (l > 0), th1 * (p1 - P0), 0.0)
        exit_ = np.where((l0 > 0) & (l <= 0), -th0 * (p0 - P0), 0.0)
        old = np.concatenate([np.zeros(st.n, dtype=bool),
                              model.steps - inc.entered[: inc.n] >= C.YOUNG_FIRM_QUARTERS])
        g.within += float(within[old].sum())
        g.realloc += float((between + cross)[old].sum())
        g.entrants += float((within + between + cross)[~old].sum() + entry.sum()
                            + exit_.sum())
    g.y_prev, g.l_prev, g.n_prev = y, l, st.n
    g.y_total = float(y.sum())
    g.p_prev = P
    return P


def _aligned(prev: np.ndarray, n_prev: int, n_st: int, n_inc: int) -> np.ndarray:
    """Last quarter's per-firm array laid out on this quarter's rows (new rows: 0)."""
    out = np.zeros(n_st + n_inc)
    out[:n_prev] = prev[:n_prev]
    k = prev.size - n_prev
    out[n_st:n_st + k] = prev[n_prev:]
    return out
