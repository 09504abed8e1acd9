"""Run stack code under Pulumi's mock mode with an echo Mocks that records every resource."""

from __future__ import annotations

import contextvars
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
import pulumi.runtime.settings as pulumi_settings
import pytest
from pulumi.runtime.mocks import MockCallArgs, MockResourceArgs, Mocks, set_mocks
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await

ACCOUNT = "123456789012"
REGION = "eu-west-1"
EXISTING_VPC_CIDR = "10.42.0.0/16"
EXISTING_VPC: dict[str, str] = {
    "existingVpcId": "vpc-0123456789abcdef0",
    "existingPublicSubnetIds": "subnet-0a,subnet-0b",
    "existingPrivateSubnetIds": "subnet-0c,subnet-0d",
}
"""Stack config that deploys into a VPC the team already has (its CIDR: EXISTING_VPC_CIDR)."""
"""The CIDR the mocks report for an existing VPC looked up by id."""


@dataclass
class Registered:
    """One resource the program registered: type token, logical name, inputs, echoed outputs."""

    typ: str
    name: str
    inputs: dict[str, Any]
    outputs: dict[str, Any]
    rid: str


class EchoMocks(Mocks):
    """Echo inputs back as outputs, adding the computed outputs components reference."""

    def __init__(self) -> None:
        self.resources: list[Registered] = []

    def new_resource(self, args: MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        inputs = dict(args.inputs)
        name = args.name
        service = args.typ.split(":")[1].split("/")[0] if ":" in args.typ else "x"
        physical = inputs.get("name") or f"{name}-phys"
        arn = f"arn:aws:{service}:{REGION}:{ACCOUNT}:{name}"
        extra: dict[str, Any] = {"arn": arn, "name": physical}
        rid = f"{name}-id"
        if args.typ == "aws:s3/bucket:Bucket":
            physical = f"{name}-bkt"
            rid = physical
            extra = {"bucket": physical, "arn": f"arn:aws:s3:::{physical}"}
        elif args.typ == "aws:kms/key:Key":
            extra = {"arn": arn, "keyId": f"{name}-keyid"}
        elif args.typ == "aws:ecr/repository:Repository":
            extra = {**extra, "repositoryUrl": f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/{name}"}
        elif args.typ == "docker-build:index:Image":
            digest = "sha256:" + "ab" * 32
            extra = {"digest": digest, "ref": f"{inputs['tags'][0]}@{digest}"}
        elif args.typ == "aws:lb/loadBalancer:LoadBalancer":
            extra = {**extra, "dnsName": f"{name}.elb.example", "arnSuffix": f"app/{name}/1"}
        elif args.typ == "aws:lb/targetGroup:TargetGroup":
            extra = {**extra, "arnSuffix": f"targetgroup/{name}/2"}
        elif args.typ == "aws:cloudwatch/dashboard:Dashboard":
            extra = {"dashboardArn": arn}
        elif args.typ == "aws:sqs/queue:Queue":
            extra = {**extra, "url": f"https://sqs.example/{physical}"}
        elif args.typ.startswith("aws:ec2/"):
            extra = {"arn": arn}
        outputs = {**inputs, **{k: v for k, v in extra.items() if k not in inputs}}
        self.resources.append(Registered(args.typ, name, inputs, outputs, rid))
        return rid, outputs

    def call(self, args: MockCallArgs) -> dict[str, Any]:  # type: ignore[override]
        token = args.token
        if token == "aws:index/getCallerIdentity:getCallerIdentity":
            return {"accountId": ACCOUNT, "arn": f"arn:aws:iam::{ACCOUNT}:root", "userId": "u"}
        if token == "aws:index/getRegion:getRegion":
            return {"name": REGION, "region": REGION, "id": REGION}
        if token == "aws:index/getPartition:getPartition":
            return {"partition": "aws", "dnsSuffix": "amazonaws.com", "id": "aws"}
        if token == "aws:ecr/getAuthorizationToken:getAuthorizationToken":
            return {"userName": "AWS", "password": "ecr-token", "registryId": ACCOUNT}
        if token == "aws:ec2/getVpc:getVpc":
            return {"id": args.args.get("id"), "cidrBlock": EXISTING_VPC_CIDR}
        if token == "aws:index/getAvailabilityZones:getAvailabilityZones":
            return {"names": [f"{REGION}{s}" for s in "abc"], "zoneIds": ["z1", "z2", "z3"]}
        return {}


@dataclass
class Run:
    """What one mocked program run registered, plus each resource's parent (by name)."""

    resources: list[Registered]
    parents: dict[str, str | None] = field(default_factory=dict)
    types: dict[str, str] = field(default_factory=dict)
    outputs: dict[str, Any] = field(default_factory=dict)
    result: Any = None
    depends_on: dict[str, list[str]] = field(default_factory=dict)
    """Each resource's explicit `depends_on`, by logical name."""
    ignore_changes: dict[str, list[str]] = field(default_factory=dict)
    """Each resource's `ignore_changes` as given, by logical name."""

    def of(self, typ: str) -> list[Registered]:
        """Resources of one type token (`aws:s3/bucket:Bucket`)."""
        return [r for r in self.resources if r.typ == typ]

    def named(self, name: str) -> Registered:
        """The resource with this logical name."""
        found = [r for r in self.resources if r.name == name]
        assert len(found) == 1, f"{name}: {len(found)} resources"
        return found[0]

    def by_id(self, rid: str) -> Registered:
        """The resource whose id (or arn / bucket / name output) is `rid`."""
        for r in self.resources:
            if rid in (r.rid, r.outputs.get("arn"), r.outputs.get("bucket")):
                return r
        raise AssertionError(f"no resource with id {rid!r}")


def run_program(
    program: Callable[[], Any],
    config: dict[str, str] | None = None,
    preview: bool = False,
    stack: str = "test",
) -> Run:
    """Run `program` under fresh echo mocks; return every resource, parent link and export."""
    mocks = EchoMocks()
    parents: dict[str, str | None] = {}
    types: dict[str, str] = {}
    depends_on: dict[str, list[str]] = {}
    ignore_changes: dict[str, list[str]] = {}

    def record(args: pulumi.ResourceTransformationArgs) -> None:
        parent = args.opts.parent if args.opts else None
        parents[args.name] = getattr(parent, "_name", None) if parent is not None else None
        types[args.name] = args.type_
        explicit = args.opts.depends_on if args.opts else None
        if isinstance(explicit, pulumi.Resource):
            explicit = [explicit]
        if isinstance(explicit, list):
            depends_on[args.name] = [getattr(d, "_name", "?") for d in explicit]
        if args.opts and args.opts.ignore_changes:
            ignore_changes[args.name] = list(args.opts.ignore_changes)
        return None

    holder: dict[str, Any] = {}

    def run() -> Run:
        pulumi_settings.ROOT.set(None)
        pulumi.runtime.set_all_config(dict(config or {}))
        set_mocks(mocks, "proj", stack, preview=preview)
        pulumi.runtime.register_stack_transformation(record)
        outputs: dict[str, Any] = {}

        def body() -> Any:
            holder["result"] = program()
            root = pulumi_settings.get_root_resource()
            exported: dict[str, Any] = dict(getattr(root, "outputs", {}) or {})

            async def resolve() -> None:
                for key, value in exported.items():
                    outputs[key] = await pulumi.Output.from_input(value).future()

            return resolve()

        _sync_await(run_pulumi_func(body))
        return Run(
            mocks.resources,
            parents,
            types,
            outputs,
            holder.get("result"),
            depends_on,
            ignore_changes,
        )

    return contextvars.copy_context().run(run)


@pytest.fixture
def mocked() -> Callable[..., Run]:
    """`mocked(program, config=None)` runs a stack program under the echo mocks."""
    return run_program


@pytest.fixture
def as_views() -> Callable[[Run], list[Any]]:
    """`as_views(run)`: the run's resources as policy `ResourceView`s."""
    return views


def views(run: Run) -> list[Any]:
    """The run's resources as policy `ResourceView`s (outputs as props, id from the mocks)."""
    from archgen_stacks.policy import ResourceView

    return [
        ResourceView(type=r.typ, name=r.name, props=r.outputs, urn=f"urn:{r.name}", id=r.rid)
        for r in run.resources
    ]


@pytest.fixture(scope="session")
def checkov() -> Iterator[str]:
    """checkov's executable: $ARCHGEN_CHECKOV, else the repository's `.venv-checkov` (the
    README's test command makes it). Missing, the scan tests fail: they are not optional."""
    from archgen_stacks.scan import CHECKOV_ENV, find_checkov

    local = Path(__file__).resolve().parents[2] / ".venv-checkov" / "bin" / "checkov"
    if not os.environ.get(CHECKOV_ENV) and local.is_file():
        os.environ[CHECKOV_ENV] = str(local)
    yield find_checkov()
