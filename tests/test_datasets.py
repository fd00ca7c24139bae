"""Tests for convts.datasets: bundled CSVs, loader, metadata and provenance."""

from __future__ import annotations

from importlib import resources

import numpy as np
import pandas as pd
import pytest

from convts import datasets

EXPECTED = {
    # name: (column, freqstr, length, start, end, first, last)
    "airline": ("passengers", "MS", 144, "1949-01-01", "1960-12-01", 112.0, 432.0),
    "co2": ("co2", "MS", 526, "1958-03-01", "2001-12-01", 316.1, 371.02),
    "lake_huron": ("level", "YS-JAN", 98, "1875-01-01", "1972-01-01", 580.38, 579.96),
    "nile": ("flow", "YS-JAN", 100, "1871-01-01", "1970-01-01", 1120.0, 740.0),
    "sunspots": ("sunspots", "YS-JAN", 309, "1700-01-01", "2008-01-01", 5.0, 2.9),
    "us_accidental_deaths": ("deaths", "MS", 72, "1973-01-01", "1978-12-01", 9007.0, 9240.0),
}

# Box & Jenkins series G as printed in pmdarima 2.1.1 (pmdarima.datasets.load_airpassengers),
# a source independent of the R-derived CSV we ship.
AIRLINE_PMDARIMA = [
    112, 118, 132, 129, 121, 135, 148, 148, 136, 119, 104, 118,
    115, 126, 141, 135, 125, 149, 170, 170, 158, 133, 114, 140,
    145, 150, 178, 163, 172, 178, 199, 199, 184, 162, 146, 166,
    171, 180, 193, 181, 183, 218, 230, 242, 209, 191, 172, 194,
    196, 196, 236, 235, 229, 243, 264, 272, 237, 211, 180, 201,
    204, 188, 235, 227, 234, 264, 302, 293, 259, 229, 203, 229,
    242, 233, 267, 269, 270, 315, 364, 347, 312, 274, 237, 278,
    284, 277, 317, 313, 318, 374, 413, 405, 355, 306, 271, 306,
    315, 301, 356, 348, 355, 422, 465, 467, 404, 347, 305, 336,
    340, 318, 362, 348, 363, 435, 491, 505, 404, 359, 310, 337,
    360, 342, 406, 396, 420, 472, 548, 559, 463, 407, 362, 405,
    417, 391, 419, 461, 472, 535, 622, 606, 508, 461, 390, 432,
]


def test_names_sorted_and_complete():
    got = datasets.names()
    assert got == sorted(got)
    assert got == sorted(EXPECTED)


def test_names_match_csv_files():
    files = sorted(
        p.name[: -len(".csv")]
        for p in resources.files("convts.data").iterdir()
        if p.name.endswith(".csv")
    )
    assert files == datasets.names()


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_load_shape_freq_and_endpoints(name):
    column, freqstr, length, start, end, first, last = EXPECTED[name]
    s = datasets.load(name)
    assert isinstance(s, pd.Series)
    assert isinstance(s.index, pd.DatetimeIndex)
    assert s.index.freq is not None
    assert s.index.freqstr == freqstr
    assert s.name == column
    assert s.dtype == np.float64
    assert len(s) == length
    assert s.index[0] == pd.Timestamp(start)
    assert s.index[-1] == pd.Timestamp(end)
    assert s.iloc[0] == pytest.approx(first)
    assert s.iloc[-1] == pytest.approx(last)
    assert s.notna().all()
    assert s.index.is_monotonic_increasing and s.index.is_unique
    # The index is really regular: rebuilding it from start/freq gives the same dates.
    pd.testing.assert_index_equal(
        s.index, pd.date_range(start, periods=length, freq=freqstr, name="date")
    )


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_describe_matches_data(name):
    d = datasets.describe(name)
    s = datasets.load(name)
    assert d["name"] == name
    assert d["column"] == s.name
    assert d["freq"] == s.index.freqstr
    assert d["length"] == len(s)
    assert d["start"] == s.index[0].strftime("%Y-%m-%d")
    assert d["end"] == s.index[-1].strftime("%Y-%m-%d")
    assert d["first"] == pytest.approx(s.iloc[0])
    assert d["last"] == pytest.approx(s.iloc[-1])
    for key in ("units", "source", "extracted_from", "title"):
        assert isinstance(d[key], str) and d[key]


