"""A property-based fuzzer drives the API as it serves: uvicorn on 127.0.0.1, real sockets.

schemathesis reads the app's own OpenAPI document and sends requests that fit
it and requests that break it (wrong types, missing and extra fields,
out-of-range values); its checks hold the answers to the document: no 5xx,
only documented statuses and content types, bodies that match their schemas,
invalid data refused and valid data accepted. A second fuzzer sends raw bytes,
since the worst bodies are not JSON at all.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator, Mapping
from typing import Any

import httpx
import pytest
import schemathesis
import uvicorn
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import Case, GenerationMode
from spec_requests import API_KEY, AUTH, valid_request, with_keys

from {{ cookiecutter.package_name }}.api.app import app, create_app
from {{ cookiecutter.package_name }}.config import Settings
from {{ cookiecutter.package_name }}.model import SpecModel
from {{ cookiecutter.package_name }}.spec import FEATURE_NAMES, ID_FIELD

SCHEMA = schemathesis.openapi.from_dict(app.openapi())
FUZZ = settings(
    max_examples=200,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
PREDICT_STATUSES = {200, 413, 415, 422}
FEEDBACK_STATUSES = {202, 413, 415, 422}


class ListSink:
    """Training records kept in memory, so `/feedback` answers as in a deployment."""

    enabled = True

    def __init__(self) -> None:
        self.records: list[tuple[str, dict[str, Any]]] = []

    def write(self, kind: str, record: Mapping[str, Any]) -> None:
        self.records.append((kind, dict(record)))

    def close(self, timeout_s: float = 10.0) -> None:
        """Nothing buffered."""


@SCHEMA.auth()
class ApiKey:
    """The API key on every generated case, the way schemathesis's auth check expects it: it
    takes the key out again and sends each request without one and with a wrong one, and
    fails the test unless both are refused."""

    def get(self, case: Case[Any], context: Any) -> str:
        return API_KEY

    def set(self, case: Case[Any], data: str, context: Any) -> None:
        case.headers["Authorization"] = f"Bearer {data}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def base_url(trained_model: SpecModel) -> Iterator[str]:
    """The app served by uvicorn on a free 127.0.0.1 port, in a thread, for this module."""
    port = free_port()
    config = uvicorn.Config(
        with_keys(create_app(Settings.from_env({}), trained_model, records=ListSink())),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        lifespan="on",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise AssertionError("uvicorn did not start")
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def http(base_url: str) -> Iterator[httpx.Client]:
    """One keep-alive connection to the served app, sending the API key."""
    with httpx.Client(base_url=base_url, timeout=10, headers=AUTH) as client:
        yield client


def cases(path: str) -> st.SearchStrategy[Case[Any]]:
    """Valid and invalid generated requests to `POST path`."""
    operation = SCHEMA[path]["POST"]
    return st.one_of(
        operation.as_strategy(generation_mode=GenerationMode.POSITIVE),
        operation.as_strategy(generation_mode=GenerationMode.NEGATIVE),
    )


def check_answer(base_url: str, case: Case[Any], statuses: set[int]) -> None:
    """The answer matches the document; negative cases may leave the key out or mangle it on
    purpose: those, and only those, get 401."""
    response = case.call_and_validate(base_url=base_url)
    keyed = case.headers.get("Authorization") == AUTH["authorization"]
    assert response.status_code in (statuses if keyed else {401})
    response.json()


@FUZZ
@given(case=cases("/predict"))
def test_predict_holds_to_its_openapi_document(base_url: str, case: Case[Any]) -> None:
    check_answer(base_url, case, PREDICT_STATUSES)


@FUZZ
@given(case=cases("/feedback"))
def test_feedback_holds_to_its_openapi_document(base_url: str, case: Case[Any]) -> None:
    check_answer(base_url, case, FEEDBACK_STATUSES)


@pytest.mark.parametrize("path", ["/health", "/ready"])
def test_probes_hold_to_the_openapi_document(base_url: str, path: str) -> None:
    operation = SCHEMA[path]["GET"]

    @settings(max_examples=5, deadline=None)
    @given(case=operation.as_strategy())
    def check(case: Case[Any]) -> None:
        case.call_and_validate(base_url=base_url)

    check()


RAW_TOKENS = [
    b"NaN",
    b"Infinity",
    b"-Infinity",
    b"1e309",
    b"-1e400",
    b"9" * 400,
    b"-" + b"9" * 5000,
    b"0x1F",
    b"01",
    b"1.",
    b".5",
    b"+1",
    b"true",
    b"null",
    b"[]",
    b"{}",
    b'"\\ud800"',
    b'"\xff"',
    b'"\xed\xa0\x80"',
    b'"\x00"',
    b"[" * 3000,
    b'{"a":' * 1000,
]


def raw_bodies() -> st.SearchStrategy[bytes]:
    """Bytes that are not a valid request: noise, and a valid request with one value mangled."""
    template = json.dumps(valid_request("fuzz")).encode()
    fields = [ID_FIELD, *FEATURE_NAMES]

    @st.composite
    def mangled(draw: st.DrawFn) -> bytes:
        field = draw(st.sampled_from(fields))
        token = draw(st.sampled_from(RAW_TOKENS) | st.binary(max_size=64))
        body = json.dumps({**valid_request("fuzz"), field: "@@"}).encode()
        return body.replace(b'"@@"', token)

    return st.one_of(
        st.binary(max_size=512),
        mangled(),
        st.builds(lambda cut: template[:cut], st.integers(0, len(template))),
        st.builds(lambda noise: template + noise, st.binary(min_size=1, max_size=16)),
    )


@FUZZ
@given(
    body=raw_bodies(),
    content_type=st.sampled_from(
        ["application/json", "application/json; charset=utf-8", "text/plain", ""]
    ),
)
def test_raw_bytes_never_get_a_5xx(http: httpx.Client, body: bytes, content_type: str) -> None:
    headers = {"content-type": content_type} if content_type else {}
    response = http.post("/predict", content=body, headers=headers)
    assert response.status_code in PREDICT_STATUSES, response.text
    assert response.headers["content-type"] == "application/json"
    answer = response.json()
    if response.status_code != 200:
        assert set(answer) == {"error", "message", "detail"}
        assert all("input" not in item for item in answer["detail"])


KEYLESS = schemathesis.openapi.from_dict(app.openapi())
"""The same document without the auth provider: its cases carry no key."""


@settings(max_examples=25, deadline=None, derandomize=True)
@given(case=KEYLESS["/predict"]["POST"].as_strategy(generation_mode=GenerationMode.POSITIVE))
def test_without_a_key_predict_gets_the_documented_401(base_url: str, case: Case[Any]) -> None:
    response = case.call_and_validate(base_url=base_url)
    assert response.status_code == 401
    assert response.headers["www-authenticate"][0].startswith("Bearer ")


@FUZZ
@given(body=raw_bodies())
def test_raw_bytes_never_get_a_5xx_from_feedback(http: httpx.Client, body: bytes) -> None:
    response = http.post("/feedback", content=body, headers={"content-type": "application/json"})
    assert response.status_code in FEEDBACK_STATUSES, response.text
    assert set(response.json()) in ({"error", "message", "detail"}, {"request_id", "status"})
