"""Statistics over replicates, in one place: used by ``abm report``, ``abm validate`` and the
statistical tests.

* :func:`mean_ci`: mean and t-interval of one sample;
* :func:`compare`: ``other - base`` with a Welch interval, Welch t-test, Mann-Whitney U and
  Hedges' g;
* :func:`paired`: ``other - base`` paired by replicate (common random numbers: the same seed
  in both scenarios), mean difference with a t-interval of the paired differences;
* :func:`t_half_width`: the half width of a t-interval (vectorised, for bands over time);
* :func:`holm`: Holm-Bonferroni adjusted p-values.

The intervals and tests are scipy's (``scipy.stats.ttest_1samp``, ``ttest_ind(...,
equal_var=False)`` and ``ttest_rel``, each with its ``confidence_interval``), the
Mann-Whitney test ``scipy.stats.mannwhitneyu`` and Holm's adjustment statsmodels'
``multipletests``; what is written here is only what those leave open: non-finite values,
samples too small or too constant for a t statistic, the Mann-Whitney p-value of two samples
whose values are all tied (1.0, whatever scipy's version gives: :func:`_mann_whitney`), and
Hedges' g (``d * (1 - 3 / (4 (n_a + n_b) - 9))``, the usual approximation of the small-sample
correction).

Every function ignores non-finite values (a metric that is undefined in a run, e.g. a share
of zero exits, is NaN there) and never raises on small samples. With fewer than two values no
spread can be estimated, so the standard deviation and the interval are NaN (never a
zero-width interval that would look exact); with two or more equal values the standard
deviation is 0 and the interval is the mean itself.

Example:
    >>> from abm.experiments.stats import mean_ci
    >>> ci = mean_ci([1.0, 2.0, 3.0])
    >>> ci["n"], ci["mean"], round(ci["ci_low"], 4), round(ci["ci_high"], 4)
    (3, 2.0, -0.4841, 4.4841)
    >>> mean_ci([5.0])["ci_low"]
    nan
"""

from __future__ import annotations

import math
import warnings
from typing import Iterable, Sequence, TypedDict

import numpy as np
from scipy import stats as sps

LEVEL = 0.95
"""Default confidence level of every interval."""


class MeanCI(TypedDict):
    """What :func:`mean_ci` returns."""

    n: int
    """Number of finite values used."""
    mean: float
    sd: float
    """Sample standard deviation (``ddof=1``); NaN for ``n < 2``."""
    ci_low: float
    ci_high: float


def _finite(x: Iterable[float]) -> np.ndarray:
    a = np.asarray(x if isinstance(x, np.ndarray) else list(x), dtype=float).ravel()
    return a[np.isfinite(a)]


def t_half_width(sd, n, level: float = LEVEL) -> np.ndarray:
    """Half width ``t_{(1+level)/2, n-1} * sd / sqrt(n)`` of a t-interval of the mean.

    Vectorised over ``sd`` and ``n`` (e.g. per step over replicates); NaN where ``n < 2``.
    """
    n = np.asarray(n, dtype=float)
    h = sps.t.ppf(0.5 + level / 2, np.maximum(n - 1, 1)) * np.asarray(sd, dtype=float) \
        / np.sqrt(n)
    return np.where(n >= 2, h, np.nan)


def mean_ci(x: Iterable[float], level: float = LEVEL) -> MeanCI:
    """Mean and t-interval of the finite values of ``x``.

    Returns:
        ``{"n", "mean", "sd", "ci_low", "ci_high"}``. ``n == 0``: everything NaN;
        ``n == 1``: the mean is the value, ``sd`` and the interval are NaN; all values equal:
        ``sd == 0`` and ``ci_low == ci_high == mean``.
    """
    a = _finite(x)
    n = int(a.size)
    if n == 0:
        return {"n": 0, "mean": math.nan, "sd": math.nan, "ci_low": math.nan,
                "ci_high": math.nan}
    m = float(a.mean())
    if n < 2:
        return {"n": 1, "mean": m, "sd": math.nan, "ci_low": math.nan, "ci_high": math.nan}
    sd = float(a.std(ddof=1))
    if sd == 0:  # scipy's t statistic is undefined; the interval is the value itself
        return {"n": n, "mean": m, "sd": 0.0, "ci_low": m, "ci_high": m}
    ci = _quiet(sps.ttest_1samp, a, 0.0).confidence_interval(level)
    return {"n": n, "mean": m, "sd": sd, "ci_low": float(ci.low), "ci_high": float(ci.high)}


