"""auto_arima_many with exogenous regressors (regression with ARIMA errors, R's ``xreg``).

Oracles:
- the single-series ``convts.auto_arima(y_i, m, exog=X_i)`` run series by series on the trimmed
  series and its own regressors (chosen model, IC, parameters, trace, forecasts with future
  regressors): the batch lays out, trims and pivots the regressors, the single call does not;
- statsmodels' ``SARIMAX`` (regression columns = the trend terms and the regressors,
  ``simple_differencing=True``): the log-likelihood at the chosen model's parameters, and its own
  optimum of that model is not better;
- the per-series status for a series whose regressors are rank deficient or incomplete.
"""

import pickle
import warnings

import numpy as np
import pandas as pd
import pytest

import convts

BETA = (1.5, -0.8)


@pytest.fixture(scope="module", autouse=True)
def _one_blas_thread():
    """Candidates with regressors are fitted by scipy's L-BFGS-B, whose tiny BLAS calls were 10-30x
    slower with OpenBLAS's two threads on this loaded 2-core machine; one thread, same numbers."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        yield
        return
    with threadpool_limits(1, user_api="blas"):
        yield


def _series(seed, T, ar=0.5, beta=BETA, X=None, drift=None):
    """``4 + X beta + u``: u an AR(1), or a random walk with ``drift`` when given."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((T, len(beta))) if X is None else X
    if drift is None:
        u = convts.kernels.arma(ar=[ar])(rng.standard_normal(T))
    else:
        u = np.cumsum(drift + rng.standard_normal(T))
    return 4.0 + X @ np.asarray(beta) + u, X


