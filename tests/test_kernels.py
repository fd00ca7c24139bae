"""Kernel algebra, constructors, roots, responses and Levinson against loops, statsmodels and scipy."""

from __future__ import annotations

import numpy as np
import pytest
from reference import difference_loop, impulse_loop, levinson_loop, yule_walker_solve_loop
from scipy import ndimage, signal
from statsmodels.tsa import arima_process as ap
from statsmodels.tsa.stattools import levinson_durbin as sm_levinson

import convts
from convts import Kernel
from convts import kernels as K

# (phi, theta) in statsmodels' sign convention; statsmodels' arima_process functions take the
# lag polynomials instead: ar = [1, -phi_1, ...], ma = [1, theta_1, ...].
ARMAS = [
    ([0.5], []),
    ([], [0.4]),
    ([0.5, -0.3], [0.4]),
    ([1.2, -0.5], [-0.3, 0.2]),  # complex AR roots
    ([0.2, 0.1, 0.3], [0.5, 0.1, -0.2]),
    ([0.99], [0.3]),
]


def polys(phi, theta):
    return np.r_[1.0, -np.asarray(phi, float)], np.r_[1.0, np.asarray(theta, float)]


# ---------------------------------------------------------------------------------------------
# Impulse responses and ARMA conversions vs statsmodels
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("phi, theta", ARMAS)
def test_impulse_response_vs_statsmodels(phi, theta):
    k = K.arma(phi, theta)
    ar, ma = polys(phi, theta)
    np.testing.assert_allclose(k.impulse_response(60), ap.arma_impulse_response(ar, ma, leads=60), atol=1e-12)
    np.testing.assert_allclose(k.impulse_response(60), ap.arma2ma(ar, ma, lags=60), atol=1e-12)
    np.testing.assert_allclose(k.impulse_response(60), impulse_loop(k.b, k.a, 60), atol=1e-12)


@pytest.mark.parametrize("phi, theta", ARMAS)
def test_arma2ar_is_inverse_impulse_response(phi, theta):
    """statsmodels' arma2ar (the AR(inf) weights pi) is the impulse response of A(L)/B(L)."""
    k = K.arma(phi, theta)
    ar, ma = polys(phi, theta)
    np.testing.assert_allclose(k.inverse().impulse_response(40), ap.arma2ar(ar, ma, lags=40), atol=1e-10)


@pytest.mark.parametrize("phi, theta", ARMAS)
def test_theoretical_acf_pacf_vs_statsmodels(phi, theta):
    k = K.arma(phi, theta)
    ar, ma = polys(phi, theta)
    np.testing.assert_allclose(k.acf(12), ap.arma_acf(ar, ma, lags=13), atol=1e-9)
    np.testing.assert_allclose(k.pacf(8), ap.arma_pacf(ar, ma, lags=9), atol=1e-8)


@pytest.mark.parametrize("phi, theta", ARMAS + [([1.5], []), ([0.5], [2.0]), ([1.0], [1.0])])
def test_roots_and_stability_vs_armaprocess(phi, theta):
    k = K.arma(phi, theta)
    proc = ap.ArmaProcess.from_coeffs(phi, theta)
    np.testing.assert_allclose(np.sort_complex(k.roots.ar), np.sort_complex(np.atleast_1d(proc.arroots)), atol=1e-10)
    np.testing.assert_allclose(np.sort_complex(k.roots.ma), np.sort_complex(np.atleast_1d(proc.maroots)), atol=1e-10)
    # ArmaProcess calls a unit root stationary/invertible only if strictly outside: same rule
    assert k.is_stable == bool(proc.isstationary)
    assert k.is_invertible == bool(proc.isinvertible)


@pytest.mark.parametrize("kernel", [K.arma([0.5, -0.3], [0.4]), K.moving_average(5), K.difference(1, 1, period=4),
                                    K.ewma(0.2), K.comb(3, 0.6)], ids=["arma", "ma", "diff", "ewma", "comb"])
def test_frequency_response_vs_freqz(kernel):
    b = np.zeros(int(kernel.b_lags[-1]) + 1)
    b[kernel.b_lags] = kernel.b_coefs
    for whole in (False, True):
        w, h = kernel.frequency_response(64, whole=whole)
        w_sp, h_sp = signal.freqz(b, kernel.a, worN=64, whole=whole)
        np.testing.assert_allclose(w, w_sp, atol=1e-14)
        np.testing.assert_allclose(h, h_sp, atol=1e-10)
    # H(1) = dc_gain
    assert kernel.frequency_response(8)[1][0].real == pytest.approx(kernel.dc_gain(), abs=1e-10) or not np.isfinite(kernel.dc_gain())


