"""ARIMAResults.predict / get_prediction / test_serial_correlation against statsmodels.

Oracles: statsmodels' ``SARIMAX(..., trend='n', simple_differencing=True)`` filtered at convts'
parameters (the same likelihood; same parameter order and signs) predicts the *differenced*
series; the level predictions are rebuilt here from them with a plain loop (add back the known
lagged levels, or, after the start of a dynamic prediction, the rebuilt predictions).  Dynamic
level standard errors, which that route cannot give, come from ``SARIMAX(simple_differencing=False,
use_exact_diffuse=True)`` on levels.  Ljung-Box: statsmodels' own ``test_serial_correlation`` on
that filter.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import convts

SARIMAX = pytest.importorskip("statsmodels.tsa.statespace.sarimax").SARIMAX


def _arma(n, ar=(0.6,), ma=(0.3,), seed=0, mean=3.0):
    e = np.random.default_rng(seed).standard_normal(n + 100)
    return convts.kernels.arma(ar=list(ar), ma=list(ma))(e)[100:] + mean


def _air():
    return np.log(convts.datasets.load("airpassengers"))


def _sm_filter(res, simple_differencing=True):
    model = res.model
    p, d, q = model.order
    P, D, Q, s = model.seasonal_order
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sm = SARIMAX(model.endog, exog=model._X if model.k_exog else None, order=(p, d, q),
                     seasonal_order=(P, D, Q, s) if (P or D or Q) else (0, 0, 0, 0), trend="n",
                     simple_differencing=simple_differencing, use_exact_diffuse=not simple_differencing)
        return sm.filter(res.params.to_numpy())


def _levels_from_differenced(y, lag_coefs, start, w_pred, dynamic_from):
    """Level predictions at positions start.. from predictions of the differenced series: known
    lagged levels before ``dynamic_from``, the rebuilt predictions from there on (a loop)."""
    out = {}
    for i, t in enumerate(range(start, start + len(w_pred))):
        acc = 0.0
        for lag, c in lag_coefs:
            acc += c * (y[t - lag] if t - lag < dynamic_from else out[t - lag])
        out[t] = w_pred[i] - acc
    return np.array([out[t] for t in range(start, start + len(w_pred))])


CASES = {
    "arma11_const": (lambda: _arma(300), dict(order=(1, 0, 1))),
    "ar2_const": (lambda: _arma(250, ar=(0.5, 0.2), ma=(), seed=1), dict(order=(2, 0, 0))),
    "arima111": (lambda: np.cumsum(_arma(300, seed=2)), dict(order=(1, 1, 1))),
    "drift": (lambda: np.cumsum(_arma(260, seed=3, mean=0.4)), dict(order=(0, 1, 1), trend="t")),
    "airline": (lambda: _air(), dict(order=(0, 1, 1), seasonal_order=(0, 1, 1, 12))),
}


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("dynamic", [False, True, 15])
def test_predictions_equal_statsmodels_simple_differencing(case, dynamic):
    make, spec = CASES[case]
    y = make()
    res = convts.ARIMA(y, **spec).fit()
    model = res.model
    n, m = model.nobs_total, model.k_diff
    start = m + 20
    pred = res.get_prediction(start=start, dynamic=dynamic)
    sm = _sm_filter(res).get_prediction(start=start - m, end=n - 1 - m, dynamic=dynamic)
    dyn_from = n if dynamic is False else start + (0 if dynamic is True else dynamic)
    lag_coefs = list(zip(model.diff_kernel.ma_lags[1:].tolist(), model.diff_kernel.ma_coefs[1:].tolist()))
    expected = _levels_from_differenced(np.asarray(model.endog), lag_coefs, start, np.asarray(sm.predicted_mean),
                                        dyn_from)
    scale = np.max(np.abs(expected))
    np.testing.assert_allclose(pred.predicted_mean.to_numpy(), expected, rtol=1e-9, atol=1e-9 * scale)
    assert len(pred.predicted_mean) == n - start
    if dynamic is False or m == 0:  # one-step, or no integration: the differenced variance is the level's
        np.testing.assert_allclose(pred.var_pred_mean.to_numpy(), np.asarray(sm.var_pred_mean), rtol=1e-8)


@pytest.mark.parametrize("case", ["arima111", "airline", "drift"])
def test_dynamic_level_predictions_and_errors_equal_statsmodels_on_levels(case):
    """SARIMAX on the levels with an exact diffuse start, predicting after its first d + D s
    observations, gives the same level means and standard errors, forecasts included."""
    make, spec = CASES[case]
    y = make()
    res = convts.ARIMA(y, **spec).fit()
    n = res.model.nobs_total
    sm = _sm_filter(res, simple_differencing=False)
    exog = res.model._regressors_future(6, None) if res.model.k_exog else None
    for dynamic in (False, 30):
        ours = res.get_prediction(start=40, end=n + 5, dynamic=dynamic)
        theirs = sm.get_prediction(start=40, end=n + 5, dynamic=dynamic, exog=exog)
        scale = np.max(np.abs(y))
        np.testing.assert_allclose(ours.predicted_mean.to_numpy(), np.asarray(theirs.predicted_mean),
                                   rtol=1e-9, atol=1e-10 * scale)
        np.testing.assert_allclose(ours.se_mean.to_numpy(), np.sqrt(np.asarray(theirs.var_pred_mean)), rtol=1e-7)


def test_missing_values_without_differencing_equal_statsmodels_everywhere():
    """At a missing value the one-step prediction is the forecast from the state before the gap."""
    y = _arma(300, seed=4)
    y[[40, 41, 42, 150]] = np.nan
    res = convts.ARIMA(y, order=(1, 0, 1)).fit()
    pred = res.get_prediction()
    sm = _sm_filter(res).get_prediction(start=0, end=299)
    np.testing.assert_allclose(pred.predicted_mean.to_numpy(), np.asarray(sm.predicted_mean), rtol=1e-9)
    np.testing.assert_allclose(pred.var_pred_mean.to_numpy(), np.asarray(sm.var_pred_mean), rtol=1e-8)
    assert not pred.predicted_mean.isna().any()


def test_missing_values_with_differencing_equal_statsmodels_where_the_lagged_levels_are_observed():
    y = np.cumsum(_arma(300, seed=5))
    y[[60, 61, 200]] = np.nan
    res = convts.ARIMA(y, order=(1, 1, 0)).fit()
    pred = res.get_prediction()
    sm = _sm_filter(res).get_prediction(start=0, end=298)
    lev = np.asarray(sm.predicted_mean) + y[:-1]  # known lagged level
    ok = np.isfinite(lev)
    assert np.flatnonzero(~ok).tolist() == [60, 61, 200]  # y positions 61, 62, 201: a lagged level is missing
    np.testing.assert_allclose(pred.predicted_mean.to_numpy()[ok], lev[ok], rtol=1e-9)
    np.testing.assert_allclose(pred.var_pred_mean.to_numpy()[ok], np.asarray(sm.var_pred_mean)[ok], rtol=1e-8)
    # y[60], y[61] missing, y[59] observed: y[60], y[61], y[62] are forecasts from y[..59] (w[59..61] are missing)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fc = SARIMAX(y[:60], order=(1, 1, 0), use_exact_diffuse=True).filter(res.params.to_numpy()).get_forecast(3)
    np.testing.assert_allclose(pred.predicted_mean.to_numpy()[59:62], np.asarray(fc.predicted_mean), rtol=1e-9)
    np.testing.assert_allclose(pred.var_pred_mean.to_numpy()[59:62], np.asarray(fc.var_pred_mean), rtol=1e-7)


def test_regression_with_arima_errors_in_and_out_of_sample():
    rng = np.random.default_rng(6)
    x = rng.standard_normal((230, 2))
    y = _arma(230, seed=7) + x @ [1.5, -0.5]
    res = convts.ARIMA(y[:200], exog=x[:200], order=(1, 0, 1)).fit()
    pred = res.get_prediction(start=150, end=209, exog=x[200:210])
    sm = _sm_filter(res).get_prediction(start=150, end=209, exog=np.column_stack([np.ones(10), x[200:210]]))
    np.testing.assert_allclose(pred.predicted_mean.to_numpy(), np.asarray(sm.predicted_mean), rtol=1e-9)
    np.testing.assert_allclose(pred.var_pred_mean.to_numpy(), np.asarray(sm.var_pred_mean), rtol=1e-8)
    with pytest.raises(ValueError, match="exog"):
        res.get_prediction(start=150, end=209)


def test_dates_labels_and_the_forecast_part():
    air = _air()
    res = convts.ARIMA(air, order=(0, 1, 1), seasonal_order=(0, 1, 1, 12)).fit()
    pred = res.get_prediction(start="1958-01-01", end="1961-06-01", dynamic="1960-01-01")
    idx = pred.predicted_mean.index
    assert idx[0] == pd.Timestamp("1958-01-01") and idx[-1] == pd.Timestamp("1961-06-01") and len(idx) == 42
    by_position = res.get_prediction(start=108, end=149, dynamic=24)
    np.testing.assert_array_equal(pred.predicted_mean.to_numpy(), by_position.predicted_mean.to_numpy())
    fc = res.get_forecast(6)
    tail = pred.summary_frame().loc[fc.predicted_mean.index]
    np.testing.assert_allclose(res.predict(start=144, end=149).to_numpy(), fc.predicted_mean.to_numpy(), rtol=1e-12)
    assert list(tail.columns) == ["mean", "mean_se", "mean_ci_lower", "mean_ci_upper"]
    ci = pred.conf_int(alpha=0.1)
    sf = pred.summary_frame(alpha=0.1)
    np.testing.assert_allclose(ci.to_numpy(), sf[["mean_ci_lower", "mean_ci_upper"]].to_numpy())
    # one-step in-sample predictions are the fitted values
    np.testing.assert_allclose(res.predict().to_numpy(), res.fittedvalues.to_numpy(), rtol=1e-12)
    assert res.predict().index.equals(res.fittedvalues.index)


def test_bad_positions_say_what_to_do():
    res = convts.ARIMA(np.cumsum(_arma(120, seed=8)), order=(1, 1, 0)).fit()
    with pytest.raises(ValueError, match="predictions begin at position 1"):
        res.predict(start=0)
    with pytest.raises(ValueError, match="before start"):
        res.predict(start=50, end=40)
    with pytest.raises(ValueError, match="offset from start"):
        res.predict(start=50, dynamic=-1)
    with pytest.raises(ValueError, match="get_forecast"):
        res.predict(start=200)
    with pytest.raises(TypeError, match="integer position"):
        res.predict(start="2000-01-01")
    air = convts.ARIMA(_air(), order=(0, 1, 1)).fit()
    with pytest.raises(KeyError, match="not a date of the series"):
        air.predict(start="1800-01-01")
    assert np.isfinite(res.predict(start=-10)).all() and len(res.predict(start=-10)) == 10


@pytest.mark.parametrize("case", ["arma11_const", "airline", "arima111"])
def test_ljung_box_equals_statsmodels(case):
    make, spec = CASES[case]
    res = convts.ARIMA(make(), **spec).fit()
    sm = _sm_filter(res)
    for lags in (None, 5, [3, 8]):
        np.testing.assert_allclose(res.test_serial_correlation("ljungbox", lags=lags),
                                   sm.test_serial_correlation("ljungbox", lags=lags), rtol=1e-7)
    np.testing.assert_allclose(res.test_serial_correlation("boxpierce", lags=6, df_adjust=True),
                               sm.test_serial_correlation("boxpierce", lags=6, df_adjust=True), rtol=1e-7)
    out = res.test_serial_correlation("ljungbox")
    default = 24 if res.model.seasonal_order[3] else 10
    assert out.shape == (1, 2, default)
    with pytest.raises(ValueError, match="ljungbox"):
        res.test_serial_correlation("durbin")


def test_standardized_residuals_and_ljung_box_with_missing_values_equal_statsmodels():
    """statsmodels' standardized forecast errors are 0 at a missing observation (ours NaN); its
    Ljung-Box counts them as 0, and so does ours."""
    y = _arma(200, seed=9)
    y[[30, 31]] = np.nan
    for method in ("mle", "css"):  # every method: the exact filter's errors at the estimates
        res = convts.ARIMA(y, order=(1, 0, 1)).fit(method=method)
        sm = _sm_filter(res)
        z = res.standardized_residuals
        assert z.isna().to_numpy().nonzero()[0].tolist() == [30, 31]
        np.testing.assert_allclose(z.fillna(0.0).to_numpy(), sm.standardized_forecasts_error[0], rtol=1e-8, atol=1e-12)
        np.testing.assert_allclose(res.test_serial_correlation("ljungbox", lags=8),
                                   sm.test_serial_correlation("ljungbox", lags=8), rtol=1e-7)