def _single(y, X, m=1, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return convts.auto_arima(y, m=m, exog=X, **kw)


def _same_as_single(res, id_, one):
    row = res.table.loc[id_]
    assert row["status"] == "ok", row["status"]
    assert row["order"] == one.model.order and row["trend"] == one.model.trend
    assert row["ic"] == one.auto_arima_info["ic_value"]
    got = res.params.loc[id_].dropna()
    assert set(got.index) == set(one.params.index)
    np.testing.assert_array_equal(got[one.params.index].to_numpy(), one.params.to_numpy())
    pd.testing.assert_frame_equal(res.trace(id_).reset_index(drop=True), one.search_trace.reset_index(drop=True))


# ------------------------------------------------------------------ a 3-D array of regressors
@pytest.fixture(scope="module")
def array_batch():
    """Seven series of 60 times: full, NaN-led, shorter (trailing NaN), one missing value inside,
    one whose second regressor is a multiple of the first (rank deficient), random-walk errors
    with a drift (d = 1), and a linear-trend regressor (constant after differencing: R keeps d
    from making it so)."""
    T, n = 60, 7
    Y = np.full((n, T), np.nan)
    E = np.full((n, T, 2), np.nan)
    spans = [(0, 60), (7, 60), (0, 48), (0, 60), (0, 60), (0, 60), (0, 60)]
    for i, (a, b) in enumerate(spans):
        y, X = _series(10 + i, b - a, drift=0.6 if i in (5, 6) else None)
        if i == 4:
            X[:, 1] = 2.0 * X[:, 0]
        if i == 6:
            X[:, 1] = np.arange(b - a, dtype=float)
            y, _ = _series(10 + i, b - a, drift=0.6, X=X)
        Y[i, a:b], E[i, a:b] = y, X
    Y[3, 30] = np.nan                      # a missing observation: its regressors stay given
    E[2, 50:] = 99.0                       # beyond series 2's span: never used
    Y0, E0 = Y.copy(), E.copy()
    res = convts.auto_arima_many(Y, m=1, exog=E, max_p=2, max_q=2, n_jobs=1)
    np.testing.assert_array_equal(Y, Y0)   # caller data untouched
    np.testing.assert_array_equal(E, E0)
    return Y, E, spans, res


def test_array_exog_each_series_equals_single_auto_arima(array_batch):
    Y, E, spans, res = array_batch
    assert res.exog_names == ["x1", "x2"]
    for i, (a, b) in enumerate(spans):
        if i == 4:
            continue
        one = _single(Y[i, a:b], pd.DataFrame(E[i, a:b], columns=["x1", "x2"]), max_p=2, max_q=2)
        _same_as_single(res, i, one)
        # the same numbers as with the regressors as a plain array (whose names are x1.. or x2.. after a drift)
        arr = _single(Y[i, a:b], E[i, a:b], max_p=2, max_q=2)
        np.testing.assert_array_equal(arr.params.to_numpy(), one.params.to_numpy())
    assert res.table["status"].iloc[4].startswith("exog is rank deficient")
    assert res.params.iloc[4].isna().all()
    assert res.table.loc[5, "d"] == 1 and res.table.loc[5, "trend"] == "t"    # the drift, named 'drift'
    assert res.params.loc[5, "drift"] == pytest.approx(0.6, abs=0.4)
    assert res.table.loc[6, "d"] == 0                  # the trend regressor keeps the series undifferenced
    assert np.allclose(res.params.loc[0, ["x1", "x2"]].to_numpy(float), BETA, atol=0.25)


def test_array_exog_forecasts_equal_single_and_survive_pickling(array_batch):
    Y, E, spans, res = array_batch
    F = np.random.default_rng(3).standard_normal((7, 4, 2))
    fc = res.forecast(4, exog=F)
    for i, (a, b) in enumerate(spans):
        if i == 4:
            continue
        one = _single(Y[i, a:b], pd.DataFrame(E[i, a:b], columns=["x1", "x2"]), max_p=2, max_q=2)
        want = one.get_forecast(4, exog=pd.DataFrame(F[i], columns=["x1", "x2"])).summary_frame()
        got = fc[fc["id"] == i]
        np.testing.assert_allclose(got["mean"].to_numpy(), want["mean"].to_numpy(), rtol=1e-12)
        np.testing.assert_allclose(got["mean_se"].to_numpy(), want["mean_se"].to_numpy(), rtol=1e-12)
    bad = fc[fc["id"] == 4]
    assert bad["mean"].isna().all() and bad["status"].str.startswith("exog is rank deficient").all()
    back = pickle.loads(pickle.dumps(res))
    pd.testing.assert_frame_equal(back.forecast(4, exog=F), fc)
    pd.testing.assert_frame_equal(convts.forecast_many(res, 4, exog=F), fc)  # the function passes exog on


def test_forecast_refuses_missing_or_misshaped_future_exog(array_batch):
    _, _, _, res = array_batch
    with pytest.raises(ValueError, match=r"exog is missing.*\['x1', 'x2'\].*\(7, 3, 2\)"):
        res.forecast(3)
    with pytest.raises(ValueError, match=r"exog is missing"):
        convts.forecast_many(res, 3)
    with pytest.raises(ValueError, match=r"exog has shape \(7, 2, 2\).*\(7, 3, 2\)"):
        res.forecast(3, exog=np.zeros((7, 2, 2)))
    with pytest.raises(ValueError, match=r"exog has no column\(s\) \['x2'\]"):
        res.forecast(3, exog=pd.DataFrame({"id": np.repeat(np.arange(7), 3), "x1": 0.0}))
    full = pd.DataFrame({"id": np.repeat(np.arange(7), 3), "x1": 0.0, "x2": 0.0})
    short = full.drop(index=11)            # one of series 3's rows; series 4 (no model) needs none
    res.forecast(3, exog=full[full["id"] != 4])
    with pytest.raises(ValueError, match=r"exog has 2 future row\(s\) for series 3"):
        res.forecast(3, exog=short)
    no_exog = convts.auto_arima_many(np.vstack([_series(1, 40)[0]]), m=1, max_p=1, max_q=1)
    with pytest.raises(ValueError, match="without exogenous regressors"):
        no_exog.forecast(2, exog=np.zeros((1, 2, 2)))
    with pytest.raises(ValueError, match="without regressors"):
        convts.forecast_many(no_exog, 2, exog=np.zeros((1, 2, 2)))


def test_bad_exog_inputs_are_refused():
    Y = np.vstack([_series(s, 30)[0] for s in range(2)])
    with pytest.raises(ValueError, match=r"3-D array.*broadcast_to"):
        convts.auto_arima_many(Y, m=1, exog=np.zeros((30, 2)))
    with pytest.raises(ValueError, match=r"exog has shape \(2, 29, 1\).*\(2, 30, k\)"):
        convts.auto_arima_many(Y, m=1, exog=np.zeros((2, 29, 1)))
    with pytest.raises(TypeError, match="3-D array"):
        convts.auto_arima_many(Y, m=1, exog=pd.DataFrame(np.zeros((30, 2))))
    long = pd.DataFrame({"id": np.repeat([0, 1], 30), "y": Y.ravel(), "x": 1.0, "name": "a"})
    with pytest.raises(TypeError, match=r"\['name'\].*not numeric"):
        convts.auto_arima_many(long, m=1, id_col="id", value_col="y")
    with pytest.raises(ValueError, match="carries its regressors as its columns"):
        convts.auto_arima_many(long[["id", "y", "x"]], m=1, id_col="id", value_col="y", exog=np.zeros((2, 30, 1)))


# ------------------------------------------------------------------ a long frame (statsforecast's layout)
def test_long_frame_exog_columns_equal_single_and_forecast_with_future_frame():
    """Monthly series of different lengths and starts; the regressors are the frame's extra columns;
    one series lacks a month the others have (a gap without regressors: its status says so)."""
    rows, fut, singles = [], [], {}
    for k, (start, T) in {"a": ("2001-01", 60), "b": ("2002-06", 44), "gap": ("2001-01", 50)}.items():
        y, X = _series(ord(k[0]), T)
        t = pd.date_range(start, periods=T, freq="MS")
        frame = pd.DataFrame({"key": k, "ds": t, "y": y, "price": X[:, 0], "promo": X[:, 1]})
        if k == "gap":
            frame = frame.drop(index=20)
        rows.append(frame)
        tf = pd.date_range(t[-1], periods=4, freq="MS")[1:]
        fut.append(pd.DataFrame({"key": k, "ds": tf[::-1], "price": [1.0, 2.0, 3.0], "promo": [0.5, 0.0, -0.5]}))
        singles[k] = (pd.Series(y, index=t), pd.DataFrame(X, index=t, columns=["price", "promo"]))
    long = pd.concat(rows, ignore_index=True).sample(frac=1.0, random_state=0)   # any row order
    X_df = pd.concat(fut, ignore_index=True)
    res = convts.auto_arima_many(long, m=1, id_col="key", time_col="ds", value_col="y", max_p=2, max_q=2)
    assert res.exog_names == ["price", "promo"]
    assert res.table.loc["gap", "status"].startswith("exog is missing (NaN/inf) at 1 time(s)")
    fc = res.forecast(3, exog=X_df)
    for k in ("a", "b"):
        y, X = singles[k]
        one = _single(y, X, max_p=2, max_q=2)
        _same_as_single(res, k, one)
        future = X_df[X_df["key"] == k].sort_values("ds").set_index("ds")[["price", "promo"]]
        want = one.get_forecast(3, exog=future).summary_frame()
        got = fc[fc["id"] == k]
        assert list(got["time"]) == list(want.index)
        np.testing.assert_allclose(got["mean"].to_numpy(), want["mean"].to_numpy(), rtol=1e-12)
        np.testing.assert_allclose(got["mean_ci_upper"].to_numpy(), want["mean_ci_upper"].to_numpy(), rtol=1e-12)
    assert fc[fc["id"] == "gap"]["mean"].isna().all()
    # history rows in the future frame are skipped by time; too few future rows is refused
    history = long[["key", "ds", "price", "promo"]]
    pd.testing.assert_frame_equal(res.forecast(3, exog=pd.concat([history, X_df])), fc)
    with pytest.raises(ValueError, match="exog has 3 future row"):
        res.forecast(4, exog=X_df)


# ------------------------------------------------------------------ statsmodels' likelihood of the chosen model
def test_chosen_model_likelihood_equals_statsmodels_sarimax(array_batch):
    from statsmodels.tsa.statespace.sarimax import SARIMAX

    Y, E, spans, res = array_batch
    a, b = spans[5]
    fit = res.result(5)
    p, d, q = fit.model.order
    y, X = Y[5, a:b], E[5, a:b]
    t = np.arange(1, y.size + 1, dtype=float)
    trend_cols = {"n": [], "c": [np.ones_like(t)], "t": [t]}[fit.model.trend]
    R = np.column_stack(trend_cols + [X])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sm = SARIMAX(y, exog=R, order=(p, d, q), trend="n", simple_differencing=True)
        assert sm.loglike(fit.params.to_numpy()) == pytest.approx(res.table.loc[5, "llf"], rel=1e-8)
        theirs = sm.fit(disp=0, maxiter=500)
    assert theirs.llf <= res.table.loc[5, "llf"] + 1e-3


def test_dask_refuses_regressors_it_would_drop():
    """convts.dask.auto_arima_many lays out id/time/value only: a long frame with regressor columns (which
    the in-memory search would use) or exog= is refused, not searched without them."""
    dd = pytest.importorskip("dask.dataframe")
    import convts.dask

    long = pd.DataFrame({"id": np.repeat([0, 1], 30), "t": np.tile(np.arange(30), 2),
                         "y": np.random.default_rng(0).standard_normal(60), "price": 1.0})
    ddf = dd.from_pandas(long, npartitions=2)
    with pytest.raises(ValueError, match=r"columns \['price'\].*exogenous regressors.*does not support"):
        convts.dask.auto_arima_many(ddf, m=1, id_col="id", time_col="t", value_col="y")
    with pytest.raises(TypeError, match="takes no exog"):
        convts.dask.auto_arima_many(ddf[["id", "t", "y"]], m=1, id_col="id", time_col="t", value_col="y",
                                    exog=np.zeros((2, 30, 1)))
