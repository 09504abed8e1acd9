"""The stack configs in infra/ are ones the stack components accept, as generated."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from archgen.stack_settings import StackSettings

INFRA = Path(__file__).resolve().parents[2] / "infra"
PROJECT = "churn-nightly"


def stack_file(stack: str) -> dict[str, Any]:
    """The parsed `Pulumi.<stack>.yaml`."""
    document = yaml.safe_load((INFRA / f"Pulumi.{stack}.yaml").read_text(encoding="utf-8"))
    assert isinstance(document, dict)
    return document


def project_config(stack: str) -> dict[str, Any]:
    """This project's own keys of a stack config, without the namespace."""
    config: dict[str, Any] = stack_file(stack)["config"]
    prefix = f"{PROJECT}:"
    return {key[len(prefix) :]: value for key, value in config.items() if key.startswith(prefix)}


def test_config_namespace_is_the_pulumi_project_name() -> None:
    project = yaml.safe_load((INFRA / "Pulumi.yaml").read_text(encoding="utf-8"))
    assert project["name"] == PROJECT
    assert project["runtime"]["name"] == "python"


def test_dev_stack_config_builds_valid_settings() -> None:
    settings = StackSettings.from_mapping(project_config("dev"))
    assert settings.pattern == "batch"
    assert set(project_config("dev")) == set(StackSettings.keys())


def test_dev_stack_deploys_to_the_answered_region() -> None:
    assert stack_file("dev")["config"]["aws:region"] == "eu-west-1"


def test_local_stack_reaches_only_the_moto_server() -> None:
    config = stack_file("local")["config"]
    endpoints = config["aws:endpoints"]
    assert len(endpoints) == 1 and endpoints[0]
    for service, url in endpoints[0].items():
        assert url.startswith("http://127.0.0.1:"), service
    for flag in ("skipCredentialsValidation", "skipRequestingAccountId", "s3UsePathStyle"):
        assert config[f"aws:{flag}"] is True
    assert StackSettings.from_mapping(project_config("local")).name_prefix.endswith("-local")
