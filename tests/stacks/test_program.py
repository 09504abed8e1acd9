"""The entry point: every pattern builds, config reaches resources, tags everywhere, exports."""

from __future__ import annotations

import inspect
import json
from typing import Any

import pulumi
import pulumi_aws as aws
import pytest

from archgen.stack_settings import PATTERNS, StackSettings
from archgen_stacks.common import PATTERN_TAG, PROJECT_TAG
from archgen_stacks.program import AppArtifacts, build

APP = AppArtifacts(package="credit", consumer_code="/nonexistent/consumer")


def aws_class(typ: str) -> type:
    """`aws:s3/bucket:Bucket` -> pulumi_aws.s3.Bucket."""
    module = typ.split(":")[1].split("/")[0]
    module = "lambda_" if module == "lambda" else module
    return getattr(getattr(aws, module), typ.split(":")[2])


def taggable(typ: str) -> bool:
    return "tags" in inspect.signature(aws_class(typ)._internal_init).parameters


def settings(pattern: str, **values: Any) -> StackSettings:
    return StackSettings.from_mapping({"pattern": pattern, "namePrefix": "credit", **values})


@pytest.mark.parametrize("pattern", PATTERNS)
def test_every_taggable_resource_carries_team_and_archgen_tags(mocked, pattern: str) -> None:
    s = settings(pattern, tags=json.dumps({"cost-center": "42"}))
    run = mocked(lambda: build(s, APP))
    checked = 0
    for res in run.resources:
        if not res.typ.startswith("aws:") or not taggable(res.typ):
            continue
        tags = res.inputs.get("tags") or {}
        assert tags.get("cost-center") == "42", res.name
        assert tags.get(PATTERN_TAG) == pattern, res.name
        assert tags.get(PROJECT_TAG) == "credit", res.name
        checked += 1
    assert checked > 10


@pytest.mark.parametrize("pattern", PATTERNS)
def test_every_resource_hangs_under_a_component(mocked, pattern: str) -> None:
    run = mocked(lambda: build(settings(pattern), APP))
    components = {n for n, t in run.types.items() if t.startswith("archgen:")}
    for res in run.resources:
        if res.typ.startswith("aws:"):
            assert run.parents.get(res.name) in components, res.name


EXPECTED_EXPORTS = {
    "batch": {"stateMachineArn", "repositoryUrl", "rawBucketName"},
    "realtime": {"apiUrl", "apiKeysSecretArn", "repositoryUrl", "rawBucketName"},
    "streaming": {"streamName", "tableName"},
    "hybrid": {
        "apiUrl",
        "apiKeysSecretArn",
        "streamName",
        "stateMachineArn",
        "repositoryUrl",
        "rawBucketName",
        "tableName",
    },
}


@pytest.mark.parametrize("pattern", PATTERNS)
def test_pattern_exports_what_a_user_needs_next(mocked, pattern: str) -> None:
    run = mocked(lambda: build(settings(pattern), APP))
    assert (
        set(run.outputs)
        == {"pattern", "bucketNames", "dashboardName", "alarmTopicArn"} | EXPECTED_EXPORTS[pattern]
    )
    assert set(run.outputs["bucketNames"]) == {
        "raw",
        "features",
        "models",
        "predictions",
        "archive",
    }
    if "rawBucketName" in run.outputs:
        assert run.outputs["rawBucketName"] == run.outputs["bucketNames"]["raw"]
    dashboard = run.of("aws:cloudwatch/dashboard:Dashboard")[0]
    assert run.outputs["dashboardName"] == dashboard.outputs["dashboardName"]
    body = json.loads(dashboard.inputs["dashboardBody"])
    assert body["widgets"]


def test_pattern_selects_components(mocked) -> None:
    streaming = mocked(lambda: build(settings("streaming"), APP))
    assert streaming.of("aws:ec2/vpc:Vpc") == []
    assert streaming.of("aws:ecs/service:Service") == []
    batch = mocked(lambda: build(settings("batch"), APP))
    assert batch.of("aws:kinesis/stream:Stream") == []
    assert batch.of("aws:lb/loadBalancer:LoadBalancer") == []
    assert len(batch.of("aws:sfn/stateMachine:StateMachine")) == 1


def test_config_values_reach_resources(mocked) -> None:
    s = settings(
        "hybrid",
        batchSchedule="cron(15 3 * * ? *)",
        apiMaxTasks="7",
        latencyTargetMs="150",
        streamShards="5",
        consumerBatchSize="333",
        logRetentionDays="90",
        scoreParallelism="2",
        imageTag="2024-05-01",
        availabilityTargetPct="99.0",
    )
    run = mocked(lambda: build(s, APP))
    schedules = {r.name: r.inputs for r in run.of("aws:scheduler/schedule:Schedule")}
    assert schedules["credit-hybrid-batch-schedule"]["scheduleExpression"] == "cron(15 3 * * ? *)"
    assert run.of("aws:appautoscaling/target:Target")[0].inputs["maxCapacity"] == 7
    assert run.named("credit-hybrid-api-latency-alarm").inputs["threshold"] == pytest.approx(0.15)
    assert run.named("credit-hybrid-api-burn-rate-alarm").inputs["threshold"] == pytest.approx(
        0.01 * 14.4
    )
    assert run.of("aws:kinesis/stream:Stream")[0].inputs["shardCount"] == 5
    assert run.of("aws:lambda/eventSourceMapping:EventSourceMapping")[0].inputs["batchSize"] == 333
    assert {g.inputs["retentionInDays"] for g in run.of("aws:cloudwatch/logGroup:LogGroup")} == {90}
    repo_url = run.of("aws:ecr/repository:Repository")[0].outputs["repositoryUrl"]
    api = json.loads(run.named("credit-hybrid-api-task").inputs["containerDefinitions"])[0]
    assert api["image"] == f"{repo_url}:2024-05-01"


