"""The whiteners under scikit-learn's own estimator checks, in its Pipeline with set_output, and
without scikit-learn installed.

Oracles: ``sklearn.utils.estimator_checks`` (check_estimator and the set_output / feature-name
checks scikit-learn runs on its own transformers), pandas frames built by hand.
"""

from __future__ import annotations

import subprocess
import sys
import warnings

import numpy as np
import pandas as pd
import pytest

from convts.whiten import ARPrewhitener, PCAWhitener, Standardizer, ZCAWhitener

sklearn = pytest.importorskip("sklearn")
from sklearn.utils import estimator_checks as ec  # noqa: E402

_SK = tuple(int(v) for v in sklearn.__version__.split(".")[:2])

ESTIMATORS = [
    Standardizer(), Standardizer(robust=True), Standardizer(ddof=1), PCAWhitener(), ZCAWhitener(eps=1e-6),
    ARPrewhitener(), ARPrewhitener(order=2, edge="zero"), ARPrewhitener(shared=True, method="yule_walker"),
    ARPrewhitener(order=1, edge="drop"),
]


def _id(est):
    return repr(est)


@pytest.mark.timeout(300)
@pytest.mark.parametrize("est", ESTIMATORS, ids=_id)
def test_check_estimator(est):
    """scikit-learn's check_estimator; the checks skipped on purpose are those in the estimator's tags."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # RankDeficientWarning on the checks' constant columns
        if _SK >= (1, 6):
            ec.check_estimator(est, expected_failed_checks=dict(est._sklearn_skipped_checks))
        else:  # scikit-learn < 1.6 reads the skipped checks from _more_tags()["_xfail_checks"]
            ec.check_estimator(est)


# checks scikit-learn runs on its own transformers (sklearn/tests/test_common.py) but not in check_estimator
_EXTRA = ["check_set_output_transform", "check_set_output_transform_pandas", "check_global_output_transform_pandas",
          "check_transformer_get_feature_names_out", "check_transformer_get_feature_names_out_pandas",
          "check_dataframe_column_names_consistency", "check_n_features_in_after_fitting"]


@pytest.mark.parametrize("check", _EXTRA)
@pytest.mark.parametrize("est", [Standardizer(), PCAWhitener(), ZCAWhitener(), ARPrewhitener(order=1)], ids=_id)
def test_set_output_and_feature_name_checks(est, check):
    fn = getattr(ec, check, None)
    if fn is None:
        pytest.skip(f"{check} is not in scikit-learn {sklearn.__version__}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fn(type(est).__name__, est)


def test_skipped_checks_are_listed_with_reasons_in_the_tags():
    assert Standardizer()._sklearn_skipped_checks == {}  # nothing skipped for the channel whiteners
    assert PCAWhitener()._sklearn_skipped_checks == {} == ZCAWhitener()._sklearn_skipped_checks
    skipped = ARPrewhitener()._more_tags()["_xfail_checks"]
    assert set(skipped) == {"check_methods_subset_invariance", "check_methods_sample_order_invariance"}
    assert all("time-ordered" in why for why in skipped.values())
    drop = ARPrewhitener(edge="drop")._more_tags()["_xfail_checks"]
    assert set(drop) - set(skipped) == {"check_transformer_general", "check_transformer_data_not_an_array"}
    assert "fewer rows" in drop["check_transformer_general"]
    if _SK >= (1, 6):
        tags = sklearn.utils.get_tags(ARPrewhitener())
        assert not tags.input_tags.one_d_array and not tags.input_tags.allow_nan and not tags.input_tags.sparse


def test_the_skipped_checks_do_fail_on_a_real_ar_process():
    """Why they are skipped: with an AR order > 0, rows depend on the rows before them."""
    rng = np.random.default_rng(0)
    e = rng.standard_normal((300, 2))
    X = e.copy()
    for t in range(1, 300):
        X[t] += 0.8 * X[t - 1]
    pw = ARPrewhitener(order=1, edge="zero").fit(X)
    whole = pw.transform(X)
    assert not np.allclose(pw.transform(X[150:]), whole[150:])  # subset
    assert not np.allclose(pw.transform(X[::-1])[::-1], whole)  # order


def test_pipeline_set_output_pandas():
    from sklearn.linear_model import LinearRegression
    from sklearn.pipeline import Pipeline

    rng = np.random.default_rng(1)
    X = pd.DataFrame(rng.standard_normal((200, 3)) @ [[1.0, 0.5, 0.0], [0.0, 1.0, 0.3], [0.0, 0.0, 1.0]],
                     columns=["a", "b", "c"], index=pd.date_range("2020-01-01", periods=200, freq="D"))
    pipe = Pipeline([("std", Standardizer()), ("zca", ZCAWhitener()), ("pca", PCAWhitener(n_components=2))])
    out = pipe.set_output(transform="pandas").fit_transform(X)
    assert isinstance(out, pd.DataFrame) and list(out.columns) == ["pc1", "pc2"] and out.index.equals(X.index)
    assert list(pipe.get_feature_names_out()) == ["pc1", "pc2"]
    assert list(pipe[:2].get_feature_names_out()) == ["a", "b", "c"]
    np.testing.assert_allclose(out.to_numpy(), pipe.set_output(transform="default").fit_transform(X.to_numpy()))
    arr = Pipeline([("std", Standardizer())]).set_output(transform="pandas").fit_transform(X.to_numpy())
    assert list(arr.columns) == ["x0", "x1", "x2"] and arr.index.equals(pd.RangeIndex(200))
    model = Pipeline([("ar", ARPrewhitener(order=1, edge="zero")), ("lr", LinearRegression())])
    model.set_output(transform="pandas").fit(X, X["a"])
    assert model.predict(X).shape == (200,)
    with sklearn.config_context(transform_output="pandas"):
        glob = ZCAWhitener().fit_transform(X.to_numpy())
    assert isinstance(glob, pd.DataFrame) and list(glob.columns) == ["x0", "x1", "x2"]
    with pytest.raises(ValueError, match="transform='polars'"):
        ZCAWhitener().set_output(transform="polars")


def test_get_feature_names_out():
    X = pd.DataFrame(np.random.default_rng(2).standard_normal((50, 3)), columns=["u", "v", "w"])
    for est in (Standardizer(), ZCAWhitener(), ARPrewhitener(order=1)):
        est.fit(X)
        assert est.get_feature_names_out().tolist() == ["u", "v", "w"]
        assert est.get_feature_names_out(["u", "v", "w"]).dtype == object
        with pytest.raises(ValueError, match="input_features is not equal to feature_names_in_"):
            est.get_feature_names_out(["a", "b", "c"])
        with pytest.raises(ValueError, match=r"input_features should have length equal to number of features \(3\)"):
            est.get_feature_names_out(["u"])
        assert est.fit(X.to_numpy()).get_feature_names_out().tolist() == ["x0", "x1", "x2"]
    assert PCAWhitener(n_components=2).fit(X).get_feature_names_out().tolist() == ["pc1", "pc2"]


@pytest.mark.parametrize("est", [Standardizer(), PCAWhitener(), ZCAWhitener(), ARPrewhitener(order=1)], ids=_id)
def test_input_errors_as_sklearn(est):
    from scipy import sparse

    X = np.random.default_rng(3).standard_normal((30, 3))
    with pytest.raises(ValueError, match="Reshape your data"):
        type(est)().fit(X[:, 0])
    with pytest.raises(TypeError, match="sparse"):
        type(est)().fit(sparse.csr_matrix(X))
    with pytest.raises(ValueError, match="Complex data not supported"):
        type(est)().fit(X + 1j)
    with pytest.raises(ValueError, match=r"0 sample\(s\)"):
        type(est)().fit(X[:0])
    with pytest.raises(ValueError, match=r"0 feature\(s\)"):
        type(est)().fit(X[:, :0])
    fitted = type(est)(**est.get_params()).fit(X)
    for bad in (np.nan, np.inf, -np.inf):
        Xb = X.copy()
        Xb[5, 1] = bad
        with pytest.raises(ValueError, match="NaN/inf"):
            type(est)(**est.get_params()).fit(Xb)
        with pytest.raises(ValueError, match="NaN/inf"):
            fitted.transform(Xb)
    assert fitted.n_features_in_ == 3


def test_one_sample_fits_as_sklearn_expects():
    X1 = np.random.default_rng(4).standard_normal((1, 3))
    with pytest.warns(Warning):  # every column of one row is constant: scale 1, as StandardScaler
        s = Standardizer().fit(X1)
    np.testing.assert_array_equal(s.transform(X1), np.zeros((1, 3)))
    for est in (PCAWhitener(), ZCAWhitener(), ARPrewhitener()):
        with pytest.raises(ValueError, match=r"1 sample\(s\)"):
            est.fit(X1)


def test_whiten_works_without_sklearn():
    code = (
        "import sys; sys.modules['sklearn'] = None\n"
        "import numpy as np, pandas as pd\n"
        "from convts.whiten import Standardizer, ZCAWhitener, PCAWhitener, ARPrewhitener\n"
        "X = pd.DataFrame(np.random.default_rng(0).standard_normal((60, 2)), columns=['a', 'b'])\n"
        "for est in (Standardizer(), ZCAWhitener(), PCAWhitener(), ARPrewhitener(order=1)):\n"
        "    out = est.set_output(transform='pandas').fit_transform(X)\n"
        "    assert isinstance(out, pd.DataFrame) and len(est.get_feature_names_out()) == out.shape[1]\n"
        "    assert isinstance(est.set_output(transform='default').fit_transform(X.to_numpy()), np.ndarray)\n"
        "print('ok')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr
