"""The compiled objectives the optimisers call (value and central-difference gradient in one call).

Each optimiser iteration calls one compiled function instead of 2k + 1 Python-level likelihood
evaluations: parameter transform (Jones/Monahan, as :mod:`.transforms`), regression, polynomial
expansion and the Kalman filter (exact ML) or the CSS recursion all run inside numba.  Two
families: the scipy path's objectives over the general free-parameter vector (fixed values,
regression, ``sigma2`` fixed; :func:`mle_value_grad`, :func:`css_value_grad`), and the compiled
fit's (:func:`_mle_eval`, :func:`_css_eval`; a constant mean only), which
:mod:`..estimators.compiled` binds to :func:`..optimize.bfgs` and
:func:`..optimize.levenberg_marquardt`.  They call the compiled pieces of :mod:`.kalman`,
:mod:`.toeplitz`, :mod:`.transforms` and :mod:`..optimize`; :mod:`.._jitcache` says how their
cache stays in step with those files.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from ..._config import get_option
from ..optimize import _BIG, _normal_equations, central_gradient, central_points, difference_step, forward_points
from .adjoint import kalman_adjoint
from .kalman import arma_loglike, expand, objective_value, state_space, stationary_cov_into
from .kalman import css_value as _css_value
from .toeplitz import levinson_loglike, sparse_acovf
from .transforms import constrain_stationary

_FLAGS = dict(cache=get_option("numba_cache"), nogil=True)
_INLINE = dict(_FLAGS, inline="always")  # small helpers: no compiled level of their own (see .kalman)


@nb.njit(**_INLINE)
def _full_params(x, base, free_idx, tg_lo, tg_hi, tg_sign):
    y = x.copy()
    for g in range(tg_lo.size):
        seg = constrain_stationary(x[tg_lo[g]: tg_hi[g]])
        for i in range(seg.size):
            y[tg_lo[g] + i] = tg_sign[g] * seg[i]
    full = base.copy()
    for i in range(free_idx.size):
        full[free_idx[i]] = y[i]
    return full


@nb.njit(**_INLINE)
def _regress(dy, dX, full):
    k = dX.shape[1]
    if k == 0:
        return dy
    w = dy.copy()
    for j in range(k):
        b = full[j]
        for t in range(w.size):
            w[t] -= dX[t, j] * b
    return w


@nb.njit(**_FLAGS)
def mle_value_kalman(x, base, free_idx, tg_lo, tg_hi, tg_sign, dy, dX, sl, s, tol, n_w, sigma2_fixed):
    """``-llf / n_w`` by the Kalman filter (concentrated unless ``sigma2_fixed > 0``); ``sl`` = bounds of ar, ma, sar, sma."""
    full = _full_params(x, base, free_idx, tg_lo, tg_hi, tg_sign)
    w = _regress(dy, dX, full)
    ar, ma, sar, sma = full[sl[0]: sl[1]], full[sl[2]: sl[3]], full[sl[4]: sl[5]], full[sl[6]: sl[7]]
    ssq, slog, nobs = arma_loglike(w, ar, sar, ma, sma, s, tol)
    return objective_value(ssq, slog, nobs, sigma2_fixed, n_w)


@nb.njit(**_FLAGS)
def mle_value_toeplitz(x, base, free_idx, tg_lo, tg_hi, tg_sign, dy, dX, sl, s, tol, n_w, sigma2_fixed):
    """As :func:`mle_value_kalman`, the likelihood by Durbin-Levinson on the autocovariances
    (:mod:`.toeplitz`, complete series); ``tol`` is unused."""
    full = _full_params(x, base, free_idx, tg_lo, tg_hi, tg_sign)
    w = _regress(dy, dX, full)
    ar, ma, sar, sma = full[sl[0]: sl[1]], full[sl[2]: sl[3]], full[sl[4]: sl[5]], full[sl[6]: sl[7]]
    e = np.zeros(0)
    ssq, slog, nobs = levinson_loglike(w, sparse_acovf(ar, ma, sar, sma, s, w.size), e, e)
    return objective_value(ssq, slog, nobs, sigma2_fixed, n_w)


# One compiled gradient per likelihood, so that a fit compiles only the likelihood it uses (a
# runtime ``toeplitz`` flag compiled both into every caller); the difference rule is
# :func:`..optimize.central_points` / :func:`..optimize.central_gradient`.
@nb.njit(**_FLAGS)
def _grad_kalman(x, args, step):
    X, h = central_points(x, step, 0)
    v = np.empty(X.shape[0])
    for j in range(v.size):
        v[j] = mle_value_kalman(X[j], *args)
    g = np.empty(x.size)
    central_gradient(v, h, g)
    return v[0], g


@nb.njit(**_FLAGS)
def _grad_toeplitz(x, args, step):
    X, h = central_points(x, step, 0)
    v = np.empty(X.shape[0])
    for j in range(v.size):
        v[j] = mle_value_toeplitz(X[j], *args)
    g = np.empty(x.size)
    central_gradient(v, h, g)
    return v[0], g


def mle_value_grad(x, base, free_idx, tg_lo, tg_hi, tg_sign, dy, dX, sl, s, tol, n_w, sigma2_fixed, toeplitz, step):
    """``(-llf / n_w, central-difference gradient)``; the Kalman filter, or with ``toeplitz``
    Durbin-Levinson on the autocovariances (:mod:`.toeplitz`, complete series)."""
    args = (base, free_idx, tg_lo, tg_hi, tg_sign, dy, dX, sl, int(s), float(tol), float(n_w), float(sigma2_fixed))
    return (_grad_toeplitz if toeplitz else _grad_kalman)(x, args, float(step))


@nb.njit(**_FLAGS)
def css_value(x, base, free_idx, dy, dX, sl, s, ar_lags, ma_lags, ncond, out):
    full = base.copy()
    for i in range(free_idx.size):
        full[free_idx[i]] = x[i]
    w = _regress(dy, dX, full)
    return _css_value(w, full[sl[0]: sl[1]], full[sl[4]: sl[5]], full[sl[2]: sl[3]], full[sl[6]: sl[7]], s,
                      ar_lags, ma_lags, ncond, out)


@nb.njit(**_FLAGS)
def css_value_grad(x, base, free_idx, dy, dX, sl, s, ar_lags, ma_lags, ncond, step):
    out = np.empty(dy.size)
    X, h = central_points(x, step, 0)
    v = np.empty(X.shape[0])
    for j in range(v.size):
        v[j] = css_value(X[j], base, free_idx, dy, dX, sl, s, ar_lags, ma_lags, ncond, out)
    g = np.empty(x.size)
    central_gradient(v, h, g)
    return v[0], g


def slice_bounds(model) -> np.ndarray:
    sl = model._slices
    return np.array([sl["ar"].start, sl["ar"].stop, sl["ma"].start, sl["ma"].stop,
                     sl["sar"].start, sl["sar"].stop, sl["sma"].start, sl["sma"].stop], dtype=np.int64)


def transform_groups(free):
    """(lo, hi, sign) arrays of the transformed groups' positions in the free vector."""
    lo, hi, sign = [], [], []
    for g, pos in free.tgroups:
        lo.append(int(pos[0]))
        hi.append(int(pos[-1]) + 1)
        sign.append(1.0 if g in ("ar", "sar") else -1.0)
    return np.array(lo, dtype=np.int64), np.array(hi, dtype=np.int64), np.array(sign)


