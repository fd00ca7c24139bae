"""``fit_many``: one ARIMA specification fitted to thousands of series, one row of results per series.

Paths (``method`` is the algorithm, ``backend`` the executor):

- ``backend="auto"`` / ``"numba"`` with ``method`` in ``'css-mle'``, ``'mle'``, ``'css'`` and at most
  one trend term that is constant after differencing (``'n'``; ``'c'`` with ``d + D == 0``; ``'t'``
  with ``d + D == 1``), no ``fixed``, a state dimension ``max(p + P s, q + Q s + 1) < 40``
  (longer seasonal periods take the Python path, whose likelihood switches to Durbin-Levinson): the whole fit of each series (CSS, then exact ML) runs in
  compiled code (:mod:`.estimators.compiled`), blocks of series on a pool of threads (``nogil``).
- Any other method or model (``whittle``, ``yule_walker``, ``burg``, ``hannan_rissanen``,
  ``fixed=...``, trend ``'ct'``), or ``backend="numpy"``: each series through
  ``ARIMA(y, ...).fit(method=...)`` in Python, one after the other.
- ``backend="cupy"``: ``method='css'`` through the batched Levenberg-Marquardt of
  :mod:`.batch_xp`, ``method='whittle'`` through the batched BFGS of
  the same module, on the GPU (non-seasonal, complete series; with a constant the series are
  demeaned by their sample mean first, see :func:`fit_many`).

Series of different lengths: leading and trailing NaN are trimmed, so each series is fitted
exactly as ``ARIMA(y_trimmed, ...)``; interior NaN are missing values (the Kalman filter skips
them).
"""

from __future__ import annotations

import os
import sys
import warnings

import numpy as np

from .likelihood.css import css_loglik
from .spec import _TRENDS, ARIMA, METHODS, _order

__all__ = ["fit_many", "forecast_many", "FitManyResult"]

_BACKENDS = ("auto", "numba", "numpy", "cupy")
_CHUNK = 16  # series per task handed to a thread


# ----------------------------------------------------------------------------- input
class _Batch:
    """Clean float data ``Y (n_series, T)`` (a private copy), ids, the time axis, trimmed ranges."""

    def __init__(self, Y, ids, time_index, has_time):
        self.Y = Y
        self.ids = ids
        self.time_index = time_index
        self.has_time = has_time
        finite = ~np.isnan(Y)
        any_ = finite.any(axis=1)
        T = Y.shape[1]
        self.first = np.where(any_, finite.argmax(axis=1), 0)
        self.stop = np.where(any_, T - finite[:, ::-1].argmax(axis=1), 0)  # one past the last value
        self.any = any_

    def series(self, i):
        """Series ``i`` trimmed of leading/trailing NaN (a pandas Series when there is an index)."""
        import pandas as pd

        a, b = int(self.first[i]), int(self.stop[i])
        y = self.Y[i, a:b].copy()
        if self.time_index is None:
            return y
        return pd.Series(y, index=self.time_index[a:b], name=self.ids[i])


def _prepare(data, id_col, time_col, value_col) -> _Batch:
    import pandas as pd

    from .._validation import as_float_array

    long_cols = (id_col, time_col, value_col)
    if isinstance(data, pd.DataFrame) and any(c is not None for c in long_cols):
        if id_col is None or value_col is None:
            raise ValueError("a long DataFrame needs id_col and value_col (and time_col to order the rows); "
                             "for a wide DataFrame (one column a series) pass none of them")
        for c in (id_col, time_col, value_col):
            if c is not None and c not in data.columns:
                raise ValueError(f"column {c!r} is not in the DataFrame; its columns are {list(data.columns)}")
        vals = as_float_array(data[value_col], f"data[{value_col!r}]", ndim=(1,))
        frame = pd.DataFrame({"id": data[id_col].to_numpy(), "v": vals})
        if time_col is None:
            frame["t"] = frame.groupby("id", sort=False).cumcount().to_numpy()
        else:
            frame["t"] = data[time_col].to_numpy()
        if frame.duplicated(["id", "t"]).any():
            dup = frame.loc[frame.duplicated(["id", "t"]), ["id", "t"]].iloc[0].tolist()
            raise ValueError(f"the long DataFrame has repeated ({id_col}, {time_col}) pairs, e.g. {dup}; "
                             f"give one value per series and time (aggregate first)")
        wide = frame.pivot(index="t", columns="id", values="v").sort_index()
        wide.index.name = time_col
        wide.columns.name = None
        return _from_wide(wide, has_time=time_col is not None)
    if isinstance(data, pd.DataFrame):
        # a time axis: dates, periods, or integer labels other than positions (a RangeIndex)
        has_time = isinstance(data.index, (pd.DatetimeIndex, pd.PeriodIndex)) or (
            pd.api.types.is_integer_dtype(data.index.dtype) and not isinstance(data.index, pd.RangeIndex))
        return _from_wide(data, has_time=has_time)
    if isinstance(data, pd.Series):
        raise TypeError("data is a pandas Series: for one series use convts.ARIMA; for many pass a wide DataFrame "
                        "(one column a series), a long DataFrame with id_col/time_col/value_col, or a 2-D array")
    if not isinstance(data, (np.ndarray, list, tuple)) and not hasattr(data, "__array__"):
        raise TypeError(f"data of type {type(data).__name__}: pass a 2-D array (n_series, T), a wide DataFrame "
                        f"or a long DataFrame with id_col, time_col, value_col")
    Y = np.array(as_float_array(data, "data", ndim=(2,)), dtype=np.float64)  # a private copy
    return _Batch(Y, pd.RangeIndex(Y.shape[0], name="id"), None, False)


