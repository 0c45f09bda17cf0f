"""Experiment runner and reports (issue 3): spec validation, executors, resume, failures,
provenance. Small scale and few steps so the whole file runs in well under two minutes.
No model output numbers are hard-coded (the model is being recalibrated)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from abmcli import app
from abm.experiments import runner as runner_mod
from abm.experiments.report import make_report
from abm.experiments.runner import RunSpec, run_batch, run_experiment
from abm.experiments.spec import SHIPPED, SpecError, load_spec, shipped_spec_path
from abm import constants as C
from abm.experiments.stats import compare, mean_ci

SMALL = dict(replicates=2, steps=24, overrides={"scale": 0.1})
RESULT_FILES = ("runs.parquet", "timeseries.parquet", "distributions.parquet", "failures.jsonl")

GOOD = """\
[experiment]
name = "tiny"
kind = "comparison"
presets = ["silicon_valley", "japan"]
replicates = 2
master_seed = 5
steps = 12

[overrides]
scale = 0.1
"""


def cli(*args: str):
    res = CliRunner().invoke(app, list(args))
    text = res.output
    try:
        if res.stderr and res.stderr not in text:
            text += res.stderr
    except ValueError:  # older click: stderr not captured separately
        pass
    return res.exit_code, text


def write(tmp_path: Path, text: str, name: str = "spec.toml") -> Path:
    p = tmp_path / name
    p.write_text(text)
    return p


def same_files(a: Path, b: Path) -> None:
    for f in RESULT_FILES:
        assert (a / f).read_bytes() == (b / f).read_bytes(), f


@pytest.fixture(scope="module")
def small_spec():
    return load_spec(shipped_spec_path("regime_comparison"), **SMALL)


@pytest.fixture(scope="module")
def reference(tmp_path_factory, small_spec):
    """An uninterrupted serial run of the small regime comparison."""
    out = tmp_path_factory.mktemp("ref") / "serial"
    run_experiment(small_spec, out, workers=1)
    return out


# -- spec validation ----------------------------------------------------------------------------
BAD = [
    ("unknown_key", GOOD.replace("replicates = 2", "replicats = 2"),
     ["spec.toml:5", "replicats", "did you mean: replicates", "valid choices"]),
    ("unknown_preset", GOOD.replace('"japan"]', '"japn"]'),
     ["spec.toml:4", "unknown preset 'japn'", "silicon_valley, japan, korea, japan_2027_plan"]),
    ("unknown_parameter", GOOD + "job_mobilty = 0.1\n",
     ["spec.toml:11", "unknown parameter 'job_mobilty'", "job_mobility"]),
    ("out_of_range", GOOD + "job_mobility = 7\n",
     ["spec.toml:11", "job_mobility", "valid range is [0, 0.3]"]),
    ("unknown_component", GOOD + '[swap]\ndirections = [["japan", "korea"]]\n'
                                 'components = ["labour"]\n',
     ["components", "unknown component 'labour'", "finance, labor, ties"]),
    ("unknown_table", GOOD + "[colect]\ntimeseries = true\n",
     ["spec.toml:11", "unknown table [colect]", "collect"]),
    ("bad_value", GOOD.replace("steps = 12", 'steps = "many"'),
     ["spec.toml:7", "steps", "whole number"]),
    ("unknown_kind", GOOD.replace('"comparison"', '"compare"'),
     ["kind", "comparison, component_swap, sweep, sensitivity"]),
    ("malformed", GOOD.replace('presets = ["silicon_valley", "japan"]',
                               'presets = ["silicon_valley", "japan"'),
     ["malformed TOML", "line"]),
    ("cross_check", GOOD + "n_business_groups = 60\n",
     ["n_business_groups", "must not exceed"]),
]


@pytest.mark.parametrize("case,text,needles", BAD, ids=[b[0] for b in BAD])
def test_spec_errors_exit_2_before_any_run(tmp_path, case, text, needles):
    spec = write(tmp_path, text)
    out = tmp_path / "out"
    code, msg = cli("experiment", str(spec), "--out", str(out), "--workers", "1")
    assert code == 2, msg
    assert "Traceback" not in msg
    assert str(spec) in msg
    for needle in needles:
        assert needle in msg, (needle, msg)
    assert not out.exists()  # reported before any run
    with pytest.raises(SpecError):
        load_spec(spec)


@pytest.mark.parametrize("args,needle", [
    (["experiment", "no/such/spec.toml"], "spec file not found"),
    (["experiment", "SPEC", "--workers", "0"], "--workers must be a whole number >= 1"),
    (["experiment", "SPEC", "--replicates", "-2"], "--replicates must be a whole number >= 1"),
    (["experiment", "SPEC", "--steps", "x"], "--steps must be a whole number"),
    (["report", "EMPTY"], "holds no results"),
    (["report", "EMPTY/missing"], "no such folder"),
])
def test_cli_option_errors_exit_2(tmp_path, args, needle):
    spec = write(tmp_path, GOOD)
    (tmp_path / "empty").mkdir()
    args = [a.replace("SPEC", str(spec)).replace("EMPTY", str(tmp_path / "empty"))
            for a in args]
    code, msg = cli(*args)
    assert code == 2, msg
    assert needle in msg
    assert "Traceback" not in msg


@pytest.mark.slow
def test_console_script_exit_code_and_message(tmp_path):
    """Through the real entry point: exit status 2, one line, no traceback."""
    spec = write(tmp_path, GOOD.replace('"japan"]', '"japn"]'))
    res = subprocess.run([sys.executable, "-c", "import abmcli; abmcli.main()", "experiment",
                          str(spec)], capture_output=True, text=True, timeout=60)
    assert res.returncode == 2
    assert "Traceback" not in res.stderr
    assert "unknown preset 'japn'" in res.stderr and f"{spec}:4" in res.stderr


def test_shipped_specs_are_valid():
    counts = {}
    for name in SHIPPED:
        spec = load_spec(shipped_spec_path(name))
        runs = spec.runs()
        assert len({r.run_id for r in runs}) == len(runs)
        if name not in ("tech_regime_sweep", "structural_uncertainty", "maturation",
                        "policy_withdrawal"):  # sized for 2 cores (40-year runs)
            assert spec.overrides.get("scale", 1.0) == 1.0
        counts[name] = (len(spec.scenarios), spec.replicates)
    assert counts["regime_comparison"][0] == 4 and counts["regime_comparison"][1] >= 30
    assert counts["component_swap"][0] == 2 * (1 + 6 + 15)
    comp = load_spec(shipped_spec_path("component_swap"))
    swapped = {c for sc in comp.scenarios for c in sc.swaps}
    assert swapped == {"finance", "labor", "ties", "industry", "norms", "support"}
    sweep = load_spec(shipped_spec_path("tech_regime_sweep"))
    assert {sc.preset for sc in sweep.scenarios} >= {"silicon_valley", "japan", "korea"}
    assert len({sc.overrides["disruptive_share"] for sc in sweep.scenarios}) >= 4
    assert len({sc.overrides["cumulativeness"] for sc in sweep.scenarios}) >= 3


def test_replicate_seeds_are_spawned_and_common(small_spec):
    seeds = small_spec.seeds()
    children = np.random.SeedSequence(small_spec.master_seed).spawn(small_spec.replicates)
    assert seeds == [int(c.generate_state(1, dtype=np.uint64)[0] % 2**63) for c in children]
    by_rep: dict[int, set[int]] = {}
    for r in small_spec.runs():
        by_rep.setdefault(r.replicate, set()).add(r.seed)
    assert all(len(s) == 1 for s in by_rep.values())  # common random numbers
    assert seeds[1] != seeds[0] + 1


# -- executors ---------------------------------------------------------------------------------
@pytest.mark.slow
def test_serial_pool_and_dask_give_identical_files(tmp_path, small_spec, reference):
    from distributed import LocalCluster

    pool = tmp_path / "pool"
    run_experiment(small_spec, pool, workers=2)
    same_files(reference, pool)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster:
        dask_out = tmp_path / "dask"
        run_experiment(small_spec, dask_out, scheduler=cluster.scheduler_address)
    same_files(reference, dask_out)
    runs = pd.read_parquet(reference / "runs.parquet")
    assert list(runs["run_id"]) == sorted(runs["run_id"])
    assert len(runs) == len(small_spec.runs())
    assert not (pool / "parts").exists()


def test_executors_share_one_interface_and_order_does_not_matter(small_spec, reference):
    """run_batch takes any Executor; one that finishes the runs in reverse order gives the
    same table; choose_executor maps the options to the three executors."""
    from abm.experiments.runner import (DaskExecutor, Executor, PoolExecutor, SerialExecutor,
                                    choose_executor)

    class Reversed(Executor):
        def run(self, tasks, collect, on_result):
            SerialExecutor().run(list(tasks)[::-1], collect, on_result)

    runs = small_spec.runs()[:3]
    a = run_batch(runs, executor=SerialExecutor(), collect=small_spec.collect)
    b = run_batch(runs, executor=Reversed(), collect=small_spec.collect)
    pd.testing.assert_frame_equal(a.runs, b.runs)
    pd.testing.assert_frame_equal(a.timeseries, b.timeseries)
    ref = pd.read_parquet(reference / "runs.parquet")
    pd.testing.assert_frame_equal(a.runs, ref.iloc[:3][a.runs.columns].reset_index(drop=True),
                                  check_dtype=False)
    assert isinstance(choose_executor(1, None, 5), SerialExecutor)
    assert isinstance(choose_executor(4, None, 1), SerialExecutor)
    pool = choose_executor(4, None, 3, tasks_per_child=7)
    assert isinstance(pool, PoolExecutor) and (pool.workers, pool.tasks_per_child) == (3, 7)
    dask = choose_executor(4, "tcp://h:1", 3)
    assert isinstance(dask, DaskExecutor) and dask.address == "tcp://h:1"


def test_run_batch_in_memory_matches_files(reference, small_spec):
    res = run_batch(small_spec.runs()[:3], workers=1, collect=small_spec.collect)
    ref = pd.read_parquet(reference / "runs.parquet")
    pd.testing.assert_frame_equal(res.runs, ref.iloc[:3][res.runs.columns]
                                  .reset_index(drop=True), check_dtype=False)
    assert res.failures == []


# -- resume and failures -----------------------------------------------------------------------
def test_resume_after_interruption_gives_identical_files(tmp_path, small_spec, reference,
                                                         monkeypatch):
    out = tmp_path / "interrupted"
    calls = {"n": 0}
    real = runner_mod.run_one

    def flaky(spec, collect=None):
        calls["n"] += 1
        if calls["n"] == 4:
            raise KeyboardInterrupt
        return real(spec, collect)

    monkeypatch.setattr(runner_mod, "run_one", flaky)
    with pytest.raises(KeyboardInterrupt):
        run_experiment(small_spec, out, workers=1)
    monkeypatch.setattr(runner_mod, "run_one", real)
    assert not (out / "runs.parquet").exists()
    assert list((out / "parts").glob("part-*-runs.parquet"))

    code, msg = cli("report", str(out))
    assert code == 2 and "--resume" in msg
    spec_path = shipped_spec_path("regime_comparison")
    code, msg = cli("experiment", str(spec_path), "--out", str(out), "--replicates", "2",
                    "--steps", "24", "--scale", "0.1")
    assert code == 2 and "already holds results" in msg
    code, msg = cli("experiment", str(spec_path), "--out", str(out), "--resume",
                    "--replicates", "3", "--steps", "24", "--scale", "0.1", "--workers", "1")
    assert code == 2 and "different experiment" in msg

    res = run_experiment(small_spec, out, workers=1, resume=True)
    assert res.skipped == 3 and res.executed == len(small_spec.runs()) - 3
    same_files(reference, out)
    manifest = json.loads((out / "manifest.json").read_text())
    assert len(manifest["sessions"]) == 2 and manifest["status"] == "complete"


def test_failing_run_is_recorded_and_others_finish(tmp_path, small_spec, reference,
                                                   monkeypatch):
    out = tmp_path / "fail"
    bad = small_spec.runs()[2].run_id
    monkeypatch.setenv(runner_mod.FAIL_ENV, bad)
    res = run_experiment(small_spec, out, workers=1)
    runs = pd.read_parquet(out / "runs.parquet")
    assert len(runs) == len(small_spec.runs()) - 1 and bad not in set(runs["run_id"])
    lines = (out / "failures.jsonl").read_text().splitlines()
    assert len(lines) == 1
    rec = json.loads(lines[0])
    assert rec["run_id"] == bad and "Traceback" in rec["traceback"]
    assert "injected failure" in rec["error"] and rec["seed"] == small_spec.runs()[2].seed
    assert json.loads((out / "manifest.json").read_text())["status"] == \
        "complete_with_failures"
    assert len(res.failures) == 1
    # the report still works and says so
    files = make_report(out, network=False, figures=False)
    assert "1 runs failed" in files[0].read_text()
    # fixed: resume retries only the failed run and ends with the uninterrupted files
    monkeypatch.delenv(runner_mod.FAIL_ENV)
    res = run_experiment(small_spec, out, workers=1, resume=True)
    assert res.executed == 1
    same_files(reference, out)


def test_failure_in_pool_worker(tmp_path, small_spec, monkeypatch):
    bad = small_spec.runs()[0].run_id
    monkeypatch.setenv(runner_mod.FAIL_ENV, bad)  # read by run_batch, passed to the workers
    res = run_batch(small_spec.runs()[:4], tmp_path / "p", workers=2,
                    collect=small_spec.collect)
    assert [f["run_id"] for f in res.failures] == [bad]
    assert len(res.runs) == 3


# -- provenance and reports ------------------------------------------------------------------------
def test_results_carry_provenance(reference, small_spec):
    m = json.loads((reference / "manifest.json").read_text())
    for key in ("git_commit", "versions", "python", "created", "finished", "spec", "spec_toml",
                "scenarios", "seeds", "fingerprint", "sessions", "model_source_sha256",
                "uncommitted_changes"):
        assert key in m, key
    assert m["versions"]["mesa"] and m["versions"]["numpy"]
    assert m["seeds"]["replicate_seeds"] == small_spec.seeds()
    assert m["spec"]["replicates"] == 2 and m["spec"]["steps"] == 24
    assert [s["name"] for s in m["scenarios"]] == [sc.name for sc in small_spec.scenarios]
    jp = next(s for s in m["scenarios"] if s["name"] == "japan")
    from abm.presets import resolve

    assert jp["parameters"] == resolve("japan", {}, {"scale": 0.1}).to_dict()
    runs = pd.read_parquet(reference / "runs.parquet")
    for col in ("run_id", "preset", "swaps", "overrides", "seed", "scenario", "replicate"):
        assert col in runs
    from abm.metrics import SUMMARY_KEYS

    assert set(SUMMARY_KEYS) <= set(runs.columns)
    assert set(runs["seed"]) == set(small_spec.seeds())
    ts = pd.read_parquet(reference / "timeseries.parquet")
    assert set(ts["run_id"]) == set(runs["run_id"]) and ts["step"].max() == 24


@pytest.mark.slow
def test_report_comparison(tmp_path, reference):
    out = tmp_path / "rep"
    shutil.copytree(reference, out)
    code, msg = cli("report", str(out))
    assert code == 0, msg
    text = (out / "report.md").read_text()
    assert "Welch" in text and "Mann-Whitney" in text and "Hedges" in text
    assert "95% CI" in text and "japan_2027_plan" in text
    for stem in ("timeseries", "exit_mix", "distributions", "metric_distributions", "network"):
        assert (out / "figures" / f"{stem}.png").stat().st_size > 0
        assert (out / "figures" / f"{stem}.pdf").stat().st_size > 0
    tex = (out / "tables" / "summary.tex").read_text()
    assert r"\toprule" in tex and r"\end{tabular}" in tex
    diff = pd.read_csv(out / "tables" / "differences.csv")
    assert set(diff["baseline"]) == {"silicon_valley"}
    assert {"welch_p", "mw_p", "hedges_g", "ci_low", "ci_high"} <= set(diff.columns)


@pytest.mark.slow
def test_report_component_swap_and_sensitivity(tmp_path):
    swap = write(tmp_path, """\
