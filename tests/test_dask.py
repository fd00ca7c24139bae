"""convts.dask: many-series fits on a real process-based LocalCluster, the Dask ``.conv`` accessor.

Oracles: the in-memory ``convts.fit_many`` / ``FitManyResult.forecast`` on the same data, and
the pandas ``.conv`` accessor on the computed frame.  The cluster (2 worker processes, one
thread each) is started once per session (``dask_cluster`` in tests/conftest.py); its workers
load the numba kernels once (warm-up).  Every wait is bounded: a computation that does not
finish in ``COMPUTE_TIMEOUT`` seconds fails with the scheduler's task states and the workers
are restarted, instead of the run stalling.
"""

from __future__ import annotations

import collections
import os
import pickle
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

dd = pytest.importorskip("dask.dataframe", reason="Dask is not installed (pip install 'convts[dask]')")
distributed = pytest.importorskip("distributed", reason="dask.distributed is not installed (pip install 'convts[dask]')")

import cloudpickle  # noqa: E402  (a dependency of distributed)
import dask  # noqa: E402
import dask.array as da  # noqa: E402

import convts  # noqa: E402
import convts.dask as cdask  # noqa: E402

# the worker processes cannot import this test module by name: ship its functions by value
cloudpickle.register_pickle_by_value(sys.modules[__name__])

ORDER = (1, 0, 1)
N_SERIES, T = 240, 48
# seconds; a computation here takes < 60 s on a loaded 2-core machine, and this stays below the
# per-test pytest-timeout (pyproject.toml) so that this test's own message comes first
COMPUTE_TIMEOUT = 300


def _warm():
    """Load the compiled fit kernels in a worker (first call: numba cache load or compile)."""
    convts.fit_many(np.random.default_rng(0).standard_normal((2, 40)), ORDER, n_jobs=1)
    return True


@pytest.fixture(scope="module")
def _warm_workers(dask_cluster):
    _warm()  # compile (or load) here first, so that the workers load the on-disk cache, not compile twice
    workers = list(dask_cluster.scheduler_info()["workers"])
    futures = [dask_cluster.submit(_warm, pure=False, workers=[w], allow_other_workers=False) for w in workers]
    with dask_cluster.as_current():  # distributed.wait finds the client as the current one
        distributed.wait(futures, timeout=COMPUTE_TIMEOUT)
    assert all(f.result() for f in futures)


@pytest.fixture
def client(dask_cluster, _warm_workers):
    """The session's cluster, current for this test only (Dask collections compute on it)."""
    dask_cluster.wait_for_workers(2, timeout=COMPUTE_TIMEOUT)  # a test may have killed one
    with dask_cluster.as_current():
        yield dask_cluster


def _scheduler_state(client) -> str:
    """Task states and what each worker is processing, read from the in-process scheduler (no RPC)."""
    try:
        s = client.cluster.scheduler
        tasks = collections.Counter(ts.state for ts in list(s.tasks.values()))
        workers = {ws.address: (ws.status.name, sorted(str(ts.key) for ts in list(ws.processing))[:3])
                   for ws in list(s.workers.values())}
        shuffles = list(getattr(s.plugins.get("shuffle"), "active_shuffles", {}))
        return f"task states {dict(tasks)}; workers (status, processing) {workers}; active P2P shuffles {shuffles}"
    except Exception as exc:  # diagnostics only
        return f"(could not read the scheduler's state: {exc!r})"


def _compute(client, *collections_, timeout=COMPUTE_TIMEOUT):
    """``dask.compute(*collections_)`` on ``client`` with a bounded wait.

    On timeout the test fails with the scheduler's state, and the workers are restarted so that
    the next test starts clean.
    """
    futures = client.compute(list(collections_))
    try:
        with client.as_current():
            distributed.wait(futures, timeout=timeout)
    except TimeoutError:
        state = _scheduler_state(client)
        client.cancel(futures)
        try:
            client.restart(timeout=120)  # 300 + 120 s stays below the per-test pytest-timeout (600 s)
        except Exception as exc:  # the failure below is the news; say that the restart failed too
            state += f"; restarting the workers failed: {exc!r}"
        pytest.fail(f"a Dask computation did not finish within {timeout} s: {state}", pytrace=False)
    out = client.gather(futures)
    return out[0] if len(collections_) == 1 else tuple(out)


