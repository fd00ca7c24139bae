"""Exact Gaussian likelihood of the differenced series at a model's parameters; free-parameter bookkeeping.

Shared by the estimators and the results: :func:`choose_path` picks the Kalman filter or
Durbin-Levinson on the autocovariances; :func:`loglike_parts` runs it; :class:`FreeParams` maps
the optimiser's vector (free parameters, optionally transformed to enforce
stationarity/invertibility) to the model's full parameter vector; :func:`root_problem` names a
polynomial outside the stationary/invertible region.
"""

from __future__ import annotations

import numpy as np

from .kalman import arma_loglike, kalman_arma, scaled_llf, state_space, stationary_cov
from .transforms import constrain_stationary, is_stationary, unconstrain_stationary

_EMPTY = np.zeros(0)


def choose_path(model, requested: str = "auto") -> str:
    """'kalman' or 'toeplitz' (Durbin-Levinson on the autocovariances; complete series only).

    ``auto`` takes the Toeplitz path when the series is complete and the Kalman filter's
    O(n r^2) (plus O(r^3) for the initial covariance) exceeds Durbin-Levinson's O(n^2):
    long seasonal periods such as s = 365.
    """
    if requested not in ("auto", "kalman", "toeplitz"):
        raise ValueError(f"likelihood={requested!r}: use 'auto', 'kalman' or 'toeplitz'")
    complete = not np.isnan(model._dy).any()
    if requested == "toeplitz" and not complete:
        raise ValueError("likelihood='toeplitz' needs a complete series; missing values need the Kalman filter")
    if requested != "auto":
        return requested
    p, d, q, P, D, Q, s = model.order_tuple
    r = max(p + P * s, q + Q * s + 1)
    n = model._dy.size
    return "toeplitz" if complete and r >= 40 and n * r * r / 2 + 10 * r**3 > 4 * n * n else "kalman"


def loglike_parts(model, params, tol=1e-10, keep=False, path="kalman"):
    """Run the filter at the full parameter vector ``params`` (sigma2 entry ignored).

    Returns a dict with ``ssq`` (sum v^2/F on the unit scale), ``slog`` (sum log F), ``nobs``
    and, with ``keep``, the innovations ``v``, their variances ``F`` and the end state.
    ``nobs == -1`` when the filter broke down (non-stationary parameters).
    """
    w = model._dy
    if model.k_exog:
        w = w - model._dX @ params[model._slices["exog"]]
    sl = model._slices
    if path == "toeplitz":
        from .toeplitz import levinson_loglike, pole_radius, sparse_acovf

        phi, theta = model.polynomials(params)
        rho = pole_radius(params[sl["ar"]], params[sl["sar"]], model.seasonal_order[3])
        if rho >= 1.0:
            return dict(ssq=np.nan, slog=np.nan, nobs=-1)
        gamma = sparse_acovf(*(np.ascontiguousarray(params[sl[g]]) for g in ("ar", "ma", "sar", "sma")),
                             max(model.seasonal_order[3], 1), w.size)
        if not np.isfinite(gamma[0]):
            return dict(ssq=np.nan, slog=np.nan, nobs=-1)
        v = np.empty(w.size) if keep else _EMPTY
        F = np.empty(w.size) if keep else _EMPTY
        ssq, slog, nobs = levinson_loglike(w, gamma, v, F)
        out = dict(ssq=ssq, slog=slog, nobs=int(nobs), path=path)
        if keep:
            out.update(v=v, F=F, w=w, phi=phi, theta=theta, rho=rho, params=params.copy())
        return out
    if not keep:
        ssq, slog, nobs = arma_loglike(w, params[sl["ar"]], params[sl["sar"]], params[sl["ma"]], params[sl["sma"]],
                                       model.seasonal_order[3], tol)
        return dict(ssq=ssq, slog=slog, nobs=int(nobs))
    phi, theta = model.polynomials(params)
    ph, R = state_space(phi, theta)
    P0 = stationary_cov(ph, R)
    r = ph.size
    a_end = np.empty(r)
    P_end = np.empty((r, r))
    if not np.isfinite(P0[0, 0]):
        return dict(ssq=np.nan, slog=np.nan, nobs=-1)
    v = np.empty(w.size)
    F = np.empty(w.size)
    ssq, slog, nobs = kalman_arma(w, ph, R, P0, tol, v, F, a_end, P_end)
    return dict(ssq=ssq, slog=slog, nobs=int(nobs), v=v, F=F, a_end=a_end, P_end=P_end, phi=ph, R=R, path=path)


def full_llf(parts, sigma2: float) -> float:
    """Log-likelihood of :func:`loglike_parts` at the scale ``sigma2`` (``-inf`` if undefined)."""
    return scaled_llf(float(parts["ssq"]), float(parts["slog"]), int(parts["nobs"]), float(sigma2))


