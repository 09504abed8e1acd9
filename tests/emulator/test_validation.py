"""Values AWS rejects fail the offline deploy too, naming the parameter and what AWS allows."""

from __future__ import annotations

import json
from collections.abc import Callable

import boto3
import pulumi_aws as aws
import pytest

from archgen_stacks.testing.emulator import EmulatorError, MotoMocks, deploy
from archgen_stacks.testing.emulator.validation import LOG_RETENTION_DAYS


def _role() -> aws.iam.Role:
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "scheduler.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    return aws.iam.Role("role", assume_role_policy=json.dumps(trust))


def _schedule(expression: str, zone: str) -> Callable[[], None]:
    def program() -> None:
        queue = aws.sqs.Queue("q")
        aws.scheduler.Schedule(
            "nightly",
            schedule_expression=expression,
            schedule_expression_timezone=zone,
            flexible_time_window={"mode": "OFF"},
            target={"arn": queue.arn, "role_arn": _role().arn},
        )

    return program


def _task(cpu: str, memory: str) -> Callable[[], None]:
    def program() -> None:
        aws.ecs.TaskDefinition(
            "job",
            family="job",
            cpu=cpu,
            memory=memory,
            network_mode="awsvpc",
            requires_compatibilities=["FARGATE"],
            container_definitions=json.dumps([{"name": "job", "image": "repo/job:1"}]),
        )

    return program


REJECTED: dict[str, tuple[Callable[[], None], list[str]]] = {
    # (program, what the message must name)
    "log retention 45 days": (
        lambda: aws.cloudwatch.LogGroup("logs", retention_in_days=45),
        ["retentionInDays=45", "1, 3, 5, 7, 14, 30, 60, 90"],
    ),
    "alarm operator Bogus": (
        lambda: aws.cloudwatch.MetricAlarm(
            "alarm",
            comparison_operator="Bogus",
            evaluation_periods=1,
            metric_name="Errors",
            namespace="AWS/Lambda",
            period=60,
            statistic="Sum",
            threshold=1,
        ),
        ["ComparisonOperator='Bogus'", "GreaterThanThreshold"],
    ),
    "SQS retention 10 s": (
        lambda: aws.sqs.Queue("q", message_retention_seconds=10),
        ["Attributes.MessageRetentionPeriod='10'", "60..1209600"],
    ),
    "Fargate 256 CPU with 4 GB": (_task("256", "4096"), ["memory='4096'", "512, 1024, 2048"]),
    "unknown time zone": (
        _schedule("cron(0 2 * * ? *)", "Mars/Olympus"),
        ["ScheduleExpressionTimezone='Mars/Olympus'"],
    ),
    "malformed cron": (_schedule("cron(0 2 * *)", "UTC"), ["ScheduleExpression='cron(0 2 * *)'"]),
}


@pytest.mark.parametrize("case", sorted(REJECTED))
def test_a_value_aws_rejects_fails_the_deploy(case: str, moto: boto3.Session) -> None:
    program, named = REJECTED[case]
    with pytest.raises(EmulatorError) as err:
        deploy(program, mocks=MotoMocks(moto))
    for text in named:
        assert text in str(err.value)


def test_the_values_aws_accepts_deploy(moto: boto3.Session) -> None:
    def program() -> None:
        aws.cloudwatch.LogGroup("logs", retention_in_days=LOG_RETENTION_DAYS[-1])
        aws.sqs.Queue("q", message_retention_seconds=60, visibility_timeout_seconds=43_200)
        _task("256", "2048")()
        _schedule("rate(1 day)", "Europe/Berlin")()

    result = deploy(program, mocks=MotoMocks(moto))
    assert len(result.of_kind("ecs.TaskDefinition")) == 1


def _firehose_logging_to(stream_created: bool) -> Callable[[], None]:
    def program() -> None:
        bucket = aws.s3.Bucket("archive")
        group = aws.cloudwatch.LogGroup("firehose", name="/firehose/archive")
        if stream_created:
            aws.cloudwatch.LogStream("delivery", name="delivery", log_group_name=group.name)
        aws.kinesis.FirehoseDeliveryStream(
            "archive",
            destination="extended_s3",
            extended_s3_configuration={
                "role_arn": _role().arn,
                "bucket_arn": bucket.arn,
                "cloudwatch_logging_options": {
                    "enabled": True,
                    "log_group_name": group.name,
                    "log_stream_name": "delivery",
                },
            },
        )

    return program


def test_firehose_error_logging_needs_a_stream_the_deploy_creates(moto: boto3.Session) -> None:
    """AWS accepts any stream name and then drops the errors: offline, that is a failure."""
    with pytest.raises(EmulatorError, match=r"'archive'.*log stream 'delivery'.*no resource"):
        deploy(_firehose_logging_to(stream_created=False), mocks=MotoMocks(moto))


def test_firehose_error_logging_to_a_created_stream_deploys(moto: boto3.Session) -> None:
    result = deploy(_firehose_logging_to(stream_created=True), mocks=MotoMocks(moto))
    assert result.one("kinesis.FirehoseDeliveryStream").outputs["name"]


def test_a_grace_period_without_a_load_balancer_fails_as_in_aws(moto: boto3.Session) -> None:
    """moto keeps no grace period, yet AWS's own refusal of a pointless one still applies."""

    def program() -> None:
        cluster = aws.ecs.Cluster("c")
        _task("256", "512")()
        aws.ecs.Service(
            "worker",
            cluster=cluster.arn,
            task_definition="job",
            desired_count=1,
            health_check_grace_period_seconds=60,
        )

    with pytest.raises(EmulatorError, match=r"'worker'.*only valid for a service with a load"):
        deploy(program, mocks=MotoMocks(moto))


def test_state_machine_logging_to_a_missing_log_group_fails(moto: boto3.Session) -> None:
    def program() -> None:
        definition = {"StartAt": "Done", "States": {"Done": {"Type": "Pass", "End": True}}}
        aws.sfn.StateMachine(
            "flow",
            role_arn=_role().arn,
            definition=json.dumps(definition),
            logging_configuration={
                "level": "ALL",
                "include_execution_data": False,
                "log_destination": "arn:aws:logs:us-east-1:123456789012:log-group:/sfn/missing:*",
            },
        )

    with pytest.raises(EmulatorError, match=r"'flow'.*/sfn/missing:\* names a log group that does"):
        deploy(program, mocks=MotoMocks(moto))
