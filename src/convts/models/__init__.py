"""ARIMA models built on kernels: specification, estimators (one file each), results."""

from .results import ARIMAResults, PredictionResults
from .spec import ARIMA
from .._warnings import ConvergenceWarning
from .batch import FitManyResult, fit_many, forecast_many
from ._auto_arima import auto_arima
from ._auto_arima_many import AutoArimaManyResult, auto_arima_many
from ._unitroot import ndiffs, nsdiffs
from ._boxcox import boxcox, boxcox_lambda, inv_boxcox
from ._fourier import fourier
from ._backtest import cross_validation, evaluate

__all__ = ["ARIMA", "ARIMAResults", "PredictionResults", "ConvergenceWarning", "fit_many", "forecast_many", "FitManyResult"]
__all__ += ["auto_arima", "ndiffs", "nsdiffs"]
__all__ += ["auto_arima_many", "AutoArimaManyResult"]
__all__ += ["boxcox", "inv_boxcox", "boxcox_lambda", "fourier"]
__all__ += ["cross_validation", "evaluate"]
