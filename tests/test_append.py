"""ARIMAResults.append / extend / apply against statsmodels' MLEResults on the same model and parameters.

Oracle: statsmodels ``SARIMAX`` of the differenced series ``w = (1-L)^d (1-L^s)^D y`` with the
differenced regression columns as exog (what convts' likelihood is: statsmodels
``simple_differencing=True``), filtered at convts' parameters (mapped name for name, as in
tests/test_arima_parity.py), then its ``append`` / ``extend`` / ``apply``.  convts forecasts levels,
so they are differenced by hand (np.diff and slices) before the comparison (1e-8).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import convts
from convts.models import _append
from convts.models.likelihood import exact

from statsmodels.tsa.statespace.sarimax import SARIMAX


def _diff(x, d, D, s):
    x = np.asarray(x, dtype=np.float64)
    for _ in range(D):
        x = x[s:] - x[:-s]
    for _ in range(d):
        x = x[1:] - x[:-1]
    return x


def _sim(n, seed, ar=(0.6,), ma=(0.3,), d=0, mean=0.0):
    e = np.random.default_rng(seed).standard_normal(n + 100)
    x = convts.kernels.arma(ar=list(ar), ma=list(ma))(e)[100:] + mean
    for _ in range(d):
        x = np.cumsum(x)
    return x


def _cases():
    air = np.log(convts.datasets.load("airline"))
    rng = np.random.default_rng(4)
    X = pd.DataFrame({"price": rng.standard_normal(260), "promo": (rng.random(260) < 0.3).astype(float)})
    yx = pd.Series(3 + 2 * X["price"].to_numpy() - X["promo"].to_numpy() + _sim(260, 5, ar=[0.5], ma=[]))
    miss = _sim(300, 6, mean=2.0)
    miss[[10, 270, 271, 290]] = np.nan
    return {
        "arma11_const": dict(y=_sim(300, 1, mean=5.0), order=(1, 0, 1), cut=240),
        "arima211_drift": dict(y=_sim(260, 2, ar=[0.5, -0.2], ma=[0.4], d=1) + 0.3 * np.arange(260),
                               order=(2, 1, 1), trend="t", cut=200),
        "airline_dates": dict(y=air, order=(0, 1, 1), seasonal_order=(0, 1, 1, 12), cut=120),
        "exog_frame": dict(y=yx, exog=X, order=(1, 0, 0), cut=200),
        "missing_new": dict(y=miss, order=(1, 0, 1), cut=250),
    }


CASES = _cases()


def _split(case):
    y, cut = case["y"], case["cut"]
    ex = case.get("exog")
    kw = {k: v for k, v in case.items() if k not in ("y", "exog", "cut")}
    old = y.iloc[:cut] if isinstance(y, pd.Series) else y[:cut]
    new = y.iloc[cut:] if isinstance(y, pd.Series) else y[cut:]
    return old, new, (None if ex is None else ex.iloc[:cut]), (None if ex is None else ex.iloc[cut:]), kw


def _oracle(model_full, res, cut):
    """statsmodels on the differenced series at res's parameters: (filtered on the first part, dy, dX, d, D, s)."""
    p, d, q = model_full.order
    P, D, Q, s = model_full.seasonal_order
    m = d + D * s
    dy = _diff(model_full.endog, d, D, s)
    X = model_full._X
    dX = np.column_stack([_diff(c, d, D, s) for c in X.T]) if X.shape[1] else None
    kw = dict(order=(p, 0, q), seasonal_order=(P, 0, Q, s) if (P or Q) else (0, 0, 0, 0), trend="n")
    c = cut - m
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sm = SARIMAX(dy[:c], exog=None if dX is None else dX[:c], **kw).filter(res.params.to_numpy())
    return sm, dy, dX, c


def _future_dX(model_full, steps, exog_future):
    """Differenced future regressors: levels of the last d + D s rows and the future rows, differenced by hand."""
    p, d, q = model_full.order
    P, D, Q, s = model_full.seasonal_order
    m = d + D * s
    if not model_full.k_exog:
        return None
    fut = model_full._regressors_future(steps, exog_future)
    lev = np.vstack([model_full._X[model_full.nobs_total - m:], fut])
    return np.column_stack([_diff(col, d, D, s) for col in lev.T])


def _our_diff_forecast(model_full, fc):
    p, d, q = model_full.order
    P, D, Q, s = model_full.seasonal_order
    m = d + D * s
    return _diff(np.r_[model_full.endog[model_full.nobs_total - m:], np.asarray(fc)], d, D, s)


