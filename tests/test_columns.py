"""Column-table agents: the declared columns, their ODD tables, the fund rules written once and
the within-quarter hand-offs.

Startups and incumbents are rows of ``model.st`` and ``model.inc``; their columns are declared
once beside the agent classes (``Startup.COLUMNS``, ``Incumbent.COLUMNS``,
``VCFund.FIXED_COLUMNS``) and docs/ODD.md lists them from there
(``scripts/gen_odd_columns.py``).
"""

from __future__ import annotations

import importlib.util
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import builders as B
from abm import EcosystemModel
from abm import constants as C
from abm.agents import (Founder, Incumbent, Startup, VCFund, fund_may_follow_on,
                        fund_may_invest, screen_allowance)
from abm.mechanisms import funding
from abm.model import Quarter
from abm.tables import Col, Table

ROOT = Path(__file__).resolve().parent.parent
GENERATOR = ROOT / "scripts" / "gen_odd_columns.py"
ODD = ROOT / "docs" / "ODD.md"
DECLARED = {"founder": Founder.COLUMNS, "startup": Startup.COLUMNS, "incumbent": Incumbent.COLUMNS,
            "fund": VCFund.FIXED_COLUMNS}


def _generator():
    spec = importlib.util.spec_from_file_location("gen_odd_columns", GENERATOR)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# -- declarations ----------------------------------------------------------------------------
@pytest.mark.parametrize("key", list(DECLARED))
def test_every_column_is_declared_with_dtype_default_and_meaning(key):
    columns = DECLARED[key]
    names = [c.name for c in columns]
    assert len(names) == len(set(names)), f"{key}: a column is declared twice"
    for c in columns:
        assert isinstance(c, Col)
        assert c.name.isidentifier()
        assert len(c.meaning.split()) >= 2, f"{key}.{c.name}: no meaning"
        dtype = np.dtype(c.dtype)
        assert np.array([c.default], dtype=dtype)[0] == c.default, (
            f"{key}.{c.name}: default {c.default!r} does not fit {dtype}")


def test_model_tables_have_exactly_the_declared_columns():
    m = EcosystemModel(preset="japan", seed=3, scale=0.2)
    m.run(6)
    for table, key in ((m.fo, "founder"), (m.st, "startup"), (m.inc, "incumbent"),
                       (m.fund_table, "fund")):
        assert table.columns == tuple(c.name for c in DECLARED[key])
        for c in DECLARED[key]:
            assert getattr(table, c.name).dtype == np.dtype(c.dtype), (key, c.name)
    assert m.st.n > 0 and m.inc.n > 0 and m.fund_table.n == len(m.funds)
    assert m.fo.n >= len(m.founder_by_uid) > 0
    for f in m.founder_by_uid.values():
        assert m.fo.uid[f.row] == f.unique_id


def test_a_founder_is_a_view_onto_its_row():
    """Founders keep their attributes by name, read from and written to ``model.fo``, with
    the Python types the attributes had (float, int, bool; wealth as stored)."""
    m = B.make_model(seed=1)
    f, g = B.add_founders(m, 2)
    f.wealth = 2.5
    f.wealth += 0.5
    f.skill = 0.25
    f.last_failed = True
    f.failed += 1
    assert m.fo.wealth[f.row] == 3.0 and m.fo.skill[f.row] == 0.25
    assert m.fo.last_failed[f.row] and m.fo.failed[f.row] == 1
    assert not m.fo.last_failed[g.row] and m.fo.wealth[g.row] == 0.0
    m.fo.exited[f.row] = 2
    m.fo.startup[g.row] = 7
    assert f.exited == 2 and g.startup == 7
    assert type(f.skill) is float and type(f.exited) is int and type(f.last_failed) is bool
    assert type(f.wealth) is float
    m.fo.wealth[g.row] = np.float64(1.5)  # an object column keeps the value's own type
    assert type(g.wealth) is np.float64
    assert f in m.agents and m.founder_at[f.row] is f


def test_a_new_row_takes_the_declared_defaults():
    table = Table(Startup.COLUMNS, capacity=4)
    row = table.add(cash=2.5)
    for c in Startup.COLUMNS:
        want = 2.5 if c.name == "cash" else c.default
        assert getattr(table, c.name)[row] == want, c.name


def test_column_table_agents_promise_no_attribute_views():
    """The agents are row handles: their numbers are read from the tables, not ``agent.cash``
    (no descriptor pretends otherwise)."""
    m = B.make_model(seed=1)
    s = B.add_startup(m, cash=3.0)
    inc = B.add_incumbent(m)
    for agent, columns in ((s, Startup.COLUMNS), (inc, Incumbent.COLUMNS)):
        for c in columns:
            assert not hasattr(type(agent), c.name), f"{type(agent).__name__}.{c.name}"
    assert m.st.cash[s.row] == 3.0


# -- the ODD lists the declarations ----------------------------------------------------------
def test_odd_column_tables_match_the_code():
    text = ODD.read_text(encoding="utf-8")
    assert _generator().generate(text) == text, (
        "docs/ODD.md column tables differ from the declarations: run "
        "`python scripts/gen_odd_columns.py`")


