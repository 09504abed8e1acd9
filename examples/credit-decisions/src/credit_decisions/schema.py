"""The applicant a prediction is asked for and the prediction returned, shared by API and stream.

Bounds reject values no real application has, so bad input fails validation
(HTTP 422, or a failed stream record) instead of producing a silent score.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from .model import Model

Decision = Literal["approve", "decline"]


class Applicant(BaseModel):
    """One credit application's features, named as in `data.FEATURES`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    applicant_id: str = Field(min_length=1, max_length=128)
    income: float = Field(gt=0, le=100_000_000, description="Yearly income.")
    debt_ratio: float = Field(ge=0, le=5, description="Monthly debt payments / monthly income.")
    credit_history_months: int = Field(ge=0, le=1_200)
    delinquencies: int = Field(ge=0, le=100, description="Past delinquent accounts.")
    requested_amount: float = Field(gt=0, le=100_000_000)

    def row(self) -> list[float]:
        """Feature values in model column order."""
        return [
            self.income,
            self.debt_ratio,
            float(self.credit_history_months),
            float(self.delinquencies),
            self.requested_amount,
        ]


class Prediction(BaseModel):
    """The model's answer for one applicant."""

    model_config = ConfigDict(frozen=True)

    applicant_id: str
    default_probability: float = Field(ge=0, le=1)
    decision: Decision
    model_version: str


def predict(model: Model, applicant: Applicant, threshold: float) -> Prediction:
    """Score one applicant and decline at or above `threshold`."""
    probability = model.predict_one(applicant.row())
    return Prediction(
        applicant_id=applicant.applicant_id,
        default_probability=round(probability, 6),
        decision="decline" if probability >= threshold else "approve",
        model_version=model.metadata.version,
    )
