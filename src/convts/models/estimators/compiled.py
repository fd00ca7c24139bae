"""Numba kernels of :func:`convts.fit_many`: the whole per-series fit (CSS, then exact ML) in compiled code.

One call of :func:`fit_rows` fits a block of series without touching the interpreter, so
``fit_many`` runs blocks on a thread pool (``nogil``) and scales across cores.  Each series
goes through exactly the steps of the single-series estimators (:mod:`.css`, :mod:`.mle`):

1. CSS: minimise ``0.5 log(SSR / n_used)`` over ``(mu, ar, ma, sar, sma)`` from the start
   ``mu = mean of the differenced series / cx`` (the OLS regression on the differenced
   trend column, a constant ``cx``), ARMA terms 0; R's conditional recursion
   (:func:`..likelihood.kalman.css_residuals`) on the structural lags.  ``n_used`` does not depend on the
   parameters, so this is a least-squares problem, solved by Levenberg-Marquardt with a
   central-difference Jacobian of the residuals: to full accuracy for ``method='css'``, loosely
   (relative decrease < 1e-7, ~5 iterations) when it only gives the ML start.
2. Exact ML (``method`` 'mle' / 'css-mle'): map each AR/MA polynomial to the reals by the
   Jones/Monahan transform and the mean to units of ten times its OLS standard error (R's
   ``arima`` gives ``optim`` that ``parscale``), minimise ``-llf / n`` with ``sigma2`` profiled
   out; the likelihood is the Kalman filter of :func:`..likelihood.kalman.arma_loglike`
   (missing values skipped).  BFGS runs from two starts and keeps the better optimum: the CSS
   estimate, and statsmodels' SARIMAX start
   (a Hannan-Rissanen-type regression on lagged values and the residuals of a long AR,
   :func:`_hr_start`).  A polynomial whose roots lie within ``1 + 1e-3`` of the unit circle
   starts at 0.  From the CSS start alone about one series in six of an AR(1) fitted as
   ARMA(2, 2) stopped at a local optimum below statsmodels' (issue 17, item 7).  When the
   first run converged, the second stops as soon as an accepted iterate lies within
   :data:`JOIN_RADIUS` of the first optimum in every coordinate without being lower (it is
   descending into the optimum already found, which would be kept): the second start then
   costs a few iterations instead of a whole run.

The optimisers are :func:`..optimize.bfgs` (a backtracking (Armijo) line search) and
:func:`..optimize.levenberg_marquardt`, bound here to the objectives of
:mod:`..likelihood.objective` (the central-difference gradient of :mod:`..optimize`, step
``1e-6 * max(1, |x|)``, as the scipy path's), stopping on the same
tolerances (largest gradient ``< gtol``, or a relative decrease ``< reltol``, 1e-14; auto_arima's
search: see :func:`_args`).  It is not scipy's L-BFGS-B, so the two land on the same optimum to
the accuracy of those tolerances, not to the last bit (the tests check ``params`` to 1e-5 and
``llf`` to 1e-9 relative).

The likelihood is :func:`..likelihood.kalman.arma_loglike` and the transforms are those of
:mod:`..likelihood.transforms`, the ones the single-series fit uses.  These cached functions embed that
compiled code; :mod:`.._jitcache` says how their cache stays in step with those files.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from ..likelihood.kalman import _LOG2PI, scaled_llf
from ..likelihood.objective import _css_eval, _mle_eval, _mle_eval_adj
from ..likelihood.transforms import constrain_stationary, is_stationary, unconstrain_stationary
from ..optimize import _bfgs_direction, _bfgs_update  # noqa: F401 (the compiled pieces BFGS calls; warmup's test)
from ..optimize import (_FLAG, _FLAGS, _INLINE, _identity, _lstsq, bfgs, bind, central_gradient, central_points,
                        levenberg_marquardt)

__all__ = ["covers", "fit_rows", "METHODS"]

# stats columns of fit_rows' output
LLF, NOBS, CONVERGED, CODE, GMAX, NIT = range(6)
N_STATS = 6
# codes
OK, NOT_CONVERGED, BREAKDOWN = 0, 1, 2
CSS, MLE = 0, 1
SEARCH, POLISH = 1, 2  # _args(search=...): auto_arima's candidates; its chosen model from its estimates
# the second ML start stops once its iterate is this close to the first optimum in every
# transformed coordinate (and not lower): it is converging to the optimum already found
JOIN_RADIUS = 1e-3

# the optimisers bound to the objectives (inlined at IR level into _fit_series_nb)
@nb.njit(**_FLAGS)
def _leaving(x, spec, cx, tol, n_w, w, wd, parts, search):
    """auto_arima's search: a candidate whose iterates stay within R's 1.01 of the unit circle is
    heading for a root R's check rejects (BFGS stops it; after the first start, the second runs)."""
    return search != 0 and _near_unit_root(x, spec, 0.01)


