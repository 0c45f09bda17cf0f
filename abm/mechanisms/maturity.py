"""Virtuous cycles: the six institutional components mature with the ecosystem's outcomes.

Once a quarter, after every other mechanism and before observation (:func:`step`), each of
the six components updates a state from what the ecosystem itself produced; the mechanisms
read the component's *effective* values through :func:`effective` (and, for LP money,
``model.maturity.lp_multiplier``) from the next quarter on. Each loop has its own strength
parameter ``loop_<component>``; at strength 0 the state never moves and every effective
value is exactly the preset's value (``x * 1.0``, ``x + 0.0``), so results are identical to a
run without this module (tests/test_maturity.py checks it). Equations: docs/ODD.md 7.19.

* finance: LP money follows realised performance (Kaplan & Schoar 2005; Gompers & Lerner
  1998): each year ``log M <- (1 - FIN_MEMORY) log M + loop_finance x tanh(log DPI_3y)``,
  ``DPI_3y`` the realised proceeds over cost of fund positions realised in the last 3 years.
* labour: a pool of people with startup experience ``E <- (1 - q) E + TURNOVER x H`` (``H``
  startup headcount, ``q`` the quarterly retirement rate); its share ``e`` of the workforce
  gives ``I = e / (e + EXPERIENCE_HALF)``, and mobility, spin-outs and the lifetime share move
  by ``exp(+-loop_labor x I)``.
* ties: a tech-transfer capacity ``k`` grows with university spin-offs' exits and joint
  research and depreciates; ``tech_transfer_eff = tt + (1 - tt) k``, spin-off rate x (1 + k).
* industry: an incumbent's openness rises and its NIH falls with the value its partnerships
  and acquisitions delivered (joint innovations, acquired technology), the reverse when its
  partner startups fail.
* norms: visible successes (IPOs, new unicorns, M&A) against failures, exponentially
  smoothed, move ``founding_legitimacy``.
* support: the supply of support services follows deal flow with a lag; it lowers
  ``service_cost`` and raises ``accelerator_strength``.
"""

from __future__ import annotations

import math

import numpy as np

from .. import constants as C
from ..queries import effective, startup_headcount, workforce  # effective: also maturity.effective
from ..units import Mechanism

UNIT = Mechanism(
    name="maturity", stream=None,
    series=("maturity_finance", "maturity_labor", "maturity_ties", "maturity_industry",
            "maturity_norms", "maturity_support"),
    outputs=("maturity_finance_end", "maturity_labor_end", "maturity_ties_end",
             "maturity_industry_end", "maturity_norms_end", "maturity_support_end"),
    reads=("scale", "lp_capital_per_year", "job_mobility", "lifetime_employment_share",
           "spinout_rate", "uni_spinoff_rate", "tech_transfer", "founding_legitimacy",
           "accelerator_strength", "service_cost", "loop_finance", "loop_labor", "loop_ties",
           "loop_industry", "loop_norms", "loop_support", "ACQUIRED", "FAILED",
           "FIN_MEMORY", "RETIREMENT_PER_YEAR", "STEPS_PER_YEAR", "UNIVERSITY"))
"""What this mechanism owns (:mod:`abm.units`)."""

# -- structural constants (ranges and reasoning in docs/ODD.md 7.19) ----------------------------
# (FIN_MEMORY, the yearly decay of the LP multiplier, is in abm.constants: it is declared in
# abm.structural.STRUCTURAL and can be overridden per run.)
FIN_WINDOW = 12
"""Quarters of realised deals the LPs' performance signal reads (three years)."""
TURNOVER = 0.05
"""Quarterly share of startup staff who leave with startup experience (about 20% a year,
typical startup turnover; range 0.025-0.1)."""
EXPERIENCE_HALF = 0.05
"""Share of the workforce with startup experience at which the labour index is 0.5 (range
0.02-0.1; Silicon Valley's is well above it, Japan's well below)."""
TIES_DEPRECIATION = 0.05
"""Yearly depreciation of universities' tech-transfer capacity (staff turnover, range
0.02-0.1)."""
JOINT_HALF = 1.0
"""Joint research projects per university and year that count as much as one successful
spin-off exit (range 0.5-4)."""
INDUSTRY_HALF = 1.0
"""Joint innovations or valuable acquisitions in a quarter at which an incumbent's update is
``1 - 1/e`` of the full step (range 0.5-4)."""
NORMS_MEMORY = 0.1
"""Weight of the current quarter in the smoothed success balance (mean memory about 2.5
years; range 0.05-0.25)."""
NORMS_MA_WEIGHT = 0.25
"""Visibility of an acquisition relative to an IPO or a new unicorn (range 0.1-0.5)."""
NORMS_FAILURE_WEIGHT = 0.05
"""Visibility of a failure relative to an IPO (most failures are small and unreported;
range 0.01-0.2)."""
SUPPORT_LAG = 8.0
"""Quarters for the supply of support services to follow deal flow (law firms,
accelerators take about two years to set up; range 4-16)."""
SUPPORT_HALF = 25.0
"""Rounds per quarter per unit of scale at which the support index is 0.5 (range 10-100)."""


