"""The API in process: predictions, validation, health, readiness, logs and the prediction log.

Requests are built from the model spec (`spec_requests.py`), so these tests hold
whatever the spec: binary, multiclass or regression, any features.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from fastapi.testclient import TestClient
from spec_requests import AUTH, INVALID_CASES, valid_request, with_keys

from {{ cookiecutter.package_name }}.api import app as app_module
from {{ cookiecutter.package_name }}.api.app import create_app
from {{ cookiecutter.package_name }}.api.logs import JsonFormatter
from {{ cookiecutter.package_name }}.config import Settings
from {{ cookiecutter.package_name }}.model import ModelError, SpecModel
from {{ cookiecutter.package_name }}.schema import PredictionLogRecord, PredictionRequest, predict
from {{ cookiecutter.package_name }}.spec import CLASSES, FEATURE_NAMES, ID_FIELD, TASK
from {{ cookiecutter.package_name }}.storage import load_configured_model

REQUEST = valid_request("r-42")


@pytest.fixture
def client(trained_model: SpecModel) -> Iterator[TestClient]:
    app = with_keys(create_app(Settings.from_env({}), trained_model))
    with TestClient(app, headers=AUTH) as test_client:
        yield test_client


def assert_problem(response: Any, status: int) -> dict[str, Any]:
    """The response is `status` with the documented error body."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    body: dict[str, Any] = response.json()
    assert set(body) == {"error", "message", "detail"} and body["error"] and body["message"]
    for item in body["detail"]:
        assert set(item) == {"loc", "msg", "type"}
    return body


def test_a_request_in_the_spec_shape_is_answered_by_the_model(
    client: TestClient, trained_model: SpecModel
) -> None:
    response = client.post("/predict", json=REQUEST)
    assert response.status_code == 200, response.text
    body = response.json()
    expected = predict(trained_model, PredictionRequest.model_validate(REQUEST), 0.5)
    assert body == expected.model_dump(mode="json")
    assert body[ID_FIELD] == "r-42" and body["model_version"] == "test"


def test_the_answer_has_the_shape_of_the_spec_s_task(client: TestClient) -> None:
    """Binary: a probability and the class it picks; multiclass: every class's probability;
    regression: a number."""
    body = client.post("/predict", json=REQUEST).json()
    if TASK == "binary":
        assert 0.0 <= body["probability"] <= 1.0
        assert body["prediction"] == (CLASSES[1] if body["probability"] >= 0.5 else CLASSES[0])
    elif TASK == "multiclass":
        probabilities = body["probabilities"]
        assert list(probabilities) == list(CLASSES)
        assert sum(probabilities.values()) == pytest.approx(1.0, abs=1e-4)
        assert body["prediction"] == max(probabilities, key=probabilities.__getitem__)
    else:
        assert TASK == "regression"
        assert isinstance(body["prediction"], float)


@pytest.mark.parametrize(("feature", "why", "value"), INVALID_CASES)
def test_a_bad_feature_value_gets_422_naming_it(
    client: TestClient, feature: str, why: str, value: Any
) -> None:
    body = assert_problem(client.post("/predict", json={**REQUEST, feature: value}), 422)
    assert [item["loc"] for item in body["detail"]] == [["body", feature]], why


@pytest.mark.parametrize("missing", [ID_FIELD, *FEATURE_NAMES])
def test_a_missing_field_gets_422(client: TestClient, missing: str) -> None:
    request = {k: v for k, v in REQUEST.items() if k != missing}
    body = assert_problem(client.post("/predict", json=request), 422)
    assert body["detail"][0]["loc"] == ["body", missing]
    assert body["detail"][0]["type"] == "missing"


@pytest.mark.parametrize(
    "body",
    [
        {**REQUEST, "unexpected": True},
        {**REQUEST, ID_FIELD: ""},
        {**REQUEST, ID_FIELD: 42},
        [],
        [REQUEST],
        "text",
        1,
    ],
)
def test_other_invalid_requests_get_422(client: TestClient, body: Any) -> None:
    assert_problem(client.post("/predict", json=body), 422)


