"""Write constraints.txt: the exact installed versions of every package that
``pip install -e ".[test]"`` brings in (the project's dependencies and its ``test`` extra,
with the project's own extras it names, e.g. ``docs``, followed transitively), so that ``pip install -c constraints.txt -e ".[test]"`` (.ci/run and
the README) installs the versions the test suite passed with, while pyproject.toml keeps
compatible ranges.

    PYTHONPATH=$PWD python scripts/gen_constraints.py     # after a passing test run
"""

from __future__ import annotations

import re
import sys
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent
SKIP = {"pip", "setuptools", "wheel", "startup-ecosystem-abm"}


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def closure(reqs: list[str]) -> dict[str, str]:
    """Installed ``{name: version}`` of ``reqs`` and everything they require."""
    env = {"extra": ""}
    seen: dict[str, str] = {}
    todo = [(Requirement(r), ()) for r in reqs]
    while todo:
        req, extras = todo.pop()
        name = _norm(req.name)
        if req.marker is not None and not any(
                req.marker.evaluate({**env, "extra": e}) for e in (extras or ("",))):
            continue
        try:
            dist = metadata.distribution(req.name)
        except metadata.PackageNotFoundError:
            continue
        first = name not in seen
        seen[name] = dist.version
        wanted = tuple(req.extras)
        if not first and not wanted:
            continue
        for r in dist.requires or []:
            sub = Requirement(r)
            if sub.marker is None or any(sub.marker.evaluate({"extra": e})
                                         for e in ("",) + wanted):
                if sub.marker is not None and not any(
                        sub.marker.evaluate({"extra": e}) for e in ("",)) and not wanted:
                    continue
                todo.append((Requirement(str(sub).split(";")[0]), ()))
    return {k: v for k, v in seen.items() if k not in SKIP}


def main() -> int:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"]
    reqs = list(project["dependencies"])
    todo = ["test"]  # and the extras it names of this project itself ("...[docs]")
    while todo:
        for raw in extras[todo.pop()]:
            req = Requirement(raw)
            if _norm(req.name) == _norm(project["name"]):
                todo.extend(req.extras)
            else:
                reqs.append(raw)
    pins = closure(reqs)
    lines = ["# Exact versions the test suite passed with (Python "
             f"{sys.version_info.major}.{sys.version_info.minor}); written by "
             "scripts/gen_constraints.py.",
             "# Used as: pip install -c constraints.txt -e \".[test]\" (.ci/run, README).",
             *(f"{k}=={v}" for k, v in sorted(pins.items()))]
    (ROOT / "constraints.txt").write_text("\n".join(lines) + "\n")
    print(f"constraints.txt: {len(pins)} packages")
    return 0


if __name__ == "__main__":
    sys.exit(main())
