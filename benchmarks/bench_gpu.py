"""GPU benchmark for the CuPy backend (issue 7).  Needs CuPy and a CUDA GPU.

    python benchmarks/bench_gpu.py              # the issue's sizes (needs ~20 GB of GPU memory)
    python benchmarks/bench_gpu.py --scale 0.1  # every size times 0.1
    python benchmarks/bench_gpu.py --numpy-smoke  # no GPU: run the convts code paths on NumPy at
                                                  # tiny sizes, only to check the script runs

Reports medians of ``--repeat`` runs (after one warm-up run that also builds cuFFT plans and
compiles the raw kernels), GB/s as (bytes read + bytes written) / time against the GPU's
theoretical memory bandwidth, and ratios against the peers in the same run:

* FIR, 1e8 samples (one series), k in {16, 4096}, and a 10,000 x 10,000 batch: convts
  (method auto, direct, fft, overlap_add) vs cupyx.scipy.signal.fftconvolve / oaconvolve and
  vs scipy.signal.oaconvolve on the CPU (one run: it takes seconds).
* AR(2) and AR(20) on 1e8 samples and on 10,000 x 10,000: convts (recursive: blocked scan for
  few series, one thread per series for many) vs cupyx.scipy.signal.lfilter; target >= 5x.
* Batched CSS / Whittle objectives on 100,000 series x 200 (the building blocks of
  ``fit_many(..., backend="cupy")``): a batched Levenberg-Marquardt CSS fit (css_fit_batch) and a Whittle
  grid evaluation, checked against per-series CPU fits on a subsample; target < 10 s.
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
    def __init__(self, xp):
        self.xp = xp

    def sync(self):
        if self.xp is not np:
            self.xp.cuda.Stream.null.synchronize()

    def median(self, fn, repeat):
        fn()  # warm-up: plans, kernel compilation, allocator pools
        self.sync()
        times = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            fn()
            self.sync()
            times.append(time.perf_counter() - t0)
        return statistics.median(times)


def bandwidth_gbs(cp) -> float:
    try:
        props = cp.cuda.runtime.getDeviceProperties(cp.cuda.Device().id)
        return 2 * props["memoryClockRate"] * 1e3 * props["memoryBusWidth"] / 8 / 1e9
    except Exception:
        return float("nan")


def row(name, t, nbytes, peak, ref=None):
    gbs = nbytes / t / 1e9
    ratio = "" if ref is None else f"{ref / t:8.2f}x"
    share = "" if not np.isfinite(peak) else f"{100 * gbs / peak:5.1f}%"
    print(f"  {name:44s} {t * 1e3:10.2f} ms {gbs:8.1f} GB/s {share:>6s} {ratio}")


def bench_fir(xp, cupyx_signal, args, peak, timer):
    import convts
    from scipy import signal

    n_long = int(1e8 * args.scale)
    n_b = int(10_000 * np.sqrt(args.scale))
    rs = np.random.default_rng(0)
    for shape in ((1, n_long), (n_b, n_b)):
        x = xp.asarray(rs.standard_normal(shape))
        for k in (16, 4096):
            if k * 4 > shape[1]:
                continue
            taps = rs.standard_normal(k)
            nbytes = 2 * x.size * 8
            print(f"FIR k={k}, x {shape[0]} x {shape[1]} float64")
            t_ref = None
            if cupyx_signal is not None:
                tb = xp.asarray(taps)[None, :]
                t_ref = timer.median(lambda: cupyx_signal.oaconvolve(x, tb, mode="full", axes=-1), args.repeat)
                row("cupyx.scipy.signal.oaconvolve", t_ref, nbytes, peak)
                t = timer.median(lambda: cupyx_signal.fftconvolve(x, tb, mode="full", axes=-1), args.repeat)
                row("cupyx.scipy.signal.fftconvolve", t, nbytes, peak, t_ref)
            for method in ("auto", "direct", "fft", "overlap_add"):
                if method == "direct" and k > 1024 and shape[0] * shape[1] > 1e7:
                    continue  # ~k reads per output: minutes
                t = timer.median(lambda: convts.convolve(x, taps, mode="full", method=method, backend="cupy"), args.repeat)
                row(f"convts method={method}", t, nbytes, peak, t_ref)
            if not args.no_cpu:
                xh = x.get() if hasattr(x, "get") else x
                t0 = time.perf_counter()
                signal.oaconvolve(xh, taps[None, :], mode="full", axes=-1)
                row("scipy.signal.oaconvolve (CPU, 1 run)", time.perf_counter() - t0, nbytes, peak, t_ref)
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
            row("convts method=recursive (exact)", t, nbytes, peak, t_ref)
            t = timer.median(lambda: convts.convolve(x, k, method="auto", backend="cupy"), args.repeat)
            row("convts method=auto", t, nbytes, peak, t_ref)
            if cupyx_signal is not None:
                want = cupyx_signal.lfilter(b, a, x[:2, : min(x.shape[1], 10**6)], axis=-1)
                got = convts.convolve(x[:2, : min(x.shape[1], 10**6)], k, method="recursive", backend="cupy")
                err = float(xp.abs(got - want).max() / xp.abs(want).max())
                print(f"  max relative difference convts vs cupyx lfilter: {err:.2e}")
        del x


def bench_arima(xp, args, timer):
    from scipy import optimize, signal

    from convts.backends import _xp_arima

    n = int(100_000 * args.scale)
    T = 200
    rs = np.random.default_rng(2)
    e = rs.standard_normal((n, T + 100))
    y_h = signal.lfilter([1.0, 0.3], [1.0, -0.6], e, axis=-1)[:, 100:]
    y_h -= y_h.mean(axis=1, keepdims=True)
    y = xp.asarray(y_h)

    def css_fit():
        return _xp_arima.css_fit_batch(y, 1, 1, xp, max_iter=50)

    print(f"ARMA(1,1) on {n} series x {T}")
    t = timer.median(css_fit, max(1, args.repeat // 2))
    print(f"  batched CSS Levenberg-Marquardt (<= 50 it) {t:10.3f} s   (target < 10 s at 100,000 series)")
    theta, _, conv = css_fit()
    print(f"  converged: {int(conv.sum())} of {n}")
    th = theta.get() if hasattr(theta, "get") else np.asarray(theta)
    worst = 0.0
    for s in range(min(n, 20)):
        fit = optimize.least_squares(
            lambda p, s=s: _xp_arima.css_residuals_batch(y_h[s : s + 1], p[None, :1], p[None, 1:], np)[0], [0.0, 0.0], xtol=1e-12, ftol=1e-12
        )
        worst = max(worst, float(np.abs(fit.x - th[s]).max()))
    print(f"  max |param difference| vs scipy least_squares per series (20 series): {worst:.2e}")

    I, freqs = _xp_arima.periodogram_batch(y, xp)
    grid = xp.asarray(np.linspace(-0.9, 0.9, 10))

    def whittle_eval():
        for g in grid.tolist():
            _xp_arima.whittle_objective_batch(I, freqs, xp.full((n, 1), g), xp.full((n, 1), 0.3), xp)

    t = timer.median(whittle_eval, args.repeat)
    print(f"  Whittle objective, 10 evaluations         {t:10.3f} s")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scale", type=float, default=1.0, help="multiply every problem size (default 1)")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--no-cpu", action="store_true", help="skip the scipy-on-CPU peers")
    ap.add_argument("--numpy-smoke", action="store_true", help="no GPU: tiny sizes on NumPy, script check only")
    ap.add_argument("--only", choices=("fir", "ar", "arima"), default=None)
    args = ap.parse_args(argv)

    if args.numpy_smoke:
        import convts
        import convts.backends._numpy as be_numpy

        # route backend="cupy" to the NumPy reference so every line of the script runs
        sys.modules["convts.backends._cupy"] = be_numpy
        xp, cupyx_signal, peak = np, None, float("nan")
        args.scale = min(args.scale, 1e-4)
        args.repeat = 1
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
        print(f"GPU: {name}; theoretical memory bandwidth {peak:.0f} GB/s; CuPy {xp.__version__}")
    timer = Timer(xp)
    if args.only in (None, "fir"):
        bench_fir(xp, cupyx_signal, args, peak, timer)
    if args.only in (None, "ar"):
        bench_ar(xp, cupyx_signal, args, peak, timer)
    if args.only in (None, "arima"):
        bench_arima(xp, args, timer)


if __name__ == "__main__":
    main()
