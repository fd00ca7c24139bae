"""The engine's per-call fast path, the fused short-kernel loop, the shared overlap-add and the
thread choice (issue 16), each against an independent oracle: the loops of tests/reference.py,
numpy.convolve and scipy.signal.oaconvolve."""

from __future__ import annotations

import subprocess
import sys
import tracemalloc
import warnings

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from reference import fir_loop
from scipy import signal

import convts
from convts import Kernel
from convts.backends import _numba as nbk
from convts.backends import _overlap_add as oa
from convts.engine import _choose
from convts.engine import _convolve as engine

LINEAR_MODES = ("causal", "same", "full", "valid")


def assert_same_values(y, ref, scale, rtol):
    """NaN where the oracle has NaN, the same infinities, finite values within ``rtol * scale``."""
    y = np.asarray(y, dtype=np.float64)
    ref = np.asarray(ref, dtype=np.float64)
    assert y.shape == ref.shape
    np.testing.assert_array_equal(np.isnan(y), np.isnan(ref))
    inf = np.isinf(ref)
    np.testing.assert_array_equal(y[inf], ref[inf])
    ok = np.isfinite(ref)
    assert np.all(np.isfinite(y[ok]))
    np.testing.assert_allclose(y[ok], ref[ok], rtol=0, atol=rtol * scale)


def loop_rows(x2, taps, mode):
    lags = np.arange(len(taps))
    return np.array([fir_loop(row, lags, taps, mode=mode) for row in x2])


@st.composite
def series_and_taps(draw):
    dtype = draw(st.sampled_from([np.float64, np.float32]))
    big = 1e300 if dtype == np.float64 else 1e30
    scale = draw(st.sampled_from([1.0, 1e-300 if dtype == np.float64 else 1e-30, big]))
    T = draw(st.integers(1, 60))
    rows = draw(st.integers(1, 3))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    x = (rng.standard_normal((rows, T)) * scale).astype(dtype)
    for _ in range(draw(st.integers(0, 3))):  # NaN/inf anywhere
        x[draw(st.integers(0, rows - 1)), draw(st.integers(0, T - 1))] = draw(st.sampled_from([np.nan, np.inf, -np.inf]))
    k = draw(st.integers(1, 5))
    kind = draw(st.sampled_from(["random", "uniform", "zeros_inside"]))
    taps = rng.uniform(-10, 10, k)
    if kind == "uniform":
        taps[:] = taps[0]
    elif kind == "zeros_inside" and k > 2:
        taps[1 : k - 1 : 2] = 0.0  # zero taps are no terms: NaN/inf must not pass through them
    return x, taps


@given(series_and_taps(), st.sampled_from(LINEAR_MODES), st.sampled_from(["list", "array", "kernel"]),
       st.booleans())
@example((np.array([[np.inf, 1.0, -np.inf]]), np.array([1.0, 0.0, 2.0])), "full", "list", False)
def test_fast_path_equals_the_loop_oracle(case, mode, given_as, one_d):
    """Every input the fast path takes (1-D or 2-D, float32/float64, raw taps or a Kernel,
    NaN/inf anywhere, magnitudes 1e-300..1e300): the textbook loop's values, NaN and inf."""
    x, taps = case
    T, k = x.shape[1], taps.size
    if mode == "valid" and T < k:
        with pytest.raises(ValueError, match="mode='valid' needs a series at least as long"):
            convts.convolve(x, taps, mode=mode)
        return
    kernel = {"list": taps.tolist(), "array": taps, "kernel": Kernel(b=taps)}[given_as]
    xin = x[0] if one_d else x
    y = convts.convolve(xin, kernel, mode=mode)
    assert y.dtype == x.dtype and y.ndim == xin.ndim
    ref = loop_rows(x.astype(np.float64), taps, mode)
    finite = x[np.isfinite(x)]
    scale = np.abs(taps).sum() * (np.abs(finite).max() if finite.size else 1.0)
    rtol = 1e-12 if x.dtype == np.float64 else 1e-6
    assert_same_values(np.atleast_2d(y), ref[:1] if one_d else ref, scale, rtol)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("k", [1, 2, 3, 5, 7])
