"""The ``.conv`` pandas accessor: thin, stateless forwards to convts' public functions.

``import convts`` registers ``.conv`` on every Series and DataFrame.  pandas builds a new accessor
object on each access; it holds only a reference to the caller, never changes it, and never
catches an error.

Conventions
-----------
Index
    Every same-length result keeps the caller's index object, so its ``freq`` and timezone are kept.
Names
    A result whose values mean something new is labelled ``f"{label}_{suffix}"``: ``sales`` ->
    ``sales_ma7``, ``sales_ewma``, ``sales_gaussian``, ``sales_conv``, ``sales_echo``,
    ``sales_comb``, ``sales_diff1``, ``sales_diff1_sdiff12`` (``d=1, D=1, period=12``; ``D=2``
    gives ``sdiff12x2``), ``sales_integrate1``, ``sales_ar_filter``, ``sales_acf``,
    ``sales_pacf``, ``sales_ccf``, ``sales_prewhiten``, ``sales_whiten``.  The rule applies to a
    Series name and to each DataFrame column label alike.  An unnamed Series stays unnamed and
    non-string labels (integers, tuples) are kept as they are.  PCA whitening names its columns
    ``pc1, pc2, ...`` (components are not columns).
DataFrames
    Filters run on all columns in one batched engine call (``convts.convolve(values, k, axis=0)``);
    ``ewma`` runs pandas' own weighting recursion (compiled, all columns in one call), so that it
    equals ``ewm(...).mean()`` with NaN.  Every column must be numeric (the error names the first
    that is not).  Statistics (``acf``,
    ``pacf``, ``ccf``) are per column.
Spacing
    Filters count observations (like ``rolling(7)``), so they accept any index.  Operations that
    need regularly spaced time -- a seasonal ``diff``/``integrate`` whose ``period`` is inferred
    from the index, ``arima`` and ``forecast`` -- use the index's ``freq``, inferred when missing
    but regular, and raise ``ValueError`` for duplicated, unsorted or irregular timestamps.
    ``arima`` and ``forecast`` share the index check of :class:`convts.ARIMA` and
    :func:`convts.fit_many`: a DatetimeIndex with gaps (dates missing from an inferable regular
    grid) is reindexed to its full range, the gaps becoming missing values.

Examples
--------
>>> import pandas as pd, convts
>>> s = pd.Series([1.0, 2.0, 3.0, 4.0], name="sales",
...               index=pd.date_range("2024-01-01", periods=4, freq="D"))
>>> s.conv.ma(2).tolist()
[nan, 1.5, 2.5, 3.5]
>>> s.conv.diff().name, s.conv.diff().index.freqstr
('sales_diff1', 'D')
"""

from __future__ import annotations

import functools
import warnings

import numpy as np
import pandas as pd

from . import _pandas as P
from ._validation import check_int, raise_if_nonfinite

__all__ = ["SeriesConvAccessor", "DataFrameConvAccessor"]

_KEEP_LENGTH = ("causal", "same", "circular")


def _check_mode(mode: str) -> None:
    if mode not in _KEEP_LENGTH:
        raise ValueError(
            f"mode={mode!r}: the accessor keeps the index, so it needs a same-length mode "
            f"{_KEEP_LENGTH}; for 'full' or 'valid' call convts.convolve(s.to_numpy(), ...)"
        )


def _diff_suffix(stem: str, d: int, D: int, period) -> str:
    parts = [f"{stem}{d}"] if d or not D else []
    if D:
        parts.append(f"s{stem}{period}" + (f"x{D}" if D > 1 else ""))
    return "_".join(parts)


def _leading_nan(X: np.ndarray) -> np.ndarray:
    """Per column, the number of leading NaN/inf rows (the whole length for an empty column)."""
    finite = np.isfinite(X)
    if X.shape[0] == 0:  # (argmax refuses an empty axis)
        return np.zeros(X.shape[1], dtype=np.int64)
    first = finite.argmax(axis=0)
    first[~finite.any(axis=0)] = X.shape[0]
    return first


def _ewm_alpha(com, span, halflife, alpha) -> float:
    """pandas' smoothing factor ``1 / (1 + com)``, the center of mass computed as pandas computes it."""
    given = [(n, v) for n, v in (("com", com), ("span", span), ("halflife", halflife), ("alpha", alpha))
             if v is not None]
    if len(given) != 1:
        names = ", ".join(n for n, _ in given) or "none"
        raise ValueError(f"give exactly one of com, span, halflife, alpha (got {names}), e.g. ewma(span=10)")
    name, value = given[0]
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise TypeError(f"{name}={value!r} must be a number") from None
    if name == "com":
        if not value >= 0:
            raise ValueError(f"com={value!r} must be >= 0")
        c = value
    elif name == "span":
        if not value >= 1:
            raise ValueError(f"span={value!r} must be >= 1")
        c = (value - 1) / 2
    elif name == "halflife":
        if not value > 0:
            raise ValueError(f"halflife={value!r} must be > 0")
        c = 1 / (1 - np.exp(np.log(0.5) / value)) - 1
    else:
        if not 0 < value <= 1:
            raise ValueError(f"alpha={value!r} must satisfy 0 < alpha <= 1")
        c = (1 - value) / value
    return 1.0 / (1.0 + float(c))


