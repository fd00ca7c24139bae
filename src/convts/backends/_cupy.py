"""CuPy (CUDA GPU) executor: same functions and signatures as the NumPy reference backend.

Imported only when the backend is first used (``convts.backends.get_backend("cupy")``);
without CuPy the import raises ``ImportError`` (so ``convts.backends.available("cupy")`` is
False).  ``AVAILABLE`` is True only when CuPy imports *and* a CUDA device is visible;
``REASON`` says why not otherwise.  Install with ``pip install 'convts[gpu]'``.

Data placement (see docs/gpu.md)
    A CuPy array in gives a CuPy array out, and nothing leaves the device except scalars the
    engine asks for (``bool(isfinite(...).all())``).  The engine sends a NumPy array here only
    when the caller passed ``backend="cupy"`` explicitly; each function then copies its input
    to the device, computes there and copies the result back into the caller's NumPy ``out``
    (or returns a NumPy array): the copy the caller asked for, never a silent one.  Kernel
    coefficients and lags (a few numbers) are copied to the device at every call.

Algorithms (the array code is in ``_xp.py`` and runs under NumPy in CI)
    ``fft_full``       one batched ``cupy.fft.rfft`` / ``irfft`` (cuFFT plans cached by CuPy).
    ``oa_full``        batched overlap-add: all blocks of all rows in one cuFFT call.
    ``fir_direct``     CUDA kernel, one thread per output, loop over the stored taps.
    ``fir_uniform``    ``fir_direct`` with equal taps (exact; no running sum on the GPU).
    ``ar_recursion``   CUDA kernel, one thread per series, when there are >= 1024 series;
                       otherwise the blocked parallel scan of ``_xp.ar_recursion_scan`` with that
                       kernel solving all blocks of all series at once.  Rows holding NaN/inf
                       run the plain recursion (one thread per series) so they spread exactly.
    ``zi`` is scipy.signal.lfilter's transposed-direct-form-II state, as on the CPU backends,
    so a stream can move between CPU and GPU (the caller moves ``zf`` with ``cupy.asarray`` /
    ``.get()``).

Divergences from the NumPy reference (all within rounding)
    The FFT paths use cuFFT instead of pocketfft; float32 input is transformed in single
    precision (complex64), where the reference's scipy also stays in single precision.
    ``ar_recursion`` on float32 accumulates in float32 (the reference's ``lfilter`` computes in
    float64 and rounds the output): expect ~1e-6 relative differences for stable filters.

Not verified on a GPU in this repository's CI (no GPU there): the CUDA kernels themselves are
checked against their NumPy emulations (``_xp.emulate_*``) only through identical argument
lists; tests/test_gpu.py runs the CuPy comparisons whenever a GPU is present.
"""

from __future__ import annotations

import numpy as np

try:
    import cupy as cp
except Exception as exc:  # ImportError, or a broken CUDA installation raising at import
    raise ImportError(f"CuPy could not be imported ({exc})") from exc

from . import _xp

try:
    _N_DEVICES = int(cp.cuda.runtime.getDeviceCount())
    REASON = "" if _N_DEVICES > 0 else "CuPy is installed but no CUDA device is visible"
except Exception as exc:  # no driver, no device, CUDA_VISIBLE_DEVICES=""
    _N_DEVICES = 0
    REASON = f"CuPy is installed but the CUDA runtime failed: {exc}"

AVAILABLE = _N_DEVICES > 0

_FIR_SRC = r"""
extern "C" __global__
void fir_direct_DTYPE(const DTYPE* __restrict__ x, DTYPE* __restrict__ out,
                      const long long* __restrict__ lags, const DTYPE* __restrict__ coefs,
                      const int ntaps, const long long n_rows, const long long T_in,
                      const long long n_out, const long long start)
{
    const long long n = n_rows * n_out;
    for (long long idx = (long long)blockIdx.x * blockDim.x + threadIdx.x; idx < n;
         idx += (long long)blockDim.x * gridDim.x) {
        const long long r = idx / n_out;
        const long long i = idx - r * n_out;
        const DTYPE* xr = x + r * T_in;
        DTYPE acc = 0;
        for (int k = 0; k < ntaps; ++k) {
            const long long j = start + i - lags[k];
            if (j >= 0 && j < T_in) acc += coefs[k] * xr[j];
        }
        out[idx] = acc;
    }
}
"""

