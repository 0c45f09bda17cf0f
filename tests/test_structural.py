"""Structural uncertainty (issue 13, part 2) and the two-dimensional technology sweep (part 3):
declared ranges, the per-run constants override (validation, restore, determinism across
executors), the ``[sample] constants`` spec table, and the report's verdict logic on small
hand-made runs tables. No test asserts which regime grows, innovates or survives more."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from abm import constants as C
from abm.params import SPECS
from abm.presets import PRESET_NAMES, resolve
from abm.structural import (CONSTANTS, PARAMETERS, PRESET_PARAMETERS, STRUCTURAL,
                            StructuralError, check_constant, check_preset_parameter,
                            override_constants, preset_value)
from abm.experiments.report import (make_report, ordering_verdicts, sweep_leaders,
                                sweep_pairwise)
from abm.experiments.runner import (PoolExecutor, RunSpec, SerialExecutor, run_batch,
                                run_experiment)
from abm.experiments.spec import (SpecError, design_points, load_spec, parse_spec,
                                  salib_problem)


# -- declarations ------------------------------------------------------------------------------
@pytest.mark.parametrize("name", list(STRUCTURAL))
def test_every_declared_range_is_plausible_and_sourced(name):
    e = STRUCTURAL[name]
    assert e.low < e.high
    assert len(e.reasoning) > 40  # a source or a reasoning, not a placeholder
    if e.kind == "constant":
        value = getattr(C, name)
        assert isinstance(value, float)
        assert e.low <= value <= e.high
    elif e.kind == "preset_parameter":
        assert name in SPECS and (e.low, e.high) == (0.0, 1.0)  # the unit range of u
        s = SPECS[name]
        assert set(e.per_preset) == {"silicon_valley", "japan", "korea"}
        for p, (lo, hi) in e.per_preset.items():
            assert s.low <= lo <= hi <= s.high
            assert lo <= resolve(p)[name] <= hi  # the preset value inside its own range
    else:
        assert e.kind == "parameter" and name in SPECS
        s = SPECS[name]
        assert s.low <= e.low and e.high <= s.high
        assert all(e.low <= resolve(p)[name] <= e.high for p in PRESET_NAMES)


def test_every_index_of_docs_indices_has_a_per_preset_range():
    """The index parameters of docs/indices.md's Summary table that differ between presets
    (not the two calibrated M&A ones, in the ensemble) plus matching_programme."""
    import re
    from pathlib import Path

    text = (Path(__file__).resolve().parent.parent / "docs" / "indices.md").read_text()
    summary = text[text.index("## Summary"):text.index("## Recommended changes")]
    listed = set(re.findall(r"^\| `([a-z_]+)` \|", summary, flags=re.M))
    calibrated = {"acquisition_appetite", "ma_market_depth"}
    assert listed - calibrated == set(PRESET_PARAMETERS)


# -- per-preset ranges -------------------------------------------------------------------------
def test_per_preset_range_maps_the_unit_value_to_each_presets_range():
    e = STRUCTURAL["risk_tolerance"]
    for p, (lo, hi) in e.per_preset.items():
        assert preset_value("risk_tolerance", p, 0.0) == pytest.approx(lo)
        assert preset_value("risk_tolerance", p, 1.0) == pytest.approx(hi)
        assert preset_value("risk_tolerance", p, 0.25) == pytest.approx(lo + 0.25 * (hi - lo))
    assert preset_value("risk_tolerance", "korea", 0.5) == pytest.approx(0.6)  # 0.4-0.8
    assert preset_value("risk_tolerance", "japan", 0.5) == pytest.approx(0.45)  # 0.4-0.5
    # a range of zero width holds the value (silicon_valley has no business groups)
    assert preset_value("group_cohesion", "silicon_valley", 0.7) == 0.0


@pytest.mark.parametrize("call, needles", [
    (lambda: check_preset_parameter("nih_bias", "korea", 0.5),
     ["nih_bias = 0.5", "korea", "[0, 0.2]"]),
    (lambda: check_preset_parameter("founding_legitimacy", "japan", 0.2),
     ["founding_legitimacy = 0.2", "japan", "[0.28, 0.59]"]),
    (lambda: check_preset_parameter("nih_bias", "japan_2027_plan", 0.3),
     ["nih_bias", "no declared range for preset 'japan_2027_plan'", "silicon_valley"]),
    (lambda: check_preset_parameter("nih_bais", "japan", 0.3),
     ["unknown per-preset structural parameter 'nih_bais'", "nih_bias"]),
    (lambda: preset_value("nih_bias", "japan", 1.5), ["nih_bias", "[0, 1]"]),
    (lambda: check_constant("nih_bias", 0.3), ["range per preset"]),
])
def test_per_preset_range_refuses_with_a_clear_error(call, needles):
    with pytest.raises(StructuralError) as exc:
        call()
    for n in needles:
        assert n in str(exc.value)


def test_sample_preset_parameters_map_each_preset_to_its_own_range():
    spec = parse_spec(_raw(parameters=["quality_step"], constants=["IPO_MULTIPLE"],
                           preset_parameters=["nih_bias", "risk_tolerance"]))
    assert spec.sample["bounds"]["nih_bias"] == [0.0, 1.0]
    assert salib_problem(spec.sample)["names"][-2:] == ["nih_bias", "risk_tolerance"]
    X = spec.sample_matrix
    assert len(spec.scenarios) == 2 * 2 * 5
    for sc in spec.scenarios:
        for k, n in ((2, "nih_bias"), (3, "risk_tolerance")):
            lo, hi = STRUCTURAL[n].per_preset[sc.preset]
            assert sc.overrides[n] == pytest.approx(lo + X[sc.point, k] * (hi - lo))
            assert sc.params[n] == pytest.approx(sc.overrides[n])
    # the same point: the same relative place in each preset's range, different values
    by_point = {}
    for sc in spec.scenarios:
        by_point.setdefault(sc.point, {})[sc.preset] = sc.overrides["nih_bias"]
    assert any(v["japan"] != v["korea"] for v in by_point.values())


def test_sample_groups_count_points_by_group():
    spec = parse_spec(_raw(constants=["IPO_MULTIPLE", "REACH_NOISE"],
                           preset_parameters=["nih_bias", "risk_tolerance", "tech_transfer"],
                           groups={"indices": ["nih_bias", "risk_tolerance", "tech_transfer"]}))
    problem = salib_problem(spec.sample)
    assert problem["groups"] == ["IPO_MULTIPLE", "REACH_NOISE", "indices", "indices",
                                 "indices"]
    assert design_points(spec) == 2 * (3 + 1)  # 3 groups, 2 trajectories
    assert spec.sample_matrix.shape == (8, 5) and len(spec.scenarios) == 2 * 8


@pytest.mark.parametrize("sample, needles", [
    ({"constants": ["IPO_MULTIPLE"], "preset_parameters": ["nih_bais"]},
     ["[sample] preset_parameters", "unknown per-preset structural parameter 'nih_bais'",
      "nih_bias"]),
    ({"constants": ["IPO_MULTIPLE"], "preset_parameters": ["nih_bias"],
      "bounds": {"nih_bias": [0.1, 0.2]}}, ["[sample] nih_bias", "declared per preset"]),
    ({"parameters": ["nih_bias", "quality_step"], "preset_parameters": ["nih_bias"]},
     ["also in parameters"]),
    ({"constants": ["IPO_MULTIPLE", "REACH_NOISE"], "groups": {"g": ["IPO_MULTIPLE", "x"]}},
     ["group 'g'", "'x' is not a sampled factor"]),
    ({"constants": ["IPO_MULTIPLE", "REACH_NOISE"],
      "groups": {"g": ["IPO_MULTIPLE"], "h": ["IPO_MULTIPLE"]}},
     ["'IPO_MULTIPLE' is in groups 'g' and 'h'"]),
    ({"method": "sobol", "constants": ["IPO_MULTIPLE", "REACH_NOISE"],
      "groups": {"g": ["IPO_MULTIPLE", "REACH_NOISE"]}}, ["groups", "morris"]),
])
def test_sample_preset_parameters_and_groups_errors(sample, needles):
    with pytest.raises(SpecError) as exc:
        parse_spec(_raw(**sample), path="x.toml")
    for n in needles:
        assert n in str(exc.value)


def test_sample_preset_parameters_refuse_a_preset_without_declared_ranges():
    raw = _raw(constants=["IPO_MULTIPLE"], preset_parameters=["nih_bias"])
    raw["experiment"]["presets"] = ["japan", "japan_2027_plan"]
    with pytest.raises(SpecError) as exc:
        parse_spec(raw, path="x.toml")
    for n in ("nih_bias", "japan_2027_plan", "no declared range"):
        assert n in str(exc.value)


def test_declared_set_covers_the_technology_parameters():
    assert set(PARAMETERS) >= {"quality_step", "radical_step", "quality_sensitivity"}
    assert len(CONSTANTS) >= 10



# the constants that replaced the inline literals beside the country indices (docs/indices.md,
# issue 26 item 5), with the mechanism that reads each
_INDEX_LITERALS = {
    "CVC_SKILL_SHARE": "setup", "UNI_LEGITIMACY_WEIGHT": "founding",
    "SPINOUT_RISK_BASE": "founding", "UNI_QUALITY_BOOST": "founding",
    "UNI_SPILL_DRIFT": "founding", "ACQUISITION_RISK_BASE": "exits",
    "ACQUISITION_RISK_SLOPE": "exits", "DEFENSIVE_HAZARD": "exits",
    "DEFENSIVE_PREMIUM": "exits", "THREAT_REVENUE": "exits",
    "COHESION_DISSOLVE_CUT": "partnerships", "NIH_DISCOUNT": "partnerships",
    "DISRUPTIVE_PARTNERING": "partnerships", "ACCELERATOR_DRIFT": "operations",
    "PARTNER_DRIFT": "operations", "GRANT_NOISE_MIN": "policy", "GRANT_NOISE_SLOPE": "policy",
    "JOINT_RESEARCH_RD_GAIN": "universities", "FIN_MEMORY": "maturity"}


@pytest.mark.parametrize("name", sorted(_INDEX_LITERALS))
def test_index_literals_are_declared_read_and_screened_with_their_component(name):
    from abm.mechanisms import REGISTRY
    unit = REGISTRY[_INDEX_LITERALS[name]]
    assert name in unit.reads and name in CONSTANTS
    su = load_spec("experiments/structural_uncertainty.toml")
    assert name in su.sample["constants"]
    assert sum(name in members for members in su.sample["groups"].values()) == 1


def test_the_cvc_allowance_follows_overridden_constants():
    """The bound on a corporate fund's bar is summed from the constants at call time, so an
    override of CVC_FIT_* / CVC_BAR_EASE reaches it (CVC_MAX_EASE is their default sum)."""
    from abm.agents import screen_allowance

    corp, gov = np.array([True, False]), np.array([False, False])
    assert screen_allowance(corp, gov, 0.5).tolist() == [C.CVC_MAX_EASE * 0.5, 0.0]
    with override_constants({"CVC_FIT_SECTOR": 0.8, "CVC_BAR_EASE": 0.4}):
        assert screen_allowance(corp, gov, 0.5)[0] == pytest.approx((0.8 + 0.2 + 0.4 + 0.4) / 2)
    assert screen_allowance(corp, gov, 0.5)[0] == pytest.approx(0.6)


# -- the override ------------------------------------------------------------------------------
def test_override_sets_and_restores_even_on_error():
    before = C.IPO_MULTIPLE, C.REACH_NOISE
    with override_constants({"IPO_MULTIPLE": 9.0, "REACH_NOISE": 0.0}) as applied:
        assert (C.IPO_MULTIPLE, C.REACH_NOISE) == (9.0, 0.0)
        assert applied == {"IPO_MULTIPLE": 9.0, "REACH_NOISE": 0.0}
    assert (C.IPO_MULTIPLE, C.REACH_NOISE) == before
    with pytest.raises(RuntimeError):
        with override_constants({"IPO_MULTIPLE": 3.0}):
            raise RuntimeError("boom")
    assert C.IPO_MULTIPLE == before[0]


@pytest.mark.parametrize("values, needles", [
    ({"IPO_MULTIPL": 8.0}, ["unknown structural constant 'IPO_MULTIPL'", "IPO_MULTIPLE"]),
    ({"IPO_MULTIPLE": 50.0}, ["IPO_MULTIPLE = 50", "[3, 12]"]),
    ({"IPO_MULTIPLE": float("nan")}, ["IPO_MULTIPLE must be a finite number"]),
    ({"quality_step": 0.003}, ["technology parameter"]),
    ({"BURN_IN": 10}, ["unknown structural constant 'BURN_IN'"]),
])
def test_override_validation_names_constant_and_range(values, needles):
    before = C.IPO_MULTIPLE
    with pytest.raises(StructuralError) as exc:
        with override_constants({"REACH_NOISE": 0.01, **values}):
            pass
    for n in needles:
        assert n in str(exc.value)
    assert C.IPO_MULTIPLE == before and C.REACH_NOISE == 0.02  # nothing was changed
    with pytest.raises(StructuralError):
        RunSpec(run_id="x", preset="japan", constants=values)


def test_runspec_key_without_constants_is_unchanged():
    assert "constants" not in RunSpec(run_id="a", preset="japan").key()
    k = RunSpec(run_id="a", preset="japan", constants={"SCALE_UP": 0.03}).key()
    assert k["constants"] == {"SCALE_UP": 0.03}


def _runs():
    base = dict(preset="japan", overrides={"scale": 0.1}, seed=11, steps=28)
    return [RunSpec(run_id="a-const", constants={"STARTUP_INNOVATION": 0.06,
                                                 "IPO_MULTIPLE": 12.0}, **base),
            RunSpec(run_id="b-default", **base),
            RunSpec(run_id="c-const", constants={"STARTUP_INNOVATION": 0.06,
                                                 "IPO_MULTIPLE": 12.0}, **base),
            RunSpec(run_id="d-default", **base)]


def test_constants_runs_are_deterministic_and_do_not_leak():
    """Same seed, same results in serial, a reused pool worker and Dask; a default run after
    a constants run is the default run; the constant reaches the mechanism."""
    from distributed import LocalCluster

    collect = {"timeseries": False, "distributions": False}
    serial = run_batch(_runs(), executor=SerialExecutor(), collect=collect).runs
    pool = run_batch(_runs(), executor=PoolExecutor(1, tasks_per_child=10),
                     collect=collect).runs
    pd.testing.assert_frame_equal(serial, pool)
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster:
        dask = run_batch(_runs(), scheduler=cluster.scheduler_address, collect=collect).runs
    pd.testing.assert_frame_equal(serial, dask)
    r = serial.set_index("run_id")
    metrics = ["innovation_total", "startups_founded", "exits_ma"]
    assert (r.loc["a-const", metrics] == r.loc["c-const", metrics]).all()
    assert (r.loc["b-default", metrics] == r.loc["d-default", metrics]).all()
    alone = run_batch([_runs()[1]], executor=SerialExecutor(), collect=collect).runs
    assert (alone.set_index("run_id").loc["b-default", metrics]
            == r.loc["b-default", metrics]).all()
    assert r.loc["a-const", "innovation_total"] != r.loc["b-default", "innovation_total"]
    assert r.loc["a-const", "const.IPO_MULTIPLE"] == 12.0
    assert np.isnan(r.loc["b-default", "const.IPO_MULTIPLE"])
    assert C.STARTUP_INNOVATION == 0.03 and C.IPO_MULTIPLE == 6.0


# -- the [sample] constants table ---------------------------------------------------------------
def _raw(**sample):
    return {"experiment": {"name": "su", "kind": "sensitivity", "presets": ["japan", "korea"],
                           "replicates": 1, "master_seed": 3, "steps": 8},
            "overrides": {"scale": 0.1},
            "sample": {"method": "morris", "trajectories": 2, "levels": 4, **sample}}


def test_sample_constants_take_declared_ranges():
    spec = parse_spec(_raw(parameters=["quality_step"],
                           constants=["IPO_MULTIPLE", "REACH_NOISE"],
                           bounds={"REACH_NOISE": [0.01, 0.03]}))
    assert spec.sample["bounds"]["IPO_MULTIPLE"] == [3.0, 12.0]
    assert spec.sample["bounds"]["REACH_NOISE"] == [0.01, 0.03]
    assert spec.sample["bounds"]["quality_step"] == [0.002, 0.008]  # declared range
    assert salib_problem(spec.sample)["names"] == ["quality_step", "IPO_MULTIPLE",
                                                   "REACH_NOISE"]
    assert len(spec.scenarios) == 2 * 2 * 4
    runs = spec.runs()
    for r in runs:
        assert set(r.constants) == {"IPO_MULTIPLE", "REACH_NOISE"}
        assert 3.0 <= r.constants["IPO_MULTIPLE"] <= 12.0
        assert 0.01 <= r.constants["REACH_NOISE"] <= 0.03
        assert 0.002 <= r.overrides["quality_step"] <= 0.008
    # the same point has the same constants under both presets (paired comparison)
    by_point = {}
    for sc in spec.scenarios:
        by_point.setdefault(sc.point, []).append(sc.constants)
    assert all(a == b for a, b in by_point.values())
    assert spec.scenario_table()[0]["constants"] == spec.scenarios[0].constants
    # constants only (no parameters key)
    only = parse_spec(_raw(constants=["IPO_MULTIPLE", "REACH_NOISE"]))
    assert only.sample["parameters"] == []


@pytest.mark.parametrize("sample, needles", [
    ({"constants": ["IPO_MULTIPL", "REACH_NOISE"]},
     ["[sample] constants", "unknown structural constant 'IPO_MULTIPL'", "IPO_MULTIPLE"]),
    ({"constants": ["IPO_MULTIPLE", "REACH_NOISE"], "bounds": {"IPO_MULTIPLE": [1.0, 8.0]}},
     ["[sample] IPO_MULTIPLE", "out of its declared range [3, 12]"]),
    ({"constants": ["IPO_MULTIPLE", "REACH_NOISE"], "bounds": {"IPO_MULTIPLE": [8.0, 4.0]}},
     ["low < high"]),
    ({"constants": ["IPO_MULTIPLE", "IPO_MULTIPLE"]}, ["lists a constant twice"]),
    ({"constants": ["IPO_MULTIPLE"]}, ["at least two parameters"]),
    ({"constants": ["IPO_MULTIPLE", "REACH_NOISE"], "bounds": {"SCALE_UP": [0.0, 0.01]}},
     ["bounds given for constant 'SCALE_UP'"]),
    ({"constants": "IPO_MULTIPLE"}, ["must be a list"]),
])
def test_sample_constants_errors(sample, needles):
    with pytest.raises(SpecError) as exc:
        parse_spec(_raw(**sample), path="x.toml")
    for n in needles:
        assert n in str(exc.value)


def test_shipped_structural_and_sweep_specs():
    su = load_spec("experiments/structural_uncertainty.toml")
    assert {sc.preset for sc in su.scenarios} == {"silicon_valley", "japan", "korea"}
    assert set(su.sample["parameters"]) | set(su.sample["constants"]) \
        | set(su.sample["preset_parameters"]) == set(STRUCTURAL)
    # the size its spec comment states: 50 factors + 6 groups of the 17 country indices and
    # the 26 constants beside them, 7 trajectories x 57 points x 3 presets x 2 replicates
    groups = salib_problem(su.sample)["groups"]
    assert len(groups) == len(STRUCTURAL) == 93 and len(set(groups)) == 56
    grouped = set(sum(su.sample["groups"].values(), []))
    assert set(PRESET_PARAMETERS) <= grouped and len(grouped) == 17 + 26
    assert grouped - set(PRESET_PARAMETERS) <= set(CONSTANTS)
    assert design_points(su) == 7 * 57 == 399
    assert len(su.runs()) == 2394
    sw = load_spec("experiments/tech_regime_sweep.toml")
    assert len(sw.grid["disruptive_share"]) >= 4 and len(sw.grid["cumulativeness"]) >= 3
    assert {sc.preset for sc in sw.scenarios} >= {"silicon_valley", "japan", "korea"}


# -- report logic on hand-made tables -------------------------------------------------------------
def _table(diff_by_point, reps=2, noise=0.0):
    """Runs of bases A and B at points 0..n-1: B = 0, A = diff (+- noise by replicate)."""
    rows = []
    for j, d in enumerate(diff_by_point):
        for r in range(reps):
            rows.append({"base": "B", "point": j, "replicate": r, "y": 0.0})
            rows.append({"base": "A", "point": j, "replicate": r,
                         "y": d + (noise if r % 2 else -noise)})
    return pd.DataFrame(rows)


def test_verdict_robust_weak_not_robust_equal():
    v = ordering_verdicts(_table([1.0] * 20), ["y"], ["A", "B"]).iloc[0]
    assert (v.verdict, v.robust, v.share_a_gt_b, v.reversed_sig) == ("A > B", "robust", 1.0,
                                                                    0.0)
    v = ordering_verdicts(_table([-1.0] * 19 + [1.0]), ["y"], ["A", "B"]).iloc[0]
    assert (v.verdict, v.robust) == ("B > A", "robust")  # 95% of the points
    v = ordering_verdicts(_table([1.0] * 14 + [-1.0] * 6), ["y"], ["A", "B"]).iloc[0]
    assert (v.verdict, v.robust) == ("not robust", "no")
    assert v.share_a_gt_b == pytest.approx(0.7) and v.reversed_sig == pytest.approx(0.3)
    v = ordering_verdicts(_table([1.0] * 10 + [0.0] * 10), ["y"], ["A", "B"]).iloc[0]
    assert (v.verdict, v.robust, v.share_tie) == ("A >= B", "weak", 0.5)
    v = ordering_verdicts(_table([0.0] * 5), ["y"], ["A", "B"]).iloc[0]
    assert (v.verdict, v.robust) == ("equal", "equal")
    # noise around a positive difference: reversed but not significantly
    v = ordering_verdicts(_table([0.1] * 10 + [-0.1] * 10, noise=5.0), ["y"],
                          ["A", "B"]).iloc[0]
    assert v.robust == "no" and v.reversed_sig == 0.0
    # one replicate: no interval, the reversal share is undefined
    v = ordering_verdicts(_table([1.0] * 4, reps=1), ["y"], ["A", "B"]).iloc[0]
    assert np.isnan(v.reversed_sig)


def test_verdict_deciding_factor_is_the_one_that_moves_the_difference():
    from SALib.sample import morris

    problem = {"num_vars": 3, "names": ["K1", "K2", "K3"], "bounds": [[0, 1]] * 3}
    X = morris.sample(problem, 6, num_levels=4, seed=1)
    diff = 4.0 * X[:, 1] - 1.0 + 0.1 * X[:, 2]
    v = ordering_verdicts(_table(list(diff)), ["y"], ["A", "B"], X=X, problem=problem,
                          levels=4, seed=1).iloc[0]
    assert v.deciding.startswith("K2")
    assert v.mu_star["K1"] == pytest.approx(0.0)
    assert v.robust == "no"  # the sign flips inside the K2 range


def test_verdict_and_indices_name_the_morris_groups():
    """With [sample.groups], mu* (deciding factors and the sensitivity table) is per group."""
    from SALib.sample import morris

    from abm.experiments.reports.sensitivity import _salib_indices

    problem = {"num_vars": 3, "names": ["K1", "u1", "u2"], "bounds": [[0, 1]] * 3,
               "groups": ["K1", "indices", "indices"]}
    X = morris.sample(problem, 6, num_levels=4, seed=1)
    diff = 0.1 * X[:, 0] + 2.0 * X[:, 2] - 1.0
    v = ordering_verdicts(_table(list(diff)), ["y"], ["A", "B"], X=X, problem=problem,
                          levels=4, seed=1).iloc[0]
    assert set(v.mu_star) == {"K1", "indices"} and v.deciding.startswith("indices")
    rows = _salib_indices({"method": "morris", "levels": 4, "seed": 1}, problem, X, diff,
                          "A", "y")
    assert [r["parameter"] for r in rows] == ["K1", "indices"]


def _grid_table():
    """A leads B by 2 at x = 0 (every y); B leads A by 1 at x = 1 (y = 0 only); tied else."""
    rows = []
    for x in (0.0, 1.0):
        for y in (0.0, 0.5):
            for r in range(3):
                a = 2.0 if x == 0.0 else (0.0 if y == 0.0 else 1.0)
                b = 1.0 if y == 0.0 or x == 0.0 else 1.0
                e = [0.1, -0.1, 0.0][r]
                if x == 0.0:
                    b = 0.0
                rows += [{"base": "A", "replicate": r, "dx": x, "cy": y, "m": a + e},
                         {"base": "B", "replicate": r, "dx": x, "cy": y, "m": b}]
    return pd.DataFrame(rows)


def test_sweep_leader_and_pairwise_tables():
    t = _grid_table()
    lt = sweep_leaders(t, "m", "dx", "cy", ["A", "B"]).set_index(["dx", "cy"])
    assert lt.loc[(0.0, 0.0), "leader"] == "A" and lt.loc[(0.0, 0.0), "runner_up"] == "B"
    assert lt.loc[(0.0, 0.0), "margin"] == pytest.approx(2.0)
    assert lt.loc[(0.0, 0.0), "significant"]
    assert lt.loc[(1.0, 0.0), "leader"] == "B"
    assert lt.loc[(1.0, 0.0), "margin"] == pytest.approx(1.0)
    assert lt.loc[(1.0, 0.5), "leader"] == "tie" and not lt.loc[(1.0, 0.5), "significant"]
    assert lt.loc[(0.0, 0.5), "mean.A"] == pytest.approx(2.0)
    pw = sweep_pairwise(t, "m", "dx", "cy", ["A", "B"]).iloc[0]
    assert (pw.points, pw.a_higher, pw.b_higher, pw.neither) == (4, 2, 1, 1)
    assert pw.b_higher_at == "(1, 0)"


def test_structural_and_2d_sweep_reports_end_to_end(tmp_path):
    su = tmp_path / "su.toml"
    su.write_text("""\
