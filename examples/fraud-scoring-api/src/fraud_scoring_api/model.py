"""The model: train, evaluate, save as a versioned artifact, load, predict.

Everything else in the project talks to the `Model` protocol. The default
`SpecModel` is a scikit-learn pipeline built from the spec: numbers are
standard-scaled, categories one-hot encoded, booleans passed as 0/1, then a
logistic regression (binary, multiclass) or a ridge regression. A model the
team trained elsewhere fits the same seam: any fitted scikit-learn estimator
that takes raw rows in spec order (`SpecModel.from_pipeline`, or
`python -m fraud_scoring_api import-model`).
"""

from __future__ import annotations

import io
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import joblib
import numpy as np
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.metrics import f1_score, mean_squared_error, roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler

from . import drift
from .data import Dataset, FloatArray, ObjectArray
from .spec import CLASSES, FEATURE_NAMES, FEATURES, METRIC_GOAL, METRIC_NAME, TASK

MODEL_FILE = "model.joblib"
METADATA_FILE = "metadata.json"


class ModelError(RuntimeError):
    """A model artifact is missing, unreadable or does not fit this code."""


@dataclass(frozen=True)
class ModelMetadata:
    """What was trained, on how much data, how well it scored on held-out rows, and the
    reference statistics of its training data (for drift monitoring)."""

    version: str
    metric: float
    training_rows: int
    task: str = TASK
    metric_name: str = METRIC_NAME
    features: list[str] = field(default_factory=lambda: list(FEATURE_NAMES))
    classes: list[str] = field(default_factory=lambda: list(CLASSES))
    algorithm: str = ""
    trained_at: str = ""
    reference: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> bytes:
        """Stable, human-readable JSON (sorted keys) for the artifact's metadata file."""
        return (json.dumps(asdict(self), indent=2, sort_keys=True) + "\n").encode()

    @classmethod
    def from_json(cls, data: bytes) -> ModelMetadata:
        """Read a metadata file, refusing one this code cannot serve."""
        try:
            raw: dict[str, Any] = json.loads(data)
            metadata = cls(**raw)
        except (TypeError, ValueError) as err:
            raise ModelError(f"unreadable model metadata: {err}") from err
        metric = metadata.metric
        if not isinstance(metadata.version, str) or not metadata.version:
            raise ModelError("model metadata: version must be a non-empty string")
        if (
            isinstance(metric, bool)
            or not isinstance(metric, int | float)
            or not math.isfinite(metric)
        ):
            raise ModelError(f"model {metadata.version}: metric must be a finite number")
        if list(metadata.features) != list(FEATURE_NAMES):
            raise ModelError(
                f"model {metadata.version} expects features {metadata.features}, "
                f"this code provides {list(FEATURE_NAMES)}"
            )
        if metadata.task != TASK or list(metadata.classes) != list(CLASSES):
            raise ModelError(
                f"model {metadata.version} is a {metadata.task} model of {metadata.classes}, "
                f"this code serves {TASK} {list(CLASSES)}"
            )
        return metadata


@runtime_checkable
class Model(Protocol):
    """The boundary the jobs, the API and the stream consumer rely on."""

    @property
    def metadata(self) -> ModelMetadata: ...

    def predict_scores(self, rows: ObjectArray) -> FloatArray:
        """(rows x k): binary k=1, P(positive); regression k=1, the value; multiclass
        k=len(CLASSES), each class's probability."""

    def predict_one(self, row: Sequence[Any]) -> list[float]:
        """The same for one row (the latency-critical path)."""


def as_float(values: Any) -> Any:
    """Booleans (or any numbers) as a float matrix: the pipeline's boolean step."""
    return np.asarray(values, dtype=np.float64)


