"""One module per estimation method; each takes a model, returns :class:`~convts.models.ARIMAResults`.

* :mod:`.mle` -- exact maximum likelihood ('mle', 'css-mle'): CSS start, then the exact likelihood
  (:mod:`..likelihood.exact`) by BFGS, in compiled code (:mod:`.compiled`) where that covers the
  model (:func:`.compiled.covers`), else scipy's L-BFGS-B (:func:`..optimize.minimize`);
* :mod:`.css` -- conditional sum of squares (R's ``method="CSS"``);
* :mod:`.direct` -- Yule-Walker, Burg, Hannan-Rissanen and Whittle (:mod:`.yule_walker`,
  :mod:`.burg`, :mod:`.hannan_rissanen`, :mod:`.whittle`), whose ``llf`` is the exact likelihood at
  their estimates.

:func:`fit` is what :meth:`convts.ARIMA.fit` calls; :func:`convts.fit_many` runs the same estimators
over rows.  The estimators never import :mod:`..spec` (the model is an argument).
"""

from __future__ import annotations


def fit(model, method: str, fixed: dict, kw: dict, start_params=None):
    """Fit ``model`` by ``method`` (validated by :meth:`convts.ARIMA.fit`)."""
    if method == "css":
        from .css import fit_css

        return fit_css(model, fixed, kw, start_params)
    if method in ("mle", "css-mle"):
        from .mle import fit_mle

        return fit_mle(model, fixed, kw, start_params, method)
    from .direct import fit_other

    return fit_other(model, method, fixed, kw)
