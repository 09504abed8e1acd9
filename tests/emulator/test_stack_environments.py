"""Each example's dev, staging and prod stacks deployed into one moto account and region,
through the project's own `infra/__main__.py` in strict mode: every stack deploys, no
physical name collides, all three stacks' resources are there afterwards, and prod's
differences (zones, NAT per zone, load-balancer deletion protection, log retention) reach
AWS."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml

from archgen_stacks.testing.emulator import DeployResult, MotoMocks
from archgen_stacks.testing.project import deploy_project, stack_config
from archgen_stacks.testing.pytest_plugin import offline_account

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
PROJECTS = sorted(p for p in EXAMPLES.iterdir() if (p / ".archgen.yaml").is_file())
STACKS = ("dev", "staging", "prod")


# kind -> how to read the physical name from the deploy, and what moto lists afterwards
LISTED: dict[str, tuple[str, Callable[[boto3.Session], set[str]]]] = {
    "sqs.Queue": (
        "name",
        lambda s: {u.rsplit("/", 1)[1] for u in s.client("sqs").list_queues().get("QueueUrls", [])},
    ),
    "dynamodb.Table": ("name", lambda s: set(s.client("dynamodb").list_tables()["TableNames"])),
    "lambda.Function": (
        "name",
        lambda s: {f["FunctionName"] for f in s.client("lambda").list_functions()["Functions"]},
    ),
    "kinesis.Stream": ("name", lambda s: set(s.client("kinesis").list_streams()["StreamNames"])),
    "ecs.Cluster": (
        "name",
        lambda s: {a.rsplit("/", 1)[1] for a in s.client("ecs").list_clusters()["clusterArns"]},
    ),
    "iam.Role": (
        "name",
        lambda s: {r["RoleName"] for r in s.client("iam").list_roles(MaxItems=1000)["Roles"]},
    ),
    "cloudwatch.MetricAlarm": (
        "name",
        lambda s: {
            a["AlarmName"]
            for a in s.client("cloudwatch").describe_alarms(MaxRecords=100)["MetricAlarms"]
        },
    ),
    "lb.LoadBalancer": (
        "name",
        lambda s: {
            b["LoadBalancerName"]
            for b in s.client("elbv2").describe_load_balancers()["LoadBalancers"]
        },
    ),
    "sfn.StateMachine": (
        "name",
        lambda s: {
            m["name"] for m in s.client("stepfunctions").list_state_machines()["stateMachines"]
        },
    ),
}


@pytest.fixture(scope="module", params=PROJECTS, ids=[p.name for p in PROJECTS])
def deployed(
    request: pytest.FixtureRequest,
) -> Iterator[tuple[Path, boto3.Session, dict[str, DeployResult]]]:
    project: Path = request.param
    infra = project / "infra"
    region = stack_config(infra, "dev")["aws:region"]
    with offline_account(region) as session:
        results = {
            stack: deploy_project(
                infra, mocks=MotoMocks(session, region=region, strict=True), stack=stack
            )
            for stack in STACKS
        }
        yield project, session, results


def test_every_stack_deploys_in_strict_mode(deployed: Any) -> None:
    project, _, results = deployed
    pattern = yaml.safe_load((project / ".archgen.yaml").read_text())["pattern"]
    for stack, result in results.items():
        assert result.outputs["pattern"] == pattern, stack
        assert len(result.resources) > 20, stack


def test_no_physical_name_is_shared_and_every_stack_is_still_there(deployed: Any) -> None:
    _, session, results = deployed
    checked = 0
    for kind, (key, listed) in LISTED.items():
        names = {
            stack: {r.outputs[key] for r in result.of_kind(kind)}
            for stack, result in results.items()
        }
        if not names["dev"]:
            continue
        checked += 1
        assert len(names["dev"]) == len(names["prod"]) > 0 or kind == "cloudwatch.MetricAlarm", kind
        assert not names["dev"] & names["prod"], kind
        assert not names["dev"] & names["staging"], kind
        assert not names["staging"] & names["prod"], kind
        present = listed(session)
        for stack, own in names.items():
            assert own <= present, (kind, stack, own - present)
    assert checked >= 4


def _config(project: Path, stack: str) -> dict[str, Any]:
    document = yaml.safe_load((project / "infra" / f"Pulumi.{stack}.yaml").read_text())
    prefix = f"{project.name}:"
    return {k[len(prefix) :]: v for k, v in document["config"].items() if k.startswith(prefix)}


def test_each_stack_gets_its_zones_and_a_nat_gateway_per_zone(deployed: Any) -> None:
    project, session, results = deployed
    ec2 = session.client("ec2")
    assert _config(project, "prod")["availabilityZones"] == 3
    if not results["prod"].of_kind("ec2.Vpc"):
        pytest.skip(f"{project.name} runs without a VPC (Lambda and managed services only)")
    for stack, result in results.items():
        config = _config(project, stack)
        (vpc,) = result.of_kind("ec2.Vpc")
        where = [{"Name": "vpc-id", "Values": [vpc.id]}]
        subnets = ec2.describe_subnets(Filters=where)["Subnets"]
        assert len({s["AvailabilityZone"] for s in subnets}) == config["availabilityZones"], stack
        nats = ec2.describe_nat_gateways(Filters=where)["NatGateways"]
        expected = config["availabilityZones"] if config.get("egress", "nat") == "nat" else 0
        assert len({n["SubnetId"] for n in nats}) == expected, stack


def test_prod_protects_its_load_balancer_and_keeps_logs_longer(deployed: Any) -> None:
    project, session, results = deployed
    logs = session.client("logs")
    retention = {
        g["logGroupName"]: g.get("retentionInDays")
        for g in logs.describe_log_groups(limit=50)["logGroups"]
    }
    assert _config(project, "prod")["logRetentionDays"] == 90
    assert _config(project, "prod")["lbDeletionProtection"] is True
    for stack, result in results.items():
        config = _config(project, stack)
        own = [r.outputs["name"] for r in result.of_kind("cloudwatch.LogGroup")]
        assert own, stack
        assert {retention[name] for name in own} == {config["logRetentionDays"]}, stack
        for lb in result.of_kind("lb.LoadBalancer"):
            attributes = session.client("elbv2").describe_load_balancer_attributes(
                LoadBalancerArn=lb.outputs["arn"]
            )["Attributes"]
            protected = {a["Key"]: a["Value"] for a in attributes}["deletion_protection.enabled"]
            wanted = bool(config.get("lbDeletionProtection", False))
            assert protected == str(wanted).lower(), stack
