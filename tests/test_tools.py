"""The model with the tools researchers already use (issue 17, docs/tools.md).

* exact save and resume: ``pickle``, ``copy.deepcopy``, ``snapshot()``/``restore()``;
* Mesa citizenship: the DataCollector's step-0 row, ``mesa.batch_run`` steps and summary,
  Mesa's own SolaraViz page;
* the EMA Workbench adapter (``abm.experiments.ema``), when ema_workbench is installed.
"""

from __future__ import annotations

import copy
import json
import pickle
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from abm import EcosystemModel
from abm.mesa_compat import FLOWS, SummaryModel, model_params, stock_stats, summary_column
from abm.model import SERIES
from abm.params import ParameterError

KW = {"preset": "japan", "seed": 11, "scale": 0.3}


def _same_run(a: EcosystemModel, b: EcosystemModel) -> None:
    """Byte-identical summaries, identical series and the same agent ids."""
    assert json.dumps(a.summary(), sort_keys=True) == json.dumps(b.summary(), sort_keys=True)
    pd.testing.assert_frame_equal(a.timeseries(), b.timeseries(), check_exact=True)
    assert np.array_equal(a.st.uid[:a.st.n], b.st.uid[:b.st.n])
    assert a.steps == b.steps


# -- save, resume, branch ---------------------------------------------------------------------
@pytest.mark.parametrize("how", ["snapshot", "pickle", "deepcopy"])
def test_resumed_model_continues_exactly_as_the_uninterrupted_run(how):
    """Run 20 steps, save, run 20 more; the saved state, resumed, runs the same 20."""
    model = EcosystemModel(**KW).run(20)
    if how == "snapshot":
        saved = model.snapshot()
        resume = lambda: EcosystemModel.restore(saved)  # noqa: E731
    elif how == "pickle":
        saved = pickle.dumps(model)
        resume = lambda: pickle.loads(saved)  # noqa: E731
    else:
        twin = copy.deepcopy(model)
        resume = lambda: twin  # noqa: E731
    model.run(20)
    resumed = resume().run(20)
    _same_run(model, resumed)
    uninterrupted = EcosystemModel(**KW).run(40)
    _same_run(uninterrupted, resumed)


def test_a_snapshot_from_before_the_founders_table_resumes_exactly():
    """A snapshot of 0.2.0 held each founder's state in its attributes (no ``model.fo``, the
    pool as ``founder_pool``): restored, it continues as the uninterrupted run. The old
    layout is made here by moving a model's founders back into attributes before saving
    (checked once against real bytes of main 4c70166: japan, scale 0.1, seed 4, saved after
    30 steps, the summary after 10 more identical)."""
    from abm.agents import Founder

    model = EcosystemModel(**KW).run(20)
    names = [c.name for c in Founder.COLUMNS if c.name != "uid"]
    everyone = {id(f): f for f in model.founder_by_uid.values()}
    for s in model.startups.values():
        everyone.update({id(f): f for f in s.founders})
    everyone.update({id(f): f for f in model.angels})
    values = {i: {n: getattr(f, n) for n in names} for i, f in everyone.items()}
    state = model.__dict__
    state["founder_pool"], state["angels"] = model.founder_pool, model.angels
    for key in ("fo", "pool", "angel_rows", "founder_at"):
        del state[key]
    for i, f in everyone.items():
        del f.__dict__["row"]
        f.__dict__.update(values[i])
    resumed = EcosystemModel.restore(model.snapshot())
    assert resumed.fo.n == len(everyone)
    for f in resumed.founder_by_uid.values():
        assert "wealth" not in f.__dict__ and resumed.founder_at[f.row] is f
    _same_run(EcosystemModel(**KW).run(40), resumed.run(20))


