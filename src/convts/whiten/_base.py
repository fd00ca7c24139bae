"""scikit-learn conventions without scikit-learn: the estimator protocol, input checks, output types.

scikit-learn is not a dependency of convts (it is imported only when scikit-learn itself asks
for tags, or when it is already loaded and its global ``transform_output`` is read).
``_BaseEstimator`` implements the part of its protocol that ``Pipeline``, ``clone``,
``check_is_fitted`` and ``sklearn.utils.estimator_checks.check_estimator`` rely on:
``get_params`` / ``set_params`` read the ``__init__`` signature; learned attributes end in
``_`` and exist only after ``fit``; input is 2-D ``(n_samples, n_features)``, dense, real and
finite, checked by :func:`validate` with scikit-learn's messages where its checks look for
them; ``n_features_in_`` and ``feature_names_in_`` (string column names) are learned at ``fit``
and checked at ``transform``; ``set_output(transform="pandas")`` and
``get_feature_names_out``.
"""

from __future__ import annotations

import inspect
import sys
import warnings
from typing import NamedTuple

import numpy as np
import pandas as pd

__all__ = ["NotFittedError"]


class NotFittedError(ValueError, AttributeError):
    """Raised when ``transform`` (or ``inverse_transform``) is called before ``fit``.

    Subclasses ``ValueError`` and ``AttributeError`` like scikit-learn's
    ``sklearn.exceptions.NotFittedError``, so code catching either keeps working.
    """


_OUTPUTS = ("default", "pandas")


class _BaseEstimator:
    """Parameters from ``__init__``, ``get_params``/``set_params``, ``fit_transform``, ``set_output``, tags."""

    _fitted_attr = "n_features_in_"
    # scikit-learn checks that do not apply, with the reason: {check name: reason}.  Given to
    # scikit-learn < 1.6 as the ``_xfail_checks`` tag (``_more_tags``), and to >= 1.6 as
    # ``check_estimator(est, expected_failed_checks=est._sklearn_skipped_checks)``.
    _sklearn_skipped_checks: dict[str, str] = {}

    @classmethod
    def _get_param_names(cls) -> list[str]:
        sig = inspect.signature(cls.__init__)
        return sorted(
            p.name for p in sig.parameters.values()
            if p.name != "self" and p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)
        )

    def get_params(self, deep: bool = True) -> dict:
        """Parameters of this estimator (``deep`` is accepted for scikit-learn; there is no nesting)."""
        return {name: getattr(self, name) for name in self._get_param_names()}

    def set_params(self, **params):
        """Set parameters (as scikit-learn) and return ``self``; unknown names raise ``ValueError``."""
        valid = self._get_param_names()
        for name, value in params.items():
            if name not in valid:
                raise ValueError(f"invalid parameter {name!r} for {type(self).__name__}; valid parameters: {valid}")
            setattr(self, name, value)
        return self

    def fit_transform(self, X, y=None):
        """``fit(X)`` then ``transform(X)``."""
        return self.fit(X, y).transform(X)

    def set_output(self, *, transform=None):
        """Output container of ``transform``/``fit_transform``, as scikit-learn's ``set_output``.

        Parameters
        ----------
        transform : {'default', 'pandas'} or None
            ``'pandas'``: a DataFrame with the input's index (a RangeIndex for arrays) and the
            columns :meth:`get_feature_names_out`.  ``'default'``: the caller's type (an array
            for an array, pandas for pandas).  ``None``: unchanged.  Without a call, the global
            ``sklearn.set_config(transform_output=...)`` applies when scikit-learn is loaded.

        Returns
        -------
        self
        """
        if transform is None:
            return self
        if transform not in _OUTPUTS:
            raise ValueError(f"transform={transform!r}: use one of {_OUTPUTS} (or None to leave it unchanged)")
        self._sklearn_output_config = {"transform": transform}  # the attribute scikit-learn reads
        return self

    def _output_mode(self) -> str:
        mode = getattr(self, "_sklearn_output_config", {}).get("transform")
        if mode is None and "sklearn" in sys.modules:  # scikit-learn's global setting, if it is in use
            mode = sys.modules["sklearn"].get_config().get("transform_output", "default")
        return "pandas" if mode == "pandas" else "default"

    def get_feature_names_out(self, input_features=None):
        """Output feature names: one per input feature (``feature_names_in_`` or ``x0, x1, ...``).

        ``input_features`` (optional) must have ``n_features_in_`` entries and equal
        ``feature_names_in_`` when that exists; returned as given.
        """
        self._check_fitted()
        return _names_in(self, input_features)

    def __sklearn_is_fitted__(self) -> bool:
        """scikit-learn's ``check_is_fitted`` hook."""
        return hasattr(self, self._fitted_attr)

    def __sklearn_tags__(self):
        """Transformer tags for scikit-learn >= 1.6 (imported only when scikit-learn asks for them)."""
        from sklearn.utils import InputTags, Tags, TargetTags, TransformerTags

        return Tags(
            estimator_type=None,
            target_tags=TargetTags(required=False),
            transformer_tags=TransformerTags(),
            input_tags=InputTags(one_d_array=False, two_d_array=True, allow_nan=False, sparse=False),
        )

    def _more_tags(self) -> dict:
        """Tags for scikit-learn < 1.6 (``_xfail_checks``: the checks skipped on purpose, with the reason)."""
        tags = {"requires_y": False, "allow_nan": False, "X_types": ["2darray"]}
        if self._sklearn_skipped_checks:
            tags["_xfail_checks"] = dict(self._sklearn_skipped_checks)
        return tags

    def _get_tags(self) -> dict:
        """All tags for scikit-learn < 1.6 (its defaults updated by :meth:`_more_tags`), as its BaseEstimator."""
        try:
            from sklearn.utils._tags import _DEFAULT_TAGS  # scikit-learn < 1.6
        except ImportError:
            defaults = {}
        else:
            defaults = dict(_DEFAULT_TAGS)
        return defaults | self._more_tags()

    def _check_fitted(self) -> None:
        if not hasattr(self, self._fitted_attr):
            raise NotFittedError(
                f"this {type(self).__name__} instance is not fitted yet; call fit(X) before transform/inverse_transform"
            )

    def __repr__(self) -> str:
        defaults = {
            p.name: p.default for p in inspect.signature(type(self).__init__).parameters.values() if p.name != "self"
        }
        shown = []
        for name in self._get_param_names():
            value = getattr(self, name)
            default = defaults.get(name, inspect.Parameter.empty)
            if default is inspect.Parameter.empty or not _same(value, default):
                shown.append(f"{name}={value!r}")
        return f"{type(self).__name__}({', '.join(shown)})"