def test_info_table():
    table = datasets.info()
    assert list(table.index) == datasets.names()
    assert table.loc["airline", "length"] == 144
    assert {"freq", "length", "start", "end", "units", "source"} <= set(table.columns)


def test_readme_documents_every_dataset():
    readme = resources.files("convts.data").joinpath("README.md").read_text(encoding="utf-8")
    for name, (column, freqstr, length, start, end, first, last) in EXPECTED.items():
        assert f"`{name}`" in readme
        assert f"{name}.csv" in readme
        assert str(length) in readme
    assert "public domain" in readme.lower()


def test_unknown_name_lists_available():
    with pytest.raises(ValueError) as excinfo:
        datasets.load("no_such_series")
    msg = str(excinfo.value)
    assert "no_such_series" in msg
    for name in datasets.names():
        assert name in msg
    with pytest.raises(ValueError):
        datasets.describe("no_such_series")


def test_non_string_name():
    with pytest.raises(TypeError):
        datasets.load(3)


def test_alias_and_case():
    a = datasets.load("airline")
    pd.testing.assert_series_equal(datasets.load("air_passengers"), a)
    pd.testing.assert_series_equal(datasets.load("AirPassengers"), a)
    pd.testing.assert_series_equal(datasets.load("Lake-Huron"), datasets.load("lake_huron"))


def test_load_returns_fresh_copy():
    a = datasets.load("nile")
    a.iloc[0] = -1.0
    assert datasets.load("nile").iloc[0] == 1120.0


# --- cross-checks against independent sources -----------------------------------------


def test_airline_matches_pmdarima_listing():
    s = datasets.load("airline")
    np.testing.assert_array_equal(s.to_numpy(), np.asarray(AIRLINE_PMDARIMA, dtype=float))


def test_nile_matches_statsmodels():
    from statsmodels.datasets import nile

    sm_nile = nile.load_pandas().data
    s = datasets.load("nile")
    np.testing.assert_array_equal(s.index.year, sm_nile["year"].astype(int).to_numpy())
    np.testing.assert_array_equal(s.to_numpy(), sm_nile["volume"].to_numpy(dtype=float))


def test_sunspots_match_statsmodels():
    from statsmodels.datasets import sunspots

    sm_sun = sunspots.load_pandas().data
    s = datasets.load("sunspots")
    np.testing.assert_array_equal(s.index.year, sm_sun["YEAR"].astype(int).to_numpy())
    np.testing.assert_allclose(s.to_numpy(), sm_sun["SUNACTIVITY"].to_numpy(dtype=float))


def test_co2_is_monthly_mean_of_statsmodels_weekly():
    from statsmodels.datasets import co2

    weekly = co2.load_pandas().data["co2"]
    monthly = weekly.resample("MS").mean()
    missing = monthly.index[monthly.isna()]
    assert [d.strftime("%Y-%m") for d in missing] == [
        "1958-06", "1958-10", "1964-02", "1964-03", "1964-04",
    ]
    expected = monthly.interpolate(method="linear")
    s = datasets.load("co2")
    np.testing.assert_array_equal(s.index, expected.index)
    # The CSV stores the means rounded to 4 decimals.
    np.testing.assert_allclose(s.to_numpy(), expected.to_numpy(), rtol=0, atol=5e-5)
    # Observed months are plain means of the weekly values.
    observed = monthly.dropna()
    np.testing.assert_allclose(s[observed.index].to_numpy(), observed.to_numpy(), atol=5e-5)


def test_us_accidental_deaths_known_values():
    # First year as listed by Brockwell & Davis / R's USAccDeaths; R: mean(USAccDeaths) = 8788.792.
    s = datasets.load("us_accidental_deaths")
    np.testing.assert_array_equal(
        s["1973"].to_numpy(),
        [9007, 8106, 8928, 9137, 10017, 10826, 11317, 10744, 9713, 9938, 9161, 8927],
    )
    assert s.sum() == 632793.0
    assert s.mean() == pytest.approx(8788.792, abs=1e-3)


def test_lake_huron_known_summary():
    s = datasets.load("lake_huron")
    # R: mean(LakeHuron) = 579.0041 (Brockwell & Davis series A).
    assert s.mean() == pytest.approx(579.0041, abs=1e-4)
    assert s.min() == pytest.approx(575.96)
    assert s.max() == pytest.approx(581.86)