_bfgs = nb.njit(**_INLINE)(bind(bfgs, evaluate=_mle_eval_adj, leaving=_leaving))
_css_lm = nb.njit(**_INLINE)(bind(levenberg_marquardt, residuals=_css_eval))


# ------------------------------------------------------------------ starting values




@nb.njit(**_FLAGS)
def _hannan_rissanen(z, ar_step, P, ma_step, Q, const):
    """statsmodels' SARIMAX start (``_conditional_sum_squares``): ``[c, ar, ma]`` (``c`` only with ``const``).

    The MA terms regress on the residuals of a long AR of order ``2 * Q * ma_step`` fitted by
    least squares without a constant; then one least-squares regression of ``z_t`` on a
    constant, ``z_{t - ar_step*i}`` (i = 1..P) and those residuals at lags ``ma_step*j``
    (j = 1..Q).  NaN where the series is too short.
    """
    n = z.size
    kq = Q * ma_step
    klong = 2 * kq
    r = max(klong + kq, P * ar_step)
    ncol = const + P + Q
    out = np.full(ncol, np.nan)
    if n - r <= ncol or (Q and n - klong <= klong):
        return out
    res = np.zeros(max(n - klong, 0))
    if Q:
        X = np.empty((n - klong, klong))
        for t in range(klong, n):
            for i in range(klong):
                X[t - klong, i] = z[t - i - 1]
        b = _lstsq(X, z[klong:])
        for t in range(klong, n):
            acc = z[t]
            for i in range(klong):
                acc -= X[t - klong, i] * b[i]
            res[t - klong] = acc
    X = np.empty((n - r, ncol))
    for t in range(r, n):
        row = t - r
        c = 0
        if const:
            X[row, 0] = 1.0
            c = 1
        for i in range(P):
            X[row, c + i] = z[t - ar_step * (i + 1)]
        for j in range(Q):
            X[row, c + P + j] = res[t - ma_step * (j + 1) - klong]
    return _lstsq(X, z[r:])


@nb.njit(**_FLAGS)
def _observed(w):
    """The non-NaN values of ``w`` (a copy) and their mean."""
    z = np.empty(w.size)
    m = 0
    for t in range(w.size):
        if w[t] == w[t]:
            z[m] = w[t]
            m += 1
    mean = 0.0
    for t in range(m):
        mean += z[t]
    return z[:m].copy(), mean / max(m, 1)


@nb.njit(**_FLAGS)
def _centered_ss(z, mean):
    """``sum (z - mean)^2`` (compiled in both copies of :func:`_fit_series`: the same rounding)."""
    acc = 0.0
    for t in range(z.size):
        acc += (z[t] - mean) ** 2
    return acc


