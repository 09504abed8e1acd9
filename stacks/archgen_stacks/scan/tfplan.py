"""A Pulumi resource graph written as a Terraform plan (`terraform show -json`), for checkov.

pulumi-aws is bridged from the Terraform AWS provider, so each resource is a
Terraform resource under another name: the type token `aws:<module>/<res>:<Class>`
is `aws_<module>_<class in snake_case>` (the `ec2` module drops its prefix:
`aws:ec2/vpc:Vpc` is `aws_vpc`), and the inputs are the Terraform arguments in
camelCase, with MaxItems=1 blocks flattened to objects and repeated blocks
named in the plural. `to_plan` undoes those three renamings and turns each
input that is another resource's id, ARN or name (as the mocks gave them) into
a `references` expression, as Terraform writes an attribute it cannot know
before apply: checkov's graph then connects a bucket to its public-access
block, a security group to its rules, a listener to its load balancer.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from archgen.errors import ScanError

from ..pricing.graph import Resource

FORMAT_VERSION = "1.2"
TERRAFORM_VERSION = "1.9.0"

MODULES_WITHOUT_PREFIX = frozenset({"ec2"})
"""Modules whose Terraform types carry no module prefix (`aws_vpc`, `aws_subnet`)."""

TYPE_EXCEPTIONS: dict[str, str] = {
    "aws:lb/loadBalancer:LoadBalancer": "aws_lb",
}
"""Tokens whose Terraform type does not follow the rule."""

MAPPED_MODULES = frozenset(
    {
        "appautoscaling",
        "cloudwatch",
        "dynamodb",
        "ec2",
        "ecr",
        "ecs",
        "iam",
        "kinesis",
        "kms",
        "lambda",
        "lb",
        "s3",
        "scheduler",
        "secretsmanager",
        "sfn",
        "sns",
        "sqs",
        "wafv2",
    }
)
"""The modules whose tokens the rule has been checked for (every module the components use)."""

MAP_ATTRIBUTES = frozenset({"tags", "tagsAll", "variables", "dimensions"})
"""Inputs that are Terraform maps (free keys), not blocks: kept as objects, keys untouched."""

LIST_ATTRIBUTES_NOT_PLURALIZED = frozenset({"ingress", "egress"})
"""Repeated blocks whose Pulumi name is the Terraform block name."""

ATTRIBUTE_RENAMES: dict[str, dict[str, str]] = {
    "aws_lambda_function": {"name": "function_name"},
}
"""Top-level arguments the bridge renamed, per Terraform type."""

IDENTITY_OUTPUTS = ("id", "arn", "name", "bucket", "keyId")
"""The outputs by which one resource's input refers to another."""

LITERAL_ATTRIBUTES = frozenset({"name", "namePrefix", "description"})
"""A resource's own names: never read as a reference to another resource."""


_PLAIN = (str, int, float, bool, dict, list)


def snake(name: str) -> str:
    """`applyServerSideEncryptionByDefault` -> `apply_server_side_encryption_by_default`."""
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()


def singular(name: str) -> str:
    """The Terraform name of a repeated block Pulumi named in the plural (`rules` -> `rule`)."""
    if name in LIST_ATTRIBUTES_NOT_PLURALIZED:
        return name
    if name.endswith("ies"):
        return name[:-3] + "y"
    return name[:-1] if name.endswith("s") else name


def terraform_type(token: str) -> str:
    """`aws:ecs/service:Service` -> `aws_ecs_service`; `aws:ec2/vpc:Vpc` -> `aws_vpc`."""
    if token in TYPE_EXCEPTIONS:
        return TYPE_EXCEPTIONS[token]
    parts = token.split(":")
    if len(parts) != 3 or parts[0] != "aws" or "/" not in parts[1]:
        raise ScanError(f"not a pulumi-aws type token: {token}")
    module = parts[1].split("/")[0]
    if module not in MAPPED_MODULES:
        raise ScanError(f"no Terraform type known for {token}")
    cls = snake(parts[2])
    return f"aws_{cls}" if module in MODULES_WITHOUT_PREFIX else f"aws_{module}_{cls}"


def check_mapped(tokens: Iterable[str]) -> None:
    """Raise one `ScanError` listing every token that has no Terraform type."""
    missing = []
    for token in sorted(set(tokens)):
        try:
            terraform_type(token)
        except ScanError:
            missing.append(token)
    if missing:
        raise ScanError(f"no Terraform type for {len(missing)} type(s): {', '.join(missing)}")


