"""Bad input and faults as a table (issue 19 item 10, issue 30): command, expected exit status,
a fragment of the one-line message, read from tests/data/bad_inputs.toml (with what each case
did before issue 30).

Every case runs in-process through ``abmcli.main`` (the console script's entry point) in a
fresh working folder; each must exit with its status, print one line on stderr starting
``error:``, no traceback, and write nothing outside the folders it names. Exit statuses:
0 done, 1 a run or the machine failed, 2 bad input (abmcli/errors.py). The table also takes in
the bad-input cases of tests/test_cli_model.py (``abm run``/``abm params``) and of
tests/test_experiments.py (spec errors). Set ``ABM_BAD_INPUT_TABLE=path`` to write the table
with the messages seen (markdown).
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import pytest

from abm.experiments.runner import LOCK_NAME, run_experiment
from abm.experiments.spec import load_spec

TINY = """\
[experiment]
name = "tiny"
kind = "comparison"
presets = ["silicon_valley", "japan"]
replicates = 1
master_seed = 5
steps = 4

[overrides]
scale = 0.1
"""

SENS = """\
[experiment]
name = "sens"
kind = "sensitivity"
presets = ["japan"]
replicates = 1
master_seed = 1
steps = 4

[overrides]
scale = 0.1

[sample]
method = "morris"
parameters = ["job_mobility", "disruptive_share"]
bounds = {job_mobility = [0.0, 0.3], disruptive_share = [0.0, 1.0]}
trajectories = 2
"""


def _sample_spec(**changes: str) -> str:
    text = SENS
    for old, new in changes.items():
        text = text.replace(old, new)
    return text


FILES = {  # name -> text of a file the cases refer to as {name}
    "spec": TINY,
    "spec_reps": TINY.replace("replicates = 1", "replicates = 1000000000"),
    "spec_steps": TINY.replace("steps = 4", "steps = 1000000000000"),
    "spec_morris": _sample_spec(**{"trajectories = 2": "trajectories = 100000000"}),
    "spec_latin": _sample_spec(**{'"morris"': '"latn"'}),
    "spec_bounds": _sample_spec(**{"bounds = {job_mobility = [0.0, 0.3], disruptive_share = "
                                   "[0.0, 1.0]}": 'bounds = "wide"'}),
    "spec_grid": TINY + "[grid]\njob_mobility = {low = 0, high = 0.3, n = 200}\n"
                        "disruptive_share = {low = 0, high = 1, n = 200}\n"
                        "cumulativeness = {low = 0, high = 1, n = 200}\n"
                        "quality_tail = {low = 1.5, high = 4, n = 200}\n",
    "spec_grid_n": TINY + "[grid]\njob_mobility = {low = 0, high = 0.3, n = 1000000000}\n",
    "spec_mixed": TINY + '[grid]\njob_mobility = [0.1, "0.2"]\n',
    "spec_toml_array": "experiment = 3\n",
    "a_file": "not a folder\n",
}

E = "experiment"
X = ["--workers", "1"]
TABLE = Path(__file__).resolve().parent / "data" / "bad_inputs.toml"
"""The table of cases (command, expected status, message fragment; or the test that drives a
fault), with what each case did before issue 30."""
KINDS = ("clean", "traceback", "hang", "silent", "wrong")


def _table() -> list[dict]:
    import tomllib

    with TABLE.open("rb") as fh:
        return tomllib.load(fh)["case"]


ROWS = _table()
CASES = [(r["name"], r["args"], r["status"], r["message"], r.get("env", {}))
         for r in ROWS if "args" in r]
ABSENT = {r["name"]: r.get("absent", []) for r in ROWS}


def _existing_cases():
    """The bad-input tables already kept beside the commands they test."""
    import test_cli_model
    import test_experiments

    rows = [(f"cli_{name}", args, 2, words[0], {})
            for name, (args, words) in test_cli_model.BAD_INPUT.items()]
    for name, text, needles in test_experiments.BAD:
        FILES[f"old_{name}"] = text.replace('steps = 12', 'steps = 2')
        rows.append((f"spec_{name}", [E, f"{{old_{name}}}", "--out", "o", *X], 2,
                     needles[-1], {}))
    return rows


ALL = CASES + _existing_cases()
SEEN: list[tuple[str, str, int, str]] = []


@pytest.fixture(scope="module")
def place(tmp_path_factory):
    """Files and folders the cases name, built once."""
    import pandas as pd

    root = tmp_path_factory.mktemp("bad_input")
    paths = {}
    for name, text in FILES.items():
        p = root / f"{name}.toml"
        p.write_text(text)
        paths[name] = p
    (root / "binary.toml").write_bytes(Path(sys.executable).read_bytes()[:400])
    paths["binary"] = root / "binary.toml"
    spec = load_spec(paths["spec"])
    paths["first_run"] = spec.runs()[0].run_id
    exp = root / "exp"
    run_experiment(spec, exp, workers=1)
    paths["exp"] = exp
    sens = root / "sens"
    run_experiment(load_spec(root / "sens.toml") if (root / "sens.toml").exists() else
                   load_spec(_write(root / "sens.toml", SENS)), sens, workers=1)
    run = root / "run"
    run.mkdir()
    (run / "summary.json").write_text("{}")
    (run / "manifest.json").write_text(json.dumps({"preset": "japan"}))
    paths["run"] = run
    locked = root / "locked"
    locked.mkdir()
    (locked / LOCK_NAME).write_text(json.dumps({"pid": os.getppid(), "host": None,
                                                "started": "earlier", "command": "abm"}))
    import filelock

    held = filelock.FileLock(str(locked / LOCK_NAME), timeout=0)  # another writer holds it
    held.acquire()
    paths["locked"] = locked

    def copy(name, src=exp):
        dst = root / name
        shutil.copytree(src, dst)
        paths[name] = dst
        return dst

    d = copy("rep_trunc_runs")
    data = (d / "runs.parquet").read_bytes()
    (d / "runs.parquet").write_bytes(data[: len(data) // 2])
    copy("rep_text_runs")
    (paths["rep_text_runs"] / "runs.parquet").write_text("run_id,seed\nr1,1\n")
    d = copy("rep_trunc_ts")
    data = (d / "timeseries.parquet").read_bytes()
    (d / "timeseries.parquet").write_bytes(data[: len(data) // 3])
    copy("rep_bad_manifest")
    (paths["rep_bad_manifest"] / "manifest.json").write_text('{"kind": "comparison", ')
    copy("rep_list_manifest")
    (paths["rep_list_manifest"] / "manifest.json").write_text("[1, 2, 3]")
    d = copy("rep_schema")
    pd.DataFrame({"a": [1, 2], "b": [3.0, 4.0]}).to_parquet(d / "runs.parquet")
    d = copy("rep_mixed", sens)
    shutil.copy(exp / "manifest.json", d / "manifest.json")
    d = copy("rep_kind")
    m = json.loads((d / "manifest.json").read_text())
    m["kind"] = "sensitivity"
    (d / "manifest.json").write_text(json.dumps(m))
    d = copy("rep_steps")
    runs = pd.read_parquet(d / "runs.parquet")
    runs.loc[0, "steps"] = 24
    runs.to_parquet(d / "runs.parquet")
    # -- issue 30: damaged folders -------------------------------------------------------------
    d = copy("res_stray")
    (d / "parts").mkdir()
    (d / "parts" / "part-abc-runs.parquet").write_text("not a part")
    d = copy("res_dir")
    (d / "runs.parquet").unlink()
    (d / "runs.parquet").mkdir()
    d = copy("res_nomanifest")
    (d / "manifest.json").unlink()
    d = copy("rep_text_metric")
    runs = pd.read_parquet(d / "runs.parquet")
    runs["startups_founded"] = runs["startups_founded"].astype(str)
    runs.loc[0, "startups_founded"] = "abc"
    runs.to_parquet(d / "runs.parquet")
    for name, edit in (("rep_scen_text", lambda m: m.__setitem__("scenarios", "oops")),
                       ("rep_report_int", lambda m: m["spec"].__setitem__("report", 3)),
                       ("rep_metrics_int",
                        lambda m: m["spec"].setdefault("report", {}).__setitem__("metrics", 5)),
                       ("rep_metrics_nums",
                        lambda m: m["spec"].setdefault("report", {}).__setitem__("metrics",
                                                                               [1, 2]))):
        d = copy(name)
        m = json.loads((d / "manifest.json").read_text())
        edit(m)
        (d / "manifest.json").write_text(json.dumps(m))
    d = copy("rep_deep")
    (d / "manifest.json").write_text("[" * 100_000 + "]" * 100_000)
    d = copy("rep_dup")
    runs = pd.read_parquet(d / "runs.parquet")
    pd.concat([runs, runs]).to_parquet(d / "runs.parquet")
    d = copy("rep_ts_other")
    ts = pd.read_parquet(d / "timeseries.parquet")
    ts["run_id"] = ts["run_id"] + "-other"
    ts.to_parquet(d / "timeseries.parquet")
    d = copy("rep_ts_short")
    ts = pd.read_parquet(d / "timeseries.parquet")
    ts[ts["step"] < 3].to_parquet(d / "timeseries.parquet")
    paths["spec_deep"] = _write(root / "deep.toml", "experiment = " + "[" * 3000 + "]" * 3000
                                + "\n")
    yield paths
    held.release()


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def _fill(arg: str, paths) -> str:
    for k, v in paths.items():
        arg = arg.replace("{" + k + "}", str(v))
    return arg


@pytest.mark.parametrize("name,args,status,fragment,env", ALL, ids=[c[0] for c in ALL])
def test_bad_input(name, args, status, fragment, env, place, monkeypatch, capsys, tmp_path):
    import abmcli

    args = [_fill(a, place) for a in args]
    for k, v in env.items():
        monkeypatch.setenv(k, _fill(v, place))
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.setattr(sys, "argv", ["abm", *args])
    try:
        abmcli.main()
    except SystemExit as exc:
        code = exc.code
    except BaseException as exc:  # what would be a traceback in a terminal
        pytest.fail(f"abm {' '.join(args)} raised {type(exc).__name__}: {exc}")
    else:
        code = 0
    out = capsys.readouterr()
    err = out.err.strip()
    last = err.splitlines()[-1] if err else ""
    SEEN.append((name, " ".join(a if a else "''" for a in args), code, last))
    assert "Traceback" not in out.err and "Traceback" not in out.out, out.err[-2000:]
    assert code == status, (code, err[-500:])
    assert last.startswith("error:"), err
    assert len([line for line in err.splitlines() if line.startswith("error:")]) == 1, err
    assert fragment in last, (fragment, last)
    # nothing written outside the folders the command names, nor where it must not write
    named = {a for a in args}
    stray = [p.name for p in work.iterdir() if p.name not in named]
    assert not stray, stray
    left = [a for a in ABSENT.get(name, []) if (work / a).exists()]
    assert not left, f"{left} left behind"


@pytest.mark.parametrize("row", [r for r in ROWS if "test" in r], ids=lambda r: r["name"])
def test_fault_rows_name_a_test_of_the_suite(row):
    """The table's fault cases are driven by tests that exist (the table stays true)."""
    import importlib

    path, func = row["test"].split("::")
    module = importlib.import_module(Path(path).stem)
    assert callable(getattr(module, func, None)), row["test"]


