"""R's ``auto.arima`` search run for many series in lock-step: the search engine of ``auto_arima``.

Every series' search is a Python generator (:func:`_stepwise`, :func:`_grid`) that follows
forecast's ``R/newarima2.R`` step for step and *asks* for fits instead of running them: it
yields the candidates it needs next (the start set as one request, then one neighbour at a
time, as R's first-improvement restarts need) and receives their information criteria.  The
driver (:func:`_drive`) advances every live search by one request, groups the requested
candidates of all series by model (orders, differences, period, trend, method), fits each group
in compiled code (:func:`.estimators.compiled._fit_series_nb`, the per-series CSS / exact-ML fit of
``fit_many``) on a pool of threads, computes R's IC, and sends them back.  So the interpreter
runs once per search step and per group of equal models; the fits (all of the time) run in
numba with the GIL released.  ``auto_arima`` on one series is the same engine with one series,
so ``auto_arima_many`` returns, series by series, exactly what ``auto_arima`` returns.

What runs where:

- per series, once (Python): trimming, the caps, ``nsdiffs`` (statsmodels' STL) and ``ndiffs``
  (statsmodels' KPSS), the constant checks;
- per step (Python): advancing the generators, grouping, R's IC and root check per candidate
  (a few microseconds each);
- per candidate (compiled, threads): CSS by Levenberg-Marquardt, exact ML by BFGS on the Kalman
  filter;
- per series, at the end (Python): R's coefficient-variance check on the model about to be
  returned (it needs the Hessian), see :func:`_var_ok`.

Candidates the compiled fit does not cover (``exog``, a state dimension of 40 or more) are
fitted by ``ARIMA(...).fit()`` one at a time.  For periods above 24 the seasonal AR/MA orders
are capped at 0 (see :func:`auto_arima_many`), so long-period searches stay compiled and bounded.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from ._unitroot import is_constant, ndiffs, nsdiffs

__all__ = ["auto_arima_many", "AutoArimaManyResult"]

_ICS = ("aicc", "aic", "bic")
_METHODS = {"css": "css", "ml": "mle", "mle": "mle", "css-ml": "css-mle", "css-mle": "css-mle"}
_CHUNK = 16
_LONG_PERIOD = 24  # above this period, seasonality by differencing only
_MAXIT = 100  # BFGS iterations of a candidate's exact-ML fit: R's optim default (control maxit)


class Options:
    """The search options of ``auto_arima`` (R's arguments), validated once."""

    def __init__(self, d=None, D=None, max_p=5, max_q=5, max_P=2, max_Q=2, max_order=5, max_d=2, max_D=1,
                 start_p=2, start_q=2, start_P=1, start_Q=1, ic="aicc", stepwise=True, nmodels=94,
                 approximation=None, truncate=None, test="kpss", seasonal_test="seas", allowdrift=True,
                 allowmean=True, method=None, stationary=False, seasonal=True):
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
        for name, v in (("max_p", max_p), ("max_q", max_q), ("max_P", max_P), ("max_Q", max_Q),
                        ("max_order", max_order), ("max_d", max_d), ("max_D", max_D), ("start_p", start_p),
                        ("start_q", start_q), ("start_P", start_P), ("start_Q", start_Q), ("nmodels", nmodels)):
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 0:
                raise ValueError(f"{name}={v!r}: give a non-negative integer")
        for name, v in (("d", d), ("D", D), ("truncate", truncate)):
            if v is not None and (isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 0):
                raise ValueError(f"{name}={v!r}: give a non-negative integer or None")
        self.__dict__.update(d=d, D=D, max_p=int(max_p), max_q=int(max_q), max_P=int(max_P), max_Q=int(max_Q),
                             max_order=int(max_order), max_d=int(max_d), max_D=int(max_D), start_p=int(start_p),
                             start_q=int(start_q), start_P=int(start_P), start_Q=int(start_Q), ic=ic,
                             stepwise=bool(stepwise), nmodels=int(nmodels), approximation=approximation,
                             truncate=truncate, test=test, seasonal_test=seasonal_test,
                             allowdrift=bool(allowdrift), allowmean=bool(allowmean), method=method,
                             stationary=bool(stationary), seasonal=bool(seasonal))


class _Fit:
    """One fitted candidate: parameters, log-likelihood, IC, status; ``res`` when fitted in Python."""

    __slots__ = ("params", "llf", "ic", "status", "method", "trend", "converged", "res")

    def __init__(self, params, llf, ic, status, method, trend, converged, res=None):
        self.params, self.llf, self.ic, self.status = params, llf, ic, status
        self.method, self.trend, self.converged, self.res = method, trend, converged, res


class State:
    """One series' search: its data, the orders of differencing, caps, the fits and the trace."""

    def __init__(self, x, n_obs, m, m_freq, opts, X=None, endog=None, exog=None):
        self.x = x                # float64, leading NaN trimmed (truncated when R truncates)
        self.n_obs = n_obs        # R's serieslength (before truncation): the offset's n
        self.n_ic = n_obs         # non-missing values of the (truncated) series: the IC's n
        self.m = m
        self.m_freq = m_freq
        self.opts = opts
        self.X = X                # exog as a 2-D float array (single series only)
        self.endog = endog        # what the final ARIMA is built on (a pandas Series keeps its index)
        self.exog = exog
        self.ic = opts.ic
        self.offset = 0.0
        self.approximation = False
        self.fits: dict = {}      # (p, q, P, Q, constant, method) -> _Fit
        self.rows: list = []      # the search trace
        self.best = None          # (p, q, P, Q, constant, method) of the returned model
        self.final = None         # a ready ARIMAResults (constant-after-differencing models)
        self.status = "ok"
        self.warnings: list = []
        self.d = self.D = 0
        self.caps = None

    # ---- the fitted model
    def trend_of(self, constant) -> str:
        diffs = self.d + self.D
        return ("t" if diffs == 1 else "c") if (constant and diffs <= 1) else "n"

    def seasonal_of(self, P, Q):
        return (P, self.D, Q, self.m) if self.m > 1 else (0, 0, 0, 0)


# ----------------------------------------------------------------------------- preparation
def _seasonal_diff(x: np.ndarray, D: int, m: int) -> np.ndarray:
    for _ in range(D):
        x = x[m:] - x[:-m]
    return x


def prepare(x, m, m_freq, opts, X=None, endog=None, exog=None, *, cap_long_period=True):
    """R's steps before the search, for one series: a :class:`State`, or ValueError (the status).

    ``x`` is the series with leading NaN trimmed, ``m`` the seasonal period (1 if not
    seasonal), ``m_freq`` the period before ``seasonal=False`` (it decides the approximation).
    """
    observed = ~np.isnan(x)
    n_obs = int(observed.sum())
    if n_obs == 0:
        raise ValueError("y is all missing (NaN): there is nothing to fit")
    if is_constant(x[observed]):  # R's is.constant counts a gap as variation; ARIMA needs real variation
        v = float(x[observed][0])
        raise ValueError(
            f"y is constant (every value {v:g}): R's auto.arima returns ARIMA(0,0,0) with the mean fixed "
            f"at that value and zero variance, which convts.ARIMA does not represent; the forecast is {v:g}")
    o = opts
    st = State(x, n_obs, m, m_freq, o, X, endog, exog)
    max_p = min(o.max_p, n_obs // 3)
    max_q = min(o.max_q, n_obs // 3)
    max_P = min(o.max_P, int(math.floor(n_obs / 3 / m)))
    max_Q = min(o.max_Q, int(math.floor(n_obs / 3 / m)))
    if cap_long_period and m > _LONG_PERIOD:
        max_P = max_Q = 0
    if n_obs <= 3:
        st.ic = "aic"

    # ---- regression residuals for the unit-root tests
    Xg = None
    xx = x
    if X is not None:
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

    # ---- differencing orders
    d, D = o.d, o.D
    if o.stationary:
        d = D = 0
    if m == 1:
        D = 0
        max_P = max_Q = 0
    elif D is None and xx.size <= 2 * m:
        D = 0
    elif D is None:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            D = nsdiffs(xx, m, test=o.seasonal_test, max_D=o.max_D)
        st.warnings += [str(w.message) for w in caught]
        if D > 0 and Xg is not None and any(is_constant(c) for c in _seasonal_diff(Xg, D, m).T):
            D -= 1
        if D > 0 and np.all(np.isnan(_seasonal_diff(xx, D, m))):
            D -= 1
    dx = _seasonal_diff(xx, D, m) if D > 0 else xx
    dX = _seasonal_diff(Xg, D, m) if (Xg is not None and D > 0) else Xg
    if d is None:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            d = ndiffs(dx, test=o.test, max_d=o.max_d)
        st.warnings += [str(w.message) for w in caught]
        if d > 0 and dX is not None and any(is_constant(c) for c in np.diff(dX, n=d, axis=0).T):
            d -= 1
        if d > 0 and np.all(np.isnan(np.diff(dx, n=d))):
            d -= 1
    if D >= 2:
        st.warnings.append("more than one seasonal difference is not recommended; consider D <= 1")
    elif D + d > 2:
        st.warnings.append("3 or more differences are not recommended; consider fewer")
    if d > 0:
        dx = np.diff(dx, n=d)
    st.d, st.D = int(d), int(D)
    if dx.size == 0:
        raise ValueError(f"not enough data: nothing is left after d={d}, D={D} differences with m={m}")
    st.constant_after_diff = is_constant(dx)
    if st.constant_after_diff:
        st.dx_mean = float(np.nanmean(dx))
        return st

    if m > 1:
        if max_P > 0:
            max_p = min(max_p, m - 1)
        if max_Q > 0:
            max_q = min(max_q, m - 1)
    st.caps = (max_p, max_q, max_P, max_Q)

    approximation = o.approximation
    if approximation is None:
        approximation = x.size > 150 or m_freq > 12
    st.approximation = bool(approximation)
    if st.approximation and o.truncate is not None and x.size > o.truncate:
        st.x = x[-o.truncate:]
        if st.X is not None:
            st.X = st.X[-o.truncate:]
        st.n_ic = int(np.sum(~np.isnan(st.x)))
    return st


# ----------------------------------------------------------------------------- the searches
def _one(req):
    """Ask for one fit; returns its IC."""
    ics = yield [req]
    return ics[0]


def _offset(st):
    """R's offset ``-2 loglik - n log(sigma2)`` of the ML fit of ARIMA(0,d,0)(0,D,0) (0 if it fails)."""
    yield [("offset", 0, 0, 0, 0, st.d + st.D == 0, "css-mle")]
    f = st.fits.get((0, 0, 0, 0, st.d + st.D == 0, "offset"))
    off = 0.0
    if f is not None and f.params is not None and np.isfinite(f.llf):
        s2 = f.params[-1]
        if s2 > 0:
            off = -2.0 * f.llf - st.n_obs * math.log(s2)
    st.offset = off if np.isfinite(off) else 0.0


def _stepwise(st):
    """R's stepwise search (forecast's ``auto.arima``, ``stepwise = TRUE``) as a generator of requests."""
    o = st.opts
    max_p, max_q, max_P, max_Q = st.caps
    approx = st.approximation
    meth = o.method or ("css" if approx else "css-mle")
    if approx:
        yield from _offset(st)
    allowdrift = o.allowdrift and st.d + st.D == 1
    allowmean = o.allowmean and st.d + st.D == 0
    constant = allowdrift or allowmean

    start_p, start_q, start_P, start_Q = o.start_p, o.start_q, o.start_P, o.start_Q
    if st.x.size < 10:
        start_p, start_q, start_P, start_Q = min(start_p, 1), min(start_q, 1), 0, 0
    p = min(start_p, max_p)
    q = min(start_q, max_q)
    P = min(start_P, max_P)
    Q = min(start_Q, max_Q)
    results: list[tuple] = []  # (p, q, P, Q, constant, ic), R's results matrix

    # the start set: its fits do not depend on each other's IC, so they are asked for together
    start = [(p, q, P, Q, constant), (0, 0, 0, 0, constant)]
    if max_p > 0 or max_P > 0:
        start.append((int(max_p > 0), 0, int(st.m > 1 and max_P > 0), 0, constant))
    if max_q > 0 or max_Q > 0:
        start.append((0, int(max_q > 0), 0, int(st.m > 1 and max_Q > 0), constant))
    if constant:
        start.append((0, 0, 0, 0, False))
    # R fits a start model again if it repeats one (e.g. all caps 0); the later one then never wins (strict <)
    ics = yield [("search", *c, meth) for c in start]
    best_ic = math.inf
    best = None
    for c, ic in zip(start, ics):
        results.append((*c, ic))
        if best is None or ic < best_ic:
            best_ic, best = ic, c
    p, q, P, Q, _ = best  # R keeps `constant` even when the start model without it wins

    def new(c):
        return not any(r[:5] == c for r in results)

    moves = ((0, 0, -1, 0), (0, 0, 0, -1), (0, 0, 1, 0), (0, 0, 0, 1), (0, 0, -1, -1), (0, 0, -1, 1),
             (0, 0, 1, -1), (0, 0, 1, 1), (-1, 0, 0, 0), (0, -1, 0, 0), (1, 0, 0, 0), (0, 1, 0, 0),
             (-1, -1, 0, 0), (-1, 1, 0, 0), (1, -1, 0, 0), (1, 1, 0, 0))
    k = len(results)
    startk = 0
    stopped_early = False
    while startk < k and k < o.nmodels:
        startk = k
        improved = False
        for dp, dq, dP, dQ in moves:
            c = (p + dp, q + dq, P + dP, Q + dQ, constant)
            if not (0 <= c[0] <= max_p and 0 <= c[1] <= max_q and 0 <= c[2] <= max_P and 0 <= c[3] <= max_Q):
                continue
            if not new(c):
                continue
            k += 1
            if k > o.nmodels:
                stopped_early = True
                break
            ic = yield from _one(("search", *c, meth))
            results.append((*c, ic))
            if ic < best_ic:
                best_ic, best = ic, c
                p, q, P, Q = c[:4]
                improved = True
                break
        if improved or stopped_early:
            continue
        if allowdrift or allowmean:
            c = (p, q, P, Q, not constant)
            if new(c):
                k += 1
                if k > o.nmodels:
                    stopped_early = True
                    continue
                ic = yield from _one(("search", *c, meth))
                results.append((*c, ic))
                if ic < best_ic:
                    best_ic, best = ic, c
                    constant = not constant
    if stopped_early:
        st.warnings.append(f"the stepwise search stopped at the model limit nmodels={o.nmodels}")

    if approx and st.fits.get((*best, meth)) is not None and st.fits[(*best, meth)].params is not None:
        # refit by exact ML in IC order (R's order(): stable), the first with a finite IC wins
        for i in sorted(range(len(results)), key=lambda i: results[i][5]):
            c = results[i][:5]
            ic = yield from _one(("refit", *c, "css-mle"))
            if ic < math.inf:
                st.best = (*c, "css-mle")
                return
        st.warnings.append("no candidate could be refitted by exact ML with a finite IC; returning the best "
                           "approximate (CSS) fit, as R does")
        st.best = (*best, meth)
        return
    # no approximation: R's variance check on the model to return (see _var_ok); the next best otherwise
    for i in sorted(range(len(results)), key=lambda i: results[i][5]):
        if results[i][5] == math.inf:
            break
        c = results[i][:5]
        ic = yield from _one(("check", *c, meth))
        if ic < math.inf:
            st.best = (*c, meth)
            return
    if meth == "css" and st.fits.get((*best, meth)) is not None and st.fits[(*best, meth)].params is not None:
        st.best = (*best, meth)
        return
    raise ValueError("No suitable ARIMA model found (every candidate failed or had a root near the unit circle)")


def _grid(st, approx=None):
    """R's ``search.arima``: every order with ``p+q+P+Q <= max_order``, constant fastest."""
    o = st.opts
    max_p, max_q, max_P, max_Q = st.caps
    approx = st.approximation if approx is None else approx
    meth = o.method or ("css" if approx else "css-mle")
    if approx and st.offset == 0.0:
        yield from _offset(st)
    allow_constant = (o.allowdrift and st.d + st.D == 1) or (o.allowmean and st.d + st.D == 0)
    cands = [(p, q, P, Q, K == 1)
             for p in range(max_p + 1) for q in range(max_q + 1) for P in range(max_P + 1) for Q in range(max_Q + 1)
             if p + q + P + Q <= o.max_order for K in range(int(allow_constant) + 1)]
    ics = yield [("search", *c, meth) for c in cands]
    order = sorted(range(len(cands)), key=lambda i: ics[i])  # stable: the first of equal ICs, as R's strict <
    if not order or ics[order[0]] == math.inf:
        raise ValueError("No suitable ARIMA model found (every candidate failed or had a root near the unit circle)")
    best = cands[order[0]]
    if approx:
        ic = yield from _one(("refit", *best, "css-mle"))
        if ic == math.inf:
            st.approximation = False
            yield from _grid(st, approx=False)
            return
        st.best = (*best, "css-mle")
        return
    for i in order:
        if ics[i] == math.inf:
            break
        ic = yield from _one(("check", *cands[i], meth))
        if ic < math.inf:
            st.best = (*cands[i], meth)
            return
    raise ValueError("No suitable ARIMA model found (every candidate failed or had a root near the unit circle)")


# ----------------------------------------------------------------------------- fitting
class _Templates:
    """Per model: parameter names, the compiled fit's ``spec``, lags and trend constant."""

    def __init__(self):
        self._cache = {}

    def get(self, p, d, q, P, D, Q, m, trend):
        key = (p, d, q, P, D, Q, m, trend)
        t = self._cache.get(key)
        if t is None:
            from .estimators.css import _structural_lags
            from .spec import ARIMA

            n = 10 * (d + D * m + 2 * p + P * m + q + P + Q + 3) + 20
            y = np.random.default_rng(0).standard_normal(n).cumsum()
            seas = (P, D, Q, m) if m > 1 else (0, 0, 0, 0)
            model = ARIMA(y, order=(p, d, q), seasonal_order=seas, trend=trend)
            cx = 0.0
            if model.k_exog == 1:
                col = model._dX[:, 0]
                cx = float(col[0]) if (col.size and np.all(col == col[0]) and col[0] != 0.0) else None
            elif model.k_exog > 1:
                cx = None
            r = max(p + P * m, q + Q * m + 1)
            ar_lags, ma_lags = _structural_lags(model)
            t = dict(names=list(model.param_names), k=model.k_params, k_exog=model.k_exog, ncond=model.ncond,
                     spec=np.array([model.k_exog, p, q, P, Q, model.order_tuple[6], model.ncond], dtype=np.int64),
                     ar_lags=np.ascontiguousarray(ar_lags, dtype=np.int64),
                     ma_lags=np.ascontiguousarray(ma_lags, dtype=np.int64),
                     cx=cx, compiled=(cx is not None and r < 40), slices=dict(model._slices))
            self._cache[key] = t
        return t


def _min_root(ar, sar, ma, sma, m):
    """Smallest modulus of the roots of the expanded AR and MA polynomials (2.0 when there are none)."""
    minroot = 2.0
    for reg, seas, sign in ((ar, sar, -1.0), (ma, sma, 1.0)):
        if reg.size == 0 and seas.size == 0:
            continue
        a = np.r_[1.0, sign * reg]
        if seas.size:
            s = np.zeros(seas.size * m + 1)
            s[0] = 1.0
            s[m::m] = sign * seas
            a = np.convolve(a, s)
        nz = np.flatnonzero(np.abs(a[1:]) > 1e-8)
        if nz.size:
            coefs = a[: nz[-1] + 2]
            roots = np.roots(coefs[::-1])
            if not np.all(np.isfinite(roots)):
                return -1.0
            minroot = min(minroot, float(np.min(np.abs(roots))))
    return minroot


def _ic(st, npar, method, llf, sigma2, offset):
    """R's ``myarima`` IC from the likelihood (ML) or the CSS variance: (value, status)."""
    nstar = st.n_ic - st.d - st.D * st.m
    if method == "css":
        aic = offset + nstar * math.log(sigma2) if sigma2 > 0 else -math.inf
        aic += 2 * npar
    else:
        aic = -2.0 * llf + 2 * npar
    if not np.isfinite(aic):
        return math.inf, "non-finite likelihood or variance"
    if st.ic == "aic":
        ic = aic
    elif st.ic == "bic":
        ic = aic + npar * (math.log(nstar) - 2.0)
    else:
        denom = nstar - npar - 1
        ic = aic + 2.0 * npar * (npar + 1) / denom if denom > 0 else math.inf
    if not np.isfinite(ic):
        return math.inf, "too few observations for the AICc"
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


class _Fitter:
    """Fits the requested candidates of many series: compiled groups on threads, the rest in Python."""

    def __init__(self, states, n_workers, verbose=False):
        self.states = states
        self.n_workers = n_workers
        self.templates = _Templates()
        self.verbose = verbose
        self._dy = {}
        self._pool = None

    def close(self):
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None

    def dy(self, i):
        """Series ``i`` differenced by its ``d`` and ``D`` (what the compiled fit takes)."""
        w = self._dy.get(i)
        if w is None:
            st = self.states[i]
            w = _seasonal_diff(st.x, st.D, st.m) if st.D else st.x
            if st.d:
                w = np.diff(w, n=st.d)
            w = np.ascontiguousarray(w, dtype=np.float64)
            self._dy[i] = w
        return w

    def fit(self, requests):
        """``requests``: list of (series, (stage, p, q, P, Q, constant, method)); returns their ICs."""
        from .spec import MIN_OBS_PER_COEF

        out = [math.inf] * len(requests)
        groups: dict = {}
        for j, (i, req) in enumerate(requests):
            stage, p, q, P, Q, c, meth = req
            st = self.states[i]
            if stage == "check":
                continue
            trend = st.trend_of(c) if stage != "offset" else ("c" if c else "n")
            t = self.templates.get(p, st.d, q, P, st.D, Q, st.m, trend)
            key = (p, st.d, q, P, st.D, Q, st.m, trend, meth)
            if t["compiled"] and st.X is None:
                w = self.dy(i)
                n_w = int(np.sum(~np.isnan(w)))
                n_free = t["k"]
                need = max(t["ncond"] + 1, n_free + 1, MIN_OBS_PER_COEF * (n_free - 1))
                if w.size < 1 or n_w < need:
                    continue  # ARIMA would raise: too few observations (IC stays inf; recorded below)
            groups.setdefault(key, []).append(j)
        fitted: dict = {}
        compiled_tasks = []
        for key, js in groups.items():
            p, d, q, P, D, Q, m, trend, meth = key
            t = self.templates.get(p, d, q, P, D, Q, m, trend)
            rows = [requests[j][0] for j in js]
            if t["compiled"] and all(self.states[i].X is None for i in rows):
                outp = np.full((len(js), t["k"]), np.nan)
                outs = np.full((len(js), 6), np.nan)
                for a in range(0, len(js), _CHUNK):
                    compiled_tasks.append((t, meth, rows[a: a + _CHUNK], outp[a: a + _CHUNK], outs[a: a + _CHUNK]))
                fitted[key] = (js, outp, outs, None)
            else:
                fitted[key] = (js, None, None, [self._fit_python(requests[j][0], p, q, P, Q, trend, meth)
                                                for j in js])
        self._run_compiled(compiled_tasks)

        from .estimators import compiled as bn

        records: dict = {}
        for key, (js, outp, outs, pyres) in fitted.items():
            p, d, q, P, D, Q, m, trend, meth = key
            t = self.templates.get(p, d, q, P, D, Q, m, trend)
            for r, j in enumerate(js):
                i, req = requests[j]
                st = self.states[i]
                stage = req[0]
                res = None
                if pyres is not None:
                    res, err = pyres[r]
                    if res is None:
                        records[j] = _Fit(None, math.nan, math.inf, err, meth, trend, False)
                        continue
                    params = res.params.to_numpy(dtype=np.float64)
                    llf, conv = float(res.llf), bool(res.converged)
                    npar, sl = res.df_model, res.model._slices
                else:
                    params = outp[r].copy()
                    code = outs[r, bn.CODE]
                    if code == bn.BREAKDOWN or not np.all(np.isfinite(params)):
                        records[j] = _Fit(None, math.nan, math.inf, "error: the likelihood could not be evaluated "
                                          "at the optimum", meth, trend, False)
                        continue
                    llf, conv = float(outs[r, bn.LLF]), bool(outs[r, bn.CONVERGED] > 0)
                    npar, sl = t["k"], t["slices"]
                if stage == "offset":
                    records[j] = _Fit(params, llf, math.nan, "ok", meth, trend, conv, res)
                    continue
                offset = st.offset if stage == "search" else 0.0  # R passes no offset to the refits
                ic, status = _ic(st, npar, meth, llf, params[-1], offset)
                if ic < math.inf:
                    mr = _min_root(params[sl["ar"]], params[sl["sar"]], params[sl["ma"]], params[sl["sma"]],
                                   st.m)
                    if mr < 0:
                        ic, status = math.inf, "roots not finite"
                    elif mr < 1.01:
                        ic, status = math.inf, f"root modulus {mr:.4f} < 1.01"
                records[j] = _Fit(params, llf, ic, status, meth, trend, conv, res)
        # record, in request order: the trace and each series' fits
        for j, (i, req) in enumerate(requests):
            stage, p, q, P, Q, c, meth = req
            st = self.states[i]
            if stage == "check":
                f = st.fits.get((p, q, P, Q, c, meth))
                ok, why = _var_ok(st, (p, q, P, Q, c, meth))
                out[j] = f.ic if ok else math.inf
                if not ok:
                    f.ic, f.status = math.inf, why
                    st.rows.append(_row(st, p, q, P, Q, c, f.trend, math.inf, why, meth, "check"))
                continue
            rec = records.get(j)
            if rec is None:  # too short for this model
                trend = st.trend_of(c) if stage != "offset" else ("c" if c else "n")
                rec = _Fit(None, math.nan, math.inf, "error: too few observations for this model", meth, trend, False)
            if stage == "offset":
                st.fits[(p, q, P, Q, c, "offset")] = rec
                continue
            if stage == "refit" and rec.ic < math.inf:
                st.fits[(p, q, P, Q, c, meth)] = rec
                ok, why = _var_ok(st, (p, q, P, Q, c, meth))
                if not ok:
                    rec.ic, rec.status = math.inf, why
            st.fits[(p, q, P, Q, c, meth)] = rec
            out[j] = rec.ic
            st.rows.append(_row(st, p, q, P, Q, c, rec.trend, rec.ic, rec.status, meth, stage))
            if self.verbose:
                print(f" {_label(p, st.d, q, P, st.D, Q, st.m, c)} : {rec.ic}")
        return out

    def _run_compiled(self, tasks):
        if not tasks:
            return
        from .estimators import compiled as bn

        def work(task):
            t, meth, rows, outp, outs = task
            code = bn.CSS if meth == "css" else bn.MLE
            # ML: at most R's optim maxit = 100 BFGS iterations (R's arima); CSS: fit_many's settings
            args = bn._args(code, t["spec"], t["cx"], 1e-10, _MAXIT if code == bn.MLE else 500, 200,
                            1e-7 if code == bn.MLE else 1e-8,
                            t["ar_lags"], t["ma_lags"])
            k = t["k"] - 1
            x = np.empty(k)
            g = np.empty(k)
            for r, i in enumerate(rows):
                bn._fit_series_nb(self.dy(i), *args, outp[r], outs[r], x, g)

        if self.n_workers <= 1 or len(tasks) <= 1:
            for task in tasks:
                work(task)
            return
        if self._pool is None:
            from concurrent.futures import ThreadPoolExecutor

            self._pool = ThreadPoolExecutor(max_workers=self.n_workers)
        for fut in [self._pool.submit(work, task) for task in tasks]:
            fut.result()

    def _fit_python(self, i, p, q, P, Q, trend, meth):
        """``ARIMA(...).fit()`` of one candidate (exog, long seasonal state); (result or None, status)."""
        from .spec import ARIMA

        st = self.states[i]
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                res = ARIMA(_endog(st), exog=_exog(st), order=(p, st.d, q), seasonal_order=st.seasonal_of(P, Q),
                            trend=trend).fit(method=meth)
            return res, "ok"
        except Exception as exc:  # R's try(): a failing candidate gets IC = inf, the search goes on
            return None, f"error: {type(exc).__name__}: {exc}"


def _endog(st):
    """The series the final model is built on (a pandas Series keeps its index), truncated as R does."""
    y = st.endog if st.endog is not None else st.x
    if y is not st.x and len(y) != st.x.size:
        y = y.iloc[-st.x.size:] if hasattr(y, "iloc") else y[-st.x.size:]
    return y


def _exog(st):
    if st.exog is None:
        return None
    ex = st.exog
    if len(ex) != st.x.size:
        import pandas as pd

        if isinstance(ex, (pd.Series, pd.DataFrame)):
            ex = ex.iloc[-st.x.size:]
            if isinstance(ex.index, pd.RangeIndex):
                ex = ex.reset_index(drop=True)
        else:
            ex = ex[-st.x.size:]
    return ex


def _trace_frame(rows):
    import pandas as pd

    cols = ["order", "seasonal_order", "constant", "trend", "ic", "status", "method", "stage"]
    return pd.DataFrame(rows, columns=cols)


def _row(st, p, q, P, Q, c, trend, ic, status, method, stage):
    return {"order": (p, st.d, q), "seasonal_order": (P, st.D, Q, st.m if st.m > 1 else 0), "constant": bool(c),
            "trend": trend, "ic": ic, "status": status, "method": method, "stage": stage}


def result_of(st, key=None):
    """The ``ARIMAResults`` of a series' fit (by default the chosen one), rebuilt from its parameters."""
    from .spec import ARIMA

    key = st.best if key is None else key
    if key is None:
        if st.final is None and st.status == "ok" and getattr(st, "constant_after_diff", False):
            constant_after_differencing(st, record=False)  # after unpickling: rebuilt, the same fixed model
        if st.final is not None:
            return st.final
        raise ValueError(f"the series was not fitted: {st.status}")
    f = st.fits[key]
    if f.res is not None:
        return f.res
    p, q, P, Q, c, meth = key
    from .batch import _rebuild

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = ARIMA(_endog(st), exog=_exog(st), order=(p, st.d, q), seasonal_order=st.seasonal_of(P, Q),
                      trend=f.trend)
        f.res = _rebuild(model, f.params, meth, f.converged, 1e-10)
    return f.res


def _var_ok(st, key):
    """R's check that every coefficient variance is finite and non-negative (``myarima``'s
    ``any(is.nan(sqrt(diag(fit$var.coef))))``); (ok, reason)."""
    try:
        res = result_of(st, key)
    except Exception as exc:
        return False, f"error: {type(exc).__name__}: {exc}"
    k_coef = res.model.k_params - 1
    if not k_coef:
        return True, "ok"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            var = np.diag(res.cov_params().to_numpy())[:k_coef]
    except Exception as exc:  # a singular Hessian
        return False, f"coefficient variances not available ({type(exc).__name__})"
    if np.any(~np.isfinite(var)) or np.any(var < 0):
        return False, "coefficient variance negative or not finite"
    return True, "ok"


def constant_after_differencing(st, record=True):
    """R's models for a series that differencing makes constant: ARIMA(0,d,0)(0,D,0) with a fixed drift/mean."""
    from .spec import ARIMA

    d, D, m = st.d, st.D, st.m
    seas = (0, D, 0, m) if D else (0, 0, 0, 0)
    fixed, trend = None, "n"
    if st.X is None:
        if D > 0 and d == 0 and D == 1:
            trend, fixed = "t", {"x1": st.dx_mean / m}
        elif D == 0 and d == 1:
            trend, fixed = "t", {"x1": st.dx_mean}
        elif D == 0 and d == 0:
            trend, fixed = "c", {"const": st.dx_mean}
        elif D == 0 and d > 2:
            raise ValueError("the data follow a simple polynomial and are not suitable for ARIMA modelling")
    meth = st.opts.method or "css-mle"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = ARIMA(_endog(st), exog=_exog(st), order=(0, d, 0), seasonal_order=seas, trend=trend)
        if fixed and trend == "t" and model.trend_names[0] != "x1":
            fixed = {model.trend_names[0]: next(iter(fixed.values()))}
        res = model.fit(method=meth, fixed=fixed)
    if record:
        st.rows.append({"order": (0, d, 0), "seasonal_order": seas, "constant": trend != "n", "trend": trend,
                        "ic": math.nan, "status": "differenced series is constant", "method": meth,
                        "stage": "constant"})
    st.final = res
    return res


def drive(states, n_workers=1, verbose=False, progress=None):
    """Run the searches of ``states`` in lock-step; each state ends with ``best`` / ``final`` or a status."""
    fitter = _Fitter(states, n_workers, verbose)
    gens = {}
    try:
        for i, st in enumerate(states):
            if st is None or st.status != "ok":
                continue
            if st.constant_after_diff:
                try:
                    constant_after_differencing(st)
                except Exception as exc:
                    st.status = _message(exc)
                continue
            gens[i] = _stepwise(st) if st.opts.stepwise else _grid(st)
        pending = {}
        for i, g in list(gens.items()):
            _advance(states, gens, pending, i, None)
        while pending:
            flat = [(i, req) for i, reqs in pending.items() for req in reqs]
            ics = fitter.fit(flat)
            answers: dict = {}
            for (i, _), ic in zip(flat, ics):
                answers.setdefault(i, []).append(ic)
            current = list(pending)
            pending = {}
            for i in current:
                _advance(states, gens, pending, i, answers[i])
            if progress is not None:
                progress(len(states) - len(pending))
    finally:
        fitter.close()
    return states


def _message(exc) -> str:
    text = str(exc).strip().splitlines()
    msg = text[0] if text else type(exc).__name__
    return msg if isinstance(exc, ValueError) else f"{type(exc).__name__}: {msg}"


def _advance(states, gens, pending, i, answer):
    g = gens[i]
    try:
        req = next(g) if answer is None else g.send(answer)
        pending[i] = req
    except StopIteration:
        pass
    except Exception as exc:  # one series never fails the batch
        states[i].status = _message(exc)
        states[i].best = None


# ----------------------------------------------------------------------------- many series
class AutoArimaManyResult:
    """The models ``auto_arima_many`` chose, one row per series (see :func:`auto_arima_many`).

    Attributes
    ----------
    table : pandas.DataFrame
        Indexed by series id: ``order`` (p, d, q), ``seasonal_order`` (P, D, Q, m), ``p, d, q,
        P, D, Q, m``, ``constant`` (bool), ``trend``, ``ic`` (the criterion's value, R's
        ``fit$aicc`` / ``aic`` / ``bic`` of the returned fit), ``ic_name``, ``llf``, ``sigma2``,
        ``method`` (of the returned fit), ``approximation``, ``nmodels`` (fits in the search),
        ``nobs``, ``status`` (``"ok"`` or why not).
    """

    _many_series_result = True  # batch.forecast_many takes it (as FitManyResult)

    def __init__(self, table, params, states, batch):
        self.table = table
        self._params = params
        self._states = states
        self._batch = batch

    def __reduce__(self):
        """Pickle as plain data: the tables, each series' search state and the laid-out series,
        without the fitted ``ARIMAResults`` cached on them (they hold closures); :meth:`result`
        rebuilds those from the stored estimates (the same numbers)."""
        return AutoArimaManyResult, (self.table, self._params, [_plain(st) for st in self._states], self._batch)

    @property
    def params(self):
        """Estimates, one row per series, one column per parameter name (NaN where a series'
        model has no such parameter)."""
        return self._params

    @property
    def ok(self):
        return (self.table["status"] == "ok").rename("ok")

    def __len__(self) -> int:
        return len(self.table)

    def __repr__(self) -> str:
        n_ok = int(self.ok.sum())
        return f"<AutoArimaManyResult: {len(self)} series, {n_ok} ok, {len(self) - n_ok} not>"

    def _position(self, id_):
        from .batch import table_position

        return table_position(self.table, id_)

    def result(self, id_):
        """The fitted :class:`ARIMAResults` of series ``id_`` (rebuilt from its estimates)."""
        st = self._states[self._position(id_)]
        if st is None or st.status != "ok":
            raise ValueError(f"series {id_!r} has no model: {self.table['status'].iloc[self._position(id_)]}")
        return result_of(st)

    def trace(self, id_):
        """The search trace of series ``id_`` (as ``auto_arima(...).search_trace``)."""
        st = self._states[self._position(id_)]
        return _trace_frame([] if st is None else st.rows)

    def forecast(self, steps: int = 1, alpha: float = 0.05):
        """Forecasts of every series as one long DataFrame.

        Columns ``id, step`` (``time`` when the input had a time axis), ``mean, mean_se,
        mean_ci_lower, mean_ci_upper`` (``ARIMAResults.get_forecast(steps).summary_frame(alpha)``)
        and ``status``: a series without a model, or whose forecast fails, gets ``steps`` rows of
        NaN with the reason in ``status``.
        """
        import pandas as pd

        from .._validation import check_int

        steps = check_int(steps, "steps", minimum=1)
        if not 0 < alpha < 1:
            raise ValueError(f"alpha={alpha}: give 0 < alpha < 1")
        n = len(self.table)
        vals = np.full((n, steps, 4), np.nan)
        status = list(self.table["status"])
        times = [None] * n
        for pos in range(n):
            st = self._states[pos]
            if st is None or status[pos] != "ok":
                continue
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    sf = result_of(st).get_forecast(steps).summary_frame(alpha)
            except Exception as exc:
                status[pos] = f"forecast failed: {_message(exc)}"
                continue
            vals[pos] = sf[["mean", "mean_se", "mean_ci_lower", "mean_ci_upper"]].to_numpy()
            times[pos] = sf.index
        ids = np.repeat(np.asarray(self.table.index, dtype=object), steps)
        out = pd.DataFrame({"id": ids, "step": np.tile(np.arange(1, steps + 1), n)})
        if self._batch is not None and self._batch.has_time:
            tcol = []
            for pos in range(n):
                tcol.extend(list(times[pos]) if times[pos] is not None else [None] * steps)
            out["time"] = tcol
        for j, c in enumerate(("mean", "mean_se", "mean_ci_lower", "mean_ci_upper")):
            out[c] = vals[:, :, j].ravel()
        out["status"] = np.repeat(np.asarray(status, dtype=object), steps)
        return out


def _plain(st):
    """A copy of a search state without cached results (see ``AutoArimaManyResult.__reduce__``)."""
    import copy

    if st is None:
        return None
    out = copy.copy(st)
    out.fits = {k: _Fit(f.params, f.llf, f.ic, f.status, f.method, f.trend, f.converged) for k, f in st.fits.items()}
    out.final = None
    return out


def auto_arima_many(data, m=None, *, d=None, D=None, max_p=5, max_q=5, max_P=2, max_Q=2, max_order=5, max_d=2,
                    max_D=1, start_p=2, start_q=2, start_P=1, start_Q=1, ic="aicc", stepwise=True, nmodels=94,
                    approximation=None, truncate=None, test="kpss", seasonal_test="seas", allowdrift=True,
                    allowmean=True, method=None, stationary=False, seasonal=True, n_jobs=None, id_col=None,
                    time_col=None, value_col=None, progress=None):
    """R's ``forecast::auto.arima`` on many series at once; one chosen model per series.

    Parameters
    ----------
    data : 2-D array (n_series, T), wide DataFrame, or long DataFrame
        As :func:`convts.fit_many`: a 2-D array holds one series per row; a wide DataFrame one
        series per column (a DatetimeIndex / PeriodIndex is the time axis); a long DataFrame one
        observation per row with ``id_col``, ``value_col`` (and ``time_col``).  Leading and
        trailing NaN are trimmed (series of different lengths); interior NaN are missing values.
    m : int, optional
        Seasonal period of every series.  Default: from the wide frame's time index (12 monthly,
        4 quarterly), else 1.
    d, D, max_p, ..., seasonal :
        As :func:`convts.auto_arima` (R's arguments and defaults), applied to every series.
    n_jobs : int, optional
        Threads for the compiled fits (default: every core).
    id_col, time_col, value_col : str, optional
        Columns of a long DataFrame.
    progress : bool, optional
        A tqdm bar over finished searches (as ``fit_many``).

    Returns
    -------
    AutoArimaManyResult
        ``.table`` (one row per series: chosen orders, constant, IC, status), ``.params``,
        ``.result(id)``, ``.trace(id)``, ``.forecast(steps, alpha)``.

    Notes
    -----
    Series by series this is :func:`convts.auto_arima` (no ``exog``): the same preparation and
    the same search engine (:mod:`convts.models._auto_arima_many`), run for all series in
    lock-step so that each search step fits the candidates of every series in one batch of
    compiled, multi-threaded fits.  A series that cannot be modelled (all NaN, constant, too
    short, no candidate with a finite IC) gets a ``status`` saying why and NaN estimates; it
    never stops the batch.

    One departure from ``auto_arima`` (and R): for periods ``m > 24`` (weekly data with
    ``m = 52``, daily with ``m = 365``) the seasonal AR and MA orders are capped at 0, so the
    search is over ``ARIMA(p,d,q)(0,D,0)[m]`` (``D`` still from ``nsdiffs``); R fits seasonal
    ARMA terms with a state of dimension ``m`` or more, hours for thousands of series.  Model
    long seasonality with Fourier terms instead (``auto_arima(y, exog=fourier_terms)``).

    Examples
    --------
    >>> import numpy as np, convts
    >>> rng = np.random.default_rng(1)
    >>> Y = np.vstack([convts.kernels.arma(ar=[0.7])(rng.standard_normal(120)), np.ones(120)])
    >>> res = convts.auto_arima_many(Y)
    >>> res.table.loc[0, "order"], res.table.loc[1, "status"][:11]
    ((1, 0, 0), 'y is consta')
    >>> fc = res.forecast(3)
    >>> fc.shape
    (6, 7)
    """
    import pandas as pd

    from ._unitroot import infer_period
    from .batch import _n_workers, _prepare, _progress_bar

    opts = Options(d=d, D=D, max_p=max_p, max_q=max_q, max_P=max_P, max_Q=max_Q, max_order=max_order, max_d=max_d,
                   max_D=max_D, start_p=start_p, start_q=start_q, start_P=start_P, start_Q=start_Q, ic=ic,
                   stepwise=stepwise, nmodels=nmodels, approximation=approximation, truncate=truncate, test=test,
                   seasonal_test=seasonal_test, allowdrift=allowdrift, allowmean=allowmean, method=method,
                   stationary=stationary, seasonal=seasonal)
    if m is not None and (isinstance(m, bool) or not isinstance(m, (int, np.integer)) or m < 1):
        raise ValueError(f"m={m!r}: give the seasonal period as a positive integer (1: not seasonal)")
    n_workers = _n_workers(n_jobs)
    batch = _prepare(data, id_col, time_col, value_col)
    if m is None:
        m = infer_period(pd.Series(np.zeros(len(batch.time_index)), index=batch.time_index)) if (
            batch.time_index is not None and batch.has_time) else 1
    m_freq = int(m)
    m_search = int(m) if seasonal else 1
    n = batch.Y.shape[0]
    states = [None] * n
    status = ["ok"] * n
    for i in range(n):
        row = batch.Y[i]
        if not batch.any[i]:
            status[i] = "y is all missing (NaN): there is nothing to fit"
            continue
        x = np.array(row[batch.first[i]: batch.stop[i]], dtype=np.float64)
        if np.isinf(x).any():
            status[i] = "y contains inf; replace it with NaN (missing) or a finite value"
            continue
        try:
            states[i] = prepare(x, m_search, m_freq, opts, cap_long_period=True)
            if batch.time_index is not None:
                states[i].endog = batch.series(i)
        except Exception as exc:
            status[i] = _message(exc)
    bar = _progress_bar(progress, n)
    done = [0]

    def tick(k):
        if bar is not None and k > done[0]:
            bar.update(k - done[0])
            done[0] = k

    try:
        drive(states, n_workers, progress=tick if bar is not None else None)
    finally:
        if bar is not None:
            bar.close()
    return _many_result(states, status, batch, opts)


def _many_result(states, status, batch, opts):
    import pandas as pd

    n = len(states)
    rows, params = [], []
    names_all: list = []
    for i in range(n):
        st = states[i]
        row = dict(order=None, seasonal_order=None, p=np.nan, d=np.nan, q=np.nan, P=np.nan, D=np.nan, Q=np.nan,
                   m=np.nan, constant=None, trend=None, ic=np.nan, ic_name=opts.ic, llf=np.nan, sigma2=np.nan,
                   method=None, approximation=None, nmodels=0, nobs=np.nan, status=status[i])
        pdict = {}
        if st is not None:
            row["nmodels"] = len(st.rows)
            row["approximation"] = st.approximation
            if st.status != "ok":
                row["status"] = st.status
            elif st.best is not None or st.final is not None:
                if st.best is not None:
                    p, q, P, Q, c, meth = st.best
                    f = st.fits[st.best]
                    tmpl = _Templates().get(p, st.d, q, P, st.D, Q, st.m, f.trend) if f.res is None else None
                    names = list(f.res.model.param_names) if f.res is not None else tmpl["names"]
                    vals = f.params
                    row.update(ic=f.ic, llf=f.llf, trend=f.trend, method=meth, constant=bool(c))
                else:
                    res = st.final
                    p, q, P, Q = 0, 0, 0, 0
                    names = list(res.model.param_names)
                    vals = res.params.to_numpy(dtype=np.float64)
                    row.update(llf=float(res.llf), trend=res.model.trend, method=res.method,
                               constant=res.model.trend != "n")
                seas = st.seasonal_of(P, Q)
                row.update(order=(p, st.d, q), seasonal_order=seas, p=p, d=st.d, q=q, P=seas[0], D=seas[1],
                           Q=seas[2], m=st.m, sigma2=float(vals[-1]), nobs=st.n_obs)
                pdict = dict(zip(names, vals))
                for nm in names:
                    if nm not in names_all:
                        names_all.append(nm)
            else:
                row["status"] = "No suitable ARIMA model found"
        rows.append(row)
        params.append(pdict)
    table = pd.DataFrame(rows, index=batch.ids)
    table.index.name = "id"
    for c in ("p", "d", "q", "P", "D", "Q", "m", "nobs"):
        table[c] = pd.array([int(v) if np.isfinite(v) else None for v in table[c]], dtype="Int64")

    def rank(nm):
        for pos, pre in enumerate(("const", "x1", "drift", "ar.L", "ma.L", "ar.S.L", "ma.S.L", "sigma2")):
            if nm.startswith(pre):
                tail = nm[len(pre):]
                return (pos, int(tail) if tail.isdigit() else 0)
        return (1, 0)

    cols = sorted(names_all, key=rank)
    ptable = pd.DataFrame([[pdict.get(c, np.nan) for c in cols] for pdict in params], index=batch.ids, columns=cols,
                          dtype=np.float64)
    ptable.index.name = "id"
    return AutoArimaManyResult(table, ptable, states, batch)
