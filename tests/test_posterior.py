"""Simulation-based inference machinery (experiments/posterior.py; issue 29 item 4) on a toy
model whose true parameters are known: a stochastic growth process whose yearly log growth is
Normal(g, s) for 25 years. The posterior conditions on the first 15 years (mean and sd of log
growth); the growth of years 16-25 is held out for the predictive check. A third parameter,
``z``, enters nothing: the identification report must name it, and only it."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

pytest.importorskip("pyabc", reason="the 'infer' (and 'test') extra installs pyabc")

from abm.experiments import posterior as P  # noqa: E402

TRUTH = {"g": 0.02, "s": 0.05, "z": 0.3}
RUN = {"population": 80, "generations": 3}


def growth(params, rng):
    x = rng.normal(params["g"], params["s"], 25)
    return {"mean_growth": float(x[:15].mean()), "sd_growth": float(x[:15].std(ddof=1)),
            "growth_16_25": float(x[15:].sum())}


PROBLEM = P.Problem(prior={"g": (-0.05, 0.10), "s": (0.01, 0.2), "z": (0.0, 1.0)},
                    simulator=growth, statistics=("mean_growth", "sd_growth"),
                    held_out=("growth_16_25",), log=("s",))


@pytest.fixture(scope="module")
def observed():
    return PROBLEM.simulate(TRUTH, 5)


@pytest.fixture(scope="module")
def post(observed):
    return P.run(PROBLEM, {k: observed[k] for k in PROBLEM.statistics}, seed=29, **RUN)


def test_posterior_recovers_the_truth_within_its_intervals(post):
    for name in ("g", "s"):
        lo, hi = post.interval(name, 0.95)
        assert lo <= TRUTH[name] <= hi, (name, lo, hi)
    # and it learned something: the intervals are narrower than the prior ranges
    assert np.diff(post.interval("g", 0.95))[0] < 0.6 * 0.15
    assert post.settings["simulations"] >= RUN["population"] * post.settings["generations"]


def test_identification_names_the_parameter_nothing_depends_on(post):
    ident = P.identification(PROBLEM, post)
    assert P.not_identified(PROBLEM, post) == ["z"], ident
    assert ident["s"]["sd_ratio"] < P.WEAK and ident["g"]["sd_ratio"] < P.WEAK


def test_same_seed_same_samples_and_the_global_state_is_left_alone(observed):
    obs = {k: observed[k] for k in PROBLEM.statistics}
    np.random.seed(123)
    before = np.random.get_state()[1].copy()
    a = P.run(PROBLEM, obs, seed=7, population=30, generations=2)
    assert np.array_equal(np.random.get_state()[1], before)
    b = P.run(PROBLEM, obs, seed=7, population=30, generations=2)
    c = P.run(PROBLEM, obs, seed=8, population=30, generations=2)
    assert np.array_equal(a.samples, b.samples) and np.array_equal(a.weights, b.weights)
    assert not np.array_equal(a.samples, c.samples)


def test_samples_are_written_with_their_settings_and_read_back(post, tmp_path):
    path = P.write(post, tmp_path / "posterior.toml")
    back = P.read(path)
    assert back.names == post.names
    assert back.settings["seed"] == 29 and back.settings["observed"] == post.settings["observed"]
    assert back.settings["statistics"] == ["mean_growth", "sd_growth"]
    assert back.settings["held_out"] == ["growth_16_25"]
    np.testing.assert_allclose(back.samples, post.samples, rtol=1e-5)
    np.testing.assert_allclose(back.weights, post.weights, rtol=1e-4)
    with pytest.raises(P.PosteriorError, match="not a posterior file"):
        (tmp_path / "bad.toml").write_text("a = 1\n")
        P.read(tmp_path / "bad.toml")


def test_predictive_check_against_the_held_out_years(post, observed):
    check = P.predictive_check(PROBLEM, post, observed, draws=200, seed=3)
    row = check["growth_16_25"]
    assert row["low"] < row["median"] < row["high"]
    assert row["inside"] and row["p_value"] > 0.05, row
    # a held-out value far from what the posterior predicts is flagged
    far = dict(observed, growth_16_25=observed["growth_16_25"] + 2.0)
    assert not P.predictive_check(PROBLEM, post, far, draws=200, seed=3)["growth_16_25"]["inside"]


def test_coverage_on_synthetic_data_is_near_nominal():
    # simulation-based calibration: 12 data sets drawn from the prior; for each, the posterior's
    # central intervals should hold the truth about as often as their level says. With 12 data
    # sets a share is uncertain by about +-0.15 (binomial), and ABC with a positive tolerance
    # errs wide, so: the 95% intervals cover at least 9 of 12 truths, the 50% intervals between
    # 2 and 11 of 12; and the ranks of the truths in their posteriors (uniform when calibrated)
    # pass a Kolmogorov-Smirnov test at the 1% level, pooled over the identified parameters.
    res = P.coverage(PROBLEM, datasets=12, seed=31, **RUN)
    cov = res["coverage"]
    for name in ("g", "s"):
        assert cov[name][0.95] >= 9 / 12, cov
        assert 2 / 12 <= cov[name][0.5] <= 11 / 12, cov
    ranks = np.array(res["ranks"]["g"] + res["ranks"]["s"])
    assert stats.kstest(ranks, "uniform").pvalue > 0.01, ranks


@pytest.mark.parametrize("kwargs, message", [
    ({"prior": {"g": (1.0, 0.0)}}, "low < high"),
    ({"prior": {"g": (0.0, 1.0)}, "log": ("g",)}, "range must be positive"),
    ({"prior": {"g": (0.0, 1.0)}, "log": ("h",)}, "not in the prior"),
    ({"prior": {}}, "at least one parameter"),
    ({"prior": {"g": (0.0, 1.0)}, "statistics": ()}, "at least one statistic"),
    ({"prior": {"g": (0.0, 1.0)}, "held_out": ("mean_growth",)}, "both used and held out"),
    ({"prior": {"g": (0.0, 1.0)}, "asinh": {"g": -1.0}}, "positive numbers"),
    ({"prior": {"g": (1.0, 2.0)}, "asinh": {"g": 1.0}, "log": ("g",)}, "both log and asinh"),
])
def test_bad_problems_are_refused(kwargs, message):
    args = {"simulator": growth, "statistics": ("mean_growth",), **kwargs}
    with pytest.raises(P.PosteriorError, match=message):
        P.Problem(**args)


def test_asinh_prior_reaches_zero_and_is_log_like_above_its_scale():
    prob = P.Problem(prior={"x": (0.0, 1000.0)}, simulator=growth, statistics=("mean_growth",),
                     asinh={"x": 1.0})
    draws = prob.prior_draws(4000, np.random.default_rng(0))[:, 0]
    assert draws.min() >= 0.0 and draws.max() <= 1000.0
    # log-like: about as many draws below 1 as between 1 and 10 or 10 and 100
    assert 0.1 < np.mean(draws < 1.0) < 0.2 and 0.2 < np.mean((draws > 10) & (draws < 100)) < 0.4
    assert prob.from_z("x", prob.to_z("x", 37.0)) == pytest.approx(37.0)


def test_bad_observations_and_sizes_are_refused(observed):
    with pytest.raises(P.PosteriorError, match="missing"):
        P.run(PROBLEM, {"mean_growth": 0.0}, **RUN)
    with pytest.raises(P.PosteriorError, match="finite number"):
        P.run(PROBLEM, {"mean_growth": float("nan"), "sd_growth": 0.1}, **RUN)
    with pytest.raises(P.PosteriorError, match="population"):
        P.run(PROBLEM, observed, population=3)
    bad = P.Problem(prior={"g": (0.0, 1.0)}, simulator=lambda p, r: {}, statistics=("x",))
    with pytest.raises(P.PosteriorError, match="returned no"):
        bad.simulate({"g": 0.5}, 1)


def test_the_ecosystem_model_as_a_problem_runs_end_to_end():
    # the calibration of one preset as a Problem: parameters and ranges from the point
    # calibration, statistics = its calibration facts, held out = its held-out facts; a tiny
    # posterior (10 particles, 1 generation, 6-quarter runs at scale 0.05) only checks the
    # plumbing, not the fit
    problem, observed, held = P.ecosystem_problem(["korea"], constants=(), steps=6, scale=0.05)
    assert "korea.lp_capital_per_year" in problem.prior
    assert all(not n.startswith("silicon_valley.") for n in problem.prior)
    assert "vc_intensity_korea" in problem.statistics and set(observed) == set(problem.statistics)
    assert "firm_survival_korea" in problem.held_out and set(held) == set(problem.held_out)
    theta = {n: float(np.mean(r)) for n, r in problem.prior.items()}
    out = problem.simulate(theta, 1)
    assert out == problem.simulate(theta, 1)  # seeded
    assert all(np.isfinite(v) for v in out.values())
    post = P.run(problem, observed, seed=1, population=10, generations=1)
    assert post.samples.shape == (10, len(problem.prior))
    with pytest.raises(P.PosteriorError, match="no calibration fact"):
        P.ecosystem_problem(["japan_history"])


def test_history_years_up_to_2015_are_statistics_and_later_ones_held_out():
    problem, observed, held = P.ecosystem_problem(
        ["korea"], constants=(), steps=6, scale=0.05, histories=("korea_history",),
        history_steps=80, extra_parameters={"korea": ["loop_finance"]})
    assert "korea.loop_finance" in problem.prior
    hist = [s for s in problem.statistics if s.startswith("korea_history.")]
    late = [s for s in problem.held_out if s.startswith("korea_history.")]
    assert hist and late
    assert all(int(s.rsplit(".", 1)[1]) <= 2015 for s in hist)
    assert all(int(s.rsplit(".", 1)[1]) > 2015 for s in late)
    # observed: the log of the public growth factor (korea VC invested, 2007 over 2006)
    from abm import data_layer as D

    vc = D.series("korea.vc_invested").yearly()
    assert observed["korea_history.vc_invested.2007"] == pytest.approx(
        np.log(vc[2007] / vc[2006]))
    theta = {n: float(np.mean(r)) for n, r in problem.prior.items()}
    out = problem.simulate(theta, 2)
    assert all(np.isfinite(out[k]) for k in hist + late)
    with pytest.raises(P.PosteriorError, match="unknown history"):
        P.history_targets("france_history", 104)


def test_a_simulation_budget_stops_before_the_next_generation(observed):
    obs = {k: observed[k] for k in PROBLEM.statistics}
    free = P.run(PROBLEM, obs, seed=7, population=20, generations=4)
    capped = P.run(PROBLEM, obs, seed=7, population=20, generations=4, max_simulations=20)
    assert free.settings["generations"] == 4 and free.settings["max_simulations"] == "none"
    # the calibration sample and generation 0 already spend more than 20 simulations
    assert capped.settings["generations"] == 1 and capped.settings["max_simulations"] == 20
    assert capped.settings["simulations"] < free.settings["simulations"]
    with pytest.raises(P.PosteriorError, match="max_simulations"):
        P.run(PROBLEM, obs, population=20, max_simulations=5)


def test_predictive_check_of_the_statistics_conditioned_on(post, observed):
    check = P.predictive_check(PROBLEM, post, observed, draws=100, seed=3,
                               statistics=("mean_growth", "growth_16_25"))
    assert set(check) == {"mean_growth", "growth_16_25"} and check["mean_growth"]["inside"]
    with pytest.raises(P.PosteriorError, match="not the problem's"):
        P.predictive_check(PROBLEM, post, observed, statistics=("nope",))
    with pytest.raises(P.PosteriorError, match="draws"):
        P.predictive_check(PROBLEM, post, observed, draws=0)


def test_a_preset_takes_the_draw_of_its_own_posterior_or_of_the_preset_it_extends():
    one = P.Posterior(("japan.loop_finance",), [[0.2]], [1.0])
    posts = {"japan": one, "korea": one}
    assert P.source_posterior("japan_2027_plan", posts) == "japan"
    assert P.source_posterior("korea", posts) == "korea"
    with pytest.raises(P.PosteriorError, match="no posterior for 'silicon_valley'"):
        P.source_posterior("silicon_valley", posts)
    with pytest.raises(P.PosteriorError, match="unknown preset"):
        P.preset_chain("atlantis")
    ov, cons = P.split_vector("japan_2027_plan", {"japan.loop_finance": 0.2,
                                                  "japan_2027_plan.loop_finance": 0.4,
                                                  "korea.loop_finance": 0.9,
                                                  "EXIT_COST": 1.5})
    # the nearest preset of the chain wins, another preset's label does not apply
    assert ov == {"loop_finance": 0.4} and cons == {"EXIT_COST": 1.5}


def _posts():
    # korea's posterior puts all its weight on its second sample
    return {"korea": P.Posterior(("korea.loop_finance", "korea.acquisition_appetite"),
                                 [[0.1, 0.2], [0.3, 0.5]], [0.0, 1.0]),
            "japan": P.Posterior(("japan.loop_finance",), [[0.05], [0.6]], [0.5, 0.5])}


def test_ordering_specs_draw_by_weight_and_share_seeds_across_presets():
    specs = P.ordering_specs(_posts(), ["korea", "japan", "japan_2027_plan"], draws=3,
                             seeds=2, steps=8, scale=0.1, seed=5)
    assert len(specs) == 3 * 2 * 3
    for sp in specs:
        assert sp.overrides["scale"] == 0.1 and sp.steps == 8
        if sp.preset == "korea":
            assert sp.overrides == {"loop_finance": 0.3, "acquisition_appetite": 0.5,
                                    "scale": 0.1}
    by_rep: dict[int, list] = {}
    for sp in specs:
        by_rep.setdefault(sp.replicate, []).append(sp)
    for rep in by_rep.values():
        assert len({sp.seed for sp in rep}) == 1  # common random numbers
        j = {sp.preset: sp.overrides["loop_finance"] for sp in rep}
        assert j["japan"] == j["japan_2027_plan"]  # the plan takes japan's draw
    assert len({sp.seed for sp in specs}) == 6
    # a preset's runs do not depend on which other presets run
    alone = P.ordering_specs(_posts(), ["japan"], draws=3, seeds=2, steps=8, scale=0.1, seed=5)
    assert [(s.seed, s.overrides) for s in alone] == [
        (s.seed, s.overrides) for s in specs if s.preset == "japan"]
    with pytest.raises(P.PosteriorError, match="draws"):
        P.ordering_specs(_posts(), ["korea"], draws=0, seeds=1)
    twice = {"a": P.Posterior(("korea.x", "EXIT_COST"), [[1, 1]], [1]),
             "korea": P.Posterior(("EXIT_COST",), [[1]], [1])}
    with pytest.raises(P.PosteriorError, match="inferred by the posteriors"):
        P.ordering_specs(twice, ["korea"], draws=1, seeds=1)


def test_orderings_count_each_ordering_over_draws_and_seeds():
    # hand-built runs of two made-up presets: per draw two seeds, paired by replicate
    import pandas as pd

    rows = []
    for draw, (xs, ys) in enumerate([((1.0, 2.0), (0.5, 3.0)), ((4.0, 4.0), (1.0, 4.0))]):
        for r in range(2):
            rep = draw * 2 + r
            rows.append({"preset": "p", "draw": draw, "replicate": rep, "m": xs[r]})
            rows.append({"preset": "q", "draw": draw, "replicate": rep, "m": ys[r]})
    t = P.orderings(pd.DataFrame(rows), metrics=("m",)).iloc[0]
    assert (t["a"], t["b"], t["n"]) == ("p", "q", 4)
    # p - q: +0.5, -1, +3, 0
    assert t["p_a_above"] == 0.5 and t["p_b_above"] == 0.25 and t["p_tie"] == 0.25
    # per draw (mean over its seeds): -0.25, +1.5
    assert t["variants"] == 2 and t["p_a_above_variants"] == 0.5
    with pytest.raises(P.PosteriorError, match="lack columns"):
        P.orderings(pd.DataFrame([{"preset": "p", "m": 1.0}]), metrics=("m",))


def test_ordering_runs_run_the_specs(tmp_path):
    specs = P.ordering_specs(_posts(), ["korea"], draws=1, seeds=1, steps=6, scale=0.05)
    runs = P.ordering_runs(specs, seeds=1)
    assert list(runs["preset"]) == ["korea"] and runs["param.loop_finance"].iloc[0] == 0.3
    assert set(P.ORDERING_METRICS) <= set(runs.columns)


def test_the_posterior_settings_rebuild_the_problem():
    settings = {"presets": ["korea"], "constants": [], "steps": 6, "scale": 0.05,
                "parameters": ["korea.loop_finance"], "histories": [], "history_steps": 104}
    problem, observed, _ = P.problem_from_settings(settings)
    assert "korea.loop_finance" in problem.names and "vc_intensity_korea" in observed
    with pytest.raises(P.PosteriorError, match="settings lack"):
        P.problem_from_settings({"presets": ["korea"]})


def _render_orderings(folder, point=None):
    """``scripts/posterior_orderings.py --render`` on ``folder``'s orderings_runs.csv (with a
    point comparison folder, or none), as a subprocess; returns the finished process."""
    import subprocess
    import sys
    from pathlib import Path

    script = Path(__file__).resolve().parent.parent / "scripts" / "posterior_orderings.py"
    return subprocess.run([sys.executable, str(script), "--render", "--out", str(folder),
                           "--point", str(point) if point is not None else ""],
                          capture_output=True, text=True, timeout=120)


def test_the_orderings_script_renders_the_runs_beside_a_point_comparison(tmp_path):
    # hand-built runs of two made-up presets, and a made-up point comparison: the markdown
    # carries each pair's probabilities and the point column (no regime is involved)

    import pandas as pd

    rows = [{"preset": p, "draw": d, "replicate": d, "steps": 8, "scale": 0.1,
             **{m: (1.0 if p == "p" else 0.0) for m in P.ORDERING_METRICS}}
            for d in range(3) for p in ("p", "q")]
    pd.DataFrame(rows).to_csv(tmp_path / "orderings_runs.csv", index=False)
    point = tmp_path / "point"
    point.mkdir()
    pd.DataFrame([{"preset": p, "replicate": r, "swaps": "{}",
                   **{m: (0.0 if p == "p" else 1.0) for m in P.ORDERING_METRICS}}
                  for r in range(2) for p in ("p", "q")]).to_parquet(point / "runs.parquet")
    done = _render_orderings(tmp_path, point)
    assert done.returncode == 0, done.stderr
    md = (tmp_path / "orderings.md").read_text()
    assert "3 posterior draws x 1 seeds" in md and "point P(a > b)" in md
    assert "| `p` | `q` | 1.00 | 0.00 | 0.00 | 1.00 (3) | 3 | 1 | 0.00 |" in md


def test_the_orderings_script_with_one_preset_writes_its_runs_and_no_table(tmp_path):
    # presets run apart (--presets X, then --append): with one preset in the CSV there is no
    # pair to order; the script says so and keeps the runs instead of failing

    import pandas as pd

    rows = [{"preset": "p", "draw": d, "replicate": d, "steps": 8, "scale": 0.1,
             **{m: 1.0 for m in P.ORDERING_METRICS}} for d in range(3)]
    pd.DataFrame(rows).to_csv(tmp_path / "orderings_runs.csv", index=False)
    done = _render_orderings(tmp_path)
    assert done.returncode == 0, done.stderr
    assert "one preset (p)" in done.stdout
    assert not (tmp_path / "orderings.md").exists()
    assert len(pd.read_csv(tmp_path / "orderings_runs.csv")) == 3


# -- structural variants of the orderings (issue 29 item 5) ------------------------------------
def _legacy_ordering_specs(posteriors, presets, *, draws, seeds, steps, scale, seed):
    """The orderings' specs as they were before the structural variants (a frozen copy of
    the loop of ``ordering_specs``): ``structural = "none"`` must give exactly these."""
    from abm.experiments.spec import RunSpec

    ss = np.random.SeedSequence(seed)
    draw_ss, seed_ss = ss.spawn(2)
    keys = sorted(posteriors)
    rngs = dict(zip(keys, (np.random.default_rng(c) for c in draw_ss.spawn(len(keys)))))
    vectors = {k: posteriors[k].draw(draws, rngs[k]) for k in keys}
    model_seeds = seed_ss.generate_state(draws * seeds)
    specs = []
    for k in range(draws):
        cons = {n: float(v) for key in keys
                for n, v in zip(posteriors[key].names, vectors[key][k]) if "." not in n}
        for r in range(seeds):
            rep = k * seeds + r
            for i, preset in enumerate(presets):
                src = P.source_posterior(preset, posteriors)
                ov, _ = P.split_vector(preset, dict(zip(posteriors[src].names,
                                                        map(float, vectors[src][k]))))
                ov["scale"] = float(scale)
                specs.append(RunSpec(run_id=f"d{k:04d}r{r:02d}-{preset}", preset=preset,
                                     overrides=ov, constants=dict(cons),
                                     seed=int(model_seeds[rep]), steps=steps, scenario=preset,
                                     replicate=rep, scenario_index=i))
    return specs


TINY = {"draws": 2, "seeds": 1, "steps": 8, "scale": 0.2, "seed": 7}


@pytest.fixture()
def tiny_posteriors(tmp_path):
    """Hand-made posterior.toml files (written and read back, as the script reads them):
    each country's preset parameters and its loop_finance (outside the structural range of
    loop_finance, so a value from a variant could not be mistaken for the draw's)."""
    posts = {"korea": P.Posterior(("korea.loop_finance", "korea.acquisition_appetite"),
                                  [[0.71, 0.2], [0.93, 0.5]], [0.5, 0.5]),
             "japan": P.Posterior(("japan.loop_finance", "japan.lp_capital_per_year"),
                                  [[0.55, 300.0], [0.8, 900.0]], [0.5, 0.5])}
    out = {}
    for c, post in posts.items():
        P.write(post, tmp_path / c / "posterior.toml")
        out[c] = P.read(tmp_path / c / "posterior.toml")
    return out


