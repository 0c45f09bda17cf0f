"""Reform sequencing (kind ``reform_sequencing``): orders of dated reforms against no
reform at several horizons, the best order against the runner-up, and how the
complementarities of the components change over time."""

from __future__ import annotations

import math

import pandas as pd

from abm import palette

from ..stats import mean_ci
from .context import Report
from .fmt import _ci, _ci_star
from .registry import section

HORIZON_METRICS = ("output_growth", "innovation", "founded")
"""Outcomes read at each horizon of a reform-sequencing experiment (:func:`horizon_metrics`)."""
HORIZON_TITLES = {"output_growth": "Output growth (% a year)",
                  "innovation": "Innovations per year", "founded": "Startups founded per year"}


@section("reform sequencing", order=40,
         applies=lambda r: r.kind == "reform_sequencing" and bool(r.spec.get("sequence")))
def reform_sequencing(r: Report) -> None:
    """Orders of reforms and interactions at horizons (kind ``reform_sequencing``)."""
    seq = r.spec.get("sequence")
    sc = r.scen
    h_years = [float(h) for h in seq["horizons_years"]]
    offset = 4 * (int(seq["first_year"]) - int(seq.get("start_year", seq["first_year"])))
    ids = r.runs[["run_id", "scenario_index", "replicate"]]
    hm = r.per_run("sequencing_horizon_metrics.csv", lambda ts: horizon_metrics(
        ts, [offset + int(round(4 * h)) for h in h_years], offset).merge(ids, on="run_id"))
    if hm is None:
        return
    base_idx = next(i for i in sc.index if sc.loc[i, "name"] == seq["base"])
    donor = seq["donor"]
    y0, dy = int(seq["first_year"]), int(seq["interval_years"])

    by_key = {(int(i), int(st)): g.set_index("replicate")
              for (i, st), g in hm.groupby(["scenario_index", "horizon_step"])}

    def vals(idx: int, metric: str, step: int) -> pd.Series:
        g = by_key.get((int(idx), int(step)))
        return g[metric] if g is not None else pd.Series(dtype=float)

    steps = sorted(hm["horizon_step"].unique())
    order_idx = [i for i in sc.index if isinstance(sc.loc[i, "order"], list)
                 and sc.loc[i, "order"]] if "order" in sc else []
    dated = sc["dated_swaps"].map(lambda d: d if isinstance(d, dict) else {}) \
        if "dated_swaps" in sc else pd.Series({i: {} for i in sc.index})
    comps = seq["components"]
    bang = [i for i in sc.index if len(dated[i]) == len(comps) and i not in order_idx]
    r.md.append("## Reform sequencing: orders, growth and innovation\n")
    r.md.append(
        f"From `{seq['base']}`, one component at a time takes `{donor}`'s setting (a dated "
        f"swap, docs/ODD.md 7.20) every {dy} years from {y0} on, in each order below; the "
        f"horizons count years from {y0} (the first reform). Outcomes at a horizon *H*: "
        "**output growth** = yearly log growth of real output from the year before the "
        "first reform to the year ending at *H* (% a year); **innovation** = innovations "
        "per year from the first reform to *H* (startups, incumbents and partnerships); "
        "**founded** = startups founded per year over the same window. Each cell is the "
        f"paired difference against `{seq['base']}` without reform (same seed, common "
        "random numbers), mean [95% t-interval over replicates]; `*` marks intervals that "
        "exclude 0; **bold** the order (of the sequences, not all at once) with the highest "
        "mean at that horizon.\n")
    rows = []
    for idx in order_idx + bang:
        name = " > ".join(sc.loc[idx, "order"]) if idx in order_idx else "all at once"
        for st in steps:
            for metric in HORIZON_METRICS:
                d = (vals(idx, metric, st) - vals(base_idx, metric, st)).dropna()
                rows.append({"scenario": r.name(idx), "order": name,
                             "horizon_years": (st - offset) / 4, "metric": metric,
                             **mean_ci(d)})
    if not rows:
        return
    df = r.table_csv(rows, "sequencing_orders.csv")
    _order_tables(r, df, steps, offset, seq["base"])
    _best_orders(r, vals, order_idx, steps, offset)
    if r.figures:
        _sequencing_figure(r, order_idx, bang, base_idx, offset)
    _sequencing_interactions(r, vals, steps, offset, dated, base_idx)
    r.md.append("Every number: `tables/sequencing_orders.csv`, "
                "`tables/sequencing_interactions.csv`; per run and horizon: "
                "`tables/sequencing_horizon_metrics.csv`.\n")


