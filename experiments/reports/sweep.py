"""Parameter sweeps (kind ``sweep``): each metric against one swept parameter per preset,
or, over two parameters (the technology regime), which preset leads at each grid point and by
how much (paired differences over the common seeds)."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd

from abm.outputs import title as output_title

from ..stats import mean_ci
from .context import Report
from .figures import axis_label, panels
from .fmt import _ci, _f, _grid_order, _metric, bounds, clip_ci
from .registry import section

SWEEP_FIGURE_METRICS = ("productivity_growth", "innovation_total")
"""Metrics drawn as heat maps over the two-dimensional sweep (those reported)."""


def base_table(r: Report) -> pd.DataFrame:
    """The runs with their scenario's ``base`` and ``point``."""
    return r.runs.merge(r.scen[["base", "point"]], left_on="scenario_index",
                        right_index=True, how="left")


def _swept(r: Report) -> list[str]:
    pcols = [c for c in r.runs.columns if c.startswith("param.")]
    return [f"param.{k}" for k in r.spec.get("grid", {}) if f"param.{k}" in pcols]


@section("sweep", order=60, applies=lambda r: r.kind == "sweep" and bool(_swept(r)))
def sweep(r: Report) -> None:
    swept = _swept(r)
    if len(swept) >= 2:  # two swept dimensions: leader tables per grid point
        order = _grid_order(str(r.scen["name"].iloc[0]), [c[6:] for c in swept])
        sweep_2d(r, order[0], order[1])
        return
    x = swept[0]
    r.md.append(f"## Sweep over `{x[6:]}`\n")
    rows = []
    for idx in r.scen.index:
        runs = r.runs[r.runs["scenario_index"] == idx]
        for metric in r.metrics:
            rows.append({"base": r.scen.loc[idx, "base"], "x": float(runs[x].iloc[0]),
                         "metric": metric, **clip_ci(mean_ci(runs[metric]), *bounds(metric))})
    df = r.table_csv(rows, "sweep.csv")
    for metric in r.metrics:  # every metric: the sweep is read metric by metric
        sub = df[df["metric"] == metric]
        xs = sorted(sub["x"].unique())
        header = [x[6:]] + list(dict.fromkeys(sub["base"]))
        body = [[_f(v)] + [_ci(*sub[(sub["base"] == b) & (sub["x"] == v)]
                               [["mean", "ci_low", "ci_high"]].iloc[0])
                           for b in header[1:]] for v in xs]
        r.md.append(f"### {_metric(metric)}\n")
        r.table(f"sweep_{metric}", header, body,
                f"{output_title(metric)} by {x[6:]} and preset (mean over replicates and 95% "
                "t-interval, in the metric's unit" + r.caveat_short() + ")")
    if not r.figures:
        return

    def draw(width: float):
        fig, axes = panels(len(r.metrics), width, aspect=0.72)
        for ax, metric in zip(axes.flat, r.metrics):
            sub = df[df["metric"] == metric]
            for base, g in sub.groupby("base", sort=False):
                g = g.sort_values("x")
                ax.plot(g["x"], g["mean"], marker="o", ms=3, label=base)
                ax.fill_between(g["x"], g["ci_low"], g["ci_high"], alpha=0.2)
            ax.set_title(output_title(metric))
            ax.set_xlabel(x[6:])
            ax.set_ylabel(axis_label(metric))
        axes.flat[0].legend(fontsize=6.5)
        fig.tight_layout()
        return fig

    r.figure("sweep", draw, f"Each metric against {x[6:]} per preset: mean over "
             f"n = {r.n_replicates()} replicates (line) and 95% t-interval (band), in the "
             "metric's unit", single=len(r.metrics) <= 4)


