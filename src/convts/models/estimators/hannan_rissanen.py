"""Hannan-Rissanen ARMA estimator (``ARIMA(...).fit(method="hannan_rissanen")``).

Three least-squares steps, each a convolution or a regression: a long AR fit by Yule-Walker,
whose residuals (the series through the FIR kernel ``1 - sum phi_k L^k``) stand in for the
innovations; a regression of the series on its own lags and those residuals; and the
bias-correction regression of Brockwell and Davis (2016), section 5.1.4.
"""

from __future__ import annotations

import numpy as np

from ..._validation import check_int
from ...engine import acovf, convolve
from ...kernels import Kernel, arma
from .yule_walker import _as_series, _lags

__all__ = ["fit_hannan_rissanen"]


def _lagged(x: np.ndarray, lags: np.ndarray, start: int, offset: int = 0) -> np.ndarray:
    """Columns ``x[t - offset - lag]`` for ``t = start .. offset + len(x) - 1`` (one column per lag)."""
    n = x.size + offset
    return np.column_stack([x[start - offset - lag : n - offset - lag] for lag in lags.tolist()]) if lags.size \
        else np.zeros((n - start, 0))


def _lstsq(X: np.ndarray, target: np.ndarray) -> np.ndarray:
    return np.linalg.lstsq(X, target, rcond=None)[0]


