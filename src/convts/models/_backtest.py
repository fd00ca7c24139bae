"""Backtesting: rolling-origin cross-validation of ARIMA forecasts and the usual accuracy metrics.

``cross_validation`` takes the windows of statsforecast's ``cross_validation`` (the last window
ends at the last observation; ``n_windows`` cutoffs ``step_size`` apart) and returns its long
frame; ``evaluate`` scores such a frame with the textbook metrics (Hyndman & Koehler 2006).
"""

from __future__ import annotations

import numbers
import re
import warnings

import numpy as np

__all__ = ["cross_validation", "evaluate"]

METRICS = ("mae", "rmse", "mape", "smape", "mase", "coverage")


def _series_list(data, id_col, time_col, value_col, name="data"):
    """[(unique_id, pandas.Series indexed by ds)] for a Series, a 1-D/2-D array or a long frame."""
    import pandas as pd

    from .._validation import as_float_array

    if isinstance(data, pd.DataFrame):
        missing = [c for c in (id_col, time_col, value_col) if c not in data.columns]
        if missing:
            raise ValueError(
                f"{name} is a DataFrame without the column(s) {missing}: give a long frame with columns "
                f"{id_col!r}, {time_col!r}, {value_col!r} (statsforecast's layout; rename with id_col=, "
                f"time_col=, value_col=), or pass one series as a pandas Series"
            )
        for col in (id_col, time_col):  # groupby would drop such rows without a word
            if data[col].isna().any():
                row = data.index[data[col].isna().to_numpy()][0]
                raise ValueError(f"{name}[{col!r}] has missing values (first at row {row!r}): every row needs "
                                 f"its series id and time point; drop or fill those rows")
        if data[[id_col, time_col]].duplicated().any():
            first = data.loc[data[[id_col, time_col]].duplicated(), [id_col, time_col]].iloc[0].tolist()
            raise ValueError(f"{name} has more than one row for ({id_col}, {time_col}) = {first}: one row per time point")
        values = as_float_array(data[value_col], f"{name}[{value_col!r}]", ndim=(1,))
        frame = pd.DataFrame({"id": data[id_col].to_numpy(), "ds": data[time_col].to_numpy(), "y": values})
        out = []
        for uid, g in frame.groupby("id", sort=True):
            g = g.sort_values("ds", kind="stable")
            out.append((uid, pd.Series(g["y"].to_numpy(), index=pd.Index(g["ds"].to_numpy()))))
        return out
    if isinstance(data, pd.Series):
        values = as_float_array(data, name, ndim=(1,))
        index = data.index
        if isinstance(index, pd.DatetimeIndex) and index.freq is None:
            from .._validation import infer_offset

            freq = infer_offset(index)
            if freq is not None:
                index = pd.DatetimeIndex(index, freq=freq)
        return [(data.name if data.name is not None else 0, pd.Series(values, index=index))]
    arr = as_float_array(data, name, ndim=(1, 2))
    rows = arr[None, :] if arr.ndim == 1 else arr
    return [(i, pd.Series(np.asarray(r, dtype=np.float64))) for i, r in enumerate(rows)]


def _check_levels(level):
    levels = [level] if isinstance(level, numbers.Real) else list(level or ())
    out = []
    for lv in levels:
        if isinstance(lv, bool) or not isinstance(lv, numbers.Real) or not 0 < lv < 100:
            raise ValueError(f"level={lv!r}: give interval levels in percent, 0 < level < 100 (e.g. (80, 95))")
        out.append(float(lv))
    return sorted(set(out))


def _level_name(lv: float) -> str:
    return f"{lv:g}"


class _Forecaster:
    """Fits (or re-filters with the fitted parameters) one series' windows."""

    def __init__(self, order, seasonal_order, trend, fit_kwargs):
        self.order, self.seasonal_order, self.trend, self.fit_kwargs = order, seasonal_order, trend, fit_kwargs

    def fit(self, train):
        import pandas as pd

        from ._auto_arima import auto_arima
        from .spec import ARIMA

        if isinstance(self.order, str):
            keep_index = isinstance(train.index, (pd.DatetimeIndex, pd.PeriodIndex))  # auto_arima reads m from it
            return auto_arima(train if keep_index else train.to_numpy(), **self.fit_kwargs)
        model = ARIMA(train.to_numpy(), order=self.order, seasonal_order=self.seasonal_order, trend=self.trend)
        return model.fit(**self.fit_kwargs)

    @staticmethod
    def refilter(train, res):
        """The model of ``res`` on ``train`` with every parameter of ``res``: the coefficients are
        held fixed and only sigma2 is estimated, so the returned scale factor puts the forecast
        standard errors back on ``res``'s sigma2 (they are proportional to sqrt(sigma2))."""
        from .spec import ARIMA

        spec = res.model
        model = ARIMA(train.to_numpy(), order=spec.order, seasonal_order=spec.seasonal_order, trend=spec.trend)
        fixed = {k: float(v) for k, v in res.params.items() if k != "sigma2"}
        new = model.fit(fixed=fixed) if fixed else model.fit()
        return new, float(np.sqrt(res.sigma2 / new.sigma2))