def _panel(n=N_SERIES, T=T, seed=0):
    """``n`` ARMA(1, 1) series with different means, as an array and a long frame in random row order."""
    rng = np.random.default_rng(seed)
    k = convts.kernels.arma(ar=[0.6], ma=[0.3])
    Y = k(rng.standard_normal((n, T)), axis=1) + rng.normal(0, 3, (n, 1))
    long = pd.DataFrame({"sid": np.repeat(np.arange(n), T), "t": np.tile(np.arange(T), n), "y": Y.ravel()})
    return Y, long.sample(frac=1.0, random_state=seed).reset_index(drop=True)


def _assert_tables_equal(got, want):
    """Same index, columns and dtypes; numbers equal to rounding (same compiled code, same data)."""
    assert list(got.columns) == list(want.columns)
    pd.testing.assert_series_equal(got.dtypes, want.dtypes)
    pd.testing.assert_frame_equal(got, want, check_exact=False, rtol=1e-12, atol=0, check_index_type="equiv")


def _sorted_forecast(frame):
    return frame.sort_values(["id", "step"]).reset_index(drop=True)


# ---------------------------------------------------------------------------- long frames
def test_long_unsorted_split_across_partitions_equals_in_memory(client):
    _, long = _panel()
    ddf = dd.from_pandas(long, npartitions=6, sort=False)
    # the rows of one series really are spread over several input partitions
    spread = _compute(client, ddf.map_partitions(lambda p: p[["sid"]].drop_duplicates()))["sid"].value_counts()
    assert spread.max() > 1
    want = convts.fit_many(long, ORDER, id_col="sid", time_col="t", value_col="y")
    res = cdask.fit_many(ddf, ORDER, id_col="sid", time_col="t", value_col="y")
    got = _compute(client, res)
    assert got.index.is_unique and len(got) == N_SERIES
    _assert_tables_equal(got.sort_index(), want.table)
    assert (got["status"] == "ok").all()
    pd.testing.assert_series_equal(res.dtypes, want.table.dtypes)  # the lazy schema (meta) too


@pytest.mark.parametrize("ids", ["int", "str"])
def test_series_on_different_time_grids_match_in_memory(client, ids):
    """In memory a time seen in other series but missing in one is a gap of that one; same on Dask."""
    _, long = _panel(n=30, seed=3)
    rng = np.random.default_rng(3)
    drop = (long["sid"] % 7 == 0) & (rng.random(len(long)) < 0.2) & (long["t"] > 0) & (long["t"] < T - 1)
    late = (long["sid"] % 5 == 1) & (long["t"] < 6)  # these series start later
    only_0 = (long["sid"] != 0) & long["t"].isin([10, 11, 30])  # observed in series 0 only: gaps elsewhere
    long = long[~drop & ~late & ~only_0]
    if ids == "str":  # string ids sort around the helper series a partition may add
        long = long.assign(sid=[f"{'AZ'[i % 2]}{i:02d}" for i in long["sid"]])
    with dask.config.set({"dataframe.convert-string": False}):
        ddf = dd.from_pandas(long, npartitions=4, sort=False)
    want = convts.fit_many(long, ORDER, id_col="sid", time_col="t", value_col="y")
    res = cdask.fit_many(ddf, ORDER, id_col="sid", time_col="t", value_col="y", npartitions=5)
    got, got_fc = _compute(client, res, cdask.forecast_many(res, 2))
    _assert_tables_equal(got.sort_index(), want.table)
    pd.testing.assert_frame_equal(_sorted_forecast(got_fc), want.forecast(2), check_exact=False, rtol=1e-10)


