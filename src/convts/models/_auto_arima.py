"""Automatic ARIMA order selection: R's ``forecast::auto.arima`` (Hyndman & Khandakar 2008).

One series, the public model API only: every candidate is ``convts.ARIMA(...).fit(method=...)``.
The steps, in R's order (forecast's ``R/newarima2.R`` and ``R/arima.R``):

1. trim leading NaN; a constant series stops (see :func:`auto_arima`);
2. caps ``p, q <= n/3`` and ``P, Q <= n/(3m)`` (``n`` the non-missing count), AIC when ``n <= 3``;
3. ``D`` by :func:`nsdiffs` (only when ``len > 2m``), then ``d`` by :func:`ndiffs` on the
   seasonally differenced series (on the residuals of a regression on ``exog`` when given);
4. a series that is constant after differencing gets ``ARIMA(0,d,0)(0,D,0)`` with R's fixed
   drift / mean;
5. seasonal cap ``p, q <= m - 1``; drift allowed when ``d + D == 1``, a mean when ``d + D == 0``;
6. with ``approximation`` (default ``n > 150 or m > 12``) candidates are fitted by CSS and compared
   on ``offset + n* log(sigma2) + 2 k`` with R's offset from the ML fit of ``ARIMA(0,d,0)(0,D,0)``;
7. the stepwise search (start set, then R's neighbourhood with a restart on every improvement,
   at most ``nmodels`` fits) or the full grid ``p + q + P + Q <= max_order``;
8. a candidate's IC is ``inf`` when it fails, when an AR or MA root (of the expanded polynomials)
   has modulus < 1.01, or when a coefficient variance is negative or not finite;
9. after an approximate search the candidates are refitted by exact ML in IC order and the first
   with a finite IC is returned (stepwise); the grid refits its best and searches again without the
   approximation if that refit fails.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from ._unitroot import is_constant, ndiffs, nsdiffs

__all__ = ["auto_arima"]

_ICS = ("aicc", "aic", "bic")
_METHODS = {"css": "css", "ml": "mle", "mle": "mle", "css-ml": "css-mle", "css-mle": "css-mle"}


def _infer_m(y) -> int:
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


class _Candidate:
    """One fitted candidate: the result (or None), its IC and a status line."""

    __slots__ = ("key", "res", "ic", "status", "method")

    def __init__(self, key, res, ic, status, method):
        self.key, self.res, self.ic, self.status, self.method = key, res, ic, status, method


class _Search:
    """Fits candidates of one series with R's ``myarima`` rules and keeps the trace."""

    def __init__(self, y, exog, d, D, m, ic, offset, method, n_obs, trace):
        self.y, self.exog, self.d, self.D, self.m = y, exog, d, D, m
        self.ic, self.offset, self.method, self.n_obs, self.trace = ic, offset, method, n_obs, trace
        self.rows: list[dict] = []

    def fit(self, p, q, P, Q, constant, approximation, stage="search") -> _Candidate:
        from ._spec import ARIMA

        d, D, m = self.d, self.D, self.m
        method = self.method or ("css" if approximation else "css-mle")
        diffs = d + D
        trend = ("t" if diffs == 1 else "c") if (constant and diffs <= 1) else "n"
        seasonal = (P, D, Q, m) if m > 1 else (0, 0, 0, 0)
        key = (p, d, q, P, D, Q, bool(constant))
        res, ic, status = None, math.inf, "ok"
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                res = ARIMA(self.y, exog=self.exog, order=(p, d, q), seasonal_order=seasonal,
                            trend=trend).fit(method=method)
                # R passes no offset to the refits (it matters only for a user's method='css')
                ic, status = self._ic(res, method, p + P, q + Q, 0.0 if stage == "refit" else self.offset)
        except Exception as exc:  # R's try(): a failing candidate gets IC = inf, the search goes on
            res, status = None, f"error: {type(exc).__name__}: {exc}"
        cand = _Candidate(key, res, ic, status, method)
        self.rows.append({"order": (p, d, q), "seasonal_order": (P, D, Q, m if m > 1 else 0),
                          "constant": bool(constant), "trend": trend, "ic": ic, "status": status,
                          "method": method, "stage": stage})
        if self.trace:
            print(f" {_label(p, d, q, P, D, Q, m, constant)} : {ic}")
        return cand

    def _ic(self, res, method, n_ar, n_ma, offset):
        """R's ``myarima``: the information criterion of a fit, or inf with the reason."""
        nstar = self.n_obs - self.d - self.D * self.m
        npar = res.df_model  # free coefficients + sigma2, as R's length(coef[mask]) + 1
        if method == "css":
            sigma2 = res.sigma2
            aic = offset + nstar * math.log(sigma2) if sigma2 > 0 else -math.inf
            aic += 2 * npar
        else:
            aic = -2.0 * res.llf + 2 * npar
        if not np.isfinite(aic):
            return math.inf, "non-finite likelihood or variance"
        if self.ic == "aic":
            ic = aic
        elif self.ic == "bic":
            ic = aic + npar * (math.log(nstar) - 2.0)
        else:
            denom = nstar - npar - 1
            ic = aic + 2.0 * npar * (npar + 1) / denom if denom > 0 else math.inf
        if not np.isfinite(ic):
            return math.inf, "too few observations for the AICc"
        phi, theta = res.model.polynomials(res.params.to_numpy())
        minroot = 2.0
        for poly, sign, present in ((phi, -1.0, n_ar > 0), (theta, 1.0, n_ma > 0)):
            if not present:
                continue
            nz = np.flatnonzero(np.abs(poly) > 1e-8)
            if nz.size:
                coefs = np.r_[1.0, sign * poly[: nz[-1] + 1]]
                roots = np.roots(coefs[::-1])
                if not np.all(np.isfinite(roots)):
                    return math.inf, "roots not finite"
                minroot = min(minroot, float(np.min(np.abs(roots))))
        if minroot < 1.01:
            return math.inf, f"root modulus {minroot:.4f} < 1.01"
        k_coef = res.model.k_params - 1
        if k_coef:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                var = np.diag(res.cov_params().to_numpy())[:k_coef]
            free = [i for i, nm in enumerate(res.model.param_names[:k_coef]) if nm not in res.fixed_params]
            v = var[free]
            if np.any(~np.isfinite(v)) or np.any(v < 0):
                return math.inf, "coefficient variance negative or not finite"
        return float(ic), "ok"


