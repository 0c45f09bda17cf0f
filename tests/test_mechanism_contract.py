"""The contract of the mechanism units (:mod:`abm.units`, :data:`abm.mechanisms.REGISTRY`).

* every module of abm/mechanisms/ declares one registered ``UNIT`` of its own name; every unit
  says which stream it draws (or ``None``) and its outputs, and the streams its source reads
  are the ones it declares;
* the tuples derived from the declarations (``STREAMS``, ``SERIES``, ``FLOWS``, the app's
  ``LIVE_KEYS``) keep today's order and content (random streams are seeded by position, the
  DataCollector's columns and the baseline depend on them); new units only append;
* every declared series and flow is produced by a real run, and only by the units that declare
  it; every output declared in :mod:`abm.outputs` with a producer points to a registered unit
  that lists it;
* every unit has its test file (or a documented exception) and reads only parameters and
  constants that exist, declaring every parameter its source reads;
* no mechanism imports another mechanism module: shared look-ups come
  from :mod:`abm.queries`, shared actions from the modules of :data:`abm.units.ACTIONS`, which
  import no mechanism, declare no unit and draw nothing.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
import re
import sys
from collections import defaultdict
from dataclasses import MISSING
from pathlib import Path

import pytest

import abm.constants as C
import abm.mechanisms
from abm import EcosystemModel
from abm.mechanisms import REGISTRY
from abm.metrics import LIVE_KEYS
from abm.model import FLOWS, SERIES, STREAMS
from abm.outputs import OUTPUTS
from abm.params import SPECS
from abm.units import ACTIONS, Mechanism

ROOT = Path(__file__).resolve().parent.parent
MODULES = sorted(m.name for m in pkgutil.iter_modules(abm.mechanisms.__path__))
UNITS = [u for u in REGISTRY.values() if u.in_mechanisms]

# -- today's tuples: the derived ones must start with them, in this order -----------------------
TODAY_STREAMS = ("setup", "policy", "funds", "universities", "founding", "operations",
                 "partnerships", "funding", "exits", "incumbents", "labor", "smallfirms",
                 "technology")
TODAY_SERIES = (
    "active_startups", "public_startups", "founded", "failed", "ipos", "acquisitions",
    "vc_independent", "vc_corporate", "vc_government", "grants", "rounds", "incumbents",
    "hhi", "innovation_startups", "innovation_incumbents", "innovation_partnerships",
    "partnerships_active", "unicorns_to_date", "startup_employment", "incumbent_employment", "idle",
    "total_revenue", "productivity", "ipo_window_open", "funds_investing", "dry_powder",
    "job_moves", "real_output", "workforce",
    "maturity_finance", "maturity_labor", "maturity_ties", "maturity_industry",
    "maturity_norms", "maturity_support",
    "small_firms", "small_firm_employment", "all_firms", "value_added",
)
TODAY_FLOWS = ("founded", "failed", "ipos", "acquisitions", "vc_independent", "vc_corporate",
               "vc_government", "grants", "rounds", "innovation_startups", "innovation_incumbents",
               "innovation_partnerships", "job_moves")
TODAY_LIVE_KEYS = (
    "step", "active_startups", "founded", "failed", "ipos", "acquisitions", "ma_share",
    "vc_total", "cvc_money_share", "gov_money_share", "unicorns_to_date", "incumbents",
    "incumbent_sales_share", "hhi", "innovation_total", "innovation_startup_share",
    "innovation_partnership_share", "partnerships_active",
)
TODAY_UNITS = ("setup", "policy", "funds", "universities", "founding", "operations",
               "partnerships", "funding", "exits", "incumbents", "labor", "smallfirms",
               "technology", "reforms", "history", "markets", "innovation", "maturity", "observe")
"""The units registered when the tuples above were written (2026-12, issue 28)."""

NO_TEST_FILE = {
    "history": "tests/test_histories.py (the dated series of the us_history and korea_history "
               "presets)",
    "innovation": "tests/test_metrics.py (the innovator snapshots behind the rank metrics)",
    "observe": "tests/test_tools.py (stock_stats equals what observe measured) and "
               "tests/test_outputs.py (the series it records)",
    "operations": "tests/test_exits.py and tests/test_markets.py (operations.step on hand-built "
                  "startups)",
    "universities": "tests/test_founding.py (university spin-offs) and tests/test_maturity.py "
                    "(the ties loop)",
}
"""Mechanisms without a ``tests/test_<name>.py`` of their own, and the tests that cover them.
(A file of that name would put its tests under the invariant fixture of tests/conftest.py.)"""

# -- declarations ---------------------------------------------------------------------------------
def test_every_mechanism_module_declares_one_registered_unit_of_its_name():
    assert MODULES
    for name in MODULES:
        module = importlib.import_module(f"abm.mechanisms.{name}")
        unit = getattr(module, "UNIT", None)
        assert isinstance(unit, Mechanism), f"abm/mechanisms/{name}.py declares no UNIT"
        assert unit.name == name and unit.module == module.__name__
        assert REGISTRY.get(name) is unit, f"{name}'s UNIT is not in abm.mechanisms.REGISTRY"
    assert sorted(u.name for u in UNITS) == MODULES


@pytest.mark.parametrize("unit", list(REGISTRY.values()), ids=list(REGISTRY))
def test_a_unit_declares_its_stream_and_outputs(unit):
    assert Mechanism.__dataclass_fields__["stream"].default is MISSING  # no default: declared
    assert unit.stream is None or unit.stream in STREAMS
    assert all(s in STREAMS and s != unit.stream for s in unit.draws)
    for name in unit.produces:
        assert name in SERIES and OUTPUTS[name].series
        assert OUTPUTS[name].producer == unit.name, (name, OUTPUTS[name].producer)
    for name in unit.outputs:
        assert name in OUTPUTS and OUTPUTS[name].summary, f"{unit.name}: {name} is no summary key"
    for name in unit.adds_to:
        assert name in FLOWS and name not in unit.flows


@pytest.mark.parametrize("unit", UNITS, ids=[u.name for u in UNITS])
def test_a_unit_draws_only_from_the_streams_it_declares(unit):
    source = Path(importlib.import_module(unit.module).__file__).read_text(encoding="utf-8")
    used = set(re.findall(r'rngs\["([a-z_]+)"\]', source))
    declared = ({unit.stream} if unit.stream else set()) | set(unit.draws)
    assert used <= declared, f"{unit.name} draws from undeclared streams {sorted(used - declared)}"
    if unit.stream:
        assert unit.stream in used, f"{unit.name} declares {unit.stream!r} but never draws it"


def test_no_output_is_claimed_by_two_units():
    seen: dict[str, str] = {}
    for unit in REGISTRY.values():
        for name in unit.outputs + unit.produces:
            assert name not in seen, f"{name}: declared by {seen[name]} and {unit.name}"
            seen[name] = unit.name


def test_every_output_with_a_producer_points_to_a_registered_unit_that_lists_it():
    for name, o in OUTPUTS.items():
        if o.producer:
            assert o.producer in REGISTRY, f"{name}: producer {o.producer!r} is not registered"
            unit = REGISTRY[o.producer]
            assert name in unit.produces + unit.outputs, f"{unit.name} does not list {name}"
        if o.series:
            assert o.producer, f"time series {name} has no producer"


def test_summary_and_measure_hooks_exist():
    for unit in REGISTRY.values():
        for which in ("summary", "measure"):
            if getattr(unit, which):
                assert callable(unit.hook(which)), (unit.name, which)


# -- derived tuples ------------------------------------------------------------------------------
def test_derived_tuples_keep_todays_order_and_content():
    """New units register at the end and new series are declared after today's, so today's
    tuples stay a prefix; with only today's units they are the whole tuples."""
    assert STREAMS[:len(TODAY_STREAMS)] == TODAY_STREAMS
    assert SERIES[:len(TODAY_SERIES)] == TODAY_SERIES
    assert FLOWS[:len(TODAY_FLOWS)] == TODAY_FLOWS
    assert LIVE_KEYS[:len(TODAY_LIVE_KEYS)] == TODAY_LIVE_KEYS
    assert tuple(REGISTRY)[:len(TODAY_UNITS)] == TODAY_UNITS
    new = [REGISTRY[n] for n in tuple(REGISTRY)[len(TODAY_UNITS):]]
    assert STREAMS[len(TODAY_STREAMS):] == tuple(u.stream for u in new if u.stream)
    assert set(SERIES[len(TODAY_SERIES):]) == {s for u in new for s in u.produces}
    if not new:
        assert (STREAMS, SERIES, FLOWS, LIVE_KEYS) == (TODAY_STREAMS, TODAY_SERIES, TODAY_FLOWS,
                                                       TODAY_LIVE_KEYS)


