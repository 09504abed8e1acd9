"""What stands in front of the API's load balancer: its access-log grant and its web firewall.

Access logs go to the data lake's access-log bucket, which must grant Elastic
Load Balancing's log delivery the right to write them. AWS WAF filters the
requests of a public load balancer with AWS's managed rule groups and a
per-client rate limit, and logs what it inspects.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from .common import statement

LB_LOG_DELIVERY_SERVICE = "logdelivery.elasticloadbalancing.amazonaws.com"
"""The principal that writes load balancer access logs in Regions opened since August 2022."""

ELB_LOG_ACCOUNTS: dict[str, str] = {
    "us-east-1": "127311923021",
    "us-east-2": "033677994240",
    "us-west-1": "027434742980",
    "us-west-2": "797873946194",
    "af-south-1": "098369216593",
    "ap-east-1": "754344448648",
    "ap-south-1": "718504428378",
    "ap-northeast-1": "582318560864",
    "ap-northeast-2": "600734575887",
    "ap-northeast-3": "383597477331",
    "ap-southeast-1": "114774131450",
    "ap-southeast-2": "783225319266",
    "ap-southeast-3": "589379963580",
    "ca-central-1": "985666609251",
    "eu-central-1": "054676820928",
    "eu-west-1": "156460612806",
    "eu-west-2": "652711504416",
    "eu-west-3": "009996457667",
    "eu-south-1": "635631232127",
    "eu-north-1": "897822967062",
    "me-south-1": "076674570225",
    "sa-east-1": "507241528517",
}
"""Regions opened before August 2022 deliver load balancer logs from a regional Elastic
Load Balancing account, which the bucket policy must name (AWS's "Enable access logs
for your Application Load Balancer"); every later Region uses `LB_LOG_DELIVERY_SERVICE`."""


def lb_log_principal(region: str) -> dict[str, str]:
    """The bucket-policy principal that delivers load balancer access logs in `region`."""
    account = ELB_LOG_ACCOUNTS.get(region)
    if account is not None:
        return {"AWS": f"arn:aws:iam::{account}:root"}
    return {"Service": LB_LOG_DELIVERY_SERVICE}


def lb_log_delivery(
    bucket_arn: pulumi.Input[str],
    prefix: str,
    *,
    account_id: pulumi.Input[str],
    region: pulumi.Input[str],
) -> dict[str, Any]:
    """The statement letting the load balancers of this account write under `prefix`."""
    if not prefix or prefix.startswith("/") or prefix.endswith("/") or "AWSLogs" in prefix:
        raise ValueError(
            f"load balancer log prefix {prefix!r}: no leading or trailing /, no AWSLogs"
        )
    grant = statement(
        ["s3:PutObject"],
        [pulumi.Output.concat(bucket_arn, "/", prefix, "/AWSLogs/", account_id, "/*")],
        sid="LoadBalancerAccessLogs" + re.sub(r"[^A-Za-z0-9]", "", prefix.title()),
    )
    # Which principal depends on the Region, known only when the program runs.
    grant["Principal"] = pulumi.Output.from_input(region).apply(lb_log_principal)
    return grant


@dataclass(frozen=True)
class AccessLogs:
    """Where a load balancer writes its access logs: a bucket that already grants it, a prefix."""

    bucket: pulumi.Input[str]
    prefix: str


MANAGED_RULE_GROUPS = (
    "AWSManagedRulesAmazonIpReputationList",
    "AWSManagedRulesCommonRuleSet",
    "AWSManagedRulesKnownBadInputsRuleSet",
)
"""AWS's free managed rule groups the web ACL runs, in priority order."""


@dataclass(frozen=True)
class WebFirewallArgs:
    """The web ACL of one public load balancer."""

    resource_arn: pulumi.Input[str]
    rate_limit: int = 2000
    """Requests one client IP may send in 5 minutes; more are blocked."""
    log_group_kms_key_arn: pulumi.Input[str] | None = None
    """Set: the ACL logs to a log group encrypted with this key; None: no logging."""
    log_retention_days: int = 30
    tags: Mapping[str, str] = field(default_factory=dict)

    def validate(self) -> None:
        """AWS WAF accepts a rate limit of 10 to 2,000,000,000 requests per window."""
        if not 10 <= self.rate_limit <= 2_000_000_000:
            raise ValueError("WebFirewallArgs.rate_limit must be 10 to 2,000,000,000")


ALLOW: Any = {"allow": {}}
"""The web ACL's default action: a request no rule blocks goes through."""


def _visibility(metric: str) -> Any:
    return {
        "cloudwatch_metrics_enabled": True,
        "metric_name": metric,
        "sampled_requests_enabled": True,
    }


def web_acl_rules(rate_limit: int) -> list[Any]:
    """The managed rule groups (their own actions) and the per-IP rate rule (block)."""
    rules: list[Any] = [
        {
            "name": group,
            "priority": priority,
            "override_action": {"none": {}},
            "statement": {"managed_rule_group_statement": {"name": group, "vendor_name": "AWS"}},
            "visibility_config": _visibility(group),
        }
        for priority, group in enumerate(MANAGED_RULE_GROUPS)
    ]
    rules.append(
        {
            "name": "rate-limit-per-ip",
            "priority": len(rules),
            "action": {"block": {}},
            "statement": {
                "rate_based_statement": {"limit": rate_limit, "aggregate_key_type": "IP"}
            },
            "visibility_config": _visibility("rate-limit-per-ip"),
        }
    )
    return rules


class WebFirewall(pulumi.ComponentResource):
    """A regional AWS WAF web ACL associated with one load balancer, logging what it sees."""

    web_acl: aws.wafv2.WebAcl
    log_group: aws.cloudwatch.LogGroup | None

    def __init__(
        self, name: str, args: WebFirewallArgs, opts: pulumi.ResourceOptions | None = None
    ):
        args.validate()
        super().__init__("archgen:edge:WebFirewall", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        tags = dict(args.tags)
        self.web_acl = aws.wafv2.WebAcl(
            f"{name}-acl",
            scope="REGIONAL",
            description="Managed rule groups and a per-IP rate limit in front of the API",
            default_action=ALLOW,
            rules=web_acl_rules(args.rate_limit),
            visibility_config=_visibility(name),
            tags=tags,
            opts=child,
        )
        aws.wafv2.WebAclAssociation(
            f"{name}-association",
            resource_arn=args.resource_arn,
            web_acl_arn=self.web_acl.arn,
            opts=child,
        )
        self.log_group = None
        if args.log_group_kms_key_arn is not None:
            # AWS WAF only logs to groups whose name starts with aws-waf-logs-.
            self.log_group = aws.cloudwatch.LogGroup(
                f"{name}-logs",
                name_prefix=f"aws-waf-logs-{name}-",
                retention_in_days=args.log_retention_days,
                kms_key_id=args.log_group_kms_key_arn,
                tags=tags,
                opts=child,
            )
            aws.wafv2.WebAclLoggingConfiguration(
                f"{name}-logging",
                resource_arn=self.web_acl.arn,
                log_destination_configs=[self.log_group.arn],
                opts=child,
            )
        self.register_outputs({"web_acl_arn": self.web_acl.arn})