def _from_wide(frame, has_time) -> _Batch:
    import pandas as pd

    from .._validation import as_float_array

    if frame.shape[1] == 0:
        raise ValueError("the DataFrame has no columns: there is no series to fit")
    bad = [c for c in frame.columns if frame[c].dtype.kind not in "biuf"]
    if bad:
        raise TypeError(f"column(s) {bad[:5]} are not numeric; a wide DataFrame holds one numeric column per series "
                        f"(for long data pass id_col, time_col, value_col)")
    from .._pandas import regular_time_index

    # the index check of convts.ARIMA: a time axis with gaps is reindexed to its full range (the gaps
    # become missing values), an irregular, duplicated or unsorted one raises
    frame, _gaps = regular_time_index(frame, "data")
    Y = np.array(as_float_array(frame.to_numpy(dtype=np.float64).T, "data", ndim=(2,)), dtype=np.float64)
    index = frame.index
    ids = pd.Index(frame.columns, name="id")
    return _Batch(Y, ids, index, has_time)


# ----------------------------------------------------------------------------- results
class FitManyResult:
    """One row of estimates per series (see :func:`fit_many`).

    Attributes
    ----------
    table : pandas.DataFrame
        Indexed by series id (index name ``"id"``); columns: the parameters named as
        :class:`convts.ARIMA` names them, then ``llf``, ``aic``, ``bic``, ``nobs``, ``converged``,
        ``status`` (``"ok"`` or why not) and ``method``.
    """

    _many_series_result = True  # forecast_many takes it (as AutoArimaManyResult)

    def __init__(self, table, batch, spec, results, param_names):
        self.table = table
        self._batch = batch
        self._spec = spec  # dict(order, seasonal_order, trend, method, fixed, tol)
        self._results = results  # id position -> ARIMAResults (Python path); filled lazily otherwise
        self.param_names = list(param_names)

    def __reduce__(self):
        """Pickle as plain data: the table, the laid-out series and the spec.

        The per-series :class:`ARIMAResults` cached by :meth:`result` / :meth:`forecast` are
        left out: they hold local closures (no standard pickle), and the cache can grow while
        another thread forecasts.  :meth:`result` rebuilds them from the stored parameters
        (the same numbers), so a loaded result forecasts as the original did.
        """
        return FitManyResult, (self.table, self._batch, self._spec, {}, self.param_names)

    @property
    def params(self):
        """The parameter columns of :attr:`table`."""
        return self.table[self.param_names]

    @property
    def ok(self):
        """Boolean Series: the series whose status is ``"ok"``."""
        return (self.table["status"] == "ok").rename("ok")

    def to_frame(self):
        """The table (a copy)."""
        return self.table.copy()

    def __len__(self) -> int:
        return len(self.table)

    def __repr__(self) -> str:
        s = self._spec
        n_ok = int(self.ok.sum())
        P, D, Q, m = s["seasonal_order"]
        seas = f"x{s['seasonal_order']}" if (P or D or Q) else ""
        return (f"<FitManyResult ARIMA{s['order']}{seas} trend={s['trend']!r} method={s['method']!r}: "
                f"{len(self)} series, {n_ok} ok, {len(self) - n_ok} not>")

    def _position(self, id_):
        return table_position(self.table, id_)

    def result(self, id_):
        """The full single-series :class:`ARIMAResults` of series ``id_``.

        Rebuilt from the stored parameters (the same numbers: likelihood, residuals and state
        are recomputed at them) when the series was fitted in compiled code.
        """
        pos = self._position(id_)
        if pos in self._results:
            return self._results[pos]
        row = self.table.iloc[pos]
        params = row[self.param_names].to_numpy(dtype=np.float64)
        if not np.all(np.isfinite(params)):
            raise ValueError(f"series {id_!r} was not fitted: {row['status']}")
        s = self._spec
        model = ARIMA(self._batch.series(pos), order=s["order"], seasonal_order=s["seasonal_order"], trend=s["trend"])
        res = _rebuild(model, params, s["method"], bool(row["converged"]), s["tol"])
        self._results[pos] = res
        return res

    def append(self, data, *, id_col=None, time_col=None, value_col=None) -> "FitManyResult":
        """New observations per series, the parameters kept (:meth:`ARIMAResults.append` per id).

        ``data``: a long DataFrame (``id_col``, ``time_col``, ``value_col``; the new periods of
        each id must continue its series), a wide DataFrame (one column per id, the new periods
        as rows) or an array ``(n_series, k)`` in the order of :attr:`table`.  Returns a new
        result whose ``llf``, ``aic``, ``bic`` and ``nobs`` cover the longer series and whose
        forecasts start after the new ends; a series whose new data is refused keeps its old
        data with status ``'append failed: ...'`` (a ``UserWarning`` says how many).  The first
        append of a series fitted in compiled code rebuilds its filter state once (one pass over
        its history); appends of the returned result cost the new data only.
        """
        from ._append_many import append_many

        return append_many(self, data, id_col, time_col, value_col)

    def forecast(self, steps: int = 1, alpha: float = 0.05):
        """Forecasts of every series, as one long DataFrame with ``steps`` rows per series.

        Columns ``id, step`` (``time`` too when the input had a time axis: the periods after each
        series' last observation, after the time axis for a series without any), ``mean,
        mean_se, mean_ci_lower, mean_ci_upper`` (as ``ARIMAResults.get_forecast(steps)
        .summary_frame(alpha)``) and ``status`` (the table's).
        A series without estimates gets NaN numbers; so does one whose forecast cannot be
        computed (parameters outside the stationary region, an integrated model whose last
        ``d + D*s`` values are missing), its ``status`` saying why, and a ``UserWarning`` names it.

        Notes
        -----
        One compiled pass over the batch (``_batch_forecast.forecast_rows``, blocks of series on
        a thread per core): per series the Kalman filter of the likelihood at the stored
        parameters and the forecast from its end state, the formulas of
        :meth:`ARIMAResults.get_forecast` (equal to it to ~1e-12), then one DataFrame for all
        series (benchmarks/bench_batch_forecast.py times 5,000 series).
        """
        from ._batch_forecast import batch_forecast

        return batch_forecast(self, steps, alpha, _TRENDS[self._spec["trend"]], n_workers=_n_workers(None))


