"""Fourier terms as regressors for long or multiple seasonal periods (R's ``forecast::fourier``)."""

from __future__ import annotations

import numbers

import numpy as np

__all__ = ["fourier"]


def _as_list(value, name):
    if isinstance(value, (str, bytes)) or not np.iterable(value):
        return [value]
    out = list(value)
    if not out:
        raise ValueError(f"{name} is empty; give at least one value")
    return out


def _future_index(index, h: int):
    """The ``h`` labels after the end of ``index`` (dates continue at the index's frequency)."""
    import pandas as pd

    from .._validation import infer_offset

    if isinstance(index, pd.PeriodIndex):
        return pd.period_range(index[-1] + 1, periods=h, freq=index.freq)
    if isinstance(index, pd.DatetimeIndex):
        freq = infer_offset(index)
        if freq is None:
            raise ValueError("the DatetimeIndex has no frequency and none can be inferred: give it a freq "
                             "(e.g. index.asfreq('D')) so that the future dates are defined, or pass n")
        return pd.date_range(index[-1] + freq, periods=h, freq=freq, tz=index.tz, name=index.name)
    if isinstance(index, pd.RangeIndex):
        step = index.step
        start = index.start + step * len(index)
        return pd.RangeIndex(start, start + step * h, step, name=index.name)
    raise TypeError(f"index_or_n is a {type(index).__name__}; give an int, a DatetimeIndex, a PeriodIndex "
                    f"or a RangeIndex (or a Series/DataFrame with one)")


