"""Numba kernels of the exact ARMA likelihood: stationary initial covariance and Kalman filter.

State space (Harvey 1989, Gardner, Harvey and Phillips 1980, as R's ``arima``): for an ARMA
series ``w`` with expanded polynomials ``phi`` (length ``r``, zero padded) and
``R = (1, theta_1, ..., theta_{r-1})``, ``r = max(p, q + 1)``,

    w_t = a_t[0],      a_{t+1} = T a_t + R e_{t+1},   T = [phi | I_{r-1} over 0],

with ``Var(e) = 1``: the scale ``sigma2`` is concentrated out (profiled), so the filter runs
once per parameter vector and ``sigma2 = sum v_t**2 / F_t / n``.  ``P_0`` is the stationary
covariance ``sum_k T^k R R' T'^k``, in O(r^2) from the autocovariances (:func:`stationary_cov_into`).
A missing ``w_t`` skips the update (exact).  Once the one-step covariance stops changing
(max abs change < ``tol``, 1e-10 by default on the unit-variance scale) the filter switches
to the steady-state recursion, O(r) per step instead of O(r^2).

This module, :mod:`.transforms` and :mod:`.toeplitz` are the leaves of the models' compiled
code: the fused objectives (:mod:`.objective`) and ``fit_many`` (:mod:`..estimators.compiled`) call
these functions; one implementation of each piece serves the
single-series fit and the batch path.  numba's cache does not notice an edit of a callee's file,
so importing this module drops the callers' cache files when any of those sources changed
(:mod:`.._jitcache`).
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from ..._config import get_option
from .transforms import step_down

_FLAGS = dict(cache=get_option("numba_cache"), nogil=True, fastmath=False)
# Small helpers and thin wrappers are inlined into their compiled callers (numba IR inlining):
# every separately compiled function in a call chain re-optimises and re-emits the machine code
# of everything below it, so each level removed over the Kalman filter saves compile time.
_INLINE = dict(_FLAGS, inline="always")
_LOG2PI = math.log(2.0 * math.pi)


@nb.njit(**_INLINE)
def state_space(phi, theta):
    """Harvey-form ``(phi zero-padded to r, R = (1, theta, 0...))`` with ``r = max(p, q + 1)``."""
    r = max(phi.size, theta.size + 1)
    ph = np.zeros(r)
    for i in range(phi.size):
        ph[i] = phi[i]
    R = np.zeros(r)
    R[0] = 1.0
    for i in range(theta.size):
        R[i + 1] = theta[i]
    return ph, R


@nb.njit(**_FLAGS)
def stationary_cov_into(ph, R, P):
    """Solve ``P = T P T' + R R'`` for the Harvey-form companion ``T`` into ``P`` (``r x r``), in O(r^2);
    False when not stationary.

    The first column comes from the autocovariances (:func:`stationary_column`); the rest by
    back-substitution of the equation itself, ``P[i, k] = phi_i phi_k P[0, 0] + phi_i P[0, k+1] +
    phi_k P[i+1, 0] + P[i+1, k+1] + R_i R_k`` (indices ``r`` read as 0), from the last row up:
    each element needs only the first column and the element below-right of it.
    """
    r = ph.size
    c = np.empty(r)
    if not stationary_column(ph, R, c):
        return False
    col = np.zeros(r + 1)  # zero padded: index r reads as 0
    for i in range(r):
        col[i] = c[i]
    c0 = col[0]
    for i in range(r - 1, -1, -1):
        for k in range(r - 1, i - 1, -1):
            val = ph[i] * ph[k] * c0 + ph[i] * col[k + 1] + ph[k] * col[i + 1] + R[i] * R[k]
            if i + 1 < r and k + 1 < r:
                val += P[i + 1, k + 1]
            P[i, k] = val
            P[k, i] = val
    for i in range(r):
        P[i, 0] = col[i]
        P[0, i] = col[i]
    return True


@nb.njit(**_FLAGS)
def stationary_cov(phi, R):
    """Solve ``P = T P T' + R R'`` for the Harvey-form companion ``T`` (NaN matrix if not stationary)."""
    r = phi.size
    P = np.empty((r, r))
    if not stationary_cov_into(phi, R, P):
        P[:, :] = np.nan
    return P


@nb.njit(**_FLAGS)
def stationary_column(ph, R, col):
    """The first column of the stationary state covariance ``P0`` (of :func:`stationary_cov`) into
    ``col``, in O(r^2) from the autocovariances; False when not stationary.

    With ``x`` the AR process ``1 / phi(L)`` (unit innovations), ``w = theta(L) x`` has
    ``gamma(h) = sum_j c_|j| gamma_x(h - j)`` (``c`` the autocovariances of the MA coefficients
    ``R``).  ``gamma_x(0..p)`` come from the Levinson step-down of ``phi`` (the partial
    autocorrelations ``r_k`` and the predictor of every order ``k``, whose Yule-Walker equation
    at lag ``k`` gives ``gamma_x(k)``; ``gamma_x(0) = 1 / prod (1 - r_k^2)``), the further lags
    from the AR recursion.  The state is ``a_t[i] = sum_j (phi_{i+j} w_{t-1-j} + R_{i+j} e_{t-j})``,
    so ``P0[i, 0] = Cov(a_t[i], w_t) = sum_j (phi_{i+j} gamma(j+1) + R_{i+j} psi_j)`` with the psi
    weights of the ARMA (Brockwell and Davis 1991, sec. 3.3; the Harvey form of R's ``arima``).
    Not stationary (some ``|r_k| >= 1``) or a variance above 1e15: False.
    """
    r = ph.size
    p = r
    while p > 0 and ph[p - 1] == 0.0:
        p -= 1
    q = r - 1
    while q > 0 and R[q] == 0.0:
        q -= 1
    L = r + q + 1
    gx = np.zeros(L + 1)
    if p == 0:
        gx[0] = 1.0
    else:
        y = step_down(ph[:p].copy())  # row k: minus the coefficients of the order-(k+1) predictor
        var = 1.0
        for k in range(p - 1, -1, -1):
            rk = y[k, k]
            denom = 1.0 - rk * rk
            if not denom > 0.0:
                return False
            var /= denom
        if not var < 1e15:
            return False
        gx[0] = var
        for k in range(p):
            acc = 0.0
            for i in range(k + 1):
                acc -= y[k, i] * gx[k - i]
            gx[k + 1] = acc
        for h in range(p + 1, L + 1):
            acc = 0.0
            for i in range(p):
                acc += ph[i] * gx[h - 1 - i]
            gx[h] = acc
    c = np.zeros(q + 1)
    for j in range(q + 1):
        acc = 0.0
        for i in range(q + 1 - j):
            acc += R[i] * R[i + j]
        c[j] = acc
    gam = np.zeros(r + 1)
    for h in range(r + 1):
        acc = c[0] * gx[h]
        for j in range(1, q + 1):
            acc += c[j] * (gx[abs(h - j)] + gx[h + j])
        gam[h] = acc
    psi = np.zeros(r)
    for j in range(r):
        acc = R[j]
        for i in range(min(j, p)):
            acc += ph[i] * psi[j - 1 - i]
        psi[j] = acc
    for i in range(r):
        acc = 0.0
        for j in range(r - i):
            acc += ph[i + j] * gam[j + 1] + R[i + j] * psi[j]
        col[i] = acc
    return np.isfinite(col[0]) and col[0] > 0.0 and col[0] < 1e15


@nb.njit(**_INLINE)
def observed_update(P, a, g, phi, R, y, v, F):
    """One observed step of the filter, in place: the gains ``g = P[0, :] / F``, the predicted state
    ``a[i] = phi_i y + a[i+1] + g[i+1] v`` and covariance ``P[i, j] = P[i+1, j+1] - g[i+1] g[j+1] F
    + R_i R_j`` (upper triangle of the zero-padded ``(r+1) x (r+1)`` array); returns the largest
    change of ``P`` (the steady-state test).  :func:`kalman_from` and the adjoint's forward pass
    (:mod:`.adjoint`) run this one step."""
    r = phi.size
    for i in range(r):
        g[i] = P[0, i] / F
    # g[r] == 0 (padding)
    for i in range(r):
        a[i] = phi[i] * y + a[i + 1] + g[i + 1] * v
    change = 0.0
    for i in range(r):
        gi = g[i + 1] * F
        Ri = R[i]
        for j in range(i, r):
            val = P[i + 1, j + 1] - gi * g[j + 1] + Ri * R[j]
            d = abs(val - P[i, j])
            if d > change:
                change = d
            P[i, j] = val
    return change


@nb.njit(**_INLINE)
def steady_run(w, phi, K, a, t, Fs, v_out, F_out):
    """The steady-state recursion from ``w[t]`` to the first missing value (or the end), ``F = Fs``
    and the gain ``K`` constant: returns ``(sum v^2, the index where it stopped)``; the innovations
    and ``Fs`` go into ``v_out`` and ``F_out`` unless they are empty."""
    n = w.size
    r = phi.size
    keep = v_out.size > 0
    sv = 0.0
    a0 = a[0]  # the first state in a register: the recursion's critical path skips a store and a load
    while t < n:
        y = w[t]
        if not y == y:
            break
        v = y - a0
        sv += v * v
        if keep:
            v_out[t] = v
            F_out[t] = Fs
        a0 = phi[0] * y + a[1] + K[1] * v
        for i in range(1, r):
            a[i] = phi[i] * y + a[i + 1] + K[i + 1] * v
        t += 1
    a[0] = a0
    return sv, t


@nb.njit(**_FLAGS)
def kalman_arma(w, phi, R, P0, tol, v_out, F_out, a_end, P_end):
    """The filter of :func:`kalman_from` from the stationary start: state mean 0, covariance ``P0``."""
    return kalman_from(w, phi, R, np.zeros(phi.size), P0, tol, v_out, F_out, a_end, P_end)


@nb.njit(**_FLAGS)
def kalman_from(w, phi, R, a0, P0, tol, v_out, F_out, a_end, P_end):
    """Run the filter on ``w`` (NaN = missing) from the predicted state ``(a0, P0)`` (length ``r``,
    ``r x r``; the stationary start is ``a0 = 0``; ``append`` continues from a fit's ``a_end``,
    ``P_end``).

    Returns ``(ssq, sum_log_F, nobs)`` with ``ssq = sum v_t^2 / F_t``; ``v_out`` and ``F_out``
    (length ``len(w)``, or length 0 to skip) receive the innovations and their variances,
    ``a_end`` / ``P_end`` the one-step prediction of the state after the last observation.
    ``nobs = -1`` signals a breakdown (non-positive or non-finite ``F``).

    Notes
    -----
    The first state element is observed without noise, so after an update row and column 0
    of the filtered covariance vanish and the prediction simplifies to
    ``P_new[i, j] = P[i+1, j+1] - g[i+1] g[j+1] / F + R[i] R[j]`` (``g = P[:, 0]``): no AR
    terms, computed in place on the upper triangle of a zero-padded (r+1)x(r+1) array.  Once
    ``P`` has converged, a run of observed values is one tight loop (:func:`steady_run`; ``F``
    constant, so ``sum v^2`` is divided by ``F`` once) until the next missing value, where the
    exact filter carries on from the steady ``P``.
    """
    n = w.size
    r = phi.size
    keep = v_out.size == n
    a = np.zeros(r + 1)
    P = np.zeros((r + 1, r + 1))
    for i in range(r):
        a[i] = a0[i]
        for j in range(i, r):
            P[i, j] = P0[i, j]
    g = np.zeros(r + 1)
    K = np.zeros(r + 1)
    ssq = 0.0
    slog = 0.0
    nobs = 0
    t = 0
    while t < n:
        y = w[t]
        change = np.inf
        if y == y:
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
            change = observed_update(P, a, g, phi, R, y, v, F)
        else:
            if keep:
                v_out[t] = np.nan
                F_out[t] = np.nan
            a0 = a[0]
            for i in range(r):
                a[i] = phi[i] * a0 + a[i + 1]
            p00 = P[0, 0]
            for i in range(r):
                g[i] = P[0, i]
            for i in range(r):
                pi_ = phi[i]
                gi = g[i + 1]
                for j in range(i, r):
                    pj = phi[j]
                    val = pi_ * pj * p00 + pi_ * g[j + 1] + pj * gi + P[i + 1, j + 1] + R[i] * R[j]
                    P[i, j] = val
        t += 1
        if change < tol:
            Fs = P[0, 0]
            if not (Fs > 0.0):
                return np.nan, np.nan, -1
            for i in range(r):
                K[i] = P[0, i] / Fs
            K[r] = 0.0
            t0 = t
            sv, t = steady_run(w, phi, K, a, t, Fs, v_out, F_out)
            ssq += sv / Fs
            slog += (t - t0) * np.log(Fs)
            nobs += t - t0
    for i in range(r):
        a_end[i] = a[i]
        for j in range(i, r):
            P_end[i, j] = P[i, j]
            P_end[j, i] = P[i, j]
    return ssq, slog, nobs


@nb.njit(**_INLINE)
def profiled_llf(ssq, slog, nobs):
    """Gaussian log-likelihood with the scale profiled out (``sigma2 = ssq / nobs``); ``-inf`` if undefined.

    ``(ssq, slog, nobs)`` as returned by the filters: ``sum v^2 / F``, ``sum log F`` (unit scale).
    """
    if nobs <= 0 or not np.isfinite(ssq) or not ssq > 0:
        return -np.inf
    return -0.5 * (nobs * (_LOG2PI + np.log(ssq / nobs) + 1.0) + slog)


@nb.njit(**_INLINE)
def scaled_llf(ssq, slog, nobs, sigma2):
    """Gaussian log-likelihood at the scale ``sigma2``; ``-inf`` if undefined (``slog = 0`` for CSS)."""
    if nobs <= 0 or not np.isfinite(ssq) or not sigma2 > 0:
        return -np.inf
    return -0.5 * (nobs * (_LOG2PI + np.log(sigma2)) + slog + ssq / sigma2)


@nb.njit(**_INLINE)
def objective_value(ssq, slog, nobs, sigma2_fixed, n_w):
    """What the exact-ML optimisers minimise: ``-llf / n_w``, ``sigma2`` profiled unless ``sigma2_fixed > 0``.

    ``1e10`` where the likelihood is undefined (a breakdown, non-stationary parameters).
    """
    llf = scaled_llf(ssq, slog, nobs, sigma2_fixed) if sigma2_fixed > 0 else profiled_llf(ssq, slog, nobs)
    val = -llf / n_w
    return val if np.isfinite(val) else 1e10


@nb.njit(**_INLINE)
def expand(reg, seas, s, sign):
    """Coefficients (from lag 1) of ``(1 + sign*sum reg_i L^i)(1 + sign*sum seas_k L^{ks})``, times ``sign``."""
    p = reg.size
    P = seas.size
    n = p + P * s
    out = np.zeros(n)
    for i in range(p):
        out[i] = reg[i]
    for k in range(P):
        base = (k + 1) * s
        c = seas[k]
        out[base - 1] += c
        for i in range(p):
            out[base + i] += sign * c * reg[i]
    return out


@nb.njit(**_INLINE)
def arma_loglike(w, ar, sar, ma, sma, s, tol):
    """``(ssq, sum_log_F, nobs)`` of the ARMA with the given (unexpanded) polynomials."""
    phi = expand(ar, sar, s, -1.0)
    theta = expand(ma, sma, s, 1.0)
    ph, R = state_space(phi, theta)
    r = ph.size
    P0 = np.empty((r, r))
    if not stationary_cov_into(ph, R, P0):
        return np.nan, np.nan, -1
    e = np.zeros(0)
    a_end = np.empty(r)
    P_end = np.empty((r, r))
    return kalman_arma(w, ph, R, P0, tol, e, e, a_end, P_end)


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


@nb.njit(**_FLAGS)
def css_value(w, ar, sar, ma, sma, s, ar_lags, ma_lags, ncond, out):
    """The CSS objective ``0.5 log(SSR / n_used)`` of the (unexpanded) polynomials, ``1e10`` if undefined.

    Expands the polynomials, keeps the coefficients at the structural lags ``ar_lags`` /
    ``ma_lags`` and runs :func:`css_residuals` (residuals into ``out``).
    """
    phi = expand(ar, sar, s, -1.0)
    theta = expand(ma, sma, s, 1.0)
    ph = np.empty(ar_lags.size)
    for i in range(ar_lags.size):
        ph[i] = phi[ar_lags[i] - 1]
    th = np.empty(ma_lags.size)
    for i in range(ma_lags.size):
        th[i] = theta[ma_lags[i] - 1]
    ssq, nu = css_residuals(w, ar_lags, ph, ma_lags, th, ncond, out)
    if nu <= 0 or not ssq > 0 or not np.isfinite(ssq):
        return 1e10
    return 0.5 * np.log(ssq / nu)


if _FLAGS["cache"]:  # callers' cache entries embed this module's code: see .._jitcache
    from .._jitcache import drop_stale_callers

    drop_stale_callers()
