"""NumPy/SciPy executor: the reference implementation every other backend must match.

scipy.signal (~0.4 s to import) is imported inside the functions that use it, so that the numba
backend can share ``fft_full`` without paying for it at start-up.
"""

from __future__ import annotations

import numpy as np
from scipy import fft as sfft

from .._config import get_option

AVAILABLE = True


# The direct sums and the recursion spread NaN/inf (inf - inf = nan) and round to inf as the
# numba kernels and scipy's C loops do: silently (np.errstate), not with a RuntimeWarning that
# only this backend would give.


def fir_direct(x, lags, coefs, start, out):
    n_out = out.shape[1]
    T = x.shape[1]
    out[...] = 0
    with np.errstate(invalid="ignore", over="ignore"):
        for lag, c in zip(lags.tolist(), coefs.tolist()):
            off = start - lag  # out[:, i] += c * x[:, i + off]
            lo = max(0, -off)
            hi = min(n_out, T - off)
            if hi > lo:
                out[:, lo:hi] += c * x[:, lo + off : hi + off]
    return out


def fir_uniform(x, lo, hi, weight, start, out):
    lags = np.arange(lo, hi + 1)
    return fir_direct(x, lags, np.full(lags.size, weight), start, out)


def fft_full(x, b, workers=None):
    """Full linear convolution of each row with ``b`` by one real FFT (``workers``: scipy.fft's;
    default the option ``fft_workers``)."""
    n = x.shape[1] + b.size - 1
    nfft = sfft.next_fast_len(n, real=True)
    workers = get_option("fft_workers") if workers is None else workers
    fx = sfft.rfft(x, nfft, axis=-1, workers=workers)
    fb = sfft.rfft(b.astype(x.dtype, copy=False), nfft)
    return sfft.irfft(fx * fb, nfft, axis=-1, workers=workers)[:, :n].astype(x.dtype, copy=False)


def oa_full(x, b):
    from scipy import signal

    return signal.oaconvolve(x, b.astype(x.dtype, copy=False)[None, :], mode="full", axes=-1)


class _FFT:
    """scipy.fft's real transforms in the ``rfft(a, n, axis)`` form ``_overlap_add`` calls."""

    @staticmethod
    def rfft(a, n, axis=-1):
        return sfft.rfft(a, n, axis=axis, workers=get_option("fft_workers"))

    @staticmethod
    def irfft(a, n, axis=-1):
        return sfft.irfft(a, n, axis=axis, workers=get_option("fft_workers"))


def oa_into(x, b, i0, out, zero_nonfinite=False):
    """``out[:, i] = full[:, i0 + i]`` by the shared overlap-add (``_overlap_add``); ``oa_full``
    above stays scipy.signal.oaconvolve, the independent reference for it."""
    from . import _overlap_add

    return _overlap_add.oa_into(x, b, int(i0), out, np, _FFT, zero_nonfinite=zero_nonfinite)


def ar_recursion(u, lags, coefs, zi, out):
    """All-pole recursion by scipy.signal.lfilter on the dense denominator."""
    from scipy import signal

    a = np.zeros(int(lags.max()) + 1 if lags.size else 1)
    a[0] = 1.0
    a[lags] = coefs
    v = u.copy()
    with np.errstate(invalid="ignore", over="ignore"):
        if zi is not None:
            m = min(zi.shape[1], u.shape[1])
            v[:, :m] += zi[:, :m]
        if np.isfinite(v).all():
            out[...] = signal.lfilter([1.0], a, v, axis=-1)
            return out
        # NaN/inf: lfilter's dense denominator would multiply them by the zero coefficients
        # between sparse lags (0 * nan = nan); run the sparse recursion so they reach only the
        # lags they feed.
        for t in range(v.shape[1]):
            acc = v[:, t].copy()
            for lag, c in zip(lags.tolist(), coefs.tolist()):
                if t - lag >= 0:
                    acc -= c * out[:, t - lag]
            out[:, t] = acc
    return out