def test_fused_short_kernels_across_blocks_equal_numpy_convolve(dtype, k):
    """The fused loops (a group of 1-3 taps written in one pass, no zero fill) on rows that span
    several blocks of the direct kernel, NaN/inf at block edges: np.convolve's values where the
    window is finite, the loop oracle's NaN/inf elsewhere; batch rows along axis 0 and -1."""
    rng = np.random.default_rng(k)
    T = 3 * nbk._BLOCK + 29
    x = rng.standard_normal((3, T)).astype(dtype)
    taps = rng.uniform(-2, 2, k)
    y = convts.convolve(x, taps, mode="full")
    for r in range(3):
        want = np.convolve(x[r].astype(np.float64), taps)
        np.testing.assert_allclose(y[r], want, rtol=0, atol=(1e-12 if dtype == np.float64 else 1e-5) * np.abs(taps).sum() * 4)
    np.testing.assert_array_equal(convts.convolve(x.T, taps, mode="full", axis=0).T, y)
    edges = [0, nbk._BLOCK - 1, nbk._BLOCK, 2 * nbk._BLOCK + 1, T - 1]
    x[1, edges] = [np.nan, np.inf, -np.inf, np.inf, np.nan]
    y = convts.convolve(x, taps, mode="causal")
    assert_same_values(y, loop_rows(x.astype(np.float64), taps, "causal"), 4 * np.abs(taps).sum(),
                       1e-12 if dtype == np.float64 else 1e-5)


def test_raw_taps_equal_the_kernel_and_keep_the_kernels_errors():
    rng = np.random.default_rng(0)
    x = rng.standard_normal(500)
    for taps in ([0.25, 0.5, 0.25], [0.0, 1.0, 0.0, 0.0], [1, 2, 3], [True, False, True], [2.0]):
        for mode in LINEAR_MODES:
            np.testing.assert_array_equal(convts.convolve(x, taps, mode=mode), convts.convolve(x, Kernel(b=taps), mode=mode))
    # all-zero taps: a Kernel reduces their extent to one lag; the fast path defers to it
    assert convts.convolve(x, [0.0, 0.0, 0.0], mode="full").shape == convts.convolve(x, Kernel(b=[0.0, 0.0, 0.0]), mode="full").shape
    with pytest.raises(ValueError, match="non-finite values at positions"):
        convts.convolve(x, [1.0, np.nan])
    with pytest.raises(TypeError, match="complex"):
        convts.convolve(x, np.array([1.0 + 1j]))
    with pytest.raises(ValueError, match="must be 1-D"):
        convts.convolve(x, np.ones((2, 2)))
    with pytest.raises(ValueError, match="x is empty"):
        convts.convolve(np.array([]), [1.0])


@pytest.mark.parametrize("dtype", [">f8", "<f8", ">f4", "<f4", ">i4"])
def test_any_byte_order_gives_the_native_result(dtype):
    """A big-endian array (read from a file, a network buffer) is converted like any other
    non-native input, not handed to the compiled loops (which refuse its byte order)."""
    x = np.arange(1.0, 21.0).astype(dtype)
    want = fir_loop(np.arange(1.0, 21.0), [0, 1, 2], [0.5, 0.25, -1.0], mode="full")
    for kernel in ([0.5, 0.25, -1.0], Kernel(b=[0.5, 0.25, -1.0])):
        y = convts.convolve(x, kernel, mode="full")
        assert y.dtype.isnative and y.dtype == (np.float32 if dtype[-2:] == "f4" else np.float64)
        np.testing.assert_allclose(y, want, rtol=1e-6)


def test_raw_taps_are_read_at_every_call():
    """The plan kept for raw taps is keyed by their values: a caller changing the array in place
    gets the new taps, and the kept copy does not follow the caller's array."""
    x = np.arange(1.0, 8.0)
    taps = np.array([1.0, 2.0])
    first = convts.convolve(x, taps)
    taps[0] = 5.0
    np.testing.assert_array_equal(convts.convolve(x, taps), fir_loop(x, [0, 1], [5.0, 2.0]))
    taps[0] = 1.0
    np.testing.assert_array_equal(convts.convolve(x, taps), first)
    for i in range(engine._RAW_TAPS_MAX + 5):  # the table stays bounded
        convts.convolve(x, [1.0, float(i)])
    assert len(engine._RAW_TAPS) <= engine._RAW_TAPS_MAX


