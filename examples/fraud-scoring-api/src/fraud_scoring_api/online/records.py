"""What a past request needs for training: served predictions and feedback, in the raw bucket.

The API writes two kinds of JSON-lines objects into RAW_BUCKET, one date
partition per day (UTC), one object per flush:

- `SERVED_PREFIX/date=YYYY-MM-DD/<writer>-<n>.jsonl`: one `PredictionLogRecord`
  per served prediction (request id, features, model version, time);
- `FEEDBACK_PREFIX/date=YYYY-MM-DD/<writer>-<n>.jsonl`: one `FeedbackRecord` per
  `POST /feedback` (request id, the true outcome, time).

Both carry the caller (the API key's name): the retrain job joins on caller and
request id, so one caller's feedback never labels another's predictions, keeps
the first feedback for a prediction, and ignores feedback older than the
prediction or for an id served twice.

S3 rather than a table: the retrain job reads every record since the last
model in one pass, which S3 serves at a fraction of a table's read cost, and
the raw bucket's lifecycle (`rawExpirationDays`) already bounds how long they
are kept. Writing never blocks or fails a request: records queue in memory and
a background thread writes them when a buffer holds RECORD_FLUSH_RECORDS, when
the oldest is RECORD_FLUSH_S old, and at shutdown. A failed write is logged and
counted (`WriterStats`); a full queue drops and counts.
"""

from __future__ import annotations

import json
import logging
import math
import queue
import threading
import time
import uuid
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal, Protocol

from botocore.exceptions import BotoCoreError, ClientError
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, WithJsonSchema

from .. import storage
from ..config import Settings
from ..schema import EntityId, PredictionLogRecord
from ..spec import CLASSES, TARGET_RANGE, TASK

log = logging.getLogger(__name__)

_STOP = object()
Kind = Literal["served", "feedback"]


def outcome_schema() -> dict[str, Any]:
    """The OpenAPI type of an outcome: one of CLASSES, or a number within TARGET_RANGE."""
    if TASK == "regression":
        return {"type": "number", "minimum": TARGET_RANGE[0], "maximum": TARGET_RANGE[1]}
    return {"type": "string", "enum": list(CLASSES)}


def check_outcome(value: Any) -> Any:
    """`value` when the spec admits it as a true outcome, else ValueError (a 422)."""
    if TASK == "regression":
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError("the outcome must be a number")
        if not math.isfinite(value) or not TARGET_RANGE[0] <= value <= TARGET_RANGE[1]:
            raise ValueError(f"the outcome must be within {list(TARGET_RANGE)}")
        return float(value)
    if not isinstance(value, str) or value not in CLASSES:
        raise ValueError(f"the outcome must be one of {list(CLASSES)}")
    return value


Outcome = Annotated[Any, AfterValidator(check_outcome), WithJsonSchema(outcome_schema())]


