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
