"""The score job against moto S3: deterministic outputs, resumable, sharded, correct scores."""

from __future__ import annotations

import csv
from datetime import date
from typing import Any

import numpy as np
import pytest

from credit_decisions import data, storage
from credit_decisions.config import Settings
from credit_decisions.jobs import score
from credit_decisions.model import SpecModel
from credit_decisions.schema import OUTPUT_COLUMNS, output_rows

DAY = date(2024, 6, 2)


def put_inputs(client: Any, settings: Settings, sizes: list[int]) -> list[data.Dataset]:
    written = []
    for part, rows in enumerate(sizes):
        full = data.generate(rows, seed=100 + part)
        dataset = full.unlabelled()
        key = storage.part_key(settings.raw_prefix, DAY, part)
        storage.put_bytes(client, settings.raw_bucket, key, data.to_csv(dataset), "text/csv")
        written.append(dataset)
    return written


def read_output(client: Any, settings: Settings, part: int) -> list[str]:
    key = storage.part_key(settings.predictions_prefix, DAY, part)
    return storage.get_bytes(client, settings.predictions_bucket, key).decode().splitlines()


def test_scores_every_part_into_the_same_name(
    buckets: Any, settings: Settings, trained_model: SpecModel
) -> None:
    inputs = put_inputs(buckets, settings, [300, 200])
    summary = score.run(settings, DAY, trained_model, client=buckets)
    assert summary.scored == ["part-00000.csv", "part-00001.csv"] and summary.rows == 500
    lines = read_output(buckets, settings, 0)
    assert lines[0] == ",".join(OUTPUT_COLUMNS)
    rows = list(csv.reader(lines[1:]))
    assert [row[0] for row in rows] == inputs[0].ids
    expected = output_rows(
        inputs[0].ids, trained_model.predict_scores(inputs[0].rows), settings.decision_threshold
    )
    for got, want in zip(rows, expected, strict=True):
        assert got[1] == str(want[1]) or float(got[1]) == pytest.approx(want[1], abs=1e-6)
        np.testing.assert_allclose([float(v) for v in got[2:]], want[2:], atol=1e-6)


def test_rerun_skips_finished_parts_and_replaces_nothing_twice(
    buckets: Any, settings: Settings, trained_model: SpecModel
) -> None:
    put_inputs(buckets, settings, [100, 100])
    score.run(settings, DAY, trained_model, client=buckets)
    keys = storage.list_keys(buckets, settings.predictions_bucket, settings.predictions_prefix)
    again = score.run(settings, DAY, trained_model, client=buckets)
    assert again.scored == [] and again.skipped == ["part-00000.csv", "part-00001.csv"]
    forced = score.run(settings, DAY, trained_model, force=True, client=buckets)
    assert forced.scored == ["part-00000.csv", "part-00001.csv"]
    assert (
        storage.list_keys(buckets, settings.predictions_bucket, settings.predictions_prefix) == keys
    )


def test_resumes_after_a_partial_run_and_rescores_changed_input(
    buckets: Any, settings: Settings, trained_model: SpecModel
) -> None:
    put_inputs(buckets, settings, [50, 50, 50])
    marker = storage.marker_key(settings.predictions_prefix, DAY, "part-00001.csv")
    score.run(settings, DAY, trained_model, client=buckets)
    buckets.delete_object(Bucket=settings.predictions_bucket, Key=marker)  # part 1 "never finished"
    new_input = data.to_csv(data.generate(70, seed=9))
    storage.put_bytes(
        buckets,
        settings.raw_bucket,
        storage.part_key(settings.raw_prefix, DAY, 2),
        new_input,
        "text/csv",
    )
    resumed = score.run(settings, DAY, trained_model, client=buckets)
    assert resumed.skipped == ["part-00000.csv"]
    assert resumed.scored == ["part-00001.csv", "part-00002.csv"]
    assert len(read_output(buckets, settings, 2)) == 71


def test_shards_split_the_parts_without_overlap(
    buckets: Any, settings: Settings, trained_model: SpecModel
) -> None:
    put_inputs(buckets, settings, [10] * 5)
    done = [
        score.run(settings, DAY, trained_model, shard=i, shards=3, client=buckets) for i in range(3)
    ]
    assert [s.scored for s in done] == [
        ["part-00000.csv", "part-00003.csv"],
        ["part-00001.csv", "part-00004.csv"],
        ["part-00002.csv"],
    ]
    with pytest.raises(ValueError, match="shard"):
        score.shard_keys(["a"], 3, 3)


def test_new_model_version_rescores(
    buckets: Any, settings: Settings, trained_model: SpecModel
) -> None:
    put_inputs(buckets, settings, [20])
    score.run(settings, DAY, trained_model, client=buckets)
    newer = SpecModel.train(data.generate(1_000, seed=5), version="newer")
    assert score.run(settings, DAY, newer, client=buckets).scored == ["part-00000.csv"]


def test_entrypoint_loads_the_promoted_model(
    buckets: Any, settings: Settings, trained_model: SpecModel
) -> None:
    assert score.main(["--run-date", DAY.isoformat()]) == 1  # no model promoted yet
    storage.save_model(buckets, settings, trained_model, promote=True)
    put_inputs(buckets, settings, [40, 40])
    assert score.main(["--shard", "1", "--shards", "2"]) == 0  # newest partition: DAY
    keys = storage.list_keys(buckets, settings.predictions_bucket, settings.predictions_prefix)
    assert sorted(k.rsplit("/", 1)[-1] for k in keys) == ["part-00001.csv", "part-00001.csv.json"]
