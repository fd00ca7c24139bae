"""Numba CPU executor: threaded loops over (series, time-block) tasks.

The numba flags ``numba_cache`` and ``numba_fastmath`` are read from ``convts._config`` when
this module is first imported (the first numba call); ``numba_parallel`` is read at every call.

Same functions and signatures as the NumPy reference (see ``convts.backends``), plus
``lag_dots`` (the ACF's lag products).  ``fft_full`` is the reference's scipy.fft code;
``oa_full``/``oa_into`` are the overlap-add every backend shares (``_overlap_add``: one
block-size rule, bounded groups of blocks per batched scipy.fft call, written straight into the
output), with scipy.fft's workers chosen as the threads below.  FFTs inside numba kernels (rocket-fft) were measured against
scipy.fft on the same block transforms: 0.6x the time at N = 4096, 1.25-1.3x at N = 32768 and
262144, even at 2**21 (docs/engine_performance.md), and a rocket-fft kernel adds compile and
cache-load time at start-up, so scipy.fft stays.  Kernels are compiled with explicit float64
and float32 signatures (read-only inputs), ``cache=True`` and the flags in ``convts._config``,
each on its first call for the dtype of that call (``_Lazy``); the output is always allocated
by the caller (allocating inside njit measured ~2x slower).

Threads: every kernel is a serial loop over a range of tasks (``task0, task1``), compiled
without ``parallel=True`` (parfor lowering cost about half of the engine's cold compile time:
17.8 -> 9.8 CPU-s for ``warmup()`` from an empty cache); ``_run_tasks`` shares the tasks of a
large call over a thread pool of ``NUMBA_NUM_THREADS - 1`` threads plus the calling one (the
kernels are ``nogil``), as many as the work pays for and the cores free at that moment allow
(``_threads``, ``_free_cores``), each taking chunks of tasks from a shared counter.
"""

from __future__ import annotations

import numba as nb
import numpy as np
from scipy import fft as sfft

from .._config import get_option
from . import _numpy, _overlap_add

AVAILABLE = True

_TIME_BLOCK = 2048  # lag_dots: samples of x kept in L1 while every lag passes over them
_UBLOCK = 4096  # uniform taps: a running sum restarted exactly at every block
_BLOCK = 1024  # outputs per task: one block of out and the x rows it reads stay in L1 across taps


def _arr(dtype, ndim, readonly=False):
    return nb.types.Array(dtype, ndim, "C", readonly=readonly)


def _signatures(kind):
    """Explicit signatures: float64 and float32 data; inputs read-only so that read-only arrays
    (a user's frozen array, the Kernel's immutable taps) need no copy and no extra compile."""
    sigs = []
    for f in (nb.float64, nb.float32):
        x = _arr(f, 2, readonly=True)
        out = _arr(f, 2)
        lags = _arr(nb.int64, 1, readonly=True)
        coefs = _arr(nb.float64, 1, readonly=True)
        i = nb.int64
        if kind == "fir":
            sigs.append(nb.void(x, lags, coefs, i, out, i, i))
        elif kind == "uniform":
            sigs.append(nb.void(x, i, i, nb.float64, i, out, _arr(nb.float64, 1), i, i))
        else:
            sigs.append(nb.void(x, lags, coefs, x, out, i, i))
    return sigs


def _set_threading_layer() -> None:
    """numba's threading layer from the option ``numba_threading_layer`` (see ``_config``), unless
    the environment chose one: read when this module is first imported."""
    import os

    if "NUMBA_THREADING_LAYER" not in os.environ:
        nb.config.THREADING_LAYER = get_option("numba_threading_layer")


_set_threading_layer()


def _flags():
    return dict(cache=get_option("numba_cache"), fastmath=get_option("numba_fastmath"), nogil=True)


_FIR_SIG = _signatures("fir")
_UNI_SIG = _signatures("uniform")
# The recursion is latency-bound (one dependent multiply-add per step), so float32 gains no
# speed from float32 arithmetic: it runs in float64 (rows converted on the way in and out,
# ~0.3 ns a sample) and only the float64 signature is compiled (1.4 CPU-s less at warmup).
_AR_SIG = _signatures("ar")[:1]


def _fir_tap(xr, orow, c, off, T, t0, t1):
    """orow[i] += c * xr[i + off] for the i in [t0, t1) where xr[i + off] exists."""
    lo = max(t0, -off)
    hi = min(t1, T - off)
    if hi > lo:
        xs = xr[lo + off : hi + off]
        os = orow[lo:hi]
        for i in range(hi - lo):
            os[i] += c * xs[i]