def fit_hannan_rissanen(y, p, q, demean: bool = True, initial_ar_order=None, unbiased=None):
    """Hannan-Rissanen estimate of an ARMA(p, q) model of the (already differenced) series ``y``.

    Parameters
    ----------
    y : array_like
        Complete 1-D series (no NaN), assumed stationary.
    p, q : int or list of int
        AR and MA orders: an int for lags 1..p, or a list of lags such as ``[1, 12]``.
    demean : bool
        Subtract the sample mean first.
    initial_ar_order : int, optional
        Order ``k`` of the long AR fit of step 1; default ``max(floor(log(n)**2), 2 max(p, q))``
        (Gomez and Maravall, 2001), as statsmodels.
    unbiased : bool, optional
        Apply the bias-correction step.  Default: when the step-2 estimates are stationary and
        invertible.  ``True`` with non-stationary or non-invertible step-2 estimates raises.

    Returns
    -------
    ar : ndarray
        ``phi`` at the AR lags (statsmodels' sign).
    ma : ndarray
        ``theta`` at the MA lags (``x_t = ... + e_t + sum theta_j e_{t-j}``).
    sigma2 : float
        Innovation variance from the regression residuals: ``SSR / (N - k)`` after step 2
        (the OLS scale), ``SSR / N`` after the bias correction, where ``N`` counts the rows
        of the step-2 regression.

    Notes
    -----
    Equal to ``statsmodels.tsa.arima.estimators.hannan_rissanen.hannan_rissanen`` (no seasonal
    or fixed parameters), including its conventions:

    1. Long AR(k) by Yule-Walker with divisor ``n`` on the (internally demeaned) series; its
       residuals are ``y`` through the FIR kernel ``1 - sum phi_j L^j`` (``valid`` mode).
    2. Least squares of ``y_t`` on ``y_{t-i}`` (AR lags) and the residuals ``e_{t-j}`` (MA
       lags), ``t = k + max(q) .. n - 1``.  With ``q == 0`` this is conditional least squares
       on ``t = max(p) .. n - 1`` and steps 1 and 3 are skipped.
    3. ``Z`` are the ARMA residuals from step 2 (zero before ``max(p, q)``),
       ``V = Z / phi(L)`` and ``W = (1 - sum theta_j L^j) Z``; the regression of ``Z`` on the
       lags of ``V`` and ``W`` gives the correction added to the step-2 estimates.  Brockwell
       and Davis define ``W = Z / theta(L)``; statsmodels (and so convts) use its first-order
       FIR version, which agrees to first order in ``theta``.

    For ``p == q == 0`` statsmodels returns ``np.var(y)`` even with ``demean=False``; here
    ``demean=False`` gives ``mean(y**2)``.

    References: Brockwell and Davis (2016), *Introduction to Time Series and Forecasting*,
    section 5.1.4; Hannan and Rissanen (1982), *Biometrika* 69, 81-94.

    Examples
    --------
    >>> import convts
    >>> from convts.models.estimators.hannan_rissanen import fit_hannan_rissanen
    >>> e = np.random.default_rng(0).standard_normal(2000)
    >>> y = convts.kernels.arma(ar=[0.6], ma=[0.3])(e)
    >>> ar, ma, sigma2 = fit_hannan_rissanen(y, 1, 1)
    >>> bool(abs(ar[0] - 0.6) < 0.1 and abs(ma[0] - 0.3) < 0.1)
    True
    """
    arr = _as_series(y)
    ar_lags = _lags(p, "p")
    ma_lags = _lags(q, "q")
    if demean:
        arr = arr - arr.mean()
    n = arr.size
    max_p = int(ar_lags[-1]) if ar_lags.size else 0
    max_q = int(ma_lags[-1]) if ma_lags.size else 0
    for name, order in (("p", max_p), ("q", max_q)):
        if order >= n:
            raise ValueError(f"{name}={order} is too large for {n} observations: the order must be below the number of observations")

    if ar_lags.size == 0 and ma_lags.size == 0:
        if unbiased:
            raise ValueError("unbiased=True needs AR or MA parameters to correct; the model has none")
        return np.zeros(0), np.zeros(0), float(arr @ arr / n)

    if ma_lags.size == 0:  # pure AR: conditional least squares
        if unbiased:
            raise ValueError("unbiased=True applies to models with MA terms; a pure AR fit is already least squares")
        X = _lagged(arr, ar_lags, max_p)
        target = arr[max_p:]
        if target.size <= ar_lags.size:
            raise ValueError(
                f"p={max_p} leaves {target.size} regression rows for {ar_lags.size} coefficients; "
                f"use a smaller order or a longer series"
            )
        phi = _lstsq(X, target)
        resid = target - X @ phi
        return phi, np.zeros(0), float(resid @ resid / (target.size - ar_lags.size))

    # Step 1: long AR by Yule-Walker (divisor n); its residuals e_t for t = k .. n - 1.
    if initial_ar_order is None:
        k = max(int(np.floor(np.log(n) ** 2)), 2 * max(max_p, max_q))
    else:
        k = check_int(initial_ar_order, "initial_ar_order", minimum=1)
    if k >= n:
        raise ValueError(
            f"initial_ar_order={k} is too large for {n} observations; pass a smaller initial_ar_order "
            f"or use a longer series (the default is max(floor(log(n)**2), 2 max(p, q)))"
        )
    if k <= max(max_p, max_q):
        raise ValueError(f"initial_ar_order={k} must exceed the AR and MA orders (p={max_p}, q={max_q})")
    # Yule-Walker, divisor n, on the demeaned series (statsmodels' yule_walker(method="mle"));
    # acovf switches to an FFT for many lags, which matters for the default k ~ log(n)^2.
    from scipy.linalg import solve_toeplitz

    r = acovf(arr, k, demean=True)
    phi_long = solve_toeplitz(r[:k], r[1:])
    e = convolve(arr, Kernel(b=np.r_[1.0, -phi_long]), mode="valid", backend="numpy")

    # Step 2: regression of y_t on y_{t-i} and e_{t-j}, t = k + max_q .. n - 1.
    start = k + max_q
    X = np.column_stack([_lagged(arr, ar_lags, start), _lagged(e, ma_lags, start, offset=k)])
    target = arr[start:]
    n_par = ar_lags.size + ma_lags.size
    if target.size <= n_par:
        raise ValueError(
            f"the series is too short for ARMA(p={max_p}, q={max_q}) with a long AR of order {k}: "
            f"{target.size} regression rows for {n_par} coefficients; use a longer series or smaller orders"
        )
    params = _lstsq(X, target)
    resid = target - X @ params
    sigma2 = float(resid @ resid / (target.size - n_par))
    phi, theta = params[: ar_lags.size], params[ar_lags.size :]

    # Step 3: bias correction, when the step-2 model is stationary and invertible.
    kernel = arma(phi, theta, ar_lags=ar_lags, ma_lags=ma_lags)
    regular = kernel.is_stable and kernel.is_invertible
    if unbiased is None:
        unbiased = regular
    elif unbiased and not regular:
        raise ValueError(
            "cannot apply the Hannan-Rissanen bias correction (unbiased=True): the step-2 estimates are "
            "non-stationary or non-invertible; pass unbiased=None or False"
        )
    if unbiased:
        m = max(max_p, max_q)
        ar_fir = Kernel(b=np.r_[1.0, -phi], lags=np.r_[0, ar_lags])          # phi(L)
        innov = convolve(arr, ar_fir, backend="numpy")[m:]                   # phi(L) y_t, t >= m
        Z = np.zeros(n)
        Z[m:] = convolve(innov, Kernel(a=np.r_[1.0, theta], a_lags=np.r_[0, ma_lags]), backend="numpy")
        V = convolve(Z, Kernel(a=np.r_[1.0, -phi], a_lags=np.r_[0, ar_lags]), backend="numpy") if max_p else Z
        W = convolve(Z, Kernel(b=np.r_[1.0, -theta], lags=np.r_[0, ma_lags]), backend="numpy")
        XZ = np.column_stack([_lagged(V, ar_lags, m), _lagged(W, ma_lags, m)])
        params = params + _lstsq(XZ, Z[m:])
        resid = target - X @ params
        sigma2 = float(resid @ resid / target.size)
        phi, theta = params[: ar_lags.size], params[ar_lags.size :]
    return phi.copy(), theta.copy(), sigma2
