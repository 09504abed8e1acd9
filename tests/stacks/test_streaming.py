"""The streaming pipeline: consumer wiring, failure handling, table protection, archive, alarms."""

from __future__ import annotations

import json
from typing import Any

import pytest

from archgen_stacks.common import Bucket
from archgen_stacks.streaming import StreamPipeline, StreamPipelineArgs

KEY = "arn:aws:kms:eu-west-1:123456789012:key/k"
TOPIC = "arn:aws:sns:eu-west-1:123456789012:alarms"
IMAGE = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/credit-images-repo-1a2b3c:v7"


def args(**overrides: Any) -> StreamPipelineArgs:
    values: dict[str, Any] = dict(
        kms_key_arn=KEY,
        alarm_topic_arn=TOPIC,
        archive=Bucket("archive-b", "arn:aws:s3:::archive-b"),
        models=Bucket("models-b", "arn:aws:s3:::models-b"),
        image=IMAGE,
        handler="credit.stream.handler.handler",
        stream_shards=3,
        batch_size=250,
        batch_window_s=5,
        parallelization=4,
        max_retries=2,
        max_record_age_s=900,
        iterator_age_alarm_ms=30_000,
        table_ttl_days=9,
        archive_buffer_s=120,
        archive_buffer_mb=32,
        tags={"team": "ml"},
    )
    values.update(overrides)
    return StreamPipelineArgs(**values)


def test_consumer_reads_the_stream_and_fails_to_the_dead_letter_queue(mocked) -> None:
    run = mocked(lambda: StreamPipeline("st", args()))
    stream = run.named("st-stream")
    esm = run.named("st-consumer-source").inputs
    assert esm["eventSourceArn"] == stream.outputs["arn"]
    assert esm["functionName"] == run.named("st-consumer").outputs["arn"]
    assert (
        esm["destinationConfig"]["onFailure"]["destinationArn"]
        == run.named("st-dlq").outputs["arn"]
    )
    assert esm["functionResponseTypes"] == ["ReportBatchItemFailures"]
    assert esm["bisectBatchOnFunctionError"] is True
    assert (esm["batchSize"], esm["maximumBatchingWindowInSeconds"]) == (250, 5)
    assert (esm["parallelizationFactor"], esm["maximumRetryAttempts"]) == (4, 2)
    assert esm["maximumRecordAgeInSeconds"] == 900
    assert run.parents["st-consumer-source"] == "st"


def test_stream_table_and_queue_are_encrypted_with_the_stack_key(mocked) -> None:
    run = mocked(lambda: StreamPipeline("st", args()))
    stream = run.named("st-stream").inputs
    assert (stream["encryptionType"], stream["kmsKeyId"], stream["shardCount"]) == ("KMS", KEY, 3)
    table = run.named("st-table").inputs
    assert table["pointInTimeRecovery"] == {"enabled": True}
    assert table["serverSideEncryption"] == {"enabled": True, "kmsKeyArn": KEY}
    assert table["ttl"] == {"attributeName": "expires_at", "enabled": True}
    assert run.named("st-dlq").inputs["kmsMasterKeyId"] == KEY


def test_on_demand_stream_has_no_shard_count(mocked) -> None:
    run = mocked(lambda: StreamPipeline("st", args(stream_mode="ON_DEMAND")))
    stream = run.named("st-stream").inputs
    assert stream["streamModeDetails"] == {"streamMode": "ON_DEMAND"}
    assert "shardCount" not in stream


