"""ARIMA fitting: convts exact ML against statsmodels and statsforecast (medians, one BLAS thread).

Run ``OPENBLAS_NUM_THREADS=1 python benchmarks/bench_arima.py [--quick]`` (the script sets the
BLAS thread variables itself before importing numpy).  Every row times complete fits of the same
data by each library in the same process, after one warm-up fit (numba compilation and imports
are excluded), and prints the median wall time, the ratio to convts, and the distance of each
answer to convts' exact ML (log-likelihood of the differenced series and the MA coefficient
where one exists).
"""

from __future__ import annotations

import os

for _v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_v] = "1"

import argparse  # noqa: E402
import sys  # noqa: E402
import warnings  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(__file__))

import convts  # noqa: E402
from _common import load_line, median_times, print_table  # noqa: E402


def _case(fns, rounds):
    """{library: (median seconds, last result)}: the contenders of one case timed interleaved,
    in a random order each round (``_common.median_times``: at least seven rounds)."""
    results = {}
    times = median_times(fns, rounds, results=results)
    return {k: (times[k], results[k]) for k in fns}


def _sim_arima(n, ar, ma, d, seed, seasonal=None):
    rng = np.random.default_rng(seed)
    k = convts.kernels.arma(ar=ar, ma=ma)
    if seasonal is not None:
        k = k * seasonal
    x = k(rng.standard_normal(n + 500))[500:]
    for _ in range(d):
        x = np.cumsum(x)
    return x


def _llf_gap(y, order, sorder, params, llf_ours):
    """Exact llf (SARIMAX simple_differencing=True) at another library's params minus convts' llf."""
    from statsmodels.tsa.statespace.sarimax import SARIMAX

    m = SARIMAX(y, order=order, seasonal_order=sorder, simple_differencing=True)
    return float(m.loglike(np.asarray(params))) - llf_ours


