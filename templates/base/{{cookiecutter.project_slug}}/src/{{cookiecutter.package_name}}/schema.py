{%- set spec = cookiecutter._archgen.spec -%}
"""What a prediction is asked for and what it answers, shared by the API, jobs and stream.

Generated from the model spec: one field per feature, with the spec's bounds
and categories, so bad input fails validation (HTTP 422, or a failed stream
record) instead of producing a silent score. Floats refuse NaN and infinity.
"""

from __future__ import annotations

import time
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from .model import Model, labels_from_scores
from .spec import CLASSES, DESCRIPTIONS, FEATURE_NAMES, ID_FIELD, TASK

EntityId = Field(min_length=1, max_length=128, pattern=r"^[\x21-\x7e]+$")
"""Ids are 1-128 printable ASCII characters without spaces."""


class Features(BaseModel):
    """One {{ spec.entity | replace("_", " ") }}'s features, named and ordered as in `spec.FEATURES`."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False, strict=True)
{% for f in spec.features %}
{%- if f.type == "float" %}
    {{ f.name }}: float = Field(
        ge={{ f.min }},
        le={{ f.max }},
        description=DESCRIPTIONS[{{ f.name | tojson }}],
    )
{%- elif f.type == "int" %}
    {{ f.name }}: int = Field(
        ge={{ f.min | int }},
        le={{ f.max | int }},
        description=DESCRIPTIONS[{{ f.name | tojson }}],
    )
{%- elif f.type == "category" %}
    {{ f.name }}: Literal[
{%- for v in f["values"] %}
        {{ v | tojson }},
{%- endfor %}
    ] = Field(description=DESCRIPTIONS[{{ f.name | tojson }}])
{%- else %}
    {{ f.name }}: bool = Field(description=DESCRIPTIONS[{{ f.name | tojson }}])
{%- endif %}
{%- endfor %}

    def row(self) -> tuple[Any, ...]:
        """Feature values in model column order."""
        return tuple(getattr(self, name) for name in FEATURE_NAMES)

    def feature_values(self) -> dict[str, Any]:
        """The features alone, by name (JSON-ready)."""
        return {name: getattr(self, name) for name in FEATURE_NAMES}


class PredictionRequest(Features):
    """One {{ spec.entity | replace("_", " ") }} to predict for: its `{{ spec.id }}` and its features."""

    model_config = ConfigDict(title={{ spec.entity_title | tojson }})

    {{ spec.id }}: str = EntityId

    @property
    def entity_id(self) -> str:
        return self.{{ spec.id }}


class Prediction(BaseModel):
    """The model's answer for one {{ spec.entity | replace("_", " ") }}."""

    model_config = ConfigDict(frozen=True)

    {{ spec.id }}: str
{%- if spec.task == "binary" %}
    prediction: Literal[
{%- for c in spec.classes %}
        {{ c | tojson }},
{%- endfor %}
    ]
    probability: float = Field(ge=0, le=1, description="Probability of {{ spec.positive_class }}.")
{%- elif spec.task == "multiclass" %}
    prediction: Literal[
{%- for c in spec.classes %}
        {{ c | tojson }},
{%- endfor %}
    ]
    probabilities: dict[str, float] = Field(description="Each class's probability.")
{%- else %}
    prediction: float = Field(description="The predicted {{ spec.target }}.")
{%- endif %}
    model_version: str

    @property
    def score(self) -> float:
        """One number per prediction: {% if spec.task == "binary" %}the probability of the positive class{% elif spec.task == "multiclass" %}the probability of the predicted class{% else %}the predicted value{% endif %}."""
{%- if spec.task == "binary" %}
        return self.probability
{%- elif spec.task == "multiclass" %}
        return self.probabilities[self.prediction]
{%- else %}
        return self.prediction
{%- endif %}


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
    """Score one request{% if spec.task == "binary" %}: {{ spec.positive_class }} at or above `threshold`{% endif %}."""
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
    labels = labels_from_scores(scores, threshold)
    if TASK == "binary":
        return [
            [i, CLASSES[label], round(float(s), 6)]
            for i, label, s in zip(ids, labels, scores[:, 0], strict=True)
        ]
    if TASK == "multiclass":
        return [
            [i, label, *(round(float(p), 6) for p in row)]
            for i, label, row in zip(ids, labels, scores, strict=True)
        ]
    return [[i, round(float(v), 6)] for i, v in zip(ids, labels, strict=True)]


class PredictionLogRecord(BaseModel):
    """One served prediction, as the API writes it to the prediction-log stream and the
    monitoring consumer reads it."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    request_id: str = EntityId
    entity_id: str = EntityId
{%- if spec.task == "regression" %}
    prediction: float
{%- else %}
    prediction: str
{%- endif %}
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
