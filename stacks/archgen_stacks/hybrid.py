"""The hybrid architecture most enterprise systems end up with, composed from the other parts.

Daily batch training keeps the model fresh, the real-time API serves it, and
every prediction the API makes goes to a stream ("streaming for monitoring"):
Firehose archives it for retraining, and the stream's consumer is the
project's monitoring consumer (config `consumerHandler`,
`<package>.monitoring.consumer.lambda_handler`), which stores each prediction
log record once in the table and publishes the prediction distribution,
latency and feature drift against the promoted model's training data. The
stream part's `ModelMonitor` alarms on that drift (`driftAlarmPsi`) and puts
the metrics on the dashboard. The consumer never re-scores a record.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pulumi

from .batch import BatchPipeline, BatchPipelineArgs
from .realtime import RealtimeApi, RealtimeApiArgs, Stream
from .streaming import StreamPipeline, StreamPipelineArgs


@dataclass(frozen=True)
class ComponentClasses:
    """The component classes a stack is built from; a project passes its own to replace one.

    A replacement takes the same `(name, args, opts)` as the class it replaces and
    exposes the same attributes (usually it subclasses it).
    """

    batch: Callable[..., BatchPipeline] = BatchPipeline
    api: Callable[..., RealtimeApi] = RealtimeApi
    stream: Callable[..., StreamPipeline] = StreamPipeline


@dataclass(frozen=True)
class HybridArgs:
    """The three parts' args; the API's prediction stream is wired here, not by the caller."""

    batch: BatchPipelineArgs
    api: RealtimeApiArgs
    monitoring: StreamPipelineArgs
    classes: ComponentClasses = field(default_factory=ComponentClasses)

    def validate(self) -> None:
        """Each part validates itself; the composition only forbids a pre-wired stream."""
        if self.api.prediction_stream is not None:
            raise ValueError("HybridArgs.api.prediction_stream is set by Hybrid itself")
        self.batch.validate()
        self.api.validate()
        self.monitoring.validate()


class Hybrid(pulumi.ComponentResource):
    """Batch training + real-time serving + the API's prediction log streamed to the archive."""

    batch: BatchPipeline
    prediction_log: StreamPipeline
    api: RealtimeApi

    def __init__(self, name: str, args: HybridArgs, opts: pulumi.ResourceOptions | None = None):
        args.validate()
        super().__init__("archgen:hybrid:Hybrid", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        classes = args.classes
        self.batch = classes.batch(f"{name}-batch", args.batch, child)
        self.prediction_log = classes.stream(f"{name}-predlog", args.monitoring, child)
        stream = Stream(name=self.prediction_log.stream_name, arn=self.prediction_log.stream_arn)
        self.api = classes.api(
            f"{name}-api", dataclasses.replace(args.api, prediction_stream=stream), child
        )
        self.register_outputs(
            {
                "api_url": self.api.url,
                "state_machine_arn": self.batch.state_machine_arn,
                "stream_name": self.prediction_log.stream_name,
            }
        )

    def widgets(self) -> list[dict[str, Any]]:
        """The parts' widgets, serving first."""
        return [*self.api.widgets(), *self.batch.widgets(), *self.prediction_log.widgets()]
