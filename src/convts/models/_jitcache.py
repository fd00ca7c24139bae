"""numba's on-disk cache and compiled code that calls across modules.

numba (``cache=True``) checks a cached function against its own source file only (time stamp
and size).  A cached function that calls a compiled function of another module carries that
callee's machine code in its cache entry, so after an edit of the callee's file alone numba
would go on loading the old code.  The models' compiled code is arranged so that this cannot
bite:

* the leaf, calling no compiled code of another module: :mod:`.likelihood.transforms`
  (stationarity transforms, the Levinson step-down): numba's own check is enough for it;
* callers: :mod:`.likelihood.kalman` (state space, stationary covariance from the step-down,
  Kalman filter, Gaussian log-likelihood, CSS recursion), :mod:`.likelihood.adjoint` (the
  filter's gradient, on kalman's step), :mod:`.likelihood.toeplitz` (Durbin-Levinson with the steps of
  :mod:`convts.kernels._levinson`), :mod:`.likelihood.objective` (the compiled objectives and
  their gradients), :mod:`.estimators.compiled` (the whole per-series fit, with the
  optimisers of :mod:`.optimize` bound to its objectives), :mod:`._batch_forecast` (forecasts
  from the Kalman filter's state) and :mod:`.optimize` itself (its steps are leaves, but the
  copies of BFGS and Levenberg-Marquardt bound to an objective keep its file name).

:func:`drop_stale_callers` runs at the end of :mod:`.likelihood.kalman`'s import, i.e. before any
caller's cached function is first called (numba reads a cache entry at the first call): it hashes the sources of all of :data:`SOURCES` and, when the
digest differs from the one recorded in a caller's cache folder, deletes that caller's cache
files, so numba compiles them afresh once.  A new module whose cached functions call another
module's compiled functions goes into :data:`SOURCES` and :data:`CALLERS`.
"""

from __future__ import annotations

import glob
import hashlib
import os

SOURCES = ("likelihood/transforms.py", "likelihood/kalman.py", "likelihood/adjoint.py", "likelihood/toeplitz.py",
           "likelihood/objective.py",
           "optimize.py", "estimators/compiled.py", "../kernels/_levinson.py", "_batch_forecast.py")  # from here
# optimize.py is a caller too: the optimisers bound to an objective (:func:`.optimize.bind`) keep
# optimize.py as their source file, so numba caches those copies, objective inlined, under its name
CALLERS = ("likelihood/kalman.py", "likelihood/adjoint.py", "likelihood/toeplitz.py", "likelihood/objective.py",
           "estimators/compiled.py", "_batch_forecast.py", "optimize.py")
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


def drop_stale_callers(src_dir: str = os.path.dirname(__file__)) -> None:
    """:func:`drop_stale` for every caller of :data:`CALLERS`, in the cache folder numba uses for it.

    numba keeps the cache of each source folder in a folder of its own (``__pycache__`` next to
    the file, or below ``NUMBA_CACHE_DIR``); callers that share a folder are checked together
    (one stamp per folder).  Never raises.
    """
    for folder, stems in cache_folders(src_dir).items():
        drop_stale(folder, src_dir, SOURCES, tuple(stems))


def cache_folders(src_dir: str = os.path.dirname(__file__)) -> dict:
    """``{numba cache folder: [caller module stems]}`` for :data:`CALLERS` (empty when numba's
    locator API cannot be found: then nothing is dropped, and a test notices)."""
    try:
        from numba.core import caching

        impl = getattr(caching, "CacheImpl", None) or getattr(caching, "_CacheImpl")  # renamed in numba 0.6x
        folders: dict = {}
        for caller in CALLERS:
            path = os.path.join(src_dir, caller)
            for locator_class in impl._locator_classes:
                locator = locator_class.from_function(drop_stale, path)
                if locator is not None:
                    stem = os.path.splitext(os.path.basename(caller))[0]
                    folders.setdefault(locator.get_cache_path(), []).append(stem)
                    break
    except Exception:  # numba's private locator API moved: leave its caching as it is
        return {}
    return folders
