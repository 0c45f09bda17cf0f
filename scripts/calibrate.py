"""Calibrate the presets to the calibration facts (repeatable; see docs/calibration.md).

For each preset, each calibration fact is paired with the one parameter that moves it most
directly (``PAIRS``). Starting from the current preset values, the script iterates: run every
preset over the calibration seeds (``SeedSequence(CALIBRATION_SEED)``, disjoint from the
validation seeds) through the experiment runner, then move each paired parameter
multiplicatively towards the centre of its fact's range,

    x <- clip(x * exp(DAMPING * (g(target) - g(model mean))), low, high)

with ``g = logit`` for shares and ``g = log`` for intensities, within the parameter's documented
range. It stops when every fact holds with a margin or after ``--rounds`` rounds, prints the
values and with ``--write`` stores them in ``abm/presets.toml`` (marked ``[calibrated]``).

    python scripts/calibrate.py --seeds 6 --rounds 3 --write
"""

from __future__ import annotations

import argparse
import math
import re
import sys
from pathlib import Path

from abm.params import SPECS
from abm.presets import resolve
from experiments.runner import RunSpec, run_batch
from experiments.spec import replicate_seeds
from experiments.validate import CALIBRATION_SEED, load_facts

PAIRS = {
    "ma_share_of_exits": ("acquisition_appetite", "ma_market_depth"),
    "vc_intensity": ("lp_capital_per_year",),
    "cvc_deal_share": ("cvc_allocation",),
    "gov_share_of_vc_commitments": ("gov_vc_budget",),
}
"""Fact metric -> the parameters calibrated to it (the next one moves when the first is at a
bound of its documented range)."""
SHARES = {"ma_share_of_exits", "cvc_deal_share", "gov_share_of_vc_commitments"}
DAMPING = 0.8
MAX_STEP = math.log(2.0)
PRESETS_TOML = Path(__file__).resolve().parents[1] / "abm" / "presets.toml"


def _g(metric: str, x: float) -> float:
    x = min(max(x, 1e-4), 1 - 1e-4) if metric in SHARES else max(x, 1e-9)
    return math.log(x / (1 - x)) if metric in SHARES else math.log(x)


def calibrate(seeds: int, rounds: int, steps: int, workers: int | None) -> dict:
    facts = [f for f in load_facts() if f.use == "calibration"]
    values: dict[str, dict[str, float]] = {}
    for f in facts:
        for name in PAIRS[f.key]:
            values.setdefault(f.preset, {})[name] = float(resolve(f.preset)[name])
    seed_list = replicate_seeds(CALIBRATION_SEED, seeds)
    for rnd in range(1, rounds + 1):
        runs = [RunSpec(run_id=f"{p}-{r:03d}", preset=p, overrides=dict(values[p]), seed=s,
                        steps=steps, scenario=p, replicate=r)
                for p in values for r, s in enumerate(seed_list)]
        res = run_batch(runs, workers=workers, progress=True, label=f"calibration round {rnd}",
                        collect={"timeseries": False, "distributions": False})
        table = res.runs
        done = True
        print(f"round {rnd}:")
        for f in facts:
            mean = float(table.loc[table["preset"] == f.preset, f.key].mean())
            lo, hi = f.low, f.high
            margin = 0.1 * (hi - lo)
            target = f.aim
            if f.target is not None:  # aim at a point: within a tenth of the range of it
                ok = abs(mean - target) <= margin
            else:  # a range that starts at zero holds a zero mean (no government VC money)
                ok = (lo + (margin if lo > 0 else 0.0)) <= mean <= hi - margin
            # at most halve or double a value per round: some metrics respond weakly (e.g.
            # Japanese VC intensity is limited by fundable startups, not by LP money)
            step = min(max(DAMPING * (_g(f.key, target) - _g(f.key, mean)), -MAX_STEP),
                       MAX_STEP)
            for name in PAIRS[f.key]:  # the first parameter not stuck at a bound moves
                x = values[f.preset][name]
                spec = SPECS[name]
                if ok:
                    break
                done = False
                if x <= 0:  # a zero parameter cannot be scaled: start it small
                    new = 0.05 * spec.high
                else:
                    new = min(max(x * math.exp(step), spec.low), spec.high)
                values[f.preset][name] = new
                if new != x:
                    x = new
                    break
            name = next((n for n in PAIRS[f.key] if values[f.preset][n] == x), PAIRS[f.key][0])
            print(f"  {f.id:<18} {f.key:<28} mean {mean:.4g} target [{lo}, {hi}] "
                  f"{'ok' if ok else '->'} {name} = {x:.4g}")
        if done:
            break
    return values


def write(values: dict[str, dict[str, float]]) -> None:
    """Store calibrated values in presets.toml (adding lines where a preset lacks them)."""
    text = PRESETS_TOML.read_text(encoding="utf-8")
    for preset, params in values.items():
        start = text.index(f"[{preset}]")
        end = text.find("\n[", start + 1)
        end = len(text) if end < 0 else end
        block = text[start:end]
        for name, x in params.items():
            val = f"{x:.6g}"
            val = val if any(c in val for c in ".e") else val + ".0"
            line = rf"^{name} = [^#\n]*(#.*)?$"
            if re.search(line, block, flags=re.M):
                block = re.sub(line, lambda m: f"{name} = {val}".ljust(37)
                               + (m.group(1) or "# [calibrated]"), block, count=1, flags=re.M)
            else:
                block = block.rstrip("\n") + f"\n{name} = {val}".ljust(38) \
                    + "# [calibrated] scripts/calibrate.py\n"
        text = text[:start] + block + text[end:]
    PRESETS_TOML.write_text(text, encoding="utf-8")
    print(f"wrote {PRESETS_TOML}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=6)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--steps", type=int, default=100)
    ap.add_argument("--workers", type=int, default=None)
    ap.add_argument("--write", action="store_true", help="store the values in presets.toml")
    args = ap.parse_args(argv)
    values = calibrate(args.seeds, args.rounds, args.steps, args.workers)
    for preset, params in values.items():
        print(preset, {k: round(v, 6) for k, v in params.items()})
    if args.write:
        write(values)
    return 0


if __name__ == "__main__":
    sys.exit(main())
