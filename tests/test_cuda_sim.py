"""The GPU backend's numba.cuda kernels (``convts.backends._cuda_kernels``), run on the CPU under
numba's CUDA simulator, against the loop oracles of tests/reference.py, ``numpy.convolve`` and
``scipy.signal.lfilter``; and the launch / method-choice rules of that module.

The simulator is switched on by ``NUMBA_ENABLE_CUDASIM=1``, which numba reads when
``numba.cuda`` is first imported, so the kernel checks run in one subprocess (this file run as
a script): the pytest process never imports the simulated ``numba.cuda``.  The simulator runs
every GPU thread as a Python thread, so the arrays are small and the launches narrow (2 blocks
of 32 threads: grid-stride loops cover the rest); the subprocess is bounded by a timeout.

On a GPU machine, tests/test_gpu.py runs the same kernels compiled, through the CuPy backend.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

HERE = Path(__file__).resolve().parent
SIM_TIMEOUT_S = 240  # the checks take ~10-20 s on a loaded 2-core machine

# ---------------------------------------------------------------------------------------
# Checks run inside the simulator subprocess (``python tests/test_cuda_sim.py``)
# ---------------------------------------------------------------------------------------

FIR_CASES = [  # (lags, coefs, start, n_out - T)
    ([0], [2.0], 0, 0),
    ([0, 1, 2], [0.25, 0.5, 0.25], 0, 2),  # 'full' tail
    ([0, 1, 2], [0.25, 0.5, 0.25], 1, 0),  # 'same'-like start
    ([-2, 0, 3, 12], [1.0, -1.0, 0.5, 2.0], -2, 4),  # leads and a seasonal lag
    ([1, 5], [1.0, -1.0], 5, 0),
    ([40], [0.5], 0, 0),  # a lag longer than short series: all zeros there
]


def _fir_oracle(x, lags, coefs, start, n_out):
    """Output ``i`` is the sum at time ``start + i``: read from reference.fir_loop's 'full' output
    (time ``j + min(lags)``), zero outside it."""
    import reference

    lo = min(lags)
    full = reference.fir_loop(x.astype(np.float64), lags, coefs, mode="full")
    want = np.zeros(n_out)
    for i in range(n_out):
        j = start + i - lo
        if 0 <= j < full.size:
            want[i] = full[j]
    return want


def _sim_device():
    from convts.backends import _cuda_kernels as ck

    return ck.Device(sm_count=1, threads=32, blocks_per_sm=2)


def check_fir_direct():
    """Every case, float64 and float32, 1 and many rows, short and edge lengths, NaN/inf."""
    from convts.backends import _cuda_kernels as ck

    dev = _sim_device()
    rng = np.random.default_rng(1)
    for lags, coefs, start, extra in FIR_CASES:
        for T in (1, 2, 13, 70):
            for n_rows in (1, 5):
                for dtype in (np.float64, np.float32):
                    x = rng.standard_normal((n_rows, T)).astype(dtype)
                    if T > 3 and n_rows > 1:
                        x[1, T // 2] = np.nan
                        x[-1, 1] = np.inf
                    n_out = T + extra
                    out = np.full((n_rows, n_out), -7.0, dtype=dtype)  # garbage: every output must be written
                    ck.fir_direct(x, np.array(lags), np.array(coefs), start, out, dev)
                    for r in range(n_rows):
                        want = _fir_oracle(x[r], lags, coefs, start, n_out)
                        if dtype == np.float64:
                            np.testing.assert_allclose(out[r], want, rtol=1e-14, atol=1e-14)
                        else:
                            # float64 accumulation, rounded once: within one float32 ulp of the exact sum
                            w32 = want.astype(np.float32)
                            np.testing.assert_array_equal(np.isnan(out[r]), np.isnan(w32))
                            fin = np.isfinite(w32)
                            np.testing.assert_array_equal(out[r][~fin], w32[~fin])
                            assert np.all(np.abs(out[r][fin] - w32[fin]) <= np.spacing(np.abs(w32[fin]))), (lags, start, T)
    # dense taps against numpy.convolve, many rows (the grid-stride loop covers 30 x 120 outputs with 64 threads)
    b = rng.standard_normal(9)
    x = rng.standard_normal((30, 111))
    out = np.empty((30, 111 + 8))
    ck.fir_direct(x, np.arange(9), b, 0, out, dev)
    for r in range(30):
        np.testing.assert_allclose(out[r], np.convolve(x[r], b), rtol=1e-13, atol=1e-13)
    # nothing to compute: no launch, no error
    ck.fir_direct(np.zeros((3, 0)), np.array([0]), np.array([1.0]), 0, np.zeros((3, 0)), dev)


def _iir_oracle(u, lags, coefs, zi=None):
    import reference

    a = np.zeros(max(lags, default=0) + 1)
    a[0] = 1.0
    a[np.asarray(lags, dtype=np.int64)] = coefs
    return reference.iir_loop(u, [1.0], a, zi=zi)


def check_ar_rows_kernel():
    """The kernel itself on the time-major layout: every row its own recursion, NaN reaching
    exactly the lags it feeds."""
    from convts.backends import _cuda_kernels as ck

    dev = _sim_device()
    rng = np.random.default_rng(2)
    lags, coefs = np.array([2, 12]), np.array([-0.5, -0.3])
    v = rng.standard_normal((40, 100))  # (T, rows): 100 rows > 64 threads
    v[5, 7] = np.nan
    y = np.full_like(v, -7.0)
    launch = ck.ar_launcher(dev)
    launch(v.reshape(-1), y.reshape(-1), lags, coefs, 100, 40, 1, 100)
    for r in range(100):
        np.testing.assert_allclose(y[:, r], _iir_oracle(v[:, r], lags, coefs), rtol=1e-13, atol=1e-13)
    assert np.isnan(y[[5, 7, 17], 7]).all() and not np.isnan(y[[4, 6, 8], 7]).any()
    try:
        launch(v.reshape(-1), y.reshape(-1), lags, coefs, 100, 40, 40, 1)
    except ValueError as exc:
        assert "time-major" in str(exc)
    else:
        raise AssertionError("a row-major layout was accepted")


def check_ar_recursion():
    """The backend contract through both plans (one thread per series; blocked scan with the
    kernel as local solver), zi shorter and longer than the order, float32, NaN, unit roots."""
    from scipy import signal

    from convts.backends import _cuda_kernels as ck

    dev = _sim_device()
    rng = np.random.default_rng(3)
    filters = {"ar2": ([1, 2], [-1.5, 0.7]), "seasonal": ([1, 12], [-0.5, -0.3]), "unit_root": ([1], [-1.0])}
    # (n_series, T): plan "rows" (series fill the 1-SM device, or too short to cut) and "scan"
    shapes = [(260, 20), (3, 40), (4, 500), (1, 1), (2, 0)]
    for name, (lags, coefs) in filters.items():
        for n, T in shapes:
            plan = ck.ar_plan(n, T, max(lags), dev.sm_count)
            assert plan == ("scan" if (n, T) == (4, 500) else "rows"), (n, T, plan)
            for zlen in (0, 1, 30):
                u = rng.standard_normal((n, T))
                zi = rng.standard_normal((n, zlen)) if zlen else None
                out = np.full_like(u, -7.0)
                ck.ar_recursion(u, np.array(lags), np.array(coefs), zi, out, np, dev)
                for r in range(0, n, 37):
                    want = _iir_oracle(u[r], lags, coefs, None if zi is None else zi[r])
                    np.testing.assert_allclose(out[r], want, rtol=1e-9, atol=1e-9 * max(1.0, np.abs(want).max(initial=0)))
    # scipy.signal.lfilter on a longer scan, float32 in and out (computed in float64)
    u = rng.standard_normal((2, 2000)).astype(np.float32)
    out = np.empty_like(u)
    ck.ar_recursion(u, np.array([1, 2]), np.array([-1.5, 0.7]), None, out, np, dev)
    want = signal.lfilter([1.0], [1.0, -1.5, 0.7], u.astype(np.float64), axis=-1)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, want, rtol=2e-6, atol=2e-6 * np.abs(want).max())
    # unit roots on integers: exact through the scan
    u = rng.integers(-50, 50, (2, 3000)).astype(np.float64)
    out = np.empty_like(u)
    ck.ar_recursion(u, np.array([1, 2]), np.array([-2.0, 1.0]), None, out, np, dev)
    np.testing.assert_array_equal(out, np.cumsum(np.cumsum(u, axis=1), axis=1))
    # NaN/inf in a few long series: the plain recursion, spreading only where the lags reach
    u = rng.standard_normal((2, 300))
    u[0, 50] = np.nan
    u[1, 7] = np.inf
    out = np.empty_like(u)
    ck.ar_recursion(u, np.array([12]), np.array([-0.5]), None, out, np, dev)
    for r in range(2):
        np.testing.assert_allclose(out[r], _iir_oracle(u[r], [12], [-0.5]), rtol=1e-13)
    # no AR terms: the input plus the state
    u = rng.standard_normal((2, 10))
    out = np.empty_like(u)
    ck.ar_recursion(u, np.array([], dtype=np.int64), np.array([]), np.ones((2, 3)), out, np, dev)
    want = u.copy()
    want[:, :3] += 1
    np.testing.assert_array_equal(out, want)


def check_ma_inverse():
    """Per-series MA coefficients over 2-D and 3-D batches (the CSS residuals and Jacobian
    channels), against reference.css_residuals_loop (p = 0) and lfilter."""
    from scipy import signal

    import reference
    from convts.backends import _cuda_kernels as ck

    dev = _sim_device()
    rng = np.random.default_rng(4)
    n, T = 7, 60
    for q in (0, 1, 3):
        ma = rng.uniform(-0.6, 0.6, (n, q))
        z = rng.standard_normal((n, T))
        w = ck.ma_inverse(z, ma, np, dev)
        assert w.shape == z.shape and w is not z
        for s in range(n):
            np.testing.assert_allclose(w[s], reference.css_residuals_loop(z[s], [], ma[s]), rtol=1e-12, atol=1e-12)
        z3 = rng.standard_normal((n, 4, T))
        w3 = ck.ma_inverse(z3, ma, np, dev)
        for s in range(n):
            for c in range(4):
                np.testing.assert_allclose(w3[s, c], signal.lfilter([1.0], np.r_[1.0, ma[s]], z3[s, c]), rtol=1e-12, atol=1e-12)
    z32 = rng.standard_normal((3, 50)).astype(np.float32)
    ma = rng.uniform(-0.5, 0.5, (3, 2))
    w32 = ck.ma_inverse(z32, ma, np, dev)
    assert w32.dtype == np.float32
    for s in range(3):
        np.testing.assert_allclose(w32[s], signal.lfilter([1.0], np.r_[1.0, ma[s]], z32[s].astype(np.float64)), rtol=1e-5, atol=1e-5)
    z = rng.standard_normal((2, 30))
    z[0, 4] = np.nan
    w = ck.ma_inverse(z, np.array([[0.5], [0.2]]), np, dev)
    assert np.isnan(w[0, 4:]).all() and not np.isnan(w[0, :4]).any() and not np.isnan(w[1]).any()


def _numpy_standin_for_cupy():
    """A module named ``cupy`` that is NumPy plus the few ``cupy.cuda`` calls ``_cupy.py`` makes
    (one device of one SM, the null stream), so that the backend module itself runs here with
    the simulated kernels.  It checks ``_cupy.py``'s own logic (placement, output handling,
    float32, the kernels' wiring), not CuPy."""
    import types

    fake = types.ModuleType("cupy")
    fake.__dict__.update({k: getattr(np, k) for k in dir(np) if not k.startswith("__")})
    fake.__version__ = "numpy-standin"
    fake.asnumpy = np.asarray
    # cupy.asarray of host data is a copy (to the device); the simulator writes every array
    # argument back after a launch, which a read-only NumPy view would refuse
    fake.asarray = lambda a, dtype=None, order=None: np.array(a, dtype=dtype, order=order or "K", copy=True)
    calls = {"attributes": 0}

    class _Device:
        id = 0

        @property
        def attributes(self):
            calls["attributes"] += 1
            return {"MultiProcessorCount": 1}

    fake.cuda = types.SimpleNamespace(
        runtime=types.SimpleNamespace(getDeviceCount=lambda: 1),
        Device=_Device,
        get_current_stream=lambda: types.SimpleNamespace(ptr=0),
    )
    return fake, calls