def _ewm_mean(X, alpha, adjust, ignore_na, minp, out):
    """pandas' exponentially weighted mean of each column of ``X`` (n, k) into ``out``.

    The recursion of ``pandas/_libs/window/aggregations.pyx`` (``ewm``, equally spaced rows):
    ``old_wt`` is the total weight of the past, aged by ``1 - alpha`` per row (per observed row
    with ``ignore_na``); an observation enters with weight 1 (``adjust``) or ``alpha``.  Plain
    Python compiled by numba (:func:`_ewm_mean_compiled`), the same operations in the same order.
    """
    n, k = X.shape
    decay = 1.0 - alpha
    new_wt = 1.0 if adjust else alpha
    for c in range(k):
        weighted = X[0, c]
        nobs = 0 if np.isnan(weighted) else 1
        out[0, c] = weighted if nobs >= minp else np.nan
        old_wt = 1.0
        for i in range(1, n):
            cur = X[i, c]
            seen = not np.isnan(cur)
            nobs += 1 if seen else 0
            if not np.isnan(weighted):
                if seen or not ignore_na:
                    old_wt *= decay
                    if seen:
                        if weighted != cur:  # pandas skips the update when equal (constant runs stay exact)
                            weighted = old_wt * weighted + new_wt * cur
                            weighted /= old_wt + new_wt
                        if adjust:
                            old_wt += new_wt
                        else:
                            old_wt = 1.0
            elif seen:
                weighted = cur
            out[i, c] = weighted if nobs >= minp else np.nan


@functools.cache
def _ewm_mean_compiled():
    import numba as nb

    from ._config import get_option

    return nb.njit(cache=get_option("numba_cache"), nogil=True)(_ewm_mean)


