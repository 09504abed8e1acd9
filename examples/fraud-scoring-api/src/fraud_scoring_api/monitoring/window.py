"""What a team watches about the model, computed from prediction log records.

`summary` turns one batch of records into the prediction distribution and the
latency; `DriftWindow` keeps the most recent feature rows of a warm process and
compares them with the model's training data (`drift.population_stability`,
PSI per feature: under 0.1 stable, 0.1-0.25 worth watching, above 0.25
drifted). A window, not a batch: PSI over a few dozen rows is mostly noise, so
drift is reported once the window holds `min_rows` rows. Each Lambda container
keeps its own window (one per concurrent batch), so the figure describes
recent traffic through that container, not a global aggregate.
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import drift, spec
from ..schema import PredictionLogRecord

DRIFT_WINDOW_ROWS = 1_000
DRIFT_MIN_ROWS = 200


@dataclass(frozen=True)
class Summary:
    """One batch of predictions: plain metrics, class shares and the largest latency."""

    metrics: dict[str, float]
    """Predictions, MeanScore, PositiveRate (binary), LatencyMeanMs, LatencyMaxMs."""
    class_shares: dict[str, float]
    """Share of the batch predicted as each class (classification only)."""


def summary(records: Sequence[PredictionLogRecord]) -> Summary:
    """The prediction distribution and latency of `records` (empty records: no metrics)."""
    if not records:
        return Summary({}, {})
    scores = np.array([float(r.score) for r in records], dtype=float)
    latencies = np.array([float(r.latency_ms) for r in records], dtype=float)
    metrics = {
        "Predictions": float(len(records)),
        "MeanScore": float(scores.mean()),
        "LatencyMeanMs": float(latencies.mean()),
        "LatencyMaxMs": float(latencies.max()),
    }
    shares: dict[str, float] = {}
    if spec.TASK != "regression":
        counts = Counter(str(r.prediction) for r in records)
        shares = {name: counts.get(name, 0) / len(records) for name in spec.CLASSES}
    if spec.TASK == "binary":
        metrics["PositiveRate"] = shares.get(spec.POSITIVE_CLASS, 0.0)
    return Summary(metrics, shares)


def feature_values(features: Any) -> dict[str, Any]:
    """A record's features by name, whether a model of them or a plain mapping."""
    if isinstance(features, Mapping):
        return dict(features)
    return dict(features.model_dump(mode="json"))


def feature_row(features: Any) -> list[Any]:
    """A record's raw feature values in model column order."""
    values = feature_values(features)
    return [values[name] for name in spec.FEATURE_NAMES]


class DriftWindow:
    """The latest rows of one model version, compared with that version's training data."""

    def __init__(self, size: int = DRIFT_WINDOW_ROWS, min_rows: int = DRIFT_MIN_ROWS) -> None:
        if not 1 <= min_rows <= size:
            raise ValueError("DriftWindow needs 1 <= min_rows <= size")
        self.min_rows = min_rows
        self.version = ""
        self._rows: deque[list[Any]] = deque(maxlen=size)

    def __len__(self) -> int:
        return len(self._rows)

    def clear(self) -> None:
        """Forget every row (a new model, or a test starting over)."""
        self.version = ""
        self._rows.clear()

    def add(self, version: str, rows: Sequence[Sequence[Any]]) -> None:
        """Append rows served by `version`; a new version starts a new window."""
        if version != self.version:
            self.clear()
            self.version = version
        self._rows.extend(list(row) for row in rows)

    def psi(self, reference: Mapping[str, Any]) -> dict[str, float] | None:
        """PSI per feature over the window, or None while it holds fewer than `min_rows`."""
        if len(self._rows) < self.min_rows:
            return None
        rows = np.empty((len(self._rows), len(spec.FEATURE_NAMES)), dtype=object)
        for index, row in enumerate(self._rows):
            rows[index, :] = row
        return {
            name: float(value)
            for name, value in drift.population_stability(reference, rows).items()
        }
