"""Performance benchmark: the ecosystem model against Mesa's Boltzmann wealth model.

``abm bench`` (see docs/performance.md) measures, in one run on one machine:

* the model's throughput in **agent-steps per second** for each preset at three scales
  (full: 1, 10, 100; quick: 0.2, 1, 5). An agent-step is one live agent of any kind (founders,
  startups, incumbents, funds, universities, the ministry: ``len(model.agents)``) for one step;
  live agents are counted after every step through the ``progress`` callback of
  :meth:`abm.model.EcosystemModel.run` and summed. Only ``model.run`` is timed (construction
  and the end-of-run summary are reported separately). Data collection is on (it always is);
* the yardstick: Mesa's reference Boltzmann wealth model
  (``mesa.examples.BoltzmannWealth`` of the installed Mesa, 3.3.1 on the pinned stack, built
  by :func:`boltzmann_model` on 3.3 to 3.5; its ``DataCollector`` with a model and an agent
  reporter collects every step) at 1,000 and 10,000 agents on a grid with about one agent
  per cell (32 x 32 and 100 x 100, as Mesa's own ``benchmarks/configurations.py`` uses for
  10,000 agents): more agents per cell would make its ``give_money`` quadratic in the density
  and the yardstick unfairly slow;
* the **peak memory** (``ru_maxrss``) of every measured run: each run happens in a fresh
  Python process (``python -c``), so peaks do not mix; the CPU time of each run is recorded
  too, and every ratio is also given on a CPU-time basis (robust to other load);
* the wall time of a **regime comparison**: 3 presets x 10 seeds at scale 1, 100 steps, in a
  spawn process pool with 2 workers (the shape of ``abm experiment``'s replications);
* **experiment throughput**: the CPU time of one experiment run (``abm.experiments.runner.run_one``:
  build, run, summary, time series and distributions, as ``abm experiment`` collects them) of
  each preset at scales 0.5 and 1, in a fresh process after a small warm-up run (a pool or
  Dask worker pays its imports once, not per run); from it, runs per CPU-second and the
  projected wall time on 2 cores of (a) the regime comparison as shipped
  (experiments/regime_comparison.toml: 4 presets x 30 replicates at scale 1) and (b) a Sobol
  analysis over every declared structural factor (:data:`abm.structural.STRUCTURAL`,
  Saltelli without second order: ``N x (factors + 2)`` points, N = 512) for the presets of
  experiments/structural_uncertainty.toml (3) at scale 0.5: the sum of the runs' CPU times
  over 2 (perfectly packed, no pool start-up).

Ratios (medians over repeats):

* ``model / Boltzmann`` agent-steps per second, pairing the model at scale ``s`` with
  Boltzmann at ``1000 s`` agents (docs/DESIGN.md: scale 1 is of the order of 1,000 live startups):
  scale 1 vs 1,000 agents and scale 10 vs 10,000 agents (quick: 0.2 vs 200, 1 vs 1,000);
* the **scaling ratio**: time per agent-step at the largest scale over that at the middle
  scale, ``(t_100 / as_100) / (t_10 / as_10)``, each large run against the two middle-scale
  runs of the same preset measured just before and after it (:func:`schedule`); 1.0 means
  perfectly linear cost.

Targets (reported PASS/FAIL, never an error): ratio >= 1.0 at both pairings, scaling ratio
<= 1.2, peak memory at the largest scale < 2 GiB, projected regime comparison < 60 s and
projected Sobol analysis < 2 hours.

A run that exceeds ``timeout`` seconds is stopped; its figures cover the steps it completed
and are flagged ``partial``. Since the model's cost per step grows over a run, a partial time
per agent-step underestimates the full run's, so a partial scaling ratio is a lower bound.
"""

from __future__ import annotations

import json
import math
import os
import platform
import queue
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Callable, Sequence

BENCH_PRESETS = ("silicon_valley", "japan", "korea")
GIB = 1024 ** 3
TARGET_RATIO = 1.0
TARGET_SCALING = 1.2
TARGET_PEAK_BYTES = 2 * GIB
BOLTZMANN_PER_SCALE = 1000
"""Boltzmann agents paired with one unit of model scale (scale 1 ~ 1,000 live startups)."""
TARGET_REGIME_S = 60.0
"""Projected wall time of the shipped regime comparison on 2 cores (seconds)."""
TARGET_SOBOL_S = 2 * 3600.0
"""Projected wall time of the Sobol analysis over every structural factor on 2 cores."""
SOBOL_N = 512
"""Saltelli base samples of the projected Sobol analysis."""
PROJECTION_WORKERS = 2


