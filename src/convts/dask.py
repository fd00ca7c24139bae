"""Many-series ARIMA and the ``.conv`` accessor on Dask (optional extra: ``pip install 'convts[dask]'``).

``import convts`` never imports Dask; ``import convts.dask`` does, and registers ``.conv`` on Dask
DataFrames and Series.

:func:`fit_many`
    Fits one ARIMA per series of a long Dask DataFrame (``id_col``, ``time_col``, ``value_col``)
    or of a Dask array ``(n_series, T)``.  Every task runs the in-memory, numba-compiled
    :func:`convts.fit_many` on whole series, so the numbers are those of the in-memory function.
    All rows of one id must reach one task: unless the frame is indexed by id with known
    divisions, it is shuffled by id first (one all-to-all transfer of the id/time/value columns).
:func:`forecast_many`
    Forecasts of every series fitted by :func:`fit_many`, long format, computed from the fitted
    per-partition results (no refit when computed together with the fit: ``dask.compute(res, fc)``).
``ddf.conv`` / ``dseries.conv``
    FIR filters (``ma``, ``gaussian``, ``convolve`` with a FIR kernel, ``echo``, ``diff``) on a
    frame partitioned along time, with ``map_overlap``: each partition borrows the kernel's span of
    rows from its neighbours, so the result equals the in-memory accessor exactly.  Recursive (IIR)
    filters and statistics need the whole time axis and raise :class:`TimeAxisError` on more than
    one partition, naming the route that works.

Fault behaviour is Dask's: every task is a pure function of its inputs, so a task lost with its
worker is recomputed and gives the same numbers; a series that cannot be fitted marks its own row
(``status != 'ok'``), as in memory.
"""

from __future__ import annotations

import weakref

import numpy as np
import pandas as pd

try:
    import dask
    import dask.array as da
    import dask.dataframe as dd
    from dask.dataframe.extensions import register_dataframe_accessor, register_series_accessor
except ImportError as exc:  # pragma: no cover - exercised only without the extra
    raise ImportError(
        "convts.dask needs Dask with its DataFrame support; install it with pip install 'convts[dask]'"
    ) from exc

from ._validation import check_int

__all__ = ["fit_many", "auto_arima_many", "forecast_many", "TimeAxisError", "DaskSeriesConvAccessor", "DaskDataFrameConvAccessor"]


# ============================================================================ fit_many / forecast_many
class _Fits:
    """What :func:`forecast_many` needs from a :func:`fit_many` call: the per-partition fit tasks."""

    def __init__(self, fits, offsets, meta_fit):
        self.fits = fits          # Delayed -> _Fitted | None (empty partition)
        self.offsets = offsets    # id offset per partition (Dask-array route) or None
        self.meta_fit = meta_fit  # an in-memory FitManyResult on a dummy series (for schemas)


# id(results frame) -> (weak reference to it, _Fits); identity, not equality (Dask's == is lazy)
_FITS: dict[int, tuple] = {}


def _link(results, fits: _Fits) -> None:
    key = id(results)
    _FITS[key] = (weakref.ref(results), fits)
    weakref.finalize(results, _FITS.pop, key, None)


def _linked(results) -> _Fits | None:
    ref, fits = _FITS.get(id(results), (None, None))
    return fits if ref is not None and ref() is results else None


def _in_memory(name="fit_many"):
    """The in-memory ``convts.fit_many`` / ``convts.auto_arima_many`` (looked up at call time, in the worker)."""
    from . import models

    return getattr(models, name)


class _Fitted:
    """A fit task's value: one partition's in-memory ``FitManyResult`` and its phantom id (or None).

    It crosses workers whenever a table or forecast task runs on another worker than its fit
    task (work stealing, a restarted worker).  ``FitManyResult`` pickles as plain data (the
    estimates table, the laid-out series and the spec; see ``FitManyResult.__reduce__``),
    without the per-series ``ARIMAResults`` it caches: those hold local closures, and the cache
    grows while a forecast task runs, so a worker serialising the value for a peer at that
    moment failed ("dictionary changed size during iteration") and the peer's dependent task
    then waited forever (the hung computation of tests/test_dask.py).
    """

    __slots__ = ("fit", "phantom")

    def __init__(self, fit, phantom):
        self.fit = fit
        self.phantom = phantom

    def __reduce__(self):
        return _Fitted, (self.fit, self.phantom)


