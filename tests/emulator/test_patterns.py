"""Each pattern's real entry point (`program.build`) deployed into moto, its wiring read back."""

from __future__ import annotations

import base64
import json
import os
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from emulator_support import moto_backend

from archgen.stack_settings import StackSettings
from archgen_stacks.program import AppArtifacts, build
from archgen_stacks.testing.emulator import DeployResult, MotoMocks, deploy
from archgen_stacks.testing.esm_runner import deliver_kinesis_source, run_event_source_mapping

APP = AppArtifacts(
    package="ai_service",
)
SETTINGS = {
    "batch": StackSettings(pattern="batch", score_parallelism=3),
    "realtime": StackSettings(
        pattern="realtime",
        api_min_tasks=2,
        api_max_tasks=6,
        egress="endpoints",
        availability_zones=3,
    ),
    "streaming": StackSettings(pattern="streaming", consumer_batch_size=4, consumer_max_retries=1),
    "hybrid": StackSettings(pattern="hybrid"),
}
NOW = datetime(2026, 12, 31, 23, 58, 1, tzinfo=UTC)
"""The deploy's time `build()` is given: the first training run is 10 minutes later."""


@pytest.fixture(scope="module", params=sorted(SETTINGS))
def deployed(request: pytest.FixtureRequest) -> Iterator[tuple[str, MotoMocks, DeployResult]]:
    pattern = str(request.param)
    with moto_backend() as session:
        mocks = MotoMocks(session)
        result = deploy(lambda: build(SETTINGS[pattern], APP, now=NOW), mocks=mocks)
        yield pattern, mocks, result


def _has(pattern: str, *parts: str) -> bool:
    return pattern in parts or pattern == "hybrid"


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def test_every_output_resolves(deployed: Any) -> None:
    pattern, _, result = deployed
    assert result.outputs["pattern"] == pattern
    empty = [k for k, v in result.outputs.items() if v in (None, "", {}, [])]
    assert not empty


def test_alarms_notify_the_topic_and_watch_real_resources(deployed: Any) -> None:
    _, mocks, result = deployed
    names = [a.outputs["name"] for a in result.of_kind("cloudwatch.MetricAlarm")]
    alarms = mocks.client("cloudwatch").describe_alarms(AlarmNames=names)["MetricAlarms"]
    assert len(alarms) == len(names) > 0
    real = {
        "FunctionName": {r.outputs["name"] for r in result.of_kind("lambda.Function")},
        "QueueName": {r.outputs["name"] for r in result.of_kind("sqs.Queue")},
        "StreamName": {r.outputs["name"] for r in result.of_kind("kinesis.Stream")},
        "TableName": {r.outputs["name"] for r in result.of_kind("dynamodb.Table")},
        "StateMachineArn": {r.outputs["arn"] for r in result.of_kind("sfn.StateMachine")},
        "LoadBalancer": {r.outputs["arnSuffix"] for r in result.of_kind("lb.LoadBalancer")},
        "TargetGroup": {r.outputs["arnSuffix"] for r in result.of_kind("lb.TargetGroup")},
        "ClusterName": {r.outputs["name"] for r in result.of_kind("ecs.Cluster")},
        "ServiceName": {r.outputs["name"] for r in result.of_kind("ecs.Service")},
    }
    checked = 0
    for alarm in alarms:
        assert result.outputs["alarmTopicArn"] in alarm["AlarmActions"], alarm["AlarmName"]
        dims = list(alarm.get("Dimensions", []))
        for query in alarm.get("Metrics", []):
            dims += query.get("MetricStat", {}).get("Metric", {}).get("Dimensions", [])
        for dim in dims:
            if dim["Name"] in real:
                assert dim["Value"] in real[dim["Name"]], (alarm["AlarmName"], dim)
                checked += 1
    assert checked > 0


def test_role_policies_name_real_buckets(deployed: Any) -> None:
    _, mocks, result = deployed
    buckets = {f"arn:aws:s3:::{b}" for b in result.outputs["bucketNames"].values()}
    iam = mocks.client("iam")
    named = set()
    for policy in result.of_kind("iam.RolePolicy"):
        role, name = policy.id.split(":", 1)
        doc = iam.get_role_policy(RoleName=role, PolicyName=name)["PolicyDocument"]
        doc = json.loads(doc) if isinstance(doc, str) else doc
        for statement in _list(doc["Statement"]):
            for res in _list(statement.get("Resource", [])):
                if res.startswith("arn:aws:s3:::"):
                    bucket = res.split("/", 1)[0]
                    assert bucket in buckets, (policy.name, res)
                    named.add(bucket)
    assert named


