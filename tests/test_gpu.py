"""GPU backend: the xp-generic algorithms (run under NumPy in CI, and under CuPy when a GPU is
present), the glue of ``_xp`` around the kernels (run with NumPy emulations of the kernels), the
batched ARMA objectives, and CuPy checks of the backend and the engine (skipped with the reason
when there is no CuPy or no GPU).  The numba.cuda kernels themselves run on the CPU under
numba's CUDA simulator in tests/test_cuda_sim.py."""

from __future__ import annotations

import numpy as np
import pytest
import reference  # tests/reference.py, on sys.path through tests/conftest.py
from scipy import optimize, signal

import convts
from convts.backends import _numpy as ref_backend
from convts.backends import _xp, available, get_backend
from convts.models import batch_xp as _xp_arima


CUPY_OK = available("cupy")
if CUPY_OK:
    import cupy
    CUPY_REASON = ""
else:
    try:
        get_backend("cupy")
        CUPY_REASON = "CuPy is installed but no CUDA GPU is usable: " + get_backend("cupy").REASON
    except ImportError as exc:
        CUPY_REASON = f"no CuPy/GPU: {exc}"
# Marked ``gpu``: without CuPy and a GPU, tests/conftest.py folds every such case of this file
# (and the cupy param of ``ns``) into one skipped item that gives the reason; the skipif stays
# for runs without that conftest.
GPU_MARKS = [pytest.mark.gpu, pytest.mark.skipif(not CUPY_OK, reason=CUPY_REASON)]


def needs_gpu(func):
    for mark in GPU_MARKS:
        func = mark(func)
    return func


class _Numpy:
    name = "numpy"
    xp = np

    @staticmethod
    def put(a):
        return np.array(a)

    @staticmethod
    def get(a):
        return np.asarray(a)


class _Cupy:
    name = "cupy"

    @property
    def xp(self):
        return cupy

    @staticmethod
    def put(a):
        return cupy.asarray(a)

    @staticmethod
    def get(a):
        return cupy.asnumpy(a)


@pytest.fixture(params=["numpy", pytest.param("cupy", marks=GPU_MARKS)])
def ns(request):
    """One test body, run with xp = numpy always and xp = cupy when a GPU is present."""
    return _Numpy() if request.param == "numpy" else _Cupy()


def rtol_for(dtype):
    return 1e-10 if np.dtype(dtype) == np.float64 else 1e-4


def assert_rel(actual, desired, dtype=np.float64, scale=None):
    actual = np.asarray(actual, dtype=np.float64)
    desired = np.asarray(desired, dtype=np.float64)
    assert actual.shape == desired.shape
    s = np.abs(desired).max() if scale is None else scale
    err = np.abs(actual - desired).max() / max(s, 1e-300)
    assert err <= rtol_for(dtype), f"relative error {err:.3g} > {rtol_for(dtype)}"


rng = np.random.default_rng(20240607)

# ---------------------------------------------------------------------------------------
# FFT sizes, FFT and overlap-add convolution
# ---------------------------------------------------------------------------------------


def _smooth(n):
    for p in (2, 3, 5, 7):
        while n % p == 0:
            n //= p
    return n == 1


def test_good_fft_size_is_the_smallest_even_7_smooth_length():
    for n in list(range(1, 600)) + [1001, 4097, 65537, 10**6 + 1]:
        N = _xp.good_fft_size(n)
        assert N >= n and N % 2 == 0 and _smooth(N)
        if n < 600:
            assert not any(m % 2 == 0 and _smooth(m) for m in range(max(n, 2), N))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("m", [1, 2, 7, 64, 333, 900])
def test_fft_full_matches_scipy(ns, dtype, m):
    x = rng.standard_normal((3, 777)).astype(dtype)
    b = rng.standard_normal(m)
    y = ns.get(_xp.fft_full(ns.put(x), b, ns.xp))
    assert y.dtype == dtype
    assert_rel(y, signal.fftconvolve(x.astype(np.float64), b[None, :], axes=-1), dtype)
    assert_rel(y, ref_backend.fft_full(x, b), dtype)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("m,T", [(1, 500), (3, 1000), (16, 5000), (129, 3000), (600, 700), (50, 20)])
def test_oa_full_matches_scipy_oaconvolve(ns, dtype, m, T):
    x = rng.standard_normal((4, T)).astype(dtype)
    b = rng.standard_normal(m)
    y = ns.get(_xp.oa_full(ns.put(x), b, ns.xp))
    assert y.dtype == dtype and y.shape == (4, T + m - 1)
    assert_rel(y, signal.oaconvolve(x.astype(np.float64), b[None, :], axes=-1), dtype)
    assert_rel(y, ref_backend.oa_full(x, b), dtype)


