"""Numba kernels of :func:`convts.fit_many`: the whole per-series fit (CSS, then exact ML) in compiled code.

One call of :func:`fit_rows` fits a block of series without touching the interpreter, so
``fit_many`` runs blocks on a thread pool (``nogil``) and scales across cores.  Each series
goes through exactly the steps of the single-series estimators (:mod:`._css`, :mod:`._mle`):

1. CSS: minimise ``0.5 log(SSR / n_used)`` over ``(mu, ar, ma, sar, sma)`` from the start
   ``mu = mean of the differenced series / cx`` (the OLS regression on the differenced
   trend column, a constant ``cx``), ARMA terms 0; R's conditional recursion
   (:func:`._kalman.css_residuals`) on the structural lags.  ``n_used`` does not depend on the
   parameters, so this is a least-squares problem, solved by Levenberg-Marquardt with a
   central-difference Jacobian of the residuals: to full accuracy for ``method='css'``, loosely
   (relative decrease < 1e-7, ~5 iterations) when it only gives the ML start.
2. Exact ML (``method`` 'mle' / 'css-mle'): map each AR/MA polynomial to the reals by the
   Jones/Monahan transform, minimise ``-llf / n`` with ``sigma2`` profiled out; the likelihood is
   the Kalman filter of :func:`._kalman.arma_loglike` (missing values skipped).  BFGS runs from
   two starts and keeps the better optimum: the CSS estimate, and statsmodels' SARIMAX start
   (a Hannan-Rissanen-type regression on lagged values and the residuals of a long AR,
   :func:`_hr_start`).  A polynomial whose roots lie within ``1 + 1e-3`` of the unit circle
   starts at 0.  From the CSS start alone about one series in six of an AR(1) fitted as
   ARMA(2, 2) stopped at a local optimum below statsmodels' (issue 17, item 7).

The optimiser is BFGS with a backtracking (Armijo) line search and the same central-difference
gradient as :func:`._likelihood.minimize` (step ``1e-6 * max(1, |x|)``), stopping on the same
tolerances (largest gradient ``< gtol``, or a relative decrease ``< 1e-14``).  It is not scipy's
L-BFGS-B, so the two land on the same optimum to the accuracy of those tolerances, not to the
last bit (the tests check ``params`` to 1e-5 and ``llf`` to 1e-9 relative).

The likelihood is :func:`._kalman.arma_loglike` and the transforms are those of
:mod:`._transforms`, the ones the single-series fit uses.  These cached functions embed that
compiled code; :mod:`._jitcache` says how their cache stays in step with those files.
"""

from __future__ import annotations

import types

import numba as nb
import numpy as np

from .._config import get_option
from ._kalman import _LOG2PI, arma_loglike, css_value, objective_value, scaled_llf
from ._transforms import constrain_stationary, is_stationary, unconstrain_stationary

_FLAGS = dict(cache=get_option("numba_cache"), nogil=True, fastmath=False)
_INLINE = dict(_FLAGS, inline="always")  # small helpers: no compiled level of their own (see ._kalman)
_BIG = 1e10

# stats columns of fit_rows' output
LLF, NOBS, CONVERGED, CODE, GMAX, NIT = range(6)
N_STATS = 6
# codes
OK, NOT_CONVERGED, BREAKDOWN = 0, 1, 2
CSS, MLE = 0, 1
# Flags passed by compiled code as ``_FLAG[i]``: an int64 at run time, where a constant would be a
# literal type to numba and compile one copy of the callee per value.
_FLAG = np.array([0, 1, 2])


# ------------------------------------------------------------------ objectives
# One compiled copy of each: the objectives take no ``kind`` flag (a constant flag made numba
# compile a copy of the whole call tree per value), and the array copies are loops (numba's
# array-to-array slice assignment drags in its broadcasting and error-message machinery).
@nb.njit(**_INLINE)
def _split(x, k_mu, p, q, P, Q):
    """``(mu, ar, ma, sar, sma)`` from the free vector ``x`` (no transform)."""
    mu = x[0] if k_mu else 0.0
    ar = np.empty(p)
    ma = np.empty(q)
    sar = np.empty(P)
    sma = np.empty(Q)
    o = k_mu
    for i in range(p):
        ar[i] = x[o + i]
    o += p
    for i in range(q):
        ma[i] = x[o + i]
    o += q
    for i in range(P):
        sar[i] = x[o + i]
    o += P
    for i in range(Q):
        sma[i] = x[o + i]
    return mu, ar, ma, sar, sma


