"""The deploy harness: Pulumi mocks whose resources are created in moto.

`MotoMocks` receives every resource registration of a program run under
`deploy` and hands it to the translator of its kind (`translators`), which
creates it in moto through boto3; data source calls go to `data_sources`.
Handlers run on Pulumi's executor threads, so they are serialised with a
lock. In strict mode an input the kind's translator neither applies nor
lists as not emulated fails the deploy (`translators.Translator`), since a
silently dropped input is wiring the tests would wrongly trust. Without a
loopback endpoint the mocks refuse to run outside
`moto.mock_aws()`, so a real AWS account is never touched.

Not emulated: resource updates, deletes and replacements (every deploy
creates), previews, stack references, and provider resources (echoed).
"""

from __future__ import annotations

import asyncio
import contextvars
import json
import threading
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import boto3
import pulumi
from botocore.config import Config as BotoConfig
from botocore.exceptions import BotoCoreError, ClientError
from pulumi.runtime import MockCallArgs, MockResourceArgs, Mocks, set_mocks

from . import _pulumi_internals as internals
from . import data_sources, validation
from ._base import EmulatorError
from .translators import TRANSLATORS

MOTO_CONFIG: dict[str, Any] = {
    "lambda": {"use_docker": False},
    "batch": {"use_docker": False},
    "stepfunctions": {"execute_state_machine": True},
    "iam": {"load_aws_managed_policies": False},
}


