"""R's ``auto.arima`` searches as generators of fit requests, and R's information criteria.

Every series' search (:func:`_stepwise`, :func:`_grid`) follows forecast's ``R/newarima2.R``
step for step and *asks* for fits instead of running them: it yields the candidates it needs
next (the start set as one request, then one neighbour at a time, as R's first-improvement
restarts need) and receives their information criteria.  A request is ``(stage, p, q, P, Q,
constant, method)``, ``stage`` one of ``"offset"`` (R's approximation offset), ``"search"``,
``"refit"`` (exact ML after an approximate search) and ``"check"`` (R's variance check on the
model to return).  :func:`_ic` and :func:`_min_root` are R's ``myarima`` criterion and root
check; :func:`_label`, :func:`_row` and :func:`_trace_frame` the trace's format.
"""

from __future__ import annotations

import math

import numpy as np


def _one(req):
    """Ask for one fit; returns its IC."""
    ics = yield [req]
    return ics[0]


def _offset(st):
    """R's offset ``-2 loglik - n log(sigma2)`` of the ML fit of ARIMA(0,d,0)(0,D,0) (0 if it fails)."""
    yield [("offset", 0, 0, 0, 0, st.d + st.D == 0, "css-mle")]
    f = st.fits.get((0, 0, 0, 0, st.d + st.D == 0, "offset"))
    off = 0.0
    if f is not None and f.params is not None and np.isfinite(f.llf):
        s2 = f.params[-1]
        if s2 > 0:
            off = -2.0 * f.llf - st.n_obs * math.log(s2)
    st.offset = off if np.isfinite(off) else 0.0


def _stepwise(st):
    """R's stepwise search (forecast's ``auto.arima``, ``stepwise = TRUE``) as a generator of requests."""
    o = st.opts
    max_p, max_q, max_P, max_Q = st.caps
    approx = st.approximation
    meth = o.method or ("css" if approx else "css-mle")
    if approx:
        yield from _offset(st)
    allowdrift = o.allowdrift and st.d + st.D == 1
    allowmean = o.allowmean and st.d + st.D == 0
    constant = allowdrift or allowmean

    start_p, start_q, start_P, start_Q = o.start_p, o.start_q, o.start_P, o.start_Q
    if st.x.size < 10:
        start_p, start_q, start_P, start_Q = min(start_p, 1), min(start_q, 1), 0, 0
    p = min(start_p, max_p)
    q = min(start_q, max_q)
    P = min(start_P, max_P)
    Q = min(start_Q, max_Q)
    results: list[tuple] = []  # (p, q, P, Q, constant, ic), R's results matrix

    # the start set: its fits do not depend on each other's IC, so they are asked for together
    start = [(p, q, P, Q, constant), (0, 0, 0, 0, constant)]
    if max_p > 0 or max_P > 0:
        start.append((int(max_p > 0), 0, int(st.m > 1 and max_P > 0), 0, constant))
    if max_q > 0 or max_Q > 0:
        start.append((0, int(max_q > 0), 0, int(st.m > 1 and max_Q > 0), constant))
    if constant:
        start.append((0, 0, 0, 0, False))
    # R fits a start model again if it repeats one (e.g. all caps 0); the later one then never wins (strict <)
    ics = yield [("search", *c, meth) for c in start]
    best_ic = math.inf
    best = None
    for c, ic in zip(start, ics):
        results.append((*c, ic))
        if best is None or ic < best_ic:
            best_ic, best = ic, c
    p, q, P, Q, _ = best  # R keeps `constant` even when the start model without it wins

    def new(c):
        return not any(r[:5] == c for r in results)

    moves = ((0, 0, -1, 0), (0, 0, 0, -1), (0, 0, 1, 0), (0, 0, 0, 1), (0, 0, -1, -1), (0, 0, -1, 1),
             (0, 0, 1, -1), (0, 0, 1, 1), (-1, 0, 0, 0), (0, -1, 0, 0), (1, 0, 0, 0), (0, 1, 0, 0),
             (-1, -1, 0, 0), (-1, 1, 0, 0), (1, -1, 0, 0), (1, 1, 0, 0))
    k = len(results)
    startk = 0
    stopped_early = False
    while startk < k and k < o.nmodels:
        startk = k
        improved = False
        for dp, dq, dP, dQ in moves:
            c = (p + dp, q + dq, P + dP, Q + dQ, constant)
            if not (0 <= c[0] <= max_p and 0 <= c[1] <= max_q and 0 <= c[2] <= max_P and 0 <= c[3] <= max_Q):
                continue
            if not new(c):
                continue
            k += 1
            if k > o.nmodels:
                stopped_early = True
                break
            ic = yield from _one(("search", *c, meth))
            results.append((*c, ic))
            if ic < best_ic:
                best_ic, best = ic, c
                p, q, P, Q = c[:4]
                improved = True
                break
        if improved or stopped_early:
            continue
        if allowdrift or allowmean:
            c = (p, q, P, Q, not constant)
            if new(c):
                k += 1
                if k > o.nmodels:
                    stopped_early = True
                    continue
                ic = yield from _one(("search", *c, meth))
                results.append((*c, ic))
                if ic < best_ic:
                    best_ic, best = ic, c
                    constant = not constant
    if stopped_early:
        st.warnings.append(f"the stepwise search stopped at the model limit nmodels={o.nmodels}")

    if approx and st.fits.get((*best, meth)) is not None and st.fits[(*best, meth)].params is not None:
        # refit by exact ML in IC order (R's order(): stable), the first with a finite IC wins
        for i in sorted(range(len(results)), key=lambda i: results[i][5]):
            c = results[i][:5]
            ic = yield from _one(("refit", *c, "css-mle"))
            if ic < math.inf:
                yield from _one(("polish", *c, "css-mle"))
                st.best = (*c, "css-mle")
                return
        st.warnings.append("no candidate could be refitted by exact ML with a finite IC; returning the best "
                           "approximate (CSS) fit, as R does")
        st.best = (*best, meth)
        return
    # no approximation: R's variance check on the model to return (see _var_ok); the next best otherwise
    for i in sorted(range(len(results)), key=lambda i: results[i][5]):
        if results[i][5] == math.inf:
            break
        c = results[i][:5]
        yield from _one(("polish", *c, meth))
        ic = yield from _one(("check", *c, meth))
        if ic < math.inf:
            st.best = (*c, meth)
            return
    if meth == "css" and st.fits.get((*best, meth)) is not None and st.fits[(*best, meth)].params is not None:
        st.best = (*best, meth)
        return
    raise ValueError("No suitable ARIMA model found (every candidate failed or had a root near the unit circle)")


