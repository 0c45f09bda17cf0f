"""Calibrate the presets to the calibration facts by simulated method of moments.

Jointly over the preset parameters the calibration facts depend on and shared structural
constants (experiments/calibration.py; method in docs/calibration.md). Runs go through the
experiment runner over common-random-number seeds from SeedSequence(CALIBRATION_SEED),
disjoint from the validation seeds. Writes the report (calibration.md, CSV tables) and the
ensemble of accepted vectors (ensemble.toml) to --out; with --write also stores the point
calibration in abm/presets.toml (and abm/constants.py), 3 significant digits, and the ensemble
in abm/data/ensemble.toml.

    python scripts/calibrate.py --budget 700 --write            # the full calibration
    python scripts/calibrate.py --ensemble-only --ensemble-size 200 --ensemble-batch 25 \
        --check-seeds 6 --write         # a larger ensemble around the current point
    python scripts/calibrate.py --presets korea --seeds 2 --steps 30 --scale 0.3 \\
        --budget 60 --ensemble-size 4 --check-seeds 2 --out /tmp/cal   # a smoke test
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PRESETS_TOML = ROOT / "abm" / "presets.toml"
CONSTANTS_PY = ROOT / "abm" / "constants.py"
ENSEMBLE_TOML = ROOT / "abm" / "data" / "ensemble.toml"


def main(argv: list[str] | None = None) -> int:
    from abm.experiments.calibration import (DEFAULT_CONSTANTS, ABMSimulator, Budget,
                                         CalibrationError, calibrate, problem_from_facts,
                                         write_constants, write_presets, write_report)
    from abm.experiments.spec import replicate_seeds
    from abm.experiments.validate import CALIBRATION_SEED, load_facts

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--presets", default="", help="comma-separated presets to calibrate "
                    "(default: every preset with a calibration fact)")
    ap.add_argument("--constants", default=",".join(DEFAULT_CONSTANTS),
                    help="comma-separated structural constants searched jointly, or 'none' "
                    f"(default: {','.join(DEFAULT_CONSTANTS)})")
    ap.add_argument("--parameter", action="append", default=[], metavar="PRESET.NAME",
                    help="also search this preset parameter (repeatable), e.g. for a fact "
                    "whose metric has no entry in MOMENT_PARAMETERS")
    ap.add_argument("--seeds", type=int, default=2, help="CRN seeds per vector in the search "
                    "and the ensemble")
    ap.add_argument("--check-seeds", type=int, default=8, help="seeds of the final check of "
                    "the calibrated vector (and the start)")
    ap.add_argument("--steps", type=int, default=100)
    ap.add_argument("--scale", type=float, default=None, help="model scale (default: the "
                    "presets' own)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--budget", type=int, default=700, help="most model runs in all")
    ap.add_argument("--max-seconds", type=float, default=None, help="wall-time budget (the "
                    "search stops early enough for the later phases)")
    ap.add_argument("--max-iterations", type=int, default=30, help="least-squares function "
                    "evaluations at most")
    ap.add_argument("--ensemble-size", type=int, default=24, help="ensemble candidates")
    ap.add_argument("--ensemble-seed", type=int, default=16)
    ap.add_argument("--ensemble-batch", type=int, default=None, help="candidates per batch "
                    "(default: half of --ensemble-size); the spread is halved after a batch "
                    "that accepts fewer than 30%%")
    ap.add_argument("--ensemble-only", action="store_true", help="no search: the current "
                    "values (abm/presets.toml, abm/constants.py) are the point; identification, "
                    "ensemble and check there (--budget, --max-seconds and --max-iterations "
                    "do not apply; with --write only abm/data/ensemble.toml is written)")
    ap.add_argument("--facts", default=None, help="facts file (default: the shipped one)")
    ap.add_argument("--out", default=str(ROOT / "results" / "validation"))
    ap.add_argument("--write", action="store_true", help="store the point calibration in "
                    "abm/presets.toml and abm/constants.py, the ensemble in "
                    "abm/data/ensemble.toml")
    args = ap.parse_args(argv)
    if args.ensemble_batch is not None and args.ensemble_batch < 1:
        print("error: --ensemble-batch must be >= 1", file=sys.stderr)
        return 2
    for opt in ("seeds", "check_seeds", "steps", "workers", "budget", "ensemble_size",
                "max_iterations"):
        if getattr(args, opt) < 1:
            print(f"error: --{opt.replace('_', '-')} must be >= 1", file=sys.stderr)
            return 2
    facts = [f for f in load_facts(args.facts) if f.use == "calibration"]
    presets = [p for p in args.presets.split(",") if p]
    if presets:
        known = sorted({f.preset for f in facts})
        bad = [p for p in presets if p not in known]
        if bad:
            print(f"error: no calibration fact for preset(s) {', '.join(bad)}; presets with "
                  f"calibration facts: {', '.join(known)}", file=sys.stderr)
            return 2
        facts = [f for f in facts if f.preset in presets]
    constants = [] if args.constants.strip() in ("", "none") else \
        [c.strip() for c in args.constants.split(",") if c.strip()]
    extra: dict[str, list[str]] = {}
    for item in args.parameter:
        preset, _, name = item.partition(".")
        if not name:
            print(f"error: --parameter must be PRESET.NAME (e.g. korea.lp_capital_per_year), "
                  f"got {item!r}", file=sys.stderr)
            return 2
        extra.setdefault(preset, []).append(name)
    try:
        params, moments = problem_from_facts(facts, constants, extra_parameters=extra)
        t0 = time.perf_counter()
        sim = ABMSimulator(args.steps, args.scale, args.workers)
        res = calibrate(params, moments, sim,
                        seeds=replicate_seeds(CALIBRATION_SEED, args.seeds),
                        check_seeds=replicate_seeds(CALIBRATION_SEED, args.check_seeds),
                        budget=Budget(args.budget, args.max_seconds),
                        ensemble_size=args.ensemble_size, ensemble_seed=args.ensemble_seed,
                        max_iterations=args.max_iterations, log=print,
                        search=not args.ensemble_only, ensemble_batch=args.ensemble_batch)
    except CalibrationError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    wall = time.perf_counter() - t0
    meta = {"command": " ".join(argv if argv is not None else sys.argv[1:]),
            "seed": CALIBRATION_SEED, "seeds": args.seeds, "check_seeds": args.check_seeds,
            "steps": args.steps, "scale": args.scale, "workers": args.workers,
            "cpus": os.cpu_count(), "wall_seconds": round(wall, 1), "runs": res["runs"],
            "failed_runs": len(sim.failures),
            "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    files = write_report(res, args.out, meta)
    est = res["estimator"]
    per, const = est.assignment(res["z"], digits3=True)
    if sim.failures:
        print(f"warning: {len(sim.failures)} run(s) raised (left out of the seed means); "
              f"first: {sim.failures[0].get('error')}", file=sys.stderr)
    print(f"{res['runs']} runs in {wall:.0f} s; wrote {', '.join(str(f) for f in files)}")
    for preset, values in per.items():
        print(f"  {preset}: {values}")
    if const:
        print(f"  constants: {const}")
    if args.write:
        if not args.ensemble_only:  # (the point is what the files hold already)
            write_presets(per, PRESETS_TOML)
            if const:
                write_constants(const, CONSTANTS_PY)
            print(f"wrote {PRESETS_TOML}" + (f", {CONSTANTS_PY}" if const else ""))
        if res["ensemble"]["accepted"]:
            ENSEMBLE_TOML.parent.mkdir(parents=True, exist_ok=True)
            ENSEMBLE_TOML.write_text(Path(files[-1]).read_text(encoding="utf-8"),
                                     encoding="utf-8")
            print(f"wrote {ENSEMBLE_TOML}")
    if not res["ensemble"]["accepted"]:
        print("warning: no ensemble candidate was accepted (not every fact held); "
              f"{ENSEMBLE_TOML} is left as it was. Raise --budget, --seeds or "
              "--ensemble-size, or look at the fit table.", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))  # this checkout's packages, not an installed copy
    sys.exit(main())
