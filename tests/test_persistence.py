"""Results pickle small and load in a fresh process with equal forecasts, standard errors and appends."""

from __future__ import annotations

import pickle
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import convts


def _series(n, seed=0, mean=5.0):
    return convts.kernels.arma(ar=[0.6], ma=[0.3])(np.random.default_rng(seed).standard_normal(n + 100))[100:] + mean


def _results():
    air = np.log(convts.datasets.load("airline"))
    rng = np.random.default_rng(2)
    X = pd.DataFrame({"price": rng.standard_normal(150)})
    yx = pd.Series(1 + 2 * X["price"].to_numpy() + _series(150, 3, 0.0))
    return {
        "arma11": (convts.ARIMA(_series(300), order=(1, 0, 1)).fit(), None),
        "airline": (convts.ARIMA(air, order=(0, 1, 1), seasonal_order=(0, 1, 1, 12)).fit(), None),
        "exog": (convts.ARIMA(yx, exog=X, order=(1, 0, 0)).fit(), np.full((4, 1), 0.5)),
        "boxcox": (convts.ARIMA(convts.datasets.load("airline"), order=(0, 1, 1), seasonal_order=(0, 1, 1, 12),
                                lambda_=0.0, biasadj=True).fit(), None),
        "css": (convts.ARIMA(_series(200, 4), order=(1, 0, 1)).fit(method="css"), None),
        "appended": (convts.ARIMA(_series(300, 5)[:250], order=(1, 0, 1)).fit().append(_series(300, 5)[250:]), None),
    }


def test_pickled_results_load_in_a_fresh_process_with_equal_forecasts(tmp_path):
    cases = _results()
    files = {}
    for name, (res, ex) in cases.items():
        path = tmp_path / f"{name}.pkl"
        path.write_bytes(pickle.dumps((res, ex)))
        files[name] = str(path)
    code = (
        "import pickle, sys, numpy as np\n"
        "out = {}\n"
        "for name, path in eval(sys.argv[1]).items():\n"
        "    res, ex = pickle.load(open(path, 'rb'))\n"
        "    f = res.get_forecast(4, exog=ex).summary_frame(0.1)\n"
        "    out[name] = (f.to_numpy().tolist(), res.bse.to_numpy().tolist(), float(res.llf),\n"
        "                 res.append(np.full(3, 1.0), exog=None if ex is None else ex[:3]).forecast(2, exog=None if ex is None else ex[:2]).tolist())\n"
        "print(repr(out))\n"
    )
    run = subprocess.run([sys.executable, "-c", code, repr(files)], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    loaded = eval(run.stdout.strip().splitlines()[-1], {"nan": np.nan})
    for name, (res, ex) in cases.items():
        frame, bse, llf, app = loaded[name]
        np.testing.assert_array_equal(np.array(frame), res.get_forecast(4, exog=ex).summary_frame(0.1).to_numpy())
        np.testing.assert_allclose(bse, res.bse.to_numpy(), rtol=1e-12)
        assert llf == res.llf
        want = res.append(np.full(3, 1.0), exog=None if ex is None else ex[:3]).forecast(2, exog=None if ex is None else ex[:2])
        np.testing.assert_allclose(app, want.to_numpy(), rtol=1e-13)


def test_pickle_holds_no_big_copies():
    """A result of n observations pickles to the series and the residuals (2 n float64) plus a few KB."""
    n = 20_000
    res = convts.ARIMA(_series(n, 6), order=(2, 0, 1)).fit()
    res.bse  # the covariance is cached and kept (small)
    size = len(pickle.dumps(res))
    assert size < 2 * n * 8 + 8_000, size
    back = pickle.loads(pickle.dumps(res))
    np.testing.assert_array_equal(back.resid.to_numpy(), res.resid.to_numpy())
    np.testing.assert_array_equal(back.fittedvalues.to_numpy(), res.fittedvalues.to_numpy())


def test_fit_many_result_pickles_and_forecasts_equal(tmp_path):
    Y = np.stack([_series(120, s) for s in range(20)])
    fm = convts.fit_many(Y, order=(1, 0, 1))
    blob = pickle.dumps(fm)
    assert len(blob) < Y.nbytes + 40_000
    path = tmp_path / "fm.pkl"
    path.write_bytes(blob)
    code = ("import pickle, sys\n"
            "fm = pickle.load(open(sys.argv[1], 'rb'))\n"
            "print(repr(fm.forecast(3)['mean'].tolist()))\n")
    run = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    got = eval(run.stdout.strip().splitlines()[-1])
    np.testing.assert_array_equal(got, fm.forecast(3)["mean"].to_numpy())
