"""convts.convolve / correlate / steady_state against the loop oracles and against scipy, statsmodels, pandas.

Every test body runs on every available backend (the ``backend`` fixture); none branches on it.
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from reference import fir_loop, iir_loop, impulse_loop, masked_mean_loop
from scipy import signal

import convts
from convts import Kernel
from convts import kernels as K
from convts.engine._convolve import UnstableKernelWarning

FIR_METHODS = ("direct", "fft", "overlap_add")
IIR_METHODS = ("recursive", "impulse_fft")
MODES = ("causal", "same", "full", "valid", "circular")

FIR_KERNELS = {
    "ma3": K.moving_average(3),
    "ma4_centred": K.moving_average(4, center=True),
    "gaussian": K.gaussian(1.2),
    "seasonal_diff": K.difference(1, 1, period=5),
    "random6": Kernel(b=[0.3, -1.2, 0.8, 2.0, -0.1, 0.45]),
    "sparse": Kernel(b={0: 1.0, 3: 0.25, 7: -0.5}),
    "delayed": Kernel(b={2: 1.0, 4: 0.5}),
    "leads_only": Kernel(b={-3: 1.0, -1: 0.5}),
    "scalar": Kernel(b=[2.0]),
    "end_zero": Kernel(b=[0.5, 1.0, 0.0]),
}

IIR_KERNELS = {
    "ewma": K.ewma(0.3),
    "arma21": K.arma([0.5, -0.3], [0.4]),
    "sparse_seasonal": K.arma([0.5], [0.3, 0.2], ar_lags=[4]),
    "comb": K.comb(3, 0.7),
    "delayed_ar": Kernel(b={2: 1.0}, a=[1, -0.5]),
    "ar3": K.arma([0.2, 0.1, 0.3]),
    "near_unit": K.arma([0.95]),
}


def to_np(y):
    return y.get() if hasattr(y, "get") else np.asarray(y)


def assert_matches(y, ref, rtol=1e-10, atol=None):
    """Same shape, NaN at the same places, +-inf at the same places, finite values close
    (relative ``rtol``, absolute ``atol`` defaulting to ``rtol`` times the reference's scale)."""
    y = to_np(y)
    ref = np.asarray(ref, dtype=np.float64)
    assert y.shape == ref.shape
    np.testing.assert_array_equal(np.isnan(y), np.isnan(ref), err_msg="NaN positions differ")
    np.testing.assert_array_equal(np.isposinf(y), np.isposinf(ref), err_msg="+inf positions differ")
    np.testing.assert_array_equal(np.isneginf(y), np.isneginf(ref), err_msg="-inf positions differ")
    fin = np.isfinite(ref)
    if atol is None:
        scale = np.abs(ref[fin]).max() if fin.any() else 1.0
        atol = rtol * max(scale, 1.0)
    np.testing.assert_allclose(y[fin], ref[fin], rtol=rtol, atol=atol)


def series(kind, T, rng):
    """Test inputs: hand-written tiny arrays, random, and random with NaN/inf put in."""
    if kind == "tiny":
        return np.array([1.0, -2.0, 3.0, 0.5, 4.0, -1.0, 2.0, 0.0, 1.5, -3.0, 2.5][:T])
    x = rng.normal(size=T)
    if kind == "nonfinite" and T >= 4:
        x[1] = np.nan
        x[T // 2] = np.inf
        x[-1] = -np.inf
    return x


def dense_b(k):
    """The numerator as scipy's ``b`` (index = lag) for a causal kernel."""
    b = np.zeros(int(k.ma_lags[-1]) + 1)
    b[k.ma_lags] = k.ma_coefs
    return b


# ---------------------------------------------------------------------------------------------
# Hand-computed values (worked out on paper, not copied from convts)
# ---------------------------------------------------------------------------------------------


def test_hand_computed_fir(backend, xp):
    x = xp.asarray([1.0, 2.0, 3.0])
    for method in FIR_METHODS:
        # [1, 2, 3] * [1, 1]: full = [1, 3, 5, 3]
        assert to_np(convts.convolve(x, [1.0, 1.0], mode="full", method=method, backend=backend)).tolist() == pytest.approx([1, 3, 5, 3])
        assert to_np(convts.convolve(x, [1.0, 1.0], mode="causal", method=method, backend=backend)).tolist() == pytest.approx([1, 3, 5])
        assert to_np(convts.convolve(x, [1.0, 1.0], mode="valid", method=method, backend=backend)).tolist() == pytest.approx([3, 5])
        # circular: y[0] = x[0] + x[2]
        assert to_np(convts.convolve(x, [1.0, 1.0], mode="circular", method=method, backend=backend)).tolist() == pytest.approx([4, 3, 5])


def test_hand_computed_iir(backend, xp):
    # y_t = x_t + 0.5 y_{t-1}: [1, 0, 0, 2] -> [1, 0.5, 0.25, 2.125]
    x = xp.asarray([1.0, 0.0, 0.0, 2.0])
    for method in IIR_METHODS:
        y = convts.convolve(x, K.arma([0.5]), method=method, backend=backend)
        np.testing.assert_allclose(to_np(y), [1, 0.5, 0.25, 2.125], atol=1e-12)


# ---------------------------------------------------------------------------------------------
# FIR: every method x backend x mode against the loop oracle
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("kname", list(FIR_KERNELS))
def test_fir_matches_loop(backend, xp, kname, mode, rng):
    k = FIR_KERNELS[kname]
    for T in (1, 3, 11, 64):
        if mode == "valid" and T < k.span:
            continue  # tested in test_valid_too_short
        for kind in ("tiny", "random", "nonfinite"):
            x = series(kind, T, rng)
            ref = fir_loop(x, k.ma_lags, k.ma_coefs, mode)
            direct = to_np(convts.convolve(xp.asarray(x), k, mode=mode, method="direct", backend=backend))
            assert_matches(direct, ref)
            for method in ("fft", "overlap_add", "auto"):
                y = convts.convolve(xp.asarray(x), k, mode=mode, method=method, backend=backend)
                assert_matches(y, direct)


def test_fir_long_random_against_loop(backend, xp, rng):
    """Long enough that 'auto' picks FFT / overlap-add paths (and the numba block loop wraps)."""
    x = rng.normal(size=9000)
    x[[10, 4100, 8999]] = [np.nan, np.inf, np.nan]
    k = Kernel(b=rng.normal(size=40))
    ref = fir_loop(x, k.ma_lags, k.ma_coefs, "causal")
    for method in ("direct", "fft", "overlap_add", "auto"):
        assert_matches(convts.convolve(xp.asarray(x), k, method=method, backend=backend), ref)
    ma = K.moving_average(50)  # uniform taps: the running-sum path
    assert_matches(convts.convolve(xp.asarray(x), ma, method="direct", backend=backend),
                   fir_loop(x, ma.ma_lags, ma.ma_coefs, "causal"))
    xf = rng.normal(size=9000)
    assert_matches(convts.convolve(xp.asarray(xf), ma, method="direct", backend=backend),
                   fir_loop(xf, ma.ma_lags, ma.ma_coefs, "causal"))


# ---------------------------------------------------------------------------------------------
# IIR: recursive and impulse_fft against the difference equation
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["tiny", "random", "nonfinite"])
@pytest.mark.parametrize("T", [1, 2, 11, 300])
@pytest.mark.parametrize("kname", list(IIR_KERNELS))
def test_iir_matches_loop(backend, xp, kname, T, kind, rng):
    k = IIR_KERNELS[kname]
    x = series(kind, T, rng)
    if kind == "nonfinite" and T >= 4:
        x[x.size // 3] = np.nan  # one more gap, so a NaN meets a sparse lag
    ref = iir_loop(x, dense_b(k), k.a)
    assert_matches(convts.convolve(xp.asarray(x), k, method="recursive", backend=backend), ref)
    assert_matches(convts.convolve(xp.asarray(x), k, method="auto", backend=backend), ref)
    if kind != "nonfinite":
        # psi weights truncated at impulse_tol (1e-12): absolute error for unit-scale data
        y = convts.convolve(xp.asarray(x), k, method="impulse_fft", backend=backend)
        assert_matches(y, ref, rtol=1e-10, atol=1e-10 * max(1.0, np.abs(x).max()))


@pytest.mark.parametrize("kname", ["ewma", "arma21", "sparse_seasonal", "comb"])
def test_iir_circular_is_periodic_steady_state(backend, xp, kname, rng):
    k = IIR_KERNELS[kname]
    T = 24
    x = rng.normal(size=T)
    psi = impulse_loop(dense_b(k), k.a, 1500)  # decays below 1e-200
    folded = np.zeros(T)
    for j, p in enumerate(psi):
        folded[j % T] += p
    ref = fir_loop(x, np.arange(T), folded, "circular")
    assert_matches(convts.convolve(xp.asarray(x), k, mode="circular", backend=backend), ref, atol=1e-10)


def test_unstable_iir_recursive(backend, xp):
    """integrate(1) is a running sum: recursive works on it (no impulse truncation)."""
    x = np.array([1.0, 2.0, 3.0, np.nan, 1.0])
    y = convts.convolve(xp.asarray(x), K.integrate(1), backend=backend)
    assert_matches(y, [1.0, 3.0, 6.0, np.nan, np.nan])


# ---------------------------------------------------------------------------------------------
# Shapes, dtypes, layouts, no mutation
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kernel", [K.moving_average(3), Kernel(b=[1.0, -0.5, 0.25]), K.arma([0.6], [0.3])], ids=["ma", "fir", "arma"])
def test_batches_along_any_axis(backend, xp, kernel, rng):
    X = rng.normal(size=(4, 30))
    X[2, 5] = np.nan
    b, a = dense_b(kernel), kernel.a
    ref = np.stack([iir_loop(row, b, a) for row in X])
    assert_matches(convts.convolve(xp.asarray(X), kernel, axis=1, backend=backend), ref)
    assert_matches(convts.convolve(xp.asarray(X), kernel, axis=-1, backend=backend), ref)
    assert_matches(convts.convolve(xp.asarray(X.T), kernel, axis=0, backend=backend), ref.T)
    X3 = rng.normal(size=(2, 3, 20))
    ref3 = np.stack([[iir_loop(r, b, a) for r in m] for m in X3])
    assert_matches(convts.convolve(xp.asarray(X3), kernel, backend=backend), ref3)
    moved = np.moveaxis(X3, 2, 1)  # time on the middle axis
    assert_matches(convts.convolve(xp.asarray(moved), kernel, axis=1, backend=backend), np.moveaxis(ref3, 2, 1))


@pytest.mark.parametrize("method", ["direct", "fft", "overlap_add", "recursive", "impulse_fft"])
def test_float32_stays_float32(backend, xp, method, rng):
    x = rng.normal(size=(3, 200)).astype(np.float32)
    k = K.arma([0.5], [0.2]) if method in IIR_METHODS else Kernel(b=[0.5, 0.3, 0.2])
    y = convts.convolve(xp.asarray(x), k, method=method, backend=backend)
    assert y.dtype == np.float32
    ref = np.stack([iir_loop(r, dense_b(k), k.a) for r in x.astype(np.float64)])
    np.testing.assert_allclose(to_np(y), ref, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.uint8, bool])
def test_int_and_bool_cast_to_float64(backend, xp, dtype):
    x = np.array([1, 0, 1, 1, 0], dtype=dtype)
    y = convts.convolve(xp.asarray(x), [0.5, 0.5], backend=backend)
    assert y.dtype == np.float64
    assert_matches(y, fir_loop(x.astype(float), [0, 1], [0.5, 0.5]))


@pytest.mark.parametrize("bad", [np.ones(3, dtype=complex), np.array([1.0, "a"], dtype=object)], ids=["complex", "object"])
def test_complex_and_object_raise_type_error(bad):
    with pytest.raises(TypeError, match="x"):
        convts.convolve(bad, [1.0])


@pytest.mark.parametrize("kernel", [K.moving_average(3), Kernel(b=[1.0, -2.0, 0.5]), K.arma([0.5])], ids=["uniform", "fir", "iir"])
def test_layouts_and_no_mutation(backend, kernel, rng):
    base = rng.normal(size=(6, 40))
    base[1, 3] = np.nan
    b, a = dense_b(kernel), kernel.a
    cases = {
        "strided": base[::2, ::2],
        "negative": base[::-1, ::-1],
        "fortran": np.asfortranarray(base),
        "transposed_axis0": base.T,
    }
    ro = base.copy()
    ro.flags.writeable = False
    cases["read_only"] = ro
    for name, arr in cases.items():
        before = arr.copy()
        axis = 0 if name == "transposed_axis0" else -1
        y = convts.convolve(arr, kernel, axis=axis, backend=backend)
        ref = np.apply_along_axis(iir_loop, axis, arr, b, a)
        assert_matches(y, ref)
        np.testing.assert_array_equal(arr, before)  # never modified (NaN compare equal here)
    for method in ("fft", "overlap_add") if kernel.is_fir else ("impulse_fft",):
        x = base[2].copy()
        before = x.copy()
        convts.convolve(x, kernel, method=method, backend=backend)
        np.testing.assert_array_equal(x, before)
    zi = np.ones((6, 2 if kernel.is_fir and kernel.span == 3 else max(int(kernel.ma_lags[-1]), int(kernel.ar_lags[-1]))))
    zi_before = zi.copy()
    convts.convolve(base, kernel, zi=zi, backend=backend, return_state=True)
    np.testing.assert_array_equal(zi, zi_before)


def test_pandas_input(backend):
    s = pd.Series([1.0, 2.0, 4.0, 8.0])
    assert_matches(convts.convolve(s, [0.5, 0.5], backend=backend), [0.5, 1.5, 3.0, 6.0])


# ---------------------------------------------------------------------------------------------
# nan_policy
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", FIR_METHODS)
@pytest.mark.parametrize("kernel", [K.moving_average(4), K.moving_average(5, weights=[1, 2, 3, 2, 1]), Kernel(b={0: 0.5, 3: 0.5})], ids=["ma4", "weighted", "sparse"])
def test_omit_matches_masked_mean(backend, xp, kernel, method, rng):
    x = rng.normal(size=40)
    x[[0, 3, 4, 5, 6, 7, 20]] = np.nan
    ref = masked_mean_loop(x, kernel.ma_lags, kernel.ma_coefs)
    assert_matches(convts.convolve(xp.asarray(x), kernel, nan_policy="omit", method=method, backend=backend), ref)
    ref = masked_mean_loop(x, kernel.ma_lags, kernel.ma_coefs, min_weight=0.6)
    y = convts.convolve(xp.asarray(x), kernel, nan_policy="omit", min_weight=0.6, method=method, backend=backend)
    assert_matches(y, ref)


@pytest.mark.parametrize("method", FIR_METHODS)
@pytest.mark.parametrize("kernel", [K.moving_average(3), K.moving_average(5, weights=[1, 2, 3, 2, 1]), Kernel(b={0: 0.5, 3: 0.5})],
                         ids=["ma3", "weighted", "sparse"])
def test_omit_history_is_unobserved_whatever_the_data_hold(backend, xp, kernel, method, rng):
    """issue 17 item 2: the pre-sample history is unobserved under 'omit' with or without a NaN
    in the series (a causal output must not depend on a later value).  Oracle: masked_mean_loop."""
    x = np.arange(1.0, 9.0)
    y = to_np(convts.convolve(xp.asarray(x), kernel, nan_policy="omit", method=method, backend=backend))
    assert_matches(y, masked_mean_loop(x, kernel.ma_lags, kernel.ma_coefs))
    x_nan = x.copy()
    x_nan[-1] = np.nan
    y_nan = to_np(convts.convolve(xp.asarray(x_nan), kernel, nan_policy="omit", method=method, backend=backend))
    np.testing.assert_allclose(y_nan[:-1], y[:-1], rtol=1e-12)
    X = rng.normal(size=(3, 30))
    X[1, 7] = np.nan
    for mw in (None, 0.6, 1.0):  # min_weight applies at the edges too
        ref = np.stack([masked_mean_loop(r, kernel.ma_lags, kernel.ma_coefs, min_weight=mw) for r in X])
        assert_matches(convts.convolve(xp.asarray(X), kernel, nan_policy="omit", min_weight=mw, method=method, backend=backend), ref)
        ref0 = np.stack([masked_mean_loop(r, kernel.ma_lags, kernel.ma_coefs, min_weight=mw) for r in X[[0, 2]]])
        assert_matches(convts.convolve(xp.asarray(X[[0, 2]]), kernel, nan_policy="omit", min_weight=mw, method=method, backend=backend), ref0)


def test_omit_issue_values(backend):
    k = K.moving_average(3)
    x = np.arange(1.0, 9.0)
    np.testing.assert_allclose(convts.convolve(x, k, nan_policy="omit", backend=backend)[:2], [1.0, 1.5], rtol=1e-14)
    x[-1] = np.nan
    np.testing.assert_allclose(convts.convolve(x, k, nan_policy="omit", backend=backend)[:2], [1.0, 1.5], rtol=1e-14)
    # pandas' rolling mean with min_periods: the same numbers at the edge, with or without a NaN
    x = np.arange(1.0, 9.0)
    for mp in (1, 2, 3):
        np.testing.assert_allclose(convts.convolve(x, k, nan_policy="omit", min_weight=mp / 3, backend=backend),
                                   pd.Series(x).rolling(3, min_periods=mp).mean(), rtol=1e-13)


@pytest.mark.parametrize("com", [0.5, 2.0, 9.0])
def test_omit_ewma_is_pandas_ewm_adjust_true(backend, xp, com, rng):
    """ewma with 'omit' renormalises by the weight seen since the start: pandas' ewm(adjust=True),
    with and without NaN, and min_weight at the start (pandas' min_periods has a different unit,
    so the edge is checked against the weight 1 - (1 - alpha)**(t + 1) directly)."""
    x = rng.normal(size=80)
    k = K.ewma(com=com)
    y = convts.convolve(xp.asarray(x), k, nan_policy="omit", backend=backend)
    assert_matches(y, pd.Series(x).ewm(com=com, adjust=True).mean().to_numpy(), rtol=1e-11)
    x[[0, 5, 6, 40]] = np.nan
    y = convts.convolve(xp.asarray(x), k, nan_policy="omit", backend=backend)
    assert_matches(y, pd.Series(x).ewm(com=com, adjust=True).mean().to_numpy(), rtol=1e-11)
    alpha = 1 / (1 + com)
    weight = 1 - (1 - alpha) ** np.arange(1, 81)
    y = to_np(convts.convolve(xp.asarray(np.ones(80)), k, nan_policy="omit", min_weight=0.5, backend=backend))
    np.testing.assert_array_equal(np.isnan(y), weight < 0.5 - 1e-12)


def test_omit_iir_positive_response_renormalises(backend):
    """A constant series with gaps, smoothed by a positive IIR (ewma) with omit, stays constant
    after the warm-up (renormalisation by the weight seen)."""
    x = np.full(60, 3.0)
    x[[10, 11, 30]] = np.nan
    k = K.ewma(0.3)
    y = convts.convolve(x, k, nan_policy="omit", backend=backend)
    np.testing.assert_allclose(y, 3.0, rtol=1e-10)


@pytest.mark.parametrize("policy", ["propagate", "omit", "raise"])
def test_nan_policy_each(backend, policy):
    x = np.array([1.0, np.nan, 3.0, np.inf, 5.0])
    k = K.moving_average(2)
    if policy == "raise":
        with pytest.raises(ValueError, match="2 NaN/inf") as err:
            convts.convolve(x, k, nan_policy=policy, backend=backend)
        assert "nan_policy" in str(err.value)
        return
    if policy == "omit":
        # omit skips NaN but inf is data (the mean over an infinite value is infinite)
        y = convts.convolve(np.array([1.0, np.nan, 3.0, 5.0]), k, nan_policy=policy, backend=backend)
        assert_matches(y, [1.0, 1.0, 3.0, 4.0])
        return
    y = convts.convolve(x, k, nan_policy=policy, backend=backend)
    assert_matches(y, [0.5, np.nan, np.nan, np.inf, np.inf])


def test_unknown_nan_policy():
    with pytest.raises(ValueError, match="nan_policy"):
        convts.convolve(np.ones(3), [1.0], nan_policy="ignore")


# ---------------------------------------------------------------------------------------------
# Properties (hypothesis)
# ---------------------------------------------------------------------------------------------

finite = st.floats(-10, 10, allow_nan=False, allow_infinity=False)
taps_st = st.lists(st.floats(-2, 2, allow_nan=False, allow_infinity=False), min_size=1, max_size=6)
series_st = st.lists(finite, min_size=1, max_size=40)
stable_ar = st.lists(st.floats(-0.45, 0.45, allow_nan=False), min_size=1, max_size=2)  # sum|phi| < 1: stable


def _kernel_from(taps, ar):
    return K.arma(ar=ar, ma=taps[1:]) * taps[0] if ar else Kernel(b=taps)


@given(x=series_st, y=series_st, taps=taps_st, ar=st.one_of(st.just([]), stable_ar), a=finite,
       method=st.sampled_from(["auto", "direct", "fft", "recursive"]))
def test_linearity(backend, x, y, taps, ar, a, method):
    n = min(len(x), len(y))
    x, y = np.array(x[:n]), np.array(y[:n])
    k = _kernel_from(taps, ar)
    if not k.is_fir and method in FIR_METHODS:
        method = "impulse_fft" if method == "fft" else "recursive"
    f = lambda v: convts.convolve(v, k, method=method, backend=backend)  # noqa: E731
    np.testing.assert_allclose(f(a * x + y), a * f(x) + f(y), atol=1e-8)


@given(x=series_st, taps=taps_st, ar=st.one_of(st.just([]), stable_ar), shift=st.integers(0, 5))
def test_time_shift_equivariance(backend, x, taps, ar, shift):
    x = np.array(x)
    k = _kernel_from(taps, ar)
    shifted = np.r_[np.zeros(shift), x]
    np.testing.assert_allclose(convts.convolve(shifted, k, backend=backend)[shift:],
                               convts.convolve(x, k, backend=backend), atol=1e-9)
    # delaying the kernel delays the output
    np.testing.assert_allclose(convts.convolve(x, k.shift(shift), backend=backend),
                               convts.convolve(shifted, k, backend=backend)[: x.size], atol=1e-9)


@given(x=series_st, t1=taps_st, t2=taps_st, ar1=st.one_of(st.just([]), stable_ar), ar2=st.one_of(st.just([]), stable_ar))
def test_composition(backend, x, t1, t2, ar1, ar2):
    x = np.array(x)
    k1, k2 = _kernel_from(t1, ar1), _kernel_from(t2, ar2)
    np.testing.assert_allclose(convts.convolve(x, k1 * k2, backend=backend),
                               convts.convolve(convts.convolve(x, k2, backend=backend), k1, backend=backend),
                               rtol=1e-8, atol=1e-8)


@given(x=series_st, theta=st.lists(st.floats(-0.45, 0.45), min_size=0, max_size=2), ar=st.one_of(st.just([]), stable_ar))
def test_inverse_is_identity(backend, x, theta, ar):
    x = np.array(x)
    k = K.arma(ar=ar, ma=theta)  # invertible: sum|theta| < 1
    assert k.is_invertible
    ident = k * k.inverse()
    np.testing.assert_allclose(convts.convolve(x, ident, backend=backend), x, atol=1e-9)
    np.testing.assert_allclose(convts.convolve(convts.convolve(x, k, backend=backend), k.inverse(), backend=backend), x, atol=1e-9)
    if k.inverse().is_stable:
        y = convts.convolve(convts.convolve(x, k, backend=backend), k.inverse(), method="impulse_fft", backend=backend)
        np.testing.assert_allclose(y, x, atol=1e-9)


@given(x=series_st, taps=taps_st, ar=st.one_of(st.just([]), stable_ar, st.just([0.3, 0.0, 0.0, 0.0, 0.2])),
       chunks=st.lists(st.integers(1, 7), min_size=1, max_size=8),
       method=st.sampled_from(["recursive", "impulse_fft", "direct", "fft"]))
def test_streaming_equals_whole(backend, x, taps, ar, chunks, method):
    """Chunks of every size, including chunks shorter than the state, give the whole-series result."""
    x = np.array(x)
    k = _kernel_from(taps, ar)
    if k.is_fir and method in IIR_METHODS:
        method = "direct"
    if not k.is_fir and method in FIR_METHODS:
        method = "recursive"
    whole, zf_whole = convts.convolve(x, k, backend=backend, method=method, return_state=True)
    out, z, i, c = [], None, 0, 0
    while i < x.size:
        n = chunks[c % len(chunks)]
        y, z = convts.convolve(x[i : i + n], k, zi=z, return_state=True, backend=backend, method=method)
        out.append(y)
        i, c = i + n, c + 1
    np.testing.assert_allclose(np.concatenate(out), whole, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(z, zf_whole, rtol=1e-9, atol=1e-9)


@given(x=st.lists(finite, min_size=8, max_size=30), lags=st.lists(st.integers(-4, 6), min_size=1, max_size=5, unique=True),
       method=st.sampled_from(FIR_METHODS))
def test_modes_are_slices_of_full(backend, x, lags, method):
    x = np.array(x)
    coefs = np.linspace(1.0, 2.0, len(lags))
    k = Kernel(b=coefs, lags=lags)
    lo, m, T = k.offset, k.span, x.size
    full = convts.convolve(x, k, mode="full", method=method, backend=backend)  # time lo + i
    np.testing.assert_allclose(convts.convolve(x, k, mode="same", method=method, backend=backend),
                               full[(m - 1) // 2 : (m - 1) // 2 + T], atol=1e-10)
    if T >= m:
        np.testing.assert_allclose(convts.convolve(x, k, mode="valid", method=method, backend=backend), full[m - 1 : T], atol=1e-10)
    causal = convts.convolve(x, k, mode="causal", method=method, backend=backend)  # times 0..T-1
    padded = np.r_[np.zeros(max(lo, 0)), full, np.zeros(max(-lo, 0) + T)]
    start = -lo + max(lo, 0)
    np.testing.assert_allclose(causal, padded[start : start + T], atol=1e-10)
    circ = convts.convolve(x, k, mode="circular", method=method, backend=backend)
    wrapped = np.zeros(T)
    np.add.at(wrapped, (np.arange(full.size) + lo) % T, full)  # fold full onto the period
    np.testing.assert_allclose(circ, wrapped, atol=1e-10)


# ---------------------------------------------------------------------------------------------
# Parity with scipy, statsmodels, pandas
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kname", ["ewma", "arma21", "sparse_seasonal", "ar3", "delayed_ar"])
def test_zi_is_scipy_lfiltic_format(backend, kname, rng):
    """scipy.signal.lfiltic turns past (x, y) into zi; feeding that zi to convolve equals lfilter."""
    k = IIR_KERNELS[kname]
    b, a = dense_b(k), k.a
    x_past, x = rng.normal(size=10), rng.normal(size=50)
    y_past = signal.lfilter(b, a, x_past)
    zi = signal.lfiltic(b, a, y_past[::-1], x_past[::-1])
    zi = np.r_[zi, np.zeros(max(0, max(b.size, a.size) - 1 - zi.size))]
    y_sp, zf_sp = signal.lfilter(b, a, x, zi=zi)
    for method in IIR_METHODS:
        y, zf = convts.convolve(x, k, zi=zi, return_state=True, method=method, backend=backend)
        np.testing.assert_allclose(y, y_sp, atol=1e-10)
        np.testing.assert_allclose(zf, zf_sp, atol=1e-10)
    # and the whole series equals the continuation
    np.testing.assert_allclose(y_sp, signal.lfilter(b, a, np.r_[x_past, x])[10:], atol=1e-12)


@pytest.mark.parametrize("kname", ["random6", "sparse", "seasonal_diff"])
def test_fir_zi_matches_lfilter(backend, kname, rng):
    k = FIR_KERNELS[kname]
    b = dense_b(k)
    x, zi = rng.normal(size=(2, 30)), rng.normal(size=(2, b.size - 1))
    y_sp, zf_sp = signal.lfilter(b, [1.0], x, zi=zi, axis=-1)
    y, zf = convts.convolve(x, k, zi=zi, return_state=True, backend=backend)
    np.testing.assert_allclose(y, y_sp, atol=1e-12)
    np.testing.assert_allclose(zf, zf_sp, atol=1e-12)


@pytest.mark.parametrize("mode", ["full", "same", "valid"])
def test_fftconvolve_oaconvolve_parity(backend, mode, rng):
    x, b = rng.normal(size=(3, 500)), rng.normal(size=37)
    for method in FIR_METHODS:
        y = convts.convolve(x, b, mode=mode, method=method, backend=backend)
        np.testing.assert_allclose(y, signal.fftconvolve(x, b[None, :], mode=mode, axes=-1), atol=1e-10)
        np.testing.assert_allclose(y, signal.oaconvolve(x, b[None, :], mode=mode, axes=-1), atol=1e-10)
        np.testing.assert_allclose(y[0], np.convolve(x[0], b, mode=mode), atol=1e-10)


def test_correlate_matches_scipy(backend, rng):
    x, y = rng.normal(size=40), rng.normal(size=7)
    for mode in ("full", "same", "valid"):
        np.testing.assert_allclose(convts.correlate(x, y, mode=mode, backend=backend), signal.correlate(x, y, mode=mode), atol=1e-12)


def test_statsmodels_convolution_filter(backend, rng):
    """statsmodels' convolution_filter(x, filt, nsides=1) is y[t] = sum_k filt[k] x[t-k] for
    t >= len(filt)-1 (NaN before: only complete windows); nsides=2 centres the filter
    (lag -(len-1)//2 .. len//2 ... statsmodels puts the extra tap of an even filter on the past side)."""
    from statsmodels.tsa.filters.filtertools import convolution_filter

    x, filt = rng.normal(size=30), np.array([0.5, 0.3, 0.2])
    ref = convolution_filter(x, filt, nsides=1)
    y = convts.convolve(x, filt, backend=backend)
    np.testing.assert_allclose(y[2:], ref[2:], atol=1e-12)
    assert np.isnan(ref[:2]).all()
    # two-sided, odd length: centred kernel at lags -1, 0, 1 ; 'valid' equals the non-NaN part
    ref2 = convolution_filter(x, filt, nsides=2)
    k = Kernel(b=filt, lags=[-1, 0, 1])
    y2 = convts.convolve(x, k, backend=backend)
    np.testing.assert_allclose(y2[1:-1], ref2[1:-1], atol=1e-12)
    np.testing.assert_allclose(convts.convolve(x, k, mode="valid", backend=backend), ref2[1:-1], atol=1e-12)


def test_statsmodels_recursive_filter(backend, rng):
    """statsmodels' recursive_filter(x, ar_coeff) is y[t] = x[t] + sum_i ar_coeff[i] y[t-1-i]:
    statsmodels' AR sign, i.e. kernels.arma(ar=ar_coeff); with init it equals lfilter with
    zi = lfiltic([1], a, init): init is the past outputs newest first (y[-1], y[-2], ...),
    lfiltic's order (statsmodels also passes x as lfiltic's past inputs; with b = [1] they are unused)."""
    from statsmodels.tsa.filters.filtertools import recursive_filter

    x, ar = rng.normal(size=40), [0.5, -0.2]
    np.testing.assert_allclose(convts.convolve(x, K.arma(ar=ar), backend=backend), recursive_filter(x, ar), atol=1e-12)
    init = np.array([0.3, -1.0])
    ref = recursive_filter(x, ar, init=init)
    zi = signal.lfiltic([1.0], np.r_[1.0, -np.asarray(ar)], init)
    np.testing.assert_allclose(convts.convolve(x, K.arma(ar=ar), zi=zi, backend=backend), ref, atol=1e-12)


@pytest.mark.parametrize("window", [3, 4, 7, 8])
@pytest.mark.parametrize("center", [False, True])
def test_pandas_rolling_mean(backend, window, center, rng):
    x = rng.normal(size=60)
    k = K.moving_average(window, center=center)
    ref = pd.Series(x).rolling(window, center=center).mean().to_numpy()
    y = convts.convolve(x, k, backend=backend)
    ok = ~np.isnan(ref)  # pandas: NaN until the window is full
    np.testing.assert_allclose(y[ok], ref[ok], rtol=1e-10)
    # with gaps: nan_policy='omit' + min_weight == min_periods / window
    x[[0, 5, 6, 30]] = np.nan
    for min_periods in (1, 2, window):
        ref = pd.Series(x).rolling(window, center=center, min_periods=min_periods).mean().to_numpy()
        y = convts.convolve(x, k, nan_policy="omit", min_weight=min_periods / window, backend=backend)
        assert_matches(y, ref)


@pytest.mark.parametrize("alpha", [0.05, 0.3, 0.9, 1.0])
def test_pandas_ewm_adjust_false(backend, alpha, rng):
    x = rng.normal(size=80) + 5
    k = K.ewma(alpha)
    y = convts.convolve(x, k, zi=convts.steady_state(k, x[0]), backend=backend)
    np.testing.assert_allclose(y, pd.Series(x).ewm(alpha=alpha, adjust=False).mean().to_numpy(), rtol=1e-10)
    # a batch: one steady state per series
    X = rng.normal(size=(3, 20))
    Y = convts.convolve(X, k, zi=convts.steady_state(k, X[:, 0]), backend=backend)
    np.testing.assert_allclose(Y, pd.DataFrame(X.T).ewm(alpha=alpha, adjust=False).mean().to_numpy().T, rtol=1e-10)


def test_steady_state_matches_lfilter_zi():
    for k in (K.arma([0.5, -0.2], [0.3]), K.ewma(0.4), Kernel(b=[1.0, 2.0, 3.0]), K.comb(3, 0.5)):
        b = dense_b(k)
        a = k.a
        n = max(b.size, a.size)
        ref = signal.lfilter_zi(np.r_[b, np.zeros(n - b.size)], np.r_[a, np.zeros(n - a.size)])
        np.testing.assert_allclose(convts.steady_state(k, 2.5), 2.5 * ref, atol=1e-12)


def test_difference_valid_equals_loop(backend, rng):
    x = rng.normal(size=50)
    for d, D, s in ((1, 0, None), (2, 0, None), (1, 1, 12), (0, 2, 4)):
        k = K.difference(d, D, period=s)
        assert_matches(convts.convolve(x, k, mode="valid", backend=backend), difference_loop(x, d, D, s))


from reference import difference_loop  # noqa: E402  (kept next to its only user above)


# ---------------------------------------------------------------------------------------------
# Bad input: one test each, and the message names the parameter
# ---------------------------------------------------------------------------------------------


def test_empty_input():
    with pytest.raises(ValueError, match="x is empty"):
        convts.convolve(np.array([]), [1.0])


def test_scalar_input():
    with pytest.raises(ValueError, match="scalar"):
        convts.convolve(3.0, [1.0])


def test_valid_too_short():
    with pytest.raises(ValueError, match="mode='valid'.*3 observations.*5 lags"):
        convts.convolve(np.ones(3), np.ones(5), mode="valid")


def test_empty_taps():
    with pytest.raises(ValueError, match="empty"):
        convts.convolve(np.ones(3), [])


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_taps(bad):
    with pytest.raises(ValueError, match="non-finite"):
        convts.convolve(np.ones(3), [1.0, bad])
    with pytest.raises(ValueError, match="denominator"):
        Kernel(b=[1.0], a=[1.0, bad])


def test_axis_out_of_range():
    with pytest.raises(ValueError, match="axis=2"):
        convts.convolve(np.ones((2, 3)), [1.0], axis=2)


def test_wrong_zi_shape():
    with pytest.raises(ValueError, match="zi has shape"):
        convts.convolve(np.ones(5), K.arma([0.5, 0.2]), zi=np.zeros(3))
    with pytest.raises(ValueError, match="zi has shape"):
        convts.convolve(np.ones((2, 5)), K.arma([0.5]), zi=np.zeros((3, 1)))


ZI_KERNELS = {"arma21": K.arma([0.5, -0.3], [0.4]), "fir": Kernel(b=[0.3, -1.2, 0.8]), "sparse_ar": K.arma([0.5], [0.3], ar_lags=[3])}


@pytest.mark.parametrize("kname", list(ZI_KERNELS))
@pytest.mark.parametrize("shape", [(11,), (4, 11), (11, 3), (4, 3, 11), (4, 11, 2), (11, 3, 2)], ids=str)
def test_zi_along_every_axis_is_lfilter(backend, xp, kname, shape, rng):
    """issue 17 item 3: zi / zf in scipy.signal.lfilter's layout (x's shape with the time axis
    replaced by the state length) along every axis of 1-D..3-D input; chunked == whole == lfilter."""
    k = ZI_KERNELS[kname]
    b, a = dense_b(k), k.a
    M = max(b.size, a.size) - 1
    x = rng.normal(size=shape)
    for axis in range(len(shape)):
        if shape[axis] != 11:
            continue
        zshape = shape[:axis] + (M,) + shape[axis + 1 :]
        zi = rng.normal(size=zshape)
        y_sp, zf_sp = signal.lfilter(np.r_[b, np.zeros(M + 1 - b.size)], np.r_[a, np.zeros(M + 1 - a.size)], x, axis=axis, zi=zi)
        y, zf = convts.convolve(xp.asarray(x), k, axis=axis, zi=xp.asarray(zi), return_state=True, backend=backend)
        assert zf.shape == zshape
        assert_matches(y, y_sp, rtol=1e-12, atol=1e-12)
        assert_matches(zf, zf_sp, rtol=1e-12, atol=1e-12)
        # chunked with the state == whole
        first, second = np.split(x, [4], axis=axis)
        y1, z1 = convts.convolve(xp.asarray(first), k, axis=axis, zi=xp.asarray(zi), return_state=True, backend=backend)
        y2, z2 = convts.convolve(xp.asarray(second), k, axis=axis, zi=z1, return_state=True, backend=backend)
        assert_matches(xp.concatenate([y1, y2], axis=axis), y_sp, rtol=1e-12, atol=1e-12)
        assert_matches(z2, zf_sp, rtol=1e-12, atol=1e-12)
        # the state of a longer chunk is the same, whatever the chunk length (shorter than M too)
        parts = np.split(x, [1, 2, 7], axis=axis)
        z, ys = xp.asarray(zi), []
        for part in parts:
            yp, z = convts.convolve(xp.asarray(part), k, axis=axis, zi=z, return_state=True, backend=backend)
            ys.append(yp)
        assert_matches(xp.concatenate(ys, axis=axis), y_sp, rtol=1e-12, atol=1e-12)
        # a transposed / flattened / wrong-length state is refused, naming zi and the shape wanted
        wrong = [zshape[::-1], zshape[:axis] + (M + 1,) + zshape[axis + 1 :], (int(np.prod(zshape)) // M, M)]
        for bad in wrong:
            if bad == zshape:
                continue
            with pytest.raises(ValueError, match=r"zi has shape.*" + re.escape(str(zshape))):
                convts.convolve(xp.asarray(x), k, axis=axis, zi=xp.zeros(bad), backend=backend)


def test_zi_issue_case(backend):
    """The issue's (4, 3, 2) array along axis=1 with zi of shape (4, 2, 2), and axis=0."""
    rng = np.random.default_rng(3)
    x = rng.normal(size=(4, 3, 2))
    k = K.arma([0.5, -0.2])
    for axis, zshape in ((1, (4, 2, 2)), (0, (2, 3, 2))):
        zi = rng.normal(size=zshape)
        y_sp, zf_sp = signal.lfilter([1.0], k.a, x, axis=axis, zi=zi)
        y, zf = convts.convolve(x, k, axis=axis, zi=zi, return_state=True, backend=backend)
        np.testing.assert_allclose(y, y_sp, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(zf, zf_sp, rtol=1e-12, atol=1e-14)
    with pytest.raises(ValueError, match=r"zi has shape \(3, 2, 2\).*\(2, 3, 2\)"):
        convts.convolve(x, k, axis=0, zi=np.zeros((3, 2, 2)), backend=backend)
    # singleton dimensions broadcast, as in lfilter
    zi = rng.normal(size=(1, 2, 2))
    y_sp, _ = signal.lfilter([1.0], k.a, x, axis=1, zi=np.broadcast_to(zi, (4, 2, 2)))
    np.testing.assert_allclose(convts.convolve(x, k, axis=1, zi=zi, backend=backend), y_sp, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("kname", ["random6", "sparse", "delayed", "seasonal_diff", "ma3"])
def test_fir_recursive_and_impulse_fft_are_computed(backend, xp, kname, rng):
    """issue 17 item 11: method='recursive' on a FIR kernel is its difference equation with
    A(L) == 1 (the direct sum), 'impulse_fft' an FFT with its taps; both equal the loop."""
    k = FIR_KERNELS[kname]
    x = rng.normal(size=(2, 300))
    ref = np.stack([fir_loop(r, k.ma_lags, k.ma_coefs, "causal") for r in x])
    for method in IIR_METHODS:
        assert_matches(convts.convolve(xp.asarray(x), k, method=method, backend=backend), ref, rtol=1e-10, atol=1e-12)
    x[1, 50] = np.nan  # the recursion spreads NaN exactly
    ref = np.stack([fir_loop(r, k.ma_lags, k.ma_coefs, "causal") for r in x])
    assert_matches(convts.convolve(xp.asarray(x), k, method="recursive", backend=backend), ref)


def test_explosive_kernel_warns(backend, xp):
    """issue 17 item 12: an explosive IIR kernel warns (naming the pole modulus); unit roots do not;
    impulse_fft on any kernel that is not stable raises."""
    x = np.ones(100)
    with pytest.warns(UnstableKernelWarning, match=r"modulus 1\.5.*difference") as rec:
        y = convts.convolve(xp.asarray(x), K.arma(ar=[1.5]), backend=backend)
    assert issubclass(rec[0].category, RuntimeWarning)
    assert rec[0].filename == __file__  # points at the caller, not inside convts
    assert_matches(y, iir_loop(x, [1.0], [1.0, -1.5]), rtol=1e-12)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for k in (K.integrate(1), K.integrate(2), K.integrate(1, 1, period=12), K.integrate(2, 1, period=7), K.arma([0.99])):
            convts.convolve(xp.asarray(x), k, backend=backend)
    for k in (K.arma(ar=[1.5]), K.integrate(1), K.comb(4, 1.0)):
        with pytest.raises(ValueError, match="impulse_fft.*modulus.*recursive"):
            convts.convolve(xp.asarray(x), k, method="impulse_fft", backend=backend)


def test_zi_non_finite():
    with pytest.raises(ValueError, match="zi"):
        convts.convolve(np.ones(5), K.arma([0.5]), zi=[np.nan])


def test_zi_with_non_causal_mode():
    with pytest.raises(ValueError, match="mode='full'"):
        convts.convolve(np.ones(5), [1.0, 1.0], mode="full", return_state=True)


@pytest.mark.parametrize("kw, word", [({"mode": "sideways"}, "mode"), ({"method": "magic"}, "method"),
                                      ({"backend": "fortran"}, "backend")])
def test_unknown_options(kw, word):
    with pytest.raises(ValueError, match=word):
        convts.convolve(np.ones(5), [1.0], **kw)


def test_iir_full_mode():
    with pytest.raises(ValueError, match="mode='full'.*IIR"):
        convts.convolve(np.ones(5), K.arma([0.5]), mode="full")


def test_fir_method_for_iir_and_back():
    with pytest.raises(ValueError, match="method='fft'"):
        convts.convolve(np.ones(5), K.arma([0.5]), method="fft")


def test_impulse_fft_unstable():
    with pytest.raises(ValueError, match="stable"):
        convts.convolve(np.ones(5), K.integrate(1), method="impulse_fft")


def test_omit_with_state():
    with pytest.raises(ValueError, match="nan_policy='omit'"):
        convts.convolve(np.array([1.0, np.nan]), K.arma([0.5]), nan_policy="omit", return_state=True)


@pytest.mark.parametrize("mw", [0.0, 1.5, -1])
def test_bad_min_weight(mw):
    with pytest.raises(ValueError, match="min_weight"):
        convts.convolve(np.array([1.0, np.nan, 2.0]), [0.5, 0.5], nan_policy="omit", min_weight=mw)
    with pytest.raises(ValueError, match="min_weight"):  # checked even when the data has no NaN
        convts.convolve(np.array([1.0, 3.0, 2.0]), [0.5, 0.5], nan_policy="omit", min_weight=mw)


def test_ragged_input_gives_a_clear_error():
    with pytest.raises(ValueError, match="x could not be made into an array.*same length"):
        convts.convolve([[1.0, 2.0], [3.0]], [1.0])


# ---------------------------------------------------------------------------------------------
# issue 17 item 1: running sums must not lose small values after a huge one leaves the window
# ---------------------------------------------------------------------------------------------


def _fsum_window_mean(x, window):
    """Causal trailing mean with zero history, each window summed exactly (math.fsum)."""
    import math

    return np.array([math.fsum(x[max(0, t - window + 1) : t + 1]) / window for t in range(len(x))])


@pytest.mark.parametrize("method", ["auto", "direct"])
def test_moving_average_after_a_huge_value(backend, xp, method):
    k = K.moving_average(5)
    y = to_np(convts.convolve(xp.asarray(np.r_[1e16, np.ones(50)]), k, method=method, backend=backend))
    assert y[-1] == 1.0
    for T in (50, 20_000):  # float32 too (the scale test reads float32 bit patterns)
        y = to_np(convts.convolve(xp.asarray(np.r_[1e16, np.ones(T)].astype(np.float32)), k, method=method, backend=backend))
        assert y.dtype == np.float32 and np.all(y[5:] == 1.0)
    for T in (60, 20_000):  # the edge loop and the blocked interior (several blocks)
        x = np.ones(T)
        x[[3, T // 3, T // 2]] = [1e16, -9e33, 3e300]
        x[T - 40 :] = 0.0  # exact zeros stay exact zeros
        y = to_np(convts.convolve(xp.asarray(x), k, method=method, backend=backend))
        ref = _fsum_window_mean(x, 5)
        far = np.ones(T, bool)
        for j in (3, T // 3, T // 2):
            far[j : j + 5] = False
        np.testing.assert_allclose(y[far], ref[far], rtol=1e-12, atol=0)
        assert np.all(y[T - 35 :] == 0.0)
        X = np.stack([x, x[::-1]])  # a batch, along either axis
        np.testing.assert_allclose(to_np(convts.convolve(xp.asarray(X.T), k, axis=0, method=method, backend=backend))[far, 0], ref[far], rtol=1e-12)


def test_moving_average_issue_series():
    s = pd.Series(np.arange(10.0))
    s.iloc[2] = -9e33
    np.testing.assert_array_equal(s.conv.ma(5).to_numpy()[-3:], [5.0, 6.0, 7.0])
    np.testing.assert_array_equal(s.rolling(5).mean().to_numpy()[-3:], [5.0, 6.0, 7.0])  # the peer agrees


@pytest.mark.parametrize("method", ["auto", "direct"])  # an FFT spreads 1e16 * eps over every output
def test_omit_after_a_huge_value(backend, xp, method):
    """The omit numerator and denominator share the running sum: the small values after a huge one
    keep their masked mean (oracle: masked_mean_loop, which sums each window afresh)."""
    x = np.r_[np.arange(1.0, 9.0), 1e16, np.arange(1.0, 40.0)]
    x[[3, 20, 21]] = np.nan
    k = K.moving_average(4)
    y = to_np(convts.convolve(xp.asarray(x), k, nan_policy="omit", method=method, backend=backend))
    ref = masked_mean_loop(x, k.ma_lags, k.ma_coefs)
    ok = np.ones(x.size, bool)
    ok[8:12] = False  # windows holding 1e16
    np.testing.assert_allclose(y[ok], ref[ok], rtol=1e-12)


magnitude = st.sampled_from([1e-300, 1e-150, 1e-8, 1.0, 1e8, 1e16, 1e33, 1e150, 1e300])


@given(size=st.integers(1, 9000), window=st.integers(2, 40),
       spikes=st.lists(st.tuples(st.integers(0, 8999), magnitude, st.sampled_from([-1.0, 1.0])), max_size=6),
       base=magnitude, zeros=st.booleans())
@example(size=1295, window=23, spikes=[(1, 1.0, -1.0)], base=1e-8, zeros=False)  # found by a long run
def test_uniform_running_sum_extreme_magnitudes(backend, size, window, spikes, base, zeros):
    """Mixed magnitudes 1e-300..1e300: every trailing mean is within 1e-12 of the window's
    exactly summed value, relative to the window's sum of |x| (the direct sum's own bound)."""
    import math

    rng = np.random.default_rng(size)
    x = base * rng.uniform(0.5, 1.5, size)
    if zeros:
        x[size // 2 :] = 0.0
    for pos, mag, sign in spikes:
        if pos < size:
            x[pos] = sign * mag
    y = convts.convolve(x, K.moving_average(window), method="direct", backend=backend)
    ref = _fsum_window_mean(x, window)
    scale = np.array([math.fsum(np.abs(x[max(0, t - window + 1) : t + 1])) / window for t in range(size)])
    assert np.all(np.abs(y - ref) <= 1e-12 * scale)


def test_accessor_zi_is_per_column_state():
    """The accessor keeps its documented (n_columns, state) zi for a DataFrame (a Series takes
    (state,)); convolve itself uses lfilter's layout along axis 0.  Oracle: scipy.signal.lfilter."""
    rng = np.random.default_rng(8)
    df = pd.DataFrame(rng.normal(size=(30, 3)), columns=list("abc"))
    k = K.arma([0.5, -0.3], [0.4])
    zi = rng.normal(size=(3, 2))
    got = df.conv.convolve(k, zi=zi)
    for j, c in enumerate(df.columns):
        ref, _ = signal.lfilter(k.b, k.a, df[c].to_numpy(), zi=zi[j])
        np.testing.assert_allclose(got.iloc[:, j].to_numpy(), ref, rtol=1e-12, atol=1e-14)
    ref, _ = signal.lfilter(k.b, k.a, df["a"].to_numpy(), zi=zi[0])
    np.testing.assert_allclose(df["a"].conv.convolve(k, zi=zi[0]).to_numpy(), ref, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(df.conv.ewma(alpha=0.3, adjust=False).to_numpy(), df.ewm(alpha=0.3, adjust=False).mean().to_numpy(), rtol=1e-12)


@given(x=st.lists(st.one_of(finite, st.just(float("nan"))), min_size=1, max_size=40),
       taps=st.dictionaries(st.integers(-3, 6), st.floats(0.05, 2.0), min_size=1, max_size=5),
       mode=st.sampled_from(["causal", "same", "full", "valid", "circular"]),
       min_weight=st.one_of(st.none(), st.sampled_from([0.3, 0.5, 1.0])), method=st.sampled_from(FIR_METHODS))
def test_omit_property_every_mode(backend, x, taps, mode, min_weight, method):
    """nan_policy='omit' on every mode and method, NaN anywhere (or none), against
    masked_mean_loop: values outside the series are unobserved in every case."""
    x = np.array(x)
    k = Kernel(b=list(taps.values()), lags=list(taps.keys()))
    if mode == "valid" and x.size < k.span:
        return
    ref = masked_mean_loop(x, k.ma_lags, k.ma_coefs, min_weight=min_weight, mode=mode)
    y = convts.convolve(x, k, mode=mode, method=method, nan_policy="omit", min_weight=min_weight, backend=backend)
    np.testing.assert_array_equal(np.isnan(y), np.isnan(ref))
    np.testing.assert_allclose(y, ref, rtol=1e-9, atol=1e-9)


@given(shape=st.lists(st.integers(1, 4), min_size=0, max_size=2), T=st.integers(1, 12), where=st.integers(0, 2),
       ar=st.one_of(st.just([]), stable_ar), taps=taps_st, cut=st.integers(0, 12), data=st.data())
def test_zi_property_any_axis(backend, shape, T, where, ar, taps, cut, data):
    """zi/zf along a random axis of a random 1-3-D array: equal to scipy.signal.lfilter with
    the same zi, and two chunks with the carried state equal the whole."""
    axis = min(where, len(shape))
    full_shape = tuple(shape[:axis]) + (T,) + tuple(shape[axis:])
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    x = rng.normal(size=full_shape)
    k = _kernel_from(taps, ar)
    b, a = dense_b(k), k.a
    M = max(b.size, a.size) - 1
    zshape = full_shape[:axis] + (M,) + full_shape[axis + 1 :]
    zi = rng.normal(size=zshape)
    bb, aa = np.r_[b, np.zeros(M + 1 - b.size)], np.r_[a, np.zeros(M + 1 - a.size)]
    if M:
        y_sp, zf_sp = signal.lfilter(bb, aa, x, axis=axis, zi=zi)
    else:
        y_sp, zf_sp = signal.lfilter(bb, aa, x, axis=axis), np.zeros(zshape)
    y, zf = convts.convolve(x, k, axis=axis, zi=zi, return_state=True, backend=backend)
    np.testing.assert_allclose(y, y_sp, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(zf, zf_sp, rtol=1e-9, atol=1e-9)
    if T < 2:  # an empty chunk is refused (convolve needs an observation)
        return
    c = min(max(cut, 1), T - 1)
    first, second = np.split(x, [c], axis=axis)
    y1, z1 = convts.convolve(first, k, axis=axis, zi=zi, return_state=True, backend=backend)
    y2, z2 = convts.convolve(second, k, axis=axis, zi=z1, return_state=True, backend=backend)
    np.testing.assert_allclose(np.concatenate([y1, y2], axis=axis), y_sp, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(z2, zf_sp, rtol=1e-9, atol=1e-9)


# ---------------------------------------------------------------------------------------------
# NaN/inf where a fast path had a term the arithmetic has not (found by the long hypothesis
# profile of tests/test_properties.py): every order, method, mode and backend where they can live
# ---------------------------------------------------------------------------------------------


def test_ar_inf_stays_inf_issue_case(backend, xp):
    """AR(3): the numba recursion padded its coefficients to eight with zeros, 0 * inf = nan."""
    x = np.r_[np.inf, np.zeros(6)]
    k = Kernel(b=[1.0], a=[1, -0.3, -0.04, -0.03])
    y = to_np(convts.convolve(xp.asarray(x), k, backend=backend))
    assert np.all(np.isposinf(y))
    assert np.all(np.isposinf(iir_loop(x, [1.0], k.a)))  # (scipy's lfilter gives inf, nan, ...: its
    # transposed state holds inf - inf; the difference equation itself has only positive terms)


@pytest.mark.parametrize("p", range(1, 11))
def test_ar_every_order_spreads_nonfinite_as_the_loop(backend, xp, p, rng):
    """Dense AR(p), p = 1..10 (the register loops of orders 3..8 and the dot beyond), and the same
    lags made sparse: +-inf and NaN at the start and inside, zero and random history."""
    phi = rng.uniform(0.02, 0.4, size=p) / p
    T = 60
    for a in (np.r_[1.0, -phi], np.r_[1.0, 0.0, -phi]):  # lags 1..p, then 2..p+1
        k = Kernel(b=[1.0, 0.5], a=a)
        for base in (np.zeros(T), rng.normal(size=T)):
            for first, later in ((np.inf, None), (-np.inf, None), (np.nan, None), (np.inf, -np.inf), (1.0, np.inf)):
                x = base.copy()
                x[0] = first
                if later is not None:
                    x[T // 2] = later
                ref = iir_loop(x, [1.0, 0.5], a)
                y = convts.convolve(xp.asarray(x), k, method="recursive", backend=backend)
                assert_matches(y, ref)


@pytest.mark.parametrize("n_taps", range(1, 10))
def test_fir_direct_groups_of_taps_spread_nonfinite_as_the_loop(backend, xp, n_taps, rng):
    """The numba direct sum adds taps four at a time (no zero fill): any number of taps, inf of
    either sign in the interior (a group's vectorised range) and at the ends, every mode."""
    T = 300
    for lags in (np.arange(n_taps) - n_taps // 3, np.sort(rng.choice(np.arange(-5, 4 * n_taps), n_taps, replace=False))):
        for coefs in (rng.uniform(0.1, 1.0, n_taps), rng.uniform(0.1, 1.0, n_taps) * rng.choice([-1.0, 1.0], n_taps)):
            k = Kernel(b=dict(zip(lags.tolist(), coefs.tolist())))
            x = rng.normal(size=T)
            x[[0, 100, 101, 200, T - 1]] = [np.inf, np.inf, -np.inf, np.nan, -np.inf]
            for mode in MODES:
                ref = fir_loop(x, lags, coefs, mode)
                for method in ("direct", "auto"):
                    assert_matches(convts.convolve(xp.asarray(x), k, mode=mode, method=method, backend=backend), ref)


CIRCULAR_FOLD_CASES = [
    # (x, kernel, oracle by hand): taps that fold onto one lag when the kernel is longer than x
    (np.array([np.nan]), K.difference(1), [np.nan]),  # x0 - x0
    (np.array([np.nan, 1.0]), Kernel(b={0: 1.0, 2: -1.0}), [np.nan, 0.0]),  # (1 - 1) x0 at lag 0
    (np.array([np.inf, 1.0]), Kernel(b={0: 1.0, 2: -1.0}), [np.nan, 0.0]),  # inf - inf
    (np.array([np.inf, 1.0]), Kernel(b={0: 2.0, 2: -1.0}), [np.nan, 1.0]),  # 2 inf - inf, not (2 - 1) inf
    (np.array([-np.inf, 1.0]), Kernel(b={0: 2.0, 2: 1.0}), [-np.inf, 3.0]),  # same signs: no NaN
    (np.array([1.0, 2.0]), Kernel(b={0: 1.0, 2: -1.0}), [0.0, 0.0]),  # finite data: exact zeros
]


@pytest.mark.parametrize("method", ("auto",) + FIR_METHODS)
@pytest.mark.parametrize("case", range(len(CIRCULAR_FOLD_CASES)))
def test_circular_folded_taps_keep_nonfinite(backend, xp, method, case):
    """mode='circular' with a kernel longer than the series: the oracle sums the original taps,
    y[t] = sum_k h_k x[(t - lag_k) mod T]; folded taps that cancel must not hide a NaN/inf."""
    x, k, want = CIRCULAR_FOLD_CASES[case]
    assert_matches(fir_loop(x, k.ma_lags, k.ma_coefs, "circular"), want)
    assert_matches(convts.convolve(xp.asarray(x), k, mode="circular", method=method, backend=backend), want, atol=1e-12)


@pytest.mark.parametrize("method", ("auto",) + FIR_METHODS)
def test_circular_long_kernels_on_short_series_match_the_loop(backend, xp, method, rng):
    for T in (1, 2, 3, 5, 8):
        for _ in range(4):
            lags = np.sort(rng.choice(np.arange(-6, 40), 12, replace=False))
            coefs = rng.choice([-1.0, -0.5, 0.5, 1.0, 2.0], 12)  # many folds cancel exactly
            k = Kernel(b=dict(zip(lags.tolist(), coefs.tolist())))
            x = rng.normal(size=(3, T))
            x[0, 0], x[1, T - 1] = np.nan, np.inf
            ref = np.stack([fir_loop(r, lags, coefs, "circular") for r in x])
            y = convts.convolve(xp.asarray(x), k, mode="circular", method=method, backend=backend)
            assert_matches(y, ref, atol=1e-12 * 40)


NONFINITE_SUMS = {  # data whose sum (the engine's first finiteness test) is inf - inf or overflows
    "both_infs": np.array([np.inf, -np.inf, 1.0]),
    "overflowing_sum": np.array([1e308, 1e308, 1.0]),
    "nan_and_overflow": np.array([np.nan, 1e308, 1e308]),
}


def test_the_finiteness_check_leaks_no_warning_issue_case():
    """``python -W error -c "... convolve(np.array([inf, -inf, 1.0]), ewma(0.5))"`` raised
    'invalid value encountered in reduce' from the sum in the engine's NaN/inf test."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for x in NONFINITE_SUMS.values():
            convts.convolve(x, K.ewma(0.5))
        x = np.tile(NONFINITE_SUMS["both_infs"], 200)
        for method in ("auto", "fft", "overlap_add"):  # NaN/inf zeroed for the FFT, then repaired
            convts.convolve(x, np.ones(300) / 300, method=method)
            convts.convolve(x, np.ones(300) / 300, method=method, mode="circular")


@pytest.mark.parametrize("name", list(NONFINITE_SUMS))
def test_the_finiteness_check_leaks_no_warning(backend, xp, name):
    """On every backend and path that tests x for NaN/inf (IIR kernels, FFT methods, 'omit',
    'raise'), neither the test's own sum nor the direct sums and recursions that spread NaN/inf
    (or round to inf) warn: the numpy backend is as silent as numba and scipy's C loops."""
    x = NONFINITE_SUMS[name]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for k in (K.ewma(0.5), K.arma([0.3, 0.1, 0.05]), Kernel(b=[1.0, 2.0])):
            convts.convolve(xp.asarray(x), k, backend=backend)
        convts.convolve(xp.asarray(x), [1.0, 2.0], mode="circular", method="direct", backend=backend)
        convts.convolve(xp.asarray(x), [1.0, 2.0], nan_policy="omit", backend=backend)
        if name == "both_infs":  # (an FFT of values near 1e308 overflows: that warning is real)
            convts.convolve(xp.asarray(x), [1.0, 2.0], mode="circular", method="fft", backend=backend)
            convts.convolve(xp.asarray(np.tile(x, 200)), np.ones(300) / 300, method="fft", backend=backend)
        if not np.isfinite(x).all():
            with pytest.raises(ValueError, match="NaN/inf"):
                convts.convolve(xp.asarray(x), [1.0, 2.0], nan_policy="raise", backend=backend)
