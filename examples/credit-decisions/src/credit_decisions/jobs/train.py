"""Train job: labelled CSVs of one run date in, a versioned model (promoted if good enough) out.

Reads `s3://$RAW_BUCKET/$TRAINING_PREFIX/run_date=D/*.csv` (D: `--run-date`,
RUN_DATE, else the newest partition), trains the default model, stores it as
`s3://$MODELS_BUCKET/$MODELS_PREFIX/<version>/` and, when its metric passes
MODEL_METRIC_THRESHOLD (the spec's metric and goal), points `latest.json` at
it. The version defaults to `vYYYYMMDD` of the run date, so a rerun replaces
that day's model; the batch state machine passes its execution name and gates
on `metadata.json` itself.
Exit status: 0 trained (promoted or not, see the summary line), 1 error.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

import numpy as np

from .. import data, storage
from ..config import ConfigError, Settings
from ..model import ModelError, SpecModel, metric_passes
from ..spec import TARGET
from . import resolve_run_date

log = logging.getLogger(__name__)


def load_training_data(client: Any, settings: Settings, run_date: date) -> data.Dataset:
    """Every labelled CSV under the run date's training prefix, as one dataset."""
    prefix = storage.run_prefix(settings.training_prefix, run_date)
    keys = [
        key
        for key in storage.list_keys(client, settings.raw_bucket, prefix)
        if key.endswith(".csv")
    ]
    parts = [
        batch
        for key in keys
        for batch in data.iter_csv(storage.iter_object(client, settings.raw_bucket, key))
    ]
    if not parts:
        raise storage.StorageError(f"no training data under s3://{settings.raw_bucket}/{prefix}")
    if any(part.target is None for part in parts):
        raise data.DataFormatError(f"training data under {prefix} lacks the {TARGET} column")
    return data.Dataset(
        ids=[i for part in parts for i in part.ids],
        rows=np.vstack([part.rows for part in parts]),
        target=np.concatenate([part.target for part in parts if part.target is not None]),
    )


def run(
    settings: Settings,
    run_date: date | None = None,
    version: str = "",
    synthetic_rows: int = 0,
    client: Any | None = None,
) -> dict[str, Any]:
    """Train, store and maybe promote; return a summary (also what the job prints).

    With `synthetic_rows`, that many synthetic labelled rows are first written
    into the run date's partition (today when no date is given).
    """
    client = client or storage.s3_client(settings)
    if run_date is None and synthetic_rows:
        run_date = datetime.now(UTC).date()
    run_date = resolve_run_date(run_date, client, settings.raw_bucket, settings.training_prefix)
    version = version or f"v{run_date:%Y%m%d}"
    if synthetic_rows:
        synthetic = data.generate(synthetic_rows, seed=int(f"{run_date:%Y%m%d}"))
        key = storage.part_key(settings.training_prefix, run_date, 0)
        storage.put_bytes(client, settings.raw_bucket, key, data.to_csv(synthetic), "text/csv")
    dataset = load_training_data(client, settings, run_date)
    model = SpecModel.train(dataset, version)
    promote = metric_passes(model.metadata.metric, settings.model_metric_threshold)
    metadata_key = storage.save_model(client, settings, model, promote=promote)
    return {
        "run_date": run_date.isoformat(),
        "version": version,
        "metric_name": model.metadata.metric_name,
        "metric": model.metadata.metric,
        "threshold": settings.model_metric_threshold,
        "promoted": promote,
        "training_rows": model.metadata.training_rows,
        "metadata": f"s3://{settings.models_bucket}/{metadata_key}",
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Container entrypoint; prints one JSON summary line."""
    parser = argparse.ArgumentParser(prog="python -m credit_decisions.jobs.train")
    parser.add_argument("--run-date", type=date.fromisoformat, default=None)
    parser.add_argument("--version", default="", help="model version (default vYYYYMMDD)")
    parser.add_argument(
        "--synthetic-rows", type=int, default=0, help="first write this many synthetic rows"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        settings = Settings.from_env()
        summary = run(settings, args.run_date, args.version, args.synthetic_rows)
    except (ConfigError, ModelError, storage.StorageError, ValueError) as err:
        log.error(json.dumps({"job": "train", "error": str(err)}))
        return 1
    log.info(json.dumps({"job": "train", **summary}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
