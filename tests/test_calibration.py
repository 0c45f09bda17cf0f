"""Calibration (experiments/calibration.py) on a toy model whose true parameters are known, and
running experiments over an ensemble (experiments/ensemble.py, ``abm experiment --ensemble``).

The estimator sees the toy through the same simulator interface as the ABM (tasks in, one
``{metric: value}`` per task out); the toy's moments are cheap noisy functions of its
parameters, so the recovery, identification and ensemble checks run in well under a second.
No test runs the real calibration or asserts anything about a regime.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from abmcli import app
from abm.experiments.calibration import (Budget, CalibrationError, Moment, Task, calibrate,
                                     fit_rows, make_param, problem_from_facts, sig3, write_presets,
                                     write_report)
from abm.experiments.ensemble import (Ensemble, EnsembleError, apply_ensemble, load_ensemble,
                                  write_ensemble)
from abm.experiments.spec import RunSpec, load_spec, shipped_spec_path
from abm.experiments.validate import load_facts

TRUE = {"alpha": 0.4, "beta": 2.0, "K": 1.0, "delta": 0.3}
"""True toy parameters (``gamma`` moves no moment)."""


def toy_model(preset: str, v: dict, seed: int) -> dict:
    rng = np.random.default_rng(seed)

    def noise() -> float:
        return math.exp(0.02 * rng.standard_normal())

    if preset == "a":
        return {"share1": 0.9 * v["alpha"] * noise(),
                "intensity": 0.01 * v["beta"] * (1 + v["K"]) * noise()}
    return {"share2": 0.8 * v["K"] / (1 + v["K"]) * noise(), "share3": v["delta"] * noise()}


def toy_simulator(tasks):
    return [toy_model(t.preset, {**t.overrides, **t.constants}, t.seed) for t in tasks]


def toy_problem():
    params = [make_param("alpha", "a", 0.7, 0, 1), make_param("beta", "a", 0.5, 0.1, 10),
              make_param("gamma", "a", 1.0, 0, 100, ref=10),
              make_param("delta", "b", 0.6, 0, 1), make_param("K", None, 0.3, 0, 2, ref=1)]
    truth = toy_model("a", {**TRUE, "gamma": 0}, 0) | toy_model("b", TRUE, 0)
    noiseless = {"share1": 0.9 * 0.4, "intensity": 0.01 * 2.0 * 2.0, "share2": 0.4,
                 "share3": 0.3}
    assert set(truth) == set(noiseless)
    moments = [Moment(f"m_{k}", "a" if k in ("share1", "intensity") else "b", k,
                      0.88 * x, 1.12 * x, None, "log" if k == "intensity" else "logit")
               for k, x in noiseless.items()]
    return params, moments


@pytest.fixture(scope="module")
def toy():
    params, moments = toy_problem()
    res = calibrate(params, moments, toy_simulator, seeds=[1, 2, 3],
                    check_seeds=list(range(10)), budget=Budget(runs=2000), ensemble_size=30,
                    ensemble_seed=3)
    return res


def test_recovers_true_parameters(toy):
    est = toy["estimator"]
    x = dict(zip([p.name for p in est.params], est.x_of(toy["z"])))
    for name, truth in TRUE.items():
        assert x[name] == pytest.approx(truth, rel=0.1), name
    assert all(r["holds"] for r in fit_rows(toy))
    assert toy["best"].distance < toy["fit"]["start"].distance


def test_identification_flags_the_parameter_no_moment_depends_on(toy):
    weak = {r["parameter"]: r for r in toy["identification"]}
    assert weak["a.gamma"]["weak"] and weak["a.gamma"]["strength"] == 0.0
    assert not any(r["weak"] for name, r in weak.items() if name != "a.gamma")
    # alpha moves only share1; delta only share3 (block structure of the toy)
    assert abs(weak["a.alpha"]["effects"]["m_share1"]) > 0
    assert weak["a.alpha"]["effects"]["m_share3"] == 0.0
    assert weak["b.delta"]["effects"]["m_share1"] == 0.0


def test_ensemble_contains_the_truth_with_spread(toy):
    est = toy["estimator"]
    acc = toy["ensemble"]["accepted"]
    assert len(acc) >= 5
    X = np.array([est.x_of(e.z) for e in acc])
    names = [p.name for p in est.params]
    for name, truth in TRUE.items():
        col = X[:, names.index(name)]
        assert col.min() <= truth <= col.max(), name
        assert col.max() > col.min(), name  # a spread, not one point
    for e in acc:  # accepted means every moment holds
        assert all(m.holds(x) for m, x in zip(est.moments, e.means))
    # the unidentified parameter keeps a wide spread (its prior), the identified ones do not
    rel = (X.max(0) - X.min(0)) / np.array([p.high - p.low for p in est.params])
    assert rel[names.index("gamma")] > 5 * rel[names.index("delta")]
    # stored values have 3 significant digits
    assert all(sig3(v) == pytest.approx(v, rel=1e-9) for v in X.ravel())


def test_early_rejection_accepts_exactly_what_full_evaluation_accepts():
    """accept_staged runs preset a first and preset b only for the vectors a accepts: the
    accepted set equals that of evaluating every preset for every vector (same seeds, same
    rule), with fewer runs when some vectors fail on a."""
    from abm.experiments.calibration import Estimator

    params, moments = toy_problem()
    calls = []

    def counting(tasks):
        calls.append(len(tasks))
        return toy_simulator(tasks)

    est = Estimator(params, moments, counting, seeds=[1, 2])
    rng = np.random.default_rng(5)
    truth = est.z0.copy()
    for i, p in enumerate(est.params):  # the truth, gamma at its start
        if p.name in TRUE:
            truth[i] = p.to_z(TRUE[p.name])
    zs = [truth + rng.normal(0, 0.15, truth.size) * (est.hi - est.lo) / 10 for _ in range(40)]
    zs = [np.clip(z, est.lo, est.hi) for z in zs]
    full = est.evaluate(zs, kind="ensemble")
    want = [i for i, e in enumerate(full) if all(m.holds(x) for m, x in zip(est.moments,
                                                                              e.means))]
    runs_full = sum(calls)
    calls.clear()
    evs, got = est.accept_staged(zs)
    assert got == want and 0 < len(got) < len(zs)  # some pass, some fail
    assert sum(calls) < runs_full
    # the accepted vectors' moments are those of the full evaluation, to the last bit
    for i in got:
        np.testing.assert_array_equal(evs[i].values, full[i].values)
    # a vector rejected on preset a was not run for preset b (its b moments are not known)
    b_rows = [j for j, m in enumerate(est.moments) if m.preset == "b"]
    a_rows = [j for j, m in enumerate(est.moments) if m.preset == "a"]
    for i, e in enumerate(evs):
        if not all(est.moments[j].holds(e.means[j]) for j in a_rows):
            assert np.isnan(e.means[b_rows]).all()


def test_ensemble_only_mode_builds_an_ensemble_at_the_current_values_without_search():
    """search=False: the start is the point (no least-squares step), the ensemble and the
    check run there, batches are recorded; no budget applies."""
    _, moments = toy_problem()
    # the toy's parameters at their truth (what a shipped calibration holds)
    params = [make_param("alpha", "a", 0.4, 0, 1), make_param("beta", "a", 2.0, 0.1, 10),
              make_param("gamma", "a", 1.0, 0, 100, ref=10),
              make_param("delta", "b", 0.3, 0, 1), make_param("K", None, 1.0, 0, 2, ref=1)]
    res = calibrate(params, moments, toy_simulator, seeds=[1, 2, 3], check_seeds=[1, 2],
                    budget=Budget(runs=1), ensemble_size=12, ensemble_seed=4, search=False,
                    ensemble_batch=4)
    est = res["estimator"]
    assert res["fit"]["message"].startswith("no search")
    assert res["check"] is res["start_check"]  # the start is the point: checked once
    assert not [t for t in est.trials if t["kind"] in ("search", "fd")]
    np.testing.assert_allclose(est.x_of(res["z"]), [sig3(p.x0) for p in est.params])
    batches = res["ensemble"]["batches"]
    assert [b["candidates"] for b in batches] == [4, 4, 4]
    assert sum(b["accepted"] for b in batches) == len(res["ensemble"]["accepted"]) > 0
    assert all(b["runs"] <= b["runs_without_early_rejection"] for b in batches)


def test_budget_is_respected_and_a_too_small_budget_is_refused():
    params, moments = toy_problem()
    res = calibrate(params, moments, toy_simulator, seeds=[1, 2], check_seeds=[1, 2],
                    budget=Budget(runs=120), ensemble_size=4)
    assert res["runs"] <= 120
    assert res["fit"]["message"].startswith("stopped") or res["runs"] <= 120
    with pytest.raises(CalibrationError, match="--budget 20 runs is too small"):
        calibrate(params, moments, toy_simulator, seeds=[1, 2], check_seeds=[1, 2],
                  budget=Budget(runs=20), ensemble_size=4)


def test_report_and_ensemble_files(toy, tmp_path):
    files = write_report(toy, tmp_path, {"steps": 1, "seed": 7, "workers": 1})
    text = (tmp_path / "calibration.md").read_text()
    for words in ("Fit per moment", "Identification", "**weak**", "a.gamma", "Ensemble",
                  "Ensemble batches", "runs without early rejection"):
        assert words in text
    assert all(f.exists() for f in files)
    raw = (tmp_path / "ensemble.toml").read_text()
    assert "[[member]]" in raw and "[member.presets.a]" in raw


# -- transforms and residuals ------------------------------------------------------------------
@settings(max_examples=60, deadline=None)
@given(st.sampled_from([(0.0, 1.0), (0.1, 10.0), (0.0, 100.0), (0.006, 0.024), (0.0, 0.04)]),
       st.floats(0, 1))
def test_transform_round_trips_inside_the_range(rng_, u):
    lo, hi = rng_
    p = make_param("x", None, 0.5 * (lo + hi), lo, hi, ref=hi / 2)
    x = p.low + u * (p.high - p.low)
    z = p.to_z(x)
    zl, zh = p.z_bounds
    assert zl - 1e-9 <= z <= zh + 1e-9
    back = p.from_z(z)
    assert p.low <= back <= p.high
    if p.transform != "logit" or 0.002 < u < 0.998:
        assert back == pytest.approx(x, rel=1e-6, abs=1e-4 * (hi - lo))
    assert p.from_z(p.to_z(p.low)) == p.low and p.from_z(p.to_z(p.high)) == p.high
    assert p.from_z(zl + 1e-7 * (zh - zl)) == p.low  # the optimiser's hair inside a bound


@settings(max_examples=80, deadline=None)
@given(st.sampled_from([(0.15, 0.35, "logit"), (0.0, 0.05, "logit"), (0.75, 0.92, "logit"),
                        (0.0003, 0.0016, "log")]), st.floats(1e-5, 0.99))
def test_residual_within_half_a_width_exactly_inside_the_range(fact, x):
    lo, hi, tr = fact
    m = Moment("f", "p", "k", lo, hi, None, tr)
    r = m.residual(x)
    if lo < x < hi:
        assert abs(r) <= 0.5 + 1e-9
    elif x < lo * 0.999 or x > hi * 1.001:
        assert abs(r) >= 0.5 - 1e-9
    assert m.residual(float("nan")) == 2.0


# -- the real problem's definition (no model run) ------------------------------------------------
def test_problem_from_facts_takes_every_calibration_fact():
    facts = [f for f in load_facts() if f.use == "calibration"]
    params, moments = problem_from_facts(facts)
    assert [m.id for m in moments] == [f.id for f in facts]
    labels = {p.label for p in params}
    assert "silicon_valley.lp_capital_per_year" in labels and "ACQUISITION_HAZARD" in labels
    for p in params:  # inside documented ranges
        from abm.params import SPECS
        from abm.structural import STRUCTURAL

        lo, hi = (SPECS[p.name].low, SPECS[p.name].high) if p.preset else \
            (STRUCTURAL[p.name].low, STRUCTURAL[p.name].high)
        assert lo <= p.low < p.high <= hi


@pytest.mark.parametrize("kwargs, words", [
    ({"constants": ["ACQUISITION_HAZRD"]}, ["ACQUISITION_HAZRD", "ACQUISITION_HAZARD"]),
    ({"constants": [], "extra_parameters": {"korea": ["lp_capital_per_yer"]}},
     ["lp_capital_per_yer", "lp_capital_per_year"]),
    ({"extra_parameters": {"narnia": ["scale"]}}, ["narnia", "korea"]),
])
def test_bad_calibration_input_is_named(kwargs, words):
    facts = [f for f in load_facts() if f.use == "calibration"]
    with pytest.raises(CalibrationError) as err:
        problem_from_facts(facts, **kwargs)
    for w in words:
        assert w in str(err.value)


def test_no_fact_is_refused():
    with pytest.raises(CalibrationError, match="no calibration fact"):
        problem_from_facts([])


def test_write_presets_rounds_to_three_digits(tmp_path):
    from abm.presets import resolve

    src = shipped_spec_path("regime_comparison").parents[1] / "abm" / "presets.toml"
    dst = tmp_path / "presets.toml"
    dst.write_text(src.read_text())
    write_presets({"korea": {"lp_capital_per_year": 2605.9312, "cvc_allocation": 0.00345358}},
                  dst)
    text = dst.read_text()
    assert "lp_capital_per_year = 2610.0" in text and "cvc_allocation = 0.00345 " in text
    import tomllib

    assert tomllib.loads(text)["korea"]["lp_capital_per_year"] == 2610.0
    assert resolve("korea")["lp_capital_per_year"] != 2610.0  # the shipped file is untouched


# -- ensembles ---------------------------------------------------------------------------------
def _members(n: int) -> list[dict]:
    return [{"id": i, "distance": 0.1, "constants": {"ACQUISITION_HAZARD": 0.01 + 0.001 * i},
             "presets": {"japan": {"cvc_allocation": 0.001 * (i + 1)},
                         "silicon_valley": {"acquisition_appetite": 0.5 + 0.01 * i}}}
            for i in range(n)]


def test_draws_are_deterministic_and_differ_across_replicates():
    ens = Ensemble(members=_members(8))
    a, b = ens.draws(8, seed=4), ens.draws(8, seed=4)
    assert a == b and sorted(a) == list(range(8))  # every member once for 8 replicates
    assert ens.draws(8, seed=5) != a
    assert ens.draws(20, seed=4)[:8] == a


def test_apply_ensemble_rules():
    ens = Ensemble(members=_members(5))
    runs = [RunSpec("s0-r0", "japan", seed=1, replicate=0),
            RunSpec("s1-r0", "japan", overrides={"cvc_allocation": 0.02}, seed=1, replicate=0),
            RunSpec("s2-r0", "japan", swaps={"finance": "silicon_valley"}, seed=1, replicate=0),
            RunSpec("s3-r0", "japan_2027_plan", seed=1, replicate=0),
            RunSpec("s4-r0", "korea", constants={"ACQUISITION_HAZARD": 0.02}, seed=1,
                    replicate=0),
            RunSpec("s0-r1", "japan", seed=2, replicate=1)]
    out = apply_ensemble(runs, ens, seed=3)
    k0, k1 = ens.draws(2, seed=3)
    assert out[0].overrides == {"cvc_allocation": 0.001 * (k0 + 1)}
    assert out[0].constants == {"ACQUISITION_HAZARD": pytest.approx(0.01 + 0.001 * k0)}
    assert out[1].overrides["cvc_allocation"] == 0.02  # the scenario's own setting wins
    assert "cvc_allocation" not in out[2].overrides  # finance swapped in from silicon_valley
    assert out[3].overrides == out[0].overrides  # extends japan
    assert out[4].overrides == {} and out[4].constants == {"ACQUISITION_HAZARD": 0.02}
    assert out[5].overrides != out[0].overrides  # another replicate, another member
    assert out[0].key() != runs[0].key()


def test_spec_runs_over_an_ensemble_and_records_it(tmp_path):
    path = write_ensemble(tmp_path / "e.toml", _members(3), {"note": "test"})
    spec = load_spec(shipped_spec_path("regime_comparison"), replicates=3, steps=2)
    plain = spec.fingerprint()
    spec.ensemble = load_ensemble(path)
    runs = spec.runs()
    japan = [r for r in runs if r.preset == "japan"]
    assert len({r.overrides["cvc_allocation"] for r in japan}) == 3
    assert spec.fingerprint() != plain
    d = spec.to_dict()["ensemble"]
    assert d["members"] == 3 and d["replicate_members"] == spec.ensemble.draws(3, 16)
    assert d["sha256"] and d["meta"] == {"note": "test"}


@pytest.mark.parametrize("text, words", [
    (None, ["not found", "calibrate.py"]),
    ("[meta]\nx = 1\n", ["empty", "[[member]]"]),
    ("member = []\n", ["empty"]),
    ("[[member]]\n[member.presets.japan]\ncvc_alocation = 0.1\n", ["cvc_alocation",
                                                                   "cvc_allocation"]),
    ("[[member]]\n[member.presets.narnia]\nscale = 1.0\n", ["narnia", "japan"]),
    ("[[member]]\n[member.presets.japan]\ncvc_allocation = 5.0\n", ["cvc_allocation", "range"]),
    ("[[member]]\n[member.constants]\nIPO_MULTIPLE = 50.0\n", ["IPO_MULTIPLE", "[3, 12]"]),
    ("[[member\n", ["malformed TOML"]),
])
def test_bad_ensemble_file_gives_a_clear_error(tmp_path, text, words):
    path = tmp_path / "e.toml"
    if text is not None:
        path.write_text(text)
    with pytest.raises(EnsembleError) as err:
        load_ensemble(path)
    for w in words:
        assert w in str(err.value)


def test_cli_rejects_an_empty_ensemble(tmp_path):
    path = tmp_path / "empty.toml"
    path.write_text("[meta]\n")
    res = CliRunner().invoke(app, ["experiment", str(shipped_spec_path("regime_comparison")),
                                   "--ensemble", str(path), "--out", str(tmp_path / "o")])
    assert res.exit_code == 2
    assert "empty" in res.output + (res.stderr if res.stderr_bytes else "")


def test_abm_simulator_runs_tasks_through_the_runner():
    from abm.experiments.calibration import ABMSimulator

    sim = ABMSimulator(steps=3, scale=0.05, workers=1)
    rows = sim([Task("japan", {"cvc_allocation": 0.001}, {"ACQUISITION_HAZARD": 0.01}, 5)])
    assert len(rows) == 1 and "ma_share_of_exits" in rows[0]
    assert rows[0]["param.cvc_allocation"] == 0.001
    assert rows[0]["const.ACQUISITION_HAZARD"] == 0.01


def test_experiment_over_an_ensemble_records_it_in_manifest_and_report(tmp_path):
    import json

    from abm.experiments.report import make_report
    from abm.experiments.runner import run_experiment

    path = write_ensemble(tmp_path / "e.toml", _members(4))
    spec = load_spec(shipped_spec_path("regime_comparison"), replicates=2, steps=3,
                     overrides={"scale": 0.05})
    spec.ensemble = load_ensemble(path)
    spec.ensemble_seed = 9
    out = tmp_path / "exp"
    res = run_experiment(spec, out, workers=1)
    m = json.loads((out / "manifest.json").read_text())
    draws = spec.ensemble.draws(2, 9)
    assert m["spec"]["ensemble"]["replicate_members"] == draws
    japan = res.runs[res.runs["preset"] == "japan"].sort_values("replicate")
    assert list(japan["param.cvc_allocation"]) == [0.001 * (k + 1) for k in draws]
    assert list(japan["const.ACQUISITION_HAZARD"]) == pytest.approx(
        [0.01 + 0.001 * k for k in draws])
    make_report(out, network=False, figures=False)
    assert "calibration ensemble" in (out / "report.md").read_text()


@pytest.mark.parametrize("argv, words", [
    (["--presets", "narnia"], ["narnia", "korea"]),
    (["--constants", "IPO_MULTIPL"], ["IPO_MULTIPL", "IPO_MULTIPLE"]),
    (["--parameter", "korea.lp_capital"], ["lp_capital", "lp_capital_per_year"]),
    (["--parameter", "korea"], ["PRESET.NAME"]),
    (["--seeds", "0"], ["--seeds"]),
    (["--budget", "5"], ["--budget 5 runs is too small"]),
])
def test_calibrate_script_rejects_bad_input(argv, words, capsys):
    import importlib.util

    path = shipped_spec_path("regime_comparison").parents[1] / "scripts" / "calibrate.py"
    spec = importlib.util.spec_from_file_location("calibrate_script", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    assert mod.main(argv) == 2  # before any model run
    err = capsys.readouterr().err
    for w in words:
        assert w in err


def test_write_ensemble_leaves_out_none_at_every_depth(tmp_path):
    """TOML has no null: a None in the metadata (e.g. ``scale`` left to the presets) or deep in
    a member is dropped, not a crash after the whole calibration has run."""
    members = _members(2)
    members[0]["presets"]["japan"]["unset"] = None
    path = write_ensemble(tmp_path / "e.toml", members, {"scale": None, "seeds": 2})
    ens = load_ensemble(path)
    text = path.read_text()
    assert "scale" not in text and "unset" not in text and "seeds = 2" in text
    assert len(ens.draws(2, 1)) == 2