def check_cupy_backend_module():
    """``convts.backends._cupy`` with a NumPy stand-in for CuPy: every contract function and the
    engine (``backend="cupy"`` on NumPy input) against the NumPy reference backend; the SM
    count queried once."""
    fake, calls = _numpy_standin_for_cupy()
    sys.modules["cupy"] = fake
    import convts
    from convts.backends import _numpy as ref
    from convts.backends import get_backend

    be = get_backend("cupy")
    assert be.AVAILABLE and be.cp is fake
    rng = np.random.default_rng(5)
    for dtype in (np.float64, np.float32):
        x = rng.standard_normal((3, 70)).astype(dtype)
        x0 = x.copy()
        lags, coefs = np.array([-1, 0, 4]), np.array([0.5, -1.0, 0.25])
        want = np.empty((3, 72), dtype)
        got = np.empty((3, 72), dtype)
        ref.fir_direct(x, lags, coefs, 1, want)
        assert be.fir_direct(x, lags, coefs, 1, got) is got
        np.testing.assert_allclose(got, want, rtol=1e-5 if dtype == np.float32 else 1e-13, atol=1e-5 if dtype == np.float32 else 1e-13)
        ref.fir_uniform(x, 0, 3, 0.25, 0, want[:, :70])
        be.fir_uniform(x, 0, 3, 0.25, 0, got[:, :70])
        np.testing.assert_allclose(got[:, :70], want[:, :70], rtol=1e-5 if dtype == np.float32 else 1e-13, atol=1e-6)
        zi = rng.standard_normal((3, 2))
        ref.ar_recursion(x, np.array([1, 2]), np.array([-1.2, 0.5]), zi, want[:, :70])
        out = np.empty((3, 70), dtype)
        assert be.ar_recursion(x, np.array([1, 2]), np.array([-1.2, 0.5]), zi, out) is out
        assert out.dtype == dtype
        np.testing.assert_allclose(out, want[:, :70], rtol=1e-5 if dtype == np.float32 else 1e-12, atol=1e-5 if dtype == np.float32 else 1e-12)
        np.testing.assert_array_equal(x, x0)  # the caller's data untouched
    # the engine, NumPy input, backend="cupy", every method
    x = rng.standard_normal((2, 300))
    ks = {"direct": convts.kernels.moving_average(5), "fft": convts.Kernel(b=rng.standard_normal(40)),
          "overlap_add": convts.Kernel(b=rng.standard_normal(40)), "recursive": convts.kernels.arma(ar=[0.6, 0.2], ma=[0.3])}
    for method, k in ks.items():
        y = convts.convolve(x, k, backend="cupy", method=method)
        assert isinstance(y, np.ndarray)
        np.testing.assert_allclose(y, convts.convolve(x, k, backend="numpy"), rtol=1e-10, atol=1e-10)
    w = be.ma_inverse(x, np.array([[0.4], [-0.3]]))
    for s in range(2):
        import reference

        np.testing.assert_allclose(w[s], reference.css_residuals_loop(x[s], [], [[0.4], [-0.3]][s]), rtol=1e-12, atol=1e-12)
    # the batched ARMA code on "CuPy": its inverse MA filter is the ma_rows kernel
    from convts.models import batch_xp

    import reference

    y = rng.standard_normal((4, 120))
    ar, ma = rng.uniform(-0.5, 0.5, (4, 1)), rng.uniform(-0.5, 0.5, (4, 2))
    e = batch_xp.css_residuals_batch(y, ar, ma, fake)
    for s in range(4):
        np.testing.assert_allclose(e[s], reference.css_residuals_loop(y[s], ar[s], ma[s]), rtol=1e-12, atol=1e-12)
    # (narrow launches from here on: the simulator runs each of _device()'s 256 threads in Python)
    from convts.backends import _cuda_kernels as ck

    real_device = be._device
    be._device = lambda: ck.Device(sm_count=1, put=fake.asarray, threads=32, blocks_per_sm=2, xp=fake)
    fit_mod = sys.modules[convts.fit_many.__module__]
    fits = {}
    for name, module in (("kernel", fake), ("numpy", np)):
        fit_mod._cupy_module = lambda module=module: module
        fits[name] = convts.fit_many(y, (1, 0, 1), trend="n", method="css", backend="cupy").params.to_numpy()
    np.testing.assert_allclose(fits["kernel"], fits["numpy"], rtol=1e-8, atol=1e-10)
    be._device = real_device
    assert calls["attributes"] == 1, calls  # the SM count is read once, not per launch
    assert be._KERNELS_REASON == [""]  # the test launch worked

    # numba.cuda unable to compile (no libNVVM): one RuntimeWarning, then CuPy array code, same results
    import warnings

    from convts.backends import _cuda_kernels as ck

    real_kernels = ck.kernels
    be._KERNELS_REASON.clear()
    ck.kernels = lambda: (_ for _ in ()).throw(RuntimeError("libNVVM cannot be found"))
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            assert not be.kernels_available()
            assert not be.kernels_available()
        assert len(caught) == 1 and issubclass(caught[0].category, RuntimeWarning), caught
        assert "libNVVM" in str(caught[0].message) and "array code" in str(caught[0].message)
        x = rng.standard_normal((3, 80))
        lags, coefs = np.array([-1, 0, 4]), np.array([0.5, -1.0, 0.25])
        want, got = np.empty((3, 82)), np.empty((3, 82))
        ref.fir_direct(x, lags, coefs, 1, want)
        be.fir_direct(x, lags, coefs, 1, got)
        np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-13)
        zi = rng.standard_normal((3, 2))
        ref.ar_recursion(x, np.array([1, 2]), np.array([-1.2, 0.5]), zi, want[:, :80])
        out = np.empty((3, 80))
        be.ar_recursion(x, np.array([1, 2]), np.array([-1.2, 0.5]), zi, out)
        np.testing.assert_allclose(out, want[:, :80], rtol=1e-12, atol=1e-12)
        e = batch_xp.css_residuals_batch(y, ar, ma, fake)  # the loop over time instead of ma_rows
        for s in range(4):
            np.testing.assert_allclose(e[s], reference.css_residuals_loop(y[s], ar[s], ma[s]), rtol=1e-12, atol=1e-12)
        try:
            be.ma_inverse(x, np.array([[0.4], [-0.3], [0.1]]))
        except RuntimeError as exc:
            assert "libNVVM" in str(exc)
        else:
            raise AssertionError("ma_inverse ran without its kernel")
    finally:
        ck.kernels = real_kernels