class FreeParams:
    """The optimiser's view of the parameters: free entries (no sigma2), optionally transformed."""

    GROUPS = ("ar", "ma", "sar", "sma")

    def __init__(self, model, fixed: dict, transform: bool = True, enforce_stationarity: bool = True,
                 enforce_invertibility: bool = True):
        self.model = model
        names = model.param_names
        self.fixed = fixed
        self.sigma2_fixed = "sigma2" in fixed
        base = np.full(model.k_params, np.nan)
        for nm, val in fixed.items():
            base[names.index(nm)] = val
        self.base = base
        s2 = model._slices["sigma2"].start
        self.free_idx = np.array([i for i, nm in enumerate(names) if nm not in fixed and i != s2], dtype=np.int64)
        # transformed groups: those with every member free
        self.tgroups = []
        for g in self.GROUPS:
            sl = model._slices[g]
            if sl.stop == sl.start:
                continue
            enforce = enforce_stationarity if g in ("ar", "sar") else enforce_invertibility
            if transform and enforce and all(names[i] not in fixed for i in range(sl.start, sl.stop)):
                pos = np.searchsorted(self.free_idx, np.arange(sl.start, sl.stop))
                self.tgroups.append((g, pos))

    @property
    def k_free(self) -> int:
        return self.free_idx.size + (0 if self.sigma2_fixed else 1)

    def full(self, x_constrained) -> np.ndarray:
        out = self.base.copy()
        out[self.free_idx] = x_constrained
        return out

    def constrain(self, x):
        y = np.array(x, dtype=np.float64)
        for g, pos in self.tgroups:
            c = constrain_stationary(y[pos])
            y[pos] = c if g in ("ar", "sar") else -c
        return y

    def unconstrain(self, y):
        x = np.array(y, dtype=np.float64)
        for g, pos in self.tgroups:
            v = x[pos]
            x[pos] = unconstrain_stationary(v if g in ("ar", "sar") else -v)
        return x

    def admissible(self, y, margin: float = 0.0) -> list[str]:
        """Names of the transformed groups whose values in ``y`` are not stationary/invertible."""
        bad = []
        for g, pos in self.tgroups:
            v = y[pos]
            if not is_stationary(v if g in ("ar", "sar") else -v, margin):
                bad.append(g)
        return bad


_GROUP_LABELS = {"ar": ("AR", "stationary", -1.0), "ma": ("MA", "invertible", 1.0),
                 "sar": ("seasonal AR", "stationary", -1.0), "sma": ("seasonal MA", "invertible", 1.0)}


def smallest_roots(model, params, groups=("ar", "ma", "sar", "sma")) -> list:
    """``[(group, label, what, modulus, names)]``: the smallest root modulus (in ``L``) of each factor.

    Checked per factor (``phi(L)``, ``theta(L)``, ``Phi(L^s)``, ``Theta(L^s)``) in ``groups``; a
    root ``z`` of a seasonal factor in ``L^s`` is ``|z|^(1/s)`` in ``L``.  Groups without
    coefficients are skipped.  A factor of degree one has the root ``-1 / c`` (what
    ``np.roots`` returns for it, without the eigenvalue call).
    """
    sl = model._slices
    s = max(model.seasonal_order[3], 1)
    out = []
    for group, (label, what, sign) in _GROUP_LABELS.items():
        if group not in groups:
            continue
        coefs = np.asarray(params[sl[group]], dtype=np.float64)
        if not coefs.size or not np.any(coefs):
            continue
        if not np.all(np.isfinite(coefs)):
            out.append((group, label, what, np.nan, model.param_names[sl[group]]))
            continue
        step = s if group in ("sar", "sma") else 1
        if coefs.size == 1:
            modulus = float(abs(-1.0 / (sign * float(coefs[0]))) ** (1.0 / step))
        else:
            roots = np.roots(np.r_[1.0, sign * coefs][::-1])
            modulus = float(np.min(np.abs(roots)) ** (1.0 / step)) if roots.size else np.inf
        out.append((group, label, what, modulus, model.param_names[sl[group]]))
    return out


def root_problem(model, params, margin: float = 0.0, groups=("ar", "ma", "sar", "sma")) -> str | None:
    """A sentence naming the first factor with a root of modulus ``<= 1 + margin`` (in ``L``), else None.

    E.g. ``"the AR polynomial (ar.L1) is not stationary: it has a root of modulus 0.9524 (on or
    inside the unit circle)"``.
    """
    for group, label, what, modulus, names in smallest_roots(model, params, groups):
        if not np.isfinite(modulus):
            return f"the {label} coefficients ({', '.join(names)}) are not finite"
        if modulus <= 1.0 + margin:
            where = "on or inside the unit circle" if modulus <= 1.0 else f"within {margin:g} of the unit circle"
            return (f"the {label} polynomial ({', '.join(names)}) is not {what}: it has a root of modulus "
                    f"{modulus:.6g} ({where})")
    return None
