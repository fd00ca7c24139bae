"""Whitening: standardize, decorrelate channels, prewhiten in time, and the prewhitened CCF.

White noise has zero mean, unit variance, and no correlation, across channels and in time.
Estimators follow scikit-learn's conventions (``__init__`` stores parameters, ``fit`` returns
``self``, learned attributes end in ``_``, ``transform`` / ``inverse_transform`` /
``fit_transform``, ``get_params`` / ``set_params``, ``get_feature_names_out``, ``set_output``,
2-D input only, NaN/inf refused in ``fit`` and ``transform``) without depending on scikit-learn;
its ``check_estimator`` passes and they work in its ``Pipeline``:

- :class:`Standardizer`: per-channel centring and scaling (mean/std or median/MAD).
- :class:`PCAWhitener`, :class:`ZCAWhitener`: decorrelation along the eigenvectors of the
  channel covariance; ZCA keeps each output closest to its input channel.
- :class:`ARPrewhitener`: the FIR ``1 - phi(L)`` of a fitted AR model (order by AIC/BIC).
- :func:`prewhitened_ccf`: Box-Jenkins prewhitened, two-sided cross-correlation with bands.
- :func:`whiten`: time and channel whitening of a DataFrame in one call.

Layering: uses the kernels and the engine (and ``convts.ARIMA`` for ``method='mle'``, imported
when used); nothing below imports this package.
"""

from ._base import NotFittedError
from ._ccf import prewhitened_ccf, whiten
from ._channels import PCAWhitener, RankDeficientWarning, Standardizer, ZCAWhitener
from ._temporal import ARPrewhitener, default_max_order

__all__ = [
    "Standardizer", "PCAWhitener", "ZCAWhitener", "ARPrewhitener",
    "prewhitened_ccf", "whiten", "NotFittedError", "default_max_order", "RankDeficientWarning",
]
