"""Exact maximum likelihood (R's ``arima(method="ML")``; statsmodels ``SARIMAX(simple_differencing=True)``).

The likelihood is that of the differenced regression errors ``w = (1-L)^d (1-L^s)^D (y - X beta)``,
an ARMA series, computed exactly by the numba Kalman filter in :mod:`..likelihood.kalman` (stationary
initial covariance, missing values skipped, steady-state switch).  ``sigma2`` is profiled out:
the optimiser sees ``beta`` and the ARMA coefficients only, each AR/MA polynomial mapped to
the reals by the Jones/Monahan transform (statsmodels' ``constrain_stationary_univariate``).
Starting values come from CSS (R's ``css-mle``); when CSS lands outside the stationary /
invertible region the offending polynomial starts at zero.  L-BFGS-B with a central-difference
gradient on ``-llf / nobs`` runs to a gradient tolerance of 1e-7 (tighter than statsmodels'
default, so the two agree to ~1e-4 in the parameters).  Standard errors: numerical Hessian
of the full log-likelihood in the model's parameters (statsmodels' ``cov_type='approx'``),
computed on first use.
"""

from __future__ import annotations

import time
import warnings

import numpy as np

from .css import estimate_css
from ..likelihood.exact import FreeParams, choose_path, full_llf, loglike_parts
from ..optimize import minimize


USE_COMPILED = True  # the compiled optimiser for the models it covers (False: scipy for every model; tests)
CSS_MAXITER = 200  # Levenberg-Marquardt steps of the compiled CSS start (fit_many's value)
_COMPILED_KW = {"maxiter", "gtol", "css_maxiter", "tol", "likelihood", "enforce_stationarity",
                "enforce_invertibility"}  # any other option (max_seconds, multi_start) takes the scipy path


def fit_mle(model, fixed: dict, kw: dict, start_params=None, method: str = "mle"):
    tol = float(kw.get("tol", 1e-10))
    path = choose_path(model, kw.get("likelihood", "auto"))
    free = FreeParams(model, fixed, transform=True,
                      enforce_stationarity=kw.get("enforce_stationarity", True),
                      enforce_invertibility=kw.get("enforce_invertibility", True))
    sigma2_fixed = fixed.get("sigma2")
    _check_fixed_region(model, free, fixed, kw)
    cx = _compiled_covers(model, fixed, kw, start_params, path) if USE_COMPILED else None
    if cx is not None:
        opt = _fit_compiled(model, cx, tol, kw)
    else:
        opt = _fit_scipy(model, free, fixed, kw, start_params, path, tol)
    return _finish(model, free, opt, method, path, tol, sigma2_fixed)


def _check_fixed_region(model, free, fixed, kw):
    """A polynomial whose coefficients are all fixed outside the stationary (invertible) region: raise
    naming the parameters and the root, rather than a Kalman-filter breakdown at the end."""
    from ..likelihood.exact import root_problem

    names = model.param_names
    groups = [g for g in ("ar", "sar", "ma", "sma")
              if model._slices[g].stop > model._slices[g].start
              and all(names[i] in fixed for i in range(model._slices[g].start, model._slices[g].stop))]
    if not kw.get("enforce_invertibility", True):
        groups = [g for g in groups if g in ("ar", "sar")]
    problem = root_problem(model, free.full(np.zeros(free.free_idx.size)), groups=groups) if groups else None
    if problem is not None:
        raise ValueError(
            f"the fixed parameters are outside the model's region: {problem}; the exact likelihood needs a "
            f"stationary AR part (and an invertible MA part); fix other values, or use method='css', which "
            f"conditions on the first observations"
        )


