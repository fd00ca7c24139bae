"""Exact ARMA likelihood and forecasts through the autocovariances (for long seasonal periods).

The Kalman filter costs O(n r^2) with state size ``r = max(p', q' + 1)`` of the *expanded*
polynomials: 367 for a (1,0,1)(1,0,1)365 model, although it has four non-zero taps.  For such
models the exact Gaussian likelihood of a complete series is computed instead from its
autocovariances ``gamma_0..gamma_{n-1}`` by the Durbin-Levinson recursion, O(n^2) whatever the
period.  The autocovariances come from the kernel's frequency response: ``gamma`` is the
inverse FFT of ``|theta(z) Theta(z^s)|^2 / |phi(z) Phi(z^s)|^2`` on ``N`` points, with
``N >= n + L`` where ``L`` is the lag beyond which ``rho**L < 1e-14`` (``rho`` the pole radius),
so the aliasing error is below about 1e-14 relative.

The optimiser's objective on this path is :func:`.objective.mle_value_toeplitz`
(it calls :func:`sparse_acovf` and :func:`levinson_loglike`; see :mod:`.._jitcache`).
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from ..._config import get_option
from ...kernels import arma
from ...kernels._levinson import reflection, step_up_into

_FLAGS = dict(cache=get_option("numba_cache"), nogil=True)
# the Levinson-Durbin steps of convts.kernels (plain Python written for numba), inlined at IR level
_reflection = nb.njit(**_FLAGS, inline="always")(reflection)
_step_up_into = nb.njit(**_FLAGS, inline="always")(step_up_into)


def _max_inverse_root(coefs: np.ndarray) -> float:
    """Largest ``|1/z|`` over the roots of ``1 - c_1 z - ... - c_k z^k`` (closed form for k <= 2)."""
    k = coefs.size
    if k == 1:
        return abs(float(coefs[0]))
    if k == 2:  # inverse roots solve x^2 - c1 x - c2 = 0
        c1, c2 = float(coefs[0]), float(coefs[1])
        disc = c1 * c1 + 4.0 * c2
        if disc >= 0:
            sq = math.sqrt(disc)
            return max(abs(c1 + sq), abs(c1 - sq)) / 2.0
        return math.sqrt(-c2)
    return float(np.max(np.abs(np.roots(np.r_[1.0, -coefs])))) if np.any(coefs) else 0.0


def pole_radius(ar, sar, s) -> float:
    """Largest modulus of the poles of ``phi(L) Phi(L^s)`` (< 1 when stationary)."""
    rho = 0.0
    for coefs, step in ((ar, 1), (sar, s)):
        if coefs.size and np.any(coefs):
            rho = max(rho, _max_inverse_root(np.asarray(coefs, dtype=np.float64)) ** (1.0 / step))
    return rho


def arma_acovf(phi: np.ndarray, theta: np.ndarray, nlags: int, rho: float) -> np.ndarray:
    """Autocovariances ``gamma_0..gamma_{nlags-1}`` (unit innovation variance) of the expanded ARMA
    ``theta(L) / phi(L)``: :meth:`convts.Kernel.acovf` (NaN when ``rho``, the pole radius, is >= 1).

    The likelihood uses :func:`sparse_acovf` (compiled, the seasonal factor kept apart); this is the
    general kernel's answer for the same process."""
    if rho >= 1.0:
        return np.full(nlags, np.nan)
    return arma(ar=phi, ma=theta).acovf(nlags - 1)


