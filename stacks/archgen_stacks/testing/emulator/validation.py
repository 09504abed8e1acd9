"""AWS's own request constraints, checked on every call the emulator makes to moto.

moto accepts many values AWS rejects, so a deploy that passes offline could
fail in AWS. Two layers close that gap, both run before a request leaves boto3:

- the service model: botocore's client checks types and minimums only; here
  every enum and every maximum (string length, list length, number) the
  model declares is enforced too, over the whole request;
- documented rules the model does not carry (`RULES`): CloudWatch Logs
  retention values, the Fargate CPU/memory pairs, SQS attribute ranges,
  EventBridge Scheduler time zones and cron/rate syntax.

A violation raises `ValueError` naming the operation, the parameter path, the
value and what AWS allows; the harness reports it as the resource's failure.
"""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Callable, Mapping
from typing import Any

from botocore.model import ListShape, MapShape, Shape, StructureShape

LOG_RETENTION_DAYS: tuple[int, ...] = (
    *(1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096),
    *(1827, 2192, 2557, 2922, 3288, 3653),
)
"""PutRetentionPolicy's allowed `retentionInDays` (CloudWatch Logs API reference)."""

FARGATE_MEMORY: dict[int, tuple[int, ...]] = {
    256: (512, 1024, 2048),
    512: tuple(range(1024, 4097, 1024)),
    1024: tuple(range(2048, 8193, 1024)),
    2048: tuple(range(4096, 16385, 1024)),
    4096: tuple(range(8192, 30721, 1024)),
    8192: tuple(range(16384, 61441, 4096)),
    16384: tuple(range(32768, 122881, 8192)),
}
"""Task CPU units -> allowed memory (MiB) on Fargate (Amazon ECS developer guide)."""

SQS_RANGES: dict[str, tuple[int, int]] = {
    "MessageRetentionPeriod": (60, 1_209_600),
    "VisibilityTimeout": (0, 43_200),
    "DelaySeconds": (0, 900),
    "ReceiveMessageWaitTimeSeconds": (0, 20),
    "MaximumMessageSize": (1024, 262_144),
    "KmsDataKeyReusePeriodSeconds": (60, 86_400),
}
"""SQS queue attributes and their allowed ranges (SetQueueAttributes API reference)."""

_CRON = re.compile(r"^cron\((\S+ ){5}\S+\)$")
_RATE = re.compile(r"^rate\([1-9][0-9]* (minute|minutes|hour|hours|day|days)\)$")
_AT = re.compile(r"^at\(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\)$")


def _fail(where: str, path: str, value: Any, allowed: str) -> None:
    raise ValueError(f"{where}: {path}={value!r} is rejected by AWS (allowed: {allowed})")


def check_model(where: str, shape: Shape | None, value: Any, path: str = "") -> None:
    """Enforce the enums and maximums of `shape` on `value`, recursively."""
    if shape is None or value is None:
        return
    if isinstance(shape, StructureShape) and isinstance(value, Mapping):
        for name, member in shape.members.items():
            if name in value:
                check_model(where, member, value[name], f"{path}.{name}" if path else name)
        return
    meta = shape.metadata
    if isinstance(shape, ListShape) and isinstance(value, list | tuple):
        if "max" in meta and len(value) > meta["max"]:
            _fail(where, path, f"{len(value)} items", f"at most {meta['max']}")
        for n, item in enumerate(value):
            check_model(where, shape.member, item, f"{path}[{n}]")
        return
    if isinstance(shape, MapShape) and isinstance(value, Mapping):
        if "max" in meta and len(value) > meta["max"]:
            _fail(where, path, f"{len(value)} entries", f"at most {meta['max']}")
        for key, item in value.items():
            check_model(where, shape.value, item, f"{path}.{key}")
        return
    if shape.type_name == "string" and isinstance(value, str):
        enum = meta.get("enum")
        if enum and value not in enum:
            _fail(where, path, value, ", ".join(enum))
        if "max" in meta and len(value) > meta["max"]:
            _fail(where, path, value, f"at most {meta['max']} characters")
    elif shape.type_name in ("integer", "long") and isinstance(value, int):
        if "max" in meta and value > meta["max"]:
            _fail(where, path, value, f"at most {meta['max']}")


def _retention(where: str, params: Mapping[str, Any]) -> None:
    days = params.get("retentionInDays")
    if days is not None and days not in LOG_RETENTION_DAYS:
        _fail(where, "retentionInDays", days, ", ".join(map(str, LOG_RETENTION_DAYS)))


def _task_definition(where: str, params: Mapping[str, Any]) -> None:
    if "FARGATE" not in (params.get("requiresCompatibilities") or []):
        return
    if params.get("networkMode") != "awsvpc":
        _fail(where, "networkMode", params.get("networkMode"), "awsvpc on Fargate")
    cpu, memory = params.get("cpu"), params.get("memory")
    allowed = FARGATE_MEMORY.get(int(cpu)) if cpu and str(cpu).isdigit() else None
    if allowed is None:
        _fail(where, "cpu", cpu, ", ".join(map(str, FARGATE_MEMORY)))
        return
    mem = int(memory) if memory and str(memory).isdigit() else -1
    if mem not in allowed:
        _fail(where, "memory", memory, f"with cpu {cpu}: " + ", ".join(map(str, allowed)))


def _sqs(where: str, params: Mapping[str, Any]) -> None:
    for name, value in (params.get("Attributes") or {}).items():
        if name in SQS_RANGES:
            low, high = SQS_RANGES[name]
            if not (str(value).isdigit() and low <= int(value) <= high):
                _fail(where, f"Attributes.{name}", value, f"{low}..{high}")


def _schedule(where: str, params: Mapping[str, Any]) -> None:
    expression = str(params.get("ScheduleExpression", ""))
    if not (_CRON.match(expression) or _RATE.match(expression) or _AT.match(expression)):
        _fail(
            where,
            "ScheduleExpression",
            expression,
            "cron(<6 fields>), rate(<n> minute|minutes|hour|hours|day|days) or at(<timestamp>)",
        )
    zone = params.get("ScheduleExpressionTimezone")
    if zone:
        try:
            zoneinfo.ZoneInfo(str(zone))
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            _fail(where, "ScheduleExpressionTimezone", zone, "an IANA time zone name")


RULES: dict[tuple[str, str], Callable[[str, Mapping[str, Any]], None]] = {
    ("logs", "PutRetentionPolicy"): _retention,
    ("ecs", "RegisterTaskDefinition"): _task_definition,
    ("sqs", "CreateQueue"): _sqs,
    ("sqs", "SetQueueAttributes"): _sqs,
    ("scheduler", "CreateSchedule"): _schedule,
}
"""Documented AWS rules the service models do not carry, per (service, operation)."""


def check_unsent(client: Any, operation: str, params: Mapping[str, Any]) -> None:
    """Check parameters moto would ignore (so they are not sent) as AWS would check them."""
    model = client.meta.service_model.operation_model(operation)
    check_model(f"{client.meta.service_model.service_name}.{operation}", model.input_shape, params)


def install(client: Any) -> None:
    """Check every request `client` makes against the model and `RULES` before it is sent."""
    service = client.meta.service_model.service_name
    event = client.meta.service_model.service_id.hyphenize()

    def before_call(params: Mapping[str, Any], model: Any, **_: Any) -> None:
        where = f"{service}.{model.name}"
        check_model(where, model.input_shape, params)
        rule = RULES.get((service, model.name))
        if rule is not None:
            rule(where, params)

    client.meta.events.register(f"before-parameter-build.{event}", before_call)
