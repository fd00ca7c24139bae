"""cross_validation: statsforecast's windows, forecasts equal a hand loop of fits; evaluate: the
metrics' textbook definitions on tiny hand inputs."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

import convts


def _ar1(n, seed, mean=10.0):
    e = np.random.default_rng(seed).standard_normal(n)
    return convts.kernels.arma(ar=[0.6])(e) + mean


def test_windows_equal_a_hand_loop_of_fits():
    y = _ar1(100, 0)
    h, n_windows, step = 4, 3, 2
    cv = convts.cross_validation(y, h=h, n_windows=n_windows, step_size=step, order=(1, 0, 0), level=(80, 95))
    assert list(cv.columns) == ["unique_id", "ds", "cutoff", "y", "mean", "mean_ci_lower", "mean_ci_upper",
                                "lo-80", "hi-80", "lo-95", "hi-95"]
    assert len(cv) == h * n_windows
    for w in range(n_windows):
        end = len(y) - (h + step * (n_windows - 1)) + w * step  # statsforecast: last window ends at the end
        rows = cv.iloc[w * h:(w + 1) * h]
        assert (rows["cutoff"] == end - 1).all()
        assert rows["ds"].tolist() == list(range(end, end + h))
        np.testing.assert_array_equal(rows["y"].to_numpy(), y[end:end + h])
        pf = convts.ARIMA(y[:end], order=(1, 0, 0)).fit().get_forecast(h)
        np.testing.assert_allclose(rows["mean"].to_numpy(), pf.predicted_mean.to_numpy(), rtol=1e-12)
        for level in (80, 95):
            sf = pf.summary_frame(alpha=1 - level / 100)
            np.testing.assert_allclose(rows[f"lo-{level}"].to_numpy(), sf["mean_ci_lower"].to_numpy(), rtol=1e-10)
            np.testing.assert_allclose(rows[f"hi-{level}"].to_numpy(), sf["mean_ci_upper"].to_numpy(), rtol=1e-10)
        sf = pf.summary_frame()  # statsmodels' default alpha=0.05: the mean_ci columns
        np.testing.assert_allclose(rows["mean_ci_lower"].to_numpy(), sf["mean_ci_lower"].to_numpy(), rtol=1e-10)
        np.testing.assert_allclose(rows["mean_ci_upper"].to_numpy(), sf["mean_ci_upper"].to_numpy(), rtol=1e-10)


def test_default_columns_are_statsmodels_interval_names_and_alpha_sets_them():
    y = _ar1(80, 3)
    cv = convts.cross_validation(y, h=2, n_windows=2, order=(1, 0, 0))
    assert list(cv.columns) == ["unique_id", "ds", "cutoff", "y", "mean", "mean_ci_lower", "mean_ci_upper"]
    cv10 = convts.cross_validation(y, h=2, n_windows=2, order=(1, 0, 0), alpha=0.1, level=90)
    np.testing.assert_allclose(cv10["mean_ci_lower"], cv10["lo-90"], rtol=1e-12)
    # coverage reads the mean_ci pair at level 100 (1 - alpha)
    assert list(convts.evaluate(cv10, ["coverage"]).columns) == ["coverage-90"]
    assert list(convts.evaluate(cv, ["coverage"]).columns) == ["coverage-95"]
    with pytest.raises(ValueError, match="alpha"):
        convts.cross_validation(y, h=2, n_windows=2, order=(1, 0, 0), alpha=1.5)


def _long_frame():
    a = pd.DataFrame({"unique_id": "a", "ds": pd.date_range("2020-01-01", periods=60, freq="D"), "y": _ar1(60, 1)})
    b = pd.DataFrame({"unique_id": "b", "ds": pd.date_range("2020-02-01", periods=45, freq="D"), "y": _ar1(45, 2, 5)})
    return pd.concat([b, a], ignore_index=True)  # unsorted ids: output is sorted as statsforecast


def test_window_layout_equals_statsforecast():
    sf = pytest.importorskip("statsforecast")
    from statsforecast.models import Naive

    df = _long_frame()
    ref = sf.StatsForecast(models=[Naive()], freq="D").cross_validation(df=df, h=5, n_windows=3, step_size=4)
    ref = ref.reset_index() if "unique_id" not in ref.columns else ref
    cv = convts.cross_validation(df, h=5, n_windows=3, step_size=4, order=(0, 0, 0))
    for col in ("unique_id", "ds", "cutoff", "y"):
        np.testing.assert_array_equal(cv[col].to_numpy(), ref[col].to_numpy())


def test_long_frame_series_equal_single_series_calls():
    df = _long_frame()
    cv = convts.cross_validation(df, h=3, n_windows=2, order=(1, 0, 0))
    for uid, g in df.groupby("unique_id"):
        one = convts.cross_validation(pd.Series(g["y"].to_numpy(), index=pd.DatetimeIndex(g["ds"]), name=uid),
                                      h=3, n_windows=2, order=(1, 0, 0))
        part = cv[cv["unique_id"] == uid].reset_index(drop=True)
        pd.testing.assert_frame_equal(part, one, check_dtype=False)


def test_refit_false_forecasts_with_the_first_parameters():
    sm_arima = pytest.importorskip("statsmodels.tsa.arima.model").ARIMA
    y = _ar1(120, 3)
    h, n_windows = 3, 3
    cv = convts.cross_validation(y, h=h, n_windows=n_windows, order=(1, 0, 0), refit=False, level=(80,))
    first_end = len(y) - h * n_windows
    params = convts.ARIMA(y[:first_end], order=(1, 0, 0)).fit().params
    for w in range(n_windows):
        end = first_end + w * h
        # statsmodels' filter with the same (const = mean, ar.L1, sigma2): the oracle of "same params"
        sf = sm_arima(y[:end], order=(1, 0, 0), trend="c").filter(params.to_numpy()).get_forecast(h).summary_frame(alpha=0.2)
        rows = cv.iloc[w * h:(w + 1) * h]
        np.testing.assert_allclose(rows["mean"].to_numpy(), sf["mean"].to_numpy(), rtol=1e-6)
        np.testing.assert_allclose(rows["lo-80"].to_numpy(), sf["mean_ci_lower"].to_numpy(), rtol=1e-6)
        np.testing.assert_allclose(rows["hi-80"].to_numpy(), sf["mean_ci_upper"].to_numpy(), rtol=1e-6)


def test_refit_every_k_windows():
    y = _ar1(100, 4)
    kw = dict(h=2, n_windows=4, order=(1, 0, 0))
    every = convts.cross_validation(y, refit=True, **kw)
    never = convts.cross_validation(y, refit=False, **kw)
    two = convts.cross_validation(y, refit=2, **kw)
    for w, like in enumerate([every, never, every, None]):
        rows = slice(2 * w, 2 * w + 2)
        if like is not None:
            np.testing.assert_allclose(two["mean"].to_numpy()[rows], like["mean"].to_numpy()[rows], rtol=1e-10)
    assert not np.allclose(never["mean"].to_numpy()[2:4], every["mean"].to_numpy()[2:4], rtol=1e-10)


def test_auto_order_runs_the_search_per_window():
    y = _ar1(80, 5)
    cv = convts.cross_validation(y, h=2, n_windows=2, order="auto", m=1)
    end = 80 - 4
    want = convts.auto_arima(y[:end], m=1).forecast(2).to_numpy()
    np.testing.assert_allclose(cv["mean"].to_numpy()[:2], want, rtol=1e-10)


def test_one_failing_series_does_not_fail_the_batch():
    df = _long_frame()
    bad = pd.DataFrame({"unique_id": "c", "ds": pd.date_range("2020-01-01", periods=30, freq="D"), "y": np.nan})
    with pytest.warns(UserWarning, match="windows failed"):
        cv = convts.cross_validation(pd.concat([df, bad]), h=3, n_windows=2, order=(1, 0, 0))
    assert cv.loc[cv["unique_id"] == "c", "mean"].isna().all()
    assert cv.loc[cv["unique_id"] != "c", "mean"].notna().all()
    assert len(cv.attrs["errors"]) == 2 and all(k[0] == "c" for k in cv.attrs["errors"])


@pytest.mark.parametrize("kwargs,match", [
    (dict(h=0), "h"), (dict(h=3, n_windows=0), "n_windows"), (dict(h=3, step_size=0), "step_size"),
    (dict(h=3, n_windows=20), "need more than"), (dict(h=3, order="best"), "auto"),
    (dict(h=3, level=(80, 120)), "level"), (dict(h=3, refit=-1), "refit"),
])
def test_bad_arguments_raise(kwargs, match):
    with pytest.raises((ValueError, TypeError), match=match):
        convts.cross_validation(np.arange(30.0), **kwargs)


def test_bad_frames_raise():
    with pytest.raises(ValueError, match="unique_id"):
        convts.cross_validation(pd.DataFrame({"a": [1.0] * 20, "b": 2.0}), h=2)
    df = _long_frame()
    with pytest.raises(ValueError, match="more than one row"):
        convts.cross_validation(pd.concat([df, df.iloc[:1]]), h=2)


# ------------------------------------------------------------------ metrics
def _cv_tiny():
    return pd.DataFrame({
        "unique_id": ["a", "a", "a", "b", "b"],
        "cutoff": [2, 2, 2, 1, 1],
        "y": [3.0, 5.0, 4.0, 10.0, 0.0],
        "mean": [2.0, 6.0, 4.5, 8.0, 1.0],
        "lo-80": [1.0, 5.5, 3.0, 9.0, -1.0],
        "hi-80": [4.0, 7.0, 5.0, 12.0, -0.5],
    })


def test_metrics_equal_textbook_definitions():
    cv = _cv_tiny()
    train = pd.DataFrame({"unique_id": ["a"] * 4 + ["b"] * 3, "ds": [0, 1, 2, 3, 0, 1, 2],
                          "y": [1.0, 4.0, 2.0, 99.0, 6.0, 3.0, 50.0]})
    got = convts.evaluate(cv, ["mae", "rmse", "mape", "smape", "mase", "coverage"], train=train, m=1)
    # series a: errors y - f = 1, -1, -0.5
    ea = [1.0, -1.0, -0.5]
    assert got.loc["a", "mae"] == pytest.approx(sum(abs(e) for e in ea) / 3)
    assert got.loc["a", "rmse"] == pytest.approx(math.sqrt(sum(e * e for e in ea) / 3))
    assert got.loc["a", "mape"] == pytest.approx(100 * (1 / 3 + 1 / 5 + 0.5 / 4) / 3)
    assert got.loc["a", "smape"] == pytest.approx(200 * (1 / 5 + 1 / 11 + 0.5 / 8.5) / 3)
    # MASE: in-sample naive errors of a up to cutoff 2 (ds 0..2): |4-1|, |2-4| -> scale 2.5
    assert got.loc["a", "mase"] == pytest.approx((2.5 / 3) / 2.5)
    assert got.loc["a", "coverage-80"] == pytest.approx(2 / 3)  # 3 in [1,4], 5 not in [5.5,7], 4 in [3,5]
    # series b: y = 0 in MAPE is inf; smape 200*|e|/(|y|+|f|): 2/18 and 1/1
    assert got.loc["b", "mape"] == np.inf
    assert got.loc["b", "smape"] == pytest.approx(200 * (2 / 18 + 1.0) / 2)
    assert got.loc["b", "mase"] == pytest.approx(((2 + 1) / 2) / 3.0)  # scale |3-6| up to cutoff 1
    assert got.loc["b", "coverage-80"] == pytest.approx(0.5)


def test_seasonal_mase_and_grouping():
    cv = _cv_tiny()
    train = pd.DataFrame({"unique_id": ["a"] * 4 + ["b"] * 3, "ds": [0, 1, 2, 3, 0, 1, 2],
                          "y": [1.0, 4.0, 2.0, 99.0, 6.0, 3.0, 50.0]})
    got = convts.evaluate(cv, ["mase"], train=train, m=2)
    assert got.loc["a", "mase"] == pytest.approx((2.5 / 3) / 1.0)  # |2 - 1|
    assert np.isnan(got.loc["b", "mase"])  # no seasonal difference up to cutoff 1
    overall = convts.evaluate(cv, ["mae"], by=None)
    assert overall["mae"].iloc[0] == pytest.approx((1 + 1 + 0.5 + 2 + 1) / 5)
    per = convts.evaluate(cv, ["mae"], by=["unique_id", "cutoff"])
    assert per.loc[("b", 1), "mae"] == pytest.approx(1.5)


def test_smape_of_zero_and_zero_is_zero_and_nan_rows_are_left_out():
    cv = pd.DataFrame({"unique_id": 0, "cutoff": 0, "y": [0.0, 1.0, np.nan], "mean": [0.0, 3.0, 1.0]})
    got = convts.evaluate(cv, ["smape", "mae"])
    assert got["smape"].iloc[0] == pytest.approx(200 * (0 + 2 / 4) / 2)
    assert got["mae"].iloc[0] == pytest.approx(1.0)


def test_evaluate_bad_input():
    cv = _cv_tiny()
    with pytest.raises(ValueError, match="unknown metric"):
        convts.evaluate(cv, ["mse"])
    with pytest.raises(ValueError, match="train="):
        convts.evaluate(cv, ["mase"])
    with pytest.raises(ValueError, match="interval columns"):
        convts.evaluate(cv.drop(columns=["lo-80", "hi-80"]), ["coverage"])
    with pytest.raises(ValueError, match="no column"):
        convts.evaluate(cv.drop(columns=["mean"]), ["mae"])


def test_coverage_of_cross_validation_is_near_nominal():
    # 40 windows of an AR(1): the 80 % interval covers ~80 % of the one-step outcomes
    y = _ar1(400, 6)
    cv = convts.cross_validation(y, h=1, n_windows=60, order=(1, 0, 0), refit=False, level=(80,))
    cov = convts.evaluate(cv, ["coverage"])["coverage-80"].iloc[0]
    # binomial sd sqrt(.8*.2/60) = 0.052: 4 sd
    assert abs(cov - 0.8) < 4 * math.sqrt(0.16 / 60)
    z = norm.ppf(0.9)
    np.testing.assert_allclose((cv["hi-80"] - cv["mean"]) / z, (cv["mean"] - cv["lo-80"]) / z)


def test_2d_array_rows_are_series():
    Y = np.stack([_ar1(60, 7), _ar1(60, 8)])
    cv = convts.cross_validation(Y, h=2, n_windows=2, order=(1, 0, 0))
    assert cv["unique_id"].tolist() == [0] * 4 + [1] * 4
    one = convts.cross_validation(Y[1], h=2, n_windows=2, order=(1, 0, 0))
    np.testing.assert_allclose(cv["mean"].to_numpy()[4:], one["mean"].to_numpy(), rtol=1e-12)


def test_evaluate_reads_a_statsforecast_frame():
    cv = _cv_tiny().rename(columns={"mean": "ARIMA", "lo-80": "ARIMA-lo-80", "hi-80": "ARIMA-hi-80"})
    got = convts.evaluate(cv, ["mae", "coverage"], forecast_col="ARIMA")
    want = convts.evaluate(_cv_tiny(), ["mae", "coverage"])
    pd.testing.assert_frame_equal(got, want)
