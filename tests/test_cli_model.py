"""The ``abm`` command line: presets, params, run; bad input exits 2 with a one-line message.

The commands that succeed and a few bad inputs run as real subprocesses of the installed
``abm`` script, started together once per module (importing the model is the slow part).
Every bad input is also run in-process through ``abmcli.main`` (the same entry point, with
``sys.argv`` set), which checks exit code and message without paying for a process each.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pandas as pd
import pytest

from abm.params import COMPONENTS, SPECS
from abm.presets import PRESET_NAMES, resolve

RUN = ["run", "--steps", "1"]

BAD_INPUT = {
    # name: (arguments, words the one-line message must contain)
    "unknown_preset": (RUN + ["--preset", "narnia"], ["narnia", *PRESET_NAMES]),
    "unknown_preset_params": (["params", "--preset", "narnia"], ["narnia", "japan"]),
    "unknown_swap_component": (RUN + ["--preset", "japan", "--swap", "labour=silicon_valley"],
                               ["labour", *COMPONENTS]),
    "unknown_swap_preset": (RUN + ["--preset", "japan", "--swap", "labor=narnia"],
                            ["narnia", "silicon_valley"]),
    "malformed_swap": (RUN + ["--preset", "japan", "--swap", "labor"], ["labor"]),
    "unknown_parameter": (RUN + ["--preset", "japan", "--set", "job_mobilty=0.1"],
                          ["job_mobilty", "job_mobility"]),
    "out_of_range": (RUN + ["--preset", "japan", "--set", "job_mobility=5"],
                     ["job_mobility", "range", "[0, 0.3]"]),
    "malformed_value": (RUN + ["--preset", "japan", "--set", "scale=abc"], ["scale", "abc"]),
    "malformed_assignment": (RUN + ["--preset", "japan", "--set", "scale"], ["scale"]),
    "non_integer_parameter": (RUN + ["--preset", "japan", "--set", "n_sectors=2.5"],
                              ["n_sectors", "whole number"]),
    "cross_field": (RUN + ["--preset", "japan", "--set", "n_incumbents=5", "--set",
                           "n_business_groups=10"],
                    ["n_business_groups", "n_incumbents"]),
    "negative_steps": (["run", "--preset", "japan", "--steps", "-1"], ["steps", "-1"]),
    "fractional_steps": (["run", "--preset", "japan", "--steps", "2.5"], ["steps", "2.5"]),
    "non_integer_seed": (RUN + ["--preset", "japan", "--seed", "abc"], ["seed", "abc"]),
    "fractional_seed": (RUN + ["--preset", "japan", "--seed", "1.5"], ["seed", "1.5"]),
    "negative_seed": (RUN + ["--preset", "japan", "--seed", "-3"], ["seed", "-3"]),
    "burn_in_not_shorter": (["run", "--preset", "japan", "--steps", "4", "--burn-in", "4"],
                            ["--burn-in", "0 to 3", "4"]),
    "negative_burn_in": (RUN + ["--preset", "japan", "--burn-in", "-1"], ["--burn-in", "-1"]),
    "fractional_burn_in": (RUN + ["--preset", "japan", "--burn-in", "2.5"],
                           ["--burn-in", "2.5"]),
    # click usage errors: handled by abmcli.main
    "missing_preset": (["run", "--steps", "1"], ["preset"]),
    "unknown_option": (["params", "--bogus"], ["--bogus"]),
    "unknown_command": (["nosuchcommand"], ["nosuchcommand"]),
}


SUBPROCESS_BAD_INPUT = ("unknown_preset", "malformed_value", "fractional_steps",
                        "missing_preset")


def abm_command() -> list[str]:
    exe = shutil.which("abm")
    if exe:
        return [exe]
    return [sys.executable, "-c", "import abmcli; abmcli.main()"]


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    out = tmp_path_factory.mktemp("abm_run") / "out"
    jobs = {
        "presets": ["presets"],
        "params": ["params"],
        "params_japan": ["params", "--preset", "japan"],
        "run": ["run", "--preset", "korea", "--seed", "5", "--steps", "12", "--set",
                "scale=0.2", "--swap", "labor=silicon_valley", "--out", str(out)],
        **{name: BAD_INPUT[name][0] for name in SUBPROCESS_BAD_INPUT},
    }

    def call(args):  # wide enough for `abm params`'s one-table layout (parsed below)
        return subprocess.run(abm_command() + args, capture_output=True, text=True,
                              timeout=300, cwd=out.parent, env={**os.environ, "COLUMNS": "200"})

    with ThreadPoolExecutor(4) as pool:
        done = dict(zip(jobs, pool.map(call, jobs.values())))
    done["out_dir"] = out
    return done


@pytest.mark.slow
def test_presets_lists_every_preset(results):
    proc = results["presets"]
    assert proc.returncode == 0, proc.stderr
    for name in PRESET_NAMES:
        assert name in proc.stdout


def _rows(stdout: str) -> dict[str, list[str]]:
    """Parse the rich table: name -> its cells (first line of each row)."""
    rows = {}
    for line in stdout.splitlines():
        cells = [c.strip() for c in line.strip().strip("│").split("│")]
        if len(cells) >= 5 and cells[0] in SPECS:
            rows[cells[0]] = cells
    return rows


@pytest.mark.slow
def test_params_lists_every_parameter_with_its_default(results):
    proc = results["params"]
    assert proc.returncode == 0, proc.stderr
    rows = _rows(proc.stdout)
    assert set(rows) == set(SPECS)
    for name, cells in rows.items():
        spec = SPECS[name]
        assert float(cells[1]) == pytest.approx(spec.default, rel=1e-3), name
        assert cells[4] == spec.component


@pytest.mark.slow
def test_params_for_a_preset_shows_its_values(results):
    proc = results["params_japan"]
    assert proc.returncode == 0, proc.stderr
    assert "japan" in proc.stdout
    rows = _rows(proc.stdout)
    japan = resolve("japan")
    assert set(rows) == set(SPECS)
    for name, cells in rows.items():
        assert float(cells[1]) == pytest.approx(japan[name], rel=1e-3), name


@pytest.mark.slow
def test_run_writes_summary_timeseries_and_manifest(results):
    proc, out = results["run"], results["out_dir"]
    assert proc.returncode == 0, proc.stderr
    summary = json.loads((out / "summary.json").read_text())
    from abm import SUMMARY_KEYS

    assert set(SUMMARY_KEYS) <= set(summary)
    assert all(isinstance(v, float) for v in summary.values())
    ts = pd.read_parquet(out / "timeseries.parquet")
    assert len(ts) == 12 and "step" in ts.columns and list(ts["step"]) == list(range(1, 13))
    manifest = json.loads((out / "manifest.json").read_text())
    for key in ("parameters", "seed", "versions", "git_commit", "preset", "steps", "swaps",
                "model_source_sha256", "uncommitted_changes"):
        assert key in manifest, key
    assert manifest["seed"] == 5 and manifest["steps"] == 12 and manifest["preset"] == "korea"
    assert manifest["swaps"] == {"labor": "silicon_valley"}
    expected = resolve("korea", {"labor": "silicon_valley"}, {"scale": 0.2})
    assert manifest["parameters"] == pytest.approx(expected.to_dict())
    assert manifest["versions"].get("mesa")
    assert manifest["versions"].get("numpy")


def _check_one_line_error(returncode, stdout: str, stderr: str, words) -> None:
    err = stderr.strip()
    assert "Traceback" not in stderr and "Traceback" not in stdout, stderr[-2000:]
    assert returncode == 2, (returncode, err[-500:])
    assert err and len(err.splitlines()) == 1, err
    for word in words:
        assert word in err, (word, err)


@pytest.mark.parametrize("case", SUBPROCESS_BAD_INPUT)
@pytest.mark.slow
def test_bad_input_exits_2_with_one_line_subprocess(results, case):
    proc = results[case]
    _check_one_line_error(proc.returncode, proc.stdout, proc.stderr, BAD_INPUT[case][1])


@pytest.mark.parametrize("case", list(BAD_INPUT))
def test_bad_input_exits_2_with_one_line(case, monkeypatch, capsys, tmp_path):
    import abmcli

    args, words = BAD_INPUT[case]
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "argv", ["abm", *args])
    try:
        abmcli.main()
    except SystemExit as exc:
        code = exc.code
    except BaseException as exc:  # what would be a traceback in a terminal
        captured = capsys.readouterr()
        pytest.fail(f"abm {' '.join(args)} raised {type(exc).__name__}: {exc} "
                    f"(stderr: {captured.err[-300:]!r})")
    else:
        code = 0
    captured = capsys.readouterr()
    _check_one_line_error(code, captured.out, captured.err, words)
