"""Shapley attribution over component swaps (experiments/attribution.py, issue 29 item 5).

The Shapley values are checked on toy games whose values are known analytically (additive,
a pairwise and a three-way interaction), for efficiency, symmetry and the null player as
properties over random games, and through the runner on a tiny full-factorial swap design."""

from __future__ import annotations

import itertools
import json
import math
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from abm.experiments import attribution as A
from abm.experiments.spec import SpecError, load_spec, shipped_spec_path

ROOT = Path(__file__).resolve().parent.parent
PLAYERS = ["finance", "labor", "ties", "industry", "norms", "support"]


def _game(a: dict[str, float], pairs: dict[tuple[str, str], float] = {},
          triples: dict[tuple[str, str, str], float] = {}):
    def v(s: frozenset) -> float:
        return (sum(a[p] for p in s) + sum(b for k, b in pairs.items() if set(k) <= s)
                + sum(c for k, c in triples.items() if set(k) <= s))
    return v


def test_additive_game_gives_each_player_its_own_effect():
    a = dict(zip(PLAYERS, [0.5, -0.2, 0.0, 1.5, 0.25, -1.0]))
    phi = A.shapley_values(_game(a), PLAYERS)
    assert phi == pytest.approx(a)


def test_an_interaction_is_shared_equally_by_the_players_in_it():
    a = dict(zip(PLAYERS, [1.0, 2.0, 0.0, 0.0, 0.5, 0.0]))
    v = _game(a, pairs={("finance", "labor"): 0.6}, triples={("ties", "norms", "support"): 0.9})
    phi = A.shapley_values(v, PLAYERS)
    want = {"finance": 1.0 + 0.3, "labor": 2.0 + 0.3, "ties": 0.3, "industry": 0.0,
            "norms": 0.5 + 0.3, "support": 0.3}
    assert phi == pytest.approx(want)
    assert sum(phi.values()) == pytest.approx(v(frozenset(PLAYERS)) - v(frozenset()))


def test_the_mapping_form_and_the_matrix_form_agree():
    rng = np.random.default_rng(1)
    vals = rng.normal(size=8)
    players = ["x", "y", "z"]
    table = {frozenset(p for i, p in enumerate(players) if m >> i & 1): vals[m]
             for m in range(8)}
    phi = A.shapley_values(table, players)
    assert list(phi.values()) == pytest.approx(A.shapley_matrix(vals, 3).tolist())
    # two players: phi_x = (v(x) - v() + v(xy) - v(y)) / 2
    two = A.shapley_matrix(np.array([0.0, 1.0, 3.0, 10.0]), 2)
    assert two.tolist() == pytest.approx([(1 - 0 + 10 - 3) / 2, (3 - 0 + 10 - 1) / 2])


def test_weights_sum_to_one_over_coalitions():
    for n in range(1, 8):
        w = A.shapley_weights(n)
        assert sum(math.comb(n - 1, s) * w[s] for s in range(n)) == pytest.approx(1.0)


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 6), seed=st.integers(0, 2**32 - 1))
def test_efficiency_symmetry_and_null_player_hold_for_random_games(n, seed):
    rng = np.random.default_rng(seed)
    v = rng.normal(size=(3, 1 << n))  # three "replicates" at once
    phi = A.shapley_matrix(v, n)
    assert phi.sum(axis=1) == pytest.approx(v[:, -1] - v[:, 0])
    # a null player (adds nothing to any coalition) gets 0
    if n >= 2:
        w = v.copy()
        for m in range(1 << n):
            if m & 1:
                w[:, m] = w[:, m & ~1]
        assert A.shapley_matrix(w, n)[:, 0] == pytest.approx(np.zeros(3), abs=1e-12)
    # symmetric players (the value depends on the coalition's size only) share equally
    sizes = np.array([bin(m).count("1") for m in range(1 << n)])
    f = rng.normal(size=n + 1)
    phi = A.shapley_matrix(f[sizes], n)
    assert phi == pytest.approx(np.full(n, (f[n] - f[0]) / n))


