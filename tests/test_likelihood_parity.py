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
from hypothesis import given, settings
from hypothesis import strategies as st
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


# ------------------------------------------------------------------ the stationary initial covariance
def _companion(ph):
    r = ph.size
    T = np.zeros((r, r))
    T[:, 0] = ph
    T[np.arange(r - 1), np.arange(1, r)] = 1.0
    return T


@settings(max_examples=150, deadline=None)
@given(p=st.integers(0, 3), q=st.integers(0, 3), P=st.integers(0, 2), Q=st.integers(0, 2),
       s=st.sampled_from([1, 2, 4, 12]), scale=st.sampled_from([0.3, 1.0, 3.0]), seed=st.integers(0, 2**31))
def test_stationary_cov_equals_scipys_lyapunov_solution(p, q, P, Q, s, scale, seed):
    """``P0 = T P0 T' + R R'`` in O(r^2) from the autocovariances solves the equation (residual
    1e-11 of ``|P0|``) and equals scipy's dense ``solve_discrete_lyapunov`` (Bartels-Stewart) on
    random stationary, invertible seasonal models; near the unit circle (``scale = 3``) scipy's
    own error grows with the conditioning (8.9e-9 of ``|P0|`` against mpmath where ours is 2.6e-12),
    so there the residual is the check."""
    from scipy.linalg import solve_discrete_lyapunov

    from convts.models.likelihood.kalman import expand, state_space, stationary_cov
    from convts.models.likelihood.transforms import constrain_stationary

    rng = np.random.default_rng(seed)
    ar, sar = (constrain_stationary(rng.standard_normal(k) * scale) for k in (p, P))
    ma, sma = (-constrain_stationary(rng.standard_normal(k) * scale) for k in (q, Q))
    ph, R = state_space(expand(ar, sar, s, -1.0), expand(ma, sma, s, 1.0))
    T = _companion(ph)
    got = stationary_cov(ph, R)
    size = np.abs(got).max()
    np.testing.assert_allclose(got - T @ got @ T.T - np.outer(R, R), 0.0, atol=1e-11 * size)
    np.testing.assert_array_equal(got, got.T)
    if scale < 3.0:
        np.testing.assert_allclose(got, solve_discrete_lyapunov(T, np.outer(R, R)), rtol=0, atol=1e-10 * size)


@pytest.mark.parametrize("phi, theta", [(0.9999, 0.0), (-0.95, 0.6), (0.5, -0.999), (0.0, 0.7)])
def test_stationary_cov_of_arma11_is_the_closed_form(phi, theta):
    """ARMA(1, 1) in Harvey form, state ``(w_t, theta e_t)``: ``P0 = [[gamma_0, theta], [theta, theta^2]]``
    with ``gamma_0 = (1 + 2 phi theta + theta^2) / (1 - phi^2)``, also next to the unit circle
    (``gamma_0 = 5000.25`` for ``phi = 0.9999``)."""
    from convts.models.likelihood.kalman import stationary_cov

    P0 = stationary_cov(np.array([phi, 0.0]), np.array([1.0, theta]))
    g0 = (1 + 2 * phi * theta + theta ** 2) / (1 - phi ** 2)
    np.testing.assert_allclose(P0, [[g0, theta], [theta, theta ** 2]], rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("ph", [[1.0], [1.2, -0.1], [0.5, 0.5], [0.0, 0.0, 1.0], [np.nan]])
def test_stationary_cov_of_a_nonstationary_ar_is_nan(ph):
    from convts.models.likelihood.kalman import stationary_cov

    ph = np.array(ph, dtype=float)
    assert np.isnan(stationary_cov(ph, np.r_[1.0, np.zeros(ph.size - 1)])).all()


# ------------------------------------------------------------------ the adjoint gradient
def _profiled(y, ph, R, P0, tol):
    from convts.models.likelihood.kalman import kalman_arma

    r, e = ph.size, np.zeros(0)
    ssq, slog, nobs = kalman_arma(y, ph, R, P0, tol, e, e, np.empty(r), np.empty((r, r)))
    return 0.5 * (nobs * np.log(ssq / nobs) + slog) / y.size


@settings(max_examples=25, deadline=None)
@given(p=st.integers(0, 2), q=st.integers(0, 2), P=st.integers(0, 2), Q=st.integers(0, 2),
       s=st.sampled_from([1, 4, 12]), tol=st.sampled_from([0.0, 1e-10]), seed=st.integers(0, 2**31))
def test_kalman_adjoint_equals_central_differences_of_the_filter(p, q, P, Q, s, tol, seed):
    """``kalman_adjoint``'s derivatives of the profiled objective with respect to the data, phi, R
    and each stored element of P0, against central differences of ``kalman_arma`` (the filter
    run on its own), with and without the switch to the steady state."""
    from convts.models.likelihood.adjoint import kalman_adjoint
    from convts.models.likelihood.kalman import expand, state_space, stationary_cov
    from convts.models.likelihood.transforms import constrain_stationary

    rng = np.random.default_rng(seed)
    ar, sar = (constrain_stationary(rng.standard_normal(k)) for k in (p, P))
    ma, sma = (-constrain_stationary(rng.standard_normal(k)) for k in (q, Q))
    ph, R = state_space(expand(ar, sar, s, -1.0), expand(ma, sma, s, 1.0))
    r, n = ph.size, 60
    P0 = stationary_cov(ph, R)
    y = rng.standard_normal(n)
    yb, phb, Rb, P0b = np.empty(n), np.empty(r), np.empty(r), np.empty((r, r))
    ssq, slog, nobs = kalman_adjoint(y, ph, R, P0, tol, float(n), yb, phb, Rb, P0b)
    assert nobs == n
    f0 = _profiled(y, ph, R, P0, tol)
    assert 0.5 * (nobs * np.log(ssq / nobs) + slog) / n == pytest.approx(f0, rel=1e-13)
    h = 1e-6

    def check(got, bump):
        plus, minus = bump(h), bump(-h)
        want = (_profiled(*plus, tol) - _profiled(*minus, tol)) / (2 * h)
        assert got == pytest.approx(want, rel=1e-4, abs=1e-7)

    for t in range(0, n, 7):
        check(yb[t], lambda d: (y + d * (np.arange(n) == t), ph, R, P0))
    for i in range(r):
        check(phb[i], lambda d: (y, ph + d * (np.arange(r) == i), R, P0))
        check(Rb[i], lambda d: (y, ph, R + d * (np.arange(r) == i), P0))
        for j in range(i, r):
            E = np.zeros((r, r))
            E[i, j] = 1.0
            check(P0b[i, j], lambda d: (y, ph, R, P0 + d * E))


@pytest.mark.parametrize("phi", [[0.0, 0.0, 1.0], [0.0, 0.0, 0.0, -1.0], [0.2, 0.3, 1.0], [0.5, 0.5], [1.0],
                                 [0.3, -0.2, 0.5], [1.2, -0.5], [0.0, 0.0, 0.99]])
def test_is_stationary_equals_the_roots_even_on_the_unit_circle(phi):
    """The Schur-Cohn test against np.roots of ``1 - phi_1 z - ...`` (every root outside the unit
    circle), also with a root exactly on it, where the step-down divided by zero before."""
    from convts.models.likelihood.transforms import is_stationary, partial_autocorrelations

    phi = np.array(phi, dtype=float)
    outside = bool(np.all(np.abs(np.roots(np.r_[-phi[::-1], 1.0])) > 1.0 + 1e-12))
    assert is_stationary(phi) == outside
    r = partial_autocorrelations(phi)
    assert (np.all(np.abs(r) < 1.0)) == outside
