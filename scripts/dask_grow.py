"""Show that `abm experiment --scheduler` uses workers that join mid-run (issue 17).

Starts a local Dask cluster with 1 worker (threads in this process, TCP so that another
process can reach it), runs `abm experiment` against it in a subprocess, grows the cluster to
3 workers once runs are under way, and prints what the scheduler saw: workers and tasks in
flight (queued or processing), sampled every 0.25 s. The runner keeps 2 x the connected
threads in flight, so expect 2 before and 6 after the growth.

    PYTHONPATH=$PWD python scripts/dask_grow.py [--replicates 6] [--steps 20] [--scale 0.2]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _in_flight(dask_scheduler) -> int:
    return sum(1 for ts in dask_scheduler.tasks.values()
               if ts.state in ("queued", "processing", "no-worker", "waiting"))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--replicates", type=int, default=6)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--scale", type=float, default=0.2)
    ap.add_argument("--grow-after", type=float, default=3.0,
                    help="seconds of runs in flight on 1 worker before growing to 3")
    a = ap.parse_args()

    from distributed import Client, LocalCluster

    cluster = LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                           protocol="tcp://", host="127.0.0.1", dashboard_address=None)
    client = Client(cluster)
    out = Path(tempfile.mkdtemp(prefix="dask_grow_")) / "out"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT),
                                                       os.environ.get("PYTHONPATH", "")])}
    cmd = [sys.executable, "-m", "abmcli", "experiment",
           str(ROOT / "experiments" / "regime_comparison.toml"), "--out", str(out),
           "--replicates", str(a.replicates), "--steps", str(a.steps), "--scale", str(a.scale),
           "--scheduler", cluster.scheduler_address]
    print("$", " ".join(cmd), flush=True)
    proc = subprocess.Popen(cmd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    samples = []
    t0 = time.monotonic()
    busy_since = None
    grown = False
    while proc.poll() is None:
        n_workers = len(client.scheduler_info()["workers"])
        inflight = client.run_on_scheduler(_in_flight)
        t = time.monotonic() - t0
        samples.append((round(t, 2), n_workers, inflight))
        if not grown and inflight > 0:
            busy_since = busy_since if busy_since is not None else t
            if t - busy_since >= a.grow_after:
                cluster.scale(3)
                grown = True
                samples.append((round(t, 2), "scale(3)", None))
        time.sleep(0.25)
    output = proc.stdout.read()
    rows = [s for s in samples if s[2] is not None]
    before = [s[2] for s in rows if s[1] == 1 and s[2] > 0]
    after = [s[2] for s in rows if s[1] == 3 and s[2] > 0]
    print("time_s  workers  tasks_in_flight")
    last = None
    for s in samples:
        if s[1:] != last:
            print(f"{s[0]:6.2f}  {s[1]!s:>7}  {'' if s[2] is None else s[2]}")
            last = s[1:]
    print(f"max in flight with 1 worker: {max(before, default=0)}; "
          f"with 3 workers: {max(after, default=0)}")
    print(output.strip().splitlines()[-1] if output.strip() else "(no output)")
    client.close()
    cluster.close()
    return proc.returncode


if __name__ == "__main__":
    sys.exit(main())
