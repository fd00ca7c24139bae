"""Edge inputs for fourier and cross_validation.

Oracles: the closed form ``sin(2 pi j t / p)``, ``cos(2 pi j t / p)`` at ``t = 1..n`` (R's
forecast::fourier, which keeps one column per term even where two names coincide), and pandas'
own row counts for the long frame.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import convts


def _closed_form(n, terms):
    t = np.arange(1, n + 1, dtype=np.float64)
    cols = []
    for j, p, kind in terms:
        cols.append(np.sin(2 * np.pi * j * t / p) if kind == "S" else np.cos(2 * np.pi * j * t / p))
    return np.column_stack(cols)


@pytest.mark.parametrize(
    "period, K, terms",
    [
        # two periods that round to one name: R keeps both pairs (4 columns)
        ([7.0, 7.2], [1, 1], [(1, 7.0, "S"), (1, 7.0, "C"), (1, 7.2, "S"), (1, 7.2, "C")]),
        ([6.6, 7.4, 30.0], [2, 1, 1], [(1, 6.6, "S"), (1, 6.6, "C"), (2, 6.6, "S"), (2, 6.6, "C"),
                                        (1, 7.4, "S"), (1, 7.4, "C"), (1, 30.0, "S"), (1, 30.0, "C")]),
        # the same period twice: R drops the repeated harmonic (duplicated(k / period))
        ([7.0, 7.0], [1, 2], [(1, 7.0, "S"), (1, 7.0, "C"), (2, 7.0, "S"), (2, 7.0, "C")]),
        # 2 k == period: the sine is identically 0 and dropped
        ([4.0, 12.0], [2, 1], [(1, 4.0, "S"), (1, 4.0, "C"), (2, 4.0, "C"), (1, 12.0, "S"), (1, 12.0, "C")]),
    ],
)
def test_fourier_keeps_one_column_per_term(period, K, terms):
    n = 40
    X = convts.fourier(n, period, K)
    assert X.shape == (n, len(terms))
    assert X.columns.is_unique
    np.testing.assert_allclose(X.to_numpy(), _closed_form(n, terms), atol=1e-12)
    # the future terms continue the same columns
    F = convts.fourier(n, period, K, h=5)
    assert list(F.columns) == list(X.columns)
    np.testing.assert_allclose(F.to_numpy(), _closed_form(n + 5, terms)[n:], atol=1e-12)


def test_fourier_names_follow_r_when_rounded_periods_differ():
    assert list(convts.fourier(20, [7.0, 365.25], [1, 1]).columns) == ["S1-7", "C1-7", "S1-365", "C1-365"]
    assert list(convts.fourier(20, [7.0, 7.2], [1, 1]).columns) == ["S1-7", "C1-7", "S1-7.2", "C1-7.2"]


@pytest.mark.parametrize("col", ["unique_id", "ds"])
def test_cross_validation_refuses_missing_ids_and_times(col):
    rng = np.random.default_rng(0)
    long = pd.DataFrame({"unique_id": ["a"] * 20 + ["b"] * 20, "ds": list(range(20)) * 2,
                         "y": rng.standard_normal(40)})
    long[col] = long[col].astype(object)
    long.loc[3, col] = None  # groupby would drop this row silently and shorten series 'a'
    with pytest.raises(ValueError, match=f"{col}.*missing"):
        convts.cross_validation(long, h=2, order=(1, 0, 0))


@pytest.mark.parametrize("x, method", [
    (np.full(30, 5.0), "guerrero"),  # constant: every lambda transforms it into a constant
    (np.full(30, 5.0), "loglik"),
    (np.arange(1.0, 4.0), "guerrero"),  # one subseries of two: its CV over seasons is 0 / 0
    (np.repeat([1.0, 2.0, 3.0, 4.0], 2), "guerrero"),  # every subseries without spread
])
def test_boxcox_lambda_without_information_is_one_and_silent(x, method):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert convts.boxcox_lambda(x, method=method) == 1.0


def test_boxcox_lambda_of_an_exact_linear_trend_by_loglik_is_one():
    # closed form: lambda = 1 leaves a straight line, whose trend regression has zero residuals
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert convts.boxcox_lambda(np.arange(1.0, 31.0), method="loglik") == 1.0


def test_boxcox_lambda_refuses_all_missing():
    with pytest.raises(ValueError, match="no finite values"):
        convts.boxcox_lambda(np.full(30, np.nan))
