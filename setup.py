"""Package list for setuptools; everything else is in pyproject.toml.

Every package under src/ is found (``find_packages``), so a new subpackage cannot be left out of
the wheel.  ``convts.data`` is added by name: its files live in the top-level ``datasets/`` folder
(mapped by ``package-dir`` in pyproject.toml), which no finder rooted at src/ can see, and
pyproject.toml's ``packages`` cannot combine a ``find`` with an extra name.
tests/test_packaging.py builds the wheel and checks its file list against the source tree.
"""

from setuptools import find_packages, setup

setup(packages=[*find_packages(where="src"), "convts.data"])