def _quiet(test, *args, **kwargs):
    """``test(*args)`` without scipy's precision warnings on nearly equal values (the
    intervals are still computed; exactly equal values are handled before)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return test(*args, **kwargs)


def compare(base: Sequence[float], other: Sequence[float], level: float = LEVEL) -> dict:
    """``other - base``: difference of means with Welch interval, Welch t-test p-value,
    Mann-Whitney U p-value and Hedges' g (bias-corrected Cohen's d).

    Returns:
        ``{"n_base", "n", "diff", "ci_low", "ci_high", "welch_t", "welch_p", "mw_u", "mw_p",
        "hedges_g"}``; everything but the counts is NaN when either sample has fewer than
        two finite values. When both samples are constant the interval is the difference
        itself and ``welch_p`` is 1 (equal) or 0 (different); when every value of both is
        the same, ``mw_p`` is 1 too (:func:`_mann_whitney`).
    """
    a = _finite(base)
    b = _finite(other)
    na, nb = a.size, b.size
    out = {"n_base": na, "n": nb, "diff": math.nan, "ci_low": math.nan, "ci_high": math.nan,
           "welch_t": math.nan, "welch_p": math.nan, "mw_u": math.nan, "mw_p": math.nan,
           "hedges_g": math.nan}
    if na < 2 or nb < 2:
        return out
    diff = float(b.mean() - a.mean())
    va, vb = a.var(ddof=1), b.var(ddof=1)
    out["diff"] = diff
    if va / na + vb / nb > 0:
        t = _quiet(sps.ttest_ind, b, a, equal_var=False)
        ci = t.confidence_interval(level)
        out["ci_low"], out["ci_high"] = float(ci.low), float(ci.high)
        out["welch_t"], out["welch_p"] = float(t.statistic), float(t.pvalue)
    else:  # both samples constant: no spread, the difference is exact
        out["ci_low"] = out["ci_high"] = diff
        out["welch_p"] = 1.0 if diff == 0 else 0.0
    out["mw_u"], out["mw_p"] = _mann_whitney(b, a)
    sp = math.sqrt(((na - 1) * va + (nb - 1) * vb) / (na + nb - 2))
    if sp > 0:
        j = 1.0 - 3.0 / (4.0 * (na + nb) - 9.0)
        out["hedges_g"] = diff / sp * j
    return out


def _mann_whitney(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Two-sided Mann-Whitney ``(U of x, p)``, NaN when scipy raises.

    The degenerate case is defined here, not left to scipy: when every value of both samples
    is the same (e.g. two all-zero samples of a rare event), all ranks are tied, ``U`` is its
    null expectation ``n_x n_y / 2`` and the normal approximation's variance is 0. Nothing
    tells the samples apart, so the p-value is 1.0 (the exact test's: every arrangement of the
    ranks gives the same ``U``). scipy up to 1.17 returned 1.0 here, 1.18 returns NaN
    (0 / 0); both now give 1.0, so shipped reports read the same on either.
    """
    if x.size and y.size and np.all(x == x[0]) and np.all(y == x[0]):
        return x.size * y.size / 2.0, 1.0
    try:
        u = sps.mannwhitneyu(x, y, alternative="two-sided")
    except ValueError:
        return math.nan, math.nan
    return float(u.statistic), float(u.pvalue)


def paired(base, other, level: float = LEVEL) -> MeanCI:
    """``other - base`` paired by index (the replicate, which carries the common seed).

    ``base`` and ``other`` are :class:`pandas.Series` indexed by replicate; only replicates
    present in both, with finite values in both, are used. The result is :func:`mean_ci` of
    the paired differences: with common random numbers the seed's own noise cancels, so the
    interval is usually much narrower than Welch's (which treats the samples as independent).
    """
    import pandas as pd

    both = pd.concat([pd.Series(other, dtype=float), pd.Series(base, dtype=float)], axis=1,
                     join="inner", keys=["other", "base"])
    both = both[np.isfinite(both["other"] - both["base"])]
    out = mean_ci((both["other"] - both["base"]).to_numpy())
    if out["n"] >= 2 and out["sd"] > 0:
        ci = _quiet(sps.ttest_rel, both["other"], both["base"]).confidence_interval(level)
        out["ci_low"], out["ci_high"] = float(ci.low), float(ci.high)
    return out


def holm(pvalues) -> np.ndarray:
    """Holm-Bonferroni adjusted p-values (statsmodels' ``multipletests(method="holm")``);
    NaN stays NaN and the family is the finite p-values."""
    from statsmodels.stats.multitest import multipletests

    p = np.asarray(pvalues, dtype=float)
    out = np.full(p.shape, np.nan)
    ok = np.isfinite(p)
    if ok.any():
        out[ok] = multipletests(p[ok], method="holm")[1]
    return out