def _fir_block(x, lags, coefs, start, out, r, t0, t1):
    # Taps in groups of up to four, each group one fused pass over the block: the block of
    # ``out`` (in L1) is loaded and stored once per group, and a kernel of 1..3 taps is a single
    # pass that writes (not adds to) the block, with no zero fill first (the short-kernel path:
    # k = 3 took a zero fill and three passes before).  1-D row slices (indices known to be
    # non-negative) let LLVM vectorise; 2-D indexing with a computed offset does not.  Where a
    # tap of the group falls off an end of the row the outputs take the one-tap loop.
    T = x.shape[1]
    xr = x[r]
    orow = out[r]
    K = lags.size
    k = 0
    fresh = True  # the block holds no sum yet
    while k < K:
        g = min(4, K - k)
        o_min = start - lags[k]
        o_max = o_min
        for kk in range(k + 1, k + g):
            o_min = min(o_min, start - lags[kk])
            o_max = max(o_max, start - lags[kk])
        lo = max(t0, -o_min)
        hi = min(t1, T - o_max)
        if hi - lo < 16:  # too short to vectorise: one tap at a time
            if fresh:
                orow[t0:t1] = 0.0
                fresh = False
            for kk in range(k, k + g):
                _fir_tap(xr, orow, coefs[kk], start - lags[kk], T, t0, t1)
            k += g
            continue
        if fresh and (lo > t0 or hi < t1):
            orow[t0:t1] = 0.0
            fresh = False
        og = orow[lo:hi]
        n = hi - lo
        x0 = xr[lo + start - lags[k] : hi + start - lags[k]]
        c0 = coefs[k]
        if g == 1:
            if fresh:
                for i in range(n):
                    og[i] = c0 * x0[i]
            else:
                for i in range(n):
                    og[i] += c0 * x0[i]
        else:
            x1 = xr[lo + start - lags[k + 1] : hi + start - lags[k + 1]]
            c1 = coefs[k + 1]
            if g == 2:
                if fresh:
                    for i in range(n):
                        og[i] = c0 * x0[i] + c1 * x1[i]
                else:
                    for i in range(n):
                        og[i] += c0 * x0[i] + c1 * x1[i]
            else:
                x2 = xr[lo + start - lags[k + 2] : hi + start - lags[k + 2]]
                c2 = coefs[k + 2]
                if g == 3:
                    if fresh:
                        for i in range(n):
                            og[i] = (c0 * x0[i] + c1 * x1[i]) + c2 * x2[i]
                    else:
                        for i in range(n):
                            og[i] += (c0 * x0[i] + c1 * x1[i]) + c2 * x2[i]
                else:
                    x3 = xr[lo + start - lags[k + 3] : hi + start - lags[k + 3]]
                    c3 = coefs[k + 3]
                    if fresh:
                        for i in range(n):
                            og[i] = (c0 * x0[i] + c1 * x1[i]) + (c2 * x2[i] + c3 * x3[i])
                    else:
                        for i in range(n):
                            og[i] += (c0 * x0[i] + c1 * x1[i]) + (c2 * x2[i] + c3 * x3[i])
        fresh = False
        # the outputs where some tap of the group falls off an end of the row
        for kk in range(k, k + g):
            _fir_tap(xr, orow, coefs[kk], start - lags[kk], T, t0, lo)
            _fir_tap(xr, orow, coefs[kk], start - lags[kk], T, hi, t1)
        k += g
    if fresh:  # no taps: a kernel of zeros has no terms
        orow[t0:t1] = 0.0


def _fir_direct(x, lags, coefs, start, out, task0, task1):
    # tasks (row, block of _BLOCK outputs) task0..task1-1; see _run_tasks
    n_out = out.shape[1]
    n_blocks = (n_out + _BLOCK - 1) // _BLOCK
    for task in range(task0, task1):
        r = task // n_blocks
        b = task - r * n_blocks
        t0 = b * _BLOCK
        t1 = min(n_out, t0 + _BLOCK)
        _fir_block(x, lags, coefs, start, out, r, t0, t1)


# Running sums restart (a fresh sum of the window) when |sum| falls below _RHO times the largest
# |sum| since the last restart: the rounding error of a running sum is ~eps * steps * that peak, so
# a huge value that leaves the window (or a long decay) would otherwise swamp the small sums after
# it (1e16 followed by ones gave 0.0, not 1.0).  Relative error of every output <~ steps*eps/_RHO.
_RHO = 2.0**-12


def _window_sum(xr, first, last):
    """sum(xr[first..last]) over the indices inside the row, four partial sums."""
    lo = max(first, 0)
    hi = min(last, xr.size - 1) + 1
    s0 = 0.0
    s1 = 0.0
    s2 = 0.0
    s3 = 0.0
    j = lo
    while j + 4 <= hi:
        s0 += xr[j]
        s1 += xr[j + 1]
        s2 += xr[j + 2]
        s3 += xr[j + 3]
        j += 4
    while j < hi:
        s0 += xr[j]
        j += 1
    return (s0 + s1) + (s2 + s3)


