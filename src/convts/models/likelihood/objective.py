"""Fused numba objectives (value and central-difference gradient in one call).

Each optimiser iteration calls one compiled function instead of 2k + 1 Python-level likelihood
evaluations: parameter transform (Jones/Monahan, as :mod:`._transforms`), regression, polynomial
expansion and the Kalman filter (exact ML) or the CSS recursion all run inside numba.  They
call the compiled pieces of :mod:`._kalman`, :mod:`._toeplitz` and :mod:`._transforms`; :mod:`._jitcache` says how
their cache stays in step with those files.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from .._config import get_option
from ._kalman import arma_loglike, objective_value
from ._kalman import css_value as _css_value
from ._toeplitz import levinson_loglike, sparse_acovf
from ._transforms import constrain_stationary

_FLAGS = dict(cache=get_option("numba_cache"), nogil=True)
_INLINE = dict(_FLAGS, inline="always")  # small helpers: no compiled level of their own (see ._kalman)


@nb.njit(**_INLINE)
def _full_params(x, base, free_idx, tg_lo, tg_hi, tg_sign):
    y = x.copy()
    for g in range(tg_lo.size):
        seg = constrain_stationary(x[tg_lo[g]: tg_hi[g]])
        for i in range(seg.size):
            y[tg_lo[g] + i] = tg_sign[g] * seg[i]
    full = base.copy()
    for i in range(free_idx.size):
        full[free_idx[i]] = y[i]
    return full


@nb.njit(**_INLINE)
def _regress(dy, dX, full):
    k = dX.shape[1]
    if k == 0:
        return dy
    w = dy.copy()
    for j in range(k):
        b = full[j]
        for t in range(w.size):
            w[t] -= dX[t, j] * b
    return w


@nb.njit(**_FLAGS)
def mle_value_kalman(x, base, free_idx, tg_lo, tg_hi, tg_sign, dy, dX, sl, s, tol, n_w, sigma2_fixed):
    """``-llf / n_w`` by the Kalman filter (concentrated unless ``sigma2_fixed > 0``); ``sl`` = bounds of ar, ma, sar, sma."""
    full = _full_params(x, base, free_idx, tg_lo, tg_hi, tg_sign)
    w = _regress(dy, dX, full)
    ar, ma, sar, sma = full[sl[0]: sl[1]], full[sl[2]: sl[3]], full[sl[4]: sl[5]], full[sl[6]: sl[7]]
    ssq, slog, nobs = arma_loglike(w, ar, sar, ma, sma, s, tol)
    return objective_value(ssq, slog, nobs, sigma2_fixed, n_w)


@nb.njit(**_FLAGS)
def mle_value_toeplitz(x, base, free_idx, tg_lo, tg_hi, tg_sign, dy, dX, sl, s, tol, n_w, sigma2_fixed):
    """As :func:`mle_value_kalman`, the likelihood by Durbin-Levinson on the autocovariances
    (:mod:`._toeplitz`, complete series); ``tol`` is unused."""
    full = _full_params(x, base, free_idx, tg_lo, tg_hi, tg_sign)
    w = _regress(dy, dX, full)
    ar, ma, sar, sma = full[sl[0]: sl[1]], full[sl[2]: sl[3]], full[sl[4]: sl[5]], full[sl[6]: sl[7]]
    e = np.zeros(0)
    ssq, slog, nobs = levinson_loglike(w, sparse_acovf(ar, ma, sar, sma, s, w.size), e, e)
    return objective_value(ssq, slog, nobs, sigma2_fixed, n_w)


# Two compiled copies of the gradient loop, one per likelihood, so that a fit compiles only the
# likelihood it uses (a runtime ``toeplitz`` flag compiled both into every caller).
@nb.njit(**_FLAGS)
def _grad_kalman(x, args, step):
    f = mle_value_kalman(x, *args)
    g = np.empty(x.size)
    for i in range(x.size):
        h = step * max(1.0, abs(x[i]))
        xp = x.copy()
        xp[i] += h
        xm = x.copy()
        xm[i] -= h
        g[i] = (mle_value_kalman(xp, *args) - mle_value_kalman(xm, *args)) / (2.0 * h)
    return f, g


@nb.njit(**_FLAGS)
def _grad_toeplitz(x, args, step):
    f = mle_value_toeplitz(x, *args)
    g = np.empty(x.size)
    for i in range(x.size):
        h = step * max(1.0, abs(x[i]))
        xp = x.copy()
        xp[i] += h
        xm = x.copy()
        xm[i] -= h
        g[i] = (mle_value_toeplitz(xp, *args) - mle_value_toeplitz(xm, *args)) / (2.0 * h)
    return f, g


def mle_value_grad(x, base, free_idx, tg_lo, tg_hi, tg_sign, dy, dX, sl, s, tol, n_w, sigma2_fixed, toeplitz, step):
    """``(-llf / n_w, central-difference gradient)``; the Kalman filter, or with ``toeplitz``
    Durbin-Levinson on the autocovariances (:mod:`._toeplitz`, complete series)."""
    args = (base, free_idx, tg_lo, tg_hi, tg_sign, dy, dX, sl, int(s), float(tol), float(n_w), float(sigma2_fixed))
    return (_grad_toeplitz if toeplitz else _grad_kalman)(x, args, float(step))


@nb.njit(**_FLAGS)
def css_value(x, base, free_idx, dy, dX, sl, s, ar_lags, ma_lags, ncond, out):
    full = base.copy()
    for i in range(free_idx.size):
        full[free_idx[i]] = x[i]
    w = _regress(dy, dX, full)
    return _css_value(w, full[sl[0]: sl[1]], full[sl[4]: sl[5]], full[sl[2]: sl[3]], full[sl[6]: sl[7]], s,
                      ar_lags, ma_lags, ncond, out)


@nb.njit(**_FLAGS)
def css_value_grad(x, base, free_idx, dy, dX, sl, s, ar_lags, ma_lags, ncond, step):
    out = np.empty(dy.size)
    f = css_value(x, base, free_idx, dy, dX, sl, s, ar_lags, ma_lags, ncond, out)
    g = np.empty(x.size)
    for i in range(x.size):
        h = step * max(1.0, abs(x[i]))
        xp = x.copy()
        xp[i] += h
        xm = x.copy()
        xm[i] -= h
        g[i] = (css_value(xp, base, free_idx, dy, dX, sl, s, ar_lags, ma_lags, ncond, out)
                - css_value(xm, base, free_idx, dy, dX, sl, s, ar_lags, ma_lags, ncond, out)) / (2.0 * h)
    return f, g


def slice_bounds(model) -> np.ndarray:
    sl = model._slices
    return np.array([sl["ar"].start, sl["ar"].stop, sl["ma"].start, sl["ma"].stop,
                     sl["sar"].start, sl["sar"].stop, sl["sma"].start, sl["sma"].stop], dtype=np.int64)


def transform_groups(free):
    """(lo, hi, sign) arrays of the transformed groups' positions in the free vector."""
    lo, hi, sign = [], [], []
    for g, pos in free.tgroups:
        lo.append(int(pos[0]))
        hi.append(int(pos[-1]) + 1)
        sign.append(1.0 if g in ("ar", "sar") else -1.0)
    return np.array(lo, dtype=np.int64), np.array(hi, dtype=np.int64), np.array(sign)
