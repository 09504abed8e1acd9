"""Predictions served by the API reach the deployed monitoring stream and its archive.

The API runs in process against the stack deployed into moto, with the key a
team puts into the deployed secret; the archive's Firehose is pumped by the
local runner because moto does not read a Kinesis source on its own.
"""

from __future__ import annotations

from typing import Any

from archgen_stacks.testing.emulator import DeployResult
from archgen_stacks.testing.esm_runner import deliver_kinesis_source
from archgen_stacks.testing.pytest_plugin import DeployedStack
from fastapi.testclient import TestClient
from spec_requests import API_KEY, AUTH, key_document, valid_request

from {{ cookiecutter.package_name }}.api.app import create_app
from {{ cookiecutter.package_name }}.api.auth import ApiKeys, SecretsManagerKeys
from {{ cookiecutter.package_name }}.config import Settings
from {{ cookiecutter.package_name }}.model import SpecModel

REGION = "{{ cookiecutter.region }}"


def api_environment(session: Any, result: DeployResult) -> dict[str, str]:
    """The environment the deployed API container is given."""
    arn = result.one("ecs.Service").outputs["taskDefinition"]
    ecs = session.client("ecs")
    (container,) = ecs.describe_task_definition(taskDefinition=arn)["taskDefinition"][
        "containerDefinitions"
    ]
    return {item["name"]: item["value"] for item in container.get("environment", [])}


def test_api_predictions_reach_the_stream_and_the_archive(
    archgen_deployed: DeployedStack, trained_model: SpecModel
) -> None:
    session, result = archgen_deployed
    environment = api_environment(session, result)
    if "streamName" not in result.outputs:  # real-time alone: no monitoring stream to log to
        assert "PREDICTION_LOG_STREAM" not in environment
        return
    stream = environment["PREDICTION_LOG_STREAM"]
    assert stream == result.outputs["streamName"]
    settings = Settings.from_env({"PREDICTION_LOG_STREAM": stream, "AWS_REGION": REGION})
    ids = [f"flow-{n}" for n in range(3)]
    secret = environment["API_KEYS_SECRET_ID"]
    secrets = session.client("secretsmanager")
    secrets.put_secret_value(SecretId=secret, SecretString=key_document(monitoring=API_KEY))
    app = create_app(settings, trained_model)
    app.state.api_keys = ApiKeys(SecretsManagerKeys(secret, client=secrets))
    with TestClient(app, headers=AUTH) as client:
        for ident in ids:
            response = client.post("/predict", json=valid_request(ident))
            assert response.status_code == 200
    # leaving the client shuts the app down, which flushes the prediction log
    firehose = result.one("kinesis.FirehoseDeliveryStream").outputs["name"]
    assert deliver_kinesis_source(firehose, session_or_endpoint=session) >= len(ids)
    bucket = result.outputs["bucketNames"]["archive"]
    s3 = session.client("s3")
    keys = [item["Key"] for item in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
    archived = b"".join(s3.get_object(Bucket=bucket, Key=key)["Body"].read() for key in keys)
    for ident in ids:
        assert f'"{ident}"'.encode() in archived
