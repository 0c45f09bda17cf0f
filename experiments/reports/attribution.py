"""Shapley attribution of the gap between two presets to the six components (a component-swap
design with every coalition: ``[swap] max_order`` = the number of components), and the
probability of each ordering of the two presets over seeds (experiments/attribution.py)."""

from __future__ import annotations

from ..attribution import (HEADLINE, attribution_rows, attribution_table, full_designs,
                           ordering_probabilities, ordering_rows, sentences)
from .context import Report
from .registry import section


def _components(r: Report) -> list[str]:
    return list((r.spec.get("swap") or {}).get("components") or [])


def _n(r: Report) -> str:
    n = r.n_replicates()
    return f"; n = {n} replicates" + (" (few: intervals are wide and approximate)"
                                      if n < 10 else "")


def _designs(r: Report) -> list[tuple[str, str]]:
    comps = _components(r)
    return full_designs(r.scen, comps) if comps else []


@section("attribution", order=31,
         applies=lambda r: r.kind == "component_swap" and bool(_designs(r)))
def attribution(r: Report) -> None:
    comps = _components(r)
    metrics = [m for m in HEADLINE if m in r.runs] or r.metrics
    r.md.append("## Attribution of the gap to the components (Shapley values)\n")
    r.md.append(f"Every coalition of the {len(comps)} components ({', '.join(comps)}) was "
                "swapped from the donor into the base. A component's Shapley value is its "
                "marginal effect averaged over every order in which the components could be "
                "swapped, computed per replicate (common random numbers) and reported as mean "
                "[95% t-interval over replicates]; the values sum to the gap between the base "
                "with every component swapped and the base (efficiency). Its share is the "
                "mean Shapley value over the mean gap [95% percentile bootstrap over "
                "replicates]; a share below 0 or above 100% moves the metric against the gap. "
                "`presets` is the full difference donor - base (both run as they are) and "
                "`other groups` the part outside the components (exit markets, policy, the "
                "economy's starting position).\n")
    tables, pairs = [], set()
    for base, donor in _designs(r):
        t = attribution_table(r.runs, base, donor, comps, metrics)
        if t.empty:
            continue
        tables.append(t)
        header, rows = attribution_rows(t)
        r.md.append(f"### Components from {donor} into {base}\n")
        r.table(f"attribution_{base}", header, rows,
                f"Shapley attribution of the gap: components from {donor} into {base} "
                f"(phi in each metric's unit" + _n(r) + ")")
        said = sentences(t)
        r.md.append("\n".join(f"- {s}" for s in said) + "\n")
        r.findings += [s for s in said if "productivity_growth" in s][:1]
        if frozenset((base, donor)) in pairs:
            continue
        pairs.add(frozenset((base, donor)))
        orders = ordering_probabilities(r.runs, donor, base, metrics)
        if not orders.empty:
            header, rows = ordering_rows(orders)
            r.table(f"orderings_{donor}_{base}", header, rows,
                    f"Probability of each ordering of {donor} (A) and {base} (B) over the "
                    f"replicates (paired by seed" + _n(r) + ")", tex=False)
    if tables:
        import pandas as pd

        r.table_csv(pd.concat(tables).to_dict("records"), "attribution.csv")
