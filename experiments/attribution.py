"""Attribution of a gap between two presets to the six institutional components (issue 29 item 5).

A component-swap design with every coalition of components (``[swap] max_order`` equal to the
number of components: ``2^n`` scenarios per direction) gives, for each replicate ``r`` and
each coalition ``S`` of components taken from the donor into the base, the value
``v_r(S)`` of a metric. The gap the components explain is ``v_r(N) - v_r({})`` (the base with
every component of the donor, minus the base); the **Shapley value** of component ``i``,

    phi_i = sum over S not containing i of |S|! (n - |S| - 1)! / n! * (v(S + i) - v(S)),

splits it exactly (efficiency: ``sum_i phi_i = v(N) - v({})``), crediting each component
with its average marginal contribution over every order in which the components could be
swapped, interactions shared equally among the components that take part in them. It is
computed per replicate (every scenario shares the replicate's seed: common random numbers),
then averaged with a t-interval over replicates; a component's *share* of the gap is the
ratio of the means, with a percentile bootstrap interval over replicates (resampling
replicates, so the pairing is kept).

The presets also differ outside the six components (exit markets, policy, the economy's
starting position), so the full difference between the donor preset and the base preset is
the components' gap plus a remainder; both are reported when the design runs the donor
preset as it is (the other direction's base).

**Orderings.** :func:`ordering_probabilities` gives, for two presets run with the same
replicate seeds, the share of replicates where one is above the other (and, given the
``structural_uncertainty`` runs, the share of structural variants and of variant-replicate
pairs): "the probability of each ordering" over seeds and structural variants.

Pure functions of arrays and run tables (numpy, pandas, scipy through
:func:`abm.experiments.stats.mean_ci`); the report section is in
:mod:`abm.experiments.reports.attribution`, the command line in ``scripts/attribution.py``.
"""

from __future__ import annotations

import itertools
import json
import math
import warnings
from typing import Any, Callable, Mapping, Sequence

import numpy as np
import pandas as pd

from .stats import mean_ci
from .reports.markdown import md_table

HEADLINE = ("productivity_growth", "innovation_total", "unicorns", "incumbents_displaced",
            "ma_share_of_exits", "survival_5y")
"""The headline metrics of the regime comparison the attribution reports (issue 29)."""

BOOTSTRAP = 2000
"""Bootstrap resamples of the replicates for the shares' intervals."""

BOOTSTRAP_SEED = 20291
"""Seed of the bootstrap (the report is reproducible)."""


class AttributionError(ValueError):
    """A design that cannot be attributed (a coalition missing, too few components)."""


# -- Shapley values ---------------------------------------------------------------------------
def shapley_weights(n: int) -> np.ndarray:
    """``w[s] = s! (n - s - 1)! / n!``: the weight of a coalition of ``s`` others."""
    return np.array([math.factorial(s) * math.factorial(n - s - 1) / math.factorial(n)
                     for s in range(n)])


def shapley_matrix(values: np.ndarray, n: int) -> np.ndarray:
    """Exact Shapley values of ``n`` players for every row of ``values``.

    Args:
        values: shape ``(..., 2**n)``: the value of each coalition, coalition ``S`` at index
            ``sum(1 << i for i in S)`` (bit ``i`` set: player ``i`` is in).
        n: number of players.

    Returns:
        shape ``(..., n)``: ``phi[..., i]``. NaN in a coalition's value gives NaN for every
        player whose marginal contributions read it.
    """
    v = np.asarray(values, dtype=float)
    if v.shape[-1] != 1 << n:
        raise AttributionError(f"{n} players need {1 << n} coalition values, got {v.shape[-1]}")
    w = shapley_weights(n)
    size = np.array([bin(m).count("1") for m in range(1 << n)])
    phi = np.zeros(v.shape[:-1] + (n,))
    for i in range(n):
        without = np.array([m for m in range(1 << n) if not m >> i & 1])
        phi[..., i] = ((v[..., without | (1 << i)] - v[..., without]) * w[size[without]]).sum(-1)
    return phi


def shapley_values(value: Callable[[frozenset], float] | Mapping[frozenset, float],
                   players: Sequence[str]) -> dict[str, float]:
    """Exact Shapley values of ``players`` for a value function (or a mapping from every
    coalition, a frozenset of players, to its value)."""
    get = value.__getitem__ if isinstance(value, Mapping) else value
    n = len(players)
    v = np.array([get(frozenset(p for i, p in enumerate(players) if m >> i & 1))
                  for m in range(1 << n)], dtype=float)
    return dict(zip(players, shapley_matrix(v, n).tolist()))


# -- from runs --------------------------------------------------------------------------------
def _swaps(x: Any) -> dict[str, str]:
    if isinstance(x, str):
        return json.loads(x) if x else {}
    return dict(x) if x else {}