def _uniform_block(x, lo, hi, weight, start, out, r, t0, t1):
    # out[i] = weight * sum_{lag=lo..hi} x[start + i - lag]: a running window sum, restarted
    # exactly (a fresh sum of the window) at every block and segment, and whenever the sum has
    # dropped far below its peak (_RHO), so rounding errors cannot accumulate or be exposed.
    # Outputs whose window crosses an end of the row take the edge loop.
    # Returns the sum of the final running sums: every input of every window of the block
    # enters some running sum, an add or subtract with a NaN/inf operand never gives a finite
    # result, and a non-finite sum is never restarted (NaN/inf fail the restart test, compiled
    # without fastmath), so the return is non-finite whenever the block met a NaN/inf (or,
    # rarely, overflowed); the caller then recomputes the block exactly.
    T = x.shape[1]
    xr = x[r]
    orow = out[r]
    a = start - lo  # newest input of output i: x[i + a]
    b = start - hi  # oldest input of output i: x[i + b]
    m = hi - lo + 1
    h = min(t1, max(t0, 1 - b))  # from h on, x[i + b - 1] exists
    e = max(h, min(t1, T - a))  # before e, x[i + a] exists
    if (e - h) // 4 >= 4 * m:
        s = _uniform_careful(xr, orow, lo, hi, weight, start, t0, h)
        s += _uniform_interior(xr, orow, a, b, m, weight, h, e)
        return s + _uniform_careful(xr, orow, lo, hi, weight, start, e, t1)
    return _uniform_careful(xr, orow, lo, hi, weight, start, t0, t1)


def _uniform_interior(xr, orow, a, b, m, weight, t0, t1):
    # Four segments restarted exactly and run interleaved: four independent add chains hide
    # the latency of the running sum (one chain measured ~2x slower).  Then two vectorised
    # passes test whether the data's scale dropped far below the rounding error carried (a huge
    # value left the window): if so the range is redone by the restarting loop.
    L = (t1 - t0) // 4
    s0 = t0
    s1 = t0 + L
    s2 = t0 + 2 * L
    s3 = t0 + 3 * L
    acc0 = _window_sum(xr, s0 + b, s0 + a)
    acc1 = _window_sum(xr, s1 + b, s1 + a)
    acc2 = _window_sum(xr, s2 + b, s2 + a)
    acc3 = _window_sum(xr, s3 + b, s3 + a)
    n3 = t1 - s3  # the last segment takes the remainder
    i0 = xr[s0 + a : s0 + a + L]
    i1 = xr[s1 + a : s1 + a + L]
    i2 = xr[s2 + a : s2 + a + L]
    i3 = xr[s3 + a : s3 + a + n3]
    d0 = xr[s0 + b - 1 : s0 + b - 1 + L]
    d1 = xr[s1 + b - 1 : s1 + b - 1 + L]
    d2 = xr[s2 + b - 1 : s2 + b - 1 + L]
    d3 = xr[s3 + b - 1 : s3 + b - 1 + n3]
    o0 = orow[s0 : s0 + L]
    o1 = orow[s1 : s1 + L]
    o2 = orow[s2 : s2 + L]
    o3 = orow[s3 : s3 + n3]
    o0[0] = weight * acc0
    o1[0] = weight * acc1
    o2[0] = weight * acc2
    o3[0] = weight * acc3
    for i in range(1, L):
        acc0 += i0[i] - d0[i]
        acc1 += i1[i] - d1[i]
        acc2 += i2[i] - d2[i]
        acc3 += i3[i] - d3[i]
        o0[i] = weight * acc0
        o1[i] = weight * acc1
        o2[i] = weight * acc2
        o3[i] = weight * acc3
    for i in range(max(L, 1), n3):
        acc3 += i3[i] - d3[i]
        o3[i] = weight * acc3
    if _scale_dropped(xr, orow, a, abs(weight), t0, t1):
        # output i's newest input is x[i + a]: the window lags 0..m-1 from start a
        _uniform_careful(xr, orow, 0, m - 1, weight, a, t0, t1)
    return (acc0 + acc1) + (acc2 + acc3)


def _scale_dropped(xr, orow, a, w, t0, t1):
    # True when some output and the value entering its window are both below _RHO times the
    # largest |output| of the range: the running sum carries a rounding error of ~eps times its
    # largest magnitude, so such an output may not be accurate against the data around it.
    os = orow[t0:t1]
    xs = xr[t0 + a : t1 + a]
    smallest, largest = _abs_min_max(os)
    th = _RHO * largest
    if smallest >= th:  # no output is low: the second pass cannot find one (prices, volumes, ...)
        return False
    low = 0
    for i in range(t1 - t0):
        low += (abs(os[i]) < th) & (w * abs(xs[i]) < th)
    return low > 0


def _abs_min_max(v):
    # (min |v|, max |v|) on the bit patterns: for non-negative IEEE floats the integer order is
    # the float order, and integer min/max reductions vectorise (a float max with numba's NaN
    # handling, or a select, measured 4-7x slower); NaN gives a NaN/inf-sized bound (harmless:
    # such a block is recomputed directly by the caller anyway).
    if v.itemsize == 8:
        bits = v.view(np.int64)
        top = np.int64(0)
        bot = np.int64(0x7FFFFFFFFFFFFFFF)
        for i in range(bits.size):
            b = bits[i] & np.int64(0x7FFFFFFFFFFFFFFF)
            top = b if b > top else top
            bot = b if b < bot else bot
        box = np.empty(2, np.int64)
        box[0] = bot
        box[1] = top
        f = box.view(np.float64)
        return float(f[0]), float(f[1])
    bits32 = v.view(np.int32)
    top32 = np.int32(0)
    bot32 = np.int32(0x7FFFFFFF)
    for i in range(bits32.size):
        b32 = bits32[i] & np.int32(0x7FFFFFFF)
        top32 = b32 if b32 > top32 else top32
        bot32 = b32 if b32 < bot32 else bot32
    box32 = np.empty(2, np.int32)
    box32[0] = bot32
    box32[1] = top32
    f32 = box32.view(np.float32)
    return float(f32[0]), float(f32[1])


