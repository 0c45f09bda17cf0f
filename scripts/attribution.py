"""Shapley attribution of the japan-silicon_valley gap and the probability of each ordering.

Reads a finished component-swap experiment with every coalition of components (e.g.
``abm experiment experiments/attribution.toml --out results/attribution``) and writes the
attribution (experiments/attribution.py) as markdown; with ``--structural``, also the
probability of each ordering of the presets over the structural variants of a
``structural_uncertainty`` run (its sample points x replicates).

    python scripts/attribution.py results/attribution
    python scripts/attribution.py results/attribution --structural results/structural_uncertainty

The experiment's own report.md carries the same attribution section; this script adds the
structural orderings and can be re-run on any folder without re-rendering the report.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run from a checkout without installing
    sys.path.insert(0, str(ROOT))

import pandas as pd  # noqa: E402

from abm.experiments.attribution import (HEADLINE, attribution_table, full_designs,  # noqa: E402
                                         markdown, ordering_probabilities, structural_variant)


def _folder(path: Path) -> tuple[pd.DataFrame, dict]:
    runs = pd.read_parquet(path / "runs.parquet")
    manifest = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
    return runs, manifest


def build(folder: Path, structural: Path | None = None,
          metrics: tuple[str, ...] = HEADLINE) -> str:
    """The markdown of the attribution of ``folder`` (and the structural orderings)."""
    runs, manifest = _folder(folder)
    comps = list((manifest["spec"].get("swap") or {}).get("components") or [])
    scen = pd.DataFrame(manifest["scenarios"])
    designs = full_designs(scen, comps)
    if not designs:
        raise SystemExit(f"{folder}: no direction ran every coalition of {comps}; the spec "
                         f"needs [swap] max_order = {len(comps)}")
    table = pd.concat([attribution_table(runs, b, d, comps, metrics) for b, d in designs],
                      ignore_index=True)
    pairs = list(dict.fromkeys(tuple(sorted(p)) for p in designs))
    seeds = pd.concat([ordering_probabilities(runs, a, b, metrics) for a, b in pairs],
                      ignore_index=True)
    struct = None
    if structural is not None:
        sruns, _ = _folder(structural)
        presets = sorted(sruns["preset"].unique())
        struct = pd.concat([ordering_probabilities(sruns, a, b, metrics,
                                                   variant=structural_variant)
                            for a, b in itertools.combinations(presets, 2)],
                           ignore_index=True)
    head = (f"# Attribution: {manifest['spec'].get('name', folder.name)}\n\n"
            f"From `{folder}` ({len(runs)} runs, {runs['replicate'].nunique()} replicates, "
            f"{int(runs['steps'].iloc[0])} steps)"
            + (f"; structural orderings from `{structural}` "
               f"({len(sruns)} runs)" if structural is not None else "") + ".\n\n")
    return head + markdown(table, seeds, struct)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder", type=Path, help="a finished component-swap experiment folder")
    ap.add_argument("--structural", type=Path, default=None,
                    help="a finished structural_uncertainty folder (orderings over variants)")
    ap.add_argument("--out", type=Path, default=None,
                    help="markdown file to write (default: FOLDER/attribution.md)")
    args = ap.parse_args(argv)
    md = build(args.folder, args.structural)
    out = args.out or args.folder / "attribution.md"
    out.write_text(md, encoding="utf-8")
    print(md)
    print(f"wrote {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
