"""The stack entry point: settings in, the chosen pattern's components out, outputs exported.

`main()` is the only code in archgen that reads `pulumi.Config` and the clock;
`build()` is a plain function over `StackSettings`, `AppArtifacts` and the time
it is given, so tests (and the offline emulator) run exactly what `pulumi up` runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pulumi
import pulumi_aws as aws

from archgen import catalogue
from archgen.catalogue import Part
from archgen.stack_settings import StackSettings, split_ids

from .batch import BatchPipeline, BatchPipelineArgs
from .common import (
    ImageRepository,
    ImageRepositoryArgs,
    StackKey,
    StackKeyArgs,
    at_time,
    stack_tags,
)
from .datalake import DataLake, DataLakeArgs
from .edge import AccessLogs
from .hybrid import ComponentClasses, Hybrid, HybridArgs
from .image import ImageBuild, ImageBuildArgs, missing_dockerfile
from .monitoring import AlarmTopic, AlarmTopicArgs, Dashboard, DashboardArgs
from .network import Network, NetworkArgs, NetworkRef
from .realtime import ContinuousUpdates, RealtimeApi, RealtimeApiArgs
from .streaming import StreamPipeline, StreamPipelineArgs


@dataclass(frozen=True)
class AppArtifacts:
    """What the project's application provides to its stack; None fields come from config.

    `image_uri`: a full image reference (config `imageUri`), run as given; when
    unset, the stack's own ECR repository holds the image: built from
    `image_context` (config `imageContext`, relative to infra/) and tagged by its
    content when `image_build` (config `imageBuild`), else pushed by the team at
    `image_tag` (config `imageTag`). The API, the batch jobs and the stream
    consumer all run this one image.
    `consumer_handler`: config `consumerHandler`, else `<package>.stream.handler.handler`:
    the command the consumer Lambda runs the image with.
    """

    package: str | None = None
    image_uri: str | None = None
    image_tag: str | None = None
    image_build: bool | None = None
    image_context: str | None = None
    consumer_handler: str | None = None

    def resolve(self, settings: StackSettings) -> AppArtifacts:
        """Every field filled: given values win, the rest come from `settings`."""
        return AppArtifacts(
            package=self.package or settings.package_name,
            image_uri=self.image_uri or settings.image_uri or None,
            image_tag=self.image_tag or settings.image_tag,
            image_build=settings.image_build if self.image_build is None else self.image_build,
            image_context=self.image_context or settings.image_context,
            consumer_handler=self.consumer_handler or settings.consumer_handler or None,
        )

    @property
    def handler(self) -> str:
        """The consumer Lambda's handler, the image's command."""
        return self.consumer_handler or f"{self.package or 'app'}.stream.handler.handler"


@dataclass
class Stack:
    """The components `build()` created (None where the pattern has no such part)."""

    settings: StackSettings
    key_arn: pulumi.Input[str]
    lake: DataLake
    alarms: AlarmTopic
    dashboard: Dashboard | None = None
    repository: ImageRepository | None = None
    image: ImageBuild | None = None
    network: Network | None = None
    batch: BatchPipeline | None = None
    api: RealtimeApi | None = None
    stream: StreamPipeline | None = None
    hybrid: Hybrid | None = None
    exports: dict[str, Any] = field(default_factory=dict)


def build(
    settings: StackSettings,
    app: AppArtifacts | None = None,
    components: ComponentClasses | None = None,
    now: datetime | None = None,
) -> Stack:
    """Create the components of `settings.pattern` and export what a user needs next.

    Which parts a pattern has comes from the catalogue; `components` replaces the
    class of a part (a team's own API component, say). `now` (UTC, the deploy's time,
    from `main()`) schedules the first training run `firstTrainingDelayMinutes` after
    it; without `now` none is scheduled.
    """
    settings.validate()
    classes = components or ComponentClasses()
    app = (app or AppArtifacts()).resolve(settings)
    package = app.package or settings.package_name
    prefix = settings.name_prefix
    pattern = settings.pattern
    tags = stack_tags(settings.tags, project=prefix, pattern=pattern)
    api_name = f"{prefix}-api"
    lb_logs = catalogue.uses(pattern, Part.API) and settings.lb_access_logs
    lb_log_prefix = f"lb/{api_name}"
    delay = settings.first_training_delay_minutes
    first_training_at = (
        at_time(now.astimezone(UTC) + timedelta(minutes=delay)) if now and delay else None
    )

    # The data stores use the team's own key when there is one; log groups and the
    # alarm topic need a key whose policy grants CloudWatch Logs and alarms, which
    # only a key archgen writes the policy of is sure to do.
    key_arn: pulumi.Input[str]
    logs_key_arn: pulumi.Input[str]
    if settings.kms_key_arn:
        key_arn = settings.kms_key_arn
        logs_key_arn = StackKey(
            f"{prefix}-logs-key", StackKeyArgs(alias=f"{prefix}-logs", tags=tags)
        ).arn
    else:
        key_arn = logs_key_arn = StackKey(
            f"{prefix}-key", StackKeyArgs(alias=prefix, tags=tags)
        ).arn
    lake = DataLake(
        f"{prefix}-lake",
        DataLakeArgs(
            kms_key_arn=key_arn,
            tags=tags,
            raw_expiration_days=settings.raw_expiration_days,
            archive_transition_days=settings.archive_transition_days,
            noncurrent_version_expiration_days=settings.noncurrent_version_expiration_days,
            access_log_expiration_days=settings.access_log_expiration_days,
            lb_log_prefixes=(lb_log_prefix,) if lb_logs else (),
        ),
    )
    alarms = AlarmTopic(
        f"{prefix}-alarms",
        AlarmTopicArgs(kms_key_arn=logs_key_arn, alarm_email=settings.alarm_email, tags=tags),
    )

    repository: ImageRepository | None = None
    built: ImageBuild | None = None
    image: pulumi.Input[str] = app.image_uri or ""
    repository_arn: pulumi.Input[str] | None = None
    if catalogue.uses(pattern, Part.IMAGES) and app.image_uri is None:
        repository = ImageRepository(
            f"{prefix}-images",
            ImageRepositoryArgs(
                tags=tags,
                kms_key_arn=key_arn,
                lambda_pull=catalogue.uses(pattern, Part.STREAM),
            ),
        )
        repository_arn = repository.arn
        if app.image_build:
            built = ImageBuild(
                f"{prefix}-image",
                ImageBuildArgs(repository=repository, context=app.image_context or ".."),
            )
            image = built.uri
        else:
            image = pulumi.Output.concat(repository.url, ":", app.image_tag or settings.image_tag)

    network: Network | None = None
    net: NetworkRef | None = None
    client_cidr: pulumi.Input[str] = settings.vpc_cidr  # who may call an internal API
    in_vpc = catalogue.uses(pattern, Part.NETWORK)
    if in_vpc and settings.existing_vpc_id:
        net = NetworkRef(
            vpc_id=settings.existing_vpc_id,
            public_subnet_ids=list(split_ids(settings.existing_public_subnet_ids)),
            private_subnet_ids=list(split_ids(settings.existing_private_subnet_ids)),
        )
        client_cidr = aws.ec2.get_vpc_output(id=settings.existing_vpc_id).cidr_block
    elif in_vpc:
        network = Network(
            f"{prefix}-net",
            NetworkArgs(
                cidr=settings.vpc_cidr,
                availability_zones=settings.availability_zones,
                egress=settings.egress,
                flow_logs_key_arn=logs_key_arn if settings.vpc_flow_logs else None,
                flow_log_retention_days=settings.log_retention_days,
                tags=tags,
            ),
        )
        net = network.ref

    stack = Stack(settings, key_arn, lake, alarms, repository=repository, network=network)
    stack.image = built
    key, topic = key_arn, alarms.arn
    retention = settings.log_retention_days

    def batch_args() -> BatchPipelineArgs:
        assert net is not None
        return BatchPipelineArgs(
            raw=lake.ref("raw"),
            models=lake.ref("models"),
            predictions=lake.ref("predictions"),
            image=image,
            package=package,
            subnet_ids=list(net.private_subnet_ids),
            vpc_id=net.vpc_id,
            repository_arn=repository_arn,
            schedule=settings.batch_schedule,
            train_schedule=settings.batch_train_schedule or None,
            schedule_timezone=settings.batch_schedule_timezone,
            first_training_at=first_training_at,
            train_cpu=settings.train_cpu,
            train_memory_mb=settings.train_memory_mb,
            score_cpu=settings.score_cpu,
            score_memory_mb=settings.score_memory_mb,
            score_parallelism=settings.score_parallelism,
            timeout_minutes=settings.batch_timeout_minutes,
            metric_name=settings.model_metric_name,
            metric_threshold=settings.model_metric_threshold,
            metric_goal=settings.model_metric_goal,
            kms_key_arn=key,
            logs_kms_key_arn=logs_key_arn,
            alarm_topic_arn=topic,
            log_retention_days=retention,
            tracing=settings.batch_tracing,
            tags=tags,
        )

    def api_updates() -> ContinuousUpdates | None:
        """The API's continuous model updates (config `retrain*`, `modelPollS`, `recordFlushS`).

        The retrain job trains the first model only where no batch pipeline does (realtime).
        """
        if not settings.retrain:
            return None
        return ContinuousUpdates(
            raw=lake.ref("raw"),
            schedule=settings.retrain_schedule,
            first_training_at=None if catalogue.uses(pattern, Part.BATCH) else first_training_at,
            cpu=settings.retrain_cpu,
            memory_mb=settings.retrain_memory_mb,
            min_new_records=settings.retrain_min_records,
            drift_psi=settings.retrain_drift_psi,
            lookback_days=settings.retrain_lookback_days,
            metric_threshold=settings.model_metric_threshold,
            poll_s=settings.model_poll_s,
            record_flush_s=settings.record_flush_s,
        )

    def api_args() -> RealtimeApiArgs:
        assert net is not None
        return RealtimeApiArgs(
            vpc_id=net.vpc_id,
            public_subnet_ids=list(net.public_subnet_ids),
            private_subnet_ids=list(net.private_subnet_ids),
            image=image,
            package=package,
            models=lake.ref("models"),
            repository_arn=repository_arn,
            container_port=settings.container_port,
            health_check_path=settings.health_check_path,
            cpu=settings.api_cpu,
            memory_mb=settings.api_memory_mb,
            min_tasks=settings.api_min_tasks,
            desired_tasks=settings.api_desired_tasks,
            max_tasks=settings.api_max_tasks,
            target_cpu_pct=settings.api_target_cpu_pct,
            requests_per_target=settings.api_requests_per_target,
            latency_target_ms=settings.latency_target_ms,
            availability_target_pct=settings.availability_target_pct,
            error_rate_alarm_pct=settings.error_rate_alarm_pct,
            burn_rate_alarm=settings.burn_rate_alarm,
            certificate_arn=settings.certificate_arn,
            public_http=settings.public_http,
            client_cidrs=[client_cidr],
            access_logs=AccessLogs(lake.log_bucket_ready, lb_log_prefix) if lb_logs else None,
            deletion_protection=settings.lb_deletion_protection,
            waf=settings.waf,
            waf_rate_limit=settings.waf_rate_limit,
            waf_logging=settings.waf_logging,
            api_auth=settings.api_auth,
            updates=api_updates(),
            kms_key_arn=key,
            logs_kms_key_arn=logs_key_arn,
            alarm_topic_arn=topic,
            log_retention_days=retention,
            tags=tags,
        )

    def stream_args(archive_prefix: str) -> StreamPipelineArgs:
        return StreamPipelineArgs(
            archive=lake.ref("archive"),
            models=lake.ref("models"),
            image=image,
            image_access=[repository.policy] if repository and repository.policy else [],
            handler=app.handler,
            archive_prefix=archive_prefix,
            stream_mode=settings.stream_mode,
            stream_shards=settings.stream_shards,
            stream_retention_hours=settings.stream_retention_hours,
            batch_size=settings.consumer_batch_size,
            batch_window_s=settings.consumer_batch_window_s,
            parallelization=settings.consumer_parallelization,
            max_retries=settings.consumer_max_retries,
            max_record_age_s=settings.consumer_max_record_age_s,
            memory_mb=settings.consumer_memory_mb,
            timeout_s=settings.consumer_timeout_s,
            iterator_age_alarm_ms=settings.iterator_age_alarm_ms,
            drift_alarm_psi=settings.drift_alarm_psi,
            table_ttl_days=settings.table_ttl_days,
            archive_buffer_s=settings.archive_buffer_s,
            archive_buffer_mb=settings.archive_buffer_mb,
            kms_key_arn=key,
            logs_kms_key_arn=logs_key_arn,
            alarm_topic_arn=topic,
            log_retention_days=retention,
            tags=tags,
        )

    widgets: list[dict[str, Any]] = []
    if pattern == "batch":
        stack.batch = classes.batch(f"{prefix}-batch", batch_args())
        widgets += stack.batch.widgets()
    elif pattern == "realtime":
        stack.api = classes.api(api_name, api_args())
        widgets += stack.api.widgets()
    elif pattern == "streaming":
        stack.stream = classes.stream(f"{prefix}-stream", stream_args("stream/"))
        widgets += stack.stream.widgets()
    else:
        stack.hybrid = Hybrid(
            f"{prefix}-hybrid",
            HybridArgs(
                batch=batch_args(),
                api=api_args(),
                monitoring=stream_args("prediction-log/"),
                classes=classes,
            ),
        )
        stack.batch, stack.api = stack.hybrid.batch, stack.hybrid.api
        stack.stream = stack.hybrid.prediction_log
        widgets += stack.hybrid.widgets()
    stack.dashboard = Dashboard(f"{prefix}-{pattern}", DashboardArgs(widgets=widgets))
    _export(stack)
    return stack


def _export(stack: Stack) -> None:
    exports: dict[str, Any] = {
        "pattern": stack.settings.pattern,
        "bucketNames": stack.lake.bucket_names,
        "alarmTopicArn": stack.alarms.arn,
    }
    if stack.dashboard is not None:
        exports["dashboardName"] = stack.dashboard.dashboard_name
    if stack.api is not None:
        exports["apiUrl"] = stack.api.url
        if stack.api.api_keys is not None:
            exports["apiKeysSecretArn"] = stack.api.api_keys.arn
    if stack.stream is not None:
        exports["streamName"] = stack.stream.stream_name
        exports["tableName"] = stack.stream.table.name
    if stack.batch is not None:
        exports["stateMachineArn"] = stack.batch.state_machine_arn
    if stack.batch is not None or stack.api is not None:
        # where the team uploads training data (the README's after-deploy lines)
        exports["rawBucketName"] = stack.lake.bucket_names["raw"]
    if stack.repository is not None:
        exports["repositoryUrl"] = stack.repository.url
    if stack.image is not None:
        exports["imageUri"] = stack.image.uri
    for key, value in exports.items():
        pulumi.export(key, value)
    stack.exports = exports


def main(app: AppArtifacts | None = None, components: ComponentClasses | None = None) -> Stack:
    """Entry point of a generated project's `infra/__main__.py`: config -> stack.

    `components` replaces archgen's class of a part with the project's own.

    Bad config stops the program with a one-line message (no traceback).
    """
    try:
        settings = StackSettings.from_getter(
            pulumi.Config().get, region=pulumi.Config("aws").get("region")
        )
    except ValueError as err:
        raise pulumi.RunError(str(err)) from err
    app = (app or AppArtifacts()).resolve(settings)
    builds = catalogue.uses(settings.pattern, Part.IMAGES) and app.image_build
    if builds and app.image_uri is None:
        problem = missing_dockerfile(app.image_context or "..")
        if problem:
            raise pulumi.RunError(problem)
    try:
        return build(settings, app, components, now=datetime.now(UTC))
    except ValueError as err:
        raise pulumi.RunError(str(err)) from err
