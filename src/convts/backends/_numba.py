"""Numba CPU executor: threaded loops over (series, time-block) tasks.

The numba flags ``numba_cache`` and ``numba_fastmath`` are read from ``convts._config`` when
this module is first imported (the first numba call); ``numba_parallel`` is read at every call.

Same functions and signatures as the NumPy reference (see ``convts.backends``).  The FFT
methods reuse the reference's scipy.fft code: measured faster than FFTs inside numba
kernels (rocket-fft) on this machine, see docs/engine.md.  Kernels are compiled with explicit
float64 and float32 signatures, ``cache=True`` and the flags in ``convts._config``; the
output is always allocated by the caller (allocating inside njit measured ~2x slower).
"""

from __future__ import annotations

import numba as nb
import numpy as np

from .._config import get_option
from ._numpy import fft_full, oa_full  # noqa: F401  (same FFT path as the reference)

AVAILABLE = True

_BLOCK = 4096  # outputs per task: keeps one block of x and out in L1/L2 across taps


def _arr(dtype, ndim, readonly=False):
    return nb.types.Array(dtype, ndim, "C", readonly=readonly)


def _signatures(kind):
    """Explicit signatures: float64 and float32 data; inputs read-only so that read-only arrays
    (a user's frozen array, the Kernel's immutable taps) need no copy and no extra compile."""
    sigs = []
    for f in (nb.float64, nb.float32):
        x = _arr(f, 2, readonly=True)
        out = _arr(f, 2)
        lags = _arr(nb.int64, 1, readonly=True)
        coefs = _arr(nb.float64, 1, readonly=True)
        if kind == "fir":
            sigs.append(nb.void(x, lags, coefs, nb.int64, out))
        elif kind == "uniform":
            sigs.append(nb.void(x, nb.int64, nb.int64, nb.float64, nb.int64, out))
        else:
            sigs.append(nb.void(x, lags, coefs, x, out))
    return sigs


def _flags():
    return dict(cache=get_option("numba_cache"), fastmath=get_option("numba_fastmath"), nogil=True)


_FIR_SIG = _signatures("fir")
_UNI_SIG = _signatures("uniform")
_AR_SIG = _signatures("ar")


def _fir_block(x, lags, coefs, start, out, r, t0, t1):
    T = x.shape[1]
    for i in range(t0, t1):
        out[r, i] = 0.0
    for k in range(lags.size):
        c = coefs[k]
        off = start - lags[k]
        lo = max(t0, -off)
        hi = min(t1, T - off)
        for i in range(lo, hi):
            out[r, i] += c * x[r, i + off]


def _fir_direct(x, lags, coefs, start, out):
    n_series, n_out = out.shape
    n_blocks = (n_out + _BLOCK - 1) // _BLOCK
    for task in nb.prange(n_series * n_blocks):
        r = task // n_blocks
        b = task - r * n_blocks
        t0 = b * _BLOCK
        t1 = min(n_out, t0 + _BLOCK)
        _fir_block(x, lags, coefs, start, out, r, t0, t1)


def _uniform_block(x, lo, hi, weight, start, out, r, t0, t1):
    # out[i] = weight * sum_{lag=lo..hi} x[start + i - lag]: a running window sum, restarted
    # exactly at every block so rounding errors cannot accumulate past one block.
    T = x.shape[1]
    acc = 0.0
    first = start + t0 - hi
    last = start + t0 - lo
    for j in range(max(first, 0), min(last, T - 1) + 1):
        acc += x[r, j]
    out[r, t0] = weight * acc
    for i in range(t0 + 1, t1):
        j_in = start + i - lo
        j_out = start + i - hi - 1
        if 0 <= j_in < T:
            acc += x[r, j_in]
        if 0 <= j_out < T:
            acc -= x[r, j_out]
        out[r, i] = weight * acc