def test_the_table_is_well_formed():
    names = [r["name"] for r in ROWS]
    assert len(names) == len(set(names))
    for r in ROWS:
        assert r["before"] in KINDS, r
        assert ("args" in r) != ("test" in r), r
        assert r["status"] in (0, 1, 2) and r["message"], r


def test_debug_flag_shows_the_traceback(monkeypatch, capsys, tmp_path):
    """An unexpected error: one line without --debug, the traceback with it."""
    import abmcli
    from abmcli import model_cmds

    def boom(*a, **k):
        raise RuntimeError("simulated bug")

    monkeypatch.setattr(model_cmds, "parse_swaps", boom)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ABM_DEBUG", raising=False)
    for argv, traced in ((["abm", "run", "--preset", "japan"], False),
                         (["abm", "run", "--preset", "japan", "--debug"], True)):
        monkeypatch.setattr(sys, "argv", list(argv))
        with pytest.raises(SystemExit) as info:
            abmcli.main()
        err = capsys.readouterr().err
        assert info.value.code == 1
        assert "error: unexpected RuntimeError: simulated bug" in err
        assert ("Traceback" in err) is traced
    monkeypatch.delenv("ABM_DEBUG", raising=False)


def test_write_the_table():
    """Writes the table of cases seen (status and message) when ABM_BAD_INPUT_TABLE is set."""
    target = os.environ.get("ABM_BAD_INPUT_TABLE")
    if not target:
        pytest.skip("set ABM_BAD_INPUT_TABLE=path to write the table")
    lines = ["| case | command | status | message |", "|---|---|---|---|"]
    for name, cmd, code, msg in SEEN:
        cmd = cmd.replace("|", "\\|")
        short = cmd if len(cmd) < 90 else cmd[:87] + "..."
        lines.append(f"| {name} | `abm {short}` | {code} | {msg.replace('|', '/')} |")
    Path(target).write_text("\n".join(lines) + "\n")


