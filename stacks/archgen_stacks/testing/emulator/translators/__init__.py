"""One translator module per AWS service; this assembles them into one registry.

A translator turns a resource's Pulumi inputs into the boto3 calls that create
it in moto and returns the id and the real attributes (ARNs, URLs, names) the
program sees as outputs. Each module declares, per kind it handles
(`sqs.Queue`), the handler (`HANDLERS`), the input properties the handler
applies in moto (`APPLIED`) and those it knowingly leaves out
(`NOT_EMULATED`), all with the camelCase names the mocks receive. Kinds no
module declares are not emulated; an input in neither set is one the
emulator would silently drop, which strict mode refuses (`unknown_inputs`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from types import ModuleType

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

    def unknown_inputs(self, inputs: Iterable[str]) -> list[str]:
        """The inputs given that are neither applied nor listed as not emulated, sorted."""
        return sorted(set(inputs) - self.applied - self.not_emulated)


def _assemble() -> dict[str, Translator]:
    found: dict[str, Translator] = {}
    for module in MODULES:
        handlers: dict[str, Handler] = module.HANDLERS
        applied: dict[str, frozenset[str]] = module.APPLIED
        not_emulated: dict[str, frozenset[str]] = module.NOT_EMULATED
        if not set(handlers) == set(applied) == set(not_emulated):
            raise RuntimeError(
                f"{module.__name__}: HANDLERS, APPLIED and NOT_EMULATED name different kinds"
            )
        for kind, handler in handlers.items():
            if kind in found:
                raise RuntimeError(f"{module.__name__}: {kind} is already translated elsewhere")
            both = applied[kind] & not_emulated[kind]
            if both:
                raise RuntimeError(f"{module.__name__}: {kind} both applies and ignores {both}")
            found[kind] = Translator(
                kind, handler, applied[kind], not_emulated[kind], module.__name__
            )
    return found


TRANSLATORS: dict[str, Translator] = _assemble()
"""Every emulated kind and its translator."""
