"""The ``.conv`` accessor: each method equals the function it forwards to, pandas parity for the
smoothers, index/name/freq kept, the caller unchanged, DataFrames in one batched call."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import convts
from convts import kernels



def _series(n=60, seed=0, name="x", freq="D", nan_at=()):
    rng = np.random.default_rng(seed)
    s = pd.Series(np.cumsum(rng.standard_normal(n)) + 10.0, name=name,
                  index=pd.date_range("2021-03-01", periods=n, freq=freq, name="date"))
    if len(nan_at):
        s.iloc[list(nan_at)] = np.nan
    return s


def _frame(n=60, seed=1, nan=False):
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(rng.standard_normal((n, 3)).cumsum(axis=0), columns=["a", "b", "c"],
                      index=pd.date_range("2020-01-01", periods=n, freq="MS", name="month"))
    if nan:
        df.iloc[[4, 20], 0] = np.nan
        df.iloc[[7], 2] = np.nan
    return df


def _close(a, b, rtol=1e-10, atol=1e-12, **kw):
    np.testing.assert_allclose(np.asarray(a, dtype=float), np.asarray(b, dtype=float), rtol=rtol, atol=atol, **kw)


# Filters that keep the index, with the suffix of the naming rule.
FILTERS = {
    "ma": (lambda o: o.conv.ma(5), "ma5"),
    "ma_center": (lambda o: o.conv.ma(4, center=True, min_periods=2), "ma4"),
    "ewma": (lambda o: o.conv.ewma(alpha=0.3, adjust=False), "ewma"),
    "ewma_adjust": (lambda o: o.conv.ewma(span=4), "ewma"),
    "gaussian": (lambda o: o.conv.gaussian(1.5), "gaussian"),
    "convolve": (lambda o: o.conv.convolve([0.5, 0.3, 0.2]), "conv"),
    "echo": (lambda o: o.conv.echo(3, 0.5, repeats=2), "echo"),
    "comb": (lambda o: o.conv.comb(2, 0.4), "comb"),
    "diff": (lambda o: o.conv.diff(), "diff1"),
    "diff_seasonal": (lambda o: o.conv.diff(1, 1, period=4), "diff1_sdiff4"),
    "integrate": (lambda o: o.conv.integrate(), "integrate1"),
    "ar_filter": (lambda o: o.conv.ar_filter([0.5, -0.2]), "ar_filter"),
    "prewhiten": (lambda o: o.conv.prewhiten(order=2), "prewhiten"),
    "whiten": (lambda o: o.conv.whiten("standardize"), "whiten"),
}


# ---------------------------------------------------------------------------------------------
# each method equals the function it forwards to
# ---------------------------------------------------------------------------------------------
def test_ma_equals_convolve_on_complete_windows():
    s = _series()
    x = s.to_numpy()
    for w, center in [(5, False), (4, True), (1, False)]:
        out = s.conv.ma(w, center=center)
        ref = convts.convolve(x, kernels.moving_average(w, center=center))
        lo, hi = (w - 1, len(x)) if not center else (w // 2, len(x) - (w - 1) // 2)
        _close(out.to_numpy()[lo:hi], ref[lo:hi])
        assert out.isna().sum() == w - 1


def test_weighted_ma_equals_convolve():
    s = _series()
    w = [1.0, 2.0, 3.0]
    out = s.conv.ma(3, weights=w)
    ref = convts.convolve(s.to_numpy(), kernels.moving_average(3, weights=w))
    _close(out[2:], ref[2:])
    # pandas: newest observation gets the last weight
    _close(out[2:], s.rolling(3).apply(lambda v: np.dot(v, w) / 6.0, raw=True)[2:])


def test_ewma_equals_convolve_from_steady_state():
    s = _series()
    x = s.to_numpy()
    k = kernels.ewma(0.25)  # complete data: adjust=False is the engine's IIR started in the steady state of x[0]
    _close(s.conv.ewma(alpha=0.25, adjust=False), convts.convolve(x, k, zi=convts.steady_state(k, x[0])))
    # adjust=True: the IIR from zero history divided by the weight seen so far
    adj = convts.convolve(x, k) / (1.0 - 0.75 ** np.arange(1, x.size + 1))
    _close(s.conv.ewma(alpha=0.25), adj)


def test_gaussian_interior_equals_convolve_and_edges_renormalise():
    s = _series(40)
    x = s.to_numpy()
    k = kernels.gaussian(1.5)
    out = s.conv.gaussian(1.5).to_numpy()
    r = -k.offset
    _close(out[r:-r], convts.convolve(x, k)[r:-r])
    # edges: the weighted mean of the observed values in the window (loop oracle)
    taps = dict(zip(k.ma_lags.tolist(), k.ma_coefs.tolist()))
    for t in list(range(r)) + list(range(len(x) - r, len(x))):
        pairs = [(c, x[t - lag]) for lag, c in taps.items() if 0 <= t - lag < len(x)]
        ref = sum(c * v for c, v in pairs) / sum(c for c, _ in pairs)
        assert out[t] == pytest.approx(ref, rel=1e-12)
    assert s.conv.gaussian(1.5, nan_policy="propagate").isna().sum() == 2 * r


@pytest.mark.parametrize("mode", ["causal", "same", "circular"])
def test_convolve_equals_engine(mode):
    s = _series()
    k = kernels.arma(ar=[0.5], ma=[0.3]) if mode != "same" else kernels.moving_average(4)
    out = s.conv.convolve(k, mode=mode, method="auto")
    _close(out, convts.convolve(s.to_numpy(), k, mode=mode))


def test_convolve_rejects_length_changing_modes():
    with pytest.raises(ValueError, match="same-length mode"):
        _series().conv.convolve([1.0, 1.0], mode="valid")


@pytest.mark.parametrize("name, kernel, call", [
    ("echo", kernels.echo(3, 0.5, repeats=2), lambda s: s.conv.echo(3, 0.5, repeats=2)),
    ("comb", kernels.comb(2, 0.4), lambda s: s.conv.comb(2, 0.4)),
    ("ar_filter", kernels.arma(ar=[0.5, -0.2]), lambda s: s.conv.ar_filter([0.5, -0.2])),
])
def test_fixed_kernels_equal_engine(name, kernel, call):
    s = _series(nan_at=[30])
    _close(call(s), convts.convolve(s.to_numpy(), kernel), equal_nan=True)


def test_ar_filter_generates_the_ar_process():
    e = pd.Series(np.random.default_rng(3).standard_normal(50))
    y = e.conv.ar_filter([0.6]).to_numpy()
    ref = np.empty(50)  # y[t] = 0.6 y[t-1] + e[t], zero history
    prev = 0.0
    for t, v in enumerate(e):
        prev = 0.6 * prev + v
        ref[t] = prev
    _close(y, ref)


def test_diff_equals_pandas_and_engine():
    s = _series(nan_at=[25])
    _close(s.conv.diff(), s.diff(), equal_nan=True)
    _close(s.conv.diff(2), s.diff().diff(), equal_nan=True)
    _close(s.conv.diff(1, 1, period=7), s.diff(7).diff(), equal_nan=True)
    _close(s.conv.diff(0, 2, period=3), s.diff(3).diff(3), equal_nan=True)
    k = kernels.difference(1, 1, 7)
    ref = convts.convolve(s.to_numpy(), k)
    ref[:8] = np.nan
    _close(s.conv.diff(1, 1, period=7), ref, equal_nan=True)


def test_diff_infers_the_seasonal_period_from_freq():
    s = convts.datasets.load("airline")
    out = s.conv.diff(1, 1)
    assert out.name == "passengers_diff1_sdiff12"
    _close(out, s.diff(12).diff(), equal_nan=True)
    with pytest.raises(ValueError, match="period"):
        convts.datasets.load("nile").conv.diff(0, 1)  # yearly: no default season


def test_integrate_equals_engine_and_inverts_diff():
    s = _series()
    _close(s.conv.integrate(), np.cumsum(s.to_numpy()))
    _close(s.conv.integrate(2, 1, period=4), convts.convolve(s.to_numpy(), kernels.integrate(2, 1, 4)))
    back = s.conv.diff().conv.integrate()
    assert np.isnan(back.iloc[0])
    _close(back[1:], (s - s.iloc[0])[1:])
    back = s.conv.diff(1, 1, period=4).conv.integrate(1, 1, period=4)
    assert back[:5].isna().all() and back[5:].notna().all()


def test_acf_pacf_ccf_equal_engine():
    s = _series(80)
    y = _series(80, seed=5, name="y")
    x = s.to_numpy()
    a = s.conv.acf(10)
    _close(a, convts.acf(x, 10))
    assert a.name == "x_acf" and a.index.name == "lag" and a.index.tolist() == list(range(11))
    r, ci = convts.acf(x, 5, alpha=0.05)
    fa = s.conv.acf(5, alpha=0.05)
    _close(fa["acf"], r)
    _close(fa[["ci_lower", "ci_upper"]], ci)
    _close(s.conv.pacf(6, method="burg"), convts.pacf(x, 6, method="burg"))
    c = s.conv.ccf(y, 4)
    _close(c, convts.ccf(x, y.to_numpy(), 4))
    assert c.index.tolist() == list(range(-4, 5))
    _close(s.conv.ccf(y.to_numpy(), 4, two_sided=False), convts.ccf(x, y.to_numpy(), 4, two_sided=False))
    with pytest.raises(ValueError, match="align"):
        s.conv.ccf(y.iloc[::-1], 3)


def test_prewhiten_equals_ar_prewhitener():
    from convts.whiten import ARPrewhitener

    s = _series(120)
    out = s.conv.prewhiten(order=2)
    _close(out, ARPrewhitener(order=2).fit_transform(s.to_numpy()[:, None])[:, 0], equal_nan=True)
    df = _frame(120)
    _close(df.conv.prewhiten(criterion="bic"), ARPrewhitener(criterion="bic").fit_transform(df.to_numpy()),
           equal_nan=True)
    dropped = s.conv.prewhiten(order=3, edge="drop")
    assert dropped.index.equals(s.index[3:])


def test_whiten_equals_whiten_functions():
    from convts import whiten as W

    df = _frame(200)
    z = df.conv.whiten("zca")
    _close(z, W.whiten(df, spatial="zca"))
    assert list(z.columns) == ["a_whiten", "b_whiten", "c_whiten"]
    _close(np.cov(z.to_numpy(), rowvar=False), np.eye(3), atol=1e-6)
    p = df.conv.whiten("pca")
    _close(p, W.whiten(df, spatial="pca"))
    assert list(p.columns) == ["pc1", "pc2", "pc3"] and p.index.equals(df.index)
    _close(df.conv.whiten("standardize"), W.Standardizer().fit_transform(df.to_numpy()))
    s = df["a"]
    _close(s.conv.whiten("standardize"), (s - s.mean()) / s.std(ddof=0))
    with pytest.raises(ValueError, match="method="):
        df.conv.whiten("ica")


# ---------------------------------------------------------------------------------------------
# pandas parity
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("window, min_periods", [(1, None), (2, None), (2, 1), (5, None), (5, 2), (6, None),
                                                 (6, 1), (6, 3)])
@pytest.mark.parametrize("center", [False, True])
def test_ma_matches_pandas_rolling(window, center, min_periods):
    s = _series(50, nan_at=[0, 3, 10, 11, 12, 40, 49])
    out = s.conv.ma(window, center=center, min_periods=min_periods)
    ref = s.rolling(window, center=center, min_periods=min_periods).mean()
    _close(out, ref, equal_nan=True)
    pd.testing.assert_series_equal(out.isna(), ref.isna(), check_names=False)


def test_ma_propagate_and_raise():
    s = _series(30, nan_at=[10])
    _close(s.conv.ma(3, nan_policy="propagate"), s.rolling(3).mean(), equal_nan=True)
    with pytest.raises(ValueError, match="NaN"):
        s.conv.ma(3, nan_policy="raise")
    with pytest.raises(ValueError, match="min_periods"):
        s.conv.ma(3, min_periods=1, nan_policy="propagate")
    with pytest.raises(ValueError, match="min_periods"):
        s.conv.ma(3, min_periods=4)
    with pytest.raises(ValueError, match="window"):
        s.conv.ma(0)


@pytest.mark.parametrize("kw", [dict(alpha=0.3), dict(span=7), dict(halflife=2.5), dict(com=1.5)])
@pytest.mark.parametrize("adjust", [False, True])
def test_ewma_matches_pandas(kw, adjust):
    s = _series(80)
    _close(s.conv.ewma(**kw, adjust=adjust), s.ewm(**kw, adjust=adjust).mean())
    _close(s.conv.ewma(**kw), s.ewm(**kw).mean())  # pandas' default adjust=True


def test_ewma_issue_example_and_nan_runs():
    s = pd.Series([1.0, 2.0, np.nan, 4.0, 5.0])
    # the hand recursion: weights of the past age through the NaN row (ignore_na=False)
    a = 0.3
    w3 = (1 - a) ** 2
    y3 = (w3 * 1.3 + a * 4.0) / (w3 + a)
    y4 = (1 - a) * y3 + a * 5.0
    _close(s.conv.ewma(alpha=a, adjust=False), [1.0, 1.3, 1.3, y3, y4])
    lead = _series(40, nan_at=[0, 1, 2, 10, 11, 12, 13])
    for kw in (dict(alpha=0.4, adjust=False), dict(alpha=0.4), dict(span=5, ignore_na=True, min_periods=3)):
        _close(lead.conv.ewma(**kw), lead.ewm(**kw).mean(), equal_nan=True)


def test_ewma_bad_arguments():
    s = _series(10)
    with pytest.raises(TypeError, match="keyword arguments only.*alpha=0.3"):
        s.conv.ewma(0.3)
    with pytest.raises(ValueError, match="exactly one of com, span, halflife, alpha"):
        s.conv.ewma()
    with pytest.raises(ValueError, match="got span, alpha"):
        s.conv.ewma(span=3, alpha=0.5)
    for kw, match in [(dict(alpha=0.0), "alpha"), (dict(alpha=1.5), "alpha"), (dict(span=0.5), "span"),
                      (dict(halflife=0), "halflife"), (dict(com=-1), "com"), (dict(com="x"), "com='x' must be a number")]:
        with pytest.raises(TypeError if kw.get("com") == "x" else ValueError, match=match):
            s.conv.ewma(**kw)
        with pytest.raises((TypeError, ValueError)):  # pandas refuses the same values
            s.ewm(**kw).mean()
    with pytest.raises(ValueError, match="min_periods"):
        s.conv.ewma(alpha=0.5, min_periods=-1)
    with pytest.raises(NotImplementedError, match="times"):
        s.conv.ewma(halflife=2, times=s.index)


# pandas >= 3.0 gives other values for com == 1 with adjust=False, ignore_na=False and a NaN after the
# first observation (GH 31178/66523: the times-only rule new_wt = 1 - old_wt applied without times);
# there the oracle is pandas at com = 1 + 1e-12, the documented recursion (pandas 2 and every other com).
_PANDAS3_COM1 = int(pd.__version__.split(".")[0]) >= 3


def _pandas_ewm(obj, kw):
    com_one = kw.get("com") == 1 or kw.get("span") == 3 or kw.get("alpha") == 0.5 or kw.get("halflife") == 1
    if _PANDAS3_COM1 and com_one and not kw.get("adjust", True) and not kw.get("ignore_na", False):
        kw = {k: v for k, v in kw.items() if k not in ("com", "span", "alpha", "halflife")} | {"com": 1 + 1e-12}
        return obj.ewm(**kw).mean(), 1e-9
    return obj.ewm(**kw).mean(), 1e-13


_EWM_WEIGHT = st.one_of(
    st.builds(lambda v: {"alpha": v}, st.sampled_from([0.5, 1.0, 1e-6]) | st.floats(1e-3, 1.0)),
    st.builds(lambda v: {"span": v}, st.sampled_from([1.0, 3.0]) | st.floats(1.0, 200.0)),
    st.builds(lambda v: {"com": v}, st.sampled_from([0.0, 1.0]) | st.floats(0.0, 100.0)),
    st.builds(lambda v: {"halflife": v}, st.sampled_from([1.0]) | st.floats(0.05, 100.0)),
)


@st.composite
def _ewm_case(draw):
    n = draw(st.integers(0, 40))
    scale = draw(st.sampled_from([1.0, 1e-300, 1e300, 1e-8, 1e8]))
    values = draw(st.lists(st.floats(-1e3, 1e3) | st.just(np.nan) | st.sampled_from([0.0, 5.0]),
                           min_size=n, max_size=n))
    x = np.array(values, dtype=np.float64) * scale
    if n and draw(st.booleans()):  # a NaN run at the start, in the middle or at the end
        i = draw(st.integers(0, n - 1))
        x[i : i + draw(st.integers(1, n))] = np.nan
    kw = draw(_EWM_WEIGHT) | {"adjust": draw(st.booleans()), "ignore_na": draw(st.booleans()),
                             "min_periods": draw(st.integers(0, 6))}
    return x, kw


@settings(max_examples=300, deadline=None)
@given(case=_ewm_case())
def test_ewma_equals_pandas_everywhere(case):
    """Differential test: every weighting, adjust, ignore_na, min_periods, NaN placement, length, scale."""
    x, kw = case
    s = pd.Series(x, name="v")
    want, rtol = _pandas_ewm(s, kw)
    got = s.conv.ewma(**kw)
    assert got.name == "v_ewma" and got.index.equals(s.index)
    np.testing.assert_allclose(got.to_numpy(), want.to_numpy(), rtol=rtol, atol=0, equal_nan=True)


@settings(max_examples=40, deadline=None)
@given(cases=st.lists(_ewm_case(), min_size=2, max_size=3), kw=_EWM_WEIGHT, adjust=st.booleans(),
       ignore_na=st.booleans())
def test_ewma_dataframe_is_per_column(cases, kw, adjust, ignore_na):
    n = min(len(x) for x, _ in cases)
    df = pd.DataFrame({f"c{i}": x[:n] for i, (x, _) in enumerate(cases)})
    kw = kw | {"adjust": adjust, "ignore_na": ignore_na}
    want, rtol = _pandas_ewm(df, kw)
    got = df.conv.ewma(**kw)
    assert list(got.columns) == [f"c{i}_ewma" for i in range(len(cases))]
    np.testing.assert_allclose(got.to_numpy(), want.to_numpy(), rtol=rtol, atol=0, equal_nan=True)


def test_ewma_inf_and_integer_input_as_pandas():
    s = pd.Series([1.0, np.inf, 2.0, -np.inf, 3.0, np.nan, 4.0])
    for kw in (dict(alpha=0.3), dict(alpha=0.3, adjust=False), dict(com=2, ignore_na=True)):
        _close(s.conv.ewma(**kw), s.ewm(**kw).mean(), equal_nan=True)
    i = pd.Series([3, 1, 4, 1, 5], name="n")
    _close(i.conv.ewma(span=2), i.ewm(span=2).mean())


# ---------------------------------------------------------------------------------------------
# index, name, freq kept; caller unchanged; DataFrames
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("key", sorted(FILTERS))
def test_filters_keep_index_name_freq_and_leave_caller_unchanged(key):
    fn, suffix = FILTERS[key]
    s = _series(48, freq="MS", nan_at=[] if key in ("prewhiten", "whiten") else [20])
    before = s.copy(deep=True)
    out = fn(s)
    assert s.equals(before) and s.index.freq == before.index.freq
    assert isinstance(out, pd.Series)
    assert out.index.equals(s.index) and out.index.freq == s.index.freq and out.index.name == "date"
    assert out.name == f"x_{suffix}"
    unnamed = fn(s.rename(None))
    assert unnamed.name is None
    _close(unnamed, out, equal_nan=True)


@pytest.mark.parametrize("key", sorted(FILTERS))
def test_dataframe_equals_per_column_results(key):
    fn, suffix = FILTERS[key]
    df = _frame(nan=key not in ("prewhiten", "whiten"))
    before = df.copy(deep=True)
    out = fn(df)
    assert df.equals(before)
    assert isinstance(out, pd.DataFrame) and out.index.equals(df.index) and out.index.freq == df.index.freq
    assert list(out.columns) == [f"{c}_{suffix}" for c in df.columns]
    for c in df.columns:
        _close(out[f"{c}_{suffix}"], fn(df[c]), equal_nan=True)


# ewma is not an engine filter: it runs pandas' weighting recursion (one compiled call for all columns)
@pytest.mark.parametrize("key", ["ma", "gaussian", "convolve", "echo", "comb", "diff", "integrate",
                                 "ar_filter"])
def test_dataframe_runs_one_batched_engine_call(key, monkeypatch):
    import convts.engine

    calls = []
    real = convts.engine.convolve

    def counting(x, *args, **kw):
        calls.append(np.shape(x))
        return real(x, *args, **kw)

    monkeypatch.setattr(convts.engine, "convolve", counting)
    df = _frame()
    FILTERS[key][0](df)
    assert len(calls) == 1 and calls[0][1] == 3


def test_statistics_on_a_dataframe_are_per_column():
    df = _frame(80)
    a = df.conv.acf(6)
    assert list(a.columns) == ["a_acf", "b_acf", "c_acf"]
    for c in df.columns:
        _close(a[f"{c}_acf"], convts.acf(df[c].to_numpy(), 6))
    ci = df.conv.acf(4, alpha=0.1)
    _close(ci[("b", "ci_upper")], convts.acf(df["b"].to_numpy(), 4, alpha=0.1)[1][:, 1])
    p = df.conv.pacf(5)
    _close(p["c_pacf"], convts.pacf(df["c"].to_numpy(), 5))
    cc = df.conv.ccf(df["a"], 3)
    _close(cc["b_ccf"], convts.ccf(df["b"].to_numpy(), df["a"].to_numpy(), 3))


def test_non_numeric_input_gives_a_clear_error():
    df = _frame()
    df["label"] = ["x"] * len(df)
    before = df.copy(deep=True)
    with pytest.raises(TypeError, match="column 'label'.*not numeric"):
        df.conv.ma(3)
    with pytest.raises(TypeError, match="column 'label'"):
        df.conv.diff()
    assert df.equals(before)
    with pytest.raises(TypeError, match="Series 'label'.*not numeric"):
        df["label"].conv.ewma(alpha=0.5)
    with pytest.raises(TypeError, match="not numeric"):
        pd.Series(pd.date_range("2020", periods=5)).conv.ma(2)
    with pytest.raises(TypeError, match="not numeric"):
        pd.Series(["a", "b"], dtype="category").conv.ma(2)


def test_nullable_and_integer_dtypes_work():
    s = pd.Series([1, 2, None, 4, 5], dtype="Int64", name="n")
    _close(s.conv.ma(2, min_periods=1), s.astype(float).rolling(2, min_periods=1).mean(), equal_nan=True)
    ints = pd.Series([1, 2, 3, 4], name="i")
    _close(ints.conv.diff(), ints.diff(), equal_nan=True)


def test_labels_that_are_not_strings_are_kept():
    df = pd.DataFrame(np.arange(12.0).reshape(4, 3))
    assert list(df.conv.diff().columns) == [0, 1, 2]
    assert pd.Series([1.0, 2.0], name=7).conv.diff().name == 7


# ---------------------------------------------------------------------------------------------
# spacing: inferred freq, irregular and duplicated indexes, time zones
# ---------------------------------------------------------------------------------------------
def _irregular():
    idx = pd.DatetimeIndex(["2020-01-01", "2020-01-02", "2020-01-04", "2020-01-05", "2020-01-06", "2020-01-09"])
    return pd.Series(np.arange(6.0), index=idx, name="x")


def _duplicated():
    idx = pd.DatetimeIndex(["2020-01-01", "2020-01-02", "2020-01-02", "2020-01-03"])
    return pd.Series(np.arange(4.0), index=idx, name="x")


def test_positional_filters_accept_irregular_indexes():
    s = _irregular()
    _close(s.conv.ma(2), s.rolling(2).mean(), equal_nan=True)
    assert s.conv.diff().index.equals(s.index)
    _close(_duplicated().conv.diff(), _duplicated().diff(), equal_nan=True)


def test_operations_needing_regular_spacing_reject_irregular_and_duplicated_indexes():
    with pytest.raises(ValueError, match="irregular spacing.*2020-01-02.*2020-01-04"):
        _irregular().conv.diff(0, 1)
    with pytest.raises(ValueError, match="duplicated"):
        _duplicated().conv.diff(1, 1)
    unsorted = _series(10).iloc[::-1]
    with pytest.raises(ValueError, match="sort"):
        unsorted.conv.diff(1, 1)


def test_regular_index_without_freq_is_inferred():
    s = convts.datasets.load("airline")
    nofreq = pd.Series(s.to_numpy(), index=pd.DatetimeIndex(list(s.index)), name=s.name)
    assert nofreq.index.freq is None
    out = nofreq.conv.diff(1, 1)
    _close(out, s.diff(12).diff(), equal_nan=True)
    assert out.index.freq is None  # the caller's index is kept as it was


def test_timezone_aware_index_is_kept():
    s = _series(30, freq="h")
    s.index = s.index.tz_localize("Europe/Berlin")
    for out in (s.conv.ma(3), s.conv.ewma(alpha=0.5), s.conv.diff(1, 1), s.conv.gaussian(1.0)):
        assert out.index.equals(s.index) and str(out.index.tz) == "Europe/Berlin" and out.index.freq == s.index.freq
    _close(s.conv.diff(0, 1), s.diff(24), equal_nan=True)


def test_accessor_is_stateless():
    s = _series()
    assert vars(s.conv) == {"_obj": s} and vars(s.to_frame().conv).keys() == {"_obj"}
    assert s.conv.ma(3).equals(s.conv.ma(3))


# ---------------------------------------------------------------------------------------------
# models
# ---------------------------------------------------------------------------------------------
def test_arima_equals_model_fit():
    s = convts.datasets.load("lake_huron")
    res = s.conv.arima((1, 0, 1))
    ref = convts.ARIMA(s, order=(1, 0, 1)).fit(method="mle")
    pd.testing.assert_series_equal(res.params, ref.params)
    assert res.llf == pytest.approx(ref.llf)
    css = s.conv.arima((1, 0, 0), method="css")
    pd.testing.assert_series_equal(css.params, convts.ARIMA(s, order=(1, 0, 0)).fit(method="css").params)


def test_forecast_is_indexed_by_the_following_dates():
    s = convts.datasets.load("airline").iloc[:60]
    before = s.copy(deep=True)
    fc = s.conv.forecast(5, order=(1, 1, 0), seasonal_order=(0, 1, 0, 12), alpha=0.1)
    assert s.equals(before)
    ref = convts.ARIMA(s, order=(1, 1, 0), seasonal_order=(0, 1, 0, 12)).fit().get_forecast(5).summary_frame(alpha=0.1)
    _close(fc, ref)
    assert list(fc.columns) == ["mean", "mean_se", "mean_ci_lower", "mean_ci_upper"]
    assert fc.index.equals(pd.date_range("1954-01-01", periods=5, freq="MS"))
    # a regular index without freq: inferred; tz-aware: kept
    idx = pd.DatetimeIndex(list(s.index)).tz_localize("UTC")
    fc2 = pd.Series(s.to_numpy(), index=idx).conv.forecast(3, order=(1, 1, 0))
    assert fc2.index.equals(pd.date_range("1954-01-01", periods=3, freq="MS", tz="UTC"))


def test_arima_and_forecast_reject_irregular_or_duplicated_indexes():
    off_grid = pd.Series(np.arange(6.0), index=pd.DatetimeIndex(
        ["2020-01-01", "2020-01-02 06:00", "2020-01-04", "2020-01-05 13:00", "2020-01-06", "2020-01-09 01:00"]))
    with pytest.raises(ValueError, match="irregular"):
        off_grid.conv.arima((1, 0, 0))
    with pytest.raises(ValueError, match="duplicated"):
        _duplicated().conv.forecast(2, order=(1, 0, 0))
    with pytest.raises(ValueError, match="sort"):
        _series(30).iloc[::-1].conv.arima((1, 0, 0))


def test_arima_and_forecast_fill_the_gaps_of_a_daily_index():
    """Dates missing from a daily grid become missing values (the check of convts.ARIMA); the
    likelihood is statsmodels' SARIMAX on the NaN-filled series."""
    from statsmodels.tsa.statespace.sarimax import SARIMAX

    rng = np.random.default_rng(5)
    full = pd.date_range("2020-01-01", periods=60, freq="D")
    s = pd.Series(convts.kernels.arma(ar=[0.5])(rng.standard_normal(60)) + 1.0, index=full, name="x")
    gappy = s.drop(full[[3, 7, 8, 30]])
    res = gappy.conv.arima((1, 0, 0))
    assert res.nobs == 56
    sm = SARIMAX(s.where(s.index.isin(gappy.index)).to_numpy(), order=(1, 0, 0), trend="c")
    assert res.llf == pytest.approx(sm.loglike(np.r_[res.params["const"] * (1 - res.params["ar.L1"]),
                                                     res.params[["ar.L1", "sigma2"]].to_numpy()]), rel=1e-9)
    fc = gappy.conv.forecast(3, order=(1, 0, 0))
    assert fc.index.equals(pd.date_range("2020-03-01", periods=3, freq="D"))
    frame = pd.DataFrame({"a": gappy, "b": gappy * 2.0})
    assert frame.conv.arima((1, 0, 0)).table["nobs"].tolist() == [56, 56]


