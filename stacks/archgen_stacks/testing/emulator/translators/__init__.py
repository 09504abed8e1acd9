"""One translator module per AWS service; this assembles them into one registry.

A translator turns a resource's Pulumi inputs into the boto3 calls that create
it in moto and returns the id and the real attributes (ARNs, URLs, names) the
program sees as outputs. Each module declares `HANDLERS`, kind -> handler
(`sqs.Queue` -> a function); kinds no module declares are not emulated.
"""

from __future__ import annotations

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
    sfn,
    sns,
    sqs,
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
)


def _assemble() -> dict[str, Handler]:
    handlers: dict[str, Handler] = {}
    for module in MODULES:
        for kind, handler in module.HANDLERS.items():
            if kind in handlers:
                raise RuntimeError(f"{module.__name__}: {kind} is already translated elsewhere")
            handlers[kind] = handler
    return handlers


HANDLERS: dict[str, Handler] = _assemble()
"""Every emulated kind and the handler that creates it in moto."""
