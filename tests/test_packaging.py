"""The wheel holds the whole package: built from the source tree, its file list is checked against it.

Oracle: the source tree itself -- every ``.py`` under ``src/convts`` and every ``datasets/*.csv``
(shipped as ``convts.data``) must be in the wheel, nothing else of the checkout may be (tests,
``__pycache__``, numba's ``.nbi``/``.nbc`` cache files), and the wheel must import on its own.
A hand-written package list once left out ``convts.whiten``; the wheel then could not import.
"""

from __future__ import annotations

import importlib.metadata
import os
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "convts"
DATASETS = ROOT / "datasets"
BUILD_INPUTS = ("pyproject.toml", "setup.py", "README.md", "LICENSE")

pytestmark = pytest.mark.skipif(not SRC.is_dir(), reason="no source tree next to the tests (src/convts)")


def _unmet_build_requirements() -> list[str]:
    """The build frontend and the pyproject build-system requirements that are not installed here."""
    try:
        import build  # noqa: F401
        from packaging.requirements import Requirement
    except ImportError:
        return ["build (pip install 'convts[test]')"]
    requires = tomllib.loads((ROOT / "pyproject.toml").read_text())["build-system"]["requires"]
    unmet = []
    for text in requires:
        req = Requirement(text)
        try:
            version = importlib.metadata.version(req.name)
        except importlib.metadata.PackageNotFoundError:
            unmet.append(f"{text} (not installed)")
            continue
        if not req.specifier.contains(version, prereleases=True):
            unmet.append(f"{text} (found {version})")
    return unmet


def _source_copy(dest: Path) -> Path:
    """The files the build reads, copied (a build writes build/ and *.egg-info next to its sources,
    and two test runs at once must not share them), plus the stray files a used checkout holds."""
    for name in BUILD_INPUTS:
        shutil.copy2(ROOT / name, dest / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", "*.py[cod]", "*.nbi", "*.nbc")
    shutil.copytree(ROOT / "src", dest / "src", ignore=ignore)
    shutil.copytree(DATASETS, dest / "datasets", ignore=ignore)
    for stray in ("src/convts/__pycache__/_config.cpython-311.pyc",
                  "src/convts/models/__pycache__/_kalman.stationary_cov-118.py311.nbi",
                  "src/convts/models/__pycache__/_kalman.stationary_cov-118.py311.1.nbc",
                  "datasets/__pycache__/__init__.cpython-311.pyc",
                  "datasets/.ipynb_checkpoints/airline-checkpoint.csv",
                  "tests/test_stray.py"):
        (dest / stray).parent.mkdir(parents=True, exist_ok=True)
        (dest / stray).write_text("stray file of a used checkout: must not reach the wheel\n")
    return dest


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    unmet = _unmet_build_requirements()
    if unmet:
        pytest.skip(f"cannot build the wheel without build isolation; missing: {', '.join(unmet)}")
    tree = _source_copy(tmp_path_factory.mktemp("tree"))
    out = tmp_path_factory.mktemp("dist")
    proc = subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(out), str(tree)],
        capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, f"python -m build --wheel failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    wheels = list(out.glob("convts-*.whl"))
    assert len(wheels) == 1, f"expected one wheel, found {wheels}"
    return wheels[0]


@pytest.fixture(scope="module")
def names(wheel) -> set[str]:
    with zipfile.ZipFile(wheel) as zf:
        return set(zf.namelist())


def test_every_module_of_the_source_tree_is_in_the_wheel(names):
    want = {f"convts/{p.relative_to(SRC).as_posix()}" for p in SRC.rglob("*.py") if "__pycache__" not in p.parts}
    assert "convts/whiten/__init__.py" in want and "convts/models/estimators/mle.py" in want  # the scan sees nested subpackages
    assert sorted(want - names) == []
    # and no module the source tree lacks (a stale build/ folder would add some)
    modules = {n for n in names if n.startswith("convts/") and n.endswith(".py") and not n.startswith("convts/data/")}
    assert sorted(modules - want) == []


def test_every_dataset_ships_as_convts_data(names, wheel):
    csvs = sorted(DATASETS.glob("*.csv"))
    assert len(csvs) >= 6
    for csv in csvs:
        assert f"convts/data/{csv.name}" in names
    assert "convts/data/README.md" in names and "convts/data/__init__.py" in names
    with zipfile.ZipFile(wheel) as zf:  # the bytes, not just the names
        for csv in csvs:
            assert zf.read(f"convts/data/{csv.name}") == csv.read_bytes(), csv.name
    data = {n for n in names if n.startswith("convts/data/")}
    assert data == {f"convts/data/{c.name}" for c in csvs} | {"convts/data/README.md", "convts/data/__init__.py"}


def test_no_tests_or_caches_in_the_wheel(names):
    bad = [n for n in names
           if n.startswith(("tests/", "test/", "datasets/", "src/"))
           or "__pycache__" in n or ".ipynb_checkpoints" in n or n.endswith((".pyc", ".pyo", ".nbi", ".nbc"))]
    assert bad == []
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert {n.split("/")[0] for n in names} == {"convts", f"convts-{version}.dist-info"}


def test_entry_point_and_metadata(wheel, names):
    with zipfile.ZipFile(wheel) as zf:
        info = next(n.split("/")[0] for n in names if n.endswith(".dist-info/METADATA"))
        entry_points = zf.read(f"{info}/entry_points.txt").decode()
        metadata = zf.read(f"{info}/METADATA").decode()
    assert "[console_scripts]" in entry_points
    assert "convts = convts.cli:main" in entry_points
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    requires = [line.split(":", 1)[1].strip() for line in metadata.splitlines() if line.startswith("Requires-Dist:")]
    for dep in project["dependencies"]:
        assert dep in requires, f"{dep} missing from the wheel's Requires-Dist"
    assert f"{info}/licenses/LICENSE" in names


def test_the_unpacked_wheel_imports_every_module_and_loads_a_dataset(wheel, tmp_path):
    """Run from the unpacked wheel alone (it comes first on sys.path, the source tree is not on it)."""
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as zf:
        zf.extractall(site)
    code = (
        "import importlib, pkgutil, sys, convts\n"
        f"assert convts.__file__.startswith({str(site)!r}), convts.__file__\n"
        # __main__ runs the CLI; _cupy needs CuPy; conftest modules need pytest; dask needs the extra
        "skip = {'convts.__main__', 'convts.backends._cupy', 'convts.conftest', 'convts.backends.conftest',\n"
        "        'convts.dask'}\n"
        "for m in pkgutil.walk_packages(convts.__path__, 'convts.'):\n"
        "    if m.name not in skip:\n"
        "        importlib.import_module(m.name)\n"
        "s = convts.datasets.load('airline')\n"
        "assert len(s) == 144, len(s)\n"
        "from convts.cli import main\n"
        "print('ok')\n"
    )
    env = {**os.environ, "PYTHONPATH": str(site)}
    proc = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.strip() == "ok"