def _with(field: str, raw: bytes) -> bytes:
    """REQUEST as JSON bytes with `field`'s value replaced by the raw token `raw`."""
    return json.dumps({**REQUEST, field: "@@"}).encode().replace(b'"@@"', raw)


NUMERIC = [name for name, value in REQUEST.items() if isinstance(value, int | float)]
NUMBER = NUMERIC[0] if NUMERIC else FEATURE_NAMES[0]
HOSTILE_BODIES: dict[str, bytes] = {
    "not UTF-8": b'{"' + ID_FIELD.encode() + b'": "\xff\xfe"}',
    "not UTF-8, a key": b'{"\xc3\x28": 1}',
    "Latin-1 text": json.dumps(REQUEST).encode()[:-1] + b', "x": "caf\xe9"}',
    "a lone surrogate": _with(ID_FIELD, b'"\\ud800"'),
    "NaN": _with(NUMBER, b"NaN"),
    "Infinity": _with(NUMBER, b"Infinity"),
    "-Infinity": _with(NUMBER, b"-Infinity"),
    "1e309": _with(NUMBER, b"1e309"),
    "-1e309": _with(NUMBER, b"-1e309"),
    "a 400-digit integer": _with(NUMBER, b"9" * 400),
    "a 5000-digit integer": _with(NUMBER, b"9" * 5000),
    "nesting 5000 deep": _with(NUMBER, b"[" * 5000 + b"]" * 5000),
    "an empty body": b"",
    "whitespace": b" \n\t ",
    "null": b"null",
    "truncated": json.dumps(REQUEST).encode()[:-1],
    "trailing garbage": json.dumps(REQUEST).encode() + b"}",
    "a key given twice": json.dumps(REQUEST).encode()[:-1]
    + b", "
    + json.dumps({ID_FIELD: "again"}).encode()[1:],
    "NUL bytes": b"\x00" * 64,
}


@pytest.mark.parametrize("body", list(HOSTILE_BODIES.values()), ids=list(HOSTILE_BODIES))
def test_hostile_bodies_get_422_without_echoing_them(client: TestClient, body: bytes) -> None:
    response = client.post("/predict", content=body, headers={"content-type": "application/json"})
    problem = assert_problem(response, 422)
    assert all("input" not in item for item in problem["detail"])
    assert "Infinity" not in response.text and "NaN" not in response.text


def test_nesting_past_the_size_limit_gets_413(client: TestClient) -> None:
    deep = b"[" * 100_000 + b"]" * 100_000
    response = client.post("/predict", content=deep, headers={"content-type": "application/json"})
    assert_problem(response, 413)


@pytest.mark.parametrize(
    "content_type",
    [None, "text/plain", "application/x-www-form-urlencoded", "application/json; charset=latin-1"],
)
def test_a_body_that_is_not_declared_json_gets_415(
    client: TestClient, content_type: str | None
) -> None:
    headers = {"content-type": content_type} if content_type else {}
    response = client.post("/predict", content=json.dumps(REQUEST).encode(), headers=headers)
    assert_problem(response, 415)


def test_json_with_an_explicit_utf8_charset_is_accepted(client: TestClient) -> None:
    headers = {"content-type": "application/json; charset=UTF-8"}
    response = client.post("/predict", content=json.dumps(REQUEST).encode(), headers=headers)
    assert response.status_code == 200


def test_an_oversized_body_gets_413(client: TestClient) -> None:
    padded = {**REQUEST, ID_FIELD: "x" * 20_000}
    assert_problem(client.post("/predict", json=padded), 413)


def test_an_oversized_chunked_body_without_a_length_gets_413(client: TestClient) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(40):
            yield b" " * 1024

    response = client.post(
        "/predict", content=chunks(), headers={"content-type": "application/json"}
    )
    assert "content-length" not in response.request.headers
    assert_problem(response, 413)


def test_unknown_routes_and_wrong_methods_get_json(client: TestClient) -> None:
    assert assert_problem(client.get("/nowhere"), 404)["error"] == "not_found"
    wrong = client.get("/predict")
    assert assert_problem(wrong, 405)["error"] == "method_not_allowed"
    assert wrong.headers["allow"] == "POST"
    assert_problem(client.delete("/health"), 405)


