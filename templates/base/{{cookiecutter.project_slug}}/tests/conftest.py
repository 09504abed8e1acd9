"""Shared fixtures: fake AWS credentials, moto, settings and a small trained model."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from moto import mock_aws

from {{ cookiecutter.package_name }} import data
from {{ cookiecutter.package_name }}.config import Settings
from {{ cookiecutter.package_name }}.model import SpecModel

REGION = "{{ cookiecutter.region }}"


@pytest.fixture
def unique() -> str:
    """A short suffix that makes this test's AWS resource names its own."""
    return uuid.uuid4().hex[:10]


@pytest.fixture(autouse=True)
def fake_aws_env(monkeypatch: pytest.MonkeyPatch, unique: str) -> None:
    """No test can reach a real AWS account: fake credentials, no profile, no endpoint.

    Resource names are unique per test, so tests stay independent even when another
    fixture keeps one moto mock open for the whole session (nested mocks share state).
    """
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_REGION", REGION)
    for variable, kind in (
        ("RAW_BUCKET", "raw"),
        ("MODELS_BUCKET", "models"),
        ("PREDICTIONS_BUCKET", "predictions"),
        ("PREDICTIONS_TABLE", "predictions"),
        ("INPUT_STREAM", "input"),
    ):
        monkeypatch.setenv(variable, f"test-{unique}-{kind}")


@pytest.fixture
def aws() -> Iterator[None]:
    """Every boto3 call inside the test goes to moto, in process."""
    with mock_aws():
        yield


@pytest.fixture
def settings() -> Settings:
    """Settings as a deployment would set them."""
    return Settings.from_env()


def create_bucket(name: str) -> None:
    """Create a moto bucket in the test region."""
    client = boto3.client("s3", region_name=REGION)
    if REGION == "us-east-1":
        client.create_bucket(Bucket=name)
    else:
        client.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})


@pytest.fixture
def buckets(aws: None, settings: Settings) -> Any:
    """The raw, models and predictions buckets, created in moto; returns an S3 client."""
    for name in {settings.raw_bucket, settings.models_bucket, settings.predictions_bucket}:
        create_bucket(name)
    return boto3.client("s3", region_name=REGION)


@pytest.fixture(scope="session")
def trained_model() -> SpecModel:
    """A model trained once per session on synthetic data."""
    return SpecModel.train(data.generate(4_000, seed=3), version="test")


@pytest.fixture(scope="session")
def settled_model(trained_model: SpecModel) -> SpecModel:
    """`trained_model` as if trained an hour ago: every record a test writes is newer than it,
    whatever second the clock is in."""
    an_hour_ago = (datetime.now(UTC) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    metadata = dataclasses.replace(trained_model.metadata, trained_at=an_hour_ago)
    return SpecModel(trained_model.pipeline, metadata)