@pytest.mark.parametrize("nfft", [None, 64, 128, 4096])
def test_oa_full_any_block_size_and_handwritten_case(ns, nfft):
    x = np.arange(1.0, 301.0)[None, :]
    b = np.array([1.0, -2.0, 0.5, 0.0, 3.0])
    y = ns.get(_xp.oa_full(ns.put(x), b, ns.xp, nfft=nfft))
    assert_rel(y[0], np.convolve(x[0], b))
    assert_rel(y[0], reference.fir_loop(x[0], range(5), b, mode="full"))


def test_oa_full_rejects_a_too_short_block():
    with pytest.raises(ValueError, match="nfft >= 2"):
        _xp.oa_full(np.ones((1, 100)), np.ones(40), np, nfft=64)


def test_oa_block_size_minimises_cost_and_covers_the_tail():
    for m in (1, 16, 100, 4096):
        N = _xp.oa_block_size(m, 10**7)
        assert N >= 2 * m - 1 and N & (N - 1) == 0
    assert _xp.oa_block_size(16, 100) <= 256  # never much longer than the whole row


# ---------------------------------------------------------------------------------------
# Direct FIR
# ---------------------------------------------------------------------------------------

FIR_CASES = [
    (np.array([0]), np.array([2.0]), 0),
    (np.array([0, 1, 2]), np.array([0.25, 0.5, 0.25]), 0),
    (np.array([0, 1, 2]), np.array([0.25, 0.5, 0.25]), 1),  # 'same'-like start
    (np.array([-2, 0, 3, 12]), np.array([1.0, -1.0, 0.5, 2.0]), -2),  # leads and a seasonal lag
    (np.array([1, 5]), np.array([1.0, -1.0]), 5),
]


@pytest.mark.parametrize("lags,coefs,start", FIR_CASES)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_fir_direct_matches_reference(ns, lags, coefs, start, dtype):
    x = rng.standard_normal((3, 60)).astype(dtype)
    n_out = 60 + 4
    want = np.empty((3, n_out), dtype)
    ref_backend.fir_direct(x, lags, coefs, start, want)
    out = ns.xp.empty((3, n_out), dtype=dtype)
    _xp.fir_direct(ns.put(x), lags, coefs, start, out, ns.xp)
    assert_rel(ns.get(out), want, dtype)
    loop = reference.fir_loop(x[1].astype(np.float64), lags, coefs, mode="causal")
    if start == 0:
        assert_rel(ns.get(out)[1, :60], loop, dtype)


def test_fir_direct_spreads_nan_to_exactly_its_windows(ns):
    x = rng.standard_normal((2, 40))
    x[0, 10] = np.nan
    x[1, 3] = np.inf
    lags, coefs = np.array([0, 2, 7]), np.array([0.5, 0.25, 1.0])
    want = np.empty_like(x)
    ref_backend.fir_direct(x, lags, coefs, 0, want)
    out = ns.xp.empty(x.shape)
    got = ns.get(_xp.fir_direct(ns.put(x), lags, coefs, 0, out, ns.xp))
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    np.testing.assert_array_equal(np.isinf(got), np.isinf(want))
    fin = np.isfinite(want)
    np.testing.assert_allclose(got[fin], want[fin], rtol=1e-12)


# ---------------------------------------------------------------------------------------
# AR recursion: time stepping, block transition, affine scan, blocked scan
# ---------------------------------------------------------------------------------------

AR_FILTERS = {
    "ar1": ([1], [-0.9]),
    "ar2": ([1, 2], [-1.5, 0.7]),
    "near_unit": ([1], [-0.9999]),
    "unit_root": ([1], [-1.0]),
    "seasonal": ([1, 12], [-0.5, -0.3]),
    "ar20": (list(range(1, 21)), list(np.full(20, -0.045))),
    "oscillating": ([1, 2], [0.0, 0.95]),
}


def _lfilter_ref(u, lags, coefs, zi):
    out = np.empty_like(u)
    return ref_backend.ar_recursion(u, np.asarray(lags), np.asarray(coefs), zi, out)


@pytest.mark.parametrize("name", sorted(AR_FILTERS))
@pytest.mark.parametrize("block", [None, "p", 37, 1000])
def test_ar_recursion_scan_matches_lfilter(ns, name, block):
    lags, coefs = AR_FILTERS[name]
    p = max(lags)
    blk = p if block == "p" else block
    if blk is not None and blk < p:
        pytest.skip("block shorter than the largest lag is rejected (tested below)")
    u = rng.standard_normal((3, 2999))
    zi = rng.standard_normal((3, p))
    want = _lfilter_ref(u, lags, coefs, zi)
    got = ns.get(_xp.ar_recursion_scan(ns.put(u), lags, coefs, ns.put(zi), ns.xp, block=blk))
    assert_rel(got, want)


