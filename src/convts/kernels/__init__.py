"""Kernels: rational lag polynomials ``B(L) / A(L)`` and their named constructors."""

from ._constructors import arma, comb, difference, echo, ewma, gaussian, integrate, moving_average
from ._kernel import Kernel, Roots
from ._levinson import LevinsonResult, acf_to_ar, levinson_durbin

__all__ = [
    "Kernel", "Roots", "LevinsonResult", "acf_to_ar", "levinson_durbin",
    "moving_average", "gaussian", "ewma", "difference", "integrate", "echo", "comb", "arma",
]
