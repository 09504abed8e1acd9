"""The resource graph a stack program registers, read offline under Pulumi's mock runtime.

`registered(program, config)` runs `program` (a stack's `build` or a project's
`infra/__main__.py`) under `pulumi.runtime.set_mocks` with mocks that echo every
input back as an output, and returns each resource with its type token, logical
name, parent component and inputs. No network, no moto and no Pulumi CLI are
involved; this is Pulumi's documented unit-test mode, used here to see what a
stack config deploys before `pulumi up`.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi.runtime.settings as pulumi_settings
from pulumi.runtime.mocks import MockCallArgs, MockResourceArgs, Mocks, set_mocks
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await

ACCOUNT = "123456789012"
COMPONENT_PREFIX = "archgen:"


@dataclass(frozen=True)
class Resource:
    """One registered resource: type token, logical name, parent component's name, inputs.

    `outputs` are what the mocks answered (the inputs echoed, the computed
    attributes and the `id`): what other resources' inputs refer to it by.
    """

    typ: str
    name: str
    parent: str | None
    inputs: Mapping[str, Any]
    outputs: Mapping[str, Any] = field(default_factory=dict)

    @property
    def arn(self) -> str:
        """The ARN the mocks gave it (what other resources' inputs refer to it by)."""
        return str(self.inputs.get("arn") or _arn(self.typ, self.name, "-"))

    @property
    def is_component(self) -> bool:
        """A component resource groups others and is not billed itself."""
        return not self.typ.startswith("aws:")


def _arn(typ: str, name: str, region: str) -> str:
    service = typ.split(":")[1].split("/")[0] if typ.count(":") >= 2 else "x"
    return f"arn:aws:{service}:{region}:{ACCOUNT}:{name}"


class _EchoMocks(Mocks):
    """Echo inputs as outputs, with the few computed outputs components read."""

    def __init__(self, region: str) -> None:
        self.region = region
        self.inputs: dict[str, dict[str, Any]] = {}
        self.outputs: dict[str, dict[str, Any]] = {}

    def new_resource(self, args: MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        inputs = dict(args.inputs)
        name, typ, region = args.name, args.typ, self.region
        arn = _arn(typ, name, region)
        extra: dict[str, Any] = {"arn": arn, "name": inputs.get("name") or f"{name}-phys"}
        if typ == "aws:s3/bucket:Bucket":
            extra = {"bucket": f"{name}-bkt", "arn": f"arn:aws:s3:::{name}-bkt"}
        elif typ == "aws:kms/key:Key":
            extra["keyId"] = f"{name}-keyid"
        elif typ == "aws:ecr/repository:Repository":
            extra["repositoryUrl"] = f"{ACCOUNT}.dkr.ecr.{region}.amazonaws.com/{name}"
        elif typ in ("aws:lb/loadBalancer:LoadBalancer", "aws:lb/targetGroup:TargetGroup"):
            extra.update(dnsName=f"{name}.elb.example", arnSuffix=f"app/{name}/1")
        elif typ == "aws:cloudwatch/dashboard:Dashboard":
            extra["dashboardArn"] = arn
        elif typ == "aws:sqs/queue:Queue":
            extra["url"] = f"https://sqs.example/{name}"
        outputs = {**inputs, **{k: v for k, v in extra.items() if k not in inputs}}
        self.inputs[name] = {**inputs, "arn": outputs.get("arn", arn)}
        self.outputs[name] = {**outputs, "id": f"{name}-id"}
        return f"{name}-id", outputs

    def call(self, args: MockCallArgs) -> dict[str, Any]:  # type: ignore[override]
        region = self.region
        answers: dict[str, dict[str, Any]] = {
            "aws:index/getCallerIdentity:getCallerIdentity": {
                "accountId": ACCOUNT,
                "arn": f"arn:aws:iam::{ACCOUNT}:root",
                "userId": "pricing",
            },
            "aws:index/getRegion:getRegion": {"name": region, "region": region, "id": region},
            "aws:index/getPartition:getPartition": {
                "partition": "aws",
                "dnsSuffix": "amazonaws.com",
                "id": "aws",
            },
            # an existing VPC (`existingVpcId`): the CIDR its clients are allowed from
            "aws:ec2/getVpc:getVpc": {"id": args.args.get("id"), "cidrBlock": "10.0.0.0/8"},
            "aws:index/getAvailabilityZones:getAvailabilityZones": {
                "names": [f"{region}{s}" for s in "abcdef"],
                "zoneIds": [f"z{i}" for i in range(6)],
            },
        }
        return answers.get(args.token, {})


def registered(
    program: Callable[[], Any],
    config: Mapping[str, str] | None = None,
    *,
    region: str = "us-east-1",
    project: str = "project",
    stack: str = "dev",
) -> list[Resource]:
    """Every resource `program` registers under mocks, in registration order."""
    mocks = _EchoMocks(region)
    parents: dict[str, str | None] = {}
    order: list[tuple[str, str]] = []

    def record(args: pulumi.ResourceTransformationArgs) -> None:
        parent = args.opts.parent if args.opts else None
        parents[args.name] = getattr(parent, "_name", None) if parent is not None else None
        order.append((args.type_, args.name))
        return None

    def run() -> None:
        pulumi_settings.ROOT.set(None)
        pulumi.runtime.set_all_config(dict(config or {}))
        set_mocks(mocks, project, stack, preview=False)
        pulumi.runtime.register_stack_transformation(record)

        def body() -> None:
            program()

        _sync_await(run_pulumi_func(body))

    contextvars.copy_context().run(run)
    return [
        Resource(
            typ=typ,
            name=name,
            parent=parents.get(name),
            inputs=mocks.inputs.get(name, {}),
            outputs=mocks.outputs.get(name, {}),
        )
        for typ, name in order
    ]
