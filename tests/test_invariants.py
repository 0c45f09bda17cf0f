"""The shared invariant check (tests/builders.py, tests/conftest.py) can fail, and does.

Every test file named after a mechanism module runs with :func:`builders.invariants_checked`;
these tests break each invariant by hand and check that the next mechanism call reports it, and
that only the test's own calls are checked (not the calls one mechanism makes to another).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from abm import constants as C
from abm import workforce
from abm.mechanisms import exits, funds
from abm.units import ACTIONS

import builders as B
from conftest import MECHANISM_MODULES, is_mechanism_test_file

TESTS = Path(__file__).resolve().parent


def _situation():
    m = B.make_model(seed=1, step=30)
    buyer = B.add_incumbent(m, sector=0, revenue=1000.0, cash=800.0, headcount=50)
    vc = B.add_fund(m, size=50.0)
    s = B.add_startup(m, sector=0, cash=2.0, headcount=10, stage=1, revenue=2.0)
    B.invest(m, s, {vc: 3.0}, pre=12.0)
    return m, buyer, vc, s


def test_a_consistent_situation_passes():
    m, *_ = _situation()
    B.assert_invariants(m)


def _break_money(m, buyer, vc, s):
    m.st.cash[s.row] += 1.0  # money from nowhere


def _negative_cash(m, buyer, vc, s):
    moved = vc.cash + 1.0  # the fund pays more than it has: money balanced, the sign wrong
    vc.cash -= moved
    m.inc.cash[buyer.row] += moved


def _negative_headcount(m, buyer, vc, s):
    m.inc.headcount[buyer.row] = -1


def _negative_revenue(m, buyer, vc, s):
    m.st.revenue[s.row] = -0.5


def _negative_idle(m, buyer, vc, s):
    m.idle = -3


def _stake_above_one(m, buyer, vc, s):
    s.cap_table[vc.unique_id] = 1.5


def _stakes_sum_above_one(m, buyer, vc, s):
    for holder in s.cap_table:
        s.cap_table[holder] = 0.6


@pytest.mark.parametrize("breach, message", [
    (_break_money, "money not accounted for"),
    (_negative_cash, "cash -1.0"),
    (_negative_headcount, "negative incumbent headcount"),
    (_negative_revenue, "negative startup revenue"),
    (_negative_idle, "idle workers"),
    (_stake_above_one, "outside [0, 1]"),
    (_stakes_sum_above_one, "sum to"),
])
def test_a_breach_is_reported_after_the_next_mechanism_call(breach, message):
    m, buyer, vc, s = _situation()
    breach(m, buyer, vc, s)
    with B.invariants_checked() as calls:
        with pytest.raises(AssertionError,
                           match="after abm.workforce.release") as err:
            workforce.release(m, 0)  # a checked call (a shared action) that changes nothing
    assert message in str(err.value)
    assert calls == ["release"]


def test_only_the_outermost_call_is_checked_and_the_wrappers_are_removed():
    m, buyer, vc, s = _situation()
    real = exits.acquire
    with B.invariants_checked() as calls:
        assert exits.acquire is not real and exits.acquire.__wrapped__ is real
        exits.acquire(m, s, buyer.row, 30.0, "integrate")  # pays out, deactivates, ...
        funds.life_cycle(m)
    assert calls == ["acquire", "life_cycle"]
    assert exits.acquire is real
    assert m.st.status[s.row] == C.ACQUIRED


def test_every_mechanism_module_has_functions_to_check():
    modules = {module.__name__ for module, _, _ in B.mechanism_functions()}
    assert modules == {f"abm.mechanisms.{name}" for name in MECHANISM_MODULES} | set(ACTIONS)


def test_mechanism_test_files_are_recognised_and_the_fixture_checks(mechanism_invariants):
    named = [p for p in sorted(TESTS.glob("test_*.py")) if is_mechanism_test_file(p)]
    assert {p.stem[len("test_"):] for p in named} >= {
        "exits", "founding", "funding", "funds", "incumbents", "labor", "partnerships", "policy"}
    assert not is_mechanism_test_file(TESTS / "test_invariants.py")
    m, *_ = _situation()
    workforce.release(m, 0)
    assert mechanism_invariants == ["close_round", "release"]  # B.invest closes a round
