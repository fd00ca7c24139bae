"""convts.ARIMA: specification, validation, likelihood against oracles, CSS, fixed parameters."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import reference as ref

import convts
from convts.models import ConvergenceWarning
from convts.models.likelihood.css import css_residuals_engine, css_ssq
from convts.models.likelihood.exact import full_llf, loglike_parts
from convts.models.likelihood.transforms import constrain_stationary, unconstrain_stationary


def _sim(n, ar=(), ma=(), seed=0, mean=0.0):
    rng = np.random.default_rng(seed)
    e = rng.standard_normal(n + 200)
    return convts.kernels.arma(ar=list(ar), ma=list(ma))(e)[200:] + mean


# ----------------------------------------------------------------------------- specification
@pytest.mark.parametrize(
    "order, seasonal_order, trend, k_exog",
    [((1, 0, 1), (0, 0, 0, 0), None, 0), ((2, 1, 0), (1, 1, 1, 12), None, 0), ((1, 0, 0), (0, 0, 0, 0), "ct", 2),
     ((0, 1, 2), (2, 0, 1, 4), "t", 1), ((1, 0, 0), (0, 0, 0, 0), "n", 0)],
)
def test_param_names_match_statsmodels(order, seasonal_order, trend, k_exog):
    from statsmodels.tsa.arima.model import ARIMA as SMARIMA

    y = pd.Series(np.cumsum(_sim(120, seed=1)))
    exog = pd.DataFrame(np.random.default_rng(0).standard_normal((120, k_exog)), columns=[f"z{i}" for i in range(k_exog)]) if k_exog else None
    for ex in (exog, None if exog is None else exog.to_numpy()):
        ours = convts.ARIMA(y, exog=ex, order=order, seasonal_order=seasonal_order, trend=trend)
        theirs = SMARIMA(y, exog=ex, order=order, seasonal_order=seasonal_order, trend=trend)
        assert ours.param_names == list(theirs.param_names)


def test_kernel_is_the_integrated_psi_kernel():
    model = convts.ARIMA(np.cumsum(_sim(100)), order=(1, 1, 1), seasonal_order=(0, 0, 1, 4))
    params = np.array([0.5, 0.3, -0.4, 1.0])
    k = model.kernel(params)
    assert k.ma_lags.tolist() == [0, 1, 4, 5]  # sparse: (1 + 0.3 L)(1 - 0.4 L^4)
    from statsmodels.tsa.arima_process import arma2ma

    psi_arma = arma2ma(np.r_[1, -0.5], np.convolve([1, 0.3], [1, 0, 0, 0, -0.4]), lags=30)
    np.testing.assert_allclose(k.impulse_response(30), np.cumsum(psi_arma), atol=1e-12)


def test_seasonal_lag_365_stores_one_tap():
    model = convts.ARIMA(_sim(1200), order=(1, 0, 0), seasonal_order=(1, 0, 0, 365))
    k = model.kernel(np.array([0.0, 0.5, 0.3, 1.0]))
    assert k.ar_lags.tolist() == [0, 1, 365, 366]


# ----------------------------------------------------------------------------- validation
@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(order=(-1, 0, 0)), "p=-1"),
        (dict(order=(1, 0)), "three integers"),
        (dict(order=(1, 0, 0), seasonal_order=(1, 0, 0, 1)), "s >= 2"),
        (dict(order=(12, 0, 0), seasonal_order=(1, 0, 0, 12)), "overlap"),
        (dict(order=(0, 0, 4), seasonal_order=(0, 0, 1, 4)), "overlap"),
        (dict(order=(0, 1, 1), trend="c"), "degree lower than d \\+ D"),
        (dict(order=(1, 0, 0), trend="quadratic"), "trend="),
        (dict(order=(38, 0, 0)), "too few observations"),
    ],
)
def test_bad_orders(kwargs, match):
    with pytest.raises(ValueError, match=match):
        convts.ARIMA(_sim(40), **kwargs)


def test_bad_data():
    with pytest.raises(ValueError, match="all NaN"):
        convts.ARIMA(np.full(50, np.nan), order=(1, 0, 0))
    with pytest.raises(ValueError, match="constant"):
        convts.ARIMA(np.r_[np.full(50, 3.0), np.nan], order=(1, 0, 0))
    with pytest.raises(ValueError, match="too few"):
        convts.ARIMA(np.arange(16.0), order=(0, 1, 1), seasonal_order=(0, 1, 1, 12))
    y = _sim(60)
    with pytest.raises(ValueError, match="exog has 59 rows"):
        convts.ARIMA(y, exog=np.ones((59, 1)), order=(1, 0, 0))
    bad = np.random.default_rng(0).standard_normal((60, 2))
    bad[7, 1] = np.nan
    with pytest.raises(ValueError, match="exog contains NaN"):
        convts.ARIMA(y, exog=bad, order=(1, 0, 0))
    with pytest.raises(ValueError, match="inf"):
        convts.ARIMA(np.r_[y, np.inf], order=(1, 0, 0))


def test_caller_data_not_modified():
    y = pd.Series(_sim(100), index=pd.date_range("2000", periods=100, freq="D"))
    before = y.copy()
    convts.ARIMA(y, order=(1, 0, 0)).fit().forecast(3)
    pd.testing.assert_series_equal(y, before)


def test_forecast_needs_future_exog():
    rng = np.random.default_rng(2)
    X = rng.standard_normal((150, 1))
    res = convts.ARIMA(_sim(150) + 2 * X[:, 0], exog=X, order=(1, 0, 0)).fit()
    with pytest.raises(ValueError, match="future values"):
        res.forecast(5)
    with pytest.raises(ValueError, match="shape"):
        res.forecast(5, exog=np.ones((4, 1)))
    assert res.forecast(5, exog=np.ones((5, 1))).shape == (5,)


def test_non_stationary_start_is_rejected():
    with pytest.raises(ValueError, match="not admissible.*stationary"):
        convts.ARIMA(_sim(200, ar=[0.5]), order=(1, 0, 0)).fit(start_params=[0.0, 1.5, 1.0])


def test_optimizer_failure_warns_with_advice():
    y = _sim(300, ar=[0.5, 0.2], ma=[0.4], seed=3)
    with pytest.warns(ConvergenceWarning, match="try method='css-mle'.*maxiter"):
        res = convts.ARIMA(y, order=(2, 0, 1)).fit(method_kwargs={"maxiter": 1, "css_maxiter": 1})
    assert not res.converged


# ----------------------------------------------------------------------------- likelihood
def test_transforms_equal_statsmodels():
    from statsmodels.tsa.statespace.tools import constrain_stationary_univariate, unconstrain_stationary_univariate

    x = np.array([0.3, -1.7, 2.5, 0.1])
    np.testing.assert_allclose(constrain_stationary(x), constrain_stationary_univariate(x), atol=1e-14)
    c = constrain_stationary(x)
    np.testing.assert_allclose(unconstrain_stationary(c), unconstrain_stationary_univariate(c), atol=1e-10)


@pytest.mark.parametrize("order, seasonal, params", [
    ((1, 0, 1), (0, 0, 0, 0), [0.1, 0.7, 0.3, 1.3]),
    ((2, 0, 0), (0, 0, 0, 0), [0.0, 0.5, 0.3, 0.8]),
    ((0, 0, 2), (0, 0, 1, 4), [0.2, 0.4, -0.2, 0.5, 2.0]),
    ((1, 0, 0), (1, 0, 0, 4), [0.0, -0.5, 0.6, 1.0]),
])
@pytest.mark.parametrize("missing", [False, True])
def test_kalman_loglike_equals_dense_gaussian_oracle(order, seasonal, params, missing):
    y = _sim(60, ar=[0.4], ma=[0.2], seed=4)
    if missing:
        y[[0, 10, 11, 30, 59]] = np.nan
    model = convts.ARIMA(y, order=order, seasonal_order=seasonal)
    params = np.array(params, dtype=float)
    phi, theta = model.polynomials(params)
    w = y - params[0]
    want = ref.arma_exact_loglike_dense(w, {i + 1: c for i, c in enumerate(phi) if c},
                                        {i + 1: c for i, c in enumerate(theta) if c}, params[-1])
    parts = loglike_parts(model, params)
    assert full_llf(parts, params[-1]) == pytest.approx(want, rel=1e-9, abs=1e-9)


def test_steady_state_switch_is_exact():
    y = _sim(3000, ar=[0.6], ma=[0.5], seed=8)
    y[[1500, 2000, 2001]] = np.nan  # missing values inside the steady phase
    model = convts.ARIMA(y, order=(1, 0, 1))
    p = np.array([0.0, 0.6, 0.5, 1.0])
    fast = loglike_parts(model, p, tol=1e-10)
    exact = loglike_parts(model, p, tol=-1.0)  # never switch
    assert fast["nobs"] == exact["nobs"] == 2997
    assert full_llf(fast, 1.0) == pytest.approx(full_llf(exact, 1.0), abs=1e-6)


# ----------------------------------------------------------------------------- CSS
def _css_oracle_fit(model):
    """Minimise the loop-oracle CSS objective with scipy (R's CSS: no transforms)."""
    from scipy.optimize import minimize

    names = model.param_names[:-1]

    def objective(x):
        full = np.r_[x, 1.0]
        phi, theta = model.polynomials(full)
        w = model._dy - (model._dX @ full[: model.k_exog] if model.k_exog else 0.0)
        ssq, nu, _ = ref.arima_css_loop(w, {i + 1: c for i, c in enumerate(phi) if c},
                                        {i + 1: c for i, c in enumerate(theta) if c}, model.ncond)
        return 0.5 * np.log(ssq / nu)

    x0 = np.zeros(len(names))
    if model.k_exog:
        x0[: model.k_exog] = np.nanmean(model._dy)
    res = minimize(objective, x0, method="Nelder-Mead", options=dict(xatol=1e-9, fatol=1e-13, maxiter=20000, maxfev=20000))
    return res.x


@pytest.mark.parametrize("order, seasonal, mean", [((1, 0, 1), (0, 0, 0, 0), 4.0), ((1, 1, 1), (0, 0, 0, 0), 0.0),
                                                   ((0, 1, 1), (1, 1, 0, 4), 0.0)])
def test_css_equals_scipy_minimisation_of_loop_oracle(order, seasonal, mean):
    y = _sim(160, ar=[0.5], ma=[0.3], seed=6, mean=mean)
    if order[1]:
        y = np.cumsum(y)
    model = convts.ARIMA(y, order=order, seasonal_order=seasonal)
    res = model.fit(method="css")
    want = _css_oracle_fit(model)
    np.testing.assert_allclose(res.params.to_numpy()[:-1], want, atol=2e-4)
    ssq, nu, e = css_ssq(model, res.params.to_numpy())
    assert res.sigma2 == pytest.approx(ssq / nu)
    assert nu == len(y) - model.k_diff - model.ncond
    n_used = len(y) - model.k_diff  # R's n.used: not the residual count nu
    assert res.nobs == n_used
    assert res.llf == pytest.approx(-0.5 * n_used * (np.log(2 * np.pi * ssq / nu) + 1))


# R's datasets::lh (48 luteinizing-hormone samples), as printed by R
LH = np.array([2.4, 2.4, 2.4, 2.2, 2.1, 1.5, 2.3, 2.3, 2.5, 2.0, 1.9, 1.7, 2.2, 1.8, 3.2, 3.2, 2.7, 2.2, 2.2, 1.9,
               1.9, 1.8, 2.7, 3.0, 2.3, 2.0, 2.0, 2.9, 2.9, 2.7, 2.7, 2.3, 2.6, 2.4, 1.8, 1.7, 1.5, 1.4, 2.1, 3.3,
               3.5, 3.5, 3.1, 2.6, 2.1, 3.4, 3.0, 2.9])


def test_css_with_ar_terms_follows_r_arima():
    """R: ``arima(lh, order = c(3, 0, 0), method = "CSS")`` prints ar 0.6578 -0.0658 -0.2348,
    intercept 2.3918, s.e. 0.1414 0.1702 0.1473 0.0983, sigma^2 0.1905, part log likelihood -28.31
    (R's arima.R: ``sigma2 <- val[[1L]]`` = SSR / residuals, ``value <- 2 * n.used * res$value +
    n.used + n.used * log(2 * pi)``, ``var <- solve(res$hessian * n.used)``,
    ``n.used <- sum(!is.na(x)) - length(Delta)``).  The formulas are applied here by hand, with an
    independent residual loop and finite-difference Hessian."""
    from scipy.optimize import minimize

    res = convts.ARIMA(LH, order=(3, 0, 0)).fit(method="css")
    np.testing.assert_allclose(res.params[["ar.L1", "ar.L2", "ar.L3", "const"]], [0.6578, -0.0658, -0.2348, 2.3918],
                               atol=6e-5)
    assert res.sigma2 == pytest.approx(0.1905, abs=6e-5)
    assert round(res.llf, 2) == -28.31
    np.testing.assert_allclose(res.bse[["ar.L1", "ar.L2", "ar.L3", "const"]], [0.1414, 0.1702, 0.1473, 0.0983],
                               atol=6e-4)
    assert res.nobs == 48

    def half_log_mean_ssq(x):  # R's armaCSS: 0.5 * log(SSR / nu), residuals from t = p on
        mu, phi = x[0], x[1:]
        u = LH - mu
        e = u[3:] - phi[0] * u[2:-1] - phi[1] * u[1:-2] - phi[2] * u[:-3]
        return 0.5 * np.log(np.mean(e**2)), e

    x = minimize(lambda x: half_log_mean_ssq(x)[0], np.r_[LH.mean(), 0, 0, 0], method="Nelder-Mead",
                 options=dict(xatol=1e-10, fatol=1e-14, maxiter=20000, maxfev=20000)).x
    value, e = half_log_mean_ssq(x)
    n_used = 48
    np.testing.assert_allclose(res.params[["const", "ar.L1", "ar.L2", "ar.L3"]], x, atol=1e-5)
    assert res.sigma2 == pytest.approx(np.mean(e**2), rel=1e-6)  # SSR / 45 residuals
    assert res.llf == pytest.approx(-0.5 * (2 * n_used * value + n_used + n_used * np.log(2 * np.pi)), rel=1e-9)
    h = 1e-4
    H = np.empty((4, 4))
    for i in range(4):
        for j in range(4):
            ei, ej = np.eye(4)[i] * h, np.eye(4)[j] * h
            f = lambda d: half_log_mean_ssq(x + d)[0]  # noqa: E731
            H[i, j] = (f(ei + ej) - f(ei - ej) - f(-ei + ej) + f(-ei - ej)) / (4 * h * h)
    se_r = np.sqrt(np.diag(np.linalg.inv(H * n_used)))
    np.testing.assert_allclose(res.bse[["const", "ar.L1", "ar.L2", "ar.L3"]], se_r, rtol=2e-3)


def test_css_residuals_engine_equals_loop():
    y = _sim(120, ar=[0.5], ma=[0.3], seed=2)
    model = convts.ARIMA(y, order=(1, 0, 2), seasonal_order=(1, 0, 0, 6))
    params = np.array([0.1, 0.4, 0.3, -0.2, 0.2, 1.0])
    phi, theta = model.polynomials(params)
    _, _, e = ref.arima_css_loop(y - 0.1, {i + 1: c for i, c in enumerate(phi) if c},
                                 {i + 1: c for i, c in enumerate(theta) if c}, model.ncond)
    got = css_residuals_engine(model, params)
    np.testing.assert_allclose(got[model.ncond:], e[model.ncond:], atol=1e-10)


def test_css_mle_reaches_the_mle():
    y = _sim(300, ar=[0.6], ma=[0.3], seed=1, mean=5.0)
    a = convts.ARIMA(y, order=(1, 0, 1)).fit(method="css-mle")
    b = convts.ARIMA(y, order=(1, 0, 1)).fit(method="mle")
    np.testing.assert_allclose(a.params, b.params, atol=1e-5)
    assert a.method == "css-mle"


# ----------------------------------------------------------------------------- fixed parameters
def test_fixed_params_equal_the_reduced_model():
    """AR(2) with ar.L2 fixed at 0 is the AR(1): same estimates and llf as statsmodels' AR(1).

    (statsmodels' ``fix_params`` refuses to fix one AR coefficient under ``enforce_stationarity``
    and, with ``enforce_stationarity=False``, evaluates a different likelihood for this model:
    it is not used as the reference.)  aic/bic count only the free parameters.
    """
    from statsmodels.tsa.statespace.sarimax import SARIMAX

    y = _sim(300, ar=[0.5, 0.2], seed=9, mean=1.0)
    res = convts.ARIMA(y, order=(2, 0, 0)).fit(fixed={"ar.L2": 0.0})
    assert res.params["ar.L2"] == 0.0
    assert res.df_model == 3  # const, ar.L1, sigma2
    assert res.aic == pytest.approx(-2 * res.llf + 2 * 3)
    assert res.bic == pytest.approx(-2 * res.llf + 3 * np.log(300))
    assert np.isnan(res.bse["ar.L2"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sres = SARIMAX(y, exog=np.ones((300, 1)), order=(1, 0, 0), trend="n").fit(disp=0, maxiter=1000)
    np.testing.assert_allclose(res.params.to_numpy()[[1, 3]], np.asarray(sres.params)[[1, 2]], rtol=2e-3, atol=2e-3)
    assert abs(res.params["const"] - sres.params[0]) < 0.1 * sres.bse[0]
    assert res.llf == pytest.approx(sres.llf, abs=1e-3)


def test_fixed_unknown_name():
    with pytest.raises(ValueError, match="not a parameter"):
        convts.ARIMA(_sim(100), order=(1, 0, 0)).fit(fixed={"ar.L3": 0.1})


# ----------------------------------------------------------------------------- results
def test_results_surface():
    y = pd.Series(_sim(200, ar=[0.5], seed=3, mean=2.0), index=pd.date_range("2020-01-01", periods=200, freq="D"))
    res = convts.ARIMA(y, order=(1, 0, 0)).fit()
    assert list(res.params.index) == ["const", "ar.L1", "sigma2"]
    assert res.sigma2 == res.params["sigma2"]
    assert res.cov_params().shape == (3, 3)
    assert np.allclose(res.fittedvalues + res.resid, y)
    frame = res.get_forecast(4).summary_frame(alpha=0.1)
    assert list(frame.columns) == ["mean", "mean_se", "mean_ci_lower", "mean_ci_upper"]
    assert frame.index[0] == pd.Timestamp("2020-07-19")
    assert "ar.L1" in res.summary()
    assert res.aicc > res.aic


def test_other_methods_dispatch():
    y = _sim(400, ar=[0.5, 0.2], seed=5, mean=3.0)
    for method in ("yule_walker", "burg"):
        res = convts.ARIMA(y, order=(2, 0, 0)).fit(method=method)
        assert res.params["const"] == pytest.approx(y.mean())
        assert abs(res.params["ar.L1"] - 0.5) < 0.15
        assert np.isfinite(res.llf) and res.forecast(2).shape == (2,)
    res = convts.ARIMA(y, order=(1, 0, 1)).fit(method="hannan_rissanen")
    assert np.isfinite(res.llf)
    with pytest.raises(ValueError, match="pure AR"):
        convts.ARIMA(y, order=(1, 0, 1)).fit(method="burg")


@pytest.mark.parametrize("method, order", [("yule_walker", (2, 0, 0)), ("burg", (2, 0, 0)), ("hannan_rissanen", (1, 0, 1))])
def test_other_methods_equal_statsmodels_arima(method, order):
    """Without a constant, ARIMA(...).fit(method=...) equals statsmodels' ARIMA on the same series.

    (With trend='c' convts uses the sample mean (API conventions) where statsmodels uses a GLS
    mean, so only the zero-mean case is compared number for number.)
    """
    import statsmodels.tsa.arima.model as sm_arima
    y = convts.datasets.load("lake_huron").to_numpy()
    y = y - y.mean()
    ours = convts.ARIMA(y, order=order, trend="n").fit(method=method)
    theirs = sm_arima.ARIMA(y, order=order, trend="n").fit(method=method)
    np.testing.assert_allclose(np.asarray(ours.params), np.asarray(theirs.params), rtol=1e-8, atol=1e-10)


# ----------------------------------------------------------------------------- long seasonal periods
@pytest.mark.parametrize("order, seasonal", [((1, 1, 1), (1, 0, 1, 12)), ((2, 0, 0), (0, 0, 1, 7))])
def test_toeplitz_path_equals_kalman(order, seasonal):
    """Durbin-Levinson on FFT autocovariances (used for long periods) = the Kalman filter."""
    y = np.cumsum(_sim(200, ar=[0.3], seed=12)) if order[1] else _sim(200, ar=[0.3], seed=12)
    model = convts.ARIMA(y, order=order, seasonal_order=seasonal)
    a = model.fit(method_kwargs={"likelihood": "kalman"})
    b = model.fit(method_kwargs={"likelihood": "toeplitz"})
    np.testing.assert_allclose(a.params, b.params, atol=1e-5)
    assert a.llf == pytest.approx(b.llf, abs=1e-8)
    fa, fb = a.get_forecast(6).summary_frame(), b.get_forecast(6).summary_frame()
    np.testing.assert_allclose(fa.to_numpy(), fb.to_numpy(), rtol=1e-6)


def test_period_365_fits_through_sparse_taps():
    rng = np.random.default_rng(9)
    k = convts.kernels.arma(ar=[0.5], ma=[0.3]) * convts.kernels.arma(ar=[0.5], ma=[0.3], ar_lags=[365], ma_lags=[365])
    y = 10 + k(rng.standard_normal(3 * 365 + 3000))[3000:]
    model = convts.ARIMA(y, order=(1, 0, 1), seasonal_order=(1, 0, 1, 365))
    res = model.fit()
    assert res.converged
    truth = np.array([0.5, 0.3, 0.5, 0.3])
    assert np.all(np.abs(res.params.to_numpy()[1:-1] - truth) < 4 * res.bse.to_numpy()[1:-1])
    from convts.models.likelihood.exact import full_llf, loglike_parts

    # the Toeplitz likelihood at the estimate equals the Kalman filter's (state dimension 367)
    kal = loglike_parts(model, res.params.to_numpy(), path="kalman")
    assert full_llf(kal, res.sigma2) == pytest.approx(res.llf, abs=1e-6)


@pytest.mark.parametrize("ar, ma, sar, sma, s", [([0.5], [0.3], [0.5], [0.3], 30), ([0.5, -0.2], [0.3], [], [], 1),
                                                 ([0.9], [], [0.6], [-0.4], 12), ([], [0.4], [], [0.5], 12)])
def test_sparse_acovf_equals_kernel_acovf_and_loop(ar, ma, sar, sma, s):
    from convts.models.likelihood.kalman import expand
    from convts.models.likelihood.toeplitz import arma_acovf, pole_radius, sparse_acovf

    ar, ma, sar, sma = (np.array(v, dtype=float) for v in (ar, ma, sar, sma))
    phi, theta = expand(ar, sar, s, -1.0), expand(ma, sma, s, 1.0)
    got = sparse_acovf(ar, ma, sar, sma, s, 80)
    kernel = arma_acovf(phi, theta, 80, pole_radius(ar, sar, s))  # Kernel.acovf (psi weights)
    loop = ref.arma_acovf_loop({i + 1: c for i, c in enumerate(phi) if c}, {i + 1: c for i, c in enumerate(theta) if c}, 79)
    np.testing.assert_allclose(got, kernel, atol=1e-11)
    np.testing.assert_allclose(got, loop, atol=1e-9)


def test_forecast_index_inferred_when_freq_missing():
    idx = pd.DatetimeIndex(pd.date_range("2001-01-31", periods=120, freq="ME").to_numpy())  # freq dropped
    assert idx.freq is None
    y = pd.Series(np.cumsum(_sim(120, seed=4)), index=idx, name="sales")
    res = convts.ARIMA(y, order=(1, 1, 0)).fit()
    fc = res.forecast(2)
    assert list(fc.index) == [pd.Timestamp("2011-01-31"), pd.Timestamp("2011-02-28")]
    assert res.resid.index[0] == idx[1] and len(res.resid) == 119
    k = res.kernel
    np.testing.assert_allclose(k.impulse_response(4), np.cumsum(res.params["ar.L1"] ** np.arange(4)), atol=1e-12)


# ----------------------------------------------------------------------------- pandas metadata
def _monthly_with_gaps(seed=0, n=100):
    rng = np.random.default_rng(seed)
    idx = pd.date_range("2000-01-01", periods=n, freq="MS")
    y = pd.Series(convts.kernels.arma(ar=[0.6])(rng.standard_normal(n)) + 5.0, index=idx, name="y")
    return y, y.drop(idx[[10, 20, 21, 50, 60]])


def test_datetime_index_with_gaps_is_reindexed_not_closed():
    """Five months dropped from a monthly series: they are missing values (the likelihood is
    statsmodels' SARIMAX on the NaN-filled series), forecasts are indexed by the following dates."""
    from statsmodels.tsa.statespace.sarimax import SARIMAX

    full, gappy = _monthly_with_gaps()
    res = convts.ARIMA(gappy, order=(1, 0, 0)).fit()
    assert res.nobs == 95 and res.model.nobs_total == 100
    sm = SARIMAX(full.where(full.index.isin(gappy.index)).to_numpy(), order=(1, 0, 0), trend="c")
    mu, phi, s2 = res.params[["const", "ar.L1", "sigma2"]]
    assert res.llf == pytest.approx(sm.loglike(np.r_[mu * (1 - phi), phi, s2]), rel=1e-9)
    assert res.forecast(2).index.equals(pd.date_range("2008-05-01", periods=2, freq="MS"))
    # the caller's series is untouched
    assert len(gappy) == 95


def test_irregular_duplicated_or_unsorted_index_raises():
    full, _ = _monthly_with_gaps()
    off = full.copy()
    off.index = off.index + pd.to_timedelta(np.random.default_rng(0).integers(0, 20, 100), "D")
    with pytest.raises(ValueError, match="irregular DatetimeIndex"):
        convts.ARIMA(off, order=(1, 0, 0))
    with pytest.raises(ValueError, match="duplicated"):
        convts.ARIMA(pd.concat([full, full.iloc[:1]]), order=(1, 0, 0))
    with pytest.raises(ValueError, match="sort"):
        convts.ARIMA(full.iloc[::-1], order=(1, 0, 0))


def test_exog_with_gaps_in_endog_is_matched_by_date():
    full, gappy = _monthly_with_gaps(seed=1)
    rng = np.random.default_rng(2)
    X = pd.DataFrame({"a": rng.standard_normal(100), "b": 3 * rng.standard_normal(100)}, index=full.index)
    y = gappy + 2 * X["a"].reindex(gappy.index) - X["b"].reindex(gappy.index)
    res = convts.ARIMA(y, exog=X, order=(1, 0, 0)).fit()
    ref = convts.ARIMA((full + 2 * X["a"] - X["b"]).where(full.index.isin(gappy.index)), exog=X,
                       order=(1, 0, 0)).fit()
    np.testing.assert_allclose(res.params, ref.params, rtol=1e-10)
    with pytest.raises(ValueError, match="DataFrame indexed by date"):
        convts.ARIMA(y, exog=X.loc[gappy.index].to_numpy(), order=(1, 0, 0))


def test_future_exog_frame_is_matched_by_column_name_and_date():
    """Swapping the columns of the future exog must not move the forecast: the oracle is the
    forecast computed by hand from the fitted AR(1) with regression, y_hat = mu + beta'x +
    phi^h (y_n - mu - beta'x_n) (the end state of an AR(1) is its last observation)."""
    full, _ = _monthly_with_gaps(seed=3)
    rng = np.random.default_rng(4)
    X = pd.DataFrame({"a": rng.standard_normal(100), "b": 3 * rng.standard_normal(100)}, index=full.index)
    y = full + 2 * X["a"] - X["b"]
    res = convts.ARIMA(y, exog=X, order=(1, 0, 0)).fit()
    future = pd.date_range("2008-05-01", periods=3, freq="MS")
    Xf = pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [10.0, 0.0, -10.0]}, index=future)
    c, ba, bb, phi = res.params[["const", "a", "b", "ar.L1"]]
    u_n = y.iloc[-1] - c - ba * X["a"].iloc[-1] - bb * X["b"].iloc[-1]
    want = c + ba * Xf["a"] + bb * Xf["b"] + phi ** np.arange(1, 4) * u_n
    np.testing.assert_allclose(res.forecast(3, exog=Xf), want, rtol=1e-10)
    np.testing.assert_allclose(res.forecast(3, exog=Xf[["b", "a"]]), want, rtol=1e-10)
    with pytest.raises(ValueError, match=r"missing: \['a'\].*matched by name"):
        res.forecast(3, exog=Xf.rename(columns={"a": "c"}))
    with pytest.raises(ValueError, match="forecast dates are 2008-05-01"):
        res.forecast(3, exog=Xf.set_axis(future + pd.offsets.MonthBegin(1)))
    np.testing.assert_allclose(res.forecast(3, exog=Xf.to_numpy()), want, rtol=1e-10)  # arrays: by position


# ----------------------------------------------------------------------------- optimum quality, bounded fits
def test_scipy_path_multi_start_reaches_statsmodels_optimum():
    """Issue 17 item 7 (scipy path: exog): the seed-28 ARMA(2, 2) design from the CSS start alone
    stops at a worse local optimum (llf -286.26); with the Hannan-Rissanen and zero starts the fit
    reaches statsmodels' SARIMAX optimum (-280.77)."""
    from statsmodels.tsa.statespace.sarimax import SARIMAX

    x = convts.kernels.arma(ar=[0.5])(np.random.default_rng(28).normal(size=400))[200:]
    z = np.random.default_rng(1028).standard_normal(200)
    y = x + 0.5 * z
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sm = SARIMAX(y, exog=z, order=(2, 0, 2), trend="c").fit(disp=0)
    res = convts.ARIMA(y, exog=z, order=(2, 0, 2)).fit()
    assert res.llf >= sm.llf - 1e-6
    one = convts.ARIMA(y, exog=z, order=(2, 0, 2)).fit(method_kwargs={"multi_start": False})
    assert one.llf < sm.llf - 1.0  # the single CSS start is the fault the extra starts fix


def test_orders_the_data_cannot_support_are_refused_promptly():
    """Issue 11: ARIMA(60, 0, 0) on 100 points ran > 13 min; the rule (>= 3 observations per
    coefficient after differencing, auto.arima's p, q <= n/3) refuses it and (40, 0, 0) at once."""
    import time

    y = convts.kernels.arma(ar=[0.5])(np.random.default_rng(0).standard_normal(100))
    for p in (60, 40):
        t0 = time.perf_counter()
        with pytest.raises(ValueError, match=r"too few observations.*at least 3 observations per"):
            convts.ARIMA(y, order=(p, 0, 0))
        assert time.perf_counter() - t0 < 1.0
    batch = convts.fit_many(y[None, :], order=(40, 0, 0))
    assert "too few observations" in batch.table.loc[0, "status"]


def test_max_seconds_ends_in_a_convergence_warning():
    y = convts.kernels.arma(ar=[0.5], ma=[0.3])(np.random.default_rng(1).standard_normal(300))
    with pytest.warns(ConvergenceWarning, match="wall-clock limit of 1e-06 s"):
        res = convts.ARIMA(y, order=(2, 0, 2)).fit(method_kwargs={"max_seconds": 1e-6})
    assert not res.converged and np.all(np.isfinite(res.params))
    with pytest.warns(ConvergenceWarning, match="wall-clock"):
        res = convts.ARIMA(y, order=(2, 0, 2)).fit(method="css", method_kwargs={"max_seconds": 1e-6})
    assert not res.converged


# ----------------------------------------------------------------------------- honest flags and messages
def _explosive(n=200, phi=1.05, seed=0):
    e = np.random.default_rng(seed).standard_normal(n)
    y = np.zeros(n)
    for t in range(1, n):
        y[t] = phi * y[t - 1] + e[t]
    return y


@pytest.mark.parametrize("kw", [{}, {"method_kwargs": {"multi_start": False, "max_seconds": 60}}])  # compiled, scipy
def test_explosive_series_warns_and_is_not_converged(kw):
    """y_t = 1.05 y_{t-1} + e_t has no stationary AR(1) maximum: the estimate runs to the boundary
    (root modulus 1/0.99975 < 1.001).  It must warn, suggest d=1, and say converged=False."""
    with pytest.warns(ConvergenceWarning, match=r"stationarity boundary.*ar\.L1.*integrated or explosive.*d=1"):
        res = convts.ARIMA(_explosive(), order=(1, 0, 0)).fit(**kw)
    assert not res.converged
    assert 1.0 / abs(res.params["ar.L1"]) < 1.001
    batch = convts.fit_many(_explosive()[None, :], order=(1, 0, 0))
    assert not batch.table.loc[0, "converged"] and "stationarity boundary" in batch.table.loc[0, "status"]


def test_all_arma_coefficients_fixed_outside_the_region_names_the_root():
    y = convts.kernels.arma(ar=[0.5])(np.random.default_rng(0).standard_normal(200))
    # 1 - 1.05 L has its root at 1 / 1.05 = 0.952381
    with pytest.raises(ValueError, match=r"AR polynomial \(ar\.L1\) is not stationary.*modulus 0\.952381"):
        convts.ARIMA(y, order=(1, 0, 0)).fit(fixed={"const": 0.0, "ar.L1": 1.05})
    # 1 + 0.5 L + 2 L^2 (MA): roots of modulus 1/sqrt(2) = 0.707107
    with pytest.raises(ValueError, match=r"MA polynomial \(ma\.L1, ma\.L2\) is not invertible.*modulus 0\.707107"):
        convts.ARIMA(y, order=(0, 0, 2)).fit(fixed={"ma.L1": 0.5, "ma.L2": 2.0})


def test_hqic_follows_statsmodels_for_tiny_nobs():
    from statsmodels.tools.eval_measures import hqic

    res = convts.ARIMA(convts.datasets.load("lake_huron"), order=(1, 0, 0)).fit()
    assert res.hqic == pytest.approx(hqic(res.llf, res.nobs, res.df_model), rel=1e-12)
    for n in (1, 0):
        res.nobs = n
        with np.errstate(divide="ignore", invalid="ignore"):
            want = hqic(res.llf, n, res.df_model)
        np.testing.assert_equal(res.hqic, want)  # -inf for nobs == 1, nan for nobs == 0


def test_hessian_not_negative_definite_warns():
    """At sigma2 = 3 SSR/n the log-likelihood is convex in sigma2 (d2l/dsigma2^2 = n/(2 s^4) - SSR/s^6 > 0):
    the standard error of sigma2 is NaN and a warning says why."""
    from convts.models.batch import _rebuild

    y = convts.kernels.arma(ar=[0.5])(np.random.default_rng(3).standard_normal(300))
    model = convts.ARIMA(y, order=(1, 0, 0))
    fit = model.fit()
    params = fit.params.to_numpy().copy()
    params[-1] *= 3.0
    res = _rebuild(model, params, "mle", True, 1e-10)
    with pytest.warns(ConvergenceWarning, match=r"not negative definite.*\['sigma2'\]"):
        bse = res.bse
    assert np.isnan(bse["sigma2"]) and np.isfinite(bse["ar.L1"])


def test_whittle_non_convergence_is_reported_with_convts_warning_and_status(monkeypatch):
    """The Whittle path warned with statsmodels' ConvergenceWarning and hard-coded converged=True,
    so fit_many's status said 'ok'.  Force BFGS to stop after one iteration."""
    import scipy.optimize

    real = scipy.optimize.minimize

    def one_step(*args, **kwargs):
        kwargs["options"] = {**kwargs.get("options", {}), "maxiter": 1}
        return real(*args, **kwargs)

    monkeypatch.setattr(scipy.optimize, "minimize", one_step)
    y = convts.kernels.arma(ar=[0.5], ma=[0.4])(np.random.default_rng(2).standard_normal(400))
    with pytest.warns(ConvergenceWarning, match="Whittle optimisation did not converge"):
        res = convts.ARIMA(y, order=(2, 0, 2)).fit(method="whittle")
    assert not res.converged
    batch = convts.fit_many(np.stack([y, y]), order=(2, 0, 2), method="whittle")
    assert not batch.table["converged"].any()
    assert batch.table["status"].str.contains("did not converge").all()


# ---- exog matched by date across index types (issue 17 item 8)
def _exog_case():
    rng = np.random.default_rng(0)
    idx = pd.date_range("2000-01-01", periods=50, freq="MS")
    X = pd.DataFrame({"a": rng.normal(size=50)}, index=idx)
    y = pd.Series(X.a * 2 + rng.normal(size=50), index=idx)
    return y, X


def test_in_sample_exog_is_matched_by_date_across_datetime_and_period_indexes():
    """A PeriodIndex exog against a DatetimeIndex endog (or the reverse) was used by row position."""
    from statsmodels.tsa.statespace.sarimax import SARIMAX

    y, X = _exog_case()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sm_llf = SARIMAX(y.values, exog=X.values, order=(1, 0, 0), trend="c").fit(disp=False).llf
    good = convts.ARIMA(y, exog=X, order=(1, 0, 0)).fit().llf
    assert abs(good - sm_llf) < 1e-3
    for endog, exog in [(y, X.iloc[::-1]), (y, X.to_period("M").iloc[::-1]), (y.to_period("M"), X.iloc[::-1]),
                        (y.to_period("M"), X.to_period("M").iloc[::-1]), (y, X.reset_index(drop=True)),
                        (y, X.values), (y, X.tz_localize("UTC").iloc[::-1])]:
        assert convts.ARIMA(endog, exog=exog, order=(1, 0, 0)).fit().llf == pytest.approx(good, abs=1e-8)
    # the accessor builds the same model
    assert y.conv.arima((1, 0, 0), exog=X.to_period("M").iloc[::-1]).llf == pytest.approx(good, abs=1e-8)


def test_in_sample_exog_with_other_dates_or_labels_raises():
    y, X = _exog_case()
    shifted = X.set_axis(X.index.to_period("M") + 12)
    with pytest.raises(ValueError, match=r"exog has no rows for 12 date\(s\).*first: 2000-01-01"):
        convts.ARIMA(y, exog=shifted, order=(1, 0, 0))
    with pytest.raises(ValueError, match=r"exog has no rows.*first: 2000-01"):
        convts.ARIMA(y.to_period("M"), exog=X.set_axis(X.index + pd.DateOffset(years=1)), order=(1, 0, 0))
    for labels in ([str(d) for d in X.index], list(range(1, 51)), pd.RangeIndex(10, 60)):
        with pytest.raises(ValueError, match="give exog the same index as endog"):
            convts.ARIMA(y, exog=X.set_axis(labels), order=(1, 0, 0))
    with pytest.raises(ValueError, match="give exog the same index as endog"):
        y.conv.arima((1, 0, 0), exog=X.set_axis([str(d) for d in X.index]))


def test_future_exog_is_matched_by_date_across_index_types():
    y, X = _exog_case()
    res = convts.ARIMA(y.iloc[:48], exog=X.iloc[:48], order=(1, 0, 0)).fit()
    fut = X.iloc[48:]  # 2004-01, 2004-02
    want = np.asarray(res.forecast(2, exog=fut))
    for f in (fut.to_period("M"), fut.to_period("M").iloc[::-1], fut.iloc[::-1], fut.reset_index(drop=True), fut.values):
        np.testing.assert_allclose(np.asarray(res.forecast(2, exog=f)), want, rtol=0, atol=1e-12)
        np.testing.assert_allclose(np.asarray(res.get_forecast(2, exog=f).predicted_mean), want, rtol=0, atol=1e-12)
    res_p = convts.ARIMA(y.iloc[:48].to_period("M"), exog=X.iloc[:48], order=(1, 0, 0)).fit()
    np.testing.assert_allclose(np.asarray(res_p.forecast(2, exog=fut)), want, rtol=0, atol=1e-8)
    wrong = fut.set_axis(pd.period_range("2010-01", periods=2, freq="M"))
    for bad in (wrong, fut.set_axis(X.index[46:48])):
        with pytest.raises(ValueError, match=r"forecast dates are 2004-01-01.*give exog for exactly those dates"):
            res.forecast(2, exog=bad)
        with pytest.raises(ValueError, match="give exog for exactly those dates"):
            res.get_forecast(2, exog=bad)
    for labels in (["a", "b"], [48, 49], pd.RangeIndex(48, 50)):
        with pytest.raises(ValueError, match=r"forecast dates are 2004-01-01.*pass a NumPy array"):
            res.forecast(2, exog=fut.set_axis(labels))
    with pytest.raises(ValueError, match="give exog for exactly those dates"):
        res_p.forecast(2, exog=wrong)
