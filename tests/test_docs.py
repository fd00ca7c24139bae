"""The documentation site builds in strict mode and its code examples run.

Convention for code blocks in ``docs/*.md`` (also stated in docs/index.md, "About these docs"):

* a fence opened with exactly ```` ```python ```` (optionally followed by superfences options
  such as ``title="..."``) is **runnable**: all runnable blocks of a page are concatenated, in
  order, and executed in one fresh Python process per page (later blocks see the names of
  earlier ones, as in a notebook);
* ```` ```{.python .no-run} ```` is highlighted as Python but not executed (for snippets that
  need a GPU, a cluster, files or a long time);
* other languages (``bash``, ``console``, ``text``) are never executed.

A page whose script fails only because an optional extra is missing (CuPy, Dask, ...) is
skipped with that reason. Any other info string starting with ``python`` (e.g. ```` ```python skip ````) is rejected:
superfences does not recognise it and would print the block as inline text.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
PAGES = sorted(DOCS.rglob("*.md"))

_FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<ticks>`{3,}|~{3,})(?P<info>[^\n`]*)$")
_RUNNABLE_INFO = re.compile(r'^python(\s+[\w-]+="[^"]*")*\s*$')
_NO_RUN_INFO = re.compile(r"^\{\s*\.python\b[^}]*\.no-run\b[^}]*\}\s*$")


def code_blocks(text: str) -> list[tuple[int, str, str]]:
    """Return ``(line_number, info_string, code)`` for every fenced block of a Markdown page."""
    blocks = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        m = _FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        indent, ticks, info = m["indent"], m["ticks"], m["info"].strip()
        start = i + 1
        body = []
        i += 1
        while i < len(lines) and not re.match(rf"^{re.escape(indent)}{ticks[0]}{{{len(ticks)},}}\s*$", lines[i]):
            body.append(lines[i][len(indent):] if lines[i].startswith(indent) else lines[i].lstrip())
            i += 1
        blocks.append((start, info, "\n".join(body)))
        i += 1
    return blocks


def runnable_source(page: Path) -> str:
    """The page's runnable Python blocks joined into one script (blank lines keep line numbers apart)."""
    parts = []
    for line, info, code in code_blocks(page.read_text(encoding="utf-8")):
        if info.startswith("python") and not _RUNNABLE_INFO.match(info):
            raise AssertionError(
                f"{page.relative_to(ROOT)}:{line}: fence info {info!r} is not recognised; use ```python "
                f"(runs in tests) or ```{{.python .no-run}} (shown, not run)"
            )
        if _RUNNABLE_INFO.match(info):
            parts.append(f"# --- {page.name}:{line}\n{code}\n")
    return "\n".join(parts)


def test_fence_convention_is_recognised():
    blocks = code_blocks("text\n```python\nx = 1\n```\n\n```{.python .no-run}\ny = 2\n```\n")
    assert [(info, code) for _, info, code in blocks] == [("python", "x = 1"), ("{.python .no-run}", "y = 2")]
    assert _RUNNABLE_INFO.match('python title="demo.py"')
    assert not _RUNNABLE_INFO.match("python skip")
    assert _NO_RUN_INFO.match("{.python .no-run}")


def test_mkdocs_build_strict(tmp_path):
    pytest.importorskip("mkdocs", reason="mkdocs is not installed (pip install 'convts[docs]')")
    pytest.importorskip("mkdocstrings", reason="mkdocstrings is not installed (pip install 'convts[docs]')")
    pytest.importorskip("material", reason="mkdocs-material is not installed (pip install 'convts[docs]')")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
        cwd=ROOT, capture_output=True, text=True, timeout=120, env=env,
    )
    assert proc.returncode == 0, f"mkdocs build --strict failed:\n{proc.stdout}\n{proc.stderr}"
    assert (tmp_path / "site" / "index.html").exists()


# Optional extras a page may need; a page that fails only because one is missing is skipped.
OPTIONAL_MODULES = ("cupy", "dask", "distributed", "tqdm", "matplotlib", "sklearn")


@pytest.fixture(scope="module")
def page_runs():
    """Run every page's script, one fresh process per page, a few at a time (one per core)."""
    env = {**os.environ, "MPLBACKEND": "Agg", "PYTHONWARNINGS": "ignore"}
    pending = [(page, runnable_source(page)) for page in PAGES]
    pending = [(page, src) for page, src in pending if src.strip()]
    width = max(1, min(4, os.cpu_count() or 1))
    running, results = [], {}

    def collect(page, proc):
        try:
            out, err = proc.communicate(timeout=180)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate()
            err += "\n[timed out after 180 s]"
        results[page] = (proc.returncode, out, err)

    for page, src in pending:
        if len(running) >= width:
            collect(*running.pop(0))
        running.append((page, subprocess.Popen(
            [sys.executable, "-c", src], cwd=ROOT, env=env,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )))
    for page, proc in running:
        collect(page, proc)
    return results


@pytest.mark.parametrize("page", PAGES, ids=[str(p.relative_to(DOCS)) for p in PAGES])
def test_page_examples_run(page, page_runs):
    runnable_source(page)  # checks the fence convention even on pages without runnable code
    if page not in page_runs:
        return  # nothing to run; the fence convention was checked above
    rc, out, err = page_runs[page]
    if rc != 0:
        missing = re.search(r"ModuleNotFoundError: No module named '([\w.]+)'", err)
        if missing and missing[1].split(".")[0] in OPTIONAL_MODULES:
            pytest.skip(f"{page.relative_to(DOCS)} needs the optional module {missing[1]!r}")
    assert rc == 0, f"the python blocks of {page.relative_to(ROOT)} failed:\n{err[-4000:]}"
