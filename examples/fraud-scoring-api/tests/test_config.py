"""Settings come from the environment and bad values are named."""

from __future__ import annotations

import pytest

from fraud_scoring_api.config import ENV_VARS, ConfigError, Settings


def test_defaults_name_this_project() -> None:
    settings = Settings.from_env({})
    assert settings.raw_bucket.startswith("fraud-scoring-api")
    assert settings.prediction_log_stream == ""


def test_environment_overrides_every_field() -> None:
    assert set(ENV_VARS) == set(Settings.model_fields)
    settings = Settings.from_env({"RAW_BUCKET": "in", "TABLE_TTL_DAYS": "7", "MODEL_VERSION": "v1"})
    assert (settings.raw_bucket, settings.table_ttl_days, settings.model_version) == ("in", 7, "v1")


def test_bad_value_names_the_variable() -> None:
    with pytest.raises(ConfigError, match="TABLE_TTL_DAYS"):
        Settings.from_env({"TABLE_TTL_DAYS": "soon"})