def test_more_partitions_than_series(client):
    _, long = _panel(n=5, seed=8)
    ddf = dd.from_pandas(long, npartitions=2, sort=False)
    want = convts.fit_many(long, ORDER, id_col="sid", time_col="t", value_col="y")
    res = cdask.fit_many(ddf, ORDER, id_col="sid", time_col="t", value_col="y", npartitions=12)
    got, got_fc = _compute(client, res, cdask.forecast_many(res, 2))  # empty partitions give empty frames
    _assert_tables_equal(got.sort_index(), want.table)
    pd.testing.assert_frame_equal(_sorted_forecast(got_fc), want.forecast(2), check_exact=False, rtol=1e-10)


def test_indexed_by_id_needs_no_shuffle_and_keeps_divisions(client):
    _, long = _panel(n=80, seed=1)
    ddf = dd.from_pandas(long.set_index("sid").sort_index(), npartitions=4)
    assert ddf.known_divisions
    want = convts.fit_many(long, ORDER, id_col="sid", time_col="t", value_col="y")
    res = cdask.fit_many(ddf, ORDER, id_col="sid", time_col="t", value_col="y")
    assert res.divisions == ddf.divisions
    assert not any("shuffle" in str(k) for k in dict(res.__dask_graph__()))
    _assert_tables_equal(_compute(client, res), want.table)


def test_string_ids_and_datetime_times(client):
    Y, _ = _panel(n=30, seed=2)
    times = pd.date_range("2020-01-01", periods=T, freq="MS")
    long = pd.DataFrame({"store": np.repeat([f"s{i:02d}" for i in range(30)], T), "month": np.tile(times, 30),
                         "sales": Y.ravel()}).sample(frac=1.0, random_state=1)
    want = convts.fit_many(long, ORDER, id_col="store", time_col="month", value_col="sales")
    with dask.config.set({"dataframe.convert-string": False}):
        ddf = dd.from_pandas(long, npartitions=3, sort=False)
    res = cdask.fit_many(ddf, ORDER, id_col="store", time_col="month", value_col="sales")
    got, got_fc = _compute(client, res, cdask.forecast_many(res, 3, alpha=0.1))
    _assert_tables_equal(got.sort_index(), want.table)
    pd.testing.assert_frame_equal(_sorted_forecast(got_fc), want.forecast(3, alpha=0.1), check_exact=False,
                                  rtol=1e-10)
    assert "time" in got_fc.columns and got_fc["time"].min() == times[-1] + times.freq


def test_bad_series_mark_only_their_rows(client):
    _, long = _panel(n=50, seed=4)
    long.loc[long["sid"] == 3, "y"] = 7.0                 # constant
    long.loc[long["sid"] == 11, "y"] = np.nan              # nothing observed
    long = long[~((long["sid"] == 20) & (long["t"] > 2))]  # too short
    long.loc[(long["sid"] == 30) & (long["t"] == 5), "y"] = np.inf
    ddf = dd.from_pandas(long, npartitions=5, sort=False)
    want = convts.fit_many(long, ORDER, id_col="sid", time_col="t", value_col="y")
    got = _compute(client, cdask.fit_many(ddf, ORDER, id_col="sid", time_col="t", value_col="y")).sort_index()
    bad = got.index[got["status"] != "ok"]
    assert {3, 11, 20}.issubset(set(bad))
    assert set(bad) == set(want.table.index[want.table["status"] != "ok"])
    assert got.drop(index=bad)["llf"].notna().all()
    _assert_tables_equal(got, want.table)


def _kill_worker_once(part, marker):
    """Kill this worker process the first time any partition comes through (marker file)."""
    try:
        fd = os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError:
        return part
    os.close(fd)
    os._exit(1)


