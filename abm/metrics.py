"""Summary metrics: pure functions of a model (docs/DESIGN.md section 5).

Unless a name says otherwise, a metric covers the run after the burn-in: steps
``model.burn_in + 1`` to the end (Mesa numbers steps from 1; an event stamped with step
``t`` happened during the ``t``-th step). The burn-in is a run setting,
``EcosystemModel(burn_in=N)``, by default ``abm.constants.BURN_IN``; it changes what is
measured, never the simulated path.
Every value is a finite float; where a metric has no observations (e.g. no IPO happened) it is
0.0, and the companion count (``exits_ipo``...) tells the reader so. Definitions are in
docs/ODD.md, section 5.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats as sps

from . import constants as C
from .mechanisms.innovation import SNAPSHOT_EVERY
from .mechanisms.observe import hhi_by_sector
from .outputs import OUTPUTS, summary_names
from .queries import all_firms, live_rows, real_output, startup_headcount, value_added

SUMMARY_KEYS: tuple[str, ...] = summary_names(required=True)
"""The keys docs/DESIGN.md requires (other code relies on these names), declared in
:data:`abm.outputs.OUTPUTS`."""

EXTRA_KEYS: tuple[str, ...] = summary_names(required=False)
"""The other summary keys, declared in :data:`abm.outputs.OUTPUTS`."""

SURVIVAL_HORIZON = 5 * C.STEPS_PER_YEAR
"""Steps a startup of the ``survival_5y`` cohort is followed (five years)."""

def min_steps(burn_in: int = C.BURN_IN) -> dict[str, int]:
    """Summary metrics that need more steps than the burn-in plus one to have any observation
    (every metric after the burn-in needs at least ``burn_in + 1``; see :func:`too_short`),
    each with the fewest steps it needs after a burn-in of ``burn_in`` quarters.

    >>> min_steps(140)["survival_5y"]
    161
    """
    return {
        # a cohort founded after the burn-in and followed five years before the end
        "survival_5y": burn_in + SURVIVAL_HORIZON + 1,
        # a snapshot of the innovators strictly between the burn-in's end and the last step
        "innovator_rank_correlation": (burn_in // SNAPSHOT_EVERY + 1) * SNAPSHOT_EVERY + 1,
        "new_innovator_share": (burn_in // SNAPSHOT_EVERY + 1) * SNAPSHOT_EVERY + 1,
    }


MIN_STEPS: dict[str, int] = min_steps(C.BURN_IN)
""":func:`min_steps` at the default burn-in (``abm.constants.BURN_IN``)."""


def too_short(steps: int, burn_in: int = C.BURN_IN) -> dict[str, int]:
    """The summary metrics a run of ``steps`` steps is too short to measure after a burn-in
    of ``burn_in`` quarters, each with the fewest steps it needs: every after-burn-in metric
    when ``steps <= burn_in``, then those of :func:`min_steps`. Their value is then 0 (or the
    0.0 of an empty ratio), not a finding.

    >>> too_short(40)
    {'survival_5y': 41}
    >>> len(too_short(20)) == sum(1 for o in OUTPUTS.values() if o.summary and o.burn_in)
    True
    >>> too_short(160, burn_in=140)
    {'survival_5y': 161}
    """
    need = {n: burn_in + 1 for n, o in OUTPUTS.items() if o.summary and o.burn_in}
    need.update(min_steps(burn_in))
    return {n: k for n, k in need.items() if steps < k}


def _ratio(a: float, b: float) -> float:
    return float(a / b) if b else 0.0


def _median(x: np.ndarray) -> float:
    return float(np.median(x)) if x.size else 0.0


def hill_tail_exponent(sizes: np.ndarray, tail: float = 0.1, k_min: int = 10) -> float:
    """Hill estimator of the Pareto tail exponent over the largest ``tail`` share of sizes."""
    x = np.sort(np.asarray(sizes, dtype=float)[np.asarray(sizes) > 0])[::-1]
    k = max(k_min, int(tail * x.size))
    if x.size <= k:
        return 0.0
    logs = np.log(x[:k]) - math.log(x[k])
    m = logs.mean()
    return float(1.0 / m) if m > 0 else 0.0


def weighted_hill_tail_exponent(sizes: np.ndarray, weights: np.ndarray, tail: float = 0.1,
                                min_weight: float = 10.0) -> float:
    """Hill estimator of the Pareto tail exponent over the largest ``tail`` share of firms,
    each size counted ``weight`` times (rows of the small-firm arrays stand for many firms):
    ``1 / mean(log(x / x_k))`` over the firms above ``x_k``, the size at which the weight
    above reaches ``tail`` of the total; 0 with less than ``min_weight`` firms above."""
    x = np.asarray(sizes, dtype=float)
    w = np.asarray(weights, dtype=float)
    keep = (x > 0) & (w > 0)
    x, w = x[keep], w[keep]
    if x.size < 2:
        return 0.0
    order = np.argsort(-x, kind="stable")
    x, w = x[order], w[order]
    cum = np.cumsum(w)
    k = int(np.searchsorted(cum, max(tail * cum[-1], min_weight)))
    if k >= x.size:
        return 0.0
    above = x > x[k]
    if w[above].sum() < min_weight:
        return 0.0
    m = float(np.average(np.log(x[above] / x[k]), weights=w[above]))
    return float(1.0 / m) if m > 0 else 0.0


def money_held(model) -> float:
    """All cash held inside the ecosystem: startups, incumbents, funds, founders, ministry."""
    st, inc = model.st, model.inc
    total = float(st.view("cash").sum()) + float(inc.view("cash").sum())
    total += sum(f.cash for f in model.funds)
    total += sum(f.wealth for f in model.founder_by_uid.values())
    return total + model.ministry.cash


def _innovator_periods(model) -> tuple[np.ndarray, np.ndarray]:
    """Innovations per innovator in the first and second half of the post-burn-in run."""
    st, inc = model.st, model.inc
    end = (st.view("innovations").copy(), inc.view("innovations").copy())
    snaps = model.innovators
    t_end = model.steps
    b = model.burn_in
    start = snaps.get(b)
    if start is None:
        return np.zeros(0), np.zeros(0)
    mids = [t for t in snaps if b < t < t_end]
    if not mids:
        return np.zeros(0), np.zeros(0)
    target = (b + t_end) / 2
    mid = snaps[min(mids, key=lambda t: abs(t - target))]

    def pad(a: np.ndarray, n: int) -> np.ndarray:
        return np.concatenate([a, np.zeros(n - a.size)])

    out = []
    for j in (0, 1):  # startups, incumbents
        n = end[j].size
        s0, s1 = pad(start[j], n), pad(mid[j], n)
        out.append((s1 - s0, end[j] - s1))
    first = np.concatenate([out[0][0], out[1][0]])
    second = np.concatenate([out[0][1], out[1][1]])
    return first, second


# -- the summary, family by family -------------------------------------------------------------
class _Run:
    """What several metric families read: the run's length and the startups' event columns.

    Args:
        model: a model after (or before) its run.
    """

    def __init__(self, model) -> None:
        self.model = model
        self.st, self.inc, self.t_end = model.st, model.inc, model.steps
        n = self.st.n
        self.n = n
        self.burn_in = b = int(model.burn_in)
        """Quarters left out at the start (:attr:`abm.model.EcosystemModel.burn_in`)."""
        self.years = max(self.t_end - b, 0) / C.STEPS_PER_YEAR
        self.founded = self.st.founded[:n]
        self.status = self.st.status[:n]
        self.exit_step = self.st.exit_step[:n]
        self.after = self.exit_step > b
        self.ts = model.timeseries() if self.t_end else None
        """The time series, or ``None`` before the first step."""
        self.alive = self.inc.view("alive").nonzero()[0]
        self.live = live_rows(model)

    def post(self, column: str) -> float:
        """Sum of a time series after the burn-in (0.0 before the first step)."""
        return float(self.ts[column].iloc[self.burn_in:].sum()) if self.ts is not None else 0.0


def _startups(r: _Run, out: dict[str, float]) -> dict[str, float]:
    """Startup population: founded, active and listed at the end, survival, unicorns."""
    founded, status, exit_step, t_end = r.founded, r.status, r.exit_step, r.t_end
    horizon = SURVIVAL_HORIZON
    cohort = (founded > r.burn_in) & (founded <= t_end - horizon)
    dead = (status == C.FAILED) & (exit_step <= founded + horizon)
    return {
        "startups_founded": float(np.count_nonzero(founded > r.burn_in)),
        "startups_active_end": float(np.count_nonzero(status == C.ACTIVE)),
        "survival_5y": _ratio(np.count_nonzero(cohort & ~dead), np.count_nonzero(cohort)),
        "unicorns": float(np.count_nonzero(r.st.unicorn_step[:r.n] > r.burn_in)),
        "startups_public_end": float(np.count_nonzero((status == C.PUBLIC)
                                                      & ~r.st.graduated[:r.n])),
    }


def _exits(r: _Run, out: dict[str, float]) -> dict[str, float]:
    """Exits by route after the burn-in, their mix and the startups' ages at exit."""
    status, after = r.status, r.after
    ipo = ((status == C.PUBLIC) | (status == C.DELISTED)) & after  # a delisted firm listed
    ma = (status == C.ACQUIRED) & after
    fail = (status == C.FAILED) & after
    e: dict[str, float] = {"exits_ipo": float(np.count_nonzero(ipo)),
                           "exits_ma": float(np.count_nonzero(ma)),
                           "failures": float(np.count_nonzero(fail))}
    e["ma_share_of_exits"] = _ratio(e["exits_ma"], e["exits_ma"] + e["exits_ipo"])
    age = (r.exit_step - r.founded) / C.STEPS_PER_YEAR
    e["median_years_to_ipo"] = _median(age[ipo])
    e["median_years_to_ma"] = _median(age[ma])
    e["median_years_to_failure"] = _median(age[fail])
    e["acquihires"] = float(r.model.counts["acquihires"])
    e["shelved"] = float(r.model.counts["shelved"])
    e["down_round_ipos"] = float(r.model.counts["down_round_ipos"])
    e["delistings"] = float(np.count_nonzero((r.st.delist_step[:r.n] > r.burn_in)
                                             & (r.st.acquirer[:r.n] < 0)))  # not taken over
    e["killed_better_products"] = float(r.model.counts["killed_better_products"])
    e["killed_output"] = float(r.model.counts["killed_output"])
    e["group_injections"] = float(r.model.counts["group_injections"])
    return e


