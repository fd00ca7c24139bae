"""The GPU backend's custom kernels, written with ``numba.cuda``, and the rules that launch them.

Three kernels, each a plain loop that a reader can check against ``tests/reference.py``:

``fir_direct``   one thread per output ``(row, i)``: ``out[r, i] = sum_k coefs[k] * x[r, start + i - lags[k]]``
                 (x is 0 outside its range), accumulated in float64 for float32 data too.
``ar_rows``      one thread per row of a time-major ``(T, rows)`` array: the all-pole recursion
                 ``y[t] = v[t] - sum_k coefs[k] y[t - lags[k]]`` with zero history.  At every
                 step neighbouring threads touch neighbouring addresses (coalesced).  It is the
                 plain recursion for many series and the local solver of the blocked scan
                 (``_xp.ar_recursion_scan``) for few long ones.
``ma_rows``      one thread per row of a time-major ``(T, rows)`` array, each row with its own
                 MA coefficients: ``w[t] = z[t] - sum_j theta[s, j] w[t - 1 - j]`` (the batched
                 ARMA fits' inverse MA filter, ``theta`` of the row's series ``s``).

The kernels take any array with ``__cuda_array_interface__`` (CuPy arrays on a GPU) and, under
numba's CUDA simulator (``NUMBA_ENABLE_CUDASIM=1``, set before ``numba.cuda`` is first
imported), NumPy arrays: ``tests/test_cuda_sim.py`` runs every kernel and the glue below on the
CPU that way.  ``numba.cuda`` is imported, and the kernels compiled (per dtype, by numba), on
first use only; this module's rules import nothing but NumPy.

The glue functions (``fir_direct``, ``ar_recursion``, ``ma_inverse``) take a :class:`Device`
that says how to launch: the number of SMs (cached once by the caller), how to put a few host
numbers on the device, how to hand an array to numba, and the stream.  ``_cupy.py`` builds one
from CuPy; the simulator tests build one from NumPy.

Not measured on a GPU yet (no GPU was available when this was written): the launch and
method-choice constants below are estimates from the hardware's published rates, marked
"to measure"; ``benchmarks/gpu_check.sh`` measures them.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from . import _xp

# ---------------------------------------------------------------------------------------
# Launch configuration
# ---------------------------------------------------------------------------------------

THREADS = 256  # threads per block (8 warps): a multiple of the warp size that every CUDA GPU runs at full occupancy
BLOCKS_PER_SM = 32  # grid-stride loops: at most this many blocks per SM, enough to hide memory latency


def launch_blocks(n_items: int, sm_count: int, threads: int = THREADS, blocks_per_sm: int = BLOCKS_PER_SM) -> int:
    """Blocks for a grid-stride loop over ``n_items``: one item per thread up to
    ``blocks_per_sm * sm_count`` blocks, the loop covers the rest (at least one block)."""
    return max(1, min(-(-int(n_items) // threads), blocks_per_sm * max(int(sm_count), 1)))


# ---------------------------------------------------------------------------------------
# AR recursion: one thread per series, or the blocked scan (chosen by occupancy)
# ---------------------------------------------------------------------------------------

# To measure.  One thread per series runs T dependent steps; each step waits for a load, so a
# thread keeps its SM busy only when enough other threads hide that latency: with fewer than
# about ROWS_PER_SM series per SM the SMs idle and the blocked scan (which reads and writes
# the data ~4 times but cuts time into n_series * n_blocks >= 65,536 independent rows, see
# _xp.scan_block) wins.  256 threads = 8 warps per SM, the usual minimum to cover a global
# load's latency (~500 cycles) with independent work.
ROWS_PER_SM = 256
SCAN_MIN_BLOCK = 32  # _xp.scan_block never cuts blocks shorter than 32 steps


def ar_plan(n_series: int, T: int, p: int, sm_count: int) -> str:
    """``"rows"`` (one thread per series) or ``"scan"`` (blocked parallel scan) for the
    recursion of ``n_series`` series of length ``T`` with largest lag ``p`` on ``sm_count`` SMs.

    Rows when the series alone occupy the device (``n_series >= ROWS_PER_SM * sm_count``) or
    when a series is too short to cut into two scan blocks; the scan otherwise.  Both are exact
    in exact arithmetic; the scan's rounding is described in ``_xp.ar_recursion_scan``.
    """
    if n_series >= ROWS_PER_SM * max(int(sm_count), 1):
        return "rows"
    if T < 2 * max(int(p), SCAN_MIN_BLOCK):
        return "rows"
    return "scan"


# ---------------------------------------------------------------------------------------
# method="auto" on the GPU
# ---------------------------------------------------------------------------------------

# To measure.  On a GPU these filters are bound by memory traffic, not arithmetic, so the
# costs are in *passes*: one pass reads and writes every sample once at the memory bandwidth.
# - direct: one pass, plus each tap's load of the input from L1 (neighbouring threads share
#   their windows, so the loads hit the cache): L1 delivers ~10x the memory bandwidth on
#   current data-centre GPUs (e.g. 132 SMs x 128 B/clock ~ 30 TB/s vs 3-5 TB/s), so a tap
#   costs ~1/10 pass; the float64 multiply-add is cheaper still on those GPUs (on consumer
#   GPUs with 1/64-rate float64 it is not: there the taps cost more and the crossover falls).
# - overlap-add: padding copy, batched rfft, product, irfft, tail add, slice copy: ~12
#   passes over the blocks (cuFFT does a block of <= 2^12 points in one pass through memory),
#   times N / (N - m + 1) for the blocks' overlap.
# - fft: one transform of the whole row: cuFFT splits a long length into 2-3 passes through
#   memory per transform, so the same steps as overlap-add cost ~16 passes, times n / T: it
#   wins only where one overlap-add block would cover the whole row anyway.
GPU_DIRECT_PASSES = 1.0
GPU_DIRECT_PASSES_PER_TAP = 0.1
GPU_OA_PASSES = 12.0
GPU_FFT_PASSES = 16.0


def gpu_fir_costs(n_taps: int, span: int, T: int) -> dict[str, float]:
    """Estimated memory passes per output sample of each FIR method on the GPU (see the
    constants above; they need to be right to a factor of ~2 near the crossovers)."""
    n = T + span - 1
    N = _xp.oa_block_size(span, T)
    direct = GPU_DIRECT_PASSES + GPU_DIRECT_PASSES_PER_TAP * n_taps
    fft = GPU_FFT_PASSES * n / max(T, 1)
    oa = GPU_OA_PASSES * N / (N - span + 1) * max(1.0, n / max(T, 1))
    if N >= n:  # one block covers the row: overlap-add is one FFT plus its copies
        oa = fft * 1.1
    return {"direct": direct, "fft": fft, "overlap_add": oa}


def choose_fir_method(n_taps: int, span: int, T: int, nonfinite: bool) -> str:
    """The cheapest FIR method on the GPU by :func:`gpu_fir_costs`; with NaN/inf in the data
    only ``direct`` spreads them exactly (as on the CPU).  Direct up to ~110 stored taps, then
    overlap-add; one FFT only when the row is not much longer than the kernel."""
    if nonfinite:
        return "direct"
    costs = gpu_fir_costs(n_taps, span, T)
    return min(costs, key=costs.get)


def choose_iir_method(pole_radius: float, T: int, nonfinite: bool) -> str:
    """IIR on the GPU: always ``recursive``.

    The engine's ``impulse_fft`` convolves the truncated psi weights by overlap-add or one FFT
    (>= 12 passes by :func:`gpu_fir_costs`), while the recursion costs ~1 pass plus two
    transposes when the series fill the device (one thread per series) and ~6-8 passes when
    the blocked scan runs (transposes, local solves, boundary scan, correction): the recursion
    is cheaper in this model, and exact.  (The CPU rule differs for its own measured reasons,
    see ``engine._choose``.)  To measure: ``benchmarks/bench_gpu.py`` times both."""
    return "recursive"


# ---------------------------------------------------------------------------------------
# The kernels (compiled on first use)
# ---------------------------------------------------------------------------------------

# Plain Python functions, compiled by ``cuda.jit`` in :func:`kernels`.  ``cuda`` is a module
# global (bound there) so that numba's simulator can substitute its own module for it.
cuda: Any = None


def _fir_direct_kernel(x, out, lags, coefs, start):
    n_rows, n_out = out.shape
    T = x.shape[1]
    ntaps = lags.shape[0]
    n = n_rows * n_out
    idx = cuda.grid(1)
    step = cuda.gridsize(1)
    while idx < n:
        r = idx // n_out
        i = idx - r * n_out
        acc = 0.0  # float64 for float32 data too: rounded once, at the store
        for k in range(ntaps):
            j = start + i - lags[k]
            if j >= 0 and j < T:
                acc += coefs[k] * x[r, j]
        out[r, i] = acc
        idx += step


def _ar_rows_kernel(v, y, lags, coefs):
    n_t, n_rows = v.shape
    ntaps = lags.shape[0]
    r = cuda.grid(1)
    step = cuda.gridsize(1)
    while r < n_rows:
        for t in range(n_t):
            acc = v[t, r]
            for k in range(ntaps - 1, -1, -1):  # lags ascending: the oldest term first, as on the CPU
                j = t - lags[k]
                if j >= 0:
                    acc -= coefs[k] * y[j, r]
            y[t, r] = acc
        r += step


def _ma_rows_kernel(z, w, theta, group):
    n_t, n_rows = z.shape
    q = theta.shape[1]
    r = cuda.grid(1)
    step = cuda.gridsize(1)
    while r < n_rows:
        s = r // group
        for t in range(n_t):
            acc = z[t, r]
            for j in range(q - 1, -1, -1):  # theta_q first
                if t - 1 - j >= 0:
                    acc -= theta[s, j] * w[t - 1 - j, r]
            w[t, r] = acc
        r += step


_KERNELS: dict[str, Any] = {}


def kernels() -> dict[str, Any]:
    """The three kernels compiled by ``numba.cuda.jit`` (imported on the first call)."""
    global cuda
    if not _KERNELS:
        from numba import cuda as numba_cuda

        cuda = numba_cuda
        _KERNELS.update(
            fir_direct=numba_cuda.jit(_fir_direct_kernel),
            ar_rows=numba_cuda.jit(_ar_rows_kernel),
            ma_rows=numba_cuda.jit(_ma_rows_kernel),
        )
    return _KERNELS


# ---------------------------------------------------------------------------------------
# Glue: device arrays in, kernels launched
# ---------------------------------------------------------------------------------------


def _same(a):
    return a


@dataclass
class Device:
    """How to launch on one device.

    sm_count : int
        Streaming multiprocessors (queried once by the caller, not per launch).
    put : callable
        Host NumPy array -> array on the device (``cupy.asarray``; identity under the simulator).
    wrap : callable
        Device array -> what the kernel receives (CuPy: ``numba.cuda.as_cuda_array(a, sync=False)``,
        so that numba neither copies nor synchronises; identity under the simulator).
    stream : object
        The numba stream to launch on (CuPy's current stream), or 0 for the default stream.
    threads, blocks_per_sm : int
        Launch shape (small under the simulator, which runs every thread in Python).
    context : callable
        Returns the context manager every launch runs in (CuPy on a device other than 0:
        ``numba.cuda.gpus[id]``, so that numba launches where CuPy's arrays live).
    xp : module
        The array namespace of the device arrays (``cupy``; NumPy under the simulator).
    use_kernels : bool
        False where numba.cuda cannot compile (no NVVM): :func:`fir_direct` and
        :func:`ar_recursion` then run the array code of ``_xp`` instead (correct, slower).
    """

    sm_count: int
    put: Callable = np.asarray
    wrap: Callable = _same
    stream: Any = 0
    threads: int = THREADS
    blocks_per_sm: int = BLOCKS_PER_SM
    context: Callable = contextlib.nullcontext
    xp: Any = np
    use_kernels: bool = True

    def blocks(self, n_items: int) -> int:
        return launch_blocks(n_items, self.sm_count, self.threads, self.blocks_per_sm)

    def launch(self, name: str, n_items: int, *args):
        kernel = kernels()[name]
        args = [self.wrap(a) if hasattr(a, "__cuda_array_interface__") else a for a in args]
        with self.context():
            kernel[self.blocks(n_items), self.threads, self.stream](*args)


def fir_direct(x, lags, coefs, start: int, out, dev: Device):
    """``out[:, i] = sum_k coefs[k] * x[:, start + i - lags[k]]`` on the device (the backend
    contract ``fir_direct``): one launch, one thread per output.

    ``x`` and ``out`` are C-contiguous 2-D device arrays of one dtype (float32 or float64);
    ``lags``/``coefs`` host arrays (moved to the device, as int64 and float64).  float32 data are
    accumulated in float64 with float64 coefficients and rounded once: within one rounding of
    the exact sum (the CPU backends add each tap into the float32 output, so they may differ
    from this by a few float32 ulps)."""
    n_rows, n_out = out.shape
    if n_rows * n_out == 0:
        return out
    if not dev.use_kernels:  # one vector operation per tap; float32 data accumulate in float32 there
        return _xp.fir_direct(x, lags, coefs, start, out, dev.xp)
    lg = dev.put(np.ascontiguousarray(lags, dtype=np.int64))
    cf = dev.put(np.ascontiguousarray(coefs, dtype=np.float64))
    dev.launch("fir_direct", n_rows * n_out, x, out, lg, cf, np.int64(start))
    return out


def ar_launcher(dev: Device):
    """The ``launch`` callable of ``_xp.ar_rows`` / ``_xp.ar_recursion_gpu`` (flat arrays in the
    transposed layout: ``row_stride == 1``, ``t_stride == n_rows``) running :func:`kernels`'s
    ``ar_rows``."""

    def launch(v, y, lags, coefs, n_rows, n_t, row_stride, t_stride):
        if n_rows * n_t == 0:
            return
        if row_stride != 1 or t_stride != n_rows:
            raise ValueError(f"ar_rows runs the time-major layout (row_stride=1, t_stride=n_rows), got {row_stride}, {t_stride}")
        lg = dev.put(np.ascontiguousarray(lags, dtype=np.int64))
        cf = dev.put(np.ascontiguousarray(coefs, dtype=np.float64))
        dev.launch("ar_rows", n_rows, v.reshape(n_t, n_rows), y.reshape(n_t, n_rows), lg, cf)

    return launch


def ar_recursion(u, lags, coefs, zi, out, xp, dev: Device):
    """The backend contract ``ar_recursion`` on the device: one thread per series or the blocked
    scan, as :func:`ar_plan` decides; rows holding NaN/inf run one thread per row (exact
    spreading, see ``_xp.ar_recursion_scan``).

    float32 data run in float64 (converted on the device on the way in and out), as on the
    numba backend: the recursion is latency-bound, so float32 arithmetic would gain nothing
    and would lose the CPU backends' accuracy."""
    lags = np.asarray(lags, dtype=np.int64)
    Bn, T = u.shape
    work = u if u.dtype == np.float64 else u.astype(np.float64)
    zw = None if zi is None else (zi if zi.dtype == np.float64 else zi.astype(np.float64))
    y = out if out.dtype == np.float64 else xp.empty(u.shape, dtype=np.float64)
    p = int(lags.max()) if lags.size else 0
    if not dev.use_kernels:  # the blocked scan with array-code local steps
        _xp.ar_recursion_scan(work, lags, coefs, zw, xp, out=y)
        if y is not out:
            out[...] = y
        return out
    plan = ar_plan(Bn, T, p, dev.sm_count)
    many = Bn if plan == "rows" else Bn + 1  # _xp.ar_recursion_gpu: rows when n_series >= many
    _xp.ar_recursion_gpu(work, lags, coefs, zw, y, xp, ar_launcher(dev), many_series=many)
    if y is not out:
        out[...] = y
    return out


def ma_inverse(z, ma, xp, dev: Device):
    """``w[..., t] = z[..., t] - sum_j ma[s, j-1] * w[..., t - j]`` (zero before the start) along
    the last axis of ``z`` (shape ``(n, ..., T)``; series ``s`` is the first index) with
    ``ma`` of shape ``(n, q)``: one launch of ``ma_rows`` on the time-major layout, instead of
    a Python loop over time.  Returns a new array of ``z``'s shape and dtype."""
    n = z.shape[0]
    q = ma.shape[1]
    if q == 0:
        return z.copy()
    T = z.shape[-1]
    rows = int(np.prod(z.shape[:-1]))
    group = rows // max(n, 1)
    if rows * T == 0:
        return z.copy()
    zt = xp.ascontiguousarray(z.reshape(rows, T).T)  # (T, rows)
    wt = xp.empty_like(zt)
    theta = xp.ascontiguousarray(xp.asarray(ma).reshape(n, q).astype(z.dtype, copy=False))
    dev.launch("ma_rows", rows, zt, wt, theta, np.int64(group))
    return xp.ascontiguousarray(wt.T).reshape(z.shape)


__all__ = [
    "THREADS",
    "ROWS_PER_SM",
    "Device",
    "launch_blocks",
    "ar_plan",
    "gpu_fir_costs",
    "choose_fir_method",
    "choose_iir_method",
    "kernels",
    "fir_direct",
    "ar_launcher",
    "ar_recursion",
    "ma_inverse",
]
