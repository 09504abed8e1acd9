"""The scoring consumer on moto DynamoDB: items stored once, poison records reported alone."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from credit_decisions import spec
from credit_decisions.config import Settings
from credit_decisions.model import SpecModel
from credit_decisions.schema import PredictionRequest, predict
from credit_decisions.storage import save_model
from credit_decisions.stream import handler
from credit_decisions.stream.events import kinesis_event
from credit_decisions.stream.producer import messages

REGION = "us-east-1"


def encoded(count: int, seed: int = 1) -> list[bytes]:
    return [json.dumps(m).encode() for m in messages(count, seed)]


def emf_documents(out: str) -> list[dict[str, Any]]:
    """The CloudWatch embedded-metric documents a handler printed."""
    return [
        json.loads(line) for line in out.splitlines() if line.startswith("{") and "_aws" in line
    ]


def create_table(name: str) -> Any:
    return boto3.resource("dynamodb", region_name=REGION).create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )


@pytest.fixture
def table(aws: None, settings: Settings, trained_model: SpecModel) -> Iterator[Any]:
    created = create_table(settings.predictions_table)
    handler.set_runtime(handler.Runtime(settings, trained_model, created))
    yield created
    handler.set_runtime(None)


def items(table: Any) -> dict[str, dict[str, Any]]:
    return {item["pk"]: item for item in table.scan()["Items"]}


def test_records_become_scored_items(
    table: Any, trained_model: SpecModel, settings: Settings
) -> None:
    payloads = encoded(25)
    response = handler.lambda_handler(kinesis_event(payloads), None)
    assert response == {"batchItemFailures": []}
    stored = items(table)
    assert len(stored) == 25
    first = json.loads(payloads[0])
    item = stored[first["event_id"]]
    request = PredictionRequest.model_validate({k: v for k, v in first.items() if k != "event_id"})
    expected = predict(trained_model, request, settings.decision_threshold)
    assert item[spec.ID_FIELD] == first[spec.ID_FIELD]
    assert item["model_version"] == trained_model.metadata.version
    assert float(item["score"]) == pytest.approx(expected.score, abs=1e-6)
    if isinstance(expected.prediction, str):
        assert item["prediction"] == expected.prediction
    else:
        assert float(item["prediction"]) == pytest.approx(expected.prediction, abs=1e-6)
    assert isinstance(item["score"], Decimal) and float(item["latency_ms"]) >= 0
    assert item["expires_at"] - item["scored_at"] == settings.table_ttl_days * 86_400


def test_duplicates_are_idempotent_successes(table: Any) -> None:
    payloads = encoded(10)
    handler.lambda_handler(kinesis_event(payloads), None)
    before = items(table)
    replay = handler.lambda_handler(
        kinesis_event(payloads + payloads[:3], first_sequence=100), None
    )
    assert replay == {"batchItemFailures": []}
    assert items(table) == before  # nothing rewritten: first write wins, sequence numbers unchanged


def test_a_poison_record_fails_alone(table: Any) -> None:
    payloads = encoded(5)
    payloads.insert(2, b"{not json")
    payloads.insert(4, json.dumps({"event_id": "bad", spec.FEATURE_NAMES[0]: None}).encode())
    payloads.insert(
        6, json.dumps({**json.loads(payloads[0]), "event_id": "x", "extra": 1}).encode()
    )
    event = kinesis_event(payloads)
    response = handler.lambda_handler(event, None)
    failed = [f["itemIdentifier"] for f in response["batchItemFailures"]]
    sequences = [r["kinesis"]["sequenceNumber"] for r in event["Records"]]
    assert failed == [sequences[2], sequences[4], sequences[6]]
    assert len(items(table)) == 5


def test_other_write_errors_fail_the_record(table: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    real_put = table.put_item

    def flaky_put(**kwargs: Any) -> Any:
        if kwargs["Item"]["pk"].endswith("00000001"):
            error = {"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "slow"}}
            raise ClientError(error, "PutItem")
        return real_put(**kwargs)

    monkeypatch.setattr(table, "put_item", flaky_put)
    event = kinesis_event(encoded(3))
    response = handler.lambda_handler(event, None)
    assert [f["itemIdentifier"] for f in response["batchItemFailures"]] == [
        event["Records"][1]["kinesis"]["sequenceNumber"]
    ]
    assert len(items(table)) == 2


def test_cold_start_builds_the_runtime_from_the_environment(
    table: Any, buckets: Any, settings: Settings, trained_model: SpecModel
) -> None:
    save_model(buckets, settings, trained_model, promote=True)
    handler.set_runtime(None)
    response = handler.lambda_handler(kinesis_event(encoded(4)), None)
    assert response == {"batchItemFailures": []}
    assert len(items(table)) == 4


def test_each_invocation_publishes_its_outcomes_and_distribution(
    table: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    payloads = encoded(6)
    handler.lambda_handler(kinesis_event(payloads[:4]), None)
    capsys.readouterr()
    handler.lambda_handler(kinesis_event([*payloads[2:], b"{broken"], first_sequence=50), None)
    documents = emf_documents(capsys.readouterr().out)
    (main,) = [d for d in documents if "RecordsStored" in d]
    counts = {name: main[name] for name in ("RecordsStored", "DuplicateRecords", "FailedRecords")}
    assert counts == {"RecordsStored": [2.0], "DuplicateRecords": [2.0], "FailedRecords": [1.0]}
    assert main["Predictions"] == [2.0] and main["LatencyMaxMs"][0] >= 0
    assert "MeanScore" in main and main["service"] == "consumer"
    assert main["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "credit-decisions"
    shares = {d["Class"]: d["ClassShare"] for d in documents if "ClassShare" in d}
    assert set(shares) == set(spec.CLASSES if spec.TASK != "regression" else ())
