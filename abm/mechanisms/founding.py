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


def found(model, origin: int, founders: list, sector: int, rng: np.random.Generator,
          quality_boost: float = 1.0, disruptive_boost: float = 1.0, parent=None) -> "object":
    """Create one startup with its founders, team and seed money."""
    p = model.p
    skill = sum(f.skill for f in founders) / len(founders)
    quality = (1.0 + float(rng.pareto(p.quality_tail))) * (0.6 + 0.8 * skill) * quality_boost
    disruptive = bool(rng.random() < min(1.0, p.disruptive_share * disruptive_boost))
    team = len(founders)
    if parent is not None:
        got = min(team, int(model.inc.headcount[parent.row]))
        model.inc.headcount[parent.row] -= got
        model.stats["job_moves"] += got
        got += take_workers(model, team - got)
    else:
        got = take_workers(model, team)
    savings = C.FOUNDER_SAVINGS * p.round_size_multiplier * team
    model.ledger.mint("founder_savings", savings)
    s = model.add_startup(founders, sector=sector, quality=quality, disruptive=disruptive,
                          origin=origin, cash=savings, headcount=got)
    wealth = model.fo.wealth
    for f in founders:  # serial founders with money put some of it in
        r = f.row
        if wealth[r] > 0:
            own = 0.1 * wealth[r]
            wealth[r] -= own
            model.st.cash[s.row] += own
    if parent is not None:
        model.link(parent.unique_id, s.unique_id, "spinoff")
    _angel(model, s, rng)
    model.stats["founded"] += 1
    return s


def _angel(model, startup, rng: np.random.Generator) -> None:
    """A recycled successful founder may back a new startup as an angel."""
    angels = model.angel_rows
    n = len(angels)
    if not n:
        return
    chance = n / (n + 20.0 * model.p.scale)
    if rng.random() >= chance:
        return
    r = angels[int(rng.integers(n))]
    fo = model.fo
    check = min(C.ANGEL_CHECK * model.p.round_size_multiplier, fo.wealth[r])
    if check <= 0:
        return
    fo.wealth[r] -= check
    model.st.cash[startup.row] += check
    startup.dilute(C.PRE_MONEY[0] * model.p.round_size_multiplier, {int(fo.uid[r]): check})


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
            team = [model.add_founder(C.INCUMBENT_SPINOUT, rng) for _ in range(_team_size(rng))]
            found(model, C.INCUMBENT_SPINOUT, team, sector, rng, parent=parent)
    # university spin-offs
    tt, spin_rate = effective(model, "tech_transfer"), effective(model, "uni_spinoff_rate")
    for uni in model.universities:
        lam = (spin_rate / C.STEPS_PER_YEAR * tt * uni.knowledge_index
               * ((1.0 - C.UNI_LEGITIMACY_WEIGHT) + C.UNI_LEGITIMACY_WEIGHT * legitimacy)
               * p.tech_opportunity * boost)
        for _ in range(int(rng.poisson(lam))):
            team = [model.add_founder(C.UNIVERSITY, rng) for _ in range(_team_size(rng))]
            s = found(model, C.UNIVERSITY, team, int(rng.integers(model.n_sectors)), rng,
                      quality_boost=1.0 + C.UNI_QUALITY_BOOST * tt, disruptive_boost=1.3)
            model.st.spill[s.row] = C.UNI_SPILL_DRIFT * tt
            uni.spinoffs += 1
            model.link(uni.unique_id, s.unique_id, "spinoff")
    # independent founders (idle people, new graduates)
    lam = 0.3 / C.STEPS_PER_YEAR * model.idle / 1000.0 * common
    for _ in range(int(rng.poisson(lam))):
        team = [model.add_founder(C.INDEPENDENT, rng) for _ in range(_team_size(rng))]
        found(model, C.INDEPENDENT, team, int(rng.integers(model.n_sectors)), rng)
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
            at = model.founder_at
            for r in leaving.tolist():
                team = [at[r]] + [model.add_founder(C.SERIAL, rng)
                                  for _ in range(_team_size(rng) - 1)]
                found(model, C.SERIAL, team, int(rng.integers(model.n_sectors)), rng)
