"""The local mapping runner pushes stream records through a handler the way Lambda would."""

from __future__ import annotations

import base64
import json
import os
from typing import Any

import boto3
import pytest
from emulator_programs import consumer_program

from archgen_stacks.testing.emulator import MotoMocks, deploy
from archgen_stacks.testing.esm_runner import (
    EventSourceMappingError,
    KinesisMappingRunner,
    deliver_kinesis_source,
    run_event_source_mapping,
)


class TableWriter:
    """A consumer like the generated one: idempotent conditional writes, poison records fail."""

    def __init__(
        self, session: boto3.Session, endpoint: str | None = None, *, report: bool = True
    ) -> None:
        self.ddb = session.client("dynamodb", endpoint_url=endpoint)
        self.report = report
        self.seen: list[str] = []
        self.duplicates = 0

    def __call__(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        assert context.function_name and context.get_remaining_time_in_millis() > 0
        table = os.environ["TABLE_NAME"]
        failures = []
        for record in event["Records"]:
            body = json.loads(base64.b64decode(record["kinesis"]["data"]))
            self.seen.append(body["id"])
            if body.get("poison"):
                if not self.report:
                    raise ValueError(f"cannot score {body['id']}")
                failures.append({"itemIdentifier": record["kinesis"]["sequenceNumber"]})
                continue
            try:
                self.ddb.put_item(
                    TableName=table,
                    Item={"pk": {"S": body["id"]}, "score": {"N": str(body["x"])}},
                    ConditionExpression="attribute_not_exists(pk)",
                )
            except self.ddb.exceptions.ConditionalCheckFailedException:
                self.duplicates += 1
        return {"batchItemFailures": failures}


def _put(
    session: boto3.Session, stream: str, bodies: list[dict[str, Any]], endpoint: str | None = None
) -> None:
    kinesis = session.client("kinesis", endpoint_url=endpoint)
    for body in bodies:
        kinesis.put_record(
            StreamName=stream, Data=json.dumps(body).encode(), PartitionKey=str(body["id"])
        )


def _items(session: boto3.Session, table: str, endpoint: str | None = None) -> set[str]:
    rows = session.client("dynamodb", endpoint_url=endpoint).scan(TableName=table)["Items"]
    return {row["pk"]["S"] for row in rows}


def _dlq(session: boto3.Session, url: str, endpoint: str | None = None) -> list[dict[str, Any]]:
    sqs = session.client("sqs", endpoint_url=endpoint)
    out = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)
    return [json.loads(m["Body"]) for m in out.get("Messages", [])]


def test_records_reach_the_table_and_duplicates_write_once(moto: boto3.Session) -> None:
    out = deploy(consumer_program(), mocks=MotoMocks(moto)).outputs
    bodies = [{"id": f"r{n}", "x": n} for n in range(25)]
    _put(moto, out["streamName"], bodies + bodies[:5])
    handler = TableWriter(moto)
    report = run_event_source_mapping(out["mappingUuid"], handler, session_or_endpoint=moto)
    assert report.records == 30 and report.succeeded == 30 and report.failed_records == 0
    assert report.invocations == 3  # batches of 10
    assert _items(moto, out["tableName"]) == {b["id"] for b in bodies}
    assert handler.duplicates == 5
    assert _dlq(moto, out["dlqUrl"]) == []