@dataclass(frozen=True)
class BenchConfig:
    """What ``abm bench`` measures. ``scales`` = (low, mid, high): the model/Boltzmann ratios
    use low and mid, the scaling ratio high over mid."""

    presets: tuple[str, ...] = BENCH_PRESETS
    scales: tuple[float, float, float] = (1.0, 10.0, 100.0)
    steps: int = 100
    repeats: int = 3
    """Repeats of each model and Boltzmann case (the median is reported)."""
    repeats_high: int = 1
    """Repeats at the highest scale (each run there can take minutes)."""
    boltzmann_sizes: tuple[int, ...] = (1000, 10000)
    regime_seeds: int = 10
    regime_scale: float = 1.0
    regime_steps: int = 100
    regime_workers: int = 2
    seed: int = 1
    timeout: float = 1800.0
    """Seconds one measured run may take before it is stopped (figures then partial)."""
    throughput_scales: tuple[float, float] = (0.5, 1.0)
    """Scales of the experiment-throughput runs: the Sobol projection uses the first, the
    regime-comparison projection the second."""
    throughput_steps: int = 100
    throughput_repeats: int = 2
    """Throughput runs per preset and scale (seeds ``seed``, ``seed + 1``...; median)."""

    def __post_init__(self) -> None:
        if len(self.scales) != 3 or not all(s > 0 for s in self.scales):
            raise ValueError(f"scales must be three positive numbers, got {self.scales}")
        if self.steps < 1 or self.repeats < 1 or self.repeats_high < 1:
            raise ValueError("steps and repeats must be at least 1")
        if len(self.throughput_scales) != 2 or not all(s > 0 for s in self.throughput_scales):
            raise ValueError(f"throughput_scales must be two positive numbers, "
                             f"got {self.throughput_scales}")
        if self.throughput_steps < 1 or self.throughput_repeats < 1:
            raise ValueError("throughput steps and repeats must be at least 1")


FULL = BenchConfig()
QUICK = BenchConfig(scales=(0.2, 1.0, 5.0), steps=50, repeats=1, repeats_high=1,
                    boltzmann_sizes=(200, 1000), regime_seeds=2, regime_steps=50,
                    timeout=300.0, throughput_repeats=1)


def boltzmann_for(scale: float) -> int:
    """Boltzmann agents paired with model ``scale``."""
    return max(10, int(round(BOLTZMANN_PER_SCALE * scale)))


def grid_side(n: int) -> int:
    """Side of a square grid with about one agent per cell."""
    return max(2, int(math.ceil(math.sqrt(n))))


def boltzmann_model(cls: Any, n: int, side: int, seed: int) -> Any:
    """Mesa's reference ``BoltzmannWealth`` (``cls``) with ``n`` agents on a ``side`` x
    ``side`` grid, seeded with ``seed``, on every Mesa the package supports.

    Mesa 3.3 and 3.4 take ``BoltzmannWealth(n, width, height, seed)``; Mesa 3.5 takes one
    ``scenario`` (a ``BoltzmannScenario`` with ``n``, ``width``, ``height`` and ``rng``, beside
    the model class in ``mesa.examples.basic.boltzmann_wealth_model.model``). Which one is read
    from the constructor's signature, not from the version number. The model itself is Mesa's
    as shipped in each release (3.5's also records the agents' wealth and the Gini in its
    ``DataRecorder``, besides the ``DataCollector``).
    """
    import inspect

    params = inspect.signature(cls).parameters
    if "scenario" in params:
        scenario_cls = getattr(sys.modules[cls.__module__], "BoltzmannScenario", None)
        if scenario_cls is None:
            raise RuntimeError(f"{cls.__module__} has no BoltzmannScenario: this Mesa's "
                               "BoltzmannWealth cannot be built by abm bench")
        return cls(scenario=scenario_cls(n=n, width=side, height=side, rng=seed))
    seeding = "rng" if "rng" in params and "seed" not in params else "seed"
    return cls(n=n, width=side, height=side, **{seeding: seed})


# -- measured runs, each in a fresh process ----------------------------------------------------
def _rss_bytes() -> int:
    import resource

    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) * 1024  # KiB on Linux


