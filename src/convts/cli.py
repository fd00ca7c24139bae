"""The ``convts`` command line: forecast a series, filter a CSV, list the bundled datasets, warm up.

::

    convts forecast                       # airline model on the bundled airline passengers
    convts forecast nile                  # another bundled dataset, by name
    convts forecast sales.csv --column units --order 1 1 1 --seasonal 0 1 1 12 --steps 12
    convts filter sales.csv --ma 7 --out smoothed.csv
    convts datasets
    convts warmup                         # compile the numba code once (images, CI)
    convts --version

Reading CSVs: the date column is the one named with ``--date`` or else the first column whose
text values all parse as dates (none: rows are numbered 0, 1, ...).  Numeric dates such as
``01/02/2015`` are read month-first unless ``--dayfirst`` is given.  A missing column,
non-numeric values, unparseable dates or a calendar with gaps (for ``forecast``) end the
command with exit code 2 and one line on stderr naming the file, the row (counted from 1 at the
first line after the header) and the column, and the fix that works.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import warnings

__all__ = ["main", "read_csv", "build_parser"]

EXIT_USAGE = 2

# `convts forecast` with no CSV: the classic airline model on log passengers (Box & Jenkins).
_AIRLINE_DEFAULTS = dict(order=(0, 1, 1), seasonal=(0, 1, 1, 12), log=True, steps=24)
# A CSV or another dataset without --order/--seasonal: the airline model (0,1,1)(0,1,1)s when the
# frequency has a seasonal period s and the series is long enough, else ARIMA(0,1,1).  After one
# regular and one seasonal difference n - s - 1 observations remain; asking for
# n >= 2 s + _SEASONAL_MARGIN leaves at least s + 7 of them (a full season and a week's worth more)
# for the two MA coefficients and sigma2.
_DEFAULT_ORDER = (0, 1, 1)
_SEASONAL_MARGIN = 8

_FREQ_WORDS = {"MS": "monthly", "ME": "monthly", "M": "monthly", "BMS": "monthly", "BME": "monthly",
               "QS": "quarterly", "QE": "quarterly", "Q": "quarterly", "BQS": "quarterly", "BQE": "quarterly",
               "YS": "yearly", "YE": "yearly", "Y": "yearly", "AS": "yearly", "A": "yearly",
               "W": "weekly", "D": "daily", "B": "business-day", "h": "hourly", "H": "hourly",
               "min": "minute", "T": "minute", "s": "second", "S": "second", "SMS": "semi-monthly",
               "SM": "semi-monthly"}


class CLIError(Exception):
    """A user error with a one-line message (exit code 2)."""


def _note(message: str) -> None:
    """One line on stderr that does not stop the command."""
    print(f"convts: note: {message}", file=sys.stderr)


def _num(x) -> str:
    """A number as a person writes it: ``4.2``, ``112``, ``inf`` (never ``np.float64(4.2)``)."""
    x = float(x)
    return str(int(x)) if x.is_integer() and abs(x) < 1e16 else repr(x)


def _freq_words(freq) -> str:
    """``'monthly (MS)'``, ``'weekly (W-SUN)'``, or just the freqstr when no word fits."""
    base = freq.rule_code.split("-")[0]
    word = _FREQ_WORDS.get(base)
    return f"{word} ({freq.freqstr})" if word and freq.n == 1 else f"freq {freq.freqstr}"


def _at(source: str, pos: int | None, column, index=None) -> str:
    """``'sales.csv, row 17 (2011-05-01), column 'units''``: where a problem is, for messages."""
    import pandas as pd

    parts = [source]
    if pos is not None:
        row = f"row {pos + 1}"
        if index is not None and isinstance(index, pd.DatetimeIndex) and not pd.isna(index[pos]):
            label = index[pos]
            row += f" ({label.date() if label == label.normalize() else label})"
        parts.append(row)
    if column is not None:
        parts.append(f"column {column!r}")
    return ", ".join(parts)


# ---------------------------------------------------------------------------------------------
# reading
# ---------------------------------------------------------------------------------------------
# A numeric date whose day and month can swap: 13/01/2015, 01.02.15, 1-2-2015 (time may follow).
_NUMERIC_DATE = r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](?:\d{4}|\d{2})(?!\d)"


def _parse_dates(text, dayfirst: bool):
    """Parse a date column; dates with different UTC offsets (a daylight-saving change in a file
    pandas wrote from tz-aware data) are read as UTC, where hourly data stay regular."""
    import warnings

    import pandas as pd

    with warnings.catch_warnings():
        # pandas 2 warns (FutureWarning) and returns objects where pandas 3 raises: treat both alike
        warnings.simplefilter("error", FutureWarning)
        try:
            parsed = pd.to_datetime(text, errors="coerce", format="mixed", dayfirst=dayfirst)
        except (ValueError, TypeError, FutureWarning):  # mixed UTC offsets
            parsed = pd.to_datetime(text, errors="coerce", format="mixed", dayfirst=dayfirst, utc=True)
    bad = parsed.isna() & text.notna() & (text != "")
    return parsed, bad


def _day_month_fields(text):
    """The first and second numbers of the dates written like ``13/01/2015``, on those rows only."""
    fields = text.str.extract(_NUMERIC_DATE).dropna()
    return fields[0].astype(int), fields[1].astype(int)


def _check_day_month(text, dayfirst: bool, where) -> None:
    """Refuse numeric dates that cannot be read in the chosen order, instead of pandas' silent mix.

    ``format='mixed'`` parses each value on its own: month-first, but ``13/01/2015`` (no 13th month)
    silently day-first, so a day-first file came out shuffled ("not in increasing order").
    """
    first, second = _day_month_fields(text)
    month, day = (second, first) if dayfirst else (first, second)
    wrong = (month > 12) & (day <= 12)
    if not wrong.any():
        return
    label = wrong.idxmax()
    pos, value = text.index.get_loc(label), text.loc[label]
    fine = (day > 12) & (month <= 12)  # rows that can only be read the chosen way
    if fine.any():
        other = fine.idxmax()
        raise ValueError(
            f"{where(pos)}: {value!r} and {text.loc[other]!r} (row {text.index.get_loc(other) + 1}) put the day "
            f"first and the month first: write every date one way, ISO dates (YYYY-MM-DD) being the safest"
        )
    if dayfirst:
        raise ValueError(f"{where(pos)}: {value!r} is not day-first ({int(month.loc[label])} cannot be a month); "
                         f"drop --dayfirst, or write ISO dates (YYYY-MM-DD)")
    raise ValueError(f"{where(pos)}: {value!r} is a day-first date ({int(month.loc[label])} cannot be a month); "
                     f"rerun with --dayfirst, or write ISO dates (YYYY-MM-DD)")


def _reads_the_other_way(text, dayfirst: bool):
    """Dates parsed with day and month swapped, when they all parse, increase and differ from ours."""
    import pandas as pd

    first, second = _day_month_fields(text)
    if first.size == 0 or (first == second).all():
        return None
    swapped, bad = _parse_dates(text, not dayfirst)
    if bad.any() or swapped.isna().any() or not swapped.is_monotonic_increasing or swapped.duplicated().any():
        return None
    return pd.DatetimeIndex(swapped)


def read_csv(path: str, *, date: str | None = None, dayfirst: bool = False):
    """Read a CSV into a DataFrame indexed by its dates (a regular freq is set when one fits).

    Parameters
    ----------
    path : str
        File name, or ``"-"`` for standard input.
    date : str, optional
        Name of the date column.  Default: the first column whose text values all parse as
        dates; without one the rows keep positions ``0, 1, ...``.
    dayfirst : bool, default False
        Read numeric dates such as ``01/02/2015`` day-first (1 February).  ISO dates
        (``2015-02-01``) read the same either way.

    Raises
    ------
    FileNotFoundError, ValueError
        A missing file, a missing ``date`` column, unparseable, missing, duplicated or
        unsorted dates, or numeric dates that cannot be read in the chosen day/month order.
        Messages name the file, the row (1 = the first line after the header) and the column.

    Notes
    -----
    When numeric dates read as increasing dates both month-first and day-first (and differ),
    they are read month-first and one ``convts: note:`` line on stderr says so.
    """
    import pandas as pd

    from ._validation import infer_offset

    source = sys.stdin if path == "-" else path
    try:
        frame = pd.read_csv(source, skipinitialspace=True)
    except pd.errors.EmptyDataError:
        raise ValueError(f"{path}: the file is empty") from None
    if frame.shape[0] == 0:
        raise ValueError(f"{path}: no data rows (only a header)")
    if date is not None:
        if date not in frame.columns:
            raise ValueError(f"{path}: --date {date!r} is not a column; the columns are {list(frame.columns)}")
        candidates = [date]
    else:
        candidates = [c for c in frame.columns if frame[c].dtype == object or pd.api.types.is_string_dtype(frame[c])]
    date_col = None
    for col in candidates:
        text = frame[col].astype("string").str.strip()
        parsed, bad = _parse_dates(text, dayfirst)
        first = frame[col].first_valid_index()
        if date is None and (first is None or bad.loc[first] or parsed.isna().all()):
            continue  # a text column whose first value is not a date: not the date column
        if bad.any():
            pos = int(bad.to_numpy().argmax())
            raise ValueError(f"{_at(path, pos, col)}: {text.iloc[pos]!r} is not a date; fix it, or name the date "
                             f"column with --date")
        date_col = col
        break
    if date_col is None:
        return frame

    def where(pos):
        return _at(path, pos, date_col)

    if parsed.isna().any():
        raise ValueError(f"{where(int(parsed.isna().to_numpy().argmax()))}: the date is empty; every row needs one")
    _check_day_month(text, dayfirst, where)
    index = pd.DatetimeIndex(parsed, name=date_col)
    if index.has_duplicates:
        pos = int(index.duplicated().argmax())
        prior = int((index[:pos] == index[pos]).argmax())
        raise ValueError(f"{where(pos)}: {_day(index[pos])} repeats row {prior + 1}; one row per date is needed "
                         f"(aggregate the duplicates)")
    swapped = _reads_the_other_way(text, dayfirst)
    ours, theirs = ("day", "month") if dayfirst else ("month", "day")
    fix = "drop --dayfirst" if dayfirst else "rerun with --dayfirst"
    if not index.is_monotonic_increasing:
        pos = int((index[1:] < index[:-1]).argmax()) + 1
        if swapped is not None:
            raise ValueError(f"{where(pos)}: the dates are not in increasing order read {ours}-first "
                             f"({text.iloc[pos]!r} as {_day(index[pos])}), but they are read {theirs}-first; {fix}, "
                             f"or write ISO dates (YYYY-MM-DD)")
        raise ValueError(f"{where(pos)}: the dates are not in increasing order ({_day(index[pos])} comes after "
                         f"{_day(index[pos - 1])}); sort the file by date")
    freq = infer_offset(index)
    if swapped is not None:
        first, second = _day_month_fields(text)
        label = (first != second).idxmax()
        example = f"{text.loc[label]!r} ({_day(index[text.index.get_loc(label)])})"
        if freq is None and infer_offset(swapped) is not None:
            raise ValueError(f"{where(0)}: the dates read {ours}-first, like {example}, are irregular, but read "
                             f"{theirs}-first they are {_freq_words(infer_offset(swapped))}; {fix}, or write ISO "
                             f"dates (YYYY-MM-DD)")
        if not dayfirst:
            _note(f"{path}: dates like {example} are read month-first; if they are day-first, rerun with --dayfirst")
    if freq is not None:
        index = pd.DatetimeIndex(index, freq=freq)
    out = frame.drop(columns=[date_col])
    out.index = index
    return out


def _day(stamp) -> str:
    """``2015-01-13`` for a midnight timestamp, else the full timestamp."""
    return str(stamp.date()) if stamp == stamp.normalize() else str(stamp)


def _numeric(frame, column: str, path: str):
    import pandas as pd

    values = frame[column]
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        return values.astype(float)
    text = values.astype("string").str.strip()
    num = pd.to_numeric(text.replace("", None), errors="coerce")
    bad = num.isna() & values.notna() & (text != "")
    if bad.any():
        pos = int(bad.to_numpy().argmax())
        raise ValueError(f"{_at(path, pos, column, frame.index)}: {text.iloc[pos]!r} is not a number; fix it, "
                         f"or leave the cell empty for a missing value")
    return num.astype(float)


def _select(frame, column: str | None, path: str, *, several: bool):
    """Numeric value column(s): the named one, or every column (``several``) / the only one."""
    import pandas as pd

    if column is not None:
        if column not in frame.columns:
            raise ValueError(f"{path}: no column {column!r}; the columns are {list(frame.columns)}")
        return _numeric(frame, column, path)
    if frame.shape[1] == 0:
        raise ValueError(f"{path}: no value column besides the dates")
    if frame.shape[1] > 1 and not several:
        raise ValueError(f"{path}: several value columns {list(frame.columns)}; choose one with --column")
    cols = {c: _numeric(frame, c, path) for c in frame.columns}
    if several:
        return pd.DataFrame(cols, index=frame.index)
    return next(iter(cols.values()))


def _resolve_dataset(name: str) -> str | None:
    """The bundled dataset called ``name`` (case-insensitive, aliases accepted), or None."""
    from . import datasets

    try:
        return datasets._resolve(name)
    except (ValueError, TypeError):
        return None


def _load(args, *, several: bool):
    """(data, source, dataset key or None): a CSV (or stdin), or a bundled dataset named instead of a file."""
    from . import datasets

    name = args.csv
    if name is None:
        name = "airline"
    elif name == "-" or os.path.exists(name):
        frame = read_csv(name, date=args.date, dayfirst=args.dayfirst)
        return _select(frame, args.column, name, several=several), name, None
    key = _resolve_dataset(name)
    if key is None:
        raise CLIError(f"{name}: no such file, and no bundled dataset of that name; "
                       f"the datasets are {', '.join(datasets.names())}")
    series = datasets.load(key)
    if args.column not in (None, series.name):
        raise ValueError(f"the bundled {key} data has one column, {series.name!r}, not {args.column!r}")
    if args.date is not None:
        raise ValueError(f"--date is for CSV files; the bundled {key} data has its dates")
    source = f"bundled dataset {key!r}" + (" (Box & Jenkins series G)" if key == "airline" else "")
    return (series.to_frame() if several else series), source, key


# ---------------------------------------------------------------------------------------------
# calendar: the frequency of most steps, and the dates missing from it
# ---------------------------------------------------------------------------------------------
def _majority_freq(index):
    """The frequency of most runs of three consecutive dates (up to 200 runs sampled), or None.

    Steps measured in nanoseconds cannot tell a missing month (59-62 days) from months of 28-31
    days; pandas' own inference on each run of three dates can.  When no run is regular (a few
    dates), the most common step, if it occurs twice, is the frequency.
    """
    from collections import Counter

    import numpy as np
    import pandas as pd

    from ._validation import infer_offset

    n = len(index)
    if n < 3:
        return None
    counts = Counter()
    for i in np.unique(np.linspace(0, n - 3, num=min(n - 2, 200)).astype(int)):
        offset = infer_offset(pd.DatetimeIndex(index[i:i + 3]))
        if offset is not None:
            counts[offset.freqstr] += 1
    if counts:
        best = pd.tseries.frequencies.to_offset(counts.most_common(1)[0][0])
    else:  # a short series where no three dates in a row are regular: the most common fixed step
        steps, times = np.unique(np.diff(index.as_unit("ns").asi8), return_counts=True)
        if times.max() < 2:
            return None
        step = int(steps[times.argmax()])
        day = 86_400 * 10**9
        # whole days as a day offset ('D'), not pandas 3's '24h' tick
        best = pd.tseries.frequencies.to_offset(f"{step // day}D" if step % day == 0 else pd.Timedelta(step))
    if best.freqstr == "D" and (index.day_of_week < 5).all() and index[-1] - index[0] >= pd.Timedelta(days=7):
        best = pd.tseries.frequencies.to_offset("B")  # business days with holidays, not days without weekends
    return best


def _regular_calendar(series, source: str, *, insert_missing: bool):
    """``series`` on a regular DatetimeIndex with a freq, or a one-line error that says where the gap is.

    A date missing from the frequency of most steps becomes a missing value with ``insert_missing``
    (ARIMA's exact likelihood handles it); dates off that calendar cannot be fixed by inserting.
    """
    import pandas as pd

    index = series.index
    if not isinstance(index, pd.DatetimeIndex) or index.freq is not None or len(index) < 3:
        return series
    column = series.name
    freq = _majority_freq(index)
    if freq is None:
        raise ValueError(
            f"{_at(source, None, index.name)}: the dates have no regular spacing (rows 1-3: "
            f"{', '.join(_day(d) for d in index[:3])}); forecast needs one value per period: aggregate to one row "
            f"per day, week or month (pandas: s.resample('MS').mean())"
        )
    grid = pd.date_range(index[0], index[-1], freq=freq, name=index.name)
    off = index.difference(grid)
    words = _freq_words(freq)
    if len(off):
        pos = index.get_loc(off[0])
        before = f" (the row before is {_day(index[pos - 1])})" if pos else ""
        raise ValueError(
            f"{_at(source, pos, index.name)}: {_day(off[0])} is off the {words} calendar of the other "
            f"rows{before}; one row per period is needed: remove it, or aggregate "
            f"(pandas: s.resample({freq.freqstr!r}).mean())"
        )
    missing = grid.difference(index)
    if not len(missing):  # regular after all (pandas' inference on the whole index gave up)
        return series.set_axis(grid)
    if insert_missing:
        _note(f"{source}: inserted {len(missing)} date(s) missing from the {words} calendar as missing values "
              f"(first {_day(missing[0])})")
        return series.reindex(grid).rename(column)
    gaps = (grid.get_indexer(missing)[1:] != grid.get_indexer(missing)[:-1] + 1).sum() + 1
    first_run = [missing[0]]
    for d in missing[1:]:
        if d != first_run[-1] + freq:
            break
        first_run.append(d)
    before, after = first_run[0] - freq, first_run[-1] + freq
    row = index.get_loc(before) + 1
    what = (f"{_day(first_run[0])} is missing" if len(first_run) == 1
            else f"{len(first_run)} dates, {_day(first_run[0])} to {_day(first_run[-1])}, are missing")
    more = f" ({gaps - 1} more gap(s), {len(missing)} missing dates in all)" if gaps > 1 else ""
    raise ValueError(
        f"{source}, rows {row}-{row + 1}, column {index.name!r}: {what} from the {words} calendar, between "
        f"{_day(before)} and {_day(after)}{more}; rerun with --insert-missing, or add the rows with an empty "
        f"value: ARIMA treats them as missing values, which its exact likelihood handles "
        f"(pandas: s.asfreq({freq.freqstr!r}))"
    )


# ---------------------------------------------------------------------------------------------
# commands
# ---------------------------------------------------------------------------------------------
def _model_name(order, seasonal) -> str:
    name = "ARIMA({},{},{})".format(*order)
    return name + ("({},{},{}){}".format(*seasonal) if seasonal else "")


def _choose_model(args, series, freq, airline: bool, source: str):
    """(order, seasonal or None, why): the user's orders, else the airline model where it fits."""
    from . import _pandas as P

    if airline and not args.seasonal:
        return (args.order or _AIRLINE_DEFAULTS["order"]), _AIRLINE_DEFAULTS["seasonal"], (
            "as given" if args.order else "the airline model, the default for the airline data")
    if args.order or args.seasonal:
        return args.order or _DEFAULT_ORDER, args.seasonal, "as given"
    n = int(series.notna().sum())
    fallback = (f"using {_model_name(_DEFAULT_ORDER, None)}, whose forecast is flat; "
                f"choose a model with --order/--seasonal")
    try:
        s = P.seasonal_period(series.index, "forecast") if freq is not None else None
    except ValueError:
        s = None
    if s is None:
        what = _freq_words(freq) if freq is not None else "undated"
        _note(f"{source}: {what} data has no default seasonal period: {fallback}")
        return _DEFAULT_ORDER, None, "the default without a seasonal period"
    if n < 2 * s + _SEASONAL_MARGIN:
        _note(f"{source}: {n} observations are fewer than the {2 * s + _SEASONAL_MARGIN} (2*{s} + {_SEASONAL_MARGIN}) "
              f"the seasonal airline model needs: {fallback}")
        return _DEFAULT_ORDER, None, "the default for a short series"
    return _DEFAULT_ORDER, (0, 1, 1, s), f"the airline model, the default for {_freq_words(freq)} data"


def _auto_model(args, series, freq):
    """``--auto``: the model R's auto.arima would choose (convts.auto_arima), fitted; (results, order, seasonal, why)."""
    from . import _pandas as P
    from .models import auto_arima

    if args.order or args.seasonal:
        raise ValueError("--auto chooses the orders itself: drop --order/--seasonal (or drop --auto)")
    if args.method not in ("mle", "css-mle"):
        raise ValueError(f"--method {args.method} with --auto: the search fits its candidates as R does "
                         f"(CSS while approximating, then exact ML); drop --method")
    try:
        m = P.seasonal_period(series.index, "forecast") if freq is not None else None
    except ValueError:
        m = None
    res = auto_arima(series, m=m or 1)
    order = res.model.order
    P_, D_, Q_, s = res.model.seasonal_order
    seasonal = (P_, D_, Q_, s) if s > 1 else None
    trend = {"c": " with a mean", "t": " with drift"}.get(res.model.trend, "")
    why = (f"chosen by auto_arima (R's auto.arima: {len(res.search_trace)} fits, "
           f"{res.auto_arima_info['ic']} {res.auto_arima_info['ic_value'] if res.auto_arima_info['ic_value'] is not None else 'n/a'}"
           f"){trend}, seasonal period {m or 1}")
    return res, order, seasonal, why


def _box_cox_lambda(args, airline: bool):
    """--lambda / --log: None (no transform), a float, or 'auto'."""
    import numpy as np

    text = getattr(args, "lambda_", None)
    if text is not None:
        if args.log is not None:
            raise ValueError("--log is --lambda 0: give one of --log and --lambda")
        if str(text).strip().lower() == "auto":
            return "auto"
        try:
            lam = float(text)
        except ValueError:
            raise ValueError(f"--lambda {text}: give a number (0 is the log) or 'auto'") from None
        if not np.isfinite(lam):
            raise ValueError(f"--lambda {text}: give a finite number (0 is the log) or 'auto'")
        return lam
    log = args.log if args.log is not None else (_AIRLINE_DEFAULTS["log"] if airline else False)
    return 0.0 if log else None


def _check_values(series, source: str, *, log: bool):
    """One-line errors naming the row for values ARIMA cannot take: inf, non-positive under a Box-Cox
    lambda <= 0 (``log``: --log or --lambda <= 0), constant."""
    import numpy as np

    name = series.name
    values = series.to_numpy()
    inf = np.isinf(values)
    if inf.any():
        pos = int(inf.argmax())
        raise ValueError(
            f"{_at(source, pos, name, series.index)}: {_num(values[pos])} is not a finite number; leave the cell "
            f"empty for a missing value (ARIMA's exact likelihood, --method mle, handles it) or put a number there"
        )
    observed = values[~np.isnan(values)]
    if observed.size == 0:
        raise ValueError(f"{_at(source, None, name)}: no values, every cell is empty")
    if log and (observed <= 0).any():
        pos = int((values <= 0).argmax())
        raise ValueError(f"{_at(source, pos, name, series.index)}: {_num(values[pos])} is not positive; --log needs "
                         f"positive values, as --lambda <= 0 does (drop --log, or give --lambda > 0)")
    if (observed == observed[0]).all():
        raise ValueError(f"{_at(source, None, name)}: every value is {_num(observed[0])}; a constant series has "
                         f"nothing to fit")


def _label(index, pos: int) -> str:
    """The date at ``pos`` (``2015-01-13``), or ``row N`` for an undated series."""
    import pandas as pd

    return _day(index[pos]) if isinstance(index, pd.DatetimeIndex) else f"row {pos + 1}"


def _missing_values(series, source: str, method: str):
    """Drop leading/trailing missing values (a note); interior ones stay for the Kalman filter."""
    import numpy as np

    observed = np.flatnonzero(series.notna().to_numpy())
    first, last = int(observed[0]), int(observed[-1])
    if first > 0 or last < len(series) - 1:
        _note(f"{source}: dropped {first} leading and {len(series) - 1 - last} trailing row(s) without a value; "
              f"the data ends at {_label(series.index, last)}")
        series = series.iloc[first:last + 1]
    n_missing = int(series.isna().sum())
    if n_missing:
        pos = int(series.isna().to_numpy().argmax())
        what = f"{_at(source, None, series.name)}: {n_missing} missing value(s) (first {_label(series.index, pos)})"
        if method == "whittle":
            raise ValueError(f"{what}, and --method whittle needs a complete series; use --method mle (the default), "
                             f"whose exact likelihood handles missing values")
        _note(f"{what}, handled exactly by the Kalman filter of the likelihood")
    return series


def _cmd_forecast(args) -> int:
    import numpy as np
    import pandas as pd

    from . import _pandas as P

    if args.steps is not None and args.steps < 1:
        raise ValueError(f"--steps {args.steps}: give at least 1 step")
    if not 0 < args.alpha < 1:
        raise ValueError(f"--alpha {_num(args.alpha)}: alpha must be between 0 and 1 (0.05 gives 95% intervals)")
    series, source, key = _load(args, several=False)
    airline = key == "airline"
    from .models._boxcox import boxcox, boxcox_lambda, inv_boxcox

    lam = _box_cox_lambda(args, airline)
    _check_values(series, source, log=lam is not None and (lam == "auto" or lam <= 0))
    series = _regular_calendar(series, source, insert_missing=args.insert_missing)
    series = _missing_values(series, source, args.method)
    name = series.name
    freq = P.regular_freq(series.index, "forecast")
    if lam == "auto":  # R's BoxCox.lambda (Guerrero) with the frequency's seasonal period
        try:
            period = P.seasonal_period(series.index, "forecast") if freq is not None else 1
        except ValueError:
            period = 1
        lam = float(boxcox_lambda(series.to_numpy(), m=max(int(period or 1), 2)))
    log = lam is not None
    if log:
        series = pd.Series(boxcox(series.to_numpy(), lam), index=series.index, name=series.name)
    series = P.with_freq(series, freq)
    if getattr(args, "auto", False):
        results, order, seasonal, why = _auto_model(args, series, freq)
    else:
        order, seasonal, why = _choose_model(args, series, freq, airline, source)
        results = None
    steps = args.steps
    if steps is None:
        steps = _AIRLINE_DEFAULTS["steps"] if airline else (2 * seasonal[3] if seasonal else 12)
    if results is None:
        results = series.conv.arima(order=tuple(order), seasonal_order=tuple(seasonal) if seasonal else None,
                                    method=args.method)
    frame = pd.DataFrame(results.get_forecast(steps).summary_frame(alpha=args.alpha))
    level = f"{100 * (1 - args.alpha):g}%"
    if log:
        # the inverse Box-Cox of a Gaussian forecast N(m, se^2) on the transformed scale: its median is
        # inv(m), its mean R's bias-adjusted inv(m) (1 + se^2 (1 - lambda) / (2 inv(m)^(2 lambda)))
        # (forecast::InvBoxCox(biasadj=TRUE)); quantiles (the interval end-points) map one by one.
        table = pd.DataFrame({"median": inv_boxcox(frame["mean"].to_numpy(), lam),
                              "mean": inv_boxcox(frame["mean"].to_numpy(), lam, biasadj=True,
                                                 fvar=frame["mean_se"].to_numpy() ** 2),
                              "lower": inv_boxcox(frame["mean_ci_lower"].to_numpy(), lam),
                              "upper": inv_boxcox(frame["mean_ci_upper"].to_numpy(), lam)}, index=frame.index)
        how = "exp from the log scale" if lam == 0 else f"the inverse Box-Cox transform (lambda {lam:.4g})"
        note = (f"back-transformed with {how}: 'median' is the back-transformed forecast, 'mean' R's "
                f"bias-adjusted mean; {level} interval")
        point = "median"
    else:
        table = frame.rename(columns={"mean_ci_lower": "lower", "mean_ci_upper": "upper"})
        note, point = f"{level} interval", "mean"
    table.index = P.future_index(series.index, steps, freq)
    table.index.name = series.index.name or "date"

    print(f"data: {source}, column {name!r}, {len(series)} observations"
          + (f", freq {freq.freqstr}" if freq is not None else "")
          + ((", log scale" if lam == 0 else f", Box-Cox scale (lambda {lam:.4g})") if log else ""))
    print(f"model: {_model_name(order, seasonal)}, {why}")
    print(results.summary())
    print()
    print(f"forecast, {steps} steps ({note}):")
    print(table.to_string(float_format=lambda v: f"{v:.4g}" if abs(v) < 1e-3 else f"{v:.3f}"))
    if args.plot:
        history = pd.Series(inv_boxcox(series.to_numpy(), lam), index=series.index) if log else series
        _plot_forecast(history, table, args.plot, point=point, level=level,
                       title=f"{name}: {_model_name(order, seasonal)}"
                       + ((" fitted to log values" if lam == 0 else f" fitted to Box-Cox values (lambda {lam:.4g})")
                          if log else ""))
        print(f"plot written to {args.plot}")
    return 0


def _plot_forecast(history, table, path: str, *, point: str, title: str, level: str) -> None:
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        raise CLIError("--plot needs matplotlib: pip install 'convts[plot]'") from None
    fig = Figure(figsize=(9, 4.5), layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    ax.plot(history.index, history.to_numpy(), color="0.2", lw=1.2, label="observed")
    ax.fill_between(table.index, table["lower"].to_numpy(), table["upper"].to_numpy(), color="C0", alpha=0.25,
                    label=f"{level} interval")
    ax.plot(table.index, table[point].to_numpy(), color="C0", lw=1.6, label=f"forecast ({point})")
    ax.set_title(title)
    ax.set_ylabel(str(history.name))
    ax.legend(loc="upper left")
    ax.grid(alpha=0.3)
    fig.savefig(path, dpi=100)


def _cmd_filter(args) -> int:
    data, source, _ = _load(args, several=True)
    if args.ma is not None:
        out = data.conv.ma(args.ma, center=args.center)
    elif args.ewma is not None:
        out = data.conv.ewma(alpha=args.ewma, adjust=False)  # as documented: ewm(alpha, adjust=False).mean()
    elif args.gaussian is not None:
        out = data.conv.gaussian(args.gaussian)
    elif args.echo is not None:
        delay, gain = args.echo
        out = data.conv.echo(_as_int(delay, "--echo DELAY"), gain)
    elif args.comb is not None:
        delay, gain = args.comb
        out = data.conv.comb(_as_int(delay, "--comb DELAY"), gain)
    else:
        out = data.conv.diff(args.diff)
    if out.index.name is None and data.index.name is None:
        out.index.name = "row"
    target = sys.stdout if args.out == "-" else args.out
    out.to_csv(target, float_format="%.10g")
    if args.out != "-":
        print(f"wrote {out.shape[0]} rows x {out.shape[1]} column(s) to {args.out}", file=sys.stderr)
    return 0


def _as_int(value: float, what: str) -> int:
    if float(value) != int(value):
        raise ValueError(f"{what}={_num(value)}: give a whole number of steps")
    return int(value)


def _cmd_datasets(args) -> int:
    from . import datasets

    table = datasets.info()[["length", "freq", "start", "end", "units"]]
    print(table.to_string())
    print("\nload one with convts.datasets.load(name); forecast one with `convts forecast NAME` "
          "(`convts forecast` alone: the airline data)")
    return 0


def _cmd_warmup(args) -> int:
    """Compile (or load from numba's cache) every kernel now: for images and CI, before the first real call."""
    import time

    from . import _warmup

    start = time.perf_counter()
    _warmup.run(args.progress)  # what convts.warmup runs
    print(f"convts warmup: done in {time.perf_counter() - start:.1f} s")
    return 0


# ---------------------------------------------------------------------------------------------
# parser and entry point
# ---------------------------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    """The ``argparse`` parser of the ``convts`` command."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        __version__ = version("convts")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        __version__ = "0.0.0"

    parser = argparse.ArgumentParser(prog="convts", description="Time-series analytics as 1-D convolutions.")
    parser.add_argument("--version", action="version", version=f"convts {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    source_help = ("CSV file ('-' for stdin) or the name of a bundled dataset (`convts datasets`)")

    fc = sub.add_parser(
        "forecast", help="fit a (seasonal) ARIMA model and print its summary and forecasts",
        description=("Fit ARIMA to one column of a CSV or a bundled dataset (with neither, the bundled airline "
                     "passengers with the airline model ARIMA(0,1,1)(0,1,1)12 on log values, 24 steps) and print "
                     "the model summary and a forecast table with dates and intervals.  Without --order and "
                     "--seasonal the model is the airline model (0,1,1)(0,1,1)s with s from the frequency "
                     "(12 monthly, 4 quarterly, 52 weekly, 7 daily, 5 business-daily, 24 hourly) when the series "
                     "has at least 2s + 8 values, else ARIMA(0,1,1)."),
    )
    fc.add_argument("csv", nargs="?", metavar="CSV|DATASET",
                    help=source_help + "; default: the bundled airline data")
    fc.add_argument("--column", help="value column (needed when the CSV has several)")
    fc.add_argument("--date", help="date column (default: the first column that parses as dates)")
    fc.add_argument("--dayfirst", action="store_true", help="read numeric dates day-first (13/01/2015)")
    fc.add_argument("--insert-missing", action="store_true",
                    help="insert the dates missing from the calendar as missing values (the exact likelihood "
                         "handles them)")
    fc.add_argument("--order", nargs=3, type=int, metavar=("p", "d", "q"),
                    help="non-seasonal order (default 0 1 1)")
    fc.add_argument("--seasonal", nargs=4, type=int, metavar=("P", "D", "Q", "s"),
                    help="seasonal order (default: 0 1 1 s from the frequency, when the series is long enough "
                         "and --order is not given)")
    fc.add_argument("--lambda", dest="lambda_", metavar="LAMBDA",
                    help="Box-Cox transform before fitting (a number, 0 = log, or 'auto' for R's BoxCox.lambda); "
                         "forecasts are transformed back: the table gives the median and R's bias-adjusted mean")
    fc.add_argument("--log", action=argparse.BooleanOptionalAction, default=None,
                    help="the same as --lambda 0 (default: on for the airline data, off otherwise)")
    fc.add_argument("--steps", type=int, help="forecast horizon (default 24 for the airline data, else 2 "
                                              "seasons or 12)")
    fc.add_argument("--alpha", type=float, default=0.05, help="1 - interval level (default 0.05: 95%%)")
    fc.add_argument("--method", default="mle", choices=("mle", "css", "css-mle", "whittle"),
                    help="estimator (default mle, the exact Gaussian likelihood)")
    fc.add_argument("--plot", metavar="FILE.png", help="also draw the series and the forecast fan (matplotlib)")
    fc.add_argument("--auto", action="store_true",
                    help="choose the orders as R's forecast::auto.arima (convts.auto_arima; the seasonal period "
                         "from the dates' frequency)")
    fc.set_defaults(func=_cmd_forecast)

    fl = sub.add_parser(
        "filter", help="smooth or difference the columns of a CSV and write a CSV",
        description="Apply one filter to every value column (or --column) and write the results as CSV; "
                    "columns are named after the filter (sales -> sales_ma7).",
    )
    fl.add_argument("csv", metavar="CSV|DATASET", help=source_help)
    how = fl.add_mutually_exclusive_group(required=True)
    how.add_argument("--ma", type=int, metavar="WINDOW", help="moving average (as pandas rolling(WINDOW).mean())")
    how.add_argument("--ewma", type=float, metavar="ALPHA", help="exponential smoothing (ewm(alpha, adjust=False))")
    how.add_argument("--gaussian", type=float, metavar="SIGMA", help="centred Gaussian smoother")
    how.add_argument("--echo", nargs=2, type=float, metavar=("DELAY", "GAIN"), help="add an echo gain * x[t-DELAY]")
    how.add_argument("--comb", nargs=2, type=float, metavar=("DELAY", "GAIN"), help="feedback comb (infinite echo)")
    how.add_argument("--diff", type=int, metavar="D", help="difference D times (as pandas diff)")
    fl.add_argument("--center", action="store_true", help="with --ma: centre the window")
    fl.add_argument("--column", help="filter only this column")
    fl.add_argument("--date", help="date column (default: the first column that parses as dates)")
    fl.add_argument("--dayfirst", action="store_true", help="read numeric dates day-first (13/01/2015)")
    fl.add_argument("--out", default="-", metavar="FILE", help="output CSV ('-', the default, is stdout)")
    fl.set_defaults(func=_cmd_filter)

    ds = sub.add_parser("datasets", help="list the bundled datasets (length, freq, range)")
    ds.set_defaults(func=_cmd_datasets)

    wu = sub.add_parser("warmup", help="compile the numba code now (for images and CI) and print the time taken",
                        description="Run convts.warmup(): compile, or load from numba's on-disk cache, the "
                                    "compiled code ahead of the first real call, and print the elapsed time.")
    wu.add_argument("--progress", action=argparse.BooleanOptionalAction, default=True,
                    help="show progress while compiling (default: on)")
    wu.set_defaults(func=_cmd_warmup)
    return parser


# numpy scalars in messages from deeper layers: np.float64(4.2) -> 4.2
_NUMPY_REPR = re.compile(r"\bnp\.(?:float|int|uint|complex|bool|str)_?\d*\(([^()]*)\)")


def _one_line_warning(seen: set):
    """``warnings.showwarning`` for the command: ``convts: warning: ...`` once per message, no source line."""

    def show(message, category, filename, lineno, file=None, line=None):
        text = _NUMPY_REPR.sub(r"\1", " ".join(str(message).split()))
        if text not in seen:
            seen.add(text)
            print(f"convts: warning: {text} ({category.__name__})", file=sys.stderr)

    return show


def _broken_pipe() -> int:
    """Stop quietly when the reader of stdout has gone (``convts filter big.csv | head``).

    Python's recipe (signal module docs, "Note on SIGPIPE"): point stdout at /dev/null so the flush
    at exit cannot raise a second time.  The exit status is 141 = 128 + SIGPIPE, what the shell
    reports for ``cat`` or ``seq`` stopped by the closed pipe: a ``set -o pipefail`` script sees
    convts as it sees them, and a truncated output is never reported as a success.  Restoring
    SIGPIPE's default action instead would change the signal handling of any program that calls
    ``main()``.
    """
    import signal

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # stdout without a file descriptor (tests, IDEs)
        pass
    return 128 + signal.SIGPIPE if hasattr(signal, "SIGPIPE") else 1


def main(argv: list[str] | None = None) -> int:
    """Run the ``convts`` command; return the exit status (0 ok, 2 for a usage or data error).

    User errors (a missing file or column, bad values, unparseable dates, invalid options)
    print one line ``convts: error: ...`` on stderr; anything unexpected raises.  A closed
    stdout (``convts filter x.csv | head``) ends the command quietly with status 141.

    Examples
    --------
    >>> main(["forecast", "--steps", "0"])
    2
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        with warnings.catch_warnings():
            warnings.showwarning = _one_line_warning(set())
            status = args.func(args)
        sys.stdout.flush()  # a closed pipe shows up here rather than at exit
        return status
    except BrokenPipeError:
        return _broken_pipe()
    except (CLIError, ValueError, TypeError, FileNotFoundError, IsADirectoryError, PermissionError) as exc:
        message = " ".join(str(exc).split()) or type(exc).__name__
        if isinstance(exc, OSError) and exc.filename is not None:
            message = f"{exc.strerror}: {exc.filename}"
        message = _NUMPY_REPR.sub(r"\1", message)
        print(f"convts: error: {message}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
