"""Numba kernels of the exact ARMA likelihood: stationary initial covariance and Kalman filter.

State space (Harvey 1989, Gardner, Harvey and Phillips 1980, as R's ``arima``): for an ARMA
series ``w`` with expanded polynomials ``phi`` (length ``r``, zero padded) and
``R = (1, theta_1, ..., theta_{r-1})``, ``r = max(p, q + 1)``,

    w_t = a_t[0],      a_{t+1} = T a_t + R e_{t+1},   T = [phi | I_{r-1} over 0],

with ``Var(e) = 1``: the scale ``sigma2`` is concentrated out (profiled), so the filter runs
once per parameter vector and ``sigma2 = sum v_t**2 / F_t / n``.  ``P_0`` is the stationary
covariance ``sum_k T^k R R' T'^k`` (finite for a pure MA; by the doubling algorithm otherwise).
A missing ``w_t`` skips the update (exact).  Once the one-step covariance stops changing
(max abs change < ``tol``, 1e-10 by default on the unit-variance scale) the filter switches
to the steady-state recursion, O(r) per step instead of O(r^2).
"""

from __future__ import annotations

import numba as nb
import numpy as np

from .._config import get_option

_FLAGS = dict(cache=get_option("numba_cache"), nogil=True, fastmath=False)


@nb.njit(**_FLAGS)
def stationary_cov(phi, R):
    """Solve ``P = T P T' + R R'`` for the Harvey-form companion ``T`` (NaN matrix if not stationary)."""
    r = phi.size
    P = np.empty((r, r))
    pure_ma = True
    for i in range(r):
        if phi[i] != 0.0:
            pure_ma = False
    if pure_ma:
        # T is the shift matrix: P_ij = sum_m R_{i+m} R_{j+m}
        for i in range(r):
            for j in range(i, r):
                acc = 0.0
                for m in range(r - j):
                    acc += R[i + m] * R[j + m]
                P[i, j] = acc
                P[j, i] = acc
        return P
    for i in range(r):
        for j in range(r):
            P[i, j] = R[i] * R[j]
    A = np.zeros((r, r))
    for i in range(r):
        A[i, 0] = phi[i]
        if i + 1 < r:
            A[i, i + 1] = 1.0
    for _ in range(80):
        inc = A @ P @ A.T
        big = 0.0
        pmax = 0.0
        for i in range(r):
            for j in range(r):
                P[i, j] += inc[i, j]
                if abs(inc[i, j]) > big:
                    big = abs(inc[i, j])
                if abs(P[i, j]) > pmax:
                    pmax = abs(P[i, j])
        if not np.isfinite(pmax) or pmax > 1e15:
            P[:, :] = np.nan
            return P
        if big <= 1e-16 * pmax:
            return P
        A = A @ A
    P[:, :] = np.nan
    return P


@nb.njit(**_FLAGS)
def kalman_arma(w, phi, R, P0, tol, v_out, F_out, a_end, P_end):
    """Run the filter on ``w`` (NaN = missing).

    Returns ``(ssq, sum_log_F, nobs)`` with ``ssq = sum v_t^2 / F_t``; ``v_out`` and ``F_out``
    (length ``len(w)``, or length 0 to skip) receive the innovations and their variances,
    ``a_end`` / ``P_end`` the one-step prediction of the state after the last observation.
    ``nobs = -1`` signals a breakdown (non-positive or non-finite ``F``).
    """
    n = w.size
    r = phi.size
    keep = v_out.size == n
    a = np.zeros(r)
    P = P0.copy()
    Pn = np.empty((r, r))
    K = np.empty(r)
    row0 = np.empty(r)
    ssq = 0.0
    slog = 0.0
    nobs = 0
    steady = False
    Fs = 1.0
    logFs = 0.0
    for t in range(n):
        y = w[t]
        observed = y == y
        if steady:
            if observed:
                v = y - a[0]
                ssq += v * v / Fs
                slog += logFs
                nobs += 1
                if keep:
                    v_out[t] = v
                    F_out[t] = Fs
                a0u = a[0] + K[0] * v
                for i in range(r - 1):
                    a[i] = phi[i] * a0u + a[i + 1] + K[i + 1] * v
                a[r - 1] = phi[r - 1] * a0u
                continue
            steady = False  # P holds the steady covariance: continue exactly
        if observed:
            F = P[0, 0]
            if not (F > 0.0) or not np.isfinite(F):
                return np.nan, np.nan, -1
            v = y - a[0]
            ssq += v * v / F
            slog += np.log(F)
            nobs += 1
            if keep:
                v_out[t] = v
                F_out[t] = F
            for i in range(r):
                K[i] = P[i, 0] / F
                row0[i] = P[0, i]
            for i in range(r):
                a[i] += K[i] * v
            for i in range(r):
                ki = K[i]
                for j in range(r):
                    P[i, j] -= ki * row0[j]
        elif keep:
            v_out[t] = np.nan
            F_out[t] = np.nan
        # predict: a <- T a ; P <- T P T' + R R'
        a0 = a[0]
        for i in range(r - 1):
            a[i] = phi[i] * a0 + a[i + 1]
        a[r - 1] = phi[r - 1] * a0
        p00 = P[0, 0]
        change = 0.0
        for i in range(r):
            pi_ = phi[i]
            for j in range(i, r):
                pj = phi[j]
                val = pi_ * pj * p00 + R[i] * R[j]
                if j + 1 < r:
                    val += pi_ * P[0, j + 1]
                if i + 1 < r:
                    val += pj * P[i + 1, 0]
                    if j + 1 < r:
                        val += P[i + 1, j + 1]
                Pn[i, j] = val
                d = abs(val - P[i, j])
                if d > change:
                    change = d
        for i in range(r):
            for j in range(i, r):
                P[i, j] = Pn[i, j]
                P[j, i] = Pn[i, j]
        if observed and change < tol:
            steady = True
            Fs = P[0, 0]
            if not (Fs > 0.0):
                return np.nan, np.nan, -1
            logFs = np.log(Fs)
            for i in range(r):
                K[i] = P[i, 0] / Fs
    for i in range(r):
        a_end[i] = a[i]
        for j in range(r):
            P_end[i, j] = P[i, j]
    return ssq, slog, nobs


@nb.njit(**_FLAGS)
def css_residuals(w, phi_lags, phi, theta_lags, theta, ncond, out):
    """R's conditional-sum-of-squares recursion (sparse lags); returns ``(ssq, n_used)``.

    ``out[t] = w[t] - sum phi_k w[t - l_k] - sum theta_j out[t - m_j]`` for ``t >= ncond``,
    residuals before ``ncond`` taken as 0.  Used by the fast CSS objective; the public CSS
    residuals go through :func:`convts.convolve` (the tests check both agree).
    """
    n = w.size
    ssq = 0.0
    nu = 0
    for t in range(ncond):
        out[t] = 0.0
    for t in range(ncond, n):
        tmp = w[t]
        for k in range(phi.size):
            tmp -= phi[k] * w[t - phi_lags[k]]
        for k in range(theta.size):
            j = t - theta_lags[k]
            if j >= ncond:
                tmp -= theta[k] * out[j]
        out[t] = tmp
        if tmp == tmp:
            ssq += tmp * tmp
            nu += 1
    for t in range(ncond):
        out[t] = np.nan
    return ssq, nu
