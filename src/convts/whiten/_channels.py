"""Whitening across channels: Standardizer, PCAWhitener, ZCAWhitener."""

from __future__ import annotations

import numbers
import warnings

import numpy as np
import pandas as pd

from .._validation import check_no_overflow, is_constant
from ._base import _BaseEstimator, _names_in, validate, wrap_output
from .._warnings import RankDeficientWarning  # defined once for the package; re-exported here

__all__ = ["Standardizer", "PCAWhitener", "ZCAWhitener", "RankDeficientWarning"]




def _names(idx, meta) -> list:
    return idx.tolist() if meta.columns is None else [str(meta.columns[i]) for i in idx]


class Standardizer(_BaseEstimator):
    """Centre and scale each channel: ``(x - center) / scale``.

    Parameters
    ----------
    ddof : int, default 0
        Delta degrees of freedom of the standard deviation (0 as scikit-learn's ``StandardScaler``,
        1 for the sample standard deviation as pandas' ``std``).  Ignored when ``robust``.
    robust : bool, default False
        Centre by the median and scale by ``1.4826 * MAD`` (the median absolute deviation, scaled
        to equal the standard deviation for Gaussian data), which outliers barely move.

    Attributes
    ----------
    center_ : ndarray, shape (n_channels,)
        The mean (or the median when ``robust``).
    scale_ : ndarray, shape (n_channels,)
        The standard deviation (or ``1.4826 * MAD``).  A constant channel gets ``scale_ = 1``, as
        in scikit-learn, so it is centred to 0 instead of divided by 0, with a
        :class:`RankDeficientWarning` naming it.  "Constant" is scikit-learn's rule: a variance
        below its rounding error ``n eps var + (n eps mean)**2`` (a column of 0.1 has a computed
        standard deviation of 2.8e-17, not 0); for ``robust`` a MAD of 0.
    n_features_in_ : int

    Notes
    -----
    Input is 2-D ``(n_samples, n_channels)`` (one series: ``x.reshape(-1, 1)`` or a one-column
    DataFrame), as scikit-learn's ``StandardScaler``; 1-D input raises its "Reshape your data"
    ``ValueError``.  pandas input comes back as pandas with the same index and columns
    (``set_output(transform="pandas")`` gives a DataFrame for any input).  NaN/inf raise
    ``ValueError`` naming the rows, in ``fit`` and in ``transform``.

    Examples
    --------
    >>> from convts.whiten import Standardizer
    >>> Standardizer().fit_transform(np.array([[1.0], [2.0], [3.0]])).round(4).ravel().tolist()
    [-1.2247, 0.0, 1.2247]
    """

    _fitted_attr = "scale_"

    def __init__(self, ddof=0, robust=False):
        self.ddof = ddof
        self.robust = robust

    def fit(self, X, y=None):
        """Learn ``center_`` and ``scale_`` from ``X``; return ``self``."""
        a2, meta = validate(self, X, reset=True)
        if self.robust:
            center = np.median(a2, axis=0)
            scale = 1.4826 * np.median(np.abs(a2 - center), axis=0)
        else:
            ddof = self.ddof
            if isinstance(ddof, bool) or not isinstance(ddof, numbers.Integral) or ddof < 0:
                raise ValueError(f"ddof={ddof!r}: ddof must be a non-negative integer")
            if a2.shape[0] <= ddof:
                raise ValueError(f"ddof={ddof} needs more than {ddof} rows, X has {a2.shape[0]} sample(s)")
            with np.errstate(over="ignore", invalid="ignore"):
                center = a2.mean(axis=0)
                var = np.mean((a2 - center) ** 2, axis=0)
                scale = a2.std(axis=0, ddof=ddof)
            check_no_overflow(np.r_[center, var, scale], a2, "X", "its variance")
        constant = ~(scale > 0) if self.robust else is_constant(var, center, a2.shape[0]) | ~(scale > 0)
        if constant.any():
            warnings.warn(
                f"column(s) {_names(np.flatnonzero(constant), meta)} of X are constant (zero variance up to "
                f"rounding): their scale_ is set to 1, so they are centred to 0 instead of divided by ~0",
                RankDeficientWarning, stacklevel=2,
            )
        self.center_ = center
        self.scale_ = np.where(constant, 1.0, scale)
        return self

    def transform(self, X):
        """``(X - center_) / scale_``, in the type of ``X``."""
        self._check_fitted()
        arr, meta = validate(self, X, reset=False)
        return wrap_output(self, (arr - self.center_) / self.scale_, meta)

    def inverse_transform(self, X):
        """``X * scale_ + center_``: undoes :meth:`transform`."""
        self._check_fitted()
        arr, meta = validate(self, X, reset=False, finite=False, names=False)
        return wrap_output(self, arr * self.scale_ + self.center_, meta, transform=False)