class _ConvAccessor:
    """Methods shared by the Series and DataFrame accessors (``self._obj`` is the caller)."""

    def __init__(self, obj):
        self._obj = obj

    # -- plumbing -------------------------------------------------------------------------------
    def _values(self) -> np.ndarray:
        return P.values_2d(self._obj)

    def _run(self, kernel, X=None, *, pad_missing=False, **convolve_kw) -> np.ndarray:
        """One batched engine call on ``(T, k)`` values; ``pad_missing`` treats out-of-sample as NaN."""
        from .engine import convolve

        X = self._values() if X is None else X
        if X.shape[0] == 0 and convolve_kw.get("zi") is None and convolve_kw.get("mode", "causal") in ("causal", "same"):
            return np.empty(X.shape, dtype=X.dtype)  # no rows in, none out (pandas' rolling and diff)
        if convolve_kw.get("zi") is not None:  # (n_columns, state) or a Series' (state,) -> lfilter's layout on axis 0
            zi = np.asarray(convolve_kw["zi"], dtype=float)
            convolve_kw["zi"] = zi.reshape(-1, 1) if (zi.ndim == 1 and X.shape[1] == 1) else zi.T
        if not pad_missing:
            return convolve(X, kernel, axis=0, **convolve_kw)
        before, after = max(int(kernel.ma_lags[-1]), 0), max(-int(kernel.offset), 0)
        T = X.shape[0]
        X = np.pad(X, ((before, after), (0, 0)), constant_values=np.nan)
        return convolve(X, kernel, axis=0, **convolve_kw)[before : before + T]

    def _apply(self, kernel, suffix, X=None, **kw):
        return P.wrap(self._run(kernel, X, **kw), self._obj, suffix)

    # -- smoothers ------------------------------------------------------------------------------
    def ma(self, window, weights=None, center=False, min_periods=None, *, method="auto", backend="auto",
           nan_policy="omit"):
        """Moving (weighted) mean; by default equal to ``rolling(window, center, min_periods).mean()``.

        Forwards to :func:`convts.kernels.moving_average` and :func:`convts.convolve`.  Values
        before the start and after the end count as missing, so incomplete windows are NaN, as in
        pandas.

        Parameters
        ----------
        window, weights, center
            As :func:`convts.kernels.moving_average`.
        min_periods : int, optional
            Fewest observed values a window needs (default ``window``), used with
            ``nan_policy='omit'`` as ``min_weight = min_periods / window`` (with ``weights``: the
            share of the absolute weight observed).
        method, backend
            As :func:`convts.convolve`.
        nan_policy : {'omit', 'propagate', 'raise'}
            ``omit`` (default) averages the observed values of each window (pandas);
            ``propagate``: a NaN anywhere in the window gives NaN.

        Examples
        --------
        >>> import pandas as pd, convts
        >>> pd.Series([1.0, 2.0, None, 4.0], name="x").conv.ma(2, min_periods=1).tolist()
        [1.0, 1.5, 2.0, 4.0]
        """
        from .kernels import moving_average

        k = moving_average(window, weights, center)
        window = check_int(window, "window", minimum=1)
        if min_periods is None:
            min_periods = window
        min_periods = check_int(min_periods, "min_periods", minimum=1, maximum=window)
        X = self._values()
        if nan_policy == "raise":
            raise_if_nonfinite(X, "the data")
        if nan_policy not in ("propagate", "omit", "raise"):
            raise ValueError(f"nan_policy={nan_policy!r}: use one of ('propagate', 'omit', 'raise')")
        if nan_policy != "omit" and min_periods != window:
            raise ValueError(
                f"min_periods={min_periods} applies with nan_policy='omit'; with "
                f"nan_policy={nan_policy!r} every window must be complete"
            )
        suffix = f"ma{window}"
        if nan_policy == "omit" and (min_periods < window or not np.isfinite(X).all()):
            return self._apply(k, suffix, X, pad_missing=True, method=method, backend=backend, nan_policy="omit",
                               min_weight=min_periods / window)
        # complete windows only: the plain filter, NaN where the window reaches outside the sample
        y = self._run(k, X, method=method, backend=backend, nan_policy="propagate")
        before, after = max(int(k.ma_lags[-1]), 0), max(-int(k.offset), 0)
        y[:before] = np.nan
        y[max(X.shape[0] - after, 0):] = np.nan
        return P.wrap(y, self._obj, suffix)

    def ewma(self, *args, com=None, span=None, halflife=None, alpha=None, min_periods=0, adjust=True,
             ignore_na=False, times=None):
        """Exponentially weighted mean, equal to pandas ``ewm(...).mean()`` on every input, NaN included.

        Takes pandas' ``ewm`` arguments with pandas' defaults (``adjust=True``,
        ``ignore_na=False``, ``min_periods=0``), keyword-only.  Runs pandas' weighting recursion
        (``pandas/_libs/window/aggregations.pyx``, ``ewm``) compiled by numba, column by column:
        with ``adjust=True`` the mean of the observed values with weights ``(1 - alpha)**age``;
        with ``adjust=False`` the recursion ``y_t = (1 - alpha) y_{t-1} + alpha x_t`` started at
        the first observed value.  A NaN is skipped: the result carries the last mean forward,
        and the weights of the values before it keep decaying with every row
        (``ignore_na=False``, weights by absolute position) or only with observed rows
        (``ignore_na=True``).  Leading NaN give NaN until the first observation; a row gives NaN
        while fewer than ``max(min_periods, 1)`` values have been observed.  ``+-inf`` count as
        missing, as in pandas' window functions.

        For the engine's recursive filter (zero history, NaN spreading forward, any backend) use
        ``s.conv.convolve(convts.kernels.ewma(alpha))``.

        Parameters
        ----------
        com, span, halflife, alpha : float
            Exactly one: ``alpha = 1 / (1 + com)``, ``com = (span - 1) / 2`` (``span >= 1``),
            ``com = 1 / (1 - exp(log(0.5) / halflife)) - 1`` (``halflife > 0``), or
            ``0 < alpha <= 1``, computed as pandas does.
        min_periods : int
            Observations needed before a value is given (default 0, which pandas treats as 1).
        adjust : bool
            ``True`` (default): the weighted mean of all values so far; ``False``: the recursion.
        ignore_na : bool
            ``False`` (default): weights by absolute position; ``True``: NaN rows do not age the weights.
        times
            Not supported: raises ``NotImplementedError`` (use ``s.ewm(halflife=..., times=...)``).

        Returns
        -------
        Series or DataFrame
            float64, the caller's index, labels ``f"{label}_ewma"``.

        Raises
        ------
        TypeError
            Positional arguments (pandas' first positional is ``com``; write the name).
        ValueError
            None or several of ``com/span/halflife/alpha``, or one out of its range;
            ``min_periods < 0``.
        TypeError
            A non-numeric weight parameter or column.

        Notes
        -----
        pandas 3.0 returns other values for ``com == 1`` (``alpha=0.5``, ``span=3``,
        ``halflife=1``) with ``adjust=False``, ``ignore_na=False`` and a NaN inside the series
        (pandas GH 31178/66523: a special case for ``times`` applied without them); this method
        keeps pandas' documented recursion there, the values pandas 2 and pandas 3 give for any
        other ``com``.

        Examples
        --------
        >>> import numpy as np, pandas as pd, convts
        >>> s = pd.Series([1.0, 2.0, np.nan, 4.0, 5.0])
        >>> s.conv.ewma(alpha=0.3, adjust=False).round(6).tolist()
        [1.0, 1.3, 1.3, 2.325316, 3.127722]
        >>> bool(np.allclose(s.conv.ewma(span=3), s.ewm(span=3).mean()))
        True
        """
        if args:
            raise TypeError(
                "ewma takes keyword arguments only (pandas' first positional argument is com, convts' "
                "used to be alpha): write e.g. s.conv.ewma(alpha=0.3) or s.conv.ewma(span=10)"
            )
        if times is not None:
            raise NotImplementedError(
                "ewma(times=...) is not supported; use pandas: s.ewm(halflife=..., times=...).mean()"
            )
        a = _ewm_alpha(com, span, halflife, alpha)
        min_periods = check_int(min_periods, "min_periods", minimum=0)
        X = np.array(self._values(), dtype=np.float64)  # a copy: the caller's data stay as they are
        X[np.isinf(X)] = np.nan  # pandas' window functions read +-inf as missing
        out = np.empty_like(X)
        if X.size:
            _ewm_mean_compiled()(X, a, bool(adjust), bool(ignore_na), max(min_periods, 1), out)
        return P.wrap(out, self._obj, "ewma")

    def gaussian(self, sigma, truncate=4.0, *, method="auto", backend="auto", nan_policy="omit",
                 min_weight=None):
        """Centred Gaussian smoother (:func:`convts.kernels.gaussian` + :func:`convts.convolve`).

        Values outside the sample count as missing: with ``nan_policy='omit'`` (default) the
        windows at the ends are renormalised by the weight observed (no shrinking towards 0);
        ``min_weight`` as :func:`convts.convolve`.  ``propagate``: NaN where the window is not
        complete.

        Examples
        --------
        >>> import pandas as pd, convts
        >>> pd.Series([3.0, 3.0, 3.0, 3.0]).conv.gaussian(1.0).round(12).tolist()
        [3.0, 3.0, 3.0, 3.0]
        """
        from .kernels import gaussian

        k = gaussian(sigma, truncate)
        X = self._values()
        if nan_policy == "raise":
            raise_if_nonfinite(X, "the data")
            nan_policy = "propagate"
        return self._apply(k, "gaussian", X, pad_missing=True, method=method, backend=backend,
                           nan_policy=nan_policy, min_weight=min_weight)

    # -- general filters ------------------------------------------------------------------------
    def convolve(self, kernel, mode="causal", method="auto", backend="auto", nan_policy="propagate",
                 zi=None, min_weight=None):
        """Apply a :class:`~convts.Kernel` (or FIR taps), as :func:`convts.convolve` on the values.

        Same parameters as :func:`convts.convolve` except that ``mode`` must keep the length
        (``causal``, ``same`` or ``circular``); the history before the sample is zero (or ``zi``,
        shape ``(n_columns, state)`` for a DataFrame).

        Examples
        --------
        >>> import pandas as pd, convts
        >>> pd.Series([1.0, 2.0, 3.0]).conv.convolve([0.5, 0.5]).tolist()
        [0.5, 1.5, 2.5]
        """
        from .engine import as_kernel

        _check_mode(mode)
        return self._apply(as_kernel(kernel), "conv", mode=mode, method=method, backend=backend,
                           nan_policy=nan_policy, zi=zi, min_weight=min_weight)

    def echo(self, delay, gain, repeats=1, *, method="auto", backend="auto", nan_policy="propagate"):
        """Add ``repeats`` echoes ``gain**r * x[t - r*delay]`` (:func:`convts.kernels.echo`); zero history.

        Examples
        --------
        >>> import pandas as pd, convts
        >>> pd.Series([1.0, 0.0, 0.0]).conv.echo(2, 0.5).tolist()
        [1.0, 0.0, 0.5]
        """
        from .kernels import echo

        return self._apply(echo(delay, gain, repeats), "echo", method=method, backend=backend,
                           nan_policy=nan_policy)

    def comb(self, delay, gain, *, method="auto", backend="auto", nan_policy="propagate"):
        """Feedback comb ``y[t] = x[t] + gain * y[t - delay]`` (:func:`convts.kernels.comb`); zero history.

        Examples
        --------
        >>> import pandas as pd, convts
        >>> pd.Series([1.0, 0.0, 0.0, 0.0, 0.0]).conv.comb(2, 0.5).tolist()
        [1.0, 0.0, 0.5, 0.0, 0.25]
        """
        from .kernels import comb

        return self._apply(comb(delay, gain), "comb", method=method, backend=backend, nan_policy=nan_policy)

    def _period(self, D, period, operation):
        if D and period is None:
            return P.seasonal_period(self._obj.index, operation)
        return period

    def diff(self, d=1, D=0, period=None, *, method="auto", backend="auto"):
        """Differences ``(1 - L)^d (1 - L^s)^D x`` (:func:`convts.kernels.difference`).

        NaN where the difference needs values before the sample (the first ``d + D * period``
        rows), as pandas ``diff``; a NaN in the data spreads to the differences that use it.
        With ``D > 0`` and no ``period``, the period comes from the index's (regular) freq:
        12 for monthly, 4 for quarterly, 7 for daily, 24 for hourly, ...

        Examples
        --------
        >>> import pandas as pd, convts
        >>> pd.Series([1.0, 4.0, 9.0, 16.0]).conv.diff().tolist()
        [nan, 3.0, 5.0, 7.0]
        """
        from .kernels import difference

        D = check_int(D, "D", minimum=0)
        period = self._period(D, period, "a seasonal diff")
        k = difference(d, D, period)
        y = self._run(k, method=method, backend=backend, nan_policy="propagate")
        y[: int(k.ma_lags[-1])] = np.nan
        return P.wrap(y, self._obj, _diff_suffix("diff", check_int(d, "d"), D, period))

    def integrate(self, d=1, D=0, period=None, *, method="auto", backend="auto", nan_policy="propagate"):
        """Cumulative sums ``x / ((1 - L)^d (1 - L^s)^D)`` (:func:`convts.kernels.integrate`), zero history.

        Leading NaN (as left by :meth:`diff`) are skipped: the sum starts at the first observed
        value and the result is NaN before it, so ``s.conv.diff().conv.integrate()`` is
        ``s - s.iloc[0]`` (NaN first).  A NaN inside the series spreads to every later value.

        Examples
        --------
        >>> import pandas as pd, convts
        >>> pd.Series([1.0, 2.0, 3.0]).conv.integrate().tolist()
        [1.0, 3.0, 6.0]
        """
        from .kernels import integrate

        D = check_int(D, "D", minimum=0)
        period = self._period(D, period, "a seasonal integrate")
        k = integrate(d, D, period)
        X = self._values()
        if nan_policy == "raise":
            raise_if_nonfinite(X, "the data")
            nan_policy = "propagate"
        lead = _leading_nan(X)
        rows = np.arange(X.shape[0])[:, None]
        if (lead > 0).any():
            X = np.where(rows < lead, 0.0, X)
        y = self._run(k, X, method=method, backend=backend, nan_policy=nan_policy)
        y[rows < lead] = np.nan
        return P.wrap(y, self._obj, _diff_suffix("integrate", check_int(d, "d"), D, period))

    def ar_filter(self, ar, *, method="auto", backend="auto", nan_policy="propagate", zi=None):
        """Apply the AR filter ``1 / (1 - phi_1 L - ... - phi_p L^p)``: generate an AR process from the series.

        ``s.conv.ar_filter([0.5])`` is ``y[t] = 0.5 y[t-1] + s[t]`` with zero history
        (:func:`convts.kernels.arma` with ``ar``, statsmodels' sign convention).  Its inverse, the
        FIR ``1 - phi(L)`` that turns an AR process into white noise, is :meth:`prewhiten`
        (or ``s.conv.convolve(convts.kernels.arma(ar=phi).inverse())``).

        Examples
        --------
        >>> import pandas as pd, convts
        >>> pd.Series([1.0, 0.0, 0.0]).conv.ar_filter([0.5]).tolist()
        [1.0, 0.5, 0.25]
        """
        from .kernels import arma

        return self._apply(arma(ar=ar), "ar_filter", method=method, backend=backend, nan_policy=nan_policy,
                           zi=zi)

    # -- statistics -----------------------------------------------------------------------------
    def _per_column(self, fn, suffix, index_name="lag", lags=None):
        """Run a 1-D statistic per column; ``fn(values) -> array or (array, confint)``."""
        obj = self._obj
        # by position: obj[c] is a DataFrame when the name c is repeated
        cols = [obj] if isinstance(obj, pd.Series) else [obj.iloc[:, i] for i in range(obj.shape[1])]
        pieces = []
        for s in cols:
            res = fn(P.series_values(s))
            if isinstance(res, tuple):
                r, ci = res
                lag_index = pd.Index(lags if lags is not None else np.arange(r.size), name=index_name)
                pieces.append(pd.DataFrame({suffix: r, "ci_lower": ci[:, 0], "ci_upper": ci[:, 1]},
                                           index=lag_index))
            else:
                lag_index = pd.Index(lags if lags is not None else np.arange(res.size), name=index_name)
                pieces.append(pd.Series(res, index=lag_index, name=P.label(s.name, suffix)))
        if isinstance(obj, pd.Series):
            return pieces[0]
        if isinstance(pieces[0], pd.Series):
            frame = pd.concat(pieces, axis=1)
            frame.columns = pd.Index([P.label(c, suffix) for c in obj.columns], name=obj.columns.name)
            return frame
        return pd.concat(pieces, axis=1, keys=list(obj.columns))

    def acf(self, nlags=None, *, adjusted=False, alpha=None, nan_policy="propagate"):
        """Sample autocorrelation (:func:`convts.acf`), indexed by lag ``0..nlags``.

        With ``alpha`` a DataFrame with the columns ``acf, ci_lower, ci_upper`` (per column of
        a DataFrame, under a column MultiIndex).

        Examples
        --------
        >>> import pandas as pd, convts
        >>> pd.Series([1.0, 3.0, 2.0, 4.0, 3.0], name="x").conv.acf(2).round(6).tolist()
        [1.0, -0.223077, 0.246154]
        """
        from .engine import acf

        return self._per_column(lambda v: acf(v, nlags, adjusted=adjusted, alpha=alpha, nan_policy=nan_policy),
                                "acf")

    def pacf(self, nlags=None, method="ywadjusted", *, alpha=None, nan_policy="propagate"):
        """Sample partial autocorrelation (:func:`convts.pacf`), indexed by lag ``0..nlags``.

        Examples
        --------
        >>> import pandas as pd, convts
        >>> s = pd.Series([1.0, 3.0, 2.0, 4.0, 3.0, 5.0, 4.0])
        >>> s.conv.pacf(2, method="ywm").round(6).tolist()
        [1.0, 0.06391, 0.362056]
        """
        from .engine import pacf

        return self._per_column(lambda v: pacf(v, nlags, method, alpha=alpha, nan_policy=nan_policy), "pacf")

    # -- rolling moments (pandas' rolling var/std/cov/corr) ------------------------------------
    def var(self, window, min_periods=None, ddof=1):
        """Rolling variance, equal to ``rolling(window, min_periods).var(ddof=ddof)``.

        Forwards to :func:`convts.rolling_var` (Welford's update with an exact re-sum when its
        error bound grows: exact after a huge value leaves the window).  NaN and inf count as
        missing, as in pandas; ``min_periods`` defaults to ``window``.

        Examples
        --------
        >>> import pandas as pd, convts
        >>> pd.Series([1.0, 2.0, 4.0, 7.0]).conv.var(2).tolist()
        [nan, 0.5, 2.0, 4.5]
        """
        from .engine import rolling_var

        X = self._values()
        if X.shape[0] == 0:  # no rows in, none out (pandas); the window is still checked
            rolling_var(np.zeros((1, X.shape[1])), window, min_periods, ddof, axis=0)
            return P.wrap(np.empty(X.shape), self._obj, f"var{window}")
        return P.wrap(rolling_var(X, window, min_periods, ddof, axis=0), self._obj, f"var{window}")

    def std(self, window, min_periods=None, ddof=1):
        """Rolling standard deviation, equal to ``rolling(window, min_periods).std(ddof=ddof)``.

        Forwards to :func:`convts.rolling_std`; see :meth:`var`.

        Examples
        --------
        >>> import pandas as pd, convts
        >>> pd.Series([1.0, 3.0, 5.0]).conv.std(2).tolist()
        [nan, 1.4142135623730951, 1.4142135623730951]
        """
        from .engine import rolling_std

        X = self._values()
        if X.shape[0] == 0:  # no rows in, none out (pandas); the window is still checked
            rolling_std(np.zeros((1, X.shape[1])), window, min_periods, ddof, axis=0)
            return P.wrap(np.empty(X.shape), self._obj, f"std{window}")
        return P.wrap(rolling_std(X, window, min_periods, ddof, axis=0), self._obj, f"std{window}")

    def _comoment(self, name, other, window, min_periods, ddof):
        """Rolling cov/corr as pandas: with ``other``, each column with it; without, a Series with
        itself and a DataFrame pairwise (rows ``(index, column)``, as ``df.rolling(w).cov()``)."""
        from .engine import rolling_corr, rolling_cov

        def pair(x, y):
            x, y = np.ascontiguousarray(x), np.ascontiguousarray(y)
            if x.shape[0] == 0:  # no rows in, none out (pandas); the window is still checked
                pair(np.zeros((1,) + x.shape[1:]), np.zeros((1,) + y.shape[1:]))
                return np.empty(x.shape)
            if name == "cov":
                return rolling_cov(x, y, window, min_periods, ddof, axis=0)
            return rolling_corr(x, y, window, min_periods, axis=0)

        X = self._values()
        obj = self._obj
        if other is None and isinstance(obj, pd.DataFrame):
            T, K = X.shape
            out = np.empty((T, K, K))
            for i in range(K):
                for j in range(i, K):
                    out[:, i, j] = out[:, j, i] = pair(X[:, i], X[:, j])
            index = pd.MultiIndex.from_product([obj.index, obj.columns])
            return pd.DataFrame(out.reshape(T * K, K), index=index, columns=obj.columns)
        if other is None:
            Y = X
        elif isinstance(other, pd.DataFrame):
            if not isinstance(obj, pd.DataFrame) or not other.columns.equals(obj.columns) \
                    or not other.index.equals(obj.index):
                raise ValueError("other: a DataFrame must have the same index and columns as the caller; "
                                 "align them first, e.g. df, other = df.align(other, join='inner')")
            Y = P.values_2d(other)
        else:
            y = np.asarray(self._other_values(other), dtype=float)
            if y.ndim != 1 or y.shape[0] != X.shape[0]:
                raise ValueError(f"other has {y.shape[0] if y.ndim else 0} values and the caller "
                                 f"{X.shape[0]}: pass one series of the same length")
            Y = np.broadcast_to(y.reshape(-1, 1), X.shape)
        return P.wrap(pair(X, Y), obj, f"{name}{window}")

    def cov(self, window, other=None, min_periods=None, ddof=1):
        """Rolling covariance, equal to ``rolling(window, min_periods).cov(other, ddof=ddof)``.

        ``other`` (a Series, 1-D array or, for a DataFrame, a frame with the same columns): each
        column with it.  Without ``other`` a Series gives its variance and a DataFrame the
        pairwise covariances with rows ``(index, column)``, as pandas.  Forwards to
        :func:`convts.rolling_cov`, which uses the pairs where both values are observed.

        Examples
        --------
        >>> import pandas as pd, convts
        >>> x = pd.Series([1.0, 2.0, 4.0, 7.0])
        >>> x.conv.cov(3, x * 2).round(10).tolist()
        [nan, nan, 4.6666666667, 12.6666666667]
        """
        return self._comoment("cov", other, window, min_periods, ddof)

    def corr(self, window, other=None, min_periods=None):
        """Rolling correlation, equal to ``rolling(window, min_periods).corr(other)``.

        ``other`` as in :meth:`cov`; forwards to :func:`convts.rolling_corr`.

        Examples
        --------
        >>> import pandas as pd, convts
        >>> x = pd.Series([1.0, 2.0, 4.0, 7.0])
        >>> x.conv.corr(3, -x).tolist()
        [nan, nan, -1.0, -1.0]
        """
        return self._comoment("corr", other, window, min_periods, 1)

    def _other_values(self, other) -> np.ndarray:
        if isinstance(other, pd.Series):
            if not other.index.equals(self._obj.index):
                raise ValueError(
                    "other has a different index; align the two series first, e.g. "
                    "x, y = x.align(y, join='inner')"
                )
            return P.series_values(other)
        if isinstance(other, pd.DataFrame):
            raise TypeError("other must be one series (a Series or 1-D array), not a DataFrame")
        return np.asarray(other)

    def ccf(self, other, nlags=None, *, two_sided=True, adjusted=True, alpha=None, nan_policy="propagate"):
        """Cross-correlation ``corr(x[t+k], other[t])`` (:func:`convts.ccf`), indexed by lag.

        Lags ``-nlags..nlags`` (``two_sided``) or ``0..nlags``; a peak at positive ``k`` means this
        series follows ``other`` by ``k`` steps.  A DataFrame correlates each column with ``other``.

        Examples
        --------
        >>> import pandas as pd, convts
        >>> x = pd.Series([0.0, 1.0, 0.0, 0.0, 2.0, 0.0, 1.0])
        >>> x.conv.ccf(x, 1).round(4).tolist()
        [-0.641, 1.0, -0.641]
        """
        from .engine import ccf

        y = self._other_values(other)
        n = len(self._obj)
        nl = nlags
        if nl is None:
            nl = min(int(10 * np.log10(n)), n - 1) if n > 1 else 0
        lags = np.arange(-nl, nl + 1) if two_sided else np.arange(nl + 1)
        return self._per_column(
            lambda v: ccf(v, y, nlags, two_sided=two_sided, adjusted=adjusted, alpha=alpha, nan_policy=nan_policy), "ccf", lags=lags
        )

    # -- whitening ------------------------------------------------------------------------------
    def prewhiten(self, order=None, **kwargs):
        """Filter with the FIR ``1 - phi(L)`` of an AR model fitted to the series (:class:`convts.whiten.ARPrewhitener`).

        ``ARPrewhitener(order, **kwargs).fit_transform(values)``: ``order=None`` picks the order
        by ``criterion`` up to ``max_order``; ``edge`` says what the first ``p`` outputs are
        (``'nan'`` by default; ``'drop'`` removes those rows and their index labels).  A DataFrame
        fits one AR model per column (or one shared model, ``shared=True``) in one call.  The
        result is the (demeaned) innovations; the inverse, generating a process from noise, is
        :meth:`ar_filter`.

        Examples
        --------
        >>> import numpy as np, pandas as pd, convts
        >>> e = np.random.default_rng(1).standard_normal(500)
        >>> s = pd.Series(e, name="x").conv.ar_filter([0.7])
        >>> w = s.conv.prewhiten(order=1, edge="zero")
        >>> w.name, round(float(np.corrcoef(w[1:], w[:-1])[0, 1]), 1)
        ('x_ar_filter_prewhiten', 0.0)
        """
        from .whiten import ARPrewhitener

        X = self._values()
        y = np.asarray(ARPrewhitener(order=order, **kwargs).fit_transform(X), dtype=np.float64)
        return P.wrap(y, self._obj, "prewhiten", index=self._obj.index[X.shape[0] - y.shape[0]:])

    def whiten(self, method="zca", **kwargs):
        """Standardise or decorrelate (:mod:`convts.whiten`): ``'zca'``, ``'pca'`` or ``'standardize'``.

        A DataFrame is whitened across its columns (rows are observations):
        ``'zca'``/``'pca'`` forward to :func:`convts.whiten.whiten` (``spatial=method``; ``kwargs``
        such as ``eps``, ``n_components`` or ``temporal='ar'``), ``'standardize'`` to
        :class:`convts.whiten.Standardizer` (``ddof``, ``robust``).  ZCA gives decorrelated
        columns that stay closest to the originals (labels + ``_whiten``); PCA gives the
        principal components ``pc1, pc2, ...``.  On a Series all three standardise it.

        Examples
        --------
        >>> import numpy as np, pandas as pd, convts
        >>> rng = np.random.default_rng(0)
        >>> df = pd.DataFrame(rng.standard_normal((300, 2)) @ [[1.0, 0.8], [0.0, 0.6]], columns=["a", "b"])
        >>> w = df.conv.whiten()
        >>> list(w.columns), w.cov().round(6).values.tolist()
        (['a_whiten', 'b_whiten'], [[1.0, 0.0], [0.0, 1.0]])
        """
        from . import whiten as W

        if method not in ("zca", "pca", "standardize"):
            raise ValueError(f"method={method!r}: use one of ('zca', 'pca', 'standardize')")
        X = self._values()
        frame = pd.DataFrame(X, index=self._obj.index,
                             columns=[self._obj.name] if isinstance(self._obj, pd.Series) else self._obj.columns)
        if method == "standardize":
            y = np.asarray(W.Standardizer(**kwargs).fit_transform(X), dtype=np.float64)
        else:
            out = W.whiten(frame, spatial=method, **kwargs)
            if method == "pca" and isinstance(self._obj, pd.DataFrame):
                out.attrs = {}
                return out
            y = out.to_numpy()
        return P.wrap(y.reshape(-1, X.shape[1]), self._obj, "whiten", index=self._obj.index[X.shape[0] - y.shape[0]:])

    # -- models ---------------------------------------------------------------------------------
    def _regular(self, operation):
        """The caller on its full regular time axis: the index check of ``convts.ARIMA``/``fit_many``
        (gaps reindexed as missing values; irregular, duplicated or unsorted timestamps raise)."""
        obj, _ = P.regular_time_index(self._obj, f"{operation}: the data")
        freq = P.regular_freq(obj.index, operation)
        return P.with_freq(obj, freq), freq


