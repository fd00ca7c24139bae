"""Box-Cox transformation, its inverse with R's bias adjustment, and the automatic lambda.

The definitions are those of R's forecast package (``BoxCox``, ``InvBoxCox``,
``BoxCox.lambda``), so a model fitted on the transformed scale back-transforms as in R.
"""

from __future__ import annotations

import numbers
import warnings

import numpy as np

__all__ = ["boxcox", "inv_boxcox", "boxcox_lambda"]

# R's optimize() default tolerance, .Machine$double.eps^0.25; scipy's bounded Brent method is the
# same algorithm (Brent's fmin, golden start at a + 0.381966 (b - a), tol1 = sqrt(eps)|x| + tol / 3).
_R_OPTIMIZE_TOL = np.finfo(np.float64).eps ** 0.25


def _check_lambda(lambda_, name: str = "lambda_") -> float:
    if isinstance(lambda_, bool) or not isinstance(lambda_, numbers.Real) or not np.isfinite(lambda_):
        raise ValueError(f"{name}={lambda_!r}: give a finite real number (0 is the logarithm)")
    return float(lambda_)


def _values(x, name):
    """(float64 values, a function putting an array back into x's pandas wrapper)."""
    import pandas as pd

    from .._validation import as_float_array

    if isinstance(x, pd.Series):
        return as_float_array(x, name, ndim=None, allow_empty=True).astype(np.float64, copy=False), \
            lambda v: pd.Series(v, index=x.index, name=x.name)
    if isinstance(x, pd.DataFrame):
        return as_float_array(x, name, ndim=None, allow_empty=True).astype(np.float64, copy=False), \
            lambda v: pd.DataFrame(v, index=x.index, columns=x.columns)
    arr = as_float_array(x, name, ndim=None, allow_empty=True)
    if arr.ndim == 0:
        return arr.astype(np.float64).reshape(1), lambda v: float(v[0])
    return arr.astype(np.float64, copy=False), lambda v: v


def boxcox(x, lambda_):
    """Box-Cox transform ``(x**lambda - 1) / lambda`` (``log(x)`` for ``lambda = 0``), as R's ``BoxCox``.

    Parameters
    ----------
    x : float, array_like, pandas.Series or DataFrame
        Data; NaN stays NaN.  Must be > 0 when ``lambda_ <= 0``.
    lambda_ : float
        The transformation parameter.

    Returns
    -------
    float, ndarray (float64, the shape of ``x``), Series or DataFrame (same index and name)

    Raises
    ------
    ValueError
        ``lambda_`` not a finite number, or a value ``<= 0`` in ``x`` with ``lambda_ <= 0``
        (the logarithm or a negative power of it is not defined; R returns NA there).

    Notes
    -----
    For ``x > 0`` this equals ``scipy.special.boxcox``.  For ``lambda_ > 0`` a negative ``x``
    maps to ``(sign(x) |x|**lambda - 1) / lambda`` (R's extension of Box & Cox 1964 by
    Bickel & Doksum 1981); scipy returns NaN there.

    Examples
    --------
    >>> import convts
    >>> float(convts.boxcox(4.0, 0.5))
    2.0
    >>> float(convts.inv_boxcox(2.0, 0.5))
    4.0
    """
    from scipy import special

    lam = _check_lambda(lambda_)
    v, wrap = _values(x, "x")
    if lam <= 0 and np.any(v <= 0):
        bad = float(v[v <= 0].flat[0])
        raise ValueError(
            f"x contains {bad!r} <= 0 and lambda_={lam} <= 0: the Box-Cox transform with lambda <= 0 needs "
            f"strictly positive data; shift the data (x + c) or use a lambda_ > 0"
        )
    out = np.empty_like(v)
    pos = v > 0
    out[pos] = special.boxcox(v[pos], lam)
    rest = ~pos  # zero, negative or NaN (lam > 0 here, or they would have raised)
    with np.errstate(invalid="ignore"):
        out[rest] = (np.sign(v[rest]) * np.abs(v[rest]) ** lam - 1.0) / lam if lam != 0 else np.nan
    return wrap(out)


