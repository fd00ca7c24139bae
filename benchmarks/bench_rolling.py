"""Rolling standard deviation (and var/cov/corr) against bottleneck and pandas, n = 1e6.

Run ``python benchmarks/bench_rolling.py`` (~30 s).  One thread, float64, ddof=1.  Contenders are
timed round-robin in a random order per round, medians (and minima) of the repeats; the
1-minute load average is printed before and after (the machine is shared).  Goal from issue 14:
``convts.rolling_std`` <= 1.0x bottleneck ``move_std``.
"""

from __future__ import annotations

import os
import sys

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
sys.path.insert(0, os.path.dirname(__file__))

import numpy as np  # noqa: E402

from _common import fmt_time, print_table  # noqa: E402


def timings(fns: dict, repeat: int):
    """(median, min) wall time of each callable, timed round-robin in a rotating random order."""
    import time

    rng = np.random.default_rng(1)
    for f in fns.values():
        f()
    times = {k: [] for k in fns}
    for _ in range(repeat):
        for k in rng.permutation(list(fns)):
            t0 = time.perf_counter()
            fns[k]()
            times[k].append(time.perf_counter() - t0)
    return {k: (float(np.median(v)), float(np.min(v))) for k, v in times.items()}


def main(repeat: int = 15) -> None:
    import bottleneck as bn
    import pandas as pd

    import convts

    print(f"load average before: {os.getloadavg()[0]:.2f}")
    rng = np.random.default_rng(0)
    n = 1_000_000
    rows = []
    for window in (20, 1000):
        x = rng.standard_normal(n)
        y = rng.standard_normal(n)
        s = pd.Series(x)
        fns = {
            "convts.rolling_std": lambda: convts.rolling_std(x, window),
            "bottleneck.move_std": lambda: bn.move_std(x, window, ddof=1),
            "pandas rolling().std()": lambda: s.rolling(window).std(),
            "convts.rolling_var": lambda: convts.rolling_var(x, window),
            "bottleneck.move_var": lambda: bn.move_var(x, window, ddof=1),
            "convts.rolling_corr": lambda: convts.rolling_corr(x, y, window),
            "pandas rolling().corr()": lambda: s.rolling(window).corr(pd.Series(y)),
        }
        # the same numbers first (bottleneck and pandas lose digits only after huge values)
        np.testing.assert_allclose(fns["convts.rolling_std"](), fns["bottleneck.move_std"](), rtol=1e-8, equal_nan=True)
        t = timings(fns, repeat)
        for name, (med, best) in t.items():
            base = t.get("bottleneck.move_std" if "std" in name else "bottleneck.move_var" if "var" in name else "")
            rows.append([window, name, fmt_time(med), fmt_time(best), f"{med / n * 1e9:.2f}",
                         "-" if base is None else f"{med / base[0]:.2f}", "-" if base is None else f"{best / base[1]:.2f}"])
    print_table(["window", "function", "median", "min", "ns/sample (median)", "ratio (medians)", "ratio (mins)"], rows)
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 15)