def _key(sp):
    return (sp.run_id, sp.preset, dict(sp.overrides), dict(sp.constants), sp.seed, sp.steps,
            sp.replicate, sp.scenario_index)


def test_without_structural_variants_the_specs_are_those_of_before(tiny_posteriors):
    presets = ["korea", "japan", "japan_2027_plan"]
    none = P.ordering_specs(tiny_posteriors, presets, structural="none", **TINY)
    assert [_key(s) for s in none] == [
        _key(s) for s in _legacy_ordering_specs(tiny_posteriors, presets, **TINY)]
    assert [_key(s) for s in P.ordering_specs(tiny_posteriors, presets, **TINY)] == [
        _key(s) for s in none]  # the function's default is still none
    with pytest.raises(P.PosteriorError, match="structural must be"):
        P.ordering_specs(tiny_posteriors, presets, structural="some", **TINY)


def test_structural_variants_are_reproducible_and_shared_by_a_specs_presets(tiny_posteriors):
    from abm.structural import STRUCTURAL, preset_range

    presets = ["korea", "japan", "japan_2027_plan"]
    specs = P.ordering_specs(tiny_posteriors, presets, structural="all", **TINY)
    again = P.ordering_specs(tiny_posteriors, presets, structural="all", **TINY)
    assert [_key(s) for s in specs] == [_key(s) for s in again]
    none = P.ordering_specs(tiny_posteriors, presets, structural="none", **TINY)
    # paired with the design without variants: same replicates and model seeds
    assert [(s.replicate, s.seed, s.preset) for s in specs] == [
        (s.replicate, s.seed, s.preset) for s in none]
    # the spec table does not depend on which presets run
    alone = P.ordering_specs(tiny_posteriors, ["japan"], structural="all", **TINY)
    assert [_key(s)[:-1] for s in alone] == [  # all but the position among the presets
        _key(s)[:-1] for s in specs if s.preset == "japan"]
    by_rep: dict[int, list] = {}
    for sp in specs:
        by_rep.setdefault(sp.replicate, []).append(sp)
    units = []
    for rep, group in by_rep.items():
        u = P.structural_unit(TINY["seed"], rep)
        assert set(u) == set(STRUCTURAL) and all(0.0 <= x <= 1.0 for x in u.values())
        units.append(u)
        for sp in group:
            # constants and shared parameters: one value for every preset of the spec
            assert sp.constants == group[0].constants and len(sp.constants) > 0
            for n, e in STRUCTURAL.items():
                if e.kind == "parameter" and n != "loop_finance":
                    assert sp.overrides[n] == group[0].overrides[n]
                if e.kind == "preset_parameter":
                    # each preset maps the shared u into its own range (the plan: japan's)
                    lo, hi = preset_range(n, "japan" if sp.preset == "japan_2027_plan"
                                          else sp.preset)
                    want = lo + u[n] * (hi - lo)
                    assert sp.overrides[n] == pytest.approx(want, abs=1e-9)
            for n, v in sp.constants.items():
                e = STRUCTURAL[n]
                assert v == pytest.approx(e.low + u[n] * (e.high - e.low), abs=1e-9)
    assert units[0] != units[1]  # one variant per spec, not one for the run