def _order_tables(r: Report, df: pd.DataFrame, steps: list[int], offset: int,
                  base: str) -> None:
    """One table per outcome: each order's paired difference against no reform by
    horizon, the best order in bold."""
    label = {st: f"{(st - offset) / 4:g} y" for st in steps}
    for metric in HORIZON_METRICS:
        sub = df[df["metric"] == metric]
        best = {h: sub[(sub["horizon_years"] == h) & (sub["order"] != "all at once")]
                .sort_values("mean", ascending=False)["order"].iloc[0]
                for h in sub["horizon_years"].unique()}
        header = ["order"] + [label[st] for st in steps]
        body = []
        for name in dict.fromkeys(sub["order"]):
            row = [name]
            for st in steps:
                h = (st - offset) / 4
                x = sub[(sub["order"] == name) & (sub["horizon_years"] == h)].iloc[0]
                star = "*" if math.isfinite(x.ci_low) and (x.ci_low > 0 or
                                                            x.ci_high < 0) else ""
                cell = _ci(x["mean"], x.ci_low, x.ci_high) + star
                row.append(f"**{cell}**" if best.get(h) == name else cell)
            body.append(row)
        title = f"{HORIZON_TITLES[metric]}: reform orders against no reform"
        r.md.append(f"### {title}\n")
        r.table(f"sequencing_{metric}", header, body,
                title + f" (paired difference against {base} without reform, mean "
                "over replicates and 95% t-interval, at each horizon in years after the "
                "first reform; * excludes 0; bold: the best order" + r.caveat_short() + ")")


def _best_orders(r: Report, vals, order_idx: list[int], steps: list[int],
                 offset: int) -> None:
    """Is the best order distinguishable from the runner-up? (paired, same seeds)"""
    sc = r.scen
    lines = []
    n_resolved: dict[str, int] = {}
    for metric in HORIZON_METRICS:
        for st in steps:
            h = (st - offset) / 4
            means = sorted(((vals(i, metric, st).mean(), i) for i in order_idx),
                           reverse=True)
            if len(means) < 2:
                continue
            (_, a), (_, b) = means[0], means[1]
            d = mean_ci((vals(a, metric, st) - vals(b, metric, st)).dropna())
            resolved = math.isfinite(d["ci_low"]) and d["ci_low"] > 0
            if resolved and st == steps[-1]:
                r.findings.append(f"{HORIZON_TITLES[metric]} after {h:g} years: the order "
                                  f"`{' > '.join(sc.loc[a, 'order'])}` leads the runner-up by "
                                  f"{_ci(d['mean'], d['ci_low'], d['ci_high'])} (paired).")
            n_resolved[metric] = n_resolved.get(metric, 0) + int(resolved)
            lines.append(f"* {HORIZON_TITLES[metric]}, {h:g} years: best "
                         f"`{' > '.join(sc.loc[a, 'order'])}`, ahead of "
                         f"`{' > '.join(sc.loc[b, 'order'])}` by "
                         f"{_ci(d['mean'], d['ci_low'], d['ci_high'])}"
                         + (" (resolved)" if resolved else
                            " (not resolved: the interval includes 0)"))
    r.md.append("Best order against the runner-up (paired difference):\n")
    r.md.append("\n".join(lines) + "\n")
    if lines:
        k = sum(n_resolved.values())
        r.findings.append(f"The best of the {len(order_idx)} reform orders leads the runner-up "
                          f"by a resolved margin (paired 95% interval above 0) in {k} of "
                          f"{len(lines)} outcome-horizon pairs"
                          + (": with these replicates the order of the reforms does not "
                             "matter measurably." if not k else "."))


