"""Batch jobs, each a container entrypoint: `python -m credit_decisions.jobs.<job>`."""

from __future__ import annotations

import os
from datetime import date
from typing import Any

from .. import storage


def resolve_run_date(explicit: date | None, client: Any, bucket: str, prefix: str) -> date:
    """The partition a job works on: `--run-date`, else RUN_DATE, else the newest one in S3.

    The scheduler starts the jobs without a date, so a nightly run picks up the
    newest `run_date=` partition the producers wrote; a rerun or a backfill names it.
    """
    if explicit is not None:
        return explicit
    if os.environ.get("RUN_DATE"):
        return date.fromisoformat(os.environ["RUN_DATE"])
    latest = storage.latest_run_date(client, bucket, prefix)
    if latest is None:
        raise storage.StorageError(f"no run_date= partitions under s3://{bucket}/{prefix}")
    return latest
