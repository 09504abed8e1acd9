"""Local Kinesis event-source-mapping runner: the Lambda poller, in-process, against moto.

Lambda code cannot run inside moto, so this module plays the part of the
Lambda service for a Kinesis event source mapping that a stack deployed into
moto: it reads the mapping back from moto (batch size, parallelisation,
partial batch responses, bisect on error, retries, record age, on-failure
destination), reads the stream's shards, builds the Kinesis event Lambda would
send, calls the consumer's Python handler in-process with the function's
environment variables, and sends the metadata of batches that exhaust their
retries to the on-failure destination the way Lambda does.

Public API:

- `KinesisMappingRunner(mapping, handler, *, session_or_endpoint=None,
  region="us-east-1", retry_cap=100)` — `mapping` is the mapping's UUID or ARN;
  `handler(event, context)` is the consumer. `.poll() -> RunReport` processes
  every record that arrived since the last poll (checkpoints kept per shard).
- `run_event_source_mapping(mapping, handler, *, session_or_endpoint=None,
  region="us-east-1") -> RunReport` — one runner, one poll.
- `RunReport` — counts of records, invocations, successes and failures, and
  the on-failure messages sent.
- `deliver_kinesis_source(delivery_stream, *, session_or_endpoint=None,
  region="us-east-1", checkpoints=None) -> int` — the Firehose side of a
  stream: moto does not read a delivery stream's Kinesis source, so this
  reads the source stream and puts its records into the delivery stream, which
  moto writes into the destination bucket. Returns the records delivered.

Differences from the service, on purpose: batches are taken from what is in
the stream now (the batching window is not waited for); lanes of a shard run
one after another (records with one partition key stay in order, as with a
parallelisation factor); infinite retries (-1) stop at `retry_cap`. It runs
only against moto: in-process inside `moto.mock_aws()`, or a moto server on
this machine; anything else raises `EventSourceMappingError`.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import time
import urllib.parse
import uuid
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

__all__ = [
    "deliver_kinesis_source",
    "EventSourceMappingError",
    "KinesisMappingRunner",
    "LambdaContext",
    "RunReport",
    "run_event_source_mapping",
]

Handler = Callable[[dict[str, Any], Any], Any]


class EventSourceMappingError(RuntimeError):
    """The mapping cannot be run locally (missing, not Kinesis, unreadable)."""


@dataclass
class LambdaContext:
    """The attributes of Lambda's context object that handlers and Powertools read."""

    function_name: str
    invoked_function_arn: str
    memory_limit_in_mb: int = 128
    timeout_s: int = 3
    function_version: str = "$LATEST"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    log_group_name: str = ""
    log_stream_name: str = "local"
    _deadline: float = field(default=0.0, repr=False)

    def get_remaining_time_in_millis(self) -> int:
        """Milliseconds left before the function's timeout."""
        return max(0, int((self._deadline - time.monotonic()) * 1000))