def _uniform_careful(xr, orow, lo, hi, weight, start, t0, t1):
    # One running sum over outputs t0..t1-1 (windows may cross the row's ends), restarted with a
    # fresh window sum whenever the sum and the value entering fall below _RHO times the sum's
    # peak since the last restart.  A NaN/inf sum never restarts (IEEE compare: compiled without
    # fastmath), so the returned sum stays non-finite once the loop met a NaN/inf.
    if t1 <= t0:
        return 0.0
    T = xr.size
    acc = _window_sum(xr, start + t0 - hi, start + t0 - lo)
    th = _RHO * abs(acc)
    orow[t0] = weight * acc
    for i in range(t0 + 1, t1):
        j_in = start + i - lo
        j_out = start + i - hi - 1
        v_in = 0.0
        if 0 <= j_in < T:
            v_in = xr[j_in]
            acc += v_in
        if 0 <= j_out < T:
            acc -= xr[j_out]
        v = abs(acc)
        if v < th and abs(v_in) < th:
            acc = _window_sum(xr, j_out + 1, j_in)
            th = _RHO * abs(acc)
        elif _RHO * v > th:
            th = _RHO * v
        orow[i] = weight * acc
    return acc


def _fir_uniform(x, lo, hi, weight, start, out, check, task0, task1):
    # check[task]: the block's running sums at its end, non-finite when it met a NaN/inf.  The
    # caller tests it: a test inside the kernel could be folded away under fastmath (which
    # lets the compiler assume no NaN/inf), a stored value cannot.
    n_out = out.shape[1]
    n_blocks = (n_out + _UBLOCK - 1) // _UBLOCK
    for task in range(task0, task1):
        r = task // n_blocks
        b = task - r * n_blocks
        t0 = b * _UBLOCK
        t1 = min(n_out, t0 + _UBLOCK)
        check[task] = _uniform_block(x, lo, hi, weight, start, out, r, t0, t1)


def _ar_row(u, lags, coefs, zi, out, r):
    # 1-D row views: indices known non-negative, no wrap-around checks in the loop.
    ur = u[r]
    yr = out[r]
    zr = zi[r]
    T = ur.size
    m = min(zr.size, T)
    p = lags.size
    if p == 0:
        for t in range(T):
            yr[t] = ur[t] + (zr[t] if t < m else 0.0)
        return
    if p == 1 and lags[0] == 1:
        a1 = coefs[0]
        prev = 0.0
        for t in range(m):
            prev = (ur[t] + zr[t]) - a1 * prev
            yr[t] = prev
        for t in range(m, T):
            prev = ur[t] - a1 * prev
            yr[t] = prev
        return
    L = 0
    for k in range(p):
        L = max(L, lags[k])
    head = min(T, max(L, m))
    for t in range(head):
        acc = ur[t]
        if t < m:
            acc += zr[t]
        # add the oldest lags first so the newest output enters the chain last
        for k in range(p - 1, -1, -1):
            j = t - lags[k]
            if j >= 0:
                acc -= coefs[k] * yr[j]
        yr[t] = acc
    # Steady part: every lag is inside the row.  The older terms form a sum off the critical
    # path (fastmath lets it vectorise); only ``coefs[0] * y[t - lags[0]]`` is on the chain.
    c0 = coefs[0]
    l0 = lags[0]
    dense = L == p and lags[0] == 1
    if dense and p <= 8 and head < T:
        # lags 1..p, 2 <= p <= 8: the last p outputs live in registers, so no step waits on a
        # store of the step before (one loop per order: _ar_registers).
        c = np.zeros(8)
        for k in range(p):
            c[lags[k] - 1] = coefs[k]
        _ar_registers(ur, yr, p, c, head, T)
        return
    if dense:  # lags 1..p: the older terms are one contiguous window, a vectorised dot
        crev = np.empty(p - 1)
        crev[:] = 0.0
        for k in range(p):
            if lags[k] >= 2:
                crev[p - lags[k]] = coefs[k]
        for t in range(head, T):
            w = yr[t - p : t - 1]
            acc = 0.0
            for j in range(p - 1):
                acc += crev[j] * w[j]
            yr[t] = (ur[t] - acc) - c0 * yr[t - l0]
        return
    for t in range(head, T):
        acc = 0.0
        for k in range(1, p):
            acc += coefs[k] * yr[t - lags[k]]
        yr[t] = (ur[t] - acc) - c0 * yr[t - l0]


