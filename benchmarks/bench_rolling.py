"""Rolling standard deviation (and var/cov/corr) against bottleneck and pandas, n = 1e6.

Run ``python benchmarks/bench_rolling.py`` (~30 s).  One thread, float64, ddof=1.  Contenders are
timed round-robin in a rotating order (``_common.median_times``), medians of the repeats; the
1-minute load average is printed before and after (the machine is shared).  Goal from issue 14:
``convts.rolling_std`` <= 1.0x bottleneck ``move_std``.
"""

from __future__ import annotations

import os
import sys

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
sys.path.insert(0, os.path.dirname(__file__))

import numpy as np  # noqa: E402

from _common import fmt_time, median_times, print_table  # noqa: E402


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
        t = median_times(fns, repeat=repeat)
        for name, sec in t.items():
            base = t["bottleneck.move_std"] if "std" in name else t["bottleneck.move_var"] if "var" in name else None
            rows.append([window, name, fmt_time(sec), f"{sec / n * 1e9:.2f}",
                         "-" if base is None else f"{sec / base:.2f}"])
    print_table(["window", "function", "median", "ns/sample", "ratio to bottleneck"], rows)
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 15)
