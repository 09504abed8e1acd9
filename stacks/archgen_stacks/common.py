"""Building blocks every archgen component shares: tags, IAM documents as data, the stack key.

Policy documents are plain dicts serialised with `pulumi.Output.json_dumps`, so
they can be inspected by tests and by the policy rules, and no ARN is ever
spliced into JSON by string formatting.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pulumi
import pulumi_aws as aws

from archgen import aws_limits

PROJECT_TAG = "archgen:project"
PATTERN_TAG = "archgen:pattern"
MANAGED_TAG = "archgen:managed-by"


def stack_tags(extra: Mapping[str, str], project: str, pattern: str) -> dict[str, str]:
    """The tags every taggable resource of a stack carries: the team's, then archgen's own."""
    return {**dict(extra), PROJECT_TAG: project, PATTERN_TAG: pattern, MANAGED_TAG: "pulumi"}


def with_name(tags: Mapping[str, str], name: str) -> dict[str, str]:
    """Tags plus a `Name` tag (what the EC2 console shows)."""
    return {**dict(tags), "Name": name}


def statement(
    actions: Sequence[str],
    resources: Sequence[Any],
    *,
    effect: str = "Allow",
    principal: Mapping[str, Any] | None = None,
    condition: Mapping[str, Any] | None = None,
    sid: str | None = None,
) -> dict[str, Any]:
    """One IAM statement as data; resources may be Outputs (resolved by `json_dumps`)."""
    out: dict[str, Any] = {"Effect": effect, "Action": list(actions), "Resource": list(resources)}
    if sid:
        out["Sid"] = sid
    if principal is not None:
        out["Principal"] = dict(principal)
    if condition is not None:
        out["Condition"] = dict(condition)
    return out


def document(statements: Sequence[Mapping[str, Any]]) -> pulumi.Output[str]:
    """An IAM policy document (JSON text) from statements that may hold Outputs."""
    return pulumi.Output.json_dumps({"Version": "2012-10-17", "Statement": list(statements)})


SOURCE_ACCOUNT_KEY: dict[str, str] = {"firehose.amazonaws.com": "sts:ExternalId"}
"""The condition key a service sets to the calling account when it assumes a role.

Most services set `aws:SourceAccount`; Firehose documents `sts:ExternalId`."""


def assume_role_policy(service: str, account_id: pulumi.Input[str]) -> pulumi.Output[str]:
    """Trust policy letting one AWS service assume a role, for this account only.

    The condition stops the confused deputy: the service may assume the role
    only on behalf of a resource of `account_id`.
    """
    key = SOURCE_ACCOUNT_KEY.get(service, "aws:SourceAccount")
    return document(
        [
            {
                "Effect": "Allow",
                "Principal": {"Service": service},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {key: account_id}},
            }
        ]
    )


def source_account(account_id: pulumi.Input[str]) -> dict[str, Any]:
    """The condition that limits a service principal's grant to this account's resources."""
    return {"StringEquals": {"aws:SourceAccount": account_id}}


def kms_use(key_arn: pulumi.Input[str]) -> dict[str, Any]:
    """Permission to use the stack key (every KMS-encrypted store needs it)."""
    return statement(["kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"], [key_arn])


def bucket_objects(arn: pulumi.Input[str], prefix: str = "") -> pulumi.Output[str]:
    """`arn:aws:s3:::bucket/prefix*`: the objects of a bucket under a prefix."""
    return pulumi.Output.concat(arn, "/", prefix, "*")


@dataclass(frozen=True)
class Account:
    """Account id, region and partition of the deployment (data sources, resolved lazily)."""

    account_id: pulumi.Output[str]
    region: pulumi.Output[str]
    partition: pulumi.Output[str]

    def arn(self, service: str, *resource: pulumi.Input[str]) -> pulumi.Output[str]:
        """`arn:<partition>:<service>:<region>:<account>:<resource...>` of this account."""
        return pulumi.Output.concat(
            "arn:",
            self.partition,
            f":{service}:",
            self.region,
            ":",
            self.account_id,
            ":",
            *resource,
        )


def current_account(opts: pulumi.InvokeOptions | None = None) -> Account:
    """Look up the caller's account, region and partition."""
    return Account(
        account_id=aws.get_caller_identity_output(opts=opts).account_id,
        region=aws.get_region_output(opts=opts).region,
        partition=aws.get_partition_output(opts=opts).partition,
    )