def child(spec_json: str) -> None:
    """Body of a measurement process: run one case, stream progress as JSON lines on stdout.

    ``spec``: ``{"kind": "model", "preset", "scale", "seed", "steps"}`` or
    ``{"kind": "boltzmann", "n", "seed", "steps"}``.
    """
    spec = json.loads(spec_json)
    out = sys.stdout

    def emit(**rec: Any) -> None:
        out.write(json.dumps(rec) + "\n")
        out.flush()

    steps = int(spec["steps"])
    if spec["kind"] == "model":
        from abm import EcosystemModel

        try:
            from abm import kernels
        except ImportError:  # a checkout before the compiled kernels
            pass
        else:
            kernels.warm()  # once per process, like the imports (a pool worker pays it once)
        emit(event="ready", rss_base=_rss_bytes())
        t0 = time.perf_counter()
        model = EcosystemModel(preset=spec["preset"], seed=int(spec["seed"]),
                               scale=float(spec["scale"]))
        init = time.perf_counter() - t0
        emit(event="init", init_s=init, agents=len(model.agents))
        total = 0
        c_run, t_run = time.process_time(), time.perf_counter()

        def progress(step: int) -> None:
            nonlocal total
            n = len(model.agents)
            total += n
            emit(event="step", step=int(step), agents=n, agent_steps=total,
                 run_s=time.perf_counter() - t_run, cpu_s=time.process_time() - c_run)

        model.run(steps, progress=progress, force=True)  # abm bench checked the limits
        run_s, cpu_s = time.perf_counter() - t_run, time.process_time() - c_run
        t1 = time.perf_counter()
        model.summary()
        summary_s = time.perf_counter() - t1
        emit(event="done", run_s=run_s, cpu_s=cpu_s, agent_steps=total, summary_s=summary_s,
             agents_end=len(model.agents), startups_end=len(model.startups),
             startup_rows=int(model.st.n), graph_nodes=model.net.n_nodes,
             graph_edges=model.net.number_of_edges(), peak_rss=_rss_bytes())
    elif spec["kind"] == "boltzmann":
        from mesa.examples import BoltzmannWealth

        emit(event="ready", rss_base=_rss_bytes())
        n = int(spec["n"])
        side = grid_side(n)
        t0 = time.perf_counter()
        model = boltzmann_model(BoltzmannWealth, n, side, int(spec["seed"]))
        emit(event="init", init_s=time.perf_counter() - t0, agents=len(model.agents))
        total = 0
        c_run, t_run = time.process_time(), time.perf_counter()
        for step in range(1, steps + 1):
            model.step()  # moves, gives money, and collects data (model + agent reporters)
            k = len(model.agents)
            total += k
            emit(event="step", step=step, agents=k, agent_steps=total,
                 run_s=time.perf_counter() - t_run, cpu_s=time.process_time() - c_run)
        emit(event="done", run_s=time.perf_counter() - t_run,
             cpu_s=time.process_time() - c_run, agent_steps=total, summary_s=0.0,
             agents_end=len(model.agents), grid=[side, side], peak_rss=_rss_bytes())
    elif spec["kind"] == "experiments":
        from abm.experiments.runner import run_one
        from abm.experiments.spec import RunSpec

        emit(event="ready", rss_base=_rss_bytes())
        collect, scale = spec["collect"], float(spec["scale"])
        # what a pool or Dask worker pays once, not per run: imports, first calls, caches,
        # numba's set-up and the compiled kernels (a two-step warm-up run may call none)
        run_one(RunSpec(run_id="warm-up", preset=spec["runs"][0][0], seed=1, steps=2,
                        overrides={"scale": 0.05}), collect)
        try:
            from abm import kernels
        except ImportError:  # a checkout before the compiled kernels
            pass
        else:
            kernels.warm()
        done, c_all, t_all = [], time.process_time(), time.perf_counter()
        for i, (preset, seed) in enumerate(spec["runs"]):
            run = RunSpec(run_id=f"bench-{i}", preset=preset, seed=int(seed), steps=steps,
                          overrides={"scale": scale})
            c0, t0 = time.process_time(), time.perf_counter()
            res = run_one(run, collect)
            if not res["ok"]:
                raise RuntimeError(res["error"])
            done.append({"preset": preset, "seed": int(seed),
                         "cpu_s": time.process_time() - c0, "run_s": time.perf_counter() - t0})
            emit(event="step", step=i + 1, agents=0, agent_steps=0,
                 run_s=time.perf_counter() - t_all, cpu_s=time.process_time() - c_all)
        emit(event="done", run_s=time.perf_counter() - t_all,
             cpu_s=time.process_time() - c_all, agent_steps=0, summary_s=0.0, runs=done,
             peak_rss=_rss_bytes())
    else:
        raise ValueError(f"unknown benchmark case kind {spec['kind']!r}")