def _fit_scipy(model, free, fixed, kw, start_params, path, tol):
    """CSS start (scipy), then L-BFGS-B on the fused objective; scipy's OptimizeResult."""
    if start_params is not None:
        y0 = np.r_[start_params[: model.k_params - 1], 0.0][free.free_idx]
        bad = free.admissible(y0)
        if bad:
            raise ValueError(
                f"start_params are not admissible: the {', '.join(bad)} polynomial(s) are not "
                f"{'stationary' if any(b in ('ar', 'sar') for b in bad) else 'invertible'} "
                f"(a root on or inside the unit circle); pass values inside the region, or omit start_params"
            )
    max_seconds = kw.get("max_seconds")
    t0 = time.monotonic()
    css_params = None
    if start_params is None:
        try:
            css_kw = {"maxiter": kw.get("css_maxiter", 100), "gtol": 1e-5}
            if max_seconds is not None:
                css_kw["max_seconds"] = 0.5 * float(max_seconds)
            css_params, *_ = estimate_css(model, fixed, css_kw)
            y0 = css_params[free.free_idx]
            if not np.all(np.isfinite(y0)):
                raise FloatingPointError
        except (FloatingPointError, ZeroDivisionError, np.linalg.LinAlgError, ValueError):  # no CSS residual (e.g. leading NaN)
            css_params = None
            y0 = np.zeros(free.free_idx.size)
        y0 = _admissible_start(free, y0)
    x0 = free.unconstrain(y0)
    n_w = max(1, int(np.sum(~np.isnan(model._dy))))
    sigma2_fixed = fixed.get("sigma2")

    from ..likelihood.objective import mle_value_grad, slice_bounds, transform_groups

    lo, hi, sign = transform_groups(free)
    common = (np.nan_to_num(free.base), free.free_idx, lo, hi, sign, model._dy, np.ascontiguousarray(model._dX),
              slice_bounds(model), max(model.seasonal_order[3], 1))
    s2 = float(sigma2_fixed) if sigma2_fixed is not None else -1.0
    toeplitz = path == "toeplitz"

    def fg(x):
        return mle_value_grad(np.asarray(x, dtype=np.float64), *common, tol, float(n_w), s2, toeplitz, 1e-6)

    maxiter, gtol = int(kw.get("maxiter", 500)), float(kw.get("gtol", 1e-7))

    def run(x_start):
        left = None if max_seconds is None else max(float(max_seconds) - (time.monotonic() - t0), 1e-3)
        opt = minimize(fg, x_start, maxiter=maxiter, gtol=gtol, max_seconds=left)
        opt["timed_out"] = "wall-clock" in str(opt.message)
        if opt["timed_out"]:
            opt["message"] = (f"wall-clock limit of {float(max_seconds):g} s reached (method_kwargs 'max_seconds'); "
                              f"the best point so far is returned")
        return opt

    best = run(x0)
    if start_params is not None or not kw.get("multi_start", True):
        return best
    # more starts (Hannan-Rissanen, zeros) for a likelihood with several optima: at most
    # MULTI_START_MAX_COEFS transformed ARMA coefficients, the best llf kept (ties: the CSS start)
    n_arma = sum(pos.size for _g, pos in free.tgroups)
    if not 2 <= n_arma <= MULTI_START_MAX_COEFS:
        return best
    tried = [y0]
    keep = np.ones(free.free_idx.size, dtype=bool)  # the non-ARMA free parameters (regression terms)
    for _g, pos in free.tgroups:
        keep[pos] = False
    for label, y_start in (("Hannan-Rissanen", _hannan_rissanen_start(model, free, css_params)),
                           ("zeros", np.where(keep, y0, 0.0))):  # zeros: regression terms at the CSS start
        if y_start is None or best.get("timed_out"):
            continue
        y_start = _admissible_start(free, y_start)
        if any(np.allclose(y_start, t, atol=1e-6) for t in tried):
            continue
        tried.append(y_start)
        other = run(free.unconstrain(y_start))
        if np.isfinite(other.fun) and other.fun < best.fun - 1e-10 / n_w:
            other["start"] = label
            best = other
    return best


BOUNDARY_MARGIN = 1e-3  # a root of modulus < 1 + this (in L) is on the stationarity/invertibility boundary
MULTI_START_MAX_COEFS = 10  # exact ML on the scipy path tries extra starts up to this many ARMA coefficients


