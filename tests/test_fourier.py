"""fourier(): R's forecast::fourier columns and values, future terms, and ARIMA with Fourier exog."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import convts


def _closed_form(times, period, k, kind):
    f = math.sin if kind == "S" else math.cos
    return np.array([f(2 * math.pi * k * t / period) for t in times])


@pytest.mark.parametrize("period,K", [(12, 3), (7, 3), (365.25, 5), (4, 2), (10, 5)])
def test_columns_and_values_are_r_closed_form(period, K):
    n = 50
    X = convts.fourier(n, period, K)
    names = []
    for k in range(1, K + 1):
        if 2 * k != period:  # R drops the identically zero sine at k = period / 2
            names.append(f"S{k}-{round(period)}")
        names.append(f"C{k}-{round(period)}")
    assert list(X.columns) == names
    t = range(1, n + 1)  # R's times 1..n
    for name in names:
        kind, rest = name[0], name[1:]
        k = int(rest.split("-")[0])
        np.testing.assert_allclose(X[name].to_numpy(), _closed_form(t, period, k, kind), atol=1e-12)
    assert X.index.equals(pd.RangeIndex(n))


def test_r_column_names_for_multiple_periods():
    # R: fourier(msts(y, c(7, 14)), K = c(3, 7)) drops S2-14/C2-14 etc. (2/14 == 1/7) and S7-14
    X = convts.fourier(30, [7, 14], [3, 7])
    assert list(X.columns) == ["S1-7", "C1-7", "S2-7", "C2-7", "S3-7", "C3-7", "S1-14", "C1-14",
                               "S3-14", "C3-14", "S5-14", "C5-14", "C7-14"]
    X = convts.fourier(10, [7, 365.25], [2, 1])
    assert list(X.columns) == ["S1-7", "C1-7", "S2-7", "C2-7", "S1-365", "C1-365"]


def test_future_terms_continue_the_sample():
    whole = convts.fourier(60, [7, 365.25], [3, 4])
    future = convts.fourier(50, [7, 365.25], [3, 4], h=10)
    np.testing.assert_allclose(future.to_numpy(), whole.to_numpy()[50:], atol=1e-12)
    assert future.index.equals(pd.RangeIndex(50, 60))


def test_long_series_stays_exact():
    n = 5_000_000
    X = convts.fourier(n, 365.25, 1, h=3)
    t = np.arange(n + 1, n + 4, dtype=np.longdouble)
    want = np.cos(2 * np.pi * (t % np.longdouble(365.25)) / np.longdouble(365.25)).astype(float)
    np.testing.assert_allclose(X["C1-365"].to_numpy(), want, atol=1e-13)


@pytest.mark.parametrize("index", [
    pd.date_range("2021-03-01", periods=40, freq="D"),
    pd.period_range("2021-03", periods=40, freq="M"),
    pd.RangeIndex(5, 85, 2),
])
def test_indexes_and_future_dates(index):
    X = convts.fourier(index, 7, 2)
    assert X.index.equals(index)
    F = convts.fourier(pd.Series(np.zeros(len(index)), index=index), 7, 2, h=3)
    if isinstance(index, pd.RangeIndex):
        assert list(F.index) == [85, 87, 89]
    else:
        assert F.index[0] == index[-1] + (index.freq if isinstance(index, pd.DatetimeIndex) else 1)
        assert len(F.index) == 3 and F.index.freqstr == index.freqstr
    np.testing.assert_allclose(F.to_numpy(), convts.fourier(43, 7, 2).to_numpy()[40:], atol=1e-12)


@pytest.mark.parametrize("kwargs,match", [
    (dict(index_or_n=10, period=4, K=3), "K=3"),
    (dict(index_or_n=10, period=[7, 12], K=[1]), "one K per period"),
    (dict(index_or_n=10, period=0, K=1), "period"),
    (dict(index_or_n=10, period=7, K=-1), "K"),
    (dict(index_or_n=0, period=7, K=1), "index_or_n"),
    (dict(index_or_n=10, period=7, K=1, h=0), "h"),
])
def test_bad_input_raises(kwargs, match):
    with pytest.raises(ValueError, match=match):
        convts.fourier(**kwargs)


def test_irregular_dates_without_frequency_cannot_extend():
    ix = pd.DatetimeIndex(["2020-01-01", "2020-01-03", "2020-01-04", "2020-01-09"])
    with pytest.raises(ValueError, match="frequency"):
        convts.fourier(ix, 7, 1, h=2)
    with pytest.raises(TypeError, match="Index"):
        convts.fourier(pd.Index(["a", "b"]), 7, 1)


def test_arima_with_fourier_exog_fits_and_forecasts():
    rng = np.random.default_rng(0)
    ix = pd.date_range("2019-01-01", periods=3 * 365, freq="D")
    t = np.arange(1, len(ix) + 1)
    signal = 3 * np.sin(2 * np.pi * t / 365.25) + 1.5 * np.cos(2 * np.pi * 2 * t / 7)
    noise = convts.kernels.arma(ar=[0.5])(rng.standard_normal(len(ix)))
    y = pd.Series(10 + signal + noise, index=ix)
    X = convts.fourier(y.index, [7, 365.25], [3, 2])
    res = convts.ARIMA(y, exog=X, order=(1, 0, 0)).fit()
    assert res.params["S1-365"] == pytest.approx(3.0, abs=0.3)
    assert res.params["C2-7"] == pytest.approx(1.5, abs=0.15)
    assert res.params["ar.L1"] == pytest.approx(0.5, abs=0.1)
    Xf = convts.fourier(y.index, [7, 365.25], [3, 2], h=14)
    fc = res.forecast(14, exog=Xf)
    assert fc.index.equals(Xf.index) and fc.index[0] == ix[-1] + pd.Timedelta(days=1)
    # far ahead the AR part has died out: the forecast is the regression on the future terms
    beta = res.params[X.columns].to_numpy()
    np.testing.assert_allclose(fc.to_numpy()[-1], res.params["const"] + Xf.to_numpy()[-1] @ beta, atol=1e-3)