def measure(spec: dict, timeout: float, python: str | None = None) -> dict:
    """Run one case in a fresh ``python -c`` process; return its figures.

    Keys: ``run_s``, ``agent_steps``, ``rate`` (agent-steps per second), ``peak_rss`` (bytes),
    ``steps_done``, ``partial`` (stopped by the timeout or crashed) and what the child
    reported. The peak of a partial run is read from ``/proc`` while it runs.
    """
    # load this file without importing the abm package, so the Boltzmann process carries only
    # Mesa's imports (its memory and start-up are Boltzmann's own)
    code = ("import importlib.util, sys; s = importlib.util.spec_from_file_location("
            "'abm_bench_child', sys.argv[1]); m = importlib.util.module_from_spec(s); "
            "sys.modules[s.name] = m; s.loader.exec_module(m); m.child(sys.argv[2])")
    env = dict(os.environ)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.setdefault("PYTHONWARNINGS", "ignore")
    proc = subprocess.Popen([python or sys.executable, "-c", code, os.path.abspath(__file__),
                             json.dumps(spec)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    lines: queue.Queue = queue.Queue()

    def reader() -> None:
        for line in proc.stdout:  # type: ignore[union-attr]
            lines.put(line)
        lines.put(None)

    threading.Thread(target=reader, daemon=True).start()
    result: dict = {"spec": spec, "partial": False, "steps_done": 0, "agent_steps": 0,
                    "run_s": 0.0, "cpu_s": 0.0, "peak_rss": 0}
    deadline = time.monotonic() + timeout
    last_step: dict = {}
    done = False
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        try:
            line = lines.get(timeout=min(left, 1.0))
        except queue.Empty:
            result["peak_rss"] = max(result["peak_rss"], _proc_peak(proc.pid))
            continue
        if line is None:
            break
        try:
            rec = json.loads(line)
        except ValueError:
            continue
        ev = rec.pop("event", "")
        if ev == "step":
            last_step = rec
        elif ev == "done":
            result.update(rec)
            done = True
        elif ev in ("ready", "init"):
            result.update(rec)
    if not done:
        result["peak_rss"] = max(result["peak_rss"], _proc_peak(proc.pid))
        if proc.poll() is None:
            proc.kill()
        result["partial"] = True
        result["run_s"] = last_step.get("run_s", 0.0)
        result["cpu_s"] = last_step.get("cpu_s", 0.0)
        result["agent_steps"] = last_step.get("agent_steps", 0)
        result["agents_end"] = last_step.get("agents", 0)
    try:
        _, err = proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        err = ""
    if proc.returncode not in (0, None) and not result["partial"]:
        result["partial"] = True
    if result["partial"]:
        tail = (err or "").strip().splitlines()[-1:] if err else []
        result["note"] = ("timeout" if time.monotonic() >= deadline else
                          f"process failed: {tail[0] if tail else proc.returncode}")
    result["steps_done"] = last_step.get("step", 0)
    result["rate"] = result["agent_steps"] / result["run_s"] if result["run_s"] > 0 else 0.0
    cpu = result.get("cpu_s", 0.0)
    result["cpu_rate"] = result["agent_steps"] / cpu if cpu > 0 else 0.0
    return result


def _proc_peak(pid: int) -> int:
    """Peak resident memory of a running process (``VmHWM``), 0 if unknown."""
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


# -- regime comparison -------------------------------------------------------------------------
def _regime_task(args: tuple[str, int, float, int]) -> float:
    from abm import EcosystemModel

    preset, seed, scale, steps = args
    t0 = time.perf_counter()
    model = EcosystemModel(preset=preset, seed=seed, scale=scale)
    model.run(steps, force=True)  # abm bench checked the limits
    model.summary()
    model.release()
    return time.perf_counter() - t0


def regime_comparison(presets: Sequence[str], seeds: int, scale: float, steps: int,
                      workers: int) -> dict:
    """Wall time of ``presets x seeds`` runs (with summaries) in a spawn process pool."""
    import multiprocessing as mp

    tasks = [(p, s, scale, steps) for p in presets for s in range(1, seeds + 1)]
    t0 = time.perf_counter()
    with ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context("spawn")) as pool:
        per_run = list(pool.map(_regime_task, tasks))
    wall = time.perf_counter() - t0
    return {"runs": len(tasks), "presets": list(presets), "seeds": seeds, "scale": scale,
            "steps": steps, "workers": workers, "wall_s": wall,
            "run_s_sum": float(sum(per_run)), "run_s_median": statistics.median(per_run)}


# -- experiment throughput and projections ---------------------------------------------------
def _experiment_file(name: str) -> dict:
    """An experiment file shipped in the ``experiments`` package, parsed as TOML."""
    import tomllib
    from pathlib import Path

    from abm import experiments

    return tomllib.loads((Path(experiments.__file__).parent / name).read_text())


def projection_plan(cfg: BenchConfig) -> list[dict]:
    """The experiments whose wall time the bench projects: ``name``, ``presets``, ``runs``
    (per preset), ``scale`` (a throughput scale), ``target`` (seconds) and how the run count
    was reached. Read from the shipped experiment files and :data:`abm.structural.STRUCTURAL`,
    so that they follow the project."""
    from abm.structural import STRUCTURAL

    regime = _experiment_file("regime_comparison.toml")["experiment"]
    structural = _experiment_file("structural_uncertainty.toml")["experiment"]
    factors = len(STRUCTURAL)
    low, high = cfg.throughput_scales
    return [
        {"name": "regime comparison", "presets": list(regime["presets"]),
         "runs": int(regime["replicates"]), "scale": high, "target": TARGET_REGIME_S,
         "what": f"{len(regime['presets'])} presets x {regime['replicates']} replicates"},
        {"name": "Sobol analysis", "presets": list(structural["presets"]),
         "runs": SOBOL_N * (factors + 2), "scale": low, "target": TARGET_SOBOL_S,
         "what": f"N = {SOBOL_N} x ({factors} structural factors + 2) points x "
                 f"{len(structural['presets'])} presets"},
    ]


def throughput_cases(cfg: BenchConfig, plan: list[dict]) -> list[dict]:
    """The experiment-throughput measurements: one process per throughput scale, running
    every bench preset and every preset a projection needs, one experiment run each per
    repeat (a further seed per repeat; the presets take turns, so that a slow spell of the
    machine falls on all of them)."""
    collect = _experiment_file("regime_comparison.toml").get("collect", {})
    presets = list(dict.fromkeys([*cfg.presets, *(p for pr in plan for p in pr["presets"])]))
    return [{"kind": "experiments", "scale": scale, "steps": cfg.throughput_steps,
             "collect": collect,
             "runs": [[p, cfg.seed + rep] for rep in range(cfg.throughput_repeats)
                      for p in presets]}
            for scale in cfg.throughput_scales]


def throughput(cfg: BenchConfig, log: Callable[[str], None] = lambda _: None) -> dict:
    """Measure the experiment runs of :func:`throughput_cases` and project the experiments
    of :func:`projection_plan`."""
    plan = projection_plan(cfg)
    runs: dict[str, list[dict]] = {}
    for spec in throughput_cases(cfg, plan):
        scale = _fmt_scale(spec["scale"])
        log(f"throughput at scale {scale}: {len(spec['runs'])} experiment runs ...")
        res = measure(spec, cfg.timeout * len(spec["runs"]))
        for r in res.get("runs", []):
            runs.setdefault(f"{r['preset']}@{scale}", []).append({**r, "partial": False})
        for preset, _ in spec["runs"][len(res.get("runs", [])):]:  # stopped or failed
            runs.setdefault(f"{preset}@{scale}", []).append(
                {"cpu_s": 0.0, "partial": True, "note": res.get("note")})
        log(f"  {res['cpu_s']:.1f} s CPU" + (f" PARTIAL ({res.get('note')})"
                                             if res["partial"] else ""))
    return summarize_throughput(cfg, plan, runs)


def summarize_throughput(cfg: BenchConfig, plan: list[dict],
                         runs: dict[str, list[dict]]) -> dict:
    """Runs per CPU-second by preset and scale (median CPU time per run), and the projected
    wall time of each planned experiment on :data:`PROJECTION_WORKERS` cores."""
    cases = {}
    for key, rs in runs.items():
        ok = [r["cpu_s"] for r in rs if not r["partial"]]
        cpu = statistics.median(ok) if ok else 0.0
        cases[key] = {"cpu_s": cpu, "runs_per_cpu_s": 1.0 / cpu if cpu > 0 else 0.0,
                      "partial": any(r["partial"] for r in rs), "repeats": len(rs),
                      "cpu_s_runs": [r["cpu_s"] for r in rs]}
    per_scale = []
    for scale in cfg.throughput_scales:
        sel = [c for k, c in cases.items() if k.endswith(f"@{_fmt_scale(scale)}")]
        cpu = sum(c["cpu_s"] for c in sel) / len(sel) if sel else 0.0
        per_scale.append({"scale": scale, "cpu_s_mean": cpu,
                          "runs_per_cpu_s": 1.0 / cpu if cpu > 0 else 0.0,
                          "presets": len(sel)})
    projections = []
    for pr in plan:
        keys = [f"{p}@{_fmt_scale(pr['scale'])}" for p in pr["presets"]]
        cpu = sum(cases[k]["cpu_s"] * pr["runs"] for k in keys)
        wall = cpu / PROJECTION_WORKERS
        projections.append({**pr, "total_runs": pr["runs"] * len(keys), "cpu_s": cpu,
                            "workers": PROJECTION_WORKERS, "wall_s": wall,
                            "steps": cfg.throughput_steps,
                            "partial": any(cases[k]["partial"] for k in keys),
                            "pass": 0 < wall < pr["target"]})
    return {"steps": cfg.throughput_steps, "cases": cases, "per_scale": per_scale,
            "projections": projections}


def _fmt_duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.1f} s"
    if seconds < 2 * 3600:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.2f} h"


