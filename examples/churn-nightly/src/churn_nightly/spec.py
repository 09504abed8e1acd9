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


ENTITY = "customer"
"""What one prediction is about."""
ID_FIELD = "customer_id"
"""The id field of a request, a stream message and an output row."""
TASK: Task = "binary"
TARGET = "churned"
"""The label column of training data (1 means churns)."""
CLASSES: tuple[str, ...] = (
    "stays",
    "churns",
)
"""[negative, positive]."""
POSITIVE_CLASS = "churns"
TARGET_RANGE: tuple[float, float] = (0.0, 1.0)
"""The scale of a regression target (what the synthetic data draws)."""
METRIC_NAME = "auc"
METRIC_GOAL: Literal["max", "min"] = "max"
METRIC_THRESHOLD = 0.7
"""The quality gate: a trained model is promoted only when its metric reaches this."""

FEATURES: tuple[Feature, ...] = (
    Feature(
        "tenure_months",
        "int",
        minimum=0.0,
        maximum=600.0,
    ),
    Feature(
        "monthly_charges",
        "float",
        minimum=0.0,
        maximum=10000.0,
        description="Average bill over the last three months.",
    ),
    Feature(
        "support_calls_90d",
        "int",
        minimum=0.0,
        maximum=200.0,
        description="Support calls in the last 90 days.",
    ),
    Feature(
        "plan",
        "category",
        values=(
            "basic",
            "standard",
            "premium",
        ),
    ),
    Feature(
        "contract",
        "category",
        values=(
            "monthly",
            "annual",
            "two_year",
        ),
    ),
    Feature(
        "autopay",
        "bool",
    ),
    Feature(
        "days_since_last_login",
        "int",
        minimum=0.0,
        maximum=3650.0,
    ),
)
"""Model inputs, in column order."""

FEATURE_NAMES: tuple[str, ...] = tuple(feature.name for feature in FEATURES)
DESCRIPTIONS: dict[str, str] = {
    feature.name: feature.description or f"{feature.kind} feature" for feature in FEATURES
}