def _admissible_start(free, y0):
    """``y0`` with each transformed polynomial outside the region (margin 1e-3) set to zero."""
    y0 = np.array(y0, dtype=np.float64)
    for _g, pos in free.tgroups:
        if free.admissible(_only(y0, pos), margin=1e-3):
            y0[pos] = 0.0
    return y0


def _hannan_rissanen_start(model, free, css_params):
    """Free parameters at statsmodels' SARIMAX start of the regular ARMA part (seasonal terms 0), or None.

    statsmodels' ``_conditional_sum_squares`` (a Hannan-Rissanen-type regression) on the series
    with its regression terms removed by OLS (as SARIMAX's ``start_params``): the compiled fit's
    regression, :func:`.compiled._hannan_rissanen` (an intercept, lags ``1..p``, and lags ``1..q``
    of the residuals of a long AR of order ``2q``); a polynomial outside the region starts at zero
    (the caller checks).  Missing values are dropped.
    """
    from .compiled import _hannan_rissanen

    p, d, q = model.order
    if not (p or q):
        return None
    w = model._dy
    beta = np.zeros(model.k_exog)
    if model.k_exog:
        ok = ~np.isnan(w)
        beta, *_ = np.linalg.lstsq(model._dX[ok], w[ok], rcond=None)
        w = w - model._dX @ beta
    w = np.ascontiguousarray(w[~np.isnan(w)])
    with np.errstate(all="ignore"):
        coef = _hannan_rissanen(w, 1, p, 1, q, 1)
    if not np.all(np.isfinite(coef)):
        return None  # too short for the regressions
    full = np.zeros(model.k_params)
    full[model._slices["exog"]] = beta  # the OLS regression start, as statsmodels
    full[model._slices["ar"]] = coef[1: 1 + p]
    full[model._slices["ma"]] = coef[1 + p:]
    out = full[free.free_idx]
    return out if np.all(np.isfinite(out)) else None


def _compiled_covers(model, fixed, kw, start_params, path):
    """``cx`` (see :func:`.compiled.covers`) when the compiled fit applies, else None."""
    if (fixed or start_params is not None or path != "kalman" or model.exog is not None
            or not kw.get("enforce_stationarity", True) or not kw.get("enforce_invertibility", True)
            or set(kw) - _COMPILED_KW):
        return None
    dy = model._dy
    if dy.size == 0 or np.isnan(dy[0]) or np.isnan(dy[-1]):
        return None  # leading/trailing gaps: fit_many trims them, the single fit keeps them
    from .compiled import covers

    return covers(model, "mle", fixed)


def _fit_compiled(model, cx, tol, kw):
    """CSS (Levenberg-Marquardt) then exact ML (BFGS) in compiled code, as ``fit_many``."""
    from scipy.optimize import OptimizeResult

    from . import compiled as bn
    from ..likelihood.css import _structural_lags

    p, d, q, P, D, Q, s = model.order_tuple
    spec = np.array([model.k_exog, p, q, P, Q, s, model.ncond], dtype=np.int64)
    k = model.k_params - 1
    out_p = np.full(k + 1, np.nan)
    out_s = np.full(bn.N_STATS, np.nan)
    x = np.zeros(k)
    g = np.zeros(k)
    maxiter = int(kw.get("maxiter", 500))
    ar_lags, ma_lags = _structural_lags(model)
    bn._fit_one(np.ascontiguousarray(model._dy), bn.MLE, spec, float(cx), tol, maxiter,
                int(kw.get("css_maxiter", CSS_MAXITER)), float(kw.get("gtol", 1e-7)), ar_lags, ma_lags,
                out_p, out_s, x, g)
    nit = int(out_s[bn.NIT])
    converged = bool(out_s[bn.CONVERGED] > 0)  # BFGS stopped on its tolerances, or largest gradient < 1e-4
    if converged:
        message = "converged (compiled BFGS)"
    elif nit >= maxiter:
        message = "maximum number of iterations reached (compiled BFGS)"
    else:
        message = "the line search found no decrease (compiled BFGS)"
    n_w = max(1, int(np.sum(~np.isnan(model._dy))))
    return OptimizeResult(x=x, fun=-out_s[bn.LLF] / n_w, jac=g, nit=nit, success=converged, message=message)


