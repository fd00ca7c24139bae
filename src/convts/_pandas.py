"""Shared pandas helpers: numeric checks, index/freq checks, and wrapping arrays back into pandas.

Used by the ``.conv`` accessor and the command line.  Nothing here changes the caller's objects:
helpers read ``values``/``index`` and build new pandas objects around new arrays.

Naming rule (documented on :mod:`convts.accessor`): a result whose values mean something new is
labelled ``f"{label}_{suffix}"`` (``sales`` -> ``sales_ma7``) when the label is a string; an
unnamed Series (``name=None``) stays unnamed and non-string labels (integers, tuples) are kept.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._validation import infer_offset

__all__ = [
    "series_values", "frame_values", "check_numeric_columns", "values_2d", "regular_freq", "future_index", "label",
    "wrap", "seasonal_period", "full_time_index", "regular_time_index",
]


def label(name, suffix: str | None):
    """Apply the naming rule: ``'sales'`` -> ``'sales_ma7'``; ``None`` and non-str labels are kept."""
    if suffix is None or not isinstance(name, str):
        return name
    return f"{name}_{suffix}"


def _numeric_or_raise(dtype, what: str) -> None:
    if isinstance(dtype, pd.CategoricalDtype) or not pd.api.types.is_numeric_dtype(dtype):
        raise TypeError(
            f"{what} has dtype {dtype}, which is not numeric; convert it first, "
            f"e.g. pd.to_numeric(..., errors='coerce'), or leave it out"
        )
    if pd.api.types.is_complex_dtype(dtype):
        raise TypeError(f"{what} is complex ({dtype}); convts filters real series")


def series_values(s: pd.Series) -> np.ndarray:
    """float64 values of a numeric Series (nullable NA -> NaN); a clear ``TypeError`` otherwise."""
    what = "the Series" if s.name is None else f"Series {s.name!r}"
    _numeric_or_raise(s.dtype, what)
    if s.dtype == np.float32:
        return s.to_numpy()
    return s.to_numpy(dtype=np.float64, na_value=np.nan)


def check_numeric_columns(df: pd.DataFrame) -> None:
    """Raise ``ValueError`` for a frame without columns, ``TypeError`` naming the first non-numeric column."""
    if df.shape[1] == 0:
        raise ValueError("the DataFrame has no columns")
    for col, dtype in df.dtypes.items():
        _numeric_or_raise(dtype, f"column {col!r}")


def frame_values(df: pd.DataFrame) -> np.ndarray:
    """``(T, n_columns)`` float64 array of a numeric DataFrame; the error names the first bad column."""
    check_numeric_columns(df)
    if all(dt == np.float32 for dt in df.dtypes):
        return df.to_numpy(dtype=np.float32)
    return df.to_numpy(dtype=np.float64, na_value=np.nan)


def values_2d(obj) -> np.ndarray:
    """``(T, k)`` values: a Series becomes one column."""
    if isinstance(obj, pd.Series):
        return series_values(obj)[:, None]
    return frame_values(obj)


def regular_freq(index: pd.Index, operation: str):
    """The spacing of ``index`` for an operation that needs regularly spaced observations.

    Returns the index's ``freq`` (inferred when missing but regular) for a DatetimeIndex or
    TimedeltaIndex, the ``freq`` of a PeriodIndex, and ``None`` for any other index (positions).
    Raises ``ValueError`` for duplicated, unsorted or irregular timestamps.
    """
    if isinstance(index, pd.PeriodIndex):
        if index.has_duplicates:
            raise ValueError(f"{operation} needs one observation per period, but the PeriodIndex has duplicates")
        return index.freq
    if not isinstance(index, (pd.DatetimeIndex, pd.TimedeltaIndex)):
        return None
    kind = type(index).__name__
    if index.has_duplicates:
        dup = index[index.duplicated()]
        raise ValueError(
            f"{operation} needs regularly spaced observations, but the {kind} has {dup.size} duplicated "
            f"timestamp(s) (first: {dup[0]}); aggregate them first, e.g. s.groupby(level=0).mean()"
        )
    if not index.is_monotonic_increasing:
        raise ValueError(f"{operation} needs a sorted {kind}; sort it first: s.sort_index()")
    if index.freq is not None:
        return index.freq
    freq = infer_offset(index)
    if freq is None:
        if index.size < 3:
            raise ValueError(
                f"{operation} needs a {kind} with a freq; with {index.size} timestamps none can be "
                f"inferred: set one, e.g. s.index = pd.DatetimeIndex(s.index, freq='MS')"
            )
        steps = np.diff(index.as_unit("ns").asi8)  # pandas 3 keeps the parsed unit (s, us)
        values, counts = np.unique(steps, return_counts=True)
        odd = np.flatnonzero(steps != values[counts.argmax()])
        where = int(odd[0]) if odd.size else 0
        raise ValueError(
            f"{operation} needs regularly spaced observations, but the {kind} has no freq and none "
            f"can be inferred (irregular spacing, e.g. between {index[where]} and {index[where + 1]}); "
            f"resample first, e.g. s.resample('D').mean() or s.asfreq('D')"
        )
    return pd.tseries.frequencies.to_offset(freq)


def _describe_gaps(index, full, limit: int = 3) -> str:
    missing = full.difference(index)
    shown = ", ".join(str(v.date()) if hasattr(v, "date") and getattr(v, "hour", 0) == 0 and getattr(v, "minute", 0) == 0
                      else str(v) for v in missing[:limit])
    what = "date(s)" if isinstance(full, (pd.DatetimeIndex, pd.PeriodIndex)) else "time(s)"
    return f"{missing.size} missing {what} ({shown}{', ...' if missing.size > limit else ''})"


def _full_integer_index(index: pd.Index, what: str):
    """:func:`full_time_index` of an integer index that is not a RangeIndex (see there for the rule)."""
    if index.has_duplicates:
        dup = index[index.duplicated()]
        raise ValueError(f"{what} has {dup.size} duplicated time(s) in its integer index (first: {dup[0]}); give one "
                         f"value per time, e.g. s.groupby(level=0).mean()")
    if not index.is_monotonic_increasing:
        raise ValueError(f"{what} has an unsorted integer index; sort it first: s.sort_index()")
    if index.size < 2:
        return index
    values = index.to_numpy(dtype=np.int64)
    steps = np.diff(values)
    step = int(steps.min())
    if np.all(steps == step):
        return index
    odd = np.flatnonzero(steps % step != 0)
    if odd.size:
        where = int(odd[0])
        raise ValueError(
            f"{what} has an irregular integer index: no step can be inferred, not even allowing for missing "
            f"times (the smallest step, {step}, does not divide the step between {values[where]} and "
            f"{values[where + 1]}); put it on a regular grid first, or pass the values without the index "
            f"(s.reset_index(drop=True)) to treat them as consecutive"
        )
    return pd.RangeIndex(int(values[0]), int(values[-1]) + step, step, name=index.name)


def _candidate_freqs(index: pd.DatetimeIndex) -> list:
    """Offsets inferred on short windows of consecutive timestamps, most frequent first.

    A series with gaps has no ``pd.infer_freq``; its stretches without gaps do.  Up to 64
    windows of 5 timestamps, spread over the index, each asked for its frequency; the answers
    are ranked by how many windows gave them.
    """
    n = index.size
    width = min(5, n)
    if width < 3:
        return []
    starts = np.unique(np.linspace(0, n - width, num=min(64, n - width + 1)).astype(int))
    counts: dict = {}
    for a in starts:
        freq = infer_offset(pd.DatetimeIndex(index[a: a + width]))
        if freq is not None:
            counts[freq] = counts.get(freq, 0) + 1
    return sorted(counts, key=lambda f: -counts[f])


def full_time_index(index: pd.Index, what: str = "the series"):
    """The regular time axis that ``index`` lies on, or None when ``index`` is not a time index.

    One check for every model entry point (``ARIMA``, wide and long ``fit_many``, the
    accessor's ``arima``/``forecast``):

    - duplicated or unsorted timestamps/periods raise ``ValueError``;
    - a DatetimeIndex with a ``freq``, or one ``pd.infer_freq`` recognises, is returned with its freq;
    - a DatetimeIndex with gaps (dates missing from a regular grid) returns the **full** range,
      ``pd.date_range(first, last, freq)``, when a step can be inferred -- the frequency of most
      stretches without gaps (see :func:`_candidate_freqs`; calendar steps such as month starts),
      else a fixed step shared by more than half of the consecutive differences -- and every
      observed date lies on that grid; the caller reindexes, so the missing dates become missing values (NaN), which
      the exact likelihood handles; otherwise ``ValueError`` says why and what to do;
    - a PeriodIndex returns ``pd.period_range(first, last)`` (gaps filled the same way);
    - an integer index other than a RangeIndex (time labels such as years or 0, 1, 2, ... with
      some missing) must be unique and strictly increasing; its step is the **smallest difference
      between consecutive labels, which must divide every difference** (then it is also their gcd,
      and the majority step whenever one divides all the others), and ``index`` is returned as is
      when every difference equals it, else the full ``pd.RangeIndex(first, last + step, step)``
      (the caller reindexes: the missing labels become NaN, and forecasts are labelled
      ``last + step * h``); a step that does not divide every difference raises ``ValueError``.
      Long-format ``fit_many`` pivots the ids onto the union of their times first, so the step is
      inferred over all ids (each id is fitted from its first to its last observation);
    - a RangeIndex (positions) returns None and is kept as it is;
    - a float index raises ``ValueError`` (no exact step to fill gaps with); any other index
      (strings, objects) returns None: the values are taken as consecutive.
    """
    if isinstance(index, pd.RangeIndex):
        return None
    if pd.api.types.is_float_dtype(index.dtype):
        raise ValueError(
            f"{what} has a float index, which is not a time axis convts can check for gaps; use an integer, "
            f"DatetimeIndex or PeriodIndex, or pass the values without the index (s.reset_index(drop=True))"
        )
    if pd.api.types.is_integer_dtype(index.dtype) and not isinstance(index, pd.MultiIndex):
        return _full_integer_index(index, what)
    if isinstance(index, pd.PeriodIndex):
        if index.has_duplicates:
            raise ValueError(f"{what} has a PeriodIndex with duplicated periods (first: {index[index.duplicated()][0]}); "
                             f"give one value per period, e.g. s.groupby(level=0).mean()")
        if not index.is_monotonic_increasing:
            raise ValueError(f"{what} has an unsorted PeriodIndex; sort it first: s.sort_index()")
        if index.size == 0:
            return index
        return pd.period_range(index[0], index[-1], freq=index.freq, name=index.name)
    if not isinstance(index, pd.DatetimeIndex):
        return None
    if index.has_duplicates:
        dup = index[index.duplicated()]
        raise ValueError(
            f"{what} has {dup.size} duplicated timestamp(s) in its DatetimeIndex (first: {dup[0]}); give one "
            f"value per time, e.g. s.groupby(level=0).mean()"
        )
    if not index.is_monotonic_increasing:
        raise ValueError(f"{what} has an unsorted DatetimeIndex; sort it first: s.sort_index()")
    if index.freq is not None:
        return index
    freq = infer_offset(index)
    if freq is not None:
        return pd.DatetimeIndex(index, freq=freq)
    for freq in _candidate_freqs(index):
        try:
            full = pd.date_range(index[0], index[-1], freq=freq, name=index.name)
        except (ValueError, TypeError):  # pragma: no cover - exotic offsets
            continue
        if full.size and full[0] == index[0] and index.isin(full).all():
            return full
    steps = np.diff(index.as_unit("ns").asi8)  # pandas 3 keeps the parsed unit (s, us)
    values, counts = np.unique(steps, return_counts=True) if steps.size else (np.zeros(1), np.zeros(1))
    modal = values[counts.argmax()]
    if steps.size and counts.max() * 2 > steps.size and modal > 0:  # a majority step of fixed length
        full = pd.date_range(index[0], index[-1], freq=pd.Timedelta(int(modal), "ns"), name=index.name)
        if index.isin(full).all():
            return full
    odd = np.flatnonzero(steps != modal) if steps.size else np.zeros(0, dtype=int)
    where = int(odd[0]) if odd.size else 0
    raise ValueError(
        f"{what} has an irregular DatetimeIndex: no frequency can be inferred, not even allowing for missing "
        f"dates (its timestamps are not on one regular grid, e.g. between {index[where]} and "
        f"{index[min(where + 1, index.size - 1)]}); put it on a regular grid first, e.g. "
        f"s.resample('MS').mean() for monthly data or s.resample('D').mean() for daily data"
    )


def regular_time_index(obj, what: str = "the series"):
    """``obj`` (Series/DataFrame) reindexed onto :func:`full_time_index` of its index (a new object).

    Returns ``(obj, gaps)``: ``gaps`` describes the inserted dates (empty string when none);
    the caller's object is never modified.
    """
    index = obj.index
    full = full_time_index(index, what)
    if full is None:
        return obj, ""
    if full.size == index.size:
        if full is index or (isinstance(index, pd.DatetimeIndex) and index.freq is not None):
            return obj, ""
        out = obj.copy(deep=False)
        out.index = full
        return out, ""
    return obj.reindex(full), _describe_gaps(index, full)


def with_freq(obj, freq):
    """A shallow copy of ``obj`` whose Datetime/Timedelta index carries ``freq`` (the caller is untouched)."""
    if freq is None or isinstance(obj.index, pd.PeriodIndex) or obj.index.freq is not None:
        return obj
    out = obj.copy(deep=False)
    out.index = type(obj.index)(obj.index, freq=freq)
    return out


def future_index(index: pd.Index, steps: int, freq=None) -> pd.Index:
    """The ``steps`` labels that follow ``index`` (dates for a regular time index, else positions)."""
    if isinstance(index, pd.PeriodIndex):
        return pd.period_range(index[-1] + 1, periods=steps, freq=index.freq, name=index.name)
    if isinstance(index, pd.DatetimeIndex):
        freq = freq if freq is not None else regular_freq(index, "forecasting")
        return pd.date_range(index[-1], periods=steps + 1, freq=freq, name=index.name)[1:]
    if isinstance(index, pd.TimedeltaIndex):
        freq = freq if freq is not None else regular_freq(index, "forecasting")
        return pd.timedelta_range(index[-1], periods=steps + 1, freq=freq, name=index.name)[1:]
    if isinstance(index, pd.RangeIndex):
        step = index.step
        start = index.stop if len(index) else 0
        return pd.RangeIndex(start, start + steps * step, step, name=index.name)
    if pd.api.types.is_integer_dtype(index.dtype) and len(index) >= 2:
        steps_ = np.diff(index.to_numpy())
        if np.all(steps_ == steps_[0]) and steps_[0] > 0:
            return pd.Index(index[-1] + steps_[0] * np.arange(1, steps + 1), name=index.name)
    return pd.RangeIndex(len(index), len(index) + steps)


_SEASONAL = {"M": 12, "MS": 12, "ME": 12, "BM": 12, "BMS": 12, "BME": 12, "SM": 24, "SMS": 24,
             "Q": 4, "QS": 4, "QE": 4, "BQ": 4, "BQS": 4, "BQE": 4, "W": 52, "D": 7, "B": 5,
             "h": 24, "H": 24, "min": 60, "T": 60}


def seasonal_period(index: pd.Index, operation: str) -> int:
    """The usual seasonal period of a regular time index: 12 for monthly, 4 quarterly, 7 daily, ..."""
    freq = regular_freq(index, operation)
    if freq is None:
        raise ValueError(f"{operation}: give period= (the index has no freq to infer a seasonal period from)")
    base = freq.rule_code.split("-")[0] if hasattr(freq, "rule_code") else str(freq)
    if getattr(freq, "n", 1) == 1 and base in _SEASONAL:
        return _SEASONAL[base]
    raise ValueError(
        f"{operation}: no default seasonal period for freq {freq.freqstr!r}; give period= explicitly"
    )


def wrap(values: np.ndarray, like, suffix: str | None, columns=None, index=None):
    """New Series/DataFrame holding ``values`` on ``like``'s index (same object: freq and tz kept).

    ``index`` replaces it (e.g. a trailing part when leading rows were dropped); ``columns``
    replaces the relabelled columns of a DataFrame.
    """
    index = like.index if index is None else index
    if isinstance(like, pd.Series):
        values = values.reshape(-1) if values.ndim == 2 else values
        return pd.Series(values, index=index, name=label(like.name, suffix))
    if columns is None:
        columns = like.columns if isinstance(like.columns, pd.MultiIndex) else \
            pd.Index([label(c, suffix) for c in like.columns], name=like.columns.name)
    return pd.DataFrame(values, index=index, columns=columns)
