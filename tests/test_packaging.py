"""Packaging (issue 17 item 6): compatible ranges in pyproject.toml, the exact tested versions
in constraints.txt, used by .ci/run with the README's test command verbatim."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
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
        if name == _norm(project["name"]):  # the test extra names the docs extra
            continue
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
    """The checkout's top-level folders the wheel's packages come from."""
    cfg = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    dirs = cfg["package-dir"]
    return sorted({dirs.get(p, p.replace(".", "/")).split("/")[0] for p in cfg["packages"]})


def test_the_wheel_lists_every_package_and_only_abm_and_abmcli_at_the_top():
    """Installed, experiments/, viz/ and benchmarks/ are abm.experiments, abm.viz and
    abm.benchmarks, so no top-level name of the wheel but abm and abmcli can collide with a
    user's folders; every package of the checkout is listed."""
    cfg = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    import abm

    assert {p.split(".")[0] for p in cfg["packages"]} == {"abm", "abmcli"}
    dirs = {f"abm.{name}": name for name in abm.SUBPACKAGES}
    assert cfg["package-dir"] == dirs
    found = set()
    for top in ("abm", "abmcli", *abm.SUBPACKAGES):
        for init in (ROOT / top).rglob("__init__.py"):
            rel = init.parent.relative_to(ROOT).parts
            found.add(".".join(("abm", *rel) if rel[0] in abm.SUBPACKAGES else rel))
    assert found == set(cfg["packages"])


def test_nothing_imports_the_old_top_level_names():
    """A leftover ``import experiments`` would load a second copy of a module in a checkout
    (and fail when installed)."""
    pattern = re.compile(r"^\s*(from|import)\s+(experiments|viz|benchmarks)\b", re.M)
    offenders = []
    for folder in ("abm", "abmcli", "experiments", "viz", "benchmarks", "tests", "scripts"):
        for path in (ROOT / folder).rglob("*.py"):
            if pattern.search(path.read_text(encoding="utf-8")):
                offenders.append(str(path.relative_to(ROOT)))
    for path in list((ROOT / "docs").rglob("*.md")) + list((ROOT / "docs").rglob("*.ipynb")) \
            + [ROOT / "README.md"]:
        if re.search(r"(from|import) (experiments|viz|benchmarks)[. ]", path.read_text()):
            offenders.append(str(path.relative_to(ROOT)))
    assert not offenders


def test_a_checkout_imports_the_subpackages_from_beside_abm():
    import abm.experiments.spec
    import abm.viz
    import abm.benchmarks.bench

    assert Path(abm.experiments.spec.__file__) == ROOT / "experiments" / "spec.py"
    assert Path(abm.viz.__file__) == ROOT / "viz" / "__init__.py"
    assert Path(abm.benchmarks.bench.__file__) == ROOT / "benchmarks" / "bench.py"


