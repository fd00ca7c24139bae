"""Engine speed against its peers, and the data behind ``method="auto"``.

Run ``python benchmarks/bench_engine.py`` (full, ~10 min) or ``--quick`` (small sizes, < 60 s).
One thread (numba_parallel=False, fft_workers=1, OPENBLAS_NUM_THREADS=1) unless a row says
2 cores.  Every time is a median of repeats; peers are measured in the same run.  Tables:

1. case, method ``auto`` picked, convts median, best peer, peer median, ratio, target, met?
2. auto calibration: every FIR method of convts at each (n, k), auto's pick next to the best
3. FFT executors: scipy.fft against FFTs inside a numba kernel (rocket-fft) on overlap-add blocks
4. start-up in fresh processes
"""

from __future__ import annotations

import argparse
import os
import sys

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
sys.path.insert(0, os.path.dirname(__file__))

import numpy as np  # noqa: E402

from _common import best_of, fmt_time, median_times, print_table, subprocess_time  # noqa: E402

ROWS: list[list] = []


def row(case, method, t_conv, peers: dict, target: float | None, against: str | None = None):
    """Record one comparison; ``against`` names a single peer, default the best of ``peers``."""
    name, t_peer = (against, peers[against]) if against else best_of(peers)
    ratio = t_conv / t_peer
    met = "-" if target is None else ("yes" if ratio <= target else "NO")
    tgt = "-" if target is None else f"<= {target:g}"
    ROWS.append([case, method, fmt_time(t_conv), name, fmt_time(t_peer), f"{ratio:.2f}", tgt, met])
    print("  ", ROWS[-1], flush=True)


def bench_fir(ns, ks, calib):
    import scipy.signal as ss

    import convts
    from convts.engine import _choose

    rng = np.random.default_rng(0)
    for n in ns:
        x = rng.standard_normal(n)
        rep = 7 if n <= 10**6 else 5
        for k in ks:
            b = rng.standard_normal(k)
            fns = {
                # np.convolve / direct scipy at k * n > 1e10 take seconds and are never best there
                "np.convolve": (lambda: np.convolve(x, b)) if k * n <= 10**10 else None,
                "scipy auto": (lambda: ss.convolve(x, b, method="auto")) if (k * n <= 10**10 or k >= 1024) else None,
                "fftconvolve": lambda: ss.fftconvolve(x, b),
                "oaconvolve": lambda: ss.oaconvolve(x, b),
                "auto": lambda: convts.convolve(x, b, mode="full"),
            }
            for m in ("direct", "fft", "overlap_add"):
                fns[m] = (lambda m=m: convts.convolve(x, b, mode="full", method=m)) if (m != "direct" or k * n <= 5 * 10**10) else None
            t = median_times(fns, rep)
            peers = {p: t[p] for p in ("np.convolve", "scipy auto", "fftconvolve", "oaconvolve") if t[p] is not None}
            mine = {m: t[m] for m in ("direct", "fft", "overlap_add")}
            t_auto = t["auto"]
            pick = _choose.choose_fir_method(k, k, n, False, "numba", False)
            best_m, t_best = best_of(mine)
            calib.append([f"n={n:.0e} k={k}", pick, fmt_time(t_auto), best_m, fmt_time(t_best),
                          *(fmt_time(mine[m]) for m in ("direct", "fft", "overlap_add")),
                          *(f"{(mine[m] or float('nan')) / n * 1e9:.2f}" for m in ("direct", "fft", "overlap_add"))])
            target = 0.4 if k <= 64 else 1.0
            row(f"FIR n={n:.0e} k={k}", pick, t_auto, peers, target)
            if k >= 4096 and n >= 10**7:
                row(f"FIR n={n:.0e} k={k} vs scipy auto", pick, t_auto, peers, 0.4, against="scipy auto")


