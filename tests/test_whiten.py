"""convts.whiten: channel whiteners, AR prewhitening and the prewhitened CCF.

Oracles: scikit-learn (PCA, StandardScaler, Pipeline), statsmodels (burg, yule_walker, ccf,
acorr_ljungbox, ARIMA), scipy.signal.lfilter, and the loop FIR in tests/reference.py.
"""

from __future__ import annotations

import copy
import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import signal, stats

import convts
from convts.whiten import (
    ARPrewhitener,
    NotFittedError,
    PCAWhitener,
    RankDeficientWarning,
    Standardizer,
    ZCAWhitener,
    prewhitened_ccf,
    whiten,
)
from convts.engine._ar import burg_path as pooled_burg
from convts.kernels._levinson import step_up as _step_up
from convts.whiten._temporal import pooled_acovf
from reference import fir_loop

import statsmodels.regression.linear_model as sm_linear  # statsmodels is a dependency: no skip
import statsmodels.tsa.stattools as sm_stattools


# ------------------------------------------------------------------------------------ data
def correlated(n=5000, seed=0):
    rng = np.random.default_rng(seed)
    mix = np.array([[2.0, 0.0, 0.0, 0.0], [1.2, 0.8, 0.0, 0.0], [0.5, -0.7, 1.1, 0.0], [0.3, 0.2, -0.4, 0.6]])
    return rng.standard_normal((n, 4)) @ mix.T + np.array([5.0, -1.0, 0.0, 2.0])


def simulate_ar(phi, n, seed, burn=500, mean=0.0):
    """AR(p) by scipy.signal.lfilter (independent of convts), after a burn-in."""
    rng = np.random.default_rng(seed)
    e = rng.standard_normal(n + burn)
    return signal.lfilter([1.0], np.r_[1.0, -np.asarray(phi)], e)[burn:] + mean


def sk():
    return pytest.importorskip("sklearn")


def align_signs(a, b):
    """Flip the columns of ``a`` to the signs of ``b`` (component signs are arbitrary)."""
    s = np.sign(np.sum(a * b, axis=0))
    return a * s


# ------------------------------------------------------------------ channel whitening
@pytest.mark.parametrize("cls", [PCAWhitener, ZCAWhitener])
def test_output_covariance_is_identity(cls):
    X = correlated()
    Z = cls().fit_transform(X)
    assert not np.allclose(np.cov(X, rowvar=False), np.eye(4), atol=0.5)
    np.testing.assert_allclose(np.cov(Z, rowvar=False), np.eye(4), atol=1e-2)
    np.testing.assert_allclose(np.cov(Z, rowvar=False), np.eye(4), atol=1e-6)  # exact up to eps
    np.testing.assert_allclose(Z.mean(axis=0), 0.0, atol=1e-10)


@pytest.mark.parametrize("est", [PCAWhitener(), ZCAWhitener(), Standardizer(), Standardizer(robust=True),
                                 Standardizer(ddof=1)])
def test_inverse_transform_round_trips(est):
    X = correlated(800, seed=3)
    Z = est.fit(X).transform(X)
    np.testing.assert_allclose(est.inverse_transform(Z), X, rtol=1e-9, atol=1e-9)


def test_pca_equals_sklearn_up_to_sign():
    sk()
    from sklearn.decomposition import PCA

    X = correlated(3000, seed=1)
    for k in (None, 2):
        ours = PCAWhitener(n_components=k, eps=0.0).fit(X)
        ref = PCA(n_components=k, whiten=True, svd_solver="full").fit(X)
        np.testing.assert_allclose(ours.explained_variance_, ref.explained_variance_, rtol=1e-10)
        np.testing.assert_allclose(ours.explained_variance_ratio_, ref.explained_variance_ratio_, rtol=1e-10)
        comp = align_signs(ours.components_.T, ref.components_.T).T
        np.testing.assert_allclose(comp, ref.components_, atol=1e-10)
        Z, Zr = ours.transform(X), ref.transform(X)
        np.testing.assert_allclose(align_signs(Z, Zr), Zr, atol=1e-8)
        np.testing.assert_allclose(ours.inverse_transform(Z), ref.inverse_transform(Zr), atol=1e-8)


def test_pca_signs_deterministic_and_sorted():
    X = correlated(2000, seed=2)
    a = PCAWhitener().fit(X)
    b = PCAWhitener().fit(X[::-1] * 1.0)  # same covariance, different row order
    np.testing.assert_allclose(a.components_, b.components_, atol=1e-10)
    big = np.abs(a.components_).argmax(axis=1)
    assert np.all(a.components_[np.arange(4), big] > 0)
    assert np.all(np.diff(a.explained_variance_) <= 0)
    np.testing.assert_allclose(a.components_ @ a.components_.T, np.eye(4), atol=1e-12)