def test_hybrid_api_logs_predictions_to_the_archived_stream(mocked) -> None:
    run = mocked(lambda: build(settings("hybrid"), APP))
    stream = run.of("aws:kinesis/stream:Stream")[0]
    api = json.loads(run.named("credit-hybrid-api-task").inputs["containerDefinitions"])[0]
    env = {e["name"]: e["value"] for e in api["environment"]}
    assert env["PREDICTION_LOG_STREAM"] == stream.outputs["name"]
    archive = run.of("aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream")[0].inputs
    assert archive["kinesisSourceConfiguration"]["kinesisStreamArn"] == stream.outputs["arn"]
    assert (
        archive["extendedS3Configuration"]["bucketArn"]
        == run.named("credit-lake-archive").outputs["arn"]
    )
    assert run.parents["credit-hybrid-api"] == "credit-hybrid"
    body = json.loads(run.of("aws:cloudwatch/dashboard:Dashboard")[0].inputs["dashboardBody"])
    metrics = [m for w in body["widgets"] for m in w["properties"]["metrics"]]
    assert ["AWS/Kinesis", "IncomingRecords", "StreamName", stream.outputs["name"]] in metrics
    alb = run.of("aws:lb/loadBalancer:LoadBalancer")[0].outputs["arnSuffix"]
    assert ["AWS/ApplicationELB", "RequestCount", "LoadBalancer", alb] in metrics
    machine = run.of("aws:sfn/stateMachine:StateMachine")[0].outputs["arn"]
    assert ["AWS/States", "ExecutionsFailed", "StateMachineArn", machine] in metrics
    assert {w["properties"]["region"] for w in body["widgets"]} == {"eu-west-1"}
    assert run.parents["credit-hybrid-batch"] == "credit-hybrid"


def test_existing_key_and_image_are_used_instead_of_created(mocked) -> None:
    mine = "arn:aws:kms:eu-west-1:1:key/mine"
    s = settings("realtime", kmsKeyArn=mine)
    app = AppArtifacts(package="credit", image_uri="registry.example/credit:1")
    run = mocked(lambda: build(s, app))
    assert run.of("aws:ecr/repository:Repository") == []
    api = json.loads(
        run.of("aws:ecs/taskDefinition:TaskDefinition")[0].inputs["containerDefinitions"]
    )[0]
    assert api["image"] == "registry.example/credit:1"
    encryption = run.of(
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
    )
    keys = {
        rule["applyServerSideEncryptionByDefault"].get("kmsMasterKeyId")
        for r in encryption
        for rule in r.inputs["rules"]
    }
    assert keys == {mine, None}  # None: the access-log bucket, which S3 log delivery needs


def test_an_existing_key_keeps_logs_and_alarms_on_a_key_that_grants_them(mocked) -> None:
    """A team's key has a policy archgen cannot see: CloudWatch Logs and alarms would be
    refused. They get archgen's own key, whose policy grants exactly them."""
    s = settings("realtime", kmsKeyArn="arn:aws:kms:eu-west-1:1:key/mine")
    run = mocked(lambda: build(s, AppArtifacts(package="credit", image_uri="r/credit:1")))
    [key] = run.of("aws:kms/key:Key")
    [alias] = run.of("aws:kms/alias:Alias")
    assert alias.inputs["namePrefix"].endswith("-logs-")
    sids = {st.get("Sid") for st in json.loads(key.inputs["policy"])["Statement"]}
    assert {"CloudWatchLogsEncrypt", "AlarmsPublishToEncryptedTopic"} <= sids
    own = key.outputs["arn"]
    assert {t.inputs["kmsMasterKeyId"] for t in run.of("aws:sns/topic:Topic")} == {own}
    groups = run.of("aws:cloudwatch/logGroup:LogGroup")
    assert groups and {g.inputs["kmsKeyId"] for g in groups} == {own}


def test_bad_config_names_the_key() -> None:
    with pytest.raises(ValueError, match="apiMinTasks"):
        settings("realtime", apiMinTasks="9", apiMaxTasks="3")


def test_main_turns_bad_config_into_a_run_error(monkeypatch) -> None:
    from archgen_stacks import program

    class Config:
        def __init__(self, name: str | None = None) -> None:
            self.values = {"region": "eu-west-1"} if name == "aws" else {"pattern": "nonsense"}

        def get(self, key: str) -> str | None:
            return self.values.get(key)

    monkeypatch.setattr(program.pulumi, "Config", Config)
    with pytest.raises(pulumi.RunError, match="pattern"):
        program.main()


