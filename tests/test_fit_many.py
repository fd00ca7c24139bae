"""fit_many: the batch equals fitting each series alone; input forms; bad series; forecasts; backends.

The oracle is the single-series estimator ``convts.ARIMA(y, ...).fit(method=...)`` (itself tested
against statsmodels in test_arima_parity.py).  The compiled batch path optimises the same
objective with a different optimiser (numba BFGS instead of scipy's L-BFGS-B), so parameters are
compared to 1e-5 and the log-likelihood to 1e-9 relative.
"""

from __future__ import annotations

import sys
import warnings

import numpy as np
import pandas as pd
import pytest

import convts
from convts.kernels import arma
from convts.models import ConvergenceWarning
from convts.models import batch as _fit_many

PARAM_TOL = 1e-5
LLF_RTOL = 1e-9


def _panel(n, T, ar=(0.6,), ma=(0.3,), mean=5.0, seed=0, burn=100):
    rng = np.random.default_rng(seed)
    return arma(ar=list(ar), ma=list(ma))(rng.standard_normal((n, T + burn)), axis=1)[:, burn:] + mean


def _trim(y):
    ok = np.flatnonzero(~np.isnan(y))
    return y[ok[0]: ok[-1] + 1]


def _single(y, order, seasonal_order=None, trend=None, method="css-mle"):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return convts.ARIMA(y, order=order, seasonal_order=seasonal_order or (0, 0, 0, 0), trend=trend).fit(method=method)


def _assert_row_equals(res, id_, single):
    row = res.table.loc[id_]
    np.testing.assert_allclose(row[res.param_names].to_numpy(dtype=float), single.params.to_numpy(), rtol=0,
                               atol=PARAM_TOL * max(1.0, float(np.max(np.abs(single.params.to_numpy())))))
    np.testing.assert_allclose(row["llf"], single.llf, rtol=LLF_RTOL)
    np.testing.assert_allclose(row["aic"], single.aic, rtol=LLF_RTOL)
    np.testing.assert_allclose(row["bic"], single.bic, rtol=LLF_RTOL)
    assert row["nobs"] == single.nobs
    assert bool(row["converged"]) == single.converged
    assert list(res.param_names) == list(single.params.index)


@pytest.fixture(scope="module")
def airline_like():
    y = np.log(convts.datasets.load("airline").to_numpy(dtype=float).ravel())
    rng = np.random.default_rng(3)
    return y[None, :] + 0.02 * rng.standard_normal((4, y.size))


# ------------------------------------------------------------------ equals single-series fits
@pytest.mark.parametrize("method", ["css-mle", "mle", "css"])
def test_arma11_const_equals_single(method):
    Y = _panel(16, 200, seed=1)
    res = convts.fit_many(Y, (1, 0, 1), method=method)
    assert res.ok.all()
    assert list(res.table.columns) == ["const", "ar.L1", "ma.L1", "sigma2", "llf", "aic", "bic", "nobs",
                                       "converged", "status", "method"]
    for i in range(Y.shape[0]):
        _assert_row_equals(res, i, _single(Y[i], (1, 0, 1), method=method))


def test_integrated_ma_equals_single():
    Y = np.cumsum(_panel(10, 150, ar=(), ma=(-0.4,), mean=0.2, seed=2), axis=1)
    res = convts.fit_many(Y, (0, 1, 1))
    assert res.param_names == ["ma.L1", "sigma2"]
    for i in range(Y.shape[0]):
        _assert_row_equals(res, i, _single(Y[i], (0, 1, 1)))


def test_drift_equals_single():
    Y = np.cumsum(_panel(6, 150, ar=(0.3,), ma=(), mean=0.5, seed=9), axis=1)
    res = convts.fit_many(Y, (1, 1, 0), trend="t")
    assert res.param_names[0] == "x1"
    for i in range(Y.shape[0]):
        _assert_row_equals(res, i, _single(Y[i], (1, 1, 0), trend="t"))


def test_seasonal_airline_like_equals_single(airline_like):
    res = convts.fit_many(airline_like, (1, 1, 0), (0, 1, 1, 12))
    assert res.param_names == ["ar.L1", "ma.S.L12", "sigma2"]
    for i in range(airline_like.shape[0]):
        _assert_row_equals(res, i, _single(airline_like[i], (1, 1, 0), (0, 1, 1, 12)))