def test_dataframe_forecast_per_column():
    df = _frame(48)[["a", "b"]]
    fc = df.conv.forecast(4, order=(1, 0, 0))
    assert fc.index.equals(pd.date_range("2024-01-01", periods=4, freq="MS"))
    _close(fc["b"], df["b"].conv.forecast(4, order=(1, 0, 0)))


def test_auto_arima_forwards_to_auto_arima():
    s = _series(90, seed=5).diff().dropna().conv.ar_filter([0.6])
    res = s.conv.auto_arima(seasonal=False)
    ref = convts.auto_arima(s, seasonal=False)
    assert res.model.order == ref.model.order and res.model.trend == ref.model.trend
    pd.testing.assert_series_equal(res.params, ref.params)
    fc = s.conv.forecast(3, order="auto", seasonal=False)
    _close(fc, ref.get_forecast(3).summary_frame())
    assert fc.index.equals(pd.date_range(s.index[-1] + pd.Timedelta("1D"), periods=3, freq="D"))
    with pytest.raises(ValueError, match="leave seasonal_order and trend as None"):
        s.conv.forecast(3, order="auto", trend="c")
    with pytest.raises(ValueError, match="order='automatic'.*'auto'"):
        s.conv.forecast(3, order="automatic")


def test_dataframe_forecast_auto_equals_auto_arima_per_column_and_keeps_failures():
    """order='auto' on a frame: one batched auto_arima_many; each column equals auto_arima on it; a
    column that cannot be modelled gives NaN rows and its reason, without stopping the others."""
    df = _frame(60)[["a", "b"]]
    df["flat"] = 2.0
    fc = df.conv.forecast(4, order="auto", seasonal=False)
    assert fc.index.equals(pd.date_range("2025-01-01", periods=4, freq="MS"))
    assert list(fc.columns.get_level_values(0).unique()) == ["a", "b", "flat"]
    for c in ("a", "b"):
        ref = convts.auto_arima(df[c], seasonal=False).get_forecast(4).summary_frame()
        _close(fc[c], ref, rtol=1e-6, atol=1e-8)
        assert fc.attrs["status"][c] == "ok"
        assert fc.attrs["models"][c]["order"] == convts.auto_arima(df[c], seasonal=False).model.order
    assert fc["flat"].isna().all().all() and "constant" in fc.attrs["status"]["flat"]
    fixed = df[["a"]].conv.forecast(2, order=(1, 1, 0))  # fixed orders: per column, as before
    _close(fixed["a"], df["a"].conv.forecast(2, order=(1, 1, 0)))