def build_pipeline() -> Pipeline:
    """The default pipeline for this spec, unfitted."""
    numbers = [i for i, f in enumerate(FEATURES) if f.numeric]
    categories = [i for i, f in enumerate(FEATURES) if f.kind == "category"]
    flags = [i for i, f in enumerate(FEATURES) if f.kind == "bool"]
    steps: list[tuple[str, Any, list[int]]] = []
    if numbers:
        steps.append(
            (
                "numbers",
                Pipeline([("float", FunctionTransformer(as_float)), ("scale", StandardScaler())]),
                numbers,
            )
        )
    if categories:
        known = [list(FEATURES[i].values) for i in categories]
        steps.append(
            ("categories", OneHotEncoder(categories=known, handle_unknown="ignore"), categories)
        )
    if flags:
        steps.append(("flags", FunctionTransformer(as_float), flags))
    estimator: Any = Ridge(alpha=1.0) if TASK == "regression" else LogisticRegression(max_iter=2000)
    return Pipeline([("prepare", ColumnTransformer(steps)), ("estimate", estimator)])


def _positive_column(classes: Sequence[Any]) -> int:
    """Which `predict_proba` column is the positive class (1, True or its name)."""
    for index, label in enumerate(classes):
        if label is True or label == 1 or label == CLASSES[-1]:
            return index
    raise ModelError(f"the model's classes {list(classes)} do not include the positive class")


class _Linear:
    """The default pipeline folded into plain weights, so one row scores in microseconds
    instead of a scikit-learn call's milliseconds; same numbers as the pipeline."""

    def __init__(self, pipeline: Any) -> None:
        prepare: ColumnTransformer = pipeline.named_steps["prepare"]
        estimator = pipeline.named_steps["estimate"]
        coef = np.atleast_2d(np.asarray(estimator.coef_, dtype=np.float64))
        bias = np.atleast_1d(np.asarray(estimator.intercept_, dtype=np.float64)).copy()
        self.outputs = coef.shape[0]
        self.terms: list[tuple[int, str, Any]] = []
        offset = 0
        for name, step, columns in prepare.transformers_:
            if name == "numbers":
                scaler: StandardScaler = step.named_steps["scale"]
                for j, column in enumerate(columns):
                    w = coef[:, offset + j] / scaler.scale_[j]
                    bias -= w * scaler.mean_[j]
                    self.terms.append((column, "number", w))
                offset += len(columns)
            elif name == "categories":
                for j, column in enumerate(columns):
                    known = list(step.categories_[j])
                    table = {v: coef[:, offset + k] for k, v in enumerate(known)}
                    self.terms.append((column, "category", table))
                    offset += len(known)
            elif name == "flags":
                for j, column in enumerate(columns):
                    self.terms.append((column, "number", coef[:, offset + j]))
                offset += len(columns)
        self.bias = bias
        self.classes = list(getattr(estimator, "classes_", []))

    def raw(self, row: Sequence[Any]) -> Any:
        """The linear score(s) of one row: a float for one output, an array for several."""
        if self.outputs == 1:
            total = float(self.bias[0])
            for column, kind, weights in self.terms:
                if kind == "number":
                    total += float(weights[0]) * float(row[column])
                elif row[column] in weights:
                    total += float(weights[row[column]][0])
            return total
        vector = self.bias.copy()
        for column, kind, weights in self.terms:
            if kind == "number":
                vector += weights * float(row[column])
            elif row[column] in weights:
                vector += weights[row[column]]
        return vector


def _fold(pipeline: Any) -> _Linear | None:
    """The folded form of `pipeline` when it is this project's default pipeline, else None."""
    steps = getattr(pipeline, "named_steps", {})
    if set(steps) != {"prepare", "estimate"}:
        return None
    if not isinstance(steps["estimate"], LogisticRegression | Ridge):
        return None
    if not isinstance(steps["prepare"], ColumnTransformer):
        return None
    return _Linear(pipeline)


