"""One translator module per AWS service; this assembles them into one registry.

A translator turns a resource's Pulumi inputs into the boto3 calls that create
it in moto and returns the id and the real attributes (ARNs, URLs, names) the
program sees as outputs. Each module declares, per kind it handles
(`sqs.Queue`), the handler (`HANDLERS`), the input properties the handler
applies in moto (`APPLIED`) and those it knowingly leaves out, each with
the reason (`NOT_EMULATED`: moto lacks it, or it has no effect offline),
all with the camelCase names the mocks receive. Nested
inputs are named by their dotted path (`deploymentCircuitBreaker.rollback`;
list items share their list's path): below an applied input that holds an
object, every key must be declared in turn, and `path.*` declares an input
passed to moto whole, whatever its keys (tags, environment variables, a
web ACL's rule tree). Kinds no module declares are not emulated; an input in
neither set is one the emulator would silently drop, which strict mode
refuses (`unknown_inputs`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from .._base import Handler
from . import (
    appautoscaling,
    cloudwatch,
    dynamodb,
    ec2,
    ecr,
    ecs,
    elbv2,
    firehose,
    iam,
    kinesis,
    kms,
    lambda_,
    logs,
    s3,
    scheduler,
    secretsmanager,
    sfn,
    sns,
    sqs,
    wafv2,
)

MODULES: tuple[ModuleType, ...] = (
    kms,
    s3,
    ecr,
    ecs,
    iam,
    logs,
    cloudwatch,
    sfn,
    scheduler,
    sns,
    ec2,
    elbv2,
    appautoscaling,
    kinesis,
    firehose,
    lambda_,
    sqs,
    dynamodb,
    wafv2,
    secretsmanager,
)


@dataclass(frozen=True)
class Translator:
    """How one kind is created in moto, and which of its inputs that honours."""

    kind: str
    handler: Handler
    applied: frozenset[str]
    not_emulated: frozenset[str]
    module: str
    reasons: Mapping[str, str]
    """Why each not-emulated input is left out of moto."""

    def unknown_inputs(self, inputs: Mapping[str, Any]) -> list[str]:
        """The input paths given that are neither applied nor listed as not emulated, sorted."""
        found: set[str] = set()

        def walk(prefix: str, value: Any) -> None:
            if isinstance(value, list | tuple):
                for item in value:
                    walk(prefix, item)
                return
            if not isinstance(value, Mapping) or (prefix and f"{prefix}.*" in self.applied):
                return
            for key, child in value.items():
                path = f"{prefix}.{key}" if prefix else str(key)
                if path in self.not_emulated or f"{path}.*" in self.not_emulated:
                    continue
                if path in self.applied or f"{path}.*" in self.applied:
                    walk(path, child)
                else:
                    found.add(path)

        walk("", inputs)
        return sorted(found)


def _assemble() -> dict[str, Translator]:
    found: dict[str, Translator] = {}
    for module in MODULES:
        handlers: dict[str, Handler] = module.HANDLERS
        applied: dict[str, frozenset[str]] = module.APPLIED
        not_emulated: dict[str, dict[str, str]] = module.NOT_EMULATED
        if not set(handlers) == set(applied) == set(not_emulated):
            raise RuntimeError(
                f"{module.__name__}: HANDLERS, APPLIED and NOT_EMULATED name different kinds"
            )
        for kind, handler in handlers.items():
            if kind in found:
                raise RuntimeError(f"{module.__name__}: {kind} is already translated elsewhere")
            reasons = dict(not_emulated[kind])
            both = applied[kind] & set(reasons)
            if both:
                raise RuntimeError(f"{module.__name__}: {kind} both applies and ignores {both}")
            unexplained = sorted(path for path, why in reasons.items() if not why.strip())
            if unexplained:
                raise RuntimeError(f"{module.__name__}: {kind} gives no reason for {unexplained}")
            found[kind] = Translator(
                kind, handler, applied[kind], frozenset(reasons), module.__name__, reasons
            )
    return found


TRANSLATORS: dict[str, Translator] = _assemble()
"""Every emulated kind and its translator."""
