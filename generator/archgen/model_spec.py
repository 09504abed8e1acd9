"""The model spec: the user's prediction problem, which the generated code speaks.

One spec describes what a prediction is about (`entity`), the request's id
field, the task (binary, multiclass or regression), the label column and the
features with their types, bounds and categories. The project's request and
response models, synthetic data, training pipeline, metric, quality gate,
batch columns, stream message and table item are all generated from it. The
spec is recorded in `.archgen.yaml`, so a project replays.

Without a spec, a project gets the source document's example: credit
decisions (`DEFAULT_SPEC`).
"""

from __future__ import annotations

import keyword
import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Task = Literal["binary", "multiclass", "regression"]
FeatureType = Literal["float", "int", "category", "bool"]
MetricName = Literal["auc", "macro_f1", "rmse"]

MAX_FEATURES = 200
MAX_CATEGORIES = 100
NAME_PATTERN = r"^[a-z][a-z0-9_]{0,62}$"
"""Field names become Python identifiers, JSON keys, CSV columns and DynamoDB attributes."""

RESERVED_NAMES = frozenset(
    {
        # keys the generated records and models use for themselves
        "request_id",
        "entity_id",
        "prediction",
        "probability",
        "probabilities",
        "score",
        "model_version",
        "features",
        "latency_ms",
        "time",
        "event_id",
        "pk",
        "sequence_number",
        "scored_at",
        "expires_at",
        "model_config",
        "model_fields",
        "row",
    }
)

DEFAULT_METRIC: dict[str, MetricName] = {
    "binary": "auc",
    "multiclass": "macro_f1",
    "regression": "rmse",
}
METRIC_FOR_TASK: dict[str, frozenset[str]] = {
    "binary": frozenset({"auc", "macro_f1"}),
    "multiclass": frozenset({"macro_f1"}),
    "regression": frozenset({"rmse"}),
}


def _check_name(value: str, what: str) -> str:
    if not re.match(NAME_PATTERN, value):
        raise ValueError(
            f"{what} {value!r} must be lower-case letters, digits and underscores, "
            "starting with a letter (at most 63 characters)"
        )
    if keyword.iskeyword(value) or value in RESERVED_NAMES:
        raise ValueError(f"{what} {value!r} is reserved in the generated code")
    return value


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class FeatureSpec(_Strict):
    """One model input: its name, type and the values a real request may hold."""

    name: str
    type: FeatureType
    min: float | None = None
    max: float | None = None
    values: list[str] = Field(default_factory=list)
    description: str = Field(default="", max_length=200)

    @field_validator("min", "max", mode="before")
    @classmethod
    def _number(cls, value: Any) -> Any:
        if isinstance(value, bool):
            raise ValueError("must be a number")
        if isinstance(value, int):
            return float(value)
        return value

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        return _check_name(value, "feature name")

    @model_validator(mode="after")
    def _consistent(self) -> FeatureSpec:
        numeric = self.type in ("float", "int")
        if not numeric and (self.min is not None or self.max is not None):
            raise ValueError(f"feature {self.name!r}: min/max apply to float and int features")
        if numeric:
            if self.min is None or self.max is None:
                raise ValueError(f"feature {self.name!r}: a {self.type} feature needs min and max")
            if not (-1e15 <= self.min < self.max <= 1e15):
                raise ValueError(f"feature {self.name!r}: needs min < max, both within +-1e15")
        if self.type == "category":
            if not 2 <= len(self.values) <= MAX_CATEGORIES:
                raise ValueError(
                    f"feature {self.name!r}: a category needs 2 to {MAX_CATEGORIES} values"
                )
            if len(set(self.values)) != len(self.values):
                raise ValueError(f"feature {self.name!r}: category values repeat")
            for value in self.values:
                if not 1 <= len(value) <= 64 or not value.isprintable():
                    raise ValueError(
                        f"feature {self.name!r}: category value {value[:20]!r} must be "
                        "1-64 printable characters"
                    )
        elif self.values:
            raise ValueError(f"feature {self.name!r}: values apply to category features")
        return self


class TargetRange(_Strict):
    """The scale of a regression target (what the synthetic data draws)."""

    min: float
    max: float

    @field_validator("min", "max", mode="before")
    @classmethod
    def _number(cls, value: Any) -> Any:
        return float(value) if isinstance(value, int) and not isinstance(value, bool) else value

    @model_validator(mode="after")
    def _ordered(self) -> TargetRange:
        if not self.min < self.max:
            raise ValueError("target_range needs min < max")
        return self


class Gate(_Strict):
    """The quality gate a trained model must pass before it is promoted."""

    metric: MetricName
    threshold: float

    @field_validator("threshold", mode="before")
    @classmethod
    def _number(cls, value: Any) -> Any:
        return float(value) if isinstance(value, int) and not isinstance(value, bool) else value


