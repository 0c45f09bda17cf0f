"""The documentation site (mkdocs.yml: MkDocs with Material, the API reference generated from
the docstrings by mkdocstrings) builds with warnings as errors: a broken link between pages, a
page missing from the navigation, or a docstring mkdocstrings cannot read fails here."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_the_docs_site_builds_strictly(tmp_path):
    site = tmp_path / "site"
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    done = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir",
                           str(site)], cwd=ROOT, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert (site / "index.html").is_file()
    api = (site / "api" / "model" / "index.html").read_text()
    assert "EcosystemModel" in api and "snapshot" in api  # generated from the docstrings
    assert (site / "api" / "mesa" / "index.html").is_file()


def test_every_page_of_docs_is_in_the_navigation():
    import yaml

    nav = yaml.safe_load((ROOT / "mkdocs.yml").read_text())["nav"]

    def pages(items):
        for item in items:
            for value in item.values():
                yield from (pages(value) if isinstance(value, list) else [value])

    listed = set(pages(nav))
    docs = {str(p.relative_to(ROOT / "docs")) for p in (ROOT / "docs").rglob("*.md")}
    assert docs == listed, (docs - listed, listed - docs)