def bench_uniform(n, batch):
    import bottleneck as bn
    import pandas as pd

    import convts
    from convts import kernels as K

    k = K.moving_average(16)
    rng = np.random.default_rng(1)
    x = rng.standard_normal(n)
    s = pd.Series(x)
    t = median_times({"bottleneck": lambda: bn.move_mean(x, 16), "pandas rolling": lambda: s.rolling(16).mean(),
                      "convts": lambda: convts.convolve(x, k)}, 9)
    peers = {p: t[p] for p in ("bottleneck", "pandas rolling")}
    t = t["convts"]
    row(f"moving mean n={n:.0e} k=16", "direct (uniform)", t, peers, 1.0, against="bottleneck")
    # a price-like positive walk, and the same with a huge value every 100k samples (each block
    # that holds one is redone by the restarting loop: the scale check's worst realistic case)
    walk = 100 + np.cumsum(rng.standard_normal(n)) * 0.01
    spiky = walk.copy()
    spiky[:: 100_000] = 1e16
    for name, v in (("prices", walk), ("prices + 1e16 every 1e5", spiky)):
        t = median_times({"bottleneck": lambda v=v: bn.move_mean(v, 16), "convts": lambda v=v: convts.convolve(v, k)}, 9)
        row(f"moving mean n={n:.0e} k=16, {name}", "direct (uniform)", t["convts"], {"bottleneck": t["bottleneck"]}, 1.0,
            against="bottleneck")
    X = rng.standard_normal(batch)
    def two_cores():
        with convts.set_options(numba_parallel=True):
            return convts.convolve(X, k)

    t = median_times({"bottleneck": lambda: bn.move_mean(X, 16, axis=-1),
                      "pandas rolling": lambda: pd.DataFrame(X.T).rolling(16).mean(),
                      "convts": lambda: convts.convolve(X, k), "convts2": two_cores}, 7)
    peers = {p: t[p] for p in ("bottleneck", "pandas rolling")}
    t1, t2 = t["convts"], t["convts2"]
    row(f"moving mean batch {batch[0]}x{batch[1]} k=16, 1 core", "direct (uniform)", t1, peers, 1.0, against="bottleneck")
    row(f"moving mean batch {batch[0]}x{batch[1]} k=16, 2 cores", "direct (uniform)", t2, peers, 0.7, against="bottleneck")


def bench_ar(n, ps):
    import scipy.signal as ss

    import convts
    from convts import kernels as K

    rng = np.random.default_rng(2)
    x = rng.standard_normal(n)
    for p in ps:
        phi = 0.5 / np.arange(1, p + 1) ** 2 * (-1) ** np.arange(p)  # stable
        k = K.arma(phi)
        y = convts.convolve(x, k)
        ref = ss.lfilter(k.b, k.a, x)
        err = np.abs(y - ref).max() / np.abs(ref).max()
        assert err < 1e-12, (p, err)
        t = median_times({"scipy lfilter": lambda: ss.lfilter(k.b, k.a, x), "convts": lambda: convts.convolve(x, k)}, 7)
        peers = {"scipy lfilter": t["scipy lfilter"]}
        t = t["convts"]
        row(f"AR({p}) n={n:.0e} (rel err {err:.0e})", "recursive", t, peers, 0.8)


def bench_acf(n, nlags):
    from statsmodels.tsa.stattools import acf

    import convts

    x = np.random.default_rng(3).standard_normal(n).cumsum()
    err = np.abs(convts.acf(x, nlags) - acf(x, nlags=nlags, fft=True)).max()
    assert err < 1e-10, err
    t = median_times({"statsmodels acf(fft)": lambda: acf(x, nlags=nlags, fft=True), "convts": lambda: convts.acf(x, nlags)}, 7)
    peers = {"statsmodels acf(fft)": t["statsmodels acf(fft)"]}
    t = t["convts"]
    row(f"acf n={n:.0e} {nlags} lags (max diff {err:.0e})", "lag dots", t, peers, 1 / 15)


