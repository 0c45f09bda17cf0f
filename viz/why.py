"""The "why" panel of compare mode: which of the six components makes regime B differ from A.

For each institutional component (finance, labour market, ties, industry organisation,
norms, support; :data:`abm.params.INSTITUTIONS`) where A and B take it from different presets,
the panel runs A with B's component swapped in (``A + c from B``) and B with A's swapped in
(``B + c from A``), beside A and B themselves, over several seeds with common random numbers
(the same seeds in every scenario, as ``experiments/component_swap.toml`` does). The effect of
a swap on a metric is the paired difference ``(A + c) - A`` over the seeds, with a 95%
t-interval (:func:`abm.experiments.stats.paired`); the whole gap ``B - A`` is shown beside it.

It is cheap on purpose, and the page says so: a small scale (:data:`SCALE`), a short horizon
and a few seeds, run in the background (:mod:`abm.viz.jobs`). Parameter changes of regime A other
than the technological regime are not applied (the swap is between the presets).

Nothing here imports Solara.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

import pandas as pd

from abm.metrics import too_short
from abm.outputs import OUTPUTS, is_share
from abm.params import COMPONENT_TITLES, INSTITUTIONS, SPECS
from abm.experiments.spec import RunSpec, replicate_seeds
from abm.experiments.stats import paired

SCALE = 0.2
"""Model scale of the panel's runs (small: each run takes about a second)."""
HORIZONS = (40, 60, 100)
"""Horizons offered, in quarters; the default is the middle one."""
SEEDS = (3, 5, 10)
"""Numbers of seeds offered; the default is the middle one."""
METRICS: tuple[str, ...] = ("startups_founded", "exits_ipo", "exits_ma",
                            "vc_invested_per_year", "innovation_total", "labor_mobility_rate",
                            "survival_5y")
"""The key metrics the panel explains (those the horizon can measure, :func:`too_short`)."""


@dataclass(frozen=True)
class Plan:
    """The scenarios of one why-analysis (A, B, and each component swapped both ways)."""

    preset_a: str
    preset_b: str
    swaps_b: Mapping[str, str]
    label_a: str
    label_b: str
    seeds: tuple[int, ...]
    steps: int
    overrides: Mapping[str, float]
    sources: dict[str, tuple[str, str]] = field(default_factory=dict)
    """Per component: the preset A takes it from, the preset B takes it from."""

    @property
    def differing(self) -> list[str]:
        """The components A and B take from different presets (those worth swapping)."""
        return [c for c in INSTITUTIONS if self.sources[c][0] != self.sources[c][1]]

    def scenarios(self) -> dict[str, tuple[str, dict[str, str]]]:
        """``{name: (preset, swaps)}``: ``A``, ``B``, ``A+c`` and ``B+c`` per differing c."""
        out = {"A": (self.preset_a, {}), "B": (self.preset_b, dict(self.swaps_b))}
        for c in self.differing:
            out[f"A+{c}"] = (self.preset_a, {c: self.sources[c][1]})
            out[f"B+{c}"] = (self.preset_b, {**self.swaps_b, c: self.sources[c][0]})
        return out

    def runs(self) -> list[RunSpec]:
        """Every run: each scenario on every seed (run ids ``why-<scenario>-r<k>``)."""
        return [RunSpec(run_id=f"why-{name}-r{k:02d}", preset=preset, swaps=swaps,
                        overrides=dict(self.overrides), seed=seed, steps=self.steps,
                        scenario=name, replicate=k)
                for name, (preset, swaps) in self.scenarios().items()
                for k, seed in enumerate(self.seeds)]

    def metrics(self) -> list[str]:
        short = too_short(self.steps)
        return [m for m in METRICS if m not in short]

    def describe(self) -> str:
        years = self.steps / 4
        return (f"{len(self.runs())} runs: {len(self.scenarios())} scenarios x "
                f"{len(self.seeds)} seeds (the same seeds in each), scale {SCALE:g}, "
                f"{self.steps} quarters ({years:g} years, the first 5 of them burn-in)")


def plan_for(preset_a: str, preset_b: str, swaps_b: Mapping[str, str] | None, seed: int,
             n_seeds: int, steps: int, shared: Mapping[str, float] | None = None,
             label_a: str = "", label_b: str = "") -> Plan:
    """The plan for regimes A (``preset_a``) and B (``preset_b`` with ``swaps_b``).

    Args:
        seed: the page's seed; the panel's seeds are ``replicate_seeds(seed, n_seeds)``.
        shared: overrides both regimes share on the page (the technological regime); a
            ``scale`` among them is replaced by :data:`SCALE`.
    """
    swaps_b = dict(swaps_b or {})
    sources = {c: (preset_a, swaps_b.get(c, preset_b)) for c in INSTITUTIONS}
    overrides = {k: v for k, v in (shared or {}).items() if k != "scale"
                 and SPECS[k].component == "technology"}
    overrides["scale"] = SCALE
    return Plan(preset_a, preset_b, swaps_b, label_a or preset_a, label_b or preset_b,
                tuple(replicate_seeds(int(seed), int(n_seeds))), int(steps), overrides,
                sources)


@dataclass
class Effect:
    """A paired difference over seeds: mean and 95% interval (NaN when undefined)."""

    mean: float
    low: float
    high: float
    n: int

    @property
    def clear(self) -> bool:
        """Whether the interval excludes 0 (a difference the seeds agree on)."""
        return (math.isfinite(self.low) and math.isfinite(self.high)
                and (self.low > 0 or self.high < 0))