def test_stream_consumer_wiring(deployed: Any) -> None:
    pattern, mocks, result = deployed
    if not _has(pattern, "streaming"):
        assert not result.of_kind("lambda.EventSourceMapping")
        return
    settings = SETTINGS[pattern]
    esm = result.one("lambda.EventSourceMapping")
    mapping = mocks.client("lambda").get_event_source_mapping(UUID=esm.id)
    stream = result.one("kinesis.Stream").outputs
    dlq = result.one("sqs.Queue").outputs
    assert mapping["EventSourceArn"] == stream["arn"]
    assert mapping["DestinationConfig"]["OnFailure"]["Destination"] == dlq["arn"]
    assert mapping["BatchSize"] == settings.consumer_batch_size
    assert mapping["MaximumRetryAttempts"] == settings.consumer_max_retries
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    fn = mocks.client("lambda").get_function_configuration(FunctionName=mapping["FunctionArn"])
    assert fn["Environment"]["Variables"]["PREDICTIONS_TABLE"] == result.outputs["tableName"]
    assert result.outputs["streamName"] == stream["name"]


def test_stream_consumer_is_an_image_function_of_the_stack_repository(deployed: Any) -> None:
    """Deployed in strict mode: the function moto holds runs the stack's image through the
    Runtime Interface Client, and only this account's Lambda functions may pull it."""
    pattern, mocks, result = deployed
    ecr = mocks.client("ecr")
    repo = result.one("ecr.Repository").outputs
    if not _has(pattern, "streaming"):
        assert not result.of_kind("lambda.Function") and not result.of_kind("ecr.RepositoryPolicy")
        return
    lam = mocks.client("lambda")
    name = result.one("lambda.Function").outputs["name"]
    got = lam.get_function(FunctionName=name)
    conf = got["Configuration"]
    assert conf["PackageType"] == "Image" and conf["Architectures"] == ["x86_64"]
    assert got["Code"]["ImageUri"] == result.outputs["imageUri"]
    assert got["Code"]["ImageUri"].startswith(f"{repo['repositoryUrl']}:sha-")
    assert conf["ImageConfigResponse"]["ImageConfig"] == {
        "EntryPoint": ["python", "-m", "awslambdaric"],
        "Command": ["ai_service.stream.handler.handler"],
    }
    policy = json.loads(ecr.get_repository_policy(repositoryName=repo["name"])["policyText"])
    (statement,) = policy["Statement"]
    assert statement["Principal"] == {"Service": "lambda.amazonaws.com"}
    account = mocks.client("sts").get_caller_identity()["Account"]
    assert statement["Condition"]["StringLike"]["aws:sourceArn"] == (
        f"arn:aws:lambda:{mocks.region}:{account}:function:*"
    )


def test_api_wiring(deployed: Any) -> None:
    pattern, mocks, result = deployed
    if not _has(pattern, "realtime"):
        assert not result.of_kind("ecs.Service")
        return
    service = result.one("ecs.Service").outputs
    ecs = mocks.client("ecs")
    (svc,) = ecs.describe_services(cluster=service["cluster"], services=[service["name"]])[
        "services"
    ]
    tg = result.one("lb.TargetGroup").outputs["arn"]
    assert [lb["targetGroupArn"] for lb in svc["loadBalancers"]] == [tg]
    lb = result.one("lb.LoadBalancer").outputs
    listeners = mocks.client("elbv2").describe_listeners(LoadBalancerArn=lb["arn"])["Listeners"]
    assert tg in {a.get("TargetGroupArn") for lst in listeners for a in lst["DefaultActions"]}
    assert result.outputs["apiUrl"].endswith(lb["dnsName"])
    private = {r.id for r in result.of_kind("ec2.Subnet") if "private" in r.name}
    assert 0 < len(private) < len(result.of_kind("ec2.Subnet"))
    subnets = set(svc["networkConfiguration"]["awsvpcConfiguration"]["subnets"])
    assert subnets and subnets <= private
    settings = SETTINGS[pattern]
    (target,) = mocks.client("application-autoscaling").describe_scalable_targets(
        ServiceNamespace="ecs"
    )["ScalableTargets"]
    cluster = service["cluster"].rsplit("/", 1)[-1]
    assert target["ResourceId"] == f"service/{cluster}/{service['name']}"
    assert (target["MinCapacity"], target["MaxCapacity"]) == (
        settings.api_min_tasks,
        settings.api_max_tasks,
    )
    if pattern == "hybrid":
        task = ecs.describe_task_definition(taskDefinition=svc["taskDefinition"])
        env = {
            e["name"]: e["value"]
            for e in task["taskDefinition"]["containerDefinitions"][0].get("environment", [])
        }
        assert env["PREDICTION_LOG_STREAM"] == result.outputs["streamName"]


