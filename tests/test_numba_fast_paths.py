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


# ---------------------------------------------------------------------------------------------
# NaN/inf without an up-front check: the uniform running sum flags the blocks that met one and
# they are recomputed directly; auto -> direct never checks.  Against tests/reference.py.
# ---------------------------------------------------------------------------------------------

from reference import fir_loop  # noqa: E402

from convts.engine import _convolve  # noqa: E402

BAD = (np.nan, np.inf, -np.inf)


def _touched(T, n_out, lo, hi, start):
    """Per uniform task (one row): the inputs its windows cover, [first, last] (clipped)."""
    n_blocks = -(-n_out // nbk._UBLOCK)
    out = []
    for b in range(n_blocks):
        t0, t1 = b * nbk._UBLOCK, min(n_out, (b + 1) * nbk._UBLOCK)
        out.append((max(0, start + t0 - hi), min(T - 1, start + t1 - 1 - lo)))
    return out


def _boundary_positions(T, n_out, lo, hi, start):
    """Input indices at every block edge, at the interior's four segment edges (see
    backends._numba._uniform_interior) and at the window edges around them."""
    pos = {0, 1, T - 2, T - 1}
    m = hi - lo + 1
    for b in range(-(-n_out // nbk._UBLOCK)):
        t0, t1 = b * nbk._UBLOCK, min(n_out, (b + 1) * nbk._UBLOCK)
        h = min(t1, max(t0, 1 - (start - hi)))
        e = max(h, min(t1, T - (start - lo)))
        L = (e - h) // 4
        for t in (t0, t1 - 1, h, e - 1, h + L, h + 2 * L, h + 3 * L):
            for j in (start + t - hi, start + t - lo):  # oldest and newest input of output t
                pos.update({j - 1, j, j + 1, j + m})
    return sorted(p for p in pos if 0 <= p < T)


@pytest.mark.parametrize("lo, hi, start", [(0, 15, 0), (0, 15, 15), (-7, 7, 0), (3, 40, 50), (0, 300, 0)])
def test_uniform_check_is_nonfinite_exactly_when_a_block_meets_nan_inf(lo, hi, start):
    """The claim fir_uniform relies on, both ways: a block's returned running sums are
    non-finite if and only if one of its windows holds a NaN/inf (NaN, +inf, -inf, +inf and
    -inf together, a NaN that enters and leaves inside the block)."""
    T = 3 * nbk._UBLOCK + 123
    n_out = T + hi - lo
    base = np.random.default_rng(hi).standard_normal((1, T))
    spans = _touched(T, n_out, lo, hi, start)
    for p in _boundary_positions(T, n_out, lo, hi, start):
        for bad in BAD + ("+-inf",):
            x = base.copy()
            if bad == "+-inf":  # both signs in one window: inf - inf is NaN
                x[0, p] = np.inf
                q = min(T - 1, p + (hi - lo) // 2)
                x[0, q] = -np.inf
                idx = {p, q}
            else:
                x[0, p] = bad
                idx = {p}
            check = np.full(len(spans), 0.5)
            nbk._fir_uniform(nbk._ro(x), np.int64(lo), np.int64(hi), 0.25, np.int64(start), np.empty((1, n_out)), check, 0, check.size)
            expect = [any(a <= i <= b for i in idx) for a, b in spans]
            assert (~np.isfinite(check)).tolist() == expect, (p, bad)


def _oracle_rows(x, lags, coefs, mode):
    return np.stack([fir_loop(r, lags, coefs, mode) for r in x])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("mode", ["causal", "full", "same"])
def test_uniform_nan_inf_at_block_boundaries_match_loop(threads, dtype, mode):
    """Spaced NaN/+inf/-inf at every block and segment edge of a moving sum: each block is
    flagged and recomputed; the outputs between the gaps stay finite and exact."""
    k = convts.kernels.moving_average(16)
    T = 3 * nbk._UBLOCK + 123
    x = np.random.default_rng(7).standard_normal((2, T)) + 3
    pos = _boundary_positions(T, T + 15, 0, 15, 0)
    pos = [p for i, p in enumerate(pos) if i == 0 or p - pos[i - 1] > 20]  # finite outputs in between
    x[0, pos] = np.resize(BAD, len(pos))
    x[1, 4000:4003] = [np.inf, 1.0, -np.inf]  # both signs in one window: NaN
    x = x.astype(dtype)
    ref = _oracle_rows(x.astype(np.float64), k.ma_lags, k.ma_coefs, mode)
    got = convts.convolve(x, k, mode=mode)
    tol = 1e-12 if dtype == np.float64 else 2e-6
    np.testing.assert_allclose(got, ref, rtol=tol, atol=tol * 4)


@pytest.mark.parametrize("bad", BAD)
def test_uniform_nan_inside_a_block_leaves_it(threads, bad, monkeypatch):
    """One NaN/inf in the middle of a long series (one flagged block, recomputed alone) and in
    more than eight blocks of some rows (whole rows recomputed); never an up-front check."""
    monkeypatch.setattr(_convolve, "_has_nonfinite", _no_check)
    k = convts.kernels.moving_average(16)
    rng = np.random.default_rng(11)
    x = rng.standard_normal(3 * nbk._UBLOCK + 5)
    x[nbk._UBLOCK + 1000] = bad  # enters and leaves the window inside block 1
    np.testing.assert_allclose(convts.convolve(x, k), fir_loop(x, k.ma_lags, k.ma_coefs), rtol=1e-12, atol=1e-12)
    X = rng.standard_normal((3, 10 * nbk._UBLOCK + 7))
    X[1, 100 :: nbk._UBLOCK] = bad  # every block of row 1: more than eight tasks
    got = convts.convolve(X, k)
    np.testing.assert_allclose(got[1], fir_loop(X[1], k.ma_lags, k.ma_coefs), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(got[[0, 2]], npk.fir_uniform(X[[0, 2]], 0, 15, 1 / 16, 0, np.empty((2, X.shape[1]))), rtol=1e-12, atol=1e-12)
    X[:, 50 :: nbk._UBLOCK] = bad  # every row flagged: one direct call on the whole batch
    got = convts.convolve(X, k)
    np.testing.assert_allclose(got[2], fir_loop(X[2], k.ma_lags, k.ma_coefs), rtol=1e-12, atol=1e-12)


def _no_check(x2):
    raise AssertionError("the NaN/inf check ran on a direct FIR path")


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("mode", ["causal", "full", "same", "valid", "circular"])
def test_auto_direct_spreads_nan_inf_without_a_check(threads, dtype, mode, monkeypatch):
    """method='auto' picking direct (and method='direct') run no NaN/inf check and still equal
    the loop oracle: NaN, +inf, -inf, both infs in one window, zero end taps over an inf."""
    monkeypatch.setattr(_convolve, "_has_nonfinite", _no_check)
    rng = np.random.default_rng(3)
    T = 2 * nbk._BLOCK + 37
    x = rng.standard_normal(T)
    x[[0, 5, nbk._BLOCK - 1, nbk._BLOCK, 1500, 1502, T - 1]] = [np.nan, np.inf, -np.inf, np.nan, np.inf, -np.inf, np.inf]
    x = x.astype(dtype)
    for b in (rng.standard_normal(3), rng.standard_normal(16), np.array([0.0, 0.5, -0.25, 0.0])):
        k = convts.Kernel(b=b)
        ref = fir_loop(x.astype(np.float64), k.ma_lags, k.ma_coefs, mode)
        tol = 1e-12 if dtype == np.float64 else 2e-5
        for method in ("auto", "direct"):
            got = convts.convolve(x, k, mode=mode, method=method)
            np.testing.assert_allclose(got, ref, rtol=tol, atol=tol * 4, err_msg=f"{method} {b.size} taps")


def test_fft_paths_still_check(monkeypatch):
    """FFT and overlap-add (explicit, or auto on a long kernel) still check and repair."""
    calls = []
    real = _convolve._has_nonfinite
    monkeypatch.setattr(_convolve, "_has_nonfinite", lambda x2: calls.append(1) or real(x2))
    rng = np.random.default_rng(5)
    x = rng.standard_normal(5000)
    x[[100, 2000]] = [np.nan, -np.inf]
    b = rng.standard_normal(300)
    ref = fir_loop(x, np.arange(300), b)
    for method in ("fft", "overlap_add", "auto"):
        calls.clear()
        np.testing.assert_allclose(convts.convolve(x, b, method=method), ref, rtol=1e-9, atol=1e-9 * np.abs(b).sum())
        assert calls, method


@pytest.mark.parametrize("n_threads", [2, 3])
def test_tasks_shared_over_threads_equal_serial(monkeypatch, n_threads):
    """The kernels are serial loops over task ranges; _run_tasks splits the tasks over a thread
    pool.  Forced on small inputs (no work threshold, 2-3 threads): every kernel gives the
    NumPy reference's numbers (scipy.signal.lfilter for the recursion) at every chunk edge."""
    monkeypatch.setattr(nbk, "PARALLEL_MIN_WORK", 0)
    monkeypatch.setattr(nbk, "_n_threads", lambda: n_threads)
    monkeypatch.setattr(nbk, "_free_cores", lambda: n_threads)  # as on an idle machine
    monkeypatch.setattr(nbk, "_POOL", None)
    rng = np.random.default_rng(5)
    x = rng.standard_normal((5, 3 * nbk._UBLOCK + 17))
    lags, coefs = np.array([0, 1, 3, 7]), np.array([0.5, -0.25, 0.125, 1.0])
    with convts.set_options(numba_parallel=True):
        got = nbk.fir_direct(x, lags, coefs, 0, np.empty_like(x))
        np.testing.assert_allclose(got, npk.fir_direct(x, lags, coefs, 0, np.empty_like(x)), rtol=1e-12, atol=1e-12)
        got = nbk.fir_uniform(x, 0, 15, 1 / 16, 0, np.empty_like(x))
        np.testing.assert_allclose(got, npk.fir_uniform(x, 0, 15, 1 / 16, 0, np.empty_like(x)), rtol=1e-12, atol=1e-12)
        got = nbk.ar_recursion(x, np.array([1, 2]), np.array([-0.5, 0.2]), None, np.empty_like(x))
        np.testing.assert_allclose(got, ss.lfilter([1.0], [1.0, -0.5, 0.2], x, axis=-1), rtol=1e-12, atol=1e-12)
        v = rng.standard_normal(40 * nbk._TIME_BLOCK)
        ref = np.array([v[: v.size - k] @ v[k:] for k in range(6)])
        np.testing.assert_allclose(nbk.lag_dots(v, 5), ref, rtol=1e-12)
    nbk._pool().shutdown()


def test_thread_pool_is_renewed_in_a_forked_child(monkeypatch):
    """A forked child gets a fresh pool (the parent's threads do not exist there): a parallel
    call in the child finishes instead of waiting forever."""
    import multiprocessing as mp

    monkeypatch.setattr(nbk, "PARALLEL_MIN_WORK", 0)
    monkeypatch.setattr(nbk, "_n_threads", lambda: 2)
    monkeypatch.setattr(nbk, "_free_cores", lambda: 2)
    monkeypatch.setattr(nbk, "_POOL", None)
    x = np.random.default_rng(2).standard_normal((4, 5000))
    with convts.set_options(numba_parallel=True):
        want = nbk.fir_direct(x, np.array([0, 1]), np.array([0.5, 0.5]), 0, np.empty_like(x))  # pool made here
        ctx = mp.get_context("fork")
        with ctx.Pool(1) as pool:
            got = pool.apply_async(_child_fir, (x,)).get(timeout=120)
    np.testing.assert_array_equal(got, want)
    nbk._pool().shutdown()


def _child_fir(x):
    with convts.set_options(numba_parallel=True):
        return nbk.fir_direct(x, np.array([0, 1]), np.array([0.5, 0.5]), 0, np.empty_like(x))


def test_warmup_compiles_every_signature_and_reports_progress():
    labels = []
    nbk.warmup(progress=labels.append)
    assert labels and all(isinstance(s, str) and s.startswith("engine:") for s in labels)
    for kernel in (nbk._fir_direct, nbk._fir_uniform, nbk._ar_recursion_impl, nbk._lag_dots_impl):
        assert len(kernel.disp) == len(kernel.sigs)  # every dtype it has, compiled (or loaded)
    nbk.warmup()  # progress is optional
