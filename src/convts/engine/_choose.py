"""``method="auto"``: a cost model in nanoseconds per output sample, measured on this machine.

The constants come from ``python benchmarks/bench_engine.py --calibrate`` on the reference
machine (2 vCPU Xeon with AVX-512, one thread, float64, n = 1e6..1e7); docs/engine.md
gives the table.  They only need to be right to a factor of ~2 near the crossovers.
"""

from __future__ import annotations

import math

# direct FIR (numba): per output sample, fixed + per stored tap
DIRECT_FIXED = 1.5
DIRECT_PER_TAP = 0.14
# direct FIR (numpy reference, one vectorised slice per tap)
NUMPY_DIRECT_FIXED = 1.0
NUMPY_DIRECT_PER_TAP = 0.9
# uniform taps (moving sum) in numba: independent of the window
UNIFORM = 2.5
# one FFT convolution of length N (three real FFTs): per output sample, times log2(N)
FFT_PER_LOG2 = 4.8
# overlap-add with block ~ 4 x kernel span: per output sample, times log2(4 m), plus a floor
OA_PER_LOG2 = 4.3
OA_FIXED = 8.0
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
    oa = OA_FIXED + OA_PER_LOG2 * math.log2(max(4 * span, 2))
    if span * 4 > T:  # overlap-add degenerates into a single FFT
        oa = fft * 1.1
    return {"direct": direct, "fft": fft, "overlap_add": oa}


def choose_fir_method(n_taps: int, span: int, T: int, uniform: bool, backend: str, nonfinite: bool) -> str:
    """Pick the cheapest FIR method; with NaN/inf present and ``nan_policy='propagate'`` only
    the direct method gives the exact (NaN/inf-spreading) result without a repair pass."""
    if nonfinite:
        return "direct"
    costs = fir_costs(n_taps, span, T, uniform, backend)
    return min(costs, key=costs.get)


def choose_iir_method(pole_radius: float, n_ar_taps: int, T: int, backend: str, nonfinite: bool) -> str:
    """IIR: the recursion on CPU (measured 4x faster than psi-weight FFTs, and exact);
    psi-weight FFTs only where the recursion is the bottleneck (GPU) and the poles decay fast."""
    if backend == "cupy" and not nonfinite and pole_radius < 0.999:
        return "impulse_fft"
    return "recursive"