def cross_validation(data, h: int, n_windows: int = 1, step_size: int | None = None, order=(1, 0, 0),
                     seasonal_order=(0, 0, 0, 0), trend=None, refit=True, alpha=0.05, level=None, *,
                     id_col: str = "unique_id", time_col: str = "ds", value_col: str = "y", **fit_kwargs):
    """Rolling-origin backtest of ARIMA forecasts, as statsforecast's ``cross_validation``.

    For each series and each of ``n_windows`` cutoffs, fit on the observations up to the cutoff
    and forecast the next ``h``.  The last window ends at the last observation; the cutoffs are
    ``step_size`` observations apart (window ``i`` trains on the first
    ``n - h - (n_windows - 1 - i) * step_size`` values).

    Parameters
    ----------
    data : pandas.Series, 1-D/2-D array_like, or long pandas.DataFrame
        One series (a Series keeps its index as ``ds``; an array gets ``0..n-1``), a 2-D array
        (one series per row, ids ``0..k-1``), or a long frame with columns ``unique_id, ds, y``
        (statsforecast's layout; see ``id_col``, ``time_col``, ``value_col``).  Each series must
        be regular (no missing time points; missing values as NaN rows are fine).
    h : int
        Forecast horizon (>= 1).
    n_windows : int
        Number of cutoffs per series (>= 1).
    step_size : int, optional
        Observations between cutoffs; default ``h`` (non-overlapping test windows).
    order : (p, d, q) or 'auto'
        The ARIMA order, or ``'auto'`` for :func:`convts.auto_arima` (the search runs again at
        each refit; ``fit_kwargs`` go to it, e.g. ``m=12``).
    seasonal_order : (P, D, Q, s)
        Seasonal order (ignored with ``order='auto'``).
    trend : {'n', 'c', 't', 'ct'}, optional
        As :class:`convts.ARIMA` (ignored with ``order='auto'``).
    refit : bool or int
        ``True``: fit at every cutoff.  ``False``: fit at the first cutoff only and forecast the
        later ones with the same parameters (the model filtered over the longer series with its
        coefficients held fixed; sigma2 kept).  An int ``k``: fit at every ``k``-th cutoff.
    alpha : float
        Significance of the interval in ``mean_ci_lower, mean_ci_upper`` (statsmodels' columns;
        0.05 gives 95% intervals).
    level : float or sequence of float, optional
        Further interval levels in percent, statsforecast's columns ``lo-80, hi-80, ...``.
    id_col, time_col, value_col : str
        Column names of a long frame.
    **fit_kwargs
        Passed to :meth:`convts.ARIMA.fit` (``method=``, ``method_kwargs=``) or to
        :func:`convts.auto_arima` for ``order='auto'``.

    Returns
    -------
    pandas.DataFrame
        One row per series, cutoff and horizon step: ``unique_id, ds, cutoff, y, mean,
        mean_ci_lower, mean_ci_upper`` and ``lo-<level>, hi-<level>`` for each ``level``
        (Gaussian intervals of the ARIMA forecast); ``frame.attrs["alpha"]`` is ``alpha``.
        A window whose fit fails has NaN forecasts; ``frame.attrs["errors"]`` maps
        ``(unique_id, cutoff)`` to the error message and a ``UserWarning`` says how many failed.

    Raises
    ------
    ValueError
        ``h``, ``n_windows``, ``step_size`` or ``refit`` out of range, a series too short for the
        windows (it needs more than ``h + (n_windows - 1) * step_size`` observations), a frame
        without the columns or with duplicate ``(unique_id, ds)`` rows, bad ``alpha`` or ``level``.

    Notes
    -----
    Point forecasts are the exact conditional means and the intervals ``mean +- z se`` of
    :meth:`convts.ARIMAResults.get_forecast`.  Without a refit, the previous window's result is
    continued over the new observations with ``ARIMAResults.append`` where the results have it;
    otherwise the model is filtered over the whole training series with the coefficients fixed
    (only sigma2 is estimated, and the standard errors are rescaled to the first fit's sigma2),
    cheaper than a fit but not proportional to the new data alone.

    Examples
    --------
    >>> import numpy as np, convts
    >>> y = convts.kernels.arma(ar=[0.7])(np.random.default_rng(0).standard_normal(120)) + 10
    >>> cv = convts.cross_validation(y, h=3, n_windows=2, order=(1, 0, 0))
    >>> list(cv.columns)
    ['unique_id', 'ds', 'cutoff', 'y', 'mean', 'mean_ci_lower', 'mean_ci_upper']
    >>> cv["cutoff"].tolist()
    [113, 113, 113, 116, 116, 116]
    """
    import pandas as pd
    from scipy.stats import norm

    from .._validation import check_int

    h = check_int(h, "h", minimum=1)
    n_windows = check_int(n_windows, "n_windows", minimum=1)
    step_size = h if step_size is None else check_int(step_size, "step_size", minimum=1)
    if isinstance(refit, bool):
        every = 1 if refit else 0
    else:
        every = check_int(refit, "refit", minimum=0)
    if isinstance(order, str):
        if order != "auto":
            raise ValueError(f"order={order!r}: give (p, d, q) or 'auto'")
    alpha = float(alpha)
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"alpha={alpha!r}: give the interval's significance, 0 < alpha < 1 (e.g. 0.05)")
    levels = _check_levels(level)
    z = {lv: float(norm.ppf(0.5 + lv / 200)) for lv in levels}
    z_alpha = float(norm.ppf(1.0 - alpha / 2.0))
    series = _series_list(data, id_col, time_col, value_col)
    test_size = h + step_size * (n_windows - 1)
    for uid, s in series:
        if len(s) <= test_size:
            raise ValueError(
                f"series {uid!r} has {len(s)} observations; h={h}, n_windows={n_windows}, step_size={step_size} "
                f"need more than {test_size} (h + (n_windows - 1) * step_size) to leave a training sample"
            )
    fc = _Forecaster(order, seasonal_order, trend, fit_kwargs)
    ids, ds, cutoffs, ys, means, ses, errors = [], [], [], [], [], [], {}
    for uid, s in series:
        n = len(s)
        ends = n - test_size + step_size * np.arange(n_windows)
        pos = (ends[:, None] + np.arange(h)).ravel()  # the test rows of every window, in order
        mean = np.full((n_windows, h), np.nan)
        se = np.full((n_windows, h), np.nan)
        res = current = None
        for w, end in enumerate(ends):
            train = s.iloc[:end]
            try:
                if res is None or (every and w % every == 0):  # a failed fit is tried again next window
                    res = current = None
                    res = current = fc.fit(train)
                    scale = 1.0
                elif current is not None and hasattr(current, "append") and not isinstance(order, str):
                    # the state carried on over the new observations only (statsmodels' append, refit=False);
                    # explicit orders are fitted on plain arrays, so the new values need no dates
                    current, scale = current.append(s.to_numpy()[ends[w - 1]:end]), 1.0
                else:
                    current, scale = fc.refilter(train, res)
                pf = current.get_forecast(h)
                mean[w] = pf.predicted_mean.to_numpy()
                se[w] = pf.se_mean.to_numpy() * scale
            except Exception as exc:  # noqa: BLE001 - one window never fails the batch; reported below
                errors[(uid, s.index[end - 1])] = f"{type(exc).__name__}: {exc}"
                current = None  # the next window restarts from res on its whole training series
        ids.append(np.repeat(np.array([uid], dtype=object), pos.size))
        ds.append(s.index.take(pos))
        cutoffs.append(s.index.take(np.repeat(ends - 1, h)))
        ys.append(s.to_numpy()[pos])
        means.append(mean.ravel())
        ses.append(se.ravel())
    mean, se = np.concatenate(means), np.concatenate(ses)
    cols = {"unique_id": np.concatenate(ids), "ds": ds[0].append(ds[1:]) if len(ds) > 1 else ds[0],
            "cutoff": cutoffs[0].append(cutoffs[1:]) if len(cutoffs) > 1 else cutoffs[0],
            "y": np.concatenate(ys), "mean": mean,
            "mean_ci_lower": mean - z_alpha * se, "mean_ci_upper": mean + z_alpha * se}
    for lv in levels:
        cols[f"lo-{_level_name(lv)}"] = mean - z[lv] * se
        cols[f"hi-{_level_name(lv)}"] = mean + z[lv] * se
    out = pd.DataFrame({k: (v.to_numpy() if isinstance(v, pd.Index) else v) for k, v in cols.items()})
    if len({type(u) for u, _ in series}) == 1:  # one kind of id: a plain column, not objects
        out["unique_id"] = out["unique_id"].infer_objects()
    out.attrs["errors"] = errors
    out.attrs["alpha"] = alpha
    if errors:
        first = next(iter(errors.items()))
        warnings.warn(f"{len(errors)} of {len(series) * n_windows} windows failed and have NaN forecasts "
                      f"(frame.attrs['errors']); first: {first[0]}: {first[1]}", UserWarning, stacklevel=2)
    return out


