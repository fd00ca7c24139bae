"""Backtesting benchmark (issue 14): 1,000 series x 200 observations, h=6, 5 windows, ARIMA(1,0,1) with a mean.

    python benchmarks/bench_backtest.py           # the issue's size; statsforecast on a sample, extrapolated
    python benchmarks/bench_backtest.py --quick   # 100 series, a 20-series statsforecast sample

Contenders, timed in the same run (one warm-up call each, then >= 7 rounds in a random order
each round, medians; one BLAS thread for everyone, one process each):

* convts ``cross_validation(Y, h=6, n_windows=5, step_size=6, order=(1, 0, 1), trend="c",
  refit=True)``: an exact-ML fit at every cutoff;
* the same with ``refit=False``: one fit at the first cutoff, later windows continued with
  ``ARIMAResults.append`` (the state carried over the 6 new observations);
* statsforecast ``StatsForecast(models=[ARIMA(order=(1, 0, 1), include_mean=True)], freq=1,
  n_jobs=1).cross_validation(h=6, n_windows=5, step_size=6)`` (a fit at every cutoff) on a
  sample of ``--sf-sample`` series spread over the panel, extrapolated linearly to all series;
  convts ``refit=True`` on the same sample is timed too, so one ratio needs no extrapolation.

Agreement: the mean and largest |difference| between convts' (refit=True) and statsforecast's
point forecasts on the sample (same model, both exact ML, so they differ only by optimizer
tolerance), and ``convts.evaluate`` MAE and 95% coverage of every contender on the sample
(and of convts on all series).
"""

from __future__ import annotations

import os

for _v in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

import argparse  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(__file__))
from _common import fmt_time, load_line, median_times, print_table  # noqa: E402

H, N_WINDOWS, STEP = 6, 5, 6


def make_panel(n, T, seed=0):
    """``n`` ARMA(1,1) series (phi 0.6, theta 0.3, unit noise) of length ``T`` around a mean of 5, after a burn-in."""
    from convts.kernels import arma

    rng = np.random.default_rng(seed)
    return arma(ar=[0.6], ma=[0.3])(rng.standard_normal((n, T + 100)), axis=1)[:, 100:] + 5.0


