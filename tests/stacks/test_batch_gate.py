"""The batch quality gate follows the metric's goal: at least the threshold, or at most it."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from archgen.stack_settings import StackSettings
from archgen_stacks.batch import BatchPipelineArgs
from archgen_stacks.batch_flow import batch_definition

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_batch_run import CTX, Stub, definition, execute  # noqa: E402


def gate_definition(goal: str, threshold: float) -> dict[str, object]:
    base = definition()
    params = {
        "cluster_arn": "c",
        "train_task_definition_arn": "t",
        "score_task_definition_arn": "s",
        "subnets": ["p"],
        "security_groups": ["g"],
        "topic_arn": "topic",
        "raw_bucket": "raw",
        "models_bucket": "models",
        "predictions_bucket": "preds",
        "package": "credit",
        "metric_name": "rmse" if goal == "min" else "auc",
        "metric_threshold": threshold,
        "score_parallelism": 1,
        "timeout_s": 60,
        "metric_goal": goal,
    }
    made = batch_definition(**params)  # type: ignore[arg-type]
    assert set(made["States"]) == set(base["States"])
    return made


def gate_rule(made: dict[str, object]) -> dict[str, object]:
    states = made["States"]
    assert isinstance(states, dict)
    rule: dict[str, object] = states["Gate"]["Choices"][0]["And"][-1]
    return rule


def test_max_goal_keeps_greater_than_equals() -> None:
    assert gate_rule(gate_definition("max", 0.7)) == {
        "Variable": "$.evaluation.model.metric",
        "NumericGreaterThanEquals": 0.7,
    }


def test_min_goal_uses_less_than_equals() -> None:
    assert gate_rule(gate_definition("min", 8.0)) == {
        "Variable": "$.evaluation.model.metric",
        "NumericLessThanEquals": 8.0,
    }


@pytest.mark.parametrize(
    ("metric", "end"), [(3.5, "Succeed:Done"), (8.0, "Succeed:Done"), (9.2, "Succeed:NotPromoted")]
)
def test_min_goal_promotes_a_low_error_and_stops_a_high_one(metric: float, end: str) -> None:
    reached, visited, _ = execute(gate_definition("min", 8.0), {}, Stub(metric=metric), CTX)
    assert reached == end
    assert ("Score" in visited) is (end == "Succeed:Done")


def test_unknown_goal_is_refused() -> None:
    with pytest.raises(ValueError, match="metric_goal must be max or min"):
        gate_definition("lowest", 1.0)


def test_goal_is_a_validated_stack_config_key() -> None:
    settings = StackSettings.from_mapping({"modelMetricGoal": "min", "modelMetricName": "rmse"})
    assert settings.model_metric_goal == "min"
    assert (
        "modelMetricGoal: must be max or min" in StackSettings(model_metric_goal="up").violations()
    )
    args = BatchPipelineArgs(
        raw=None,  # type: ignore[arg-type]
        models=None,  # type: ignore[arg-type]
        predictions=None,  # type: ignore[arg-type]
        image="i",
        package="credit",
        subnet_ids=["p"],
        vpc_id="v",
        kms_key_arn="k",
        alarm_topic_arn="a",
        metric_goal="up",
    )
    with pytest.raises(ValueError, match="metric_goal must be max or min"):
        args.validate()
