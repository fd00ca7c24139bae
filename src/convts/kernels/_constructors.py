"""Named constructors: each convention gets its own function, all returning the canonical Kernel."""

from __future__ import annotations

import functools
import numbers

import numpy as np

from .._validation import check_finite_taps, check_int
from ._kernel import Kernel, sum_is_zero

__all__ = ["moving_average", "gaussian", "ewma", "difference", "integrate", "echo", "comb", "arma"]


def moving_average(window: int, weights=None, center: bool = False) -> Kernel:
    """Moving (weighted) mean over ``window`` observations: a FIR kernel whose taps sum to 1.

    Parameters
    ----------
    window : int
        Number of observations, >= 1.
    weights : array_like, optional
        ``window`` weights, oldest first as in ``pandas.rolling(...).apply(np.dot ...)``;
        normalised to sum to 1.  Default uniform.
    center : bool
        Centre the window on the output time, as ``pandas.rolling(center=True)``: lags
        ``-((window - 1) // 2) .. window // 2`` (the output at t averages x[t - window//2 .. t + (window-1)//2]).  Default: trailing window (lags ``0..window-1``).

    Examples
    --------
    >>> from convts import kernels
    >>> kernels.moving_average(3)(np.array([3.0, 6.0, 9.0, 12.0]), mode="valid").tolist()
    [6.0, 9.0]
    """
    window = check_int(window, "window", minimum=1)
    if weights is None:
        return _uniform_moving_average(window, bool(center))
    else:
        w = check_finite_taps(weights, "weights")
        if w.size != window:
            raise ValueError(f"weights has {w.size} values but window={window}; give one weight per observation")
        total = w.sum()
        if sum_is_zero(w):  # [0.1, 0.2, -0.3] sums to 5.6e-17, not 0: zero up to rounding
            raise ValueError(
                f"weights sum to {total:.3g}, zero up to rounding; a weighted mean needs weights with a non-zero sum"
            )
        w = w / total
    # taps[k] multiplies x[t-k]: the newest observation gets the last weight
    taps = w[::-1]
    lags = np.arange(window)
    if center:
        lags = lags - (window - 1) // 2
    return Kernel(b=taps, lags=lags)


@functools.lru_cache(maxsize=128)
def _uniform_moving_average(window: int, center: bool) -> Kernel:
    """The equal-weight moving mean, built once per (window, center): kernels are immutable, so
    one instance serves every caller, and the engine's per-kernel set-up (``Kernel._fir_taps``)
    is done once (the ``.conv.ma`` accessor builds the kernel on every call)."""
    lags = np.arange(window)
    if center:
        lags = lags - (window - 1) // 2
    return Kernel(b=np.full(window, 1.0 / window), lags=lags)


def gaussian(sigma: float, truncate: float = 4.0) -> Kernel:
    """Normalised, centred Gaussian smoother (as ``scipy.ndimage.gaussian_filter1d``'s weights).

    Taps at lags ``-r..r`` with ``r = int(truncate * sigma + 0.5)``, proportional to
    ``exp(-lag**2 / (2 sigma**2))`` and summing to 1.

    Examples
    --------
    >>> from convts import kernels
    >>> k = kernels.gaussian(1.0)
    >>> int(k.offset), round(float(k.b_coefs.sum()), 12)
    (-4, 1.0)
    """
    if not isinstance(sigma, numbers.Real) or not np.isfinite(sigma) or sigma <= 0:
        raise ValueError(f"sigma={sigma!r}: sigma must be a finite number > 0")
    if not isinstance(truncate, numbers.Real) or not np.isfinite(truncate) or truncate <= 0:
        raise ValueError(f"truncate={truncate!r}: truncate must be a finite number > 0")
    radius = int(truncate * float(sigma) + 0.5)
    lags = np.arange(-radius, radius + 1)
    w = np.exp(-0.5 * (lags / float(sigma)) ** 2)
    return Kernel(b=w / w.sum(), lags=lags)


def ewma(alpha: float | None = None, *, span: float | None = None, halflife: float | None = None,
         com: float | None = None) -> Kernel:
    """Exponentially weighted moving average ``alpha / (1 - (1 - alpha) L)`` (IIR).

    Give exactly one of ``alpha`` (0 < alpha <= 1), ``span`` (>= 1, ``alpha = 2/(span+1)``),
    ``halflife`` (> 0, ``alpha = 1 - exp(-ln 2 / halflife)``) or ``com`` (>= 0,
    ``alpha = 1/(1+com)``), as pandas' ``ewm``.

    Notes
    -----
    With zero initial state the first output is ``alpha * x_0``.  pandas'
    ``ewm(adjust=False)`` starts at ``x_0``; to match it start from the steady state of
    ``x_0``: ``convolve(x, k, zi=convts.steady_state(k, x[0]))`` (the accessor does this).

    Examples
    --------
    >>> from convts import kernels
    >>> kernels.ewma(0.5)(np.array([2.0, 2.0, 2.0])).tolist()
    [1.0, 1.5, 1.75]
    """
    given = {k: v for k, v in dict(alpha=alpha, span=span, halflife=halflife, com=com).items() if v is not None}
    if len(given) != 1:
        raise ValueError(f"give exactly one of alpha, span, halflife, com (got {sorted(given) or 'none'})")
    (name, value), = given.items()
    if not isinstance(value, numbers.Real) or not np.isfinite(value):
        raise ValueError(f"{name}={value!r} must be a finite number")
    if name == "alpha":
        a = float(value)
    elif name == "span":
        if value < 1:
            raise ValueError(f"span={value}: span must be >= 1")
        a = 2.0 / (value + 1.0)
    elif name == "halflife":
        if value <= 0:
            raise ValueError(f"halflife={value}: halflife must be > 0")
        a = 1.0 - np.exp(-np.log(2.0) / value)
    else:
        if value < 0:
            raise ValueError(f"com={value}: com must be >= 0")
        a = 1.0 / (1.0 + value)
    if not 0.0 < a <= 1.0:
        raise ValueError(f"alpha={a}: the smoothing factor must satisfy 0 < alpha <= 1")
    return Kernel(b=[a], a=[1.0, -(1.0 - a)])