def bench_fft_executors(sizes):
    """Overlap-add block transforms: scipy.fft (workers=1) vs np.fft inside njit (rocket-fft)."""
    from scipy import fft as sfft

    out = []
    try:
        import numba as nb
        import rocket_fft  # noqa: F401
    except ImportError:
        return [["rocket-fft not installed", "-", "-", "-"]]

    @nb.njit
    def blocks_nb(xb, fb, N):
        return np.fft.irfft(np.fft.rfft(xb, N, -1) * fb, N, -1)

    def blocks_sp(xb, fb, N):
        return sfft.irfft(sfft.rfft(xb, N, axis=-1, workers=1) * fb, N, axis=-1, workers=1)

    rng = np.random.default_rng(4)
    for N, n_blk in sizes:
        xb = rng.standard_normal((n_blk, N // 2))
        fb = sfft.rfft(rng.standard_normal(N // 2), N)
        blocks_nb(xb, fb, N)
        t = median_times({"nb": lambda: blocks_nb(xb, fb, N), "sp": lambda: blocks_sp(xb, fb, N)}, 7)
        t_nb, t_sp = t["nb"], t["sp"]
        out.append([f"N={N} x {n_blk} blocks", fmt_time(t_sp), fmt_time(t_nb), f"{t_nb / t_sp:.2f}"])
    return out


def bench_overhead(quick):
    """Per-call cost on short series (issue 16): convts against np.convolve at n = 100 and 1e4,
    and the fixed cost of a call (one sample) for a cached Kernel, raw taps, acf, the .conv.ma
    accessor and an ARIMA fit's set-up."""
    import pandas as pd

    import convts

    rng = np.random.default_rng(7)
    out = []
    for n in (100, 10_000):
        x = rng.standard_normal(n)
        for k in (3, 8, 16):
            b = rng.standard_normal(k)
            kern = convts.Kernel(b=b)
            inner = 2000 if n == 100 else 100
            t = median_times({"np": lambda: np.convolve(x, b), "taps": lambda: convts.convolve(x, b, mode="full"),
                              "kernel": lambda: convts.convolve(x, kern, mode="full")}, 9, inner=inner)
            target = 2.0 if n == 100 else 1.0
            out.append([f"convolve n={n} k={k}", fmt_time(t["np"]), fmt_time(t["taps"]), f"{t['taps'] / t['np']:.2f}",
                        fmt_time(t["kernel"]), f"{t['kernel'] / t['np']:.2f}", f"<= {target:g}",
                        "yes" if max(t["taps"], t["kernel"]) <= target * t["np"] else "NO"])
    one = rng.standard_normal(1)
    taps = [0.25, 0.5, 0.25]
    kern = convts.Kernel(b=taps)
    s100 = pd.Series(rng.standard_normal(100))
    y100 = rng.standard_normal(100).cumsum()
    x100 = rng.standard_normal(100)
    t = median_times({"kernel": lambda: convts.convolve(one, kern), "taps": lambda: convts.convolve(one, taps),
                      "acf": lambda: convts.acf(x100, 10), "np.correlate": lambda: np.correlate(x100, x100, "full"),
                      "ma": lambda: s100.conv.ma(3), "rolling": lambda: s100.rolling(3).mean(),
                      "arima": lambda: convts.ARIMA(y100, order=(1, 0, 0))}, 9, inner=200)
    t_fit = median_times({"fit": lambda: convts.ARIMA(y100, order=(1, 0, 0)).fit()}, 9, inner=5)["fit"]
    fixed = [["convolve, cached Kernel (1 sample)", fmt_time(t["kernel"]), "<= 5 us", "yes" if t["kernel"] <= 5e-6 else "NO"],
             ["convolve, raw taps (1 sample)", fmt_time(t["taps"]), "<= 10 us", "yes" if t["taps"] <= 10e-6 else "NO"],
             ["acf, n=100, 10 lags", fmt_time(t["acf"]), f"np.correlate full {fmt_time(t['np.correlate'])}", "-"],
             ["Series.conv.ma(3), n=100", fmt_time(t["ma"]), f"pandas rolling(3).mean() {fmt_time(t['rolling'])}", "-"],
             ["ARIMA(y, order=(1,0,0)) construction, n=100", fmt_time(t["arima"]), "-", "-"],
             ["ARIMA(y, order=(1,0,0)).fit(), n=100 (set-up + fit)", fmt_time(t_fit), "-", "-"]]
    return out, fixed


MEMORY_CODE = """
import resource, sys, time, numpy as np, convts
n, k = int(float(sys.argv[1])), int(sys.argv[2])
convts.set_options(numba_parallel=False, fft_workers=1)
rng = np.random.default_rng(0)
b = rng.standard_normal(k) / k
convts.convolve(rng.standard_normal(10 * k), b, method="overlap_add")
x = rng.standard_normal(n)
with open("/proc/self/statm") as f:  # resident now (ru_maxrss so far may hold an earlier peak)
    base = int(f.read().split()[1]) * resource.getpagesize()
t0 = time.perf_counter()
y = convts.convolve(x, b, method="overlap_add")
dt = time.perf_counter() - t0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(dt, (peak - base + x.nbytes) / (x.nbytes + y.nbytes))
"""


def bench_memory(n):
    """Peak memory of overlap-add over input + output, in a fresh process: the peak resident set
    (ru_maxrss) during the call less the resident set before it (with the input), plus the input."""
    import subprocess

    out = []
    for k in (4096, 65536):
        res = subprocess.run([sys.executable, "-c", MEMORY_CODE, str(n), str(k)], capture_output=True, text=True, check=True)
        dt, ratio = (float(v) for v in res.stdout.split())
        out.append([f"overlap_add n={n:.0e} k={k}", f"{dt:.2f} s", f"{ratio:.3f}", "<= 1.2", "yes" if ratio <= 1.2 else "NO"])
    return out


def bench_threads(n, batch):
    """The default thread choice against one thread, with and without one competing busy
    process; the quiet 2-thread batch moving mean against bottleneck."""
    import subprocess

    import bottleneck as bn

    import convts
    from convts import kernels as K

    rng = np.random.default_rng(8)
    x = rng.standard_normal(n)
    b = rng.standard_normal(16)
    X = rng.standard_normal(batch)
    ma = K.moving_average(16)

    def with_parallel(flag, fn):
        def run():
            with convts.set_options(numba_parallel=flag):
                return fn()
        return run

    out = []
    for busy in (False, True):
        child = subprocess.Popen([sys.executable, "-c", "while True: pass"]) if busy else None
        try:
            t = median_times({"fir default": with_parallel(True, lambda: convts.convolve(x, b)),
                              "fir 1": with_parallel(False, lambda: convts.convolve(x, b)),
                              "ma default": with_parallel(True, lambda: convts.convolve(X, ma)),
                              "ma 1": with_parallel(False, lambda: convts.convolve(X, ma)),
                              "bottleneck": lambda: bn.move_mean(X, 16, axis=-1)}, 9)
        finally:
            if child is not None:
                child.kill()
                child.wait()
        where = "one busy process" if busy else "no extra process"
        r = t["fir default"] / t["fir 1"]
        out.append([f"FIR n={n:.0e} k=16, {where}", fmt_time(t["fir default"]), fmt_time(t["fir 1"]), f"{r:.2f}",
                    "<= 1.1", "yes" if r <= 1.1 else "NO"])
        r = t["ma default"] / t["ma 1"]
        out.append([f"moving mean batch {batch[0]}x{batch[1]}, {where}", fmt_time(t["ma default"]), fmt_time(t["ma 1"]),
                    f"{r:.2f}", "<= 1.1", "yes" if r <= 1.1 else "NO"])
        rb = t["ma default"] / t["bottleneck"]
        target = 0.65 if not busy else None
        out.append([f"  same, default vs bottleneck ({fmt_time(t['bottleneck'])})", fmt_time(t["ma default"]), "-",
                    f"{rb:.2f}", "-" if target is None else f"<= {target}", "-" if target is None else ("yes" if rb <= target else "NO")])
    return out


STARTUP_IMPORT = "import time; t = time.perf_counter(); import convts; print(time.perf_counter() - t)"
STARTUP_FIRST = (
    "import time; t = time.perf_counter(); import convts, numpy as np; t1 = time.perf_counter(); "
    "convts.convolve(np.ones(1000), [0.25, 0.5, 0.25]); print(t1 - t); print(time.perf_counter() - t1)"
)


def bench_startup(repeat):
    subprocess_time(STARTUP_FIRST, 1)  # fill numba's on-disk cache
    t_imp = subprocess_time(STARTUP_IMPORT, repeat)[0]
    t_first = subprocess_time(STARTUP_FIRST, repeat)[1]
    ROWS.append(["import convts (fresh process)", "-", fmt_time(t_imp), "target", "0.80 s", f"{t_imp / 0.8:.2f}", "<= 1", "yes" if t_imp <= 0.8 else "NO"])
    ROWS.append(["first convolve, warm cache", "direct", fmt_time(t_first), "target", "0.50 s", f"{t_first / 0.5:.2f}", "<= 1", "yes" if t_first <= 0.5 else "NO"])
    print("  ", ROWS[-2], "\n  ", ROWS[-1], flush=True)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="small sizes, < 60 s")
    ap.add_argument("--only", default="fir,uniform,ar,acf,fftexec,startup,overhead,memory,threads",
                    help="comma-separated sections")
    args = ap.parse_args(argv)
    only = set(args.only.split(","))

    from _common import load_line

    print(load_line(), flush=True)
    import convts

    convts.set_options(numba_parallel=False, fft_workers=1)
    convts.warmup()
    q = args.quick
    overhead = fixed = memory = threads = None
    if "overhead" in only:
        print("per-call overhead ...", flush=True)
        overhead, fixed = bench_overhead(q)
    if "memory" in only:
        print("overlap-add memory ...", flush=True)
        memory = bench_memory(10**7 if q else 10**8)
    if "threads" in only:
        print("threads ...", flush=True)
        threads = bench_threads(2 * 10**6 if q else 2 * 10**7, (1000, 1000) if q else (10_000, 1_000))
    calib: list[list] = []
    if "fir" in only:
        print("FIR ...", flush=True)
        bench_fir([10**5] if q else [10**6, 10**7], [3, 16, 64, 4096] if q else [3, 16, 64, 256, 4096, 65536], calib)
    if "uniform" in only:
        print("moving mean ...", flush=True)
        bench_uniform(10**5 if q else 10**6, (1000, 1000) if q else (10_000, 1_000))
    if "ar" in only:
        print("AR ...", flush=True)
        bench_ar(10**6 if q else 10**7, [1, 2, 5, 20])
    if "acf" in only:
        print("acf ...", flush=True)
        bench_acf(10**5 if q else 10**6, 100)
    fftexec = []
    if "fftexec" in only:
        print("FFT executors ...", flush=True)
        fftexec = bench_fft_executors([(4096, 30), (32768, 8)] if q else [(4096, 300), (32768, 300), (2**18, 40), (2**21, 4)])
    if "startup" in only:
        print("start-up ...", flush=True)
        bench_startup(1 if q else 3)

    import platform

    print(f"\nconvts {convts.__version__}, numpy {np.__version__}, {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} cpus; one thread unless the case says 2 cores\n")
    print_table(["case", "convts method", "convts median", "best peer", "peer median", "ratio", "target", "met?"], ROWS)
    if calib:
        print("\nmethod='auto' calibration (FIR, mode='full', one thread): auto's pick next to the fastest method")
        print_table(["case", "auto pick", "auto median", "fastest", "its median", "direct", "fft", "overlap_add",
                     "direct ns/s", "fft ns/s", "oa ns/s"], calib)
    if fftexec:
        print("\nFFT executor for overlap-add blocks (rfft * H, irfft), one thread")
        print_table(["blocks", "scipy.fft", "rocket-fft in njit", "ratio numba/scipy"], fftexec)
    if overhead:
        print("\nPer-call cost on short series, float64, mode='full', one thread (convts / np.convolve)")
        print_table(["case", "np.convolve", "convts, raw taps", "ratio", "convts, Kernel", "ratio", "target", "met?"], overhead)
        print("\nFixed cost of a call")
        print_table(["call", "median", "target / peer", "met?"], fixed)
    if memory:
        print("\nOverlap-add memory: peak resident memory (fresh process) over input + output")
        print_table(["case", "time", "peak / (input + output)", "target", "met?"], memory)
    if threads:
        print("\nThreads: the default (numba_parallel=True) against one thread")
        print_table(["case", "default", "1 thread", "ratio", "target", "met?"], threads)
    print("\n" + load_line())


if __name__ == "__main__":
    main()
