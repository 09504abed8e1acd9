"""The default model learns the hidden rule, predicts consistently and round-trips."""

from __future__ import annotations

import json
from pathlib import Path

import joblib
import numpy as np
import pytest
from sklearn.dummy import DummyClassifier, DummyRegressor

from churn_nightly import data
from churn_nightly.__main__ import main
from churn_nightly.model import (
    METADATA_FILE,
    MODEL_FILE,
    Model,
    ModelError,
    SpecModel,
    evaluate,
    metric_passes,
)
from churn_nightly.spec import (
    CLASSES,
    FEATURE_NAMES,
    METRIC_NAME,
    METRIC_THRESHOLD,
    TASK,
)


def _dummy() -> DummyClassifier | DummyRegressor:
    """A model that learned nothing: it predicts the prior / the mean."""
    return DummyRegressor() if TASK == "regression" else DummyClassifier(strategy="prior")


def test_model_passes_its_gate_and_beats_a_model_that_learned_nothing(
    trained_model: SpecModel,
) -> None:
    assert isinstance(trained_model, Model)
    assert trained_model.metadata.metric_name == METRIC_NAME
    assert trained_model.metadata.training_rows == 3_200
    fresh = data.generate(3_000, seed=77)
    metric = evaluate(trained_model, fresh)
    assert metric_passes(metric, METRIC_THRESHOLD)
    train = data.generate(3_000, seed=3)
    dummy = _dummy().fit(np.zeros((3_000, 1)), train.target)
    baseline = SpecModel.from_pipeline(_Adapter(dummy), "dummy", fresh).metadata.metric
    assert metric_passes(metric, baseline) and metric != baseline


class _Adapter:
    """Feeds a dummy estimator a constant column: it ignores its input anyway."""

    def __init__(self, estimator: DummyClassifier | DummyRegressor) -> None:
        self.estimator = estimator
        self.classes_ = getattr(estimator, "classes_", None)

    def predict(self, rows: np.ndarray) -> np.ndarray:
        return np.asarray(self.estimator.predict(np.zeros((len(rows), 1))))

    def predict_proba(self, rows: np.ndarray) -> np.ndarray:
        return np.asarray(self.estimator.predict_proba(np.zeros((len(rows), 1))))


def test_one_row_matches_a_batch(trained_model: SpecModel) -> None:
    rows = data.generate(200, seed=8).rows
    batch = trained_model.predict_scores(rows)
    one = np.array([trained_model.predict_one(list(row)) for row in rows])
    np.testing.assert_allclose(batch, one, rtol=1e-9)
    assert batch.shape == (200, len(CLASSES) if TASK == "multiclass" else 1)
    if TASK != "regression":
        assert ((batch >= 0) & (batch <= 1)).all()
    if TASK == "multiclass":
        np.testing.assert_allclose(batch.sum(axis=1), 1.0)


def test_save_and_load(tmp_path: Path, trained_model: SpecModel) -> None:
    trained_model.save(tmp_path / "m")
    metadata = json.loads((tmp_path / "m" / METADATA_FILE).read_text())
    assert metadata["version"] == "test" and metadata["features"] == list(FEATURE_NAMES)
    assert set(metadata["reference"]) == set(FEATURE_NAMES)
    loaded = SpecModel.load(tmp_path / "m")
    rows = data.generate(50, seed=4).rows
    np.testing.assert_allclose(loaded.predict_scores(rows), trained_model.predict_scores(rows))


def test_training_is_deterministic() -> None:
    dataset = data.generate(1_000, seed=2)
    first, second = SpecModel.train(dataset, "a"), SpecModel.train(dataset, "b")
    assert first.metadata.metric == second.metadata.metric


def test_load_refuses_bad_artifacts(tmp_path: Path, trained_model: SpecModel) -> None:
    with pytest.raises(ModelError, match="cannot read model"):
        SpecModel.load(tmp_path / "missing")
    files = trained_model.to_files()
    with pytest.raises(ModelError, match="unreadable model artifact"):
        SpecModel.from_files({**files, MODEL_FILE: b"not a pickle"})
    other = json.loads(files[METADATA_FILE])
    other["features"] = ["something_else"]
    with pytest.raises(ModelError, match="expects features"):
        SpecModel.from_files({**files, METADATA_FILE: json.dumps(other).encode()})
    other = json.loads(files[METADATA_FILE])
    other["task"] = "something_else"
    with pytest.raises(ModelError, match="this code serves"):
        SpecModel.from_files({**files, METADATA_FILE: json.dumps(other).encode()})


def test_training_needs_labels() -> None:
    dataset = data.generate(100)
    with pytest.raises(ModelError, match="labelled"):
        SpecModel.train(dataset.unlabelled(), "x")
    if TASK != "regression":
        assert dataset.target is not None
        same = np.full(100, dataset.target[0], dtype=dataset.target.dtype)
        with pytest.raises(ModelError, match="at least two outcomes"):
            SpecModel.train(data.Dataset(dataset.ids, dataset.rows, same), "x")


def test_a_model_trained_elsewhere_is_imported(tmp_path: Path, trained_model: SpecModel) -> None:
    """Bring your own model: any fitted scikit-learn estimator over raw rows in spec order."""
    joblib.dump(trained_model.pipeline, tmp_path / "team.joblib")
    out = tmp_path / "imported"
    saved = str(tmp_path / "team.joblib")
    assert main(["import-model", "--pipeline", saved, "--version", "t1", "--out", str(out)]) == 0
    imported = SpecModel.load(out)
    assert imported.metadata.version == "t1"
    assert metric_passes(imported.metadata.metric, METRIC_THRESHOLD)
    rows = data.generate(20, seed=9).rows
    np.testing.assert_allclose(imported.predict_scores(rows), trained_model.predict_scores(rows))


def test_importing_something_that_is_not_a_model_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    joblib.dump({"not": "a model"}, tmp_path / "x.joblib")
    saved, out = str(tmp_path / "x.joblib"), str(tmp_path / "o")
    assert main(["import-model", "--pipeline", saved, "--version", "v", "--out", out]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "\n" not in err
    assert not (tmp_path / "o").exists()
