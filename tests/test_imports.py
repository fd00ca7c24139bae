"""``import convts`` stays light: no optional backend is imported, the layers import downwards only,
nothing inside the package imports the package root, and no modules import each other in a loop."""

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


# ------------------------------------------------------------------ the module graph (every import, at any depth)
def _module_name(path: Path) -> str:
    parts = ("convts",) + path.relative_to(SRC).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in sorted(SRC.rglob("*.py"))}


def _imports(path: Path):
    """``[(target module, line, is_root)]`` for every import statement of ``path`` (function bodies too).

    ``from pkg import name`` targets ``pkg.name`` when that is a module of convts, else ``pkg``;
    ``is_root``: the statement binds the package root itself (``import convts``, ``import
    convts.x`` -- which binds ``convts`` --, or ``from convts import name`` / ``from .. import
    name`` for a name that is not a submodule).
    """
    mod = _module_name(path)
    package = mod if path.name == "__init__.py" else mod.rpartition(".")[0]
    out = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            base = importlib.util.resolve_name("." * node.level + (node.module or ""), package) \
                if node.level else (node.module or "")
            if not (base == "convts" or base.startswith("convts.")):
                continue
            for a in node.names:
                sub = f"{base}.{a.name}"
                if sub in MODULES:
                    out.append((sub, node.lineno, False))
                else:
                    out.append((base, node.lineno, base == "convts"))
        elif isinstance(node, ast.Import):
            for a in node.names:
                if a.name == "convts" or a.name.startswith("convts."):
                    # `import convts.x` binds (and runs) the root; `import convts.x as y` still runs it
                    out.append((a.name, node.lineno, a.asname is None or a.name == "convts"))
    return out


def test_the_import_graph_sees_root_imports_and_submodules():
    graph = {m: {t for t, _, _ in _imports(p)} for m, p in MODULES.items()}
    assert "convts.engine" in graph["convts.accessor"] or "convts.engine._acf" in graph["convts.accessor"] \
        or any(t.startswith("convts.engine") for t in graph["convts.accessor"])
    assert any(t.startswith("convts.models.") for t in graph["convts.models"])  # `from .spec import ARIMA`
    probe = SRC / "models" / "__init__.py"  # the scan reads function-level imports and flags the root
    tree = ast.parse("def f():\n    import convts\n    from convts import fit_many\n    import convts.engine\n")
    flagged = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            flagged += [a.name for a in node.names if a.name == "convts" or a.asname is None]
        elif isinstance(node, ast.ImportFrom) and node.module == "convts":
            flagged += [f"convts.{a.name}" for a in node.names if f"convts.{a.name}" not in MODULES]
    assert flagged == ["convts", "convts.fit_many", "convts.engine"] and probe.exists()


def test_nothing_inside_the_package_imports_the_package_root():
    """``import convts`` (or ``from convts import name``) inside convts runs the root's imports from
    a lower layer: an upward import the layer table cannot see."""
    bad = [f"{p.relative_to(SRC)}:{line} imports the package root"
           for m, p in MODULES.items() if m != "convts"
           for _target, line, root in _imports(p) if root]
    assert not bad, "; ".join(bad)


def _cycles(graph):
    """Strongly connected components with more than one module (or a module importing itself)."""
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def visit(v):  # Tarjan, iterative enough for this graph's depth
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1 or v in graph.get(v, ()):
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_cycle_finder_finds_a_loop():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_loops_inside_the_package():
    """No two modules import each other, directly or through others, counting imports inside
    functions too (a lazy import hides a loop at import time, not in the design).  Python's own
    import of a module's parent package is not an edge; ``from . import name`` of a name the
    package's ``__init__`` defines is."""
    graph = {}
    for m, p in MODULES.items():
        targets = set()
        for t, _line, _root in _imports(p):
            if t != m and t in MODULES:
                targets.add(t)
        graph[m] = targets
    loops = _cycles(graph)
    assert not loops, "import loops: " + "; ".join(" <-> ".join(c) for c in loops)
