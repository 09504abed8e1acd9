"""The load balancer's access logs, web ACL and deletion protection, and the batch tracing keys."""

from __future__ import annotations

import json
from typing import Any

from archgen.stack_settings import StackSettings
from archgen_stacks.edge import LB_LOG_DELIVERY_SERVICE, MANAGED_RULE_GROUPS, lb_log_principal
from archgen_stacks.pricing import Resource, registered
from archgen_stacks.program import AppArtifacts, build

APP = AppArtifacts(package="credit")
CERT = "arn:aws:acm:us-east-1:123456789012:certificate/abc"


def graph(region: str = "us-east-1", **config: Any) -> list[Resource]:
    settings = StackSettings.from_mapping({"pattern": "hybrid", "namePrefix": "credit", **config})
    return registered(lambda: build(settings, APP), region=region)


def one(resources: list[Resource], typ: str) -> Resource:
    (found,) = [r for r in resources if r.typ == typ]
    return found


def log_bucket_policy(resources: list[Resource]) -> dict[str, Any]:
    r = next(r for r in resources if r.name == "credit-lake-access-logs-policy")
    policy = r.inputs["policy"]
    return json.loads(policy) if isinstance(policy, str) else policy


def test_the_load_balancer_logs_to_the_access_log_bucket_which_grants_it() -> None:
    resources = graph()
    alb = one(resources, "aws:lb/loadBalancer:LoadBalancer")
    logs = alb.inputs["accessLogs"]
    assert logs["enabled"] is True and logs["prefix"] == "lb/credit-api"
    assert alb.inputs["enableDeletionProtection"] is False
    (grant,) = [
        s for s in log_bucket_policy(resources)["Statement"] if s["Sid"].startswith("LoadBalancer")
    ]
    assert grant["Principal"] == {"AWS": "arn:aws:iam::127311923021:root"}
    assert grant["Resource"][0].endswith("/lb/credit-api/AWSLogs/123456789012/*")


def test_off_keys_remove_logs_and_the_grant_and_protection_is_a_key() -> None:
    resources = graph(lbAccessLogs=False, lbDeletionProtection=True)
    alb = one(resources, "aws:lb/loadBalancer:LoadBalancer")
    assert not alb.inputs.get("accessLogs") and alb.inputs["enableDeletionProtection"] is True
    sids = [s["Sid"] for s in log_bucket_policy(resources)["Statement"]]
    assert not [s for s in sids if s.startswith("LoadBalancer")]


def test_a_region_opened_after_august_2022_uses_the_log_delivery_service() -> None:
    assert lb_log_principal("eu-west-1") == {"AWS": "arn:aws:iam::156460612806:root"}
    assert lb_log_principal("ap-southeast-5") == {"Service": LB_LOG_DELIVERY_SERVICE}


def test_a_public_api_gets_a_web_acl_with_managed_groups_and_a_rate_rule() -> None:
    resources = graph(certificateArn=CERT, wafRateLimit=500)
    acl = one(resources, "aws:wafv2/webAcl:WebAcl")
    assert acl.inputs["scope"] == "REGIONAL"
    rules = acl.inputs["rules"]
    groups = [r["statement"]["managedRuleGroupStatement"]["name"] for r in rules[:-1]]
    assert groups == list(MANAGED_RULE_GROUPS)
    assert rules[-1]["statement"]["rateBasedStatement"] == {"limit": 500, "aggregateKeyType": "IP"}
    assert all(r["visibilityConfig"]["cloudwatchMetricsEnabled"] for r in rules)
    alb = one(resources, "aws:lb/loadBalancer:LoadBalancer")
    assoc = one(resources, "aws:wafv2/webAclAssociation:WebAclAssociation")
    assert assoc.inputs["resourceArn"] == alb.outputs["arn"]
    logging = one(resources, "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration")
    group = next(r for r in resources if r.name == "credit-hybrid-api-waf-logs")
    assert group.inputs["namePrefix"].startswith("aws-waf-logs-")
    assert logging.inputs["logDestinationConfigs"] == [group.outputs["arn"]]


def test_no_web_acl_when_internal_or_turned_off_and_no_logging_when_off() -> None:
    for resources in (graph(), graph(certificateArn=CERT, waf=False)):
        assert not [r for r in resources if r.typ.startswith("aws:wafv2/")]
    quiet = graph(publicHttp=True, wafLogging=False)
    assert [r.typ for r in quiet if r.typ.startswith("aws:wafv2/")] == [
        "aws:wafv2/webAcl:WebAcl",
        "aws:wafv2/webAclAssociation:WebAclAssociation",
    ]


def test_batch_tracing_is_a_key() -> None:
    machine = one(graph(), "aws:sfn/stateMachine:StateMachine")
    assert machine.inputs["tracingConfiguration"] == {"enabled": True}
    machine = one(graph(batchTracing=False), "aws:sfn/stateMachine:StateMachine")
    assert machine.inputs["tracingConfiguration"] == {"enabled": False}
