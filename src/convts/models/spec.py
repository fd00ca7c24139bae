"""ARIMA specification: orders -> sparse kernels, parameter names, validated data.

An ARIMA model is a cascade of kernels: differencing ``(1-L)^d (1-L^s)^D``, the AR polynomial
``phi(L) Phi(L^s)`` and the MA polynomial ``theta(L) Theta(L^s)``.  This module turns the
orders into those kernels (sparse: a seasonal term at lag 365 is one tap), names the
parameters exactly as statsmodels' ``ARIMA`` does, validates the data, and dispatches
``fit`` to one estimator module per method.
"""

from __future__ import annotations

import numbers

import numpy as np

from .._validation import as_float_array, check_int, infer_offset
from ..kernels import arma, difference, integrate

__all__ = ["ARIMA"]

_TRENDS = {"n": (), "c": (0,), "t": (1,), "ct": (0, 1)}
#: Orders the data cannot support are refused: after differencing, the non-missing values must be at
#: least this many times the number of AR, MA, trend and exog coefficients (auto.arima caps p, q at n/3).
MIN_OBS_PER_COEF = 3
METHODS = ("mle", "css", "css-mle", "whittle", "yule_walker", "burg", "hannan_rissanen")


def _order(order, seasonal_order):
    if not isinstance(order, (tuple, list)) or len(order) != 3:
        raise ValueError(f"order={order!r}: give three integers (p, d, q)")
    p, d, q = (check_int(v, name, minimum=0) for v, name in zip(order, ("p", "d", "q")))
    if seasonal_order is None:
        seasonal_order = (0, 0, 0, 0)
    if not isinstance(seasonal_order, (tuple, list)) or len(seasonal_order) != 4:
        raise ValueError(f"seasonal_order={seasonal_order!r}: give four integers (P, D, Q, s)")
    P, D, Q, s = (check_int(v, name, minimum=0) for v, name in zip(seasonal_order, ("P", "D", "Q", "s")))
    if (P or D or Q) and s < 2:
        raise ValueError(
            f"seasonal_order={tuple(seasonal_order)}: seasonal terms need a period s >= 2 "
            f"(e.g. s=12 for monthly data); got s={s}"
        )
    if not (P or D or Q):
        s = 0 if s < 2 else s
    if P and p >= s:
        raise ValueError(
            f"order p={p} and seasonal P={P} with s={s} overlap: the AR lags 1..{p} reach the seasonal "
            f"lag {s}; use p < s or drop the seasonal AR term"
        )
    if Q and q >= s:
        raise ValueError(
            f"order q={q} and seasonal Q={Q} with s={s} overlap: the MA lags 1..{q} reach the seasonal "
            f"lag {s}; use q < s or drop the seasonal MA term"
        )
    return p, d, q, P, D, Q, s


def _infer_freq(index):
    return infer_offset(index)


def _is_time_index(index) -> bool:
    import pandas as pd

    return isinstance(index, (pd.DatetimeIndex, pd.PeriodIndex, pd.TimedeltaIndex))


def _is_default_index(index) -> bool:
    """pandas' default ``RangeIndex(0..n-1)``: no labels, so the rows are used by position."""
    import pandas as pd

    return isinstance(index, pd.RangeIndex) and index.start == 0 and index.step == 1


def _comparable_time_indexes(a, b) -> bool:
    """Both dates (Datetime/Period, in any mix) or both TimedeltaIndex."""
    import pandas as pd

    dates = (pd.DatetimeIndex, pd.PeriodIndex)
    if isinstance(a, dates) and isinstance(b, dates):
        return True
    return isinstance(a, pd.TimedeltaIndex) and isinstance(b, pd.TimedeltaIndex)