def test_a_posterior_parameter_is_not_overwritten_by_the_structural_variant(tiny_posteriors):
    from abm.structural import STRUCTURAL

    specs = P.ordering_specs(tiny_posteriors, ["korea", "japan_2027_plan"], structural="all",
                             **TINY)
    none = {(s.replicate, s.preset): s for s in P.ordering_specs(
        tiny_posteriors, ["korea", "japan_2027_plan"], structural="none", **TINY)}
    hi = STRUCTURAL["loop_finance"].high
    for sp in specs:
        base = none[(sp.replicate, sp.preset)]
        # every value the posterior draw sets is the draw's (loop_finance above the
        # structural range: only the draw can have put it there)
        for n, v in base.overrides.items():
            assert sp.overrides[n] == v
        assert sp.overrides["loop_finance"] > hi
    # a structural constant a posterior infers is the draw's too
    posts = dict(tiny_posteriors)
    posts["korea"] = P.Posterior(("korea.loop_finance", "IPO_MULTIPLE"), [[0.7, 11.5]], [1.0])
    for sp in P.ordering_specs(posts, ["korea", "japan"], structural="all", **TINY):
        assert sp.constants["IPO_MULTIPLE"] == 11.5


def test_the_variance_split_sums_to_the_total(tiny_posteriors):
    import pandas as pd

    presets = ["korea", "japan"]
    frames = []
    for design in P.STRUCTURAL_DESIGNS:
        specs = P.ordering_specs(tiny_posteriors, presets, structural=design, **TINY)
        runs = P.ordering_runs(specs, seeds=TINY["seeds"], structural=design,
                               metrics=("innovation_total",))
        assert set(runs["structural"]) == {design}
        frames.append(runs)
    assert any(c.startswith("const.") for c in frames[1].columns)
    runs = pd.concat(frames, ignore_index=True)
    split = P.variance_split(runs, metrics=("innovation_total",))
    assert len(split) == 1
    row = split.iloc[0]
    assert row["n"] == 2 and row["seed"] == 0.0  # one seed per draw
    assert row["structural"] + row["posterior_draw"] + row["seed"] == pytest.approx(
        row["total"], rel=1e-9, abs=1e-12)
    # orderings refuse a mix of designs
    with pytest.raises(P.PosteriorError, match="structural designs"):
        P.orderings(runs, metrics=("innovation_total",))
    with pytest.raises(P.PosteriorError, match="both structural designs"):
        P.variance_split(frames[0])


