"""``convolve`` and ``correlate``: validate once, choose a method, dispatch to a backend."""

from __future__ import annotations

import warnings

import numpy as np

from .._config import get_option
from .._validation import _array_module, as_float_array, check_axis, check_nan_policy, raise_if_nonfinite
from ..backends import available, get_backend
from ..kernels import Kernel
from ..kernels import _kernel as _kernel_module
from ..kernels._kernel import FirTaps, fir_taps
from . import _choose
from .._warnings import UnstableKernelWarning  # defined once for the package; re-exported here

__all__ = ["convolve", "correlate", "steady_state", "as_kernel", "UnstableKernelWarning", "MODES", "METHODS"]

MODES = ("causal", "same", "full", "valid", "circular", "zero_phase")
_LINEAR_MODES = ("causal", "same", "full", "valid")
METHODS = ("auto", "direct", "fft", "overlap_add", "recursive", "impulse_fft")
BACKENDS = ("auto", "numpy", "numba", "cupy")


# Poles this close to the unit circle count as unit roots (integrators, seasonal sums): a d-fold
# root at 1 is computed with an error of ~eps**(1/d) (2e-4 for integrate(4)), not as explosive.
UNIT_ROOT_TOL = 1e-3


def _user_stacklevel() -> int:
    """``stacklevel`` for a warning raised in the caller of this function that points at the
    first frame outside convts (convolve, Kernel.__call__, the accessor, dask)."""
    import os
    import sys

    pkg = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep
    frame, level = sys._getframe(1), 1
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(pkg):
        frame, level = frame.f_back, level + 1
    return level


def as_kernel(kernel) -> Kernel:
    """Return ``kernel`` as a Kernel (a 1-D array of taps becomes a causal FIR kernel)."""
    if isinstance(kernel, Kernel):
        return kernel
    if hasattr(kernel, "get") and type(kernel).__module__.startswith("cupy"):
        kernel = kernel.get()  # taps are tiny; the series never leaves its device
    return Kernel(b=kernel)


_AUTO_CPU: list = []  # the backend module 'auto' means for host arrays, once resolved
_NUMBA = "convts.backends._numba"


def _auto_cpu_backend():
    if not _AUTO_CPU:
        _AUTO_CPU.append(get_backend("numba" if available("numba") else "numpy"))
    return _AUTO_CPU[0]


# Raw taps -> FirTaps, so that a script calling convolve(x, taps) in a loop builds them once.
# Keyed by the float64 bytes (the taps are copied in); the oldest entry goes when it is full.
_RAW_TAPS: dict[bytes, FirTaps] = {}
_RAW_TAPS_MAX = 256


def _raw_taps(kernel) -> FirTaps | None:
    """FirTaps of 1-D taps given as an array or list, without building a Kernel (~25 us), or
    None where ``Kernel(b=kernel)`` must decide (an error to raise, or all taps zero, whose
    extent a Kernel reduces to one lag)."""
    arr = np.asarray(kernel)
    if arr.ndim != 1 or arr.size == 0 or arr.dtype.kind not in "biuf":
        return None
    if arr.dtype != np.float64:
        arr = arr.astype(np.float64)
    key = arr.tobytes()
    taps = _RAW_TAPS.get(key)
    if taps is None:
        if not np.isfinite(arr).all() or not arr.any():
            return None
        taps = fir_taps(np.arange(arr.size, dtype=np.int64), arr.copy())
        if len(_RAW_TAPS) >= _RAW_TAPS_MAX:
            try:  # another thread may be evicting too: then one entry less or more is fine
                _RAW_TAPS.pop(next(iter(_RAW_TAPS)), None)
            except (RuntimeError, StopIteration):
                pass
        _RAW_TAPS[key] = taps
    return taps


def _fast_taps(kernel) -> FirTaps | None:
    """The FirTaps of a FIR Kernel (kept on the kernel) or of raw taps; None otherwise."""
    if isinstance(kernel, Kernel):
        return kernel._fir_taps if kernel.is_fir else None
    if isinstance(kernel, (np.ndarray, list, tuple)):
        return _raw_taps(kernel)
    return None


def _resolve_backend(backend: str, x) -> str:
    if backend not in BACKENDS:
        raise ValueError(f"backend={backend!r}: use one of {BACKENDS}")
    on_gpu = _array_module(x) is not np
    if on_gpu:
        if backend not in ("auto", "cupy"):
            raise ValueError(
                f"x is a CuPy array but backend={backend!r}; convts never copies between devices "
                f"silently: use backend='cupy' or pass x.get()"
            )
        return "cupy"
    if backend == "auto":
        return "numba" if available("numba") else "numpy"
    return backend


