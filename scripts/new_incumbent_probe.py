"""What binds a new incumbent's growth (issue 26 item 4): for every incumbent grown from a
startup, at ages 1, 4, 20, 40 and 80 quarters after graduation, the mean of its log real sales
against its sales at graduation (``log(revenue / revenue0) - MARKET_GROWTH x age``), of
``log(demand / capacity)`` (capacity ``headcount x productivity``; above 0: capacity binds),
the share for which capacity binds, its quality against the sector's reference ``pq - qref``
and the change of its log reach since graduation. A probe: it reads the model, it changes
nothing.

    PYTHONPATH=$PWD python scripts/new_incumbent_probe.py silicon_valley 1 [200]
"""

from __future__ import annotations

import sys

import numpy as np

from abm import constants as C
from abm.model import EcosystemModel


def main(argv: list[str]) -> None:
    preset, seed = argv[0], int(argv[1])
    steps = int(argv[2]) if len(argv) > 2 else 200
    m = EcosystemModel(preset, seed=seed, scale=1.0)
    ages = (1, 4, 20, 40, 80)
    rec: dict = {a: [] for a in ages}
    reach0: dict = {}
    for t in range(1, steps + 1):
        m.step()
        inc = m.inc
        alive = inc.view("alive").nonzero()[0]
        for r in alive[inc.from_startup[alive]]:
            age = t - int(inc.entered[r])
            if age == 0:
                reach0[r] = float(inc.reach[r])
            if age in rec and r in reach0:
                cap = inc.headcount[r] * inc.productivity[r]
                rec[age].append((
                    np.log(inc.revenue[r] / inc.revenue0[r]) - C.MARKET_GROWTH * age,
                    np.log(max(inc.demand[r], 1e-9) / max(cap, 1e-9)),
                    inc.pq[r] - m.market.qref[inc.sector[r]], inc.reach[r] - reach0[r]))
    for age in ages:
        if rec[age]:
            x = np.array(rec[age])
            print(f"{preset} seed {seed} age {age:2d} n={len(x):3d} "
                  f"log real sales/entry={x[:, 0].mean():+.2f} log(demand/capacity)="
                  f"{x[:, 1].mean():+.3f} capacity binds={np.mean(x[:, 1] > 0.001):.2f} "
                  f"pq-qref={x[:, 2].mean():+.3f} reach change={x[:, 3].mean():+.3f}")


if __name__ == "__main__":
    main(sys.argv[1:])