CHECKS = {"fir_direct": check_fir_direct, "ar_rows_kernel": check_ar_rows_kernel,
          "ar_recursion": check_ar_recursion, "ma_inverse": check_ma_inverse,
          "cupy_backend_module": check_cupy_backend_module}


def _main() -> int:
    from numba import config

    if not config.ENABLE_CUDASIM:
        print("NUMBA_ENABLE_CUDASIM=1 must be set before numba.cuda is imported", file=sys.stderr)
        return 2
    sys.path.insert(0, str(HERE))  # tests/reference.py
    names = sys.argv[1:] or list(CHECKS)
    for name in names:
        CHECKS[name]()
        print(f"CHECK {name} ok", flush=True)
    return 0


# ---------------------------------------------------------------------------------------
# pytest: the subprocess, and the launch / method-choice rules (plain Python)
# ---------------------------------------------------------------------------------------


def test_cuda_kernels_under_the_simulator():
    """All kernel checks in one simulator subprocess; each must report ``ok``."""
    env = dict(os.environ, NUMBA_ENABLE_CUDASIM="1", PYTHONDONTWRITEBYTECODE="1")
    try:
        proc = subprocess.run([sys.executable, __file__], env=env, capture_output=True, text=True, timeout=SIM_TIMEOUT_S)
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"the simulator checks ran past {SIM_TIMEOUT_S} s; output so far:\n{exc.stdout}\n{exc.stderr}")
    assert proc.returncode == 0, f"simulator checks failed (rc {proc.returncode}):\n{proc.stdout}\n{proc.stderr[-6000:]}"
    for name in CHECKS:
        assert f"CHECK {name} ok" in proc.stdout, proc.stdout