def test_attribute_averages_per_replicate_values_and_its_shares_sum_to_one():
    a = dict(zip(PLAYERS, [1.0, 2.0, 0.0, 0.5, 0.0, 0.5]))
    v = _game(a, pairs={("finance", "labor"): 1.0})
    base = np.array([v(frozenset(p for i, p in enumerate(PLAYERS) if m >> i & 1))
                     for m in range(64)])
    noise = np.random.default_rng(3).normal(0, 0.01, size=(8, 64))
    t = A.attribute(base + noise, PLAYERS, "m")
    comp = t[t["component"] != "gap"].set_index("component")
    assert comp.loc["finance", "phi"] == pytest.approx(1.5, abs=0.05)
    assert comp.loc["labor", "phi"] == pytest.approx(2.5, abs=0.05)
    assert comp["share"].sum() == pytest.approx(1.0)
    gap = t[t["component"] == "gap"].iloc[0]
    assert gap["phi"] == pytest.approx(comp["phi"].sum())
    assert (comp["phi_low"] <= comp["phi"]).all() and (comp["phi"] <= comp["phi_high"]).all()
    assert (comp["share_low"] <= comp["share_high"]).all()
    assert comp.loc["finance", "share_low"] < 1.5 / 5 < comp.loc["finance", "share_high"]
    assert gap["n"] == 8
    # reproducible: the bootstrap is seeded
    assert A.attribute(base + noise, PLAYERS, "m").equals(t)


def _runs(players, value, base="japan", donor="silicon_valley", reps=3, plain_donor=None):
    """A runs table of a full swap design whose metric is value(coalition, replicate)."""
    rows, idx = [], 0
    for k in range(len(players) + 1):
        for combo in itertools.combinations(players, k):
            for r in range(reps):
                rows.append({"scenario_index": idx, "scenario": base, "preset": base,
                             "replicate": r, "steps": 10,
                             "swaps": json.dumps({c: donor for c in combo}),
                             "m": value(frozenset(combo), r)})
            idx += 1
    if plain_donor is not None:
        for r in range(reps):
            rows.append({"scenario_index": idx, "scenario": donor, "preset": donor,
                         "replicate": r, "steps": 10, "swaps": "{}", "m": plain_donor(r)})
    return pd.DataFrame(rows)


def test_attribution_table_from_runs_with_the_full_preset_difference():
    players = ["finance", "labor", "ties"]
    v = _game({"finance": 2.0, "labor": 1.0, "ties": 0.0}, pairs={("finance", "ties"): 1.0})
    runs = _runs(players, lambda s, r: v(s) + 0.1 * r, plain_donor=lambda r: 5.0 + 0.1 * r)
    t = A.attribution_table(runs, "japan", "silicon_valley", players, ["m", "absent"])
    got = t.set_index("component")["phi"]
    assert got["finance"] == pytest.approx(2.5) and got["ties"] == pytest.approx(0.5)
    assert got["gap"] == pytest.approx(4.0)
    assert got["presets"] == pytest.approx(5.0) and got["other groups"] == pytest.approx(1.0)
    words = A.sentences(t)
    assert len(words) == 1 and "62% is finance" in words[0] and "lies outside" in words[0]
    # a gap whose interval includes 0 gets Shapley values, not shares
    flat = _runs(players, lambda s, r: (r - 1.0) * (1.0 if "finance" in s else 0.0))
    words = A.sentences(A.attribution_table(flat, "japan", "silicon_valley", players, ["m"]))
    assert "shares are not defined" in words[0] and "finance 0 [" in words[0]
    zero = _runs(players, lambda s, r: 0.0)
    words = A.sentences(A.attribution_table(zero, "japan", "silicon_valley", players, ["m"]))
    assert "no gap in these runs" in words[0]
    md = A.markdown(t)  # a pipe table (experiments/reports/markdown.py md_table): its cells
    cells = [[c.strip() for c in line.strip("|").split("|")] for line in md.splitlines()
             if line.startswith("| m ")]
    assert ["m", "finance", "2.5 [2.5, 2.5]"] == cells[0][:3] and cells[0][3].startswith("62% [6")
    assert ["m", "presets", "5 [5, 5]", ""] in cells


