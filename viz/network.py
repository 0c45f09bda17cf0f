"""The ecosystem network as a picture: a stable "sector wheel" layout, sampled when large.

Layout (computed in O(nodes), no force simulation, so a node keeps its place from step to
step and thousands of nodes cost milliseconds):

- the ministry sits at the centre, universities on a small inner ring, venture funds on a
  middle band: one arc per fund kind, its length proportional to the number of funds of that
  kind, in up to three rows, so hundreds of funds do not pile up;
- each industry sector owns a wedge of the outer annulus: startups of that sector sit inside
  the wedge (further out the later their stage), incumbents on the outer rim of the wedge,
  ordered by business group; where business groups matter (``group_cohesion > 0``) each
  group's members are joined by a coloured arc just outside the rim, labelled ``G1``, ``G2``...

Positions are derived from agent ids (golden-ratio hashing), never from the model's random
streams, so drawing does not change a run. When more startups operate than ``max_startups``,
the largest (by headcount) are shown and the picture says how many were left out. Startups
that exited or failed in the last ``recent`` quarters stay visible (grey), so recent
acquisitions and failures can be seen.

Nodes: colour and marker by agent kind (funds by fund kind); area grows with firm size
(headcount; fund size for funds). Edges: colour by type; edges formed in the last
``recent_edges`` quarters are drawn strong, older ones faint.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from abm import constants as C
from abm import palette
from abm.network import EDGE_KINDS

NODE_STYLE: dict[str, tuple[str, str, str]] = {
    # key: (label, colour, marker); colours from abm.palette (shared with the paper figures)
    "startup": ("startup", palette.AGENT["startup"], "o"),
    "startup_exited": ("startup (exited or failed recently)", palette.AGENT["startup_exited"],
                       "x"),
    "incumbent": ("incumbent", palette.AGENT["incumbent"], "s"),
    "fund_independent": ("fund: independent", palette.AGENT["fund_independent"], "^"),
    "fund_corporate": ("fund: corporate", palette.AGENT["fund_corporate"], "^"),
    "fund_government": ("fund: government", palette.AGENT["fund_government"], "^"),
    "university": ("university", palette.AGENT["university"], "D"),
    "ministry": ("ministry", palette.AGENT["ministry"], "*"),
}

EDGE_STYLE: dict[str, tuple[str, str]] = {
    "investment": ("investment", palette.TIE["investment"]),
    "partnership": ("partnership", palette.TIE["partnership"]),
    "acquisition": ("acquisition", palette.TIE["acquisition"]),
    "spinoff": ("spin-off", palette.TIE["spinoff"]),
    "joint_research": ("joint research", palette.TIE["joint_research"]),
    "grant": ("grant", palette.TIE["grant"]),
    "employment": ("employment", palette.TIE["employment"]),
}

FUND_KINDS = ("independent", "corporate", "government")
LEGEND_FONT = 9
LEGEND_BAND = 0.3
"""Share of the figure's height below the wheel that holds the legends (outside the plot)."""
"""Legend font size in points."""

_EDGE_ORDER = ("grant", "investment", "employment", "spinoff", "joint_research", "partnership",
               "acquisition")

_PHI = 0.6180339887498949
_PSI = 0.7548776662466927


def _frac(x: np.ndarray, a: float) -> np.ndarray:
    return np.modf(np.asarray(x, dtype=np.float64) * a)[0]


@dataclass
class NetView:
    """What the network picture shows (positions, styles, edges) and what it left out."""

    step: int
    pos: dict[int, tuple[float, float]] = field(default_factory=dict)
    style: dict[int, str] = field(default_factory=dict)
    size: dict[int, float] = field(default_factory=dict)
    edges: dict[str, list[tuple[int, int, bool]]] = field(default_factory=dict)
    startups_operating: int = 0
    startups_shown: int = 0
    startups_recent_exits: int = 0
    startups_hidden_history: int = 0
    edges_total: int = 0
    edges_shown: int = 0
    n_sectors: int = 1
    fund_arcs: list[tuple[str, float, float, int]] = field(default_factory=list)
    """(fund kind, start angle, end angle, number of funds) of each fund arc."""
    groups: list[tuple[int, int, float, float]] = field(default_factory=list)
    """(business group, sector, start angle, end angle) of each run of a group's incumbents."""

    def caption(self) -> str:
        parts = [f"{self.startups_shown:,} of {self.startups_operating:,} operating startups shown"]
        if self.startups_shown < self.startups_operating:
            parts[0] += " (the largest by headcount)"
        if self.startups_recent_exits:
            parts.append(f"{self.startups_recent_exits:,} recent exits/failures in grey")
        if self.startups_hidden_history:
            parts.append(f"{self.startups_hidden_history:,} older exited/failed startups hidden")
        parts.append(f"{self.edges_shown:,} of {self.edges_total:,} ties drawn")
        if self.groups:
            parts.append(f"{len({g for g, *_ in self.groups})} business groups (arcs on the "
                         "rim)")
        return "; ".join(parts) + "."


