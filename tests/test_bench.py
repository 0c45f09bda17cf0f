"""Smoke tests of ``abm bench`` at tiny sizes.

No timed assertions: the timing goals are checked by reading the figures ``abm bench`` prints
(docs/performance.md), not here. These tests only check that the benchmark runs end to end,
prints its ratio lines and writes a complete JSON.
"""

from __future__ import annotations

import json
import math

import pytest

from typer.testing import CliRunner

from abmcli import app
from abm.benchmarks import bench

TINY = ["bench", "--presets", "japan", "--scales", "0.05,0.1,0.2", "--steps", "3",
        "--repeats", "1", "--regime-seeds", "1", "--regime-scale", "0.05",
        "--throughput-scales", "0.05,0.1"]


@pytest.mark.slow
def test_bench_runs_at_tiny_sizes_and_prints_ratio_lines(tmp_path):
    out = tmp_path / "bench.json"
    res = CliRunner().invoke(app, TINY + ["--out", str(out)])
    assert res.exit_code == 0, res.output
    text = res.output
    assert "ratio model/Boltzmann agent-steps/s: japan scale 0.05 vs Boltzmann 50 agents" in text
    assert "ratio model/Boltzmann agent-steps/s: japan scale 0.1 vs Boltzmann 100 agents" in text
    assert "scaling ratio (time per agent-step, scale 0.2 / scale 0.1): japan" in text
    assert "peak memory at scale 0.2: japan" in text
    assert "regime comparison: 1 presets x 1 seeds" in text
    assert "experiment throughput at scale 0.05: " in text
    assert "experiment throughput at scale 0.1: " in text
    assert "projected regime comparison on 2 cores: 4 presets x 30 replicates, scale 0.1" in text
    from abm.structural import STRUCTURAL

    assert (f"projected Sobol analysis on 2 cores: N = 512 x ({len(STRUCTURAL)} structural "
            "factors + 2)") in text
    target_lines = [ln for ln in text.splitlines() if "target" in ln]
    assert len(target_lines) == 6  # 2 ratios, 1 scaling, 1 memory, 2 projections
    assert all(ln.rstrip().endswith(("PASS", "FAIL")) for ln in target_lines)

    data = json.loads(out.read_text())
    assert set(data) >= {"config", "machine", "cases", "ratios", "scaling", "peak_memory",
                         "regime_comparison", "date"}
    assert set(data["cases"]) == {"boltzmann@50", "boltzmann@100", "japan@0.05", "japan@0.1",
                                  "japan@0.2"}
    for key, case in data["cases"].items():
        assert not case["partial"], key
        assert case["steps_done"] == 3, key
        assert case["agent_steps"] > 0 and case["rate"] > 0 and case["peak_rss"] > 0, key
    # Boltzmann's population is fixed: agent-steps = agents x steps
    assert data["cases"]["boltzmann@50"]["agent_steps"] == 150
    assert [r["boltzmann_agents"] for r in data["ratios"]] == [50, 100]
    assert data["regime_comparison"]["runs"] == 1
    thru = data["throughput"]
    # japan (the bench's preset) and every preset the projections need, at both scales
    assert set(thru["cases"]) == {f"{p}@{s}" for p in ("japan", "silicon_valley", "korea",
                                                       "japan_2027_plan") for s in ("0.05", "0.1")}
    assert all(c["cpu_s"] > 0 and not c["partial"] for c in thru["cases"].values())
    regime, sobol = thru["projections"]
    from abm.structural import STRUCTURAL

    assert regime["total_runs"] == 120
    assert sobol["total_runs"] == 512 * (len(STRUCTURAL) + 2) * 3
    assert data["machine"]["cpus"] >= 1


def test_timeout_gives_a_partial_result():
    res = bench.measure({"kind": "boltzmann", "n": 100, "steps": 10**6, "seed": 1},
                        timeout=3.0)
    assert res["partial"] and res["note"] == "timeout"
    assert res["steps_done"] < 10**6


def test_boltzmann_yardstick_is_mesas_example_on_this_mesa():
    # Mesa 3.3/3.4 take n, width, height and seed; 3.5 a BoltzmannScenario
    from mesa.examples import BoltzmannWealth

    model = bench.boltzmann_model(BoltzmannWealth, 20, bench.grid_side(20), 3)
    assert type(model) is BoltzmannWealth
    assert len(model.agents) == 20 and model.num_agents == 20
    for _ in range(3):
        model.step()
    assert len(model.agents) == 20
    assert sum(a.wealth for a in model.agents) == 20  # money moves, none is made or lost


def test_bad_options_exit_2():
    runner = CliRunner()
    for args, needle in ((["bench", "--presets", "atlantis"], "unknown preset"),
                         (["bench", "--scales", "1,10"], "--scales"),
                         (["bench", "--repeats", "0"], "--repeats")):
        res = runner.invoke(app, args)
        assert res.exit_code == 2, (args, res.output)
        assert needle in res.output