# -- the benchmark -----------------------------------------------------------------------------
@dataclass
class Case:
    name: str
    label: str
    size: str
    runs: list[dict] = field(default_factory=list)

    def median(self, key: str) -> float:
        vals = [r.get(key, 0.0) for r in self.runs]
        return float(statistics.median(vals)) if vals else 0.0

    @property
    def partial(self) -> bool:
        return any(r.get("partial") for r in self.runs)

    def figures(self) -> dict:
        return {"label": self.label, "size": self.size, "repeats": len(self.runs),
                "partial": self.partial,
                "run_s": self.median("run_s"), "cpu_s": self.median("cpu_s"),
                "agent_steps": self.median("agent_steps"),
                "rate": self.median("rate"), "cpu_rate": self.median("cpu_rate"), "steps_done": min(
                    (r.get("steps_done", 0) for r in self.runs), default=0),
                "peak_rss": max((r.get("peak_rss", 0) for r in self.runs), default=0),
                "rss_base": self.median("rss_base"), "init_s": self.median("init_s"),
                "summary_s": self.median("summary_s"), "agents_end": self.median("agents_end"),
                "runs": self.runs}


def _fmt_scale(s: float) -> str:
    return f"{s:g}"


def _cases(cfg: BenchConfig) -> list[tuple[str, str, str, dict]]:
    """``(key, label, size, spec)`` of every measured case."""
    low, mid, _ = cfg.scales
    out = []
    for n in sorted(set(cfg.boltzmann_sizes) | {boltzmann_for(low), boltzmann_for(mid)}):
        side = grid_side(n)
        out.append((f"boltzmann@{n}", "Boltzmann (Mesa)", f"{n:,} agents ({side}x{side})",
                    {"kind": "boltzmann", "n": n, "steps": cfg.steps}))
    for scale in cfg.scales:
        for preset in cfg.presets:
            out.append((f"{preset}@{_fmt_scale(scale)}", preset, f"scale {_fmt_scale(scale)}",
                        {"kind": "model", "preset": preset, "scale": scale,
                         "steps": cfg.steps}))
    return out


