"""The ecosystem network at the end of a run: the graph of a re-run model
(:func:`model_graph`), a sample of it for drawing (:func:`snapshot_graph`) and the figure
papers get, the ties aggregated by kind of agent (:func:`block_counts`, :func:`network`):
a tangle of 300 nodes says little, a table of who is tied to whom says what differs."""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
import pandas as pd

from abm import palette

SNAPSHOT_NODES = 300
"""Most nodes a network snapshot draws."""

NODE_COLOURS = {"startup": palette.AGENT["startup"], "incumbent": palette.AGENT["incumbent"],
                "fund_independent": palette.AGENT["fund_independent"],
                "fund_corporate": palette.AGENT["fund_corporate"],
                "fund_government": palette.AGENT["fund_government"],
                "university": palette.AGENT["university"]}
"""Node colours of the snapshot (the app's, :mod:`abm.palette`)."""


_TIE_RANK = {"employment": 0, "investment": 1, "grant": 2, "joint_research": 3,
             "partnership": 4, "spinoff": 5, "acquisition": 6}
"""Which tie kind a pair with several ties is drawn as (the higher, the rarer)."""


def _node_key(attrs: dict) -> str:
    kind = attrs.get("kind")
    if kind == "fund":
        fk = attrs.get("fund_kind") or attrs.get("fkind")
        return f"fund_{fk}" if fk in ("independent", "corporate", "government") else \
            "fund_independent"
    return kind


def graph_counts(g) -> dict[str, int]:
    """Nodes of a snapshot by kind (``startup``, ``fund``, ``incumbent``, ``university``)."""
    out = {"startup": 0, "fund": 0, "incumbent": 0, "university": 0}
    for _, kind in g.nodes(data="kind"):
        if kind in out:
            out[kind] += 1
    return out


def model_graph(spec):
    """Re-run one model (:class:`~abm.experiments.spec.RunSpec`, inside its structural
    constants) and return its ecosystem graph at the end of the run as a simple graph: one
    edge per pair (its rarest tie kind, ``kind``), funds with their ``fund_kind``, the
    ministry and isolated nodes left out."""
    import networkx as nx

    model = None
    try:
        with spec.structural():  # the run's structural constants, as the runner sets them
            model = spec.build()
            model.run(int(spec.steps))
        mg = model.graph  # a MultiGraph whose edge keys are the tie kinds
        g = nx.Graph()
        g.add_nodes_from(mg.nodes(data=True))
        for a, b, kind in mg.edges(keys=True):  # one edge per pair: its rarest kind shown
            if not g.has_edge(a, b) or _TIE_RANK.get(kind, 0) > _TIE_RANK.get(
                    g.edges[a, b]["kind"], 0):
                g.add_edge(a, b, kind=kind)
        fund_kind = {f.unique_id: f.kind for f in model.funds}
        for n, kind in list(g.nodes(data="kind")):
            if kind == "fund" and n in fund_kind:
                g.nodes[n]["fund_kind"] = fund_kind[n]
        ties: Counter = Counter()  # every tie of the multigraph, by kinds of agent
        for a, b, kind in mg.edges(keys=True):
            ka, kb = sorted((_node_key(g.nodes[a]), _node_key(g.nodes[b])), key=_group_rank)
            ties[(ka, kb, kind)] += 1
        members = Counter(_node_key(d) for v, d in g.nodes(data=True) if g.degree(v) > 0)
    finally:
        if model is not None:
            model.release()
    g.graph["ties"] = ties
    g.graph["members"] = members
    g.remove_nodes_from([n for n, k in g.nodes(data="kind") if k == "ministry"])
    g.remove_nodes_from([n for n in list(g) if g.degree(n) == 0])
    return g