def _fir_uniform(x, lo, hi, weight, start, out):
    n_series, n_out = out.shape
    n_blocks = (n_out + _BLOCK - 1) // _BLOCK
    for task in nb.prange(n_series * n_blocks):
        r = task // n_blocks
        b = task - r * n_blocks
        t0 = b * _BLOCK
        t1 = min(n_out, t0 + _BLOCK)
        _uniform_block(x, lo, hi, weight, start, out, r, t0, t1)


def _ar_row(u, lags, coefs, zi, out, r):
    T = u.shape[1]
    m = min(zi.shape[1], T)
    p = lags.size
    if p == 1 and lags[0] == 1:
        a1 = coefs[0]
        prev = 0.0
        for t in range(T):
            v = u[r, t]
            if t < m:
                v += zi[r, t]
            prev = v - a1 * prev
            out[r, t] = prev
        return
    if p == 2 and lags[0] == 1 and lags[1] == 2:
        a1 = coefs[0]
        a2 = coefs[1]
        y1 = 0.0
        y2 = 0.0
        for t in range(T):
            v = u[r, t]
            if t < m:
                v += zi[r, t]
            y0 = (v - a2 * y2) - a1 * y1
            out[r, t] = y0
            y2 = y1
            y1 = y0
        return
    for t in range(T):
        acc = u[r, t]
        if t < m:
            acc += zi[r, t]
        # add the oldest lags first so the newest output enters the chain last
        for k in range(p - 1, -1, -1):
            j = t - lags[k]
            if j >= 0:
                acc -= coefs[k] * out[r, j]
        out[r, t] = acc


def _ar_recursion_impl(u, lags, coefs, zi, out):
    for r in nb.prange(u.shape[0]):
        _ar_row(u, lags, coefs, zi, out, r)


_FLAGS = _flags()
_fir_block = nb.njit(**_FLAGS)(_fir_block)
_uniform_block = nb.njit(**_FLAGS)(_uniform_block)
_ar_row = nb.njit(**_FLAGS)(_ar_row)
_fir_direct = nb.njit(_FIR_SIG, parallel=True, **_FLAGS)(_fir_direct)
_fir_uniform = nb.njit(_UNI_SIG, parallel=True, **_FLAGS)(_fir_uniform)
_ar_recursion_impl = nb.njit(_AR_SIG, parallel=True, **_FLAGS)(_ar_recursion_impl)


class _threads:
    """Run with one numba thread when the option ``numba_parallel`` is off."""

    def __enter__(self):
        self.old = None
        if not get_option("numba_parallel"):
            self.old = nb.get_num_threads()
            nb.set_num_threads(1)

    def __exit__(self, *exc):
        if self.old is not None:
            nb.set_num_threads(self.old)


def _ro(a, dtype=None):
    """A read-only C-contiguous view (no copy when ``a`` already has the dtype and layout)."""
    a = np.ascontiguousarray(a, dtype=dtype)
    if a.flags.writeable:
        a = a.view()
        a.flags.writeable = False
    return a


def fir_direct(x, lags, coefs, start, out):
    with _threads():
        _fir_direct(_ro(x), _ro(lags, np.int64), _ro(coefs, np.float64), np.int64(start), out)
    return out


def fir_uniform(x, lo, hi, weight, start, out):
    with _threads():
        _fir_uniform(_ro(x), np.int64(lo), np.int64(hi), float(weight), np.int64(start), out)
    return out


def ar_recursion(u, lags, coefs, zi, out):
    if zi is None:
        zi = np.zeros((u.shape[0], 0), dtype=u.dtype)
    with _threads():
        _ar_recursion_impl(_ro(u), _ro(lags, np.int64), _ro(coefs, np.float64), _ro(zi, u.dtype), out)
    return out


def warmup() -> None:
    """Compile (or load from cache) every kernel for float64 and float32."""
    for dtype in (np.float64, np.float32):
        x = np.ones((1, 8), dtype=dtype)
        out = np.empty_like(x)
        fir_direct(x, np.array([0, 1], dtype=np.int64), np.array([0.5, 0.5]), 0, out)
        fir_uniform(x, 0, 1, 0.5, 0, out)
        ar_recursion(x, np.array([1], dtype=np.int64), np.array([-0.5]), None, out)