def test_fast_path_leaves_the_caller_data_alone():
    x = np.arange(10.0)
    x.flags.writeable = False
    y = convts.convolve(x, [0.5, 0.5])
    y[:] = 0.0  # the result is the caller's own array
    np.testing.assert_array_equal(x, np.arange(10.0))
    np.testing.assert_array_equal(convts.convolve(x[::2], [1.0, -1.0]), fir_loop(x[::2], [0, 1], [1.0, -1.0]))


def test_the_models_shortcut_is_the_models_answer():
    """choose_fir_method answers 'direct' without evaluating the model for n_taps <= 64 on
    numba: the full model agrees on that whole range."""
    for n_taps in (1, 2, 3, 8, 16, 33, 64):
        for T in (1, 2, 3, 5, 15, 16, 17, 100, 1000, 10**5, 10**8):
            for uniform in (False, True):
                costs = _choose.fir_costs(n_taps, n_taps, T, uniform and n_taps > 1, "numba")
                assert min(costs, key=costs.get) == "direct", (n_taps, T, costs)


# -------------------------------------------------------------------------------- overlap-add


def test_one_block_rule():
    for m in (1, 2, 16, 100, 513, 600, 1000, 4096, 65536, 300000):
        for T in (1, 50, 10**4, 10**8):
            N = oa.oa_block_size(m, T)
            assert N & (N - 1) == 0 and N >= 2 * m - 1
            want = min(max(8 * m, 4096), max(2**18, 2 * m))
            whole = max(T + m - 1, 2 * m - 1, 2)
            assert N < 2 * whole  # never much longer than one block covering the row
            if whole >= 2 * want:  # a long row: the power of two nearest ~8 m (>= 4096, <= 2**18)
                assert want / 2**0.5 <= N <= want * 2**0.5 or N == 1 << (2 * m - 2).bit_length()
    from convts.backends import _numpy, _xp

    # one rule for the cost model and the GPU code; numpy and numba run the same loop
    assert _xp.oa_block_size is oa.oa_block_size and _choose.oa_block_size is oa.oa_block_size
    x = np.random.default_rng(0).standard_normal((2, 5000))
    b = np.random.default_rng(1).standard_normal(77)
    out_np, out_nb = np.empty((2, 5000)), np.empty((2, 5000))
    np.testing.assert_array_equal(_numpy.oa_into(x, b, 3, out_np), nbk.oa_into(x, b, 3, out_nb))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("m, T, group", [(1, 500, None), (5, 301, 64), (129, 3000, 1024), (600, 700, None),
                                         (50, 20, None), (16, 10**4, 4096)])
def test_oa_into_windows_equal_oaconvolve(monkeypatch, dtype, m, T, group):
    """Every window of the full convolution (starting before it, inside it, past its end), with
    groups of blocks forced small so that tails cross group boundaries."""
    if group is not None:
        monkeypatch.setattr(oa, "GROUP_ELEMENTS", group)
    rng = np.random.default_rng(m + T)
    x = rng.standard_normal((2, T)).astype(dtype)
    b = rng.standard_normal(m)
    full = signal.oaconvolve(x.astype(np.float64), b[None, :], axes=-1)
    n_full = full.shape[1]
    tol = (1e-10 if dtype == np.float64 else 2e-4) * np.abs(b).sum() * 4
    for i0, n_out in ((0, n_full), (0, T), (-7, T), ((m - 1) // 2, T), (m - 1, max(T - m + 1, 1)), (n_full - 3, 10),
                      (n_full + 5, 4), (-20, 5)):
        out = np.full((2, n_out), np.nan, dtype)
        nbk.oa_into(x, b, i0, out)
        want = np.zeros((2, n_out))
        lo, hi = max(0, -i0), min(n_out, n_full - i0)
        if hi > lo:
            want[:, lo:hi] = full[:, i0 + lo : i0 + hi]
        assert out.dtype == dtype
        np.testing.assert_allclose(out, want, rtol=0, atol=tol, err_msg=f"i0={i0} n_out={n_out}")


def test_oa_into_zero_nonfinite_reads_them_as_zero(monkeypatch):
    monkeypatch.setattr(oa, "GROUP_ELEMENTS", 256)
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 2000))
    x[0, [5, 900, 1999]] = [np.nan, np.inf, -np.inf]
    b = rng.standard_normal(40)
    out = np.empty((2, 2039))
    nbk.oa_into(x, b, 0, out, zero_nonfinite=True)
    clean = np.where(np.isfinite(x), x, 0.0)
    np.testing.assert_allclose(out, signal.oaconvolve(clean, b[None, :], axes=-1), atol=1e-10 * np.abs(b).sum())
    assert np.isnan(x[0, 5])  # the caller's data untouched


