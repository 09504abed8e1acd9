"""Offline deploy: run a Pulumi AWS program with every resource created in moto.

A stack program run under `MotoMocks` "deploys" into moto: each resource is
created through boto3 and gets moto's real ids, ARNs, names and URLs as its
outputs, so tests can read the wiring back with boto3 and push data through it
without an AWS account, the Pulumi CLI or Docker.

Public API:

- `MotoMocks(session_or_endpoint=None, *, strict=True, region="us-east-1")` — the
  `pulumi.runtime.Mocks`. `session_or_endpoint` is a `boto3.Session`, a moto
  server URL on this machine such as `http://127.0.0.1:5000`, or None for the
  ambient session. Without an endpoint it refuses to run outside
  `moto.mock_aws()`, so a real AWS account is never touched. In strict mode a
  resource type it cannot create fails the deploy with a message listing every
  such type; otherwise those resources are echoed (inputs returned as outputs).
- `deploy(program, *, mocks, stack="dev", project="archgen", config=None)
  -> DeployResult` — runs `program()` as a stack under `mocks`, waits for every
  resource, and returns what was created plus the resolved stack outputs.
- `supported_kinds()` — the short kinds created in moto; `kind_of(token)`
  turns `aws:sqs/queue:Queue` into `sqs.Queue`.
- `DeployResult.of_kind("sqs.Queue")`, `.one("sqs.Queue")`, `.named(kind, name)`
  and `DeployedResource` (`kind`, `type`, `name`, `id`, `outputs`).
- `MOTO_CONFIG` — the moto settings the emulator expects: Lambda without
  Docker (moto would otherwise try to run the function on every record), Step
  Functions executing definitions, AWS managed IAM policies not loaded (over a
  second per backend; attaching one is then recorded on the attachment
  resource only). Use `mock_aws(config=MOTO_CONFIG)` in-process, or
  `configure_moto_server(endpoint)` for a moto server.
- `stub_task_states(definition, results=None, *, fail=())` and
  `run_state_machine(mocks, definition, *, role_arn, input=None, name=None)`:
  moto runs Step Functions definitions (Pass/Choice/Map/Parallel/Retry/Catch,
  SDK tasks) but not ECS or Batch tasks. The first returns a copy of a
  definition whose ECS/Batch task states (and any Task named in `results`)
  are Pass states carrying the given result, and whose states named in `fail`
  are SDK calls that fail so their Catch runs; the second creates it as a new
  state machine in moto, runs it once and returns `Execution` (status, output,
  error, cause, the states entered in order, the failures on the way).
- `MotoMocks.adjustments` — every place moto holds something other than the
  program asked for, because moto would mis-evaluate it (today: conditional
  Deny statements of bucket policies, see `moto_safe_policy`; a log-delivery
  ACL on an access-log bucket that grants nothing yet); the resource's
  outputs always keep the inputs as written.
- `EmulatorError` — raised when a resource cannot be created (its type, name
  and moto's message), when strict mode meets unsupported types, or when the
  program itself fails. It is a plain RuntimeError so this module stays
  self-contained when copied into a generated project's `infra/components/`.

Facts this relies on (pulumi 3.x mocks): inputs arrive with camelCase keys and
numbers as floats; an output the mock does not return resolves to None, so
every handler returns the inputs merged with the real attributes; handlers run
on executor threads, so they are serialised with a lock. Component resources
(`archgen:*`) reach the mocks too, as non-custom resources, and are echoed.
"""

from __future__ import annotations

import asyncio
import contextvars
import io
import json
import threading
import time
import urllib.parse
import urllib.request
import uuid
import zipfile
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import pulumi
from botocore.config import Config as BotoConfig
from botocore.exceptions import BotoCoreError, ClientError
from pulumi.runtime import settings as pulumi_settings
from pulumi.runtime.mocks import MockCallArgs, MockResourceArgs, Mocks, set_mocks
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await

__all__ = [
    "supported_kinds",
    "moto_safe_policy",
    "Execution",
    "run_state_machine",
    "stub_task_states",
    "MOTO_CONFIG",
    "configure_moto_server",
    "DeployResult",
    "DeployedResource",
    "EmulatorError",
    "MotoMocks",
    "deploy",
    "kind_of",
]

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


Handler = Callable[["MotoMocks", str, dict[str, Any]], tuple[str, dict[str, Any]]]
_HANDLERS: dict[str, Handler] = {}


class EmulatorError(RuntimeError):
    """A resource or data source could not be emulated in moto."""


def kind_of(type_token: str) -> str:
    """`aws:sqs/queue:Queue` -> `sqs.Queue`; other tokens are returned unchanged."""
    parts = type_token.split(":")
    if len(parts) == 3 and parts[0] == "aws" and "/" in parts[1]:
        return f"{parts[1].split('/')[0]}.{parts[2]}"
    return type_token


def supported_kinds() -> frozenset[str]:
    """The short kinds (`sqs.Queue`) the emulator creates in moto."""
    return frozenset(_HANDLERS)


