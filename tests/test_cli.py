"""The ``convts`` command line: a few subprocesses (the real entry points), the rest in-process."""

from __future__ import annotations

import importlib.util
import io
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
    assert list(table.columns) == ["mean", "lower", "upper"]
    # the numbers: the airline model on log passengers, back-transformed
    y = np.log(convts.datasets.load("airline"))
    ref = convts.ARIMA(y, order=(0, 1, 1), seasonal_order=(0, 1, 1, 12)).fit().get_forecast(6).summary_frame()
    np.testing.assert_allclose(table["mean"], np.exp(ref["mean"]), rtol=1e-5)
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
    _one_line_error(proc.stderr, "'sales'", "'oops'", "data row 2")
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
    ("date,sales\n2024-01-01,1\n2024-13-02,3\n", [], ["'date'", "not a date", "2024-13-02"]),
    ("when,sales\n1,1\n2,3\n", ["--date", "when"], ["'when'", "not a date"]),
    ("date,sales\n2024-01-01,1\n", ["--date", "day"], ["--date 'day'", "['date', 'sales']"]),
    ("date,sales\n2024-01-01,1\n2024-01-02,2\n", ["--column", "units"], ["no column 'units'", "'sales'"]),
    ("date,sales\n2024-01-01,1\n2024-01-01,2\n", [], ["repeats 2024-01-01"]),
    ("date,sales\n2024-01-02,1\n2024-01-01,2\n", [], ["increasing order"]),
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
    ("date,a\n2024-01-01,1\n2024-01-02,2\n2024-01-04,3\n2024-01-05,4\n", [], ["irregular"]),
    ("date,a\n2024-01-01,1\n2024-01-02,\n2024-01-03,3\n", [], ["missing value"]),
    ("date,a\n2024-01-01,1\n2024-01-02,0\n2024-01-03,3\n", ["--log"], ["--log needs positive values"]),
    ("date,a\n2024-01-01,1\n2024-01-02,2\n2024-01-03,3\n", ["--steps", "0"], ["--steps 0"]),
    ("date,a\n2024-01-01,1\n2024-01-02,2\n2024-01-03,3\n", ["--alpha", "1.5"], ["--alpha"]),
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