def test_dataframe_arima_calls_fit_many():
    df = _frame(80)  # random walks: d = 1 (an AR(1) by CSS lands outside the stationary region)
    res = df.conv.arima((1, 1, 0), method="css")
    ref = convts.fit_many(df, (1, 1, 0), method="css")
    _assert_same_fit_many(res, ref)
    assert res.table.index.tolist() == ["a", "b", "c"]
    single = df["b"].conv.arima((1, 1, 0), method="css")
    np.testing.assert_allclose(res.params.loc["b"].to_numpy(float), single.params[res.param_names].to_numpy(),
                               rtol=1e-4, atol=1e-6)


def test_long_panel_arima_by_id():
    df = _frame(80)
    long = df.reset_index().melt(id_vars="month", var_name="id", value_name="y")
    res = long.conv.arima((1, 1, 0), method="css", by="id", time_col="month", value_col="y")
    ref = convts.fit_many(long, (1, 1, 0), method="css", id_col="id", time_col="month", value_col="y")
    _assert_same_fit_many(res, ref)
    assert res.table.index.tolist() == ["a", "b", "c"]
    with pytest.raises(ValueError, match="value_col"):
        long.conv.arima((1, 0, 0), by="id", time_col="month")
    with pytest.raises(ValueError, match="'store' is not a column"):
        long.conv.arima((1, 0, 0), by="store", time_col="month", value_col="y")


