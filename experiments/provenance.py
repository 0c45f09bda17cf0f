"""Provenance of every saved result, in one place: ``abm run --out``, ``abm experiment`` (and
so ``abm validate``) stamp their manifests with :func:`provenance`.

It records the package versions, the Python version, the git commit, the time, and a hash of
the model's source files (``abm/**/*.py`` and ``*.toml``) with whether git sees uncommitted
changes in ``abm/`` or ``experiments/``: the commit alone does not identify an edited working
tree.

The command line (``abmcli``) imports this module; nothing here imports ``abmcli``.
"""

from __future__ import annotations

import hashlib
import platform
import subprocess
import time
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import abm

MODEL_DIR = Path(abm.__file__).resolve().parent
"""The model package ``abm/`` (its subpackages experiments, viz and benchmarks, which sit
beside it in a checkout, are not the model: :data:`abm.SUBPACKAGES`)."""
ROOT = MODEL_DIR.parent
"""The project folder (holds ``abm/`` and, in a checkout, ``experiments/``)."""
PACKAGES = ("startup-ecosystem-abm", "mesa", "numpy", "pandas", "networkx", "scipy", "pyarrow")
"""Distributions whose versions are recorded."""


def versions() -> dict[str, Any]:
    """Installed versions of :data:`PACKAGES` (``None`` when one is not installed)."""
    out: dict[str, Any] = {}
    for pkg in PACKAGES:
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            out[pkg] = None
    return out


def git_commit() -> str | None:
    """The commit checked out in the project folder (``None`` outside a git checkout)."""
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True,
                                cwd=ROOT, timeout=5).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        commit = ""
    return commit or None


def source_state() -> dict[str, Any]:
    """Hash of the model's source files and whether git sees uncommitted changes in them
    (the git commit alone does not identify an edited working tree)."""
    h = hashlib.sha256()
    for f in sorted(MODEL_DIR.rglob("*")):
        if f.suffix in (".py", ".toml") and f.is_file() and \
                f.relative_to(MODEL_DIR).parts[0] not in abm.SUBPACKAGES:
            h.update(str(f.relative_to(ROOT)).encode())
            h.update(f.read_bytes())
    try:
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "abm", "experiments"],
                               capture_output=True, text=True, cwd=ROOT, timeout=5)
        uncommitted = bool(dirty.stdout.strip()) if dirty.returncode == 0 else None
    except (OSError, subprocess.SubprocessError):
        uncommitted = None
    return {"model_source_sha256": h.hexdigest(), "uncommitted_changes": uncommitted}


def provenance() -> dict[str, Any]:
    """Everything a manifest records about the code that produced it.

    Returns:
        ``{"versions", "python", "git_commit", "created", "model_source_sha256",
        "uncommitted_changes"}``.
    """
    return {"versions": versions(), "python": platform.python_version(),
            "git_commit": git_commit(), "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            **source_state()}