[experiment]
name = "su_tiny"
kind = "sensitivity"
presets = ["japan", "korea"]
replicates = 1
master_seed = 2
steps = 8
[sample]
method = "morris"
trajectories = 2
parameters = ["quality_step"]
constants = ["IPO_MULTIPLE", "STARTUP_INNOVATION"]
preset_parameters = ["nih_bias", "risk_tolerance"]
outputs = ["innovation_total", "ma_share_of_exits"]
[sample.groups]
indices = ["nih_bias", "risk_tolerance"]
[overrides]
scale = 0.1
[collect]
timeseries = false
distributions = false
[report]
metrics = ["innovation_total", "ma_share_of_exits"]
network_snapshot = false
figures = false
""")
    run_experiment(load_spec(su), tmp_path / "su", workers=1)
    make_report(tmp_path / "su", figures=False)
    v = pd.read_csv(tmp_path / "su" / "tables" / "structural_verdicts.csv")
    assert len(v) == 2 and set(v["a"]) == {"japan"} and set(v["b"]) == {"korea"}
    assert "Orderings across structural uncertainty" in (tmp_path / "su" /
                                                         "report.md").read_text()
    runs = pd.read_parquet(tmp_path / "su" / "runs.parquet")
    assert {"const.IPO_MULTIPLE", "const.STARTUP_INNOVATION"} <= set(runs.columns)
    # the country indices: each preset's range in the factor table, with their Morris group
    text = (tmp_path / "su" / "report.md").read_text()
    assert "u = 0: silicon_valley 0.1, japan 0.2, korea 0" in text
    assert "4 Morris groups" in text

    sw = tmp_path / "sw.toml"
    sw.write_text("""\
