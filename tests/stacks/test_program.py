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

from .conftest import ACCOUNT, REGION

APP = AppArtifacts(package="credit")


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
    "batch": {"stateMachineArn", "repositoryUrl", "imageUri", "rawBucketName"},
    "realtime": {"apiUrl", "apiKeysSecretArn", "repositoryUrl", "imageUri", "rawBucketName"},
    "streaming": {"streamName", "tableName", "repositoryUrl", "imageUri"},
    "hybrid": {
        "apiUrl",
        "apiKeysSecretArn",
        "streamName",
        "stateMachineArn",
        "repositoryUrl",
        "imageUri",
        "rawBucketName",
        "tableName",
    },
}


@pytest.mark.parametrize("pattern", ["streaming", "hybrid"])
def test_the_stream_consumer_runs_the_stack_image_with_its_handler(mocked, pattern: str) -> None:
    run = mocked(lambda: build(settings(pattern, imageTag="t9", imageBuild="false"), APP))
    (repo,) = run.of("aws:ecr/repository:Repository")
    (fn,) = run.of("aws:lambda/function:Function")
    assert fn.inputs["packageType"] == "Image"
    assert fn.inputs["imageUri"] == f"{repo.outputs['repositoryUrl']}:t9"
    assert fn.inputs["architectures"] == ["x86_64"]
    assert fn.inputs["imageConfig"]["commands"] == ["credit.stream.handler.handler"]
    assert not {"runtime", "handler", "code"} & set(fn.inputs)


@pytest.mark.parametrize("pattern", ["streaming", "hybrid"])
def test_only_lambda_functions_of_this_account_and_region_may_pull_the_image(
    mocked, pattern: str
) -> None:
    """AWS's same-account statement for image functions (Lambda Developer Guide, "Amazon ECR
    permissions"): the Lambda service, the two pull actions, `aws:sourceArn` of this account."""
    run = mocked(lambda: build(settings(pattern), APP))
    (repo,) = run.of("aws:ecr/repository:Repository")
    (policy,) = run.of("aws:ecr/repositoryPolicy:RepositoryPolicy")
    assert policy.inputs["repository"] == repo.outputs["name"]
    (fn,) = run.of("aws:lambda/function:Function")
    assert run.depends_on[fn.name] == [policy.name]  # CreateFunction pulls the image
    (statement,) = json.loads(policy.inputs["policy"])["Statement"]
    assert statement["Effect"] == "Allow"
    assert statement["Principal"] == {"Service": "lambda.amazonaws.com"}
    assert sorted(statement["Action"]) == ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
    assert statement["Condition"] == {
        "StringLike": {"aws:sourceArn": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:*"}
    }


@pytest.mark.parametrize("pattern", ["batch", "realtime"])
def test_without_a_stream_consumer_the_repository_has_no_lambda_policy(
    mocked, pattern: str
) -> None:
    run = mocked(lambda: build(settings(pattern), APP))
    assert run.of("aws:ecr/repository:Repository")
    assert not run.of("aws:ecr/repositoryPolicy:RepositoryPolicy")


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
        imageBuild="false",
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


def test_app_artifacts_fill_gaps_from_config() -> None:
    s = settings("streaming", packageName="credit", imageTag="t9")
    app = AppArtifacts().resolve(s)
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


def test_main_reads_pulumi_config_and_builds(mocked) -> None:
    from archgen_stacks import program

    config = {
        "proj:pattern": "streaming",
        "proj:namePrefix": "fraud",
        "proj:packageName": "fraud",
        "proj:streamShards": "4",
        "proj:imageBuild": "false",  # no project (Dockerfile) here: the team pushes imageTag
    }
    run = mocked(program.main, config)
    assert run.of("aws:kinesis/stream:Stream")[0].inputs["shardCount"] == 4
    fn = run.of("aws:lambda/function:Function")[0].inputs
    assert fn["imageConfig"]["commands"] == ["fraud.stream.handler.handler"]
    assert run.outputs["pattern"] == "streaming"


def test_main_stops_with_a_message_when_the_image_is_not_one_lambda_runs(mocked) -> None:
    from archgen_stacks import program

    config = {"proj:pattern": "hybrid", "proj:imageUri": "docker.io/library/app:1"}
    with pytest.raises(pulumi.RunError, match="imageUri: 'docker.io/library/app:1' is not an ECR"):
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
