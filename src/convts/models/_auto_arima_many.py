"""R's ``auto.arima`` search run for many series in lock-step: the search engine of ``auto_arima``.

The modules of the engine:

- :mod:`._auto_arima_state`: R's options (:class:`Options`), the steps before the search for one
  series (:func:`prepare`: trimming, caps, ``nsdiffs`` by statsmodels' STL, ``ndiffs`` by
  statsmodels' KPSS, the constant checks), the fitted model of a series (:func:`result_of`) and
  R's checks on it;
- :mod:`._auto_arima_search`: every series' search as a Python generator (:func:`_stepwise`,
  :func:`_grid`) that follows forecast's ``R/newarima2.R`` step for step and *asks* for fits
  instead of running them, and R's IC;
- :mod:`._auto_arima_fit`: the fitter, which fits the requested candidates of all series grouped
  by model in compiled code (:func:`.estimators.compiled._fit_series_nb`, the per-series CSS /
  exact-ML fit of ``fit_many``) on a pool of threads;
- this module: the driver (:func:`drive`), which advances every live search by one request,
  hands the requests of all series to the fitter and sends the ICs back, and
  :func:`auto_arima_many` with its result.

So the interpreter runs once per search step and per group of equal models; the fits (all of
the time) run in numba with the GIL released.  ``auto_arima`` on one series is the same engine
with one series, so ``auto_arima_many`` returns, series by series, exactly what ``auto_arima``
returns.

What runs where:

- per series, once (Python): trimming, the caps, ``nsdiffs`` (statsmodels' STL) and ``ndiffs``
  (statsmodels' KPSS), the constant checks;
- per step (Python): advancing the generators, grouping, R's IC and root check per candidate
  (a few microseconds each);
- per candidate (compiled, threads): CSS by Levenberg-Marquardt, exact ML by BFGS on the Kalman
  filter;
- per series, at the end (Python): R's coefficient-variance check on the model about to be
  returned (it needs the Hessian), see :func:`._auto_arima_state._var_ok`.

Candidates the compiled fit does not cover (``exog``, a state dimension of 40 or more) are
fitted by ``ARIMA(...).fit()`` one at a time.  For periods above 24 the seasonal AR/MA orders
are capped at 0 (see :func:`auto_arima_many`), so long-period searches stay compiled and bounded.
"""

from __future__ import annotations

import warnings

import numpy as np

from ._auto_arima_exog import future_exog, layout, series_exog
from ._auto_arima_fit import _Fitter, _Templates
from ._auto_arima_search import _grid, _label, _stepwise, _trace_frame  # noqa: F401  (_label: for ._auto_arima)
from ._auto_arima_state import Options, _Fit, constant_after_differencing, prepare, result_of

__all__ = ["auto_arima_many", "AutoArimaManyResult"]
# names the single-series auto_arima (._auto_arima) takes from here: Options, prepare, drive, result_of,
# _label, _trace_frame


def drive(states, n_workers=1, verbose=False, progress=None):
    """Run the searches of ``states`` in lock-step; each state ends with ``best`` / ``final`` or a status."""
    fitter = _Fitter(states, n_workers, verbose)
    gens = {}
    try:
        for i, st in enumerate(states):
            if st is None or st.status != "ok":
                continue
            if st.constant_after_diff:
                try:
                    constant_after_differencing(st)
                except Exception as exc:
                    st.status = _message(exc)
                continue
            gens[i] = _stepwise(st) if st.opts.stepwise else _grid(st)
        pending = {}
        for i, g in list(gens.items()):
            _advance(states, gens, pending, i, None)
        while pending:
            flat = [(i, req) for i, reqs in pending.items() for req in reqs]
            ics = fitter.fit(flat)
            answers: dict = {}
            for (i, _), ic in zip(flat, ics):
                answers.setdefault(i, []).append(ic)
            current = list(pending)
            pending = {}
            for i in current:
                _advance(states, gens, pending, i, answers[i])
            if progress is not None:
                progress(len(states) - len(pending))
    finally:
        fitter.close()
    return states


