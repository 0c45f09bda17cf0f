"""The compiled kernels (abm/kernels.py): the same results as the Python rules they stand for.

The funding walk is compared with the Python walk over whole quarters in tests/test_funding.py,
the small firms' kernels with the plain path in tests/test_smallfirms.py;
here: the pacing rule fund by fund, the walk's source run as plain Python against its compiled
version, the switch to the plain path (``ABM_NO_NUMBA=1``) and the on-disk cache (a fresh
process loads the kernels instead of compiling them).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from abm import constants as C
from abm import kernels as K
from abm.mechanisms import funding

import builders as B

ROOT = Path(__file__).resolve().parent.parent

needs_numba = pytest.mark.skipif(not K.ENABLED, reason="compiled kernels off (ABM_NO_NUMBA=1 "
                                 "or numba missing)")


def test_pacing_kernel_equals_the_funds_own_rule_to_the_bit():
    """abm.kernels.pacing over arrays = VCFund.pacing of each fund: behind and ahead of
    schedule, clipped at both ends, past the investing period, empty, corporate."""
    m = B.make_model(seed=3, step=40)
    parent = B.add_incumbent(m, revenue=800.0)
    funds = [B.add_fund(m, size=size, vintage=40 - age)
             for size in (5.0, 100.0, 1000.0) for age in (0, 3, 11, 19, 20, 35)]
    funds += [B.add_fund(m, "corporate", size=50.0, parent=parent),
              B.add_fund(m, "government", size=80.0, vintage=33)]
    rng = np.random.default_rng(0)
    for f in funds:  # cash anywhere from nothing to all of it
        spent = f.cash * float(rng.choice([0.0, 1.0, rng.random(), 1 - 1e-5]))
        f.cash -= spent
        m.ledger.sink(B.TEST_SOURCE, spent)
    empty = B.add_fund(m, size=0.0)
    funds.append(empty)
    table = funding._fund_table(m)
    live, col = table
    assert live == funds
    expected = np.array([f.pacing() for f in live])
    k = K.walk_constants(m.p)
    got = K.pacing(col["cash"], col["size"], col["vintage"], col["kind"], m.steps, k)
    assert got.tobytes() == expected.tobytes()
    plain = K.pacing.py_func(col["cash"], col["size"], col["vintage"], col["kind"], m.steps, k)
    assert plain.tobytes() == expected.tobytes()
    assert expected.min() == -C.PACING_AHEAD_MAX and expected.max() == C.PACING_BEHIND_MAX


@needs_numba
def test_walk_source_run_as_python_equals_the_compiled_walk(monkeypatch):
    """The walk's own source, run by the interpreter (its ``py_func``, drawing from the
    same numpy generator), gives what the compiled kernel gives: numba compiles the
    Python meaning, draws included."""
    from test_funding import _digest, _run_funding

    compiled = _run_funding(monkeypatch, True, seed=21, quarters=3)
    monkeypatch.setattr(K, "funding_walk", K._compile()["funding_walk"].py_func)
    plain = _run_funding(monkeypatch, True, seed=21, quarters=3)
    assert len(compiled.rounds) > 10
    assert _digest(plain) == _digest(compiled)


def _child(code: str, **env: str) -> dict:
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                         text=True, timeout=600,
                         env={**os.environ, "PYTHONPATH": str(ROOT), **env})
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


_RUN = ("import json, sys; from abm import kernels as K; from abm.model import EcosystemModel; "
        "m = EcosystemModel('japan', seed=1, scale=0.1); m.run(8); "
        "s = m.summary(); print(json.dumps({'enabled': K.ENABLED, "
        "'numba': 'numba' in sys.modules, 'summary': s}))")


@needs_numba
def test_abm_no_numba_selects_the_plain_path_with_the_same_results():
    plain = _child(_RUN, ABM_NO_NUMBA="1")
    compiled = _child(_RUN, ABM_NO_NUMBA="")
    assert plain["enabled"] is False and plain["numba"] is False  # numba not even imported
    assert compiled["enabled"] is True and compiled["numba"] is True
    assert plain["summary"] == compiled["summary"]


@needs_numba
def test_a_fresh_process_loads_the_kernels_from_the_disk_cache():
    """After one process compiled (or loaded) the kernels, the next loads every one from
    numba's on-disk cache: no compilation in a fresh pool or Dask worker."""
    code = ("import json; from abm import kernels as K; K.warm(); g = K._compile(); "
            "print(json.dumps({n: [sum(g[n].stats.cache_hits.values()), "
            "sum(g[n].stats.cache_misses.values())] for n in ('pacing', 'funding_walk', "
            "'smallfirm_age_arg', 'smallfirm_exit_arg', 'smallfirm_exit', 'smallfirm_growth', "
            "'smallfirm_grown', 'smallfirm_parents')}))")
    _child(code)                       # compiles if this checkout never did
    stats = _child(code)
    assert all(hits >= 1 and misses == 0 for hits, misses in stats.values()), stats


def _venture_draws_by_hand(rng, mode, lams, n, n_sectors, tail, risk_mean, n_angels, chance):
    """The draws of founding's channels as the founding code made them before the kernel:
    one numpy call per number (``rng.integers(k)``, ``rng.binomial(2, 0.35)``...)."""
    ventures, u, founders = [], [], []
    sources = range(len(lams)) if mode in (K.SPINOFF, K.FOUNDING_INDEPENDENT) else range(1)
    for src in sources:
        count = (int(rng.poisson(lams[src])) if mode in (K.SPINOFF, K.FOUNDING_INDEPENDENT)
                 else n)
        for _ in range(count):
            sector = -1
            if mode == K.SPINOUT and not rng.random() < 0.7:
                sector = int(rng.integers(n_sectors))
            new = 1 + int(rng.binomial(2, 0.35)) - (mode == K.FOUNDING_SERIAL)
            for _j in range(new):
                skill = float(rng.beta(2.0, 2.0))
                founders.append([skill, float(rng.normal(risk_mean, 0.15))])
            if mode != K.SPINOUT:
                sector = int(rng.integers(n_sectors))
            quality = float(rng.pareto(tail))
            u.append([quality, rng.random()])
            angel = -1
            if n_angels and rng.random() < chance:
                angel = int(rng.integers(n_angels))
            ventures.append([sector, new, angel, src if mode == K.SPINOFF else -1])
    return ventures, u, founders


@pytest.mark.parametrize("mode", [0, 1, 2, 3])
def test_venture_draws_equal_one_numpy_call_per_number(mode):
    """abm.kernels.venture_draws (compiled and as plain Python) gives founding's draws, and
    leaves the generator where one numpy call per number leaves it: every channel, with and
    without angels, with enough ventures to grow its arrays."""
    lams = np.array([0.0, 3.5, 12.0, 0.4, 25.0]) if mode == K.SPINOFF else (
        np.array([40.0]) if mode == K.FOUNDING_INDEPENDENT else np.zeros(0))
    for n_angels, chance in ((0, 0.0), (7, 0.35)):
        args = (mode, lams, 90, 9, 1.6, 0.55, n_angels, chance)
        ref = np.random.default_rng(11)
        expected = _venture_draws_by_hand(ref, *args)
        fns = [K.venture_draws.py_func] + ([K._compile()["venture_draws"]] if K.ENABLED else [])
        for fn in fns:
            rng = np.random.default_rng(11)
            v, u, f = fn(rng, *args)
            assert (v.tolist(), u.tolist(), f.tolist()) == expected
            assert rng.bit_generator.state == ref.bit_generator.state
        assert len(expected[0]) > 16 and len(expected[2]) > 32  # the arrays grew
