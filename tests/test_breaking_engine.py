"""convolve's short path and the shared overlap-add on inputs the fast paths could mishandle.

Oracles: scipy.signal.convolve (mode 'same' keeps len(x), also for a kernel longer than the
series) and tests/reference.py's fir_loop.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.signal as ss

import convts
from reference import fir_loop


@pytest.mark.parametrize("method", ["auto", "direct", "fft", "overlap_add"])
@pytest.mark.parametrize("T, m", [(1, 2), (2, 8), (5, 65), (17, 1000), (3, 5000)])
def test_same_mode_with_a_kernel_longer_than_the_series_is_scipys(method, T, m):
    rng = np.random.default_rng(T * 1000 + m)
    x, taps = rng.standard_normal(T), rng.standard_normal(m)
    got = convts.convolve(x, taps, mode="same", method=method)
    np.testing.assert_allclose(got, ss.convolve(x, taps, mode="same", method="direct"), rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(got, fir_loop(x, np.arange(m), taps, "same"), rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("dtype", ["<f8", ">f8", "<f4", ">f4", "i8", "?"])
@pytest.mark.parametrize("layout", ["C", "F", "reversed", "strided", "readonly"])
def test_short_path_layouts_and_dtypes_equal_the_loop(dtype, layout):
    rng = np.random.default_rng(5)
    base = (rng.standard_normal((3, 40)) * 10).astype(dtype)
    x = {"C": base, "F": np.asfortranarray(base), "reversed": base[::-1, ::-1],
         "strided": np.repeat(base, 2, axis=1)[:, ::2], "readonly": base.copy()}[layout]
    if layout == "readonly":
        x.flags.writeable = False
    before = x.copy()
    taps = [0.5, -1.0, 0.25]
    expected = np.array([fir_loop(r, [0, 1, 2], taps) for r in np.asarray(x, dtype=np.float64)])
    tol = 1e-5 if "f4" in dtype else 1e-12
    np.testing.assert_allclose(convts.convolve(x, taps), expected, rtol=tol, atol=tol * 10)
    np.testing.assert_allclose(convts.convolve(x.T, taps, axis=0), expected.T, rtol=tol, atol=tol * 10)
    np.testing.assert_array_equal(x, before)


def test_raw_taps_are_not_cached_by_reference():
    x = np.random.default_rng(2).standard_normal(50)
    for taps in (np.array([1.0, 2.0, 3.0]), np.full(4, 0.25), np.arange(70.0)):
        convts.convolve(x, taps)
        taps[1] = 100.0  # the caller edits its array between calls
        np.testing.assert_allclose(convts.convolve(x, taps), fir_loop(x, np.arange(taps.size), taps),
                                   rtol=1e-9, atol=1e-9)