def _handles(*kinds: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        for kind in kinds:
            _HANDLERS[kind] = fn
        return fn

    return register


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
        self.region = self.session.region_name or region
        self.strict = strict
        self.resources: list[DeployedResource] = []
        self.unsupported: list[str] = []
        self.errors: list[str] = []
        self.adjustments: list[str] = []
        """What was stored in moto differently from the program's inputs, and why."""
        self.collect_failures = False
        self._lock = threading.RLock()
        self._clients: dict[str, Any] = {}
        self._account: str | None = None

    # -- boto3 ------------------------------------------------------------
    def client(self, service: str) -> Any:
        """A cached boto3 client on the emulator's session or endpoint (moto only)."""
        with self._lock:
            if service not in self._clients:
                _ensure_moto(self.endpoint_url)
                self._clients[service] = self.session.client(
                    service,
                    region_name=self.region,
                    endpoint_url=self.endpoint_url,
                    config=BotoConfig(retries={"max_attempts": 1}),
                )
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

    # -- pulumi Mocks -----------------------------------------------------
    def new_resource(self, args: MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        """Create the resource in moto (serialised) and return its id and outputs."""
        inputs = dict(args.inputs)
        kind = kind_of(args.typ)
        with self._lock:
            handler = _HANDLERS.get(kind)
            if handler is None:
                if args.custom and not args.typ.startswith("pulumi:providers:"):
                    if self.strict and not self.collect_failures:
                        raise EmulatorError(f"unsupported resource type: {args.typ}")
                    if args.typ not in self.unsupported:
                        self.unsupported.append(args.typ)
                rid = f"{args.name}-id"
                outputs = inputs
            else:
                try:
                    rid, extra = handler(self, args.name, inputs)
                except (ClientError, BotoCoreError, KeyError, ValueError, TypeError) as err:
                    message = f"{args.typ} {args.name!r}: {err}"
                    if not self.collect_failures:
                        raise EmulatorError(message) from err
                    self.errors.append(message)
                    rid, extra = f"{args.name}-failed", {}
                outputs = {**inputs, **extra}
            self.resources.append(DeployedResource(args.typ, args.name, rid, outputs))
            return rid, outputs

    def call(self, args: MockCallArgs) -> dict[str, Any]:  # type: ignore[override]
        """Answer the data sources the stacks use from moto."""
        with self._lock:
            token = args.token
            if token == "aws:index/getCallerIdentity:getCallerIdentity":
                ident = self.client("sts").get_caller_identity()
                return {
                    "accountId": ident["Account"],
                    "arn": ident["Arn"],
                    "userId": ident["UserId"],
                    "id": ident["Account"],
                }
            if token == "aws:index/getRegion:getRegion":
                return {
                    "name": self.region,
                    "region": self.region,
                    "id": self.region,
                    "endpoint": f"ec2.{self.region}.amazonaws.com",
                    "description": self.region,
                }
            if token == "aws:index/getPartition:getPartition":
                return {
                    "partition": "aws",
                    "id": "aws",
                    "dnsSuffix": "amazonaws.com",
                    "reverseDnsPrefix": "com.amazonaws",
                }
            if token == "aws:index/getAvailabilityZones:getAvailabilityZones":
                zones = self.client("ec2").describe_availability_zones()["AvailabilityZones"]
                return {
                    "names": [z["ZoneName"] for z in zones],
                    "zoneIds": [z["ZoneId"] for z in zones],
                    "groupNames": sorted({z.get("GroupName", self.region) for z in zones}),
                    "id": self.region,
                    "region": self.region,
                }
            if token == "aws:iam/getPolicyDocument:getPolicyDocument":
                doc = _policy_document(args.args)
                text = json.dumps(doc, indent=2)
                return {"json": text, "minifiedJson": json.dumps(doc), "id": str(hash(text))}
            if self.strict:
                raise EmulatorError(f"unsupported data source: {token}")
            return dict(args.args)


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
        pulumi_settings.ROOT.set(None)
        pulumi.runtime.set_all_config(dict(config or {}))
        set_mocks(mocks, project, stack, preview=False)
        # Output tasks of an earlier deploy that failed would be awaited (and
        # re-raise) in this one: start from none, as pulumi.runtime.test does.
        pulumi_settings.SETTINGS.outputs.clear()
        pulumi_settings.SETTINGS.rpc_manager.clear()
        outputs: dict[str, Any] = {}
        first = len(mocks.resources)
        mocks.collect_failures = True

        def body() -> Any:
            program()
            root = pulumi_settings.get_root_resource()
            exported: dict[str, Any] = dict(getattr(root, "outputs", {}) or {})

            async def resolve() -> None:
                for key, value in exported.items():
                    outputs[key] = await pulumi.Output.from_input(value).future()

            return resolve()

        try:
            _sync_await(run_pulumi_func(body))
        except EmulatorError:
            raise
        except Exception as err:
            problems = mocks.errors + _unsupported_message(mocks)
            if problems:
                raise EmulatorError("; ".join(problems)) from err
            raise EmulatorError(f"stack program failed: {err}") from err
        finally:
            mocks.collect_failures = False
            pulumi_settings.SETTINGS.outputs.clear()  # nothing of a failed run lingers
        problems = mocks.errors + _unsupported_message(mocks)
        mocks.errors = []
        if problems:
            raise EmulatorError("; ".join(problems))
        return DeployResult(list(mocks.resources[first:]), outputs)

    return contextvars.copy_context().run(run)


_STUBBED_SERVICES = (":states:::ecs:", ":states:::batch:")
_FAILING_CALL = "arn:aws:states:::aws-sdk:sqs:getQueueUrl"


def stub_task_states(
    definition: str | Mapping[str, Any],
    results: Mapping[str, Any] | None = None,
    *,
    fail: Collection[str] = (),
) -> str:
    """A copy of a state machine definition that moto can run end to end.

    Each ECS or Batch task state, and any other Task state named in
    `results`, becomes a Pass state whose result is `results[name]` (default
    `{}`; give the value after the state's ResultSelector), keeping its
    ResultPath, InputPath, OutputPath and Next/End. A state named in `fail` becomes an SDK call that
    fails in moto (no queue of that name exists) and keeps its Catch, so the
    failure path runs; its Retry is dropped to keep runs fast.
    """
    doc = (
        json.loads(definition)
        if isinstance(definition, str)
        else json.loads(json.dumps(definition))
    )
    _stub_states(doc, dict(results or {}), set(fail))
    return json.dumps(doc)


def _stub_states(machine: dict[str, Any], results: dict[str, Any], fail: set[str]) -> None:
    for name, state in list(machine.get("States", {}).items()):
        kind = state.get("Type")
        if kind == "Parallel":
            for branch in state.get("Branches", []):
                _stub_states(branch, results, fail)
        elif kind == "Map":
            inner = state.get("ItemProcessor") or state.get("Iterator")
            if inner:
                _stub_states(inner, results, fail)
        elif kind == "Task" and (
            name in results
            or name in fail
            or any(s in str(state.get("Resource", "")) for s in _STUBBED_SERVICES)
        ):
            keep = {
                k: state[k]
                for k in ("ResultPath", "InputPath", "OutputPath", "Next", "End", "Comment")
                if k in state
            }
            if name in fail:
                stub: dict[str, Any] = {
                    "Type": "Task",
                    "Resource": _FAILING_CALL,
                    "Parameters": {"QueueName": f"archgen-emulated-failure-{uuid.uuid4().hex[:8]}"},
                    **keep,
                }
                if "Catch" in state:
                    stub["Catch"] = state["Catch"]
            else:
                stub = {"Type": "Pass", "Result": results.get(name, {}), **keep}
            machine["States"][name] = stub


@dataclass(frozen=True)
class Execution:
    """How a state machine run in moto ended, and the states it entered in order."""

    status: str
    output: Any
    error: str | None
    cause: str | None
    states: list[str]
    failures: list[str] = field(default_factory=list)
    """Error and cause of every failed task in the run, in order (why a Catch fired)."""


def run_state_machine(
    mocks: MotoMocks,
    definition: str | Mapping[str, Any],
    *,
    role_arn: str,
    input: Mapping[str, Any] | None = None,
    name: str | None = None,
    timeout_s: float = 30.0,
) -> Execution:
    """Create `definition` as a new state machine in moto, run it once and wait for the end.

    Needs moto with `stepfunctions.execute_state_machine` on (see `MOTO_CONFIG`).
    """
    sfn = mocks.client("stepfunctions")
    text = definition if isinstance(definition, str) else json.dumps(definition)
    arn = sfn.create_state_machine(
        name=f"emulated-{uuid.uuid4().hex[:10]}", definition=text, roleArn=role_arn
    )["stateMachineArn"]
    start: dict[str, Any] = {"stateMachineArn": arn, "input": json.dumps(dict(input or {}))}
    if name:
        start["name"] = name  # definitions may key objects by $$.Execution.Name
    run = sfn.start_execution(**start)
    deadline = time.monotonic() + timeout_s
    while True:
        desc = sfn.describe_execution(executionArn=run["executionArn"])
        if desc["status"] != "RUNNING":
            break
        if time.monotonic() > deadline:
            raise EmulatorError(f"state machine run did not finish within {timeout_s} s")
        time.sleep(0.05)
    events = sfn.get_execution_history(executionArn=run["executionArn"])["events"]
    entered = [
        e["stateEnteredEventDetails"]["name"] for e in events if "stateEnteredEventDetails" in e
    ]
    output = desc.get("output")
    failures = [
        f"{d.get('error', '')}: {d.get('cause', '')}"
        for e in events
        for key, d in e.items()
        if key.endswith("FailedEventDetails") and isinstance(d, dict)
    ]
    return Execution(
        status=desc["status"],
        output=json.loads(output) if output else None,
        error=desc.get("error"),
        cause=desc.get("cause"),
        states=entered,
        failures=failures,
    )


def _unsupported_message(mocks: MotoMocks) -> list[str]:
    if mocks.strict and mocks.unsupported:
        return ["unsupported resource types: " + ", ".join(sorted(mocks.unsupported))]
    return []


# -- helpers ---------------------------------------------------------------
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


def _int(value: Any) -> int:
    return int(float(value))


def _tags(inputs: Mapping[str, Any]) -> list[dict[str, str]]:
    return [{"Key": str(k), "Value": str(v)} for k, v in (inputs.get("tags") or {}).items()]


def _json_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _policy_document(args: Mapping[str, Any]) -> dict[str, Any]:
    statements = []
    for st in args.get("statements") or []:
        out: dict[str, Any] = {"Effect": st.get("effect", "Allow")}
        if st.get("sid"):
            out["Sid"] = st["sid"]
        if st.get("actions"):
            out["Action"] = st["actions"]
        if st.get("resources"):
            out["Resource"] = st["resources"]
        principals: dict[str, Any] = {}
        for p in st.get("principals") or []:
            principals.setdefault(p["type"], []).extend(p["identifiers"])
        if principals:
            out["Principal"] = principals
        conditions: dict[str, Any] = {}
        for c in st.get("conditions") or []:
            conditions.setdefault(c["test"], {})[c["variable"]] = c["values"]
        if conditions:
            out["Condition"] = conditions
        statements.append(out)
    return {"Version": args.get("version", "2012-10-17"), "Statement": statements}


def _zip_code(code: Any) -> bytes:
    """Zip a Lambda `code` archive; a placeholder module when it has no local files."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        written = False
        if isinstance(code, pulumi.FileArchive) and Path(code.path).is_dir():
            root = Path(code.path)
            for path in sorted(root.rglob("*")):
                if path.is_file():
                    zf.write(path, path.relative_to(root).as_posix())
                    written = True
        elif isinstance(code, pulumi.AssetArchive):
            for name, asset in code.assets.items():
                if isinstance(asset, pulumi.StringAsset):
                    zf.writestr(name, asset.text)
                    written = True
                elif isinstance(asset, pulumi.FileAsset) and Path(asset.path).is_file():
                    zf.write(asset.path, name)
                    written = True
        if not written:
            zf.writestr("handler.py", "def handler(event, context):\n    return None\n")
    return buf.getvalue()


def _suffix(arn: str, marker: str) -> str:
    return arn.split(marker, 1)[1] if marker in arn else arn


# -- handlers: one per resource kind the stacks use -------------------------
# Each returns (id, extra outputs); the inputs are merged in by new_resource.
R = dict[str, Any]


@_handles("kms.Key")
def _kms_key(m: MotoMocks, name: str, i: R) -> tuple[str, R]:
    kw: R = {
        "Description": i.get("description") or name,
        "Tags": [{"TagKey": t["Key"], "TagValue": t["Value"]} for t in _tags(i)],
    }
    if i.get("policy"):
        kw["Policy"] = _json_text(i["policy"])
    meta = m.client("kms").create_key(**kw)["KeyMetadata"]
    if i.get("enableKeyRotation"):
        m.client("kms").enable_key_rotation(KeyId=meta["KeyId"])
    return meta["KeyId"], {"arn": meta["Arn"], "keyId": meta["KeyId"]}


@_handles("kms.Alias")
def _kms_alias(m: MotoMocks, name: str, i: R) -> tuple[str, R]:
    alias = m.physical_name(i, f"alias/{name}")
    m.client("kms").create_alias(AliasName=alias, TargetKeyId=i["targetKeyId"])
    key = m.client("kms").describe_key(KeyId=i["targetKeyId"])["KeyMetadata"]
    arn = f"arn:aws:kms:{m.region}:{m.account_id}:{alias}"
    return alias, {"name": alias, "arn": arn, "targetKeyArn": key["Arn"]}


@_handles("s3.Bucket", "s3.BucketV2")
def _s3_bucket(m: MotoMocks, name: str, i: R) -> tuple[str, R]:
    bucket = m.physical_name(i, name, "bucket").lower()
    kw: R = {"Bucket": bucket}
    if m.region != "us-east-1":
        kw["CreateBucketConfiguration"] = {"LocationConstraint": m.region}
    m.client("s3").create_bucket(**kw)
    if i.get("tags"):
        m.client("s3").put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": _tags(i)})
    return bucket, {
        "bucket": bucket,
        "arn": f"arn:aws:s3:::{bucket}",
        "bucketDomainName": f"{bucket}.s3.amazonaws.com",
        "bucketRegionalDomainName": f"{bucket}.s3.{m.region}.amazonaws.com",
        "region": m.region,
        "hostedZoneId": "Z3AQBSTGFYJSTF",
    }


@_handles("s3.BucketServerSideEncryptionConfiguration")
def _s3_sse(m: MotoMocks, name: str, i: R) -> tuple[str, R]:
    rules = []
    for rule in i.get("rules") or []:
        default = rule.get("applyServerSideEncryptionByDefault") or {}
        by_default: R = {"SSEAlgorithm": default.get("sseAlgorithm", "AES256")}
        if default.get("kmsMasterKeyId"):
            by_default["KMSMasterKeyID"] = default["kmsMasterKeyId"]
        rules.append(
            {
                "ApplyServerSideEncryptionByDefault": by_default,
                "BucketKeyEnabled": bool(rule.get("bucketKeyEnabled", False)),
            }
        )
    m.client("s3").put_bucket_encryption(
        Bucket=i["bucket"], ServerSideEncryptionConfiguration={"Rules": rules}
    )
    return str(i["bucket"]), {}


@_handles("s3.BucketVersioning", "s3.BucketVersioningV2")
def _s3_versioning(m: MotoMocks, name: str, i: R) -> tuple[str, R]:
    status = (i.get("versioningConfiguration") or {}).get("status", "Enabled")
    m.client("s3").put_bucket_versioning(
        Bucket=i["bucket"], VersioningConfiguration={"Status": status}
    )
    return str(i["bucket"]), {}


@_handles("s3.BucketPublicAccessBlock")
def _s3_pab(m: MotoMocks, name: str, i: R) -> tuple[str, R]:
    keys = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
    conf = {k[0].upper() + k[1:]: bool(i.get(k, False)) for k in keys}
    m.client("s3").put_public_access_block(Bucket=i["bucket"], PublicAccessBlockConfiguration=conf)
    return str(i["bucket"]), {}


def moto_safe_policy(policy: Any) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Split a bucket policy into what moto can hold and the conditional Deny statements.

    moto 5.x applies a Deny statement's Condition only for StringEquals and
    ignores every other operator, so a Deny such as "no TLS" (`Bool
    aws:SecureTransport false`) would refuse every request. Those statements
    are kept out of moto; the resource's outputs keep the policy as written.
    """
    doc = json.loads(policy) if isinstance(policy, str) else json.loads(json.dumps(policy))
    statements = doc.get("Statement", [])
    statements = statements if isinstance(statements, list) else [statements]
    kept: list[dict[str, Any]] = []
    dropped: list[dict[str, Any]] = []
    for st in statements:
        conditions = st.get("Condition") or {}
        evaluable = set(conditions) <= {"StringEquals"}
        (kept if st.get("Effect") != "Deny" or evaluable else dropped).append(st)
    return {**doc, "Statement": kept}, dropped


@_handles("s3.BucketPolicy")
def _s3_policy(m: MotoMocks, name: str, i: R) -> tuple[str, R]:
    doc, dropped = moto_safe_policy(i["policy"])
    for st in dropped:
        m.adjustments.append(
            f"s3.BucketPolicy {name!r}: conditional Deny {st.get('Sid', '')!r} kept out of moto"
        )
    if doc["Statement"]:
        m.client("s3").put_bucket_policy(Bucket=i["bucket"], Policy=json.dumps(doc))
    return str(i["bucket"]), {}


@_handles("s3.BucketLifecycleConfiguration", "s3.BucketLifecycleConfigurationV2")
def _s3_lifecycle(m: MotoMocks, name: str, i: R) -> tuple[str, R]:
    rules = []
    for rule in i.get("rules") or []:
        out: R = {"ID": rule.get("id", name), "Status": rule.get("status", "Enabled")}
        filt = rule.get("filter") or {}
        out["Filter"] = {"Prefix": filt.get("prefix", "")}
        if rule.get("expiration", {}).get("days"):
            out["Expiration"] = {"Days": _int(rule["expiration"]["days"])}
        if rule.get("transitions"):
            out["Transitions"] = [
                {"Days": _int(t.get("days", 0)), "StorageClass": t["storageClass"]}
                for t in rule["transitions"]
            ]
        nce = rule.get("noncurrentVersionExpiration") or {}
        if nce.get("noncurrentDays"):
            out["NoncurrentVersionExpiration"] = {"NoncurrentDays": _int(nce["noncurrentDays"])}
        abort = rule.get("abortIncompleteMultipartUpload") or {}
        if abort.get("daysAfterInitiation"):
            out["AbortIncompleteMultipartUpload"] = {
                "DaysAfterInitiation": _int(abort["daysAfterInitiation"])
            }
        rules.append(out)
    m.client("s3").put_bucket_lifecycle_configuration(
        Bucket=i["bucket"], LifecycleConfiguration={"Rules": rules}
    )
    return str(i["bucket"]), {}


@_handles("s3.BucketLogging", "s3.BucketLoggingV2")
def _s3_logging(m: MotoMocks, name: str, i: R) -> tuple[str, R]:
    s3 = m.client("s3")
    status = {
        "LoggingEnabled": {
            "TargetBucket": i["targetBucket"],
            "TargetPrefix": i.get("targetPrefix", ""),
        }
    }
    try:
        s3.put_bucket_logging(Bucket=i["bucket"], BucketLoggingStatus=status)
    except ClientError as err:
        if err.response["Error"]["Code"] != "InvalidTargetBucketForLogging":
            raise
        # The target grants log delivery neither by policy nor by ACL. The
        # program may grant it later in the same deploy (or not at all); moto
        # checks at once, so grant the log-delivery ACL and say so.
        s3.put_bucket_acl(
            Bucket=i["targetBucket"],
            GrantWrite="uri=http://acs.amazonaws.com/groups/s3/LogDelivery",
            GrantReadACP="uri=http://acs.amazonaws.com/groups/s3/LogDelivery",
        )
        m.adjustments.append(
            f"s3.BucketLogging {name!r}: log-delivery ACL granted on {i['targetBucket']}"
        )
        s3.put_bucket_logging(Bucket=i["bucket"], BucketLoggingStatus=status)
    return str(i["bucket"]), {}


@_handles("s3.BucketOwnershipControls")
def _s3_ownership(m: MotoMocks, name: str, i: R) -> tuple[str, R]:
    owner = (i.get("rule") or {}).get("objectOwnership", "BucketOwnerEnforced")
    m.client("s3").put_bucket_ownership_controls(
        Bucket=i["bucket"], OwnershipControls={"Rules": [{"ObjectOwnership": owner}]}
    )
    return str(i["bucket"]), {}


@_handles("ecr.Repository")
def _ecr_repo(m: MotoMocks, name: str, i: R) -> tuple[str, R]:
    repo_name = m.physical_name(i, name).lower()
    kw: R = {
        "repositoryName": repo_name,
        "imageTagMutability": i.get("imageTagMutability", "MUTABLE"),
    }
    scan = i.get("imageScanningConfiguration") or {}
    kw["imageScanningConfiguration"] = {"scanOnPush": bool(scan.get("scanOnPush", False))}
    repo = m.client("ecr").create_repository(**kw)["repository"]
    return repo_name, {
        "name": repo_name,
        "arn": repo["repositoryArn"],
        "registryId": repo["registryId"],
        "repositoryUrl": repo["repositoryUri"],
    }


@_handles("ecr.LifecyclePolicy")
def _ecr_lifecycle(m: MotoMocks, name: str, i: R) -> tuple[str, R]:
    out = m.client("ecr").put_lifecycle_policy(
        repositoryName=i["repository"], lifecyclePolicyText=_json_text(i["policy"])
    )
    return str(i["repository"]), {"registryId": out["registryId"]}


@_handles("ecs.Cluster")
def _ecs_cluster(m: MotoMocks, name: str, i: R) -> tuple[str, R]:
    cname = m.physical_name(i, name)
    kw: R = {"clusterName": cname}
    if i.get("settings"):
        kw["settings"] = [{"name": s["name"], "value": s["value"]} for s in i["settings"]]
    cluster = m.client("ecs").create_cluster(**kw)["cluster"]
    return cluster["clusterArn"], {"name": cname, "arn": cluster["clusterArn"]}


def _container_defs(text: Any) -> list[R]:
    defs = json.loads(text) if isinstance(text, str) else list(text)
    return [dict(d) for d in defs]


@_handles("ecs.TaskDefinition")
def _ecs_taskdef(m: MotoMocks, name: str, i: R) -> tuple[str, R]:
    kw: R = {
        "family": i["family"],
        "containerDefinitions": _container_defs(i["containerDefinitions"]),
    }
    for src, dst in (
        ("cpu", "cpu"),
        ("memory", "memory"),
        ("networkMode", "networkMode"),
        ("executionRoleArn", "executionRoleArn"),
        ("taskRoleArn", "taskRoleArn"),
    ):
        if i.get(src) is not None:
            kw[dst] = str(i[src]) if src in ("cpu", "memory") else i[src]
    if i.get("requiresCompatibilities"):
        kw["requiresCompatibilities"] = list(i["requiresCompatibilities"])
    plat = i.get("runtimePlatform") or {}
    if plat:
        kw["runtimePlatform"] = {
            k: plat[k] for k in ("cpuArchitecture", "operatingSystemFamily") if plat.get(k)
        }
    td = m.client("ecs").register_task_definition(**kw)["taskDefinition"]
    arn = td["taskDefinitionArn"]
    return str(i["family"]), {
        "arn": arn,
        "arnWithoutRevision": arn.rsplit(":", 1)[0],
        "revision": td["revision"],
    }


@_handles("ecs.Service")
def _ecs_service(m: MotoMocks, name: str, i: R) -> tuple[str, R]:
    sname = m.physical_name(i, name)
    kw: R = {
        "serviceName": sname,
        "cluster": i["cluster"],
        "taskDefinition": i["taskDefinition"],
        "desiredCount": _int(i.get("desiredCount", 1)),
    }
    if i.get("launchType"):
        kw["launchType"] = i["launchType"]
    net = i.get("networkConfiguration") or {}
    if net:
        kw["networkConfiguration"] = {
            "awsvpcConfiguration": {
                "subnets": list(net.get("subnets") or []),
                "securityGroups": list(net.get("securityGroups") or []),
                "assignPublicIp": "ENABLED" if net.get("assignPublicIp") else "DISABLED",
            }
        }
    if i.get("loadBalancers"):
        kw["loadBalancers"] = [
            {
                "targetGroupArn": lb["targetGroupArn"],
                "containerName": lb["containerName"],
                "containerPort": _int(lb["containerPort"]),
            }
            for lb in i["loadBalancers"]
        ]
    svc = m.client("ecs").create_service(**kw)["service"]
    return svc["serviceArn"], {"name": sname, "arn": svc["serviceArn"], "cluster": i["cluster"]}


@_handles("iam.Role")
def _iam_role(m: MotoMocks, name: str, i: R) -> tuple[str, R]:
    rname = m.physical_name(i, name)
    kw: R = {
        "RoleName": rname,
        "AssumeRolePolicyDocument": _json_text(i["assumeRolePolicy"]),
        "Path": i.get("path", "/"),
    }
    if i.get("description"):
        kw["Description"] = i["description"]
    if i.get("tags"):
        kw["Tags"] = _tags(i)
    role = m.client("iam").create_role(**kw)["Role"]
    for inline in i.get("inlinePolicies") or []:
        if inline.get("policy"):
            m.client("iam").put_role_policy(
                RoleName=rname,
                PolicyName=inline["name"],
                PolicyDocument=_json_text(inline["policy"]),
            )
    for arn in i.get("managedPolicyArns") or []:
        _attach(m, rname, arn)
    return rname, {
        "name": rname,
        "arn": role["Arn"],
        "uniqueId": role["RoleId"],
        "createDate": str(role["CreateDate"]),
    }


@_handles("iam.RolePolicy")
def _iam_role_policy(m: MotoMocks, name: str, i: R) -> tuple[str, R]:
    pname = m.physical_name(i, name)
    m.client("iam").put_role_policy(
        RoleName=i["role"], PolicyName=pname, PolicyDocument=_json_text(i["policy"])
    )
    return f"{i['role']}:{pname}", {"name": pname}


def _attach(m: MotoMocks, role: str, arn: str) -> None:
    try:
        m.client("iam").attach_role_policy(RoleName=role, PolicyArn=arn)
    except ClientError as err:
        # Without AWS managed policies loaded (MOTO_CONFIG), attaching one is
        # recorded by the attachment resource alone: re-creating it in the
        # account would change its ARN.
        if ":aws:policy/" not in arn or err.response["Error"]["Code"] != "NoSuchEntity":
            raise


@_handles("iam.RolePolicyAttachment")
def _iam_attach(m: MotoMocks, name: str, i: R) -> tuple[str, R]:
    _attach(m, str(i["role"]), str(i["policyArn"]))
    return f"{i['role']}-{uuid.uuid4().hex[:8]}", {}


@_handles("cloudwatch.LogGroup")
def _log_group(m: MotoMocks, name: str, i: R) -> tuple[str, R]:
    gname = m.physical_name(i, name)
    kw: R = {"logGroupName": gname}
    if i.get("kmsKeyId"):
        kw["kmsKeyId"] = i["kmsKeyId"]
    if i.get("tags"):
        kw["tags"] = {str(k): str(v) for k, v in i["tags"].items()}
    logs = m.client("logs")
    logs.create_log_group(**kw)
    if i.get("retentionInDays"):
        logs.put_retention_policy(logGroupName=gname, retentionInDays=_int(i["retentionInDays"]))
    arn = f"arn:aws:logs:{m.region}:{m.account_id}:log-group:{gname}"
    return gname, {"name": gname, "arn": arn}


_ALARM_KEYS = {
    "comparisonOperator": "ComparisonOperator",
    "metricName": "MetricName",
    "namespace": "Namespace",
    "statistic": "Statistic",
    "extendedStatistic": "ExtendedStatistic",
    "treatMissingData": "TreatMissingData",
    "alarmDescription": "AlarmDescription",
    "unit": "Unit",
    "evaluateLowSampleCountPercentiles": "EvaluateLowSampleCountPercentile",
    "thresholdMetricId": "ThresholdMetricId",
}


@_handles("cloudwatch.MetricAlarm")
def _alarm(m: MotoMocks, name: str, i: R) -> tuple[str, R]:
    aname = m.physical_name(i, name)
    kw: R = {
        "AlarmName": aname,
        "EvaluationPeriods": _int(i.get("evaluationPeriods", 1)),
        "ActionsEnabled": bool(i.get("actionsEnabled", True)),
    }
    for src, dst in _ALARM_KEYS.items():
        if i.get(src) is not None:
            kw[dst] = i[src]
    for src, dst in (("period", "Period"), ("datapointsToAlarm", "DatapointsToAlarm")):
        if i.get(src) is not None:
            kw[dst] = _int(i[src])
    if i.get("threshold") is not None:
        kw["Threshold"] = float(i["threshold"])
    for src, dst in (
        ("alarmActions", "AlarmActions"),
        ("okActions", "OKActions"),
        ("insufficientDataActions", "InsufficientDataActions"),
    ):
        if i.get(src):
            kw[dst] = list(i[src])
    if i.get("dimensions"):
        kw["Dimensions"] = [{"Name": k, "Value": str(v)} for k, v in i["dimensions"].items()]
    if i.get("metricQueries"):
        kw["Metrics"] = [_metric_query(q) for q in i["metricQueries"]]
    m.client("cloudwatch").put_metric_alarm(**kw)
    arn = f"arn:aws:cloudwatch:{m.region}:{m.account_id}:alarm:{aname}"
    return aname, {"name": aname, "arn": arn}


def _metric_query(q: R) -> R:
    out: R = {"Id": q["id"], "ReturnData": bool(q.get("returnData", False))}
    if q.get("expression"):
        out["Expression"] = q["expression"]
    if q.get("label"):
        out["Label"] = q["label"]
    metric = q.get("metric")
    if metric:
        out["MetricStat"] = {
            "Metric": {
                "Namespace": metric["namespace"],
                "MetricName": metric["metricName"],
                "Dimensions": [
                    {"Name": k, "Value": str(v)}
                    for k, v in (metric.get("dimensions") or {}).items()
                ],
            },
            "Period": _int(metric["period"]),
            "Stat": metric["stat"],
        }
    return out


@_handles("cloudwatch.Dashboard")
def _dashboard(m: MotoMocks, name: str, i: R) -> tuple[str, R]:
    dname = m.physical_name(i, name, "dashboardName")
    m.client("cloudwatch").put_dashboard(
        DashboardName=dname, DashboardBody=_json_text(i["dashboardBody"])
    )
    arn = f"arn:aws:cloudwatch::{m.account_id}:dashboard/{dname}"
    return dname, {"dashboardName": dname, "dashboardArn": arn}


@_handles("sfn.StateMachine")
def _state_machine(m: MotoMocks, name: str, i: R) -> tuple[str, R]:
    sname = m.physical_name(i, name)
    kw: R = {
        "name": sname,
        "definition": _json_text(i["definition"]),
        "roleArn": i["roleArn"],
        "type": i.get("type", "STANDARD"),
    }
    if i.get("tags"):
        kw["tags"] = [{"key": t["Key"], "value": t["Value"]} for t in _tags(i)]
    out = m.client("stepfunctions").create_state_machine(**kw)
    arn = out["stateMachineArn"]
    return arn, {
        "name": sname,
        "arn": arn,
        "status": "ACTIVE",
        "creationDate": str(out["creationDate"]),
    }


@_handles("scheduler.Schedule")
def _schedule(m: MotoMocks, name: str, i: R) -> tuple[str, R]:
    sname = m.physical_name(i, name)
    group = i.get("groupName", "default")
    target = i["target"]
    tkw: R = {"Arn": target["arn"], "RoleArn": target["roleArn"]}
    if target.get("input"):
        tkw["Input"] = target["input"]
    retry = target.get("retryPolicy") or {}
    if retry:
        tkw["RetryPolicy"] = {
            k: _int(v)
            for k, v in {
                "MaximumEventAgeInSeconds": retry.get("maximumEventAgeInSeconds"),
                "MaximumRetryAttempts": retry.get("maximumRetryAttempts"),
            }.items()
            if v is not None
        }
    if (target.get("deadLetterConfig") or {}).get("arn"):
        tkw["DeadLetterConfig"] = {"Arn": target["deadLetterConfig"]["arn"]}
    window = i.get("flexibleTimeWindow") or {"mode": "OFF"}
    wkw: R = {"Mode": window.get("mode", "OFF")}
    if window.get("maximumWindowInMinutes"):
        wkw["MaximumWindowInMinutes"] = _int(window["maximumWindowInMinutes"])
    kw: R = {
        "Name": sname,
        "GroupName": group,
        "ScheduleExpression": i["scheduleExpression"],
        "FlexibleTimeWindow": wkw,
        "Target": tkw,
        "State": i.get("state", "ENABLED"),
    }
    if i.get("scheduleExpressionTimezone"):
        kw["ScheduleExpressionTimezone"] = i["scheduleExpressionTimezone"]
    arn = m.client("scheduler").create_schedule(**kw)["ScheduleArn"]
    return f"{group}/{sname}", {"name": sname, "groupName": group, "arn": arn}


@_handles("sns.Topic")
def _topic(m: MotoMocks, name: str, i: R) -> tuple[str, R]:
    tname = m.physical_name(i, name)
    attrs: R = {}
    if i.get("kmsMasterKeyId"):
        attrs["KmsMasterKeyId"] = i["kmsMasterKeyId"]
    arn = m.client("sns").create_topic(Name=tname, Attributes=attrs)["TopicArn"]
    return arn, {"name": tname, "arn": arn, "owner": m.account_id}


@_handles("sns.TopicSubscription")
def _subscription(m: MotoMocks, name: str, i: R) -> tuple[str, R]:
    out = m.client("sns").subscribe(
        TopicArn=i["topic"],
        Protocol=i["protocol"],
        Endpoint=i["endpoint"],
        ReturnSubscriptionArn=True,
    )
    arn = out["SubscriptionArn"]
    return arn, {"arn": arn, "ownerId": m.account_id}


@_handles("sns.TopicPolicy")
def _topic_policy(m: MotoMocks, name: str, i: R) -> tuple[str, R]:
    m.client("sns").set_topic_attributes(
        TopicArn=i["arn"], AttributeName="Policy", AttributeValue=_json_text(i["policy"])
    )
    return str(i["arn"]), {"owner": m.account_id}


def _ec2_tags(i: R, resource: str) -> list[R]:
    tags = _tags(i)
    return [{"ResourceType": resource, "Tags": tags}] if tags else []


@_handles("ec2.Vpc")
def _vpc(m: MotoMocks, name: str, i: R) -> tuple[str, R]:
    ec2 = m.client("ec2")
    vpc = ec2.create_vpc(CidrBlock=i["cidrBlock"], TagSpecifications=_ec2_tags(i, "vpc"))["Vpc"]
    vid = vpc["VpcId"]
    if i.get("enableDnsSupport") is not None:
        ec2.modify_vpc_attribute(VpcId=vid, EnableDnsSupport={"Value": bool(i["enableDnsSupport"])})
    if i.get("enableDnsHostnames"):
        ec2.modify_vpc_attribute(VpcId=vid, EnableDnsHostnames={"Value": True})
    rtb = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vid]}])["RouteTables"]
    sgs = ec2.describe_security_groups(
        Filters=[{"Name": "vpc-id", "Values": [vid]}, {"Name": "group-name", "Values": ["default"]}]
    )["SecurityGroups"]
    return vid, {
        "arn": f"arn:aws:ec2:{m.region}:{m.account_id}:vpc/{vid}",
        "mainRouteTableId": rtb[0]["RouteTableId"] if rtb else "",
        "defaultRouteTableId": rtb[0]["RouteTableId"] if rtb else "",
        "defaultSecurityGroupId": sgs[0]["GroupId"] if sgs else "",
        "ownerId": m.account_id,
    }