class SpecModel:
    """A fitted scikit-learn estimator over raw rows in spec order, with its metadata."""

    def __init__(self, pipeline: Any, metadata: ModelMetadata) -> None:
        if not hasattr(pipeline, "predict"):
            raise ModelError("the model artifact has no predict method")
        if TASK != "regression" and not hasattr(pipeline, "predict_proba"):
            raise ModelError("a classification model needs predict_proba")
        self._pipeline = pipeline
        self._metadata = metadata
        self._columns: list[int] = []
        if TASK == "binary":
            self._columns = [_positive_column(list(pipeline.classes_))]
        elif TASK == "multiclass":
            order = [str(c) for c in pipeline.classes_]
            missing = [c for c in CLASSES if c not in order]
            if missing:
                raise ModelError(f"the model never predicts {missing}")
            self._columns = [order.index(c) for c in CLASSES]
        self._linear = _fold(pipeline)

    @property
    def metadata(self) -> ModelMetadata:
        return self._metadata

    @property
    def pipeline(self) -> Any:
        return self._pipeline

    @classmethod
    def train(cls, dataset: Dataset, version: str, seed: int = 0) -> SpecModel:
        """Fit the default pipeline on 80 % of a labelled dataset; score the other 20 %."""
        if dataset.target is None:
            raise ModelError("training needs a labelled dataset")
        if len(dataset) < 10:
            raise ModelError("training needs at least 10 rows")
        stratify = None
        if TASK != "regression":
            labels, counts = np.unique(dataset.target, return_counts=True)
            if len(labels) < 2:
                raise ModelError("training needs at least two outcomes in the labels")
            if TASK == "multiclass" and len(labels) < len(CLASSES):
                raise ModelError(f"training needs every class of {list(CLASSES)} in the labels")
            stratify = dataset.target if counts.min() >= 2 else None
        x_train, x_test, y_train, y_test = train_test_split(
            dataset.rows, dataset.target, test_size=0.2, random_state=seed, stratify=stratify
        )
        pipeline = build_pipeline()
        pipeline.fit(x_train, y_train)
        fitted = cls(pipeline, ModelMetadata(version=version, metric=0.0, training_rows=0))
        metric = metric_value(fitted, x_test, y_test)
        metadata = ModelMetadata(
            version=version,
            metric=round(metric, 6),
            training_rows=len(x_train),
            algorithm=describe(pipeline),
            trained_at=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            reference=drift.reference_statistics(x_train),
        )
        return cls(pipeline, metadata)

    @classmethod
    def from_pipeline(cls, pipeline: Any, version: str, dataset: Dataset) -> SpecModel:
        """Wrap an estimator trained elsewhere; its metric and reference come from `dataset`."""
        if dataset.target is None or len(dataset) == 0:
            raise ModelError("importing a model needs labelled rows to evaluate it on")
        probe = cls(pipeline, ModelMetadata(version=version, metric=0.0, training_rows=0))
        try:
            metric = metric_value(probe, dataset.rows, dataset.target)
        except ModelError:
            raise
        except Exception as err:  # a foreign estimator fails in its own ways
            raise ModelError(f"the model cannot score rows in spec order: {err!r}") from err
        metadata = ModelMetadata(
            version=version,
            metric=round(metric, 6),
            training_rows=0,
            algorithm=describe(pipeline),
            trained_at=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            reference=drift.reference_statistics(dataset.rows),
        )
        return cls(pipeline, metadata)

    def predict_scores(self, rows: ObjectArray) -> FloatArray:
        if len(rows) == 0:
            return np.empty((0, len(CLASSES) if TASK == "multiclass" else 1))
        if TASK == "regression":
            values: FloatArray = np.asarray(self._pipeline.predict(rows), dtype=np.float64)
            return values.reshape(-1, 1)
        probabilities = np.asarray(self._pipeline.predict_proba(rows), dtype=np.float64)
        result: FloatArray = probabilities[:, self._columns]
        return result

    def predict_one(self, row: Sequence[Any]) -> list[float]:
        if self._linear is not None:
            return self._linear_one(self._linear, row)
        table = np.empty((1, len(FEATURES)), dtype=object)
        table[0, :] = list(row)
        return [float(v) for v in self.predict_scores(table)[0]]

    def _linear_one(self, linear: _Linear, row: Sequence[Any]) -> list[float]:
        raw = linear.raw(row)
        if TASK == "regression":
            return [float(raw)]
        if TASK == "binary":
            logit = float(raw) if _positive_column(linear.classes) == 1 else -float(raw)
            if logit < -700.0:
                return [0.0]
            return [1.0 / (1.0 + math.exp(-logit))]
        logits = np.asarray(raw, dtype=np.float64)
        exp = np.exp(logits - logits.max())
        probabilities = exp / exp.sum()
        return [float(probabilities[i]) for i in self._columns]

    def to_files(self) -> dict[str, bytes]:
        """The artifact as file name -> bytes (for a directory or an S3 prefix)."""
        buffer = io.BytesIO()
        joblib.dump(self._pipeline, buffer)
        return {MODEL_FILE: buffer.getvalue(), METADATA_FILE: self._metadata.to_json()}

    @classmethod
    def from_files(cls, files: Mapping[str, bytes]) -> SpecModel:
        """Rebuild a model from `to_files()` output. Load only artifacts you trust: joblib
        unpickles code."""
        missing = {MODEL_FILE, METADATA_FILE} - set(files)
        if missing:
            raise ModelError(f"model artifact lacks {', '.join(sorted(missing))}")
        metadata = ModelMetadata.from_json(files[METADATA_FILE])
        try:
            pipeline = joblib.load(io.BytesIO(files[MODEL_FILE]))
        except Exception as err:  # unpickling fails in many ways; all mean "not our artifact"
            raise ModelError(f"unreadable model artifact: {err!r}") from err
        return cls(pipeline, metadata)

    def save(self, directory: Path) -> Path:
        """Write the artifact into `directory` (created if needed) and return it."""
        directory.mkdir(parents=True, exist_ok=True)
        for name, content in self.to_files().items():
            (directory / name).write_bytes(content)
        return directory

    @classmethod
    def load(cls, directory: Path) -> SpecModel:
        """Load an artifact written by `save`."""
        try:
            files = {name: (directory / name).read_bytes() for name in (MODEL_FILE, METADATA_FILE)}
        except OSError as err:
            raise ModelError(f"cannot read model from {directory}: {err}") from err
        return cls.from_files(files)