@pytest.mark.parametrize("shuffle_method", ["tasks", "p2p"])
def test_worker_killed_mid_computation_gives_the_same_result(client, tmp_path, shuffle_method):
    _, long = _panel(n=120, seed=5)
    ddf = dd.from_pandas(long, npartitions=4, sort=False)
    want = convts.fit_many(long, ORDER, id_col="sid", time_col="t", value_col="y")
    marker = str(tmp_path / "killed")
    res = cdask.fit_many(ddf, ORDER, id_col="sid", time_col="t", value_col="y", shuffle_method=shuffle_method)
    # the kill comes after some fits finished: their outputs die with the worker and are recomputed
    killed = res.map_partitions(_kill_worker_once, marker, meta=res._meta)
    got = _compute(client, killed)
    assert os.path.exists(marker)  # the worker really died once
    _assert_tables_equal(got.sort_index(), want.table)
    client.wait_for_workers(2, timeout=60)


@pytest.mark.parametrize("fit_backend", ["auto", "numpy"])  # compiled fits; Python fits (results kept)
def test_fit_task_value_pickles_plainly_after_a_forecast_and_gives_the_same_numbers(fit_backend):
    """The fit task's value crosses workers when a table or forecast task runs elsewhere.

    It once carried the lazily cached per-series results (local closures, and a dict that a
    forecast task grows): serialising it for a peer during a forecast failed, and the peer's
    task then waited forever.  Oracle: the in-memory object's own table and forecasts.
    """
    _, long = _panel(n=3, seed=9)
    fit_kw = dict(order=ORDER, seasonal_order=None, trend=None, method="css-mle", backend=fit_backend, n_jobs=1,
                  fixed=None)
    fitted = cdask._fit_part(long, fit_kw, ("sid", "t", "y"), False)
    want_fc = fitted.fit.forecast(3, alpha=0.1)  # builds and caches the per-series results
    blob = pickle.dumps(fitted)  # the standard pickle (distributed's first try): plain data only
    again = pickle.loads(blob)
    pd.testing.assert_frame_equal(again.fit.table, fitted.fit.table)
    pd.testing.assert_frame_equal(again.fit.forecast(3, alpha=0.1), want_fc, check_exact=False, rtol=1e-12)
    assert len(blob) < 100_000


# ---------------------------------------------------------------------------- Dask arrays
def test_array_chunked_along_both_axes_equals_in_memory(client):
    Y, _ = _panel(n=50, seed=6)
    x = da.from_array(Y, chunks=(15, 20))  # the time axis is rechunked into one chunk
    want = convts.fit_many(Y, ORDER)
    res = cdask.fit_many(x, ORDER)
    assert res.divisions == (0, 15, 30, 45, 49)
    got, got_fc = _compute(client, res, cdask.forecast_many(res, 2))
    _assert_tables_equal(got, want.table)
    pd.testing.assert_frame_equal(got_fc.reset_index(drop=True), want.forecast(2), check_exact=False, rtol=1e-10)


def test_fit_many_input_errors():
    x = da.zeros((4, 10, 2), chunks=2)
    with pytest.raises(ValueError, match="2-D"):
        cdask.fit_many(x, ORDER)
    with pytest.raises(TypeError, match="convts.fit_many"):
        cdask.fit_many(np.zeros((3, 40)), ORDER)
    wide = dd.from_pandas(pd.DataFrame({"a": np.arange(40.0), "b": np.arange(40.0)}), npartitions=2)
    with pytest.raises(ValueError, match="long"):
        cdask.fit_many(wide, ORDER)
    long = dd.from_pandas(pd.DataFrame({"i": [0, 0], "t": [0, 1], "y": [1.0, 2.0]}), npartitions=1)
    with pytest.raises(KeyError, match="'value'"):
        cdask.fit_many(long, ORDER, id_col="i", time_col="t", value_col="value")
    with pytest.raises(ValueError, match="shuffle"):
        cdask.fit_many(long, ORDER, id_col="i", time_col="t", value_col="y", shuffle="yes")


