"""One pricing rule per AWS resource type: the charges a resource's inputs and the usage imply.

Network and compute rules are here, data and monitoring ones in `rules_data.py`;
`RULES` maps every priced type token to its rule.

A type in `FREE` is priced at $0 with the reason; a type with no rule and not in
`FREE` is "not priced", so the estimate never hides a resource behind a zero.
"""

from __future__ import annotations

from collections.abc import Callable

from .context import GB, HOURS_PER_MONTH, Context, as_dict, number
from .graph import Resource
from .model import Charge
from .rules_data import (
    dashboard,
    dynamodb_table,
    ecr_repository,
    firehose,
    kinesis_stream,
    kms_key,
    lambda_function,
    log_group,
    log_metric_filter,
    metric_alarm,
    s3_bucket,
    scaling_policy,
    secret,
    sns_topic,
    sqs_queue,
)

Rule = Callable[[Resource, Context], list[Charge]]

FREE: dict[str, str] = {
    "docker-build:index:Image": "built where `pulumi up` runs; its storage is priced on ECR",
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
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": "security groups are free",
    "aws:ec2/flowLog:FlowLog": "priced on its log group (the records are ingested there)",
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
    "aws:wafv2/webAclAssociation:WebAclAssociation": "priced on the web ACL",
    "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration": (
        "priced on its log group (the records are ingested there)"
    ),
    "aws:ecr/lifecyclePolicy:LifecyclePolicy": "free (it bounds the repository's storage)",
    "aws:ecr/repositoryPolicy:RepositoryPolicy": (
        "free (Lambda's pulls stay in the region: no ECR data transfer charge)"
    ),
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
    scheduled = ctx.task_runs(r)
    if scheduled:
        per_run = ctx.usage.retrain_hours_per_run
        return _fargate(
            f"retrain checks ({scheduled:g} runs x {per_run:g} h)", scheduled * per_run, r, ctx
        )
    if r.name.endswith("-train-task"):
        runs = ctx.train_runs
        hours = runs * ctx.usage.train_hours_per_run
        return _fargate(
            f"training ({runs:g} runs x {ctx.usage.train_hours_per_run:g} h)", hours, r, ctx
        )
    if r.name.endswith("-score-task"):
        runs = ctx.score_runs
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
    jobs = ctx.train_runs + ctx.score_runs * ctx.map_concurrency
    running += jobs / HOURS_PER_MONTH if not running else 0
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


SCORE_STATES = ("Steps", "PlanShards", "Score", "Trained", "Done")
"""The states a scoring-only run enters (`batch_flow`, input `{"steps": "score"}`)."""


def _state_count(states: dict[str, object], names: set[str] | None = None) -> float:
    """States of a definition (or of `names` among them), a Map's inner states once per item."""
    count = 0.0
    for name, state in states.items():
        if names is not None and name not in names:
            continue
        count += 1
        if isinstance(state, dict) and state.get("Type") == "Map":
            inner = len(
                (state.get("ItemProcessor") or state.get("Iterator") or {}).get("States", {})
            )
            count += inner * number(state.get("MaxConcurrency"), 1)
    return count


def state_machine(r: Resource, ctx: Context) -> list[Charge]:
    states = as_dict(r.inputs.get("definition")).get("States", {})
    whole = _state_count(states)
    if ctx.train_runs == ctx.score_runs == ctx.batch_runs:
        item, transitions = f"state transitions ({whole:g} a run)", ctx.batch_runs * whole
    else:
        scoring = _state_count(states, set(SCORE_STATES))
        training = whole - _state_count(states, {"PlanShards", "Score", "Trained"})
        scoring_runs = ctx.score_runs
        item = f"state transitions ({training:g} a training run, {scoring:g} a scoring run)"
        transitions = ctx.train_runs * training + scoring_runs * scoring
    charges = [
        Charge(
            item,
            transitions,
            ctx.table["step_functions_transitions_thousand"],
            per=1000,
        )
    ]
    if as_dict(r.inputs.get("tracingConfiguration")).get("enabled"):
        charges.append(
            Charge(
                "X-Ray traces (one a run)",
                ctx.batch_runs,
                ctx.table["xray_traces_million"],
                per=1e6,
            )
        )
    return charges


def web_acl(r: Resource, ctx: Context) -> list[Charge]:
    rules = len(list(r.inputs.get("rules") or []))
    return [
        Charge("web ACL", 1, ctx.table["waf_web_acl_month"]),
        Charge(
            f"rules ({rules}, a managed group counts as one)", rules, ctx.table["waf_rule_month"]
        ),
        Charge(
            "requests inspected",
            ctx.requests_per_month,
            ctx.table["waf_requests_million"],
            per=1e6,
        ),
    ]


def schedule(r: Resource, ctx: Context) -> list[Charge]:
    runs = ctx.schedule_runs(r)
    return [Charge("invocations", runs, ctx.table["scheduler_invocations_million"], per=1e6)]


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
    "aws:wafv2/webAcl:WebAcl": web_acl,
    "aws:secretsmanager/secret:Secret": secret,
    "aws:cloudwatch/logMetricFilter:LogMetricFilter": log_metric_filter,
}
