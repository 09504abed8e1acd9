"""The `local` stack's moto server: a stream mapped to an image function takes records."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator

import boto3
import pytest


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "archgen_stacks.testing.moto_server", "-H", "127.0.0.1"]
        + ["-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=1)  # noqa: S310
                break
            except OSError:
                time.sleep(0.1)
        yield endpoint
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_records_reach_a_stream_whose_consumer_is_an_image_function(server: str) -> None:
    session = boto3.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name="eu-west-1"
    )
    iam, lam, kinesis = (
        session.client(s, endpoint_url=server) for s in ("iam", "lambda", "kinesis")
    )
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    role = iam.create_role(RoleName="consumer", AssumeRolePolicyDocument=json.dumps(trust))
    fn = lam.create_function(
        FunctionName="consumer",
        Role=role["Role"]["Arn"],
        PackageType="Image",
        Code={"ImageUri": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/app:v1"},
        ImageConfig={"EntryPoint": ["python", "-m", "awslambdaric"], "Command": ["app.h.handler"]},
    )
    kinesis.create_stream(StreamName="events", ShardCount=1)
    arn = kinesis.describe_stream_summary(StreamName="events")["StreamDescriptionSummary"][
        "StreamARN"
    ]
    lam.create_event_source_mapping(
        EventSourceArn=arn, FunctionName=fn["FunctionArn"], StartingPosition="TRIM_HORIZON"
    )
    kinesis.put_record(StreamName="events", Data=b'{"n": 1}', PartitionKey="p")
    shard = kinesis.list_shards(StreamName="events")["Shards"][0]["ShardId"]
    iterator = kinesis.get_shard_iterator(
        StreamName="events", ShardId=shard, ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]
    records = kinesis.get_records(ShardIterator=iterator)["Records"]
    assert [r["Data"] for r in records] == [b'{"n": 1}']
