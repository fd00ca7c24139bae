"""Figures, screenshot-free: built with the Agg backend, then their artists are counted and the
data they draw is compared with independent computations (statsmodels' acf, scipy's freqz and
normal density, the forecast's summary frame)."""

from __future__ import annotations

import sys
import warnings

import numpy as np
import pandas as pd
import pytest

import convts

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.collections import LineCollection, PolyCollection  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def airline():
    y = np.log(convts.datasets.load("airpassengers"))
    return convts.ARIMA(y, order=(0, 1, 1), seasonal_order=(0, 1, 1, 12)).fit()


def _band_limits(collection):
    v = np.concatenate([p.vertices for p in collection.get_paths()])
    return v[:, 1].min(), v[:, 1].max()


def test_plot_diagnostics_draws_statsmodels_four_panels(airline):
    from scipy import stats
    from statsmodels.tsa.stattools import acf

    fig = airline.plot_diagnostics(figsize=(9, 7), lags=12)
    assert len(fig.axes) == 4
    titles = [ax.get_title() for ax in fig.axes]
    assert titles == ["Standardized residual", "Histogram plus estimated density", "Normal Q-Q", "Correlogram"]
    z = airline.standardized_residuals.to_numpy()
    assert z.size == 144 - 13
    # 1. residuals over time and the zero line
    ax = fig.axes[0]
    assert len(ax.lines) == 2
    np.testing.assert_array_equal(ax.lines[0].get_ydata(), z)
    # 2. density histogram (area 1), the KDE and the N(0, 1) density
    ax = fig.axes[1]
    assert len(ax.patches) >= 5 and len(ax.lines) == 2
    area = sum(p.get_width() * p.get_height() for p in ax.patches)
    assert area == pytest.approx(1.0)
    x, dens = ax.lines[1].get_data()
    np.testing.assert_allclose(dens, stats.norm.pdf(x))
    np.testing.assert_allclose(ax.lines[0].get_ydata(), stats.gaussian_kde(z)(ax.lines[0].get_xdata()))
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["Hist", "KDE", "N(0,1)"]
    # 3. Q-Q: ordered residuals against normal quantiles, and the standardized line
    ax = fig.axes[2]
    assert len(ax.lines) == 2
    np.testing.assert_allclose(ax.lines[0].get_ydata(), np.sort(z))
    q = ax.lines[0].get_xdata()
    assert q[0] < -2 < 2 < q[-1]
    # 4. correlogram: 12 stems at statsmodels' autocorrelations, the +-1.96/sqrt(n) band
    ax = fig.axes[3]
    stems = [c for c in ax.collections if isinstance(c, LineCollection)]
    bands = [c for c in ax.collections if isinstance(c, PolyCollection)]
    assert len(stems) == 1 and len(bands) == 1
    tops = np.array([seg[1][1] for seg in stems[0].get_segments()])
    np.testing.assert_allclose(tops, acf(z, nlags=12, fft=False)[1:], atol=1e-12)
    lo, hi = _band_limits(bands[0])
    assert hi == pytest.approx(1.959963984540054 / np.sqrt(z.size)) and lo == pytest.approx(-hi)
    assert tuple(fig.get_size_inches()) == (9, 7)


def test_plot_diagnostics_leaves_out_missing_residuals_and_checks_lags():
    y = convts.kernels.arma(ar=[0.5])(np.random.default_rng(1).standard_normal(120))
    y[[10, 11]] = np.nan
    res = convts.ARIMA(y, order=(1, 0, 0)).fit()
    fig = res.plot_diagnostics()
    assert np.isnan(fig.axes[0].lines[0].get_ydata()).sum() == 2  # gaps in the time plot
    assert fig.axes[2].lines[0].get_xdata().size == 118
    with pytest.raises(ValueError, match="lags"):
        res.plot_diagnostics(lags=0)
    target = plt.figure()
    assert res.plot_diagnostics(fig=target) is target and len(target.axes) == 4


