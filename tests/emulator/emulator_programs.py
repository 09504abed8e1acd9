"""Small Pulumi programs that use the stacks' resource types the way a stack does.

They exercise the emulator before (and besides) the real stacks: every resource
kind the stacks are allowed to use appears here with pulumi_aws 7 argument names.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import pulumi
import pulumi_aws as aws


def _assume(service: str) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": service}}
            ],
        }
    )


class DataLake(pulumi.ComponentResource):
    """A KMS-encrypted, versioned, private bucket with lifecycle rules and access logs."""

    def __init__(self, name: str, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("archgen:test:DataLake", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.key = aws.kms.Key(
            f"{name}-key", enable_key_rotation=True, deletion_window_in_days=7, opts=child
        )
        aws.kms.Alias(
            f"{name}-alias", name=f"alias/{name}", target_key_id=self.key.key_id, opts=child
        )
        self.logs = aws.s3.Bucket(f"{name}-logs", force_destroy=True, opts=child)
        self.bucket = aws.s3.Bucket(f"{name}-data", tags={"team": "ml"}, opts=child)
        aws.s3.BucketOwnershipControls(
            f"{name}-own",
            bucket=self.bucket.id,
            rule={"object_ownership": "BucketOwnerEnforced"},
            opts=child,
        )
        aws.s3.BucketServerSideEncryptionConfiguration(
            f"{name}-sse",
            bucket=self.bucket.id,
            rules=[
                {
                    "apply_server_side_encryption_by_default": {
                        "sse_algorithm": "aws:kms",
                        "kms_master_key_id": self.key.arn,
                    },
                    "bucket_key_enabled": True,
                }
            ],
            opts=child,
        )
        aws.s3.BucketVersioning(
            f"{name}-ver",
            bucket=self.bucket.id,
            versioning_configuration={"status": "Enabled"},
            opts=child,
        )
        aws.s3.BucketPublicAccessBlock(
            f"{name}-pab",
            bucket=self.bucket.id,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
            opts=child,
        )
        aws.s3.BucketLifecycleConfiguration(
            f"{name}-lc",
            bucket=self.bucket.id,
            rules=[
                {
                    "id": "raw",
                    "status": "Enabled",
                    "filter": {"prefix": "raw/"},
                    "expiration": {"days": 365},
                },
                {
                    "id": "archive",
                    "status": "Enabled",
                    "filter": {"prefix": "archive/"},
                    "transitions": [{"days": 30, "storage_class": "GLACIER_IR"}],
                    "noncurrent_version_expiration": {"noncurrent_days": 90},
                },
            ],
            opts=child,
        )
        aws.s3.BucketLogging(
            f"{name}-log",
            bucket=self.bucket.id,
            target_bucket=self.logs.id,
            target_prefix="access/",
            opts=child,
        )
        aws.s3.BucketPolicy(  # AWS logs only to a bucket that grants log delivery
            f"{name}-logs-pol",
            bucket=self.logs.id,
            policy=self.logs.arn.apply(
                lambda arn: json.dumps(
                    {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Sid": "S3ServerAccessLogDelivery",
                                "Effect": "Allow",
                                "Principal": {"Service": "logging.s3.amazonaws.com"},
                                "Action": "s3:PutObject",
                                "Resource": f"{arn}/access/*",
                            }
                        ],
                    }
                )
            ),
            opts=child,
        )
        aws.s3.BucketPolicy(
            f"{name}-pol",
            bucket=self.bucket.id,
            policy=self.bucket.arn.apply(
                lambda arn: json.dumps(
                    {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Sid": "TlsOnly",
                                "Effect": "Deny",
                                "Principal": "*",
                                "Action": "s3:*",
                                "Resource": [arn, f"{arn}/*"],
                                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                            }
                        ],
                    }
                )
            ),
            opts=child,
        )
        self.register_outputs({"bucket": self.bucket.bucket})


def streaming_program() -> None:
    """Stream -> Lambda consumer (ESM with DLQ) -> DynamoDB; Firehose archive; alarms."""
    lake = DataLake("lake")
    stream = aws.kinesis.Stream(
        "events",
        shard_count=2,
        retention_period=24,
        stream_mode_details={"stream_mode": "PROVISIONED"},
    )
    dlq = aws.sqs.Queue(
        "consumer-dlq", message_retention_seconds=1209600, sqs_managed_sse_enabled=True
    )
    table = aws.dynamodb.Table(
        "predictions",
        billing_mode="PAY_PER_REQUEST",
        hash_key="pk",
        attributes=[{"name": "pk", "type": "S"}],
        ttl={"attribute_name": "expires_at", "enabled": True},
        point_in_time_recovery={"enabled": True},
    )
    role = aws.iam.Role("consumer-role", assume_role_policy=_assume("lambda.amazonaws.com"))
    aws.iam.RolePolicyAttachment(
        "consumer-basic",
        role=role.name,
        policy_arn="arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
    )
    aws.iam.RolePolicy(
        "consumer-access",
        role=role.id,
        policy=pulumi.Output.json_dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": ["kinesis:GetRecords", "kinesis:GetShardIterator"],
                        "Resource": stream.arn,
                    },
                    {"Effect": "Allow", "Action": ["dynamodb:PutItem"], "Resource": table.arn},
                    {"Effect": "Allow", "Action": ["sqs:SendMessage"], "Resource": dlq.arn},
                ],
            }
        ),
    )
    logs = aws.cloudwatch.LogGroup(
        "consumer-logs", name="/aws/lambda/consumer", retention_in_days=30
    )
    fn = aws.lambda_.Function(
        "consumer",
        role=role.arn,
        runtime="python3.12",
        handler="handler.handler",
        memory_size=512,
        timeout=60,
        code=pulumi.AssetArchive(
            {"handler.py": pulumi.StringAsset("def handler(event, context):\n    return {}\n")}
        ),
        environment={"variables": {"TABLE": table.name}},
        opts=pulumi.ResourceOptions(depends_on=[logs]),
    )
    esm = aws.lambda_.EventSourceMapping(
        "consumer-esm",
        event_source_arn=stream.arn,
        function_name=fn.arn,
        starting_position="TRIM_HORIZON",
        batch_size=10,
        maximum_batching_window_in_seconds=1,
        parallelization_factor=1,
        maximum_retry_attempts=2,
        maximum_record_age_in_seconds=3600,
        bisect_batch_on_function_error=True,
        function_response_types=["ReportBatchItemFailures"],
        destination_config={"on_failure": {"destination_arn": dlq.arn}},
    )
    fh_role = aws.iam.Role("firehose-role", assume_role_policy=_assume("firehose.amazonaws.com"))
    archive = aws.kinesis.FirehoseDeliveryStream(
        "archive",
        destination="extended_s3",
        kinesis_source_configuration={"kinesis_stream_arn": stream.arn, "role_arn": fh_role.arn},
        extended_s3_configuration={
            "role_arn": fh_role.arn,
            "bucket_arn": lake.bucket.arn,
            "prefix": "archive/",
            "buffering_interval": 60,
            "buffering_size": 5,
        },
    )
    topic = aws.sns.Topic("alarms")
    aws.sns.TopicSubscription(
        "alarms-email", topic=topic.arn, protocol="email", endpoint="ops@example.com"
    )
    aws.cloudwatch.MetricAlarm(
        "iterator-age",
        comparison_operator="GreaterThanThreshold",
        evaluation_periods=3,
        metric_name="IteratorAge",
        namespace="AWS/Lambda",
        period=60,
        statistic="Maximum",
        threshold=60000,
        dimensions={"FunctionName": fn.name},
        alarm_actions=[topic.arn],
        treat_missing_data="notBreaching",
    )
    aws.lambda_.Permission(
        "consumer-invoke",
        action="lambda:InvokeFunction",
        function=fn.name,
        principal="sns.amazonaws.com",
        source_arn=topic.arn,
    )
    region = aws.get_region()
    ident = aws.get_caller_identity()
    pulumi.export("streamName", stream.name)
    pulumi.export("streamArn", stream.arn)
    pulumi.export("tableName", table.name)
    pulumi.export("dlqUrl", dlq.url)
    pulumi.export("dlqArn", dlq.arn)
    pulumi.export("mappingUuid", esm.uuid)
    pulumi.export("functionName", fn.name)
    pulumi.export("archiveName", archive.name)
    pulumi.export("bucket", lake.bucket.bucket)
    pulumi.export("region", region.region)
    pulumi.export("account", ident.account_id)


def realtime_program() -> None:
    """VPC with public/private subnets, NAT and endpoints; ALB -> target group -> ECS service."""
    zones = aws.get_availability_zones(state="available").names[:2]
    vpc = aws.ec2.Vpc(
        "vpc", cidr_block="10.0.0.0/16", enable_dns_hostnames=True, enable_dns_support=True
    )
    igw = aws.ec2.InternetGateway("igw", vpc_id=vpc.id)
    public_rt = aws.ec2.RouteTable("public-rt", vpc_id=vpc.id)
    aws.ec2.Route(
        "public-default",
        route_table_id=public_rt.id,
        destination_cidr_block="0.0.0.0/0",
        gateway_id=igw.id,
    )
    public, private = [], []
    for n, zone in enumerate(zones):
        pub = aws.ec2.Subnet(
            f"public-{n}",
            vpc_id=vpc.id,
            cidr_block=f"10.0.{n}.0/24",
            availability_zone=zone,
            map_public_ip_on_launch=True,
        )
        aws.ec2.RouteTableAssociation(
            f"public-{n}-rta", subnet_id=pub.id, route_table_id=public_rt.id
        )
        priv = aws.ec2.Subnet(
            f"private-{n}", vpc_id=vpc.id, cidr_block=f"10.0.{n + 10}.0/24", availability_zone=zone
        )
        eip = aws.ec2.Eip(f"nat-eip-{n}", domain="vpc")
        nat = aws.ec2.NatGateway(f"nat-{n}", subnet_id=pub.id, allocation_id=eip.id)
        rt = aws.ec2.RouteTable(f"private-rt-{n}", vpc_id=vpc.id)
        aws.ec2.Route(
            f"private-default-{n}",
            route_table_id=rt.id,
            destination_cidr_block="0.0.0.0/0",
            nat_gateway_id=nat.id,
        )
        aws.ec2.RouteTableAssociation(f"private-{n}-rta", subnet_id=priv.id, route_table_id=rt.id)
        public.append(pub)
        private.append(priv)
    aws.ec2.VpcEndpoint(
        "s3-endpoint",
        vpc_id=vpc.id,
        service_name="com.amazonaws.us-east-1.s3",
        vpc_endpoint_type="Gateway",
        route_table_ids=[public_rt.id],
    )
    alb_sg = aws.ec2.SecurityGroup(
        "alb-sg",
        vpc_id=vpc.id,
        description="ALB",
        ingress=[{"protocol": "tcp", "from_port": 80, "to_port": 80, "cidr_blocks": ["0.0.0.0/0"]}],
        egress=[{"protocol": "-1", "from_port": 0, "to_port": 0, "cidr_blocks": ["0.0.0.0/0"]}],
    )
    task_sg = aws.ec2.SecurityGroup("task-sg", vpc_id=vpc.id, description="tasks")
    aws.ec2.SecurityGroupRule(
        "task-from-alb",
        type="ingress",
        security_group_id=task_sg.id,
        protocol="tcp",
        from_port=8080,
        to_port=8080,
        source_security_group_id=alb_sg.id,
    )
    alb = aws.lb.LoadBalancer(
        "api-alb",
        load_balancer_type="application",
        internal=False,
        security_groups=[alb_sg.id],
        subnets=[s.id for s in public],
        drop_invalid_header_fields=True,
        idle_timeout=60,
    )
    tg = aws.lb.TargetGroup(
        "api-tg",
        port=8080,
        protocol="HTTP",
        target_type="ip",
        vpc_id=vpc.id,
        deregistration_delay=30,
        health_check={
            "path": "/health",
            "matcher": "200",
            "interval": 15,
            "healthy_threshold": 2,
            "unhealthy_threshold": 3,
        },
    )
    listener = aws.lb.Listener(
        "api-http",
        load_balancer_arn=alb.arn,
        port=80,
        protocol="HTTP",
        default_actions=[{"type": "forward", "target_group_arn": tg.arn}],
    )
    repo = aws.ecr.Repository(
        "api-repo",
        image_tag_mutability="IMMUTABLE",
        image_scanning_configuration={"scan_on_push": True},
        force_delete=True,
    )
    aws.ecr.LifecyclePolicy(
        "api-repo-lc",
        repository=repo.name,
        policy=json.dumps(
            {
                "rules": [
                    {
                        "rulePriority": 1,
                        "description": "keep 10",
                        "selection": {
                            "tagStatus": "any",
                            "countType": "imageCountMoreThan",
                            "countNumber": 10,
                        },
                        "action": {"type": "expire"},
                    }
                ]
            }
        ),
    )
    cluster = aws.ecs.Cluster(
        "cluster", settings=[{"name": "containerInsights", "value": "enabled"}]
    )
    exec_role = aws.iam.Role("exec-role", assume_role_policy=_assume("ecs-tasks.amazonaws.com"))
    logs = aws.cloudwatch.LogGroup("api-logs", retention_in_days=14)
    task = aws.ecs.TaskDefinition(
        "api-task",
        family="api",
        cpu="512",
        memory="1024",
        network_mode="awsvpc",
        requires_compatibilities=["FARGATE"],
        execution_role_arn=exec_role.arn,
        runtime_platform={"cpu_architecture": "X86_64", "operating_system_family": "LINUX"},
        container_definitions=pulumi.Output.json_dumps(
            [
                {
                    "name": "api",
                    "image": pulumi.Output.concat(repo.repository_url, ":v1"),
                    "essential": True,
                    "portMappings": [{"containerPort": 8080, "protocol": "tcp"}],
                    "logConfiguration": {
                        "logDriver": "awslogs",
                        "options": {
                            "awslogs-group": logs.name,
                            "awslogs-region": "us-east-1",
                            "awslogs-stream-prefix": "api",
                        },
                    },
                }
            ]
        ),
    )
    service = aws.ecs.Service(
        "api-service",
        cluster=cluster.arn,
        task_definition=task.arn,
        desired_count=2,
        launch_type="FARGATE",
        network_configuration={
            "subnets": [s.id for s in private],
            "security_groups": [task_sg.id],
            "assign_public_ip": False,
        },
        load_balancers=[
            {"target_group_arn": tg.arn, "container_name": "api", "container_port": 8080}
        ],
        opts=pulumi.ResourceOptions(depends_on=[listener]),
    )
    resource_id = pulumi.Output.concat("service/", cluster.name, "/", service.name)
    target = aws.appautoscaling.Target(
        "api-scaling",
        service_namespace="ecs",
        scalable_dimension="ecs:service:DesiredCount",
        resource_id=resource_id,
        min_capacity=2,
        max_capacity=10,
    )
    aws.appautoscaling.Policy(
        "api-cpu",
        policy_type="TargetTrackingScaling",
        resource_id=target.resource_id,
        scalable_dimension=target.scalable_dimension,
        service_namespace=target.service_namespace,
        target_tracking_scaling_policy_configuration={
            "target_value": 60.0,
            "scale_in_cooldown": 120,
            "scale_out_cooldown": 60,
            "predefined_metric_specification": {
                "predefined_metric_type": "ECSServiceAverageCPUUtilization"
            },
        },
    )
    aws.cloudwatch.MetricAlarm(
        "api-latency",
        comparison_operator="GreaterThanThreshold",
        evaluation_periods=5,
        metric_name="TargetResponseTime",
        namespace="AWS/ApplicationELB",
        period=60,
        extended_statistic="p99",
        threshold=0.1,
        dimensions={"LoadBalancer": alb.arn_suffix, "TargetGroup": tg.arn_suffix},
    )
    aws.cloudwatch.Dashboard(
        "api-dash",
        dashboard_name="api",
        dashboard_body=json.dumps(
            {
                "widgets": [
                    {
                        "type": "text",
                        "x": 0,
                        "y": 0,
                        "width": 6,
                        "height": 2,
                        "properties": {"markdown": "api"},
                    }
                ]
            }
        ),
    )
    pulumi.export("albDns", alb.dns_name)
    pulumi.export("serviceName", service.name)
    pulumi.export("clusterName", cluster.name)
    pulumi.export("targetGroupArn", tg.arn)


BATCH_DEFINITION = {
    "Comment": "train, gate on the metric, score; notify on failure",
    "StartAt": "Train",
    "States": {
        "Train": {
            "Type": "Task",
            "Resource": "arn:aws:states:::ecs:runTask.sync",
            "Parameters": {"LaunchType": "FARGATE", "Cluster": "CLUSTER", "TaskDefinition": "TASK"},
            "ResultPath": "$.train",
            "Next": "Gate",
            "Catch": [
                {"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "NotifyFailure"}
            ],
        },
        "Gate": {
            "Type": "Choice",
            "Choices": [
                {"Variable": "$.train.metric", "NumericGreaterThanEquals": 0.7, "Next": "Score"}
            ],
            "Default": "Rejected",
        },
        "Score": {
            "Type": "Task",
            "Resource": "arn:aws:states:::ecs:runTask.sync",
            "Parameters": {"LaunchType": "FARGATE", "Cluster": "CLUSTER", "TaskDefinition": "TASK"},
            "End": True,
        },
        "Rejected": {"Type": "Fail", "Error": "ModelRejected", "Cause": "metric below threshold"},
        "NotifyFailure": {
            "Type": "Task",
            "Resource": "arn:aws:states:::sns:publish",
            "Parameters": {"TopicArn": "TOPIC", "Message.$": "$.error"},
            "Next": "Failed",
        },
        "Failed": {"Type": "Fail", "Error": "BatchFailed"},
    },
}


def batch_definition(cluster_arn: str, task_arn: str, topic_arn: str) -> str:
    """The batch state machine definition with the real ARNs filled in."""
    text = json.dumps(BATCH_DEFINITION)
    return (
        text.replace('"CLUSTER"', json.dumps(cluster_arn))
        .replace('"TASK"', json.dumps(task_arn))
        .replace('"TOPIC"', json.dumps(topic_arn))
    )


def batch_program() -> None:
    """ECS cluster + task, a state machine that runs it, a schedule that starts it."""
    cluster = aws.ecs.Cluster("batch-cluster")
    exec_role = aws.iam.Role("batch-exec", assume_role_policy=_assume("ecs-tasks.amazonaws.com"))
    task = aws.ecs.TaskDefinition(
        "train",
        family="train",
        cpu="1024",
        memory="4096",
        network_mode="awsvpc",
        requires_compatibilities=["FARGATE"],
        execution_role_arn=exec_role.arn,
        container_definitions=json.dumps(
            [{"name": "train", "image": "train:latest", "essential": True, "command": ["train"]}]
        ),
    )
    topic = aws.sns.Topic("batch-alerts")
    sfn_role = aws.iam.Role("sfn-role", assume_role_policy=_assume("states.amazonaws.com"))
    log_group = aws.cloudwatch.LogGroup("sfn-logs", retention_in_days=30)
    machine = aws.sfn.StateMachine(
        "pipeline",
        role_arn=sfn_role.arn,
        definition=pulumi.Output.all(cluster.arn, task.arn, topic.arn).apply(
            lambda a: batch_definition(a[0], a[1], a[2])
        ),
        logging_configuration={
            "log_destination": log_group.arn.apply(lambda a: f"{a}:*"),
            "include_execution_data": True,
            "level": "ERROR",
        },
    )
    sched_role = aws.iam.Role("sched-role", assume_role_policy=_assume("scheduler.amazonaws.com"))
    aws.scheduler.Schedule(
        "nightly",
        schedule_expression="cron(0 2 * * ? *)",
        schedule_expression_timezone="UTC",
        flexible_time_window={"mode": "OFF"},
        target={
            "arn": machine.arn,
            "role_arn": sched_role.arn,
            "input": json.dumps({"run": "nightly"}),
        },
    )
    aws.sns.TopicPolicy(
        "batch-alerts-policy",
        arn=topic.arn,
        policy=topic.arn.apply(
            lambda arn: json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "states.amazonaws.com"},
                            "Action": "sns:Publish",
                            "Resource": arn,
                        }
                    ],
                }
            )
        ),
    )
    queue = aws.sqs.Queue("batch-dlq")
    aws.sqs.QueuePolicy(
        "batch-dlq-policy",
        queue_url=queue.url,
        policy=queue.arn.apply(
            lambda arn: json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "scheduler.amazonaws.com"},
                            "Action": "sqs:SendMessage",
                            "Resource": arn,
                        }
                    ],
                }
            )
        ),
    )
    partition = aws.get_partition()
    pulumi.export("stateMachineArn", machine.arn)
    pulumi.export("topicArn", topic.arn)
    pulumi.export("partition", partition.partition)


def consumer_program(
    *,
    batch_size: int = 10,
    bisect: bool = True,
    report_failures: bool = True,
    retries: int = 2,
    parallelization: int = 1,
) -> Callable[[], None]:
    """A stream, its consumer function, the mapping (settings as given), a DLQ and a table."""

    def program() -> None:
        stream = aws.kinesis.Stream("events", shard_count=1)
        dlq = aws.sqs.Queue("dlq")
        table = aws.dynamodb.Table(
            "items",
            billing_mode="PAY_PER_REQUEST",
            hash_key="pk",
            attributes=[{"name": "pk", "type": "S"}],
        )
        role = aws.iam.Role("fn-role", assume_role_policy=_assume("lambda.amazonaws.com"))
        fn = aws.lambda_.Function(
            "consumer",
            role=role.arn,
            runtime="python3.12",
            handler="handler.handler",
            timeout=30,
            code=pulumi.AssetArchive(
                {"handler.py": pulumi.StringAsset("def handler(event, context):\n    return {}\n")}
            ),
            environment={"variables": {"TABLE_NAME": table.name}},
        )
        esm = aws.lambda_.EventSourceMapping(
            "esm",
            event_source_arn=stream.arn,
            function_name=fn.name,
            starting_position="TRIM_HORIZON",
            batch_size=batch_size,
            bisect_batch_on_function_error=bisect,
            maximum_retry_attempts=retries,
            parallelization_factor=parallelization,
            function_response_types=["ReportBatchItemFailures"] if report_failures else [],
            destination_config={"on_failure": {"destination_arn": dlq.arn}},
        )
        pulumi.export("streamName", stream.name)
        pulumi.export("dlqUrl", dlq.url)
        pulumi.export("tableName", table.name)
        pulumi.export("mappingUuid", esm.uuid)
        pulumi.export("mappingArn", esm.arn)

    return program