# -- issue 31: an installed copy works like a clone ---------------------------------------------
def test_release_files_and_metadata_agree():
    """LICENSE (MIT, as the README says), CITATION.cff and CHANGELOG.md name this version;
    the version has one source (abm.__version__, read by setuptools)."""
    import abm

    project = _project()
    cfg = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "version" in project["dynamic"] and "version" not in project
    assert cfg["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "abm.__version__"}
    assert project["license"] == "MIT" and project["license-files"] == ["LICENSE"]
    assert (ROOT / "LICENSE").read_text().startswith("MIT License")
    assert "License: MIT" in (ROOT / "README.md").read_text()
    assert project["authors"]
    citation = (ROOT / "CITATION.cff").read_text()
    assert f"\nversion: {abm.__version__}\n" in citation and "cff-version: 1.2.0" in citation
    assert f"## {abm.__version__} (" in (ROOT / "CHANGELOG.md").read_text()
    for minor in ("3.11", "3.12", "3.13"):
        assert f"Programming Language :: Python :: {minor}" in project["classifiers"]


def test_every_extra_is_pinned_in_the_constraints():
    pins = _pins()
    for extra in ("docs", "ema", "infer"):
        for raw in _project()["optional-dependencies"][extra]:
            req = Requirement(raw)
            assert _norm(req.name) in pins, f"{req.name} ({extra} extra) not in constraints.txt"
            assert req.specifier.contains(pins[_norm(req.name)], prereleases=True)


def test_ci_also_runs_the_fast_subset_on_python_3_13_unpinned():
    ci = (ROOT / ".ci" / "run").read_text()
    assert "versions/3.13.0/bin/python3.13" in ci
    newest = ci[ci.index("The other end"):]
    assert "constraints" not in newest.replace("constraints.txt", "")  # no -c there
    assert '-m pip install -e ".[test]"' in newest and "-c constraints.txt" not in newest
    assert '-m pytest -m "not slow and not browser"' in newest


@pytest.mark.slow
def test_wheel_and_sdist_install_in_a_fresh_venv_and_run_a_shipped_experiment(tmp_path):
    """``python -m build`` makes the sdist and, from it, the wheel (so the sdist holds all the
    wheel needs); the wheel goes into a fresh venv (its dependencies taken from this
    environment's site-packages, not downloaded again) and, from a folder outside the clone
    that holds a folder of its own named ``experiments``, runs a shipped experiment by name
    and reports it; ``abm viz`` finds its app and its offline-asset cache in the installed
    copy."""
    import os
    import subprocess
    import sys
    import venv
    import zipfile

    dist = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "build", "--outdir", str(dist), str(ROOT)],
                   check=True, capture_output=True, text=True)
    wheels, sdists = list(dist.glob("*.whl")), list(dist.glob("*.tar.gz"))
    assert len(wheels) == 1 and len(sdists) == 1
    import abm

    assert abm.__version__ in wheels[0].name
    names = zipfile.ZipFile(wheels[0]).namelist()
    for shipped in ("abm/experiments/regime_comparison.toml", "abm/presets.toml",
                    "abm/viz/app.py", "abm/benchmarks/bench.py", "abmcli/viz_setup.py"):
        assert shipped in names, shipped
    assert {n.split("/")[0] for n in names if not n.split("/")[0].endswith(".dist-info")} \
        == {"abm", "abmcli"}
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)

    env_dir = tmp_path / "venv"
    venv.EnvBuilder(system_site_packages=True, with_pip=True).create(env_dir)
    py = env_dir / "bin" / "python"
    subprocess.run([str(py), "-m", "pip", "install", "--no-deps", "--no-index", str(wheels[0])],
                   check=True, capture_output=True, text=True)
    work = tmp_path / "elsewhere"
    (work / "experiments").mkdir(parents=True)  # a user's own package of that name
    (work / "experiments" / "__init__.py").write_text("raise ImportError('the user\\'s own')\n")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH",)}
    env.update(XDG_CACHE_HOME=str(tmp_path / "cache"), MPLBACKEND="Agg")
    env.pop("SOLARA_ASSETS_PROXY_CACHE_DIR", None)

    def run(*args):
        done = subprocess.run(list(args), cwd=work, env=env, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr[-2000:]
        return done

    where = run(str(py), "-c", "import abm, abmcli.viz_cmds as v, abmcli.viz_setup as s; "
                "import abm.experiments.ema; "
                "print(abm.__file__); print(v.APP_PATH.is_file()); print(s.asset_cache())")
    path, app_found, cache = where.stdout.split("\n")[:3]
    assert Path(path).is_relative_to(env_dir) and app_found == "True"
    assert Path(cache) == tmp_path / "cache" / "startup-ecosystem-abm" / "solara-cdn"
    abm_cmd = str(env_dir / "bin" / "abm")
    run(abm_cmd, "experiment", "regime_comparison", "--replicates", "1", "--steps", "4",
        "--workers", "1", "--out", "out/rc")
    assert (work / "out" / "rc" / "runs.parquet").is_file()
    run(abm_cmd, "report", "out/rc")