def test_pca_n_components_share_of_variance():
    X = correlated(2000, seed=4)
    full = PCAWhitener().fit(X)
    k_needed = int(np.searchsorted(np.cumsum(full.explained_variance_ratio_), 0.9) + 1)
    part = PCAWhitener(n_components=0.9).fit(X)
    assert part.n_components_ == k_needed < 4
    assert part.transform(X).shape == (2000, k_needed)


def test_zca_is_closest_to_the_input():
    X = correlated(3000, seed=5)
    xs = (X - X.mean(0)) / X.std(0, ddof=1)
    zca = ZCAWhitener().fit_transform(xs)
    pca = PCAWhitener().fit_transform(xs)
    d_zca = np.sum((zca - xs) ** 2)
    assert d_zca < np.sum((pca - xs) ** 2)
    # ZCA is the closest of *all* whitenings: any rotation Q of its output is white too
    rng = np.random.default_rng(0)
    for _ in range(5):
        q, _r = np.linalg.qr(rng.standard_normal((4, 4)))
        assert d_zca < np.sum((zca @ q - xs) ** 2)
    W = ZCAWhitener().fit(X).whitening_matrix_
    np.testing.assert_allclose(W, W.T, atol=1e-12)


def test_standardizer_matches_references():
    X = correlated(1000, seed=6)
    X[5, 1] = 1e3  # an outlier: moves the mean/std, not the median/MAD much
    np.testing.assert_allclose(Standardizer().fit_transform(X), (X - X.mean(0)) / X.std(0), rtol=1e-12)
    df = pd.DataFrame(X, columns=list("abcd"))
    out = Standardizer(ddof=1).fit_transform(df)
    pd.testing.assert_frame_equal(out, (df - df.mean()) / df.std())
    rob = Standardizer(robust=True).fit(X)
    np.testing.assert_allclose(rob.center_, np.median(X, axis=0))
    mad = stats.median_abs_deviation(X, axis=0, scale="normal")
    np.testing.assert_allclose(rob.scale_, mad, rtol=2e-5)  # 1.4826 vs 1 / Phi^-1(3/4)
    x1 = X[:, :1]
    np.testing.assert_allclose(Standardizer().fit_transform(x1), (x1 - x1.mean()) / x1.std())
    with pytest.raises(ValueError, match="Reshape your data.*reshape\\(-1, 1\\)"):
        Standardizer().fit(X[:, 0])  # 2-D only, as scikit-learn's StandardScaler
    if_sklearn = pytest.importorskip("sklearn.preprocessing")
    np.testing.assert_allclose(Standardizer().fit_transform(X), if_sklearn.StandardScaler().fit_transform(X))


def test_standardizer_constant_column_scale_one():
    X = np.column_stack([np.arange(10.0), np.full(10, 3.0)])
    with pytest.warns(RankDeficientWarning, match=r"column\(s\) \[1\].*constant"):
        s = Standardizer().fit(X)
    assert s.scale_[1] == 1.0
    np.testing.assert_array_equal(s.transform(X)[:, 1], 0.0)


@pytest.mark.parametrize("value", [0.1, 1e-7, 3.3e5])
def test_standardizer_constant_up_to_rounding_is_constant_as_sklearn(value):
    # np.full(50, 0.1).std() is 2.8e-17, not 0: scikit-learn's StandardScaler sets scale 1 there
    X = np.column_stack([np.full(50, value), np.linspace(0.0, 1.0, 50)])
    assert X[:, 0].std() > 0 or value != 0.1
    with pytest.warns(RankDeficientWarning, match=r"\[0\]"):
        s = Standardizer().fit(X)
    ref = sk().preprocessing.StandardScaler().fit(X)
    np.testing.assert_array_equal(s.scale_, ref.scale_)
    np.testing.assert_allclose(s.transform(X), ref.transform(X), atol=1e-12)
    assert np.abs(s.transform(X)[:, 0]).max() < 1e-12


@pytest.mark.parametrize("cls", [PCAWhitener, ZCAWhitener])
@pytest.mark.parametrize("scale", [1e-5, 1e-150, 1e120])
def test_eps_is_relative_so_any_scale_whitens_to_identity(cls, scale):
    # oracle: whitening is scale-invariant (Z of c X equals Z of X), and the output covariance
    # is the identity to eps (closed form l / (l + eps l_max))
    X = correlated(2000, seed=3)
    Z1 = cls().fit_transform(X)
    Zs = cls().fit_transform(X * scale)
    lam = np.linalg.eigvalsh(np.cov(X, rowvar=False))
    bound = 1e-8 * lam.max() / lam.min() * 1.01  # 1 - l / (l + eps l_max) <= eps cond
    np.testing.assert_allclose(np.cov(Zs, rowvar=False), np.eye(4), atol=bound)  # was 0.0097..0.0101 for 1e-5
    np.testing.assert_allclose(Zs, Z1, rtol=1e-6, atol=1e-6)
    assert cls().fit(X * scale).eps_ == pytest.approx(1e-8 * np.linalg.eigvalsh(np.cov(X * scale, rowvar=False)).max())