@nb.njit(**_INLINE)
def _demean(w, mu, cx, wd):
    m = cx * mu
    for t in range(w.size):
        wd[t] = w[t] - m


@nb.njit(**_INLINE)
def _mle_objective(x, spec, cx, tol, n_w, w, wd, parts):
    """``-llf / n_w`` (sigma2 profiled) at the transformed free vector ``x``; ``1e10`` where undefined.

    ``parts`` (length 3) receives the filter's ``(ssq, sum log F, nobs)``.
    """
    mu, ar, ma, sar, sma = _split(x, spec[0], spec[1], spec[2], spec[3], spec[4])
    _demean(w, mu, cx, wd)
    ssq, slog, nobs = arma_loglike(wd, constrain_stationary(ar), constrain_stationary(sar),
                                   -constrain_stationary(ma), -constrain_stationary(sma), spec[5], tol)
    parts[0] = ssq
    parts[1] = slog
    parts[2] = nobs
    return objective_value(ssq, slog, nobs, -1.0, n_w)


@nb.njit(**_INLINE)
def _css_objective(x, spec, cx, w, wd, css_out, ar_lags, ma_lags):
    """CSS: ``0.5 log(SSR / n_used)`` at ``x`` (no transform), residuals into ``css_out``; ``1e10`` where undefined."""
    mu, ar, ma, sar, sma = _split(x, spec[0], spec[1], spec[2], spec[3], spec[4])
    _demean(w, mu, cx, wd)
    return css_value(wd, ar, sar, ma, sma, spec[5], ar_lags, ma_lags, spec[6], css_out)


@nb.njit(**_FLAGS)
def _mle_eval(x, g, mode, spec, cx, tol, n_w, w, wd, parts):
    """The objective at ``x`` (``mode`` 0 or 2; else 0.0 is returned) and, for ``mode`` 1 or 2, its
    central-difference gradient into ``g`` (step ``1e-6 * max(1, |x_i|)``, as ``_likelihood.minimize``).

    The objective (and so the Kalman filter) has one call site here and this is the only compiled
    function that calls it: numba re-optimises a callee in each caller, and LLVM copies it into each
    call site it inlines.
    """
    k = x.size
    lo = 0 if mode != 1 else 1
    hi = 2 * k + 1 if mode else 1
    X = np.empty((hi, k))
    hs = np.empty(k)
    for j in range(hi):
        for i in range(k):
            X[j, i] = x[i]
    for i in range(k if hi > 1 else 0):
        h = 1e-6 * max(1.0, abs(x[i]))
        hs[i] = h
        X[2 * i + 1, i] = x[i] + h
        X[2 * i + 2, i] = x[i] - h
    v = np.empty(hi)
    for j in range(lo, hi):
        v[j] = _mle_objective(X[j], spec, cx, tol, n_w, w, wd, parts)
    if hi > 1:
        for i in range(k):
            g[i] = (v[2 * i + 1] - v[2 * i + 2]) / (2.0 * hs[i])
    return v[0] if lo == 0 else 0.0


@nb.njit(**_FLAGS)
def _bfgs_direction(H, g, d, fresh):
    """``d = -H g`` and its slope ``d'g``; where that is not a descent direction, ``H = I`` and
    ``d = -g``.  Returns ``(slope, fresh, first trial step)``: the step keeps the largest
    component of ``alpha d`` at most 10 (transformed coordinates: a step of 10 is huge)."""
    k = g.size
    slope = 0.0
    for i in range(k):
        acc = 0.0
        for j in range(k):
            acc -= H[i, j] * g[j]
        d[i] = acc
        slope += acc * g[i]
    if not slope < 0.0:
        _identity(H, 1.0)
        fresh = 1
        slope = 0.0
        for i in range(k):
            d[i] = -g[i]
            slope -= g[i] * g[i]
    dmax = 0.0
    for i in range(k):
        dmax = max(dmax, abs(d[i]))
    return slope, fresh, 1.0 if dmax <= 10.0 else 10.0 / dmax


