"""The ecosystem network held as compact arrays, with networkx built on demand.

Every tie the model forms (an investment, a partnership, an acquisition...) is an edge between
two agents that are *nodes*: the ministry, incumbents, universities, funds and startups
(founders are not nodes). A networkx ``MultiGraph`` costs about 500 bytes per edge (adjacency
dicts and a data dict per edge); at ``scale`` 100 the ecosystem has millions of edges, so the
model keeps them here instead, about 21 bytes per edge:

* nodes are indexed by Mesa ``unique_id``: a kind code, the step they joined and whether they
  are still in the network (an exited startup or a displaced incumbent leaves it, taking its
  edges with it, as ``MultiGraph.remove_node`` would);
* edges are appended in the order they form: both ends, the type, the step, and for the rare
  types that carry more (acquisition price and mode, people moved) a small dict.

The semantics are those of the ``MultiGraph`` the model used to hold, edge key = edge type:
re-forming an existing tie of the same type between the same pair updates its step (one edge,
latest data); ties are undirected; an edge touching a node that has left is gone.
:meth:`Network.to_networkx` rebuilds exactly that graph (same node order, same adjacency
order, same data) for the app, the reports and the tests; the summary metrics are computed
from the arrays directly (:meth:`Network.giant_component_size`,
:meth:`Network.average_clustering`, :meth:`Network.approximate_clustering`) and equal what
networkx returns on the rebuilt graph, to the last bit.
"""

from __future__ import annotations

import random
from array import array
from typing import Any, Iterator

import networkx as nx
import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

EDGE_KINDS: tuple[str, ...] = ("partnership", "investment", "acquisition", "spinoff",
                               "employment", "joint_research", "grant")
"""Edge types (the networkx edge key)."""

NODE_KINDS: tuple[str, ...] = ("ministry", "incumbent", "university", "fund", "startup")
"""Node types (the networkx node attribute ``kind``)."""

_EDGE_CODE = {k: i for i, k in enumerate(EDGE_KINDS)}
_NODE_CODE = {k: i + 1 for i, k in enumerate(NODE_KINDS)}  # 0: not a node


