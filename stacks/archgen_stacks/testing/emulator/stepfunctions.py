"""Step Functions runs in moto: definitions moto can execute, and one run to its end.

moto executes definitions (Pass, Choice, Map, Parallel, Retry, Catch and SDK
integrations `arn:aws:states:::aws-sdk:...` against its own backends) when
`stepfunctions.execute_state_machine` is on (`MOTO_CONFIG`). It does not run
ECS or Batch tasks: `stub_task_states` turns those, and any Task named in
`results`, into Pass states carrying a given result, and makes the states
named in `fail` SDK calls that fail so their Catch runs. `run_state_machine`
creates a definition as a new machine, runs it once and reports how it ended
(`Execution`). Not emulated: whatever moto's interpreter does not execute.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ._base import EmulatorError

if TYPE_CHECKING:
    from .harness import MotoMocks


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
