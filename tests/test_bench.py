"""Smoke tests of ``abm bench`` at tiny sizes.

No timed assertions: the timing goals are checked by reading the figures ``abm bench`` prints
(docs/performance.md), not here. These tests only check that the benchmark runs end to end,
prints its ratio lines and writes a complete JSON.
"""

from __future__ import annotations

import json

from typer.testing import CliRunner

from abm import bench
from abmcli import app

TINY = ["bench", "--presets", "japan", "--scales", "0.05,0.1,0.2", "--steps", "3",
        "--repeats", "1", "--regime-seeds", "1", "--regime-scale", "0.05"]


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
    target_lines = [ln for ln in text.splitlines() if "target" in ln]
    assert len(target_lines) == 4  # 2 ratios, 1 scaling, 1 memory: each PASS or FAIL
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
    assert data["machine"]["cpus"] >= 1


def test_timeout_gives_a_partial_result():
    res = bench.measure({"kind": "boltzmann", "n": 100, "steps": 10**6, "seed": 1},
                        timeout=3.0)
    assert res["partial"] and res["note"] == "timeout"
    assert res["steps_done"] < 10**6


def test_bad_options_exit_2():
    runner = CliRunner()
    for args, needle in ((["bench", "--presets", "atlantis"], "unknown preset"),
                         (["bench", "--scales", "1,10"], "--scales"),
                         (["bench", "--repeats", "0"], "--repeats")):
        res = runner.invoke(app, args)
        assert res.exit_code == 2, (args, res.output)
        assert needle in res.output


def test_pairing_and_grid():
    assert bench.boltzmann_for(1) == 1000 and bench.boltzmann_for(10) == 10000
    assert bench.grid_side(10000) == 100 and bench.grid_side(1000) == 32
    assert bench.QUICK.scales == (0.2, 1.0, 5.0) and bench.FULL.scales == (1.0, 10.0, 100.0)