def test_the_per_quarter_reset_is_the_flows():
    import abm.mesa_compat

    assert abm.mesa_compat.FLOWS is FLOWS
    m = EcosystemModel("japan", seed=1, scale=0.1).run(2)
    m.stats.update(dict.fromkeys(SERIES, 7.0))
    kept = dict(m.stats)

    class Stop(Exception):
        pass

    import abm.mechanisms.policy as policy

    with pytest.MonkeyPatch.context() as patch:
        def stop(model):
            raise Stop

        patch.setattr(policy, "appropriate", stop)
        with pytest.raises(Stop):
            m.step()
    assert {k for k in SERIES if m.stats[k] == 0.0} == set(FLOWS)
    assert all(m.stats[k] == kept[k] for k in SERIES if k not in FLOWS)


# -- a run produces what the units declare -------------------------------------------------------
class _Recorder(dict):
    """``model.stats`` that records which module wrote each key (and whether a mechanism's code
    was on the stack)."""

    def __init__(self, data, writes):
        super().__init__(data)
        self.writes = writes

    def _note(self, keys):
        frame = sys._getframe(2)
        writer = frame.f_globals.get("__name__", "")
        for key in keys:
            self.writes[key].add(writer)

    def __setitem__(self, key, value):
        self._note([key])
        super().__setitem__(key, value)

    def update(self, *args, **kwargs):
        other = dict(*args, **kwargs)
        self._note(other)
        super().update(other)


