"""The ``convts`` command line: forecast a series, filter a CSV, list the bundled datasets.

::

    convts forecast                       # airline model on the bundled airline passengers
    convts forecast sales.csv --column units --order 1 1 1 --seasonal 0 1 1 12 --steps 12
    convts filter sales.csv --ma 7 --out smoothed.csv
    convts datasets
    convts --version

Reading CSVs: the date column is the one named with ``--date`` or else the first column whose
text values all parse as dates (none: rows are numbered 0, 1, ...).  A missing column,
non-numeric values, unparseable dates or an irregular calendar (for ``forecast``) end the
command with exit code 2 and a one-line message on stderr.
"""

from __future__ import annotations

import argparse
import sys

__all__ = ["main", "read_csv", "build_parser"]

EXIT_USAGE = 2

# `convts forecast` with no CSV: the classic airline model on log passengers (Box & Jenkins).
_AIRLINE_DEFAULTS = dict(order=(0, 1, 1), seasonal=(0, 1, 1, 12), log=True, steps=24)


class CLIError(Exception):
    """A user error with a one-line message (exit code 2)."""


# ---------------------------------------------------------------------------------------------
# reading
# ---------------------------------------------------------------------------------------------
def _parse_dates(values):
    import pandas as pd

    text = values.astype("string").str.strip()
    parsed = pd.to_datetime(text, errors="coerce", format="mixed")
    bad = parsed.isna() & text.notna() & (text != "")
    return parsed, bad


