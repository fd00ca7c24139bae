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
2. Exact ML (``method`` 'mle' / 'css-mle'): start from CSS (a polynomial whose roots lie within
   ``1 + 1e-3`` of the unit circle starts at 0), map each AR/MA polynomial to the reals by the
   Jones/Monahan transform, minimise ``-llf / n`` with ``sigma2`` profiled out; the likelihood is
   the Kalman filter of :func:`._kalman.arma_loglike` (missing values skipped).

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

import numba as nb
import numpy as np

from .._config import get_option
from ._kalman import arma_loglike, css_value, objective_value, scaled_llf
from ._transforms import constrain_stationary, is_stationary, unconstrain_stationary

_FLAGS = dict(cache=get_option("numba_cache"), nogil=True, fastmath=False)
_BIG = 1e10

# stats columns of fit_rows' output
LLF, NOBS, CONVERGED, CODE, GMAX, NIT = range(6)
N_STATS = 6
# codes
OK, NOT_CONVERGED, BREAKDOWN = 0, 1, 2
CSS, MLE = 0, 1


# ------------------------------------------------------------------ objective
@nb.njit(**_FLAGS)
def _split(x, k_mu, p, q, P, Q, transform):
    mu = x[0] if k_mu else 0.0
    o = k_mu
    ar = x[o: o + p].copy()
    o += p
    ma = x[o: o + q].copy()
    o += q
    sar = x[o: o + P].copy()
    o += P
    sma = x[o: o + Q].copy()
    if transform:
        ar = constrain_stationary(ar)
        sar = constrain_stationary(sar)
        ma = -constrain_stationary(ma)
        sma = -constrain_stationary(sma)
    return mu, ar, ma, sar, sma


@nb.njit(**_FLAGS)
def _objective(x, kind, spec, cx, tol, n_w, w, wd, css_out, ar_lags, ma_lags):
    """CSS: ``0.5 log(SSR / n_used)``; MLE: ``-llf / n_w`` (sigma2 profiled); ``1e10`` where undefined."""
    k_mu, p, q, P, Q, s, ncond = spec[0], spec[1], spec[2], spec[3], spec[4], spec[5], spec[6]
    mu, ar, ma, sar, sma = _split(x, k_mu, p, q, P, Q, kind == MLE)
    if k_mu:
        m = cx * mu
        for t in range(w.size):
            wd[t] = w[t] - m
    else:
        for t in range(w.size):
            wd[t] = w[t]
    if kind == MLE:
        ssq, slog, nobs = arma_loglike(wd, ar, sar, ma, sma, s, tol)
        return objective_value(ssq, slog, nobs, -1.0, n_w)
    return css_value(wd, ar, sar, ma, sma, s, ar_lags, ma_lags, ncond, css_out)


@nb.njit(**_FLAGS)
def _grad(x, f0, g, kind, spec, cx, tol, n_w, w, wd, css_out, ar_lags, ma_lags):
    """Central differences, step ``1e-6 * max(1, |x_i|)`` (as ``_likelihood.minimize``)."""
    xt = x.copy()
    for i in range(x.size):
        h = 1e-6 * max(1.0, abs(x[i]))
        xt[i] = x[i] + h
        fp = _objective(xt, kind, spec, cx, tol, n_w, w, wd, css_out, ar_lags, ma_lags)
        xt[i] = x[i] - h
        fm = _objective(xt, kind, spec, cx, tol, n_w, w, wd, css_out, ar_lags, ma_lags)
        xt[i] = x[i]
        g[i] = (fp - fm) / (2.0 * h)


