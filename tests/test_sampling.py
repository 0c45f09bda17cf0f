"""SALib designs beyond Morris and Sobol (issue 17 item 3): Latin hypercube, plain Monte
Carlo and FAST in a spec's ``[sample]``, and the FAST and delta analyses ``abm report``
writes for them. Small specs; the analyses are checked on a hand-made response whose
answer is known (x0 matters, x1 barely)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from abm.experiments.report import _salib_indices, make_report
from abm.experiments.runner import run_experiment
from abm.experiments.spec import SpecError, load_spec, salib_problem, sample_matrix

SPEC = """\
[experiment]
name = "tiny_{method}"
kind = "sensitivity"
presets = ["silicon_valley"]
replicates = 1
master_seed = 7
steps = 12

[sample]
method = "{method}"
{extra}
parameters = ["job_mobility", "tech_transfer"]
bounds_from = ["japan", "silicon_valley"]
outputs = ["startups_active_end", "partnerships_formed"]

[overrides]
scale = 0.2

[collect]
timeseries = false
distributions = false

[report]
network_snapshot = false
figures = true
"""


def spec_file(tmp_path, method, extra=""):
    p = tmp_path / f"{method}.toml"
    p.write_text(SPEC.format(method=method, extra=extra))
    return p


def test_latin_hypercube_has_one_point_in_every_stratum_of_every_factor(tmp_path):
    spec = load_spec(spec_file(tmp_path, "latin", "samples = 24"))
    X = sample_matrix(spec.sample)
    assert X.shape == (24, 2) and len(spec.scenarios) == 24
    for j, (lo, hi) in enumerate(salib_problem(spec.sample)["bounds"]):
        strata = np.floor((X[:, j] - lo) / (hi - lo) * 24).astype(int)
        assert sorted(strata) == list(range(24))


def test_montecarlo_is_uniform_inside_the_bounds_and_seeded(tmp_path):
    spec = load_spec(spec_file(tmp_path, "montecarlo", "samples = 200\nseed = 3"))
    X = sample_matrix(spec.sample)
    b = np.asarray(salib_problem(spec.sample)["bounds"])
    assert X.shape == (200, 2)
    assert (X >= b[:, 0]).all() and (X <= b[:, 1]).all()
    np.testing.assert_array_equal(X, sample_matrix(spec.sample))
    other = load_spec(spec_file(tmp_path, "montecarlo", "samples = 200\nseed = 4"))
    assert not np.array_equal(X, sample_matrix(other.sample))
    assert spec.sample["analysis"] == "delta"


def test_fast_design_has_samples_points_per_factor(tmp_path):
    spec = load_spec(spec_file(tmp_path, "fast", "samples = 65"))
    assert sample_matrix(spec.sample).shape == (130, 2)
    assert spec.sample["analysis"] == "fast"


@pytest.mark.parametrize("method, extra, words", [
    ("fast", "samples = 64", ["samples", "64"]),
    ("latin", "samples = 3", ["samples", "20"]),
    ("morris", "samples = 20", ["samples", "fast, latin and montecarlo", "trajectories"]),
    ("latn", "", ["latn", "latin", "montecarlo", "fast"]),
])
def test_bad_sample_options_name_the_option_and_the_rule(tmp_path, method, extra, words):
    with pytest.raises(SpecError) as err:
        load_spec(spec_file(tmp_path, method, extra))
    assert all(w in str(err.value) for w in words), str(err.value)


@pytest.mark.parametrize("method", ["fast", "latin", "montecarlo"])
def test_analysis_ranks_the_factor_the_response_depends_on_first(method):
    sample = {"method": method, "parameters": ["x0", "x1"], "constants": [],
              "bounds": {"x0": [0.0, 1.0], "x1": [0.0, 1.0]}, "seed": 1,
              "samples": 65 if method == "fast" else 200,
              "analysis": "fast" if method == "fast" else "delta"}
    problem = salib_problem(sample)
    X = sample_matrix(sample)
    Y = 3 * X[:, 0] + 0.1 * X[:, 1]
    rows = pd.DataFrame(_salib_indices(sample, problem, X, Y, "b", "y")).set_index("parameter")
    key = "ST" if method == "fast" else "delta"
    assert rows.loc["x0", key] > rows.loc["x1", key]
    assert rows.loc["x0", "S1"] > 0.8 > rows.loc["x1", "S1"]


@pytest.mark.parametrize("method, extra, title, column", [
    ("latin", "samples = 20", "delta analysis of a latin sample", "delta"),
    ("montecarlo", "samples = 20", "delta analysis of a montecarlo sample", "delta"),
    ("fast", "samples = 65", "fast", "ST"),
])
def test_report_writes_fast_and_delta_indices_for_a_small_experiment(tmp_path, method, extra,
                                                                     title, column):
    spec = load_spec(spec_file(tmp_path, method, extra))
    out = tmp_path / "out"
    res = run_experiment(spec, out, workers=1)
    assert not res.failures and len(res.runs) == len(spec.scenarios)
    make_report(out, network=False, figures=True)
    md = (out / "report.md").read_text()
    assert f"Global sensitivity ({title})" in md
    table = pd.read_csv(next(out.rglob("sensitivity.csv")))
    assert column in table and set(table["parameter"]) == {"job_mobility", "tech_transfer"}
    assert table[column].notna().all()
    assert (out / "figures").exists() or any(out.rglob("sensitivity.png"))
