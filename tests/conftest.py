"""Shared fixtures and collection rules.

- ``backend`` / ``xp``: one test body, every executor.
- ``dask_cluster``: one process-based Dask LocalCluster for the whole session, with bounded waits.
- Without CuPy and a GPU, every CuPy/GPU case of a file is replaced by one skipped item that
  names the reason and the number of cases (instead of one SKIPPED line per test function).
- Hypothesis settings; a report-header line saying which ``convts`` the run imports.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

import convts
from convts.backends import available, get_backend

# tests/reference.py (the loop oracles) is imported as a plain module by the test files
sys.path.insert(0, str(Path(__file__).parent))

# Deterministic and fast: few examples, no deadline (numba compiles on first use),
# derandomised so a CI run is reproducible.
_COMMON = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
settings.register_profile("convts", max_examples=40, derandomize=True, **_COMMON)
# The long profile: many random (not derandomised) examples, for a run by hand or a nightly job:
#     pytest tests/test_properties.py --hypothesis-profile=long
settings.register_profile("long", max_examples=2000, derandomize=False, **_COMMON)
settings.load_profile("convts")

BACKENDS = ("numpy", "numba", "cupy")


def pytest_report_header(config):
    return f"convts {convts.__version__} imported from {Path(convts.__file__).parent}"


def pytest_configure(config):
    # --hypothesis-profile=NAME wins over the default "convts" profile loaded above
    settings.load_profile(config.getoption("hypothesis_profile", None) or "convts")
    config.addinivalue_line("markers", "gpu: needs CuPy and a usable CUDA GPU (one skip per file without them)")
    # .ci/run's second pass tests the installed wheel: it must not pick up src/ by accident
    if os.environ.get("CONVTS_TEST_INSTALLED") == "1":
        where = Path(convts.__file__).resolve()
        if "site-packages" not in where.parts:
            raise pytest.UsageError(f"CONVTS_TEST_INSTALLED=1 but convts comes from {where}, not site-packages")


# ---------------------------------------------------------------------------------------- GPU
def _cupy_reason() -> str:
    try:
        mod = get_backend("cupy")
    except ImportError as exc:
        return f"no CuPy/GPU: {exc}"
    return "CuPy is installed but no CUDA GPU is usable: " + str(getattr(mod, "REASON", ""))


def _runs_on_gpu(item) -> bool:
    params = getattr(getattr(item, "callspec", None), "params", {})
    return item.get_closest_marker("gpu") is not None or "cupy" in (params.get("backend"), params.get("ns"))


class _GpuCasesSkipped(pytest.Item):
    """Stands for every CuPy/GPU case of one file on a machine without them: one skip, one reason."""

    def __init__(self, *, cases: int, reason: str, **kwargs):
        super().__init__(**kwargs)
        self.add_marker(pytest.mark.skip(reason=f"{cases} CuPy/GPU cases not run: {reason}"))

    def runtest(self):  # pragma: no cover - always skipped
        raise AssertionError("unreachable: the item carries a skip mark")

    def reportinfo(self):
        return self.path, 0, self.name


def pytest_collection_modifyitems(session, config, items):
    if available("cupy"):
        return
    reason = _cupy_reason()
    kept, gpu_by_file, first_at = [], {}, {}
    for item in items:
        if _runs_on_gpu(item):
            module = item.getparent(pytest.Module)
            gpu_by_file.setdefault(module, []).append(item)
            if module not in first_at:
                first_at[module] = len(kept)
                kept.append(module)  # placeholder, replaced below
        else:
            kept.append(item)
    for module, gpu_items in gpu_by_file.items():
        kept[first_at[module]] = _GpuCasesSkipped.from_parent(
            module, name="cupy_gpu_cases", cases=len(gpu_items), reason=reason)
    items[:] = kept


# ----------------------------------------------------------------------------------- backends
@pytest.fixture(params=BACKENDS)
def backend(request):
    """Every backend name; skips (saying why) the ones that cannot run here."""
    name = request.param
    if not available(name):
        pytest.skip(f"backend {name!r} is not available on this machine (not installed, or no GPU)")
    return name


@pytest.fixture
def xp(backend):
    """The array module of ``backend`` (numpy for CPU backends, cupy for cupy)."""
    if backend == "cupy":
        import cupy

        return cupy
    return np


@pytest.fixture
def rng():
    return np.random.default_rng(12345)


# --------------------------------------------------------------------------------------- Dask
# Bounded waits (seconds) for starting and closing the cluster; tests/test_dask.py bounds every
# computation.  Generous for a loaded 2-core machine, below the per-test pytest-timeout.
DASK_START_TIMEOUT = 180
DASK_CLOSE_TIMEOUT = 60


@pytest.fixture(scope="session")
def dask_cluster():
    """One process-based LocalCluster (2 worker processes, one thread each) for the session.

    Its client is not the global default: a test uses it inside ``client.as_current()`` (see
    tests/test_dask.py), so the rest of the suite keeps Dask's local schedulers.
    """
    distributed = pytest.importorskip("distributed",
                                      reason="dask.distributed is not installed (pip install 'convts[dask]')")
    cluster = distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1, dashboard_address=":0",
                                       silence_logs=logging.CRITICAL)
    try:
        client = distributed.Client(cluster, timeout=DASK_START_TIMEOUT, set_as_default=False)
        try:
            client.wait_for_workers(2, timeout=DASK_START_TIMEOUT)
            yield client
        finally:
            client.close(timeout=DASK_CLOSE_TIMEOUT)
    finally:
        cluster.close(timeout=DASK_CLOSE_TIMEOUT)
