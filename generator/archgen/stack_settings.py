"""Every size, schedule and threshold a stack reads from Pulumi config, in one table.

This module is the contract between archgen's sizing (which writes the values
into `Pulumi.<stack>.yaml`) and the stack entry point (the only code that reads
`pulumi.Config`). It imports nothing from Pulumi so the CLI can use it cheaply.
A field `foo_bar` is the config key `fooBar`; its default is what a stack uses
when the key is absent.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from archgen import aws_limits, catalogue

PATTERNS = catalogue.PATTERN_NAMES
WAF_RATE_LIMIT_MIN = 10
WAF_RATE_LIMIT_MAX = 2_000_000_000
"""The limits AWS WAF accepts for a rate-based rule (requests per evaluation window)."""
ECR_TAG = re.compile(r"[a-zA-Z0-9_][a-zA-Z0-9_.-]{0,127}")
"""An image tag ECR accepts (Docker's tag grammar, at most 128 characters)."""
API_AUTH_MODES = ("apiKey", "none")
"""`apiAuth` values: callers need an API key, or the API serves anyone who reaches it."""


def config_key(field_name: str) -> str:
    """`api_min_tasks` -> `apiMinTasks`."""
    head, *rest = field_name.split("_")
    return head + "".join(part.title() for part in rest)


@dataclass(frozen=True)
class StackSettings:
    """The documented config keys of an archgen stack, with their defaults."""

    # -- the whole stack ---------------------------------------------------
    pattern: str = "hybrid"
    """Which architecture this stack builds: batch, realtime, streaming or hybrid."""
    name_prefix: str = "ai-service"
    """Prefix of every physical resource name."""
    tags: dict[str, str] = field(default_factory=dict)
    """Extra tags put on every taggable resource (team packs set company tags here)."""
    alarm_email: str = ""
    """Email subscribed to the alarm topic; empty means no subscription."""
    log_retention_days: int = 30
    """CloudWatch Logs retention for every log group."""
    kms_key_arn: str = ""
    """An existing KMS key to encrypt with; empty creates one key for the stack."""
    availability_target_pct: float = 99.9
    """Availability objective of the API; the error-budget alarm derives from it."""
    package_name: str = "app"
    """Python package of the project's code (container commands and the consumer handler)."""
    image_uri: str = ""
    """A container image to run (no build); empty means the project's image in the stack's
    ECR repository."""
    image_build: bool = True
    """`pulumi up` builds the project's image (Docker with Buildx where it runs) and pushes it,
    tagged by its content; false runs the image you push yourself at `imageTag`."""
    image_context: str = ".."
    """Build context of the image, relative to infra/ (the project root)."""
    image_tag: str = "v1"
    """The tag you push the image at yourself (`imageBuild: false`); tags are immutable."""

    # -- data lake ---------------------------------------------------------
    raw_expiration_days: int = 365
    """Raw input objects are deleted after this many days."""
    archive_transition_days: int = 30
    """Archive objects move to Glacier Instant Retrieval after this many days."""
    noncurrent_version_expiration_days: int = 90
    """Superseded object versions are deleted after this many days."""
    access_log_expiration_days: int = 365
    """S3 access logs of the data buckets are deleted after this many days."""

    # -- batch pipeline ----------------------------------------------------
    batch_schedule: str = "cron(0 2 * * ? *)"
    """EventBridge Scheduler expression for the train-and-score run (the scoring run when
    `batchTrainSchedule` is set)."""
    batch_train_schedule: str = ""
    """EventBridge Scheduler expression of a training run of its own, for a model updated less
    often than results are scored; empty trains on every `batchSchedule` run."""
    batch_schedule_timezone: str = "UTC"
    """Time zone of the schedule expression."""
    first_training_delay_minutes: int = 10
    """Minutes after a deploy at which a one-time run trains the first model (the batch
    state machine; the real-time retrain task), so the API is not left without a model
    until the first tick of the schedule; later deploys do not move it; 0 schedules none."""
    train_cpu: int = 1024
    """Fargate CPU units of the training task."""
    train_memory_mb: int = 4096
    """Fargate memory of the training task."""
    score_cpu: int = 1024
    """Fargate CPU units of each scoring task."""
    score_memory_mb: int = 2048
    """Fargate memory of each scoring task."""
    score_parallelism: int = 1
    """Scoring tasks run side by side, each on one shard of the input."""
    batch_timeout_minutes: int = 120
    """A batch task that runs longer than this fails the run."""
    model_metric_name: str = "auc"
    """Metric the evaluate step reports and the gate checks."""
    model_metric_threshold: float = 0.7
    """The gate's threshold: a model on the wrong side of it is not promoted and the run stops
    before scoring (see `modelMetricGoal`)."""
    model_metric_goal: str = "max"
    """Which side of the threshold passes: `max` (at least it: auc, macro_f1) or `min`
    (at most it: rmse)."""
    batch_tracing: bool = True
    """Trace every run of the batch state machine with AWS X-Ray ($5 per million traces,
    one per run); false turns tracing off."""

    # -- real-time API -----------------------------------------------------
    vpc_cidr: str = "10.0.0.0/16"
    """CIDR block of the VPC the API runs in."""
    availability_zones: int = 2
    """Availability zones the VPC spans (at least two)."""
    vpc_flow_logs: bool = True
    """Log the created VPC's accepted and rejected traffic to an encrypted log group
    (CloudWatch Logs ingestion is charged per GB; false turns it off)."""
    existing_vpc_id: str = ""
    """Deploy into this existing VPC instead of creating one (empty: create one)."""
    existing_private_subnet_ids: str = ""
    """Comma-separated private subnets of the existing VPC (tasks run there; 2+ AZs)."""
    existing_public_subnet_ids: str = ""
    """Comma-separated public subnets of the existing VPC (the API load balancer; 2+ AZs)."""
    egress: str = "nat"
    """How private tasks reach AWS: `nat` (a NAT gateway per AZ) or `endpoints` (VPC endpoints)."""
    container_port: int = 8080
    """Port the API container listens on."""
    health_check_path: str = "/health"
    """Path the load balancer checks."""
    api_cpu: int = 512
    """Fargate CPU units of each API task."""
    api_memory_mb: int = 1024
    """Fargate memory of each API task."""
    api_min_tasks: int = 2
    """Autoscaling floor of the API service."""
    api_desired_tasks: int = 2
    """Tasks the API service starts with."""
    api_max_tasks: int = 10
    """Autoscaling ceiling of the API service."""
    api_target_cpu_pct: float = 60.0
    """Target-tracking CPU utilisation of the API service."""
    api_requests_per_target: int = 1000
    """Target-tracking requests per task per minute (ALBRequestCountPerTarget)."""
    latency_target_ms: int = 100
    """p99 response time above which the latency alarm fires."""
    error_rate_alarm_pct: float = 1.0
    """Share of 5xx responses (percent, over 5 minutes) above which the 5xx alarm fires."""
    burn_rate_alarm: float = 14.4
    """Error-budget burn rate (over one hour) above which the availability alarm fires."""
    certificate_arn: str = ""
    """ACM certificate of the API; set, a public load balancer serves HTTPS and redirects HTTP."""
    public_http: bool = False
    """Without a certificate the API is internal (reachable from inside the VPC only);
    true serves it on the internet over plain HTTP, for trying things out only."""
    lb_access_logs: bool = True
    """The API's load balancer writes access logs to the stack's access-log bucket
    (under `lb/<namePrefix>-api/`, kept `accessLogExpirationDays`); false turns them off."""
    lb_deletion_protection: bool = False
    """AWS refuses to delete the API's load balancer while true: set it in prod stacks;
    dev and staging stay false so that `pulumi destroy` works."""
    waf: bool = True
    """A public API (certificateArn or publicHttp) gets an AWS WAF web ACL: AWS's common,
    known-bad-inputs and IP-reputation rule groups and a per-IP rate limit ($5 a month
    plus $1 per rule and $0.60 per million requests); false leaves the load balancer
    unprotected. An internal API has no web ACL either way."""
    waf_rate_limit: int = 2000
    """Requests one client IP may send in any 5 minutes before the web ACL blocks it."""
    waf_logging: bool = True
    """The web ACL logs every request it inspects to a CloudWatch log group
    (`aws-waf-logs-...`, kept `logRetentionDays`); false logs nothing."""
    api_auth: str = "apiKey"
    """Who may call the API: `apiKey` (callers send a key from the stack's Secrets Manager
    secret, output `apiKeysSecretArn`; see docs/security.md#api-keys) or `none` (anyone who
    reaches the load balancer; `archgen scan` and the policy pack report it)."""

    # -- continuous model updates of the real-time API ---------------------
    retrain: bool = True
    """The API updates its model continuously: it stores each served prediction and each
    `POST /feedback` under `served/` and `feedback/` in the raw bucket, a scheduled Fargate
    task retrains from them, and the API swaps a published model in; false turns it all off."""
    retrain_schedule: str = "rate(1 day)"
    """EventBridge Scheduler expression of the retrain check (UTC), the model-update cadence
    (`rate(1 hour)` for hourly updates); a run with too few new labelled records stops
    without training, but each run pulls the image and reads `retrainLookbackDays` of records."""
    retrain_min_records: int = 200
    """New labelled records (feedback joined to its prediction, since the promoted model was
    trained) that make a retrain run train."""
    retrain_drift_psi: float = 0.25
    """A served feature's population stability index (since the promoted model) that makes a
    retrain run train even below `retrainMinRecords`."""
    retrain_lookback_days: int = 7
    """Days of served predictions and feedback a retrain run reads (feedback for a prediction
    served earlier is not used); the records themselves are kept `rawExpirationDays`."""
    retrain_cpu: int = 1024
    """Fargate CPU units of the retrain task."""
    retrain_memory_mb: int = 4096
    """Fargate memory of the retrain task."""
    model_poll_s: int = 60
    """Seconds between the API's checks of `latest.json`; a new model that passes the gate
    and scores a probe row is swapped in, a failing one is refused."""
    record_flush_s: int = 60
    """The API writes its buffered training records at least this often (and at shutdown)."""

    # -- streaming ---------------------------------------------------------
    stream_mode: str = "PROVISIONED"
    """Kinesis capacity mode: PROVISIONED (sized shards) or ON_DEMAND."""
    stream_shards: int = 1
    """Shards of a provisioned stream."""
    stream_retention_hours: int = 24
    """How long records stay in the stream."""
    consumer_batch_size: int = 100
    """Records per consumer invocation."""
    consumer_batch_window_s: int = 1
    """Seconds the event source mapping waits to fill a batch."""
    consumer_parallelization: int = 1
    """Concurrent consumer batches per shard (1-10)."""
    consumer_max_retries: int = 3
    """Retries of a failing batch before it goes to the dead-letter queue."""
    consumer_max_record_age_s: int = 3600
    """Records older than this skip to the dead-letter queue."""
    consumer_memory_mb: int = 512
    """Memory of the consumer Lambda function."""
    consumer_timeout_s: int = 60
    """Timeout of the consumer Lambda function."""
    iterator_age_alarm_ms: int = 60_000
    """Consumer lag (iterator age) above which the alarm fires."""
    drift_alarm_psi: float = 0.25
    """Population stability index of a feature (against the model's training data) above which
    the drift alarm fires: under 0.1 is stable, 0.1-0.25 worth watching, above 0.25 drifted."""
    table_ttl_days: int = 30
    """Days a prediction item lives in the DynamoDB table."""
    archive_buffer_s: int = 300
    """Firehose buffering interval into the archive bucket."""
    archive_buffer_mb: int = 64
    """Firehose buffering size into the archive bucket."""
    consumer_handler: str = ""
    """Handler of the consumer Lambda (the command it runs the project image with); empty
    means `<packageName>.stream.handler.handler`."""

    @classmethod
    def keys(cls) -> dict[str, dataclasses.Field[Any]]:
        """Config key -> dataclass field, in declaration order."""
        return {config_key(f.name): f for f in dataclasses.fields(cls)}

    @classmethod
    def from_getter(
        cls, get: Callable[[str], Any | None], region: str | None = None
    ) -> StackSettings:
        """Build from a `get(key)` that returns None for an absent key (e.g. `pulumi.Config.get`).

        Values arrive as strings from Pulumi config; they are converted to the
        field's type, and a value that does not convert raises ValueError naming the key.
        With `region` (the stack's `aws:region`) the region-dependent limits are checked too.
        """
        values: dict[str, Any] = {}
        defaults = cls()
        for key, f in cls.keys().items():
            raw = get(key)
            if raw is None:
                continue
            try:
                values[f.name] = _coerce(key, raw, getattr(defaults, f.name))
            except ValueError as err:
                raise ValueError(f"stack config {err}") from err
        settings = cls(**values)
        settings.validate(region)
        return settings

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any], region: str | None = None) -> StackSettings:
        """Build from a mapping of config keys (unknown keys are an error)."""
        unknown = sorted(set(values) - set(cls.keys()))
        if unknown:
            raise ValueError(f"unknown stack config key(s): {', '.join(unknown)}")
        return cls.from_getter(values.get, region)

    def to_config(self, namespace: str) -> dict[str, Any]:
        """The `config:` block of a `Pulumi.<stack>.yaml` (`namespace:key` -> value)."""
        out: dict[str, Any] = {}
        for key, f in self.keys().items():
            out[f"{namespace}:{key}"] = getattr(self, f.name)
        return out

    def validate(self, region: str | None = None) -> None:
        """Reject settings no stack can deploy: one ValueError naming every bad key.

        `region` (the stack's `aws:region`) adds the checks that depend on it
        (availability zones); without it they are skipped.
        """
        problems = self.violations(region)
        if problems:
            raise ValueError("stack config " + "; ".join(problems))

    def violations(
        self, region: str | None = None, *, names: bool = True, stack: str | None = None
    ) -> list[str]:
        """Every problem, each `key: what is wrong (allowed: ...)`: archgen's rules and AWS's.

        `names` checks AWS's limits on the physical names built from `namePrefix`
        for `stack` (see `aws_limits.settings_violations`).
        """
        checks: list[tuple[str, bool, str]] = [
            ("pattern", self.pattern in PATTERNS, f"one of {', '.join(PATTERNS)}"),
            ("availabilityZones", self.availability_zones >= 2, "at least 2"),
            ("retrainMinRecords", self.retrain_min_records >= 1, "at least 1"),
            ("retrainDriftPsi", 0.0 < self.retrain_drift_psi <= 10.0, "in (0, 10]"),
            ("retrainLookbackDays", 1 <= self.retrain_lookback_days <= 365, "1 to 365 days"),
            (
                "firstTrainingDelayMinutes",
                0 <= self.first_training_delay_minutes <= 1440,
                "0 to 1440 minutes (0: no first training run)",
            ),
            ("modelPollS", 1 <= self.model_poll_s <= 86_400, "1 to 86400 seconds"),
            ("recordFlushS", 1 <= self.record_flush_s <= 3600, "1 to 3600 seconds"),
            ("egress", self.egress in ("nat", "endpoints"), "nat or endpoints"),
            (
                "existingPrivateSubnetIds",
                not self.existing_vpc_id or len(split_ids(self.existing_private_subnet_ids)) >= 2,
                "at least 2 subnet ids when existingVpcId is set",
            ),
            (
                "existingPublicSubnetIds",
                not self.existing_vpc_id
                or not catalogue.uses(self.pattern, catalogue.Part.API)
                or not (self.certificate_arn or self.public_http)
                or len(split_ids(self.existing_public_subnet_ids)) >= 2,
                "at least 2 subnet ids when existingVpcId is set and the API is public "
                "(certificateArn or publicHttp)",
            ),
            (
                "apiMinTasks",
                1 <= self.api_min_tasks <= self.api_desired_tasks <= self.api_max_tasks,
                "1 <= apiMinTasks <= apiDesiredTasks <= apiMaxTasks",
            ),
            (
                "streamMode",
                self.stream_mode in ("PROVISIONED", "ON_DEMAND"),
                "PROVISIONED or ON_DEMAND",
            ),
            ("streamShards", self.stream_shards >= 1, "at least 1"),
            ("modelMetricGoal", self.model_metric_goal in ("max", "min"), "max or min"),
            ("driftAlarmPsi", 0.0 < self.drift_alarm_psi <= 10.0, "in (0, 10]"),
            (
                "wafRateLimit",
                WAF_RATE_LIMIT_MIN <= self.waf_rate_limit <= WAF_RATE_LIMIT_MAX,
                f"{WAF_RATE_LIMIT_MIN} to {WAF_RATE_LIMIT_MAX:,} requests per 5 minutes",
            ),
            ("apiAuth", self.api_auth in API_AUTH_MODES, " or ".join(API_AUTH_MODES)),
            ("errorRateAlarmPct", 0.0 < self.error_rate_alarm_pct <= 100.0, "in (0, 100]"),
            ("burnRateAlarm", self.burn_rate_alarm > 0.0, "positive"),
            ("packageName", self.package_name.isidentifier(), "a Python package name"),
            (
                "imageContext",
                bool(self.image_uri) or not self.image_build or bool(self.image_context.strip()),
                "a directory relative to infra/ when imageBuild is true",
            ),
            (
                "imageTag",
                bool(self.image_uri or self.image_build or ECR_TAG.fullmatch(self.image_tag)),
                "an ECR tag ([a-zA-Z0-9_][a-zA-Z0-9_.-]{0,127}) when imageBuild is false "
                "and imageUri is empty",
            ),
            (
                "accessLogExpirationDays",
                self.access_log_expiration_days > 0,
                "a positive number of days",
            ),
            (
                "availabilityTargetPct",
                50.0 < self.availability_target_pct < 100.0,
                "between 50 and 100 (exclusive)",
            ),
        ]
        problems = [f"{key}: must be {expected}" for key, ok, expected in checks if not ok]
        problems += [
            problem
            for problem in (
                aws_limits.schedule_expression("retrainSchedule", self.retrain_schedule),
                aws_limits.fargate_size(
                    "retrainCpu", self.retrain_cpu, "retrainMemoryMb", self.retrain_memory_mb
                ),
            )
            if problem
        ]
        return problems + aws_limits.settings_violations(self, region, names=names, stack=stack)