@nb.njit(**_FLAGS)
def _bfgs(x0, maxiter, gtol, kind, spec, cx, tol, n_w, w, wd, css_out, ar_lags, ma_lags):
    """BFGS, Armijo backtracking; returns ``(x, f, gradient, iterations, success)``."""
    k = x0.size
    x = x0.copy()
    f = _objective(x, kind, spec, cx, tol, n_w, w, wd, css_out, ar_lags, ma_lags)
    g = np.empty(k)
    if k == 0:
        return x, f, g, 0, True
    _grad(x, f, g, kind, spec, cx, tol, n_w, w, wd, css_out, ar_lags, ma_lags)
    H = np.eye(k)
    fresh = True
    d = np.empty(k)
    xn = np.empty(k)
    gn = np.empty(k)
    success = False
    it = 0
    while it < maxiter:
        gmax = np.max(np.abs(g))
        if gmax < gtol:
            success = True
            break
        it += 1
        slope = 0.0
        for i in range(k):
            acc = 0.0
            for j in range(k):
                acc -= H[i, j] * g[j]
            d[i] = acc
            slope += acc * g[i]
        if not slope < 0.0:
            H[:, :] = np.eye(k)
            fresh = True
            slope = 0.0
            for i in range(k):
                d[i] = -g[i]
                slope -= g[i] * g[i]
        # keep the first trial step bounded (transformed coordinates: a step of 10 is huge)
        dmax = np.max(np.abs(d))
        alpha = 1.0 if dmax <= 10.0 else 10.0 / dmax
        fn = f
        accepted = False
        for _ in range(60):
            for i in range(k):
                xn[i] = x[i] + alpha * d[i]
            fn = _objective(xn, kind, spec, cx, tol, n_w, w, wd, css_out, ar_lags, ma_lags)
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
            H[:, :] = np.eye(k)
            fresh = True
            continue
        _grad(xn, fn, gn, kind, spec, cx, tol, n_w, w, wd, css_out, ar_lags, ma_lags)
        sy = 0.0
        yy = 0.0
        for i in range(k):
            si = xn[i] - x[i]
            yi = gn[i] - g[i]
            sy += si * yi
            yy += yi * yi
        if sy > 1e-14 * yy and yy > 0.0:
            if fresh:
                H[:, :] = np.eye(k) * (sy / yy)
                fresh = False
            # H <- (I - rho s y') H (I - rho y s') + rho s s'
            rho = 1.0 / sy
            s_ = xn - x
            y_ = gn - g
            Hy = np.zeros(k)
            for i in range(k):
                for j in range(k):
                    Hy[i] += H[i, j] * y_[j]
            yHy = 0.0
            for i in range(k):
                yHy += y_[i] * Hy[i]
            for i in range(k):
                for j in range(k):
                    H[i, j] += (-rho * (s_[i] * Hy[j] + Hy[i] * s_[j])
                                + (rho * rho * yHy + rho) * s_[i] * s_[j])
        df = f - fn
        for i in range(k):
            x[i] = xn[i]
            g[i] = gn[i]
        f_old = f
        f = fn
        if df <= 1e-14 * max(abs(f_old), abs(f), 1.0):
            success = True
            break
    return x, f, g, it, success


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
def _css_lm(x0, maxiter, rtol, spec, cx, tol, n_w, w, wd, css_out, ar_lags, ma_lags):
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
    f = _objective(x, CSS, spec, cx, tol, n_w, w, wd, css_out, ar_lags, ma_lags)
    if not f < _BIG:
        return x, 0, False
    r = css_out.copy()
    ssq = 0.0
    for t in range(n):
        if r[t] == r[t]:
            ssq += r[t] * r[t]
        else:
            r[t] = 0.0
    J = np.empty((n, k))
    xt = np.empty(k)
    A = np.empty((k, k))
    g = np.empty(k)
    lam = 1e-3
    success = False
    it = 0
    fresh_jac = True
    while it < maxiter:
        it += 1
        if fresh_jac:
            bad = False
            for j in range(k):
                h = 1e-6 * max(1.0, abs(x[j]))
                for i in range(k):
                    xt[i] = x[i]
                xt[j] = x[j] + h
                fp = _objective(xt, CSS, spec, cx, tol, n_w, w, wd, css_out, ar_lags, ma_lags)
                for t in range(n):
                    J[t, j] = css_out[t]
                xt[j] = x[j] - h
                fm = _objective(xt, CSS, spec, cx, tol, n_w, w, wd, css_out, ar_lags, ma_lags)
                if not (fp < _BIG and fm < _BIG):
                    bad = True
                for t in range(n):
                    v = (J[t, j] - css_out[t]) / (2.0 * h)
                    J[t, j] = v if v == v else 0.0
            if bad:
                return x, it, False
            for i in range(k):
                acc = 0.0
                for t in range(n):
                    acc += J[t, i] * r[t]
                g[i] = acc
                for j in range(i, k):
                    acc = 0.0
                    for t in range(n):
                        acc += J[t, i] * J[t, j]
                    A[i, j] = acc
                    A[j, i] = acc
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
        ft = _objective(xt, CSS, spec, cx, tol, n_w, w, wd, css_out, ar_lags, ma_lags)
        ssq_t = 0.0
        for t in range(n):
            v = css_out[t]
            if v == v:
                ssq_t += v * v
        if ft < _BIG and ssq_t <= ssq:
            dec = ssq - ssq_t
            for i in range(k):
                x[i] = xt[i]
            for t in range(n):
                v = css_out[t]
                r[t] = v if v == v else 0.0
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


