"""What the command line prints on success (in-process, typer's CliRunner).

``abm run`` prints plain names with units, states the burn-in, keeps the internal checks apart
from the results and warns when the run is too short for a metric or a policy; summary.json
and timeseries.parquet never use one name for two meanings; tables fit an 80-column terminal;
``--help`` types the numeric options; ``abm report`` reports its stages. Nothing here asserts a
model value.
"""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest
from typer.testing import CliRunner

from abm.constants import BURN_IN
from abm.outputs import OUTPUTS
from abm.params import SPECS
from abmcli import app

NARROW = {"COLUMNS": "80"}


def invoke(args, env=NARROW):
    res = CliRunner().invoke(app, args, env=env)
    assert res.exit_code == 0, res.output
    return res


def widest(text: str) -> int:
    return max((len(line) for line in text.splitlines()), default=0)


@pytest.fixture(scope="module")
def plan_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("run") / "out"
    res = invoke(["run", "--preset", "japan_2027_plan", "--steps", "40", "--set", "scale=0.2",
                  "--out", str(out)])
    return res, out


def test_run_prints_plain_names_units_and_the_burn_in(plan_run):
    res, _ = plan_run
    text = res.stdout
    assert "40 quarters (10 years)" in text
    assert f"steps {BURN_IN + 1}-40, after the {BURN_IN}-quarter burn-in" in text
    for name in ("startups_founded", "vc_invested_per_year", "survival_5y"):
        assert OUTPUTS[name].label in text and name in text
    assert re.search(r"VC invested †\s+[\d,.]+\s+M per year", text)
    assert re.search(r"Five-year survival †\s+[\d.]+ %", text)  # shares as percentages
    for group in ("Startups and exits", "Finance", "Innovation and growth", "Labour", "Network"):
        assert group in text


def test_run_keeps_the_internal_checks_apart(plan_run):
    res, _ = plan_run
    lines = res.stdout.splitlines()
    checks = [i for i, ln in enumerate(lines) if ln.startswith("internal checks:")]
    assert len(checks) == 1
    # money_balance_error appears on the checks line only, never as a table row
    where = [i for i, ln in enumerate(lines) if "money_balance_error" in ln]
    assert where and all(checks[0] <= i <= checks[0] + 1 for i in where)
    assert "Money balance error" not in res.stdout


def test_run_fits_80_columns(plan_run):
    res, _ = plan_run
    table = res.stdout.split("wrote ")[0]  # the file list may be longer: the terminal wraps it
    assert widest(table) <= 80


def test_run_warns_when_too_short_for_a_metric_or_the_policy(plan_run):
    res, _ = plan_run
    err = res.stderr
    assert re.search(r"warning: 40 steps are too few for survival_5y \(needs 41", err)
    assert re.search(r"warning: the plan .* starts at step 40 .* only 1 of", err)
    assert "warning" not in res.stdout


def test_no_warning_for_a_long_enough_run():
    res = invoke(["run", "--preset", "japan", "--steps", "41", "--set", "scale=0.1"])
    assert "warning" not in res.stderr


def test_a_run_inside_the_burn_in_says_so():
    res = invoke(["run", "--preset", "korea", "--steps", "5", "--set", "scale=0.1"])
    assert "has none, so they read 0" in res.stdout
    assert f"do not reach past the {BURN_IN}-quarter burn-in" in res.stderr


def test_summary_json_and_timeseries_parquet_share_no_name(plan_run):
    _, out = plan_run
    summary = json.loads((out / "summary.json").read_text())
    ts = pd.read_parquet(out / "timeseries.parquet")
    assert not set(summary) & set(ts.columns)
    assert {"exits_ipo", "exits_ma", "unicorns"} <= set(summary)
    assert {"ipos", "acquisitions", "unicorns_to_date"} <= set(ts.columns)
    # the summary's IPOs are the series' IPOs after the burn-in
    assert summary["exits_ipo"] <= ts["ipos"].sum()


def test_wide_terminal_gives_the_name_its_own_column():
    res = invoke(["run", "--preset", "japan", "--steps", "2", "--set", "scale=0.1"],
                 env={"COLUMNS": "140"})
    assert "name in summary.json" in res.stdout
    assert re.search(r"Startups founded †\s+\d+\s+startups\s+startups_founded", res.stdout)


