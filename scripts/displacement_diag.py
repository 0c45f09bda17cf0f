"""Where a sector's demand sits at the end of a run (prototype disp, docs/prototypes/displacement.md):
disruptive startups' sales and held shares, incumbents grown from startups, and the original
incumbents' revenue against their entry revenue. Seed 1, scale 1. A probe: it changes nothing.

    PYTHONPATH=<tree> python scripts/displacement_diag.py silicon_valley 100

(The prototype's P2 variant, the third argument `held`, is not in the model: see
docs/prototypes/displacement.patch.)
"""
import sys, os, numpy as np
import abm  # the tree on PYTHONPATH
from abm.model import EcosystemModel
from abm.queries import live_rows, sector_spending
preset, steps = sys.argv[1], int(sys.argv[2])
m = EcosystemModel(preset, seed=1, scale=1.0)
for t in range(1, steps+1):
    m.step()
inc, st = m.inc, m.st
S = sector_spending(m).sum()
idx = live_rows(m)
dis = st.disruptive[idx]
alive = inc.view("alive").nonzero()[0]
new = inc.from_startup[alive]
ratio = inc.revenue[alive]/inc.revenue0[alive]
held_s = float(st.held[idx].sum()/m.n_sectors) if hasattr(st, "held") else 0.0
print(f"{preset} {sys.argv[3] if len(sys.argv)>3 else 'main'} q{steps}: disruptive startups' sales / all sector demand {st.revenue[idx][dis].sum()/S:.3f}; "
      f"their mean held share {held_s:.3f}; new incumbents' sales share {inc.revenue[alive][new].sum()/S:.3f}; "
      f"original incumbents rev/rev0: min {ratio[~new].min():.2f} median {np.median(ratio[~new]):.2f}; n new inc alive {int(new.sum())}")
