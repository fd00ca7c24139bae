"""nsdiffs(test="ch") and ch_test: the Canova-Hansen test as R's forecast used it (forecast <= 8.2).

Oracles:

* ``reference.canova_hansen_loop``: the statistic term by term from Canova & Hansen (1995)
  (normal equations, explicit lag sums for the Newey-West matrix, the quadratic form summed
  over t), with forecast's lag rule ``round(m (n/100)^(1/4))`` and its selection of tested
  regressors written out here.
* R's numbers: ``SD.test(austres, s)`` (forecast's internal Canova-Hansen statistic) is
  0.1935046 for s=4, 0.07956102 for s=3 and 4.134289 for s=24, as recorded from R in
  pmdarima's test suite (alkaline-ml/pmdarima, pmdarima/arima/tests/test_seasonality.py,
  ``test_sd_test``: "R code produces 0.07956102", "Expected from R: 0.1935046", "R res:
  4.134289").  The m=3 value also pins forecast's odd-period selection (the sine at the highest
  frequency left out of the statistic): with every regressor the statistic would be 0.102.
* Critical values: forecast's ``CHtest`` table (R/newarima2.R up to forecast 8.2).
* No published R output of ``nsdiffs(AirPassengers, test="ch")`` (or of its log) was found in
  forecast's docs, examples or issues, so none is asserted here.
* Closed forms: the statistic is invariant to ``x -> a x + b`` (a != 0); a purely deterministic
  seasonal pattern (no noise) fits exactly and gives 0, as R's singular-Omega branch.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import convts
from convts.models._unitroot import ch_critical_value, ch_test

import reference as ref

# R's austres (quarterly Australian residents, thousands, 1971 Q2 - 1993 Q2; R's datasets package)
AUSTRES = np.array([
    13067.3, 13130.5, 13198.4, 13254.2, 13303.7, 13353.9, 13409.3, 13459.2, 13504.5, 13552.6,
    13614.3, 13669.5, 13722.6, 13772.1, 13832.0, 13862.6, 13893.0, 13926.8, 13968.9, 14004.7,
    14033.1, 14066.0, 14110.1, 14155.6, 14192.2, 14231.7, 14281.5, 14330.3, 14359.3, 14396.6,
    14430.8, 14478.4, 14515.7, 14554.9, 14602.5, 14646.4, 14695.4, 14746.6, 14807.4, 14874.4,
    14923.3, 14988.7, 15054.1, 15121.7, 15184.2, 15239.3, 15288.9, 15346.2, 15393.5, 15439.0,
    15483.5, 15531.5, 15579.4, 15628.5, 15677.3, 15736.7, 15788.3, 15839.7, 15900.6, 15961.5,
    16018.3, 16076.9, 16139.0, 16203.0, 16263.3, 16327.9, 16398.9, 16478.3, 16538.2, 16621.6,
    16697.0, 16777.2, 16833.1, 16891.6, 16956.8, 17026.3, 17085.4, 17106.9, 17169.4, 17239.4,
    17292.0, 17354.2, 17414.2, 17447.3, 17482.6, 17526.0, 17568.7, 17627.1, 17661.5])


def r_lags(n, m):
    """forecast's SD.test: ltrunc <- round(s * (N/100)^0.25)."""
    return int(round(m * (n / 100) ** 0.25))


def r_tested(m):
    """forecast's SD.test frequency selection: all m-1 regressors for even m, all but the last for odd m."""
    return list(range(m - 1)) if m % 2 == 0 else list(range(m - 2))


def seasonal_random_walk(n, m, seed):
    rng = np.random.default_rng(seed)
    e = rng.standard_normal(n)
    x = e.copy()
    for t in range(m, n):
        x[t] = x[t - m] + e[t]
    return x


def stable_seasonal(n, m, seed):
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    return 5 * np.sin(2 * np.pi * t / m) + t % m + rng.standard_normal(n)


# ------------------------------------------------------------------ the statistic
@pytest.mark.parametrize("m", [4, 12, 7])
@pytest.mark.parametrize("kind", ["walk", "noise", "stable", "seasonal_walk"])
def test_statistic_equals_loop_oracle(m, kind):
    n = 10 * m + 3
    rng = np.random.default_rng(m * 31 + len(kind))
    x = {"walk": rng.standard_normal(n).cumsum(), "noise": rng.standard_normal(n),
         "stable": stable_seasonal(n, m, m), "seasonal_walk": seasonal_random_walk(n, m, m)}[kind]
    stat, crit = ch_test(x, m)
    expected = ref.canova_hansen_loop(x, m, r_lags(n, m), r_tested(m))
    assert stat == pytest.approx(expected, rel=1e-9)
    assert crit == ch_critical_value(m)


