"""Sample autocovariance, ACF, PACF and CCF (numbers equal statsmodels' where both define them)."""

from __future__ import annotations

import math
import warnings

import numpy as np
from scipy import fft as sfft

from .._validation import (
    as_float_array, check_int, check_nan_policy, check_no_overflow, is_constant, raise_if_nonfinite,
)
from ..kernels._levinson import levinson_durbin
from ._ar import _yw_autocovariances, burg
from .._warnings import UndefinedStatisticWarning  # defined once for the package; re-exported here

__all__ = ["acovf", "acf", "pacf", "ccf", "ccovf", "UndefinedStatisticWarning"]




def _norm_ppf(q: float) -> float:
    """Standard normal quantile (scipy.special.ndtri; scipy.stats costs 0.25 s of import time)."""
    from scipy.special import ndtri

    return float(ndtri(q))


def _default_nlags(n: int) -> int:
    return min(int(10 * np.log10(n)), n - 1)


# Below this magnitude, squares and their sums reach float64's subnormal range (~1e-308) and lose
# digits (a series at 1e-200 looked constant, one at 1e-160 had ACF errors of 3e-4).
_TINY = 2.0 ** -400


def _rescaled(arr, obs):
    """``arr`` times the power of two that brings the largest ``|obs|`` to [0.5, 1), when tiny.

    Exact (a power of two only moves the exponent), so scale-free statistics (correlations) of a
    series at 1e-200 equal those of the same series at 1."""
    big = float(np.abs(obs).max()) if obs.size else 0.0
    if 0.0 < big < _TINY:
        return np.ldexp(arr, -int(np.frexp(big)[1]))
    return arr


def _prepare(x, nan_policy, name="x", what="this statistic", scale_free=False):
    """Clean ``x`` for the statistics functions under ``nan_policy``.

    Returns ``(arr, mask, propagate)``: ``mask`` (observed values) when ``nan_policy='omit'`` and
    ``x`` holds NaN, else None; ``propagate`` is True when ``x`` holds NaN/inf under
    ``nan_policy='propagate'`` (the caller returns NaN, after a warning).  ``scale_free``: the
    caller computes a correlation, so a tiny series is rescaled exactly (:func:`_rescaled`).
    """
    arr = as_float_array(x, name, ndim=(1,)).astype(np.float64, copy=False)
    check_nan_policy(nan_policy)
    finite = np.isfinite(arr)
    if finite.all():
        return (_rescaled(arr, arr) if scale_free else arr), None, False
    if nan_policy == "raise":
        raise_if_nonfinite(arr, name)
    if nan_policy == "propagate":
        bad = np.flatnonzero(~finite)
        warnings.warn(
            f"{name} contains {bad.size} NaN/inf value(s) (first at index {int(bad[0])}), so {what} is NaN "
            f"(nan_policy='propagate'); pass nan_policy='omit' to skip missing values or 'raise' to refuse them",
            UndefinedStatisticWarning, stacklevel=3,
        )
        return arr, None, True
    if np.isinf(arr).any():
        raise ValueError(f"{name} contains inf; nan_policy='omit' skips NaN only: replace inf by NaN first")
    if not finite.any():
        raise ValueError(f"{name} has no finite values")
    return (_rescaled(arr, arr[finite]) if scale_free else arr), finite, False


def _warn_constant(name: str, what: str) -> None:
    warnings.warn(
        f"{name} is constant (its variance is zero up to rounding), so {what} is undefined and returned as NaN; "
        f"check the series, or drop it",
        UndefinedStatisticWarning, stacklevel=3,
    )


def _constant(arr, mask, name="x") -> bool:
    """Is the (observed part of) ``arr`` constant up to rounding (scikit-learn's rule)?

    Raises ``ValueError`` (naming ``name``, saying to rescale) when its variance overflows.
    """
    obs = arr if mask is None else arr[mask]
    with np.errstate(over="ignore", invalid="ignore"):
        mean = float(obs.mean())
        dev = obs - mean
        var = float(dev @ dev) / obs.size
    if not (math.isfinite(mean) and math.isfinite(var)):
        check_no_overflow(np.array([mean, var]), obs, name)
    return bool(is_constant(var, mean, obs.size))


