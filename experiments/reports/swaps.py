"""Component swaps (kind ``component_swap``): main effects of swapping one component and
pairwise interactions (difference in differences), paired by replicate."""

from __future__ import annotations

import numpy as np
import pandas as pd

from abm.outputs import title as output_title

from ..stats import mean_ci
from .context import Report
from .fmt import _ci, _ci_star, clip_ci, diff_bounds
from .registry import section


def swap_effects(r: Report) -> pd.DataFrame:
    """Main effects and pairwise interactions of every swap design, per metric (mean and
    95% t-interval over replicates of the per-replicate effect)."""
    sc = r.scen
    rows = []
    for base_idx in [i for i in sc.index if not sc.loc[i, "swaps"]]:
        preset = sc.loc[base_idx, "preset"]
        group = sc[(sc["preset"] == preset) & sc["swaps"].map(bool)]
        if group.empty:
            continue
        donor = next(iter(group["swaps"].iloc[0].values()))
        by_set = {tuple(sorted(s)): i for i, s in zip(group.index, group["swaps"])}
        singles = sorted(k[0] for k in by_set if len(k) == 1)
        for metric in r.metrics:
            y0 = r.values(base_idx, metric)
            for c in singles:
                d = (r.values(by_set[(c,)], metric) - y0).dropna()
                rows.append({"base": preset, "donor": donor, "effect": "main",
                             "components": c, "metric": metric,
                             **clip_ci(mean_ci(d), *diff_bounds(metric))})
            for k, i in by_set.items():
                if len(k) != 2 or (k[0],) not in by_set or (k[1],) not in by_set:
                    continue
                d = (r.values(i, metric) - r.values(by_set[(k[0],)], metric)
                     - r.values(by_set[(k[1],)], metric) + y0).dropna()
                rows.append({"base": preset, "donor": donor, "effect": "interaction",
                             "components": "+".join(k), "metric": metric,
                             **clip_ci(mean_ci(d), *diff_bounds(metric, 4))})
    return pd.DataFrame(rows)


@section("component swaps", order=30, applies=lambda r: r.kind == "component_swap")
def component_swap(r: Report) -> None:
    r.md.append("## Component swaps: main effects and interactions\n")
    r.md.append("Main effect of component A = Y(base with A swapped) - Y(base); "
                "interaction of A and B = Y(AB) - Y(A) - Y(B) + Y(base) (difference in "
                "differences; > 0: the components reinforce each other, complements). "
                "Both are computed per replicate (same seed in every scenario) and "
                "reported as mean [95% t-interval]; `*` marks intervals that exclude 0.\n")
    effects = swap_effects(r)
    if effects.empty:
        return
    df = r.table_csv(effects.to_dict("records"), "swap_effects.csv")
    head = r.metrics[:6]
    for (base, donor), g in df.groupby(["base", "donor"], sort=False):
        for effect in ("main", "interaction"):
            sub = g[g["effect"] == effect]
            if sub.empty:
                continue
            header = ["components"] + [output_title(mt) for mt in head]
            body = []
            for c in dict.fromkeys(sub["components"]):
                row = [c]
                for metric in head:
                    x = sub[(sub["components"] == c) & (sub["metric"] == metric)].iloc[0]
                    row.append(_ci_star(x))
                body.append(row)
            title = (f"{'Main effects' if effect == 'main' else 'Pairwise interactions'}"
                     f": components from {donor} into {base}")
            r.md.append(f"### {title}\n")
            stem = f"swap_{effect}_{base}"
            r.table(stem, header, body,
                    title + " (mean and 95% t-interval over replicates of the per-replicate "
                    "effect, in each metric's unit; * excludes 0" + r.caveat_short() + ")")
            if r.figures:
                _swap_figure(r, sub, head, title, stem, effect)
    r.md.append("Every metric: `tables/swap_effects.csv`.\n")
    _findings(r, df)


def _excludes_zero(d: pd.DataFrame) -> pd.DataFrame:
    return d[(d["ci_low"] > 0) | (d["ci_high"] < 0)]


def _findings(r: Report, df: pd.DataFrame) -> None:
    main = df[df["effect"] == "main"]
    inter = df[df["effect"] == "interaction"]
    r.findings.append(f"{len(_excludes_zero(main))} of {len(main)} main effects of a single "
                      f"swapped component and {len(_excludes_zero(inter))} of {len(inter)} "
                      "pairwise interactions have a 95% interval that excludes 0.")
    metric = r.metrics[0] if r.metrics else None
    for (base, donor), g in main[main["metric"] == metric].groupby(["base", "donor"],
                                                                   sort=False):
        g = _excludes_zero(g)
        if g.empty:
            continue
        top = g.loc[g["mean"].abs().idxmax()]
        r.findings.append(f"Into {base}, the {donor} component that moves "
                          f"{output_title(metric).lower()} most is {top['components']}: "
                          f"{_ci(top['mean'], top['ci_low'], top['ci_high'])}.")


def _swap_figure(r: Report, sub: pd.DataFrame, metrics: list[str], title: str, stem: str,
                 effect: str) -> None:
    from .figures import panels

    def draw(width: float):
        fig, axes = panels(len(metrics), width, aspect=0.8)
        for ax, metric in zip(axes.flat, metrics):
            s = sub[sub["metric"] == metric]
            if effect == "main":
                y = np.arange(len(s))
                err = np.vstack([s["mean"] - s["ci_low"], s["ci_high"] - s["mean"]])
                ax.barh(y, s["mean"], xerr=np.nan_to_num(err), color="tab:blue", alpha=0.7)
                ax.set_yticks(y, s["components"], fontsize=6.5)
                ax.axvline(0, color="k", lw=0.8)
            else:
                comps = sorted({c for k in s["components"] for c in k.split("+")})
                mat = np.full((len(comps), len(comps)), np.nan)
                for x in s.itertuples():
                    a, b = x.components.split("+")
                    i, j = comps.index(a), comps.index(b)
                    mat[i, j] = mat[j, i] = x.mean
                lim = np.nanmax(np.abs(mat)) if np.isfinite(mat).any() else 1.0
                im = ax.imshow(mat, cmap="RdBu_r", vmin=-lim or -1, vmax=lim or 1)
                ax.set_xticks(range(len(comps)), comps, rotation=45, ha="right", fontsize=6)
                ax.set_yticks(range(len(comps)), comps, fontsize=6)
                ax.grid(False)
                fig.colorbar(im, ax=ax, shrink=0.8)
            ax.set_title(output_title(metric), fontsize=7.5)
        fig.tight_layout()
        return fig

    what = ("bars: mean effect over replicates, whiskers: 95% t-interval" if effect == "main"
            else "colour: mean interaction over replicates (red > 0: complements)")
    r.figure(stem, draw, f"{title}, first {len(metrics)} headline metrics, each in its unit "
             f"({what}; n = {r.n_replicates()} replicates)")