@nb.njit(**_FLAGS)
def _bfgs_update(H, x, g, xn, gn, fresh):
    """The BFGS update of the inverse Hessian ``H`` for the step ``x -> xn``, then ``x, g = xn, gn``;
    returns ``fresh`` (0 or 1; the first update scales ``H`` by ``s'y / y'y``)."""
    k = x.size
    s_ = np.empty(k)
    y_ = np.empty(k)
    Hy = np.empty(k)
    sy = 0.0
    yy = 0.0
    for i in range(k):
        s_[i] = xn[i] - x[i]
        y_[i] = gn[i] - g[i]
        sy += s_[i] * y_[i]
        yy += y_[i] * y_[i]
    if sy > 1e-14 * yy and yy > 0.0:
        if fresh:
            _identity(H, sy / yy)
            fresh = 0
        # H <- (I - rho s y') H (I - rho y s') + rho s s'
        rho = 1.0 / sy
        yHy = 0.0
        for i in range(k):
            acc = 0.0
            for j in range(k):
                acc += H[i, j] * y_[j]
            Hy[i] = acc
            yHy += y_[i] * acc
        for i in range(k):
            for j in range(k):
                H[i, j] += (-rho * (s_[i] * Hy[j] + Hy[i] * s_[j])
                            + (rho * rho * yHy + rho) * s_[i] * s_[j])
    for i in range(k):
        x[i] = xn[i]
        g[i] = gn[i]
    return fresh


@nb.njit(**_INLINE)
def _bfgs(x0, maxiter, gtol, spec, cx, tol, n_w, w, wd):
    """BFGS on the exact-ML objective, Armijo backtracking; returns ``(x, f, gradient, iterations, success)``.

    Run as Python by the single fit (:data:`_bfgs_py`): the loops over the parameters' square
    are the compiled :func:`_bfgs_direction` and :func:`_bfgs_update`.
    """
    k = x0.size
    x = x0.copy()
    parts = np.empty(3)
    g = np.empty(k)
    f = _mle_eval(x, g, _FLAG[2], spec, cx, tol, n_w, w, wd, parts)
    if k == 0:
        return x, f, g, 0, True
    H = np.empty((k, k))
    _identity(H, 1.0)
    fresh = _FLAG[1]
    d = np.empty(k)
    xn = np.empty(k)
    gn = np.empty(k)
    success = False
    it = 0
    while it < maxiter:
        gmax = 0.0
        for i in range(k):
            gmax = max(gmax, abs(g[i]))
        if gmax < gtol:
            success = True
            break
        it += 1
        slope, fresh, alpha = _bfgs_direction(H, g, d, fresh)
        fn = f
        accepted = False
        for _ in range(60):
            for i in range(k):
                xn[i] = x[i] + alpha * d[i]
            fn = _mle_eval(xn, gn, _FLAG[0], spec, cx, tol, n_w, w, wd, parts)
            if fn <= f + 1e-4 * alpha * slope:
                accepted = True
                break
            # quadratic interpolation, safeguarded to [0.1, 0.5] alpha
            denom = 2.0 * (fn - f - alpha * slope)
            a_new = -slope * alpha * alpha / denom if denom > 0 else 0.5 * alpha
            alpha = min(max(a_new, 0.1 * alpha), 0.5 * alpha)
        if not accepted:
            if fresh:
                break  # no descent along the gradient: at the optimum to rounding
            _identity(H, 1.0)
            fresh = _FLAG[1]
            continue
        _mle_eval(xn, gn, _FLAG[1], spec, cx, tol, n_w, w, wd, parts)
        fresh = _bfgs_update(H, x, g, xn, gn, fresh)
        df = f - fn
        f_old = f
        f = fn
        if df <= 1e-14 * max(abs(f_old), abs(f), 1.0):
            success = True
            break
    return x, f, g, it, success


