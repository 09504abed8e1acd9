"""The real-time API's retraining trigger: a Fargate task run by EventBridge Scheduler.

At each tick of the schedule (config `retrainSchedule`, the model-update
cadence) the job `<package>.online.retrain` joins the feedback the API stored
with the predictions it served (raw bucket, `served/` and `feedback/`), trains
only when at least `retrainMinRecords` new labelled records arrived since the
promoted model (or served features drifted past `retrainDriftPsi`), and
promotes the new model only when it passes the metric gate. The running API
follows `latest.json` and swaps the model in itself, so the job never touches
the service. The task reads the raw bucket's record and training prefixes and
reads and writes the models prefix, nothing else; the scheduler's role may run
this one task definition on this one cluster and pass exactly its two roles.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from archgen import aws_limits

from .common import (
    Bucket,
    bucket_objects,
    current_account,
    execution_role,
    fargate_task,
    kms_use,
    log_group,
    scheduled_run,
    service_role,
    statement,
    tasks_security_group,
)

SERVED_PREFIX = "served/"
FEEDBACK_PREFIX = "feedback/"
TRAINING_PREFIX = "training/"
MODELS_PREFIX = "models/"


@dataclass(frozen=True)
class RetrainJobArgs:
    """Where the job runs, what it reads and writes, and when; numbers from StackSettings."""

    cluster_arn: pulumi.Input[str]
    vpc_id: pulumi.Input[str]
    subnet_ids: list[pulumi.Input[str]]
    image: pulumi.Input[str]
    package: str
    raw: Bucket
    models: Bucket
    kms_key_arn: pulumi.Input[str]
    logs_kms_key_arn: pulumi.Input[str] | None = None
    repository_arn: pulumi.Input[str] | None = None
    schedule: str = "rate(1 day)"
    schedule_timezone: str = "UTC"
    first_training_at: str | None = None
    """UTC `yyyy-mm-ddThh:mm:ss` of a one-time run that trains the first model (None: the
    first model waits for the schedule)."""
    cpu: int = 1024
    memory_mb: int = 4096
    min_new_records: int = 200
    drift_psi: float = 0.25
    lookback_days: int = 7
    metric_threshold: float = 0.7
    log_retention_days: int = 30
    tags: Mapping[str, str] = field(default_factory=dict)

    def validate(self) -> None:
        """Reject what the job or Scheduler could not run with."""
        if not self.subnet_ids:
            raise ValueError("RetrainJobArgs needs at least one private subnet")
        if not self.package.isidentifier():
            raise ValueError("RetrainJobArgs.package must be a Python package name")
        if self.min_new_records < 1:
            raise ValueError("RetrainJobArgs.min_new_records must be at least 1")
        if not 1 <= self.lookback_days <= 365:
            raise ValueError("RetrainJobArgs.lookback_days must be 1 to 365")
        if self.drift_psi <= 0:
            raise ValueError("RetrainJobArgs.drift_psi must be positive")
        if self.first_training_at is not None and aws_limits.schedule_expression(
            "", f"at({self.first_training_at})"
        ):
            raise ValueError("RetrainJobArgs.first_training_at must be yyyy-mm-ddThh:mm:ss")
        if not self.schedule.startswith(("rate(", "cron(", "at(")):
            raise ValueError(
                "RetrainJobArgs.schedule must be a Scheduler rate, cron or at expression"
            )


def environment(args: RetrainJobArgs) -> dict[str, pulumi.Input[str]]:
    """What the job reads from its environment (the project's `config.Settings`)."""
    return {
        "RAW_BUCKET": args.raw.name,
        "MODELS_BUCKET": args.models.name,
        "SERVED_PREFIX": SERVED_PREFIX,
        "FEEDBACK_PREFIX": FEEDBACK_PREFIX,
        "TRAINING_PREFIX": TRAINING_PREFIX,
        "MODELS_PREFIX": MODELS_PREFIX,
        "RETRAIN_MIN_RECORDS": str(args.min_new_records),
        "RETRAIN_DRIFT_PSI": str(args.drift_psi),
        "RETRAIN_LOOKBACK_DAYS": str(args.lookback_days),
        "MODEL_METRIC_THRESHOLD": str(args.metric_threshold),
    }


class RetrainJob(pulumi.ComponentResource):
    """Task definition, roles and the schedule that runs it on the API's cluster."""

    task_definition: aws.ecs.TaskDefinition
    task_role: aws.iam.Role
    scheduler_role: aws.iam.Role
    schedule: aws.scheduler.Schedule
    first_training: aws.scheduler.Schedule | None

    def __init__(self, name: str, args: RetrainJobArgs, opts: pulumi.ResourceOptions | None = None):
        args.validate()
        super().__init__("archgen:retrain:RetrainJob", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        tags = dict(args.tags)
        account = current_account(pulumi.InvokeOptions(parent=self))
        self.security_group = tasks_security_group(
            f"{name}-sg",
            vpc_id=args.vpc_id,
            description="Retrain task: no inbound, HTTPS out",
            tags=tags,
            parent=self,
        )
        logs = log_group(
            f"{name}-logs",
            f"/archgen/{name}/retrain",
            retention_days=args.log_retention_days,
            kms_key_arn=args.logs_kms_key_arn or args.kms_key_arn,
            tags=tags,
            parent=self,
        )
        exec_role = execution_role(
            f"{name}-exec-role",
            log_group_arns=[logs.arn],
            repository_arn=args.repository_arn,
            account_id=account.account_id,
            tags=tags,
            parent=self,
        )
        self.task_role = service_role(
            f"{name}-task-role",
            service="ecs-tasks.amazonaws.com",
            account_id=account.account_id,
            policy_name=f"{name}-task-policy",
            statements=task_statements(args),
            tags=tags,
            parent=self,
        )
        self.task_definition = fargate_task(
            f"{name}-task",
            family=f"{name}",
            cpu=args.cpu,
            memory_mb=args.memory_mb,
            execution_role_arn=exec_role.arn,
            task_role_arn=self.task_role.arn,
            container="retrain",
            image=args.image,
            command=["python", "-m", f"{args.package}.online.retrain"],
            environment=environment(args),
            log_group=logs.name,
            region=account.region,
            tags=tags,
            opts=child,
        )
        self.scheduler_role = service_role(
            f"{name}-run-role",
            service="scheduler.amazonaws.com",
            account_id=account.account_id,
            policy_name=f"{name}-scheduler-policy",
            statements=[
                statement(
                    ["ecs:RunTask"],
                    [self.task_definition.arn],
                    condition={"ArnEquals": {"ecs:cluster": args.cluster_arn}},
                ),
                statement(
                    ["iam:PassRole"],
                    [exec_role.arn, self.task_role.arn],
                    condition={"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}},
                ),
            ],
            tags=tags,
            parent=self,
        )
        target: aws.scheduler.ScheduleTargetArgsDict = {
            "arn": args.cluster_arn,
            "role_arn": self.scheduler_role.arn,
            "input": json.dumps({"trigger": "schedule"}),
            "ecs_parameters": {
                "task_definition_arn": self.task_definition.arn,
                "launch_type": "FARGATE",
                "task_count": 1,
                "network_configuration": {
                    "subnets": args.subnet_ids,
                    "security_groups": [self.security_group.id],
                    "assign_public_ip": False,
                },
            },
            "retry_policy": {"maximum_retry_attempts": 2, "maximum_event_age_in_seconds": 3600},
        }

        def run_schedule(logical: str, expression: str, timezone: str) -> aws.scheduler.Schedule:
            return scheduled_run(
                logical,
                expression=expression,
                timezone=timezone,
                target=target,
                parent=self,
            )

        self.schedule = run_schedule(f"{name}-schedule", args.schedule, args.schedule_timezone)
        # the first model: with no promoted model yet the job trains on its first run
        self.first_training = (
            run_schedule(f"{name}-first-schedule", f"at({args.first_training_at})", "UTC")
            if args.first_training_at
            else None
        )
        self.register_outputs({"task_definition_arn": self.task_definition.arn})


def task_statements(args: RetrainJobArgs) -> list[dict[str, object]]:
    """Read the served, feedback and training prefixes; read and write the models prefix."""
    reads = [
        (args.raw.arn, SERVED_PREFIX),
        (args.raw.arn, FEEDBACK_PREFIX),
        (args.raw.arn, TRAINING_PREFIX),
        (args.models.arn, MODELS_PREFIX),
    ]
    out: list[dict[str, object]] = []
    for arn, prefix in reads:
        out.append(
            statement(
                ["s3:ListBucket"], [arn], condition={"StringLike": {"s3:prefix": [f"{prefix}*"]}}
            )
        )
    out.append(
        statement(
            ["s3:GetObject"],
            [bucket_objects(arn, prefix) for arn, prefix in reads],
        )
    )
    out.append(
        statement(
            ["s3:PutObject"], [pulumi.Output.concat(args.models.arn, "/", MODELS_PREFIX, "*")]
        )
    )
    out.append(kms_use(args.kms_key_arn))
    return out
