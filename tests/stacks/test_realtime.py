"""The real-time API and its network: placement, scaling, health checks and alarm thresholds."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from archgen_stacks.common import Bucket
from archgen_stacks.network import Network, NetworkArgs, subnet_cidrs
from archgen_stacks.realtime import (
    RealtimeApi,
    RealtimeApiArgs,
    Stream,
    error_budget_burn_threshold,
)

TOPIC = "arn:aws:sns:eu-west-1:123456789012:alarms"


def build(**overrides: Any) -> RealtimeApi:
    net = Network("net", NetworkArgs(cidr="10.1.0.0/16", availability_zones=2, tags={"t": "1"}))
    values: dict[str, Any] = dict(
        vpc_id=net.vpc_id,
        public_subnet_ids=net.public_subnet_ids,
        private_subnet_ids=net.private_subnet_ids,
        image="repo:v1",
        package="credit",
        models=Bucket("models-b", "arn:aws:s3:::models-b"),
        kms_key_arn="arn:kms",
        alarm_topic_arn=TOPIC,
        container_port=9000,
        health_check_path="/ready",
        min_tasks=3,
        desired_tasks=4,
        max_tasks=12,
        target_cpu_pct=55.0,
        requests_per_target=700,
        latency_target_ms=80,
        availability_target_pct=99.5,
        client_cidrs=["10.1.0.0/16"],
        tags={"t": "1"},
    )
    values.update(overrides)
    return RealtimeApi("api", RealtimeApiArgs(**values))


def test_service_runs_in_private_subnets_without_public_ip(mocked) -> None:
    run = mocked(lambda: build(public_http=True))  # a public load balancer, private tasks
    service = run.named("api-service").inputs
    net = service["networkConfiguration"]
    private = [run.named(f"net-private-{i}").rid for i in range(2)]
    public = [run.named(f"net-public-{i}").rid for i in range(2)]
    assert net["subnets"] == private
    assert net["assignPublicIp"] is False
    assert run.named("api-alb").inputs["subnets"] == public
    assert service["deploymentCircuitBreaker"] == {"enable": True, "rollback": True}
    assert service["desiredCount"] == 4
    assert service["loadBalancers"][0]["targetGroupArn"] == run.named("api-tg").outputs["arn"]
    assert service["loadBalancers"][0]["containerPort"] == 9000
    svc_sg = run.named("api-service-sg").inputs["ingress"][0]
    assert svc_sg["securityGroups"] == [run.named("api-alb-sg").rid]
    assert "cidrBlocks" not in svc_sg
    egress = run.named("api-alb-to-tasks").inputs
    assert egress["securityGroupId"] == run.named("api-alb-sg").rid
    assert egress["sourceSecurityGroupId"] == run.named("api-service-sg").rid
    assert egress["fromPort"] == 9000
    assert run.named("api-alb-in-80").inputs["securityGroupId"] == run.named("api-alb-sg").rid
    assert "ingress" not in run.named("api-alb-sg").inputs
    assert run.parents["api-service"] == "api"


def test_private_route_goes_through_nat_and_public_through_igw(mocked) -> None:
    run = mocked(build)
    assert run.named("net-public-default").inputs["gatewayId"] == run.named("net-igw").rid
    for i in range(2):
        route = run.named(f"net-private-{i}-default").inputs
        assert route["natGatewayId"] == run.named(f"net-nat-{i}").rid
        assert route["routeTableId"] == run.named(f"net-private-{i}-rt").rid
        assert run.named(f"net-nat-{i}").inputs["subnetId"] == run.named(f"net-public-{i}").rid
    zones = {run.named(f"net-private-{i}").inputs["availabilityZone"] for i in range(2)}
    assert len(zones) == 2


def test_endpoint_egress_has_no_nat(mocked) -> None:
    run = mocked(lambda: Network("net", NetworkArgs(egress="endpoints", availability_zones=3)))
    assert run.of("aws:ec2/natGateway:NatGateway") == []
    endpoints = run.of("aws:ec2/vpcEndpoint:VpcEndpoint")
    s3 = [e for e in endpoints if e.inputs["serviceName"].endswith(".s3")][0]
    assert s3.inputs["vpcEndpointType"] == "Gateway"
    assert s3.inputs["routeTableIds"] == [run.named(f"net-private-{i}-rt").rid for i in range(3)]
    ecr = [e for e in endpoints if e.inputs["serviceName"].endswith(".ecr.dkr")][0]
    assert ecr.inputs["subnetIds"] == [run.named(f"net-private-{i}").rid for i in range(3)]


def test_subnet_cidrs_do_not_overlap() -> None:
    public, private = subnet_cidrs("10.0.0.0/16", 3)
    import ipaddress

    nets = [ipaddress.ip_network(c) for c in public + private]
    assert len(nets) == 6
    assert not any(a.overlaps(b) for i, a in enumerate(nets) for b in nets[i + 1 :])


def test_scaling_and_health_check_come_from_args(mocked) -> None:
    run = mocked(build)
    target = run.named("api-scaling-target").inputs
    assert (target["minCapacity"], target["maxCapacity"]) == (3, 12)
    cpu = run.named("api-scale-cpu").inputs["targetTrackingScalingPolicyConfiguration"]
    assert cpu["targetValue"] == 55.0
    req = run.named("api-scale-requests").inputs["targetTrackingScalingPolicyConfiguration"]
    assert req["targetValue"] == 700.0
    label = req["predefinedMetricSpecification"]["resourceLabel"]
    assert (
        label
        == f"{run.named('api-alb').outputs['arnSuffix']}/{run.named('api-tg').outputs['arnSuffix']}"
    )
    health = run.named("api-tg").inputs["healthCheck"]
    assert health["path"] == "/ready"
    assert run.named("api-tg").inputs["targetType"] == "ip"


def test_alarm_thresholds_follow_objectives(mocked) -> None:
    run = mocked(build)
    latency = run.named("api-latency-alarm").inputs
    assert latency["threshold"] == pytest.approx(0.08)
    assert latency["extendedStatistic"] == "p99"
    assert latency["alarmActions"] == [TOPIC]
    burn = run.named("api-burn-rate-alarm").inputs
    assert burn["threshold"] == pytest.approx(0.005 * 14.4)
    ratio = [q for q in burn["metricQueries"] if q.get("returnData")][0]
    assert "requests" in ratio["expression"]
    unhealthy = run.named("api-unhealthy-alarm").inputs
    assert unhealthy["dimensions"]["TargetGroup"] == run.named("api-tg").outputs["arnSuffix"]


def test_burn_threshold_scales_with_objective() -> None:
    assert error_budget_burn_threshold(99.9, 14.4) == pytest.approx(0.0144)
    assert error_budget_burn_threshold(99.0, 14.4) > error_budget_burn_threshold(99.9, 14.4)


def test_prediction_stream_reaches_env_and_role(mocked) -> None:
    stream = Stream("preds", "arn:aws:kinesis:eu-west-1:123456789012:stream/preds")
    run = mocked(lambda: build(prediction_stream=stream))
    container = json.loads(run.named("api-task").inputs["containerDefinitions"])[0]
    env = {e["name"]: e["value"] for e in container["environment"]}
    assert env["PREDICTION_LOG_STREAM"] == "preds"
    assert env["PORT"] == "9000"
    policy = json.loads(run.named("api-task-policy").inputs["policy"])
    puts = [s for s in policy["Statement"] if "kinesis:PutRecord" in s["Action"]]
    assert puts[0]["Resource"] == [stream.arn]


def test_https_listener_when_certificate_given(mocked) -> None:
    run = mocked(lambda: build(certificate_arn="arn:aws:acm:eu-west-1:1:certificate/c"))
    https = run.named("api-https").inputs
    assert https["protocol"] == "HTTPS" and https["sslPolicy"].startswith("ELBSecurityPolicy-TLS13")
    assert run.named("api-http").inputs["defaultActions"][0]["type"] == "redirect"


def test_invalid_sizes_rejected() -> None:
    with pytest.raises(ValueError, match="min_tasks"):
        RealtimeApiArgs(
            vpc_id="v",
            public_subnet_ids=["a", "b"],
            private_subnet_ids=["c", "d"],
            image="i",
            package="p",
            models=Bucket("m", "arn"),
            kms_key_arn="k",
            alarm_topic_arn="t",
            min_tasks=5,
            desired_tasks=2,
        ).validate()
    with pytest.raises(ValueError, match="availability_zones"):
        NetworkArgs(availability_zones=1).validate()


def test_more_zones_than_the_region_has_fails_instead_of_doubling_up(mocked) -> None:
    """The mocked region has three zones (a, b, c): a fourth subnet would share one."""
    with pytest.raises(Exception, match="availabilityZones is 4 but the region has 3"):
        mocked(lambda: Network("net", NetworkArgs(availability_zones=4)))
    run = mocked(lambda: Network("net", NetworkArgs(availability_zones=3)))
    zones = [s.inputs["availabilityZone"] for s in run.of("aws:ec2/subnet:Subnet")]
    assert len(zones) == 6 and len(set(zones)) == 3


@pytest.mark.parametrize("prefix", ["credit", "a-rather-long-service-name", "x_y", "-odd"])
def test_load_balancer_names_fit_aws_whatever_the_prefix(mocked, prefix: str) -> None:
    """AWS allows 32 characters; the provider adds 26 to a name prefix of at most 6."""
    from archgen_stacks.realtime import lb_name_prefix

    for name in (f"{prefix}-api", f"{prefix}-hybrid-api"):
        got = lb_name_prefix(name)
        assert 1 <= len(got) <= 6 and re.fullmatch(r"[a-zA-Z0-9][a-zA-Z0-9-]*", got), got


def test_the_vpc_default_group_is_emptied_and_flow_logs_are_kept(mocked) -> None:
    key = "arn:aws:kms:eu-west-1:123456789012:key/logs"
    run = mocked(lambda: Network("net", NetworkArgs(flow_logs_key_arn=key)))
    [default] = run.of("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup")
    assert not default.inputs.get("ingress") and not default.inputs.get("egress")
    [flow] = run.of("aws:ec2/flowLog:FlowLog")
    assert flow.inputs["trafficType"] == "ALL"
    [group] = run.of("aws:cloudwatch/logGroup:LogGroup")
    assert flow.inputs["logDestination"] == group.outputs["arn"]
    assert group.inputs["kmsKeyId"] == key
    trust = json.loads(run.named("net-flow-logs-role").inputs["assumeRolePolicy"])
    assert trust["Statement"][0]["Principal"] == {"Service": "vpc-flow-logs.amazonaws.com"}
    off = mocked(lambda: Network("net", NetworkArgs()))
    assert off.of("aws:ec2/flowLog:FlowLog") == []
