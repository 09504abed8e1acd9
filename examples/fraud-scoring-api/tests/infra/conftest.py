"""The dev stack, deployed once into in-process moto through the offline emulator.

`infra/components/emulator.py` creates every resource of the stack program in
moto, so these tests read the real wiring back with boto3: no AWS account, no
Pulumi CLI.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml
from moto import mock_aws

from components.emulator import MOTO_CONFIG, DeployResult, MotoMocks, deploy
from components.program import AppArtifacts, main

INFRA = Path(__file__).resolve().parents[2] / "infra"
PROJECT = "fraud-scoring-api"
REGION = "us-east-1"


def config_value(value: Any) -> str:
    """A YAML config value as the Pulumi engine hands it to `pulumi.Config.get`."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value)
    return str(value)


def stack_config(stack: str) -> dict[str, str]:
    """Every key of `Pulumi.<stack>.yaml`, as the engine passes config to a program."""
    document = yaml.safe_load((INFRA / f"Pulumi.{stack}.yaml").read_text(encoding="utf-8"))
    return {key: config_value(value) for key, value in document["config"].items()}


@pytest.fixture(scope="package")
def deployed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, DeployResult]]:
    """(boto3 session, deploy result) of the dev stack in moto, shared by the infra tests.

    Package scope: moto and the fake credentials stay active only while tests/infra runs,
    so the application tests keep their own moto contexts.
    """
    consumer = tmp_path_factory.mktemp("consumer")
    (consumer / "handler.py").write_text("def handler(event, context):\n    return {}\n")
    with pytest.MonkeyPatch.context() as patch:
        for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_SESSION_TOKEN"):
            patch.delenv(name, raising=False)
        patch.setenv("AWS_ACCESS_KEY_ID", "testing")
        patch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        patch.setenv("AWS_DEFAULT_REGION", REGION)
        with mock_aws(config=MOTO_CONFIG):
            session = boto3.Session(region_name=REGION)
            result = deploy(
                lambda: main(AppArtifacts(consumer_code=str(consumer))),
                mocks=MotoMocks(session, region=REGION),
                stack="dev",
                project=PROJECT,
                config=stack_config("dev"),
            )
            yield session, result


@pytest.fixture(scope="session")
def dev_config() -> dict[str, str]:
    """The dev stack config the stack was deployed with (`project:key` -> value)."""
    return stack_config("dev")