def test_ar_recursion_scan_is_exact_for_unit_roots_on_integers(ns):
    # (1 - L)^2 and (1 - L^4)(1 - L): integer data keep every intermediate exact in float64
    u = rng.integers(-100, 100, (2, 20000)).astype(np.float64)
    for lags, coefs in (([1, 2], [-2.0, 1.0]), ([1, 4, 5], [-1.0, -1.0, 1.0])):
        want = _lfilter_ref(u, lags, coefs, None)
        for block in (None, 5, 999):
            got = ns.get(_xp.ar_recursion_scan(ns.put(u), lags, coefs, None, ns.xp, block=block))
            np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(
        _lfilter_ref(u, [1, 2], [-2.0, 1.0], None), np.cumsum(np.cumsum(u, axis=1), axis=1)
    )


def test_ar_recursion_handwritten_and_loop_oracle(ns):
    u = np.array([[1.0, 0.0, 0.0, 2.0, 0.0, 0.0]])
    got = ns.get(_xp.ar_recursion_scan(ns.put(u), [1], [-0.5], None, ns.xp, block=2))
    np.testing.assert_allclose(got[0], [1.0, 0.5, 0.25, 2.125, 1.0625, 0.53125])
    x = rng.standard_normal(300)
    zi = np.array([0.3, -0.2])
    loop = reference.iir_loop(x, [1.0], [1.0, -1.2, 0.5], zi=zi)
    got = ns.get(_xp.ar_recursion_scan(ns.put(x[None]), [1, 2], [-1.2, 0.5], ns.put(zi[None]), ns.xp, block=7))
    assert_rel(got[0], loop)


@pytest.mark.parametrize("zlen", [0, 3, 50])
def test_ar_recursion_scan_state_longer_or_shorter_than_series(ns, zlen):
    # the engine's zi can be longer than the AR order (a numerator of higher degree)
    u = rng.standard_normal((2, 20))
    zi = rng.standard_normal((2, zlen)) if zlen else None
    want = _lfilter_ref(u, [1, 3], [-0.4, 0.2], zi)
    got = ns.get(_xp.ar_recursion_scan(ns.put(u), [1, 3], [-0.4, 0.2], None if zi is None else ns.put(zi), ns.xp, block=4))
    assert_rel(got, want)


def test_ar_recursion_scan_nan_spreads_like_the_recursion(ns):
    u = rng.standard_normal((2, 400))
    u[0, 50] = np.nan
    u[1, 7] = np.inf
    lags, coefs = [12], [-0.5]  # sparse: a NaN reaches only every 12th later output
    want = _lfilter_ref(u, lags, coefs, None)
    got = ns.get(_xp.ar_recursion_scan(ns.put(u), lags, coefs, None, ns.xp, block=20))
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    np.testing.assert_array_equal(np.isinf(got), np.isinf(want))
    fin = np.isfinite(want)
    np.testing.assert_allclose(got[fin], want[fin], rtol=1e-12)


def test_ar_recursion_scan_rejects_short_blocks_and_handles_trivial_filters():
    with pytest.raises(ValueError, match="at least as long as the largest lag"):
        _xp.ar_recursion_scan(np.ones((1, 50)), [1, 12], [0.1, 0.1], None, np, block=5)
    u = rng.standard_normal((2, 30))
    np.testing.assert_array_equal(_xp.ar_recursion_scan(u, [], [], None, np), u)
    u0 = u.copy()
    _xp.ar_recursion_scan(u, [1], [-0.5], np.ones((2, 1)), np)
    np.testing.assert_array_equal(u, u0)  # the caller's data is not modified


@pytest.mark.parametrize("dtype", [np.float32])
def test_ar_recursion_scan_float32(ns, dtype):
    u = rng.standard_normal((2, 5000)).astype(dtype)
    want = _lfilter_ref(u.astype(np.float64), [1, 2], [-1.5, 0.7], None)
    got = ns.get(_xp.ar_recursion_scan(ns.put(u), [1, 2], [-1.5, 0.7], None, ns.xp, block=64))
    assert got.dtype == dtype
    assert_rel(got, want, dtype)


def test_block_transition_against_the_recursion():
    lags, coefs = [1, 2, 5], [-0.7, 0.2, 0.1]
    L, p = 9, 5
    G, M = _xp.block_transition(lags, coefs, L)
    a = np.zeros(p + 1)
    a[0] = 1
    a[lags] = coefs
    for i in range(p):
        hist = np.zeros(p + L)  # times -p .. L-1
        hist[p - 1 - i] = 1.0  # y[-1-i] = 1
        for t in range(L):
            hist[p + t] = -sum(a[k] * hist[p + t - k] for k in range(1, p + 1))
        np.testing.assert_allclose(G[:, i], hist[p:], rtol=1e-14, atol=1e-15)
        np.testing.assert_allclose(M[:, i], hist[p + L - 1 : L - 1 : -1], rtol=1e-14, atol=1e-15)
    with pytest.raises(ValueError):
        _xp.block_transition(lags, coefs, 3)


