"""CuPy (CUDA GPU) executor: same functions and signatures as the NumPy reference backend.

Imported only when the backend is first used (``convts.backends.get_backend("cupy")``);
without CuPy the import raises ``ImportError`` (so ``convts.backends.available("cupy")`` is
False).  ``AVAILABLE`` is True only when CuPy imports *and* a CUDA device is visible;
``REASON`` says why not otherwise.  Install with ``pip install 'convts[gpu]'``.

Data placement (see docs/gpu.md)
    A CuPy array in gives a CuPy array out, and nothing leaves the device except scalars the
    engine asks for (``bool(isfinite(...).all())``).  The engine sends a NumPy array here only
    when the caller passed ``backend="cupy"`` explicitly; each function then copies its input
    to the device (``cupy.asarray(a, order="C")``), computes there and copies the result back
    into the caller's NumPy ``out`` (or returns a NumPy array): the copy the caller asked for,
    never a silent one.  Kernel coefficients and lags (a few numbers) are copied to the device
    at every call.

Who does what
    CuPy holds the arrays and runs cuFFT and the array code (``_xp.py``, tested under NumPy);
    the three custom kernels are ``numba.cuda`` kernels in ``_cuda_kernels.py`` (tested on the
    CPU under numba's CUDA simulator by tests/test_cuda_sim.py), launched here on CuPy's current
    stream with the CuPy arrays passed through ``__cuda_array_interface__`` (no copy, no
    synchronisation by numba).

    ``fft_full``       one batched ``cupy.fft.rfft`` / ``irfft`` (cuFFT plans cached by CuPy).
    ``oa_full``        batched overlap-add: all blocks of all rows in one cuFFT call.
    ``fir_direct``     kernel ``fir_direct``, one thread per output, loop over the stored taps.
    ``fir_uniform``    ``fir_direct`` with equal taps (exact; no running sum on the GPU).
    ``ar_recursion``   kernel ``ar_rows``: one thread per series when the series fill the GPU,
                       otherwise the blocked parallel scan of ``_xp.ar_recursion_scan`` with that
                       kernel solving all blocks of all series at once
                       (``_cuda_kernels.ar_plan``: series count against the SM count and the
                       series length).  Rows holding NaN/inf run the plain recursion (one thread
                       per series) so they spread exactly.
    ``ma_inverse``     kernel ``ma_rows`` (not part of the engine's contract): the batched ARMA
                       fits' inverse MA filter, one launch instead of a Python loop over time.
    ``zi`` is scipy.signal.lfilter's transposed-direct-form-II state, as on the CPU backends,
    so a stream can move between CPU and GPU (the caller moves ``zf`` with ``cupy.asarray`` /
    ``.get()``).

Divergences from the NumPy reference (all within rounding)
    The FFT paths use cuFFT instead of pocketfft; float32 input is transformed in single
    precision (complex64), where the reference's scipy also stays in single precision.
    ``fir_direct`` on float32 accumulates in float64 with float64 coefficients and rounds once
    (the CPU backends add each tap's product into the float32 output): differences of a few
    float32 ulps.  ``ar_recursion`` on float32 runs in float64, as the numba backend does.

Without a working numba.cuda (no libNVVM: CuPy's wheels do not ship it) the first call warns
(``RuntimeWarning``) and ``fir_direct`` / ``ar_recursion`` run the array code of ``_xp``
(one vector operation per tap; the blocked scan with time-stepped local solves), and the batched
fits their loop over time: correct, slower.

Not yet run on a GPU (no GPU was available when this was written): see docs/gpu.md and
``benchmarks/gpu_check.sh``.  ``method="auto"``'s GPU rule and the occupancy rule are in
``_cuda_kernels.py`` with their reasoning; their constants are still to be measured.
"""

from __future__ import annotations

import contextlib
import warnings

import numpy as np

try:
    import cupy as cp