def _finance(r: _Run, out: dict[str, float]) -> dict[str, float]:
    """Venture money: invested per year (in all and by fund kind), intensity, sources."""
    model, years = r.model, r.years
    rounds = model.rounds.to_array()
    rd = rounds[rounds[:, 0] > r.burn_in]
    del rounds  # large at scale 100: free before the network metrics
    f: dict[str, float] = {"vc_invested_per_year": _ratio(float(rd[:, 2].sum()), years)}
    va = np.asarray(model.history["value_added"][r.burn_in:])
    f["value_added_per_year"] = float(va.mean()) * C.STEPS_PER_YEAR if va.size else \
        C.STEPS_PER_YEAR * value_added(model)
    f["vc_intensity"] = _ratio(f["vc_invested_per_year"], f["value_added_per_year"])
    # the stock of private unicorns at the end, as the public lists count it (CB Insights:
    # unlisted, not acquired, last post-money >= USD 1 bn), per USD 1 trn of the last year's
    # value added (the GDP-like size of the economy a run stands for; docs/ODD.md 7.21)
    private = (r.status == C.ACTIVE) & (r.st.valuation[:r.n] >= C.UNICORN)
    f["unicorns_private_end"] = float(np.count_nonzero(private))
    last = np.asarray(model.history["value_added"][-C.STEPS_PER_YEAR:])
    va_end = float(last.sum()) * C.STEPS_PER_YEAR / last.size if last.size else \
        C.STEPS_PER_YEAR * value_added(model)
    f["unicorns_private_per_trn"] = _ratio(f["unicorns_private_end"], va_end / 1e6)
    f["cvc_deal_share"] = _ratio(float(rd[:, 3].sum()), rd.shape[0])
    com = [(s, a) for (t, s, a) in model.commitments if t > r.burn_in]
    total_com = sum(a for _, a in com)
    f["gov_share_of_vc_commitments"] = _ratio(sum(a for s, a in com if s == "government"),
                                              total_com)
    f["rounds_per_year"] = _ratio(rd.shape[0], years)
    for kind in ("independent", "corporate", "government"):
        f[f"vc_{kind}_per_year"] = _ratio(r.post(f"vc_{kind}"), years)
    f["grants_per_year"] = _ratio(r.post("grants"), years)
    return f


