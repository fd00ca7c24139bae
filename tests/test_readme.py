"""The README keeps its promises: a two-command quick start, links to the docs and notebooks,
and a "A taste" code block that runs as written."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _section(title: str) -> str:
    m = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", README, flags=re.M | re.S)
    assert m, f"README has no '## {title}' section"
    return m[1]


def _fenced(section: str, lang: str) -> list[str]:
    return re.findall(rf"^```{lang}\n(.*?)^```", section, flags=re.M | re.S)


def test_quick_start_is_exactly_two_commands():
    blocks = _fenced(_section("Quick start"), "bash")
    assert len(blocks) == 1, "the Quick start section holds one fenced bash block"
    lines = [ln.strip() for ln in blocks[0].splitlines() if ln.strip()]
    assert lines == ['pip install -e ".[test]" && convts forecast --steps 12', "python -m pytest -q"]


def test_readme_points_to_docs_and_notebooks():
    for target in ("docs/", "notebooks/", "benchmarks/"):
        assert target in README, f"README does not mention {target}"
        assert (ROOT / target).is_dir()


def test_a_taste_runs_as_written():
    blocks = _fenced(_section("A taste"), "python")
    assert len(blocks) == 1
    proc = subprocess.run([sys.executable, "-c", blocks[0]], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    # the printed theoretical ACF of AR(2) phi = (0.6, -0.2): rho1 = phi1 / (1 - phi2), then the recursion
    rho1 = 0.6 / 1.2
    rho2 = 0.6 * rho1 - 0.2
    rho3 = 0.6 * rho2 - 0.2 * rho1
    first = proc.stdout.splitlines()[0]
    got = [float(v) for v in first.strip("[] ").split()]
    assert len(got) == 4 and all(abs(a - b) < 1e-6 for a, b in zip(got, [1.0, rho1, rho2, rho3]))
    assert "mean_ci_lower" in proc.stdout and "1961-12-01" in proc.stdout
