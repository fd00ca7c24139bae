"""Array-namespace-generic executors: the same code runs with ``xp = numpy`` (CI) and ``xp = cupy``.

Everything here is written against the common subset of NumPy and CuPy (slicing, ``xp.fft``,
``reshape``, ``matmul``, ``einsum``), so the algorithms that the CuPy backend runs on the GPU
are tested under NumPy on every CI run.  Only two pieces of the GPU backend are not here: the
raw CUDA kernels of ``_cupy.py`` (direct FIR, one thread per output; AR recursion, one thread
per series), which plug into :func:`ar_recursion_scan` as its ``local`` solver.

Quantities derived from the kernel alone (block impulse responses, transition matrices) are
computed on the host with NumPy/SciPy in float64 and moved to ``xp`` once: they are small
(``p x block``) and hold no user data.

Functions
---------
``fft_full(x, b, xp)``, ``oa_full(x, b, xp)``
    Full linear convolution of every row of ``x`` (2-D) with the dense taps ``b``: one batched
    real FFT, or batched overlap-add (``_overlap_add``: the block rule and loop every backend
    shares, a bounded group of blocks per FFT call).
``fir_direct(x, lags, coefs, start, out, xp)``
    Shifted-slice accumulation, one vector operation per stored tap.
``ar_recursion_steps(v, lags, coefs, xp)``
    The all-pole recursion with zero history, stepped through time, vectorised across rows.
``ar_recursion_scan(u, lags, coefs, zi, xp, block=None, local=None)``
    The same recursion (backend contract ``ar_recursion``) by a blocked parallel scan.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import signal

from ._overlap_add import oa_block_size, oa_into

__all__ = [
    "good_fft_size",
    "fft_full",
    "oa_full",
    "oa_block_size",
    "fir_direct",
    "ar_recursion_steps",
    "ar_recursion_scan",
    "block_transition",
    "affine_scan",
]


def good_fft_size(n: int) -> int:
    """The smallest even ``N >= n`` whose only prime factors are 2, 3, 5 and 7.

    cuFFT and pocketfft are fastest on such sizes (cuFFT has dedicated radix-2/3/5/7 kernels);
    an even length keeps ``rfft`` on its fast half-length path.
    """
    n = max(int(n), 2)
    best = 1 << (n - 1).bit_length()  # a power of two always qualifies
    p7 = 1
    while p7 < best:
        p5 = p7
        while p5 < best:
            p3 = p5
            while p3 < best:
                # smallest power of two that brings p3 * 2^k to >= n (and keeps it even)
                m = p3 * 2
                while m < n:
                    m *= 2
                if m < best:
                    best = m
                p3 *= 3
            p5 *= 5
        p7 *= 7
    return best


def _taps(b, dtype, xp):
    """Dense taps on the device of ``xp``, in the data dtype (a tiny, explicit copy of the kernel)."""
    if xp is not np and isinstance(b, np.ndarray):
        return xp.asarray(b.astype(dtype, copy=False))
    return xp.asarray(b).astype(dtype, copy=False)


def fft_full(x, b, xp):
    """Full linear convolution of each row of ``x`` with ``b`` by one batched real FFT.

    Parameters
    ----------
    x : (n_series, T) array of ``xp``, float32 or float64
    b : (m,) taps (NumPy or ``xp``)
    xp : array namespace (numpy or cupy)

    Returns
    -------
    (n_series, T + m - 1) array of ``xp``, dtype of ``x``.

    Notes
    -----
    The transform length is :func:`good_fft_size` of ``T + m - 1``.  CuPy caches cuFFT plans
    per (shape, dtype) automatically (``cupy.fft.config.get_plan_cache()``), so repeated calls
    of the same geometry reuse the plan.  Rounding: ``~ eps * log2(N) * sum|b| * max|x|``.
    """
    T = x.shape[1]
    bb = _taps(b, x.dtype, xp)
    m = bb.shape[0]
    n = T + m - 1
    nfft = good_fft_size(n)
    fx = xp.fft.rfft(x, nfft, axis=-1)
    fb = xp.fft.rfft(bb, nfft)
    y = xp.fft.irfft(fx * fb, nfft, axis=-1)[:, :n]
    return xp.ascontiguousarray(y.astype(x.dtype, copy=False))


def oa_full(x, b, xp, nfft: int | None = None):
    """Full linear convolution of each row with ``b`` by batched overlap-add.

    The shared block loop of ``backends._overlap_add.oa_into`` (blocks of
    :func:`oa_block_size`, transformed a bounded group at a time with ``xp.fft``) writing the
    whole ``(n_series, T + m - 1)`` result.

    Parameters
    ----------
    x : (n_series, T) array of ``xp``
    b : (m,) taps
    xp : array namespace
    nfft : int, optional
        FFT length (default :func:`oa_block_size`); must be >= ``2 * m - 1``.

    Returns
    -------
    (n_series, T + m - 1) array of ``xp``, dtype of ``x``.
    """
    bb = _taps(b, np.float64, xp)
    out = xp.empty((x.shape[0], x.shape[1] + bb.shape[0] - 1), dtype=x.dtype)
    return oa_into(x, bb, 0, out, xp, xp.fft, nfft=nfft)


def fir_direct(x, lags, coefs, start, out, xp):
    """``out[:, i] = sum_k coefs[k] * x[:, start + i - lags[k]]`` (x is 0 outside its range).

    One shifted-slice multiply-add per stored tap (the NumPy reference's algorithm, written
    against ``xp``).  NaN/inf spread exactly to the outputs whose window holds them.
    """
    n_out = out.shape[1]
    T = x.shape[1]
    out[...] = 0
    with np.errstate(invalid="ignore", over="ignore"):  # NaN/inf spread silently, as on the GPU
        for lag, c in zip(np.asarray(lags).tolist(), np.asarray(coefs).tolist()):
            off = start - lag  # out[:, i] += c * x[:, i + off]
            lo = max(0, -off)
            hi = min(n_out, T - off)
            if hi > lo:
                out[:, lo:hi] += x.dtype.type(c) * x[:, lo + off : hi + off]
    return out


def ar_recursion_steps(v, lags, coefs, xp):
    """``y[:, t] = v[:, t] - sum_k coefs[k] * y[:, t - lags[k]]`` with zero history.

    Steps through time, one vector operation per (time, tap) across all rows: the right
    shape when there are many rows (series, or blocks of series) and few steps.  Only the
    stored (sparse) lags enter, so NaN/inf reach exactly the outputs they feed.
    """
    y = xp.empty_like(v)
    pairs = [(int(l), v.dtype.type(c)) for l, c in zip(np.asarray(lags).tolist(), np.asarray(coefs).tolist())]
    pairs.sort(reverse=True)  # oldest lag first, as the CPU backends add them
    with np.errstate(invalid="ignore", over="ignore"):  # NaN/inf spread silently, as on the GPU
        for t in range(v.shape[1]):
            acc = v[:, t].copy()
            for lag, c in pairs:
                if t - lag >= 0:
                    acc -= c * y[:, t - lag]
            y[:, t] = acc
    return y


def _dense_ar(lags, coefs) -> np.ndarray:
    p = int(np.max(lags)) if len(lags) else 0
    a = np.zeros(p + 1)
    a[0] = 1.0
    a[np.asarray(lags, dtype=np.int64)] = np.asarray(coefs, dtype=np.float64)
    return a


def block_transition(lags, coefs, L: int) -> tuple[np.ndarray, np.ndarray]:
    """Homogeneous responses of the all-pole recursion over one block of ``L`` steps.

    The state entering a block is ``s = (y[-1], y[-2], ..., y[-p])`` (the last ``p`` outputs
    before it, newest first; ``p`` the largest lag).  With zero input the block's outputs are
    ``h[t] = G[t] @ s`` and the state leaving it is ``M @ s`` with ``M[i] = G[L - 1 - i]``.

    Returns ``(G, M)`` as float64 host arrays of shapes ``(L, p)`` and ``(p, p)``; needs
    ``L >= p``.  Computed with ``scipy.signal.lfilter`` on the forcing that the past outputs
    exert: a past value ``y[-1-i] = 1`` enters time ``t = lag_k - 1 - i`` as ``-a_k``.
    """
    a = _dense_ar(lags, coefs)
    p = a.size - 1
    if L < p:
        raise ValueError(f"block={L}: the scan needs blocks at least as long as the largest lag ({p})")
    w = np.zeros((p, L))
    for i in range(p):
        for lag in range(i + 1, p + 1):
            w[i, lag - 1 - i] -= a[lag]
    G = signal.lfilter([1.0], a, w, axis=-1).T.copy()  # (L, p)
    M = G[L - 1 :: -1][:p].copy()
    return G, M


def affine_scan(c, M, xp, group: int = 64):
    """All prefixes of ``s_j = M @ s_{j-1} + c_j`` with ``s_{-1} = 0``: the block-boundary states.

    ``c`` has shape ``(n_series, n, p)`` (an ``xp`` array) and ``M`` shape ``(p, p)`` (a
    float64 NumPy array: it depends on the kernel only).
    Hierarchical: groups of ``group`` consecutive steps are scanned in parallel (``group``
    sequential batched ``(rows, p) @ (p, p)`` products across all groups at once), the
    groups' end states are scanned recursively with ``M**group``, and each step then adds
    ``M**(j + 1)`` times its group's entering state.  ``O(group * log_group(n))`` sequential
    steps instead of ``n``.
    """
    B, n, p = c.shape
    Mh = np.asarray(M, dtype=np.float64)
    Md = xp.asarray(Mh.astype(c.dtype))
    if n <= group:
        s = xp.empty_like(c)
        prev = xp.zeros((B, p), dtype=c.dtype)
        for j in range(n):
            prev = prev @ Md.T + c[:, j]
            s[:, j] = prev
        return s
    ng = -(-n // group)
    cg = xp.zeros((B, ng * group, p), dtype=c.dtype)
    cg[:, :n] = c
    cg = cg.reshape(B, ng, group, p)
    loc = xp.empty_like(cg)
    prev = xp.zeros((B, ng, p), dtype=c.dtype)
    for j in range(group):
        prev = prev @ Md.T + cg[:, :, j]
        loc[:, :, j] = prev
    # powers M^1 .. M^group on the host in float64 (p x p each)
    pw = np.empty((group, p, p))
    cur = np.eye(p)
    for j in range(group):
        cur = Mh @ cur
        pw[j] = cur
    ends = affine_scan(loc[:, :, -1], pw[-1], xp, group)  # true state at the end of each group
    enter = xp.zeros_like(ends)
    enter[:, 1:] = ends[:, :-1]
    s = loc + xp.einsum("bgq,jpq->bgjp", enter, xp.asarray(pw).astype(c.dtype))
    return s.reshape(B, ng * group, p)[:, :n]


def default_block(T: int, p: int) -> int:
    """Block length for the scan under NumPy: ~sqrt(T) balances the ``L`` local steps against
    the boundary scan; never shorter than the largest lag."""
    return max(p, 1, int(math.isqrt(max(T, 1))))


def ar_recursion_scan(u, lags, coefs, zi, xp, block: int | None = None, local=None, out=None):
    """All-pole recursion ``y[:, t] = u[:, t] + zi[:, t] - sum_k coefs[k] y[:, t - lags[k]]``
    by a blocked parallel scan (the backend contract ``ar_recursion``; ``zi`` is added for
    ``t < zi.shape[1]``, scipy.signal.lfilter's transposed-direct-form-II state).

    1. Time is cut into ``n_blocks`` blocks of ``block`` steps; every block of every series is
       solved with zero initial state, all at once (``local(v_rows, lags, coefs)`` on the
       ``(n_series * n_blocks, block)`` rows; default :func:`ar_recursion_steps`, the CuPy
       backend passes its one-thread-per-row CUDA kernel).
    2. The block-boundary states obey ``s_j = M s_{j-1} + c_j`` (``c_j`` the last ``p`` local
       outputs of block ``j``, ``M`` from :func:`block_transition`): :func:`affine_scan`.
    3. Each block adds its homogeneous correction ``G @ s_{j-1}``: one batched matmul.

    Exact in exact arithmetic for any coefficients.  Rounding: the corrections carry the error
    of the boundary states, which grows like that of the plain recursion run over the blocks,
    i.e. ``~ eps * n_blocks * max_k ||M^k||``; for poles well inside the unit circle this is a
    few ulps, for unit roots (integrators, seasonal sums) it grows linearly with the number of
    blocks, and for poles at radius ``r`` slightly below 1 it is bounded by ``~ eps / (1 - r)``
    per block.  With NaN/inf in the input the scan's dense correction would spread them through
    zero entries of ``G`` (``0 * nan``), so such rows use the plain recursion (exact spreading).

    Returns ``out`` (allocated when not given), same shape and dtype as ``u``.
    """
    lags = np.asarray(lags, dtype=np.int64)
    coefs = np.asarray(coefs, dtype=np.float64)
    Bn, T = u.shape
    if out is None:
        out = xp.empty_like(u)
    v = u.copy()
    if zi is not None and zi.shape[1]:
        m = min(zi.shape[1], T)
        v[:, :m] += zi[:, :m]
    if lags.size == 0 or T == 0:
        out[...] = v
        return out
    if local is None:
        def local(rows, lg, cf):
            return ar_recursion_steps(rows, lg, cf, xp)

    if not bool(xp.all(xp.isfinite(v))):
        out[...] = local(v, lags, coefs)
        return out
    p = int(lags.max())
    L = default_block(T, p) if block is None else int(block)
    if L < p:
        raise ValueError(f"block={L}: the scan needs blocks at least as long as the largest lag ({p})")
    nb = -(-T // L)
    if nb == 1:
        out[...] = local(v, lags, coefs)
        return out
    vp = xp.zeros((Bn, nb * L), dtype=u.dtype)  # zero padding at the end changes nothing before it
    vp[:, :T] = v
    yl = local(vp.reshape(Bn * nb, L), lags, coefs).reshape(Bn, nb, L)
    G, M = block_transition(lags, coefs, L)
    c = yl[:, :, L - 1 : L - 1 - p : -1] if L > p else yl[:, :, ::-1]
    s = affine_scan(xp.ascontiguousarray(c), M, xp)  # state leaving each block
    enter = xp.zeros_like(s)
    enter[:, 1:] = s[:, :-1]
    yl += enter @ xp.asarray(G.T).astype(u.dtype)
    out[...] = yl.reshape(Bn, nb * L)[:, :T]
    return out


# ---------------------------------------------------------------------------------------
# Glue around the CUDA kernels of _cupy.py, written against xp so it runs under NumPy too.
# A ``launch_*`` callable has the kernel's exact argument list; under NumPy the tests pass
# emulations (tests/test_gpu.py), on the GPU _cupy passes the compiled kernels.
# ---------------------------------------------------------------------------------------

GPU_MIN_ROWS = 65536  # scan: aim for at least this many independent rows (GPU threads)
GPU_ROWS_PER_SERIES = 1024  # >= this many series: one thread per series, no scan


def ar_rows(v, lags, coefs, xp, launch):
    """Zero-state recursion of every row of ``v`` (2-D, contiguous) by one call of ``launch``
    (the ``ar_rows`` kernel: one thread per row) on the transposed ``(T, rows)`` layout, so
    that at every step neighbouring threads touch neighbouring addresses (coalesced)."""
    R, n = v.shape
    vt = xp.ascontiguousarray(v.T)
    yt = xp.empty_like(vt)
    order = np.argsort(np.asarray(lags), kind="stable")
    lg = np.asarray(lags, dtype=np.int64)[order]
    cf = np.asarray(coefs, dtype=np.float64)[order].astype(v.dtype)
    launch(vt.reshape(-1), yt.reshape(-1), lg, cf, R, n, 1, R)
    return xp.ascontiguousarray(yt.T)


def scan_block(n_series: int, T: int, p: int, min_rows: int = GPU_MIN_ROWS) -> int:
    """Block length for the GPU scan: enough blocks that ``n_series * n_blocks >= min_rows``
    threads run the local recursions, blocks no shorter than the largest lag or 32 steps."""
    nb = max(1, -(-min_rows // max(n_series, 1)))
    return max(p, 32, -(-T // nb))


def ar_recursion_gpu(u, lags, coefs, zi, out, xp, launch, many_series: int = GPU_ROWS_PER_SERIES):
    """The CuPy backend's ``ar_recursion``: one thread per series when there are at least
    ``many_series`` series (or when the input holds NaN/inf: exact spreading), otherwise the
    blocked scan with the one-thread-per-row kernel as its local solver."""
    Bn, T = u.shape

    def local(rows, lg, cf):
        return ar_rows(rows, lg, cf, xp, launch)

    lags = np.asarray(lags, dtype=np.int64)
    if lags.size == 0:
        return ar_recursion_scan(u, lags, coefs, zi, xp, out=out)
    if Bn >= many_series:
        v = u.copy()
        if zi is not None and zi.shape[1]:
            m = min(zi.shape[1], T)
            v[:, :m] += zi[:, :m]
        out[...] = local(v, lags, coefs)
        return out
    block = scan_block(Bn, T, int(lags.max()))
    return ar_recursion_scan(u, lags, coefs, zi, xp, block=block, local=local, out=out)