@nb.njit(**_INLINE)
def _hr_start(w, spec, cx):
    """The statsmodels-style start ``(mu, ar, ma, sar, sma)`` (untransformed; NaN where unavailable).

    Missing values are dropped (as statsmodels does for its start); the seasonal polynomials
    come from a second regression on the seasonal lags, as in statsmodels.  The single fit runs
    it as Python (its loops are over the parameters).
    """
    k_mu, p, q, P, Q, s = spec[0], spec[1], spec[2], spec[3], spec[4], spec[5]
    k = k_mu + p + q + P + Q
    out = np.full(k, np.nan)
    z, mean = _observed(w)
    m = z.size
    if m == 0:
        return out
    # steps and constants from an array: literal arguments would compile one copy per value
    par = np.array([1, s, k_mu, 0])
    c = _hannan_rissanen(z, par[0], p, par[0], q, par[2])
    cs = _hannan_rissanen(z, par[1], P, par[1], Q, par[3])
    for i in range(p + q):
        out[k_mu + i] = c[k_mu + i]
    for i in range(P + Q):
        out[k_mu + p + q + i] = cs[i]
    if k_mu:
        one_minus = 1.0
        for i in range(p):
            one_minus -= c[1 + i]
        mu = c[0] / one_minus if abs(one_minus) > 1e-8 else mean
        out[0] = (mu if np.isfinite(mu) else mean) / cx
    return out


@nb.njit(**_INLINE)
def _ml_start(y0, spec):
    """Transformed ML start from untransformed ``y0``: a polynomial that is not finite or has a
    root within ``1 + 1e-3`` of the unit circle starts at 0."""
    k_mu = spec[0]
    k = y0.size
    x0 = np.zeros(k)
    if k_mu:
        x0[0] = y0[0] if np.isfinite(y0[0]) else 0.0
    o = k_mu
    for g in range(4):
        size = spec[1 + g]
        sign = 1.0 if g == 0 or g == 2 else -1.0  # groups in x: ar, ma, sar, sma
        if size:
            v = np.empty(size)
            for i in range(size):
                v[i] = y0[o + i] * sign
            if is_stationary(v, 1e-3):
                u = unconstrain_stationary(v)
                for i in range(size):
                    x0[o + i] = u[i]
        o += size
    return x0


@nb.njit(**_INLINE)
def _near_unit_root(x, spec, margin):
    """True when a polynomial at the transformed point ``x`` has a root of modulus below ``1 + margin``
    in the expanded (seasonal times regular) polynomial: a seasonal factor's roots in ``L^s`` have
    the ``s``-th root of their modulus (R's auto.arima check, on each factor)."""
    o = spec[0]
    s = spec[5]
    for grp in range(4):  # ar, ma, sar, sma
        size = spec[1 + grp]
        if size:
            coef = constrain_stationary(x[o: o + size].copy())
            m = margin if grp < 2 else (1.0 + margin) ** s - 1.0
            if not is_stationary(coef, m):
                return True
        o += size
    return False


