"""numba's on-disk cache and compiled code that calls across modules.

numba (``cache=True``) checks a cached function against its own source file only (time stamp
and size).  A cached function that calls a compiled function of another module carries that
callee's machine code in its cache entry, so after an edit of the callee's file alone numba
would go on loading the old code.  The models' compiled code is arranged so that this cannot
bite:

* leaves, calling no compiled code of another module: :mod:`._transforms` (stationarity
  transforms), :mod:`._kalman` (state space, stationary covariance, Kalman filter, Gaussian
  log-likelihood, CSS recursion) and :mod:`._toeplitz` (autocovariances, Durbin-Levinson):
  numba's own check is enough for them;
* callers: :mod:`._objective` (the fused objectives of the single-series fit) and
  :mod:`._batch_numba` (``fit_many``).

:func:`drop_stale` runs when :mod:`._kalman` is imported, i.e. before any caller module
defines a function: it hashes the sources of all of :data:`SOURCES` and, when the digest
differs from the one recorded in the cache folder, deletes the callers' cache files, so numba
compiles them afresh once.  A new module whose cached functions call another module's compiled
functions goes into :data:`SOURCES` and :data:`CALLERS`.
"""

from __future__ import annotations

import glob
import hashlib
import os

SOURCES = ("_transforms.py", "_kalman.py", "_objective.py", "_toeplitz.py", "_batch_numba.py")
CALLERS = ("_objective", "_batch_numba")
_STAMP = "convts_models_sources.sha1"


def drop_stale(cache_dir: str, src_dir: str = os.path.dirname(__file__), sources=SOURCES, callers=CALLERS) -> bool:
    """Delete the callers' numba cache files in ``cache_dir`` when a source changed; True if it did.

    Never raises: a read-only or missing cache folder leaves numba's caching as it is.
    """
    digest = hashlib.sha1()
    try:
        for name in sources:
            with open(os.path.join(src_dir, name), "rb") as f:
                digest.update(f.read())
    except OSError:
        return False
    digest = digest.hexdigest()
    stamp = os.path.join(cache_dir, _STAMP)
    try:
        with open(stamp) as f:
            if f.read() == digest:
                return False
    except OSError:
        pass
    for mod in callers:
        for path in glob.glob(os.path.join(glob.escape(cache_dir), f"{mod}.*.nb[ic]")):
            try:
                os.remove(path)
            except OSError:
                pass
    try:
        os.makedirs(cache_dir, exist_ok=True)
        tmp = f"{stamp}.{os.getpid()}"
        with open(tmp, "w") as f:
            f.write(digest)
        os.replace(tmp, stamp)
    except OSError:
        pass
    return True