def schedule(cfg: BenchConfig) -> list[tuple[str, dict, int]]:
    """The measured runs, in the order they run: ``(case key, spec, repeat index)``.

    Repeats are interleaved (round ``r`` runs every case once), so that a slow spell of a
    shared machine falls on the yardstick and the model alike rather than on one case; in a
    round each Boltzmann size runs just before the model runs it is compared with. Each
    run at the highest scale is *bracketed* by runs of the same preset at the middle scale,
    one just before and one just after it (mid, high, mid, high, mid...), and the scaling
    ratio compares it with those two: a machine whose speed drifts over the minutes a
    scale-100 run takes would otherwise bias the ratio. The middle scale therefore runs
    ``max(repeats, repeats_high + 1)`` times.
    """
    low, mid, high = cfg.scales
    spec = {key: sp for key, _, _, sp in _cases(cfg)}
    small = [key for key, sp in spec.items()
             if sp["kind"] == "boltzmann" or sp["scale"] not in (mid, high)]
    # each yardstick just before the model runs it is paired with: Boltzmann at 1000 x low,
    # the low-scale runs, then the other Boltzmann sizes (1000 x mid last, so that it runs
    # just before the middle-scale runs of the round)
    first, last = f"boltzmann@{boltzmann_for(low)}", f"boltzmann@{boltzmann_for(mid)}"
    small.sort(key=lambda k: (0 if k == first else 3 if k == last
                              else 2 if spec[k]["kind"] == "boltzmann" else 1))
    n_mid = max(cfg.repeats, cfg.repeats_high + 1)
    order: list[tuple[str, dict, int]] = []
    for r in range(max(cfg.repeats, n_mid, cfg.repeats_high)):
        order += [(key, spec[key], r) for key in small if r < cfg.repeats]
        for preset in cfg.presets:
            mk, hk = f"{preset}@{_fmt_scale(mid)}", f"{preset}@{_fmt_scale(high)}"
            if r < cfg.repeats_high:
                if r == 0:
                    order.append((mk, spec[mk], 0))
                order += [(hk, spec[hk], r), (mk, spec[mk], r + 1)]
            elif r + 1 < n_mid:
                order.append((mk, spec[mk], r + 1))
    return order


def _bracketed(mid_runs: list[dict], high_runs: list[dict]) -> tuple[float, ...]:
    """Scaling ratio of each high-scale run over the mean of the two middle-scale runs that
    bracket it (see :func:`schedule`), on wall and CPU time; medians over the high runs.
    Returns ``(ratio, ratio_cpu, us per agent-step at mid, us per agent-step at high)``."""
    def per(run: dict, key: str) -> float:
        return run[key] / run["agent_steps"] if run.get("agent_steps") else float("nan")

    wall, cpu, us_mid, us_high = [], [], [], []
    for i, h in enumerate(high_runs):
        pair = mid_runs[i:i + 2]
        if len(pair) < 2:
            continue
        for key, sink in (("run_s", wall), ("cpu_s", cpu)):
            base = (per(pair[0], key) + per(pair[1], key)) / 2
            sink.append(per(h, key) / base if base > 0 else float("nan"))
            if key == "run_s":
                us_mid.append(1e6 * base)
                us_high.append(1e6 * per(h, key))
    if not wall:
        return (float("nan"),) * 4
    return (statistics.median(wall), statistics.median(cpu), statistics.median(us_mid),
            statistics.median(us_high))


