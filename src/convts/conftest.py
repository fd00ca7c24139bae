"""Doctest collection: skip modules whose optional extra is not installed (dask)."""

import importlib.util

collect_ignore = []
if importlib.util.find_spec("dask") is None or importlib.util.find_spec("distributed") is None:
    collect_ignore.append("dask.py")
