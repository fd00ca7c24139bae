"""Box-Jenkins prewhitened cross-correlation, and ``whiten`` (channels and time in one call)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._pandas import check_numeric_columns
from .._validation import as_float_array, check_int
from ..engine import ccf, convolve
from ._channels import PCAWhitener, ZCAWhitener
from ._temporal import ARPrewhitener

__all__ = ["prewhitened_ccf", "whiten"]

_FIT_KEYS = ("max_order", "criterion", "method")


def _pair(x, y):
    """Two equally long finite 1-D float arrays; pandas inputs are aligned on their index first."""
    if isinstance(x, pd.DataFrame) or isinstance(y, pd.DataFrame):
        raise ValueError("x and y must be 1-D series; pass one column each (e.g. df['a'], df['b'])")
    if isinstance(x, pd.Series) and isinstance(y, pd.Series) and not x.index.equals(y.index):
        x, y = x.align(y, join="inner")
        if len(x) == 0:
            raise ValueError("x and y have no index labels in common; align them or pass arrays")
    xa = as_float_array(x, "x", ndim=(1,)).astype(np.float64, copy=False)
    ya = as_float_array(y, "y", ndim=(1,)).astype(np.float64, copy=False)
    if xa.size != ya.size:
        raise ValueError(
            f"x and y must have the same length, got {xa.size} and {ya.size} (pandas Series are aligned on their index)"
        )
    for name, arr in (("x", xa), ("y", ya)):
        bad = np.flatnonzero(~np.isfinite(arr))
        if bad.size:
            raise ValueError(
                f"{name} has {bad.size} NaN/inf value(s) (first at positions {bad[:5].tolist()}); the prewhitened "
                f"CCF needs complete series: interpolate or trim them"
            )
    return xa, ya


def prewhitened_ccf(x, y, nlags, alpha=0.05, order=None, **prewhitener_kwargs):
    """Cross-correlation of ``x`` and ``y`` after Box-Jenkins prewhitening by ``x``'s AR model.

    Fits an :class:`~convts.whiten.ARPrewhitener` to ``x``, filters ``x`` *and* ``y`` with the
    same FIR ``1 - phi(L)`` (each around its own mean), drops the first ``p`` (edge) samples, and
    computes the two-sided cross-correlation of the filtered series with :func:`convts.ccf`.
    Prewhitening removes the autocorrelation that smears the raw CCF of two persistent series
    over many lags; a transfer ``y_t = sum_k v_k x_{t-k} + noise`` then shows as spikes at the
    lags ``-k`` of ``v_k`` (see the lag convention in Notes) (Box, Jenkins & Reinsel, *Time Series Analysis*, ch. 12; R's
    ``TSA::prewhiten``).

    Parameters
    ----------
    x, y : array_like or pandas.Series
        1-D series of equal length, finite.  Two Series are aligned on their index (inner join).
    nlags : int
        Largest lag; the result has lags ``-nlags..nlags``.
    alpha : float, default 0.05
        Level of the significance band.
    order : int, optional
        AR order for ``x`` (default: chosen by the criterion).
    **prewhitener_kwargs
        ``max_order``, ``criterion``, ``method`` for :class:`~convts.whiten.ARPrewhitener`.

    Returns
    -------
    pandas.DataFrame
        Columns ``lag`` (``-nlags..nlags``), ``ccf``, ``lower`` and ``upper`` (the band
        ``-+ z_{1-alpha/2} / sqrt(m)`` around 0, ``m`` the number of filtered samples: values outside
        it are significantly different from 0 under the null of no cross-correlation, since the
        prewhitened ``x`` is white) and ``significant`` (``ccf`` outside the band).
        ``df.attrs["prewhitener"]`` holds the fitted ARPrewhitener, ``df.attrs["nobs"]`` ``m``.

    Notes
    -----
    Lag convention: the one of :func:`convts.ccf`, R's ``ccf(x, y)`` and R TSA's
    ``prewhiten(x, y)``: the value at lag ``k`` is ``corr(x_w[t + k], y_w[t])``, so when ``y``
    follows ``x`` by ``d`` steps (``y[t] = v x[t - d] + noise``, x leads) the peak is at
    **lag -d**; a peak at a positive lag means ``x`` follows ``y``.  Non-negative lags equal
    ``statsmodels.tsa.stattools.ccf(x_w, y_w)`` (statsmodels' ccf is one-sided); lag ``-k``
    equals ``ccf(y_w, x_w)`` at ``k``.  The correlations use divisor ``m - |k|`` (statsmodels'
    ``adjusted=True``) and the standard deviations of the whole filtered series.

    Examples
    --------
    >>> import convts
    >>> rng = np.random.default_rng(1)
    >>> x = convts.kernels.arma(ar=[0.8])(rng.standard_normal(1000))
    >>> y = np.r_[np.zeros(3), x[:-3]] + rng.standard_normal(1000)
    >>> df = convts.prewhitened_ccf(x, y, nlags=5, order=1)
    >>> int(df.loc[df["ccf"].idxmax(), "lag"])   # y follows x by 3 steps: lag -3, as R's ccf(x, y)
    -3
    """
    xa, ya = _pair(x, y)
    for key in prewhitener_kwargs:
        if key not in _FIT_KEYS:
            raise TypeError(f"prewhitened_ccf got an unexpected keyword {key!r}; prewhitener options are {_FIT_KEYS}")
    if not 0 < float(alpha) < 1:
        raise ValueError(f"alpha={alpha!r}: alpha must be in (0, 1)")
    model = ARPrewhitener(order=order, edge="drop", **prewhitener_kwargs).fit(xa[:, None])
    p = model.order_
    xw = model.transform(xa[:, None])[:, 0]
    yw = convolve(ya - ya.mean(), model.kernel_)[p:]
    m = xw.size
    nlags = check_int(nlags, "nlags", minimum=0)
    if nlags > m - 2:
        raise ValueError(f"nlags={nlags} is too large for {m} prewhitened samples; use nlags <= {m - 2}")
    values = ccf(xw, yw, nlags)  # corr(x_w[t+k], y_w[t]): R's ccf(x, y) and convts.ccf(x, y)
    from scipy.special import ndtri  # scipy.stats would cost 0.25 s at import

    half = ndtri(1.0 - float(alpha) / 2.0) / np.sqrt(m)
    df = pd.DataFrame({
        "lag": np.arange(-nlags, nlags + 1),
        "ccf": values,
        "lower": -half,
        "upper": half,
    })
    df["significant"] = np.abs(values) > half
    df.attrs["prewhitener"] = model
    df.attrs["nobs"] = int(m)
    return df


_SPATIAL = {"zca": ZCAWhitener, "pca": PCAWhitener}
_SPATIAL_KEYS = {"zca": ("eps",), "pca": ("eps", "n_components")}
_TEMPORAL_KEYS = ("order", "max_order", "criterion", "method", "edge", "shared")


def whiten(X, spatial="zca", temporal=None, **kw):
    """Whiten the columns of ``X`` in time (AR prewhitening) and/or across channels (ZCA or PCA).

    Parameters
    ----------
    X : pandas.DataFrame or 2-D array (n_samples, n_channels)
    spatial : {'zca', 'pca', None}
        Channel decorrelation (:class:`ZCAWhitener`, :class:`PCAWhitener`) or none.
    temporal : {'ar', None}
        :class:`ARPrewhitener` on each column first (``edge='nan'`` unless given), so the channel
        whitener then decorrelates the innovations, i.e. the output is white in time and across
        channels.
    **kw
        Options of the whiteners: ``eps``, ``n_components`` (spatial); ``order``, ``max_order``,
        ``criterion``, ``method``, ``edge``, ``shared`` (temporal).

    Returns
    -------
    pandas.DataFrame
        Same index (fewer leading rows with ``edge='drop'``) and, for ``zca`` and ``None``, the
        same column names; ``pc1, pc2, ...`` for ``pca``.  Rows that are NaN after the temporal
        step (the edge) are left out of the channel fit and stay NaN.  The fitted whiteners are in
        ``df.attrs["whiteners"]`` (a dict with keys ``'temporal'`` and ``'spatial'``).

    Examples
    --------
    >>> import pandas as pd
    >>> import convts
    >>> rng = np.random.default_rng(0)
    >>> X = pd.DataFrame(rng.standard_normal((400, 2)) @ [[1.0, 0.8], [0.0, 0.6]], columns=["a", "b"])
    >>> W = convts.whiten.whiten(X)
    >>> list(W.columns), W.cov().round(6).values.tolist()
    (['a', 'b'], [[1.0, 0.0], [0.0, 1.0]])
    """
    if spatial not in (None, "zca", "pca"):
        raise ValueError(f"spatial={spatial!r}: use 'zca', 'pca' or None")
    if temporal not in (None, "ar"):
        raise ValueError(f"temporal={temporal!r}: use 'ar' or None")
    allowed = (_SPATIAL_KEYS.get(spatial, ()) if spatial else ()) + (_TEMPORAL_KEYS if temporal else ())
    for key in kw:
        if key not in allowed:
            raise TypeError(
                f"whiten got an unexpected keyword {key!r} for spatial={spatial!r}, temporal={temporal!r}; "
                f"allowed: {allowed}"
            )
    if isinstance(X, pd.DataFrame):
        check_numeric_columns(X)  # a clear error naming the first non-numeric column
        frame = X
    else:
        arr = as_float_array(X, "X", ndim=(1, 2))
        if arr.ndim == 1:
            raise ValueError(f"X is 1-D (shape {arr.shape}); whiten works on 2-D (n_samples, n_channels) data")
        frame = pd.DataFrame(arr)
    models = {"temporal": None, "spatial": None}
    data = frame
    if temporal == "ar":
        tkw = {k: v for k, v in kw.items() if k in _TEMPORAL_KEYS}
        tkw.setdefault("edge", "nan")
        models["temporal"] = ARPrewhitener(**tkw).fit(frame)
        data = models["temporal"].transform(frame)
    if spatial is None:
        out = data.copy() if data is frame else data
    else:
        model = _SPATIAL[spatial](**{k: v for k, v in kw.items() if k in _SPATIAL_KEYS[spatial]})
        values = data.to_numpy(dtype=np.float64)
        complete = np.isfinite(values).all(axis=1)
        model.fit(data.loc[complete] if not complete.all() else data)
        names = model.get_feature_names_out()
        result = np.full((values.shape[0], len(names)), np.nan)
        result[complete] = np.asarray(model.transform(data[complete] if not complete.all() else data))
        cols = data.columns if spatial == "zca" else names
        out = pd.DataFrame(result, index=data.index, columns=cols)
        models["spatial"] = model
    out.attrs["whiteners"] = models
    return out
