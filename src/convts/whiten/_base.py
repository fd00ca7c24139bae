"""scikit-learn conventions without scikit-learn: the estimator mixin, NotFittedError, input checks.

scikit-learn is not a dependency of convts.  ``_BaseEstimator`` implements the small part of
its protocol that ``Pipeline``, ``clone`` and ``check_is_fitted`` rely on: ``get_params`` /
``set_params`` read the ``__init__`` signature, learned attributes end in ``_`` and exist only
after ``fit``.
"""

from __future__ import annotations

import inspect
from typing import NamedTuple

import numpy as np
import pandas as pd

from .._validation import as_float_array

__all__ = ["NotFittedError"]


class NotFittedError(ValueError, AttributeError):
    """Raised when ``transform`` (or ``inverse_transform``) is called before ``fit``.

    Subclasses ``ValueError`` and ``AttributeError`` like scikit-learn's
    ``sklearn.exceptions.NotFittedError``, so code catching either keeps working.
    """


class _BaseEstimator:
    """Parameters from ``__init__``, ``get_params``/``set_params``, ``fit_transform``, a readable repr."""

    _fitted_attr = "n_features_in_"
    _accepts_1d = True

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
            input_tags=InputTags(one_d_array=self._accepts_1d, two_d_array=True),
        )

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


class InputMeta(NamedTuple):
    """How to give the result back in the caller's type: ndarray, Series or DataFrame."""

    kind: str  # "array", "series", "frame"
    index: object
    columns: object
    name: object


def as_input(X, name: str = "X", *, allow_1d: bool, what: str = "") -> tuple[np.ndarray, InputMeta]:
    """Return ``X`` as a float64 array (1-D or 2-D ``(n_samples, n_channels)``) and how to give it back.

    The array may share memory with ``X``; callers never write into it.
    """
    if isinstance(X, pd.DataFrame):
        meta = InputMeta("frame", X.index, X.columns, None)
    elif isinstance(X, pd.Series):
        meta = InputMeta("series", X.index, None, X.name)
    else:
        meta = InputMeta("array", None, None, None)
    arr = as_float_array(X, name, ndim=(1, 2)).astype(np.float64, copy=False)
    if arr.ndim == 1 and not allow_1d:
        raise ValueError(
            f"{name} is 1-D (shape {arr.shape}); {what or 'this estimator'} decorrelates channels and needs a 2-D "
            f"array (n_samples, n_channels). For one series use {name}.reshape(-1, 1), a Standardizer, or an "
            f"ARPrewhitener (whitening in time)"
        )
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


def check_n_features(est, arr: np.ndarray, name: str = "X") -> None:
    """Raise ``ValueError`` when ``arr`` has a different number of channels than at ``fit``."""
    n = 1 if arr.ndim == 1 else arr.shape[1]
    if n != est.n_features_in_ or (arr.ndim == 1) != est._fitted_1d:
        shape = "1-D" if est._fitted_1d else f"{est.n_features_in_} column(s)"
        got = "1-D" if arr.ndim == 1 else f"{n} column(s)"
        raise ValueError(
            f"{name} has {got} but this {type(est).__name__} was fitted on {shape}; pass data with the same channels"
        )


def wrap_output(out: np.ndarray, meta: InputMeta, *, index=None, columns=None):
    """Give ``out`` back as the caller's type (``index``/``columns`` override the input's)."""
    if meta.kind == "array":
        return out
    index = meta.index if index is None else index
    if out.ndim == 1:
        return pd.Series(out, index=index, name=meta.name)
    cols = meta.columns if columns is None else columns
    if meta.kind == "series":  # a Series in, a 2-D result out
        cols = columns if columns is not None else [meta.name]
    return pd.DataFrame(out, index=index, columns=cols)
