"""New data for a fitted ARIMA without refitting: ``append``, ``extend``, ``apply`` (statsmodels' names).

``append`` and ``extend`` carry the Kalman filter on from the state at the end of the fitted
sample (the one-step prediction ``a_{n+1|n}``, ``P_{n+1|n}`` on the unit scale): only the new
observations are filtered, so the cost is proportional to the new data (O(k r^2) for k new values
and state dimension r).  The likelihood adds up over the innovations, so the new ``llf`` is the
old one plus the new innovations' terms at the fitted ``sigma2``: the exact likelihood of the whole
series at the same parameters, as statsmodels' ``MLEResults.append`` reports it after re-filtering.
``apply`` filters another series from the stationary start at the same parameters.

Reference: statsmodels ``MLEResults.append`` / ``extend`` / ``apply`` (Durbin and Koopman 2012,
ch. 4, for the filter).
"""

from __future__ import annotations

import copy

import numpy as np

from .likelihood.css import _structural_lags, css_llf, css_n_used, css_ssq
from .likelihood.exact import choose_path, full_llf, loglike_parts
from .likelihood.kalman import kalman_from

__all__ = ["append", "extend", "apply", "carried_state", "LogLike"]


class LogLike:
    """The log-likelihood of a results object as a function of its free parameters (+ sigma2).

    A plain picklable callable (the estimators' closures are not): exact for every method but
    ``'css'``, whose standard errors come from the conditional likelihood.
    """

    def __init__(self, model, free, method, tol, path, sigma2):
        self.model, self.free, self.method, self.tol, self.path, self.sigma2 = model, free, method, tol, path, sigma2

    def __call__(self, y):
        free = self.free
        full = free.full(y[: free.free_idx.size])
        s2 = self.sigma2 if free.sigma2_fixed else y[-1]
        if self.method == "css":
            ssq, nu, _ = css_ssq(self.model, full, _structural_lags(self.model))
            return css_llf(ssq, nu, css_n_used(self.model), s2)
        return full_llf(loglike_parts(self.model, full, self.tol, path=self.path), s2)


def carried_state(res) -> dict:
    """The Kalman prediction ``a_{n+1|n}``, ``P_{n+1|n}`` (unit scale) at the end of ``res``'s sample.

    Results fitted on the Toeplitz path (long seasonal periods) have no Kalman state: the filter
    runs once over the sample (O(n r^2)) and the state is kept for later calls.
    """
    st = res._state
    if st is not None and "a_end" in st:
        return st
    if st is None or st.get("path") != "toeplitz":
        st = res._end_state()
        if "a_end" in st:
            return st
    st = loglike_parts(res.model, res._params, res._tol, keep=True, path="kalman")
    if st["nobs"] <= 0:
        raise ValueError("the fitted parameters are not stationary: the Kalman filter cannot carry the state on")
    res._state = st  # the Kalman state: later forecasts of res use it (the same numbers)
    return st


def _new_values(model, new_endog, exog, what):
    """``(y, index, X)``: the new values (the model's scale), their labels, their trend and exog columns.

    A pandas ``new_endog`` must continue the fitted series' index (the periods right after its
    end); a default ``RangeIndex`` or an array is taken by position.
    """
    import pandas as pd

    from .._validation import as_float_array

    if isinstance(new_endog, pd.DataFrame):
        if new_endog.shape[1] != 1:
            raise ValueError(f"{what} is a DataFrame with {new_endog.shape[1]} columns; pass one series")
        new_endog = new_endog.iloc[:, 0]
    y = np.array(as_float_array(new_endog, what, ndim=(1,)), dtype=np.float64)  # a copy
    k = y.size
    if k == 0:
        raise ValueError(f"{what} is empty: give at least one new observation")
    if np.isinf(y).any():
        raise ValueError(f"{what} contains inf; replace it with NaN (missing) or a finite value")
    expected = model._future_index(k)
    got = new_endog.index if isinstance(new_endog, pd.Series) else None
    positions = got is None or (isinstance(got, pd.RangeIndex) and got.start == 0 and got.step == 1)
    if expected is not None and not positions and not (len(got) == k and _stamps(got).equals(_stamps(expected))):
        show = (lambda ix: f"{ix[0]} .. {ix[-1]}" if len(ix) > 1 else str(ix[0]))  # noqa: E731
        raise ValueError(
            f"{what} is indexed {show(got)} but must continue the fitted series, whose next {k} "
            f"period(s) are {show(expected)}; give the new values those labels (NaN for missing "
            f"ones), or pass a NumPy array to take them as the periods after the sample"
        )
    X = model._regressors_future(k, exog)
    transform = getattr(model, "transform", None)
    if transform is not None:
        y = transform.forward(y)
    return y, expected, X


