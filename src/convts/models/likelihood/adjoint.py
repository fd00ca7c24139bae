"""The gradient of the exact ARMA likelihood by the adjoint (reverse mode) of its Kalman filter.

:func:`kalman_adjoint` runs the filter of :func:`.kalman.kalman_arma` on a complete series from
the stationary start, keeping what the backward pass needs (the first row of each one-step
covariance, the innovations and their variances: O(n r) memory), then runs the recursions
backwards and returns the derivatives of the profiled objective ``0.5 (nobs log ssq + slog) / n_w``
with respect to the data, the expanded AR coefficients ``phi``, the MA vector ``R`` and the
upper triangle of the initial covariance ``P0``.  One forward and one backward pass, each
O(n r^2), replace the ``k`` filters of a finite-difference gradient; the objective's dependence
on the parameters through the cheap maps ``x -> (phi, R, P0)`` is differenced separately
(:func:`.objective._mle_eval`).  Griewank and Walther, *Evaluating Derivatives* (2008), ch. 3
(the reverse mode); the filter is the one of :mod:`.kalman` (Harvey form, first state observed
without noise, so only ``P[0, :]`` enters the gains).
"""

from __future__ import annotations

import numba as nb
import numpy as np

from ..._config import get_option
from .kalman import observed_update, steady_run

_FLAGS = dict(cache=get_option("numba_cache"), nogil=True, fastmath=False)