@_handles("ec2.Subnet")
def _subnet(m: MotoMocks, name: str, i: R) -> tuple[str, R]:
    kw: R = {
        "VpcId": i["vpcId"],
        "CidrBlock": i["cidrBlock"],
        "TagSpecifications": _ec2_tags(i, "subnet"),
    }
    if i.get("availabilityZone"):
        kw["AvailabilityZone"] = i["availabilityZone"]
    sub = m.client("ec2").create_subnet(**kw)["Subnet"]
    if i.get("mapPublicIpOnLaunch"):
        m.client("ec2").modify_subnet_attribute(
            SubnetId=sub["SubnetId"], MapPublicIpOnLaunch={"Value": True}
        )
    sid = sub["SubnetId"]
    return sid, {
        "arn": f"arn:aws:ec2:{m.region}:{m.account_id}:subnet/{sid}",
        "availabilityZone": sub["AvailabilityZone"],
        "availabilityZoneId": sub.get("AvailabilityZoneId", ""),
    }


@_handles("ec2.InternetGateway")
def _igw(m: MotoMocks, name: str, i: R) -> tuple[str, R]:
    ec2 = m.client("ec2")
    gid = ec2.create_internet_gateway(TagSpecifications=_ec2_tags(i, "internet-gateway"))[
        "InternetGateway"
    ]["InternetGatewayId"]
    if i.get("vpcId"):
        ec2.attach_internet_gateway(InternetGatewayId=gid, VpcId=i["vpcId"])
    return gid, {"arn": f"arn:aws:ec2:{m.region}:{m.account_id}:internet-gateway/{gid}"}


