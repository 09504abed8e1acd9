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


ENTITY = "applicant"
"""What one prediction is about."""
ID_FIELD = "applicant_id"
"""The id field of a request, a stream message and an output row."""
TASK: Task = "binary"
TARGET = "defaulted"
"""The label column of training data (1 means decline)."""
CLASSES: tuple[str, ...] = (
    "approve",
    "decline",
)
"""[negative, positive]."""
POSITIVE_CLASS = "decline"
TARGET_RANGE: tuple[float, float] = (0.0, 1.0)
"""The scale of a regression target (what the synthetic data draws)."""
METRIC_NAME = "auc"
METRIC_GOAL: Literal["max", "min"] = "max"
METRIC_THRESHOLD = 0.7
"""The quality gate: a trained model is promoted only when its metric reaches this."""

FEATURES: tuple[Feature, ...] = (
    Feature(
        "income",
        "float",
        minimum=0.0,
        maximum=100000000.0,
        description="Yearly income.",
    ),
    Feature(
        "debt_ratio",
        "float",
        minimum=0.0,
        maximum=5.0,
        description="Monthly debt payments / monthly income.",
    ),
    Feature(
        "credit_history_months",
        "int",
        minimum=0.0,
        maximum=1200.0,
    ),
    Feature(
        "delinquencies",
        "int",
        minimum=0.0,
        maximum=100.0,
        description="Past delinquent accounts.",
    ),
    Feature(
        "requested_amount",
        "float",
        minimum=0.0,
        maximum=100000000.0,
    ),
    Feature(
        "employment",
        "category",
        values=(
            "employed",
            "self_employed",
            "unemployed",
            "retired",
        ),
    ),
    Feature(
        "homeowner",
        "bool",
    ),
)
"""Model inputs, in column order."""

FEATURE_NAMES: tuple[str, ...] = tuple(feature.name for feature in FEATURES)
DESCRIPTIONS: dict[str, str] = {
    feature.name: feature.description or f"{feature.kind} feature" for feature in FEATURES
}
