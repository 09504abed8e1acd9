"""The API as it runs in its container: uvicorn on a port, keys from its environment, ready,
then a graceful SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
from spec_requests import API_KEY, AUTH, key_document, valid_request

from fraud_scoring_api.model import SpecModel


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_serves_then_shuts_down_gracefully_on_sigterm(
    tmp_path: Path, trained_model: SpecModel
) -> None:
    trained_model.save(tmp_path / "model")
    keys = tmp_path / "keys.json"
    keys.write_text(key_document(tests=API_KEY))
    port = free_port()
    env = {
        **os.environ,
        "MODEL_PATH": str(tmp_path / "model"),
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "GRACEFUL_SHUTDOWN_S": "5",
        "API_KEYS_FILE": str(keys),
        "PYTHONPATH": os.pathsep.join(sys.path),
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "fraud_scoring_api.api"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/ready", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            raise AssertionError("API did not become ready in 30 s")
        url = f"http://127.0.0.1:{port}/predict"
        assert httpx.post(url, json=valid_request(), timeout=5).status_code == 401
        assert httpx.post(url, json=valid_request(), headers=AUTH, timeout=5).status_code == 200
        server.send_signal(signal.SIGTERM)
        output, _ = server.communicate(timeout=20)
    finally:
        if server.poll() is None:
            server.kill()
            server.communicate()
    # uvicorn finishes its graceful shutdown, then re-raises SIGTERM so the exit status tells why.
    assert server.returncode in (0, -signal.SIGTERM), output
    messages = [json.loads(line)["message"] for line in output.splitlines() if line.startswith("{")]
    assert "model loaded" in messages and "shut down" in messages
    assert messages.index("Shutting down") < messages.index("shut down")
