"""Reference statistics and PSI: stable on fresh data from the same rule, high when it drifts."""

from __future__ import annotations

import json

import numpy as np

from fraud_scoring_api import data, drift
from fraud_scoring_api.spec import FEATURE_NAMES


def test_reference_is_json_and_covers_every_feature() -> None:
    reference = drift.reference_statistics(data.generate(5_000, seed=1).rows)
    assert set(reference) == set(FEATURE_NAMES)
    assert json.loads(json.dumps(reference)) == reference
    for stats in reference.values():
        shares = stats["shares"]
        total = sum(shares.values()) if isinstance(shares, dict) else sum(shares)
        assert abs(total - 1.0) < 1e-6


def test_same_distribution_is_stable_and_a_shift_drifts() -> None:
    reference = drift.reference_statistics(data.generate(20_000, seed=1).rows)
    fresh = drift.population_stability(reference, data.generate(5_000, seed=2).rows)
    drifted = drift.population_stability(reference, data.generate(5_000, seed=2, shift=2.0).rows)
    assert set(fresh) == set(drifted) == set(FEATURE_NAMES)
    assert max(fresh.values()) < drift.WATCH_PSI
    assert max(drifted.values()) > drift.DRIFT_PSI
    assert np.mean(list(drifted.values())) > np.mean(list(fresh.values()))


def test_no_rows_measures_nothing() -> None:
    reference = drift.reference_statistics(data.generate(100).rows)
    assert drift.population_stability(reference, data.empty().rows) == {}