# ------------------------------------------------------------------ the compiled fit's objectives (estimators.compiled)
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
    return _css_value(wd, ar, sar, ma, sma, spec[5], ar_lags, ma_lags, spec[6], css_out)


@nb.njit(**_FLAGS)  # compiled once, called three times per coordinate (inlined, it doubled the cold compile)
def _arma_maps(x, spec):
    """``(phi, R, P0, ok)``: the Harvey-form state space at the transformed point ``x`` (the maps the
    adjoint gradient differences; ``ok`` False when not stationary)."""
    mu, ar, ma, sar, sma = _split(x, spec[0], spec[1], spec[2], spec[3], spec[4])
    s = spec[5]
    ph, R = state_space(expand(constrain_stationary(ar), constrain_stationary(sar), s, -1.0),
                        expand(-constrain_stationary(ma), -constrain_stationary(sma), s, 1.0))
    r = ph.size
    P0 = np.empty((r, r))
    ok = stationary_cov_into(ph, R, P0)
    return ph, R, P0, ok


@nb.njit(**_INLINE)
def _adjoint_value_grad(x, g, spec, cx, tol, n_w, w, wd, central):
    """The objective at ``x`` and its gradient into ``g`` by the adjoint of the Kalman filter
    (:func:`.adjoint.kalman_adjoint`) for a complete series: the mean's derivative from the data's
    adjoint, each ARMA coordinate's from the adjoints of ``(phi, R, P0)`` and a difference of the
    cheap map ``x -> (phi, R, P0)``: forward (step ``1e-7 * max(1, |x_j|)``), or with ``central``
    central (step ``1e-6 * max(1, |x_j|)``, the fits' rule).  NaN where it cannot (not stationary,
    a breakdown): the caller then differences the objective."""
    ph, R, P0, ok = _arma_maps(x, spec)
    if not ok:
        return np.nan
    k_mu = spec[0]
    k = x.size
    _demean(w, x[0] if k_mu else 0.0, cx, wd)
    n = wd.size
    r = ph.size
    ybar = np.empty(n)
    phb = np.empty(r)
    Rb = np.empty(r)
    P0b = np.empty((r, r))
    ssq, slog, nobs = kalman_adjoint(wd, ph, R, P0, tol, n_w, ybar, phb, Rb, P0b)
    if nobs < 0:
        return np.nan
    if k_mu:
        acc = 0.0
        for t in range(n):
            acc += ybar[t]
        g[0] = -cx * acc
    xt = x.copy()
    for j in range(k_mu, k):
        h = difference_step(x[j], 1e-6 if central else 1e-7)
        xt[j] = x[j] + h
        ph2, R2, P02, ok2 = _arma_maps(xt, spec)
        if central:
            xt[j] = x[j] - h
            ph, R, P0, ok = _arma_maps(xt, spec)  # the lower point (the centre's maps are not needed again)
            ok2 = ok2 and ok
        xt[j] = x[j]
        if not ok2:
            return np.nan
        acc = 0.0
        for i in range(r):
            acc += phb[i] * (ph2[i] - ph[i]) + Rb[i] * (R2[i] - R[i])
            for jj in range(i, r):
                acc += P0b[i, jj] * (P02[i, jj] - P0[i, jj])
        g[j] = acc / (2.0 * h) if central else acc / h
    return objective_value(ssq, slog, nobs, -1.0, n_w)