def coalition_table(runs: pd.DataFrame, base: str, donor: str, components: Sequence[str],
                    metric: str) -> np.ndarray:
    """``(replicates, 2**n)`` values of ``metric`` for every coalition of ``components`` from
    ``donor`` swapped into ``base`` (runs with ``preset == base`` and ``swaps`` naming only
    ``donor``), replicates in order.

    Raises:
        AttributionError: a coalition or a replicate is missing.
    """
    comps = list(components)
    rows: dict[int, pd.Series] = {}
    for _, g in runs[runs["preset"] == base].groupby("scenario_index"):
        sw = _swaps(g["swaps"].iloc[0])
        if set(sw.values()) - {donor} or set(sw) - set(comps):
            continue
        mask = sum(1 << comps.index(c) for c in sw)
        rows[mask] = g.set_index("replicate")[metric].astype(float)
    missing = [m for m in range(1 << len(comps)) if m not in rows]
    if missing:
        names = ["+".join(c for i, c in enumerate(comps) if m >> i & 1) or "(none)"
                 for m in missing[:4]]
        raise AttributionError(f"{base} <- {donor}: {len(missing)} of {1 << len(comps)} "
                               f"coalitions not run (e.g. {', '.join(names)}); the design "
                               f"needs [swap] max_order = {len(comps)}")
    reps = sorted(set.intersection(*(set(s.index) for s in rows.values())))
    if not reps:
        raise AttributionError(f"{base} <- {donor}: no replicate ran every coalition")
    return np.array([[rows[m].loc[r] for m in range(1 << len(comps))] for r in reps])


