"""CPU milliseconds per quarter spent in each call of the model's schedule (issue 28's "profile of
one japan scale-1 quarter, ms per mechanism").

Every call ``M.<module>.<function>(self)`` of ``EcosystemModel.step`` (read from its source, so the
schedule is never copied here) is wrapped with ``time.process_time`` for the run, and the data
collection too; the model is built outside the timing. Prints, per call, the minimum over the
seeds of the mean CPU ms per quarter (the minimum is the least disturbed by other load on the
machine), and the whole quarter. A probe: wrapping changes no result.

    python scripts/profile_quarter.py --preset japan --scale 1 --steps 100 --seeds 1,2,3
    python scripts/profile_quarter.py --preset silicon_valley --json out.json
"""

from __future__ import annotations

import argparse
import inspect
import json
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def schedule_calls() -> list[tuple[str, str]]:
    """``(module, function)`` of every mechanism call in ``EcosystemModel.step``, in order."""
    from abm.model import EcosystemModel

    src = inspect.getsource(EcosystemModel.step)
    calls = re.findall(r"\bM\.(\w+)(?:\.(\w+))?\(self\)", src)
    return [(mod, fn or "") for mod, fn in calls]


def profile(preset: str, scale: float, steps: int, seed: int) -> dict[str, float]:
    """CPU ms per quarter of each schedule call over one run."""
    from abm import mechanisms as M
    from abm.model import EcosystemModel

    model = EcosystemModel(preset, seed=seed, scale=scale)
    spent: dict[str, float] = {}
    patched: list[tuple[object, str, object]] = []

    def wrap(owner: object, attr: str, label: str) -> None:
        fn = getattr(owner, attr)
        spent[label] = 0.0

        def timed(*args, **kwargs):
            t0 = time.process_time()
            try:
                return fn(*args, **kwargs)
            finally:
                spent[label] += time.process_time() - t0

        patched.append((owner, attr, fn))
        setattr(owner, attr, timed)

    for mod, fn in schedule_calls():
        if fn:
            wrap(getattr(M, mod), fn, f"{mod}.{fn}")
        else:
            wrap(M, mod, mod)
    wrap(model.datacollector, "collect", "data collection")
    try:
        t0 = time.process_time()
        model.run(steps)
        total = time.process_time() - t0
    finally:
        for owner, attr, fn in reversed(patched):
            setattr(owner, attr, fn)
    del model.datacollector.collect  # the instance attribute set by wrap
    out = {k: 1000 * v / steps for k, v in spent.items()}
    out["other (step's own code)"] = 1000 * total / steps - sum(out.values())
    out["the quarter"] = 1000 * total / steps
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--preset", default="japan")
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--steps", type=int, default=100)
    ap.add_argument("--seeds", default="1,2,3")
    ap.add_argument("--json", default=None, help="also write the figures (per seed) as JSON")
    a = ap.parse_args(argv)
    from abm import kernels

    kernels.warm()
    seeds = [int(s) for s in a.seeds.split(",")]
    runs = {s: profile(a.preset, a.scale, a.steps, s) for s in seeds}
    keys = list(runs[seeds[0]])
    best = {k: min(r[k] for r in runs.values()) for k in keys}
    print(f"{a.preset}, scale {a.scale:g}, {a.steps} quarters, seeds {a.seeds}: CPU ms per quarter "
          f"(minimum over seeds)\n")
    print("| call | ms |\n|---|---|")
    for k in sorted(keys[:-2], key=lambda k: -best[k]) + keys[-2:]:
        print(f"| {k} | {best[k]:.2f} |")
    if a.json:
        Path(a.json).write_text(json.dumps({"preset": a.preset, "scale": a.scale,
                                            "steps": a.steps, "runs": runs}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