@_handles("ec2.RouteTable")
def _route_table(m: MotoMocks, name: str, i: R) -> tuple[str, R]:
    rid = m.client("ec2").create_route_table(
        VpcId=i["vpcId"], TagSpecifications=_ec2_tags(i, "route-table")
    )["RouteTable"]["RouteTableId"]
    for route in i.get("routes") or []:
        _route(m, name, {"routeTableId": rid, **route})
    return rid, {"arn": f"arn:aws:ec2:{m.region}:{m.account_id}:route-table/{rid}"}


@_handles("ec2.Route")
def _route(m: MotoMocks, name: str, i: R) -> tuple[str, R]:
    kw: R = {"RouteTableId": i["routeTableId"]}
    for src, dst in (
        ("destinationCidrBlock", "DestinationCidrBlock"),
        ("cidrBlock", "DestinationCidrBlock"),
        ("gatewayId", "GatewayId"),
        ("natGatewayId", "NatGatewayId"),
        ("vpcEndpointId", "VpcEndpointId"),
    ):
        if i.get(src):
            kw[dst] = i[src]
    m.client("ec2").create_route(**kw)
    return f"r-{i['routeTableId']}{abs(hash(kw.get('DestinationCidrBlock', '')))}", {}


@_handles("ec2.RouteTableAssociation")
def _rta(m: MotoMocks, name: str, i: R) -> tuple[str, R]:
    kw: R = {"RouteTableId": i["routeTableId"]}
    if i.get("subnetId"):
        kw["SubnetId"] = i["subnetId"]
    if i.get("gatewayId"):
        kw["GatewayId"] = i["gatewayId"]
    return m.client("ec2").associate_route_table(**kw)["AssociationId"], {}


