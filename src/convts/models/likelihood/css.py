"""The conditional-sum-of-squares likelihood (R's ``arima(method="CSS")``) at a model's parameters.

Condition on the first ``d + D*s + p + P*s`` observations: the residual is
``phi(L)Phi(L^s) / (theta(L)Theta(L^s))`` applied to the differenced regression errors ``w`` with
the pre-sample residuals set to zero.  :func:`css_ssq` runs the compiled recursion over the
structural lags (:func:`.kalman.css_residuals`); :func:`css_residuals_engine` computes the same
residuals through :func:`convts.convolve` with the model's kernels (the residuals handed to the
user; the tests check the two agree).  :func:`css_llf` is R's reported log-likelihood.
"""

from __future__ import annotations

import math

import numpy as np

from ...engine import convolve
from ...kernels import Kernel
from .kalman import css_residuals


def css_n_used(model) -> int:
    """R's ``n.used``: the non-missing observations minus the differencing order ``d + D*s``."""
    return int(np.sum(~np.isnan(model.endog))) - model.k_diff


def css_loglik(n_used: int, sigma2: float) -> float:
    """R's reported CSS log-likelihood, ``-0.5 * n_used * (log(2 pi sigma2) + 1)``, at ``sigma2 = SSR / nu``."""
    return -0.5 * n_used * (math.log(2.0 * math.pi * sigma2) + 1.0)


def css_llf(ssq: float, nu: int, n_used: int, sigma2: float) -> float:
    """R's CSS log-likelihood at the scale ``sigma2``: ``-n_used/2 log(2 pi sigma2) - n_used/nu SSR/(2 sigma2)``.

    At ``sigma2 = SSR / nu`` it is R's ``loglik = -0.5 * n_used * (log(2 pi sigma2) + 1)``; its
    Hessian in the ARMA and regression coefficients, with ``sigma2`` profiled out, is R's
    ``hessian * n_used`` (``hessian`` that of ``0.5 log(SSR / nu)``), so the inverse of the
    full Hessian gives R's ``var.coef``.  ``-inf`` where undefined.
    """
    if nu <= 0 or n_used <= 0 or not np.isfinite(ssq) or not sigma2 > 0:
        return -np.inf
    return -0.5 * n_used * (math.log(2.0 * math.pi * sigma2) + ssq / (nu * sigma2))


def _structural_lags(model):
    p, d, q, P, D, Q, s = model.order_tuple
    ar = sorted({i + j * s for i in range(p + 1) for j in range(P + 1)} - {0})
    ma = sorted({i + j * s for i in range(q + 1) for j in range(Q + 1)} - {0})
    return np.array(ar, dtype=np.int64), np.array(ma, dtype=np.int64)


def css_ssq(model, params, lags=None):
    """``(ssq, n_used, residuals)`` of the CSS recursion at the full parameter vector."""
    ar_lags, ma_lags = lags if lags is not None else _structural_lags(model)
    phi, theta = model.polynomials(params)
    w = model._dy
    if model.k_exog:
        w = w - model._dX @ params[model._slices["exog"]]
    out = np.empty(w.size)
    ssq, nu = css_residuals(w, ar_lags, phi[ar_lags - 1] if ar_lags.size else np.zeros(0),
                            ma_lags, theta[ma_lags - 1] if ma_lags.size else np.zeros(0), model.ncond, out)
    return ssq, int(nu), out


def css_residuals_engine(model, params) -> np.ndarray:
    """CSS residuals through the engine: FIR ``phi(L)Phi(L^s)`` then IIR ``1/theta(L)Theta(L^s)``."""
    phi, theta = model.polynomials(params)
    w = model._dy
    if model.k_exog:
        w = w - model._dX @ params[model._slices["exog"]]
    c = model.ncond
    ar_kernel = Kernel(b=np.r_[1.0, -phi])
    u = convolve(w, ar_kernel, mode="causal")[c:]
    e = convolve(u, Kernel(a=np.r_[1.0, theta]), mode="causal")
    return np.r_[np.full(c, np.nan), e]
