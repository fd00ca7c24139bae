"""One series' ``auto_arima`` search state: R's options, the steps before the search, the fitted model.

:class:`Options` validates R's arguments once; :func:`prepare` runs forecast's ``R/newarima2.R``
steps before the search for one series (the caps, ``nsdiffs`` by statsmodels' STL, ``ndiffs``
by statsmodels' KPSS, on regression residuals when there is ``exog``, the constant checks) and
returns a :class:`State` that the search (:mod:`._auto_arima_search`) and the fitter
(:mod:`._auto_arima_fit`) fill in.  The checks on the model to return live here too: R's
coefficient-variance check (:func:`_var_ok`) and R's fixed models for a series that
differencing makes constant (:func:`constant_after_differencing`).
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from ._unitroot import is_constant, ndiffs, nsdiffs

_ICS = ("aicc", "aic", "bic")
_METHODS = {"css": "css", "ml": "mle", "mle": "mle", "css-ml": "css-mle", "css-mle": "css-mle"}
_LONG_PERIOD = 24  # above this period, seasonality by differencing only


class Options:
    """The search options of ``auto_arima`` (R's arguments), validated once."""

    def __init__(self, d=None, D=None, max_p=5, max_q=5, max_P=2, max_Q=2, max_order=5, max_d=2, max_D=1,
                 start_p=2, start_q=2, start_P=1, start_Q=1, ic="aicc", stepwise=True, nmodels=94,
                 approximation=None, truncate=None, test="kpss", seasonal_test="seas", allowdrift=True,
                 allowmean=True, method=None, stationary=False, seasonal=True):
        if ic not in _ICS:
            raise ValueError(f"ic={ic!r}: use one of {_ICS}")
        if method is not None:
            key = str(method).lower()
            if key not in _METHODS:
                raise ValueError(f"method={method!r}: use 'css-mle', 'mle' or 'css' (R: 'CSS-ML', 'ML', 'CSS')")
            method = _METHODS[key]
        if test != "kpss":
            raise ValueError(f"test={test!r}: only 'kpss' is implemented")
        if seasonal_test not in ("seas", "ocsb", "ch"):
            raise ValueError(f"seasonal_test={seasonal_test!r}: use 'seas', 'ocsb' or 'ch' (R's 'hegy' is not "
                             "implemented)")
        for name, v in (("max_p", max_p), ("max_q", max_q), ("max_P", max_P), ("max_Q", max_Q),
                        ("max_order", max_order), ("max_d", max_d), ("max_D", max_D), ("start_p", start_p),
                        ("start_q", start_q), ("start_P", start_P), ("start_Q", start_Q), ("nmodels", nmodels)):
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 0:
                raise ValueError(f"{name}={v!r}: give a non-negative integer")
        for name, v in (("d", d), ("D", D), ("truncate", truncate)):
            if v is not None and (isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 0):
                raise ValueError(f"{name}={v!r}: give a non-negative integer or None")
        self.__dict__.update(d=d, D=D, max_p=int(max_p), max_q=int(max_q), max_P=int(max_P), max_Q=int(max_Q),
                             max_order=int(max_order), max_d=int(max_d), max_D=int(max_D), start_p=int(start_p),
                             start_q=int(start_q), start_P=int(start_P), start_Q=int(start_Q), ic=ic,
                             stepwise=bool(stepwise), nmodels=int(nmodels), approximation=approximation,
                             truncate=truncate, test=test, seasonal_test=seasonal_test,
                             allowdrift=bool(allowdrift), allowmean=bool(allowmean), method=method,
                             stationary=bool(stationary), seasonal=bool(seasonal))


class _Fit:
    """One fitted candidate: parameters, log-likelihood, IC, status; ``res`` when fitted in Python."""

    __slots__ = ("params", "llf", "ic", "status", "method", "trend", "converged", "res")

    def __init__(self, params, llf, ic, status, method, trend, converged, res=None):
        self.params, self.llf, self.ic, self.status = params, llf, ic, status
        self.method, self.trend, self.converged, self.res = method, trend, converged, res


class State:
    """One series' search: its data, the orders of differencing, caps, the fits and the trace."""

    def __init__(self, x, n_obs, m, m_freq, opts, X=None, endog=None, exog=None):
        self.x = x                # float64, leading NaN trimmed (truncated when R truncates)
        self.n_obs = n_obs        # R's serieslength (before truncation): the offset's n
        self.n_ic = n_obs         # non-missing values of the (truncated) series: the IC's n
        self.m = m
        self.m_freq = m_freq
        self.opts = opts
        self.X = X                # exog as a 2-D float array (single series only)
        self.endog = endog        # what the final ARIMA is built on (a pandas Series keeps its index)
        self.exog = exog
        self.ic = opts.ic
        self.offset = 0.0
        self.approximation = False
        self.fits: dict = {}      # (p, q, P, Q, constant, method) -> _Fit
        self.rows: list = []      # the search trace
        self.best = None          # (p, q, P, Q, constant, method) of the returned model
        self.final = None         # a ready ARIMAResults (constant-after-differencing models)
        self.status = "ok"
        self.warnings: list = []
        self.d = self.D = 0
        self.caps = None

    # ---- the fitted model
    def trend_of(self, constant) -> str:
        diffs = self.d + self.D
        return ("t" if diffs == 1 else "c") if (constant and diffs <= 1) else "n"

    def seasonal_of(self, P, Q):
        return (P, self.D, Q, self.m) if self.m > 1 else (0, 0, 0, 0)


# ----------------------------------------------------------------------------- preparation
def _seasonal_diff(x: np.ndarray, D: int, m: int) -> np.ndarray:
    for _ in range(D):
        x = x[m:] - x[:-m]
    return x


def prepare(x, m, m_freq, opts, X=None, endog=None, exog=None, *, cap_long_period=True):
    """R's steps before the search, for one series: a :class:`State`, or ValueError (the status).

    ``x`` is the series with leading NaN trimmed, ``m`` the seasonal period (1 if not
    seasonal), ``m_freq`` the period before ``seasonal=False`` (it decides the approximation).
    """
    observed = ~np.isnan(x)
    n_obs = int(observed.sum())
    if n_obs == 0:
        raise ValueError("y is all missing (NaN): there is nothing to fit")
    if is_constant(x[observed]):  # R's is.constant counts a gap as variation; ARIMA needs real variation
        v = float(x[observed][0])
        raise ValueError(
            f"y is constant (every value {v:g}): R's auto.arima returns ARIMA(0,0,0) with the mean fixed "
            f"at that value and zero variance, which convts.ARIMA does not represent; the forecast is {v:g}")
    o = opts
    st = State(x, n_obs, m, m_freq, o, X, endog, exog)
    max_p = min(o.max_p, n_obs // 3)
    max_q = min(o.max_q, n_obs // 3)
    max_P = min(o.max_P, int(math.floor(n_obs / 3 / m)))
    max_Q = min(o.max_Q, int(math.floor(n_obs / 3 / m)))
    if cap_long_period and m > _LONG_PERIOD:
        max_P = max_Q = 0
    if n_obs <= 3:
        st.ic = "aic"

    # ---- regression residuals for the unit-root tests
    Xg = None
    xx = x
    if X is not None:
        if X.shape[0] != x.size:
            raise ValueError(f"exog has {X.shape[0]} rows after trimming but y has {x.size}; give one row per observation")
        keep = [j for j in range(X.shape[1]) if not is_constant(X[:, j])]
        Xg = X[:, keep] if keep else None
        xx = x.copy()
        if Xg is not None:
            ok = np.all(np.isfinite(Xg), axis=1)
            sv = np.linalg.svd(np.column_stack([np.ones(ok.sum()), Xg[ok]]), compute_uv=False)
            if sv.min() / sv.sum() < np.finfo(float).eps:
                raise ValueError("exog is rank deficient (a column is a combination of the others and a constant)")
            j = ok & ~np.isnan(x)
            A = np.column_stack([np.ones(j.sum()), Xg[j]])
            beta = np.linalg.lstsq(A, x[j], rcond=None)[0]
            xx[j] = x[j] - A @ beta

    # ---- differencing orders
    d, D = o.d, o.D
    if o.stationary:
        d = D = 0
    if m == 1:
        D = 0
        max_P = max_Q = 0
    elif D is None and xx.size <= 2 * m:
        D = 0
    elif D is None:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            D = nsdiffs(xx, m, test=o.seasonal_test, max_D=o.max_D)
        st.warnings += [str(w.message) for w in caught]
        if D > 0 and Xg is not None and any(is_constant(c) for c in _seasonal_diff(Xg, D, m).T):
            D -= 1
        if D > 0 and np.all(np.isnan(_seasonal_diff(xx, D, m))):
            D -= 1
    dx = _seasonal_diff(xx, D, m) if D > 0 else xx
    dX = _seasonal_diff(Xg, D, m) if (Xg is not None and D > 0) else Xg
    if d is None:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            d = ndiffs(dx, test=o.test, max_d=o.max_d)
        st.warnings += [str(w.message) for w in caught]
        if d > 0 and dX is not None and any(is_constant(c) for c in np.diff(dX, n=d, axis=0).T):
            d -= 1
        if d > 0 and np.all(np.isnan(np.diff(dx, n=d))):
            d -= 1
    if D >= 2:
        st.warnings.append("more than one seasonal difference is not recommended; consider D <= 1")
    elif D + d > 2:
        st.warnings.append("3 or more differences are not recommended; consider fewer")
    if d > 0:
        dx = np.diff(dx, n=d)
    st.d, st.D = int(d), int(D)
    if dx.size == 0:
        raise ValueError(f"not enough data: nothing is left after d={d}, D={D} differences with m={m}")
    st.constant_after_diff = is_constant(dx)
    if st.constant_after_diff:
        st.dx_mean = float(np.nanmean(dx))
        return st

    if m > 1:
        if max_P > 0:
            max_p = min(max_p, m - 1)
        if max_Q > 0:
            max_q = min(max_q, m - 1)
    st.caps = (max_p, max_q, max_P, max_Q)

    approximation = o.approximation
    if approximation is None:
        approximation = x.size > 150 or m_freq > 12
    st.approximation = bool(approximation)
    if st.approximation and o.truncate is not None and x.size > o.truncate:
        st.x = x[-o.truncate:]
        if st.X is not None:
            st.X = st.X[-o.truncate:]
        st.n_ic = int(np.sum(~np.isnan(st.x)))
    return st


def _endog(st):
    """The series the final model is built on (a pandas Series keeps its index), truncated as R does."""
    y = st.endog if st.endog is not None else st.x
    if y is not st.x and len(y) != st.x.size:
        y = y.iloc[-st.x.size:] if hasattr(y, "iloc") else y[-st.x.size:]
    return y


def _exog(st):
    if st.exog is None:
        return None
    ex = st.exog
    if len(ex) != st.x.size:
        import pandas as pd

        if isinstance(ex, (pd.Series, pd.DataFrame)):
            ex = ex.iloc[-st.x.size:]
            if isinstance(ex.index, pd.RangeIndex):
                ex = ex.reset_index(drop=True)
        else:
            ex = ex[-st.x.size:]
    return ex


def result_of(st, key=None):
    """The ``ARIMAResults`` of a series' fit (by default the chosen one), rebuilt from its parameters."""
    from .spec import ARIMA

    key = st.best if key is None else key
    if key is None:
        if st.final is None and st.status == "ok" and getattr(st, "constant_after_diff", False):
            constant_after_differencing(st, record=False)  # after unpickling: rebuilt, the same fixed model
        if st.final is not None:
            return st.final
        raise ValueError(f"the series was not fitted: {st.status}")
    f = st.fits[key]
    if f.res is not None:
        return f.res
    p, q, P, Q, c, meth = key
    from .batch import _rebuild

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = ARIMA(_endog(st), exog=_exog(st), order=(p, st.d, q), seasonal_order=st.seasonal_of(P, Q),
                      trend=f.trend)
        f.res = _rebuild(model, f.params, meth, f.converged, 1e-10)
    return f.res


def _var_ok(st, key):
    """R's check that every coefficient variance is finite and non-negative (``myarima``'s
    ``any(is.nan(sqrt(diag(fit$var.coef))))``); (ok, reason)."""
    try:
        res = result_of(st, key)
    except Exception as exc:
        return False, f"error: {type(exc).__name__}: {exc}"
    k_coef = res.model.k_params - 1
    if not k_coef:
        return True, "ok"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            var = np.diag(res.cov_params().to_numpy())[:k_coef]
    except Exception as exc:  # a singular Hessian
        return False, f"coefficient variances not available ({type(exc).__name__})"
    if np.any(~np.isfinite(var)) or np.any(var < 0):
        return False, "coefficient variance negative or not finite"
    return True, "ok"


def constant_after_differencing(st, record=True):
    """R's models for a series that differencing makes constant: ARIMA(0,d,0)(0,D,0) with a fixed drift/mean."""
    from .spec import ARIMA

    d, D, m = st.d, st.D, st.m
    seas = (0, D, 0, m) if D else (0, 0, 0, 0)
    fixed, trend = None, "n"
    if st.X is None:
        if D > 0 and d == 0 and D == 1:
            trend, fixed = "t", {"x1": st.dx_mean / m}
        elif D == 0 and d == 1:
            trend, fixed = "t", {"x1": st.dx_mean}
        elif D == 0 and d == 0:
            trend, fixed = "c", {"const": st.dx_mean}
        elif D == 0 and d > 2:
            raise ValueError("the data follow a simple polynomial and are not suitable for ARIMA modelling")
    meth = st.opts.method or "css-mle"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = ARIMA(_endog(st), exog=_exog(st), order=(0, d, 0), seasonal_order=seas, trend=trend)
        if fixed and trend == "t" and model.trend_names[0] != "x1":
            fixed = {model.trend_names[0]: next(iter(fixed.values()))}
        res = model.fit(method=meth, fixed=fixed)
    if record:
        st.rows.append({"order": (0, d, 0), "seasonal_order": seas, "constant": trend != "n", "trend": trend,
                        "ic": math.nan, "status": "differenced series is constant", "method": meth,
                        "stage": "constant"})
    st.final = res
    return res