def pareto_exponent_above(x: np.ndarray, x_min: float = 1.0, k_min: int = 10) -> float:
    """Maximum-likelihood (Hill) exponent of a Pareto tail above ``x_min``:
    ``n / sum(log(x_i / x_min))`` over the ``n`` values above ``x_min``; 0 if ``n < k_min``."""
    x = np.asarray(x, dtype=float)
    tail = x[x > x_min]
    if tail.size < k_min:
        return 0.0
    s = float(np.log(tail / x_min).sum())
    return float(tail.size / s) if s > 0 else 0.0


def _deals(model) -> np.ndarray:
    """Positions ended after the burn-in with positive cost: rows of ``model.deals``."""
    deals = model.deals.to_array()
    return deals[(deals[:, 0] > model.burn_in) & (deals[:, 1] > 0)]


def _returns(r: _Run, out: dict[str, float]) -> dict[str, float]:
    """Deal outcomes after the burn-in (every ended position: exits, write-offs, delistings,
    secondary sales), round pricing, and the LPs' view of closed funds."""
    model = r.model
    deals = _deals(model)
    g: dict[str, float] = {"deals_ended": float(deals.shape[0])}
    if deals.shape[0]:
        cost, proceeds = deals[:, 1], deals[:, 2]
        mult = proceeds / cost
        g["deal_multiple_below_1_share"] = float(np.mean(mult < 1.0))
        g["deal_multiple_above_10_share"] = float(np.mean(mult > 10.0))
        best = np.sort(proceeds)[::-1]
        top = max(1, int(math.ceil(0.1 * best.size)))
        g["top_decile_deal_return_share"] = _ratio(best[:top].sum(), best.sum())
        g["deal_multiple_tail_exponent"] = pareto_exponent_above(mult)
        g["secondary_deal_share"] = float(np.mean(deals[:, 3] == C.DEAL_SECONDARY))
    else:
        for k in ("deal_multiple_below_1_share", "deal_multiple_above_10_share",
                  "top_decile_deal_return_share", "deal_multiple_tail_exponent",
                  "secondary_deal_share"):
            g[k] = 0.0
    counts = model.counts
    g["down_round_share"] = _ratio(counts["down_rounds"], counts["priced_rounds"])
    g["flat_round_share"] = _ratio(counts["flat_rounds"], counts["priced_rounds"])
    closed = [f for f in model.funds if f.closed and not f.evergreen and f.paid_in > 0]
    g["funds_closed"] = float(len(closed))
    g["fund_tvpi_median"] = _median(np.asarray([f.tvpi() for f in closed]))
    g["fund_dpi_median"] = _median(np.asarray([f.dpi_before_secondaries() for f in closed]))
    g["fund_gross_multiple_median"] = _median(np.asarray([f.gross_multiple() for f in closed]))
    g["fund_irr_median"] = _median(np.asarray([f.irr() for f in closed]))
    g["fund_return_persistence"] = return_persistence(closed)
    # corporate funds: strategic outcomes beside financial ones
    corp = deals[model.fund_table.corporate[deals[:, 4].astype(np.int64)]] if deals.size \
        else deals
    if corp.shape[0]:
        parent = model.fund_table.parent[corp[:, 4].astype(np.int64)]
        acquirer = r.st.acquirer[corp[:, 5].astype(np.int64)]
        strategic = (corp[:, 6] > 0) | ((parent >= 0) & (acquirer == parent))
        g["cvc_strategic_share"] = float(np.mean(strategic))
        g["cvc_financial_multiple"] = _ratio(float(corp[:, 2].sum()), float(corp[:, 1].sum()))
    else:
        g["cvc_strategic_share"] = 0.0
        g["cvc_financial_multiple"] = 0.0
    return g


