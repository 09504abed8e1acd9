"""The default model learns the rule, predicts consistently and round-trips as an artifact."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from fraud_scoring_api import data
from fraud_scoring_api.model import (
    METADATA_FILE,
    MODEL_FILE,
    CreditModel,
    Model,
    ModelError,
    evaluate,
)


def test_model_learns_better_than_chance(trained_model: CreditModel) -> None:
    assert isinstance(trained_model, Model)
    assert trained_model.metadata.metric > 0.75
    assert trained_model.metadata.training_rows == 3_200
    assert evaluate(trained_model, data.generate(3_000, seed=77)) > 0.75


def test_single_row_matches_batch_and_the_pipeline(trained_model: CreditModel) -> None:
    rows = data.generate(200, seed=8).features
    batch = trained_model.predict_proba(rows)
    one = np.array([trained_model.predict_one(row) for row in rows.tolist()])
    pipeline = CreditModel.from_files(trained_model.to_files())._pipeline
    np.testing.assert_allclose(batch, one, rtol=1e-9)
    np.testing.assert_allclose(batch, pipeline.predict_proba(rows)[:, 1], rtol=1e-9)
    assert ((batch >= 0) & (batch <= 1)).all()


def test_riskier_applicant_scores_higher(trained_model: CreditModel) -> None:
    safe = [90_000.0, 0.1, 200.0, 0.0, 5_000.0]
    risky = [20_000.0, 0.8, 6.0, 4.0, 15_000.0]
    assert trained_model.predict_one(risky) > 0.5 > trained_model.predict_one(safe)


def test_save_and_load(tmp_path: Path, trained_model: CreditModel) -> None:
    trained_model.save(tmp_path / "m")
    metadata = json.loads((tmp_path / "m" / METADATA_FILE).read_text())
    assert metadata["version"] == "test" and metadata["features"] == list(data.FEATURES)
    loaded = CreditModel.load(tmp_path / "m")
    rows = data.generate(50, seed=4).features
    np.testing.assert_allclose(loaded.predict_proba(rows), trained_model.predict_proba(rows))


def test_training_is_deterministic() -> None:
    dataset = data.generate(1_000, seed=2)
    first = CreditModel.train(dataset, "a")
    second = CreditModel.train(dataset, "b")
    assert first.metadata.metric == second.metadata.metric


def test_load_refuses_bad_artifacts(tmp_path: Path, trained_model: CreditModel) -> None:
    with pytest.raises(ModelError, match="cannot read model"):
        CreditModel.load(tmp_path / "missing")
    files = trained_model.to_files()
    with pytest.raises(ModelError, match="unreadable model artifact"):
        CreditModel.from_files({**files, MODEL_FILE: b"not a pickle"})
    other = json.loads(files[METADATA_FILE])
    other["features"] = ["income"]
    with pytest.raises(ModelError, match="expects features"):
        CreditModel.from_files({**files, METADATA_FILE: json.dumps(other).encode()})


def test_training_needs_labels_of_both_kinds() -> None:
    dataset = data.generate(100)
    with pytest.raises(ModelError, match="labelled"):
        CreditModel.train(data.Dataset(ids=dataset.ids, features=dataset.features), "x")
    one_class = data.Dataset(dataset.ids, dataset.features, np.zeros(100, dtype=np.int8))
    with pytest.raises(ModelError, match="both outcomes"):
        CreditModel.train(one_class, "x")