def test_importing_the_kernel_module_does_not_import_numba_cuda():
    """The rules are plain Python: numba.cuda (and the simulator switch) is read only when a
    kernel is first launched."""
    code = ("import sys; import convts.backends._cuda_kernels as ck; ck.ar_plan(1, 10, 1, 1); "
            "print('numba.cuda' in sys.modules)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "False"


def test_launch_blocks():
    from convts.backends._cuda_kernels import launch_blocks

    assert launch_blocks(1, 132) == 1
    assert launch_blocks(0, 132) == 1
    assert launch_blocks(256 * 10 + 1, 132) == 11
    assert launch_blocks(10**9, 132) == 32 * 132  # grid-stride beyond one item per thread
    assert launch_blocks(10**9, 132, threads=32, blocks_per_sm=2) == 264


def test_ar_plan_by_occupancy():
    from convts.backends._cuda_kernels import ROWS_PER_SM, ar_plan

    sms = 132
    fill = ROWS_PER_SM * sms
    assert ar_plan(fill, 10**4, 2, sms) == "rows"  # the series alone fill the device
    assert ar_plan(fill - 1, 10**4, 2, sms) == "scan"  # fewer: cut time into blocks
    assert ar_plan(1024, 10**4, 2, sms) == "scan"  # the old rule ran 1024 series on 4 blocks
    assert ar_plan(1024, 10**4, 2, 2) == "rows"  # a small GPU is filled by them
    assert ar_plan(10, 63, 2, sms) == "rows"  # too short for two blocks of 32
    assert ar_plan(10, 500, 365, sms) == "rows"  # two blocks need 2 x 365 steps
    assert ar_plan(10, 730, 365, sms) == "scan"


def test_gpu_auto_rule_crossovers():
    from convts.backends._cuda_kernels import choose_fir_method, choose_iir_method, gpu_fir_costs

    T = 10**7
    assert choose_fir_method(16, 16, T, False) == "direct"
    assert choose_fir_method(64, 64, T, False) == "direct"  # memory-bound up to here
    assert choose_fir_method(4096, 4096, T, False) == "overlap_add"
    assert choose_fir_method(4096, 4096, T, True) == "direct"  # NaN/inf: exact spreading
    assert choose_fir_method(2, 365, T, False) == "direct"  # sparse taps: cost by stored taps
    assert choose_fir_method(3000, 3000, 2000, False) == "fft"  # row not much longer than the kernel
    costs = gpu_fir_costs(200, 200, T)
    assert costs["direct"] > costs["overlap_add"]  # the crossover lies between 64 and 200 taps
    assert choose_iir_method(0.5, T, False) == "recursive"
    assert choose_iir_method(1.0, T, True) == "recursive"


if __name__ == "__main__":
    sys.exit(_main())