def return_persistence(funds: list) -> float:
    """Spearman rank correlation of the net TVPI of a manager's fund with that of its next
    fund, over pairs of successive closed funds of one manager (Kaplan & Schoar 2005); 0 with
    fewer than 3 pairs or no variation."""
    by = {(f.manager, f.generation): f.tvpi() for f in funds if f.kind == "independent"}
    pairs = [(v, by[(m, gen + 1)]) for (m, gen), v in by.items() if (m, gen + 1) in by]
    if len(pairs) < 3:
        return 0.0
    a, b = np.array(pairs).T
    if np.ptp(a) <= 0 or np.ptp(b) <= 0:
        return 0.0
    rho = sps.spearmanr(a, b).statistic
    return float(rho) if np.isfinite(rho) else 0.0


def _firm_dynamics(r: _Run, out: dict[str, float]) -> dict[str, float]:
    """Firm entry and exit, incumbents' turnover, concentration and the size distribution.

    Reads ``startups_founded``, ``failures`` and ``exits_ma`` from ``out``.
    """
    model, inc, st, years, alive, live = r.model, r.inc, r.st, r.years, r.alive, r.live
    firms = np.asarray(model.history["firms"][r.burn_in:])
    mean_firms = float(firms.mean()) if firms.size else 0.0
    gone = inc.view("exit_step") > r.burn_in
    inc_exits = np.count_nonzero(gone)  # displaced or acquired (mergers)
    acquired = np.count_nonzero(gone & (inc.view("acquirer") >= 0))
    taken = listed_taken_over(r)  # listed startups taken over (abm.mechanisms.listed)
    d = {"entry_rate": _ratio(_ratio(out["startups_founded"], years), mean_firms),
         "exit_rate": _ratio(_ratio(out["failures"] + out["exits_ma"] + inc_exits + taken,
                                    years), mean_firms)}
    i_rev = float(inc.revenue[alive].sum())
    d["incumbent_sales_share"] = _ratio(i_rev, i_rev + float(st.revenue[live].sum()))
    d["incumbents_displaced"] = float(inc_exits - acquired)
    d["incumbents_acquired"] = float(acquired)
    d["new_incumbents"] = float(np.count_nonzero(inc.view("from_startup")
                                                 & (inc.view("entered") > r.burn_in)))
    hhi = np.asarray(r.ts["hhi"].iloc[r.burn_in:]) if r.ts is not None else np.zeros(0)
    d["hhi_mean"] = float(hhi.mean()) if hhi.size else float(hhi_by_sector(model).mean())
    d["incumbents_end"] = float(alive.size)
    return d


