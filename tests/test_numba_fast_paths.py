"""The numba fast paths (4-tap FIR groups, blocked AR recursion, blocked lag dot products)
against the NumPy/SciPy reference backend and plain loops, at sizes that cross every block edge."""

import numpy as np
import pytest
import scipy.signal as ss

import convts
from convts.backends import _numba as nbk
from convts.backends import _numpy as npk


@pytest.fixture(params=[True, False], ids=["parallel", "serial"])
def threads(request):
    with convts.set_options(numba_parallel=request.param):
        yield


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("n_taps", [1, 3, 4, 5, 13, 16, 67])
def test_fir_direct_matches_reference(threads, dtype, n_taps):
    rng = np.random.default_rng(n_taps)
    x = rng.standard_normal((3, 2 * nbk._BLOCK + 37)).astype(dtype)
    for lags in (np.arange(n_taps), np.sort(rng.choice(300, n_taps, replace=False)) - 40):
        coefs = rng.standard_normal(n_taps)
        for start in (0, int(lags.max()), -5, x.shape[1] - 10):
            for n_out in (x.shape[1], x.shape[1] + int(np.ptp(lags))):
                ref = npk.fir_direct(x, lags, coefs, start, np.empty((3, n_out), dtype))
                got = nbk.fir_direct(x, lags, coefs, start, np.empty((3, n_out), dtype))
                tol = 1e-12 if dtype == np.float64 else 2e-4
                np.testing.assert_allclose(got, ref, rtol=tol, atol=tol * np.abs(coefs).sum())


def test_fir_direct_dense_equals_np_convolve(threads):
    rng = np.random.default_rng(1)
    x = rng.standard_normal(5000)
    for k in (3, 16, 64, 256):
        b = rng.standard_normal(k)
        got = convts.convolve(x, b, mode="full", method="direct", backend="numba")
        np.testing.assert_allclose(got, np.convolve(x, b), rtol=1e-12, atol=1e-12 * np.abs(b).sum())


@pytest.mark.parametrize("lags", [[1], [1, 2], [1, 2, 3, 4, 5], list(range(1, 21)), [2, 7], [1, 12, 13]])
def test_ar_recursion_matches_lfilter(threads, lags):
    rng = np.random.default_rng(len(lags))
    lags = np.array(lags)
    coefs = rng.uniform(-0.4, 0.4, lags.size) / lags.size
    a = np.zeros(lags.max() + 1)
    a[0] = 1.0
    a[lags] = coefs
    u = rng.standard_normal((2, 3000))
    zi = rng.standard_normal((2, lags.max()))
    got = nbk.ar_recursion(u, lags, coefs, zi, np.empty_like(u))
    ref = ss.lfilter([1.0], a, u + np.pad(zi, ((0, 0), (0, u.shape[1] - zi.shape[1]))), axis=-1)
    np.testing.assert_allclose(got, ref, rtol=1e-12, atol=1e-12)
    short = u[:, : max(1, lags.max() // 2)]  # shorter than the state
    got = nbk.ar_recursion(short, lags, coefs, zi, np.empty_like(short))
    np.testing.assert_allclose(got, npk.ar_recursion(short, lags, coefs, zi, np.empty_like(short)), rtol=1e-12, atol=1e-12)


def test_ar_recursion_unit_root_is_cumsum():
    u = np.random.default_rng(3).standard_normal((1, 100_000))
    got = nbk.ar_recursion(u, np.array([1]), np.array([-1.0]), None, np.empty_like(u))
    np.testing.assert_allclose(got, np.cumsum(u, axis=-1), rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("n, nlags", [(300, 0), (1000, 7), (5000, 100), (3 * nbk._TIME_BLOCK + 5, 37), (50, 49)])
def test_lag_dots_match_loop(threads, n, nlags):
    x = np.random.default_rng(n).standard_normal(n)
    ref = np.array([x[: n - k] @ x[k:] for k in range(nlags + 1)])
    np.testing.assert_allclose(nbk.lag_dots(x, nlags), ref, rtol=1e-12, atol=1e-12 * n)


def test_acf_matches_statsmodels_on_dot_path():
    from statsmodels.tsa.stattools import acf

    x = np.random.default_rng(4).standard_normal(20_000).cumsum()
    np.testing.assert_allclose(convts.acf(x, 100), acf(x, nlags=100, fft=True), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("lo, hi", [(0, 0), (0, 15), (3, 40), (-7, 7), (0, 300), (-2000, 3000)])
def test_fir_uniform_matches_reference(threads, dtype, lo, hi):
    rng = np.random.default_rng(hi - lo)
    for T in (50, 1000, 2 * nbk._UBLOCK + 123):
        x = (rng.standard_normal((2, T)) + 3).astype(dtype)
        for start in (0, hi, lo + (hi - lo) // 2, hi + 17):
            n_out = T + (hi - lo)
            ref = npk.fir_uniform(x, lo, hi, 0.25, start, np.empty((2, n_out), dtype))
            got = nbk.fir_uniform(x, lo, hi, 0.25, start, np.empty((2, n_out), dtype))
            tol = 1e-11 if dtype == np.float64 else 1e-3
            np.testing.assert_allclose(got, ref, rtol=tol, atol=tol * (hi - lo + 1))


def test_oa_full_matches_oaconvolve():
    rng = np.random.default_rng(5)
    for T, m in ((10, 3), (1000, 5000), (100_000, 3000), (5000, 70_000)):
        x = rng.standard_normal((2, T))
        b = rng.standard_normal(m)
        ref = ss.oaconvolve(x, b[None, :], axes=-1)
        np.testing.assert_allclose(nbk.oa_full(x, b), ref, rtol=0, atol=1e-10 * np.abs(b).sum())
        assert nbk.oa_full(x.astype(np.float32), b).dtype == np.float32
