"""Conditional sum of squares (R's ``arima(method="CSS")``).

Condition on the first ``d + D*s + p + P*s`` observations: difference the regression errors
``u = y - X beta`` to ``w``, then the residual is ``phi(L)Phi(L^s) / (theta(L)Theta(L^s))``
applied to ``w`` with the pre-sample residuals set to zero, i.e. the FIR ``phi`` on ``w``
(from index ``p + P*s``) followed by the IIR ``1/theta`` from a zero state.  ``sigma2 = SSR /
number of residuals`` and the reported log-likelihood is R's
``-0.5 * n_used * (log(2 pi sigma2) + 1)``.  Parameters are not transformed (as R).

The objective inside the optimiser uses a fused numba recursion over the sparse lags; the
residuals handed to the user go through :func:`convts.convolve` with the kernels (the tests
check the two agree).
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from ..engine import convolve
from ..kernels import Kernel
from ._kalman import css_residuals, scaled_llf
from ._likelihood import FreeParams, minimize



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
    ar_kernel = Kernel(ma=np.r_[1.0, -phi])
    u = convolve(w, ar_kernel, mode="causal")[c:]
    e = convolve(u, Kernel(ar=np.r_[1.0, theta]), mode="causal")
    return np.r_[np.full(c, np.nan), e]


def ols_beta(model) -> np.ndarray:
    """Regression of the differenced series on the differenced regressors (the CSS start)."""
    if not model.k_exog:
        return np.zeros(0)
    ok = ~np.isnan(model._dy)
    beta, *_ = np.linalg.lstsq(model._dX[ok], model._dy[ok], rcond=None)
    return beta


def css_start(model, fixed: dict) -> np.ndarray:
    """Full parameter vector of starting values: OLS regression terms, zero ARMA terms."""
    start = np.zeros(model.k_params)
    start[model._slices["exog"]] = ols_beta(model)
    for nm, val in fixed.items():
        start[model.param_names.index(nm)] = val
    return start


def estimate_css(model, fixed: dict, kw: dict, start_params=None):
    """Minimise the CSS objective; returns ``(params_full, nu, ssq, free, opt)``."""
    free = FreeParams(model, fixed, transform=False)
    lags = _structural_lags(model)
    start = css_start(model, fixed) if start_params is None else np.r_[start_params[: model.k_params - 1], 0.0]
    x0 = start[free.free_idx]

    def f(x):
        ssq, nu, _ = css_ssq(model, free.full(x), lags)
        if nu <= 0 or not ssq > 0 or not np.isfinite(ssq):
            return 1e10
        return 0.5 * math.log(ssq / nu)

    from ._objective import css_value_grad, slice_bounds

    args = (np.nan_to_num(free.base), free.free_idx, model._dy, np.ascontiguousarray(model._dX), slice_bounds(model),
            model.seasonal_order[3], lags[0], lags[1], model.ncond, 1e-6)

    def fg(x):
        return css_value_grad(np.asarray(x, dtype=np.float64), *args)

    opt = minimize(f, x0, maxiter=kw.get("maxiter", 500), gtol=kw.get("gtol", 1e-8), fg=fg)
    params = free.full(opt.x)
    ssq, nu, _ = css_ssq(model, params, lags)
    sigma2 = fixed.get("sigma2", ssq / nu)
    params[model._slices["sigma2"]] = sigma2
    return params, nu, ssq, free, opt


def fit_css(model, fixed: dict, kw: dict, start_params=None):
    from ._results import ARIMAResults, ConvergenceWarning

    params, nu, ssq, free, opt = estimate_css(model, fixed, kw, start_params)
    sigma2 = params[-1]
    llf = scaled_llf(ssq, 0.0, nu, sigma2)
    converged = bool(opt.success) or (opt.jac.size == 0 or np.max(np.abs(opt.jac)) < 1e-5)
    if not converged:
        warnings.warn(
            f"CSS optimisation did not converge ({opt.message}); try start_params=..., "
            f"method_kwargs={{'maxiter': 2000}}, or a simpler order",
            ConvergenceWarning, stacklevel=3,
        )
    lags = _structural_lags(model)

    def loglike(y):  # free constrained params (+ sigma2) -> conditional Gaussian log-likelihood
        full = free.full(y[: free.free_idx.size])
        s2 = sigma2 if free.sigma2_fixed else y[-1]
        ssq_, nu_, _ = css_ssq(model, full, lags)
        return scaled_llf(ssq_, 0.0, nu_, s2)

    resid = css_residuals_engine(model, params)
    return ARIMAResults(model, params, method="css", llf=llf, nobs=nu, free=free, converged=converged,
                        resid_w=resid, loglike=loglike, optimizer=opt)
