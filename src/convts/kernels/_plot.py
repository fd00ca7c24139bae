"""``Kernel.plot``: the impulse response (psi weights) and the gain of the frequency response.

matplotlib is optional (``pip install 'convts[plot]'``) and imported inside :func:`plot_kernel` only.
"""

from __future__ import annotations

import numpy as np

from .._validation import check_int

__all__ = ["plot_kernel", "figure", "stems"]

#: Default number of psi weights drawn for a stable IIR kernel: until the tail is below
#: ``1e-4`` of the unit impulse, at most this many.
MAX_DEFAULT_TAPS = 200
#: Default for a kernel that does not decay (a root on or inside the unit circle).
UNSTABLE_TAPS = 50


def figure(fig=None, figsize=None):
    """``fig`` (resized to ``figsize`` if given), or a new pyplot figure with constrained layout.

    matplotlib is imported here, on first use; without it the ImportError says how to install it.
    """
    try:
        import matplotlib.pyplot as plt
    except ImportError:
        raise ImportError("plotting needs matplotlib: pip install 'convts[plot]' (or pip install matplotlib)") from None
    if fig is None:
        return plt.figure(figsize=figsize, layout="constrained")
    if figsize is not None:
        fig.set_size_inches(figsize)
    return fig


def stems(ax, x, y):
    """A stem plot on ``ax``: one vertical line per value (a LineCollection), a marker on each, the zero line."""
    ax.vlines(x, 0.0, y, lw=1.5)
    ax.plot(x, y, "o", ms=3)
    ax.axhline(0.0, color="0.5", lw=0.8)


def plot_kernel(kernel, n=None, n_freq=512, figsize=None, fig=None):
    """Two panels: the impulse response ``psi_0 .. psi_{n-1}`` (stems) and ``|H(e^{-iw})|`` on ``[0, pi)``.

    Parameters
    ----------
    kernel : Kernel
    n : int, optional
        Number of psi weights.  Default: every tap of a FIR kernel (from lag 0, or from its
        first lead); for a stable IIR kernel the length after which the tail is below 1e-4
        (at most 200); 50 for a kernel that does not decay (an integrator).
    n_freq : int
        Frequencies of the gain panel (as :meth:`Kernel.frequency_response`).
    figsize : (float, float), optional
    fig : matplotlib.figure.Figure, optional
        Draw into this figure (two subplots are added) instead of a new one.

    Returns
    -------
    matplotlib.figure.Figure

    Notes
    -----
    The gain is infinite where ``A(L)`` has a root on the unit circle (an integrator at
    frequency 0): those frequencies are left blank.
    """
    n_freq = check_int(n_freq, "n_freq", minimum=2)
    if n is None:
        if kernel.is_fir:
            n = kernel.impulse_length()
        elif kernel.pole_radius < 1.0:
            n = min(kernel.impulse_length(tol=1e-4), MAX_DEFAULT_TAPS)
        else:
            n = UNSTABLE_TAPS
    n = check_int(n, "n", minimum=1)
    psi = kernel.impulse_response(n)
    first = min(kernel.offset, 0) if kernel.is_fir else 0
    lags = np.arange(first, first + psi.size)
    w, h = kernel.frequency_response(n_freq)
    gain = np.abs(h)
    gain[~np.isfinite(gain)] = np.nan
    fig = figure(fig, figsize)
    ax = fig.add_subplot(121)
    stems(ax, lags, psi)
    ax.set_xlabel("lag")
    ax.set_title("Impulse response")
    ax = fig.add_subplot(122)
    ax.plot(w, gain)
    ax.set_xlim(0.0, np.pi)
    ax.set_xlabel("frequency (radians per sample)")
    ax.set_title("Gain |H|")
    return fig
