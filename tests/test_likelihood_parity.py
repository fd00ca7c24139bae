"""The exact log-likelihood at given parameters, apart from any optimiser.

convts' likelihood is evaluated at a point by fixing every coefficient (``fit(fixed=...)``
leaves only ``sigma2``, which has a closed form); the oracle is statsmodels'
``SARIMAX(y, exog, order, seasonal_order, trend, simple_differencing=True).loglike(params)`` at
the same point, with the parameters mapped between the two conventions:

* convts' ``const`` (``trend='c'``, ``d + D == 0``) is the mean of the series; statsmodels'
  ``intercept`` enters the ARMA equation, so ``intercept = const * phi(1) * Phi(1)``;
* convts' drift (``trend='t'`` with ``d + D == 1``) becomes a constant of the differenced series,
  ``drift * (1 - L)(t) = drift`` or ``drift * (1 - L^s)(t) = s * drift``; statsmodels fits the
  differenced series (``simple_differencing=True``) with ``trend='c'``, intercept as above;
* ``trend='ct'`` (a regression on ``1, t``) is given to statsmodels as exog columns ``1, t``;
* exog coefficients, AR and MA coefficients (statsmodels' signs) and ``sigma2`` map one to one.

Agreement: 1e-9 relative.  A second oracle, for ARMA without differencing, is the dense
multivariate normal density of ``tests/reference.py`` (O(n^3) Cholesky of the Toeplitz
covariance, gaps dropped from it).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from statsmodels.tsa.statespace.sarimax import SARIMAX

import convts

import reference as ref

REL = 1e-9

# (order, seasonal_order, trend, k_exog, gaps)
CASES = [
    ((1, 0, 0), (0, 0, 0, 0), "c", 0, False),
    ((0, 0, 1), (0, 0, 0, 0), "c", 0, True),
    ((2, 0, 1), (0, 0, 0, 0), "c", 0, False),
    ((2, 0, 2), (0, 0, 0, 0), "c", 0, True),
    ((1, 0, 1), (0, 0, 0, 0), "n", 0, True),
    ((1, 0, 1), (0, 0, 0, 0), "c", 2, False),
    ((1, 0, 1), (0, 0, 0, 0), "c", 1, True),
    ((2, 0, 0), (0, 0, 0, 0), "ct", 0, False),
    ((1, 0, 1), (0, 0, 0, 0), "ct", 1, True),
    ((1, 1, 1), (0, 0, 0, 0), "n", 0, False),
    ((0, 1, 2), (0, 0, 0, 0), "t", 0, True),
    ((2, 1, 0), (0, 0, 0, 0), "t", 1, False),
    ((1, 2, 1), (0, 0, 0, 0), "n", 0, True),
    ((1, 0, 0), (1, 0, 0, 4), "c", 0, False),
    ((1, 0, 1), (0, 0, 1, 12), "c", 0, True),
    ((1, 0, 0), (1, 0, 1, 4), "n", 1, True),
    ((0, 1, 1), (0, 1, 1, 12), "n", 0, False),
    ((0, 1, 1), (0, 1, 1, 12), "n", 0, True),
    ((1, 1, 0), (1, 1, 0, 4), "n", 1, False),
    ((2, 0, 1), (1, 1, 0, 4), "t", 0, True),
    ((0, 0, 2), (2, 0, 0, 3), "c", 0, False),
    ((1, 1, 1), (1, 0, 1, 7), "n", 0, True),
]


def _coefs(rng, k):
    """k coefficients with sum |.| < 0.9: stationary as AR, invertible as MA."""
    v = rng.uniform(-1, 1, k)
    return 0.85 * v / max(1.0, np.abs(v).sum())


def _simulate(rng, n, order, seasonal_order):
    from scipy.signal import lfilter

    p, d, q = order
    P, D, Q, s = seasonal_order
    y = lfilter([1.0, 0.4], [1.0, -0.5], rng.standard_normal(n + 50))[50:]
    for _ in range(d):
        y = np.cumsum(y)
    for _ in range(D):
        for t in range(s, n):
            y[t] += y[t - s]
    return 3.0 + y


def _case(case, seed):
    order, seasonal_order, trend, k_exog, gaps = case
    rng = np.random.default_rng(seed)
    n = 150
    X = rng.standard_normal((n, k_exog)) if k_exog else None
    y = _simulate(rng, n, order, seasonal_order)
    if X is not None:
        y = y + X @ rng.uniform(-2, 2, k_exog)
    if gaps:
        y[rng.choice(np.arange(20, n - 20), 6, replace=False)] = np.nan
    model = convts.ARIMA(y, exog=X, order=order, seasonal_order=seasonal_order, trend=trend)
    p, d, q = order
    P, D, Q, s = seasonal_order
    values = {}
    for name in model.param_names[:-1]:
        values[name] = float(rng.uniform(-2, 2))
    for prefix, k in (("ar.L", p), ("ma.L", q)):
        for i, c in enumerate(_coefs(rng, k), start=1):
            values[f"{prefix}{i}"] = float(c)
    for prefix, k in (("ar.S.L", P), ("ma.S.L", Q)):
        for i, c in enumerate(_coefs(rng, k), start=1):
            values[f"{prefix}{i * s}"] = float(c)
    return model, y, X, values


def _statsmodels_point(model, y, X, values, sigma2):
    """statsmodels' SARIMAX and its parameter vector at convts' point."""
    order, sorder, trend = model.order, model.seasonal_order, model.trend
    p, d, q = order
    P, D, Q, s = sorder
    phi1 = 1.0 - sum(values.get(f"ar.L{i}", 0.0) for i in range(1, p + 1))
    Phi1 = 1.0 - sum(values.get(f"ar.S.L{i * s}", 0.0) for i in range(1, P + 1))
    exog_names = model.exog_names
    betas = [values[nm] for nm in exog_names]
    arma = ([values[f"ar.L{i}"] for i in range(1, p + 1)] + [values[f"ma.L{i}"] for i in range(1, q + 1)]
            + [values[f"ar.S.L{i * s}"] for i in range(1, P + 1)] + [values[f"ma.S.L{i * s}"] for i in range(1, Q + 1)])
    sm_exog = X
    if trend == "c":  # the mean of the (undifferenced) series
        sm_trend, lead = "c", [values["const"] * phi1 * Phi1]
    elif trend == "t":  # a drift: a constant of the once-differenced series
        step = 1 if d == 1 else s
        sm_trend, lead = "c", [values[model.trend_names[0]] * step * phi1 * Phi1]
    elif trend == "ct":  # a regression on 1, t (t = 1..n), as exog columns
        t = np.arange(1, y.size + 1, dtype=float)
        cols = [np.ones_like(t), t] + ([X] if X is not None else [])
        sm_exog = np.column_stack(cols)
        sm_trend, lead = "n", [values[model.trend_names[0]], values[model.trend_names[1]]]
    else:
        sm_trend, lead = "n", []
    sm = SARIMAX(y, exog=sm_exog, order=order, seasonal_order=sorder if (P or D or Q) else (0, 0, 0, 0),
                 trend=sm_trend, simple_differencing=True)
    return sm, np.array(lead + betas + arma + [sigma2])


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c[0]}x{c[1]}-{c[2]}-exog{c[3]}{'-gaps' if c[4] else ''}")
def test_exact_loglike_equals_statsmodels_at_given_params(case):
    model, y, X, values = _case(case, seed=sum(map(ord, repr(case))))
    res = model.fit(fixed=values)
    sigma2 = float(res.params["sigma2"])
    for nm, v in values.items():  # the point is the one we asked for
        assert res.params[nm] == v
    sm, point = _statsmodels_point(model, y, X, values, sigma2)
    assert len(point) == len(sm.param_names), (sm.param_names, point)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = float(sm.loglike(point))
    assert res.llf == pytest.approx(want, rel=REL, abs=0), (res.llf, want, sm.param_names, point)
    # sigma2 maximises the likelihood at fixed coefficients: statsmodels' value is lower elsewhere
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for f in (0.9, 1.1):
            assert float(sm.loglike(np.r_[point[:-1], sigma2 * f])) < want


@pytest.mark.parametrize("order,gaps", [((1, 0, 1), False), ((2, 0, 1), True), ((0, 0, 2), True), ((3, 0, 0), False)])
def test_exact_loglike_equals_the_dense_gaussian_density(order, gaps):
    """No statsmodels: the multivariate normal density of the observed values (Toeplitz, Cholesky)."""
    _, y, _, values = _case((order, (0, 0, 0, 0), "c", 0, gaps), seed=7 + order[0])
    p, _, q = order
    ar = {i: values[f"ar.L{i}"] for i in range(1, p + 1)}
    ma = {j: values[f"ma.L{j}"] for j in range(1, q + 1)}
    short = convts.ARIMA(y[:80], order=order, trend="c").fit(fixed=values)
    s2 = float(short.params["sigma2"])
    want = ref.arma_exact_loglike_dense(y[:80] - values["const"], ar, ma, s2)
    assert short.llf == pytest.approx(want, rel=REL, abs=0)