def _bootstrap_share(phi: np.ndarray, gap: np.ndarray, rng: np.random.Generator,
                     level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Percentile intervals of ``mean(phi[:, i]) / mean(gap)`` over replicate resamples."""
    n = gap.shape[0]
    idx = rng.integers(0, n, size=(BOOTSTRAP, n))
    a = (1 - level) / 2
    with np.errstate(divide="ignore", invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a zero gap: no share at all
        shares = phi[idx].mean(axis=1) / gap[idx].mean(axis=1)[:, None]
        shares[~np.isfinite(shares)] = np.nan
        if n < 2:
            return np.full(phi.shape[1], np.nan), np.full(phi.shape[1], np.nan)
        return np.nanquantile(shares, a, axis=0), np.nanquantile(shares, 1 - a, axis=0)


def attribute(values: np.ndarray, components: Sequence[str], metric: str = "",
              seed: int = BOOTSTRAP_SEED) -> pd.DataFrame:
    """Shapley attribution of the gap ``v(N) - v({})`` from per-replicate coalition values.

    Args:
        values: ``(replicates, 2**n)`` (:func:`coalition_table`).

    Returns:
        one row per component and a last row ``component == "gap"``: ``phi`` mean and t
        interval over replicates (``phi_low``, ``phi_high``), ``share`` (mean phi over mean
        gap) with its bootstrap interval (``share_low``, ``share_high``), ``n``; the gap row
        has share 1.
    """
    n = len(components)
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v).all(axis=1)]
    phi = shapley_matrix(v, n)
    gap = v[:, -1] - v[:, 0]
    g = mean_ci(gap)
    lo, hi = _bootstrap_share(phi, gap, np.random.default_rng(seed))
    rows = []
    for i, c in enumerate(components):
        ci = mean_ci(phi[:, i])
        share = ci["mean"] / g["mean"] if g["mean"] else math.nan
        rows.append({"metric": metric, "component": c, "n": ci["n"], "phi": ci["mean"],
                     "phi_low": ci["ci_low"], "phi_high": ci["ci_high"], "share": share,
                     "share_low": float(lo[i]), "share_high": float(hi[i])})
    rows.append({"metric": metric, "component": "gap", "n": g["n"], "phi": g["mean"],
                 "phi_low": g["ci_low"], "phi_high": g["ci_high"], "share": 1.0,
                 "share_low": 1.0, "share_high": 1.0})
    return pd.DataFrame(rows)


def attribution_table(runs: pd.DataFrame, base: str, donor: str, components: Sequence[str],
                      metrics: Sequence[str] = HEADLINE) -> pd.DataFrame:
    """:func:`attribute` for every metric of ``metrics`` present in ``runs``, with the full
    preset difference (``component == "presets"``: donor preset as it is minus base, paired
    by replicate) and the part outside the six components (``"other groups"``: the donor
    preset minus the base with every component swapped) when the donor preset ran plainly."""
    out = []
    plain = {int(i): g.set_index("replicate") for i, g in runs.groupby("scenario_index")
             if not _swaps(g["swaps"].iloc[0]) and g["preset"].iloc[0] == donor}
    for metric in metrics:
        if metric not in runs:
            continue
        v = coalition_table(runs, base, donor, components, metric)
        t = attribute(v, components, metric)
        t.insert(0, "donor", donor)
        t.insert(0, "base", base)
        if plain:
            d = next(iter(plain.values()))[metric].astype(float)
            reps = sorted(_reps(runs, base, donor, components))
            dv = d.reindex(reps).to_numpy()
            full, other = mean_ci(dv - v[:, 0]), mean_ci(dv - v[:, -1])
            for name, ci in (("presets", full), ("other groups", other)):
                t.loc[len(t)] = {"base": base, "donor": donor, "metric": metric,
                                 "component": name, "n": ci["n"], "phi": ci["mean"],
                                 "phi_low": ci["ci_low"], "phi_high": ci["ci_high"],
                                 "share": math.nan, "share_low": math.nan,
                                 "share_high": math.nan}
        out.append(t)
    return pd.concat(out, ignore_index=True) if out else pd.DataFrame()


def _reps(runs: pd.DataFrame, base: str, donor: str, components: Sequence[str]) -> list[int]:
    """The replicates :func:`coalition_table` keeps (every coalition ran)."""
    comps = list(components)
    sets = []
    for _, g in runs[runs["preset"] == base].groupby("scenario_index"):
        sw = _swaps(g["swaps"].iloc[0])
        if set(sw.values()) - {donor} or set(sw) - set(comps):
            continue
        sets.append(set(g["replicate"]))
    return sorted(set.intersection(*sets)) if sets else []


# -- orderings --------------------------------------------------------------------------------
def ordering_probabilities(runs: pd.DataFrame, a: str, b: str,
                           metrics: Sequence[str] = HEADLINE,
                           variant: Callable[[pd.DataFrame], pd.Series] | None = None
                           ) -> pd.DataFrame:
    """Share of paired replicates where preset ``a`` is above, below or equal to ``b``.

    Runs are those with no swaps; ``a``'s and ``b``'s runs are paired by replicate (and by
    ``variant(runs)``, e.g. the structural sample point, when given). Per metric: ``n``
    pairs, ``p_a_above``, ``p_b_above``, ``p_tie`` over pairs; with variants also
    ``variants`` and ``p_a_above_variants`` (share of variants whose mean over replicates
    has ``a`` above ``b``).
    """
    plain = runs[runs["swaps"].map(lambda s: not _swaps(s))].copy()
    plain["_variant"] = variant(plain) if variant is not None else ""
    rows = []
    for metric in metrics:
        if metric not in plain:
            continue
        wide = plain.pivot_table(index=["_variant", "replicate"], columns="preset",
                                 values=metric, aggfunc="first")
        if a not in wide or b not in wide:
            continue
        d = (wide[a] - wide[b]).dropna()
        row = {"metric": metric, "a": a, "b": b, "n": int(d.size),
               "p_a_above": float((d > 0).mean()) if d.size else math.nan,
               "p_b_above": float((d < 0).mean()) if d.size else math.nan,
               "p_tie": float((d == 0).mean()) if d.size else math.nan,
               "mean_difference": float(d.mean()) if d.size else math.nan}
        if variant is not None:
            per = d.groupby(level="_variant").mean()
            row["variants"] = int(per.size)
            row["p_a_above_variants"] = float((per > 0).mean()) if per.size else math.nan
        rows.append(row)
    return pd.DataFrame(rows)


def structural_variant(runs: pd.DataFrame) -> pd.Series:
    """The structural sample point of a run of a sensitivity design (the part of its
    scenario name after ``|``, e.g. ``morris#0003``)."""
    return runs["scenario"].astype(str).str.split("|", n=1).str[1].fillna("")


# -- words ------------------------------------------------------------------------------------
def _pct(x: float) -> str:
    return "n/a" if not math.isfinite(x) else f"{100 * x:.0f}%"


def _num(x: float) -> str:
    if not math.isfinite(x):
        return "n/a"
    return f"{x:.3g}" if abs(x) >= 1e-3 or x == 0 else f"{x:.2e}"


def sentences(table: pd.DataFrame) -> list[str]:
    """One sentence per (direction, metric): "x% of the gap in M is finance [a, b], ..."."""
    out = []
    for (base, donor, metric), g in table.groupby(["base", "donor", "metric"], sort=False):
        gap = g[g["component"] == "gap"].iloc[0]
        comps = g[~g["component"].isin(["gap", "presets", "other groups"])]
        comps = comps.reindex(comps["share"].abs().sort_values(ascending=False).index)
        gap_ci = f"{_num(gap.phi)} [{_num(gap.phi_low)}, {_num(gap.phi_high)}]"
        unsure = not math.isfinite(gap.phi_low) or gap.phi_low <= 0 <= gap.phi_high
        what = (f"{metric}: the gap the components open ({base} with every component from "
                f"{donor} minus {base}) is {gap_ci} (mean [95% t] over {int(gap.n)} "
                "replicates)")
        if gap.phi == 0 and gap.phi_low == gap.phi_high:
            s = what + ": no gap in these runs, nothing to attribute."
        elif unsure:
            comps = comps.reindex(comps["phi"].abs().sort_values(ascending=False).index)
            s = (what + "; its interval includes 0, so shares are not defined; the Shapley "
                 "values: " + ", ".join(f"{r.component} {_num(r.phi)} [{_num(r.phi_low)}, "
                                        f"{_num(r.phi_high)}]" for r in comps.itertuples())
                 + ".")
        else:
            s = (what + ": " + ", ".join(
                f"{_pct(r.share)} is {r.component} [{_pct(r.share_low)}, "
                f"{_pct(r.share_high)}]" for r in comps.itertuples())
                + " (share of the gap [95% bootstrap over replicates]).")
        pres = g[g["component"] == "presets"]
        if not pres.empty:
            p, o = pres.iloc[0], g[g["component"] == "other groups"].iloc[0]
            s += (f" The full difference {donor} - {base} is {_num(p.phi)} "
                  f"[{_num(p.phi_low)}, {_num(p.phi_high)}], of which {_num(o.phi)} "
                  f"[{_num(o.phi_low)}, {_num(o.phi_high)}] lies outside the six components "
                  "(exit markets, policy, the economy's starting position).")
        out.append(s)
    return out


def markdown(table: pd.DataFrame, orderings: pd.DataFrame | None = None,
             structural: pd.DataFrame | None = None) -> str:
    """The attribution and orderings as a report section (tables and sentences)."""
    lines = ["## Attribution of the gap to the components (Shapley values)\n",
             "Each component's Shapley value is its average marginal effect over every order "
             "of swapping the components from the donor into the base (2^n coalitions, per "
             "replicate with common random numbers); the values sum to the gap between the "
             "base with every component swapped and the base (efficiency). phi: mean [95% t "
             "over replicates]; share: mean phi over mean gap [95% percentile bootstrap over "
             "replicates]. A share outside [0, 100%] means the component moves the metric "
             "against the gap.\n"]
    for (base, donor), g in table.groupby(["base", "donor"], sort=False):
        lines.append(f"### Components from {donor} into {base}\n")
        lines.append(md_table(*attribution_rows(g)) + "\n")
        lines += [f"- {s}" for s in sentences(g)]
        lines.append("")
    for title, df in (("over seeds", orderings), ("over structural variants", structural)):
        if df is None or df.empty:
            continue
        lines.append(f"### Probability of each ordering {title}\n")
        lines.append(md_table(*ordering_rows(df)) + "\n")
    return "\n".join(lines) + "\n"


def attribution_rows(g: pd.DataFrame) -> tuple[list[str], list[list[str]]]:
    """Header and cells of one direction's attribution table."""
    rows = []
    for r in g.itertuples():
        share = "" if not math.isfinite(r.share) else \
            f"{_pct(r.share)} [{_pct(r.share_low)}, {_pct(r.share_high)}]"
        rows.append([r.metric, r.component,
                     f"{_num(r.phi)} [{_num(r.phi_low)}, {_num(r.phi_high)}]", share])
    return ["metric", "component", "phi [95% CI]", "share of the gap [95% CI]"], rows


def ordering_rows(df: pd.DataFrame) -> tuple[list[str], list[list[str]]]:
    """Header and cells of an orderings table."""
    extra = "variants" in df
    header = ["metric", "pairs", "P(A > B)", "P(B > A)", "P(tie)", "mean A - B"] + (
        ["variants", "P(A > B) over variant means"] if extra else [])
    rows = []
    for r in df.itertuples():
        row = [f"{r.metric} (A = {r.a}, B = {r.b})", str(r.n), f"{r.p_a_above:.2f}",
               f"{r.p_b_above:.2f}", f"{r.p_tie:.2f}", _num(r.mean_difference)]
        if extra:
            row += [str(r.variants), f"{r.p_a_above_variants:.2f}"]
        rows.append(row)
    return header, rows


def full_designs(scen: pd.DataFrame, components: Sequence[str]) -> list[tuple[str, str]]:
    """The (base, donor) directions of a scenario table whose every coalition of
    ``components`` ran."""
    out = []
    by: dict[tuple[str, str], set] = {}
    for _, s in scen.iterrows():
        sw = _swaps(s["swaps"])
        donors = set(sw.values())
        if len(donors) == 1 and not set(sw) - set(components):
            by.setdefault((s["preset"], donors.pop()), set()).add(frozenset(sw))
    n = len(components)
    for (base, donor), sets in by.items():
        if len(sets) + 1 >= 1 << n and all(
                frozenset(c) in sets for k in range(1, n + 1)
                for c in itertools.combinations(components, k)):
            out.append((base, donor))
    return out
