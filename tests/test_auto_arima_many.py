"""auto_arima_many: R's auto.arima search for many series at once.

Oracles:
- R's printed output of ``auto.arima`` on its datasets (the same numbers as tests/test_auto_arima.py):
  WWWusage ARIMA(1,1,1), Nile ARIMA(1,1,1), LakeHuron ARIMA(0,1,0), USAccDeaths
  ARIMA(0,1,1)(0,1,1)[12], AirPassengers ARIMA(2,1,1)(0,1,0)[12];
- the single-series ``auto_arima`` run series by series (chosen model, IC, parameters, trace,
  forecasts): the batch groups, threads and lays out series of different lengths, the single
  search does none of that;
- the per-series status a single call raises for degenerate series (constant, all missing).
"""

import warnings

import numpy as np
import pandas as pd
import pytest

import convts

from test_auto_arima import WWWUSAGE


def _sim(seed, n, ar=(), ma=(), d=0, season=0.0, m=1):
    rng = np.random.default_rng(seed)
    y = convts.kernels.arma(ar=list(ar), ma=list(ma))(rng.standard_normal(n)) if (ar or ma) else rng.standard_normal(n)
    for _ in range(d):
        y = np.cumsum(y)
    if season:
        y = y + season * np.sin(2 * np.pi * np.arange(n) / m)
    return y + 10.0


def _same_as_single(res, pos, y, m, **kw):
    id_ = res.table.index[pos]
    row = res.table.loc[id_]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            one = convts.auto_arima(y, m=m, **kw)
        except ValueError as exc:
            assert row["status"] != "ok" and str(exc).split(":")[0] in row["status"]
            return
    assert row["status"] == "ok", row["status"]
    assert row["order"] == one.model.order and row["trend"] == one.model.trend
    if one.model.seasonal_order[3] > 1:
        assert row["seasonal_order"] == one.model.seasonal_order
    ic = one.auto_arima_info["ic_value"]
    if ic is None:
        assert np.isnan(row["ic"])
    else:
        assert row["ic"] == ic
    got = res.params.loc[id_].dropna()
    np.testing.assert_array_equal(got[one.params.index].to_numpy(), one.params.to_numpy())
    tr = res.trace(id_)
    pd.testing.assert_frame_equal(tr.reset_index(drop=True), one.search_trace.reset_index(drop=True))


# ------------------------------------------------------------------ R's outcomes, series in one batch
def test_r_datasets_in_one_batch_choose_r_models():
    ds = convts.datasets
    yearly = {"www": WWWUSAGE, "nile": ds.load("nile").to_numpy(), "huron": ds.load("lake_huron").to_numpy()}
    L = max(v.size for v in yearly.values())
    Y = np.full((3, L), np.nan)
    for r, v in enumerate(yearly.values()):
        Y[r, : v.size] = v                     # ragged: trailing NaN
    res = convts.auto_arima_many(Y, m=1, n_jobs=2)
    assert res.table["order"].tolist() == [(1, 1, 1), (1, 1, 1), (0, 1, 0)]
    assert res.table["status"].tolist() == ["ok"] * 3
    # R: Nile ar1 0.2544, ma1 -0.8741, AICc 1267.51; WWWusage AICc 514.55
    np.testing.assert_allclose(res.params.loc[1, ["ar.L1", "ma.L1"]].to_numpy(float), [0.2544, -0.8741], atol=6e-4)
    assert res.table.loc[1, "ic"] == pytest.approx(1267.51, abs=0.006)
    assert res.table.loc[0, "ic"] == pytest.approx(514.55, abs=0.006)
    for pos, v in enumerate(yearly.values()):
        _same_as_single(res, pos, v, 1)


def test_monthly_r_datasets_wide_frame_infers_m():
    air = convts.datasets.load("airline")
    usa = convts.datasets.load("us_accidental_deaths")
    wide = pd.concat({"air": air, "usa": usa}, axis=1)      # union of the two monthly indexes: NaN padding
    res = convts.auto_arima_many(wide, n_jobs=2)
    assert res.table.loc["air", "order"] == (2, 1, 1) and res.table.loc["air", "seasonal_order"] == (0, 1, 0, 12)
    assert res.table.loc["usa", "order"] == (0, 1, 1) and res.table.loc["usa", "seasonal_order"] == (0, 1, 1, 12)
    assert res.table.loc["usa", "ic"] == pytest.approx(857.32, abs=0.006)   # R's AICc
    _same_as_single(res, 0, air, None)
    _same_as_single(res, 1, usa, None)
    fc = res.forecast(3)
    assert list(fc.columns) == ["id", "step", "time", "mean", "mean_se", "mean_ci_lower", "mean_ci_upper", "status"]
    want = convts.auto_arima(air).get_forecast(3).summary_frame()
    got = fc[fc["id"] == "air"]
    np.testing.assert_array_equal(got["mean"].to_numpy(), want["mean"].to_numpy())
    np.testing.assert_array_equal(got["mean_ci_upper"].to_numpy(), want["mean_ci_upper"].to_numpy())
    assert list(got["time"]) == list(want.index)


