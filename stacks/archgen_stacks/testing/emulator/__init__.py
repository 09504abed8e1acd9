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
  such type, and so does an input property its translator neither applies in
  moto nor lists as knowingly not emulated, nested ones by their dotted path
  (naming the resource, its kind and the property); otherwise those resources
  are echoed (inputs returned as outputs) and such inputs are kept in the
  outputs only.
- `deploy(program, *, mocks, stack="dev", project="archgen", config=None)
  -> DeployResult` — runs `program()` as a stack under `mocks`, waits for every
  resource, and returns what was created plus the resolved stack outputs.
- `not_emulated()` — the documented list of what is not emulated: per kind,
  each input path left out of moto and the reason (moto lacks it, or it has
  no effect offline).
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
  program asked for (today none of the translators needs one); the
  resource's outputs always keep the inputs as written. Bucket policies are
  stored as written and evaluated as AWS would for a request over TLS (see
  `moto_safe_policy`); access logging is checked once every resource exists.
- `EmulatorError` — raised when a resource cannot be created (its type, name
  and moto's message), when strict mode meets unsupported types, or when the
  program itself fails. It is a plain RuntimeError.

Facts this relies on (pulumi 3.x mocks): inputs arrive with camelCase keys and
numbers as floats; an output the mock does not return resolves to None, so
every handler returns the inputs merged with the real attributes; handlers run
on executor threads, so they are serialised with a lock. Component resources
(`archgen:*`) reach the mocks too, as non-custom resources, and are echoed.

Layout: `harness` (the mocks, `deploy`, the moto guards), `translators` (one
module per AWS service), `data_sources`, `stepfunctions`.
"""

from __future__ import annotations

from ._base import EmulatorError
from .harness import (
    MOTO_CONFIG,
    DeployedResource,
    DeployResult,
    MotoMocks,
    configure_moto_server,
    deploy,
    kind_of,
    not_emulated,
    supported_kinds,
)
from .stepfunctions import Execution, run_state_machine, stub_task_states
from .translators.s3 import moto_safe_policy

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
    "not_emulated",
]
