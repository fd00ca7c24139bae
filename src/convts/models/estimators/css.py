"""Conditional sum of squares (R's ``arima(method="CSS")``).

Condition on the first ``d + D*s + p + P*s`` observations: difference the regression errors
``u = y - X beta`` to ``w``, then the residual is ``phi(L)Phi(L^s) / (theta(L)Theta(L^s))``
applied to ``w`` with the pre-sample residuals set to zero, i.e. the FIR ``phi`` on ``w``
(from index ``p + P*s``) followed by the IIR ``1/theta`` from a zero state.  ``sigma2 = SSR /
number of residuals`` (R's ``sigma2 <- val[[1L]]``, the first value of ``ARIMA_CSS``).  The
reported log-likelihood and the standard errors follow R's ``arima``: with ``n_used`` = the
non-missing observations minus ``d + D*s`` (R's ``n.used``, *not* the number of residuals),
``loglik = -0.5 * n_used * (log(2 pi sigma2) + 1)`` and ``var = solve(hessian * n_used)``, the
Hessian of ``0.5 log(SSR / number of residuals)``; ``nobs`` is ``n_used`` (R's ``nobs``).  See
:func:`css_llf`.  Parameters are not transformed (as R).

The objective inside the optimiser uses a fused numba recursion over the sparse lags; the
residuals handed to the user go through :func:`convts.convolve` with the kernels (the tests
check the two agree).
"""

from __future__ import annotations

import warnings

import numpy as np

from ..likelihood.css import _structural_lags, css_llf, css_n_used, css_residuals_engine, css_ssq
from ..likelihood.exact import FreeParams
from ..optimize import minimize



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

    from ..likelihood.objective import css_value_grad, slice_bounds

    args = (np.nan_to_num(free.base), free.free_idx, model._dy, np.ascontiguousarray(model._dX), slice_bounds(model),
            model.seasonal_order[3], lags[0], lags[1], model.ncond, 1e-6)

    def fg(x):
        return css_value_grad(np.asarray(x, dtype=np.float64), *args)

    opt = minimize(fg, x0, maxiter=kw.get("maxiter", 500), gtol=kw.get("gtol", 1e-8),
                   max_seconds=kw.get("max_seconds"))
    params = free.full(opt.x)
    ssq, nu, _ = css_ssq(model, params, lags)
    sigma2 = fixed.get("sigma2", ssq / nu)
    params[model._slices["sigma2"]] = sigma2
    return params, nu, ssq, free, opt


def fit_css(model, fixed: dict, kw: dict, start_params=None):
    from ..results import ARIMAResults
    from ..._warnings import ConvergenceWarning

    params, nu, ssq, free, opt = estimate_css(model, fixed, kw, start_params)
    sigma2 = params[-1]
    n_used = css_n_used(model)
    llf = css_llf(ssq, nu, n_used, sigma2)
    converged = (bool(opt.success) or (opt.jac.size == 0 or np.max(np.abs(opt.jac)) < 1e-5)) \
        and "wall-clock" not in str(opt.message)
    if converged and not (np.isfinite(ssq) and ssq > 0):
        converged = False
    if not converged:
        warnings.warn(
            f"CSS optimisation did not converge ({opt.message}); try start_params=..., "
            f"method_kwargs={{'maxiter': 2000}}, or a simpler order",
            ConvergenceWarning, stacklevel=3,
        )
    else:
        from ..likelihood.exact import root_problem

        problem = root_problem(model, params)  # R's CSS does not enforce the region; say so when it matters
        if problem is not None:
            warnings.warn(
                f"the CSS estimate cannot be used for forecasting: {problem}; try method='mle' (which keeps "
                f"the estimates stationary and invertible) or a differenced model (d=1)",
                ConvergenceWarning, stacklevel=3,
            )
    lags = _structural_lags(model)

    def loglike(y):  # free constrained params (+ sigma2) -> conditional Gaussian log-likelihood
        full = free.full(y[: free.free_idx.size])
        s2 = sigma2 if free.sigma2_fixed else y[-1]
        ssq_, nu_, _ = css_ssq(model, full, lags)
        return css_llf(ssq_, nu_, n_used, s2)

    resid = css_residuals_engine(model, params)
    return ARIMAResults(model, params, method="css", llf=llf, nobs=n_used, free=free, converged=converged,
                        resid_w=resid, loglike=loglike, optimizer=opt)
