"""Rolling var/std/cov/corr: equal to pandas' rolling (NaN, inf, min_periods, ddof), and exact
(against a two-pass sum per window) where pandas 2 and bottleneck are not: after a 1e16 spike
leaves the window."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import convts


# ------------------------------------------------------------------ two-pass oracles (loops)
def _window_pairs(x, y, t, window):
    lo = max(0, t - window + 1)
    return [(x[j], y[j]) for j in range(lo, t + 1) if math.isfinite(x[j]) and math.isfinite(y[j])]


def var_two_pass(x, window, min_periods, ddof=1):
    out = []
    for t in range(len(x)):
        vals = [v for v, _ in _window_pairs(x, x, t, window)]
        n = len(vals)
        if n < min_periods or n <= ddof:
            out.append(math.nan)
            continue
        m = math.fsum(vals) / n
        out.append(math.fsum((v - m) ** 2 for v in vals) / (n - ddof))
    return np.array(out)


def cov_two_pass(x, y, window, min_periods, ddof=1, corr=False):
    out = []
    for t in range(len(x)):
        pairs = _window_pairs(x, y, t, window)
        n = len(pairs)
        if n < min_periods or n <= ddof:
            out.append(math.nan)
            continue
        mx = math.fsum(p[0] for p in pairs) / n
        my = math.fsum(p[1] for p in pairs) / n
        sxy = math.fsum((a - mx) * (b - my) for a, b in pairs)
        if corr:
            sxx = math.fsum((a - mx) ** 2 for a, _ in pairs)
            syy = math.fsum((b - my) ** 2 for _, b in pairs)
            out.append(sxy / math.sqrt(sxx * syy) if sxx > 0 and syy > 0 else math.nan)
        else:
            out.append(sxy / (n - ddof))
    return np.array(out)


def _series(seed, n=200, nan_frac=0.1, inf=True):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(n) * 3 + 5
    x[rng.random(n) < nan_frac] = np.nan
    if inf:
        x[rng.integers(0, n, 2)] = [np.inf, -np.inf]
    return x


# ------------------------------------------------------------------ pandas
@pytest.mark.parametrize("window,min_periods", [(1, None), (2, None), (5, None), (5, 0), (5, 1), (5, 3), (30, 10), (300, 1)])
@pytest.mark.parametrize("ddof", [0, 1, 2])
def test_var_std_equal_pandas(window, min_periods, ddof):
    x = _series(window * 10 + ddof)
    r = pd.Series(x).rolling(window, min_periods=min_periods)
    np.testing.assert_allclose(convts.rolling_var(x, window, min_periods, ddof), r.var(ddof=ddof).to_numpy(),
                               rtol=1e-10, atol=1e-12, equal_nan=True)
    np.testing.assert_allclose(convts.rolling_std(x, window, min_periods, ddof), r.std(ddof=ddof).to_numpy(),
                               rtol=1e-10, atol=1e-12, equal_nan=True)


@pytest.mark.parametrize("window,min_periods", [(2, None), (5, None), (5, 1), (5, 3), (40, 2)])
@pytest.mark.parametrize("ddof", [0, 1])
def test_cov_corr_equal_pandas(window, min_periods, ddof):
    x, y = _series(1), _series(2)
    y = 0.5 * x + y  # correlated, so corr is away from 0
    rx = pd.Series(x).rolling(window, min_periods=min_periods)
    np.testing.assert_allclose(convts.rolling_cov(x, y, window, min_periods, ddof),
                               rx.cov(pd.Series(y), ddof=ddof).to_numpy(), rtol=1e-9, atol=1e-11, equal_nan=True)
    np.testing.assert_allclose(convts.rolling_corr(x, y, window, min_periods, ddof),
                               rx.corr(pd.Series(y), ddof=ddof).to_numpy(), rtol=1e-9, atol=1e-11, equal_nan=True)


@given(st.lists(st.one_of(st.floats(-1e3, 1e3), st.just(math.nan)), min_size=1, max_size=40),
       st.integers(1, 8), st.integers(0, 8))
def test_var_equals_pandas_property(xs, window, min_periods):
    min_periods = min(min_periods, window)
    x = np.array(xs)
    want = pd.Series(x).rolling(window, min_periods=min_periods).var().to_numpy()
    got = convts.rolling_var(x, window, min_periods)
    oracle = var_two_pass(list(x), window, min_periods)
    np.testing.assert_allclose(got, oracle, rtol=1e-9, atol=1e-9, equal_nan=True)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))


def test_constant_windows_are_exactly_zero_and_corr_nan():
    x = np.r_[np.full(10, 3.3), 1.0, np.full(10, 7.1)]
    v = convts.rolling_var(x, 4)
    assert (v[3:10] == 0).all() and (v[-7:] == 0).all()
    c = convts.rolling_corr(x, np.arange(21.0), 4)
    assert np.isnan(c[3:10]).all() and np.isnan(c[-7:]).all()
    long = np.r_[np.random.default_rng(0).standard_normal(300) * 1e3, np.full(1000, 3.3)]
    assert (convts.rolling_std(long, 300)[600:] == 0).all()
    assert (pd.Series(long).rolling(300).std().to_numpy()[600:] == 0).all()


# ------------------------------------------------------------------ accuracy beyond pandas
@pytest.mark.parametrize("spike", [1e16, -1e12, 1e150])
def test_exact_after_a_spike_leaves_the_window(spike):
    rng = np.random.default_rng(0)
    x = rng.standard_normal(400)
    x[100] = spike
    window = 20
    oracle = var_two_pass(list(x), window, window)
    got = convts.rolling_var(x, window)
    after = slice(100 + window, None)
    np.testing.assert_allclose(got[after], oracle[after], rtol=1e-11)
    np.testing.assert_allclose(convts.rolling_std(x, window)[after], np.sqrt(oracle[after]), rtol=1e-11)
    np.testing.assert_allclose(got[window - 1:100], oracle[window - 1:100], rtol=1e-11)
    y = 0.3 * x + rng.standard_normal(400)
    y[250] = -spike
    for corr in (False, True):
        fn = convts.rolling_corr if corr else convts.rolling_cov
        want = cov_two_pass(list(x), list(y), window, window, corr=corr)
        ok = slice(250 + window, None)
        np.testing.assert_allclose(fn(x, y, window)[ok], want[ok], rtol=1e-10, atol=1e-12)
        mid = slice(100 + window, 250)
        np.testing.assert_allclose(fn(x, y, window)[mid], want[mid], rtol=1e-10, atol=1e-12)


def test_large_mean_and_trend_stay_accurate():
    rng = np.random.default_rng(1)
    n, window = 20000, 50
    x = 1e9 + rng.standard_normal(n) + np.arange(n) * 1e3  # offset, trend and unit noise
    got = convts.rolling_var(x, window)
    idx = np.r_[window - 1: n: 997]
    oracle = var_two_pass(list(x), window, window)
    np.testing.assert_allclose(got[idx], oracle[idx], rtol=1e-9)


# ------------------------------------------------------------------ shapes, axis, dtypes, errors
def test_batch_and_axis_equal_rows():
    x = np.stack([_series(s, 60) for s in range(3)])
    want = np.stack([convts.rolling_var(r, 7, 3) for r in x])
    np.testing.assert_array_equal(convts.rolling_var(x, 7, 3), want)
    np.testing.assert_array_equal(convts.rolling_var(x.T, 7, 3, axis=0), want.T)
    y = x[::-1].copy()
    wc = np.stack([convts.rolling_corr(a, b, 7, 3) for a, b in zip(x, y)])
    np.testing.assert_array_equal(convts.rolling_corr(x.T, y.T, 7, 3, axis=0), wc.T)


def test_float32_and_int_and_caller_untouched():
    x = np.arange(20, dtype=np.int64)
    out = convts.rolling_std(x, 3)
    assert out.dtype == np.float64
    np.testing.assert_allclose(out[2:], 1.0)
    f = np.arange(20, dtype=np.float32)
    assert convts.rolling_var(f, 3).dtype == np.float32
    z = _series(3)
    z0 = z.copy()
    z.flags.writeable = False
    convts.rolling_var(z, 5)
    convts.rolling_cov(z, z, 5)
    np.testing.assert_array_equal(z, z0)


@pytest.mark.parametrize("kwargs,match", [
    (dict(window=0), "window"), (dict(window=3, min_periods=4), "min_periods"),
    (dict(window=3, min_periods=-1), "min_periods"), (dict(window=3, ddof=-1), "ddof"),
    (dict(window=2.5), "window"),
])
def test_bad_parameters_raise(kwargs, match):
    with pytest.raises((ValueError, TypeError), match=match):
        convts.rolling_var(np.arange(5.0), **kwargs)


def test_bad_inputs_raise():
    with pytest.raises(ValueError, match="same shape"):
        convts.rolling_cov(np.arange(5.0), np.arange(6.0), 2)
    with pytest.raises(ValueError, match="empty"):
        convts.rolling_var(np.array([]), 2)
    with pytest.raises(TypeError, match="numeric"):
        convts.rolling_std(np.array(["a", "b"]), 2)


@given(st.lists(st.tuples(st.one_of(st.floats(-1e3, 1e3), st.just(math.nan)),
                          st.one_of(st.floats(-1e3, 1e3), st.just(math.nan), st.just(math.inf))),
                min_size=1, max_size=40),
       st.integers(1, 8), st.integers(0, 8))
def test_cov_equals_two_pass_property(pairs, window, min_periods):
    min_periods = min(min_periods, window)
    x = np.array([p[0] for p in pairs])
    y = np.array([p[1] for p in pairs])
    got = convts.rolling_cov(x, y, window, min_periods)
    want = cov_two_pass(list(x), list(y), window, min_periods)
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-7, equal_nan=True)
    ref = pd.Series(x).rolling(window, min_periods=min_periods).cov(pd.Series(y)).to_numpy()
    np.testing.assert_array_equal(np.isnan(got), np.isnan(ref))
