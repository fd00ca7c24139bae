"""FitManyResult.forecast: one compiled pass over the batch, one frame; equal to each series'
``ARIMAResults.get_forecast`` (the single-series forecast, itself checked against statsmodels in
test_arima.py) to 1e-10; series that cannot be forecast get NaN rows and a status saying why."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import convts

NUM = ["mean", "mean_se", "mean_ci_lower", "mean_ci_upper"]


def _panel(n, T, ar=(0.6,), ma=(0.3,), mean=5.0, seed=0, integrate=False):
    rng = np.random.default_rng(seed)
    Y = convts.kernels.arma(ar=list(ar), ma=list(ma))(rng.standard_normal((n, T + 50)), axis=1)[:, 50:]
    return (np.cumsum(Y, axis=1) if integrate else Y) + mean


def _assert_equals_single_fits(res, fc, steps, alpha=0.05, time=False):
    ok = res.params.notna().all(axis=1)
    for id_ in res.table.index[ok]:
        got = fc[fc["id"] == id_]
        sf = res.result(id_).get_forecast(steps).summary_frame(alpha)
        scale = max(1.0, float(np.abs(sf["mean"]).max()))
        np.testing.assert_allclose(got[NUM].to_numpy(), sf.to_numpy(), rtol=1e-10, atol=1e-10 * scale)
        assert got["step"].tolist() == list(range(1, steps + 1))
        if time:
            assert list(got["time"]) == list(sf.index)


SPECS = {
    "arma11_const": dict(order=(1, 0, 1)),
    "ar2_no_trend": dict(order=(2, 0, 0), trend="n"),
    "arima111": dict(order=(1, 1, 1)),
    "drift": dict(order=(0, 1, 1), trend="t"),
    "const_and_trend_python_path": dict(order=(1, 0, 0), trend="ct"),
    "css": dict(order=(1, 0, 1), method="css"),
    "whittle_python_path": dict(order=(1, 0, 0), method="whittle"),
}


@pytest.mark.parametrize("name", sorted(SPECS))
def test_forecasts_equal_each_series_get_forecast(name):
    spec = dict(SPECS[name])
    integrate = spec["order"][1] > 0
    Y = _panel(6, 150, seed=len(name), integrate=integrate, mean=0.3 if integrate else 5.0)
    Y[2, 70] = np.nan  # a missing value inside
    Y[3, :20] = np.nan  # a later start
    Y[4, -5:] = np.nan  # an earlier end
    res = convts.fit_many(Y, **spec)
    fc = res.forecast(7, alpha=0.1)
    assert list(fc.columns) == ["id", "step"] + NUM + ["status"]
    assert len(fc) == 6 * 7 and fc["id"].tolist() == np.repeat(np.arange(6), 7).tolist()
    _assert_equals_single_fits(res, fc, 7, alpha=0.1)
    assert fc["status"].tolist() == np.repeat(res.table["status"].to_numpy(), 7).tolist()


def test_seasonal_model_on_a_dated_wide_frame():
    air = np.log(convts.datasets.load("airpassengers").to_numpy())
    rng = np.random.default_rng(1)
    idx = pd.date_range("1949-01-01", periods=144, freq="MS")
    wide = pd.DataFrame({name: air + 0.02 * rng.standard_normal(144) for name in "abcd"}, index=idx)
    wide.iloc[-3:, 1] = np.nan  # series b ends in October 1960
    res = convts.fit_many(wide, (0, 1, 1), (0, 1, 1, 12))
    fc = res.forecast(5)
    assert list(fc.columns) == ["id", "step", "time"] + NUM + ["status"]
    _assert_equals_single_fits(res, fc, 5, time=True)
    assert fc.loc[fc["id"] == "b", "time"].iloc[0] == pd.Timestamp("1960-10-01")
    assert fc.loc[fc["id"] == "a", "time"].iloc[-1] == pd.Timestamp("1961-05-01")


def test_failed_series_are_nan_rows_with_their_status():
    Y = pd.DataFrame(_panel(7, 120, seed=3).T, index=pd.date_range("2001-01-01", periods=120, freq="D"))
    Y.iloc[:, 1] = np.nan  # all NaN
    Y.iloc[5:, 2] = np.nan  # too short
    Y.iloc[:, 3] = 2.0  # constant
    Y.iloc[50, 4] = np.inf
    res = convts.fit_many(Y, (1, 0, 1))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # fit failures are in the table already: no warning
        fc = res.forecast(3)
    assert len(fc) == 21
    for i in (1, 2, 3, 4):
        rows = fc[fc["id"] == i]
        assert rows[NUM].isna().all().all()
        assert (rows["status"] == res.table.loc[i, "status"]).all() and rows["status"].iloc[0] != "ok"
    assert fc.loc[fc["id"].isin([0, 5, 6]), NUM].notna().all().all()
    assert (fc.loc[fc["id"].isin([0, 5, 6]), "status"] == "ok").all()
    # no values: the days after the time axis
    assert fc.loc[fc["id"] == 1, "time"].tolist() == list(pd.date_range("2001-05-01", periods=3, freq="D"))
    assert fc.loc[fc["id"] == 2, "time"].tolist() == list(pd.date_range("2001-01-06", periods=3, freq="D"))
    _assert_equals_single_fits(res, fc, 3, time=True)


def test_series_whose_forecast_cannot_be_computed_get_nan_rows_the_reason_and_a_warning():
    """A CSS estimate outside the stationary region (R's CSS does not enforce it) cannot start the
    filter; an integrated seasonal model needs its last d + D s levels."""
    rng = np.random.default_rng(24)
    Y = np.stack([np.cumsum(rng.standard_normal(300)), _panel(1, 300, ma=(), mean=0.0, seed=25)[0]])
    res = convts.fit_many(Y, (1, 0, 0), trend="n", method="css")
    assert res.params.loc[0, "ar.L1"] > 1.0
    with pytest.warns(UserWarning, match="no forecasts for 1 fitted series"):
        fc = res.forecast(2)
    assert fc.loc[fc["id"] == 0, NUM].isna().all().all()
    assert fc.loc[fc["id"] == 0, "status"].str.contains("not stationary").all()
    with pytest.raises(ValueError, match="not stationary"):
        res.result(0).get_forecast(2)
    np.testing.assert_allclose(fc.loc[fc["id"] == 1, NUM].to_numpy(),
                               res.result(1).get_forecast(2).summary_frame().to_numpy(), rtol=1e-10)

    air = np.log(convts.datasets.load("airpassengers").to_numpy())
    Z = np.stack([air, air[::-1].copy()])
    Z[1, -5] = np.nan  # inside the last 13 values
    res2 = convts.fit_many(Z, (0, 1, 1), (0, 1, 1, 12))
    with pytest.warns(UserWarning, match="last 13 observations contain NaN"):
        fc2 = res2.forecast(3)
    assert fc2.loc[fc2["id"] == 1, NUM].isna().all().all()
    assert fc2.loc[fc2["id"] == 1, "status"].str.contains("last 13 observations").all()
    with pytest.raises(ValueError, match="last 13 observations"):
        res2.result(1).get_forecast(3)


def test_long_frame_ids_and_bad_arguments():
    Y = _panel(3, 80, seed=5)
    long = pd.DataFrame({"store": np.repeat(["x", "y", "z"], 80), "t": np.tile(np.arange(80), 3),
                         "sales": Y.ravel()})
    res = convts.fit_many(long, (1, 0, 0), id_col="store", time_col="t", value_col="sales")
    fc = res.forecast(2)
    assert fc["id"].tolist() == ["x", "x", "y", "y", "z", "z"]
    assert fc["time"].tolist() == [80, 81] * 3
    _assert_equals_single_fits(res, fc, 2, time=True)
    with pytest.raises(ValueError, match="steps"):
        res.forecast(0)
    with pytest.raises(ValueError, match="alpha"):
        res.forecast(2, alpha=1.5)
    pd.testing.assert_frame_equal(convts.forecast_many(res, 2), fc)