[experiment]
name = "sw_tiny"
kind = "sweep"
presets = ["japan", "korea"]
replicates = 2
master_seed = 2
steps = 8
[grid]
disruptive_share = [0.2, 0.8]
cumulativeness = [0.3, 0.7]
[overrides]
scale = 0.1
[collect]
timeseries = false
distributions = false
[report]
metrics = ["innovation_total"]
network_snapshot = false
figures = false
""")
    run_experiment(load_spec(sw), tmp_path / "sw", workers=1)
    make_report(tmp_path / "sw", figures=False)
    lt = pd.read_csv(tmp_path / "sw" / "tables" / "sweep2d_leaders.csv")
    assert len(lt) == 4
    text = (tmp_path / "sw" / "report.md").read_text()
    assert "Sweep over `disruptive_share` x `cumulativeness`" in text
    assert (tmp_path / "sw" / "tables" / "sweep2d_innovation_total.tex").exists()
    # the heat-map figure (the spec's [report] figures = false switched on in the manifest)
    mpath = tmp_path / "sw" / "manifest.json"
    manifest = json.loads(mpath.read_text())
    manifest["spec"]["report"]["figures"] = True
    mpath.write_text(json.dumps(manifest))
    make_report(tmp_path / "sw", network=False, figures=True)
    assert (tmp_path / "sw" / "figures" / "sweep2d.png").stat().st_size > 0
    assert "figures/sweep2d.png" in (tmp_path / "sw" / "report.md").read_text()


def test_structural_uncertainty_samples_the_loop_strengths():
    from abm.params import SPECS
    from abm.structural import STRUCTURAL
    from abm.experiments.spec import load_spec, shipped_spec_path

    loops = [n for n in SPECS if n.startswith("loop_")]
    assert len(loops) == 6
    spec = load_spec(shipped_spec_path("structural_uncertainty"))
    for n in loops:
        e = STRUCTURAL[n]
        assert e.kind == "parameter" and e.low == 0.0  # 0 = the loop off
        assert SPECS[n].low <= e.low < SPECS[n].default < e.high <= SPECS[n].high
        assert n in spec.sample["parameters"]
        assert spec.sample["bounds"][n] == [e.low, e.high]


@pytest.mark.parametrize("end", ["low", "high"])
def test_the_constants_beside_the_indices_keep_the_invariants_at_both_ends(end):
    """All 26 constants beside the indices at the low (high) end of their declared ranges at
    once: a small japan run (business groups, corporate funds, grants) keeps the model's
    invariants (money conserved, cap tables, counts; tests/builders.assert_invariants)."""
    import builders as B
    from abm.model import EcosystemModel

    su = load_spec("experiments/structural_uncertainty.toml")
    names = [n for g in su.sample["groups"].values() for n in g if n in CONSTANTS]
    assert len(names) == 26
    with override_constants({n: getattr(STRUCTURAL[n], end) for n in names}):
        m = EcosystemModel(preset="japan", seed=3, scale=0.25)
        m.run(40)
        B.assert_invariants(m)
