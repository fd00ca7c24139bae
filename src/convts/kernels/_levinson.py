"""Levinson-Durbin recursion: autocovariances -> AR coefficients, PACF and innovation variance."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

__all__ = ["LevinsonResult", "levinson_durbin", "acf_to_ar"]


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


def levinson_durbin(r, order: int) -> LevinsonResult:
    """Solve the Yule-Walker equations for autocovariances ``r[0..order]``.

    Parameters
    ----------
    r : array_like
        Autocovariances (or autocorrelations) at lags ``0..order``; ``r[0] > 0``.
    order : int
        AR order ``p >= 0``.

    Notes
    -----
    O(p^2) Durbin recursion (Brockwell & Davis, *Time Series: Theory and Methods*, Prop. 5.2.1).
    A reflection coefficient of modulus >= 1 means ``r`` is not positive definite; the
    recursion then raises ``ValueError``.

    Examples
    --------
    >>> res = levinson_durbin([1.0, 0.5, 0.25], 2)
    >>> res.ar.round(12).tolist(), round(res.sigma2, 12)
    ([0.5, 0.0], 0.75)
    """
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
    phi = np.zeros(order)
    pacf = np.ones(order + 1)
    sigma2 = r[0]
    for k in range(1, order + 1):
        acc = r[k] - phi[: k - 1] @ r[k - 1 : 0 : -1] if k > 1 else r[1]
        refl = acc / sigma2
        if not abs(refl) < 1.0:
            raise ValueError(
                f"reflection coefficient {refl:.6g} at lag {k} has modulus >= 1: the autocovariances "
                f"are not positive definite (is the series non-stationary or too short?)"
            )
        prev = phi[: k - 1].copy()
        phi[: k - 1] = prev - refl * prev[::-1]
        phi[k - 1] = refl
        pacf[k] = refl
        sigma2 = sigma2 * (1.0 - refl * refl)
    return LevinsonResult(phi, float(sigma2), pacf)


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
