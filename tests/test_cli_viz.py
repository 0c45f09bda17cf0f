"""``abm viz``'s server dies with its parent (issue 30): a kill -9 of ``abm viz`` used to
leave the Solara server running and holding the port."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _children(pid: int) -> set[int]:
    parent: dict[int, int] = {}
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                stat = (d / "stat").read_text()
            except OSError:
                continue
            parent[int(d.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    return {c for c, p in parent.items() if p == pid}


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _listening(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="prctl and /proc")
def test_kill_9_of_abm_viz_stops_its_server():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    viz = subprocess.Popen([sys.executable, "-m", "abmcli", "viz", "--port", str(port)],
                           env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                           stdin=subprocess.DEVNULL, start_new_session=True)
    server = None
    try:
        end = time.monotonic() + 180
        while not _listening(port):
            assert viz.poll() is None, "abm viz ended before serving"
            assert time.monotonic() < end, "the server did not start"
            time.sleep(0.5)
        (server,) = _children(viz.pid)
        viz.send_signal(signal.SIGKILL)
        viz.wait()
        end = time.monotonic() + 60
        while _alive(server) or _listening(port):
            assert time.monotonic() < end, "the server outlived abm viz"
            time.sleep(0.5)
    finally:
        if viz.poll() is None:
            viz.kill()
            viz.wait()
        if server is not None and _alive(server):
            os.kill(server, signal.SIGKILL)