except Exception as exc:  # ImportError, or a broken CUDA installation raising at import
    raise ImportError(f"CuPy could not be imported ({exc})") from exc

from . import _cuda_kernels as ck
from . import _xp

try:
    _N_DEVICES = int(cp.cuda.runtime.getDeviceCount())
    REASON = "" if _N_DEVICES > 0 else "CuPy is installed but no CUDA device is visible"
except Exception as exc:  # no driver, no device, CUDA_VISIBLE_DEVICES=""
    _N_DEVICES = 0
    REASON = f"CuPy is installed but the CUDA runtime failed: {exc}"

AVAILABLE = _N_DEVICES > 0

_SM_COUNT: dict[int, int] = {}  # device id -> multiprocessor count, queried once per device
_STREAMS: dict[int, object] = {}  # CuPy stream pointer -> numba external stream


def _require():
    if not AVAILABLE:
        raise RuntimeError(f"backend 'cupy' cannot run: {REASON}; use backend='numpy' or 'numba'")


def sm_count() -> int:
    """Multiprocessors of the current device, queried once per device and process
    (``Device.attributes`` makes ~100 driver calls: never per launch)."""
    dev = cp.cuda.Device()
    if dev.id not in _SM_COUNT:
        _SM_COUNT[dev.id] = int(dev.attributes["MultiProcessorCount"])
    return _SM_COUNT[dev.id]


def _numba_stream():
    """CuPy's current stream as a numba stream, so the kernels queue behind CuPy's work."""
    ptr = int(cp.cuda.get_current_stream().ptr)
    if ptr == 0:
        return 0  # the legacy default stream, the same for CuPy and numba
    if ptr not in _STREAMS:
        from numba import cuda

        _STREAMS[ptr] = cuda.external_stream(ptr)
    return _STREAMS[ptr]


def _wrap(a):
    """A CuPy array as numba sees it: no copy, and no stream synchronisation (the launch
    is queued on the same stream as the work that produced ``a``)."""
    from numba import cuda

    return cuda.as_cuda_array(a, sync=False)


def _numba_device(dev_id: int):
    """numba's context for CuPy's current device (numba's own current device is 0 unless told)."""
    from numba import cuda

    return cuda.gpus[dev_id]


_KERNELS_REASON: list[str] = []  # '' once a test launch of the numba.cuda kernels worked, else why not


def _try_kernels(dev: ck.Device) -> str:
    """'' when numba.cuda compiles and runs a kernel here with the right result, else why not
    (e.g. no libNVVM: CuPy wheels do not ship it; numba needs the CUDA toolkit's or numba-cuda's)."""
    try:
        x = cp.arange(1.0, 5.0).reshape(1, 4)
        out = cp.zeros((1, 4))
        ck.fir_direct(x, np.array([0, 1]), np.array([1.0, 1.0]), 0, out, dev)
        got = cp.asnumpy(out)
    except Exception as exc:
        return f"numba.cuda cannot compile or launch kernels here ({type(exc).__name__}: {exc})"
    if not np.array_equal(got, [[1.0, 3.0, 5.0, 7.0]]):
        return f"a test launch of a numba.cuda kernel returned {got.tolist()} instead of [[1, 3, 5, 7]]"
    return ""


def _device() -> ck.Device:
    dev_id = cp.cuda.Device().id
    context = contextlib.nullcontext if dev_id == 0 else (lambda: _numba_device(dev_id))
    dev = ck.Device(sm_count=sm_count(), put=cp.asarray, wrap=_wrap, stream=_numba_stream(), context=context, xp=cp)
    if not _KERNELS_REASON:
        reason = _try_kernels(dev)
        _KERNELS_REASON.append(reason)
        if reason:
            warnings.warn(f"backend 'cupy': {reason}; the direct FIR and the recursions run as CuPy array code "
                          f"instead (correct, slower). Install the CUDA toolkit's NVVM (or numba-cuda) to use the kernels",
                          RuntimeWarning, stacklevel=3)
    dev.use_kernels = not _KERNELS_REASON[0]
    return dev


