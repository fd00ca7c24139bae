"""Timing helpers shared by the benchmarks: medians of repeats, ratios, a plain-text table.

The reference machine is shared and noisy: every number is the median of at least seven rounds
after one warm-up call, contenders interleaved in a random order each round, and convts is
always compared with its peers measured in the same run; each script prints the load average.
"""

from __future__ import annotations

import os
import random
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


MIN_ROUNDS = 7


def median_times(fns: dict, repeat: int = MIN_ROUNDS, results: dict | None = None, inner: int = 1) -> dict:
    """Median wall time (s) of each callable in ``fns``: one warm-up call of each, then at least
    ``MIN_ROUNDS`` rounds, each calling every contender once in a fresh random order, so that
    load from other processes on a shared machine hits every contender alike and no contender
    always follows the same one (a call right after a pandas rolling call ran 2.5x slower, and
    a cyclic rotation kept that pairing in every round).  ``None`` entries stay ``None``.

    ``results``, if given, receives each contender's last return value; ``inner`` > 1 times
    that many back-to-back calls per round and reports the time per call (microsecond calls).
    """
    live = {k: f for k, f in fns.items() if f is not None}
    for f in live.values():
        f()
    times = {k: [] for k in live}
    names = list(live)
    order = random.Random(len(names) * 7919 + repeat)  # reproducible orders, different every round
    for _ in range(max(repeat, MIN_ROUNDS)):
        order.shuffle(names)
        for k in names:
            f = live[k]
            t0 = time.perf_counter()
            for _ in range(inner):
                f()  # the result is dropped at once: holding it shifted where the next one landed
            times[k].append((time.perf_counter() - t0) / inner)
    if results is not None:  # each contender's return value, from one more call after the rounds
        for k, f in live.items():
            results[k] = f()
    return {k: (float(np.median(times[k])) if k in times else None) for k in fns}


def load_line() -> str:
    """The machine's load: 1/5/15-minute load averages and the cores this process may use
    (benchmarks print it at the start and the end; ratios from a loaded machine are noisier)."""
    try:
        load = os.getloadavg()
        text = f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
    except (AttributeError, OSError):
        text = "load average unavailable"
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count()
    return f"{text} on {cores} cores"


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
