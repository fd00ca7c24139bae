"""Every ``.conv`` method against its pandas equivalent: the table in docs/accessor.md, row by row.

Each row of the table ("`.conv` call | pandas equivalent") is one case here, keyed by the exact
call text in the table (a test checks that the two lists are the same), run on random series
with NaN runs (leading, interior, trailing), short series (edge windows longer than the data)
and DataFrames.  Rows without a pandas equivalent name their oracle (statsmodels, scipy,
scikit-learn) and are compared with it.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import signal

import convts  # noqa: F401  (registers .conv)

DOC = Path(__file__).resolve().parents[1] / "docs" / "accessor.md"


def _first_valid_cumsum(s):
    """pandas: cumsum from the first observation on, NaN spreading forward after it."""
    first = s.first_valid_index()
    if first is None:
        return s * np.nan
    return s.loc[first:].cumsum(skipna=False).reindex(s.index)


def _lfilter(b, a):
    return lambda s: pd.Series(signal.lfilter(b, a, s.to_numpy()), index=s.index)


def _sm_acf(s):
    from statsmodels.tsa.stattools import acf

    return pd.Series(acf(s.to_numpy(), nlags=5, fft=False, missing="none"))


def _sm_pacf(s):
    from statsmodels.tsa.stattools import pacf

    return pd.Series(pacf(s.to_numpy(), nlags=5, method="ywadjusted"))


W3 = np.array([1.0, 2.0, 3.0])

# `.conv` call as written in the table -> (the call, the pandas/oracle expression, NaN allowed)
CASES = {
    "s.conv.ma(5)": (lambda s: s.conv.ma(5), lambda s: s.rolling(5).mean(), True),
    "s.conv.ma(4, center=True, min_periods=2)": (
        lambda s: s.conv.ma(4, center=True, min_periods=2),
        lambda s: s.rolling(4, center=True, min_periods=2).mean(), True),
    "s.conv.ma(3, weights=[1, 2, 3])": (
        lambda s: s.conv.ma(3, weights=[1, 2, 3]),
        lambda s: s.rolling(3).apply(lambda v: v @ W3 / W3.sum(), raw=True), True),
    "s.conv.ewma(span=5)": (lambda s: s.conv.ewma(span=5), lambda s: s.ewm(span=5).mean(), True),
    "s.conv.ewma(alpha=0.3, adjust=False, ignore_na=True, min_periods=2)": (
        lambda s: s.conv.ewma(alpha=0.3, adjust=False, ignore_na=True, min_periods=2),
        lambda s: s.ewm(alpha=0.3, adjust=False, ignore_na=True, min_periods=2).mean(), True),
    "s.conv.var(5)": (lambda s: s.conv.var(5), lambda s: s.rolling(5).var(), True),
    "s.conv.std(4, min_periods=2)": (lambda s: s.conv.std(4, min_periods=2),
                                     lambda s: s.rolling(4, min_periods=2).std(), True),
    "s.conv.cov(5, s.shift(2))": (lambda s: s.conv.cov(5, s.shift(2)), lambda s: s.rolling(5).cov(s.shift(2)), True),
    "s.conv.corr(6, s ** 2, min_periods=3)": (lambda s: s.conv.corr(6, s ** 2, min_periods=3),
                                              lambda s: s.rolling(6, min_periods=3).corr(s ** 2), True),
    "s.conv.gaussian(1.5)": (
        lambda s: s.conv.gaussian(1.5),
        lambda s: s.rolling(13, center=True, min_periods=1, win_type="gaussian").mean(std=1.5), True),
    "s.conv.convolve([0.5, 0.3, 0.2])": (
        lambda s: s.conv.convolve([0.5, 0.3, 0.2]),
        lambda s: s.rolling(3, min_periods=1).apply(lambda v: v @ np.array([0.2, 0.3, 0.5])[-v.size:], raw=True),
        True),
    "s.conv.echo(3, 0.5)": (lambda s: s.conv.echo(3, 0.5), lambda s: s + 0.5 * s.shift(3, fill_value=0.0), True),
    "s.conv.comb(2, 0.4)": (lambda s: s.conv.comb(2, 0.4), _lfilter([1.0], [1.0, 0.0, -0.4]), True),
    "s.conv.diff()": (lambda s: s.conv.diff(), lambda s: s.diff(), True),
    "s.conv.diff(2)": (lambda s: s.conv.diff(2), lambda s: s.diff().diff(), True),
    "s.conv.diff(0, 1, period=4)": (lambda s: s.conv.diff(0, 1, period=4), lambda s: s.diff(4), True),
    "s.conv.diff(1, 1, period=4)": (lambda s: s.conv.diff(1, 1, period=4), lambda s: s.diff(4).diff(), True),
    "s.conv.integrate()": (lambda s: s.conv.integrate(), _first_valid_cumsum, True),
    "s.conv.ar_filter([0.5, -0.2])": (lambda s: s.conv.ar_filter([0.5, -0.2]), _lfilter([1.0], [1.0, -0.5, 0.2]),
                                      True),
    "s.conv.acf(5)": (lambda s: s.conv.acf(5), _sm_acf, True),
    "s.conv.pacf(5)": (lambda s: s.conv.pacf(5), _sm_pacf, True),
    "s.conv.whiten('standardize')": (lambda s: s.conv.whiten("standardize"),
                                     lambda s: (s - s.mean()) / (s.std(ddof=0) or 1.0),
                                     False),
}


def _table_rows() -> list[str]:
    text = DOC.read_text()
    block = text.split("<!-- pandas-table -->")[1]
    return re.findall(r"^\| `(s\.conv\.[^`]+)` \|", block, flags=re.M)


def test_the_table_in_the_docs_is_the_list_tested_here():
    assert _table_rows() == list(CASES)


def _data(kind: str, seed: int) -> pd.Series:
    rng = np.random.default_rng(seed)
    n = {"short": 3, "one": 1}.get(kind, 40)
    x = rng.standard_normal(n).cumsum() * 10.0 ** rng.integers(-3, 4) + 5.0
    if kind == "nan_runs":
        x[[0, 1, 2, 10, 11, 12, 13, 25, 38, 39]] = np.nan  # leading, interior and trailing runs
    if kind == "all_nan":
        x[:] = np.nan
    return pd.Series(x, name="v", index=pd.date_range("2022-01-01", periods=n, freq="D"))


def _compare(got, want):
    got = np.asarray(got, dtype=np.float64)
    want = np.asarray(want, dtype=np.float64)
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-12 * max(1.0, np.nanmax(np.abs(want), initial=0.0)),
                               equal_nan=True)


@pytest.mark.parametrize("kind", ["complete", "nan_runs", "short", "one", "all_nan"])
@pytest.mark.parametrize("row", list(CASES))
def test_row_equals_pandas(row, kind):
    conv, oracle, nan_ok = CASES[row]
    s = _data(kind, seed=len(row))
    if row.startswith(("s.conv.acf", "s.conv.pacf")) and kind in ("short", "one"):
        pytest.skip("5 lags need more than 6 observations")
    if kind in ("nan_runs", "all_nan") and not nan_ok:  # refused, saying so, where pandas computes
        with pytest.raises(ValueError, match="NaN"):
            conv(s)
        return
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # statsmodels/convts warnings on degenerate series
        got, want = conv(s), oracle(s)
    if row.startswith("s.conv.pacf") and kind in ("nan_runs", "all_nan"):
        # convts' pacf is NaN at every lag, lag 0 included, for data with NaN (nan_policy='propagate');
        # statsmodels keeps 1 at lag 0: compared from lag 1 on (the table says so)
        got, want = got.iloc[1:], want.iloc[1:]
    _compare(got, want)
    if isinstance(got, pd.Series) and got.index.size == s.index.size:
        assert got.index.equals(s.index)


@pytest.mark.parametrize("row", [r for r in CASES if not r.startswith(("s.conv.acf", "s.conv.pacf"))])
def test_row_on_a_dataframe_is_per_column(row):
    """The same table on a DataFrame: each column equals the Series result."""
    conv, _, nan_ok = CASES[row]
    df = pd.DataFrame({"a": _data("complete" if not nan_ok else "nan_runs", 1), "b": _data("complete", 2)})
    out = conv(df)
    assert isinstance(out, pd.DataFrame) and out.shape == df.shape
    for j, c in enumerate(df.columns):
        _compare(out.iloc[:, j], conv(df[c]))


def test_dataframe_cov_and_corr_without_other_are_pairwise_as_pandas():
    rng = np.random.default_rng(7)
    df = pd.DataFrame(rng.standard_normal((30, 3)).cumsum(0), columns=["a", "b", "c"],
                      index=pd.date_range("2022-01-01", periods=30, freq="D"))
    df.iloc[[0, 4, 5, 17], 1] = np.nan
    for got, want in ((df.conv.cov(6), df.rolling(6).cov()),
                      (df.conv.corr(6, min_periods=3), df.rolling(6, min_periods=3).corr())):
        assert got.index.equals(want.index) and got.columns.equals(want.columns)
        _compare(got, want)


def test_rolling_moments_refuse_a_mismatched_other():
    s = pd.Series(np.arange(10.0))
    with pytest.raises(ValueError, match="other"):
        s.conv.cov(3, np.arange(9.0))
    with pytest.raises(ValueError, match="window"):
        s.conv.var(0)