def _lag_products(xo, nlags):
    """sum_t xo[t] xo[t+k] for k = 0..nlags.

    Blocked dot products over lags (numba ``lag_dots``) up to ``_choose.ACF_DOT_MAX_LAGS``
    lags, one FFT above (measured crossover, see docs/engine_performance.md); without numba,
    numpy dot products for few lags.
    """
    from ..backends import available, get_backend
    from . import _choose

    n = xo.size
    if nlags <= _choose.ACF_DOT_MAX_LAGS and n >= 256 and available("numba"):
        return get_backend("numba").lag_dots(xo, nlags)
    if nlags < 32 or nlags * 4 < np.log2(n) * 8:
        if n * (nlags + 1) <= 4096:  # one C call (its dot products) instead of a Python loop
            return np.correlate(xo, xo, "full")[n - 1 : n + nlags].copy()
        return np.array([xo[: n - k] @ xo[k:] for k in range(nlags + 1)])
    nfft = sfft.next_fast_len(n + nlags + 1, real=True)
    f = sfft.rfft(xo, nfft)
    return sfft.irfft(f * np.conj(f), nfft)[: nlags + 1]


def acovf(x, nlags=None, *, adjusted=False, demean=True, nan_policy="propagate"):
    """Sample autocovariance at lags ``0..nlags`` (as ``statsmodels.tsa.stattools.acovf``).

    Parameters
    ----------
    nan_policy : {'propagate', 'raise', 'omit'}, default 'propagate'
        As :func:`acf`; ``'omit'`` equals statsmodels' ``missing='conservative'``.

    Notes
    -----
    A constant series has autocovariance 0 (the values returned are its rounding, of order
    ``(n eps mean)**2``).  A series whose sum of squares overflows float64 raises ``ValueError``.
    """
    arr, mask, propagate = _prepare(x, nan_policy, what="the autocovariance")
    n = arr.size
    nlags = n - 1 if nlags is None else check_int(nlags, "nlags", minimum=0, maximum=n - 1)
    if propagate:
        return np.full(nlags + 1, np.nan)
    return _acovf_clean(arr, mask, nlags, adjusted, demean)


def _acovf_clean(arr, mask, nlags, adjusted, demean):
    """:func:`acovf` of a series ``_prepare`` has cleaned (``mask``: observed values, or None)."""
    n = arr.size
    with np.errstate(over="ignore", invalid="ignore"):
        if mask is None:
            xo = arr - arr.mean() if demean else arr
            prod = _lag_products(xo, nlags)
            d = (n - np.arange(nlags + 1)) if adjusted else n
        else:
            m = mask.astype(np.float64)
            xo = np.where(mask, arr - (arr[mask].mean() if demean else 0.0), 0.0)
            prod = _lag_products(xo, nlags)
            if adjusted:
                # counts of observed pairs are integers; the FFT path gives them with rounding
                # noise (1e-13 where there is no pair), so round before testing for zero
                d = np.rint(_lag_products(m, nlags))
                d[d == 0] = 1
            else:
                d = m.sum()
    check_no_overflow(prod, arr if mask is None else arr[mask], "x", "its autocovariance")
    return prod / d