def _ar_registers(ur, yr, p, c, head, T):
    # yr[t] = ur[t] - sum_{k=1..p} c[k-1] yr[t-k] for t in head..T-1 (2 <= p <= head), the last
    # p outputs in registers.  One loop per order: eight registers with zero coefficients
    # padding p up to 8 met a NaN/inf that had moved past lag p with a zero coefficient
    # (0 * inf = nan) where the recursion has no term.  The terms are subtracted oldest first
    # (as the head loop and the reference), one fused multiply-add each, so the output k steps
    # back is k multiply-adds from the new one: one multiply-add of latency per step.  Compiled
    # without reassociation (see below), which would undo that order.
    c1, c2, c3, c4, c5, c6, c7, c8 = c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]
    y1 = yr[head - 1]
    y2 = yr[head - 2]
    if p == 2:
        for t in range(head, T):
            y0 = (ur[t] - c2 * y2) - c1 * y1
            yr[t] = y0
            y2, y1 = y1, y0
        return
    y3 = yr[head - 3]
    if p == 3:
        for t in range(head, T):
            y0 = ((ur[t] - c3 * y3) - c2 * y2) - c1 * y1
            yr[t] = y0
            y3, y2, y1 = y2, y1, y0
        return
    y4 = yr[head - 4]
    if p == 4:
        for t in range(head, T):
            y0 = (((ur[t] - c4 * y4) - c3 * y3) - c2 * y2) - c1 * y1
            yr[t] = y0
            y4, y3, y2, y1 = y3, y2, y1, y0
        return
    y5 = yr[head - 5]
    if p == 5:
        for t in range(head, T):
            y0 = ((((ur[t] - c5 * y5) - c4 * y4) - c3 * y3) - c2 * y2) - c1 * y1
            yr[t] = y0
            y5, y4, y3, y2, y1 = y4, y3, y2, y1, y0
        return
    y6 = yr[head - 6]
    if p == 6:
        for t in range(head, T):
            y0 = (((((ur[t] - c6 * y6) - c5 * y5) - c4 * y4) - c3 * y3) - c2 * y2) - c1 * y1
            yr[t] = y0
            y6, y5, y4, y3, y2, y1 = y5, y4, y3, y2, y1, y0
        return
    y7 = yr[head - 7]
    if p == 7:
        for t in range(head, T):
            y0 = ((((((ur[t] - c7 * y7) - c6 * y6) - c5 * y5) - c4 * y4) - c3 * y3) - c2 * y2) - c1 * y1
            yr[t] = y0
            y7, y6, y5, y4, y3, y2, y1 = y6, y5, y4, y3, y2, y1, y0
        return
    y8 = yr[head - 8]
    for t in range(head, T):
        y0 = (((((((ur[t] - c8 * y8) - c7 * y7) - c6 * y6) - c5 * y5) - c4 * y4) - c3 * y3) - c2 * y2) - c1 * y1
        yr[t] = y0
        y8, y7, y6, y5, y4, y3, y2, y1 = y7, y6, y5, y4, y3, y2, y1, y0


def _ar_recursion_impl(u, lags, coefs, zi, out, row0, row1):
    for r in range(row0, row1):
        _ar_row(u, lags, coefs, zi, out, r)


def _lag_dots_impl(x, nlags, part, chunk0, chunk1):
    # part[k] = sum over the times t of chunk c of x[t] x[t + k].  Within a chunk, each time
    # block of x (in L1) meets every lag before the next block is read, so x streams from
    # memory once; four lags share each load.  Chunks run in parallel; the caller sums ``part``.
    n = x.size
    n_chunks = part.shape[0]
    per = (n + n_chunks - 1) // n_chunks
    for c in range(chunk0, chunk1):
        _lag_chunk(x, nlags, part[c], c * per, min(n, c * per + per))


def _lag_chunk(x, nlags, part, c0, c1):
    # (a separate function: loops inside a prange body are not vectorised, measured 20x slower)
    n = x.size
    for k in range(nlags + 1):
        part[k] = 0.0
    for t0 in range(c0, c1, _TIME_BLOCK):
        t1 = min(c1, t0 + _TIME_BLOCK)
        xa = x[t0:t1]
        k = 0
        while k <= nlags:
            if k + 4 <= nlags + 1 and t1 + k + 3 <= n:
                xb0 = x[t0 + k : t1 + k]
                xb1 = x[t0 + k + 1 : t1 + k + 1]
                xb2 = x[t0 + k + 2 : t1 + k + 2]
                xb3 = x[t0 + k + 3 : t1 + k + 3]
                s0 = 0.0
                s1 = 0.0
                s2 = 0.0
                s3 = 0.0
                for i in range(t1 - t0):
                    v = xa[i]
                    s0 += v * xb0[i]
                    s1 += v * xb1[i]
                    s2 += v * xb2[i]
                    s3 += v * xb3[i]
                part[k] += s0
                part[k + 1] += s1
                part[k + 2] += s2
                part[k + 3] += s3
                k += 4
                continue
            hi = min(t1, n - k)
            if hi > t0:
                xb = x[t0 + k : hi + k]
                s = 0.0
                for i in range(hi - t0):
                    s += xa[i] * xb[i]
                part[k] += s
            k += 1


