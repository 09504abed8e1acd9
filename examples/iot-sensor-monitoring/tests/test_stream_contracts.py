"""Data contracts of the streams: what the real producer writes, the real consumer accepts.

Each test runs a producer's own code (the event producer's `send`, the API's
`PredictionLogRecord.build` and the prediction log's `PutRecords` batches),
takes the exact entries it hands to Kinesis, and delivers them to the real
consumer handler as Lambda's Kinesis event (base64 data, sequence numbers,
arrival time, event source ARN), with a redelivered record and a poison one
among them. The records come from `data.generate` and `spec.FEATURES`, so the
contracts hold for whatever model spec the project was made with.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from iot_sensor_monitoring import data, spec
from iot_sensor_monitoring.config import Settings
from iot_sensor_monitoring.model import Model
from iot_sensor_monitoring.monitoring import consumer
from iot_sensor_monitoring.monitoring.prediction_log import PredictionLog
from iot_sensor_monitoring.schema import PredictionLogRecord, PredictionRequest, predict
from iot_sensor_monitoring.stream import handler
from iot_sensor_monitoring.stream.events import put_records_event
from iot_sensor_monitoring.stream.producer import messages, send

REGION = "eu-central-1"
ALARM_PSI = 0.25
"""The stack's default `driftAlarmPsi`: the drift alarm's threshold."""


class RecordingKinesis:
    """A Kinesis client that keeps what a producer hands to PutRecords and accepts it all."""

    def __init__(self) -> None:
        self.entries: list[dict[str, Any]] = []

    def put_records(self, StreamName: str, Records: list[dict[str, Any]]) -> dict[str, Any]:  # noqa: N803
        first = len(self.entries)
        self.entries.extend(Records)
        results = [
            {"SequenceNumber": str(first + i), "ShardId": "shardId-0"} for i in range(len(Records))
        ]
        return {"FailedRecordCount": 0, "Records": results}


def emf_documents(out: str) -> list[dict[str, Any]]:
    return [
        json.loads(line) for line in out.splitlines() if line.startswith("{") and "_aws" in line
    ]


def outcomes(out: str) -> dict[str, Any]:
    """The invocation's main metric document (outcomes, distribution, latency, drift)."""
    (main,) = [d for d in emf_documents(out) if "RecordsStored" in d]
    return {k: v[0] if isinstance(v, list) and len(v) == 1 else v for k, v in main.items()}


def table_items(table: Any) -> dict[str, dict[str, Any]]:
    return {item["pk"]: item for item in table.scan()["Items"]}


@pytest.fixture
def table(aws: None, settings: Settings) -> Any:
    return boto3.resource("dynamodb", region_name=REGION).create_table(
        TableName=settings.predictions_table,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )


@pytest.fixture
def scoring(table: Any, settings: Settings, trained_model: Model) -> Iterator[Any]:
    handler.set_runtime(handler.Runtime(settings, trained_model, table))
    yield table
    handler.set_runtime(None)


@pytest.fixture
def monitoring(table: Any, settings: Settings, trained_model: Model) -> Iterator[Any]:
    references = consumer.References.of(settings, trained_model)
    consumer.set_runtime(consumer.Runtime(settings, table, references))
    yield table
    consumer.set_runtime(None)


def served(
    model: Model, settings: Settings, rows: int, seed: int, shift: float = 0.0
) -> list[PredictionLogRecord]:
    """What the API logs for `rows` requests: the real request, prediction and log record."""
    dataset = data.generate(rows, seed=seed, shift=shift)
    records = []
    for index in range(rows):
        request = PredictionRequest.model_validate(
            {spec.ID_FIELD: dataset.ids[index], **data.feature_dict(dataset, index)}
        )
        prediction = predict(model, request, settings.decision_threshold)
        records.append(
            PredictionLogRecord.build(
                request, prediction, request_id=f"req-{seed}-{index}", latency_ms=3.0 + index % 7
            )
        )
    return records


