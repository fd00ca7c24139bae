"""Box-Cox: scipy.special's transform, R's InvBoxCox bias adjustment and BoxCox.lambda."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import special

import convts

LAMBDAS = [-1.0, -0.2947156, -1e-9, 0.0, 1e-9, 0.5, 1.0, 2.0]


@pytest.mark.parametrize("lam", LAMBDAS)
def test_boxcox_and_inverse_equal_scipy(lam):
    x = np.random.default_rng(0).uniform(0.01, 500, 200)
    y = convts.boxcox(x, lam)
    np.testing.assert_allclose(y, special.boxcox(x, lam), rtol=1e-14, atol=0)
    back = convts.inv_boxcox(y, lam)
    np.testing.assert_allclose(back, special.inv_boxcox(y, lam), rtol=1e-14)
    np.testing.assert_allclose(back, x, rtol=1e-10)


@given(st.lists(st.floats(1e-6, 1e6), min_size=1, max_size=20), st.floats(-2, 2))
def test_boxcox_equals_scipy_property(xs, lam):
    x = np.array(xs)
    np.testing.assert_allclose(convts.boxcox(x, lam), special.boxcox(x, lam), rtol=1e-12, atol=1e-300)


def test_negative_data_with_positive_lambda_follows_r():
    # R's BoxCox: (sign(x) * abs(x)^lambda - 1) / lambda, written out
    x = np.array([-4.0, 0.0, 9.0, np.nan])
    r = np.array([(math.copysign(abs(v) ** 0.5, v) - 1) / 0.5 if not np.isnan(v) else np.nan for v in x])
    np.testing.assert_allclose(convts.boxcox(x, 0.5), r)


@pytest.mark.parametrize("lam", [0.0, -0.5])
@pytest.mark.parametrize("bad", [0.0, -1.0])
def test_nonpositive_data_with_nonpositive_lambda_raises(lam, bad):
    with pytest.raises(ValueError, match="lambda_"):
        convts.boxcox(np.array([1.0, bad, 3.0]), lam)


@pytest.mark.parametrize("lam", [np.nan, np.inf, "auto", None, True])
def test_bad_lambda_raises(lam):
    with pytest.raises(ValueError, match="lambda_"):
        convts.boxcox([1.0, 2.0], lam)


def test_inverse_outside_domain_is_nan_as_r():
    # lambda < 0: R sets x > -1/lambda to NA
    out = convts.inv_boxcox(np.array([0.5, 2.0, 3.0]), -0.5)
    assert np.isnan(out[1:]).all() and out[0] == pytest.approx((1 - 0.25) ** -2)


@pytest.mark.parametrize("lam", [-0.3, 0.0, 0.4, 1.0])
def test_bias_adjustment_is_r_formula(lam):
    rng = np.random.default_rng(1)
    y = rng.uniform(1, 3, 10)
    fvar = rng.uniform(0.001, 0.1, 10)
    # R InvBoxCox: out <- x^(1/lambda) ...; out * (1 + 0.5 * fvar * (1 - lambda) / out^(2 * lambda))
    f = np.exp(y) if lam == 0 else (lam * y + 1) ** (1 / lam)
    want = f * (1 + 0.5 * fvar * (1 - lam) / f ** (2 * lam))
    np.testing.assert_allclose(convts.inv_boxcox(y, lam, biasadj=True, fvar=fvar), want, rtol=1e-13)
    with pytest.raises(ValueError, match="fvar"):
        convts.inv_boxcox(y, lam, biasadj=True)
    with pytest.raises(ValueError, match="fvar"):
        convts.inv_boxcox(y, lam, biasadj=True, fvar=-1.0)


def test_lognormal_bias_adjustment_is_the_lognormal_mean_to_second_order():
    # lambda = 0: E[exp(Y)] = exp(mu + s2/2) ~ exp(mu) (1 + s2/2)
    mu, s2 = 1.3, 0.01
    got = convts.inv_boxcox(mu, 0.0, biasadj=True, fvar=s2)
    assert got == pytest.approx(math.exp(mu + s2 / 2), rel=1e-4)


def test_pandas_in_pandas_out_and_caller_untouched():
    s = convts.datasets.load("airline")
    before = s.copy()
    out = convts.boxcox(s, 0.0)
    assert isinstance(out, pd.Series) and out.index.equals(s.index) and out.name == s.name
    pd.testing.assert_series_equal(s, before)
    back = convts.inv_boxcox(out, 0.0)
    np.testing.assert_allclose(back.to_numpy(), s.to_numpy(), rtol=1e-14)


def test_guerrero_lambda_on_airpassengers_equals_r():
    # R: forecast::BoxCox.lambda(AirPassengers) prints -0.2947156 (R optimize, tol eps^0.25)
    air = convts.datasets.load("airline")
    assert convts.boxcox_lambda(air, m=12) == pytest.approx(-0.2947156, abs=5e-8)
    assert convts.boxcox_lambda(air) == convts.boxcox_lambda(air, m=12)  # R's frequency(x) from the index
    assert convts.boxcox_lambda(air.to_numpy()) == convts.boxcox_lambda(air, m=1)


def _guer_cv_loop(lam, x, period):
    """R's guer.cv written out with loops."""
    n = len(x)
    nyr = n // period
    start = n - nyr * period
    rats = []
    for i in range(nyr):
        seg = x[start + i * period: start + (i + 1) * period]
        mu = sum(seg) / period
        sd = math.sqrt(sum((v - mu) ** 2 for v in seg) / (period - 1))
        rats.append(sd / mu ** (1 - lam))
    mr = sum(rats) / len(rats)
    return math.sqrt(sum((r - mr) ** 2 for r in rats) / (len(rats) - 1)) / mr


