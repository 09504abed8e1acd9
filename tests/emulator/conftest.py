"""Fixtures: a fresh moto backend per test, and moto's server on 127.0.0.1."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from moto.server import ThreadedMotoServer

sys.path.insert(0, str(Path(__file__).parent))

from emulator_support import fake_credentials, moto_backend  # noqa: E402

from archgen_stacks.testing.emulator import configure_moto_server  # noqa: E402


@pytest.fixture
def moto() -> Iterator[boto3.Session]:
    """In-process moto (Step Functions executes); yields a session bound to it."""
    with moto_backend() as session:
        yield session


@pytest.fixture(scope="module")
def moto_server() -> Iterator[str]:
    """moto's HTTP server on 127.0.0.1 (a free port); yields its endpoint URL."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
    with fake_credentials():
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        host, port = server.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        configure_moto_server(endpoint)
        try:
            yield endpoint
        finally:
            server.stop()
