"""Exogenous regressors of many series for ``auto_arima_many``: their layout, and their future values.

The conventions (statsforecast's for long frames):

- a long DataFrame carries the regressors as its columns other than ``id_col``, ``time_col`` and
  ``value_col``; the future values come as a long frame with the id (and time) column and the
  same regressor columns;
- with a 2-D array or a wide DataFrame, ``exog`` is a 3-D array ``(n_series, T, k)`` laid out as
  the data (series in the data's order, the same time axis); the future values an array
  ``(n_series, steps, k)`` or a long frame with an ``id`` column.

Per series the regressors are taken over the series' own span (leading and trailing NaN of the
series trimmed), which must be complete: regression with ARIMA errors needs ``x_t`` at every
time of the span, a missing observation of ``y`` included.
"""

from __future__ import annotations

import numpy as np


def long_exog_columns(data, id_col, time_col, value_col) -> list:
    """The regressor columns of a long frame: every column besides the id, time and value ones (numeric)."""
    roles = {c for c in (id_col, time_col, value_col) if c is not None}
    names = [c for c in data.columns if c not in roles]
    bad = [c for c in names if data[c].dtype.kind not in "biuf"]
    if bad:
        raise TypeError(
            f"column(s) {bad[:5]} of the long DataFrame are not numeric: its columns besides id_col, time_col and "
            f"value_col are exogenous regressors (statsforecast's convention); drop the others "
            f"(data[[{id_col!r}, {time_col!r}, {value_col!r}, <regressors>]])")
    return names


def layout(data, exog, batch, id_col, time_col, value_col):
    """The regressors on the batch's grid: ``(E, names)``, ``E`` float64 ``(n_series, T, k)``, or ``(None, None)``."""
    import pandas as pd

    from .._validation import as_float_array

    n, T = batch.Y.shape
    if isinstance(data, pd.DataFrame) and any(c is not None for c in (id_col, time_col, value_col)):
        if exog is not None:
            raise ValueError("exog=...: a long DataFrame carries its regressors as its columns besides id_col, "
                             "time_col and value_col (statsforecast's convention); add them there and pass exog=None")
        names = long_exog_columns(data, id_col, time_col, value_col)
        if not names:
            return None, None
        ids = data[id_col].to_numpy()
        times = (pd.Series(ids).groupby(ids, sort=False).cumcount().to_numpy() if time_col is None
                 else data[time_col].to_numpy())
        # the series' layout of batch._prepare: one row per time, one column per id (pairs are unique there)
        values = {c: as_float_array(data[c], f"data[{c!r}]", ndim=(1,)) for c in names}
        frame = pd.DataFrame(values, index=pd.MultiIndex.from_arrays([times, ids])).unstack()
        E = np.stack([frame[c].reindex(index=batch.time_index, columns=batch.ids).to_numpy(dtype=np.float64).T
                      for c in names], axis=-1)
        return E, [str(c) for c in names]
    if exog is None:
        return None, None
    if isinstance(exog, (pd.DataFrame, pd.Series)):
        raise TypeError("exog is a pandas object: with a 2-D array or a wide DataFrame of series, give exog as a "
                        "3-D array (n_series, T, k); with a long DataFrame, put the regressors in its columns")
    E = np.array(as_float_array(exog, "exog", ndim=(2, 3)), dtype=np.float64)
    if E.ndim == 2:
        raise ValueError(f"exog has shape {E.shape}: give a 3-D array (n_series, T, k) = ({n}, {T}, k); one "
                         f"regressor set shared by every series: np.broadcast_to(X[None], ({n}, {T}, k))")
    if E.shape[:2] != (n, T):
        gaps = " (data's time index had gaps, filled with missing values)" if (
            isinstance(data, pd.DataFrame) and len(data.index) != T) else ""
        raise ValueError(f"exog has shape {E.shape}; the data hold {n} series of {T} times{gaps}: give exog the "
                         f"shape ({n}, {T}, k), series and times laid out as the data")
    if E.shape[2] == 0:
        return None, None
    return E, [f"x{j + 1}" for j in range(E.shape[2])]


