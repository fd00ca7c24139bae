"""convts: time-series analytics as 1-D convolutions.

Moving averages, differencing, echoes, AR and ARMA filters and whole ARIMA models are lag
polynomials ``B(L) / A(L)`` applied to a series.  convts makes them objects
(:class:`Kernel`), applies them with the right algorithm on the right executor
(:func:`convolve`), and builds exact ARIMA fitting, whitening and a pandas accessor on top.

``import convts`` registers the ``.conv`` pandas accessor and imports no optional backend:
numba kernels compile (or load from cache) on first use, CuPy and Dask load only when used.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING

from . import datasets, kernels
from . import accessor  # registers .conv
from ._config import get_option, reset, set_options
from ._warnings import (ConvergenceWarning, RankDeficientWarning, UndefinedStatisticWarning,
                        UnstableKernelWarning)
from .engine import acf, acovf, ccf, convolve, correlate, pacf, steady_state
from .engine import rolling_corr, rolling_cov, rolling_std, rolling_var
from .kernels import Kernel, acf_to_ar
from . import whiten
from .whiten import prewhitened_ccf

if TYPE_CHECKING:  # the models load on first use: they import numba (~0.3 s)
    from . import models
    from .models import ARIMA, ARIMAResults, FitManyResult, fit_many, forecast_many
    from .models import auto_arima, ndiffs, nsdiffs
    from .models import AutoArimaManyResult, auto_arima_many
    from .models import boxcox, boxcox_lambda, fourier, inv_boxcox
    from .models import cross_validation, evaluate

_LAZY_MODELS = ("ARIMA", "ARIMAResults", "FitManyResult", "fit_many", "forecast_many")
_LAZY_MODELS += ("auto_arima", "ndiffs", "nsdiffs")
_LAZY_MODELS += ("auto_arima_many", "AutoArimaManyResult")
_LAZY_MODELS += ("boxcox", "inv_boxcox", "boxcox_lambda", "fourier")
_LAZY_MODELS += ("cross_validation", "evaluate")


def __getattr__(name: str):
    """Load ``convts.models`` (and numba) on first access of a model name."""
    if name in _LAZY_MODELS or name == "models":
        import importlib

        models = importlib.import_module(".models", __name__)
        value = models if name == "models" else getattr(models, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'convts' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_LAZY_MODELS) | {"models"})


try:
    __version__ = version("convts")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0"


def warmup(*, progress: bool = False) -> None:
    """Compile (or load from numba's on-disk cache) all of convts' numba code now.

    Compiles the engine kernels (direct FIR, moving sums, AR recursion, acf lag products, float64
    and float32) and the models' compiled code: the exact-ML fit (CSS by Levenberg-Marquardt,
    BFGS, the Kalman likelihood), forecasts and standard errors, ``method='css'``, the scipy
    L-BFGS-B path (fixed parameters; the Toeplitz likelihood of long seasonal periods) and
    ``fit_many``, by running each once on a small series.  Use it when building an image or in
    CI (``convts warmup`` on the command line), so that no later process compiles.

    With an empty cache this takes about a minute of CPU on one core (docs/performance.md,
    "Cold start"); with a filled cache about a second.  The cache lives next to the package
    (``__pycache__``), or in the user-wide folder numba falls back to when that is read-only;
    ``NUMBA_CACHE_DIR`` chooses another.

    Parameters
    ----------
    progress : bool
        Show progress on stderr: a tqdm bar when tqdm is installed, else one line per group.
    """
    from . import _warmup

    _warmup.run(progress)


__all__ = [
    "Kernel", "kernels", "ARIMA", "ARIMAResults", "acf_to_ar", "convolve", "correlate", "steady_state",
    "acf", "acovf", "pacf", "ccf", "datasets", "warmup",
    "get_option", "set_options", "reset", "__version__",
    "whiten", "prewhitened_ccf",
    "fit_many", "forecast_many", "FitManyResult",
]
__all__ += ["auto_arima", "ndiffs", "nsdiffs"]
__all__ += ["auto_arima_many", "AutoArimaManyResult"]
__all__ += ["boxcox", "inv_boxcox", "boxcox_lambda", "fourier"]
__all__ += ["cross_validation", "evaluate"]
__all__ += ["rolling_var", "rolling_std", "rolling_cov", "rolling_corr"]
__all__ += ["ConvergenceWarning", "RankDeficientWarning", "UndefinedStatisticWarning", "UnstableKernelWarning"]
