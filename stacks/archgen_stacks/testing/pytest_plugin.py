"""pytest fixtures for a generated project: its stack deployed into moto, its stack config.

Registered through the `pytest11` entry point of `archgen-stacks[testing]`, so a
project's tests only name the fixtures. Nothing heavy is imported until a
fixture runs. ini options (`[tool.pytest.ini_options]`):

- `archgen_infra` — the Pulumi project folder, relative to the rootdir (default `infra`);
- `archgen_stack` — the stack whose `Pulumi.<stack>.yaml` is deployed (default `dev`).

Fixtures:

- `archgen_infra_dir` — the resolved Pulumi project folder;
- `archgen_stack_config` — `project:key` -> value of that stack, as the engine passes it;
- `archgen_deployed` — `(boto3 session, DeployResult)` of the stack deployed into
  in-process moto, once per test package: moto and its fake credentials are active
  only while that package's tests run, so other tests keep their own moto contexts.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NamedTuple

import pytest


class DeployedStack(NamedTuple):
    """A stack deployed into moto: the boto3 session that reads it and what was created."""

    session: Any
    result: Any


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(
        "archgen_infra", "Pulumi project folder, relative to the rootdir", default="infra"
    )
    parser.addini("archgen_stack", "stack deployed by the archgen_deployed fixture", default="dev")


@pytest.fixture(scope="session")
def archgen_infra_dir(pytestconfig: pytest.Config) -> Path:
    """The project's Pulumi folder (`archgen_infra`, default `infra/`)."""
    path = Path(pytestconfig.rootpath) / str(pytestconfig.getini("archgen_infra"))
    if not (path / "Pulumi.yaml").is_file():
        pytest.fail(f"archgen_infra: no Pulumi.yaml in {path}", pytrace=False)
    return path


@pytest.fixture(scope="session")
def archgen_stack_config(pytestconfig: pytest.Config, archgen_infra_dir: Path) -> dict[str, str]:
    """The config of the deployed stack, `project:key` -> value."""
    from archgen_stacks.testing.project import stack_config

    return stack_config(archgen_infra_dir, str(pytestconfig.getini("archgen_stack")))


@pytest.fixture(scope="package")
def archgen_deployed(
    pytestconfig: pytest.Config,
    archgen_infra_dir: Path,
    archgen_stack_config: dict[str, str],
) -> Iterator[DeployedStack]:
    """The stack deployed into in-process moto through the project's own `infra/__main__.py`."""
    from archgen_stacks.testing.emulator import MotoMocks
    from archgen_stacks.testing.project import deploy_project

    stack = str(pytestconfig.getini("archgen_stack"))
    region = archgen_stack_config.get("aws:region", "us-east-1")
    with offline_account(region) as session:
        result = deploy_project(
            archgen_infra_dir,
            mocks=MotoMocks(session, region=region),
            stack=stack,
        )
        yield DeployedStack(session, result)


@contextmanager
def offline_account(region: str) -> Iterator[Any]:
    """An in-process moto account in `region`: fake credentials, no profile or endpoint
    of the caller's leaking in; yields a boto3 session for it."""
    import boto3
    from moto import mock_aws

    from archgen_stacks.testing.emulator import MOTO_CONFIG

    with pytest.MonkeyPatch.context() as patch:
        for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_SESSION_TOKEN"):
            patch.delenv(name, raising=False)
        patch.setenv("AWS_ACCESS_KEY_ID", "testing")
        patch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        patch.setenv("AWS_DEFAULT_REGION", region)
        settings: Any = MOTO_CONFIG  # moto types its config as a TypedDict of its own
        with mock_aws(config=settings):
            yield boto3.Session(region_name=region)