@given(st.integers(1, 400), st.integers(1, 90), st.sampled_from(LINEAR_MODES), st.integers(-3, 3),
       st.sampled_from([np.float64, np.float32]), st.integers(0, 2))
def test_overlap_add_through_the_engine_equals_the_loop(T, m, mode, shift, dtype, n_bad):
    """method='overlap_add' in every linear mode, with delayed and centred kernels, NaN/inf
    repaired exactly: the loop oracle."""
    rng = np.random.default_rng(T * 1000 + m)
    x = rng.standard_normal((2, T)).astype(dtype)
    x[1, rng.integers(0, T, n_bad)] = np.nan
    kernel = Kernel(b=rng.standard_normal(m), lags=np.arange(m) + shift)
    if mode == "valid" and T < m:
        return
    y = convts.convolve(x, kernel, mode=mode, method="overlap_add")
    ref = np.array([fir_loop(row, kernel.b_lags, kernel.b_coefs, mode=mode) for row in x.astype(np.float64)])
    assert y.dtype == dtype
    assert_same_values(y, ref, np.abs(kernel.b_coefs).sum() * 4, 1e-9 if dtype == np.float64 else 3e-5)


def test_overlap_add_memory_is_bounded():
    """The overlap-add allocates its output and a few groups of blocks, whatever the length of
    the series: for k = 4096 on 4e6 samples NumPy's allocations (tracemalloc) beyond the
    output stay under 0.2x input + output (the former whole-length copies took 2.1x)."""
    x = np.random.default_rng(0).standard_normal(4_000_000)
    b = np.random.default_rng(1).standard_normal(4096) / 64
    convts.convolve(x[:100_000], b, method="overlap_add")  # load everything first
    tracemalloc.start()
    try:
        y = convts.convolve(x, b, method="overlap_add")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    extra = peak - y.nbytes
    assert extra < 0.2 * (x.nbytes + y.nbytes), extra / (x.nbytes + y.nbytes)
    idx = np.r_[0:50, 2_000_000:2_000_050, 3_999_950:4_000_000]
    want = np.array([x[max(0, t - 4095) : t + 1][::-1] @ b[: min(t + 1, 4096)] for t in idx])
    np.testing.assert_allclose(y[idx], want, atol=1e-10 * np.abs(b).sum() * 5)


# -------------------------------------------------------------------------------- threads


def test_threads_follow_the_free_cores(monkeypatch):
    monkeypatch.setattr(nbk, "_n_threads", lambda: 8)
    with convts.set_options(numba_parallel=True):
        monkeypatch.setattr(nbk, "_free_cores", lambda: 1)
        assert nbk._threads(1e12, 1000) == 1
        monkeypatch.setattr(nbk, "_free_cores", lambda: 3)
        assert nbk._threads(1e12, 1000) == 3
        assert nbk._threads(2.5 * nbk.PARALLEL_MIN_WORK, 1000) == 2  # one thread per unit of work
        assert nbk._threads(nbk.PARALLEL_MIN_WORK - 1, 1000) == 1
        assert nbk._threads(1e12, 1) == 1
    with convts.set_options(numba_parallel=False):
        assert nbk._threads(1e12, 1000) == 1


def test_free_cores_sees_a_busy_process():
    """With a busy child process running, at most all but one of this process's cores count as
    free (other processes on the machine can only lower the count)."""
    import os

    cores = len(os.sched_getaffinity(0))
    child = subprocess.Popen([sys.executable, "-c", "import time\nt = time.time()\nwhile time.time() - t < 20: pass"])
    try:
        import time

        time.sleep(0.3)
        seen = [nbk._free_cores() for _ in range(20)]
    finally:
        child.kill()
        child.wait(timeout=10)
    assert all(1 <= s <= max(1, cores - 1) for s in seen), seen


