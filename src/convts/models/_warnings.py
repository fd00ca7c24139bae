"""The warning classes of :mod:`convts.models`: a leaf module every estimator imports.

They are defined once, in :mod:`convts._warnings` (below every layer), so that
``warnings.simplefilter("error", convts.ConvergenceWarning)`` and :func:`convts.fit_many`'s status
catch every estimator, path and backend.  This module imports nothing else from the package,
which breaks the import loop ``_spec -> _css/_mle/_other -> _results -> _spec``.
"""

from __future__ import annotations

from .._warnings import ConvergenceWarning

__all__ = ["ConvergenceWarning"]