_FLAGS = _flags()
_fir_tap = nb.njit(**_FLAGS)(_fir_tap)
_fir_block = nb.njit(**_FLAGS)(_fir_block)
# The restarting loop is compiled without fastmath: its restart test must see NaN/inf as IEEE
# does (never below the threshold).
_STRICT = dict(_FLAGS, fastmath=False)
_window_sum = nb.njit(**_STRICT)(_window_sum)
_uniform_careful = nb.njit(**_STRICT)(_uniform_careful)
_abs_min_max = nb.njit(**_FLAGS)(_abs_min_max)
_scale_dropped = nb.njit(**_FLAGS)(_scale_dropped)
_uniform_interior = nb.njit(**_FLAGS)(_uniform_interior)
_uniform_block = nb.njit(**_FLAGS)(_uniform_block)
# The register loops may fuse multiply-adds (contract) but not reassociate: under full fastmath
# LLVM moved the newest output to the start of the sum, several dependent operations per step
# instead of one (per-order loops measured 1.5-2x slower than with 'contract'); nor may they
# assume away NaN/inf (nnan/ninf).  AR(3), AR(5), AR(8) at n = 1e7: 1.6x, 1.6x, 1.4x faster
# than the former eight padded registers under full fastmath (same process, min of 9); AR(2)
# 1.7x faster than its former loop under full fastmath.
_ar_registers = nb.njit(**dict(_FLAGS, fastmath={"contract"} if _FLAGS["fastmath"] else False))(_ar_registers)
_ar_row = nb.njit(**_FLAGS)(_ar_row)


class _Lazy:
    """A kernel compiled (or loaded from numba's cache) on its first call for the data dtype of
    that call only (its explicit signature for float64 or float32), so that a process compiles
    and loads only the kernels and dtypes it uses (start-up time); ``compile_all`` compiles
    every signature (``warmup``).  Kernels are serial loops over a range of tasks (no
    ``parallel=True``: parfor lowering doubled the compile time); ``_run_tasks`` shares the
    tasks out over threads (the kernels release the GIL)."""

    def __init__(self, fn, sigs):
        self.fn, self.sigs, self.disp = fn, sigs, {}

    def dispatcher(self, dtype):  # dtype: a NumPy dtype
        d = self.disp.get(dtype)
        if d is None:
            sig = [s for s in self.sigs if s.args[0].dtype == nb.from_dtype(dtype)]
            d = self.disp[dtype] = nb.njit(sig, **_FLAGS)(self.fn)
        return d

    def __call__(self, *args):
        d = self.disp.get(args[0].dtype)
        return (d or self.dispatcher(args[0].dtype))(*args)

    def compile_all(self):
        for s in self.sigs:
            self.dispatcher(np.dtype(str(s.args[0].dtype)))


_fir_direct = _Lazy(_fir_direct, _FIR_SIG)
_fir_uniform = _Lazy(_fir_uniform, _UNI_SIG)
_ar_recursion_impl = _Lazy(_ar_recursion_impl, _AR_SIG)
_lag_chunk = nb.njit(**_FLAGS)(_lag_chunk)
_lag_dots_impl = _Lazy(_lag_dots_impl, [nb.void(_arr(nb.float64, 1, readonly=True), nb.int64, _arr(nb.float64, 2), nb.int64, nb.int64)])


# Below this many multiply-adds a call runs on the calling thread only: waking a thread pool
# costs ~20 us on an idle machine and several ms when other processes hold the cores
# (measured: a 4-tap FIR on 65,536 samples took 8 ms parallel vs 0.08 ms serial on a busy
# 2-core machine), while 4M multiply-adds take ~0.3 ms serially.
PARALLEL_MIN_WORK = 1 << 22
# Chunks per thread: tasks are handed out a chunk at a time, so a thread that the OS parks
# behind another process holds up at most one chunk while the others take the rest.
CHUNKS_PER_THREAD = 4

_POOL = None


def _n_threads() -> int:
    """Threads to share a call over at most: numba's thread count setting (NUMBA_NUM_THREADS),
    which is read without starting numba's own pool."""
    return max(1, int(nb.config.NUMBA_NUM_THREADS))


def _free_cores() -> int:
    """Cores this process may use that no other runnable task holds now.

    The cores in the affinity mask less the runnable tasks other than this thread, read from
    the kernel's instantaneous count (``/proc/loadavg``, fourth field ``running/total``; ~5 us),
    or from the one-minute load average where there is no /proc.  With another process busy
    on a 2-core machine this is 1, and a call runs on the calling thread alone: two threads
    there took 1150 ms against 380 ms on one (n = 1e8, k = 16).
    """
    import os

    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    try:
        with open("/proc/loadavg", "rb") as f:
            busy = int(f.read().split()[3].split(b"/")[0]) - 1  # less this thread
    except (OSError, ValueError, IndexError):
        try:
            busy = int(os.getloadavg()[0])
        except (AttributeError, OSError):
            busy = 0
    return max(1, cores - max(busy, 0))


