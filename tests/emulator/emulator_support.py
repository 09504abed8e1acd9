"""Moto contexts for the emulator tests (module-scoped fixtures share one deploy)."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

import boto3
from moto import mock_aws

from archgen_stacks.testing.emulator import MOTO_CONFIG

FAKE_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}


@contextlib.contextmanager
def fake_credentials() -> Iterator[None]:
    """Fake credentials so nothing can reach a real account; restored afterwards."""
    saved = {k: os.environ.get(k) for k in FAKE_ENV}
    os.environ.update(FAKE_ENV)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@contextlib.contextmanager
def moto_backend() -> Iterator[boto3.Session]:
    """In-process moto with Step Functions execution on; a session bound to it."""
    with fake_credentials(), mock_aws(config=MOTO_CONFIG):
        yield boto3.Session(region_name="us-east-1")
