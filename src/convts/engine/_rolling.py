"""Rolling variance, standard deviation, covariance and correlation, as pandas' ``rolling``.

One pass per row: Welford's update with the value leaving the window removed and the
new one added (Welford 1962; the add/remove form of bottleneck and pandas 2), on values shifted
by a reference taken from the window, plus a bound on the rounding error that update has
accumulated.  When the bound says the running sums may have lost precision, the window is
summed again exactly (two passes over its ``window`` values) and the bound restarts.  So the
results stay accurate to ~1e-11 relative after a value of 1e16 has left the window, where the
add/remove update alone keeps an absolute error in the variance of order ``eps * 1e32``
(bottleneck 1.6 and pandas 2.3; pandas 3.1 is accurate there too).  A window left with one
value takes that value as its reference exactly (not through the rounded removals), and sums
that overflowed (values beyond ~1e154) are summed again once the value has left; rows with
values beyond 2**500 or below 2**-500 are also summed scaled by a power of two, where the
moments themselves leave the float range (std and corr are numbers there; pandas: inf / NaN).

The compiled kernels (numba, ``cache=True``, float64 only, read-only inputs) are built on first
use: ``import convts`` imports no numba.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["rolling_var", "rolling_std", "rolling_cov", "rolling_corr"]

_EPS = 2.220446049250313e-16
# Sum again when the error bound exceeds this fraction of the current sum of squares.
_RTOL = 1e-12
# Re-centre when the window's mean has drifted this many (squared) standard deviations from the
# reference value: the mean's own rounding, eps * |mean|, must stay small against the spread.
_DRIFT = 1e4


# ------------------------------------------------------------------------------- compiled code
def _var_rows(x, window, minp, ddof, take_sqrt, out):  # pragma: no cover - compiled by numba
    """out[r, t] = var (or std) of the finite x[r, t-window+1 .. t] (pandas: NaN and inf are missing)."""
    nrow, n = x.shape
    redo_ratio = _RTOL / _EPS
    for r in range(nrow):
        xr = x[r]
        cnt = 0
        ref = 0.0
        mean = 0.0  # mean of (x - ref) over the finite values of the window
        m2 = 0.0  # sum of squared deviations from the mean
        err = 0.0  # sum of |updates to m2| since the last exact sum: m2's rounding is <= eps * err
        # functions of the count, updated when it changes
        inv = 0.0  # 1 / cnt
        inv_den = 0.0  # 1 / (cnt - ddof)
        drift = 0.0  # _DRIFT / cnt
        ok = False  # enough observations for a value
        for t in range(n):
            xi = xr[t]
            xo = xr[t - window] if t >= window else np.nan
            a = xi - ref
            b = xo - ref
            delta = a - b
            if delta - delta == 0.0:  # both finite (the common case, one test): the count is unchanged
                # (with one value in the window, cnt == 1, m2 collects rounding here; the slow
                # path clears it before a second value joins)
                mnew = mean + delta * inv
                term = delta * ((a - mnew) + (b - mean))
                m2 += term
                err += abs(term)
                mean = mnew
                continue_slow = False
            else:
                fin_i = math.isfinite(xi)
                fin_o = t >= window and math.isfinite(xo)
                continue_slow = fin_i or fin_o  # (both finite here only if the difference overflowed)
            if continue_slow:
                if cnt == 1 and not fin_o:
                    # the window's one value (it stays) is the reference, exactly, and the rounding
                    # of the fast path's replacements since is dropped: a stale reference (a spike
                    # that left) would cost the next windows their digits
                    m2 = 0.0
                    err = 0.0
                    for j in range(t - 1, t - window, -1):
                        if j >= 0 and math.isfinite(xr[j]):
                            ref = xr[j]
                            mean = 0.0
                            break
                if fin_o:
                    if cnt == 1:
                        cnt = 0
                        mean = 0.0
                        m2 = 0.0
                        err = 0.0
                    else:
                        b = xo - ref
                        cnt -= 1
                        delta = b - mean
                        mean -= delta / cnt
                        term = delta * (b - mean)
                        m2 -= term
                        err += abs(term)
                if fin_i:
                    if cnt == 0:
                        ref = xi
                        mean = 0.0
                        m2 = 0.0
                        err = 0.0
                    a = xi - ref
                    cnt += 1
                    delta = a - mean
                    mean += delta / cnt
                    term = delta * (a - mean)
                    m2 += term
                    err += abs(term)
                if cnt > 0:
                    inv = 1.0 / cnt
                    drift = _DRIFT / cnt
                ok = cnt >= minp and cnt > ddof
                if ok:  # one value (ddof=0): variance 0, whatever the updates of m2 round to
                    inv_den = 1.0 / (cnt - ddof) if cnt > 1 else 0.0
                if cnt == 1:  # one value: no spread, whatever the updates rounded to
                    m2 = 0.0
                    err = 0.0
                    if not fin_i:  # (else it is xi, the reference already) an older value: refer
                        # to it exactly, not through the rounded removals
                        for j in range(t - 1, t - window, -1):
                            if j >= 0 and math.isfinite(xr[j]):
                                ref = xr[j]
                                mean = 0.0
                                break
            # m2 may have lost digits: a large value left (or m2 went to <= 0 with updates behind it);
            # every 256 steps also: the mean drifted far from the reference, or a constant window
            # is not yet exactly zero.  (One test per step: this check is ~10% of the loop's time.)
            # (also when m2 or err overflowed, inf or NaN, while a value beyond ~1e154 was in the window)
            redo = not (err <= redo_ratio * m2 and m2 < math.inf)
            if (t & 255) == 0:
                redo = redo or mean * mean > drift * m2 or (m2 == 0.0 and mean != 0.0)
            if redo:
                if cnt < 2:  # one value (window=1): no spread, whatever the update rounded to
                    m2 = 0.0
                    err = 0.0
                else:
                    # sum the window again exactly, about a value inside it, then about its mean
                    lo = t - window + 1 if t >= window else 0
                    found = False
                    s1 = 0.0
                    for j in range(lo, t + 1):
                        v = xr[j]
                        if math.isfinite(v):
                            if not found:
                                ref = v
                                found = True
                            s1 += v - ref
                    mean = s1 / cnt
                    s1 = 0.0
                    s2 = 0.0
                    for j in range(lo, t + 1):
                        v = xr[j]
                        if math.isfinite(v):
                            d = (v - ref) - mean
                            s1 += d
                            s2 += d * d
                    m2 = max(s2 - s1 * s1 / cnt, 0.0)
                    mean += s1 / cnt
                    newref = ref + mean  # re-centre on the window's mean (m2 does not change)
                    mean = (ref - newref) + mean
                    ref = newref
                    err = 0.0
            if ok:
                v = m2 * inv_den
                if v < 0.0:
                    v = 0.0
                out[r, t] = math.sqrt(v) if take_sqrt else v
            else:
                out[r, t] = np.nan


def _comoment_rows(x, y, window, minp, ddof, corr, out):  # pragma: no cover - compiled by numba
    """out[r, t] = cov (or corr) of the pairs of x[r], y[r] in the window where both are finite."""
    nrow, n = x.shape
    for r in range(nrow):
        xr = x[r]
        yr = y[r]
        cnt = 0
        rx = 0.0
        ry = 0.0
        mx = 0.0
        my = 0.0
        sxx = 0.0
        syy = 0.0
        sxy = 0.0
        exx = 0.0
        eyy = 0.0
        exy = 0.0
        inv = 0.0
        for t in range(n):
            xi = xr[t]
            yi = yr[t]
            # a pair counts when both values are finite (pandas: inf is NaN, x + 0 y aligns them)
            fin_i = math.isfinite(xi) and math.isfinite(yi)
            fin_o = False
            xo = 0.0
            yo = 0.0
            if t >= window:
                xo = xr[t - window]
                yo = yr[t - window]
                fin_o = math.isfinite(xo) and math.isfinite(yo)
            if fin_i and fin_o:
                ax = xi - rx
                bx = xo - rx
                ay = yi - ry
                by = yo - ry
                dx = ax - bx
                dy = ay - by
                mxn = mx + dx * inv
                myn = my + dy * inv
                tx = dx * ((ax - mxn) + (bx - mx))
                ty = dy * ((ay - myn) + (by - my))
                txy = dx * (ay - myn) + dy * (bx - mx)  # = dy (ax - mxn) + dx (by - my) in exact arithmetic
                sxx += tx
                syy += ty
                sxy += txy
                exx += abs(tx)
                eyy += abs(ty)
                exy += abs(dx * (ay - myn)) + abs(dy * (bx - mx))
                mx = mxn
                my = myn
            else:
                if cnt == 1 and fin_i and not fin_o:  # a second pair joins the one that stays: that
                    # one is the reference, exactly (as _var_rows)
                    for j in range(t - 1, t - window, -1):
                        if j >= 0 and math.isfinite(xr[j]) and math.isfinite(yr[j]):
                            rx = xr[j]
                            ry = yr[j]
                            mx = 0.0
                            my = 0.0
                            break
                if fin_o:
                    if cnt == 1:
                        cnt = 0
                        mx = 0.0
                        my = 0.0
                        sxx = 0.0
                        syy = 0.0
                        sxy = 0.0
                        exx = 0.0
                        eyy = 0.0
                        exy = 0.0
                    else:
                        bx = xo - rx
                        by = yo - ry
                        cnt -= 1
                        inv = 1.0 / cnt
                        dx = bx - mx
                        dy = by - my
                        mx -= dx * inv
                        my -= dy * inv
                        tx = dx * (bx - mx)
                        ty = dy * (by - my)
                        txy = dx * (by - my)
                        sxx -= tx
                        syy -= ty
                        sxy -= txy
                        exx += abs(tx)
                        eyy += abs(ty)
                        exy += abs(txy)
                if fin_i:
                    if cnt == 0:
                        rx = xi
                        ry = yi
                        mx = 0.0
                        my = 0.0
                        sxx = 0.0
                        syy = 0.0
                        sxy = 0.0
                        exx = 0.0
                        eyy = 0.0
                        exy = 0.0
                    ax = xi - rx
                    ay = yi - ry
                    cnt += 1
                    inv = 1.0 / cnt
                    dx = ax - mx
                    dy = ay - my
                    mx += dx * inv
                    my += dy * inv
                    tx = dx * (ax - mx)
                    ty = dy * (ay - my)
                    txy = dx * (ay - my)
                    sxx += tx
                    syy += ty
                    sxy += txy
                    exx += abs(tx)
                    eyy += abs(ty)
                    exy += abs(txy)
            if cnt == 1:
                sxx = 0.0
                syy = 0.0
                sxy = 0.0
                exx = 0.0
                eyy = 0.0
                exy = 0.0
                if fin_o and not fin_i:  # a removal left an older pair: refer to it exactly
                    for j in range(t - 1, t - window, -1):
                        if j >= 0 and math.isfinite(xr[j]) and math.isfinite(yr[j]):
                            rx = xr[j]
                            ry = yr[j]
                            mx = 0.0
                            my = 0.0
                            break
            elif cnt >= 2:
                scale = math.sqrt(max(sxx, 0.0) * max(syy, 0.0))
                if sxx > 0.0:
                    redo = _EPS * exx > _RTOL * sxx or mx * mx * cnt > _DRIFT * sxx
                else:  # a constant x: exactly so only after an exact sum about one of its values
                    redo = exx > 0.0 or mx != 0.0
                if syy > 0.0:
                    redo = redo or _EPS * eyy > _RTOL * syy or my * my * cnt > _DRIFT * syy
                else:
                    redo = redo or eyy > 0.0 or my != 0.0
                redo = redo or (exy > 0.0 and _EPS * exy > _RTOL * scale)
                # the sums overflowed (inf or NaN) while a value beyond ~1e154 was in the window
                # (sxy is finite when both are: |sxy| <= sqrt(sxx syy))
                redo = redo or not (sxx + syy < math.inf)
                if redo:
                    lo = t - window + 1 if t >= window else 0
                    found = False
                    s1x = 0.0
                    s1y = 0.0
                    for j in range(lo, t + 1):
                        u = xr[j]
                        v = yr[j]
                        if math.isfinite(u) and math.isfinite(v):
                            if not found:
                                rx = u
                                ry = v
                                found = True
                            s1x += u - rx
                            s1y += v - ry
                    mx = s1x / cnt
                    my = s1y / cnt
                    s1x = 0.0
                    s1y = 0.0
                    sxx = 0.0
                    syy = 0.0
                    sxy = 0.0
                    for j in range(lo, t + 1):
                        u = xr[j]
                        v = yr[j]
                        if math.isfinite(u) and math.isfinite(v):
                            du = (u - rx) - mx
                            dv = (v - ry) - my
                            s1x += du
                            s1y += dv
                            sxx += du * du
                            syy += dv * dv
                            sxy += du * dv
                    sxx = max(sxx - s1x * s1x / cnt, 0.0)
                    syy = max(syy - s1y * s1y / cnt, 0.0)
                    sxy -= s1x * s1y / cnt
                    mx += s1x / cnt
                    my += s1y / cnt
                    newref = rx + mx
                    mx = (rx - newref) + mx
                    rx = newref
                    newref = ry + my
                    my = (ry - newref) + my
                    ry = newref
                    exx = 0.0
                    eyy = 0.0
                    exy = 0.0
            if cnt >= minp and cnt > ddof:
                if corr:
                    # (a sum of squares that overflowed gives NaN here, for the caller's scaled re-run;
                    # two square roots where the product of the sums overflows or underflows alone)
                    prod = sxx * syy
                    if 2.2250738585072014e-308 <= prod < math.inf:
                        out[r, t] = sxy / math.sqrt(prod)
                    elif 0.0 < sxx < math.inf and 0.0 < syy < math.inf:
                        out[r, t] = sxy / (math.sqrt(sxx) * math.sqrt(syy))
                    else:
                        out[r, t] = np.nan
                else:
                    out[r, t] = sxy / (cnt - ddof)
            else:
                out[r, t] = np.nan


_KERNELS: dict = {}


def _kernel(name):
    k = _KERNELS.get(name)
    if k is None:
        import numba as nb

        from .._config import get_option

        ro = nb.types.Array(nb.float64, 2, "C", readonly=True)
        rw = nb.types.Array(nb.float64, 2, "C")
        i, b = nb.int64, nb.boolean
        if name == "var":
            sig, fn = nb.void(ro, i, i, i, b, rw), _var_rows
        else:
            sig, fn = nb.void(ro, ro, i, i, i, b, rw), _comoment_rows
        # fastmath only 'contract' (fused multiply-add: one rounding instead of two; the kernels test
        # for NaN and inf, so no 'nnan'/'ninf', and no reassociation of the error-free sums):
        # rolling_std 1e6 values, window 20, min of 25: 2.95 -> 2.76 ms (bottleneck move_std 2.79)
        k = _KERNELS[name] = nb.njit([sig], cache=get_option("numba_cache"), nogil=True, error_model="numpy",
                                     fastmath={"contract"})(fn)
    return k


# ------------------------------------------------------------------------------- public API
def _check_window(window, min_periods, ddof):
    from .._validation import check_int

    window = check_int(window, "window", minimum=1)
    if min_periods is None:
        min_periods = window
    min_periods = check_int(min_periods, "min_periods", minimum=0)
    if min_periods > window:
        raise ValueError(f"min_periods={min_periods} must be <= window={window}")
    ddof = check_int(ddof, "ddof", minimum=0)
    return window, min_periods, ddof


def _rows(x, name, axis):
    """x as a read-only C-contiguous float64 2-D array (rows = series), plus how to undo it."""
    from .._validation import as_float_array, check_axis

    arr = as_float_array(x, name, ndim=(1, 2))
    if not isinstance(arr, np.ndarray):
        raise TypeError(f"{name} is a {type(arr).__module__} array; the rolling statistics run on NumPy "
                        f"arrays (pass cupy.asnumpy({name}))")
    axis = check_axis(axis, arr.ndim)
    dtype = arr.dtype
    moved = np.moveaxis(arr, axis, -1)
    rows = np.ascontiguousarray(moved.reshape(-1, moved.shape[-1]), dtype=np.float64)

    def back(out):
        res = np.moveaxis(out.reshape(moved.shape), -1, axis)
        return res.astype(dtype, copy=False) if dtype == np.float32 else res

    return rows, back


# Rows whose largest finite |value| lies outside [2**-_EXP_LIMIT, 2**_EXP_LIMIT] have squares that
# overflow (or underflow) although the standard deviation or the correlation is representable:
# those rows are scaled by a power of two (exact) for std and corr.
_EXP_LIMIT = 500


def _pow2_scale(rows):
    """``(scaled rows, exponents)``: rows whose squares leave the normal float range multiplied by
    ``2**-e`` so that their largest finite ``|value|`` lies in [0.5, 1): rows with a value beyond
    ``2**_EXP_LIMIT`` (scaled down, ``e > 0``) and rows with a non-zero value below
    ``2**-_EXP_LIMIT`` (scaled up, ``e < 0``, lossless); ``e`` is 0 for the other rows.
    ``None`` when no row needs it."""
    finite = np.isfinite(rows)
    mag = np.where(finite, np.abs(rows), 0.0)
    big = mag.max(axis=1)
    small = np.where(mag > 0, mag, np.inf).min(axis=1)
    _, e = np.frexp(big)
    down = big > 2.0**_EXP_LIMIT
    up = ~down & (small < 2.0**-_EXP_LIMIT) & (e < 0)
    e = np.where(down | up, e, 0)
    if not e.any():
        return None
    return np.ldexp(rows, -e[:, None]), e


def _prefer(out, alt, whole):
    """``alt`` (the sums over power-of-two scaled rows, scaled back) in the rows ``whole`` (scaled
    up: lossless, every window is as accurate or more) and, in the other rows, where ``out``
    overflowed (inf, or NaN from inf - inf) and ``alt`` is a number (scaled down, a window's
    values far below the row's largest may round away, so ``alt`` is used only there)."""
    use = ~np.isnan(alt) & (~np.isfinite(out) | whole[:, None])
    out[use] = alt[use]
    return out


def rolling_var(x, window: int, min_periods: int | None = None, ddof: int = 1, axis: int = -1):
    """Variance over a trailing window, equal to ``pandas.Series.rolling(window, min_periods).var(ddof)``.

    Parameters
    ----------
    x : array_like
        1-D series or 2-D batch (float64; float32 is computed in float64 and returned as
        float32; integers as float64).  NaN and +-inf are missing values (pandas turns inf into NaN).
    window : int
        Number of observations in each window (>= 1); output ``t`` uses ``x[t-window+1 .. t]``.
    min_periods : int, optional
        Minimum number of non-NaN observations for a value (default ``window``, as pandas).
    ddof : int
        Delta degrees of freedom: the divisor is ``count - ddof``; a window needs more than
        ``ddof`` observations (one observation with ``ddof=1`` gives NaN, as pandas).
    axis : int
        The time axis.

    Returns
    -------
    numpy.ndarray
        Same shape as ``x``; NaN where the window has fewer than ``min_periods`` (or ``ddof + 1``)
        finite observations.

    Raises
    ------
    ValueError
        ``window < 1``, ``min_periods`` not in ``[0, window]``, ``ddof < 0``, ``x`` empty or not 1-D/2-D.
    TypeError
        Non-numeric or complex ``x``; a CuPy array (host arrays only).

    Notes
    -----
    Welford's add/remove update (the algorithm of bottleneck's ``move_var`` and pandas 2) on values
    shifted by a value of the window, with a running bound on its rounding error; where the bound
    exceeds 1e-12 of the sum of squares (after a huge value left the window, or a drift of the
    mean) the window is summed again in two passes.  Results agree with a two-pass sum per window
    to ~1e-11 relative, including after a 1e16 spike has left the window (on docs/forecasting.md's
    example, std of 20 N(0, 1) values, bottleneck 1.6 keeps an error of 4e7 there, pandas 2.3 of
    1.2; pandas 3.1 is accurate).  Cost: one pass, plus ``O(window)`` for each
    re-summation (rare: after a spike, or every ~1e4 windows of drift); data whose variance falls
    by many orders of magnitude at every step re-sum often, ``O(n * window)`` at worst.

    Examples
    --------
    >>> import numpy as np, convts
    >>> convts.rolling_var(np.array([1.0, 2.0, 4.0, np.nan, 8.0]), 3, min_periods=2)
    array([       nan, 0.5       , 2.33333333, 2.        , 8.        ])
    """
    window, min_periods, ddof = _check_window(window, min_periods, ddof)
    rows, back = _rows(x, "x", axis)
    out = np.empty(rows.shape, dtype=np.float64)
    _kernel("var")(rows, window, min_periods, ddof, False, out)
    scaled = _pow2_scale(rows)  # values beyond ~1e150 (or below ~1e-150): squares out of range
    if scaled is not None:
        alt = np.empty_like(out)
        _kernel("var")(scaled[0], window, min_periods, ddof, False, alt)
        with np.errstate(over="ignore"):
            out = _prefer(out, np.ldexp(alt, 2 * scaled[1][:, None]), scaled[1] < 0)
    return back(out)


def rolling_std(x, window: int, min_periods: int | None = None, ddof: int = 1, axis: int = -1):
    """Standard deviation over a trailing window, equal to ``pandas ... .rolling(window, min_periods).std(ddof)``.

    The square root of :func:`rolling_var` (same parameters, rules and accuracy), computed in the
    same pass.  A row with values beyond ``2**500`` (~3e150) or all below ``2**-500`` in modulus is
    also summed scaled by a power of two, and that result is taken where the variance itself
    overflows or underflows (pandas gives inf / NaN or 0 there), so the result is finite and
    accurate there.

    Examples
    --------
    >>> import numpy as np, convts
    >>> convts.rolling_std(np.array([1.0, 3.0, 5.0, 7.0]), 2)
    array([       nan, 1.41421356, 1.41421356, 1.41421356])
    """
    window, min_periods, ddof = _check_window(window, min_periods, ddof)
    rows, back = _rows(x, "x", axis)
    out = np.empty(rows.shape, dtype=np.float64)
    _kernel("var")(rows, window, min_periods, ddof, True, out)
    scaled = _pow2_scale(rows)  # values beyond ~1e150 (or below ~1e-150): squares out of range
    if scaled is not None:
        # the scaled row's windows, where the variance itself overflowed or underflowed
        alt = np.empty_like(out)
        _kernel("var")(scaled[0], window, min_periods, ddof, True, alt)
        out = _prefer(out, np.ldexp(alt, scaled[1][:, None]), scaled[1] < 0)
    return back(out)


def _pair(x, y, axis):
    if np.shape(x) != np.shape(y):
        raise ValueError(f"x and y must have the same shape, got {np.shape(x)} and {np.shape(y)}")
    xr, back = _rows(x, "x", axis)
    yr, _ = _rows(y, "y", axis)
    if xr.shape != yr.shape:
        raise ValueError(f"x and y must have the same shape, got {np.shape(x)} and {np.shape(y)}")
    return xr, yr, back


def rolling_cov(x, y, window: int, min_periods: int | None = None, ddof: int = 1, axis: int = -1):
    """Covariance of two series over a trailing window, equal to ``x.rolling(window, min_periods).cov(y, ddof=ddof)``.

    Parameters
    ----------
    x, y : array_like
        Same shape, 1-D or 2-D (row ``i`` of ``x`` with row ``i`` of ``y``).  Only the pairs
        where both are finite count (pandas turns inf into NaN and aligns ``x + 0*y`` first).
    window, min_periods, ddof, axis
        As :func:`rolling_var`; ``min_periods`` counts complete pairs.

    Returns
    -------
    numpy.ndarray
        Same shape as ``x``: ``sum (x - mean x)(y - mean y) / (count - ddof)`` over the pairs.

    Raises
    ------
    ValueError
        Shapes differ; bad ``window`` / ``min_periods`` / ``ddof``.

    Notes
    -----
    The co-moment by Welford's add/remove update with the error bound and exact re-summation of
    :func:`rolling_var` (pandas computes ``mean(xy) - mean(x) mean(y)``, which cancels).

    Examples
    --------
    >>> import numpy as np, convts
    >>> convts.rolling_cov(np.array([1.0, 2.0, 3.0, 4.0]), np.array([2.0, 4.0, 5.0, 9.0]), 3)
    array([nan, nan, 1.5, 2.5])
    """
    window, min_periods, ddof = _check_window(window, min_periods, ddof)
    xr, yr, back = _pair(x, y, axis)
    out = np.empty(xr.shape, dtype=np.float64)
    _kernel("cov")(xr, yr, window, min_periods, ddof, False, out)
    xs, ys = _pow2_scale(xr), _pow2_scale(yr)  # as rolling_var: co-moments out of range
    if xs is not None or ys is not None:
        alt = np.empty_like(out)
        _kernel("cov")(xr if xs is None else xs[0], yr if ys is None else ys[0], window, min_periods, ddof, False, alt)
        ex, ey = (np.zeros(xr.shape[0], np.int64) if sc is None else sc[1] for sc in (xs, ys))
        with np.errstate(over="ignore"):
            out = _prefer(out, np.ldexp(alt, (ex + ey)[:, None]), (ex <= 0) & (ey <= 0))
    return back(out)


def rolling_corr(x, y, window: int, min_periods: int | None = None, ddof: int = 1, axis: int = -1):
    """Pearson correlation of two series over a trailing window, equal to ``x.rolling(window, min_periods).corr(y)``.

    Parameters as :func:`rolling_cov` (``ddof`` only sets the smallest count, ``ddof + 1``).
    NaN where either series is constant over the window's pairs (pandas divides 0 by 0 there,
    and may give +-inf from rounding instead).  Series with values beyond ``2**500`` or all below
    ``2**-500`` in modulus are also summed scaled by a power of two (as :func:`rolling_std`), and that
    correlation is taken where the co-moments overflow or underflow (pandas: NaN).

    Examples
    --------
    >>> import numpy as np, convts
    >>> convts.rolling_corr(np.array([1.0, 2.0, 3.0, 4.0]), np.array([1.0, 3.0, 2.0, 5.0]), 3).round(6)
    array([     nan,      nan, 0.5     , 0.654654])
    """
    window, min_periods, ddof = _check_window(window, min_periods, ddof)
    xr, yr, back = _pair(x, y, axis)
    out = np.empty(xr.shape, dtype=np.float64)
    _kernel("cov")(xr, yr, window, min_periods, ddof, True, out)
    # the correlation does not change when either series is multiplied by a positive number: rows
    # with extreme values again, scaled, where the co-moments overflowed or underflowed (NaN)
    xs, ys = _pow2_scale(xr), _pow2_scale(yr)
    if xs is not None or ys is not None:
        alt = np.empty_like(out)
        _kernel("cov")(xr if xs is None else xs[0], yr if ys is None else ys[0], window, min_periods, ddof, True, alt)
        ex, ey = (np.zeros(xr.shape[0], np.int64) if sc is None else sc[1] for sc in (xs, ys))
        out = _prefer(out, alt, (ex <= 0) & (ey <= 0))
    return back(out)