def test_numpy_backend_and_fallback_methods_equal_single():
    Y = _panel(5, 180, seed=4)
    res_np = convts.fit_many(Y, (1, 0, 1), backend="numpy")
    res_nb = convts.fit_many(Y, (1, 0, 1), backend="numba")
    for i in range(Y.shape[0]):
        single = _single(Y[i], (1, 0, 1))
        np.testing.assert_array_equal(res_np.table.loc[i, res_np.param_names].to_numpy(dtype=float),
                                      single.params.to_numpy())
        assert res_np.table.loc[i, "llf"] == single.llf
    np.testing.assert_allclose(res_np.params.to_numpy(), res_nb.params.to_numpy(), atol=PARAM_TOL * 5)
    # methods the compiled path does not cover go through ARIMA.fit per series
    res_w = convts.fit_many(Y, (1, 0, 1), method="whittle")
    for i in range(Y.shape[0]):
        single = _single(Y[i], (1, 0, 1), method="whittle")
        np.testing.assert_array_equal(res_w.params.loc[i].to_numpy(), single.params.to_numpy())
    res_f = convts.fit_many(Y, (1, 0, 1), fixed={"ma.L1": 0.3})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        single = convts.ARIMA(Y[0], order=(1, 0, 1)).fit(fixed={"ma.L1": 0.3}, method="css-mle")
    np.testing.assert_array_equal(res_f.params.loc[0].to_numpy(), single.params.to_numpy())
    assert res_f.table.loc[0, "aic"] == pytest.approx(single.aic)


# ------------------------------------------------------------------ input forms
def test_array_wide_long_give_the_same_table():
    Y = _panel(6, 120, seed=5)
    Y[2, :15] = np.nan  # a shorter series
    Y[3, 60] = np.nan  # a gap
    ids = [f"s{i}" for i in range(Y.shape[0])]
    idx = pd.date_range("2000-01-01", periods=Y.shape[1], freq="MS")
    wide = pd.DataFrame(Y.T, index=idx, columns=ids)
    long = wide.stack(future_stack=True).rename("value").reset_index()
    long.columns = ["date", "series", "value"]
    long = long.dropna().sample(frac=1.0, random_state=0)  # missing rows are gaps; order scrambled
    r_arr = convts.fit_many(Y, (1, 0, 1))
    r_wide = convts.fit_many(wide, (1, 0, 1))
    r_long = convts.fit_many(long, (1, 0, 1), id_col="series", time_col="date", value_col="value")
    assert r_wide.table.index.name == r_long.table.index.name == r_arr.table.index.name == "id"
    assert list(r_wide.table.index) == ids == list(r_long.table.index)
    cols = r_arr.param_names + ["llf", "aic", "bic"]
    np.testing.assert_array_equal(r_wide.table[cols].to_numpy(), r_arr.table[cols].to_numpy())
    np.testing.assert_array_equal(r_long.table[cols].to_numpy(), r_arr.table[cols].to_numpy())
    assert (r_long.table["status"] == "ok").all()
    # the caller's data is untouched
    assert np.isnan(wide.iloc[60, 3]) and long["value"].notna().all()


def test_different_lengths_and_gaps_equal_single():
    Y = _panel(6, 200, seed=6)
    Y[0, :40] = np.nan
    Y[1, -55:] = np.nan
    Y[2, [10, 11, 12, 100, 150]] = np.nan
    Y[3, :5] = np.nan
    Y[3, [70, 71]] = np.nan
    res = convts.fit_many(Y, (1, 0, 1))
    for i in range(4):
        _assert_row_equals(res, i, _single(_trim(Y[i]), (1, 0, 1)))
    assert res.table.loc[0, "nobs"] == 160 and res.table.loc[2, "nobs"] == 195
    # gaps in an integrated model
    Z = np.cumsum(_panel(3, 150, ar=(), ma=(-0.4,), mean=0.0, seed=7), axis=1)
    Z[0, [30, 31, 90]] = np.nan
    Z[1, :20] = np.nan
    rz = convts.fit_many(Z, (0, 1, 1))
    for i in range(2):
        _assert_row_equals(rz, i, _single(_trim(Z[i]), (0, 1, 1)))