@pytest.mark.slow
def test_odd_generator_check_mode_fails_on_drift(tmp_path):
    odd = tmp_path / "ODD.md"
    text = ODD.read_text(encoding="utf-8")
    odd.write_text(text.replace("| `risk` |", "| `risk_` |"), encoding="utf-8")
    result = subprocess.run([sys.executable, str(GENERATOR), "--check", "--odd", str(odd)],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1, result.stdout + result.stderr
    odd.write_text(text, encoding="utf-8")
    result = subprocess.run([sys.executable, str(GENERATOR), "--check", "--odd", str(odd)],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("key", list(DECLARED))
def test_odd_block_names_every_column(key):
    block = _generator().render(key)
    for c in DECLARED[key]:
        assert f"| `{c.name}` |" in block


# -- fund rules, written once ----------------------------------------------------------------
def test_fund_rules_on_hand_built_inputs():
    corp = np.array([True, True, False, False, False, False])
    alive = np.array([True, False, False, False, False, False])
    age = np.array([999, 0, 0, C.INVEST_PERIOD - 1, C.INVEST_PERIOD, C.FOLLOW_ON_END])
    assert fund_may_invest(corp, age, alive).tolist() == [True, False, True, True, False, False]
    assert fund_may_follow_on(corp, age, alive).tolist() == [True, False, True, True, True,
                                                            False]
    gov = np.array([False, False, True, False, False, False])
    w = 0.7
    assert screen_allowance(corp, gov, w).tolist() == [1.2 * w, 1.2 * w, 0.6, 0.0, 0.0, 0.0]
    assert C.CVC_MAX_EASE == pytest.approx(C.CVC_FIT_SECTOR + C.CVC_FIT_COMPLEMENT
                                           + C.CVC_FIT_PARTNER + C.CVC_BAR_EASE)


def test_fund_methods_evaluate_the_rule_for_one_fund():
    m = B.make_model(seed=2, step=30)
    parent = B.add_incumbent(m, cash=100.0)
    cvc = B.add_fund(m, "corporate", size=50.0, parent=parent)
    young = B.add_fund(m, size=50.0, vintage=30 - 2)
    mid = B.add_fund(m, size=50.0, vintage=30 - C.INVEST_PERIOD)
    old = B.add_fund(m, size=50.0, vintage=30 - C.FOLLOW_ON_END)
    assert [f.investing() for f in (cvc, young, mid, old)] == [True, True, False, False]
    assert [f.can_follow_on() for f in (cvc, young, mid, old)] == [True, True, True, False]
    m.inc.alive[parent.row] = False
    assert not cvc.investing() and not cvc.can_follow_on()
    young.closed = True
    assert not young.investing() and not young.can_follow_on()


def test_pacing_rule_on_hand_built_funds():
    m = B.make_model(seed=2, step=10)
    on_plan = B.add_fund(m, size=100.0, vintage=0)  # half the period gone, all cash left
    want = min(max(C.PACING * math.log(1.0 / 0.5), -C.PACING_AHEAD_MAX), C.PACING_BEHIND_MAX)
    assert on_plan.pacing() == pytest.approx(want)
    on_plan.cash = 50.0  # half the cash left with half the period left: on schedule
    assert on_plan.pacing() == pytest.approx(0.0, abs=1e-12)
    on_plan.cash = 0.0  # far ahead: the bar rises by at most PACING_AHEAD_MAX
    assert on_plan.pacing() == -C.PACING_AHEAD_MAX
    parent = B.add_incumbent(m, cash=10.0)
    assert B.add_fund(m, "corporate", size=10.0, parent=parent).pacing() == 0.0
    table = funding._fund_table(m)
    live, col = table
    ease = {f: e for f, e in zip(live, col["ease"])}
    assert ease[on_plan] == -C.PACING_AHEAD_MAX  # the table collects the same rule


def test_merit_is_one_formula_for_a_row_and_for_arrays():
    m = B.make_model(seed=4)
    a = B.add_startup(m, quality=3.0, revenue=0.2, stage=1)
    b = B.add_startup(m, quality=0.8, stage=2)
    rows = np.array([a.row, b.row])
    stages = np.array([2, 3])
    arr = funding.merit(m, rows, stages)
    for i, (row, stage) in enumerate(zip(rows.tolist(), stages.tolist())):
        want = math.log(m.st.quality[row]) + C.MERIT_TRACTION * (m.st.lrev[row]
                                                                 - C.REF_LREV[stage])
        assert funding.merit(m, row, stage) == pytest.approx(want, rel=1e-15)
        assert arr[i] == pytest.approx(want, rel=1e-15)


# -- within-quarter hand-offs ----------------------------------------------------------------
def test_quarter_hand_offs_start_empty_each_step():
    m = EcosystemModel(preset="silicon_valley", seed=6, scale=0.2)
    m.run(8)
    before = m.quarter
    m.private_round_rows.append(-99)  # a stale value must not survive into the next quarter
    m.step()
    assert m.quarter is not before and -99 not in m.private_round_rows
    assert m.insolvent.dtype == np.int64


def test_model_aliases_read_and_write_the_quarter():
    m = B.make_model(seed=1)
    assert isinstance(m.quarter, Quarter)
    m.insolvent = np.array([3])
    m.private_round_rows = [1, 2]
    assert m.quarter.insolvent.tolist() == [3]
    assert m.quarter.private_round_rows == [1, 2]