@pytest.mark.parametrize("n,group", [(5, 64), (64, 64), (300, 4), (1000, 8)])
def test_affine_scan_matches_the_sequential_loop(ns, n, group):
    p = 3
    M = rng.standard_normal((p, p)) * 0.3
    c = rng.standard_normal((2, n, p))
    want = np.empty_like(c)
    s = np.zeros((2, p))
    for j in range(n):
        s = s @ M.T + c[:, j]
        want[:, j] = s
    got = ns.get(_xp.affine_scan(ns.put(c), M, ns.xp, group=group))
    assert_rel(got, want)


# ---------------------------------------------------------------------------------------
# Glue around the CUDA kernels, run with the NumPy emulations of the kernels
# ---------------------------------------------------------------------------------------


def emulate_ar_rows(v, y, lags, coefs, n_rows, n_t, row_stride, t_stride):
    """NumPy emulation of the CUDA kernel ``ar_rows``: for every row ``r`` (one thread each),
    ``y[r*rs + t*ts] = v[r*rs + t*ts] - sum_k coefs[k] * y[r*rs + (t - lags[k])*ts]`` for
    ``t = 0..n_t-1`` (terms with ``t < lags[k]`` skipped; lags ascending, the oldest added
    first).  ``v`` and ``y`` are flat arrays."""
    base = np.arange(n_rows) * row_stride
    for t in range(n_t):
        acc = v[base + t * t_stride].copy()
        for k in range(len(lags) - 1, -1, -1):
            j = t - int(lags[k])
            if j >= 0:
                acc -= coefs[k] * y[base + j * t_stride]
        y[base + t * t_stride] = acc


@pytest.mark.parametrize("n_series,many", [(3, 1024), (5, 4), (1, 1024)])
@pytest.mark.parametrize("name", ["ar2", "seasonal", "unit_root"])
def test_ar_recursion_gpu_glue_with_emulated_kernel(n_series, many, name, monkeypatch):
    monkeypatch.setattr(_xp, "GPU_MIN_ROWS", 64)  # small blocks: exercise the scan on short series
    lags, coefs = AR_FILTERS[name]
    u = rng.standard_normal((n_series, 3001))
    zi = rng.standard_normal((n_series, max(lags)))
    want = _lfilter_ref(u, lags, coefs, zi)
    out = np.empty_like(u)
    blk = _xp.scan_block(n_series, 3001, max(lags), min_rows=64)
    assert blk >= max(lags)
    calls = []

    def launch(*args):
        calls.append(args[4:])
        emulate_ar_rows(*args)

    monkeypatch.setattr(_xp, "scan_block", lambda n, T, p, min_rows=64: blk)
    _xp.ar_recursion_gpu(u, lags, coefs, zi, out, np, launch, many_series=many)
    assert_rel(out, want)
    assert calls and all(c[2] == 1 and c[3] == c[0] for c in calls)  # transposed, coalesced layout


def test_ar_recursion_gpu_glue_nan_runs_one_thread_per_series():
    u = rng.standard_normal((2, 500))
    u[1, 100] = np.nan
    want = _lfilter_ref(u, [1, 2], [-1.2, 0.4], None)
    out = np.empty_like(u)
    _xp.ar_recursion_gpu(u, [2, 1], [0.4, -1.2], None, out, np, emulate_ar_rows)  # unsorted lags
    np.testing.assert_array_equal(np.isnan(out), np.isnan(want))
    fin = np.isfinite(want)
    np.testing.assert_allclose(out[fin], want[fin], rtol=1e-12)


def test_scan_block_gives_enough_rows():
    assert _xp.scan_block(1, 10**8, 2) * 65536 >= 10**8
    assert _xp.scan_block(4, 1000, 20) >= 32
    assert _xp.scan_block(1, 100, 365) == 365


# ---------------------------------------------------------------------------------------
# Batched ARMA objectives (fit_many on the GPU)
# ---------------------------------------------------------------------------------------


def _simulate_arma(n, T, ar, ma, seed):
    r = np.random.default_rng(seed)
    e = r.standard_normal((n, T + 100))
    y = signal.lfilter(np.r_[1.0, ma], np.r_[1.0, -np.asarray(ar, dtype=float)], e, axis=-1)
    return y[:, 100:]


@pytest.mark.parametrize("p,q", [(0, 0), (1, 0), (0, 1), (2, 1), (1, 3)])
def test_css_residuals_match_loop_and_lfilter(ns, p, q):
    n, T = 4, 120
    y = _simulate_arma(n, T, [0.5, -0.2][:p], [0.4, 0.1, -0.2][:q], 1)
    ar = rng.uniform(-0.5, 0.5, (n, p))
    ma = rng.uniform(-0.5, 0.5, (n, q))
    e = ns.get(_xp_arima.css_residuals_batch(ns.put(y), ns.put(ar), ns.put(ma), ns.xp))
    assert e.shape == (n, T - p)
    for s in range(n):
        assert_rel(e[s], reference.css_residuals_loop(y[s], ar[s], ma[s]))
        z = signal.lfilter(np.r_[1.0, -ar[s]], [1.0], y[s])[p:]
        assert_rel(e[s], signal.lfilter([1.0], np.r_[1.0, ma[s]], z))