def listed_taken_over(r: _Run) -> int:
    """Listed startups taken over by an incumbent after the burn-in (docs/ODD.md 7.25): firms
    that left, counted among the exits as acquired incumbents are."""
    st, n = r.st, r.n
    return int(np.count_nonzero((st.status[:n] == C.DELISTED) & (st.acquirer[:n] >= 0)
                                & (st.delist_step[:n] > r.burn_in)))


def _all_firms(r: _Run, out: dict[str, float]) -> dict[str, float]:
    """National-statistics metrics over every firm: ordinary small firms
    (:mod:`abm.mechanisms.smallfirms`, each row weighted), venture-track startups and
    incumbents. Entry and exit per firm and year after the burn-in, five-year survival of the
    post-burn-in entry cohorts, size classes and the size tail at the end.

    Reads ``startups_founded``, ``failures``, ``exits_ma``, ``incumbents_displaced`` and
    ``incumbents_acquired``."""
    model, sf, years, t_end = r.model, r.model.small, r.years, r.t_end
    w = sf.weight
    firms = np.asarray(model.history["all_firms"][r.burn_in:])
    mean_firms = float(firms.mean()) if firms.size else 0.0
    s_in = w * sum(v for t, v in sf.entries.items() if t > r.burn_in)
    s_out = w * sum(v for t, v in sf.exits.items() if t > r.burn_in)
    entries = s_in + out["startups_founded"]
    exits = (s_out + out["failures"] + out["exits_ma"] + out["incumbents_displaced"]
             + out["incumbents_acquired"] + listed_taken_over(r))
    a = {"firm_entry_rate": _ratio(_ratio(entries, years), mean_firms),
         "firm_exit_rate": _ratio(_ratio(exits, years), mean_firms)}
    horizon = 5 * C.STEPS_PER_YEAR
    cohorts = [t for t in sf.entries if r.burn_in < t <= t_end - horizon]
    s_cohort = w * sum(sf.entries[t] for t in cohorts)
    s_dead = w * sum(sf.young_deaths.get(t, 0) for t in cohorts)
    cohort = (r.founded > r.burn_in) & (r.founded <= t_end - horizon)
    dead = (r.status == C.FAILED) & (r.exit_step <= r.founded + horizon)
    v_cohort = float(np.count_nonzero(cohort))
    v_alive = float(np.count_nonzero(cohort & ~dead))
    a["firm_survival_5y"] = _ratio(s_cohort - s_dead + v_alive, s_cohort + v_cohort)
    emp, sales, wt = all_firms(model)
    large = emp >= C.LARGE_FIRM_STAFF
    a["large_firm_employment_share"] = _ratio(float((emp * wt)[large].sum()),
                                              float((emp * wt).sum()))
    a["large_firm_sales_share"] = _ratio(float((sales * wt)[large].sum()),
                                         float((sales * wt).sum()))
    a["firm_size_tail_exponent"] = weighted_hill_tail_exponent(emp, wt)
    a["small_firms_end"] = sf.count()
    a["small_firm_employment_share"] = _ratio(sf.employment(), float((emp * wt).sum()))
    return a


