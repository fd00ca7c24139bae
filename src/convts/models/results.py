"""ARIMAResults: statsmodels' names and meanings, forecasts from the state at the end of the sample."""

from __future__ import annotations

import math
from functools import cached_property

import numpy as np

from .likelihood.exact import loglike_parts
from .optimize import hessian
from .._warnings import ConvergenceWarning

__all__ = ["ARIMAResults", "PredictionResults"]


class PredictionResults:
    """Forecast means and standard errors (statsmodels' ``PredictionResults`` names).

    For a model of a transformed series (``transform``: an object with ``inverse(x, fvar=None)``
    and ``biasadj``) ``predicted_mean`` and the interval bounds are transformed back to the data's
    scale (R's ``forecast``: the bounds transformed, the mean bias-adjusted when ``biasadj``),
    while ``se_mean`` stays on the scale of the fitted model.
    """

    def __init__(self, mean, se, index, name=None, *, paths=None, transform=None):
        import pandas as pd

        self._index = index if index is not None else pd.RangeIndex(len(mean))
        self._mean_t = np.asarray(mean, dtype=np.float64)  # on the model's (transformed) scale
        self._paths = paths  # (repetitions, random_state, bootstrap) -> (steps, repetitions) model-scale paths
        self._transform = transform
        se = np.asarray(se, dtype=np.float64)
        adjust = transform is not None and transform.biasadj
        self.predicted_mean = pd.Series(self._back(self._mean_t, se**2 if adjust else None), index=self._index,
                                        name=name or "predicted_mean")
        self.se_mean = pd.Series(se, index=self._index, name="mean_se")
        self.var_pred_mean = self.se_mean**2

    def _back(self, x, fvar=None):
        return x if self._transform is None else self._transform.inverse(x, fvar)

    def conf_int(self, alpha: float = 0.05):
        import pandas as pd
        from scipy.stats import norm

        if not 0 < alpha < 1:
            raise ValueError(f"alpha={alpha}: give 0 < alpha < 1")
        z = norm.ppf(1 - alpha / 2)
        m, s = self._mean_t, self.se_mean.to_numpy()
        return pd.DataFrame({"lower": self._back(m - z * s), "upper": self._back(m + z * s)}, index=self._index)

    def summary_frame(self, alpha: float = 0.05, method: str = "analytic", repetitions: int = 1000,
                      random_state=None):
        """DataFrame with columns ``mean, mean_se, mean_ci_lower, mean_ci_upper``.

        Parameters
        ----------
        alpha : float
            The intervals' level is ``1 - alpha``.
        method : {'analytic', 'simulate', 'bootstrap'}
            ``'analytic'``: ``mean +- z se`` (Gaussian, exact given the parameters).
            ``'simulate'``: quantiles of ``repetitions`` simulated future paths with Gaussian
            shocks; ``'bootstrap'``: with shocks resampled from the residuals (R's
            ``forecast(..., bootstrap=TRUE)``).  Quantiles of type 8 as R's ``forecast.Arima``;
            ``mean`` stays the exact conditional mean and ``mean_se`` becomes the paths'
            standard deviation (model scale).
        repetitions : int
            Number of simulated paths (``'simulate'``, ``'bootstrap'``).
        random_state : None, int or numpy.random.Generator
            Seed of the simulation.
        """
        import pandas as pd

        if method == "analytic":
            ci = self.conf_int(alpha)
            lower, upper, se = ci["lower"].to_numpy(), ci["upper"].to_numpy(), self.se_mean.to_numpy()
        elif method in ("simulate", "bootstrap"):
            from .._validation import check_int
            from ._simulate import path_intervals

            if not 0 < alpha < 1:
                raise ValueError(f"alpha={alpha}: give 0 < alpha < 1")
            repetitions = check_int(repetitions, "repetitions", minimum=2)
            if self._paths is None:
                raise ValueError(f"method={method!r} needs the fitted results: use res.get_forecast(steps).summary_frame(...)")
            paths = self._paths(repetitions, random_state, method == "bootstrap")
            lo, hi = path_intervals(paths, alpha)
            lower, upper, se = self._back(lo), self._back(hi), paths.std(axis=1, ddof=1)
        else:
            raise ValueError(f"method={method!r}: use 'analytic', 'simulate' or 'bootstrap'")
        return pd.DataFrame({"mean": self.predicted_mean.to_numpy(), "mean_se": se,
                             "mean_ci_lower": lower, "mean_ci_upper": upper}, index=self._index)