def _same(a, b) -> bool:
    try:
        return bool(a == b) and type(a) is type(b)
    except Exception:  # arrays and other objects without a scalar ==
        return a is b


def _names_in(est, input_features) -> np.ndarray:
    """``input_features`` checked against the fit (or the fitted names, or ``x0, x1, ...``), dtype object."""
    fitted = getattr(est, "feature_names_in_", None)
    if input_features is None:
        if fitted is not None:
            return fitted.copy()
        return np.asarray([f"x{i}" for i in range(est.n_features_in_)], dtype=object)
    names = np.asarray(input_features, dtype=object)
    if names.ndim != 1 or names.size != est.n_features_in_:
        raise ValueError(
            f"input_features should have length equal to number of features ({est.n_features_in_}), "
            f"got {names.size}"
        )
    if fitted is not None and not np.array_equal(names, fitted):
        raise ValueError(f"input_features is not equal to feature_names_in_: got {names.tolist()}, fitted on "
                         f"{fitted.tolist()}")
    return names


class InputMeta(NamedTuple):
    """How to give the result back in the caller's type: ndarray or DataFrame."""

    kind: str  # "array", "frame"
    index: object
    columns: object


def _string_names(X):
    """A DataFrame's column names when all are strings (scikit-learn's feature names), else None."""
    if isinstance(X, pd.DataFrame) and X.shape[1] and all(isinstance(c, str) for c in X.columns):
        return np.asarray(X.columns, dtype=object)
    return None


def _check_names(est, names, name: str) -> None:
    """Compare the feature names of ``X`` with those seen by ``fit`` (scikit-learn's rules)."""
    fitted = getattr(est, "feature_names_in_", None)
    cls = type(est).__name__
    if fitted is None and names is None:
        return
    if fitted is None:
        warnings.warn(f"{name} has feature names, but {cls} was fitted without feature names", UserWarning,
                      stacklevel=4)
        return
    if names is None:
        warnings.warn(f"{name} does not have valid feature names, but {cls} was fitted with feature names",
                      UserWarning, stacklevel=4)
        return
    if names.size == fitted.size and np.array_equal(names, fitted):
        return

    def listed(values):
        shown = [f"- {v}\n" for v in values[:5]]
        return "".join(shown) + ("- ...\n" if len(values) > 5 else "")

    new = sorted(set(names) - set(fitted))
    gone = sorted(set(fitted) - set(names))
    msg = "The feature names should match those that were passed during fit.\n"
    if new:
        msg += "Feature names unseen at fit time:\n" + listed(new)
    if gone:
        msg += "Feature names seen at fit time, yet now missing:\n" + listed(gone)
    if not new and not gone:
        msg += "Feature names must be in the same order as they were in fit.\n"
    raise ValueError(msg)