def table_position(table, id_) -> int:
    """Row of series ``id_`` in a many-series result's table (one row per id), or a KeyError saying why."""
    try:
        pos = table.index.get_loc(id_)
    except KeyError:
        raise KeyError(f"no series with id {id_!r}") from None
    if not isinstance(pos, (int, np.integer)):
        raise KeyError(f"id {id_!r} is not unique")
    return int(pos)


def forecast_many(result, steps: int = 1, alpha: float = 0.05, exog=None):
    """Forecasts of every series of a :func:`fit_many` or :func:`auto_arima_many` result
    (``result.forecast(steps, alpha)``: one long frame, failed series as NaN rows with their status).

    ``exog``: the future regressors of an ``auto_arima_many`` result fitted with ``exog`` (its
    ``forecast``'s layout: a long frame with the id, optional time and regressor columns, or an
    array ``(n_series, steps, k)``); refused for results without regressors."""
    if not getattr(type(result), "_many_series_result", False):  # FitManyResult, AutoArimaManyResult
        raise TypeError("forecast_many needs the result of convts.fit_many or convts.auto_arima_many, "
                        f"got {type(result).__name__}")
    if exog is None:
        return result.forecast(steps, alpha)
    if not getattr(result, "exog_names", None):
        raise ValueError("exog= was given but the series were fitted without regressors; leave it out")
    return result.forecast(steps, alpha, exog=exog)


