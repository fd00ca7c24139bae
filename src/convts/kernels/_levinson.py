"""Levinson-Durbin recursion and the step-up: autocovariances or PACF -> AR coefficients.

The one home of both recursions in convts.  The two scalar building blocks,
:func:`reflection` (the next reflection coefficient) and :func:`step_up_into` (raise the AR order
by one), are plain Python written for numba: compiled code (the exact Toeplitz likelihood in
``models``) wraps them in ``numba.njit`` itself, and the array functions here call them either
directly (short recursions) or compiled lazily (long ones), with the same arithmetic in the
same order.  numba is not imported until a long recursion needs it.
"""

from __future__ import annotations

import functools
from typing import NamedTuple

import numpy as np

__all__ = [
    "LevinsonResult", "levinson_durbin", "levinson_path", "acf_to_ar", "step_up",
    "reflection", "step_up_into",
]

# Recursions up to this order run as plain Python (no numba import, ~1 ms); longer ones compiled.
_PY_MAX_ORDER = 64


class LevinsonResult(NamedTuple):
    """Result of :func:`levinson_durbin`.

    Attributes
    ----------
    ar : ndarray
        AR coefficients ``phi_1..phi_p`` (statsmodels' sign: ``x_t = sum phi_i x_{t-i} + e_t``).
    sigma2 : float
        Innovation variance ``r[0] * prod(1 - pacf_k**2)``.
    pacf : ndarray
        Partial autocorrelations ``1, phi_11, phi_22, ..., phi_pp``.
    """

    ar: np.ndarray
    sigma2: float
    pacf: np.ndarray


# ------------------------------------------------------------------ scalar steps (numba-compatible)
def reflection(r, k, phi, nu):
    """The order-``k`` reflection coefficient (PACF at lag ``k``) and the order-``k`` innovation variance.

    Parameters
    ----------
    r : ndarray of float64
        Autocovariances; ``r[0..k]`` are read.
    k : int
        The order being reached, ``k >= 1``.
    phi : ndarray of float64
        ``phi[0..k-2]``: the order-``(k-1)`` coefficients (lags ``1..k-1``).
    nu : float
        The order-``(k-1)`` innovation variance (``r[0]`` for ``k = 1``).

    Returns
    -------
    refl : float
        ``(r[k] - sum_j phi[j-1] r[k-j]) / nu``.
    nu_next : float
        ``nu * (1 - refl**2)``.

    Notes
    -----
    Plain Python written for numba (``numba.njit(reflection)`` compiles it); the sum runs over
    ``j = 1..k-1`` in that order.  Brockwell & Davis, *Time Series: Theory and Methods*, Prop. 5.2.1.
    """
    acc = r[k]
    for j in range(1, k):
        acc -= phi[j - 1] * r[k - j]
    refl = acc / nu
    return refl, nu * (1.0 - refl * refl)


def step_up_into(prev, out, k, refl):
    """Step-up: order-``(k-1)`` coefficients ``prev[0..k-2]`` and ``refl`` -> order-``k`` in ``out[0..k-1]``.

    ``out[j] = prev[j] - refl * prev[k-2-j]`` for ``j < k-1`` and ``out[k-1] = refl``.  ``out``
    must not be ``prev`` (callers swap two buffers).  Plain Python written for numba.
    """
    for j in range(k - 1):
        out[j] = prev[j] - refl * prev[k - 2 - j]
    out[k - 1] = refl


@functools.cache
def _compiled():
    """``(reflection, step_up_into)`` compiled by numba (imported here, on first use)."""
    import numba as nb

    from .._config import get_option

    jit = nb.njit(cache=get_option("numba_cache"), nogil=True)
    return jit(reflection), jit(step_up_into)


def _steps(order: int):
    return (reflection, step_up_into) if order <= _PY_MAX_ORDER else _compiled()


