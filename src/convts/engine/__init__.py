"""The engine: validate once, choose a method, dispatch to a backend."""

from ._ar import ARFit, burg, yule_walker
from ._convolve import METHODS, MODES, UnstableKernelWarning, as_kernel, convolve, correlate, steady_state
from ._stats import UndefinedStatisticWarning, acf, acovf, ccf, ccovf, pacf
from ._rolling import rolling_corr, rolling_cov, rolling_std, rolling_var

__all__ = [
    "convolve", "correlate", "steady_state", "as_kernel", "MODES", "METHODS",
    "acf", "acovf", "pacf", "ccf", "ccovf", "yule_walker", "burg", "ARFit", "UndefinedStatisticWarning", "UnstableKernelWarning",
]
__all__ += ["rolling_var", "rolling_std", "rolling_cov", "rolling_corr"]
