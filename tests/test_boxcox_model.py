"""ARIMA(..., lambda_=..., biasadj=...) on AirPassengers equals R's formulas.

R (forecast package): ``Arima(x, lambda=l, biasadj=b)`` fits ``BoxCox(x, l)``;
``forecast.Arima`` returns ``InvBoxCox(mean, l, biasadj, fvar)`` and ``InvBoxCox`` of the interval
bounds, with ``fvar = ((upper - lower) / (2 qnorm(0.5 + level/200)))^2`` (the forecast variance on
the transformed scale).  The formulas are typed here from R's source:

    BoxCox(x, l)   = log(x)                      if l == 0, (x^l - 1) / l otherwise
    InvBoxCox(y, l) = exp(y)                     if l == 0, (l y + 1)^(1/l) otherwise
    biasadj:        InvBoxCox(y, l) * (1 + fvar (1 - l) / (2 InvBoxCox(y, l)^(2 l)))

and applied to a model fitted, without lambda_, to the series transformed by hand.  R's
``BoxCox.lambda(AirPassengers)`` is -0.2947156 (Guerrero).
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import norm

import convts

AIR = convts.datasets.load("airline")
ORDER = dict(order=(0, 1, 1), seasonal_order=(0, 1, 1, 12))


def _r_boxcox(x, lam):
    return np.log(x) if lam == 0 else (x**lam - 1) / lam


def _r_inv(y, lam, fvar=None):
    out = np.exp(y) if lam == 0 else (lam * y + 1) ** (1 / lam)
    if fvar is not None:
        out = out * (1 + fvar * (1 - lam) / (2 * out ** (2 * lam)))
    return out


@pytest.mark.parametrize("lam", [0.0, 0.5, -0.2947156])
@pytest.mark.parametrize("biasadj", [False, True])
def test_forecasts_equal_r_formulas(lam, biasadj):
    res = convts.ARIMA(AIR, lambda_=lam, biasadj=biasadj, **ORDER).fit()
    ref = convts.ARIMA(_r_boxcox(AIR, lam), **ORDER).fit()  # the transformed series, by hand
    # the transformed values differ in the last bits (scipy's boxcox vs the formula): the fits agree to
    # the optimiser's tolerance, and the comparisons below to 1e-7 (the bias adjustment moves the mean ~1e-3)
    np.testing.assert_allclose(res.params.to_numpy(), ref.params.to_numpy(), rtol=1e-6)
    h, level = 24, 80
    ours = res.get_forecast(h).summary_frame(alpha=1 - level / 100)
    t = ref.get_forecast(h).summary_frame(alpha=1 - level / 100)
    fvar = ((t["mean_ci_upper"] - t["mean_ci_lower"]) / (2 * norm.ppf(0.5 + level / 200))).to_numpy() ** 2
    want_mean = _r_inv(t["mean"].to_numpy(), lam, fvar if biasadj else None)
    np.testing.assert_allclose(ours["mean"].to_numpy(), want_mean, rtol=1e-7)
    np.testing.assert_allclose(ours["mean_ci_lower"].to_numpy(), _r_inv(t["mean_ci_lower"].to_numpy(), lam), rtol=1e-7)
    np.testing.assert_allclose(ours["mean_ci_upper"].to_numpy(), _r_inv(t["mean_ci_upper"].to_numpy(), lam), rtol=1e-7)
    np.testing.assert_allclose(res.forecast(h).to_numpy(), want_mean, rtol=1e-7)
    assert ours.index.equals(t.index)


def test_auto_lambda_is_r_boxcox_lambda():
    res = convts.ARIMA(AIR, lambda_="auto", **ORDER).fit()
    assert res.model.lambda_ == pytest.approx(-0.2947156, abs=1e-6)  # R: BoxCox.lambda(AirPassengers)


def test_simulations_and_appends_are_back_transformed():
    res = convts.ARIMA(AIR.iloc[:132], lambda_=0.0, **ORDER).fit()
    ref = convts.ARIMA(np.log(AIR.iloc[:132]), **ORDER).fit()
    # append takes levels and transforms them: the same as appending the logs to the log model
    np.testing.assert_allclose(res.append(AIR.iloc[132:]).forecast(6).to_numpy(),
                               np.exp(ref.append(np.log(AIR.iloc[132:])).forecast(6).to_numpy()), rtol=1e-10)
    # simulated paths are on the data's scale: their median is exp(log-scale mean)
    sims = np.asarray(res.simulate(3, repetitions=4000, random_state=0))
    med = np.exp(ref.get_forecast(3).predicted_mean.to_numpy())
    se = ref.get_forecast(3).se_mean.to_numpy()
    # standard error of a sample median of a lognormal: med * se * sqrt(pi / 2 / R)
    assert np.all(np.abs(np.median(sims, axis=1) - med) < 4 * med * se * np.sqrt(np.pi / 2 / 4000))
    sf = res.get_forecast(3).summary_frame(0.1, method="simulate", repetitions=4000, random_state=1)
    assert np.all(sf["mean_ci_lower"] < med) and np.all(med < sf["mean_ci_upper"])
    # apply keeps the fitted lambda
    assert res.apply(AIR.iloc[:100]).model.lambda_ == 0.0


def test_bad_lambda_and_nonpositive_data():
    with pytest.raises(ValueError, match="lambda_"):
        convts.ARIMA(AIR, lambda_="log", **ORDER)
    with pytest.raises(ValueError, match="lambda_"):
        convts.ARIMA(AIR, lambda_=np.inf, **ORDER)
    with pytest.raises(ValueError, match="endog with lambda_=0"):
        convts.ARIMA(AIR - 200.0, lambda_=0, **ORDER)
    with pytest.raises(ValueError, match="biasadj"):
        convts.ARIMA(AIR, lambda_=0, biasadj="yes", **ORDER)