def _labour(r: _Run, out: dict[str, float]) -> dict[str, float]:
    """Job mobility after the burn-in and the startups' share of employment at the end."""
    moves = float(r.ts["job_moves"].iloc[r.burn_in:].sum()) if r.ts is not None else 0.0
    workers = np.asarray(r.model.history["workers"][r.burn_in:])
    s_emp = startup_headcount(r.model)
    i_emp = float(r.inc.headcount[r.alive].sum())
    return {"labor_mobility_rate": _ratio(_ratio(moves, r.years), float(workers.mean())
                                          if workers.size else 0.0),
            "startup_employment_share": _ratio(s_emp, s_emp + i_emp)}


def _innovation(r: _Run, out: dict[str, float]) -> dict[str, float]:
    """Innovation after the burn-in: total, sources, Mark I / Mark II indicators, growth."""
    if r.ts is not None:
        post = r.ts.iloc[r.burn_in:]
        i_s = float(post["innovation_startups"].sum())
        i_i = float(post["innovation_incumbents"].sum())
        i_p = float(post["innovation_partnerships"].sum())
    else:
        i_s = i_i = i_p = 0.0
    total = i_s + i_i + i_p
    v = {"innovation_total": total,
         "innovation_from_startups_share": _ratio(i_s, total),
         "innovation_from_partnerships_share": _ratio(i_p, total),
         **_innovator_turnover(r.model)}
    v["productivity_growth"] = _productivity_growth(np.asarray(r.model.history["productivity"]),
                                                   r.burn_in)
    return v


def _growth(r: _Run, out: dict[str, float]) -> dict[str, float]:
    """Decomposition of real productivity growth after the burn-in (Foster, Haltiwanger &
    Krizan 2001; :func:`abm.productivity.decompose`): shares of the summed quarterly
    terms, so they add up to 1 (one may be negative or above 1 when terms differ in sign)."""
    g = r.model.growth
    total = g.within + g.entrants + g.realloc
    out = {"growth_within_incumbents_share": _ratio(g.within, total),
           "growth_from_entrants_share": _ratio(g.entrants, total),
           "growth_reallocation_share": _ratio(g.realloc, total)}
    gains = sum(g.sources.values())
    out.update({f"quality_gain_{k}_share": _ratio(v, gains) for k, v in g.sources.items()})
    model = r.model
    inc = model.inc
    out["incumbent_direction_shifts"] = float(np.count_nonzero(inc.view("shifts") > 0))
    y_s, _, y_i, _ = real_output(model)
    y = np.concatenate([y_s, y_i])
    pq = np.concatenate([model.st.view("pq"), inc.view("pq")])
    out["frontier_distance_end"] = (float((y * pq).sum() / y.sum()) - model.market.world
                                    if y.sum() > 0 else 0.0)
    return out


def _innovator_turnover(model) -> dict[str, float]:
    """Concentration and persistence of innovators (Malerba & Orsenigo's Mark I vs Mark II)."""
    first, second = _innovator_periods(model)
    both = first + second
    if both.sum() <= 0:
        return {"top4_innovator_share": 0.0, "innovator_rank_correlation": 0.0,
                "new_innovator_share": 0.0}
    top = np.sort(both)[::-1][:4]
    v = {"top4_innovator_share": _ratio(top.sum(), both.sum())}
    mask = both > 0
    if mask.sum() > 2 and np.ptp(first[mask]) > 0 and np.ptp(second[mask]) > 0:
        rho = sps.spearmanr(first[mask], second[mask]).statistic
        v["innovator_rank_correlation"] = float(rho) if np.isfinite(rho) else 0.0
    else:
        v["innovator_rank_correlation"] = 0.0
    v["new_innovator_share"] = _ratio(second[first == 0].sum(), second.sum())
    return v


