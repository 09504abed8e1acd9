"""Every grant to an AWS service is limited to this account, and what a service needs exists.

A service principal (`ecs-tasks.amazonaws.com`, `cloudwatch.amazonaws.com`, ...)
acts for every AWS customer. A statement that lets one in without naming the
source account lets another account's resource use it (the confused deputy,
as AWS's IAM guide calls it). Each policy the stacks register is read back from
the mocked program and checked against the condition keys AWS documents for
that service.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from archgen.stack_settings import PATTERNS, StackSettings
from archgen_stacks.program import AppArtifacts, build

from .conftest import ACCOUNT

APP = AppArtifacts(package="credit")
POLICY_INPUTS = {
    "aws:iam/role:Role": "assumeRolePolicy",
    "aws:kms/key:Key": "policy",
    "aws:sns/topicPolicy:TopicPolicy": "policy",
    "aws:s3/bucketPolicy:BucketPolicy": "policy",
}
SOURCE_KEYS = {"aws:SourceAccount", "aws:SourceArn", "sts:ExternalId"}
"""Condition keys that tie a service's request to the calling account (IAM User Guide)."""
ENCRYPTION_CONTEXT_KEY = "kms:EncryptionContext:aws:logs:arn"
"""CloudWatch Logs' documented scoping of a key policy to this account's log groups."""


def service_statements(run: Any) -> Iterator[tuple[str, dict[str, Any]]]:
    for res in run.resources:
        field = POLICY_INPUTS.get(res.typ)
        if field is None or not res.inputs.get(field):
            continue
        for st in json.loads(res.inputs[field])["Statement"]:
            principal = st.get("Principal")
            if st["Effect"] == "Allow" and isinstance(principal, dict) and "Service" in principal:
                yield res.name, st


def condition_values(st: dict[str, Any]) -> dict[str, Any]:
    return {k: v for block in st.get("Condition", {}).values() for k, v in block.items()}


@pytest.mark.parametrize("kms", ["", "arn:aws:kms:eu-west-1:123456789012:key/team"])
@pytest.mark.parametrize("pattern", PATTERNS)
def test_every_service_grant_names_this_account(mocked, pattern: str, kms: str) -> None:
    s = StackSettings.from_mapping({"pattern": pattern, "namePrefix": "credit", "kmsKeyArn": kms})
    run = mocked(lambda: build(s, APP))
    found = list(service_statements(run))
    assert len(found) >= 5, found  # roles, key, topic and log-delivery bucket at least
    for name, st in found:
        values = condition_values(st)
        scoped = {k: v for k, v in values.items() if k in SOURCE_KEYS | {ENCRYPTION_CONTEXT_KEY}}
        assert scoped, f"{name}: {st['Principal']} is let in for any account"
        for key, value in scoped.items():
            assert ACCOUNT in str(value), f"{name}: {key} = {value} is not this account"


def test_firehose_logs_to_a_stream_the_stack_creates(mocked) -> None:
    s = StackSettings.from_mapping({"pattern": "streaming", "namePrefix": "credit"})
    run = mocked(lambda: build(s, APP))
    [firehose] = run.of("aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream")
    logging = firehose.inputs["extendedS3Configuration"]["cloudwatchLoggingOptions"]
    assert logging["enabled"] is True
    streams = {
        (r.inputs["logGroupName"], r.inputs["name"])
        for r in run.of("aws:cloudwatch/logStream:LogStream")
    }
    assert (logging["logGroupName"], logging["logStreamName"]) in streams
