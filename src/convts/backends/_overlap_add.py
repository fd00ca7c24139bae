"""Overlap-add: the one block-size rule and the one block loop every backend runs.

Written against an array namespace ``xp`` (numpy or cupy) and an FFT namespace with
``rfft(a, n, axis)`` / ``irfft(a, n, axis)`` (``xp.fft``, or scipy.fft with workers on the CPU),
and importing nothing but NumPy, so that the numba backend can use it without scipy.signal's
import time.

Memory: the blocks are transformed in groups of at most ``GROUP_ELEMENTS`` samples (all rows
of the group's blocks at once) and each group's result is written straight into the caller's
``out``; the extra memory of a call is a few groups' worth (tens of MB), whatever the length of
the series, instead of the padded copy of the input plus the whole batched inverse transform
(2.1x input+output for k = 4096 on 1e8 samples, measured before this module).
"""

from __future__ import annotations

import math

import numpy as np

# Samples (real) of one group of blocks: 2**21 float64 = 16 MiB of inverse transform; its complex
# spectrum takes about as much again (at most ~50 MiB of temporaries in all).  Groups this large keep the batched FFT calls long enough
# that the Python loop over groups costs nothing measurable (~3,500 blocks for k = 4096 on 1e8
# samples make ~110 groups).
GROUP_ELEMENTS = 1 << 21


def oa_block_size(m: int, T: int) -> int:
    """FFT length ``N`` of an overlap-add block for a kernel of ``m`` taps on rows of ``T`` samples.

    ``N`` is the power of two nearest ``clip(8 m, 4096, max(2**18, 2 m))``: blocks of ~8x the
    kernel were measured fastest on the CPU (FFT work per output ``N log2 N / (N - m + 1)`` is
    within a few percent of its minimum there and the block stays in L2; longer blocks lose
    more to cache misses than they gain in FFT work, see docs/engine_performance.md), at least
    4096 so that short kernels do not pay per-block overhead, and at most 2**18 unless the
    kernel itself needs more (``N >= 2 m`` so that a block's tail reaches only into the next
    block).  Never longer than one block covering the whole row (the next power of two at or
    above ``T + m - 1``).  Every backend and the cost model in ``engine._choose`` use this rule.
    """
    m = max(int(m), 1)
    want = min(max(8 * m, 4096), max(1 << 18, 2 * m))
    N = 1 << round(math.log2(want))  # the nearest power of two (want is 4096 or more)
    N = max(N, 1 << (2 * m - 2).bit_length())  # >= 2 m - 1: a tail reaches only the next block
    whole = 1 << (max(int(T) + m - 1, 2 * m - 1, 2) - 1).bit_length()  # one block for the row
    return min(N, whole)


def oa_into(x, b, i0: int, out, xp, fft, nfft: int | None = None, zero_nonfinite: bool = False):
    """``out[:, i] = full[:, i0 + i]`` where ``full`` is the linear convolution of each row of ``x``
    with the taps ``b`` (length ``T + m - 1``, zero outside), by overlap-add.

    Parameters
    ----------
    x : (n_series, T) array of ``xp``, float32 or float64
    b : (m,) float64 taps, NumPy or ``xp``
    i0 : int
        Index into ``full`` of ``out[:, 0]``; may be negative or beyond the end (zeros there).
    out : (n_series, n_out) array of ``xp``, dtype of ``x``; every element is written.
    xp, fft : the array namespace and the FFT namespace (``rfft``/``irfft`` with ``n`` and ``axis``).
    nfft : int, optional
        FFT length (default :func:`oa_block_size`); must be >= ``2 m - 1``.
    zero_nonfinite : bool
        Read NaN/inf inputs as 0 (the engine then recomputes the outputs they reach exactly),
        group by group, without a cleaned copy of the whole input.

    Notes
    -----
    Rows are cut into blocks of ``L = N - m + 1`` samples; each group of blocks (all rows) is one
    batched ``rfft`` of length ``N``, a product with the kernel's transform and an ``irfft``;
    block ``j``'s tail of ``m - 1`` samples is added to block ``j + 1``'s head (inside the group,
    or carried to the next group).  Rounding: ``~ eps * log2(N) * sum|b| * max|x|`` per output.
    """
    B, T = x.shape
    n_out = out.shape[1]
    m = int(b.shape[0])
    N = oa_block_size(m, T) if nfft is None else int(nfft)
    if N < 2 * m - 1:
        raise ValueError(f"nfft={N}: overlap-add needs nfft >= 2 * len(b) - 1 = {2 * m - 1}")
    L = N - m + 1
    n_blk = -(-T // L)
    if isinstance(b, np.ndarray) and xp is not np:
        b = xp.asarray(b)
    fb = fft.rfft(b.astype(x.dtype, copy=False), N, axis=-1)
    # blocks per group: at most GROUP_ELEMENTS samples, and at most 1/16 of the input, so that
    # the temporaries (~24 bytes per sample of a group) stay a small share of input + output
    group = max(1, min(GROUP_ELEMENTS, B * T // 16) // (B * N))
    # outputs outside full's computed extent [0, n_blk L + m - 1) are zero
    lo_p, hi_p = max(i0, 0), min(i0 + n_out, n_blk * L + m - 1)
    if lo_p >= hi_p:
        out[...] = 0
        return out
    if lo_p > i0:
        out[:, : lo_p - i0] = 0
    if hi_p < i0 + n_out:
        out[:, hi_p - i0 :] = 0
    carry = None  # the previous group's last tail: full[:, j0 L : j0 L + m - 1] still to add
    # only the groups whose blocks reach the window [lo_p, hi_p): block j covers [j L, j L + N)
    j_first = max(0, (lo_p - N) // L)
    j_last = min(n_blk, -(-hi_p // L))
    for j0 in range(j_first, j_last, group):
        j1 = min(j0 + group, j_last)
        g = j1 - j0
        a, e = j0 * L, min(j1 * L, T)
        if e - a == g * L:
            seg = x[:, a:e].reshape(B, g, L)
        else:  # the last block is short: zero-pad a copy of this group only
            seg = xp.zeros((B, g * L), dtype=x.dtype)
            seg[:, : e - a] = x[:, a:e]
            seg = seg.reshape(B, g, L)
        if zero_nonfinite:
            seg = xp.where(xp.isfinite(seg), seg, 0)
        spec = fft.rfft(seg, N, axis=-1)
        spec *= fb
        y = fft.irfft(spec, N, axis=-1)
        del spec
        if y.dtype != x.dtype:
            y = y.astype(x.dtype)
        if m > 1:
            if g > 1:  # each block's tail onto the next block's head (tail m - 1 <= L)
                y[:, 1:, : m - 1] += y[:, :-1, L:]
            if carry is not None:
                y[:, 0, : m - 1] += carry
            carry = y[:, -1, L:].copy()
        heads = y[:, :, :L].reshape(B, g * L)  # full[:, a : a + g L]
        _copy_window(heads, a, out, i0, lo_p, hi_p)
    if m > 1 and carry is not None:
        _copy_window(carry, j_last * L, out, i0, lo_p, hi_p)
    return out


def _copy_window(piece, p0: int, out, i0: int, lo_p: int, hi_p: int) -> None:
    """Copy the part of ``piece`` (full[:, p0 : p0 + width]) inside [lo_p, hi_p) into ``out``."""
    s, e = max(p0, lo_p), min(p0 + piece.shape[1], hi_p)
    if e > s:
        out[:, s - i0 : e - i0] = piece[:, s - p0 : e - p0]