class ModelSpec(_Strict):
    """The user's prediction problem."""

    entity: str
    id: str
    task: Task
    target: str
    classes: list[str] = Field(default_factory=list)
    target_range: TargetRange | None = None
    gate: Gate | None = None
    features: list[FeatureSpec] = Field(min_length=1, max_length=MAX_FEATURES)

    @field_validator("entity")
    @classmethod
    def _entity(cls, value: str) -> str:
        return _check_name(value, "entity")

    @field_validator("id", "target")
    @classmethod
    def _field(cls, value: str) -> str:
        return _check_name(value, "field name")

    @model_validator(mode="after")
    def _consistent(self) -> ModelSpec:
        names = [f.name for f in self.features]
        seen: set[str] = set()
        for name in names:
            if name in seen:
                raise ValueError(f"feature {name!r} appears twice")
            seen.add(name)
        for what, name in (("id", self.id), ("target", self.target)):
            if name in seen:
                raise ValueError(f"{what} {name!r} is also a feature")
        if self.id == self.target:
            raise ValueError("id and target must differ")
        for cls_name in self.classes:
            if not re.match(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$", cls_name):
                raise ValueError(
                    f"class {cls_name[:20]!r} must be letters, digits, '_', '.', '-' "
                    "(at most 64 characters)"
                )
        if len(set(self.classes)) != len(self.classes):
            raise ValueError("classes repeat")
        if self.task == "binary" and self.classes and len(self.classes) != 2:
            raise ValueError("a binary task has exactly two classes: [negative, positive]")
        if self.task == "multiclass" and not 3 <= len(self.classes) <= MAX_CATEGORIES:
            raise ValueError(f"a multiclass task needs 3 to {MAX_CATEGORIES} classes")
        if self.task == "regression" and self.classes:
            raise ValueError("a regression task has no classes")
        if self.task != "regression" and self.target_range is not None:
            raise ValueError("target_range applies to regression")
        if self.gate is not None and self.gate.metric not in METRIC_FOR_TASK[self.task]:
            allowed = ", ".join(sorted(METRIC_FOR_TASK[self.task]))
            raise ValueError(
                f"gate metric {self.gate.metric!r} does not fit {self.task} ({allowed})"
            )
        if self.gate is not None and self.gate.metric in ("auc", "macro_f1"):
            if not 0.0 < self.gate.threshold <= 1.0:
                raise ValueError(f"gate threshold for {self.gate.metric} is within (0, 1]")
        if self.gate is not None and self.gate.metric == "rmse" and self.gate.threshold <= 0:
            raise ValueError("gate threshold for rmse must be positive")
        return self

    # Derived values -------------------------------------------------------------------------

    @property
    def class_names(self) -> list[str]:
        """Binary: [negative, positive]; multiclass: the classes; regression: none."""
        if self.task == "binary":
            return list(self.classes) or ["no", "yes"]
        return list(self.classes)

    @property
    def metric(self) -> MetricName:
        return self.gate.metric if self.gate else DEFAULT_METRIC[self.task]

    @property
    def target_bounds(self) -> tuple[float, float]:
        if self.target_range is None:
            return (0.0, 1.0)
        return (self.target_range.min, self.target_range.max)

    @property
    def metric_threshold(self) -> float:
        if self.gate is not None:
            return self.gate.threshold
        if self.metric == "rmse":
            low, high = self.target_bounds
            return round(0.25 * (high - low), 6)
        return {"auc": 0.7, "macro_f1": 0.5}[self.metric]

    def template_context(self) -> dict[str, Any]:
        """What templates see as `cookiecutter._archgen.spec` (plain JSON-ready values)."""
        low, high = self.target_bounds
        classes = self.class_names
        return {
            "entity": self.entity,
            "entity_title": "".join(part.capitalize() for part in self.entity.split("_")),
            "id": self.id,
            "task": self.task,
            "target": self.target,
            "classes": classes,
            "positive_class": classes[1] if self.task == "binary" else "",
            "metric": self.metric,
            "metric_goal": "min" if self.metric == "rmse" else "max",
            "metric_threshold": self.metric_threshold,
            "target_min": low,
            "target_max": high,
            "features": [
                {
                    "name": f.name,
                    "type": f.type,
                    "min": f.min,
                    "max": f.max,
                    "values": list(f.values),
                    "description": f.description,
                }
                for f in self.features
            ],
        }


DEFAULT_SPEC = ModelSpec(
    entity="applicant",
    id="applicant_id",
    task="binary",
    target="defaulted",
    classes=["approve", "decline"],
    features=[
        FeatureSpec(
            name="income", type="float", min=0.0, max=100_000_000.0, description="Yearly income."
        ),
        FeatureSpec(
            name="debt_ratio",
            type="float",
            min=0.0,
            max=5.0,
            description="Monthly debt payments / monthly income.",
        ),
        FeatureSpec(name="credit_history_months", type="int", min=0.0, max=1200.0),
        FeatureSpec(
            name="delinquencies",
            type="int",
            min=0.0,
            max=100.0,
            description="Past delinquent accounts.",
        ),
        FeatureSpec(name="requested_amount", type="float", min=0.0, max=100_000_000.0),
        FeatureSpec(
            name="employment",
            type="category",
            values=["employed", "self_employed", "unemployed", "retired"],
        ),
        FeatureSpec(name="homeowner", type="bool"),
    ],
)
"""The source document's credit-decision example: decline an applicant likely to default."""
