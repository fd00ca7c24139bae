"""Simulated paths of a fitted ARIMA: ``ARIMAResults.simulate`` and simulated / bootstrap forecast intervals.

The ARMA part runs on the state space of the likelihood (Harvey form, :mod:`.likelihood.kalman`):
``w_t = a_t[0]``, ``a_{t+1} = T a_t + R e_{t+1}``.  ``anchor='end'`` starts from the filter's
prediction at the end of the sample, ``a_{n+1} ~ N(a_{n+1|n}, sigma2 P_{n+1|n})``, written as
``a_{n+1|n} + (P_{n+1|n} - R R')^{1/2} z sigma + R e_{n+1}`` so that the new shock ``e`` can be
Gaussian or resampled; ``anchor='start'`` from the stationary distribution ``N(0, sigma2 P_0)``.
The paths of ``w`` are integrated by ``1 / ((1-L)^d (1-L^s)^D)`` from the observed values before
them, and the regression part ``X beta`` is added, as in :meth:`ARIMAResults.get_forecast`.

Bootstrap (R's ``forecast(..., bootstrap=TRUE)`` and ``simulate.Arima(bootstrap=TRUE)``): the
shocks are drawn with replacement from the model's residuals (innovations), centred.  Intervals
from simulated paths are their sample quantiles of type 8 (R's ``quantile(type = 8)`` in
``forecast.Arima``; numpy's ``method='median_unbiased'``).
"""

from __future__ import annotations

import numpy as np

__all__ = ["simulate", "future_paths", "path_intervals"]


def _shocks(res, shape, rng, bootstrap: bool):
    sigma = np.sqrt(res.sigma2)
    if not bootstrap:
        return sigma * rng.standard_normal(shape)
    r = np.asarray(res._resid_w, dtype=np.float64)
    r = r[np.isfinite(r)]
    if r.size < 2:
        raise ValueError("bootstrap needs residuals: the model has fewer than 2 finite residuals")
    return rng.choice(r - r.mean(), size=shape, replace=True)


def _arma_paths(phi, R, a0, e):
    """``w`` paths (steps, reps): ``w_h = a_h[0]``, ``a_{h+1} = T a_h + R e_{h+1}`` from ``a0`` (reps, r)."""
    steps = e.shape[0]
    a = a0.copy()
    out = np.empty((steps, a.shape[0]))
    for h in range(steps):
        out[h] = a[:, 0]
        if h + 1 < steps:
            first = a[:, :1]
            a = np.concatenate([a[:, 1:], np.zeros((a.shape[0], 1))], axis=1) + first * phi + e[h + 1][:, None] * R
    return out


def _sqrt_psd(S):
    vals, vecs = np.linalg.eigh(0.5 * (S + S.T))
    return vecs * np.sqrt(np.clip(vals, 0.0, None))


def _integrate(model, w, head):
    """Levels from differenced paths ``w`` (steps, reps) given the ``d + D s`` values before them (``head``)."""
    m = model.k_diff
    if not m:
        return w
    if np.isnan(head).any():
        raise ValueError(f"the {m} observations before the simulated stretch contain NaN; integrating the "
                         f"paths needs them (fill them)")
    lags = model.diff_kernel.ma_lags[1:]
    coefs = model.diff_kernel.ma_coefs[1:]
    steps, reps = w.shape
    hist = np.zeros((m + steps, reps))
    hist[:m] = head[:, None]
    for h in range(steps):
        t = m + h
        hist[t] = w[h] - coefs @ hist[t - lags]
    return hist[m:]


def future_paths(res, steps: int, repetitions: int, random_state=None, bootstrap: bool = False, exog=None,
                 transformed: bool = False):
    """``(steps, repetitions)`` paths after the end of the sample, given the data (levels, original scale)."""
    from ._append import carried_state

    model = res.model
    rng = np.random.default_rng(random_state)
    X = model._regressors_future(steps, exog)
    st = carried_state(res)
    phi, R = st["phi"], st["R"]
    e = _shocks(res, (steps, repetitions), rng, bootstrap)
    extra = _sqrt_psd(st["P_end"] - np.outer(R, R)) * np.sqrt(res.sigma2)
    a0 = st["a_end"][None, :] + rng.standard_normal((repetitions, phi.size)) @ extra.T + e[0][:, None] * R
    w = _arma_paths(phi, R, a0, e)
    beta = res._params[model._slices["exog"]]
    m = model.k_diff
    u_head = model.endog[model.nobs_total - m:] - (model._X[model.nobs_total - m:] @ beta if model.k_exog else 0.0)
    y = _integrate(model, w, u_head) + ((X @ beta)[:, None] if model.k_exog else 0.0)
    return y if transformed else _untransform(model, y)


def _untransform(model, y):
    transform = getattr(model, "transform", None)
    return y if transform is None else transform.inverse(y)


def simulate(res, nsimulations: int, repetitions: int = 1, anchor: str = "end", random_state=None, exog=None):
    """See :meth:`convts.ARIMAResults.simulate`."""
    import pandas as pd

    from .._validation import check_int
    from .likelihood.kalman import stationary_cov

    nsimulations = check_int(nsimulations, "nsimulations", minimum=1)
    repetitions = check_int(repetitions, "repetitions", minimum=1)
    model = res.model
    if anchor == "end":
        y = future_paths(res, nsimulations, repetitions, random_state, exog=exog)
        index = model._future_index(nsimulations)
    elif anchor == "start":
        rng = np.random.default_rng(random_state)
        st = res._state if res._state is not None and "phi" in res._state else None
        if st is None:
            from ._append import carried_state

            st = carried_state(res)
        phi, R = st["phi"], st["R"]
        P0 = stationary_cov(phi, R)
        if not np.all(np.isfinite(P0)):
            raise ValueError("the fitted AR part is not stationary: there is no unconditional distribution to start from")
        e = _shocks(res, (nsimulations, repetitions), rng, False)
        a0 = rng.standard_normal((repetitions, phi.size)) @ (_sqrt_psd(P0) * np.sqrt(res.sigma2)).T
        w = _arma_paths(phi, R, a0, e)
        m, n = model.k_diff, model.nobs_total
        beta = res._params[model._slices["exog"]]
        inside = min(nsimulations, n - m)
        X = model._X[m: m + inside]
        if nsimulations > inside:
            X = np.vstack([X, model._regressors_future(nsimulations - inside, exog)])
        u_head = model.endog[:m] - (model._X[:m] @ beta if model.k_exog else 0.0)
        y = _untransform(model, _integrate(model, w, u_head) + ((X @ beta)[:, None] if model.k_exog else 0.0))
        index = None
        if model._index is not None:
            index = model._index[m: m + inside]
            if nsimulations > inside:
                index = index.append(model._future_index(nsimulations - inside))
    else:
        raise ValueError(f"anchor={anchor!r}: use 'end' (continue from the end of the sample) or 'start' "
                         f"(from the unconditional distribution)")
    if index is None:
        return y[:, 0] if repetitions == 1 else y
    if repetitions == 1:
        return pd.Series(y[:, 0], index=index, name="simulation")
    return pd.DataFrame(y, index=index, columns=pd.RangeIndex(repetitions, name="repetition"))


def path_intervals(paths, alpha: float):
    """Lower and upper ``alpha/2`` quantiles of each row of ``paths`` (R's type 8)."""
    q = np.quantile(paths, [alpha / 2, 1 - alpha / 2], axis=1, method="median_unbiased")
    return q[0], q[1]
