"""Shared fixtures: the ``backend`` fixture (one test body, every executor) and hypothesis settings."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

from convts.backends import available

# tests/reference.py (the loop oracles) is imported as a plain module by the test files
sys.path.insert(0, str(Path(__file__).parent))

# Deterministic and fast: few examples, no deadline (numba compiles on first use),
# derandomised so a CI run is reproducible.
settings.register_profile(
    "convts",
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
# The long profile: many random (not derandomised) examples, for a run by hand or a nightly job:
#     pytest tests/test_properties.py --hypothesis-profile=long
settings.register_profile(
    "long",
    max_examples=2000,
    deadline=None,
    derandomize=False,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
settings.load_profile("convts")


def pytest_configure(config):
    """``--hypothesis-profile=NAME`` wins over the default "convts" profile loaded above."""
    name = config.getoption("hypothesis_profile", None)
    settings.load_profile(name if name else "convts")

BACKENDS = ("numpy", "numba", "cupy")


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