def long_frame(Y, ids):
    import pandas as pd

    T = Y.shape[1]
    return pd.DataFrame({"unique_id": np.repeat(ids, T), "ds": np.tile(np.arange(T), len(ids)),
                         "y": Y[ids].ravel()})


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--series", type=int, default=1000)
    ap.add_argument("--T", type=int, default=200)
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--sf-sample", type=int, default=100)
    a = ap.parse_args(argv)
    if a.quick:
        a.series, a.sf_sample = 100, 20
    a.sf_sample = min(a.sf_sample, a.series)
    print(load_line(), flush=True)
    import convts

    Y = make_panel(a.series, a.T)
    data = long_frame(Y, np.arange(a.series))
    sample = np.unique(np.linspace(0, a.series - 1, a.sf_sample).astype(int))
    data_s = long_frame(Y, sample)
    kw = dict(h=H, n_windows=N_WINDOWS, step_size=STEP, order=(1, 0, 1), trend="c")

    fns = {"refit": lambda: convts.cross_validation(data, refit=True, **kw),
           "norefit": lambda: convts.cross_validation(data, refit=False, **kw),
           "refit_s": lambda: convts.cross_validation(data_s, refit=True, **kw),
           "sf": None}
    try:
        from statsforecast import StatsForecast
        from statsforecast.models import ARIMA as SFARIMA

        def run_sf():
            sf = StatsForecast(models=[SFARIMA(order=(1, 0, 1), include_mean=True)], freq=1, n_jobs=1)
            return sf.cross_validation(df=data_s, h=H, n_windows=N_WINDOWS, step_size=STEP, level=[95])

        fns["sf"] = run_sf
    except ImportError:
        print("statsforecast not installed: its row is left out")
    t0 = time.perf_counter()
    convts.cross_validation(data_s.iloc[: 2 * a.T], refit=False, **kw)  # loads/compiles the kernels
    print(f"first convts call in this process (numba load/compile): {fmt_time(time.perf_counter() - t0)}", flush=True)
    out = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        times = median_times(fns, a.repeat, results=out)

    scale = a.series / sample.size
    t_sf = times["sf"] * scale if times["sf"] is not None else None
    rows = [[f"convts cross_validation refit=True ({a.series} series)", fmt_time(times["refit"]), "1x", "measured"],
            [f"convts cross_validation refit=False ({a.series} series)", fmt_time(times["norefit"]),
             f"{times['norefit'] / times['refit']:.2f}x", "measured"],
            [f"convts cross_validation refit=True ({sample.size}-series sample)", fmt_time(times["refit_s"]), "", "measured"]]
    if times["sf"] is not None:
        rows.append([f"statsforecast cross_validation ARIMA ({sample.size}-series sample)", fmt_time(times["sf"]),
                     f"{times['sf'] / times['refit_s']:.1f}x the convts sample row", "measured"])
        rows.append([f"statsforecast, extrapolated to {a.series} series (x{scale:g})", fmt_time(t_sf),
                     f"{t_sf / times['refit']:.1f}x", "sample x series/sample"])
    print()
    print(f"{a.series} series x {a.T}, h={H}, n_windows={N_WINDOWS}, step_size={STEP}, ARIMA(1,0,1)+mean; "
          f"wall seconds, median of >= 7 rounds")
    print_table(["contender", "wall", "vs refit=True", "how"], rows)

    # agreement and accuracy on the sample (every contender), and convts on all series
    import pandas as pd

    cv_t, cv_f = out["refit"], out["norefit"]
    in_s = cv_t["unique_id"].isin(sample).to_numpy()
    acc = []
    for name, cv, col in [("convts refit=True", cv_t[in_s], "mean"), ("convts refit=False", cv_f[in_s], "mean"),
                          ("statsforecast ARIMA", out.get("sf"), "ARIMA")]:
        if cv is None:
            continue
        cv = cv.copy()
        cv.attrs["alpha"] = 0.05
        ev = convts.evaluate(cv, ["mae", "coverage"], by=None, forecast_col=col)
        acc.append([name + f" ({sample.size}-series sample)", f"{ev['mae'].iloc[0]:.4f}",
                    f"{ev['coverage-95'].iloc[0]:.3f}"])
    for name, cv in [("convts refit=True", cv_t), ("convts refit=False", cv_f)]:
        ev = convts.evaluate(cv, ["mae", "coverage"], by=None)
        acc.append([name + f" (all {a.series})", f"{ev['mae'].iloc[0]:.4f}", f"{ev['coverage-95'].iloc[0]:.3f}"])
    print()
    print_table(["forecasts", "MAE", "95% coverage"], acc)

    if out.get("sf") is not None:
        sf_cv = out["sf"].reset_index() if "unique_id" not in out["sf"].columns else out["sf"]
        keys = ["unique_id", "ds", "cutoff"]
        both = pd.merge(cv_t[in_s][keys + ["mean", "mean_ci_upper"]],
                        sf_cv[keys + ["ARIMA", "ARIMA-hi-95"]].astype({"unique_id": cv_t["unique_id"].dtype}), on=keys)
        d = np.abs(both["mean"].to_numpy() - both["ARIMA"].to_numpy())
        w = np.abs((both["mean_ci_upper"] - both["mean"]).to_numpy() - (both["ARIMA-hi-95"] - both["ARIMA"]).to_numpy())
        print()
        print(f"point forecasts, convts refit=True vs statsforecast on {len(both)} rows: mean |diff| {d.mean():.2e}, "
              f"median {np.median(d):.2e}, max {d.max():.2e}; 95% half-width mean |diff| {w.mean():.2e}")
        both_f = pd.merge(cv_t[keys + ["mean"]], cv_f[keys + ["mean"]], on=keys, suffixes=("_t", "_f"))
        later = both_f["cutoff"] > both_f["cutoff"].min()
        df_ = np.abs(both_f["mean_t"] - both_f["mean_f"])[later]
        print(f"refit=False vs refit=True (windows 2-{N_WINDOWS}, all series): mean |diff| {df_.mean():.2e}")
    print()
    print(load_line())


if __name__ == "__main__":
    main()
