"""In-sample predictions (one-step and dynamic), standardized residuals and the Ljung-Box test of a fitted ARIMA.

statsmodels' names and meanings (``MLEResults.predict`` / ``get_prediction`` /
``test_serial_correlation``), for the level series ``y`` that :class:`convts.ARIMA` was given:

* the one-step prediction of ``y_t`` is ``E[y_t | y_s observed, s < t]`` under the fitted
  model, exact given the parameters: the Kalman filter of the likelihood
  (:func:`.likelihood.kalman.kalman_arma`) on the differenced regression errors
  ``w = (1-L)^d (1-L^s)^D (y - X beta)``, its prediction ``w_hat_t`` turned back into a level by
  adding the known lagged levels, ``y_hat_t = X_t beta + w_hat_t - sum_l c_l u_{t-l}``
  (so ``y_hat_t = y_t - resid_t`` where ``y_t`` is observed);
* a dynamic prediction from position ``k`` on uses the observations before ``k`` only: the
  forecast from the filter's state at ``k`` (:func:`._batch_forecast.forecast_from_state`, the
  formula of ``get_forecast``), integrated from the levels ``y_{k-d-Ds}, ..., y_{k-1}``.

statsmodels' ``SARIMAX(..., simple_differencing=True)`` (the same likelihood) predicts the
*differenced* series: its prediction at position ``j`` of the differenced series is ours at
position ``j + d + D s`` of ``y`` minus the known lagged levels; with
``simple_differencing=False`` it predicts levels, as here, once its diffuse start has passed.
"""

from __future__ import annotations

import numbers

import numpy as np

__all__ = ["predictions", "standardized_residuals", "serial_correlation_test"]


# ----------------------------------------------------------------------------- state
def _filter(res):
    """``(w, u, phi, R, P0, v, F, a_end, P_end)`` of the Kalman filter at the fitted parameters."""
    from .likelihood.exact import loglike_parts

    model = res.model
    params = np.asarray(res.params, dtype=np.float64)
    st = loglike_parts(model, params, getattr(res, "_tol", 1e-10), keep=True, path="kalman")
    if st["nobs"] <= 0:
        raise ValueError("the fitted parameters are not stationary: the Kalman filter cannot predict from them")
    beta = params[model._slices["exog"]]
    u = model.endog - (model._X @ beta if model.k_exog else 0.0)
    w = model._dy - (model._dX @ beta if model.k_exog else 0.0)
    return dict(st, w=w, u=u, beta=beta)


def _state_at(st, j, tol):
    """One-step state prediction ``(a_{j|j-1}, P_{j|j-1})`` before observation ``j`` of ``w``."""
    from .likelihood.kalman import kalman_arma, stationary_cov

    phi, R = st["phi"], st["R"]
    if j >= st["w"].size:
        return st["a_end"], st["P_end"]
    r = phi.size
    a, P = np.empty(r), np.empty((r, r))
    e = np.zeros(0)
    P0 = stationary_cov(phi, R)
    kalman_arma(np.ascontiguousarray(st["w"][:j]), phi, R, P0, tol, e, e, a, P)
    return a, P


def _forecast(res, st, j, steps):
    """Level means of ``u`` and variances of ``y`` for ``w`` positions ``j .. j+steps-1`` from the state at ``j``."""
    from ..kernels import integrate
    from ._batch_forecast import forecast_from_state

    model = res.model
    p, d, q, P_, D, Q, s = model.order_tuple
    m = model.k_diff
    c = integrate(d, D, s if D else None).impulse_response(steps) if m else np.r_[1.0, np.zeros(steps - 1)]
    a, P = _state_at(st, j, res._tol if hasattr(res, "_tol") else 1e-10)
    tail = np.ascontiguousarray(st["u"][j: j + m])  # levels at y positions j .. j+m-1, before y position j+m
    w_out, mean, var = np.empty(steps), np.empty(steps), np.empty(steps)
    dk = model.diff_kernel
    forecast_from_state(st["phi"], st["R"], np.ascontiguousarray(a), np.ascontiguousarray(P),
                        np.ascontiguousarray(c, dtype=np.float64), dk.ma_lags[1:].astype(np.int64),
                        np.ascontiguousarray(dk.ma_coefs[1:], dtype=np.float64), tail, float(res.params.iloc[-1]),
                        w_out, mean, var)
    return w_out, mean, var, bool(np.isnan(tail).any())