def test_forecast_many_needs_fit_many_frame():
    x = da.from_array(np.random.default_rng(0).standard_normal((4, 40)), chunks=(2, 40))
    res = cdask.fit_many(x, ORDER)
    with pytest.raises(ValueError, match="not a frame returned by convts.dask.fit_many"):
        cdask.forecast_many(res[res["llf"] > 0], 2)
    with pytest.raises(TypeError, match="convts.forecast_many"):
        cdask.forecast_many(res.compute(), 2)
    with pytest.raises(ValueError, match="steps"):
        cdask.forecast_many(res, 0)


# ---------------------------------------------------------------------------- the .conv accessor
@pytest.fixture(scope="module")
def frames():
    rng = np.random.default_rng(0)
    idx = pd.date_range("2024-01-01", periods=240, freq="h")
    pdf = pd.DataFrame(rng.standard_normal((240, 3)), index=idx, columns=["a", "b", "c"])
    pdf.iloc[[5, 50, 51, 130], 1] = np.nan
    return pdf, dd.from_pandas(pdf, npartitions=6)


FIR_CALLS = {
    "ma": lambda o: o.conv.ma(7),
    "ma_center": lambda o: o.conv.ma(8, center=True),
    "ma_min_periods": lambda o: o.conv.ma(5, min_periods=2),
    "weighted_ma": lambda o: o.conv.ma(3, weights=[1.0, 2.0, 3.0]),
    "gaussian": lambda o: o.conv.gaussian(2.5),
    "echo": lambda o: o.conv.echo(4, 0.5, repeats=3),
    "diff_seasonal": lambda o: o.conv.diff(1, 1, period=24),
    "convolve_causal": lambda o: o.conv.convolve([0.2, 0.3, 0.5], nan_policy="omit"),
    "convolve_same": lambda o: o.conv.convolve(convts.Kernel(b=[1.0, 2.0, 3.0, 4.0]), mode="same"),
}


@pytest.mark.parametrize("kind", ["frame", "series"])
@pytest.mark.parametrize("name", list(FIR_CALLS))
def test_accessor_fir_map_overlap_equals_in_memory(frames, name, kind):
    pdf, ddf = frames
    if kind == "series":
        pdf, ddf = pdf["b"], ddf["b"]
    call = FIR_CALLS[name]
    lazy = call(ddf)
    want = call(pdf)
    got = lazy.compute(scheduler="sync")
    assert lazy.npartitions == ddf.npartitions
    if kind == "frame":
        assert list(lazy.columns) == list(want.columns)
        pd.testing.assert_frame_equal(got, want, check_freq=False, rtol=1e-12)
    else:
        assert lazy.name == want.name
        pd.testing.assert_series_equal(got, want, check_freq=False, rtol=1e-12)


def test_accessor_on_the_cluster_equals_convolve(client, frames):
    pdf, ddf = frames
    got = _compute(client, ddf.conv.convolve([0.5, 0.25, 0.25]))
    want = convts.convolve(pdf.to_numpy(), [0.5, 0.25, 0.25], axis=0)
    np.testing.assert_allclose(got.to_numpy(), want, rtol=1e-12)


@pytest.mark.parametrize("call", [
    lambda o: o.conv.ewma(alpha=0.3),
    lambda o: o.conv.comb(3, 0.5),
    lambda o: o.conv.integrate(),
    lambda o: o.conv.ar_filter([0.5]),
    lambda o: o.conv.convolve(convts.kernels.ewma(0.2)),
])
def test_accessor_iir_refused_on_time_partitions_but_exact_on_one(frames, call):
    pdf, ddf = frames
    with pytest.raises(cdask.TimeAxisError, match=r"recursive \(IIR\).*ddf.compute\(\).conv.*convts.dask.fit_many"):
        call(ddf)
    with pytest.raises(ValueError):  # TimeAxisError is a ValueError
        call(ddf["a"])
    one = ddf.repartition(npartitions=1)
    pd.testing.assert_frame_equal(call(one).compute(scheduler="sync"), call(pdf), check_freq=False, rtol=1e-12)