[experiment]
name = "swap_small"
kind = "component_swap"
replicates = 3
master_seed = 3
steps = 24
[swap]
directions = [["japan", "silicon_valley"]]
components = ["labor", "finance", "norms"]
max_order = 2
[overrides]
scale = 0.1
[report]
metrics = ["startups_founded", "exits_ma", "innovation_total"]
network_snapshot = false
""", "swap.toml")
    spec = load_spec(swap)
    assert len(spec.scenarios) == 1 + 3 + 3
    run_experiment(spec, tmp_path / "swap", workers=1)
    make_report(tmp_path / "swap")
    eff = pd.read_csv(tmp_path / "swap" / "tables" / "swap_effects.csv")
    assert set(eff["effect"]) == {"main", "interaction"}
    assert len(eff[(eff["effect"] == "interaction") & (eff["metric"] == "exits_ma")]) == 3
    # the interaction is the per-replicate difference in differences
    runs = pd.read_parquet(tmp_path / "swap" / "runs.parquet")
    y = {sc: g.set_index("replicate")["startups_founded"] for sc, g in runs.groupby("scenario")}
    did = (y["japan[labor+finance<-silicon_valley]"] - y["japan[labor<-silicon_valley]"]
           - y["japan[finance<-silicon_valley]"] + y["japan"]).mean()
    row = eff[(eff["components"].isin(["labor+finance", "finance+labor"]))
              & (eff["metric"] == "startups_founded")].iloc[0]
    assert row["mean"] == pytest.approx(did)
    assert (tmp_path / "swap" / "figures" / "swap_interaction_japan.png").exists()

    sens = write(tmp_path, """\