# ----------------------------------------------------------------------------- positions
def _position(model, key, name, n_future):
    """Position in ``y`` (0 .. n-1, n.. after the sample) of ``key``: an int, or a label of the index."""
    import pandas as pd

    n = model.nobs_total
    if isinstance(key, (numbers.Integral, np.integer)) and not isinstance(key, bool):
        pos = int(key)
        if pos < 0:
            pos += n
            if pos < 0:
                raise ValueError(f"{name}={key}: a negative position counts from the end of the {n} observations")
        return pos
    idx = model._index
    if idx is None:
        raise TypeError(f"{name}={key!r}: the model was given an array (no index); give {name} as an integer position")
    full = idx.append(model._future_index(n_future))
    try:
        if isinstance(idx, (pd.DatetimeIndex, pd.PeriodIndex)) and isinstance(key, str):
            key = pd.Timestamp(key) if isinstance(idx, pd.DatetimeIndex) else pd.Period(key, freq=idx.freq)
        pos = full.get_loc(key)
    except (KeyError, ValueError, TypeError):
        raise KeyError(f"{name}={key!r} is not a date of the series ({idx[0]} .. {idx[-1]}) nor of the "
                       f"{n_future} periods after it") from None
    if not isinstance(pos, (numbers.Integral, np.integer)):
        raise KeyError(f"{name}={key!r} matches several rows of the index")
    return int(pos)


def _positions(res, start, end, dynamic):
    model = res.model
    n, m = model.nobs_total, model.k_diff
    horizon = max(n, 100)
    start = m if start is None else _position(model, start, "start", horizon)
    end = n - 1 if end is None else _position(model, end, "end", horizon)
    if start < m:
        raise ValueError(
            f"start={start}: predictions begin at position {m} (the first {m} observations condition the "
            f"differencing (1-L)^d (1-L^s)^D; 'resid' and 'fittedvalues' start there too)")
    if start > n:
        raise ValueError(f"start={start}: give a start within the sample or at its end ({n}); for later "
                         f"periods use get_forecast(steps)")
    if end < start:
        raise ValueError(f"end={end} is before start={start}")
    if dynamic is None or dynamic is False:
        dyn = n
    elif dynamic is True:
        dyn = start
    elif isinstance(dynamic, (numbers.Integral, np.integer)):
        if dynamic < 0:
            raise ValueError(f"dynamic={dynamic}: an integer dynamic is the offset from start (>= 0)")
        dyn = start + int(dynamic)  # statsmodels: an offset relative to start
    else:
        dyn = _position(model, dynamic, "dynamic", horizon)
        if dyn < start:
            raise ValueError(f"dynamic={dynamic!r} is before start ({start})")
    return start, end, min(dyn, n)


# ----------------------------------------------------------------------------- public
def predictions(res, start=None, end=None, dynamic=False, exog=None):
    """In-sample one-step (or dynamic) predictions and out-of-sample forecasts of the levels.

    Parameters
    ----------
    res : ARIMAResults
    start, end : int or label, optional
        Positions in the series given to :class:`convts.ARIMA` (0-based; negative counts from
        the end), or labels of its index (dates as Timestamps or strings).  Default: ``start``
        the first observation after the ``d + D s`` that condition the differencing (where
        ``resid`` starts), ``end`` the last observation.  ``end`` beyond the sample continues
        with forecasts (future ``exog`` needed for a model with exog).
    dynamic : bool, int or label, optional
        ``False``: one-step predictions up to the end of the sample.  ``True``: dynamic from
        ``start``; an int: dynamic from ``start + dynamic`` (statsmodels' offset); a label:
        dynamic from that date.  From there on the predictions use only the observations
        before it (forecasts from the filter's state).
    exog : array_like, optional
        Regressors for the periods after the sample that ``end`` reaches.

    Returns
    -------
    mean, se : ndarray
        Predicted levels and their standard errors (``ARIMAResults.get_prediction`` wraps them
        in a ``PredictionResults``).
    index : pandas.Index
        The index of ``y`` at ``start .. end`` (continued after the sample; positions for arrays).

    Notes
    -----
    Exact given the parameters (Gaussian ARIMA, Kalman filter on the differenced series; the
    Harvey state space of R's ``arima``).  Where ``w_t`` is missing the one-step prediction is
    the forecast from the state before the missing stretch; where a lagged level the
    differencing needs is missing, the level prediction is NaN.  Predictions equal those of
    statsmodels' ``SARIMAX(simple_differencing=True)`` at the same parameters once its
    differenced predictions get the known lagged levels back (see the module notes).
    """
    import pandas as pd

    model = res.model
    n, m = model.nobs_total, model.k_diff
    start, end, dyn = _positions(res, start, end, dynamic)
    st = _filter(res)
    sigma2 = float(res.params.iloc[-1])
    beta = st["beta"]
    length = end - start + 1
    mean = np.full(length, np.nan)
    var = np.full(length, np.nan)
    # one-step part: y positions start .. min(end, dyn - 1)
    hi = min(end, dyn - 1)
    if hi >= start:
        v, F = st["v"], st["F"]
        pos = np.arange(start, hi + 1)
        j = pos - m
        mean[: pos.size] = model.endog[pos] - v[j]
        var[: pos.size] = sigma2 * F[j]
        # missing w: forecasts from the state before each missing stretch
        miss = np.flatnonzero(np.isnan(v[j]))
        if miss.size:
            runs = np.split(miss, np.flatnonzero(np.diff(miss) > 1) + 1)
            for run in runs:
                j0, j1 = int(j[run[0]]), int(j[run[-1]])
                _, u_hat, var_r, _ = _forecast(res, st, j0, j1 - j0 + 1)
                x = model._X[j0 + m: j1 + m + 1] @ beta if model.k_exog else 0.0
                mean[run] = u_hat + x
                var[run] = var_r
    # dynamic / out-of-sample part: y positions max(start, dyn) .. end, forecast from the state at dyn
    lo = max(start, dyn)
    if end >= lo:
        steps = end - dyn + 1
        _, u_hat, var_f, tail_missing = _forecast(res, st, dyn - m, steps)
        if tail_missing:
            raise ValueError(
                f"a dynamic prediction from position {dyn} needs the {m} observations before it; one is missing "
                f"(start the dynamic prediction later)")
        x = np.zeros(steps)
        if model.k_exog:
            n_in = max(0, min(n, end + 1) - dyn)
            x[:n_in] = model._X[dyn: dyn + n_in] @ beta
            if end >= n:
                x[n_in:] = model._regressors_future(end - n + 1, exog) @ beta
        elif exog is not None:
            model._regressors_future(1, exog)  # raises: the model has no exog
        mean[lo - start:] = (u_hat + x)[lo - dyn:]
        var[lo - start:] = var_f[lo - dyn:]
    elif exog is not None and end < n:
        raise ValueError("exog is only used for predictions after the end of the sample; end is within it")
    idx = model._index
    if idx is None:
        index = pd.RangeIndex(start, end + 1)
    else:
        full = idx.append(model._future_index(end - n + 1)) if end >= n else idx
        index = full[start: end + 1]
    with np.errstate(invalid="ignore"):
        se = np.sqrt(var)
    return mean, se, index