def _levels_in(cv, prefix: str) -> list[str]:
    """The levels ``l`` with both ``{prefix}lo-l`` and ``{prefix}hi-l`` columns."""
    pattern = re.compile("^" + re.escape(prefix) + r"lo-(\d+(?:\.\d+)?)$")
    out = []
    for c in cv.columns:
        m = pattern.match(str(c))
        if m and f"{prefix}hi-{m.group(1)}" in cv.columns:
            out.append(m.group(1))
    return out


def _scales(cv, train, m, id_col, time_col, value_col):
    """MASE scale per row of cv: mean |y_t - y_{t-m}| over the series' observations up to the row's cutoff."""
    series = dict(_series_list(train, id_col, time_col, value_col, name="train"))
    cache = {}
    scale = np.empty(len(cv))
    for i, (uid, cutoff) in enumerate(zip(cv["unique_id"].to_numpy(), cv["cutoff"].to_numpy())):
        key = (uid, cutoff)
        if key not in cache:
            if uid not in series:
                raise ValueError(f"train has no series {uid!r}; pass the data given to cross_validation")
            s = series[uid]
            upto = s.to_numpy()[np.asarray(s.index <= cutoff)]
            d = np.abs(upto[m:] - upto[:-m]) if upto.size > m else np.array([])
            d = d[np.isfinite(d)]
            cache[key] = float(d.mean()) if d.size else np.nan
        scale[i] = cache[key]
    return scale


