"""Shared fixtures.

Every test in a file named after a mechanism module (``tests/test_<module>.py`` for
``abm/mechanisms/<module>.py``) runs with :func:`builders.invariants_checked`: after every
mechanism function the test calls, money is conserved, nobody holds negative cash, headcount or
revenue, and cap-table stakes are in [0, 1] summing to at most 1. A test of a new mechanism module
gets the checks by being named after it. Like Axelrod's shared ``TestPlayer`` base, the checks are
written once instead of at the end of each test.
"""

from __future__ import annotations

import pkgutil
from pathlib import Path

import pytest

import abm.mechanisms

import builders as B

MECHANISM_MODULES = frozenset(m.name for m in pkgutil.iter_modules(abm.mechanisms.__path__))
"""Names of the modules of abm/mechanisms/."""


def is_mechanism_test_file(path: Path) -> bool:
    """Whether ``path`` is ``tests/test_<module>.py`` for a module of abm/mechanisms/."""
    stem = Path(path).stem
    return stem.startswith("test_") and stem[len("test_"):] in MECHANISM_MODULES


@pytest.fixture
def mechanism_invariants():
    """Check :func:`builders.assert_invariants` after every mechanism call; yields the calls."""
    with B.invariants_checked() as calls:
        yield calls


@pytest.fixture(autouse=True)
def _invariants_in_mechanism_tests(request):
    if is_mechanism_test_file(request.path):
        request.getfixturevalue("mechanism_invariants")
    yield
