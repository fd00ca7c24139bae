"""How many differences: ``ndiffs`` (KPSS) and ``nsdiffs`` (seasonal strength, OCSB), as R's forecast.

``ndiffs`` repeats the KPSS level-stationarity test (Kwiatkowski, Phillips, Schmidt & Shin 1992;
R's ``urca::ur.kpss(type="mu", use.lag=trunc(3 sqrt(n) / 13))``) on the series and its
differences and returns the least number of differences after which the test no longer rejects
at ``alpha``.  The p-value is linear interpolation in the KPSS table (10%, 5%, 2.5%, 1% critical
values 0.347, 0.463, 0.574, 0.739), clamped at its ends, exactly as forecast's ``ndiffs``.

``nsdiffs`` decides on a seasonal difference either from the seasonal strength of an STL
decomposition (``test="seas"``, Wang, Smith & Hyndman 2006: difference when
``max(0, min(1, 1 - var(R) / var(R + S))) > 0.64``) or from the Osborn-Chui-Smith-Birchenhall
test (``test="ocsb"``, Osborn et al. 1988, with forecast's lag selection by AIC over 1..3 lags
and its smoothed 5% critical values) or from the Canova-Hansen test (``test="ch"``, Canova &
Hansen 1995, as forecast's internal ``CHtest``/``SD.test`` up to version 8.2: see
:func:`ch_test`).

The STL is statsmodels' port of the same NETLIB Fortran that R's ``stl`` calls, run with R's
``stl(x, s.window=11)`` settings (``mstl``'s first window): seasonal degree 0, trend window
``nextodd(ceil(1.5 m / (1 - 1.5/11)))``, low-pass window ``nextodd(m)``, jumps ``ceil(window/10)``,
two inner and no outer (robustness) iterations.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

__all__ = ["ndiffs", "nsdiffs", "kpss_stat", "kpss_pvalue", "seasonal_strength", "ocsb_test", "ch_test",
           "is_constant"]

# KPSS level ("mu") critical values (Kwiatkowski et al. 1992, Table 1), as urca and statsmodels
_KPSS_CRIT = np.array([0.347, 0.463, 0.574, 0.739])
_KPSS_PCT = np.array([0.10, 0.05, 0.025, 0.01])


def is_constant(x) -> bool:
    """R's ``forecast::is.constant``: ``all.equal(x, rep(x[1], n))`` (mean relative difference <= 1.5e-8).

    A NaN anywhere (with a non-NaN first value) makes the series non-constant, as in R; an
    all-NaN series is constant.
    """
    x = np.asarray(x, dtype=np.float64).ravel()
    if x.size == 0:
        return True
    first = x[0]
    nan = np.isnan(x)
    if np.isnan(first):
        return bool(nan.all())
    if nan.any():
        return False
    diff = x != first
    if not diff.any():
        return True
    target = x[diff]
    xy = np.mean(np.abs(target - first))
    xn = np.mean(np.abs(target))
    if np.isfinite(xn) and xn > 1.5e-8:
        xy /= xn
    return bool(xy <= 1.5e-8)


def _kpss_lag(n: int) -> int:
    return int(math.trunc(3.0 * math.sqrt(n) / 13.0))


def kpss_stat(x, nlags: int | None = None) -> float:
    """KPSS level-stationarity statistic ``sum(S_t^2) / (n^2 s^2(l))`` with Bartlett weights.

    ``S_t`` are the partial sums of ``x - mean(x)`` and ``s^2(l)`` the Newey-West long-run
    variance with ``l = nlags`` lags (default forecast's ``trunc(3 sqrt(n) / 13)``): the statistic
    of statsmodels' ``kpss(x, regression="c", nlags=l)`` (the same as urca's ``ur.kpss``, which R's
    forecast calls; tested equal to 1e-10).  Computed here rather than through ``kpss``, whose
    p-value warnings could only be silenced with ``warnings.catch_warnings``, which is not thread
    safe: under Dask's threads they leaked.  The p-value is forecast's table interpolation
    (:func:`kpss_pvalue`).
    """
    x = np.asarray(x, dtype=np.float64).ravel()
    n = x.size
    if n < 2:
        raise ValueError(f"kpss needs at least 2 observations, got {n}")
    lags = _kpss_lag(n) if nlags is None else int(nlags)
    if not 0 <= lags < n:
        raise ValueError(f"nlags={lags} must be in [0, {n - 1}] for {n} observations")
    resid = x - x.mean()
    partial = np.cumsum(resid)
    s2 = float(resid @ resid)
    for k in range(1, lags + 1):
        s2 += 2.0 * (1.0 - k / (lags + 1.0)) * float(resid[k:] @ resid[:-k])
    with np.errstate(divide="ignore", invalid="ignore"):
        stat = float(partial @ partial) / (n * n) / (s2 / n)
    if not np.isfinite(stat):
        raise ValueError("kpss: the long-run variance estimate is not positive (constant series?)")
    return stat


def kpss_pvalue(stat: float) -> float:
    """forecast's ``urca_pval``: linear interpolation of the p-value in the KPSS table, clamped."""
    return float(np.interp(stat, _KPSS_CRIT, _KPSS_PCT))


