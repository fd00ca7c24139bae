"""Simulation: Kernel.simulate's moments and ACF against closed forms, ARIMAResults.simulate against the
exact forecast distribution, simulated and bootstrap forecast intervals (Monte-Carlo and binomial error)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import norm

import convts
from convts.kernels._simulate import burnin_length


def _arma11_theory(phi, theta, sigma2, nlags):
    """Closed forms of an ARMA(1, 1) (Box, Jenkins and Reinsel, sec. 3.4): gamma_0 and rho_1..rho_nlags."""
    g0 = sigma2 * (1 + 2 * phi * theta + theta**2) / (1 - phi**2)
    rho1 = (1 + phi * theta) * (phi + theta) / (1 + 2 * phi * theta + theta**2)
    return g0, np.array([rho1 * phi ** (k - 1) for k in range(1, nlags + 1)])


def _sample_acf(y, nlags):
    z = y - y.mean()
    return np.array([z[: z.size - k] @ z[k:] for k in range(1, nlags + 1)]) / (z @ z)


def test_kernel_simulate_moments_and_acf():
    phi, theta, scale, n = 0.7, 0.4, 2.0, 200_000
    y = convts.kernels.arma(ar=[phi], ma=[theta]).simulate(n, scale=scale, random_state=0)
    assert y.shape == (n,) and y.dtype == np.float64
    g0, rho = _arma11_theory(phi, theta, scale**2, 10)
    # tolerances: 4 standard errors for a sample of n (long-run variance of the mean; Bartlett's
    # formula for the variance and the autocorrelations of a Gaussian linear process)
    lrv = scale**2 * ((1 + theta) / (1 - phi)) ** 2
    assert abs(y.mean()) < 4 * math.sqrt(lrv / n)
    rho_all = np.r_[1.0, rho, [rho[-1] * phi ** k for k in range(1, 400)]]
    sum_rho2 = 1 + 2 * np.sum(rho_all[1:] ** 2)
    assert abs(y.var() - g0) < 4 * g0 * math.sqrt(2 * sum_rho2 / n)
    r = _sample_acf(y, 10)
    for k in range(1, 11):
        # Bartlett: n var(r_k) = sum_j (rho_{j+k} + rho_{j-k} - 2 rho_k rho_j)^2
        j = np.arange(-300, 301)
        rr = lambda h: rho_all[np.minimum(np.abs(h), rho_all.size - 1)] * (np.abs(h) < rho_all.size)  # noqa: E731
        bart = np.sum((rr(j + k) + rr(j - k) - 2 * rho[k - 1] * rr(j)) ** 2)
        assert abs(r[k - 1] - rho[k - 1]) < 4 * math.sqrt(bart / n), k


def test_kernel_simulate_burnin_reaches_the_stationary_variance():
    k = convts.kernels.arma(ar=[0.95])
    assert burnin_length(k) == math.ceil(math.log(1e-12) / math.log(0.95)) + 1
    reps = 20_000
    first = k.simulate(1, repetitions=reps, random_state=1)[0]  # the first value of each path
    g0 = 1 / (1 - 0.95**2)
    assert abs(first.var() - g0) < 4 * g0 * math.sqrt(2 / reps)
    at_rest = k.simulate(1, repetitions=reps, random_state=1, burnin=0)[0]  # no burn-in: just e_0
    assert abs(at_rest.var() - 1.0) < 4 * math.sqrt(2 / reps)
    # FIR: the burn-in is the longest lag; a unit root: none (paths start at rest)
    assert burnin_length(convts.kernels.arma(ma=[0.5, 0.2])) == 2
    assert burnin_length(convts.kernels.integrate(1)) == 0
    with pytest.raises(ValueError, match="repetitions"):
        k.simulate(5, repetitions=0)


def test_kernel_simulate_is_reproducible_and_bootstraps_noise():
    k = convts.kernels.arma(ar=[0.5])
    np.testing.assert_array_equal(k.simulate(50, 3, random_state=7), k.simulate(50, 3, random_state=7))
    pool = np.array([-1.0, 1.0])
    y = convts.kernels.arma(ma=[0.0]).simulate(1000, noise=pool, random_state=0)  # identity kernel: the noise itself
    assert set(np.unique(y)) == {-1.0, 1.0}


def _fit(seed=0, n=400):
    y = convts.kernels.arma(ar=[0.6], ma=[0.3])(np.random.default_rng(seed).standard_normal(n + 100))[100:] + 5
    return convts.ARIMA(y, order=(1, 0, 1)).fit()


def test_results_simulate_end_is_the_forecast_distribution():
    for res in (_fit(), convts.ARIMA(np.log(convts.datasets.load("airline")), order=(0, 1, 1),
                                     seasonal_order=(0, 1, 1, 12)).fit()):
        reps, steps = 20_000, 6
        sims = np.asarray(res.simulate(steps, repetitions=reps, random_state=3))
        pf = res.get_forecast(steps)
        m, s = pf.predicted_mean.to_numpy(), pf.se_mean.to_numpy()
        assert np.all(np.abs(sims.mean(axis=1) - m) < 4 * s / math.sqrt(reps))
        assert np.all(np.abs(sims.var(axis=1, ddof=1) / s**2 - 1) < 4 * math.sqrt(2 / reps))


def test_results_simulate_start_is_stationary():
    res = _fit(1)
    p = res.params
    reps = 20_000
    sims = np.asarray(res.simulate(3, repetitions=reps, anchor="start", random_state=4))
    g0, rho = _arma11_theory(p["ar.L1"], p["ma.L1"], p["sigma2"], 1)
    assert np.all(np.abs(sims.mean(axis=1) - p["const"]) < 4 * math.sqrt(g0 / reps))
    assert np.all(np.abs(sims.var(axis=1, ddof=1) / g0 - 1) < 4 * math.sqrt(2 / reps))
    c = np.corrcoef(sims[0], sims[1])[0, 1]
    assert abs(c - rho[0]) < 4 * (1 - rho[0] ** 2) / math.sqrt(reps)
    with pytest.raises(ValueError, match="anchor"):
        res.simulate(3, anchor="middle")


@pytest.mark.parametrize("alpha", [0.05, 0.2])
def test_simulated_intervals_agree_with_analytic(alpha):
    res = _fit(2)
    reps = 20_000
    pf = res.get_forecast(8)
    a = pf.summary_frame(alpha)
    b = pf.summary_frame(alpha, method="simulate", repetitions=reps, random_state=5)
    np.testing.assert_array_equal(a["mean"], b["mean"])
    # standard error of a sample quantile: sqrt(p (1 - p) / R) / density at the quantile
    p = alpha / 2
    q_se = a["mean_se"].to_numpy() * math.sqrt(p * (1 - p) / reps) / norm.pdf(norm.ppf(p))
    assert np.all(np.abs(b["mean_ci_lower"] - a["mean_ci_lower"]) < 4 * q_se)
    assert np.all(np.abs(b["mean_ci_upper"] - a["mean_ci_upper"]) < 4 * q_se)
    with pytest.raises(ValueError, match="method"):
        pf.summary_frame(method="exact")


def test_bootstrap_shocks_are_the_centred_residuals():
    res = _fit(3, n=600)
    pf = res.get_forecast(1)
    paths = pf._paths(500, 0, True)[0]
    r = res.resid.to_numpy()
    pool = np.sort(r - r.mean())
    dev = paths - pf.predicted_mean.iloc[0]  # 1 step ahead: the shock (the state's extra spread ~ 0 at n = 600)
    nearest = pool[np.clip(np.searchsorted(pool, dev), 0, pool.size - 1)]
    nearest2 = pool[np.clip(np.searchsorted(pool, dev) - 1, 0, pool.size - 1)]
    assert np.all(np.minimum(np.abs(dev - nearest), np.abs(dev - nearest2)) < 1e-4)


def test_bootstrap_coverage_within_binomial_error():
    """80 % bootstrap intervals of the next value of simulated AR(1) series with Laplace (non-Gaussian)
    noise cover it in 80 % of series, within 3.5 binomial standard errors (plus the parameter
    estimation's small inflation)."""
    rng = np.random.default_rng(11)
    n_series, n, level = 400, 150, 0.8
    k = convts.kernels.arma(ar=[0.7])
    hits = 0
    for i in range(n_series):
        e = rng.laplace(size=n + 101)
        y = k(e)[100:] + 2.0
        res = convts.ARIMA(y[:n], order=(1, 0, 0)).fit()
        f = res.get_forecast(1).summary_frame(1 - level, method="bootstrap", repetitions=200, random_state=i)
        hits += bool(f["mean_ci_lower"].iloc[0] <= y[n] <= f["mean_ci_upper"].iloc[0])
    se = math.sqrt(level * (1 - level) / n_series)
    assert abs(hits / n_series - level) < 3.5 * se + 0.02, hits / n_series
