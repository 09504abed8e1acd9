"""Runtime settings, read once from the environment.

Every job, the API and the stream consumer take their bucket, prefix, table
and stream names from here, so the infrastructure sets them as environment
variables and the code never hard-codes a deployment.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from pydantic import BaseModel, ConfigDict, Field, ValidationError

ENV_VARS: dict[str, str] = {
    "aws_region": "AWS_REGION",
    "raw_bucket": "RAW_BUCKET",
    "models_bucket": "MODELS_BUCKET",
    "predictions_bucket": "PREDICTIONS_BUCKET",
    "raw_prefix": "RAW_PREFIX",
    "training_prefix": "TRAINING_PREFIX",
    "models_prefix": "MODELS_PREFIX",
    "predictions_prefix": "PREDICTIONS_PREFIX",
    "model_version": "MODEL_VERSION",
    "model_path": "MODEL_PATH",
    "model_metric_threshold": "MODEL_METRIC_THRESHOLD",
    "decision_threshold": "DECISION_THRESHOLD",
    "predictions_table": "PREDICTIONS_TABLE",
    "table_ttl_days": "TABLE_TTL_DAYS",
    "input_stream": "INPUT_STREAM",
    "prediction_log_stream": "PREDICTION_LOG_STREAM",
    "log_level": "LOG_LEVEL",
    "record_training_data": "RECORD_TRAINING_DATA",
    "served_prefix": "SERVED_PREFIX",
    "feedback_prefix": "FEEDBACK_PREFIX",
    "record_flush_s": "RECORD_FLUSH_S",
    "record_flush_records": "RECORD_FLUSH_RECORDS",
    "model_poll_s": "MODEL_POLL_S",
    "retrain_min_records": "RETRAIN_MIN_RECORDS",
    "retrain_drift_psi": "RETRAIN_DRIFT_PSI",
    "retrain_lookback_days": "RETRAIN_LOOKBACK_DAYS",
}
"""Settings field -> the environment variable that sets it."""


class ConfigError(ValueError):
    """An environment variable holds a value the service cannot run with."""


class Settings(BaseModel):
    """Names and knobs of one deployment; defaults suit a local run against moto."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    aws_region: str = "eu-west-1"
    raw_bucket: str = "churn-nightly-raw"
    models_bucket: str = "churn-nightly-models"
    predictions_bucket: str = "churn-nightly-predictions"
    raw_prefix: str = "raw/"
    training_prefix: str = "training/"
    models_prefix: str = "models/"
    predictions_prefix: str = "predictions/"
    model_version: str = Field(default="", description="Empty means the promoted (latest) model.")
    model_path: str = Field(default="", description="A local model directory; wins over S3.")
    model_metric_threshold: float = Field(
        default=0.7,
        ge=0.0,
        description="The quality gate on the model's metric (see spec.METRIC_NAME, METRIC_GOAL).",
    )
    decision_threshold: float = Field(
        default=0.5,
        gt=0.0,
        lt=1.0,
        description="Binary tasks: the probability of the positive class at which to predict it.",
    )
    predictions_table: str = "churn-nightly-predictions"
    table_ttl_days: int = Field(default=30, ge=1)
    input_stream: str = "churn-nightly-input"
    prediction_log_stream: str = Field(
        default="", description="Empty turns the API's prediction log off."
    )
    log_level: str = "INFO"
    record_training_data: bool = Field(
        default=False,
        description="The API stores each served prediction and each feedback in RAW_BUCKET.",
    )
    served_prefix: str = "served/"
    feedback_prefix: str = "feedback/"
    record_flush_s: float = Field(default=60.0, gt=0.0, le=3600.0)
    record_flush_records: int = Field(default=1000, ge=1, le=100_000)
    model_poll_s: float = Field(
        default=0.0, ge=0.0, description="Seconds between checks of latest.json; 0 never checks."
    )
    retrain_min_records: int = Field(
        default=200, ge=1, description="New labelled records that make the retrain job train."
    )
    retrain_drift_psi: float = Field(
        default=0.25, gt=0.0, description="A served feature's PSI that makes it train anyway."
    )
    retrain_lookback_days: int = Field(
        default=7, ge=1, le=365, description="Days of served and feedback records retrained on."
    )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Settings from `environ` (default: the process environment); unset keys keep defaults."""
        env = os.environ if environ is None else environ
        values = {field: env[var] for field, var in ENV_VARS.items() if var in env}
        try:
            return cls.model_validate(values)
        except ValidationError as err:
            problems = "; ".join(
                f"{ENV_VARS[str(e['loc'][0])]}: {e['msg']}" for e in err.errors() if e["loc"]
            )
            raise ConfigError(f"invalid environment: {problems}") from err
