"""Summary metrics: pure functions of a model (docs/DESIGN.md section 5).

Unless a name says otherwise, a metric covers the run after the burn-in: steps
``BURN_IN + 1`` to the end (Mesa numbers steps from 1; an event stamped with step ``t``
happened during the ``t``-th step).
Every value is a finite float; where a metric has no observations (e.g. no IPO happened) it is
0.0, and the companion count (``exits_ipo``...) tells the reader so. Definitions are in
docs/ODD.md, section 5.
"""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
from scipy import stats as sps

from . import constants as C
from .mechanisms.labor import startup_headcount
from .mechanisms.observe import hhi_by_sector
from .mechanisms.operations import live_rows

SUMMARY_KEYS: tuple[str, ...] = (
    "startups_founded", "startups_active_end", "exits_ipo", "exits_ma", "failures",
    "ma_share_of_exits", "median_years_to_ipo", "median_years_to_ma", "median_years_to_failure",
    "survival_5y", "unicorns", "vc_invested_per_year", "vc_intensity", "cvc_deal_share",
    "gov_share_of_vc_commitments", "deal_multiple_below_1_share",
    "top_decile_deal_return_share", "fund_tvpi_median", "entry_rate", "exit_rate",
    "labor_mobility_rate", "startup_employment_share", "incumbent_sales_share",
    "incumbents_displaced", "new_incumbents", "hhi_mean", "innovation_total",
    "innovation_from_startups_share", "innovation_from_partnerships_share",
    "top4_innovator_share", "innovator_rank_correlation", "new_innovator_share",
    "productivity_growth", "partnership_density", "startups_with_corporate_partner_share",
    "network_clustering", "giant_component_share", "firm_size_tail_exponent",
)
"""The keys docs/DESIGN.md requires (other code relies on these names)."""

EXTRA_KEYS: tuple[str, ...] = (
    "partnerships_formed", "rounds_per_year", "vc_independent_per_year",
    "vc_corporate_per_year", "vc_government_per_year", "grants_per_year", "acquihires",
    "shelved", "incumbents_end", "startups_public_end", "money_balance_error", "steps",
)


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
    start = snaps.get(C.BURN_IN)
    if start is None:
        return np.zeros(0), np.zeros(0)
    mids = [t for t in snaps if C.BURN_IN < t < t_end]
    if not mids:
        return np.zeros(0), np.zeros(0)
    target = (C.BURN_IN + t_end) / 2
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