@dataclass
class RunReport:
    """What one poll did: every record ends up either succeeded or sent on failure."""

    records: int = 0
    invocations: int = 0
    succeeded: int = 0
    failed_records: int = 0
    function_errors: int = 0
    partial_failures: int = 0
    failure_messages: list[dict[str, Any]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@dataclass
class _Record:
    shard_id: str
    sequence: str
    partition_key: str
    data: bytes
    arrival: float


@dataclass
class _Mapping:
    uuid: str
    stream_arn: str
    function_arn: str
    enabled: bool
    starting_position: str
    created: float
    batch_size: int
    parallelization: int
    bisect: bool
    report_item_failures: bool
    max_retries: int
    max_record_age_s: int
    on_failure: str


class KinesisMappingRunner:
    """Polls a Kinesis event source mapping deployed in moto and invokes `handler`."""

    def __init__(
        self,
        mapping: str,
        handler: Handler,
        *,
        session_or_endpoint: boto3.Session | str | None = None,
        region: str = "us-east-1",
        retry_cap: int = 100,
    ) -> None:
        self._session, self._endpoint = _session(session_or_endpoint, region)
        self.region = self._session.region_name or region
        self.handler = handler
        self.retry_cap = retry_cap
        self._clients: dict[str, Any] = {}
        self._checkpoints: dict[str, str] = {}
        self.mapping = self._read_mapping(mapping.rsplit(":", 1)[-1].rsplit("/", 1)[-1])
        self._stream_name = self.mapping.stream_arn.split(":stream/", 1)[-1]
        self._function = self._client("lambda").get_function_configuration(
            FunctionName=self.mapping.function_arn
        )

    def _client(self, service: str) -> Any:
        if service not in self._clients:
            self._clients[service] = self._session.client(
                service, region_name=self.region, endpoint_url=self._endpoint
            )
        return self._clients[service]

    def _read_mapping(self, mapping_uuid: str) -> _Mapping:
        try:
            conf = self._client("lambda").get_event_source_mapping(UUID=mapping_uuid)
        except (ClientError, BotoCoreError) as err:
            raise EventSourceMappingError(f"event source mapping {mapping_uuid}: {err}") from err
        source = str(conf.get("EventSourceArn", ""))
        if ":kinesis:" not in source:
            raise EventSourceMappingError(f"mapping {mapping_uuid} reads {source}, not Kinesis")
        modified = conf.get("LastModified")
        created = modified.timestamp() if isinstance(modified, datetime) else 0.0
        dest = ((conf.get("DestinationConfig") or {}).get("OnFailure") or {}).get("Destination")

        def number(key: str, default: int) -> int:
            value = conf.get(key)
            return default if value is None else int(value)

        return _Mapping(
            uuid=str(conf["UUID"]),
            stream_arn=source,
            function_arn=str(conf["FunctionArn"]),
            enabled=conf.get("State", "Enabled") in ("Enabled", "Enabling", "Creating"),
            starting_position=str(conf.get("StartingPosition") or "TRIM_HORIZON"),
            created=created,
            batch_size=number("BatchSize", 100),
            parallelization=max(1, number("ParallelizationFactor", 1)),
            bisect=bool(conf.get("BisectBatchOnFunctionError")),
            report_item_failures="ReportBatchItemFailures"
            in (conf.get("FunctionResponseTypes") or []),
            max_retries=number("MaximumRetryAttempts", -1),
            max_record_age_s=number("MaximumRecordAgeInSeconds", -1),
            on_failure=str(dest or ""),
        )

    # -- reading the stream -------------------------------------------------
    def _read_shard(self, shard_id: str) -> list[_Record]:
        kinesis = self._client("kinesis")
        kw: dict[str, Any] = {"StreamName": self._stream_name, "ShardId": shard_id}
        if shard_id in self._checkpoints:
            kw |= {
                "ShardIteratorType": "AFTER_SEQUENCE_NUMBER",
                "StartingSequenceNumber": self._checkpoints[shard_id],
            }
        else:
            kw["ShardIteratorType"] = "TRIM_HORIZON"
        iterator = kinesis.get_shard_iterator(**kw)["ShardIterator"]
        records: list[_Record] = []
        while iterator:
            out = kinesis.get_records(ShardIterator=iterator, Limit=10_000)
            for rec in out["Records"]:
                arrival = rec["ApproximateArrivalTimestamp"]
                records.append(
                    _Record(
                        shard_id,
                        rec["SequenceNumber"],
                        rec["PartitionKey"],
                        rec["Data"],
                        arrival.timestamp() if isinstance(arrival, datetime) else float(arrival),
                    )
                )
            if not out["Records"]:
                break
            iterator = out.get("NextShardIterator")
        if self.mapping.starting_position == "LATEST" and shard_id not in self._checkpoints:
            # LATEST: only what arrived after the mapping was created.
            records = [r for r in records if r.arrival >= self.mapping.created - 1.0]
        return records

    def _lanes(self, records: list[_Record]) -> list[list[_Record]]:
        """Split a shard's records by partition key as a parallelisation factor does."""
        lanes: list[list[_Record]] = [[] for _ in range(self.mapping.parallelization)]
        for rec in records:
            lanes[zlib.crc32(rec.partition_key.encode()) % len(lanes)].append(rec)
        return [lane for lane in lanes if lane]

    # -- invoking -----------------------------------------------------------
    def poll(self) -> RunReport:
        """Process every record that arrived since the previous poll; return what happened."""
        report = RunReport()
        if not self.mapping.enabled:
            return report
        shards = self._client("kinesis").list_shards(StreamName=self._stream_name)["Shards"]
        for shard in shards:
            shard_id = shard["ShardId"]
            records = self._read_shard(shard_id)
            report.records += len(records)
            for lane in self._lanes(records):
                for start in range(0, len(lane), self.mapping.batch_size):
                    self._process(lane[start : start + self.mapping.batch_size], 0, report)
            if records:
                self._checkpoints[shard_id] = max(records, key=lambda r: int(r.sequence)).sequence
        return report

    def _process(self, batch: list[_Record], attempts: int, report: RunReport) -> None:
        """Invoke until the batch succeeds or its records go to the on-failure destination."""
        while batch:
            batch = self._drop_expired(batch, attempts, report)
            if not batch:
                return
            failed_from = self._invoke(batch, report)
            if failed_from is None:
                report.succeeded += len(batch)
                return
            report.succeeded += failed_from
            batch = batch[failed_from:]
            if self.mapping.bisect and len(batch) > 1:
                # Splitting a batch does not use up its retries.
                half = len(batch) // 2
                self._process(batch[:half], attempts, report)
                self._process(batch[half:], attempts, report)
                return
            attempts += 1
            limit = self.mapping.max_retries
            if limit < 0 or limit > self.retry_cap:
                limit = self.retry_cap
            if attempts > limit:
                self._send_failure(batch, "RetryAttemptsExhausted", attempts, report)
                return

    def _drop_expired(
        self, batch: list[_Record], attempts: int, report: RunReport
    ) -> list[_Record]:
        max_age = self.mapping.max_record_age_s
        if max_age < 0:
            return batch
        now = time.time()
        expired = [r for r in batch if now - r.arrival > max_age]
        if expired:
            self._send_failure(expired, "RecordAgeExceeded", attempts, report)
        return [r for r in batch if now - r.arrival <= max_age]

    def _event(self, batch: list[_Record]) -> dict[str, Any]:
        role = str(self._function.get("Role", ""))
        return {
            "Records": [
                {
                    "kinesis": {
                        "kinesisSchemaVersion": "1.0",
                        "partitionKey": r.partition_key,
                        "sequenceNumber": r.sequence,
                        "data": base64.b64encode(r.data).decode(),
                        "approximateArrivalTimestamp": r.arrival,
                    },
                    "eventSource": "aws:kinesis",
                    "eventVersion": "1.0",
                    "eventID": f"{r.shard_id}:{r.sequence}",
                    "eventName": "aws:kinesis:record",
                    "invokeIdentityArn": role,
                    "awsRegion": self.region,
                    "eventSourceARN": self.mapping.stream_arn,
                }
                for r in batch
            ]
        }

    def _context(self) -> LambdaContext:
        timeout = int(self._function.get("Timeout", 3))
        return LambdaContext(
            function_name=str(self._function["FunctionName"]),
            invoked_function_arn=self.mapping.function_arn,
            memory_limit_in_mb=int(self._function.get("MemorySize", 128)),
            timeout_s=timeout,
            log_group_name=f"/aws/lambda/{self._function['FunctionName']}",
            _deadline=time.monotonic() + timeout,
        )

    def _invoke(self, batch: list[_Record], report: RunReport) -> int | None:
        """Call the handler once; None on success, else the index the retry starts from."""
        report.invocations += 1
        try:
            with _environment(self._function.get("Environment", {}).get("Variables") or {}):
                result = self.handler(self._event(batch), self._context())
        except Exception as err:  # noqa: BLE001 - a handler error is a function error, as in Lambda
            report.function_errors += 1
            report.errors.append(f"{type(err).__name__}: {err}")
            return 0
        if not self.mapping.report_item_failures or not isinstance(result, dict):
            return None
        failures = result.get("batchItemFailures") or []
        if not failures:
            return None
        report.partial_failures += 1
        positions = {r.sequence: n for n, r in enumerate(batch)}
        indexes = []
        for item in failures:
            ident = item.get("itemIdentifier") if isinstance(item, dict) else None
            if not ident or ident not in positions:
                return 0  # an unusable response fails the whole batch
            indexes.append(positions[ident])
        return min(indexes)

    def _send_failure(
        self, batch: list[_Record], condition: str, attempts: int, report: RunReport
    ) -> None:
        report.failed_records += len(batch)
        message = {
            "requestContext": {
                "requestId": str(uuid.uuid4()),
                "functionArn": self.mapping.function_arn,
                "condition": condition,
                "approximateInvokeCount": attempts,
            },
            "responseContext": {
                "statusCode": 200,
                "executedVersion": "$LATEST",
                "functionError": "Unhandled",
            },
            "version": "1.0",
            "timestamp": datetime.now(UTC).isoformat(),
            "KinesisBatchInfo": {
                "shardId": batch[0].shard_id,
                "startSequenceNumber": batch[0].sequence,
                "endSequenceNumber": batch[-1].sequence,
                "approximateArrivalOfFirstRecord": _iso(batch[0].arrival),
                "approximateArrivalOfLastRecord": _iso(batch[-1].arrival),
                "batchSize": len(batch),
                "streamArn": self.mapping.stream_arn,
            },
        }
        report.failure_messages.append(message)
        dest = self.mapping.on_failure
        if not dest:
            return
        body = json.dumps(message)
        if ":sqs:" in dest:
            parts = dest.split(":")
            url = self._client("sqs").get_queue_url(
                QueueName=parts[5], QueueOwnerAWSAccountId=parts[4]
            )["QueueUrl"]
            self._client("sqs").send_message(QueueUrl=url, MessageBody=body)
        elif ":sns:" in dest:
            self._client("sns").publish(TopicArn=dest, Message=body)
        else:
            report.errors.append(f"on-failure destination not emulated: {dest}")


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat()


@contextlib.contextmanager
def _environment(variables: dict[str, str]) -> Iterator[None]:
    """Set the function's environment variables for one invocation, then restore."""
    saved = {k: os.environ.get(k) for k in variables}
    os.environ.update({k: str(v) for k, v in variables.items()})
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _ensure_moto(endpoint: str | None) -> None:
    """Run only against moto (in-process or a server on this machine), never an account."""
    if endpoint is not None:
        host = urllib.parse.urlsplit(endpoint).hostname or ""
        if host not in ("127.0.0.1", "localhost", "::1"):
            raise EventSourceMappingError(f"moto endpoint must be on this machine, got {endpoint}")
        return
    from moto.core.models import MockAWS

    if MockAWS._nested_count < 1:
        raise EventSourceMappingError(
            "without an endpoint the runner needs moto in-process: run inside moto.mock_aws()"
        )


def _session(
    session_or_endpoint: boto3.Session | str | None, region: str
) -> tuple[boto3.Session, str | None]:
    _ensure_moto(session_or_endpoint if isinstance(session_or_endpoint, str) else None)
    if isinstance(session_or_endpoint, str):
        session = boto3.Session(
            aws_access_key_id="testing", aws_secret_access_key="testing", region_name=region
        )
        return session, session_or_endpoint
    return session_or_endpoint or boto3.Session(region_name=region), None


def deliver_kinesis_source(
    delivery_stream: str,
    *,
    session_or_endpoint: boto3.Session | str | None = None,
    region: str = "us-east-1",
    checkpoints: dict[str, str] | None = None,
) -> int:
    """Move what a delivery stream's Kinesis source holds into the delivery stream.

    Pass the same `checkpoints` dict to successive calls to deliver each record
    once (shard id -> last sequence number delivered).
    """
    session, endpoint = _session(session_or_endpoint, region)
    region = session.region_name or region  # a given session's region wins, as in the runner
    firehose = session.client("firehose", region_name=region, endpoint_url=endpoint)
    kinesis = session.client("kinesis", region_name=region, endpoint_url=endpoint)
    try:
        desc = firehose.describe_delivery_stream(DeliveryStreamName=delivery_stream)
    except (ClientError, BotoCoreError) as err:
        raise EventSourceMappingError(f"delivery stream {delivery_stream}: {err}") from err
    source = (desc["DeliveryStreamDescription"].get("Source") or {}).get(
        "KinesisStreamSourceDescription"
    ) or {}
    if not source.get("KinesisStreamARN"):
        raise EventSourceMappingError(f"delivery stream {delivery_stream} has no Kinesis source")
    stream = str(source["KinesisStreamARN"]).split(":stream/", 1)[-1]
    marks = checkpoints if checkpoints is not None else {}
    delivered = 0
    for shard in kinesis.list_shards(StreamName=stream)["Shards"]:
        shard_id = shard["ShardId"]
        kw: dict[str, Any] = {"StreamName": stream, "ShardId": shard_id}
        if shard_id in marks:
            kw |= {
                "ShardIteratorType": "AFTER_SEQUENCE_NUMBER",
                "StartingSequenceNumber": marks[shard_id],
            }
        else:
            kw["ShardIteratorType"] = "TRIM_HORIZON"
        iterator = kinesis.get_shard_iterator(**kw)["ShardIterator"]
        while iterator:
            out = kinesis.get_records(ShardIterator=iterator, Limit=500)
            records = out["Records"]
            if not records:
                break
            firehose.put_record_batch(
                DeliveryStreamName=delivery_stream,
                Records=[{"Data": r["Data"]} for r in records],
            )
            delivered += len(records)
            marks[shard_id] = records[-1]["SequenceNumber"]
            iterator = out.get("NextShardIterator")
    return delivered


def run_event_source_mapping(
    mapping: str,
    handler: Handler,
    *,
    session_or_endpoint: boto3.Session | str | None = None,
    region: str = "us-east-1",
) -> RunReport:
    """Run a Kinesis mapping once over everything in its stream; see `KinesisMappingRunner`."""
    runner = KinesisMappingRunner(
        mapping, handler, session_or_endpoint=session_or_endpoint, region=region
    )
    return runner.poll()