def acf(x, nlags=None, *, adjusted=False, alpha=None, nan_policy="propagate"):
    """Sample autocorrelation at lags ``0..nlags``, equal to ``statsmodels.tsa.stattools.acf``.

    Parameters
    ----------
    nlags : int, optional
        Default ``min(10 log10(n), n - 1)`` as statsmodels.
    alpha : float, optional
        Also return Bartlett confidence intervals, shape ``(nlags + 1, 2)``.
    nan_policy : {'propagate', 'raise', 'omit'}, default 'propagate'
        The same for :func:`acovf`, :func:`acf`, :func:`pacf` and :func:`ccf` (and as in
        :func:`convts.convolve`).  ``'propagate'``: NaN/inf in ``x`` give a NaN result, with an
        :class:`UndefinedStatisticWarning` (statsmodels' ``missing='none'``).  ``'raise'``:
        ``ValueError`` naming how many values are missing and where the first is
        (``missing='raise'``).  ``'omit'``: statsmodels' ``missing='conservative'``: ``x`` is
        demeaned by the mean of its observed values, missing values count as 0 in the lagged sums,
        and divisors count the observed values (observed pairs when ``adjusted``).

    Notes
    -----
    A series that is constant up to rounding (variance ``<= n eps var + (n eps mean)**2``,
    scikit-learn's rule for constant features) has no autocorrelation: the result is NaN at
    every lag, with an :class:`UndefinedStatisticWarning` (statsmodels also returns NaN for an
    exactly constant series; for ``np.full(50, 0.1)`` it returns the rounding ratio
    ``[1, 1, ...]``).  A series whose sum of squares overflows float64 (a value of 1e300)
    raises ``ValueError`` saying to rescale.  A tiny series (largest magnitude below ``2**-400``)
    is rescaled by an exact power of two first, as in :func:`pacf` and :func:`ccf`: correlations do
    not depend on scale, and its squares would otherwise fall into float64's subnormal range.

    Examples
    --------
    >>> import convts
    >>> convts.acf(np.array([1.0, 3.0, 2.0, 4.0, 3.0]), 2).round(6).tolist()
    [1.0, -0.223077, 0.246154]
    """
    arr = as_float_array(x, "x", ndim=(1,))
    n = arr.size
    if n < 2:
        raise ValueError(f"acf needs at least 2 observations, got {n}")
    nlags = _default_nlags(n) if nlags is None else check_int(nlags, "nlags", minimum=0, maximum=n - 1)
    arr, mask, propagate = _prepare(arr, nan_policy, what="the autocorrelation", scale_free=True)
    undefined = propagate
    if not undefined and _constant(arr, mask):
        _warn_constant("x", "the autocorrelation")
        undefined = True
    if undefined:
        r = np.full(nlags + 1, np.nan)
    else:
        avf = _acovf_clean(arr, mask, nlags, adjusted, True)  # arr is clean: no second _prepare
        r = avf / avf[0]
    if alpha is None:
        return r
    nobs = n if mask is None else int(mask.sum())
    var = np.ones_like(r) / nobs
    var[0] = 0
    if r.size > 2:
        var[2:] *= 1 + 2 * np.cumsum(r[1:-1] ** 2)
    half = _norm_ppf(1 - alpha / 2.0) * np.sqrt(var)
    return r, np.column_stack([r - half, r + half])


_PACF_METHODS = {
    "yw": "yw", "ywa": "yw", "ywadjusted": "yw", "yw_adjusted": "yw",
    "ywm": "ywm", "ywmle": "ywm", "yw_mle": "ywm",
    "ld": "ld", "lda": "ld", "ldadjusted": "ld", "ld_adjusted": "ld",
    "ldb": "ldb", "ldbiased": "ldb", "ld_biased": "ldb",
    "burg": "burg", "ols": "ols", "ols-inefficient": "ols-inefficient", "ols-adjusted": "ols-adjusted",
}


