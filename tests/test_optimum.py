"""Optimum quality of exact ML: convts never stops at a worse optimum than statsmodels.

The oracle is statsmodels' ``SARIMAX(x, order, trend="c").fit(disp=False)`` (independent code:
its own start, L-BFGS-B, its own Kalman filter).  ``trend="c"`` (intercept) and convts' mean are
two parameterisations of the same model, so the maximised log-likelihoods are comparable; the
exact likelihood itself agrees to ~1e-9 (test_arima_parity.py).  Over 50 seeds of each hard
design below, convts' ``llf`` must be ``>= statsmodels' llf - 1e-6``, for ``ARIMA(...).fit()``
(the compiled single fit) and for ``fit_many`` (the same compiled fit, called per row).

The designs are those where one start is not enough (issue 17, item 7): an AR(1) fitted as
ARMA(2, 2) (a ridge of near-cancelling AR/MA factors; from the CSS start alone 13 of 60 seeds
ended below statsmodels, by up to 5 log-likelihood units), an ARMA(2, 2) whose AR and MA roots
nearly cancel, and white noise fitted as ARMA(2, 2).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import convts
from convts.kernels import arma

sarimax = pytest.importorskip("statsmodels.tsa.statespace.sarimax")
threadpoolctl = pytest.importorskip("threadpoolctl")

SEEDS = range(50)


def _ar05(seed):  # the issue's example (seed 28: statsmodels -282.46, convts was -287.54)
    rng = np.random.default_rng(seed)
    return arma(ar=[0.5])(rng.normal(size=400))[200:]


def _cancel(seed):  # AR roots 1.2 +- 0.75i, MA roots 1.375 +- 0.78i: nearly cancelling factors
    rng = np.random.default_rng(seed)
    return arma(ar=[1.2, -0.5], ma=[-1.1, 0.4])(rng.normal(size=400))[200:] + 3.0


def _white(seed):
    return np.random.default_rng(seed).normal(size=150)


DESIGNS = {"ar1-as-arma22": _ar05, "near-cancelling-arma22": _cancel, "white-noise-arma22": _white}
ORDER = (2, 0, 2)


@pytest.fixture(scope="module")
def statsmodels_llf():
    """statsmodels' maximised llf per (design, seed); one BLAS thread (~75 ms a fit instead of ~1 s)."""
    out = {}
    with threadpoolctl.threadpool_limits(1), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, make in DESIGNS.items():
            out[name] = np.array([sarimax.SARIMAX(make(seed), order=ORDER, trend="c").fit(disp=False).llf
                                  for seed in SEEDS])
    return out


def _report(name, ours, theirs):
    bad = np.flatnonzero(~(ours >= theirs - 1e-6))
    return (f"{name}: {bad.size} of {len(SEEDS)} seeds below statsmodels: "
            + ", ".join(f"seed {SEEDS[i]}: {ours[i]:.4f} < {theirs[i]:.4f}" for i in bad))


def test_issue_example():
    x = _ar05(28)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = convts.ARIMA(x, order=ORDER).fit()
    assert res.llf == pytest.approx(-282.461, abs=1e-3)  # statsmodels' optimum; one CSS start gave -287.54


@pytest.mark.timeout(180)
@pytest.mark.parametrize("name", list(DESIGNS))
def test_single_fit_not_below_statsmodels(name, statsmodels_llf):
    make = DESIGNS[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours = np.array([convts.ARIMA(make(seed), order=ORDER).fit().llf for seed in SEEDS])
    theirs = statsmodels_llf[name]
    assert np.all(ours >= theirs - 1e-6), _report(name, ours, theirs)


@pytest.mark.timeout(180)
@pytest.mark.parametrize("name", list(DESIGNS))
def test_fit_many_not_below_statsmodels(name, statsmodels_llf):
    make = DESIGNS[name]
    Y = np.vstack([make(seed) for seed in SEEDS])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = convts.fit_many(Y, order=ORDER, n_jobs=1)  # method="css-mle", the compiled path
    ours = res.table["llf"].to_numpy(dtype=float)
    # (no check of ``status``: some optima, statsmodels' too, have an AR root within 1e-3 of the
    # unit circle, which fit_many reports as "at the stationarity boundary" with its llf)
    theirs = statsmodels_llf[name]
    assert np.all(ours >= theirs - 1e-6), _report(name, ours, theirs)
