"""S3 helpers against moto: deterministic keys, streaming, model versions and promotion."""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
import pytest

from {{ cookiecutter.package_name }} import data, storage
from {{ cookiecutter.package_name }}.config import Settings
from {{ cookiecutter.package_name }}.model import ModelError, SpecModel


def test_keys_are_deterministic() -> None:
    day = date(2024, 5, 1)
    assert (
        storage.part_key("predictions/", day, 3) == "predictions/run_date=2024-05-01/part-00003.csv"
    )
    assert storage.marker_key("p/", day, "part-00000.csv") == (
        "p/run_date=2024-05-01/_markers/part-00000.csv.json"
    )
    assert storage.model_key("models/", "v1", "model.joblib") == "models/v1/model.joblib"


def test_bytes_json_head_and_list(buckets: Any, settings: Settings) -> None:
    bucket = settings.raw_bucket
    storage.put_bytes(buckets, bucket, "a/2.csv", b"x", "text/csv")
    storage.put_json(buckets, bucket, "a/1.json", {"b": 1, "a": [1, 2]})
    assert storage.get_bytes(buckets, bucket, "a/2.csv") == b"x"
    assert storage.get_json(buckets, bucket, "a/1.json") == {"a": [1, 2], "b": 1}
    assert storage.list_keys(buckets, bucket, "a/") == ["a/1.json", "a/2.csv"]
    assert storage.head(buckets, bucket, "a/2.csv") is not None
    assert storage.head(buckets, bucket, "a/none") is None
    with pytest.raises(storage.StorageError, match="cannot read"):
        storage.get_bytes(buckets, bucket, "a/none")


def test_streamed_upload_and_download(buckets: Any, settings: Settings) -> None:
    dataset = data.generate(3_000, seed=6)
    raw = data.to_csv(dataset)
    pieces = [raw[i : i + 1000] for i in range(0, len(raw), 1000)]
    size = storage.upload_chunks(buckets, settings.raw_bucket, "in.csv", pieces, "text/csv")
    assert size == len(raw)
    chunks = storage.iter_object(buckets, settings.raw_bucket, "in.csv", chunk_bytes=4096)
    batches = list(data.iter_csv(chunks, rows_per_batch=1_000))
    assert sum(len(b) for b in batches) == 3_000
    assert [i for b in batches for i in b.ids] == dataset.ids
    np.testing.assert_array_equal(np.vstack([b.rows for b in batches]), data.read_csv(raw).rows)


def test_model_versions_and_promotion(
    buckets: Any, settings: Settings, trained_model: SpecModel
) -> None:
    with pytest.raises(storage.StorageError):
        storage.load_model(buckets, settings)
    storage.save_model(buckets, settings, trained_model, promote=False)
    with pytest.raises(storage.StorageError):
        storage.promoted_version(buckets, settings)
    assert storage.load_model(buckets, settings, "test").metadata.version == "test"
    storage.save_model(buckets, settings, trained_model, promote=True)
    assert storage.promoted_version(buckets, settings) == "test"
    rows = data.generate(10).rows
    np.testing.assert_allclose(
        storage.load_model(buckets, settings).predict_scores(rows),
        trained_model.predict_scores(rows),
    )


def test_configured_model_prefers_a_local_path(
    tmp_path: Any, buckets: Any, trained_model: SpecModel
) -> None:
    trained_model.save(tmp_path / "model")
    local = Settings.from_env({"MODEL_PATH": str(tmp_path / "model")})
    assert storage.load_configured_model(local).metadata.version == "test"
    with pytest.raises(ModelError, match="no model to load"):
        storage.load_configured_model(Settings.from_env(), buckets)


def test_latest_run_date(buckets: Any, settings: Settings) -> None:
    bucket = settings.raw_bucket
    assert storage.latest_run_date(buckets, bucket, "raw/") is None
    for day in ("2024-01-09", "2024-01-10", "2023-12-31"):
        storage.put_bytes(buckets, bucket, f"raw/run_date={day}/part-00000.csv", b"x", "text/csv")
    storage.put_bytes(buckets, bucket, "raw/run_date=garbage/x.csv", b"x", "text/csv")
    storage.put_bytes(buckets, bucket, "other/run_date=2030-01-01/x.csv", b"x", "text/csv")
    assert storage.latest_run_date(buckets, bucket, "raw/") == date(2024, 1, 10)


class PrefixOnlyRole:
    """An S3 client as a role allowed to list only a prefix sees it: HeadObject of any key
    answers 403 (S3 says 404 only to a caller that may list the bucket); listing works."""

    def __init__(self, keys: list[str]) -> None:
        self.keys = keys

    def head_object(self, Bucket: str, Key: str) -> dict[str, Any]:  # noqa: N803 (boto3's names)
        from botocore.exceptions import ClientError

        raise ClientError({"Error": {"Code": "403", "Message": "Forbidden"}}, "HeadObject")

    def get_paginator(self, name: str) -> Any:
        keys = self.keys

        class Pages:
            def paginate(self, Bucket: str, Prefix: str) -> list[dict[str, Any]]:  # noqa: N803
                return [{"Contents": [{"Key": k} for k in keys if k.startswith(Prefix)]}]

        return Pages()


def test_a_missing_key_behind_a_403_is_missing_and_a_present_one_is_an_error() -> None:
    assert storage.head(PrefixOnlyRole([]), "models", "models/latest.json") is None
    with pytest.raises(storage.StorageError, match="cannot check"):
        storage.head(PrefixOnlyRole(["models/latest.json"]), "models", "models/latest.json")
