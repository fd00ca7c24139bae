"""Dispatch to the pure-array estimators (Yule-Walker, Burg, Hannan-Rissanen, Whittle).

Each works on the differenced series; with a constant (``trend='c'``, no differencing) the
sample mean is ``const`` and the series is demeaned first.  The reported ``llf`` is the exact
Gaussian log-likelihood at the estimates (as statsmodels' ``ARIMA.fit(method=...)``), ``nobs``
the non-missing differenced observations; standard errors come from the numerical Hessian of
that likelihood at the estimates.
"""

from __future__ import annotations

import numpy as np

from ..likelihood.exact import FreeParams, choose_path, full_llf, loglike_parts


def fit_other(model, method: str, fixed: dict, kw: dict):
    from ..results import ARIMAResults

    p, d, q, P, D, Q, s = model.order_tuple
    if fixed:
        raise ValueError(f"fixed parameters are supported by method='mle', 'css-mle' and 'css', not {method!r}")
    if model.exog is not None or model.trend not in ("n", "c"):
        raise ValueError(f"method={method!r} supports trend 'n' or 'c' without exog; use method='mle' for regression terms")
    w = model._dy
    if np.isnan(w).any():
        raise ValueError(f"method={method!r} needs a complete series; use method='mle', which handles missing values exactly")
    const = model.trend == "c"
    mean = float(w.mean()) if const else 0.0
    params = np.zeros(model.k_params)
    converged = True  # Yule-Walker, Burg, Hannan-Rissanen: closed forms, no iteration to fail
    sl = model._slices
    if const:
        params[0] = mean
    if method in ("yule_walker", "burg"):
        if q or P or Q:
            raise ValueError(f"method={method!r} estimates pure AR models; order q and seasonal P, Q must be 0 (got {model.order}, {model.seasonal_order})")
        if method == "yule_walker":
            from .yule_walker import fit_yule_walker

            # statsmodels' ARIMA(method="yule_walker") uses the biased (divisor n) autocovariances
            kw = {"method": "mle", **kw}
            ar, sigma2 = fit_yule_walker(w - mean, p, demean=False, **kw)
        else:
            from .burg import fit_burg

            ar, sigma2 = fit_burg(w - mean, p, demean=False, **kw)
        params[sl["ar"]] = ar
    elif method == "hannan_rissanen":
        if P or Q:
            raise ValueError("method='hannan_rissanen' estimates non-seasonal ARMA models; P and Q must be 0")
        from .hannan_rissanen import fit_hannan_rissanen

        ar, ma, sigma2 = fit_hannan_rissanen(w - mean, p, q, demean=False, **kw)
        params[sl["ar"]] = ar
        params[sl["ma"]] = ma
    elif method == "whittle":
        from .whittle import fit_whittle

        out = fit_whittle(w - mean, (p, 0, q), (P, 0, Q, s), demean=False, **kw)
        params[sl["ar"]] = out["ar"]
        params[sl["ma"]] = out["ma"]
        params[sl["sar"]] = out["seasonal_ar"]
        params[sl["sma"]] = out["seasonal_ma"]
        sigma2 = out["sigma2"]
        converged = bool(out["converged"])  # fit_whittle warned (convts' ConvergenceWarning) if not
    else:  # pragma: no cover - guarded by ARIMA.fit
        raise ValueError(method)
    params[-1] = sigma2
    free = FreeParams(model, {}, transform=False)
    path = choose_path(model)
    parts = loglike_parts(model, params, keep=True, path=path)
    llf = full_llf(parts, sigma2) if parts["nobs"] > 0 else -np.inf
    if parts["nobs"] <= 0:
        import warnings

        from ..likelihood.exact import root_problem
        from ..._warnings import ConvergenceWarning

        problem = root_problem(model, params) or "the exact likelihood is undefined there"
        converged = False
        warnings.warn(
            f"the {method} estimate is outside the stationary/invertible region ({problem}); its llf is -inf "
            f"and it cannot forecast: use method='mle', which keeps the estimates in the region",
            ConvergenceWarning, stacklevel=3,
        )

    def loglike(y):
        return full_llf(loglike_parts(model, free.full(y[:-1]), path=path), y[-1])

    return ARIMAResults(model, params, method=method, llf=llf, nobs=max(parts["nobs"], 0), free=free,
                        converged=converged, resid_w=parts.get("v", np.full(w.size, np.nan)), loglike=loglike,
                        state=parts if parts["nobs"] > 0 else None, path=path)
