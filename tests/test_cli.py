"""The ``convts`` command line: a few subprocesses (the real entry points), the rest in-process."""

from __future__ import annotations

import importlib.util
import io
import re
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import convts
from convts import cli

HAS_MPL = importlib.util.find_spec("matplotlib") is not None


def _run(*args, module="convts.cli"):
    return subprocess.run([sys.executable, "-m", module, *args], capture_output=True, text=True, timeout=120)


def _parse(stdout: str) -> pd.DataFrame:
    lines = stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("forecast,"))
    header = lines[start + 1].split()
    rows = [line.split() for line in lines[start + 2 :] if line[:1].isdigit()]
    return pd.DataFrame([[float(v) for v in r[1:]] for r in rows], columns=header,
                        index=pd.DatetimeIndex([r[0] for r in rows]))


def _one_line_error(proc_or_err: str, *needles):
    err = proc_or_err.strip()
    assert "Traceback" not in err
    assert len(err.splitlines()) == 1, err
    assert err.startswith("convts: error: ")
    for n in needles:
        assert n in err, err


# ---------------------------------------------------------------------------------------------
# subprocesses
# ---------------------------------------------------------------------------------------------
def test_forecast_on_bundled_airline_data(tmp_path):
    png = tmp_path / "fan.png"
    args = ["forecast", "--steps", "6"] + (["--plot", str(png)] if HAS_MPL else [])
    proc = _run(*args, module="convts")  # python -m convts
    assert proc.returncode == 0, proc.stderr
    assert "ma.L1" in proc.stdout and "ma.S.L12" in proc.stdout  # the fitted model summary
    assert "back-transformed with exp" in proc.stdout
    table = _parse(proc.stdout)
    assert table.index.equals(pd.date_range("1961-01-01", periods=6, freq="MS"))
    assert "model: ARIMA(0,1,1)(0,1,1)12" in proc.stdout
    # exp(mean of log) is the median of the back-transformed forecast, and is labelled so
    assert list(table.columns) == ["median", "mean", "lower", "upper"]
    # the numbers: the airline model on log passengers, back-transformed
    y = np.log(convts.datasets.load("airline"))
    ref = convts.ARIMA(y, order=(0, 1, 1), seasonal_order=(0, 1, 1, 12)).fit().get_forecast(6).summary_frame()
    np.testing.assert_allclose(table["median"], np.exp(ref["mean"]), rtol=1e-5)
    # R's bias-adjusted mean, forecast::InvBoxCox(biasadj=TRUE) at lambda 0: exp(m) (1 + se^2 / 2)
    np.testing.assert_allclose(table["mean"], np.exp(ref["mean"]) * (1 + ref["mean_se"] ** 2 / 2), rtol=1e-5)
    np.testing.assert_allclose(table["lower"], np.exp(ref["mean_ci_lower"]), rtol=1e-5)
    np.testing.assert_allclose(table["upper"], np.exp(ref["mean_ci_upper"]), rtol=1e-5)
    if HAS_MPL:
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_forecast_on_a_csv_file(tmp_path):
    rng = np.random.default_rng(0)
    dates = pd.date_range("2001-01-01", periods=40, freq="QS")
    units = 50 + np.cumsum(rng.standard_normal(40))
    path = tmp_path / "sales.csv"
    pd.DataFrame({"store": "A", "when": dates.strftime("%Y-%m-%d"), "units": units, "other": 1.0}).to_csv(path, index=False)
    proc = _run("forecast", str(path), "--column", "units", "--date", "when", "--order", "1", "1", "0",
                "--steps", "5", "--alpha", "0.2", "--method", "css")
    assert proc.returncode == 0, proc.stderr
    assert "80% interval" in proc.stdout
    table = _parse(proc.stdout)
    assert table.index.equals(pd.date_range("2011-01-01", periods=5, freq="QS"))
    s = pd.Series(units, index=pd.DatetimeIndex(dates, freq="QS"))
    ref = convts.ARIMA(s, order=(1, 1, 0)).fit(method="css").get_forecast(5).summary_frame(alpha=0.2)
    np.testing.assert_allclose(table["mean"], ref["mean"], rtol=1e-4)
    np.testing.assert_allclose(table["upper"], ref["mean_ci_upper"], rtol=1e-4)