def _pool():
    """The thread pool, created on first use, and again in a forked child (whose copy of the
    parent's pool has no threads: work submitted to it would never run)."""
    global _POOL
    import os

    if _POOL is None or _POOL[0] != os.getpid():
        from concurrent.futures import ThreadPoolExecutor

        _POOL = (os.getpid(), ThreadPoolExecutor(max_workers=max(1, _n_threads() - 1), thread_name_prefix="convts-numba"))
    return _POOL[1]


def _threads(work: float, tasks: int) -> int:
    """Threads for a call of ``work`` multiply-adds in ``tasks`` tasks: 1 unless the option
    ``numba_parallel`` is on, there are two tasks, and the work pays for waking the pool; then
    no more than one per ``PARALLEL_MIN_WORK`` of work, ``NUMBA_NUM_THREADS``, and the cores
    free now (:func:`_free_cores`)."""
    if tasks < 2 or work < PARALLEL_MIN_WORK or not get_option("numba_parallel"):
        return 1
    n = min(_n_threads(), tasks, int(work // max(PARALLEL_MIN_WORK, 1)))
    return min(n, _free_cores()) if n > 1 else 1


def _run_tasks(kernel, args, n_tasks: int, threads: int) -> None:
    """``kernel(*args, task0, task1)`` over tasks ``0..n_tasks-1``: on the calling thread, or on
    ``threads`` threads (the calling thread one of them) taking chunks of tasks from a shared
    counter until none is left (``CHUNKS_PER_THREAD`` chunks per thread)."""
    fn = kernel.dispatcher(args[0].dtype)  # compiled here, not concurrently in the workers
    if threads <= 1:
        fn(*args, 0, n_tasks)
        return
    import itertools

    n_chunks = min(n_tasks, CHUNKS_PER_THREAD * threads)
    bounds = [n_tasks * i // n_chunks for i in range(n_chunks + 1)]
    counter = itertools.count()  # next() is atomic under the GIL

    def work():
        for i in iter(counter.__next__, None):
            if i >= n_chunks:
                return
            fn(*args, bounds[i], bounds[i + 1])

    futures = [_pool().submit(work) for _ in range(threads - 1)]
    work()
    for f in futures:
        f.result()


def _ro(a, dtype=None):
    """A read-only C-contiguous view (no copy when ``a`` already has the dtype and layout)."""
    a = np.ascontiguousarray(a, dtype=dtype)
    if a.flags.writeable:
        a = a.view()
        a.flags.writeable = False
    return a


def _c(a, dtype):
    """``a`` as a C-contiguous array of ``dtype``: itself when it already is one.  The kernels'
    explicit signatures take read-only arrays, and numba passes a writable array to them as it
    is (no view, no compile)."""
    if a.dtype == dtype and a.flags.c_contiguous:
        return a
    return np.ascontiguousarray(a, dtype=dtype)


def fir_direct(x, lags, coefs, start, out):
    rows, n_out = out.shape
    n_tasks = rows * ((n_out + _BLOCK - 1) // _BLOCK)
    work = rows * n_out * len(lags)
    if work < PARALLEL_MIN_WORK:  # the common small call: straight to the compiled loop
        fn = _fir_direct.disp.get(out.dtype) or _fir_direct.dispatcher(out.dtype)
        try:  # the explicit signatures refuse (TypeError) any other dtype or layout
            fn(x, lags, coefs, int(start), out, 0, n_tasks)
            return out
        except TypeError:
            pass
    x, lags, coefs = _c(x, out.dtype), _c(lags, np.int64), _c(coefs, np.float64)
    _run_tasks(_fir_direct, (x, lags, coefs, int(start), out), n_tasks, _threads(work, n_tasks))
    return out


def fir_uniform(x, lo, hi, weight, start, out):
    """A running window sum, exact on NaN/inf like ``fir_direct``: the kernel reports the blocks
    whose running sum met a NaN/inf (which then stays in the sum past its window), and those
    blocks are recomputed with the direct kernel.  Finite data pay no extra pass."""
    x = _c(x, out.dtype)
    n_series, n_out = out.shape
    n_blocks = (n_out + _UBLOCK - 1) // _UBLOCK
    check = np.empty(n_series * n_blocks)
    _run_tasks(_fir_uniform, (x, int(lo), int(hi), float(weight), int(start), out, check), check.size,
               _threads(4 * out.size, check.size))
    bad = np.flatnonzero(~np.isfinite(check))
    if bad.size:
        _redo_direct(x, int(lo), int(hi), float(weight), int(start), out, bad, n_blocks)
    return out


def _redo_direct(x, lo, hi, weight, start, out, tasks, n_blocks):
    """Recompute the given (row, block) tasks of ``fir_uniform`` with the exact direct kernel:
    block by block when there are few, else whole rows in one call."""
    lags = np.arange(lo, hi + 1, dtype=np.int64)
    coefs = np.full(lags.size, weight)
    n_series, n_out = out.shape
    if tasks.size <= 8:
        for task in tasks.tolist():
            r, b = divmod(task, n_blocks)
            t0 = b * _UBLOCK
            t1 = min(n_out, t0 + _UBLOCK)
            blk = np.empty((1, t1 - t0), out.dtype)
            fir_direct(x[r : r + 1], lags, coefs, start + t0, blk)  # output i is time start + t0 + i
            out[r, t0:t1] = blk[0]
        return
    rows = np.unique(tasks // n_blocks)
    if rows.size == n_series:
        fir_direct(x, lags, coefs, start, out)
    else:
        fix = np.empty((rows.size, n_out), out.dtype)
        fir_direct(x[rows], lags, coefs, start, fix)
        out[rows] = fix


def ar_recursion(u, lags, coefs, zi, out):
    """The all-pole recursion in float64 (float32 rows are converted in and out, see _AR_SIG)."""
    if zi is None:
        zi = np.zeros((u.shape[0], 0))
    y = out if out.dtype == np.float64 else np.empty(out.shape)
    _run_tasks(_ar_recursion_impl, (_c(u, np.float64), _c(lags, np.int64), _c(coefs, np.float64), _c(zi, np.float64), y),
               u.shape[0], _threads(u.size * max(len(lags), 1), u.shape[0]))
    if y is not out:
        out[...] = y
    return out


def lag_dots(x, nlags):
    """``sum_t x[t] x[t + k]`` for ``k = 0..nlags`` of a 1-D float64 series (the ACF's numerators)."""
    x = _c(x, np.float64)
    chunks = max(1, x.size // (16 * _TIME_BLOCK))
    threads = _threads(x.size * (int(nlags) + 1), chunks)
    n_chunks = min(chunks, CHUNKS_PER_THREAD * threads) if threads > 1 else 1
    part = np.empty((n_chunks, int(nlags) + 1))
    _run_tasks(_lag_dots_impl, (x, int(nlags), part), n_chunks, threads)
    return part.sum(axis=0)


class _SciPyFFT:
    """scipy.fft's real transforms with ``workers`` from the option ``fft_workers`` (-1: the
    cores free now, :func:`_free_cores`), in the ``rfft(a, n, axis)`` form ``_overlap_add``
    calls."""

    def __init__(self, workers: int):
        self.workers = workers

    def rfft(self, a, n, axis=-1):
        return sfft.rfft(a, n, axis=axis, workers=self.workers)

    def irfft(self, a, n, axis=-1):
        return sfft.irfft(a, n, axis=axis, workers=self.workers)


def _fft_workers(work: float) -> int:
    """scipy.fft workers for a call of ``work`` operations: the option ``fft_workers``, where
    -1 (the default) means the cores free now for a call that pays for threads, else 1."""
    workers = get_option("fft_workers")
    if workers == -1:
        workers = _free_cores() if work >= PARALLEL_MIN_WORK else 1
    return workers


def _fft(work: float) -> _SciPyFFT:
    return _SciPyFFT(_fft_workers(work))


def fft_full(x, b):
    """Full linear convolution by one FFT: the reference's code, with the workers rule above."""
    return _numpy.fft_full(x, b, workers=_fft_workers(x.size * 16.0))


def oa_into(x, b, i0, out, zero_nonfinite=False):
    """``out[:, i] = full[:, i0 + i]`` of the full convolution of each row with ``b``, by the
    shared overlap-add (``_overlap_add``: one block rule, bounded groups written into ``out``)."""
    return _overlap_add.oa_into(x, b, int(i0), out, np, _fft(x.size * 16.0), zero_nonfinite=zero_nonfinite)


def oa_full(x, b):
    """Full linear convolution of each row with ``b`` by overlap-add (:func:`oa_into`)."""
    return oa_into(x, b, 0, np.empty((x.shape[0], x.shape[1] + b.size - 1), x.dtype))


def warmup(progress=None) -> None:
    """Compile (or load from cache) every kernel for float64 and float32.

    ``progress``, if given, is called with a short label before each group is compiled.
    """
    x64 = np.ones((1, 64))
    groups = [
        ("engine: direct FIR", lambda: _fir_direct.compile_all()),
        ("engine: moving sums", lambda: _fir_uniform.compile_all()),
        ("engine: AR recursion", lambda: _ar_recursion_impl.compile_all()),
        ("engine: acf lag products", lambda: _lag_dots_impl.compile_all()),
        ("engine: helpers", lambda: _warm_helpers(x64)),
    ]
    for label, fn in groups:
        if progress is not None:
            progress(label)
        fn()


def _warm_helpers(x):
    # run each kernel once per dtype so that every call path (restart loop included) is loaded
    for dtype in (np.float64, np.float32):
        xx = x.astype(dtype)
        out = np.empty_like(xx)
        fir_direct(xx, np.array([0, 1], dtype=np.int64), np.array([0.5, 0.5]), 0, out)
        fir_uniform(xx, 0, 1, 0.5, 0, out)
        ar_recursion(xx, np.array([1], dtype=np.int64), np.array([-0.5]), None, out)
    lag_dots(np.ones(8), 2)
