"""The batch run as Amazon States Language: a pure function of names and sizes, no Pulumi.

validate -> train -> evaluate -> gate -> score -> publish. Every Task state
retries and catches; a caught error is published to the alarm topic and the
run fails. Keeping it pure lets tests read and execute the definition.

With `separate_training`, a run's input `{"steps": "train"}` trains, gates and
publishes without scoring, and `{"steps": "score"}` only scores with the model
last promoted: a model updated weekly trains weekly while results are scored
every few hours. A run without `steps` does both.
"""

from __future__ import annotations

from typing import Any

TRAINING_PREFIX = "training/"
RAW_PREFIX = "raw/"
MODELS_PREFIX = "models/"
GATE_COMPARISON = {"max": "NumericGreaterThanEquals", "min": "NumericLessThanEquals"}
"""The gate's comparison per metric goal: a higher AUC is better, a lower RMSE is."""
PREDICTIONS_PREFIX = "predictions/"
RUNS_PREFIX = "predictions/_runs/"
STEPS_TRAIN = "train"
STEPS_SCORE = "score"
"""Values of a run's `steps` input: train only, or score only (absent: both)."""
INLINE_MAP_MAX = 40
"""Iterations an Inline Map runs at once ("Using Map state in Inline mode in Step Functions
workflows"); more shards score in a Distributed Map. Inline stays below it: no child
executions to pay for or to grant the role."""
DISTRIBUTED_MAP_MAX = 10_000
"""Child workflow executions a Distributed Map runs at once ("Using Map state in Distributed
mode for large-scale parallel workloads in Step Functions": 10,000 by default and at most)."""
ARRAY_RANGE_MAX = 1000
"""Items States.ArrayRange builds at most ("Intrinsic functions for JSONPath states in Step
Functions"): the shard indices come from it, so a run scores at most 1,000 shards."""
SCORE_MAP_LABEL = "ScoreShards"
"""The Distributed Map's Label: its child executions' ARNs are `<machine>/ScoreShards:<id>`."""


def distributed(score_parallelism: int) -> bool:
    """Whether `score_parallelism` shards need a Distributed Map (more than an Inline one runs)."""
    return score_parallelism > INLINE_MAP_MAX


TASK_RETRY = [
    {
        "ErrorEquals": ["ECS.AmazonECSException", "States.Timeout"],
        "IntervalSeconds": 30,
        "MaxAttempts": 2,
        "BackoffRate": 2.0,
    }
]
"""Retry for container tasks: capacity/API hiccups and timeouts, not a job's own failure."""

SDK_RETRY = [
    {
        "ErrorEquals": ["States.TaskFailed"],
        "IntervalSeconds": 2,
        "MaxAttempts": 3,
        "BackoffRate": 2.0,
    }
]
"""Retry for AWS SDK calls (S3, SNS)."""


