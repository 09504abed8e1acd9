"""The prediction-log consumer: the hybrid's "streaming for monitoring", deployed on its stream.

The API writes one `PredictionLogRecord` per prediction to the prediction-log
stream (`monitoring.prediction_log`). This Lambda reads them, stores each once
in DynamoDB (keyed by `request_id`, `attribute_not_exists(pk)`: a redelivered
record is a duplicate, not a failure) so predictions are queryable, and
publishes what a team watches (see `stream.consumers`): the prediction
distribution, the latency the API measured, and each feature's drift (PSI)
against the training data of the model version that served it. It never
scores again: the record already holds the prediction.

A record that is not JSON, not a `PredictionLogRecord` or whose features do not
fit the model spec fails alone (partial batch response) and, after the
mapping's retries, lands in the dead-letter queue. The training statistics come
from the model's metadata (`model.metadata.reference`) through the project's
model loading, once per version per warm container; when they cannot be
loaded, records are still stored and drift is not reported.
Entry point: `credit_decisions.monitoring.consumer.lambda_handler`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.kinesis_stream_event import (
    KinesisStreamRecord,
)
from pydantic import ValidationError

from .. import spec
from ..config import Settings
from ..model import Model, ModelError
from ..schema import PredictionLogRecord, PredictionRequest
from ..storage import StorageError, load_configured_model, load_model, s3_client
from ..stream.consumers import (
    Batch,
    Consumer,
    PoisonRecordError,
    Warm,
    dynamo_value,
    expiry,
    predictions_table,
    put_once,
)
from .window import feature_values

RETRY_REFERENCE_S = 300.0
"""How long a version whose model could not be loaded waits before the next try."""


def load_version(settings: Settings, version: str) -> Model:
    """The model of `version` (MODEL_PATH when set, as everywhere else in the project)."""
    if settings.model_path:
        return load_configured_model(settings)
    return load_model(s3_client(settings), settings, version)


@dataclass
class References:
    """Training statistics per model version, loaded on first use and kept while warm."""

    settings: Settings
    load: Callable[[Settings, str], Model] = load_version
    _cache: dict[str, tuple[Mapping[str, Any] | None, float]] = field(default_factory=dict)

    @classmethod
    def of(cls, settings: Settings, *models: Model) -> References:
        """References already holding `models`' statistics (tests, local runs)."""
        references = cls(settings)
        for model in models:
            references._cache[model.metadata.version] = (model.metadata.reference, float("inf"))
        return references

    def __call__(self, version: str) -> Mapping[str, Any] | None:
        reference, until = self._cache.get(version, (None, 0.0))
        if reference is not None or time.monotonic() < until:
            return reference
        try:
            model = self.load(self.settings, version)
        except (ModelError, StorageError) as err:
            consumer.logger.warning(
                "no training statistics for drift", version=version, error=str(err)
            )
            self._cache[version] = (None, time.monotonic() + RETRY_REFERENCE_S)
            return None
        if model.metadata.version != version:
            consumer.logger.warning("the loaded model is another version", version=version)
            self._cache[version] = (None, time.monotonic() + RETRY_REFERENCE_S)
            return None
        self._cache[version] = (model.metadata.reference, float("inf"))
        return model.metadata.reference


@dataclass
class Runtime:
    """What a warm Lambda keeps between invocations: settings, table and training statistics."""

    settings: Settings
    table: Any
    references: References


def _cold_start() -> Runtime:
    settings = Settings.from_env()
    return Runtime(settings, predictions_table(settings), References(settings))


_runtime = Warm(_cold_start)
get_runtime = _runtime.get


def set_runtime(runtime: Runtime | None) -> None:
    """Install a runtime (tests, local runners) or drop it; the drift window starts again."""
    _runtime.set(runtime)
    consumer.window.clear()


def parse_record(data: bytes) -> PredictionLogRecord:
    """The API's record; PoisonRecordError when it is not one or its features break the spec."""
    try:
        record = PredictionLogRecord.model_validate_json(data)
        features = feature_values(record.features)
        PredictionRequest.model_validate({spec.ID_FIELD: record.entity_id, **features})
    except (ValidationError, ValueError, TypeError) as err:
        raise PoisonRecordError(f"not a prediction log record: {err}") from err
    return record


def record_handler(record: KinesisStreamRecord, batch: Batch) -> None:
    """Store one prediction log record once; raising fails this record alone."""
    runtime = get_runtime()
    try:
        log = parse_record(record.kinesis.data_as_bytes())
    except PoisonRecordError as err:
        raise PoisonRecordError(f"record {record.kinesis.sequence_number}: {err}") from err
    stored_at, expires_at = expiry(runtime.settings.table_ttl_days)
    item = {
        **dynamo_value(log.model_dump(mode="json")),
        "pk": log.request_id,
        spec.ID_FIELD: log.entity_id,
        "sequence_number": record.kinesis.sequence_number,
        "stored_at": stored_at,
        "expires_at": expires_at,
    }
    if put_once(runtime.table, item):
        batch.stored.append(log)
    else:
        consumer.logger.info("duplicate record skipped", request_id=log.request_id)
        batch.duplicates += 1


consumer = Consumer("monitoring", record_handler, lambda version: get_runtime().references(version))


def lambda_handler(event: dict[str, Any], context: Any) -> PartialItemFailureResponse:
    """Lambda entry point: partial batch response for a Kinesis event of prediction logs."""
    return consumer(event, context)