# ------------------------------------------------------------------ equal to the single search
def test_each_series_equals_single_auto_arima():
    """Two dozen series: white noise, AR, MA, ARMA, random walks with and without drift,
    quarterly seasonal, short, with gaps; m = 4 for all (seasonal and not)."""
    specs = [dict(n=40), dict(n=60, ar=[0.7]), dict(n=50, ma=[0.6]), dict(n=70, ar=[0.5], ma=[-0.4]),
             dict(n=60, d=1), dict(n=48, ar=[0.3], d=1), dict(n=64, season=3.0, m=4),
             dict(n=80, season=2.0, m=4, d=1), dict(n=12), dict(n=24, ar=[0.8]), dict(n=36, ma=[-0.5], d=1),
             dict(n=56, ar=[0.4, 0.3])]
    series = []
    for seed, sp in enumerate(specs * 2):
        y = _sim(seed, **sp)
        if seed % 5 == 3:
            y[len(y) // 2] = np.nan               # an interior gap
        series.append(y)
    L = max(s.size for s in series)
    Y = np.full((len(series), L), np.nan)
    for r, s in enumerate(series):
        Y[r, L - s.size:] = s                     # leading NaN: ragged starts
    res = convts.auto_arima_many(Y, m=4, n_jobs=2)
    assert (res.table["status"] == "ok").all()
    for pos, s in enumerate(series):
        _same_as_single(res, pos, s, 4)


def test_options_are_passed_to_every_series():
    ys = [_sim(s, 60, ar=[0.6]) for s in range(3)]
    res = convts.auto_arima_many(np.vstack(ys), m=1, ic="bic", max_p=2, max_q=1, stepwise=False, n_jobs=1)
    for pos, y in enumerate(ys):
        _same_as_single(res, pos, y, 1, ic="bic", max_p=2, max_q=1, stepwise=False)
    assert (res.table["ic_name"] == "bic").all()


def test_long_frame_equals_wide():
    ys = {"a": _sim(1, 50, ar=[0.5]), "b": _sim(2, 35, d=1)}
    rows = [(k, t, v) for k, y in ys.items() for t, v in enumerate(y)]
    long = pd.DataFrame(rows, columns=["key", "t", "y"])
    res = convts.auto_arima_many(long, m=1, id_col="key", time_col="t", value_col="y")
    assert list(res.table.index) == ["a", "b"]
    for pos, y in enumerate(ys.values()):
        _same_as_single(res, pos, y, 1)


# ------------------------------------------------------------------ degenerate series: a status row each
def test_degenerate_series_never_stop_the_batch():
    rng = np.random.default_rng(3)
    T = 30
    good = _sim(0, T, ar=[0.6])
    rows = {
        "good": good,
        "constant": np.full(T, 4.0),
        "zeros": np.zeros(T),
        "all_nan": np.full(T, np.nan),
        "short": np.r_[rng.standard_normal(5), np.full(T - 5, np.nan)],
        "two": np.r_[1.0, 2.0, np.full(T - 2, np.nan)],
        "spike": np.r_[np.zeros(15), 1.0, np.zeros(14)],
        "nan_led": np.r_[np.full(10, np.nan), good[10:]],
        "nan_inside": np.where(np.arange(T) % 7 == 3, np.nan, good),
        "line": 1.0 + 2.0 * np.arange(T),
        "inf": np.r_[good[:-1], np.inf],
    }
    frame = pd.DataFrame(rows)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)      # nothing leaks as a warning: it is in the table
        warnings.simplefilter("error", RuntimeWarning)
        res = convts.auto_arima_many(frame, m=12)  # m > n/2 for the short ones: no seasonal part
    st = res.table["status"]
    assert st["good"] == "ok" and st["spike"] == "ok" and st["nan_led"] == "ok" and st["nan_inside"] == "ok"
    assert "constant" in st["constant"] and "constant" in st["zeros"]
    assert "missing" in st["all_nan"] and "inf" in st["inf"]
    assert res.table.loc["line", "order"] == (0, 1, 0) and res.params.loc["line", "x1"] == 2.0
    for name in ("good", "short", "two", "spike", "nan_led", "nan_inside", "line"):
        _same_as_single(res, list(rows).index(name), rows[name][~np.isnan(rows[name])] if name in ("short", "two")
                        else rows[name], 12)
    fc = res.forecast(4)
    assert len(fc) == 4 * len(rows)
    bad = fc[fc["id"] == "constant"]
    assert bad["mean"].isna().all() and (bad["status"] == st["constant"]).all()
    assert fc[fc["id"] == "good"]["mean"].notna().all()


