"""The non-likelihood ARIMA estimators (Yule-Walker, Burg, Hannan-Rissanen, Whittle).

Oracles: statsmodels' own estimators on the same input (``statsmodels.tsa.arima.estimators``),
statsmodels' exact ML (SARIMAX) for Whittle, a direct DFT sum for the Whittle likelihood and
``Kernel.frequency_response`` for the spectral shape.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from statsmodels.tsa.arima.estimators.burg import burg as sm_burg
from statsmodels.tsa.arima.estimators.hannan_rissanen import hannan_rissanen as sm_hannan_rissanen
from statsmodels.tsa.arima.estimators.yule_walker import yule_walker as sm_yule_walker
from statsmodels.tsa.arima_process import arma_generate_sample
from statsmodels.tsa.statespace.tools import constrain_stationary_univariate, unconstrain_stationary_univariate

import convts
from convts.models.estimators.burg import fit_burg
from convts.models.estimators.hannan_rissanen import fit_hannan_rissanen
from convts.models.estimators.whittle import _BLOCKS, _constrain, _parse_orders, _unconstrain, _Whittle, fit_whittle
from convts.models.estimators.yule_walker import fit_yule_walker


def simulate(ar, ma, n, seed, scale=1.0, mean=0.0):
    """ARMA sample with statsmodels' generator and a fixed seed (ar, ma in statsmodels' sign)."""
    rng = np.random.default_rng(seed)
    y = arma_generate_sample(np.r_[1.0, -np.asarray(ar, float)], np.r_[1.0, np.asarray(ma, float)], n,
                             scale=scale, distrvs=rng.standard_normal, burnin=300)
    return y + mean


SIM = {
    "ar2": simulate([0.6, -0.3], [], 400, seed=1, scale=2.0, mean=5.0),
    "arma11": simulate([0.7], [0.4], 500, seed=2, mean=-1.0),
    "arma22": simulate([0.5, -0.2], [0.3, 0.2], 600, seed=3),
}
REAL = {
    "sunspots": convts.datasets.load("sunspots").to_numpy(),
    "lake_huron": convts.datasets.load("lake_huron").to_numpy(),
}
SERIES = {**SIM, **REAL}


# ---------------------------------------------------------------------------------------------- Yule-Walker
@pytest.mark.parametrize("name", sorted(SERIES))
@pytest.mark.parametrize("p", [0, 1, 2, 4])
@pytest.mark.parametrize("demean", [True, False])
@pytest.mark.parametrize("method", ["adjusted", "mle"])
def test_yule_walker_equals_statsmodels(name, p, demean, method):
    y = SERIES[name]
    ar, sigma2 = fit_yule_walker(y, p, demean=demean, method=method)
    # statsmodels' estimator: adjusted=False (divisor n) by default, returns sigma2 = sigma**2
    ref = sm_yule_walker(y, ar_order=p, demean=demean, adjusted=(method == "adjusted"))[0]
    np.testing.assert_allclose(ar, ref.ar_params, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(sigma2, ref.sigma2, rtol=1e-10)


def test_yule_walker_matches_statsmodels_arima_with_its_settings():
    """statsmodels' ARIMA(method='yule_walker') calls its estimator with demean=False and divisor n:
    fit_yule_walker(y, p, demean=False, method='mle').  (With trend='c' statsmodels first removes
    a feasible-GLS mean, not the sample mean, so the model layer must choose which it follows.)"""
    from statsmodels.tsa.arima.model import ARIMA

    y = SIM["ar2"] - SIM["ar2"].mean()
    res = ARIMA(y, order=(2, 0, 0), trend="n").fit(method="yule_walker")
    ar, sigma2 = fit_yule_walker(y, 2, demean=False, method="mle")
    np.testing.assert_allclose(ar, res.params[:2], rtol=1e-10)
    np.testing.assert_allclose(sigma2, res.params[-1], rtol=1e-10)
    # the default method='adjusted' (divisor n - k) is a different, documented, estimate
    assert not np.allclose(fit_yule_walker(y, 2)[0], ar, rtol=1e-6)


# ---------------------------------------------------------------------------------------------- Burg
@pytest.mark.parametrize("name", sorted(SERIES))
@pytest.mark.parametrize("p", [1, 2, 3, 6])
@pytest.mark.parametrize("demean", [True, False])
def test_burg_equals_statsmodels(name, p, demean):
    y = SERIES[name]
    ar, sigma2 = fit_burg(y, p, demean=demean)
    ref = sm_burg(y, ar_order=p, demean=demean)[0]
    np.testing.assert_allclose(ar, ref.ar_params, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(sigma2, ref.sigma2, rtol=1e-10)
    assert convts.kernels.arma(ar).is_stable


def test_burg_order_zero():
    y = SIM["ar2"]
    ar, sigma2 = fit_burg(y, 0)
    assert ar.shape == (0,)
    np.testing.assert_allclose(sigma2, sm_burg(y, ar_order=0)[0].sigma2, rtol=1e-12)
    # documented difference: demean=False keeps the mean (statsmodels returns np.var regardless)
    np.testing.assert_allclose(fit_burg(y, 0, demean=False)[1], np.mean(y**2), rtol=1e-12)


# ---------------------------------------------------------------------------------------------- Hannan-Rissanen
HR_ORDERS = [(1, 1), (2, 1), (1, 2), (2, 2), (0, 1), (0, 2), (3, 0), ([1, 3], [2]), ([2], [1, 4])]


@pytest.mark.parametrize("name", sorted(SERIES))
@pytest.mark.parametrize("order", HR_ORDERS, ids=str)
@pytest.mark.parametrize("demean", [True, False])
@pytest.mark.parametrize("unbiased", [None, False])
def test_hannan_rissanen_equals_statsmodels(name, order, demean, unbiased):
    y = SERIES[name]
    p, q = order
    ar, ma, sigma2 = fit_hannan_rissanen(y, p, q, demean=demean, unbiased=unbiased)
    ref = sm_hannan_rissanen(y, ar_order=p, ma_order=q, demean=demean, unbiased=unbiased)[0]
    np.testing.assert_allclose(ar, ref.ar_params, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(ma, ref.ma_params, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(sigma2, ref.sigma2, rtol=1e-8)


@pytest.mark.parametrize("initial_ar_order", [5, 12])
def test_hannan_rissanen_initial_ar_order(initial_ar_order):
    y = SIM["arma22"]
    ar, ma, sigma2 = fit_hannan_rissanen(y, 2, 2, initial_ar_order=initial_ar_order)
    ref = sm_hannan_rissanen(y, ar_order=2, ma_order=2, initial_ar_order=initial_ar_order)[0]
    np.testing.assert_allclose(np.r_[ar, ma, sigma2], np.r_[ref.ar_params, ref.ma_params, ref.sigma2], rtol=1e-8)


def test_hannan_rissanen_white_noise():
    y = SIM["arma11"]
    ar, ma, sigma2 = fit_hannan_rissanen(y, 0, 0)
    assert ar.size == ma.size == 0
    np.testing.assert_allclose(sigma2, sm_hannan_rissanen(y)[0].sigma2, rtol=1e-12)


@pytest.mark.parametrize("seed", range(8))
def test_hannan_rissanen_unbiased_true_raises_like_statsmodels(seed):
    """Over-differenced noise makes some step-2 fits non-invertible: both libraries refuse the
    bias correction on exactly the same samples, and agree where it applies."""
    y = np.diff(np.random.default_rng(seed).standard_normal(200))
    try:
        ref = sm_hannan_rissanen(y, ar_order=2, ma_order=2, unbiased=True)[0]
    except ValueError:
        with pytest.raises(ValueError, match="non-stationary or non-invertible"):
            fit_hannan_rissanen(y, 2, 2, unbiased=True)
    else:
        ar, ma, sigma2 = fit_hannan_rissanen(y, 2, 2, unbiased=True)
        np.testing.assert_allclose(np.r_[ar, ma, sigma2], np.r_[ref.ar_params, ref.ma_params, ref.sigma2], rtol=1e-8)


def test_hannan_rissanen_recovers_truth():
    y = simulate([0.6], [0.3], 5000, seed=11)
    ar, ma, sigma2 = fit_hannan_rissanen(y, 1, 1)
    np.testing.assert_allclose([ar[0], ma[0], sigma2], [0.6, 0.3, 1.0], atol=0.06)


# ---------------------------------------------------------------------------------------------- Whittle
@pytest.mark.parametrize("k", [1, 2, 3, 5])
def test_stationarity_transform_equals_statsmodels(k):
    x = np.random.default_rng(k).normal(scale=2.0, size=k)
    phi = _constrain(x)
    np.testing.assert_allclose(phi, constrain_stationary_univariate(x), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(_unconstrain(phi), unconstrain_stationary_univariate(phi), rtol=1e-8)
    np.testing.assert_allclose(_unconstrain(phi), x, rtol=1e-8)
    assert convts.kernels.arma(phi).is_stable and convts.kernels.arma(ma=-phi).is_invertible


def test_unconstrain_rejects_non_stationary():
    with pytest.raises(ValueError, match="not stationary"):
        _unconstrain(np.array([1.2]))


def _model(y, order, seasonal_order=(0, 0, 0, 0)):
    lags = _parse_orders(order, seasonal_order)
    s = seasonal_order[3] or 1
    return _Whittle(y - y.mean(), lags, {"ar": 1, "ma": 1, "seasonal_ar": s, "seasonal_ma": s})


def test_whittle_spectral_shape_equals_kernel_frequency_response():
    """The sparse per-polynomial evaluation equals |H|^2 of the product kernel on the Fourier grid."""
    n = 301
    model = _model(np.random.default_rng(0).standard_normal(n), (2, 0, 1), (1, 0, 1, 12))
    c = np.array([0.5, -0.3, 0.4, 0.6, -0.5])
    kernel = convts.kernels.arma([0.5, -0.3], [0.4]) * convts.kernels.arma([0.6], [-0.5], ar_lags=[12], ma_lags=[12])
    w, h = kernel.frequency_response(n, whole=True)
    np.testing.assert_allclose(w[1 : model.m + 1], 2 * np.pi * np.arange(1, model.m + 1) / n)
    np.testing.assert_allclose(model.log_g(c), np.log(np.abs(h[1 : model.m + 1]) ** 2), rtol=1e-10, atol=1e-12)
    assert model.kernel(c) == kernel


def test_whittle_llf_equals_direct_dft_sum():
    n = 64
    y = simulate([0.5], [0.3], n, seed=4)
    fit = fit_whittle(y, (1, 0, 1))
    x = y - y.mean()
    m = (n - 1) // 2
    total = 0.0
    sig = fit["sigma2"]
    phi, theta = fit["ar"][0], fit["ma"][0]
    for j in range(1, m + 1):  # the textbook sums, one frequency at a time
        w = 2 * np.pi * j / n
        dft = sum(x[t] * np.exp(-1j * w * t) for t in range(n))
        periodogram = abs(dft) ** 2 / (2 * np.pi * n)
        f = sig / (2 * np.pi) * abs(1 + theta * np.exp(-1j * w)) ** 2 / abs(1 - phi * np.exp(-1j * w)) ** 2
        total += np.log(2 * np.pi * f) + periodogram / f
    np.testing.assert_allclose(fit["llf"], -0.5 * n * np.log(2 * np.pi) - total, rtol=1e-10)


def test_whittle_gradient_equals_finite_differences():
    model = _model(SIM["arma22"], (2, 0, 2), (1, 0, 0, 4))
    c = np.array([0.3, -0.2, 0.1, 0.2, 0.3])
    _, _, grad = model.objective(c, grad=True)
    h = 1e-6
    num = [(model.objective(c + h * e)[0] - model.objective(c - h * e)[0]) / (2 * h) for e in np.eye(c.size)]
    np.testing.assert_allclose(grad, num, rtol=1e-5, atol=1e-8)


@pytest.fixture(scope="module")
def long_arma21():
    from statsmodels.tsa.statespace.sarimax import SARIMAX

    n = 20_000
    y = simulate([0.5, -0.3], [0.4], n, seed=20)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mle = SARIMAX(y - y.mean(), order=(2, 0, 1)).fit(disp=0)
    return y, mle


def test_whittle_long_arma21_close_to_truth_and_exact_ml(long_arma21):
    y, mle = long_arma21
    fit = fit_whittle(y, (2, 0, 1))
    assert fit["converged"]
    est = np.r_[fit["ar"], fit["ma"]]
    bse = mle.bse[:3]
    # within a few standard errors (~3/sqrt(n)) of the truth
    assert np.all(np.abs(est - [0.5, -0.3, 0.4]) < 4 * bse)
    assert np.all(np.abs(est - [0.5, -0.3, 0.4]) < 6 / np.sqrt(y.size))
    # and a small fraction of a standard error from exact ML (measured ~0.01 s.e. at n = 1e4-2e4)
    assert np.all(np.abs(est - mle.params[:3]) < 0.1 * bse)
    np.testing.assert_allclose(fit["sigma2"], mle.params[3], rtol=1e-3)
    assert abs(fit["llf"] - mle.llf) < 5.0  # Whittle approximates the exact log-likelihood up to O(1)


def test_whittle_at_optimum():
    y = SIM["arma22"]
    fit = fit_whittle(y, (2, 0, 2))
    model = _model(y, (2, 0, 2))
    c = np.r_[fit["ar"], fit["ma"]]
    value, sigma2, grad = model.objective(c, grad=True)
    np.testing.assert_allclose(sigma2, fit["sigma2"], rtol=1e-12)
    assert np.max(np.abs(grad)) < 1e-4
    rng = np.random.default_rng(0)
    for _ in range(10):
        assert model.objective(c + rng.normal(scale=1e-2, size=c.size))[0] >= value


def test_whittle_seasonal_close_to_exact_ml():
    from statsmodels.tsa.statespace.sarimax import SARIMAX

    rng = np.random.default_rng(5)
    kernel = convts.kernels.arma([0.5], [0.3]) * convts.kernels.arma([0.6], ar_lags=[4])
    y = kernel(rng.standard_normal(4000))[500:]
    fit = fit_whittle(y, (1, 0, 1), (1, 0, 0, 4))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mle = SARIMAX(y - y.mean(), order=(1, 0, 1), seasonal_order=(1, 0, 0, 4)).fit(disp=0)
    est = np.r_[fit["ar"], fit["ma"], fit["seasonal_ar"]]
    assert fit["converged"]
    assert np.all(np.abs(est - mle.params[:3]) < 0.3 * mle.bse[:3])
    assert np.all(np.abs(est - [0.5, 0.3, 0.6]) < 4 * mle.bse[:3])


def test_whittle_sparse_lags_close_to_exact_ml():
    """Non-consecutive lags are optimised on raw coefficients (no transform) and still land on ML."""
    from statsmodels.tsa.statespace.sarimax import SARIMAX

    y = convts.kernels.arma([0.5, 0.0, -0.3])(np.random.default_rng(8).standard_normal(3500))[500:]
    fit = fit_whittle(y, ([1, 3], 0, 0))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mle = SARIMAX(y - y.mean(), order=([1, 0, 1], 0, 0)).fit(disp=0)
    assert fit["converged"] and fit["ar"].shape == (2,)
    assert np.all(np.abs(fit["ar"] - mle.params[:2]) < 0.3 * mle.bse[:2])


@pytest.mark.parametrize("name", sorted(REAL))
def test_whittle_real_data_near_exact_ml(name):
    from statsmodels.tsa.statespace.sarimax import SARIMAX

    y = REAL[name]
    fit = fit_whittle(y, (2, 0, 0))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mle = SARIMAX(y - y.mean(), order=(2, 0, 0)).fit(disp=0)
    # short series (98 and 309 values): Whittle is within a standard error of exact ML
    assert np.all(np.abs(np.r_[fit["ar"]] - mle.params[:2]) < 1.0 * mle.bse[:2])
    assert convts.kernels.arma(fit["ar"]).is_stable


def test_whittle_white_noise_and_demean():
    y = simulate([], [], 1001, seed=6, mean=3.0)
    fit = fit_whittle(y, (0, 0, 0))
    m = (y.size - 1) // 2
    pgram = np.abs(np.fft.fft(y)[1 : m + 1]) ** 2 / y.size
    np.testing.assert_allclose(fit["sigma2"], pgram.mean(), rtol=1e-12)
    # the Fourier frequencies j >= 1 ignore the mean: demean changes nothing
    a, b = fit_whittle(y, (1, 0, 1)), fit_whittle(y, (1, 0, 1), demean=False)
    np.testing.assert_allclose(np.r_[a["ar"], a["ma"], a["sigma2"]], np.r_[b["ar"], b["ma"], b["sigma2"]], rtol=1e-6)


def test_whittle_start_params():
    y = SIM["arma11"]
    base = fit_whittle(y, (1, 0, 1))
    for start in ({"ar": [0.1], "ma": [0.0]}, [0.2, -0.1], {"ar": [0.3]}):
        fit = fit_whittle(y, (1, 0, 1), start_params=start)
        np.testing.assert_allclose(np.r_[fit["ar"], fit["ma"]], np.r_[base["ar"], base["ma"]], atol=1e-4)
    with pytest.raises(ValueError, match="not stationary"):
        fit_whittle(y, (1, 0, 1), start_params=[1.5, 0.0])
    with pytest.raises(ValueError, match="2 values|has 3 values"):
        fit_whittle(y, (1, 0, 1), start_params=[0.1, 0.2, 0.3])
    with pytest.raises(ValueError, match="unknown key"):
        fit_whittle(y, (1, 0, 1), start_params={"arr": [0.1]})


def test_whittle_returns_every_block():
    fit = fit_whittle(SIM["arma11"], (1, 1))
    assert set(fit) == set(_BLOCKS) | {"sigma2", "llf", "converged", "nit"}
    assert fit["seasonal_ar"].shape == fit["seasonal_ma"].shape == (0,)


# ---------------------------------------------------------------------------------------------- bad input
ESTIMATORS = {
    "yule_walker": lambda y, p: fit_yule_walker(y, p),
    "burg": lambda y, p: fit_burg(y, p),
    "hannan_rissanen": lambda y, p: fit_hannan_rissanen(y, p, 1),
    "whittle": lambda y, p: fit_whittle(y, (p, 0, 1)),
}


@pytest.mark.parametrize("name", sorted(ESTIMATORS))
def test_nan_in_y_is_refused(name):
    y = SIM["arma11"].copy()
    y[10] = np.nan
    with pytest.raises(ValueError, match="NaN/inf"):
        ESTIMATORS[name](y, 1)


@pytest.mark.parametrize("name", sorted(ESTIMATORS))
def test_negative_order_is_refused(name):
    with pytest.raises(ValueError, match=">= 0"):
        ESTIMATORS[name](SIM["arma11"], -1)


@pytest.mark.parametrize("name", sorted(ESTIMATORS))
def test_order_too_large_for_n(name):
    with pytest.raises(ValueError, match="too large|too few|too short"):
        ESTIMATORS[name](np.arange(6.0) % 3, 6)


@pytest.mark.parametrize("name", sorted(ESTIMATORS))
def test_bad_shapes_and_types(name):
    with pytest.raises(ValueError, match="dimension"):
        ESTIMATORS[name](np.ones((10, 2)), 1)
    with pytest.raises(TypeError, match="integer"):
        ESTIMATORS[name](SIM["arma11"], 1.5)
    with pytest.raises(TypeError, match="not numeric"):
        ESTIMATORS[name](np.array(["a", "b"] * 20), 1)


@pytest.mark.parametrize("name", sorted(ESTIMATORS))
def test_input_not_mutated(name):
    y = SIM["arma22"].copy()
    before = y.copy()
    ESTIMATORS[name](y, 2)
    np.testing.assert_array_equal(y, before)


def test_sparse_lags_refused_where_statsmodels_refuses():
    with pytest.raises(ValueError, match="consecutive"):
        fit_yule_walker(SIM["ar2"], [1, 3])
    with pytest.raises(ValueError, match="consecutive"):
        fit_burg(SIM["ar2"], [2])


def test_hannan_rissanen_bad_options():
    y = SIM["arma11"]
    with pytest.raises(ValueError, match="must exceed"):
        fit_hannan_rissanen(y, 2, 2, initial_ar_order=2)
    with pytest.raises(ValueError, match="too large"):
        fit_hannan_rissanen(y[:30], 1, 1, initial_ar_order=40)
    with pytest.raises(ValueError, match="distinct"):
        fit_hannan_rissanen(y, [1, 1], 0)
    with pytest.raises(ValueError, match="MA terms"):
        fit_hannan_rissanen(y, 2, 0, unbiased=True)
    with pytest.raises(ValueError, match="method"):
        fit_yule_walker(y, 2, method="ols")


def test_whittle_bad_orders():
    y = SIM["arma11"]
    with pytest.raises(ValueError, match="period s >= 2"):
        fit_whittle(y, (1, 0, 0), (1, 0, 0, 0))
    with pytest.raises(ValueError, match="both the ar and the seasonal_ar"):
        fit_whittle(y, (4, 0, 0), (1, 0, 0, 4))
    with pytest.raises(ValueError, match=r"\(p, d, q\)"):
        fit_whittle(y, 2)
    with pytest.raises(ValueError, match=r"\(P, D, Q, s\)"):
        fit_whittle(y, (1, 0, 0), (1, 0, 12))