MAX_QUARTERS = 200
"""The run of :func:`writes` goes on until every declared series was written, or this long."""


@pytest.fixture(scope="module")
def writes():
    """Who wrote each series in a run (japan, scale 0.1), stepped until every declared series
    and flow was written at least once (a failure or an IPO may take some years) or
    :data:`MAX_QUARTERS` have passed."""
    m = EcosystemModel("japan", seed=1, scale=0.1)
    found: dict[str, set[str]] = defaultdict(set)
    m.stats = _Recorder(m.stats, found)
    declared = {name for u in REGISTRY.values() for name in u.produces}
    while m.steps < MAX_QUARTERS and any(found[k] <= {"abm.model"} for k in declared):
        m.step()
    assert list(m.timeseries().columns) == list(SERIES)
    return found


def _writers(unit: Mechanism, name: str) -> set[str]:
    allowed = {unit.module, "abm.model"}  # abm.model: the reset of the flows
    allowed |= {u.module for u in REGISTRY.values() if name in u.adds_to}
    # a shared action writes on behalf of the unit whose rules it applies (abm.units.ACTIONS)
    allowed |= {module for module, owner in ACTIONS.items() if REGISTRY[owner].module in allowed}
    if name in unit.series:
        allowed.add("abm.mechanisms.observe")  # the end-of-quarter collector
    return allowed


@pytest.mark.parametrize("unit", [u for u in REGISTRY.values() if u.produces],
                         ids=[u.name for u in REGISTRY.values() if u.produces])
def test_every_declared_series_and_flow_is_produced_by_a_run(unit, writes):
    for name in unit.produces:
        by = writes.get(name, set()) - {"abm.model"}
        assert by, (f"{unit.name} declares {name} but no mechanism wrote it in "
                    f"{MAX_QUARTERS} quarters")
        assert by <= _writers(unit, name), f"{name} written by {sorted(by)}, owned by {unit.name}"


def test_nothing_writes_an_undeclared_series(writes):
    assert set(writes) <= set(SERIES), sorted(set(writes) - set(SERIES))


# -- tests, parameters, imports ------------------------------------------------------------------
@pytest.mark.parametrize("unit", UNITS, ids=[u.name for u in UNITS])
def test_every_mechanism_has_a_test_file(unit):
    own = ROOT / "tests" / f"test_{unit.name}.py"
    if unit.name in NO_TEST_FILE:
        assert not own.exists(), f"{own.name} exists: drop {unit.name} from NO_TEST_FILE"
        for path in re.findall(r"tests/test_\w+\.py", NO_TEST_FILE[unit.name]):
            assert (ROOT / path).exists(), path
    else:
        assert own.exists(), (f"{unit.name} has no {own.relative_to(ROOT)} (add one, or a "
                              f"documented entry in NO_TEST_FILE)")


_PARAM = re.compile(r'\bp\.([a-z_][a-z0-9_]*)|\bp\["([a-z0-9_]+)"\]|'
                    r'effective\((?:model|m), "([a-z_]+)"\)')


@pytest.mark.parametrize("unit", UNITS, ids=[u.name for u in UNITS])
def test_a_unit_reads_what_it_declares(unit):
    """Every declared read is a parameter or a constant; every parameter the source reads
    (``p.name``, ``model.p.name``, ``effective(model, "name")``) is declared, the sources of
    the shared actions that apply its rules (:data:`abm.units.ACTIONS`) included."""
    for name in unit.reads:
        assert name in SPECS or hasattr(C, name), f"{unit.name} reads unknown {name!r}"
    modules = [unit.module] + [m for m, owner in ACTIONS.items() if owner == unit.name]
    source = "\n".join(Path(importlib.import_module(m).__file__).read_text(encoding="utf-8")
                       for m in modules)
    read = {g for m in _PARAM.finditer(source) for g in m.groups() if g in SPECS}
    assert read <= set(unit.reads), f"{unit.name} reads undeclared {sorted(read - set(unit.reads))}"


