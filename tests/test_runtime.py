"""Run-time behaviour that the speed of the model relies on (see docs/performance.md)."""

from __future__ import annotations

import gc

import pytest

from abm import EcosystemModel
from abm import constants as C
from abm.presets import PRESET_NAMES


@pytest.mark.parametrize("preset", PRESET_NAMES)
def test_a_run_leaves_no_cyclic_garbage(preset):
    """EcosystemModel.run pauses the cyclic collector: that is only safe while the model
    creates no reference cycles (anything it drops is freed by reference counting)."""
    m = EcosystemModel(preset=preset, seed=3, scale=0.3)
    m.run(2)
    gc.collect()
    m.run(40)  # exits, failures, retirements, fund closings: agents come and go
    exited = m.st.view("status") != C.ACTIVE
    assert exited.any() and len(m.founder_pool) > 0
    assert gc.collect() == 0


def test_run_restores_the_collector_state_also_on_error():
    m = EcosystemModel(preset="japan", seed=1, scale=0.2)
    assert gc.isenabled()
    seen = []
    m.run(2, progress=lambda _: seen.append(gc.isenabled()))
    assert seen == [False, False] and gc.isenabled()

    def fail(step):
        raise RuntimeError("stop")

    with pytest.raises(RuntimeError):
        m.run(3, progress=fail)
    assert gc.isenabled()
    gc.disable()
    try:
        m.run(1)
        assert not gc.isenabled()  # a caller's own choice is left alone
    finally:
        gc.enable()


@pytest.mark.parametrize("preset", ["silicon_valley", "japan"])
def test_model_agents_are_the_live_agents(preset):
    """``model.agents`` (what ``abm bench`` counts as agent-steps) holds the live agents only:
    exited startups, closed funds, exited incumbents and retired founders have left it."""
    m = EcosystemModel(preset=preset, seed=5, scale=0.3)
    m.run(60)
    assert any(f.closed for f in m.funds)  # closings happened
    live = (set(m.startups.values()) | set(m.live_funds()) | set(m.founder_by_uid.values())
            | {i for i in m.incumbents if m.inc.alive[i.row]} | set(m.universities)
            | {m.ministry})
    assert set(m.agents) == live
