"""Parameter transforms that keep AR polynomials stationary and MA polynomials invertible.

The optimiser works on unconstrained reals; the likelihood sees coefficients whose lag
polynomial has every root outside the unit circle.  The map is Jones (1980) / Monahan (1984):
unconstrained ``x_k`` -> partial autocorrelations ``r_k = x_k / sqrt(1 + x_k**2)`` in (-1, 1) ->
polynomial coefficients by the Durbin-Levinson recursion.  It is the map of statsmodels'
``constrain_stationary_univariate`` / ``unconstrain_stationary_univariate`` (the tests check
that both give the same numbers), applied per polynomial (ar, ma, seasonal ar, seasonal ma).

The functions are numba-compiled and serve both Python callers (:mod:`.exact`,
:mod:`..estimators.whittle`; pass float64 arrays) and compiled ones (:mod:`.objective`,
:mod:`..estimators.compiled`).  See :mod:`.kalman` for the rule on numba's cache that modules calling
them follow.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from ..._config import get_option

__all__ = ["constrain_stationary", "unconstrain_stationary", "partial_autocorrelations", "is_stationary", "step_down"]

_FLAGS = dict(cache=get_option("numba_cache"), nogil=True, fastmath=False)


@nb.njit(**_FLAGS)
def constrain_stationary(unconstrained):
    """Map reals to the coefficients ``phi`` of a stationary ``1 - phi_1 L - ... - phi_p L^p``.

    For an MA polynomial ``1 + theta_1 L + ...`` use ``-constrain_stationary(x)``.
    """
    n = unconstrained.size
    out = np.zeros(n)
    if n == 0:
        return out
    y = np.zeros((n, n))
    for k in range(n):
        r = unconstrained[k] / np.sqrt(1.0 + unconstrained[k] * unconstrained[k])
        for i in range(k):
            y[k, i] = y[k - 1, i] + r * y[k - 1, k - i - 1]
        y[k, k] = r
    for i in range(n):
        out[i] = -y[n - 1, i]
    return out


@nb.njit(**_FLAGS)
def step_down(phi):
    """Levinson step-down of ``1 - phi_1 L - ... - phi_p L^p``: a ``(p, p)`` array whose row ``k``
    holds minus the coefficients of the order-``k + 1`` predictor (row ``p - 1`` is ``-phi``), so
    its diagonal is :func:`partial_autocorrelations`.  Rows below a ``|y[k, k]| >= 1`` are NaN
    (a root on or inside the unit circle: the lower orders do not exist).  :func:`.kalman.stationary_column` reads the predictors of every order.
    """
    n = phi.size
    y = np.zeros((n, n))
    for i in range(n):
        y[n - 1, i] = -phi[i]
    for k in range(n - 1, 0, -1):
        rk = y[k, k]
        denom = 1.0 - rk * rk
        if not denom > 0.0:  # |r_k| >= 1 (or NaN): no lower order exists (was a ZeroDivisionError at 1)
            for kk in range(k):
                for i in range(kk + 1):
                    y[kk, i] = np.nan
            break
        for i in range(k):
            y[k - 1, i] = (y[k, i] - rk * y[k, k - i - 1]) / denom
    return y


@nb.njit(**_FLAGS)
def partial_autocorrelations(phi):
    """Levinson step-down of ``1 - phi_1 L - ...``: the partial autocorrelations ``r_1..r_p``.

    Every ``|r_k| < 1`` exactly when the polynomial is stationary; once some ``|r_k| >= 1`` the
    lower ones are NaN.
    """
    n = phi.size
    y = step_down(phi)
    r = np.empty(n)
    for i in range(n):
        r[i] = y[i, i]
    return r


@nb.njit(**_FLAGS)
def unconstrain_stationary(constrained):
    """Inverse of :func:`constrain_stationary` (the coefficients must be stationary)."""
    r = partial_autocorrelations(constrained)
    return r / np.sqrt(1.0 - r * r)


@nb.njit(**_FLAGS)
def is_stationary(phi, margin=0.0):
    """True when ``1 - phi_1 z - ... - phi_p z^p`` has every root with modulus > ``1 + margin``.

    Schur-Cohn test instead of root finding: the roots lie outside the circle of radius
    ``1 + margin`` exactly when ``phi_i (1 + margin)^i`` is stationary, i.e. when every partial
    autocorrelation of its Levinson step-down has modulus < 1.
    """
    n = phi.size
    scaled = np.empty(n)
    scale = 1.0
    for i in range(n):
        if not np.isfinite(phi[i]):
            return False
        scale *= 1.0 + margin
        scaled[i] = phi[i] * scale
    r = partial_autocorrelations(scaled)
    for k in range(n - 1, -1, -1):
        if not abs(r[k]) < 1.0:
            return False
    return True