@dataclass(frozen=True)
class StackKeyArgs:
    """The customer-managed KMS key that encrypts every store of the stack."""

    alias: str
    tags: Mapping[str, str] = field(default_factory=dict)
    deletion_window_days: int = 30

    def validate(self) -> None:
        """KMS accepts a deletion window of 7 to 30 days."""
        if not 7 <= self.deletion_window_days <= 30:
            raise ValueError("StackKeyArgs.deletion_window_days must be 7 to 30")
        if not self.alias or self.alias.startswith("aws/"):
            raise ValueError("StackKeyArgs.alias must be set and not start with aws/")


class StackKey(pulumi.ComponentResource):
    """A rotating KMS key and alias that Logs, alarms and the stack roles may use."""

    key: aws.kms.Key
    arn: pulumi.Output[str]

    def __init__(self, name: str, args: StackKeyArgs, opts: pulumi.ResourceOptions | None = None):
        args.validate()
        super().__init__("archgen:common:StackKey", name, None, opts)
        account = current_account(pulumi.InvokeOptions(parent=self))
        root = pulumi.Output.concat(
            "arn:", account.partition, ":iam::", account.account_id, ":root"
        )
        logs = pulumi.Output.concat("logs.", account.region, ".amazonaws.com")
        log_groups = account.arn("logs", "log-group:*")
        key_policy = document(
            [
                statement(["kms:*"], ["*"], principal={"AWS": root}, sid="AccountAdministers"),
                statement(
                    [
                        "kms:Encrypt",
                        "kms:Decrypt",
                        "kms:ReEncrypt*",
                        "kms:GenerateDataKey*",
                        "kms:DescribeKey",
                    ],
                    ["*"],
                    principal={"Service": logs},
                    condition={"ArnLike": {"kms:EncryptionContext:aws:logs:arn": log_groups}},
                    sid="CloudWatchLogsEncrypt",
                ),
                statement(
                    ["kms:Decrypt", "kms:GenerateDataKey*"],
                    ["*"],
                    principal={"Service": "cloudwatch.amazonaws.com"},
                    condition=source_account(account.account_id),
                    sid="AlarmsPublishToEncryptedTopic",
                ),
            ]
        )
        self.key = aws.kms.Key(
            f"{name}-key",
            description=f"archgen {args.alias} data key",
            enable_key_rotation=True,
            deletion_window_in_days=args.deletion_window_days,
            policy=key_policy,
            tags=dict(args.tags),
            opts=pulumi.ResourceOptions(parent=self),
        )
        aws.kms.Alias(
            f"{name}-alias",
            name_prefix=f"alias/{args.alias}-",  # unique per stack, like every physical name
            target_key_id=self.key.key_id,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.arn = self.key.arn
        self.register_outputs({"arn": self.arn})


@dataclass(frozen=True)
class ImageRepositoryArgs:
    """An ECR repository for the project's container image."""

    tags: Mapping[str, str] = field(default_factory=dict)
    kms_key_arn: pulumi.Input[str] | None = None
    keep_images: int = 30
    lambda_pull: bool = False
    """Let Lambda functions of this account and region pull the image (a stream consumer)."""

    def validate(self) -> None:
        """At least one image must be kept."""
        if self.keep_images < 1:
            raise ValueError("ImageRepositoryArgs.keep_images must be at least 1")


LAMBDA_PULL_ACTIONS = ("ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer")
"""What Lambda needs on a repository to create a function from one of its images."""


def lambda_pull_policy(account: Account) -> pulumi.Output[str]:
    """A repository policy letting Lambda pull images only for functions of `account`'s region.

    AWS's statement for a same-account image function ("Amazon ECR permissions" in
    the Lambda Developer Guide): the Lambda service principal, the two pull
    actions, and `aws:sourceArn` limited to this account's functions.
    """
    functions = account.arn("lambda", "function:*")
    return pulumi.Output.json_dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "LambdaECRImageRetrievalPolicy",
                    "Effect": "Allow",
                    "Principal": {"Service": "lambda.amazonaws.com"},
                    "Action": list(LAMBDA_PULL_ACTIONS),
                    "Condition": {"StringLike": {"aws:sourceArn": functions}},
                }
            ],
        }
    )