def read_csv(path: str, *, date: str | None = None):
    """Read a CSV into a DataFrame indexed by its dates (a regular freq is set when one fits).

    Parameters
    ----------
    path : str
        File name, or ``"-"`` for standard input.
    date : str, optional
        Name of the date column.  Default: the first column whose text values all parse as
        dates; without one the rows keep positions ``0, 1, ...``.

    Raises
    ------
    FileNotFoundError, ValueError
        A missing file, a missing ``date`` column, unparseable, missing, duplicated or
        unsorted dates.
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
        parsed, bad = _parse_dates(frame[col])
        first = frame[col].first_valid_index()
        if date is None and (first is None or bad.loc[first] or parsed.isna().all()):
            continue  # a text column whose first value is not a date: not the date column
        if bad.any():
            row = int(bad.to_numpy().argmax())
            raise ValueError(
                f"{path}: date column {col!r} has a value that is not a date: "
                f"{frame[col].iloc[row]!r} (data row {row + 1}); fix it or name the date column with --date"
            )
        date_col = col
        break
    if date_col is None:
        return frame
    if parsed.isna().any():
        row = int(parsed.isna().to_numpy().argmax())
        raise ValueError(f"{path}: date column {date_col!r} has an empty value (data row {row + 1})")
    index = pd.DatetimeIndex(parsed, name=date_col)
    if index.has_duplicates:
        raise ValueError(f"{path}: date column {date_col!r} repeats {index[index.duplicated()][0].date()}; "
                         f"one row per date is needed")
    if not index.is_monotonic_increasing:
        raise ValueError(f"{path}: the dates in {date_col!r} are not in increasing order; sort the file by date")
    freq = infer_offset(index)
    if freq is not None:
        index = pd.DatetimeIndex(index, freq=freq)
    out = frame.drop(columns=[date_col])
    out.index = index
    return out


def _where(index, pos: int) -> str:
    """'data row 3, 2024-01-03' (the date when the index has dates)."""
    import pandas as pd

    label = index[pos]
    if isinstance(label, pd.Timestamp):
        return f"data row {pos + 1}, {label.date() if label == label.normalize() else label}"
    return f"data row {pos + 1}"


def _numeric(frame, column: str, path: str):
    import pandas as pd

    values = frame[column]
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        return values.astype(float)
    num = pd.to_numeric(values.astype("string").str.strip().replace("", None), errors="coerce")
    bad = num.isna() & values.notna() & (values.astype("string").str.strip() != "")
    if bad.any():
        pos = int(bad.to_numpy().argmax())
        raise ValueError(
            f"{path}: column {column!r} has a non-numeric value {values.iloc[pos]!r} "
            f"({_where(frame.index, pos)}); fix it or leave the cell empty for a missing value"
        )
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


# ---------------------------------------------------------------------------------------------
# commands
# ---------------------------------------------------------------------------------------------
def _cmd_forecast(args) -> int:
    import numpy as np
    import pandas as pd

    from . import _pandas as P
    from . import datasets

    bundled = args.csv is None
    order = args.order or (_AIRLINE_DEFAULTS["order"] if bundled else (0, 1, 1))
    seasonal = args.seasonal or (_AIRLINE_DEFAULTS["seasonal"] if bundled else None)
    log = args.log if args.log is not None else (_AIRLINE_DEFAULTS["log"] if bundled else False)
    steps = args.steps
    if steps is None:
        steps = _AIRLINE_DEFAULTS["steps"] if bundled else (2 * seasonal[3] if seasonal else 12)
    if steps < 1:
        raise ValueError(f"--steps {steps}: give at least 1 step")
    if not 0 < args.alpha < 1:
        raise ValueError(f"--alpha {args.alpha}: alpha must be between 0 and 1 (0.05 gives 95% intervals)")
    if bundled:
        series = datasets.load("airline")
        source = "bundled dataset 'airline' (Box & Jenkins series G)"
        if args.column not in (None, series.name):
            raise ValueError(f"the bundled airline data has one column, {series.name!r}, not {args.column!r}")
    else:
        frame = read_csv(args.csv, date=args.date)
        series = _select(frame, args.column, args.csv, several=False)
        source = args.csv
    name = series.name
    if series.isna().any():
        raise ValueError(f"{source}: column {name!r} has {int(series.isna().sum())} missing value(s); "
                         f"ARIMA needs a complete series")
    if log:
        if (series <= 0).any():
            raise ValueError(f"--log needs positive values; column {name!r} has {series[series <= 0].iloc[0]} "
                             f"at {series[series <= 0].index[0]}")
        series = np.log(series)
    freq = P.regular_freq(series.index, "forecast")
    series = P.with_freq(series, freq)
    seasonal_order = tuple(seasonal) if seasonal else None
    results = series.conv.arima(order=tuple(order), seasonal_order=seasonal_order, method=args.method)
    table = pd.DataFrame(results.get_forecast(steps).summary_frame(alpha=args.alpha))
    table.index = P.future_index(series.index, steps, freq)
    table.index.name = series.index.name or "date"
    level = f"{100 * (1 - args.alpha):g}%"
    if log:
        table = np.exp(table[["mean", "mean_ci_lower", "mean_ci_upper"]])
        note = (f"forecasts back-transformed with exp from the log scale: 'mean' is exp(log-scale mean), "
                f"the median forecast; {level} interval")
    else:
        note = f"{level} interval"
    table = table.rename(columns={"mean_ci_lower": "lower", "mean_ci_upper": "upper"})

    print(f"data: {source}, column {name!r}, {len(series)} observations"
          + (f", freq {freq.freqstr}" if freq is not None else "") + (", log scale" if log else ""))
    print(results.summary())
    print()
    print(f"forecast, {steps} steps ({note}):")
    print(table.to_string(float_format=lambda v: f"{v:.4g}" if abs(v) < 1e-3 else f"{v:.3f}"))
    if args.plot:
        history = np.exp(series) if log else series
        _plot_forecast(history, table, args.plot, title=f"{name}: ARIMA{tuple(order)}"
                       + (f"x{tuple(seasonal)}" if seasonal else "") + (" fitted to log values" if log else ""),
                       level=level)
        print(f"plot written to {args.plot}")
    return 0


def _plot_forecast(history, table, path: str, *, title: str, level: str) -> None:
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
    ax.plot(table.index, table["mean"].to_numpy(), color="C0", lw=1.6, label="forecast")
    ax.set_title(title)
    ax.set_ylabel(str(history.name))
    ax.legend(loc="upper left")
    ax.grid(alpha=0.3)
    fig.savefig(path, dpi=100)


def _cmd_filter(args) -> int:
    frame = read_csv(args.csv, date=args.date)
    data = _select(frame, args.column, args.csv, several=True)
    if args.ma is not None:
        out = data.conv.ma(args.ma, center=args.center)
    elif args.ewma is not None:
        out = data.conv.ewma(alpha=args.ewma)
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
    if out.index.name is None and frame.index.name is None:
        out.index.name = "row"
    target = sys.stdout if args.out == "-" else args.out
    out.to_csv(target, float_format="%.10g")
    if args.out != "-":
        print(f"wrote {out.shape[0]} rows x {out.shape[1]} column(s) to {args.out}", file=sys.stderr)
    return 0


def _as_int(value: float, what: str) -> int:
    if float(value) != int(value):
        raise ValueError(f"{what}={value}: give a whole number of steps")
    return int(value)


def _cmd_datasets(args) -> int:
    from . import datasets

    table = datasets.info()[["length", "freq", "start", "end", "units"]]
    print(table.to_string())
    print("\nload one with convts.datasets.load(name); forecast the airline data with `convts forecast`")
    return 0


# ---------------------------------------------------------------------------------------------
# parser and entry point
# ---------------------------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    """The ``argparse`` parser of the ``convts`` command."""
    from . import __version__

    parser = argparse.ArgumentParser(prog="convts", description="Time-series analytics as 1-D convolutions.")
    parser.add_argument("--version", action="version", version=f"convts {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    fc = sub.add_parser(
        "forecast", help="fit a (seasonal) ARIMA model and print its summary and forecasts",
        description=("Fit ARIMA to one column of a CSV (or, with no CSV, the bundled airline passengers with "
                     "the airline model ARIMA(0,1,1)(0,1,1)12 on log values, 24 steps) and print the model "
                     "summary and a forecast table with dates and intervals."),
    )
    fc.add_argument("csv", nargs="?", help="CSV file ('-' for stdin); default: the bundled airline data")
    fc.add_argument("--column", help="value column (needed when the CSV has several)")
    fc.add_argument("--date", help="date column (default: the first column that parses as dates)")
    fc.add_argument("--order", nargs=3, type=int, metavar=("p", "d", "q"),
                    help="non-seasonal order (default 0 1 1)")
    fc.add_argument("--seasonal", nargs=4, type=int, metavar=("P", "D", "Q", "s"),
                    help="seasonal order (default: none for a CSV, 0 1 1 12 for the airline data)")
    fc.add_argument("--log", action=argparse.BooleanOptionalAction, default=None,
                    help="model log values and back-transform forecasts with exp (default: on for the "
                         "airline data, off for a CSV)")
    fc.add_argument("--steps", type=int, help="forecast horizon (default 24 for the airline data, else 2 "
                                              "seasons or 12)")
    fc.add_argument("--alpha", type=float, default=0.05, help="1 - interval level (default 0.05: 95%%)")
    fc.add_argument("--method", default="mle", choices=("mle", "css", "css-mle", "whittle"),
                    help="estimator (default mle, the exact Gaussian likelihood)")
    fc.add_argument("--plot", metavar="FILE.png", help="also draw the series and the forecast fan (matplotlib)")
    fc.set_defaults(func=_cmd_forecast)

    fl = sub.add_parser(
        "filter", help="smooth or difference the columns of a CSV and write a CSV",
        description="Apply one filter to every value column (or --column) and write the results as CSV; "
                    "columns are named after the filter (sales -> sales_ma7).",
    )
    fl.add_argument("csv", help="CSV file ('-' for stdin)")
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
    fl.add_argument("--out", default="-", metavar="FILE", help="output CSV ('-', the default, is stdout)")
    fl.set_defaults(func=_cmd_filter)

    ds = sub.add_parser("datasets", help="list the bundled datasets (length, freq, range)")
    ds.set_defaults(func=_cmd_datasets)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the ``convts`` command; return the exit status (0 ok, 2 for a usage or data error).

    User errors (a missing file or column, bad values, unparseable dates, invalid options)
    print one line ``convts: error: ...`` on stderr; anything unexpected raises.

    Examples
    --------
    >>> main(["forecast", "--steps", "0"])
    2
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except (CLIError, ValueError, TypeError, FileNotFoundError, IsADirectoryError, PermissionError) as exc:
        message = " ".join(str(exc).split()) or type(exc).__name__
        if isinstance(exc, OSError) and exc.filename is not None:
            message = f"{exc.strerror}: {exc.filename}"
        print(f"convts: error: {message}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