def test_the_variance_split_on_hand_built_runs():
    # d0 (no variants): draw 0 -> 1, 3; draw 1 -> 5, 7; d (variants): 0, 4, 2, 10
    import pandas as pd

    rows = []
    for design, ds in (("none", (1.0, 3.0, 5.0, 7.0)), ("all", (0.0, 4.0, 2.0, 10.0))):
        for rep, d in enumerate(ds):
            rows.append({"structural": design, "preset": "p", "draw": rep // 2,
                         "replicate": rep, "m": d})
            rows.append({"structural": design, "preset": "q", "draw": rep // 2,
                         "replicate": rep, "m": 0.0})
    r = P.variance_split(pd.DataFrame(rows), metrics=("m",)).iloc[0]
    d0, d = np.array([1.0, 3.0, 5.0, 7.0]), np.array([0.0, 4.0, 2.0, 10.0])
    assert r["total"] == pytest.approx(d.var())
    assert r["posterior_draw"] == pytest.approx(4.0)  # means 2 and 6 around 4
    assert r["seed"] == pytest.approx(1.0)            # each run 1 from its draw's mean
    assert r["structural"] == pytest.approx(d.var() - d0.var())
    assert r["share_structural"] + r["share_posterior_draw"] + r["share_seed"] == \
        pytest.approx(1.0)