def _recursion(r: np.ndarray, order: int, check: bool):
    """Run Durbin's recursion to ``order``: ``(phi, pacf, sigma2 path, failed order or 0)``."""
    refl_fn, up_fn = _steps(order)
    phi = np.zeros(order)
    work = np.zeros(order)
    pacf = np.ones(order + 1)
    sig = np.empty(order + 1)
    sig[0] = nu = float(r[0])
    # nu_k = det(R_(k+1)) / det(R_k) is computed with an absolute error of a few eps * r[0]: below
    # this it is 0 as far as the data can tell, and the next reflection coefficient is 0 / 0
    tiny = 16.0 * np.finfo(np.float64).eps * float(r[0])
    for k in range(1, order + 1):
        if not abs(nu) > tiny:  # the order-k system is singular (scipy.linalg.solve_toeplitz: LinAlgError)
            raise ValueError(
                f"the Toeplitz system of the autocovariances is singular at order {k}: its leading minor "
                f"of order {k} is 0 up to rounding (a constant or perfectly periodic series, e.g. "
                f"r[1] = +-r[0]); use a smaller order (<= {k - 1})"
            )
        refl, nu = refl_fn(r, k, phi, nu)
        if check and not abs(refl) < 1.0:
            return phi, pacf, sig, k
        up_fn(phi, work, k, refl)
        phi, work = work, phi
        pacf[k] = refl
        sig[k] = nu
    return phi, pacf, sig, 0


def _check_r(r, order) -> tuple[np.ndarray, int]:
    r = np.asarray(r, dtype=np.float64)
    order = int(order)
    if order < 0:
        raise ValueError(f"order={order}: order must be >= 0")
    if r.ndim != 1 or r.size < order + 1:
        raise ValueError(f"need autocovariances at lags 0..{order} (length {order + 1}), got shape {r.shape}")
    if not np.all(np.isfinite(r[: order + 1])):
        raise ValueError("autocovariances contain NaN/inf; check the input series")
    if not r[0] > 0:
        raise ValueError(f"r[0]={r[0]!r}: the lag-0 autocovariance must be > 0 (a constant series has no AR fit)")
    return np.ascontiguousarray(r[: order + 1]), order


def levinson_durbin(r, order: int, *, check: bool = True) -> LevinsonResult:
    """Solve the Yule-Walker equations for autocovariances ``r[0..order]``.

    Parameters
    ----------
    r : array_like
        Autocovariances (or autocorrelations) at lags ``0..order``; ``r[0] > 0``.
    order : int
        AR order ``p >= 0``.
    check : bool, keyword-only
        ``True`` (default): a reflection coefficient of modulus >= 1 means ``r`` is not positive
        definite, and ``ValueError`` is raised.  ``False``: the recursion carries on, solving the
        Toeplitz system ``R phi = r[1:]`` whenever its leading minors are non-zero (what
        ``scipy.linalg.solve_toeplitz`` does; the Yule-Walker estimator with divisor ``n - k``
        needs it); ``pacf`` then may leave ``[-1, 1]`` and ``sigma2`` may be <= 0.

    Returns
    -------
    LevinsonResult
        ``ar`` (float64, shape ``(p,)``), ``sigma2`` (float), ``pacf`` (float64, shape ``(p + 1,)``).

    Raises
    ------
    ValueError
        ``order < 0``, fewer than ``order + 1`` values, NaN/inf, ``r[0] <= 0``, (``check=True``)
        a reflection coefficient of modulus >= 1, or (``check=False``) a leading minor of order
        ``<= order`` that is 0 up to rounding (``|nu| <= 16 eps r[0]``;
        ``scipy.linalg.solve_toeplitz`` raises ``LinAlgError`` for an exact 0).

    Notes
    -----
    O(p^2) Durbin recursion (Brockwell & Davis, *Time Series: Theory and Methods*, Prop. 5.2.1),
    built from :func:`reflection` and :func:`step_up_into`.

    Examples
    --------
    >>> res = levinson_durbin([1.0, 0.5, 0.25], 2)
    >>> res.ar.round(12).tolist(), round(res.sigma2, 12)
    ([0.5, 0.0], 0.75)
    """
    r, order = _check_r(r, order)
    phi, pacf, sig, failed = _recursion(r, order, check)
    if failed:
        raise ValueError(
            f"reflection coefficient at lag {failed} has modulus >= 1: the autocovariances "
            f"are not positive definite (is the series non-stationary or too short?)"
        )
    return LevinsonResult(phi, float(sig[-1]), pacf)


