"""Figures of a fitted ARIMA: residual diagnostics (statsmodels' four panels) and the forecast fan.

matplotlib is optional (``pip install 'convts[plot]'``): it is imported on first use only
(:func:`convts.kernels._plot.figure`).  New figures come from ``matplotlib.pyplot`` (so they show
in notebooks, as statsmodels' do); given an ``ax``/``fig`` they draw into it.
"""

from __future__ import annotations

import numpy as np

__all__ = ["plot_diagnostics", "plot_forecast"]


def _x(index, n, start=0):
    """Plottable x values: dates as timestamps (a PeriodIndex by its start), else positions."""
    import pandas as pd

    if index is None:
        return np.arange(start, start + n)
    if isinstance(index, pd.PeriodIndex):
        return index.to_timestamp(how="start")
    return index


def plot_diagnostics(res, figsize=None, lags=10, fig=None):
    """Four panels of residual diagnostics, as statsmodels' ``MLEResults.plot_diagnostics``.

    Clockwise from the top left: the standardized residuals over time; their histogram with a
    Gaussian kernel density estimate and the N(0, 1) density; the normal Q-Q plot with the
    line through the quartiles' standardized fit (statsmodels' ``line='s'``); the correlogram
    (autocorrelations at lags ``1..lags`` with the ``+-1.96/sqrt(n)`` band).

    Parameters
    ----------
    res : ARIMAResults
    figsize : (float, float), optional
    lags : int
        Lags of the correlogram (default 10).
    fig : matplotlib.figure.Figure, optional
        Draw into this figure (four subplots are added) instead of a new one.

    Returns
    -------
    matplotlib.figure.Figure

    Notes
    -----
    The residuals are the exact filter's one-step errors over their standard deviations
    (``ARIMAResults.standardized_residuals``, statsmodels' ``standardized_forecasts_error``);
    missing values are left out of the histogram, the Q-Q plot and the correlogram.
    """
    from scipy import stats

    from .._validation import check_int
    from ..engine import acf
    from ..kernels._plot import figure, stems
    from ._predict import standardized_residuals

    lags = check_int(lags, "lags", minimum=1)
    z = standardized_residuals(res)
    zc = z.dropna().to_numpy()
    if zc.size <= lags:
        raise ValueError(f"lags={lags}: the correlogram needs more residuals than lags ({zc.size} are observed)")
    fig = figure(fig, figsize)
    x = _x(z.index if res.model._index is not None else None, z.size, res.model.k_diff)

    ax = fig.add_subplot(221)
    ax.plot(x, z.to_numpy(), lw=1.0)
    ax.axhline(0.0, color="0.5", lw=0.8)
    ax.set_title("Standardized residual")

    ax = fig.add_subplot(222)
    ax.hist(zc, bins="auto", density=True, color="0.75", label="Hist")
    grid = np.linspace(min(-3.0, zc.min()), max(3.0, zc.max()), 200)
    if zc.size > 1 and np.ptp(zc) > 0:
        ax.plot(grid, stats.gaussian_kde(zc)(grid), label="KDE")
    ax.plot(grid, stats.norm.pdf(grid), label="N(0,1)")
    ax.set_xlim(grid[0], grid[-1])
    ax.legend()
    ax.set_title("Histogram plus estimated density")

    ax = fig.add_subplot(223)
    (osm, osr), _ = stats.probplot(zc, dist="norm")
    ax.plot(osm, osr, "o", ms=3)
    ax.plot(osm, zc.std(ddof=1) * osm + zc.mean(), color="C1")  # statsmodels' qqplot(line='s')
    ax.set_xlabel("Theoretical quantiles")
    ax.set_ylabel("Sample quantiles")
    ax.set_title("Normal Q-Q")

    ax = fig.add_subplot(224)
    r = np.asarray(acf(zc, lags))[1:]
    k = np.arange(1, lags + 1)
    band = 1.959963984540054 / np.sqrt(zc.size)
    stems(ax, k, r)
    ax.fill_between(np.r_[0.5, k, lags + 0.5], -band, band, alpha=0.25, lw=0)
    ax.set_xlim(0.5, lags + 0.5)
    ax.set_title("Correlogram")
    return fig


def plot_forecast(res, steps, ax=None, exog=None, figsize=None):
    """The observed series, the forecast mean and its 80 % and 95 % prediction intervals (the fan).

    Parameters
    ----------
    res : ARIMAResults
    steps : int
        Forecast horizon.
    ax : matplotlib.axes.Axes, optional
        Draw into these axes instead of a new figure.
    exog : array_like, optional
        Future regressors (models with exog).
    figsize : (float, float), optional

    Returns
    -------
    matplotlib.figure.Figure
        The figure holding the axes.

    Notes
    -----
    The intervals are ``mean +- z sd`` of ``get_forecast(steps)`` (Gaussian, exact given the
    parameters): ``summary_frame(alpha=0.05)`` and ``summary_frame(alpha=0.2)``.
    """
    from .._validation import check_int
    from ..kernels._plot import figure

    steps = check_int(steps, "steps", minimum=1)
    fc = res.get_forecast(steps, exog)
    wide, narrow = fc.summary_frame(alpha=0.05), fc.summary_frame(alpha=0.2)
    model = res.model
    if ax is None:
        ax = figure(None, figsize).add_subplot(111)
    n = model.nobs_total
    x_hist = _x(model._index, n)
    x_fc = _x(wide.index if model._index is not None else None, steps, n)
    transform = getattr(model, "transform", None)  # a Box-Cox model: the data's scale, as the forecasts
    history = model.endog if transform is None else transform.inverse(model.endog)
    ax.plot(x_hist, history, color="0.2", lw=1.2, label="observed")
    ax.fill_between(x_fc, wide["mean_ci_lower"].to_numpy(), wide["mean_ci_upper"].to_numpy(), color="C0", alpha=0.2,
                    lw=0, label="95% interval")
    ax.fill_between(x_fc, narrow["mean_ci_lower"].to_numpy(), narrow["mean_ci_upper"].to_numpy(), color="C0",
                    alpha=0.35, lw=0, label="80% interval")
    ax.plot(x_fc, wide["mean"].to_numpy(), color="C0", lw=1.6, label="forecast")
    if model._name is not None:
        ax.set_ylabel(str(model._name))
    ax.legend(loc="upper left")
    return ax.figure