# ------------------------------------------------------------------ bad series
def test_bad_series_get_a_status_and_the_rest_fit():
    Y = _panel(8, 100, seed=8)
    Y[1] = np.nan  # all NaN
    Y[2, :-4] = np.nan  # too short for ARIMA(1,0,1)
    Y[3] = 7.0  # constant
    Y[4, 50] = np.inf
    Y[5, 20] = -np.inf
    res = convts.fit_many(Y, (1, 0, 1))
    st = res.table["status"]
    assert "all NaN" in st[1]
    assert "too few observations" in st[2]
    assert "constant" in st[3]
    assert "inf" in st[4] and "inf" in st[5]
    assert res.ok.tolist() == [True, False, False, False, False, False, True, True]
    bad = [1, 2, 3, 4, 5]
    assert res.params.loc[bad].isna().all().all()
    assert not res.table.loc[bad, "converged"].any()
    assert res.table.loc[bad, "nobs"].isna().all()
    for i in (0, 6, 7):
        _assert_row_equals(res, i, _single(Y[i], (1, 0, 1)))
    with pytest.raises(ValueError, match="not fitted"):
        res.result(3)
    fc = res.forecast(2)
    assert sorted(set(fc["id"])) == list(range(8))  # every series; the failed ones as NaN rows with their status
    assert fc.loc[fc["id"].isin(bad), ["mean", "mean_se"]].isna().all().all()
    assert fc.loc[fc["id"].isin(bad), "status"].tolist() == np.repeat(st[bad].to_numpy(), 2).tolist()
    # the backend="numpy" path reports the same reasons
    res_np = convts.fit_many(Y, (1, 0, 1), backend="numpy")
    assert res_np.table["status"].tolist() == st.tolist()


def test_whole_call_errors():
    Y = _panel(3, 50)
    with pytest.raises(ValueError, match="order"):
        convts.fit_many(Y, (1, 0))
    with pytest.raises(ValueError, match="overlap"):
        convts.fit_many(Y, (12, 0, 0), (1, 0, 0, 12))
    with pytest.raises(ValueError, match="dimension"):
        convts.fit_many(Y[0], (1, 0, 0))
    with pytest.raises(TypeError):
        convts.fit_many("not data", (1, 0, 0))
    with pytest.raises(TypeError, match="Series"):
        convts.fit_many(pd.Series(Y[0]), (1, 0, 0))
    with pytest.raises(ValueError, match="method"):
        convts.fit_many(Y, (1, 0, 0), method="nope")
    with pytest.raises(ValueError, match="backend"):
        convts.fit_many(Y, (1, 0, 0), backend="gpu")
    with pytest.raises(ValueError, match="n_jobs"):
        convts.fit_many(Y, (1, 0, 0), n_jobs=0)
    long = pd.DataFrame({"id": [0, 0, 1], "t": [1, 1, 1], "v": [1.0, 2.0, 3.0]})
    with pytest.raises(ValueError, match="repeated"):
        convts.fit_many(long, (1, 0, 0), id_col="id", time_col="t", value_col="v")
    with pytest.raises(ValueError, match="not in the DataFrame"):
        convts.fit_many(long, (1, 0, 0), id_col="id", time_col="time", value_col="v")


# ------------------------------------------------------------------ results and forecasts
def test_result_equals_single_fit():
    Y = _panel(3, 160, seed=10)
    for method in ("css-mle", "css"):
        res = convts.fit_many(Y, (1, 0, 1), method=method)
        one = res.result(1)
        single = _single(Y[1], (1, 0, 1), method=method)
        np.testing.assert_allclose(one.params.to_numpy(), single.params.to_numpy(), atol=PARAM_TOL)
        np.testing.assert_allclose(one.llf, single.llf, rtol=LLF_RTOL)
        assert one.nobs == single.nobs and one.method == method
        np.testing.assert_allclose(one.bse.to_numpy(), single.bse.to_numpy(), rtol=1e-3)
        np.testing.assert_allclose(one.resid.to_numpy(), single.resid.to_numpy(), atol=1e-4, equal_nan=True)
        assert one.llf == res.table.loc[1, "llf"] or abs(one.llf - res.table.loc[1, "llf"]) < 1e-9 * abs(one.llf)
    with pytest.raises(KeyError):
        res.result(99)


