"""What a prediction is asked for and what it answers, shared by the API, jobs and stream.

Generated from the model spec: one field per feature, with the spec's bounds
and categories, so bad input fails validation (HTTP 422, or a failed stream
record) instead of producing a silent score. Floats refuse NaN and infinity.
"""

from __future__ import annotations

import time
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from .model import Model
from .spec import CLASSES, DESCRIPTIONS, FEATURE_NAMES, ID_FIELD, TASK

EntityId = Field(min_length=1, max_length=128, pattern=r"^[\x21-\x7e]+$")
"""Ids are 1-128 printable ASCII characters without spaces."""


class Features(BaseModel):
    """One transaction's features, named and ordered as in `spec.FEATURES`."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False, strict=True)

    amount: float = Field(
        ge=0.0,
        le=1000000.0,
        description=DESCRIPTIONS["amount"],
    )
    merchant_category: Literal[
        "grocery",
        "electronics",
        "travel",
        "gambling",
        "restaurants",
        "online_services",
        "other",
    ] = Field(description=DESCRIPTIONS["merchant_category"])
    card_present: bool = Field(description=DESCRIPTIONS["card_present"])
    hour_of_day: int = Field(
        ge=0,
        le=23,
        description=DESCRIPTIONS["hour_of_day"],
    )
    distance_from_home_km: float = Field(
        ge=0.0,
        le=20000.0,
        description=DESCRIPTIONS["distance_from_home_km"],
    )
    transactions_last_24h: int = Field(
        ge=0,
        le=1000,
        description=DESCRIPTIONS["transactions_last_24h"],
    )
    account_age_days: int = Field(
        ge=0,
        le=36500,
        description=DESCRIPTIONS["account_age_days"],
    )

    def row(self) -> tuple[Any, ...]:
        """Feature values in model column order."""
        return tuple(getattr(self, name) for name in FEATURE_NAMES)

    def feature_values(self) -> dict[str, Any]:
        """The features alone, by name (JSON-ready)."""
        return {name: getattr(self, name) for name in FEATURE_NAMES}


class PredictionRequest(Features):
    """One transaction to predict for: its `transaction_id` and its features."""

    model_config = ConfigDict(title="Transaction")

    transaction_id: str = EntityId

    @property
    def entity_id(self) -> str:
        return self.transaction_id


class Prediction(BaseModel):
    """The model's answer for one transaction."""

    model_config = ConfigDict(frozen=True)

    transaction_id: str
    prediction: Literal[
        "legitimate",
        "fraud",
    ]
    probability: float = Field(ge=0, le=1, description="Probability of fraud.")
    model_version: str

    @property
    def score(self) -> float:
        """One number per prediction: the probability of the positive class."""
        return self.probability


def prediction_from_scores(
    entity_id: str, scores: list[float], version: str, threshold: float
) -> Prediction:
    """The answer for one row's model scores (`Model.predict_one` output)."""
    values: dict[str, Any] = {ID_FIELD: entity_id, "model_version": version}
    if TASK == "binary":
        positive = scores[0] >= threshold
        values.update(prediction=CLASSES[int(positive)], probability=round(scores[0], 6))
    elif TASK == "multiclass":
        values["probabilities"] = {c: round(p, 6) for c, p in zip(CLASSES, scores, strict=True)}
        values["prediction"] = CLASSES[max(range(len(scores)), key=scores.__getitem__)]
    else:
        values["prediction"] = round(scores[0], 6)
    return Prediction.model_validate(values)


def predict(model: Model, request: PredictionRequest, threshold: float) -> Prediction:
    """Score one request: fraud at or above `threshold`."""
    scores = model.predict_one(request.row())
    return prediction_from_scores(request.entity_id, scores, model.metadata.version, threshold)


OUTPUT_COLUMNS: tuple[str, ...] = (
    ID_FIELD,
    "prediction",
    *(("probability",) if TASK == "binary" else ()),
    *(f"probability_{c}" for c in (CLASSES if TASK == "multiclass" else ())),
)
"""The columns of a batch output file."""


def output_rows(ids: list[str], scores: Any, threshold: float) -> list[list[Any]]:
    """Batch output rows (OUTPUT_COLUMNS) for a block of ids and their model scores."""
    rounded = np.round(scores, 6).tolist()
    if TASK == "binary":
        labels = np.where(scores[:, 0] >= threshold, CLASSES[1], CLASSES[0]).tolist()
        return [[i, label, p[0]] for i, label, p in zip(ids, labels, rounded, strict=True)]
    if TASK == "multiclass":
        labels = np.asarray(CLASSES)[np.argmax(scores, axis=1)].tolist()
        return [[i, label, *p] for i, label, p in zip(ids, labels, rounded, strict=True)]
    return [[i, v[0]] for i, v in zip(ids, rounded, strict=True)]


class PredictionLogRecord(BaseModel):
    """One served prediction, as the API writes it to the prediction-log stream and the
    monitoring consumer reads it."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    request_id: str = EntityId
    entity_id: str = EntityId
    prediction: str
    score: float
    model_version: str = Field(min_length=1, max_length=128)
    features: Features
    latency_ms: float = Field(ge=0)
    time: float = Field(gt=0, description="When it was served, seconds since the epoch.")

    @classmethod
    def build(
        cls,
        request: PredictionRequest,
        prediction: Prediction,
        request_id: str,
        latency_ms: float,
    ) -> PredictionLogRecord:
        return cls(
            request_id=request_id,
            entity_id=request.entity_id,
            prediction=prediction.prediction,
            score=prediction.score,
            model_version=prediction.model_version,
            features=Features.model_validate(request.feature_values()),
            latency_ms=round(latency_ms, 3),
            time=time.time(),
        )
