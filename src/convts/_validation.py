"""Turn user input into clean float arrays, or raise a clear error.

Every public function validates here once; backends then receive plain contiguous
float32/float64 arrays.
"""

from __future__ import annotations

import numbers

import numpy as np

__all__ = [
    "as_float_array", "check_axis", "check_int", "check_finite_taps", "check_nan_policy",
    "is_constant", "check_no_overflow",
]

_NAN_POLICIES = ("propagate", "omit", "raise")


def _array_module(x):
    """Return the array module of ``x`` (numpy, or cupy for a CuPy array)."""
    mod = type(x).__module__
    if mod.startswith("cupy"):
        import cupy

        return cupy
    return np


def as_float_array(x, name: str = "x", *, ndim: tuple[int, ...] | None = (1, 2), allow_empty: bool = False):
    """Return ``x`` as a float64 (or float32) array without modifying the caller's data.

    Integer and boolean input is cast to float64; float32 stays float32; complex and object
    input raise ``TypeError``.  pandas objects are accepted and their values used.
    The result may share memory with ``x``: callers must not write into it.
    """
    xp = _array_module(x)
    if hasattr(x, "to_numpy") and xp is np:  # pandas Series / DataFrame
        x = x.to_numpy()
    if xp is np:
        try:
            arr = np.asarray(x)
        except ValueError as exc:  # ragged nested sequences
            raise ValueError(
                f"{name} could not be made into an array ({exc}); pass a 1-D series or a 2-D batch whose "
                f"rows all have the same length"
            ) from None
    else:
        arr = x
    kind = arr.dtype.kind
    if kind == "c":
        raise TypeError(f"{name} is complex ({arr.dtype}); convts filters real series: pass x.real and x.imag separately")
    if kind in "OUSVMm":
        raise TypeError(
            f"{name} has dtype {arr.dtype}, which is not numeric; convert it first, "
            f"e.g. pd.to_numeric(x, errors='coerce') or x.astype(float)"
        )
    if arr.dtype == xp.float32:
        pass
    elif kind == "f" and arr.dtype.itemsize == 4:  # float32 in the other byte order stays float32
        arr = arr.astype(xp.float32)
    elif arr.dtype != xp.float64:
        arr = arr.astype(xp.float64)
    if ndim is not None and arr.ndim not in ndim:
        raise ValueError(f"{name} must have {' or '.join(map(str, ndim))} dimension(s), got shape {arr.shape}")
    if not allow_empty and arr.size == 0:
        raise ValueError(f"{name} is empty (shape {arr.shape}); pass at least one observation")
    return arr


def check_axis(axis: int, ndim: int, name: str = "axis") -> int:
    """Normalise ``axis`` for an array of ``ndim`` dimensions."""
    if not isinstance(axis, numbers.Integral):
        raise TypeError(f"{name}={axis!r}: {name} must be an integer")
    if not -ndim <= axis < ndim:
        raise ValueError(f"{name}={axis} is out of range for an array with {ndim} dimension(s); use -1 for the last axis")
    return int(axis) % ndim


def check_int(value, name: str, minimum: int | None = None, maximum: int | None = None) -> int:
    """Check that ``value`` is an integer within bounds and return it as ``int``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        else:
            raise TypeError(f"{name}={value!r}: {name} must be an integer")
    value = int(value)
    if minimum is not None and value < minimum:
        raise ValueError(f"{name}={value}: {name} must be >= {minimum}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name}={value}: {name} must be <= {maximum}")
    return value


def check_finite_taps(taps, name: str = "taps") -> np.ndarray:
    """Return ``taps`` as a non-empty, finite, real 1-D float64 array."""
    arr = np.asarray(taps)
    if arr.dtype.kind == "c":
        raise TypeError(f"{name} are complex; convts kernels have real coefficients")
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{name} have dtype {arr.dtype}; pass numbers")
    arr = np.atleast_1d(arr.astype(np.float64))
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"{name} are empty; a kernel needs at least one coefficient")
    if not np.all(np.isfinite(arr)):
        bad = np.flatnonzero(~np.isfinite(arr))
        raise ValueError(f"{name} contain non-finite values at positions {bad.tolist()}; coefficients must be finite")
    return arr


def check_nan_policy(nan_policy: str) -> str:
    """Check ``nan_policy`` is one of 'propagate', 'omit', 'raise'."""
    if nan_policy not in _NAN_POLICIES:
        raise ValueError(f"nan_policy={nan_policy!r}: use one of {_NAN_POLICIES}")
    return nan_policy


def is_constant(var, mean, n):
    """True where a variance is zero up to the rounding of computing it: ``var <= n eps var + (n eps mean)**2``.

    scikit-learn's ``_is_constant_feature`` rule, the error bound of the two-pass variance
    (Chan, Golub & LeVeque, "Algorithms for computing the sample variance", 1983): a column of
    ``0.1`` has a computed variance of 7.7e-34, not 0, because its computed mean is off by one
    unit in the last place.  Works elementwise on arrays of ``var`` and ``mean``.
    """
    eps = np.finfo(np.float64).eps
    var = np.asarray(var, dtype=np.float64)
    mean = np.asarray(mean, dtype=np.float64)
    return var <= n * eps * var + (n * mean * eps) ** 2


def check_no_overflow(values, x, name: str = "x", what: str = "its variance") -> None:
    """Raise ``ValueError`` when ``values`` computed from the finite ``x`` overflowed to inf/NaN.

    A single 1e300 makes a sum of squares overflow float64; the error names the input, its
    largest magnitude, and says to rescale, instead of letting NaN/inf reach a solver.
    """
    if np.all(np.isfinite(values)):
        return
    finite = np.asarray(x)[np.isfinite(x)]
    big = float(np.abs(finite).max()) if finite.size else float("nan")
    raise ValueError(
        f"{name} is too large to compute {what} in float64 (its largest magnitude is {big:.3g}; squares "
        f"overflow above ~1.3e154): rescale it first, e.g. {name} / np.abs({name}).max(), or remove the outlier"
    )


def raise_if_nonfinite(x, name: str = "x") -> None:
    """Raise ``ValueError`` naming how many values of ``x`` are NaN/inf and where the first is."""
    xp = _array_module(x)
    bad = ~xp.isfinite(x)
    count = int(bad.sum())
    if count:
        first = np.unravel_index(int(xp.argmax(bad.ravel())), x.shape)
        first = first[0] if len(first) == 1 else tuple(int(i) for i in first)
        raise ValueError(
            f"{name} contains {count} NaN/inf value(s) (first at index {first}); "
            f"clean them, or pass nan_policy='omit' to skip them or 'propagate' to let them spread"
        )


def infer_offset(index):
    """The frequency of a DatetimeIndex as a pandas offset: its ``freq``, or the inferred one, or None.

    One place for ``pd.infer_freq``: it returns a string on pandas 2 and warns on pandas 3 that
    it will return an offset; here it is always an offset (pandas 2 and 3 alike).
    """
    import contextlib

    import pandas as pd

    if not isinstance(index, pd.DatetimeIndex):
        return None
    if index.freq is not None:
        return index.freq
    if len(index) < 3:
        return None
    try:
        ctx = pd.option_context("future.infer_freq_returns_offset", True)
        ctx.__enter__()
    except (KeyError, pd.errors.OptionError):  # pandas < 3: no such option, strings returned
        ctx = contextlib.nullcontext()
    try:
        freq = pd.infer_freq(index)
    except (TypeError, ValueError):
        freq = None
    finally:
        ctx.__exit__(None, None, None)
    return None if freq is None else pd.tseries.frequencies.to_offset(freq)