def _clamp_alpha(alpha: float) -> float:
    if alpha < 0.01:
        warnings.warn("alpha is below 0.01, the smallest level of the table; using alpha=0.01", UserWarning, stacklevel=3)
        return 0.01
    if alpha > 0.1:
        warnings.warn("alpha is above 0.1, the largest level of the table; using alpha=0.1", UserWarning, stacklevel=3)
        return 0.1
    return float(alpha)


def _values(x) -> np.ndarray:
    import pandas as pd

    if isinstance(x, pd.DataFrame):
        if x.shape[1] != 1:
            raise ValueError(f"x is a DataFrame with {x.shape[1]} columns; pass one series")
        x = x.iloc[:, 0]
    arr = np.asarray(x, dtype=np.float64)
    if arr.ndim != 1:
        arr = arr.squeeze()
        if arr.ndim != 1:
            raise ValueError(f"x must be one series (1-D), got shape {np.shape(x)}")
    if np.isinf(arr).any():
        raise ValueError("x contains inf; replace it with NaN (missing) or a finite value")
    return arr


def ndiffs(x, alpha: float = 0.05, test: str = "kpss", max_d: int = 2) -> int:
    """Number of first differences needed for stationarity (R's ``forecast::ndiffs``).

    Parameters
    ----------
    x : array_like or pandas.Series
        The series; missing values (NaN) are dropped first, as R's ``na.omit``.
    alpha : float
        Level of the test, clamped to [0.01, 0.1] (the ends of the KPSS table) with a warning.
    test : {'kpss'}
        KPSS with a level ("mu") deterministic part and ``trunc(3 sqrt(n) / 13)`` lags.
        (R's ``"adf"`` and ``"pp"`` are not implemented.)
    max_d : int
        At most this many differences.

    Returns
    -------
    int
        The least ``d <= max_d`` at which the differenced series passes the test (KPSS's
        p-value >= ``alpha``); 0 for a constant series, and the current ``d`` as soon as a
        difference is constant.

    Examples
    --------
    >>> import convts
    >>> convts.ndiffs(convts.datasets.load("airline"))
    1
    """
    if test != "kpss":
        raise ValueError(f"test={test!r}: only 'kpss' is implemented (R's 'adf' and 'pp' are not)")
    alpha = _clamp_alpha(alpha)
    x = _values(x)
    x = x[~np.isnan(x)]
    d = 0
    if is_constant(x):
        return d

    def rejects(z) -> bool:
        try:
            return kpss_pvalue(kpss_stat(z)) < alpha
        except ValueError as exc:  # R: warn, and use the differences taken so far
            warnings.warn(f"the KPSS test failed when testing difference {d + 1} ({exc}); "
                          f"{d} differences will be used", UserWarning, stacklevel=3)
            return False

    dodiff = rejects(x)
    while dodiff and d < max_d:
        d += 1
        x = np.diff(x)
        if is_constant(x):
            return d
        dodiff = rejects(x)
    return d


# ------------------------------------------------------------------ seasonal
def _nextodd(v: float) -> int:
    v = int(round(v))
    return v + 1 if v % 2 == 0 else v