def inv_boxcox(y, lambda_, biasadj: bool = False, fvar=None):
    """Inverse Box-Cox transform, optionally bias-adjusted for the mean, as R's ``InvBoxCox``.

    Parameters
    ----------
    y : float, array_like, pandas.Series or DataFrame
        Values on the transformed scale (forecast means, interval bounds, ...).
    lambda_ : float
        The transformation parameter.
    biasadj : bool
        Return the back-transformed mean instead of the median: with ``f = inv_boxcox(y)``,
        ``f * (1 + fvar (1 - lambda) / (2 f**(2 lambda)))``, the second-order Taylor
        approximation of ``E[inv_boxcox(Y)]`` for ``Y ~ (y, fvar)``.
    fvar : float or array_like, optional
        Variance of ``y`` on the transformed scale (the forecast variance, ``mean_se**2``);
        required with ``biasadj=True``, broadcast against ``y``.

    Returns
    -------
    float, ndarray (float64), Series or DataFrame
        NaN where the inverse is not defined (``lambda < 0`` and ``y > -1/lambda``, as R).

    Raises
    ------
    ValueError
        ``lambda_`` not finite; ``biasadj=True`` without ``fvar``; a negative or non-finite ``fvar``.

    Notes
    -----
    R: forecast's ``InvBoxCox`` (Hyndman & Athanasopoulos, *Forecasting: Principles and
    Practice*, 3rd ed., section 5.6, "Bias adjustments").  Where ``lambda * y + 1 > 0`` the
    unadjusted inverse equals ``scipy.special.inv_boxcox``.

    Examples
    --------
    >>> import convts
    >>> round(float(convts.inv_boxcox(0.0, 0.0, biasadj=True, fvar=0.2)), 12)
    1.1
    """
    from scipy import special

    lam = _check_lambda(lambda_)
    v, wrap = _values(y, "y")
    if lam == 0:
        out = np.exp(v)
    else:
        xx = lam * v + 1.0
        out = np.full_like(v, np.nan)
        pos = xx > 0
        out[pos] = special.inv_boxcox(v[pos], lam)
        neg = xx <= 0
        with np.errstate(divide="ignore", invalid="ignore"):
            out[neg] = np.sign(xx[neg]) * np.abs(xx[neg]) ** (1.0 / lam)
        if lam < 0:
            out[v > -1.0 / lam] = np.nan
    if biasadj:
        if fvar is None:
            raise ValueError("biasadj=True needs fvar, the variance of y on the transformed scale (e.g. mean_se**2)")
        fv = np.asarray(fvar, dtype=np.float64)
        if np.any(~np.isfinite(fv)) or np.any(fv < 0):
            raise ValueError("fvar must be finite and >= 0 (a variance on the transformed scale)")
        with np.errstate(divide="ignore", invalid="ignore"):
            out = out * (1.0 + 0.5 * fv * (1.0 - lam) / out ** (2.0 * lam))
        out = np.broadcast_to(out, np.broadcast_shapes(v.shape, fv.shape)).copy() if out.shape != v.shape else out
    return wrap(out)


def _guerrero_cv(lam: float, mat_mean: np.ndarray, mat_sd: np.ndarray) -> float:
    rat = mat_sd / mat_mean ** (1.0 - lam)
    ok = ~np.isnan(rat)
    return float(np.std(rat[ok], ddof=1) / np.mean(rat[ok]))


def _guerrero(x: np.ndarray, m: int, lower: float, upper: float) -> float:
    from scipy.optimize import minimize_scalar

    period = int(round(max(2, m)))
    nyr = x.size // period
    mat = x[x.size - nyr * period:].reshape(nyr, period)  # rows = R's columns (one season each)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # an all-NaN season gives NaN, dropped as in R
        mean = np.nanmean(mat, axis=1)
        sd = np.nanstd(mat, axis=1, ddof=1)
    ok = np.isfinite(mean) & np.isfinite(sd)
    if ok.sum() < 2 or not np.any(sd[ok] > 0):
        # the coefficient of variation needs two seasons with a spread: without, every lambda
        # scores NaN (0 / 0), and there is nothing to choose (R's optimize would return a point
        # of its NaN objective); no transformation, as for a series too short
        return 1.0
    res = minimize_scalar(_guerrero_cv, bounds=(lower, upper), args=(mean, sd), method="bounded",
                          options={"xatol": _R_OPTIMIZE_TOL})
    return float(res.x)