@_handles("ec2.Eip")
def _eip(m: MotoMocks, name: str, i: R) -> tuple[str, R]:
    out = m.client("ec2").allocate_address(Domain=i.get("domain", "vpc"))
    return out["AllocationId"], {
        "allocationId": out["AllocationId"],
        "publicIp": out["PublicIp"],
        "domain": "vpc",
    }


@_handles("ec2.NatGateway")
def _nat(m: MotoMocks, name: str, i: R) -> tuple[str, R]:
    kw: R = {
        "SubnetId": i["subnetId"],
        "ConnectivityType": i.get("connectivityType", "public"),
        "TagSpecifications": _ec2_tags(i, "natgateway"),
    }
    if i.get("allocationId"):
        kw["AllocationId"] = i["allocationId"]
    nat = m.client("ec2").create_nat_gateway(**kw)["NatGateway"]
    addrs = nat.get("NatGatewayAddresses") or [{}]
    return nat["NatGatewayId"], {
        "publicIp": addrs[0].get("PublicIp", ""),
        "privateIp": addrs[0].get("PrivateIp", ""),
        "networkInterfaceId": addrs[0].get("NetworkInterfaceId", ""),
    }


def _permission(rule: R) -> R:
    perm: R = {"IpProtocol": str(rule.get("protocol", "-1"))}
    if perm["IpProtocol"] in ("all",):
        perm["IpProtocol"] = "-1"
    if perm["IpProtocol"] != "-1":
        perm["FromPort"] = _int(rule.get("fromPort", 0))
        perm["ToPort"] = _int(rule.get("toPort", 0))
    if rule.get("cidrBlocks"):
        perm["IpRanges"] = [{"CidrIp": c} for c in rule["cidrBlocks"]]
    if rule.get("ipv6CidrBlocks"):
        perm["Ipv6Ranges"] = [{"CidrIpv6": c} for c in rule["ipv6CidrBlocks"]]
    groups = list(rule.get("securityGroups") or [])
    if rule.get("sourceSecurityGroupId"):
        groups.append(rule["sourceSecurityGroupId"])
    if rule.get("prefixListIds"):
        perm["PrefixListIds"] = [{"PrefixListId": p} for p in rule["prefixListIds"]]
    if groups:
        perm["UserIdGroupPairs"] = [{"GroupId": g} for g in groups]
    return perm


