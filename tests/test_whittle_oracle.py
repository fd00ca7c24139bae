"""``ARIMA(...).fit(method="whittle")`` against the Whittle objective written out directly.

The oracle shares no code with convts:

* the periodogram ``I_j = |sum_t (w_t - mean) exp(-i w_j t)|^2 / n`` at the Fourier frequencies
  ``w_j = 2 pi j / n``, ``j = 1..floor((n - 1) / 2)``, by an explicit O(n^2) DFT (a matrix of
  complex exponentials, no FFT), of the differenced series ``w`` (demeaned with the sample
  mean when the model has a constant, as src/convts/models/_whittle.py documents);
* the spectral shape ``g(w) = |theta(z) Theta(z^s)|^2 / |phi(z) Phi(z^s)|^2`` at ``z = e^{-i w}``
  from the expanded polynomials (``numpy.convolve`` of the factors, ``numpy.polyval``);
* the concentrated Whittle objective ``Q = log(mean_j I_j / g_j) + mean_j log g_j`` (sigma2 =
  ``mean_j I_j / g_j`` up to the constant factor ``2 pi`` of the periodogram's normalisation,
  which moves neither the minimum nor the ratio of sigma2 values);
* minimised by scipy's Nelder-Mead from the true and from zero coefficients (the better end
  wins) on the raw coefficients, with +inf outside the stationary/invertible region, to a
  tolerance of 1e-11 in the coefficients; the oracle's own minimum is checked by its gradient.

convts' estimates must agree to 2e-5 (BFGS to a gradient of 1e-7 on a curvature of order 1),
sigma2 to 1e-4 relative (and to 1e-10 with the formula at convts' own estimate).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from scipy.optimize import minimize

import convts

CASES = [
    # order, seasonal_order, trend, true phi, theta, Phi, Theta, n
    ((1, 0, 0), (0, 0, 0, 0), "c", [0.6], [], [], [], 400),
    ((0, 0, 1), (0, 0, 0, 0), "n", [], [0.5], [], [], 400),
    ((1, 0, 1), (0, 0, 0, 0), "c", [0.5], [0.4], [], [], 600),
    ((2, 0, 1), (0, 0, 0, 0), "c", [0.5, -0.3], [0.4], [], [], 600),
    ((2, 0, 0), (0, 0, 0, 0), "n", [1.2, -0.5], [], [], [], 500),
    ((1, 1, 1), (0, 0, 0, 0), "n", [0.4], [-0.3], [], [], 501),
    ((1, 0, 0), (1, 0, 0, 4), "c", [0.5], [], [0.4], [], 600),
    ((0, 1, 1), (0, 1, 1, 12), "n", [], [-0.4], [], [-0.6], 613),
]


def _poly(coefs, step, sign):
    """Coefficients of 1 + sign * sum_k c_k z^(k step), lowest degree first."""
    out = np.zeros(len(coefs) * step + 1)
    out[0] = 1.0
    for k, c in enumerate(coefs, start=1):
        out[k * step] = sign * c
    return out


def _simulate(case, seed):
    from scipy.signal import lfilter

    order, sorder, trend, phi, theta, Phi, Theta, n = case
    s = max(sorder[3], 1)
    ar = np.convolve(_poly(phi, 1, -1), _poly(Phi, s, -1))
    ma = np.convolve(_poly(theta, 1, 1), _poly(Theta, s, 1))
    rng = np.random.default_rng(seed)
    w = lfilter(ma, ar, rng.standard_normal(n + 300))[300:]
    y = w + (5.0 if trend == "c" else 0.0)
    for _ in range(order[1]):
        y = np.cumsum(y)
    for _ in range(sorder[1]):
        y = y.copy()
        for t in range(s, y.size):
            y[t] += y[t - s]
    return y


def _difference(y, d, D, s):
    for _ in range(D):
        y = y[s:] - y[:-s]
    for _ in range(d):
        y = y[1:] - y[:-1]
    return y


class Oracle:
    def __init__(self, w, demean, p, q, P, Q, s):
        n = w.size
        self.m = (n - 1) // 2
        wc = w - w.mean() if demean else w
        t = np.arange(n)
        j = np.arange(1, self.m + 1)
        self.freqs = 2 * np.pi * j / n
        dft = np.exp(-1j * np.outer(self.freqs, t)) @ wc  # explicit O(n^2) DFT
        self.I = np.abs(dft) ** 2 / n
        self.z = np.exp(-1j * self.freqs)
        self.sizes = (p, q, P, Q)
        self.s = s

    def split(self, c):
        p, q, P, Q = self.sizes
        return c[:p], c[p : p + q], c[p + q : p + q + P], c[p + q + P :]

    def polys(self, c):
        phi, theta, Phi, Theta = self.split(c)
        ar = np.convolve(_poly(phi, 1, -1), _poly(Phi, self.s, -1))
        ma = np.convolve(_poly(theta, 1, 1), _poly(Theta, self.s, 1))
        return ar, ma

    def admissible(self, c):
        for poly in self.polys(c):
            roots = np.roots(poly[::-1])  # roots in z of 1 + a_1 z + ...
            if roots.size and np.min(np.abs(roots)) <= 1.0 + 1e-6:
                return False
        return True

    def g(self, c):
        ar, ma = self.polys(c)
        return np.abs(np.polyval(ma[::-1], self.z)) ** 2 / np.abs(np.polyval(ar[::-1], self.z)) ** 2

    def objective(self, c):
        c = np.asarray(c, dtype=float)
        if not self.admissible(c):
            return np.inf
        g = self.g(c)
        return float(np.log(np.mean(self.I / g)) + np.mean(np.log(g)))

    def sigma2(self, c):
        return float(np.mean(self.I / self.g(c)))

    def minimise(self, starts):
        best = None
        for x0 in starts:
            x = np.asarray(x0, dtype=float)
            for _ in range(3):  # restart Nelder-Mead from its end: a fresh simplex
                r = minimize(self.objective, x, method="Nelder-Mead",
                             options={"xatol": 1e-11, "fatol": 1e-15, "maxiter": 40000, "maxfev": 80000,
                                      "initial_simplex": x + 0.05 * np.vstack([np.zeros(x.size), np.eye(x.size)])})
                x = r.x
            if best is None or self.objective(x) < self.objective(best):
                best = x
        return best

    def gradient(self, c, h=1e-6):
        out = np.zeros(c.size)
        for i in range(c.size):
            e = np.zeros(c.size)
            e[i] = h
            out[i] = (self.objective(c + e) - self.objective(c - e)) / (2 * h)
        return out


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c[0]}x{c[1]}-{c[2]}")
def test_whittle_equals_the_direct_dft_objective_minimised_by_scipy(case):
    order, sorder, trend, phi, theta, Phi, Theta, n = case
    p, d, q = order
    P, D, Q, s = sorder
    y = _simulate(case, seed=n + p + 3 * q)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a converged fit does not warn
        res = convts.ARIMA(y, order=order, seasonal_order=sorder, trend=trend).fit(method="whittle")
    w = _difference(y, d, D, s)
    oracle = Oracle(w, trend == "c", p, q, P, Q, max(s, 1))
    truth = np.r_[phi, theta, Phi, Theta]
    best = oracle.minimise([truth, np.zeros(truth.size)])
    assert np.max(np.abs(oracle.gradient(best))) < 1e-6  # the oracle is at its minimum
    names = ([f"ar.L{i}" for i in range(1, p + 1)] + [f"ma.L{i}" for i in range(1, q + 1)]
             + [f"ar.S.L{i * s}" for i in range(1, P + 1)] + [f"ma.S.L{i * s}" for i in range(1, Q + 1)])
    got = res.params[names].to_numpy()
    np.testing.assert_allclose(got, best, rtol=0, atol=2e-5,
                               err_msg=f"objective convts {oracle.objective(got)!r} oracle {oracle.objective(best)!r}")
    # sigma2 = mean_j(|DFT_j|^2 / n / g_j): exactly at convts' own estimate, to 1e-4 at the oracle's
    assert res.params["sigma2"] == pytest.approx(oracle.sigma2(got), rel=1e-10)
    assert res.params["sigma2"] == pytest.approx(oracle.sigma2(best), rel=1e-4)
    if trend == "c":
        assert res.params["const"] == pytest.approx(w.mean(), rel=1e-12)
    assert res.converged