def summary(model) -> dict[str, float]:
    """Every key of :data:`SUMMARY_KEYS` (and :data:`EXTRA_KEYS`) as a finite float."""
    st, inc, t_end = model.st, model.inc, model.steps
    n = st.n
    years = max(t_end - C.BURN_IN, 0) / C.STEPS_PER_YEAR
    founded = st.founded[:n]
    status = st.status[:n]
    exit_step = st.exit_step[:n]
    after = exit_step > C.BURN_IN
    out: dict[str, float] = {}

    out["startups_founded"] = float(np.count_nonzero(founded > C.BURN_IN))
    out["startups_active_end"] = float(np.count_nonzero(status == C.ACTIVE))
    ipo = (status == C.PUBLIC) & after
    ma = (status == C.ACQUIRED) & after
    fail = (status == C.FAILED) & after
    out["exits_ipo"] = float(np.count_nonzero(ipo))
    out["exits_ma"] = float(np.count_nonzero(ma))
    out["failures"] = float(np.count_nonzero(fail))
    out["ma_share_of_exits"] = _ratio(out["exits_ma"], out["exits_ma"] + out["exits_ipo"])
    age = (exit_step - founded) / C.STEPS_PER_YEAR
    out["median_years_to_ipo"] = _median(age[ipo])
    out["median_years_to_ma"] = _median(age[ma])
    out["median_years_to_failure"] = _median(age[fail])
    horizon = 5 * C.STEPS_PER_YEAR
    cohort = (founded > C.BURN_IN) & (founded <= t_end - horizon)
    dead = (status == C.FAILED) & (exit_step <= founded + horizon)
    out["survival_5y"] = _ratio(np.count_nonzero(cohort & ~dead), np.count_nonzero(cohort))
    out["unicorns"] = float(np.count_nonzero(st.unicorn_step[:n] > C.BURN_IN))

    rounds = model.rounds.to_array()
    r = rounds[rounds[:, 0] > C.BURN_IN]
    vc_total = float(r[:, 2].sum())
    out["vc_invested_per_year"] = _ratio(vc_total, years)
    revenue = np.asarray(model.history["total_revenue"][C.BURN_IN:])
    annual_revenue = float(revenue.mean()) * C.STEPS_PER_YEAR if revenue.size else 0.0
    out["vc_intensity"] = _ratio(out["vc_invested_per_year"], annual_revenue)
    out["cvc_deal_share"] = _ratio(float(r[:, 3].sum()), r.shape[0])
    n_rounds = r.shape[0]
    del rounds, r  # large at scale 100: free before the network metrics
    com = [(s, a) for (t, s, a) in model.commitments if t > C.BURN_IN]
    total_com = sum(a for _, a in com)
    out["gov_share_of_vc_commitments"] = _ratio(sum(a for s, a in com if s == "government"),
                                                total_com)
    deals = model.deals.to_array()
    deals = deals[(deals[:, 0] > C.BURN_IN) & (deals[:, 1] > 0)][:, 1:]
    if deals.shape[0]:
        mult = deals[:, 1] / deals[:, 0]
        out["deal_multiple_below_1_share"] = float(np.mean(mult < 1.0))
        proceeds = np.sort(deals[:, 1])[::-1]
        top = max(1, int(math.ceil(0.1 * proceeds.size)))
        out["top_decile_deal_return_share"] = _ratio(proceeds[:top].sum(), proceeds.sum())
        del mult, proceeds
    else:
        out["deal_multiple_below_1_share"] = 0.0
        out["top_decile_deal_return_share"] = 0.0
    del deals
    tvpis = [f.tvpi() for f in model.funds if f.closed and not f.evergreen and f.paid_in > 0]
    out["fund_tvpi_median"] = _median(np.asarray(tvpis))

    firms = np.asarray(model.history["firms"][C.BURN_IN:])
    mean_firms = float(firms.mean()) if firms.size else 0.0
    inc_exits = np.count_nonzero(inc.view("exit_step") > C.BURN_IN)
    out["entry_rate"] = _ratio(_ratio(out["startups_founded"], years), mean_firms)
    out["exit_rate"] = _ratio(_ratio(out["failures"] + out["exits_ma"] + inc_exits, years),
                              mean_firms)
    ts = model.timeseries() if t_end else None
    moves = float(ts["job_moves"].iloc[C.BURN_IN:].sum()) if ts is not None else 0.0
    workers = np.asarray(model.history["workers"][C.BURN_IN:])
    out["labor_mobility_rate"] = _ratio(_ratio(moves, years), float(workers.mean())
                                        if workers.size else 0.0)
    alive = inc.view("alive").nonzero()[0]
    live = live_rows(model)
    s_emp = startup_headcount(model)
    i_emp = float(inc.headcount[alive].sum())
    out["startup_employment_share"] = _ratio(s_emp, s_emp + i_emp)
    i_rev = float(inc.revenue[alive].sum())
    out["incumbent_sales_share"] = _ratio(i_rev, i_rev + float(st.revenue[live].sum()))
    out["incumbents_displaced"] = float(inc_exits)
    out["new_incumbents"] = float(np.count_nonzero(inc.view("from_startup")
                                                   & (inc.view("entered") > C.BURN_IN)))
    hhi = np.asarray(ts["hhi"].iloc[C.BURN_IN:]) if ts is not None else np.zeros(0)
    out["hhi_mean"] = float(hhi.mean()) if hhi.size else float(hhi_by_sector(model).mean())

    if ts is not None:
        post = ts.iloc[C.BURN_IN:]
        i_s = float(post["innovation_startups"].sum())
        i_i = float(post["innovation_incumbents"].sum())
        i_p = float(post["innovation_partnerships"].sum())
    else:
        i_s = i_i = i_p = 0.0
    total = i_s + i_i + i_p
    out["innovation_total"] = total
    out["innovation_from_startups_share"] = _ratio(i_s, total)
    out["innovation_from_partnerships_share"] = _ratio(i_p, total)
    first, second = _innovator_periods(model)
    both = first + second
    if both.sum() > 0:
        top = np.sort(both)[::-1][:4]
        out["top4_innovator_share"] = _ratio(top.sum(), both.sum())
        mask = both > 0
        if mask.sum() > 2 and np.ptp(first[mask]) > 0 and np.ptp(second[mask]) > 0:
            rho = sps.spearmanr(first[mask], second[mask]).statistic
            out["innovator_rank_correlation"] = float(rho) if np.isfinite(rho) else 0.0
        else:
            out["innovator_rank_correlation"] = 0.0
        out["new_innovator_share"] = _ratio(second[first == 0].sum(), second.sum())
    else:
        out["top4_innovator_share"] = 0.0
        out["innovator_rank_correlation"] = 0.0
        out["new_innovator_share"] = 0.0
    prod = np.asarray(model.history["productivity"])
    base = C.BURN_IN - 1  # history[i] is after step i + 1: this is the end of the burn-in
    if prod.size > C.BURN_IN and prod[base] > 0 and prod[-1] > 0:
        span = (prod.size - 1 - base) / C.STEPS_PER_YEAR
        out["productivity_growth"] = float(math.exp(math.log(prod[-1] / prod[base])
                                                    / span) - 1.0)
    else:
        out["productivity_growth"] = 0.0

    net = model.net
    kinds = net.node_kind_counts()
    out["partnership_density"] = _ratio(net.number_of_edges("partnership"),
                                        kinds["startup"] * kinds["incumbent"])
    cohort = founded > C.BURN_IN
    out["startups_with_corporate_partner_share"] = _ratio(
        np.count_nonzero(cohort & st.ever_partnered[:n]), np.count_nonzero(cohort))
    n_nodes = net.n_nodes
    if n_nodes > 2:
        if n_nodes > 5000:
            rng_seed = model.seed % (2**31)  # summary() must not consume model randomness
            out["network_clustering"] = net.approximate_clustering(trials=5000, seed=rng_seed)
        else:
            out["network_clustering"] = float(nx.average_clustering(nx.Graph(model.graph)))
        out["giant_component_share"] = _ratio(net.giant_component_size(), n_nodes)
    else:
        out["network_clustering"] = 0.0
        out["giant_component_share"] = 0.0
    sizes = np.concatenate([inc.headcount[alive], st.headcount[live]])
    out["firm_size_tail_exponent"] = hill_tail_exponent(sizes)

    out["partnerships_formed"] = float(model.counts["partnerships_formed"])
    out["rounds_per_year"] = _ratio(n_rounds, years)
    for kind in ("independent", "corporate", "government"):
        col = ts[f"vc_{kind}"].iloc[C.BURN_IN:].sum() if ts is not None else 0.0
        out[f"vc_{kind}_per_year"] = _ratio(float(col), years)
    out["grants_per_year"] = _ratio(float(ts["grants"].iloc[C.BURN_IN:].sum())
                                    if ts is not None else 0.0, years)
    out["acquihires"] = float(model.counts["acquihires"])
    out["shelved"] = float(model.counts["shelved"])
    out["incumbents_end"] = float(alive.size)
    out["startups_public_end"] = float(np.count_nonzero((status == C.PUBLIC)
                                                        & ~st.graduated[:n]))
    out["money_balance_error"] = abs(model.ledger.balance - money_held(model))
    out["steps"] = float(t_end)
    for k, v in out.items():
        if not math.isfinite(v):
            raise ValueError(f"summary metric {k} is not finite ({v})")
    return {k: float(out[k]) for k in SUMMARY_KEYS + EXTRA_KEYS}
