"""The real-time API: an internet-facing load balancer in front of Fargate tasks in private subnets.

Sized by the CLI (min/desired/max tasks), scaled on CPU and on requests per
task, rolled back automatically by the deployment circuit breaker, and watched
by alarms on p99 latency, 5xx rate, unhealthy hosts and error-budget burn.
With `updates` set it updates its model continuously: the tasks store every
served prediction and feedback in the raw bucket, a scheduled `RetrainJob`
retrains from them, and the tasks swap a published model in themselves.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from archgen.stack_settings import API_AUTH_MODES

from .common import (
    Bucket,
    assume_role_policy,
    bucket_objects,
    current_account,
    document,
    execution_role,
    fargate_task,
    kms_use,
    log_group,
    statement,
    tasks_security_group,
)
from .edge import AccessLogs, WebFirewall, WebFirewallArgs
from .monitoring import metric_widget
from .retrain import FEEDBACK_PREFIX, SERVED_PREFIX, RetrainJob, RetrainJobArgs

MODELS_PREFIX = "models/"
AUTH_FAILURE_METRIC = "AuthFailures"
TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06"
REDIRECT_TO_HTTPS: list[Any] = [
    {
        "type": "redirect",
        "redirect": {"port": "443", "protocol": "HTTPS", "status_code": "HTTP_301"},
    }
]


@dataclass(frozen=True)
class Stream:
    """A Kinesis stream another component writes to: its name and ARN."""

    name: pulumi.Input[str]
    arn: pulumi.Input[str]


@dataclass(frozen=True)
class ContinuousUpdates:
    """Feedback, stored training records, scheduled retraining and the in-service model swap."""

    raw: Bucket
    schedule: str = "rate(1 day)"
    schedule_timezone: str = "UTC"
    first_training_at: str | None = None
    """UTC `yyyy-mm-ddThh:mm:ss` of a one-time retrain run that trains the first model."""
    cpu: int = 1024
    memory_mb: int = 4096
    min_new_records: int = 200
    drift_psi: float = 0.25
    lookback_days: int = 7
    metric_threshold: float = 0.7
    poll_s: int = 60
    record_flush_s: int = 60

    def validate(self) -> None:
        """Reject intervals the service could not keep."""
        if not 1 <= self.poll_s <= 86_400:
            raise ValueError("ContinuousUpdates.poll_s must be 1 to 86400 seconds")
        if not 1 <= self.record_flush_s <= 3600:
            raise ValueError("ContinuousUpdates.record_flush_s must be 1 to 3600 seconds")


@dataclass(frozen=True)
class RealtimeApiArgs:
    """Network placement, image, sizes and objectives of the API; numbers from StackSettings."""

    vpc_id: pulumi.Input[str]
    public_subnet_ids: list[pulumi.Input[str]]
    private_subnet_ids: list[pulumi.Input[str]]
    image: pulumi.Input[str]
    package: str
    models: Bucket
    kms_key_arn: pulumi.Input[str]
    alarm_topic_arn: pulumi.Input[str]
    logs_kms_key_arn: pulumi.Input[str] | None = None
    """Key of the log groups (default `kms_key_arn`); its policy must let CloudWatch Logs use it."""
    repository_arn: pulumi.Input[str] | None = None
    prediction_stream: Stream | None = None
    container_port: int = 8080
    health_check_path: str = "/health"
    cpu: int = 512
    memory_mb: int = 1024
    min_tasks: int = 2
    desired_tasks: int = 2
    max_tasks: int = 10
    target_cpu_pct: float = 60.0
    requests_per_target: int = 1000
    latency_target_ms: int = 100
    availability_target_pct: float = 99.9
    error_rate_alarm_pct: float = 1.0
    burn_rate_alarm: float = 14.4
    certificate_arn: str = ""
    """Set: a public load balancer serves HTTPS with it (and redirects HTTP)."""
    public_http: bool = False
    """Without a certificate: true serves plain HTTP on the internet; false (the
    default) makes the load balancer internal, reachable from `client_cidrs` only."""
    client_cidrs: list[pulumi.Input[str]] = field(default_factory=list)
    """Who may call an internal API (the VPC's CIDR); ignored for a public one."""
    log_retention_days: int = 30
    access_logs: AccessLogs | None = None
    """Set: the load balancer writes access logs there (the bucket must already grant it)."""
    deletion_protection: bool = False
    """AWS refuses to delete the load balancer while set (prod); off, `pulumi destroy` works."""
    waf: bool = True
    """A public load balancer gets a web ACL (`WebFirewall`); an internal one never does."""
    waf_rate_limit: int = 2000
    waf_logging: bool = True
    api_auth: str = "apiKey"
    """`apiKey` (the default) creates the API-key secret and makes the API check it; `none`
    serves every caller (see API_AUTH_MODES)."""
    updates: ContinuousUpdates | None = None
    """Set: the model is updated continuously (feedback, `RetrainJob`, in-service swap)."""
    tags: Mapping[str, str] = field(default_factory=dict)

    @property
    def public(self) -> bool:
        """Whether the load balancer faces the internet (HTTPS, or plain HTTP by choice)."""
        return bool(self.certificate_arn) or self.public_http

    def validate(self) -> None:
        """Reject sizes and objectives no deployment could meet."""
        if len(self.private_subnet_ids) < 2:
            raise ValueError("RealtimeApiArgs needs private subnets in 2+ zones")
        if self.public and len(self.public_subnet_ids) < 2:
            raise ValueError("RealtimeApiArgs: a public API needs public subnets in 2+ zones")
        if not 1 <= self.min_tasks <= self.desired_tasks <= self.max_tasks:
            raise ValueError("RealtimeApiArgs: 1 <= min_tasks <= desired_tasks <= max_tasks")
        if not 0 < self.target_cpu_pct <= 100:
            raise ValueError("RealtimeApiArgs.target_cpu_pct must be in (0, 100]")
        if not 50 < self.availability_target_pct < 100:
            raise ValueError("RealtimeApiArgs.availability_target_pct must be in (50, 100)")
        if self.latency_target_ms <= 0 or self.requests_per_target <= 0:
            raise ValueError("RealtimeApiArgs: latency and requests targets must be positive")
        if not 1 <= self.container_port <= 65535:
            raise ValueError("RealtimeApiArgs.container_port must be a TCP port")
        if not self.health_check_path.startswith("/"):
            raise ValueError("RealtimeApiArgs.health_check_path must start with /")
        if not self.package.isidentifier():
            raise ValueError("RealtimeApiArgs.package must be a Python package name")
        if not self.public and not self.client_cidrs:
            raise ValueError("RealtimeApiArgs: an internal API needs client_cidrs (the VPC's)")
        if self.api_auth not in API_AUTH_MODES:
            raise ValueError("RealtimeApiArgs.api_auth must be apiKey or none")
        if self.updates is not None:
            self.updates.validate()


LB_NAME_PREFIX_MAX = 6
"""Load balancers and target groups take at most a 6-character name prefix; the provider
adds a 26-character unique suffix, which fills AWS's 32 characters exactly."""


def lb_name_prefix(name: str) -> str:
    """A load balancer or target group name prefix from a component name.

    Auto-naming (`<logical name>-<7 hex>`) exceeds AWS's 32 characters for any
    prefix over about 9 characters; a prefix of at most 6 letters, digits or
    hyphens never does, stays unique per stack and lets Pulumi replace the
    resource before deleting the old one.
    """
    cleaned = re.sub(r"[^a-zA-Z0-9-]", "", name).lstrip("-")
    return (cleaned or "api")[:LB_NAME_PREFIX_MAX]


def update_environment(args: RealtimeApiArgs) -> dict[str, pulumi.Input[str]]:
    """The API tasks' settings for continuous updates (empty when they are off)."""
    updates = args.updates
    if updates is None:
        return {}
    return {
        "RECORD_TRAINING_DATA": "true",
        "RAW_BUCKET": updates.raw.name,
        "SERVED_PREFIX": SERVED_PREFIX,
        "FEEDBACK_PREFIX": FEEDBACK_PREFIX,
        "RECORD_FLUSH_S": str(updates.record_flush_s),
        "MODEL_POLL_S": str(updates.poll_s),
        "MODEL_METRIC_THRESHOLD": str(updates.metric_threshold),
    }


def update_statements(args: RealtimeApiArgs) -> list[dict[str, Any]]:
    """The API tasks may add served and feedback records to the raw bucket, nothing more."""
    if args.updates is None:
        return []
    raw = args.updates.raw.arn
    return [
        statement(
            ["s3:PutObject"],
            [bucket_objects(raw, SERVED_PREFIX), bucket_objects(raw, FEEDBACK_PREFIX)],
        )
    ]


def error_budget_burn_threshold(availability_pct: float, burn_rate: float) -> float:
    """Error ratio (0-1) at which the budget of an availability objective burns `burn_rate` x."""
    return round((1.0 - availability_pct / 100.0) * burn_rate, 6)


class RealtimeApi(pulumi.ComponentResource):
    """ALB + Fargate service in private subnets with autoscaling, circuit breaker and alarms."""

    load_balancer: aws.lb.LoadBalancer
    target_group: aws.lb.TargetGroup
    service: aws.ecs.Service
    firewall: WebFirewall | None
    api_keys: aws.secretsmanager.Secret | None
    """The secret holding the callers' API keys (None with `api_auth="none"`)."""
    retrain: RetrainJob | None
    url: pulumi.Output[str]

    def __init__(
        self, name: str, args: RealtimeApiArgs, opts: pulumi.ResourceOptions | None = None
    ):
        args.validate()
        super().__init__("archgen:realtime:RealtimeApi", name, None, opts)
        self._name = name
        self._args = args
        child = pulumi.ResourceOptions(parent=self)
        tags = dict(args.tags)
        account = current_account(pulumi.InvokeOptions(parent=self))
        self._account = account
        https = bool(args.certificate_arn)
        listen_port = 443 if https else 80

        clients: list[pulumi.Input[str]] = ["0.0.0.0/0"] if args.public else args.client_cidrs
        alb_sg = aws.ec2.SecurityGroup(
            f"{name}-alb-sg",
            vpc_id=args.vpc_id,
            description=(
                "Load balancer: HTTP(S) from anywhere, out only to the API tasks"
                if args.public
                else "Internal load balancer: HTTP from the VPC, out only to the API tasks"
            ),
            tags=tags,
            opts=child,
        )
        # The load balancer's rules are separate resources (never inline): its egress
        # names the service group, which itself names this group in its ingress.
        for port in sorted({80, listen_port}):
            aws.ec2.SecurityGroupRule(
                f"{name}-alb-in-{port}",
                type="ingress",
                security_group_id=alb_sg.id,
                cidr_blocks=clients,
                protocol="tcp",
                from_port=port,
                to_port=port,
                description="clients",
                opts=child,
            )
        svc_sg = tasks_security_group(
            f"{name}-service-sg",
            vpc_id=args.vpc_id,
            description="API tasks: only the load balancer may connect",
            ingress=[
                {
                    "protocol": "tcp",
                    "from_port": args.container_port,
                    "to_port": args.container_port,
                    "security_groups": [alb_sg.id],
                    "description": "from the load balancer",
                }
            ],
            tags=tags,
            parent=self,
        )
        aws.ec2.SecurityGroupRule(
            f"{name}-alb-to-tasks",
            type="egress",
            security_group_id=alb_sg.id,
            source_security_group_id=svc_sg.id,
            protocol="tcp",
            from_port=args.container_port,
            to_port=args.container_port,
            description="load balancer to the API tasks",
            opts=child,
        )
        self.load_balancer = aws.lb.LoadBalancer(
            f"{name}-alb",
            name_prefix=lb_name_prefix(name),
            load_balancer_type="application",
            internal=not args.public,
            security_groups=[alb_sg.id],
            subnets=args.public_subnet_ids if args.public else args.private_subnet_ids,
            drop_invalid_header_fields=True,
            idle_timeout=30,
            enable_deletion_protection=args.deletion_protection,
            access_logs=(
                {
                    "enabled": True,
                    "bucket": args.access_logs.bucket,
                    "prefix": args.access_logs.prefix,
                }
                if args.access_logs is not None
                else None
            ),
            tags=tags,
            opts=child,
        )
        self.firewall = None
        if args.public and args.waf:
            self.firewall = WebFirewall(
                f"{name}-waf",
                WebFirewallArgs(
                    resource_arn=self.load_balancer.arn,
                    rate_limit=args.waf_rate_limit,
                    log_group_kms_key_arn=(
                        (args.logs_kms_key_arn or args.kms_key_arn) if args.waf_logging else None
                    ),
                    log_retention_days=args.log_retention_days,
                    tags=tags,
                ),
                opts=child,
            )
        self.target_group = aws.lb.TargetGroup(
            f"{name}-tg",
            name_prefix=lb_name_prefix(name),
            port=args.container_port,
            protocol="HTTP",
            target_type="ip",
            vpc_id=args.vpc_id,
            deregistration_delay=30,
            health_check={
                "enabled": True,
                "path": args.health_check_path,
                "matcher": "200",
                "interval": 15,
                "timeout": 5,
                "healthy_threshold": 2,
                "unhealthy_threshold": 3,
            },
            tags=tags,
            opts=child,
        )
        forward: list[Any] = [{"type": "forward", "target_group_arn": self.target_group.arn}]
        if https:
            listener = aws.lb.Listener(
                f"{name}-https",
                load_balancer_arn=self.load_balancer.arn,
                port=443,
                protocol="HTTPS",
                ssl_policy=TLS_POLICY,
                certificate_arn=args.certificate_arn,
                default_actions=forward,
                tags=tags,
                opts=child,
            )
            aws.lb.Listener(
                f"{name}-http",
                load_balancer_arn=self.load_balancer.arn,
                port=80,
                protocol="HTTP",
                default_actions=REDIRECT_TO_HTTPS,
                tags=tags,
                opts=child,
            )
        else:
            listener = aws.lb.Listener(
                f"{name}-http",
                load_balancer_arn=self.load_balancer.arn,
                port=80,
                protocol="HTTP",
                default_actions=forward,
                tags=tags,
                opts=child,
            )

        logs = log_group(
            f"{name}-logs",
            f"/archgen/{name}/api",
            retention_days=args.log_retention_days,
            kms_key_arn=args.logs_kms_key_arn or args.kms_key_arn,
            tags=tags,
            parent=self,
        )
        exec_role = execution_role(
            f"{name}-execution-role",
            log_group_arns=[logs.arn],
            repository_arn=args.repository_arn,
            account_id=account.account_id,
            tags=tags,
            parent=self,
        )
        self.api_keys = self._api_keys_secret(name, args, logs)
        task_role = self._task_role(name, args)
        env: dict[str, pulumi.Input[str]] = {
            "MODELS_BUCKET": args.models.name,
            "MODELS_PREFIX": MODELS_PREFIX,
            "PORT": str(args.container_port),
            **self._auth_environment(),
        }
        if args.prediction_stream is not None:
            env["PREDICTION_LOG_STREAM"] = args.prediction_stream.name
        env.update(update_environment(args))
        self.task_definition = fargate_task(
            f"{name}-task",
            family=f"{name}-api",
            cpu=args.cpu,
            memory_mb=args.memory_mb,
            execution_role_arn=exec_role.arn,
            task_role_arn=task_role.arn,
            container="api",
            image=args.image,
            command=["python", "-m", f"{args.package}.api"],
            environment=env,
            log_group=logs.name,
            region=account.region,
            port=args.container_port,
            tags=tags,
            opts=child,
        )
        self.cluster = aws.ecs.Cluster(
            f"{name}-cluster",
            settings=[{"name": "containerInsights", "value": "enabled"}],
            tags=tags,
            opts=child,
        )
        self.service = aws.ecs.Service(
            f"{name}-service",
            cluster=self.cluster.arn,
            task_definition=self.task_definition.arn,
            launch_type="FARGATE",
            desired_count=args.desired_tasks,
            network_configuration={
                "subnets": args.private_subnet_ids,
                "security_groups": [svc_sg.id],
                "assign_public_ip": False,
            },
            load_balancers=[
                {
                    "target_group_arn": self.target_group.arn,
                    "container_name": "api",
                    "container_port": args.container_port,
                }
            ],
            deployment_circuit_breaker={"enable": True, "rollback": True},
            deployment_minimum_healthy_percent=100,
            deployment_maximum_percent=200,
            health_check_grace_period_seconds=60,
            enable_ecs_managed_tags=True,
            propagate_tags="SERVICE",
            tags=tags,
            opts=pulumi.ResourceOptions(
                parent=self, depends_on=[listener], ignore_changes=["desired_count"]
            ),
        )
        self._autoscaling(name, args)
        self._alarms(name, args, tags)
        self.retrain = self._retrain_job(name, args)
        self.url = pulumi.Output.concat(
            "https://" if https else "http://", self.load_balancer.dns_name
        )
        self.register_outputs(
            {"url": self.url, "apiKeysSecretArn": self.api_keys.arn if self.api_keys else None}
        )

    def widgets(self) -> list[dict[str, Any]]:
        """Dashboard widgets: traffic, errors and p99 latency of the load balancer."""
        lb = self.load_balancer.arn_suffix
        return [
            metric_widget(
                "API requests and 5xx",
                [
                    ["AWS/ApplicationELB", "RequestCount", "LoadBalancer", lb],
                    ["AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", "LoadBalancer", lb],
                    ["AWS/ApplicationELB", "HTTPCode_ELB_5XX_Count", "LoadBalancer", lb],
                ],
                period=60,
            ),
            metric_widget(
                "API p99 latency (s)",
                [["AWS/ApplicationELB", "TargetResponseTime", "LoadBalancer", lb]],
                stat="p99",
                period=60,
            ),
        ]

    # -- pieces ------------------------------------------------------------------
    def _api_keys_secret(
        self, name: str, args: RealtimeApiArgs, logs: aws.cloudwatch.LogGroup
    ) -> aws.secretsmanager.Secret | None:
        """The secret the API reads its callers' keys from, and a metric of refused requests.

        The secret is created empty: no key is ever in the program or the stack config.
        A team puts the keys (`aws secretsmanager put-secret-value`, docs/security.md);
        until then the API answers its probes and refuses every other route with 503.
        """
        if args.api_auth == "none":
            return None
        child = pulumi.ResourceOptions(parent=self)
        secret = aws.secretsmanager.Secret(
            f"{name}-api-keys",
            name_prefix=f"{name}-api-keys-",
            description=f"API keys of {name}: every key listed is valid (docs/security.md)",
            kms_key_id=args.kms_key_arn,
            recovery_window_in_days=7,
            tags=dict(args.tags),
            opts=child,
        )
        aws.cloudwatch.LogMetricFilter(
            f"{name}-auth-failures",
            log_group_name=logs.name,
            pattern='{ $.message = "authentication failed" }',
            metric_transformation={
                "name": AUTH_FAILURE_METRIC,
                "namespace": f"archgen/{name}",
                "value": "1",
                "unit": "Count",
            },
            opts=child,
        )
        return secret

    def _auth_environment(self) -> dict[str, pulumi.Input[str]]:
        """What tells the API how to authenticate: the secret's ARN, or API_AUTH=none."""
        if self.api_keys is None:
            return {"API_AUTH": "none"}
        return {"API_AUTH": "apiKey", "API_KEYS_SECRET_ID": self.api_keys.arn}

    def _task_role(self, name: str, args: RealtimeApiArgs) -> aws.iam.Role:
        role = aws.iam.Role(
            f"{name}-task-role",
            assume_role_policy=assume_role_policy(
                "ecs-tasks.amazonaws.com", self._account.account_id
            ),
            tags=dict(args.tags),
            opts=pulumi.ResourceOptions(parent=self),
        )
        statements = [
            statement(
                ["s3:ListBucket"],
                [args.models.arn],
                condition={"StringLike": {"s3:prefix": [f"{MODELS_PREFIX}*"]}},
            ),
            statement(["s3:GetObject"], [bucket_objects(args.models.arn, MODELS_PREFIX)]),
            kms_use(args.kms_key_arn),
        ]
        if self.api_keys is not None:
            statements.append(statement(["secretsmanager:GetSecretValue"], [self.api_keys.arn]))
        if args.prediction_stream is not None:
            statements.append(
                statement(
                    ["kinesis:PutRecord", "kinesis:PutRecords", "kinesis:DescribeStreamSummary"],
                    [args.prediction_stream.arn],
                )
            )
        statements += update_statements(args)
        aws.iam.RolePolicy(
            f"{name}-task-policy",
            role=role.id,
            policy=document(statements),
            opts=pulumi.ResourceOptions(parent=self),
        )
        return role

    def _retrain_job(self, name: str, args: RealtimeApiArgs) -> RetrainJob | None:
        """The scheduled retrain task on the API's cluster, when updates are on."""
        updates = args.updates
        if updates is None:
            return None
        return RetrainJob(
            f"{name}-retrain",
            RetrainJobArgs(
                cluster_arn=self.cluster.arn,
                vpc_id=args.vpc_id,
                subnet_ids=list(args.private_subnet_ids),
                image=args.image,
                package=args.package,
                raw=updates.raw,
                models=args.models,
                kms_key_arn=args.kms_key_arn,
                logs_kms_key_arn=args.logs_kms_key_arn,
                repository_arn=args.repository_arn,
                schedule=updates.schedule,
                schedule_timezone=updates.schedule_timezone,
                first_training_at=updates.first_training_at,
                cpu=updates.cpu,
                memory_mb=updates.memory_mb,
                min_new_records=updates.min_new_records,
                drift_psi=updates.drift_psi,
                lookback_days=updates.lookback_days,
                metric_threshold=updates.metric_threshold,
                log_retention_days=args.log_retention_days,
                tags=args.tags,
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _autoscaling(self, name: str, args: RealtimeApiArgs) -> None:
        child = pulumi.ResourceOptions(parent=self)
        target = aws.appautoscaling.Target(
            f"{name}-scaling-target",
            service_namespace="ecs",
            scalable_dimension="ecs:service:DesiredCount",
            resource_id=pulumi.Output.concat("service/", self.cluster.name, "/", self.service.name),
            min_capacity=args.min_tasks,
            max_capacity=args.max_tasks,
            tags=dict(args.tags),
            opts=child,
        )
        aws.appautoscaling.Policy(
            f"{name}-scale-cpu",
            policy_type="TargetTrackingScaling",
            service_namespace=target.service_namespace,
            scalable_dimension=target.scalable_dimension,
            resource_id=target.resource_id,
            target_tracking_scaling_policy_configuration={
                "target_value": args.target_cpu_pct,
                "predefined_metric_specification": {
                    "predefined_metric_type": "ECSServiceAverageCPUUtilization"
                },
                "scale_in_cooldown": 120,
                "scale_out_cooldown": 60,
            },
            opts=child,
        )
        aws.appautoscaling.Policy(
            f"{name}-scale-requests",
            policy_type="TargetTrackingScaling",
            service_namespace=target.service_namespace,
            scalable_dimension=target.scalable_dimension,
            resource_id=target.resource_id,
            target_tracking_scaling_policy_configuration={
                "target_value": float(args.requests_per_target),
                "predefined_metric_specification": {
                    "predefined_metric_type": "ALBRequestCountPerTarget",
                    "resource_label": pulumi.Output.concat(
                        self.load_balancer.arn_suffix, "/", self.target_group.arn_suffix
                    ),
                },
                "scale_in_cooldown": 120,
                "scale_out_cooldown": 60,
            },
            opts=child,
        )

    def _alarms(self, name: str, args: RealtimeApiArgs, tags: dict[str, str]) -> None:
        child = pulumi.ResourceOptions(parent=self)
        lb = self.load_balancer.arn_suffix
        actions = [args.alarm_topic_arn]
        aws.cloudwatch.MetricAlarm(
            f"{name}-latency-alarm",
            alarm_description=f"p99 response time above {args.latency_target_ms} ms",
            namespace="AWS/ApplicationELB",
            metric_name="TargetResponseTime",
            dimensions={"LoadBalancer": lb},
            extended_statistic="p99",
            period=60,
            evaluation_periods=5,
            datapoints_to_alarm=3,
            threshold=args.latency_target_ms / 1000.0,
            comparison_operator="GreaterThanThreshold",
            treat_missing_data="notBreaching",
            alarm_actions=actions,
            ok_actions=actions,
            tags=tags,
            opts=child,
        )
        aws.cloudwatch.MetricAlarm(
            f"{name}-unhealthy-alarm",
            alarm_description="At least one API task fails its health check",
            namespace="AWS/ApplicationELB",
            metric_name="UnHealthyHostCount",
            dimensions={"LoadBalancer": lb, "TargetGroup": self.target_group.arn_suffix},
            statistic="Maximum",
            period=60,
            evaluation_periods=3,
            threshold=0,
            comparison_operator="GreaterThanThreshold",
            treat_missing_data="notBreaching",
            alarm_actions=actions,
            tags=tags,
            opts=child,
        )
        self._ratio_alarm(
            f"{name}-5xx-alarm",
            f"5xx responses above {args.error_rate_alarm_pct}% of requests",
            threshold=args.error_rate_alarm_pct / 100.0,
            period=300,
            evaluation_periods=2,
            tags=tags,
        )
        self._ratio_alarm(
            f"{name}-burn-rate-alarm",
            f"Error budget of the {args.availability_target_pct}% objective burning "
            f"{args.burn_rate_alarm}x faster than sustainable (1 h window)",
            threshold=error_budget_burn_threshold(
                args.availability_target_pct, args.burn_rate_alarm
            ),
            period=3600,
            evaluation_periods=1,
            tags=tags,
        )

    def _ratio_alarm(
        self,
        name: str,
        description: str,
        *,
        threshold: float,
        period: int,
        evaluation_periods: int,
        tags: dict[str, str],
    ) -> aws.cloudwatch.MetricAlarm:
        lb = self.load_balancer.arn_suffix

        def metric(mid: str, metric_name: str) -> Any:
            return {
                "id": mid,
                "return_data": False,
                "metric": {
                    "namespace": "AWS/ApplicationELB",
                    "metric_name": metric_name,
                    "dimensions": {"LoadBalancer": lb},
                    "period": period,
                    "stat": "Sum",
                },
            }

        return aws.cloudwatch.MetricAlarm(
            name,
            alarm_description=description,
            comparison_operator="GreaterThanThreshold",
            evaluation_periods=evaluation_periods,
            threshold=threshold,
            treat_missing_data="notBreaching",
            metric_queries=[
                metric("target5xx", "HTTPCode_Target_5XX_Count"),
                metric("elb5xx", "HTTPCode_ELB_5XX_Count"),
                metric("requests", "RequestCount"),
                {
                    "id": "ratio",
                    "label": "5xx ratio",
                    "expression": "(FILL(target5xx, 0) + FILL(elb5xx, 0)) / requests",
                    "return_data": True,
                },
            ],
            alarm_actions=[self._args.alarm_topic_arn],
            tags=tags,
            opts=pulumi.ResourceOptions(parent=self),
        )
