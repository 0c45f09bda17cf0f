"""Measure the sector-shares rule (abm.mechanisms.sectors) against a fixed composition
(SECTOR_SHARE_VOLATILITY = 0, what main does): for one preset and seed, the summary at quarter
100 and at quarter 200 of one run, and top-N turnover (the functions of
scripts/turnover_probe.py). A probe: it reads the model, it changes nothing.

    PYTHONPATH=$PWD python scripts/sectors_measure.py --preset japan --seed 1 \
        --volatility 0 --out runs.jsonl
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import time
from pathlib import Path

import abm  # the tree on PYTHONPATH
from abm import constants
from abm.model import EcosystemModel

spec = importlib.util.spec_from_file_location(
    "turnover_probe", Path(__file__).resolve().parent / "turnover_probe.py")
tp = importlib.util.module_from_spec(spec)
spec.loader.exec_module(tp)

KEYS = ("productivity_growth", "incumbents_displaced", "new_incumbents", "hhi_mean")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--preset", required=True)
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--volatility", type=float, required=True)
    ap.add_argument("--top", type=int, default=50)
    ap.add_argument("--out", type=Path, required=True)
    a = ap.parse_args()
    constants.SECTOR_SHARE_VOLATILITY = a.volatility
    t0 = time.time()
    model = EcosystemModel(a.preset, seed=a.seed, scale=1.0)
    tops, summ = {}, {}
    with tp.following_graduates() as alias:
        for t in range(1, 201):
            model.step()
            if t in (20, 60, 100, 140, 180):
                tops[t] = tp.largest(model, a.top, alias)
            if t in (100, 200):
                s = model.summary()
                summ[t] = {k: float(s[k]) for k in KEYS}
    share = model.market.base * __import__("numpy").exp(model.market.tilt)
    row = {"abm": abm.__file__, "preset": a.preset, "seed": a.seed, "volatility": a.volatility,
           "q100": summ[100], "q200": summ[200],
           "gone_10y_q20": len(tops[20] - tops[60]) / a.top,
           "gone_20y_q20": len(tops[20] - tops[100]) / a.top,
           "gone_10y_q100": len(tops[100] - tops[140]) / a.top,
           "gone_20y_q100": len(tops[100] - tops[180]) / a.top,
           "share_max_over_min_q200": float(share.max() / share.min()),
           "seconds": time.time() - t0}
    with open(a.out, "a") as fh:
        fh.write(json.dumps(row) + "\n")
    print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
