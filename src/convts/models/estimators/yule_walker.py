"""Yule-Walker AR estimator for the ARIMA model (``ARIMA(...).fit(method="yule_walker")``).

Also holds the input checks shared by the non-likelihood estimators (Burg, Hannan-Rissanen,
Whittle): every one of them receives an already differenced, complete 1-D series.
"""

from __future__ import annotations

import numbers

import numpy as np

from ..._validation import as_float_array, check_int
from ...engine import yule_walker as _engine_yule_walker

__all__ = ["fit_yule_walker"]


def _as_series(y, name: str = "y") -> np.ndarray:
    """``y`` as a complete 1-D float64 array (a view or copy; never written to)."""
    arr = as_float_array(y, name, ndim=(1,)).astype(np.float64, copy=False)
    bad = ~np.isfinite(arr)
    if bad.any():
        raise ValueError(
            f"{name} contains {int(bad.sum())} NaN/inf value(s) (first at index {int(np.argmax(bad))}); "
            f"this estimator needs a complete series: interpolate or drop the gaps, or use method='mle', "
            f"which handles missing values exactly"
        )
    return arr


def _lags(order, name: str) -> np.ndarray:
    """Lags 1..order for an int, or the sorted distinct lags of a list such as ``[1, 12]``."""
    if isinstance(order, numbers.Integral) or (isinstance(order, float) and float(order).is_integer()):
        order = check_int(order, name, minimum=0)
        return np.arange(1, order + 1, dtype=np.int64)
    try:
        lags = [check_int(v, f"{name} lag") for v in order]
    except TypeError as err:
        if "not iterable" in str(err):
            raise TypeError(f"{name}={order!r}: give an integer order or a list of lags such as [1, 12]") from None
        raise
    if any(v < 1 for v in lags):
        raise ValueError(f"{name}={list(order)}: lags must be >= 1")
    if len(set(lags)) != len(lags):
        raise ValueError(f"{name}={list(order)}: lags must be distinct")
    return np.array(sorted(lags), dtype=np.int64)


def _ar_order(p, n: int, name: str = "p") -> int:
    """A consecutive AR order that the data can support (Yule-Walker and Burg)."""
    lags = _lags(p, name)
    if lags.size and not np.array_equal(lags, np.arange(1, lags[-1] + 1)):
        raise ValueError(
            f"{name}={list(p)}: this estimator needs consecutive AR lags 1..p (as statsmodels'); "
            f"use method='hannan_rissanen', 'css' or 'mle' for sparse lags"
        )
    order = int(lags.size)
    if order >= n:
        raise ValueError(f"{name}={order} is too large for {n} observations: the AR order must be below the number of observations")
    return order


def fit_yule_walker(y, p, demean: bool = True, method: str = "adjusted") -> tuple[np.ndarray, float]:
    """Yule-Walker estimate of an AR(p) model of the (already differenced) series ``y``.

    Parameters
    ----------
    y : array_like
        Complete 1-D series (no NaN), assumed stationary.
    p : int
        AR order (lags 1..p).
    demean : bool
        Subtract the sample mean first.
    method : {'adjusted', 'mle'}
        Autocovariance divisor ``n - k`` ('adjusted') or ``n`` ('mle', always stationary).

    Returns
    -------
    ar : ndarray
        ``phi_1..phi_p`` in statsmodels' sign (``y_t = sum phi_i y_{t-i} + e_t``).
    sigma2 : float
        Innovation variance ``r_0 - phi' r_{1..p}``.

    Notes
    -----
    Solves the Yule-Walker equations by :func:`convts.engine.yule_walker` (Toeplitz solve),
    equal to ``statsmodels.regression.linear_model.yule_walker`` except that ``sigma2`` is
    returned where statsmodels returns ``sigma``.

    Two defaults differ from ``statsmodels.tsa.arima.estimators.yule_walker.yule_walker``
    (the estimator behind statsmodels' ``ARIMA(...).fit(method="yule_walker")``): it uses the
    biased divisor ``n`` (``adjusted=False``, i.e. ``method="mle"`` here), and its ARIMA calls it
    with ``demean=False`` after removing the trend itself.  Pass ``method="mle"`` to reproduce
    it exactly.  Reference: Brockwell and Davis (2016), *Introduction to Time Series and
    Forecasting*, section 5.1.1.

    Examples
    --------
    >>> from convts.models.estimators.yule_walker import fit_yule_walker
    >>> ar, sigma2 = fit_yule_walker(np.array([1.0, 2.0, 1.5, 3.0, 2.5, 2.0, 3.5]), 1, method="mle")
    >>> round(float(ar[0]), 6)
    -0.058756
    """
    arr = _as_series(y)
    order = _ar_order(p, arr.size)
    if method not in ("adjusted", "mle"):
        raise ValueError(f"method={method!r}: use 'adjusted' (divisor n - k) or 'mle' (divisor n)")
    fit = _engine_yule_walker(arr, order, method=method, demean=bool(demean))
    return np.asarray(fit.ar, dtype=np.float64).copy(), float(fit.sigma2)
