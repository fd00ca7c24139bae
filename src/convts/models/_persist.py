"""Small pickles of ARIMA models and results: keep what forecasting, ``append`` and the reports need.

Kept: the series (``endog``; the model's scale) and the given exog, the parameters, the
residuals (``resid``, the bootstrap's pool), the Kalman state at the end of the sample (a few
numbers: forecasting and ``append`` start from it), the covariance of the estimates if it was
computed.  Dropped and rebuilt on load: the differenced series and the regressor matrices (from
``endog``, the trend and exog), the innovation variances, the Toeplitz path's state, and the
estimators' log-likelihood closures (a picklable :class:`._append.LogLike` takes their place:
the same function of the parameters).
"""

from __future__ import annotations

import numpy as np

__all__ = ["model_state", "restore_model", "results_state", "restore_results"]

_MODEL_DROP = ("_dy", "_dX", "_X")
_STATE_KEEP = ("a_end", "P_end", "phi", "R", "nobs", "path", "ssq", "slog")


def model_state(model) -> dict:
    state = {k: v for k, v in model.__dict__.items() if k not in _MODEL_DROP}
    if model.exog is not None:
        state["exog"] = np.ascontiguousarray(model.exog)  # a view of _X in appended models: its own copy
    return state


def restore_model(model, state: dict, powers) -> None:
    """Rebuild the dropped arrays; ``powers``: the trend's powers of time (``spec._TRENDS[trend]``)."""
    model.__dict__.update(state)
    n = model.endog.size
    t = np.arange(1, n + 1, dtype=np.float64) + model._time_offset
    cols = [t**pw for pw in powers] + ([model.exog] if model.exog is not None else [])
    model._X = np.column_stack(cols) if cols else np.zeros((n, 0))
    if model.exog is not None:
        model.exog = model._X[:, model.k_trend:]
    model._dy = model._difference(model.endog)
    model._dX = np.column_stack([model._difference(c) for c in model._X.T]) if model.k_exog \
        else np.zeros((n - model.k_diff, 0))


def results_state(res) -> dict:
    from ._append import LogLike

    state = dict(res.__dict__)
    st = res._state
    state["_state"] = {k: st[k] for k in _STATE_KEEP if k in st} if st is not None and "a_end" in st else None
    if not isinstance(res._loglike, LogLike):
        state["_loglike"] = None  # an estimator's closure: rebuilt on load
    state.pop("params", None)  # a Series of _params: rebuilt
    return state


def restore_results(res, state: dict) -> None:
    import pandas as pd

    from ._append import LogLike

    res.__dict__.update(state)
    res.params = pd.Series(res._params, index=res.model.param_names, name="params")
    if res._loglike is None:
        res._loglike = LogLike(res.model, res._free, res.method, res._tol, res._path, float(res._params[-1]))