@pytest.mark.parametrize("d, D, period", [(1, 0, None), (2, 0, None), (0, 1, 12), (1, 1, 4)])
def test_frequency_response_of_integrated_kernels_is_inf_at_unit_roots_quietly(d, D, period):
    """Issue 15: an integrated model's response is infinite where A(e^{-iw}) has a root (w = 0, and
    w = 2 pi j / period for a seasonal sum): inf there, no 'divide by zero' warning, and freqz's
    ratio of the dense polynomials everywhere else."""
    import warnings

    kernel = K.integrate(d, D, period=period) * K.arma([0.3], [0.4])
    n = 96  # a multiple of 12 and 4: the seasonal roots fall on the grid
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(all="raise"):
            w, h = kernel.frequency_response(n, whole=True)
    s = period or 1
    cycles = w * (s if D else 1) / (2 * np.pi)  # the roots: a whole number of cycles per period
    at_root = np.isclose(cycles, np.round(cycles))
    assert np.all(np.isinf(h[at_root])) and at_root.sum() == (s if D else 1)
    b = np.zeros(int(kernel.b_lags[-1]) + 1)
    b[kernel.b_lags] = kernel.b_coefs
    with np.errstate(divide="ignore", invalid="ignore"):
        _, h_sp = signal.freqz(b, kernel.a, worN=w[~at_root])
    np.testing.assert_allclose(h[~at_root], h_sp, rtol=1e-9)
    assert np.all(np.isfinite(h[~at_root]))


def test_frequency_response_of_a_cancelled_unit_root_is_nan():
    # (1 - L) / (1 - L) is kept rational: at w = 0 both polynomials vanish, so the ratio is 0/0
    with np.errstate(all="raise"):
        h = (K.difference(1) / K.difference(1)).frequency_response(8)[1]
    assert np.isnan(h[0]) and np.allclose(h[1:], 1.0)


@pytest.mark.parametrize("kernel", [K.arma([0.5]), K.arma([0.9]), K.arma([0.99]), K.arma([-0.99], [0.5]),
                                    K.arma([1.9 * 0.99 * np.cos(0.3), -(0.99**2)]),  # complex poles, radius 0.99
                                    K.comb(365, 0.9), K.ewma(0.01), K.arma([0.1], [0.5], ma_lags=[365]),
                                    K.arma(ma=[1e-291]).inverse()],
                         ids=["0.5", "0.9", "0.99", "-0.99", "complex0.99", "comb365", "ewma0.01", "seasonal_ma365",
                              "tiny_pole"])