@nb.njit(**_FLAGS)
def levinson_loglike(w, gamma, v_out, F_out):
    """Durbin-Levinson innovations of a complete series: ``(ssq, sum_log_F, nobs)`` (-1 on breakdown).

    The order-``t`` predictor of ``w_t`` from ``w_0..w_{t-1}`` comes from the order ``t - 1`` one by
    :func:`convts.kernels._levinson.reflection` and :func:`~convts.kernels._levinson.step_up_into`
    (the recursion's one home); its error variance is the innovation variance ``F_t``.
    """
    n = w.size
    keep = v_out.size == n
    coef = np.zeros(n)
    prev = np.zeros(n)
    nu = gamma[0]
    if not nu > 0:
        return np.nan, np.nan, -1
    ssq = w[0] * w[0] / nu
    slog = np.log(nu)
    if keep:
        v_out[0] = w[0]
        F_out[0] = nu
    for t in range(1, n):
        ptt, nu = _reflection(gamma, t, prev, nu)
        _step_up_into(prev, coef, t, ptt)
        pred = ptt * w[0]
        for k in range(1, t):
            pred += coef[k - 1] * w[t - k]
        if not nu > 0:
            return np.nan, np.nan, -1
        v = w[t] - pred
        ssq += v * v / nu
        slog += np.log(nu)
        if keep:
            v_out[t] = v
            F_out[t] = nu
        tmp = prev
        prev = coef
        coef = tmp
    return ssq, slog, n


def forecast_w(w: np.ndarray, gamma_full: np.ndarray, steps: int):
    """Best linear predictions of ``w_{n..n+steps-1}`` and the covariance of their errors.

    ``gamma_full`` holds ``gamma_0..gamma_{n+steps-1}`` (unit innovation variance).
    """
    from scipy.linalg import solve_toeplitz

    n = w.size
    lags = (n - 1 - np.arange(n))[:, None] + np.arange(1, steps + 1)[None, :]  # Cov(w_j, w_{n-1+h})
    G = gamma_full[lags]
    X = solve_toeplitz(gamma_full[:n], G)
    mean = X.T @ w
    hh = np.abs(np.arange(steps)[:, None] - np.arange(steps)[None, :])
    cov = gamma_full[hh] - G.T @ X
    return mean, cov


# ------------------------------------------------------------------ sparse (multiplicative) autocovariances
@nb.njit(**_FLAGS)
def _psi_acovf(ar, ma, max_len):
    """Autocovariances of the ARMA ``(1 + sum ma_j L^j) / (1 - sum ar_i L^i)`` (unit variance) from
    its psi weights, truncated where the weights have decayed below 1e-17 of their sum of squares
    (or at ``max_len``).  Returns ``gamma_0..gamma_{L-1}`` with L the truncation length."""
    p = ar.size
    q = ma.size
    psi = np.zeros(max_len)
    total = 0.0
    L = max_len
    run = max(p, q) + 1
    quiet = 0
    for j in range(max_len):
        v = 1.0 if j == 0 else (ma[j - 1] if j <= q else 0.0)
        for i in range(min(p, j)):
            v += ar[i] * psi[j - 1 - i]
        psi[j] = v
        total += v * v
        if j > q and v * v <= 1e-34 * total:
            quiet += 1
            if quiet >= run:
                L = j + 1
                break
        else:
            quiet = 0
    gamma = np.zeros(L)
    for h in range(L):
        acc = 0.0
        for j in range(L - h):
            acc += psi[j] * psi[j + h]
        gamma[h] = acc
    return gamma


@nb.njit(**_FLAGS)
def sparse_acovf(ar, ma, sar, sma, s, nlags):
    """Autocovariances of ``theta(L)Theta(L^s) / (phi(L)Phi(L^s))`` at lags ``0..nlags-1``.

    The spectrum is the product of the regular and the seasonal factor, so the autocovariance is
    the convolution ``gamma(h) = sum_k gamma_S(k) gamma_R(h - k s)`` of the two factors'
    autocovariances (the seasonal one living on multiples of ``s``): the cost follows the decay
    lengths of the factors, not the period.
    """
    gr = _psi_acovf(ar, ma, 1_000_000)
    out = np.zeros(nlags)
    Lr = gr.size
    if sar.size == 0 and sma.size == 0:
        for h in range(min(nlags, Lr)):
            out[h] = gr[h]
        return out
    gs = _psi_acovf(sar, sma, 1_000_000)
    Ls = gs.size
    for h in range(nlags):
        # k with |h - k s| < Lr
        k_lo = (h - Lr) // s
        k_hi = (h + Lr) // s + 1
        acc = 0.0
        for k in range(k_lo, k_hi + 1):
            ak = abs(k)
            if ak >= Ls:
                continue
            lag = abs(h - k * s)
            if lag < Lr:
                acc += gs[ak] * gr[lag]
        out[h] = acc
    return out