class Maturity:
    """The state of the six feedback loops (one per model, ``model.maturity``)."""

    def __init__(self) -> None:
        self.log_lp = 0.0
        """Log of the multiplier on LP money (finance loop)."""
        self.experienced = 0.0
        """People with startup experience (labour loop)."""
        self.experience_index = 0.0
        """``e / (e + EXPERIENCE_HALF)`` of the experienced share ``e`` (labour loop)."""
        self.ties = 0.0
        """Universities' accumulated tech-transfer capacity in [0, 1) (ties loop)."""
        self.norms = 0.0
        """Smoothed balance of visible successes and failures in [-1, 1] (norms loop)."""
        self.support = 0.0
        """Lagged supply of support services in [0, 1) (support loop)."""
        self.uni_spinoff_exits = 0
        """Exits of university spin-offs in the current year so far (ties loop)."""
        self.joint_seen = 0
        """Joint research projects counted at the last yearly update (ties loop)."""
        self.prev_partner = np.zeros(0, dtype=np.int64)
        """Each startup's partner at the end of the last step (industry loop)."""
        self.prev_joint = np.zeros(0, dtype=np.float64)
        """Each startup's cumulative joint innovations at the end of the last step."""

    @property
    def lp_multiplier(self) -> float:
        """Multiplier on private LP money (exactly 1.0 while the finance loop is off)."""
        return math.exp(self.log_lp)


READERS = ("effective", "indices")
"""Functions of this module that read the model and change nothing."""


def _g(x):
    """Saturating response ``1 - exp(-x)`` (0 at 0, towards 1)."""
    return -np.expm1(-np.asarray(x, dtype=np.float64))


def finance(model) -> None:
    """Yearly: LP money follows the realised multiple of the last three years' deals."""
    p, m = model.p, model.maturity
    if p.loop_finance <= 0 or not model.is_new_year():
        return
    steps = model.deals.column("step")
    recent = steps > model.steps - 1 - FIN_WINDOW
    cost = float(model.deals.column("cost")[recent].sum())
    proceeds = float(model.deals.column("proceeds")[recent].sum())
    signal = math.tanh(math.log(max(proceeds, 1e-9) / cost)) if cost > 0 else 0.0
    m.log_lp = (1.0 - C.FIN_MEMORY) * m.log_lp + p.loop_finance * signal


def labour(model) -> None:
    """Quarterly: the pool of people with startup experience and its index."""

    p, m = model.p, model.maturity
    if p.loop_labor <= 0:
        return
    q = C.RETIREMENT_PER_YEAR / C.STEPS_PER_YEAR
    m.experienced = (1.0 - q) * m.experienced + TURNOVER * startup_headcount(model)
    w = workforce(model)
    e = min(1.0, m.experienced / w) if w > 0 else 0.0
    m.experience_index = e / (e + EXPERIENCE_HALF)


def ties(model) -> None:
    """University spin-offs' exits counted each quarter; capacity updated each year."""
    p, m, st = model.p, model.maturity, model.st
    if p.loop_ties <= 0:
        return
    n = st.n
    now = (st.exit_step[:n] == model.steps) & (st.origin[:n] == C.UNIVERSITY)
    m.uni_spinoff_exits += int(np.count_nonzero(now & (st.status[:n] != C.FAILED)))
    if not model.is_new_year() or not model.universities:
        return
    n_uni = len(model.universities)
    joint = sum(u.joint_projects for u in model.universities)
    signal = (m.uni_spinoff_exits + (joint - m.joint_seen) / JOINT_HALF) / n_uni
    m.joint_seen, m.uni_spinoff_exits = joint, 0
    k = m.ties
    m.ties = (1.0 - TIES_DEPRECIATION) * k + p.loop_ties * (1.0 - k) * float(_g(signal))