def evaluate(cv, metrics=METRICS, train=None, m: int = 1, by="unique_id", *, id_col: str = "unique_id",
             time_col: str = "ds", value_col: str = "y", forecast_col: str = "mean"):
    """Accuracy of a :func:`cross_validation` frame, with the metrics' textbook definitions.

    Parameters
    ----------
    cv : pandas.DataFrame
        Columns ``unique_id, cutoff, y, mean`` (and ``mean_ci_lower, mean_ci_upper`` or
        ``lo-<l>, hi-<l>`` for coverage), as returned by
        :func:`cross_validation` (statsforecast's frame with ``forecast_col`` naming the model column).
    metrics : sequence of str
        Any of ``'mae'`` mean ``|e|``; ``'rmse'`` ``sqrt(mean e**2)``; ``'mape'`` ``100 mean |e / y|``;
        ``'smape'`` ``200 mean |e| / (|y| + |f|)`` (M3's definition, a term with ``y = f = 0`` counts 0);
        ``'mase'`` ``mean |e| / s`` with ``s`` the in-sample mean absolute seasonal-naive error
        ``mean |y_t - y_{t-m}|`` of the series up to each row's cutoff (Hyndman & Koehler 2006);
        ``'coverage'`` the fraction of ``y`` inside ``[lo, hi]``, one column per level
        (``coverage-80``, ...; ``mean_ci_lower/upper`` count as level ``100 (1 - alpha)`` with
        ``alpha`` from ``cv.attrs``, default 0.05).  ``e = y - f``, ``f`` the forecast.
    train : same as the ``data`` of :func:`cross_validation`, optional
        The observed series; required for ``'mase'`` (only observations up to each cutoff are used).
    m : int
        Seasonal period of MASE's naive forecast (1: the random walk).
    by : str, list of str or None
        Group rows by these columns (``'unique_id'``; ``['unique_id', 'cutoff']`` per window;
        ``None`` for one row over everything).
    id_col, time_col, value_col : str
        Column names of a long ``train`` frame.
    forecast_col : str
        Column of the point forecast; for another name than ``'mean'`` (a statsforecast model
        column such as ``'ARIMA'``) the interval columns are ``'<forecast_col>-lo-<level>'``.

    Returns
    -------
    pandas.DataFrame
        One row per group, one column per metric.  Rows where ``y`` or the forecast is NaN are left
        out; a group with none left is NaN.

    Raises
    ------
    ValueError
        Unknown metric, missing columns, ``'mase'`` without ``train``, ``'coverage'`` without
        interval columns.

    Examples
    --------
    >>> import pandas as pd, convts
    >>> cv = pd.DataFrame({"unique_id": 0, "cutoff": 1, "y": [1.0, 2.0], "mean": [2.0, 2.0]})
    >>> convts.evaluate(cv, ["mae", "rmse", "smape"])
               mae      rmse      smape
    unique_id
    0          0.5  0.707107  33.333333
    """
    import pandas as pd

    from .._validation import check_int

    metrics = [metrics] if isinstance(metrics, str) else list(metrics)
    unknown = [k for k in metrics if k not in METRICS]
    if unknown:
        raise ValueError(f"unknown metric(s) {unknown}; use some of {list(METRICS)}")
    m = check_int(m, "m", minimum=1)
    need = ["y", forecast_col] + (["unique_id", "cutoff"] if "mase" in metrics else [])
    groups = [] if by is None else ([by] if isinstance(by, str) else list(by))
    missing = [c for c in need + groups if c not in cv.columns]
    if missing:
        raise ValueError(f"cv has no column(s) {missing}; pass the frame returned by cross_validation")
    y = cv["y"].to_numpy(dtype=np.float64)
    f = cv[forecast_col].to_numpy(dtype=np.float64)
    e = y - f
    cols = {}
    for k in metrics:
        if k == "mae":
            cols["mae"] = np.abs(e)
        elif k == "rmse":
            cols["rmse"] = e**2
        elif k == "mape":
            with np.errstate(divide="ignore", invalid="ignore"):
                cols["mape"] = 100 * np.abs(e / y)
        elif k == "smape":
            den = np.abs(y) + np.abs(f)
            with np.errstate(divide="ignore", invalid="ignore"):
                cols["smape"] = np.where(den == 0, 0.0, 200 * np.abs(e) / den)
        elif k == "mase":
            if train is None:
                raise ValueError("metric 'mase' needs train=, the series given to cross_validation (its scale is "
                                 "the in-sample seasonal naive error up to each cutoff)")
            with np.errstate(divide="ignore", invalid="ignore"):
                cols["mase"] = np.abs(e) / _scales(cv, train, m, id_col, time_col, value_col)
        elif k == "coverage":
            # convts' columns lo-80, hi-80; statsforecast's <model>-lo-80, <model>-hi-80
            prefix = "" if forecast_col == "mean" else f"{forecast_col}-"
            pairs = {name: (f"{prefix}lo-{name}", f"{prefix}hi-{name}") for name in _levels_in(cv, prefix)}
            if prefix == "" and {"mean_ci_lower", "mean_ci_upper"} <= set(cv.columns):
                name = _level_name(100.0 * (1.0 - float(cv.attrs.get("alpha", 0.05))))
                pairs.setdefault(name, ("mean_ci_lower", "mean_ci_upper"))
            if not pairs:
                raise ValueError(f"metric 'coverage' needs interval columns {prefix}lo-<level>, {prefix}hi-<level> "
                                 "(or mean_ci_lower, mean_ci_upper) in cv")
            for name, (lo_col, hi_col) in pairs.items():
                lo, hi = cv[lo_col].to_numpy(float), cv[hi_col].to_numpy(float)
                cols[f"coverage-{name}"] = ((lo <= y) & (y <= hi)).astype(np.float64)
    valid = np.isfinite(y) & np.isfinite(f)
    frame = pd.DataFrame({k: np.where(valid, v, np.nan) for k, v in cols.items()}, index=cv.index)
    if groups:
        keys = [cv[g] for g in groups]
        agg = frame.groupby(keys, sort=True).mean()
    else:
        agg = frame.mean().to_frame().T
    if "rmse" in agg.columns:
        agg["rmse"] = np.sqrt(agg["rmse"])
    return agg