def _message(exc) -> str:
    text = str(exc).strip().splitlines()
    msg = text[0] if text else type(exc).__name__
    return msg if isinstance(exc, ValueError) else f"{type(exc).__name__}: {msg}"


def _advance(states, gens, pending, i, answer):
    g = gens[i]
    try:
        req = next(g) if answer is None else g.send(answer)
        pending[i] = req
    except StopIteration:
        pass
    except Exception as exc:  # one series never fails the batch
        states[i].status = _message(exc)
        states[i].best = None


# ----------------------------------------------------------------------------- many series
class AutoArimaManyResult:
    """The models ``auto_arima_many`` chose, one row per series (see :func:`auto_arima_many`).

    Attributes
    ----------
    table : pandas.DataFrame
        Indexed by series id: ``order`` (p, d, q), ``seasonal_order`` (P, D, Q, m), ``p, d, q,
        P, D, Q, m``, ``constant`` (bool), ``trend``, ``ic`` (the criterion's value, R's
        ``fit$aicc`` / ``aic`` / ``bic`` of the returned fit), ``ic_name``, ``llf``, ``sigma2``,
        ``method`` (of the returned fit), ``approximation``, ``nmodels`` (fits in the search),
        ``nobs``, ``status`` (``"ok"`` or why not).
    exog_names : list of str or None
        The exogenous regressors the models were fitted with (None without ``exog``).
    """

    _many_series_result = True  # batch.forecast_many takes it (as FitManyResult)

    def __init__(self, table, params, states, batch, exog=None):
        self.table = table
        self._params = params
        self._states = states
        self._batch = batch
        self._exog = exog  # None, or dict(names, id_col, time_col): what forecast's future exog looks like

    def __reduce__(self):
        """Pickle as plain data: the tables, each series' search state and the laid-out series,
        without the fitted ``ARIMAResults`` cached on them (they hold closures); :meth:`result`
        rebuilds those from the stored estimates (the same numbers)."""
        return AutoArimaManyResult, (self.table, self._params, [_plain(st) for st in self._states], self._batch,
                                     self._exog)

    @property
    def params(self):
        """Estimates, one row per series, one column per parameter name (NaN where a series'
        model has no such parameter)."""
        return self._params

    @property
    def exog_names(self):
        return None if self._exog is None else list(self._exog["names"])

    @property
    def ok(self):
        return (self.table["status"] == "ok").rename("ok")

    def __len__(self) -> int:
        return len(self.table)

    def __repr__(self) -> str:
        n_ok = int(self.ok.sum())
        return f"<AutoArimaManyResult: {len(self)} series, {n_ok} ok, {len(self) - n_ok} not>"

    def _position(self, id_):
        from .batch import table_position

        return table_position(self.table, id_)

    def result(self, id_):
        """The fitted :class:`ARIMAResults` of series ``id_`` (rebuilt from its estimates)."""
        st = self._states[self._position(id_)]
        if st is None or st.status != "ok":
            raise ValueError(f"series {id_!r} has no model: {self.table['status'].iloc[self._position(id_)]}")
        return result_of(st)

    def trace(self, id_):
        """The search trace of series ``id_`` (as ``auto_arima(...).search_trace``)."""
        st = self._states[self._position(id_)]
        return _trace_frame([] if st is None else st.rows)

    def forecast(self, steps: int = 1, alpha: float = 0.05, exog=None):
        """Forecasts of every series as one long DataFrame.

        Columns ``id, step`` (``time`` when the input had a time axis), ``mean, mean_se,
        mean_ci_lower, mean_ci_upper`` (``ARIMAResults.get_forecast(steps, exog).summary_frame(alpha)``)
        and ``status``: a series without a model, or whose forecast fails, gets ``steps`` rows of
        NaN with the reason in ``status``.

        ``exog`` (needed, and only allowed, when the models were fitted with regressors): their
        future values, a long DataFrame with the id column (the fit's ``id_col``, else ``id``),
        the regressor columns (:attr:`exog_names`) and, when the data had one, the time column
        (the fit's ``time_col``, else ``time``): per series its rows after its last observation,
        the first ``steps`` in time order (statsforecast's ``X_df``); or an array ``(n_series,
        steps, k)`` in the table's order.  Missing or misshaped: ``ValueError`` naming ``exog``.
        """
        import pandas as pd

        from .._validation import check_int

        steps = check_int(steps, "steps", minimum=1)
        if not 0 < alpha < 1:
            raise ValueError(f"alpha={alpha}: give 0 < alpha < 1")
        if self._exog is None and exog is not None:
            raise ValueError("exog given, but the models were fitted without exogenous regressors; pass exog=None")
        futures = None if self._exog is None else future_exog(self, steps, exog)
        n = len(self.table)
        vals = np.full((n, steps, 4), np.nan)
        status = list(self.table["status"])
        times = [None] * n
        for pos in range(n):
            st = self._states[pos]
            if st is None or status[pos] != "ok":
                continue
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    future = None if futures is None else futures[pos]
                    sf = result_of(st).get_forecast(steps, exog=future).summary_frame(alpha)
            except Exception as exc:
                status[pos] = f"forecast failed: {_message(exc)}"
                continue
            vals[pos] = sf[["mean", "mean_se", "mean_ci_lower", "mean_ci_upper"]].to_numpy()
            times[pos] = sf.index
        ids = np.repeat(np.asarray(self.table.index, dtype=object), steps)
        out = pd.DataFrame({"id": ids, "step": np.tile(np.arange(1, steps + 1), n)})
        if self._batch is not None and self._batch.has_time:
            tcol = []
            for pos in range(n):
                tcol.extend(list(times[pos]) if times[pos] is not None else [None] * steps)
            out["time"] = tcol
        for j, c in enumerate(("mean", "mean_se", "mean_ci_lower", "mean_ci_upper")):
            out[c] = vals[:, :, j].ravel()
        out["status"] = np.repeat(np.asarray(status, dtype=object), steps)
        return out