class ImageRepository(pulumi.ComponentResource):
    """ECR repository scanning on push with immutable tags, keeping the last N images."""

    repository: aws.ecr.Repository
    policy: aws.ecr.RepositoryPolicy | None
    url: pulumi.Output[str]
    arn: pulumi.Output[str]

    def __init__(
        self, name: str, args: ImageRepositoryArgs, opts: pulumi.ResourceOptions | None = None
    ):
        args.validate()
        super().__init__("archgen:common:ImageRepository", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        encryption: Any = (
            {"encryption_type": "KMS", "kms_key": args.kms_key_arn}
            if args.kms_key_arn is not None
            else {"encryption_type": "AES256"}
        )
        self.repository = aws.ecr.Repository(
            f"{name}-repo",
            image_tag_mutability="IMMUTABLE",
            image_scanning_configuration={"scan_on_push": True},
            encryption_configurations=[encryption],
            tags=dict(args.tags),
            opts=child,
        )
        rules = {
            "rules": [
                {
                    "rulePriority": 1,
                    "description": f"keep the last {args.keep_images} images",
                    "selection": {
                        "tagStatus": "any",
                        "countType": "imageCountMoreThan",
                        "countNumber": args.keep_images,
                    },
                    "action": {"type": "expire"},
                }
            ]
        }
        aws.ecr.LifecyclePolicy(
            f"{name}-lifecycle",
            repository=self.repository.name,
            policy=json.dumps(rules),
            opts=child,
        )
        self.policy = None
        if args.lambda_pull:
            self.policy = aws.ecr.RepositoryPolicy(
                f"{name}-policy",
                repository=self.repository.name,
                policy=lambda_pull_policy(current_account(pulumi.InvokeOptions(parent=self))),
                opts=child,
            )
        self.url = self.repository.repository_url
        self.arn = self.repository.arn
        self.register_outputs({"url": self.url, "arn": self.arn})


HTTPS_OUT: list[aws.ec2.SecurityGroupEgressArgsDict] = [
    {
        "protocol": "tcp",
        "from_port": 443,
        "to_port": 443,
        "cidr_blocks": ["0.0.0.0/0"],
        "description": "HTTPS to AWS APIs",
    }
]
"""The only egress an ECS task needs: HTTPS to AWS APIs (through the NAT or the endpoints)."""


def tasks_security_group(
    name: str,
    *,
    vpc_id: pulumi.Input[str],
    description: str,
    tags: Mapping[str, str],
    parent: pulumi.Resource,
    ingress: list[aws.ec2.SecurityGroupIngressArgsDict] | None = None,
) -> aws.ec2.SecurityGroup:
    """A security group for ECS tasks: HTTPS out, nothing in unless `ingress` says so."""
    return aws.ec2.SecurityGroup(
        name,
        vpc_id=vpc_id,
        description=description,
        ingress=ingress,
        egress=HTTPS_OUT,
        tags=dict(tags),
        opts=pulumi.ResourceOptions(parent=parent),
    )


def log_group(
    name: str,
    path: pulumi.Input[str],
    *,
    retention_days: int,
    kms_key_arn: pulumi.Input[str],
    tags: Mapping[str, str],
    parent: pulumi.Resource,
) -> aws.cloudwatch.LogGroup:
    """A KMS-encrypted log group with retention (no log group in archgen lives forever).

    `path` is the name's prefix: Pulumi adds a unique suffix, so two stacks of one
    project (dev and prod with the same name prefix) never claim the same group.
    """
    if retention_days <= 0:
        raise ValueError("log retention must be a positive number of days")
    return aws.cloudwatch.LogGroup(
        name,
        name_prefix=pulumi.Output.concat(path, "-"),
        retention_in_days=retention_days,
        kms_key_id=kms_key_arn,
        tags=dict(tags),
        opts=pulumi.ResourceOptions(parent=parent),
    )


@dataclass(frozen=True)
class Bucket:
    """What a component needs to know about a bucket: its name and ARN."""

    name: pulumi.Input[str]
    arn: pulumi.Input[str]


def service_role(
    name: str,
    *,
    service: str,
    account_id: pulumi.Input[str],
    policy_name: str,
    statements: Sequence[Mapping[str, Any]],
    tags: Mapping[str, str],
    parent: pulumi.Resource,
) -> aws.iam.Role:
    """A role `service` assumes (from this account only) with one inline policy."""
    opts = pulumi.ResourceOptions(parent=parent)
    role = aws.iam.Role(
        name,
        assume_role_policy=assume_role_policy(service, account_id),
        tags=dict(tags),
        opts=opts,
    )
    aws.iam.RolePolicy(policy_name, role=role.id, policy=document(statements), opts=opts)
    return role


def at_time(when: datetime) -> str:
    """`when` as the `yyyy-mm-ddThh:mm:ss` inside an `at(...)` expression, to the second (no
    zone, no fraction: the zone is the schedule's `schedule_expression_timezone`)."""
    return when.strftime(aws_limits.AT_FORMAT)


def scheduled_run(
    name: str,
    *,
    expression: str,
    timezone: str,
    target: aws.scheduler.ScheduleTargetArgsDict,
    parent: pulumi.Resource,
) -> aws.scheduler.Schedule:
    """An EventBridge Scheduler schedule that invokes `target` (its role and input included).

    A `cron(...)`/`rate(...)` expression runs it on every tick. An `at(...)` expression
    runs it once: the expression is in `ignore_changes`, so a later `pulumi up` (whose
    caller computes a new time) does not move or re-arm a run that already happened, and
    `action_after_completion` is NONE, not DELETE: Pulumi keeps the schedule in its state,
    and a schedule Scheduler deleted by itself would make the next update of it fail
    (not found) and a `pulumi refresh` drop it, after which `pulumi up` would create it
    again and train once more. A completed one-time schedule costs nothing and goes with
    `pulumi destroy`.
    """
    once = expression.startswith("at(")
    return aws.scheduler.Schedule(
        name,
        schedule_expression=expression,
        schedule_expression_timezone=timezone,
        flexible_time_window={"mode": "OFF"},
        target=target,
        action_after_completion="NONE" if once else None,
        opts=pulumi.ResourceOptions(
            parent=parent, ignore_changes=["schedule_expression"] if once else None
        ),
    )


def execution_role(
    name: str,
    *,
    log_group_arns: list[pulumi.Output[str]],
    repository_arn: pulumi.Input[str] | None,
    account_id: pulumi.Input[str],
    tags: Mapping[str, str],
    parent: pulumi.Resource,
) -> aws.iam.Role:
    """The ECS task execution role: pull the image, write the task's own log streams."""
    role = aws.iam.Role(
        name,
        assume_role_policy=assume_role_policy("ecs-tasks.amazonaws.com", account_id),
        tags=dict(tags),
        opts=pulumi.ResourceOptions(parent=parent),
    )
    statements = [
        statement(
            ["logs:CreateLogStream", "logs:PutLogEvents"],
            [pulumi.Output.concat(arn, ":*") for arn in log_group_arns],
        )
    ]
    if repository_arn is not None:
        statements += [
            statement(["ecr:GetAuthorizationToken"], ["*"]),
            statement(
                [
                    "ecr:BatchGetImage",
                    "ecr:GetDownloadUrlForLayer",
                    "ecr:BatchCheckLayerAvailability",
                ],
                [repository_arn],
            ),
        ]
    aws.iam.RolePolicy(
        f"{name}-policy",
        role=role.id,
        policy=document(statements),
        opts=pulumi.ResourceOptions(parent=parent),
    )
    return role


SCRATCH_VOLUME = "scratch"
SCRATCH_PATH = "/tmp"  # noqa: S108 - the container's own scratch volume, not the host's /tmp
"""The writable volume of every task (its root filesystem is read-only)."""


def container_definitions(
    *,
    container: str,
    image: pulumi.Input[str],
    command: list[str],
    environment: Mapping[str, pulumi.Input[str]],
    log_group: pulumi.Input[str],
    region: pulumi.Input[str],
    port: int | None = None,
) -> pulumi.Output[str]:
    """The one-container definition list of a Fargate task, as JSON.

    The root filesystem is read-only; the one writable place is the task's
    scratch volume at `/tmp` (TMPDIR), which Fargate backs with its ephemeral storage.
    """
    env = {**dict(environment), "TMPDIR": SCRATCH_PATH}
    definition: dict[str, Any] = {
        "name": container,
        "image": image,
        "essential": True,
        "command": command,
        "readonlyRootFilesystem": True,
        "mountPoints": [
            {"sourceVolume": SCRATCH_VOLUME, "containerPath": SCRATCH_PATH, "readOnly": False}
        ],
        "environment": [{"name": k, "value": v} for k, v in sorted(env.items())],
        "logConfiguration": {
            "logDriver": "awslogs",
            "options": {
                "awslogs-group": log_group,
                "awslogs-region": region,
                "awslogs-stream-prefix": container,
            },
        },
    }
    if port is not None:
        definition["portMappings"] = [{"containerPort": port, "protocol": "tcp"}]
    return pulumi.Output.json_dumps([definition])


def fargate_task(
    resource_name: str,
    *,
    family: str,
    cpu: int,
    memory_mb: int,
    execution_role_arn: pulumi.Input[str],
    task_role_arn: pulumi.Input[str],
    container: str,
    image: pulumi.Input[str],
    command: list[str],
    environment: Mapping[str, pulumi.Input[str]],
    log_group: pulumi.Input[str],
    region: pulumi.Input[str],
    tags: Mapping[str, str],
    opts: pulumi.ResourceOptions,
    port: int | None = None,
) -> aws.ecs.TaskDefinition:
    """A one-container Fargate task definition (Linux, x86_64, awsvpc) logging to `log_group`.

    The family carries the stack name: stacks sharing a family would share its
    revisions, and a role allowed to run one stack's family could run the other's.
    """
    return aws.ecs.TaskDefinition(
        resource_name,
        family=f"{family}-{pulumi.get_stack()}",
        requires_compatibilities=["FARGATE"],
        network_mode="awsvpc",
        cpu=str(cpu),
        memory=str(memory_mb),
        execution_role_arn=execution_role_arn,
        task_role_arn=task_role_arn,
        runtime_platform={"operating_system_family": "LINUX", "cpu_architecture": "X86_64"},
        volumes=[{"name": SCRATCH_VOLUME}],
        container_definitions=container_definitions(
            container=container,
            image=image,
            command=command,
            environment=environment,
            log_group=log_group,
            region=region,
            port=port,
        ),
        tags=tags,
        opts=opts,
    )
