"""Executors.  Every backend module exposes the same functions with the same signatures:

``fir_direct(x, lags, coefs, start, out)``
    ``out[:, i] = sum_k coefs[k] * x[:, start + i - lags[k]]`` (x is 0 outside its range).
``fir_uniform(x, lo, hi, weight, start, out)``
    The same for ``coefs[k] == weight`` at every lag in ``lo..hi`` (running sum), NaN/inf
    included: they spread exactly as in ``fir_direct`` with no check by the caller.
``fft_full(x, b)`` / ``oa_full(x, b)``
    Full linear convolution of each row with dense taps ``b``, by one FFT or by overlap-add.
``oa_into(x, b, i0, out, zero_nonfinite=False)``
    ``out[:, i] = full[:, i0 + i]`` (zero outside ``full``) by overlap-add written straight
    into ``out``, a bounded group of blocks at a time (``_overlap_add``: the one block-size
    rule and block loop of every backend); NaN/inf read as 0 when ``zero_nonfinite``.
``ar_recursion(u, lags, coefs, zi, out)``
    ``out[:, t] = u[:, t] + zi[:, t] - sum_k coefs[k] * out[:, t - lags[k]]`` (``zi`` added for
    ``t < zi.shape[1]``; ``lags >= 1``).

Arrays are 2-D ``(n_series, T)``, C-contiguous, float32 or float64; ``out`` is allocated by
the caller.  Backends are imported on first use (``get_backend``), so ``import convts`` never
imports numba or cupy.
"""

from __future__ import annotations

import importlib

_NAMES = ("numpy", "numba", "cupy")
_LOADED: dict = {}  # name -> module, once imported (importlib's lookup cost ~5 us a call)


def get_backend(name: str):
    """Return the backend module ``name`` ('numpy', 'numba' or 'cupy'), importing it on first use."""
    mod = _LOADED.get(name)
    if mod is not None:
        return mod
    if name not in _NAMES:
        raise ValueError(f"backend={name!r}: use one of 'auto', {', '.join(map(repr, _NAMES))}")
    try:
        mod = _LOADED[name] = importlib.import_module(f"convts.backends._{name}")
        return mod
    except ImportError as exc:
        extra = {"cupy": " (pip install 'convts[gpu]' on a machine with a CUDA GPU)"}.get(name, "")
        raise ImportError(f"backend {name!r} is not available: {exc}{extra}") from exc


def available(name: str) -> bool:
    """True when backend ``name`` can be imported (and, for cupy, a GPU is present)."""
    try:
        mod = get_backend(name)
    except ImportError:
        return False
    return bool(getattr(mod, "AVAILABLE", True))
