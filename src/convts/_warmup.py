"""What :func:`convts.warmup` compiles, group by group, and its progress display."""

from __future__ import annotations

import sys
import time
import warnings

import numpy as np


def _series(n=120, seed=0):
    from .kernels import arma

    rng = np.random.default_rng(seed)
    return arma(ar=[0.5], ma=[0.3])(rng.standard_normal(n + 50))[50:] + 1.0


def _exact_ml():
    from .models import ARIMA

    res = ARIMA(_series(), order=(1, 0, 1)).fit()  # compiled CSS, starts, BFGS, finish
    res.forecast(3)
    res.append(_series(5, seed=1)).forecast(3)  # the filter carried on over new data
    _ = res.bse  # numerical Hessian of the Kalman likelihood
    ARIMA(_series(), order=(1, 1, 1), seasonal_order=(1, 0, 0, 4)).fit().forecast(3)  # expanded seasonal lags


def _css():
    from .models import ARIMA

    ARIMA(_series(), order=(1, 0, 1)).fit(method="css").forecast(3)


def _scipy_path():
    from .models import ARIMA

    y = _series(200)
    # fixed parameters take scipy's L-BFGS-B on the fused objective (Kalman likelihood) ...
    ARIMA(y, order=(1, 0, 1)).fit(fixed={"ar.L1": 0.5})
    # ... and a long seasonal period the Toeplitz (Durbin-Levinson) likelihood
    ARIMA(y, order=(1, 0, 0), seasonal_order=(1, 0, 0, 40)).fit()


def _fit_many():
    from .models import fit_many

    Y = np.vstack([_series(seed=i) for i in range(4)])
    fit_many(Y, order=(1, 0, 1), n_jobs=2).forecast(3)  # and the compiled batch forecasts


def _rolling_and_ewm():
    import pandas as pd

    from . import accessor  # noqa: F401  (registers .conv; _warmup is above the accessor's layer)
    from .engine import rolling_corr, rolling_std

    x = _series(30)
    rolling_std(x, 5)
    rolling_corr(x, x[::-1].copy(), 5)
    pd.Series(x).conv.ewma(span=5)  # pandas' ewm recursion, compiled


MODEL_GROUPS = (
    ("models: exact ML (compiled CSS + BFGS), forecasts, standard errors", _exact_ml),
    ("models: CSS", _css),
    ("models: scipy L-BFGS-B path (fixed parameters, Toeplitz likelihood)", _scipy_path),
    ("models: fit_many and batch forecasts", _fit_many),
    ("engine: rolling moments, pandas-style ewma", _rolling_and_ewm),
)


class _Display:
    """One line per group on stderr, or a tqdm bar when tqdm is installed."""

    def __init__(self, total):
        self.t0 = time.perf_counter()
        self.started = False
        self.bar = None
        try:
            from tqdm.auto import tqdm

            self.bar = tqdm(total=total, desc="convts.warmup", file=sys.stderr, unit="group")
        except ImportError:
            pass

    def step(self, label):
        if self.bar is not None:
            if self.started:
                if self.bar.n + 1 >= self.bar.total:
                    self.bar.total += 1  # more engine groups than expected
                self.bar.update(1)
            self.bar.set_postfix_str(label)
        else:
            print(f"convts.warmup: {label} (+{time.perf_counter() - self.t0:.1f} s)", file=sys.stderr, flush=True)
        self.started = True

    def close(self):
        if self.bar is not None:
            self.bar.update(self.bar.total - self.bar.n)
            self.bar.close()
        else:
            print(f"convts.warmup: done in {time.perf_counter() - self.t0:.1f} s", file=sys.stderr, flush=True)


def run(progress: bool) -> None:
    from .backends import get_backend

    display = _Display(total=len(MODEL_GROUPS) + 5) if progress else None  # 5: the engine's groups
    get_backend("numba").warmup(progress=display.step if display is not None else None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tiny warm-up fits may warn (convergence, near-boundary roots)
        for label, fn in MODEL_GROUPS:
            if display is not None:
                display.step(label)
            fn()
    if display is not None:
        display.close()