# ------------------------------------------------------------------ one series, many series
@nb.njit(**_FLAGS)
def _fit_one(w, method, spec, cx, tol, maxiter, css_maxiter, gtol, ar_lags, ma_lags, out_p, out_s, out_x, out_g):
    """Fit one series; estimates into ``out_p`` (model order, sigma2 last), the stats into ``out_s``,
    the optimiser's final point (transformed coordinates for ML) and gradient into ``out_x``, ``out_g``."""
    k_mu, p, q, P, Q, s = spec[0], spec[1], spec[2], spec[3], spec[4], spec[5]
    k = k_mu + p + q + P + Q
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
    # ---- CSS
    xc, itc, okc = _css_lm(x0, css_maxiter if method == MLE else maxiter, 1e-7 if method == MLE else 1e-15, spec, cx, tol, nw, w, wd, css_out,
                           ar_lags, ma_lags)
    gc = 0.0
    if method == CSS and k:
        gvec = np.empty(k)
        fc = _objective(xc, CSS, spec, cx, tol, nw, w, wd, css_out, ar_lags, ma_lags)
        _grad(xc, fc, gvec, CSS, spec, cx, tol, nw, w, wd, css_out, ar_lags, ma_lags)
        gc = np.max(np.abs(gvec))
        out_g[:] = gvec
    if method == CSS:
        out_x[:] = xc
        mu, ar, ma, sar, sma = _split(xc, k_mu, p, q, P, Q, False)
        _objective(xc, CSS, spec, cx, tol, nw, w, wd, css_out, ar_lags, ma_lags)
        ssq = 0.0
        nu = 0
        for t in range(n):
            v = css_out[t]
            if v == v:
                ssq += v * v
                nu += 1
        for i in range(k):
            out_p[i] = xc[i]
        if nu <= 0 or not ssq > 0 or not np.isfinite(ssq):
            out_p[k] = np.nan
            out_s[LLF] = np.nan
            out_s[NOBS] = nu
            out_s[CONVERGED] = 0.0
            out_s[CODE] = BREAKDOWN
            out_s[GMAX] = gc
            out_s[NIT] = itc
            return
        sigma2 = ssq / nu
        out_p[k] = sigma2
        out_s[LLF] = scaled_llf(ssq, 0.0, nu, sigma2)
        out_s[NOBS] = nu
        conv = okc or gc < 1e-5
        out_s[CONVERGED] = 1.0 if conv else 0.0
        out_s[CODE] = OK if conv else NOT_CONVERGED
        out_s[GMAX] = gc
        out_s[NIT] = itc
        return
    # ---- exact ML from the CSS start
    y0 = xc.copy()
    for i in range(k):
        if not np.isfinite(y0[i]):
            y0[:] = 0.0
            break
    o = k_mu
    for size, sign in ((p, 1.0), (q, -1.0), (P, 1.0), (Q, -1.0)):
        if size:
            v = y0[o: o + size] * sign
            if not is_stationary(v, 1e-3):
                y0[o: o + size] = 0.0
        o += size
    x0m = y0.copy()
    o = k_mu
    for size, sign in ((p, 1.0), (q, -1.0), (P, 1.0), (Q, -1.0)):
        if size:
            x0m[o: o + size] = unconstrain_stationary(y0[o: o + size] * sign)
        o += size
    xm, fm, gvm, itm, okm = _bfgs(x0m, maxiter, gtol, MLE, spec, cx, tol, nw, w, wd, css_out, ar_lags, ma_lags)
    gm = np.max(np.abs(gvm)) if k else 0.0
    out_x[:] = xm
    out_g[:] = gvm
    mu, ar, ma, sar, sma = _split(xm, k_mu, p, q, P, Q, True)
    if k_mu:
        out_p[0] = mu
    o = k_mu
    for vec in (ar, ma, sar, sma):
        for i in range(vec.size):
            out_p[o + i] = vec[i]
        o += vec.size
    if k_mu:
        m = cx * mu
        for t in range(n):
            wd[t] = w[t] - m
    else:
        for t in range(n):
            wd[t] = w[t]
    ssq, slog, nobs = arma_loglike(wd, ar, sar, ma, sma, s, tol)
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
    out_s[LLF] = scaled_llf(ssq, slog, nobs, sigma2)
    out_s[NOBS] = nobs
    conv = okm or gm < 1e-4
    out_s[CONVERGED] = 1.0 if conv else 0.0
    out_s[CODE] = OK if conv else NOT_CONVERGED


@nb.njit(**_FLAGS)
def fit_rows(DY, starts, stops, rows, method, spec, cx, tol, maxiter, css_maxiter, gtol, ar_lags, ma_lags,
             out_params, out_stats):
    """Fit series ``DY[i, starts[i]:stops[i]]`` for ``i`` in ``rows``; results into row ``i`` of the outputs."""
    k = out_params.shape[1] - 1
    x = np.empty(k)
    g = np.empty(k)
    for j in range(rows.size):
        i = rows[j]
        w = DY[i, starts[i]: stops[i]].copy()
        _fit_one(w, method, spec, cx, tol, maxiter, css_maxiter, gtol, ar_lags, ma_lags,
                 out_params[i], out_stats[i], x, g)
