"""Whitening in time: ARPrewhitener, the FIR ``1 - phi(L)`` of a fitted AR model."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._validation import check_int, check_no_overflow, is_constant
from ..engine import convolve
from ..engine._ar import burg, burg_path, yule_walker
from ..kernels import Kernel
from ..kernels._levinson import levinson_path, step_up
from ._base import _BaseEstimator, validate, wrap_output

__all__ = ["ARPrewhitener", "default_max_order"]

_METHODS = ("burg", "yule_walker", "mle")
_CRITERIA = ("aic", "bic")
_EDGES = ("nan", "drop", "zero")

# Burg's recursion lives in the engine (engine._ar.burg_path; on several rows it is the pooled,
# multi-segment estimator), Levinson-Durbin and the step-up in kernels._levinson: one copy each.


def default_max_order(n: int) -> int:
    """Largest AR order tried by default: ``min(10 log10(n), n // 2 - 1)`` (statsmodels' pacf default), >= 0."""
    return max(0, min(int(10 * np.log10(n)), n // 2 - 1))


def pooled_acovf(xc: np.ndarray, max_order: int) -> np.ndarray:
    """Biased autocovariances (divisor n) of demeaned rows, averaged over the rows, lags ``0..max_order``."""
    C, n = xc.shape
    return np.array([np.sum(xc[:, : n - k] * xc[:, k:]) for k in range(max_order + 1)]) / (C * n)


class ARPrewhitener(_BaseEstimator):
    """Whiten a series in time by its fitted AR model: ``e_t = (1 - phi(L)) (x_t - mean)``.

    Fits ``x_t - mu = sum_i phi_i (x_{t-i} - mu) + e_t`` (choosing ``p`` by an information
    criterion unless ``order`` is given) and applies the FIR kernel ``1 - phi_1 L - ... - phi_p L^p``
    (:attr:`kernel_`) through :func:`convts.convolve`; :meth:`inverse_transform` applies its IIR
    inverse ``1 / (1 - phi(L))``.  This is Box-Jenkins prewhitening, the first step of
    transfer-function identification (see :func:`convts.prewhitened_ccf`).

    Parameters
    ----------
    order : int, optional
        AR order.  Default: chosen by ``criterion`` over ``0..max_order``.
    max_order : int, optional
        Largest order tried; default ``min(10 log10(n), n // 2 - 1)``.
    criterion : {'aic', 'bic'}
        ``N log(sigma2_p) + c p`` with ``c = 2`` (AIC) or ``log(N)`` (BIC), ``sigma2_p`` the
        estimator's innovation variance at order ``p`` and ``N`` the number of observations
        (R's ``ar()``).  For ``method='mle'`` the exact likelihood's ``aic``/``bic`` of
        ``convts.ARIMA`` are used.  AIC tends to pick slightly large orders (harmless for
        whitening); BIC is consistent.
    method : {'burg', 'yule_walker', 'mle'}
        ``burg``: :func:`convts.engine.burg` (equal to statsmodels' ``burg``).
        ``yule_walker``: :func:`convts.engine.yule_walker` with ``method='mle'`` (biased
        autocovariances, as R's ``ar.yw``; equal to statsmodels' ``yule_walker(x, p,
        method='mle')``).  Both always give a stationary AR, so the inverse filter is stable.
        ``mle``: exact Gaussian likelihood via ``convts.ARIMA(x, order=(p, 0, 0)).fit()`` (one fit
        per candidate order: slower); ``mean_`` is then the fitted ``const``.
    edge : {'nan', 'drop', 'zero'}
        The first ``p`` outputs need values before the start of the series.  ``nan``: they are
        NaN (per column, its own ``p``); ``drop``: they are removed (2-D: the first ``max(order_)``
        rows, so the columns stay aligned); ``zero``: pre-sample values are taken at the mean
        (zero after demeaning), so the first ``p`` outputs are partial sums.
    shared : bool
        Fit one AR model to all columns (pooled: the multi-segment Burg estimator, or
        Yule-Walker on the column-averaged autocovariances) instead of one per column.  Each column
        keeps its own mean.

    Attributes
    ----------
    ar_ : ndarray
        ``phi_1..phi_p`` (statsmodels' sign).  One model (one column, or ``shared=True``): shape
        ``(p,)``; a model per column: shape ``(n_channels, max(order_))``, zero-padded.
    order_ : int or ndarray of int
        An int for one model, one per column otherwise.
    sigma2_ : float or ndarray
        Innovation variance of each fit (the estimator's own, e.g. statsmodels' Burg formula).
    kernel_ : Kernel or list of Kernel
        ``Kernel(b=[1, -phi_1, ..., -phi_p])``: one, or one per column.
    mean_ : ndarray, shape (n_channels,)
        Per channel (the sample mean; the fitted constant for ``method='mle'``).
    criterion_values_ : ndarray or None
        The criterion at orders ``0..max_order`` (per column: 2-D), ``None`` when ``order`` was given.
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        The column names of a DataFrame with string column names.

    Notes
    -----
    Input is 2-D ``(n_samples, n_channels)``, rows in time order (one series:
    ``x.reshape(-1, 1)``), as scikit-learn's transformers; 1-D input raises its "Reshape your
    data" ``ValueError``.  NaN/inf raise ``ValueError`` naming the rows in ``fit`` and in
    ``transform``; ``inverse_transform`` accepts the leading NaN that ``edge='nan'`` produces.
    ``sklearn.utils.estimator_checks.check_estimator`` passes, except the checks listed in
    ``_sklearn_skipped_checks`` (also the ``_xfail_checks`` tag) with their reason: rows are
    time-ordered, so the output of a subset or a permutation of the rows differs; and with
    ``edge='drop'`` the output has fewer rows than the input.

    ``transform`` of 2-D data with one shared kernel (``shared=True``, or all columns fitted to
    the same model) is one batched :func:`convts.convolve` call along ``axis=0``.  With a model
    per column the kernels differ, which one engine call cannot express; the FIR is then computed
    for all columns at once as ``x_t - sum_i phi_i x_{t-i}`` over the lags (no loop over
    columns), and checked against ``convolve`` column by column in the tests.

    ``inverse_transform`` runs the IIR ``1 / (1 - phi(L))`` from a zero state and adds the mean.
    With ``edge='zero'`` it reproduces the series given to ``transform`` exactly (to round-off).
    With ``edge='nan'`` the leading NaN are read as 0 and given back as NaN; with ``edge='drop'``
    the result covers the rows after the dropped ones.  In both cases the pre-sample values are
    unknown and taken at the mean, so the result differs from the original series by a transient
    that decays like the AR's impulse response (geometrically, at the largest root modulus).

    Examples
    --------
    >>> import convts
    >>> from convts.whiten import ARPrewhitener
    >>> x = convts.kernels.arma(ar=[0.6])(np.random.default_rng(0).standard_normal(2000))
    >>> X = x.reshape(-1, 1)  # one series = one column (2-D input, as scikit-learn)
    >>> pw = ARPrewhitener(order=1, edge="zero").fit(X)
    >>> round(float(pw.ar_[0]), 1), pw.order_
    (0.6, 1)
    >>> bool(np.allclose(pw.inverse_transform(pw.transform(X)), X))
    True
    """

    _fitted_attr = "kernel_"
    _ROW_ORDER_CHECKS = {
        "check_methods_subset_invariance": (
            "rows are time-ordered observations: each output row filters the p rows before it, so a subset of "
            "the rows transforms to other values (the check passes only when the chosen order is 0)"
        ),
        "check_methods_sample_order_invariance": (
            "rows are time-ordered observations: permuting them changes the series and its innovations "
            "(the check passes only when the chosen order is 0)"
        ),
    }

    _DROP_CHECKS = {
        name: (
            "edge='drop' returns fewer rows than it is given (the first p are removed), which scikit-learn's "
            "transformer contract does not allow; in a Pipeline use edge='nan' or edge='zero'"
        )
        for name in ("check_transformer_general", "check_transformer_data_not_an_array")
    }

    @property
    def _sklearn_skipped_checks(self) -> dict[str, str]:
        """scikit-learn checks that do not apply to this configuration, with the reason."""
        return self._ROW_ORDER_CHECKS | (self._DROP_CHECKS if self.edge == "drop" else {})

    def __init__(self, order=None, max_order=None, criterion="aic", method="burg", edge="nan", shared=False):
        self.order = order
        self.max_order = max_order
        self.criterion = criterion
        self.method = method
        self.edge = edge
        self.shared = shared

    # ---------------------------------------------------------------- fitting
    def _check_params(self, n: int) -> tuple[int | None, int]:
        if self.method not in _METHODS:
            raise ValueError(f"method={self.method!r}: use one of {_METHODS}")
        if self.criterion not in _CRITERIA:
            raise ValueError(f"criterion={self.criterion!r}: use one of {_CRITERIA}")
        if self.edge not in _EDGES:
            raise ValueError(f"edge={self.edge!r}: use one of {_EDGES}")
        if n < 3:
            raise ValueError(f"an AR fit needs at least 3 observations (rows), X has {n} sample(s)")
        top = n // 2 - 1 if n >= 4 else 1
        order = None
        if self.order is not None:
            order = check_int(self.order, "order", minimum=0)
            if order > n - 2:
                raise ValueError(f"order={order} is too large for {n} observations; use order <= {n - 2}")
        if self.max_order is None:
            return order, default_max_order(n)
        max_order = check_int(self.max_order, "max_order", minimum=0)
        if max_order > top:
            raise ValueError(f"max_order={max_order} is too large for {n} observations; use max_order <= {top}")
        return order, max_order

    def fit(self, X, y=None):
        """Fit the AR model(s) to the columns of ``X`` (2-D ``(n_samples, n_channels)``); return ``self``."""
        a2, meta = validate(self, X, reset=True)
        n, C = a2.shape
        order, max_order = self._check_params(n)
        with np.errstate(over="ignore", invalid="ignore"):
            means = a2.mean(axis=0)
            var = np.mean((a2 - means) ** 2, axis=0)
        check_no_overflow(np.r_[means, var], a2, "X", "its variance")
        constant = np.flatnonzero(is_constant(var, means, n))  # zero variance up to rounding
        if constant.size:
            names = constant.tolist() if meta.columns is None else [str(meta.columns[i]) for i in constant]
            raise ValueError(f"column(s) {names} are constant: an AR model needs a varying series; drop them")
        xc = (a2 - means).T  # (n_channels, n)
        one_model = C == 1 or bool(self.shared)
        if self.method == "mle" and C > 1 and self.shared:
            raise ValueError("method='mle' fits one series at a time; use shared=False, or method='burg'/'yule_walker'")
        if one_model:
            fits = [self._fit_one(xc, a2[:, 0] if C == 1 else None, order, max_order)]
        else:
            fits = [self._fit_one(xc[c : c + 1], a2[:, c], order, max_order) for c in range(C)]
        self._store(fits, means, one_model)
        return self

    def _fit_one(self, xc, raw, order, max_order):
        """Fit one AR model to demeaned rows ``xc`` -> (phi, sigma2, order, criterion values, mean or None)."""
        if self.method == "mle":
            return self._fit_mle(raw, order, max_order)
        N = xc.size
        penalty = 2.0 if self.criterion == "aic" else np.log(N)
        values = None
        if order is None:
            top = max_order
            if self.method == "burg":
                _, s2 = burg_path(xc, top)
            else:
                _, s2 = levinson_path(pooled_acovf(xc, top), top)
            with np.errstate(divide="ignore"):
                values = N * np.log(s2) + penalty * np.arange(top + 1)
            order = int(np.argmin(values))
        if xc.shape[0] == 1:  # exactly the engine's (statsmodels') estimator at the chosen order
            fit = burg(xc[0], order) if self.method == "burg" else yule_walker(xc[0], order, method="mle")
            return fit.ar, fit.sigma2, order, values, None
        if self.method == "burg":
            refl, s2 = burg_path(xc, order)
        else:
            refl, s2 = levinson_path(pooled_acovf(xc, order), order)
        return step_up(refl[1:]), float(s2[-1]), order, values, None

    def _fit_mle(self, raw, order, max_order):
        from ..models import ARIMA  # a sibling layer, imported when used (not the package root)

        candidates = [order] if order is not None else range(max_order + 1)
        best, values = None, np.full(max_order + 1, np.nan) if order is None else None
        for p in candidates:
            res = ARIMA(raw, order=(p, 0, 0), trend="c").fit(method="mle")
            ic = float(res.aic if self.criterion == "aic" else res.bic)
            if values is not None:
                values[p] = ic
            if best is None or ic < best[0]:
                best = (ic, p, res)
        _, p, res = best
        params = res.params
        phi = np.array([float(params[f"ar.L{i}"]) for i in range(1, p + 1)])
        return phi, float(params["sigma2"]), p, values, float(params["const"])

    def _store(self, fits, means, one_model):
        mle_means = [f[4] for f in fits]
        if one_model:
            phi, sigma2, order, values, mu = fits[0]
            self.ar_ = np.asarray(phi, dtype=np.float64)
            self.order_ = int(order)
            self.sigma2_ = float(sigma2)
            self.kernel_ = Kernel(b=np.r_[1.0, -self.ar_])
            self.criterion_values_ = values
            self.mean_ = means if mu is None else np.array([mu])
            return
        orders = np.array([f[2] for f in fits], dtype=np.int64)
        pmax = int(orders.max())
        self.ar_ = np.zeros((len(fits), pmax))
        for c, f in enumerate(fits):
            self.ar_[c, : f[2]] = f[0]
        self.order_ = orders
        self.sigma2_ = np.array([f[1] for f in fits])
        self.kernel_ = [Kernel(b=np.r_[1.0, -np.asarray(f[0], dtype=np.float64)]) for f in fits]
        self.criterion_values_ = None if fits[0][3] is None else np.array([f[3] for f in fits])
        self.mean_ = np.array([m if mu is None else mu for m, mu in zip(means, mle_means)])

    # ---------------------------------------------------------------- filtering
    def _orders(self) -> np.ndarray:
        return np.broadcast_to(np.asarray(self.order_), (self.n_features_in_,))

    def _single_kernel(self) -> Kernel | None:
        if isinstance(self.kernel_, Kernel):
            return self.kernel_
        first = self.kernel_[0]
        return first if all(k == first for k in self.kernel_[1:]) else None

    def _fir(self, xc: np.ndarray) -> np.ndarray:
        """Apply ``1 - phi(L)`` (zero pre-sample) to demeaned columns ``xc`` (n, C)."""
        k = self._single_kernel()
        if k is not None:
            return convolve(xc, k, axis=0)
        phi = self.ar_
        y = xc.copy()
        for i in range(1, phi.shape[1] + 1):
            cols = np.flatnonzero(phi[:, i - 1] != 0)  # zero taps are not applied (NaN stay local, as in convolve)
            if cols.size and i < xc.shape[0]:
                y[i:, cols] -= phi[cols, i - 1] * xc[:-i, cols]
        return y

    def transform(self, X):
        """Innovations ``(1 - phi(L)) (X - mean_)``, edges handled by ``edge``; in the type of ``X``."""
        self._check_fitted()
        arr, meta = validate(self, X, reset=False)
        n = arr.shape[0]
        y = self._fir(arr - self.mean_)
        orders = self._orders()
        index = None
        if self.edge == "nan":
            for c in np.flatnonzero(orders):  # a loop over columns only to write NaN (no arithmetic)
                y[: orders[c], c] = np.nan
        elif self.edge == "drop":
            cut = min(int(orders.max()), n)
            y = y[cut:]
            index = meta.index[cut:] if meta.index is not None else pd.RangeIndex(cut, n)
        return wrap_output(self, y, meta, index=index)

    def inverse_transform(self, E):
        """Apply the IIR ``1 / (1 - phi(L))`` from a zero state and add the mean (see Notes)."""
        self._check_fitted()
        arr, meta = validate(self, E, "E", reset=False, finite=False, names=False)
        e = arr.copy()
        orders = self._orders()
        if self.edge == "nan":
            for c in np.flatnonzero(orders):
                e[: orders[c], c] = 0.0
        k = self._single_kernel()
        if k is not None:
            x = convolve(e, k.inverse(), axis=0)
        else:  # one IIR recursion per distinct model
            x = np.empty_like(e)
            for c, kc in enumerate(self.kernel_):
                x[:, c] = convolve(e[:, c], kc.inverse())
        x += self.mean_
        if self.edge == "nan":
            for c in np.flatnonzero(orders):
                x[: orders[c], c] = np.nan
        return wrap_output(self, x, meta, transform=False)