def _to_2d(arr, axis):
    moved = arr if axis == arr.ndim - 1 else _array_module(arr).moveaxis(arr, axis, -1)
    lead = moved.shape[:-1]
    x2 = moved.reshape(-1, moved.shape[-1])
    xp = _array_module(x2)
    return xp.ascontiguousarray(x2), lead


def _from_2d(y2, lead, axis, ndim):
    y = y2.reshape(*lead, y2.shape[-1])
    return y if axis == ndim - 1 else _array_module(y).moveaxis(y, -1, axis)


def _geometry(k: Kernel | FirTaps, mode: str, T: int) -> tuple[int, int]:
    """(start, n_out): output i is the sum at time ``start + i`` (see backends.fir_direct)."""
    lmin, m = k.offset, k.span
    if mode == "causal":
        return 0, T
    if mode == "full":
        return lmin, T + m - 1
    if mode == "same":
        return lmin + (m - 1) // 2, T
    if mode == "valid":
        if T < m:
            raise ValueError(
                f"mode='valid' needs a series at least as long as the kernel: the series has "
                f"{T} observations and the kernel spans {m} lags; use mode='causal' or 'same'"
            )
        return lmin + m - 1, T - m + 1
    raise AssertionError(mode)


def _has_nonfinite(x2) -> bool:
    """True when ``x2`` holds a NaN/inf: one sum (finite for finite data unless it overflows),
    then the exact elementwise test only when the sum is not finite.  The sum's own floating
    point warnings (``inf + -inf``, an overflow of finite data) are the test, not the user's
    business: they are silenced."""
    xp = _array_module(x2)
    with np.errstate(over="ignore", invalid="ignore"):
        total = x2.sum()
    return not bool(xp.isfinite(total)) and not bool(xp.all(xp.isfinite(x2)))


def _fir(x2, taps: FirTaps, mode: str, method: str, be, nonfinite: bool | None = False):
    """FIR taps (``Kernel._fir_taps``) on 2-D rows; returns a new contiguous array.

    ``nonfinite``: whether ``x2`` holds a NaN/inf, or None when not yet known.  The direct
    kernels spread NaN/inf exactly by themselves (the running sum of uniform taps recomputes
    the blocks that met one, see ``backends.fir_uniform``), so ``x2`` is checked only when an
    FFT method is chosen.
    """
    xp = np if type(x2) is np.ndarray else _array_module(x2)
    T = x2.shape[1]
    if mode == "circular":
        return _fir_circular(x2, taps, method, be, nonfinite)
    start, n_out = _geometry(taps, mode, T)
    if method == "auto":
        method = _choose.choose_fir_method(taps.lags.size, taps.span, T, taps.uniform, be.__name__.rsplit("_", 1)[-1], bool(nonfinite))
        if method != "direct" and nonfinite is None:
            nonfinite = _has_nonfinite(x2)
            if nonfinite:
                method = "direct"
    if method == "direct":
        out = xp.empty((x2.shape[0], n_out), dtype=x2.dtype)
        if taps.uniform and not nonfinite:
            be.fir_uniform(x2, taps.offset, taps.offset + taps.span - 1, float(taps.coefs[0]), start, out)
        else:
            be.fir_direct(x2, taps.lags, taps.coefs, start, out)
        return out
    if method not in ("fft", "overlap_add"):
        raise ValueError(f"method={method!r} does not apply to a FIR kernel; use 'direct', 'fft' or 'overlap_add'")
    if nonfinite is None:
        nonfinite = _has_nonfinite(x2)
    # full[:, j] is the sum at time j + offset; output i is time start + i.  In 'causal' mode a
    # delayed (offset > 0) or centred (offset < 0) kernel reaches outside ``full``: those
    # outputs are 0 (x is 0 outside its range).
    i0 = start - taps.offset
    if method == "overlap_add" and hasattr(be, "oa_into"):
        # blocks written straight into the output: no padded copy, no whole-length temporary
        y = xp.empty((x2.shape[0], n_out), dtype=x2.dtype)
        be.oa_into(x2, taps.dense, i0, y, zero_nonfinite=bool(nonfinite))
    else:
        xin = xp.where(xp.isfinite(x2), x2, 0) if nonfinite else x2
        full = (be.fft_full if method == "fft" else be.oa_full)(xin, taps.dense)
        if 0 <= i0 and i0 + n_out <= full.shape[1]:
            y = xp.ascontiguousarray(full[:, i0 : i0 + n_out])
        else:
            y = xp.zeros((x2.shape[0], n_out), dtype=x2.dtype)
            lo, hi = max(0, -i0), min(n_out, full.shape[1] - i0)
            if hi > lo:
                y[:, lo:hi] = full[:, i0 + lo : i0 + hi]
    if nonfinite:
        _repair_nonfinite(x2, taps, start, y, be)
    return y