def _loglik_grid(x: np.ndarray, m: int, lower: float, upper: float) -> float:
    """R's ``bcloglik``: profile log-likelihood of a linear model with trend (and season dummies)
    on the grid ``seq(lower, upper, by = 0.05)``, its first maximiser."""
    n = x.size
    t = np.arange(1, n + 1, dtype=np.float64)
    cols = [np.ones(n), t]
    if m > 1:
        season = np.arange(n) % m
        cols += [(season == j).astype(np.float64) for j in range(1, m)]
    X = np.column_stack(cols)
    q, _ = np.linalg.qr(X)
    logx = np.log(x)
    xdot = np.exp(logx.mean())
    grid = lower + 0.05 * np.arange(int(np.floor((upper - lower) / 0.05 + 1e-10)) + 1)
    best, best_ll = grid[0], -np.inf
    for la in grid:
        if abs(la) > 0.02:
            xt = (x**la - 1.0) / la
        else:  # R's series for small lambda
            u = la * logx
            xt = logx * (1 + u / 2 * (1 + u / 3 * (1 + u / 4)))
        z = xt / xdot ** (la - 1.0)
        r = z - q @ (q.T @ z)
        with np.errstate(divide="ignore"):  # an exact fit (residuals 0) is the best there is: +inf
            ll = -n / 2 * np.log(r @ r)
        if ll > best_ll:
            best, best_ll = la, ll
    return float(best)


def boxcox_lambda(x, m: int | None = None, method: str = "guerrero", lower: float = -1.0, upper: float = 2.0) -> float:
    """Choose the Box-Cox parameter automatically, as R's ``forecast::BoxCox.lambda``.

    Parameters
    ----------
    x : array_like or pandas.Series
        The series (1-D); NaN are ignored by ``'guerrero'``.
    m : int, optional
        Seasonal period (R's ``frequency(x)``): 12 for monthly data, 4 quarterly, 1 none.
        Default: from a pandas index as :func:`convts.auto_arima` (12 monthly, 4 quarterly),
        else 1.
    method : {'guerrero', 'loglik'}
        ``'guerrero'`` (Guerrero 1993): split the last ``floor(n / p) * p`` observations into
        subseries of length ``p = max(2, m)`` and minimise the coefficient of variation of
        ``sd_i / mean_i**(1 - lambda)`` over ``[lower, upper]`` (Brent's method with R's
        ``optimize`` tolerance, ``eps**0.25``).  ``'loglik'``: maximise the profile
        log-likelihood of a linear model with a trend (and ``m - 1`` seasonal dummies when
        ``m > 1``) on R's grid ``lower, lower + 0.05, ..., upper`` (Box & Cox 1964).
    lower, upper : float
        Bounds for lambda.

    Returns
    -------
    float

    Raises
    ------
    ValueError
        ``x`` not 1-D; bounds not finite or ``lower >= upper``; unknown ``method``;
        ``'loglik'`` with data <= 0 or NaN.

    Warns
    -----
    UserWarning
        With data <= 0 the lower bound is raised to 0 (as R does).

    Notes
    -----
    As R, a series with ``len(x) <= 2 m`` returns 1 (too short to estimate); so does a constant
    series and, with ``'guerrero'``, one with fewer than two subseries that have a mean and a
    spread (every lambda scores NaN there).  All-NaN data raise ``ValueError``.  Guerrero, V. M.
    (1993), "Time-series analysis supported by power transformations", *Journal of
    Forecasting* 12, 37-48.  R: ``BoxCox.lambda(AirPassengers)`` is -0.2947156.

    Examples
    --------
    >>> import convts
    >>> air = convts.datasets.load("airline")
    >>> round(convts.boxcox_lambda(air), 4)  # monthly index: m = 12
    -0.2947
    """
    from .._validation import as_float_array, check_int

    if m is None:
        from ._unitroot import infer_period as _infer_m

        m = _infer_m(x)
    x = as_float_array(x, "x", ndim=(1,)).astype(np.float64, copy=False)
    m = check_int(m, "m", minimum=1)
    if method not in ("guerrero", "loglik"):
        raise ValueError(f"method={method!r}: use 'guerrero' or 'loglik'")
    lower, upper = _check_lambda(lower, "lower"), _check_lambda(upper, "upper")
    if lower >= upper:
        raise ValueError(f"lower={lower}, upper={upper}: give lower < upper")
    if np.any(x <= 0):
        if upper <= 0:
            raise ValueError(f"x has values <= 0 and upper={upper} <= 0: lambda must be > 0 for such data")
        if lower < 0:
            warnings.warn("x has values <= 0: lambda is searched in [0, upper] (as R's BoxCox.lambda)",
                          UserWarning, stacklevel=2)
            lower = 0.0
    if x.size <= 2 * m:
        return 1.0
    finite = x[np.isfinite(x)]
    if finite.size == 0:
        raise ValueError("x has no finite values: there is nothing to choose lambda from")
    if np.all(finite == finite[0]):
        return 1.0  # a constant: every lambda transforms it into a constant (no information)
    if method == "loglik":
        if np.any(~(x > 0)):
            raise ValueError("method='loglik' needs strictly positive data without NaN")
        return _loglik_grid(x, m, lower, upper)
    return _guerrero(x, m, lower, upper)
