"""Score job: input CSVs of one run date in, one predictions CSV per input part out.

`s3://$RAW_BUCKET/$RAW_PREFIX/run_date=D/part-00000.csv` (D: `--run-date`,
RUN_DATE, else the newest partition) is scored into
`s3://$PREDICTIONS_BUCKET/$PREDICTIONS_PREFIX/run_date=D/part-00000.csv`: same
name, so a rerun replaces. After each part a marker records the input's ETag
and the model version; a rerun skips parts whose marker still matches, so a
failed run resumes where it stopped. `--shard i --shards n` scores every n-th
part starting at i (a Step Functions Map runs one task per shard). Files are
streamed in chunks and scored a block of rows at a time. Output columns:
`schema.OUTPUT_COLUMNS` (the id, the prediction and, for classification, the
probabilities).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import logging
import sys
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from .. import data, storage
from ..config import ConfigError, Settings
from ..model import Model, ModelError
from ..schema import OUTPUT_COLUMNS, output_rows
from . import resolve_run_date

log = logging.getLogger(__name__)

OUTPUT_HEADER = (",".join(OUTPUT_COLUMNS) + "\n").encode()


@dataclass
class ScoreSummary:
    """What one score run did."""

    run_date: str
    shard: int
    shards: int
    model_version: str
    scored: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    rows: int = 0


def shard_keys(keys: Sequence[str], shard: int, shards: int) -> list[str]:
    """The input parts shard `shard` of `shards` owns: every `shards`-th, from `shard`."""
    if shards < 1 or not 0 <= shard < shards:
        raise ValueError(f"shard must be in 0..{shards - 1} and shards at least 1")
    return [key for index, key in enumerate(sorted(keys)) if index % shards == shard]


def score_chunks(
    model: Model, chunks: Iterator[bytes], counter: list[int], threshold: float = 0.5
) -> Iterator[bytes]:
    """Predictions CSV for an input CSV stream, batch by batch; counts rows into `counter`."""
    yield OUTPUT_HEADER
    for batch in data.iter_csv(chunks):
        if not len(batch):
            continue
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerows(
            output_rows(batch.ids, model.predict_scores(batch.rows), threshold)
        )
        counter[0] += len(batch)
        yield out.getvalue().encode()


def run(
    settings: Settings,
    run_date: date,
    model: Model,
    shard: int = 0,
    shards: int = 1,
    force: bool = False,
    client: Any | None = None,
) -> ScoreSummary:
    """Score this shard's parts for `run_date`, skipping parts already scored by this model."""
    client = client or storage.s3_client(settings)
    version = model.metadata.version
    summary = ScoreSummary(run_date.isoformat(), shard, shards, version)
    in_prefix = storage.run_prefix(settings.raw_prefix, run_date)
    inputs = [
        key
        for key in storage.list_keys(client, settings.raw_bucket, in_prefix)
        if key.endswith(".csv") and "/" not in key[len(in_prefix) :]
    ]
    for key in shard_keys(inputs, shard, shards):
        name = key.rsplit("/", 1)[-1]
        out_key = storage.run_prefix(settings.predictions_prefix, run_date) + name
        marker = storage.marker_key(settings.predictions_prefix, run_date, name)
        source = storage.head(client, settings.raw_bucket, key)
        etag = str(source["ETag"]) if source else ""
        expected = {"input": key, "input_etag": etag, "model_version": version}
        if not force and storage.head(client, settings.predictions_bucket, marker):
            done = storage.get_json(client, settings.predictions_bucket, marker)
            if {k: done.get(k) for k in expected} == expected:
                summary.skipped.append(name)
                continue
        counter = [0]
        chunks = storage.iter_object(client, settings.raw_bucket, key)
        storage.upload_chunks(
            client,
            settings.predictions_bucket,
            out_key,
            score_chunks(model, chunks, counter, settings.decision_threshold),
            "text/csv",
        )
        storage.put_json(
            client,
            settings.predictions_bucket,
            marker,
            {**expected, "output": out_key, "rows": counter[0]},
        )
        summary.scored.append(name)
        summary.rows += counter[0]
    return summary


def main(argv: Sequence[str] | None = None) -> int:
    """Container entrypoint; prints one JSON summary line."""
    parser = argparse.ArgumentParser(prog="python -m churn_nightly.jobs.score")
    parser.add_argument("--run-date", type=date.fromisoformat, default=None)
    parser.add_argument("--shard", type=int, default=0, help="this task's shard (0-based)")
    parser.add_argument("--shards", type=int, default=1, help="how many shards run in total")
    parser.add_argument("--force", action="store_true", help="rescore parts already scored")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        settings = Settings.from_env()
        client = storage.s3_client(settings)
        model = storage.load_configured_model(settings, client)
        run_date = resolve_run_date(args.run_date, client, settings.raw_bucket, settings.raw_prefix)
        summary = run(
            settings,
            run_date,
            model,
            args.shard,
            args.shards,
            args.force,
            client,
        )
    except (ConfigError, ModelError, storage.StorageError, ValueError) as err:
        log.error(json.dumps({"job": "score", "error": str(err)}))
        return 1
    log.info(json.dumps({"job": "score", **asdict(summary)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
