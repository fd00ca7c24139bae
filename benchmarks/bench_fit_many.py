"""fit_many benchmark (issue 3, section 4): 1,000 series x 200 observations, ARIMA(1,0,1) with a mean, exact ML.

    python benchmarks/bench_fit_many.py           # the issue's size; peers on samples, extrapolated
    python benchmarks/bench_fit_many.py --quick   # 200 series, small peer samples, fewer repeats

* convts ``fit_many(Y, (1, 0, 1), method="css-mle", n_jobs=2)``: median of ``--repeat`` runs after
  a warm-up call (which loads the compiled kernels from numba's on-disk cache, or compiles them);
  the first call in this process is reported separately.
* statsmodels ``SARIMAX(y, order=(1, 0, 1), trend="c").fit(disp=0)`` in a loop over a sample of
  ``--sm-sample`` series, extrapolated linearly to all series (it takes ~50 ms a series).
* statsforecast ``ARIMA(order=(1, 0, 1), include_mean=True, method="CSS-ML").fit(y)`` in a loop
  over a sample of ``--sf-sample`` series (one process), extrapolated likewise.

One BLAS thread for everyone.  On a shared, loaded machine the wall times of all rows stretch
together; the CPU time of one convts call (summed over its threads) is printed as well.  The agreement of the estimates (largest |difference| in ar.L1 and
ma.L1 on the sampled series, and of the log-likelihood) is printed next to the times.
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


def make_panel(n, T, seed=0):
    from convts.kernels import arma

    rng = np.random.default_rng(seed)
    return arma(ar=[0.6], ma=[0.3])(rng.standard_normal((n, T + 100)), axis=1)[:, 100:] + 5.0


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--series", type=int, default=1000)
    ap.add_argument("--T", type=int, default=200)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--n-jobs", type=int, default=2)
    ap.add_argument("--sm-sample", type=int, default=20)
    ap.add_argument("--sf-sample", type=int, default=50)
    a = ap.parse_args(argv)
    if a.quick:
        a.series, a.repeat, a.sm_sample, a.sf_sample = 200, 3, 5, 10
    Y = make_panel(a.series, a.T)

    t0 = time.perf_counter()
    import convts

    res = convts.fit_many(Y, (1, 0, 1), method="css-mle", n_jobs=a.n_jobs)
    first = time.perf_counter() - t0
    print(load_line(), flush=True)
    # n_jobs=a.n_jobs and n_jobs=1 interleaved, a random order each round (>= 7 rounds)
    times = median_times({"jobs": lambda: convts.fit_many(Y, (1, 0, 1), method="css-mle", n_jobs=a.n_jobs),
                          "one": lambda: convts.fit_many(Y, (1, 0, 1), method="css-mle", n_jobs=1)}, a.repeat)
    t_cv, t_cv1 = times["jobs"], times["one"]
    c0 = time.process_time()
    t_w = time.perf_counter()
    convts.fit_many(Y, (1, 0, 1), method="css-mle", n_jobs=a.n_jobs)
    cpu_cv, wall_once = time.process_time() - c0, time.perf_counter() - t_w
    n_ok = int(res.ok.sum())

    rows = []
    sample_sm = np.linspace(0, a.series - 1, a.sm_sample).astype(int)
    sm_time, sm_dp, sm_dl = None, None, None
    try:
        from statsmodels.tsa.statespace.sarimax import SARIMAX

        fits = []
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for i in sample_sm:
                fits.append(SARIMAX(Y[i], order=(1, 0, 1), trend="c").fit(disp=0))
        sm_time = (time.perf_counter() - t0) / sample_sm.size * a.series
        ours = res.table.iloc[sample_sm]
        sm_dp = max(float(np.max(np.abs(ours[["ar.L1", "ma.L1"]].to_numpy()
                                        - np.array([f.params[1:3] for f in fits])))), 0.0)
        sm_dl = float(np.max(np.abs(ours["llf"].to_numpy() - np.array([f.llf for f in fits]))))
    except ImportError:
        pass

    sample_sf = np.linspace(0, a.series - 1, a.sf_sample).astype(int)
    sf_time, sf_dp = None, None
    try:
        from statsforecast.models import ARIMA as SFARIMA

        SFARIMA(order=(1, 0, 1), include_mean=True, method="CSS-ML").fit(Y[0])  # warm-up (numba inside)
        coefs = []
        t0 = time.perf_counter()
        for i in sample_sf:
            m = SFARIMA(order=(1, 0, 1), include_mean=True, method="CSS-ML").fit(Y[i])
            coefs.append([m.model_["coef"]["ar1"], m.model_["coef"]["ma1"]])
        sf_time = (time.perf_counter() - t0) / sample_sf.size * a.series
        sf_dp = float(np.max(np.abs(res.table.iloc[sample_sf][["ar.L1", "ma.L1"]].to_numpy() - np.array(coefs))))
    except ImportError:
        pass

    def ratio(t):
        return f"{t / t_cv:.0f}x" if t is not None else "-"

    rows.append([f"convts fit_many, {a.n_jobs} threads", fmt_time(t_cv), "1x", f"{n_ok}/{a.series} ok", "-"])
    rows.append(["convts fit_many, CPU time of one call (all threads)", fmt_time(cpu_cv), "",
                 f"wall of that call {fmt_time(wall_once)}", "cpu"])
    rows.append(["convts fit_many, 1 thread", fmt_time(t_cv1), f"{t_cv1 / t_cv:.1f}x", "", "-"])
    rows.append(["convts fit_many, first call in process", fmt_time(first), f"{first / t_cv:.1f}x",
                 "(loads/compiles numba kernels)", "-"])
    rows.append([f"statsmodels SARIMAX loop ({a.sm_sample} series, extrapolated)", fmt_time(sm_time), ratio(sm_time),
                 f"max |d params| {sm_dp:.1e}, |d llf| {sm_dl:.1e}" if sm_dp is not None else "", "sample"])
    rows.append([f"statsforecast ARIMA CSS-ML ({a.sf_sample} series, extrapolated)", fmt_time(sf_time),
                 ratio(sf_time), f"max |d params| {sf_dp:.1e}" if sf_dp is not None else "", "sample"])
    print(f"fit_many: {a.series} series x {a.T}, ARIMA(1,0,1) + mean, exact ML (css-mle); "
          f"median of {max(a.repeat, 7)} rounds ({a.n_jobs} threads and 1 thread interleaved); one BLAS thread")
    print_table(["what", "time", "ratio to convts", "agreement", "note"], rows)
    print("target (issue 3): convts <= 1 s at 1,000 x 200 on 2 cores")
    print(load_line())


if __name__ == "__main__":
    main()
