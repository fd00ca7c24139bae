"""Parameter transforms that keep AR polynomials stationary and MA polynomials invertible.

The optimiser works on unconstrained reals; the likelihood sees coefficients whose lag
polynomial has every root outside the unit circle.  The map is Jones (1980) / Monahan (1984):
unconstrained ``x_k`` -> partial autocorrelations ``r_k = x_k / sqrt(1 + x_k**2)`` in (-1, 1) ->
polynomial coefficients by the Durbin-Levinson recursion.  It is the map of statsmodels'
``constrain_stationary_univariate`` / ``unconstrain_stationary_univariate`` (the tests check
that both give the same numbers), applied per polynomial (ar, ma, seasonal ar, seasonal ma).
"""

from __future__ import annotations

import numpy as np

__all__ = ["constrain_stationary", "unconstrain_stationary", "is_stationary"]


def constrain_stationary(unconstrained: np.ndarray) -> np.ndarray:
    """Map reals to the coefficients ``phi`` of a stationary ``1 - phi_1 L - ... - phi_p L^p``.

    For an MA polynomial ``1 + theta_1 L + ...`` use ``-constrain_stationary(x)``.
    """
    x = np.asarray(unconstrained, dtype=np.float64)
    n = x.size
    r = x / np.sqrt(1.0 + x * x)
    y = np.zeros((n, n))
    for k in range(n):
        for i in range(k):
            y[k, i] = y[k - 1, i] + r[k] * y[k - 1, k - i - 1]
        y[k, k] = r[k]
    return -y[n - 1, :] if n else np.zeros(0)


def unconstrain_stationary(constrained: np.ndarray) -> np.ndarray:
    """Inverse of :func:`constrain_stationary` (the coefficients must be stationary)."""
    phi = np.asarray(constrained, dtype=np.float64)
    n = phi.size
    if n == 0:
        return np.zeros(0)
    y = np.zeros((n, n))
    y[n - 1, :] = -phi
    for k in range(n - 1, 0, -1):
        rk = y[k, k]
        denom = 1.0 - rk * rk
        for i in range(k):
            y[k - 1, i] = (y[k, i] - rk * y[k, k - i - 1]) / denom
    r = np.diag(y).copy()
    return r / np.sqrt(1.0 - r * r)


def is_stationary(phi: np.ndarray, margin: float = 0.0) -> bool:
    """True when ``1 - phi_1 z - ... - phi_p z^p`` has every root with modulus > ``1 + margin``."""
    phi = np.asarray(phi, dtype=np.float64)
    if phi.size == 0 or not np.any(phi):
        return True
    if not np.all(np.isfinite(phi)):
        return False
    roots = np.roots(np.r_[1.0, -phi][::-1])
    return bool(np.all(np.abs(roots) > 1.0 + margin))
