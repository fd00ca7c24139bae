"""Rolling var/std/cov/corr at extreme magnitudes, against exact rational arithmetic.

The oracle sums each window in ``fractions.Fraction`` (exact for any float64) and rounds once:
``var = S2 / (n - ddof)``, ``std = sqrt(var)`` (through a power-of-two scaling of the exact value,
so that it is finite where the variance itself is not), ``corr = Sxy / sqrt(Sxx Syy)``.  pandas
is not the oracle here: at these magnitudes it returns inf or NaN where the answer is a number
(``pd.Series([1e200, 1, 2]).rolling(2).std()`` is ``[nan, inf, nan]``; the last is 0.7071...).
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from convts.engine import rolling_corr, rolling_cov, rolling_std, rolling_var


def _window_pairs(x, y, t, window):
    lo = max(0, t - window + 1)
    return [(Fraction(a), Fraction(b)) for a, b in zip(x[lo : t + 1], y[lo : t + 1])
            if math.isfinite(a) and math.isfinite(b)]


def _to_float(q: Fraction) -> float:
    try:
        return float(q)
    except OverflowError:
        return math.inf if q > 0 else -math.inf


def _sqrt_fraction(q: Fraction) -> float:
    """sqrt of a non-negative rational, correctly scaled where q itself is out of float range."""
    if q == 0:
        return 0.0
    e = (q.numerator.bit_length() - q.denominator.bit_length()) // 2
    scaled = q / Fraction(2) ** (2 * e)  # in [1/4, 4): representable
    try:
        return math.ldexp(math.sqrt(float(scaled)), e)
    except OverflowError:
        return math.inf


def _moments(pairs, ddof):
    n = len(pairs)
    mx = sum(a for a, _ in pairs) / n
    my = sum(b for _, b in pairs) / n
    sxx = sum((a - mx) ** 2 for a, _ in pairs)
    syy = sum((b - my) ** 2 for _, b in pairs)
    sxy = sum((a - mx) * (b - my) for a, b in pairs)
    return n, sxx, syy, sxy


def _oracle(x, y, window, minp, ddof):
    T = len(x)
    var, std, cov, corr, scale = (np.full(T, np.nan) for _ in range(5))
    for t in range(T):
        pairs_x = _window_pairs(x, x, t, window)
        if len(pairs_x) >= minp and len(pairs_x) > ddof:
            n, sxx, _, _ = _moments(pairs_x, ddof)
            var[t] = _to_float(sxx / (n - ddof))
            std[t] = _sqrt_fraction(sxx / (n - ddof))
        pairs = _window_pairs(x, y, t, window)
        if len(pairs) >= minp and len(pairs) > ddof:
            n, sxx, syy, sxy = _moments(pairs, ddof)
            cov[t] = _to_float(sxy / (n - ddof))
            scale[t] = _sqrt_fraction(sxx * syy / (n - ddof) ** 2)  # what cov's rounding is relative to
            if sxx > 0 and syy > 0:
                r2 = sxy * sxy / (sxx * syy)
                corr[t] = (1.0 if sxy >= 0 else -1.0) * math.sqrt(float(r2))
    return var, std, cov, corr, scale


def _close(got, expected, rtol, scale=None):
    assert got.shape == expected.shape
    np.testing.assert_array_equal(np.isnan(got), np.isnan(expected))
    inf = np.isinf(expected)
    np.testing.assert_array_equal(got[inf], expected[inf])
    fin = np.isfinite(expected)
    # a result in the subnormal range carries fewer digits: absolute tolerance there
    tol = rtol * (np.abs(expected[fin]) if scale is None else scale[fin]) + 1e-300 * 2.0**-20
    bad = ~(np.abs(got[fin] - expected[fin]) <= tol)
    assert not bad.any(), (got[fin][bad], expected[fin][bad])


def _row(draw, n, exponent):
    vals = draw(st.lists(st.one_of(st.floats(0.001, 1000.0), st.floats(-1000.0, -0.001),
                                   st.sampled_from([np.nan, np.inf, 0.0])), min_size=n, max_size=n))
    spikes = draw(st.lists(st.sampled_from([1.0, 1.0, 1.0, 1e8, -1e8]), min_size=n, max_size=n))
    return [v * s * 10.0**exponent for v, s in zip(vals, spikes)]


@st.composite
def _case(draw):
    n = draw(st.integers(1, 8))
    x = _row(draw, n, draw(st.integers(-300, 292)))
    y = _row(draw, n, draw(st.integers(-300, 292)))
    window = draw(st.integers(1, 5))
    minp = draw(st.integers(0, window))
    ddof = draw(st.integers(0, 2))
    return np.array(x), np.array(y), window, minp, ddof


@settings(max_examples=120, deadline=None)
@given(_case())
def test_rolling_moments_at_any_magnitude_equal_exact_arithmetic(case):
    x, y, window, minp, ddof = case
    var, std, cov, corr, scale = _oracle(x.tolist(), y.tolist(), window, minp, ddof)
    with np.errstate(all="ignore"):
        _close(rolling_var(x, window, minp, ddof), var, 1e-9)
        _close(rolling_std(x, window, minp, ddof), std, 1e-9)
        # a co-moment is accurate relative to sqrt(var x var y) (it cancels), a correlation absolutely
        _close(rolling_cov(x, y, window, minp, ddof), cov, 1e-9, scale)
        _close(rolling_corr(x, y, window, minp, ddof), corr, 1e-9, np.ones_like(corr))


def test_std_after_a_huge_value_left_the_window():
    s = pd.Series([1e200, 1.0, 2.0, 3.0, 4.0])
    np.testing.assert_allclose(s.conv.std(2).to_numpy()[1:], [1e200 / math.sqrt(2)] + [math.sqrt(0.5)] * 3,
                               rtol=1e-12)
    x = np.array([1e300, -1e300, 1e300, 1.0, 2.0, 3.0])
    np.testing.assert_allclose(rolling_std(x, 2)[1:], [math.sqrt(2) * 1e300] * 2 + [1e300 / math.sqrt(2)]
                               + [math.sqrt(0.5)] * 2, rtol=1e-12)


def test_corr_is_scale_free_at_extreme_magnitudes():
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal(30), rng.standard_normal(30)
    base = rolling_corr(x, y, 4)
    for sx, sy in [(1e300, 1.0), (1e-300, 1e-300), (1e200, 1e-250)]:
        np.testing.assert_allclose(rolling_corr(x * sx, y * sy, 4), base, rtol=1e-12, atol=1e-12)


def test_a_window_with_one_value_does_not_keep_a_stale_reference():
    # the spike 1e8 leaves while the window holds one value: the next windows were off by 330x
    # (var 0.274 instead of 0.000825) and a constant window [1, 1] gave 3e-16 instead of 0
    for values in ([1.0, 1e8, np.nan, 1.05746145, 1.0, 1.0], [1.1, 1.0, -4.0, np.nan, 1.0, 1.0],
                   [1e8, 1.0, np.nan, 1.0, 1.0, 1e-3]):
        s = pd.Series(values)
        exact, _, _, _, _ = _oracle(values, values, 2, 0, 0)
        got = s.conv.var(2, min_periods=0, ddof=0).to_numpy()
        _close(got, exact, 1e-12)
        np.testing.assert_allclose(got, s.rolling(2, min_periods=0).var(ddof=0).to_numpy(), rtol=1e-9, atol=0)
        _close(rolling_corr(np.array(values), np.arange(6.0) ** 2, 2, 0, 0),
               _oracle(values, (np.arange(6.0) ** 2).tolist(), 2, 0, 0)[3], 1e-12, np.ones(6))
