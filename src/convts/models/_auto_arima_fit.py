"""The fitter of the ``auto_arima`` searches: the requested candidates of many series, fitted in groups.

:class:`_Fitter` groups the requests of every live search by model (orders, differences,
period, trend, method), fits each group in compiled code (:func:`.estimators.compiled._fit_series_nb`,
the per-series CSS / exact-ML fit of ``fit_many``) on a pool of threads, computes R's IC and
root check (:mod:`._auto_arima_search`), and records the fits and the trace on each series'
:class:`._auto_arima_state.State`.  Candidates the compiled fit does not cover (``exog``, a state
dimension of 40 or more) are fitted by ``ARIMA(...).fit()`` one at a time.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from ._auto_arima_search import _ic, _label, _min_root, _row
from ._auto_arima_state import _endog, _exog, _Fit, _seasonal_diff, _var_ok

_CHUNK = 16
_MAXIT = 100  # BFGS iterations of a candidate's exact-ML fit: R's optim default (control maxit)


class _Templates:
    """Per model: parameter names, the compiled fit's ``spec``, lags and trend constant."""

    def __init__(self):
        self._cache = {}

    def get(self, p, d, q, P, D, Q, m, trend):
        key = (p, d, q, P, D, Q, m, trend)
        t = self._cache.get(key)
        if t is None:
            from .estimators.css import _structural_lags
            from .spec import ARIMA

            n = 10 * (d + D * m + 2 * p + P * m + q + P + Q + 3) + 20
            y = np.random.default_rng(0).standard_normal(n).cumsum()
            seas = (P, D, Q, m) if m > 1 else (0, 0, 0, 0)
            model = ARIMA(y, order=(p, d, q), seasonal_order=seas, trend=trend)
            cx = 0.0
            if model.k_exog == 1:
                col = model._dX[:, 0]
                cx = float(col[0]) if (col.size and np.all(col == col[0]) and col[0] != 0.0) else None
            elif model.k_exog > 1:
                cx = None
            r = max(p + P * m, q + Q * m + 1)
            ar_lags, ma_lags = _structural_lags(model)
            t = dict(names=list(model.param_names), k=model.k_params, k_exog=model.k_exog, ncond=model.ncond,
                     spec=np.array([model.k_exog, p, q, P, Q, model.order_tuple[6], model.ncond], dtype=np.int64),
                     ar_lags=np.ascontiguousarray(ar_lags, dtype=np.int64),
                     ma_lags=np.ascontiguousarray(ma_lags, dtype=np.int64),
                     cx=cx, compiled=(cx is not None and r < 40), slices=dict(model._slices))
            self._cache[key] = t
        return t