def series_exog(E, names, batch, i, endog):
    """Series ``i``'s regressors over its span: ``(X, frame)`` (float array; DataFrame on ``endog``'s index),
    or ValueError when they are incomplete there."""
    import pandas as pd

    a, b = int(batch.first[i]), int(batch.stop[i])
    X = np.ascontiguousarray(E[i, a:b, :])
    bad = ~np.all(np.isfinite(X), axis=1)
    if bad.any():
        raise ValueError(
            f"exog is missing (NaN/inf) at {int(bad.sum())} time(s) of the series' span (first: position "
            f"{int(np.flatnonzero(bad)[0])}); regressors must be complete over the span, a missing observation "
            f"of the series included (in a long frame: a row with the regressors and value NaN)")
    index = endog.index if isinstance(endog, pd.Series) else pd.RangeIndex(b - a)
    return X, pd.DataFrame(X, index=index, columns=names)


def future_exog(result, steps, exog):
    """Each series' future regressors for ``result.forecast`` (a list; None for series without a model).

    ``exog``: an array ``(n_series, steps, k)`` in the table's order, or a long DataFrame with the
    id column (``id_col`` of the fit, else ``id``), the regressor columns and optionally the time
    column (``time_col`` of the fit, else ``time``): per series its rows in time order (after the
    series' last observation when the data had a time axis), the first ``steps`` of them.
    """
    import pandas as pd

    from .._validation import as_float_array

    info = result._exog
    names = info["names"]
    n = len(result.table)
    need = [pos for pos in range(n) if result._states[pos] is not None and result.table["status"].iloc[pos] == "ok"]
    cols = [info["id_col"]] + ([info["time_col"]] if result._batch.has_time else []) + list(names)
    hint = (f"a long DataFrame with columns {cols}, {steps} rows per series, or an array of shape "
            f"({n}, {steps}, {len(names)})")
    if exog is None:
        raise ValueError(f"exog is missing: the models were fitted with exogenous regressors {names}; forecasting "
                         f"needs their future values: pass exog=<{hint}>")
    out = [None] * n
    if not isinstance(exog, pd.DataFrame):
        if isinstance(exog, pd.Series):
            raise TypeError(f"exog is a pandas Series; pass {hint}")
        F = np.array(as_float_array(exog, "exog", ndim=(1, 2, 3)), dtype=np.float64)
        if F.shape != (n, steps, len(names)):
            raise ValueError(f"exog has shape {F.shape}; forecasting {steps} step(s) of {n} series with regressors "
                             f"{names} needs ({n}, {steps}, {len(names)}) (or a long DataFrame)")
        for pos in need:
            out[pos] = pd.DataFrame(F[pos], columns=names)
        return out
    id_key, time_key = info["id_col"], info["time_col"]
    missing = [c for c in [id_key, *names] if c not in exog.columns]
    if missing:
        raise ValueError(f"exog has no column(s) {missing}; its columns are {list(exog.columns)}; pass {hint}")
    use_time = time_key in exog.columns
    groups = dict(list(exog.groupby(id_key, sort=False)))
    batch = result._batch
    for pos in need:
        id_ = result.table.index[pos]
        rows = groups.get(id_)
        if rows is not None and use_time:
            rows = rows.sort_values(time_key, kind="stable")
            if batch.has_time:
                rows = rows[rows[time_key] > batch.time_index[int(batch.stop[pos]) - 1]]
        if rows is None or len(rows) < steps:
            got = 0 if rows is None else len(rows)
            raise ValueError(f"exog has {got} future row(s) for series {id_!r}; forecasting {steps} step(s) needs "
                             f"{steps} (a row per future time{' after its last observation' if use_time else ''})")
        rows = rows.iloc[:steps]
        X = np.array(as_float_array(rows[names], "exog", ndim=(2,)), dtype=np.float64)
        index = pd.Index(rows[time_key]) if (use_time and batch.has_time) else pd.RangeIndex(steps)
        out[pos] = pd.DataFrame(X, index=index, columns=names)
    return out
