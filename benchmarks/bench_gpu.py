"""GPU benchmark for the CuPy backend (issues 7 and 18).  Needs CuPy and a CUDA GPU.

    python benchmarks/bench_gpu.py                # the issue's sizes (~20 GB of GPU memory)
    python benchmarks/bench_gpu.py --scale 0.1    # every size times 0.1
    python benchmarks/bench_gpu.py --only fit     # one section: fir, ar, plan, fit
    python benchmarks/bench_gpu.py --numpy-smoke  # no GPU: the convts code paths on NumPy at tiny
                                                  # sizes, only to check that the script runs

``benchmarks/gpu_check.sh`` runs this after the GPU tests, in one go, on a GPU machine.

Every time is the median of ``--repeat`` runs after one warm-up run (which builds cuFFT plans and
compiles the numba.cuda kernels), measured on the wall clock between two synchronisations of
the whole device (``cupy.cuda.Device().synchronize()``: every stream, so work that convts or
cupyx queue on any stream is inside the time).  Ratios are against peers measured in the same
run.  Sections and the issue's goals:

* ``fir``: FIR on 1e8 samples (one series) and on a 10,000 x 10,000 batch, k in {16, 64, 256,
  4096}: convts (method auto, direct, fft, overlap_add) vs ``cupyx.scipy.signal.fftconvolve`` /
  ``oaconvolve``, and against a device copy of the input (``x.copy()``: one read and one write,
  the memory-bandwidth floor of any filter).  Goal: direct within 1.2x of that floor for k <= 64.
  Each case prints the method ``auto`` picked and the fastest one (calibrates
  ``_cuda_kernels.gpu_fir_costs``).
* ``ar``: AR(2) and AR(20) on 1e8 samples and on 10,000 x 10,000: convts ``recursive`` vs
  ``cupyx.scipy.signal.lfilter``.  Goal: >= 5x lfilter on AR(2).
* ``plan``: one thread per series vs the blocked scan at several (series, length) shapes of 1e7
  samples (calibrates ``_cuda_kernels.ROWS_PER_SM``).
* ``fit``: ``convts.fit_many(..., backend="cupy")`` on 100,000 series x 200, ARMA(1, 1), CSS and
  Whittle, against ``fit_many`` on the CPU (backend numba) on the first ``--cpu-series`` series:
  max |parameter difference|.  Goal: < 10 s, parameters within 1e-3 of the CPU.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

import numpy as np


def _fail(msg: str) -> None:
    print(f"bench_gpu: {msg}", file=sys.stderr)
    sys.exit(2)


class Timer:
    """Median wall time of a callable, the device synchronised before the clock starts and
    after each call (every stream of the current device, not only the null stream)."""

    def __init__(self, xp):
        self.xp = xp

    def sync(self):
        if self.xp is not np:
            self.xp.cuda.Device().synchronize()

    def once(self, fn):
        self.sync()
        t0 = time.perf_counter()
        out = fn()
        self.sync()
        return time.perf_counter() - t0, out

    def median(self, fn, repeat):
        self.once(fn)  # warm-up: plans, kernel compilation, allocator pools
        return statistics.median(self.once(fn)[0] for _ in range(max(1, repeat)))


def bandwidth_gbs(cp) -> float:
    try:
        props = cp.cuda.runtime.getDeviceProperties(cp.cuda.Device().id)
        return 2 * props["memoryClockRate"] * 1e3 * props["memoryBusWidth"] / 8 / 1e9
    except Exception:
        return float("nan")


def row(name, t, nbytes, peak, ref=None, ref_name="ref"):
    gbs = nbytes / t / 1e9
    ratio = "" if ref is None else f"{ref / t:8.2f}x vs {ref_name}"
    share = "" if not np.isfinite(peak) else f"{100 * gbs / peak:5.1f}%"
    print(f"  {name:44s} {t * 1e3:10.2f} ms {gbs:8.1f} GB/s {share:>6s} {ratio}", flush=True)


def _fir_auto_method(k, T):
    from convts.backends import _cuda_kernels as ck

    return ck.choose_fir_method(k, k, T, False)


def bench_fir(xp, cupyx_signal, args, peak, timer):
    import convts

    n_long = int(1e8 * args.scale)
    n_b = int(10_000 * np.sqrt(args.scale))
    rs = np.random.default_rng(0)
    for shape in ((1, n_long), (n_b, n_b)):
        x = xp.asarray(rs.standard_normal(shape))
        nbytes = 2 * x.size * 8
        t_copy = timer.median(lambda: x.copy(), args.repeat)
        print(f"FIR, x {shape[0]} x {shape[1]} float64")
        row("device copy x.copy() (bandwidth floor)", t_copy, nbytes, peak)
        for k in (16, 64, 256, 4096):
            if k * 4 > shape[1]:
                continue
            taps = rs.standard_normal(k)
            print(f" k={k}")
            t_ref = None
            if cupyx_signal is not None:
                tb = xp.asarray(taps)[None, :]
                t_ref = timer.median(lambda: cupyx_signal.oaconvolve(x, tb, mode="full", axes=-1), args.repeat)
                row("cupyx.scipy.signal.oaconvolve", t_ref, nbytes, peak)
                t = timer.median(lambda: cupyx_signal.fftconvolve(x, tb, mode="full", axes=-1), args.repeat)
                row("cupyx.scipy.signal.fftconvolve", t, nbytes, peak, t_ref, "oaconvolve")
            times = {}
            for method in ("auto", "direct", "fft", "overlap_add"):
                if method == "direct" and k > 1024 and x.size > 1e7:
                    continue  # k reads per output: long, and never the choice
                times[method] = timer.median(lambda: convts.convolve(x, taps, mode="full", method=method, backend="cupy"), args.repeat)
                row(f"convts method={method}", times[method], nbytes, peak, t_ref, "oaconvolve")
            fastest = min((m for m in times if m != "auto"), key=times.get)
            print(f"  auto rule picks {_fir_auto_method(k, shape[1])!r}; fastest here {fastest!r}; "
                  f"direct / copy = {times.get('direct', float('nan')) / t_copy:.2f} (goal <= 1.2 for k <= 64)")
        if not args.no_cpu:
            from scipy import signal

            xh = x.get() if hasattr(x, "get") else x
            taps = rs.standard_normal(16)
            t0 = time.perf_counter()
            signal.oaconvolve(xh, taps[None, :], mode="full", axes=-1)
            row("scipy.signal.oaconvolve k=16 (CPU, 1 run)", time.perf_counter() - t0, nbytes, peak)
        del x


def bench_ar(xp, cupyx_signal, args, peak, timer):
    import convts

    n_long = int(1e8 * args.scale)
    n_b = int(10_000 * np.sqrt(args.scale))
    rs = np.random.default_rng(1)
    ar2 = [1.5, -0.7]
    ar20 = list(np.full(20, 0.045))
    for shape in ((1, n_long), (n_b, n_b)):
        x = xp.asarray(rs.standard_normal(shape))
        for name, phi in (("AR(2)", ar2), ("AR(20)", ar20)):
            k = convts.kernels.arma(ar=phi)
            nbytes = 2 * x.size * 8
            print(f"{name}, x {shape[0]} x {shape[1]} float64")
            t_ref = None
            if cupyx_signal is not None:
                a = xp.asarray(np.r_[1.0, -np.asarray(phi)])
                b = xp.asarray([1.0])
                t_ref = timer.median(lambda: cupyx_signal.lfilter(b, a, x, axis=-1), args.repeat)
                row("cupyx.scipy.signal.lfilter", t_ref, nbytes, peak)
            t = timer.median(lambda: convts.convolve(x, k, method="recursive", backend="cupy"), args.repeat)
            row("convts method=recursive (exact)", t, nbytes, peak, t_ref, "lfilter (goal >= 5x on AR(2))")
            t = timer.median(lambda: convts.convolve(x, k, method="auto", backend="cupy"), args.repeat)
            row("convts method=auto", t, nbytes, peak, t_ref, "lfilter")
            if cupyx_signal is not None:
                part = x[:2, : min(x.shape[1], 10**6)]
                want = cupyx_signal.lfilter(b, a, part, axis=-1)
                got = convts.convolve(part, k, method="recursive", backend="cupy")
                err = float(xp.abs(got - want).max() / xp.abs(want).max())
                print(f"  max relative difference convts vs cupyx lfilter: {err:.2e}")
        del x


def bench_plan(xp, args, peak, timer):
    """Both AR plans forced at shapes of 1e7 samples: where does one thread per series win?"""
    import convts
    from convts.backends import _cuda_kernels as ck

    be = convts.backends.get_backend("cupy")
    sms = be.sm_count() if hasattr(be, "sm_count") else 1
    total = int(1e7 * args.scale)
    rs = np.random.default_rng(3)
    real = ck.ar_plan
    print(f"AR(2) plan: one thread per series vs blocked scan, {total} samples; {sms} SMs, "
          f"rule: rows when n_series >= ROWS_PER_SM * SMs = {ck.ROWS_PER_SM * sms}")
    try:
        for n in (100, 1_000, 10_000, 30_000, 100_000):
            T = max(total // n, 1)
            u = xp.asarray(rs.standard_normal((n, T)))
            out = xp.empty_like(u)
            res = {}
            for plan in ("rows", "scan"):
                ck.ar_plan = lambda *a, plan=plan: plan
                res[plan] = timer.median(lambda: be.ar_recursion(u, np.array([1, 2]), np.array([-1.5, 0.7]), None, out), args.repeat)
            ck.ar_plan = real
            pick = real(n, T, 2, sms)
            best = min(res, key=res.get)
            print(f"  {n:7d} x {T:8d}: rows {res['rows'] * 1e3:9.2f} ms  scan {res['scan'] * 1e3:9.2f} ms  "
                  f"rule picks {pick!r}, fastest {best!r}", flush=True)
            del u, out
    finally:
        ck.ar_plan = real


def _simulate(n, T, seed):
    from scipy import signal

    rs = np.random.default_rng(seed)
    e = rs.standard_normal((n, T + 100))
    y = signal.lfilter([1.0, 0.3], [1.0, -0.6], e, axis=-1)[:, 100:]
    return y - y.mean(axis=1, keepdims=True)


def bench_fit(xp, args, timer):
    import convts

    n = max(int(100_000 * args.scale), 10)
    T = 200
    y = _simulate(n, T, 2)
    m = min(n, args.cpu_series)
    print(f"fit_many ARMA(1,1), trend 'n', {n} series x {T} (demeaned); CPU comparison on the first {m}")
    for method in ("css", "whittle"):
        def gpu_fit():
            return convts.fit_many(y, order=(1, 0, 1), trend="n", method=method, backend="cupy")

        def cpu_fit(rows):
            return convts.fit_many(y[:rows], order=(1, 0, 1), trend="n", method=method, backend="numba")

        t_first, res = timer.once(gpu_fit)  # includes kernel compilation and cuFFT plans
        t = min(timer.once(gpu_fit)[0] for _ in range(max(1, args.repeat - 1)))
        gpu = res.params.to_numpy()
        ok = int(res.ok.sum())
        t_compile = timer.once(lambda: cpu_fit(2))[0]  # numba compiles (or loads its cache) here
        t_cpu, cpu_res = timer.once(lambda: cpu_fit(m))
        cpu = cpu_res.params.to_numpy()
        both = np.isfinite(gpu[:m]).all(axis=1) & np.isfinite(cpu).all(axis=1)
        diff = float(np.abs(gpu[:m][both] - cpu[both]).max()) if both.any() else float("nan")
        print(f"  {method:8s} GPU {t:8.3f} s (first call {t_first:.3f} s; goal < 10 s at 100,000 series); ok {ok} of {n}\n"
              f"           CPU numba {t_cpu:8.3f} s for {m} series (after {t_compile:.1f} s compiling); "
              f"max |param diff| {diff:.2e} on {int(both.sum())} series (goal <= 1e-3)", flush=True)


def _numpy_smoke_routing():
    """Route backend='cupy' to NumPy so every line of the script runs without a GPU."""
    import convts
    import convts.backends._numpy as be_numpy

    sys.modules["convts.backends._cupy"] = be_numpy
    fit_mod = sys.modules[convts.fit_many.__module__]
    if hasattr(fit_mod, "_cupy_module"):
        fit_mod._cupy_module = lambda: np


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scale", type=float, default=1.0, help="multiply every problem size (default 1)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--cpu-series", type=int, default=500, help="series fitted on the CPU for the comparison")
    ap.add_argument("--no-cpu", action="store_true", help="skip the scipy-on-CPU FIR peer")
    ap.add_argument("--numpy-smoke", action="store_true", help="no GPU: tiny sizes on NumPy, script check only")
    ap.add_argument("--only", choices=("fir", "ar", "plan", "fit"), action="append", default=None)
    args = ap.parse_args(argv)

    if args.numpy_smoke:
        _numpy_smoke_routing()
        xp, cupyx_signal, peak = np, None, float("nan")
        args.scale = min(args.scale, 1e-4)
        args.repeat = 1
        args.cpu_series = min(args.cpu_series, 5)
        print("NUMPY SMOKE RUN: no GPU involved; timings are meaningless")
    else:
        from convts.backends import available, get_backend

        if not available("cupy"):
            try:
                reason = get_backend("cupy").REASON
            except ImportError as exc:
                reason = str(exc)
            _fail(f"CuPy with a CUDA GPU is required and not usable here: {reason}")
        import cupy as xp
        import cupyx.scipy.signal as cupyx_signal

        peak = bandwidth_gbs(xp)
        dev = xp.cuda.runtime.getDeviceProperties(xp.cuda.Device().id)
        name = dev["name"].decode() if isinstance(dev["name"], bytes) else dev["name"]
        print(f"GPU: {name}; {dev['multiProcessorCount']} SMs; theoretical memory bandwidth {peak:.0f} GB/s; "
              f"CuPy {xp.__version__}")
    timer = Timer(xp)
    only = args.only or ["fir", "ar", "plan", "fit"]
    if "fir" in only:
        bench_fir(xp, cupyx_signal, args, peak, timer)
    if "ar" in only:
        bench_ar(xp, cupyx_signal, args, peak, timer)
    if "plan" in only and not args.numpy_smoke:
        bench_plan(xp, args, peak, timer)
    if "fit" in only:
        bench_fit(xp, args, timer)


if __name__ == "__main__":
    main()
