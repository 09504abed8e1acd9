"""The synthetic dataset is deterministic, inside the spec, learnable and survives CSV."""

from __future__ import annotations

import numpy as np
import pytest

from credit_decisions import data
from credit_decisions.spec import CLASSES, FEATURES, TARGET_RANGE, TASK


def test_same_seed_same_rows() -> None:
    first, second = data.generate(500, seed=9), data.generate(500, seed=9)
    assert first.ids == second.ids
    np.testing.assert_array_equal(first.rows, second.rows)
    assert not np.array_equal(first.rows, data.generate(500, seed=10).rows)


def test_values_stay_inside_the_spec() -> None:
    dataset = data.generate(5_000)
    assert dataset.rows.shape == (5_000, len(FEATURES))
    for column, feature in enumerate(FEATURES):
        values = list(dataset.rows[:, column])
        if feature.numeric:
            assert feature.minimum is not None and feature.maximum is not None
            assert all(feature.minimum <= v <= feature.maximum for v in values), feature.name
            if feature.kind == "int":
                assert all(isinstance(v, int | np.integer) for v in values), feature.name
            assert len(set(values)) > 1, f"{feature.name} never varies"
        elif feature.kind == "category":
            assert set(values) <= set(feature.values), feature.name
            assert len(set(values)) > 1, f"{feature.name} never varies"
        else:
            assert set(values) == {True, False}, feature.name


def test_targets_fit_the_task() -> None:
    target = data.generate(5_000).target
    assert target is not None
    if TASK == "binary":
        assert set(target.tolist()) == {0, 1}
        assert 0.05 < float(target.mean()) < 0.95
    elif TASK == "multiclass":
        assert set(target.tolist()) == set(CLASSES)
    else:
        low, high = TARGET_RANGE
        assert ((target >= low) & (target <= high)).all()
        assert float(np.std(target)) > 0.05 * (high - low)


def test_shift_moves_the_distribution() -> None:
    base, shifted = data.generate(4_000, seed=5), data.generate(4_000, seed=5, shift=2.0)
    moved = 0
    for column, feature in enumerate(FEATURES):
        a, b = list(base.rows[:, column]), list(shifted.rows[:, column])
        if feature.numeric:
            moved += abs(np.mean(np.asarray(a, float)) - np.mean(np.asarray(b, float))) > 0
        else:
            moved += {v: a.count(v) for v in set(a)} != {v: b.count(v) for v in set(b)}
    assert moved == len(FEATURES)


@pytest.mark.parametrize("labelled", [True, False])
def test_csv_round_trip(labelled: bool) -> None:
    dataset = data.generate(1_000, seed=5)
    if not labelled:
        dataset = dataset.unlabelled()
    parsed = data.read_csv(data.to_csv(dataset))
    assert parsed.ids == dataset.ids
    np.testing.assert_array_equal(parsed.rows, dataset.rows)
    if labelled:
        assert parsed.target is not None and dataset.target is not None
        np.testing.assert_array_equal(parsed.target, dataset.target)
    else:
        assert parsed.target is None


def test_streaming_parse_in_small_chunks_matches_whole() -> None:
    dataset = data.generate(2_345, seed=1)
    raw = data.to_csv(dataset)
    chunks = [raw[i : i + 777] for i in range(0, len(raw), 777)]
    batches = list(data.iter_csv(chunks, rows_per_batch=500))
    assert [len(b) for b in batches] == [500, 500, 500, 500, 345]
    assert [i for b in batches for i in b.ids] == dataset.ids
    np.testing.assert_array_equal(np.vstack([b.rows for b in batches]), dataset.rows)


def test_feature_dict_is_json_ready() -> None:
    dataset = data.generate(3, seed=2)
    record = data.feature_dict(dataset, 1)
    assert list(record) == [f.name for f in FEATURES]
    kinds = {"float": float, "int": int, "bool": bool, "category": str}
    assert all(type(record[f.name]) is kinds[f.kind] for f in FEATURES)


def test_wrong_header_is_refused() -> None:
    with pytest.raises(data.DataFormatError, match="expected columns"):
        data.read_csv(b"id,x\n1,2\n")


def _bad_cell(column: int) -> str:
    feature = FEATURES[column]
    if feature.numeric:
        return "lots"
    return "not-a-known-value" if feature.kind == "category" else "maybe"


@pytest.mark.parametrize("column", range(len(FEATURES)))
def test_bad_value_names_its_line(column: int) -> None:
    lines = data.to_csv(data.generate(3)).decode().splitlines()
    cells = lines[2].split(",")
    cells[column + 1] = _bad_cell(column)
    lines[2] = ",".join(cells)
    with pytest.raises(data.DataFormatError, match=f"line 3: {FEATURES[column].name}"):
        data.read_csv(("\n".join(lines) + "\n").encode())


def test_ragged_row_and_non_utf8_are_refused() -> None:
    raw = data.to_csv(data.generate(3))
    lines = raw.split(b"\n")
    lines[2] += b",extra"
    with pytest.raises(data.DataFormatError, match="line 3: expected"):
        data.read_csv(b"\n".join(lines))
    with pytest.raises(data.DataFormatError, match="UTF-8"):
        data.read_csv(raw + b"\xff\xfe\n")


def test_windows_line_endings_are_read() -> None:
    dataset = data.generate(20, seed=4)
    parsed = data.read_csv(data.to_csv(dataset).replace(b"\n", b"\r\n"))
    assert parsed.ids == dataset.ids and parsed.target is not None
    np.testing.assert_array_equal(parsed.rows, dataset.rows)
