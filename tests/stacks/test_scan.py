"""`archgen scan`: the Pulumi graph as a Terraform plan, checkov over it, accepted checks.

The oracle is checkov itself (nobody here wrote it): its list of the Terraform
types it has rules for checks the type mapping, and each weakened resource
must fail the checkov rule that guards it while its unmutated original passes
the same rule.
"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
from typing import Any

import pytest

from archgen.errors import ScanError, UsageError
from archgen.stack_settings import PATTERNS, StackSettings
from archgen_stacks.policy import ResourceView, check_resource
from archgen_stacks.pricing import Resource, registered
from archgen_stacks.program import AppArtifacts, build
from archgen_stacks.scan import accepted, policy_findings, scan_resources, terraform_type, to_plan
from archgen_stacks.scan.runner import Finding
from archgen_stacks.scan.tfplan import NOT_SCANNED

from .conftest import EXISTING_VPC

APP = AppArtifacts(package="credit")
CERT = "arn:aws:acm:eu-west-1:123456789012:certificate/abc"
VARIANTS: dict[str, dict[str, str]] = {
    "https": {"certificateArn": CERT},
    "endpoints": {"egress": "endpoints"},
    "existing-vpc": EXISTING_VPC,
    "byo-key": {"kmsKeyArn": "arn:aws:kms:eu-west-1:123456789012:key/mine"},
}
CASES = [(p, "default") for p in PATTERNS] + [("hybrid", v) for v in VARIANTS]


def graph(pattern: str, variant: str = "default", **config: Any) -> list[Resource]:
    values = {"pattern": pattern, "namePrefix": "credit", **VARIANTS.get(variant, {}), **config}
    settings = StackSettings.from_mapping(values)
    return registered(lambda: build(settings, APP), region="eu-west-1")


@pytest.fixture(scope="session")
def checkov_types(checkov: str) -> set[str]:
    """Every Terraform resource type checkov has a rule for (`checkov --list`)."""
    listed = subprocess.run(
        [checkov, "--list", "--framework", "terraform"],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "CKV_SKIP_PACKAGE_UPDATE_CHECK": "true"},
    ).stdout
    types = set()
    for line in listed.splitlines():
        cols = [c.strip() for c in line.split("|")]
        if len(cols) > 4 and cols[3] == "resource":
            types.add(cols[4])
    assert "aws_s3_bucket" in types
    return types


@pytest.mark.parametrize(("pattern", "variant"), CASES)
def test_every_registered_type_converts_to_a_type_checkov_knows(
    pattern: str, variant: str, checkov_types: set[str]
) -> None:
    resources = graph(pattern, variant)
    plan, entries = to_plan(resources)
    types = {r["type"] for r in plan["planned_values"]["root_module"]["resources"]}
    assert types <= checkov_types, sorted(types - checkov_types)
    scanned = [r for r in resources if not r.is_component and r.typ not in NOT_SCANNED]
    assert len(entries) == len(scanned)


@pytest.mark.parametrize(("pattern", "variant"), CASES)
def test_every_token_maps_and_addresses_are_unique(pattern: str, variant: str) -> None:
    plan, entries = to_plan(graph(pattern, variant))
    addresses = [e.address for e in entries]
    assert len(addresses) == len(set(addresses))
    configured = plan["configuration"]["root_module"]["resources"]
    assert [r["address"] for r in configured] == addresses


def test_the_image_build_is_left_out_of_the_plan_on_purpose() -> None:
    resources = graph("batch", "default")
    assert "docker-build:index:Image" in {r.typ for r in resources}
    plan, entries = to_plan(resources)
    assert not [e for e in entries if e.resource.typ in NOT_SCANNED]
    assert NOT_SCANNED["docker-build:index:Image"].strip()


def test_the_type_rule_and_its_exceptions() -> None:
    assert terraform_type("aws:ecs/service:Service") == "aws_ecs_service"
    assert terraform_type("aws:ec2/vpc:Vpc") == "aws_vpc"
    assert terraform_type("aws:ec2/securityGroupRule:SecurityGroupRule") == (
        "aws_security_group_rule"
    )
    assert terraform_type("aws:lb/loadBalancer:LoadBalancer") == "aws_lb"
    assert terraform_type("aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream") == (
        "aws_kinesis_firehose_delivery_stream"
    )
    assert terraform_type("aws:lambda/eventSourceMapping:EventSourceMapping") == (
        "aws_lambda_event_source_mapping"
    )


def test_an_unmapped_token_is_an_error_that_lists_it() -> None:
    odd = [
        Resource("aws:rds/instance:Instance", "db", None, {}),
        Resource("aws:glue/job:Job", "job", None, {}),
        Resource("aws:s3/bucket:Bucket", "b", None, {}),
    ]
    with pytest.raises(
        ScanError, match=r"2 type\(s\): aws:glue/job:Job, aws:rds/instance:Instance"
    ):
        to_plan(odd)


def values_of(plan: dict[str, Any], address: str) -> tuple[dict[str, Any], dict[str, Any]]:
    planned = plan["planned_values"]["root_module"]["resources"]
    configured = plan["configuration"]["root_module"]["resources"]
    v = next(r["values"] for r in planned if r["address"] == address)
    e = next(r["expressions"] for r in configured if r["address"] == address)
    return v, e


def test_blocks_names_and_references_take_terraform_s_shape() -> None:
    plan, entries = to_plan(graph("hybrid"))
    sse = next(e.address for e in entries if e.address.endswith("lake-raw-sse"))
    values, expressions = values_of(plan, sse)
    assert expressions["bucket"]["references"] == [
        "aws_s3_bucket.credit-lake-raw.id",
        "aws_s3_bucket.credit-lake-raw",
    ]
    assert "bucket" not in values  # unknown until apply, as in a real plan
    (rule,) = values["rule"]
    (default,) = rule["apply_server_side_encryption_by_default"]
    assert default["sse_algorithm"] == "aws:kms"
    ref = expressions["rule"][0]["apply_server_side_encryption_by_default"][0]
    assert ref["kms_master_key_id"]["references"][0].startswith("aws_kms_key.")
    bucket, _ = values_of(plan, "aws_s3_bucket.credit-lake-raw")
    assert bucket["tags"]["archgen:pattern"] == "hybrid"  # a map keeps its keys
    named = Resource("aws:lambda/function:Function", "fn", None, {"name": "score", "code": APP})
    assert values_of(to_plan([named])[0], "aws_lambda_function.fn")[0] == {"function_name": "score"}


def weaken(resources: list[Resource]) -> tuple[list[Resource], dict[str, tuple[str, str]]]:
    """Copies of real resources, each weakened once: mutant name -> (check id, original)."""
    by_type: dict[str, Resource] = {}
    for r in resources:
        by_type.setdefault(r.typ, r)
    sg = by_type["aws:ec2/securityGroup:SecurityGroup"]
    mutants: dict[str, tuple[str, str]] = {}
    added: list[Resource] = []

    def mutant(typ: str, check: str, change: dict[str, Any], drop: tuple[str, ...] = ()) -> None:
        original = by_type[typ]
        inputs = {k: v for k, v in original.inputs.items() if k not in drop and k != "arn"}
        name = f"mutant-{check.lower()}"
        added.append(
            dataclasses.replace(
                original, name=name, inputs={**inputs, **change}, outputs={"id": f"{name}-id"}
            )
        )
        mutants[name] = (check, original.name)

    wildcard = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*"}]}
    wildcard["Statement"][0]["Resource"] = "*"
    mutant("aws:s3/bucket:Bucket", "CKV2_AWS_6", {})  # no public-access block refers to it
    mutant("aws:iam/rolePolicy:RolePolicy", "CKV_AWS_63", {"policy": json.dumps(wildcard)})
    mutant("aws:kinesis/stream:Stream", "CKV_AWS_43", {}, drop=("encryptionType", "kmsKeyId"))
    service = by_type["aws:ecs/service:Service"]
    network = {**service.inputs["networkConfiguration"], "assignPublicIp": True}
    mutant("aws:ecs/service:Service", "CKV_AWS_333", {"networkConfiguration": network})
    mutant("aws:dynamodb/table:Table", "CKV_AWS_28", {}, drop=("pointInTimeRecovery",))
    ssh = {
        "type": "ingress",
        "fromPort": 22,
        "toPort": 22,
        "protocol": "tcp",
        "cidrBlocks": ["0.0.0.0/0"],
        "securityGroupId": sg.outputs["id"],
    }
    mutant("aws:ec2/securityGroupRule:SecurityGroupRule", "CKV_AWS_24", ssh)
    pab = by_type["aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"]
    # the weak block guards the mutant bucket, so the original bucket keeps its strong one
    weak = {"blockPublicAcls": False, "bucket": "mutant-ckv2_aws_6-id"}
    mutant(pab.typ, "CKV_AWS_53", weak)
    return resources + added, mutants


def test_each_weakened_resource_fails_its_rule_and_the_original_passes(checkov: str) -> None:
    resources, mutants = weaken(graph("hybrid", "https"))
    checks = sorted({check for check, _ in mutants.values()})
    found = scan_resources(resources, checks=checks)
    failed = {(f.check_id, f.resource) for f in found.failed}
    passed = {(f.check_id, f.resource) for f in found.passed}
    for name, (check, original) in mutants.items():
        assert (check, name) in failed, f"{check} did not catch {name}"
        assert (check, original) in passed, f"{check} does not pass on {original}"
    assert not failed - {(check, name) for name, (check, _) in mutants.items()}


def test_with_a_certificate_the_api_passes_the_listener_rules(checkov: str) -> None:
    tls = ["CKV_AWS_2", "CKV_AWS_103", "CKV2_AWS_20"]
    https = scan_resources(graph("hybrid", "https"), checks=tls)
    assert not https.failed and https.passed
    plain = scan_resources(graph("hybrid"), checks=tls)
    assert {f.check_id for f in plain.failed} == set(tls)


def test_the_accepted_file_needs_a_reason_and_reports_what_is_stale() -> None:
    with pytest.raises(UsageError, match="needs a `reason`"):
        accepted.parse([{"check_id": "CKV_AWS_1", "reason": " "}], "f")
    with pytest.raises(UsageError, match="unknown key 'why'"):
        accepted.parse([{"check_id": "CKV_AWS_1", "why": "x"}], "f")
    with pytest.raises(UsageError, match="expected a list"):
        accepted.parse({"check_id": "CKV_AWS_1"}, "f")
    entries = accepted.parse(
        [
            {"check_id": "CKV_AWS_2", "resource": "*-http", "reason": "internal"},
            {"check_id": "CKV_AWS_9", "reason": "never fails"},
        ],
        "f",
    )
    hit = Finding("CKV_AWS_2", "", "x-api-http", "x-api", "aws_lb_listener.x-api-http")
    miss = Finding("CKV_AWS_2", "", "x-api-https", "x-api", "aws_lb_listener.x-api-https")
    open_, kept, stale = accepted.split([hit, miss], entries)
    assert open_ == [miss] and kept == [(hit, entries[0])] and stale == [entries[1]]


HARDENING = {
    "CKV_AWS_91": "lbAccessLogs",
    "CKV_AWS_150": "lbDeletionProtection",
    "CKV2_AWS_28": "waf",
    "CKV2_AWS_31": "wafLogging",
    "CKV_AWS_192": "waf",
    "CKV_AWS_284": "batchTracing",
}
"""checkov rules the stack passes through a config key, and the key that turns each off."""


def test_access_logs_waf_deletion_protection_and_tracing_pass_their_rules(checkov: str) -> None:
    checks = sorted(HARDENING)
    on = scan_resources(graph("hybrid", "https", lbDeletionProtection=True), checks=checks)
    assert not on.failed, on.failed
    assert {f.check_id for f in on.passed} == set(checks)
    off = {key: False for key in HARDENING.values() if key != "wafLogging"}
    weak = scan_resources(graph("hybrid", "https", **off), checks=checks)
    # without a web ACL there is nothing to log: CKV2_AWS_31 and CKV_AWS_192 have no resource
    assert {f.check_id for f in weak.failed} == {
        "CKV_AWS_91",
        "CKV_AWS_150",
        "CKV2_AWS_28",
        "CKV_AWS_284",
    }
    unlogged = scan_resources(graph("hybrid", "https", wafLogging=False), checks=["CKV2_AWS_31"])
    assert [f.check_id for f in unlogged.failed] == ["CKV2_AWS_31"]


def test_an_internal_api_passes_the_waf_rule_without_a_web_acl(checkov: str) -> None:
    resources = graph("realtime")
    assert not [r for r in resources if r.typ.startswith("aws:wafv2/")]
    found = scan_resources(resources, checks=["CKV2_AWS_28", "CKV_AWS_91"])
    assert not found.failed and {f.check_id for f in found.passed} == {"CKV2_AWS_28", "CKV_AWS_91"}


def test_a_distributed_map_s_grants_pass_checkov_and_archgen_s_iam_rules(checkov: str) -> None:
    resources = graph("batch", scoreParallelism=200)
    (grant,) = [r for r in resources if r.name.endswith("-distributed-map-policy")]
    found = scan_resources(resources)
    assert not [f for f in found.failed if f.resource == grant.name], found.failed
    assert {f.check_id for f in found.passed if f.resource == grant.name}
    assert not [f for f in policy_findings(resources) if f.resource == grant.name]
    view = ResourceView(type=grant.typ, name=grant.name, props=grant.inputs)
    assert check_resource(view) == []