def _trim_nan(x: np.ndarray) -> np.ndarray:
    """``x`` without its leading and trailing missing values (as R's auto.arima trims before testing)."""
    seen = np.flatnonzero(~np.isnan(x))
    return x[seen[0]:seen[-1] + 1] if seen.size else x[:0]


def _fill_gaps(x: np.ndarray) -> np.ndarray:
    nan = np.isnan(x)
    if not nan.any():
        return x
    t = np.arange(x.size)
    return np.interp(t, t[~nan], x[~nan])


def seasonal_strength(x, m: int, s_window: int = 11) -> float:
    """Seasonal strength ``max(0, min(1, 1 - var(R) / var(R + S)))`` of an STL decomposition.

    forecast's ``seas.heuristic`` on ``mstl(x)`` for one period: ``stl(x, s.window=11)`` with
    R's defaults (see the module notes).  Missing values are filled by linear interpolation
    first (R's ``mstl`` uses ``na.interp``).  Needs more than two full periods (R's ``stl``).
    For an odd period the low-pass window is ``m + 2`` (R: ``m``; statsmodels' STL requires a
    window longer than the period), so the strength differs slightly from R's there.
    """
    from statsmodels.tsa.seasonal import STL

    x = _fill_gaps(_values(x))
    m = int(m)
    n = x.size
    if m < 2 or n <= 2 * m:
        raise ValueError(f"STL needs a period >= 2 and more than two periods of data; got m={m}, n={n}")
    t_window = _nextodd(math.ceil(1.5 * m / (1.0 - 1.5 / s_window)))
    l_window = _nextodd(m)
    if l_window <= m:  # odd m: R's l.window = m; statsmodels' STL requires low_pass > period
        l_window += 2
    fit = STL(x, period=m, seasonal=s_window, trend=t_window, low_pass=l_window,
              seasonal_deg=0, trend_deg=1, low_pass_deg=1, robust=False,
              seasonal_jump=math.ceil(s_window / 10), trend_jump=math.ceil(t_window / 10),
              low_pass_jump=math.ceil(l_window / 10)).fit(inner_iter=2, outer_iter=0)
    remainder = np.asarray(fit.resid)
    seasonal = np.asarray(fit.seasonal)
    var_r = np.var(remainder, ddof=1)
    var_rs = np.var(remainder + seasonal, ddof=1)
    return float(max(0.0, min(1.0, 1.0 - var_r / var_rs)))


def _ols(y: np.ndarray, X: np.ndarray):
    """No-intercept least squares: coefficients, t values, residual sum of squares, rank."""
    beta, _, rank, _ = np.linalg.lstsq(X, y, rcond=None)
    resid = y - X @ beta
    rss = float(resid @ resid)
    dof = y.size - rank
    s2 = rss / dof if dof > 0 else np.nan
    xtx_inv = np.linalg.pinv(X.T @ X)
    se = np.sqrt(s2 * np.diag(xtx_inv))
    return beta, beta / se, rss, int(rank)


def _lagmat(z: np.ndarray, t: np.ndarray, lag: int) -> np.ndarray:
    """Columns ``z[t - 1], ..., z[t - lag]`` (indices into z)."""
    return np.column_stack([z[t - k] for k in range(1, lag + 1)]) if lag else np.zeros((t.size, 0))


def _ocsb_regression(x: np.ndarray, m: int, lag: int, maxlag: int):
    """forecast's ``fitOCSB``: regress (1-L)(1-L^m) x_t on its lags, Z4_{t-1} and Z5_{t-m}.

    ``lambda(L)`` is the AR(lag) fitted to ``y = (1-L)(1-L^m) x`` by least squares, ``Z4 =
    lambda(L)(1-L^m) x``, ``Z5 = lambda(L)(1-L) x``.  Rows are times ``t >= m + 1 + maxlag``
    (the same sample for every ``lag <= maxlag``).
    """
    n = x.size
    dm = np.full(n, np.nan)
    dm[m:] = x[m:] - x[:-m]            # (1-L^m) x_t
    d1 = np.full(n, np.nan)
    d1[1:] = x[1:] - x[:-1]            # (1-L) x_t
    y = np.full(n, np.nan)
    y[m + 1:] = dm[m + 1:] - dm[m:-1]  # (1-L)(1-L^m) x_t
    t = np.arange(m + 1 + maxlag, n)
    Y = y[t]
    lags = _lagmat(y, t, lag)
    lam = np.linalg.lstsq(lags, Y, rcond=None)[0] if lag else np.zeros(0)

    def filtered(z, at):
        return z[at] - (_lagmat(z, at, lag) @ lam if lag else 0.0)

    Z4 = filtered(dm, t - 1)
    Z5 = filtered(d1, t - m)
    X = np.column_stack([lags, Z4, Z5])
    return Y, X