@pytest.mark.slow
def test_a_snapshot_resumes_exactly_in_another_process(tmp_path):
    path = tmp_path / "m.pkl"
    path.write_bytes(EcosystemModel(**KW).run(20).snapshot())
    code = ("import json,sys; from abm import EcosystemModel;"
            f"m=EcosystemModel.restore(open({str(path)!r},'rb').read()).run(20);"
            "print(json.dumps(m.summary(), sort_keys=True))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == json.dumps(EcosystemModel(**KW).run(40).summary(), sort_keys=True)


def test_branches_from_one_pre_policy_state_share_it_and_differ_by_the_policy():
    base = EcosystemModel(**KW).run(20)
    saved = base.snapshot()
    ts0 = base.timeseries()
    no_policy = EcosystemModel.restore(saved).run(20)
    policy = EcosystemModel.restore(saved, grant_budget=1500.0).run(20)
    assert policy.p.grant_budget == 1500.0 and no_policy.p == base.p
    for branch in (no_policy, policy):
        pd.testing.assert_frame_equal(branch.timeseries().loc[:20], ts0, check_exact=True)
    # the branches part at the branch point: the policy's budget is in force and the paths
    # differ (how many grants it buys depends on eligible startups, not on the budget alone)
    assert policy.ministry.instrument("grant_budget") > no_policy.ministry.instrument(
        "grant_budget")
    assert not policy.timeseries().loc[21:].equals(no_policy.timeseries().loc[21:])
    _same_run(no_policy, EcosystemModel(**KW).run(40))


def test_restore_rejects_bad_input():
    saved = EcosystemModel(**KW).snapshot()
    with pytest.raises(ParameterError, match="no_such"):
        EcosystemModel.restore(saved, no_such=1.0)
    with pytest.raises(TypeError, match="not a snapshot"):
        EcosystemModel.restore(pickle.dumps({"a": 1}))


# -- Mesa: step-0 row, batch_run ----------------------------------------------------------------
def test_datacollector_has_a_step0_row_of_the_initial_state_and_timeseries_skips_it():
    model = EcosystemModel(**KW)
    raw = model.datacollector.get_model_vars_dataframe()
    assert len(raw) == 1 and model.timeseries().empty
    row = raw.iloc[0]
    assert row["incumbents"] > 0 and row["incumbent_employment"] > 0
    assert row["dry_powder"] > 0 and row["total_revenue"] > 0
    assert all(row[k] == 0.0 for k in FLOWS)
    assert model.stats == dict.fromkeys(SERIES, 0.0)  # the row left the model's state alone
    model.run(5)
    raw = model.datacollector.get_model_vars_dataframe()
    ts = model.timeseries()
    assert len(raw) == 6 and list(ts.index) == [1, 2, 3, 4, 5]
    pd.testing.assert_frame_equal(raw.iloc[1:].set_axis(ts.index), ts, check_names=False)


@pytest.mark.parametrize("preset", ["silicon_valley", "korea"])
def test_stock_stats_equal_what_observe_measured_at_the_end_of_each_step(preset):
    model = EcosystemModel(preset=preset, seed=4, scale=0.3)
    stocks = [k for k in SERIES if k not in FLOWS]
    for _ in range(40):
        model.step()
        now = stock_stats(model)
        assert {k: now[k] for k in stocks} == {k: model.stats[k] for k in stocks}


def test_mesa_batch_run_step_n_is_the_models_step_n():
    import mesa

    from abm._mesa import batch_run_kwargs

    seeding, keywords = batch_run_kwargs([KW["seed"]])  # Mesa 3.3: a parameter; 3.4+: rng=
    params = {**{k: v for k, v in KW.items() if k != "seed"}, **seeding}
    rows = mesa.batch_run(EcosystemModel, params, max_steps=6, data_collection_period=1,
                          display_progress=False, **keywords)
    df = pd.DataFrame(rows).set_index("Step")
    assert list(df.index) == list(range(7))
    ts = EcosystemModel(**KW).run(6).timeseries()
    for n in range(1, 7):
        assert df.loc[n, list(SERIES)].tolist() == ts.loc[n].tolist()
    assert df.loc[0, list(SERIES)].tolist() == [stock_stats(EcosystemModel(**KW))[k]
                                                for k in SERIES]


def test_batch_run_returns_the_summary_of_max_steps_quarters_with_distinct_seeds():
    from abm.mesa_compat import batch_run
    from abm.experiments.spec import replicate_seeds

    steps = 24
    rows = batch_run({"preset": ["japan", "korea"], "scale": 0.2}, max_steps=steps,
                     replicates=2, master_seed=5, display_progress=False)
    df = pd.DataFrame(rows)
    last = df[df["Step"] == steps]
    assert len(last) == 4 and last["seed"].nunique() == 2
    assert sorted(last["seed"].unique()) == sorted(replicate_seeds(5, 2))
    for _, row in last.iterrows():
        want = EcosystemModel(preset=row["preset"], seed=int(row["seed"]), scale=0.2) \
            .run(steps).summary()
        got = {k: row[summary_column(k)] for k in want}
        assert json.dumps(got, sort_keys=True) == json.dumps(want, sort_keys=True)
    with pytest.raises(ValueError, match="seed"):
        batch_run({"preset": "japan", "seed": 1}, max_steps=2)


def test_summary_model_is_nan_off_its_step_and_pickles_exactly():
    model = SummaryModel(summary_at=22, **KW).run(20)
    twin = pickle.loads(pickle.dumps(model))
    model.run(3)
    twin.run(3)
    vars_ = model.datacollector.get_model_vars_dataframe()
    assert np.isnan(vars_["startups_founded"].iloc[21]) and np.isnan(vars_["vc_intensity"].iloc[23])
    assert vars_[summary_column("unicorns")].iloc[22] == EcosystemModel(**KW).run(22).summary()[
        "unicorns"]
    pd.testing.assert_frame_equal(vars_, twin.datacollector.get_model_vars_dataframe())


# -- Mesa's SolaraViz ---------------------------------------------------------------------------
def test_mesa_accepts_the_model_parameters():
    from mesa.visualization.solara_viz import _check_model_params

    params = model_params(("scale", "job_mobility"))
    _check_model_params(EcosystemModel.__init__, params)  # raises on a problem
    _check_model_params(EcosystemModel.__init__, {"preset": "korea", "grant_budget": 3.0})
    assert params["scale"]["min"] < params["scale"]["value"] <= params["scale"]["max"]


def test_mesa_solaraviz_renders_steps_and_resets():
    solara = pytest.importorskip("solara")
    import ipyvuetify as v

    from abm.mesa_compat import make_page

    shown = solara.reactive(EcosystemModel(preset="korea", seed=3, scale=0.1))

    @solara.component
    def Wrapped():
        with solara.AppLayout():
            make_page(shown)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        box, rc = solara.render(Wrapped(), handle_error=False)
    try:
        def click(label):
            buttons = [w for w in rc.find(v.Btn).widgets if w.children == [label]]
            assert buttons, f"no {label!r} button"
            buttons[0].click()

        def shown_model():
            return shown.value

        assert shown_model().steps == 0
        click("Step")
        click("Step")
        assert shown_model().steps == 2
        assert len(shown_model().timeseries()) == 2
        before = shown_model()
        click("Reset")
        after = shown_model()
        assert after is not before and after.steps == 0
        assert (after.preset, after.seed, after.p.scale) == ("korea", 3, 0.1)
    finally:
        rc.close()


# -- EMA Workbench ------------------------------------------------------------------------------
def _small_ema_model(**kw):
    from abm.experiments.ema import ema_model

    return ema_model("japan", "silicon_valley", uncertain=["job_mobility", "ipo_threshold"],
                     levers=("finance",), donors=("japan", "silicon_valley"), steps=24,
                     scale=0.2, replicates=2, master_seed=3,
                     outcomes=("startups_founded", "unicorns", "vc_intensity"), **kw)


def test_ema_model_is_built_from_the_parameter_table():
    pytest.importorskip("ema_workbench")
    from abm.experiments.ema import ema_model, parameter_ranges
    from abm.presets import resolve

    m = ema_model("japan", "silicon_valley", levers=("labor",))
    ranges = parameter_ranges("japan", "silicon_valley", exclude=("labor",))
    assert set(m.uncertainties.keys()) == set(ranges) and ranges
    jp, sv = resolve("japan"), resolve("silicon_valley")
    for u in m.uncertainties:
        assert u.lower_bound == min(jp[u.name], sv[u.name])
        assert u.upper_bound == max(jp[u.name], sv[u.name])
        assert u.name not in ("job_mobility", "scale")  # labor is a lever; scale is not varied
    assert [lv.name for lv in m.levers] == ["swap_labor"]
    with pytest.raises(ValueError, match="belong to a lever"):
        ema_model(uncertain=["job_mobility"], levers=("labor",))
    with pytest.raises(ValueError, match="unknown metric"):
        ema_model(outcomes=("no_such",))


def _evaluate(model, evaluator_cls, **kw):
    import ema_workbench
    from ema_workbench import perform_experiments

    # EMA Workbench 3.0 replaced Scenario and Policy by Sample (same arguments)
    Scenario = getattr(ema_workbench, "Scenario", None) or ema_workbench.Sample
    Policy = getattr(ema_workbench, "Policy", None) or ema_workbench.Sample
    scenarios = [Scenario(f"s{i}", job_mobility=j, ipo_threshold=t)
                 for i, (j, t) in enumerate([(0.02, 30.0), (0.05, 50.0)])]
    policies = [Policy("jp", swap_finance="japan"), Policy("sv", swap_finance="silicon_valley")]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with evaluator_cls(model, **kw) as evaluator:
            return perform_experiments(model, scenarios=scenarios, policies=policies,
                                       evaluator=evaluator)


def test_ema_sequential_evaluator_runs_the_project_model_with_its_seeds():
    pytest.importorskip("ema_workbench")
    from ema_workbench import SequentialEvaluator

    from abm.experiments.spec import replicate_seeds

    experiments, outcomes = _evaluate(_small_ema_model(), SequentialEvaluator)
    assert outcomes["unicorns"].shape == (4, 2)
    seeds = replicate_seeds(3, 2)
    for i, row in experiments.iterrows():
        swaps = {} if row["swap_finance"] == "japan" else {"finance": "silicon_valley"}
        for r, seed in enumerate(seeds):
            want = EcosystemModel(preset="japan", seed=seed, swaps=swaps, scale=0.2,
                                  job_mobility=row["job_mobility"],
                                  ipo_threshold=row["ipo_threshold"]).run(24).summary()
            assert outcomes["startups_founded"][i, r] == want["startups_founded"]
            assert outcomes["vc_intensity"][i, r] == want["vc_intensity"]


@pytest.mark.slow
def test_ema_multiprocessing_evaluator_gives_the_sequential_results():
    pytest.importorskip("ema_workbench")
    from ema_workbench import MultiprocessingEvaluator, SequentialEvaluator

    seq_x, seq_y = _evaluate(_small_ema_model(), SequentialEvaluator)
    mp_x, mp_y = _evaluate(_small_ema_model(), MultiprocessingEvaluator, n_processes=2)
    key = ["job_mobility", "ipo_threshold", "swap_finance"]
    order_seq = seq_x.sort_values(key).index
    order_mp = mp_x.sort_values(key).index
    for k in seq_y:
        assert np.array_equal(seq_y[k][order_seq], mp_y[k][order_mp])


def test_ema_aggregate_gives_scalar_outcomes():
    pytest.importorskip("ema_workbench")
    from ema_workbench import SequentialEvaluator

    _, arrays = _evaluate(_small_ema_model(), SequentialEvaluator)
    _, outcomes = _evaluate(_small_ema_model(aggregate=np.mean), SequentialEvaluator)
    assert outcomes["unicorns_mean"].shape == (4,)
    assert np.allclose(outcomes["unicorns_mean"], arrays["unicorns"].mean(axis=1))


def test_project_results_convert_to_ema_and_feed_prim_and_feature_scoring():
    pytest.importorskip("ema_workbench")
    from ema_workbench.analysis import feature_scoring

    from abm.experiments import RunSpec, run_batch
    from abm.experiments.ema import analysis_columns, from_results, make_prim
    from abm.experiments.spec import replicate_seeds

    seeds = replicate_seeds(9, 3)
    runs = []
    for s, (swaps, gb) in enumerate([({}, 5.0), ({"finance": "silicon_valley"}, 5.0),
                                     ({}, 60.0), ({"finance": "silicon_valley"}, 60.0)]):
        for r, seed in enumerate(seeds):
            runs.append(RunSpec(run_id=f"s{s:04d}-r{r:04d}", preset="japan", swaps=swaps,
                                overrides={"grant_budget": gb, "scale": 0.2}, seed=seed,
                                steps=24, scenario=f"sc{s}", replicate=r, scenario_index=s))
    result = run_batch(runs, collect={"timeseries": False, "distributions": False},
                       workers=1)
    x, y = from_results(result.runs)
    assert len(x) == 12 and set(y) >= {"unicorns", "startups_founded", "vc_intensity"}
    assert sorted(x["grant_budget"].unique()) == [5.0, 60.0]
    assert sorted(x["scale"].unique()) == [0.2]
    assert set(x["swap_finance"]) == {"japan", "silicon_valley"}
    assert np.array_equal(y["vc_intensity"], result.runs.sort_values("run_id")["vc_intensity"])
    space = x[analysis_columns(x)]
    assert list(space.columns) == ["grant_budget", "swap_finance"]  # scale, preset constant
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        scores = feature_scoring.get_feature_scores_all(space, {"vc_intensity":
                                                                y["vc_intensity"]})
        assert set(scores.index) == set(space.columns)
        target = y["vc_intensity"] > np.median(y["vc_intensity"])
        box = make_prim(space, target).find_box()
    assert box.peeling_trajectory["coverage"].iloc[0] == 1.0


# -- notebooks ----------------------------------------------------------------------------------
NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "docs" / "notebooks").glob("*.ipynb"))