def read_config(values: Mapping[str, Any]) -> tuple[StackSettings, list[str]]:
    """Settings from config keys (as in a `Pulumi.<stack>.yaml`), and every key that cannot be read.

    Unlike `from_mapping`, nothing is raised: unknown keys and values that do not
    convert are reported and left at their defaults, so a caller sees every problem.
    """
    problems = [
        f"{key}: not a stack config key" for key in sorted(set(values) - set(StackSettings.keys()))
    ]
    defaults = StackSettings()
    converted: dict[str, Any] = {}
    for key, f in StackSettings.keys().items():
        if values.get(key) is None:
            continue
        try:
            converted[f.name] = _coerce(key, values[key], getattr(defaults, f.name))
        except ValueError as err:
            problems.append(str(err))
    return StackSettings(**converted), problems


def split_ids(value: str) -> list[str]:
    """`"subnet-a, subnet-b"` -> `["subnet-a", "subnet-b"]` (config keys holding id lists)."""
    return [part.strip() for part in value.split(",") if part.strip()]


def _coerce(key: str, raw: Any, default: Any) -> Any:
    try:
        if isinstance(default, bool):
            return raw if isinstance(raw, bool) else str(raw).lower() in ("1", "true", "yes")
        if isinstance(default, int):
            return int(raw)
        if isinstance(default, float):
            return float(raw)
        if isinstance(default, dict):
            value = json.loads(raw) if isinstance(raw, str) else dict(raw)
            if not isinstance(value, dict):
                raise TypeError("not a mapping")
            return {str(k): str(v) for k, v in value.items()}
        return str(raw)
    except (TypeError, ValueError) as err:
        raise ValueError(f"{key}: cannot read {raw!r} ({err})") from err