def levinson_path(r, order: int) -> tuple[np.ndarray, np.ndarray]:
    """PACF and innovation variance of the Yule-Walker fit at every order ``0..order``.

    Parameters
    ----------
    r, order
        As :func:`levinson_durbin` (``r`` must be positive definite).

    Returns
    -------
    pacf : ndarray, shape (order + 1,)
        ``1, phi_11, ..., phi_pp`` (the reflection coefficients).
    sigma2 : ndarray, shape (order + 1,)
        ``sigma2[k] = r[0] prod_{j<=k} (1 - pacf_j**2)``: the order-``k`` innovation variance
        (what order selection by AIC/BIC reads).

    Examples
    --------
    >>> pacf, s2 = levinson_path([1.0, 0.5, 0.25], 2)
    >>> s2.round(12).tolist()
    [1.0, 0.75, 0.75]
    """
    r, order = _check_r(r, order)
    _, pacf, sig, failed = _recursion(r, order, True)
    if failed:
        raise ValueError(
            f"reflection coefficient at lag {failed} has modulus >= 1: the autocovariances are not positive definite"
        )
    return pacf, sig


def step_up(refl) -> np.ndarray:
    """Reflection coefficients (PACF) ``k_1..k_p`` -> AR coefficients ``phi_1..phi_p`` (Levinson step-up).

    Parameters
    ----------
    refl : array_like
        1-D, the reflection coefficients at lags ``1..p`` (without the leading 1 of a PACF).

    Returns
    -------
    ndarray of float64, shape (p,)
        statsmodels' sign (``x_t = sum phi_i x_{t-i} + e_t``); stationary when every ``|k_i| < 1``.

    Examples
    --------
    >>> step_up([0.5, 0.0]).tolist()
    [0.5, 0.0]
    >>> step_up([0.6, -0.2]).round(12).tolist()
    [0.72, -0.2]
    """
    refl = np.asarray(refl, dtype=np.float64)
    if refl.ndim != 1:
        raise ValueError(f"refl must be 1-D (the reflection coefficients at lags 1..p), got shape {refl.shape}")
    p = refl.size
    _, up_fn = _steps(p)
    phi, work = np.zeros(p), np.zeros(p)
    for k in range(1, p + 1):
        up_fn(phi, work, k, float(refl[k - 1]))
        phi, work = work, phi
    return phi


def acf_to_ar(acf, order: int):
    """AR coefficients whose theoretical ACF matches ``acf`` at lags ``0..order`` (Yule-Walker).

    Parameters
    ----------
    acf : array_like
        Autocorrelations (or autocovariances) at lags ``0, 1, ...``; at least ``order + 1`` values.
    order : int
        AR order.

    Returns
    -------
    ar : ndarray
        ``phi_1..phi_p`` in statsmodels' sign convention.
    sigma2 : float
        Innovation variance, in the units of ``acf`` (``acf[0] * prod(1 - pacf**2)``).

    Examples
    --------
    >>> import convts
    >>> ar, sigma2 = convts.acf_to_ar(convts.kernels.arma(ar=[0.6, -0.2]).acf(5), 2)
    >>> ar.round(10).tolist()
    [0.6, -0.2]
    """
    res = levinson_durbin(acf, order)
    return res.ar, res.sigma2
