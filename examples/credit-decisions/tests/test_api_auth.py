"""API keys: who gets in, who gets 401, rotation, the first deploy, and the secret in moto.

The secret's JSON is the documented one (`{"keys": {"<caller>": "<key>"}}`); the
Secrets Manager tests put it with the same call a team runs
(`put-secret-value`) and read it back through the API.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from fastapi.testclient import TestClient
from spec_requests import API_KEY, AUTH, key_document, valid_request, with_keys

from credit_decisions.api.app import create_app
from credit_decisions.api.auth import (
    ApiKeys,
    AuthConfigError,
    FileKeys,
    SecretsManagerKeys,
    StaticKeys,
    keys_from_env,
)
from credit_decisions.api.logs import JsonFormatter
from credit_decisions.config import Settings
from credit_decisions.model import SpecModel

REGION = "us-east-1"
REQUEST = valid_request("auth-1")
OLD_KEY = "old-" + "a" * 40
NEW_KEY = "new-" + "b" * 40


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Counted:
    """A key source whose document the test changes, counting every read."""

    def __init__(self, document: str | None) -> None:
        self.document = document
        self.reads = 0

    def fetch(self) -> str | None:
        self.reads += 1
        return self.document


def problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert set(body) == {"error", "message", "detail"}
    return body


@pytest.fixture
def client(trained_model: SpecModel) -> Iterator[TestClient]:
    """The API with API_KEY valid, and no credentials sent unless a test adds them."""
    with TestClient(with_keys(create_app(Settings.from_env({}), trained_model))) as running:
        yield running


def test_no_key_gets_401_with_a_bearer_challenge(client: TestClient) -> None:
    response = client.post("/predict", json=REQUEST)
    assert problem(response, 401)["error"] == "unauthorized"
    assert response.headers["www-authenticate"] == 'Bearer realm="credit-decisions"'


@pytest.mark.parametrize(
    "headers",
    [
        {"authorization": "Bearer wrong-" + "x" * 40},
        {"authorization": f"Bearer {API_KEY}x"},
        {"authorization": f"Bearer {API_KEY[:-1]}"},
        {"authorization": f"Basic {API_KEY}"},
        {"authorization": API_KEY},
        {"x-api-key": "x" * 5000},
    ],
    ids=["wrong", "longer", "shorter", "basic-scheme", "no-scheme", "huge"],
)
def test_a_wrong_key_gets_401_and_is_never_echoed(
    client: TestClient, headers: dict[str, str]
) -> None:
    response = client.post("/predict", json=REQUEST, headers=headers)
    problem(response, 401)
    assert "Bearer" in response.headers["www-authenticate"]
    presented = next(iter(headers.values())).split()[-1]
    assert presented not in response.text and API_KEY not in response.text


@pytest.mark.parametrize(
    "headers",
    [AUTH, {"authorization": f"bearer {API_KEY}"}, {"x-api-key": API_KEY}],
    ids=["bearer", "lower-case-scheme", "x-api-key"],
)
def test_the_key_in_either_header_is_accepted(client: TestClient, headers: dict[str, str]) -> None:
    assert client.post("/predict", json=REQUEST, headers=headers).status_code == 200


def test_the_probes_and_the_openapi_document_stay_open(client: TestClient) -> None:
    assert client.get("/health").status_code == 200
    assert client.get("/ready").status_code == 200
    assert client.get("/openapi.json").status_code == 200
    assert client.get("/docs").status_code == 200


def test_unknown_paths_and_routes_added_later_are_protected(trained_model: SpecModel) -> None:
    app = with_keys(create_app(Settings.from_env({}), trained_model))

    @app.get("/added-later")
    async def added_later() -> dict[str, str]:
        return {"ok": "yes"}

    with TestClient(app) as running:
        problem(running.get("/added-later"), 401)
        problem(running.get("/nowhere"), 401)
        problem(running.get("/health/../predict"), 401)
        assert running.get("/added-later", headers=AUTH).json() == {"ok": "yes"}


def test_failed_attempts_are_counted_and_logged_without_the_key(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    wrong = "wrong-" + "z" * 40
    with caplog.at_level(logging.WARNING, logger="credit_decisions.api"):
        client.post("/predict", json=REQUEST)
        client.post("/predict", json=REQUEST, headers={"x-api-key": wrong})
        client.post("/predict", json=REQUEST, headers=AUTH)
    keys: ApiKeys = client.app.state.api_keys  # type: ignore[attr-defined]
    assert keys.failures == {"missing": 1, "invalid": 1}
    lines = [JsonFormatter().format(r) for r in caplog.records]
    failed = [json.loads(line) for line in lines if "authentication failed" in line]
    assert [(f["reason"], f["path"], f["level"]) for f in failed] == [
        ("missing", "/predict", "WARNING"),
        ("invalid", "/predict", "WARNING"),
    ]
    assert not any(wrong in line or API_KEY in line for line in lines)


def test_rotation_old_and_new_both_valid_then_only_the_new(trained_model: SpecModel) -> None:
    clock = Clock()
    source = Counted(key_document(caller=OLD_KEY))
    app = create_app(Settings.from_env({}), trained_model)
    app.state.api_keys = ApiKeys(source, refresh_s=300, retry_s=10, clock=clock)
    old, new = {"x-api-key": OLD_KEY}, {"x-api-key": NEW_KEY}
    with TestClient(app) as running:
        assert running.post("/predict", json=REQUEST, headers=old).status_code == 200
        source.document = key_document(caller=OLD_KEY, caller_v2=NEW_KEY)  # step 1: add
        clock.now += 300
        assert running.post("/predict", json=REQUEST, headers=old).status_code == 200
        assert running.post("/predict", json=REQUEST, headers=new).status_code == 200
        source.document = key_document(caller_v2=NEW_KEY)  # step 2: remove the old key
        clock.now += 300
        problem(running.post("/predict", json=REQUEST, headers=old), 401)
        assert running.post("/predict", json=REQUEST, headers=new).status_code == 200


def test_a_new_key_works_at_once_and_bad_keys_reread_at_most_once_per_window(
    trained_model: SpecModel,
) -> None:
    clock = Clock()
    source = Counted(key_document(caller=OLD_KEY))
    app = create_app(Settings.from_env({}), trained_model)
    app.state.api_keys = ApiKeys(source, refresh_s=300, retry_s=10, clock=clock)
    with TestClient(app) as running:
        assert running.post("/predict", json=REQUEST, headers={"x-api-key": OLD_KEY}).is_success
        assert source.reads == 1
        source.document = key_document(caller=OLD_KEY, caller_v2=NEW_KEY)
        clock.now += 11  # past the retry window, well before the refresh
        assert running.post("/predict", json=REQUEST, headers={"x-api-key": NEW_KEY}).is_success
        assert source.reads == 2
        for n in range(50):
            bad = {"x-api-key": f"bad-{n:02d}-" + "c" * 40}
            problem(running.post("/predict", json=REQUEST, headers=bad), 401)
        assert source.reads == 2  # every retry fell in the same 10 s window
        clock.now += 10
        problem(running.post("/predict", json=REQUEST, headers={"x-api-key": "d" * 40}), 401)
        assert source.reads == 3


def test_a_source_that_fails_keeps_the_keys_already_read() -> None:
    clock = Clock()

    class Flaky:
        fail = False

        def fetch(self) -> str | None:
            if self.fail:
                raise ConnectionError("secrets manager unreachable")
            return key_document(caller=OLD_KEY)

    source = Flaky()
    keys = ApiKeys(source, clock=clock)
    keys.refresh()
    source.fail = True
    clock.now += 1000
    keys.refresh()
    assert keys.caller(OLD_KEY) == "caller"


def test_keys_shorter_than_32_characters_and_bad_documents_are_refused(
    caplog: pytest.LogCaptureFixture,
) -> None:
    short = "s" * 31
    keys = ApiKeys(StaticKeys(key_document(short_one=short, good=OLD_KEY)))
    with caplog.at_level(logging.WARNING):
        keys.refresh()
    assert keys.caller(short) is None and keys.caller(OLD_KEY) == "good"
    assert not any(short in JsonFormatter().format(r) for r in caplog.records)
    listed = ApiKeys(StaticKeys(json.dumps({"keys": [OLD_KEY, NEW_KEY]})))
    listed.refresh()
    assert (listed.caller(OLD_KEY), listed.caller(NEW_KEY)) == ("key-1", "key-2")
    for document in ("not json", '{"keys": "one"}', '{"keys": {"a": 1}}', "[]"):
        broken = ApiKeys(StaticKeys(document))
        broken.refresh()
        assert not broken.configured


def test_before_any_key_is_set_the_probes_answer_and_the_rest_says_what_to_set(
    trained_model: SpecModel,
) -> None:
    app = create_app(Settings.from_env({}), trained_model)
    app.state.api_keys = ApiKeys(StaticKeys(None))
    with TestClient(app) as running:
        assert running.get("/health").status_code == 200
        assert running.get("/ready").status_code == 200
        body = problem(running.post("/predict", json=REQUEST, headers=AUTH), 503)
        assert "API_KEYS_SECRET_ID" in body["message"] and "put-secret-value" in body["message"]


def test_api_auth_none_turns_the_check_off(
    trained_model: SpecModel, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("API_AUTH", "none")
    with TestClient(create_app(Settings.from_env({}), trained_model)) as running:
        assert running.post("/predict", json=REQUEST).status_code == 200


def test_the_environment_picks_the_key_source(tmp_path: Any) -> None:
    secret = keys_from_env({"API_KEYS_SECRET_ID": "arn:aws:secretsmanager:x", "API_AUTH": "apiKey"})
    assert secret is not None and isinstance(secret.source, SecretsManagerKeys)
    path = tmp_path / "keys.json"
    path.write_text(key_document(local=OLD_KEY))
    local = keys_from_env({"API_KEYS_FILE": str(path), "API_KEYS_REFRESH_S": "5"})
    assert local is not None and isinstance(local.source, FileKeys) and local.refresh_s == 5
    local.refresh()
    assert local.caller(OLD_KEY) == "local"
    assert keys_from_env({"API_AUTH": "none"}) is None
    with pytest.raises(AuthConfigError, match="API_AUTH must be apiKey or none"):
        keys_from_env({"API_AUTH": "basic"})


def test_the_openapi_document_declares_the_schemes_and_401() -> None:
    document = create_app().openapi()
    schemes = document["components"]["securitySchemes"]
    assert schemes["bearer"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "Authorization: Bearer <key>",
    }
    assert schemes["apiKey"] == {"type": "apiKey", "in": "header", "name": "x-api-key"}
    assert document["security"] == [{"bearer": []}, {"apiKey": []}]
    predict = document["paths"]["/predict"]["post"]
    assert predict["responses"]["401"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Problem"
    }
    for probe in ("/health", "/ready"):
        assert document["paths"][probe]["get"]["security"] == []
        assert "401" not in document["paths"][probe]["get"]["responses"]


def test_keys_are_read_from_secrets_manager_and_rotated_there(
    aws: None, trained_model: SpecModel, unique: str
) -> None:
    kms = boto3.client("kms", region_name=REGION)
    key_id = kms.create_key()["KeyMetadata"]["KeyId"]
    secrets = boto3.client("secretsmanager", region_name=REGION)
    arn = secrets.create_secret(Name=f"api-keys-{unique}", KmsKeyId=key_id)["ARN"]
    clock = Clock()
    app = create_app(Settings.from_env({}), trained_model)
    app.state.api_keys = ApiKeys(SecretsManagerKeys(arn, REGION), clock=clock)
    old, new = {"x-api-key": OLD_KEY}, {"authorization": f"Bearer {NEW_KEY}"}
    with TestClient(app) as running:
        # a first deploy: the secret exists without a value
        problem(running.post("/predict", json=REQUEST, headers=old), 503)
        secrets.put_secret_value(SecretId=arn, SecretString=key_document(caller=OLD_KEY))
        clock.now += 10
        assert running.post("/predict", json=REQUEST, headers=old).status_code == 200
        problem(running.post("/predict", json=REQUEST, headers=new), 401)
        secrets.put_secret_value(
            SecretId=arn, SecretString=key_document(caller=OLD_KEY, caller_v2=NEW_KEY)
        )
        clock.now += 10
        assert running.post("/predict", json=REQUEST, headers=new).status_code == 200
        assert running.post("/predict", json=REQUEST, headers=old).status_code == 200
        secrets.put_secret_value(SecretId=arn, SecretString=key_document(caller_v2=NEW_KEY))
        clock.now += 300
        problem(running.post("/predict", json=REQUEST, headers=old), 401)
        assert running.post("/predict", json=REQUEST, headers=new).status_code == 200