def ocsb_test(x, m: int, maxlag: int = 0, lag_method: str = "fixed"):
    """OCSB seasonal unit-root test as forecast's ``ocsb.test`` (same defaults: no lags, fixed).

    ``nsdiffs(test="ocsb")`` calls it with ``maxlag=3, lag_method="AIC"``, as forecast.  Returns ``(statistic, critical_value_5pct, lag_order)``; the null is a seasonal unit root,
    so ``statistic > critical`` means: difference seasonally.  The lag order is chosen as in
    forecast: fit lags 1..maxlag on a common sample, take ``argmin(AIC) - 1`` (forecast's
    indexing, kept for identical choices), then refit with that many lags.
    """
    x = _fill_gaps(_values(x))
    m = int(m)
    if m < 2:
        raise ValueError(f"the OCSB test needs seasonal data (m >= 2), got m={m}")
    if lag_method not in ("AIC", "BIC", "AICc", "fixed"):
        raise ValueError(f"lag_method={lag_method!r}: use 'AIC', 'BIC', 'AICc' or 'fixed'")
    if maxlag > 0 and lag_method != "fixed":
        ics = []
        for lag in range(1, maxlag + 1):
            Y, X = _ocsb_regression(x, m, lag, maxlag)
            _, _, rss, rank = _ols(Y, X)
            N = Y.size
            llf = 0.5 * (-N * (math.log(2 * math.pi) + 1.0 - math.log(N) + math.log(rss)))
            k = rank + 1
            ic = {"AIC": -2 * llf + 2 * k, "BIC": -2 * llf + k * math.log(N),
                  "AICc": -2 * llf + 2 * k + 2 * k * (k + 1) / (N - k - 1)}[lag_method]
            ics.append(ic)
        maxlag = int(np.argmin(ics))
    Y, X = _ocsb_regression(x, m, maxlag, maxlag)
    if Y.size <= X.shape[1]:
        raise ValueError("the OCSB regression has no degrees of freedom: the series is too short")
    _, tvals, _, _ = _ols(Y, X)
    stat = float(tvals[-1])
    if not np.isfinite(stat):
        raise ValueError("the OCSB regression did not reach a solution; use a longer series or test='seas'")
    return stat, ocsb_critical_value(m), maxlag


def ocsb_critical_value(m: int) -> float:
    """forecast's smoothed 5% critical value of the OCSB statistic for period ``m``."""
    lm = math.log(m) - 0.7656451
    return -0.2937411 * math.exp(-0.2850853 * lm - 0.05983644 * lm * lm) - 1.652202


# Canova-Hansen 5% critical values as forecast's CHtest (versions <= 8.2) tabulated them: for
# m = 2..12 (indexed by m - 1, the number of seasonal regressors), three special periods, and the
# power law 0.269 m^0.928 for every other period.
_CH_CRIT = (0.4617146, 0.7479655, 1.0007818, 1.2375350, 1.4625240, 1.6920200, 1.9043096, 2.1169602,
            2.3268562, 2.5406922, 2.7391007)
_CH_CRIT_SPECIAL = {24: 5.098624, 52: 10.341416, 365: 65.44445}


