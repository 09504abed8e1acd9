"""Policy as code: all four patterns comply, and every rule fires on a resource that breaks it."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pulumi
import pulumi_aws as aws
import pytest

from archgen.stack_settings import PATTERNS, StackSettings
from archgen_stacks.policy import (
    RESOURCE_RULES,
    STACK_RULES,
    WILDCARD_RESOURCE_ACTIONS,
    ResourceView,
    check_stack,
)
from archgen_stacks.program import AppArtifacts, build

APP = AppArtifacts(package="credit")


@pytest.mark.parametrize("pattern", PATTERNS)
def test_every_pattern_has_zero_violations(mocked, as_views, pattern: str) -> None:
    s = StackSettings.from_mapping({"pattern": pattern})
    run = mocked(lambda: build(s, APP))
    assert check_stack(as_views(run)) == []


def test_endpoint_egress_variant_also_complies(mocked, as_views) -> None:
    s = StackSettings.from_mapping({"pattern": "hybrid", "egress": "endpoints"})
    run = mocked(lambda: build(s, APP))
    assert check_stack(as_views(run)) == []


def doc(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def role_policy(document: str) -> Callable[[], Any]:
    return lambda: aws.iam.RolePolicy("bad", role="r", policy=document)


def good_bucket_parts(bucket: aws.s3.Bucket, skip: str) -> None:
    if skip != "sse":
        aws.s3.BucketServerSideEncryptionConfiguration(
            "b-sse",
            bucket=bucket.id,
            rules=[{"apply_server_side_encryption_by_default": {"sse_algorithm": "AES256"}}],
        )
    if skip != "versioning":
        aws.s3.BucketVersioning(
            "b-v", bucket=bucket.id, versioning_configuration={"status": "Enabled"}
        )
    if skip != "pab":
        aws.s3.BucketPublicAccessBlock(
            "b-pab",
            bucket=bucket.id,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
        )
    if skip != "policy":
        aws.s3.BucketPolicy(
            "b-pol",
            bucket=bucket.id,
            policy=pulumi.Output.json_dumps(
                {
                    "Statement": [
                        {
                            "Effect": "Deny",
                            "Action": "s3:*",
                            "Principal": "*",
                            "Resource": "*",
                            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                        }
                    ]
                }
            ),
        )


def bucket_missing(part: str) -> Callable[[], Any]:
    return lambda: good_bucket_parts(aws.s3.Bucket("b"), part)


def public_service() -> None:
    vpc = aws.ec2.Vpc("v", cidr_block="10.0.0.0/16")
    igw = aws.ec2.InternetGateway("igw", vpc_id=vpc.id)
    rt = aws.ec2.RouteTable("rt", vpc_id=vpc.id)
    aws.ec2.Route("r", route_table_id=rt.id, destination_cidr_block="0.0.0.0/0", gateway_id=igw.id)
    subnet = aws.ec2.Subnet("s", vpc_id=vpc.id, cidr_block="10.0.0.0/24")
    aws.ec2.RouteTableAssociation("a", subnet_id=subnet.id, route_table_id=rt.id)
    aws.ecs.Service(
        "svc",
        cluster="c",
        task_definition="t",
        network_configuration={"subnets": [subnet.id], "assign_public_ip": False},
    )


BAD: dict[str, Callable[[], Any]] = {
    "kms-key-rotation": lambda: aws.kms.Key("bad", enable_key_rotation=False),
    "kinesis-encryption": lambda: aws.kinesis.Stream("bad", shard_count=1),
    "sqs-encryption": lambda: aws.sqs.Queue("bad", sqs_managed_sse_enabled=False),
    "sns-encryption": lambda: aws.sns.Topic("bad"),
    "dynamodb-protection": lambda: aws.dynamodb.Table(
        "bad", hash_key="pk", attributes=[{"name": "pk", "type": "S"}]
    ),
    "log-retention": lambda: aws.cloudwatch.LogGroup("bad", kms_key_id="k"),
    "log-encryption": lambda: aws.cloudwatch.LogGroup("bad", retention_in_days=7),
    "iam-no-wildcard-action": role_policy(
        doc({"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::b/*"})
    ),
    "iam-wildcard-resource": role_policy(
        doc({"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "*"})
    ),
    "ecs-no-public-ip": lambda: aws.ecs.Service(
        "bad",
        cluster="c",
        task_definition="t",
        network_configuration={"subnets": ["s"], "assign_public_ip": True},
    ),
    "s3-encryption": lambda: aws.s3.BucketServerSideEncryptionConfiguration(
        "bad",
        bucket="b",
        rules=[{"apply_server_side_encryption_by_default": {"sse_algorithm": "none"}}],
    ),
    "s3-versioning": lambda: aws.s3.BucketVersioning(
        "bad", bucket="b", versioning_configuration={"status": "Suspended"}
    ),
    "s3-public-access-block": lambda: aws.s3.BucketPublicAccessBlock(
        "bad", bucket="b", block_public_acls=True
    ),
    "s3-tls-only": lambda: aws.s3.BucketPolicy(
        "bad",
        bucket="b",
        policy=doc(
            {
                "Effect": "Allow",
                "Action": ["s3:GetObject"],
                "Principal": {"AWS": "arn:r"},
                "Resource": "arn:aws:s3:::b/*",
            }
        ),
    ),
    "ecr-scanning": lambda: aws.ecr.Repository("bad", image_tag_mutability="MUTABLE"),
    "s3-bucket-controls": bucket_missing("pab"),
    "alarm-coverage": lambda: aws.sqs.Queue("bad", kms_master_key_id="k"),
    "ecs-private-subnets": public_service,
    "ecs-read-only-root": lambda: aws.ecs.TaskDefinition(
        "bad",
        family="f",
        container_definitions=json.dumps([{"name": "app", "image": "i"}]),
    ),
    "api-authentication": lambda: aws.ecs.TaskDefinition(
        "bad",
        family="f",
        container_definitions=json.dumps(
            [
                {
                    "name": "api",
                    "image": "i",
                    "readonlyRootFilesystem": True,
                    "environment": [{"name": "API_AUTH", "value": "none"}],
                }
            ]
        ),
    ),
}


def test_every_rule_has_a_bad_example() -> None:
    names = {r.name for r in RESOURCE_RULES} | {r.name for r in STACK_RULES}
    assert names == set(BAD)


@pytest.mark.parametrize("rule", sorted(BAD))
def test_rule_fires_on_bad_resource(mocked, as_views, rule: str) -> None:
    run = mocked(BAD[rule])
    fired = {v.rule for v in check_stack(as_views(run))}
    assert rule in fired


@pytest.mark.parametrize("part", ["sse", "versioning", "pab", "policy"])
def test_bucket_missing_any_control_is_reported(mocked, as_views, part: str) -> None:
    run = mocked(bucket_missing(part))
    found = [v for v in check_stack(as_views(run)) if v.rule == "s3-bucket-controls"]
    assert [v.resource for v in found] == ["b"]
    assert len(found) == 1


def test_complete_bucket_passes(mocked, as_views) -> None:
    run = mocked(bucket_missing("nothing"))
    assert check_stack(as_views(run)) == []


def test_wildcard_resource_allowed_only_for_listed_actions() -> None:
    allowed = next(iter(WILDCARD_RESOURCE_ACTIONS))
    ok = ResourceView(
        "aws:iam/rolePolicy:RolePolicy",
        "p",
        {"policy": doc({"Effect": "Allow", "Action": [allowed], "Resource": "*"})},
    )
    bad = ResourceView(
        "aws:iam/rolePolicy:RolePolicy",
        "p",
        {
            "policy": doc(
                {"Effect": "Allow", "Action": [allowed, "s3:PutObject"], "Resource": ["*"]}
            )
        },
    )
    deny = ResourceView(
        "aws:iam/rolePolicy:RolePolicy",
        "p",
        {"policy": doc({"Effect": "Deny", "Action": "*", "Resource": "*"})},
    )
    assert check_stack([ok]) == [] and check_stack([deny]) == []
    assert [v.rule for v in check_stack([bad])] == ["iam-wildcard-resource"]


def test_preview_links_by_property_dependencies() -> None:
    bucket = ResourceView("aws:s3/bucket:Bucket", "b", {}, urn="urn:b")
    children = [
        ResourceView(t, f"c{i}", props, urn=f"urn:c{i}", deps={"bucket": frozenset({"urn:b"})})
        for i, (t, props) in enumerate(
            [
                (
                    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
                    {
                        "rules": [
                            {"applyServerSideEncryptionByDefault": {"sseAlgorithm": "aws:kms"}}
                        ]
                    },
                ),
                (
                    "aws:s3/bucketVersioning:BucketVersioning",
                    {"versioningConfiguration": {"status": "Enabled"}},
                ),
                (
                    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
                    dict.fromkeys(
                        [
                            "blockPublicAcls",
                            "blockPublicPolicy",
                            "ignorePublicAcls",
                            "restrictPublicBuckets",
                        ],
                        True,
                    ),
                ),
            ]
        )
    ]
    found = check_stack([bucket, *children])
    assert [(v.rule, v.message) for v in found] == [
        ("s3-bucket-controls", "bucket lacks a TLS-only bucket policy")
    ]
