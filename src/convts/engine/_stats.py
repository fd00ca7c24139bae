"""Sample autocovariance, ACF, PACF and CCF (numbers equal statsmodels' where both define them)."""

from __future__ import annotations

import numpy as np
from scipy import fft as sfft

from .._validation import as_float_array, check_int, check_nan_policy, raise_if_nonfinite
from ..kernels._levinson import levinson_durbin
from ._ar import _yw_autocovariances, burg

__all__ = ["acovf", "acf", "pacf", "ccf", "ccovf"]


def _norm_ppf(q: float) -> float:
    """Standard normal quantile (scipy.special.ndtri; scipy.stats costs 0.25 s of import time)."""
    from scipy.special import ndtri

    return float(ndtri(q))


def _default_nlags(n: int) -> int:
    return min(int(10 * np.log10(n)), n - 1)


def _prepare(x, nan_policy):
    arr = as_float_array(x, "x", ndim=(1,)).astype(np.float64, copy=False)
    check_nan_policy(nan_policy)
    finite = np.isfinite(arr)
    if not finite.all():
        if nan_policy == "raise":
            raise_if_nonfinite(arr, "x")
        if nan_policy == "propagate":
            return arr, None
        if np.isinf(arr).any():
            raise ValueError("x contains inf; nan_policy='omit' skips NaN only: replace inf by NaN first")
        if not finite.any():
            raise ValueError("x has no finite values")
        return arr, finite
    return arr, None


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
        return np.array([xo[: n - k] @ xo[k:] for k in range(nlags + 1)])
    nfft = sfft.next_fast_len(n + nlags + 1, real=True)
    f = sfft.rfft(xo, nfft)
    return sfft.irfft(f * np.conj(f), nfft)[: nlags + 1]


def acovf(x, nlags=None, *, adjusted=False, demean=True, nan_policy="propagate"):
    """Sample autocovariance at lags ``0..nlags`` (as ``statsmodels.tsa.stattools.acovf``).

    ``nan_policy='omit'`` is statsmodels' ``missing='conservative'``: NaN become 0 after
    demeaning with the mean of the observed values, and divisors count observed pairs
    (``adjusted``) or observed values.
    """
    arr, mask = _prepare(x, nan_policy)
    n = arr.size
    nlags = n - 1 if nlags is None else check_int(nlags, "nlags", minimum=0, maximum=n - 1)
    if mask is None:
        xo = arr - arr.mean() if demean else arr
        prod = _lag_products(xo, nlags)
        d = (n - np.arange(nlags + 1)) if adjusted else n
        return prod / d
    m = mask.astype(np.float64)
    xo = np.where(mask, arr - (arr[mask].mean() if demean else 0.0), 0.0)
    prod = _lag_products(xo, nlags)
    if adjusted:
        d = _lag_products(m, nlags)
        d[d == 0] = 1
    else:
        d = m.sum()
    return prod / d


