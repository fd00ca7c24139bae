"""Automatic ARIMA order selection: R's ``forecast::auto.arima`` (Hyndman & Khandakar 2008).

One series, run by the search engine of :mod:`._auto_arima_many` (the same engine with one
series, so ``auto_arima_many`` equals this series by series): candidates are fitted by the
compiled per-series fit of ``fit_many`` (``ARIMA(...).fit()`` with ``exog``).  The steps, in R's
order (forecast's ``R/newarima2.R`` and ``R/arima.R``):

1. trim leading NaN; a constant series stops (see :func:`auto_arima`);
2. caps ``p, q <= n/3`` and ``P, Q <= n/(3m)`` (``n`` the non-missing count), AIC when ``n <= 3``;
3. ``D`` by :func:`nsdiffs` (only when ``len > 2m``), then ``d`` by :func:`ndiffs` on the
   seasonally differenced series (on the residuals of a regression on ``exog`` when given);
4. a series that is constant after differencing gets ``ARIMA(0,d,0)(0,D,0)`` with R's fixed
   drift / mean;
5. seasonal cap ``p, q <= m - 1``; drift allowed when ``d + D == 1``, a mean when ``d + D == 0``;
6. with ``approximation`` (default ``n > 150 or m > 12``) candidates are fitted by CSS and compared
   on ``offset + n* log(sigma2) + 2 k`` with R's offset from the ML fit of ``ARIMA(0,d,0)(0,D,0)``;
7. the stepwise search (start set, then R's neighbourhood with a restart on every improvement,
   at most ``nmodels`` fits) or the full grid ``p + q + P + Q <= max_order``;
8. a candidate's IC is ``inf`` when it fails or when an AR or MA root (of the expanded
   polynomials) has modulus < 1.01; the model returned must also have finite, non-negative
   coefficient variances (else the next in IC order);
9. after an approximate search the candidates are refitted by exact ML in IC order and the first
   with a finite IC is returned (stepwise); the grid refits its best and searches again without the
   approximation if that refit fails.

Periods ``m > 24``: the seasonal AR/MA orders are capped at 0 (``D`` still by :func:`nsdiffs`).
"""

from __future__ import annotations

import math
import warnings

import numpy as np


__all__ = ["auto_arima"]



from ._unitroot import infer_period as _infer_m  # noqa: E402  (kept under its old name)
from ._auto_arima_many import _label, _trace_frame  # noqa: E402  (one format for both)


def _positional(exog):
    """A trimmed exog frame whose rows were matched by position (a default RangeIndex) stays
    positional: ``iloc`` leaves ``RangeIndex(first, n)``, which ARIMA would refuse as an index
    that is neither endog's dates nor the default one.  Time indexes are kept (matched by date)."""
    import pandas as pd

    if isinstance(exog.index, pd.RangeIndex):
        return exog.reset_index(drop=True)
    return exog

