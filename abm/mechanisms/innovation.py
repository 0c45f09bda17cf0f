"""Innovation bookkeeping for the Mark I / Mark II indicators (Malerba & Orsenigo).

Innovations themselves arise in the mechanisms that produce them: startups' own research
(:mod:`~abm.mechanisms.operations`), incumbents' R&D (:mod:`~abm.mechanisms.incumbents`) and
partnerships (:mod:`~abm.mechanisms.partnerships`, credited to the startup). Here the
cumulative count per innovator is snapshotted at the burn-in and every 10 steps, so the
summary can compare innovators between two periods (rank stability, new innovators).
"""

from __future__ import annotations

from ..units import Mechanism

UNIT = Mechanism(
    name="innovation", stream=None,
    outputs=("top4_innovator_share", "innovator_rank_correlation", "new_innovator_share"))
"""What this mechanism owns (:mod:`abm.units`)."""

SNAPSHOT_EVERY = 10


def snapshot(model) -> None:
    t = model.steps  # the step just completed (Mesa counts from 1)
    if t == model.burn_in or t % SNAPSHOT_EVERY == 0:
        model.innovators[t] = (model.st.view("innovations").copy(),
                               model.inc.view("innovations").copy())
