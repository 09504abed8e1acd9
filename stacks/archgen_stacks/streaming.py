"""The streaming path: Kinesis stream, Lambda consumer into DynamoDB, Firehose archive to S3.

The consumer is a container-image Lambda run from the project's one image (the
image the API and batch jobs run): the AWS Lambda Runtime Interface Client is
its entry point and the handler its command, so nothing is zipped and the
function runs the Python, and the dependencies, that the image was built with.

Failed batches are split (bisect), retried a bounded number of times, and then
sent to an SQS dead-letter queue; the consumer reports partial batch failures
so one bad record does not replay its neighbours. Alarms watch consumer lag
and dead-letter depth; the consumer's own metrics (prediction distribution,
latency, feature drift) get a `ModelMonitor`: the drift alarm and its widgets.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from archgen import aws_limits

from .common import (
    Bucket,
    assume_role_policy,
    bucket_objects,
    current_account,
    document,
    kms_use,
    log_group,
    statement,
)
from .monitoring import ModelMonitor, ModelMonitorArgs, metric_widget

MODELS_PREFIX = "models/"
DLQ_RETENTION_S = 14 * 24 * 3600
DELIVERY_LOG_STREAM = "delivery"
"""The log stream of the archive's delivery errors (created by the stack)."""
ERROR_PREFIX = "errors/!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd}/"
RUNTIME_INTERFACE_CLIENT = ["python", "-m", "awslambdaric"]
"""The image's entry point as a Lambda: the Runtime Interface Client, given the handler."""
ARCHITECTURE = "x86_64"
"""The image's platform (linux/amd64), which the function must match."""
SCRATCH_HOME = "/tmp"  # noqa: S108 - Lambda's only writable path, not a shared host /tmp
"""HOME of the consumer: Lambda mounts an image read-only except /tmp."""


@dataclass(frozen=True)
class StreamPipelineArgs:
    """Stream capacity, consumer behaviour and archive buffering; numbers from StackSettings."""

    kms_key_arn: pulumi.Input[str]
    alarm_topic_arn: pulumi.Input[str]
    archive: Bucket
    image: pulumi.Input[str]
    """The project's container image (`<repository url>:<tag>` or a digest), run by Lambda."""
    handler: str
    """`module.function` the image runs as its command (through the Runtime Interface Client)."""
    image_access: Sequence[pulumi.Resource] = ()
    """What must exist before Lambda pulls `image` (the repository policy that allows it)."""
    logs_kms_key_arn: pulumi.Input[str] | None = None
    """Key of the log groups (default `kms_key_arn`); its policy must let CloudWatch Logs use it."""
    models: Bucket | None = None
    environment: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    archive_prefix: str = "stream/"
    stream_mode: str = "PROVISIONED"
    stream_shards: int = 1
    stream_retention_hours: int = 24
    batch_size: int = 100
    batch_window_s: int = 1
    parallelization: int = 1
    max_retries: int = 3
    max_record_age_s: int = 3600
    memory_mb: int = 512
    timeout_s: int = 60
    iterator_age_alarm_ms: int = 60_000
    drift_alarm_psi: float = 0.25
    """Feature PSI above which the model drift alarm fires."""
    metrics_namespace: str = ""
    """CloudWatch namespace of the consumer's embedded metrics (default: the component name)."""
    metrics_service: str = "consumer"
    """The `service` dimension of the consumer's metrics."""
    table_ttl_days: int = 30
    archive_buffer_s: int = 300
    archive_buffer_mb: int = 64
    log_retention_days: int = 30
    tags: Mapping[str, str] = field(default_factory=dict)

    def validate(self) -> None:
        """Reject values Kinesis, Lambda or Firehose would refuse."""
        checks = [
            ("stream_mode", self.stream_mode in ("PROVISIONED", "ON_DEMAND")),
            ("stream_shards", self.stream_shards >= 1),
            ("stream_retention_hours", 24 <= self.stream_retention_hours <= 8760),
            ("batch_size", 1 <= self.batch_size <= 10_000),
            ("batch_window_s", 0 <= self.batch_window_s <= 300),
            ("parallelization", 1 <= self.parallelization <= 10),
            ("max_retries", 0 <= self.max_retries <= 10_000),
            ("max_record_age_s", 60 <= self.max_record_age_s <= 604_800),
            ("archive_buffer_s", 0 <= self.archive_buffer_s <= 900),
            ("archive_buffer_mb", 1 <= self.archive_buffer_mb <= 128),
            ("table_ttl_days", self.table_ttl_days >= 1),
            ("drift_alarm_psi", 0.0 < self.drift_alarm_psi <= 10.0),
            ("metrics_service", bool(self.metrics_service)),
            ("handler", "." in self.handler),
            ("archive_prefix", self.archive_prefix.endswith("/")),
        ]
        for attr, ok in checks:
            if not ok:
                raise ValueError(
                    f"StreamPipelineArgs.{attr} is out of range: {getattr(self, attr)!r}"
                )
        problems = [
            aws_limits.lambda_memory("StreamPipelineArgs.memory_mb", self.memory_mb),
            aws_limits.lambda_timeout("StreamPipelineArgs.timeout_s", self.timeout_s),
            aws_limits.image_config("StreamPipelineArgs.handler", dict(self.image_config())),
            aws_limits.image_uri("StreamPipelineArgs.image", self.image)
            if isinstance(self.image, str)
            else "",
        ]
        for problem in problems:
            if problem:
                raise ValueError(problem)

    def image_config(self) -> aws.lambda_.FunctionImageConfigArgsDict:
        """The function's image config: the Runtime Interface Client running `handler`."""
        return {"entry_points": list(RUNTIME_INTERFACE_CLIENT), "commands": [self.handler]}