def test_bad_csv_in_a_subprocess_exits_2_with_one_line(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("date,sales\n2024-01-01,1\n2024-01-02,oops\n2024-01-03,3\n")
    proc = _run("filter", str(path), "--ma", "2")
    assert proc.returncode == 2
    _one_line_error(proc.stderr, f"{path}, row 2 (2024-01-02), column 'sales': 'oops' is not a number")
    assert proc.stdout == ""


def test_filter_reads_stdin_and_writes_stdout(monkeypatch, capsys):
    csv = "date,a,b\n2024-01-01,1,10\n2024-01-02,2,20\n2024-01-03,4,40\n2024-01-04,8,80\n"
    monkeypatch.setattr(sys, "stdin", io.StringIO(csv))
    assert cli.main(["filter", "-", "--diff", "1"]) == 0
    out = pd.read_csv(io.StringIO(capsys.readouterr().out), index_col=0, parse_dates=True)
    assert list(out.columns) == ["a_diff1", "b_diff1"]
    np.testing.assert_array_equal(out["a_diff1"].to_numpy(), [np.nan, 1, 2, 4])
    assert out.index.equals(pd.date_range("2024-01-01", periods=4, freq="D", name="date"))


# ---------------------------------------------------------------------------------------------
# in-process: main(argv) -> exit status
# ---------------------------------------------------------------------------------------------
def _csv(tmp_path, text, name="data.csv"):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


@pytest.mark.parametrize("option, method", [
    (["--ma", "3"], lambda s: s.rolling(3).mean()),
    (["--ma", "3", "--center"], lambda s: s.rolling(3, center=True).mean()),
    (["--ewma", "0.3"], lambda s: s.ewm(alpha=0.3, adjust=False).mean()),
    (["--diff", "2"], lambda s: s.diff().diff()),
    (["--echo", "2", "0.5"], lambda s: s + 0.5 * s.shift(2, fill_value=0.0)),
])
def test_filter_writes_the_filtered_columns(tmp_path, capsys, option, method):
    dates = pd.date_range("2020-01-01", periods=12, freq="MS")
    values = np.arange(12.0) ** 1.5
    src = _csv(tmp_path, pd.DataFrame({"month": dates.strftime("%Y-%m"), "y": values}).to_csv(index=False))
    out = tmp_path / "out.csv"
    assert cli.main(["filter", src, *option, "--out", str(out)]) == 0
    assert "wrote 12 rows" in capsys.readouterr().err
    got = pd.read_csv(out, index_col=0)
    ref = method(pd.Series(values))
    assert got.index[0] == "2020-01-01" and len(got.columns) == 1 and got.columns[0].startswith("y_")
    np.testing.assert_allclose(got.iloc[:, 0].to_numpy(), ref.to_numpy(), rtol=1e-9)


def test_filter_one_column_and_no_date_column(tmp_path, capsys):
    src = _csv(tmp_path, "a,b\n1,5\n2,6\n4,7\n")
    assert cli.main(["filter", src, "--ma", "2", "--column", "b"]) == 0
    out = pd.read_csv(io.StringIO(capsys.readouterr().out), index_col=0)
    assert list(out.columns) == ["b_ma2"] and out.index.tolist() == [0, 1, 2]
    np.testing.assert_array_equal(out["b_ma2"].to_numpy(), [np.nan, 5.5, 6.5])


@pytest.mark.parametrize("text, args, needles", [
    ("date,sales\n2024-01-01,1\n2024-13-02,3\n", [], ["row 2, column 'date': '2024-13-02' is not a date"]),
    ("when,sales\n1,1\n2,3\n", ["--date", "when"], ["row 1, column 'when': '1' is not a date"]),
    ("date,sales\n2024-01-01,1\n", ["--date", "day"], ["--date 'day'", "['date', 'sales']"]),
    ("date,sales\n2024-01-01,1\n2024-01-02,2\n", ["--column", "units"], ["no column 'units'", "'sales'"]),
    ("date,sales\n2024-01-01,1\n2024-01-01,2\n", [], ["row 2, column 'date': 2024-01-01 repeats row 1"]),
    ("date,sales\n2024-01-02,1\n2024-01-01,2\n", [], ["row 2, column 'date': the dates are not in increasing order",
                                                        "sort the file"]),
    ("date,sales\n2024-01-01,1\n,2\n", [], ["row 2, column 'date': the date is empty"]),
    ("date,sales\n", [], ["no data rows"]),
    ("", [], ["empty"]),
])
def test_bad_csv_files_exit_2_with_one_line(tmp_path, capsys, text, args, needles):
    src = _csv(tmp_path, text)
    assert cli.main(["filter", src, "--ma", "2", *args]) == 2
    captured = capsys.readouterr()
    _one_line_error(captured.err, *needles)
    assert captured.out == ""


def test_missing_file_exits_2(tmp_path, capsys):
    assert cli.main(["filter", str(tmp_path / "nope.csv"), "--ma", "2"]) == 2
    _one_line_error(capsys.readouterr().err, "nope.csv")


@pytest.mark.parametrize("text, args, needles", [
    ("date,a,b\n2024-01-01,1,2\n", [], ["several value columns", "--column"]),
    ("date,a\n2024-01-01,1\n2024-01-02,2\n2024-01-04,3\n2024-01-05,4\n", [],
     ["rows 2-3, column 'date': 2024-01-03 is missing from the daily (D) calendar", "--insert-missing"]),
    ("date,a\n2024-01-01,1\n2024-01-02,0\n2024-01-03,3\n", ["--log"],
     ["row 2 (2024-01-02), column 'a': 0 is not positive; --log needs positive values"]),
    ("date,a\n2024-01-01,1\n2024-01-02,2\n2024-01-03,3\n", ["--steps", "0"], ["--steps 0"]),
    ("date,a\n2024-01-01,1\n2024-01-02,2\n2024-01-03,3\n", ["--alpha", "1.5"], ["--alpha 1.5"]),
    ("date,a\n2024-01-01,\n2024-01-02,\n", [], ["column 'a': no values"]),
])
def test_forecast_user_errors_exit_2(tmp_path, capsys, text, args, needles):
    assert cli.main(["forecast", _csv(tmp_path, text), *args]) == 2
    _one_line_error(capsys.readouterr().err, *needles)


def test_plot_without_matplotlib_gives_a_clear_message(capsys, monkeypatch, tmp_path):
    for name in [m for m in sys.modules if m == "matplotlib" or m.startswith("matplotlib.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib -> ImportError
    assert cli.main(["forecast", "--steps", "2", "--plot", str(tmp_path / "x.png")]) == 2
    _one_line_error(capsys.readouterr().err, "matplotlib", "convts[plot]")
    assert not (tmp_path / "x.png").exists()


def test_datasets_lists_every_bundled_series(capsys):
    assert cli.main(["datasets"]) == 0
    out = capsys.readouterr().out
    for name in convts.datasets.names():
        meta = convts.datasets.describe(name)
        line = next(line for line in out.splitlines() if line.startswith(name + " "))
        assert str(meta["length"]) in line and meta["freq"] in line
        assert meta["start"] in line and meta["end"] in line


def test_version_and_usage_errors(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.strip() == f"convts {convts.__version__}"
    with pytest.raises(SystemExit) as exc:
        cli.main(["filter", "x.csv"])  # no filter chosen: argparse usage error
    assert exc.value.code == 2
    with pytest.raises(SystemExit) as exc:
        cli.main([])
    assert exc.value.code == 2


def test_unexpected_errors_are_not_swallowed(monkeypatch):
    def boom(args):
        raise RuntimeError("a bug")

    monkeypatch.setattr(cli, "_cmd_datasets", boom)
    with pytest.raises(RuntimeError, match="a bug"):
        cli.main(["datasets"])


# ---------------------------------------------------------------------------------------------
# the rough edges of issue 11
# ---------------------------------------------------------------------------------------------
def _airline_csv(tmp_path, *, drop=(), set_=None, name="air.csv", fmt="%Y-%m-%d", rows=None):
    """The airline data as a CSV: rows dropped by position, cells set as text ({position: 'inf'})."""
    air = convts.datasets.load("airline")
    if rows is not None:
        air = air.iloc[:rows]
    text = pd.Series([f"{v:g}" for v in air], index=air.index).astype(object)
    for pos, value in (set_ or {}).items():
        text.iloc[pos] = value
    frame = pd.DataFrame({"month": air.index.strftime(fmt), "passengers": text.to_numpy()})
    frame = frame.drop(index=list(drop))
    return _csv(tmp_path, frame.to_csv(index=False), name=name)


def test_a_closed_pipe_ends_filter_quietly(tmp_path):
    """`convts filter big.csv | head -1`: no BrokenPipeError traceback, exit 141 (128 + SIGPIPE)."""
    import signal

    n = 20_000  # ~450 kB of output: far beyond a pipe's 64 kB buffer
    dates = pd.date_range("2000-01-01", periods=n, freq="h").strftime("%Y-%m-%d %H:%M")
    src = _csv(tmp_path, pd.DataFrame({"t": dates, "x": np.arange(n) % 7}).to_csv(index=False))
    proc = subprocess.Popen([sys.executable, "-m", "convts", "filter", src, "--ma", "3"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout.readline().startswith(b"t,x_ma3")  # like head -1: read one line and go away
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 128 + signal.SIGPIPE
    assert err == "", err  # neither "Traceback" nor "Exception ignored ... BrokenPipeError"


def test_a_missing_month_is_named_with_the_fix_for_monthly_data(tmp_path, capsys):
    src = _airline_csv(tmp_path, drop=[5])  # 1949-06-01
    assert cli.main(["forecast", src]) == 2
    err = capsys.readouterr().err
    _one_line_error(err, "rows 5-6, column 'month': 1949-06-01 is missing from the monthly (MS) calendar, "
                         "between 1949-05-01 and 1949-07-01", "--insert-missing", "asfreq('MS')")
    assert "resample('D')" not in err and "irregular" not in err


def test_several_gaps_are_counted_and_the_first_run_is_spelled_out(tmp_path, capsys):
    src = _airline_csv(tmp_path, drop=[20, 21, 22, 100])
    assert cli.main(["forecast", src]) == 2
    _one_line_error(capsys.readouterr().err, "rows 20-21", "3 dates, 1950-09-01 to 1950-11-01, are missing",
                    "between 1950-08-01 and 1950-12-01", "(1 more gap(s), 4 missing dates in all)")


def test_insert_missing_fits_the_gap_as_a_missing_value(tmp_path, capsys):
    src = _airline_csv(tmp_path, drop=[30])
    assert cli.main(["forecast", src, "--insert-missing", "--log", "--steps", "3"]) == 0
    captured = capsys.readouterr()
    assert "inserted 1 date(s)" in captured.err and "1 missing value(s) (first 1951-07-01)" in captured.err
    assert "model: ARIMA(0,1,1)(0,1,1)12" in captured.out
    y = np.log(convts.datasets.load("airline"))
    y.iloc[30] = np.nan
    ref = convts.ARIMA(y, order=(0, 1, 1), seasonal_order=(0, 1, 1, 12)).fit().get_forecast(3).summary_frame()
    np.testing.assert_allclose(_parse(captured.out)["median"], np.exp(ref["mean"]), rtol=1e-4)


def test_a_date_off_the_calendar_is_named(tmp_path, capsys):
    src = _airline_csv(tmp_path, set_={})
    text = open(src).read().replace("1950-03-01", "1950-03-15")
    src = _csv(tmp_path, text, name="off.csv")
    assert cli.main(["forecast", src]) == 2
    _one_line_error(capsys.readouterr().err, "row 15, column 'month': 1950-03-15 is off the monthly (MS) calendar",
                    "resample('MS')")


def test_business_days_with_a_holiday_are_not_read_as_days_without_weekends():
    index = pd.bdate_range("2024-01-01", periods=40).delete(10)
    assert cli._majority_freq(index).freqstr == "B"
    assert cli._majority_freq(pd.date_range("2024-01-01", periods=40, freq="W-SUN").delete(5)).freqstr == "W-SUN"


def test_day_first_dates_are_called_day_first(tmp_path, capsys):
    dates = pd.date_range("2015-01-01", periods=20, freq="D").strftime("%d/%m/%Y")
    src = _csv(tmp_path, pd.DataFrame({"day": dates, "x": np.arange(20.0)}).to_csv(index=False))
    assert cli.main(["forecast", src]) == 2
    _one_line_error(capsys.readouterr().err, "row 13, column 'day': '13/01/2015' is a day-first date (13 cannot be "
                    "a month); rerun with --dayfirst, or write ISO dates")


def test_monthly_day_first_dates_that_are_only_regular_read_day_first(tmp_path, capsys):
    # 01/02/1949 ... read month-first: 1 to 12 January each year, increasing but irregular
    src = _airline_csv(tmp_path, fmt="%d/%m/%Y", rows=40)
    assert cli.main(["filter", src, "--ma", "2"]) == 2
    _one_line_error(capsys.readouterr().err, "row 1, column 'month': the dates read month-first",
                    "are irregular, but read day-first they are monthly (MS); rerun with --dayfirst")
    assert cli.main(["filter", src, "--ma", "2", "--dayfirst"]) == 0
    assert pd.read_csv(io.StringIO(capsys.readouterr().out)).iloc[1, 0] == "1949-02-01"


def test_day_first_dates_under_12_that_only_increase_read_day_first(tmp_path, capsys):
    src = _csv(tmp_path, "date,x\n11/01/2015,1\n12/01/2015,2\n01/02/2015,3\n")
    assert cli.main(["filter", src, "--diff", "1"]) == 2
    _one_line_error(capsys.readouterr().err, "row 3, column 'date': the dates are not in increasing order "
                    "read month-first", "read day-first; rerun with --dayfirst")


def test_dayfirst_option_reads_day_first_dates(tmp_path, capsys):
    src = _csv(tmp_path, "date,x\n30/12/2014,1\n31/12/2014,2\n01/01/2015,4\n02/01/2015,8\n")
    assert cli.main(["filter", src, "--diff", "1", "--dayfirst"]) == 0
    out = pd.read_csv(io.StringIO(capsys.readouterr().out), index_col=0, parse_dates=True)
    assert out.index.equals(pd.date_range("2014-12-30", periods=4, freq="D", name="date"))


@pytest.mark.parametrize("text, args, needles", [
    ("date,x\n13/01/2015,1\n01/14/2015,2\n", [], ["'13/01/2015' and '01/14/2015' (row 2)", "one way"]),
    ("date,x\n01/13/2015,1\n01/14/2015,2\n", ["--dayfirst"], ["row 1", "'01/13/2015' is not day-first",
                                                              "drop --dayfirst"]),
])
def test_numeric_dates_that_cannot_be_read_one_way(tmp_path, capsys, text, args, needles):
    assert cli.main(["filter", _csv(tmp_path, text), "--diff", "1", *args]) == 2
    _one_line_error(capsys.readouterr().err, *needles)


def test_ambiguous_numeric_dates_read_month_first_with_a_note(tmp_path, capsys):
    src = _csv(tmp_path, "date,x\n01/02/2015,1\n01/03/2015,2\n01/04/2015,4\n")
    assert cli.main(["filter", src, "--diff", "1"]) == 0
    captured = capsys.readouterr()
    assert "'01/02/2015' (2015-01-02) are read month-first" in captured.err and "--dayfirst" in captured.err
    out = pd.read_csv(io.StringIO(captured.out), index_col=0, parse_dates=True)
    assert out.index[0] == pd.Timestamp("2015-01-02")


def test_the_inf_advice_works(tmp_path, capsys):
    """The error says to leave the cell empty; done so, the forecast runs (the Kalman filter skips it)."""
    src = _airline_csv(tmp_path, set_={40: "inf"})
    assert cli.main(["forecast", src, "--steps", "2"]) == 2
    _one_line_error(capsys.readouterr().err, "row 41 (1952-05-01), column 'passengers': inf is not a finite number",
                    "leave the cell empty")
    src = _airline_csv(tmp_path, set_={40: ""}, name="fixed.csv")
    assert cli.main(["forecast", src, "--steps", "2"]) == 0
    assert "1 missing value(s) (first 1952-05-01), handled exactly" in capsys.readouterr().err


def test_missing_values_at_the_ends_are_dropped_and_whittle_refuses_gaps(tmp_path, capsys):
    src = _airline_csv(tmp_path, set_={0: "", 142: "", 143: ""})
    assert cli.main(["forecast", src, "--steps", "1"]) == 0
    captured = capsys.readouterr()
    assert "dropped 1 leading and 2 trailing row(s)" in captured.err
    assert _parse(captured.out).index[0] == pd.Timestamp("1960-11-01")  # after the last value, 1960-10-01
    src = _airline_csv(tmp_path, set_={50: ""}, name="gap.csv")
    assert cli.main(["forecast", src, "--method", "whittle"]) == 2
    _one_line_error(capsys.readouterr().err, "1 missing value(s) (first 1953-03-01)", "--method mle")


def test_a_csv_gets_the_seasonal_default_for_its_frequency(tmp_path, capsys):
    src = _airline_csv(tmp_path)
    assert cli.main(["forecast", src, "--steps", "3"]) == 0
    captured = capsys.readouterr()
    assert "model: ARIMA(0,1,1)(0,1,1)12, the airline model, the default for monthly (MS) data" in captured.out
    assert captured.err == ""
    y = convts.datasets.load("airline")
    ref = convts.ARIMA(y, order=(0, 1, 1), seasonal_order=(0, 1, 1, 12)).fit().get_forecast(3).summary_frame()
    np.testing.assert_allclose(_parse(captured.out)["mean"], ref["mean"], rtol=1e-4)
    seasonal = ref["mean"].to_numpy()
    assert np.ptp(seasonal) > 10  # not the flat forecast of ARIMA(0,1,1)


def test_a_short_series_falls_back_to_the_nonseasonal_default_and_says_so(tmp_path, capsys):
    src = _airline_csv(tmp_path, rows=31)  # 2*12 + 8 = 32 needed
    assert cli.main(["forecast", src, "--steps", "2"]) == 0
    captured = capsys.readouterr()
    assert "model: ARIMA(0,1,1), the default for a short series" in captured.out
    note = [line for line in captured.err.splitlines() if line.startswith("convts: note:")]
    assert len(note) == 1 and "31 observations are fewer than the 32" in note[0]


def test_quarterly_data_gets_period_4(tmp_path, capsys):
    dates = pd.date_range("2001-01-01", periods=40, freq="QS")
    values = 50 + 5 * np.tile([1.0, -2.0, 0.5, 0.5], 10) + np.random.default_rng(1).standard_normal(40)
    src = _csv(tmp_path, pd.DataFrame({"q": dates.strftime("%Y-%m-%d"), "v": values}).to_csv(index=False))
    assert cli.main(["forecast", src]) == 0
    out = capsys.readouterr().out
    assert "model: ARIMA(0,1,1)(0,1,1)4" in out and "forecast, 8 steps" in out


def test_a_bundled_dataset_by_name(tmp_path, capsys):
    assert cli.main(["forecast", "nile", "--steps", "2"]) == 0
    captured = capsys.readouterr()
    assert "data: bundled dataset 'nile', column 'flow', 100 observations" in captured.out
    assert "model: ARIMA(0,1,1)" in captured.out and "no default seasonal period" in captured.err
    assert _parse(captured.out).index[0] == pd.Timestamp("1971-01-01")
    # the airline data by an alias: the airline defaults (log scale, seasonal)
    assert cli.main(["forecast", "air_passengers", "--steps", "1"]) == 0
    assert "log scale" in capsys.readouterr().out
    assert cli.main(["filter", "nile", "--ma", "3"]) == 0
    assert capsys.readouterr().out.startswith("date,flow_ma3")


def test_a_name_that_is_neither_a_file_nor_a_dataset(capsys):
    assert cli.main(["forecast", "nil"]) == 2
    _one_line_error(capsys.readouterr().err, "nil: no such file, and no bundled dataset of that name",
                    ", ".join(convts.datasets.names()))


def test_a_file_wins_over_a_dataset_of_the_same_name(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "nile").write_text("a,b\n1,5\n2,6\n")
    assert cli.main(["filter", "nile", "--diff", "1", "--column", "b"]) == 0
    assert capsys.readouterr().out.startswith("row,b_diff1")


def test_numbers_in_messages_are_plain(tmp_path, capsys, monkeypatch):
    src = _csv(tmp_path, "date,a\n" + "".join(f"2024-01-{d:02d},4.2\n" for d in range(1, 11)))
    assert cli.main(["forecast", src]) == 2
    _one_line_error(capsys.readouterr().err, "column 'a': every value is 4.2")

    def deep(args):  # a message built deeper down, with a numpy scalar's repr
        raise ValueError(f"r[0]={np.float64(-0.5)!r}: must be > 0")

    monkeypatch.setattr(cli, "_cmd_datasets", deep)
    assert cli.main(["datasets"]) == 2
    err = capsys.readouterr().err
    assert "np." not in err and "r[0]=-0.5: must be > 0" in err


def test_warnings_are_one_line(capsys, monkeypatch):
    import warnings

    def warn(args):
        warnings.warn(f"x is {np.float64(2.5)!r}\nsecond line", RuntimeWarning)
        warnings.warn(f"x is {np.float64(2.5)!r}\nsecond line", RuntimeWarning)
        return 0

    monkeypatch.setattr(cli, "_cmd_datasets", warn)
    assert cli.main(["datasets"]) == 0
    assert capsys.readouterr().err == "convts: warning: x is 2.5 second line (RuntimeWarning)\n"


def test_warmup_command(capsys, monkeypatch):
    calls = []

    def warmup(progress: bool = False):
        calls.append(progress)

    from convts import _warmup

    monkeypatch.setattr(_warmup, "run", warmup)  # what both convts.warmup and the command run
    assert cli.main(["warmup"]) == 0
    assert calls == [True]
    assert re.fullmatch(r"convts warmup: done in \d+\.\d s\n", capsys.readouterr().out)
    assert cli.main(["warmup", "--no-progress"]) == 0 and calls[-1] is False


def test_dates_across_a_daylight_saving_change_are_read_as_utc(tmp_path, capsys):
    """A file pandas writes from tz-aware hourly data across a DST change has two UTC offsets
    (+01:00 then +02:00); it forecasts (in UTC, where the hours stay regular) instead of failing
    with pandas' 'mixed timezones' message.  Oracle: statsmodels SARIMAX on the values."""
    from statsmodels.tsa.statespace.sarimax import SARIMAX

    h = pd.date_range("2021-03-27", periods=72, freq="h", tz="Europe/Berlin", name="date")
    y = pd.Series(np.cumsum(np.random.default_rng(0).normal(size=72)), index=h, name="y")
    path = tmp_path / "dst.csv"
    y.to_csv(path)
    assert "+01:00" in path.read_text() and "+02:00" in path.read_text()
    assert cli.main(["forecast", str(path), "--order", "1", "0", "0", "--steps", "3"]) == 0
    out = capsys.readouterr().out
    assert "2021-03-30 00:00:00+00:00" in out
    want = SARIMAX(y.to_numpy(), order=(1, 0, 0), trend="c").fit(disp=False).forecast(3)
    rows = [line.split() for line in out.splitlines() if line.startswith("2021-03-")]
    np.testing.assert_allclose([float(r[2]) for r in rows], want, atol=2e-3)


def test_filter_ewma_carries_over_a_missing_cell(tmp_path, capsys):
    """--ewma is pandas' ewm(alpha, adjust=False).mean(): an empty cell keeps the last mean and the
    rows after it go on (they were all NaN once).  Oracle: pandas on the same column."""
    dates = pd.date_range("2020-01-01", periods=10, freq="MS")
    values = np.array([1.0, 3.0, np.nan, 2.0, 5.0, np.nan, np.nan, 4.0, 1.0, 2.0])
    src = _csv(tmp_path, pd.DataFrame({"month": dates.strftime("%Y-%m"), "y": values}).to_csv(index=False))
    out = tmp_path / "out.csv"
    assert cli.main(["filter", src, "--ewma", "0.4", "--out", str(out)]) == 0
    got = pd.read_csv(out, index_col=0).iloc[:, 0].to_numpy()
    want = pd.Series(values).ewm(alpha=0.4, adjust=False).mean().to_numpy()
    assert np.isfinite(got[3:]).all()
    np.testing.assert_allclose(got, want, rtol=1e-9)  # the CSV keeps 10 significant digits


def test_forecast_auto_chooses_r_model_for_nile(capsys):
    """--auto on the bundled Nile flow: R's auto.arima(Nile) is ARIMA(1,1,1) (printed output:
    ar1 0.2544, ma1 -0.8741); the forecast equals convts.auto_arima's."""
    assert cli.main(["forecast", "nile", "--auto", "--steps", "3"]) == 0
    out = capsys.readouterr().out
    assert "model: ARIMA(1,1,1), chosen by auto_arima" in out
    table = _parse(out)
    want = convts.auto_arima(convts.datasets.load("nile"), m=1).get_forecast(3).summary_frame()
    np.testing.assert_allclose(table["mean"].to_numpy(), want["mean"].to_numpy(), rtol=1e-3)


def test_forecast_auto_refuses_given_orders(capsys):
    assert cli.main(["forecast", "nile", "--auto", "--order", "1", "1", "1"]) == 2
    _one_line_error(capsys.readouterr().err, "--auto", "--order")


def _forecast_table(args, capsys):
    assert cli.main(["forecast", "airline", "--steps", "4", *args]) == 0
    return _parse(capsys.readouterr().out)


def test_forecast_lambda_is_box_cox_with_r_formulas(capsys):
    """--lambda L: fit on R's Box-Cox values, back-transform with R's InvBoxCox (biasadj for 'mean')."""
    air = convts.datasets.load("airline")
    for lam in (0.5, -0.2):
        table = _forecast_table(["--lambda", str(lam)], capsys)
        z = (air ** lam - 1) / lam  # R's BoxCox, typed here
        ref = convts.ARIMA(z, order=(0, 1, 1), seasonal_order=(0, 1, 1, 12)).fit().get_forecast(4).summary_frame()

        def inv(v):
            return (lam * v + 1) ** (1 / lam)  # R's InvBoxCox

        med = inv(ref["mean"])
        np.testing.assert_allclose(table["median"], med, rtol=1e-5)
        np.testing.assert_allclose(table["mean"], med * (1 + ref["mean_se"] ** 2 * (1 - lam) / (2 * med ** (2 * lam))),
                                   rtol=1e-5)
        np.testing.assert_allclose(table["lower"], inv(ref["mean_ci_lower"]), rtol=1e-5)
        np.testing.assert_allclose(table["upper"], inv(ref["mean_ci_upper"]), rtol=1e-5)
    # --lambda 0 is --log
    pd.testing.assert_frame_equal(_forecast_table(["--lambda", "0"], capsys), _forecast_table(["--log"], capsys))


def test_forecast_lambda_auto_uses_r_guerrero_lambda(capsys):
    assert cli.main(["forecast", "airline", "--steps", "2", "--lambda", "auto"]) == 0
    assert "Box-Cox scale (lambda -0.2947)" in capsys.readouterr().out  # R: BoxCox.lambda(AirPassengers)


@pytest.mark.parametrize("args, message", [
    (["--lambda", "x"], "--lambda x: give a number"),
    (["--lambda", "nan"], "finite"),
    (["--lambda", "0", "--log"], "--log is --lambda 0"),
])
def test_forecast_lambda_refusals(args, message, capsys):
    assert cli.main(["forecast", "airline", *args]) != 0
    assert message in capsys.readouterr().err
