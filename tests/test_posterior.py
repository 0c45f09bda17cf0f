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