def _authorize(m: MotoMocks, gid: str, direction: str, rule: R) -> None:
    perm = _permission(rule)
    if rule.get("self"):
        perm.setdefault("UserIdGroupPairs", []).append({"GroupId": gid})
    ec2 = m.client("ec2")
    try:
        if direction == "ingress":
            ec2.authorize_security_group_ingress(GroupId=gid, IpPermissions=[perm])
        else:
            ec2.authorize_security_group_egress(GroupId=gid, IpPermissions=[perm])
    except ClientError as err:
        if err.response["Error"]["Code"] != "InvalidPermission.Duplicate":
            raise


@_handles("ec2.SecurityGroup")
def _sg(m: MotoMocks, name: str, i: R) -> tuple[str, R]:
    gname = m.physical_name(i, name)
    kw: R = {
        "GroupName": gname,
        "Description": i.get("description", "Managed by Pulumi"),
        "TagSpecifications": _ec2_tags(i, "security-group"),
    }
    if i.get("vpcId"):
        kw["VpcId"] = i["vpcId"]
    gid = m.client("ec2").create_security_group(**kw)["GroupId"]
    for rule in i.get("ingress") or []:
        _authorize(m, gid, "ingress", rule)
    for rule in i.get("egress") or []:
        _authorize(m, gid, "egress", rule)
    return gid, {
        "name": gname,
        "ownerId": m.account_id,
        "arn": f"arn:aws:ec2:{m.region}:{m.account_id}:security-group/{gid}",
    }


@_handles("ec2.SecurityGroupRule")
def _sg_rule(m: MotoMocks, name: str, i: R) -> tuple[str, R]:
    _authorize(m, str(i["securityGroupId"]), str(i["type"]), i)
    return f"sgrule-{uuid.uuid4().hex[:10]}", {}


@_handles("ec2.VpcEndpoint")
def _vpce(m: MotoMocks, name: str, i: R) -> tuple[str, R]:
    kw: R = {
        "VpcId": i["vpcId"],
        "ServiceName": i["serviceName"],
        "VpcEndpointType": i.get("vpcEndpointType", "Gateway"),
    }
    for src, dst in (
        ("subnetIds", "SubnetIds"),
        ("securityGroupIds", "SecurityGroupIds"),
        ("routeTableIds", "RouteTableIds"),
    ):
        if i.get(src):
            kw[dst] = list(i[src])
    if i.get("privateDnsEnabled") is not None and kw["VpcEndpointType"] == "Interface":
        kw["PrivateDnsEnabled"] = bool(i["privateDnsEnabled"])
    if i.get("policy"):
        kw["PolicyDocument"] = _json_text(i["policy"])
    ep = m.client("ec2").create_vpc_endpoint(**kw)["VpcEndpoint"]
    eid = ep["VpcEndpointId"]
    return eid, {
        "arn": f"arn:aws:ec2:{m.region}:{m.account_id}:vpc-endpoint/{eid}",
        "dnsEntries": [
            {"dnsName": d.get("DnsName", ""), "hostedZoneId": d.get("HostedZoneId", "")}
            for d in ep.get("DnsEntries") or []
        ],
        "state": ep.get("State", "available"),
        "ownerId": m.account_id,
    }


@_handles("lb.LoadBalancer")
def _alb(m: MotoMocks, name: str, i: R) -> tuple[str, R]:
    lname = m.physical_name(i, name)[:32]
    kw: R = {
        "Name": lname,
        "Subnets": list(i.get("subnets") or []),
        "Scheme": "internal" if i.get("internal") else "internet-facing",
        "Type": i.get("loadBalancerType", "application"),
    }
    if i.get("securityGroups"):
        kw["SecurityGroups"] = list(i["securityGroups"])
    if i.get("tags"):
        kw["Tags"] = _tags(i)
    lb = m.client("elbv2").create_load_balancer(**kw)["LoadBalancers"][0]
    arn = lb["LoadBalancerArn"]
    attrs = []
    if i.get("idleTimeout") is not None:
        attrs.append({"Key": "idle_timeout.timeout_seconds", "Value": str(_int(i["idleTimeout"]))})
    if i.get("dropInvalidHeaderFields") is not None:
        attrs.append(
            {
                "Key": "routing.http.drop_invalid_header_fields.enabled",
                "Value": str(bool(i["dropInvalidHeaderFields"])).lower(),
            }
        )
    logs = i.get("accessLogs") or {}
    if logs.get("enabled"):
        attrs += [
            {"Key": "access_logs.s3.enabled", "Value": "true"},
            {"Key": "access_logs.s3.bucket", "Value": logs["bucket"]},
            {"Key": "access_logs.s3.prefix", "Value": logs.get("prefix", "")},
        ]
    if attrs:
        m.client("elbv2").modify_load_balancer_attributes(LoadBalancerArn=arn, Attributes=attrs)
    return arn, {
        "name": lname,
        "arn": arn,
        "arnSuffix": _suffix(arn, ":loadbalancer/"),
        "dnsName": lb["DNSName"],
        "zoneId": lb["CanonicalHostedZoneId"],
        "vpcId": lb.get("VpcId", ""),
    }


@_handles("lb.TargetGroup")
def _target_group(m: MotoMocks, name: str, i: R) -> tuple[str, R]:
    tname = m.physical_name(i, name)[:32]
    kw: R = {"Name": tname, "TargetType": i.get("targetType", "instance")}
    if kw["TargetType"] != "lambda":
        kw.update(
            {
                "Protocol": i.get("protocol", "HTTP"),
                "Port": _int(i.get("port", 80)),
                "VpcId": i["vpcId"],
            }
        )
    hc = i.get("healthCheck") or {}
    for src, dst in (
        ("path", "HealthCheckPath"),
        ("protocol", "HealthCheckProtocol"),
        ("port", "HealthCheckPort"),
    ):
        if hc.get(src):
            kw[dst] = str(hc[src])
    for src, dst in (
        ("interval", "HealthCheckIntervalSeconds"),
        ("timeout", "HealthCheckTimeoutSeconds"),
        ("healthyThreshold", "HealthyThresholdCount"),
        ("unhealthyThreshold", "UnhealthyThresholdCount"),
    ):
        if hc.get(src) is not None:
            kw[dst] = _int(hc[src])
    if hc.get("matcher"):
        kw["Matcher"] = {"HttpCode": str(hc["matcher"])}
    tg = m.client("elbv2").create_target_group(**kw)["TargetGroups"][0]
    arn = tg["TargetGroupArn"]
    if i.get("deregistrationDelay") is not None:
        m.client("elbv2").modify_target_group_attributes(
            TargetGroupArn=arn,
            Attributes=[
                {
                    "Key": "deregistration_delay.timeout_seconds",
                    "Value": str(_int(i["deregistrationDelay"])),
                }
            ],
        )
    return arn, {
        "name": tname,
        "arn": arn,
        "arnSuffix": "targetgroup/" + _suffix(arn, ":targetgroup/"),
    }