def _fit_part(part, fit_kw, long_cols, id_in_index, grid=None, fn="fit_many"):
    """Task body: fit every series of one partition (long frame or 2-D block) with ``convts.<fn>``.

    Returns a :class:`_Fitted`, or None for an empty partition.
    """
    if len(part) == 0:
        return None
    if long_cols is None:
        return _Fitted(_in_memory(fn)(np.asarray(part), **fit_kw), None)
    id_col, time_col, value_col = long_cols
    if id_in_index:
        part = part.reset_index()
    phantom = None
    if grid is not None and len(grid) != part[time_col].nunique(dropna=False):
        part, phantom = _with_grid(part, grid, id_col, time_col, value_col)
    return _Fitted(_in_memory(fn)(part, id_col=id_col, time_col=time_col, value_col=value_col, **fit_kw), phantom)


def _with_grid(part, grid, id_col, time_col, value_col):
    """Append an all-NaN series observed at every time of the whole frame (dropped after the fit).

    The in-memory ``fit_many`` lays a long frame on the union of its times, so a time present
    elsewhere but missing in a series is a gap in that series.  A partition sees only its own
    series' times; the phantom series gives it the union of the whole frame, so each series is
    laid out -- and fitted -- exactly as in memory.
    """
    ids = part[id_col]
    if pd.api.types.is_numeric_dtype(ids.dtype) and not pd.api.types.is_bool_dtype(ids.dtype):
        phantom = ids.max() + 1
    elif pd.api.types.is_string_dtype(ids.dtype) or ids.dtype == object:
        phantom, present = "__convts_time_grid__", set(ids)
        while phantom in present:
            phantom += "_"
    else:
        raise TypeError(
            f"id_col has dtype {ids.dtype} and the series lie on different time grids; cast the ids to "
            f"integers or strings (ddf[{id_col!r}].astype(str))"
        )
    extra = pd.DataFrame({id_col: pd.Series([phantom] * len(grid), dtype=ids.dtype),
                          time_col: grid.reset_index(drop=True), value_col: np.nan})
    return pd.concat([part[[id_col, time_col, value_col]], extra], ignore_index=True), phantom


def _shift_ids(frame, offset, on_index):
    if not offset:
        return frame
    frame = frame.copy()
    if on_index:
        frame.index = pd.Index(frame.index.to_numpy() + offset, name=frame.index.name)
    else:
        frame["id"] = frame["id"] + offset
    return frame


def _part_table(fitted, meta, offset):
    if fitted is None:
        return meta
    fit, phantom = fitted.fit, fitted.phantom
    table = fit.table if phantom is None else fit.table.drop(index=[phantom])
    return _shift_ids(table, offset, on_index=True)


def _part_forecast(fitted, steps, alpha, meta, offset):
    if fitted is None:
        return meta
    fit, phantom = fitted.fit, fitted.phantom
    frame = fit.forecast(steps, alpha=alpha)
    if phantom is not None:
        frame = frame[frame["id"] != phantom].reset_index(drop=True)
    return _shift_ids(frame, offset, on_index=False)


def _dummy_series_length(order, seasonal_order) -> int:
    p, d, q = order
    P, D, Q, s = seasonal_order if seasonal_order is not None else (0, 0, 0, 0)
    return max(40, 3 * (p + d + q + s * (P + D + Q)) + 20)


def _dummy_values(n: int) -> np.ndarray:
    return np.cumsum(np.random.default_rng(0).standard_normal(n)) * 0.1 + np.random.default_rng(1).standard_normal(n)


