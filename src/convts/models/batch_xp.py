"""Batched ARMA objectives for many series at once, written against an array namespace ``xp``.

These are the building blocks of ``fit_many(..., backend="cupy")``: every function takes
``(n_series, ...)`` arrays of ``xp`` (NumPy in CI, CuPy on a GPU) and evaluates all series
in one pass of vector operations, so an optimiser can step every series together
(batched Gauss-Newton on the CSS residuals and their Jacobian, or any batched quasi-Newton
method on the Whittle objective).  Nothing here validates user input or handles trends,
differencing or missing values: the caller passes clean, differenced, demeaned float
series.  All series of one call share the orders ``p`` and ``q`` (pad with zeros for lower
orders: a zero coefficient is exactly a missing lag).

Sign convention (statsmodels, R): ``y_t = sum_i phi_i y_{t-i} + e_t + sum_j theta_j e_{t-j}``,
``ar[:, i-1] = phi_i``, ``ma[:, j-1] = theta_j``.

Contracts
---------
``css_residuals_batch(y, ar, ma, xp) -> e``
    ``e`` of shape ``(n_series, T - p)``: the conditional-sum-of-squares residuals
    ``e_t = y_t - sum_i phi_i y_{t-i} - sum_j theta_j e_{t-j}`` for ``t = p .. T-1``,
    conditioning on the first ``p`` observations and on ``e_t = 0`` before ``t = p``
    (R's ``arima(method="CSS")`` with ``n.cond = p``).  ``sigma2 = (e**2).mean(axis=1)``.
``css_jacobian_batch(y, ar, ma, xp, e=None) -> J``
    ``J[:, k, t] = d e_t / d params[k]`` with ``params = (phi_1..phi_p, theta_1..theta_q)``,
    shape ``(n_series, p + q, T - p)``: a Gauss-Newton step is
    ``solve(J J^T, -J e)`` per series (``xp.linalg.solve`` batches it).
``periodogram_batch(y, xp) -> (I, freqs)``
    ``I[:, k] = |sum_t (y_t - mean(y)) exp(-i w_k t)|**2 / T`` at the Fourier frequencies
    ``w_k = 2 pi k / T``, ``k = 1 .. (T - 1) // 2`` (zero and Nyquist excluded); ``freqs`` a
    host float64 array.  With this scaling ``E[I_k] ~ sigma2 * g(w_k)``.
``arma_spectrum_batch(freqs, ar, ma, xp) -> g``
    ``g[:, k] = |theta(e^{-i w_k})|**2 / |phi(e^{-i w_k})|**2``, the spectral density over
    ``sigma2`` (up to the factor ``2 pi``), evaluated in real arithmetic.
``whittle_objective_batch(periodogram, freqs, ar, ma, xp) -> (objective, sigma2)``
    The concentrated Whittle objective per series,
    ``objective = log(sigma2) + mean_k log g_k`` with ``sigma2 = mean_k I_k / g_k``
    (``-2 / K`` times the Whittle log-likelihood up to a constant); minimise it over
    ``(ar, ma)`` and read ``sigma2`` at the minimum.
``whittle_gradient_batch(periodogram, freqs, ar, ma, xp) -> grad``
    Its gradient over ``(ar, ma)``, analytic, shape ``(n_series, p + q)``.

``css_fit_batch(y, p, q, xp, start=None, max_iter=100, tol=1e-8) -> (params, sigma2, converged)``
    Levenberg-Marquardt on the CSS residuals, every series stepping together (one batched
    ``(p+q) x (p+q)`` solve per iteration, a per-series damping factor, a step accepted per
    series only where it lowers that series' sum of squares).  ``converged`` is per series;
    a series that fails never stops the others.  Stationarity/invertibility are not imposed.

Cost: CSS is a recursion over time (``T - p`` steps, each a few vector operations across all
series); Whittle is two ``(n_series, p) @ (p, K)`` products per evaluation.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "css_residuals_batch",
    "css_jacobian_batch",
    "periodogram_batch",
    "arma_spectrum_batch",
    "whittle_objective_batch",
    "whittle_gradient_batch",
    "css_fit_batch",
    "whittle_fit_batch",
]


def _params(y, ar, ma, xp):
    n = y.shape[0]
    ar = xp.asarray(ar, dtype=y.dtype).reshape(n, -1)
    ma = xp.asarray(ma, dtype=y.dtype).reshape(n, -1)
    return ar, ma


def _ar_part(y, ar, xp):
    """``z_t = y_t - sum_i phi_i y_{t-i}`` for ``t = p .. T-1``: p shifted-slice products."""
    T = y.shape[1]
    p = ar.shape[1]
    if T <= p:
        raise ValueError(f"series of length {T} are too short for AR order {p}: CSS needs T > p")
    z = y[:, p:].copy()
    for i in range(1, p + 1):
        z -= ar[:, i - 1 : i] * y[:, p - i : T - i]
    return z


def _ma_inverse(z, ma, xp):
    """``w_t = z_t - sum_j theta_j w_{t-j}`` (zero before the start) along the last axis of
    ``z`` (shape ``(n, ..., Tn)``), ``ma`` of shape ``(n, q)``: the recursion over time,
    vectorised across everything else."""
    q = ma.shape[1]
    if q == 0:
        return z.copy()
    if xp is not np:  # CuPy: one kernel launch (backends._cuda_kernels.ma_inverse), not a loop over time
        from ..backends import get_backend

        gpu = get_backend("cupy")
        if gpu.kernels_available():
            return gpu.ma_inverse(z, ma)
    Tn = z.shape[-1]
    lead = z.shape[:-1]
    buf = xp.zeros(lead + (q + Tn,), dtype=z.dtype)  # q zeros of history, then the output
    theta = ma.reshape((ma.shape[0],) + (1,) * (len(lead) - 1) + (q,))[..., ::-1]  # theta_q..theta_1
    for t in range(Tn):
        buf[..., q + t] = z[..., t] - (theta * buf[..., t : t + q]).sum(axis=-1)
    return buf[..., q:]


def css_residuals_batch(y, ar, ma, xp):
    """CSS residuals of many ARMA(p, q) series at once (see the module docstring's contract).

    Parameters
    ----------
    y : (n_series, T) float array of ``xp`` (differenced and demeaned)
    ar : (n_series, p) AR coefficients phi (statsmodels signs)
    ma : (n_series, q) MA coefficients theta
    xp : array namespace (numpy or cupy)

    Returns
    -------
    e : (n_series, T - p) array of ``xp``
    """
    ar, ma = _params(y, ar, ma, xp)
    return _ma_inverse(_ar_part(y, ar, xp), ma, xp)


def css_jacobian_batch(y, ar, ma, xp, e=None):
    """Jacobian of the CSS residuals with respect to ``(phi_1..phi_p, theta_1..theta_q)``.

    ``d e_t / d phi_i = -theta(L)^{-1} y_{t-i}`` and ``d e_t / d theta_j = -theta(L)^{-1} e_{t-j}``
    (``e`` zero before ``t = p``), all ``p + q`` channels run through one batched recursion.

    Returns
    -------
    J : (n_series, p + q, T - p) array of ``xp``
    """
    ar, ma = _params(y, ar, ma, xp)
    n, T = y.shape
    p, q = ar.shape[1], ma.shape[1]
    if e is None:
        e = css_residuals_batch(y, ar, ma, xp)
    Tn = T - p
    forcing = xp.zeros((n, p + q, Tn), dtype=y.dtype)
    for i in range(1, p + 1):
        forcing[:, i - 1] = -y[:, p - i : T - i]
    for j in range(1, q + 1):
        if j < Tn:
            forcing[:, p + j - 1, j:] = -e[:, : Tn - j]
    return _ma_inverse(forcing, ma, xp)


def periodogram_batch(y, xp):
    """Periodogram of every row at the Fourier frequencies ``2 pi k / T``, ``k = 1..(T-1)//2``.

    Returns ``(I, freqs)``: ``I`` of shape ``(n_series, K)`` on ``xp``, ``freqs`` a float64
    NumPy array of length ``K``.
    """
    T = y.shape[1]
    K = (T - 1) // 2
    if K < 1:
        raise ValueError(f"series of length {T} have no Fourier frequency strictly between 0 and pi")
    fy = xp.fft.rfft(y - y.mean(axis=1, keepdims=True), axis=-1)[:, 1 : K + 1]
    I = (fy.real**2 + fy.imag**2) / T
    freqs = 2 * np.pi * np.arange(1, K + 1) / T
    return I.astype(y.dtype, copy=False), freqs


_TRIG: dict = {}  # (namespace, device, dtype, m, frequencies) -> (cos, sin) tables on that device


def _trig_tables(m: int, freqs, xp, dtype):
    """``cos(j w_k)``, ``sin(j w_k)`` for ``j = 1..m`` as ``(m, K)`` arrays of ``xp``, computed
    in float64 on the host and moved to the device once per frequency grid (an optimiser
    evaluates the objective hundreds of times on the same grid)."""
    f = np.ascontiguousarray(freqs, dtype=np.float64)
    device = -1 if xp is np else int(xp.cuda.Device().id)
    key = (xp.__name__, device, np.dtype(dtype).str, int(m), f.size, hash(f.tobytes()))
    tables = _TRIG.get(key)
    if tables is None:
        if len(_TRIG) >= 16:
            _TRIG.clear()
        jw = np.outer(np.arange(1, m + 1), f)
        tables = _TRIG[key] = (xp.asarray(np.cos(jw).astype(dtype)), xp.asarray(np.sin(jw).astype(dtype)))
    return tables


def _poly_parts(coefs, freqs, sign, xp, dtype):
    """Real and imaginary parts of ``1 + sign * sum_j c_j e^{-i j w}``, shapes ``(n, K)``, and the
    tables used."""
    cos, sin = _trig_tables(coefs.shape[1], freqs, xp, dtype)
    return 1 + sign * (coefs @ cos), -sign * (coefs @ sin), cos, sin


def _poly_abs2(coefs, freqs, sign, xp, dtype):
    """``|1 + sign * sum_j c_j e^{-i j w}|**2`` for every row of ``coefs`` and every ``w``."""
    n, m = coefs.shape
    if m == 0:
        return xp.ones((n, len(freqs)), dtype=dtype)
    re, im, _, _ = _poly_parts(coefs, freqs, sign, xp, dtype)
    return re * re + im * im


def arma_spectrum_batch(freqs, ar, ma, xp, dtype=np.float64):
    """``|theta(e^{-iw})|^2 / |phi(e^{-iw})|^2`` for every series (rows of ``ar``/``ma``) and
    frequency: shape ``(n_series, K)``."""
    ar = xp.asarray(ar, dtype=dtype)
    ma = xp.asarray(ma, dtype=dtype)
    if ar.ndim == 1:
        ar = ar.reshape(1, -1)
    if ma.ndim == 1:
        ma = ma.reshape(1, -1)
    return _poly_abs2(ma, freqs, 1.0, xp, dtype) / _poly_abs2(ar, freqs, -1.0, xp, dtype)


def whittle_objective_batch(periodogram, freqs, ar, ma, xp):
    """Concentrated Whittle objective and innovation variance for every series.

    Parameters
    ----------
    periodogram : (n_series, K) array of ``xp`` (``periodogram_batch``'s scaling)
    freqs : (K,) float64 frequencies in radians
    ar, ma : (n_series, p), (n_series, q) coefficients (statsmodels signs)
    xp : array namespace

    Returns
    -------
    objective, sigma2 : (n_series,) arrays of ``xp``.  ``objective`` is ``+inf`` where the
    spectrum vanishes at a frequency of the grid (a unit root of the MA polynomial there):
    numerically, where ``g`` falls to ``eps * max(g)`` or below.
    """
    n = periodogram.shape[0]
    dtype = periodogram.dtype
    ar = xp.asarray(ar, dtype=dtype).reshape(n, -1)
    ma = xp.asarray(ma, dtype=dtype).reshape(n, -1)
    g = arma_spectrum_batch(freqs, ar, ma, xp, dtype)
    floor = np.finfo(dtype).eps * g.max(axis=1, keepdims=True)
    ok = g > floor
    bad = ~ok.all(axis=1)
    g = xp.where(ok, g, 1)
    sigma2 = (periodogram / g).mean(axis=1)
    objective = xp.log(sigma2) + xp.log(g).mean(axis=1)
    objective = xp.where(bad, xp.inf, objective)
    return objective, sigma2


def whittle_gradient_batch(periodogram, freqs, ar, ma, xp):
    """Gradient of :func:`whittle_objective_batch` with respect to ``(ar, ma)``, analytically.

    With ``r_k = (I_k / g_k) / sigma2`` the objective's gradient is
    ``mean_k (1 - r_k) d log g_k / dc`` and, for an AR or MA coefficient of lag ``j`` alike,
    ``d log g_k / dc_j = 2 (re_k cos(j w_k) - im_k sin(j w_k)) / |P_k|^2`` where ``P = re + i im``
    is that coefficient's polynomial (``1 - sum phi e^{-ijw}`` or ``1 + sum theta e^{-ijw}``) at
    ``w_k``: the formula of the single-series estimator (``estimators.whittle``), batched as four
    ``(n, K) @ (K, m)`` products.

    Returns
    -------
    grad : (n_series, p + q) array of ``xp``; rows whose objective is ``+inf`` hold values of
    no meaning (the optimiser never steps to them).
    """
    n, K = periodogram.shape
    dtype = periodogram.dtype
    ar = xp.asarray(ar, dtype=dtype).reshape(n, -1)
    ma = xp.asarray(ma, dtype=dtype).reshape(n, -1)
    g = arma_spectrum_batch(freqs, ar, ma, xp, dtype)
    ok = g > np.finfo(dtype).eps * g.max(axis=1, keepdims=True)
    g = xp.where(ok, g, 1)
    ratio = periodogram / g
    sigma2 = ratio.mean(axis=1, keepdims=True)
    weight = xp.where(ok, (1 - ratio / sigma2) * (2.0 / K), 0)
    parts = []
    for coefs, sign in ((ar, -1.0), (ma, 1.0)):
        if coefs.shape[1] == 0:
            continue
        re, im, cos, sin = _poly_parts(coefs, freqs, sign, xp, dtype)
        wm = weight / (re * re + im * im)
        parts.append((wm * re) @ cos.T - (wm * im) @ sin.T)
    return xp.concatenate(parts, axis=1) if parts else xp.zeros((n, 0), dtype=dtype)


def css_fit_batch(y, p: int, q: int, xp, start=None, max_iter: int = 100, tol: float = 1e-8):
    """Batched Levenberg-Marquardt CSS fit of ARMA(p, q) to every row of ``y``.

    Parameters
    ----------
    y : (n_series, T) array of ``xp`` (differenced, demeaned, finite)
    p, q : orders
    xp : array namespace
    start : (n_series, p + q) starting values (default zeros)
    max_iter : iterations (each: residuals, Jacobian, one batched solve, trial residuals)
    tol : a series has converged when its accepted step is below ``tol * (1 + |params|)``

    Returns
    -------
    params : (n_series, p + q) ``(phi..., theta...)``
    sigma2 : (n_series,) ``SSR / (T - p)``
    converged : (n_series,) bool
    """
    n, T = y.shape
    k = p + q
    theta = xp.zeros((n, k), dtype=y.dtype) if start is None else xp.asarray(start, dtype=y.dtype).reshape(n, k).copy()
    if k == 0:
        e = css_residuals_batch(y, theta[:, :0], theta[:, :0], xp)
        return theta, (e * e).mean(axis=1), xp.ones(n, dtype=bool)
    e = css_residuals_batch(y, theta[:, :p], theta[:, p:], xp)
    ssr = (e * e).sum(axis=1)
    lam = xp.full(n, 1e-3, dtype=y.dtype)
    converged = xp.zeros(n, dtype=bool)
    eye = xp.eye(k, dtype=y.dtype)
    for _ in range(max_iter):
        J = css_jacobian_batch(y, theta[:, :p], theta[:, p:], xp, e=e)
        A = J @ J.transpose(0, 2, 1)
        g = (J @ e[:, :, None])[:, :, 0]
        diag = xp.diagonal(A, axis1=1, axis2=2)
        damp = lam[:, None, None] * (eye * (diag[:, None, :] + 1e-12 * (1 + diag.max(axis=1))[:, None, None]))
        step = xp.linalg.solve(A + damp, -g[:, :, None])[:, :, 0]
        trial = theta + step
        e_new = css_residuals_batch(y, trial[:, :p], trial[:, p:], xp)
        ssr_new = (e_new * e_new).sum(axis=1)
        ok = xp.isfinite(ssr_new) & (ssr_new <= ssr) & ~converged
        small = xp.abs(step).max(axis=1) <= tol * (1 + xp.abs(theta).max(axis=1))
        theta = xp.where(ok[:, None], trial, theta)
        e = xp.where(ok[:, None], e_new, e)
        ssr = xp.where(ok, ssr_new, ssr)
        lam = xp.where(ok, lam / 3, lam * 4)
        converged = converged | (ok & small) | (lam > 1e12)
        if bool(converged.all()):
            break
    converged = converged & (lam <= 1e12)
    return theta, ssr / (T - p), converged


def whittle_fit_batch(periodogram, freqs, p: int, q: int, xp, max_iter: int = 200, gtol: float = 1e-8):
    """``(params (n, p + q), sigma2 (n,), converged (n,))`` minimising the Whittle objective per row."""
    n = periodogram.shape[0]
    k = p + q
    dtype = periodogram.dtype

    def f(x):
        obj, _ = whittle_objective_batch(periodogram, freqs, x[:, :p], x[:, p:], xp)
        return xp.where(xp.isfinite(obj), obj, xp.inf)

    def grad(x):
        return whittle_gradient_batch(periodogram, freqs, x[:, :p], x[:, p:], xp)

    x = xp.zeros((n, k), dtype=dtype)
    if k == 0:
        _, sigma2 = whittle_objective_batch(periodogram, freqs, x, x, xp)
        return x, sigma2, xp.ones(n, dtype=bool)
    eye = xp.eye(k, dtype=dtype)
    H = xp.broadcast_to(eye, (n, k, k)).copy()
    fx = f(x)
    g = grad(x)
    active = xp.ones(n, dtype=bool)
    converged = xp.zeros(n, dtype=bool)
    fresh = xp.ones(n, dtype=bool)
    for _ in range(max_iter):
        small = xp.abs(g).max(axis=1) < gtol
        converged |= active & small
        active &= ~small
        if not bool(active.any()):
            break
        d = -(H @ g[:, :, None])[:, :, 0]
        slope = (d * g).sum(axis=1)
        reset = slope >= 0
        d = xp.where(reset[:, None], -g, d)
        slope = xp.where(reset, -(g * g).sum(axis=1), slope)
        H = xp.where(reset[:, None, None], eye, H)
        fresh |= reset
        alpha = xp.ones(n, dtype=dtype)
        dmax = xp.abs(d).max(axis=1)
        alpha = xp.where(dmax > 1.0, 1.0 / dmax, alpha)  # raw coefficients: cap the first trial step
        ok = xp.zeros(n, dtype=bool)
        for _ls in range(50):
            xn = x + alpha[:, None] * d
            fn = f(xn)
            ok = xp.isfinite(fn) & (fn <= fx + 1e-4 * alpha * slope)
            # a series whose step is accepted keeps its alpha (and so its ok) on later rounds, so
            # testing for "all done" (a device -> host synchronisation) only at rounds 0, 1, 3, 7,
            # ... gives the same result as testing at every round
            if _ls & (_ls + 1) == 0 and bool((ok | ~active).all()):
                break
            alpha = xp.where(ok, alpha, alpha * 0.5)
        acc = ok & active
        xn = xp.where(acc[:, None], xn, x)
        gn = grad(xn)
        s = xn - x
        y = gn - g
        sy = (s * y).sum(axis=1)
        yy = (y * y).sum(axis=1)
        upd = acc & (sy > 1e-14 * yy) & (yy > 0)
        safe_sy = xp.where(upd, sy, 1.0)
        safe_yy = xp.where(upd, yy, 1.0)
        H = xp.where((upd & fresh)[:, None, None], eye * (safe_sy / safe_yy)[:, None, None], H)
        fresh &= ~upd
        rho = (1.0 / safe_sy)[:, None, None]
        Hy = H @ y[:, :, None]
        yHy = (y[:, None, :] @ Hy)[:, 0, 0][:, None, None]
        ss = s[:, :, None] * s[:, None, :]
        Hn = H - rho * (s[:, :, None] * Hy.transpose(0, 2, 1) + Hy * s[:, None, :]) + (rho * rho * yHy + rho) * ss
        H = xp.where(upd[:, None, None], Hn, H)
        dec = fx - xp.where(acc, fn, fx)
        # a series that can no longer descend even along the gradient has converged to rounding
        retry = active & ~acc & ~fresh  # a quasi-Newton step failed: next time along the gradient
        H = xp.where(retry[:, None, None], eye, H)
        fresh |= retry
        stalled = active & ~acc & (fresh & ~retry)
        tiny = acc & (dec <= 1e-15 * xp.maximum(xp.abs(fx), 1.0))
        converged |= tiny | (stalled & (xp.abs(g).max(axis=1) < 1e-5))
        active &= ~(tiny | stalled)
        x = xn
        fx = xp.where(acc, fn, fx)
        g = xp.where(acc[:, None], gn, g)
    _, sigma2 = whittle_objective_batch(periodogram, freqs, x[:, :p], x[:, p:], xp)
    return x, sigma2, converged
