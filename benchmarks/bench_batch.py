"""Benchmark: the generated batch scorer on 1M rows, reading from and writing to moto S3.

The base and batch layers are rendered into a temporary project; a child
process (so the rendered package never enters this interpreter) puts a 1M-row
input into in-process moto S3 and times one `jobs.score.run` over it: list,
stream, parse, score, format, upload and marker. Prints `batch_1m_rows_s`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

SLUG = "bench-service"
"""The rendered project's name; its package is `bench_service`."""
ROWS = 1_000_000
TIMEOUT_S = 300

CHILD = """
import json, sys, time
from datetime import date
import boto3
from moto import mock_aws
from bench_service import data, storage
from bench_service.config import Settings
from bench_service.jobs import score
from bench_service.model import SpecModel

rows = int(sys.argv[1])
day = date(2024, 1, 1)
with mock_aws():
    settings = Settings.from_env({})
    client = boto3.client("s3", region_name="us-east-1")
    for bucket in (settings.raw_bucket, settings.predictions_bucket):
        client.create_bucket(Bucket=bucket)
    model = SpecModel.train(data.generate(20_000, seed=1), "bench")
    full = data.generate(rows, seed=2)
    body = data.to_csv(full.unlabelled())
    key = storage.part_key(settings.raw_prefix, day, 0)
    client.put_object(Bucket=settings.raw_bucket, Key=key, Body=body)
    started = time.perf_counter()
    summary = score.run(settings, day, model, client=client)
    elapsed = time.perf_counter() - started
    out = storage.part_key(settings.predictions_prefix, day, 0)
    written = client.head_object(Bucket=settings.predictions_bucket, Key=out)["ContentLength"]
    assert summary.rows == rows, summary
print(json.dumps({"seconds": elapsed, "rows": summary.rows, "input_bytes": len(body),
                  "output_bytes": written}))
"""


def render_project(pattern: str, dest: Path, **answers: Any) -> Path:
    """The project archgen generates for `pattern` (answers that fit it), by archgen's renderer."""
    from archgen.api import make_plan
    from archgen.patterns import Pattern
    from archgen.record import ProjectRecord
    from archgen.render import render_tree
    from archgen.requirements import Requirements

    requirements = Requirements(project_name=SLUG, **answers)
    record = ProjectRecord(answers=requirements, pattern=Pattern(pattern))
    project = dest / SLUG
    render_tree(make_plan(record), project)
    return project


def measure(rows: int = ROWS) -> dict[str, float]:
    """Render, then score `rows` rows in a child process; returns the child's figures."""
    with tempfile.TemporaryDirectory(prefix="bench-batch-") as tmp:
        project = render_project(
            "batch", Path(tmp), urgency="next_day", latency_p99_ms=86_400_000, data_arrival="files"
        )
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(
            PYTHONPATH=str(project / "src"),
            AWS_ACCESS_KEY_ID="bench",
            AWS_SECRET_ACCESS_KEY="bench",
            AWS_DEFAULT_REGION="us-east-1",
        )
        child = subprocess.run(
            [sys.executable, "-c", CHILD, str(rows)],
            env=env,
            capture_output=True,
            text=True,
            timeout=TIMEOUT_S,
            check=False,
        )
    if child.returncode != 0:
        raise RuntimeError(f"batch benchmark failed: {child.stderr[-2000:]}")
    figures: dict[str, float] = json.loads(child.stdout.strip().splitlines()[-1])
    return figures


def run() -> list[tuple[str, float, str]]:
    """`(name, value, unit)` lines for benchmarks/run.py."""
    figures = measure()
    return [("batch_1m_rows_s", round(figures["seconds"], 3), "s")]


if __name__ == "__main__":
    for name, value, unit in run():
        print(f"{name}: {value} {unit}")