# ------------------------------------------------------------------ one series: compiled stages
# :func:`_fit_series` (and the stages it calls: LM, the starts, BFGS) is one source run two
# ways.  The single fit runs it as Python (:data:`_fit_series_py`): the stages' Python copies
# loop over the parameters and call the compiled kernels (:func:`_css_eval`, :func:`_mle_eval`,
# :func:`_bfgs_direction`, :func:`_bfgs_update`, :func:`_observed`, :func:`_hannan_rissanen`),
# each objective compiled into one function only: numba re-optimises and re-emits the machine
# code of everything below each function it compiles (issue 11).  ``fit_many`` runs it compiled
# (:data:`_fit_series_nb`, compiled on the first ``fit_many``, the stages inlined at IR level),
# so that a whole fit releases the GIL and threads scale.
@nb.njit(**_FLAGS)
def _css_finish(xc, itc, okc, spec, cx, w, wd, css_out, ar_lags, ma_lags, out_p, out_s, out_x, out_g):
    """``method='css'``: gradient at the CSS estimate (central differences), sigma2 and llf."""
    k = xc.size
    n = w.size
    gc = 0.0
    J = np.empty((0, 0))  # unused by _css_eval's objective-only call
    e = np.empty(0)
    X, h = central_points(xc, 1e-6, 1)
    v = np.empty(2 * k + 1)
    for j in range(1, 2 * k + 1):
        v[j] = _css_eval(X[j], _FLAG[0], J, e, J, e, spec, cx, w, wd, css_out, ar_lags, ma_lags)[0]
    central_gradient(v, h, out_g)
    for i in range(k):
        gc = max(gc, abs(out_g[i]))
        out_x[i] = xc[i]
        out_p[i] = xc[i]
    _css_eval(xc, _FLAG[0], J, e, J, e, spec, cx, w, wd, css_out, ar_lags, ma_lags)
    ssq = 0.0
    nu = 0
    for t in range(n):
        v = css_out[t]
        if v == v:
            ssq += v * v
            nu += 1
    out_s[NOBS] = nu
    out_s[GMAX] = gc
    out_s[NIT] = itc
    if nu <= 0 or not ssq > 0 or not np.isfinite(ssq):
        out_p[k] = np.nan
        out_s[LLF] = np.nan
        out_s[CONVERGED] = 0.0
        out_s[CODE] = BREAKDOWN
        return
    sigma2 = ssq / nu
    out_p[k] = sigma2
    out_s[LLF] = scaled_llf(ssq, 0.0, nu, sigma2)
    conv = okc or gc < 1e-5
    out_s[CONVERGED] = 1.0 if conv else 0.0
    out_s[CODE] = OK if conv else NOT_CONVERGED


