"""What both Kinesis consumers share: the write-once item, the batch and its monitoring metrics.

The scoring consumer (`stream.handler`) and the prediction-log consumer
(`monitoring.consumer`) each turn a record into a `PredictionLogRecord`, store
an item once (`attribute_not_exists(pk)`: a redelivered record finds its item
and counts as a duplicate, not a failure) and, per invocation, publish
CloudWatch embedded metrics under POWERTOOLS_METRICS_NAMESPACE with the
dimension `service` (POWERTOOLS_SERVICE_NAME), which the stack's
`ModelMonitor` alarms on and graphs:

- RecordsStored, DuplicateRecords, FailedRecords (poison and failed writes);
- Predictions, MeanScore, PositiveRate (binary), ClassShare by Class;
- LatencyMeanMs, LatencyMaxMs (the prediction's own `latency_ms`);
- MaxFeaturePsi and FeaturePsi by Feature, once the drift window is full enough.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Generic, TypeVar

import boto3
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit, single_metric
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

from ..config import Settings
from ..monitoring.window import DriftWindow, feature_row, summary
from ..schema import PredictionLogRecord


def metric_names() -> tuple[str, str]:
    """(namespace, service) of the metrics, as the function's environment sets them."""
    namespace = os.environ.get("POWERTOOLS_METRICS_NAMESPACE") or "iot-sensor-monitoring"
    return namespace, os.environ.get("POWERTOOLS_SERVICE_NAME") or "consumer"


T = TypeVar("T")


class Warm(Generic[T]):
    """What a warm Lambda keeps between invocations: built on first use (the cold start)."""

    def __init__(self, build: Callable[[], T]) -> None:
        self._build = build
        self._value: T | None = None

    def get(self) -> T:
        if self._value is None:
            self._value = self._build()
        return self._value

    def set(self, value: T | None) -> None:
        """Install a value (tests, local runners) or drop it so the next use rebuilds it."""
        self._value = value


def predictions_table(settings: Settings) -> Any:
    """The DynamoDB table the consumer writes (PREDICTIONS_TABLE)."""
    dynamodb = boto3.resource("dynamodb", region_name=settings.aws_region)
    return dynamodb.Table(settings.predictions_table)


class PoisonRecordError(ValueError):
    """A record no retry can fix: not JSON, or not what the stream's contract says."""


def dynamo_value(value: Any) -> Any:
    """A JSON value as DynamoDB stores it: floats become Decimals, containers recursively."""
    if isinstance(value, bool) or value is None or isinstance(value, int | str):
        return value
    if isinstance(value, float):
        return Decimal(str(value))
    if isinstance(value, Mapping):
        return {str(k): dynamo_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [dynamo_value(v) for v in value]
    return str(value)


def put_once(table: Any, item: Mapping[str, Any]) -> bool:
    """Write `item` unless its `pk` exists: True when stored, False for a duplicate."""
    try:
        table.put_item(Item=dict(item), ConditionExpression="attribute_not_exists(pk)")
    except ClientError as err:
        if err.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
            return False
        raise
    return True


def expiry(ttl_days: int, now: int | None = None) -> tuple[int, int]:
    """(now, the item's `expires_at`) in epoch seconds."""
    stamp = int(time.time()) if now is None else now
    return stamp, stamp + ttl_days * 86_400


@dataclass
class Batch:
    """What one invocation did: the records it stored (for the metrics) and its duplicates."""

    stored: list[PredictionLogRecord] = field(default_factory=list)
    duplicates: int = 0


class Consumer:
    """One Kinesis consumer: partial batch responses, outcomes and its monitoring metrics.

    `handle(record, batch)` stores one record (raise to fail it alone);
    `reference(version)` gives a model version's training statistics, or None
    when they cannot be had (drift is then not reported; no record fails for it).
    """

    def __init__(
        self,
        name: str,
        handle: Callable[[KinesisStreamRecord, Batch], None],
        reference: Callable[[str], Mapping[str, Any] | None],
    ) -> None:
        self.logger = Logger(service=f"iot-sensor-monitoring-{name}")
        self.window = DriftWindow()
        self._handle = handle
        self._reference = reference
        self._batch = Batch()
        self._processor = BatchProcessor(
            event_type=EventType.KinesisDataStreams, raise_on_entire_batch_failure=False
        )

    def _record(self, record: KinesisStreamRecord) -> None:
        self._handle(record, self._batch)

    def __call__(self, event: dict[str, Any], context: Any) -> PartialItemFailureResponse:
        """The Lambda entry point's work: process the event, publish, answer the failures."""
        self.logger.append_keys(aws_request_id=getattr(context, "aws_request_id", None))
        self._batch = Batch()
        response = process_partial_response(
            event=event, record_handler=self._record, processor=self._processor, context=context
        )
        failures = len(response.get("batchItemFailures", []))
        values = self.publish(self._batch, failures)
        self.logger.info(
            "batch processed",
            records=len(event.get("Records", [])),
            stored=len(self._batch.stored),
            duplicates=self._batch.duplicates,
            failures=failures,
            max_feature_psi=values.get("MaxFeaturePsi"),
        )
        return response

    def publish(self, batch: Batch, failures: int) -> dict[str, float]:
        """Emit the invocation's metrics (one EMF document, plus one per class and feature)."""
        namespace, service = metric_names()
        metrics = Metrics(namespace=namespace, service=service)
        values = {
            "RecordsStored": float(len(batch.stored)),
            "DuplicateRecords": float(batch.duplicates),
            "FailedRecords": float(failures),
        }
        result = summary(batch.stored)
        values.update(result.metrics)
        psi = self._drift(batch)
        if psi:
            values["MaxFeaturePsi"] = max(psi.values())
        for name, value in values.items():
            unit = MetricUnit.Milliseconds if name.endswith("Ms") else MetricUnit.Count
            if name in ("MeanScore", "PositiveRate", "MaxFeaturePsi"):
                unit = MetricUnit.NoUnit
            metrics.add_metric(name=name, unit=unit, value=value)
        metrics.flush_metrics()
        for dimension, metric, series in (
            ("Class", "ClassShare", result.class_shares),
            ("Feature", "FeaturePsi", psi or {}),
        ):
            for key, value in series.items():
                with single_metric(
                    name=metric,
                    unit=MetricUnit.NoUnit,
                    value=value,
                    namespace=namespace,
                    default_dimensions={"service": service},
                ) as single:
                    single.add_dimension(name=dimension, value=key)
        return values

    def _drift(self, batch: Batch) -> dict[str, float] | None:
        """PSI per feature over the window of the batch's newest model version."""
        if not batch.stored:
            return None
        version = batch.stored[-1].model_version
        rows = [feature_row(r.features) for r in batch.stored if r.model_version == version]
        self.window.add(version, rows)
        reference = self._reference(version)
        return None if reference is None else self.window.psi(reference)