def test_dynamic_chunks_cover_every_task_once(monkeypatch):
    """Threads take chunks from a shared counter: every task runs exactly once, whichever
    thread takes it."""
    monkeypatch.setattr(nbk, "_POOL", None)
    monkeypatch.setattr(nbk, "_n_threads", lambda: 3)
    seen = []

    class Fake:
        @staticmethod
        def dispatcher(dtype):
            return lambda a, t0, t1: seen.extend(range(t0, t1))

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        nbk._run_tasks(Fake, (np.zeros(1),), 101, 3)
    assert sorted(seen) == list(range(101))
    nbk._pool().shutdown()


def test_numba_threading_layer_is_set_unless_the_environment_chose_one():
    """convts sets numba's threading layer to its option (default 'workqueue': no OpenMP
    workers spinning after each job) when it first loads numba, and leaves an explicit
    NUMBA_THREADING_LAYER alone."""
    import os

    code = ("import numba, convts\nfrom convts.backends import get_backend\nget_backend('numba')\n"
            "print(numba.config.THREADING_LAYER)")
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_THREADING_LAYER"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120, check=True)
    assert out.stdout.split()[-1] == convts.get_option("numba_threading_layer") == "workqueue"
    env["NUMBA_THREADING_LAYER"] = "omp"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120, check=True)
    assert out.stdout.split()[-1] == "omp"


@given(st.integers(2, 300), st.integers(0, 40), st.integers(0, 2**32 - 1), st.booleans())
def test_acf_small_series_paths_equal_statsmodels_and_the_loop(n, nlags, seed, adjusted):
    """acf's short-series path (lag products from one np.correlate call, the variance as one dot)
    against statsmodels' acf and the loop oracle's autocovariances."""
    from reference import acovf_loop
    from statsmodels.tsa.stattools import acf as sm_acf

    nlags = min(nlags, n - 1)
    x = np.random.default_rng(seed).standard_normal(n) * 3.0 + 1.0
    got = convts.acf(x, nlags, adjusted=adjusted)
    np.testing.assert_allclose(got, sm_acf(x, nlags=nlags, adjusted=adjusted, fft=False), rtol=1e-10, atol=1e-12)
    g = np.asarray(acovf_loop(x, nlags, adjusted=adjusted))
    np.testing.assert_allclose(convts.acovf(x, nlags, adjusted=adjusted), g, rtol=1e-10, atol=1e-12 * abs(g[0]))


def test_uniform_moving_average_is_built_once():
    """kernels.moving_average without weights returns one shared (immutable) kernel per
    (window, center), with the same taps and lags as building it."""
    from convts import kernels as K

    for window, center in ((1, False), (4, False), (4, True), (7, True)):
        k = K.moving_average(window, center=center)
        assert k is K.moving_average(window, center=center)
        lags = np.arange(window) - ((window - 1) // 2 if center else 0)
        assert k == Kernel(b=np.full(window, 1.0 / window), lags=lags)
    assert K.moving_average(3) is not K.moving_average(3, center=True)


@given(st.integers(0, 2**32 - 1), st.sampled_from(["positive", "normal", "spike", "zeros"]),
       st.sampled_from([np.float64, np.float32]))
def test_moving_sum_scale_check_equals_its_definition(seed, kind, dtype):
    """The running sum's scale check (one integer min/max pass, the count pass only when some
    output is low) answers exactly 'some output and its entering value are both below 2**-12
    of the range's largest |output|', computed here with NumPy."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 600))
    x = rng.standard_normal(n + 40)
    if kind == "positive":
        x = 100.0 + np.abs(x)
    elif kind == "spike":
        x[rng.integers(0, n + 40)] = 1e16
    elif kind == "zeros":
        x[rng.integers(0, n + 40, 5)] = 0.0
    x = x.astype(dtype)
    o = (rng.standard_normal(n) * (1e-6 if kind == "spike" else 1.0)).astype(dtype)
    if kind == "spike":
        o[rng.integers(0, n)] = 1e15
    elif kind == "positive":  # no low output: the early exit
        o = (50.0 + np.abs(o)).astype(dtype)
    a, w = 17, 1.0 / 16
    got = nbk._scale_dropped(x, o, a, w, 0, n)
    th = nbk._RHO * np.abs(o.astype(np.float64)).max()
    want = bool(np.any((np.abs(o) < th) & (w * np.abs(x[a : a + n].astype(np.float64)) < th)))
    assert got == want