class Network:
    """Typed, undirected ties between agents, as append-only arrays (see the module text)."""

    def __init__(self) -> None:
        self._kind = bytearray()          # node kind code by uid; 0 = never a node
        self._alive = bytearray()         # 1 while the node is in the network
        self._since = array("i")          # step the node joined
        self.node_attrs: dict[int, dict[str, Any]] = {}
        """Extra attributes of some nodes (``fund_kind`` of funds), by uid."""
        self._a = array("i")            # int32: uids stay below 2**31 (checked in add_node)
        self._b = array("i")
        self._k = array("b")
        self._t = array("i")
        self.edge_attrs: dict[int, dict[str, Any]] = {}
        """Extra data of rare edges (acquisition ``price``/``mode``, ``people``), by index."""
        self.n_nodes = 0
        self.version = 0
        """Bumped by every change (for caches of derived views)."""
        self._nx: tuple[int, nx.MultiGraph] | None = None

    # -- building ----------------------------------------------------------------------------
    def add_node(self, uid: int, kind: str, since: int, **attrs: Any) -> None:
        """Add agent ``uid`` as a node of type ``kind`` (one of :data:`NODE_KINDS`)."""
        if kind not in _NODE_CODE:
            raise ValueError(f"node kind must be one of {NODE_KINDS}, got {kind!r}")
        if not 0 <= uid < 2**31:
            raise ValueError(f"node id must be in [0, 2**31), got {uid}")
        if uid >= len(self._kind):
            grow = max(uid + 1 - len(self._kind), len(self._kind), 1024)
            self._kind.extend(bytes(grow))
            self._alive.extend(bytes(grow))
            self._since.extend(array("i", bytes(4 * grow)))
        if not self._alive[uid]:
            self.n_nodes += 1
        self._kind[uid] = _NODE_CODE[kind]
        self._alive[uid] = 1
        self._since[uid] = since
        if attrs:
            self.node_attrs[uid] = attrs
        self.version += 1

    def add_nodes(self, uids: list[int], kind: str, since: int) -> None:
        """:meth:`add_node` of each of ``uids`` in turn (no attributes)."""
        if kind not in _NODE_CODE:
            raise ValueError(f"node kind must be one of {NODE_KINDS}, got {kind!r}")
        code, kinds, alive, when = _NODE_CODE[kind], self._kind, self._alive, self._since
        for uid in uids:
            if not 0 <= uid < 2**31:
                raise ValueError(f"node id must be in [0, 2**31), got {uid}")
            if uid >= len(kinds):
                grow = max(uid + 1 - len(kinds), len(kinds), 1024)
                kinds.extend(bytes(grow))
                alive.extend(bytes(grow))
                when.extend(array("i", bytes(4 * grow)))
            if not alive[uid]:
                self.n_nodes += 1
            kinds[uid] = code
            alive[uid] = 1
            when[uid] = since
        self.version += len(uids)

    def has_node(self, uid: int) -> bool:
        return 0 <= uid < len(self._alive) and self._alive[uid] == 1

    __contains__ = has_node

    def remove_node(self, uid: int) -> None:
        """The node leaves the network with all its edges (a no-op if it is not in it)."""
        if self.has_node(uid):
            self._alive[uid] = 0
            self.n_nodes -= 1
            self.version += 1

    def remove_nodes(self, uids: list[int]) -> None:
        """:meth:`remove_node` of each of ``uids`` in turn."""
        alive = self._alive
        n = len(alive)
        for uid in uids:
            if 0 <= uid < n and alive[uid] == 1:
                alive[uid] = 0
                self.n_nodes -= 1
                self.version += 1

    def add_edge(self, a: int, b: int, kind: str, step: int, **attrs: Any) -> None:
        """Record a tie of type ``kind`` between nodes ``a`` and ``b`` formed at ``step``.

        Both must be in the network (use :meth:`link` to skip silently when one is not)."""
        self._a.append(a)
        self._b.append(b)
        self._k.append(_EDGE_CODE[kind])
        self._t.append(step)
        if attrs:
            self.edge_attrs[len(self._a) - 1] = attrs
        self.version += 1

    def link(self, a: int, b: int, kind: str, step: int, **attrs: Any) -> None:
        """:meth:`add_edge` if both ends are in the network, else nothing."""
        alive = self._alive
        if 0 <= a < len(alive) and alive[a] and 0 <= b < len(alive) and alive[b]:
            self.add_edge(a, b, kind, step, **attrs)

    def link_pairs(self, a: list[int], b: list[int], kind: str, step: int) -> None:
        """:meth:`link` for each pair ``(a[i], b[i])`` in turn (no attributes)."""
        alive, code = self._alive, _EDGE_CODE[kind]
        n = len(alive)
        ea, eb, ek, et = self._a, self._b, self._k, self._t
        added = 0
        for x, y in zip(a, b):
            if 0 <= x < n and alive[x] and 0 <= y < n and alive[y]:
                ea.append(x)
                eb.append(y)
                ek.append(code)
                et.append(step)
                added += 1
        self.version += added

    def carry(self, old: int, new: int) -> None:
        """Give node ``new`` every tie ``old`` has (same type, step and data), in the order
        ``MultiGraph.edges(old)`` lists them: by neighbour in adjacency order, then by type
        in the order it formed. (A graduating startup keeps its ties as an incumbent.)"""
        a = np.frombuffer(self._a, dtype=np.int32)
        b = np.frombuffer(self._b, dtype=np.int32)
        idx = ((a == old) | (b == old)).nonzero()[0]           # one scan, no copies
        alive = np.frombuffer(self._alive, dtype=np.uint8).view(bool)
        a, b = a[idx], b[idx]
        live = alive[a] & alive[b]
        idx, a, b = idx[live], a[live], b[live]
        k = np.frombuffer(self._k, dtype=np.int8)[idx]
        t = np.frombuffer(self._t, dtype=np.int32)[idx]
        del alive
        if idx.size == 0:
            return
        other = np.where(a == old, b, a)
        first_nbr: dict[int, int] = {}
        latest: dict[tuple[int, int], int] = {}
        first_key: dict[tuple[int, int], int] = {}
        for j, (o, kk) in enumerate(zip(other.tolist(), k.tolist())):
            first_nbr.setdefault(o, j)
            first_key.setdefault((o, kk), j)
            latest[(o, kk)] = j
        order = sorted(first_key, key=lambda ok: (first_nbr[ok[0]], first_key[ok]))
        for o, kk in order:
            j = latest[(o, kk)]
            self.add_edge(new, o, EDGE_KINDS[kk], int(t[j]),
                          **self.edge_attrs.get(int(idx[j]), {}))

    # -- reading -----------------------------------------------------------------------------
    @property
    def n_edge_records(self) -> int:
        """Edges ever recorded (including updates and edges of departed nodes)."""
        return len(self._a)

    def alive_nodes(self) -> np.ndarray:
        """Uids of the nodes in the network, in node order (= creation order = uid order)."""
        return np.frombuffer(self._alive, dtype=np.uint8).nonzero()[0]

    def node_kind_counts(self) -> dict[str, int]:
        alive = np.frombuffer(self._alive, dtype=np.uint8).astype(bool)
        codes = np.frombuffer(self._kind, dtype=np.uint8)[alive]
        counts = np.bincount(codes, minlength=len(NODE_KINDS) + 1)
        return {kind: int(counts[i + 1]) for i, kind in enumerate(NODE_KINDS)}

    def _live_edges(self) -> tuple[np.ndarray, ...]:
        """``(a, b, kind, step, index)`` of every edge record whose ends are both in the
        network, in the order recorded (updates of a tie included)."""
        a = np.frombuffer(self._a, dtype=np.int32)   # views: nothing is appended meanwhile
        b = np.frombuffer(self._b, dtype=np.int32)
        alive = np.frombuffer(self._alive, dtype=np.uint8).view(bool)
        keep = (alive[a] & alive[b]).nonzero()[0] if a.size else np.zeros(0, dtype=np.int64)
        return (a[keep], b[keep], np.frombuffer(self._k, dtype=np.int8)[keep],
                np.frombuffer(self._t, dtype=np.int32)[keep], keep)

    def edges(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The ties now in the network, one per (pair, type) with its latest step:
        arrays ``(a, b, kind code, step)`` in the order the ties first formed (kind code
        indexes :data:`EDGE_KINDS`)."""
        a, b, k, t, _ = self._live_edges()
        if a.size == 0:
            return a, b, k, t
        lo, hi = np.minimum(a, b), np.maximum(a, b)
        order = np.lexsort((np.arange(a.size), k, hi, lo))
        lo_s, hi_s, k_s = lo[order], hi[order], k[order]
        start = np.ones(a.size, dtype=bool)
        start[1:] = (lo_s[1:] != lo_s[:-1]) | (hi_s[1:] != hi_s[:-1]) | (k_s[1:] != k_s[:-1])
        first = order[start]                                   # first record of each tie
        last = order[np.append(start[1:], True)]               # latest record of each tie
        chron = np.argsort(first, kind="stable")
        first, last = first[chron], last[chron]
        return a[first], b[first], k[first], t[last]

    def number_of_edges(self, kind: str | None = None) -> int:
        """Ties now in the network (one per pair and type), of type ``kind`` if given."""
        a, b, k, _, _ = self._live_edges()
        pair = (np.minimum(a, b).astype(np.int64) << 32) | np.maximum(a, b)
        codes = range(len(EDGE_KINDS)) if kind is None else [_EDGE_CODE[kind]]
        return sum(int(np.unique(pair[k == c]).size) for c in codes)

    def iter_edges(self) -> Iterator[tuple[int, int, str, int]]:
        """``(a, b, kind, step)`` of every tie now in the network (see :meth:`edges`)."""
        a, b, k, t = self.edges()
        for x, y, kk, s in zip(a.tolist(), b.tolist(), k.tolist(), t.tolist()):
            yield x, y, EDGE_KINDS[kk], s

    def to_networkx(self) -> nx.MultiGraph:
        """The network as the networkx ``MultiGraph`` the model used to hold (node attributes
        ``kind``, ``since`` and extras; edge key = type; edge data ``step`` and extras).
        Cached until the network changes; build it only for small models or on demand."""
        if self._nx is not None and self._nx[0] == self.version:
            return self._nx[1]
        g = nx.MultiGraph()
        kind = self._kind
        for uid in self.alive_nodes().tolist():
            g.add_node(uid, kind=NODE_KINDS[kind[uid] - 1], since=self._since[uid],
                       **self.node_attrs.get(uid, {}))
        a, b, k, t, idx = self._live_edges()
        attrs = self.edge_attrs
        for x, y, kk, s, e in zip(a.tolist(), b.tolist(), k.tolist(), t.tolist(), idx.tolist()):
            g.add_edge(x, y, key=EDGE_KINDS[kk], step=s, **attrs.get(e, {}))
        self._nx = (self.version, g)
        return g

    # -- metrics -----------------------------------------------------------------------------
    def giant_component_size(self) -> int:
        """Nodes in the largest connected component (isolated nodes are components)."""
        nodes = self.alive_nodes()
        if nodes.size == 0:
            return 0
        a, b, _, _, _ = self._live_edges()
        ia, ib = np.searchsorted(nodes, a), np.searchsorted(nodes, b)
        adj = coo_matrix((np.ones(ia.size, dtype=np.int8), (ia, ib)),
                         shape=(nodes.size, nodes.size))
        _, labels = connected_components(adj, directed=False)
        return int(np.bincount(labels).max())

    def simple_edges(self) -> tuple[np.ndarray, np.ndarray, int]:
        """The simple graph ``nx.Graph(g)`` of the rebuilt graph ``g`` minus its self-loops, as
        positions in node order (:meth:`alive_nodes`): arrays ``(lo, hi)`` with ``lo < hi``,
        one pair per linked pair of nodes (sorted), and the number of nodes."""
        nodes = self.alive_nodes()
        n = nodes.size
        a, b, _, _, _ = self._live_edges()
        loop = a == b
        if loop.any():
            a, b = a[~loop], b[~loop]
        ia = np.searchsorted(nodes, a).astype(np.int64)
        ib = np.searchsorted(nodes, b).astype(np.int64)
        pair = np.unique(np.minimum(ia, ib) * n + np.maximum(ia, ib))
        return pair // n, pair % n, n

    def triangles_and_degrees(self) -> tuple[np.ndarray, np.ndarray]:
        """Per node, in node order: ``(t, d)`` with ``t`` twice the triangles through the node
        and ``d`` its number of distinct neighbours (self-loops and repeated ties ignored), as
        networkx's ``_triangles_and_degree_iter`` counts them on ``nx.Graph(g)``.

        Each triangle is found once, from its lowest-ranked corner, ranking nodes by degree
        (then position): every tie points from the lower-ranked end to the higher one, and a
        node's out-neighbours number at most about the square root of twice the ties, so the
        pairs of out-ties of a node (the wedges checked for a closing tie) stay few even
        around hubs with thousands of ties (a fund, the ministry).
        """
        lo, hi, n = self.simple_edges()
        deg = (np.bincount(lo, minlength=n) + np.bincount(hi, minlength=n)).astype(np.int64)
        if lo.size < 3:
            return np.zeros(n, dtype=np.int64), deg
        rank = np.empty(n, dtype=np.int64)
        rank[np.lexsort((np.arange(n), deg))] = np.arange(n)
        up = rank[lo] < rank[hi]
        u, v = np.where(up, lo, hi), np.where(up, hi, lo)       # tie u -> v, rank u < rank v
        order = np.lexsort((v, u))
        u, v = u[order], v[order]
        key = u * n + v                                          # sorted
        out = np.bincount(u, minlength=n)
        first = np.cumsum(out) - out                             # u's first out-tie
        later = out[u] - (np.arange(u.size) - first[u]) - 1      # out-ties of u after this one
        e1 = np.repeat(np.arange(u.size), later)                 # wedges (e1, e2), e1 < e2
        e2 = e1 + 1 + (np.arange(e1.size) - np.repeat(np.cumsum(later) - later, later))
        x, y = v[e1], v[e2]                                      # does x - y close it?
        closed = np.zeros(e1.size, dtype=bool)
        for k in (x * n + y, y * n + x):
            j = np.minimum(np.searchsorted(key, k), key.size - 1)
            closed |= key[j] == k
        tri = (np.bincount(u[e1[closed]], minlength=n) + np.bincount(x[closed], minlength=n)
               + np.bincount(y[closed], minlength=n))
        return 2 * tri.astype(np.int64), deg

    def average_clustering(self) -> float:
        """``networkx.average_clustering(nx.Graph(g))`` of the rebuilt graph ``g``, computed
        from the arrays: the same float to the last bit.

        networkx computes each node's coefficient as ``t / (d * (d - 1))`` (0 when ``t`` is 0;
        :meth:`triangles_and_degrees`) and returns ``sum`` of them in node order over the
        number of nodes. The counts here are the same integers; the division of two integers
        below 2**53 is the correctly rounded quotient whether Python or numpy does it; and the
        sum is Python's own ``sum`` over the same values in the same order. 0.0 for a network
        without nodes (networkx divides by zero there).
        """
        t, d = self.triangles_and_degrees()
        if d.size == 0:
            return 0.0
        c = np.zeros(d.size)
        nz = (t > 0).nonzero()[0]
        df = d[nz].astype(np.float64)
        c[nz] = t[nz].astype(np.float64) / (df * (df - 1.0))
        return sum(c.tolist()) / d.size

    def approximate_clustering(self, trials: int, seed: int) -> float:
        """``networkx.approximation.average_clustering(nx.Graph(g), trials, seed)`` of the
        rebuilt graph ``g``, computed from the arrays.

        The estimator (Schank & Wagner 2004) samples ``trials`` nodes, two random neighbours
        of each, and counts how often those are linked. To return exactly what networkx
        returns, it draws from the same ``random.Random(seed)`` and lists each sampled node's
        neighbours in the order the simple-graph copy holds them: neighbours earlier in node
        order first (in node order), then later ones in the order their first tie formed.
        """
        rnd = random.Random(seed)
        nodes = self.alive_nodes()
        n = nodes.size
        a, b, _, _, idx = self._live_edges()
        loop = a != b
        src = np.concatenate([a[loop], b[loop]])
        dst = np.concatenate([b[loop], a[loop]])
        first = np.concatenate([idx[loop], idx[loop]])
        order = np.lexsort((first, dst, src))
        src, dst, first = src[order], dst[order], first[order]
        uniq = np.ones(src.size, dtype=bool)
        uniq[1:] = (src[1:] != src[:-1]) | (dst[1:] != dst[:-1])
        src, dst, first = src[uniq], dst[uniq], first[uniq]   # neighbour pairs, first tie
        starts = np.searchsorted(src, nodes, side="left")
        ends = np.searchsorted(src, nodes, side="right")
        triangles = 0
        for i in [int(rnd.random() * n) for _ in range(trials)]:
            x = int(nodes[i])
            lo, hi = starts[i], ends[i]
            if hi - lo < 2:
                continue
            nb, fi = dst[lo:hi], first[lo:hi]
            later = nb > x
            nbrs = nb[~later].tolist() + nb[later][np.argsort(fi[later], kind="stable")].tolist()
            u, v = rnd.sample(nbrs, 2)
            j = int(np.searchsorted(nodes, v))
            row = dst[starts[j]:ends[j]]
            k = np.searchsorted(row, u)
            if k < row.size and row[k] == u:
                triangles += 1
        return triangles / trials
