"""What moto holds after a deploy, described with boto3, against the Pulumi inputs (tags too).

Two deploys of `program.build` cover the four patterns and their variants: the
hybrid (batch, real-time and streaming parts) with an HTTPS certificate, a
bring-your-own KMS key and VPC endpoints; and a public real-time API in an
existing VPC. Per AWS service, every resource the program registered is
described and each input its translator applies is compared with the
description; an input listed as not emulated is skipped, since moto cannot
show it. A mismatch is an input the emulator dropped or mangled.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from emulator_support import moto_backend

from archgen.stack_settings import StackSettings
from archgen_stacks.program import AppArtifacts, build
from archgen_stacks.testing.emulator import DeployedResource, DeployResult, MotoMocks, deploy
from archgen_stacks.testing.emulator.translators import TRANSLATORS

APP = AppArtifacts(
    package="ai_service",
)


def _hybrid_https_byo_key(session: boto3.Session) -> StackSettings:
    key = session.client("kms").create_key(Description="team key")["KeyMetadata"]["Arn"]
    cert = session.client("acm").request_certificate(DomainName="api.example.com")
    return StackSettings(
        pattern="hybrid",
        kms_key_arn=key,
        certificate_arn=cert["CertificateArn"],
        egress="endpoints",
    )


def _realtime_public_existing_vpc(session: boto3.Session) -> StackSettings:
    ec2 = session.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.9.{n}.0/24", AvailabilityZone=zone)["Subnet"][
            "SubnetId"
        ]
        for n, zone in enumerate(("us-east-1a", "us-east-1b", "us-east-1a", "us-east-1b"))
    ]
    return StackSettings(
        pattern="realtime",
        name_prefix="edge-api",  # both deploys share one account
        existing_vpc_id=vpc,
        existing_private_subnet_ids=",".join(subnets[:2]),
        existing_public_subnet_ids=",".join(subnets[2:]),
        public_http=True,
    )


SCENARIOS: dict[str, Callable[[boto3.Session], StackSettings]] = {
    "hybrid-https-byo-key-endpoints": _hybrid_https_byo_key,
    "realtime-public-existing-vpc": _realtime_public_existing_vpc,
}


@pytest.fixture(scope="module")
def deployments() -> Iterator[list[tuple[MotoMocks, DeployResult]]]:
    done: list[tuple[MotoMocks, DeployResult]] = []
    with moto_backend() as session:
        for make in SCENARIOS.values():
            settings = make(session)
            mocks = MotoMocks(session)
            done.append((mocks, deploy(lambda s=settings: build(s, APP), mocks=mocks)))
        yield done


class Check:
    """Collects mismatches between the description and the inputs of one resource."""

    def __init__(self, res: DeployedResource) -> None:
        self.res = res
        self.inputs = res.outputs
        self.mismatches: list[str] = []
        self.compared = 0

    def given(self, path: str) -> bool:
        """The input is set and applied (not listed as not emulated)."""
        value: Any = self.inputs
        for part in path.split("."):
            if not isinstance(value, dict) or part not in value:
                return False
            value = value[part]
        return value is not None and path not in TRANSLATORS[self.res.kind].not_emulated

    def eq(self, what: str, got: Any, want: Any) -> None:
        self.compared += 1
        if _norm(got) != _norm(want):
            self.mismatches.append(f"{self.res.kind} {self.res.name!r} {what}: {got!r} != {want!r}")

    def field(
        self, path: str, got: Callable[[], Any], shape: Callable[[Any], Any] | None = None
    ) -> None:
        """Compare an input, when given, with what `got()` reads from the description.

        `shape` turns the input into the description's form (a sorted list, parsed JSON).
        """
        if self.given(path):
            value: Any = self.inputs
            for part in path.split("."):
                value = value[part]
            self.eq(path, got(), shape(value) if shape else value)

    def tags(self, got: Any) -> None:
        if self.given("tags"):
            self.eq("tags", _tag_map(got), self.inputs["tags"])


def _norm(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {str(k): _norm(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_norm(v) for v in value]
    return value


def _tag_map(tags: Any) -> dict[str, str]:
    if isinstance(tags, dict):
        return {str(k): str(v) for k, v in tags.items()}
    out: dict[str, str] = {}
    for tag in tags or []:
        key = tag.get("Key", tag.get("key", tag.get("TagKey")))
        out[str(key)] = str(tag.get("Value", tag.get("value", tag.get("TagValue"))))
    return out


def _doc(text: Any) -> Any:
    return json.loads(text) if isinstance(text, str) else text


# -- one describer per service: (mocks, resource, check) ---------------------


def _s3(m: MotoMocks, r: DeployedResource, c: Check) -> None:
    s3, i = m.client("s3"), r.outputs
    if r.kind == "s3.Bucket":
        c.tags(s3.get_bucket_tagging(Bucket=r.id)["TagSet"])
    elif r.kind == "s3.BucketPolicy":
        c.eq("policy", _doc(s3.get_bucket_policy(Bucket=i["bucket"])["Policy"]), _doc(i["policy"]))
    elif r.kind == "s3.BucketServerSideEncryptionConfiguration":
        (rule,) = s3.get_bucket_encryption(Bucket=i["bucket"])["ServerSideEncryptionConfiguration"][
            "Rules"
        ]
        (want,) = i["rules"]
        default = rule["ApplyServerSideEncryptionByDefault"]
        c.eq(
            "sseAlgorithm",
            default["SSEAlgorithm"],
            want["applyServerSideEncryptionByDefault"]["sseAlgorithm"],
        )
        c.eq(
            "kmsMasterKeyId",
            default.get("KMSMasterKeyID"),
            want["applyServerSideEncryptionByDefault"].get("kmsMasterKeyId"),
        )
        c.eq("bucketKeyEnabled", rule["BucketKeyEnabled"], want.get("bucketKeyEnabled", False))
    elif r.kind == "s3.BucketVersioning":
        got = s3.get_bucket_versioning(Bucket=i["bucket"])["Status"]
        c.eq("status", got, i["versioningConfiguration"]["status"])
    elif r.kind == "s3.BucketPublicAccessBlock":
        got = s3.get_public_access_block(Bucket=i["bucket"])["PublicAccessBlockConfiguration"]
        for key in (
            "blockPublicAcls",
            "blockPublicPolicy",
            "ignorePublicAcls",
            "restrictPublicBuckets",
        ):
            c.field(key, lambda k=key: got[k[0].upper() + k[1:]])
    elif r.kind == "s3.BucketLifecycleConfiguration":
        rules = s3.get_bucket_lifecycle_configuration(Bucket=i["bucket"])["Rules"]
        got = {x["ID"]: x for x in rules}
        for want in i["rules"]:
            rule = got.get(want["id"], {})
            c.eq(f"rules[{want['id']}].status", rule.get("Status"), want["status"])
            if "expiration" in want:
                c.eq("expiration.days", rule["Expiration"]["Days"], want["expiration"]["days"])
            if "transitions" in want:
                c.eq(
                    "transitions",
                    [(t["Days"], t["StorageClass"]) for t in rule["Transitions"]],
                    [(t["days"], t["storageClass"]) for t in want["transitions"]],
                )
            if "noncurrentVersionExpiration" in want:
                c.eq(
                    "noncurrentDays",
                    rule["NoncurrentVersionExpiration"]["NoncurrentDays"],
                    want["noncurrentVersionExpiration"]["noncurrentDays"],
                )
    elif r.kind == "s3.BucketLogging":
        got = s3.get_bucket_logging(Bucket=i["bucket"])["LoggingEnabled"]
        c.eq("targetBucket", got["TargetBucket"], i["targetBucket"])
        c.eq("targetPrefix", got["TargetPrefix"], i["targetPrefix"])
    elif r.kind == "s3.BucketOwnershipControls":
        (rule,) = s3.get_bucket_ownership_controls(Bucket=i["bucket"])["OwnershipControls"]["Rules"]
        c.eq("objectOwnership", rule["ObjectOwnership"], i["rule"]["objectOwnership"])


def _perms(perms: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    out = []
    for p in perms:
        for cidr in p.get("IpRanges", []):
            out.append(
                (
                    p["IpProtocol"],
                    p.get("FromPort"),
                    p.get("ToPort"),
                    cidr["CidrIp"],
                    cidr.get("Description"),
                )
            )
        for pair in p.get("UserIdGroupPairs", []):
            out.append(
                (
                    p["IpProtocol"],
                    p.get("FromPort"),
                    p.get("ToPort"),
                    pair["GroupId"],
                    pair.get("Description"),
                )
            )
        for pl in p.get("PrefixListIds", []):
            out.append(
                (
                    p["IpProtocol"],
                    p.get("FromPort"),
                    p.get("ToPort"),
                    pl["PrefixListId"],
                    pl.get("Description"),
                )
            )
    return sorted(out, key=str)


def _rules(rules: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    out = []
    for rule in rules or []:
        proto = "-1" if rule["protocol"] in ("-1", "all") else rule["protocol"]
        ports = (None, None) if proto == "-1" else (int(rule["fromPort"]), int(rule["toPort"]))
        peers = list(rule.get("cidrBlocks") or []) + list(rule.get("securityGroups") or [])
        peers += list(rule.get("prefixListIds") or [])
        out += [(proto, *ports, peer, rule.get("description") or None) for peer in peers]
    return sorted(out, key=str)


def _ec2(m: MotoMocks, r: DeployedResource, c: Check) -> None:
    ec2, i = m.client("ec2"), r.outputs
    if r.kind in ("ec2.SecurityGroup", "ec2.DefaultSecurityGroup"):
        (group,) = ec2.describe_security_groups(GroupIds=[r.id])["SecurityGroups"]
        # the group's rules: its inline ones and the standalone rules that name it
        standalone = [
            {**x.outputs, "securityGroups": [x.outputs["sourceSecurityGroupId"]]}
            if x.outputs.get("sourceSecurityGroupId")
            else x.outputs
            for x in m.resources
            if x.kind == "ec2.SecurityGroupRule" and x.outputs["securityGroupId"] == r.id
        ]
        for way, perms in (("ingress", "IpPermissions"), ("egress", "IpPermissionsEgress")):
            rules = list(i.get(way) or []) + [x for x in standalone if x["type"] == way]
            c.eq(way, _perms(group[perms]), _rules(rules))
        c.field("description", lambda: group["Description"])
        c.tags(group.get("Tags"))
    elif r.kind == "ec2.Vpc":
        (vpc,) = ec2.describe_vpcs(VpcIds=[r.id])["Vpcs"]
        c.eq("cidrBlock", vpc["CidrBlock"], i["cidrBlock"])
        c.field(
            "enableDnsHostnames",
            lambda: ec2.describe_vpc_attribute(VpcId=r.id, Attribute="enableDnsHostnames")[
                "EnableDnsHostnames"
            ]["Value"],
        )
        c.tags(vpc.get("Tags"))
    elif r.kind == "ec2.Subnet":
        (sub,) = ec2.describe_subnets(SubnetIds=[r.id])["Subnets"]
        c.eq("cidrBlock", sub["CidrBlock"], i["cidrBlock"])
        c.field("availabilityZone", lambda: sub["AvailabilityZone"])
        c.field("mapPublicIpOnLaunch", lambda: sub["MapPublicIpOnLaunch"])
        c.tags(sub.get("Tags"))
    elif r.kind == "ec2.RouteTable":
        (table,) = ec2.describe_route_tables(RouteTableIds=[r.id])["RouteTables"]
        c.tags(table.get("Tags"))
    elif r.kind == "ec2.InternetGateway":
        (igw,) = ec2.describe_internet_gateways(InternetGatewayIds=[r.id])["InternetGateways"]
        c.field("vpcId", lambda: igw["Attachments"][0]["VpcId"])
        c.tags(igw.get("Tags"))
    elif r.kind == "ec2.NatGateway":
        (nat,) = ec2.describe_nat_gateways(NatGatewayIds=[r.id])["NatGateways"]
        c.eq("subnetId", nat["SubnetId"], i["subnetId"])
        c.tags(nat.get("Tags"))
    elif r.kind == "ec2.Eip":
        (eip,) = ec2.describe_addresses(AllocationIds=[r.id])["Addresses"]
        c.tags(eip.get("Tags"))
    elif r.kind == "ec2.VpcEndpoint":
        (ep,) = ec2.describe_vpc_endpoints(VpcEndpointIds=[r.id])["VpcEndpoints"]
        c.eq("serviceName", ep["ServiceName"], i["serviceName"])
        c.field("vpcEndpointType", lambda: ep["VpcEndpointType"])
        c.field("subnetIds", lambda: sorted(ep.get("SubnetIds", [])), sorted)
        c.field("policy", lambda: _doc(ep["PolicyDocument"]), _doc)
        c.tags(ep.get("Tags"))
    elif r.kind == "ec2.FlowLog":
        (log,) = ec2.describe_flow_logs(FlowLogIds=[r.id])["FlowLogs"]
        c.eq("trafficType", log["TrafficType"], i["trafficType"])
        c.eq("logDestination", log["LogDestination"], i["logDestination"])
        c.tags(log.get("Tags"))


def _ecs(m: MotoMocks, r: DeployedResource, c: Check) -> None:
    ecs, i = m.client("ecs"), r.outputs
    if r.kind == "ecs.Cluster":
        (cl,) = ecs.describe_clusters(clusters=[r.id], include=["TAGS", "SETTINGS"])["clusters"]
        c.field("settings", lambda: cl.get("settings"))
        c.tags(cl.get("tags"))
    elif r.kind == "ecs.TaskDefinition":
        out = ecs.describe_task_definition(taskDefinition=i["arn"], include=["TAGS"])
        td = out["taskDefinition"]
        for key in ("cpu", "memory", "networkMode", "executionRoleArn", "taskRoleArn"):
            c.field(key, lambda k=key: td.get(k), str if key in ("cpu", "memory") else None)
        c.field("requiresCompatibilities", lambda: td.get("requiresCompatibilities"))
        c.field("runtimePlatform", lambda: td.get("runtimePlatform"))
        c.eq(
            "containerDefinitions.image",
            [d["image"] for d in td["containerDefinitions"]],
            [d["image"] for d in _doc(i["containerDefinitions"])],
        )
        c.tags(out.get("tags"))
    elif r.kind == "ecs.Service":
        (svc,) = ecs.describe_services(cluster=i["cluster"], services=[r.id], include=["TAGS"])[
            "services"
        ]
        c.field("desiredCount", lambda: svc["desiredCount"])
        c.field("launchType", lambda: svc["launchType"])
        c.field("propagateTags", lambda: svc.get("propagateTags"))
        c.field(
            "loadBalancers",
            lambda: [(x["targetGroupArn"], x["containerPort"]) for x in svc["loadBalancers"]],
            lambda v: [(x["targetGroupArn"], x["containerPort"]) for x in v],
        )
        net = svc.get("networkConfiguration", {}).get("awsvpcConfiguration", {})
        c.field("networkConfiguration.subnets", lambda: sorted(net.get("subnets", [])), sorted)
        c.field(
            "networkConfiguration.assignPublicIp",
            lambda: net.get("assignPublicIp") == "ENABLED",
        )
        c.tags(svc.get("tags"))


def _ecr(m: MotoMocks, r: DeployedResource, c: Check) -> None:
    ecr, i = m.client("ecr"), r.outputs
    if r.kind == "ecr.Repository":
        (repo,) = ecr.describe_repositories(repositoryNames=[r.id])["repositories"]
        c.field("imageTagMutability", lambda: repo["imageTagMutability"])
        c.field(
            "imageScanningConfiguration.scanOnPush",
            lambda: repo["imageScanningConfiguration"]["scanOnPush"],
        )
        c.field(
            "encryptionConfigurations",
            lambda: [repo["encryptionConfiguration"]],
        )
        c.tags(ecr.list_tags_for_resource(resourceArn=repo["repositoryArn"])["tags"])
    elif r.kind == "ecr.LifecyclePolicy":
        got = ecr.get_lifecycle_policy(repositoryName=i["repository"])["lifecyclePolicyText"]
        c.eq("policy", _doc(got), _doc(i["policy"]))
    elif r.kind == "ecr.RepositoryPolicy":
        got = ecr.get_repository_policy(repositoryName=i["repository"])["policyText"]
        c.eq("policy", _doc(got), _doc(i["policy"]))


def _iam(m: MotoMocks, r: DeployedResource, c: Check) -> None:
    iam, i = m.client("iam"), r.outputs
    if r.kind == "iam.Role":
        role = iam.get_role(RoleName=r.id)["Role"]
        c.eq(
            "assumeRolePolicy", _doc(role["AssumeRolePolicyDocument"]), _doc(i["assumeRolePolicy"])
        )
        c.field("path", lambda: role["Path"])
        c.field("description", lambda: role.get("Description"))
        c.tags(iam.list_role_tags(RoleName=r.id)["Tags"])
    elif r.kind == "iam.RolePolicy":
        role, name = r.id.split(":", 1)
        got = iam.get_role_policy(RoleName=role, PolicyName=name)["PolicyDocument"]
        c.eq("policy", _doc(got), _doc(i["policy"]))
    elif r.kind == "iam.RolePolicyAttachment" and ":aws:policy/" not in i["policyArn"]:
        attached = iam.list_attached_role_policies(RoleName=i["role"])["AttachedPolicies"]
        c.eq("policyArn", i["policyArn"] in [a["PolicyArn"] for a in attached], True)


def _logs(m: MotoMocks, r: DeployedResource, c: Check) -> None:
    logs, i = m.client("logs"), r.outputs
    if r.kind == "cloudwatch.LogGroup":
        (group,) = [
            g
            for g in logs.describe_log_groups(logGroupNamePrefix=r.id)["logGroups"]
            if g["logGroupName"] == r.id
        ]
        c.field("retentionInDays", lambda: group.get("retentionInDays"))
        c.field("kmsKeyId", lambda: group.get("kmsKeyId"))
        c.tags(logs.list_tags_log_group(logGroupName=r.id)["tags"])
    elif r.kind == "cloudwatch.LogStream":
        streams = logs.describe_log_streams(logGroupName=i["logGroupName"])["logStreams"]
        c.eq("name", r.id in [s["logStreamName"] for s in streams], True)
    else:
        (found,) = logs.describe_metric_filters(
            logGroupName=i["logGroupName"], filterNamePrefix=r.id
        )["metricFilters"]
        c.field("pattern", lambda: found["filterPattern"])
        (metric,) = found["metricTransformations"]
        for key, wire in (("name", "metricName"), ("namespace", "metricNamespace")):
            c.field(f"metricTransformation.{key}", lambda w=wire: metric[w])
        c.field("metricTransformation.value", lambda: metric["metricValue"])


def _secretsmanager(m: MotoMocks, r: DeployedResource, c: Check) -> None:
    secrets = m.client("secretsmanager")
    described = secrets.describe_secret(SecretId=r.outputs["arn"])
    c.eq("name", described["Name"], r.outputs["name"])
    c.field("kmsKeyId", lambda: described.get("KmsKeyId"))
    c.field("description", lambda: described.get("Description"))
    c.tags(described.get("Tags", []))


def _cloudwatch(m: MotoMocks, r: DeployedResource, c: Check) -> None:
    cw, i = m.client("cloudwatch"), r.outputs
    if r.kind == "cloudwatch.MetricAlarm":
        (alarm,) = cw.describe_alarms(AlarmNames=[r.id])["MetricAlarms"]
        for key in ("comparisonOperator", "threshold", "evaluationPeriods", "treatMissingData"):
            c.field(key, lambda k=key: alarm.get(k[0].upper() + k[1:]))
        for key in ("metricName", "namespace", "statistic", "period", "datapointsToAlarm"):
            c.field(key, lambda k=key: alarm.get(k[0].upper() + k[1:]))
        c.field("alarmActions", lambda: alarm["AlarmActions"])
        c.field("okActions", lambda: alarm["OKActions"])
        c.field(
            "dimensions",
            lambda: {d["Name"]: d["Value"] for d in alarm.get("Dimensions", [])},
        )
        c.field(
            "metricQueries",
            lambda: [q["Id"] for q in alarm["Metrics"]],
            lambda v: [q["id"] for q in v],
        )
        c.tags(cw.list_tags_for_resource(ResourceARN=alarm["AlarmArn"])["Tags"])
    elif r.kind == "cloudwatch.Dashboard":
        body = cw.get_dashboard(DashboardName=r.id)["DashboardBody"]
        c.eq("dashboardBody", _doc(body), _doc(i["dashboardBody"]))


def _sfn(m: MotoMocks, r: DeployedResource, c: Check) -> None:
    sfn, i = m.client("stepfunctions"), r.outputs
    desc = sfn.describe_state_machine(stateMachineArn=r.id)
    c.eq("definition", _doc(desc["definition"]), _doc(i["definition"]))
    c.eq("roleArn", desc["roleArn"], i["roleArn"])
    c.field("type", lambda: desc["type"])
    c.field("tracingConfiguration.enabled", lambda: desc["tracingConfiguration"]["enabled"])
    logging = desc.get("loggingConfiguration", {})
    c.field("loggingConfiguration.level", lambda: logging.get("level"))
    c.field(
        "loggingConfiguration.includeExecutionData", lambda: logging.get("includeExecutionData")
    )
    c.field(
        "loggingConfiguration.logDestination",
        lambda: logging["destinations"][0]["cloudWatchLogsLogGroup"]["logGroupArn"],
    )
    c.tags(sfn.list_tags_for_resource(resourceArn=r.id)["tags"])


def _scheduler(m: MotoMocks, r: DeployedResource, c: Check) -> None:
    i = r.outputs
    got = m.client("scheduler").get_schedule(Name=i["name"], GroupName=i["groupName"])
    c.eq("scheduleExpression", got["ScheduleExpression"], i["scheduleExpression"])
    c.field("scheduleExpressionTimezone", lambda: got["ScheduleExpressionTimezone"])
    c.field("state", lambda: got["State"])
    c.eq("target.arn", got["Target"]["Arn"], i["target"]["arn"])
    c.eq("target.roleArn", got["Target"]["RoleArn"], i["target"]["roleArn"])
    c.field("target.input", lambda: got["Target"]["Input"])
    c.field(
        "target.retryPolicy.maximumRetryAttempts",
        lambda: got["Target"]["RetryPolicy"]["MaximumRetryAttempts"],
    )
    c.field("flexibleTimeWindow.mode", lambda: got["FlexibleTimeWindow"]["Mode"])


def _sns(m: MotoMocks, r: DeployedResource, c: Check) -> None:
    sns, i = m.client("sns"), r.outputs
    if r.kind == "sns.Topic":
        attrs = sns.get_topic_attributes(TopicArn=r.id)["Attributes"]
        c.field("kmsMasterKeyId", lambda: attrs.get("KmsMasterKeyId"))
        c.tags(sns.list_tags_for_resource(ResourceArn=r.id)["Tags"])
    elif r.kind == "sns.TopicPolicy":
        attrs = sns.get_topic_attributes(TopicArn=i["arn"])["Attributes"]
        c.eq("policy", _doc(attrs["Policy"]), _doc(i["policy"]))
    elif r.kind == "sns.TopicSubscription":
        subs = sns.list_subscriptions_by_topic(TopicArn=i["topic"])["Subscriptions"]
        c.eq(
            "endpoint",
            (i["protocol"], i["endpoint"]) in [(s["Protocol"], s["Endpoint"]) for s in subs],
            True,
        )


def _elbv2(m: MotoMocks, r: DeployedResource, c: Check) -> None:
    elb, i = m.client("elbv2"), r.outputs
    tags = elb.describe_tags(ResourceArns=[r.id])["TagDescriptions"][0]["Tags"]
    c.tags(tags)
    if r.kind == "lb.LoadBalancer":
        (lb,) = elb.describe_load_balancers(LoadBalancerArns=[r.id])["LoadBalancers"]
        c.eq("internal", lb["Scheme"] == "internal", bool(i.get("internal")))
        c.field("loadBalancerType", lambda: lb["Type"])
        c.field("securityGroups", lambda: sorted(lb["SecurityGroups"]), sorted)
        c.field("subnets", lambda: sorted(z["SubnetId"] for z in lb["AvailabilityZones"]), sorted)
        attrs = {
            a["Key"]: a["Value"]
            for a in elb.describe_load_balancer_attributes(LoadBalancerArn=r.id)["Attributes"]
        }
        c.field("idleTimeout", lambda: int(attrs["idle_timeout.timeout_seconds"]))
        c.field(
            "dropInvalidHeaderFields",
            lambda: attrs["routing.http.drop_invalid_header_fields.enabled"] == "true",
        )
        c.field("accessLogs.bucket", lambda: attrs["access_logs.s3.bucket"])
        c.field("accessLogs.prefix", lambda: attrs["access_logs.s3.prefix"])
    elif r.kind == "lb.TargetGroup":
        (tg,) = elb.describe_target_groups(TargetGroupArns=[r.id])["TargetGroups"]
        c.field("port", lambda: tg["Port"])
        c.field("protocol", lambda: tg["Protocol"])
        c.field("targetType", lambda: tg["TargetType"])
        c.field("healthCheck.path", lambda: tg["HealthCheckPath"])
        c.field("healthCheck.interval", lambda: tg["HealthCheckIntervalSeconds"])
        c.field("healthCheck.matcher", lambda: tg["Matcher"]["HttpCode"])
        c.field("healthCheck.enabled", lambda: tg["HealthCheckEnabled"])
        attrs = {
            a["Key"]: a["Value"]
            for a in elb.describe_target_group_attributes(TargetGroupArn=r.id)["Attributes"]
        }
        c.field("deregistrationDelay", lambda: int(attrs["deregistration_delay.timeout_seconds"]))
    elif r.kind == "lb.Listener":
        (lst,) = elb.describe_listeners(ListenerArns=[r.id])["Listeners"]
        c.field("port", lambda: lst["Port"])
        c.field("protocol", lambda: lst["Protocol"])
        c.field("sslPolicy", lambda: lst["SslPolicy"])
        c.field("certificateArn", lambda: lst["Certificates"][0]["CertificateArn"])
        c.eq(
            "defaultActions",
            [(a["Type"], a.get("TargetGroupArn")) for a in lst["DefaultActions"]],
            [(a["type"], a.get("targetGroupArn")) for a in i["defaultActions"]],
        )


def _appautoscaling(m: MotoMocks, r: DeployedResource, c: Check) -> None:
    aas, i = m.client("application-autoscaling"), r.outputs
    if r.kind == "appautoscaling.Target":
        (target,) = aas.describe_scalable_targets(
            ServiceNamespace=i["serviceNamespace"], ResourceIds=[i["resourceId"]]
        )["ScalableTargets"]
        c.eq("minCapacity", target["MinCapacity"], i["minCapacity"])
        c.eq("maxCapacity", target["MaxCapacity"], i["maxCapacity"])
    else:
        policies = aas.describe_scaling_policies(
            ServiceNamespace=i["serviceNamespace"], ResourceId=i["resourceId"]
        )["ScalingPolicies"]
        (policy,) = [p for p in policies if p["PolicyName"] == r.id]  # moto ignores PolicyNames
        c.field("policyType", lambda: policy["PolicyType"])
        conf = policy.get("TargetTrackingScalingPolicyConfiguration", {})
        for key in ("targetValue", "scaleInCooldown", "scaleOutCooldown"):
            c.field(
                f"targetTrackingScalingPolicyConfiguration.{key}",
                lambda k=key: conf.get(k[0].upper() + k[1:]),
            )


def _kinesis(m: MotoMocks, r: DeployedResource, c: Check) -> None:
    kin, i = m.client("kinesis"), r.outputs
    if r.kind == "kinesis.Stream":
        desc = kin.describe_stream_summary(StreamName=i["name"])["StreamDescriptionSummary"]
        c.field("streamModeDetails.streamMode", lambda: desc["StreamModeDetails"]["StreamMode"])
        c.field("shardCount", lambda: desc["OpenShardCount"])
        c.field("retentionPeriod", lambda: desc["RetentionPeriodHours"])
        c.field("encryptionType", lambda: desc["EncryptionType"])
        c.field("kmsKeyId", lambda: desc["KeyId"])
        c.tags(kin.list_tags_for_stream(StreamName=i["name"])["Tags"])
        return
    fh = m.client("firehose")
    desc = fh.describe_delivery_stream(DeliveryStreamName=i["name"])["DeliveryStreamDescription"]
    s3 = desc["Destinations"][0]["ExtendedS3DestinationDescription"]
    conf = i["extendedS3Configuration"]
    c.eq("bucketArn", s3["BucketARN"], conf["bucketArn"])
    c.eq("roleArn", s3["RoleARN"], conf["roleArn"])
    c.field("extendedS3Configuration.prefix", lambda: s3["Prefix"])
    c.field("extendedS3Configuration.errorOutputPrefix", lambda: s3["ErrorOutputPrefix"])
    c.field("extendedS3Configuration.compressionFormat", lambda: s3["CompressionFormat"])
    c.field(
        "extendedS3Configuration.bufferingInterval",
        lambda: s3["BufferingHints"]["IntervalInSeconds"],
    )
    c.field(
        "extendedS3Configuration.kmsKeyArn",
        lambda: s3["EncryptionConfiguration"]["KMSEncryptionConfig"]["AWSKMSKeyARN"],
    )
    for key, aws_key in (
        ("enabled", "Enabled"),
        ("logGroupName", "LogGroupName"),
        ("logStreamName", "LogStreamName"),
    ):
        c.field(
            f"extendedS3Configuration.cloudwatchLoggingOptions.{key}",
            lambda k=aws_key: s3["CloudWatchLoggingOptions"][k],
        )
    c.field(
        "kinesisSourceConfiguration.kinesisStreamArn",
        lambda: desc["Source"]["KinesisStreamSourceDescription"]["KinesisStreamARN"],
    )
    c.tags(fh.list_tags_for_delivery_stream(DeliveryStreamName=i["name"])["Tags"])


def _lambda(m: MotoMocks, r: DeployedResource, c: Check) -> None:
    lam, i = m.client("lambda"), r.outputs
    if r.kind == "lambda.Function":
        fn = lam.get_function(FunctionName=r.id)
        conf = fn["Configuration"]
        for key in (
            "role",
            "memorySize",
            "timeout",
            "runtime",
            "handler",
            "kmsKeyArn",
            "packageType",
        ):
            c.field(
                key,
                lambda k=key: conf.get("KMSKeyArn" if k == "kmsKeyArn" else k[0].upper() + k[1:]),
            )
        c.field("architectures", lambda: conf["Architectures"])
        if c.given("imageUri"):
            c.eq("imageUri", fn["Code"]["ImageUri"], i["imageUri"])
        image = conf.get("ImageConfigResponse", {}).get("ImageConfig", {})
        c.field("imageConfig.entryPoints", lambda: image.get("EntryPoint"))
        c.field("imageConfig.commands", lambda: image.get("Command"))
        c.field("imageConfig.workingDirectory", lambda: image.get("WorkingDirectory"))
        c.field("environment.variables", lambda: conf["Environment"]["Variables"])
        c.field("tracingConfig.mode", lambda: conf["TracingConfig"]["Mode"])
        c.field("deadLetterConfig.targetArn", lambda: conf["DeadLetterConfig"]["TargetArn"])
        c.tags(fn.get("Tags"))
    elif r.kind == "lambda.EventSourceMapping":
        esm = lam.get_event_source_mapping(UUID=r.id)
        for key in (
            "batchSize",
            "maximumBatchingWindowInSeconds",
            "parallelizationFactor",
            "maximumRetryAttempts",
            "maximumRecordAgeInSeconds",
            "bisectBatchOnFunctionError",
            "startingPosition",
            "eventSourceArn",
            "functionResponseTypes",
        ):
            c.field(key, lambda k=key: esm.get(k[0].upper() + k[1:]))
        c.field(
            "destinationConfig.onFailure.destinationArn",
            lambda: esm["DestinationConfig"]["OnFailure"]["Destination"],
        )
        c.tags(lam.list_tags(Resource=esm["EventSourceMappingArn"])["Tags"])
    elif r.kind == "lambda.Permission":
        policy = _doc(lam.get_policy(FunctionName=i["function"])["Policy"])
        sids = [s["Sid"] for s in policy["Statement"]]
        c.eq("statementId", r.id in sids, True)


def _sqs(m: MotoMocks, r: DeployedResource, c: Check) -> None:
    sqs, i = m.client("sqs"), r.outputs
    if r.kind == "sqs.QueuePolicy":
        attrs = sqs.get_queue_attributes(QueueUrl=i["queueUrl"], AttributeNames=["Policy"])
        c.eq("policy", _doc(attrs["Attributes"]["Policy"]), _doc(i["policy"]))
        return
    attrs = sqs.get_queue_attributes(QueueUrl=r.id, AttributeNames=["All"])["Attributes"]
    for key, aws_key in (
        ("visibilityTimeoutSeconds", "VisibilityTimeout"),
        ("messageRetentionSeconds", "MessageRetentionPeriod"),
        ("delaySeconds", "DelaySeconds"),
        ("receiveWaitTimeSeconds", "ReceiveMessageWaitTimeSeconds"),
        ("kmsMasterKeyId", "KmsMasterKeyId"),
    ):
        c.field(key, lambda k=aws_key: attrs[k], lambda v: str(_norm(v)))
    c.field("sqsManagedSseEnabled", lambda: attrs["SqsManagedSseEnabled"] == "true")
    c.field("redrivePolicy", lambda: _doc(attrs["RedrivePolicy"]), _doc)
    c.tags(sqs.list_queue_tags(QueueUrl=r.id).get("Tags", {}))


def _dynamodb(m: MotoMocks, r: DeployedResource, c: Check) -> None:
    ddb, i = m.client("dynamodb"), r.outputs
    table = ddb.describe_table(TableName=r.id)["Table"]
    keys = {k["KeyType"]: k["AttributeName"] for k in table["KeySchema"]}
    c.eq("hashKey", keys["HASH"], i["hashKey"])
    c.field("rangeKey", lambda: keys.get("RANGE"))
    c.field("billingMode", lambda: table["BillingModeSummary"]["BillingMode"])
    c.field("streamViewType", lambda: table["StreamSpecification"]["StreamViewType"])
    c.field("serverSideEncryption.enabled", lambda: table["SSEDescription"]["Status"] == "ENABLED")
    c.field("serverSideEncryption.kmsKeyArn", lambda: table["SSEDescription"]["KMSMasterKeyArn"])
    c.field("deletionProtectionEnabled", lambda: table["DeletionProtectionEnabled"])
    ttl = ddb.describe_time_to_live(TableName=r.id)["TimeToLiveDescription"]
    c.field("ttl.attributeName", lambda: ttl.get("AttributeName"))
    backups = ddb.describe_continuous_backups(TableName=r.id)["ContinuousBackupsDescription"]
    c.field(
        "pointInTimeRecovery.enabled",
        lambda: backups["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"] == "ENABLED",
    )
    c.tags(ddb.list_tags_of_resource(ResourceArn=table["TableArn"])["Tags"])


def _kms(m: MotoMocks, r: DeployedResource, c: Check) -> None:
    kms, i = m.client("kms"), r.outputs
    if r.kind == "kms.Key":
        meta = kms.describe_key(KeyId=r.id)["KeyMetadata"]
        c.field("description", lambda: meta["Description"])
        c.field(
            "enableKeyRotation",
            lambda: kms.get_key_rotation_status(KeyId=r.id)["KeyRotationEnabled"],
        )
        c.field(
            "policy",
            lambda: _doc(kms.get_key_policy(KeyId=r.id, PolicyName="default")["Policy"]),
            _doc,
        )
        c.tags(kms.list_resource_tags(KeyId=r.id)["Tags"])
    else:
        aliases = kms.list_aliases()["Aliases"]
        (alias,) = [a for a in aliases if a["AliasName"] == r.id]
        key = kms.describe_key(KeyId=i["targetKeyId"])["KeyMetadata"]["KeyId"]
        c.eq("targetKeyId", alias["TargetKeyId"], key)


def _wafv2(m: MotoMocks, r: DeployedResource, c: Check) -> None:
    waf, i = m.client("wafv2"), r.outputs
    if r.kind == "wafv2.WebAcl":
        acl = waf.get_web_acl(Name=i["name"], Scope=i["scope"], Id=r.id)["WebACL"]
        c.eq(
            "rules",
            [(x["Name"], x["Priority"]) for x in acl["Rules"]],
            [(x["name"], x["priority"]) for x in i["rules"]],
        )
        c.eq(
            "defaultAction",
            sorted(acl["DefaultAction"]),
            [k.capitalize() for k in sorted(i["defaultAction"])],
        )
        c.tags(waf.list_tags_for_resource(ResourceARN=i["arn"])["TagInfoForResource"]["TagList"])
    elif r.kind == "wafv2.WebAclAssociation":
        got = waf.get_web_acl_for_resource(ResourceArn=i["resourceArn"])["WebACL"]["ARN"]
        c.eq("webAclArn", got, i["webAclArn"])
    else:
        conf = waf.get_logging_configuration(ResourceArn=i["resourceArn"])["LoggingConfiguration"]
        c.eq("logDestinationConfigs", conf["LogDestinationConfigs"], i["logDestinationConfigs"])


DESCRIBERS: dict[str, Callable[[MotoMocks, DeployedResource, Check], None]] = {
    "s3": _s3,
    "ec2": _ec2,
    "ecs": _ecs,
    "ecr": _ecr,
    "iam": _iam,
    "logs": _logs,
    "cloudwatch": _cloudwatch,
    "sfn": _sfn,
    "scheduler": _scheduler,
    "sns": _sns,
    "lb": _elbv2,
    "appautoscaling": _appautoscaling,
    "kinesis": _kinesis,
    "lambda": _lambda,
    "sqs": _sqs,
    "dynamodb": _dynamodb,
    "kms": _kms,
    "wafv2": _wafv2,
    "secretsmanager": _secretsmanager,
}


def _service(kind: str) -> str:
    logs = ("cloudwatch.LogGroup", "cloudwatch.LogStream", "cloudwatch.LogMetricFilter")
    if kind.startswith("docker-build:"):
        return "ecr"  # the image is pushed into ECR (see test_patterns for its read-back)
    return "logs" if kind in logs else kind.split(".")[0]


def test_every_emulated_service_has_a_describer() -> None:
    assert {_service(kind) for kind in TRANSLATORS} == set(DESCRIBERS)


@pytest.mark.parametrize("service", sorted(DESCRIBERS))
def test_describe_output_matches_the_inputs(service: str, deployments: Any) -> None:
    mismatches: list[str] = []
    compared = 0
    for mocks, result in deployments:
        for res in result.resources:
            if res.type.startswith("aws:") and _service(res.kind) == service:
                check = Check(res)
                DESCRIBERS[service](mocks, res, check)
                mismatches += check.mismatches
                compared += check.compared
    assert compared > 0, f"no {service} resource was compared"
    assert not mismatches, "\n".join(mismatches)