@nb.njit(**_FLAGS)
def kalman_adjoint(y, ph, R, P0, tol, n_w, ybar, phbar, Rbar, P0bar):
    """Objective ``f = 0.5 (nobs log(ssq / nobs) + slog) / n_w`` (the profiled ``-llf / n_w`` less its
    constant) of the complete series ``y`` and its adjoints: ``ybar`` (length n), ``phbar``, ``Rbar``
    (length r) and ``P0bar`` (r x r, upper triangle: the derivative with respect to each stored
    element ``P0[i, j]``, ``i <= j``).  Returns ``(ssq, slog, nobs)``; ``nobs = -1`` on a breakdown.

    The forward pass runs :func:`.kalman.kalman_from`'s step (:func:`.kalman.observed_update`) and
    steady-state loop (:func:`.kalman.steady_run`), switching where it does.
    """
    n = y.size
    r = ph.size
    a = np.zeros(r + 1)
    P = np.zeros((r + 1, r + 1))
    for i in range(r):
        for j in range(i, r):
            P[i, j] = P0[i, j]
    rows = np.zeros((n, r + 1))  # P_t[0, :] (zero padded) at every exact step
    vs = np.zeros(n)
    Fs_ = np.zeros(n)
    g = np.zeros(r + 1)
    ssq = 0.0
    slog = 0.0
    ts = n  # first steady step
    t = 0
    K = np.zeros(r + 1)
    Fst = 0.0
    while t < n:
        F = P[0, 0]
        if not (F > 0.0) or not np.isfinite(F):
            return np.nan, np.nan, -1
        yt = y[t]
        v = yt - a[0]
        ssq += v * v / F
        slog += np.log(F)
        vs[t] = v
        Fs_[t] = F
        for i in range(r):
            rows[t, i] = P[0, i]
        change = observed_update(P, a, g, ph, R, yt, v, F)
        t += 1
        if change < tol and t < n:  # the steady state, as kalman_from; its first row kept at ts
            Fst = P[0, 0]
            if not (Fst > 0.0):
                return np.nan, np.nan, -1
            for i in range(r):
                K[i] = P[0, i] / Fst
                rows[t, i] = P[0, i]
            K[r] = 0.0
            ts = t
            sv, t = steady_run(y, ph, K, a, t, Fst, vs, Fs_)
            ssq += sv / Fst
            slog += (n - ts) * np.log(Fst)
    nobs = n
    if not ssq > 0.0 or not np.isfinite(ssq):
        return np.nan, np.nan, -1
    sbar = 0.5 * nobs / (n_w * ssq)  # df/dssq
    lbar = 0.5 / n_w  # df/dslog
    # ---- backward
    abar = np.zeros(r + 1)
    anew = np.zeros(r + 1)
    Pbar = np.zeros((r + 1, r + 1))
    Pnew = np.zeros((r + 1, r + 1))
    for i in range(r):
        phbar[i] = 0.0
        Rbar[i] = 0.0
    for t in range(n):
        ybar[t] = 0.0
    if ts < n:  # the steady steps, constant gain K and variance Fst
        Kbar = np.zeros(r + 1)
        Fbar = lbar * (n - ts) / Fst
        for t in range(n - 1, ts - 1, -1):
            v = vs[t]
            yt = y[t]
            vbar = 0.0
            for i in range(r):
                ab = abar[i]
                phbar[i] += ab * yt
                ybar[t] += ab * ph[i]
                Kbar[i + 1] += ab * v
                vbar += ab * K[i + 1]
            vbar += sbar * 2.0 * v / Fst
            Fbar -= sbar * v * v / (Fst * Fst)
            for i in range(r):
                anew[i + 1] = abar[i]
            anew[0] = -vbar
            anew[r] = 0.0
            ybar[t] += vbar
            for i in range(r + 1):
                abar[i] = anew[i]
        # K[i] = P[0, i] / P[0, 0] (i >= 1), Fst = P[0, 0]: onto the steady covariance's first row
        acc = Fbar
        for i in range(1, r):
            Pbar[0, i] += Kbar[i] / Fst
            acc -= Kbar[i] * rows[ts, i] / (Fst * Fst)
        Pbar[0, 0] += acc
    cbar = np.zeros(r + 1)  # adjoint of c_i = P_t[0, i+1], collected per step
    for t in range(ts - 1, -1, -1):
        F = Fs_[t]
        invF = 1.0 / F
        v = vs[t]
        yt = y[t]
        for i in range(r + 1):
            cbar[i] = 0.0
        Fbar = 0.0
        # (1) the covariance update P_{t+1}[i, j] = P_t[i+1, j+1] - c_i c_j / F + R_i R_j (j >= i)
        for i in range(r):
            ci = rows[t, i + 1]
            Ri = R[i]
            acc_c = 0.0
            acc_R = 0.0
            for j in range(i, r):
                pb = Pbar[i, j]
                acc_c += pb * rows[t, j + 1]
                acc_R += pb * R[j]
                cbar[j + 1] -= pb * ci * invF
                Rbar[j] += pb * Ri
            cbar[i + 1] -= acc_c * invF
            Fbar += acc_c * ci * invF * invF
            Rbar[i] += acc_R
        # (2) the state update a_{t+1}[i] = ph_i y + a_t[i+1] + (c_i / F) v
        vbar = 0.0
        for i in range(r):
            ab = abar[i]
            ci = rows[t, i + 1]
            phbar[i] += ab * yt
            ybar[t] += ab * ph[i]
            cbar[i + 1] += ab * v * invF
            Fbar -= ab * v * ci * invF * invF
            vbar += ab * ci * invF
        # (3) the objective's terms v^2 / F and log F
        vbar += sbar * 2.0 * v * invF
        Fbar += -sbar * v * v * invF * invF + lbar * invF
        # (4) v = y - a_t[0]; (5) F = P_t[0, 0]; the shift P_t[i+1, j+1] -> P_{t+1}[i, j]
        ybar[t] += vbar
        for i in range(r - 1, -1, -1):
            abar[i + 1] = abar[i]
        abar[0] = -vbar
        abar[r] = 0.0
        for i in range(r - 1):
            for j in range(i, r - 1):
                Pnew[i + 1, j + 1] = Pbar[i, j]
        Pnew[0, 0] = Fbar
        for i in range(1, r):
            Pnew[0, i] = cbar[i]
        Pbar, Pnew = Pnew, Pbar
    for i in range(r):
        for j in range(r):
            P0bar[i, j] = Pbar[i, j] if j >= i else 0.0
    return ssq, slog, nobs