def kernels_available() -> bool:
    """Whether the numba.cuda kernels run here (tested once per process by a tiny launch)."""
    _require()
    return _device().use_kernels


def _on_device(a, dtype=None):
    """``a`` as a C-contiguous CuPy array.  A host array is copied (only reached when the
    caller asked for backend='cupy' on NumPy data); ``cupy.ascontiguousarray`` would refuse it."""
    if a is None:
        return None
    return cp.asarray(a, dtype=dtype, order="C")


def _device_out(out, dtype):
    """Where the kernel writes: ``out`` itself when it is a contiguous CuPy array."""
    if isinstance(out, cp.ndarray) and out.flags.c_contiguous:
        return out
    return cp.empty(out.shape, dtype=dtype)


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
    od = _device_out(out, xd.dtype)
    ck.fir_direct(xd, lags, coefs, start, od, _device())
    return _finish(od, out)


def fir_uniform(x, lo, hi, weight, start, out):
    lags = np.arange(int(lo), int(hi) + 1, dtype=np.int64)
    return fir_direct(x, lags, np.full(lags.size, float(weight)), start, out)


def fft_full(x, b):
    _require()
    y = _xp.fft_full(_on_device(x), np.asarray(b, dtype=np.float64), cp)
    return y if isinstance(x, cp.ndarray) else cp.asnumpy(y)


def oa_into(x, b, i0, out, zero_nonfinite=False):
    """``out[:, i] = full[:, i0 + i]`` by the shared overlap-add on the device (one block rule,
    bounded groups; ``backends._overlap_add``); a NumPy ``out`` is filled from the device result."""
    _require()
    from . import _overlap_add

    xd = _on_device(x)
    target = out if isinstance(out, cp.ndarray) else cp.empty(out.shape, dtype=out.dtype)
    _overlap_add.oa_into(xd, np.asarray(b, dtype=np.float64), int(i0), target, cp, cp.fft,
                         zero_nonfinite=zero_nonfinite)
    if target is not out:
        out[...] = cp.asnumpy(target)
    return out


def oa_full(x, b):
    _require()
    y = _xp.oa_full(_on_device(x), np.asarray(b, dtype=np.float64), cp)
    return y if isinstance(x, cp.ndarray) else cp.asnumpy(y)


def ar_recursion(u, lags, coefs, zi, out):
    _require()
    ud = _on_device(u)
    zd = _on_device(zi)
    od = _device_out(out, ud.dtype)
    ck.ar_recursion(ud, lags, coefs, zd, od, cp, _device())
    return _finish(od, out)


def ma_inverse(z, ma):
    """``w_t = z_t - sum_j ma[s, j-1] w_{t-j}`` along the last axis of the CuPy array ``z``
    (series ``s`` = first index), ``ma`` of shape ``(n, q)``: the batched ARMA fits' inverse
    MA filter in one kernel launch (``_cuda_kernels.ma_inverse``).  Returns a new CuPy array."""
    _require()
    dev = _device()
    if not dev.use_kernels:
        raise RuntimeError(f"backend 'cupy': the ma_rows kernel cannot run here: {_KERNELS_REASON[0]}")
    return ck.ma_inverse(_on_device(z), cp.asarray(ma, dtype=z.dtype), cp, dev)


def choose_fir_method(n_taps, span, T, uniform, nonfinite):
    """``method="auto"`` for FIR kernels on the GPU (``_cuda_kernels.choose_fir_method``)."""
    return ck.choose_fir_method(n_taps, span, T, nonfinite)


def choose_iir_method(pole_radius, n_ar_taps, T, nonfinite):
    """``method="auto"`` for IIR kernels on the GPU (``_cuda_kernels.choose_iir_method``)."""
    return ck.choose_iir_method(pole_radius, T, nonfinite)
