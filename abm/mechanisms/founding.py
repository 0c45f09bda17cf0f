"""Founding: where new startups come from.

Four channels, each a Poisson count per quarter, multiplied by ``founding_legitimacy`` (norms;
``(1 - UNI_LEGITIMACY_WEIGHT) + UNI_LEGITIMACY_WEIGHT x founding_legitimacy`` = ``0.5 + 0.5 x
founding_legitimacy`` for academic spin-offs), ``tech_opportunity``
(technology) and the plan's founding boost once it starts:

* incumbent spin-outs: ``spinout_rate`` per 1,000 movable incumbent workers per year, times
  ``SPINOUT_RISK_BASE + risk_tolerance`` (0.5 + the regime's mean founder risk tolerance); the
  founding team leaves that incumbent, a ``spinoff`` edge
  links them; the startup is in the parent's sector 70% of the time;
* university spin-offs: ``uni_spinoff_rate`` per university per year times technology-transfer
  strength and the university's knowledge index; higher quality and more often disruptive;
* independent founders from the idle pool and new graduates;
* serial founders from the pool of founders between ventures, each with quarterly probability
  ``refounding_propensity``, discounted by ``failure_stigma`` after a failure.

Latent quality is Pareto(``quality_tail``) scaled by the team's skill. Founders put in their
savings; a recycled founder who became an angel may add a pre-seed check.
"""

from __future__ import annotations

from itertools import compress

import numpy as np

from .. import constants as C
from ..queries import effective, movable
from ..draws import choice
from ..units import Mechanism
from ..workforce import take_workers

UNIT = Mechanism(
    name="founding", stream="founding",
    flows=("founded",),
    outputs=("startups_founded",),
    adds_to=("job_moves",),
    reads=("scale", "tech_opportunity", "disruptive_share", "quality_tail",
           "round_size_multiplier", "spinout_rate", "uni_spinoff_rate", "tech_transfer",
           "founding_legitimacy", "failure_stigma", "refounding_propensity", "risk_tolerance",
           "ANGEL_CHECK", "FOUNDER_SAVINGS", "INCUMBENT_SPINOUT", "INDEPENDENT", "PRE_MONEY",
           "SERIAL", "SPINOUT_RISK_BASE", "STEPS_PER_YEAR", "UNIVERSITY", "UNI_LEGITIMACY_WEIGHT",
           "UNI_QUALITY_BOOST", "UNI_SPILL_DRIFT"))
"""What this mechanism owns (:mod:`abm.units`)."""


def _team_size(rng: np.random.Generator) -> int:
    return 1 + int(rng.binomial(2, 0.35))


def _team(model, rng: np.random.Generator, n: int) -> list[tuple[float, float]]:
    """``n`` new founders' ``(skill, risk_tolerance)``: Beta(2, 2) and a normal around the
    regime's ``risk_tolerance`` (s.d. 0.15) clipped to [0, 1], drawn founder by founder (the
    draws of ``EcosystemModel.add_founder``)."""
    mean = model.p.risk_tolerance
    out = []
    for _ in range(n):
        skill = float(rng.beta(2.0, 2.0))
        out.append((skill, min(max(float(rng.normal(mean, 0.15)), 0.0), 1.0)))
    return out


def found(model, origin: int, team: list[tuple[float, float]], sector: int,
          rng: np.random.Generator, serial: int = -1, quality_boost: float = 1.0,
          disruptive_boost: float = 1.0, parent=None, uni=None, spill=None) -> tuple:
    """Decide one startup: its quality, whether it is disruptive, its team and seed money
    (the founders' savings, a serial founder's own money, an angel's check), with every
    random draw and every move of people and money made now, in order. The agents, rows and
    ties are created for all of a quarter's ventures at once by ``model.add_ventures`` from
    the record returned here (``team``: the new founders' ``(skill, risk_tolerance)``;
    ``serial``: the row of a pool founder who leads it, or -1)."""
    p = model.p
    fo = model.fo
    skill = (float(fo.skill[serial]) if serial >= 0 else 0)
    for f_skill, _ in team:
        skill += f_skill
    size = len(team) + (serial >= 0)
    skill /= size
    quality = (1.0 + float(rng.pareto(p.quality_tail))) * (0.6 + 0.8 * skill) * quality_boost
    disruptive = bool(rng.random() < min(1.0, p.disruptive_share * disruptive_boost))
    if parent is not None:
        got = min(size, int(model.inc.headcount[parent.row]))
        model.inc.headcount[parent.row] -= got
        model.stats["job_moves"] += got
        got += take_workers(model, size - got)
    else:
        got = take_workers(model, size)
    cash = C.FOUNDER_SAVINGS * p.round_size_multiplier * size
    model.ledger.mint("founder_savings", cash)
    if serial >= 0:  # serial founders with money put some of it in
        wealth = fo.wealth
        if wealth[serial] > 0:
            own = 0.1 * wealth[serial]
            wealth[serial] -= own
            cash += own
    cash, angel = _angel(model, cash, rng)
    model.stats["founded"] += 1
    return (origin, serial, team, sector, quality, disruptive, cash, got,
            -1 if parent is None else parent.unique_id, uni, spill, angel)


