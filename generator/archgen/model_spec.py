"""The model spec: the user's prediction problem, which the generated code speaks.

One spec describes what a prediction is about (`entity`), the request's id
field, the task (binary, multiclass or regression), the label column and the
features with their types, bounds and categories. The project's request and
response models, synthetic data, training pipeline, metric, quality gate,
batch columns, stream message and table item are all generated from it. The
spec is recorded in `.archgen.yaml`, so a project replays.

Without a spec, a project gets the source document's example: credit
decisions (`DEFAULT_SPEC`). `load_spec` reads a spec file (`--schema`) through
`safe_io`; every error is one `SpecError` line naming `file:line: field`
(`features[1].max`), which is why the validators raise `LocatedError` for the
exact item. `spec_data` and `dump_spec` write a spec back so it loads equal.
What names and texts may hold lives in `spec_names.py`.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from archgen.errors import SpecError
from archgen.spec_names import (
    check_class,
    check_description,
    check_name,
    check_value,
)
from archgen.yaml_lines import (
    Lines,
    LocatedError,
    describe,
    dotted,
    error_loc,
    read_located,
    where,
)

Task = Literal["binary", "multiclass", "regression"]
FeatureType = Literal["float", "int", "category", "bool"]
MetricName = Literal["auc", "macro_f1", "rmse"]

MAX_FEATURES = 200
MAX_CATEGORIES = 100
MAX_BOUND = 1e15
"""The largest magnitude of a bound: far beyond any real feature, safely inside a float."""


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
METRIC_GOAL: dict[str, Literal["max", "min"]] = {"auc": "max", "macro_f1": "max", "rmse": "min"}
"""Whether a higher (max) or a lower (min) value of the metric is the better model."""


def _number(value: Any) -> Any:
    """Accept an integer where a number is asked; refuse a boolean (YAML's yes/no)."""
    if isinstance(value, bool):
        raise ValueError("must be a number, not true or false")
    if isinstance(value, int):
        return float(value) if abs(value) <= 2 * MAX_BOUND else math.inf
    return value


def _bounded(value: float) -> float:
    if not -MAX_BOUND <= value <= MAX_BOUND:
        raise ValueError(f"must be a finite number within +-{MAX_BOUND:g}")
    return value


def _repeat(items: list[str], field: str) -> None:
    """A LocatedError at the second occurrence of a repeated item."""
    first: dict[str, int] = {}
    for i, item in enumerate(items):
        if item in first:
            raise LocatedError((i,), f"{item[:20]!r} repeats {field}[{first[item]}]")
        first[item] = i


Name = Annotated[str, AfterValidator(check_name)]
CategoryValue = Annotated[str, AfterValidator(check_value)]
ClassName = Annotated[str, AfterValidator(check_class)]
Description = Annotated[str, Field(max_length=200), AfterValidator(check_description)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class FeatureSpec(_Strict):
    """One model input: its name, type and the values a real request may hold."""

    name: Name
    type: FeatureType
    min: float | None = None
    max: float | None = None
    values: list[CategoryValue] = Field(default_factory=list)
    description: Description = ""

    _as_number = field_validator("min", "max", mode="before")(_number)

    @field_validator("min", "max")
    @classmethod
    def _bound(cls, value: float | None, info: ValidationInfo) -> float | None:
        if value is None:
            return None
        _bounded(value)
        if info.data.get("type") == "int" and not value.is_integer():
            raise ValueError("an int feature's bounds are whole numbers")
        low = info.data.get("min")
        if info.field_name == "max" and low is not None and not value > low:
            raise ValueError("must be greater than min")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> FeatureSpec:
        numeric = self.type in ("float", "int")
        for key in ("min", "max"):
            given = getattr(self, key) is not None
            if numeric and not given:
                raise LocatedError((key,), f"a {self.type} feature needs min and max")
            if given and not numeric:
                raise LocatedError((key,), "min and max apply to float and int features")
        if self.type == "category":
            if not 2 <= len(self.values) <= MAX_CATEGORIES:
                raise LocatedError(
                    ("values",), f"a category feature needs 2 to {MAX_CATEGORIES} values"
                )
            try:
                _repeat(self.values, "values")
            except LocatedError as err:
                raise LocatedError(("values", *err.loc), str(err)) from None
        elif self.values:
            raise LocatedError(("values",), "values apply to category features")
        return self


class TargetRange(_Strict):
    """The scale of a regression target (what the synthetic data draws)."""

    min: float
    max: float

    _as_number = field_validator("min", "max", mode="before")(_number)

    @field_validator("min", "max")
    @classmethod
    def _bound(cls, value: float, info: ValidationInfo) -> float:
        _bounded(value)
        low = info.data.get("min")
        if info.field_name == "max" and low is not None and not value > low:
            raise ValueError("must be greater than min")
        return value


class Gate(_Strict):
    """The quality gate a trained model must pass before it is promoted."""

    metric: MetricName
    threshold: float

    _as_number = field_validator("threshold", mode="before")(_number)

    @field_validator("threshold")
    @classmethod
    def _finite(cls, value: float) -> float:
        return _bounded(value)


class ModelSpec(_Strict):
    """The user's prediction problem."""

    entity: Name
    id: Name
    task: Task
    target: Name
    classes: list[ClassName] = Field(default_factory=list)
    target_range: TargetRange | None = None
    gate: Gate | None = None
    features: list[FeatureSpec] = Field(min_length=1, max_length=MAX_FEATURES)

    @model_validator(mode="after")
    def _consistent(self) -> ModelSpec:
        names = [f.name for f in self.features]
        try:
            _repeat(names, "features")
        except LocatedError as err:
            raise LocatedError(("features", *err.loc, "name"), str(err)) from None
        for key in ("id", "target"):
            name = getattr(self, key)
            if name in names:
                raise LocatedError((key,), f"{name!r} is also features[{names.index(name)}]")
        if self.id == self.target:
            raise LocatedError(("target",), "must differ from id")
        try:
            _repeat(self.classes, "classes")
        except LocatedError as err:
            raise LocatedError(("classes", *err.loc), str(err)) from None
        task, classes = self.task, self.classes
        if task == "binary" and classes and len(classes) != 2:
            raise LocatedError(("classes",), "a binary task has two classes: [negative, positive]")
        if task == "multiclass" and not 3 <= len(classes) <= MAX_CATEGORIES:
            raise LocatedError(("classes",), f"a multiclass task needs 3 to {MAX_CATEGORIES}")
        if task == "regression" and classes:
            raise LocatedError(("classes",), "a regression task has no classes")
        if task != "regression" and self.target_range is not None:
            raise LocatedError(("target_range",), "applies to a regression task only")
        if self.gate is not None:
            self._check_gate(self.gate)
        return self

    def _check_gate(self, gate: Gate) -> None:
        if gate.metric not in METRIC_FOR_TASK[self.task]:
            allowed = ", ".join(sorted(METRIC_FOR_TASK[self.task]))
            raise LocatedError(
                ("gate", "metric"), f"{gate.metric!r} does not fit a {self.task} task ({allowed})"
            )
        if gate.metric != "rmse" and not 0.0 < gate.threshold <= 1.0:
            raise LocatedError(("gate", "threshold"), f"a {gate.metric} threshold is in (0, 1]")
        if gate.metric == "rmse" and gate.threshold <= 0:
            raise LocatedError(("gate", "threshold"), "an rmse threshold is positive")

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
    def metric_goal(self) -> Literal["max", "min"]:
        return METRIC_GOAL[self.metric]

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
            "metric_goal": self.metric_goal,
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


# Reading and writing spec files -------------------------------------------------------------


def spec_from_data(data: Any, source: str, lines: Lines | None = None) -> ModelSpec:
    """Validate loaded spec data; an error is one SpecError line naming file:line and field."""
    lines = lines or {}
    if not isinstance(data, dict):
        got = "nothing" if data is None else type(data).__name__
        raise SpecError(f"{where(source, lines, ())}: expected a model spec mapping, got {got}")
    try:
        return ModelSpec.model_validate(data)
    except ValidationError as err:
        first = err.errors()[0]
        loc = error_loc(first)
        field = f"{dotted(loc)}: " if loc else ""
        raise SpecError(f"{where(source, lines, loc)}: {field}{describe(first)}") from err


def load_spec(path: Path) -> ModelSpec:
    """Read a model spec file (YAML, through `safe_io`: small, regular, no aliases)."""
    data, lines, source = read_located(path, SpecError, "model spec file")
    return spec_from_data(data, source, lines)


def _readable(value: Any) -> Any:
    """Whole floats as integers (`max: 40`, not `max: 40.0`); they load back equal."""
    if isinstance(value, float) and value.is_integer() and abs(value) <= MAX_BOUND:
        return int(value)
    if isinstance(value, dict):
        return {k: _readable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_readable(v) for v in value]
    return value


def spec_data(spec: ModelSpec) -> dict[str, Any]:
    """The spec as plain data in field order, defaults left out: what files and records hold."""
    data: dict[str, Any] = _readable(spec.model_dump(mode="json", exclude_defaults=True))
    return data


def dump_spec(spec: ModelSpec) -> str:
    """The spec as a YAML document that `load_spec` reads back equal."""
    text: str = yaml.safe_dump(
        spec_data(spec), sort_keys=False, default_flow_style=None, allow_unicode=True, width=100
    )
    return text


def describe_spec(spec: ModelSpec) -> str:
    """One line: `reading: regression of vibration_rms from 4 features (rmse, at most 8)`."""
    kind = {"binary": "binary classification", "multiclass": "multiclass classification"}
    what = kind.get(spec.task, spec.task)
    goal = "at least" if spec.metric_goal == "max" else "at most"
    count = len(spec.features)
    return (
        f"{spec.entity}: {what} of {spec.target} from {count} feature{'s' * (count != 1)} "
        f"(gate: {spec.metric} {goal} {spec.metric_threshold:g})"
    )