class _EigenWhitener(_BaseEstimator):
    """Shared fit of PCA and ZCA whitening: the eigen-decomposition of the sample covariance."""

    _fitted_attr = "whitening_matrix_"

    def _fit_eigen(self, X):
        arr, meta = validate(self, X, reset=True)
        n, c = arr.shape
        if n <= c:
            raise ValueError(
                f"X has {n} sample(s) (rows) and {c} columns: the covariance of {c} channels needs more rows than "
                f"columns (at least {c + 1}) to be of full rank. If rows are channels, pass X.T; otherwise reduce "
                f"the channels first"
            )
        eps = float(self.eps)
        if not eps >= 0:
            raise ValueError(f"eps={self.eps!r}: eps must be a non-negative number")
        with np.errstate(over="ignore", invalid="ignore"):
            mean = arr.mean(axis=0)
            xc = arr - mean
            cov = xc.T @ xc / (n - 1)
        check_no_overflow(np.r_[mean, cov.ravel()], arr, "X", "its covariance")
        constant = np.flatnonzero(is_constant(np.diag(cov) * (n - 1) / n, mean, n))
        if constant.size:
            raise ValueError(
                f"column(s) {_names(constant, meta)} of X are constant (zero variance up to rounding): whitening "
                f"would scale them by 1/sqrt(eps). Drop them before whitening"
            )
        values, vectors = np.linalg.eigh(cov)
        values, vectors = values[::-1], vectors[:, ::-1]
        # deterministic signs (scikit-learn's svd_flip on components): largest |entry| positive
        big = np.argmax(np.abs(vectors), axis=0)
        vectors = vectors * np.sign(vectors[big, np.arange(c)])
        values = np.clip(values, 0.0, None)  # round-off can make a zero eigenvalue slightly negative
        # eigenvalues below the rounding level of eigh on the computed covariance are zero: the
        # channels are collinear (numpy.linalg.matrix_rank's rule, max(n, c) eps times the largest)
        self.rank_ = int(np.sum(values > values[0] * max(n, c) * np.finfo(np.float64).eps))
        self.eps_ = eps * float(values[0])  # eps is relative to the largest eigenvalue
        self.mean_ = mean
        self.n_samples_seen_ = n
        self._columns_in = meta.columns  # the labels inverse_transform gives back (any type)
        return values, vectors

    def _warn_rank(self, kept: int) -> None:
        if self.rank_ < kept:
            warnings.warn(
                f"X has rank {self.rank_} but {kept} channel directions are whitened: some channels are collinear "
                f"(a linear combination of the others), so {kept - self.rank_} direction(s) of zero variance are "
                f"scaled by 1/sqrt(eps * largest eigenvalue) = {1 / np.sqrt(self.eps_) if self.eps_ > 0 else np.inf:.3g}. "
                f"Drop the redundant channels, or use PCAWhitener(n_components={self.rank_})",
                RankDeficientWarning, stacklevel=3,
            )

    def _prepare(self, X, name="X", names=True):
        self._check_fitted()
        return validate(self, X, name, reset=False, names=names)


