"""``method="auto"``: a cost model in nanoseconds per output sample, measured on this machine.

The constants come from ``python benchmarks/bench_engine.py`` (the "auto calibration" table:
every FIR method timed at n = 1e6, 1e7 and k = 3 .. 65536) on the reference machine: 2 vCPU
AMD EPYC (Zen 4, AVX-512, 48 KiB L1d, 1 MiB L2 per core, 32 MiB L3), one thread, float64,
a fresh output per call.  docs/engine_performance.md gives the tables.  They only need to
be right to a factor of ~2 near the crossovers:

========  ==============  ===========  ================
k         direct (numba)  overlap_add  fft (one FFT)
========  ==============  ===========  ================
3         1.0 - 1.5       8.4 - 8.5    33 - 51
16        1.7 - 2.7       8.2 - 8.8    32 - 53
64        4.2 - 6.2       8.7 - 9.1    33 - 53
256       16 - 17         9.3 - 9.4    29 - 55
4096      221 - 222       11 - 13      35 - 63
65536     -               15 - 21      35 - 51
========  ==============  ===========  ================

(ns per input sample, n = 1e6 and 1e7, mode="full", a fresh output per call, round-robin
medians on a shared machine), so direct wins up to k ~ 135 and overlap-add (blocks of ~8 k)
above; one FFT of the whole series only when the series is not much longer than the kernel.
"""

from __future__ import annotations

import math

from ..backends._overlap_add import oa_block_size

# direct FIR (numba, four-tap groups, vectorised): per output sample, fixed + per stored tap
DIRECT_FIXED = 0.8
DIRECT_PER_TAP = 0.06
# direct FIR (numpy reference, one vectorised slice per tap)
NUMPY_DIRECT_FIXED = 1.0
NUMPY_DIRECT_PER_TAP = 0.9
# uniform taps (moving sum) in numba: independent of the window
UNIFORM = 1.3  # 1.0 before the scale-drop check (issue 17), measured 1.26-1.53x the old kernel
# one FFT convolution of length N (three real FFTs): per output sample, times log2(N)
FFT_PER_LOG2 = 2.0
# overlap-add with FFT length N ~ 8 m (backends._overlap_add.oa_block_size): per output sample,
# OA_PER_LOG2 * N / (N - m + 1) * log2(N) + OA_FIXED
OA_PER_LOG2 = 0.6
OA_FIXED = 1.5
# acf: blocked dot products (numba) beat one FFT of 2n up to this many lags
ACF_DOT_MAX_LAGS = 400


def fir_costs(n_taps: int, span: int, T: int, uniform: bool, backend: str) -> dict[str, float]:
    """Estimated ns per output sample for each FIR method."""
    if backend == "numba":
        direct = UNIFORM if uniform else DIRECT_FIXED + DIRECT_PER_TAP * n_taps
    else:
        direct = NUMPY_DIRECT_FIXED + NUMPY_DIRECT_PER_TAP * n_taps
    n = T + span - 1
    fft = FFT_PER_LOG2 * math.log2(max(n, 2)) * n / T
    N = oa_block_size(span, T)
    oa = OA_PER_LOG2 * N / (N - span + 1) * math.log2(N) + OA_FIXED
    if N >= n:  # a single block: overlap-add degenerates into one FFT
        oa = fft * 1.1
    return {"direct": direct, "fft": fft, "overlap_add": oa}


def choose_fir_method(n_taps: int, span: int, T: int, uniform: bool, backend: str, nonfinite: bool) -> str:
    """Pick the cheapest FIR method; with NaN/inf present and ``nan_policy='propagate'`` only
    the direct method gives the exact (NaN/inf-spreading) result without a repair pass."""
    if nonfinite:
        return "direct"
    if backend == "cupy":  # the GPU's own rule (memory passes, constants to measure on a GPU)
        from ..backends._cuda_kernels import choose_fir_method as gpu_choose

        return gpu_choose(n_taps, span, T, nonfinite)
    if backend == "numba" and n_taps <= 64:
        # the model's answer without evaluating it (it costs ~1 us, a call on 100 samples ~3):
        # direct = 0.8 + 0.06 k, one FFT >= 2 log2(max(n, 2)) with n >= k (the transform is at
        # least as long as the kernel), which exceeds it for every k <= 64; overlap-add
        # >= OA_FIXED + 0.6 * log2(4096) = 8.7 ns or 1.1x one FFT when it is a single block
        return "direct"
    costs = fir_costs(n_taps, span, T, uniform, backend)
    return min(costs, key=costs.get)


def choose_iir_method(pole_radius: float, n_ar_taps: int, T: int, backend: str, nonfinite: bool) -> str:
    """IIR: the recursion (on CPU measured 4x faster than psi-weight FFTs, and exact; on the GPU
    cheaper in memory passes, see ``backends._cuda_kernels.choose_iir_method``)."""
    return "recursive"