def _sequencing_figure(r: Report, order_idx: list[int], bang: list[int], base_idx: int,
                       offset: int) -> None:
    """Paired difference against no reform, over time, of real output and of cumulative
    innovations since the first reform: one line per order (all at once dashed); the means
    kept in tables/sequencing_paths.csv (a folder without time series redraws it)."""
    sc = r.scen
    label = {i: " > ".join(sc.loc[i, "order"]) if i in order_idx else "all at once"
             for i in order_idx + bang}

    def compute(ts: pd.DataFrame) -> pd.DataFrame:
        ts = ts.merge(r.runs[["run_id", "scenario_index", "replicate"]], on="run_id")
        ts = ts[ts["step"] > offset].copy()
        ts["innov"] = (ts["innovation_startups"] + ts["innovation_incumbents"]
                       + ts["innovation_partnerships"])
        ts = ts.sort_values("step")
        ts["cum_innov"] = ts.groupby("run_id")["innov"].cumsum()
        frames = []
        for col in ("real_output", "cum_innov"):
            wide = ts.pivot_table(index=["scenario_index", "replicate"], columns="step",
                                  values=col)
            base = wide.xs(base_idx, level="scenario_index")
            for idx in order_idx + bang:
                m = (wide.xs(idx, level="scenario_index") - base).mean()
                frames.append(pd.DataFrame({"scenario_index": idx, "series": col,
                                            "step": m.index, "mean_diff": m.values}))
        return pd.concat(frames, ignore_index=True)

    paths = r.from_series("sequencing_paths.csv", compute)
    if paths is None:
        r.kept_figure("sequencing_paths")
        return

    def draw(width: float):
        import matplotlib.pyplot as plt

        two = width > 5
        fig, axes = plt.subplots(1 if two else 2, 2 if two else 1, squeeze=False,
                                 figsize=(width, 2.9 if two else 5.2))
        for ax, col, title in zip(axes.flat, ("real_output", "cum_innov"),
                                  ("Real output", "Innovations since the first reform")):
            for k, idx in enumerate(order_idx + bang):
                p = paths[(paths["scenario_index"] == idx) & (paths["series"] == col)]
                ax.plot((p["step"] - offset) / 4, p["mean_diff"], color=palette.cycle(k),
                        lw=1.0, ls="--" if idx in bang else "-", label=label[idx])
            ax.axhline(0, color=palette.GREY, lw=0.8)
            ax.set_title(f"{title}:\ndifference against no reform")
            ax.set_xlabel("years since the first reform")
        axes.flat[1].legend(fontsize=5, frameon=False, loc="upper left")
        fig.tight_layout()
        return fig

    r.figure("sequencing_paths", draw,
             "Reform orders over time: mean over replicates of the paired difference "
             "(same seeds) against no reform, of real output (model units) and of the "
             "innovations counted since the first reform; x in years since the first reform; "
             "all reforms at once dashed")