@pytest.mark.parametrize("tol", [1e-6, 1e-12])
def test_impulse_response_truncation_bound(kernel, tol):
    """The neglected tail sum_{j>=n} |psi_j|, computed from a response several times longer, is below tol."""
    psi = kernel.impulse_response(tol=tol)
    n = psi.size
    long = kernel.impulse_response(4 * n + 1000)
    np.testing.assert_allclose(long[:n], psi, atol=1e-14)
    assert np.abs(long[n:]).sum() < tol
    # and not absurdly long: the tail at n/2 is not already below tol / 1e6
    assert np.abs(long[n // 2 :]).sum() > tol * 1e-6 or n < 50


def test_impulse_response_of_unstable_kernel_names_root_moduli():
    with pytest.raises(ValueError, match=r"not stable.*moduli \[0\.666667\]"):
        K.arma([1.5]).impulse_response()
    with pytest.raises(ValueError, match=r"moduli \[1\.0\]"):
        K.integrate(1).impulse_response()
    # a fixed length is fine
    np.testing.assert_allclose(K.integrate(1).impulse_response(4), [1, 1, 1, 1])


def test_sparse_storage():
    k = K.difference(D=1, d=0, period=365)
    assert k.b_lags.tolist() == [0, 365] and k.b_coefs.tolist() == [1.0, -1.0]
    assert k.n_taps == 2 and k.span == 366
    c = K.comb(365, 0.5)
    assert c.a_lags.tolist() == [0, 365] and c.b_lags.tolist() == [0]
    ds = K.difference(1, 1, period=365)
    assert ds.b_lags.tolist() == [0, 1, 365, 366]
    np.testing.assert_allclose(K.integrate(0, 1, period=365).impulse_response(731)[[0, 365, 730]], [1, 1, 1])


# ---------------------------------------------------------------------------------------------
# Levinson-Durbin and acf_to_ar
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("phi, theta", ARMAS[:5])
@pytest.mark.parametrize("order", [1, 3, 6])
def test_acf_to_ar_vs_statsmodels_and_loops(phi, theta, order):
    r = K.arma(phi, theta).acovf(order) * 2.5
    ar, sigma2 = convts.acf_to_ar(r, order)
    sigmav, arcoefs, pacf, _, _ = sm_levinson(r, nlags=order, isacov=True)
    np.testing.assert_allclose(ar, arcoefs, atol=1e-10)
    assert sigma2 == pytest.approx(sigmav, rel=1e-10)
    np.testing.assert_allclose(K.levinson_durbin(r, order).pacf, pacf, atol=1e-10)  # both start with 1
    phi_l, v_l, pacf_l = levinson_loop(r, order)
    np.testing.assert_allclose(ar, phi_l, atol=1e-12)
    np.testing.assert_allclose(ar, yule_walker_solve_loop(r, order), atol=1e-10)
    assert sigma2 == pytest.approx(v_l, rel=1e-12)


def test_acf_to_ar_recovers_ar():
    ar, sigma2 = convts.acf_to_ar(K.arma([0.6, -0.2, 0.1]).acf(6), 5)
    np.testing.assert_allclose(ar, [0.6, -0.2, 0.1, 0, 0], atol=1e-10)


@pytest.mark.parametrize("r, match", [([0.0, 0.1], "r\\[0\\]"), ([1.0, 1.2], "not positive definite"),
                                       ([1.0, np.nan], "NaN"), ([1.0], "lags 0..1")])
def test_levinson_bad_input(r, match):
    with pytest.raises(ValueError, match=match):
        convts.acf_to_ar(r, 1)


# ---------------------------------------------------------------------------------------------
# Algebra
# ---------------------------------------------------------------------------------------------


def test_product_is_polynomial_product():
    k1, k2 = K.arma([0.5], [0.3]), Kernel(b=[1.0, -2.0, 0.5])
    k = k1 * k2
    np.testing.assert_allclose(k.b, np.convolve(k1.b, k2.b))
    np.testing.assert_allclose(k.a, np.convolve(k1.a, k2.a))
    np.testing.assert_allclose(k.impulse_response(30), np.convolve(k1.impulse_response(30), k2.impulse_response(30))[:30], atol=1e-12)
    assert (2.0 * k1).impulse_response(5).tolist() == pytest.approx((2 * k1.impulse_response(5)).tolist())
    assert (k1 / 2.0).impulse_response(5).tolist() == pytest.approx((k1.impulse_response(5) / 2).tolist())


@pytest.mark.parametrize("phi, theta", ARMAS)
def test_inverse_identity_on_impulse(phi, theta):
    k = K.arma(phi, theta)
    ident = (k * k.inverse()).impulse_response(50)
    np.testing.assert_allclose(ident, np.r_[1.0, np.zeros(49)], atol=1e-10)
    assert k.inverse().inverse() == k


def test_power_flip_shift():
    d = Kernel(b=[1.0, -1.0])
    assert (d**2).b.tolist() == [1.0, -2.0, 1.0]
    assert (d**0) == Kernel()
    np.testing.assert_allclose((d ** -1).impulse_response(4), [1, 1, 1, 1])
    k = Kernel(b=[1.0, 2.0, 3.0])
    f = k.flip()
    assert f.b_lags.tolist() == [-2, -1, 0] and f.b_coefs.tolist() == [3.0, 2.0, 1.0]
    assert k.shift(3).b_lags.tolist() == [3, 4, 5]
    with pytest.raises(ValueError, match="IIR"):
        K.ewma(0.5).flip()
    with pytest.raises(ValueError, match="lag 3"):
        k.shift(3).inverse()


def test_normalize_softmax_dc_gain():
    k = Kernel(b=[1.0, 3.0])
    assert k.normalize().b_coefs.tolist() == [0.25, 0.75]
    assert K.arma([0.5]).dc_gain() == pytest.approx(2.0)
    assert K.arma([0.5]).normalize().dc_gain() == pytest.approx(1.0)
    sm = Kernel(b=[0.0, np.log(3.0)]).softmax()
    np.testing.assert_allclose(sm.b_coefs, [0.25, 0.75])
    with pytest.raises(ValueError, match="normalise"):
        K.difference(1).normalize()


def test_immutable():
    k = K.moving_average(3)
    with pytest.raises(AttributeError):
        k.foo = 1
    with pytest.raises(ValueError):
        k.b_coefs[0] = 5.0


# ---------------------------------------------------------------------------------------------
# Constructors (hand-computed taps, and peers)
# ---------------------------------------------------------------------------------------------


def test_moving_average_taps():
    k = K.moving_average(3, weights=[1, 2, 3])
    # weights oldest first: the newest observation (lag 0) gets the last weight
    assert k.b_lags.tolist() == [0, 1, 2]
    np.testing.assert_allclose(k.b_coefs, [3 / 6, 2 / 6, 1 / 6])
    assert K.moving_average(4, center=True).b_lags.tolist() == [-1, 0, 1, 2]
    assert K.moving_average(5, center=True).b_lags.tolist() == [-2, -1, 0, 1, 2]


def test_gaussian_matches_ndimage():
    k = K.gaussian(1.5)
    imp = np.zeros(31)
    imp[15] = 1.0
    ref = ndimage.gaussian_filter1d(imp, 1.5, truncate=4.0, mode="constant")
    r = int(4.0 * 1.5 + 0.5)
    np.testing.assert_allclose(k.b_coefs, ref[15 - r : 16 + r], atol=1e-15)


@pytest.mark.parametrize("kw, alpha", [({"alpha": 0.3}, 0.3), ({"span": 9}, 0.2), ({"com": 4}, 0.2),
                                       ({"halflife": 2.0}, 1 - 0.5**0.5)])
def test_ewma_parameterisations(kw, alpha):
    k = K.ewma(**kw)
    np.testing.assert_allclose(k.impulse_response(5), alpha * (1 - alpha) ** np.arange(5), atol=1e-15)


def test_difference_integrate_echo():
    assert K.difference(2).b.tolist() == [1.0, -2.0, 1.0]
    x = np.arange(30.0) ** 2
    np.testing.assert_allclose(K.difference(2, 1, period=6)(x, mode="valid"), difference_loop(x, 2, 1, 6))
    np.testing.assert_allclose(K.integrate(1)(K.difference(1)(x)), x)
    e = K.echo(2, 0.5, repeats=2)
    assert e.b_lags.tolist() == [0, 2, 4] and e.b_coefs.tolist() == [1.0, 0.5, 0.25]


@pytest.mark.parametrize("call, word", [
    (lambda: K.moving_average(0), "window"),
    (lambda: K.moving_average(3, weights=[1, 1]), "weights"),
    (lambda: K.moving_average(3, weights=[0.1, 0.2, -0.3]), "zero up to rounding"),  # sum is 5.6e-17
    (lambda: K.gaussian(-1), "sigma"),
    (lambda: K.ewma(alpha=1.5), "alpha"),
    (lambda: K.ewma(alpha=0.5, span=3), "exactly one"),
    (lambda: K.difference(D=1), "period"),
    (lambda: K.echo(0, 0.5), "delay"),
    (lambda: K.arma([np.nan]), "ar"),
    (lambda: Kernel(b=[]), "empty"),
    (lambda: Kernel(b=[1.0, np.inf]), "non-finite"),
    (lambda: Kernel(b=[1.0], a=[0.0, 1.0]), "lag-0"),
    (lambda: Kernel(b=[1.0, 2.0], lags=[0]), "lags"),
    (lambda: Kernel(b={-1: 1.0}, a=[1.0, -0.5]), "causal numerator"),
])
def test_constructor_errors_name_the_parameter(call, word):
    with pytest.raises((ValueError, TypeError), match=word):
        call()


# ---------------------------------------------------------------------------------------------
# Keywords: b/a are full polynomials (scipy), ar/ma are phi/theta (statsmodels), never both
# ---------------------------------------------------------------------------------------------


def test_kernel_b_a_are_scipy_polynomials():
    # oracle: scipy.signal.lfilter(b, a, x) with the same (full-polynomial) arrays
    x = np.random.default_rng(3).standard_normal(50)
    b, a = [0.5, 0.2, -0.1], [1.0, -0.6, 0.08]
    np.testing.assert_allclose(Kernel(b=b, a=a)(x), signal.lfilter(b, a, x), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(Kernel(b, a)(x), signal.lfilter(b, a, x), rtol=1e-12, atol=1e-12)
    # a_lags places a's taps: 1 / (1 - 0.3 L^3) is lfilter with a = [1, 0, 0, -0.3]
    k = Kernel(b=[1.0], a=[1.0, -0.3], a_lags=[0, 3])
    np.testing.assert_allclose(k(x), signal.lfilter([1.0], [1.0, 0, 0, -0.3], x), rtol=1e-12, atol=1e-12)
    assert k.a_lags.tolist() == [0, 3] and k.a_coefs.tolist() == [1.0, -0.3]
    # arma(ar=phi) is A(L) = 1 - phi L: the same operator as Kernel(a=[1, -phi])
    assert K.arma(ar=[0.5]) == Kernel(a=[1.0, -0.5])
    assert K.arma(ar=[0.5], ma=[0.4]) == Kernel(b=[1.0, 0.4], a=[1.0, -0.5])
    # the old property names are aliases of the full-polynomial ones
    assert K.arma(ar=[0.5]).ar_coefs.tolist() == [1.0, -0.5]
    assert repr(K.arma(ar=[0.5])) == "Kernel(b={0: 1}, a={0: 1, 1: -0.5})"
    assert eval(repr(K.arma(ar=[0.5])), {"Kernel": Kernel}) == K.arma(ar=[0.5])


@pytest.mark.parametrize("kw", [{"ar": [0.5]}, {"ma": [1.0, 0.4]}, {"ar": [1.0, -0.5], "ar_lags": [0, 1]},
                                {"b": [1.0], "ar": [1.0, -0.5]}])
def test_kernel_old_ar_ma_keywords_raise_and_say_what_to_use(kw):
    with pytest.raises(TypeError, match=r"b=.*a=.*kernels\.arma\(ar=\.\.\., ma=\.\.\.\)"):
        Kernel(**kw)


def test_kernel_unknown_keyword_raises():
    with pytest.raises(TypeError, match="unexpected keyword"):
        Kernel(numerator=[1.0])


# ---------------------------------------------------------------------------------------------
# Zero tests on floating results: scale-aware tolerances, not == 0
# ---------------------------------------------------------------------------------------------

# kernels whose A(1) is exactly 0 in exact arithmetic (a factor 1 - L or 1 - L^s) but not in floats
UNIT_ROOT_PRODUCTS = [
    ("I(1)*AR(0.3)", lambda: K.integrate(1) * K.arma(ar=[0.3])),
    ("I(1)*AR(0.7)", lambda: K.integrate(1) * K.arma(ar=[0.7])),
    ("I(1)*AR(0.1)", lambda: K.integrate(1) * K.arma(ar=[0.1])),
    ("I(2)*AR2", lambda: K.integrate(2) * K.arma(ar=[0.3, 0.2])),
    ("I(1,1,12)*AR(0.45)", lambda: K.integrate(1, 1, period=12) * K.arma(ar=[0.45])),
    ("I(4)", lambda: K.integrate(4)),
]


@pytest.mark.parametrize("name, make", UNIT_ROOT_PRODUCTS, ids=[n for n, _ in UNIT_ROOT_PRODUCTS])
def test_unit_root_products_are_unit_roots(name, make):
    # oracle: closed form, A(1) = 0 for every kernel with a factor (1 - L)
    k = make()
    assert k.dc_gain() == np.inf
    assert k.pole_radius == 1.0 and not k.is_stable
    with pytest.raises(ValueError, match="normalise"):
        k.normalize()
    with pytest.raises(ValueError, match="unit root"):
        convts.steady_state(k, 1.0)
    with pytest.raises(ValueError, match="not stable"):
        k.impulse_response()


def test_zero_sum_numerator_and_near_unit_but_stable():
    d = K.difference(1) * K.arma(ar=[0.3], ma=[0.7])  # B(1) = 0 exactly in exact arithmetic
    assert d.dc_gain() == 0.0
    with pytest.raises(ValueError, match="normalise"):
        d.normalize()
    assert not (K.difference(1) * K.arma(ma=[0.7])).is_invertible
    # a pole at 0.9999 is stable, and its gain is the closed form 1 / (1 - 0.9999)
    k = K.arma(ar=[0.9999])
    assert k.is_stable and k.pole_radius == pytest.approx(0.9999, rel=1e-12)
    assert k.dc_gain() == pytest.approx(1 / (1 - 0.9999), rel=1e-9)
    # a coefficient given alone is kept however small
    assert Kernel(b=[1.0, 1e-300]).b_lags.tolist() == [0, 1]


def test_product_drops_coefficients_that_cancel_to_rounding():
    from fractions import Fraction

    factors = [[1.0, -0.1], [1.0, -0.2], [1.0, 0.3]]
    k = Kernel(b=factors[0]) * Kernel(b=factors[1]) * Kernel(b=factors[2])
    exact = [Fraction(1)]
    for f in factors:  # exact product of the decimal coefficients (oracle)
        fr = [Fraction(str(c)) for c in f]
        exact = [sum(exact[i] * fr[j - i] for i in range(len(exact)) if 0 <= j - i < len(fr))
                 for j in range(len(exact) + len(fr) - 1)]
    assert exact[1] == 0
    assert k.b_lags.tolist() == [j for j, c in enumerate(exact) if c != 0]
    np.testing.assert_allclose(k.b_coefs, [float(c) for c in exact if c != 0], rtol=1e-15)
