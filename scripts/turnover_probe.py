"""Turnover of the largest firms (docs/ODD.md 7.22, "Displacement"): of the ``N`` largest firms
by sales at quarter 20 (incumbents, listed and private startups together), the share no longer
among the ``N`` largest 10 and 20 years later, the way lists of the largest firms (Fortune 500,
S&P 500, a stock exchange's top 100) measure displacement. A startup that grows into an
incumbent keeps its identity. A probe: it reads the model, it changes nothing.

    python scripts/turnover_probe.py --presets silicon_valley,japan,korea --seeds 5
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


@contextlib.contextmanager
def following_graduates():
    """Within the block, every listed startup that graduates into an incumbent is recorded in
    the yielded dict: the new incumbent's uid -> ``("s", uid of the startup it grew from)``, so
    that a firm keeps its identity across graduation (``abm.mechanisms.incumbents.graduate``
    is wrapped for the block and restored after it)."""
    from abm.mechanisms import incumbents

    alias: dict = {}
    graduate = incumbents.graduate

    def follow(m, row):
        uid = m.startups[row].unique_id
        graduate(m, row)
        alias[int(m.inc.uid[m.inc.n - 1])] = ("s", int(uid))

    incumbents.graduate = follow
    try:
        yield alias
    finally:
        incumbents.graduate = graduate


def largest(model, n: int, alias: dict) -> set:
    from abm import constants as C

    inc, st = model.inc, model.st
    firms = [(float(inc.revenue[r]), alias.get(int(inc.uid[r]), ("i", int(inc.uid[r]))))
             for r in inc.view("alive").nonzero()[0]]
    live = ((st.status[:st.n] == C.PUBLIC) | (st.status[:st.n] == C.ACTIVE)).nonzero()[0]
    firms += [(float(st.revenue[r]), ("s", int(model.startups[int(r)].unique_id)))
              for r in live if int(r) in model.startups]
    firms.sort(key=lambda f: -f[0])
    return {key for _, key in firms[:n]}


def one(preset: str, seed: int, n: int, scale: float) -> tuple[float, float, int]:
    from abm.model import EcosystemModel

    model = EcosystemModel(preset, seed=seed, scale=scale)
    with following_graduates() as alias:  # new incumbent's uid -> the startup it grew from
        tops = {}
        for t in range(1, 101):
            model.step()
            if t in (20, 60, 100):
                tops[t] = largest(model, n, alias)
    return (len(tops[20] - tops[60]) / n, len(tops[20] - tops[100]) / n,
            sum(1 for key in tops[100] if key[0] == "s"))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--presets", default="silicon_valley,japan,korea")
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--top", type=int, default=50, help="N largest firms (default 50)")
    a = ap.parse_args(argv)
    print("| preset | top N | gone after 10 years | gone after 20 years | grown from startups "
          "in the top N at quarter 100 | seeds |\n|---|---|---|---|---|---|")
    for preset in a.presets.split(","):
        r = np.array([one(preset, s, a.top, a.scale) for s in range(1, a.seeds + 1)])
        print(f"| {preset} | {a.top} | {r[:, 0].mean():.3f} | {r[:, 1].mean():.3f} "
              f"| {r[:, 2].mean():.1f} | {a.seeds} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