class SeriesConvAccessor(_ConvAccessor):
    """``s.conv``: convts on a Series (see :mod:`convts.accessor` for the conventions)."""

    def arima(self, order, seasonal_order=None, trend=None, method="mle", *, exog=None, **fit_kwargs):
        """Fit :class:`convts.ARIMA` to the series: ``ARIMA(s, exog, order, seasonal_order, trend).fit(method, **fit_kwargs)``.

        A DatetimeIndex must lie on a regular grid (its freq is inferred when missing; dates
        missing from the grid become missing values), so that forecasts are indexed by the
        following dates.  Returns the ``ARIMAResults``.
        """
        from .models import ARIMA

        s, _ = self._regular("arima")
        P.series_values(s)
        model = ARIMA(s, exog=exog, order=order, seasonal_order=_seasonal(seasonal_order), trend=trend)
        return model.fit(method=method, **fit_kwargs)

    def auto_arima(self, m=None, **kwargs):
        """Choose and fit an ARIMA model as R's ``auto.arima``: :func:`convts.auto_arima` on the series.

        ``m`` (seasonal period) defaults to the index's regular freq (12 monthly, 4 quarterly,
        else 1); ``kwargs`` are :func:`convts.auto_arima`'s (``d``, ``D``, ``max_p``, ``ic``,
        ``stepwise``, ``exog``, ...).  A DatetimeIndex must lie on a regular grid (missing dates
        become missing values), as :meth:`arima`.  Returns the ``ARIMAResults`` of the chosen model
        (``.auto_arima_info``, ``.search_trace``).

        Examples
        --------
        >>> import numpy as np, pandas as pd, convts
        >>> e = np.random.default_rng(3).standard_normal(150)
        >>> s = pd.Series(e, index=pd.date_range("2000-01-01", periods=150, freq="D")).conv.ar_filter([0.7])
        >>> s.conv.auto_arima(seasonal=False, stepwise=True).model.order
        (1, 0, 0)
        """
        from .models import auto_arima

        s, _ = self._regular("auto_arima")
        P.series_values(s)
        return auto_arima(s, m, **kwargs)

    def forecast(self, steps, order, seasonal_order=None, trend=None, method=None, alpha=0.05,
                 **fit_kwargs):
        """Fit an ARIMA model and forecast: ``get_forecast(steps).summary_frame(alpha)``.

        ``order=(p, d, q)`` fits that model (``ARIMA(...).fit(method)``, ``method`` default
        ``'mle'``); ``order="auto"`` chooses it by :meth:`auto_arima` (``fit_kwargs`` go to
        :func:`convts.auto_arima`, e.g. ``m``; ``method`` default: auto_arima's), and then
        ``seasonal_order`` and ``trend`` must be None.  Returns a DataFrame with the columns
        ``mean, mean_se, mean_ci_lower, mean_ci_upper``, indexed by the ``steps`` dates (or
        positions) that follow the series.
        """
        s, freq = self._regular("forecast")
        steps = check_int(steps, "steps", minimum=1)
        if _is_auto(order, seasonal_order, trend):
            if method is not None:
                fit_kwargs["method"] = method
            res = SeriesConvAccessor(s).auto_arima(**fit_kwargs)
        else:
            res = SeriesConvAccessor(s).arima(order, seasonal_order, trend, method or "mle", **fit_kwargs)
        frame = res.get_forecast(steps).summary_frame(alpha=alpha)
        frame = pd.DataFrame(frame)
        frame.index = P.future_index(s.index, steps, freq)
        return frame


