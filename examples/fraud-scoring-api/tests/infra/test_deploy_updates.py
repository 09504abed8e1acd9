"""Continuous updates through the deployed wiring: the API's and the retrain task's own settings.

The stack is deployed into moto; the API runs with its task definition's
environment, stores what it serves and the feedback it gets, the retrain task
definition the schedule starts runs the real job with its own environment, and
the API, still serving, swaps the model the job published.
"""

from __future__ import annotations

from typing import Any

from archgen_stacks.testing.pytest_plugin import DeployedStack
from fastapi import FastAPI
from fastapi.testclient import TestClient
from spec_requests import API_KEY, AUTH, key_document

from fraud_scoring_api import data, storage
from fraud_scoring_api.api.app import create_app
from fraud_scoring_api.api.auth import ApiKeys, SecretsManagerKeys
from fraud_scoring_api.api.swap import ModelWatcher
from fraud_scoring_api.config import ENV_VARS, Settings
from fraud_scoring_api.model import SpecModel
from fraud_scoring_api.online import retrain
from fraud_scoring_api.spec import CLASSES, ID_FIELD, TASK


def task_settings(session: Any, task_definition: str, **extra: str) -> Settings:
    """Settings from a deployed task definition's environment, as the container sees them."""
    described = session.client("ecs").describe_task_definition(taskDefinition=task_definition)
    environment = described["taskDefinition"]["containerDefinitions"][0].get("environment", [])
    values = {e["name"]: e["value"] for e in environment if e["name"] in ENV_VARS.values()}
    return Settings.from_env({**values, "AWS_REGION": session.region_name, **extra})


def outcome(dataset: data.Dataset, index: int) -> Any:
    assert dataset.target is not None
    value = dataset.target[index]
    if TASK == "binary":
        return CLASSES[int(value)]
    return str(value) if TASK == "multiclass" else float(value)


def test_feedback_retrains_and_the_serving_api_swaps_the_published_model(
    archgen_deployed: DeployedStack, settled_model: SpecModel
) -> None:
    session, result = archgen_deployed
    (schedule,) = [
        s for s in result.of_kind("scheduler.Schedule") if s.name.endswith("-retrain-schedule")
    ]
    target = session.client("scheduler").get_schedule(Name=schedule.outputs["name"])["Target"]
    job = task_settings(session, target["EcsParameters"]["TaskDefinitionArn"])
    api = task_settings(session, result.one("ecs.Service").outputs["taskDefinition"])
    assert api.record_training_data and api.model_poll_s > 0
    assert (api.raw_bucket, api.models_bucket) == (job.raw_bucket, job.models_bucket)
    s3 = session.client("s3")
    storage.save_model(s3, api, settled_model, promote=True)

    secrets = session.client("secretsmanager")
    secret = result.outputs["apiKeysSecretArn"]
    secrets.put_secret_value(SecretId=secret, SecretString=key_document(updates=API_KEY))

    def serving() -> FastAPI:
        """The API as its task runs it, reading the key a team put into the deployed secret."""
        app = create_app(api)
        app.state.api_keys = ApiKeys(SecretsManagerKeys(secret, client=secrets))
        return app

    labelled = data.generate(job.retrain_min_records, seed=71)
    with TestClient(serving(), headers=AUTH) as client:
        for index in range(len(labelled)):
            body = {ID_FIELD: f"e-{index}", **data.feature_dict(labelled, index)}
            answer = client.post("/predict", json=body)
            assert answer.status_code == 200
            feedback = {
                "request_id": answer.headers["x-request-id"],
                "outcome": outcome(labelled, index),
            }
            assert client.post("/feedback", json=feedback).status_code == 202

    app = serving()
    with TestClient(app, headers=AUTH) as client:
        assert client.get("/ready").json()["model_version"] == settled_model.metadata.version
        summary = retrain.run(job, version="r-deployed")
        assert summary["labelled"] == len(labelled) and summary["trained"]
        assert summary["promoted"], summary
        assert ModelWatcher(app.state.service, api).poll_once() == "swapped"
        ready = client.get("/ready").json()
        assert ready["model_version"] == "r-deployed"
        assert ready["previous_version"] == settled_model.metadata.version
        answer = client.post("/predict", json={ID_FIELD: "e-x", **data.feature_dict(labelled, 0)})
        assert answer.json()["model_version"] == "r-deployed"