def test_event_producer_to_scoring_consumer(
    scoring: Any, settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    kinesis = RecordingKinesis()
    assert send(kinesis, settings.input_stream, messages(20, seed=7, poison=1)) == 21
    entries = kinesis.entries[:20] + kinesis.entries[3:4] + kinesis.entries[20:]  # dup + poison
    event = put_records_event(entries, stream=settings.input_stream, region=REGION)
    capsys.readouterr()
    response = handler.lambda_handler(event, None)

    sequences = [r["kinesis"]["sequenceNumber"] for r in event["Records"]]
    assert [f["itemIdentifier"] for f in response["batchItemFailures"]] == [sequences[-1]]
    stored = table_items(scoring)
    assert sorted(stored) == sorted(m["event_id"] for m in messages(20, seed=7))
    assert {item[spec.ID_FIELD] for item in stored.values()} == set(data.generate(20, seed=7).ids)
    assert stored[json.loads(entries[3]["Data"])["event_id"]]["sequence_number"] == sequences[3]
    metrics = outcomes(capsys.readouterr().out)
    assert (metrics["RecordsStored"], metrics["DuplicateRecords"], metrics["FailedRecords"]) == (
        20.0,
        1.0,
        1.0,
    )


def prediction_log_entries(records: list[PredictionLogRecord]) -> list[dict[str, Any]]:
    """The PutRecords entries the API's prediction log sends for `records`."""
    kinesis = RecordingKinesis()
    sink = PredictionLog("prediction-log", client=kinesis, flush_interval_s=0.01)
    for record in records:
        sink.write(record.model_dump(mode="json"))
    sink.close()
    assert sink.stats.sent == len(records) and sink.stats.failed == 0
    return kinesis.entries


@pytest.mark.parametrize("serialized_by", ["prediction_log", "model_dump_json"])
def test_api_prediction_log_to_monitoring_consumer(
    monitoring: Any,
    settings: Settings,
    trained_model: Model,
    serialized_by: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    records = served(trained_model, settings, 12, seed=21)
    if serialized_by == "prediction_log":
        entries = prediction_log_entries(records)
    else:
        entries = [
            {"Data": r.model_dump_json().encode(), "PartitionKey": r.request_id} for r in records
        ]
    poison = {
        "Data": json.dumps({"request_id": "p", "score": "high"}).encode(),
        "PartitionKey": "p",
    }
    entries = [*entries, entries[5], poison]
    event = put_records_event(entries, stream="prediction-log", region=REGION)
    capsys.readouterr()
    response = consumer.lambda_handler(event, None)

    sequences = [r["kinesis"]["sequenceNumber"] for r in event["Records"]]
    assert [f["itemIdentifier"] for f in response["batchItemFailures"]] == [sequences[-1]]
    stored = table_items(monitoring)
    assert sorted(stored) == sorted(r.request_id for r in records)
    item, record = stored[records[0].request_id], records[0]
    assert item[spec.ID_FIELD] == record.entity_id and item["model_version"] == record.model_version
    assert float(item["score"]) == pytest.approx(record.score)
    assert set(item["features"]) == set(spec.FEATURE_NAMES)
    metrics = outcomes(capsys.readouterr().out)
    assert (metrics["RecordsStored"], metrics["DuplicateRecords"], metrics["FailedRecords"]) == (
        12.0,
        1.0,
        1.0,
    )
    assert metrics["LatencyMaxMs"] == max(r.latency_ms for r in records)
    assert metrics["MeanScore"] == pytest.approx(sum(r.score for r in records) / len(records))


def test_monitoring_never_scores(
    monitoring: Any, settings: Settings, trained_model: Model, monkeypatch: pytest.MonkeyPatch
) -> None:
    records = served(trained_model, settings, 5, seed=9)

    def no_scoring(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the monitoring consumer scored a record")

    for name in ("predict_one", "predict_scores"):
        monkeypatch.setattr(type(trained_model), name, no_scoring)
    entries = [{"Data": r.model_dump_json().encode(), "PartitionKey": "k"} for r in records]
    assert consumer.lambda_handler(put_records_event(entries), None) == {"batchItemFailures": []}
    assert len(table_items(monitoring)) == 5


def test_features_that_break_the_spec_are_poison(
    monitoring: Any, settings: Settings, trained_model: Model
) -> None:
    (record,) = served(trained_model, settings, 1, seed=3)
    document = record.model_dump(mode="json")
    broken = [
        {
            **document,
            "features": {
                k: v for k, v in document["features"].items() if k != spec.FEATURE_NAMES[0]
            },
        },
        {**document, "features": {**document["features"], "unknown": 1}},
        {**document, "extra": True},
        {k: v for k, v in document.items() if k != "request_id"},
    ]
    payloads = [{"Data": json.dumps(b).encode(), "PartitionKey": "k"} for b in broken]
    response = consumer.lambda_handler(put_records_event(payloads), None)
    assert len(response["batchItemFailures"]) == len(broken)
    assert table_items(monitoring) == {}


def drift_of(out: str) -> float:
    return float(outcomes(out)["MaxFeaturePsi"])


@pytest.mark.parametrize("shift", [0.0, 1.0])
def test_monitoring_drift_metric_crosses_the_alarm_only_when_inputs_drift(
    monitoring: Any,
    settings: Settings,
    trained_model: Model,
    shift: float,
    capsys: pytest.CaptureFixture[str],
) -> None:
    records = served(trained_model, settings, 500, seed=31, shift=shift)
    entries = [
        {"Data": r.model_dump_json().encode(), "PartitionKey": r.request_id} for r in records
    ]
    capsys.readouterr()
    assert consumer.lambda_handler(put_records_event(entries), None) == {"batchItemFailures": []}
    out = capsys.readouterr().out
    per_feature = {d["Feature"]: d["FeaturePsi"] for d in emf_documents(out) if "FeaturePsi" in d}
    assert set(per_feature) == set(spec.FEATURE_NAMES)
    if shift:
        assert drift_of(out) > ALARM_PSI
    else:
        assert drift_of(out) < ALARM_PSI


@pytest.mark.parametrize("shift", [0.0, 1.0])
def test_scoring_drift_metric_crosses_the_alarm_only_when_inputs_drift(
    scoring: Any, settings: Settings, shift: float, capsys: pytest.CaptureFixture[str]
) -> None:
    kinesis = RecordingKinesis()
    send(kinesis, settings.input_stream, messages(500, seed=41, shift=shift))
    capsys.readouterr()
    handler.lambda_handler(put_records_event(kinesis.entries), None)
    psi = drift_of(capsys.readouterr().out)
    assert psi > ALARM_PSI if shift else psi < ALARM_PSI


def test_drift_waits_for_a_full_enough_window(
    monitoring: Any, settings: Settings, trained_model: Model, capsys: pytest.CaptureFixture[str]
) -> None:
    records = served(trained_model, settings, 250, seed=51)
    first, second = records[:150], records[150:]
    for batch, reported in ((first, False), (second, True)):
        entries = [{"Data": r.model_dump_json().encode(), "PartitionKey": "k"} for r in batch]
        capsys.readouterr()
        consumer.lambda_handler(put_records_event(entries), None)
        assert ("MaxFeaturePsi" in outcomes(capsys.readouterr().out)) is reported
