"""acovf / acf / pacf / ccf / yule_walker / burg against double loops and statsmodels."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from reference import acovf_loop, ccf_loop, ccovf_loop
from statsmodels.regression import linear_model as sm_lm
from statsmodels.tsa import stattools as sm

import convts
from convts import kernels as K
from convts.engine import acovf, ccovf, burg, yule_walker


@pytest.fixture(scope="module")
def ar_series():
    rng = np.random.default_rng(7)
    e = rng.normal(size=400)
    return K.arma([0.6, -0.25], [0.3])(e, method="recursive") + 3.0


@pytest.fixture(scope="module")
def with_gaps(ar_series):
    x = ar_series[:150].copy()
    x[[0, 4, 5, 17, 60, 61, 62, 149]] = np.nan
    return x


# ---------------------------------------------------------------------------------------------
# acovf / acf
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("adjusted", [False, True])
@pytest.mark.parametrize("nlags", [0, 5, 40, 120])
def test_acovf_vs_loop_and_statsmodels(ar_series, adjusted, nlags):
    x = ar_series[:150]
    got = acovf(x, nlags, adjusted=adjusted)
    np.testing.assert_allclose(got, acovf_loop(x, nlags, adjusted=adjusted), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(got, sm.acovf(x, adjusted=adjusted, nlag=nlags, fft=False), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(acovf(x, nlags, demean=False), acovf_loop(x, nlags, demean=False), rtol=1e-10)


@pytest.mark.parametrize("adjusted", [False, True])
def test_acovf_omit_is_missing_conservative(with_gaps, adjusted):
    got = acovf(with_gaps, 30, adjusted=adjusted, nan_policy="omit")
    np.testing.assert_allclose(got, acovf_loop(with_gaps, 30, adjusted=adjusted, omit=True), rtol=1e-10, atol=1e-12)
    ref = sm.acovf(with_gaps, adjusted=adjusted, nlag=30, missing="conservative", fft=False)
    np.testing.assert_allclose(got, ref, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("adjusted", [False, True])
@pytest.mark.parametrize("nlags", [None, 1, 25])
def test_acf_vs_statsmodels(ar_series, adjusted, nlags):
    np.testing.assert_allclose(convts.acf(ar_series, nlags, adjusted=adjusted),
                               sm.acf(ar_series, nlags=nlags, adjusted=adjusted), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("alpha", [0.05, 0.2])
def test_acf_confint_vs_statsmodels(ar_series, alpha):
    r, ci = convts.acf(ar_series, 20, alpha=alpha)
    r_sm, ci_sm = sm.acf(ar_series, nlags=20, alpha=alpha, result_object=False)
    np.testing.assert_allclose(r, r_sm, rtol=1e-10)
    np.testing.assert_allclose(ci, ci_sm, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("adjusted", [False, True])
def test_acf_omit_vs_statsmodels_conservative(with_gaps, adjusted):
    got = convts.acf(with_gaps, 20, adjusted=adjusted, nan_policy="omit")
    ref = sm.acf(with_gaps, nlags=20, adjusted=adjusted, missing="conservative")
    np.testing.assert_allclose(got, ref, rtol=1e-10, atol=1e-12)
    r, ci = convts.acf(with_gaps, 20, adjusted=adjusted, nan_policy="omit", alpha=0.05)
    r_sm, ci_sm = sm.acf(with_gaps, nlags=20, adjusted=adjusted, missing="conservative", alpha=0.05, result_object=False)
    np.testing.assert_allclose(ci, ci_sm, rtol=1e-10, atol=1e-12)


def test_acf_nan_policies(with_gaps):
    with pytest.warns(convts.engine.UndefinedStatisticWarning, match="8 NaN/inf.*nan_policy='omit'"):
        got = convts.acf(with_gaps, 3)  # propagate: statsmodels' missing='none' (all NaN), with a word
    np.testing.assert_array_equal(got, sm.acf(with_gaps, nlags=3, missing="none"))
    with pytest.raises(ValueError, match="8 NaN/inf"):
        convts.acf(with_gaps, 3, nan_policy="raise")
    with pytest.raises(ValueError, match="inf"):
        convts.acf(np.array([1.0, np.inf, 2.0, 3.0]), 1, nan_policy="omit")


def test_acf_long_series_fft_path(ar_series):
    x = np.tile(ar_series, 10)
    np.testing.assert_allclose(convts.acf(x, 300), sm.acf(x, nlags=300, fft=False), rtol=1e-9, atol=1e-12)


# ---------------------------------------------------------------------------------------------
# pacf: every method
# ---------------------------------------------------------------------------------------------

PACF_METHODS = ["yw", "ywa", "ywadjusted", "yw_adjusted", "ywm", "ywmle", "yw_mle", "ols", "ols-inefficient",
                "ols-adjusted", "ld", "lda", "ldadjusted", "ld_adjusted", "ldb", "ldbiased", "ld_biased", "burg"]


@pytest.mark.parametrize("method", PACF_METHODS)
def test_pacf_vs_statsmodels(ar_series, method):
    np.testing.assert_allclose(convts.pacf(ar_series, 15, method=method), sm.pacf(ar_series, 15, method=method),
                               rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("method", ["ywadjusted", "ols", "burg"])
def test_pacf_confint_and_default_nlags(ar_series, method):
    got, ci = convts.pacf(ar_series, 10, method=method, alpha=0.05)
    ref, ci_sm = sm.pacf(ar_series, 10, method=method, alpha=0.05)
    np.testing.assert_allclose(ci, ci_sm, rtol=1e-8, atol=1e-10)
    x = ar_series[:60]
    np.testing.assert_allclose(convts.pacf(x, method=method), sm.pacf(x, method=method), rtol=1e-8, atol=1e-10)


def test_pacf_bad_input(ar_series):
    with pytest.raises(ValueError, match="method='nope'"):
        convts.pacf(ar_series, 5, method="nope")
    with pytest.raises(ValueError, match="nlags=300"):
        convts.pacf(ar_series, 300)
    with pytest.raises(ValueError, match="1 NaN"):
        convts.pacf(np.r_[ar_series[:50], np.nan], 5, nan_policy="raise")


# ---------------------------------------------------------------------------------------------
# ccf
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("adjusted", [True, False])
def test_ccf_vs_statsmodels_and_loop(ar_series, adjusted):
    rng = np.random.default_rng(3)
    x = ar_series[:120]
    y = np.roll(x, 3) + rng.normal(size=120)
    got = convts.ccf(x, y, 10, adjusted=adjusted)
    np.testing.assert_allclose(got, ccf_loop(x, y, 10, adjusted=adjusted), rtol=1e-10, atol=1e-12)
    # statsmodels: non-negative lags of ccf(x, y); negative lags are ccf(y, x)
    np.testing.assert_allclose(got[10:], sm.ccf(x, y, adjusted=adjusted, nlags=11), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(got[10::-1], sm.ccf(y, x, adjusted=adjusted, nlags=11), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(convts.ccf(x, y, 10, two_sided=False, adjusted=adjusted), got[10:])
    # many lags: the FFT path
    np.testing.assert_allclose(ccovf(x, y, 100, adjusted=adjusted), ccovf_loop(x, y, 100, adjusted=adjusted), rtol=1e-9, atol=1e-12)
    _, ci = convts.ccf(x, y, 10, alpha=0.05)
    _, ci_sm = sm.ccf(x, y, nlags=11, alpha=0.05)
    np.testing.assert_allclose(ci[10:], ci_sm, rtol=1e-10, atol=1e-12)


def test_ccf_bad_input():
    with pytest.raises(ValueError, match="same length"):
        convts.ccf(np.ones(5), np.ones(4))
    with pytest.warns(convts.engine.UndefinedStatisticWarning, match="x is constant"):
        assert np.isnan(convts.ccf(np.ones(5), np.arange(5.0))).all()
    with pytest.raises(ValueError, match="y contains 1 NaN"):
        convts.ccf(np.arange(5.0), np.array([1.0, np.nan, 2, 3, 4]), nan_policy="raise")


# ---------------------------------------------------------------------------------------------
# AR estimators
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["adjusted", "mle"])
@pytest.mark.parametrize("order", [0, 1, 4])
def test_yule_walker_vs_statsmodels(ar_series, method, order):
    if order == 0:
        fit = yule_walker(ar_series, 0, method=method)
        assert fit.sigma2 == pytest.approx(np.var(ar_series))
        return
    fit = yule_walker(ar_series, order, method=method)
    rho, sigma = sm_lm.yule_walker(ar_series, order, method=method, result_object=False)
    np.testing.assert_allclose(fit.ar, rho, rtol=1e-10)
    assert fit.sigma2 == pytest.approx(sigma**2, rel=1e-10)


@pytest.mark.parametrize("order", [0, 1, 3, 6])
def test_burg_vs_statsmodels(ar_series, order):
    fit = burg(ar_series, order)
    if order == 0:
        assert fit.sigma2 == pytest.approx(np.var(ar_series))
        return
    rho, sigma2 = sm_lm.burg(ar_series, order)
    np.testing.assert_allclose(fit.ar, rho, rtol=1e-10)
    assert fit.sigma2 == pytest.approx(sigma2, rel=1e-10)
    assert K.arma(fit.ar).is_stable


def test_ar_estimators_bad_input():
    with pytest.raises(ValueError, match="order=5"):
        yule_walker(np.arange(5.0), 5)
    with pytest.raises(ValueError, match="method='ols'"):
        yule_walker(np.arange(10.0), 1, method="ols")
    with pytest.raises(ValueError, match="NaN"):
        burg(np.array([1.0, np.nan, 2.0, 3.0]), 1)


@pytest.mark.parametrize("call, word", [
    (lambda: convts.acf(np.ones(1)), "2 observations"),
    (lambda: convts.acf(np.arange(10.0), 10), "nlags=10"),
    (lambda: convts.acf(np.arange(10.0), 3, nan_policy="drop"), "nan_policy"),
    (lambda: convts.acf(np.ones((2, 5)), 1), "dimension"),
    (lambda: convts.acf(np.array([]), 1), "empty"),
])
def test_stats_errors_name_the_parameter(call, word):
    with pytest.raises(ValueError, match=word):
        call()


# ---------------------------------------------------------------------------------------------
# Undefined statistics: constant series (up to rounding), overflow, one nan_policy for all four
# ---------------------------------------------------------------------------------------------

UW = convts.engine.UndefinedStatisticWarning


@pytest.mark.parametrize("value", [3.0, 0.1, -1e-5, 1e10])
def test_constant_series_acf_pacf_ccf_are_nan(value):
    x = np.full(50, value)
    # oracle: statsmodels' acf of an exactly constant series is NaN at every lag; for 0.1 its
    # rounding gives [1, 1, ...] (and ours gave [1, .98, .96, .94]): the ACF is undefined
    with pytest.warns(UW, match="x is constant"):
        r, ci = convts.acf(x, 3, alpha=0.05)
    assert np.isnan(r).all() and np.isnan(ci).all()
    if value == 3.0:
        with np.errstate(invalid="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            np.testing.assert_array_equal(r, sm.acf(x, nlags=3))
    for method in ("ywadjusted", "ywm", "ld", "ldb", "burg", "ols"):
        with pytest.warns(UW, match="constant"):
            assert np.isnan(convts.pacf(x, 5, method=method)).all()  # was scipy's LinAlgError
    with pytest.warns(UW, match="y is constant"):
        assert np.isnan(convts.ccf(np.arange(50.0), x, 3)).all()


def test_nearly_constant_but_varying_series_is_not_constant():
    # variance 2.5e-21 around 1.0: far above the rounding bound (n eps mean)^2 ~ 1.2e-28
    x = 1.0 + 1e-10 * np.sin(np.arange(50.0))
    np.testing.assert_allclose(convts.acf(x, 3), sm.acf(x, nlags=3), rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("call", [
    lambda x: convts.acf(x, 5), lambda x: convts.acovf(x, 5), lambda x: convts.ccf(x, np.arange(100.0), 5),
    lambda x: convts.pacf(x, 5), lambda x: convts.pacf(x, 5, method="burg"), lambda x: convts.pacf(x, 5, method="ols"),
    lambda x: convts.pacf(x, 5, method="ld"), lambda x: yule_walker(x, 2), lambda x: burg(x, 2),
], ids=["acf", "acovf", "ccf", "pacf", "pacf_burg", "pacf_ols", "pacf_ld", "yule_walker", "burg"])
def test_overflow_names_the_input_and_says_rescale(call):
    x = np.random.default_rng(0).normal(size=100)
    x[10] = 1e300
    with pytest.raises(ValueError, match=r"x.*too large.*1e\+300.*rescale"):
        call(x)


STAT_CALLS = {
    "acovf": lambda x, **kw: convts.acovf(x, 4, **kw),
    "acf": lambda x, **kw: convts.acf(x, 4, **kw),
    "pacf": lambda x, **kw: convts.pacf(x, 4, method="ld", **kw),
    "ccf": lambda x, **kw: convts.ccf(x, x[::-1].copy(), 4, **kw),
}


@pytest.mark.parametrize("name", list(STAT_CALLS))
def test_one_nan_policy_for_acovf_acf_pacf_ccf(name, with_gaps):
    call = STAT_CALLS[name]
    with pytest.warns(UW, match="nan_policy='propagate'"):
        assert np.isnan(call(with_gaps)).all()
    with pytest.raises(ValueError, match=r"contains 8 NaN/inf value\(s\) \(first at index 0\)"):
        call(with_gaps, nan_policy="raise")
    assert np.isfinite(call(with_gaps, nan_policy="omit")).all()
    with pytest.raises(ValueError, match="nan_policy"):
        call(with_gaps, nan_policy="drop")


def test_pacf_omit_equals_levinson_on_conservative_acovf(with_gaps):
    from scipy.linalg import solve_toeplitz
    from statsmodels.tsa.stattools import levinson_durbin as sm_levinson

    for method, adjusted in (("ld", True), ("ldb", False)):
        r = sm.acovf(with_gaps, adjusted=adjusted, nlag=8, missing="conservative", fft=False)
        want = sm_levinson(r, nlags=8, isacov=True)[2]
        np.testing.assert_allclose(convts.pacf(with_gaps, 8, method=method, nan_policy="omit"), want, rtol=1e-9)
    for method, adjusted in (("yw", True), ("ywm", False)):
        r = sm.acovf(with_gaps, adjusted=adjusted, nlag=8, missing="conservative", fft=False)
        want = np.r_[1.0, [solve_toeplitz(r[:k], r[1 : k + 1])[-1] for k in range(1, 9)]]
        np.testing.assert_allclose(convts.pacf(with_gaps, 8, method=method, nan_policy="omit"), want, rtol=1e-9)
    with pytest.raises(ValueError, match="complete data"):
        convts.pacf(with_gaps, 8, method="burg", nan_policy="omit")


def _ccf_omit_loop(x, y, nlags, adjusted):
    """corr(x[t+k], y[t]) over observed pairs: observed means and stds, NaN counted as 0."""
    ox, oy = np.isfinite(x), np.isfinite(y)
    mx, my = np.mean(x[ox]), np.mean(y[oy])
    sx, sy = np.std(x[ox]), np.std(y[oy])
    n = len(x)
    out = []
    for k in range(-nlags, nlags + 1):
        total, pairs = 0.0, 0
        for t in range(n):
            if 0 <= t + k < n and ox[t + k] and oy[t]:
                total += (x[t + k] - mx) * (y[t] - my)
                pairs += 1
        both0 = sum(1 for t in range(n) if ox[t] and oy[t])
        out.append(total / (pairs if adjusted else both0) / (sx * sy))
    return np.array(out)


@pytest.mark.parametrize("adjusted", [True, False])
def test_ccf_omit_vs_loop(with_gaps, adjusted):
    y = np.roll(with_gaps, 2) + np.random.default_rng(2).normal(size=with_gaps.size)
    y[[3, 40, 41]] = np.nan
    got = convts.ccf(with_gaps, y, 6, adjusted=adjusted, nan_policy="omit")
    np.testing.assert_allclose(got, _ccf_omit_loop(with_gaps, y, 6, adjusted), rtol=1e-10)
    # without NaN 'omit' is the plain ccf, equal to statsmodels on the non-negative lags
    x = np.nan_to_num(with_gaps, nan=3.0)
    np.testing.assert_allclose(convts.ccf(x, x[::-1].copy(), 5, nan_policy="omit")[5:],
                               sm.ccf(x, x[::-1].copy(), nlags=6), rtol=1e-10)


def test_ccf_lag_convention_is_r_and_statsmodels():
    # R: ccf(x, y) at lag k estimates cor(x[t+k], y[t]); y = x delayed by 3 -> peak at k = -3.
    # statsmodels: ccf(x, y)[k] = corr(x[t+k], y[t]) for k >= 0, so our lag -3 is ccf(y, x)[3].
    rng = np.random.default_rng(5)
    x = rng.normal(size=500)
    y = np.r_[np.zeros(3), x[:-3]] + 0.1 * rng.normal(size=500)
    r = convts.ccf(x, y, 6)
    lags = np.arange(-6, 7)
    assert lags[np.argmax(r)] == -3
    np.testing.assert_allclose(r[6 - 3], sm.ccf(y, x, nlags=4)[3], rtol=1e-12)
    np.testing.assert_allclose(r[6:], sm.ccf(x, y, nlags=7), rtol=1e-12)


def test_acovf_omit_lags_without_observed_pairs_on_the_fft_path():
    # observed only at both ends: lags 10..2970 have no observed pair.  The pair counts came from
    # an FFT with rounding noise (1e-13 instead of 0) and the value at lag 1448 was -7.7e15
    rng = np.random.default_rng(0)
    x = rng.normal(size=3000)
    x[10:-10] = np.nan
    got = acovf(x, 2000, adjusted=True, nan_policy="omit")
    ref = sm.acovf(x, adjusted=True, nlag=2000, missing="conservative", fft=False)
    np.testing.assert_allclose(got, ref, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("scale", [1e-160, 1e-200, 1e-300])
def test_correlations_of_a_tiny_series_equal_statsmodels_on_the_unscaled_series(scale):
    """ACF, PACF and CCF are scale-free: a series at 1e-200 is not 'constant', and one at 1e-160
    loses no digits to subnormal squares (it was off by 3e-4).  Oracle: statsmodels on the series
    at scale 1."""
    from statsmodels.tsa.stattools import acf as sm_acf, ccf as sm_ccf, pacf as sm_pacf

    v = np.random.default_rng(11).normal(size=50)
    w = np.roll(v, 2) + 0.1 * np.random.default_rng(12).normal(size=50)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no UndefinedStatisticWarning: the series is not constant
        np.testing.assert_allclose(convts.acf(v * scale, 5), sm_acf(v, nlags=5, fft=False), rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(convts.pacf(v * scale, 5), sm_pacf(v, nlags=5), rtol=1e-10, atol=1e-12)
        got = convts.ccf(v * scale, w * 1e-170, 5, two_sided=False)
    np.testing.assert_allclose(got, sm_ccf(v, w, adjusted=True)[:6], rtol=1e-10, atol=1e-12)
