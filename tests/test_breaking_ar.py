"""Edge inputs for Levinson-Durbin and Burg: singular Toeplitz systems, perfectly predictable series.

Oracles: scipy.linalg.solve_toeplitz (which refuses a singular leading minor), statsmodels' burg on
ordinary data, and closed forms for periodic series (``x_t = -x_{t-1}`` predicts +-1 exactly).
"""

from __future__ import annotations

import warnings
from fractions import Fraction

import numpy as np
import pytest
import scipy.linalg as sl
from hypothesis import given, settings
from hypothesis import strategies as st

from convts.engine import burg, yule_walker
from convts.engine._ar import burg_path
from convts.kernels._levinson import levinson_durbin
from convts.whiten import ARPrewhitener


@pytest.mark.parametrize("order", [2, 70])  # the Python steps and the compiled ones (order > 64)
def test_levinson_unchecked_refuses_a_singular_minor_on_both_paths(order):
    r = np.ones(order + 1)  # every leading minor of order >= 2 is 0
    with pytest.raises(np.linalg.LinAlgError):
        sl.solve_toeplitz(r[:order], r[1:])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match="singular at order 2"):
            levinson_durbin(r, order, check=False)


def _exact_det(a) -> Fraction:
    """Determinant of a small integer matrix in exact rational arithmetic (Gaussian elimination)."""
    m = [[Fraction(int(v)) for v in row] for row in a]
    n, det = len(m), Fraction(1)
    for c in range(n):
        piv = next((i for i in range(c, n) if m[i][c] != 0), None)
        if piv is None:
            return Fraction(0)
        if piv != c:
            m[c], m[piv] = m[piv], m[c]
            det = -det
        det *= m[c][c]
        for i in range(c + 1, n):
            f = m[i][c] / m[c][c]
            m[i] = [a_ - f * b_ for a_, b_ in zip(m[i], m[c])]
    return det


@settings(max_examples=150, deadline=None)
@given(st.lists(st.integers(-3, 3), min_size=2, max_size=6))
def test_levinson_unchecked_equals_solve_toeplitz_or_refuses_a_singular_minor(vals):
    r = np.array([4.0] + [float(v) for v in vals])  # small integers: exactly singular minors happen
    p = r.size - 1
    minors = [sl.toeplitz(r[:k]) for k in range(1, p + 1)]
    singular = any(_exact_det(R) == 0 for R in minors)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        if singular:  # no solution by the recursion: a clear error, never inf/NaN or a RuntimeWarning
            with pytest.raises(ValueError, match="singular at order"):
                levinson_durbin(r, p, check=False)
            return
        got = levinson_durbin(r, p, check=False).ar
    np.testing.assert_allclose(got, sl.solve_toeplitz(r[:p], r[1:]), rtol=1e-8, atol=1e-10)


def test_yule_walker_of_a_periodic_series_says_singular():
    x = np.tile([1.0, -1.0], 10)  # adjusted autocovariances r[1] = -r[0]: the 2x2 system is singular
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match="singular"):
            yule_walker(x, 2)


@pytest.mark.parametrize("order", [1, 2, 5])
def test_burg_of_an_alternating_series_is_the_exact_predictor(order):
    x = np.tile([1.0, -1.0], 20)  # closed form: x_t = -x_{t-1} with no error
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fit = burg(x, order)
    np.testing.assert_array_equal(fit.ar, np.r_[-1.0, np.zeros(order - 1)])
    assert fit.sigma2 == 0.0
    np.testing.assert_array_equal(fit.pacf, np.r_[1.0, -1.0, np.zeros(order - 1)])


def test_burg_path_of_a_constant_is_finite():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        refl, s2 = burg_path(np.zeros((2, 10)), 3)
    np.testing.assert_array_equal(refl, [1.0, 0.0, 0.0, 0.0])
    np.testing.assert_array_equal(s2, np.zeros(4))


def test_prewhitener_with_a_periodic_column_chooses_the_exact_order():
    rng = np.random.default_rng(3)
    X = np.column_stack([np.tile([2.0, -2.0], 60), rng.standard_normal(120)])
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        est = ARPrewhitener(edge="zero").fit(X)
        W = np.asarray(est.transform(X))
    assert np.all(np.isfinite(W))
    assert int(np.atleast_1d(est.order_)[0]) == 1
    np.testing.assert_allclose(W[1:, 0], 0.0, atol=1e-12)  # x_t + x_{t-1} = 0 exactly