def sweep_2d(r: Report, x: str, y: str) -> None:
    bases = list(dict.fromkeys(r.scen["base"]))
    t = base_table(r).rename(columns={f"param.{x}": x, f"param.{y}": y})
    r.md.append(f"## Sweep over `{x}` x `{y}`\n")
    r.md.append(
        f"Rows: `{x}`; columns: `{y}`. Each cell names the preset with the highest mean "
        "and its margin over the runner-up: the mean over replicates of the paired "
        "difference (common seeds) with its 95% t-interval; * marks an interval that "
        "excludes zero. Then, per pair of presets, the grid points where each is "
        "significantly higher. Every mean is in `tables/sweep2d_leaders.csv`.\n")
    leaders, pairs = [], []
    for metric in r.metrics:
        lt = sweep_leaders(t, metric, x, y, bases)
        pw = sweep_pairwise(t, metric, x, y, bases)
        leaders += [{"metric": metric, **row} for row in lt.to_dict("records")]
        pairs += pw.to_dict("records")
        ys = sorted(lt[y].unique())
        header = [f"{x} \\ {y}"] + [_f(v) for v in ys]
        body = []
        for xv in sorted(lt[x].unique()):
            row = [_f(xv)]
            for yv in ys:
                c = lt[(lt[x] == xv) & (lt[y] == yv)].iloc[0]
                if c["leader"] in ("tie", "–") or not math.isfinite(c["margin"]):
                    row.append(str(c["leader"]))
                else:
                    row.append(f"{c['leader']} +{_ci(c['margin'], c['ci_low'], c['ci_high'])}"
                               + ("*" if c["significant"] else "")
                               + f" over {c['runner_up']}")
            body.append(row)
        r.md.append(f"### {_metric(metric)}\n")
        r.table(f"sweep2d_{metric}", header, body,
                f"{output_title(metric)}: leading preset and its margin over the runner-up "
                f"(mean over replicates of the paired difference, in the metric's unit, and "
                f"its 95% t-interval; * excludes 0) by {x} (rows) and {y} (columns)"
                + r.caveat_short())
        lines = []
        for p in pw.itertuples():
            def at(k: int, where: str) -> str:
                return " (all)" if k == p.points else (f" {where}" if where else "")

            lines.append(f"- {p.a} vs {p.b}: {p.a} higher at {p.a_higher} of {p.points} "
                         f"points{at(p.a_higher, p.a_higher_at)}; {p.b} higher at "
                         f"{p.b_higher}{at(p.b_higher, p.b_higher_at)}; "
                         f"indistinguishable at {p.neither}.")
        wins = lt["leader"].value_counts()
        lead = ", ".join(f"{b} at {int(wins.get(b, 0))}" for b in bases)
        r.md.append(f"Highest mean ({x}, {y}): {lead} of {len(lt)} points.\n")
        r.md.append("\n".join(lines) + "\n")
        if metric in r.metrics[:3]:
            r.findings.append(f"{output_title(metric)}: highest mean over the {len(lt)} "
                              f"points of the ({x}, {y}) grid: {lead}.")
    r.table_csv(leaders, "sweep2d_leaders.csv")
    r.table_csv(pairs, "sweep2d_pairwise.csv")
    _sweep_2d_figure(r, t, x, y, bases)


def _sweep_2d_figure(r: Report, t: pd.DataFrame, x: str, y: str, bases: list[str]) -> None:
    """One row of heat maps per metric, one panel per preset, a colour scale shared within a
    row (cividis: colour-blind safe, monotone in lightness); each cell prints the mean over
    replicates."""
    metrics = [m for m in SWEEP_FIGURE_METRICS if m in r.metrics and m in t]
    if not r.figures or not metrics:
        return
    xs, ys = sorted(t[x].unique()), sorted(t[y].unique())

    def draw(width: float):
        import matplotlib.pyplot as plt

        fig, axes = plt.subplots(len(metrics), len(bases), squeeze=False,
                                 figsize=(width, 0.3 + 0.8 * width / len(bases) * len(metrics)),
                                 gridspec_kw={"hspace": 0.6})
        for i, metric in enumerate(metrics):
            means = t.groupby(["base", x, y])[metric].mean()
            grids = {b: np.array([[means.get((b, xv, yv), np.nan) for yv in ys] for xv in xs])
                     for b in bases}
            finite = np.concatenate([g[np.isfinite(g)] for g in grids.values()])
            lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
            for j, b in enumerate(bases):
                ax = axes[i][j]
                im = ax.imshow(grids[b], origin="lower", aspect="auto", cmap="cividis",
                               vmin=lo, vmax=hi)
                for (row, col), v in np.ndenumerate(grids[b]):
                    if np.isfinite(v):
                        ax.text(col, row, _f(v, 3), ha="center", va="center", fontsize=6,
                                color="white" if v < (lo + hi) / 2 else "black")
                ax.set_xticks(range(len(ys)), [_f(v, 2) for v in ys])
                ax.set_yticks(range(len(xs)), [_f(v, 2) for v in xs])
                ax.grid(False)
                ax.set_xlabel(y)
                if j == 0:
                    ax.set_ylabel(x)
                ax.set_title(f"{b}\n{output_title(metric)}", fontsize=7)
            cb = fig.colorbar(im, ax=list(axes[i]), shrink=0.9)
            cb.set_label(axis_label(metric), fontsize=6.5)
        return fig

    r.md.append(f"### Figure: {', '.join(_metric(m) for m in metrics)} over `{x}` x "
                f"`{y}`\n\nMean over replicates per grid point and preset (one colour "
                "scale per row).\n")
    r.figure("sweep2d", draw,
             f"{' and '.join(output_title(m) for m in metrics)} over the grid of {x} (rows) "
             f"and {y} (columns), one panel per preset: mean over n = {r.n_replicates()} "
             "replicates per grid point (colour, one scale per row; the value printed)",
             single=False)