def test_a_failing_model_gets_500_without_internals(trained_model: SpecModel) -> None:
    class Broken:
        metadata = trained_model.metadata

        def predict_scores(self, rows: Any) -> Any:
            raise RuntimeError("secret internals")

        def predict_one(self, row: Any) -> list[float]:
            raise RuntimeError("secret internals")

    app = with_keys(create_app(Settings.from_env({}), Broken()))
    with TestClient(app, raise_server_exceptions=False, headers=AUTH) as running:
        response = running.post("/predict", json=REQUEST)
    assert assert_problem(response, 500)["error"] == "internal_error"
    assert "secret" not in response.text and "RuntimeError" not in response.text


def test_the_openapi_document_lists_every_status_with_its_schema() -> None:
    document = create_app().openapi()
    paths = document["paths"]

    def responses(path: str, method: str) -> dict[str, str]:
        listed = paths[path][method]["responses"]
        return {
            status: entry["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
            for status, entry in listed.items()
        }

    error = "Problem"
    assert responses("/predict", "post") == {
        "200": "Prediction",
        "401": error,
        "413": error,
        "415": error,
        "422": error,
        "503": error,
    }
    assert responses("/health", "get") == {"200": "Health"}
    assert responses("/ready", "get") == {"200": "Readiness", "503": error}
    body = paths["/predict"]["post"]["requestBody"]
    assert body["required"] is True
    assert body["content"]["application/json"]["schema"]["$ref"].endswith("/PredictionRequest")
    request_schema = document["components"]["schemas"]["PredictionRequest"]
    assert set(request_schema["properties"]) == {ID_FIELD, *FEATURE_NAMES}
    assert set(request_schema["required"]) == {ID_FIELD, *FEATURE_NAMES}
    assert request_schema.get("additionalProperties") is False


def test_health_and_readiness(client: TestClient) -> None:
    assert client.get("/health").json() == {"status": "ok"}
    assert client.get("/ready").json() == {
        "status": "ready",
        "model_version": "test",
        "previous_version": None,
    }


def test_not_ready_before_startup_and_after_shutdown(trained_model: SpecModel) -> None:
    app = with_keys(create_app(Settings.from_env({}), trained_model))
    outside = TestClient(app, headers=AUTH)  # no lifespan: the model has not been loaded
    assert outside.get("/health").status_code == 200
    assert assert_problem(outside.get("/ready"), 503)["error"] == "not_ready"
    assert_problem(outside.post("/predict", json=REQUEST), 503)
    with TestClient(app) as running:
        assert running.get("/ready").status_code == 200
    assert app.state.service.ready is False


def test_model_is_loaded_once_at_startup(
    tmp_path: Path, trained_model: SpecModel, monkeypatch: pytest.MonkeyPatch
) -> None:
    trained_model.save(tmp_path / "model")
    loads: list[str] = []

    def counting_load(settings: Settings) -> Any:
        loads.append(settings.model_path)
        return load_configured_model(settings)

    monkeypatch.setattr(app_module, "load_configured_model", counting_load)
    settings = Settings.from_env({"MODEL_PATH": str(tmp_path / "model")})
    with TestClient(with_keys(create_app(settings)), headers=AUTH) as running:
        for _ in range(5):
            assert running.post("/predict", json=REQUEST).status_code == 200
    assert loads == [str(tmp_path / "model")]


def test_startup_fails_without_a_model(aws: None) -> None:
    with pytest.raises(ModelError, match="no model to load"):
        with TestClient(create_app(Settings.from_env())):
            pass


def test_with_an_empty_models_bucket_the_api_waits_then_serves_the_first_model(
    buckets: Any, settled_model: SpecModel, caplog: pytest.LogCaptureFixture
) -> None:
    import os
    import time

    from {{ cookiecutter.package_name }}.storage import save_model

    settings = Settings.from_env({**os.environ, "MODEL_POLL_S": "0.05"})
    app = with_keys(create_app(settings))
    with caplog.at_level(logging.INFO), TestClient(app, headers=AUTH) as running:
        assert any(r.message == "waiting for a model" for r in caplog.records)
        assert running.get("/health").json() == {"status": "ok"}
        waiting = assert_problem(running.get("/ready"), 503)["message"]
        expected = f"s3://{settings.models_bucket}/{settings.models_prefix}latest.json"
        assert "no model is published yet" in waiting and expected in waiting
        assert_problem(running.post("/predict", json=REQUEST), 503)
        s3 = boto3.client("s3", region_name=settings.aws_region)
        save_model(s3, settings, settled_model, True)
        deadline = time.monotonic() + 10
        while running.get("/ready").status_code != 200 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert running.get("/ready").json()["model_version"] == "test"
        assert running.post("/predict", json=REQUEST).status_code == 200


class Collected:
    """A prediction sink that keeps what the API writes."""

    def __init__(self) -> None:
        self.records: list[dict[str, Any]] = []

    def write(self, record: Any) -> None:
        self.records.append(dict(record))

    def close(self, timeout_s: float = 5.0) -> None:
        pass


@pytest.mark.parametrize(
    ("given", "kept"),
    [("req-1", True), ("x" * 128, True), ("x" * 129, False), ("has space", False), ("", False)],
)
def test_the_prediction_log_gets_records_its_consumer_accepts(
    trained_model: SpecModel, given: str, kept: bool
) -> None:
    sink = Collected()
    app = with_keys(create_app(Settings.from_env({}), trained_model, sink))
    with TestClient(app, headers=AUTH) as running:
        response = running.post("/predict", json=REQUEST, headers={"x-request-id": given})
        assert response.status_code == 200
    (record,) = sink.records
    parsed = PredictionLogRecord.model_validate(record)
    assert (parsed.request_id == given) is kept
    assert parsed.entity_id == "r-42" and parsed.prediction == response.json()["prediction"]


def test_predictions_are_logged_as_json_at_debug(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="{{ cookiecutter.package_name }}.api"):
        client.post("/predict", json=REQUEST)
    assert not [r for r in caplog.records if r.getMessage() == "prediction"]
    with caplog.at_level(logging.DEBUG, logger="{{ cookiecutter.package_name }}.api"):
        client.post("/predict", json=REQUEST, headers={"x-request-id": "req-7"})
    lines = [json.loads(JsonFormatter().format(r)) for r in caplog.records]
    logged = [line for line in lines if line["message"] == "prediction"]
    assert len(logged) == 1 and logged[0]["level"] == "DEBUG"
    assert logged[0]["request_id"] == "req-7" and logged[0]["entity_id"] == "r-42"
    assert "prediction" in logged[0] and "features" not in logged[0]


def test_prediction_log_reaches_the_stream(
    aws: None, trained_model: SpecModel, unique: str
) -> None:
    stream = f"predictions-log-{unique}"
    kinesis = boto3.client("kinesis", region_name="{{ cookiecutter.region }}")
    kinesis.create_stream(StreamName=stream, ShardCount=1)
    settings = Settings.from_env({"PREDICTION_LOG_STREAM": stream})
    with TestClient(with_keys(create_app(settings, trained_model)), headers=AUTH) as running:
        for i in range(3):
            headers = {"x-request-id": f"req-{i}"}
            assert running.post("/predict", json=REQUEST, headers=headers).status_code == 200
    shard = kinesis.describe_stream(StreamName=stream)["StreamDescription"]["Shards"][0]
    iterator = kinesis.get_shard_iterator(
        StreamName=stream, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]
    records = [
        json.loads(r["Data"]) for r in kinesis.get_records(ShardIterator=iterator)["Records"]
    ]
    assert [r["request_id"] for r in records] == ["req-0", "req-1", "req-2"]
    assert records[0]["entity_id"] == "r-42" and records[0]["model_version"] == "test"
    assert records[0]["features"] == {k: v for k, v in REQUEST.items() if k != ID_FIELD}
