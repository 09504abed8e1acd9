"""The stream consumer on moto DynamoDB: items stored once, poison records reported alone."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from credit_decisions.config import Settings
from credit_decisions.model import CreditModel
from credit_decisions.schema import Applicant
from credit_decisions.storage import save_model
from credit_decisions.stream import handler
from credit_decisions.stream.producer import messages

REGION = "us-east-1"
ARN = f"arn:aws:kinesis:{REGION}:123456789012:stream/input"


def kinesis_event(payloads: list[bytes], first_sequence: int = 1) -> dict[str, Any]:
    """A Lambda Kinesis event as the event source mapping delivers it."""
    records = []
    for offset, payload in enumerate(payloads):
        sequence = str(first_sequence + offset).zfill(56)
        records.append(
            {
                "kinesis": {
                    "kinesisSchemaVersion": "1.0",
                    "partitionKey": str(offset),
                    "sequenceNumber": sequence,
                    "data": base64.b64encode(payload).decode(),
                    "approximateArrivalTimestamp": 1_700_000_000.0,
                },
                "eventSource": "aws:kinesis",
                "eventVersion": "1.0",
                "eventID": f"shardId-000000000000:{sequence}",
                "eventName": "aws:kinesis:record",
                "invokeIdentityArn": "arn:aws:iam::123456789012:role/consumer",
                "awsRegion": REGION,
                "eventSourceARN": ARN,
            }
        )
    return {"Records": records}


def encoded(count: int, seed: int = 1) -> list[bytes]:
    return [json.dumps(m).encode() for m in messages(count, seed)]


@pytest.fixture
def table(aws: None, settings: Settings, trained_model: CreditModel) -> Iterator[Any]:
    dynamodb = boto3.resource("dynamodb", region_name=REGION)
    created = dynamodb.create_table(
        TableName=settings.predictions_table,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    handler.set_runtime(handler.Runtime(settings, trained_model, created))
    yield created
    handler.set_runtime(None)


def items(table: Any) -> dict[str, dict[str, Any]]:
    return {item["pk"]: item for item in table.scan()["Items"]}


def test_records_become_scored_items(table: Any, trained_model: CreditModel) -> None:
    payloads = encoded(25)
    response = handler.lambda_handler(kinesis_event(payloads), None)
    assert response == {"batchItemFailures": []}
    stored = items(table)
    assert len(stored) == 25
    first = json.loads(payloads[0])
    item = stored[first["event_id"]]
    applicant = Applicant.model_validate({k: v for k, v in first.items() if k != "event_id"})
    expected = trained_model.predict_one(applicant.row())
    assert float(item["default_probability"]) == pytest.approx(expected, abs=1e-6)
    assert item["model_version"] == "test" and item["applicant_id"] == first["applicant_id"]
    assert item["expires_at"] - item["scored_at"] == 30 * 86_400


def test_duplicates_are_idempotent_successes(table: Any) -> None:
    payloads = encoded(10)
    handler.lambda_handler(kinesis_event(payloads), None)
    before = items(table)
    replay = handler.lambda_handler(kinesis_event(payloads + payloads[:3], 100), None)
    assert replay == {"batchItemFailures": []}
    after = items(table)
    assert after == before  # nothing rewritten: first write wins, sequence numbers unchanged


def test_a_poison_record_fails_alone(table: Any) -> None:
    payloads = encoded(5)
    payloads.insert(2, b"{not json")
    payloads.insert(4, json.dumps({"event_id": "bad", "income": -5}).encode())
    event = kinesis_event(payloads)
    response = handler.lambda_handler(event, None)
    failed = [f["itemIdentifier"] for f in response["batchItemFailures"]]
    sequences = [r["kinesis"]["sequenceNumber"] for r in event["Records"]]
    assert failed == [sequences[2], sequences[4]]
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
    table: Any, buckets: Any, settings: Settings, trained_model: CreditModel
) -> None:
    save_model(buckets, settings, trained_model, promote=True)
    handler.set_runtime(None)
    response = handler.lambda_handler(kinesis_event(encoded(4)), None)
    assert response == {"batchItemFailures": []}
    assert len(items(table)) == 4
    assert isinstance(
        items(table)[json.loads(encoded(1)[0])["event_id"]]["default_probability"], Decimal
    )


def test_each_invocation_publishes_its_counts(
    table: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    payloads = encoded(6)
    handler.lambda_handler(kinesis_event(payloads[:4]), None)
    capsys.readouterr()
    handler.lambda_handler(kinesis_event([*payloads[2:], b"{broken"], 50), None)
    emf = [
        json.loads(line)
        for line in capsys.readouterr().out.splitlines()
        if line.startswith("{") and "_aws" in line
    ]
    assert len(emf) == 1
    counts = {name: emf[0][name] for name in ("RecordsStored", "DuplicateRecords", "FailedRecords")}
    assert counts == {"RecordsStored": [2.0], "DuplicateRecords": [2.0], "FailedRecords": [1.0]}
    assert emf[0]["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "credit-decisions"