@pytest.mark.parametrize("cls", [PCAWhitener, ZCAWhitener])
def test_collinear_channels_warn_rank_deficient(cls):
    X = correlated(500, seed=4)
    Xc = np.column_stack([X, X[:, 0] - 2.0 * X[:, 2]])  # channel 4 is a combination of 0 and 2
    with pytest.warns(RankDeficientWarning, match="rank 4 but 5"):
        w = cls().fit(Xc)
    assert w.rank_ == np.linalg.matrix_rank(Xc - Xc.mean(0)) == 4
    with warnings.catch_warnings():
        warnings.simplefilter("error", RankDeficientWarning)
        assert cls().fit(X).rank_ == 4  # full rank: no warning
        if cls is PCAWhitener:
            PCAWhitener(n_components=4).fit(Xc)  # the zero-variance direction is not kept: no warning


@pytest.mark.parametrize("est", [Standardizer(), PCAWhitener(), ZCAWhitener(), ARPrewhitener(order=1)])
def test_overflowing_variance_names_the_input_and_says_rescale(est):
    X = correlated(200, seed=5)
    X[10, 1] = 1e300  # ZCAWhitener().fit returned an all-NaN matrix
    with pytest.raises(ValueError, match=r"X.*too large.*1e\+300.*rescale"):
        est.fit(X if not isinstance(est, ARPrewhitener) else X[:, 1:2])


def test_pandas_in_pandas_out():
    idx = pd.date_range("2020-01-01", periods=600, freq="D")
    df = pd.DataFrame(correlated(600, seed=7), index=idx, columns=["w", "x", "y", "z"])
    z = ZCAWhitener().fit_transform(df)
    assert list(z.columns) == ["w", "x", "y", "z"] and z.index.equals(idx)
    p = PCAWhitener(n_components=2).fit_transform(df)
    assert list(p.columns) == ["pc1", "pc2"] and p.index.equals(idx)
    back = PCAWhitener().fit(df)
    assert list(back.inverse_transform(back.transform(df)).columns) == ["w", "x", "y", "z"]
    s = Standardizer().fit_transform(df[["x"]])
    assert isinstance(s, pd.DataFrame) and list(s.columns) == ["x"] and s.index.equals(idx)
    with pytest.raises(ValueError, match="Reshape your data"):
        Standardizer().fit(df["x"])  # a Series is 1-D


