"""Who can reach the API: nobody on the internet over plain HTTP unless the config says so.

Without a certificate the load balancer is internal (private subnets, callers
from the VPC only); with one it is public and serves HTTPS (HTTP redirects);
`publicHttp: true` is the explicit, scan-visible way to serve plain HTTP.
"""

from __future__ import annotations

from typing import Any

from archgen.stack_settings import StackSettings
from archgen_stacks.program import AppArtifacts, build

from .conftest import EXISTING_VPC_CIDR

APP = AppArtifacts(package="credit", image_uri="registry.example/credit:1")
CERT = "arn:aws:acm:eu-west-1:123456789012:certificate/abc"


def deploy(mocked: Any, **values: Any) -> Any:
    s = StackSettings.from_mapping({"pattern": "realtime", "namePrefix": "credit", **values})
    return mocked(lambda: build(s, APP))


def ingress_cidrs(run: Any) -> set[str]:
    alb_sg = run.named("credit-api-alb-sg").rid
    return {
        cidr
        for rule in run.of("aws:ec2/securityGroupRule:SecurityGroupRule")
        if rule.inputs["type"] == "ingress" and rule.inputs["securityGroupId"] == alb_sg
        for cidr in rule.inputs.get("cidrBlocks", [])
    }


def listeners(run: Any) -> dict[int, dict[str, Any]]:
    return {int(r.inputs["port"]): r.inputs for r in run.of("aws:lb/listener:Listener")}


def test_without_a_certificate_the_api_is_internal_to_the_vpc(mocked) -> None:
    run = deploy(mocked)
    [lb] = run.of("aws:lb/loadBalancer:LoadBalancer")
    assert lb.inputs["internal"] is True
    private = {run.named(f"credit-net-private-{i}").rid for i in range(2)}
    assert set(lb.inputs["subnets"]) == private
    assert ingress_cidrs(run) == {"10.0.0.0/16"}  # the VPC's own block, never the internet
    assert set(listeners(run)) == {80}


def test_with_a_certificate_the_api_is_public_over_https_only(mocked) -> None:
    run = deploy(mocked, certificateArn=CERT)
    [lb] = run.of("aws:lb/loadBalancer:LoadBalancer")
    assert lb.inputs["internal"] is False
    found = listeners(run)
    assert found[443]["protocol"] == "HTTPS" and found[443]["certificateArn"] == CERT
    assert found[80]["defaultActions"][0]["type"] == "redirect"
    assert ingress_cidrs(run) == {"0.0.0.0/0"}


def test_plain_http_on_the_internet_only_when_asked(mocked) -> None:
    run = deploy(mocked, publicHttp="true")
    [lb] = run.of("aws:lb/loadBalancer:LoadBalancer")
    assert lb.inputs["internal"] is False
    assert listeners(run)[80]["defaultActions"][0]["type"] == "forward"
    assert ingress_cidrs(run) == {"0.0.0.0/0"}


def test_an_existing_vpc_admits_callers_from_its_own_block(mocked) -> None:
    run = deploy(
        mocked,
        existingVpcId="vpc-123",
        existingPrivateSubnetIds="subnet-a,subnet-b",
    )
    [lb] = run.of("aws:lb/loadBalancer:LoadBalancer")
    assert lb.inputs["internal"] is True and lb.inputs["subnets"] == ["subnet-a", "subnet-b"]
    assert ingress_cidrs(run) == {EXISTING_VPC_CIDR}