[experiment]
name = "sens_small"
kind = "sensitivity"
presets = ["japan"]
replicates = 1
master_seed = 4
steps = 24
[sample]
method = "morris"
trajectories = 2
levels = 4
bounds_from = ["japan", "silicon_valley"]
parameters = ["job_mobility", "acquisition_appetite", "founding_legitimacy"]
outputs = ["startups_founded", "exits_ma"]
[overrides]
scale = 0.1
[collect]
timeseries = false
distributions = false
""", "sens.toml")
    spec = load_spec(sens)
    assert len(spec.scenarios) == 2 * (3 + 1)
    run_experiment(spec, tmp_path / "sens", workers=1)
    make_report(tmp_path / "sens")
    idx = pd.read_csv(tmp_path / "sens" / "tables" / "sensitivity.csv")
    assert set(idx["parameter"]) == {"job_mobility", "acquisition_appetite",
                                     "founding_legitimacy"}
    assert {"mu_star", "sigma"} <= set(idx.columns)
    assert "Global sensitivity (morris)" in (tmp_path / "sens" / "report.md").read_text()


def test_statistics_helpers():
    a = [1.0, 2.0, 3.0, 4.0]
    s = mean_ci(a)
    assert s["mean"] == 2.5 and s["ci_low"] < 2.5 < s["ci_high"]
    c = compare(a, [x + 10 for x in a])
    assert c["diff"] == pytest.approx(10.0)
    assert c["welch_p"] < 0.001 and c["mw_p"] < 0.05 and c["hedges_g"] > 2
    assert compare([1.0], [2.0])["welch_p"] != compare([1.0], [2.0])["welch_p"]  # NaN
    sweep_spec = load_spec(shipped_spec_path("tech_regime_sweep"), replicates=1, steps=1)
    assert all(isinstance(r, RunSpec) for r in sweep_spec.runs())


def test_layers_import_only_downwards():
    """abm/ imports neither the command line, the experiments, the app nor the benchmarks;
    experiments/ never imports the command line (provenance lives in experiments/)."""
    import ast

    root = Path(__file__).resolve().parents[1]
    forbidden = {"abm": {"abmcli", "experiments", "viz", "benchmarks"},
                 "experiments": {"abmcli", "viz"}}
    for package, banned in forbidden.items():
        for f in sorted((root / package).rglob("*.py")):
            for node in ast.walk(ast.parse(f.read_text(encoding="utf-8"))):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                    [node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level \
                    else []
                for n in names:
                    assert n.split(".")[0] not in banned, f"{f.relative_to(root)} imports {n}"
    assert not (root / "abm" / "bench.py").exists()


def _against_raw(against):
    return {"experiment": {"name": "t", "kind": "comparison", "presets": [], "replicates": 2, "master_seed": 1,
                           "steps": 4},
            "scenario": [{"name": "a", "preset": "japan"},
                         {"name": "b", "preset": "japan", "overrides": {"scale": 0.5},
                          "against": against}]}


def test_scenario_against_names_another_scenario():
    from abm.experiments.spec import parse_spec

    spec = parse_spec(_against_raw("a"))
    assert spec.explicit[1]["against"] == "a"
    for bad in ("nope", "b"):
        with pytest.raises(SpecError, match="against"):
            parse_spec(_against_raw(bad))


def test_report_differences_use_each_scenarios_reference_and_pair_seeds(tmp_path):
    """Scenario c is measured against b (its ``against``), not against the baseline a; the
    paired interval over common seeds is reported beside Welch's."""
    raw = _against_raw("a")
    raw["scenario"].append({"name": "c", "preset": "japan", "overrides": {"scale": 0.6},
                            "against": "b"})
    from abm.experiments.spec import parse_spec

    spec = parse_spec(raw)
    run_experiment(spec, tmp_path, workers=1, progress=False)
    make_report(tmp_path, network=False, figures=False)
    d = pd.read_csv(tmp_path / "tables" / "differences.csv")
    assert dict(zip(d["scenario"], d["baseline"])) == {"b": "a", "c": "b"}
    assert {"paired_diff", "paired_ci_low", "paired_ci_high"} <= set(d.columns)
    runs = pd.read_parquet(tmp_path / "runs.parquet").set_index(["scenario", "replicate"])
    m = "startups_founded"
    diff = (runs.loc["c", m] - runs.loc["b", m]).mean()
    assert d.loc[(d["scenario"] == "c") & (d["metric"] == m), "paired_diff"].item() == \
        pytest.approx(diff)


