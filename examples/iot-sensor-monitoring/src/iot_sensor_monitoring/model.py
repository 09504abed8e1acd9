"""The credit-default model: train, evaluate, save as a versioned artifact, load, predict.

Everything else in the project talks to the `Model` protocol, so replacing the
default scikit-learn pipeline with another model means writing one class with
`metadata`, `predict_proba` and `predict_one`, plus its save/load.
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
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from .data import FEATURES, Dataset, FloatArray

MODEL_FILE = "model.joblib"
METADATA_FILE = "metadata.json"
METRIC_NAME = "auc"


class ModelError(RuntimeError):
    """A model artifact is missing, unreadable or does not fit this code."""


@dataclass(frozen=True)
class ModelMetadata:
    """What was trained, on how much data, and how well it scored on held-out rows."""

    version: str
    metric: float
    training_rows: int
    features: list[str] = field(default_factory=lambda: list(FEATURES))
    metric_name: str = METRIC_NAME
    algorithm: str = "standard-scaler+logistic-regression"
    trained_at: str = ""

    def to_json(self) -> bytes:
        """Stable, human-readable JSON (sorted keys) for the artifact's metadata file."""
        return (json.dumps(asdict(self), indent=2, sort_keys=True) + "\n").encode()

    @classmethod
    def from_json(cls, data: bytes) -> ModelMetadata:
        """Read a metadata file, refusing one whose features this code cannot supply."""
        try:
            raw: dict[str, Any] = json.loads(data)
            metadata = cls(**raw)
        except (TypeError, ValueError) as err:
            raise ModelError(f"unreadable model metadata: {err}") from err
        if list(metadata.features) != list(FEATURES):
            raise ModelError(
                f"model {metadata.version} expects features {metadata.features}, "
                f"this code provides {list(FEATURES)}"
            )
        return metadata


@runtime_checkable
class Model(Protocol):
    """The boundary the jobs, the API and the stream consumer rely on."""

    @property
    def metadata(self) -> ModelMetadata: ...

    def predict_proba(self, features: FloatArray) -> FloatArray:
        """Probability of default for each row of a (rows x FEATURES) matrix."""

    def predict_one(self, row: Sequence[float]) -> float:
        """Probability of default for one applicant (the latency-critical path)."""


class CreditModel:
    """A standard-scaled logistic regression: small, fast, explainable, a sound default."""

    def __init__(self, pipeline: Pipeline, metadata: ModelMetadata) -> None:
        self._pipeline = pipeline
        self._metadata = metadata
        scaler: StandardScaler = pipeline.named_steps["scale"]
        regression: LogisticRegression = pipeline.named_steps["classify"]
        # Fold the scaler into the linear weights so one row scores without numpy overhead.
        coef = regression.coef_[0] / scaler.scale_
        self._weights: list[float] = [float(w) for w in coef]
        self._bias = float(regression.intercept_[0] - float(np.dot(coef, scaler.mean_)))

    @property
    def metadata(self) -> ModelMetadata:
        return self._metadata

    @classmethod
    def train(cls, dataset: Dataset, version: str, seed: int = 0) -> CreditModel:
        """Fit on 80% of a labelled dataset and record the AUC on the other 20%."""
        if dataset.labels is None:
            raise ModelError("training needs a labelled dataset")
        if len(np.unique(dataset.labels)) < 2:
            raise ModelError("training needs both outcomes in the labels")
        x_train, x_test, y_train, y_test = train_test_split(
            dataset.features,
            dataset.labels,
            test_size=0.2,
            random_state=seed,
            stratify=dataset.labels,
        )
        pipeline = Pipeline(
            [("scale", StandardScaler()), ("classify", LogisticRegression(max_iter=1000))]
        )
        pipeline.fit(x_train, y_train)
        auc = float(roc_auc_score(y_test, pipeline.predict_proba(x_test)[:, 1]))
        metadata = ModelMetadata(
            version=version,
            metric=round(auc, 6),
            training_rows=len(x_train),
            trained_at=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        )
        return cls(pipeline, metadata)

    def predict_proba(self, features: FloatArray) -> FloatArray:
        weights = np.asarray(self._weights)
        logits = features @ weights + self._bias
        result: FloatArray = 1.0 / (1.0 + np.exp(-logits))
        return result

    def predict_one(self, row: Sequence[float]) -> float:
        logit = self._bias + math.fsum(w * x for w, x in zip(self._weights, row, strict=True))
        if logit < -700.0:
            return 0.0
        return 1.0 / (1.0 + math.exp(-logit))

    def to_files(self) -> dict[str, bytes]:
        """The artifact as file name -> bytes (for a directory or an S3 prefix)."""
        buffer = io.BytesIO()
        joblib.dump(self._pipeline, buffer)
        return {MODEL_FILE: buffer.getvalue(), METADATA_FILE: self._metadata.to_json()}

    @classmethod
    def from_files(cls, files: Mapping[str, bytes]) -> CreditModel:
        """Rebuild a model from `to_files()` output. Load only artifacts you wrote: joblib
        unpickles code."""
        missing = {MODEL_FILE, METADATA_FILE} - set(files)
        if missing:
            raise ModelError(f"model artifact lacks {', '.join(sorted(missing))}")
        metadata = ModelMetadata.from_json(files[METADATA_FILE])
        try:
            pipeline = joblib.load(io.BytesIO(files[MODEL_FILE]))
        except Exception as err:  # unpickling fails in many ways; all mean "not our artifact"
            raise ModelError(f"unreadable model artifact: {err!r}") from err
        if not isinstance(pipeline, Pipeline) or set(pipeline.named_steps) != {"scale", "classify"}:
            raise ModelError("model artifact is not a scale+classify pipeline")
        return cls(pipeline, metadata)

    def save(self, directory: Path) -> Path:
        """Write the artifact into `directory` (created if needed) and return it."""
        directory.mkdir(parents=True, exist_ok=True)
        for name, content in self.to_files().items():
            (directory / name).write_bytes(content)
        return directory

    @classmethod
    def load(cls, directory: Path) -> CreditModel:
        """Load an artifact written by `save`."""
        try:
            files = {name: (directory / name).read_bytes() for name in (MODEL_FILE, METADATA_FILE)}
        except OSError as err:
            raise ModelError(f"cannot read model from {directory}: {err}") from err
        return cls.from_files(files)


def evaluate(model: Model, dataset: Dataset) -> float:
    """AUC of `model` on a labelled dataset."""
    if dataset.labels is None:
        raise ModelError("evaluation needs a labelled dataset")
    return float(roc_auc_score(dataset.labels, model.predict_proba(dataset.features)))
