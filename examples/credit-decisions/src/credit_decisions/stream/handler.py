"""The Kinesis consumer Lambda: score each event and store its prediction in DynamoDB once.

A message is a `PredictionRequest` (the spec's id field and features) plus an
`event_id` that makes processing idempotent. Powertools' BatchProcessor runs
`record_handler` per record and answers with `batchItemFailures`, so a poison
record is retried (and, after the mapping's retries, sent to the dead-letter
queue) without replaying the records that succeeded. The item, keyed by
`event_id`, holds the id, prediction, score, model version and scoring
latency; a redelivered record finds it there and counts as a duplicate. Each
invocation publishes the outcomes, the prediction distribution, the latency
and feature drift against the model's training data (see `stream.consumers`).
Entry point: `credit_decisions.stream.handler.lambda_handler`.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.kinesis_stream_event import (
    KinesisStreamRecord,
)
from pydantic import ValidationError

from .. import spec
from ..config import Settings
from ..model import Model
from ..schema import PredictionLogRecord, PredictionRequest, predict
from ..storage import load_configured_model
from .consumers import (
    Batch,
    Consumer,
    PoisonRecordError,
    Warm,
    dynamo_value,
    expiry,
    predictions_table,
    put_once,
)

EVENT_ID_MAX = 128


@dataclass
class Runtime:
    """What a warm Lambda keeps between invocations: settings, model and table."""

    settings: Settings
    model: Model
    table: Any


def _cold_start() -> Runtime:
    settings = Settings.from_env()
    return Runtime(settings, load_configured_model(settings), predictions_table(settings))


_runtime = Warm(_cold_start)
get_runtime = _runtime.get


def set_runtime(runtime: Runtime | None) -> None:
    """Install a runtime (tests, local runners) or drop it so the next record rebuilds it; the
    drift window starts again with it."""
    _runtime.set(runtime)
    consumer.window.clear()


def parse_message(data: bytes) -> tuple[str, PredictionRequest]:
    """(event_id, request) of one stream message; PoisonRecordError when it is neither."""
    try:
        message = json.loads(data)
        if not isinstance(message, dict):
            raise ValueError("a message is a JSON object")
        event_id = message.pop("event_id", None)
        if not isinstance(event_id, str) or not 1 <= len(event_id) <= EVENT_ID_MAX:
            raise ValueError(f"event_id must be a string of 1 to {EVENT_ID_MAX} characters")
        return event_id, PredictionRequest.model_validate(message)
    except (ValidationError, ValueError) as err:
        raise PoisonRecordError(f"not a valid {spec.ENTITY} event: {err}") from err


def record_handler(record: KinesisStreamRecord, batch: Batch) -> None:
    """Score one record and store it once; raising fails this record alone."""
    runtime = get_runtime()
    try:
        event_id, request = parse_message(record.kinesis.data_as_bytes())
    except PoisonRecordError as err:
        raise PoisonRecordError(f"record {record.kinesis.sequence_number}: {err}") from err
    started = time.perf_counter()
    prediction = predict(runtime.model, request, runtime.settings.decision_threshold)
    latency_ms = (time.perf_counter() - started) * 1000
    log = PredictionLogRecord.build(
        request, prediction, request_id=event_id, latency_ms=round(latency_ms, 3)
    )
    scored_at, expires_at = expiry(runtime.settings.table_ttl_days)
    item = {
        "pk": event_id,
        spec.ID_FIELD: log.entity_id,
        "prediction": dynamo_value(log.prediction),
        "score": dynamo_value(float(log.score)),
        "model_version": log.model_version,
        "latency_ms": dynamo_value(float(log.latency_ms)),
        "sequence_number": record.kinesis.sequence_number,
        "scored_at": scored_at,
        "expires_at": expires_at,
    }
    if put_once(runtime.table, item):
        batch.stored.append(log)
    else:
        consumer.logger.info("duplicate record skipped", event_id=event_id)
        batch.duplicates += 1


def _reference(version: str) -> dict[str, Any] | None:
    metadata = get_runtime().model.metadata
    return dict(metadata.reference) if metadata.version == version else None


consumer = Consumer("consumer", record_handler, _reference)


def lambda_handler(event: dict[str, Any], context: Any) -> PartialItemFailureResponse:
    """Lambda entry point: partial batch response for a Kinesis event."""
    return consumer(event, context)
