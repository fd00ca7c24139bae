"""Library-wide options: numba flags, thread use and engine thresholds.

Options live here, not in scattered environment variables. Change them for a block of
code with :func:`set_options` (a context manager) or for the session with
:func:`set_options` used as a plain call; :func:`reset` restores the defaults.

Examples
--------
>>> import convts
>>> with convts.set_options(numba_parallel=False):
...     convts.get_option("numba_parallel")
False
>>> convts.get_option("numba_parallel")
True
"""

from __future__ import annotations

import contextlib
import copy
from typing import Any

_DEFAULTS: dict[str, Any] = {
    # Numba: cache compiled kernels on disk (first call in a new process ~0.5 s instead of ~1 s).
    "numba_cache": True,
    # Numba: fastmath lets the compiler reassociate sums (vectorised FIR loops); results differ
    # from the sequential sum by rounding only.
    "numba_fastmath": True,
    # Share large calls over threads (convts' own pool of NUMBA_NUM_THREADS - 1 threads running
    # the nogil kernels): only when the work pays for it and no more threads than cores free
    # at the moment of the call (another busy process leaves one).
    "numba_parallel": True,
    # numba's threading layer for any parallel=True code in the process, set when convts first
    # loads numba unless NUMBA_THREADING_LAYER is in the environment: 'workqueue' (numba's own,
    # threads sleep between jobs).  'default' would take OpenMP here (no TBB), whose workers
    # spin after each job: a 1-thread call burned 7.5 ms CPU for 3.5 ms wall.  Read once.
    "numba_threading_layer": "workqueue",
    # Worker threads for scipy.fft (-1: the cores free at the call, for calls large enough to
    # pay for threads; 1 otherwise).
    "fft_workers": -1,
    # Default truncation tolerance for IIR kernels applied through their psi weights.
    "impulse_tol": 1e-12,
    # Show a progress bar in long batch fits (None: only in an interactive terminal).
    "progress": None,
}

_options: dict[str, Any] = copy.deepcopy(_DEFAULTS)


def get_option(name: str) -> Any:
    """Return the current value of option ``name``."""
    if name not in _options:
        raise KeyError(f"unknown option {name!r}; known options: {sorted(_options)}")
    return _options[name]


class set_options(contextlib.AbstractContextManager):
    """Set options, for the session or (as a context manager) for a block.

    Parameters
    ----------
    **options
        ``numba_cache``, ``numba_fastmath``, ``numba_parallel``, ``numba_threading_layer``,
        ``fft_workers``, ``impulse_tol``, ``progress``.
    """

    def __init__(self, **options: Any) -> None:
        unknown = set(options) - set(_options)
        if unknown:
            raise KeyError(f"unknown option(s) {sorted(unknown)}; known options: {sorted(_options)}")
        self._old = {k: _options[k] for k in options}
        _options.update(options)

    def __exit__(self, *exc: Any) -> None:
        _options.update(self._old)


def reset() -> None:
    """Restore every option to its default."""
    _options.clear()
    _options.update(copy.deepcopy(_DEFAULTS))


def options() -> dict[str, Any]:
    """Return a copy of all current options."""
    return dict(_options)