def test_consumer_role_names_the_real_stream_table_queue_and_models(mocked) -> None:
    run = mocked(lambda: StreamPipeline("st", args()))
    policy = json.loads(run.named("st-consumer-policy").inputs["policy"])
    by_action = {a: s["Resource"] for s in policy["Statement"] for a in s["Action"]}
    assert by_action["kinesis:GetRecords"] == [run.named("st-stream").outputs["arn"]]
    assert by_action["dynamodb:PutItem"] == [run.named("st-table").outputs["arn"]]
    assert by_action["sqs:SendMessage"] == [run.named("st-dlq").outputs["arn"]]
    assert by_action["s3:GetObject"] == ["arn:aws:s3:::models-b/models/*"]
    env = run.named("st-consumer").inputs["environment"]["variables"]
    assert env["PREDICTIONS_TABLE"] == run.named("st-table").outputs["name"]
    assert env["TABLE_TTL_DAYS"] == "9"
    assert run.named("st-consumer").inputs["imageConfig"]["commands"] == [
        "credit.stream.handler.handler"
    ]


def test_archive_delivers_the_stream_to_the_archive_bucket(mocked) -> None:
    run = mocked(lambda: StreamPipeline("st", args()))
    fh = run.named("st-archive").inputs
    assert (
        fh["kinesisSourceConfiguration"]["kinesisStreamArn"]
        == run.named("st-stream").outputs["arn"]
    )
    s3 = fh["extendedS3Configuration"]
    assert s3["bucketArn"] == "arn:aws:s3:::archive-b"
    assert (s3["bufferingInterval"], s3["bufferingSize"]) == (120, 32)
    assert s3["kmsKeyArn"] == KEY


def test_alarms_watch_lag_and_dead_letters(mocked) -> None:
    run = mocked(lambda: StreamPipeline("st", args()))
    lag = run.named("st-iterator-age-alarm").inputs
    assert lag["dimensions"] == {"StreamName": run.named("st-stream").outputs["name"]}
    assert lag["threshold"] == 30_000
    dlq = run.named("st-dlq-alarm").inputs
    assert dlq["dimensions"] == {"QueueName": run.named("st-dlq").outputs["name"]}
    assert dlq["alarmActions"] == [TOPIC]


def test_consumer_is_an_image_function_of_the_project_image(mocked) -> None:
    """Lambda runs the image through the Runtime Interface Client with the handler as command;
    an image function takes no runtime, handler or code (Lambda's CreateFunction for Image)."""
    run = mocked(lambda: StreamPipeline("st", args()))
    fn = run.named("st-consumer").inputs
    assert (fn["packageType"], fn["imageUri"], fn["architectures"]) == ("Image", IMAGE, ["x86_64"])
    assert fn["imageConfig"] == {
        "entryPoints": ["python", "-m", "awslambdaric"],
        "commands": ["credit.stream.handler.handler"],
    }
    assert not {"runtime", "handler", "code", "s3Bucket", "filename"} & set(fn)
    # Lambda mounts the image read-only but for /tmp: HOME must point there
    assert fn["environment"]["variables"]["HOME"] == "/tmp"


@pytest.mark.parametrize(
    ("override", "attr"),
    [
        ({"parallelization": 11}, "parallelization"),
        ({"handler": "nohandler"}, "handler"),
        ({"max_record_age_s": 10}, "max_record_age_s"),
        ({"memory_mb": 64}, "memory_mb: 64 is outside Lambda function memory"),
        ({"timeout_s": 0}, "timeout_s: 0 is outside Timeout"),
        ({"image": "docker.io/library/credit:1"}, "image"),
        ({"image": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/Credit:1"}, "image"),
    ],
)
def test_invalid_args_rejected(override: dict[str, Any], attr: str) -> None:
    with pytest.raises(ValueError, match=attr):
        args(**override).validate()


def test_consumer_timeout_is_bounded_where_botocore_bounds_it() -> None:
    """The oracle is botocore's Lambda model (CreateFunction.Timeout's documented maximum)."""
    import re

    from botocore.loaders import Loader

    model = Loader().load_service_model("lambda", "service-2")
    doc = model["shapes"]["CreateFunctionRequest"]["members"]["Timeout"]["documentation"]
    found = re.search(r"maximum allowed value is ([\d,]+) seconds", doc)
    assert found is not None
    high = int(found.group(1).replace(",", ""))
    args(timeout_s=high).validate()
    with pytest.raises(ValueError, match="timeout_s"):
        args(timeout_s=high + 1).validate()