# -- faults that need more than a command line (the rows of tests/data/bad_inputs.toml that
#    name a test) --------------------------------------------------------------------------------
def _blow_up_at(monkeypatch, step: int, series: str = "productivity") -> None:
    """Every model built from a RunSpec overflows at ``step`` (a forced case: the presets
    hold to the steps limit)."""
    from abm.experiments.spec import RunSpec

    real_build = RunSpec.build

    def build(self, *a, **k):
        model = real_build(self, *a, **k)
        real_step = model.step

        def step():
            real_step()
            if model.steps >= step_at:
                model.datacollector.model_vars[series][-1] = float("inf")

        model.step = step
        return model

    step_at = step
    monkeypatch.setattr(RunSpec, "build", build)


def _main(monkeypatch, capsys, *args: str) -> tuple[int, str]:
    import abmcli

    monkeypatch.setattr(sys, "argv", ["abm", *args])
    try:
        abmcli.main()
    except SystemExit as exc:
        code = exc.code
    else:
        code = 0
    err = capsys.readouterr().err
    assert "Traceback" not in err, err
    return code, err.strip().splitlines()[-1] if err.strip() else ""


def test_run_that_overflows_stops_and_keeps_its_finite_quarters(monkeypatch, capsys, tmp_path):
    import pandas as pd

    _blow_up_at(monkeypatch, 7)
    out = tmp_path / "run"
    code, last = _main(monkeypatch, capsys, "run", "--preset", "japan", "--steps", "12",
                       "--set", "scale=0.1", "--out", str(out))
    assert code == 1, last
    assert last.startswith("error: the run stopped: values became non-finite (overflow) at "
                           "step 7 of 12: productivity"), last
    assert "6 finite quarters are kept" in last, last
    ts = pd.read_parquet(out / "timeseries.parquet")
    assert list(ts["step"]) == [1, 2, 3, 4, 5, 6]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "stopped" and manifest["stopped_at_step"] == 7
    assert not (out / "summary.json").exists()