def acf(x, nlags=None, *, adjusted=False, alpha=None, nan_policy="propagate"):
    """Sample autocorrelation at lags ``0..nlags``, equal to ``statsmodels.tsa.stattools.acf``.

    Parameters
    ----------
    nlags : int, optional
        Default ``min(10 log10(n), n - 1)`` as statsmodels.
    alpha : float, optional
        Also return Bartlett confidence intervals, shape ``(nlags + 1, 2)``.

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
    avf = acovf(arr, nlags, adjusted=adjusted, nan_policy=nan_policy)
    if avf[0] == 0:
        raise ValueError("x is constant: its autocorrelation is undefined")
    r = avf / avf[0]
    if alpha is None:
        return r
    nobs = n if nan_policy != "omit" else int(np.isfinite(arr).sum())
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


def pacf(x, nlags=None, method="ywadjusted", *, alpha=None):
    """Sample partial autocorrelation, equal to ``statsmodels.tsa.stattools.pacf`` for every method.

    Methods: ``yw``/``ywadjusted`` (Yule-Walker, divisor n-k), ``ywm``/``ywmle`` (divisor n),
    ``ld``/``ldb`` (Levinson-Durbin on adjusted/biased autocovariances), ``burg``, ``ols``,
    ``ols-inefficient``, ``ols-adjusted``.

    Examples
    --------
    >>> import convts
    >>> convts.pacf(np.array([1.0, 3.0, 2.0, 4.0, 3.0, 5.0, 4.0]), 2, method="ywm").round(6).tolist()
    [1.0, 0.06391, 0.362056]
    """
    arr = as_float_array(x, "x", ndim=(1,)).astype(np.float64, copy=False)
    if not np.all(np.isfinite(arr)):
        raise ValueError("x contains NaN/inf; pacf needs complete data")
    n = arr.size
    if method not in _PACF_METHODS:
        raise ValueError(f"method={method!r}: use one of {sorted(_PACF_METHODS)}")
    kind = _PACF_METHODS[method]
    if nlags is None:
        nlags = min(int(10 * np.log10(n)), n // 2 - 1)
    nlags = max(check_int(nlags, "nlags", minimum=1), 1)
    if nlags > n // 2:
        raise ValueError(f"nlags={nlags}: partial autocorrelations need nlags <= n // 2 = {n // 2}")
    if kind in ("yw", "ywm"):
        # the Yule-Walker system of order k for k = 1..nlags, as statsmodels (one yule_walker per
        # order), but with the autocovariances computed once: they do not depend on the order
        from scipy.linalg import solve_toeplitz

        r = _yw_autocovariances(arr, nlags, "adjusted" if kind == "yw" else "mle")
        out = np.r_[1.0, [solve_toeplitz(r[:k], r[1 : k + 1])[-1] for k in range(1, nlags + 1)]]
    elif kind in ("ld", "ldb"):
        out = levinson_durbin(acovf(arr, nlags, adjusted=(kind == "ld")), nlags).pacf
    elif kind == "burg":
        out = burg(arr, nlags).pacf
    else:
        out = _pacf_ols(arr, nlags, efficient=(method != "ols-inefficient"), adjusted=(method == "ols-adjusted"))
    if alpha is None:
        return out
    half = _norm_ppf(1.0 - alpha / 2.0) / np.sqrt(n)
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


def ccovf(x, y, nlags=None, *, adjusted=True, demean=True):
    """Cross-covariance ``c[k] = mean_t (x[t+k] - xbar)(y[t] - ybar)`` for ``k = 0..nlags``
    (``statsmodels.tsa.stattools.ccovf``; ``adjusted`` divides by the number of pairs)."""
    xa = as_float_array(x, "x", ndim=(1,)).astype(np.float64, copy=False)
    ya = as_float_array(y, "y", ndim=(1,)).astype(np.float64, copy=False)
    if xa.size != ya.size:
        raise ValueError(f"x and y must have the same length, got {xa.size} and {ya.size}")
    n = xa.size
    nlags = n - 1 if nlags is None else check_int(nlags, "nlags", minimum=0, maximum=n - 1)
    xo = xa - xa.mean() if demean else xa
    yo = ya - ya.mean() if demean else ya
    if nlags < 64:
        c = np.array([xo[k:] @ yo[: n - k] for k in range(nlags + 1)])
    else:
        nfft = sfft.next_fast_len(2 * n, real=True)
        c = sfft.irfft(sfft.rfft(xo, nfft) * np.conj(sfft.rfft(yo, nfft)), nfft)[: nlags + 1]
    return c / ((n - np.arange(nlags + 1)) if adjusted else n)


def ccf(x, y, nlags=None, *, two_sided=True, adjusted=True, alpha=None):
    """Cross-correlation ``corr(x[t+k], y[t])``, two-sided by default.

    Parameters
    ----------
    nlags : int, optional
        Largest lag (default ``min(10 log10(n), n - 1)``).
    two_sided : bool
        Return lags ``-nlags..nlags`` (default) or ``0..nlags``.  Non-negative lags equal
        ``statsmodels.tsa.stattools.ccf(x, y)``; lag ``-k`` equals ``ccf(y, x)`` at ``k``.
        A peak at positive ``k`` means ``x`` follows ``y`` by ``k`` steps.
    adjusted : bool
        Divide lag-k sums by ``n - k`` (statsmodels' default) instead of ``n``.
    alpha : float, optional
        Also return the ``+-z / sqrt(n)`` band around each value (Bartlett's white-noise band).

    Returns
    -------
    ccf : ndarray
        Values at lags ``-nlags..nlags`` (``0..nlags`` when one-sided).
    confint : ndarray, optional
        Shape ``(len(ccf), 2)`` when ``alpha`` is given.

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
    for name, arr in (("x", xa), ("y", ya)):
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"{name} contains NaN/inf; ccf needs complete data")
    nlags = _default_nlags(n) if nlags is None else check_int(nlags, "nlags", minimum=0, maximum=n - 1)
    scale = np.std(xa) * np.std(ya)
    if scale == 0:
        raise ValueError("x or y is constant: the cross-correlation is undefined")
    pos = ccovf(xa, ya, nlags, adjusted=adjusted) / scale
    if two_sided:
        neg = ccovf(ya, xa, nlags, adjusted=adjusted) / scale
        out = np.r_[neg[:0:-1], pos]
    else:
        out = pos
    if alpha is None:
        return out
    half = _norm_ppf(1.0 - alpha / 2.0) / np.sqrt(n)
    return out, np.column_stack([out - half, out + half])