def test_batch_wiring(deployed: Any) -> None:
    pattern, mocks, result = deployed
    if not _has(pattern, "batch"):
        assert not result.of_kind("sfn.StateMachine")
        return
    arn = result.outputs["stateMachineArn"]
    schedules = {
        s.name: mocks.client("scheduler").get_schedule(Name=s.outputs["name"])
        for s in result.of_kind("scheduler.Schedule")
    }
    (batch,) = [name for name in schedules if name.endswith("-batch-schedule")]
    assert schedules[batch]["Target"]["Arn"] == arn
    desc = mocks.client("stepfunctions").describe_state_machine(stateMachineArn=arn)
    text = desc["definition"]
    ecs = mocks.client("ecs")
    jobs = [
        task
        for task in result.of_kind("ecs.TaskDefinition")
        if re.search(r"-(train|score)-[^-]+$", task.outputs["family"])  # <job>-<stack>
    ]
    assert len(jobs) == 2
    for task in jobs:
        assert task.outputs["arn"] in text
        ecs.describe_task_definition(taskDefinition=task.outputs["arn"])
    for bucket in ("raw", "models", "predictions"):
        assert result.outputs["bucketNames"][bucket] in text
    maps = [st for st in json.loads(text)["States"].values() if st["Type"] == "Map"]
    if SETTINGS[pattern].score_parallelism > 1:
        assert [m["MaxConcurrency"] for m in maps] == [SETTINGS[pattern].score_parallelism]
    else:
        assert maps == []


def test_stream_records_reach_the_table_and_poison_reaches_the_dlq(deployed: Any) -> None:
    pattern, mocks, result = deployed
    if not _has(pattern, "streaming"):
        assert "streamName" not in result.outputs and not result.of_kind("kinesis.Stream")
        return
    kinesis = mocks.client("kinesis")
    ddb = mocks.client("dynamodb")
    stream = result.outputs["streamName"]
    tag = pattern

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        table = os.environ["PREDICTIONS_TABLE"]
        failures = []
        for record in event["Records"]:
            body = json.loads(base64.b64decode(record["kinesis"]["data"]))
            if body.get("poison"):
                failures.append({"itemIdentifier": record["kinesis"]["sequenceNumber"]})
                continue
            try:
                ddb.put_item(
                    TableName=table,
                    Item={_hash_key(result): {"S": body["id"]}},
                    ConditionExpression="attribute_not_exists(#k)",
                    ExpressionAttributeNames={"#k": _hash_key(result)},
                )
            except ddb.exceptions.ConditionalCheckFailedException:
                pass
        return {"batchItemFailures": failures}

    ids = [f"{tag}-{n}" for n in range(9)]
    for n, ident in enumerate(ids + ids[:2]):
        body = {"id": ident, "poison": n == 5}
        kinesis.put_record(StreamName=stream, PartitionKey=ident, Data=json.dumps(body).encode())
    esm = result.one("lambda.EventSourceMapping")
    report = run_event_source_mapping(esm.id, handler, session_or_endpoint=mocks.session)
    assert report.records == 11 and report.failed_records == 1
    rows = ddb.scan(TableName=result.outputs["tableName"])["Items"]
    assert {row[_hash_key(result)]["S"] for row in rows} == set(ids) - {ids[5]}
    dlq = result.one("sqs.Queue").outputs["url"]
    (message,) = mocks.client("sqs").receive_message(QueueUrl=dlq, MaxNumberOfMessages=10)[
        "Messages"
    ]
    assert json.loads(message["Body"])["KinesisBatchInfo"]["batchSize"] == 1


def _hash_key(result: DeployResult) -> str:
    return str(result.one("dynamodb.Table").outputs["hashKey"])


