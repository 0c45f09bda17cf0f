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

How it runs (results as if each venture were created in turn): each channel's random draws
come from one call of :func:`abm.kernels.venture_draws` (in the order the ventures make
them), each venture then moves its people and money in order (:func:`_found`), and the
quarter's agents, table rows, cap tables and ties are created at once at the end
(``EcosystemModel.add_ventures``), with the ``unique_id`` s they would have had one by one.
"""

from __future__ import annotations

import numpy as np

from .. import constants as C
from .. import kernels
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


def _found(model, origin: int, serial: int, team: list[tuple[float, float]], sector: int,
           pareto: float, u: float, angel: int, quality_boost: float = 1.0,
           disruptive_boost: float = 1.0, parent=None, uni=None, spill=None) -> tuple:
    """Decide one startup from its draws (:func:`abm.kernels.venture_draws`): its quality
    ``(1 + pareto) x (0.6 + 0.8 x team skill) x quality_boost``, whether it is disruptive
    (``u`` below ``disruptive_share x disruptive_boost``), its people (from the parent
    incumbent, the idle pool, then incumbents) and seed money (the founders' savings, a serial
    founder's own money, the angel's check), moving people and money now, in order. The
    agents, rows and ties are created for all of a quarter's ventures at once by
    ``model.add_ventures`` from the record returned here (``team``: the new founders'
    ``(skill, risk_tolerance)``; ``serial``: the row of a pool founder who leads it, or -1;
    ``angel``: index into ``model.angel_rows``, or -1)."""
    p = model.p
    fo = model.fo
    skill = (float(fo.skill[serial]) if serial >= 0 else 0)
    for f_skill, _ in team:
        skill += f_skill
    size = len(team) + (serial >= 0)
    skill /= size
    quality = (1.0 + pareto) * (0.6 + 0.8 * skill) * quality_boost
    disruptive = bool(u < min(1.0, p.disruptive_share * disruptive_boost))
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
    record = None
    if angel >= 0:  # a recycled successful founder backs it as an angel
        r = model.angel_rows[angel]
        check = min(C.ANGEL_CHECK * p.round_size_multiplier, fo.wealth[r])
        if check > 0:
            fo.wealth[r] -= check
            cash = cash + check
            record = (C.PRE_MONEY[0] * p.round_size_multiplier, int(fo.uid[r]), check)
    model.stats["founded"] += 1
    return (origin, serial, team, sector, quality, disruptive, cash, got,
            -1 if parent is None else parent.unique_id, uni, spill, record)


KERNEL_FROM = 2.0
"""Expected ventures of a channel from which its draws are made by the compiled
:func:`abm.kernels.venture_draws` (a call costs ~9 us, its Python source ~6 us a venture;
both draw the same numbers): a speed setting, not a model constant."""


def _draws(model, rng: np.random.Generator, mode: int, lams: np.ndarray, n: int) -> tuple:
    """One channel's draws (:func:`abm.kernels.venture_draws`, compiled, or as plain Python
    when numba is off or the channel expects fewer than :data:`KERNEL_FROM` ventures) as
    Python lists: each venture's ``[sector, new founders, angel, university]`` and
    ``[pareto, uniform]``, and each new founder's ``(skill, risk_tolerance)``."""
    p = model.p
    expected = n if lams.size == 0 else float(lams.sum())
    draw = (kernels.venture_draws if kernels.ENABLED and expected >= KERNEL_FROM
            else kernels.venture_draws.py_func)
    n_angels = len(model.angel_rows)
    chance = n_angels / (n_angels + 20.0 * p.scale) if n_angels else 0.0
    v, u, f = draw(rng, mode, lams, n, int(model.n_sectors), float(p.quality_tail),
                   float(p.risk_tolerance), n_angels, chance)
    team = [(skill, min(max(risk, 0.0), 1.0)) for skill, risk in f.tolist()]
    return v.tolist(), u.tolist(), team


_NO_LAMS = np.zeros(0)


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
        v, u, team = _draws(model, rng, kernels.SPINOUT, _NO_LAMS, n)
        j = 0
        for r, (sector, new, angel, _), (pareto, uniform) in zip(parents.tolist(), v, u):
            if sector < 0:
                sector = int(inc.sector[r])
            ventures.append(_found(model, C.INCUMBENT_SPINOUT, -1, team[j:j + new], sector,
                                   pareto, uniform, angel, parent=model.incumbents[r]))
            j += new
    # university spin-offs
    tt, spin_rate = effective(model, "tech_transfer"), effective(model, "uni_spinoff_rate")
    unis = model.universities
    if unis:
        lams = np.array([spin_rate / C.STEPS_PER_YEAR * tt * uni.knowledge_index
                         * ((1.0 - C.UNI_LEGITIMACY_WEIGHT) + C.UNI_LEGITIMACY_WEIGHT * legitimacy)
                         * p.tech_opportunity * boost for uni in unis], dtype=np.float64)
        v, u, team = _draws(model, rng, kernels.SPINOFF, lams, 0)
        quality_boost, spill = 1.0 + C.UNI_QUALITY_BOOST * tt, C.UNI_SPILL_DRIFT * tt
        j = 0
        for (sector, new, angel, src), (pareto, uniform) in zip(v, u):
            ventures.append(_found(model, C.UNIVERSITY, -1, team[j:j + new], sector, pareto,
                                   uniform, angel, quality_boost=quality_boost,
                                   disruptive_boost=1.3, uni=unis[src], spill=spill))
            j += new
    # independent founders (idle people, new graduates)
    lam = 0.3 / C.STEPS_PER_YEAR * model.idle / 1000.0 * common
    v, u, team = _draws(model, rng, kernels.FOUNDING_INDEPENDENT,
                        np.array([lam], dtype=np.float64), 0)
    j = 0
    for (sector, new, angel, _), (pareto, uniform) in zip(v, u):
        ventures.append(_found(model, C.INDEPENDENT, -1, team[j:j + new], sector, pareto,
                               uniform, angel))
        j += new
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
            leaving = leaving.tolist()
            v, u, team = _draws(model, rng, kernels.FOUNDING_SERIAL, _NO_LAMS, len(leaving))
            j = 0
            for r, (sector, new, angel, _), (pareto, uniform) in zip(leaving, v, u):
                ventures.append(_found(model, C.SERIAL, r, team[j:j + new], sector, pareto,
                                       uniform, angel))
                j += new
    model.add_ventures(ventures)
