"""A kernel driven by white noise: sample paths of the process ``y = k(e)`` (``Kernel.simulate``).

The filter starts at rest (zero history), so the first outputs are not yet stationary; the
start-up transient of a stable kernel decays like ``pole_radius ** t``, and a burn-in of
``ceil(log(tol) / log(pole_radius))`` steps plus the kernel's longest lag (the transient of a
FIR part) brings it below ``tol`` (1e-12) relative to the stationary scale.  Those draws are
thrown away (as ``statsmodels``' ``ArmaProcess.generate_sample(burnin=...)`` and R's
``arima.sim(n.start=...)`` do; R derives ``n.start`` from the AR roots the same way).
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["simulate", "burnin_length"]

#: Size of the start-up transient left after the burn-in, relative to the stationary scale.
BURNIN_TOL = 1e-12


def burnin_length(kernel, tol: float = BURNIN_TOL) -> int:
    """Draws to discard before a path of ``kernel`` driven by noise is stationary to ``tol``.

    ``ceil(log(tol) / log(rho)) + L`` with ``rho`` the pole radius and ``L`` the kernel's
    longest lag (numerator or denominator); ``L`` alone for a FIR kernel; 0 for a kernel with a
    pole on or outside the unit circle (an integrated process has no stationary distribution:
    its paths start at rest).
    """
    lag = int(max(np.max(np.abs(kernel.b_lags)) if kernel.b_lags.size else 0,
                  np.max(kernel.a_lags) if kernel.a_lags.size else 0))
    if kernel.is_fir:
        return lag
    rho = kernel.pole_radius
    if rho >= 1.0:
        return 0
    if rho == 0.0:
        return lag
    return int(math.ceil(math.log(tol) / math.log(rho))) + lag


def simulate(kernel, n: int, repetitions: int = 1, *, scale: float = 1.0, random_state=None, burnin=None,
             noise=None):
    """Sample paths ``y = k(e)`` with ``e`` i.i.d. ``N(0, scale**2)`` (see :meth:`Kernel.simulate`)."""
    from .._validation import check_int

    n = check_int(n, "n", minimum=1)
    repetitions = check_int(repetitions, "repetitions", minimum=1)
    if not (isinstance(scale, (int, float, np.floating)) and np.isfinite(scale) and scale >= 0):
        raise ValueError(f"scale={scale!r}: give a finite standard deviation >= 0")
    burn = burnin_length(kernel) if burnin is None else check_int(burnin, "burnin", minimum=0)
    lead = int(max(0, -np.min(kernel.b_lags))) if kernel.b_lags.size else 0  # a centred kernel reads ahead
    total = burn + n + lead
    rng = np.random.default_rng(random_state)
    if noise is None:
        e = scale * rng.standard_normal((repetitions, total))
    else:
        pool = np.asarray(noise, dtype=np.float64).ravel()
        pool = pool[np.isfinite(pool)]
        if pool.size == 0:
            raise ValueError("noise has no finite values to resample")
        e = rng.choice(pool, size=(repetitions, total), replace=True)
    y = kernel(e, axis=-1)[:, burn: burn + n]
    return y[0] if repetitions == 1 else np.ascontiguousarray(y.T)
