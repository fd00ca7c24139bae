"""convolve(mode='zero_phase') against scipy.signal.filtfilt (its default padding)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy import signal

import convts


def _dense(k):
    m = max(int(k.ma_lags.max()), int(k.ar_lags.max()) if k.ar_lags.size else 0) + 1
    b, a = np.zeros(m), np.zeros(m)
    b[k.ma_lags] = k.ma_coefs
    a[k.ar_lags] = k.ar_coefs
    a[0] = 1.0
    return b, a


@settings(max_examples=60, deadline=None)
@given(ar=st.lists(st.floats(-0.45, 0.45), max_size=2), ma=st.lists(st.floats(-2, 2), max_size=4),
       gain=st.floats(0.1, 3.0), T=st.integers(20, 120), n=st.integers(1, 3), seed=st.integers(0, 2**32 - 1),
       axis=st.sampled_from([0, -1]), scale=st.sampled_from([1e-200, 1.0, 1e150]))
def test_zero_phase_equals_filtfilt(ar, ma, gain, T, n, seed, axis, scale):
    k = convts.kernels.arma(ar=ar, ma=ma) * gain
    b, a = _dense(k)
    assume(b.size >= 2)  # scipy's lfilter_zi needs two coefficients
    if T <= 3 * b.size:
        T = 3 * b.size + 1
    x = np.random.default_rng(seed).standard_normal((n, T)) * scale
    x = x if axis == -1 else x.T.copy()
    want = signal.filtfilt(b, a, x, axis=axis)
    got = convts.convolve(x, k, mode="zero_phase", axis=axis)
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-12 * np.abs(want).max())


def test_zero_phase_fir_and_nan_and_backends():
    x = np.sin(np.arange(60) / 3.0) + np.arange(60) / 10
    fir = convts.Kernel(b=[0.25, 0.5, 0.25])
    np.testing.assert_allclose(convts.convolve(x, fir, mode="zero_phase"), signal.filtfilt([0.25, 0.5, 0.25], [1.0], x),
                               rtol=1e-12)
    k = convts.kernels.ewma(0.3)
    for backend in ("numpy", "numba"):
        np.testing.assert_allclose(convts.convolve(x, k, mode="zero_phase", backend=backend),
                                   signal.filtfilt([0.3], [1.0, -0.7], x), rtol=1e-12)
    y = x.copy()
    y[30] = np.nan
    got = convts.convolve(y, k, mode="zero_phase")
    np.testing.assert_array_equal(np.isnan(got), np.isnan(signal.filtfilt([0.3], [1.0, -0.7], y)))
    assert np.isnan(y[30]) and np.isfinite(np.delete(y, 30)).all()  # caller data untouched
    for kern, (bb, aa) in ((fir, ([0.25, 0.5, 0.25], [1.0])), (k, ([0.3], [1.0, -0.7]))):
        for pos in (0, 9, 59):  # the padding's anchors: a non-finite starting state, as lfilter
            y = x.copy()
            y[pos] = np.nan
            np.testing.assert_array_equal(np.isnan(convts.convolve(y, kern, mode="zero_phase")),
                                          np.isnan(signal.filtfilt(bb, aa, y)))
    # one tap: the squared gain (closed form)
    np.testing.assert_allclose(convts.convolve(x, convts.Kernel(b=[2.0]), mode="zero_phase"), 4 * x, rtol=1e-15)


@pytest.mark.parametrize("kwargs, message", [
    (dict(x=np.ones(6)), "padding needs more than"),
    (dict(kernel=convts.Kernel(b={-1: 0.5, 0: 0.5})), "causal kernel"),
    (dict(zi=[0.0]), "no zi"),
    (dict(nan_policy="omit"), "only nan_policy='propagate'"),
])
def test_zero_phase_refusals(kwargs, message):
    call = dict(x=np.arange(50.0), kernel=convts.kernels.ewma(0.3), mode="zero_phase")
    call.update(kwargs)
    with pytest.raises(ValueError, match=message):
        convts.convolve(call.pop("x"), call.pop("kernel"), **call)