def _imported(path: Path) -> set[str]:
    """The modules of abm/mechanisms/ that the source file ``path`` imports, anywhere in it
    (top level or inside a function): ``from . import x``, ``from .x import y``, ``from ..
    import mechanisms`` (the whole package: every mechanism), ``from ..mechanisms import x``,
    ``from ..mechanisms.x import y``, ``import abm.mechanisms.x``, ``from abm.mechanisms[.x]
    import ...`` and ``importlib.import_module("abm.mechanisms.x")``. ``path`` is a module of
    abm/mechanisms/ (level-1 imports are siblings) or of abm/ (level-1 imports are abm's)."""
    in_mechanisms = path.parent.name == "mechanisms"
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out: set[str] = set()

    def package(names):  # the names imported from the abm.mechanisms package
        return {a.name for a in names}

    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            parts = (node.module or "").split(".") if node.module else []
            if node.level == 0:
                dotted = parts
            else:  # relative: resolve against the package of ``path``
                base = ["abm", "mechanisms"] if in_mechanisms else ["abm"]
                dotted = base[:len(base) - node.level + 1] + parts
            if dotted == ["abm"]:
                if any(a.name == "mechanisms" for a in node.names):
                    out |= set(MODULES)
            elif dotted == ["abm", "mechanisms"]:
                out |= package(node.names)
            elif dotted[:2] == ["abm", "mechanisms"]:
                out.add(dotted[2])
        elif isinstance(node, ast.Import):
            for a in node.names:
                parts = a.name.split(".")
                if parts[:2] == ["abm", "mechanisms"]:
                    out |= {parts[2]} if len(parts) > 2 else set(MODULES)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            m = re.fullmatch(r"abm\.mechanisms\.(\w+)", node.value)
            if m:  # importlib.import_module("abm.mechanisms.x") and the like
                out.add(m.group(1))
    return out & set(MODULES)


def _imported_mechanisms(name: str) -> set[str]:
    """The other mechanism modules ``abm/mechanisms/<name>.py`` imports (anywhere in it)."""
    return _imported(ROOT / "abm" / "mechanisms" / f"{name}.py") - {name}


def test_the_import_parser_sees_every_form(tmp_path):
    forms = {
        "from . import markets": {"markets"},
        "from .labor import movable": {"labor"},
        "from .. import mechanisms": set(MODULES),
        "from ..mechanisms import smallfirms": {"smallfirms"},
        "from ..mechanisms.partnerships import end": {"partnerships"},
        "import abm.mechanisms.observe": {"observe"},
        "from abm.mechanisms import exits as E": {"exits"},
        "def f():\n    from .funding import step": {"funding"},
        "import importlib\nimportlib.import_module('abm.mechanisms.labor')": {"labor"},
        "from .. import queries\nfrom ..workforce import release": set(),
    }
    folder = tmp_path / "mechanisms"
    folder.mkdir()
    for source, expected in forms.items():
        path = folder / "probe.py"
        path.write_text(source + "\n", encoding="utf-8")
        assert _imported(path) == expected, source


@pytest.mark.parametrize("name", MODULES)
def test_no_mechanism_imports_another(name):
    """Issue 28: shared look-ups live in abm/queries.py and shared actions in the modules of
    :data:`abm.units.ACTIONS`; no module of abm/mechanisms/ imports another."""
    extra = {(name, other) for other in _imported_mechanisms(name)}
    assert not extra, (f"abm/mechanisms/{name}.py imports {sorted(o for _, o in extra)}: move a "
                       "shared look-up to abm/queries.py and a shared action (a change of state "
                       "several mechanisms make) to a module of abm.units.ACTIONS")


@pytest.mark.parametrize("module", ("abm.queries", *ACTIONS))
def test_shared_look_ups_and_actions_are_not_mechanisms(module):
    """The queries module and the modules of shared actions import no mechanism (they sit
    below every mechanism), declare no unit and draw from no random stream."""
    mod = importlib.import_module(module)
    if module in ACTIONS:
        assert ACTIONS[module] in REGISTRY and REGISTRY[ACTIONS[module]].in_mechanisms
    path = Path(mod.__file__)
    assert path.parent == ROOT / "abm", path
    assert not _imported(path), f"{module} imports {sorted(_imported(path))}"
    assert not hasattr(mod, "UNIT"), f"{module} declares a UNIT: it is not a mechanism"
    source = path.read_text(encoding="utf-8")
    assert "rngs[" not in source, f"{module} draws random numbers: only a unit owns a stream"


def test_mechanism_imports_have_no_cycle():
    graph = {name: _imported_mechanisms(name) for name in MODULES}
    done: set[str] = set()

    def visit(name: str, path: tuple[str, ...]) -> None:
        assert name not in path, f"import cycle: {' -> '.join(path + (name,))}"
        if name in done:
            return
        for other in sorted(graph[name]):
            visit(other, path + (name,))
        done.add(name)

    for name in MODULES:
        visit(name, ())