@pytest.mark.parametrize("m", [1, 4, 7])
def test_guerrero_minimises_the_coefficient_of_variation(m):
    rng = np.random.default_rng(m)
    t = np.arange(150)
    x = np.exp(0.01 * t + 0.3 * np.sin(2 * np.pi * t / max(m, 2)) + 0.1 * rng.standard_normal(150)) * 50
    lam = convts.boxcox_lambda(x, m=m)
    grid = np.linspace(-1, 2, 3001)
    cv = [_guer_cv_loop(g, list(x), max(m, 2)) for g in grid]
    best = grid[int(np.argmin(cv))]
    assert lam == pytest.approx(best, abs=2e-3)
    assert _guer_cv_loop(lam, list(x), max(m, 2)) <= min(cv) + 1e-9


def _bcloglik_loop(x, m, lower, upper):
    """R's bcloglik: lm(x ~ trend [+ season]) profile log-likelihood on seq(lower, upper, 0.05)."""
    n = len(x)
    X = np.column_stack([np.ones(n), np.arange(1, n + 1)] +
                        ([(np.arange(n) % m == j).astype(float) for j in range(1, m)] if m > 1 else []))
    xdot = math.exp(np.mean(np.log(x)))
    best, best_ll = None, -np.inf
    k = 0
    while lower + 0.05 * k <= upper + 1e-9:
        la = lower + 0.05 * k
        xt = (x**la - 1) / la if abs(la) > 0.02 else np.log(x) * (
            1 + la * np.log(x) / 2 * (1 + la * np.log(x) / 3 * (1 + la * np.log(x) / 4)))
        z = xt / xdot ** (la - 1)
        beta = np.linalg.lstsq(X, z, rcond=None)[0]
        ll = -n / 2 * math.log(np.sum((z - X @ beta) ** 2))
        if ll > best_ll:
            best, best_ll = la, ll
        k += 1
    return best


@pytest.mark.parametrize("m", [1, 12])
def test_loglik_lambda_is_r_grid_maximiser(m):
    air = convts.datasets.load("airline").to_numpy()
    assert convts.boxcox_lambda(air, m=m, method="loglik") == pytest.approx(_bcloglik_loop(air, m, -1, 2), abs=1e-12)


def test_short_series_returns_one_and_nonpositive_data_raise_lower_bound():
    assert convts.boxcox_lambda([1.0, 2.0, 3.0, 4.0], m=2) == 1.0
    x = np.abs(np.random.default_rng(3).standard_normal(60)) + 0.5
    x[5] = 0.0
    with pytest.warns(UserWarning, match="lambda is searched in \\[0"):
        lam = convts.boxcox_lambda(x, m=4)
    assert 0 <= lam <= 2


def test_boxcox_lambda_bad_input():
    with pytest.raises(ValueError, match="method"):
        convts.boxcox_lambda(np.arange(1.0, 50), method="mle")
    with pytest.raises(ValueError, match="lower"):
        convts.boxcox_lambda(np.arange(1.0, 50), lower=1, upper=0)
    with pytest.raises(ValueError, match="dimension"):
        convts.boxcox_lambda(np.ones((3, 20)))