def configure_moto_server(endpoint: str) -> None:
    """Apply `MOTO_CONFIG` to a running moto server (its `/moto-api/config`)."""
    request = urllib.request.Request(
        f"{endpoint.rstrip('/')}/moto-api/config",
        data=json.dumps(MOTO_CONFIG).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            response.read()
    except OSError as err:
        raise EmulatorError(f"cannot configure moto server at {endpoint}: {err}") from err


def kind_of(type_token: str) -> str:
    """`aws:sqs/queue:Queue` -> `sqs.Queue`; other tokens are returned unchanged."""
    parts = type_token.split(":")
    if len(parts) == 3 and parts[0] == "aws" and "/" in parts[1]:
        return f"{parts[1].split('/')[0]}.{parts[2]}"
    return type_token


def supported_kinds() -> frozenset[str]:
    """The short kinds (`sqs.Queue`) the emulator creates in moto."""
    return frozenset(TRANSLATORS)


def not_emulated() -> dict[str, dict[str, str]]:
    """Per emulated kind, the input paths knowingly left out of moto and why."""
    return {kind: dict(t.reasons) for kind, t in sorted(TRANSLATORS.items()) if t.reasons}


@dataclass(frozen=True)
class DeployedResource:
    """One resource as the emulator created it: its outputs are what the program saw."""

    type: str
    name: str
    id: str
    outputs: dict[str, Any]

    @property
    def kind(self) -> str:
        """Short type, e.g. `lambda.EventSourceMapping`."""
        return kind_of(self.type)


@dataclass
class DeployResult:
    """Every resource of a deploy, in creation order, and the stack's resolved outputs."""

    resources: list[DeployedResource] = field(default_factory=list)
    outputs: dict[str, Any] = field(default_factory=dict)

    def of_kind(self, kind: str) -> list[DeployedResource]:
        """Resources of one short kind (`sqs.Queue`) or full type token."""
        return [r for r in self.resources if kind in (r.kind, r.type)]

    def one(self, kind: str) -> DeployedResource:
        """The single resource of a kind; EmulatorError when there is not exactly one."""
        found = self.of_kind(kind)
        if len(found) != 1:
            raise EmulatorError(f"expected one {kind}, found {len(found)}")
        return found[0]

    def named(self, kind: str, name: str) -> DeployedResource:
        """The resource of a kind with a logical name."""
        for res in self.of_kind(kind):
            if res.name == name:
                return res
        raise EmulatorError(f"no {kind} named {name!r}")


class MotoMocks(Mocks):
    """Pulumi mocks that create each AWS resource in moto and answer data sources from it."""

    def __init__(
        self,
        session_or_endpoint: boto3.Session | str | None = None,
        *,
        strict: bool = True,
        region: str = "us-east-1",
    ) -> None:
        if isinstance(session_or_endpoint, str):
            self.session = boto3.Session(
                aws_access_key_id="testing",
                aws_secret_access_key="testing",
                region_name=region,
            )
            self.endpoint_url: str | None = session_or_endpoint
        else:
            self.session = session_or_endpoint or boto3.Session(region_name=region)
            self.endpoint_url = None
        self.region: str = self.session.region_name or region
        self.strict = strict
        self.resources: list[DeployedResource] = []
        self.unsupported: list[str] = []
        self.errors: list[str] = []
        self.adjustments: list[str] = []
        """What was stored in moto differently from the program's inputs, and why."""
        self.collect_failures = False
        self._deferred: list[tuple[str, Callable[[], object]]] = []
        self._current = ""
        self._lock = threading.RLock()
        self._clients: dict[str, Any] = {}
        self._account: str | None = None

    # -- boto3 ------------------------------------------------------------
    def client(self, service: str) -> Any:
        """A cached boto3 client on the emulator's session or endpoint (moto only).

        Every request it makes is first checked against AWS's own constraints
        (`validation`), which moto does not enforce.
        """
        with self._lock:
            if service not in self._clients:
                _ensure_moto(self.endpoint_url)
                self._clients[service] = self.session.client(
                    service,
                    region_name=self.region,
                    endpoint_url=self.endpoint_url,
                    config=BotoConfig(retries={"max_attempts": 1}),
                )
                validation.install(self._clients[service])
            return self._clients[service]

    @property
    def account_id(self) -> str:
        """Account id of the moto backend (from STS)."""
        if self._account is None:
            self._account = str(self.client("sts").get_caller_identity()["Account"])
        return self._account

    def physical_name(self, inputs: Mapping[str, Any], name: str, key: str = "name") -> str:
        """The name an input sets, else `<name>-<7 hex>` the way Pulumi auto-names."""
        given = inputs.get(key)
        if given:
            return str(given)
        prefix = inputs.get(f"{key}Prefix")
        suffix = uuid.uuid4().hex[:7]
        return f"{prefix}{suffix}" if prefix else f"{name}-{suffix}"

    def after_deploy(self, check: Callable[[], object]) -> None:
        """Run `check` at the end of the deploy: AWS checks some wiring against the final state."""
        if self.collect_failures:
            self._deferred.append((self._current, check))
        else:
            check()

    def _run_deferred(self) -> None:
        deferred, self._deferred = self._deferred, []
        for where, check in deferred:
            try:
                check()
            except (ClientError, BotoCoreError, KeyError, ValueError, TypeError) as err:
                self._fail(f"{where}: {err}", err)

    # -- pulumi Mocks -----------------------------------------------------
    def new_resource(self, args: MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        """Create the resource in moto (serialised) and return its id and outputs."""
        inputs = internals.reveal_secrets(dict(args.inputs))
        kind = kind_of(args.typ)
        with self._lock:
            translator = TRANSLATORS.get(kind)
            if translator is None:
                if args.custom and not args.typ.startswith("pulumi:providers:"):
                    if self.strict and not self.collect_failures:
                        raise EmulatorError(f"unsupported resource type: {args.typ}")
                    if args.typ not in self.unsupported:
                        self.unsupported.append(args.typ)
                rid = f"{args.name}-id"
                outputs = inputs
            else:
                unknown = translator.unknown_inputs(inputs)
                if unknown and self.strict:
                    self._fail(
                        f"{args.typ} {args.name!r}: {kind} input(s) {', '.join(unknown)} "
                        "neither applied in moto nor listed as not emulated "
                        f"(see {translator.module})"
                    )
                self._current = f"{args.typ} {args.name!r}"
                try:
                    rid, extra = translator.handler(self, args.name, inputs)
                except (ClientError, BotoCoreError, KeyError, ValueError, TypeError) as err:
                    self._fail(f"{args.typ} {args.name!r}: {err}", err)
                    rid, extra = f"{args.name}-failed", {}
                outputs = {**inputs, **extra}
            self.resources.append(DeployedResource(args.typ, args.name, rid, outputs))
            return rid, outputs

    def _fail(self, message: str, cause: BaseException | None = None) -> None:
        """Raise at once outside `deploy`; inside it, collect for the deploy's one error."""
        if not self.collect_failures:
            raise EmulatorError(message) from cause
        self.errors.append(message)

    def call(self, args: MockCallArgs) -> dict[str, Any]:  # type: ignore[override]
        """Answer the data sources the stacks use from moto."""
        with self._lock:
            return data_sources.answer(self, args.token, args.args, strict=self.strict)


def _ensure_event_loop() -> None:
    """Pulumi's mocks register resources on the thread's event loop: make sure there is one.

    `asyncio.run()` elsewhere in the process (a web server, a test) leaves the
    main thread without a loop, and the next deploy would fail on it.
    """
    try:
        loop = asyncio.get_event_loop_policy().get_event_loop()
    except RuntimeError:
        loop = None
    if loop is None or loop.is_closed():
        asyncio.set_event_loop(asyncio.new_event_loop())


def deploy(
    program: Callable[[], None],
    *,
    mocks: MotoMocks,
    stack: str = "dev",
    project: str = "archgen",
    config: Mapping[str, str] | None = None,
) -> DeployResult:
    """Run `program` as stack `project/stack` under `mocks` and return what it created.

    `config` holds full keys (`archgen:pattern`). Each call runs in its own
    context, so successive deploys in one process do not share a root stack.
    """

    _ensure_moto(mocks.endpoint_url)  # before the program starts: nothing half-registered

    def run() -> DeployResult:
        _ensure_event_loop()
        internals.forget_root_stack()
        pulumi.runtime.set_all_config(dict(config or {}))
        set_mocks(mocks, project, stack, preview=False)
        # Output tasks of an earlier deploy that failed would be awaited (and
        # re-raise) in this one: start from none, as pulumi.runtime.test does.
        internals.clear_pending_outputs()
        outputs: dict[str, Any] = {}
        first = len(mocks.resources)
        mocks.collect_failures = True

        def body() -> Any:
            program()
            exported = internals.root_stack_exports()

            async def resolve() -> None:
                for key, value in exported.items():
                    outputs[key] = await pulumi.Output.from_input(value).future()

            return resolve()

        try:
            internals.run_program(body)
            with mocks._lock:
                mocks._run_deferred()
        except EmulatorError:
            raise
        except Exception as err:
            problems = mocks.errors + _unsupported_message(mocks)
            if problems:
                raise EmulatorError("; ".join(problems)) from err
            raise EmulatorError(f"stack program failed: {err}") from err
        finally:
            mocks.collect_failures = False
            mocks._deferred = []
            internals.clear_output_tasks()  # nothing of a failed run lingers
        problems = mocks.errors + _unsupported_message(mocks)
        mocks.errors = []
        if problems:
            raise EmulatorError("; ".join(problems))
        return DeployResult(list(mocks.resources[first:]), outputs)

    return contextvars.copy_context().run(run)


def _unsupported_message(mocks: MotoMocks) -> list[str]:
    if mocks.strict and mocks.unsupported:
        return ["unsupported resource types: " + ", ".join(sorted(mocks.unsupported))]
    return []


_LOOPBACK = ("127.0.0.1", "localhost", "::1", "[::1]")


def _ensure_moto(endpoint: str | None) -> None:
    """Refuse to create anything anywhere but moto: a real account is never touched."""
    if endpoint is not None:
        host = urllib.parse.urlsplit(endpoint).hostname or ""
        if host not in _LOOPBACK:
            raise EmulatorError(f"moto server endpoint must be on this machine, got {endpoint}")
        return
    from moto.core.models import MockAWS

    if MockAWS._nested_count < 1:
        raise EmulatorError(
            "MotoMocks without an endpoint needs moto in-process: run inside moto.mock_aws()"
        )