def _sequencing_interactions(r: Report, vals, steps, offset, dated, base_idx) -> None:
    sc = r.scen
    by_set = {tuple(sorted(d)): i for i, d in dated.items()
              if d and i in sc.index and not (isinstance(sc.loc[i, "order"], list)
                                              and sc.loc[i, "order"])}
    pairs = [k for k in by_set if len(k) == 2 and (k[0],) in by_set and (k[1],) in by_set]
    if not pairs:
        return
    rows = []
    for metric in HORIZON_METRICS:
        for k in [k for k in by_set if len(k) == 1] + pairs:
            per = {}
            for st in steps:
                y0 = vals(base_idx, metric, st)
                if len(k) == 1:
                    d = vals(by_set[k], metric, st) - y0
                else:
                    d = (vals(by_set[k], metric, st) - vals(by_set[(k[0],)], metric, st)
                         - vals(by_set[(k[1],)], metric, st) + y0)
                per[st] = d
                rows.append({"effect": "main" if len(k) == 1 else "interaction",
                             "components": "+".join(k), "metric": metric,
                             "horizon_years": (st - offset) / 4, **mean_ci(d.dropna())})
            if len(steps) >= 2:
                change = (per[steps[-1]] - per[steps[0]]).dropna()
                rows.append({"effect": ("main" if len(k) == 1 else "interaction")
                             + "_change", "components": "+".join(k), "metric": metric,
                             "horizon_years": (steps[-1] - steps[0]) / 4,
                             **mean_ci(change)})
    df = r.table_csv(rows, "sequencing_interactions.csv")
    r.md.append("### Complementarities over time\n")
    r.md.append(
        "Every component, and every pair, reformed at the first reform date: interaction "
        "of A and B = Y(AB) - Y(A) - Y(B) + Y(no reform) at each horizon (> 0: "
        "complements), paired by replicate; the last column is the change of the "
        "interaction from the first to the last horizon (paired, mean [95% CI]). `*`: the "
        "interval excludes 0.\n")
    hdr = ["pair"] + [f"{(st - offset) / 4:g} y" for st in steps] + ["change"]
    for metric in HORIZON_METRICS:
        body = []
        for pair in ["+".join(k) for k in pairs]:
            sub = df[(df["components"] == pair) & (df["metric"] == metric)]
            row = [pair]
            for st in steps:
                x = sub[(sub["effect"] == "interaction")
                        & (sub["horizon_years"] == (st - offset) / 4)].iloc[0]
                row.append(_ci_star(x))
            ch = sub[sub["effect"] == "interaction_change"]
            row.append(_ci_star(ch.iloc[0]) if not ch.empty else "–")
            body.append(row)
        title = f"{HORIZON_TITLES[metric]}: pairwise interactions by horizon"
        r.md.append(f"#### {title}\n")
        r.table(f"sequencing_interactions_{metric}", hdr, body,
                title + " (Y(AB) - Y(A) - Y(B) + Y(no reform), mean over replicates and 95% "
                "t-interval, at each horizon in years after the first reform, and its change "
                "from the first to the last; * excludes 0" + r.caveat_short() + ")")
    sig = df[(df["effect"] == "interaction_change") & (df["ci_low"] > 0)
             | (df["effect"] == "interaction_change") & (df["ci_high"] < 0)]
    r.md.append(f"{len(sig)} of {int((df['effect'] == 'interaction_change').sum())} "
                   "interaction terms change between the first and the last horizon "
                   "with an interval that excludes 0.\n")


def horizon_metrics(ts: pd.DataFrame, horizon_steps: list[int], offset: int) -> pd.DataFrame:
    """Per run and horizon step ``H``, from the time series: ``output_growth`` = 100 x yearly
    log growth of mean real output from the four quarters before step ``offset + 1`` (the
    first four quarters when ``offset < 4``) to the four quarters ending at ``H``;
    ``innovation`` and ``founded`` = innovations (startups + incumbents + partnerships) and
    startups founded per year over steps ``offset + 1 ... H``."""
    rows = []
    for run_id, g in ts.groupby("run_id", sort=True):
        g = g.set_index("step").sort_index()
        ro = g["real_output"]
        innov = g["innovation_startups"] + g["innovation_incumbents"] \
            + g["innovation_partnerships"]
        lo = max(offset - 3, 1) if offset >= 4 else 1
        before = ro.loc[lo:lo + 3].mean()
        for H in horizon_steps:
            if H > g.index.max():
                continue
            after = ro.loc[H - 3:H].mean()
            years = (H - offset) / 4
            span = (H - 3 - lo) / 4
            growth = 100 * math.log(after / before) / span if before > 0 and after > 0 \
                and span > 0 else math.nan
            window = slice(offset + 1, H)
            rows.append({"run_id": run_id, "horizon_step": int(H), "output_growth": growth,
                         "innovation": float(innov.loc[window].sum()) / years,
                         "founded": float(g["founded"].loc[window].sum()) / years})
    return pd.DataFrame(rows)