# -- the paired comparisons behind the sweep and the structural orderings -----------------------
def _paired(table: pd.DataFrame, metric: str, a: str, b: str,
            keys: list[str]) -> pd.DataFrame:
    """``A - B`` per (keys..., replicate), paired by the common seed."""
    sub = table[table["base"].isin([a, b])]
    wide = sub.pivot_table(index=keys + ["replicate"], columns="base", values=metric,
                           aggfunc="first", dropna=False)
    if a not in wide or b not in wide:
        return pd.DataFrame(columns=keys + ["replicate", "d"])
    d = (wide[a] - wide[b]).rename("d").reset_index()
    return d


def _point_stats(d: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Mean and 95% t-interval of the paired difference at each point."""
    rows = []
    for key, g in d.groupby(keys, sort=True):
        ci = mean_ci(g["d"].to_numpy(dtype=float))
        key = key if isinstance(key, tuple) else (key,)
        rows.append({**dict(zip(keys, key)), "mean": ci["mean"], "ci_low": ci["ci_low"],
                     "ci_high": ci["ci_high"], "n": ci["n"]})
    return pd.DataFrame(rows, columns=keys + ["mean", "ci_low", "ci_high", "n"])


def sweep_leaders(table: pd.DataFrame, metric: str, x: str, y: str,
                  bases: list[str]) -> pd.DataFrame:
    """Which base (preset) leads on ``metric`` at each grid point ``(x, y)``, and by how much
    over the runner-up.

    Args:
        table: one row per run with ``base``, ``replicate``, the grid columns ``x`` and ``y``
            and ``metric``.

    Returns one row per grid point: the mean of every base (``mean.BASE``), ``leader`` and
    ``runner_up`` (highest and second-highest mean), ``margin`` with its 95% t-interval
    (``ci_low``, ``ci_high``) over replicates of the paired difference leader - runner-up,
    and ``significant`` (the interval excludes 0).
    """
    rows = []
    for (xv, yv), g in table.groupby([x, y], sort=True):
        means = {b: float(np.nanmean(g.loc[g["base"] == b, metric].to_numpy(dtype=float)))
                 if (g["base"] == b).any() else math.nan for b in bases}
        order = sorted((b for b in bases if math.isfinite(means[b])),
                       key=lambda b: -means[b])
        row = {x: float(xv), y: float(yv), **{f"mean.{b}": means[b] for b in bases}}
        if len(order) >= 2:
            lead, second = order[0], order[1]
            d = _paired(g, metric, lead, second, [])
            ci = mean_ci(d["d"].to_numpy(dtype=float))
            sig = bool(math.isfinite(ci["ci_low"]) and (ci["ci_low"] > 0 or ci["ci_high"] < 0))
            tie = means[lead] == means[second]
            row.update({"leader": "tie" if tie else lead, "runner_up": second,
                        "margin": ci["mean"], "ci_low": ci["ci_low"],
                        "ci_high": ci["ci_high"], "significant": sig and not tie})
        else:
            row.update({"leader": order[0] if order else "–", "runner_up": "–",
                        "margin": math.nan, "ci_low": math.nan, "ci_high": math.nan,
                        "significant": False})
        rows.append(row)
    return pd.DataFrame(rows)


def sweep_pairwise(table: pd.DataFrame, metric: str, x: str, y: str,
                   bases: list[str]) -> pd.DataFrame:
    """For each pair (A, B): at how many grid points A is significantly above B, B above A,
    or neither (paired 95% t-interval over replicates)."""
    rows = []
    for a, b in itertools.combinations(bases, 2):
        st = _point_stats(_paired(table, metric, a, b, [x, y]), [x, y])
        lo = st["ci_low"].to_numpy(dtype=float)
        hi = st["ci_high"].to_numpy(dtype=float)
        a_win = int(np.sum(lo > 0))
        b_win = int(np.sum(hi < 0))
        rows.append({"a": a, "b": b, "metric": metric, "points": len(st),
                     "a_higher": a_win, "b_higher": b_win,
                     "neither": len(st) - a_win - b_win,
                     "a_higher_at": "; ".join(f"({_f(r[x])}, {_f(r[y])})"
                                              for _, r in st[lo > 0].iterrows()),
                     "b_higher_at": "; ".join(f"({_f(r[x])}, {_f(r[y])})"
                                              for _, r in st[hi < 0].iterrows())})
    return pd.DataFrame(rows)