def _dummy_times(dtype, n: int):
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return pd.date_range("2000-01-01", periods=n, freq="D", tz=getattr(dtype, "tz", None))
    if isinstance(dtype, pd.PeriodDtype):
        return pd.period_range("2000-01-01", periods=n, freq=dtype.freq)
    return pd.array(np.arange(n), dtype=dtype)


def _check_long(ddf, id_col, time_col, value_col):
    columns = list(ddf.columns)
    for role, col in (("id_col", id_col), ("time_col", time_col), ("value_col", value_col)):
        if col is None:
            raise ValueError(
                f"a long Dask DataFrame needs {role}=<column name> (id_col, time_col and value_col); "
                "a wide frame partitioned along time cannot ship whole series to tasks: melt it to long "
                "format (ddf.melt(...)) or pass a Dask array (n_series, T)"
            )
        if col == id_col and col not in columns and ddf.index.name == id_col:
            continue
        if col not in columns:
            raise KeyError(f"{role}={col!r} is not a column; the columns are {columns}")
    if not pd.api.types.is_numeric_dtype(ddf[value_col].dtype):
        raise TypeError(f"value_col={value_col!r} has dtype {ddf[value_col].dtype}; it must be numeric")


def _partitioned_by_id(ddf, id_col) -> bool:
    """True when the index is ``id_col`` with strictly increasing known divisions (one id, one partition)."""
    if ddf.index.name != id_col or not ddf.known_divisions:
        return False
    div = ddf.divisions
    return all(a < b for a, b in zip(div[:-2], div[1:-1])) and div[-2] <= div[-1]


def _long_parts(ddf, id_col, time_col, value_col, shuffle, npartitions, shuffle_method):
    """The partitions (Delayed pandas frames) to fit, whether the id sits in the index, the divisions."""
    _check_long(ddf, id_col, time_col, value_col)
    if shuffle not in ("auto", True, False):
        raise ValueError(f"shuffle={shuffle!r}: use 'auto', True or False")
    id_in_index = id_col not in ddf.columns
    if shuffle == "auto":
        shuffle = not _partitioned_by_id(ddf, id_col)
    if not shuffle:
        if id_in_index and not _partitioned_by_id(ddf, id_col):
            ddf = ddf.reset_index()
            id_in_index = False
        divisions = ddf.divisions if id_in_index else (None,) * (ddf.npartitions + 1)
        frame = ddf[[time_col, value_col]] if id_in_index else ddf[[id_col, time_col, value_col]]
        return frame.to_delayed(), id_in_index, divisions
    if id_in_index:
        ddf = ddf.reset_index()
    frame = ddf[[id_col, time_col, value_col]]
    kw = {} if shuffle_method is None else {"shuffle_method": shuffle_method}
    frame = frame.shuffle(on=id_col, npartitions=npartitions or frame.npartitions, **kw)
    return frame.to_delayed(), False, (None,) * (frame.npartitions + 1)