@nb.njit(**_INLINE)
def _identity(H, scale):
    for i in range(H.shape[0]):
        for j in range(H.shape[1]):
            H[i, j] = scale if i == j else 0.0


@nb.njit(**_FLAGS)
def _solve(A, b):
    """Solve ``A x = b`` (small, Gaussian elimination with partial pivoting); NaN when singular."""
    k = b.size
    M = A.copy()
    x = b.copy()
    for c in range(k):
        piv = c
        for i in range(c + 1, k):
            if abs(M[i, c]) > abs(M[piv, c]):
                piv = i
        if not abs(M[piv, c]) > 0.0:
            x[:] = np.nan
            return x
        if piv != c:
            for j in range(k):
                M[c, j], M[piv, j] = M[piv, j], M[c, j]
            x[c], x[piv] = x[piv], x[c]
        for i in range(c + 1, k):
            f = M[i, c] / M[c, c]
            for j in range(c, k):
                M[i, j] -= f * M[c, j]
            x[i] -= f * x[c]
    for c in range(k - 1, -1, -1):
        acc = x[c]
        for j in range(c + 1, k):
            acc -= M[c, j] * x[j]
        x[c] = acc / M[c, c]
    return x


@nb.njit(**_FLAGS)
def _css_eval(x, jac, spec, cx, w, wd, css_out, ar_lags, ma_lags, J, r, A, g):
    """Without ``jac``: the CSS objective at ``x`` (residuals into ``css_out``) and the sum of the
    squares of its non-NaN residuals, ``(f, ssq)``.  With ``jac``: the central-difference Jacobian
    of the residuals at ``x`` into ``J`` (NaN -> 0), ``g = J' r`` and ``A = J' J``; returns
    ``(1.0, 0.0)`` when the objective is undefined at a difference point, else ``(0.0, 0.0)``.

    The objective has one call site (see :func:`_mle_eval`).
    """
    k = x.size
    n = w.size
    xt = x.copy()
    f = 0.0
    bad = False
    h = 0.0
    i = 0
    for j in range(2 * k if jac else 1):
        if jac:
            i = j // 2
            h = 1e-6 * max(1.0, abs(x[i]))
            xt[i] = x[i] + h if j % 2 == 0 else x[i] - h
        f = _css_objective(xt, spec, cx, w, wd, css_out, ar_lags, ma_lags)
        if jac:
            if not f < _BIG:
                bad = True
            if j % 2 == 0:
                for t in range(n):
                    J[t, i] = css_out[t]
            else:
                xt[i] = x[i]
                for t in range(n):
                    v = (J[t, i] - css_out[t]) / (2.0 * h)
                    J[t, i] = v if v == v else 0.0
    if not jac:
        ssq = 0.0
        for t in range(n):
            v = css_out[t]
            if v == v:
                ssq += v * v
        return f, ssq
    if bad:
        return 1.0, 0.0
    _normal_equations(J, r, A, g)
    return 0.0, 0.0


@nb.njit(**_FLAGS)
def _nan_to_zero(r, v):
    for t in range(v.size):
        r[t] = v[t] if v[t] == v[t] else 0.0


