"""The array-backed ecosystem network (abm.network) and column records (abm.tables.Records).

The network must behave exactly like the networkx MultiGraph the model used to hold (edge key
= tie type): the reference below replays the same operations on a real MultiGraph, and every
reading (rebuilt graph, giant component, clustering estimate, edge counts) must agree.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as hs

from abm.network import EDGE_KINDS, Network
from abm.tables import Records


def _replay(ops) -> tuple[Network, nx.MultiGraph]:
    """Apply ``ops`` to a Network and, the way the model used to, to a MultiGraph."""
    net, g = Network(), nx.MultiGraph()
    uid = 0
    for op in ops:
        kind = op[0]
        if kind == "node":
            uid += 1
            net.add_node(uid, op[1], since=op[2])
            g.add_node(uid, kind=op[1], since=op[2])
        elif kind == "edge" and uid >= 2:
            a, b = 1 + op[1] % uid, 1 + op[2] % uid
            if a == b:
                continue
            attrs = {"price": float(op[4])} if op[3] == "acquisition" else {}
            net.link(a, b, op[3], op[4], **attrs)
            if a in g and b in g:
                g.add_edge(a, b, key=op[3], step=op[4], **attrs)
        elif kind == "remove" and uid:
            a = 1 + op[1] % uid
            net.remove_node(a)
            if a in g:
                g.remove_node(a)
        elif kind == "carry" and uid:
            old = 1 + op[1] % uid
            uid += 1
            net.add_node(uid, "incumbent", since=0)
            g.add_node(uid, kind="incumbent", since=0)
            if net.has_node(old):
                net.carry(old, uid)
                net.remove_node(old)
            if old in g:  # what abm.mechanisms.incumbents.graduate used to do
                for _, other, key, data in list(g.edges(old, keys=True, data=True)):
                    g.add_edge(uid, other, key=key, **data)
                g.remove_node(old)
    return net, g


def _dump(g: nx.MultiGraph):
    return (list(g.nodes(data=True)),
            [(u, [(v, list(kd.items())) for v, kd in g._adj[u].items()]) for u in g])


_OPS = hs.lists(hs.one_of(
    hs.tuples(hs.just("node"), hs.sampled_from(["startup", "fund", "incumbent"]),
              hs.integers(0, 50)),
    hs.tuples(hs.just("edge"), hs.integers(0, 10**6), hs.integers(0, 10**6),
              hs.sampled_from(EDGE_KINDS), hs.integers(0, 100)),
    hs.tuples(hs.just("remove"), hs.integers(0, 10**6)),
    hs.tuples(hs.just("carry"), hs.integers(0, 10**6)),
), min_size=1, max_size=150)


@settings(max_examples=150, deadline=None)
@given(_OPS)
def test_network_rebuilds_exactly_the_multigraph_the_model_used_to_hold(ops):
    net, g = _replay(ops)
    assert _dump(net.to_networkx()) == _dump(g)
    assert net.n_nodes == g.number_of_nodes()
    assert net.number_of_edges() == g.number_of_edges()
    for kind in EDGE_KINDS:
        assert net.number_of_edges(kind) == sum(1 for *_, k in g.edges(keys=True) if k == kind)
    giant = max((len(c) for c in nx.connected_components(g)), default=0)
    assert net.giant_component_size() == giant
    if g.number_of_nodes():
        expected = nx.approximation.average_clustering(nx.Graph(g), trials=200, seed=3)
        assert net.approximate_clustering(trials=200, seed=3) == expected
        assert net.average_clustering() == nx.average_clustering(nx.Graph(g))  # to the bit
    counts = net.node_kind_counts()
    for kind, n in counts.items():
        assert n == sum(1 for _, k in g.nodes(data="kind") if k == kind)


def test_clustering_estimate_equals_networkx_on_a_larger_random_multigraph():
    rng = np.random.default_rng(5)
    net, g = Network(), nx.MultiGraph()
    for uid in range(1, 801):
        net.add_node(uid, "startup", 0)
        g.add_node(uid, kind="startup", since=0)
    for _ in range(4000):
        a, b = (int(x) for x in rng.integers(1, 801, 2))
        kind = EDGE_KINDS[int(rng.integers(len(EDGE_KINDS)))]
        if a != b:
            net.add_edge(a, b, kind, 1)
            g.add_edge(a, b, key=kind, step=1)
    for uid in rng.choice(np.arange(1, 801), 100, replace=False).tolist():
        net.remove_node(uid)
        g.remove_node(uid)
    expected = nx.approximation.average_clustering(nx.Graph(g), trials=5000, seed=11)
    assert 0 < expected < 1
    assert net.approximate_clustering(trials=5000, seed=11) == expected


def _exact_check(net: Network, g: nx.MultiGraph) -> None:
    """The exact clustering and its integer counts equal networkx's on ``nx.Graph(g)``."""
    simple = nx.Graph(g)
    expected = nx.average_clustering(simple)
    got = net.average_clustering()
    assert type(got) is float and got == expected          # the same float, every bit
    t, d = net.triangles_and_degrees()
    assert d.tolist() == [len(set(simple[v]) - {v}) for v in simple]
    assert (t // 2).tolist() == [nx.triangles(simple, v) for v in simple]


def _built(n_nodes: int, ties: list[tuple[int, int, str]], gone: tuple[int, ...] = ()):
    net, g = Network(), nx.MultiGraph()
    for uid in range(1, n_nodes + 1):
        net.add_node(uid, "startup", 0)
        g.add_node(uid, kind="startup", since=0)
    for a, b, kind in ties:
        net.add_edge(a, b, kind, 1)
        g.add_edge(a, b, key=kind, step=1)
    for uid in gone:
        net.remove_node(uid)
        g.remove_node(uid)
    return net, g


@pytest.mark.parametrize("n_nodes, ties, gone, expected", [
    (3, [(1, 2, "investment"), (2, 3, "investment"), (1, 3, "partnership")], (), 1.0),
    # a star: no triangle anywhere
    (5, [(1, k, "investment") for k in range(2, 6)], (), 0.0),
    # K4: every node in 3 of 3 possible triangles
    (4, [(a, b, "partnership") for a in range(1, 5) for b in range(a + 1, 5)], (), 1.0),
    # a triangle with a tail: 1, 1, 1/3, 0 -> 7/12 (repeated ties and types count once)
    (4, [(1, 2, "investment"), (2, 1, "partnership"), (2, 3, "investment"),
         (3, 1, "grant"), (3, 4, "employment"), (3, 4, "employment")], (), 7 / 12),
    # a self-loop is no neighbour; a departed node takes its ties with it
    (4, [(1, 1, "spinoff"), (1, 2, "investment"), (2, 3, "investment"), (1, 3, "grant"),
         (3, 4, "grant"), (4, 1, "grant")], (4,), 1.0),
    (3, [], (), 0.0),
])
def test_exact_clustering_equals_networkx_on_hand_built_graphs(n_nodes, ties, gone, expected):
    net, g = _built(n_nodes, ties, gone)
    _exact_check(net, g)
    assert net.average_clustering() == pytest.approx(expected, abs=1e-15)


def test_exact_clustering_of_an_empty_network_is_zero():
    assert Network().average_clustering() == 0.0
    net, g = _built(3, [], (1, 2, 3))
    assert net.average_clustering() == 0.0 and g.number_of_nodes() == 0


@settings(max_examples=60, deadline=None)
@given(hs.integers(2, 120), hs.floats(0.0, 0.5), hs.integers(0, 2**32 - 1),
       hs.integers(0, 3))
def test_exact_clustering_equals_networkx_on_random_graphs(n_nodes, density, seed, hubs):
    """Random multigraphs with repeated ties, self-loops, hubs linked to most nodes (as funds
    and the ministry are) and departed nodes: the same integers and the same float."""
    rng = np.random.default_rng(seed)
    m = int(density * n_nodes * (n_nodes - 1) / 2)
    ends = rng.integers(1, n_nodes + 1, size=(m, 2))
    kinds = rng.integers(len(EDGE_KINDS), size=m)
    ties = [(int(a), int(b), EDGE_KINDS[k]) for (a, b), k in zip(ends, kinds)]
    for h in rng.integers(1, n_nodes + 1, size=hubs).tolist():
        ties += [(h, int(b), "grant") for b in rng.permutation(n_nodes)[: n_nodes * 3 // 4] + 1]
    gone = tuple(rng.choice(np.arange(1, n_nodes + 1), n_nodes // 10, replace=False).tolist())
    net, g = _built(n_nodes, ties, gone)
    _exact_check(net, g)


def test_exact_clustering_equals_networkx_on_a_model_network():
    """A model's own network at the end of a run (the summary's case below 5,000 nodes)."""
    from abm.model import EcosystemModel

    model = EcosystemModel("japan", seed=2, scale=0.3)
    model.run(60)
    assert 2 < model.net.n_nodes <= 5000
    _exact_check(model.net, model.graph)
    assert model.summary()["network_clustering"] == nx.average_clustering(nx.Graph(model.graph))


def test_a_tie_formed_again_is_one_edge_with_the_latest_step_and_leaves_with_its_node():
    net = Network()
    for uid, kind in ((1, "fund"), (2, "startup"), (3, "startup")):
        net.add_node(uid, kind, since=0)
    net.link(1, 2, "investment", 4)
    net.link(2, 1, "investment", 9)          # undirected: the same tie, formed again
    net.link(1, 3, "investment", 5)
    net.link(1, 7, "investment", 5)          # 7 is not a node: nothing happens
    assert net.number_of_edges() == 2 and net.n_edge_records == 3
    a, b, k, t = net.edges()
    assert list(zip(a.tolist(), b.tolist(), t.tolist())) == [(1, 2, 9), (1, 3, 5)]
    assert [EDGE_KINDS[c] for c in k.tolist()] == ["investment", "investment"]
    net.remove_node(2)
    assert not net.has_node(2) and 2 not in net and net.n_nodes == 2
    assert list(net.iter_edges()) == [(1, 3, "investment", 5)]
    net.link(1, 2, "investment", 10)         # a departed node takes no new ties
    assert net.number_of_edges() == 1
    assert net.giant_component_size() == 2


def test_network_rejects_unknown_kinds_and_ids_out_of_range():
    net = Network()
    with pytest.raises(ValueError, match="node kind must be one of"):
        net.add_node(1, "founder", 0)
    with pytest.raises(ValueError, match="node id"):
        net.add_node(2**31, "startup", 0)
    net.add_node(1, "startup", 0)
    net.add_node(2, "startup", 0)
    with pytest.raises(KeyError):
        net.add_edge(1, 2, "friendship", 0)


def test_records_hold_rows_as_columns_and_read_back_as_python_tuples():
    log = Records({"step": np.int32, "stage": np.int8, "amount": np.float64,
                   "corporate": np.bool_}, capacity=2)
    rows = [(t, t % 5, 0.5 * t, t % 2 == 0) for t in range(40)]   # grows past capacity
    for r in rows:
        log.append(r)
    assert len(log) == 40 and list(log) == rows and log[-1] == rows[-1] and log[3] == rows[3]
    assert type(log[0][3]) is bool and type(log[0][0]) is int
    assert (1, 1, 0.5, False) in log
    np.testing.assert_array_equal(log.to_array(), np.array(rows, dtype=float))
    np.testing.assert_array_equal(log.column("amount"), 0.5 * np.arange(40))
    with pytest.raises(IndexError):
        log[40]
    with pytest.raises(ValueError):
        log.append((1, 2, 3.0))              # a field missing
    assert Records({"x": np.float64}).to_array().shape == (0, 1)


@given(hs.lists(hs.tuples(hs.integers(-2**31, 2**31 - 1), hs.integers(-128, 127),
                          hs.floats(allow_nan=False), hs.booleans()), max_size=300),
       hs.lists(hs.integers(0, 299), max_size=5))
@settings(max_examples=60, deadline=None)
def test_records_batched_writes_equal_one_write_per_field(rows, reads):
    """Records holds appended records as tuples until BATCH of them and then writes each
    field in one assignment: whatever the interleaving of appends and reads, every read sees
    exactly what element-wise writes of the same values give."""
    spec = {"step": np.int32, "stage": np.int8, "amount": np.float64, "corporate": np.bool_}
    log = Records(spec, capacity=2)
    cols = {k: np.zeros(len(rows), dtype=d) for k, d in spec.items()}
    for i, r in enumerate(rows):
        log.append(r)
        for (k, _), v in zip(spec.items(), r):
            cols[k][i] = v
        if i in reads:  # a read in the middle writes what is pending first
            assert len(log) == i + 1 and log[-1] == tuple(c[i].item() for c in cols.values())
    assert len(log) == len(rows)
    for k in spec:
        np.testing.assert_array_equal(log.column(k), cols[k])
        assert log.column(k).dtype == cols[k].dtype
    assert list(log) == [tuple(c[i].item() for c in cols.values()) for i in range(len(rows))]