def _time_keys(a, b):
    """``a`` and ``b`` as comparable timestamps: a period by its start; a tz-aware index against a
    naive one by its wall time, two tz-aware ones in ``a``'s zone."""
    import pandas as pd

    def stamps(ix):
        return ix.to_timestamp(how="start") if isinstance(ix, pd.PeriodIndex) else ix

    if isinstance(a, pd.TimedeltaIndex):
        return a, b
    ka, kb = stamps(a), stamps(b)
    tza, tzb = getattr(ka, "tz", None), getattr(kb, "tz", None)
    if tza is not None and tzb is not None:
        kb = kb.tz_convert(tza)
    elif tza is not None:
        ka = ka.tz_localize(None)
    elif tzb is not None:
        kb = kb.tz_localize(None)
    return ka, kb


def _show_index(index) -> str:
    if len(index) == 0:
        return "empty"
    return f"{index[0]} .. {index[-1]}" if len(index) > 1 else str(index[0])


class ARIMA:
    """ARIMA(p, d, q)(P, D, Q)s with optional trend and regression on ``exog`` (ARIMA errors).

    ``y_t = X_t beta + u_t`` with ``phi(L) Phi(L^s) (1-L)^d (1-L^s)^D u_t = theta(L) Theta(L^s) e_t``,
    ``e_t ~ N(0, sigma2)``; ``X`` holds the trend columns (``const`` = 1, ``x1`` = t = 1, 2, ...)
    and then the ``exog`` columns, as statsmodels' ``ARIMA``.  With ``trend='c'`` and no
    differencing ``const`` is the process mean.

    Parameters
    ----------
    endog : array_like or pandas.Series
        The series; NaN marks a missing value (handled exactly by the MLE).
    exog : array_like or pandas.DataFrame, optional
        Regressors, one row per observation, no missing values.
    order : (p, d, q)
    seasonal_order : (P, D, Q, s), optional
    trend : {'n', 'c', 't', 'ct'}, optional
        Default ``'c'`` when ``d + D == 0``, else ``'n'`` (statsmodels' default).
    lambda_ : float, 'auto' or None, optional
        Box-Cox parameter (R's ``Arima(lambda=)``): the model is fitted to ``boxcox(endog,
        lambda_)`` (0: the logarithm), forecasts, intervals and simulations are transformed back;
        ``'auto'`` chooses it by Guerrero's method (:func:`convts.boxcox_lambda`, R's
        ``BoxCox.lambda``) with the seasonal period ``s`` (else the index's period).  ``params``,
        ``resid``, ``fittedvalues`` and ``mean_se`` are on the transformed scale.
    biasadj : bool
        Forecast means bias-adjusted for the back-transformation (R's ``biasadj=TRUE``: the mean
        instead of the median); intervals are unchanged.

    Examples
    --------
    >>> import numpy as np, convts
    >>> rng = np.random.default_rng(0)
    >>> e = rng.standard_normal(400)
    >>> y = convts.kernels.arma(ar=[0.6])(e)
    >>> res = convts.ARIMA(y, order=(1, 0, 0)).fit()
    >>> list(res.params.index)
    ['const', 'ar.L1', 'sigma2']
    >>> bool(abs(res.params["ar.L1"] - 0.6) < 0.1)
    True
    """

    def __init__(self, endog, exog=None, order=(1, 0, 0), seasonal_order=(0, 0, 0, 0), trend=None, lambda_=None,
                 biasadj=False):
        import pandas as pd

        self.order_tuple = _order(order, seasonal_order)
        p, d, q, P, D, Q, s = self.order_tuple
        self.order = (p, d, q)
        self.seasonal_order = (P, D, Q, s)
        self.k_diff = d + D * s
        self._time_offset = 0  # trend time of the first observation minus 1 (ARIMAResults.extend's models)

        # ---- endog
        if isinstance(endog, pd.DataFrame):
            if endog.shape[1] != 1:
                raise ValueError(f"endog is a DataFrame with {endog.shape[1]} columns; pass one series (use convts.fit_many for many)")
            endog = endog.iloc[:, 0]
        self.gaps = ""
        n_given = None
        if isinstance(endog, pd.Series):
            # one index check for ARIMA, fit_many and the accessor: a time index with gaps is
            # reindexed to its full range (the gaps become missing values), else refused
            from .._pandas import regular_time_index

            n_given = len(endog)
            endog, self.gaps = regular_time_index(endog, "endog")
        self._index = endog.index if isinstance(endog, pd.Series) else None
        self._name = endog.name if isinstance(endog, pd.Series) else None
        y = np.array(as_float_array(endog, "endog", ndim=(1,)), dtype=np.float64)  # a copy
        if np.isinf(y).any():
            raise ValueError("endog contains inf; replace it with NaN (missing) or a finite value")
        self.transform = None  # Box-Cox: the model is fitted to the transformed series
        if lambda_ is not None:
            from ._transform import box_cox_for

            try:
                self.transform = box_cox_for(endog, lambda_, biasadj, s)
                y = np.asarray(self.transform.forward(y), dtype=np.float64)
            except ValueError as exc:
                raise ValueError(f"endog with lambda_={lambda_!r}: {exc}") from None
        self.lambda_ = None if self.transform is None else self.transform.lambda_
        self.biasadj = bool(biasadj)
        observed = ~np.isnan(y)
        if not observed.any():
            raise ValueError("endog is all NaN: there is nothing to fit")
        if np.ptp(y[observed]) == 0.0:
            raise ValueError(
                f"endog is constant (every observed value is {y[observed][0]!r}): an ARIMA model needs "
                f"variation; a constant series has zero innovation variance"
            )
        self.endog = y
        self.nobs_total = y.size
        self._freq = _infer_freq(self._index) if self._index is not None else None

        # ---- trend and exog -> regressors in levels
        if trend is None:
            trend = "c" if d + D == 0 else "n"
        if trend not in _TRENDS:
            raise ValueError(f"trend={trend!r}: use 'n', 'c', 't' or 'ct' (polynomial trends of higher order: pass them as exog)")
        powers = _TRENDS[trend]
        if powers and min(powers) < d + D:
            raise ValueError(
                f"trend={trend!r} with d + D = {d + D}: trend terms of degree lower than d + D are removed by "
                f"the differencing and cannot be estimated; use trend='n'"
                + (" or trend='t' (a drift)" if d + D == 1 else "")
            )
        self.trend = trend
        n = y.size
        t = np.arange(1, n + 1, dtype=np.float64)
        cols = [t**pw for pw in powers]
        # statsmodels' ARIMA: 'drift' when exog is a DataFrame, else 'x1' (and array exog x2, x3, ...)
        drift_name = "drift" if isinstance(exog, (pd.DataFrame, pd.Series)) else "x1"
        self.trend_names = [("const" if pw == 0 else drift_name) for pw in powers]
        self.exog_names: list[str] = []
        self._exog_is_frame = False
        k_trend = len(powers)
        if exog is not None:
            if isinstance(exog, pd.Series):
                exog = exog.to_frame()
            if isinstance(exog, pd.DataFrame):
                self.exog_names = [str(c) for c in exog.columns]
                self._exog_is_frame = True
                exog = self._align_exog(exog)
            X = np.array(as_float_array(exog, "exog", ndim=(1, 2)), dtype=np.float64)
            if X.ndim == 1:
                X = X[:, None]
            if X.shape[0] != n:
                if self.gaps and X.shape[0] == n_given:
                    raise ValueError(
                        f"endog's index has gaps ({self.gaps}) and was reindexed to its full range of {n} dates, "
                        f"but exog is an array with one row per given observation ({X.shape[0]}); pass exog as a "
                        f"DataFrame indexed by date (covering every date of the range) or with {n} rows"
                    )
                raise ValueError(f"exog has {X.shape[0]} rows but endog has {n} observations; give one row per observation")
            if not np.all(np.isfinite(X)):
                bad = int((~np.isfinite(X)).any(axis=1).sum())
                raise ValueError(f"exog contains NaN/inf in {bad} row(s); regressors must be complete (fill or drop those rows)")
            if not self._exog_is_frame:
                self.exog_names = [f"x{(1 in powers) + j + 1}" for j in range(X.shape[1])]
            self.exog = X
        else:
            self.exog = None
        self.k_trend = k_trend
        X_parts = ([np.column_stack(cols)] if cols else []) + ([self.exog] if self.exog is not None else [])
        self._X = np.column_stack(X_parts) if X_parts else np.zeros((n, 0))
        self.k_exog = self._X.shape[1]

        # ---- kernels and lags
        self.ar_lags = np.arange(1, p + 1)
        self.ma_lags = np.arange(1, q + 1)
        self.sar_lags = s * np.arange(1, P + 1)
        self.sma_lags = s * np.arange(1, Q + 1)
        self.diff_kernel = difference(d, D, s if D else None)
        self.param_names = (
            self.trend_names + self.exog_names
            + [f"ar.L{i}" for i in self.ar_lags] + [f"ma.L{i}" for i in self.ma_lags]
            + [f"ar.S.L{i}" for i in self.sar_lags] + [f"ma.S.L{i}" for i in self.sma_lags] + ["sigma2"]
        )
        # slices into the parameter vector
        k = self.k_exog
        self._slices = {}
        for name, size in (("exog", k), ("ar", p), ("ma", q), ("sar", P), ("sma", Q), ("sigma2", 1)):
            start = sum(sl.stop - sl.start for sl in self._slices.values())
            self._slices[name] = slice(start, start + size)
        self.k_params = len(self.param_names)

        # ---- differenced data
        m = self.k_diff
        if n - m < 1:
            raise ValueError(f"endog has {n} observations; differencing with d={d}, D={D}, s={s} needs more than {m}")
        self._dy = self._difference(y)
        self._dX = np.column_stack([self._difference(c) for c in self._X.T]) if k else np.zeros((n - m, 0))
        if k and m:
            dead = [nm for nm, c in zip(self.trend_names + self.exog_names, self._dX.T) if np.all(np.abs(c) < 1e-12)]
            if dead:
                raise ValueError(f"exog column(s) {dead} vanish after differencing (constant in levels); drop them")
        self.ncond = p + P * s
        n_w_obs = int(np.sum(~np.isnan(self._dy)))
        n_free = k + p + q + P + Q + 1
        need = max(self.ncond + 1, n_free + 1, MIN_OBS_PER_COEF * (n_free - 1))
        if n_w_obs < need:
            raise ValueError(
                f"too few observations for ARIMA{self.order}x{self.seasonal_order}: {n_w_obs} non-missing values "
                f"remain after differencing, the model needs at least {need} "
                f"({n_free - 1} coefficients + sigma2, conditioning on {self.ncond} values; rule: at least "
                f"{MIN_OBS_PER_COEF} observations per AR, MA, trend and exog coefficient, as auto.arima's cap "
                f"p, q <= n/3); use a smaller order or more data"
            )

    # ------------------------------------------------------------------ helpers
    def _align_exog(self, exog):
        """A DataFrame ``exog`` on a time index matched to endog's dates (not positions).

        Datetime and Period indexes are compared as timestamps (a period by its start), so
        either kind matches the other; a default ``RangeIndex`` (0..n-1) is used by position,
        and any other index of exog against a time index of endog is refused.
        """
        idx = self._index
        if not _is_time_index(idx):
            return exog
        ex = exog.index
        if _is_default_index(ex):
            return exog
        if not _comparable_time_indexes(idx, ex):
            raise ValueError(
                f"exog is indexed by {type(ex).__name__} ({_show_index(ex)}) but endog by dates "
                f"({type(idx).__name__}: {_show_index(idx)}); exog is matched to endog by date: give exog the "
                f"same index as endog, or pass a NumPy array to use its rows by position"
            )
        key_idx, key_ex = _time_keys(idx, ex)
        if key_ex.has_duplicates:
            raise ValueError("exog's index has duplicated dates; give one row per date")
        if key_ex.equals(key_idx):
            return exog
        pos = key_ex.get_indexer(key_idx)
        missing = pos < 0
        if missing.any():
            raise ValueError(
                f"exog has no rows for {int(missing.sum())} date(s) of endog's range (first: "
                f"{idx[np.flatnonzero(missing)[0]]}); exog is matched to endog by date and regressors must be complete"
                + (f" (endog's gaps, {self.gaps}, are missing values of endog, not of exog)" if self.gaps else "")
            )
        out = exog.iloc[pos]
        out.index = idx
        return out

    def _difference(self, x: np.ndarray) -> np.ndarray:
        """``(1-L)^d (1-L^s)^D x`` on the valid range (length n - d - D s); NaN propagates."""
        m = self.k_diff
        if m == 0:
            return x.copy()
        out = np.zeros(x.size - m)
        for lag, c in zip(self.diff_kernel.ma_lags.tolist(), self.diff_kernel.ma_coefs.tolist()):
            out += c * x[m - lag: x.size - lag]
        return out

    def polynomials(self, params):
        """Expanded ``phi`` (AR, statsmodels signs) and ``theta`` (MA) of ``params`` (dense, from lag 1)."""
        params = np.asarray(params, dtype=np.float64)
        sl = self._slices
        return self._expand(params[sl["ar"]], params[sl["sar"]], -1.0), self._expand(params[sl["ma"]], params[sl["sma"]], 1.0)

    def _expand(self, reg, seas, sign):
        from .likelihood.kalman import expand

        return expand(np.ascontiguousarray(reg), np.ascontiguousarray(seas), self.seasonal_order[3], sign)

    def kernel(self, params) -> "Kernel":  # noqa: F821
        """The psi-weight kernel ``theta(L)Theta(L^s) / (phi(L)Phi(L^s) (1-L)^d (1-L^s)^D)``."""
        params = np.asarray(params, dtype=np.float64)
        sl = self._slices
        p, d, q, P, D, Q, s = self.order_tuple
        k = arma(params[sl["ar"]], params[sl["ma"]])
        if P or Q:
            k = k * arma(params[sl["sar"]], params[sl["sma"]], ar_lags=self.sar_lags if P else None,
                         ma_lags=self.sma_lags if Q else None)
        if d or D:
            k = k * integrate(d, D, s if D else None)
        return k

    def _regressors_future(self, steps: int, exog):
        """Trend and exog columns for the ``steps`` periods after the sample."""
        n = self.nobs_total + self._time_offset  # extend's model: the trend's time goes on from the full series
        t = np.arange(n + 1, n + steps + 1, dtype=np.float64)
        cols = [t ** _pw for _pw in _TRENDS[self.trend]]
        if self.exog is not None:
            if exog is None:
                raise ValueError(
                    f"the model has exog ({self.exog.shape[1]} column(s)): forecasting {steps} step(s) needs their "
                    f"future values; pass exog=<array of shape ({steps}, {self.exog.shape[1]})>"
                )
            exog = self._match_future_exog(exog, steps)
            X = np.array(as_float_array(exog, "exog", ndim=(1, 2)), dtype=np.float64)
            if X.ndim == 1:
                X = X.reshape(steps, -1) if X.size == steps * self.exog.shape[1] else X[:, None]
            if X.shape != (steps, self.exog.shape[1]):
                raise ValueError(f"future exog has shape {X.shape}; forecasting {steps} step(s) needs ({steps}, {self.exog.shape[1]})")
            if not np.all(np.isfinite(X)):
                raise ValueError("future exog contains NaN/inf; regressors must be complete")
            cols += list(X.T)
        elif exog is not None:
            raise ValueError("exog given to forecast, but the model was fitted without exog")
        return np.column_stack(cols) if cols else np.zeros((steps, 0))

    def _match_future_exog(self, exog, steps: int):
        """Future ``exog`` as pandas: columns matched by name, dates checked against the forecast dates."""
        import pandas as pd

        if isinstance(exog, pd.Series):
            exog = exog.to_frame(name=self.exog_names[0] if exog.name is None and len(self.exog_names) == 1 else exog.name)
        if not isinstance(exog, pd.DataFrame):
            return exog
        if self._exog_is_frame:
            given = [str(c) for c in exog.columns]
            if given != self.exog_names:
                missing = [c for c in self.exog_names if c not in given]
                extra = [c for c in given if c not in self.exog_names]
                if missing or extra or len(given) != len(set(given)):
                    raise ValueError(
                        f"future exog has columns {given} but the model was fitted on {self.exog_names}"
                        + (f" (missing: {missing})" if missing else "") + (f" (unknown: {extra})" if extra else "")
                        + "; exog columns are matched by name: pass the same columns"
                    )
                exog = exog.iloc[:, [given.index(c) for c in self.exog_names]]  # reorder by name
        expected = self._future_index(steps)
        ex = exog.index
        if not _is_time_index(self._index) or not _is_time_index(expected) or _is_default_index(ex):
            return exog  # no dates to check against, or exog used by position (a default RangeIndex)
        shown = ", ".join(str(v) for v in expected[:3]) + (", ..." if steps > 3 else "")
        if not _comparable_time_indexes(expected, ex):
            raise ValueError(
                f"future exog is indexed by {type(ex).__name__} ({_show_index(ex)}) but the {steps} forecast "
                f"dates are {shown} (through {expected[-1]}); give exog those dates as its index (it is matched "
                f"by date), or pass a NumPy array to use its rows by position"
            )
        key_exp, key_ex = _time_keys(expected, ex)
        if key_ex.equals(key_exp):
            return exog
        pos = key_ex.get_indexer(key_exp) if not key_ex.has_duplicates else None
        if pos is None or len(ex) != steps or (pos < 0).any():
            raise ValueError(
                f"future exog is indexed {_show_index(ex)} ({len(exog)} rows) but the {steps} forecast dates are "
                f"{shown} (through {expected[-1]}); give exog for exactly those dates"
            )
        return exog.iloc[pos]  # the same dates in another order: matched by date

    def _future_index(self, steps: int):
        import pandas as pd

        idx = self._index
        n = self.nobs_total
        if idx is None:
            return None
        if self._freq is not None and isinstance(idx, pd.DatetimeIndex):
            return pd.date_range(start=idx[-1] + self._freq, periods=steps, freq=self._freq)
        if isinstance(idx, pd.PeriodIndex):
            return pd.period_range(start=idx[-1] + 1, periods=steps, freq=idx.freq)
        if isinstance(idx, pd.RangeIndex):
            return pd.RangeIndex(idx.start + n * idx.step, idx.start + (n + steps) * idx.step, idx.step)
        if np.issubdtype(getattr(idx, "dtype", np.dtype(object)), np.integer) and n >= 2:
            steps_ = np.diff(np.asarray(idx))
            if np.all(steps_ == steps_[0]):
                return pd.Index(idx[-1] + steps_[0] * np.arange(1, steps + 1))
        return pd.RangeIndex(n, n + steps)

    # ------------------------------------------------------------------ fitting
    def fit(self, method: str = "mle", fixed: dict | None = None, method_kwargs: dict | None = None,
            start_params=None):
        """Estimate the parameters.

        Parameters
        ----------
        method : {'mle', 'css', 'css-mle', 'whittle', 'yule_walker', 'burg', 'hannan_rissanen'}
            ``'mle'``: exact Gaussian likelihood of the differenced series (R's ``arima``,
            statsmodels ``SARIMAX(simple_differencing=True)``), started from CSS.
            ``'css'``: conditional sum of squares (R's ``method="CSS"``).  ``'css-mle'``: CSS,
            then exact ML from there (R's default).  The others are pure estimators of AR /
            ARMA coefficients; their ``llf`` is the exact likelihood at their estimates.
        fixed : dict, optional
            ``{name: value}`` held fixed (statsmodels' ``fix_params``); ``aic``/``bic`` count
            only the free parameters.
        method_kwargs : dict, optional
            Options: ``maxiter`` (default 500), ``gtol``, ``enforce_stationarity``,
            ``enforce_invertibility`` (default True), ``tol`` (steady-state switch of the
            Kalman filter, default 1e-10), ``max_seconds`` (wall-clock limit: the fit returns
            its best point with ``converged=False`` and a :class:`ConvergenceWarning`),
            ``multi_start`` (default True: exact ML on the scipy path also starts from
            Hannan-Rissanen and zeros and keeps the best likelihood), and the estimator's own
            options for the others.
        start_params : array_like, optional
            Starting values in the order of :attr:`param_names` (sigma2 ignored).

        Returns
        -------
        ARIMAResults

        Notes
        -----
        ``'mle'`` and ``'css-mle'`` run in compiled code, with the optimiser of
        :func:`convts.fit_many` (CSS start by Levenberg-Marquardt, exact ML by BFGS on the
        transformed parameters, ``sigma2`` profiled out), when the model has no ``exog``, no
        ``fixed``, no ``start_params``, at most one trend term that is a constant after
        differencing, a state dimension ``max(p + P s, q + Q s + 1) < 40``, no leading or
        trailing NaN, and ``method_kwargs`` limited to ``maxiter``, ``gtol``, ``css_maxiter``,
        ``tol`` (``enforce_*`` True).  Every other fit takes scipy's L-BFGS-B.  Both stop on the
        same tolerances (largest gradient < ``gtol``) and agree to ~1e-6 in the parameters;
        ``mle_retvals.message`` names the compiled optimiser, and a fit that does not converge
        warns with a :class:`ConvergenceWarning` on either path.
        """
        if method not in METHODS:
            raise ValueError(f"method={method!r}: use one of {METHODS}")
        fixed = self._check_fixed(fixed)
        kw = dict(method_kwargs or {})
        if start_params is not None:
            start_params = np.asarray(start_params, dtype=np.float64).ravel()
            if start_params.size not in (self.k_params, self.k_params - 1):
                raise ValueError(f"start_params has {start_params.size} values; the model has {self.k_params} parameters {self.param_names}")
        from .estimators import fit

        return fit(self, method, fixed, kw, start_params)

    def _trend_constant(self):
        """``cx`` when the differenced trend is one constant column (0.0 without trend), else None."""
        if self.k_exog == 0:
            return 0.0
        if self.k_exog > 1:
            return None
        col = self._dX[:, 0]
        if col.size and np.all(col == col[0]) and col[0] != 0.0:
            return float(col[0])
        return None

    def _check_fixed(self, fixed) -> dict:
        if not fixed:
            return {}
        if not isinstance(fixed, dict):
            raise TypeError("fixed must be a dict {parameter name: value}")
        out = {}
        for name, value in fixed.items():
            if name not in self.param_names:
                raise ValueError(f"fixed parameter {name!r} is not a parameter of this model; its parameters are {self.param_names}")
            if not isinstance(value, numbers.Real) or not np.isfinite(value):
                raise ValueError(f"fixed[{name!r}]={value!r}: give a finite number")
            if name == "sigma2" and value <= 0:
                raise ValueError("fixed sigma2 must be > 0")
            out[name] = float(value)
        if len(out) == self.k_params:
            raise ValueError("every parameter is fixed: there is nothing to estimate")
        return out

    def __getstate__(self):
        """Pickle without the arrays rebuilt from the series (differenced data, regressor matrices)."""
        from ._persist import model_state

        return model_state(self)

    def __setstate__(self, state):
        from ._persist import restore_model

        restore_model(self, state, _TRENDS[state["trend"]])

    def __repr__(self) -> str:
        return f"ARIMA(order={self.order}, seasonal_order={self.seasonal_order}, trend={self.trend!r}, nobs={self.nobs_total})"