def test_forecasts_equal_single_summary_frame(airline_like):
    idx = pd.date_range("1949-01-01", periods=airline_like.shape[1], freq="MS")
    wide = pd.DataFrame(airline_like.T, index=idx, columns=["a", "b", "c", "d"])
    wide.iloc[-3:, 1] = np.nan  # series b ends earlier
    res = convts.fit_many(wide, (0, 1, 1), (0, 1, 1, 12))
    fc = res.forecast(5, alpha=0.1)
    assert list(fc.columns) == ["id", "step", "time", "mean", "mean_se", "mean_ci_lower", "mean_ci_upper", "status"]
    assert len(fc) == 20
    for name in ("a", "b"):
        y = wide[name].dropna()
        single = _single(y, (0, 1, 1), (0, 1, 1, 12))
        sf = single.get_forecast(5).summary_frame(alpha=0.1)
        got = fc[fc["id"] == name]
        assert list(got["time"]) == list(sf.index)
        np.testing.assert_allclose(got[["mean", "mean_se", "mean_ci_lower", "mean_ci_upper"]].to_numpy(),
                                   sf.to_numpy(), rtol=1e-4)
    assert fc[fc["id"] == "b"]["time"].iloc[0] == idx[-3]
    pd.testing.assert_frame_equal(convts.forecast_many(res, 5, alpha=0.1), fc)
    # no time axis: no time column
    fc2 = convts.fit_many(airline_like[:2], (0, 1, 1), (0, 1, 1, 12)).forecast(2)
    assert "time" not in fc2.columns and len(fc2) == 4


def test_result_object_api():
    Y = _panel(4, 100, seed=11)
    res = convts.fit_many(Y, (1, 0, 0))
    assert len(res) == 4
    assert "4 series" in repr(res)
    pd.testing.assert_frame_equal(res.to_frame(), res.table)
    assert list(res.params.columns) == ["const", "ar.L1", "sigma2"]
    assert res.ok.dtype == bool and res.ok.all()
    with pytest.raises(TypeError):
        convts.forecast_many("not a result", 2)


# ------------------------------------------------------------------ progress, threads
def test_progress_and_threads(monkeypatch):
    Y = _panel(40, 80, seed=12)
    base = convts.fit_many(Y, (1, 0, 1), n_jobs=1)
    threaded = convts.fit_many(Y, (1, 0, 1), n_jobs=2, progress=True)
    pd.testing.assert_frame_equal(base.table, threaded.table)  # threads do not change a bit
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)  # tqdm missing: silently no bar
    quiet = convts.fit_many(Y[:3], (1, 0, 1), progress=True)
    assert quiet.ok.all()
    with convts.set_options(progress=False):
        assert _fit_many._progress_bar(None, 10_000) is None


# ------------------------------------------------------------------ compiled pieces vs the reference functions
def test_batch_kernels_match_reference_transforms():
    from statsmodels.tsa.statespace.tools import constrain_stationary_univariate, unconstrain_stationary_univariate

    from convts.models.likelihood.kalman import arma_loglike
    from convts.models.likelihood.transforms import constrain_stationary, is_stationary, unconstrain_stationary

    rng = np.random.default_rng(13)
    for _ in range(200):
        k = int(rng.integers(1, 5))
        x = rng.normal(0, 2, k)
        np.testing.assert_allclose(constrain_stationary(x), constrain_stationary_univariate(x), rtol=0, atol=1e-15)
        c = constrain_stationary(x)
        np.testing.assert_allclose(unconstrain_stationary(c), unconstrain_stationary_univariate(c), rtol=1e-12, atol=1e-12)
        phi = rng.uniform(-1.6, 1.6, k)
        for margin in (0.0, 1e-3):
            roots = np.roots(np.r_[1.0, -phi][::-1])
            assert is_stationary(phi, margin) == bool(np.all(np.abs(roots) > 1.0 + margin))
    w = rng.standard_normal(120)
    w[[5, 40]] = np.nan
    e = np.zeros(0)
    for ar, ma, sar in (([0.5], [0.3], []), ([0.2, -0.3], [], [0.4]), ([], [0.6, 0.2], [])):
        args = (w, np.array(ar, float), np.array(sar, float), np.array(ma, float), e, 4, 1e-10)
        np.testing.assert_allclose(arma_loglike(*args), _loglike_dense(*args), rtol=1e-12)