def test_there_are_notebooks():
    assert {p.stem for p in NOTEBOOKS} >= {"quickstart", "regime_comparison",
                                           "ema_scenario_discovery"}


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_executes(path, tmp_path, monkeypatch):
    """Every notebook of docs/notebooks/ runs top to bottom (small settings) without error."""
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    if "ema" in path.stem:
        pytest.importorskip("ema_workbench")
    nb = nbformat.read(path, as_version=4)
    import os

    # the kernel imports this checkout's package
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(path.parents[2]),
                                                      os.environ.get("PYTHONPATH", "")]))
    nbclient.NotebookClient(nb, timeout=300, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}}).execute()
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
              if o.get("output_type") == "error"]
    assert not errors


# -- clusters -----------------------------------------------------------------------------------
def test_run_on_cluster_runs_an_experiment_without_a_terminal(tmp_path):
    """The SLURM recipe's shape, with a LocalCluster standing in for SLURMCluster."""
    from distributed import LocalCluster

    from abm.experiments.cluster import run_on_cluster
    from abm.experiments.spec import shipped_spec_path

    cluster = LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                           dashboard_address=None)
    result = run_on_cluster(shipped_spec_path("regime_comparison"), tmp_path / "out", cluster,
                            min_workers=1, timeout=60, replicates=1, steps=8,
                            overrides={"scale": 0.2})
    assert not result.failures and len(result.runs) == 4
    assert cluster.status.name == "closed"
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["status"] == "complete"


def test_batch_run_passes_the_burn_in_to_the_model():
    """``burn_in`` is a model keyword like a parameter: Mesa's batch_run may sweep it, and the
    summary row is the model's at that burn-in (the time series do not depend on it)."""
    from abm.mesa_compat import batch_run

    steps = 12
    rows = batch_run({"preset": "japan", "scale": 0.2, "burn_in": [4, 8]}, max_steps=steps,
                     master_seed=5, display_progress=False)
    last = pd.DataFrame(rows).query("Step == @steps")
    assert sorted(last["burn_in"]) == [4, 8]
    for _, row in last.iterrows():
        want = EcosystemModel(preset="japan", seed=int(row["seed"]), scale=0.2,
                              burn_in=int(row["burn_in"])).run(steps).summary()
        assert row[summary_column("startups_founded")] == want["startups_founded"]
        assert row[summary_column("productivity_growth")] == want["productivity_growth"]
