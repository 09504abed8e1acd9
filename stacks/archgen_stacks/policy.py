"""archgen's security rules as plain Python over (resource type, properties) -> violations.

The same rules run in three places: the stack tests (over every resource a
pattern registers under mocks), the offline emulator, and a generated
project's pulumi-policy pack (`policy_pack.py`) during `pulumi preview`. They
import nothing from pulumi, so each place adapts its own resource records to
`ResourceView`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

BUCKET = "aws:s3/bucket:Bucket"
SSE = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
VERSIONING = "aws:s3/bucketVersioning:BucketVersioning"
PUBLIC_ACCESS = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy"
KMS_KEY = "aws:kms/key:Key"
STREAM = "aws:kinesis/stream:Stream"
QUEUE = "aws:sqs/queue:Queue"
TOPIC = "aws:sns/topic:Topic"
TABLE = "aws:dynamodb/table:Table"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
SERVICE = "aws:ecs/service:Service"
STATE_MACHINE = "aws:sfn/stateMachine:StateMachine"
SUBNET = "aws:ec2/subnet:Subnet"
ROUTE = "aws:ec2/route:Route"
ROUTE_ASSOC = "aws:ec2/routeTableAssociation:RouteTableAssociation"
IGW = "aws:ec2/internetGateway:InternetGateway"
ECR_REPO = "aws:ecr/repository:Repository"
TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition"

WILDCARD_RESOURCE_ACTIONS: dict[str, str] = {
    "ecr:GetAuthorizationToken": "registry login token is account-wide, not per repository",
    "cloudwatch:PutMetricData": "custom metrics have no resource ARN",
    "xray:PutTraceSegments": "X-Ray ingestion has no resource ARN",
    "xray:PutTelemetryRecords": "X-Ray ingestion has no resource ARN",
    "xray:GetSamplingRules": "X-Ray sampling rules are read account-wide",
    "xray:GetSamplingTargets": "X-Ray sampling targets are read account-wide",
    "logs:CreateLogDelivery": "vended log delivery (Step Functions logging) is not resource-scoped",
    "logs:GetLogDelivery": "vended log delivery is not resource-scoped",
    "logs:UpdateLogDelivery": "vended log delivery is not resource-scoped",
    "logs:DeleteLogDelivery": "vended log delivery is not resource-scoped",
    "logs:ListLogDeliveries": "vended log delivery is not resource-scoped",
    "logs:PutResourcePolicy": "the CloudWatch Logs resource policy is account-wide",
    "logs:DescribeResourcePolicies": "the CloudWatch Logs resource policy is account-wide",
    "logs:DescribeLogGroups": "listing log groups is not resource-scoped",
}
"""The only actions an IAM Allow statement may grant on `Resource: "*"`, and why."""


@dataclass(frozen=True)
class ResourceView:
    """One resource as the rules see it: type token, name, camelCase properties.

    `id` (when known) and `deps` (property -> URNs it was computed from, as
    pulumi-policy reports) let stack rules link resources to each other.
    """

    type: str
    name: str
    props: Mapping[str, Any]
    urn: str = ""
    id: str | None = None
    deps: Mapping[str, frozenset[str]] = field(default_factory=dict)

    def handles(self) -> set[str]:
        """Values other resources use to point at this one (id, ARN, name, bucket, URL)."""
        out = {self.urn} if self.urn else set()
        if self.id:
            out.add(self.id)
        for key in ("arn", "name", "bucket", "url", "id"):
            value = self.props.get(key)
            if isinstance(value, str) and value:
                out.add(value)
        return out


@dataclass(frozen=True)
class Violation:
    """A rule a resource breaks."""

    rule: str
    resource: str
    message: str


@dataclass(frozen=True)
class Rule:
    """A check of one resource's properties; returns messages (empty: compliant)."""

    name: str
    description: str
    types: frozenset[str]
    check: Callable[[ResourceView], list[str]]


@dataclass(frozen=True)
class StackRule:
    """A check across all resources; returns (resource name, message) pairs."""

    name: str
    description: str
    check: Callable[[Sequence[ResourceView]], list[tuple[str, str]]]