def address_name(name: str) -> str:
    """A Terraform resource name for a Pulumi logical name (letters, digits, `_` and `-`)."""
    cleaned = re.sub(r"[^A-Za-z0-9_-]", "_", name)
    return cleaned if re.match(r"[A-Za-z_]", cleaned) else f"r_{cleaned}"


@dataclass(frozen=True)
class Entry:
    """One converted resource: its plan address and the Pulumi resource it came from."""

    address: str
    resource: Resource


class _References:
    """Which resource address each mock id, ARN or name stands for."""

    def __init__(self, entries: Iterable[Entry]) -> None:
        self.by_value: dict[str, str] = {}
        for entry in entries:
            outputs = entry.resource.outputs or entry.resource.inputs
            for key in IDENTITY_OUTPUTS:
                value = outputs.get(key)
                if isinstance(value, str) and len(value) > 3:
                    self.by_value.setdefault(value, f"{entry.address}.{snake(key)}")

    def of(self, value: Any, own: str) -> list[str] | None:
        """The references `value` is made of (a string, or a list of strings), or None."""
        items = value if isinstance(value, list) else [value]
        if not items or not all(isinstance(v, str) for v in items):
            return None
        refs = [self.by_value.get(v) for v in items]
        if any(r is None for r in refs):
            return None
        found: list[str] = []
        for ref in refs:
            assert ref is not None
            if ref.rsplit(".", 1)[0] == own:
                return None
            found += [ref, ref.rsplit(".", 1)[0]]
        return found


def _convert(
    inputs: Mapping[str, Any], refs: _References, own: str, renames: Mapping[str, str]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(values, expressions) of one object: snake_case names, blocks as lists, references."""
    values: dict[str, Any] = {}
    expressions: dict[str, Any] = {}
    for key, value in inputs.items():
        if key.startswith("__") or not isinstance(value, _PLAIN):
            continue  # engine keys, unset inputs, assets (a Lambda's code archive)
        is_blocks = (
            isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)
        )
        name = renames.get(key) or snake(singular(key) if is_blocks else key)
        if key in MAP_ATTRIBUTES and isinstance(value, dict):
            values[name] = dict(value)
            continue
        found = None if key in LITERAL_ATTRIBUTES else refs.of(value, own)
        if found is not None:
            expressions[name] = {"references": found}
            continue
        if isinstance(value, dict):
            value = [value]
            is_blocks = True
        if is_blocks:
            pairs = [_convert(v, refs, own, {}) for v in value]
            values[name] = [v for v, _ in pairs]
            if any(e for _, e in pairs):
                expressions[name] = [e for _, e in pairs]
        else:
            values[name] = _number(value)
            expressions[name] = {"constant_value": values[name]}
    return values, expressions


def _number(value: Any) -> Any:
    """Whole numbers as integers: the mocks pass every number as a float (`80.0`)."""
    if isinstance(value, list):
        return [_number(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


NOT_SCANNED: dict[str, str] = {
    "docker-build:index:Image": "an image build, not an AWS resource (its repository is scanned)",
}
"""Non-AWS types left out of the plan on purpose, with the reason."""


def to_plan(resources: Iterable[Resource]) -> tuple[dict[str, Any], list[Entry]]:
    """The Terraform plan document of `resources` (components and `NOT_SCANNED` types left
    out), and its entries."""
    graph = [r for r in resources if not r.is_component and r.typ not in NOT_SCANNED]
    check_mapped(r.typ for r in graph)
    entries = [Entry(f"{terraform_type(r.typ)}.{address_name(r.name)}", r) for r in graph]
    refs = _References(entries)
    planned: list[dict[str, Any]] = []
    configured: list[dict[str, Any]] = []
    for entry in entries:
        typ, name = entry.address.split(".", 1)
        inputs = {k: v for k, v in entry.resource.inputs.items() if k != "arn"}
        values, expressions = _convert(inputs, refs, entry.address, ATTRIBUTE_RENAMES.get(typ, {}))
        common = {"address": entry.address, "mode": "managed", "type": typ, "name": name}
        planned.append({**common, "provider_name": "registry.terraform.io/hashicorp/aws"})
        planned[-1].update(schema_version=0, values=values)
        configured.append({**common, "provider_config_key": "aws", "expressions": expressions})
    plan = {
        "format_version": FORMAT_VERSION,
        "terraform_version": TERRAFORM_VERSION,
        "planned_values": {"root_module": {"resources": planned}},
        "configuration": {"root_module": {"resources": configured}},
    }
    return plan, entries