def _repair_nonfinite(x2, taps: FirTaps, start: int, y, be) -> None:
    """Recompute, exactly, the outputs of an FFT path whose window holds a NaN/inf input."""
    xp = _array_module(x2)
    bad = (~xp.isfinite(x2)).astype(x2.dtype)
    hit = xp.empty_like(y)
    be.fir_direct(bad, taps.lags, np.ones(taps.lags.size), start, hit)
    rows, cols = xp.nonzero(hit > 0.5)
    if rows.size == 0:
        return
    exact = xp.empty_like(y)
    be.fir_direct(x2, taps.lags, taps.coefs, start, exact)
    y[rows, cols] = exact[rows, cols]


def _fold(taps: FirTaps, T: int) -> tuple[np.ndarray, np.ndarray]:
    """The kernel's taps wrapped onto lags ``0..T-1`` for mode 'circular': ``(lags, coefs)``.

    Taps whose lags differ by a multiple of ``T`` (a kernel longer than the series) land on one
    lag.  Each lag keeps the sum of its positive taps and the sum of its negative taps as two
    terms, not their sum: a NaN/inf value ``v`` there meets ``c1 v + c2 v`` with ``c1 > 0 > c2``
    in exact arithmetic, which is NaN (``inf - inf``) also when ``c1 + c2 == 0`` (a single
    folded tap would be 0 and dropped) or when it is not (``(c1 + c2) v`` would be +-inf).
    Finite data see the same sum up to rounding; a kernel shorter than the series folds
    nothing.  Zero taps are not terms (``FirTaps.lags``).
    """
    lags = np.mod(taps.lags, T)
    coefs = taps.coefs
    out_lags, out_coefs = [], []
    for sel in (coefs > 0, coefs < 0):
        u, inv = np.unique(lags[sel], return_inverse=True)
        out_lags.append(u)
        out_coefs.append(np.bincount(inv.ravel(), weights=coefs[sel], minlength=u.size))
    lags, coefs = np.concatenate(out_lags), np.concatenate(out_coefs)
    order = np.argsort(lags, kind="stable")
    return lags[order].astype(np.int64), coefs[order]


def _fir_circular(x2, taps: FirTaps, method: str, be, nonfinite: bool | None):
    xp = _array_module(x2)
    T = x2.shape[1]
    lags, coefs = _fold(taps, T)
    if method in ("fft", "overlap_add") or (method == "auto" and lags.size > 32):
        if nonfinite is None:
            nonfinite = _has_nonfinite(x2)
    if method == "auto":
        method = "direct" if (nonfinite or lags.size <= 32) else "fft"
    if method == "direct":
        xe = xp.concatenate([x2, x2], axis=1)
        out = xp.empty_like(x2)
        be.fir_direct(xe, lags, coefs, T, out)
        return out
    if method not in ("fft", "overlap_add"):
        raise ValueError(f"method={method!r} does not apply to a FIR kernel")
    taps = np.zeros(T)
    np.add.at(taps, lags, coefs)
    fx = xp.fft.rfft(xp.where(xp.isfinite(x2), x2, 0) if nonfinite else x2, axis=-1)
    y = xp.fft.irfft(fx * xp.asarray(np.fft.rfft(taps)), T, axis=-1).astype(x2.dtype, copy=False)
    y = xp.ascontiguousarray(y)
    if nonfinite:
        bad = ~xp.isfinite(x2)
        xe = xp.concatenate([x2, x2], axis=1)
        hit = xp.empty_like(x2)
        be.fir_direct(xp.concatenate([bad, bad], axis=1).astype(x2.dtype), lags, np.ones(lags.size), T, hit)
        rows, cols = xp.nonzero(hit > 0.5)
        if rows.size:
            exact = xp.empty_like(x2)
            be.fir_direct(xe, lags, coefs, T, exact)
            y[rows, cols] = exact[rows, cols]
    return y