@pytest.mark.parametrize("name", list(CASES))
def test_append_extend_apply_equal_statsmodels(name):
    case = CASES[name]
    old, new, ex_old, ex_new, kw = _split(case)
    res = convts.ARIMA(old, exog=ex_old, **kw).fit()
    full = convts.ARIMA(case["y"], exog=case.get("exog"), **kw)
    sm, dy, dX, c = _oracle(full, res, case["cut"])
    steps = 7
    fut_exog = None if ex_new is None else np.zeros((steps, ex_new.shape[1])) + 0.5
    fut_dX = _future_dX(full, steps, fut_exog)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sa = sm.append(dy[c:], exog=None if dX is None else dX[c:])
        se = sm.extend(dy[c:], exog=None if dX is None else dX[c:])
        sp = sm.apply(dy, exog=dX)
    want = np.asarray(sa.forecast(steps, exog=fut_dX))
    ours = res.append(new, exog=ex_new)
    np.testing.assert_allclose(_our_diff_forecast(full, ours.forecast(steps, exog=fut_exog)), want, rtol=1e-8, atol=1e-8)
    assert ours.llf == pytest.approx(sa.llf, rel=1e-9, abs=1e-8)
    assert ours.nobs == int(np.sum(~np.isnan(dy)))
    np.testing.assert_allclose(ours.resid.to_numpy(), sa.resid, rtol=1e-7, atol=1e-8)  # NaN where missing in both
    ext = res.extend(new, exog=ex_new)
    np.testing.assert_allclose(_our_diff_forecast(full, ext.forecast(steps, exog=fut_exog)),
                               np.asarray(se.forecast(steps, exog=fut_dX)), rtol=1e-8, atol=1e-8)
    assert ext.llf == pytest.approx(se.llf, rel=1e-9, abs=1e-8)
    assert ext.nobs == int(np.sum(~np.isnan(dy[c:])))
    app = res.apply(case["y"], exog=case.get("exog"))
    np.testing.assert_allclose(_our_diff_forecast(full, app.forecast(steps, exog=fut_exog)),
                               np.asarray(sp.forecast(steps, exog=fut_dX)), rtol=1e-8, atol=1e-8)
    assert app.llf == pytest.approx(sp.llf, rel=1e-9, abs=1e-8)
    # forecast standard errors: those of statsmodels' levels model are checked in test_arima_parity;
    # here the appended result's must equal a fresh filter of the whole series at the same parameters
    np.testing.assert_allclose(ours.get_forecast(steps, exog=fut_exog).se_mean.to_numpy(),
                               app.get_forecast(steps, exog=fut_exog).se_mean.to_numpy(), rtol=1e-8)


def test_cost_is_the_new_data_only(monkeypatch):
    """The filter runs over the new values only: no likelihood pass over the history."""
    y = _sim(5000, 8, mean=1.0)
    res = convts.ARIMA(y[:4980], order=(1, 0, 1)).fit()
    res.forecast(1)  # the end state exists
    seen = []
    real = _append.kalman_from

    def spy(w, *args):
        seen.append(w.size)
        return real(w, *args)

    def refuse(*args, **kwargs):
        raise AssertionError("the whole history was filtered again")

    monkeypatch.setattr(_append, "kalman_from", spy)
    monkeypatch.setattr(_append, "loglike_parts", refuse)
    monkeypatch.setattr(exact, "kalman_arma", refuse)
    monkeypatch.setattr(exact, "arma_loglike", refuse)
    out = res.append(y[4980:])
    out = out.append(y[4980:4983] + 0.1)  # appending twice chains the state
    ext = res.extend(y[4980:])
    out.forecast(3), ext.forecast(3)
    assert seen == [20, 3, 20]


def test_append_chain_equals_one_append():
    y = _sim(400, 9, mean=1.0)
    res = convts.ARIMA(y[:300], order=(1, 0, 1)).fit()
    a = res.append(y[300:350]).append(y[350:])
    b = res.append(y[300:])
    np.testing.assert_allclose(a.forecast(5).to_numpy(), b.forecast(5).to_numpy(), rtol=1e-12)
    assert a.llf == pytest.approx(b.llf, rel=1e-12)


def test_new_index_must_continue_the_dates():
    air = np.log(convts.datasets.load("airline"))
    res = convts.ARIMA(air.iloc[:120], order=(0, 1, 1), seasonal_order=(0, 1, 1, 12)).fit()
    with pytest.raises(ValueError, match="must continue the fitted series"):
        res.append(air.iloc[121:])  # a month skipped
    with pytest.raises(ValueError, match="must continue the fitted series"):
        res.extend(air.iloc[100:110])  # overlapping dates
    out = res.append(air.iloc[120:])
    assert out.forecast(2).index[0] == air.index[-1] + air.index.freq
    assert out.forecast(2).index.equals(convts.ARIMA(air, order=(0, 1, 1), seasonal_order=(0, 1, 1, 12))
                                        ._future_index(2))
    # an array is taken as the periods after the sample
    np.testing.assert_allclose(res.append(air.iloc[120:].to_numpy()).forecast(3).to_numpy(), out.forecast(3).to_numpy())


