"""The synthetic dataset is deterministic, plausible and survives a CSV round trip."""

from __future__ import annotations

import numpy as np
import pytest

from iot_sensor_monitoring import data


def test_same_seed_same_rows() -> None:
    first, second = data.generate(500, seed=9), data.generate(500, seed=9)
    assert first.ids == second.ids
    np.testing.assert_array_equal(first.features, second.features)
    assert not np.array_equal(first.features, data.generate(500, seed=10).features)


def test_values_are_plausible_and_both_outcomes_occur() -> None:
    dataset = data.generate(5_000)
    income, debt_ratio, history, delinquencies, amount = dataset.features.T
    assert (income > 0).all() and ((debt_ratio >= 0) & (debt_ratio <= 1)).all()
    assert ((history >= 0) & (history <= 360)).all() and (delinquencies >= 0).all()
    assert (amount <= income).all()
    assert dataset.labels is not None
    assert 0.05 < dataset.labels.mean() < 0.95


def test_label_follows_the_rule() -> None:
    dataset = data.generate(20_000)
    assert dataset.labels is not None
    risky = data.default_logit(dataset.features) > 1.0
    safe = data.default_logit(dataset.features) < -1.0
    assert dataset.labels[risky].mean() > 0.6 > 0.4 > dataset.labels[safe].mean()


@pytest.mark.parametrize("labelled", [True, False])
def test_csv_round_trip(labelled: bool) -> None:
    dataset = data.generate(1_000, seed=5)
    if not labelled:
        dataset = data.Dataset(ids=dataset.ids, features=dataset.features)
    parsed = data.read_csv(data.to_csv(dataset))
    assert parsed.ids == dataset.ids
    np.testing.assert_allclose(parsed.features, dataset.features, rtol=0, atol=0.005)
    if labelled:
        assert parsed.labels is not None and dataset.labels is not None
        np.testing.assert_array_equal(parsed.labels, dataset.labels)
    else:
        assert parsed.labels is None


def test_streaming_parse_in_small_chunks_matches_whole() -> None:
    dataset = data.generate(2_345, seed=1)
    raw = data.to_csv(dataset)
    chunks = [raw[i : i + 777] for i in range(0, len(raw), 777)]
    batches = list(data.iter_csv(chunks, rows_per_batch=500))
    assert [len(b) for b in batches] == [500, 500, 500, 500, 345]
    assert [i for b in batches for i in b.ids] == dataset.ids
    np.testing.assert_allclose(
        np.vstack([b.features for b in batches]), data.read_csv(raw).features
    )


def test_wrong_header_is_refused() -> None:
    with pytest.raises(data.DataFormatError, match="expected columns"):
        data.read_csv(b"id,x\n1,2\n")


def test_bad_row_is_refused() -> None:
    good = data.to_csv(data.generate(3)).decode().splitlines()
    good[2] = "app-x,lots,0.1,1,0,100"
    with pytest.raises(data.DataFormatError):
        data.read_csv(("\n".join(good) + "\n").encode())


def test_windows_line_endings_are_read() -> None:
    dataset = data.generate(20, seed=4)
    raw = data.to_csv(dataset).replace(b"\n", b"\r\n")
    parsed = data.read_csv(raw)
    assert parsed.ids == dataset.ids and parsed.labels is not None
    np.testing.assert_allclose(parsed.features, dataset.features, atol=0.005)
