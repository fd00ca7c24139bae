"""convts.dask.fit_many on a local cluster against the in-memory convts.fit_many (medians).

Run ``python benchmarks/bench_dask.py [--quick] [--series N] [--length T] [--repeat R]``.
Default: 20,000 ARMA(1, 1) series x 200 points, ARIMA(1, 0, 1) by ``css-mle``, on a
``LocalCluster`` of 2 worker processes with one thread each (the reference machine has 2 cores).

Rows:

* in memory, ``n_jobs=1`` and ``n_jobs=2`` (a 2-D array), and the long frame in memory;
* Dask array ``(n_series, T)`` chunked along series (no shuffle; the array travels to the workers);
* long Dask DataFrame indexed by id with known divisions (no shuffle);
* long Dask DataFrame in random row order (shuffle by id: all-to-all transfer of id, time, value).

For each Dask row: the median wall time, the overhead ratio to in-memory ``fit_many`` on the
same cores (``n_jobs=2``) and on one core, and the throughput: series per second per worker
over the wall time, and over the seconds the workers spent in the fit tasks themselves (from
the scheduler's task stream) -- the projection for a larger cluster, where each worker fits that
many series per second once the data are in place.  Warm-up (numba load in every worker, the
first graph) is excluded.  Numbers agree with in-memory (checked on every run).
"""

from __future__ import annotations

import os

for _v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_v] = "1"

import argparse  # noqa: E402
import logging  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import fmt_time, print_table  # noqa: E402

import convts  # noqa: E402

ORDER = (1, 0, 1)


def _panel(n, T, seed=0):
    rng = np.random.default_rng(seed)
    Y = convts.kernels.arma(ar=[0.6], ma=[0.3])(rng.standard_normal((n, T)), axis=1) + rng.normal(0, 3, (n, 1))
    long = pd.DataFrame({"sid": np.repeat(np.arange(n), T), "t": np.tile(np.arange(T), n), "y": Y.ravel()})
    return Y, long


def _timed(fn, repeat):
    fn()  # warm-up
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def _fit_seconds(stream):
    """Seconds the workers spent computing fit tasks (``_fit_part``) in a task stream."""
    total = 0.0
    for ts in stream:
        if "_fit_part" not in str(ts.get("key", "")):
            continue
        for s in ts.get("startstops", ()):
            if s.get("action") == "compute":
                total += s["stop"] - s["start"]
    return total


def main(quick: bool = False, n_series: int | None = None, T: int = 200, repeat: int | None = None,
         workers: int = 2) -> None:
    import dask
    import dask.array as da
    import dask.dataframe as dd
    import distributed

    import convts.dask as cdask

    warnings.simplefilter("ignore")
    n = n_series or (2_000 if quick else 20_000)
    repeat = repeat or 3
    chunk = max(n // (8 * workers), 50)  # ~8 tasks per worker
    Y, long = _panel(n, T)
    shuffled = long.sample(frac=1.0, random_state=1).reset_index(drop=True)
    print(f"# convts.dask.fit_many: {n:,} series x {T}, ARIMA{ORDER} css-mle; LocalCluster {workers} worker "
          f"processes x 1 thread; {os.cpu_count()} cores; medians of {repeat}")

    t_mem1, ref = _timed(lambda: convts.fit_many(Y, ORDER, n_jobs=1), repeat)
    t_mem2, _ = _timed(lambda: convts.fit_many(Y, ORDER, n_jobs=workers), repeat)
    t_mem_long, _ = _timed(lambda: convts.fit_many(shuffled, ORDER, n_jobs=workers, id_col="sid", time_col="t",
                                                   value_col="y"), repeat)

    cluster = distributed.LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                       dashboard_address=":0", silence_logs=logging.ERROR)
    client = distributed.Client(cluster)
    rows = [["in memory, n_jobs=1 (array)", fmt_time(t_mem1), "-", "-", f"{n / t_mem1:,.0f}", "-"],
            [f"in memory, n_jobs={workers} (array)", fmt_time(t_mem2), "-", "-", f"{n / t_mem2 / workers:,.0f}", "-"],
            [f"in memory, n_jobs={workers} (long frame)", fmt_time(t_mem_long), "-", "-",
             f"{n / t_mem_long / workers:,.0f}", "-"]]
    try:
        client.run(lambda: convts.fit_many(np.ones((1, 40)) + np.arange(40) % 3, ORDER, n_jobs=1))  # warm-up
        x = client.persist(da.from_array(Y, chunks=(chunk, T)))
        by_id = client.persist(dd.from_pandas(long.set_index("sid"), npartitions=max(n // chunk, 1), sort=True))
        unsorted = client.persist(dd.from_pandas(shuffled, npartitions=max(n // chunk, 1), sort=False))
        distributed.wait([x, by_id, unsorted])
        routes = {
            "Dask array, chunked along series": lambda: cdask.fit_many(x, ORDER),
            "long frame indexed by id (no shuffle)": lambda: cdask.fit_many(
                by_id, ORDER, id_col="sid", time_col="t", value_col="y"),
            "long frame, unsorted (shuffle by id)": lambda: cdask.fit_many(
                unsorted, ORDER, id_col="sid", time_col="t", value_col="y"),
        }
        for name, build in routes.items():
            with distributed.get_task_stream(client) as ts:
                t, got = _timed(lambda: build().compute(), repeat)
            fit_s = _fit_seconds(ts.data) / (repeat + 1)  # the warm-up run is in the stream too
            got = got.sort_index()
            diff = np.nanmax(np.abs(got["llf"].to_numpy() - ref.table["llf"].to_numpy()))
            assert diff < 1e-8 * np.nanmax(np.abs(ref.table["llf"].to_numpy())), f"{name}: llf differs by {diff}"
            rows.append([name, fmt_time(t), f"{t / t_mem2:.2f}", f"{t / t_mem1:.2f}", f"{n / t / workers:,.0f}",
                         f"{n / fit_s:,.0f}" if fit_s > 0 else "-"])
    finally:
        client.close()
        cluster.close()
    print_table(["route", "median wall", f"x in-memory n_jobs={workers}", "x in-memory n_jobs=1",
                 "series/s per worker (wall)", "series/s per worker (in fit tasks)"], rows)
    print(f"\nProjection: a cluster of W workers fits about W x (series/s per worker) series per second once "
          f"the data sit in the workers; a shuffle adds the all-to-all transfer (the difference between the "
          f"'indexed by id' and 'unsorted' rows). In-memory fit_many({n:,} series): {fmt_time(t_mem1)} on one core.")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2,000 series instead of 20,000")
    parser.add_argument("--series", type=int, default=None, help="number of series (overrides --quick)")
    parser.add_argument("--length", type=int, default=200, help="points per series (default 200)")
    parser.add_argument("--repeat", type=int, default=None, help="timed repeats per row (default 3)")
    parser.add_argument("--workers", type=int, default=2, help="worker processes (default 2)")
    args = parser.parse_args()
    main(args.quick, args.series, args.length, args.repeat, args.workers)