@nb.njit(**_INLINE)
def _cached(x, parts):
    """True when ``parts[4:]`` holds exactly the point ``x`` (its value is in ``parts[3]``)."""
    for i in range(x.size):
        if parts[4 + i] != x[i]:
            return False
    return True


@nb.njit(**_FLAGS)
def _mle_eval(x, g, mode, spec, cx, tol, n_w, w, wd, parts, forward):
    """The objective at ``x`` (``mode`` 0 or 2; else 0.0 is returned) and, for ``mode`` 1 or 2, its
    gradient into ``g``: central differences (:func:`..optimize.central_gradient`), or with
    ``forward`` forward differences at step ``1.5e-8`` (:func:`..optimize.forward_points`: ``k``
    evaluations instead of ``2k``, for auto_arima's search at R's tolerance).  The single fit's
    objective; the compiled fits take :func:`_mle_eval_adj`.

    The objective (and so the Kalman filter) has one call site here and this is the only compiled
    function that calls it: numba re-optimises a callee in each caller, and LLVM copies it into each
    call site it inlines.
    """
    k = x.size
    if forward and mode:
        X, h = forward_points(x, 1.5e-8)
        hi = k + 1
        # BFGS asks for the gradient (mode 1) at the point its line search just evaluated: that value
        # is cached in parts[3:] (value, point), so the forward differences need k evaluations
        lo = 1 if mode == 1 and parts.size == 4 + k and _cached(x, parts) else 0
        if lo:
            v0 = parts[3]
    else:
        lo = 0 if mode != 1 else 1
        hi = 2 * k + 1 if mode else 1
        X, h = central_points(x, 1e-6, lo)
    v = np.empty(hi)
    for j in range(lo, hi):
        v[j] = _mle_objective(X[j], spec, cx, tol, n_w, w, wd, parts)
        if j == 0 and parts.size == 4 + k:
            parts[3] = v[0]
            for i in range(k):
                parts[4 + i] = x[i]
    if hi > 1:
        if forward:
            if lo:
                v[0] = v0
            for i in range(k):
                g[i] = (v[i + 1] - v[0]) / h[i]
        else:
            central_gradient(v, h, g)
    return v[0] if lo == 0 else 0.0


@nb.njit(**_FLAGS)
def _mle_eval_adj(x, g, mode, spec, cx, tol, n_w, w, wd, parts, forward):
    """:func:`_mle_eval` with the gradient by the adjoint of the Kalman filter
    (:func:`_adjoint_value_grad`: about 2.7 filters and some set-up, against ``k`` filters for
    forward differences and ``2k`` for central ones) where that is the cheaper: a complete series,
    a state of dimension >= 10 (measured on M3: smaller states do not repay the set-up) and
    ``k >= 2`` (central) or ``k >= 4`` (forward).  The compiled fits (``fit_many``, auto_arima)
    take it; the single fit keeps :func:`_mle_eval`, so that its first call compiles no adjoint
    (the adjoint added about 7 s to a cold first ``ARIMA(...).fit()``)."""
    k = x.size
    r = max(spec[1] + spec[3] * spec[5], spec[2] + spec[4] * spec[5] + 1)
    if mode and r >= 10 and k >= (4 if forward else 2):
        complete = True
        for t in range(w.size):
            if not w[t] == w[t]:
                complete = False
                break
        if complete:
            f = _adjoint_value_grad(x, g, spec, cx, tol, n_w, w, wd, not forward)
            if f == f:
                return f if mode != 1 else 0.0
    return _mle_eval(x, g, mode, spec, cx, tol, n_w, w, wd, parts, forward)


@nb.njit(**_FLAGS)
def _css_eval(x, jac, J, r, A, g, spec, cx, w, wd, css_out, ar_lags, ma_lags):
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
            h = difference_step(x[i], 1e-6)
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