def test_projections_add_up_the_runs_cpu_time_over_two_cores():
    cfg = bench.BenchConfig(throughput_scales=(0.5, 1.0))
    plan = bench.projection_plan(cfg)
    assert [p["name"] for p in plan] == ["regime comparison", "Sobol analysis"]
    assert plan[0]["presets"] == ["silicon_valley", "japan", "korea", "japan_2027_plan"]
    assert plan[0]["runs"] == 30 and plan[0]["scale"] == 1.0 and plan[0]["target"] == 60
    from abm.structural import STRUCTURAL  # Saltelli's N (k + 2) over every declared factor

    assert plan[1]["runs"] == 512 * (len(STRUCTURAL) + 2) and plan[1]["scale"] == 0.5
    assert plan[1]["target"] == 7200 and len(plan[1]["presets"]) == 3
    specs = bench.throughput_cases(cfg, plan)
    assert [sp["scale"] for sp in specs] == [0.5, 1.0]       # one process per scale
    assert specs[0]["runs"][:5] == [["silicon_valley", 1], ["japan", 1], ["korea", 1],
                                    ["japan_2027_plan", 1], ["silicon_valley", 2]]
    assert len(specs[0]["runs"]) == 4 * cfg.throughput_repeats
    keys = [f"{p}@{bench._fmt_scale(sp['scale'])}" for sp in specs for p, _ in sp["runs"]]
    # 0.9 s CPU per run at scale 1, 0.3 s at scale 0.5, in every preset and seed
    runs = {k: [{"cpu_s": 0.9 if k.endswith("@1") else 0.3, "partial": False}] * 2
            for k in set(keys)}
    res = bench.summarize_throughput(cfg, plan, runs)
    assert [p["runs_per_cpu_s"] for p in res["per_scale"]] == pytest.approx([1 / 0.3, 1 / 0.9])
    regime, sobol = res["projections"]
    assert regime["wall_s"] == pytest.approx(4 * 30 * 0.9 / 2) and regime["pass"]
    from abm.structural import STRUCTURAL

    k2 = len(STRUCTURAL) + 2
    assert sobol["wall_s"] == pytest.approx(3 * 512 * k2 * 0.3 / 2) and not sobol["pass"]
    lines = bench.throughput_lines(res)
    assert lines[0].startswith("experiment throughput at scale 0.5: 3.33 runs per CPU-second")
    assert lines[2].endswith("= 120 runs: 54.0 s  target < 60.0 s  PASS")
    n = 3 * 512 * k2  # 67,584 runs with the 42 factors of the growth rules
    assert lines[3].endswith(f"= {n:,} runs: {n * 0.3 / 2 / 3600:.2f} h  target < 2.00 h  FAIL")


def test_pairing_and_grid():
    assert bench.boltzmann_for(1) == 1000 and bench.boltzmann_for(10) == 10000
    assert bench.grid_side(10000) == 100 and bench.grid_side(1000) == 32
    assert bench.QUICK.scales == (0.2, 1.0, 5.0) and bench.FULL.scales == (1.0, 10.0, 100.0)


def test_schedule_interleaves_repeats_and_brackets_each_large_run():
    cfg = bench.BenchConfig(presets=("japan", "korea"), repeats=3, repeats_high=2)
    order = [(key, rep) for key, _, rep in bench.schedule(cfg)]
    keys = [k for k, _ in order]
    # every case once per round: the first round has each Boltzmann and scale-1 case once
    assert keys.count("boltzmann@1000") == 3 and keys.count("japan@1") == 3
    assert keys.index("boltzmann@1000") < keys.index("japan@1") < keys.index("japan@10")
    # each yardstick just before the runs it is paired with, in every round
    for r in range(3):
        rnd = [k for k, rep in order if rep == r and not k.endswith(("@10", "@100"))]
        assert rnd == ["boltzmann@1000", "japan@1", "korea@1", "boltzmann@10000"]
    dflt = [(k, r) for k, _, r in bench.schedule(bench.BenchConfig(presets=("japan",)))]
    assert dflt[dflt.index(("boltzmann@10000", 1)) + 1] == ("japan@10", 2)
    assert keys.count("japan@100") == 2 and keys.count("japan@10") == 3  # max(3, 2 + 1)
    # mid, high, mid, high, mid for one preset, in that order (other cases in between)
    jp = [(k, r) for k, r in order if k.startswith("japan@1") and k != "japan@1"]
    assert jp == [("japan@10", 0), ("japan@100", 0), ("japan@10", 1), ("japan@100", 1),
                  ("japan@10", 2)]
    i_hi = order.index(("japan@100", 0))
    assert order[i_hi - 1] == ("japan@10", 0) and order[i_hi + 1] == ("japan@10", 1)
    # repeats 1: the middle scale still runs twice, around its large run
    one = [k for k, _, _ in bench.schedule(bench.BenchConfig(presets=("japan",), repeats=1))]
    assert one.count("japan@10") == 2 and one.count("boltzmann@1000") == 1
    assert one[one.index("japan@100") - 1] == one[one.index("japan@100") + 1] == "japan@10"


def test_bracketed_scaling_ratio_compares_each_large_run_with_its_neighbours():
    def run(t, n):
        return {"run_s": t, "cpu_s": t / 2, "agent_steps": n}
    # the machine slowed down 2x during the large run and the run after it: a ratio against
    # the median of all middle runs would say 2.0; against its neighbours it is 1.33
    mid = [run(1.0, 10), run(2.0, 10), run(1.0, 10)]
    high = [run(20.0, 100)]
    ratio, ratio_cpu, us_mid, us_high = bench._bracketed(mid, high)
    assert ratio == pytest.approx(2.0 / 1.5) and ratio_cpu == pytest.approx(2.0 / 1.5)
    assert us_mid == pytest.approx(1.5e5) and us_high == pytest.approx(2e5)
    assert all(math.isnan(x) for x in bench._bracketed(mid[:1], high))