def analyse(plan: Plan, results: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Effects of every swap from the runs' results (:func:`abm.experiments.runner.run_one`).

    Returns:
        ``{"gap": {metric: Effect}, "into_a": {c: {metric: Effect}}, "into_b": {...},
        "metrics": [...], "n_ok": int}``: ``gap`` is ``B - A``; ``into_a[c]`` is
        ``(A + c from B) - A``; ``into_b[c]`` is ``(B + c from A) - B``.
    """
    rows = [dict(r["row"]) for r in results if r.get("ok")]
    metrics = plan.metrics()
    table = pd.DataFrame(rows) if rows else pd.DataFrame(columns=["scenario", "replicate"])

    def values(scenario: str, metric: str) -> pd.Series:
        if metric not in table:
            return pd.Series(dtype=float)
        d = table[table["scenario"] == scenario]
        return pd.Series(d[metric].to_numpy(dtype=float), index=d["replicate"].to_numpy())

    def effect(base: str, other: str, metric: str) -> Effect:
        ci = paired(values(base, metric), values(other, metric))
        return Effect(ci["mean"], ci["ci_low"], ci["ci_high"], ci["n"])

    return {"metrics": metrics, "n_ok": len(rows),
            "gap": {m: effect("A", "B", m) for m in metrics},
            "into_a": {c: {m: effect("A", f"A+{c}", m) for m in metrics}
                       for c in plan.differing},
            "into_b": {c: {m: effect("B", f"B+{c}", m) for m in metrics}
                       for c in plan.differing}}


def fmt_effect(e: Effect, metric: str) -> tuple[str, str]:
    """``("+12", "[+3, +21]")``: the mean and its 95% interval (percentage points for
    shares); ``("–", "")`` when undefined, ``(mean, "(1 seed)")`` without a spread."""
    if not math.isfinite(e.mean):
        return "–", ""
    k = 100.0 if is_share(metric) else 1.0

    def f(x: float) -> str:
        if not math.isfinite(x):
            return "?"
        x *= k
        if x == 0:
            return "0"
        if abs(x) >= 100:
            return f"{x:+,.0f}"
        return f"{x:+.2g}" if abs(x) < 1 else f"{x:+.3g}"

    unit = " pp" if is_share(metric) else ""
    if not math.isfinite(e.low):
        return f"{f(e.mean)}{unit}", "(1 seed)"
    return f"{f(e.mean)}{unit}", f"[{f(e.low)}, {f(e.high)}]"


def metric_title(metric: str) -> str:
    o = OUTPUTS.get(metric)
    if o is None:
        return metric
    unit = " (pp)" if is_share(metric) else (f" ({o.unit})" if o.unit and o.kind != "count"
                                             else "")
    return o.title.split(" (")[0] + unit


def tables_html(plan: Plan, result: Mapping[str, Any]) -> str:
    """The panel's tables: the components side by side (where A and B take each from), the
    gap ``B - A``, and the effect of each swap in both directions."""
    metrics = result["metrics"]
    head = "".join(f"<th>{html.escape(metric_title(m))}</th>" for m in metrics)

    def cells(effects: Mapping[str, Effect]) -> str:
        out = []
        for m in metrics:
            e = effects[m]
            cls = ' class="abm-why-clear"' if e.clear else ""
            mean, ci = fmt_effect(e, m)
            out.append(f"<td{cls}>{html.escape(mean)}<br>"
                       f'<span class="abm-why-ci">{html.escape(ci)}</span></td>')
        return "".join(out)

    parts = []
    for direction, into, other, key in (("A", plan.label_a, plan.label_b, "into_a"),
                                        ("B", plan.label_b, plan.label_a, "into_b")):
        whole = "B - A" if direction == "A" else "A - B"
        rows = [f'<tr class="abm-why-gap"><td>whole regime: {whole}</td><td></td><td></td>'
                + cells(result["gap"] if direction == "A" else
                        {m: Effect(-e.mean, -e.high, -e.low, e.n)
                         for m, e in result["gap"].items()})
                + "</tr>"]
        for c in INSTITUTIONS:
            src_a, src_b = plan.sources[c]
            mine, theirs = (src_a, src_b) if direction == "A" else (src_b, src_a)
            name = html.escape(COMPONENT_TITLES[c])
            if c not in result[key]:
                rows.append(f'<tr class="abm-why-same"><td>{name}</td>'
                            f"<td>{html.escape(mine)}</td><td>{html.escape(theirs)}</td>"
                            f'<td colspan="{len(metrics)}">same in A and B: nothing to swap'
                            "</td></tr>")
                continue
            rows.append(f"<tr><td>{name}</td><td>{html.escape(mine)}</td>"
                        f"<td>{html.escape(theirs)}</td>{cells(result[key][c])}</tr>")
        parts.append(
            f'<div class="abm-why-title">Swap one component into {direction} '
            f"({html.escape(into)}), taken from {'B' if direction == 'A' else 'A'} "
            f"({html.escape(other)}): change in {direction}, mean over seeds "
            "[95% interval]</div>"
            f'<table class="abm-table abm-why abm-why-{direction.lower()}"><thead><tr>'
            f"<th>component</th><th>{direction} has</th><th>swapped in</th>{head}</tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>")
    return "".join(parts)


CSS = """
.abm-why td.abm-why-clear { font-weight: 700; }
.abm-why tr.abm-why-gap td { background: #f4f4f4; font-style: italic; }
.abm-why tr.abm-why-same td { color: #888; }
.abm-why-title { font-weight: 600; margin: 10px 0 2px 0; }
.abm-why td { white-space: nowrap; }
.abm-why th { vertical-align: bottom; }
.abm-why .abm-why-ci { font-size: 0.75rem; color: #555; font-weight: 400; }
.abm-why-wrap { overflow-x: auto !important; }
"""