def _rebuild(model, params, method, converged, tol):
    """``ARIMAResults`` at given parameters, as ``fit_mle`` / ``fit_css`` build it after optimising."""
    from .likelihood.css import _structural_lags, css_llf, css_n_used, css_residuals_engine, css_ssq
    from .likelihood.exact import FreeParams, full_llf, loglike_parts
    from .results import ARIMAResults

    params = np.array(params, dtype=np.float64)
    if method == "css":
        free = FreeParams(model, {}, transform=False)
        lags = _structural_lags(model)
        ssq, nu, _ = css_ssq(model, params, lags)
        sigma2 = params[-1]
        n_used = css_n_used(model)
        llf = css_llf(ssq, nu, n_used, sigma2)

        def loglike(y):
            full = free.full(y[: free.free_idx.size])
            s2 = y[-1]
            ssq_, nu_, _ = css_ssq(model, full, lags)
            return css_llf(ssq_, nu_, n_used, s2)

        return ARIMAResults(model, params, method="css", llf=llf, nobs=n_used, free=free, converged=converged,
                            resid_w=css_residuals_engine(model, params), loglike=loglike)
    from .likelihood.exact import choose_path

    path = choose_path(model)  # the single-series fit's choice (Kalman filter, or Toeplitz for long periods)
    free = FreeParams(model, {}, transform=True)
    parts = loglike_parts(model, params, tol, keep=True, path=path)
    llf = full_llf(parts, params[-1])

    def loglike(y):
        return full_llf(loglike_parts(model, free.full(y[: free.free_idx.size]), tol, path=path), y[-1])

    return ARIMAResults(model, params, method=method, llf=llf, nobs=parts["nobs"], free=free, converged=converged,
                        resid_w=parts["v"], loglike=loglike, state=parts, tol=tol, path=path)


# ----------------------------------------------------------------------------- helpers
def _n_workers(n_jobs) -> int:
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        cores = os.cpu_count() or 1
    if n_jobs is None or n_jobs == -1:
        return cores
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, (int, np.integer)) or n_jobs < 1:
        raise ValueError(f"n_jobs={n_jobs!r}: give a positive number of threads, or None / -1 for all {cores} cores")
    return int(n_jobs)


def _progress_bar(progress, total):
    """A tqdm bar, or None (off by default unless stderr is a terminal; tqdm optional)."""
    from .._config import get_option

    if progress is None:
        progress = get_option("progress")
    if progress is None:
        progress = bool(getattr(sys.stderr, "isatty", lambda: False)()) and total >= 1000
    if not progress:
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return None
    return tqdm(total=total, desc="fit_many", unit="series")


def _template(order_tuple, seasonal_order, trend):
    """A model on synthetic data: parameter names, slices and the differenced trend column."""
    p, d, q, P, D, Q, s = order_tuple
    n = 10 * (d + D * s + p + P * s + p + q + P + Q + 3) + 20
    y = np.random.default_rng(0).standard_normal(n).cumsum()
    return ARIMA(y, order=(p, d, q), seasonal_order=(P, D, Q, s), trend=trend)


