"""Batch forecasts (issue 15): ``FitManyResult.forecast(6)`` on 5,000 fitted series; target <= 0.5 s.

    python benchmarks/bench_batch_forecast.py           # 5,000 series x 200, ARIMA(1,0,1) + mean, and
                                                        # 5,000 monthly series x 144, airline model
    python benchmarks/bench_batch_forecast.py --quick   # 500 series, fewer repeats

* convts: ``FitManyResult.forecast`` (one Kalman pass and one forecast per series in numba,
  blocks of series on a thread per core, one DataFrame at the end), median of ``--repeat``
  calls after a warm-up call (which loads the compiled kernel from numba's cache, or compiles
  it; reported apart).
* the per-series path it replaced: ``result(id).get_forecast(6).summary_frame()`` and one small
  frame per series, on a sample of ``--sample`` series (after one warm-up series), extrapolated
  linearly to all series.
* agreement: the largest |difference| of the mean and standard error between the two on the sample.

One BLAS thread.  The fits themselves (``fit_many``) are not timed here (see bench_fit_many.py).
"""

from __future__ import annotations

import os

for _v in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

import argparse  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(__file__))
from _common import fmt_time, median_time, print_table  # noqa: E402


def _panels(n, seed=0):
    import pandas as pd

    from convts.kernels import arma

    rng = np.random.default_rng(seed)
    arma_panel = arma(ar=[0.6], ma=[0.3])(rng.standard_normal((n, 300)), axis=1)[:, 100:] + 5.0
    e = rng.standard_normal((n, 144)) * 0.04
    airline = (arma(ma=[-0.4])(e, axis=1) + arma(ma=[-0.6], ma_lags=[12])(e, axis=1)).cumsum(axis=1)
    airline = airline + 0.1 * np.sin(2 * np.pi * np.arange(144) / 12) + 5.0
    idx = pd.date_range("2010-01-01", periods=144, freq="MS")
    return [("ARIMA(1,0,1) + mean, T=200, no time axis", arma_panel, dict(order=(1, 0, 1))),
            ("airline (0,1,1)(0,1,1)12, T=144 months", pd.DataFrame(airline.T, index=idx),
             dict(order=(0, 1, 1), seasonal_order=(0, 1, 1, 12)))]


def _per_series(res, ids, steps):
    import pandas as pd

    frames = []
    for id_ in ids:
        sf = res.result(id_).get_forecast(steps).summary_frame()
        f = pd.DataFrame({"id": [id_] * steps, "step": np.arange(1, steps + 1)})
        for c in sf.columns:
            f[c] = sf[c].to_numpy()
        frames.append(f)
    return pd.concat(frames, ignore_index=True)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--series", type=int, default=5000)
    ap.add_argument("--steps", type=int, default=6)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--sample", type=int, default=100)
    a = ap.parse_args(argv)
    if a.quick:
        a.series, a.repeat, a.sample = 500, 3, 20
    import convts

    rows = []
    for label, data, spec in _panels(a.series):
        t0 = time.perf_counter()
        res = convts.fit_many(data, **spec)
        t_fit = time.perf_counter() - t0
        t0 = time.perf_counter()
        fc = res.forecast(a.steps)
        first = time.perf_counter() - t0
        t_fc = median_time(lambda: res.forecast(a.steps), repeat=a.repeat, warmup=0)
        ids = res.table.index[np.linspace(0, a.series - 1, a.sample).astype(int)]
        _per_series(res, res.table.index[-1:], a.steps)  # warm-up: compiles or loads the single-series code
        t0 = time.perf_counter()
        old = _per_series(res, ids, a.steps)
        t_old = (time.perf_counter() - t0) / a.sample * a.series
        new = fc[fc["id"].isin(ids)]
        diff = float(np.max(np.abs(new[["mean", "mean_se"]].to_numpy() - old[["mean", "mean_se"]].to_numpy())))
        rows.append([label, f"{int(res.ok.sum())}/{a.series} ok", fmt_time(t_fit), fmt_time(t_fc), fmt_time(first),
                     fmt_time(t_old), f"{t_old / t_fc:.0f}x", f"{diff:.1e}"])
    print(f"FitManyResult.forecast({a.steps}) on {a.series} series; median of {a.repeat}; one BLAS thread")
    print_table(["panel", "fits", "fit_many", "forecast (compiled)", "first call", "per-series (extrap.)",
                 "speed-up", "max |diff| mean/se"], rows)
    print("target (issue 15): forecast(6) on 5,000 series <= 0.5 s")


if __name__ == "__main__":
    main()