def run_bench(cfg: BenchConfig, log: Callable[[str], None] = lambda _: None) -> dict:
    """Measure everything in ``cfg``; return a JSON-ready dict of figures (see module doc)."""
    from importlib.metadata import version

    t_start = time.perf_counter()
    low, mid, high = cfg.scales
    cases: dict[str, Case] = {}
    for key, label, size, _ in _cases(cfg):
        cases[key] = Case(key, label, size)
    order = schedule(cfg)
    reps = Counter(key for key, _, _ in order)
    for key, spec, rep in order:
        spec_r = dict(spec, seed=cfg.seed + rep)
        log(f"{key} run {rep + 1}/{reps[key]} ...")
        res = measure(spec_r, cfg.timeout)
        cases[key].runs.append(res)
        flag = f" PARTIAL ({res.get('note')}, {res['steps_done']} steps)" \
            if res["partial"] else ""
        log(f"  {res['run_s']:.2f} s, {res['rate']:,.0f} agent-steps/s, "
            f"peak {res['peak_rss'] / 2**20:,.0f} MiB{flag}")
    log(f"regime comparison: {len(cfg.presets)} presets x {cfg.regime_seeds} seeds ...")
    regime = regime_comparison(cfg.presets, cfg.regime_seeds, cfg.regime_scale,
                               cfg.regime_steps, cfg.regime_workers)
    log(f"  {regime['wall_s']:.1f} s")
    thru = throughput(cfg, log)

    figs = {k: c.figures() for k, c in cases.items()}
    ratios = []
    for scale in (low, mid):
        n = boltzmann_for(scale)
        b = figs[f"boltzmann@{n}"]
        for preset in cfg.presets:
            m = figs[f"{preset}@{_fmt_scale(scale)}"]
            value = m["rate"] / b["rate"] if b["rate"] > 0 else 0.0
            cpu = m["cpu_rate"] / b["cpu_rate"] if b["cpu_rate"] > 0 else 0.0
            ratios.append({"preset": preset, "scale": scale, "boltzmann_agents": n,
                           "model_rate": m["rate"], "boltzmann_rate": b["rate"],
                           "ratio": value, "ratio_cpu": cpu,
                           "partial": m["partial"] or b["partial"],
                           "target": TARGET_RATIO, "pass": value >= TARGET_RATIO})
    scaling = []
    peaks = []
    for preset in cfg.presets:
        a, z = figs[f"{preset}@{_fmt_scale(mid)}"], figs[f"{preset}@{_fmt_scale(high)}"]
        value, value_cpu, us_mid, us_high = _bracketed(a["runs"], z["runs"])
        scaling.append({"preset": preset, "scales": [mid, high],
                        "time_ratio": z["run_s"] / a["run_s"] if a["run_s"] else float("nan"),
                        "agent_step_ratio": (z["agent_steps"] / a["agent_steps"]
                                             if a["agent_steps"] else float("nan")),
                        "us_per_agent_step_mid": us_mid, "us_per_agent_step_high": us_high,
                        "ratio": value, "ratio_cpu": value_cpu,
                        "partial": z["partial"] or a["partial"],
                        "lower_bound": z["partial"] and not a["partial"],
                        "target": TARGET_SCALING,
                        "pass": bool(value <= TARGET_SCALING) if math.isfinite(value) else False})
        peaks.append({"preset": preset, "scale": high, "peak_rss": z["peak_rss"],
                      "partial": z["partial"], "target": TARGET_PEAK_BYTES,
                      "pass": 0 < z["peak_rss"] < TARGET_PEAK_BYTES and not z["partial"]})
    try:
        mesa_version = version("mesa")
    except Exception:  # pragma: no cover
        mesa_version = None
    return {
        "config": asdict(cfg),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(),
                    "processor": platform.processor() or platform.machine(),
                    "python": platform.python_version(), "mesa": mesa_version,
                    "memory_bytes": _total_memory()},
        "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "cases": figs, "ratios": ratios, "scaling": scaling, "peak_memory": peaks,
        "regime_comparison": regime, "throughput": thru,
        "bench_wall_s": time.perf_counter() - t_start,
    }


def _total_memory() -> int | None:
    try:
        import psutil

        return int(psutil.virtual_memory().total)
    except Exception:  # pragma: no cover
        return None