class _Fitter:
    """Fits the requested candidates of many series: compiled groups on threads, the rest in Python."""

    def __init__(self, states, n_workers, verbose=False):
        self.states = states
        self.n_workers = n_workers
        self.templates = _Templates()
        self.verbose = verbose
        self._dy = {}
        self._pool = None

    def close(self):
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None

    def dy(self, i):
        """Series ``i`` differenced by its ``d`` and ``D`` (what the compiled fit takes)."""
        w = self._dy.get(i)
        if w is None:
            st = self.states[i]
            w = _seasonal_diff(st.x, st.D, st.m) if st.D else st.x
            if st.d:
                w = np.diff(w, n=st.d)
            w = np.ascontiguousarray(w, dtype=np.float64)
            self._dy[i] = w
        return w

    def fit(self, requests):
        """``requests``: list of (series, (stage, p, q, P, Q, constant, method)); returns their ICs."""
        from .spec import MIN_OBS_PER_COEF

        out = [math.inf] * len(requests)
        groups: dict = {}
        for j, (i, req) in enumerate(requests):
            stage, p, q, P, Q, c, meth = req
            st = self.states[i]
            if stage == "check":
                continue
            trend = st.trend_of(c) if stage != "offset" else ("c" if c else "n")
            t = self.templates.get(p, st.d, q, P, st.D, Q, st.m, trend)
            if stage == "polish":
                f = st.fits.get((p, q, P, Q, c, meth))
                if f is None or f.params is None or meth == "css" or not (t["compiled"] and st.X is None):
                    continue  # nothing to polish: a Python fit (ARIMA.fit) is already to full accuracy
            key = (p, st.d, q, P, st.D, Q, st.m, trend, meth, stage == "polish")
            if t["compiled"] and st.X is None:
                w = self.dy(i)
                n_w = int(np.sum(~np.isnan(w)))
                n_free = t["k"]
                need = max(t["ncond"] + 1, n_free + 1, MIN_OBS_PER_COEF * (n_free - 1))
                if w.size < 1 or n_w < need:
                    continue  # ARIMA would raise: too few observations (IC stays inf; recorded below)
            groups.setdefault(key, []).append(j)
        fitted: dict = {}
        compiled_tasks = []
        for key, js in groups.items():
            p, d, q, P, D, Q, m, trend, meth, tight = key
            t = self.templates.get(p, d, q, P, D, Q, m, trend)
            rows = [requests[j][0] for j in js]
            if t["compiled"] and all(self.states[i].X is None for i in rows):
                outp = np.full((len(js), t["k"]), np.nan)
                outs = np.full((len(js), 6), np.nan)
                if tight:  # polish starts from the search's estimates
                    for r, j in enumerate(js):
                        outp[r] = self.states[requests[j][0]].fits[tuple(requests[j][1][1:])].params
                for a in range(0, len(js), _CHUNK):
                    compiled_tasks.append((t, meth, tight, rows[a: a + _CHUNK], outp[a: a + _CHUNK],
                                           outs[a: a + _CHUNK]))
                fitted[key] = (js, outp, outs, None)
            else:
                fitted[key] = (js, None, None, [self._fit_python(requests[j][0], p, q, P, Q, trend, meth)
                                                for j in js])
        self._run_compiled(compiled_tasks)

        from .estimators import compiled as bn

        records: dict = {}
        for key, (js, outp, outs, pyres) in fitted.items():
            p, d, q, P, D, Q, m, trend, meth, _ = key
            t = self.templates.get(p, d, q, P, D, Q, m, trend)
            for r, j in enumerate(js):
                i, req = requests[j]
                st = self.states[i]
                stage = req[0]
                res = None
                if pyres is not None:
                    res, err = pyres[r]
                    if res is None:
                        records[j] = _Fit(None, math.nan, math.inf, err, meth, trend, False)
                        continue
                    params = res.params.to_numpy(dtype=np.float64)
                    llf, conv = float(res.llf), bool(res.converged)
                    npar, sl = res.df_model, res.model._slices
                else:
                    params = outp[r].copy()
                    code = outs[r, bn.CODE]
                    if code == bn.BREAKDOWN or not np.all(np.isfinite(params)):
                        records[j] = _Fit(None, math.nan, math.inf, "error: the likelihood could not be evaluated "
                                          "at the optimum", meth, trend, False)
                        continue
                    llf, conv = float(outs[r, bn.LLF]), bool(outs[r, bn.CONVERGED] > 0)
                    npar, sl = t["k"], t["slices"]
                if stage == "offset":
                    records[j] = _Fit(params, llf, math.nan, "ok", meth, trend, conv, res)
                    continue
                offset = st.offset if stage == "search" else 0.0  # R passes no offset to the refits
                ic, status = _ic(st, npar, meth, llf, params[-1], offset)
                if ic < math.inf:
                    mr = _min_root(params[sl["ar"]], params[sl["sar"]], params[sl["ma"]], params[sl["sma"]],
                                   st.m)
                    if mr < 0:
                        ic, status = math.inf, "roots not finite"
                    elif mr < 1.01:
                        ic, status = math.inf, f"root modulus {mr:.4f} < 1.01"
                records[j] = _Fit(params, llf, ic, status, meth, trend, conv, res)
        # record, in request order: the trace and each series' fits
        for j, (i, req) in enumerate(requests):
            stage, p, q, P, Q, c, meth = req
            st = self.states[i]
            if stage == "polish":
                # the chosen model fitted again to full accuracy (two starts, central differences,
                # reltol 1e-14); kept when it is at least as likely and passes the root check
                f = st.fits[(p, q, P, Q, c, meth)]
                rec = records.get(j)
                if rec is not None and rec.ic < math.inf and rec.llf >= f.llf - 1e-9 * abs(f.llf):
                    f.params, f.llf, f.ic, f.converged, f.res = rec.params, rec.llf, rec.ic, rec.converged, None
                out[j] = f.ic
                continue
            if stage == "check":
                f = st.fits.get((p, q, P, Q, c, meth))
                ok, why = _var_ok(st, (p, q, P, Q, c, meth))
                out[j] = f.ic if ok else math.inf
                if not ok:
                    f.ic, f.status = math.inf, why
                    st.rows.append(_row(st, p, q, P, Q, c, f.trend, math.inf, why, meth, "check"))
                continue
            rec = records.get(j)
            if rec is None:  # too short for this model
                trend = st.trend_of(c) if stage != "offset" else ("c" if c else "n")
                rec = _Fit(None, math.nan, math.inf, "error: too few observations for this model", meth, trend, False)
            if stage == "offset":
                st.fits[(p, q, P, Q, c, "offset")] = rec
                continue
            if stage == "refit" and rec.ic < math.inf:
                st.fits[(p, q, P, Q, c, meth)] = rec
                ok, why = _var_ok(st, (p, q, P, Q, c, meth))
                if not ok:
                    rec.ic, rec.status = math.inf, why
            st.fits[(p, q, P, Q, c, meth)] = rec
            out[j] = rec.ic
            st.rows.append(_row(st, p, q, P, Q, c, rec.trend, rec.ic, rec.status, meth, stage))
            if self.verbose:
                print(f" {_label(p, st.d, q, P, st.D, Q, st.m, c)} : {rec.ic}")
        return out

    def _run_compiled(self, tasks):
        if not tasks:
            return
        from .estimators import compiled as bn

        def work(task):
            t, meth, tight, rows, outp, outs = task
            code = bn.CSS if meth == "css" else bn.MLE
            # ML: R's arima inside auto.arima (one start, optim's maxit = 100 and reltol; see bn._args),
            # the chosen model ("polish") to full accuracy as fit_many. CSS: fit_many's settings
            args = bn._args(code, t["spec"], t["cx"], 1e-10, _MAXIT if code == bn.MLE and not tight else 500, 200,
                            1e-7 if code == bn.MLE else 1e-8,
                            t["ar_lags"], t["ma_lags"], search=bn.POLISH if tight else bn.SEARCH)
            k = t["k"] - 1
            x = np.empty(k)
            g = np.empty(k)
            for r, i in enumerate(rows):
                bn._fit_series_nb(self.dy(i), *args, outp[r], outs[r], x, g)

        if self.n_workers <= 1 or len(tasks) <= 1:
            for task in tasks:
                work(task)
            return
        if self._pool is None:
            from concurrent.futures import ThreadPoolExecutor

            self._pool = ThreadPoolExecutor(max_workers=self.n_workers)
        for fut in [self._pool.submit(work, task) for task in tasks]:
            fut.result()

    def _fit_python(self, i, p, q, P, Q, trend, meth):
        """``ARIMA(...).fit()`` of one candidate (exog, long seasonal state); (result or None, status)."""
        from .spec import ARIMA

        st = self.states[i]
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                res = ARIMA(_endog(st), exog=_exog(st), order=(p, st.d, q), seasonal_order=st.seasonal_of(P, Q),
                            trend=trend).fit(method=meth)
            return res, "ok"
        except Exception as exc:  # R's try(): a failing candidate gets IC = inf, the search goes on
            return None, f"error: {type(exc).__name__}: {exc}"
