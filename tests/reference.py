"""Slow, obviously correct oracles: plain Python loops, no vectorisation, no cleverness.

Every fast path in convts is compared against these.  They work on 1-D float64 lists/arrays
and follow the textbook definitions literally; NaN/inf spread exactly as in the arithmetic
(a term ``c * x`` with ``c == 0`` is skipped, as the library skips zero taps it does not store).
"""

from __future__ import annotations

import math

import numpy as np

# ---------------------------------------------------------------------------------------
# Convolution: FIR and IIR
# ---------------------------------------------------------------------------------------


def fir_loop(x, lags, coefs, mode="causal"):
    """``y[t] = sum_k coefs[k] * x[t - lags[k]]`` with explicit loops (x is 0 outside its range).

    mode:
      ``causal``   output times 0..T-1 (leads, i.e. negative lags, look ahead);
      ``full``     as ``numpy.convolve(x, b, 'full')`` with ``b`` the dense taps from the
                   smallest lag to the largest: output i is time ``i + min(lags)``;
      ``same``     the ``T`` central values of ``full`` (numpy's ``same``);
      ``valid``    the values of ``full`` whose window lies inside the series;
      ``circular`` ``x`` is periodic: ``y[t] = sum_k coefs[k] * x[(t - lags[k]) mod T]``.
    """
    x = [float(v) for v in x]
    T = len(x)
    lags = [int(v) for v in lags]
    coefs = [float(v) for v in coefs]
    lo, hi = min(lags), max(lags)
    m = hi - lo + 1

    def at(t):
        acc = 0.0
        for lag, c in zip(lags, coefs):
            j = t - lag
            if 0 <= j < T and c != 0.0:
                acc += c * x[j]
        return acc

    if mode == "causal":
        return np.array([at(t) for t in range(T)])
    if mode == "circular":
        out = []
        for t in range(T):
            acc = 0.0
            for lag, c in zip(lags, coefs):
                if c != 0.0:
                    acc += c * x[(t - lag) % T]
            out.append(acc)
        return np.array(out)
    full = [at(i + lo) for i in range(T + m - 1)]
    if mode == "full":
        return np.array(full)
    if mode == "same":
        s = (m - 1) // 2
        return np.array(full[s : s + T])
    if mode == "valid":
        return np.array(full[m - 1 : T])
    raise ValueError(mode)


def iir_loop(x, b, a, zi=None):
    """The difference equation ``sum_j a[j] y[t-j] = sum_i b[i] x[t-i]`` (``a[0]`` divides),
    zero history, plus scipy.signal.lfilter's initial state ``zi`` (transposed direct form II:
    ``zi[k]`` enters the output at time ``k``, then echoes through the feedback)."""
    x = [float(v) for v in x]
    b = [float(v) for v in b]
    a = [float(v) for v in a]
    a0 = a[0]
    b = [v / a0 for v in b]
    a = [v / a0 for v in a]
    zi = [] if zi is None else [float(v) for v in zi]
    y = []
    for t in range(len(x)):
        acc = 0.0
        for i, bi in enumerate(b):
            if t - i >= 0 and bi != 0.0:
                acc += bi * x[t - i]
        if t < len(zi):
            acc += zi[t]
        for j in range(1, len(a)):
            if t - j >= 0 and a[j] != 0.0:
                acc -= a[j] * y[t - j]
        y.append(acc)
    return np.array(y)


def difference_loop(x, d=1, D=0, period=None):
    """``(1 - L)^d (1 - L^s)^D x`` by repeated differencing; the first ``d + D*s`` values are
    dropped (statsmodels' ``diff`` / ``numpy.diff`` convention, i.e. mode 'valid')."""
    y = [float(v) for v in x]
    for _ in range(D):
        y = [y[t] - y[t - period] for t in range(period, len(y))]
    for _ in range(d):
        y = [y[t] - y[t - 1] for t in range(1, len(y))]
    return np.array(y)


def impulse_loop(b, a, n):
    """The first ``n`` psi weights of ``B(L)/A(L)``: the recursion run on a unit impulse."""
    imp = [1.0] + [0.0] * (n - 1)
    return iir_loop(imp, b, a)