def test_stream_records_reach_the_archive_bucket(deployed: Any) -> None:
    """What the API logs to the stream lands in the archive (Firehose pumped locally)."""
    pattern, mocks, result = deployed
    if not _has(pattern, "streaming"):
        assert not result.of_kind("kinesis.FirehoseDeliveryStream")
        return
    archive = result.one("kinesis.FirehoseDeliveryStream").outputs
    bucket = result.outputs["bucketNames"]["archive"]
    assert archive["extendedS3Configuration"]["bucketArn"] == f"arn:aws:s3:::{bucket}"
    logs = [{"request_id": f"req-{n}", "prediction": n / 10} for n in range(5)]
    for log in logs:
        mocks.client("kinesis").put_record(
            StreamName=result.outputs["streamName"],
            PartitionKey=log["request_id"],
            Data=(json.dumps(log) + "\n").encode(),
        )
    marks: dict[str, str] = {}
    assert deliver_kinesis_source(
        archive["name"], session_or_endpoint=mocks.session, checkpoints=marks
    ) >= len(logs)
    assert (
        deliver_kinesis_source(
            archive["name"], session_or_endpoint=mocks.session, checkpoints=marks
        )
        == 0
    )
    s3 = mocks.client("s3")
    prefix = archive["extendedS3Configuration"]["prefix"].split("!{", 1)[0]
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
    assert keys and all(k.startswith(prefix) for k in keys)
    text = b"".join(s3.get_object(Bucket=bucket, Key=k)["Body"].read() for k in keys).decode()
    # Firehose concatenates records as they are: other tests' records share the objects.
    archived = set(re.findall(r'"request_id": "(req-\d+)"', text))
    assert archived >= {log["request_id"] for log in logs}


def test_main_reads_config_and_deploys_into_moto_server(moto_server: str) -> None:
    """The generated project's entry point, config as in Pulumi.<stack>.yaml, moto over HTTP."""
    import boto3

    from archgen_stacks.program import main

    config = {
        "archgen:pattern": "streaming",
        "archgen:namePrefix": "svc-main",
        "archgen:consumerBatchSize": "7",
        "archgen:consumerMaxRetries": "0",
        "archgen:imageBuild": "false",  # no project (Dockerfile) here: the team pushes imageTag
    }
    result = deploy(lambda: main(APP), mocks=MotoMocks(moto_server), config=config)
    assert result.outputs["pattern"] == "streaming"
    session = boto3.Session(region_name="us-east-1")
    lam = session.client("lambda", endpoint_url=moto_server)
    esm = result.one("lambda.EventSourceMapping")
    mapping = lam.get_event_source_mapping(UUID=esm.id)
    assert (mapping["BatchSize"], mapping["MaximumRetryAttempts"]) == (7, 0)
    kinesis = session.client("kinesis", endpoint_url=moto_server)
    for n in range(10):
        kinesis.put_record(
            StreamName=result.outputs["streamName"],
            PartitionKey=str(n),
            Data=json.dumps({"n": n}).encode(),
        )
    sizes: list[int] = []

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        assert os.environ["PREDICTIONS_TABLE"] == result.outputs["tableName"]
        sizes.append(len(event["Records"]))
        return {"batchItemFailures": []}

    report = run_event_source_mapping(esm.id, handler, session_or_endpoint=moto_server)
    assert report.succeeded == 10 and sizes == [7, 3]


def test_private_subnets_egress_as_configured(deployed: Any) -> None:
    pattern, mocks, result = deployed
    if not result.of_kind("ec2.Vpc"):
        assert pattern == "streaming"
        return
    settings = SETTINGS[pattern]
    ec2 = mocks.client("ec2")
    vpc = result.one("ec2.Vpc").id
    tables = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["RouteTables"]
    defaults: dict[str, list[dict[str, Any]]] = {}
    for table in tables:
        routes = [r for r in table["Routes"] if r.get("DestinationCidrBlock") == "0.0.0.0/0"]
        for assoc in table.get("Associations", []):
            if assoc.get("SubnetId"):
                defaults[assoc["SubnetId"]] = routes
    subnets = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["Subnets"]
    assert set(defaults) == {s["SubnetId"] for s in subnets}  # every subnet has its table
    public = {
        s
        for s, routes in defaults.items()
        if any(r.get("GatewayId", "").startswith("igw-") for r in routes)
    }
    private = set(defaults) - public
    assert len(public) == len(private) == settings.availability_zones
    nats = {r.id for r in result.of_kind("ec2.NatGateway")}
    for subnet in private:
        routes = defaults[subnet]
        if settings.egress == "nat":
            assert [r.get("NatGatewayId") for r in routes] and routes[0]["NatGatewayId"] in nats
        else:
            assert routes == []
    endpoints = ec2.describe_vpc_endpoints(Filters=[{"Name": "vpc-id", "Values": [vpc]}])[
        "VpcEndpoints"
    ]
    if settings.egress == "endpoints":
        services = {e["ServiceName"].rsplit(".", 1)[-1] for e in endpoints}
        assert {"s3", "dynamodb"} <= services and len(endpoints) > 2
        for endpoint in endpoints:
            if endpoint["VpcEndpointType"] == "Interface":
                assert set(endpoint["SubnetIds"]) == private


