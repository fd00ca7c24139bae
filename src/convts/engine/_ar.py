"""AR estimators on data (Yule-Walker, Burg): shared by pacf, whitening and the ARIMA models."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .._validation import as_float_array, check_int, check_no_overflow
from ..kernels._levinson import levinson_durbin

__all__ = ["ARFit", "yule_walker", "burg"]


class ARFit(NamedTuple):
    """AR coefficients (statsmodels' sign), innovation variance and partial autocorrelations."""

    ar: np.ndarray
    sigma2: float
    pacf: np.ndarray


def _clean_1d(x, order):
    arr = as_float_array(x, "x", ndim=(1,)).astype(np.float64, copy=False)
    if not np.all(np.isfinite(arr)):
        raise ValueError("x contains NaN/inf; AR estimation needs complete data (interpolate or drop the gaps)")
    order = check_int(order, "order", minimum=0)
    if arr.size <= order:
        raise ValueError(f"order={order} needs more than {order} observations, got {arr.size}")
    with np.errstate(over="ignore", invalid="ignore"):
        xc = arr - arr.mean()
        ss = xc @ xc
    check_no_overflow(ss, arr, "x", "its sum of squares")
    return arr, order


def _yw_autocovariances(arr, order: int, method: str, demean: bool = True) -> np.ndarray:
    """Autocovariances at lags ``0..order`` with divisor ``n - k`` ('adjusted') or ``n`` ('mle')."""
    if demean:
        arr = arr - arr.mean()
    n = arr.size
    r = np.array([arr[: n - k] @ arr[k:] for k in range(order + 1)])
    return r / (n - np.arange(order + 1) if method == "adjusted" else n)


def yule_walker(x, order: int, method: str = "adjusted", demean: bool = True) -> ARFit:
    """Yule-Walker AR fit, equal to ``statsmodels.regression.linear_model.yule_walker``.

    Parameters
    ----------
    method : {'adjusted', 'mle'}
        Autocovariance divisor ``n - k`` ('adjusted') or ``n`` ('mle', always stationary).

    Notes
    -----
    statsmodels returns ``sigma = sqrt(sigma2)``; here ``sigma2`` is returned.

    Examples
    --------
    >>> from convts.engine import yule_walker
    >>> fit = yule_walker(np.array([1.0, 2.0, 1.5, 3.0, 2.5, 2.0, 3.5]), 1, method="mle")
    >>> round(float(fit.ar[0]), 6)
    -0.058756
    """
    arr, order = _clean_1d(x, order)
    if method not in ("adjusted", "mle"):
        raise ValueError(f"method={method!r}: use 'adjusted' or 'mle'")
    r = _yw_autocovariances(arr, order, method, demean)
    if order == 0:
        return ARFit(np.zeros(0), float(r[0]), np.ones(1))
    from scipy.linalg import solve_toeplitz

    phi = solve_toeplitz(r[:order], r[1:])
    sigma2 = float(r[0] - phi @ r[1:])
    try:
        pacf = levinson_durbin(r, order).pacf
    except ValueError:
        pacf = np.full(order + 1, np.nan)
        pacf[0] = 1.0
    return ARFit(phi, sigma2, pacf)


def burg(x, order: int, demean: bool = True) -> ARFit:
    """Burg's AR estimator, equal to ``statsmodels.regression.linear_model.burg``.

    Always returns a stationary AR polynomial (all reflection coefficients below 1 in modulus).
    ``sigma2`` follows statsmodels: ``(1 - k_p**2) d_p / (2 (n - p))``.
    """
    arr, order = _clean_1d(x, order)
    if demean:
        arr = arr - arr.mean()
    n = arr.size
    if order == 0:
        return ARFit(np.zeros(0), float(arr @ arr / n), np.ones(1))
    if order > n - 1:
        raise ValueError(f"order={order} must be smaller than the number of observations minus one ({n - 1})")
    refl = np.zeros(order + 1)
    d = np.zeros(order + 1)
    d[0] = 2 * arr @ arr
    u = arr[::-1].copy()
    v = arr[::-1].copy()
    d[1] = u[:-1] @ u[:-1] + v[1:] @ v[1:]
    refl[1] = 2 / d[1] * (v[1:] @ u[:-1])
    for i in range(1, order):
        last_u = u.copy()
        last_v = v.copy()
        u[1:] = last_u[:-1] - refl[i] * last_v[1:]
        v[1:] = last_v[1:] - refl[i] * last_u[:-1]
        d[i + 1] = (1 - refl[i] ** 2) * d[i] - v[i] ** 2 - u[-1] ** 2
        refl[i + 1] = 2 / d[i + 1] * (v[i + 1 :] @ u[i:-1])
    sigma2 = (1 - refl**2) * d / (2.0 * (n - np.arange(order + 1)))
    # reflection coefficients -> AR coefficients (Levinson step-up)
    phi = np.zeros(0)
    for k in range(1, order + 1):
        phi = np.r_[phi - refl[k] * phi[::-1], refl[k]]
    pacf = refl.copy()
    pacf[0] = 1.0
    return ARFit(phi, float(sigma2[-1]), pacf)