@nb.njit(**_INLINE)
def _css_lm(x0, maxiter, rtol, spec, cx, w, wd, css_out, ar_lags, ma_lags):
    """Levenberg-Marquardt on the CSS residuals (central-difference Jacobian); ``(x, iterations, success)``.

    Minimises the sum of squares of the conditional residuals, i.e. the CSS objective
    ``0.5 log(SSR / n_used)`` (``n_used`` does not depend on the parameters): the same optimum
    as BFGS on that objective.  Stops when an accepted step lowers SSR by less than ``rtol``
    relative (Gauss-Newton converges linearly when the residuals are not small: ``rtol=1e-7`` is
    enough for a starting value, ``1e-15`` gives the CSS estimate to ~1e-9).
    """
    k = x0.size
    n = w.size
    x = x0.copy()
    if k == 0:
        return x, 0, True
    J = np.empty((n, k))
    r = np.empty(n)
    A = np.empty((k, k))
    g = np.empty(k)
    f, ssq = _css_eval(x, _FLAG[0], spec, cx, w, wd, css_out, ar_lags, ma_lags, J, r, A, g)
    if not f < _BIG:
        return x, 0, False
    _nan_to_zero(r, css_out)
    xt = np.empty(k)
    lam = 1e-3
    success = False
    it = 0
    fresh_jac = True
    while it < maxiter:
        it += 1
        if fresh_jac:
            bad, _ = _css_eval(x, _FLAG[1], spec, cx, w, wd, css_out, ar_lags, ma_lags, J, r, A, g)
            if bad:
                return x, it, False
        M = A.copy()
        for i in range(k):
            M[i, i] += lam * (A[i, i] + 1e-12)
        d = _solve(M, -g)
        small = True
        for i in range(k):
            xt[i] = x[i] + d[i]
            if not abs(d[i]) <= 1e-10 * (1.0 + abs(x[i])):
                small = False
        if not np.isfinite(d[0]):
            lam *= 10.0
            fresh_jac = False
            if lam > 1e12:
                break
            continue
        ft, ssq_t = _css_eval(xt, _FLAG[0], spec, cx, w, wd, css_out, ar_lags, ma_lags, J, r, A, g)
        if ft < _BIG and ssq_t <= ssq:
            dec = ssq - ssq_t
            for i in range(k):
                x[i] = xt[i]
            _nan_to_zero(r, css_out)
            ssq = ssq_t
            lam = max(lam / 3.0, 1e-12)
            fresh_jac = True
            if small or dec <= rtol * ssq:
                success = True
                break
        else:
            if small:
                success = True
                break
            lam *= 4.0
            fresh_jac = False
            if lam > 1e12:
                break
    return x, it, success


# ------------------------------------------------------------------ starting values
@nb.njit(**_INLINE)
def _normal_equations(X, y, A, b):
    """``A = X'X`` and ``b = X'y`` into the given arrays (the Levenberg-Marquardt step and the start
    regressions)."""
    n, k = X.shape
    for i in range(k):
        acc = 0.0
        for t in range(n):
            acc += X[t, i] * y[t]
        b[i] = acc
        for j in range(i, k):
            acc = 0.0
            for t in range(n):
                acc += X[t, i] * X[t, j]
            A[i, j] = acc
            A[j, i] = acc


@nb.njit(**_INLINE)
def _lstsq(X, y):
    """Least squares by the normal equations (tiny ridge); NaN when singular."""
    k = X.shape[1]
    A = np.empty((k, k))
    b = np.empty(k)
    _normal_equations(X, y, A, b)
    scale = 0.0
    for i in range(k):
        scale += A[i, i]
    for i in range(k):
        A[i, i] += 1e-12 * scale / max(k, 1)
    return _solve(A, b)


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
    xt = xc.copy()
    J = np.empty((0, 0))  # unused by _css_eval's objective-only call
    e = np.empty(0)
    for i in range(k):
        h = 1e-6 * max(1.0, abs(xc[i]))
        xt[i] = xc[i] + h
        fp = _css_eval(xt, _FLAG[0], spec, cx, w, wd, css_out, ar_lags, ma_lags, J, e, J, e)[0]
        xt[i] = xc[i] - h
        fm = _css_eval(xt, _FLAG[0], spec, cx, w, wd, css_out, ar_lags, ma_lags, J, e, J, e)[0]
        xt[i] = xc[i]
        out_g[i] = (fp - fm) / (2.0 * h)
        gc = max(gc, abs(out_g[i]))
        out_x[i] = xc[i]
        out_p[i] = xc[i]
    _css_eval(xc, _FLAG[0], spec, cx, w, wd, css_out, ar_lags, ma_lags, J, e, J, e)
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