def _productivity_growth(prod: np.ndarray, burn_in: int = C.BURN_IN) -> float:
    """Annualised growth of the productivity history from the end of the burn-in to the end."""
    # history[i] is after step i + 1: this is the end of the burn-in (with no burn-in, the
    # end of the first quarter: the history holds no value before it)
    base = max(burn_in - 1, 0)
    if prod.size > base + 1 and prod[base] > 0 and prod[-1] > 0:
        span = (prod.size - 1 - base) / C.STEPS_PER_YEAR
        return float(math.exp(math.log(prod[-1] / prod[base]) / span) - 1.0)
    return 0.0


def _network(r: _Run, out: dict[str, float]) -> dict[str, float]:
    """The ecosystem graph at the end, and the startups' corporate partners."""
    model = r.model
    net = model.net
    kinds = net.node_kind_counts()
    cohort = r.founded > r.burn_in
    w = {"partnership_density": _ratio(net.number_of_edges("partnership"),
                                       kinds["startup"] * kinds["incumbent"]),
         "startups_with_corporate_partner_share": _ratio(
             np.count_nonzero(cohort & r.st.ever_partnered[:r.n]), np.count_nonzero(cohort))}
    n_nodes = net.n_nodes
    if n_nodes > 2:
        if n_nodes > 5000:
            rng_seed = model.seed % (2**31)  # summary() must not consume model randomness
            w["network_clustering"] = net.approximate_clustering(trials=5000, seed=rng_seed)
        else:
            w["network_clustering"] = net.average_clustering()
        w["giant_component_share"] = _ratio(net.giant_component_size(), n_nodes)
    else:
        w["network_clustering"] = 0.0
        w["giant_component_share"] = 0.0
    w["partnerships_formed"] = float(model.counts["partnerships_formed"])
    return w


def _accounting(r: _Run, out: dict[str, float]) -> dict[str, float]:
    """The money invariant's error and the number of steps run."""
    return {"money_balance_error": abs(r.model.ledger.balance - money_held(r.model)),
            "steps": float(r.t_end)}


def _maturity(r: _Run, out: dict[str, float]) -> dict[str, float]:
    """The six components' maturity indices at the end of the run (docs/ODD.md 7.19)."""
    from .mechanisms.maturity import indices

    return {f"{k}_end": v for k, v in indices(r.model).items()}


FAMILIES = (_startups, _exits, _finance, _returns, _firm_dynamics, _all_firms, _labour, _innovation,
            _growth, _network, _maturity, _accounting)
"""The summary's metric families, in the order they are computed (a later family may read
an earlier one's values)."""


def summary(model) -> dict[str, float]:
    """Every key of :data:`SUMMARY_KEYS` (and :data:`EXTRA_KEYS`) as a finite float.

    Raises:
        ValueError: a metric is not finite, or the families compute a key that
            :data:`abm.outputs.OUTPUTS` does not declare (or miss a declared one).
    """
    run = _Run(model)
    out: dict[str, float] = {}
    for family in FAMILIES:
        out.update(family(run, out))
    for hook in _unit_summaries():  # outputs a mechanism computes itself (abm.units)
        out.update(hook(model))
    for k, v in out.items():
        if not math.isfinite(v):
            raise ValueError(f"summary metric {k} is not finite ({v})")
    keys = SUMMARY_KEYS + EXTRA_KEYS
    if out.keys() != set(keys):
        raise ValueError(f"summary metrics not declared in abm.outputs.OUTPUTS: "
                         f"{sorted(set(out) - set(keys))}; declared but not computed: "
                         f"{sorted(set(keys) - set(out))}")
    return {k: float(out[k]) for k in keys}


def _unit_summaries() -> list:
    """The ``summary`` hooks of the registered units (:class:`abm.units.Mechanism`)."""
    from .mechanisms import REGISTRY

    return [h for h in (u.hook("summary") for u in REGISTRY.values()) if h is not None]