def test_params_fits_80_columns_and_lists_every_parameter():
    res = invoke(["params", "--preset", "japan"])
    assert widest(res.stdout) <= 80
    names = {ln.split()[0] for ln in res.stdout.splitlines() if ln.startswith("  ")
             and not ln.startswith("   ")}
    assert names == set(SPECS)


def test_help_types_the_numeric_options():
    for cmd, options in {"run": ("--steps", "--seed"),
                         "experiment": ("--workers", "--replicates", "--steps", "--scale"),
                         "validate": ("--seeds", "--steps", "--workers"),
                         "viz": ("--port",)}.items():
        text = invoke([cmd, "--help"], env={"COLUMNS": "120"}).stdout
        for opt in options:
            line = next(ln for ln in text.splitlines() if re.search(rf"{opt}\s", ln))
            assert re.search(rf"{opt}\s+<(int|float)>", line), line


def test_bench_table_fits_80_columns():
    from abm.benchmarks.bench import print_report
    from rich.console import Console

    case = {"label": "Boltzmann (Mesa)", "size": "100 agents (10x10)", "repeats": 3,
            "run_s": 12.5, "cpu_s": 12.4, "agent_steps": 1.0e7, "rate": 812345.0,
            "agents_end": 100000.0, "peak_rss": 2.0**31, "rss_base": 2.0**28, "init_s": 1.25,
            "summary_s": 0.5, "partial": False, "steps_done": 100}
    res = {"config": {"steps": 100}, "machine": {"cpus": 2, "python": "3.11", "mesa": "3.3.1"},
           "cases": {"a": case, "b": {**case, "label": "silicon_valley", "size": "scale 100"}},
           "bench_wall_s": 1.0}
    import abm.benchmarks.bench as bench

    console = Console(width=80, record=True, file=open("/dev/null", "w"))
    orig = bench.report_lines
    bench.report_lines = lambda res: []
    try:
        print_report(res, console)
    finally:
        bench.report_lines = orig
    text = console.export_text()
    assert widest(text) <= 80
    for value in ("812,345", "2,048", "12.50", "scale 100"):
        assert value in text  # nothing folded into pieces


def test_report_prints_its_stages(tmp_path):
    from abm.experiments.runner import run_experiment
    from abm.experiments.spec import load_spec

    spec = tmp_path / "tiny.toml"
    spec.write_text('[experiment]\nname = "tiny"\nmaster_seed = 1\nreplicates = 2\nsteps = 4\n'
                    'presets = ["japan"]\n[overrides]\nscale = 0.1\n'
                    '[report]\nnetwork_snapshot = false\n')
    out = tmp_path / "out"
    run_experiment(load_spec(spec), out, workers=1)
    res = invoke(["report", str(out), "--no-figures"])
    assert "report " in res.stderr and "summary tables" in res.stderr
    assert "wrote" in res.stdout


def test_experiment_warns_when_its_steps_are_too_few(tmp_path):
    spec = tmp_path / "short.toml"
    spec.write_text('[experiment]\nname = "short"\nmaster_seed = 1\nreplicates = 1\nsteps = 3\n'
                    'presets = ["japan_2027_plan"]\n[overrides]\nscale = 0.1\n')
    res = invoke(["experiment", str(spec), "--out", str(tmp_path / "out"), "--workers", "1"])
    assert "do not reach past the" in res.stderr
    assert "scenario japan_2027_plan: the plan" in res.stderr and "never acts" in res.stderr


def test_run_burn_in_option_sets_what_the_summary_covers(tmp_path):
    """``abm run --burn-in N``: the note names it, the manifest keeps it, and summary.json is
    the model's summary at that burn-in."""
    from abm import EcosystemModel

    out = tmp_path / "out"
    res = invoke(["run", "--preset", "korea", "--steps", "12", "--burn-in", "4", "--set",
                  "scale=0.1", "--out", str(out)])
    assert "cover steps 5-12, after the 4-quarter burn-in" in " ".join(res.stdout.split())
    assert json.loads((out / "manifest.json").read_text())["burn_in"] == 4
    want = EcosystemModel(preset="korea", seed=1, scale=0.1, burn_in=4).run(12).summary()
    assert json.loads((out / "summary.json").read_text()) == pytest.approx(want)
