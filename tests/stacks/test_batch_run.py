"""Execute the batch state machine definition with a small ASL interpreter and stubbed tasks.

Only the parts of Amazon States Language the definition uses are interpreted:
Task/Pass/Choice/Map/Succeed/Fail, Parameters/ResultSelector/ResultPath,
Catch, and the intrinsics that steer the flow (StringToJson, ArrayRange).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from archgen_stacks.batch_flow import batch_definition

Tasks = Callable[[str, str, dict[str, Any]], Any]


class TaskError(Exception):
    """A stubbed task failed with an ASL error name."""

    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error


def path(doc: Any, expr: str, ctx: dict[str, Any]) -> Any:
    if expr.startswith("$$."):
        doc, expr = ctx, expr[1:]
    value = doc
    for part in expr[2:].split(".") if expr != "$" else []:
        if not isinstance(value, dict) or part not in value:
            raise KeyError(expr)
        value = value[part]
    return value


def intrinsic(expr: str, doc: Any, ctx: dict[str, Any]) -> Any:
    if expr.startswith("States.StringToJson("):
        return json.loads(path(doc, expr[len("States.StringToJson(") : -1], ctx))
    if expr.startswith("States.JsonToString("):
        return json.dumps(path(doc, expr[len("States.JsonToString(") : -1], ctx))
    if expr.startswith("States.ArrayRange("):
        start, end, step = (int(x) for x in expr[len("States.ArrayRange(") : -1].split(","))
        return list(range(start, end + 1, step))
    if expr.startswith("States."):
        return expr  # Format/Array only build strings for the task
    return path(doc, expr, ctx)


def fill(template: Any, doc: Any, ctx: dict[str, Any]) -> Any:
    if isinstance(template, dict):
        out = {}
        for key, value in template.items():
            if key.endswith(".$"):
                out[key[:-2]] = intrinsic(value, doc, ctx)
            else:
                out[key] = fill(value, doc, ctx)
        return out
    if isinstance(template, list):
        return [fill(v, doc, ctx) for v in template]
    return template


def put(doc: Any, result_path: str | None, result: Any) -> Any:
    if result_path is None:
        return doc
    if result_path == "$":
        return result
    out = dict(doc)
    out[result_path[2:]] = result
    return out


def holds(rule: dict[str, Any], doc: Any, ctx: dict[str, Any]) -> bool:
    if "And" in rule:
        return all(holds(r, doc, ctx) for r in rule["And"])
    try:
        value = path(doc, rule["Variable"], ctx)
    except KeyError:
        return rule.get("IsPresent") is False
    if "IsPresent" in rule:
        return rule["IsPresent"] is True
    if "IsNumeric" in rule:
        return isinstance(value, int | float) is rule["IsNumeric"]
    if "NumericGreaterThan" in rule:
        return value > rule["NumericGreaterThan"]
    if "NumericGreaterThanEquals" in rule:
        return value >= rule["NumericGreaterThanEquals"]
    if "NumericLessThanEquals" in rule:
        return value <= rule["NumericLessThanEquals"]
    raise AssertionError(f"rule not interpreted: {rule}")


def execute(
    machine: dict[str, Any], doc: Any, tasks: Tasks, ctx: dict[str, Any]
) -> tuple[str, list[str], Any]:
    """Run to a terminal state; return (Succeed|Fail name, visited states, final document)."""
    name, visited = machine["StartAt"], []
    while True:
        visited.append(name)
        state = machine["States"][name]
        kind = state["Type"]
        if kind in ("Succeed", "Fail"):
            return f"{kind}:{name}", visited, doc
        try:
            if kind == "Task":
                params = fill(state.get("Parameters", {}), doc, ctx)
                result = tasks(name, state["Resource"], params)
                if "ResultSelector" in state:
                    result = fill(state["ResultSelector"], result, ctx)
                doc = put(doc, state.get("ResultPath", "$"), result)
                nxt = state.get("Next")
            elif kind == "Pass":
                result = (
                    fill(state["Parameters"], doc, ctx)
                    if "Parameters" in state
                    else state.get("Result", doc)
                )
                doc = put(doc, state.get("ResultPath", "$"), result)
                nxt = state["Next"]
            elif kind == "Choice":
                nxt = next(
                    (c["Next"] for c in state["Choices"] if holds(c, doc, ctx)), state["Default"]
                )
            elif kind == "Map":
                # DISTRIBUTED: each item is a child execution of its own; the Map Run fails
                # with States.ExceedToleratedFailureThreshold once more than
                # ToleratedFailurePercentage of the children failed.
                mode = state["ItemProcessor"]["ProcessorConfig"]["Mode"]
                items = path(doc, state["ItemsPath"], ctx)
                failed = 0
                for item in items:
                    item_ctx = {**ctx, "Map": {"Item": {"Value": item}}}
                    end, seen, _ = execute(
                        state["ItemProcessor"],
                        fill(state["ItemSelector"], doc, item_ctx),
                        tasks,
                        item_ctx,
                    )
                    visited += seen
                    if end.startswith("Fail") and mode == "DISTRIBUTED":
                        failed += 1
                    elif end.startswith("Fail"):
                        raise TaskError(
                            state["ItemProcessor"]["States"][end.split(":")[1]]["Error"]
                        )
                if failed * 100 > state.get("ToleratedFailurePercentage", 0) * len(items):
                    raise TaskError("States.ExceedToleratedFailureThreshold")
                doc = put(doc, state.get("ResultPath", "$"), None)
                nxt = state["Next"]
            else:
                raise AssertionError(kind)
        except TaskError as err:
            catch = next(
                c for c in state["Catch"] if {"States.ALL", err.error} & set(c["ErrorEquals"])
            )
            doc = put(doc, catch.get("ResultPath", "$"), {"Error": err.error, "Cause": "stub"})
            nxt = catch["Next"]
        if nxt is None:
            assert state.get("End") is True, name
            return f"End:{name}", visited, doc
        name = nxt


def definition(parallelism: int = 1) -> dict[str, Any]:
    return batch_definition(
        cluster_arn="c",
        train_task_definition_arn="t",
        score_task_definition_arn="s",
        subnets=["p"],
        security_groups=["g"],
        topic_arn="topic",
        raw_bucket="raw",
        models_bucket="models",
        predictions_bucket="preds",
        package="credit",
        metric_name="auc",
        metric_threshold=0.7,
        score_parallelism=parallelism,
        timeout_s=60,
    )


class Stub:
    """AWS as the state machine sees it: S3 objects, task outcomes, published messages."""

    def __init__(self, keys: int = 3, metric: float | None = 0.8, fail: str = "") -> None:
        self.keys, self.metric, self.fail = keys, metric, fail
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def __call__(self, state: str, resource: str, params: dict[str, Any]) -> Any:
        self.calls.append((state, params))
        if state == self.fail:
            raise TaskError("States.TaskFailed")
        if resource.endswith("s3:listObjectsV2"):
            return {"KeyCount": self.keys}
        if resource.endswith("s3:getObject"):
            model = {"metric_name": "auc"} if self.metric is None else {"metric": self.metric}
            return {"Body": json.dumps(model)}
        return {}


CTX = {"Execution": {"Name": "run-1"}}


def test_good_model_is_trained_scored_and_published() -> None:
    stub = Stub(metric=0.81)
    end, visited, _ = execute(definition(), {}, stub, CTX)
    assert end == "Succeed:Done"
    assert visited == [
        "Validate",
        "HasTrainingData",
        "Train",
        "Evaluate",
        "Gate",
        "Score",
        "Publish",
        "Done",
    ]
    publish = dict(stub.calls)["Publish"]
    assert publish["Bucket"] == "preds" and json.loads(publish["Body"]) == {"metric": 0.81}


def test_weak_model_is_not_scored() -> None:
    stub = Stub(metric=0.65)
    end, visited, _ = execute(definition(), {}, stub, CTX)
    assert end == "Succeed:NotPromoted"
    assert "Score" not in visited
    assert dict(stub.calls)["NotifyNotPromoted"]["TopicArn"] == "topic"


def test_metadata_without_metric_is_not_promoted() -> None:
    end, visited, _ = execute(definition(), {}, Stub(metric=None), CTX)
    assert end == "Succeed:NotPromoted"


def test_missing_training_data_notifies_and_fails() -> None:
    stub = Stub(keys=0)
    end, visited, doc = execute(definition(), {}, stub, CTX)
    assert end == "Fail:Failed"
    assert "Train" not in visited
    assert doc["error"]["Error"] == "NoTrainingData"
    assert [s for s, _ in stub.calls][-1] == "NotifyFailure"


@pytest.mark.parametrize("failing", ["Train", "Evaluate", "Score", "Publish"])
def test_any_failing_task_notifies_then_fails(failing: str) -> None:
    stub = Stub(fail=failing)
    end, visited, _ = execute(definition(), {}, stub, CTX)
    assert end == "Fail:Failed"
    assert visited[-2:] == ["NotifyFailure", "Failed"]


def test_sharded_scoring_runs_every_shard_and_a_failed_shard_fails_the_run() -> None:
    stub = Stub()
    end, visited, _ = execute(definition(parallelism=3), {}, stub, CTX)
    assert end == "Succeed:Done"
    assert visited.count("ScoreShard") == 3
    end, visited, _ = execute(definition(parallelism=3), {}, Stub(fail="ScoreShard"), CTX)
    assert end == "Fail:Failed"
    assert "Publish" not in visited


def test_more_shards_than_an_inline_map_runs_score_in_a_distributed_map() -> None:
    inline = definition(parallelism=40)["States"]["Score"]
    assert inline["ItemProcessor"]["ProcessorConfig"] == {"Mode": "INLINE"}
    assert "Label" not in inline and "ToleratedFailurePercentage" not in inline
    score = definition(parallelism=41)["States"]["Score"]
    # ECS runTask.sync needs STANDARD children: Express workflows have no .sync pattern
    assert score["ItemProcessor"]["ProcessorConfig"] == {
        "Mode": "DISTRIBUTED",
        "ExecutionType": "STANDARD",
    }
    assert score["MaxConcurrency"] == 41
    assert score["ToleratedFailurePercentage"] == 0
    # written as 0.0: moto's ASL parser (the emulator's) refuses an integer there
    assert '"ToleratedFailurePercentage": 0.0' in json.dumps(score)
    assert score["Label"] == "ScoreShards"


def test_distributed_scoring_runs_a_child_per_shard_and_a_failed_shard_fails_the_run() -> None:
    stub = Stub()
    end, visited, _ = execute(definition(parallelism=200), {}, stub, CTX)
    assert end == "Succeed:Done"
    assert visited.count("ScoreShard") == 200
    failing = Stub(fail="ScoreShard")
    end, visited, _ = execute(definition(parallelism=200), {}, failing, CTX)
    assert end == "Fail:Failed"
    assert "Publish" not in visited
    assert [s for s, _ in failing.calls][-1] == "NotifyFailure"


def test_more_shards_than_states_array_range_builds_are_refused() -> None:
    with pytest.raises(ValueError, match="1 to 1000"):
        definition(parallelism=1001)