def test_app_artifacts_fill_gaps_from_config_and_resolve_relative_code(tmp_path) -> None:
    s = settings("streaming", packageName="credit", consumerCodePath="../build/c", imageTag="t9")
    app = AppArtifacts().resolve(s, tmp_path)
    assert app.consumer_code == str(tmp_path / "../build/c")
    assert app.handler == "credit.stream.handler.handler"
    assert app.image_tag == "t9"
    given = AppArtifacts(package="other", consumer_handler="other.h.handler").resolve(s)
    assert (given.package, given.handler) == ("other", "other.h.handler")


def test_existing_vpc_is_used_instead_of_a_new_one(mocked) -> None:
    s = settings(
        "hybrid",
        existingVpcId="vpc-0abc",
        existingPrivateSubnetIds="subnet-p1, subnet-p2",
        existingPublicSubnetIds="subnet-u1,subnet-u2",
    )
    run = mocked(lambda: build(s, APP))
    assert run.of("aws:ec2/vpc:Vpc") == [] and run.of("aws:ec2/subnet:Subnet") == []
    service = run.of("aws:ecs/service:Service")[0].inputs["networkConfiguration"]
    assert service["subnets"] == ["subnet-p1", "subnet-p2"]
    # without a certificate the API is internal: its load balancer sits in the private subnets
    assert run.of("aws:lb/loadBalancer:LoadBalancer")[0].inputs["subnets"] == [
        "subnet-p1",
        "subnet-p2",
    ]
    machine = json.loads(run.of("aws:sfn/stateMachine:StateMachine")[0].inputs["definition"])
    vpc = machine["States"]["Train"]["Parameters"]["NetworkConfiguration"]["AwsvpcConfiguration"]
    assert vpc["Subnets"] == ["subnet-p1", "subnet-p2"]
    assert {g.inputs["vpcId"] for g in run.of("aws:ec2/securityGroup:SecurityGroup")} == {
        "vpc-0abc"
    }


def test_existing_vpc_needs_two_private_subnets() -> None:
    with pytest.raises(ValueError, match="existingPrivateSubnetIds"):
        settings("batch", existingVpcId="vpc-1", existingPrivateSubnetIds="subnet-1")
    with pytest.raises(ValueError, match="existingPublicSubnetIds"):
        settings(
            "realtime", existingVpcId="vpc-1", existingPrivateSubnetIds="a,b", publicHttp="true"
        )
    internal = settings("realtime", existingVpcId="vpc-1", existingPrivateSubnetIds="a,b")
    assert internal.existing_public_subnet_ids == ""  # an internal API needs no public subnet
    assert settings("batch", existingVpcId="vpc-1", existingPrivateSubnetIds="a,b").existing_vpc_id


def test_main_reads_pulumi_config_and_builds(mocked, tmp_path) -> None:
    from archgen_stacks import program

    (tmp_path / "consumer").mkdir()
    config = {
        "proj:pattern": "streaming",
        "proj:namePrefix": "fraud",
        "proj:packageName": "fraud",
        "proj:consumerCodePath": str(tmp_path / "consumer"),
        "proj:streamShards": "4",
    }
    run = mocked(program.main, config)
    assert run.of("aws:kinesis/stream:Stream")[0].inputs["shardCount"] == 4
    fn = run.of("aws:lambda/function:Function")[0].inputs
    assert fn["handler"] == "fraud.stream.handler.handler"
    assert run.outputs["pattern"] == "streaming"


def test_main_stops_with_a_message_when_consumer_code_is_missing(mocked, tmp_path) -> None:
    from archgen_stacks import program

    config = {"proj:pattern": "hybrid", "proj:consumerCodePath": str(tmp_path / "absent")}
    with pytest.raises(pulumi.RunError, match="consumerCodePath"):
        mocked(program.main, config)


@pytest.mark.parametrize("pattern", PATTERNS)
def test_every_pattern_also_builds_in_preview(mocked, pattern: str) -> None:
    run = mocked(lambda: build(settings(pattern), APP), None, True)
    assert run.of("aws:s3/bucket:Bucket")
    assert set(run.outputs) >= {"bucketNames", "dashboardName"}


@pytest.mark.parametrize("pattern", ["batch", "realtime", "hybrid"])
def test_every_container_has_a_read_only_root_and_one_writable_scratch_volume(
    mocked, pattern: str
) -> None:
    run = mocked(lambda: build(settings(pattern), APP))
    tasks = run.of("aws:ecs/taskDefinition:TaskDefinition")
    assert tasks
    for task in tasks:
        volumes = {v["name"] for v in task.inputs["volumes"]}
        for container in json.loads(task.inputs["containerDefinitions"]):
            assert container["readonlyRootFilesystem"] is True
            mounts = container["mountPoints"]
            assert [m["containerPath"] for m in mounts] == ["/tmp"]
            assert {m["sourceVolume"] for m in mounts} <= volumes
            env = {e["name"]: e["value"] for e in container["environment"]}
            assert env["TMPDIR"] == "/tmp"
