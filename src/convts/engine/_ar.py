"""AR estimators on data (Yule-Walker, Burg): shared by pacf, whitening and the ARIMA models."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .._validation import as_float_array, check_int, check_no_overflow
from ..kernels._levinson import levinson_durbin, step_up

__all__ = ["ARFit", "yule_walker", "burg", "burg_path", "step_up"]


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
    # Levinson-Durbin without the stationarity check solves the Toeplitz system R phi = r[1:] as
    # statsmodels' solve does (divisor n - k may give a matrix that is not positive definite)
    res = levinson_durbin(r, order, check=False)
    phi = res.ar
    sigma2 = float(r[0] - phi @ r[1:])
    pacf = res.pacf if np.all(np.abs(res.pacf[1:]) < 1.0) else np.r_[1.0, np.full(order, np.nan)]
    return ARFit(phi, sigma2, pacf)


def burg_path(xc: np.ndarray, max_order: int) -> tuple[np.ndarray, np.ndarray]:
    """Burg's recursion on demeaned rows ``xc`` (n_series, n) sharing one set of reflection coefficients.

    Returns ``refl`` (``refl[0] = 1``, ``refl[k]`` the order-k reflection coefficient) and
    ``sigma2[k]``, the innovation variance of the order-k fit (statsmodels' formula
    ``(1 - k_p**2) d_p / (2 (n - p))``), for ``k = 0..max_order``.  With one row this is
    statsmodels' ``burg`` at every order at once; with several rows numerators and denominators
    are summed over the rows (the multi-segment Burg estimator), fitting one AR model to all.
    A constant or perfectly predictable series (zero prediction error at some order ``k``) keeps
    the exact order-``k`` predictor: higher reflection coefficients 0 and ``sigma2`` 0 (statsmodels
    gives NaN there).  The one implementation of Burg's method in convts (:func:`burg`, ``ARPrewhitener``,
    ``ARIMA(...).fit(method="burg")``); the step-up to AR coefficients is
    :func:`convts.kernels._levinson.step_up`.
    """
    C, n = xc.shape
    refl = np.zeros(max_order + 1)
    d = np.zeros(max_order + 1)
    d[0] = 2 * np.sum(xc * xc)
    # A prediction error energy d[k] of 0 (a constant or perfectly periodic series: the order-(k-1)
    # predictor is exact) leaves the next reflection coefficient 0 / 0; the exact predictor is
    # kept instead (refl = 0, d = 0 from there on: sigma2 = 0 at every higher order), where
    # statsmodels' burg returns NaN.  The same below rounding level: floor = what the update's
    # cancellation can leave of d[0].
    floor = 16 * np.finfo(np.float64).eps * d[0]
    if max_order and d[0] > 0:
        u = xc[:, ::-1].copy()
        v = xc[:, ::-1].copy()
        d[1] = np.sum(u[:, :-1] ** 2) + np.sum(v[:, 1:] ** 2)
        refl[1] = 2 / d[1] * np.sum(v[:, 1:] * u[:, :-1]) if d[1] > floor else 0.0
        for i in range(1, max_order):
            if not d[i] > floor:
                d[i:] = 0.0
                break
            last_u, last_v = u.copy(), v.copy()
            u[:, 1:] = last_u[:, :-1] - refl[i] * last_v[:, 1:]
            v[:, 1:] = last_v[:, 1:] - refl[i] * last_u[:, :-1]
            d[i + 1] = (1 - refl[i] ** 2) * d[i] - np.sum(v[:, i] ** 2) - np.sum(u[:, -1] ** 2)
            refl[i + 1] = 2 / d[i + 1] * np.sum(v[:, i + 1 :] * u[:, i:-1]) if d[i + 1] > floor else 0.0
        if not d[max_order] > floor:
            d[max_order] = 0.0
    sigma2 = (1 - refl**2) * d / (2.0 * C * (n - np.arange(max_order + 1)))
    refl[0] = 1.0
    return refl, sigma2


def burg(x, order: int, demean: bool = True) -> ARFit:
    """Burg's AR estimator, equal to ``statsmodels.regression.linear_model.burg``.

    Always returns a stationary AR polynomial (all reflection coefficients below 1 in modulus).
    ``sigma2`` follows statsmodels: ``(1 - k_p**2) d_p / (2 (n - p))``.  One row of :func:`burg_path`.
    """
    arr, order = _clean_1d(x, order)
    if demean:
        arr = arr - arr.mean()
    n = arr.size
    if order > n - 1:
        raise ValueError(f"order={order} must be smaller than the number of observations minus one ({n - 1})")
    refl, sigma2 = burg_path(arr[None, :], order)
    return ARFit(step_up(refl[1:]), float(sigma2[-1]), refl)
