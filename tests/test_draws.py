"""abm.draws.choice against numpy's Generator.choice: same values, same generator state."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as hs

from abm.draws import choice


@settings(max_examples=300, deadline=None)
@given(seed=hs.integers(0, 2**32 - 1),
       weights=hs.lists(hs.floats(0.0, 1e6, allow_subnormal=False), min_size=1, max_size=40),
       size=hs.one_of(hs.none(), hs.integers(0, 25)),
       as_int=hs.booleans())
def test_choice_is_numpy_choice(seed, weights, size, as_int):
    w = np.array(weights)
    if w.sum() <= 0:
        w[0] = 1.0
    p = w / w.sum()
    a = len(p) if as_int else np.arange(100, 100 + len(p))
    r1, r2 = np.random.default_rng(seed), np.random.default_rng(seed)
    got, want = choice(r1, a, p, size), r2.choice(a, size=size, p=p)
    assert np.array_equal(np.asarray(got), np.asarray(want))
    assert type(got) is type(want) or size is None
    assert r1.bit_generator.state == r2.bit_generator.state


def test_choice_of_a_tuple_of_weights_and_of_one_value():
    r1, r2 = np.random.default_rng(5), np.random.default_rng(5)
    got = [choice(r1, 3, (0.4, 0.4, 0.2)) for _ in range(200)]
    want = [r2.choice(3, p=(0.4, 0.4, 0.2)) for _ in range(200)]
    assert got == [int(x) for x in want] and set(got) == {0, 1, 2}