class FeedbackRequest(BaseModel):
    """The true outcome of a past prediction, named by the `x-request-id` it was served with."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, allow_inf_nan=False, strict=True, title="Feedback"
    )

    request_id: str = EntityId
    outcome: Outcome = Field(
        description="The true outcome: one of the spec's classes, or its target (a number)."
    )


class FeedbackRecord(FeedbackRequest):
    """One feedback as stored: the request, who sent it and when it arrived."""

    model_config = ConfigDict(strict=False)

    time: float = Field(gt=0, description="When it arrived, seconds since the epoch.")
    caller: str | None = Field(
        default=None, description="The API key's caller name (None with authentication off)."
    )


Key = tuple[str | None, str]
"""(caller, request id): a caller's feedback only ever labels that caller's predictions."""


class RecordSink(Protocol):
    """Where the API sends training records."""

    enabled: bool

    def write(self, kind: Kind, record: Mapping[str, Any]) -> None: ...

    def close(self, timeout_s: float = 10.0) -> None: ...


class NullRecordWriter:
    """The inert writer used when RECORD_TRAINING_DATA is off."""

    enabled: bool = False

    def write(self, kind: Kind, record: Mapping[str, Any]) -> None:
        """Discard the record."""

    def close(self, timeout_s: float = 10.0) -> None:
        """Nothing to flush."""


@dataclass
class WriterStats:
    """What the writer did: records written, lost to failed writes, dropped when full."""

    written: int = 0
    failed: int = 0
    dropped: int = 0
    objects: int = 0


def partition(prefix: str, when: float) -> str:
    """`served/` + a time -> `served/date=2024-05-01/` (UTC)."""
    return f"{prefix}date={datetime.fromtimestamp(when, UTC):%Y-%m-%d}/"


class RecordWriter:
    """Buffers records per kind and day and writes them to S3 from a background thread."""

    enabled: bool = True

    def __init__(
        self,
        settings: Settings,
        client: Any | None = None,
        max_queue: int = 50_000,
    ) -> None:
        self.stats = WriterStats()
        self._settings = settings
        self._client = client or storage.s3_client(settings)
        self._prefixes: dict[Kind, str] = {
            "served": settings.served_prefix,
            "feedback": settings.feedback_prefix,
        }
        self._writer = f"{datetime.now(UTC):%H%M%S}-{uuid.uuid4().hex[:12]}"
        self._sequence = 0
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=max_queue)
        self._thread = threading.Thread(target=self._run, name="training-records", daemon=True)
        self._thread.start()

    def write(self, kind: Kind, record: Mapping[str, Any]) -> None:
        """Queue one record; never blocks, never raises."""
        try:
            self._queue.put_nowait((kind, record))
        except queue.Full:
            self.stats.dropped += 1
            if self.stats.dropped in (1, 100) or self.stats.dropped % 10_000 == 0:
                log.warning("training record queue full; %d records dropped", self.stats.dropped)

    def close(self, timeout_s: float = 10.0) -> None:
        """Write what is buffered and stop the thread (called at shutdown)."""
        if not self._thread.is_alive():
            return
        try:
            self._queue.put(_STOP, timeout=timeout_s)
        except queue.Full:
            log.warning("training record queue full at shutdown")
        self._thread.join(timeout_s)
        log.info(
            "training records closed: written=%d failed=%d dropped=%d",
            self.stats.written,
            self.stats.failed,
            self.stats.dropped,
        )

    def _run(self) -> None:
        buffers: dict[str, list[Mapping[str, Any]]] = {}
        opened: dict[str, float] = {}
        limit = self._settings.record_flush_records
        age = self._settings.record_flush_s
        while True:
            wait = min((opened[k] + age for k in opened), default=time.monotonic() + age)
            try:
                item = self._queue.get(timeout=max(0.0, min(wait - time.monotonic(), 1.0)))
            except queue.Empty:
                item = None
            if item is _STOP:
                for key in list(buffers):
                    self._flush(key, buffers.pop(key))
                return
            if item is not None:
                kind, record = item
                key = partition(self._prefixes[kind], float(record.get("time") or time.time()))
                buffers.setdefault(key, []).append(record)
                opened.setdefault(key, time.monotonic())
                if len(buffers[key]) >= limit:
                    opened.pop(key)
                    self._flush(key, buffers.pop(key))
            now = time.monotonic()
            for key in [k for k, started in opened.items() if now - started >= age]:
                opened.pop(key)
                self._flush(key, buffers.pop(key))

    def _flush(self, directory: str, records: list[Mapping[str, Any]]) -> None:
        """Write one object; a failure is logged and counted, and the thread keeps going."""
        if not records:
            return
        self._sequence += 1
        key = f"{directory}{self._writer}-{self._sequence:06d}.jsonl"
        body = "".join(
            json.dumps(record, separators=(",", ":"), default=str) + "\n" for record in records
        ).encode()
        try:
            storage.put_bytes(
                self._client, self._settings.raw_bucket, key, body, "application/x-ndjson"
            )
        except Exception:  # the writer must outlive any one failed write
            self.stats.failed += len(records)
            log.exception("training records lost: %d records for %s", len(records), key)
            return
        self.stats.written += len(records)
        self.stats.objects += 1


def open_record_writer(settings: Settings, client: Any | None = None) -> RecordSink:
    """A `RecordWriter` when RECORD_TRAINING_DATA is on, else the inert writer."""
    if not settings.record_training_data:
        return NullRecordWriter()
    return RecordWriter(settings, client=client)


# Reading (the retrain job) -----------------------------------------------------------------


def partitions(client: Any, bucket: str, prefix: str, since: date | None = None) -> list[str]:
    """The `date=YYYY-MM-DD/` partitions directly under `prefix` (from `since` on), oldest first."""
    found: list[tuple[date, str]] = []
    try:
        pages = client.get_paginator("list_objects_v2").paginate(
            Bucket=bucket, Prefix=f"{prefix}date=", Delimiter="/"
        )
        for page in pages:
            for common in page.get("CommonPrefixes", []):
                text = common["Prefix"][len(prefix) + len("date=") :].rstrip("/")
                try:
                    day = date.fromisoformat(text)
                except ValueError:
                    continue
                if since is None or day >= since:
                    found.append((day, common["Prefix"]))
    except (ClientError, BotoCoreError) as err:
        raise storage.StorageError(f"cannot list s3://{bucket}/{prefix}: {err}") from err
    return [directory for _, directory in sorted(found)]


def read_lines(
    client: Any, bucket: str, prefix: str, since: date | None = None
) -> Iterator[dict[str, Any]]:
    """Every JSON object of the `.jsonl` objects under `prefix`'s partitions from `since` on;
    unreadable lines are skipped."""
    keys = [
        key
        for directory in partitions(client, bucket, prefix, since)
        for key in storage.list_keys(client, bucket, directory)
    ]
    for key in keys:
        if not key.endswith(".jsonl"):
            continue
        for line in storage.get_bytes(client, bucket, key).splitlines():
            try:
                value = json.loads(line)
            except ValueError:
                log.warning("skipping a line of s3://%s/%s that is not JSON", bucket, key)
                continue
            if isinstance(value, dict):
                yield value


def served_records(items: Iterable[Mapping[str, Any]]) -> dict[Key, PredictionLogRecord]:
    """Served predictions by (caller, request id); an id served twice to one caller is
    ambiguous and dropped; invalid records are skipped."""
    out: dict[Key, PredictionLogRecord] = {}
    repeated: set[Key] = set()
    for item in items:
        caller = item.get("caller")
        try:
            record = PredictionLogRecord.model_validate(
                {k: v for k, v in item.items() if k != "caller"}
            )
        except ValidationError:
            continue
        key = (caller if isinstance(caller, str) else None, record.request_id)
        if key in out:
            repeated.add(key)
        out[key] = record
    for key in repeated:
        del out[key]
    return out


def feedback_records(items: Iterable[Mapping[str, Any]]) -> dict[Key, FeedbackRecord]:
    """Feedback by (caller, request id); the first to arrive is final, so a later one cannot
    flip a label; invalid records are skipped."""
    out: dict[Key, FeedbackRecord] = {}
    for item in items:
        try:
            record = FeedbackRecord.model_validate(item)
        except ValidationError:
            continue
        key = (record.caller, record.request_id)
        known = out.get(key)
        if known is None or record.time < known.time:
            out[key] = record
    return out


@dataclass(frozen=True)
class Labelled:
    """A served prediction joined with its feedback: the row a model learns from."""

    served: PredictionLogRecord
    feedback: FeedbackRecord


def join(
    served: Mapping[Key, PredictionLogRecord], feedback: Mapping[Key, FeedbackRecord]
) -> list[Labelled]:
    """Served predictions that have feedback from the same caller, sent after the prediction
    was served; oldest feedback first."""
    pairs = [
        Labelled(served[key], record)
        for key, record in feedback.items()
        if key in served and record.time >= served[key].time
    ]
    return sorted(pairs, key=lambda pair: (pair.feedback.time, pair.served.request_id))