def _action(a: R) -> R:
    out: R = {"Type": a["type"]}
    if a.get("targetGroupArn"):
        out["TargetGroupArn"] = a["targetGroupArn"]
    fixed = a.get("fixedResponse")
    if fixed:
        out["FixedResponseConfig"] = {
            "ContentType": fixed.get("contentType", "text/plain"),
            "StatusCode": str(fixed["statusCode"]),
            "MessageBody": fixed.get("messageBody", ""),
        }
    redirect = a.get("redirect")
    if redirect:
        out["RedirectConfig"] = {
            "StatusCode": redirect["statusCode"],
            **({"Port": str(redirect["port"])} if redirect.get("port") else {}),
            **({"Protocol": redirect["protocol"]} if redirect.get("protocol") else {}),
        }
    fwd = a.get("forward")
    if fwd:
        out["ForwardConfig"] = {
            "TargetGroups": [
                {"TargetGroupArn": t["arn"], "Weight": _int(t.get("weight", 1))}
                for t in fwd.get("targetGroups") or []
            ]
        }
    return out


@_handles("lb.Listener")
def _listener(m: MotoMocks, name: str, i: R) -> tuple[str, R]:
    kw: R = {
        "LoadBalancerArn": i["loadBalancerArn"],
        "Protocol": i.get("protocol", "HTTP"),
        "Port": _int(i.get("port", 80)),
        "DefaultActions": [_action(a) for a in i.get("defaultActions") or []],
    }
    if i.get("certificateArn"):
        kw["Certificates"] = [{"CertificateArn": i["certificateArn"]}]
    if i.get("sslPolicy"):
        kw["SslPolicy"] = i["sslPolicy"]
    arn = m.client("elbv2").create_listener(**kw)["Listeners"][0]["ListenerArn"]
    return arn, {"arn": arn}


@_handles("appautoscaling.Target")
def _scalable_target(m: MotoMocks, name: str, i: R) -> tuple[str, R]:
    out = m.client("application-autoscaling").register_scalable_target(
        ServiceNamespace=i["serviceNamespace"],
        ResourceId=i["resourceId"],
        ScalableDimension=i["scalableDimension"],
        MinCapacity=_int(i["minCapacity"]),
        MaxCapacity=_int(i["maxCapacity"]),
    )
    return str(i["resourceId"]), {"arn": out.get("ScalableTargetARN", "")}


def _target_tracking(c: R) -> R:
    out: R = {"TargetValue": float(c["targetValue"])}
    pre = c.get("predefinedMetricSpecification")
    if pre:
        spec: R = {"PredefinedMetricType": pre["predefinedMetricType"]}
        if pre.get("resourceLabel"):
            spec["ResourceLabel"] = pre["resourceLabel"]
        out["PredefinedMetricSpecification"] = spec
    custom = c.get("customizedMetricSpecification")
    if custom:
        out["CustomizedMetricSpecification"] = {
            "MetricName": custom["metricName"],
            "Namespace": custom["namespace"],
            "Statistic": custom["statistic"],
            "Dimensions": [
                {"Name": d["name"], "Value": d["value"]} for d in custom.get("dimensions") or []
            ],
        }
    for src, dst in (
        ("scaleInCooldown", "ScaleInCooldown"),
        ("scaleOutCooldown", "ScaleOutCooldown"),
    ):
        if c.get(src) is not None:
            out[dst] = _int(c[src])
    if c.get("disableScaleIn") is not None:
        out["DisableScaleIn"] = bool(c["disableScaleIn"])
    return out


@_handles("appautoscaling.Policy")
def _scaling_policy(m: MotoMocks, name: str, i: R) -> tuple[str, R]:
    pname = m.physical_name(i, name)
    kw: R = {
        "PolicyName": pname,
        "ServiceNamespace": i["serviceNamespace"],
        "ResourceId": i["resourceId"],
        "ScalableDimension": i["scalableDimension"],
        "PolicyType": i.get("policyType", "StepScaling"),
    }
    if i.get("targetTrackingScalingPolicyConfiguration"):
        kw["TargetTrackingScalingPolicyConfiguration"] = _target_tracking(
            i["targetTrackingScalingPolicyConfiguration"]
        )
    step = i.get("stepScalingPolicyConfiguration")
    if step:
        kw["StepScalingPolicyConfiguration"] = {
            "AdjustmentType": step.get("adjustmentType", "ChangeInCapacity"),
            "StepAdjustments": [
                {
                    k: (float(v) if "Bound" in k else _int(v))
                    for k, v in {
                        "MetricIntervalLowerBound": s.get("metricIntervalLowerBound"),
                        "MetricIntervalUpperBound": s.get("metricIntervalUpperBound"),
                        "ScalingAdjustment": s.get("scalingAdjustment"),
                    }.items()
                    if v not in (None, "")
                }
                for s in step.get("stepAdjustments") or []
            ],
        }
    out = m.client("application-autoscaling").put_scaling_policy(**kw)
    return pname, {
        "name": pname,
        "arn": out["PolicyARN"],
        "alarmArns": [a["AlarmARN"] for a in out.get("Alarms") or []],
    }


@_handles("kinesis.Stream")
def _stream(m: MotoMocks, name: str, i: R) -> tuple[str, R]:
    sname = m.physical_name(i, name)
    kin = m.client("kinesis")
    mode = (i.get("streamModeDetails") or {}).get("streamMode", "PROVISIONED")
    kw: R = {"StreamName": sname, "StreamModeDetails": {"StreamMode": mode}}
    if mode == "PROVISIONED":
        kw["ShardCount"] = _int(i.get("shardCount", 1))
    kin.create_stream(**kw)
    desc = kin.describe_stream_summary(StreamName=sname)["StreamDescriptionSummary"]
    arn = desc["StreamARN"]
    if i.get("retentionPeriod") and _int(i["retentionPeriod"]) > 24:
        kin.increase_stream_retention_period(
            StreamName=sname, RetentionPeriodHours=_int(i["retentionPeriod"])
        )
    if i.get("encryptionType") == "KMS":
        kin.start_stream_encryption(
            StreamName=sname, EncryptionType="KMS", KeyId=i.get("kmsKeyId") or "alias/aws/kinesis"
        )
    return arn, {"name": sname, "arn": arn}


@_handles("kinesis.FirehoseDeliveryStream")
def _firehose(m: MotoMocks, name: str, i: R) -> tuple[str, R]:
    fname = m.physical_name(i, name)
    kw: R = {"DeliveryStreamName": fname}
    src = i.get("kinesisSourceConfiguration")
    if src:
        kw["DeliveryStreamType"] = "KinesisStreamAsSource"
        kw["KinesisStreamSourceConfiguration"] = {
            "KinesisStreamARN": src["kinesisStreamArn"],
            "RoleARN": src["roleArn"],
        }
    else:
        kw["DeliveryStreamType"] = "DirectPut"
    dest = str(i.get("destination", "extended_s3"))
    conf = i.get("extendedS3Configuration") or {}
    if dest != "extended_s3" or not conf:
        raise ValueError(f"only extended_s3 destinations are emulated, got {dest}")
    s3: R = {
        "RoleARN": conf["roleArn"],
        "BucketARN": conf["bucketArn"],
        "BufferingHints": {
            "IntervalInSeconds": _int(conf.get("bufferingInterval", 300)),
            "SizeInMBs": _int(conf.get("bufferingSize", 5)),
        },
        "CompressionFormat": conf.get("compressionFormat", "UNCOMPRESSED"),
    }
    for srck, dstk in (("prefix", "Prefix"), ("errorOutputPrefix", "ErrorOutputPrefix")):
        if conf.get(srck):
            s3[dstk] = conf[srck]
    kw["ExtendedS3DestinationConfiguration"] = s3
    arn = m.client("firehose").create_delivery_stream(**kw)["DeliveryStreamARN"]
    return arn, {"name": fname, "arn": arn, "destinationId": "destinationId-000000000001"}