class PCAWhitener(_EigenWhitener):
    """PCA whitening: rotate onto the principal axes and scale each to unit variance.

    ``Z = (X - mean_) @ E_k / sqrt(l_k + eps)`` with ``E_k`` the ``k`` leading eigenvectors of the
    sample covariance (divisor ``n - 1``) and ``l_k`` their eigenvalues.  Equal to scikit-learn's
    ``PCA(n_components, whiten=True)`` up to the sign of each component (and ``eps``).

    Parameters
    ----------
    n_components : int, float or None
        Number of components kept (default all); a float in ``(0, 1)`` keeps the fewest
        components that explain at least that share of the variance.
    eps : float, default 1e-8
        Relative regularisation: ``eps * l_max`` (``l_max`` the largest eigenvalue, stored as
        ``eps_``) is added to every eigenvalue before the inverse square root.  It bounds the gain
        of near-degenerate directions (collinear channels) and, being relative, does not depend
        on the units of ``X``: the output covariance is ``l / (l + eps l_max)``, the identity to
        ``eps l_max / l``, for data of any scale (an absolute ``eps`` made data with standard
        deviation 1e-5 whiten to variances of 0.0097..0.0101).

    Attributes
    ----------
    mean_ : ndarray (n_channels,)
    components_ : ndarray (n_components, n_channels)
        Principal axes (rows), sorted by decreasing variance; the largest-magnitude entry of
        each is positive, so signs are deterministic.
    explained_variance_ : ndarray (n_components,)
    explained_variance_ratio_ : ndarray (n_components,)
    whitening_matrix_ : ndarray (n_channels, n_components)
        ``Z = (X - mean_) @ whitening_matrix_``.
    n_components_ : int
    rank_ : int
        Number of eigenvalues above ``max(n, c) eps l_max`` (numpy's ``matrix_rank`` rule).  When
        fewer than the kept components, the channels are collinear and ``fit`` warns with a
        :class:`RankDeficientWarning`.
    eps_ : float
        The absolute regularisation ``eps * l_max`` added to the eigenvalues.
    n_features_in_ : int

    Notes
    -----
    Input: 2-D ``(n_samples, n_channels)`` with more rows than columns, finite values (in ``fit``
    and ``transform``), no constant column (zero variance up to rounding) and no covariance that
    overflows float64 (each raises ``ValueError`` saying what to do).  pandas input comes back as
    a DataFrame with the input's index and columns ``pc1, pc2, ...`` (also for arrays after
    ``set_output(transform="pandas")``).  ``check_estimator`` of scikit-learn passes.
    ``inverse_transform`` is exact when all components are kept, and otherwise projects on the
    kept components (as scikit-learn).

    Examples
    --------
    >>> from convts.whiten import PCAWhitener
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((500, 2)) @ np.array([[2.0, 0.0], [1.5, 0.5]])
    >>> Z = PCAWhitener().fit_transform(X)
    >>> np.cov(Z, rowvar=False).round(6).tolist()
    [[1.0, 0.0], [0.0, 1.0]]
    """

    def __init__(self, n_components=None, eps=1e-8):
        self.n_components = n_components
        self.eps = eps

    def fit(self, X, y=None):
        """Learn the principal axes of ``X``; return ``self``."""
        values, vectors = self._fit_eigen(X)
        c = values.size
        total = values.sum()
        ratio = values / total
        k = self.n_components
        if k is None:
            k = c
        elif isinstance(k, numbers.Real) and not isinstance(k, (bool, numbers.Integral)) and 0 < k < 1:
            k = int(np.searchsorted(np.cumsum(ratio), k - 1e-12) + 1)
        elif isinstance(k, bool) or not isinstance(k, numbers.Integral) or not 1 <= k <= c:
            raise ValueError(
                f"n_components={self.n_components!r}: use None, an integer in 1..{c} or a variance share in (0, 1)"
            )
        k = int(min(k, c))
        self.components_ = np.ascontiguousarray(vectors[:, :k].T)
        self.explained_variance_ = values[:k]
        self.explained_variance_ratio_ = ratio[:k]
        self.n_components_ = k
        self._warn_rank(k)
        self.whitening_matrix_ = vectors[:, :k] / np.sqrt(values[:k] + self.eps_)
        return self

    def get_feature_names_out(self, input_features=None):
        """Output column names ``pc1, pc2, ...`` (``input_features``, if given, is checked as scikit-learn does)."""
        self._check_fitted()
        _names_in(self, input_features)
        return np.asarray([f"pc{i + 1}" for i in range(self.n_components_)], dtype=object)

    def transform(self, X):
        """Whitened principal components of ``X``, shape ``(n_samples, n_components_)``."""
        arr, meta = self._prepare(X)
        return wrap_output(self, (arr - self.mean_) @ self.whitening_matrix_, meta,
                           columns=self.get_feature_names_out())

    def inverse_transform(self, Z):
        """Map whitened components back to the channels (exact when all components are kept)."""
        from ._base import _as_2d_float

        self._check_fitted()
        arr = _as_2d_float(Z, "Z", "PCAWhitener.inverse_transform")
        if arr.shape[1] != self.n_components_:
            raise ValueError(f"Z has {arr.shape[1]} columns; this PCAWhitener has {self.n_components_} components")
        back = (self.components_ * np.sqrt(self.explained_variance_ + self.eps_)[:, None])
        out = arr @ back + self.mean_
        if isinstance(Z, pd.DataFrame):
            return pd.DataFrame(out, index=Z.index, columns=self._columns_in)
        return out