def test_css_jacobian_matches_finite_differences(ns):
    n, T, p, q = 3, 80, 2, 2
    y = _simulate_arma(n, T, [0.5, -0.2], [0.3, 0.2], 2)
    ar = rng.uniform(-0.3, 0.3, (n, p))
    ma = rng.uniform(-0.3, 0.3, (n, q))
    J = ns.get(_xp_arima.css_jacobian_batch(ns.put(y), ns.put(ar), ns.put(ma), ns.xp))
    assert J.shape == (n, p + q, T - p)
    h = 1e-6
    for k in range(p + q):
        dp = np.zeros(p + q)
        dp[k] = h
        plus = reference.css_residuals_loop
        for s in range(n):
            th = np.r_[ar[s], ma[s]]
            ep = plus(y[s], (th + dp)[:p], (th + dp)[p:])
            em = plus(y[s], (th - dp)[:p], (th - dp)[p:])
            np.testing.assert_allclose(J[s, k], (ep - em) / (2 * h), rtol=1e-5, atol=1e-6)


def test_batched_gauss_newton_on_css_agrees_with_per_series_least_squares(ns):
    """The contract the GPU fit_many builds on: stepping all series together with J and e
    reaches the same CSS estimates as scipy's least_squares on each series."""
    n, T = 6, 300
    y = _simulate_arma(n, T, [0.6], [0.3], 3)
    y = y - y.mean(axis=1, keepdims=True)
    theta = np.tile([0.3, 0.0], (n, 1))  # at (0, 0) the AR and MA columns of J coincide
    yd = ns.put(y)
    for _ in range(30):
        th = ns.put(theta)
        e = _xp_arima.css_residuals_batch(yd, th[:, :1], th[:, 1:], ns.xp)
        J = _xp_arima.css_jacobian_batch(yd, th[:, :1], th[:, 1:], ns.xp, e=e)
        A = J @ J.transpose(0, 2, 1)
        g = (J @ e[:, :, None])[:, :, 0]
        step = ns.get(ns.xp.linalg.solve(A, -g[:, :, None])[:, :, 0])
        theta = theta + step
    for s in range(n):
        fit = optimize.least_squares(lambda t: reference.css_residuals_loop(y[s], t[:1], t[1:]), np.array([0.3, 0.0]), xtol=1e-14, ftol=1e-14)
        np.testing.assert_allclose(theta[s], fit.x, atol=1e-6)


@pytest.mark.parametrize("p,q,ar,ma", [(1, 1, [0.6], [0.3]), (2, 0, [0.5, -0.3], []), (0, 2, [], [0.4, 0.2])])
def test_css_fit_batch_agrees_with_per_series_least_squares(ns, p, q, ar, ma):
    n, T = 5, 250
    y = _simulate_arma(n, T, ar, ma, 7)
    y = y - y.mean(axis=1, keepdims=True)
    params, sigma2, ok = _xp_arima.css_fit_batch(ns.put(y), p, q, ns.xp)
    params, sigma2, ok = ns.get(params), ns.get(sigma2), ns.get(ok)
    assert ok.all()
    for s in range(n):
        fit = optimize.least_squares(lambda t: reference.css_residuals_loop(y[s], t[:p], t[p:]), np.zeros(p + q), xtol=1e-14, ftol=1e-14, gtol=1e-14)
        np.testing.assert_allclose(params[s], fit.x, atol=1e-6)
        np.testing.assert_allclose(sigma2[s], np.mean(fit.fun**2), rtol=1e-8)


def test_periodogram_and_spectrum_match_oracles_and_statsmodels(ns):
    from statsmodels.tsa.arima_process import arma_periodogram

    y = rng.standard_normal((3, 101))
    I, freqs = _xp_arima.periodogram_batch(ns.put(y), ns.xp)
    I = ns.get(I)
    for s in range(3):
        assert_rel(I[s], reference.periodogram_loop(y[s]))
    ar = np.array([[0.5, -0.3], [0.0, 0.0], [0.9, 0.0]])
    ma = np.array([[0.4], [-0.7], [0.0]])
    g = ns.get(_xp_arima.arma_spectrum_batch(freqs, ns.put(ar), ns.put(ma), ns.xp))
    for s in range(3):
        assert_rel(g[s], reference.arma_spectrum_loop(freqs, ar[s], ma[s]))
        _, sd = arma_periodogram(np.r_[1.0, -ar[s]], np.r_[1.0, ma[s]], worN=freqs)
        assert_rel(g[s], sd * np.sqrt(2 * np.pi))