def snapshot_graph(spec, max_nodes: int = SNAPSHOT_NODES):
    """Re-run one model and return a sampled, simple subgraph of its ecosystem graph.

    The budget is shared out by kind, so every kind shows whatever the preset (silicon_valley
    has some 240 funds, which once took the whole budget and left no startups): at most a fifth
    of ``max_nodes`` for funds, a fifth for incumbents and a twentieth for universities, the
    rest (at least half) for startups; within a kind the best-connected nodes first (ties
    broken by a generator seeded from the run's seed). Isolated nodes are dropped.
    """
    g = model_graph(spec)
    rng = np.random.default_rng([int(spec.seed), 11])

    def best(kind: str, k: int) -> list:
        nodes = [n for n, kd in g.nodes(data="kind") if kd == kind]
        if len(nodes) <= k:
            return nodes
        jitter = rng.random(len(nodes))
        order = sorted(range(len(nodes)), key=lambda i: (-g.degree(nodes[i]), jitter[i]))
        return [nodes[i] for i in order[:k]]

    funds = best("fund", max_nodes // 5)
    incumbents = best("incumbent", max_nodes // 5)
    universities = best("university", max_nodes // 20)
    startups = best("startup", max_nodes - len(funds) - len(incumbents) - len(universities))
    sub = g.subgraph(startups + funds + incumbents + universities).copy()
    sub.remove_nodes_from([n for n in list(sub) if sub.degree(n) == 0])
    return sub


# -- the ties aggregated by kind of agent (the papers' network figure) ---------------------------
GROUPS = ("startup", "incumbent", "fund_independent", "fund_corporate", "fund_government",
          "university", "ministry")
"""Kinds of agent the ties are counted between."""
GROUP_LABELS = {"startup": "startups", "incumbent": "incumbents",
                "fund_independent": "indep. VC", "fund_corporate": "corporate VC",
                "fund_government": "gov. VC", "university": "universities",
                "ministry": "ministry"}


def _group_rank(key: str) -> int:
    return GROUPS.index(key) if key in GROUPS else len(GROUPS)


def block_counts(g) -> pd.DataFrame:
    """Ties at the end of the run between kinds of agent: one row per pair of kinds (``a``,
    ``b`` in :data:`GROUPS` order) and tie kind, with ``ties`` (every tie of the model's
    multigraph, :func:`model_graph`)."""
    rows = [{"a": a, "b": b, "tie": k, "ties": n}
            for (a, b, k), n in sorted(g.graph.get("ties", {}).items(),
                                       key=lambda kv: (_group_rank(kv[0][0]),
                                                       _group_rank(kv[0][1]), kv[0][2]))]
    return pd.DataFrame(rows, columns=["a", "b", "tie", "ties"])


def _short(n: float) -> str:
    return f"{n / 1000:.1f}k" if n >= 10_000 else f"{n:,.0f}"


_TIE_SHORT = {"investment": "investment", "joint_research": "joint research",
              "partnership": "partnership", "employment": "employment", "spinoff": "spin-off",
              "acquisition": "acquisition", "grant": "grant"}


def block_axes(counts: list[pd.DataFrame]) -> tuple[list[str], list[str]]:
    """The rows and columns of the heat maps of several runs (the same in every panel):
    kinds of agent with ties, each pair once."""
    allc = pd.concat(counts, ignore_index=True) if counts else pd.DataFrame(columns=["a", "b"])
    return ([k for k in GROUPS if k in set(allc["b"])],
            [k for k in GROUPS if k in set(allc["a"])])


def draw_blocks(ax, counts: pd.DataFrame, title: str, vmax: float,
                rows: list[str] | None = None, cols: list[str] | None = None) -> object:
    """A heat map of the ties between kinds of agent: a row per kind, a column per kind it
    is tied to (each pair once); colour: log10 of the number of ties; text: the number and
    the commonest tie kind."""
    if rows is None or cols is None:
        rows, cols = block_axes([counts])
    mat = np.full((len(rows), len(cols)), np.nan)
    top: dict[tuple[int, int], str] = {}
    for (a, b), grp in counts.groupby(["a", "b"]):
        i, j = rows.index(b), cols.index(a)
        mat[i, j] = grp["ties"].sum()
        kind = str(grp.sort_values("ties").iloc[-1]["tie"])
        top[(i, j)] = _TIE_SHORT.get(kind, kind.replace("_", " "))
    im = ax.imshow(np.log10(mat), cmap="cividis", vmin=0, vmax=math.log10(max(vmax, 10)),
                   aspect="auto")
    for (i, j), v in np.ndenumerate(mat):
        if np.isfinite(v):
            light = math.log10(v) < 0.55 * math.log10(max(vmax, 10))
            ax.text(j, i, f"{_short(v)}\n{top[(i, j)]}", ha="center", va="center",
                    fontsize=6, color="white" if light else "black")
    ax.set_xticks(range(len(cols)), [f"with {GROUP_LABELS[k]}" for k in cols], fontsize=6.5)
    ax.set_yticks(range(len(rows)), [GROUP_LABELS[k] for k in rows], fontsize=6.5)
    ax.xaxis.tick_top()
    ax.tick_params(length=0)
    for side in ax.spines.values():
        side.set_visible(False)
    ax.grid(False)
    ax.set_title(title, fontsize=7.5, pad=16)
    return im


def network_section(r, show: list[int]) -> None:
    """The network figure of a report: for each headline scenario (at most four), replicate
    0 re-run to the end from its run description, its ties counted by kind of agent and tie
    kind (tables/network_ties.csv) and drawn as a heat map."""
    from ..spec import RunSpec
    from .figures import panels

    show = show[:4]
    counts, titles = [], []
    for k, idx in enumerate(show):
        r.progress(f"network snapshot {k + 1}/{len(show)}: re-running {r.name(idx)}")
        row = r.runs[r.runs["scenario_index"] == idx].sort_values("replicate").iloc[[0]]
        spec = RunSpec.of_rows(row, r.manifest.get("scenarios"))[0]  # the run, exactly
        g = model_graph(spec)
        c = block_counts(g)
        counts.append(c)
        titles.append(f"{r.name(idx)}: {g.number_of_nodes():,} agents, "
                      f"{int(c['ties'].sum()):,} ties")
    table = pd.concat([c.assign(scenario=r.name(i)) for c, i in zip(counts, show)],
                      ignore_index=True)
    r.table_csv(table[["scenario", "a", "b", "tie", "ties"]].to_dict("records"),
                "network_ties.csv")
    vmax = max((c.groupby(["a", "b"])["ties"].sum().max() for c in counts if len(c)),
               default=10)
    rows, cols = block_axes(counts)

    def draw(width: float):
        fig, axes = panels(len(show), width, max_cols=2, aspect=0.85, min_panel=3.3)
        fig.subplots_adjust(wspace=0.6, hspace=0.3, left=0.15, right=0.86)
        im = None
        for ax, c, title in zip(axes.flat, counts, titles):
            im = draw_blocks(ax, c, title, vmax, rows, cols)
        if im is not None:
            cb = fig.colorbar(im, cax=fig.add_axes((0.9, 0.3, 0.015, 0.4)))
            cb.set_label("ties (log10)", fontsize=7)
        return fig

    steps = int(r.runs["steps"].max())
    r.figure("network", draw,
             f"Who is tied to whom at the end of the run (step {steps}, year {steps / 4:g}): "
             "ties between kinds of agent in replicate 0 of each scenario, re-run from its "
             "run description; cell: number of ties of every kind (colour: log10) and the "
             "commonest tie kind; every count in tables/network_ties.csv", single=False)
    r.md.append("Network: one model per scenario re-run to the end of the horizon (the "
                "seed of replicate 0); the whole network, aggregated by kind of agent (a "
                "drawing of its nodes is a tangle that says little).\n")
