"""The short narrative report.md opens with: what was run, what the sections found (their
``findings``) and what to be careful about (their ``cautions``: small samples, failed runs,
held-out stylized facts these runs miss, mismatches with public data). Generated from the
numbers; written last, placed under the title."""

from __future__ import annotations

import math


from .context import Report
from .fmt import _f
from .registry import section

PLACEHOLDER = "<!-- narrative -->"

KIND_WORDS = {"comparison": "a comparison of scenarios",
              "component_swap": "component swaps between regimes",
              "sweep": "a parameter sweep", "sensitivity": "a global sensitivity analysis",
              "reform_sequencing": "orders of dated reforms"}


def held_out_misses(r: Report) -> list[str]:
    """Held-out stylized facts (experiments/stylized_facts.toml, ``use = "held_out"``) that
    scenarios of these runs can check, a preset run as it is, and miss: the model's mean is
    outside the fact's range."""
    try:
        from ..validate import load_facts

        facts = [f for f in load_facts() if f.use == "held_out"]
    except Exception:  # noqa: BLE001 - the narrative never stops a report
        return []
    plain: dict[str, int] = {}  # preset -> a scenario that runs it as it is
    for i in r.scen.index:
        def get(col: str):
            v = r.scen.loc[i, col] if col in r.scen else None
            return v if isinstance(v, dict) else {}
        if get("swaps") or set(get("overrides")) - {"scale"} or get("dated_swaps") \
                or get("constants") or r.scen.loc[i, "point"] != -1:
            continue
        plain.setdefault(r.scen.loc[i, "preset"], i)
    out = []
    for f in facts:
        i = plain.get(f.preset)
        if i is None or f.key not in r.runs:
            continue
        m = float(r.values(i, f.key).mean())
        if math.isfinite(m) and not f.low <= m <= f.high:
            out.append(f"`{f.id}` ({f.key} in {f.preset}): model mean {_f(m, 3)}, outside "
                       f"[{_f(f.low, 3)}, {_f(f.high, 3)}]")
    return out


@section("narrative", order=100)
def narrative(r: Report) -> None:
    n = r.n_replicates()
    years = r.years()
    lines = ["## Summary\n",
             f"This experiment is {KIND_WORDS.get(r.kind, r.kind)}: {len(r.scen)} scenarios, "
             f"each run for {years:g} years (the first {r.burn_in / 4:g} a burn-in) with n = {n} "
             f"replicates sharing their seeds across scenarios ({len(r.runs)} runs). What "
             "follows is generated from the numbers below.\n"]
    misses = held_out_misses(r)
    if misses:
        r.cautions.append(f"{len(misses)} held-out stylized fact(s) that these runs can check "
                          "do not hold here (experiments/stylized_facts.toml; `abm validate` "
                          "checks them at the validation's own length and seeds): "
                          + "; ".join(misses) + ".")
    if r.findings:
        lines.append("**What it shows.**\n")
        lines.append("\n".join(f"- {f}" for f in r.findings[:10]) + "\n")
    if r.cautions:
        lines.append("**Caveats.**\n")
        lines.append("\n".join(f"- {c}" for c in r.cautions) + "\n")
    text = "\n".join(lines)
    if PLACEHOLDER in r.md:
        r.md[r.md.index(PLACEHOLDER)] = text
    else:
        r.md.insert(1, text)