def test_poison_record_goes_to_the_dlq_and_the_rest_of_its_batch_succeeds(
    moto: boto3.Session,
) -> None:
    out = deploy(consumer_program(), mocks=MotoMocks(moto)).outputs
    bodies = [{"id": f"r{n}", "x": n, "poison": n == 4} for n in range(10)]
    _put(moto, out["streamName"], bodies)
    seqs = [
        r["SequenceNumber"]
        for r in moto.client("kinesis").get_records(
            ShardIterator=moto.client("kinesis").get_shard_iterator(
                StreamName=out["streamName"],
                ShardId="shardId-000000000000",
                ShardIteratorType="TRIM_HORIZON",
            )["ShardIterator"]
        )["Records"]
    ]
    report = run_event_source_mapping(
        out["mappingArn"], TableWriter(moto), session_or_endpoint=moto
    )
    assert _items(moto, out["tableName"]) == {f"r{n}" for n in range(10) if n != 4}
    (message,) = _dlq(moto, out["dlqUrl"])
    info = message["KinesisBatchInfo"]
    assert (info["startSequenceNumber"], info["endSequenceNumber"]) == (seqs[4], seqs[4])
    assert info["batchSize"] == 1
    assert message["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert report.failed_records == 1 and report.succeeded == 9


def test_raising_handler_is_bisected_down_to_the_poison_record(moto: boto3.Session) -> None:
    out = deploy(consumer_program(report_failures=False), mocks=MotoMocks(moto)).outputs
    bodies = [{"id": f"r{n}", "x": n, "poison": n == 7} for n in range(8)]
    _put(moto, out["streamName"], bodies)
    handler = TableWriter(moto, report=False)
    report = run_event_source_mapping(out["mappingUuid"], handler, session_or_endpoint=moto)
    assert _items(moto, out["tableName"]) == {f"r{n}" for n in range(7)}
    assert report.failed_records == 1
    assert len(_dlq(moto, out["dlqUrl"])) == 1
    assert handler.duplicates > 0  # bisection re-delivers good records: writes must be idempotent


def test_without_bisect_the_whole_batch_fails_after_its_retries(moto: boto3.Session) -> None:
    out = deploy(
        consumer_program(bisect=False, report_failures=False, retries=2), mocks=MotoMocks(moto)
    ).outputs
    _put(moto, out["streamName"], [{"id": f"r{n}", "x": n, "poison": n == 0} for n in range(3)])
    report = run_event_source_mapping(
        out["mappingUuid"], TableWriter(moto, report=False), session_or_endpoint=moto
    )
    assert report.invocations == 3  # first try and two retries
    assert report.failed_records == 3
    (message,) = _dlq(moto, out["dlqUrl"])
    assert message["KinesisBatchInfo"]["batchSize"] == 3
    assert message["requestContext"]["approximateInvokeCount"] == 3


def test_a_second_poll_reads_only_new_records(moto: boto3.Session) -> None:
    out = deploy(consumer_program(), mocks=MotoMocks(moto)).outputs
    handler = TableWriter(moto)
    runner = KinesisMappingRunner(out["mappingUuid"], handler, session_or_endpoint=moto)
    _put(moto, out["streamName"], [{"id": "a", "x": 1}, {"id": "b", "x": 2}])
    assert runner.poll().records == 2
    _put(moto, out["streamName"], [{"id": "c", "x": 3}])
    second = runner.poll()
    assert second.records == 1 and handler.seen == ["a", "b", "c"]


def test_parallelization_keeps_each_partition_key_in_order(moto: boto3.Session) -> None:
    out = deploy(consumer_program(parallelization=4, batch_size=100), mocks=MotoMocks(moto)).outputs
    kinesis = moto.client("kinesis")
    for n in range(12):
        kinesis.put_record(
            StreamName=out["streamName"],
            PartitionKey=f"k{n % 3}",
            Data=json.dumps({"id": f"k{n % 3}-{n}", "x": n}).encode(),
        )
    handler = TableWriter(moto)
    report = run_event_source_mapping(out["mappingUuid"], handler, session_or_endpoint=moto)
    assert report.succeeded == 12
    for key in ("k0", "k1", "k2"):
        order = [int(i.split("-")[1]) for i in handler.seen if i.startswith(key)]
        assert order == sorted(order) and len(order) == 4


def test_unknown_mapping_is_a_clear_error(moto: boto3.Session) -> None:
    with pytest.raises(EventSourceMappingError, match="no-such-mapping"):
        run_event_source_mapping("no-such-mapping", TableWriter(moto), session_or_endpoint=moto)


def test_runs_against_moto_server(moto_server: str) -> None:
    out = deploy(consumer_program(), mocks=MotoMocks(moto_server)).outputs
    session = boto3.Session(region_name="us-east-1")
    _put(
        session,
        out["streamName"],
        [{"id": "s1", "x": 1}, {"id": "s2", "x": 2, "poison": True}],
        moto_server,
    )
    report = run_event_source_mapping(
        out["mappingUuid"], TableWriter(session, moto_server), session_or_endpoint=moto_server
    )
    assert report.succeeded == 1 and report.failed_records == 1
    assert _items(session, out["tableName"], moto_server) == {"s1"}
    assert len(_dlq(session, out["dlqUrl"], moto_server)) == 1


def test_archive_delivery_follows_the_session_region(moto: boto3.Session) -> None:
    """A stack deployed outside us-east-1 is found where its session points."""
    session = boto3.Session(region_name="eu-west-1")
    kinesis, firehose, s3 = (session.client(s) for s in ("kinesis", "firehose", "s3"))
    kinesis.create_stream(StreamName="logs", ShardCount=1)
    stream_arn = kinesis.describe_stream(StreamName="logs")["StreamDescription"]["StreamARN"]
    s3.create_bucket(
        Bucket="archive-eu", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"}
    )
    role = "arn:aws:iam::123456789012:role/firehose"
    firehose.create_delivery_stream(
        DeliveryStreamName="archive",
        DeliveryStreamType="KinesisStreamAsSource",
        KinesisStreamSourceConfiguration={"KinesisStreamARN": stream_arn, "RoleARN": role},
        ExtendedS3DestinationConfiguration={
            "BucketARN": "arn:aws:s3:::archive-eu",
            "RoleARN": role,
        },
    )
    kinesis.put_record(StreamName="logs", PartitionKey="k", Data=b'{"id": "eu-1"}\n')
    assert deliver_kinesis_source("archive", session_or_endpoint=session) == 1
    (key,) = [o["Key"] for o in s3.list_objects_v2(Bucket="archive-eu")["Contents"]]
    assert b"eu-1" in s3.get_object(Bucket="archive-eu", Key=key)["Body"].read()