def _as_2d_float(X, name: str, cls: str) -> np.ndarray:
    """``X`` as a 2-D float64 array (may share memory with ``X``), with scikit-learn's error types."""
    if type(X).__module__.startswith("scipy.sparse") or hasattr(X, "tocsr"):
        raise TypeError(
            f"{cls} does not accept sparse input ({type(X).__name__}); pass a dense array, e.g. {name}.toarray()"
        )
    if isinstance(X, pd.DataFrame):
        from .._pandas import check_numeric_columns

        if X.shape[1]:
            check_numeric_columns(X)  # a clear error naming the first non-numeric column
        X = X.to_numpy(dtype=np.float64, na_value=np.nan)
    elif isinstance(X, pd.Series):
        X = X.to_numpy()
    try:
        arr = np.asarray(X)
    except ValueError as exc:  # ragged nested sequences
        raise ValueError(f"{name} could not be made into an array ({exc}); pass a 2-D (n_samples, n_features) array") \
            from None
    if arr.dtype.kind == "c":
        raise ValueError(
            f"Complex data not supported: {name} is {arr.dtype}; {cls} works on real data (pass {name}.real "
            f"and {name}.imag as separate features)"
        )
    if arr.dtype.kind in "USVMm":
        raise TypeError(f"{name} has dtype {arr.dtype}, which is not numeric; convert it first, e.g. {name}.astype(float)")
    if arr.ndim != 2:
        if arr.ndim < 2:
            raise ValueError(
                f"Expected a 2-D array (n_samples, n_features), got {arr.ndim}-D {name} of shape {arr.shape}. "
                f"Reshape your data either using {name}.reshape(-1, 1) if it is one series (a single feature) "
                f"or {name}.reshape(1, -1) if it contains a single sample"
            )
        raise ValueError(f"Found array with dim {arr.ndim}: {cls} expects a 2-D (n_samples, n_features) {name}")
    arr = arr.astype(np.float64, copy=False)  # object arrays: numpy's TypeError for non-numbers
    if arr.shape[0] < 1:
        raise ValueError(f"Found array with 0 sample(s) (shape={arr.shape}) while a minimum of 1 is required by {cls}.")
    if arr.shape[1] < 1:
        raise ValueError(f"Found array with 0 feature(s) (shape={arr.shape}) while a minimum of 1 is required by {cls}.")
    return arr


def validate(est, X, name: str = "X", *, reset: bool, finite: bool = True, names: bool = True):
    """Check ``X`` for ``fit`` (``reset=True``: learn ``n_features_in_``/``feature_names_in_``) or
    for ``transform`` (``reset=False``: compare with them); return the float64 array and its meta.

    Raises ``TypeError`` for sparse, non-numeric and object input that is not numbers,
    ``ValueError`` for complex, not 2-D, empty, NaN/inf (``finite``), a different number of
    features or other feature names (scikit-learn's wording where its checks read it).  The
    array may share memory with ``X``: callers never write into it.
    """
    cls = type(est).__name__
    meta = InputMeta("frame", X.index, X.columns) if isinstance(X, pd.DataFrame) else InputMeta("array", None, None)
    feature_names = _string_names(X)
    arr = _as_2d_float(X, name, cls)
    if reset:
        est.n_features_in_ = arr.shape[1]
        if feature_names is not None:
            est.feature_names_in_ = feature_names
        elif hasattr(est, "feature_names_in_"):
            del est.feature_names_in_
    else:
        if names:  # names first: a missing column is reported by name
            _check_names(est, feature_names, name)
        if arr.shape[1] != est.n_features_in_:
            raise ValueError(
                f"{name} has {arr.shape[1]} features, but {cls} is expecting {est.n_features_in_} features as input."
            )
    if finite:
        check_finite_rows(arr, meta, name)
    return arr, meta


def check_finite_rows(arr: np.ndarray, meta: InputMeta, name: str = "X") -> None:
    """Raise ``ValueError`` naming the first rows of ``arr`` that hold NaN/inf."""
    bad = ~np.isfinite(arr)
    if arr.ndim == 2:
        bad = bad.any(axis=1)
    rows = np.flatnonzero(bad)
    if rows.size == 0:
        return
    shown = rows[:5].tolist()
    more = "" if rows.size <= 5 else f" (and {rows.size - 5} more)"
    labels = ""
    if meta.index is not None and not isinstance(meta.index, pd.RangeIndex):
        labels = f", index labels {[str(v) for v in meta.index[rows[:5]]]}"
    raise ValueError(
        f"{name} has NaN/inf in {rows.size} row(s): positions {shown}{more}{labels}. Drop or impute those rows "
        f"first (e.g. X.dropna() or X.interpolate())"
    )


def wrap_output(est, out: np.ndarray, meta: InputMeta, *, index=None, columns=None, transform: bool = True):
    """Give ``out`` (2-D) back as the caller's type, or as a DataFrame under ``set_output(transform="pandas")``.

    ``index``/``columns`` override the input's; ``transform=False`` (inverse transforms) follows
    the caller's type only.
    """
    index = meta.index if index is None else index
    if transform and est._output_mode() == "pandas":
        if index is None:
            index = pd.RangeIndex(out.shape[0])
        return pd.DataFrame(out, index=index, columns=list(est.get_feature_names_out()))
    if meta.kind == "array":
        return out
    if columns is None:  # string labels are feature names (x0, x1, ... if fitted on an array); others kept
        string = transform and all(isinstance(c, str) for c in meta.columns)
        columns = list(est.get_feature_names_out()) if string else meta.columns
    return pd.DataFrame(out, index=index, columns=columns)
