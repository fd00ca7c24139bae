"""acovf / acf / pacf / ccf / yule_walker / burg against double loops and statsmodels."""

from __future__ import annotations

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
    assert np.isnan(convts.acf(with_gaps, 3)).all()  # propagate
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
    with pytest.raises(ValueError, match="NaN"):
        convts.pacf(np.r_[ar_series[:50], np.nan], 5)


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
    with pytest.raises(ValueError, match="constant"):
        convts.ccf(np.ones(5), np.arange(5.0))
    with pytest.raises(ValueError, match="y contains NaN"):
        convts.ccf(np.arange(5.0), np.array([1.0, np.nan, 2, 3, 4]))


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
    (lambda: convts.acf(np.ones(10), 3), "constant"),
    (lambda: convts.acf(np.arange(10.0), 10), "nlags=10"),
    (lambda: convts.acf(np.arange(10.0), 3, nan_policy="drop"), "nan_policy"),
    (lambda: convts.acf(np.ones((2, 5)), 1), "dimension"),
    (lambda: convts.acf(np.array([]), 1), "empty"),
])
def test_stats_errors_name_the_parameter(call, word):
    with pytest.raises(ValueError, match=word):
        call()
