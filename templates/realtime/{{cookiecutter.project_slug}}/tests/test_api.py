"""The API in process: predictions, validation, health, readiness, logs and the prediction log."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import boto3
import pytest
from fastapi.testclient import TestClient

from {{ cookiecutter.package_name }}.api import app as app_module
from {{ cookiecutter.package_name }}.api.app import create_app
from {{ cookiecutter.package_name }}.api.logs import JsonFormatter
from {{ cookiecutter.package_name }}.config import Settings
from {{ cookiecutter.package_name }}.model import CreditModel, ModelError
from {{ cookiecutter.package_name }}.schema import Applicant
from {{ cookiecutter.package_name }}.storage import load_configured_model

APPLICANT: dict[str, Any] = {
    "applicant_id": "a-42",
    "income": 61_000,
    "debt_ratio": 0.42,
    "credit_history_months": 30,
    "delinquencies": 1,
    "requested_amount": 20_000,
}


@pytest.fixture
def client(trained_model: CreditModel) -> Any:
    with TestClient(create_app(Settings.from_env({}), trained_model)) as test_client:
        yield test_client


def test_predict_scores_with_the_model(client: TestClient, trained_model: CreditModel) -> None:
    response = client.post("/predict", json=APPLICANT)
    assert response.status_code == 200
    body = response.json()
    expected = trained_model.predict_one(Applicant.model_validate(APPLICANT).row())
    assert body["default_probability"] == pytest.approx(expected, abs=1e-6)
    assert body["decision"] == ("decline" if expected >= 0.5 else "approve")
    assert body["applicant_id"] == "a-42" and body["model_version"] == "test"


@pytest.mark.parametrize(
    "body",
    [
        {k: v for k, v in APPLICANT.items() if k != "income"},
        {**APPLICANT, "income": -1},
        {**APPLICANT, "debt_ratio": "high"},
        {**APPLICANT, "unexpected": True},
        [],
    ],
)
def test_invalid_requests_get_422(client: TestClient, body: Any) -> None:
    response = client.post("/predict", json=body)
    assert response.status_code == 422
    assert response.json()["detail"]


def test_malformed_json_gets_422(client: TestClient) -> None:
    response = client.post(
        "/predict", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert response.status_code == 422


def test_oversized_body_gets_413(client: TestClient) -> None:
    padded = {**APPLICANT, "applicant_id": "x" * 20_000}
    assert client.post("/predict", json=padded).status_code == 413


def test_health_and_readiness(client: TestClient) -> None:
    assert client.get("/health").json() == {"status": "ok"}
    assert client.get("/ready").json() == {"status": "ready", "model_version": "test"}


def test_not_ready_before_startup_and_after_shutdown(trained_model: CreditModel) -> None:
    app = create_app(Settings.from_env({}), trained_model)
    outside = TestClient(app)  # no lifespan: the model has not been loaded
    assert outside.get("/health").status_code == 200
    assert outside.get("/ready").status_code == 503
    assert outside.post("/predict", json=APPLICANT).status_code == 503
    with TestClient(app) as running:
        assert running.get("/ready").status_code == 200
    assert app.state.service.ready is False


def test_model_is_loaded_once_at_startup(
    tmp_path: Path, trained_model: CreditModel, monkeypatch: pytest.MonkeyPatch
) -> None:
    trained_model.save(tmp_path / "model")
    loads: list[str] = []

    def counting_load(settings: Settings) -> CreditModel:
        loads.append(settings.model_path)
        return load_configured_model(settings)

    monkeypatch.setattr(app_module, "load_configured_model", counting_load)
    settings = Settings.from_env({"MODEL_PATH": str(tmp_path / "model")})
    with TestClient(create_app(settings)) as running:
        for _ in range(5):
            assert running.post("/predict", json=APPLICANT).status_code == 200
    assert loads == [str(tmp_path / "model")]


def test_startup_fails_without_a_model(aws: None) -> None:
    with pytest.raises(ModelError, match="no model to load"):
        with TestClient(create_app(Settings.from_env())):
            pass


def test_predictions_are_logged_as_json_at_debug(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="{{ cookiecutter.package_name }}.api"):
        client.post("/predict", json=APPLICANT)
    assert not [r for r in caplog.records if r.getMessage() == "prediction"]
    with caplog.at_level(logging.DEBUG, logger="{{ cookiecutter.package_name }}.api"):
        client.post("/predict", json=APPLICANT, headers={"x-request-id": "req-7"})
    lines = [json.loads(JsonFormatter().format(r)) for r in caplog.records]
    logged = [line for line in lines if line["message"] == "prediction"]
    assert len(logged) == 1 and logged[0]["request_id"] == "req-7"
    assert logged[0]["applicant_id"] == "a-42" and logged[0]["level"] == "DEBUG"


def test_prediction_log_reaches_the_stream(
    aws: None, trained_model: CreditModel, unique: str
) -> None:
    stream = f"predictions-log-{unique}"
    kinesis = boto3.client("kinesis", region_name="{{ cookiecutter.region }}")
    kinesis.create_stream(StreamName=stream, ShardCount=1)
    settings = Settings.from_env({"PREDICTION_LOG_STREAM": stream})
    with TestClient(create_app(settings, trained_model)) as running:
        for i in range(3):
            headers = {"x-request-id": f"req-{i}"}
            assert running.post("/predict", json=APPLICANT, headers=headers).status_code == 200
    shard = kinesis.describe_stream(StreamName=stream)["StreamDescription"]["Shards"][0]
    iterator = kinesis.get_shard_iterator(
        StreamName=stream, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]
    records = [
        json.loads(r["Data"]) for r in kinesis.get_records(ShardIterator=iterator)["Records"]
    ]
    assert [r["request_id"] for r in records] == ["req-0", "req-1", "req-2"]
    assert records[0]["features"]["income"] == 61_000
    assert records[0]["model_version"] == "test"
