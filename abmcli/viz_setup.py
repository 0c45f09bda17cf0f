"""``abm viz-setup``: the visual app's offline assets, fetched once with npm.

Solara serves the page's JavaScript and CSS by proxying a public CDN, so without internet the
page of ``abm viz`` stays blank. This fills Solara's proxy cache from the npm registry (with
``npm pack``, so npm must be installed: ``apt-get install npm``, ``brew install node``...);
``abm viz`` then serves the page offline. Idempotent: packages already cached are skipped.

The cache (:func:`asset_cache`): ``$SOLARA_ASSETS_PROXY_CACHE_DIR`` if set; in a source
checkout ``<checkout>/.solara-cache/cdn`` (git-ignored; the browser test reads it too);
otherwise a folder in the user's cache (``~/.cache/startup-ecosystem-abm/solara-cdn``, or
``%LOCALAPPDATA%`` on Windows). ``scripts/setup_browser.sh`` calls this for the tests.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

import typer

from . import fail

PACKAGES = (
    "@widgetti/solara-vuetify-app@10.1.1",
    "@widgetti/solara-vuetify3-app@5.2.0",
    "font-awesome@4.5.0",
    "requirejs@2.3.6",
    "@widgetti/vue-grid-layout@2.3.13-alpha.2",
)
"""The asset packages (``name@version`` as in Solara's ``/_solara/cdn/NAME@VERSION/...`` URLs)
that the pages of solara 1.64.1 request (pinned in pyproject.toml). Bump them with Solara: the
server log says "Could not load URL" for a missing one and the browser test names it."""

_SAFE = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
"""Extract as data only (Python 3.11.4+; the names are checked above in any case)."""

_CHECKOUT = Path(__file__).resolve().parent.parent
"""The folder holding ``abmcli/``: a source checkout, or site-packages when installed."""


def asset_cache() -> Path:
    """Where the offline assets are (or go): see the module docstring."""
    env = os.environ.get("SOLARA_ASSETS_PROXY_CACHE_DIR")
    if env:
        return Path(env)
    if (_CHECKOUT / "pyproject.toml").is_file() and (_CHECKOUT / "abm").is_dir():
        return _CHECKOUT / ".solara-cache" / "cdn"
    if sys.platform == "win32" and os.environ.get("LOCALAPPDATA"):
        base = Path(os.environ["LOCALAPPDATA"])
    else:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "startup-ecosystem-abm" / "solara-cdn"


def ready(cache: Path | None = None) -> bool:
    """Whether every asset package is in the cache."""
    cache = asset_cache() if cache is None else cache
    return all((cache / pkg / "package.json").is_file() for pkg in PACKAGES)


def fetch(cache: Path | None = None, npm: str | None = None, echo=print) -> Path:
    """Fill the cache with :data:`PACKAGES` (``npm pack``, then unpacked); return the cache.

    Raises:
        RuntimeError: npm is missing or a package could not be fetched.
    """
    cache = asset_cache() if cache is None else cache
    npm = npm or shutil.which("npm")
    missing = [pkg for pkg in PACKAGES if not (cache / pkg / "package.json").is_file()]
    for pkg in PACKAGES:
        if pkg not in missing:
            echo(f"assets: {pkg} already cached")
    if missing and not npm:
        raise RuntimeError("npm is needed to fetch the app's offline assets (install Node.js's "
                           "npm, e.g. apt-get install npm), or run `abm viz` with internet")
    cache.mkdir(parents=True, exist_ok=True)
    for pkg in missing:
        echo(f"assets: fetching {pkg} from the npm registry")
        with tempfile.TemporaryDirectory() as tmp:
            done = subprocess.run([npm, "pack", "--silent", pkg], cwd=tmp, text=True,
                                  capture_output=True)
            tarballs = sorted(Path(tmp).glob("*.tgz"))
            if done.returncode != 0 or not tarballs:
                raise RuntimeError(f"npm pack {pkg} failed: "
                                   f"{(done.stderr or done.stdout).strip()[-500:]}")
            dest = cache / pkg
            partial = dest.with_name(dest.name + ".partial")
            shutil.rmtree(partial, ignore_errors=True)
            partial.mkdir(parents=True)
            with tarfile.open(tarballs[0]) as tar:
                for member in tar.getmembers():  # strip the leading "package/" folder
                    parts = Path(member.name).parts[1:]
                    if not parts or ".." in parts or Path(member.name).is_absolute():
                        continue
                    member.name = str(Path(*parts))
                    if member.isfile() or member.isdir():
                        tar.extract(member, partial, **_SAFE)
            shutil.rmtree(dest, ignore_errors=True)
            partial.rename(dest)
    echo(f"assets: cache ready in {cache}")
    return cache


def register(app: typer.Typer) -> None:
    @app.command("viz-setup")
    def viz_setup_cmd() -> None:
        """Fetch the app's offline assets once (needs npm): `abm viz` then works offline."""
        try:
            fetch(echo=lambda line: typer.echo(line, err=True))
        except RuntimeError as exc:
            raise fail(str(exc), code=1) from None