def auto_arima(y, m=None, *, d=None, D=None, max_p=5, max_q=5, max_P=2, max_Q=2, max_order=5,
               max_d=2, max_D=1, start_p=2, start_q=2, start_P=1, start_Q=1, ic="aicc", stepwise=True,
               nmodels=94, approximation=None, truncate=None, test="kpss", seasonal_test="seas",
               allowdrift=True, allowmean=True, exog=None, method=None, trace=False, stationary=False,
               seasonal=True):
    """Choose and fit an ARIMA model automatically, as R's ``forecast::auto.arima``.

    Parameters
    ----------
    y : array_like or pandas.Series
        The series; NaN are missing values (leading ones are dropped, as R does).
    m : int, optional
        Seasonal period.  Default: from the pandas index (12 monthly, 4 quarterly), else 1.
    d, D : int, optional
        Orders of differencing; chosen by :func:`ndiffs` / :func:`nsdiffs` when None.
    max_p, max_q, max_P, max_Q, max_order, max_d, max_D : int
        Bounds of the search (R's ``max.*``); ``max_order`` bounds ``p+q+P+Q`` in the full grid.
    start_p, start_q, start_P, start_Q : int
        Starting orders of the stepwise search.
    ic : {'aicc', 'aic', 'bic'}
    stepwise : bool
        The stepwise search of Hyndman & Khandakar (True) or the full grid (False).
    nmodels : int
        At most this many candidates in the stepwise search.
    approximation : bool, optional
        Select on CSS fits with R's approximate IC, then refit by exact ML.  Default
        ``len(y) > 150 or m > 12``.
    truncate : int, optional
        With ``approximation``, use only the last ``truncate`` observations (as R: the returned
        model is fitted to them too).
    test : {'kpss'}
        Unit-root test of :func:`ndiffs`.
    seasonal_test : {'seas', 'ocsb', 'ch'}
        Seasonal test of :func:`nsdiffs` (R's ``'hegy'`` is not implemented).
    allowdrift, allowmean : bool
        Allow a drift (``trend='t'``) when ``d + D == 1``, a mean (``trend='c'``) when ``d + D == 0``.
    exog : array_like or pandas.DataFrame, optional
        Regressors (regression with ARIMA errors, R's ``xreg``).
    method : {'css-mle', 'mle', 'css'}, optional
        Estimator of every candidate (R's ``"CSS-ML"``, ``"ML"``, ``"CSS"`` also accepted);
        default ``'css'`` while approximating, else ``'css-mle'``.
    trace : bool
        Print each candidate and its IC.
    stationary : bool
        Only stationary models (``d = D = 0``).
    seasonal : bool
        False restricts the search to non-seasonal models.

    Returns
    -------
    ARIMAResults
        The chosen model, fitted.  Extra attributes: ``search_trace`` (DataFrame, one row per
        fit in search order: ``order``, ``seasonal_order``, ``constant``, ``trend``, ``ic``,
        ``status``, ``method``, ``stage``) and ``auto_arima_info`` (dict: ``m``, ``d``, ``D``,
        ``ic``, the IC value, ``approximation``, ``offset``, ``stepwise``).

    Raises
    ------
    ValueError
        All missing; a constant series (R returns ``ARIMA(0,0,0)`` with its mean fixed and zero
        variance, a model ``convts.ARIMA`` does not represent); too little data; or no candidate
        with a finite IC (R's "No suitable ARIMA model found").

    Notes
    -----
    See ``docs/auto_arima.md`` for the algorithm step by step and where it departs from R: for
    ``m > 24`` (weekly, daily periods) the seasonal AR/MA orders are capped at 0 (model long
    seasonality with Fourier terms as ``exog``); R's variance check runs on the model returned;
    a candidate's exact-ML fit stops after R's 100 BFGS iterations.  For many series, use
    :func:`convts.auto_arima_many` (the same search, batched).

    Examples
    --------
    >>> import convts
    >>> air = convts.datasets.load("airline")
    >>> res = convts.auto_arima(air)          # m = 12 from the monthly index
    >>> res.model.order, res.model.seasonal_order
    ((2, 1, 1), (0, 1, 0, 12))
    """
    import pandas as pd

    from .._validation import as_float_array
    from . import _auto_arima_many as engine

    opts = engine.Options(d=d, D=D, max_p=max_p, max_q=max_q, max_P=max_P, max_Q=max_Q, max_order=max_order,
                          max_d=max_d, max_D=max_D, start_p=start_p, start_q=start_q, start_P=start_P,
                          start_Q=start_Q, ic=ic, stepwise=stepwise, nmodels=nmodels, approximation=approximation,
                          truncate=truncate, test=test, seasonal_test=seasonal_test, allowdrift=allowdrift,
                          allowmean=allowmean, method=method, stationary=stationary, seasonal=seasonal)

    # ---- the series
    if isinstance(y, pd.DataFrame):
        if y.shape[1] != 1:
            raise ValueError(f"y is a DataFrame with {y.shape[1]} columns; auto_arima takes one series")
        y = y.iloc[:, 0]
    if m is None:
        m = _infer_m(y)
    values = np.asarray(as_float_array(y, "y", ndim=(1,)), dtype=np.float64)
    if np.isinf(values).any():
        raise ValueError("y contains inf; replace it with NaN (missing) or a finite value")
    observed = np.flatnonzero(~np.isnan(values))
    if observed.size == 0:
        raise ValueError("y is all missing (NaN): there is nothing to fit")
    first = int(observed[0])
    y = y.iloc[first:] if isinstance(y, pd.Series) else values[first:]
    x = values[first:].copy()
    X = None
    if exog is not None:
        if isinstance(exog, (pd.Series, pd.DataFrame)):
            exog = _positional(exog.iloc[first:])
        else:
            exog = np.asarray(exog, dtype=np.float64)
            exog = exog[first:] if exog.ndim == 1 else exog[first:, :]
        X = np.asarray(as_float_array(exog, "exog", ndim=(1, 2)), dtype=np.float64)
        X = X[:, None] if X.ndim == 1 else X

    m_freq = 1 if m is None else m
    m = 1 if (not seasonal or m is None or m < 1) else int(round(m))
    st = engine.prepare(x, m, m_freq, opts, X=X, endog=y, exog=exog, cap_long_period=True)
    for msg in st.warnings:
        warnings.warn(msg, UserWarning, stacklevel=2)
    st.warnings = []
    st.trace = bool(trace)
    engine.drive([st], n_workers=1, verbose=trace)
    for msg in st.warnings:
        warnings.warn(msg, UserWarning, stacklevel=2)
    if st.status != "ok":
        raise ValueError(st.status)
    res = engine.result_of(st)
    info = {"m": st.m, "d": st.d, "D": st.D, "ic": st.ic, "approximation": st.approximation,
            "offset": st.offset, "stepwise": stepwise}
    best = None if st.best is None else st.fits[st.best]
    return _finish(res, st, info, best)


def _finish(res, st, info, best):
    trace = _trace_frame(st.rows)
    info = dict(info)
    info["ic_value"] = None if best is None else best.ic
    # R reports sum(resid^2) / (n* - npar + 1) as sigma^2 ("adjusted to be unbiased"); params keep the MLE
    # (R's residuals are the standardised innovations, so their sum of squares is n* times the MLE)
    nstar, dof = res.nobs, res.nobs - res.df_model + 1
    ssq = (np.nansum(np.asarray(res.resid, dtype=np.float64) ** 2) if res.method == "css" else res.sigma2 * nstar)
    info["sigma2_r"] = float(ssq / dof) if dof > 0 else math.nan
    res.search_trace = trace
    res.auto_arima_info = info
    if getattr(st, "trace", False):
        p, d, q = res.model.order
        P, D, Q, s = res.model.seasonal_order
        print(f"\n Best model: {_label(p, d, q, P, D, Q, s, res.model.trend != 'n')}\n")
    return res
