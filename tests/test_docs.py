"""The documentation cannot drift from the code.

* ``docs/parameters.md`` is generated (``scripts/gen_param_docs.py``) and must be up to date;
* ``docs/ODD.md`` must name every parameter, every summary metric, every collected time
  series and every mechanism module;
* every relative link in README.md and docs/*.md points to a file of the repository.
"""

from __future__ import annotations

import importlib.util
import pkgutil
import re
import subprocess
import sys
from pathlib import Path

import pytest

import abm.mechanisms
from abm.metrics import EXTRA_KEYS, SUMMARY_KEYS
from abm.model import SERIES, STREAMS
from abm.params import COMPONENTS, SPECS

ROOT = Path(__file__).resolve().parent.parent
GENERATOR = ROOT / "scripts" / "gen_param_docs.py"
ODD = ROOT / "docs" / "ODD.md"


@pytest.fixture(scope="module")
def odd() -> str:
    return ODD.read_text(encoding="utf-8")


def _mentioned(name: str, text: str) -> bool:
    """``name`` occurs as a whole identifier (``ipo_threshold`` is not ``plan_ipo_threshold``)."""
    return re.search(rf"(?<![A-Za-z0-9_]){re.escape(name)}(?![A-Za-z0-9_])", text) is not None


def test_parameters_md_is_up_to_date():
    result = subprocess.run([sys.executable, str(GENERATOR), "--check"], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, (
        "docs/parameters.md is out of date; run `python scripts/gen_param_docs.py`\n"
        + result.stdout + result.stderr)


def test_generator_is_deterministic():
    spec = importlib.util.spec_from_file_location("gen_param_docs", GENERATOR)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    first = module.generate()
    assert first == module.generate()
    for name in SPECS:
        assert f"`{name}`" in first, name


@pytest.mark.parametrize("name", list(SPECS))
def test_odd_mentions_every_parameter(odd, name):
    assert _mentioned(name, odd), f"docs/ODD.md does not mention parameter {name!r}"


@pytest.mark.parametrize("key", list(SUMMARY_KEYS))
def test_odd_defines_every_summary_key(odd, key):
    assert _mentioned(key, odd), f"docs/ODD.md does not mention summary metric {key!r}"


@pytest.mark.parametrize("key", list(EXTRA_KEYS))
def test_odd_defines_every_extra_key(odd, key):
    assert _mentioned(key, odd), f"docs/ODD.md does not mention extra summary metric {key!r}"


@pytest.mark.parametrize("name", list(SERIES))
def test_odd_mentions_every_series(odd, name):
    assert _mentioned(name, odd), f"docs/ODD.md does not mention time series {name!r}"


@pytest.mark.parametrize("name", list(STREAMS) + list(COMPONENTS))
def test_odd_mentions_every_stream_and_component(odd, name):
    assert _mentioned(name, odd), f"docs/ODD.md does not mention {name!r}"


MECHANISMS = sorted(m.name for m in pkgutil.iter_modules(abm.mechanisms.__path__))


def test_there_are_mechanism_modules():
    assert MECHANISMS


@pytest.mark.parametrize("module", MECHANISMS)
def test_odd_mentions_every_mechanism_module(odd, module):
    assert (f"mechanisms/{module}.py" in odd or f"mechanisms.{module}" in odd), (
        f"docs/ODD.md does not mention abm/mechanisms/{module}.py")


MARKDOWN = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
_LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")


def relative_links(text: str) -> list[str]:
    """Targets of the inline markdown links in ``text`` that are not URLs or in-page anchors
    (fenced code blocks and inline code are skipped)."""
    text = re.sub(r"^```.*?^```", "", text, flags=re.S | re.M)
    text = re.sub(r"`[^`\n]*`", "", text)
    return [t for t in _LINK.findall(text)
            if not re.match(r"[a-z][a-z0-9+.-]*:", t, re.I) and not t.startswith("#")]


def test_relative_links_are_found():
    text = "[a](ODD.md) [b](https://x.org) [c](#top) ![d](img/e.png) [f](targets/g.toml#x) `[h](i)`"
    assert relative_links(text) == ["ODD.md", "img/e.png", "targets/g.toml#x"]


@pytest.mark.parametrize("page", MARKDOWN, ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_resolve(page):
    missing = [t for t in relative_links(page.read_text(encoding="utf-8"))
               if not (page.parent / t.split("#", 1)[0]).exists()]
    assert not missing, f"{page.relative_to(ROOT)} links to missing files: {missing}"


def test_readme_test_commands_match_ci_and_the_declared_markers():
    """The README's install-and-test command is .ci/run's (which runs every test), and its
    fast command deselects only markers pyproject.toml declares, each used by some test."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = [ln for ln in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
          if ln.startswith("pip install")]  # then .ci/run's newest-stack run (issue 31)
    assert len(ci) == 1 and ci[0].endswith("python -m pytest") and ci[0] in readme
    fast = re.search(r'python -m pytest -m "not slow and not browser"', readme)
    assert fast, "README gives no fast test command"
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    tests = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "tests").glob("test_*.py"))
    for marker in ("slow", "browser"):
        assert f'"{marker}:' in pyproject
        assert f"pytest.mark.{marker}" in tests