class StreamPipeline(pulumi.ComponentResource):
    """Kinesis stream -> Lambda consumer -> DynamoDB, with DLQ, Firehose archive and alarms."""

    stream: aws.kinesis.Stream
    consumer: aws.lambda_.Function
    table: aws.dynamodb.Table
    dead_letter_queue: aws.sqs.Queue
    archive_stream: aws.kinesis.FirehoseDeliveryStream
    model_monitor: ModelMonitor
    stream_name: pulumi.Output[str]
    stream_arn: pulumi.Output[str]
    metrics_namespace: str

    def __init__(
        self, name: str, args: StreamPipelineArgs, opts: pulumi.ResourceOptions | None = None
    ):
        args.validate()
        super().__init__("archgen:streaming:StreamPipeline", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        tags = dict(args.tags)
        self._account = current_account(pulumi.InvokeOptions(parent=self))
        provisioned = args.stream_mode == "PROVISIONED"
        self.stream = aws.kinesis.Stream(
            f"{name}-stream",
            shard_count=args.stream_shards if provisioned else None,
            stream_mode_details={"stream_mode": args.stream_mode},
            retention_period=args.stream_retention_hours,
            encryption_type="KMS",
            kms_key_id=args.kms_key_arn,
            tags=tags,
            opts=child,
        )
        self.stream_name = self.stream.name
        self.stream_arn = self.stream.arn
        self.dead_letter_queue = aws.sqs.Queue(
            f"{name}-dlq",
            kms_master_key_id=args.kms_key_arn,
            kms_data_key_reuse_period_seconds=300,
            message_retention_seconds=DLQ_RETENTION_S,
            tags=tags,
            opts=child,
        )
        aws.sqs.QueuePolicy(
            f"{name}-dlq-policy",
            queue_url=self.dead_letter_queue.url,
            policy=document(
                [
                    statement(
                        ["sqs:*"],
                        [self.dead_letter_queue.arn],
                        effect="Deny",
                        principal={"AWS": "*"},
                        condition={"Bool": {"aws:SecureTransport": "false"}},
                        sid="DenyInsecureTransport",
                    )
                ]
            ),
            opts=child,
        )
        self.table = aws.dynamodb.Table(
            f"{name}-table",
            billing_mode="PAY_PER_REQUEST",
            hash_key="pk",
            attributes=[{"name": "pk", "type": "S"}],
            point_in_time_recovery={"enabled": True},
            server_side_encryption={"enabled": True, "kms_key_arn": args.kms_key_arn},
            ttl={"attribute_name": "expires_at", "enabled": True},
            deletion_protection_enabled=True,
            tags=tags,
            opts=child,
        )
        logs = log_group(
            f"{name}-consumer-logs",
            f"/archgen/{name}/consumer",
            retention_days=args.log_retention_days,
            kms_key_arn=args.logs_kms_key_arn or args.kms_key_arn,
            tags=tags,
            parent=self,
        )
        role = self._consumer_role(name, args, logs)
        self.metrics_namespace = args.metrics_namespace or name
        env: dict[str, pulumi.Input[str]] = {
            "PREDICTIONS_TABLE": self.table.name,
            "TABLE_TTL_DAYS": str(args.table_ttl_days),
            "INPUT_STREAM": self.stream.name,
            "POWERTOOLS_METRICS_NAMESPACE": self.metrics_namespace,
            "POWERTOOLS_SERVICE_NAME": args.metrics_service,
            "HOME": SCRATCH_HOME,
            **dict(args.environment),
        }
        if args.models is not None:
            env["MODELS_BUCKET"] = args.models.name
            env["MODELS_PREFIX"] = MODELS_PREFIX
        self.consumer = aws.lambda_.Function(
            f"{name}-consumer",
            role=role.arn,
            package_type="Image",
            image_uri=args.image,
            image_config=args.image_config(),
            architectures=[ARCHITECTURE],
            memory_size=args.memory_mb,
            timeout=args.timeout_s,
            kms_key_arn=args.kms_key_arn,
            environment={"variables": env},
            logging_config={"log_format": "JSON", "log_group": logs.name},
            tracing_config={"mode": "PassThrough"},
            tags=tags,
            # CreateFunction reads the image: the repository must let Lambda pull it first
            opts=pulumi.ResourceOptions(parent=self, depends_on=list(args.image_access)),
        )
        self.event_source = aws.lambda_.EventSourceMapping(
            f"{name}-consumer-source",
            event_source_arn=self.stream.arn,
            function_name=self.consumer.arn,
            starting_position="LATEST",
            batch_size=args.batch_size,
            maximum_batching_window_in_seconds=args.batch_window_s,
            parallelization_factor=args.parallelization,
            bisect_batch_on_function_error=True,
            maximum_retry_attempts=args.max_retries,
            maximum_record_age_in_seconds=args.max_record_age_s,
            function_response_types=["ReportBatchItemFailures"],
            destination_config={"on_failure": {"destination_arn": self.dead_letter_queue.arn}},
            tags=tags,
            opts=child,
        )
        self.archive_stream = self._archive(name, args, tags)
        self._alarms(name, args, tags)
        self.model_monitor = ModelMonitor(
            f"{name}-model",
            ModelMonitorArgs(
                namespace=self.metrics_namespace,
                service=args.metrics_service,
                alarm_topic_arn=args.alarm_topic_arn,
                drift_alarm_psi=args.drift_alarm_psi,
                tags=tags,
            ),
            child,
        )
        self.register_outputs(
            {
                "stream_name": self.stream_name,
                "stream_arn": self.stream_arn,
                "table_name": self.table.name,
                "dead_letter_queue_url": self.dead_letter_queue.url,
            }
        )

    def widgets(self) -> list[dict[str, Any]]:
        """Dashboard widgets: incoming records, consumer lag and errors, dead letters, then the
        model's (prediction distribution, drift, latency, record outcomes)."""
        stream, fn = self.stream.name, self.consumer.name
        return [
            metric_widget(
                "Stream records in",
                [["AWS/Kinesis", "IncomingRecords", "StreamName", stream]],
                period=60,
            ),
            metric_widget(
                "Consumer lag (ms)",
                [["AWS/Lambda", "IteratorAge", "FunctionName", fn]],
                stat="Maximum",
                period=60,
            ),
            metric_widget(
                "Consumer errors and dead letters",
                [
                    ["AWS/Lambda", "Errors", "FunctionName", fn],
                    [
                        "AWS/SQS",
                        "ApproximateNumberOfMessagesVisible",
                        "QueueName",
                        self.dead_letter_queue.name,
                    ],
                ],
                stat="Maximum",
                period=60,
            ),
            *self.model_monitor.widgets(),
        ]

    # -- pieces ----------------------------------------------------------------
    def _consumer_role(
        self, name: str, args: StreamPipelineArgs, logs: aws.cloudwatch.LogGroup
    ) -> aws.iam.Role:
        role = aws.iam.Role(
            f"{name}-consumer-role",
            assume_role_policy=assume_role_policy("lambda.amazonaws.com", self._account.account_id),
            tags=dict(args.tags),
            opts=pulumi.ResourceOptions(parent=self),
        )
        statements = [
            statement(
                [
                    "kinesis:GetRecords",
                    "kinesis:GetShardIterator",
                    "kinesis:DescribeStream",
                    "kinesis:DescribeStreamSummary",
                    "kinesis:ListShards",
                ],
                [self.stream.arn],
            ),
            statement(["sqs:SendMessage"], [self.dead_letter_queue.arn]),
            statement(
                ["dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:GetItem"], [self.table.arn]
            ),
            statement(
                ["logs:CreateLogStream", "logs:PutLogEvents"],
                [pulumi.Output.concat(logs.arn, ":*")],
            ),
            kms_use(args.kms_key_arn),
        ]
        if args.models is not None:
            statements += [
                statement(
                    ["s3:ListBucket"],
                    [args.models.arn],
                    condition={"StringLike": {"s3:prefix": [f"{MODELS_PREFIX}*"]}},
                ),
                statement(["s3:GetObject"], [bucket_objects(args.models.arn, MODELS_PREFIX)]),
            ]
        aws.iam.RolePolicy(
            f"{name}-consumer-policy",
            role=role.id,
            policy=document(statements),
            opts=pulumi.ResourceOptions(parent=self),
        )
        return role

    def _archive(
        self, name: str, args: StreamPipelineArgs, tags: dict[str, str]
    ) -> aws.kinesis.FirehoseDeliveryStream:
        child = pulumi.ResourceOptions(parent=self)
        logs = log_group(
            f"{name}-archive-logs",
            f"/archgen/{name}/archive",
            retention_days=args.log_retention_days,
            kms_key_arn=args.logs_kms_key_arn or args.kms_key_arn,
            tags=tags,
            parent=self,
        )
        # Firehose writes its delivery errors to this stream; it does not create it
        delivery_log = aws.cloudwatch.LogStream(
            f"{name}-archive-delivery-log",
            name=DELIVERY_LOG_STREAM,
            log_group_name=logs.name,
            opts=child,
        )
        role = aws.iam.Role(
            f"{name}-archive-role",
            assume_role_policy=assume_role_policy(
                "firehose.amazonaws.com", self._account.account_id
            ),
            tags=tags,
            opts=child,
        )
        policy = aws.iam.RolePolicy(
            f"{name}-archive-policy",
            role=role.id,
            policy=document(
                [
                    statement(
                        [
                            "kinesis:GetRecords",
                            "kinesis:GetShardIterator",
                            "kinesis:DescribeStream",
                            "kinesis:ListShards",
                        ],
                        [self.stream.arn],
                    ),
                    statement(["s3:GetBucketLocation", "s3:ListBucket"], [args.archive.arn]),
                    statement(
                        ["s3:PutObject", "s3:AbortMultipartUpload", "s3:GetObject"],
                        [
                            bucket_objects(args.archive.arn, args.archive_prefix),
                            bucket_objects(args.archive.arn, "errors/"),
                        ],
                    ),
                    statement(["logs:PutLogEvents"], [pulumi.Output.concat(logs.arn, ":*")]),
                    kms_use(args.kms_key_arn),
                ]
            ),
            opts=child,
        )
        return aws.kinesis.FirehoseDeliveryStream(
            f"{name}-archive",
            destination="extended_s3",
            kinesis_source_configuration={
                "kinesis_stream_arn": self.stream.arn,
                "role_arn": role.arn,
            },
            extended_s3_configuration={
                "bucket_arn": args.archive.arn,
                "role_arn": role.arn,
                "prefix": f"{args.archive_prefix}!{{timestamp:yyyy/MM/dd}}/",
                "error_output_prefix": ERROR_PREFIX,
                "buffering_interval": args.archive_buffer_s,
                "buffering_size": args.archive_buffer_mb,
                "compression_format": "GZIP",
                "kms_key_arn": args.kms_key_arn,
                "cloudwatch_logging_options": {
                    "enabled": True,
                    "log_group_name": logs.name,
                    "log_stream_name": delivery_log.name,
                },
            },
            tags=tags,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[policy]),
        )

    def _alarms(self, name: str, args: StreamPipelineArgs, tags: dict[str, str]) -> None:
        child = pulumi.ResourceOptions(parent=self)
        actions = [args.alarm_topic_arn]
        aws.cloudwatch.MetricAlarm(
            f"{name}-iterator-age-alarm",
            alarm_description=f"Stream readers lag more than {args.iterator_age_alarm_ms} ms",
            namespace="AWS/Kinesis",
            metric_name="GetRecords.IteratorAgeMilliseconds",
            dimensions={"StreamName": self.stream.name},
            statistic="Maximum",
            period=60,
            evaluation_periods=5,
            threshold=args.iterator_age_alarm_ms,
            comparison_operator="GreaterThanThreshold",
            treat_missing_data="notBreaching",
            alarm_actions=actions,
            ok_actions=actions,
            tags=tags,
            opts=child,
        )
        aws.cloudwatch.MetricAlarm(
            f"{name}-consumer-lag-alarm",
            alarm_description=f"The consumer lags more than {args.iterator_age_alarm_ms} ms",
            namespace="AWS/Lambda",
            metric_name="IteratorAge",
            dimensions={"FunctionName": self.consumer.name},
            statistic="Maximum",
            period=60,
            evaluation_periods=5,
            threshold=args.iterator_age_alarm_ms,
            comparison_operator="GreaterThanThreshold",
            treat_missing_data="notBreaching",
            alarm_actions=actions,
            ok_actions=actions,
            tags=tags,
            opts=child,
        )
        aws.cloudwatch.MetricAlarm(
            f"{name}-dlq-alarm",
            alarm_description="Records reached the dead-letter queue",
            namespace="AWS/SQS",
            metric_name="ApproximateNumberOfMessagesVisible",
            dimensions={"QueueName": self.dead_letter_queue.name},
            statistic="Maximum",
            period=60,
            evaluation_periods=1,
            threshold=0,
            comparison_operator="GreaterThanThreshold",
            treat_missing_data="notBreaching",
            alarm_actions=actions,
            tags=tags,
            opts=child,
        )