def _stamps(index):
    """Labels compared across index kinds: a period by its start, a tz-aware time by its wall time."""
    import pandas as pd

    if isinstance(index, pd.PeriodIndex):
        return index.to_timestamp(how="start")
    if isinstance(index, pd.DatetimeIndex) and index.tz is not None:
        return index.tz_localize(None)
    return pd.Index(index)


def _extended_model(model, y_new, index_new, X_new, keep: str = "all"):
    """A copy of ``model`` whose sample goes on with the new values (no validation of the old ones).

    ``keep='all'``: the whole series (append).  ``keep='new'``: the last ``d + D s`` old values
    (the pre-sample of the differencing) and the new ones, the trend's time continued (extend).
    """
    import pandas as pd

    m = model.k_diff
    new = object.__new__(type(model))  # a shallow copy (copy.copy would go through the pickle state)
    new.__dict__.update(model.__dict__)
    k = y_new.size
    if keep == "all":
        head = slice(None)
        offset = getattr(model, "_time_offset", 0)
    else:
        head = slice(model.nobs_total - m, None)
        offset = getattr(model, "_time_offset", 0) + model.nobs_total - m
    new.endog = np.r_[model.endog[head], y_new]
    new.nobs_total = new.endog.size
    new._time_offset = offset
    new._X = np.vstack([model._X[head], X_new]) if model.k_exog else np.zeros((new.nobs_total, 0))
    if model.exog is not None:
        new.exog = new._X[:, model.k_trend:]
    if model._index is not None:
        new._index = model._index[head].append(index_new)  # Datetime/Period/RangeIndex kept
        if isinstance(new._index, pd.DatetimeIndex) and model._freq is not None:
            new._index = pd.DatetimeIndex(new._index, freq=model._freq)
    tail = np.r_[model.endog[model.nobs_total - m:], y_new]
    dy_new = model._difference(tail)
    dX_new = np.column_stack([model._difference(c) for c in np.vstack([model._X[model.nobs_total - m:], X_new]).T]) \
        if model.k_exog else np.zeros((k, 0))
    if keep == "all":
        new._dy = np.r_[model._dy, dy_new]
        new._dX = np.vstack([model._dX, dX_new])
    else:
        new._dy, new._dX = dy_new, dX_new
    return new, dy_new, dX_new


def _results(res, model, *, llf, nobs, resid_w, state, path):
    free = copy.copy(res._free)
    free.model = model
    out = type(res)(model, res._params, method=res.method, llf=llf, nobs=nobs, free=free,
                       converged=res.converged, resid_w=resid_w,
                       loglike=LogLike(model, free, res.method, res._tol, path, res.sigma2),
                       optimizer=res.mle_retvals, state=state, tol=res._tol, path=path)
    return out


