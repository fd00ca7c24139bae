"""Exog scenarios: ``forecast(steps, exog={"low": X1, "high": X2})`` -> one result with a scenario level."""

from __future__ import annotations

import numpy as np

__all__ = ["scenario_forecast"]


class _ScenarioPaths:
    """Simulated paths of every scenario stacked in the frame's row order (picklable)."""

    def __init__(self, parts):
        self.parts = parts

    def __call__(self, repetitions, random_state=None, bootstrap=False):
        rng = np.random.default_rng(random_state)
        return np.vstack([p(repetitions, rng, bootstrap) for p in self.parts])


def scenario_forecast(res, steps, scenarios: dict):
    """One :class:`PredictionResults` over all scenarios, indexed ``(scenario, <forecast period>)``.

    Each scenario's future exog is checked as in :meth:`ARIMAResults.get_forecast` (columns by
    name, rows by date); an error names the scenario.
    """
    import pandas as pd

    if not scenarios:
        raise ValueError("exog is an empty dict: give {scenario name: future exog, ...}")
    preds = {}
    for name, ex in scenarios.items():
        try:
            preds[name] = res.get_forecast(steps, exog=ex)
        except ValueError as exc:
            raise ValueError(f"exog scenario {name!r}: {exc}") from None
    first = next(iter(preds.values()))
    inner = first._index
    index = pd.MultiIndex.from_product(
        [pd.Index(list(preds), dtype=object), inner],
        names=["scenario", inner.name if inner.name is not None else ("step" if isinstance(inner, pd.RangeIndex) else None)])
    mean = np.concatenate([p._mean_t for p in preds.values()])
    se = np.concatenate([p.se_mean.to_numpy() for p in preds.values()])
    return type(first)(mean, se, index, name="predicted_mean",
                       paths=_ScenarioPaths([p._paths for p in preds.values()]), transform=first._transform)
