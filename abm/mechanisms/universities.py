"""Universities: knowledge, joint research with incumbents, spillovers.

Each university's knowledge stock grows with its research budget and depreciates
(``KNOWLEDGE_DEPRECIATION`` a quarter); its spin-off rate (``abm.mechanisms.founding``) scales
with the stock. Once a year each live incumbent starts a joint research project with a random
university with probability ``joint_research``: the incumbent's R&D capability rises by
``3% x tech_transfer`` (capped at 3) and the university's knowledge by a quarter's budget,
and a ``joint_research`` edge links them. University spin-offs carry a permanent growth-drift
bonus ``0.02 x tech_transfer`` (knowledge spillover). Graduates join the labour pool
(:mod:`abm.mechanisms.labor`).
"""

from __future__ import annotations

from .. import constants as C
from ..queries import effective
from ..units import Mechanism

UNIT = Mechanism(
    name="universities", stream="universities",
    reads=("tech_transfer", "joint_research", "JOINT_RESEARCH_RD_GAIN", "KNOWLEDGE_DEPRECIATION"))
"""What this mechanism owns (:mod:`abm.units`)."""


def step(model) -> None:
    p, rng = model.p, model.rngs["universities"]
    for uni in model.universities:
        uni.knowledge += 0.1 * uni.budget - C.KNOWLEDGE_DEPRECIATION * uni.knowledge
    if not model.is_new_year() or not model.universities:
        return
    inc = model.inc
    rows = inc.view("alive").nonzero()[0]
    if rows.size == 0:
        return
    starts = rows[rng.random(rows.size) < p.joint_research]
    tt = effective(model, "tech_transfer")
    for row in starts:
        uni = model.universities[int(rng.integers(len(model.universities)))]
        inc.rd[row] = min(3.0, inc.rd[row] * (1.0 + C.JOINT_RESEARCH_RD_GAIN * tt))
        uni.knowledge += uni.budget * 0.1
        uni.joint_projects += 1
        model.link(int(inc.uid[row]), uni.unique_id, "joint_research")
