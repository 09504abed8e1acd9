"""Feature drift: reference statistics saved with a model, and the population stability index.

At training time `reference_statistics` records, per feature, where the
training data lies: for a number, the edges of ten equal-population bins and
the share of rows in each; for a category or a boolean, the share of each
value. Monitoring compares live traffic with it: `population_stability`
gives each feature's PSI, the sum over bins of (live - reference) x
ln(live / reference). Read it as: below 0.1 stable, 0.1-0.25 worth a look,
above 0.25 drifted.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from .spec import FEATURES, Feature

BINS = 10
WATCH_PSI = 0.1
DRIFT_PSI = 0.25
_FLOOR = 1e-4
"""Empty bins count as this share, so the logarithm stays finite."""
OTHER = "__other__"


def _numeric(column: Any) -> npt.NDArray[np.float64]:
    return np.asarray(column, dtype=np.float64)


def _label(feature: Feature, value: Any) -> str:
    if feature.kind == "bool":
        return "true" if bool(value) else "false"
    text = str(value)
    return text if text in feature.values else OTHER


def _edges(values: npt.NDArray[np.float64]) -> list[float]:
    inner = np.quantile(values, np.linspace(0.0, 1.0, BINS + 1)[1:-1])
    return sorted({float(edge) for edge in inner})


def _bin_shares(values: npt.NDArray[np.float64], edges: Sequence[float]) -> list[float]:
    counts = np.bincount(np.searchsorted(edges, values, side="right"), minlength=len(edges) + 1)
    return [float(c) / max(1, len(values)) for c in counts]


def _value_shares(feature: Feature, column: Sequence[Any]) -> dict[str, float]:
    counts = Counter(_label(feature, value) for value in column)
    total = max(1, len(column))
    return {label: count / total for label, count in sorted(counts.items())}


def reference_statistics(rows: npt.NDArray[Any]) -> dict[str, Any]:
    """Per-feature reference distribution of training rows (rows x FEATURES), JSON-ready."""
    if len(rows) == 0:
        raise ValueError("reference statistics need at least one row")
    reference: dict[str, Any] = {}
    for index, feature in enumerate(FEATURES):
        column = rows[:, index]
        if feature.numeric:
            values = _numeric(column)
            edges = _edges(values)
            reference[feature.name] = {
                "edges": [round(e, 9) for e in edges],
                "shares": [round(s, 9) for s in _bin_shares(values, edges)],
            }
        else:
            reference[feature.name] = {"shares": _value_shares(feature, list(column))}
    return reference


def _psi(expected: Sequence[float], actual: Sequence[float]) -> float:
    total = 0.0
    for e, a in zip(expected, actual, strict=True):
        e, a = max(e, _FLOOR), max(a, _FLOOR)
        total += (a - e) * math.log(a / e)
    return total


def population_stability(reference: Mapping[str, Any], rows: npt.NDArray[Any]) -> dict[str, float]:
    """PSI of each feature of `rows` against `reference`; features the reference lacks are
    skipped, and no rows means no drift measured (an empty result)."""
    if len(rows) == 0:
        return {}
    result: dict[str, float] = {}
    for index, feature in enumerate(FEATURES):
        stats = reference.get(feature.name)
        if not isinstance(stats, Mapping):
            continue
        column = rows[:, index]
        if feature.numeric:
            edges = list(stats.get("edges", []))
            expected = list(stats.get("shares", []))
            if len(expected) != len(edges) + 1:
                continue
            actual = _bin_shares(_numeric(column), edges)
        else:
            shares: Mapping[str, float] = stats.get("shares", {})
            observed = _value_shares(feature, list(column))
            labels = sorted(set(shares) | set(observed))
            expected = [float(shares.get(label, 0.0)) for label in labels]
            actual = [observed.get(label, 0.0) for label in labels]
        result[feature.name] = round(_psi(expected, actual), 6)
    return result
