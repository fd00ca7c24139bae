"""The optimisers of the estimators, the one central-difference rule, and the numerical Hessian.

* :func:`bfgs` and :func:`levenberg_marquardt`: the compiled optimisers (exact ML and CSS of
  :mod:`.estimators.compiled`).  numba has no cheap first-class functions, so each is a template
  bound to its objective by :func:`bind` and compiled by its caller (inlined at IR level: the
  objective is compiled into one function only), or run as Python over the compiled objective
  by the single fit;
* :func:`difference_step`, :func:`central_points` and :func:`central_gradient`: the
  central-difference gradient (step ``1e-6 * max(1, |x_i|)``) of every compiled objective
  (:mod:`.likelihood.objective`); :func:`forward_points` the forward differences of auto_arima's
  search (half the evaluations, as R's candidates need only R's ``reltol``);
* :func:`minimize`: scipy's L-BFGS-B over such a fused value-and-gradient, with a wall-clock limit;
* :func:`hessian`: statsmodels' ``approx_hess3`` (standard errors of every estimator).

The batched optimisers of ``fit_many(backend='cupy')`` (one array operation steps every series)
live with their objectives in :mod:`.batch_xp`.
"""

from __future__ import annotations

import types

import numba as nb
import numpy as np

from .._config import get_option

_FLAGS = dict(cache=get_option("numba_cache"), nogil=True, fastmath=False)
_INLINE = dict(_FLAGS, inline="always")  # small helpers: no compiled level of their own (see .likelihood.kalman)
_BIG = 1e10  # what the objectives return where they are undefined
LEAVING_STEPS = 5  # bfgs stops after this many accepted points in a row outside the caller's region
# Flags passed by compiled code as ``_FLAG[i]``: an int64 at run time, where a constant would be a
# literal type to numba and compile one copy of the callee per value.
_FLAG = np.array([0, 1, 2])


def bind(template, **names):
    """``template``'s source as a plain Python function whose globals map ``names`` to other objects
    (the objective of :func:`bfgs` / :func:`levenberg_marquardt`, or Python copies of helpers)."""
    return types.FunctionType(template.__code__, {**template.__globals__, **names}, template.__name__,
                              template.__defaults__)


def _unbound(*args):
    raise TypeError("bind() the optimiser to its objective first")


evaluate = residuals = _unbound  # the names the templates call; bind() replaces them


@nb.njit(**_FLAGS)
def leaving(x, *args):
    """:func:`bfgs`' early stop: True at an accepted point where the run is leaving the region whose
    optimum the caller would accept (bind() may replace it; by default never)."""
    return False


# ------------------------------------------------------------------ central differences
@nb.njit(**_INLINE)
def difference_step(xi, step):
    """The central-difference step of coordinate value ``xi``: ``step * max(1, |xi|)``."""
    return step * max(1.0, abs(xi))


@nb.njit(**_INLINE)
def central_points(x, step, lo):
    """``(X, h)``: rows ``lo..2k`` of ``X`` are ``x``, then ``x +- h_i e_i`` (row ``2i+1``: plus,
    ``2i+2``: minus); ``h_i = difference_step(x_i, step)``.  ``lo = 1`` skips ``x`` itself."""
    k = x.size
    X = np.empty((2 * k + 1, k))
    h = np.empty(k)
    for j in range(lo, 2 * k + 1):
        for i in range(k):
            X[j, i] = x[i]
    for i in range(k):
        h[i] = difference_step(x[i], step)
        X[2 * i + 1, i] = x[i] + h[i]
        X[2 * i + 2, i] = x[i] - h[i]
    return X, h


@nb.njit(**_INLINE)
def forward_points(x, step):
    """``(X, h)``: row 0 of ``X`` is ``x``, row ``i + 1`` is ``x + h_i e_i`` (forward differences,
    ``h_i = difference_step(x_i, step)``; scipy's BFGS default with ``step = sqrt(eps)``)."""
    k = x.size
    X = np.empty((k + 1, k))
    h = np.empty(k)
    for j in range(k + 1):
        for i in range(k):
            X[j, i] = x[i]
    for i in range(k):
        h[i] = difference_step(x[i], step)
        X[i + 1, i] = x[i] + h[i]
    return X, h


