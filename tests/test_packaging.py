"""Packaging (issue 17 item 6): compatible ranges in pyproject.toml, the exact tested versions
in constraints.txt, used by .ci/run with the README's test command verbatim."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent


def _project():
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _pins() -> dict[str, str]:
    out = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, version = line.split("==")
            out[_norm(name)] = version.strip()
    return out


def test_ci_runs_the_readme_test_command_with_the_constraints():
    ci = [ln for ln in (ROOT / ".ci" / "run").read_text().splitlines()
          if ln.startswith("pip install")]
    assert len(ci) == 1 and "-c constraints.txt" in ci[0]
    assert ci[0] in (ROOT / "README.md").read_text().splitlines()


def test_constraints_pin_every_dependency_inside_its_declared_range():
    pins = _pins()
    project = _project()
    for raw in project["dependencies"] + project["optional-dependencies"]["test"]:
        req = Requirement(raw)
        name = _norm(req.name)
        assert name in pins, f"{name} not pinned in constraints.txt"
        assert req.specifier.contains(pins[name], prereleases=True), (name, pins[name])


def test_no_unused_dependencies():
    """tomli-w is declared only while something imports it; altair is declared because
    mesa.visualization (imported by abm.mesa_compat for SolaraViz) imports it, not through
    Mesa's [rec] extra."""
    deps = {_norm(Requirement(r).name): Requirement(r) for r in _project()["dependencies"]}
    sources = [p.read_text() for d in ("abm", "abmcli", "viz", "experiments", "benchmarks")
               for p in (ROOT / d).rglob("*.py")]
    imports_tomli_w = any(re.search(r"^\s*(import|from)\s+tomli_w", s, re.M) for s in sources)
    assert ("tomli-w" in deps) == imports_tomli_w
    assert not deps["mesa"].extras and "altair" in deps
    import mesa.visualization.components.altair_components as comp

    assert comp.alt.__name__ == "altair"


def test_dockerfile_copies_existing_sources_and_installs_the_tested_versions():
    """The image builds from this checkout (docker build itself needs a Docker daemon)."""
    text = (ROOT / "Dockerfile").read_text()
    copies = [ln.split()[1:-1] for ln in text.splitlines() if ln.startswith("COPY ")]
    assert copies and all((ROOT / src).exists() for srcs in copies for src in srcs)
    assert "pip install -c constraints.txt ." in text
    assert 'ENTRYPOINT ["abm"]' in text and "dask startup-abm worker" in text
    packages = _project_find()
    copied = {src for srcs in copies for src in srcs}
    assert set(packages) <= copied, set(packages) - copied


def _project_find() -> list[str]:
    cfg = tomllib.loads((ROOT / "pyproject.toml").read_text())
    return [p.rstrip("*") for p in cfg["tool"]["setuptools"]["packages"]["find"]["include"]]
