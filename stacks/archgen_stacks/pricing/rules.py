"""One pricing rule per AWS resource type: the charges a resource's inputs and the usage imply.

A type in `FREE` is priced at $0 with the reason; a type with no rule and not in
`FREE` is "not priced", so the estimate never hides a resource behind a zero.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from .context import DAYS_PER_MONTH, GB, HOURS_PER_MONTH, Context, as_dict, number
from .graph import Resource
from .model import Charge

Rule = Callable[[Resource, Context], list[Charge]]

FREE: dict[str, str] = {
    "aws:iam/role:Role": "IAM is free",
    "aws:iam/rolePolicy:RolePolicy": "IAM is free",
    "aws:ec2/vpc:Vpc": "VPCs are free",
    "aws:ec2/subnet:Subnet": "subnets are free",
    "aws:ec2/internetGateway:InternetGateway": "internet gateways are free",
    "aws:ec2/routeTable:RouteTable": "route tables are free",
    "aws:ec2/route:Route": "routes are free",
    "aws:ec2/routeTableAssociation:RouteTableAssociation": "free",
    "aws:ec2/securityGroup:SecurityGroup": "security groups are free",
    "aws:ec2/securityGroupRule:SecurityGroupRule": "free",
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": "bucket setting",
    "aws:s3/bucketLogging:BucketLogging": "bucket setting (the log bucket's storage is priced)",
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls": "bucket setting",
    "aws:s3/bucketPolicy:BucketPolicy": "bucket setting",
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": "bucket setting",
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": (
        "bucket setting (KMS requests are priced on the key)"
    ),
    "aws:s3/bucketVersioning:BucketVersioning": "bucket setting (versions priced on the bucket)",
    "aws:kms/alias:Alias": "aliases are free",
    "aws:cloudwatch/logStream:LogStream": "priced on its log group",
    "aws:appautoscaling/target:Target": "free (its policies' alarms are priced)",
    "aws:lb/listener:Listener": "priced on the load balancer",
    "aws:lb/targetGroup:TargetGroup": "priced on the load balancer",
    "aws:ecr/lifecyclePolicy:LifecyclePolicy": "free (it bounds the repository's storage)",
    "aws:sns/topicPolicy:TopicPolicy": "free",
    "aws:sqs/queuePolicy:QueuePolicy": "free",
    "aws:lambda/eventSourceMapping:EventSourceMapping": (
        "Lambda polls Kinesis at no charge (reads are priced on the stream)"
    ),
}


def _hours(price: str, item: str, count: float, ctx: Context) -> Charge:
    return Charge(item, count * HOURS_PER_MONTH, ctx.table[price])


def nat_gateway(r: Resource, ctx: Context) -> list[Charge]:
    gateways = len(ctx.of(r.typ))
    return [
        _hours("nat_gateway_hour", "gateway hours", 1, ctx),
        Charge(
            "data processed (its share)", ctx.nat_gb / max(1, gateways), ctx.table["nat_gateway_gb"]
        ),
    ]


def eip(r: Resource, ctx: Context) -> list[Charge]:
    return [_hours("public_ipv4_hour", "public IPv4 address", 1, ctx)]


def vpc_endpoint(r: Resource, ctx: Context) -> list[Charge]:
    if str(r.inputs.get("vpcEndpointType")) != "Interface":
        return []  # gateway endpoints (S3, DynamoDB) are free
    azs = len(list(r.inputs.get("subnetIds") or [])) or 1
    service = str(r.inputs.get("serviceName", ""))
    charges = [_hours("interface_endpoint_hour", f"endpoint hours x {azs} AZs", azs, ctx)]
    gb = 0.0
    if service.endswith(".logs"):
        gb = ctx.log_gb
    elif service.endswith(".kinesis-streams") and ctx.has_api:
        gb = ctx.requests_per_month * ctx.usage.record_bytes / GB
    if gb:
        charges.append(Charge("data processed", gb, ctx.table["interface_endpoint_gb"]))
    return charges


def load_balancer(r: Resource, ctx: Context) -> list[Charge]:
    u = ctx.usage
    gb_per_hour = ctx.average_rps * 3600 * (u.record_bytes + u.response_bytes) / GB
    lcu = max(1.0, ctx.average_rps / 25, gb_per_hour)  # billed on the largest dimension
    charges = [
        _hours("alb_hour", "load balancer hours", 1, ctx),
        Charge(
            f"capacity units ({lcu:.2f} LCU, at least 1)",
            lcu * HOURS_PER_MONTH,
            ctx.table["alb_lcu_hour"],
        ),
    ]
    if str(r.inputs.get("internal")).lower() != "true":
        nodes = len(list(r.inputs.get("subnets") or [])) or 2
        charges.append(
            _hours("public_ipv4_hour", f"public IPv4 addresses ({nodes}, one per AZ)", nodes, ctx)
        )
        out_gb = ctx.requests_per_month * u.response_bytes / GB
        charges.append(
            Charge("responses to the internet", out_gb, ctx.table["data_transfer_out_gb"])
        )
    return charges


def _task_size(task: Resource | None) -> tuple[float, float, bool]:
    if task is None:
        return 0.25, 0.5, False
    platform = as_dict(task.inputs.get("runtimePlatform"))
    arm = str(platform.get("cpuArchitecture", "X86_64")) == "ARM64"
    return (
        number(task.inputs.get("cpu"), 256) / 1024,
        number(task.inputs.get("memory"), 512) / 1024,
        arm,
    )


def _fargate(what: str, task_hours: float, task: Resource | None, ctx: Context) -> list[Charge]:
    vcpu, gb, arm = _task_size(task)
    cpu_key, mem_key = (
        ("fargate_arm_vcpu_hour", "fargate_arm_gb_hour")
        if arm
        else ("fargate_vcpu_hour", "fargate_gb_hour")
    )
    return [
        Charge(f"{what} vCPU ({vcpu:g} vCPU)", task_hours * vcpu, ctx.table[cpu_key]),
        Charge(f"{what} memory ({gb:g} GB)", task_hours * gb, ctx.table[mem_key]),
    ]


def ecs_service(r: Resource, ctx: Context) -> list[Charge]:
    tasks = number(r.inputs.get("desiredCount"), 1)
    task = ctx.by_arn(r.inputs.get("taskDefinition"))
    return _fargate(f"{tasks:g} tasks", tasks * HOURS_PER_MONTH, task, ctx)


def task_definition(r: Resource, ctx: Context) -> list[Charge]:
    if ctx.referring("aws:ecs/service:Service", "taskDefinition", r):
        return []  # priced on its service
    runs = ctx.batch_runs
    if r.name.endswith("-train-task"):
        hours = runs * ctx.usage.train_hours_per_run
        return _fargate(
            f"training ({runs:g} runs x {ctx.usage.train_hours_per_run:g} h)", hours, r, ctx
        )
    if r.name.endswith("-score-task"):
        per_run = max(
            ctx.map_concurrency / 60, ctx.score_task_hours_per_run
        )  # 1 min minimum per task
        return _fargate(f"scoring ({runs:g} runs)", runs * per_run, r, ctx)
    return []


def ecs_cluster(r: Resource, ctx: Context) -> list[Charge]:
    settings = r.inputs.get("settings") or []
    insights = any(
        as_dict(s).get("name") == "containerInsights" and as_dict(s).get("value") == "enabled"
        for s in (settings if isinstance(settings, list) else [])
    )
    if not insights:
        return []
    families = len(ctx.siblings(r, "aws:ecs/taskDefinition:TaskDefinition"))
    u = ctx.usage
    metrics = (
        u.container_insights_metrics_per_cluster
        + families * u.container_insights_metrics_per_task_family
    )
    running = sum(
        number(s.inputs.get("desiredCount"), 1) for s in ctx.siblings(r, "aws:ecs/service:Service")
    )
    running += ctx.batch_runs * (1 + ctx.map_concurrency) / HOURS_PER_MONTH if not running else 0
    return [
        Charge(
            f"Container Insights metrics ({metrics:g})",
            metrics,
            ctx.table["cloudwatch_metric_month"],
        ),
        Charge(
            "Container Insights performance logs",
            max(running, 1.0) * u.container_insights_gb_per_task_month,
            ctx.table["cloudwatch_logs_ingest_gb"],
        ),
    ]


def state_machine(r: Resource, ctx: Context) -> list[Charge]:
    states = as_dict(r.inputs.get("definition")).get("States", {})
    per_run = float(len(states))
    for state in states.values():
        if isinstance(state, dict) and state.get("Type") == "Map":
            inner = len(
                (state.get("ItemProcessor") or state.get("Iterator") or {}).get("States", {})
            )
            per_run += inner * number(state.get("MaxConcurrency"), 1)
    return [
        Charge(
            f"state transitions ({per_run:g} a run)",
            ctx.batch_runs * per_run,
            ctx.table["step_functions_transitions_thousand"],
            per=1000,
        )
    ]


def schedule(r: Resource, ctx: Context) -> list[Charge]:
    return [
        Charge("invocations", ctx.batch_runs, ctx.table["scheduler_invocations_million"], per=1e6)
    ]


def kinesis_stream(r: Resource, ctx: Context) -> list[Charge]:
    u = ctx.usage
    records = ctx.requests_per_month
    gb = records * u.record_bytes / GB
    mode = str(as_dict(r.inputs.get("streamModeDetails")).get("streamMode", "PROVISIONED"))
    if mode == "ON_DEMAND":
        consumers = len(
            ctx.referring("aws:lambda/eventSourceMapping:EventSourceMapping", "eventSourceArn", r)
        )
        consumers += len(
            ctx.referring(
                "aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream",
                "kinesisSourceConfiguration",
                r,
            )
        )
        return [
            _hours("kinesis_on_demand_stream_hour", "stream hours", 1, ctx),
            Charge("data written", gb, ctx.table["kinesis_on_demand_ingest_gb"]),
            Charge(
                f"data read ({consumers} consumers)",
                gb * max(1, consumers),
                ctx.table["kinesis_on_demand_retrieval_gb"],
            ),
        ]
    shards = number(r.inputs.get("shardCount"), 1)
    charges = [
        _hours("kinesis_shard_hour", f"shard hours ({shards:g} shards)", shards, ctx),
        Charge(
            "PUT payload units (25 KB)",
            records * ctx.put_units(u.record_bytes, 25),
            ctx.table["kinesis_put_units_million"],
            per=1e6,
        ),
    ]
    if number(r.inputs.get("retentionPeriod"), 24) > 24:
        charges.append(
            _hours("kinesis_extended_retention_shard_hour", "extended retention", shards, ctx)
        )
    return charges


def firehose(r: Resource, ctx: Context) -> list[Charge]:
    billed_kb = 5 * ctx.put_units(ctx.usage.record_bytes, 5)
    gb = ctx.requests_per_month * billed_kb * 1024 / GB
    buffer_s = number(
        as_dict(r.inputs.get("extendedS3Configuration")).get("bufferingInterval"), 300
    )
    objects = HOURS_PER_MONTH * 3600 / max(60.0, buffer_s)
    return [
        Charge(f"ingest ({billed_kb:g} KB billed per record)", gb, ctx.table["firehose_ingest_gb"]),
        Charge("S3 PUTs of the archive objects", objects, ctx.table["s3_put_thousand"], per=1000),
    ]


def lambda_function(r: Resource, ctx: Context) -> list[Charge]:
    u = ctx.usage
    sources = ctx.referring("aws:lambda/eventSourceMapping:EventSourceMapping", "functionName", r)
    if not sources:
        return []
    batch = number(sources[0].inputs.get("batchSize"), 100)
    records = ctx.requests_per_month
    invocations = math.ceil(records / max(1.0, batch))
    seconds = (
        records * u.consumer_ms_per_record + invocations * u.consumer_ms_per_invocation
    ) / 1000
    memory_gb = number(r.inputs.get("memorySize"), 128) / 1024
    arm = "arm64" in [str(a) for a in (r.inputs.get("architectures") or [])]
    return [
        Charge("requests", invocations, ctx.table["lambda_requests_million"], per=1e6),
        Charge(
            f"compute ({memory_gb * 1024:g} MB)",
            seconds * memory_gb,
            ctx.table["lambda_arm_gb_second" if arm else "lambda_gb_second"],
        ),
    ]


def dynamodb_table(r: Resource, ctx: Context) -> list[Charge]:
    u = ctx.usage
    ttl_days = 30.0
    for fn in ctx.siblings(r, "aws:lambda/function:Function"):
        env = as_dict(as_dict(fn.inputs.get("environment")).get("variables"))
        ttl_days = number(env.get("TABLE_TTL_DAYS"), ttl_days)
    records = ctx.requests_per_month
    stored_gb = (
        u.requests_per_day * min(ttl_days, u.priced_month * DAYS_PER_MONTH) * u.item_bytes / GB
    )
    charges = [
        Charge(
            "write request units",
            records * math.ceil(u.item_bytes / 1024),
            ctx.table["dynamodb_write_units_million"],
            per=1e6,
        ),
        Charge(
            f"storage ({ttl_days:g} days of items)",
            stored_gb,
            ctx.table["dynamodb_storage_gb_month"],
        ),
    ]
    if as_dict(r.inputs.get("pointInTimeRecovery")).get("enabled"):
        charges.append(
            Charge("point-in-time recovery", stored_gb, ctx.table["dynamodb_pitr_gb_month"])
        )
    return charges


def _bucket_kind(r: Resource) -> str:
    return r.name.rsplit("-", 1)[-1]


def _lifecycle_days(r: Resource, ctx: Context, key: str) -> float | None:
    for config in ctx.referring(
        "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "bucket", r
    ):
        for rule in config.inputs.get("rules") or []:
            rule = as_dict(rule)
            if key == "expiration" and as_dict(rule.get("expiration")).get("days"):
                return number(as_dict(rule["expiration"])["days"])
            for transition in rule.get("transitions") or [] if key == "transition" else []:
                return number(as_dict(transition).get("days"))
    return None


def s3_bucket(r: Resource, ctx: Context) -> list[Charge]:
    u = ctx.usage
    kind = _bucket_kind(r)
    horizon = u.priced_month * DAYS_PER_MONTH
    daily_gb = u.requests_per_day * u.record_bytes / GB
    standard = ctx.table["s3_storage_gb_month"]
    if kind == "raw" and ctx.batch_runs:
        days = min(_lifecycle_days(r, ctx, "expiration") or horizon, horizon)
        return [Charge(f"input records ({days:g} days kept)", daily_gb * days, standard)]
    if kind == "predictions" and ctx.batch_runs:
        return [Charge(f"predictions (month {u.priced_month:g})", daily_gb * horizon, standard)]
    if kind == "models":
        versions = 1 + min(ctx.batch_runs * 3, 100)  # old versions expire after ~90 days
        return [Charge(f"model versions ({versions:g})", versions * u.model_mb / 1024, standard)]
    if kind == "archive" and ctx.of("aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream"):
        compressed = daily_gb / max(1.0, u.archive_compression_ratio)
        hot_days = min(_lifecycle_days(r, ctx, "transition") or horizon, horizon)
        return [
            Charge(f"archive, first {hot_days:g} days (GZIP)", compressed * hot_days, standard),
            Charge(
                f"archive, Glacier IR to month {u.priced_month:g}",
                compressed * (horizon - hot_days),
                ctx.table["s3_glacier_ir_gb_month"],
            ),
        ]
    if kind == "logs":
        return [Charge("access logs", u.log_gb_per_group_month, standard)]
    return [Charge("storage (nothing written by the stack)", 0.0, standard)]


def log_group(r: Resource, ctx: Context) -> list[Charge]:
    groups = max(1, len(ctx.of(r.typ)))
    gb = ctx.log_gb / groups
    retention = number(r.inputs.get("retentionInDays"), 30)
    kept_months = min(retention / DAYS_PER_MONTH, ctx.usage.priced_month)
    return [
        Charge("ingestion", gb, ctx.table["cloudwatch_logs_ingest_gb"]),
        Charge(
            f"storage ({retention:g} days kept)",
            gb * kept_months,
            ctx.table["cloudwatch_logs_storage_gb_month"],
        ),
    ]


def metric_alarm(r: Resource, ctx: Context) -> list[Charge]:
    queries = [as_dict(q) for q in (r.inputs.get("metricQueries") or [])]
    metrics = sum(1 for q in queries if q.get("metric")) or 1
    return [Charge(f"alarm ({metrics} metrics)", metrics, ctx.table["cloudwatch_alarm_month"])]


def scaling_policy(r: Resource, ctx: Context) -> list[Charge]:
    if str(r.inputs.get("policyType")) != "TargetTrackingScaling":
        return []
    return [Charge("2 alarms target tracking creates", 2, ctx.table["cloudwatch_alarm_month"])]


def dashboard(r: Resource, ctx: Context) -> list[Charge]:
    return [Charge("dashboard", 1, ctx.table["cloudwatch_dashboard_month"])]


def kms_key(r: Resource, ctx: Context) -> list[Charge]:
    keys = max(1, len(ctx.of(r.typ)))
    return [
        Charge("key", 1, ctx.table["kms_key_month"]),
        Charge(
            "requests",
            ctx.usage.kms_requests_per_month / keys,
            ctx.table["kms_requests_10k"],
            per=10_000,
        ),
    ]


def ecr_repository(r: Resource, ctx: Context) -> list[Charge]:
    u = ctx.usage
    return [
        Charge(
            f"image storage ({u.images_kept:g} images)",
            u.images_kept * u.image_gb,
            ctx.table["ecr_storage_gb_month"],
        )
    ]


def sqs_queue(r: Resource, ctx: Context) -> list[Charge]:
    return [
        Charge("requests (failed batches only)", 0.0, ctx.table["sqs_requests_million"], per=1e6)
    ]


def sns_topic(r: Resource, ctx: Context) -> list[Charge]:
    return [Charge("alarm emails", 0.0, ctx.table["sns_email_thousand"], per=1000)]


RULES: dict[str, Rule] = {
    "aws:ec2/natGateway:NatGateway": nat_gateway,
    "aws:ec2/eip:Eip": eip,
    "aws:ec2/vpcEndpoint:VpcEndpoint": vpc_endpoint,
    "aws:lb/loadBalancer:LoadBalancer": load_balancer,
    "aws:ecs/service:Service": ecs_service,
    "aws:ecs/taskDefinition:TaskDefinition": task_definition,
    "aws:ecs/cluster:Cluster": ecs_cluster,
    "aws:sfn/stateMachine:StateMachine": state_machine,
    "aws:scheduler/schedule:Schedule": schedule,
    "aws:kinesis/stream:Stream": kinesis_stream,
    "aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream": firehose,
    "aws:lambda/function:Function": lambda_function,
    "aws:dynamodb/table:Table": dynamodb_table,
    "aws:s3/bucket:Bucket": s3_bucket,
    "aws:cloudwatch/logGroup:LogGroup": log_group,
    "aws:cloudwatch/metricAlarm:MetricAlarm": metric_alarm,
    "aws:appautoscaling/policy:Policy": scaling_policy,
    "aws:cloudwatch/dashboard:Dashboard": dashboard,
    "aws:kms/key:Key": kms_key,
    "aws:ecr/repository:Repository": ecr_repository,
    "aws:sqs/queue:Queue": sqs_queue,
    "aws:sns/topic:Topic": sns_topic,
}
