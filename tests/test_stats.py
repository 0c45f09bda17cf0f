"""Value tests of the statistics module (experiments/stats.py) that report and validation share."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as sps

from abm.experiments import report, validate
from abm.experiments.stats import compare, mean_ci, t_half_width


def test_report_and_validation_use_the_one_module():
    assert report.mean_ci is mean_ci and report.compare is compare
    assert validate.mean_ci is mean_ci


def test_mean_ci_values():
    x = [1.0, 2.0, 3.0, 4.0]
    ci = mean_ci(x)
    h = sps.t.ppf(0.975, 3) * np.std(x, ddof=1) / 2.0
    assert ci["n"] == 4 and ci["mean"] == 2.5 and ci["sd"] == pytest.approx(np.std(x, ddof=1))
    assert ci["ci_low"] == pytest.approx(2.5 - h) and ci["ci_high"] == pytest.approx(2.5 + h)
    wide = mean_ci(x, level=0.99)
    assert wide["ci_low"] < ci["ci_low"] and wide["ci_high"] > ci["ci_high"]


def test_mean_ci_small_and_degenerate_samples():
    """n = 0: all NaN; n = 1: the mean, no interval (NaN, never a zero-width one);
    all values equal: sd 0 and an interval that is the mean itself."""
    empty = mean_ci([])
    assert empty["n"] == 0 and all(math.isnan(empty[k]) for k in
                                   ("mean", "sd", "ci_low", "ci_high"))
    one = mean_ci([0.7])
    assert one["n"] == 1 and one["mean"] == 0.7
    assert math.isnan(one["sd"]) and math.isnan(one["ci_low"]) and math.isnan(one["ci_high"])
    same = mean_ci([0.3, 0.3, 0.3])
    assert same["n"] == 3 and same["sd"] == 0.0
    assert same["ci_low"] == same["mean"] == same["ci_high"] == pytest.approx(0.3)


def test_mean_ci_ignores_non_finite_values():
    ci = mean_ci([1.0, float("nan"), 3.0, float("inf")])
    assert ci["n"] == 2 and ci["mean"] == 2.0
    assert mean_ci([float("nan")])["n"] == 0


def test_validation_rows_follow_mean_ci_for_one_value():
    import pandas as pd

    fact = validate.Fact("f", "ma_share_of_exits", "japan", 0.1, 0.5, "calibration", "src")
    (row,) = validate.evaluate([fact], pd.DataFrame({"preset": ["japan"],
                                                     "ma_share_of_exits": [0.2]}))
    assert row["n"] == 1 and row["mean"] == 0.2 and row["holds"]
    assert math.isnan(row["lo"]) and math.isnan(row["hi"])
    assert "0.2 [n/a, n/a]" in validate.table_markdown([row])


def test_compare_values():
    a = np.array([1.0, 2.0, 3.0, 4.0])
    b = a + 10
    c = compare(a, b)
    assert c["n_base"] == 4 and c["n"] == 4 and c["diff"] == pytest.approx(10.0)
    t = sps.ttest_ind(b, a, equal_var=False)
    assert c["welch_t"] == pytest.approx(t.statistic) and c["welch_p"] == pytest.approx(t.pvalue)
    assert c["ci_low"] < 10.0 < c["ci_high"]
    assert c["hedges_g"] == pytest.approx(10.0 / np.std(a, ddof=1) * (1 - 3 / (4 * 8 - 9)))


def test_compare_small_and_constant_samples():
    nan_keys = ("diff", "ci_low", "ci_high", "welch_t", "welch_p", "mw_u", "mw_p", "hedges_g")
    small = compare([1.0], [2.0, 3.0])
    assert small["n_base"] == 1 and all(math.isnan(small[k]) for k in nan_keys)
    const = compare([2.0, 2.0], [3.0, 3.0])
    assert const["diff"] == 1.0 and const["ci_low"] == const["ci_high"] == 1.0
    assert const["welch_p"] == 0.0 and math.isnan(const["hedges_g"])
    assert compare([2.0, 2.0], [2.0, 2.0])["welch_p"] == 1.0


def test_mann_whitney_of_two_all_tied_samples_is_one():
    # every value of both samples tied (two all-zero samples of a rare event): U is its null
    # expectation and p = 1.0 on every scipy (1.18 returns NaN here, earlier ones 1.0)
    zeros = compare([0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, math.nan])
    assert zeros["mw_u"] == 6.0 and zeros["mw_p"] == 1.0
    # tied within each sample but different between them: still scipy's answer
    diff = compare([0.0, 0.0, 0.0], [1.0, 1.0, 1.0])
    ref = sps.mannwhitneyu([1.0, 1.0, 1.0], [0.0, 0.0, 0.0], alternative="two-sided")
    assert diff["mw_u"] == ref.statistic == 9.0 and diff["mw_p"] == pytest.approx(ref.pvalue)


def test_t_half_width_matches_mean_ci_and_is_nan_below_two():
    x = [0.1, 0.4, 0.35, 0.2]
    ci = mean_ci(x)
    h = t_half_width(np.std(x, ddof=1), len(x))
    assert float(h) == pytest.approx(ci["ci_high"] - ci["mean"])
    arr = t_half_width(np.array([1.0, 1.0, np.nan]), np.array([4, 2, 1]))
    assert arr[0] < arr[1] and math.isnan(arr[2])


def test_paired_uses_common_replicates_only():
    import pandas as pd
    from abm.experiments.stats import paired

    base = pd.Series([1.0, 2.0, 3.0, 10.0], index=[0, 1, 2, 3])
    other = pd.Series([2.0, 3.5, 4.0, np.nan], index=[0, 1, 2, 3])
    r = paired(base, other)
    d = np.array([1.0, 1.5, 1.0])
    assert r["n"] == 3 and r["mean"] == pytest.approx(d.mean())
    h = sps.t.ppf(0.975, 2) * d.std(ddof=1) / np.sqrt(3)
    assert r["ci_low"] == pytest.approx(d.mean() - h) and r["ci_high"] == pytest.approx(d.mean() + h)
    # a common seed shift cancels in the paired interval but not in Welch's
    shift = pd.Series([0.0, 100.0, 200.0], index=[0, 1, 2])
    assert paired(shift, shift + 1.0)["ci_low"] == pytest.approx(1.0)
    assert compare(shift, shift + 1.0)["ci_low"] < -100