def _array_parts(x):
    """Row blocks of a Dask array ``(n_series, T)`` as Delayed arrays, their id offsets, the divisions."""
    if x.ndim != 2:
        raise ValueError(f"a Dask array of series must be 2-D (n_series, T), got {x.ndim}-D")
    if any(np.isnan(c) for c in x.chunks[0]):
        raise ValueError("the Dask array has unknown chunk sizes along series; call x.compute_chunk_sizes() first")
    if x.numblocks[1] > 1:
        # every task needs whole series: gather the time axis of each row block into one chunk
        x = x.rechunk({1: -1})
    sizes = np.array(x.chunks[0], dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    keep = sizes > 0
    blocks = [b for b, k in zip(x.to_delayed()[:, 0], keep) if k]
    offsets = [int(o) for o, k in zip(offsets, keep) if k]
    n = int(sizes.sum())
    divisions = tuple(offsets) + (n - 1,)
    return blocks, offsets, divisions


def _from_delayed(parts, meta, divisions):
    """``dd.from_delayed`` keeping the in-memory dtypes (no conversion of object columns to Arrow strings)."""
    with dask.config.set({"dataframe.convert-string": False}):
        return dd.from_delayed(parts, meta=meta, divisions=divisions, verify_meta=False)


def fit_many(data, order, seasonal_order=None, trend=None, method="css-mle", backend="auto", n_jobs=1, *,
             id_col=None, time_col=None, value_col=None, fixed=None, shuffle="auto", npartitions=None,
             shuffle_method=None):
    """Fit the same ARIMA model to every series of a Dask collection; a lazy Dask DataFrame of results.

    Each task runs the in-memory :func:`convts.fit_many` (numba) on whole series, so the result
    has the columns, dtypes and numbers of ``convts.fit_many(...).table``: indexed by series id
    (index name ``"id"``), the parameters (``const``, ``ar.L1``, ..., ``sigma2``), then ``llf,
    aic, bic, nobs, converged, status, method``.  A series that cannot be fitted marks its own
    row (``status != 'ok'``); the others are unaffected.

    Parameters
    ----------
    data : dask.dataframe.DataFrame or dask.array.Array
        A long frame with ``id_col``, ``time_col``, ``value_col`` (``id_col`` may be the index),
        or an array ``(n_series, T)`` chunked along series; ids are then the row numbers
        ``0 .. n_series - 1``.  An array chunked along time is rechunked to one chunk along time
        (each task gathers its rows' whole series: a transfer of the whole array).
    order, seasonal_order, trend, method, backend, fixed
        As :func:`convts.fit_many`.
    n_jobs : int
        Threads of each task's in-memory fit (default 1: Dask's workers supply the parallelism).
    id_col, time_col, value_col : str
        Columns of a long frame.
    shuffle : {'auto', True, False}
        All rows of one id must reach one task.  ``'auto'`` shuffles by id unless the frame is
        indexed by ``id_col`` with known divisions (``ddf.set_index(id_col)``); ``False`` asserts
        that every id already lives in one partition (not checked: a split id gives two rows);
        ``True`` always shuffles.  A shuffle moves the id, time and value columns across the
        cluster once (all-to-all).
    npartitions : int, optional
        Partitions after the shuffle (default: as many as the input).
    shuffle_method : {'tasks', 'p2p', 'disk'}, optional
        Passed to ``DataFrame.shuffle`` (default: Dask's choice).

    Returns
    -------
    dask.dataframe.DataFrame
        One row per series.  Known divisions when the input was indexed by id (or an array);
        after a shuffle the rows come in hash order: ``.compute().sort_index()`` orders them.
        Pass it to :func:`forecast_many` for forecasts.

    Examples
    --------
    >>> import numpy as np, dask.array as da, convts.dask
    >>> x = da.from_array(np.random.default_rng(0).standard_normal((4, 60)), chunks=(2, 60))
    >>> res = convts.dask.fit_many(x, (1, 0, 0))
    >>> res.npartitions, list(res.compute().index)
    (2, [0, 1, 2, 3])
    """
    order = tuple(check_int(v, "order", minimum=0) for v in order)
    fit_kw = dict(order=order, seasonal_order=seasonal_order, trend=trend, method=method, backend=backend,
                  n_jobs=n_jobs, fixed=fixed)
    T = _dummy_series_length(order, seasonal_order)
    return _many("fit_many", data, fit_kw, T, id_col, time_col, value_col, shuffle, npartitions, shuffle_method)


def auto_arima_many(data, m=None, *, n_jobs=1, id_col=None, time_col=None, value_col=None, shuffle="auto",
                    npartitions=None, shuffle_method=None, **search):
    """R's ``auto.arima`` on every series of a Dask collection; a lazy Dask DataFrame, one row per series.

    Each task runs the in-memory :func:`convts.auto_arima_many` on whole series (its lock-step,
    compiled search), so the rows are those of ``convts.auto_arima_many(...).table``: the chosen
    ``order``, ``seasonal_order``, ``constant``, ``ic``, ``status``, ... indexed by series id.
    :func:`forecast_many` on the returned frame gives the forecasts (with a ``status`` column;
    a series without a model gets NaN rows).

    Parameters
    ----------
    data : dask.dataframe.DataFrame or dask.array.Array
        As :func:`fit_many`: a long frame (``id_col``, ``time_col``, ``value_col``) or an array
        ``(n_series, T)`` chunked along series.
    m : int, optional
        Seasonal period (as :func:`convts.auto_arima_many`; give it for long frames, whose
        partitions would otherwise each infer it from their own time column).
    n_jobs : int
        Threads of each task's search (default 1: Dask's workers supply the parallelism).
    id_col, time_col, value_col, shuffle, npartitions, shuffle_method :
        As :func:`fit_many`.  A long frame holds only these columns: the in-memory search takes
        any other column as an exogenous regressor, which this one does not support yet (a
        ``ValueError`` says so, as does ``exog=``).
    **search :
        The search options of :func:`convts.auto_arima` (``max_p``, ``ic``, ``stepwise``, ...).

    Examples
    --------
    >>> import numpy as np, dask.array as da, convts.dask
    >>> x = da.from_array(np.random.default_rng(0).standard_normal((4, 40)), chunks=(2, 40))
    >>> res = convts.dask.auto_arima_many(x, m=1)
    >>> res.npartitions, res.compute()["status"].tolist()
    (2, ['ok', 'ok', 'ok', 'ok'])
    """
    if "exog" in search:
        raise TypeError("convts.dask.auto_arima_many takes no exog yet: search with regressors in memory, "
                        "convts.auto_arima_many(data.compute(), ..., exog=...) (a long frame: its extra columns)")
    if isinstance(data, dd.DataFrame):
        extra = [c for c in data.columns if c not in (id_col, time_col, value_col)]
        if extra:
            # in memory a long frame's other columns are the regressors: refuse rather than search without them
            raise ValueError(
                f"the long Dask DataFrame has columns {extra[:5]} besides id_col, time_col and value_col; "
                f"convts.auto_arima_many takes them as exogenous regressors, which convts.dask.auto_arima_many "
                f"does not support yet: select data[[{id_col!r}, {time_col!r}, {value_col!r}]] to search without "
                f"them, or compute the frame and call convts.auto_arima_many")
    kw = dict(search, m=m, n_jobs=n_jobs)
    return _many("auto_arima_many", data, kw, 60, id_col, time_col, value_col, shuffle, npartitions, shuffle_method)


def _many(fn, data, fit_kw, T, id_col, time_col, value_col, shuffle, npartitions, shuffle_method):
    """The graph of :func:`fit_many` / :func:`auto_arima_many`: one in-memory ``convts.<fn>`` task per partition."""
    name = f"convts.dask.{fn}"
    if isinstance(data, da.Array):
        parts, offsets, divisions = _array_parts(data)
        long_cols, id_in_index, grid = None, False, None
        meta_fit = _in_memory(fn)(np.vstack([_dummy_values(T), _dummy_values(T)[::-1]]), **fit_kw)
    elif isinstance(data, dd.DataFrame):
        parts, id_in_index, divisions = _long_parts(data, id_col, time_col, value_col, shuffle, npartitions,
                                                    shuffle_method)
        offsets, long_cols = None, (id_col, time_col, value_col)
        # every time of the whole frame, in the same graph (a tree reduction of the time column)
        grid = data[time_col].drop_duplicates(split_out=1).to_delayed()[0]
        sample = data._meta_nonempty
        ids = sample.index if id_col not in data.columns else sample[id_col]
        dummy = pd.DataFrame({
            id_col: np.repeat(ids.to_numpy()[:1], T),
            time_col: _dummy_times(data[time_col].dtype, T),
            value_col: _dummy_values(T),
        })
        meta_fit = _in_memory(fn)(dummy, id_col=id_col, time_col=time_col, value_col=value_col, **fit_kw)
    elif isinstance(data, (dd.Series, np.ndarray, pd.DataFrame, pd.Series)):
        raise TypeError(
            f"{name} takes a long Dask DataFrame or a Dask array, got {type(data).__name__}; "
            f"for in-memory data call convts.{fn}"
        )
    else:
        raise TypeError(f"{name} takes a long Dask DataFrame or a Dask array, got {type(data).__name__}")
    meta = meta_fit.table.iloc[:0]
    fits = [dask.delayed(_fit_part, pure=True)(p, fit_kw, long_cols, id_in_index, grid, fn) for p in parts]
    tables = [dask.delayed(_part_table, pure=True)(f, meta, offsets[i] if offsets else 0) for i, f in enumerate(fits)]
    result = _from_delayed(tables, meta, divisions)
    _link(result, _Fits(fits, offsets, meta_fit))
    return result


def forecast_many(results, steps, alpha=0.05):
    """Forecasts of every series fitted by :func:`convts.dask.fit_many`, a lazy long Dask DataFrame.

    Columns as the in-memory ``convts.forecast_many``: ``id, step, [time,] mean, mean_se,
    mean_ci_lower, mean_ci_upper``.  The forecast tasks read the fitted per-partition results of
    the fit tasks, so ``dask.compute(results, forecasts)`` fits each series once; computing the
    forecasts alone runs the fits too.

    Parameters
    ----------
    results : dask.dataframe.DataFrame
        The frame returned by :func:`convts.dask.fit_many` itself (not a frame derived from it).
    steps : int
        Forecast horizon.
    alpha : float
        Confidence level of the intervals is ``1 - alpha``.

    Examples
    --------
    >>> import numpy as np, dask.array as da, convts.dask
    >>> x = da.from_array(np.random.default_rng(0).standard_normal((4, 60)), chunks=(2, 60))
    >>> fc = convts.dask.forecast_many(convts.dask.fit_many(x, (1, 0, 0)), steps=3)
    >>> fc.compute().shape[0]
    12
    """
    steps = check_int(steps, "steps", minimum=1)
    if not 0 < float(alpha) < 1:
        raise ValueError(f"alpha={alpha!r}: it must lie strictly between 0 and 1")
    if isinstance(results, pd.DataFrame) or not isinstance(results, dd.DataFrame):
        raise TypeError(
            f"results is a {type(results).__name__}; pass the Dask DataFrame returned by convts.dask.fit_many "
            "(for an in-memory FitManyResult use convts.forecast_many)"
        )
    link = _linked(results)
    if link is None:
        raise ValueError(
            "results is not a frame returned by convts.dask.fit_many (a derived frame -- filtered, persisted, "
            "re-indexed -- loses the link to the fitted series); call forecast_many on fit_many's return value, "
            "e.g. res = convts.dask.fit_many(...); res, fc = dask.persist(res, convts.dask.forecast_many(res, h))"
        )
    meta = link.meta_fit.forecast(steps, alpha=alpha).iloc[:0]
    parts = [dask.delayed(_part_forecast, pure=True)(f, steps, alpha, meta, link.offsets[i] if link.offsets else 0)
             for i, f in enumerate(link.fits)]
    return _from_delayed(parts, meta, None)


# ============================================================================ the .conv accessor
class TimeAxisError(ValueError):
    """The operation needs the whole time axis, which a frame partitioned along time does not give a task."""


_ROUTE = (
    "it needs the whole time axis, which a Dask frame split along time (npartitions={n}) does not give one "
    "task. Routes that work: ddf.compute().conv.{name}(...) when the data fit in memory{extra}; for many "
    "series, a long frame (id, time, value) with convts.dask.fit_many"
)


def _route(n, name, iir=False):
    extra = f", ddf.repartition(npartitions=1).conv.{name}(...) to run it in one task" if iir else ""
    return _ROUTE.format(n=n, name=name, extra=extra)


class _DaskConvAccessor:
    """``.conv`` on Dask collections partitioned along time (rows): exact FIR filters, clear errors otherwise."""

    def __init__(self, obj):
        self._obj = obj

    # -- plumbing ------------------------------------------------------------------------------
    def _meta(self, name, args, kwargs):
        out = getattr(self._obj._meta_nonempty.conv, name)(*args, **kwargs)
        return out.iloc[:0]

    def _fir(self, name, kernel, args, kwargs, mode="causal"):
        """Run the pandas accessor's ``name`` per partition with the kernel's history borrowed."""
        if not kernel.is_fir:
            return self._whole_axis(name, args, kwargs)
        last, first = int(kernel.ma_lags[-1]), int(kernel.offset)
        if mode == "causal":
            before, after = max(last, 0), max(-first, 0)
        else:  # 'same' centres the kernel: borrow a span plus the largest lag on both sides
            before = after = kernel.span + max(abs(last), abs(first))
        meta = self._meta(name, args, kwargs)
        func = _call_accessor(name, args, kwargs)
        if self._obj.npartitions == 1 or before == after == 0:
            return self._obj.map_partitions(func, meta=meta, align_dataframes=False)
        return self._obj.map_overlap(func, before, after, meta=meta, align_dataframes=False)

    def _whole_axis(self, name, args, kwargs):
        """A recursive filter: fine in one partition, refused on several."""
        n = self._obj.npartitions
        if n > 1:
            raise TimeAxisError(f".conv.{name} is a recursive (IIR) filter: " + _route(n, name, iir=True))
        return self._obj.map_partitions(_call_accessor(name, args, kwargs), meta=self._meta(name, args, kwargs),
                                        align_dataframes=False)

    def _refuse(self, name, what):
        raise TimeAxisError(
            f".conv.{name} {what}: " + _route(self._obj.npartitions, name)
        )

    # -- FIR filters: exact with map_overlap ----------------------------------------------------
    def ma(self, window, weights=None, center=False, min_periods=None, **kwargs):
        """Moving (weighted) mean, as the pandas ``.conv.ma``; exact across partitions (``map_overlap``)."""
        from .kernels import moving_average

        return self._fir("ma", moving_average(window, weights, center), (window, weights, center, min_periods), kwargs)

    def gaussian(self, sigma, truncate=4.0, **kwargs):
        """Centred Gaussian smoother, as the pandas ``.conv.gaussian``; exact across partitions."""
        from .kernels import gaussian

        return self._fir("gaussian", gaussian(sigma, truncate), (sigma, truncate), kwargs)

    def echo(self, delay, gain, repeats=1, **kwargs):
        """Echoes ``gain**r * x[t - r*delay]``, as the pandas ``.conv.echo``; exact across partitions."""
        from .kernels import echo

        return self._fir("echo", echo(delay, gain, repeats), (delay, gain, repeats), kwargs)

    def diff(self, d=1, D=0, period=None, **kwargs):
        """``(1 - L)^d (1 - L^s)^D``, as the pandas ``.conv.diff``; ``period`` is required with ``D``."""
        from .kernels import difference

        if D and period is None:
            raise ValueError(
                "diff(D>0) on a Dask frame needs period=<season length>: a partition's index cannot tell it"
            )
        return self._fir("diff", difference(d, D, period), (d, D, period), kwargs)

    def convolve(self, kernel, mode="causal", **kwargs):
        """Apply a :class:`~convts.Kernel` or FIR taps, as the pandas ``.conv.convolve``.

        A FIR kernel in ``'causal'`` or ``'same'`` mode is exact across partitions; ``'circular'``
        and IIR kernels need the whole axis (one partition only); ``zi`` is refused (it is the
        state before the first row, which only the first partition has).
        """
        from .engine import as_kernel

        k = as_kernel(kernel)
        if kwargs.get("zi") is not None and self._obj.npartitions > 1:
            raise ValueError("zi (the state before the first row) is not supported on a Dask frame with several "
                             "partitions; prepend the history rows to the data instead")
        if mode == "circular":
            if self._obj.npartitions > 1:
                self._refuse("convolve", "with mode='circular' wraps the end of the series onto its start")
            return self._whole_axis("convolve", (kernel, mode), kwargs)
        return self._fir("convolve", k, (kernel, mode), kwargs, mode=mode)

    # -- recursive filters: one partition only ---------------------------------------------------
    def ewma(self, *args, **kwargs):
        """Exponentially weighted mean (IIR): one partition only, else :class:`TimeAxisError`."""
        return self._whole_axis("ewma", args, kwargs)

    def comb(self, *args, **kwargs):
        """Feedback comb (IIR): one partition only, else :class:`TimeAxisError`."""
        return self._whole_axis("comb", args, kwargs)

    def integrate(self, *args, **kwargs):
        """Inverse differencing (IIR): one partition only, else :class:`TimeAxisError`."""
        return self._whole_axis("integrate", args, kwargs)

    def ar_filter(self, *args, **kwargs):
        """AR filter (IIR): one partition only, else :class:`TimeAxisError`."""
        return self._whole_axis("ar_filter", args, kwargs)

    # -- statistics and models: never on a time-partitioned frame --------------------------------
    def acf(self, *args, **kwargs):
        """Refused (:class:`TimeAxisError`): autocorrelations need the whole time axis."""
        self._refuse("acf", "sums lagged products over the whole series")

    def pacf(self, *args, **kwargs):
        """Refused (:class:`TimeAxisError`): partial autocorrelations need the whole time axis."""
        self._refuse("pacf", "sums lagged products over the whole series")

    def ccf(self, *args, **kwargs):
        """Refused (:class:`TimeAxisError`): cross-correlations need the whole time axis."""
        self._refuse("ccf", "sums lagged products over the whole series")

    def prewhiten(self, *args, **kwargs):
        """Refused (:class:`TimeAxisError`): the AR fit needs the whole series."""
        self._refuse("prewhiten", "fits an AR model to the whole series")

    def whiten(self, *args, **kwargs):
        """Refused (:class:`TimeAxisError`): the whitening fit needs the whole series."""
        self._refuse("whiten", "fits its transform to the whole series")

    def forecast(self, *args, **kwargs):
        """Refused (:class:`TimeAxisError`): use :func:`convts.dask.forecast_many` on a long frame."""
        self._refuse("forecast", "fits a model to the whole series")


def _call_accessor(name, args, kwargs):
    def run(part):
        return getattr(part.conv, name)(*args, **kwargs)

    run.__name__ = f"conv_{name}"
    return run


class DaskSeriesConvAccessor(_DaskConvAccessor):
    """``dseries.conv``: the pandas Series accessor per partition, exact for FIR filters."""

    def arima(self, *args, **kwargs):
        """Refused (:class:`TimeAxisError`): one series along time; fit it in memory."""
        self._refuse("arima", "fits a model to the whole series")


class DaskDataFrameConvAccessor(_DaskConvAccessor):
    """``ddf.conv``: the pandas DataFrame accessor per partition, exact for FIR filters."""

    def arima(self, order, seasonal_order=None, trend=None, method="css-mle", *, by=None, time_col=None,
              value_col=None, **kwargs):
        """A long panel (``by`` = id column): :func:`convts.dask.fit_many`; a wide frame is refused."""
        if by is None:
            self._refuse("arima", "fits a model to the whole series of each column (for a long panel pass "
                                  "by=<id column>, time_col and value_col)")
        return fit_many(self._obj, order, seasonal_order, trend, method, id_col=by, time_col=time_col,
                        value_col=value_col, **kwargs)


def _register(register, cls) -> None:
    import warnings

    with warnings.catch_warnings():  # a re-import (doctest collection) replaces our own accessor
        warnings.simplefilter("ignore", UserWarning)
        register("conv")(cls)


_register(register_series_accessor, DaskSeriesConvAccessor)
_register(register_dataframe_accessor, DaskDataFrameConvAccessor)
