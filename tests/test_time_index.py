"""An integer time index with gaps (issue 17 item 8): reindexed to its full range, gaps as NaN.

Oracle: statsmodels SARIMAX(trend='c') on the NaN-filled series (its ``intercept`` is
``const * (1 - phi)`` in convts' mean parametrisation); forecasts labelled last + step * h.
"""

import numpy as np
import pandas as pd
import pytest

import convts

T = np.r_[0:25, 35:60]


@pytest.fixture(scope="module")
def data():
    x = convts.kernels.arma(ar=[0.8])(np.random.default_rng(4).normal(size=60))
    y = np.full(60, np.nan)
    y[T] = x[T]
    sm = pytest.importorskip("statsmodels.tsa.statespace.sarimax")
    ref = sm.SARIMAX(y, order=(1, 0, 0), trend="c").fit(disp=0)
    phi = ref.params[1]
    oracle = np.array([ref.params[0] / (1 - phi), phi, ref.params[2]])
    return x, oracle, ref.llf


def _check(params, llf, oracle, oracle_llf):
    np.testing.assert_allclose(np.asarray(params, dtype=float), oracle, atol=2e-3)
    assert abs(llf - oracle_llf) < 1e-3


def test_arima_integer_index_with_gaps(data):
    x, oracle, llf = data
    r = convts.ARIMA(pd.Series(x[T], index=T), order=(1, 0, 0)).fit()
    _check(r.params, r.llf, oracle, llf)
    assert list(r.forecast(2).index) == [60, 61]


def test_arima_integer_index_step_two(data):
    x, oracle, llf = data
    r = convts.ARIMA(pd.Series(x[T], index=1000 + 2 * T), order=(1, 0, 0)).fit()
    _check(r.params, r.llf, oracle, llf)
    assert list(r.forecast(2).index) == [1120, 1122]


def test_fit_many_wide_integer_index_with_gaps(data):
    x, oracle, llf = data
    fm = convts.fit_many(pd.DataFrame({"a": x[T]}, index=T), order=(1, 0, 0))
    row = fm.table.loc["a"]
    _check(row[fm.param_names], row["llf"], oracle, llf)
    assert list(fm.forecast(2)["time"]) == [60, 61]


def test_fit_many_long_integer_time_col_with_gaps(data):
    x, oracle, llf = data
    long = pd.DataFrame({"id": ["a"] * 50 + ["b"] * 60, "t": np.r_[T, np.arange(60)],
                         "v": np.r_[x[T], x]})
    fm = convts.fit_many(long, id_col="id", time_col="t", value_col="v", order=(1, 0, 0))
    row = fm.table.loc["a"]
    _check(row[fm.param_names], row["llf"], oracle, llf)
    full = convts.ARIMA(x, order=(1, 0, 0)).fit()
    np.testing.assert_allclose(fm.table.loc["b", fm.param_names].to_numpy(float), full.params, atol=1e-6)
    f = fm.forecast(2)
    assert list(f.loc[f["id"] == "a", "time"]) == [60, 61]


def test_accessor_integer_index_with_gaps(data):
    x, oracle, llf = data
    r = pd.Series(x[T], index=T).conv.arima((1, 0, 0))
    _check(r.params, r.llf, oracle, llf)
    assert list(r.forecast(2).index) == [60, 61]


def test_full_time_index_rules():
    from convts._pandas import full_time_index

    r = pd.RangeIndex(5)
    assert full_time_index(r) is None
    idx = pd.Index([3, 5, 7])
    assert full_time_index(idx) is idx
    full = full_time_index(pd.Index([0, 2, 8], name="t"))
    assert list(full) == [0, 2, 4, 6, 8] and full.name == "t"
    with pytest.raises(ValueError, match="irregular integer index"):
        full_time_index(pd.Index([0, 2, 5]))
    with pytest.raises(ValueError, match="unsorted"):
        full_time_index(pd.Index([0, 2, 1]))
    with pytest.raises(ValueError, match="duplicated"):
        full_time_index(pd.Index([0, 1, 1, 2]))
    with pytest.raises(ValueError, match="float index"):
        full_time_index(pd.Index([0.0, 1.0, 2.0]))
    with pytest.raises(ValueError, match="float index"):
        convts.ARIMA(pd.Series(np.arange(10.0) % 3, index=np.arange(10) * 0.5), order=(1, 0, 0))


def test_auto_arima_constant_message():
    with pytest.raises(ValueError, match=r"every value 3\)"):
        convts.auto_arima(np.full(20, 3.0))
