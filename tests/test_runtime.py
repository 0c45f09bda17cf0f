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
    assert _model_garbage() == []


def _model_garbage() -> list:
    """Objects of the model's or Mesa's types (agents, agent sets...) or functions found
    in reference cycles by a full collection (the type names).

    (Not ``gc.collect() == 0``: background threads of earlier tests, a Solara kernel's
    tornado loop say, leave cycles of their own at moments the model does not control.)"""
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        gc.collect()
        found = list(gc.garbage)
    finally:
        gc.set_debug(0)
        gc.garbage.clear()

    def ours(obj) -> bool:
        code = getattr(obj, "__code__", None)
        where = code.co_filename if code is not None else type(obj).__module__ or ""
        return any(part in where for part in ("abm", "mesa", "/experiments/"))

    return [type(o).__name__ for o in found if ours(o)]


def test_model_garbage_sees_a_cycle_of_model_objects():
    from abm.agents import Founder

    m = EcosystemModel(preset="japan", seed=1, scale=0.2)
    gc.collect()
    a = Founder(m, 0, 0.5, 0.5)
    a.me = a  # a cycle through a model object
    a.remove()
    del a
    assert "Founder" in _model_garbage()


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


@pytest.mark.parametrize("preset", ["silicon_valley", "japan", "korea"])
def test_fund_pools_follow_the_scalar_rules(preset):
    """funding._fund_table reads every live fund once and decides vectorised; the pools must
    hold the funds VCFund.investing() picks, in order, each fund's most lenient bar shift
    must be VCFund.pacing() plus its kind's screening allowance (the bound predraw relies
    on), and the followers the funds VCFund.can_follow_on() picks."""
    from abm.mechanisms import funding

    m = EcosystemModel(preset=preset, seed=11, scale=0.3)
    w = m.p.cvc_strategic_weight
    checked = 0
    for _ in range(12):
        m.run(5)
        table = funding._fund_table(m)
        pools = funding._pools(m, table)
        assert list(funding._followers(m, table).values()) == [
            f for f in m.live_funds() if f.can_follow_on()]
        assert funding.investing_funds(m) == [f for f in m.live_funds() if f.investing()]
        fixed = m.fund_table
        for f in m.funds:
            assert (fixed.stage_min[f.row], fixed.stage_max[f.row], fixed.skill[f.row],
                    fixed.vintage[f.row], fixed.corporate[f.row], fixed.government[f.row],
                    fixed.parent[f.row]) == (
                f.stage_min, f.stage_max, f.skill, f.vintage, f.kind == "corporate",
                f.kind == "government", -1 if f.parent is None else f.parent.row)
        for stage in range(1, C.GROWTH + 1):
            floor = 0.05 * C.ROUND_SIZE[stage] * m.p.round_size_multiplier
            want = [f for f in m.live_funds() if f.cash > 0 and f.investing()
                    and f.stage_min <= stage <= f.stage_max and f.cash >= floor]
            funds, _, noise, ease = pools[stage]
            assert funds == want
            for f, e, z in zip(funds, ease, noise):
                shift = {"corporate": 1.2 * w, "government": 0.6}.get(f.kind, 0.0)
                assert abs(e - (f.pacing() + shift)) < 1e-12
                assert z == 0.1 + 1.0 * (1.0 - f.skill)
                assert z == f.reading_noise  # the fund's own reading noise
                checked += 1
    assert checked > 100


def test_event_text_is_formatted_when_read():
    m = EcosystemModel(preset="japan", seed=1, scale=0.2)
    m.event("note", "Fund {} raised {:.1f} M", 7, 12.345)
    assert m.events[-1] == {"step": 0, "kind": "note", "text": "Fund 7 raised 12.3 M"}
    m.run(30)
    assert 0 < len(m.events) <= 300
    assert all(isinstance(e["text"], str) and "{" not in e["text"] for e in m.events)
    quiet = EcosystemModel(preset="japan", seed=1, scale=0.2, record_events=False)
    quiet.run(30)
    assert quiet.events == []
