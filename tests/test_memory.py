"""Models are freed when they go out of scope (issue 19 item 6); a released model refuses to
be used; the constructor checks its own arguments (item 8).

Memory is measured with tracemalloc (Python allocations, which hold the agents and the
tables): no timing is asserted, and the bound is generous (a model at scale 0.2 after a few
steps holds a few MB, so 200 models kept alive would be far above it)."""

from __future__ import annotations

import gc
import tracemalloc

import pytest

from abm.model import EcosystemModel, ModelReleasedError
from abm.params import ParameterError


def _one(i: int) -> None:
    m = EcosystemModel(preset="japan", seed=i, scale=0.2, record_events=False)
    m.run(4)
    m.summary()
    del m


def test_two_hundred_models_in_a_loop_keep_memory_flat():
    for i in range(5):  # warm caches (imports, numpy pools)
        _one(i)
    gc.collect()
    tracemalloc.start()
    try:
        gc.collect()
        base, _ = tracemalloc.get_traced_memory()
        one_model = None
        for i in range(200):
            if i == 0:
                m = EcosystemModel(preset="japan", seed=99, scale=0.2, record_events=False)
                m.run(4)
                one_model = tracemalloc.get_traced_memory()[0] - base
                del m
                continue
            _one(i)
        gc.collect()
        grown = tracemalloc.get_traced_memory()[0] - base
    finally:
        tracemalloc.stop()
    assert one_model > 200_000  # the measure sees a model
    # 200 models kept alive would be ~200 * one_model; flat means less than a few models
    assert grown < 5 * one_model, (grown, one_model)


def test_a_model_out_of_scope_is_collected():
    import weakref

    m = EcosystemModel(preset="korea", seed=3, scale=0.2).run(2)
    ref = weakref.ref(m)
    del m
    gc.collect()
    assert ref() is None


def test_using_a_released_model_raises_a_clear_error():
    m = EcosystemModel(preset="japan", seed=1, scale=0.2).run(2)
    assert not m.released
    m.release()
    assert m.released
    for call in (m.summary, m.timeseries, lambda: m.run(1), m.snapshot):
        with pytest.raises(ModelReleasedError, match="released"):
            call()


@pytest.mark.parametrize("kwargs,words", [
    (dict(preset=None), ["preset", "silicon_valley", "None"]),
    (dict(preset=3), ["preset", "japan"]),
    (dict(swaps="labor"), ["swaps", "component", "labor"]),
    (dict(swaps={"labor": 1}), ["swaps"]),
    (dict(params={"scale": 1}), ["params", "Params", "keyword"]),
    (dict(populate="no"), ["populate", "True or False", "'no'"]),
    (dict(record_events=1), ["record_events", "True or False"]),
    (dict(seed=-1), ["seed", "non-negative"]),
    (dict(seed="1"), ["seed"]),
    (dict(preset="narnia"), ["narnia", "silicon_valley"]),
    (dict(swaps={"labour": "japan"}), ["labour", "labor"]),
    (dict(scale="big"), ["scale"]),
    (dict(job_mobility=5), ["job_mobility", "[0, 0.3]"]),
    (dict(no_such_parameter=1), ["no_such_parameter"]),
])
def test_constructor_arguments_raise_parameter_error(kwargs, words):
    kwargs = {"seed": 1, **kwargs}
    with pytest.raises(ParameterError) as info:
        EcosystemModel(**kwargs)
    for w in words:
        assert w in str(info.value), (w, str(info.value))
