"""Edge inputs for the .conv accessor: repeated column names.

Oracles: pandas where it has the statistic (ewm, rolling var), otherwise the invariance that a
column's result does not depend on the other columns' names (the same frame with unique names).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import convts  # noqa: F401  (registers .conv)

_IDX = pd.date_range("2000-01-01", periods=60, freq="D")
_X = np.random.default_rng(0).standard_normal((60, 3))
_S = pd.Series(np.random.default_rng(1).standard_normal(60), index=_IDX)

CALLS = {
    "acf": lambda d: d.conv.acf(2),
    "acf_alpha": lambda d: d.conv.acf(2, alpha=0.05),
    "pacf": lambda d: d.conv.pacf(2),
    "ccf": lambda d: d.conv.ccf(_S, 2),
    "forecast_fixed_order": lambda d: d.conv.forecast(2, (1, 0, 0)),
    "ma": lambda d: d.conv.ma(3),
    "prewhiten": lambda d: d.conv.prewhiten(order=1),
    "cov": lambda d: d.conv.cov(3),
}


@pytest.mark.parametrize("name", sorted(CALLS))
def test_repeated_column_names_give_each_column_its_own_result(name):
    dup = pd.DataFrame(_X, columns=["b", "a", "b"], index=_IDX)
    uni = pd.DataFrame(_X, columns=["b", "a", "c"], index=_IDX)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # fits' convergence notes are not the point here
        got, expected = CALLS[name](dup), CALLS[name](uni)
    assert got.shape == expected.shape
    np.testing.assert_allclose(np.asarray(got, float), np.asarray(expected, float), rtol=1e-12, equal_nan=True)


def test_repeated_column_names_against_pandas():
    dup = pd.DataFrame(_X, columns=["b", "a", "b"], index=_IDX)
    np.testing.assert_allclose(dup.conv.ewma(span=4).to_numpy(), dup.ewm(span=4).mean().to_numpy(), rtol=1e-12)
    np.testing.assert_allclose(dup.conv.var(5).to_numpy(), dup.rolling(5).var().to_numpy(), rtol=1e-9,
                               equal_nan=True)


@pytest.mark.parametrize("call", [
    lambda d: d.conv.forecast(2, order="auto"),
    lambda d: d.conv.auto_arima(),
    lambda d: d.conv.arima((1, 0, 0)),
])
def test_batched_fits_refuse_repeated_names_clearly(call):
    dup = pd.DataFrame(_X, columns=["b", "a", "b"], index=_IDX)
    with pytest.raises(ValueError, match=r"must be unique.*\['b'\]"):
        call(dup)


_EMPTY = [pd.Series([], dtype=float, name="x"), pd.DataFrame({"a": [], "b": []}, dtype=float),
          pd.Series([], dtype=float, index=pd.DatetimeIndex([], freq="D"))]
_PANDAS_ON_EMPTY = {
    "ma": (lambda o: o.conv.ma(3), lambda o: o.rolling(3).mean()),
    "ma_min_periods": (lambda o: o.conv.ma(3, min_periods=1), lambda o: o.rolling(3, min_periods=1).mean()),
    "ewma": (lambda o: o.conv.ewma(span=3), lambda o: o.ewm(span=3).mean()),
    "diff": (lambda o: o.conv.diff(), lambda o: o.diff()),
    "integrate": (lambda o: o.conv.integrate(), lambda o: o.cumsum()),
    "var": (lambda o: o.conv.var(3), lambda o: o.rolling(3).var()),
    "std": (lambda o: o.conv.std(3, min_periods=0), lambda o: o.rolling(3, min_periods=0).std()),
    "cov": (lambda o: o.conv.cov(3, o if isinstance(o, pd.Series) else None),
            lambda o: o.rolling(3).cov(o if isinstance(o, pd.Series) else None)),
    "corr": (lambda o: o.conv.corr(3, o if isinstance(o, pd.Series) else None),
             lambda o: o.rolling(3).corr(o if isinstance(o, pd.Series) else None)),
}


@pytest.mark.parametrize("name", sorted(_PANDAS_ON_EMPTY))
@pytest.mark.parametrize("which", range(len(_EMPTY)))
def test_no_rows_in_no_rows_out_as_pandas(name, which):
    obj = _EMPTY[which]
    ours, theirs = _PANDAS_ON_EMPTY[name]
    got, expected = ours(obj), theirs(obj)
    assert got.shape == expected.shape
    assert got.index.equals(expected.index)


def test_no_rows_still_checks_the_window():
    with pytest.raises(ValueError, match="window"):
        pd.Series([], dtype=float).conv.var(0)
    with pytest.raises(ValueError, match="window"):
        pd.Series([], dtype=float).conv.corr(0, pd.Series([], dtype=float))