def test_whittle_objective_matches_loop_and_is_minimised_near_the_truth(ns):
    y = _simulate_arma(2, 257, [0.5, -0.2], [0.3], 4)
    I, freqs = _xp_arima.periodogram_batch(ns.put(y), ns.xp)
    ar = np.array([[0.4, -0.1], [0.6, 0.0]])
    ma = np.array([[0.2], [0.0]])
    obj, s2 = _xp_arima.whittle_objective_batch(I, freqs, ns.put(ar), ns.put(ma), ns.xp)
    obj, s2 = ns.get(obj), ns.get(s2)
    for s in range(2):
        o_ref, s2_ref = reference.whittle_loop(y[s], ar[s], ma[s])
        assert_rel(obj[s], o_ref)
        assert_rel(s2[s], s2_ref)
    # a batch over a grid of AR(1) coefficients: the minimiser is close to the true 0.7
    x = _simulate_arma(1, 4000, [0.7], [], 5)
    Ix, fx = _xp_arima.periodogram_batch(ns.put(x), ns.xp)
    grid = np.linspace(-0.95, 0.95, 381)
    objg, s2g = _xp_arima.whittle_objective_batch(ns.xp.repeat(Ix, grid.size, axis=0), fx, ns.put(grid[:, None]), ns.put(np.zeros((grid.size, 0))), ns.xp)
    best = int(np.argmin(ns.get(objg)))
    assert abs(grid[best] - 0.7) < 0.05
    assert abs(ns.get(s2g)[best] - 1.0) < 0.1


def test_whittle_objective_is_inf_for_a_spectral_zero(ns):
    T = 64
    y = rng.standard_normal((1, T))
    I, freqs = _xp_arima.periodogram_batch(ns.put(y), ns.xp)
    k = 8  # theta(z) = 1 - 2 cos(w_k) z + z^2 vanishes at the Fourier frequency w_k
    ma = np.array([[-2 * np.cos(freqs[k - 1]), 1.0]])
    obj, _ = _xp_arima.whittle_objective_batch(I, freqs, ns.put(np.zeros((1, 0))), ns.put(ma), ns.xp)
    assert np.isinf(ns.get(obj)[0])


def test_css_rejects_series_shorter_than_the_ar_order():
    with pytest.raises(ValueError, match="too short for AR order"):
        _xp_arima.css_residuals_batch(np.ones((2, 2)), np.zeros((2, 2)), np.zeros((2, 0)), np)


# ---------------------------------------------------------------------------------------
# Backend selection: no silent host -> device movement
# ---------------------------------------------------------------------------------------


def test_numpy_input_with_backend_auto_never_reaches_the_gpu(monkeypatch):
    import convts.engine._convolve as conv

    real = conv.get_backend
    used = []

    def spy(name):
        used.append(name)
        if name == "cupy":
            raise AssertionError("a NumPy array was sent to the cupy backend")
        return real(name)

    monkeypatch.setattr(conv, "get_backend", spy)
    x = rng.standard_normal((2, 500))
    for k in (convts.kernels.moving_average(5), convts.kernels.ewma(0.3), np.ones(300) / 300):
        y = convts.convolve(x, k)
        assert isinstance(y, np.ndarray)
    assert used and "cupy" not in used


@pytest.mark.skipif(CUPY_OK, reason="CuPy and a GPU are present")
def test_without_cupy_the_backend_is_unavailable_with_a_clear_error():
    assert not available("cupy")
    with pytest.raises((ImportError, RuntimeError), match="cupy"):
        convts.convolve(np.ones(10), [0.5, 0.5], backend="cupy")


# ---------------------------------------------------------------------------------------
# Engine on CuPy arrays (GPU only)
# ---------------------------------------------------------------------------------------

ENGINE_CASES = [
    ("ma5", lambda: convts.kernels.moving_average(5), "direct"),
    ("ma5_fft", lambda: convts.kernels.moving_average(5), "fft"),
    ("taps300_oa", lambda: convts.Kernel(b=np.random.default_rng(1).standard_normal(300)), "overlap_add"),
    ("gauss", lambda: convts.kernels.gaussian(3.0), "auto"),
    ("ar2_rec", lambda: convts.kernels.arma(ar=[1.2, -0.5]), "recursive"),
    ("ar2_psi", lambda: convts.kernels.arma(ar=[1.2, -0.5]), "impulse_fft"),
    ("arma_auto", lambda: convts.kernels.arma(ar=[0.5], ma=[0.4, 0.2]), "auto"),
    ("integrate", lambda: convts.kernels.integrate(1), "recursive"),
]


@needs_gpu
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name,make,method", ENGINE_CASES, ids=[c[0] for c in ENGINE_CASES])
def test_engine_on_cupy_equals_numpy_reference(name, make, method, dtype):
    k = make()
    x = rng.standard_normal((3, 4000)).astype(dtype)
    want = convts.convolve(x.astype(np.float64), k, method="recursive" if not k.is_fir else "direct", backend="numpy")
    got = convts.convolve(cupy.asarray(x), k, method=method)
    assert isinstance(got, cupy.ndarray) and got.dtype == dtype
    assert_rel(cupy.asnumpy(got), want, dtype)