def _iir_circular(x2, k: Kernel):
    """Periodic steady state: multiply the DFT by the exact frequency response."""
    xp = _array_module(x2)
    T = x2.shape[1]
    w = 2 * np.pi * np.arange(T // 2 + 1) / T
    z = np.exp(-1j * w)
    from ..kernels._kernel import _evaluate

    den = _evaluate(k.ar_lags, k.ar_coefs, z)
    if np.any(np.abs(den) < 1e-12):
        raise ValueError(
            "mode='circular' needs A(L) != 0 at every DFT frequency; this kernel has a root on "
            "the unit circle there (e.g. an integrator at frequency 0)"
        )
    h = _evaluate(k.ma_lags, k.ma_coefs, z) / den
    y = xp.fft.irfft(xp.fft.rfft(x2, axis=-1) * xp.asarray(h), T, axis=-1)
    return xp.ascontiguousarray(y.astype(x2.dtype, copy=False))


def _state_size(k: Kernel) -> int:
    return max(int(k.ma_lags[-1]), int(k.ar_lags[-1]))


def _final_state(x2, y2, k: Kernel, zi):
    """scipy.signal.lfilter's final state (transposed direct form II) from the last inputs and outputs.

    ``zf[k] = sum_{i=k+1..M} (b_i x[T+k-i] - a_i y[T+k-i])`` plus the carried ``zi[T+k]`` when the
    chunk is shorter than the state.
    """
    xp = _array_module(x2)
    B, T = x2.shape
    M = _state_size(k)
    zf = xp.zeros((B, M), dtype=x2.dtype)
    for lags, coefs, src, sign in ((k.ma_lags, k.ma_coefs, x2, 1.0), (k.ar_lags[1:], k.ar_coefs[1:], y2, -1.0)):
        for i, c in zip(lags.tolist(), coefs.tolist()):
            if i == 0 or c == 0.0:  # lag 0 is not state; a zero (end) tap is no term
                continue
            k_lo = max(0, i - T)
            if k_lo < i:
                zf[:, k_lo:i] += (sign * c) * src[:, T + k_lo - i : T]
    if zi is not None and T < M:
        zf[:, : M - T] += zi[:, T:M]
    return zf


def _zero_phase(x, k, method, backend, axis):
    """``scipy.signal.filtfilt(b, a, x, axis)`` with its default padding, by two causal passes of
    :func:`convolve` (Gustafsson 1996 is not offered; see filtfilt's ``method='pad'``)."""
    if k.offset < 0:
        raise ValueError("mode='zero_phase' needs a causal kernel (no leads): the backward pass supplies "
                         "the leads; shift it with k.shift(...)")
    arr = as_float_array(x, "x", ndim=None)
    if arr.ndim == 0:
        raise ValueError("x is a scalar; pass a 1-D series or a 2-D (n_series, T) batch")
    xp = _array_module(arr)
    ax = check_axis(axis, arr.ndim)
    moved = xp.moveaxis(arr, ax, -1)
    T = moved.shape[-1]
    n_taps = max(int(k.ma_lags[-1]) if k.ma_lags.size else 0, int(k.ar_lags[-1]) if k.ar_lags.size else 0) + 1
    padlen = 3 * n_taps
    if T <= padlen:
        raise ValueError(f"mode='zero_phase': x has {T} values along axis {axis}; the padding needs more than "
                         f"3 * {n_taps} = {padlen} (scipy.signal.filtfilt's padlen)")
    rows = moved.reshape(-1, T)
    if padlen:
        left = 2 * rows[:, :1] - rows[:, padlen:0:-1]
        right = 2 * rows[:, -1:] - rows[:, -2:-padlen - 2:-1]
        ext = xp.concatenate([left, rows, right], axis=1)
    else:
        ext = rows
    z = steady_state(k)
    if not isinstance(z, np.ndarray) or xp is not np:
        z = xp.asarray(z)
    kw = dict(method=method, backend=backend, axis=-1)
    y = _steady_start_pass(ext, k, z, kw, xp)
    y = _steady_start_pass(y[:, ::-1], k, z, kw, xp)[:, ::-1]
    y = y[:, padlen:padlen + T] if padlen else y
    return xp.moveaxis(xp.ascontiguousarray(y).reshape(moved.shape), -1, ax)


def _steady_start_pass(rows, k, z, kw, xp):
    """lfilter(b, a, rows, zi=lfilter_zi(b, a) * rows[:, 0]) per row: a row whose first value is not
    finite has a non-finite state, which (as in lfilter) spoils every output of an IIR kernel and the
    first ``len(z)`` of a FIR one."""
    v = rows[:, :1]
    bad = ~xp.isfinite(v[:, 0])
    y = convolve(rows, k, zi=z[None, :] * xp.where(bad[:, None], 0.0, v), **kw)
    if bool(bad.any()):
        y[bad, : (y.shape[1] if not k.is_fir else z.shape[0])] = np.nan
    return y


def steady_state(kernel, level=1.0):
    """Initial state (``zi``) for a series that has been constant at ``level`` forever.

    As ``scipy.signal.lfilter_zi(b, a) * level``.  With it the first outputs of a
    smoother equal ``level`` instead of ramping up from 0 (pandas' ``ewm(adjust=False)``).

    Examples
    --------
    >>> import convts
    >>> k = convts.kernels.ewma(0.5)
    >>> convts.convolve(np.array([4.0, 4.0]), k, zi=convts.steady_state(k, 4.0)).tolist()
    [4.0, 4.0]
    """
    k = as_kernel(kernel)
    if k.offset < 0:
        raise ValueError("steady_state needs a causal kernel (no leads)")
    M = _state_size(k)
    level = np.asarray(level, dtype=np.float64)
    if M == 0:
        return np.zeros(level.shape + (0,))
    gain = k.dc_gain()
    if not np.isfinite(gain):
        raise ValueError("the kernel has a unit root at frequency 0: a constant input has no steady state")
    b = np.zeros(M + 1)
    b[k.ma_lags] = k.ma_coefs
    a = np.zeros(M + 1)
    a[k.ar_lags] = k.ar_coefs
    # steady state: x = level, y = gain * level at every past time
    z = np.array([b[i + 1 :].sum() - gain * a[i + 1 :].sum() for i in range(M)])
    return level[..., None] * z


def _check_zi(zi, shape, axis, M, dtype, xp):
    """``zi`` in scipy.signal.lfilter's layout (``x.shape`` with the time axis replaced by the
    state length ``M``; dimensions of length 1 broadcast, as lfilter) -> ``(n_series, M)`` rows."""
    zi_arr = as_float_array(zi, "zi", ndim=None, allow_empty=True)
    if _array_module(zi_arr) is not xp:
        raise ValueError(
            f"zi is {'on the GPU' if xp is np else 'on the host'} but x is not; "
            f"move the state with cupy.asarray(zi) or zi.get() (convts never copies between devices silently)"
        )
    expected = tuple(shape[:axis]) + (M,) + tuple(shape[axis + 1 :])
    ok = zi_arr.ndim == len(expected) and zi_arr.shape[axis] == M and all(
        d == e or (d == 1 and i != axis) for i, (d, e) in enumerate(zip(zi_arr.shape, expected))
    )
    if not ok:
        raise ValueError(
            f"zi has shape {zi_arr.shape}; this kernel needs a state of length {M} per series along the "
            f"time axis (axis={axis}), i.e. zi of shape {expected}: x's shape {tuple(shape)} with the time "
            f"axis replaced by {M} (scipy.signal.lfilter's layout; the zf returned by return_state=True)"
        )
    if not xp.all(xp.isfinite(zi_arr)):
        raise ValueError("zi contains NaN/inf")
    moved = xp.moveaxis(zi_arr, axis, -1)
    lead = tuple(shape[:axis]) + tuple(shape[axis + 1 :])
    moved = xp.broadcast_to(moved, lead + (M,))
    n_series = int(np.prod(lead, dtype=np.int64))  # explicit: reshape(-1, 0) is ambiguous when M == 0
    return xp.ascontiguousarray(moved.reshape(n_series, M).astype(dtype, copy=False))


def _apply(x2, k, mode, method, be, zi, want_state, nonfinite):
    """Apply a kernel to clean 2-D rows (NaN/inf spread as in exact arithmetic)."""
    xp = _array_module(x2)
    if k.is_fir:
        # A(L) == 1: the recursion y = B(L) x is the direct sum, and the psi weights are the taps
        if method == "recursive":
            method = "direct"
        elif method == "impulse_fft":
            method = "overlap_add" if k.span * 4 <= x2.shape[1] else "fft"
        y = _fir(x2, k._fir_taps, mode, method, be, nonfinite)
        if zi is not None:
            m = min(zi.shape[1], y.shape[1])
            y[:, :m] += zi[:, :m]
        return y, (_final_state(x2, y, k, zi) if want_state else None)
    if mode == "circular":
        if nonfinite:
            raise ValueError("mode='circular' with an IIR kernel needs finite input; use nan_policy='omit' or clean the data")
        return _iir_circular(x2, k), None
    if mode != "causal":
        raise ValueError(
            f"mode={mode!r} needs a finite kernel; an IIR kernel supports mode='causal' and 'circular' "
            f"(for a truncated version use Kernel(b=k.impulse_response()))"
        )
    backend_name = be.__name__.rsplit("_", 1)[-1]
    radius = k.pole_radius
    if method == "auto":
        method = _choose.choose_iir_method(radius, k.ar_lags.size - 1, x2.shape[1], backend_name, nonfinite)
    if method == "impulse_fft" and not radius < 1.0:
        raise ValueError(
            f"method='impulse_fft' needs a stable kernel: its largest pole has modulus {radius:.6g} >= 1, so "
            f"the psi weights never decay and no truncation converges; use method='recursive' (exact)"
        )
    if method == "recursive" and radius > 1.0 + UNIT_ROOT_TOL:
        warnings.warn(
            f"the kernel is explosive: its largest pole has modulus {radius:.6g} > 1, so the output grows "
            f"like {radius:.6g}**t; difference the series or use a stable kernel (e.g. fit a stationary "
            f"AR on the differences)",
            UnstableKernelWarning,
            stacklevel=_user_stacklevel(),
        )
    if method == "recursive":
        num = Kernel._from_sparse((k.ma_lags, k.ma_coefs), (np.zeros(1, np.int64), np.ones(1)))
        u = x2 if (num.ma_lags.size == 1 and num.ma_lags[0] == 0 and num.ma_coefs[0] == 1.0) else _fir(x2, num._fir_taps, "causal", "auto", be, nonfinite)
        y = xp.empty_like(x2)
        be.ar_recursion(xp.ascontiguousarray(u), k.ar_lags[1:].astype(np.int64), k.ar_coefs[1:], zi, y)
    elif method == "impulse_fft":
        if nonfinite:
            raise ValueError("method='impulse_fft' cannot spread NaN/inf through an infinite response; use method='recursive'")
        psi = k.impulse_response(tol=get_option("impulse_tol"))
        y = _fir(x2, Kernel(b=psi)._fir_taps, "causal", "overlap_add" if psi.size * 4 <= x2.shape[1] else "fft", be)
        if zi is not None:  # add the zero-input response of the initial state
            L = min(x2.shape[1], psi.size + zi.shape[1])
            zir = xp.empty((x2.shape[0], L), dtype=x2.dtype)
            be.ar_recursion(xp.zeros((x2.shape[0], L), dtype=x2.dtype), k.ar_lags[1:].astype(np.int64), k.ar_coefs[1:], zi, zir)
            y[:, :L] += zir
    else:
        raise ValueError(f"method={method!r} does not apply to an IIR kernel; use 'recursive' or 'impulse_fft'")
    return y, (_final_state(x2, y, k, zi) if want_state else None)


def convolve(x, kernel, *, mode="causal", method="auto", backend="auto", axis=-1, nan_policy="propagate",
             zi=None, return_state=False, min_weight=None):
    """Apply a kernel (a lag polynomial ``B(L) / A(L)``) to one series or a batch of series.

    Parameters
    ----------
    x : array_like
        Series along ``axis``; 1-D, or 2-D ``(n_series, T)`` (any number of leading dimensions
        works).  float32 stays float32; ints and bools are cast to float64; complex and
        object input raise ``TypeError``.  ``x`` is never modified.
    kernel : Kernel or array_like
        A :class:`~convts.Kernel` or 1-D FIR taps ``b[0], b[1], ...`` (lag 0 first).
    mode : {'causal', 'same', 'full', 'valid', 'circular'}
        ``causal``: ``y[t] = sum_lag b_lag x[t - lag]``, same length as ``x``, zero history (or
        ``zi``); a centred kernel (negative lags) is aligned by its lags.  ``full`` and ``valid``
        as ``numpy.convolve`` on the dense taps (``valid`` needs a series at least as long as
        the kernel); ``same``: the ``len(x)`` central values of ``full``, as
        ``scipy.signal.convolve`` (``numpy.convolve``'s ``same`` has ``max(len(x), len(taps))``
        values: more than ``len(x)`` for a kernel longer than the series).  ``circular``:
        periodic, same length.  ``zero_phase``: forward and backward (the squared gain, no phase
        shift), as ``scipy.signal.filtfilt(b, a, x)`` with its defaults (odd extension of
        ``3 max(len(a), len(b))`` values at each end, each pass started in the steady state
        ``lfilter_zi`` of its first value; Gustafsson's method is not offered); causal kernels,
        a series longer than the padding.
        IIR kernels support ``causal``, ``circular`` and ``zero_phase``.
    method : {'auto', 'direct', 'fft', 'overlap_add', 'recursive', 'impulse_fft'}
        The algorithm.  ``recursive`` runs the difference equation ``A(L) y = B(L) x`` (for a
        FIR kernel, A(L) == 1, that is the direct sum); ``impulse_fft`` convolves with the psi
        weights truncated at the option ``impulse_tol`` (a FIR kernel's are its taps) and raises
        for a kernel that is not stable.  An explosive kernel (a pole of modulus > 1) applied
        by recursion warns (``UnstableKernelWarning``, a ``RuntimeWarning``).
        ``auto`` uses the measured cost model in ``convts.engine._choose``.
    backend : {'auto', 'numpy', 'numba', 'cupy'}
        The executor.  ``auto`` is numba on CPU arrays and cupy on CuPy arrays; arrays are never
        copied between host and device silently.
    axis : int
        Time axis.
    nan_policy : {'propagate', 'omit', 'raise'}
        ``propagate``: NaN/inf spread to every output whose window contains them (exactly, on
        every method).  ``omit``: a masked convolution renormalised by the absolute weight
        seen, ``y = (b * x0) * sum|b| / (|b| * m)``, NaN where the share of weight seen is below
        ``min_weight``; values outside the series count as unobserved whether or not ``x``
        holds a NaN (the edges are renormalised, ``min_weight`` applies there; ``ewma`` gives
        pandas' ``ewm(adjust=True)``); not streamable (no ``zi``); meant for smoothing kernels (for sign-changing kernels such as
        differences, pass ``min_weight=1`` to require complete windows).  ``raise``: ``ValueError``.
    zi : array_like, optional
        Initial state in scipy.signal.lfilter's format (transposed direct form II), shape
        ``x.shape`` with the time axis (``axis``) replaced by the state length (dimensions of
        length 1 broadcast), as returned by ``return_state=True``; any other shape raises.
        See :func:`steady_state`.  ``causal`` mode only.
    return_state : bool
        Also return the final state ``zf``, so that filtering in chunks equals filtering whole.
    min_weight : float, optional
        With ``nan_policy='omit'``: the smallest share (0..1] of the kernel's absolute weight
        that must be observed; default any.

    Returns
    -------
    y : ndarray
        Filtered series (with ``zf`` when ``return_state``).

    Examples
    --------
    >>> import convts
    >>> x = np.array([1.0, 2.0, 3.0, 4.0])
    >>> convts.convolve(x, [0.5, 0.5]).tolist()
    [0.5, 1.5, 2.5, 3.5]
    >>> convts.convolve(x, convts.kernels.difference(1), mode="valid").tolist()
    [1.0, 1.0, 1.0]
    >>> y1, z = convts.convolve(x[:2], convts.kernels.ewma(0.5), return_state=True)
    >>> y2, _ = convts.convolve(x[2:], convts.kernels.ewma(0.5), zi=z, return_state=True)
    >>> np.concatenate([y1, y2]).tolist() == convts.kernels.ewma(0.5)(x).tolist()
    True
    """
    if (type(x) is np.ndarray and nan_policy == "propagate" and zi is None and not return_state
            and min_weight is None and backend == "auto" and method in ("auto", "direct") and mode in _LINEAR_MODES):
        # The common call (a float array, FIR taps, no state, default policies) skips the
        # general set-up: the per-call cost is what short series pay (issue 16)
        taps = _fast_taps(kernel)
        if (taps is not None and x.dtype.char in "fd" and x.dtype.isnative and x.size and 1 <= x.ndim <= 2
                and (axis == -1 or axis == x.ndim - 1) and type(axis) is int):
            x2 = x if x.ndim == 2 else x.reshape(1, -1)
            if not x2.flags.c_contiguous:
                x2 = np.ascontiguousarray(x2)
            be = _AUTO_CPU[0] if _AUTO_CPU else _auto_cpu_backend()
            if be.__name__ == _NUMBA and taps.lags.size <= 64 and not taps.uniform:
                # what _fir would do: auto's model answers 'direct' here (choose_fir_method)
                start, n_out = _geometry(taps, mode, x2.shape[1])
                y = np.empty((x2.shape[0], n_out), dtype=x2.dtype)
                be.fir_direct(x2, taps.lags, taps.coefs, start, y)
            else:
                y = _fir(x2, taps, mode, method, be, None)
            return y if x.ndim == 2 else y.reshape(-1)
    k = as_kernel(kernel)
    if mode not in MODES:
        raise ValueError(f"mode={mode!r}: use one of {MODES}")
    if method not in METHODS:
        raise ValueError(f"method={method!r}: use one of {METHODS}")
    if mode == "zero_phase":
        if zi is not None or return_state or nan_policy != "propagate" or min_weight is not None:
            raise ValueError("mode='zero_phase' filters the whole series forward and backward: it takes no "
                             "zi/return_state/min_weight and only nan_policy='propagate'")
        return _zero_phase(x, k, method, backend, axis)
    check_nan_policy(nan_policy)
    if min_weight is not None and not 0 < float(min_weight) <= 1:
        raise ValueError(f"min_weight={min_weight}: min_weight must be in (0, 1]")
    be_name = _resolve_backend(backend, x)
    be = get_backend(be_name)
    arr = as_float_array(x, "x", ndim=None)
    if arr.ndim == 0:
        raise ValueError("x is a scalar; pass a 1-D series or a 2-D (n_series, T) batch")
    ax = check_axis(axis, arr.ndim)
    xp = _array_module(arr)
    x2, lead = _to_2d(arr, ax)

    want_state = bool(return_state)
    if zi is not None or want_state:
        if mode != "causal":
            raise ValueError(f"zi/return_state stream a causal filter; mode={mode!r} has no state")
        if k.offset < 0:
            raise ValueError("zi/return_state need a causal kernel (no leads); shift it with k.shift(...)")
    M = _state_size(k) if k.offset >= 0 else 0
    zi2 = _check_zi(zi, arr.shape, ax, M, x2.dtype, xp) if zi is not None else None

    # A FIR kernel under 'propagate' checks x only on a path that needs to know (see _fir): the
    # direct kernels spread NaN/inf exactly, and an extra pass over x costs ~0.5 ns a sample.
    nonfinite = None if (nan_policy == "propagate" and k.is_fir) else _has_nonfinite(x2)
    if nonfinite and nan_policy == "raise":
        raise_if_nonfinite(arr, "x")

    if nan_policy == "omit":
        # whatever the data hold: the history before the series is unobserved, not zero
        if want_state or zi2 is not None:
            raise ValueError("nan_policy='omit' is not streamable; use nan_policy='propagate' with zi/return_state")
        y2 = _omit(x2, k, mode, method, be, min_weight, nonfinite)
        zf = None
    else:
        y2, zf = _apply(x2, k, mode, method, be, zi2, want_state, nonfinite)
    y = _from_2d(y2, lead, ax, arr.ndim)
    if want_state:  # scipy.signal.lfilter's layout: x's shape with the time axis replaced by M
        return y, _from_2d(zf, lead, ax, arr.ndim)
    return y


def _omit(x2, k: Kernel, mode, method, be, min_weight, nonfinite):
    """Masked convolution renormalised by the share of absolute weight observed.  Values outside
    the series (the history before it, and after it in 'same'/'full') are unobserved, so the edges
    are renormalised (and ``min_weight`` applies there) whether or not ``x2`` holds a NaN."""
    xp = _array_module(x2)
    if k.is_fir:
        absk = Kernel._from_sparse((k.ma_lags, np.abs(k.ma_coefs)), (np.zeros(1, np.int64), np.ones(1)))
        total = float(np.abs(k.ma_coefs).sum())
    else:
        if not k.is_stable:
            raise ValueError(
                f"nan_policy='omit' needs a stable kernel to renormalise (its largest pole has modulus "
                f"{k.pole_radius:.6g} >= 1); fill the gaps first (e.g. interpolate) and use nan_policy='propagate'"
            )
        psi = k.impulse_response()
        if np.all(psi >= 0.0):  # |psi| == psi: the kernel itself, and its exact total weight B(1)/A(1)
            absk, total = k, float(k.dc_gain())
        else:
            absk, total = Kernel(b=np.abs(psi)), float(np.abs(psi).sum())
    if nonfinite:
        mask = xp.isfinite(x2)
        x0 = xp.ascontiguousarray(xp.where(mask, x2, 0))
        m = mask.astype(x2.dtype)
    else:  # every row is observed throughout: one row of ones gives every row's weight
        x0 = x2
        m = xp.ones((1, x2.shape[1]), dtype=x2.dtype)
    num, _ = _apply(x0, k, mode, method, be, None, False, False)
    den, _ = _apply(m, absk, mode, "auto", be, None, False, False)
    share = den / total
    floor = 1e-9 if min_weight is None else max(float(min_weight) - 1e-12, 1e-9)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):  # rounds to inf, as numba
        y = num / share
    y[xp.broadcast_to(share < floor, y.shape)] = np.nan
    return xp.ascontiguousarray(y)


def correlate(x, y, *, mode="full", method="auto", backend="auto", axis=-1):
    """Cross-correlation ``c[k] = sum_t x[t + k] y[t]`` of two series (as ``scipy.signal.correlate``).

    ``mode`` as in :func:`convolve` (``full``, ``same``, ``valid``); ``y`` plays the kernel
    and must be 1-D.  ``full`` returns lags ``-(len(y) - 1) .. len(x) - 1``.

    Examples
    --------
    >>> import convts
    >>> convts.correlate(np.array([1.0, 2.0, 3.0]), np.array([0.0, 1.0, 0.5])).tolist()
    [0.5, 2.0, 3.5, 3.0, 0.0]
    """
    taps = as_float_array(y, "y", ndim=(1,))
    if mode not in ("full", "same", "valid"):
        raise ValueError(f"mode={mode!r}: correlate supports 'full', 'same' and 'valid'")
    if _array_module(taps) is not np:
        taps = taps.get()  # taps are small: the series itself never changes device
    return convolve(x, np.asarray(taps[::-1], dtype=np.float64), mode=mode, method=method, backend=backend, axis=axis)


_kernel_module._APPLY = convolve
