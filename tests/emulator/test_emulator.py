"""The emulator deploys Pulumi programs into moto with the wiring a real deploy would have."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pulumi
import pulumi_aws as aws
import pytest
from emulator_programs import realtime_program, streaming_program
from emulator_support import moto_backend

from archgen_stacks.testing.emulator import (
    DeployResult,
    EmulatorError,
    MotoMocks,
    deploy,
    kind_of,
    moto_safe_policy,
    supported_kinds,
)


@pytest.fixture(scope="module")
def streaming() -> Iterator[tuple[boto3.Session, DeployResult]]:
    with moto_backend() as session:
        yield session, deploy(streaming_program, mocks=MotoMocks(session))


@pytest.fixture(scope="module")
def realtime() -> Iterator[tuple[boto3.Session, DeployResult]]:
    with moto_backend() as session:
        yield session, deploy(realtime_program, mocks=MotoMocks(session))


def test_kind_of_shortens_aws_tokens_only() -> None:
    assert kind_of("aws:lambda/eventSourceMapping:EventSourceMapping") == (
        "lambda.EventSourceMapping"
    )
    assert kind_of("archgen:stacks:Streaming") == "archgen:stacks:Streaming"


def test_every_stack_output_resolves_to_a_real_value(streaming: Any) -> None:
    _, result = streaming
    assert result.outputs, "program exports outputs"
    assert all(v not in (None, "") for v in result.outputs.values()), result.outputs
    assert result.outputs["account"] == "123456789012"
    assert result.outputs["region"] == "us-east-1"


def test_component_resources_are_recorded_but_create_nothing(streaming: Any) -> None:
    _, result = streaming
    component = result.one("archgen:test:DataLake")
    assert component.name == "lake"


def test_mapping_reads_the_stream_and_fails_over_to_the_dlq(streaming: Any) -> None:
    session, result = streaming
    out = result.outputs
    mapping = session.client("lambda").get_event_source_mapping(UUID=out["mappingUuid"])
    assert mapping["EventSourceArn"] == out["streamArn"]
    assert mapping["DestinationConfig"]["OnFailure"]["Destination"] == out["dlqArn"]
    assert mapping["BatchSize"] == 10
    assert mapping["BisectBatchOnFunctionError"] is True
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert mapping["MaximumRetryAttempts"] == 2
    fn = session.client("lambda").get_function_configuration(FunctionName=out["functionName"])
    assert mapping["FunctionArn"] == fn["FunctionArn"]
    assert fn["Environment"]["Variables"]["TABLE"] == out["tableName"]
    assert fn["MemorySize"] == 512


def test_bucket_is_encrypted_with_the_stack_key_private_and_versioned(streaming: Any) -> None:
    session, result = streaming
    s3 = session.client("s3")
    bucket = result.outputs["bucket"]
    key = result.named("kms.Key", "lake-key")
    rule = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"][0]
    assert rule["ApplyServerSideEncryptionByDefault"]["KMSMasterKeyID"] == key.outputs["arn"]
    session.client("kms").describe_key(KeyId=key.outputs["arn"])  # the key exists
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    block = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    assert all(block.values()) and len(block) == 4
    rules = s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
    assert {r["ID"]: r.get("Expiration", {}).get("Days") for r in rules}["raw"] == 365
    logs_bucket = result.named("s3.Bucket", "lake-logs").outputs["bucket"]
    logging = s3.get_bucket_logging(Bucket=bucket)["LoggingEnabled"]
    assert logging["TargetBucket"] == logs_bucket
    policy = json.loads(result.named("s3.BucketPolicy", "lake-pol").outputs["policy"])
    assert policy["Statement"][0]["Resource"][0] == f"arn:aws:s3:::{bucket}"
    # moto holds the TLS-only Deny as written, and evaluates it as AWS does for a
    # request over TLS: it does not refuse the tests' own requests.
    assert json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"]) == policy
    s3.put_object(Bucket=bucket, Key="raw/x.json", Body=b"{}")
    assert s3.get_object(Bucket=bucket, Key="raw/x.json")["Body"].read() == b"{}"


def test_a_bucket_policy_deny_without_a_condition_refuses_requests(moto: boto3.Session) -> None:
    """An unconditional Deny stays in force: the TLS decision opens nothing else."""

    def program() -> None:
        bucket = aws.s3.Bucket("locked", bucket="locked-bucket")
        deny = {
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:PutObject",
            "Resource": "arn:aws:s3:::locked-bucket/*",
        }
        aws.s3.BucketPolicy(
            "locked-policy",
            bucket=bucket.id,
            policy=json.dumps({"Version": "2012-10-17", "Statement": [deny]}),
        )

    deploy(program, mocks=MotoMocks(moto))
    with pytest.raises(moto.client("s3").exceptions.ClientError, match="Forbidden|AccessDenied"):
        moto.client("s3").put_object(Bucket="locked-bucket", Key="k", Body=b"x")


def test_logging_to_a_bucket_that_never_grants_log_delivery_fails(moto: boto3.Session) -> None:
    """AWS refuses access logging to a target that grants log delivery nothing."""

    def program() -> None:
        logs = aws.s3.Bucket("logs")
        data = aws.s3.Bucket("data")
        aws.s3.BucketLogging(
            "data-logging", bucket=data.id, target_bucket=logs.id, target_prefix="data/"
        )

    with pytest.raises(EmulatorError, match=r"'data-logging'.*grants S3 log delivery neither"):
        deploy(program, mocks=MotoMocks(moto))


def test_a_security_group_holds_only_the_programs_egress(moto: boto3.Session) -> None:
    """The provider revokes AWS's default allow-all egress; only the program's rules remain."""

    def program() -> None:
        vpc = aws.ec2.Vpc("v", cidr_block="10.0.0.0/16")
        aws.ec2.SecurityGroup("closed", vpc_id=vpc.id, description="no egress")
        aws.ec2.SecurityGroup(
            "https-out",
            vpc_id=vpc.id,
            description="https only",
            egress=[
                {
                    "protocol": "tcp",
                    "from_port": 443,
                    "to_port": 443,
                    "cidr_blocks": ["10.0.0.0/16"],
                    "description": "to the endpoints",
                }
            ],
        )

    result = deploy(program, mocks=MotoMocks(moto))
    ec2 = moto.client("ec2")
    closed = result.named("ec2.SecurityGroup", "closed").id
    https = result.named("ec2.SecurityGroup", "https-out").id
    (group,) = ec2.describe_security_groups(GroupIds=[closed])["SecurityGroups"]
    assert group["IpPermissionsEgress"] == []
    (group,) = ec2.describe_security_groups(GroupIds=[https])["SecurityGroups"]
    (rule,) = group["IpPermissionsEgress"]
    assert (rule["IpProtocol"], rule["FromPort"], rule["ToPort"]) == ("tcp", 443, 443)
    assert rule["IpRanges"] == [{"CidrIp": "10.0.0.0/16", "Description": "to the endpoints"}]


def test_moto_safe_policy_decides_secure_transport_as_a_tls_request() -> None:
    allow = {
        "Effect": "Allow",
        "Principal": {"Service": "logging.s3.amazonaws.com"},
        "Action": "s3:PutObject",
        "Resource": "arn:aws:s3:::b/*",
    }
    deny_tls = {
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": "*",
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }
    deny_plain = {
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:DeleteBucket",
        "Resource": "arn:aws:s3:::b",
    }
    allow_tls = {**allow, "Condition": {"Bool": {"aws:SecureTransport": "true"}}}
    other = {**allow, "Condition": {"StringEquals": {"aws:SourceAccount": "123456789012"}}}
    kept, undecided = moto_safe_policy(
        json.dumps(
            {"Version": "2012-10-17", "Statement": [allow, deny_tls, deny_plain, allow_tls, other]}
        )
    )
    # A request over TLS: the TLS-only Deny never applies, an Allow on TLS always does.
    assert kept["Statement"] == [allow, deny_plain, allow] and undecided == [other]


def test_iam_policy_names_the_real_resources(streaming: Any) -> None:
    session, result = streaming
    role = result.named("iam.Role", "consumer-role").outputs["name"]
    iam = session.client("iam")
    (policy_name,) = iam.list_role_policies(RoleName=role)["PolicyNames"]
    doc = iam.get_role_policy(RoleName=role, PolicyName=policy_name)["PolicyDocument"]
    doc = json.loads(doc) if isinstance(doc, str) else doc
    resources = {s["Resource"] for s in doc["Statement"]}
    table = session.client("dynamodb").describe_table(TableName=result.outputs["tableName"])
    assert resources == {
        result.outputs["streamArn"],
        table["Table"]["TableArn"],
        result.outputs["dlqArn"],
    }


def test_table_alarm_firehose_and_topic_are_wired(streaming: Any) -> None:
    session, result = streaming
    ttl = session.client("dynamodb").describe_time_to_live(TableName=result.outputs["tableName"])
    assert ttl["TimeToLiveDescription"]["AttributeName"] == "expires_at"
    (alarm,) = session.client("cloudwatch").describe_alarms(AlarmNamePrefix="iterator-age")[
        "MetricAlarms"
    ]
    assert alarm["Dimensions"] == [
        {"Name": "FunctionName", "Value": result.outputs["functionName"]}
    ]
    topic_arn = result.one("sns.Topic").outputs["arn"]
    assert alarm["AlarmActions"] == [topic_arn]
    assert alarm["Threshold"] == 60000.0
    stream = session.client("firehose").describe_delivery_stream(
        DeliveryStreamName=result.outputs["archiveName"]
    )["DeliveryStreamDescription"]
    dest = stream["Destinations"][0]["ExtendedS3DestinationDescription"]
    assert dest["BucketARN"] == f"arn:aws:s3:::{result.outputs['bucket']}"
    assert (
        stream["Source"]["KinesisStreamSourceDescription"]["KinesisStreamARN"]
        == (result.outputs["streamArn"])
    )
    subs = session.client("sns").list_subscriptions_by_topic(TopicArn=topic_arn)["Subscriptions"]
    assert [s["Endpoint"] for s in subs] == ["ops@example.com"]


def test_service_target_group_listener_and_scaling_are_wired(realtime: Any) -> None:
    session, result = realtime
    out = result.outputs
    ecs = session.client("ecs")
    (svc,) = ecs.describe_services(cluster=out["clusterName"], services=[out["serviceName"]])[
        "services"
    ]
    assert svc["loadBalancers"][0]["targetGroupArn"] == out["targetGroupArn"]
    assert svc["desiredCount"] == 2
    private = {
        r.outputs["id"] if "id" in r.outputs else r.id
        for r in result.of_kind("ec2.Subnet")
        if r.name.startswith("private")
    }
    assert set(svc["networkConfiguration"]["awsvpcConfiguration"]["subnets"]) == private
    elb = session.client("elbv2")
    alb = result.one("lb.LoadBalancer").outputs
    (listener,) = elb.describe_listeners(LoadBalancerArn=alb["arn"])["Listeners"]
    assert listener["DefaultActions"][0]["TargetGroupArn"] == out["targetGroupArn"]
    assert alb["dnsName"] == out["albDns"]
    (target,) = session.client("application-autoscaling").describe_scalable_targets(
        ServiceNamespace="ecs"
    )["ScalableTargets"]
    assert target["ResourceId"] == f"service/{out['clusterName']}/{out['serviceName']}"
    assert (target["MinCapacity"], target["MaxCapacity"]) == (2, 10)
    (policy,) = session.client("application-autoscaling").describe_scaling_policies(
        ServiceNamespace="ecs"
    )["ScalingPolicies"]
    assert policy["ResourceId"] == target["ResourceId"]
    (alarm,) = session.client("cloudwatch").describe_alarms(AlarmNamePrefix="api-latency")[
        "MetricAlarms"
    ]
    dims = {d["Name"]: d["Value"] for d in alarm["Dimensions"]}
    assert alb["arn"].endswith(dims["LoadBalancer"])
    assert out["targetGroupArn"].endswith(dims["TargetGroup"])


def test_network_routes_point_at_real_gateways(realtime: Any) -> None:
    session, result = realtime
    ec2 = session.client("ec2")
    vpc_id = result.one("ec2.Vpc").id
    nats = {r.id for r in result.of_kind("ec2.NatGateway")}
    tables = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])[
        "RouteTables"
    ]
    nat_routes = {r.get("NatGatewayId") for t in tables for r in t["Routes"]} - {None}
    assert nat_routes == nats and len(nats) == 2
    igw = result.one("ec2.InternetGateway").id
    assert igw in {r.get("GatewayId") for t in tables for r in t["Routes"]}
    task_sg = result.named("ec2.SecurityGroup", "task-sg").id
    alb_sg = result.named("ec2.SecurityGroup", "alb-sg").id
    (group,) = ec2.describe_security_groups(GroupIds=[task_sg])["SecurityGroups"]
    sources = {p["GroupId"] for perm in group["IpPermissions"] for p in perm["UserIdGroupPairs"]}
    assert sources == {alb_sg}
    task = session.client("ecs").describe_task_definition(taskDefinition="api")["taskDefinition"]
    repo_url = result.one("ecr.Repository").outputs["repositoryUrl"]
    assert task["containerDefinitions"][0]["image"] == f"{repo_url}:v1"


def _unknown_program() -> None:
    aws.s3.Bucket("ok")
    aws.rds.Instance("db", instance_class="db.t3.micro", engine="postgres", allocated_storage=20)
    aws.ec2.Instance("vm", ami="ami-12345678", instance_type="t3.micro")


def test_strict_mode_lists_every_unsupported_type(moto: boto3.Session) -> None:
    with pytest.raises(EmulatorError) as err:
        deploy(_unknown_program, mocks=MotoMocks(moto))
    assert "aws:rds/instance:Instance" in str(err.value)
    assert "aws:ec2/instance:Instance" in str(err.value)


def test_lenient_mode_echoes_unsupported_types(moto: boto3.Session) -> None:
    result = deploy(_unknown_program, mocks=MotoMocks(moto, strict=False))
    assert result.one("rds.Instance").outputs["engine"] == "postgres"
    bucket = result.one("s3.Bucket").outputs["bucket"]
    assert moto.client("s3").head_bucket(Bucket=bucket)


def _broken_program() -> None:
    aws.lb.Listener(
        "orphan",
        load_balancer_arn="arn:aws:elasticloadbalancing:us-east-1:"
        "123456789012:loadbalancer/app/missing/0123456789abcdef",
        port=80,
        default_actions=[
            {
                "type": "fixed-response",
                "fixed_response": {"content_type": "text/plain", "status_code": "404"},
            }
        ],
    )


def test_a_resource_moto_rejects_fails_the_deploy_naming_it(moto: boto3.Session) -> None:
    with pytest.raises(EmulatorError, match=r"aws:lb/listener:Listener 'orphan'"):
        deploy(_broken_program, mocks=MotoMocks(moto))


def test_successive_deploys_are_independent_and_read_config(moto: boto3.Session) -> None:
    def program() -> None:
        cfg = pulumi.Config("archgen")
        queue = aws.sqs.Queue(
            "q",
            name=f"{cfg.require('namePrefix')}-q",
            visibility_timeout_seconds=cfg.require_int("timeout"),
        )
        pulumi.export("url", queue.url)

    mocks = MotoMocks(moto)
    first = deploy(program, mocks=mocks, config={"archgen:namePrefix": "a", "archgen:timeout": "7"})
    second = deploy(
        program,
        mocks=mocks,
        stack="prod",
        config={"archgen:namePrefix": "b", "archgen:timeout": "9"},
    )
    assert first.outputs["url"].endswith("/a-q") and second.outputs["url"].endswith("/b-q")
    assert len(first.resources) == len(second.resources) == 1
    attrs = moto.client("sqs").get_queue_attributes(
        QueueUrl=second.outputs["url"], AttributeNames=["VisibilityTimeout"]
    )
    assert attrs["Attributes"]["VisibilityTimeout"] == "9"


def test_policy_document_data_source_builds_json(moto: boto3.Session) -> None:
    def program() -> None:
        doc = aws.iam.get_policy_document(
            statements=[
                {
                    "actions": ["sts:AssumeRole"],
                    "principals": [{"type": "Service", "identifiers": ["lambda.amazonaws.com"]}],
                }
            ]
        )
        role = aws.iam.Role("r", assume_role_policy=doc.json)
        pulumi.export("role", role.name)

    result = deploy(program, mocks=MotoMocks(moto))
    role = moto.client("iam").get_role(RoleName=result.outputs["role"])["Role"]
    statement = role["AssumeRolePolicyDocument"]["Statement"][0]
    assert statement["Principal"] == {"Service": ["lambda.amazonaws.com"]}


def test_deploys_into_moto_server_by_endpoint(moto_server: str) -> None:
    def program() -> None:
        stream = aws.kinesis.Stream("s", shard_count=1)
        table = aws.dynamodb.Table(
            "t",
            hash_key="id",
            billing_mode="PAY_PER_REQUEST",
            attributes=[{"name": "id", "type": "S"}],
        )
        pulumi.export("stream", stream.name)
        pulumi.export("table", table.name)

    result = deploy(program, mocks=MotoMocks(moto_server))
    session = boto3.Session(region_name="us-east-1")
    kinesis = session.client("kinesis", endpoint_url=moto_server)
    summary = kinesis.describe_stream_summary(StreamName=result.outputs["stream"])
    assert summary["StreamDescriptionSummary"]["OpenShardCount"] == 1
    ddb = session.client("dynamodb", endpoint_url=moto_server)
    table = ddb.describe_table(TableName=result.outputs["table"])["Table"]
    assert table["KeySchema"] == [{"AttributeName": "id", "KeyType": "HASH"}]


def test_strict_mode_rejects_an_unknown_data_source(moto: boto3.Session) -> None:
    def program() -> None:
        ami = aws.ec2.get_ami(most_recent=True, owners=["amazon"])
        pulumi.export("ami", ami.id)

    with pytest.raises(EmulatorError, match="aws:ec2/getAmi:getAmi"):
        deploy(program, mocks=MotoMocks(moto))


def test_a_failing_program_is_reported_without_partial_success(moto: boto3.Session) -> None:
    def program() -> None:
        aws.sqs.Queue("ok")
        raise ValueError("stack config consumerBatchSize: must be 1 to 10000")

    with pytest.raises(EmulatorError, match="consumerBatchSize"):
        deploy(program, mocks=MotoMocks(moto))


BRIEF_KINDS = """kms.Key kms.Alias s3.Bucket s3.BucketServerSideEncryptionConfiguration
s3.BucketVersioning s3.BucketPublicAccessBlock s3.BucketPolicy s3.BucketLifecycleConfiguration
s3.BucketLogging s3.BucketOwnershipControls ecr.Repository ecr.LifecyclePolicy ecs.Cluster
ecs.TaskDefinition ecs.Service iam.Role iam.RolePolicy iam.RolePolicyAttachment
cloudwatch.LogGroup cloudwatch.MetricAlarm cloudwatch.Dashboard sfn.StateMachine
scheduler.Schedule sns.Topic sns.TopicSubscription sns.TopicPolicy ec2.Vpc ec2.Subnet
ec2.InternetGateway ec2.RouteTable ec2.Route ec2.RouteTableAssociation ec2.NatGateway ec2.Eip
ec2.SecurityGroup ec2.SecurityGroupRule ec2.VpcEndpoint lb.LoadBalancer lb.TargetGroup
lb.Listener appautoscaling.Target appautoscaling.Policy kinesis.Stream
kinesis.FirehoseDeliveryStream lambda.Function lambda.EventSourceMapping lambda.Permission
sqs.Queue sqs.QueuePolicy dynamodb.Table""".split()


def test_every_kind_the_stacks_may_use_is_supported() -> None:
    assert set(BRIEF_KINDS) <= supported_kinds()


def test_every_kind_the_stacks_use_today_is_supported() -> None:
    stacks = Path(__file__).resolve().parents[2] / "stacks" / "archgen_stacks"
    used = set()
    for source in stacks.glob("*.py"):
        for module, cls in re.findall(
            r"\baws\.([a-z0-9_]+)\.([A-Z][A-Za-z0-9]+)\(", source.read_text()
        ):
            used.add(f"{module.rstrip('_')}.{cls}")
    assert used, "the stacks create AWS resources"
    assert used - supported_kinds() == set()


def _one_bucket() -> None:
    aws.s3.Bucket("after-asyncio-run")


def test_deploy_works_after_asyncio_run_closed_the_loop(moto: boto3.Session) -> None:
    """A web server or test that used `asyncio.run()` leaves no loop; deploy makes its own."""
    import asyncio

    async def nothing() -> None:
        return None

    asyncio.run(nothing())
    asyncio.set_event_loop(None)
    result = deploy(_one_bucket, mocks=MotoMocks(moto))
    bucket = result.one("s3.Bucket").outputs["bucket"]
    assert moto.client("s3").head_bucket(Bucket=bucket)