def _finish(model, free, opt, method, path, tol, sigma2_fixed):
    """Results at the optimiser's point ``opt.x`` (transformed free parameters)."""
    from ..results import ARIMAResults
    from ..._warnings import ConvergenceWarning

    params = free.full(free.constrain(opt.x))
    parts = loglike_parts(model, params, tol, keep=True, path=path)
    if parts["nobs"] <= 0 or not np.isfinite(parts["ssq"]):
        from ..likelihood.exact import root_problem

        problem = root_problem(model, params)
        raise RuntimeError(
            "the exact likelihood could not be evaluated at the optimum"
            + (f": {problem}" if problem else " (the Kalman filter broke down)")
            + "; try method='css', different start_params or fixed values, or a smaller order"
        )
    sigma2 = parts["ssq"] / parts["nobs"] if sigma2_fixed is None else sigma2_fixed
    params[model._slices["sigma2"]] = sigma2
    llf = full_llf(parts, sigma2)
    gmax = float(np.max(np.abs(opt.jac))) if opt.jac.size else 0.0
    converged = (bool(opt.success) or gmax < 1e-4) and not opt.get("timed_out", False)
    if opt.get("timed_out", False):
        warnings.warn(
            f"exact ML stopped early: {opt.message} (largest gradient {gmax:.2g}). The estimates are not an "
            f"optimum: raise method_kwargs['max_seconds'], or use a smaller order",
            ConvergenceWarning, stacklevel=4,
        )
    elif not converged:
        warnings.warn(
            f"exact ML did not converge ({opt.message}; largest gradient {gmax:.2g}). The estimates may be "
            f"unreliable: try method='css-mle', start_params=..., method_kwargs={{'maxiter': 2000}}, "
            f"or check the order (over-parameterised or near-cancelling AR and MA terms)",
            ConvergenceWarning, stacklevel=4,
        )
    elif free.tgroups:
        from ..likelihood.exact import root_problem

        tgroups = [g for g, _pos in free.tgroups]
        ar_problem = root_problem(model, params, margin=BOUNDARY_MARGIN, groups=[g for g in tgroups if g in ("ar", "sar")])
        ma_problem = root_problem(model, params, margin=BOUNDARY_MARGIN, groups=[g for g in tgroups if g in ("ma", "sma")])
        if ar_problem is not None:
            # the likelihood increases towards the boundary: no interior maximum, the optimiser
            # stopped only because the transform flattens there (unconstrained values -> infinity)
            converged = False
            seasonal = "seasonal AR" in ar_problem
            warnings.warn(
                f"the estimate is at the stationarity boundary: {ar_problem}. The series looks integrated or "
                f"explosive (sigma2 = {sigma2:.3g}); a stationary ARMA does not fit it: difference it "
                f"({'D=1' if seasonal else 'd=1'} in the order) or transform it (e.g. log)",
                ConvergenceWarning, stacklevel=4,
            )
        elif ma_problem is not None:
            warnings.warn(
                f"{ma_problem} at the optimum; standard errors are unreliable (over-differencing? try a lower "
                f"d or D)",
                ConvergenceWarning, stacklevel=4,
            )

    def loglike(y):
        full = free.full(y[: free.free_idx.size])
        s2 = sigma2_fixed if sigma2_fixed is not None else y[-1]
        return full_llf(loglike_parts(model, full, tol, path=path), s2)

    return ARIMAResults(model, params, method=method, llf=llf, nobs=parts["nobs"], free=free,
                        converged=converged, resid_w=parts["v"], loglike=loglike, optimizer=opt,
                        state=parts, tol=tol, path=path)


def _only(y0, pos):
    """``y0`` restricted so that ``admissible`` only looks at one group (others zeroed)."""
    out = np.zeros_like(y0)
    out[pos] = y0[pos]
    return out