def test_the_orderings_script_sets_both_designs_side_by_side(tmp_path):
    # hand-built runs of two made-up presets in both designs: p above q in every run without
    # variants, in two of three with them

    import pandas as pd

    rows = []
    for design, diffs in (("none", (1.0, 2.0, 3.0)), ("all", (1.0, -1.0, 4.0))):
        for d, x in enumerate(diffs):
            for p, v in (("p", x), ("q", 0.0)):
                rows.append({"preset": p, "draw": d, "replicate": d, "steps": 8, "scale": 0.1,
                             "structural": design, **{m: v for m in P.ORDERING_METRICS}})
    pd.DataFrame(rows).to_csv(tmp_path / "orderings_runs.csv", index=False)
    done = _render_orderings(tmp_path)
    assert done.returncode == 0, done.stderr
    md = (tmp_path / "orderings.md").read_text()
    assert "structural variant" in md and "P(a > b) no structural" in md
    assert "| `p` | `q` | 0.67 | 0.33 | 0.00 | 0.67 (3) | 3 | 1.33 | 1.00 |" in md
    # var(d) = 38/9, var(d0) = 2/3: structural 84%, draw 16%, seed 0% (one seed per draw)
    assert "## Where the variance of a - b comes from" in md
    assert "| `productivity_growth` | `p` | `q` | 4.22 | 84% | 16% | 0% | 3 |" in md