def describe(pipeline: Any) -> str:
    """A short name of an estimator: its steps' class names."""
    steps = getattr(pipeline, "steps", None)
    if steps:
        return "+".join(type(step).__name__ for _, step in steps)
    return type(pipeline).__name__


def labels_from_scores(scores: FloatArray, threshold: float = 0.5) -> list[Any]:
    """Each row's predicted label: binary 0/1 at `threshold`, multiclass the class name,
    regression the value."""
    if TASK == "binary":
        return [int(s >= threshold) for s in scores[:, 0]]
    if TASK == "multiclass":
        return [CLASSES[int(i)] for i in np.argmax(scores, axis=1)]
    return [float(v) for v in scores[:, 0]]


def metric_value(model: Model, rows: ObjectArray, target: Any) -> float:
    """The task's metric of `model` on labelled rows (auc, macro_f1 or rmse)."""
    scores = model.predict_scores(rows)
    if METRIC_NAME == "auc":
        if len(np.unique(target)) < 2:
            raise ModelError("AUC needs both outcomes in the evaluation rows")
        return float(roc_auc_score(np.asarray(target, dtype=np.int8), scores[:, 0]))
    if METRIC_NAME == "macro_f1":
        predicted = labels_from_scores(scores)
        return float(f1_score(list(target), predicted, average="macro"))
    return float(np.sqrt(mean_squared_error(np.asarray(target, dtype=np.float64), scores[:, 0])))


def evaluate(model: Model, dataset: Dataset) -> float:
    """The task's metric of `model` on a labelled dataset."""
    if dataset.target is None:
        raise ModelError("evaluation needs a labelled dataset")
    return metric_value(model, dataset.rows, dataset.target)


def metric_passes(value: float, threshold: float) -> bool:
    """Whether a metric meets the quality gate (higher is better, except for rmse)."""
    return value <= threshold if METRIC_GOAL == "min" else value >= threshold
