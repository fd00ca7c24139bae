"""The Box-Cox transformation of an ARIMA model's series (``ARIMA(..., lambda_=..., biasadj=...)``).

R's ``Arima(x, lambda=, biasadj=)`` / ``forecast``: the model is fitted to ``BoxCox(x, lambda)``;
forecasts and interval bounds come back through ``InvBoxCox`` (the bounds one by one, a
monotone map of quantiles), the mean bias-adjusted with the forecast variance when ``biasadj``
(:func:`._boxcox.inv_boxcox`).  ``lambda_='auto'`` is :func:`._boxcox.boxcox_lambda` (Guerrero's
method, R's ``BoxCox.lambda``) with the model's seasonal period.
"""

from __future__ import annotations

from ._boxcox import boxcox, boxcox_lambda, inv_boxcox

__all__ = ["BoxCox", "box_cox_for"]


class BoxCox:
    """``forward`` / ``inverse`` of one fitted lambda (a picklable value object)."""

    def __init__(self, lambda_: float, biasadj: bool):
        self.lambda_ = float(lambda_)
        self.biasadj = bool(biasadj)

    def forward(self, x):
        return boxcox(x, self.lambda_)

    def inverse(self, y, fvar=None):
        """``InvBoxCox(y)``; the bias-adjusted mean when ``fvar`` (the variance of ``y``) is given."""
        return inv_boxcox(y, self.lambda_, biasadj=fvar is not None, fvar=fvar)

    def model_kwargs(self) -> dict:
        return dict(lambda_=self.lambda_, biasadj=self.biasadj)

    def __repr__(self) -> str:
        return f"BoxCox(lambda_={self.lambda_:.6g}, biasadj={self.biasadj})"


def box_cox_for(endog, lambda_, biasadj, period: int) -> BoxCox:
    """The transformation asked for: ``lambda_`` a number, or ``'auto'`` (Guerrero with ``period``,
    else the period of ``endog``'s index as :func:`boxcox_lambda` infers it)."""
    if not isinstance(biasadj, bool):
        raise ValueError(f"biasadj={biasadj!r}: give True (the forecast mean) or False (the median)")
    if isinstance(lambda_, str):
        if lambda_ != "auto":
            raise ValueError(f"lambda_={lambda_!r}: give a number (0 is the logarithm), 'auto' or None")
        lambda_ = boxcox_lambda(endog, m=period if period >= 2 else None)
    if isinstance(lambda_, bool):
        raise ValueError(f"lambda_={lambda_!r}: give a number (0 is the logarithm), 'auto' or None")
    boxcox(1.0, lambda_)  # validates lambda_ (a finite number), naming it
    return BoxCox(lambda_, biasadj)
