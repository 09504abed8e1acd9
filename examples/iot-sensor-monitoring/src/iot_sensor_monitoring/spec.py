"""The prediction problem this project serves, from its model spec (`.archgen.yaml`).

Every other module reads the problem from here: the request and response
models, the synthetic data, the training pipeline and its metric, the batch
columns, the stream message and the table item. To change the problem, edit
the spec and run `archgen update`, or edit this file and the code follows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Task = Literal["binary", "multiclass", "regression"]
Kind = Literal["float", "int", "category", "bool"]


@dataclass(frozen=True)
class Feature:
    """One model input: its name, type and the values a real request may hold."""

    name: str
    kind: Kind
    minimum: float | None = None
    maximum: float | None = None
    values: tuple[str, ...] = ()
    description: str = ""

    @property
    def numeric(self) -> bool:
        return self.kind in ("float", "int")


ENTITY = "reading"
"""What one prediction is about."""
ID_FIELD = "sensor_id"
"""The id field of a request, a stream message and an output row."""
TASK: Task = "regression"
TARGET = "vibration_rms"
"""The label column of training data."""
CLASSES: tuple[str, ...] = ()
"""None: regression predicts a number."""
POSITIVE_CLASS = ""
TARGET_RANGE: tuple[float, float] = (0.0, 40.0)
"""The scale of a regression target (what the synthetic data draws)."""
METRIC_NAME = "rmse"
METRIC_GOAL: Literal["max", "min"] = "min"
METRIC_THRESHOLD = 6.0
"""The quality gate: a trained model is promoted only when its metric reaches this."""

FEATURES: tuple[Feature, ...] = (
    Feature(
        "temperature_c",
        "float",
        minimum=-40.0,
        maximum=150.0,
        description="Bearing housing temperature.",
    ),
    Feature(
        "rpm",
        "int",
        minimum=0.0,
        maximum=20000.0,
    ),
    Feature(
        "load_pct",
        "float",
        minimum=0.0,
        maximum=120.0,
        description="Motor load as a share of its rating.",
    ),
    Feature(
        "site",
        "category",
        values=(
            "north",
            "south",
            "east",
        ),
    ),
    Feature(
        "running",
        "bool",
    ),
    Feature(
        "hours_since_service",
        "int",
        minimum=0.0,
        maximum=50000.0,
    ),
)
"""Model inputs, in column order."""

FEATURE_NAMES: tuple[str, ...] = tuple(feature.name for feature in FEATURES)
DESCRIPTIONS: dict[str, str] = {
    feature.name: feature.description or f"{feature.kind} feature" for feature in FEATURES
}