def standardized_residuals(res):
    """One-step errors over their standard deviation, ``v_t / sqrt(sigma2 F_t)`` (NaN where missing).

    statsmodels' ``standardized_forecasts_error``: the exact filter's innovations at the fitted
    parameters (for every estimation method), indexed as :attr:`ARIMAResults.resid`.
    """
    import pandas as pd

    st = _filter(res)
    sigma2 = float(res.params.iloc[-1])
    with np.errstate(invalid="ignore"):
        z = st["v"] / np.sqrt(sigma2 * st["F"])
    idx = res.model._index
    return pd.Series(z, index=idx[res.model.k_diff:] if idx is not None else None, name="standardized_resid")


def serial_correlation_test(res, method="ljungbox", df_adjust=False, lags=None):
    """Ljung-Box (or Box-Pierce) test of the standardized residuals, statsmodels' shape and defaults.

    Parameters
    ----------
    method : {'ljungbox', 'boxpierce'}
    df_adjust : bool
        Subtract the model's degrees of freedom from each lag's: the estimated parameters other
        than ``sigma2`` (statsmodels' ``df_model - 1``).
    lags : int or list of int, optional
        Default ``min(10, nobs // 5)``, or ``min(2 s, nobs // 5)`` for a seasonal model
        (``nobs`` the residuals after the first ``d + D s`` observations), as statsmodels.

    Returns
    -------
    ndarray of shape (1, 2, n_lags)
        ``[0, 0]`` the statistics, ``[0, 1]`` their p-values, one per lag (as
        ``MLEResults.test_serial_correlation``).

    Notes
    -----
    ``statsmodels.stats.diagnostic.acorr_ljungbox`` on :func:`standardized_residuals`
    (Ljung and Box 1978), a missing observation's residual counted as 0 (as statsmodels'
    standardized forecast errors have it).
    """
    if method is None:
        method = "ljungbox"
    if method not in ("ljungbox", "boxpierce"):
        raise ValueError(f"method={method!r}: use 'ljungbox' or 'boxpierce'")
    from statsmodels.stats.diagnostic import acorr_ljungbox

    z = np.nan_to_num(standardized_residuals(res).to_numpy(), nan=0.0)  # statsmodels: 0 where missing
    nobs = z.size
    s = res.model.seasonal_order[3]
    if lags is None:
        lags = min(2 * s, nobs // 5) if s else min(10, nobs // 5)
        if lags < 1:
            raise ValueError(f"only {nobs} residuals: too few for the default number of lags; pass lags=")
    model_df = max(0, res.df_model - 1) if df_adjust else 0
    out = acorr_ljungbox(z, lags=lags, boxpierce=(method == "boxpierce"), model_df=model_df)
    cols = [2, 3] if method == "boxpierce" else [0, 1]
    return np.asarray(out)[:, cols].T[None, :, :]