# -- one description of a run (issue 27) --------------------------------------------------------
def test_run_record_round_trips():
    r = RunSpec(run_id="s0003-r0001", preset="japan", swaps={"labor": "silicon_valley"},
                overrides={"scale": 0.2, "loop_finance": 0.0}, seed=2**62 + 5, steps=40,
                scenario="x", replicate=1, scenario_index=3,
                constants={"SCALE_UP": 0.03}, dated_swaps={"finance": ("silicon_valley", 2027)})
    back = RunSpec.from_json(r.to_json())
    assert back == r and back.key() == r.key() and back.seed == 2**62 + 5
    assert RunSpec.from_record(r.to_record()).to_json() == r.to_json()
    with pytest.raises(SpecError, match="version"):
        RunSpec.from_record({**r.to_record(), "version": 99})
    with pytest.raises(SpecError, match="unknown fields"):
        RunSpec.from_record({**r.to_record(), "colour": 1})


DATED = GOOD + """
[[scenario]]
name = "reformed"
preset = "japan"
dated_swaps = { finance = ["silicon_valley", 2026] }
"""


def test_runs_table_carries_each_run_whole(tmp_path):
    """runs.parquet's ``run`` column rebuilds every run exactly (dated reforms too, which
    the identifying columns lose), the manifest keeps each scenario's, and a rebuilt run
    reproduces its row."""
    spec = load_spec(write(tmp_path, DATED.replace("steps = 12", "steps = 8")))
    out = tmp_path / "out"
    run_experiment(spec, out, workers=1)
    runs = pd.read_parquet(out / "runs.parquet")
    assert list(runs.columns[:len(runner_mod.ID_COLUMNS) + 1]) == \
        list(runner_mod.ID_COLUMNS) + [runner_mod.RUN_COLUMN]
    rebuilt = RunSpec.of_rows(runs)
    assert [r.to_json() for r in rebuilt] == [r.to_json() for r in spec.runs()]
    reformed = [r for r in rebuilt if r.scenario == "reformed"]
    assert reformed and all(dict(r.dated_swaps) == {"finance": ("silicon_valley", 2026)}
                            for r in reformed)
    manifest = json.loads((out / "manifest.json").read_text())
    sc = {s["name"]: s for s in manifest["scenarios"]}
    assert sc["reformed"]["run"]["dated_swaps"] == {"finance": ["silicon_valley", 2026]}
    assert sc["japan"]["run"]["overrides"] == {"scale": 0.1}
    row = runs[runs["run_id"] == reformed[0].run_id].iloc[0]
    again = runner_mod.run_one(reformed[0], {"timeseries": False, "distributions": False})
    assert again["ok"] and again["row"]["innovation_total"] == row["innovation_total"]
    # a table without the column (written before it existed) rebuilds from the manifest
    old = RunSpec.of_rows(runs.drop(columns=["run"]), manifest["scenarios"])
    assert [r.key() for r in old] == [r.key() for r in spec.runs()]