# ---------------------------------------------------------------------- AR prewhitening
@pytest.mark.parametrize("method", ["burg", "yule_walker"])
@pytest.mark.parametrize("criterion", ["aic", "bic"])
def test_ar_coefficients_equal_statsmodels(method, criterion):
    x = simulate_ar([0.6, -0.25, 0.1], 1500, seed=8, mean=3.0)
    pw = ARPrewhitener(method=method, criterion=criterion).fit(x[:, None])
    p = pw.order_
    assert p >= 2
    if method == "burg":
        rho, sigma2 = sm_linear.burg(x, p)
    else:
        rho, sigma = sm_linear.yule_walker(x, p, method="mle", result_object=False)
        sigma2 = sigma**2
    np.testing.assert_allclose(pw.ar_, rho, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(pw.sigma2_, sigma2, rtol=1e-10)
    assert pw.mean_.tolist() == pytest.approx([x.mean()])
    assert pw.kernel_ == convts.Kernel(b=np.r_[1.0, -pw.ar_])


def test_pooled_burg_one_series_is_statsmodels_at_every_order():
    x = simulate_ar([0.5, 0.2], 400, seed=9)
    xc = (x - x.mean())[None, :]
    refl, s2 = pooled_burg(xc, 8)
    for p in range(1, 9):
        rho, sigma2 = sm_linear.burg(x, p)
        np.testing.assert_allclose(_step_up(refl[1 : p + 1]), rho, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(s2[p], sigma2, rtol=1e-9)


def test_shared_model_pools_the_columns():
    a = simulate_ar([0.7, -0.2], 3000, seed=10)
    b = simulate_ar([0.7, -0.2], 3000, seed=11, mean=4.0)
    X = np.column_stack([a, b])
    # one column: shared == the single-series fit
    one = ARPrewhitener(order=2, shared=True).fit(X[:, :1])
    np.testing.assert_allclose(one.ar_, sm_linear.burg(a, 2)[0], rtol=1e-9)
    # Yule-Walker on the column-averaged biased autocovariances (statsmodels acovf as oracle)
    yw = ARPrewhitener(order=2, shared=True, method="yule_walker").fit(X)
    r = (sm_stattools.acovf(a, nlag=2) + sm_stattools.acovf(b, nlag=2)) / 2
    from scipy.linalg import solve_toeplitz

    np.testing.assert_allclose(yw.ar_, solve_toeplitz(r[:2], r[1:]), rtol=1e-9)
    np.testing.assert_allclose(yw.mean_, X.mean(0))
    bg = ARPrewhitener(order=2, shared=True).fit(X)
    np.testing.assert_allclose(bg.ar_, [0.7, -0.2], atol=0.05)
    np.testing.assert_allclose(pooled_acovf((X - X.mean(0)).T, 2), r, rtol=1e-12)


def test_residuals_of_ar2_pass_ljung_box():
    import statsmodels.stats.diagnostic as diag
    x = simulate_ar([1.1, -0.5], 3000, seed=12)
    e = ARPrewhitener(edge="drop").fit_transform(x[:, None])[:, 0]
    assert diag.acorr_ljungbox(x, lags=[10, 20])["lb_pvalue"].max() < 1e-6  # the raw series is not white
    assert diag.acorr_ljungbox(e, lags=[10, 20])["lb_pvalue"].min() > 0.01


@pytest.mark.parametrize("seed", [13, 14, 15])
def test_order_selection_finds_the_true_order(seed):
    x = simulate_ar([0.5, -0.3, 0.35], 5000, seed=seed)
    bic = ARPrewhitener(criterion="bic").fit(x[:, None])
    assert bic.order_ == 3
    assert bic.criterion_values_.shape == (convts.whiten.default_max_order(5000) + 1,)
    assert int(np.argmin(bic.criterion_values_)) == 3
    aic = ARPrewhitener(criterion="aic", method="yule_walker").fit(x[:, None])
    assert 3 <= aic.order_ <= 6  # AIC never underfits a strong AR(3) this long; it may overfit a little


def test_transform_equals_loop_fir_and_statsmodels_residuals():
    x = simulate_ar([0.6, -0.3], 300, seed=16, mean=2.0)
    pw = ARPrewhitener(order=2, edge="zero").fit(x[:, None])
    e = pw.transform(x[:, None])[:, 0]
    ref = fir_loop(x - pw.mean_[0], [0, 1, 2], np.r_[1.0, -pw.ar_])
    np.testing.assert_allclose(e, ref, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(e, signal.lfilter(np.r_[1.0, -pw.ar_], [1.0], x - x.mean()), atol=1e-12)


def test_per_column_models_and_one_batched_call(monkeypatch):
    X = np.column_stack([simulate_ar([0.8], 700, 17), simulate_ar([0.3, 0.4, -0.3], 700, 18, mean=5.0),
                         simulate_ar([], 700, 19)])
    pw = ARPrewhitener(criterion="bic", edge="zero").fit(X)
    assert list(pw.order_) == [1, 3, 0]
    assert pw.ar_.shape == (3, 3) and pw.ar_[0, 1:].tolist() == [0.0, 0.0]
    E = pw.transform(X)
    for c in range(3):
        np.testing.assert_allclose(E[:, c], convts.convolve(X[:, c] - pw.mean_[c], pw.kernel_[c]), atol=1e-12)
        p = pw.order_[c]
        if p:
            np.testing.assert_allclose(pw.ar_[c, :p], sm_linear.burg(X[:, c], p)[0], rtol=1e-9)
    # a shared model goes through one engine call along axis 0
    import convts.whiten._temporal as temporal

    calls = []
    real = temporal.convolve

    def counting(*args, **kw):
        calls.append(kw.get("axis"))
        return real(*args, **kw)

    shared = ARPrewhitener(order=2, shared=True).fit(X)
    monkeypatch.setattr(temporal, "convolve", counting)
    shared.transform(X)
    assert calls == [0]


def test_edges():
    X = np.column_stack([simulate_ar([0.8], 200, 20), simulate_ar([0.3, 0.4, -0.3], 200, 21)])
    fits = {e: ARPrewhitener(order=None, criterion="bic", edge=e).fit(X) for e in ("nan", "drop", "zero")}
    orders = fits["zero"].order_
    assert list(orders) == [1, 3]
    zero = fits["zero"].transform(X)
    nan = fits["nan"].transform(X)
    drop = fits["drop"].transform(X)
    for c, p in enumerate(orders):
        assert np.isnan(nan[:p, c]).all() and np.isfinite(nan[p:, c]).all()
        np.testing.assert_array_equal(nan[p:, c], zero[p:, c])
    assert drop.shape == (197, 2)
    np.testing.assert_array_equal(drop, zero[3:])
    # edge='zero': pre-sample values at the mean, so the first output is x[0] - mean
    assert zero[0, 0] == pytest.approx(X[0, 0] - X[:, 0].mean())
    s = pd.DataFrame({"v": X[:, 1]}, index=pd.date_range("2021-01-01", periods=200, freq="h"))
    out = ARPrewhitener(order=3, edge="drop").fit_transform(s)
    assert isinstance(out, pd.DataFrame) and list(out.columns) == ["v"] and out.index.equals(s.index[3:])
    arr = ARPrewhitener(order=3, edge="drop").set_output(transform="pandas").fit_transform(X)
    assert arr.index.equals(pd.RangeIndex(3, 200)) and list(arr.columns) == ["x0", "x1"]


@pytest.mark.parametrize("shared", [False, True])
def test_inverse_transform(shared):
    X = np.column_stack([simulate_ar([0.8], 1500, 22, mean=1.0), simulate_ar([0.5, 0.3], 1500, 23, mean=-2.0)])
    zero = ARPrewhitener(edge="zero", shared=shared).fit(X)
    np.testing.assert_allclose(zero.inverse_transform(zero.transform(X)), X, rtol=1e-10, atol=1e-10)
    x1 = X[:, :1]
    one = ARPrewhitener(edge="zero").fit(x1)
    np.testing.assert_allclose(one.inverse_transform(one.transform(x1)), x1, atol=1e-10)
    # nan / drop: the pre-sample values are unknown; the transient decays, the tail matches
    nan = ARPrewhitener(edge="nan", shared=shared).fit(X)
    back = nan.inverse_transform(nan.transform(X))
    p = np.broadcast_to(nan.order_, (2,))
    for c in range(2):
        assert np.isnan(back[: p[c], c]).all()
    np.testing.assert_allclose(back[-500:], X[-500:], atol=1e-8)
    drop = ARPrewhitener(edge="drop", shared=shared).fit(X)
    E = drop.transform(X)
    back = drop.inverse_transform(E)
    assert back.shape == E.shape
    np.testing.assert_allclose(back[-500:], X[-500:], atol=1e-8)


def test_mle_through_convts_arima():
    import statsmodels.tsa.arima.model as tsa
    x = simulate_ar([0.6, -0.2], 400, seed=24, mean=1.5)
    pw = ARPrewhitener(order=2, method="mle").fit(x[:, None])
    ref = tsa.ARIMA(x, order=(2, 0, 0), trend="c").fit()
    np.testing.assert_allclose(pw.ar_, ref.params[1:3], rtol=1e-3, atol=1e-4)
    assert pw.mean_[0] == pytest.approx(ref.params[0], rel=1e-3)
    sel = ARPrewhitener(max_order=2, method="mle", criterion="bic").fit(x[:, None])
    assert sel.order_ == 2


def test_fitted_model_pickles():
    x = simulate_ar([0.5], 200, seed=25)[:, None]
    pw = ARPrewhitener(edge="zero").fit(x)
    again = pickle.loads(pickle.dumps(pw))
    np.testing.assert_array_equal(again.transform(x), pw.transform(x))
    assert copy.deepcopy(pw).kernel_ == pw.kernel_


# --------------------------------------------------------------------- prewhitened CCF
def lead_lag(seed, n=2000, delay=7):
    """x: AR(1) 0.9; y follows x by ``delay`` steps plus persistent AR(1) noise."""
    x = simulate_ar([0.9], n + delay, seed)
    noise = simulate_ar([0.9], n, seed + 1000)
    return x[delay:], 0.5 * x[:n] + noise  # y[t] = 0.5 x[t - delay] + noise[t]


@pytest.mark.parametrize("seed", [30, 31, 32])
def test_prewhitened_ccf_finds_the_delay(seed):
    x, y = lead_lag(seed)
    df = prewhitened_ccf(x, y, nlags=15, alpha=0.001)
    assert df["lag"].tolist() == list(range(-15, 16))
    sig = df.loc[df["significant"], "lag"].tolist()
    assert sig == [-7]  # y follows x by 7: lag -7, R's ccf(x, y) convention
    assert int(df.loc[df["ccf"].abs().idxmax(), "lag"]) == -7
    m = df.attrs["nobs"]
    half = stats.norm.ppf(1 - 0.001 / 2) / np.sqrt(m)
    np.testing.assert_allclose(df["upper"], half)
    np.testing.assert_allclose(df["lower"], -half)
    # the raw CCF of the same data is smeared over many lags
    raw = convts.ccf(y, x, 15)
    assert np.sum(np.abs(raw) > stats.norm.ppf(1 - 0.001 / 2) / np.sqrt(len(x))) >= 8
    # swapping the roles flips the sign of the lag
    back = prewhitened_ccf(y, x, nlags=15, alpha=0.001)
    assert int(back.loc[back["ccf"].abs().idxmax(), "lag"]) == 7


def test_prewhitened_ccf_equals_statsmodels_on_the_same_prewhitened_series():
    x, y = lead_lag(40, n=800)
    df = prewhitened_ccf(x, y, nlags=12)
    model = df.attrs["prewhitener"]
    p = model.order_
    phi = sm_linear.burg(x, p)[0]
    fir = np.r_[1.0, -phi]
    xw = signal.lfilter(fir, [1.0], x - x.mean())[p:]
    yw = signal.lfilter(fir, [1.0], y - y.mean())[p:]
    assert df.attrs["nobs"] == len(xw) == 800 - p
    pos = df.loc[df["lag"] >= 0, "ccf"].to_numpy()
    neg = df.loc[df["lag"] <= 0, "ccf"].to_numpy()[::-1]
    np.testing.assert_allclose(pos, sm_stattools.ccf(xw, yw, adjusted=True)[:13], atol=1e-10)
    np.testing.assert_allclose(neg, sm_stattools.ccf(yw, xw, adjusted=True)[:13], atol=1e-10)


def test_prewhitened_ccf_lag_convention_is_r_ccf_and_convts_ccf():
    # R: ccf(x, y) at lag k estimates cor(x[t+k], y[t]); TSA::prewhiten(x, y) calls ccf on the
    # filtered pair.  y = x delayed by 3 -> the peak is at k = -3 for both functions.
    rng = np.random.default_rng(12)
    x = rng.standard_normal(600)
    y = np.r_[np.zeros(3), x[:-3]] + 0.2 * rng.standard_normal(600)
    pw = prewhitened_ccf(x, y, nlags=6, order=0)
    raw = convts.ccf(x, y, 6)
    assert int(pw.loc[pw["ccf"].idxmax(), "lag"]) == -3 == int(np.arange(-6, 7)[np.argmax(raw)])
    # with order 0 the prewhitening filter is the identity: the same numbers as ccf(x, y)
    np.testing.assert_allclose(pw["ccf"].to_numpy(), raw, rtol=1e-12)
    # statsmodels' one-sided ccf(y, x) at lag 3 is our lag -3
    np.testing.assert_allclose(pw.loc[pw["lag"] == -3, "ccf"].item(), sm_stattools.ccf(y, x, nlags=4)[3], rtol=1e-12)


def test_prewhitened_ccf_pandas_alignment_and_errors():
    x, y = lead_lag(41, n=600)
    idx = pd.date_range("2022-01-01", periods=600, freq="D")
    xs, ys = pd.Series(x, index=idx), pd.Series(y, index=idx)
    ref = prewhitened_ccf(x, y, 10, order=1)
    pd.testing.assert_frame_equal(prewhitened_ccf(xs, ys, 10, order=1), ref)
    # shuffled y is put back in order by the index
    shuffled = ys.sample(frac=1.0, random_state=0)
    pd.testing.assert_frame_equal(prewhitened_ccf(xs, shuffled, 10, order=1), ref)
    # partial overlap: the common part
    part = prewhitened_ccf(xs, ys.iloc[100:], 10, order=1)
    pd.testing.assert_frame_equal(part, prewhitened_ccf(x[100:], y[100:], 10, order=1))
    with pytest.raises(ValueError, match="same length"):
        prewhitened_ccf(x, y[:-1], 10)
    with pytest.raises(ValueError, match="NaN"):
        prewhitened_ccf(np.r_[np.nan, x[1:]], y, 10)
    with pytest.raises(TypeError, match="edge"):
        prewhitened_ccf(x, y, 10, edge="zero")
    with pytest.raises(ValueError, match="nlags"):
        prewhitened_ccf(x, y, 10_000)
    assert isinstance(ref.attrs["prewhitener"], ARPrewhitener)
    assert ref.copy(deep=True).attrs["prewhitener"].order_ == 1  # attrs survive pandas' deep copies


# ------------------------------------------------------------------------------ whiten()
def test_whiten_dataframe():
    idx = pd.date_range("2020-01-01", periods=1500, freq="D")
    ar = np.column_stack([simulate_ar([0.8], 1500, 50), simulate_ar([0.5, 0.2], 1500, 51)])
    df = pd.DataFrame(ar @ np.array([[1.0, 0.6], [0.0, 0.8]]), index=idx, columns=["a", "b"])
    z = whiten(df)
    assert z.index.equals(idx) and list(z.columns) == ["a", "b"]
    np.testing.assert_allclose(z.cov().to_numpy(), np.eye(2), atol=1e-6)
    both = whiten(df, spatial="zca", temporal="ar", criterion="bic")
    assert both.index.equals(idx) and list(both.columns) == ["a", "b"]
    p = int(np.max(both.attrs["whiteners"]["temporal"].order_))
    assert both.iloc[:p].isna().any(axis=1).all() and both.iloc[p:].notna().all().all()
    np.testing.assert_allclose(both.iloc[p:].cov().to_numpy(), np.eye(2), atol=1e-6)
    for col in ("a", "b"):  # white in time too
        assert np.abs(convts.acf(both[col].iloc[p:].to_numpy(), 5)[1:]).max() < 4 / np.sqrt(1500)
    pca = whiten(df.to_numpy(), spatial="pca", n_components=1)
    assert list(pca.columns) == ["pc1"]
    dropped = whiten(df, spatial=None, temporal="ar", edge="drop", order=2)
    assert dropped.index.equals(idx[2:])
    with pytest.raises(TypeError, match="n_components"):
        whiten(df, spatial="zca", n_components=1)
    with pytest.raises(ValueError, match="spatial"):
        whiten(df, spatial="svd")


# -------------------------------------------------------------------------- scikit-learn
def test_works_in_a_sklearn_pipeline():
    sk()
    from sklearn.base import clone
    from sklearn.linear_model import LinearRegression
    from sklearn.pipeline import Pipeline
    from sklearn.utils.validation import check_is_fitted

    X = correlated(500, seed=60)
    target = X @ np.array([1.0, -2.0, 0.5, 0.0]) + 3.0
    pipe = Pipeline([("std", Standardizer()), ("zca", ZCAWhitener()), ("lr", LinearRegression())])
    pipe.fit(X, target)
    np.testing.assert_allclose(pipe.predict(X), target, atol=1e-8)
    twin = clone(pipe)
    assert twin.get_params()["zca__eps"] == 1e-8
    twin.set_params(zca__eps=1e-3)
    assert twin.named_steps["zca"].eps == 1e-3
    with pytest.raises(Exception) as info:
        check_is_fitted(ZCAWhitener())
    assert "not fitted" in str(info.value)
    check_is_fitted(pipe.named_steps["zca"])
    pw = Pipeline([("ar", ARPrewhitener(order=1, edge="zero")), ("pca", PCAWhitener(n_components=2))])
    assert pw.fit_transform(X).shape == (500, 2)


def test_params_protocol():
    est = ARPrewhitener(order=2, method="yule_walker")
    assert est.get_params() == {"order": 2, "max_order": None, "criterion": "aic", "method": "yule_walker",
                                "edge": "nan", "shared": False}
    assert repr(est) == "ARPrewhitener(method='yule_walker', order=2)"
    assert est.set_params(order=3) is est and est.order == 3
    with pytest.raises(ValueError, match="invalid parameter 'ordr'"):
        est.set_params(ordr=1)
    x = simulate_ar([0.5], 100, 61)[:, None]
    assert est.fit(x) is est
    assert not any(k.endswith("_") for k in vars(ARPrewhitener(order=1)))


# ----------------------------------------------------------------------------- bad input
ALL = [Standardizer, PCAWhitener, ZCAWhitener, ARPrewhitener]


@pytest.mark.parametrize("cls", ALL)
def test_transform_before_fit(cls):
    with pytest.raises(NotFittedError, match="not fitted yet"):
        cls().transform(correlated(50))
    with pytest.raises(ValueError):
        cls().inverse_transform(correlated(50))
    with pytest.raises(AttributeError):
        cls().transform(correlated(50))


@pytest.mark.parametrize("cls", [PCAWhitener, ZCAWhitener])
def test_channel_whitener_bad_input(cls):
    X = correlated(300)
    X2 = X.copy()
    X2[:, 2] = 7.0
    with pytest.raises(ValueError, match=r"column\(s\) \[2\].*constant"):
        cls().fit(X2)
    df = pd.DataFrame(X2, columns=list("abcd"))
    with pytest.raises(ValueError, match=r"\['c'\].*constant"):
        cls().fit(df)
    with pytest.raises(ValueError, match=r"3 sample\(s\) \(rows\) and 4 columns.*more rows than columns"):
        cls().fit(X[:3])
    X3 = X.copy()
    X3[[4, 9, 11], [0, 3, 1]] = np.nan
    with pytest.raises(ValueError, match=r"NaN/inf in 3 row\(s\): positions \[4, 9, 11\]"):
        cls().fit(X3)
    with pytest.raises(ValueError, match="1-D.*Reshape your data"):
        cls().fit(X[:, 0])
    fitted = cls().fit(X)
    with pytest.raises(ValueError, match=f"X has 3 features, but {cls.__name__} is expecting 4 features"):
        fitted.transform(X[:, :3])
    with pytest.raises(ValueError, match=r"positions \[4, 9\]"):
        fitted.transform(X3[:10])
    with pytest.raises(ValueError, match="1-D.*Reshape your data"):
        fitted.transform(X[:, 0])


def test_nan_rows_named_by_label():
    idx = pd.date_range("2020-01-01", periods=50, freq="D")
    df = pd.DataFrame(correlated(50), index=idx)
    df.iloc[3, 1] = np.nan
    with pytest.raises(ValueError, match="2020-01-04"):
        ZCAWhitener().fit(df)


def test_ar_bad_input():
    x = simulate_ar([0.5], 100, 70)[:, None]
    with pytest.raises(ValueError, match="method="):
        ARPrewhitener(method="ols").fit(x)
    with pytest.raises(ValueError, match="criterion="):
        ARPrewhitener(criterion="hqic").fit(x)
    with pytest.raises(ValueError, match="edge="):
        ARPrewhitener(edge="pad").fit(x)
    with pytest.raises(ValueError, match="constant"):
        ARPrewhitener().fit(np.column_stack([x, np.ones(100)]))
    with pytest.raises(ValueError, match="NaN"):
        ARPrewhitener().fit(np.r_[x[:10], [[np.nan]], x[11:]])
    with pytest.raises(ValueError, match="max_order=80"):
        ARPrewhitener(max_order=80).fit(x)
    with pytest.raises(ValueError, match="order=99"):
        ARPrewhitener(order=99).fit(x)
    with pytest.raises(ValueError, match="X has 2 features, but ARPrewhitener is expecting 1"):
        ARPrewhitener(order=1).fit(x).transform(np.column_stack([x, x]))
    with pytest.raises(ValueError, match="Reshape your data"):
        ARPrewhitener(order=1).fit(x[:, 0])
    fitted = ARPrewhitener(order=1).fit(x)
    with pytest.raises(ValueError, match=r"NaN/inf in 1 row\(s\): positions \[10\]"):  # refused as in fit
        fitted.transform(np.r_[x[:10], [[np.inf]], x[11:]])
    with pytest.raises(ValueError, match="n_components"):
        PCAWhitener(n_components=5).fit(correlated(100))


@pytest.mark.parametrize("est", [Standardizer(), Standardizer(robust=True), PCAWhitener(), ZCAWhitener(),
                                 ARPrewhitener(edge="zero"), ARPrewhitener(edge="nan", shared=True)])
def test_callers_data_never_modified(est):
    X = correlated(400, seed=80)
    df = pd.DataFrame(X.copy(), columns=list("abcd"))
    X0, df0 = X.copy(), df.copy()
    Z = est.fit(X).transform(X)
    est.inverse_transform(Z)
    Zd = est.fit(df).transform(df)
    est.inverse_transform(Zd)
    np.testing.assert_array_equal(X, X0)
    pd.testing.assert_frame_equal(df, df0)
    Zc = np.array(Z, copy=True)
    est.inverse_transform(Z)
    np.testing.assert_array_equal(Z, Zc)
    whiten(df, temporal="ar", order=1)
    pd.testing.assert_frame_equal(df, df0)


def test_whiten_names_a_non_numeric_column():
    df = pd.DataFrame({"a": np.arange(10.0), "b": ["x"] * 10})
    with pytest.raises(TypeError, match="column 'b'.*not numeric"):
        convts.whiten.whiten(df)
    with pytest.raises(ValueError, match="no columns"):
        convts.whiten.whiten(pd.DataFrame(index=range(5)))


def test_column_differing_by_ulps_is_constant_for_every_estimator():
    # values 0.1 .. 0.1 + 1e-16 differ in their last bits (ptp > 0) but their variance, 1e-33, is far
    # below the rounding bound (n eps mean)^2 ~ 1e-27: constant, as scikit-learn's StandardScaler says
    col = np.linspace(0.1, 0.1 + 1e-16, 60)
    assert np.ptp(col) > 0
    X = np.column_stack([np.random.default_rng(8).standard_normal(60), col])
    ref = sk().preprocessing.StandardScaler().fit(X)
    with pytest.warns(RankDeficientWarning, match=r"\[1\]"):
        np.testing.assert_array_equal(Standardizer().fit(X).scale_, ref.scale_)
    for est in (PCAWhitener(), ZCAWhitener(), ARPrewhitener(order=1)):
        with pytest.raises(ValueError, match=r"\[1\].*constant"):
            est.fit(X)
