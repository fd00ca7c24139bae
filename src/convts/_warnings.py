"""Every warning class convts raises, in one leaf module that any layer may import.

Each is a real subclass of :class:`UserWarning` or :class:`RuntimeWarning`, so users can filter
one kind (``warnings.simplefilter("error", convts.ConvergenceWarning)``) or all of a category.
The classes are re-exported from ``convts`` and from the module that raises them.
"""

from __future__ import annotations

__all__ = ["ConvergenceWarning", "RankDeficientWarning", "UndefinedStatisticWarning", "UnstableKernelWarning"]


class ConvergenceWarning(UserWarning):
    """The optimiser did not converge, or converged to a point where the fit is unreliable
    (a root on the stationarity boundary, a Hessian that is not negative definite); the
    message says what to try.  statsmodels' own ``ConvergenceWarning`` is never raised by convts."""


class UnstableKernelWarning(RuntimeWarning):
    """An explosive IIR kernel (a pole of modulus > 1) was applied: the output grows geometrically."""


class UndefinedStatisticWarning(RuntimeWarning):
    """A statistic came back NaN because it is undefined for the input: the series is constant
    (up to rounding, see :func:`convts._validation.is_constant`), or it holds NaN and
    ``nan_policy='propagate'``.  The message names the input and what to do."""


class RankDeficientWarning(RuntimeWarning):
    """The data do not span all their channels: a constant channel (Standardizer) or collinear
    channels (PCA/ZCA whitening, covariance eigenvalues zero up to rounding)."""