def _carry(res, new_endog, exog, keep):
    model = res.model
    y_new, index_new, X_new = _new_values(model, new_endog, exog, "new_endog")
    st = carried_state(res)
    new_model, dy_new, dX_new = _extended_model(model, y_new, index_new, X_new, keep=keep)
    w = dy_new - (dX_new @ res._params[model._slices["exog"]] if model.k_exog else 0.0)
    k, r = w.size, st["phi"].size
    v, F = np.empty(k), np.empty(k)
    a_end, P_end = np.empty(r), np.empty((r, r))
    # tol 0: the exact recursion throughout (no steady-state switch), as a filter of the whole series
    ssq, slog, nobs = kalman_from(np.ascontiguousarray(w), st["phi"], st["R"], np.ascontiguousarray(st["a_end"]),
                                  np.ascontiguousarray(st["P_end"]), 0.0, v, F, a_end, P_end)
    if nobs < 0:
        raise ValueError("the Kalman filter broke down on the new data (non-positive prediction variance)")
    llf_new = full_llf(dict(ssq=ssq, slog=slog, nobs=nobs), res.sigma2) if nobs else 0.0
    state = dict(a_end=a_end, P_end=P_end, phi=st["phi"], R=st["R"], nobs=nobs, path="kalman")
    return new_model, v, nobs, llf_new, state


def append(res, new_endog, exog=None, refit: bool = False, fit_kwargs: dict | None = None):
    """See :meth:`convts.ARIMAResults.append`."""
    if refit:
        model = res.model
        y_new, index_new, X_new = _new_values(model, new_endog, exog, "new_endog")
        new_model, _, _ = _extended_model(model, y_new, index_new, X_new, keep="all")
        kw = dict(fit_kwargs or {})
        kw.setdefault("method", res.method)
        if res._free.fixed:
            kw.setdefault("fixed", dict(res._free.fixed))
        return new_model.fit(**kw)
    new_model, v, nobs, llf_new, state = _carry(res, new_endog, exog, keep="all")
    return _results(res, new_model, llf=res.llf + llf_new, nobs=res.nobs + nobs,
                    resid_w=np.r_[np.asarray(res._resid_w, dtype=np.float64), v], state=state, path=res._path)


def extend(res, new_endog, exog=None):
    """See :meth:`convts.ARIMAResults.extend`."""
    new_model, v, nobs, llf_new, state = _carry(res, new_endog, exog, keep="new")
    return _results(res, new_model, llf=llf_new, nobs=nobs, resid_w=v, state=state, path="kalman")


def apply(res, endog, exog=None, refit: bool = False, fit_kwargs: dict | None = None):
    """See :meth:`convts.ARIMAResults.apply`."""
    model = res.model
    if model.exog is not None and exog is None:
        raise ValueError(f"the model has exog {model.exog_names}: apply needs their values for the new series (exog=...)")
    kw = dict(order=model.order, seasonal_order=model.seasonal_order, trend=model.trend)
    transform = getattr(model, "transform", None)
    if transform is not None:
        kw.update(transform.model_kwargs())  # the fitted transformation, not a new one
    new_model = type(model)(endog, exog=exog, **kw)
    if model.exog is not None and new_model.exog_names != model.exog_names and new_model._exog_is_frame and model._exog_is_frame:
        raise ValueError(f"exog has columns {new_model.exog_names} but the model was fitted on {model.exog_names}; "
                         f"exog columns are matched by name: pass the same columns")
    if new_model.k_exog != model.k_exog:
        raise ValueError(f"exog has {new_model.k_exog - new_model.k_trend} column(s); the model was fitted with "
                         f"{model.k_exog - model.k_trend}")
    if refit:
        kw = dict(fit_kwargs or {})
        kw.setdefault("method", res.method)
        if res._free.fixed:
            kw.setdefault("fixed", dict(res._free.fixed))
        return new_model.fit(**kw)
    path = choose_path(new_model)
    parts = loglike_parts(new_model, res._params, res._tol, keep=True, path=path)
    if parts["nobs"] <= 0:
        raise ValueError("the fitted parameters are not stationary: the exact likelihood cannot filter the new series")
    return _results(res, new_model, llf=full_llf(parts, res.sigma2), nobs=parts["nobs"], resid_w=parts["v"],
                    state=parts, path=path)