def pacf(x, nlags=None, method="ywadjusted", *, alpha=None, nan_policy="propagate"):
    """Sample partial autocorrelation, equal to ``statsmodels.tsa.stattools.pacf`` for every method.

    Methods: ``yw``/``ywadjusted`` (Yule-Walker, divisor n-k), ``ywm``/``ywmle`` (divisor n),
    ``ld``/``ldb`` (Levinson-Durbin on adjusted/biased autocovariances), ``burg``, ``ols``,
    ``ols-inefficient``, ``ols-adjusted``.

    Parameters
    ----------
    nan_policy : {'propagate', 'raise', 'omit'}, default 'propagate'
        As :func:`acf`.  ``'omit'`` uses the autocovariances of :func:`acovf` with
        ``nan_policy='omit'`` (statsmodels' ``missing='conservative'``), so it is available for the
        autocovariance methods (``yw*``, ``ld*``); ``burg`` and ``ols*`` need complete data and raise.

    Notes
    -----
    A series constant up to rounding gives NaN at every lag with an
    :class:`UndefinedStatisticWarning`, as :func:`acf` (statsmodels solves a singular system
    with a pseudo-inverse).  A singular Yule-Walker system (a deterministic, e.g. perfectly
    periodic, series) and an overflowing sum of squares raise ``ValueError`` saying what to do.

    Examples
    --------
    >>> import convts
    >>> convts.pacf(np.array([1.0, 3.0, 2.0, 4.0, 3.0, 5.0, 4.0]), 2, method="ywm").round(6).tolist()
    [1.0, 0.06391, 0.362056]
    """
    arr = as_float_array(x, "x", ndim=(1,)).astype(np.float64, copy=False)
    n = arr.size
    if method not in _PACF_METHODS:
        raise ValueError(f"method={method!r}: use one of {sorted(_PACF_METHODS)}")
    kind = _PACF_METHODS[method]
    if nlags is None:
        nlags = min(int(10 * np.log10(n)), n // 2 - 1)
    nlags = max(check_int(nlags, "nlags", minimum=1), 1)
    if nlags > n // 2:
        raise ValueError(f"nlags={nlags}: partial autocorrelations need nlags <= n // 2 = {n // 2}")
    check_nan_policy(nan_policy)
    if nan_policy == "omit" and kind in ("burg", "ols") and not np.all(np.isfinite(arr)):
        raise ValueError(
            f"x contains NaN and method={method!r} needs complete data; with nan_policy='omit' use an "
            f"autocovariance method ('yw', 'ywm', 'ld', 'ldb'), or fill the gaps first"
        )
    arr, mask, undefined = _prepare(arr, nan_policy, what="the partial autocorrelation", scale_free=True)
    if not undefined and _constant(arr, mask):
        _warn_constant("x", "the partial autocorrelation")
        undefined = True
    if undefined:
        out = np.full(nlags + 1, np.nan)
    elif kind in ("yw", "ywm"):
        # the Yule-Walker system of order k for k = 1..nlags, as statsmodels (one yule_walker per
        # order), but with the autocovariances computed once: they do not depend on the order
        from scipy.linalg import solve_toeplitz

        if mask is None:
            r = _yw_autocovariances(arr, nlags, "adjusted" if kind == "yw" else "mle")
        else:
            r = acovf(arr, nlags, adjusted=(kind == "yw"), nan_policy="omit")
        check_no_overflow(r, arr[np.isfinite(arr)], "x", "its autocovariance")
        try:
            out = np.r_[1.0, [solve_toeplitz(r[:k], r[1 : k + 1])[-1] for k in range(1, nlags + 1)]]
        except np.linalg.LinAlgError:
            raise ValueError(
                f"the Yule-Walker equations of x are singular up to order {nlags}: x is (close to) a "
                f"deterministic sequence, e.g. perfectly periodic; use method='burg' or a smaller nlags"
            ) from None
    elif kind in ("ld", "ldb"):
        r = acovf(arr, nlags, adjusted=(kind == "ld"), nan_policy="omit" if mask is not None else "raise")
        out = levinson_durbin(r, nlags).pacf
    elif kind == "burg":
        check_no_overflow(arr @ arr, arr, "x", "its sum of squares")
        out = burg(arr, nlags).pacf
    else:
        check_no_overflow(arr @ arr, arr, "x", "its sum of squares")
        out = _pacf_ols(arr, nlags, efficient=(method != "ols-inefficient"), adjusted=(method == "ols-adjusted"))
    if alpha is None:
        return out
    nobs = n if mask is None else int(mask.sum())
    half = _norm_ppf(1.0 - alpha / 2.0) / np.sqrt(nobs)
    ci = np.column_stack([out - half, out + half])
    ci[0] = out[0]
    return out, ci


def _pacf_ols(x, nlags, efficient, adjusted):
    n = x.size
    out = np.empty(nlags + 1)
    out[0] = 1.0
    if efficient:
        lags = np.column_stack([np.ones(n)] + [np.r_[np.zeros(k), x[: n - k]] for k in range(1, nlags + 1)])
        for k in range(1, nlags + 1):
            params = np.linalg.lstsq(lags[k:, : k + 1], x[k:], rcond=None)[0]
            out[k] = params[-1]
    else:
        xd = x - x.mean()
        lags = np.column_stack([xd[nlags - k : n - k] for k in range(1, nlags + 1)])
        y = xd[nlags:]
        for k in range(1, nlags + 1):
            out[k] = np.linalg.lstsq(lags[:, :k], y, rcond=None)[0][-1]
    if adjusted:
        out *= n / (n - np.arange(nlags + 1))
    return out


def _cross_products(xo, yo, nlags):
    """sum_t xo[t+k] yo[t] for k = 0..nlags (dot products for few lags, one FFT above)."""
    n = xo.size
    if nlags < 64:
        return np.array([xo[k:] @ yo[: n - k] for k in range(nlags + 1)])
    nfft = sfft.next_fast_len(2 * n, real=True)
    return sfft.irfft(sfft.rfft(xo, nfft) * np.conj(sfft.rfft(yo, nfft)), nfft)[: nlags + 1]


def _ccovf_clean(xa, ya, nlags, adjusted, demean, mx=None, my=None):
    """Cross-covariance of clean arrays; ``mx``/``my`` mark observed values (``nan_policy='omit'``)."""
    n = xa.size
    if mx is None and my is None:
        xo = xa - xa.mean() if demean else xa
        yo = ya - ya.mean() if demean else ya
        return _cross_products(xo, yo, nlags) / ((n - np.arange(nlags + 1)) if adjusted else n)
    mx = np.isfinite(xa) if mx is None else mx
    my = np.isfinite(ya) if my is None else my
    xo = np.where(mx, xa - (xa[mx].mean() if demean else 0.0), 0.0)
    yo = np.where(my, ya - (ya[my].mean() if demean else 0.0), 0.0)
    prod = _cross_products(xo, yo, nlags)
    if adjusted:  # observed pairs (x[t+k], y[t]) at each lag
        d = np.rint(_cross_products(mx.astype(np.float64), my.astype(np.float64), nlags))
        d[d == 0] = 1
    else:  # observed pairs at lag 0
        d = max(int(np.sum(mx & my)), 1)
    return prod / d


def ccovf(x, y, nlags=None, *, adjusted=True, demean=True, nan_policy="propagate"):
    """Cross-covariance ``c[k] = mean_t (x[t+k] - xbar)(y[t] - ybar)`` for ``k = 0..nlags``
    (``statsmodels.tsa.stattools.ccovf``; ``adjusted`` divides by the number of pairs).

    ``nan_policy`` as :func:`ccf`."""
    xa, mx, px = _prepare(x, nan_policy, "x", "the cross-covariance")
    ya, my, py = _prepare(y, nan_policy, "y", "the cross-covariance")
    if xa.size != ya.size:
        raise ValueError(f"x and y must have the same length, got {xa.size} and {ya.size}")
    n = xa.size
    nlags = n - 1 if nlags is None else check_int(nlags, "nlags", minimum=0, maximum=n - 1)
    if px or py:
        return np.full(nlags + 1, np.nan)
    with np.errstate(over="ignore", invalid="ignore"):
        c = _ccovf_clean(xa, ya, nlags, adjusted, demean, mx, my)
    check_no_overflow(c, np.r_[xa, ya], "x or y", "their cross-covariance")
    return c


def ccf(x, y, nlags=None, *, two_sided=True, adjusted=True, alpha=None, nan_policy="propagate"):
    """Cross-correlation ``corr(x[t+k], y[t])``, two-sided by default.

    Lag convention (one for the whole library, R's and statsmodels'): the value at lag ``k``
    estimates ``corr(x[t+k], y[t])``, as R's ``ccf(x, y)``.  If ``y`` is ``x`` delayed by ``d``
    steps (``y[t] = x[t-d]``, x leads), the peak is at ``k = -d``; a peak at positive ``k`` means
    ``x`` follows ``y`` by ``k`` steps.  :func:`convts.prewhitened_ccf` uses the same convention.

    Parameters
    ----------
    nlags : int, optional
        Largest lag (default ``min(10 log10(n), n - 1)``).
    two_sided : bool
        Return lags ``-nlags..nlags`` (default) or ``0..nlags``.  Non-negative lags equal
        ``statsmodels.tsa.stattools.ccf(x, y)``; lag ``-k`` equals ``ccf(y, x)`` at ``k``.
    adjusted : bool
        Divide lag-k sums by ``n - k`` (statsmodels' default) instead of ``n``.
    alpha : float, optional
        Also return the ``+-z / sqrt(n)`` band around each value (Bartlett's white-noise band).
    nan_policy : {'propagate', 'raise', 'omit'}, default 'propagate'
        As :func:`acf`.  ``'omit'``: each series is demeaned by the mean of its observed values
        and scaled by their standard deviation, missing values count as 0 in the lagged sums,
        and the divisor is the number of observed pairs at that lag (``adjusted``) or at lag 0.

    Returns
    -------
    ccf : ndarray
        Values at lags ``-nlags..nlags`` (``0..nlags`` when one-sided).
    confint : ndarray, optional
        Shape ``(len(ccf), 2)`` when ``alpha`` is given.

    Notes
    -----
    If ``x`` or ``y`` is constant up to rounding the correlation is undefined: NaN with an
    :class:`UndefinedStatisticWarning` (statsmodels also returns NaN), as :func:`acf`.

    Examples
    --------
    >>> import convts
    >>> x = np.array([0.0, 1.0, 0.0, 0.0, 2.0, 0.0, 1.0])
    >>> convts.ccf(x, x, 1).round(4).tolist()
    [-0.641, 1.0, -0.641]
    """
    xa = as_float_array(x, "x", ndim=(1,))
    ya = as_float_array(y, "y", ndim=(1,))
    n = xa.size
    if ya.size != n:
        raise ValueError(f"x and y must have the same length, got {n} and {ya.size}")
    if n < 2:
        raise ValueError("ccf needs at least 2 observations")
    nlags = _default_nlags(n) if nlags is None else check_int(nlags, "nlags", minimum=0, maximum=n - 1)
    xa, mx, px = _prepare(xa, nan_policy, "x", "the cross-correlation", scale_free=True)
    ya, my, py = _prepare(ya, nan_policy, "y", "the cross-correlation", scale_free=True)
    size = 2 * nlags + 1 if two_sided else nlags + 1
    undefined = px or py
    if not undefined:
        for name, arr, mask in (("x", xa, mx), ("y", ya, my)):
            if _constant(arr, mask, name):
                _warn_constant(name, "the cross-correlation")
                undefined = True
                break
    if undefined:
        out = np.full(size, np.nan)
    else:
        sx = np.std(xa if mx is None else xa[mx])
        sy = np.std(ya if my is None else ya[my])
        with np.errstate(over="ignore", invalid="ignore"):
            pos = _ccovf_clean(xa, ya, nlags, adjusted, True, mx, my) / sx / sy
            neg = _ccovf_clean(ya, xa, nlags, adjusted, True, my, mx) / sx / sy if two_sided else None
        check_no_overflow(pos if neg is None else np.r_[neg, pos], np.r_[xa, ya], "x or y", "their cross-covariance")
        out = np.r_[neg[:0:-1], pos] if two_sided else pos
    if alpha is None:
        return out
    nobs = n if (mx is None and my is None) else int(np.sum((np.isfinite(xa)) & np.isfinite(ya)))
    half = _norm_ppf(1.0 - alpha / 2.0) / np.sqrt(nobs)
    return out, np.column_stack([out - half, out + half])
