"""Run every CPU benchmark and (with ``--write-docs``) regenerate the tables in the docs.

    python benchmarks/run_all.py --write-docs            # full sizes (tens of minutes)
    python benchmarks/run_all.py --quick --write-docs    # small sizes (a few minutes)

Runs ``bench_engine.py``, ``bench_arima.py`` and ``bench_fit_many.py`` one after another, each in
a fresh process, echoing their output.  Every table they print is a markdown table after a
title line; with ``--write-docs`` each one replaces the block between ``<!-- bench:NAME -->``
and ``<!-- /bench:NAME -->`` in docs/engine_performance.md or docs/performance.md (NAME from
``TABLES`` below), followed by a line saying which command produced it, when, and the load
average at the start and the end of that script.  A marker missing from the docs is reported,
and a table that a run did not print leaves its block as it was.
"""

from __future__ import annotations

import argparse
import datetime
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
ENGINE_DOC = os.path.join(ROOT, "docs", "engine_performance.md")
PERF_DOC = os.path.join(ROOT, "docs", "performance.md")

# (script, title prefix of the table in its output, doc, marker name)
TABLES = [
    ("bench_engine.py", "convts ", ENGINE_DOC, "engine-peers"),
    ("bench_engine.py", "method='auto' calibration", ENGINE_DOC, "engine-calibration"),
    ("bench_engine.py", "FFT executor", ENGINE_DOC, "engine-fft-executors"),
    ("bench_engine.py", "Per-call cost", ENGINE_DOC, "engine-overhead"),
    ("bench_engine.py", "Fixed cost", ENGINE_DOC, "engine-fixed-cost"),
    ("bench_engine.py", "Overlap-add memory", ENGINE_DOC, "engine-memory"),
    ("bench_engine.py", "Threads:", ENGINE_DOC, "engine-threads"),
    ("bench_arima.py", "ARIMA fits", PERF_DOC, "arima"),
    ("bench_fit_many.py", "fit_many:", PERF_DOC, "fit-many"),
]


def tables_in(output: str) -> list[tuple[str, str]]:
    """(title, markdown table) for every block of lines starting with '|'; the title is the
    nearest non-empty line above the block."""
    found, title, block = [], "", []
    for line in output.splitlines():
        if line.startswith("|"):
            block.append(line)
            continue
        if block:
            found.append((title, "\n".join(block)))
            block = []
        if line.strip():
            title = line.strip()
    if block:
        found.append((title, "\n".join(block)))
    return found


def load_lines(output: str) -> list[str]:
    return [line.strip() for line in output.splitlines() if line.startswith("load average")]


def run(script: str, quick: bool, extra: list[str] = ()) -> str:
    cmd = [sys.executable, os.path.join(HERE, script)] + (["--quick"] if quick else []) + list(extra)
    print(f"\n$ {' '.join(cmd[1:])}", flush=True)
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=ROOT)
    lines = []
    for line in proc.stdout:
        print(line, end="", flush=True)
        lines.append(line)
    if proc.wait() != 0:
        raise SystemExit(f"{script} failed (exit {proc.returncode})")
    return "".join(lines)


def replace_block(text: str, name: str, body: str) -> tuple[str, bool]:
    pattern = re.compile(rf"(<!-- bench:{re.escape(name)} -->\n)(.*?)(<!-- /bench:{re.escape(name)} -->)", re.S)
    if not pattern.search(text):
        return text, False
    return pattern.sub(lambda m: m.group(1) + body.rstrip("\n") + "\n" + m.group(3), text, count=1), True


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="each script's --quick sizes")
    ap.add_argument("--write-docs", action="store_true", help="write the tables into docs/")
    ap.add_argument("--only", default="bench_engine.py,bench_arima.py,bench_fit_many.py",
                    help="comma-separated scripts to run")
    ap.add_argument("--engine-sections", default=None,
                    help="bench_engine.py's --only (e.g. overhead,memory,threads); the other tables stay")
    args = ap.parse_args(argv)
    scripts = [s for s in args.only.split(",") if s]
    extra = {"bench_engine.py": ["--only", args.engine_sections]} if args.engine_sections else {}
    outputs = {s: run(s, args.quick, extra.get(s, [])) for s in scripts}
    if not args.write_docs:
        return
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    docs = {path: open(path, encoding="utf-8").read() for path in (ENGINE_DOC, PERF_DOC)}
    for script, prefix, path, name in TABLES:
        if script not in outputs:
            continue
        # a table with no rows (a section that was not run prints only its header) is not one
        match = [tbl for title, tbl in tables_in(outputs[script]) if title.startswith(prefix) and tbl.count("\n") >= 2]
        if not match:
            print(f"no table titled {prefix!r} in the output of {script}: block {name} left as it was")
            continue
        loads = load_lines(outputs[script])
        cmd = " ".join(["python", f"benchmarks/{script}"] + (["--quick"] if args.quick else []) + extra.get(script, []))
        note = f"\n*`{cmd}` (via `benchmarks/run_all.py`), {stamp}; {' / '.join(loads) or 'load not printed'}.*\n"
        docs[path], ok = replace_block(docs[path], name, match[0] + "\n" + note)
        if not ok:
            print(f"marker <!-- bench:{name} --> not found in {os.path.relpath(path, ROOT)}")
    for path, text in docs.items():
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
    print("\ndocs written:", ", ".join(os.path.relpath(p, ROOT) for p in docs))


if __name__ == "__main__":
    main()