def test_long_seasonal_period_is_bounded_and_documented():
    """m = 52 with n = 300 (a search that ran past 10 minutes with seasonal ARMA terms): seasonal
    AR/MA orders are capped at 0 above m = 24, so the search is over ARIMA(p,d,q)(0,D,0)[52]."""
    t = np.arange(300)
    y = 10 * np.sin(2 * np.pi * t / 52) + np.random.default_rng(0).standard_normal(300)
    res = convts.auto_arima_many(y[None, :], m=52)
    so = res.table.loc[0, "seasonal_order"]
    assert res.table.loc[0, "status"] == "ok" and so[0] == so[2] == 0 and so[3] == 52
    _same_as_single(res, 0, y, 52)


def test_argument_errors():
    with pytest.raises(ValueError, match="ic="):
        convts.auto_arima_many(np.zeros((2, 10)), ic="hqic")
    with pytest.raises(ValueError, match="m="):
        convts.auto_arima_many(np.zeros((2, 10)), m=0)
    with pytest.raises(ValueError, match="max_p"):
        convts.auto_arima_many(np.zeros((2, 10)), max_p=-1)
    with pytest.raises(TypeError, match="Series"):
        convts.auto_arima_many(pd.Series(np.arange(10.0)))


def test_daily_period_365_is_bounded():
    """m = 365 (an odd period: the seasonal test used to fail on it) with a fixed yearly pattern:
    nsdiffs takes the seasonal difference (R: strength near 1), the search has no seasonal AR/MA."""
    t = np.arange(800)
    y = 10 * np.sin(2 * np.pi * t / 365) + np.random.default_rng(0).standard_normal(800)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        res = convts.auto_arima_many(y[None, :], m=365)
    assert res.table.loc[0, "status"] == "ok" and res.table.loc[0, "seasonal_order"] == (0, 1, 0, 365)


def test_forecast_many_takes_an_auto_arima_many_result_and_refuses_one_model():
    rng = np.random.default_rng(5)
    data = np.vstack([np.asarray(WWWUSAGE, dtype=float), np.cumsum(rng.standard_normal(100)) + 50])
    res = convts.auto_arima_many(data)
    pd.testing.assert_frame_equal(convts.forecast_many(res, 4), res.forecast(4))
    with pytest.raises(TypeError, match="fit_many or convts.auto_arima_many"):
        convts.forecast_many(res.result(0), 4)


def test_chosen_models_are_fitted_to_full_accuracy():
    """The candidates are fitted as R's arima inside auto.arima (one start, optim's reltol 1e-8,
    forward differences); the chosen model is then fitted to full accuracy from those estimates.
    Oracle: statsmodels' SARIMAX (simple_differencing, no trend: every chosen model here has
    d + D = 2) gives our log-likelihood at our parameters, and its score there vanishes (with the
    search estimates alone, without that last fit, the score test fails)."""
    from statsmodels.tsa.statespace.sarimax import SARIMAX

    from scipy.signal import lfilter

    rng = np.random.default_rng(3)
    n, m = 120, 12
    Y = []
    for seed in range(4):  # (0,1,1)(0,1,1)[12]: MA filter, then seasonal and regular integration
        ma = np.zeros(14)
        ma[[0, 12, 13]] = 1.0, -0.6, -0.6 * (-0.3 - 0.1 * seed)
        ma[1] = -0.3 - 0.1 * seed
        x = lfilter(ma, [1.0], rng.standard_normal(n + 40))
        y = np.cumsum(lfilter([1.0], np.r_[1.0, np.zeros(m - 1), -1.0], x))
        Y.append(y[-n:] + 100.0)
    Y = np.array(Y)
    res = convts.auto_arima_many(Y, m=m, D=1, d=1)
    for i in range(Y.shape[0]):
        r = res.result(i)
        assert r.model.trend in (None, "n")
        mod = SARIMAX(Y[i], order=r.model.order, seasonal_order=r.model.seasonal_order, trend="n",
                      simple_differencing=True)
        params = r.params.to_numpy(dtype=float)
        assert mod.loglike(params) == pytest.approx(r.llf, rel=1e-9)
        score = mod.score(params)
        assert np.max(np.abs(score[:-1])) < 2e-3, score
