"""Hand-built check of the sector shares' renormalisation at several numbers of sectors
(docs/prototypes/scale_displacement.md): simulates only the process of
``abm.mechanisms.sectors`` (``SECTOR_SHARE_VOLATILITY``, ``SECTOR_SHARE_REVERSION``, equal
base spending) for k = 4, 8, 16, 32 sectors (scales 0.5, 1, 2, 4 of the 8-sector economy),
renormalised over all k sectors (main's rule) or within copies of 8 sectors (the proposed
rule), and prints, per sector, the variance and median of the log share ``z`` after T quarters
and the share of sectors whose ``z`` fell below -0.6 at some quarter. No model is built.

    python scripts/scale_tilt_check.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from abm import constants as C  # noqa: E402
from abm.mechanisms.sectors import renormalise  # noqa: E402


def simulate(k: int, T: int, reps: int, block: int | None, seed: int):
    rng = np.random.default_rng(seed)
    base = np.ones(k)
    rho, sig = C.SECTOR_SHARE_REVERSION, C.SECTOR_SHARE_VOLATILITY
    hit, ends = 0, []
    for _ in range(reps):
        z, low = np.zeros(k), np.zeros(k)
        for _ in range(T):
            z = (1.0 - rho) * z + sig * rng.standard_normal(k)
            b = block or k
            for a in range(0, k, b):
                z[a:a + b] = renormalise(base[a:a + b], z[a:a + b])
            low = np.minimum(low, z)
        ends.append(z.copy())
        hit += int((low < -0.6).sum())
    ends = np.concatenate(ends)
    return float(ends.var()), float(np.median(ends)), hit / (k * reps)


def main() -> None:
    print("| T | sectors k | rule | var z_T | median z_T | P(min z < -0.6) |")
    print("|---|---|---|---|---|---|")
    for T in (100, 150):
        for k in (4, 8, 16, 32):
            for name, block in (("all sectors", None), ("per copy of 8", 8)):
                v, med, p = simulate(k, T, 16000 // k, block, seed=k + T)
                print(f"| {T} | {k} | {name} | {v:.4f} | {med:+.4f} | {p:.4f} |")


if __name__ == "__main__":
    main()
