"""S3 helpers with deterministic keys, and where model artifacts live.

Keys depend only on their inputs (run date, part index, model version), so a
rerun overwrites what an earlier run wrote instead of adding a second copy.
Data is CSV and JSON; endpoints come from boto3's usual environment
(`AWS_ENDPOINT_URL` points everything at a local moto server).
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from .config import Settings
from .model import METADATA_FILE, MODEL_FILE, ModelError, SpecModel

CHUNK_BYTES = 8 * 1024 * 1024
LATEST_POINTER = "latest.json"


class StorageError(RuntimeError):
    """An S3 object is missing or S3 refused a request."""


def s3_client(settings: Settings) -> Any:
    """An S3 client for the configured region."""
    return boto3.client("s3", region_name=settings.aws_region)


def run_prefix(prefix: str, run_date: date) -> str:
    """`predictions/` + 2024-05-01 -> `predictions/run_date=2024-05-01/`."""
    return f"{prefix}run_date={run_date.isoformat()}/"


def latest_run_date(client: Any, bucket: str, prefix: str) -> date | None:
    """The newest `run_date=YYYY-MM-DD/` partition directly under `prefix`, or None."""
    dates: list[date] = []
    try:
        pages = client.get_paginator("list_objects_v2").paginate(
            Bucket=bucket, Prefix=f"{prefix}run_date=", Delimiter="/"
        )
        for page in pages:
            for common in page.get("CommonPrefixes", []):
                value = common["Prefix"][len(prefix) + len("run_date=") :].rstrip("/")
                try:
                    dates.append(date.fromisoformat(value))
                except ValueError:
                    continue
    except (ClientError, BotoCoreError) as err:
        raise StorageError(f"cannot list s3://{bucket}/{prefix}: {err}") from err
    return max(dates, default=None)


def part_key(prefix: str, run_date: date, index: int) -> str:
    """The output object of one input part: `<prefix>run_date=D/part-00000.csv`."""
    return f"{run_prefix(prefix, run_date)}part-{index:05d}.csv"


def marker_key(prefix: str, run_date: date, part_name: str) -> str:
    """The completion marker of one output part, written after the part itself."""
    return f"{run_prefix(prefix, run_date)}_markers/{part_name}.json"


def model_key(prefix: str, version: str, name: str) -> str:
    """`models/` + v20240501 + model.joblib -> `models/v20240501/model.joblib`."""
    return f"{prefix}{version}/{name}"


def put_bytes(client: Any, bucket: str, key: str, data: bytes, content_type: str) -> None:
    """Write one object."""
    try:
        client.put_object(Bucket=bucket, Key=key, Body=data, ContentType=content_type)
    except (ClientError, BotoCoreError) as err:
        raise StorageError(f"cannot write s3://{bucket}/{key}: {err}") from err


def get_bytes(client: Any, bucket: str, key: str) -> bytes:
    """Read one whole object."""
    try:
        body: bytes = client.get_object(Bucket=bucket, Key=key)["Body"].read()
    except (ClientError, BotoCoreError) as err:
        raise StorageError(f"cannot read s3://{bucket}/{key}: {err}") from err
    return body


def put_json(client: Any, bucket: str, key: str, value: Any) -> None:
    """Write a JSON document with sorted keys (same value, same bytes)."""
    data = (json.dumps(value, sort_keys=True, indent=2) + "\n").encode()
    put_bytes(client, bucket, key, data, "application/json")


def get_json(client: Any, bucket: str, key: str) -> Any:
    """Read a JSON document."""
    try:
        return json.loads(get_bytes(client, bucket, key))
    except ValueError as err:
        raise StorageError(f"s3://{bucket}/{key} is not JSON: {err}") from err


def head(client: Any, bucket: str, key: str) -> dict[str, Any] | None:
    """Object metadata, or None when the object does not exist."""
    try:
        response: dict[str, Any] = client.head_object(Bucket=bucket, Key=key)
    except ClientError as err:
        code = err.response.get("Error", {}).get("Code")
        if code in ("404", "NoSuchKey", "NotFound"):
            return None
        # S3 answers 403, not 404, for a missing key unless the caller may list the whole
        # bucket; a role allowed to list only this prefix learns the truth from a listing
        if code in ("403", "Forbidden", "AccessDenied") and key not in list_keys(
            client, bucket, key
        ):
            return None
        raise StorageError(f"cannot check s3://{bucket}/{key}: {err}") from err
    return response


def list_keys(client: Any, bucket: str, prefix: str) -> list[str]:
    """Every key under `prefix`, sorted, so shards agree on which part is which."""
    keys: list[str] = []
    try:
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            keys.extend(item["Key"] for item in page.get("Contents", []))
    except (ClientError, BotoCoreError) as err:
        raise StorageError(f"cannot list s3://{bucket}/{prefix}: {err}") from err
    return sorted(keys)


def iter_object(
    client: Any, bucket: str, key: str, chunk_bytes: int = CHUNK_BYTES
) -> Iterator[bytes]:
    """Stream an object in chunks, so a large file never sits in memory whole."""
    try:
        body = client.get_object(Bucket=bucket, Key=key)["Body"]
        yield from body.iter_chunks(chunk_size=chunk_bytes)
    except (ClientError, BotoCoreError) as err:
        raise StorageError(f"cannot read s3://{bucket}/{key}: {err}") from err


def upload_chunks(
    client: Any, bucket: str, key: str, chunks: Iterable[bytes], content_type: str
) -> int:
    """Write an object from chunks through a spooled file (multipart when large); return bytes."""
    size = 0
    with tempfile.SpooledTemporaryFile(max_size=64 * 1024 * 1024) as spool:
        for chunk in chunks:
            spool.write(chunk)
            size += len(chunk)
        spool.seek(0)
        try:
            client.upload_fileobj(spool, bucket, key, ExtraArgs={"ContentType": content_type})
        except (ClientError, BotoCoreError) as err:
            raise StorageError(f"cannot write s3://{bucket}/{key}: {err}") from err
    return size


def save_model(client: Any, settings: Settings, model: SpecModel, promote: bool) -> str:
    """Store a model under its version; when `promote`, point `latest.json` at it. Returns the
    metadata key."""
    version = model.metadata.version
    for name, content in model.to_files().items():
        kind = "application/json" if name == METADATA_FILE else "application/octet-stream"
        put_bytes(
            client,
            settings.models_bucket,
            model_key(settings.models_prefix, version, name),
            content,
            kind,
        )
    if promote:
        pointer: dict[str, Any] = {"version": version, "metric": model.metadata.metric}
        current = read_pointer(client, settings)
        if current and current.get("version") not in (None, version):
            pointer["previous"] = current["version"]
        put_json(client, settings.models_bucket, settings.models_prefix + LATEST_POINTER, pointer)
    return model_key(settings.models_prefix, version, METADATA_FILE)


def read_pointer(client: Any, settings: Settings) -> dict[str, Any] | None:
    """`latest.json` as a mapping (version, metric, previous), or None when there is none."""
    key = settings.models_prefix + LATEST_POINTER
    if head(client, settings.models_bucket, key) is None:
        return None
    pointer = get_json(client, settings.models_bucket, key)
    return pointer if isinstance(pointer, dict) else None


def promoted_version(client: Any, settings: Settings) -> str:
    """The version `latest.json` points at."""
    pointer = get_json(client, settings.models_bucket, settings.models_prefix + LATEST_POINTER)
    version = pointer.get("version") if isinstance(pointer, dict) else None
    if not isinstance(version, str) or not version:
        raise StorageError("latest.json does not name a model version")
    return version


def load_model(client: Any, settings: Settings, version: str = "") -> SpecModel:
    """Load a model version from S3 (empty: the promoted one)."""
    version = version or promoted_version(client, settings)
    files = {
        name: get_bytes(
            client, settings.models_bucket, model_key(settings.models_prefix, version, name)
        )
        for name in (MODEL_FILE, METADATA_FILE)
    }
    return SpecModel.from_files(files)


def load_configured_model(settings: Settings, client: Any | None = None) -> SpecModel:
    """The model this process serves: MODEL_PATH when set, else MODEL_VERSION (or latest) in S3."""
    if settings.model_path:
        return SpecModel.load(Path(settings.model_path))
    try:
        return load_model(client or s3_client(settings), settings, settings.model_version)
    except StorageError as err:
        raise ModelError(f"no model to load: {err}") from err