def _fit_series(w, method, spec, cx, tol, maxiter, css_maxiter, gtol, reltol, search, ar_lags, ma_lags, out_p, out_s,
                out_x, out_g):
    """Fit one series; estimates into ``out_p`` (model order, sigma2 last), the stats into ``out_s``,
    the optimiser's final point (transformed coordinates for ML) and gradient into ``out_x``, ``out_g``.

    CSS by Levenberg-Marquardt; for exact ML then BFGS from two starts, the CSS estimate and
    statsmodels' Hannan-Rissanen-type regression start (:func:`_hr_start`), keeping the better
    optimum (the CSS one unless the other is lower by more than 1e-10 relative; the second run
    stops early once it joins the first optimum, see the module notes): from the CSS
    start alone about one series in six of an AR(1) fitted as ARMA(2, 2) stopped at a local
    optimum below statsmodels'.  ``search`` (see :func:`_args`) changes this for auto_arima: its
    candidates take the second start only when the first optimum would be rejected, with forward
    differences and R's ``reltol``; its chosen model (``POLISH``) runs BFGS from ``out_p``.
    Plain Python or numba (see above): loops, no constants passed to compiled functions (numba
    would compile a copy per literal value).
    """
    k_mu = spec[0]
    k = k_mu + spec[1] + spec[2] + spec[3] + spec[4]
    n = w.size
    wd = np.empty(n)
    css_out = np.empty(n)
    z, mean = _observed(w)  # compiled also in the Python copy: no interpreted loop over the series
    n_w = z.size
    x0 = np.zeros(k)
    if k_mu:
        x0[0] = mean / cx if n_w > 0 else 0.0
    nw = float(max(1, n_w))
    ml = method == MLE
    polish = ml and search == POLISH
    if polish:  # BFGS from the estimates given in out_p (untransformed), no CSS, one start
        xc = np.empty(k)
        for i in range(k):
            xc[i] = out_p[i]
        itc, okc = 0, True
        search = 0
    else:
        xc, itc, okc = _css_lm(x0, css_maxiter if ml else maxiter, 1e-7 if ml else 1e-15, css_out,
                               (spec, cx, w, wd, css_out, ar_lags, ma_lags))
    if not ml:
        _css_finish(xc, itc, okc, spec, cx, w, wd, css_out, ar_lags, ma_lags, out_p, out_s, out_x, out_g)
        return
    # BFGS works on the mean in units of ten times its OLS standard error (R's arima: optim's
    # parscale for the regression coefficients), so that all coordinates vary on similar scales
    scale = 1.0
    if k_mu and n_w > 1:
        se = np.sqrt(_centered_ss(z, mean) / (n_w - 1) / n_w) / abs(cx)
        if se > 0.0 and np.isfinite(se):
            scale = 10.0 * se
    cxs = cx * scale
    x0m = _ml_start(xc, spec)
    if k_mu:
        x0m[0] /= scale
    parts = np.full(4 + k, np.nan)  # the filter's (ssq, sum log F, nobs), then the last (value, point)
    obj = (spec, cxs, tol, nw, w, wd, parts, search)
    xm, fm, gvm, itm, okm, _ = _bfgs(x0m, maxiter, gtol, reltol, obj, x0m, 0.0, -1.0)
    # auto_arima's search: R's one start, unless its optimum would be rejected (not converged, or a
    # root within R's 1.01 of the unit circle): then the second start too, as every other fit
    if k > k_mu and not polish and (not search or not okm or _near_unit_root(xm, spec, 0.01)):
        x0h = _ml_start(_hr_start(w, spec, cx), spec)
        if k_mu:  # the second start is for the ARMA coefficients: the mean from the first optimum
            x0h[0] = xm[0]
        same = True
        for i in range(k):
            if abs(x0h[i] - x0m[i]) > 1e-8 * (1.0 + abs(x0m[i])):
                same = False
        if not same:
            # the second run stops once it descends into the first optimum (when that one converged)
            xh, fh, gvh, ith, okh, joined = _bfgs(x0h, maxiter, gtol, reltol, obj, xm, fm,
                                                  JOIN_RADIUS if okm else -1.0)
            if not joined and fh < fm - 1e-10 * max(1.0, abs(fm)):
                xm, fm, gvm, itm, okm = xh, fh, gvh, ith, okh
    # ---- the estimates at the optimum (the mean back in its own units)
    gm = 0.0
    for i in range(k):
        gm = max(gm, abs(gvm[i]))
    if k_mu:
        xm[0] *= scale
        gvm[0] /= scale
    for i in range(k):
        out_x[i] = xm[i]
        out_g[i] = gvm[i]
    _mle_eval(xm, gvm, _FLAG[0], spec, cx, tol, nw, w, wd, parts, search)
    ssq = parts[0]
    slog = parts[1]
    nobs = int(parts[2])
    if k_mu:
        out_p[0] = xm[0]
    o = k_mu
    for grp in range(4):  # ar, ma, sar, sma
        size = spec[1 + grp]
        sign = 1.0 if grp == 0 or grp == 2 else -1.0
        if size:
            coef = constrain_stationary(xm[o: o + size].copy())
            for i in range(size):
                out_p[o + i] = sign * coef[i]
        o += size
    out_s[GMAX] = gm
    out_s[NIT] = itm
    if nobs <= 0 or not np.isfinite(ssq) or not ssq > 0:
        out_p[k] = np.nan
        out_s[LLF] = np.nan
        out_s[NOBS] = max(nobs, 0)
        out_s[CONVERGED] = 0.0
        out_s[CODE] = BREAKDOWN
        return
    sigma2 = ssq / nobs
    out_p[k] = sigma2
    out_s[LLF] = -0.5 * (nobs * (_LOG2PI + np.log(sigma2)) + slog + ssq / sigma2)  # _kalman.scaled_llf
    out_s[NOBS] = nobs
    conv = okm or gm < 1e-4
    out_s[CONVERGED] = 1.0 if conv else 0.0
    out_s[CODE] = OK if conv else NOT_CONVERGED


_fit_series_nb = nb.njit(**_FLAGS)(_fit_series)  # BFGS inside takes the adjoint gradient (_bfgs above)