def masked_mean_loop(x, lags, coefs, min_weight=None, mode="causal"):
    """``nan_policy='omit'``: at each output time, the weighted sum over the observed (finite)
    inputs of the window, renormalised by the share of absolute weight observed; NaN where
    that share is 0 or below ``min_weight``.  Times outside the series are unobserved.
    ``mode`` picks the output times as in :func:`fir_loop` (``circular``: x is periodic)."""
    x = [float(v) for v in x]
    T = len(x)
    lags = [int(v) for v in lags]
    coefs = [float(c) for c in coefs]
    total = sum(abs(c) for c in coefs)
    lo, hi = min(lags), max(lags)
    m = hi - lo + 1
    floor = 1e-9 if min_weight is None else max(min_weight - 1e-12, 1e-9)

    def at(t):
        num = 0.0
        seen = 0.0
        for lag, c in zip(lags, coefs):
            j = t - lag
            if mode == "circular":
                j %= T
            if 0 <= j < T and math.isfinite(x[j]) and c != 0.0:
                num += c * x[j]
                seen += abs(c)
        share = seen / total
        return num / share if share >= floor else math.nan

    if mode in ("causal", "circular"):
        times = range(T)
    elif mode == "full":
        times = range(lo, lo + T + m - 1)
    elif mode == "same":
        times = range(lo + (m - 1) // 2, lo + (m - 1) // 2 + T)
    elif mode == "valid":
        times = range(lo + m - 1, lo + T)
    else:
        raise ValueError(mode)
    return np.array([at(t) for t in times])


# ---------------------------------------------------------------------------------------
# Statistics
# ---------------------------------------------------------------------------------------


def acovf_loop(x, nlags, adjusted=False, demean=True, omit=False):
    """Sample autocovariance by double loops.  ``omit``: NaN skipped (statsmodels'
    missing='conservative'): mean of the observed values, products over observed pairs,
    divisor the number of observed values (or of observed pairs when ``adjusted``)."""
    x = [float(v) for v in x]
    n = len(x)
    obs = [not math.isnan(v) for v in x] if omit else [True] * n
    vals = [v for v, o in zip(x, obs) if o]
    mean = sum(vals) / len(vals) if demean else 0.0
    out = []
    for k in range(nlags + 1):
        s = 0.0
        pairs = 0
        for t in range(n - k):
            if obs[t] and obs[t + k]:
                s += (x[t] - mean) * (x[t + k] - mean)
                pairs += 1
        if adjusted:
            div = pairs if omit else n - k
        else:
            div = len(vals)
        out.append(s / max(div, 1))
    return np.array(out)


def ccovf_loop(x, y, nlags, adjusted=True):
    """``c[k] = sum_t (x[t+k] - xbar)(y[t] - ybar) / (n - k or n)``."""
    n = len(x)
    mx = sum(x) / n
    my = sum(y) / n
    out = []
    for k in range(nlags + 1):
        s = 0.0
        for t in range(n - k):
            s += (x[t + k] - mx) * (y[t] - my)
        out.append(s / ((n - k) if adjusted else n))
    return np.array(out)


def ccf_loop(x, y, nlags, adjusted=True):
    """Two-sided cross-correlation ``corr(x[t+k], y[t])`` for k = -nlags..nlags (population std)."""
    x = [float(v) for v in x]
    y = [float(v) for v in y]
    n = len(x)
    mx, my = sum(x) / n, sum(y) / n
    sx = math.sqrt(sum((v - mx) ** 2 for v in x) / n)
    sy = math.sqrt(sum((v - my) ** 2 for v in y) / n)
    pos = ccovf_loop(x, y, nlags, adjusted) / (sx * sy)
    neg = ccovf_loop(y, x, nlags, adjusted) / (sx * sy)
    return np.concatenate([neg[:0:-1], pos])


def levinson_loop(r, order):
    """Durbin-Levinson by the textbook recursion: returns (phi_1..phi_p, sigma2, pacf)."""
    r = [float(v) for v in r]
    phi_prev: list[float] = []
    v = r[0]
    pacf = [1.0]
    for k in range(1, order + 1):
        num = r[k]
        for j in range(1, k):
            num -= phi_prev[j - 1] * r[k - j]
        kk = num / v
        phi = [phi_prev[j - 1] - kk * phi_prev[k - j - 1] for j in range(1, k)] + [kk]
        v = v * (1.0 - kk * kk)
        pacf.append(kk)
        phi_prev = phi
    return np.array(phi_prev), v, np.array(pacf)


def yule_walker_solve_loop(r, order):
    """Yule-Walker by Gaussian elimination on the Toeplitz system (independent of Levinson)."""
    A = [[float(r[abs(i - j)]) for j in range(order)] + [float(r[i + 1])] for i in range(order)]
    for c in range(order):
        p = max(range(c, order), key=lambda i: abs(A[i][c]))
        A[c], A[p] = A[p], A[c]
        for i in range(order):
            if i != c:
                f = A[i][c] / A[c][c]
                for j in range(c, order + 1):
                    A[i][j] -= f * A[c][j]
    return np.array([A[i][order] / A[i][i] for i in range(order)])


# ---------------------------------------------------------------------------------------
# Batched ARMA objectives (oracles for convts.models.batch_xp; one series at a time)
# ---------------------------------------------------------------------------------------


def css_residuals_loop(y, ar, ma):
    """CSS residuals of one series: ``e_t = y_t - sum_i phi_i y_{t-i} - sum_j theta_j e_{t-j}``
    for ``t = p .. T-1``, with ``e = 0`` before ``t = p`` (R's ``arima(method="CSS")``)."""
    y = [float(v) for v in y]
    ar = [float(v) for v in ar]
    ma = [float(v) for v in ma]
    p = len(ar)
    e = {}
    out = []
    for t in range(p, len(y)):
        acc = y[t]
        for i, phi in enumerate(ar, start=1):
            acc -= phi * y[t - i]
        for j, theta in enumerate(ma, start=1):
            acc -= theta * e.get(t - j, 0.0)
        e[t] = acc
        out.append(acc)
    return np.array(out)


def arma_spectrum_loop(freqs, ar, ma):
    """``|1 + sum_j theta_j e^{-ijw}|^2 / |1 - sum_i phi_i e^{-iiw}|^2`` by complex arithmetic."""
    out = []
    for w in freqs:
        num = 1 + sum(float(c) * complex(math.cos(j * w), -math.sin(j * w)) for j, c in enumerate(ma, start=1))
        den = 1 - sum(float(c) * complex(math.cos(i * w), -math.sin(i * w)) for i, c in enumerate(ar, start=1))
        out.append(abs(num) ** 2 / abs(den) ** 2)
    return np.array(out)


def periodogram_loop(y):
    """``|sum_t (y_t - mean) e^{-i w_k t}|^2 / T`` at ``w_k = 2 pi k / T``, ``k = 1..(T-1)//2``."""
    y = [float(v) for v in y]
    T = len(y)
    mean = sum(y) / T
    out = []
    for k in range(1, (T - 1) // 2 + 1):
        w = 2 * math.pi * k / T
        s = sum((v - mean) * complex(math.cos(w * t), -math.sin(w * t)) for t, v in enumerate(y))
        out.append(abs(s) ** 2 / T)
    return np.array(out)


def whittle_loop(y, ar, ma):
    """Concentrated Whittle objective and sigma2 of one series, from the loops above."""
    I = periodogram_loop(y)
    T = len(y)
    freqs = [2 * math.pi * k / T for k in range(1, (T - 1) // 2 + 1)]
    g = arma_spectrum_loop(freqs, ar, ma)
    sigma2 = sum(i / gk for i, gk in zip(I, g)) / len(g)
    return math.log(sigma2) + sum(math.log(gk) for gk in g) / len(g), sigma2


# ---------------------------------------------------------------------------------------
# ARIMA oracles (owned by the ARIMA models work: tests/test_arima*.py)
# ---------------------------------------------------------------------------------------


def arima_css_loop(w, ar, ma, ncond):
    """R's conditional sum of squares on an already differenced series, by explicit loops.

    ``ar`` / ``ma`` are dicts ``{lag: coefficient}`` of the *expanded* polynomials in
    statsmodels' signs.  ``e[t] = w[t] - sum ar_k w[t-k] - sum ma_j e[t-j]`` for ``t >= ncond``
    with ``e[t] = 0`` before ``ncond``.  Returns ``(ssq, n_used, e)``.
    """
    w = [float(v) for v in w]
    e = [0.0] * len(w)
    ssq, nu = 0.0, 0
    for t in range(ncond, len(w)):
        acc = w[t]
        for k, c in ar.items():
            acc -= c * w[t - k]
        for j, c in ma.items():
            if t - j >= ncond:
                acc -= c * e[t - j]
        e[t] = acc
        if not math.isnan(acc):
            ssq += acc * acc
            nu += 1
    return ssq, nu, e


def arma_acovf_loop(ar, ma, nlags, sigma2=1.0, n_psi=5000):
    """Autocovariances of an ARMA (dicts of lag -> coefficient, statsmodels' signs) from psi weights.

    ``psi_j = theta_j + sum_k phi_k psi_{j-k}``, ``gamma_h = sigma2 * sum_j psi_j psi_{j+h}``
    (truncated at ``n_psi`` weights; use stationary models whose weights decay well before).
    """
    psi = []
    for j in range(n_psi + nlags + 1):
        v = 1.0 if j == 0 else ma.get(j, 0.0)
        for k, c in ar.items():
            if j - k >= 0:
                v += c * psi[j - k]
        psi.append(v)
    return [sigma2 * sum(psi[j] * psi[j + h] for j in range(n_psi)) for h in range(nlags + 1)]


def arma_exact_loglike_dense(w, ar, ma, sigma2):
    """Exact Gaussian log-likelihood of ``w`` (NaN = missing) from its full covariance matrix.

    Builds the Toeplitz covariance of the observed values from :func:`arma_acovf_loop` and
    evaluates the multivariate normal density with a Cholesky factorisation: O(n^3), an
    oracle for the Kalman filter on short series.
    """
    w = np.asarray(w, dtype=float)
    obs = np.flatnonzero(~np.isnan(w))
    gamma = np.array(arma_acovf_loop(ar, ma, len(w), sigma2))
    S = gamma[np.abs(obs[:, None] - obs[None, :])]
    L = np.linalg.cholesky(S)
    z = np.linalg.solve(L, w[obs])
    return float(-0.5 * (obs.size * math.log(2 * math.pi) + 2 * np.log(np.diag(L)).sum() + z @ z))


def canova_hansen_loop(x, m, nlags, tested=None):
    """Canova & Hansen's (1995) seasonal-stability statistic, term by term from the paper.

    Regress ``x_t`` on a constant and the trigonometric seasonal regressors ``z_t`` (cos, sin of
    ``2 pi j t / m`` for ``j = 1..`` at ``t = 1..n``, the first ``m - 1``) by the normal
    equations; ``f_t = z_t e_t``; ``F_t = f_1 + ... + f_t``; Newey-West ``Omega = (1/n) sum_t
    f_t f_t' + (1/n) sum_{k=1..l} (1 - k/(l+1)) sum_{t>k} (f_t f_{t-k}' + f_{t-k} f_t')``; the
    statistic ``n^-2 sum_t F_t' (A' Omega A)^-1 F_t`` over the regressor indices ``tested``
    (the paper's selection matrix ``A``; default all of them).
    """
    x = [float(v) for v in x]
    n = len(x)
    k = m - 1
    z = []
    for t in range(1, n + 1):
        row = []
        j = 1
        while len(row) < k:
            row.append(math.cos(2 * math.pi * j * t / m))
            if len(row) < k:
                row.append(math.sin(2 * math.pi * j * t / m))
            j += 1
        z.append(row)
    # normal equations of x on [1, z]
    p = k + 1
    xtx = [[0.0] * p for _ in range(p)]
    xty = [0.0] * p
    for t in range(n):
        r = [1.0] + z[t]
        for a in range(p):
            xty[a] += r[a] * x[t]
            for b in range(p):
                xtx[a][b] += r[a] * r[b]
    beta = np.linalg.solve(np.array(xtx), np.array(xty))
    e = [x[t] - beta[0] - sum(beta[1 + a] * z[t][a] for a in range(k)) for t in range(n)]
    f = [[z[t][a] * e[t] for a in range(k)] for t in range(n)]
    omega = [[0.0] * k for _ in range(k)]
    for t in range(n):
        for a in range(k):
            for b in range(k):
                omega[a][b] += f[t][a] * f[t][b]
    for lag in range(1, nlags + 1):
        w = 1.0 - lag / (nlags + 1.0)
        for t in range(lag, n):
            for a in range(k):
                for b in range(k):
                    omega[a][b] += w * (f[t][a] * f[t - lag][b] + f[t - lag][a] * f[t][b])
    idx = list(range(k)) if tested is None else list(tested)
    sub = np.array([[omega[a][b] / n for b in idx] for a in idx])
    inv = np.linalg.inv(sub)
    total = 0.0
    partial = [0.0] * k
    for t in range(n):
        for a in range(k):
            partial[a] += f[t][a]
        v = [partial[a] for a in idx]
        total += sum(v[i] * inv[i][j] * v[j] for i in range(len(idx)) for j in range(len(idx)))
    return total / (n * n)
