"""The prediction log: every prediction the API serves, put to a Kinesis stream in batches.

Writing never blocks a request and never fails one: records go into a bounded
in-memory queue that a background thread drains with `PutRecords` (up to 500
records or one flush interval per call). Records Kinesis rejects are retried
once, then counted and logged; when the queue is full, new records are
dropped and counted. Without PREDICTION_LOG_STREAM the log is inert.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from ..config import Settings

log = logging.getLogger(__name__)

MAX_RECORDS_PER_CALL = 500
_STOP = object()


class PredictionSink(Protocol):
    """Where the API sends prediction records."""

    def write(self, record: Mapping[str, Any]) -> None: ...

    def close(self, timeout_s: float = 5.0) -> None: ...


class NullPredictionLog:
    """The inert log used when no prediction-log stream is configured."""

    def write(self, record: Mapping[str, Any]) -> None:
        """Discard the record."""

    def close(self, timeout_s: float = 5.0) -> None:
        """Nothing to flush."""


@dataclass
class LogStats:
    """Counters of what the log did, for tests and for a shutdown log line."""

    sent: int = 0
    failed: int = 0
    dropped: int = 0


class PredictionLog:
    """Batches records onto a Kinesis stream from a background thread."""

    def __init__(
        self,
        stream_name: str,
        client: Any | None = None,
        region: str | None = None,
        flush_interval_s: float = 0.5,
        max_queue: int = 10_000,
    ) -> None:
        self.stream_name = stream_name
        self.stats = LogStats()
        self._client = client or boto3.client("kinesis", region_name=region)
        self._flush_interval_s = flush_interval_s
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=max_queue)
        self._thread = threading.Thread(target=self._run, name="prediction-log", daemon=True)
        self._thread.start()

    def write(self, record: Mapping[str, Any]) -> None:
        """Queue one record; never blocks, never raises."""
        try:
            self._queue.put_nowait(record)
        except queue.Full:
            self.stats.dropped += 1
            if self.stats.dropped in (1, 100) or self.stats.dropped % 10_000 == 0:
                log.warning("prediction log queue full; %d records dropped", self.stats.dropped)

    def close(self, timeout_s: float = 5.0) -> None:
        """Flush what is queued and stop the thread (called at shutdown)."""
        if not self._thread.is_alive():
            return
        try:
            self._queue.put(_STOP, timeout=timeout_s)
        except queue.Full:
            log.warning("prediction log queue full at shutdown")
        self._thread.join(timeout_s)
        log.info(
            "prediction log closed: sent=%d failed=%d dropped=%d",
            self.stats.sent,
            self.stats.failed,
            self.stats.dropped,
        )

    def _run(self) -> None:
        batch: list[Mapping[str, Any]] = []
        deadline = time.monotonic() + self._flush_interval_s
        while True:
            timeout = max(0.0, deadline - time.monotonic())
            try:
                item = self._queue.get(timeout=timeout)
            except queue.Empty:
                item = None
            if item is _STOP:
                self._send_safely(batch)
                return
            if item is not None:
                batch.append(item)
            if len(batch) >= MAX_RECORDS_PER_CALL or time.monotonic() >= deadline:
                self._send_safely(batch)
                batch = []
                deadline = time.monotonic() + self._flush_interval_s

    def _send_safely(self, batch: list[Mapping[str, Any]]) -> None:
        """Send a batch; whatever goes wrong is counted and logged, and the thread keeps going."""
        try:
            self._send(batch)
        except Exception:  # the log must outlive any one bad batch
            self.stats.failed += len(batch)
            log.exception("prediction log dropped a batch of %d records", len(batch))

    def _send(self, batch: list[Mapping[str, Any]]) -> None:
        if not batch:
            return
        entries = [
            {
                "Data": json.dumps(record, separators=(",", ":"), default=str).encode(),
                "PartitionKey": str(record.get("request_id") or record.get("entity_id") or "0"),
            }
            for record in batch
        ]
        for attempt in range(2):
            try:
                response = self._client.put_records(StreamName=self.stream_name, Records=entries)
            except (ClientError, BotoCoreError) as err:
                log.error("prediction log put_records failed (attempt %d): %s", attempt + 1, err)
                continue
            results = response.get("Records", [])
            rejected = [e for e, r in zip(entries, results, strict=False) if r.get("ErrorCode")]
            self.stats.sent += len(entries) - len(rejected)
            if not rejected:
                return
            entries = rejected
        self.stats.failed += len(entries)
        log.error("prediction log lost %d records after a retry", len(entries))


def open_prediction_log(settings: Settings, client: Any | None = None) -> PredictionSink:
    """A `PredictionLog` when PREDICTION_LOG_STREAM is set, else the inert log."""
    if not settings.prediction_log_stream:
        return NullPredictionLog()
    return PredictionLog(settings.prediction_log_stream, client=client, region=settings.aws_region)