@nb.njit(**_INLINE)
def central_gradient(v, h, g):
    """``g_i = (v[2i+1] - v[2i+2]) / (2 h_i)``: the gradient from the objective at :func:`central_points`."""
    for i in range(g.size):
        g[i] = (v[2 * i + 1] - v[2 * i + 2]) / (2.0 * h[i])


# ------------------------------------------------------------------ BFGS
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


def bfgs(x0, maxiter, gtol, reltol, args, x_ref, f_ref, radius):
    """BFGS with Armijo backtracking; returns ``(x, f, gradient, iterations, success, joined)``.

    A template: :func:`bind` it to an objective ``evaluate(x, g, mode, *args)`` (``mode`` 0: the
    value; 1: the gradient into ``g``; 2: both), then compile it (``numba.njit(inline="always")``)
    or run it as Python; the loops over the parameters' square are the compiled
    :func:`_bfgs_direction` and :func:`_bfgs_update`.  Stops when the largest gradient is below
    ``gtol`` or an accepted step lowers ``f`` by less than ``reltol`` relative (R's ``optim``
    BFGS stops on ``reltol`` alone, default 1e-8; the fits use 1e-14, auto_arima's search R's value),
    or, unsuccessfully, after :data:`LEAVING_STEPS` accepted points in a row where the bound
    ``leaving(x, *args)`` is true.

    A second start of the same problem passes the first optimum ``(x_ref, f_ref)`` and a
    ``radius > 0``: the run stops (``joined``) once an accepted point lies within ``radius`` of
    ``x_ref`` in every coordinate without being lower than ``f_ref`` by 1e-10 relative: it is
    descending into the optimum already found, which the caller keeps (``radius <= 0``: never).
    """
    k = x0.size
    x = x0.copy()
    g = np.empty(k)
    f = evaluate(x, g, _FLAG[2], *args)
    if k == 0:
        return x, f, g, 0, True, False
    H = np.empty((k, k))
    _identity(H, 1.0)
    fresh = _FLAG[1]
    d = np.empty(k)
    xn = np.empty(k)
    gn = np.empty(k)
    success = False
    it = 0
    outside = 0
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
            fn = evaluate(xn, gn, _FLAG[0], *args)
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
        evaluate(xn, gn, _FLAG[1], *args)
        fresh = _bfgs_update(H, x, g, xn, gn, fresh)
        df = f - fn
        f_old = f
        f = fn
        outside = outside + 1 if leaving(x, *args) else 0
        if outside >= LEAVING_STEPS:
            return x, f, g, it, False, False
        if df <= reltol * max(abs(f_old), abs(f), 1.0):
            success = True
            break
        if radius > 0.0 and f >= f_ref - 1e-10 * max(1.0, abs(f_ref)):
            near = True
            for i in range(k):
                if not abs(x[i] - x_ref[i]) <= radius:
                    near = False
            if near:
                return x, f, g, it, success, True
    return x, f, g, it, success, False


@nb.njit(**_INLINE)
def _identity(H, scale):
    for i in range(H.shape[0]):
        for j in range(H.shape[1]):
            H[i, j] = scale if i == j else 0.0


# ------------------------------------------------------------------ Levenberg-Marquardt, least squares
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
def _nan_to_zero(r, v):
    for t in range(v.size):
        r[t] = v[t] if v[t] == v[t] else 0.0


