"""Forecasts from a Kalman state, for one series and for every series of a :func:`convts.fit_many` result.

:func:`forecast_from_state` is the h-step forecast of an integrated ARMA model from the
filter's one-step prediction ``(a, P)`` of the state (Harvey form, :mod:`.likelihood.kalman`): the
dynamic in-sample predictions of :mod:`._predict` and the batch forecasts here call it.
:func:`forecast_rows` runs, per series and in compiled code, the differencing, the Kalman
filter of the likelihood (:func:`.likelihood.kalman.kalman_arma`, the one the fit uses) and
:func:`forecast_from_state`; :func:`batch_forecast` lays the numbers out in one long DataFrame
(one pandas frame for the whole batch, not one per series).

The formulas are those of ``ARIMAResults.get_forecast`` (see its docstring): with
``b_i = e1' T^(i-1)`` and ``c`` the impulse response of ``1 / ((1-L)^d (1-L^s)^D)``, the
h-step forecast of the differenced series is ``b_h a``, its integration from the last
``d + D s`` levels gives the mean, and the variance is
``sigma2 (B_h P B_h' + sum_{j<h-1} psi*_j^2)`` with ``B_h = sum_i c_{h-i} b_i``.  The psi
weights of the whole integrated kernel are ``psi*_j = B_{j+1} R`` (``b_i R`` are the ARMA psi
weights, and convolving them with ``c`` integrates them), so no second recursion is needed.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from .._config import get_option
from .likelihood.kalman import expand, kalman_arma, state_space, stationary_cov_into

__all__ = ["forecast_from_state", "integrate_forecasts", "forecast_rows", "batch_forecast"]

_FLAGS = dict(cache=get_option("numba_cache"), nogil=True, fastmath=False)

# codes of forecast_rows
OK, NOT_FITTED, NOT_STATIONARY, TAIL_MISSING = 0, 1, 2, 3
#: Fewest series per thread (below that one thread does the whole batch).
_MIN_BLOCK = 256


@nb.njit(**_FLAGS)
def forecast_from_state(phi, R, a, P, c, diff_lags, diff_coefs, tail, sigma2, w_out, mean_out, var_out):
    """Forecasts ``1..h`` (``h = len(mean_out)``) from the state prediction ``a``, ``P``.

    Parameters
    ----------
    phi, R : float64 arrays of length r
        Harvey-form transition (zero-padded AR polynomial) and ``R = (1, theta, 0, ...)``.
    a, P : float64 arrays (r,) and (r, r)
        One-step prediction of the state and its covariance (unit innovation variance).
    c : float64 array of length >= h
        Impulse response of ``1 / ((1-L)^d (1-L^s)^D)`` (``(1, 0, ...)`` without differencing).
    diff_lags, diff_coefs : int64 / float64 arrays
        Lags ``>= 1`` and coefficients of the differencing polynomial (empty without differencing).
    tail : float64 array of length ``d + D s``
        The last levels (regression errors) before the first forecast.
    sigma2 : float
    w_out, mean_out, var_out : float64 arrays of length h
        Receive the forecasts of the differenced series, of the levels, and the level variances.
    """
    h_max = mean_out.size
    r = phi.size
    b = np.zeros(r)
    b_prev = np.zeros(r)
    B = np.zeros((h_max, r))
    bs = np.zeros((h_max, r))
    b[0] = 1.0
    for h in range(h_max):
        if h > 0:  # b_{h+1} = b_h T: (b T)_0 = b . phi, (b T)_j = b_{j-1}
            for j in range(r):
                b_prev[j] = b[j]
            acc = 0.0
            for j in range(r):
                acc += b_prev[j] * phi[j]
            b[0] = acc
            for j in range(1, r):
                b[j] = b_prev[j - 1]
        acc = 0.0
        for j in range(r):
            acc += b[j] * a[j]
            bs[h, j] = b[j]
        w_out[h] = acc
        for i in range(h + 1):
            ci = c[h - i]
            for j in range(r):
                B[h, j] += ci * bs[i, j]
    cum = 0.0
    for h in range(h_max):
        quad = 0.0
        for i in range(r):
            row = 0.0
            for j in range(r):
                row += P[i, j] * B[h, j]
            quad += B[h, i] * row
        var_out[h] = sigma2 * (quad + cum)
        psi = 0.0
        for j in range(r):
            psi += B[h, j] * R[j]
        cum += psi * psi
    integrate_forecasts(w_out, tail, diff_lags, diff_coefs, mean_out)


@nb.njit(**_FLAGS)
def integrate_forecasts(w, tail, diff_lags, diff_coefs, out):
    """Levels from forecasts ``w`` of the differenced series and the last ``len(tail)`` levels.

    ``out[h] = w[h] - sum_k diff_coefs[k] * level[n + h - diff_lags[k]]`` (lags >= 1 of the
    differencing polynomial; levels before the forecasts from ``tail``, later ones from ``out``).
    """
    m = tail.size
    hist = np.empty(m + w.size)
    for t in range(m):
        hist[t] = tail[t]
    for h in range(w.size):
        t = m + h
        acc = 0.0
        for k in range(diff_lags.size):
            acc += diff_coefs[k] * hist[t - diff_lags[k]]
        hist[t] = w[h] - acc
        out[h] = hist[t]


@nb.njit(**_FLAGS)
def _difference_into(x, lags, coefs, m, out):
    """``out = sum_k coefs[k] x[m - lags[k] : n - lags[k]]`` in the order of the lags (as ``ARIMA._difference``)."""
    n = x.size
    for t in range(n - m):
        out[t] = 0.0
    for k in range(lags.size):
        lag = lags[k]
        ck = coefs[k]
        for t in range(n - m):
            out[t] += ck * x[m - lag + t]


@nb.njit(**_FLAGS)
def forecast_rows(Y, first, stop, params, spec, powers, diff_lags, diff_coefs, c, tol, mean_out, var_out, code_out):
    """Forecasts of series ``Y[i, first[i]:stop[i]]`` at ``params[i]``; one call for the whole batch.

    ``spec = (k_exog, p, q, P, Q, s)``; ``powers`` are the trend columns' powers of
    ``t = 1, 2, ...`` (the regressors of :class:`convts.ARIMA`; ``fit_many`` has no other exog);
    ``diff_lags`` / ``diff_coefs`` the full differencing polynomial (lag 0 first).
    ``code_out[i]``: :data:`OK`, :data:`NOT_FITTED` (non-finite parameters),
    :data:`NOT_STATIONARY` (the filter cannot start from them) or :data:`TAIL_MISSING`
    (an integrated model whose last ``d + D s`` values are not all observed).
    """
    k, p, q, P_, Q, s = spec[0], spec[1], spec[2], spec[3], spec[4], spec[5]
    m = 0
    for j in range(diff_lags.size):
        m = max(m, diff_lags[j])
    h_max = mean_out.shape[1]
    d_lags = diff_lags[1:]
    d_coefs = diff_coefs[1:]
    w_fc = np.empty(h_max)
    xf = np.empty((h_max, k))
    for i in range(Y.shape[0]):
        theta_i = params[i]
        ok = True
        for j in range(theta_i.size):
            if not np.isfinite(theta_i[j]):
                ok = False
        if not ok:
            code_out[i] = NOT_FITTED
            continue
        y = Y[i, first[i]: stop[i]]
        n = y.size
        # u = y - X beta and the differenced regression errors w = dy - dX beta (ARIMA's order of operations)
        X = np.empty((n, k))
        for t in range(n):
            for j in range(k):
                X[t, j] = (t + 1.0) ** powers[j]
        u = np.empty(n)
        for t in range(n):
            acc = 0.0
            for j in range(k):
                acc += X[t, j] * theta_i[j]
            u[t] = y[t] - acc
        dy = np.empty(n - m)
        _difference_into(y, diff_lags, diff_coefs, m, dy)
        w = np.empty(n - m)
        col = np.empty(n - m)
        for t in range(n - m):
            w[t] = 0.0
        for j in range(k):
            _difference_into(np.ascontiguousarray(X[:, j]), diff_lags, diff_coefs, m, col)
            for t in range(n - m):
                w[t] += col[t] * theta_i[j]
        for t in range(n - m):
            w[t] = dy[t] - w[t]
        tail = u[n - m:]
        missing = False
        for t in range(m):
            if tail[t] != tail[t]:
                missing = True
        if missing:
            code_out[i] = TAIL_MISSING
            continue
        o = k
        ar = theta_i[o: o + p]
        o += p
        ma = theta_i[o: o + q]
        o += q
        sar = theta_i[o: o + P_]
        o += P_
        sma = theta_i[o: o + Q]
        phi, R = state_space(expand(np.ascontiguousarray(ar), np.ascontiguousarray(sar), s, -1.0),
                             expand(np.ascontiguousarray(ma), np.ascontiguousarray(sma), s, 1.0))
        r = phi.size
        P0 = np.empty((r, r))
        if not stationary_cov_into(phi, R, P0):
            code_out[i] = NOT_STATIONARY
            continue
        a_end = np.empty(r)
        P_end = np.empty((r, r))
        e = np.zeros(0)
        _, _, nobs = kalman_arma(w, phi, R, P0, tol, e, e, a_end, P_end)
        if nobs <= 0:
            code_out[i] = NOT_STATIONARY
            continue
        forecast_from_state(phi, R, a_end, P_end, c, d_lags, d_coefs, tail, theta_i[theta_i.size - 1],
                            w_fc, mean_out[i], var_out[i])
        for h in range(h_max):
            acc = 0.0
            for j in range(k):
                acc += ((n + h + 1.0) ** powers[j]) * theta_i[j]
            mean_out[i, h] += acc
        code_out[i] = OK


def batch_forecast(result, steps: int, alpha: float, trend_powers, n_workers: int = 1):
    """The long forecast frame of a :class:`FitManyResult` (see ``FitManyResult.forecast``).

    ``trend_powers``: the powers of ``t`` of the model's trend columns (``spec._TRENDS[trend]``;
    passed in, so that this module, which the results' predictions import, imports no model
    specification).  Every series gets ``steps`` rows; a series without estimates, or whose
    forecast cannot be computed, gets NaN numbers and a ``status`` saying why.  With
    ``n_workers > 1`` blocks of series run on that many threads (:func:`forecast_rows` releases
    the GIL).
    """
    import warnings
    from statistics import NormalDist

    import pandas as pd

    from .._validation import check_int
    from ..kernels import difference, integrate

    steps = check_int(steps, "steps", minimum=1)
    if not 0 < alpha < 1:
        raise ValueError(f"alpha={alpha}: give 0 < alpha < 1")
    spec_ = result._spec
    batch = result._batch
    p, d, q = spec_["order"]
    P, D, Q, s = spec_["seasonal_order"]
    powers = np.array(trend_powers, dtype=np.float64)
    k = powers.size
    dk = difference(d, D, s if D else None)
    m = d + D * s
    c = integrate(d, D, s if D else None).impulse_response(steps) if m else np.r_[1.0, np.zeros(steps - 1)]
    table = result.table
    params = np.ascontiguousarray(table[result.param_names].to_numpy(dtype=np.float64))
    n = params.shape[0]
    mean = np.full((n, steps), np.nan)
    var = np.full((n, steps), np.nan)
    code = np.full(n, NOT_FITTED, dtype=np.int64)
    Y = np.ascontiguousarray(batch.Y)
    first, stop = batch.first.astype(np.int64), batch.stop.astype(np.int64)
    args = (np.array([k, p, q, P, Q, s], dtype=np.int64), powers, dk.ma_lags.astype(np.int64),
            np.ascontiguousarray(dk.ma_coefs, dtype=np.float64), np.ascontiguousarray(c, dtype=np.float64),
            float(spec_["tol"]))

    def block(a, b):  # rows a..b-1: row slices of C-ordered arrays are C-contiguous views
        forecast_rows(Y[a:b], first[a:b], stop[a:b], params[a:b], *args, mean[a:b], var[a:b], code[a:b])

    size = -(-n // max(1, n_workers))
    if n_workers > 1 and n >= 2 * _MIN_BLOCK:
        from concurrent.futures import ThreadPoolExecutor

        size = max(size, _MIN_BLOCK)
        with ThreadPoolExecutor(max_workers=n_workers) as pool:
            for fut in [pool.submit(block, a, min(a + size, n)) for a in range(0, n, size)]:
                fut.result()
    else:
        block(0, n)
    status = table["status"].to_numpy(dtype=object).copy()
    reasons = {NOT_STATIONARY: "the fitted parameters are not stationary: the Kalman filter cannot forecast from them",
               TAIL_MISSING: f"the last {m} observations contain NaN; forecasting an integrated model needs them "
                             f"(fill them, or fit on the series up to the last complete stretch)"}
    failed = np.flatnonzero((code == NOT_STATIONARY) | (code == TAIL_MISSING))
    for i in failed:  # a fit's own status (not "ok") already says why; else say why the forecast failed
        if status[i] == "ok":
            status[i] = f"forecast failed: {reasons[code[i]]}"
    bad = code != OK
    mean[bad] = np.nan
    var[bad] = np.nan
    se = np.sqrt(var)
    z = NormalDist().inv_cdf(1 - alpha / 2)
    frame = {"id": table.index.repeat(steps), "step": np.tile(np.arange(1, steps + 1), n)}
    if batch.has_time:
        # the periods after each series' last value (after the time axis for a series without values)
        last = np.where(batch.any, batch.stop, len(batch.time_index)).astype(np.int64)
        frame["time"] = _future_times(batch, steps).take((last[:, None] + np.arange(steps)).ravel())
    frame.update(mean=mean.ravel(), mean_se=se.ravel(), mean_ci_lower=(mean - z * se).ravel(),
                 mean_ci_upper=(mean + z * se).ravel(), status=np.repeat(status, steps))
    out = pd.DataFrame(frame)
    if failed.size:
        names = [f"{table.index[i]!r} ({reasons[code[i]]})" for i in failed[:5]]
        warnings.warn(f"no forecasts for {len(failed)} fitted series (NaN rows, see 'status'): {'; '.join(names)}"
                      + (" ..." if len(failed) > 5 else ""), UserWarning, stacklevel=3)
    return out


def _future_times(batch, steps):
    """The batch's time axis followed by ``steps`` periods (the dates each series' forecasts continue on)."""
    from .._pandas import future_index

    idx = batch.time_index
    return idx.append(future_index(idx, steps))
