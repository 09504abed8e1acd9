"""The closed sets archgen reasons about: patterns and the levels of the seed's decision matrix."""

from __future__ import annotations

from enum import StrEnum


class Pattern(StrEnum):
    """The four architecture patterns of the source document."""

    BATCH = "batch"
    REALTIME = "realtime"
    STREAMING = "streaming"
    HYBRID = "hybrid"

    @property
    def label(self) -> str:
        """The name people write: `Real-Time`, `Hybrid`."""
        return {
            Pattern.BATCH: "Batch",
            Pattern.REALTIME: "Real-Time",
            Pattern.STREAMING: "Streaming",
            Pattern.HYBRID: "Hybrid",
        }[self]


class Level(StrEnum):
    """An ordinal level used for urgency, complexity tolerance and the matrix cells."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    VERY_HIGH = "very_high"

    @property
    def rank(self) -> int:
        return list(Level).index(self)


class DataArrival(StrEnum):
    """How the data reaches the system."""

    FILES = "files"  # files or tables landing at intervals
    REQUESTS = "requests"  # one request at a time, a caller waits for the answer
    STREAM = "stream"  # a continuous event stream (IoT, clicks, transactions)


class ModelUpdate(StrEnum):
    """How often the model must be retrained or updated."""

    CONTINUOUS = "continuous"
    HOURLY = "hourly"
    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"