@_handles("lambda.Function")
def _function(m: MotoMocks, name: str, i: R) -> tuple[str, R]:
    fname = m.physical_name(i, name)
    kw: R = {
        "FunctionName": fname,
        "Role": i["role"],
        "MemorySize": _int(i.get("memorySize", 128)),
        "Timeout": _int(i.get("timeout", 3)),
    }
    if i.get("packageType") == "Image" or i.get("imageUri"):
        kw["PackageType"] = "Image"
        kw["Code"] = {"ImageUri": i["imageUri"]}
    else:
        kw.update(
            {
                "Runtime": i.get("runtime", "python3.12"),
                "Handler": i.get("handler", "handler.handler"),
                "Code": {"ZipFile": _zip_code(i.get("code"))},
            }
        )
    env = (i.get("environment") or {}).get("variables")
    if env:
        kw["Environment"] = {"Variables": {str(k): str(v) for k, v in env.items()}}
    if i.get("architectures"):
        kw["Architectures"] = list(i["architectures"])
    if (i.get("tracingConfig") or {}).get("mode"):
        kw["TracingConfig"] = {"Mode": i["tracingConfig"]["mode"]}
    if (i.get("deadLetterConfig") or {}).get("targetArn"):
        kw["DeadLetterConfig"] = {"TargetArn": i["deadLetterConfig"]["targetArn"]}
    if i.get("kmsKeyArn"):
        kw["KMSKeyArn"] = i["kmsKeyArn"]
    if i.get("tags"):
        kw["Tags"] = {str(k): str(v) for k, v in i["tags"].items()}
    fn = m.client("lambda").create_function(**kw)
    arn = fn["FunctionArn"]
    invoke = f"arn:aws:apigateway:{m.region}:lambda:path/2015-03-31/functions/{arn}/invocations"
    return fname, {
        "name": fname,
        "arn": arn,
        "qualifiedArn": f"{arn}:{fn['Version']}",
        "invokeArn": invoke,
        "version": fn["Version"],
        "sourceCodeHash": fn.get("CodeSha256", ""),
        "lastModified": fn["LastModified"],
    }


@_handles("lambda.EventSourceMapping")
def _esm(m: MotoMocks, name: str, i: R) -> tuple[str, R]:
    kw: R = {
        "EventSourceArn": i["eventSourceArn"],
        "FunctionName": i["functionName"],
        "Enabled": bool(i.get("enabled", True)),
    }
    if i.get("startingPosition"):
        kw["StartingPosition"] = i["startingPosition"]
    for src, dst in (
        ("batchSize", "BatchSize"),
        ("maximumBatchingWindowInSeconds", "MaximumBatchingWindowInSeconds"),
        ("parallelizationFactor", "ParallelizationFactor"),
        ("maximumRetryAttempts", "MaximumRetryAttempts"),
        ("maximumRecordAgeInSeconds", "MaximumRecordAgeInSeconds"),
        ("tumblingWindowInSeconds", "TumblingWindowInSeconds"),
    ):
        if i.get(src) is not None:
            kw[dst] = _int(i[src])
    if i.get("bisectBatchOnFunctionError") is not None:
        kw["BisectBatchOnFunctionError"] = bool(i["bisectBatchOnFunctionError"])
    if i.get("functionResponseTypes"):
        kw["FunctionResponseTypes"] = list(i["functionResponseTypes"])
    dest = ((i.get("destinationConfig") or {}).get("onFailure") or {}).get("destinationArn")
    if dest:
        kw["DestinationConfig"] = {"OnFailure": {"Destination": dest}}
    out = m.client("lambda").create_event_source_mapping(**kw)
    return out["UUID"], {
        "uuid": out["UUID"],
        "functionArn": out["FunctionArn"],
        "arn": out.get("EventSourceMappingArn", ""),
        "state": out.get("State", "Enabled"),
    }


@_handles("lambda.Permission")
def _lambda_permission(m: MotoMocks, name: str, i: R) -> tuple[str, R]:
    sid = m.physical_name(i, name, "statementId")
    kw: R = {
        "FunctionName": i["function"],
        "StatementId": sid,
        "Action": i.get("action", "lambda:InvokeFunction"),
        "Principal": i["principal"],
    }
    if i.get("sourceArn"):
        kw["SourceArn"] = i["sourceArn"]
    if i.get("sourceAccount"):
        kw["SourceAccount"] = i["sourceAccount"]
    m.client("lambda").add_permission(**kw)
    return sid, {"statementId": sid}


@_handles("sqs.Queue")
def _queue(m: MotoMocks, name: str, i: R) -> tuple[str, R]:
    qname = m.physical_name(i, name)
    if i.get("fifoQueue") and not qname.endswith(".fifo"):
        qname += ".fifo"
    attrs: R = {}
    for src, dst in (
        ("visibilityTimeoutSeconds", "VisibilityTimeout"),
        ("messageRetentionSeconds", "MessageRetentionPeriod"),
        ("delaySeconds", "DelaySeconds"),
        ("maxMessageSize", "MaximumMessageSize"),
        ("receiveWaitTimeSeconds", "ReceiveMessageWaitTimeSeconds"),
        ("kmsDataKeyReusePeriodSeconds", "KmsDataKeyReusePeriodSeconds"),
    ):
        if i.get(src) is not None:
            attrs[dst] = str(_int(i[src]))
    if i.get("fifoQueue"):
        attrs["FifoQueue"] = "true"
    if i.get("kmsMasterKeyId"):
        attrs["KmsMasterKeyId"] = i["kmsMasterKeyId"]
    if i.get("sqsManagedSseEnabled") is not None:
        attrs["SqsManagedSseEnabled"] = str(bool(i["sqsManagedSseEnabled"])).lower()
    if i.get("redrivePolicy"):
        attrs["RedrivePolicy"] = _json_text(i["redrivePolicy"])
    if i.get("policy"):
        attrs["Policy"] = _json_text(i["policy"])
    sqs = m.client("sqs")
    url = sqs.create_queue(QueueName=qname, Attributes=attrs)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    return url, {"name": qname, "arn": arn, "url": url}


@_handles("sqs.QueuePolicy")
def _queue_policy(m: MotoMocks, name: str, i: R) -> tuple[str, R]:
    m.client("sqs").set_queue_attributes(
        QueueUrl=i["queueUrl"], Attributes={"Policy": _json_text(i["policy"])}
    )
    return str(i["queueUrl"]), {}


@_handles("dynamodb.Table")
def _table(m: MotoMocks, name: str, i: R) -> tuple[str, R]:
    tname = m.physical_name(i, name)
    keys = [{"AttributeName": i["hashKey"], "KeyType": "HASH"}]
    if i.get("rangeKey"):
        keys.append({"AttributeName": i["rangeKey"], "KeyType": "RANGE"})
    billing = i.get("billingMode", "PROVISIONED")
    kw: R = {
        "TableName": tname,
        "KeySchema": keys,
        "BillingMode": billing,
        "AttributeDefinitions": [
            {"AttributeName": a["name"], "AttributeType": a["type"]}
            for a in i.get("attributes") or []
        ],
    }
    if billing == "PROVISIONED":
        kw["ProvisionedThroughput"] = {
            "ReadCapacityUnits": _int(i.get("readCapacity", 1)),
            "WriteCapacityUnits": _int(i.get("writeCapacity", 1)),
        }
    if i.get("streamEnabled"):
        kw["StreamSpecification"] = {
            "StreamEnabled": True,
            "StreamViewType": i.get("streamViewType", "NEW_AND_OLD_IMAGES"),
        }
    sse = i.get("serverSideEncryption") or {}
    if sse.get("enabled"):
        kw["SSESpecification"] = {
            "Enabled": True,
            "SSEType": "KMS",
            **({"KMSMasterKeyId": sse["kmsKeyArn"]} if sse.get("kmsKeyArn") else {}),
        }
    if i.get("globalSecondaryIndexes"):
        kw["GlobalSecondaryIndexes"] = [_gsi(g, billing) for g in i["globalSecondaryIndexes"]]
    if i.get("deletionProtectionEnabled") is not None:
        kw["DeletionProtectionEnabled"] = bool(i["deletionProtectionEnabled"])
    if i.get("tags"):
        kw["Tags"] = _tags(i)
    ddb = m.client("dynamodb")
    table = ddb.create_table(**kw)["TableDescription"]
    ttl = i.get("ttl") or {}
    if ttl.get("enabled") and ttl.get("attributeName"):
        ddb.update_time_to_live(
            TableName=tname,
            TimeToLiveSpecification={"Enabled": True, "AttributeName": ttl["attributeName"]},
        )
    if (i.get("pointInTimeRecovery") or {}).get("enabled"):
        ddb.update_continuous_backups(
            TableName=tname, PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True}
        )
    return tname, {
        "name": tname,
        "arn": table["TableArn"],
        "streamArn": table.get("LatestStreamArn", ""),
        "streamLabel": table.get("LatestStreamLabel", ""),
    }


def _gsi(g: R, billing: str) -> R:
    keys = [{"AttributeName": g["hashKey"], "KeyType": "HASH"}]
    if g.get("rangeKey"):
        keys.append({"AttributeName": g["rangeKey"], "KeyType": "RANGE"})
    out: R = {
        "IndexName": g["name"],
        "KeySchema": keys,
        "Projection": {"ProjectionType": g.get("projectionType", "ALL")},
    }
    if g.get("nonKeyAttributes"):
        out["Projection"]["NonKeyAttributes"] = list(g["nonKeyAttributes"])
    if billing == "PROVISIONED":
        out["ProvisionedThroughput"] = {
            "ReadCapacityUnits": _int(g.get("readCapacity", 1)),
            "WriteCapacityUnits": _int(g.get("writeCapacity", 1)),
        }
    return out