@needs_gpu
@pytest.mark.parametrize("n_series", [2, 2048])
def test_streaming_half_on_cpu_then_half_on_gpu_equals_whole_on_cpu(n_series):
    k = convts.kernels.arma(ar=[0.6, 0.2], ma=[0.3])
    x = rng.standard_normal((n_series, 3000))
    whole = convts.convolve(x, k, backend="numpy")
    y1, z1 = convts.convolve(x[:, :1500], k, backend="numpy", return_state=True)
    y2, z2 = convts.convolve(cupy.asarray(x[:, 1500:]), k, zi=cupy.asarray(z1), return_state=True, method="recursive")
    assert_rel(np.concatenate([y1, cupy.asnumpy(y2)], axis=1), whole)
    _, zf = convts.convolve(x, k, backend="numpy", return_state=True)
    assert_rel(cupy.asnumpy(z2), zf)


@needs_gpu
def test_explicit_backend_cupy_on_numpy_input_returns_numpy():
    x = rng.standard_normal((2, 1000))
    y = convts.convolve(x, convts.kernels.ewma(0.2), backend="cupy", method="recursive")
    assert isinstance(y, np.ndarray)
    assert_rel(y, convts.convolve(x, convts.kernels.ewma(0.2), backend="numpy"))


@needs_gpu
@pytest.mark.parametrize("n_series,T", [(1, 200_000), (3000, 300)])
def test_cupy_ar_recursion_backend_function(n_series, T):
    be = get_backend("cupy")
    u = rng.standard_normal((n_series, T))
    zi = rng.standard_normal((n_series, 2))
    want = _lfilter_ref(u, [1, 2], [-1.5, 0.7], zi)
    out = cupy.empty(u.shape)
    be.ar_recursion(cupy.asarray(u), np.array([1, 2]), np.array([-1.5, 0.7]), cupy.asarray(zi), out)
    assert_rel(cupy.asnumpy(out), want)


@needs_gpu
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_cupy_fir_direct_kernel(dtype):
    be = get_backend("cupy")
    for lags, coefs, start in FIR_CASES:
        x = rng.standard_normal((3, 5000)).astype(dtype)
        want = np.empty((3, 5004), dtype)
        ref_backend.fir_direct(x, lags, coefs, start, want)
        out = cupy.empty((3, 5004), dtype=dtype)
        be.fir_direct(cupy.asarray(x), lags, coefs, start, out)
        assert_rel(cupy.asnumpy(out), want, dtype)


@needs_gpu
@pytest.mark.parametrize("method", ["direct", "fft", "overlap_add", "recursive"])
def test_explicit_backend_cupy_on_numpy_input_every_method(method):
    # every backend function copies host input with cupy.asarray(order="C"); cupy.ascontiguousarray refused it
    x = rng.standard_normal((2, 3000))
    k = convts.kernels.ewma(0.2) if method == "recursive" else convts.Kernel(b=np.random.default_rng(2).standard_normal(40))
    y = convts.convolve(x, k, backend="cupy", method=method)
    assert isinstance(y, np.ndarray)
    assert_rel(y, convts.convolve(x, k, backend="numpy", method="recursive" if method == "recursive" else "direct"))


@needs_gpu
def test_cupy_sm_count_is_queried_once(monkeypatch):
    be = get_backend("cupy")
    be.sm_count()
    calls = []
    real = cupy.cuda.Device.attributes
    monkeypatch.setattr(cupy.cuda.Device, "attributes", property(lambda self: calls.append(1) or real.__get__(self)))
    x = cupy.asarray(rng.standard_normal((2, 500)))
    for _ in range(3):
        convts.convolve(x, convts.kernels.moving_average(5), method="direct")
        convts.convolve(x, convts.kernels.ewma(0.3), method="recursive")
    assert calls == []


@needs_gpu
@pytest.mark.parametrize("n_series,T", [(40_000, 100), (4, 100_000), (3, 50)])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_cupy_ar_recursion_both_plans(n_series, T, dtype):
    from convts.backends import _cuda_kernels as ck

    be = get_backend("cupy")
    plan = ck.ar_plan(n_series, T, 2, be.sm_count())
    u = rng.standard_normal((n_series, T)).astype(dtype)
    want = _lfilter_ref(u.astype(np.float64), [1, 2], [-1.5, 0.7], None)
    out = cupy.empty(u.shape, dtype=dtype)
    be.ar_recursion(cupy.asarray(u), np.array([1, 2]), np.array([-1.5, 0.7]), None, out)
    assert_rel(cupy.asnumpy(out), want, dtype)
    assert plan in ("rows", "scan")


@needs_gpu
def test_cupy_fir_float32_accumulates_in_float64():
    be = get_backend("cupy")
    x = rng.standard_normal((2, 5000)).astype(np.float32)
    lags = np.arange(64)
    coefs = rng.standard_normal(64)
    exact = np.empty((2, 5000))
    ref_backend.fir_direct(x.astype(np.float64), lags, coefs, 0, exact)
    out = cupy.empty((2, 5000), dtype=np.float32)
    be.fir_direct(cupy.asarray(x), lags, coefs, 0, out)
    got = cupy.asnumpy(out)
    w32 = exact.astype(np.float32)
    assert np.all(np.abs(got - w32) <= np.spacing(np.abs(w32)))  # one rounding of the float64 sum


