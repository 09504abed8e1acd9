"""Property: whatever the batch settings and the poison records, the runner loses nothing."""

from __future__ import annotations

import base64
import io
import json
import uuid
import zipfile
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from emulator_support import moto_backend
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archgen_stacks.testing.esm_runner import run_event_source_mapping

ASSUME = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "sts:AssumeRole",
                "Principal": {"Service": "lambda.amazonaws.com"},
            }
        ],
    }
)


@pytest.fixture(scope="module")
def backend() -> Iterator[tuple[boto3.Session, str]]:
    with moto_backend() as session:
        role = session.client("iam").create_role(RoleName="fn", AssumeRolePolicyDocument=ASSUME)
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as zf:
            zf.writestr("handler.py", "def handler(event, context):\n    return {}\n")
        fn = session.client("lambda").create_function(
            FunctionName="consumer",
            Role=role["Role"]["Arn"],
            Runtime="python3.12",
            Handler="handler.handler",
            Code={"ZipFile": buf.getvalue()},
        )
        yield session, fn["FunctionArn"]


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    count=st.integers(min_value=1, max_value=30),
    poison=st.sets(st.integers(min_value=0, max_value=29), max_size=4),
    batch_size=st.integers(min_value=1, max_value=12),
    bisect=st.booleans(),
    report=st.booleans(),
    retries=st.integers(min_value=0, max_value=2),
)
def test_every_record_succeeds_or_reaches_the_dlq(
    backend: tuple[boto3.Session, str],
    count: int,
    poison: set[int],
    batch_size: int,
    bisect: bool,
    report: bool,
    retries: int,
) -> None:
    session, function_arn = backend
    name = f"s-{uuid.uuid4().hex[:8]}"
    kinesis, sqs = session.client("kinesis"), session.client("sqs")
    kinesis.create_stream(StreamName=name, ShardCount=1)
    stream_arn = kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"][
        "StreamARN"
    ]
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    dlq = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    mapping = session.client("lambda").create_event_source_mapping(
        EventSourceArn=stream_arn,
        FunctionName=function_arn,
        StartingPosition="TRIM_HORIZON",
        BatchSize=batch_size,
        BisectBatchOnFunctionError=bisect,
        MaximumRetryAttempts=retries,
        FunctionResponseTypes=["ReportBatchItemFailures"] if report else [],
        DestinationConfig={"OnFailure": {"Destination": dlq}},
    )
    poisoned = {n for n in poison if n < count}
    seq: dict[str, int] = {}
    for n in range(count):
        out = kinesis.put_record(
            StreamName=name, PartitionKey="k", Data=json.dumps({"n": n}).encode()
        )
        seq[out["SequenceNumber"]] = n
    done: set[int] = set()

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        failures, ok = [], []
        for record in event["Records"]:
            n = json.loads(base64.b64decode(record["kinesis"]["data"]))["n"]
            if n in poisoned:
                if not report:
                    raise ValueError(f"poison {n}")
                failures.append({"itemIdentifier": record["kinesis"]["sequenceNumber"]})
            else:
                ok.append(n)
        if failures:
            first = min(seq[f["itemIdentifier"]] for f in failures)
            done.update(n for n in ok if n < first)  # Lambda checkpoints before the first failure
        else:
            done.update(ok)
        return {"batchItemFailures": failures}

    report_ = run_event_source_mapping(mapping["UUID"], handler, session_or_endpoint=session)
    assert report_.records == count
    assert report_.succeeded + report_.failed_records == count
    sent: list[int] = []
    while True:
        msgs = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        if not msgs:
            break
        for msg in msgs:
            info = json.loads(msg["Body"])["KinesisBatchInfo"]
            first, last = seq[info["startSequenceNumber"]], seq[info["endSequenceNumber"]]
            assert info["batchSize"] == last - first + 1
            assert poisoned & set(range(first, last + 1)), "only batches with a poison record fail"
            sent.extend(range(first, last + 1))
        sqs.delete_message_batch(
            QueueUrl=url,
            Entries=[
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(msgs)
            ],
        )
    assert len(sent) == report_.failed_records
    assert poisoned <= set(sent)
    assert set(range(count)) - poisoned - set(sent) <= done
    if bisect:
        assert set(sent) == poisoned  # isolated: the rest of each batch succeeded
    elif report:
        # Retried from the first failure on: what follows it in its batch fails with it.
        assert min(sent, default=count) == min(poisoned, default=count)