# -- helpers ---------------------------------------------------------------------
def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def _json(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return None
    return value


def _statements(document: Any) -> list[dict[str, Any]]:
    doc = _json(document)
    if not isinstance(doc, dict):
        return []
    return [s for s in _as_list(doc.get("Statement")) if isinstance(s, dict)]


def links(view: ResourceView, prop: str, target: ResourceView, value: Any = None) -> bool:
    """Does `view.props[prop]` (or `value` found inside it) refer to `target`?"""
    if target.urn and target.urn in view.deps.get(prop, frozenset()):
        return True
    candidates = _as_list(value if value is not None else view.props.get(prop))
    handles = target.handles()
    return any(isinstance(c, str) and c in handles for c in candidates)


# -- resource rules ----------------------------------------------------------------
def _kms_rotation(v: ResourceView) -> list[str]:
    return [] if v.props.get("enableKeyRotation") is True else ["KMS key rotation is off"]


def _kinesis_encryption(v: ResourceView) -> list[str]:
    if v.props.get("encryptionType") == "KMS" and v.props.get("kmsKeyId"):
        return []
    return ["Kinesis stream is not KMS-encrypted"]


def _sqs_encryption(v: ResourceView) -> list[str]:
    if v.props.get("kmsMasterKeyId") or v.props.get("sqsManagedSseEnabled") is True:
        return []
    return ["SQS queue is not encrypted"]


def _sns_encryption(v: ResourceView) -> list[str]:
    return [] if v.props.get("kmsMasterKeyId") else ["SNS topic is not KMS-encrypted"]


def _dynamodb(v: ResourceView) -> list[str]:
    out = []
    if (v.props.get("serverSideEncryption") or {}).get("enabled") is not True:
        out.append("DynamoDB table is not encrypted with a KMS key")
    if (v.props.get("pointInTimeRecovery") or {}).get("enabled") is not True:
        out.append("DynamoDB table has no point-in-time recovery")
    return out


def _log_retention(v: ResourceView) -> list[str]:
    days = v.props.get("retentionInDays")
    ok = isinstance(days, int | float) and not isinstance(days, bool) and days > 0
    return [] if ok else ["log group keeps logs forever"]


def _log_encryption(v: ResourceView) -> list[str]:
    return [] if v.props.get("kmsKeyId") else ["log group is not KMS-encrypted"]


def _policy_documents(v: ResourceView) -> list[Any]:
    if v.type == ROLE_POLICY:
        return [v.props.get("policy")]
    if v.type == ROLE:
        return [
            p.get("policy") for p in _as_list(v.props.get("inlinePolicies")) if isinstance(p, dict)
        ]
    return []


def _iam_actions(v: ResourceView) -> list[str]:
    out = []
    for doc in _policy_documents(v):
        for st in _statements(doc):
            if st.get("Effect") != "Allow":
                continue
            if "NotAction" in st:
                out.append("IAM Allow statement uses NotAction")
            for action in _as_list(st.get("Action")):
                if action == "*" or (isinstance(action, str) and action.endswith(":*")):
                    out.append(f"IAM statement allows every action ({action})")
    return out


def _iam_resources(v: ResourceView) -> list[str]:
    out = []
    for doc in _policy_documents(v):
        for st in _statements(doc):
            if st.get("Effect") != "Allow" or "*" not in _as_list(st.get("Resource")):
                continue
            loose = [a for a in _as_list(st.get("Action")) if a not in WILDCARD_RESOURCE_ACTIONS]
            if loose:
                out.append(f"IAM statement grants {', '.join(map(str, loose))} on Resource *")
    return out


def _ecs_public_ip(v: ResourceView) -> list[str]:
    if v.type == SERVICE:
        net = v.props.get("networkConfiguration") or {}
        if not net:
            return ["ECS service has no awsvpc network configuration"]
        return ["ECS service assigns public IPs"] if net.get("assignPublicIp") else []
    text = v.props.get("definition")
    if isinstance(text, str) and '"AssignPublicIp": "ENABLED"' in json.dumps(_json(text)):
        return ["state machine runs ECS tasks with public IPs"]
    return []


def _s3_sse(v: ResourceView) -> list[str]:
    for rule in _as_list(v.props.get("rules")):
        default = (rule or {}).get("applyServerSideEncryptionByDefault") or {}
        if default.get("sseAlgorithm") in ("aws:kms", "aws:kms:dsse", "AES256"):
            return []
    return ["bucket default encryption is not set"]


def _s3_versioning(v: ResourceView) -> list[str]:
    status = (v.props.get("versioningConfiguration") or {}).get("status")
    return [] if status == "Enabled" else ["bucket versioning is not enabled"]


def _s3_public_access(v: ResourceView) -> list[str]:
    keys = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
    off = [k for k in keys if v.props.get(k) is not True]
    return [f"public access block leaves {', '.join(off)} off"] if off else []


def denies_insecure_transport(document: Any) -> bool:
    """Does a bucket policy deny every request made without TLS?"""
    for st in _statements(document):
        cond = (st.get("Condition") or {}).get("Bool") or {}
        if st.get("Effect") == "Deny" and str(cond.get("aws:SecureTransport")).lower() == "false":
            if {"s3:*", "*"} & set(_as_list(st.get("Action"))):
                return True
    return False


def _s3_tls(v: ResourceView) -> list[str]:
    ok = denies_insecure_transport(v.props.get("policy"))
    return [] if ok else ["bucket policy does not deny non-TLS requests"]


def _ecr_scanning(v: ResourceView) -> list[str]:
    out = []
    if (v.props.get("imageScanningConfiguration") or {}).get("scanOnPush") is not True:
        out.append("ECR repository does not scan on push")
    if v.props.get("imageTagMutability") != "IMMUTABLE":
        out.append("ECR repository tags are mutable")
    return out


def _read_only_root(v: ResourceView) -> list[str]:
    raw = v.props.get("containerDefinitions") or "[]"
    try:
        containers = json.loads(raw) if isinstance(raw, str) else list(raw)
    except ValueError:
        return ["task definition containers cannot be read"]
    return [
        f"container {c.get('name', '?')} may write its root filesystem"
        for c in containers
        if c.get("readonlyRootFilesystem") is not True
    ]


def _containers(v: ResourceView) -> list[dict[str, Any]]:
    raw = v.props.get("containerDefinitions") or "[]"
    try:
        found = json.loads(raw) if isinstance(raw, str) else list(raw)
    except ValueError:
        return []
    return [c for c in found if isinstance(c, dict)]


def _api_authentication(v: ResourceView) -> list[str]:
    out = []
    for container in _containers(v):
        env = {e.get("name"): e.get("value") for e in container.get("environment") or []}
        if str(env.get("API_AUTH", "")).lower() == "none":
            out.append(
                f"container {container.get('name', '?')} serves every caller without "
                "authentication (stack config apiAuth: none)"
            )
    return out


RESOURCE_RULES: tuple[Rule, ...] = (
    Rule("kms-key-rotation", "KMS keys rotate yearly", frozenset({KMS_KEY}), _kms_rotation),
    Rule("kinesis-encryption", "Kinesis streams use KMS", frozenset({STREAM}), _kinesis_encryption),
    Rule("sqs-encryption", "SQS queues are encrypted", frozenset({QUEUE}), _sqs_encryption),
    Rule("sns-encryption", "SNS topics use KMS", frozenset({TOPIC}), _sns_encryption),
    Rule("dynamodb-protection", "DynamoDB tables: KMS and PITR", frozenset({TABLE}), _dynamodb),
    Rule("log-retention", "Log groups have a retention", frozenset({LOG_GROUP}), _log_retention),
    Rule("log-encryption", "Log groups use KMS", frozenset({LOG_GROUP}), _log_encryption),
    Rule(
        "iam-no-wildcard-action",
        "No IAM Allow of every action",
        frozenset({ROLE, ROLE_POLICY}),
        _iam_actions,
    ),
    Rule(
        "iam-wildcard-resource",
        "Resource * only for unscopable actions",
        frozenset({ROLE, ROLE_POLICY}),
        _iam_resources,
    ),
    Rule(
        "ecs-no-public-ip",
        "ECS tasks get no public IP",
        frozenset({SERVICE, STATE_MACHINE}),
        _ecs_public_ip,
    ),
    Rule(
        "ecs-read-only-root",
        "Containers run with a read-only root filesystem",
        frozenset({TASK_DEFINITION}),
        _read_only_root,
    ),
    Rule("s3-encryption", "Bucket default encryption", frozenset({SSE}), _s3_sse),
    Rule("s3-versioning", "Bucket versioning enabled", frozenset({VERSIONING}), _s3_versioning),
    Rule(
        "s3-public-access-block",
        "All four public access blocks on",
        frozenset({PUBLIC_ACCESS}),
        _s3_public_access,
    ),
    Rule("s3-tls-only", "Bucket policies deny plain HTTP", frozenset({BUCKET_POLICY}), _s3_tls),
    Rule("ecr-scanning", "ECR scans on push, tags immutable", frozenset({ECR_REPO}), _ecr_scanning),
    Rule(
        "api-authentication",
        "The API checks its callers' keys (apiAuth: apiKey)",
        frozenset({TASK_DEFINITION}),
        _api_authentication,
    ),
)

ADVISORY_RULES = frozenset({"api-authentication"})
"""Rules a stack may break by a documented choice: the policy pack reports them without
blocking, `archgen scan` fails on them unless `infra/scan-accepted.yaml` accepts them."""
SCAN_RULES = ADVISORY_RULES
"""archgen rules `archgen scan` reports beside checkov's checks (as `ARCHGEN_<RULE>`)."""


# -- stack rules -------------------------------------------------------------------
def _of(views: Sequence[ResourceView], typ: str) -> list[ResourceView]:
    return [v for v in views if v.type == typ]


def _bucket_controls(views: Sequence[ResourceView]) -> list[tuple[str, str]]:
    out = []
    needs = {
        SSE: "default encryption",
        VERSIONING: "versioning",
        PUBLIC_ACCESS: "a public access block",
        BUCKET_POLICY: "a TLS-only bucket policy",
    }
    for bucket in _of(views, BUCKET):
        for typ, what in needs.items():
            if not any(links(c, "bucket", bucket) for c in _of(views, typ)):
                out.append((bucket.name, f"bucket lacks {what}"))
    return out


def _alarm_coverage(views: Sequence[ResourceView]) -> list[tuple[str, str]]:
    out = []
    alarms = _of(views, ALARM)
    for typ, dimension in ((QUEUE, "QueueName"), (STREAM, "StreamName")):
        for target in _of(views, typ):
            covered = any(
                links(a, "dimensions", target, (a.props.get("dimensions") or {}).get(dimension))
                for a in alarms
                if dimension in (a.props.get("dimensions") or {})
            )
            if not covered:
                out.append((target.name, f"no alarm watches this {typ.split(':')[-1]}"))
    return out


def _public_subnets(views: Sequence[ResourceView]) -> list[ResourceView]:
    igws = _of(views, IGW)
    public_tables = [r for r in _of(views, ROUTE) if any(links(r, "gatewayId", g) for g in igws)]
    subnets = _of(views, SUBNET)
    public = [s for s in subnets if s.props.get("mapPublicIpOnLaunch") is True]
    for assoc in _of(views, ROUTE_ASSOC):
        table = assoc.props.get("routeTableId")
        routes_out = any(
            (table and table == r.props.get("routeTableId"))
            or (
                r.deps.get("routeTableId", frozenset())
                & assoc.deps.get("routeTableId", frozenset())
            )
            for r in public_tables
        )
        if routes_out:
            public += [s for s in subnets if links(assoc, "subnetId", s)]
    return public


def _ecs_private_subnets(views: Sequence[ResourceView]) -> list[tuple[str, str]]:
    public = _public_subnets(views)
    out = []
    for service in _of(views, SERVICE):
        subnets = (service.props.get("networkConfiguration") or {}).get("subnets")
        for subnet in public:
            if links(service, "networkConfiguration", subnet, subnets):
                out.append((service.name, f"ECS service runs in public subnet {subnet.name}"))
    for machine in _of(views, STATE_MACHINE):
        text = json.dumps(_json(machine.props.get("definition")))
        for subnet in public:
            if any(h and f'"{h}"' in text for h in subnet.handles()):
                out.append((machine.name, f"batch tasks run in public subnet {subnet.name}"))
    return out


STACK_RULES: tuple[StackRule, ...] = (
    StackRule(
        "s3-bucket-controls",
        "Every bucket: encryption, versioning, PAB, TLS-only",
        _bucket_controls,
    ),
    StackRule("alarm-coverage", "Every queue and stream has an alarm", _alarm_coverage),
    StackRule("ecs-private-subnets", "ECS tasks run only in private subnets", _ecs_private_subnets),
)


def check_resource(view: ResourceView) -> list[Violation]:
    """Violations of the per-resource rules by one resource."""
    return [
        Violation(rule.name, view.name, message)
        for rule in RESOURCE_RULES
        if view.type in rule.types
        for message in rule.check(view)
    ]


def check_stack(views: Iterable[ResourceView]) -> list[Violation]:
    """Every violation in a stack: each resource's, then the cross-resource rules'."""
    views = list(views)
    out = [v for view in views for v in check_resource(view)]
    for rule in STACK_RULES:
        out += [Violation(rule.name, name, message) for name, message in rule.check(views)]
    return out
