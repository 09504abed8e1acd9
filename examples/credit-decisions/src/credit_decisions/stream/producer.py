"""Put synthetic events on the input stream to try the consumer.

`python -m credit_decisions.stream.producer --count 100` sends 100
events to INPUT_STREAM: each a `PredictionRequest` (the spec's id field and
features, drawn by `data.generate`) plus an `event_id`. Event ids derive from
the seed, so sending the same seed twice shows the consumer's idempotency;
`--shift` drifts every feature (watch the drift metric rise); `--poison N`
adds N invalid records to watch them reach the dead-letter queue.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator, Sequence
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from .. import data, spec
from ..config import ConfigError, Settings

BATCH = 500


def messages(
    count: int, seed: int, poison: int = 0, shift: float = 0.0
) -> Iterator[dict[str, Any]]:
    """`count` valid stream messages (features drifted by `shift`), then `poison` invalid ones."""
    if count:
        dataset = data.generate(count, seed=seed, shift=shift)
        for index in range(count):
            yield {
                "event_id": f"evt-{seed}-{index:08d}",
                spec.ID_FIELD: dataset.ids[index],
                **data.feature_dict(dataset, index),
            }
    for index in range(poison):
        yield {"event_id": f"poison-{seed}-{index}", spec.FEATURE_NAMES[0]: "not a value"}


def send(client: Any, stream: str, payloads: Iterator[dict[str, Any]]) -> int:
    """Put every payload (in PutRecords batches of 500) and return how many were accepted."""
    sent = 0
    batch: list[dict[str, Any]] = []

    def flush() -> int:
        if not batch:
            return 0
        response = client.put_records(StreamName=stream, Records=batch)
        accepted = len(batch) - int(response.get("FailedRecordCount", 0))
        batch.clear()
        return accepted

    for payload in payloads:
        batch.append({"Data": json.dumps(payload).encode(), "PartitionKey": payload["event_id"]})
        if len(batch) == BATCH:
            sent += flush()
    return sent + flush()


def main(argv: Sequence[str] | None = None) -> int:
    """CLI entry point."""
    parser = argparse.ArgumentParser(prog="python -m credit_decisions.stream.producer")
    parser.add_argument("--count", type=int, default=100)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--poison", type=int, default=0, help="also send this many invalid records")
    parser.add_argument("--shift", type=float, default=0.0, help="drift every feature by this much")
    parser.add_argument("--stream", default="", help="stream name (default: INPUT_STREAM)")
    args = parser.parse_args(argv)
    try:
        settings = Settings.from_env()
        stream = args.stream or settings.input_stream
        client = boto3.client("kinesis", region_name=settings.aws_region)
        sent = send(client, stream, messages(args.count, args.seed, args.poison, args.shift))
    except (ConfigError, ClientError, BotoCoreError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    print(f"sent {sent} records to {stream}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