def test_api_keys_secret_is_deployed_empty_encrypted_and_named_to_the_task(deployed: Any) -> None:
    """The API's task is told the secret that moto holds; a key put there is what it reads."""
    pattern, mocks, result = deployed
    if not _has(pattern, "realtime"):
        assert not result.of_kind("secretsmanager.Secret")
        return
    secret = result.one("secretsmanager.Secret").outputs
    assert result.outputs["apiKeysSecretArn"] == secret["arn"]
    secrets = mocks.client("secretsmanager")
    described = secrets.describe_secret(SecretId=secret["arn"])
    key = result.one("kms.Key").outputs
    assert described["KmsKeyId"] in (key["arn"], key["keyId"])
    assert "AWSCURRENT" not in str(described.get("VersionIdsToStages", {}))  # no value yet
    service = result.one("ecs.Service").outputs
    ecs = mocks.client("ecs")
    (svc,) = ecs.describe_services(cluster=service["cluster"], services=[service["name"]])[
        "services"
    ]
    task = ecs.describe_task_definition(taskDefinition=svc["taskDefinition"])["taskDefinition"]
    env = {e["name"]: e["value"] for e in task["containerDefinitions"][0].get("environment", [])}
    assert env["API_AUTH"] == "apiKey" and env["API_KEYS_SECRET_ID"] == secret["arn"]
    document = json.dumps({"keys": {"billing": "k" * 43}})
    secrets.put_secret_value(SecretId=env["API_KEYS_SECRET_ID"], SecretString=document)
    assert secrets.get_secret_value(SecretId=secret["arn"])["SecretString"] == document
    group = next(g for g in result.of_kind("cloudwatch.LogGroup") if g.name.endswith("-api-logs"))
    (metric,) = mocks.client("logs").describe_metric_filters(logGroupName=group.outputs["name"])[
        "metricFilters"
    ]
    assert metric["metricTransformations"][0]["metricName"] == "AuthFailures"


def test_the_retrain_schedule_runs_the_real_task_on_the_api_cluster(deployed: Any) -> None:
    pattern, mocks, result = deployed
    retrain = [
        s for s in result.of_kind("scheduler.Schedule") if s.name.endswith("-retrain-schedule")
    ]
    if not _has(pattern, "realtime"):
        assert retrain == []
        return
    (resource,) = retrain
    schedule = mocks.client("scheduler").get_schedule(Name=resource.outputs["name"])
    target = schedule["Target"]
    (cluster,) = (
        result.of_kind("ecs.Cluster")
        if pattern == "realtime"
        else [c for c in result.of_kind("ecs.Cluster") if "-api-" in c.name]
    )
    assert target["Arn"] == cluster.outputs["arn"]
    ecs = target["EcsParameters"]
    task = mocks.client("ecs").describe_task_definition(taskDefinition=ecs["TaskDefinitionArn"])
    container = task["taskDefinition"]["containerDefinitions"][0]
    assert container["command"] == ["python", "-m", "ai_service.online.retrain"]
    assert ecs["LaunchType"] == "FARGATE"
    assert ecs["NetworkConfiguration"]["awsvpcConfiguration"]["AssignPublicIp"] == "DISABLED"
    iam = mocks.client("iam")
    role = target["RoleArn"].rsplit("/", 1)[-1]
    (policy_name,) = iam.list_role_policies(RoleName=role)["PolicyNames"]
    document = iam.get_role_policy(RoleName=role, PolicyName=policy_name)["PolicyDocument"]
    document = json.loads(document) if isinstance(document, str) else document
    runs = [s for s in document["Statement"] if "ecs:RunTask" in s["Action"]]
    assert [s["Resource"] for s in runs] == [[ecs["TaskDefinitionArn"]]]