# -- the app's key metrics (cheap, at every step) ----------------------------------------------
_LIVE_TABLE: tuple[str, ...] = (
    "step", "active_startups", "founded", "failed", "ipos", "acquisitions", "ma_share",
    "vc_total", "cvc_money_share", "gov_money_share", "unicorns_to_date", "incumbents",
    "incumbent_sales_share", "hhi", "innovation_total", "innovation_startup_share",
    "innovation_partnership_share", "partnerships_active",
)
"""The order of the key-metrics table for the metrics :func:`live` computes from several
series (shares, totals); each is declared in :data:`abm.outputs.OUTPUTS` with its ``live``
aggregate."""

LIVE_KEYS: tuple[str, ...] = _LIVE_TABLE + tuple(
    n for n, o in OUTPUTS.items() if o.live and o.series and n not in _LIVE_TABLE)
"""The key metrics :func:`live` returns, in table order: those of the table, then every other
time series declared with a ``live`` aggregate (a mechanism's new series joins the app's key
metrics by its declaration in :mod:`abm.outputs`, no edit here or in viz/)."""


def incumbent_sales_share_now(model) -> float:
    """Incumbents' share of the latest step's sales (incumbents plus operating startups)."""
    inc = model.inc
    alive = inc.view("alive")
    inc_rev = float(inc.view("revenue")[alive].sum())
    total = float(model.stats.get("total_revenue", 0.0)) or inc_rev
    return inc_rev / total if total > 0 else 0.0


def live(model, ts=None) -> dict[str, float]:
    """The key metrics of :data:`LIVE_KEYS` over the steps so far (no burn-in).

    Cheap enough for every step of the visual app: they read the time series, not the
    event records. A ratio with a zero denominator is NaN (shown as "–").

    Args:
        model: the model.
        ts: its time series if the caller has it (``model.timeseries()`` otherwise); extra
            columns are ignored.
    """
    df = model.timeseries() if ts is None else ts
    out: dict[str, float] = dict.fromkeys(LIVE_KEYS, 0.0)
    out["step"] = float(model.steps)
    if df.empty:
        out["incumbents"] = float(np.count_nonzero(model.inc.view("alive")))
        out["incumbent_sales_share"] = incumbent_sales_share_now(model)
        return out
    last = df.iloc[-1]
    tot = df.sum(numeric_only=True)
    for k in ("active_startups", "unicorns_to_date", "incumbents", "hhi", "partnerships_active"):
        out[k] = float(last[k])
    out["incumbent_sales_share"] = incumbent_sales_share_now(model)
    for k in ("founded", "failed", "ipos", "acquisitions"):
        out[k] = float(tot[k])
    exits = out["ipos"] + out["acquisitions"]
    out["ma_share"] = out["acquisitions"] / exits if exits else float("nan")
    vc = float(tot["vc_independent"] + tot["vc_corporate"] + tot["vc_government"])
    out["vc_total"] = vc
    out["cvc_money_share"] = float(tot["vc_corporate"]) / vc if vc else float("nan")
    out["gov_money_share"] = float(tot["vc_government"]) / vc if vc else float("nan")
    inn = float(tot["innovation_startups"] + tot["innovation_incumbents"]
                + tot["innovation_partnerships"])
    out["innovation_total"] = inn
    out["innovation_startup_share"] = float(tot["innovation_startups"]) / inn if inn else \
        float("nan")
    out["innovation_partnership_share"] = float(tot["innovation_partnerships"]) / inn if inn \
        else float("nan")
    for k in LIVE_KEYS[len(_LIVE_TABLE):]:  # declared series: the latest value or the sum
        out[k] = float(last[k] if OUTPUTS[k].live in ("now", "run") else tot[k])
    return out


# -- samples for distribution figures ----------------------------------------------------------
def samples(model) -> dict[str, np.ndarray]:
    """Raw values behind the distribution figures of a report.

    Returns:
        ``deal_multiple``: proceeds over cost of the fund positions ended with positive
        cost after the burn-in (every route: exits, write-offs, delistings, secondary sales);
        ``startup_size`` and ``incumbent_size``: headcounts of operating startups and live
        incumbents at the end (floats).
    """
    deals = _deals(model)
    return {"deal_multiple": deals[:, 2] / deals[:, 1] if deals.size else np.zeros(0),
            "startup_size": model.st.headcount[live_rows(model)].astype(float),
            "incumbent_size": model.inc.headcount[np.flatnonzero(
                model.inc.view("alive"))].astype(float)}