# -- report ------------------------------------------------------------------------------------
def _mark(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def report_lines(res: dict) -> list[str]:
    """The ratio, scaling, memory and regime lines (plain text, one figure per line)."""
    out = []
    for r in res["ratios"]:
        part = " (partial run)" if r["partial"] else ""
        out.append(f"ratio model/Boltzmann agent-steps/s: {r['preset']} scale "
                   f"{_fmt_scale(r['scale'])} vs Boltzmann {r['boltzmann_agents']:,} agents = "
                   f"{r['ratio']:.2f} ({r['model_rate']:,.0f} vs {r['boltzmann_rate']:,.0f}; "
                   f"CPU-time basis {r['ratio_cpu']:.2f})"
                   f"  target >= {r['target']:g}  {_mark(r['pass'])}{part}")
    for s in res["scaling"]:
        lo, hi = s["scales"]
        sign = ">= " if s["lower_bound"] else ""
        part = " (partial run: lower bound)" if s["lower_bound"] else (
            " (partial run)" if s["partial"] else "")
        out.append(f"scaling ratio (time per agent-step, scale {_fmt_scale(hi)} / scale "
                   f"{_fmt_scale(lo)}): {s['preset']} = {sign}{s['ratio']:.2f} ("
                   f"{s['us_per_agent_step_high']:.2f} us per agent-step vs "
                   f"{s['us_per_agent_step_mid']:.2f} us in the scale-{_fmt_scale(lo)} runs "
                   f"just before and after; agent-steps x{s['agent_step_ratio']:.1f}; "
                   f"CPU-time basis {sign}{s['ratio_cpu']:.2f})"
                   f"  target <= {s['target']:g}  {_mark(s['pass'])}{part}")
    for p in res["peak_memory"]:
        part = " (partial run: peak so far)" if p["partial"] else ""
        out.append(f"peak memory at scale {_fmt_scale(p['scale'])}: {p['preset']} = "
                   f"{p['peak_rss'] / 2**20:,.0f} MiB  target < {p['target'] / GIB:g} GiB  "
                   f"{_mark(p['pass'])}{part}")
    g = res["regime_comparison"]
    out.append(f"regime comparison: {len(g['presets'])} presets x {g['seeds']} seeds, scale "
               f"{_fmt_scale(g['scale'])}, {g['steps']} steps, {g['workers']} workers: "
               f"{g['wall_s']:.1f} s wall ({g['run_s_median']:.2f} s median per run)")
    out += throughput_lines(res.get("throughput"))
    return out


def throughput_lines(thru: dict | None) -> list[str]:
    """The experiment-throughput lines: runs per CPU-second at each throughput scale, and
    each projection with its target."""
    if not thru:
        return []
    out = []
    for p in thru["per_scale"]:
        out.append(f"experiment throughput at scale {_fmt_scale(p['scale'])}: "
                   f"{p['runs_per_cpu_s']:.2f} runs per CPU-second ({p['cpu_s_mean']:.2f} s CPU "
                   f"per run of {thru['steps']} steps, mean over {p['presets']} presets)")
    for pr in thru["projections"]:
        part = " (partial run)" if pr["partial"] else ""
        out.append(f"projected {pr['name']} on {pr['workers']} cores: {pr['what']}, scale "
                   f"{_fmt_scale(pr['scale'])}, {pr['steps']} steps = {pr['total_runs']:,} runs: "
                   f"{_fmt_duration(pr['wall_s'])}  target < {_fmt_duration(pr['target'])}  "
                   f"{_mark(pr['pass'])}{part}")
    return out


BENCH_COLUMNS = (("case", "left"), ("size", "left"), ("reps", "right"), ("run s", "right"),
                 ("cpu s", "right"), ("agent-steps", "right"), ("agent-steps/s", "right"),
                 ("agents at end", "right"), ("peak MiB", "right"), ("base MiB", "right"),
                 ("init s", "right"), ("summary s", "right"), ("note", "left"))
"""The columns of the bench table."""

BENCH_SPLIT = {"speed": ("case", "size", "reps", "run s", "cpu s", "agent-steps",
                         "agent-steps/s", "note"),
               "memory and overheads": ("case", "size", "agents at end", "peak MiB",
                                        "base MiB", "init s", "summary s")}
"""On a console narrower than :data:`BENCH_WIDE` columns the table is printed as these two."""

BENCH_WIDE = 150


def _bench_cells(c: dict, steps: int) -> dict[str, str]:
    note = f"partial: {c['steps_done']}/{steps} steps" if c["partial"] else ""
    return {"case": c["label"], "size": c["size"], "reps": str(c["repeats"]),
            "run s": f"{c['run_s']:.2f}", "cpu s": f"{c['cpu_s']:.2f}",
            "agent-steps": f"{c['agent_steps']:,.0f}", "agent-steps/s": f"{c['rate']:,.0f}",
            "agents at end": f"{c['agents_end']:,.0f}",
            "peak MiB": f"{c['peak_rss'] / 2**20:,.0f}",
            "base MiB": f"{c['rss_base'] / 2**20:,.0f}", "init s": f"{c['init_s']:.2f}",
            "summary s": f"{c['summary_s']:.2f}", "note": note}


def print_report(res: dict, console: Any = None) -> None:
    """A rich table of every case (two narrower ones on a narrow console), then the ratio
    lines."""
    from rich import box
    from rich.console import Console
    from rich.table import Table

    console = console or Console()
    cfg, mach = res["config"], res["machine"]
    title = (f"abm bench: {cfg['steps']} steps, median of repeats "
             f"({mach['cpus']} CPUs, Python {mach['python']}, Mesa {mach['mesa']})")
    just = dict(BENCH_COLUMNS)
    rows = [_bench_cells(c, cfg["steps"]) for c in res["cases"].values()]
    wide = console.width >= BENCH_WIDE
    parts = {"": tuple(just)} if wide else BENCH_SPLIT
    for part, cols in parts.items():
        if not wide:  # case and size in one cell (two lines), no empty note column
            cols = ("case",) + tuple(c for c in cols if c not in ("case", "size"))
            if not any(r["note"] for r in rows):
                cols = tuple(c for c in cols if c != "note")
        table = Table(title=title + (f": {part}" if part else ""), title_justify="left",
                      box=None if wide else box.SIMPLE_HEAD, pad_edge=wide)
        if wide:
            table.box = box.HEAVY_HEAD
        for col in cols:
            table.add_column(col, justify=just[col],  # type: ignore[arg-type]
                             no_wrap=col != "note", overflow="fold")
        for cells in rows:
            shown = dict(cells)
            if not wide:
                shown["case"] = f"{cells['case']}\n{cells['size']}"
            table.add_row(*(shown[col] for col in cols))
        console.print(table)
    for line in report_lines(res):
        console.print(line, highlight=False, markup=False, soft_wrap=True)
    console.print(f"bench wall time: {res['bench_wall_s']:.0f} s", highlight=False)


def write_json(res: dict, path: str | os.PathLike) -> None:
    def clean(x: Any) -> Any:
        if isinstance(x, float) and not math.isfinite(x):
            return None
        if isinstance(x, dict):
            return {k: clean(v) for k, v in x.items()}
        if isinstance(x, (list, tuple)):
            return [clean(v) for v in x]
        return x

    with open(path, "w") as fh:
        json.dump(clean(res), fh, indent=1)


def config_for(quick: bool, **changes: Any) -> BenchConfig:
    """The full or quick configuration with ``changes`` (``None`` values ignored)."""
    base = QUICK if quick else FULL
    return replace(base, **{k: v for k, v in changes.items() if v is not None})
