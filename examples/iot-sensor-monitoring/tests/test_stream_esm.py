"""The real consumer behind the local event source mapping runner, wired as the stack wires it.

A Kinesis stream, the consumer function's configuration (its environment names
the table), an SQS dead-letter queue and the event source mapping are created
in moto; archgen-stacks' mapping runner then plays the Lambda poller and calls
`lambda_handler` in process with the function's environment.
"""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import boto3
from archgen_stacks.testing.esm_runner import run_event_source_mapping

from iot_sensor_monitoring.config import Settings
from iot_sensor_monitoring.model import SpecModel
from iot_sensor_monitoring.storage import save_model
from iot_sensor_monitoring.stream import handler
from iot_sensor_monitoring.stream.producer import messages, send

REGION = "eu-central-1"


def deploy_consumer(stream_arn: str, settings: Settings, name: str, table: str) -> tuple[str, str]:
    """Function, dead-letter queue and mapping as the streaming stack declares them."""
    role = boto3.client("iam", region_name=REGION).create_role(
        RoleName=name,
        AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": []}),
    )["Role"]["Arn"]
    package = io.BytesIO()
    with zipfile.ZipFile(package, "w") as archive:
        archive.writestr("README", "code runs locally through the runner")
    lambda_client = boto3.client("lambda", region_name=REGION)
    lambda_client.create_function(
        FunctionName=name,
        Runtime="python3.11",
        Role=role,
        Handler="iot_sensor_monitoring.stream.handler.lambda_handler",
        Code={"ZipFile": package.getvalue()},
        Timeout=60,
        Environment={
            "Variables": {
                "PREDICTIONS_TABLE": table,
                "MODELS_BUCKET": settings.models_bucket,
            }
        },
    )
    sqs = boto3.client("sqs", region_name=REGION)
    queue_url = sqs.create_queue(QueueName=f"{name}-dlq")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    mapping = lambda_client.create_event_source_mapping(
        EventSourceArn=stream_arn,
        FunctionName=name,
        StartingPosition="TRIM_HORIZON",
        BatchSize=25,
        BisectBatchOnFunctionError=True,
        MaximumRetryAttempts=1,
        FunctionResponseTypes=["ReportBatchItemFailures"],
        DestinationConfig={"OnFailure": {"Destination": queue_arn}},
    )
    return str(mapping["UUID"]), queue_url


def test_stream_to_table_through_the_mapping(
    buckets: Any, settings: Settings, trained_model: SpecModel, unique: str
) -> None:
    name, table_name, stream = f"consumer-{unique}", f"scored-{unique}", f"events-{unique}"
    save_model(buckets, settings, trained_model, promote=True)
    boto3.resource("dynamodb", region_name=REGION).create_table(
        TableName=table_name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    kinesis = boto3.client("kinesis", region_name=REGION)
    kinesis.create_stream(StreamName=stream, ShardCount=1)
    stream_arn = kinesis.describe_stream(StreamName=stream)["StreamDescription"]["StreamARN"]
    # Records first: the mapping then starts from the trim horizon, as a new mapping does.
    assert send(kinesis, stream, messages(30, seed=5)) == 30
    assert send(kinesis, stream, messages(30, seed=5, poison=1)) == 31  # replay + poison
    mapping, queue_url = deploy_consumer(stream_arn, settings, name, table_name)

    handler.set_runtime(None)  # cold start: the runtime comes from the function's environment
    try:
        report = run_event_source_mapping(mapping, handler.lambda_handler, region=REGION)
    finally:
        handler.set_runtime(None)

    assert report.records == 61
    assert report.function_errors == 0
    assert report.failed_records == 1 and report.succeeded == 60
    table = boto3.resource("dynamodb", region_name=REGION).Table(table_name)
    stored = table.scan()["Items"]
    assert sorted(item["pk"] for item in stored) == sorted(m["event_id"] for m in messages(30, 5))
    dead = boto3.client("sqs", region_name=REGION).receive_message(
        QueueUrl=queue_url, MaxNumberOfMessages=10
    )["Messages"]
    assert len(dead) == 1
    batch_info = json.loads(dead[0]["Body"])["KinesisBatchInfo"]
    assert batch_info["batchSize"] == 1
    poison = kinesis.get_records(
        ShardIterator=kinesis.get_shard_iterator(
            StreamName=stream,
            ShardId=batch_info["shardId"],
            ShardIteratorType="AT_SEQUENCE_NUMBER",
            StartingSequenceNumber=batch_info["startSequenceNumber"],
        )["ShardIterator"],
        Limit=1,
    )["Records"][0]
    assert json.loads(poison["Data"])["event_id"].startswith("poison-")