@pytest.mark.parametrize("call", [
    lambda o: o.conv.acf(5),
    lambda o: o.conv.pacf(5),
    lambda o: o.conv.prewhiten(2),
    lambda o: o.conv.whiten(),
    lambda o: o.conv.forecast(3, (1, 0, 0)),
    lambda o: o.conv.arima((1, 0, 0)),
    lambda o: o.conv.convolve([1.0, 1.0], mode="circular"),
])
def test_accessor_whole_axis_operations_name_the_route(frames, call):
    _, ddf = frames
    with pytest.raises(cdask.TimeAxisError, match=r"whole time axis.*ddf.compute\(\).conv"):
        call(ddf)


def test_accessor_seasonal_diff_needs_period(frames):
    _, ddf = frames
    with pytest.raises(ValueError, match="period"):
        ddf.conv.diff(0, 1)


def test_accessor_arima_on_long_panel_forwards_to_fit_many():
    _, long = _panel(n=6, seed=7)
    ddf = dd.from_pandas(long, npartitions=2, sort=False)
    got = ddf.conv.arima(ORDER, by="sid", time_col="t", value_col="y").compute()
    want = convts.fit_many(long, ORDER, id_col="sid", time_col="t", value_col="y")
    _assert_tables_equal(got.sort_index(), want.table)


# ---------------------------------------------------------------------------- optional import
def test_import_convts_does_not_import_dask_and_missing_dask_says_how_to_install():
    code = (
        "import sys, convts\n"
        "assert 'dask' not in sys.modules, 'import convts imported dask'\n"
        "sys.modules['dask'] = None\n"
        "try:\n"
        "    import convts.dask\n"
        "except ImportError as e:\n"
        "    print(e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "pip install 'convts[dask]'" in out.stdout


# ------------------------------------------------------------------ auto_arima_many
def test_auto_arima_many_on_a_dask_array_equals_in_memory(client):
    """Each partition runs the in-memory search: the same chosen models, ICs and forecasts (a
    constant series keeps its status row, its forecasts are NaN rows)."""
    rng = np.random.default_rng(5)
    Y = np.vstack([convts.kernels.arma(ar=[0.6])(rng.standard_normal(50)), rng.standard_normal(50).cumsum(),
                   np.full(50, 2.0), rng.standard_normal(50)])
    Y[3, :8] = np.nan
    x = da.from_array(Y, chunks=(2, 50))
    res = convts.dask.auto_arima_many(x, m=1)
    fc = convts.dask.forecast_many(res, steps=3)
    got, got_fc = dask.compute(res, fc)
    want = convts.auto_arima_many(Y, m=1)
    pd.testing.assert_frame_equal(got.sort_index(), want.table)
    pd.testing.assert_frame_equal(got_fc.sort_values(["id", "step"]).reset_index(drop=True), want.forecast(3))
    assert got.loc[2, "status"].startswith("y is constant") and got_fc[got_fc["id"] == 2]["mean"].isna().all()


def test_auto_arima_many_result_pickles_and_forecasts_the_same():
    import pickle

    rng = np.random.default_rng(6)
    Y = np.vstack([rng.standard_normal(40).cumsum(), 1.0 + 2.0 * np.arange(40.0), rng.standard_normal(40)])
    res = convts.auto_arima_many(Y, m=1)
    want = res.forecast(4)
    back = pickle.loads(pickle.dumps(res))
    pd.testing.assert_frame_equal(back.forecast(4), want)
    pd.testing.assert_frame_equal(back.table, res.table)
