"""API keys for service-to-service callers, checked on every route but the open ones.

Keys live in one AWS Secrets Manager secret (API_KEYS_SECRET_ID), as JSON:
`{"keys": {"<caller>": "<key>", ...}}` (or a list of keys). Every key listed is
valid, so a team rotates by adding the new key, moving callers to it, then
removing the old one. The service keeps only SHA-256 digests of the keys and
compares the digest of what a caller presents with each of them in constant
time. It re-reads the secret every API_KEYS_REFRESH_S seconds (default 300),
and after a failed check at most once every API_KEYS_RETRY_S (default 10), so
a key added a moment ago works at once and a flood of bad keys costs one read
per window.

A caller sends `Authorization: Bearer <key>` or `x-api-key: <key>`. The probes
(/health, /ready) and the OpenAPI document stay open; every other path, routes
added later and unknown paths alike, is refused with 401 and the `Problem`
body unless the key is valid. Until a key is put into the secret (a first
deploy), those paths answer 503 saying what to set, while the probes answer.
API_AUTH=none (the stack's `apiAuth: none`) turns the check off; API_KEYS_FILE
reads the same JSON from a local file, for running the container locally.
A failed attempt is logged at WARNING as `authentication failed` (never the
key); the stack counts those lines as a CloudWatch metric.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, Protocol

import anyio
from fastapi import FastAPI
from starlette.types import ASGIApp, Receive, Scope, Send

from .errors import problem_response

log = logging.getLogger("credit_decisions.api")

OPEN_PATHS = frozenset({"/health", "/ready"})
"""Paths answered without a key, besides the OpenAPI document and its pages."""
MIN_KEY_LENGTH = 32
"""Shorter keys in the secret are ignored (`secrets.token_urlsafe(32)` gives 43 characters)."""
MAX_KEY_LENGTH = 1024
"""A presented key longer than this is refused without hashing it."""
REFRESH_S = 300.0
RETRY_S = 10.0
SCHEMES: dict[str, dict[str, str]] = {
    "bearer": {"type": "http", "scheme": "bearer", "description": "Authorization: Bearer <key>"},
    "apiKey": {"type": "apiKey", "in": "header", "name": "x-api-key"},
}
"""The OpenAPI security schemes: either header carries the same key."""
CHALLENGE = 'Bearer realm="credit-decisions"'
SETUP_HINT = (
    "no API key is set: put one into the Secrets Manager secret API_KEYS_SECRET_ID names "
    '(aws secretsmanager put-secret-value --secret-string \'{"keys": {"caller": "<key>"}}\')'
)


class AuthConfigError(ValueError):
    """The key document cannot be read: not JSON, or not `{"keys": ...}` of strings."""


class KeySource(Protocol):
    """Where the key document comes from; `fetch` returns its text, or None while none is set."""

    def fetch(self) -> str | None: ...


@dataclass(frozen=True)
class SecretsManagerKeys:
    """The current version (AWSCURRENT) of one Secrets Manager secret."""

    secret_id: str
    region: str | None = None
    client: Any = None
    """A boto3 Secrets Manager client to use (default: one for `region`)."""

    def fetch(self) -> str | None:
        import boto3

        client = self.client or boto3.client("secretsmanager", region_name=self.region)
        try:
            value: Mapping[str, Any] = client.get_secret_value(SecretId=self.secret_id)
        except client.exceptions.ResourceNotFoundException:
            return None  # the secret exists (the stack made it) but nobody put a value yet
        secret = value.get("SecretString")
        return secret if isinstance(secret, str) else None


@dataclass(frozen=True)
class FileKeys:
    """A local file holding the key document (a container run on a laptop)."""

    path: Path

    def fetch(self) -> str | None:
        try:
            return self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None


@dataclass(frozen=True)
class StaticKeys:
    """A fixed key document, for tests and embedding."""

    document: str | None

    def fetch(self) -> str | None:
        return self.document


def digest(key: str) -> bytes:
    """The SHA-256 of a key: what the service keeps and compares."""
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).digest()


def parse_keys(document: str) -> dict[str, bytes]:
    """Caller name -> key digest, from `{"keys": {"name": "key"}}` or `{"keys": ["key", ...]}`.

    Keys shorter than MIN_KEY_LENGTH are skipped with a warning that names the
    caller, never the key.
    """
    try:
        parsed = json.loads(document)
    except ValueError as err:
        raise AuthConfigError("the API key document is not JSON") from err
    keys = parsed.get("keys") if isinstance(parsed, dict) else None
    if isinstance(keys, list):
        keys = {f"key-{n}": value for n, value in enumerate(keys, 1)}
    if not isinstance(keys, dict) or not all(isinstance(v, str) for v in keys.values()):
        raise AuthConfigError('the API key document must be {"keys": {"<caller>": "<key>"}}')
    digests: dict[str, bytes] = {}
    for name, key in keys.items():
        if len(key) < MIN_KEY_LENGTH:
            log.warning(
                "API key ignored: shorter than %d characters",
                MIN_KEY_LENGTH,
                extra={"caller": str(name)[:64]},
            )
            continue
        digests[str(name)[:64]] = digest(key)
    return digests


@dataclass
class ApiKeys:
    """The valid keys (as digests), re-read from `source` when due; thread-safe."""

    source: KeySource
    refresh_s: float = REFRESH_S
    retry_s: float = RETRY_S
    clock: Callable[[], float] = time.monotonic
    failures: Counter[str] = field(default_factory=Counter)
    """Refused requests by reason (`missing`, `invalid`, `not_configured`)."""
    _digests: dict[str, bytes] = field(default_factory=dict, init=False, repr=False)
    _loaded: bool = field(default=False, init=False)
    _attempted_at: float | None = field(default=None, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    @property
    def configured(self) -> bool:
        """At least one key is set."""
        return bool(self._digests)

    def due(self, *, failed: bool = False) -> bool:
        """Whether to read the source now: never read, stale, or after a failure past `retry_s`."""
        if self._attempted_at is None:
            return True
        age = self.clock() - self._attempted_at
        return age >= self.refresh_s or (failed and age >= self.retry_s)

    def refresh(self, *, failed: bool = False) -> None:
        """Read the source if due; a concurrent reader waits only while no key was ever read.

        A source that fails keeps the keys already read, so a Secrets Manager
        hiccup does not lock every caller out.
        """
        if not self._lock.acquire(blocking=not self._loaded):
            return
        try:
            if not self.due(failed=failed):
                return
            self._attempted_at = self.clock()
            try:
                document = self.source.fetch()
                self._digests = parse_keys(document) if document is not None else {}
            except Exception as err:  # noqa: BLE001 - any source failure: keep the last keys
                log.error(
                    "API keys could not be read; keeping the previous ones",
                    extra={"error": type(err).__name__, "keys": len(self._digests)},
                )
            else:
                if not self._digests:
                    log.warning("no API key is set: protected routes answer 503")
            self._loaded = True
        finally:
            self._lock.release()

    def caller(self, presented: str | None) -> str | None:
        """The caller name whose key `presented` is, else None; compares every digest."""
        if not presented or len(presented) > MAX_KEY_LENGTH:
            return None
        given = digest(presented)
        found: str | None = None
        for name, stored in self._digests.items():
            if hmac.compare_digest(given, stored):
                found = name
        return found


def presented_key(headers: list[tuple[bytes, bytes]]) -> str | None:
    """The key of `Authorization: Bearer <key>`, else of `x-api-key`, else None."""
    bearer: str | None = None
    header: str | None = None
    for name, value in headers:
        if name == b"authorization" and bearer is None:
            scheme, _, token = value.decode("latin-1").strip().partition(" ")
            if scheme.lower() == "bearer" and token.strip():
                bearer = token.strip()
        elif name == b"x-api-key" and header is None:
            header = value.decode("latin-1").strip() or None
    return bearer if bearer is not None else header


def keys_from_env(environ: Mapping[str, str] | None = None) -> ApiKeys | None:
    """The keys the environment names; None when API_AUTH=none turns the check off."""
    env = os.environ if environ is None else environ
    mode = env.get("API_AUTH", "apiKey")
    if mode.lower() == "none":
        return None
    if mode != "apiKey":
        raise AuthConfigError(f"API_AUTH must be apiKey or none, not {mode[:40]!r}")
    refresh = float(env.get("API_KEYS_REFRESH_S", REFRESH_S))
    retry = float(env.get("API_KEYS_RETRY_S", RETRY_S))
    source: KeySource
    if env.get("API_KEYS_SECRET_ID"):
        source = SecretsManagerKeys(env["API_KEYS_SECRET_ID"], env.get("AWS_REGION"))
    elif env.get("API_KEYS_FILE"):
        source = FileKeys(Path(env["API_KEYS_FILE"]))
    else:
        source = StaticKeys(None)
    return ApiKeys(source, refresh_s=refresh, retry_s=retry)


def _route_path(scope: Scope) -> str:
    """The path the router matches (without the root path), as Starlette computes it."""
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    if root and path.startswith(root) and (path == root or path[len(root)] == "/"):
        return path[len(root) :]
    return path


class ApiKeyMiddleware:
    """Refuse every request outside `open_paths` that lacks a valid key (pure ASGI, cheap)."""

    def __init__(self, app: ASGIApp, open_paths: frozenset[str]) -> None:
        self.app = app
        self.open_paths = open_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or _route_path(scope) in self.open_paths:
            await self.app(scope, receive, send)
            return
        state = scope["app"].state
        if not hasattr(state, "api_keys"):
            state.api_keys = keys_from_env()
            if state.api_keys is None:
                log.warning("API authentication is off (API_AUTH=none)")
        keys: ApiKeys | None = state.api_keys
        if keys is None:
            await self.app(scope, receive, send)
            return
        if keys.due():
            await anyio.to_thread.run_sync(keys.refresh)
        presented = presented_key(scope["headers"])
        name = keys.caller(presented)
        if name is None and presented is not None and keys.due(failed=True):
            await anyio.to_thread.run_sync(partial(keys.refresh, failed=True))
            name = keys.caller(presented)
        if name is not None:
            scope.setdefault("state", {})["caller"] = name  # request.state.caller
            await self.app(scope, receive, send)
            return
        reason = "not_configured" if not keys.configured else "invalid" if presented else "missing"
        keys.failures[reason] += 1
        log.warning(
            "authentication failed",
            extra={
                "reason": reason,
                "method": scope.get("method", ""),
                "path": _route_path(scope)[:200],
                "client": (scope.get("client") or ("", 0))[0],
            },
        )
        if reason == "not_configured":
            response = problem_response(503, SETUP_HINT)
        else:
            message = "a valid API key is required (Authorization: Bearer <key> or x-api-key)"
            error = ', error="invalid_token"' if presented else ""
            challenge = {"WWW-Authenticate": CHALLENGE + error}
            response = problem_response(401, message, headers=challenge)
        await response(scope, receive, send)


def install_auth(app: FastAPI, keys: ApiKeys | None = None) -> FastAPI:
    """Protect every route of `app` but the probes and the docs, and document it in OpenAPI.

    `keys` (tests, embedding) wins; otherwise the environment names them at the
    first request (`keys_from_env`).
    """
    if keys is not None:
        app.state.api_keys = keys
    docs = {app.openapi_url, app.docs_url, app.redoc_url, app.swagger_ui_oauth2_redirect_url}
    open_paths = OPEN_PATHS | {path for path in docs if path}
    app.add_middleware(ApiKeyMiddleware, open_paths=frozenset(open_paths))
    build = app.openapi

    def openapi() -> dict[str, Any]:
        """The document with the security schemes, and 401 on every protected operation."""
        document = build()
        components = document.setdefault("components", {})
        if "securitySchemes" not in components:
            components["securitySchemes"] = SCHEMES
            document["security"] = [{name: []} for name in SCHEMES]
            unauthorized = {
                "description": "Unauthorized",
                "headers": {"WWW-Authenticate": {"schema": {"type": "string"}}},
                "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/Problem"}}
                },
            }
            for path, operations in document.get("paths", {}).items():
                for operation in operations.values():
                    if path in open_paths:
                        operation["security"] = []
                    else:
                        operation.setdefault("responses", {})["401"] = unauthorized
        return document

    app.openapi = openapi  # type: ignore[method-assign]
    return app