def _loglike_dense(w, ar, sar, ma, sma, s, tol):
    """Oracle of ``arma_loglike``: the initial covariance by scipy's dense Lyapunov solver."""
    from scipy.linalg import solve_discrete_lyapunov

    from convts.models.likelihood.kalman import expand, kalman_arma

    phi, theta = expand(ar, sar, s, -1.0), expand(ma, sma, s, 1.0)
    r = max(phi.size, theta.size + 1)
    ph, R = np.zeros(r), np.zeros(r)
    ph[: phi.size], R[0], R[1: theta.size + 1] = phi, 1.0, theta
    T = np.zeros((r, r))
    T[:, 0] = ph
    T[np.arange(r - 1), np.arange(1, r)] = 1.0
    P0 = solve_discrete_lyapunov(T, np.outer(R, R))
    e = np.zeros(0)
    return kalman_arma(w, ph, R, P0, tol, e, e, np.empty(r), np.empty((r, r)))


# ------------------------------------------------------------------ cupy wiring, run under NumPy
def test_cupy_path_under_numpy(monkeypatch):
    monkeypatch.setattr(_fit_many, "_cupy_module", lambda: np)
    Y = _panel(6, 200, mean=0.0, seed=14)
    res = convts.fit_many(Y, (1, 0, 1), trend="n", method="css", backend="cupy")
    assert res.ok.all()
    for i in range(Y.shape[0]):
        single = _single(Y[i], (1, 0, 1), trend="n", method="css")
        np.testing.assert_allclose(res.params.loc[i].to_numpy(), single.params.to_numpy(), atol=1e-6)
        np.testing.assert_allclose(res.table.loc[i, "llf"], single.llf, rtol=1e-9)
        assert res.table.loc[i, "nobs"] == single.nobs
    # with a constant the GPU path demeans by the sample mean: const is the mean, ARMA terms close to CSS
    Yc = Y + 3.0
    Yc[0, 10] = np.nan  # gaps are not handled on the GPU: a status, not an error
    rc = convts.fit_many(Yc, (1, 0, 1), method="css", backend="cupy")
    assert "missing values" in rc.table.loc[0, "status"]
    cpu = convts.fit_many(Yc, (1, 0, 1), method="css")
    np.testing.assert_allclose(rc.table.loc[1:, "const"], np.nanmean(Yc[1:], axis=1), rtol=1e-12)
    np.testing.assert_allclose(rc.params.loc[1:, ["ar.L1", "ma.L1"]], cpu.params.loc[1:, ["ar.L1", "ma.L1"]],
                               atol=0.05)
    with pytest.raises(ValueError, match="cupy"):
        convts.fit_many(Y, (1, 0, 1), method="mle", backend="cupy")


