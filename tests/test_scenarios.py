"""Exog scenarios: forecast(steps, exog={name: X}) -> one frame with a scenario level, each block equal to
statsmodels' forecast with that exog at the same parameters; future exog checked by name and date."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import convts

from statsmodels.tsa.statespace.sarimax import SARIMAX


@pytest.fixture(scope="module")
def fitted():
    rng = np.random.default_rng(3)
    n = 200
    idx = pd.date_range("2010-01-01", periods=n, freq="D")
    X = pd.DataFrame({"price": rng.standard_normal(n), "promo": (rng.random(n) < 0.3).astype(float)}, index=idx)
    e = convts.kernels.arma(ar=[0.5])(rng.standard_normal(n))
    y = pd.Series(10 + 2 * X["price"].to_numpy() - 1.5 * X["promo"].to_numpy() + e, index=idx)
    return convts.ARIMA(y, exog=X, order=(1, 0, 0)).fit(), X


def _future(fitted, level):
    res, X = fitted
    idx = pd.date_range(X.index[-1] + pd.Timedelta(days=1), periods=5, freq="D")
    return pd.DataFrame({"price": np.full(5, level), "promo": [0, 1, 0, 1, 0.0]}, index=idx)


def test_scenarios_are_one_frame_equal_to_statsmodels(fitted):
    res, X = fitted
    scen = {"low": _future(fitted, -1.0), "high": _future(fitted, 1.0)}
    fc = res.forecast(5, exog=scen)
    assert fc.index.names[0] == "scenario"
    assert list(fc.index.get_level_values(0).unique()) == ["low", "high"]
    model = res.model
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sm = SARIMAX(model.endog, exog=model._X, order=(1, 0, 0), trend="n").filter(res.params.to_numpy())
    for name, ex in scen.items():
        fut = np.column_stack([np.ones(5), ex.to_numpy()])  # const, price, promo
        want = np.asarray(sm.get_forecast(5, exog=fut).predicted_mean)
        np.testing.assert_allclose(fc.loc[name].to_numpy(), want, rtol=1e-8)
        assert fc.loc[name].index.equals(ex.index)
    frame = res.get_forecast(5, exog=scen).summary_frame(0.1)
    assert frame.shape == (10, 4) and frame.index.equals(fc.index)
    sim = res.get_forecast(5, exog=scen).summary_frame(0.1, method="simulate", repetitions=200, random_state=0)
    assert sim.shape == (10, 4) and np.all(sim["mean_ci_lower"] < sim["mean_ci_upper"])
    # the high-price scenario's paths sit above the low one's (price coefficient ~ 2)
    assert np.all(sim.loc["high", "mean_ci_lower"].to_numpy() > sim.loc["low", "mean_ci_lower"].to_numpy())


def test_scenarios_are_checked_by_name_and_date(fitted):
    res, X = fitted
    good = _future(fitted, 0.0)
    with pytest.raises(ValueError, match="scenario 'bad'.*matched by name"):
        res.forecast(5, exog={"ok": good, "bad": good.rename(columns={"promo": "discount"})})
    with pytest.raises(ValueError, match="scenario 'late'.*forecast dates"):
        res.forecast(5, exog={"late": good.shift(3, freq="D")})
    with pytest.raises(ValueError, match="empty dict"):
        res.forecast(5, exog={})
    swapped = good[["promo", "price"]]  # matched by name: the same forecast
    a = res.forecast(5, exog={"a": good})
    b = res.forecast(5, exog={"a": swapped})
    np.testing.assert_allclose(a.to_numpy(), b.to_numpy())