@pytest.mark.parametrize("m,n,nlags", [(4, 30, 0), (4, 30, 29), (4, 30, 45), (12, 40, 60), (7, 20, 3)])
def test_any_number_of_lags_equals_loop_oracle(m, n, nlags):
    """nlags 0, n-1 and beyond n (R's loop cannot; the Bartlett weights still apply to the lags that exist)."""
    x = np.random.default_rng(n + nlags).standard_normal(n).cumsum()
    stat, _ = ch_test(x, m, nlags=nlags)
    assert stat == pytest.approx(ref.canova_hansen_loop(x, m, nlags, r_tested(m)), rel=1e-9)


@settings(max_examples=25, deadline=None)
@given(m=st.sampled_from([2, 3, 4, 5, 6, 7, 12]), extra=st.integers(0, 40), seed=st.integers(0, 2**31 - 1))
def test_statistic_equals_loop_oracle_hypothesis(m, extra, seed):
    n = 2 * m + 5 + extra  # the lengths nsdiffs tests (forecast's CHtest: length >= 2 m + 5)
    x = np.random.default_rng(seed).standard_normal(n).cumsum()
    stat, _ = ch_test(x, m)
    assert stat == pytest.approx(ref.canova_hansen_loop(x, m, r_lags(n, m), r_tested(m)), rel=1e-7, abs=1e-12)


@pytest.mark.parametrize("m,expected", [(4, 0.1935046), (3, 0.07956102), (24, 4.134289)])
def test_r_sd_test_austres(m, expected):
    """R: SD.test(austres, s) as recorded in pmdarima's tests (see the module notes)."""
    stat, _ = ch_test(AUSTRES, m)
    assert stat == pytest.approx(expected, rel=5e-7)


@pytest.mark.parametrize("m,expected", [(2, 0.4617146), (4, 1.0007818), (7, 1.6920200), (8, 1.9043096), (12, 2.7391007),
                                        (24, 5.098624), (52, 10.341416), (365, 65.44445),
                                        (13, 0.269 * 13 ** 0.928), (7 * 24, 0.269 * 168 ** 0.928)])
def test_critical_values_are_forecasts(m, expected):
    assert ch_critical_value(m) == pytest.approx(expected, rel=1e-12)


@settings(max_examples=40, deadline=None)
@given(m=st.sampled_from([2, 3, 4, 7, 12]), extra=st.integers(2, 150), seed=st.integers(0, 2**31 - 1),
       log_scale=st.floats(-8, 8), shift=st.floats(-100, 100), negate=st.booleans())
def test_invariant_to_scale_and_shift(m, extra, seed, log_scale, shift, negate):
    n = m + extra
    x = np.random.default_rng(seed).standard_normal(n).cumsum()
    a = (-1.0 if negate else 1.0) * 10.0 ** log_scale
    y = a * x + shift * abs(a) * (np.std(x) + 1.0)
    base, crit = ch_test(x, m)
    moved, crit2 = ch_test(y, m)
    assert crit == crit2
    assert moved == pytest.approx(base, rel=1e-6, abs=1e-12)


@pytest.mark.parametrize("m", [4, 7, 12])
@pytest.mark.parametrize("extra", [1, 2])
def test_singular_long_run_covariance_gives_zero(m, extra):
    """n = m + 1, m + 2: too few residual degrees of freedom, Omega is singular; R's SD.test returns 0."""
    x = np.random.default_rng(m + extra).standard_normal(m + extra).cumsum()
    assert ch_test(x, m)[0] == 0.0


def test_exact_deterministic_seasonality_gives_zero():
    """No noise: the regression fits exactly, R's Omega is zero and its statistic 0 -- at any scale."""
    t = np.arange(120)
    for scale in (1e-12, 1.0, 1e9):
        x = scale * (3.0 + np.sin(2 * np.pi * t / 12) + 0.5 * np.cos(4 * np.pi * t / 12))
        assert ch_test(x, 12)[0] == 0.0
        assert convts.nsdiffs(x, 12, test="ch") == 0


# ------------------------------------------------------------------ nsdiffs decisions
@pytest.mark.parametrize("m,n", [(12, 480), (4, 200), (7, 350)])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_nsdiffs_ch_decisions(m, n, seed):
    """A seasonal random walk needs a seasonal difference; a stable seasonal pattern plus noise does not."""
    assert convts.nsdiffs(seasonal_random_walk(n, m, seed), m, test="ch") == 1
    assert convts.nsdiffs(stable_seasonal(n, m, seed), m, test="ch") == 0