def _seasonal_period(D: int, period) -> int | None:
    if D:
        if period is None:
            raise ValueError(f"D={D} needs a period (e.g. period=12 for monthly data)")
        return check_int(period, "period", minimum=2)
    return None if period is None else check_int(period, "period", minimum=2)


def difference(d: int = 1, D: int = 0, period: int | None = None) -> Kernel:
    """Differencing ``(1 - L)^d (1 - L^s)^D``, a sparse FIR kernel.

    Examples
    --------
    >>> from convts import kernels
    >>> k = kernels.difference(1, 1, period=12)
    >>> k.b_lags.tolist(), k.b_coefs.tolist()
    ([0, 1, 12, 13], [1.0, -1.0, -1.0, 1.0])
    """
    d = check_int(d, "d", minimum=0)
    D = check_int(D, "D", minimum=0)
    s = _seasonal_period(D, period)
    k = Kernel(b=[1.0, -1.0]) ** d
    if D:
        k = k * Kernel(b={0: 1.0, s: -1.0}) ** D
    return k


def integrate(d: int = 1, D: int = 0, period: int | None = None) -> Kernel:
    """Integration (cumulative summation) ``1 / ((1 - L)^d (1 - L^s)^D)``, the inverse of :func:`difference`.

    The kernel has unit roots (``is_stable`` is False): apply it with ``method="recursive"``
    (what ``auto`` picks).

    Examples
    --------
    >>> from convts import kernels
    >>> kernels.integrate(1)(np.array([1.0, 2.0, 3.0])).tolist()
    [1.0, 3.0, 6.0]
    """
    return difference(d, D, period).inverse()


def echo(delay: int, gain: float, repeats: int = 1) -> Kernel:
    """Echo ``1 + g L^D + g^2 L^2D + ... + g^r L^rD``: a FIR kernel with ``repeats + 1`` spikes.

    Examples
    --------
    >>> from convts import kernels
    >>> kernels.echo(3, 0.5)(np.array([1.0, 0, 0, 0, 0])).tolist()
    [1.0, 0.0, 0.0, 0.5, 0.0]
    """
    delay = check_int(delay, "delay", minimum=1)
    repeats = check_int(repeats, "repeats", minimum=1)
    gain = float(check_finite_taps(gain, "gain")[0])
    lags = delay * np.arange(repeats + 1)
    return Kernel(b=gain ** np.arange(repeats + 1), lags=lags)


def comb(delay: int, gain: float) -> Kernel:
    """Feedback comb (infinite echo) ``1 / (1 - g L^D)``; stable when ``|g| < 1``.

    Examples
    --------
    >>> from convts import kernels
    >>> kernels.comb(2, 0.5).impulse_response(5).tolist()
    [1.0, 0.0, 0.5, 0.0, 0.25]
    """
    delay = check_int(delay, "delay", minimum=1)
    gain = float(check_finite_taps(gain, "gain")[0])
    return Kernel(a={0: 1.0, delay: -gain})


def arma(ar=(), ma=(), *, ar_lags=None, ma_lags=None) -> Kernel:
    """ARMA kernel ``(1 + theta_1 L + ...) / (1 - phi_1 L - ...)`` in statsmodels' sign convention.

    ``x_t = sum_i phi_i x_{t-i} + e_t + sum_j theta_j e_{t-j}`` is ``x = arma(phi, theta)(e)``.

    Parameters
    ----------
    ar, ma : array_like
        ``phi_1..phi_p`` and ``theta_1..theta_q`` (at lags 1, 2, ... unless ``ar_lags`` /
        ``ma_lags`` give them, e.g. ``ar=[0.5], ar_lags=[12]`` for a seasonal AR).

    Examples
    --------
    >>> from convts import kernels
    >>> k = kernels.arma(ar=[0.5], ma=[0.4])
    >>> k.a.tolist(), k.b.tolist()
    ([1.0, -0.5], [1.0, 0.4])
    >>> kernels.arma(ar=[1.5]).is_stable
    False
    """
    phi = np.atleast_1d(np.asarray(ar, dtype=np.float64)) if np.size(ar) else np.zeros(0)
    theta = np.atleast_1d(np.asarray(ma, dtype=np.float64)) if np.size(ma) else np.zeros(0)
    for name, v in (("ar", phi), ("ma", theta)):
        if v.ndim != 1:
            raise ValueError(f"{name} must be 1-D, got shape {v.shape}")
        if not np.all(np.isfinite(v)):
            raise ValueError(f"{name} contains NaN/inf: {v.tolist()}")

    def lags_for(v, lags, name):
        if lags is None:
            return np.arange(1, v.size + 1)
        lags = np.atleast_1d(np.asarray(lags))
        if lags.shape != v.shape or lags.dtype.kind not in "iu" or (lags.size and lags.min() < 1):
            raise ValueError(f"{name}_lags must be one integer lag >= 1 per coefficient")
        return lags.astype(np.int64)

    pl = lags_for(phi, ar_lags, "ar")
    ql = lags_for(theta, ma_lags, "ma")
    return Kernel(b=np.r_[1.0, theta], lags=np.r_[0, ql].astype(np.int64),
                  a=np.r_[1.0, -phi], a_lags=np.r_[0, pl].astype(np.int64))