def _grid(st, approx=None):
    """R's ``search.arima``: every order with ``p+q+P+Q <= max_order``, constant fastest."""
    o = st.opts
    max_p, max_q, max_P, max_Q = st.caps
    approx = st.approximation if approx is None else approx
    meth = o.method or ("css" if approx else "css-mle")
    if approx and st.offset == 0.0:
        yield from _offset(st)
    allow_constant = (o.allowdrift and st.d + st.D == 1) or (o.allowmean and st.d + st.D == 0)
    cands = [(p, q, P, Q, K == 1)
             for p in range(max_p + 1) for q in range(max_q + 1) for P in range(max_P + 1) for Q in range(max_Q + 1)
             if p + q + P + Q <= o.max_order for K in range(int(allow_constant) + 1)]
    ics = yield [("search", *c, meth) for c in cands]
    order = sorted(range(len(cands)), key=lambda i: ics[i])  # stable: the first of equal ICs, as R's strict <
    if not order or ics[order[0]] == math.inf:
        raise ValueError("No suitable ARIMA model found (every candidate failed or had a root near the unit circle)")
    best = cands[order[0]]
    if approx:
        ic = yield from _one(("refit", *best, "css-mle"))
        if ic == math.inf:
            st.approximation = False
            yield from _grid(st, approx=False)
            return
        yield from _one(("polish", *best, "css-mle"))
        st.best = (*best, "css-mle")
        return
    for i in order:
        if ics[i] == math.inf:
            break
        yield from _one(("polish", *cands[i], meth))
        ic = yield from _one(("check", *cands[i], meth))
        if ic < math.inf:
            st.best = (*cands[i], meth)
            return
    raise ValueError("No suitable ARIMA model found (every candidate failed or had a root near the unit circle)")


def _min_root(ar, sar, ma, sma, m, above=1.01):
    """Smallest modulus of the roots of the expanded AR and MA polynomials (2.0 when there are none;
    ``above`` when every root's modulus exceeds it, found by the Schur-Cohn test without root
    finding: the candidates that pass R's 1.01 check cost no ``np.roots``); -1.0 when not finite."""
    from .likelihood.transforms import is_stationary

    minroot = 2.0
    for reg, seas, sign in ((ar, sar, -1.0), (ma, sma, 1.0)):
        if reg.size == 0 and seas.size == 0:
            continue
        a = np.r_[1.0, sign * reg]
        if seas.size:
            s = np.zeros(seas.size * m + 1)
            s[0] = 1.0
            s[m::m] = sign * seas
            a = np.convolve(a, s)
        nz = np.flatnonzero(np.abs(a[1:]) > 1e-8)
        if nz.size:
            coefs = a[: nz[-1] + 2]
            if np.all(np.isfinite(coefs)) and is_stationary(-coefs[1:], above - 1.0):
                minroot = min(minroot, above)
                continue
            roots = np.roots(coefs[::-1])
            if not np.all(np.isfinite(roots)):
                return -1.0
            minroot = min(minroot, float(np.min(np.abs(roots))))
    return minroot


def _ic(st, npar, method, llf, sigma2, offset):
    """R's ``myarima`` IC from the likelihood (ML) or the CSS variance: (value, status)."""
    nstar = st.n_ic - st.d - st.D * st.m
    if method == "css":
        aic = offset + nstar * math.log(sigma2) if sigma2 > 0 else -math.inf
        aic += 2 * npar
    else:
        aic = -2.0 * llf + 2 * npar
    if not np.isfinite(aic):
        return math.inf, "non-finite likelihood or variance"
    if st.ic == "aic":
        ic = aic
    elif st.ic == "bic":
        ic = aic + npar * (math.log(nstar) - 2.0)
    else:
        denom = nstar - npar - 1
        ic = aic + 2.0 * npar * (npar + 1) / denom if denom > 0 else math.inf
    if not np.isfinite(ic):
        return math.inf, "too few observations for the AICc"
    return float(ic), "ok"


def _label(p, d, q, P, D, Q, m, constant) -> str:
    s = f"ARIMA({p},{d},{q})"
    if m > 1 and (P or D or Q):
        s += f"({P},{D},{Q})[{m}]"
    if constant and d + D == 0:
        s += " with non-zero mean"
    elif constant and d + D == 1:
        s += " with drift"
    elif d + D == 0:
        s += " with zero mean"
    return s


def _trace_frame(rows):
    import pandas as pd

    cols = ["order", "seasonal_order", "constant", "trend", "ic", "status", "method", "stage"]
    return pd.DataFrame(rows, columns=cols)


def _row(st, p, q, P, Q, c, trend, ic, status, method, stage):
    return {"order": (p, st.d, q), "seasonal_order": (P, st.D, Q, st.m if st.m > 1 else 0), "constant": bool(c),
            "trend": trend, "ic": ic, "status": status, "method": method, "stage": stage}
