"""Timing helpers shared by the benchmarks: medians of repeats, ratios, a plain-text table.

The reference machine is shared and noisy: every number is the median of several repeats
after one warm-up call, and convts is always compared with its peers measured in the same run.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

import numpy as np


def median_time(fn, repeat: int = 5, warmup: int = 1, min_repeat_time: float = 0.0) -> float:
    """Median wall time of ``fn()`` in seconds over ``repeat`` calls (after ``warmup`` calls).

    With ``min_repeat_time`` > 0, fast functions are looped within one repeat until that much
    time has passed, and the per-call time is reported.
    """
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        calls = 0
        t0 = time.perf_counter()
        while True:
            fn()
            calls += 1
            elapsed = time.perf_counter() - t0
            if elapsed >= min_repeat_time:
                break
        times.append(elapsed / calls)
    return float(np.median(times))


def median_times(fns: dict, repeat: int = 5) -> dict:
    """Median wall time (s) of each callable in ``fns``, timed round-robin (one call of each per
    round, in a rotating order, after one warm-up call of each) so that load from other
    processes on a shared machine hits every contender alike.  ``None`` entries stay ``None``."""
    live = {k: f for k, f in fns.items() if f is not None}
    for f in live.values():
        f()
    times = {k: [] for k in live}
    names = list(live)
    for r in range(repeat):
        # rotate the order every round: a contender timed right after one that freed a large
        # buffer pays fresh page faults for its output
        for k in names[r % len(names) :] + names[: r % len(names)]:
            f = live[k]
            t0 = time.perf_counter()
            f()
            times[k].append(time.perf_counter() - t0)
    return {k: (float(np.median(times[k])) if k in times else None) for k in fns}


def best_of(timings: dict[str, float | None]) -> tuple[str, float]:
    """(name, seconds) of the fastest entry, ignoring None."""
    items = [(k, v) for k, v in timings.items() if v is not None]
    return min(items, key=lambda kv: kv[1])


def fmt_time(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds < 1e-3:
        return f"{seconds * 1e6:.1f} us"
    if seconds < 1:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds:.2f} s"


def print_table(header: list[str], rows: list[list], file=None) -> None:
    """A GitHub-markdown table (readable as plain text too)."""
    cells = [[str(c) for c in header]] + [[str(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    out = file or sys.stdout
    line = lambda r: "| " + " | ".join(c.ljust(w) for c, w in zip(r, widths)) + " |"  # noqa: E731
    print(line(cells[0]), file=out)
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|", file=out)
    for r in cells[1:]:
        print(line(r), file=out)
    out.flush()


def subprocess_time(code: str, repeat: int = 3) -> list[float]:
    """Run ``code`` (which prints floats, one per line) in fresh interpreters; per-line medians."""
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
    runs = []
    for _ in range(repeat):
        res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
        runs.append([float(v) for v in res.stdout.split()])
    return [float(np.median(col)) for col in zip(*runs)]
