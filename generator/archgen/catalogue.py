"""The pattern catalogue: what each pattern is made of, written once.

Pattern -> components -> template layers -> AWS services -> stack component
classes. The decision, sizing, cost, rendering, team packs and the stack
program all read this table instead of naming parts of a pattern themselves;
adding a component is one entry in `COMPONENTS` and its place in `PATTERNS`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from archgen.patterns import Pattern


class Part(StrEnum):
    """A building block a pattern deploys."""

    KEY = "key"
    DATA_LAKE = "datalake"
    NETWORK = "network"
    IMAGES = "images"
    BATCH = "batch"
    API = "api"
    STREAM = "stream"
    MONITORING = "monitoring"


@dataclass(frozen=True)
class Component:
    """One building block: what it is, where its code and templates live, what AWS it uses."""

    part: Part
    title: str
    stack_class: str
    """`module:Class` of the stack component in the archgen_stacks library."""
    services: tuple[str, ...]
    """AWS service endpoints it calls (the moto endpoints of the local stack)."""
    layer: str | None = None
    """The template layer that brings its application code, if any."""


BASE_LAYER = "base"
"""The layer every project starts from (package, data lake, infra project, docs, CI)."""

COMPONENTS: dict[Part, Component] = {
    c.part: c
    for c in (
        Component(Part.KEY, "Stack KMS key", "common:StackKey", ("kms", "sts")),
        Component(Part.DATA_LAKE, "Data lake", "datalake:DataLake", ("s3", "iam")),
        Component(Part.NETWORK, "Network", "network:Network", ("ec2",)),
        Component(Part.IMAGES, "Image repository", "common:ImageRepository", ("ecr",)),
        Component(
            Part.BATCH,
            "Batch pipeline",
            "batch:BatchPipeline",
            ("ecs", "iam", "logs", "scheduler", "sfn"),
            layer="batch",
        ),
        Component(
            Part.API,
            "Real-time API",
            "realtime:RealtimeApi",
            (
                "applicationautoscaling",
                "ecs",
                "elbv2",
                "iam",
                "logs",
                "scheduler",
                "secretsmanager",
            ),
            layer="realtime",
        ),
        Component(
            Part.STREAM,
            "Streaming",
            "streaming:StreamPipeline",
            ("dynamodb", "firehose", "iam", "kinesis", "lambda", "logs", "sqs"),
            layer="streaming",
        ),
        Component(
            Part.MONITORING,
            "Monitoring",
            "monitoring:Dashboard",
            ("cloudwatch", "sns"),
            layer="monitoring",
        ),
    )
}

PATTERNS: dict[Pattern, tuple[Part, ...]] = {
    Pattern.BATCH: (
        Part.KEY,
        Part.DATA_LAKE,
        Part.NETWORK,
        Part.IMAGES,
        Part.BATCH,
        Part.MONITORING,
    ),
    Pattern.REALTIME: (
        Part.KEY,
        Part.DATA_LAKE,
        Part.NETWORK,
        Part.IMAGES,
        Part.API,
        Part.MONITORING,
    ),
    Pattern.STREAMING: (Part.KEY, Part.DATA_LAKE, Part.IMAGES, Part.STREAM, Part.MONITORING),
    Pattern.HYBRID: (
        Part.KEY,
        Part.DATA_LAKE,
        Part.NETWORK,
        Part.IMAGES,
        Part.BATCH,
        Part.API,
        Part.STREAM,
        Part.MONITORING,
    ),
}
"""The parts of each pattern, in build order; hybrid composes the three building blocks."""


def parts(pattern: Pattern | str) -> tuple[Part, ...]:
    """The parts `pattern` deploys."""
    return PATTERNS[Pattern(pattern)]


def uses(pattern: Pattern | str, part: Part) -> bool:
    """Whether `pattern` deploys `part`."""
    return part in parts(pattern)


def components(pattern: Pattern | str) -> list[Component]:
    """The components of `pattern`, in build order."""
    return [COMPONENTS[p] for p in parts(pattern)]


def layers(pattern: Pattern | str) -> list[str]:
    """The template layers `pattern` renders, in order: the base, then each component's."""
    return [BASE_LAYER, *(c.layer for c in components(pattern) if c.layer)]


def services(pattern: Pattern | str) -> list[str]:
    """The AWS services `pattern`'s stack calls, sorted."""
    return sorted({s for c in components(pattern) for s in c.services})


ALL_LAYERS: tuple[str, ...] = (BASE_LAYER, *(c.layer for c in COMPONENTS.values() if c.layer))
"""Every built-in layer name (a team pack may replace any of them)."""

PATTERN_NAMES: tuple[str, ...] = tuple(p.value for p in Pattern)
"""The patterns as the stack config spells them."""