def test_plot_forecast_draws_history_mean_and_the_80_95_fan(airline):
    fig = airline.plot_forecast(18)
    (ax,) = fig.axes
    assert len(ax.lines) == 2 and len(ax.collections) == 2
    observed, mean = ax.lines
    np.testing.assert_array_equal(observed.get_ydata(), airline.model.endog)
    fc = airline.get_forecast(18)
    np.testing.assert_allclose(mean.get_ydata(), fc.predicted_mean.to_numpy())
    assert pd.Timestamp(mean.get_xdata()[0]) == pd.Timestamp("1961-01-01")
    for band, alpha in zip(ax.collections, (0.05, 0.2)):
        sf = fc.summary_frame(alpha=alpha)
        assert isinstance(band, PolyCollection)
        lo, hi = _band_limits(band)
        assert lo == pytest.approx(sf["mean_ci_lower"].min()) and hi == pytest.approx(sf["mean_ci_upper"].max())
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["observed", "95% interval", "80% interval",
                                                                   "forecast"]


def test_plot_forecast_into_given_axes_with_period_index_and_arrays():
    y = np.log(convts.datasets.load("airpassengers"))
    yp = pd.Series(y.to_numpy(), index=pd.period_range("1949-01", periods=144, freq="M"))
    res = convts.ARIMA(yp, order=(1, 1, 0)).fit()
    fig, axes = plt.subplots(1, 2)
    assert res.plot_forecast(6, ax=axes[1]) is fig
    assert len(axes[1].lines) == 2 and len(axes[0].lines) == 0
    res_arr = convts.ARIMA(y.to_numpy(), order=(1, 1, 0)).fit()
    ax = res_arr.plot_forecast(4).axes[0]
    np.testing.assert_array_equal(ax.lines[1].get_xdata(), [144, 145, 146, 147])
    with pytest.raises(ValueError, match="steps"):
        res_arr.plot_forecast(0)


@pytest.mark.parametrize("kernel,n_taps", [
    (convts.kernels.arma(ar=[0.5], ma=[0.4]), None),
    (convts.kernels.moving_average(5), 5),
    (convts.kernels.arma(ma=[-0.4]) * convts.kernels.integrate(1), 50),  # not decaying: 50 weights
])
def test_kernel_plot_draws_impulse_and_gain(kernel, n_taps):
    from scipy.signal import freqz

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an infinite gain (the integrator at 0) is drawn blank, quietly
        fig = kernel.plot(n_freq=256)
    imp, gain = fig.axes
    assert imp.get_title() == "Impulse response" and gain.get_title() == "Gain |H|"
    (stems,) = imp.collections
    tops = np.array([seg[1][1] for seg in stems.get_segments()])
    if n_taps is not None:
        assert tops.size == n_taps
    np.testing.assert_allclose(tops, kernel.impulse_response(tops.size), atol=1e-14)
    with np.errstate(divide="ignore", invalid="ignore"):
        w, h = freqz(kernel.b, kernel.a, worN=256)
    x, g = gain.lines[0].get_data()
    np.testing.assert_allclose(x, w)
    finite = np.isfinite(np.abs(h))
    np.testing.assert_allclose(g[finite], np.abs(h)[finite], rtol=1e-10)
    assert np.isnan(g[~finite]).all()


def test_kernel_plot_default_length_of_a_stable_iir_kernel_and_arguments():
    k = convts.kernels.arma(ar=[0.5])
    fig = k.plot()
    n = len(fig.axes[0].collections[0].get_segments())
    assert 2 * 0.5**n <= 1e-4 and n < 40  # the neglected tail sum_{j>=n} 0.5**j is below 1e-4
    assert len(convts.kernels.arma(ar=[0.999]).plot().axes[0].collections[0].get_segments()) == 200
    with pytest.raises(ValueError, match="n"):
        k.plot(n=0)


def test_without_matplotlib_the_message_says_how_to_install(monkeypatch, airline):
    for name in [m for m in sys.modules if m == "matplotlib" or m.startswith("matplotlib.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    for call in (lambda: airline.plot_forecast(3), lambda: airline.plot_diagnostics(),
                 lambda: convts.kernels.ewma(alpha=0.3).plot()):
        with pytest.raises(ImportError, match=r"convts\[plot\]"):
            call()