class ARIMAResults:
    """Result of :meth:`convts.ARIMA.fit` (statsmodels' attribute names and meanings).

    ``params`` / ``bse`` are pandas Series indexed by :attr:`ARIMA.param_names`; ``llf`` is the
    exact log-likelihood of the differenced series (conditional for ``method='css'``); ``nobs``
    counts the non-missing differenced observations entering it; ``aic = -2 llf + 2 k``,
    ``bic = -2 llf + k log(nobs)``, ``aicc = aic + 2 k (k + 1) / (nobs - k - 1)`` with ``k`` the
    free parameters (sigma2 included).  ``resid`` and ``fittedvalues`` cover the observations
    after the first ``d + D*s`` (the likelihood's sample); ``resid`` are the one-step-ahead
    forecast errors (innovations of the Kalman filter; CSS residuals for ``method='css'``).
    """

    def __init__(self, model, params, *, method, llf, nobs, free, converged, resid_w, loglike,
                 optimizer=None, state=None, tol=1e-10, path="kalman"):
        import pandas as pd

        self.model = model
        self.method = method
        self._params = np.asarray(params, dtype=np.float64)
        self.params = pd.Series(self._params, index=model.param_names, name="params")
        self.llf = float(llf)
        self.nobs = int(nobs)
        self._free = free
        self.converged = bool(converged)
        self._resid_w = resid_w
        self._loglike = loglike
        self.mle_retvals = optimizer
        self._state = state
        self._tol = tol
        self._path = path
        self.fixed_params = list(free.fixed)

    # ------------------------------------------------------------------ basic statistics
    @property
    def sigma2(self) -> float:
        return float(self._params[-1])

    @property
    def df_model(self) -> int:
        """Number of estimated parameters (sigma2 included, fixed ones excluded)."""
        return self._free.k_free

    @property
    def aic(self) -> float:
        return -2.0 * self.llf + 2.0 * self.df_model

    @property
    def bic(self) -> float:
        return -2.0 * self.llf + self.df_model * math.log(self.nobs)

    @property
    def aicc(self) -> float:
        k, n = self.df_model, self.nobs
        return self.aic + 2.0 * k * (k + 1) / (n - k - 1) if n - k - 1 > 0 else np.inf

    @property
    def hqic(self) -> float:
        """``-2 llf + 2 k log(log(nobs))``, statsmodels' formula and values: ``-inf`` for
        ``nobs == 1`` (``log(log(1)) = -inf``), NaN for ``nobs == 0``."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return float(-2.0 * self.llf + 2.0 * self.df_model * np.log(np.log(float(self.nobs))))

    @cached_property
    def _cov_free(self):
        free = self._free
        y = self._params[free.free_idx]
        if not free.sigma2_fixed:
            y = np.r_[y, self._params[-1]]
        if y.size == 0:
            return np.zeros((0, 0))
        import warnings

        H = hessian(self._loglike, y)
        try:
            cov = np.linalg.inv(-H)
        except np.linalg.LinAlgError:
            warnings.warn("the Hessian of the log-likelihood is singular; standard errors are NaN "
                          "(an over-parameterised model, or parameters on a boundary)",
                          ConvergenceWarning, stacklevel=3)
            return np.full(H.shape, np.nan)
        names = [self.model.param_names[i] for i in free.free_idx] + ([] if free.sigma2_fixed else ["sigma2"])
        bad = [nm for nm, v in zip(names, np.diag(cov)) if not v > 0]
        sym = 0.5 * (H + H.T)
        if bad or not np.all(np.isfinite(sym)) or np.max(np.linalg.eigvalsh(sym)) >= 0:
            warnings.warn(
                f"the Hessian of the log-likelihood is not negative definite at the estimates (not a strict "
                f"maximum: a boundary, a flat direction, or a fit that did not converge); the covariance matrix is "
                f"unreliable" + (f" and the standard errors of {bad} are NaN" if bad else ""),
                ConvergenceWarning, stacklevel=3)
        return cov

    def cov_params(self):
        """Covariance of the estimates: inverse of the observed information (numerical Hessian).

        Fixed parameters get NaN rows and columns.  Computed on first use.
        """
        import pandas as pd

        free = self._free
        idx = list(free.free_idx) + ([] if free.sigma2_fixed else [self.model.k_params - 1])
        cov = np.full((self.model.k_params, self.model.k_params), np.nan)
        cov[np.ix_(idx, idx)] = self._cov_free
        return pd.DataFrame(cov, index=self.model.param_names, columns=self.model.param_names)

    @property
    def bse(self):
        import pandas as pd

        cov = self.cov_params().to_numpy()
        with np.errstate(invalid="ignore"):
            se = np.sqrt(np.diag(cov))
        return pd.Series(se, index=self.model.param_names, name="bse")

    @property
    def tvalues(self):
        return self.params / self.bse

    @property
    def pvalues(self):
        from scipy.stats import norm

        return 2 * norm.sf(np.abs(self.tvalues))

    def conf_int(self, alpha: float = 0.05):
        import pandas as pd
        from scipy.stats import norm

        z = norm.ppf(1 - alpha / 2)
        return pd.DataFrame({0: self.params - z * self.bse, 1: self.params + z * self.bse})

    # ------------------------------------------------------------------ residuals
    def _sample_index(self):
        m = self.model.k_diff
        idx = self.model._index
        return idx[m:] if idx is not None else None

    @property
    def resid(self):
        """One-step-ahead forecast errors for observations ``d + D*s, ..., n-1`` (NaN where missing)."""
        import pandas as pd

        return pd.Series(np.asarray(self._resid_w, dtype=np.float64), index=self._sample_index(), name="resid")

    @property
    def fittedvalues(self):
        """One-step-ahead predictions ``y - resid`` of the observations in :attr:`resid`."""
        import pandas as pd

        y = self.model.endog[self.model.k_diff:]
        return pd.Series(y - np.asarray(self._resid_w), index=self._sample_index(), name="fittedvalues")

    @property
    def kernel(self):
        """The fitted psi-weight Kernel ``theta(L)Theta(L^s) / (phi(L)Phi(L^s)(1-L)^d(1-L^s)^D)``."""
        return self.model.kernel(self._params)

    # ------------------------------------------------------------------ forecasting
    def _end_state(self):
        st = self._state
        if st is None or "a_end" not in st:
            st = loglike_parts(self.model, self._params, self._tol, keep=True, path=self._path)
            if st["nobs"] <= 0:
                raise ValueError("the fitted parameters are not stationary: the Kalman filter cannot forecast from them")
            self._state = st
        return st

    def get_forecast(self, steps: int = 1, exog=None) -> PredictionResults:
        """Forecasts ``steps`` ahead with standard errors (exact given the parameters).

        The mean and variance come from the Kalman state at the end of the sample
        (``a_{n+1|n}``, ``P_{n+1|n}``), propagated through the ARMA transition and the
        integration ``1 / ((1-L)^d (1-L^s)^D)``: the h-step error is
        ``B_h (a - a_hat) + sum_j psi*_j e_{n+h-j}``, ``psi*`` the psi weights of the whole
        integrated kernel (:attr:`kernel`), ``B_h = sum_i c_{h-i} e1' T^{i-1}`` with ``c`` the
        integration weights.  Once the filter has converged ``P = R R'`` and the variance is
        ``sigma2 * sum_{j<h} psi*_j**2``.

        ``exog`` as a dict ``{scenario: future exog}`` forecasts every scenario (each checked by
        column name and date) into one result indexed ``(scenario, period)``.
        """
        from .._validation import check_int

        if isinstance(exog, dict):  # scenarios: one forecast per future exog, one frame
            from ._scenarios import scenario_forecast

            return scenario_forecast(self, steps, exog)
        steps = check_int(steps, "steps", minimum=1)
        model = self.model
        X_future = model._regressors_future(steps, exog)
        st = self._end_state()
        p, d, q, P_, D, Q, s = model.order_tuple
        from ..kernels import integrate

        c = integrate(d, D, s if D else None).impulse_response(steps) if model.k_diff else np.r_[1.0, np.zeros(steps - 1)]
        if st.get("path") == "toeplitz":
            from .likelihood.toeplitz import forecast_w, sparse_acovf

            sl = model._slices
            gamma_full = sparse_acovf(*(np.ascontiguousarray(self._params[sl[g]]) for g in ("ar", "ma", "sar", "sma")),
                                      max(s, 1), st["w"].size + steps)
            w_hat, cov_w = forecast_w(st["w"], gamma_full, steps)
            C = np.zeros((steps, steps))
            for h in range(steps):
                C[h, : h + 1] = c[h::-1]
            var = self.sigma2 * np.einsum("hi,ij,hj->h", C, cov_w, C)
        else:
            phi, R, a, P = st["phi"], st["R"], st["a_end"], st["P_end"]
            r = phi.size
            # b_i = e1' T^{i-1}, i = 1..h
            b = np.zeros((steps, r))
            b[0, 0] = 1.0
            for i in range(1, steps):
                prev = b[i - 1]  # b_{i+1} = b_i T: (b T)_0 = b . phi, (b T)_j = b_{j-1}
                b[i, 0] = prev @ phi
                b[i, 1:] = prev[:-1]
            w_hat = b @ a
            B = np.empty((steps, r))
            for h in range(steps):
                B[h] = c[h::-1] @ b[: h + 1]
            psi_star = self.kernel.impulse_response(steps)
            cum = np.r_[0.0, np.cumsum(psi_star**2)][:steps]  # sum_{j<=h-2} for horizon h = 1..steps
            var = self.sigma2 * (np.einsum("hi,ij,hj->h", B, P, B) + cum)
        # mean: integrate w_hat from the last observed regression errors
        beta = self._params[model._slices["exog"]]
        u = model.endog - (model._X @ beta if model.k_exog else 0.0)
        m = model.k_diff
        if m:
            tail = u[-m:]
            if np.isnan(tail).any():
                raise ValueError(
                    f"the last {m} observations contain NaN; forecasting an integrated model needs them "
                    f"(fill them, or fit on the series up to the last complete stretch)"
                )
            lags = model.diff_kernel.ma_lags[1:]
            coefs = model.diff_kernel.ma_coefs[1:]
            hist = np.r_[tail, np.zeros(steps)]
            for h in range(steps):
                t = m + h
                hist[t] = w_hat[h] - float(coefs @ hist[t - lags])
            u_hat = hist[m:]
        else:
            u_hat = w_hat
        mean = u_hat + (X_future @ beta if model.k_exog else 0.0)
        from functools import partial

        from ._simulate import future_paths

        paths = partial(future_paths, self, steps, exog=exog, transformed=True)
        return PredictionResults(mean, np.sqrt(var), model._future_index(steps), name="predicted_mean", paths=paths,
                                 transform=getattr(model, "transform", None))

    def forecast(self, steps: int = 1, exog=None):
        """Point forecasts (a pandas Series indexed by the following periods; by ``(scenario, period)``
        when ``exog`` is a dict of scenarios)."""
        return self.get_forecast(steps, exog).predicted_mean

    # ------------------------------------------------------------------ new data (statsmodels' names)
    def append(self, endog, exog=None, refit: bool = False, fit_kwargs: dict | None = None) -> "ARIMAResults":
        """The results with new observations added after the sample (statsmodels' ``append``).

        Without ``refit`` the parameters stay and the Kalman filter goes on from its state at the
        end of the sample over the new values only (cost proportional to ``len(endog)``, never a
        re-filter of the history); ``llf``, ``nobs`` and ``resid`` then cover the whole series and
        forecasts start after the new end.  ``refit=True`` fits the model again on the whole
        series (``fit_kwargs`` go to :meth:`ARIMA.fit`).

        Parameters
        ----------
        endog : array_like or pandas.Series
            The new observations, in levels (NaN = missing).  A Series must continue the fitted
            index (the periods right after its end); an array is taken as those periods.
        exog : array_like or pandas.DataFrame, optional
            The regressors for the new periods (required when the model has exog; matched by
            column name and by date as in :meth:`forecast`).

        Raises
        ------
        ValueError
            An index that does not continue the sample, inf values, missing or mismatched exog.

        Examples
        --------
        >>> import numpy as np, convts
        >>> y = convts.kernels.arma(ar=[0.6])(np.random.default_rng(0).standard_normal(300))
        >>> res = convts.ARIMA(y[:250], order=(1, 0, 0)).fit()
        >>> new = res.append(y[250:])
        >>> new.nobs, len(new.resid)
        (300, 300)
        """
        from ._append import append

        return append(self, endog, exog, refit, fit_kwargs)

    def simulate(self, nsimulations: int, repetitions: int = 1, anchor: str = "end", random_state=None, exog=None):
        """Simulated paths of the fitted model (statsmodels' ``simulate`` names).

        Parameters
        ----------
        nsimulations : int
            Length of each path.
        repetitions : int
            Number of paths.
        anchor : {'end', 'start'}
            ``'end'``: the periods after the sample, continuing from the Kalman filter's state at
            its end (the paths are draws from the forecast distribution given the data).
            ``'start'``: the sample periods after the first ``d + D s``, the ARMA part started from
            its stationary (unconditional) distribution and integrated from the first observed values.
        random_state : None, int or numpy.random.Generator
        exog : array_like or DataFrame, optional
            Regressors of simulated periods after the sample (needed when the model has exog).

        Returns
        -------
        numpy.ndarray, pandas.Series or DataFrame
            Shape ``(nsimulations,)`` or ``(nsimulations, repetitions)``; pandas when the model
            has an index (the simulated periods), on the data's scale (Box-Cox undone).

        Examples
        --------
        >>> import numpy as np, convts
        >>> y = convts.kernels.arma(ar=[0.6])(np.random.default_rng(0).standard_normal(300))
        >>> res = convts.ARIMA(y, order=(1, 0, 0)).fit()
        >>> res.simulate(12, repetitions=100, random_state=1).shape
        (12, 100)
        """
        from ._simulate import simulate

        return simulate(self, nsimulations, repetitions, anchor, random_state, exog)

    def extend(self, endog, exog=None) -> "ARIMAResults":
        """Results for the new observations only, the filter started from this sample's end state.

        statsmodels' ``extend``: the same parameters; ``llf``, ``nobs`` and ``resid`` cover the new
        observations only (the model keeps the last ``d + D s`` old values as its pre-sample);
        forecasts equal those of :meth:`append`.  Cost proportional to ``len(endog)``.
        """
        from ._append import extend

        return extend(self, endog, exog)

    def apply(self, endog, exog=None, refit: bool = False, fit_kwargs: dict | None = None) -> "ARIMAResults":
        """The same model and parameters on another series (statsmodels' ``apply``).

        The filter starts from the stationary distribution on ``endog``; ``refit=True`` estimates
        the parameters on it instead.  Box-Cox models use the fitted ``lambda_``.
        """
        from ._append import apply

        return apply(self, endog, exog, refit, fit_kwargs)

    def __getstate__(self):
        """Pickle small: the series, parameters, residuals and end state (see ``models/_persist.py``)."""
        from ._persist import results_state

        return results_state(self)

    def __setstate__(self, state):
        from ._persist import restore_results

        restore_results(self, state)

    # ------------------------------------------------------------------ predictions, diagnostics, plots
    def get_prediction(self, start=None, end=None, dynamic=False, exog=None) -> PredictionResults:
        """In-sample predictions (one-step or dynamic) and out-of-sample forecasts, with standard errors.

        statsmodels' ``get_prediction``, for the levels of the series given to :class:`ARIMA`.

        Parameters
        ----------
        start, end : int or label, optional
            Positions (0-based, negative from the end) or index labels (dates, date strings).
            Default: ``start`` the first observation after the ``d + D*s`` that condition the
            differencing (where :attr:`resid` starts; earlier starts raise ``ValueError``),
            ``end`` the last observation; an ``end`` after the sample continues with forecasts.
        dynamic : bool, int or label
            ``False``: one-step predictions.  ``True``: dynamic from ``start``; an int: from
            ``start + dynamic`` (statsmodels' offset); a label: from that date.  From there on
            only the observations before it are used.
        exog : array_like, optional
            Future regressors when ``end`` is after the sample and the model has exog.

        Returns
        -------
        PredictionResults
            ``predicted_mean``, ``se_mean``, ``var_pred_mean``, ``conf_int(alpha)``,
            ``summary_frame(alpha)``.

        Notes
        -----
        Exact given the parameters: the Kalman filter of the likelihood on the differenced
        regression errors, its predictions integrated back to levels with the known lagged
        levels (so one-step predictions are ``y - resid``); a dynamic prediction is the
        forecast (as :meth:`get_forecast`) from the filter's state at its first period.  Where
        a lagged level the differencing needs is missing, the level prediction is NaN.
        statsmodels' ``SARIMAX(simple_differencing=True)`` at the same parameters predicts the
        differenced series: its predictions plus the lagged levels equal these.  A Box-Cox
        model predicts on the transformed scale and transforms means and bounds back, as
        :meth:`get_forecast` does.

        Examples
        --------
        >>> import numpy as np, convts
        >>> y = convts.kernels.arma(ar=[0.6])(np.random.default_rng(0).standard_normal(200))
        >>> res = convts.ARIMA(y, order=(1, 0, 0)).fit()
        >>> pred = res.get_prediction(start=150, dynamic=True)
        >>> list(pred.summary_frame().columns)
        ['mean', 'mean_se', 'mean_ci_lower', 'mean_ci_upper']
        >>> bool(np.allclose(res.predict(), res.fittedvalues))  # one-step predictions
        True
        """
        from ._predict import predictions

        mean, se, index = predictions(self, start, end, dynamic, exog)
        return PredictionResults(mean, se, index, name="predicted_mean",
                                 transform=getattr(self.model, "transform", None))

    def predict(self, start=None, end=None, dynamic=False, exog=None):
        """``get_prediction(start, end, dynamic, exog).predicted_mean`` (a pandas Series)."""
        return self.get_prediction(start, end, dynamic, exog).predicted_mean

    @property
    def standardized_residuals(self):
        """One-step errors over their standard deviations ``v_t / sqrt(sigma2 F_t)`` of the exact filter
        at the estimates (statsmodels' ``standardized_forecasts_error``, which has 0 where this has NaN:
        a missing observation), indexed as :attr:`resid`."""
        from ._predict import standardized_residuals

        return standardized_residuals(self)

    def test_serial_correlation(self, method="ljungbox", df_adjust=False, lags=None):
        """Ljung-Box (or Box-Pierce) test of :attr:`standardized_residuals`; statsmodels' shape and defaults.

        Parameters
        ----------
        method : {'ljungbox', 'boxpierce'}
        df_adjust : bool
            Subtract the estimated parameters other than ``sigma2`` from each lag's degrees of freedom.
        lags : int or list of int, optional
            Default ``min(10, nobs // 5)``, ``min(2 s, nobs // 5)`` for a seasonal model.

        Returns
        -------
        ndarray, shape (1, 2, n_lags)
            Statistics (``[0, 0]``) and p-values (``[0, 1]``) per lag, as statsmodels'
            ``MLEResults.test_serial_correlation``.

        Notes
        -----
        ``statsmodels.stats.diagnostic.acorr_ljungbox`` (Ljung and Box 1978) on the residuals; a
        missing observation's residual counts as 0 (statsmodels' standardized forecast errors).
        """
        from ._predict import serial_correlation_test

        return serial_correlation_test(self, method, df_adjust, lags)

    def plot_diagnostics(self, figsize=None, lags=10, fig=None):
        """statsmodels' four diagnostic panels: standardized residuals, histogram with a kernel
        density and N(0, 1), normal Q-Q plot, correlogram.  Returns the matplotlib Figure
        (matplotlib is an optional dependency: ``pip install 'convts[plot]'``)."""
        from ._plotting import plot_diagnostics

        return plot_diagnostics(self, figsize=figsize, lags=lags, fig=fig)

    def plot_forecast(self, steps, ax=None, exog=None, figsize=None):
        """The observed series, the forecast mean and its 80 % and 95 % intervals (:meth:`get_forecast`).

        Draws into ``ax`` when given, else a new figure; returns the Figure (matplotlib is an
        optional dependency: ``pip install 'convts[plot]'``).
        """
        from ._plotting import plot_forecast

        return plot_forecast(self, steps, ax=ax, exog=exog, figsize=figsize)

    # ------------------------------------------------------------------ reports
    def summary(self) -> str:
        """A readable text table: model, fit statistics, parameters with standard errors."""
        model = self.model
        p, d, q = model.order
        P, D, Q, s = model.seasonal_order
        name = f"ARIMA({p}, {d}, {q})" + (f"x({P}, {D}, {Q}, {s})" if (P or D or Q) else "")
        lines = ["convts ARIMA results".center(78), "=" * 78]
        left = [("Model", name), ("Method", self.method), ("Trend", model.trend),
                ("No. observations", str(self.nobs)), ("Converged", str(self.converged))]
        right = [("Log likelihood", f"{self.llf:.4f}"), ("AIC", f"{self.aic:.4f}"), ("BIC", f"{self.bic:.4f}"),
                 ("AICc", f"{self.aicc:.4f}"), ("sigma2", f"{self.sigma2:.6g}")]
        for (a, b_), (c_, d_) in zip(left, right):
            lines.append(f"{a + ':':<20}{b_:>18}    {c_ + ':':<18}{d_:>18}")
        lines.append("=" * 78)
        lines.append(f"{'':<14}{'coef':>12}{'std err':>12}{'z':>10}{'P>|z|':>10}{'[0.025':>10}{'0.975]':>10}")
        lines.append("-" * 78)
        bse = self.bse
        from scipy.stats import norm

        for nm in model.param_names:
            coef, se = self.params[nm], bse[nm]
            z = coef / se if se and np.isfinite(se) else np.nan
            pv = 2 * norm.sf(abs(z)) if np.isfinite(z) else np.nan
            fixed = " (fixed)" if nm in self.fixed_params else ""
            lines.append(f"{nm:<14}{coef:>12.4f}{se:>12.4f}{z:>10.3f}{pv:>10.3f}"
                         f"{coef - 1.96 * se:>10.3f}{coef + 1.96 * se:>10.3f}{fixed}")
        lines.append("=" * 78)
        if model.k_diff:
            lines.append("Exact likelihood of the differenced series (statsmodels SARIMAX simple_differencing=True; R arima).")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<ARIMAResults {self.model!r} method={self.method!r} llf={self.llf:.4f}>"

    def compare_statsmodels(self, steps: int = 12, exog=None, cov_type: str = "approx"):
        """Fit the same model with statsmodels and return a side-by-side DataFrame.

        statsmodels settings: ``SARIMAX(endog, exog=[trend columns, exog], order, seasonal_order,
        trend='n', simple_differencing=True).fit(cov_type=cov_type)`` -- the same exact likelihood
        of the differenced series with the trend as regression columns (as statsmodels' ``ARIMA``
        does).  Forecasts in levels come from ``SARIMAX(..., simple_differencing=False,
        use_exact_diffuse=True)`` at statsmodels' estimates (with ``simple_differencing=True``
        statsmodels forecasts the differenced series).  statsmodels' *default* ``ARIMA`` uses an
        approximate diffuse start (variance 1e6) for the integrated states when ``d + D > 0``: its
        likelihood is not the one here and its estimates can differ, materially on large-scale series.

        Returns
        -------
        pandas.DataFrame
            Rows: parameters (``param:...``), standard errors (``bse:...``), ``llf`` and
            forecasts (``forecast:h``, ``forecast_se:h``); columns ``convts``, ``statsmodels``,
            ``difference``.  ``frame.attrs['statsmodels']`` names the settings used.
        """
        import warnings

        import pandas as pd
        from statsmodels.tsa.statespace.sarimax import SARIMAX

        model = self.model
        X = model._X if model.k_exog else None
        p, d, q = model.order
        P, D, Q, s = model.seasonal_order
        sorder = (P, D, Q, s) if (P or D or Q) else (0, 0, 0, 0)
        kw = dict(order=(p, d, q), seasonal_order=sorder, trend="n")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            sm = SARIMAX(model.endog, exog=X, simple_differencing=True, **kw)
            fixed = {sm.param_names[i]: v for i, (nm, v) in enumerate(self.params.items()) if nm in self.fixed_params}
            if fixed:
                with sm.fix_params(fixed):
                    sres = sm.fit(disp=0, cov_type=cov_type, maxiter=1000)
            else:
                sres = sm.fit(disp=0, cov_type=cov_type, maxiter=1000)
            smp = np.asarray(sres.params)
            smb = np.asarray(sres.bse)
            lev = SARIMAX(model.endog, exog=X, simple_differencing=False, use_exact_diffuse=True, **kw)
            sm_fc = lev.filter(smp).get_forecast(steps, exog=(model._regressors_future(steps, exog) if X is not None else None))
        ours_fc = self.get_forecast(steps, exog)
        rows, ours, theirs = [], [], []
        for i, nm in enumerate(model.param_names):
            rows.append(f"param:{nm}")
            ours.append(self._params[i])
            theirs.append(smp[i])
        bse = self.bse.to_numpy()
        for i, nm in enumerate(model.param_names):
            rows.append(f"bse:{nm}")
            ours.append(bse[i])
            theirs.append(smb[i])
        rows.append("llf")
        ours.append(self.llf)
        theirs.append(float(sres.llf))
        for h in range(steps):
            rows += [f"forecast:{h + 1}", f"forecast_se:{h + 1}"]
            ours += [ours_fc.predicted_mean.iloc[h], ours_fc.se_mean.iloc[h]]
            theirs += [float(np.asarray(sm_fc.predicted_mean)[h]), float(np.sqrt(np.asarray(sm_fc.var_pred_mean)[h]))]
        frame = pd.DataFrame({"convts": ours, "statsmodels": theirs}, index=rows)
        frame["difference"] = frame["convts"] - frame["statsmodels"]
        setting = (f"SARIMAX(order={(p, d, q)}, seasonal_order={sorder}, trend='n', exog=[{', '.join(model.param_names[:model.k_exog])}], "
                   f"simple_differencing=True).fit(cov_type={cov_type!r}); forecasts: SARIMAX(simple_differencing=False, "
                   f"use_exact_diffuse=True) at those params")
        frame.attrs["statsmodels"] = setting
        frame.attrs["title"] = f"convts ({self.method}) vs statsmodels: {setting}"
        return frame