def _is_auto(order, seasonal_order, trend) -> bool:
    """``order == "auto"`` (then no seasonal_order/trend); any other string is refused."""
    if not isinstance(order, str):
        return False
    if order != "auto":
        raise ValueError(f"order={order!r}: give (p, d, q) or 'auto' (chosen by auto_arima)")
    if seasonal_order is not None or trend is not None:
        raise ValueError(
            "order='auto' chooses the seasonal orders and the trend too: leave seasonal_order and trend as None "
            "(bound the search with auto_arima's arguments instead, e.g. max_P=0, allowdrift=False)"
        )
    return True


def _unique_columns(df: pd.DataFrame, operation: str) -> None:
    """Refuse repeated column names where they name the series of a batched fit's result."""
    if not df.columns.is_unique:
        dup = df.columns[df.columns.duplicated()].unique().tolist()
        raise ValueError(f"{operation}: the column names name the series and must be unique, but {dup} "
                         f"repeat; rename them first, e.g. df.columns = [f'{{c}}_{{i}}' for i, c in "
                         f"enumerate(df.columns)]")


def _seasonal(seasonal_order):
    return (0, 0, 0, 0) if seasonal_order is None else seasonal_order


class DataFrameConvAccessor(_ConvAccessor):
    """``df.conv``: convts on every column of a DataFrame in one batched call."""

    def arima(self, order, seasonal_order=None, trend=None, method="mle", *, by=None,
              time_col=None, value_col=None, **kwargs):
        """Fit the same ARIMA model to many series with :func:`convts.fit_many`; returns its result.

        ``method`` defaults to ``"mle"``, as ``Series.conv.arima`` and ``ARIMA.fit`` (exact ML
        started from CSS: the same estimates as ``fit_many``'s default ``"css-mle"``).

        Wide data (default): one column per series, rows in time order.  Long panel: ``by`` names
        the id column, with ``time_col`` and ``value_col`` (``fit_many``'s ``id_col``,
        ``time_col``, ``value_col``).  ``kwargs`` go to ``fit_many`` (``backend``, ``n_jobs``).
        """
        from .models import fit_many

        if by is None:
            if time_col is not None or value_col is not None:
                raise ValueError("time_col/value_col describe a long panel: give by='<id column>' too")
            df, _ = self._regular("arima")
            P.frame_values(df)
            _unique_columns(df, "arima")
            return fit_many(df, order, seasonal_order=seasonal_order, trend=trend, method=method, **kwargs)
        df = self._obj
        for role, col in (("by", by), ("time_col", time_col), ("value_col", value_col)):
            if col is None:
                raise ValueError(f"a long panel needs {role}=<column name>")
            if col not in df.columns:
                raise ValueError(f"{role}={col!r} is not a column; the columns are {list(df.columns)}")
        P.series_values(df[value_col])
        return fit_many(df, order, seasonal_order=seasonal_order, trend=trend, method=method,
                               id_col=by, time_col=time_col, value_col=value_col, **kwargs)

    def auto_arima(self, m=None, **kwargs):
        """R's ``auto.arima`` on every column at once: :func:`convts.auto_arima_many` on the wide frame.

        ``m`` defaults to the index's regular freq; ``kwargs`` are ``auto_arima_many``'s
        (``d``, ``max_p``, ``n_jobs``, ...).  Returns its ``AutoArimaManyResult`` (``.table`` of
        the chosen models with a ``status`` per column, ``.result(column)``, ``.forecast``).
        """
        from .models import auto_arima_many

        df, _ = self._regular("auto_arima")
        P.frame_values(df)
        _unique_columns(df, "auto_arima")
        return auto_arima_many(df, m, **kwargs)

    def forecast(self, steps, order, seasonal_order=None, trend=None, method=None, alpha=0.05,
                 **fit_kwargs):
        """Forecast every column with its own ARIMA fit (see :meth:`SeriesConvAccessor.forecast`).

        ``order="auto"`` chooses each column's model with :func:`convts.auto_arima_many` (all
        columns in one batched search; ``fit_kwargs`` go to it); a column that cannot be
        modelled gets NaN forecasts, its reason in ``frame.attrs["status"]`` (a dict column ->
        status, ``'ok'`` for the others), and never stops the others.  The chosen models are in
        ``frame.attrs["models"]`` (column -> its row of the search's table, as a dict).  With fixed orders every column is fitted
        by ``Series.conv.forecast``.

        Returns a DataFrame indexed by the following dates, with a column MultiIndex
        ``(column, mean | mean_se | mean_ci_lower | mean_ci_upper)``.
        """
        df, freq = self._regular("forecast")
        P.frame_values(df)
        steps = check_int(steps, "steps", minimum=1)
        if not _is_auto(order, seasonal_order, trend):
            frames = [SeriesConvAccessor(df.iloc[:, i]).forecast(steps, order, seasonal_order, trend, method, alpha,
                                                                 **fit_kwargs) for i in range(df.shape[1])]
            return pd.concat(frames, axis=1, keys=list(df.columns))
        _unique_columns(df, "forecast(order='auto')")
        if method is not None:
            fit_kwargs["method"] = method
        m = fit_kwargs.pop("m", None)
        found = DataFrameConvAccessor(df).auto_arima(m, **fit_kwargs)
        long = found.forecast(steps, alpha=alpha)
        stats = ["mean", "mean_se", "mean_ci_lower", "mean_ci_upper"]
        values = long[stats].to_numpy(dtype=np.float64).reshape(len(df.columns), steps, len(stats))
        frame = pd.DataFrame(values.transpose(1, 0, 2).reshape(steps, -1),
                             index=P.future_index(df.index, steps, freq),
                             columns=pd.MultiIndex.from_product([df.columns, stats]))
        frame.attrs["status"] = dict(zip(df.columns, long["status"].to_numpy()[::steps].tolist()))
        frame.attrs["models"] = {c: found.table.loc[c].to_dict() for c in df.columns}  # plain dicts: attrs must compare
        return frame


def _register(target, register, cls) -> None:
    """Register ``cls`` as ``target.conv``; a re-import of this module (pytest's doctest
    collection) replaces our own accessor silently, any other ``conv`` still warns."""
    existing = getattr(target.__dict__.get("conv"), "_accessor", None)
    ours = existing is not None and existing.__module__ in (__name__, "convts.accessor") \
        and existing.__qualname__ == cls.__qualname__
    with warnings.catch_warnings():
        if ours:
            warnings.simplefilter("ignore", UserWarning)
        register("conv")(cls)


_register(pd.Series, pd.api.extensions.register_series_accessor, SeriesConvAccessor)
_register(pd.DataFrame, pd.api.extensions.register_dataframe_accessor, DataFrameConvAccessor)
