"""Lambda's Kinesis event, built the way the event source mapping delivers it.

The shape is the one AWS documents for a Kinesis-triggered function: per
record the base64 `data`, the partition key, the shard's sequence number and
the approximate arrival time, plus the event id (`shardId:sequence`), the
source ARN and the invoking role. Tests feed the consumers these events, and
archived records (the Firehose archive holds the raw `data`) can be replayed
through a handler locally with them.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Sequence
from typing import Any

ACCOUNT = "123456789012"


def kinesis_event(
    payloads: Sequence[bytes],
    *,
    stream: str = "input",
    region: str = "us-east-1",
    first_sequence: int = 1,
    shard: str = "shardId-000000000000",
    partition_keys: Sequence[str] | None = None,
) -> dict[str, Any]:
    """One invocation's event for `payloads` (raw record bytes), in order on one shard."""
    arrival = round(time.time(), 3)
    records = []
    for offset, payload in enumerate(payloads):
        sequence = str(first_sequence + offset).zfill(56)
        key = partition_keys[offset] if partition_keys is not None else str(offset)
        records.append(
            {
                "kinesis": {
                    "kinesisSchemaVersion": "1.0",
                    "partitionKey": key,
                    "sequenceNumber": sequence,
                    "data": base64.b64encode(payload).decode("ascii"),
                    "approximateArrivalTimestamp": arrival,
                },
                "eventSource": "aws:kinesis",
                "eventVersion": "1.0",
                "eventID": f"{shard}:{sequence}",
                "eventName": "aws:kinesis:record",
                "invokeIdentityArn": f"arn:aws:iam::{ACCOUNT}:role/consumer",
                "awsRegion": region,
                "eventSourceARN": f"arn:aws:kinesis:{region}:{ACCOUNT}:stream/{stream}",
            }
        )
    return {"Records": records}


def put_records_event(entries: Sequence[dict[str, Any]], **kwargs: Any) -> dict[str, Any]:
    """The event for what a producer handed to `PutRecords` (`Data` + `PartitionKey` entries)."""
    return kinesis_event(
        [bytes(e["Data"]) for e in entries],
        partition_keys=[str(e["PartitionKey"]) for e in entries],
        **kwargs,
    )