def test_series_and_dataframe_arima_share_the_default_method():
    df = _frame(80).diff().iloc[1:]
    res = df.conv.arima((1, 0, 0))
    assert (res.table["method"] == "mle").all()
    single = df["a"].conv.arima((1, 0, 0))
    assert single.method == "mle"
    np.testing.assert_allclose(res.params.loc["a"].to_numpy(float), single.params.to_numpy(), rtol=1e-6, atol=1e-8)


def _assert_same_fit_many(a, b):
    assert type(a) is type(b)
    pd.testing.assert_frame_equal(a.table, b.table)
    assert (a.table["status"] == "ok").all()


@pytest.mark.parametrize("stat", ["acf", "pacf", "ccf"])
def test_statistics_take_nan_policy_like_the_engine(stat):
    """acf/pacf/ccf on the accessor pass nan_policy through: 'raise' raises, 'omit' equals
    statsmodels' missing='conservative' autocovariances (acf) and the engine on the same values."""
    from statsmodels.tsa.stattools import acf as sm_acf

    rng = np.random.default_rng(3)
    v = rng.standard_normal(80).cumsum()
    v[[5, 40]] = np.nan
    s = pd.Series(v, name="x")
    args = (s,) if stat == "ccf" else ()
    with pytest.raises(ValueError, match="missing|NaN"):
        getattr(s.conv, stat)(*args, 5, nan_policy="raise")
    got = getattr(s.conv, stat)(*args, 5, nan_policy="omit")
    want = getattr(convts, stat)(v, *(v,) if stat == "ccf" else (), 5, nan_policy="omit")
    np.testing.assert_allclose(got.to_numpy(), want, rtol=1e-12)
    if stat == "acf":
        np.testing.assert_allclose(got.to_numpy(), sm_acf(v, nlags=5, missing="conservative"), rtol=1e-10)
