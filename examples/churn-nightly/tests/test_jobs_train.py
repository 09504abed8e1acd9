"""The train job against moto S3: model stored under its version, promoted only past the gate."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from churn_nightly import data, storage
from churn_nightly.config import Settings
from churn_nightly.jobs import train
from churn_nightly.model import metric_passes
from churn_nightly.spec import METRIC_GOAL, METRIC_THRESHOLD

DAY = date(2024, 6, 1)


def put_training(client: Any, settings: Settings, rows: int, part: int, seed: int) -> None:
    key = storage.part_key(settings.training_prefix, DAY, part)
    storage.put_bytes(
        client, settings.raw_bucket, key, data.to_csv(data.generate(rows, seed=seed)), "text/csv"
    )


def test_trains_on_every_part_and_promotes(buckets: Any, settings: Settings) -> None:
    put_training(buckets, settings, 1_500, 0, seed=1)
    put_training(buckets, settings, 1_000, 1, seed=2)
    summary = train.run(settings, DAY, client=buckets)
    assert summary["version"] == "v20240601" and summary["promoted"] is True
    assert summary["training_rows"] == 2_000  # 80% of 2,500
    assert storage.promoted_version(buckets, settings) == "v20240601"
    model = storage.load_model(buckets, settings)
    assert model.metadata.metric == summary["metric"]
    assert metric_passes(summary["metric"], METRIC_THRESHOLD)


def test_rerun_replaces_the_same_version(buckets: Any, settings: Settings) -> None:
    put_training(buckets, settings, 1_000, 0, seed=1)
    train.run(settings, DAY, client=buckets)
    before = storage.list_keys(buckets, settings.models_bucket, settings.models_prefix)
    train.run(settings, DAY, client=buckets)
    assert storage.list_keys(buckets, settings.models_bucket, settings.models_prefix) == before


def test_below_threshold_is_stored_but_not_promoted(buckets: Any, settings: Settings) -> None:
    impossible = 0.0 if METRIC_GOAL == "min" else 0.999
    strict = settings.model_copy(update={"model_metric_threshold": impossible})
    put_training(buckets, strict, 1_000, 0, seed=1)
    summary = train.run(strict, DAY, client=buckets)
    assert summary["promoted"] is False
    assert storage.load_model(buckets, strict, "v20240601").metadata.version == "v20240601"
    with pytest.raises(storage.StorageError):
        storage.promoted_version(buckets, strict)


def test_entrypoint_exit_codes(buckets: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    assert train.main([]) == 1  # no training data yet
    assert train.main(["--run-date", "2024-06-01", "--synthetic-rows", "2000"]) == 0
    monkeypatch.setenv("MODEL_METRIC_THRESHOLD", "0.0" if METRIC_GOAL == "min" else "1.0")
    # Below the threshold is a result, not an error: the state machine's gate reads it.
    assert train.main(["--version", "v2"]) == 0


def test_newest_partition_is_the_default(buckets: Any, settings: Settings) -> None:
    put_training(buckets, settings, 800, 0, seed=1)
    later = storage.part_key(settings.training_prefix, date(2024, 7, 1), 0)
    rows = data.to_csv(data.generate(1_200, seed=2))
    storage.put_bytes(buckets, settings.raw_bucket, later, rows, "text/csv")
    summary = train.run(settings, version="exec-1", client=buckets)
    assert summary["run_date"] == "2024-07-01" and summary["training_rows"] == 960
    assert storage.promoted_version(buckets, settings) == "exec-1"


def test_run_date_from_the_environment(
    buckets: Any, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    put_training(buckets, settings, 800, 0, seed=1)
    monkeypatch.setenv("RUN_DATE", "2024-06-01")
    assert train.run(settings, client=buckets)["version"] == "v20240601"
    monkeypatch.setenv("RUN_DATE", "2024-06-02")
    with pytest.raises(storage.StorageError, match="no training data"):
        train.run(settings, client=buckets)


def test_unlabelled_training_data_is_refused(buckets: Any, settings: Settings) -> None:
    dataset = data.generate(100)
    unlabelled = dataset.unlabelled()
    key = storage.part_key(settings.training_prefix, DAY, 0)
    storage.put_bytes(buckets, settings.raw_bucket, key, data.to_csv(unlabelled), "text/csv")
    with pytest.raises(data.DataFormatError, match="lacks"):
        train.run(settings, DAY, client=buckets)