def test_a_missing_coalition_is_named():
    players = ["finance", "labor"]
    runs = _runs(players, lambda s, r: float(len(s)))
    runs = runs[runs["swaps"] != json.dumps({"finance": "silicon_valley",
                                             "labor": "silicon_valley"})]
    with pytest.raises(A.AttributionError, match="1 of 4 coalitions not run.*finance\\+labor"):
        A.coalition_table(runs, "japan", "silicon_valley", players, "m")


def test_ordering_probabilities_over_seeds_and_variants():
    rows = []
    for variant, shift in (("morris#0", 1.0), ("morris#1", -3.0)):
        for r in range(4):
            rows.append({"preset": "a", "replicate": r, "swaps": "{}",
                         "scenario": f"a|{variant}", "m": shift + r})
            rows.append({"preset": "b", "replicate": r, "swaps": "{}",
                         "scenario": f"b|{variant}", "m": 1.5})
    runs = pd.DataFrame(rows)
    seeds = A.ordering_probabilities(runs[runs["scenario"].str.endswith("#0")], "a", "b", ["m"])
    assert seeds.iloc[0][["n", "p_a_above", "p_b_above", "p_tie"]].tolist() == [4, 0.75, 0.25, 0.0]
    var = A.ordering_probabilities(runs, "a", "b", ["m"], variant=A.structural_variant)
    row = var.iloc[0]
    assert row["n"] == 8 and row["variants"] == 2
    assert row["p_a_above"] == pytest.approx(3 / 8) and row["p_a_above_variants"] == 0.5


def test_the_shipped_attribution_spec_runs_every_coalition_both_ways():
    spec = load_spec(shipped_spec_path("attribution"))
    assert len(spec.scenarios) == 2 * 64
    sets = {(sc.preset, frozenset(sc.swaps)) for sc in spec.scenarios}
    for base in ("japan", "silicon_valley"):
        for k in range(7):
            for combo in itertools.combinations(PLAYERS, k):
                assert (base, frozenset(combo)) in sets
    assert load_spec(shipped_spec_path("component_swap")).swap["max_order"] == 2


def test_max_order_beyond_the_components_is_refused(tmp_path):
    p = tmp_path / "s.toml"
    p.write_text('[experiment]\nname = "x"\nkind = "component_swap"\nreplicates = 1\n'
                 'master_seed = 1\nsteps = 4\n[swap]\ndirections = [["japan", '
                 '"silicon_valley"]]\ncomponents = ["labor", "finance"]\nmax_order = 3\n')
    with pytest.raises(SpecError, match="from 1 to the number of components \\(2\\)"):
        load_spec(p)


@pytest.mark.slow
def test_a_tiny_full_design_through_the_runner_report_and_script(tmp_path):
    from abm.experiments import make_report, run_experiment

    p = tmp_path / "attr.toml"
    p.write_text("""\
[experiment]
name = "attr_small"
kind = "component_swap"
replicates = 2
master_seed = 5
steps = 22
[swap]
directions = [["japan", "silicon_valley"], ["silicon_valley", "japan"]]
components = ["finance", "labor"]
max_order = 2
[overrides]
scale = 0.05
[collect]
timeseries = false
distributions = false
[report]
metrics = ["startups_founded", "innovation_total"]
network_snapshot = false
figures = false
""")
    spec = load_spec(p)
    assert len(spec.scenarios) == 2 * 4
    out = tmp_path / "attr"
    run_experiment(spec, out, workers=1)
    make_report(out, network=False, figures=False)
    text = (out / "report.md").read_text()
    assert "## Attribution of the gap to the components (Shapley values)" in text
    t = pd.read_csv(out / "tables" / "attribution.csv")
    runs = pd.read_parquet(out / "runs.parquet")
    for (base, metric), g in t.groupby(["base", "metric"]):
        comp = g[g["component"].isin(["finance", "labor"])]["phi"].sum()
        assert comp == pytest.approx(g[g["component"] == "gap"]["phi"].iloc[0])
    assert {"presets", "other groups"} <= set(t["component"])
    assert set(t["metric"]) == set(A.HEADLINE)
    import subprocess

    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "attribution.py"), str(out)],
                          capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert "Probability of each ordering over seeds" in done.stdout
    assert (out / "attribution.md").exists() and len(runs) == 16