def test_the_built_image_is_in_ecr_under_the_tag_every_task_runs(deployed: Any) -> None:
    """Every ECS task and the stream consumer run the one image the deploy pushed."""
    pattern, mocks, result = deployed
    (image,) = result.of_kind("docker-build:index:Image")
    ecr, ecs, lam = mocks.client("ecr"), mocks.client("ecs"), mocks.client("lambda")
    uris = [
        ecs.describe_task_definition(taskDefinition=arn)["taskDefinition"]["containerDefinitions"][
            0
        ]["image"]
        for arn in ecs.list_task_definitions()["taskDefinitionArns"]
    ]
    functions = [
        lam.get_function(FunctionName=fn.outputs["name"])
        for fn in result.of_kind("lambda.Function")
    ]
    consumers = [f["Code"]["ImageUri"] for f in functions if "ImageUri" in f["Code"]]
    assert len(consumers) == (1 if _has(pattern, "streaming") else 0)
    uris += consumers
    assert uris and set(uris) == {result.outputs["imageUri"]}
    for uri in uris:
        repository, tag = uri.partition("/")[2].rsplit(":", 1)
        assert tag == "sha-" + image.outputs["contextHash"][:16]
        (found,) = ecr.describe_images(repositoryName=repository, imageIds=[{"imageTag": tag}])[
            "imageDetails"
        ]
        assert found["imageDigest"] == image.outputs["digest"]
        (pulled,) = ecr.batch_get_image(repositoryName=repository, imageIds=[{"imageTag": tag}])[
            "images"
        ]
        assert pulled["imageManifestMediaType"] == (
            "application/vnd.docker.distribution.manifest.v2+json"
        )
        manifest = json.loads(pulled["imageManifest"])
        assert manifest["config"]["digest"].startswith("sha256:")


def test_a_200_shard_batch_stack_deploys_its_distributed_map_in_strict_mode() -> None:
    settings = StackSettings(pattern="batch", score_parallelism=200)
    with moto_backend() as session:
        mocks = MotoMocks(session)  # strict: every input applied to moto or listed with a reason
        result = deploy(lambda: build(settings, APP), mocks=mocks)
        arn = result.outputs["stateMachineArn"]
        sfn = mocks.client("stepfunctions").describe_state_machine(stateMachineArn=arn)
        score = json.loads(sfn["definition"])["States"]["Score"]
        assert score["ItemProcessor"]["ProcessorConfig"] == {
            "Mode": "DISTRIBUTED",
            "ExecutionType": "STANDARD",
        }
        assert score["MaxConcurrency"] == 200
        assert score["ToleratedFailurePercentage"] == 0
        iam = mocks.client("iam")
        (grant,) = [p for p in result.of_kind("iam.RolePolicy") if "distributed-map" in p.name]
        role, name = grant.id.split(":", 1)
        assert iam.get_role(RoleName=role)["Role"]["Arn"] == sfn["roleArn"]
        doc = iam.get_role_policy(RoleName=role, PolicyName=name)["PolicyDocument"]
        doc = json.loads(doc) if isinstance(doc, str) else doc
        region, account = arn.split(":")[3:5]
        assert doc["Statement"] == [
            {"Effect": "Allow", "Action": ["states:StartExecution"], "Resource": [arn]},
            {
                "Effect": "Allow",
                "Action": ["states:DescribeExecution", "states:StopExecution"],
                "Resource": [
                    f"arn:aws:states:{region}:{account}:execution:{sfn['name']}/ScoreShards:*"
                ],
            },
        ]


def test_the_first_training_run_is_scheduled_once_ten_minutes_after_the_deploy(
    deployed: Any,
) -> None:
    pattern, mocks, result = deployed
    first = [s for s in result.of_kind("scheduler.Schedule") if s.name.endswith("-first-schedule")]
    if pattern == "streaming":
        assert first == []
        return
    (resource,) = first
    scheduler = mocks.client("scheduler")
    schedule = scheduler.get_schedule(Name=resource.outputs["name"])
    assert schedule["ScheduleExpression"] == "at(2027-01-01T00:08:01)"
    assert schedule["ScheduleExpressionTimezone"] == "UTC"
    assert schedule["ActionAfterCompletion"] == "NONE"
    # what trains the model, with the role of the recurring schedule that runs it
    recurring_name = "-retrain-schedule" if pattern == "realtime" else "-batch-schedule"
    (recurring,) = [
        s for s in result.of_kind("scheduler.Schedule") if s.name.endswith(recurring_name)
    ]
    runs = scheduler.get_schedule(Name=recurring.outputs["name"])["Target"]
    target = schedule["Target"]
    assert target["RoleArn"] == runs["RoleArn"]
    if pattern == "realtime":
        assert target["EcsParameters"] == runs["EcsParameters"]
        assert target["Arn"] == result.of_kind("ecs.Cluster")[0].outputs["arn"]
    else:
        assert target["Arn"] == result.outputs["stateMachineArn"]
