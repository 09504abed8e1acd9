"""Applicant validation and the decision rule."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from credit_decisions import data
from credit_decisions.model import CreditModel
from credit_decisions.schema import Applicant, predict

GOOD: dict[str, Any] = {
    "applicant_id": "a-1",
    "income": 48_000,
    "debt_ratio": 0.3,
    "credit_history_months": 72,
    "delinquencies": 0,
    "requested_amount": 9_000,
}


def test_row_follows_the_feature_order() -> None:
    applicant = Applicant.model_validate(GOOD)
    assert applicant.row() == [float(GOOD[name]) for name in data.FEATURES]


@pytest.mark.parametrize(
    "change",
    [
        {"income": 0},
        {"debt_ratio": -0.1},
        {"delinquencies": 1.5},
        {"applicant_id": ""},
        {"extra": 1},
        {"requested_amount": "lots"},
    ],
)
def test_bad_applicants_are_refused(change: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        Applicant.model_validate({**GOOD, **change})


def test_decision_follows_the_threshold(trained_model: CreditModel) -> None:
    applicant = Applicant.model_validate(GOOD)
    probability = trained_model.predict_one(applicant.row())
    below = predict(trained_model, applicant, threshold=min(0.999, probability + 0.001))
    at = predict(trained_model, applicant, threshold=max(0.001, probability - 0.001))
    assert (below.decision, at.decision) == ("approve", "decline")
    assert below.default_probability == pytest.approx(probability, abs=1e-6)
    assert below.model_version == "test"
