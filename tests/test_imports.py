"""``import convts`` stays light: no optional backend is imported, and the layers import downwards only."""

from __future__ import annotations

import ast
import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

OPTIONAL = ("cupy", "dask", "distributed", "matplotlib", "tqdm", "sklearn")
# core, but loaded on first use (API.md: "Numba is compiled lazily"): numba costs ~0.3 s
LAZY_CORE = ("numba", "convts.models", "scipy.signal", "scipy.stats", "statsmodels")

SRC = Path(__file__).resolve().parents[1] / "src" / "convts"

# kernels -> engine/backends -> models/whiten -> accessor/cli: a package may import only the
# packages of a lower (or its own) layer.
LAYER = {"kernels": 0, "_validation": 0, "_config": 0, "engine": 1, "backends": 1, "models": 2,
         "whiten": 2, "accessor": 3, "cli": 3, "dask": 3}


def test_import_convts_loads_no_optional_backend():
    code = (
        "import sys, convts, pandas as pd\n"
        "pd.Series([1.0, 2.0]).conv\n"
        f"print(','.join(m for m in {OPTIONAL + LAZY_CORE!r} if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"import convts imported optional modules: {out.stdout.strip()}"


def _convts_imports(path: Path) -> set[str]:
    """The convts sub-packages that ``path`` imports (relative or absolute, at any depth)."""
    parts = ("convts",) + path.relative_to(SRC).with_suffix("").parts
    package = ".".join(parts[:-1] if parts[-1] != "__init__" else parts[:-1])
    names = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            base = importlib.util.resolve_name("." * node.level + (node.module or ""), package) \
                if node.level else (node.module or "")
            if base == "convts":  # from convts import whiten / from .. import whiten
                names += [f"convts.{a.name}" for a in node.names]
            else:
                names.append(base)
        elif isinstance(node, ast.Import):
            names += [a.name for a in node.names]
    found = {n.split(".")[1] for n in names if n.startswith("convts.")}
    return {m for m in found if m in LAYER}


def test_the_import_scan_sees_imports():
    assert _convts_imports(SRC / "engine" / "_convolve.py") >= {"kernels", "backends", "engine"}
    assert "whiten" in _convts_imports(SRC / "accessor.py") or "whiten" in _convts_imports(SRC / "__init__.py")


@pytest.mark.parametrize("package", ["kernels", "engine", "backends", "models", "whiten"])
def test_lower_layers_do_not_import_higher_ones(package):
    level = LAYER[package]
    bad = []
    for path in sorted((SRC / package).rglob("*.py")):
        for mod in _convts_imports(path):
            if LAYER[mod] > level:
                bad.append(f"{path.relative_to(SRC)} imports convts.{mod}")
    assert not bad, "layering broken (kernels -> engine/backends -> models/whiten -> accessor/cli): " + "; ".join(bad)


def test_every_warning_class_is_defined_once_and_exported():
    """Each warning class convts raises is one object, reachable from the package root and from
    the module that raises it, so one ``simplefilter`` catches it wherever it comes from."""
    import convts
    from convts import engine, models, whiten

    assert convts.ConvergenceWarning is models.ConvergenceWarning
    assert convts.UnstableKernelWarning is engine.UnstableKernelWarning
    assert convts.UndefinedStatisticWarning is engine.UndefinedStatisticWarning
    assert convts.RankDeficientWarning is whiten.RankDeficientWarning
    assert issubclass(convts.ConvergenceWarning, UserWarning)
    for cls in (convts.UnstableKernelWarning, convts.UndefinedStatisticWarning, convts.RankDeficientWarning):
        assert issubclass(cls, RuntimeWarning)
    # statsmodels' class of the same name is a different one: convts never raises it
    from statsmodels.tools.sm_exceptions import ConvergenceWarning as SMConvergenceWarning

    assert not issubclass(convts.ConvergenceWarning, SMConvergenceWarning)