def test_cupy_whittle_under_numpy(monkeypatch):
    monkeypatch.setattr(_fit_many, "_cupy_module", lambda: np)
    Y = _panel(6, 400, ar=(0.5,), ma=(0.4,), mean=2.0, seed=15)
    res = convts.fit_many(Y, (1, 0, 1), method="whittle", backend="cupy")
    cpu = convts.fit_many(Y, (1, 0, 1), method="whittle")
    assert res.ok.all()
    np.testing.assert_allclose(res.params.to_numpy(), cpu.params.to_numpy(), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(res.table["llf"], cpu.table["llf"], rtol=1e-6)
    assert (res.table["nobs"] == cpu.table["nobs"]).all()


def test_long_seasonal_period_takes_the_single_series_path():
    Y = _panel(2, 160, ar=(0.4,), ma=(), seed=16)
    res = convts.fit_many(Y, (1, 0, 0), (1, 0, 0, 52))
    for i in range(2):
        single = _single(Y[i], (1, 0, 0), (1, 0, 0, 52))
        np.testing.assert_array_equal(res.params.loc[i].to_numpy(), single.params.to_numpy())
    assert res.result(0) is res.result(0)


def test_jitcache_drops_callers_cache_when_a_source_changes(tmp_path):
    from convts.models._jitcache import drop_stale

    src, cache = tmp_path / "src", tmp_path / "cache"
    src.mkdir()
    cache.mkdir()
    for name in ("leaf.py", "caller.py"):
        (src / name).write_text("x = 1\n")
    entries = [cache / "caller.f-10.py311.nbi", cache / "caller.f-10.py311.1.nbc", cache / "leaf.g-3.py311.nbi"]

    def run():
        for e in entries:
            e.touch()
        return drop_stale(str(cache), str(src), ("leaf.py", "caller.py"), ("caller",))

    assert run()  # no stamp yet: drop once
    assert not entries[0].exists() and not entries[1].exists() and entries[2].exists()
    assert not run() and all(e.exists() for e in entries)  # unchanged sources: keep
    (src / "leaf.py").write_text("x = 2\n")
    assert run() and not entries[0].exists() and entries[2].exists()
    assert not drop_stale(str(cache), str(tmp_path / "missing"), ("leaf.py",), ("caller",))


def test_jitcache_finds_the_folders_numba_caches_the_callers_in():
    """The drop above is only as good as the folders it is given: numba's locator API (renamed
    between numba versions once already, which silently disabled the drop) must give one folder
    per caller, and it must be the folder numba writes that caller's cache files to."""
    import glob
    import os

    from convts.models._jitcache import CALLERS, cache_folders
    from convts.models.estimators import compiled  # noqa: F401 (its cached functions exist once imported)

    folders = cache_folders()
    stems = sorted(s for v in folders.values() for s in v)
    assert stems == sorted(os.path.splitext(os.path.basename(c))[0] for c in CALLERS)
    if os.environ.get("NUMBA_DISABLE_JIT") != "1":
        import convts

        convts.fit_many(np.random.default_rng(0).standard_normal((2, 40)), order=(1, 0, 0))
        folder = [f for f, v in folders.items() if "compiled" in v][0]
        assert glob.glob(os.path.join(glob.escape(folder), "compiled.*.nbi")), folder


# ------------------------------------------------------------------ time index: one check with ARIMA
def test_wide_and_long_frames_with_date_gaps_are_reindexed():
    """Months dropped from a wide frame (or absent from a long one) are missing values, as in
    convts.ARIMA: the llf is statsmodels' SARIMAX on the NaN-filled series; forecast times follow."""
    from statsmodels.tsa.statespace.sarimax import SARIMAX

    idx = pd.date_range("2000-01-01", periods=100, freq="MS")
    Y = pd.DataFrame(_panel(3, 100, ar=(0.6,), ma=(), mean=5.0, seed=21).T, index=idx, columns=list("abc"))
    gappy = Y.drop(idx[[10, 20, 21, 50, 60]])
    res = convts.fit_many(gappy, (1, 0, 0))
    assert res.table["nobs"].tolist() == [95, 95, 95]
    for c in "abc":
        sm = SARIMAX(Y[c].where(Y.index.isin(gappy.index)).to_numpy(), order=(1, 0, 0), trend="c")
        mu, phi, s2 = res.params.loc[c, ["const", "ar.L1", "sigma2"]]
        assert res.table.loc[c, "llf"] == pytest.approx(sm.loglike(np.r_[mu * (1 - phi), phi, s2]), rel=1e-8)
    fc = res.forecast(2)
    assert fc.loc[fc["id"] == "a", "time"].tolist() == list(pd.date_range("2008-05-01", periods=2, freq="MS"))
    long = gappy.reset_index(names="t").melt(id_vars="t", var_name="id", value_name="v")
    res_long = convts.fit_many(long, (1, 0, 0), id_col="id", time_col="t", value_col="v")
    pd.testing.assert_frame_equal(res_long.table, res.table)
    off = gappy.copy()
    off.index = off.index + pd.to_timedelta(np.arange(95) % 7, "h")
    with pytest.raises(ValueError, match="irregular DatetimeIndex"):
        convts.fit_many(off, (1, 0, 0))


def test_n_jobs_on_the_python_path_warns():
    Y = _panel(3, 150, seed=22)
    with pytest.warns(UserWarning, match=r"n_jobs=2 is ignored: method='whittle'"):
        convts.fit_many(Y, (1, 0, 0), method="whittle", n_jobs=2)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        convts.fit_many(Y, (1, 0, 0), method="whittle")  # default n_jobs: no warning
        convts.fit_many(Y, (1, 0, 0), n_jobs=2)  # compiled path: honoured


def test_cupy_css_degenerate_row_gets_a_status_not_an_abort(monkeypatch):
    """A series fitted exactly (an impulse: CSS residuals -phi, 0, 0, ... vanish at phi = 0) has
    sigma2 == 0: log(0) aborted the whole batch.  Now that row gets a status and the others equal
    the single fits (R's CSS llf with n_used)."""
    monkeypatch.setattr(_fit_many, "_cupy_module", lambda: np)
    Y = _panel(4, 200, ar=(0.5,), ma=(), mean=0.0, seed=23)
    Y[2] = np.r_[1.0, np.zeros(199)]
    res = convts.fit_many(Y, (1, 0, 0), trend="n", method="css", backend="cupy")
    assert "degenerate" in res.table.loc[2, "status"] and res.params.loc[2].isna().all()
    for i in (0, 1, 3):
        assert res.table.loc[i, "status"] == "ok"
        single = _single(Y[i], (1, 0, 0), trend="n", method="css")
        n_used = 200
        assert res.table.loc[i, "llf"] == pytest.approx(-0.5 * n_used * (np.log(2 * np.pi * single.sigma2) + 1),
                                                        rel=1e-9)
        assert res.table.loc[i, "nobs"] == n_used == single.nobs


def test_css_estimate_outside_the_region_gets_a_status_on_every_path(monkeypatch):
    """R's CSS does not enforce stationarity: a random walk fitted as AR(1) by CSS lands at phi > 1.
    Every fit_many path gives that series a status naming the root 1/phi; the single fit warns."""
    rng = np.random.default_rng(24)
    walks = [np.cumsum(rng.standard_normal(300)) for _ in range(2)]  # CSS phi 1.0034 and 1.0029
    Y = np.stack([walks[0], _panel(1, 300, ar=(0.5,), ma=(), mean=0.0, seed=25)[0], walks[1]])  # row 1 stays "ok"
    phis = []
    for i in (0, 2):
        with pytest.warns(ConvergenceWarning, match="CSS estimate cannot be used for forecasting"):
            single = convts.ARIMA(Y[i], order=(1, 0, 0), trend="n").fit(method="css")
        phis.append(single.params["ar.L1"])
    assert min(phis) > 1.0
    monkeypatch.setattr(_fit_many, "_cupy_module", lambda: np)
    for backend in ("numba", "numpy", "cupy"):
        res = convts.fit_many(Y, (1, 0, 0), trend="n", method="css", backend=backend)
        assert res.table.loc[1, "status"] == "ok", backend
        for i, phi in zip((0, 2), phis):
            status = res.table.loc[i, "status"]
            assert "AR polynomial (ar.L1) is not stationary" in status, (backend, status)
            assert f"{1 / res.params.loc[i, 'ar.L1']:.4g}"[:5] in status, (backend, status)


@pytest.mark.parametrize("method", ["css-mle", "css"])
def test_result_pickles_after_forecast_and_forecasts_the_same(method):
    """A FitManyResult pickles with the standard pickle after its per-series results were built
    (they hold closures) and, loaded, gives the same table and forecasts; the single-series fit
    (statsmodels' SARIMAX at convts' params would be the oracle of the numbers themselves, which
    other tests check) is the reference for the forecast of one series."""
    import pickle

    rng = np.random.default_rng(5)
    Y = np.array([convts.kernels.arma(ar=[0.6])(rng.standard_normal(150)) for _ in range(4)])
    res = convts.fit_many(Y, order=(1, 0, 0), method=method)
    before = res.forecast(3)
    res.result(1)  # fills the cache of per-series results
    loaded = pickle.loads(pickle.dumps(res))
    pd.testing.assert_frame_equal(loaded.table, res.table)
    pd.testing.assert_frame_equal(loaded.forecast(3), before, rtol=1e-12)
    single = convts.ARIMA(Y[2], order=(1, 0, 0)).fit(method=method)
    np.testing.assert_allclose(loaded.forecast(3).query("id == 2")["mean"].to_numpy(),
                               single.forecast(3), rtol=1e-5)