def _catch(next_state: str) -> list[dict[str, Any]]:
    return [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": next_state}]


def _steps_are(value: str, next_state: str | None = None) -> dict[str, Any]:
    """A Choice rule: the run's `steps` input is present and equals `value`."""
    rule: dict[str, Any] = {
        "And": [
            {"Variable": "$.steps", "IsPresent": True},
            {"Variable": "$.steps", "StringEquals": value},
        ]
    }
    if next_state:
        rule["Next"] = next_state
    return rule


def _run_task(
    *,
    cluster_arn: str,
    task_definition_arn: str,
    container: str,
    command: str,
    subnets: list[str],
    security_groups: list[str],
    timeout_s: int,
) -> dict[str, Any]:
    """A Fargate `ecs:runTask.sync` Task state (no public IP) with its command override."""
    return {
        "Type": "Task",
        "Resource": "arn:aws:states:::ecs:runTask.sync",
        "TimeoutSeconds": timeout_s,
        "Parameters": {
            "LaunchType": "FARGATE",
            "Cluster": cluster_arn,
            "TaskDefinition": task_definition_arn,
            "NetworkConfiguration": {
                "AwsvpcConfiguration": {
                    "Subnets": subnets,
                    "SecurityGroups": security_groups,
                    "AssignPublicIp": "DISABLED",
                }
            },
            "Overrides": {"ContainerOverrides": [{"Name": container, "Command.$": command}]},
        },
        "ResultPath": None,
        "Retry": TASK_RETRY,
    }


def batch_definition(
    *,
    cluster_arn: str,
    train_task_definition_arn: str,
    score_task_definition_arn: str,
    subnets: list[str],
    security_groups: list[str],
    topic_arn: str,
    raw_bucket: str,
    models_bucket: str,
    predictions_bucket: str,
    package: str,
    metric_name: str,
    metric_threshold: float,
    score_parallelism: int,
    timeout_s: int,
    metric_goal: str = "max",
    separate_training: bool = False,
) -> dict[str, Any]:
    """The Amazon States Language definition of one train-and-score run.

    The execution name is the model version: train writes
    `models/<execution>/metadata.json`, evaluate reads its metric, the gate
    compares it with `metric_threshold` (at least it for a `max` goal such as AUC,
    at most it for a `min` goal such as RMSE), score runs one task per shard.
    """
    if not 1 <= score_parallelism <= min(ARRAY_RANGE_MAX, DISTRIBUTED_MAP_MAX):
        raise ValueError(f"score_parallelism must be 1 to {ARRAY_RANGE_MAX}")
    if metric_goal not in GATE_COMPARISON:
        raise ValueError(f"metric_goal must be max or min, not {metric_goal!r}")
    task = {
        "cluster_arn": cluster_arn,
        "subnets": subnets,
        "security_groups": security_groups,
        "timeout_s": timeout_s,
    }
    train_cmd = (
        f"States.Array('python', '-m', '{package}.jobs.train', '--version', $$.Execution.Name)"
    )
    states: dict[str, Any] = {}
    score_start = "PlanShards" if score_parallelism > 1 else "Score"
    after_score = "Publish"
    if separate_training:
        states["Steps"] = {
            "Type": "Choice",
            "Comment": "A scoring run scores with the model last promoted; others train first.",
            "Choices": [_steps_are(STEPS_SCORE, score_start)],
            "Default": "Validate",
        }
        after_score = "Trained"
        states["Trained"] = {
            "Type": "Choice",
            "Comment": "Only a run that trained has a model to record.",
            "Choices": [{"Variable": "$.evaluation", "IsPresent": True, "Next": "Publish"}],
            "Default": "Done",
        }
    states["Validate"] = {
        "Type": "Task",
        "Comment": "There is training data to learn from.",
        "Resource": "arn:aws:states:::aws-sdk:s3:listObjectsV2",
        "Parameters": {"Bucket": raw_bucket, "Prefix": TRAINING_PREFIX, "MaxKeys": 1},
        "ResultSelector": {"keys.$": "$.KeyCount"},
        "ResultPath": "$.validation",
        "Retry": SDK_RETRY,
        "Catch": _catch("NotifyFailure"),
        "Next": "HasTrainingData",
    }
    states["HasTrainingData"] = {
        "Type": "Choice",
        "Choices": [{"Variable": "$.validation.keys", "NumericGreaterThan": 0, "Next": "Train"}],
        "Default": "NoTrainingData",
    }
    states["NoTrainingData"] = {
        "Type": "Pass",
        "Result": {"Error": "NoTrainingData", "Cause": f"s3://{raw_bucket}/{TRAINING_PREFIX}"},
        "ResultPath": "$.error",
        "Next": "NotifyFailure",
    }
    states["Train"] = {
        **_run_task(
            task_definition_arn=train_task_definition_arn,
            container="train",
            command=train_cmd,
            **task,  # type: ignore[arg-type]
        ),
        "Catch": _catch("NotifyFailure"),
        "Next": "Evaluate",
    }
    states["Evaluate"] = {
        "Type": "Task",
        "Comment": f"Read the trained model's {metric_name}.",
        "Resource": "arn:aws:states:::aws-sdk:s3:getObject",
        "Parameters": {
            "Bucket": models_bucket,
            "Key.$": f"States.Format('{MODELS_PREFIX}{{}}/metadata.json', $$.Execution.Name)",
        },
        "ResultSelector": {"model.$": "States.StringToJson($.Body)"},
        "ResultPath": "$.evaluation",
        "Retry": SDK_RETRY,
        "Catch": _catch("NotifyFailure"),
        "Next": "Gate",
    }
    passes = [
        {"Variable": "$.evaluation.model.metric", "IsPresent": True},
        {"Variable": "$.evaluation.model.metric", "IsNumeric": True},
        {
            "Variable": "$.evaluation.model.metric",
            GATE_COMPARISON[metric_goal]: metric_threshold,
        },
    ]
    gate_choices: list[dict[str, Any]] = []
    if separate_training:
        # a training run records the promoted model and leaves scoring to the scoring runs
        gate_choices.append({"And": [*passes, _steps_are(STEPS_TRAIN)], "Next": "Publish"})
    gate_choices.append({"And": passes, "Next": score_start})
    states["Gate"] = {
        "Type": "Choice",
        "Choices": gate_choices,
        "Default": "NotifyNotPromoted",
    }
    states["NotifyNotPromoted"] = {
        "Type": "Task",
        "Resource": "arn:aws:states:::sns:publish",
        "Parameters": {
            "TopicArn": topic_arn,
            "Subject": "Model below threshold: not promoted, not scored",
            "Message.$": "States.JsonToString($.evaluation.model)",
        },
        "ResultPath": None,
        "Retry": SDK_RETRY,
        "Catch": _catch("NotifyFailure"),
        "Next": "NotPromoted",
    }
    states["NotPromoted"] = {"Type": "Succeed"}
    score_cmd_single = f"States.Array('python', '-m', '{package}.jobs.score')"
    if score_parallelism > 1:
        states["PlanShards"] = {
            "Type": "Pass",
            "Parameters": {"items.$": f"States.ArrayRange(0, {score_parallelism - 1}, 1)"},
            "ResultPath": "$.shards",
            "Next": "Score",
        }
        shard_cmd = (
            f"States.Array('python', '-m', '{package}.jobs.score', '--shard', "
            f"States.Format('{{}}', $.shard), '--shards', '{score_parallelism}')"
        )
        # Above 40 shards each shard is a child execution of a Distributed Map. Its children
        # are STANDARD: Express workflows do not support the Run a Job (.sync) pattern that
        # ecs:runTask.sync uses ("Optimized integrations for Step Functions",
        # https://docs.aws.amazon.com/step-functions/latest/dg/connect-supported-services.html).
        # The shard indices come from States.ArrayRange (at most ARRAY_RANGE_MAX items);
        # 1,000 indices are about 5 KB, far inside the 256 KiB state payload.
        processor: dict[str, Any] = (
            {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}
            if distributed(score_parallelism)
            else {"Mode": "INLINE"}
        )
        mode: dict[str, Any] = (
            # 0.0, not 0: both are JSON numbers Step Functions accepts, but the ASL parser
            # moto (and so the offline emulator) validates with takes only a decimal here
            {"Label": SCORE_MAP_LABEL, "ToleratedFailurePercentage": 0.0}
            if distributed(score_parallelism)
            else {}
        )
        states["Score"] = {
            "Type": "Map",
            "ItemsPath": "$.shards.items",
            "ItemSelector": {"shard.$": "$$.Map.Item.Value"},
            "MaxConcurrency": score_parallelism,
            **mode,
            "ItemProcessor": {
                "ProcessorConfig": processor,
                "StartAt": "ScoreShard",
                "States": {
                    "ScoreShard": {
                        **_run_task(
                            task_definition_arn=score_task_definition_arn,
                            container="score",
                            command=shard_cmd,
                            **task,  # type: ignore[arg-type]
                        ),
                        "Catch": _catch("ShardFailed"),
                        "End": True,
                    },
                    "ShardFailed": {"Type": "Fail", "Error": "ShardFailed"},
                },
            },
            "ResultPath": None,
            "Catch": _catch("NotifyFailure"),
            "Next": after_score,
        }
    else:
        states["Score"] = {
            **_run_task(
                task_definition_arn=score_task_definition_arn,
                container="score",
                command=score_cmd_single,
                **task,  # type: ignore[arg-type]
            ),
            "Catch": _catch("NotifyFailure"),
            "Next": after_score,
        }
    states["Publish"] = {
        "Type": "Task",
        "Comment": "Record the promoted model and the run next to its predictions.",
        "Resource": "arn:aws:states:::aws-sdk:s3:putObject",
        "Parameters": {
            "Bucket": predictions_bucket,
            "Key.$": f"States.Format('{RUNS_PREFIX}{{}}.json', $$.Execution.Name)",
            "Body.$": "States.JsonToString($.evaluation.model)",
            "ContentType": "application/json",
        },
        "ResultPath": None,
        "Retry": SDK_RETRY,
        "Catch": _catch("NotifyFailure"),
        "Next": "Done",
    }
    states["Done"] = {"Type": "Succeed"}
    states["NotifyFailure"] = {
        "Type": "Task",
        "Resource": "arn:aws:states:::sns:publish",
        "Parameters": {
            "TopicArn": topic_arn,
            "Subject": "Batch run failed",
            "Message.$": "States.JsonToString($.error)",
        },
        "ResultPath": None,
        "Retry": SDK_RETRY,
        "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": None, "Next": "Failed"}],
        "Next": "Failed",
    }
    states["Failed"] = {"Type": "Fail", "Error": "BatchRunFailed", "Cause": "see the alarm topic"}
    return {
        "Comment": "archgen batch: validate, train, evaluate, gate, score, publish",
        "StartAt": "Steps" if separate_training else "Validate",
        "TimeoutSeconds": timeout_s * 4,
        "States": states,
    }