# The single fit's Python copies: BFGS runs as Python over the compiled objective-and-gradient
# (:func:`_mle_eval`), so the Kalman filter is compiled into one function only (a compiled BFGS
# re-optimised it once more, ~2 CPU-s); its loops are over the parameters (a few), the filter's
# over the series.  ``fit_many`` keeps the compiled :func:`_bfgs` inside :data:`_fit_series_nb`.
_bfgs_py = bind(bfgs, evaluate=_mle_eval, _identity=_identity.py_func, leaving=_leaving.py_func)
_css_lm_py = bind(levenberg_marquardt, residuals=_css_eval)
_fit_series_py = bind(_fit_series, _bfgs=_bfgs_py, _css_lm=_css_lm_py, _ml_start=_ml_start.py_func,
                            _hr_start=_hr_start.py_func)


# ------------------------------------------------------------------ Python entry points
METHODS = ("css-mle", "mle", "css")  # what the compiled fit covers (fit_many; the single fit for 'mle', 'css-mle')


def covers(model, method: str = "mle", fixed=None):
    """The constant ``cx`` of the differenced trend column when the compiled fit covers the model, else None.

    Covered: ``method`` in :data:`METHODS`, no ``fixed``, at most one trend term that is a
    constant after differencing, and a state dimension ``max(p + P s, q + Q s + 1) < 40``
    (longer seasonal periods take the single-series fit's Toeplitz likelihood).
    """
    if method not in METHODS or fixed:
        return None
    p, d, q, P, D, Q, s = model.order_tuple
    if max(p + P * s, q + Q * s + 1) >= 40:
        return None
    return model._trend_constant()


def _f64(a):
    return np.require(a, dtype=np.float64, requirements=("C", "W"))


def _args(method, spec, cx, tol, maxiter, css_maxiter, gtol, ar_lags, ma_lags, search=0):
    """Arguments of :func:`_fit_series` in the one type each compiled stage is compiled for.

    ``search``: 0, a fit (two starts, central differences, BFGS until a step lowers ``-llf / n`` by
    less than 1e-14 relative); :data:`SEARCH`, auto_arima's candidates, fitted as R's ``arima``
    inside ``auto.arima`` does (one start, the CSS estimate, the second only where the first would
    be rejected; R's optim ``reltol = 1e-8``), with forward-difference gradients; :data:`POLISH`,
    its chosen model, BFGS as a fit but from the estimates passed in ``out_p``."""
    return (int(method), np.ascontiguousarray(spec, dtype=np.int64), float(cx), float(tol), int(maxiter),
            int(css_maxiter), float(gtol), 1e-8 if search == SEARCH else 1e-14, int(search),
            np.ascontiguousarray(ar_lags, dtype=np.int64), np.ascontiguousarray(ma_lags, dtype=np.int64))


def _fit_one(w, method, spec, cx, tol, maxiter, css_maxiter, gtol, ar_lags, ma_lags, out_p, out_s, out_x, out_g):
    """The single-series fit: :func:`_fit_series` run as Python over the compiled stages."""
    _fit_series_py(_f64(w), *_args(method, spec, cx, tol, maxiter, css_maxiter, gtol, ar_lags, ma_lags),
                out_p, out_s, out_x, out_g)


def fit_rows(DY, starts, stops, rows, method, spec, cx, tol, maxiter, css_maxiter, gtol, ar_lags, ma_lags,
             out_params, out_stats):
    """Fit series ``DY[i, starts[i]:stops[i]]`` for ``i`` in ``rows``; results into row ``i`` of the outputs.

    A Python loop over the compiled :data:`_fit_series_nb`, which releases the GIL for the whole
    fit (``fit_many`` runs blocks of rows on threads); a compiled loop would compile the whole
    fit once more to save microseconds per series.
    """
    k = out_params.shape[1] - 1
    x = np.empty(k)
    g = np.empty(k)
    args = _args(method, spec, cx, tol, maxiter, css_maxiter, gtol, ar_lags, ma_lags)
    for i in rows:
        _fit_series_nb(_f64(DY[i, starts[i]: stops[i]]), *args, out_params[i], out_stats[i], x, g)
