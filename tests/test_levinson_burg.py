"""Levinson-Durbin, the step-up (kernels._levinson) and Burg (engine._ar): the one copy of each,
against scipy's Toeplitz solver, statsmodels and textbook loops."""

import numpy as np
import pytest
import scipy.linalg
from hypothesis import given, settings
from hypothesis import strategies as st
from statsmodels.regression.linear_model import burg as sm_burg
from statsmodels.regression.linear_model import yule_walker as sm_yule_walker
from statsmodels.tsa.stattools import levinson_durbin as sm_levinson

from convts.engine._ar import burg, burg_path, yule_walker
from convts.kernels import _levinson as L
from reference import levinson_loop


def _acovf(x, nlags):
    xc = x - x.mean()
    return np.array([xc[: x.size - k] @ xc[k:] for k in range(nlags + 1)]) / x.size


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), order=st.integers(0, 90), scale=st.sampled_from([1e-150, 1.0, 1e150]))
def test_levinson_solves_the_toeplitz_system(seed, order, scale):
    """Biased autocovariances of a random series are positive definite: ar = scipy's Toeplitz solve."""
    x = np.random.default_rng(seed).standard_normal(order + 40).cumsum() * scale
    r = _acovf(x, max(order, 1))
    res = L.levinson_durbin(r, order)
    if order:
        want = scipy.linalg.solve_toeplitz(r[:order], r[1:])
        np.testing.assert_allclose(res.ar, want, rtol=1e-6, atol=1e-8 * np.abs(want).max())
        np.testing.assert_allclose(res.sigma2, r[0] - want @ r[1:], rtol=1e-6)
    pacf, s2 = L.levinson_path(r, order)
    np.testing.assert_array_equal(pacf, res.pacf)
    sm_sigma, _, sm_pacf, _, _ = sm_levinson(r, nlags=max(order, 1), isacov=True)
    np.testing.assert_allclose(pacf[1:], sm_pacf[1 : order + 1], rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(s2[-1], res.sigma2, rtol=1e-12)


def test_compiled_and_python_steps_agree_bitwise():
    """Orders above the Python threshold run the numba-compiled steps: same arithmetic, same bits."""
    r = _acovf(np.random.default_rng(1).standard_normal(400).cumsum(), 100)
    p = L._PY_MAX_ORDER + 20
    fast = L.levinson_durbin(r, p)
    _, slow_pacf, slow_sig, failed = _python_recursion(r[: p + 1], p)
    assert failed == 0
    np.testing.assert_array_equal(fast.pacf, slow_pacf)
    assert fast.sigma2 == slow_sig[-1]
    phi_l, v_l, pacf_l = levinson_loop(r, p)  # the textbook loop (tests/reference.py)
    np.testing.assert_allclose(fast.ar, phi_l, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(fast.pacf, pacf_l, rtol=1e-9, atol=1e-12)


def _python_recursion(r, order):
    old = L._PY_MAX_ORDER
    L._PY_MAX_ORDER = 10**9
    try:
        return L._recursion(r, order, True)
    finally:
        L._PY_MAX_ORDER = old


def test_unchecked_levinson_solves_an_indefinite_system_like_scipy():
    r = np.array([1.0, 0.9, 0.2, 0.95])  # leading minors non-zero, not positive definite
    with pytest.raises(ValueError, match="not positive definite"):
        L.levinson_durbin(r, 3)
    res = L.levinson_durbin(r, 3, check=False)
    np.testing.assert_allclose(res.ar, scipy.linalg.solve_toeplitz(r[:3], r[1:]), rtol=1e-12)


@settings(max_examples=30, deadline=None)
@given(refl=st.lists(st.floats(-0.99, 0.99), min_size=0, max_size=80))
def test_step_up_inverts_levinson(refl):
    """step_up(k) gives the AR whose Levinson PACF is k again (through its autocovariances)."""
    phi = L.step_up(refl)
    assert phi.shape == (len(refl),)
    if refl:
        # the textbook loop on the same reflection coefficients (B&D Prop. 5.2.1)
        prev = []
        for k, kk in enumerate(refl, start=1):
            prev = [prev[j - 1] - kk * prev[k - j - 1] for j in range(1, k)] + [kk]
        np.testing.assert_allclose(phi, prev, rtol=1e-9, atol=1e-12)


def test_step_up_round_trip_through_the_acf():
    from convts import kernels

    phi = np.array([0.5, -0.3, 0.2])
    r = kernels.arma(ar=phi).acf(3)
    res = L.levinson_durbin(r, 3)
    np.testing.assert_allclose(L.step_up(res.pacf[1:]), phi, atol=1e-12)
    np.testing.assert_allclose(res.ar, phi, atol=1e-12)


@pytest.mark.parametrize("method", ["adjusted", "mle"])
@pytest.mark.parametrize("order", [1, 3, 8])
def test_yule_walker_through_levinson_equals_statsmodels(method, order):
    x = np.random.default_rng(order).standard_normal(60).cumsum()
    fit = yule_walker(x, order, method=method)
    rho, sigma = sm_yule_walker(x, order, method=method, result_object=False)
    np.testing.assert_allclose(fit.ar, rho, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(fit.sigma2, sigma**2, rtol=1e-9)


def test_yule_walker_adjusted_indefinite_case_equals_statsmodels():
    """Divisor n - k on a short trending series: not positive definite; still statsmodels' solve."""
    x = np.random.default_rng(0).standard_normal(10).cumsum()
    rho, sigma = sm_yule_walker(x, 7, method="adjusted", result_object=False)
    fit = yule_walker(x, 7, method="adjusted")
    assert np.isnan(fit.pacf[1:]).all()  # the reflection coefficients leave [-1, 1]: no PACF
    np.testing.assert_allclose(fit.ar, rho, rtol=1e-8, atol=1e-10)
    assert fit.sigma2 < 0 and np.isnan(sigma)  # statsmodels returns sqrt of the same negative number


def _burg_loop(x, p):
    """Burg's method by its textbook definition (forward/backward errors, one order at a time)."""
    f = [float(v) for v in x]
    b = list(f)
    n = len(f)
    phi: list[float] = []
    for m in range(1, p + 1):
        num = sum(f[t] * b[t - 1] for t in range(m, n))
        den = sum(f[t] ** 2 + b[t - 1] ** 2 for t in range(m, n))
        k = 2 * num / den
        phi = [phi[j] - k * phi[m - 2 - j] for j in range(m - 1)] + [k]
        f, b = ([f[t] - k * b[t - 1] if t >= m else f[t] for t in range(n)],
                [b[t - 1] - k * f[t] if t >= m else b[t] for t in range(n)])
    return np.array(phi)


@pytest.mark.parametrize("p", [1, 2, 5])
def test_burg_equals_statsmodels_and_a_loop(p):
    x = np.random.default_rng(p).standard_normal(80).cumsum()
    fit = burg(x, p)
    rho, sigma2 = sm_burg(x, p)
    np.testing.assert_allclose(fit.ar, rho, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(fit.sigma2, sigma2, rtol=1e-9)
    np.testing.assert_allclose(fit.ar, _burg_loop(x - x.mean(), p), rtol=1e-9, atol=1e-12)
    refl, s2 = burg_path((x - x.mean())[None, :], p)
    for k in range(1, p + 1):  # every order of the path is statsmodels' fit at that order
        np.testing.assert_allclose(L.step_up(refl[1 : k + 1]), sm_burg(x, k)[0], rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(s2[k], sm_burg(x, k)[1], rtol=1e-9)
