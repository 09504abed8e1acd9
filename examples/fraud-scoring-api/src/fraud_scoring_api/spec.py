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


ENTITY = "transaction"
"""What one prediction is about."""
ID_FIELD = "transaction_id"
"""The id field of a request, a stream message and an output row."""
TASK: Task = "binary"
TARGET = "is_fraud"
"""The label column of training data (1 means fraud)."""
CLASSES: tuple[str, ...] = (
    "legitimate",
    "fraud",
)
"""[negative, positive]."""
POSITIVE_CLASS = "fraud"
TARGET_RANGE: tuple[float, float] = (0.0, 1.0)
"""The scale of a regression target (what the synthetic data draws)."""
METRIC_NAME = "auc"
METRIC_GOAL: Literal["max", "min"] = "max"
METRIC_THRESHOLD = 0.75
"""The quality gate: a trained model is promoted only when its metric reaches this."""

FEATURES: tuple[Feature, ...] = (
    Feature(
        "amount",
        "float",
        minimum=0.0,
        maximum=1000000.0,
        description="Amount in the card\u0027s currency.",
    ),
    Feature(
        "merchant_category",
        "category",
        values=(
            "grocery",
            "electronics",
            "travel",
            "gambling",
            "restaurants",
            "online_services",
            "other",
        ),
    ),
    Feature(
        "card_present",
        "bool",
    ),
    Feature(
        "hour_of_day",
        "int",
        minimum=0.0,
        maximum=23.0,
    ),
    Feature(
        "distance_from_home_km",
        "float",
        minimum=0.0,
        maximum=20000.0,
    ),
    Feature(
        "transactions_last_24h",
        "int",
        minimum=0.0,
        maximum=1000.0,
    ),
    Feature(
        "account_age_days",
        "int",
        minimum=0.0,
        maximum=36500.0,
    ),
)
"""Model inputs, in column order."""

FEATURE_NAMES: tuple[str, ...] = tuple(feature.name for feature in FEATURES)
DESCRIPTIONS: dict[str, str] = {
    feature.name: feature.description or f"{feature.kind} feature" for feature in FEATURES
}