def test_experiment_run_that_overflows_is_told_apart(monkeypatch, capsys, tmp_path):
    _blow_up_at(monkeypatch, 3)
    spec = tmp_path / "tiny.toml"
    spec.write_text(TINY)
    code, last = _main(monkeypatch, capsys, "experiment", str(spec), "--out",
                       str(tmp_path / "o"), "--workers", "1")
    assert code == 1, last
    assert "2 stopped because the model's values became non-finite (overflow, from step 3)" \
        in last and "--resume cannot help them" in last, last
    rec = [json.loads(line) for line in (tmp_path / "o" / "failures.jsonl").read_text()
           .splitlines()]
    assert [r["nonfinite_step"] for r in rec] == [3, 3]


def test_model_run_of_a_trillion_steps_is_refused_at_once():
    from abm.params import ParameterError
    from abm.experiments.runner import RunnerError, run_batch
    from abm.experiments.spec import RunSpec

    model = RunSpec(run_id="r", preset="japan", overrides={"scale": 0.1}, seed=1,
                    steps=1).build()
    with pytest.raises(ParameterError, match="above the limit of 1,000 quarters"):
        model.run(10**12)
    assert model.steps == 0
    with pytest.raises(RunnerError, match="above the limit of 1,000 quarters"):
        run_batch([RunSpec(run_id="r", preset="japan", seed=1, steps=10**12)], workers=1)
    model.run(2, force=False)
    assert model.steps == 2
