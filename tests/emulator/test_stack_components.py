"""The project's own stack components (stacks/*.py), deployed into moto and checked with boto3."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pulumi
import pytest
from emulator_support import moto_backend

from archgen_stacks.batch import RUNS_PREFIX, TRAINING_PREFIX, BatchPipeline, BatchPipelineArgs
from archgen_stacks.common import StackKey, StackKeyArgs
from archgen_stacks.datalake import DataLake, DataLakeArgs
from archgen_stacks.edge import MANAGED_RULE_GROUPS, AccessLogs
from archgen_stacks.monitoring import AlarmTopic, AlarmTopicArgs
from archgen_stacks.network import Network, NetworkArgs
from archgen_stacks.realtime import RealtimeApi, RealtimeApiArgs
from archgen_stacks.testing.emulator import (
    DeployResult,
    MotoMocks,
    deploy,
    run_state_machine,
    stub_task_states,
)

IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/ai-service:1"


def _program() -> None:
    key = StackKey("key", StackKeyArgs(alias="ai-service"))
    lake = DataLake(
        "lake", DataLakeArgs(kms_key_arn=key.arn, force_destroy=True, lb_log_prefixes=("lb/api",))
    )
    net = Network("net", NetworkArgs())
    topic = AlarmTopic("alarms", AlarmTopicArgs(kms_key_arn=key.arn, alarm_email="ops@example.com"))
    batch = BatchPipeline(
        "batch",
        BatchPipelineArgs(
            raw=lake.ref("raw"),
            models=lake.ref("models"),
            predictions=lake.ref("predictions"),
            kms_key_arn=key.arn,
            alarm_topic_arn=topic.arn,
            image=IMAGE,
            package="ai_service",
            subnet_ids=net.private_subnet_ids,
            vpc_id=net.vpc_id,
            metric_threshold=0.7,
        ),
    )
    api = RealtimeApi(
        "api",
        RealtimeApiArgs(
            vpc_id=net.vpc_id,
            public_subnet_ids=net.public_subnet_ids,
            private_subnet_ids=net.private_subnet_ids,
            image=IMAGE,
            package="ai_service",
            models=lake.ref("models"),
            kms_key_arn=key.arn,
            alarm_topic_arn=topic.arn,
            public_http=True,  # the public path, with its internet-facing listener
            access_logs=AccessLogs(lake.log_bucket_ready, "lb/api"),
        ),
    )
    pulumi.export("buckets", lake.bucket_names)
    pulumi.export("stateMachineArn", batch.state_machine_arn)
    pulumi.export("topicArn", topic.arn)
    pulumi.export("url", api.url)
    pulumi.export("privateSubnets", net.private_subnet_ids)
    pulumi.export("keyArn", key.arn)


@pytest.fixture(scope="module")
def stack() -> Iterator[tuple[MotoMocks, DeployResult]]:
    with moto_backend() as session:
        mocks = MotoMocks(session)
        yield mocks, deploy(_program, mocks=mocks)


def test_outputs_resolve(stack: Any) -> None:
    _, result = stack
    assert set(result.outputs["buckets"]) >= {"raw", "models", "predictions", "archive"}
    assert result.outputs["url"].startswith("http://") and ".elb." in result.outputs["url"]
    assert len(result.outputs["privateSubnets"]) == 2


def test_lake_buckets_use_the_stack_key_and_log_to_the_log_bucket(stack: Any) -> None:
    mocks, result = stack
    s3 = mocks.client("s3")
    for bucket in result.outputs["buckets"].values():
        rule = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"][
            "Rules"
        ][0]["ApplyServerSideEncryptionByDefault"]
        assert rule["KMSMasterKeyID"] == result.outputs["keyArn"]
        assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
        target = s3.get_bucket_logging(Bucket=bucket)["LoggingEnabled"]["TargetBucket"]
        s3.head_bucket(Bucket=target)
    # The TLS-only Deny names each bucket; moto holds each policy as written.
    policies = [p for p in result.of_kind("s3.BucketPolicy")]
    for bucket in result.outputs["buckets"].values():
        (policy,) = [
            json.loads(p.outputs["policy"]) for p in policies if p.outputs["bucket"] == bucket
        ]
        (deny,) = [st for st in policy["Statement"] if st["Effect"] == "Deny"]
        assert f"arn:aws:s3:::{bucket}" in _list(deny["Resource"])
        assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
        assert json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"]) == policy


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def test_service_sits_behind_the_listener_in_private_subnets(stack: Any) -> None:
    mocks, result = stack
    api = result.one("archgen:realtime:RealtimeApi")
    assert api.name == "api"
    service = result.one("ecs.Service")
    (svc,) = mocks.client("ecs").describe_services(
        cluster=service.outputs["cluster"], services=[service.outputs["name"]]
    )["services"]
    tg_arn = svc["loadBalancers"][0]["targetGroupArn"]
    assert tg_arn == result.one("lb.TargetGroup").outputs["arn"]
    lb_arn = result.one("lb.LoadBalancer").outputs["arn"]
    actions = [
        a
        for lst in mocks.client("elbv2").describe_listeners(LoadBalancerArn=lb_arn)["Listeners"]
        for a in lst["DefaultActions"]
    ]
    assert tg_arn in {a.get("TargetGroupArn") for a in actions}
    net = svc["networkConfiguration"]["awsvpcConfiguration"]
    assert set(net["subnets"]) == set(result.outputs["privateSubnets"])
    assert net["assignPublicIp"] == "DISABLED"


def test_autoscaling_and_alarms_name_the_real_resources(stack: Any) -> None:
    mocks, result = stack
    service = result.one("ecs.Service").outputs
    cluster_name = service["cluster"].rsplit("/", 1)[-1]
    (target,) = mocks.client("application-autoscaling").describe_scalable_targets(
        ServiceNamespace="ecs"
    )["ScalableTargets"]
    assert target["ResourceId"] == f"service/{cluster_name}/{service['name']}"
    lb_suffix = result.one("lb.LoadBalancer").outputs["arnSuffix"]
    names = [a.outputs["name"] for a in result.of_kind("cloudwatch.MetricAlarm")]
    alarms = mocks.client("cloudwatch").describe_alarms(AlarmNames=names)["MetricAlarms"]
    assert alarms and len(alarms) == len(names)  # the stack's own, not target tracking's
    topic = result.outputs["topicArn"]
    for alarm in alarms:
        assert topic in alarm["AlarmActions"], alarm["AlarmName"]
    lb_dims = [d["Value"] for a in alarms for d in a["Dimensions"] if d["Name"] == "LoadBalancer"]
    lb_dims += [
        d["Value"]
        for a in alarms
        for q in a.get("Metrics", [])
        for d in q.get("MetricStat", {}).get("Metric", {}).get("Dimensions", [])
        if d["Name"] == "LoadBalancer"
    ]
    assert lb_dims and set(lb_dims) == {lb_suffix}


def test_schedule_starts_the_state_machine(stack: Any) -> None:
    mocks, result = stack
    name = result.one("scheduler.Schedule").outputs["name"]
    schedule = mocks.client("scheduler").get_schedule(Name=name)
    assert schedule["Target"]["Arn"] == result.outputs["stateMachineArn"]


def test_task_roles_name_the_real_bucket_arns(stack: Any) -> None:
    mocks, result = stack
    iam = mocks.client("iam")
    buckets = {f"arn:aws:s3:::{b}" for b in result.outputs["buckets"].values()}
    named: set[str] = set()
    for policy in result.of_kind("iam.RolePolicy"):
        role, name = policy.id.split(":", 1)
        doc = iam.get_role_policy(RoleName=role, PolicyName=name)["PolicyDocument"]
        doc = json.loads(doc) if isinstance(doc, str) else doc
        for st in doc["Statement"]:
            for res in _list(st.get("Resource", [])):
                if res.startswith("arn:aws:s3:::"):
                    assert res.split("/", 1)[0] in buckets, res
                    named.add(res.split("/", 1)[0])
    assert named, "some role reads or writes the lake"


def _batch_definition(mocks: MotoMocks, result: DeployResult) -> tuple[dict[str, Any], str]:
    desc = mocks.client("stepfunctions").describe_state_machine(
        stateMachineArn=result.outputs["stateMachineArn"]
    )
    return json.loads(desc["definition"]), desc["roleArn"]


def test_definition_names_a_cluster_task_and_topic_that_exist(stack: Any) -> None:
    mocks, result = stack
    definition, _ = _batch_definition(mocks, result)
    ecs = mocks.client("ecs")
    for state in definition["States"].values():
        params = state.get("Parameters", {})
        if "TaskDefinition" in params:
            (cluster,) = ecs.describe_clusters(clusters=[params["Cluster"]])["clusters"]
            assert cluster["status"] == "ACTIVE"
            ecs.describe_task_definition(taskDefinition=params["TaskDefinition"])
        if "TopicArn" in params:
            assert params["TopicArn"] == result.outputs["topicArn"]


def test_batch_run_trains_gates_and_publishes(stack: Any) -> None:
    """Real SDK states run in moto; ECS train/score states are Pass stubs (see stub_task_states)."""
    mocks, result = stack
    definition, role = _batch_definition(mocks, result)
    buckets = result.outputs["buckets"]
    s3 = mocks.client("s3")
    s3.put_object(Bucket=buckets["raw"], Key=f"{TRAINING_PREFIX}part-0.csv", Body=b"x,y\n1,0\n")
    # Evaluate is stubbed with what it reads: moto's s3:getObject task returns Body
    # as a stream, which States.StringToJson cannot parse.
    stubbed = stub_task_states(definition, {"Evaluate": {"model": {"metric": 0.91}}})
    run = run_state_machine(mocks, stubbed, role_arn=role, name="v-good")
    assert run.status == "SUCCEEDED", run
    assert run.states[:4] == ["Validate", "HasTrainingData", "Train", "Evaluate"]
    assert "Score" in run.states and run.states[-1] == "Done"
    record = s3.get_object(Bucket=buckets["predictions"], Key=f"{RUNS_PREFIX}v-good.json")[
        "Body"
    ].read()
    assert json.loads(record)["metric"] == 0.91


def test_batch_run_below_threshold_is_not_scored(stack: Any) -> None:
    mocks, result = stack
    definition, role = _batch_definition(mocks, result)
    buckets = result.outputs["buckets"]
    s3 = mocks.client("s3")
    s3.put_object(Bucket=buckets["raw"], Key=f"{TRAINING_PREFIX}part-0.csv", Body=b"x,y\n1,0\n")
    stubbed = stub_task_states(definition, {"Evaluate": {"model": {"metric": 0.5}}})
    run = run_state_machine(mocks, stubbed, role_arn=role, name="v-weak")
    assert run.status == "SUCCEEDED"
    assert "Score" not in run.states and "NotifyNotPromoted" in run.states


def test_batch_training_failure_notifies_and_fails(stack: Any) -> None:
    mocks, result = stack
    definition, role = _batch_definition(mocks, result)
    s3 = mocks.client("s3")
    s3.put_object(
        Bucket=result.outputs["buckets"]["raw"], Key=f"{TRAINING_PREFIX}part-0.csv", Body=b"x"
    )
    run = run_state_machine(mocks, stub_task_states(definition, fail={"Train"}), role_arn=role)
    assert (run.status, run.error) == ("FAILED", "BatchRunFailed")
    assert run.states[-2:] == ["NotifyFailure", "Failed"]


def test_the_public_load_balancer_logs_and_sits_behind_its_web_acl(stack: Any) -> None:
    mocks, result = stack
    lb_arn = result.one("lb.LoadBalancer").outputs["arn"]
    attrs = {
        a["Key"]: a["Value"]
        for a in mocks.client("elbv2").describe_load_balancer_attributes(LoadBalancerArn=lb_arn)[
            "Attributes"
        ]
    }
    assert attrs["access_logs.s3.enabled"] == "true"
    assert attrs["access_logs.s3.prefix"] == "lb/api"
    assert attrs["deletion_protection.enabled"] == "false"
    policy = mocks.client("s3").get_bucket_policy(Bucket=attrs["access_logs.s3.bucket"])["Policy"]
    assert "LoadBalancerAccessLogsLbApi" in policy and "127311923021" in policy
    waf = mocks.client("wafv2")
    acl = waf.get_web_acl_for_resource(ResourceArn=lb_arn)["WebACL"]
    groups = [
        r["Statement"]["ManagedRuleGroupStatement"]["Name"]
        for r in acl["Rules"]
        if "ManagedRuleGroupStatement" in r["Statement"]
    ]
    assert groups == list(MANAGED_RULE_GROUPS)
    (rate,) = [r for r in acl["Rules"] if "RateBasedStatement" in r["Statement"]]
    assert rate["Statement"]["RateBasedStatement"]["Limit"] == 2000
    logging = waf.get_logging_configuration(ResourceArn=acl["ARN"])["LoggingConfiguration"]
    (destination,) = logging["LogDestinationConfigs"]
    assert ":log-group:aws-waf-logs-" in destination


def test_the_state_machine_is_traced(stack: Any) -> None:
    mocks, result = stack
    arn = result.outputs["stateMachineArn"]
    machine = mocks.client("stepfunctions").describe_state_machine(stateMachineArn=arn)
    assert machine["tracingConfiguration"] == {"enabled": True}
