"""Batched Whittle fit on an array namespace ``xp`` (NumPy or CuPy): ``fit_many(method='whittle', backend='cupy')``.

Every series steps together: BFGS on the concentrated Whittle objective of
:func:`convts.backends._xp_arima.whittle_objective_batch` (``log sigma2 + mean log g`` over the
Fourier frequencies ``2 pi j / T``, ``j = 1 .. (T-1)//2``: the objective of the single-series
:func:`convts.models._whittle.fit_whittle`), central-difference gradients (``2 k`` batched
objective evaluations), a per-series inverse-Hessian approximation and a per-series
backtracking (Armijo) step.  Coefficients are optimised raw, without the stationarity
transform of the CPU estimator: where the optimum is inside the stationary/invertible region
(the usual case) both land on it; a series whose estimate is not stationary/invertible gets a
status from ``fit_many``.
"""

from __future__ import annotations

import numpy as np

__all__ = ["whittle_fit_batch"]


def whittle_fit_batch(periodogram, freqs, p: int, q: int, xp, max_iter: int = 200, gtol: float = 1e-8):
    """``(params (n, p + q), sigma2 (n,), converged (n,))`` minimising the Whittle objective per row."""
    from ..backends._xp_arima import whittle_objective_batch

    n = periodogram.shape[0]
    k = p + q
    dtype = periodogram.dtype

    def f(x):
        obj, _ = whittle_objective_batch(periodogram, freqs, x[:, :p], x[:, p:], xp)
        return xp.where(xp.isfinite(obj), obj, xp.inf)

    def grad(x):
        g = xp.empty((n, k), dtype=dtype)
        for j in range(k):
            h = 1e-6 * xp.maximum(1.0, xp.abs(x[:, j]))
            xp_ = x.copy()
            xp_[:, j] += h
            xm_ = x.copy()
            xm_[:, j] -= h
            g[:, j] = (f(xp_) - f(xm_)) / (2 * h)
        return g

    x = xp.zeros((n, k), dtype=dtype)
    if k == 0:
        _, sigma2 = whittle_objective_batch(periodogram, freqs, x, x, xp)
        return x, sigma2, xp.ones(n, dtype=bool)
    eye = xp.eye(k, dtype=dtype)
    H = xp.broadcast_to(eye, (n, k, k)).copy()
    fx = f(x)
    g = grad(x)
    active = xp.ones(n, dtype=bool)
    converged = xp.zeros(n, dtype=bool)
    fresh = xp.ones(n, dtype=bool)
    for _ in range(max_iter):
        small = xp.abs(g).max(axis=1) < gtol
        converged |= active & small
        active &= ~small
        if not bool(active.any()):
            break
        d = -(H @ g[:, :, None])[:, :, 0]
        slope = (d * g).sum(axis=1)
        reset = slope >= 0
        d = xp.where(reset[:, None], -g, d)
        slope = xp.where(reset, -(g * g).sum(axis=1), slope)
        H = xp.where(reset[:, None, None], eye, H)
        fresh |= reset
        alpha = xp.ones(n, dtype=dtype)
        dmax = xp.abs(d).max(axis=1)
        alpha = xp.where(dmax > 1.0, 1.0 / dmax, alpha)  # raw coefficients: cap the first trial step
        ok = xp.zeros(n, dtype=bool)
        for _ls in range(50):
            xn = x + alpha[:, None] * d
            fn = f(xn)
            ok = xp.isfinite(fn) & (fn <= fx + 1e-4 * alpha * slope)
            if bool((ok | ~active).all()):
                break
            alpha = xp.where(ok, alpha, alpha * 0.5)
        acc = ok & active
        xn = xp.where(acc[:, None], xn, x)
        gn = grad(xn)
        s = xn - x
        y = gn - g
        sy = (s * y).sum(axis=1)
        yy = (y * y).sum(axis=1)
        upd = acc & (sy > 1e-14 * yy) & (yy > 0)
        safe_sy = xp.where(upd, sy, 1.0)
        safe_yy = xp.where(upd, yy, 1.0)
        H = xp.where((upd & fresh)[:, None, None], eye * (safe_sy / safe_yy)[:, None, None], H)
        fresh &= ~upd
        rho = (1.0 / safe_sy)[:, None, None]
        Hy = H @ y[:, :, None]
        yHy = (y[:, None, :] @ Hy)[:, 0, 0][:, None, None]
        ss = s[:, :, None] * s[:, None, :]
        Hn = H - rho * (s[:, :, None] * Hy.transpose(0, 2, 1) + Hy * s[:, None, :]) + (rho * rho * yHy + rho) * ss
        H = xp.where(upd[:, None, None], Hn, H)
        dec = fx - xp.where(acc, fn, fx)
        # a series that can no longer descend even along the gradient has converged to rounding
        retry = active & ~acc & ~fresh  # a quasi-Newton step failed: next time along the gradient
        H = xp.where(retry[:, None, None], eye, H)
        fresh |= retry
        stalled = active & ~acc & (fresh & ~retry)
        tiny = acc & (dec <= 1e-15 * xp.maximum(xp.abs(fx), 1.0))
        converged |= tiny | (stalled & (xp.abs(g).max(axis=1) < 1e-5))
        active &= ~(tiny | stalled)
        x = xn
        fx = xp.where(acc, fn, fx)
        g = xp.where(acc[:, None], gn, g)
    _, sigma2 = whittle_objective_batch(periodogram, freqs, x[:, :p], x[:, p:], xp)
    return x, sigma2, converged