def test_exog_checked_by_name_and_needed():
    case = CASES["exog_frame"]
    old, new, ex_old, ex_new, kw = _split(case)
    res = convts.ARIMA(old, exog=ex_old, **kw).fit()
    a = res.append(new, exog=ex_new)
    b = res.append(new, exog=ex_new[["promo", "price"]])  # matched by name
    np.testing.assert_allclose(a.forecast(2, exog=np.ones((2, 2))).to_numpy(), b.forecast(2, exog=np.ones((2, 2))).to_numpy())
    with pytest.raises(ValueError, match="future values"):
        res.append(new)
    with pytest.raises(ValueError, match="matched by name"):
        res.append(new, exog=ex_new.rename(columns={"promo": "discount"}))


def test_refit_and_caller_data_untouched():
    y = _sim(300, 10, mean=2.0)
    keep = y.copy()
    res = convts.ARIMA(y[:250], order=(1, 0, 1)).fit()
    refit = res.append(y[250:], refit=True)
    direct = convts.ARIMA(y, order=(1, 0, 1)).fit()
    np.testing.assert_allclose(refit.params.to_numpy(), direct.params.to_numpy(), rtol=1e-6, atol=1e-8)
    np.testing.assert_array_equal(y, keep)
    assert res.nobs == 250 and res.model.endog.size == 250  # the original results are unchanged
    with pytest.raises(ValueError, match="inf"):
        res.append(np.r_[1.0, np.inf])
    with pytest.raises(ValueError, match="empty"):
        res.append(np.zeros(0))


def test_fit_many_append_equals_statsmodels_on_the_whole_series():
    rng = np.random.default_rng(12)
    k = convts.kernels.arma(ar=[0.6], ma=[0.3])
    Y = k(rng.standard_normal((4, 160)), axis=-1)[:, 40:] + 5
    idx = pd.date_range("2020-01", periods=120, freq="MS")
    wide = pd.DataFrame(Y.T, index=idx, columns=list("abcd"))
    fm = convts.fit_many(wide.iloc[:100], order=(1, 0, 1))
    long = wide.iloc[100:].reset_index(names="ds").melt(id_vars="ds", var_name="id", value_name="y")
    out = fm.append(long, id_col="id", time_col="ds", value_col="y")
    fc = out.forecast(3)
    for c in "abcd":
        params = fm.params.loc[c].to_numpy()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            sm = SARIMAX(wide[c].to_numpy(), exog=np.ones((120, 1)), order=(1, 0, 1), trend="n").filter(params)
        got = fc.loc[fc["id"] == c, "mean"].to_numpy()
        np.testing.assert_allclose(got, sm.forecast(3, exog=np.ones((3, 1))), rtol=1e-8)
        assert out.table.loc[c, "llf"] == pytest.approx(sm.llf, rel=1e-9)
        assert out.table.loc[c, "nobs"] == 120
        assert fc.loc[fc["id"] == c, "time"].iloc[0] == pd.Timestamp("2030-01-01")
    # arrays: the new values follow each row's last observation; a bad id's series keeps its data
    fa = convts.fit_many(Y[:, :100], order=(1, 0, 1))
    fb = fa.append(Y[:, 100:])
    np.testing.assert_allclose(fb.table["llf"].to_numpy(), out.table["llf"].to_numpy(), rtol=1e-9)
    bad = long[long["id"] != "b"].copy()
    bad = pd.concat([bad, pd.DataFrame({"ds": [pd.Timestamp("2031-01-01")], "id": ["b"], "y": [1.0]})])
    with pytest.warns(UserWarning, match="1 series kept their old data"):
        part = fm.append(bad, id_col="id", time_col="ds", value_col="y")
    assert part.table.loc["b", "status"].startswith("append failed") and part.table.loc["b", "nobs"] == 100


def test_append_on_the_toeplitz_path_equals_a_fresh_kalman_filter():
    """Long seasonal periods fit by Durbin-Levinson (no Kalman state): append runs the filter once over the
    sample, then carries it on; forecasts equal apply (a fresh Kalman filter of the whole series)."""
    rng = np.random.default_rng(13)
    k = convts.kernels.arma(ar=[0.5]) * convts.kernels.arma(ar=[0.4], ar_lags=[40])
    y = k(rng.standard_normal(700))[200:] + 1.0
    res = convts.ARIMA(y[:450], order=(1, 0, 0), seasonal_order=(1, 0, 0, 40)).fit(
        fixed={"ar.L1": 0.5, "ar.S.L40": 0.4})  # only the mean and sigma2 estimated: a quick fit
    assert res._path == "toeplitz"
    out = res.append(y[450:])
    fresh = res.apply(y)
    np.testing.assert_allclose(out.forecast(45).to_numpy(), fresh.forecast(45).to_numpy(), rtol=1e-8)
    assert out.llf == pytest.approx(fresh.llf, rel=1e-9)
