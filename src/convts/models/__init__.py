"""ARIMA models built on kernels: specification, estimators (one file each), results."""

from ._results import ARIMAResults, PredictionResults
from ._spec import ARIMA, ConvergenceWarning

__all__ = ["ARIMA", "ARIMAResults", "PredictionResults", "ConvergenceWarning"]
