"""Requests are validated against the spec; predictions follow the task and the threshold."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import ValidationError

from churn_nightly import data
from churn_nightly.model import SpecModel
from churn_nightly.schema import (
    OUTPUT_COLUMNS,
    PredictionLogRecord,
    PredictionRequest,
    output_rows,
    predict,
)
from churn_nightly.spec import CLASSES, FEATURE_NAMES, FEATURES, ID_FIELD, TASK


def good_request(index: int = 0) -> dict[str, Any]:
    dataset = data.generate(index + 1, seed=11)
    return {ID_FIELD: "e-1", **data.feature_dict(dataset, index)}


def bad_changes() -> list[tuple[str, Any]]:
    """One invalid value per feature, plus a bad id."""
    changes: list[tuple[str, Any]] = [(ID_FIELD, ""), (ID_FIELD, "has space")]
    for feature in FEATURES:
        if feature.numeric:
            assert feature.maximum is not None and feature.minimum is not None
            changes += [(feature.name, feature.maximum + 1), (feature.name, feature.minimum - 1)]
            changes.append((feature.name, "12"))
            if feature.kind == "int":
                changes.append((feature.name, 1.5))
        elif feature.kind == "category":
            changes.append((feature.name, "not-a-known-value"))
        else:
            changes.append((feature.name, "yes"))
    return changes


def test_row_follows_the_feature_order() -> None:
    request = PredictionRequest.model_validate(good_request())
    assert request.row() == tuple(good_request()[name] for name in FEATURE_NAMES)
    assert request.entity_id == "e-1"


@pytest.mark.parametrize(("field", "value"), bad_changes())
def test_bad_requests_are_refused(field: str, value: Any) -> None:
    with pytest.raises(ValidationError):
        PredictionRequest.model_validate({**good_request(), field: value})


@pytest.mark.parametrize("field", [ID_FIELD, *FEATURE_NAMES])
def test_missing_field_is_refused(field: str) -> None:
    request = good_request()
    del request[field]
    with pytest.raises(ValidationError):
        PredictionRequest.model_validate(request)


def test_extra_field_and_non_finite_numbers_are_refused() -> None:
    with pytest.raises(ValidationError):
        PredictionRequest.model_validate({**good_request(), "extra": 1})
    for name in [f.name for f in FEATURES if f.kind == "float"]:
        for value in (float("nan"), float("inf"), float("-inf")):
            with pytest.raises(ValidationError):
                PredictionRequest.model_validate_json(json.dumps({**good_request(), name: value}))


def test_prediction_fits_the_task(trained_model: SpecModel) -> None:
    request = PredictionRequest.model_validate(good_request())
    scores = trained_model.predict_one(request.row())
    if TASK == "binary":
        below = predict(trained_model, request, threshold=min(0.999, scores[0] + 0.001))
        at = predict(trained_model, request, threshold=max(0.001, scores[0] - 0.001))
        assert (below.prediction, at.prediction) == (CLASSES[0], CLASSES[1])
        assert below.score == pytest.approx(scores[0], abs=1e-6)
    else:
        prediction = predict(trained_model, request, threshold=0.5)
        if TASK == "multiclass":
            assert prediction.prediction in CLASSES
            assert prediction.score == max(prediction.model_dump()["probabilities"].values())
        else:
            assert prediction.prediction == pytest.approx(scores[0], abs=1e-6)
    assert predict(trained_model, request, 0.5).model_version == "test"


def test_batch_output_rows_match_single_predictions(trained_model: SpecModel) -> None:
    dataset = data.generate(30, seed=12)
    rows = output_rows(dataset.ids, trained_model.predict_scores(dataset.rows), 0.5)
    assert all(len(row) == len(OUTPUT_COLUMNS) for row in rows)
    for index in (0, 17):
        request = PredictionRequest.model_validate(
            {ID_FIELD: dataset.ids[index], **data.feature_dict(dataset, index)}
        )
        single = predict(trained_model, request, 0.5)
        assert rows[index][0] == dataset.ids[index]
        assert rows[index][1] == single.prediction or rows[index][1] == pytest.approx(
            single.prediction
        )


def test_log_record_round_trips_as_json(trained_model: SpecModel) -> None:
    request = PredictionRequest.model_validate(good_request())
    prediction = predict(trained_model, request, 0.5)
    record = PredictionLogRecord.build(request, prediction, "req-1", latency_ms=1.25)
    again = PredictionLogRecord.model_validate_json(record.model_dump_json())
    assert again == record and again.features.row() == request.row()
    assert again.entity_id == "e-1" and again.score == prediction.score