class ZCAWhitener(_EigenWhitener):
    """ZCA (Mahalanobis) whitening: ``Z = (X - mean_) @ E diag(1 / sqrt(l + eps)) E^T``.

    Among all whitening transforms (every ``W`` with ``cov(Z) = I``), ZCA is the one whose output
    is closest to the input in mean squared error, so each output channel stays interpretable as
    its input channel, decorrelated from the others (Kessy, Lewin & Strimmer 2018, "Optimal
    whitening and decorrelation").  The whitening matrix is symmetric.

    Parameters
    ----------
    eps : float, default 1e-8
        Relative regularisation, as :class:`PCAWhitener`: ``eps * l_max`` (``eps_``) is added to
        every eigenvalue of the covariance (divisor ``n - 1``) before the inverse square root; it
        bounds the gain of near-degenerate (collinear) directions whatever the units of ``X``.

    Attributes
    ----------
    mean_ : ndarray (n_channels,)
    components_ : ndarray (n_channels, n_channels)
        Eigenvectors of the covariance (rows), by decreasing eigenvalue, largest |entry| positive.
    explained_variance_, explained_variance_ratio_ : ndarray (n_channels,)
    whitening_matrix_ : ndarray (n_channels, n_channels)
        Symmetric; ``Z = (X - mean_) @ whitening_matrix_``.
    rank_, eps_ : int, float
        As :class:`PCAWhitener`; ``fit`` warns (:class:`RankDeficientWarning`) when
        ``rank_ < n_channels`` (collinear channels).
    n_features_in_ : int

    Notes
    -----
    Input rules as :class:`PCAWhitener` (2-D, more rows than columns, finite, no constant column).
    pandas input comes back with the same index and column names.

    Examples
    --------
    >>> from convts.whiten import ZCAWhitener
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((500, 2)) @ np.array([[2.0, 0.0], [1.5, 0.5]])
    >>> Z = ZCAWhitener().fit_transform(X)
    >>> np.cov(Z, rowvar=False).round(6).tolist()
    [[1.0, 0.0], [0.0, 1.0]]
    """

    def __init__(self, eps=1e-8):
        self.eps = eps

    def fit(self, X, y=None):
        """Learn the symmetric whitening matrix of ``X``; return ``self``."""
        values, vectors = self._fit_eigen(X)
        self.components_ = np.ascontiguousarray(vectors.T)
        self.explained_variance_ = values
        self.explained_variance_ratio_ = values / values.sum()
        self._warn_rank(values.size)
        self.whitening_matrix_ = (vectors / np.sqrt(values + self.eps_)) @ vectors.T
        self._coloring_matrix = (vectors * np.sqrt(values + self.eps_)) @ vectors.T
        return self

    def transform(self, X):
        """Whitened channels, same shape (and pandas labels) as ``X``."""
        arr, meta = self._prepare(X)
        return wrap_output(self, (arr - self.mean_) @ self.whitening_matrix_, meta)

    def inverse_transform(self, Z):
        """``Z @ E diag(sqrt(l + eps)) E^T + mean_``: undoes :meth:`transform` exactly."""
        arr, meta = self._prepare(Z, "Z", names=False)
        return wrap_output(self, arr @ self._coloring_matrix + self.mean_, meta, transform=False)