def _first_line(exc) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _screen(batch: _Batch, model, k_diff):
    """``(DY, starts, stops, status)``: the differenced rows, each series' range in them, and the
    status of the series that cannot be fitted (the message ``ARIMA`` raises for them)."""
    Y = batch.Y
    n, T = Y.shape
    m = k_diff
    if m:
        DY = np.zeros((n, max(T - m, 0)))
        for lag, c in zip(model.diff_kernel.ma_lags.tolist(), model.diff_kernel.ma_coefs.tolist()):
            DY += c * Y[:, m - lag: T - lag]
    else:
        DY = Y
    starts = batch.first.astype(np.int64)
    stops = np.maximum(batch.stop.astype(np.int64) - m, starts)
    p, d, q, P, D, Q, s = model.order_tuple
    from .spec import MIN_OBS_PER_COEF

    need = max(model.ncond + 1, model.k_exog + p + q + P + Q + 2, MIN_OBS_PER_COEF * (model.k_exog + p + q + P + Q))
    obs = np.concatenate([np.zeros((n, 1), dtype=np.int64), np.cumsum(~np.isnan(DY), axis=1)], axis=1)
    rows = np.arange(n)
    n_obs = obs[rows, stops] - obs[rows, starts]
    has_inf = np.isinf(Y).any(axis=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN rows
        const = batch.any & (np.nanmax(Y, axis=1) == np.nanmin(Y, axis=1))
    suspect = has_inf | ~batch.any | const | (n_obs < need) | (batch.stop - batch.first <= m)
    status = {}
    for i in np.flatnonzero(suspect):
        if not batch.any[i]:
            status[int(i)] = "all NaN: there is nothing to fit"
            continue
        try:
            ARIMA(batch.series(i), order=model.order, seasonal_order=model.seasonal_order, trend=model.trend)
        except (ValueError, TypeError) as exc:
            status[int(i)] = _first_line(exc)
    return DY, starts, stops, status


# ----------------------------------------------------------------------------- the paths
def _css_r_convention(batch, model, rows, params, llf, nobs):
    """R's CSS log-likelihood and ``nobs`` (``n_used``, see :func:`.likelihood.css.css_llf`) for the compiled rows."""
    for i in rows:
        i = int(i)
        a, b = int(batch.first[i]), int(batch.stop[i])
        n_used = int(np.sum(~np.isnan(batch.Y[i, a:b]))) - model.k_diff
        s2 = params[i, -1]
        if np.isfinite(s2) and s2 > 0 and n_used > 0:
            llf[i] = css_loglik(n_used, s2)
            nobs[i] = n_used


def _run_numba(DY, starts, stops, rows, model, method, cx, n_workers, bar, maxiter=500):
    from .estimators import compiled as bn
    from .likelihood.css import _structural_lags
    from .estimators.mle import CSS_MAXITER

    p, d, q, P, D, Q, s = model.order_tuple
    k_mu = model.k_exog
    spec = np.array([k_mu, p, q, P, Q, s, model.ncond], dtype=np.int64)
    ar_lags, ma_lags = _structural_lags(model)
    n = DY.shape[0]
    out_p = np.full((n, model.k_params), np.nan)
    out_s = np.full((n, bn.N_STATS), np.nan)
    code = bn.CSS if method == "css" else bn.MLE
    DYc = np.ascontiguousarray(DY)
    args = (code, spec, float(cx), 1e-10, maxiter, CSS_MAXITER, 1e-7 if code == bn.MLE else 1e-8, ar_lags, ma_lags, out_p, out_s)
    chunks = [rows[i: i + _CHUNK] for i in range(0, rows.size, _CHUNK)]

    def work(chunk):
        bn.fit_rows(DYc, starts, stops, np.ascontiguousarray(chunk, dtype=np.int64), *args)
        return chunk.size

    if n_workers <= 1 or len(chunks) <= 1:
        for c in chunks:
            work(c)
            if bar is not None:
                bar.update(c.size)
    else:
        from concurrent.futures import ThreadPoolExecutor, as_completed

        with ThreadPoolExecutor(max_workers=n_workers) as pool:
            futures = [pool.submit(work, c) for c in chunks]
            for fut in as_completed(futures):
                done = fut.result()
                if bar is not None:
                    bar.update(done)
    status = {}
    for i in rows:
        c = out_s[i, bn.CODE]
        if c == bn.BREAKDOWN:
            status[int(i)] = ("optimizer failure: the likelihood could not be evaluated at the optimum "
                              "(non-stationary or degenerate fit); try another order or method='css'")
        elif c == bn.NOT_CONVERGED:
            status[int(i)] = (f"did not converge (largest gradient {out_s[i, bn.GMAX]:.2g}); the estimates may be "
                              f"unreliable: try another order or method")
    return out_p, out_s[:, bn.LLF], out_s[:, bn.NOBS], out_s[:, bn.CONVERGED] > 0, status


def _run_python(batch, rows, order, seasonal_order, trend, method, fixed, bar):
    from .._warnings import ConvergenceWarning

    results, status = {}, {}
    for i in rows:
        i = int(i)
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", ConvergenceWarning)
                model = ARIMA(batch.series(i), order=order, seasonal_order=seasonal_order, trend=trend)
                res = model.fit(method=method, fixed=fixed)
            results[i] = res
            if not res.converged:
                msg = next((str(w.message) for w in caught if issubclass(w.category, ConvergenceWarning)), "")
                status[i] = "did not converge" + (f": {_first_line(msg)}" if msg else "")
        except Exception as exc:  # one bad series never fails the batch
            status[i] = f"{type(exc).__name__}: {_first_line(exc)}" if not isinstance(exc, ValueError) else _first_line(exc)
        if bar is not None:
            bar.update(1)
    return results, status


def _cupy_module():
    """The array module of ``backend='cupy'`` (a hook: the tests pass NumPy through it)."""
    try:
        import cupy
    except ImportError as exc:
        raise ImportError("backend='cupy' needs CuPy (pip install cupy-cuda12x) and a CUDA GPU; "
                          "use backend='numba' on the CPU") from exc
    return cupy


def _run_xp(DY, starts, stops, rows, model, method, xp):
    """Batched fits on ``xp`` of groups of equal-length complete series: CSS by Levenberg-Marquardt,
    Whittle by BFGS, every series of a group stepping together."""
    from .batch_xp import css_fit_batch, periodogram_batch, whittle_fit_batch
    from .likelihood.kalman import arma_loglike, scaled_llf
    from .likelihood.transforms import is_stationary

    p = model.order[0]
    q = model.order[2]
    const = model.k_exog == 1
    n = DY.shape[0]
    out_p = np.full((n, model.k_params), np.nan)
    llf = np.full(n, np.nan)
    nobs = np.full(n, np.nan)
    conv = np.zeros(n, dtype=bool)
    status = {}
    lengths = stops - starts
    good = []
    for i in rows:
        w = DY[i, starts[i]: stops[i]]
        if np.isnan(w).any():
            status[int(i)] = ("missing values: backend='cupy' fits complete series only; use backend='numba' "
                              "(exact handling of gaps)")
        else:
            good.append(int(i))
    good = np.array(good, dtype=np.int64)
    for L in np.unique(lengths[good]) if good.size else []:
        grp = good[lengths[good] == L]
        W = np.stack([DY[i, starts[i]: stops[i]] for i in grp])
        mu = W.mean(axis=1) if const else np.zeros(grp.size)
        if method == "css":
            theta, sigma2, ok = css_fit_batch(xp.asarray(W - mu[:, None]), p, q, xp)
        else:
            pgram, freqs = periodogram_batch(xp.asarray(W), xp)
            theta, sigma2, ok = whittle_fit_batch(pgram, freqs, p, q, xp)
        theta, sigma2, ok = (np.asarray(a.get() if hasattr(a, "get") else a) for a in (theta, sigma2, ok))
        n_used = L  # complete series: R's n.used (non-missing observations after differencing)
        for j, i in enumerate(grp):
            row = np.r_[mu[j] / model._dX[0, 0] if const else np.zeros(0), theta[j], sigma2[j]]
            if not (np.all(np.isfinite(row)) and sigma2[j] > 0):
                # one degenerate series (an exact fit, sigma2 == 0, or a diverged step) never fails the batch
                conv[i] = False
                status[int(i)] = (f"the batched {method} fit on {xp.__name__} ended at a degenerate point "
                                  f"(sigma2 = {float(sigma2[j]):.3g}, non-finite or zero); try backend='numba'")
                continue
            out_p[i] = row
            conv[i] = bool(ok[j])
            if method == "css":
                llf[i] = css_loglik(n_used, sigma2[j])  # R's CSS convention, as the single fit
                nobs[i] = n_used
            else:  # as the single-series estimator: the exact likelihood at the Whittle estimates
                ar, ma = theta[j, :p].copy(), theta[j, p:].copy()
                if not (is_stationary(ar, 0.0) and is_stationary(-ma, 0.0)):
                    out_p[i] = np.nan
                    conv[i] = False
                    status[int(i)] = ("the Whittle estimate is not stationary/invertible; use backend='numba' "
                                      "(the CPU estimator enforces the region)")
                    continue
                e = np.zeros(0)
                ssq, slog, n_ = arma_loglike(W[j] - mu[j], ar, e, ma, e, 1, 1e-10)
                nobs[i] = n_
                s2 = sigma2[j]
                llf[i] = scaled_llf(ssq, slog, n_, s2)
            if not conv[i] and int(i) not in status:
                status[int(i)] = f"did not converge (batched {method} fit on {xp.__name__}); try backend='numba'"
    return out_p, llf, nobs, conv, status


# ----------------------------------------------------------------------------- public
def fit_many(data, order, seasonal_order=None, trend=None, method="css-mle", backend="auto", n_jobs=None, *,
             id_col=None, time_col=None, value_col=None, progress=None, fixed=None) -> FitManyResult:
    """Fit one ARIMA specification to many series; one row of estimates per series.

    Parameters
    ----------
    data : 2-D array (n_series, T), wide DataFrame, or long DataFrame
        A 2-D array holds one series per row (ids ``0..n-1``); a wide DataFrame one series per
        column (ids = column names; a DatetimeIndex is the time axis); a long DataFrame one
        observation per row, with ``id_col``, ``value_col`` and ``time_col`` (rows are ordered
        by time within each id; a time missing for a series is a gap).  Leading and trailing
        NaN are trimmed (series of different lengths); interior NaN are missing values, handled
        exactly by the Kalman filter.
    order, seasonal_order, trend :
        As :class:`convts.ARIMA` (default ``trend``: ``'c'`` when ``d + D == 0``, else ``'n'``).
    method : {'css-mle', 'mle', 'css', 'whittle', 'yule_walker', 'burg', 'hannan_rissanen'}
        As :meth:`convts.ARIMA.fit`.
    backend : {'auto', 'numba', 'numpy', 'cupy'}
        ``'auto'``/``'numba'``: compiled per-series fits on a thread pool for 'css-mle', 'mle'
        and 'css' (other methods, ``fixed``, or a trend that is not a constant after
        differencing fall back to the per-series Python path).  ``'numpy'``: every series
        through ``ARIMA(...).fit()`` in Python.  ``'cupy'``: ``method='css'`` (batched
        Levenberg-Marquardt) or ``'whittle'`` (batched BFGS) for non-seasonal models on the GPU;
        complete series only; with a constant the series are demeaned by their sample mean
        (for 'css', ``const`` = the mean, not the joint CSS estimate of the CPU path; 'whittle'
        on the CPU also uses the mean).  Not verified on a GPU yet (tested with NumPy as the
        array module).
    n_jobs : int, optional
        Threads of the compiled path (default: every core).  The per-series Python path
        (other methods, ``fixed``, ``backend='numpy'``) runs one series at a time and warns
        when ``n_jobs`` other than None or 1 is given.
    id_col, time_col, value_col : str, optional
        Columns of a long DataFrame.
    progress : bool, optional
        Show a tqdm progress bar (default: option ``progress``; when that is None, only on an
        interactive terminal for 1,000 series or more).  Silently off if tqdm is not installed.
    fixed : dict, optional
        Parameters held fixed in every series (per-series Python path).

    Returns
    -------
    FitManyResult
        ``.table`` (one row per series: parameters, ``llf``, ``aic``, ``bic``, ``nobs``,
        ``converged``, ``status``, ``method``), ``.params``, ``.ok``, ``.result(id)``,
        ``.forecast(steps, alpha)``.

    Notes
    -----
    Each series gets the same estimates as ``convts.ARIMA(y, order, seasonal_order,
    trend).fit(method=method)`` on the trimmed series.  The compiled path runs the same steps
    with a BFGS optimiser in numba instead of scipy's L-BFGS-B, on the same objective and
    tolerances: estimates agree to ~1e-6, the log-likelihood to ~1e-10 relative.  Where the
    likelihood has several local optima (over-parameterised models such as ARMA(2, 2) on white
    noise, a random walk fitted with ``d = 0``) the two optimisers, started from slightly
    different CSS values, can end at different optima or at different points of the boundary.  A series that
    cannot be fitted (all NaN, constant, inf, too short, optimiser failure) gets NaN estimates
    and a ``status`` saying why; it never stops the batch.  A bad ``order`` or ``data`` raises.

    Examples
    --------
    >>> import numpy as np, convts
    >>> rng = np.random.default_rng(0)
    >>> Y = convts.kernels.arma(ar=[0.5])(rng.standard_normal((3, 300)), axis=1)
    >>> Y[2] = 1.0  # a constant series
    >>> res = convts.fit_many(Y, order=(1, 0, 0))
    >>> res.table["status"].tolist()[:2]
    ['ok', 'ok']
    >>> bool(res.ok[2])
    False
    """
    import pandas as pd

    order_tuple = _order(order, seasonal_order)
    p, d, q, P, D, Q, s = order_tuple
    order = (p, d, q)
    seasonal_order = (P, D, Q, s)
    if method not in METHODS:
        raise ValueError(f"method={method!r}: use one of {METHODS}")
    if backend not in _BACKENDS:
        raise ValueError(f"backend={backend!r}: use one of {_BACKENDS}")
    if trend is not None and trend not in _TRENDS:
        raise ValueError(f"trend={trend!r}: use 'n', 'c', 't' or 'ct'")
    n_workers = _n_workers(n_jobs)
    batch = _prepare(data, id_col, time_col, value_col)
    model = _template(order_tuple, seasonal_order, trend)  # validates trend against d + D
    if fixed:
        model._check_fixed(fixed)
    trend = model.trend
    n = batch.Y.shape[0]
    DY, starts, stops, status = _screen(batch, model, model.k_diff)
    rows = np.array([i for i in range(n) if i not in status], dtype=np.int64)

    params = np.full((n, model.k_params), np.nan)
    llf = np.full(n, np.nan)
    nobs = np.full(n, np.nan)
    conv = np.zeros(n, dtype=bool)
    results = {}
    bar = _progress_bar(progress, rows.size)
    try:
        from .estimators.compiled import covers

        cx = covers(model, method, fixed)
        if backend == "cupy":
            if method not in ("css", "whittle") or P or Q or fixed or model.k_exog > 1:
                raise ValueError(f"backend='cupy' fits method='css' or 'whittle' for non-seasonal models with trend 'n' or a "
                                 f"constant, without fixed parameters; got method={method!r}, "
                                 f"seasonal_order={seasonal_order}: use backend='numba'")
            if model._trend_constant() is None:
                raise ValueError(f"backend='cupy' supports trend 'n' or a constant; got trend={trend!r}")
            xp = _cupy_module()
            out = _run_xp(DY, starts, stops, rows, model, method, xp)
            params, llf, nobs, conv, st = out
            status.update(st)
            if bar is not None:
                bar.update(rows.size)
        elif backend in ("auto", "numba") and cx is not None:
            out_p, out_llf, out_nobs, out_conv, st = _run_numba(DY, starts, stops, rows, model, method, cx,
                                                                n_workers, bar)
            params[rows], llf[rows], nobs[rows], conv[rows] = out_p[rows], out_llf[rows], out_nobs[rows], out_conv[rows]
            status.update(st)
            if method == "css":
                _css_r_convention(batch, model, rows, params, llf, nobs)
        else:
            if n_jobs not in (None, 1) and rows.size > 1:
                why = ("backend='numpy'" if backend == "numpy" else
                       f"method={method!r}" + (" with fixed parameters" if fixed else "")
                       + " is not covered by the compiled path")
                warnings.warn(
                    f"n_jobs={n_jobs!r} is ignored: {why}, so the series are fitted one after the other by "
                    f"ARIMA(...).fit() in Python (the compiled path covers 'css-mle', 'mle' and 'css' with at most "
                    f"one constant trend term and no fixed parameters)", UserWarning, stacklevel=2)
            results, st = _run_python(batch, rows, order, seasonal_order, trend, method, fixed, bar)
            status.update(st)
            for i, res in results.items():
                params[i] = res.params.to_numpy()
                llf[i], nobs[i], conv[i] = res.llf, res.nobs, res.converged
    finally:
        if bar is not None:
            bar.close()

    if method in ("mle", "css-mle"):  # every path: an AR root at the stationarity boundary (the single fit warns)
        from .likelihood.exact import root_problem
        from .estimators.mle import BOUNDARY_MARGIN

        free_ar = [g for g in ("ar", "sar") if not any(model.param_names[j] in (fixed or {}) for j in
                                                       range(model._slices[g].start, model._slices[g].stop))]
        for i in rows:
            i = int(i)
            if i not in status and np.all(np.isfinite(params[i])):
                problem = root_problem(model, params[i], margin=BOUNDARY_MARGIN, groups=free_ar)
                if problem is not None:
                    conv[i] = False
                    status[i] = (f"at the stationarity boundary ({problem}): the series looks integrated or "
                                 f"explosive; difference it (d=1 or D=1)")
    if method == "css":  # every path: a CSS estimate outside the region gets a status (the single fit warns)
        from .likelihood.exact import root_problem

        for i in rows:
            i = int(i)
            if i not in status and np.all(np.isfinite(params[i])):
                problem = root_problem(model, params[i])
                if problem is not None:
                    status[i] = f"the CSS estimate cannot be used for forecasting: {problem}"

    k_free = model.k_params - len(fixed or {}) if method in ("mle", "css-mle", "css") else model.k_params
    table = pd.DataFrame(params, index=batch.ids, columns=model.param_names)
    table.index.name = "id"
    table["llf"] = llf
    table["aic"] = -2.0 * llf + 2.0 * k_free
    with np.errstate(divide="ignore", invalid="ignore"):
        table["bic"] = -2.0 * llf + k_free * np.log(nobs)
    table["nobs"] = pd.array([int(v) if np.isfinite(v) else None for v in nobs], dtype="Int64")
    table["converged"] = conv
    table["status"] = [status.get(i, "ok") for i in range(n)]
    table["method"] = method
    spec = dict(order=order, seasonal_order=seasonal_order, trend=trend, method=method, fixed=fixed, tol=1e-10)
    return FitManyResult(table, batch, spec, results, model.param_names)
