"""The batch pipeline: a scheduled Step Functions run of train and score jobs on Fargate.

validate -> train -> evaluate -> gate -> score -> publish. Every Task state
retries and catches; a caught error is published to the alarm topic and the
run fails. The state machine definition is a pure function of its inputs
(`batch_definition`) so tests can read and execute it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from archgen import aws_limits

from .batch_flow import (
    ARRAY_RANGE_MAX,
    MODELS_PREFIX,
    PREDICTIONS_PREFIX,
    RAW_PREFIX,
    RUNS_PREFIX,
    SCORE_MAP_LABEL,
    STEPS_SCORE,
    STEPS_TRAIN,
    TRAINING_PREFIX,
    batch_definition,
    distributed,
)
from .common import (
    Account,
    Bucket,
    assume_role_policy,
    bucket_objects,
    current_account,
    document,
    execution_role,
    fargate_task,
    kms_use,
    log_group,
    scheduled_run,
    statement,
    tasks_security_group,
)
from .monitoring import metric_widget

__all__ = ["BatchPipeline", "BatchPipelineArgs", "batch_definition", "prefix_access"]


@dataclass(frozen=True)
class BatchPipelineArgs:
    """Everything the pipeline needs; sizes and schedule come from StackSettings."""

    raw: Bucket
    models: Bucket
    predictions: Bucket
    kms_key_arn: pulumi.Input[str]
    alarm_topic_arn: pulumi.Input[str]
    image: pulumi.Input[str]
    package: str
    subnet_ids: list[pulumi.Input[str]]
    vpc_id: pulumi.Input[str]
    logs_kms_key_arn: pulumi.Input[str] | None = None
    """Key of the log groups (default `kms_key_arn`); its policy must let CloudWatch Logs use it."""
    repository_arn: pulumi.Input[str] | None = None
    schedule: str = "cron(0 2 * * ? *)"
    """When the run trains and scores (only scores, when `train_schedule` is set)."""
    train_schedule: str | None = None
    """When a run of its own trains the model (a model updated less often than it scores)."""
    schedule_timezone: str = "UTC"
    first_training_at: str | None = None
    """UTC `yyyy-mm-ddThh:mm:ss` of a one-time training run that trains the first model
    (None: the first model waits for the schedule)."""
    train_cpu: int = 1024
    train_memory_mb: int = 4096
    score_cpu: int = 1024
    score_memory_mb: int = 2048
    score_parallelism: int = 1
    timeout_minutes: int = 120
    metric_name: str = "auc"
    metric_threshold: float = 0.7
    metric_goal: str = "max"
    """`max`: a model passes the gate at or above the threshold; `min`: at or below it."""
    log_retention_days: int = 30
    tracing: bool = True
    """Trace each run with AWS X-Ray (one trace per execution)."""
    tags: Mapping[str, str] = field(default_factory=dict)

    def validate(self) -> None:
        """Reject what Fargate, Scheduler or the state machine would refuse."""
        for what, expression in (
            ("schedule", self.schedule),
            ("train_schedule", self.train_schedule),
        ):
            if expression is not None and not expression.startswith(("cron(", "rate(", "at(")):
                raise ValueError(
                    f"BatchPipelineArgs.{what} must be cron(...), rate(...) or at(...)"
                )
        if self.first_training_at is not None and aws_limits.schedule_expression(
            "", f"at({self.first_training_at})"
        ):
            raise ValueError("BatchPipelineArgs.first_training_at must be yyyy-mm-ddThh:mm:ss")
        if not self.subnet_ids:
            raise ValueError("BatchPipelineArgs.subnet_ids must name the private subnets")
        # above 40 shards a Distributed Map scores them; its shard indices come from
        # States.ArrayRange, which builds at most ARRAY_RANGE_MAX items
        if not 1 <= self.score_parallelism <= ARRAY_RANGE_MAX:
            raise ValueError(f"BatchPipelineArgs.score_parallelism must be 1 to {ARRAY_RANGE_MAX}")
        if self.timeout_minutes < 1:
            raise ValueError("BatchPipelineArgs.timeout_minutes must be at least 1")
        if not self.package.isidentifier():
            raise ValueError("BatchPipelineArgs.package must be a Python package name")
        if self.metric_goal not in ("max", "min"):
            raise ValueError("BatchPipelineArgs.metric_goal must be max or min")
        for cpu, mem in (
            (self.train_cpu, self.train_memory_mb),
            (self.score_cpu, self.score_memory_mb),
        ):
            if cpu not in (256, 512, 1024, 2048, 4096, 8192, 16384) or mem < 512:
                raise ValueError(f"BatchPipelineArgs: {cpu} CPU / {mem} MB is not a Fargate size")


class BatchPipeline(pulumi.ComponentResource):
    """ECS cluster, train/score Fargate tasks, the state machine, its schedule and its alarm."""

    cluster: aws.ecs.Cluster
    state_machine: aws.sfn.StateMachine
    schedule: aws.scheduler.Schedule
    train_schedule: aws.scheduler.Schedule | None
    first_training: aws.scheduler.Schedule | None
    state_machine_arn: pulumi.Output[str]

    def __init__(
        self, name: str, args: BatchPipelineArgs, opts: pulumi.ResourceOptions | None = None
    ):
        args.validate()
        separate = args.train_schedule is not None and args.train_schedule != args.schedule
        super().__init__("archgen:batch:BatchPipeline", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        tags = dict(args.tags)
        account = current_account(pulumi.InvokeOptions(parent=self))
        self._account = account
        self.cluster = aws.ecs.Cluster(
            f"{name}-cluster",
            settings=[{"name": "containerInsights", "value": "enabled"}],
            tags=tags,
            opts=child,
        )
        self.security_group = tasks_security_group(
            f"{name}-tasks-sg",
            vpc_id=args.vpc_id,
            description="Batch tasks: no inbound, HTTPS out",
            tags=tags,
            parent=self,
        )
        logs = {
            job: log_group(
                f"{name}-{job}-logs",
                f"/archgen/{name}/{job}",
                retention_days=args.log_retention_days,
                kms_key_arn=args.logs_kms_key_arn or args.kms_key_arn,
                tags=tags,
                parent=self,
            )
            for job in ("train", "score", "states")
        }
        exec_role = execution_role(
            f"{name}-execution-role",
            log_group_arns=[logs["train"].arn, logs["score"].arn],
            repository_arn=args.repository_arn,
            account_id=account.account_id,
            tags=tags,
            parent=self,
        )
        env: dict[str, pulumi.Input[str]] = {
            "RAW_BUCKET": args.raw.name,
            "MODELS_BUCKET": args.models.name,
            "PREDICTIONS_BUCKET": args.predictions.name,
            "RAW_PREFIX": RAW_PREFIX,
            "TRAINING_PREFIX": TRAINING_PREFIX,
            "MODELS_PREFIX": MODELS_PREFIX,
            "PREDICTIONS_PREFIX": PREDICTIONS_PREFIX,
            "MODEL_METRIC_THRESHOLD": str(args.metric_threshold),
        }
        train_role = self._task_role(
            f"{name}-train-role",
            args,
            read=[(args.raw.arn, TRAINING_PREFIX), (args.models.arn, MODELS_PREFIX)],
            write=[(args.models.arn, MODELS_PREFIX), (args.raw.arn, TRAINING_PREFIX)],
        )
        score_role = self._task_role(
            f"{name}-score-role",
            args,
            read=[
                (args.raw.arn, RAW_PREFIX),
                (args.models.arn, MODELS_PREFIX),
                (args.predictions.arn, PREDICTIONS_PREFIX),
            ],
            write=[(args.predictions.arn, PREDICTIONS_PREFIX)],
        )
        self.train_task = fargate_task(
            f"{name}-train-task",
            family=f"{name}-train",
            cpu=args.train_cpu,
            memory_mb=args.train_memory_mb,
            execution_role_arn=exec_role.arn,
            task_role_arn=train_role.arn,
            container="train",
            image=args.image,
            command=["python", "-m", f"{args.package}.jobs.train"],
            environment=env,
            log_group=logs["train"].name,
            region=account.region,
            tags=tags,
            opts=child,
        )
        self.score_task = fargate_task(
            f"{name}-score-task",
            family=f"{name}-score",
            cpu=args.score_cpu,
            memory_mb=args.score_memory_mb,
            execution_role_arn=exec_role.arn,
            task_role_arn=score_role.arn,
            container="score",
            image=args.image,
            command=["python", "-m", f"{args.package}.jobs.score"],
            environment=env,
            log_group=logs["score"].name,
            region=account.region,
            tags=tags,
            opts=child,
        )
        sfn_role = self._state_machine_role(
            name, args, exec_role, [train_role, score_role], account
        )
        definition = pulumi.Output.all(
            cluster_arn=self.cluster.arn,
            train_task_definition_arn=self.train_task.arn,
            score_task_definition_arn=self.score_task.arn,
            subnets=pulumi.Output.all(*args.subnet_ids),
            security_groups=pulumi.Output.all(self.security_group.id),
            topic_arn=args.alarm_topic_arn,
            raw_bucket=args.raw.name,
            models_bucket=args.models.name,
            predictions_bucket=args.predictions.name,
        ).apply(
            lambda v: json.dumps(
                batch_definition(
                    **v,
                    package=args.package,
                    metric_name=args.metric_name,
                    metric_threshold=args.metric_threshold,
                    metric_goal=args.metric_goal,
                    score_parallelism=args.score_parallelism,
                    timeout_s=args.timeout_minutes * 60,
                    separate_training=separate,
                )
            )
        )
        self.state_machine = aws.sfn.StateMachine(
            f"{name}-state-machine",
            role_arn=sfn_role.arn,
            definition=definition,
            type="STANDARD",
            logging_configuration={
                "level": "ERROR",
                "include_execution_data": False,
                "log_destination": pulumi.Output.concat(logs["states"].arn, ":*"),
            },
            tracing_configuration={"enabled": args.tracing},
            tags=tags,
            opts=child,
        )
        self.state_machine_arn = self.state_machine.arn
        if distributed(args.score_parallelism):
            self._distributed_map_policy(name, sfn_role, account)
        scheduler_role = aws.iam.Role(
            f"{name}-scheduler-role",
            assume_role_policy=assume_role_policy("scheduler.amazonaws.com", account.account_id),
            tags=tags,
            opts=child,
        )
        aws.iam.RolePolicy(
            f"{name}-scheduler-policy",
            role=scheduler_role.id,
            policy=document([statement(["states:StartExecution"], [self.state_machine.arn])]),
            opts=child,
        )

        def run_schedule(
            logical: str, expression: str, steps: str | None, timezone: str
        ) -> aws.scheduler.Schedule:
            run_input: dict[str, str] = {"trigger": "schedule"}
            if steps:
                run_input["steps"] = steps
            return scheduled_run(
                logical,
                expression=expression,
                timezone=timezone,
                target={
                    "arn": self.state_machine.arn,
                    "role_arn": scheduler_role.arn,
                    "input": json.dumps(run_input),
                    "retry_policy": {
                        "maximum_retry_attempts": 2,
                        "maximum_event_age_in_seconds": 3600,
                    },
                },
                parent=self,
            )

        timezone = args.schedule_timezone
        self.schedule = run_schedule(
            f"{name}-schedule", args.schedule, STEPS_SCORE if separate else None, timezone
        )
        self.train_schedule = (
            run_schedule(f"{name}-train-schedule", str(args.train_schedule), STEPS_TRAIN, timezone)
            if separate
            else None
        )
        # the first model: a training run (a full run when training is not separate) once;
        # named `*-schedule` like the recurring ones, whose scan acceptance (a constant
        # payload, no CMK needed) holds for it too
        self.first_training = (
            run_schedule(
                f"{name}-first-schedule",
                f"at({args.first_training_at})",
                STEPS_TRAIN if separate else None,
                "UTC",
            )
            if args.first_training_at
            else None
        )
        self.failed_alarm = aws.cloudwatch.MetricAlarm(
            f"{name}-failed-alarm",
            alarm_description="A batch run failed (see the failure notification for the cause).",
            namespace="AWS/States",
            metric_name="ExecutionsFailed",
            dimensions={"StateMachineArn": self.state_machine.arn},
            statistic="Sum",
            period=300,
            evaluation_periods=1,
            threshold=1,
            comparison_operator="GreaterThanOrEqualToThreshold",
            treat_missing_data="notBreaching",
            alarm_actions=[args.alarm_topic_arn],
            tags=tags,
            opts=child,
        )
        self.register_outputs({"state_machine_arn": self.state_machine_arn})

    def widgets(self) -> list[dict[str, Any]]:
        """Dashboard widgets: run outcomes of the state machine."""
        arn = self.state_machine.arn
        return [
            metric_widget(
                "Batch runs",
                [
                    ["AWS/States", "ExecutionsSucceeded", "StateMachineArn", arn],
                    ["AWS/States", "ExecutionsFailed", "StateMachineArn", arn],
                ],
                period=3600,
            )
        ]

    # -- roles -----------------------------------------------------------------
    def _task_role(
        self,
        name: str,
        args: BatchPipelineArgs,
        *,
        read: list[tuple[pulumi.Input[str], str]],
        write: list[tuple[pulumi.Input[str], str]],
    ) -> aws.iam.Role:
        role = aws.iam.Role(
            name,
            assume_role_policy=assume_role_policy(
                "ecs-tasks.amazonaws.com", self._account.account_id
            ),
            tags=dict(args.tags),
            opts=pulumi.ResourceOptions(parent=self),
        )
        aws.iam.RolePolicy(
            f"{name}-policy",
            role=role.id,
            policy=document(prefix_access(read=read, write=write) + [kms_use(args.kms_key_arn)]),
            opts=pulumi.ResourceOptions(parent=self),
        )
        return role

    def _state_machine_role(
        self,
        name: str,
        args: BatchPipelineArgs,
        exec_role: aws.iam.Role,
        task_roles: list[aws.iam.Role],
        account: Any,
    ) -> aws.iam.Role:
        role = aws.iam.Role(
            f"{name}-states-role",
            assume_role_policy=assume_role_policy("states.amazonaws.com", account.account_id),
            tags=dict(args.tags),
            opts=pulumi.ResourceOptions(parent=self),
        )
        family_arn = [
            account.arn("ecs", "task-definition/", td.family, ":*")
            for td in (self.train_task, self.score_task)
        ]
        task_arns = account.arn("ecs", "task/", self.cluster.name, "/*")
        events_rule = account.arn("events", "rule/StepFunctionsGetEventsForECSTaskRule")
        statements = [
            statement(
                ["ecs:RunTask"],
                family_arn,
                condition={"ArnEquals": {"ecs:cluster": self.cluster.arn}},
            ),
            statement(["ecs:StopTask", "ecs:DescribeTasks"], [task_arns]),
            statement(["iam:PassRole"], [exec_role.arn, *[r.arn for r in task_roles]]),
            statement(
                ["events:PutTargets", "events:PutRule", "events:DescribeRule"], [events_rule]
            ),
            statement(["sns:Publish"], [args.alarm_topic_arn]),
            statement(
                ["s3:ListBucket"],
                [args.raw.arn],
                condition={"StringLike": {"s3:prefix": [f"{TRAINING_PREFIX}*"]}},
            ),
            statement(["s3:GetObject"], [bucket_objects(args.models.arn, MODELS_PREFIX)]),
            statement(["s3:PutObject"], [bucket_objects(args.predictions.arn, RUNS_PREFIX)]),
            kms_use(args.kms_key_arn),
            statement(
                [
                    "logs:CreateLogDelivery",
                    "logs:GetLogDelivery",
                    "logs:UpdateLogDelivery",
                    "logs:DeleteLogDelivery",
                    "logs:ListLogDeliveries",
                    "logs:PutResourcePolicy",
                    "logs:DescribeResourcePolicies",
                    "logs:DescribeLogGroups",
                ],
                ["*"],
            ),
        ]
        if args.tracing:
            statements.append(statement(list(XRAY_ACTIONS), ["*"]))
        aws.iam.RolePolicy(
            f"{name}-states-policy",
            role=role.id,
            policy=document(statements),
            opts=pulumi.ResourceOptions(parent=self),
        )
        return role

    def _distributed_map_policy(self, name: str, role: aws.iam.Role, account: Account) -> None:
        """What the Distributed Map's child executions need, granted after the state machine.

        "IAM policies for using Distributed Map states",
        https://docs.aws.amazon.com/step-functions/latest/dg/iam-policies-eg-dist-map.html:
        states:StartExecution on the state machine itself, states:DescribeExecution and
        states:StopExecution on its executions. A Map Run's child executions are named
        `execution:<state machine name>/<map label>:<id>`, so the second statement names
        the Score map's label. A policy of its own (the role's main one is created before
        the state machine) is what keeps the ARN from being a circular dependency.
        """
        children = account.arn(
            "states", "execution:", self.state_machine.name, f"/{SCORE_MAP_LABEL}:*"
        )
        aws.iam.RolePolicy(
            f"{name}-distributed-map-policy",
            role=role.id,
            policy=document(
                [
                    statement(["states:StartExecution"], [self.state_machine.arn]),
                    statement(["states:DescribeExecution", "states:StopExecution"], [children]),
                ]
            ),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.state_machine]),
        )


XRAY_ACTIONS = (
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
    "xray:GetSamplingRules",
    "xray:GetSamplingTargets",
)
"""What a traced state machine's role needs; X-Ray has no resource ARNs."""


def prefix_access(
    *,
    read: list[tuple[pulumi.Input[str], str]],
    write: list[tuple[pulumi.Input[str], str]],
) -> list[dict[str, Any]]:
    """S3 statements limited to (bucket ARN, key prefix) pairs: list, get, put; never delete."""
    out: list[dict[str, Any]] = []
    for arn, prefix in read:
        out.append(
            statement(
                ["s3:ListBucket"], [arn], condition={"StringLike": {"s3:prefix": [f"{prefix}*"]}}
            )
        )
        out.append(statement(["s3:GetObject"], [bucket_objects(arn, prefix)]))
    if write:
        out.append(statement(["s3:PutObject"], [bucket_objects(a, p) for a, p in write]))
    return out