@pytest.mark.parametrize("name", sorted(p.parent.name for p in
                                        (Path(__file__).resolve().parents[1] / "results")
                                        .glob("*/runs.parquet")))
def test_shipped_runs_rebuild_exactly(name):
    """Every run of a shipped runs.parquet (with or without its ``run`` column) rebuilds to
    the runs the experiment ran: their hash is the manifest's fingerprint."""
    import hashlib

    folder = Path(__file__).resolve().parents[1] / "results" / name
    runs = pd.read_parquet(folder / "runs.parquet")
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert not manifest.get("runs_failed")
    specs = RunSpec.of_rows(runs, manifest.get("scenarios"))
    payload = json.dumps({"runs": [r.key() for r in specs],
                          "collect": manifest["spec"]["collect"]}, sort_keys=True)
    assert hashlib.sha256(payload.encode()).hexdigest()[:16] == manifest["fingerprint"]


def test_spec_burn_in_is_a_run_setting_validated_against_the_steps():
    """``[experiment] burn_in`` (or ``--burn-in``) reaches every run, its record and the
    manifest; the default leaves records as they were; a burn-in not shorter than the run,
    negative or not whole is refused naming it and its range."""
    from abm.experiments.spec import RunSpec, parse_spec

    raw = _against_raw("a")
    spec = parse_spec(raw)
    assert spec.burn_in == C.BURN_IN and "burn_in" not in spec.runs()[0].to_record()
    raw["experiment"]["steps"] = 10
    raw["experiment"]["burn_in"] = 6
    spec = parse_spec(raw)
    runs = spec.runs()
    assert spec.burn_in == 6 and spec.to_dict()["burn_in"] == 6
    assert all(r.burn_in == 6 for r in runs)
    assert RunSpec.from_json(runs[0].to_json()).burn_in == 6
    assert runs[0].build().burn_in == 6
    assert parse_spec(raw, burn_in=2).burn_in == 2
    for bad, words in ((10, "burn_in.*0 to steps - 1 = 9"), (-1, "burn_in"), (2.5, "burn_in"),
                       (True, "burn_in")):
        raw["experiment"]["burn_in"] = bad
        with pytest.raises(SpecError, match=words):
            parse_spec(raw)
    raw["experiment"]["burn_in"] = 6
    for bad in (10, -1, 2.5):
        with pytest.raises(SpecError, match="--burn-in"):
            parse_spec(raw, burn_in=bad)


def test_cli_experiment_burn_in_reaches_the_runs_and_the_manifest(tmp_path):
    spec_file = write(tmp_path, GOOD)
    out = tmp_path / "o"
    code, text = cli("experiment", str(spec_file), "--workers", "1", "--out", str(out), "--replicates", "1",
                     "--steps", "8", "--burn-in", "4")
    assert code == 0, text
    assert json.loads((out / "manifest.json").read_text())["spec"]["burn_in"] == 4
    runs = pd.read_parquet(out / "runs.parquet")
    assert all(json.loads(r)["burn_in"] == 4 for r in runs["run"])
    code, text = cli("experiment", str(spec_file), "--out", str(tmp_path / "p"),
                     "--steps", "8", "--burn-in", "8")
    assert code != 0 and "--burn-in" in text and "0 to steps - 1 = 7" in text