_AR_SRC = r"""
extern "C" __global__
void ar_rows_DTYPE(const DTYPE* __restrict__ v, DTYPE* __restrict__ y,
                   const long long* __restrict__ lags, const DTYPE* __restrict__ coefs,
                   const int ntaps, const long long n_rows, const long long n_t,
                   const long long row_stride, const long long t_stride)
{
    for (long long r = (long long)blockIdx.x * blockDim.x + threadIdx.x; r < n_rows;
         r += (long long)blockDim.x * gridDim.x) {
        const DTYPE* vr = v + r * row_stride;
        DTYPE* yr = y + r * row_stride;
        for (long long t = 0; t < n_t; ++t) {
            DTYPE acc = vr[t * t_stride];
            for (int k = ntaps - 1; k >= 0; --k) {  /* lags ascending: oldest first */
                const long long j = t - lags[k];
                if (j >= 0) acc -= coefs[k] * yr[j * t_stride];
            }
            yr[t * t_stride] = acc;
        }
    }
}
"""

_CTYPE = {np.dtype(np.float64): "double", np.dtype(np.float32): "float"}
_kernels: dict[tuple[str, str], object] = {}
_THREADS = 256


def _require():
    if not AVAILABLE:
        raise RuntimeError(f"backend 'cupy' cannot run: {REASON}; use backend='numpy' or 'numba'")


def _kernel(which: str, dtype):
    ctype = _CTYPE.get(np.dtype(dtype))
    if ctype is None:
        raise TypeError(f"the cupy backend runs float32 and float64 data, got {dtype}")
    key = (which, ctype)
    if key not in _kernels:
        src = (_FIR_SRC if which == "fir" else _AR_SRC).replace("DTYPE", ctype)
        name = ("fir_direct_" if which == "fir" else "ar_rows_") + ctype
        _kernels[key] = cp.RawKernel(src, name)
    return _kernels[key]


def _grid(n: int) -> tuple[int]:
    sms = cp.cuda.Device().attributes["MultiProcessorCount"]
    return (max(1, min(-(-n // _THREADS), 32 * sms)),)


def _launch_fir(x, out, lags, coefs, n_rows, T_in, n_out, start):
    """Same argument list as ``_xp.emulate_fir_direct``."""
    if n_rows * n_out == 0:
        return
    k = _kernel("fir", x.dtype)
    k(_grid(n_rows * n_out), (_THREADS,),
      (x, out, cp.asarray(lags, dtype=cp.int64), cp.asarray(coefs, dtype=x.dtype), np.int32(len(lags)),
       np.int64(n_rows), np.int64(T_in), np.int64(n_out), np.int64(start)))


def _launch_ar(v, y, lags, coefs, n_rows, n_t, row_stride, t_stride):
    """Same argument list as ``_xp.emulate_ar_rows``."""
    if n_rows * n_t == 0:
        return
    k = _kernel("ar", v.dtype)
    k(_grid(n_rows), (_THREADS,),
      (v, y, cp.asarray(lags, dtype=cp.int64), cp.asarray(coefs, dtype=v.dtype), np.int32(len(lags)),
       np.int64(n_rows), np.int64(n_t), np.int64(row_stride), np.int64(t_stride)))


def _on_device(a):
    """``a`` as a contiguous CuPy array (a host array is copied: only reached when the caller
    asked for backend='cupy' on NumPy data)."""
    if a is None:
        return None
    return cp.ascontiguousarray(a)


def _finish(y_dev, out):
    """Write the device result into ``out`` (device or host) and return ``out``."""
    if isinstance(out, cp.ndarray):
        if y_dev is not out:
            out[...] = y_dev
    else:
        out[...] = cp.asnumpy(y_dev)
    return out


def fir_direct(x, lags, coefs, start, out):
    _require()
    xd = _on_device(x)
    od = out if isinstance(out, cp.ndarray) and out.flags.c_contiguous else cp.empty(out.shape, dtype=x.dtype)
    _xp.fir_direct_gpu(xd, lags, coefs, start, od, cp, _launch_fir)
    return _finish(od, out)


def fir_uniform(x, lo, hi, weight, start, out):
    lags = np.arange(int(lo), int(hi) + 1, dtype=np.int64)
    return fir_direct(x, lags, np.full(lags.size, float(weight)), start, out)


def fft_full(x, b):
    _require()
    y = _xp.fft_full(_on_device(x), np.asarray(b, dtype=np.float64), cp)
    return y if isinstance(x, cp.ndarray) else cp.asnumpy(y)


def oa_full(x, b):
    _require()
    y = _xp.oa_full(_on_device(x), np.asarray(b, dtype=np.float64), cp)
    return y if isinstance(x, cp.ndarray) else cp.asnumpy(y)


def ar_recursion(u, lags, coefs, zi, out):
    _require()
    ud = _on_device(u)
    zd = _on_device(zi)
    od = out if isinstance(out, cp.ndarray) and out.flags.c_contiguous else cp.empty(u.shape, dtype=u.dtype)
    _xp.ar_recursion_gpu(ud, lags, coefs, zd, od, cp, _launch_ar)
    return _finish(od, out)
