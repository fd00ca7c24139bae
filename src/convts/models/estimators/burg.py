"""Burg's AR estimator for the ARIMA model (``ARIMA(...).fit(method="burg")``)."""

from __future__ import annotations

import numpy as np

from ...engine import burg as _engine_burg
from .yule_walker import _ar_order, _as_series

__all__ = ["fit_burg"]


def fit_burg(y, p, demean: bool = True) -> tuple[np.ndarray, float]:
    """Burg estimate of an AR(p) model of the (already differenced) series ``y``.

    Parameters
    ----------
    y : array_like
        Complete 1-D series (no NaN), assumed stationary.
    p : int
        AR order (lags 1..p); must be below ``len(y) - 1``.
    demean : bool
        Subtract the sample mean first.

    Returns
    -------
    ar : ndarray
        ``phi_1..phi_p`` in statsmodels' sign; always a stationary polynomial.
    sigma2 : float
        ``(1 - k_p**2) d_p / (2 (n - p))`` as statsmodels (``k_p`` the last reflection coefficient).

    Notes
    -----
    Burg's recursion by :func:`convts.engine.burg`, equal to
    ``statsmodels.tsa.arima.estimators.burg.burg``.  One convention differs: for ``p == 0``
    statsmodels returns ``np.var(y)`` (demeaned even when ``demean=False``); here
    ``demean=False`` gives ``mean(y**2)``, the variance of a zero-mean white noise, as for
    ``p > 0``.  Reference: Brockwell and Davis (2016), section 5.1.2.

    Examples
    --------
    >>> from convts.models.estimators.burg import fit_burg
    >>> ar, sigma2 = fit_burg(np.array([1.0, 2.0, 1.5, 3.0, 2.5, 2.0, 3.5]), 1)
    >>> ar.shape
    (1,)
    """
    arr = _as_series(y)
    order = _ar_order(p, arr.size)
    if order and order >= arr.size - 1:
        raise ValueError(
            f"p={order} is too large for {arr.size} observations: Burg needs p < n - 1 (here p <= {arr.size - 2})"
        )
    if order == 0:
        centred = arr - arr.mean() if demean else arr
        return np.zeros(0), float(centred @ centred / arr.size)
    fit = _engine_burg(arr, order, demean=bool(demean))
    return np.asarray(fit.ar, dtype=np.float64).copy(), float(fit.sigma2)
