"""Shared look-ups that several mechanisms read (so that no mechanism imports another for them).

Each is a pure read of the model's state: no draws, no writes. A mechanism module imports what
it needs from here, never from another mechanism (tests/test_mechanism_contract.py parses every
module of abm/mechanisms/ and fails on such an import; docs/extending.md). Shared *actions*,
which change the state (moving workers, sharing demand, climbing the quality ladder), live in
the small modules of :data:`abm.units.ACTIONS`, which build on these look-ups.

Some modules that used to hold a look-up keep its name as an import from here
(``operations.live_rows``, ``maturity.effective``, ``labor.workforce``...);
the look-ups moved here later (the labour market's ``movable``, the markets' ``damp`` or
``sector_spending``, the small firms' ``stocks``...) are imported from here by every caller.
"""

from __future__ import annotations

import math

import numpy as np

from . import constants as C


def fund_status(model, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For the funds at ``rows`` of ``model.fund_table``: whether each is a corporate fund,
    its age in steps and whether its parent is alive (a corporate fund's parent)."""
    fixed = model.fund_table
    parent = fixed.parent[rows]
    return (fixed.corporate[rows], model.steps - fixed.vintage[rows],
            (parent >= 0) & model.inc.alive[np.maximum(parent, 0)])


def investing_funds(model) -> list:
    """The live funds that may make new investments now (:func:`~abm.agents.fund_may_invest`),
    in :meth:`~abm.model.EcosystemModel.live_funds` order."""
    from .agents import fund_may_invest

    live = model.live_funds()
    if not live:
        return []
    ok = fund_may_invest(*fund_status(model, model.live_fund_rows()))
    return [live[i] for i in ok.nonzero()[0].tolist()]


def live_rows(model) -> np.ndarray:
    """Rows of startups that operate: active, or listed and not yet an incumbent."""
    st = model.st
    n = st.n
    status = st.status[:n]
    return ((status == C.ACTIVE) | ((status == C.PUBLIC) & ~st.graduated[:n])).nonzero()[0]


def startup_headcount(model) -> int:
    """People working in active or listed (not yet incumbent) startups."""
    st = model.st
    n = st.n
    live = (st.status[:n] == C.ACTIVE) | ((st.status[:n] == C.PUBLIC) & ~st.graduated[:n])
    return int(st.headcount[:n][live].sum())


def workforce(model) -> int:
    """Everyone in the model: incumbents, startups and the idle pool."""
    rows = model.inc.view("alive").nonzero()[0]
    return int(model.inc.headcount[rows].sum()) + startup_headcount(model) + model.idle


def trend(model) -> float:
    """Nominal trend ``D(t) = exp(MARKET_GROWTH x t)`` at the current step."""
    return math.exp(C.MARKET_GROWTH * model.steps)


def calendar_year(model, step: int | None = None) -> int:
    """Calendar year of ``step`` (default: now): ``start_year + (step - 1) // 4``."""
    step = model.steps if step is None else step
    return model.p.start_year + (step - 1) // C.STEPS_PER_YEAR


def effective(model, name: str) -> float:
    """The effective value of a matured parameter: the preset's value moved by its loop
    (:mod:`abm.mechanisms.maturity`)."""
    p, m = model.p, model.maturity
    if name == "job_mobility":
        return min(1.0, p.job_mobility * math.exp(p.loop_labor * m.experience_index))
    if name == "spinout_rate":
        return p.spinout_rate * math.exp(p.loop_labor * m.experience_index)
    if name == "lifetime_employment_share":
        return p.lifetime_employment_share * math.exp(-p.loop_labor * m.experience_index)
    if name == "tech_transfer":
        return p.tech_transfer + (1.0 - p.tech_transfer) * m.ties
    if name == "uni_spinoff_rate":
        return p.uni_spinoff_rate * (1.0 + m.ties)
    if name == "founding_legitimacy":
        b, v = p.founding_legitimacy, p.loop_norms * m.norms
        return b + v * ((1.0 - b) if v > 0 else b)
    if name == "service_cost":
        return p.service_cost * (1.0 - p.loop_support * m.support)
    if name == "accelerator_strength":
        a = p.accelerator_strength
        return a + (1.0 - a) * p.loop_support * m.support
    raise KeyError(f"no matured parameter {name!r}")


def unit_cost(model) -> float:
    """Cost of one person for one quarter including support services (M; wages follow the
    nominal trend ``D(t)`` as prices do)."""
    return C.COST_PER_HEAD * (1.0 + effective(model, "service_cost")) * trend(model)


def sector_mean(model, values: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Mean of ``values`` (one per incumbent row in ``rows``) by sector, 0 where a sector has
    none."""
    k = model.n_sectors
    sectors = model.inc.sector[rows]
    total = np.bincount(sectors, weights=values, minlength=k)[:k]
    count = np.bincount(sectors, minlength=k)[:k]
    return np.divide(total, count, out=np.zeros(k), where=count > 0)


def mark(model, row: int) -> float:
    """Value of 100% of private startup ``row``: last post-money moved with traction since,
    ``valuation x exp(MARK_TRACTION x (lrev - lrev_at_round))``."""
    st = model.st
    return mark_of(float(st.valuation[row]), float(st.lrev[row]), float(st.lrev_at_round[row]))


def mark_of(valuation: float, lrev: float, lrev_at_round: float) -> float:
    """:func:`mark` from the startup's ``valuation``, ``lrev`` and ``lrev_at_round``."""
    return valuation * math.exp(C.MARK_TRACTION * (lrev - lrev_at_round))


# -- the labour market (abm.mechanisms.labor's rules) -----------------------------------------
def lifetime_share(model) -> float:
    """Effective lifetime-employment share after any labour reform."""
    return effective(model, "lifetime_employment_share") * (
        1.0 - model.ministry.instrument("labor_reform"))


def movable(model) -> tuple[np.ndarray, np.ndarray]:
    """Rows of live incumbents and their movable headcount."""
    inc = model.inc
    rows = inc.view("alive").nonzero()[0]
    return rows, inc.headcount[rows] * (1.0 - lifetime_share(model))


# -- markets and products (abm.mechanisms.markets's rules) ------------------------------------
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


def real_output(model) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Real output and headcount of every startup row and every incumbent row (0 for firms
    that do not operate)."""
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


# -- small firms (abm.mechanisms.smallfirms's readers; used by observe and the metrics) -------
def sales_per_worker(now: int) -> float:
    """Quarterly sales per small-firm worker (M) at step ``now``."""
    return C.SMALLFIRM_PRODUCTIVITY_GAP * C.INCUMBENT_PRODUCTIVITY * math.exp(
        C.MARKET_GROWTH * now)


def sales(model) -> np.ndarray:
    """Quarterly sales per small-firm row (M; weight them by ``model.small.weight``)."""
    return model.small.emp * sales_per_worker(model.steps)


def value_added(model) -> float:
    """Quarterly value added of every firm: ``VALUE_ADDED_SHARE x`` the sales of incumbents,
    operating startups and small firms (M)."""

    inc, st, sf = model.inc, model.st, model.small
    alive = inc.view("alive")
    total = float(inc.view("revenue")[alive].sum()) + float(st.revenue[live_rows(model)].sum())
    total += float(sales(model).sum()) * sf.weight
    return C.VALUE_ADDED_SHARE * total


def all_firms(model) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every live firm now: (employment, quarterly sales, weight), incumbents and operating
    startups first (weight 1), then the small-firm rows (weight ``model.small.weight``)."""

    inc, st, sf = model.inc, model.st, model.small
    a = inc.view("alive").nonzero()[0]
    s = live_rows(model)
    emp = np.concatenate([inc.headcount[a].astype(float), st.headcount[s].astype(float),
                          sf.emp])
    sal = np.concatenate([inc.revenue[a].astype(float), st.revenue[s].astype(float),
                          sales(model)])
    w = np.concatenate([np.ones(a.size + s.size), np.full(sf.n, sf.weight)])
    return emp, sal, w


def stocks(model) -> dict[str, float]:
    """The small-firm and all-firm stocks the time series record (no side effect)."""

    sf, inc = model.small, model.inc
    modelled = float(np.count_nonzero(inc.view("alive"))) + float(live_rows(model).size)
    return {"small_firms": sf.count(), "small_firm_employment": sf.employment(),
            "all_firms": sf.count() + modelled, "value_added": value_added(model)}


def listed_value(model, row: int, listing_post: float, listing_annual: float) -> float:
    """Market value of 100% of listed startup ``row``: the listing post-money moved with
    annual revenue since (the multiple of revenue it listed at); 0 once delisted."""
    st = model.st
    if st.status[row] == C.DELISTED:
        return 0.0
    if listing_annual <= 0:
        return listing_post
    return float(listing_post * C.STEPS_PER_YEAR * st.revenue[row] / listing_annual)


def position_value(model, fund, row: int) -> float:
    """Mark of ``fund``'s position in startup ``row`` (gross)."""
    info = fund.locked.get(row)
    if info is not None:
        return info[1] * listed_value(model, row, info[2], info[3])
    if model.st.status[row] == C.ACTIVE and row in model.startups:
        return model.startups[row].cap_table.get(fund.unique_id, 0.0) * mark(model, row)
    return 0.0


def entry_reach(model, sector: int, revenue: float, pq: float, held: float = -1.0) -> float:
    """Log reach of a new incumbent of ``sector`` selling ``revenue`` a quarter with quality
    ``pq``, chosen so that its demand as an incumbent (:func:`abm.demand.clear`) starts at its
    sales as a startup. Its logit share among the sector's live incumbents is ``x = u / (U +
    u)`` (``u = exp(reach + theta (pq - qref))``, ``U`` the others' sum); its demand is
    ``(1 - e) S h + e S (e S / V') x`` with ``e = disruption_exposure``, ``S`` the sector's
    spending, ``h`` its share of the sector's tied customers (``held`` that a disruptive
    startup brings; without, ``held < 0``, its first share is ``x``) and ``V'`` the contest
    weight ``V`` of the last clear (``abm.mechanisms.markets.Market.contest``) without its own
    traction as a disruptive startup (``v = c V / (e S)``, ``c = revenue - (1 - e) S h`` its
    contestable sales). Solved for ``x``, kept in [revenue / (4 S), 1/2]; ``reach = log(U x / (1 - x)) -
    theta (pq - qref)``. (Setting ``u = revenue / D``, as before, assumed ``U`` equal to the
    sector's base spending and ``V = e S``, and a new incumbent lost about a third of its
    sales in its first quarter, docs/ODD.md 7.9.)"""
    inc, theta, e = model.inc, model.p.quality_sensitivity, model.p.disruption_exposure
    qref = float(model.market.qref[sector])
    rows = (inc.view("alive") & (inc.view("sector") == sector)).nonzero()[0]
    others = float(np.exp(inc.reach[rows] + theta * (inc.pq[rows] - qref)).sum())
    spend = float(sector_spending(model)[sector])
    if others <= 0 or spend <= 0 or revenue <= 0:
        return math.log(max(revenue, 1e-9)) - C.MARKET_GROWTH * model.steps \
            + theta * (qref - pq)
    es = e * spend
    V = max(float(model.market.contest[sector]), es)
    if held >= 0 and es > 0:  # a disruptive startup: its traction leaves V
        c = max(revenue - (1.0 - e) * spend * held, 0.0)
        V_own = max(V - c * V / es, es)
        x = c / (es * es / V_own) if c > 0 else 0.0
    else:
        x = revenue / (spend * ((1.0 - e) + e * es / V))
    x = min(max(x, revenue / spend / 4.0), 0.5)
    return math.log(others * x / (1.0 - x)) + theta * (qref - pq)