def _plain(st):
    """A copy of a search state without cached results (see ``AutoArimaManyResult.__reduce__``)."""
    import copy

    if st is None:
        return None
    out = copy.copy(st)
    out.fits = {k: _Fit(f.params, f.llf, f.ic, f.status, f.method, f.trend, f.converged) for k, f in st.fits.items()}
    out.final = None
    return out


def auto_arima_many(data, m=None, *, d=None, D=None, max_p=5, max_q=5, max_P=2, max_Q=2, max_order=5, max_d=2,
                    max_D=1, start_p=2, start_q=2, start_P=1, start_Q=1, ic="aicc", stepwise=True, nmodels=94,
                    approximation=None, truncate=None, test="kpss", seasonal_test="seas", allowdrift=True,
                    allowmean=True, exog=None, method=None, stationary=False, seasonal=True, n_jobs=None, id_col=None,
                    time_col=None, value_col=None, progress=None):
    """R's ``forecast::auto.arima`` on many series at once; one chosen model per series.

    Parameters
    ----------
    data : 2-D array (n_series, T), wide DataFrame, or long DataFrame
        As :func:`convts.fit_many`: a 2-D array holds one series per row; a wide DataFrame one
        series per column (a DatetimeIndex / PeriodIndex is the time axis); a long DataFrame one
        observation per row with ``id_col``, ``value_col`` (and ``time_col``).  Leading and
        trailing NaN are trimmed (series of different lengths); interior NaN are missing values.
    m : int, optional
        Seasonal period of every series.  Default: from the wide frame's time index (12 monthly,
        4 quarterly), else 1.
    d, D, max_p, ..., seasonal :
        As :func:`convts.auto_arima` (R's arguments and defaults), applied to every series.
    exog : 3-D array (n_series, T, k), optional
        Regressors of every series (regression with ARIMA errors, R's ``xreg``) for a 2-D array
        or a wide DataFrame: series and times laid out as ``data``.  A long DataFrame carries
        them as its columns besides ``id_col``, ``time_col``, ``value_col`` (statsforecast's
        convention; ``exog`` stays None).  Each series uses the rows of its own span (leading and
        trailing NaN of the series trimmed), which must be complete; a series whose regressors
        are incomplete or rank deficient gets that as its ``status``.
    n_jobs : int, optional
        Threads for the compiled fits (default: every core).
    id_col, time_col, value_col : str, optional
        Columns of a long DataFrame.
    progress : bool, optional
        A tqdm bar over finished searches (as ``fit_many``).

    Returns
    -------
    AutoArimaManyResult
        ``.table`` (one row per series: chosen orders, constant, IC, status), ``.params``,
        ``.result(id)``, ``.trace(id)``, ``.forecast(steps, alpha, exog)`` (with regressors,
        their future values are needed: see :meth:`AutoArimaManyResult.forecast`).

    Raises
    ------
    ValueError, TypeError
        Bad options, ``m``, ``data`` or ``exog`` (the wrong shape, a 2-D array, a pandas object
        with array data, a non-numeric extra column of a long frame).

    Notes
    -----
    Series by series this is :func:`convts.auto_arima` (with ``exog``: on the series' own
    regressors, named after the long frame's columns, ``x1..xk`` for an array, the drift then
    ``drift``): the same preparation and the same search engine
    (:mod:`convts.models._auto_arima_many`), run for all series in lock-step so that each search
    step fits the candidates of every series in one batch of compiled, multi-threaded fits
    (candidates with regressors: ``ARIMA(...).fit()`` in Python, one at a time, as
    ``auto_arima`` fits them).  A series that cannot be modelled (all NaN, constant, too short,
    regressors incomplete or rank deficient, no candidate with a finite IC) gets a ``status``
    saying why and NaN estimates; it never stops the batch.

    One departure from ``auto_arima`` (and R): for periods ``m > 24`` (weekly data with
    ``m = 52``, daily with ``m = 365``) the seasonal AR and MA orders are capped at 0, so the
    search is over ``ARIMA(p,d,q)(0,D,0)[m]`` (``D`` still from ``nsdiffs``); R fits seasonal
    ARMA terms with a state of dimension ``m`` or more, hours for thousands of series.  Model
    long seasonality with Fourier terms instead (``auto_arima(y, exog=fourier_terms)``).

    Examples
    --------
    >>> import numpy as np, convts
    >>> rng = np.random.default_rng(1)
    >>> Y = np.vstack([convts.kernels.arma(ar=[0.7])(rng.standard_normal(120)), np.ones(120)])
    >>> res = convts.auto_arima_many(Y)
    >>> res.table.loc[0, "order"], res.table.loc[1, "status"][:11]
    ((1, 0, 0), 'y is consta')
    >>> fc = res.forecast(3)
    >>> fc.shape
    (6, 7)
    """
    import pandas as pd

    from ._unitroot import infer_period
    from .batch import _n_workers, _prepare, _progress_bar

    opts = Options(d=d, D=D, max_p=max_p, max_q=max_q, max_P=max_P, max_Q=max_Q, max_order=max_order, max_d=max_d,
                   max_D=max_D, start_p=start_p, start_q=start_q, start_P=start_P, start_Q=start_Q, ic=ic,
                   stepwise=stepwise, nmodels=nmodels, approximation=approximation, truncate=truncate, test=test,
                   seasonal_test=seasonal_test, allowdrift=allowdrift, allowmean=allowmean, method=method,
                   stationary=stationary, seasonal=seasonal)
    if m is not None and (isinstance(m, bool) or not isinstance(m, (int, np.integer)) or m < 1):
        raise ValueError(f"m={m!r}: give the seasonal period as a positive integer (1: not seasonal)")
    n_workers = _n_workers(n_jobs)
    batch = _prepare(data, id_col, time_col, value_col)
    E, exog_names = layout(data, exog, batch, id_col, time_col, value_col)
    if m is None:
        m = infer_period(pd.Series(np.zeros(len(batch.time_index)), index=batch.time_index)) if (
            batch.time_index is not None and batch.has_time) else 1
    m_freq = int(m)
    m_search = int(m) if seasonal else 1
    n = batch.Y.shape[0]
    states = [None] * n
    status = ["ok"] * n
    for i in range(n):
        row = batch.Y[i]
        if not batch.any[i]:
            status[i] = "y is all missing (NaN): there is nothing to fit"
            continue
        x = np.array(row[batch.first[i]: batch.stop[i]], dtype=np.float64)
        if np.isinf(x).any():
            status[i] = "y contains inf; replace it with NaN (missing) or a finite value"
            continue
        try:
            endog = batch.series(i) if batch.time_index is not None else None
            X = frame = None
            if E is not None:
                X, frame = series_exog(E, exog_names, batch, i, endog)
            states[i] = prepare(x, m_search, m_freq, opts, X=X, endog=endog, exog=frame, cap_long_period=True)
        except Exception as exc:
            status[i] = _message(exc)
    bar = _progress_bar(progress, n)
    done = [0]

    def tick(k):
        if bar is not None and k > done[0]:
            bar.update(k - done[0])
            done[0] = k

    try:
        drive(states, n_workers, progress=tick if bar is not None else None)
    finally:
        if bar is not None:
            bar.close()
    exog_info = None if E is None else dict(names=exog_names, id_col=id_col or "id", time_col=time_col or "time")
    return _many_result(states, status, batch, opts, exog_info)


