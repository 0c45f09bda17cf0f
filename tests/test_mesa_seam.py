"""The seam between the model and Mesa (abm/_mesa.py): the package works on Mesa 3.3 to 3.5
without replacing anything of Mesa's for the process."""

from __future__ import annotations

import collections
import gc
import importlib.util
import pickle
import weakref
from pathlib import Path

import mesa
import numpy as np
import pytest

from abm import EcosystemModel, ParameterError, _mesa


def test_mesa_is_left_as_it_is():
    model = EcosystemModel(preset="japan", seed=1, scale=0.2)
    if _mesa.CLASS_LEVEL_IDS:  # Mesa 3.3: its registry stays Mesa's and never sees the model
        assert type(mesa.Agent._ids) is collections.defaultdict
        assert model not in mesa.Agent._ids
    else:
        assert not hasattr(mesa.Agent, "_ids")


def test_a_plain_mesa_model_keeps_mesas_numbering():
    class Plain(mesa.Model):
        pass

    m = Plain(**_mesa.model_kwargs(3))
    agents = [mesa.Agent(m) for _ in range(3)]
    assert [a.unique_id for a in agents] == [1, 2, 3]


def test_the_model_numbers_its_agents_and_the_counter_travels_with_it():
    model = EcosystemModel(preset="korea", seed=2, scale=0.2).run(6)
    ids = [a.unique_id for a in model.agents]
    assert len(set(ids)) == len(ids) and min(ids) == 1
    assert model.agent_id_counter > max(ids)
    twin = pickle.loads(pickle.dumps(model))
    assert twin.agent_id_counter == model.agent_id_counter
    model.run(4)
    twin.run(4)
    assert sorted(a.unique_id for a in twin.agents) == sorted(a.unique_id for a in model.agents)


def test_a_model_is_freed_without_release():
    model = EcosystemModel(preset="japan", seed=1, scale=0.2).run(2)
    ref = weakref.ref(model)
    del model
    gc.collect()
    assert ref() is None


def test_mesas_seed_keywords_are_the_seed():
    assert EcosystemModel(rng=5, scale=0.2, populate=False).seed == 5
    assert EcosystemModel(seed=5, rng=5, scale=0.2, populate=False).seed == 5
    with pytest.raises(ParameterError, match="seed given twice"):
        EcosystemModel(seed=5, rng=6, scale=0.2, populate=False)
    a = EcosystemModel(preset="japan", rng=7, scale=0.2).run(3).summary()
    b = EcosystemModel(preset="japan", seed=7, scale=0.2).run(3).summary()
    assert a == b


def test_a_mesa_scenario_gives_the_seed_and_parameter_values():
    scenarios = pytest.importorskip("mesa.experimental.scenarios")
    model = EcosystemModel(scenario=scenarios.Scenario(rng=4, scale=0.2, job_mobility=0.03),
                           populate=False)
    assert (model.seed, model.p.scale, model.p.job_mobility) == (4, 0.2, 0.03)


def test_the_baseline_is_exact_on_numpy_before_2_5_and_says_why_not_after():
    spec = importlib.util.spec_from_file_location(
        "update_baseline", Path(__file__).resolve().parents[1] / "scripts" / "update_baseline.py")
    ub = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(ub)
    numpy_2_5 = tuple(int(x) for x in np.__version__.split(".")[:2]) >= (2, 5)
    assert ub.STACK_REL_TOL == ({"labor_mobility_rate": 1e-3} if numpy_2_5 else {})
    assert "numpy 2.5" in ub.load()["about"]
