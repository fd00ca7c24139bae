"""pytest collection for the backends package (doctests run with --doctest-modules).

``_cupy.py`` raises ImportError by design when CuPy is not installed (that is how
``convts.backends.available("cupy")`` learns it is missing), so it is not collected for
doctests on machines without CuPy.  It has no doctests; tests/test_gpu.py tests it.
"""

import importlib.util

collect_ignore = [] if importlib.util.find_spec("cupy") is not None else ["_cupy.py"]