def _angel(model, cash: float, rng: np.random.Generator) -> tuple:
    """A recycled successful founder may back a new startup as an angel: the startup's cash
    with the check, and ``(pre_money, angel's uid, check)`` for its cap table (or ``None``)."""
    angels = model.angel_rows
    n = len(angels)
    if not n:
        return cash, None
    chance = n / (n + 20.0 * model.p.scale)
    if rng.random() >= chance:
        return cash, None
    r = angels[int(rng.integers(n))]
    fo = model.fo
    check = min(C.ANGEL_CHECK * model.p.round_size_multiplier, fo.wealth[r])
    if check <= 0:
        return cash, None
    fo.wealth[r] -= check
    return cash + check, (C.PRE_MONEY[0] * model.p.round_size_multiplier, int(fo.uid[r]), check)


def step(model) -> None:
    p, rng = model.p, model.rngs["founding"]
    fo = model.fo
    pool = np.array(model.pool, dtype=np.int64)
    model.angel_rows = pool[fo.angel[pool]]  # once a step, not per startup
    m = model.ministry
    legitimacy = effective(model, "founding_legitimacy")
    boost = m.instrument("founding_boost")  # (the same all quarter)
    common = legitimacy * p.tech_opportunity * boost
    if common <= 0:
        return
    inc = model.inc
    ventures = []  # created at once at the end (model.add_ventures), in this order
    # incumbent spin-outs
    rows, mov = movable(model)
    lam = (effective(model, "spinout_rate") / C.STEPS_PER_YEAR * mov.sum() / 1000.0 * common
           * (C.SPINOUT_RISK_BASE + p.risk_tolerance))
    n = int(rng.poisson(lam)) if rows.size else 0
    if n:
        parents = choice(rng, rows, mov / mov.sum(), n)
        for r in parents:
            parent = model.incumbents[int(r)]
            sector = int(inc.sector[r]) if rng.random() < 0.7 else int(
                rng.integers(model.n_sectors))
            team = _team(model, rng, _team_size(rng))
            ventures.append(found(model, C.INCUMBENT_SPINOUT, team, sector, rng, parent=parent))
    # university spin-offs
    tt, spin_rate = effective(model, "tech_transfer"), effective(model, "uni_spinoff_rate")
    for uni in model.universities:
        lam = (spin_rate / C.STEPS_PER_YEAR * tt * uni.knowledge_index
               * ((1.0 - C.UNI_LEGITIMACY_WEIGHT) + C.UNI_LEGITIMACY_WEIGHT * legitimacy)
               * p.tech_opportunity * boost)
        for _ in range(int(rng.poisson(lam))):
            team = _team(model, rng, _team_size(rng))
            ventures.append(found(model, C.UNIVERSITY, team, int(rng.integers(model.n_sectors)),
                                  rng, quality_boost=1.0 + C.UNI_QUALITY_BOOST * tt,
                                  disruptive_boost=1.3, uni=uni, spill=C.UNI_SPILL_DRIFT * tt))
    # independent founders (idle people, new graduates)
    lam = 0.3 / C.STEPS_PER_YEAR * model.idle / 1000.0 * common
    for _ in range(int(rng.poisson(lam))):
        team = _team(model, rng, _team_size(rng))
        ventures.append(found(model, C.INDEPENDENT, team, int(rng.integers(model.n_sectors)),
                              rng))
    # serial founders
    if pool.size:  # the pool when founding started: no founder joins it during founding
        base = p.refounding_propensity * common
        stigma = np.where(fo.last_failed[pool], p.failure_stigma, 0.0)
        go = rng.random(pool.size) < np.clip(base * (1.0 - stigma), 0.0, 1.0)
        if go.any():
            leaving = pool[go]
            model.pool = pool[~go].tolist()
            # experience: skill + 0.05 x (exits + 0.5 x failures so far), capped at 1
            fo.skill[leaving] = np.minimum(
                1.0, fo.skill[leaving] + 0.05 * (fo.exited[leaving] + 0.5 * fo.failed[leaving]))
            fo.origin[leaving] = C.SERIAL
            for r in leaving.tolist():
                team = _team(model, rng, _team_size(rng) - 1)
                ventures.append(found(model, C.SERIAL, team, int(rng.integers(model.n_sectors)),
                                      rng, serial=r))
    model.add_ventures(ventures)