def snapshot(model, max_startups: int = 1500, recent: int = 8, recent_edges: int = 2) -> NetView:
    """Choose the nodes and edges to draw and place them (see the module docstring)."""
    st, inc = model.st, model.inc
    n = st.n
    now = int(model.steps)
    k = max(1, int(model.n_sectors))
    view = NetView(step=now, n_sectors=k)
    wedge = 2 * np.pi / k

    # -- startups ----------------------------------------------------------------------------
    status = st.status[:n]
    operating = np.flatnonzero((status == C.ACTIVE) | ((status == C.PUBLIC) & ~st.graduated[:n]))
    view.startups_operating = int(operating.size)
    if operating.size > max_startups:
        order = np.argsort(-st.headcount[operating], kind="stable")
        operating = np.sort(operating[order[:max_startups]])
    exited = np.flatnonzero((status != C.ACTIVE) & (status != C.PUBLIC)
                            & (st.exit_step[:n] >= now - recent) & (st.exit_step[:n] >= 0))
    if exited.size > max_startups // 3:
        exited = exited[np.argsort(-st.exit_step[exited], kind="stable")[: max_startups // 3]]
    view.startups_shown = int(operating.size)
    view.startups_recent_exits = int(exited.size)
    view.startups_hidden_history = int(n - view.startups_operating - exited.size
                                       - np.count_nonzero(st.graduated[:n]))
    rows = np.concatenate([operating, exited])
    uids = st.uid[rows]
    theta = (st.sector[rows] % k) * wedge + (0.08 + 0.84 * _frac(uids, _PHI)) * wedge
    stage = st.stage[rows].astype(np.float64) / max(1, C.GROWTH)
    r = 0.55 + 0.30 * stage + 0.07 * _frac(uids, _PSI)
    heads = np.maximum(st.headcount[rows], 1).astype(np.float64)
    for i, uid in enumerate(uids.tolist()):
        view.pos[uid] = (float(r[i] * np.cos(theta[i])), float(r[i] * np.sin(theta[i])))
        view.style[uid] = "startup" if i < operating.size else "startup_exited"
        view.size[uid] = float(heads[i])

    # -- incumbents: outer rim of their sector's wedge, ordered by business group ---------
    alive = np.flatnonzero(inc.view("alive"))
    draw_groups = float(getattr(model.p, "group_cohesion", 0.0)) > 0
    for sector in range(k):
        members = alive[inc.sector[alive] % k == sector]
        members = members[np.lexsort((inc.uid[members], inc.group[members]))]
        run_start = 0
        for j, row in enumerate(members):
            t = sector * wedge + (j + 0.5) / len(members) * wedge
            uid = int(inc.uid[row])
            view.pos[uid] = (1.05 * float(np.cos(t)), 1.05 * float(np.sin(t)))
            view.style[uid] = "incumbent"
            view.size[uid] = float(max(inc.headcount[row], 1))
            last = j + 1 == len(members) or inc.group[members[j + 1]] != inc.group[row]
            if draw_groups and last:
                t0 = sector * wedge + run_start / len(members) * wedge
                t1 = sector * wedge + (j + 1) / len(members) * wedge
                view.groups.append((int(inc.group[row]), sector, t0, t1))
                run_start = j + 1

    # -- funds: one arc per kind, length by count, up to three rows ---------------------------
    ties = model.net.edges()  # (a, b, kind code, step) of every tie, read once
    tied = _neighbours_any(model, view, ties)
    funds = [f for f in model.funds if f.investing() or f.unique_id in tied]
    by_kind = {kind: sorted((f for f in funds if f.kind == kind), key=lambda f: f.unique_id)
               for kind in FUND_KINDS}
    present = [kd for kd in FUND_KINDS if by_kind[kd]]
    total = sum(len(by_kind[kd]) for kd in present)
    gap = 0.06  # radians between arcs
    usable = 2 * np.pi - gap * len(present)
    # length by count, but every present kind gets at least a twelfth, so a few stay visible
    raw = [max(1 / 12, len(by_kind[kd]) / total) for kd in present]
    spans = [usable * x / sum(raw) for x in raw]
    start = np.pi / 2  # from the top, counter-clockwise
    for kind, span in zip(present, spans):
        members = by_kind[kind]
        rows = 1 if len(members) <= 40 else 2 if len(members) <= 120 else 3
        per_row = int(np.ceil(len(members) / rows))
        for j, f in enumerate(members):
            row, col = divmod(j, per_row)
            t = start + (col + 0.5) / per_row * span
            rr = 0.33 + 0.05 * row
            view.pos[f.unique_id] = (rr * float(np.cos(t)), rr * float(np.sin(t)))
            view.style[f.unique_id] = f"fund_{kind}"
            view.size[f.unique_id] = float(max(f.size, 1.0))
        view.fund_arcs.append((kind, start, start + span, len(members)))
        start += span + gap
    for j, uni in enumerate(model.universities):
        t = 2 * np.pi * (j + 0.5) / max(1, len(model.universities))
        view.pos[uni.unique_id] = (0.17 * float(np.cos(t)), 0.17 * float(np.sin(t)))
        view.style[uni.unique_id] = "university"
        view.size[uni.unique_id] = 0.0
    view.pos[model.ministry.unique_id] = (0.0, 0.0)
    view.style[model.ministry.unique_id] = "ministry"
    view.size[model.ministry.unique_id] = 0.0

    # -- edges between shown nodes -----------------------------------------------------------
    pos = view.pos
    edges: dict[str, list[tuple[int, int, bool]]] = {}
    total = 0
    for a, b, code, step in zip(*(x.tolist() for x in ties)):
        total += 1
        if a in pos and b in pos:
            edges.setdefault(EDGE_KINDS[code], []).append((a, b, step > now - recent_edges))
    view.edges = edges
    view.edges_total = total
    view.edges_shown = sum(len(v) for v in edges.values())
    return view


def _neighbours_any(model, view: NetView, ties: tuple[np.ndarray, ...]) -> set[int]:
    """Funds tied to a shown startup (so a closed fund's portfolio is still visible)."""
    out: set[int] = set()
    net = model.net
    shown = [uid for uid, style in view.style.items()
             if style.startswith("startup") and uid in net]
    if shown:
        a, b = ties[0], ties[1]
        mask_a, mask_b = np.isin(a, shown), np.isin(b, shown)
        out.update(b[mask_a].tolist())
        out.update(a[mask_b].tolist())
    return out


def _marker_area(style: str, size: float) -> float:
    if style == "startup_exited":
        return 14.0
    if style == "startup":
        return 4.0 + 2.2 * np.sqrt(size)          # headcount 100 -> ~26
    if style == "incumbent":
        return 20.0 + 0.35 * np.sqrt(size)        # headcount 50,000 -> ~100
    if style.startswith("fund"):
        return 12.0 + 1.5 * np.sqrt(size)         # fund size in M: 400 M -> ~42
    if style == "university":
        return 60.0
    return 220.0


def draw(view: NetView, title: str = "", figsize: tuple[float, float] = (7.0, 7.0),
         dpi: int = 80) -> Figure:
    """A matplotlib figure of the network (no pyplot state: safe in server threads)."""
    fig = Figure(figsize=figsize, dpi=dpi, layout=None)
    # the wheel on top, its legends in a band of their own below it (never over a node)
    ax = fig.add_axes((0.0, LEGEND_BAND + 0.02, 1.0, 0.95 - LEGEND_BAND - 0.02))
    ax.set_aspect("equal")
    ax.set_axis_off()
    ax.set_xlim(-1.32, 1.32)
    ax.set_ylim(-1.3, 1.3)
    pos = view.pos
    # sector wedges
    k = view.n_sectors
    for s in range(k):
        t = (s + 0.5) * 2 * np.pi / k
        ax.text(1.25 * np.cos(t), 1.25 * np.sin(t), f"sector {s + 1}", ha="center",
                va="center", fontsize=8, color="#555555")
        t0 = s * 2 * np.pi / k
        ax.plot([0.5 * np.cos(t0), 1.12 * np.cos(t0)], [0.5 * np.sin(t0), 1.12 * np.sin(t0)],
                color="#eeeeee", lw=0.8, zorder=0)
    # edges: old ones faint, recent ones strong; the many money ties lighter than the rest
    order = [k for k in _EDGE_ORDER if k in view.edges] + [
        k for k in view.edges if k not in _EDGE_ORDER]
    for kind in order:
        items = view.edges[kind]
        colour = EDGE_STYLE.get(kind, (kind, "#999999"))[1]
        strong = 0.3 if kind in ("investment", "grant") else 0.85
        old = [(pos[a], pos[b]) for a, b, rec in items if not rec]
        new = [(pos[a], pos[b]) for a, b, rec in items if rec]
        if old:
            ax.add_collection(LineCollection(old, colors=colour, linewidths=0.3,
                                             alpha=strong / 8, zorder=1))
        if new:
            ax.add_collection(LineCollection(new, colors=colour, linewidths=1.0, alpha=strong,
                                             zorder=2))
    # business groups: an arc outside the rim under each run of a group's incumbents
    for g, _sector, t0, t1 in view.groups:
        colour = palette.cycle(g)
        ts = np.linspace(t0 + 0.01, t1 - 0.01, 12)
        ax.plot(1.11 * np.cos(ts), 1.11 * np.sin(ts), color=colour, lw=3, alpha=0.8,
                solid_capstyle="butt", zorder=2)
        if t1 - t0 > 0.12:
            tm = (t0 + t1) / 2
            ax.text(1.155 * np.cos(tm), 1.155 * np.sin(tm), f"G{g + 1}", fontsize=7,
                    ha="center", va="center", color=colour, zorder=5)
    # fund arcs: a thin guide and the kind's name with its count
    for kind, t0, t1, count in view.fund_arcs:
        ts = np.linspace(t0, t1, 30)
        ax.plot(0.285 * np.cos(ts), 0.285 * np.sin(ts), color=palette.AGENT[f"fund_{kind}"],
                lw=1.2, alpha=0.7, zorder=1)
    # nodes by style
    for style, (label, colour, marker) in NODE_STYLE.items():
        uids = [u for u, s in view.style.items() if s == style]
        if not uids:
            continue
        xy = np.array([pos[u] for u in uids])
        area = np.array([_marker_area(style, view.size[u]) for u in uids])
        ax.scatter(xy[:, 0], xy[:, 1], s=area, c=colour, marker=marker,
                   alpha=0.7 if style == "startup_exited" else 0.9,
                   linewidths=0.8 if marker == "x" else 0.3,
                   edgecolors=None if marker == "x" else "white",
                   zorder=3 if style.startswith("startup") else 4)
    counts = {kind: count for kind, _, _, count in view.fund_arcs}
    node_handles = []
    for key, (lab, c, m) in NODE_STYLE.items():
        if key not in set(view.style.values()):
            continue
        if key.startswith("fund_"):
            lab = f"{lab} ({counts.get(key[5:], 0):,})"
        node_handles.append(Line2D([], [], marker=m, color="none", markerfacecolor=c,
                                   markeredgecolor=c, markersize=8, label=lab))
    if view.groups:
        node_handles.append(Line2D([], [], color=palette.cycle(0), lw=3,
                                   label="business group (arc on the rim)"))
    edge_handles = [Line2D([], [], color=c, lw=2.5, label=lab)
                    for key, (lab, c) in EDGE_STYLE.items() if key in view.edges]
    lax = fig.add_axes((0.0, 0.045, 1.0, LEGEND_BAND - 0.03))
    lax.set_axis_off()
    if node_handles:
        leg = lax.legend(handles=node_handles, loc="upper left", fontsize=LEGEND_FONT,
                         frameon=False, title="agents (area ~ size)", ncols=2,
                         title_fontsize=LEGEND_FONT, bbox_to_anchor=(0.0, 1.0),
                         borderaxespad=0.2, columnspacing=0.8, handletextpad=0.3)
        lax.add_artist(leg)
    if edge_handles:
        lax.legend(handles=edge_handles, loc="upper right", fontsize=LEGEND_FONT,
                   frameon=False, title="ties (bold: recent)", title_fontsize=LEGEND_FONT,
                   bbox_to_anchor=(1.0, 1.0), borderaxespad=0.2, handletextpad=0.3)
    if title:
        ax.set_title(title, fontsize=11, y=1.0)
    return fig