def main(quick: bool = False) -> None:
    warnings.simplefilter("ignore")
    from statsmodels.tsa.arima.model import ARIMA as SMARIMA

    reps = 3 if quick else 7
    rows = []
    print(load_line(), flush=True)

    def add(case, lib, seconds, note=""):
        rows.append((case, lib, seconds, note))

    # 1. airline model on log AirPassengers
    air = np.log(convts.datasets.load("airline"))
    order, sorder = (0, 1, 1), (0, 1, 1, 12)
    fns = {"convts mle": lambda: convts.ARIMA(air, order=order, seasonal_order=sorder).fit(),
           "statsmodels ARIMA().fit()": lambda: SMARIMA(air, order=order, seasonal_order=sorder).fit()}
    try:
        from statsforecast.models import ARIMA as SFARIMA

        yv = air.to_numpy()
        fns["statsforecast CSS-ML"] = lambda: SFARIMA(order=order, seasonal_order=sorder[:3], season_length=12,
                                                      method="CSS-ML").fit(yv)
    except Exception as exc:  # pragma: no cover - optional peer
        sf_error = exc
    got = _case(fns, reps)
    case = "airline log AirPassengers"
    t_c, r_c = got["convts mle"]
    add(case, "convts mle", t_c, f"ma.L1={r_c.params['ma.L1']:.4f} llf={r_c.llf:.4f}")
    t_s, r_s = got["statsmodels ARIMA().fit()"]
    add(case, "statsmodels ARIMA().fit()", t_s, f"ma.L1={r_s.params['ma.L1']:.4f}")
    if "statsforecast CSS-ML" in got:
        t_f, r_f = got["statsforecast CSS-ML"]
        coef = r_f.model_["coef"]
        add(case, "statsforecast CSS-ML", t_f, f"ma.L1={coef['ma1']:.4f} (exact {r_c.params['ma.L1']:.4f})")
    else:  # pragma: no cover - optional peer
        add(case, "statsforecast CSS-ML", float("nan"), f"unavailable: {sf_error}")

    # 1b. exact ML of a long ARMA(1,1) with a constant (the issue-16 goal: <= 0.3 s at n = 1e6)
    y101 = 2.0 + _sim_arima(1_000_000, [0.5], [0.3], 0, seed=3)
    t_c, r_c = _case({"convts": lambda: convts.ARIMA(y101, order=(1, 0, 1)).fit()}, reps)["convts"]
    add("ARIMA(1,0,1) n=1e6", "convts mle", t_c,
        "params " + ", ".join(f"{v:.4f}" for v in r_c.params.to_numpy()) + f" llf={r_c.llf:.2f}")

    # 2. innovations_mle comparisons
    def innov(y, o, so):
        return SMARIMA(y, order=o, seasonal_order=so).fit(method="innovations_mle")

    y212 = _sim_arima(1000, [0.5, -0.3], [0.4, 0.2], 1, seed=2)
    got = _case({"convts": lambda: convts.ARIMA(y212, order=(2, 1, 2)).fit(),
                 "innov": lambda: innov(y212, (2, 1, 2), (0, 0, 0, 0))}, reps)
    t_c, r_c = got["convts"]
    add("ARIMA(2,1,2) n=1000", "convts mle", t_c, f"llf={r_c.llf:.3f}")
    t_i, r_i = got["innov"]
    add("ARIMA(2,1,2) n=1000", "statsmodels innovations_mle", t_i, f"llf diff (theirs at SARIMAX)={_llf_gap(y212, (2, 1, 2), (0, 0, 0, 0), r_i.params, r_c.llf):.2e}")

    n_long = 2000 if quick else 10_000
    w = (convts.kernels.arma(ma=[-0.4]) * convts.kernels.arma(ma=[-0.6], ma_lags=[12]))(
        0.05 * np.random.default_rng(5).standard_normal(n_long))
    ylong = 5.0 + convts.kernels.integrate(1, 1, 12)(w)
    got = _case({"convts": lambda: convts.ARIMA(ylong, order=order, seasonal_order=sorder).fit(),
                 "innov": lambda: innov(ylong, order, sorder)}, reps)
    t_c, r_c = got["convts"]
    add(f"airline n={n_long}", "convts mle", t_c, f"ma.L1={r_c.params['ma.L1']:.4f}")
    t_i, r_i = got["innov"]
    add(f"airline n={n_long}", "statsmodels innovations_mle", t_i, f"ma.L1={np.asarray(r_i.params)[0]:.4f}")

    # 3. long seasonal period: (1,0,1)(1,0,1)365 on three years of daily data
    k365 = convts.kernels.arma(ar=[0.5], ma=[0.3]) * convts.kernels.arma(ar=[0.5], ma=[0.3], ar_lags=[365], ma_lags=[365])
    rng = np.random.default_rng(9)
    y365 = 10 + k365(rng.standard_normal(3 * 365 + 3000))[3000:]
    t_c, r_c = _case({"convts": lambda: convts.ARIMA(y365, order=(1, 0, 1), seasonal_order=(1, 0, 1, 365)).fit()}, reps)["convts"]
    add("SARIMA(1,0,1)(1,0,1)365 n=1095", "convts mle", t_c,
        "params " + ", ".join(f"{v:.3f}" for v in r_c.params.to_numpy()[1:-1]))

    # 4. Whittle vs exact ML on a long ARMA(2,1)
    n_big = 100_000 if quick else 1_000_000
    ybig = _sim_arima(n_big, [0.5, 0.2], [0.3], 0, seed=21)
    model = convts.ARIMA(ybig, order=(2, 0, 1))
    try:
        got = _case({"mle": lambda: model.fit(), "whittle": lambda: model.fit(method="whittle")}, reps)
    except Exception as exc:  # pragma: no cover - the Whittle estimator is optional here
        got = _case({"mle": lambda: model.fit()}, reps)
        whittle_error = exc
    t_c, r_c = got["mle"]
    add(f"ARMA(2,1) n={n_big:.0e}", "convts mle", t_c, f"llf={r_c.llf:.2f}")
    try:
        if "whittle" not in got:
            raise whittle_error
        t_w, r_w = got["whittle"]
        gap = np.max(np.abs(r_w.params.to_numpy()[1:-1] - r_c.params.to_numpy()[1:-1]))
        add(f"ARMA(2,1) n={n_big:.0e}", "convts whittle", t_w, f"max |param - mle| = {gap:.1e}, llf - mle llf = {r_w.llf - r_c.llf:.2e}")
    except Exception as exc:  # pragma: no cover - the Whittle estimator is optional here
        add(f"ARMA(2,1) n={n_big:.0e}", "convts whittle", float("nan"), f"unavailable: {exc}")
    _table(rows)
    print(load_line())
    print()
    print("Notes: exact ML = likelihood of the differenced series (statsmodels SARIMAX simple_differencing=True).")
    print("  s=365: the Kalman state would have dimension 367; convts switches to Durbin-Levinson on the")
    print("  autocovariances, computed as the convolution of the regular and seasonal factors' autocovariances")
    print("  (cost O(n^2 + n * taps), independent of s). statsmodels would need a 367-dim state.")


def _table(rows):
    base = {}
    for case, lib, sec, _ in rows:
        if lib.startswith("convts") and case not in base:
            base[case] = sec
    print("ARIMA fits: median wall time, contenders of a case interleaved in a random order each round")
    cells = []
    for case, lib, sec, note in rows:
        ratio = sec / base[case] if case in base and base[case] > 0 else float("nan")
        cells.append([case, lib, f"{sec:.4f}", f"{ratio:.1f}", note])
    print_table(["case", "library", "median s", "x convts", "note"], cells)


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="fewer repeats and a shorter long series")
    main(ap.parse_args().quick)