def industry(model) -> None:
    """Quarterly: each incumbent's openness and NIH move with what its ties delivered."""
    p, m, st, inc = model.p, model.maturity, model.st, model.inc
    n = st.n
    if p.loop_industry <= 0:
        return
    joint_now = st.innovations[:n] - st.innov_own[:n]
    if n:
        k = m.prev_partner.size
        prev = np.full(n, -1, dtype=np.int64)
        prev[:k] = m.prev_partner
        before = np.zeros(n)
        before[:k] = m.prev_joint
        ni = inc.n
        had = prev >= 0
        value = np.bincount(prev[had], weights=(joint_now - before)[had], minlength=ni)[:ni]
        exited = st.exit_step[:n] == model.steps
        bought = exited & (st.status[:n] == C.ACQUIRED) & (st.acquirer[:n] >= 0) \
            & (st.innovations[:n] > 0)
        value += np.bincount(st.acquirer[:n][bought].astype(np.int64), minlength=ni)[:ni]
        lost = exited & (st.status[:n] == C.FAILED) & had
        fail = np.bincount(prev[lost], minlength=ni)[:ni].astype(np.float64)
        rows = (inc.view("alive") & ((value > 0) | (fail > 0))).nonzero()[0]
        if rows.size:
            up, down = _g(value[rows] / INDUSTRY_HALF), _g(fail[rows] / INDUSTRY_HALF)
            lam = p.loop_industry
            o, b = inc.openness[rows], inc.nih[rows]
            inc.openness[rows] = o + lam * ((1.0 - o) * up - o * down)
            inc.nih[rows] = b + lam * ((1.0 - b) * down - b * up)
    m.prev_partner = st.partner[:n].astype(np.int64)
    m.prev_joint = joint_now.copy()


def norms(model) -> None:
    """Quarterly: the smoothed balance of visible successes and failures."""
    p, m, s, st = model.p, model.maturity, model.stats, model.st
    if p.loop_norms <= 0:
        return
    unicorns = int(np.count_nonzero(st.unicorn_step[:st.n] == model.steps))
    good = s["ipos"] + unicorns + NORMS_MA_WEIGHT * s["acquisitions"]
    bad = NORMS_FAILURE_WEIGHT * s["failed"]
    balance = (good - bad) / (good + bad + p.scale)
    m.norms = (1.0 - NORMS_MEMORY) * m.norms + NORMS_MEMORY * balance


def support(model) -> None:
    """Quarterly: the supply of support services follows deal flow with a lag."""
    p, m = model.p, model.maturity
    if p.loop_support <= 0:
        return
    flow = model.stats["rounds"] / max(p.scale, 1e-9)
    target = flow / (flow + SUPPORT_HALF)
    m.support += (target - m.support) / SUPPORT_LAG


def step(model) -> None:
    """Update every loop from this quarter's outcomes (called once a quarter)."""
    finance(model)
    labour(model)
    ties(model)
    industry(model)
    norms(model)
    support(model)
    model.stats.update(indices(model))


def indices(m) -> dict[str, float]:
    """The six maturity indices in [0, 1] of model ``m``, from the components' effective
    values (a reader: it changes nothing, hence the argument name)."""
    p = m.p
    lp = p.lp_capital_per_year * m.maturity.lp_multiplier
    ref = 6000.0  # the reference (Silicon Valley default) LP money: index 0.5
    jm = effective(m, "job_mobility")
    sr = effective(m, "spinout_rate")
    labor = ((1.0 - effective(m, "lifetime_employment_share")) + jm / (jm + 0.05)
             + sr / (sr + 0.06)) / 3.0
    inc = m.inc
    alive = inc.view("alive").nonzero()[0]
    industry = float(np.mean(0.5 * (inc.openness[alive] + 1.0 - inc.nih[alive]))) \
        if alive.size else 0.0
    return {
        "maturity_finance": lp / (lp + ref),
        "maturity_labor": labor,
        "maturity_ties": effective(m, "tech_transfer"),
        "maturity_industry": industry,
        "maturity_norms": effective(m, "founding_legitimacy"),
        "maturity_support": 0.5 * (effective(m, "accelerator_strength")
                                   + 1.0 - effective(m, "service_cost")),
    }