def _many_result(states, status, batch, opts, exog_info):
    import pandas as pd

    n = len(states)
    rows, params = [], []
    names_all: list = []
    for i in range(n):
        st = states[i]
        row = dict(order=None, seasonal_order=None, p=np.nan, d=np.nan, q=np.nan, P=np.nan, D=np.nan, Q=np.nan,
                   m=np.nan, constant=None, trend=None, ic=np.nan, ic_name=opts.ic, llf=np.nan, sigma2=np.nan,
                   method=None, approximation=None, nmodels=0, nobs=np.nan, status=status[i])
        pdict = {}
        if st is not None:
            row["nmodels"] = len(st.rows)
            row["approximation"] = st.approximation
            if st.status != "ok":
                row["status"] = st.status
            elif st.best is not None or st.final is not None:
                if st.best is not None:
                    p, q, P, Q, c, meth = st.best
                    f = st.fits[st.best]
                    tmpl = _Templates().get(p, st.d, q, P, st.D, Q, st.m, f.trend) if f.res is None else None
                    names = list(f.res.model.param_names) if f.res is not None else tmpl["names"]
                    vals = f.params
                    row.update(ic=f.ic, llf=f.llf, trend=f.trend, method=meth, constant=bool(c))
                else:
                    res = st.final
                    p, q, P, Q = 0, 0, 0, 0
                    names = list(res.model.param_names)
                    vals = res.params.to_numpy(dtype=np.float64)
                    row.update(llf=float(res.llf), trend=res.model.trend, method=res.method,
                               constant=res.model.trend != "n")
                seas = st.seasonal_of(P, Q)
                row.update(order=(p, st.d, q), seasonal_order=seas, p=p, d=st.d, q=q, P=seas[0], D=seas[1],
                           Q=seas[2], m=st.m, sigma2=float(vals[-1]), nobs=st.n_obs)
                pdict = dict(zip(names, vals))
                for nm in names:
                    if nm not in names_all:
                        names_all.append(nm)
            else:
                row["status"] = "No suitable ARIMA model found"
        rows.append(row)
        params.append(pdict)
    table = pd.DataFrame(rows, index=batch.ids)
    table.index.name = "id"
    for c in ("p", "d", "q", "P", "D", "Q", "m", "nobs"):
        table[c] = pd.array([int(v) if np.isfinite(v) else None for v in table[c]], dtype="Int64")

    def rank(nm):
        for pos, pre in enumerate(("const", "x1", "drift", "ar.L", "ma.L", "ar.S.L", "ma.S.L", "sigma2")):
            if nm.startswith(pre):
                tail = nm[len(pre):]
                return (pos, int(tail) if tail.isdigit() else 0)
        return (1, 0)

    cols = sorted(names_all, key=rank)
    ptable = pd.DataFrame([[pdict.get(c, np.nan) for c in cols] for pdict in params], index=batch.ids, columns=cols,
                          dtype=np.float64)
    ptable.index.name = "id"
    return AutoArimaManyResult(table, ptable, states, batch, exog_info)