def test_nsdiffs_ch_is_statistic_against_critical_value():
    x = seasonal_random_walk(200, 4, 5)
    stat = ref.canova_hansen_loop(x, 4, r_lags(200, 4), r_tested(4))
    assert convts.nsdiffs(x, 4, test="ch") == int(stat > 1.0007818)


def test_nsdiffs_ch_does_not_mutate_input():
    x = seasonal_random_walk(100, 4, 0)
    x[:3] = np.nan
    before = x.copy()
    convts.nsdiffs(x, 4, test="ch")
    np.testing.assert_array_equal(x, before)


# ------------------------------------------------------------------ degenerate inputs
@pytest.mark.parametrize("value", [3.5, 0.1, -7e8, 0.0])
def test_constant_series(value):
    assert convts.nsdiffs(np.full(60, value), 12, test="ch") == 0        # R: is.constant -> 0
    assert ch_test(np.full(60, value), 12)[0] == 0.0                     # R: zero residuals, singular Omega -> 0


def test_too_short_for_the_test_is_not_differenced():
    """forecast's CHtest returns 0 (no test) when length(x) < 2 m + 5."""
    x = seasonal_random_walk(2 * 12 + 4, 12, 3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert convts.nsdiffs(x, 12, test="ch") == 0
    assert convts.nsdiffs(x[:10], 12, test="ch") == 0                  # m >= n


def test_ch_test_needs_more_than_m_observations():
    with pytest.raises(ValueError, match="m=12"):
        ch_test(np.arange(12.0), 12)
    ch_test(np.random.default_rng(0).standard_normal(13), 12)            # n = m + 1 is computable


@pytest.mark.parametrize("m", [1, 0, -3, 2.5, None, True])
def test_bad_period_is_refused_by_name(m):
    with pytest.raises(ValueError, match="m="):
        ch_test(np.arange(40.0), m)


def test_nsdiffs_non_seasonal_is_an_error():
    with pytest.raises(ValueError, match="m=1"):                        # R: stop("Non seasonal data")
        convts.nsdiffs(seasonal_random_walk(100, 4, 0), 1, test="ch")


def test_nan_led_series_is_tested_without_its_leading_gap():
    x = seasonal_random_walk(120, 4, 4)
    led = np.concatenate([[np.nan] * 5, x, [np.nan] * 2])
    assert convts.nsdiffs(led, 4, test="ch") == convts.nsdiffs(x, 4, test="ch") == 1


def test_nan_inside():
    x = seasonal_random_walk(120, 4, 4)
    x[50] = np.nan
    with pytest.raises(ValueError, match="missing"):
        ch_test(x, 4)
    with pytest.warns(UserWarning, match="'ch' failed"):                # forecast >= 8.3: warn, no difference
        assert convts.nsdiffs(x, 4, test="ch") == 0


def test_bad_nlags():
    with pytest.raises(ValueError, match="nlags"):
        ch_test(np.arange(40.0), 4, nlags=-1)


def test_hegy_still_refused_and_unknown_test_named():
    with pytest.raises(ValueError, match="hegy"):
        convts.nsdiffs(seasonal_random_walk(100, 4, 0), 4, test="hegy")
    with pytest.raises(ValueError, match="'seas', 'ocsb' or 'ch'"):
        convts.nsdiffs(seasonal_random_walk(100, 4, 0), 4, test="foo")


def test_other_alpha_warns_and_uses_five_percent():
    x = seasonal_random_walk(200, 4, 1)
    with pytest.warns(UserWarning, match="5% level"):
        assert convts.nsdiffs(x, 4, test="ch", alpha=0.1) == convts.nsdiffs(x, 4, test="ch")


def test_large_period_is_fast_and_finite():
    """m = 52 and 365 (forecast's special critical values) on a few years: bounded, finite."""
    for m, years in ((52, 4), (365, 3)):
        x = stable_seasonal(m * years, m, 0)
        stat, crit = ch_test(x, m)
        assert math.isfinite(stat) and stat >= 0 and crit == ch_critical_value(m)


def test_auto_arima_takes_the_ch_seasonal_test():
    """``seasonal_test='ch'`` reaches the search: D is ``nsdiffs(test='ch')`` (0 for AirPassengers,
    where 'seas' and 'ocsb' give 1), single and many series alike."""
    air = convts.datasets.load("airline")
    D = convts.nsdiffs(air.to_numpy(dtype=float), 12, test="ch")
    one = convts.auto_arima(air, seasonal_test="ch")
    assert one.auto_arima_info["D"] == D == 0
    many = convts.auto_arima_many(air.to_numpy(dtype=float)[None, :], m=12, seasonal_test="ch")
    assert many.table["seasonal_order"].iloc[0] == one.model.seasonal_order
    assert many.table["order"].iloc[0] == one.model.order