@needs_gpu
def test_cupy_kernels_run_on_the_current_stream():
    k = convts.kernels.arma(ar=[0.6, 0.2], ma=[0.3])
    x = rng.standard_normal((3, 20_000))
    want = convts.convolve(x, k, backend="numpy")
    with cupy.cuda.Stream(non_blocking=True) as st:
        xd = cupy.asarray(x)
        y = convts.convolve(xd, k, method="recursive")
        yd = convts.convolve(xd, convts.kernels.moving_average(7), method="direct")
        st.synchronize()
    assert_rel(cupy.asnumpy(y), want)
    assert_rel(cupy.asnumpy(yd), convts.convolve(x, convts.kernels.moving_average(7), backend="numpy"))


@needs_gpu
@pytest.mark.parametrize("shape", [(50, 200), (50, 4, 200)])
def test_cupy_ma_inverse_matches_lfilter(shape):
    be = get_backend("cupy")
    z = rng.standard_normal(shape)
    ma = rng.uniform(-0.6, 0.6, (shape[0], 2))
    w = cupy.asnumpy(be.ma_inverse(cupy.asarray(z), cupy.asarray(ma)))
    zz = z.reshape(shape[0], -1, shape[-1])
    ww = w.reshape(zz.shape)
    for s in range(shape[0]):
        for c in range(zz.shape[1]):
            assert_rel(ww[s, c], signal.lfilter([1.0], np.r_[1.0, ma[s]], zz[s, c]))


# ---------------------------------------------------------------------------------------
# Whittle on the device: tables computed once per grid, analytic gradient, the batched fit
# ---------------------------------------------------------------------------------------


def test_spectrum_on_two_grids_of_one_length(ns):
    # the cos/sin tables are cached per frequency grid: a second grid of the same size must not reuse the first
    ar = np.array([[0.5, -0.3]])
    ma = np.array([[0.4]])
    for T in (101, 102, 101):
        freqs = 2 * np.pi * np.arange(1, 51) / T
        g = ns.get(_xp_arima.arma_spectrum_batch(freqs, ns.put(ar), ns.put(ma), ns.xp))
        assert_rel(g[0], reference.arma_spectrum_loop(freqs, ar[0], ma[0]))


@pytest.mark.parametrize("p,q", [(1, 0), (0, 2), (2, 1)])
def test_whittle_gradient_matches_differences_of_the_loop_oracle(ns, p, q):
    y = _simulate_arma(2, 101, [0.5, -0.2][:p], [0.3, 0.1][:q], 8)
    ar = rng.uniform(-0.4, 0.4, (2, p))
    ma = rng.uniform(-0.4, 0.4, (2, q))
    I, freqs = _xp_arima.periodogram_batch(ns.put(y), ns.xp)
    grad = ns.get(_xp_arima.whittle_gradient_batch(I, freqs, ns.put(ar), ns.put(ma), ns.xp))
    assert grad.shape == (2, p + q)
    h = 1e-6
    for s in range(2):
        c = np.r_[ar[s], ma[s]]
        for j in range(p + q):
            e = np.zeros(p + q)
            e[j] = h
            fp = reference.whittle_loop(y[s], (c + e)[:p], (c + e)[p:])[0]
            fm = reference.whittle_loop(y[s], (c - e)[:p], (c - e)[p:])[0]
            np.testing.assert_allclose(grad[s, j], (fp - fm) / (2 * h), rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("p,q,ar,ma", [(1, 1, [0.6], [0.3]), (2, 0, [0.5, -0.3], []), (0, 2, [], [0.4, 0.2])])
def test_whittle_fit_batch_agrees_with_scipy_on_the_loop_objective(ns, p, q, ar, ma):
    n, T = 4, 301
    y = _simulate_arma(n, T, ar, ma, 9)
    I, freqs = _xp_arima.periodogram_batch(ns.put(y), ns.xp)
    params, sigma2, ok = (ns.get(a) for a in _xp_arima.whittle_fit_batch(I, freqs, p, q, ns.xp))
    assert ok.all()
    for s in range(n):
        pg = reference.periodogram_loop(y[s])

        def objective(c, pg=pg):
            g = reference.arma_spectrum_loop(freqs, c[:p], c[p:])
            return np.log(np.mean(pg / g)) + np.mean(np.log(g))

        fit = optimize.minimize(objective, np.zeros(p + q), method="Nelder-Mead",
                                options=dict(xatol=1e-10, fatol=1e-14, maxiter=20000))
        np.testing.assert_allclose(params[s], fit.x, atol=1e-5)
        np.testing.assert_allclose(sigma2[s], np.mean(pg / reference.arma_spectrum_loop(freqs, fit.x[:p], fit.x[p:])), rtol=1e-6)
