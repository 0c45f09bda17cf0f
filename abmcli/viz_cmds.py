"""``abm viz``: start the Solara visual server for viz/app.py.

The host and port are checked before the server starts: a bad ``--host`` or ``--port`` exits
with status 2 and a one-line message. The server binds to loopback unless told otherwise, and
on Linux it ends with ``abm viz`` (also after ``kill -9``: :func:`die_with_parent`).
"""

from __future__ import annotations

import importlib.util
import os
import socket
import subprocess
import sys
from pathlib import Path

import typer

from . import fail
from .format import INT
from .numbers import whole_option
from .viz_setup import asset_cache

APP_PATH = Path(importlib.util.find_spec("abm.viz").origin).parent / "app.py"
"""The app's file (``viz/app.py`` in a checkout, ``abm/viz/app.py`` installed)."""


def check_bindable(host: str, port: int) -> None:
    """Fail with one line unless ``host`` resolves and ``host:port`` can be bound now."""
    if not host or host.strip() != host:
        raise fail(f"--host must be a host name or IP address, got {host!r}")
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, OSError) as exc:
        raise fail(f"--host {host!r} does not resolve to an address on this machine "
                   f"({getattr(exc, 'strerror', None) or exc})") from None
    family, _, _, _, addr = infos[0]
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(addr)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        if exc.errno in (98, 48, 10048):  # EADDRINUSE (Linux, macOS, Windows)
            raise fail(f"port {port} on {host} is already in use; choose another with "
                       f"--port") from None
        raise fail(f"cannot listen on {host}:{port}: {reason}") from None
    finally:
        sock.close()


def server_command(host: str, port: int) -> list[str]:
    return [sys.executable, "-m", "solara", "run", str(APP_PATH), "--host", host,
            "--port", str(port), "--production", "--no-open"]


def server_env() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "False")
    cache = asset_cache()  # abm viz-setup fills it (abmcli/viz_setup.py)
    if "SOLARA_ASSETS_PROXY_CACHE_DIR" not in env and cache.is_dir():
        env["SOLARA_ASSETS_PROXY_CACHE_DIR"] = str(cache)
    root = str(Path(importlib.util.find_spec("abm").origin).parent.parent)  # holds abm/
    env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


def die_with_parent(parent: int):
    """A ``preexec_fn`` for the server process: on Linux the kernel sends it SIGTERM when
    ``abm viz`` ends, however it ends (``prctl(PR_SET_PDEATHSIG)``), so a ``kill -9`` of
    ``abm viz`` no longer leaves the server running and holding the port; if ``abm viz`` is
    already gone when the server starts, the server does not start. Elsewhere ``None``."""
    if not sys.platform.startswith("linux"):
        return None

    def pre() -> None:
        import ctypes
        import signal

        try:
            ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGTERM), 0, 0, 0)
        except (OSError, AttributeError):
            return
        if os.getppid() != parent:
            os._exit(1)

    return pre


def register(app: typer.Typer) -> None:
    @app.command("viz")
    def viz_cmd(
        host: str = typer.Option("127.0.0.1", help="Address to listen on (loopback by default; "
                                 "0.0.0.0 exposes the app to your network)."),
        port: int = typer.Option(8765, metavar=INT, parser=whole_option("--port", 1, 65535),
                                 help="TCP port (1-65535)."),
    ) -> None:
        """Start the visual app (Solara) in the browser: watch, explain, compare regimes."""
        p = port
        check_bindable(host, p)
        if not APP_PATH.is_file():
            raise fail(f"the app file {APP_PATH} is missing (is the package installed from "
                       f"a source checkout?)")
        shown = f"[{host}]" if ":" in host else host
        typer.echo(f"abm viz: serving http://{shown}:{p} (Ctrl-C to stop)", err=True)
        try:
            rc = subprocess.call(server_command(host, p), env=server_env(),
                                 preexec_fn=die_with_parent(os.getpid()))
        except KeyboardInterrupt:
            rc = 0
        if rc not in (0, -2, 130):
            raise typer.Exit(rc)
