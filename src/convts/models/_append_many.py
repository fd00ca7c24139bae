"""``FitManyResult.append``: new observations for many fitted series, the parameters kept.

Each series' :class:`ARIMAResults` goes on with :meth:`ARIMAResults.append` (the Kalman state
carried over the new values only).  ``fit_many`` does not keep the filter states of its compiled
fits, so the first append of a series rebuilds its results once (one filter pass over its
history, as :meth:`FitManyResult.result`); the returned object caches the appended results, so
later appends cost the new data only.
"""

from __future__ import annotations

import numpy as np

__all__ = ["append_many"]


def _new_series(fm, data, id_col, time_col, value_col):
    """``{id: new values}`` (pandas Series on the time axis when the fit had one, else arrays)."""
    import pandas as pd

    ids = fm.table.index
    if isinstance(data, pd.DataFrame) and any(c is not None for c in (id_col, time_col, value_col)):
        if id_col is None or value_col is None or (fm._batch.has_time and time_col is None):
            raise ValueError("a long DataFrame needs id_col and value_col, and time_col when the fit had a time axis")
        for c in (id_col, time_col, value_col):
            if c is not None and c not in data.columns:
                raise ValueError(f"column {c!r} is not in the DataFrame; its columns are {list(data.columns)}")
        out = {}
        for uid, g in data.groupby(id_col, sort=False):
            if time_col is not None:
                g = g.sort_values(time_col)
                out[uid] = pd.Series(g[value_col].to_numpy(dtype=np.float64), index=pd.Index(g[time_col].to_numpy()))
            else:
                out[uid] = g[value_col].to_numpy(dtype=np.float64)
        return out
    if isinstance(data, pd.DataFrame):  # wide: one column per id, the new periods as rows
        return {c: (data[c] if fm._batch.has_time else data[c].to_numpy(dtype=np.float64)) for c in data.columns}
    arr = np.asarray(data, dtype=np.float64)
    if arr.ndim != 2 or arr.shape[0] != len(ids):
        raise ValueError(f"data of shape {arr.shape}: give (n_series, k) = ({len(ids)}, k) new values, one row per "
                         f"fitted series in the order of .table, or a long / wide DataFrame")
    return {uid: arr[i] for i, uid in enumerate(ids)}


def append_many(fm, data, id_col=None, time_col=None, value_col=None):
    """See :meth:`convts.FitManyResult.append`."""
    import pandas as pd

    new = _new_series(fm, data, id_col, time_col, value_col)
    unknown = [u for u in new if u not in fm.table.index]
    if unknown:
        raise KeyError(f"new data for ids that were not fitted: {unknown[:5]}")
    table = fm.table.copy()
    results = dict(fm._results)
    batch = fm._batch
    # the laid-out data: one column per series on the (extended) time axis
    wide = pd.DataFrame(batch.Y.T, columns=pd.RangeIndex(len(fm.table)),
                        index=batch.time_index if batch.time_index is not None else None)
    errors = {}
    for uid, values in new.items():
        pos = fm._position(uid)
        if not np.all(np.isfinite(table[fm.param_names].iloc[pos].to_numpy(dtype=np.float64))):
            continue  # never fitted: nothing to carry on (its status says why)
        try:
            res = fm.result(uid).append(values)
        except ValueError as exc:  # one series never fails the batch: its status says why
            errors[uid] = str(exc).splitlines()[0]
            table.loc[table.index[pos], "status"] = f"append failed: {errors[uid]}"
            continue
        results[pos] = res
        k = np.asarray(values).size
        labels = res.model._index[-k:] if batch.has_time else None
        stop = int(batch.stop[pos])
        if labels is None:
            need = stop + k - wide.shape[0]
            if need > 0:
                wide = pd.concat([wide, pd.DataFrame(np.nan, index=pd.RangeIndex(wide.shape[0], wide.shape[0] + need),
                                                     columns=wide.columns)])
            wide.iloc[stop: stop + k, pos] = np.asarray(values, dtype=np.float64)
        else:
            extra = labels.difference(wide.index)
            if len(extra):
                wide = wide.reindex(wide.index.append(extra).sort_values())
            wide.loc[labels, pos] = np.asarray(values, dtype=np.float64)
        row = table.index[pos]
        table.loc[row, "llf"] = res.llf
        table.loc[row, "aic"] = res.aic
        if "bic" in table.columns:
            table.loc[row, "bic"] = res.bic
        table.loc[row, "nobs"] = res.nobs
    if errors:
        import warnings

        first = next(iter(errors.items()))
        warnings.warn(f"{len(errors)} series kept their old data (status 'append failed: ...'); first: "
                      f"{first[0]!r}: {first[1]}", UserWarning, stacklevel=3)
    Y = np.ascontiguousarray(wide.to_numpy(dtype=np.float64).T)
    index = wide.index if batch.time_index is not None else None
    if isinstance(index, pd.DatetimeIndex) and batch.time_index.freq is not None:
        index = pd.DatetimeIndex(index, freq=batch.time_index.freq)
    new_batch = type(batch)(Y, batch.ids, index, batch.has_time)
    return type(fm)(table, new_batch, fm._spec, results, fm.param_names)