def ch_critical_value(m: int) -> float:
    """forecast's 5% critical value of the Canova-Hansen statistic for period ``m`` (``CHtest``)."""
    m = int(m)
    if m < 2:
        raise ValueError(f"m={m}: the Canova-Hansen test needs a seasonal period m >= 2")
    if m <= 12:
        return _CH_CRIT[m - 2]
    if m in _CH_CRIT_SPECIAL:
        return _CH_CRIT_SPECIAL[m]
    return 0.269 * m ** 0.928


def _ch_regressors(n: int, m: int) -> np.ndarray:
    """The ``m - 1`` trigonometric seasonal regressors at times ``t = 1..n`` (forecast's ``SeasDummy``).

    Columns ``cos(2 pi j t / m), sin(2 pi j t / m)`` for ``j = 1, 2, ...`` in that order, the
    first ``m - 1`` of them (for even ``m`` the last is ``cos(pi t)``; its sine is zero).
    """
    t = np.arange(1, n + 1, dtype=np.float64)
    cols = []
    for j in range(1, m // 2 + 1):
        angle = 2.0 * math.pi * j * t / m
        cols += [np.cos(angle), np.sin(angle)]
    return np.column_stack(cols)[:, :m - 1]


def _ch_tested(m: int) -> np.ndarray:
    """Indices of the regressors whose stability the statistic tests (forecast's ``frecob``).

    Every one for even ``m``; for odd ``m`` every one but the sine of the highest frequency
    ``(m - 1) / 2``, which forecast's selection treats like the single Nyquist regressor of an
    even period (see :func:`ch_test`).
    """
    k = m - 1
    return np.arange(k if m % 2 == 0 else k - 1)


def _ch_lags(n: int, m: int) -> int:
    """forecast's Newey-West truncation ``round(m (n / 100)^(1/4))`` (R rounds half to even, as Python)."""
    return int(round(m * (n / 100.0) ** 0.25))


def ch_test(x, m: int, nlags: int | None = None):
    """Canova-Hansen test of stable (deterministic) seasonality, as R's forecast used it in ``nsdiffs``.

    Parameters
    ----------
    x : array_like or pandas.Series
        The series, 1-D, float64-convertible, without missing values (R's ``SD.test`` stops
        on them too: fill gaps or choose ``D`` yourself).
    m : int
        Seasonal period, ``m >= 2``; needs ``len(x) > m``.
    nlags : int, optional
        Lags of the Bartlett (Newey-West) long-run covariance; default forecast's
        ``round(m (n / 100)^(1/4))``.

    Returns
    -------
    statistic : float
        The Canova-Hansen statistic ``L`` (>= 0).
    critical_value : float
        forecast's 5% critical value for ``m`` (:func:`ch_critical_value`).  The null is
        stable seasonality; ``statistic > critical_value`` means a seasonal unit root: difference.

    Raises
    ------
    ValueError
        ``m < 2`` or not an integer, ``len(x) <= m``, ``x`` with missing values or inf,
        ``nlags < 0``.

    Notes
    -----
    Canova & Hansen (1995, J. Business & Economic Statistics 13(3), 237-252, "Are seasonal
    patterns constant over time? A test for seasonal stability").  ``x`` is regressed by least
    squares on a constant and the ``m - 1`` trigonometric regressors ``z_t`` (cos and sin of
    ``2 pi j t / m``, ``t = 1..n``); with residuals ``e_t``, ``f_t = z_t e_t`` and their partial
    sums ``S_t = f_1 + ... + f_t``,

    ``L = n^-2 sum_t S_t' (A' Omega A)^-1 S_t`` (restricted to the tested regressors ``A``),
    ``Omega = n^-1 sum_{|k| <= l} (1 - |k| / (l + 1)) sum_t f_t f_{t-k}'``.

    The choices are those of forecast's internal ``SD.test``/``CHtest`` (forecast <= 8.2,
    R/arima.R and R/newarima2.R; later versions call ``uroot::ch.test`` with p-values instead):
    no lag of ``x`` among the regressors, ``l = round(m (n / 100)^(1/4))``, a 5% level only, and
    its critical values (``m <= 12`` by table, 24, 52, 365 special, else ``0.269 m^0.928``).
    Also kept for identical decisions: for odd ``m`` forecast's frequency selection leaves the
    sine at the highest seasonal frequency out of ``A`` (it stays in the regression), so the
    statistic has ``m - 2`` degrees of freedom while the critical value is the ``m - 1`` one.
    This reproduces R's numbers: ``SD.test`` of R's ``austres`` gives 0.1935046 (m=4),
    0.07956102 (m=3), 4.134289 (m=24).

    Departures: ``Omega`` is computed as the Gram matrix of moving sums of ``f_t`` over ``l + 1``
    steps (``sum_j g_j g_j' / (l + 1)``, the same matrix as the lag sum, in ``O(n m^2)`` instead
    of ``O(l n m^2)``), so any ``l`` works (R's loop fails for ``l >= n``).  R returns 0 when the
    smallest singular value of ``A' Omega A`` is below machine epsilon in absolute terms; here the
    test is relative (numpy's ``matrix_rank`` tolerance: below size times epsilon times the
    largest; e.g. ``n <= m + 2`` is singular) and an exact seasonal fit (residuals below
    ``1e-9`` of the series' variation, or at rounding level) gives 0, so the statistic does not depend on the units of
    ``x`` (R's absolute threshold makes a series in tiny units look singular).

    Examples
    --------
    >>> import convts
    >>> from convts.models._unitroot import ch_test
    >>> air = convts.datasets.load("airline")
    >>> stat, crit = ch_test(air, 12)
    >>> round(crit, 4)
    2.7391
    """
    x = _values(x)
    if isinstance(m, bool) or m is None or int(m) != m:
        raise ValueError(f"m={m!r}: give the seasonal period as an integer >= 2")
    m = int(m)
    crit = ch_critical_value(m)
    if np.isnan(x).any():
        raise ValueError("x has missing values: the Canova-Hansen test needs a complete series "
                         "(fill the gaps, or choose the seasonal differencing D yourself)")
    n = x.size
    if n <= m:
        raise ValueError(f"the Canova-Hansen test needs more than m={m} observations, got {n}")
    lags = _ch_lags(n, m) if nlags is None else nlags
    if isinstance(lags, bool) or int(lags) != lags or lags < 0:
        raise ValueError(f"nlags={nlags!r}: give a non-negative integer")
    lags = int(lags)
    Z = _ch_regressors(n, m)
    X = np.column_stack([np.ones(n), Z])
    resid = x - X @ np.linalg.lstsq(X, x, rcond=None)[0]
    # exact fit: residuals below 1e-9 of the series' variation, or at rounding level (a constant x)
    tol = 1e-9 * float(np.linalg.norm(x - x.mean())) + n * np.finfo(np.float64).eps * float(np.abs(x).max())
    if not float(np.linalg.norm(resid)) > tol:
        return 0.0, crit  # the seasonal pattern fits exactly: R's Omega is (numerically) zero, statistic 0
    F = Z * resid[:, None]
    S = np.cumsum(F, axis=0)
    # moving sums g_j = f_{j-l} + ... + f_j, j = 1..n+l (f is 0 outside 1..n), from the partial sums
    k = F.shape[1]
    C = np.concatenate([np.zeros((lags + 1, k)), S, np.repeat(S[-1:], lags, axis=0)])
    G = C[lags + 1:] - C[:n + lags]
    omega = (G.T @ G) / ((lags + 1) * n)
    tested = _ch_tested(m)
    omega = omega[np.ix_(tested, tested)]
    S = S[:, tested]
    sv = np.linalg.svd(omega, compute_uv=False)
    if not sv.min() > sv.size * np.finfo(np.float64).eps * sv.max():
        return 0.0, crit  # R: a singular long-run covariance gives statistic 0 (numpy's matrix_rank tolerance)
    stat = float(np.trace(np.linalg.solve(omega, S.T @ S))) / (n * n)
    return stat, crit


def nsdiffs(x, m: int, test: str = "seas", max_D: int = 1, alpha: float = 0.05) -> int:
    """Number of seasonal differences needed (R's ``forecast::nsdiffs``).

    Parameters
    ----------
    x : array_like or pandas.Series
        The series.
    m : int
        Seasonal period (R takes it from the series' frequency).
    test : {'seas', 'ocsb', 'ch'}
        ``'seas'``: difference when the STL seasonal strength exceeds 0.64.  ``'ocsb'``: the
        Osborn-Chui-Smith-Birchenhall test at 5%.  ``'ch'``: the Canova-Hansen test at 5%
        (:func:`ch_test`; as forecast's ``CHtest``, series shorter than ``2 m + 5`` are not
        tested and count as "no difference"; leading and trailing missing values are dropped).
        (R's ``'hegy'`` is not implemented.)
    max_D : int
        At most this many seasonal differences.
    alpha : float
        Kept for R's signature; ``'seas'`` has no level and ``'ocsb'`` and ``'ch'`` only 5%
        (R warns and uses 0.05, so does this).

    Returns
    -------
    int
        0 for a constant series or when ``m >= len(x)``; a test that fails (e.g. fewer than two
        full periods for STL, or missing values inside the series for ``'ch'``) warns and counts
        as "no difference", as in R's ``nsdiffs`` since forecast 8.3 (forecast's old ``CHtest``
        stopped with an error on missing values).

    Examples
    --------
    >>> import convts
    >>> air = convts.datasets.load("airline")
    >>> convts.nsdiffs(air, 12), convts.nsdiffs(air, 12, test="ocsb"), convts.nsdiffs(air, 12, test="ch")
    (1, 1, 0)
    """
    if test == "hegy":
        raise ValueError("test='hegy': R's HEGY test is not implemented; use 'seas', 'ocsb' or 'ch'")
    if test not in ("seas", "ocsb", "ch"):
        raise ValueError(f"test={test!r}: use 'seas', 'ocsb' or 'ch'")
    alpha = _clamp_alpha(alpha)
    if test in ("ocsb", "ch") and alpha != 0.05:
        warnings.warn(f"test={test!r} supports the 5% level only; using alpha=0.05", UserWarning, stacklevel=2)
    x = _values(x)
    D = 0
    if is_constant(x):
        return D
    if m is None or int(m) != m:
        raise ValueError(f"m={m!r}: give the seasonal period as an integer")
    m = int(m)
    if m == 1:
        raise ValueError("m=1: the data are not seasonal (R: 'Non seasonal data')")
    if m < 1:
        warnings.warn(f"m={m} < 1: seasonality is ignored", UserWarning, stacklevel=2)
        return 0
    if m >= x.size:
        return 0

    def needs_difference(z) -> bool:
        try:
            if test == "seas":
                return seasonal_strength(z, m) > 0.64
            if test == "ch":
                z = _trim_nan(z)
                if z.size < 2 * m + 5:  # forecast's CHtest: too short to test, no difference
                    return False
                stat, crit = ch_test(z, m)
                return stat > crit
            stat, crit, _ = ocsb_test(z, m, maxlag=3, lag_method="AIC")
            return stat > crit
        except (ValueError, np.linalg.LinAlgError) as exc:
            warnings.warn(f"the seasonal test {test!r} failed when testing seasonal difference {D + 1} ({exc}); "
                          f"{D} seasonal differences will be used", UserWarning, stacklevel=3)
            return False

    dodiff = needs_difference(x)
    while dodiff and D < max_D:
        D += 1
        x = x[m:] - x[:-m]
        if is_constant(x):
            return D
        dodiff = needs_difference(x) if (x.size >= 2 * m and D < max_D) else False
    return D


def infer_period(y) -> int:
    """Seasonal period from a pandas index: 12 monthly, 4 quarterly, 1 otherwise."""
    import pandas as pd

    from .._validation import infer_offset

    index = getattr(y, "index", None)
    if isinstance(index, pd.PeriodIndex):
        freq = index.freq
    elif isinstance(index, pd.DatetimeIndex):
        freq = infer_offset(index)
    else:
        return 1
    if freq is None or getattr(freq, "n", 1) != 1:
        return 1
    code = getattr(freq, "rule_code", "") or getattr(freq, "name", "")
    code = code.upper()
    if code.startswith(("M", "BM", "SM")) and not code.startswith("MIN"):
        return 12 if not code.startswith("SM") else 1
    if code.startswith(("Q", "BQ")):
        return 4
    return 1