def _fit_series(w, method, spec, cx, tol, maxiter, css_maxiter, gtol, ar_lags, ma_lags, out_p, out_s, out_x, out_g):
    """Fit one series; estimates into ``out_p`` (model order, sigma2 last), the stats into ``out_s``,
    the optimiser's final point (transformed coordinates for ML) and gradient into ``out_x``, ``out_g``.

    CSS by Levenberg-Marquardt; for exact ML then BFGS from two starts, the CSS estimate and
    statsmodels' Hannan-Rissanen-type regression start (:func:`_hr_start`), keeping the better
    optimum (the CSS one unless the other is lower by more than 1e-10 relative): from the CSS
    start alone about one series in six of an AR(1) fitted as ARMA(2, 2) stopped at a local
    optimum below statsmodels'.  Plain Python or numba (see above): loops, no constants passed
    to compiled functions (numba would compile a copy per literal value).
    """
    k_mu = spec[0]
    k = k_mu + spec[1] + spec[2] + spec[3] + spec[4]
    n = w.size
    wd = np.empty(n)
    css_out = np.empty(n)
    n_w = 0
    tot = 0.0
    for t in range(n):
        if w[t] == w[t]:
            n_w += 1
            tot += w[t]
    x0 = np.zeros(k)
    if k_mu:
        x0[0] = (tot / n_w) / cx if n_w > 0 else 0.0
    nw = float(max(1, n_w))
    ml = method == MLE
    xc, itc, okc = _css_lm(x0, css_maxiter if ml else maxiter, 1e-7 if ml else 1e-15, spec, cx, w, wd, css_out,
                           ar_lags, ma_lags)
    if not ml:
        _css_finish(xc, itc, okc, spec, cx, w, wd, css_out, ar_lags, ma_lags, out_p, out_s, out_x, out_g)
        return
    x0m = _ml_start(xc, spec)
    xm, fm, gvm, itm, okm = _bfgs(x0m, maxiter, gtol, spec, cx, tol, nw, w, wd)
    if k > k_mu:
        x0h = _ml_start(_hr_start(w, spec, cx), spec)
        same = True
        for i in range(k):
            if abs(x0h[i] - x0m[i]) > 1e-8 * (1.0 + abs(x0m[i])):
                same = False
        if not same:
            xh, fh, gvh, ith, okh = _bfgs(x0h, maxiter, gtol, spec, cx, tol, nw, w, wd)
            if fh < fm - 1e-10 * max(1.0, abs(fm)):
                xm, fm, gvm, itm, okm = xh, fh, gvh, ith, okh
    # ---- the estimates at the optimum
    gm = 0.0
    for i in range(k):
        out_x[i] = xm[i]
        out_g[i] = gvm[i]
        gm = max(gm, abs(gvm[i]))
    parts = np.empty(3)
    _mle_eval(xm, gvm, _FLAG[0], spec, cx, tol, nw, w, wd, parts)
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


_fit_series_nb = nb.njit(**_FLAGS)(_fit_series)


def _as_python(fn, **names):
    """``fn``'s source as a plain Python function whose globals map ``names`` to other objects."""
    return types.FunctionType(fn.__code__, {**fn.__globals__, **names}, fn.__name__, fn.__defaults__)


# The single fit's Python copies: BFGS runs as Python over the compiled objective-and-gradient
# (:func:`_mle_eval`), so the Kalman filter is compiled into one function only (a compiled BFGS
# re-optimised it once more, ~2 CPU-s); its loops are over the parameters (a few), the filter's
# over the series.  ``fit_many`` keeps the compiled :func:`_bfgs` inside :data:`_fit_series_nb`.
_bfgs_py = _as_python(_bfgs.py_func, _identity=_identity.py_func)
_css_lm_py = _as_python(_css_lm.py_func)
_fit_series_py = _as_python(_fit_series, _bfgs=_bfgs_py, _css_lm=_css_lm_py, _ml_start=_ml_start.py_func,
                            _hr_start=_hr_start.py_func)


# ------------------------------------------------------------------ Python entry points
def _f64(a):
    return np.require(a, dtype=np.float64, requirements=("C", "W"))


def _args(method, spec, cx, tol, maxiter, css_maxiter, gtol, ar_lags, ma_lags):
    """Arguments of :func:`_fit_series` in the one type each compiled stage is compiled for."""
    return (int(method), np.ascontiguousarray(spec, dtype=np.int64), float(cx), float(tol), int(maxiter),
            int(css_maxiter), float(gtol), np.ascontiguousarray(ar_lags, dtype=np.int64),
            np.ascontiguousarray(ma_lags, dtype=np.int64))


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