def _label(p, d, q, P, D, Q, m, constant) -> str:
    s = f"ARIMA({p},{d},{q})"
    if m > 1 and (P or D or Q):
        s += f"({P},{D},{Q})[{m}]"
    if constant and d + D == 0:
        s += " with non-zero mean"
    elif constant and d + D == 1:
        s += " with drift"
    elif d + D == 0:
        s += " with zero mean"
    return s


def _trace_frame(rows):
    import pandas as pd

    cols = ["order", "seasonal_order", "constant", "trend", "ic", "status", "method", "stage"]
    return pd.DataFrame(rows, columns=cols)


def _seasonal_diff(x: np.ndarray, D: int, m: int) -> np.ndarray:
    for _ in range(D):
        x = x[m:] - x[:-m]
    return x



def _positional(exog):
    """A trimmed exog frame whose rows were matched by position (a default RangeIndex) stays
    positional: ``iloc`` leaves ``RangeIndex(first, n)``, which ARIMA would refuse as an index
    that is neither endog's dates nor the default one.  Time indexes are kept (matched by date)."""
    import pandas as pd

    if isinstance(exog.index, pd.RangeIndex):
        return exog.reset_index(drop=True)
    return exog

def auto_arima(y, m=None, *, d=None, D=None, max_p=5, max_q=5, max_P=2, max_Q=2, max_order=5,
               max_d=2, max_D=1, start_p=2, start_q=2, start_P=1, start_Q=1, ic="aicc", stepwise=True,
               nmodels=94, approximation=None, truncate=None, test="kpss", seasonal_test="seas",
               allowdrift=True, allowmean=True, exog=None, method=None, trace=False, stationary=False,
               seasonal=True):
    """Choose and fit an ARIMA model automatically, as R's ``forecast::auto.arima``.

    Parameters
    ----------
    y : array_like or pandas.Series
        The series; NaN are missing values (leading ones are dropped, as R does).
    m : int, optional
        Seasonal period.  Default: from the pandas index (12 monthly, 4 quarterly), else 1.
    d, D : int, optional
        Orders of differencing; chosen by :func:`ndiffs` / :func:`nsdiffs` when None.
    max_p, max_q, max_P, max_Q, max_order, max_d, max_D : int
        Bounds of the search (R's ``max.*``); ``max_order`` bounds ``p+q+P+Q`` in the full grid.
    start_p, start_q, start_P, start_Q : int
        Starting orders of the stepwise search.
    ic : {'aicc', 'aic', 'bic'}
    stepwise : bool
        The stepwise search of Hyndman & Khandakar (True) or the full grid (False).
    nmodels : int
        At most this many candidates in the stepwise search.
    approximation : bool, optional
        Select on CSS fits with R's approximate IC, then refit by exact ML.  Default
        ``len(y) > 150 or m > 12``.
    truncate : int, optional
        With ``approximation``, use only the last ``truncate`` observations (as R: the returned
        model is fitted to them too).
    test : {'kpss'}
        Unit-root test of :func:`ndiffs`.
    seasonal_test : {'seas', 'ocsb'}
        Seasonal test of :func:`nsdiffs`.
    allowdrift, allowmean : bool
        Allow a drift (``trend='t'``) when ``d + D == 1``, a mean (``trend='c'``) when ``d + D == 0``.
    exog : array_like or pandas.DataFrame, optional
        Regressors (regression with ARIMA errors, R's ``xreg``).
    method : {'css-mle', 'mle', 'css'}, optional
        Estimator of every candidate (R's ``"CSS-ML"``, ``"ML"``, ``"CSS"`` also accepted);
        default ``'css'`` while approximating, else ``'css-mle'``.
    trace : bool
        Print each candidate and its IC.
    stationary : bool
        Only stationary models (``d = D = 0``).
    seasonal : bool
        False restricts the search to non-seasonal models.

    Returns
    -------
    ARIMAResults
        The chosen model, fitted.  Extra attributes: ``search_trace`` (DataFrame, one row per
        fit in search order: ``order``, ``seasonal_order``, ``constant``, ``trend``, ``ic``,
        ``status``, ``method``, ``stage``) and ``auto_arima_info`` (dict: ``m``, ``d``, ``D``,
        ``ic``, the IC value, ``approximation``, ``offset``, ``stepwise``).

    Raises
    ------
    ValueError
        All missing; a constant series (R returns ``ARIMA(0,0,0)`` with its mean fixed and zero
        variance, a model ``convts.ARIMA`` does not represent); too little data; or no candidate
        with a finite IC (R's "No suitable ARIMA model found").

    Notes
    -----
    See ``docs/auto_arima.md`` for the algorithm step by step and where it departs from R.

    Examples
    --------
    >>> import convts
    >>> air = convts.datasets.load("airline")
    >>> res = convts.auto_arima(air)          # m = 12 from the monthly index
    >>> res.model.order, res.model.seasonal_order
    ((2, 1, 1), (0, 1, 0, 12))
    """
    import pandas as pd

    from ._spec import ARIMA
    from .._validation import as_float_array

    if ic not in _ICS:
        raise ValueError(f"ic={ic!r}: use one of {_ICS}")
    if method is not None:
        key = str(method).lower()
        if key not in _METHODS:
            raise ValueError(f"method={method!r}: use 'css-mle', 'mle' or 'css' (R: 'CSS-ML', 'ML', 'CSS')")
        method = _METHODS[key]
    if test != "kpss":
        raise ValueError(f"test={test!r}: only 'kpss' is implemented")
    if seasonal_test not in ("seas", "ocsb"):
        raise ValueError(f"seasonal_test={seasonal_test!r}: use 'seas' or 'ocsb'")

    # ---- the series
    if isinstance(y, pd.DataFrame):
        if y.shape[1] != 1:
            raise ValueError(f"y is a DataFrame with {y.shape[1]} columns; auto_arima takes one series")
        y = y.iloc[:, 0]
    if m is None:
        m = _infer_m(y)
    values = np.asarray(as_float_array(y, "y", ndim=(1,)), dtype=np.float64)
    if np.isinf(values).any():
        raise ValueError("y contains inf; replace it with NaN (missing) or a finite value")
    observed = np.flatnonzero(~np.isnan(values))
    if observed.size == 0:
        raise ValueError("y is all missing (NaN): there is nothing to fit")
    first = int(observed[0])
    n_obs = int(observed.size)  # R's serieslength: non-missing values between the first and last
    if isinstance(y, pd.Series):
        y = y.iloc[first:]
    else:
        y = values[first:]
    x = values[first:]
    if exog is not None:
        if isinstance(exog, (pd.Series, pd.DataFrame)):
            exog = _positional(exog.iloc[first:])
        else:
            exog = np.asarray(exog, dtype=np.float64)
            exog = exog[first:] if exog.ndim == 1 else exog[first:, :]
    if is_constant(x[~np.isnan(x)]):  # R's is.constant counts a gap as variation; ARIMA needs real variation
        raise ValueError(
            f"y is constant (every value {float(x[0]):g}): R's auto.arima returns ARIMA(0,0,0) with the mean fixed "
            f"at that value and zero variance, which convts.ARIMA does not represent; the forecast is {float(x[0]):g}"
        )

    # ---- seasonal period and caps
    m_freq = 1 if m is None else m
    if not seasonal:
        m = 1
    m = 1 if m is None or m < 1 else int(round(m))
    max_p = min(max_p, n_obs // 3)
    max_q = min(max_q, n_obs // 3)
    max_P = min(max_P, int(math.floor(n_obs / 3 / m)))
    max_Q = min(max_Q, int(math.floor(n_obs / 3 / m)))
    if n_obs <= 3:
        ic = "aic"

    # ---- regression residuals for the unit-root tests
    X = None
    if exog is not None:
        X = np.asarray(as_float_array(exog, "exog", ndim=(1, 2)), dtype=np.float64)
        X = X[:, None] if X.ndim == 1 else X
        if X.shape[0] != x.size:
            raise ValueError(f"exog has {X.shape[0]} rows after trimming but y has {x.size}; give one row per observation")
        keep = [j for j in range(X.shape[1]) if not is_constant(X[:, j])]
        Xg = X[:, keep] if keep else None
        xx = x.copy()
        if Xg is not None:
            ok = np.all(np.isfinite(Xg), axis=1)
            sv = np.linalg.svd(np.column_stack([np.ones(ok.sum()), Xg[ok]]), compute_uv=False)
            if sv.min() / sv.sum() < np.finfo(float).eps:
                raise ValueError("exog is rank deficient (a column is a combination of the others and a constant)")
            j = ok & ~np.isnan(x)
            A = np.column_stack([np.ones(j.sum()), Xg[j]])
            beta = np.linalg.lstsq(A, x[j], rcond=None)[0]
            xx[j] = x[j] - A @ beta
    else:
        xx, Xg = x, None

    # ---- differencing orders
    if stationary:
        d = D = 0
    if m == 1:
        D = 0
        max_P = max_Q = 0
    elif D is None and xx.size <= 2 * m:
        D = 0
    elif D is None:
        D = nsdiffs(xx, m, test=seasonal_test, max_D=max_D)
        if D > 0 and Xg is not None and any(is_constant(c) for c in _seasonal_diff(Xg, D, m).T):
            D -= 1
        if D > 0 and np.all(np.isnan(_seasonal_diff(xx, D, m))):
            D -= 1
    dx = _seasonal_diff(xx, D, m) if D > 0 else xx
    dX = _seasonal_diff(Xg, D, m) if (Xg is not None and D > 0) else Xg
    if d is None:
        d = ndiffs(dx, test=test, max_d=max_d)
        if d > 0 and dX is not None and any(is_constant(c) for c in np.diff(dX, n=d, axis=0).T):
            d -= 1
        if d > 0 and np.all(np.isnan(np.diff(dx, n=d))):
            d -= 1
    if D >= 2:
        warnings.warn("more than one seasonal difference is not recommended; consider D <= 1", UserWarning, stacklevel=2)
    elif D + d > 2:
        warnings.warn("3 or more differences are not recommended; consider fewer", UserWarning, stacklevel=2)
    if d > 0:
        dx = np.diff(dx, n=d)

    info = {"m": m, "d": d, "D": D, "ic": ic, "approximation": False, "offset": 0.0, "stepwise": stepwise}
    search = _Search(y, exog, d, D, m, ic, 0.0, method, n_obs, trace)

    # ---- a series that differencing makes constant: R's fixed-drift / mean models
    if dx.size == 0:
        raise ValueError(f"not enough data: nothing is left after d={d}, D={D} differences with m={m}")
    if is_constant(dx):
        seas = (0, D, 0, m) if D else (0, 0, 0, 0)
        mean_dx = float(np.nanmean(dx))
        fixed, trend = None, "n"
        if exog is None:
            if D > 0 and d == 0 and D == 1:
                trend, fixed = "t", {"x1": mean_dx / m}
            elif D == 0 and d == 1:
                trend, fixed = "t", {"x1": mean_dx}
            elif D == 0 and d == 0:
                trend, fixed = "c", {"const": mean_dx}
            elif D == 0 and d > 2:
                raise ValueError("the data follow a simple polynomial and are not suitable for ARIMA modelling")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = ARIMA(y, exog=exog, order=(0, d, 0), seasonal_order=seas, trend=trend).fit(
                method=method or "css-mle", fixed=fixed)
        search.rows.append({"order": (0, d, 0), "seasonal_order": seas, "constant": trend != "n", "trend": trend,
                            "ic": math.nan, "status": "differenced series is constant", "method": method or "css-mle",
                            "stage": "constant"})
        return _finish(res, search, info, None)

    if m > 1:
        if max_P > 0:
            max_p = min(max_p, m - 1)
        if max_Q > 0:
            max_q = min(max_q, m - 1)

    # ---- approximation: R's offset from the ML fit of ARIMA(0,d,0)(0,D,0)
    if approximation is None:
        approximation = x.size > 150 or m_freq > 12
    approximation = bool(approximation)
    offset = 0.0
    if approximation:
        if truncate is not None and x.size > truncate:
            y = y.iloc[-truncate:] if isinstance(y, pd.Series) else y[-truncate:]
            if exog is not None:
                exog = _positional(exog.iloc[-truncate:]) if isinstance(exog, (pd.Series, pd.DataFrame)) else exog[-truncate:]
            search.y, search.exog = y, exog
            search.n_obs = int(np.sum(~np.isnan(np.asarray(y, dtype=np.float64))))
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                base = ARIMA(y, exog=exog, order=(0, d, 0), seasonal_order=(0, D, 0, m) if D else (0, 0, 0, 0),
                             trend="c" if d + D == 0 else "n").fit(method="css-mle")
            offset = -2.0 * base.llf - n_obs * math.log(base.sigma2)
            if not np.isfinite(offset):
                offset = 0.0
        except (ValueError, np.linalg.LinAlgError, FloatingPointError, ZeroDivisionError, OverflowError):
            offset = 0.0
    search.offset = offset
    info.update(approximation=approximation, offset=offset)

    allowdrift = allowdrift and d + D == 1
    allowmean = allowmean and d + D == 0
    constant = allowdrift or allowmean

    if not stepwise:
        best = _grid(search, max_p, max_q, max_P, max_Q, max_order, allowdrift or allowmean, approximation)
        return _finish(best.res, search, info, best)

    # ---- stepwise: the start set
    if x.size < 10:
        start_p, start_q, start_P, start_Q = min(start_p, 1), min(start_q, 1), 0, 0
    p = start_p = min(start_p, max_p)
    q = start_q = min(start_q, max_q)
    P = start_P = min(start_P, max_P)
    Q = start_Q = min(start_Q, max_Q)

    results: list[tuple] = []  # (p, q, P, Q, constant, ic) in search order, as R's results matrix
    cands: dict[tuple, _Candidate] = {}

    def run(p_, q_, P_, Q_, c_):
        cand = search.fit(p_, q_, P_, Q_, c_, approximation)
        results.append((p_, q_, P_, Q_, bool(c_), cand.ic))
        cands[(p_, q_, P_, Q_, bool(c_))] = cand
        return cand

    best = run(p, q, P, Q, constant)
    cand = run(0, 0, 0, 0, constant)
    if cand.ic < best.ic:
        best, p, q, P, Q = cand, 0, 0, 0, 0
    if max_p > 0 or max_P > 0:
        p1, P1 = int(max_p > 0), int(m > 1 and max_P > 0)
        cand = run(p1, 0, P1, 0, constant)
        if cand.ic < best.ic:
            best, p, P, q, Q = cand, p1, P1, 0, 0
    if max_q > 0 or max_Q > 0:
        q1, Q1 = int(max_q > 0), int(m > 1 and max_Q > 0)
        cand = run(0, q1, 0, Q1, constant)
        if cand.ic < best.ic:
            best, p, P, q, Q = cand, 0, 0, q1, Q1
    if constant:
        cand = run(0, 0, 0, 0, False)
        if cand.ic < best.ic:
            best, p, q, P, Q = cand, 0, 0, 0, 0

    def new(p_, q_, P_, Q_, c_):
        return not any(r[:5] == (p_, q_, P_, Q_, bool(c_)) for r in results)

    # R's neighbourhood, in R's order: seasonal moves, then non-seasonal, then the constant.
    moves = [
        (lambda: P > 0, 0, 0, -1, 0), (lambda: Q > 0, 0, 0, 0, -1),
        (lambda: P < max_P, 0, 0, 1, 0), (lambda: Q < max_Q, 0, 0, 0, 1),
        (lambda: Q > 0 and P > 0, 0, 0, -1, -1), (lambda: Q < max_Q and P > 0, 0, 0, -1, 1),
        (lambda: Q > 0 and P < max_P, 0, 0, 1, -1), (lambda: Q < max_Q and P < max_P, 0, 0, 1, 1),
        (lambda: p > 0, -1, 0, 0, 0), (lambda: q > 0, 0, -1, 0, 0),
        (lambda: p < max_p, 1, 0, 0, 0), (lambda: q < max_q, 0, 1, 0, 0),
        (lambda: q > 0 and p > 0, -1, -1, 0, 0), (lambda: q < max_q and p > 0, -1, 1, 0, 0),
        (lambda: q > 0 and p < max_p, 1, -1, 0, 0), (lambda: q < max_q and p < max_p, 1, 1, 0, 0),
    ]
    k = len(results)
    startk = 0
    stopped_early = False
    while startk < k and k < nmodels:
        startk = k
        improved = False
        for cond, dp, dq, dP, dQ in moves:
            if not cond() or not new(p + dp, q + dq, P + dP, Q + dQ, constant):
                continue
            k += 1
            if k > nmodels:
                stopped_early = True
                break
            cand = run(p + dp, q + dq, P + dP, Q + dQ, constant)
            if cand.ic < best.ic:
                best = cand
                p, q, P, Q = p + dp, q + dq, P + dP, Q + dQ
                improved = True
                break
        if improved or stopped_early:
            continue
        if allowdrift or allowmean:
            if new(p, q, P, Q, not constant):
                k += 1
                if k > nmodels:
                    stopped_early = True
                    continue
                cand = run(p, q, P, Q, not constant)
                if cand.ic < best.ic:
                    best, constant = cand, not constant
    if stopped_early:
        warnings.warn(f"the stepwise search stopped at the model limit nmodels={nmodels}", UserWarning, stacklevel=2)

    # ---- refit by exact ML, in IC order, until one has a finite IC
    if approximation and best.res is not None:
        order = sorted(range(len(results)), key=lambda i: results[i][5])  # stable, as R's order()
        for i in order:
            p_, q_, P_, Q_, c_, _ = results[i]
            cand = search.fit(p_, q_, P_, Q_, c_, False, stage="refit")
            if cand.ic < math.inf:
                best = cand
                break
        else:
            warnings.warn("no candidate could be refitted by exact ML with a finite IC; returning the best "
                          "approximate (CSS) fit, as R does", UserWarning, stacklevel=2)
    if best.res is None or (best.ic == math.inf and (method or "") != "css"):
        raise ValueError("No suitable ARIMA model found (every candidate failed or had a root near the unit circle)")
    return _finish(best.res, search, info, best)


def _grid(search, max_p, max_q, max_P, max_Q, max_order, allow_constant, approximation):
    """R's ``search.arima``: every order with ``p+q+P+Q <= max_order``, constant fastest."""
    best = None
    for p in range(max_p + 1):
        for q in range(max_q + 1):
            for P in range(max_P + 1):
                for Q in range(max_Q + 1):
                    if p + q + P + Q > max_order:
                        continue
                    for K in range(int(allow_constant) + 1):
                        cand = search.fit(p, q, P, Q, K == 1, approximation)
                        if cand.ic < (best.ic if best is not None else math.inf):
                            best = cand
    if best is None:
        raise ValueError("No suitable ARIMA model found (every candidate failed or had a root near the unit circle)")
    if approximation:
        p, d, q, P, D, Q, c = best.key
        refit = search.fit(p, q, P, Q, c, False, stage="refit")
        if refit.ic == math.inf:
            return _grid(search, max_p, max_q, max_P, max_Q, max_order, allow_constant, False)
        best = refit
    return best


def _finish(res, search, info, best):
    trace = _trace_frame(search.rows)
    info = dict(info)
    info["ic_value"] = None if best is None else best.ic
    # R reports sum(resid^2) / (n* - npar + 1) as sigma^2 ("adjusted to be unbiased"); params keep the MLE
    # (R's residuals are the standardised innovations, so their sum of squares is n* times the MLE)
    nstar, dof = res.nobs, res.nobs - res.df_model + 1
    ssq = (np.nansum(np.asarray(res.resid, dtype=np.float64) ** 2) if res.method == "css" else res.sigma2 * nstar)
    info["sigma2_r"] = float(ssq / dof) if dof > 0 else math.nan
    res.search_trace = trace
    res.auto_arima_info = info
    if search.trace:
        p, d, q = res.model.order
        P, D, Q, s = res.model.seasonal_order
        print(f"\n Best model: {_label(p, d, q, P, D, Q, s, res.model.trend != 'n')}\n")
    return res
