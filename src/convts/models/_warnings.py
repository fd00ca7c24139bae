"""The warning classes of :mod:`convts.models`: a leaf module every estimator imports.

One class for every estimator, path and backend, so that ``warnings.simplefilter("error",
convts.ConvergenceWarning)`` and :func:`convts.fit_many`'s status catch them all (statsmodels'
own ``ConvergenceWarning`` is never raised by convts).  It imports nothing from the package,
which breaks the import loop ``_spec -> _css/_mle/_other -> _results -> _spec``.
"""

from __future__ import annotations

__all__ = ["ConvergenceWarning"]


class ConvergenceWarning(UserWarning):
    """The optimiser did not converge, or converged to a point where the fit is unreliable
    (a root on the stationarity boundary, a Hessian that is not negative definite); the
    message says what to try."""
