"""The Kinesis consumer Lambda: score each application and store it in DynamoDB exactly once.

Powertools' BatchProcessor runs `record_handler` per record and answers with
`batchItemFailures`, so one poison record is retried (and, after the mapping's
retries, sent to the dead-letter queue) without replaying the records that
succeeded. Each item is written with `attribute_not_exists(pk)`, keyed by the
message's `event_id`: a redelivered record finds its item already there and
counts as done, not failed. Each invocation publishes RecordsStored,
DuplicateRecords and FailedRecords as CloudWatch embedded metrics (namespace
from POWERTOOLS_METRICS_NAMESPACE, else the project slug).
Entry point: `credit_decisions.stream.handler.lambda_handler`.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import boto3
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.kinesis_stream_event import (
    KinesisStreamRecord,
)
from botocore.exceptions import ClientError
from pydantic import Field, ValidationError

from ..config import Settings
from ..model import Model
from ..schema import Applicant, predict
from ..storage import load_configured_model

logger = Logger(service="credit-decisions-consumer")
metrics = Metrics(
    namespace=os.environ.get("POWERTOOLS_METRICS_NAMESPACE") or "credit-decisions",
    service="consumer",
)
_outcomes: Counter[str] = Counter()
processor = BatchProcessor(
    event_type=EventType.KinesisDataStreams, raise_on_entire_batch_failure=False
)


class ScoreRequest(Applicant):
    """A stream message: an application plus the id that makes its processing idempotent."""

    event_id: str = Field(min_length=1, max_length=128)


class PoisonRecordError(ValueError):
    """A record that no retry can fix: not JSON, or not a valid application."""


@dataclass
class Runtime:
    """What a warm Lambda keeps between invocations: settings, model and table."""

    settings: Settings
    model: Model
    table: Any


_runtime: Runtime | None = None


def get_runtime() -> Runtime:
    """Build the runtime on first use (cold start) and reuse it afterwards."""
    global _runtime
    if _runtime is None:
        settings = Settings.from_env()
        table = boto3.resource("dynamodb", region_name=settings.aws_region).Table(
            settings.predictions_table
        )
        _runtime = Runtime(settings, load_configured_model(settings), table)
    return _runtime


def set_runtime(runtime: Runtime | None) -> None:
    """Install a runtime (tests, local runners) or drop it so the next record rebuilds it."""
    global _runtime
    _runtime = runtime


def record_handler(record: KinesisStreamRecord) -> str:
    """Score one record and store it; returns "stored" or "duplicate". Raising fails the record."""
    runtime = get_runtime()
    try:
        request = ScoreRequest.model_validate_json(record.kinesis.data_as_bytes())
    except (ValidationError, ValueError) as err:
        raise PoisonRecordError(
            f"record {record.kinesis.sequence_number} is not a valid application: {err}"
        ) from err
    prediction = predict(runtime.model, request, runtime.settings.decision_threshold)
    now = int(time.time())
    item = {
        "pk": request.event_id,
        "applicant_id": request.applicant_id,
        "default_probability": Decimal(str(prediction.default_probability)),
        "decision": prediction.decision,
        "model_version": prediction.model_version,
        "sequence_number": record.kinesis.sequence_number,
        "scored_at": now,
        "expires_at": now + runtime.settings.table_ttl_days * 86_400,
    }
    try:
        runtime.table.put_item(Item=item, ConditionExpression="attribute_not_exists(pk)")
    except ClientError as err:
        if err.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
            logger.info("duplicate record skipped", event_id=request.event_id)
            _outcomes["duplicate"] += 1
            return "duplicate"
        raise
    _outcomes["stored"] += 1
    return "stored"


def lambda_handler(event: dict[str, Any], context: Any) -> PartialItemFailureResponse:
    """Lambda entry point: partial batch response for a Kinesis event."""
    logger.append_keys(aws_request_id=getattr(context, "aws_request_id", None))
    _outcomes.clear()
    response = process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
    failures = len(response.get("batchItemFailures", []))
    metrics.add_metric(name="RecordsStored", unit=MetricUnit.Count, value=_outcomes["stored"])
    metrics.add_metric(name="DuplicateRecords", unit=MetricUnit.Count, value=_outcomes["duplicate"])
    metrics.add_metric(name="FailedRecords", unit=MetricUnit.Count, value=failures)
    metrics.flush_metrics()
    logger.info(
        "batch processed",
        records=len(event.get("Records", [])),
        stored=_outcomes["stored"],
        duplicates=_outcomes["duplicate"],
        failures=failures,
    )
    return response