def levenberg_marquardt(x0, maxiter, rtol, out, args):
    """Levenberg-Marquardt on residuals; returns ``(x, iterations, success)``.

    A template (see :func:`bfgs`): :func:`bind` it to ``residuals(x, jac, J, r, A, g, *args)``,
    which writes the residuals at ``x`` into ``out`` (NaN where there is none) and returns
    ``(f, ssq)`` without ``jac``; with ``jac`` it fills the Jacobian ``J``, ``g = J' r`` and
    ``A = J' J`` (:func:`_normal_equations`) and returns ``(1.0, 0.0)`` where undefined.  Stops
    when an accepted step lowers the sum of squares by less than ``rtol`` relative (Gauss-Newton
    converges linearly when the residuals are not small: ``rtol=1e-7`` is enough for a starting
    value, ``1e-15`` gives the CSS estimate to ~1e-9).
    """
    k = x0.size
    n = out.size
    x = x0.copy()
    if k == 0:
        return x, 0, True
    J = np.empty((n, k))
    r = np.empty(n)
    A = np.empty((k, k))
    g = np.empty(k)
    f, ssq = residuals(x, _FLAG[0], J, r, A, g, *args)
    if not f < _BIG:
        return x, 0, False
    _nan_to_zero(r, out)
    xt = np.empty(k)
    lam = 1e-3
    success = False
    it = 0
    fresh_jac = True
    while it < maxiter:
        it += 1
        if fresh_jac:
            bad, _ = residuals(x, _FLAG[1], J, r, A, g, *args)
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
        ft, ssq_t = residuals(xt, _FLAG[0], J, r, A, g, *args)
        if ft < _BIG and ssq_t <= ssq:
            dec = ssq - ssq_t
            for i in range(k):
                x[i] = xt[i]
            _nan_to_zero(r, out)
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

# ------------------------------------------------------------------ scipy's L-BFGS-B, the numerical Hessian
class _OutOfTime(Exception):
    pass


def minimize(fg, x0, maxiter=500, gtol=1e-7, max_seconds=None):
    """scipy's L-BFGS-B on ``fg(x) -> (value, gradient)`` (a compiled objective of
    :mod:`.likelihood.objective` with its central-difference gradient); scipy's OptimizeResult.

    ``max_seconds`` (wall clock) stops the optimiser at its best point so far with
    ``success=False`` and a message saying so (the caller warns).
    """
    from scipy.optimize import minimize as _minimize

    if x0.size == 0:
        from scipy.optimize import OptimizeResult

        return OptimizeResult(x=x0, fun=fg(x0)[0], success=True, nit=0, message="nothing to optimise",
                              jac=np.zeros(0))
    fun = fg
    if max_seconds is None:
        return _minimize(fun, x0, jac=True, method="L-BFGS-B",
                         options=dict(maxiter=maxiter, gtol=gtol, ftol=1e-14, maxcor=20))
    import time

    from scipy.optimize import OptimizeResult

    max_seconds = float(max_seconds)
    if not max_seconds > 0:
        raise ValueError(f"max_seconds={max_seconds}: give a positive number of seconds")
    deadline = time.monotonic() + max_seconds
    best = {"x": np.array(x0, dtype=np.float64), "f": np.inf, "g": np.zeros(x0.size), "n": 0}

    def guarded(x):
        if time.monotonic() > deadline:
            raise _OutOfTime
        fx, g = fun(x)
        best["n"] += 1
        if np.isfinite(fx) and fx < best["f"]:
            best.update(x=np.array(x, dtype=np.float64), f=float(fx), g=np.array(g, dtype=np.float64))
        return fx, g

    try:
        return _minimize(guarded, x0, jac=True, method="L-BFGS-B",
                         options=dict(maxiter=maxiter, gtol=gtol, ftol=1e-14, maxcor=20))
    except _OutOfTime:
        f_best = best["f"] if np.isfinite(best["f"]) else fun(best["x"])[0]
        return OptimizeResult(x=best["x"], fun=f_best, jac=best["g"], nit=best["n"], success=False,
                              message=f"wall-clock limit of {max_seconds:g} s reached (method_kwargs "
                                      f"'max_seconds'); the best point so far is returned")


def hessian(f, x):
    """Numerical Hessian of the scalar ``f`` at ``x``: statsmodels' ``approx_hess3`` (step
    ``eps**(1/4) * max(|x_i|, 0.1)``, four evaluations per pair), as ``cov_type='approx'``."""
    from statsmodels.tools.numdiff import approx_hess3

    return approx_hess3(np.asarray(x, dtype=np.float64), f)