def fourier(index_or_n, period, K, h: int | None = None):
    """Fourier terms ``sin(2 pi k t / period)``, ``cos(2 pi k t / period)`` as R's ``forecast::fourier``.

    Regression on these terms (``ARIMA(y, exog=fourier(y.index, 365.25, 10))``) models a
    seasonal pattern of any period, non-integer ones and several at once included, with
    ``2 K`` parameters instead of a seasonal ARIMA of lag ``period`` (Hyndman &
    Athanasopoulos, *Forecasting: Principles and Practice*, 3rd ed., sections 7.4 and 12.1).

    Parameters
    ----------
    index_or_n : int, pandas.DatetimeIndex, PeriodIndex, RangeIndex, Series or DataFrame
        The sample: ``n`` observations at times ``t = 1, ..., n`` (R's convention), or an
        index (a Series'/DataFrame's index is used) whose length is ``n``.
    period : float or sequence of floats
        Seasonal period(s) in observations: ``7`` (weekly in daily data), ``365.25``
        (yearly in daily data), ``[7, 365.25]`` for both.
    K : int or sequence of ints
        Number of sine/cosine pairs per period (one per period); ``0 <= K <= period / 2``.
    h : int, optional
        Return the terms for the ``h`` periods after the sample (``t = n + 1, ..., n + h``),
        the regressors a forecast needs, instead of the sample's.

    Returns
    -------
    pandas.DataFrame
        float64, one row per time point, indexed by the input index (or by the ``h``
        following dates / integers; for an ``int`` input a RangeIndex ``0..n-1``, resp.
        ``n..n+h-1``).  Columns as R: ``S1-7, C1-7, S2-7, ...`` for each period in turn,
        the period rounded to an integer in the name (two different periods that round alike,
        7 and 7.2, are named by their decimals, ``S1-7``, ``S1-7.2``, where R repeats the
        name); a term that repeats an earlier
        period's (``k1 / p1 == k2 / p2``) is dropped, and so is the sine column that is
        identically zero (``2 k == period``).

    Raises
    ------
    ValueError
        ``period`` <= 0 or not finite, ``K`` < 0 or ``2 K > period``, different numbers of
        periods and orders, ``n < 1``, ``h < 1``, or a DatetimeIndex without a frequency
        with ``h``.
    TypeError
        ``index_or_n`` of another kind.

    Notes
    -----
    Computed as ``sin(pi x)`` / ``cos(pi x)`` with ``x = (2 k t mod 2 period) / period``: the
    remainder is exact in floating point, so the phase carries one rounding error at any
    ``t`` (R uses ``sinpi`` / ``cospi`` for the same reason).

    Examples
    --------
    >>> import convts
    >>> X = convts.fourier(12, period=4, K=2)
    >>> list(X.columns)
    ['S1-4', 'C1-4', 'C2-4']
    >>> [round(v, 12) + 0.0 for v in X["S1-4"][:4]]
    [1.0, 0.0, -1.0, 0.0]
    """
    import pandas as pd

    from .._validation import check_int

    if isinstance(index_or_n, (pd.Series, pd.DataFrame)):
        index_or_n = index_or_n.index
    if isinstance(index_or_n, pd.Index):
        n = len(index_or_n)
        if n < 1:
            raise ValueError("the index is empty: give at least one observation")
        index = index_or_n
        if not isinstance(index, (pd.DatetimeIndex, pd.PeriodIndex, pd.RangeIndex)):
            raise TypeError(f"index_or_n is a {type(index).__name__}; give an int, a DatetimeIndex, a "
                            f"PeriodIndex or a RangeIndex")
    else:
        n = check_int(index_or_n, "index_or_n", minimum=1)
        index = pd.RangeIndex(n)
    periods = [float(p) if isinstance(p, numbers.Real) and not isinstance(p, bool) else p
               for p in _as_list(period, "period")]
    orders = _as_list(K, "K")
    for p in periods:
        if not isinstance(p, float) or not np.isfinite(p) or p <= 0:
            raise ValueError(f"period={p!r}: give a positive number of observations per cycle (e.g. 7, 365.25)")
    if len(orders) != len(periods):
        raise ValueError(f"period has {len(periods)} value(s) and K has {len(orders)}: give one K per period")
    orders = [check_int(k, "K", minimum=0) for k in orders]
    for p, k in zip(periods, orders):
        if 2 * k > p:
            raise ValueError(f"K={k} for period={p:g}: K must be <= period / 2 (higher harmonics alias lower ones)")
    if h is None:
        times = np.arange(1, n + 1, dtype=np.float64)
        out_index = index
    else:
        h = check_int(h, "h", minimum=1)
        times = np.arange(n + 1, n + h + 1, dtype=np.float64)
        out_index = _future_index(index, h)

    # R names a period by round(period); two different periods with one rounded name (7 and 7.2)
    # would give two columns of one name (R's matrix keeps both; a frame keyed by name lost one):
    # such periods are named by their shortest exact decimal form instead ('S1-7', 'S1-7.2')
    rounded: dict[str, set] = {}
    for p in periods:
        rounded.setdefault(f"{round(p):d}", set()).add(p)

    def _tag(p):
        tag = f"{round(p):d}"
        return tag if len(rounded[tag]) == 1 else np.format_float_positional(p, trim="-")

    freqs, labels, seen = [], [], set()
    for p, k in zip(periods, orders):
        tag = _tag(p)
        for j in range(1, k + 1):
            f = j / p
            if f in seen:  # the same harmonic from another period (R: duplicated(p))
                continue
            seen.add(f)
            freqs.append((j, p))
            labels.append((f"S{j}-{tag}", f"C{j}-{tag}"))
    columns = {}
    eps = np.finfo(np.float64).eps
    for (j, p), (s_name, c_name) in zip(freqs, labels):
        # x = 2 j t / p reduced modulo 2 before the rounding of the division: 2 j t and 2 p are
        # exact in float64 and so is fmod, so the phase error is one rounding whatever t is
        x = np.fmod(2.0 * j * times, 2.0 * p) / p
        if abs(2 * j / p - round(2 * j / p)) > eps:  # R keeps the sine unless it vanishes (2k == period)
            columns[s_name] = np.sin(np.pi * x)
        columns[c_name] = np.cos(np.pi * x)
    for name, col in columns.items():  # exact zeros / ones at the quarter points, as sinpi/cospi
        col[np.abs(col) < 1e-15] = 0.0
    return pd.DataFrame(columns, index=out_index, dtype=np.float64)
