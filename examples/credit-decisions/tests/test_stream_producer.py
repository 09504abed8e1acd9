"""The producer on moto Kinesis, and its records through the real handler end to end."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest

from credit_decisions import spec
from credit_decisions.config import Settings
from credit_decisions.model import Model
from credit_decisions.stream import handler
from credit_decisions.stream.events import kinesis_event
from credit_decisions.stream.producer import main, messages

REGION = "us-east-1"


def read_all(client: Any, stream: str) -> list[dict[str, Any]]:
    description = client.describe_stream(StreamName=stream)["StreamDescription"]
    records: list[dict[str, Any]] = []
    for shard in description["Shards"]:
        iterator = client.get_shard_iterator(
            StreamName=stream, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
        for _ in range(50):
            page = client.get_records(ShardIterator=iterator, Limit=1_000)
            records.extend(page["Records"])
            if not page["Records"]:
                break
            iterator = page["NextShardIterator"]
    return records


def test_messages_are_deterministic_and_valid() -> None:
    first, second = list(messages(20, 3)), list(messages(20, 3))
    assert first == second and len({m["event_id"] for m in first}) == 20
    for message in first:
        assert set(message) == {"event_id", spec.ID_FIELD, *spec.FEATURE_NAMES}
        event_id, request = handler.parse_message(json.dumps(message).encode())
        assert event_id == message["event_id"] and request.entity_id == message[spec.ID_FIELD]
    assert len(list(messages(2, 3, poison=2))) == 4
    assert list(messages(5, 3, shift=1.0)) != list(messages(5, 3))


def test_producer_to_stream_to_handler_to_table(
    aws: None, settings: Settings, trained_model: Model, capsys: pytest.CaptureFixture[str]
) -> None:
    kinesis = boto3.client("kinesis", region_name=REGION)
    kinesis.create_stream(StreamName=settings.input_stream, ShardCount=2)
    assert main(["--count", "120", "--poison", "1"]) == 0
    assert "sent 121 records" in capsys.readouterr().out
    records = read_all(kinesis, settings.input_stream)
    assert len(records) == 121
    table = boto3.resource("dynamodb", region_name=REGION).create_table(
        TableName=settings.predictions_table,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    handler.set_runtime(handler.Runtime(settings, trained_model, table))
    try:
        event = kinesis_event(
            [r["Data"] for r in records],
            stream=settings.input_stream,
            partition_keys=[r["PartitionKey"] for r in records],
        )
        response = handler.lambda_handler(event, None)
    finally:
        handler.set_runtime(None)
    assert len(response["batchItemFailures"]) == 1
    assert len(table.scan()["Items"]) == 120


def test_missing_stream_is_a_one_line_error(aws: None, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--count", "1", "--stream", "absent"]) == 1
    assert capsys.readouterr().err.startswith("error: ")
