"""The prediction log on moto Kinesis: batched, complete, inert without a stream, never raising."""

from __future__ import annotations

import json
import logging
import time
from typing import Any

import boto3
import pytest

from iot_sensor_monitoring.config import Settings
from iot_sensor_monitoring.monitoring.prediction_log import (
    NullPredictionLog,
    PredictionLog,
    open_prediction_log,
)


def read_stream(client: Any, stream: str) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    for shard in client.describe_stream(StreamName=stream)["StreamDescription"]["Shards"]:
        iterator = client.get_shard_iterator(
            StreamName=stream, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
        for _ in range(20):
            page = client.get_records(ShardIterator=iterator, Limit=10_000)
            records.extend(json.loads(r["Data"]) for r in page["Records"])
            if not page["Records"]:
                break
            iterator = page["NextShardIterator"]
    return records


@pytest.fixture
def stream(unique: str) -> str:
    return f"prediction-log-{unique}"


@pytest.fixture
def kinesis(aws: None, stream: str) -> Any:
    client = boto3.client("kinesis", region_name="eu-central-1")
    client.create_stream(StreamName=stream, ShardCount=2)
    return client


def test_every_record_reaches_the_stream_in_batches(kinesis: Any, stream: str) -> None:
    calls: list[int] = []
    real_put = kinesis.put_records

    def counting_put(**kwargs: Any) -> Any:
        calls.append(len(kwargs["Records"]))
        return real_put(**kwargs)

    kinesis.put_records = counting_put
    sink = PredictionLog(stream, client=kinesis, flush_interval_s=0.05)
    for i in range(1_200):
        sink.write({"request_id": f"r{i}", "probability": i / 1_200})
    sink.close()
    records = read_stream(kinesis, stream)
    assert sorted(r["request_id"] for r in records) == sorted(f"r{i}" for i in range(1_200))
    assert sink.stats.sent == 1_200 and sink.stats.failed == 0
    assert max(calls) <= 500 and len(calls) < 1_200


def test_failures_are_logged_not_raised(aws: None, caplog: pytest.LogCaptureFixture) -> None:
    client = boto3.client("kinesis", region_name="eu-central-1")
    sink = PredictionLog("no-such-stream", client=client, flush_interval_s=0.01)
    with caplog.at_level(logging.ERROR):
        sink.write({"request_id": "a"})
        sink.close()
    assert sink.stats.failed == 1 and sink.stats.sent == 0
    assert "lost 1 records" in caplog.text


def test_an_unexpected_error_does_not_stop_the_log(
    kinesis: Any, stream: str, caplog: pytest.LogCaptureFixture
) -> None:
    real_put = kinesis.put_records
    calls: list[int] = []

    def failing_once(**kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("boom")
        return real_put(**kwargs)

    kinesis.put_records = failing_once
    sink = PredictionLog(stream, client=kinesis, flush_interval_s=0.05)
    with caplog.at_level(logging.ERROR):
        sink.write({"request_id": "lost"})
        deadline = time.monotonic() + 5
        while not calls and time.monotonic() < deadline:
            time.sleep(0.01)
        sink.write({"request_id": "kept"})
        sink.close()
    assert sink.stats.failed == 1 and sink.stats.sent == 1
    assert [r["request_id"] for r in read_stream(kinesis, stream)] == ["kept"]
    assert "dropped a batch" in caplog.text


def test_a_full_queue_drops_instead_of_blocking(kinesis: Any, stream: str) -> None:
    sink = PredictionLog(stream, client=kinesis, flush_interval_s=5.0, max_queue=1)
    for i in range(50):
        sink.write({"request_id": str(i)})
    sink.close()
    assert sink.stats.dropped > 0
    assert sink.stats.sent + sink.stats.dropped == 50


def test_inert_without_a_stream(kinesis: Any, stream: str) -> None:
    assert isinstance(open_prediction_log(Settings.from_env({})), NullPredictionLog)
    sink = open_prediction_log(Settings.from_env({"PREDICTION_LOG_STREAM": stream}), kinesis)
    assert isinstance(sink, PredictionLog)
    sink.write({"request_id": "x"})
    sink.close()
    assert [r["request_id"] for r in read_stream(kinesis, stream)] == ["x"]
