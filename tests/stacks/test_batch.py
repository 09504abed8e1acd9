"""The batch pipeline: state machine shape, schedule wiring, task sizes, least-privilege roles."""

from __future__ import annotations

import json
from typing import Any

import pytest

from archgen import sizing
from archgen.patterns import Pattern
from archgen.requirements import Requirements
from archgen.stack_settings import StackSettings
from archgen_stacks.batch import BatchPipeline, BatchPipelineArgs, batch_definition
from archgen_stacks.common import Bucket
from archgen_stacks.program import AppArtifacts, build

KEY = "arn:aws:kms:eu-west-1:123456789012:key/k"
TOPIC = "arn:aws:sns:eu-west-1:123456789012:alarms"


def definition(parallelism: int = 1, threshold: float = 0.8) -> dict[str, Any]:
    return batch_definition(
        cluster_arn="arn:cluster",
        train_task_definition_arn="arn:train",
        score_task_definition_arn="arn:score",
        subnets=["subnet-a", "subnet-b"],
        security_groups=["sg-1"],
        topic_arn=TOPIC,
        raw_bucket="raw-b",
        models_bucket="models-b",
        predictions_bucket="pred-b",
        package="credit",
        metric_name="auc",
        metric_threshold=threshold,
        score_parallelism=parallelism,
        timeout_s=600,
    )


def all_states(states: dict[str, Any]) -> dict[str, Any]:
    out = dict(states)
    for state in states.values():
        if state["Type"] == "Map":
            out.update(all_states(state["ItemProcessor"]["States"]))
    return out


def walk(states: dict[str, Any], start: str) -> list[str]:
    """States reached from `start` following Next/Default/Choices (ignoring Catch)."""
    order, todo = [], [start]
    while todo:
        name = todo.pop(0)
        if name in order:
            continue
        order.append(name)
        state = states[name]
        nxt = [state.get("Next"), state.get("Default")]
        nxt += [c["Next"] for c in state.get("Choices", [])]
        todo += [n for n in nxt if n]
    return order


@pytest.mark.parametrize("parallelism", [1, 4])
def test_every_task_retries_and_catches_into_notify_then_fail(parallelism: int) -> None:
    d = definition(parallelism)
    states = all_states(d["States"])
    tasks = {n: s for n, s in states.items() if s["Type"] == "Task"}
    assert tasks
    for name, state in tasks.items():
        assert state["Retry"], name
        assert state["Catch"][0]["ErrorEquals"] == ["States.ALL"], name
        targets = {c["Next"] for c in state["Catch"]}
        assert targets <= {"NotifyFailure", "ShardFailed", "Failed"}, name
    notify = d["States"]["NotifyFailure"]
    assert notify["Resource"] == "arn:aws:states:::sns:publish"
    assert notify["Parameters"]["TopicArn"] == TOPIC
    assert d["States"][notify["Next"]]["Type"] == "Fail"
    for name, state in states.items():
        for ref in [state.get("Next"), state.get("Default")] + [
            c["Next"] for c in state.get("Catch", [])
        ]:
            assert ref is None or ref in states, f"{name} -> {ref}"


def test_happy_path_order_is_validate_train_evaluate_gate_score_publish() -> None:
    d = definition(1)
    path = walk(d["States"], d["StartAt"])
    main = [s for s in path if s in ("Validate", "Train", "Evaluate", "Gate", "Score", "Publish")]
    assert main == ["Validate", "Train", "Evaluate", "Gate", "Score", "Publish"]


def test_gate_compares_metric_with_threshold_and_skips_scoring_below_it() -> None:
    gate = definition(threshold=0.83)["States"]["Gate"]
    rule = gate["Choices"][0]["And"][-1]
    assert rule == {"Variable": "$.evaluation.model.metric", "NumericGreaterThanEquals": 0.83}
    assert gate["Default"] == "NotifyNotPromoted"


def test_container_tasks_run_on_fargate_in_given_subnets_without_public_ip() -> None:
    train = definition()["States"]["Train"]
    assert train["Resource"] == "arn:aws:states:::ecs:runTask.sync"
    vpc = train["Parameters"]["NetworkConfiguration"]["AwsvpcConfiguration"]
    assert vpc == {
        "Subnets": ["subnet-a", "subnet-b"],
        "SecurityGroups": ["sg-1"],
        "AssignPublicIp": "DISABLED",
    }
    assert train["TimeoutSeconds"] == 600
    assert (
        "credit.jobs.train"
        in train["Parameters"]["Overrides"]["ContainerOverrides"][0]["Command.$"]
    )


def test_scoring_fans_out_over_shards_as_a_map() -> None:
    states = definition(parallelism=6)["States"]
    assert states["PlanShards"]["Parameters"]["items.$"] == "States.ArrayRange(0, 5, 1)"
    score = states["Score"]
    assert score["Type"] == "Map"
    assert score["MaxConcurrency"] == 6
    shard = score["ItemProcessor"]["States"]["ScoreShard"]
    assert (
        "'--shards', '6'" in shard["Parameters"]["Overrides"]["ContainerOverrides"][0]["Command.$"]
    )
    assert definition(parallelism=1)["States"]["Score"]["Type"] == "Task"


def pipeline_args(**overrides: Any) -> BatchPipelineArgs:
    values: dict[str, Any] = dict(
        raw=Bucket("raw-b", "arn:aws:s3:::raw-b"),
        models=Bucket("models-b", "arn:aws:s3:::models-b"),
        predictions=Bucket("pred-b", "arn:aws:s3:::pred-b"),
        kms_key_arn=KEY,
        alarm_topic_arn=TOPIC,
        image="repo:v1",
        package="credit",
        subnet_ids=["subnet-a", "subnet-b"],
        vpc_id="vpc-1",
        repository_arn="arn:aws:ecr:eu-west-1:123456789012:repository/r",
        schedule="cron(30 1 * * ? *)",
        schedule_timezone="Europe/Paris",
        train_cpu=2048,
        train_memory_mb=8192,
        score_parallelism=3,
        metric_threshold=0.77,
        log_retention_days=14,
        tags={"team": "ml"},
    )
    values.update(overrides)
    return BatchPipelineArgs(**values)


def test_pipeline_wires_schedule_to_state_machine_and_sizes_tasks(mocked) -> None:
    run = mocked(lambda: BatchPipeline("batch", pipeline_args()))
    machine = run.named("batch-state-machine")
    schedule = run.named("batch-schedule").inputs
    assert schedule["target"]["arn"] == machine.outputs["arn"]
    assert schedule["scheduleExpression"] == "cron(30 1 * * ? *)"
    assert schedule["scheduleExpressionTimezone"] == "Europe/Paris"
    sched_policy = json.loads(run.named("batch-scheduler-policy").inputs["policy"])
    assert sched_policy["Statement"][0]["Resource"] == [machine.outputs["arn"]]
    train = run.named("batch-train-task").inputs
    assert (train["cpu"], train["memory"]) == ("2048", "8192")
    container = json.loads(train["containerDefinitions"])[0]
    env = {e["name"]: e["value"] for e in container["environment"]}
    assert env["MODELS_BUCKET"] == "models-b"
    assert env["MODEL_METRIC_THRESHOLD"] == "0.77"
    defn = json.loads(machine.inputs["definition"])
    assert defn["States"]["Score"]["MaxConcurrency"] == 3
    assert (
        defn["States"]["Train"]["Parameters"]["TaskDefinition"]
        == run.named("batch-train-task").outputs["arn"]
    )
    for log in run.of("aws:cloudwatch/logGroup:LogGroup"):
        assert log.inputs["retentionInDays"] == 14
        assert log.inputs["kmsKeyId"] == KEY
    alarm = run.named("batch-failed-alarm").inputs
    assert alarm["dimensions"] == {"StateMachineArn": machine.outputs["arn"]}
    assert alarm["alarmActions"] == [TOPIC]
    for res in run.resources:
        if res.name != "batch":
            assert run.parents[res.name] == "batch", res.name


def test_task_roles_name_only_their_buckets_and_prefixes(mocked) -> None:
    run = mocked(lambda: BatchPipeline("batch", pipeline_args()))
    train = json.loads(run.named("batch-train-role-policy").inputs["policy"])
    puts = [s for s in train["Statement"] if s["Action"] == ["s3:PutObject"]]
    assert puts[0]["Resource"] == [
        "arn:aws:s3:::models-b/models/*",
        "arn:aws:s3:::raw-b/training/*",
    ]
    score = json.loads(run.named("batch-score-role-policy").inputs["policy"])
    resources = {r for s in score["Statement"] for r in s["Resource"]}
    assert "arn:aws:s3:::pred-b/predictions/*" in resources
    assert not any(
        r.startswith("arn:aws:s3:::models-b/") and "Put" in str(s["Action"])
        for s in score["Statement"]
        for r in s["Resource"]
    )
    states = json.loads(run.named("batch-states-policy").inputs["policy"])
    passrole = [s for s in states["Statement"] if s["Action"] == ["iam:PassRole"]][0]
    assert set(passrole["Resource"]) == {
        run.named("batch-execution-role").outputs["arn"],
        run.named("batch-train-role").outputs["arn"],
        run.named("batch-score-role").outputs["arn"],
    }


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"schedule": "every night"}, "schedule"),
        ({"subnet_ids": []}, "subnet_ids"),
        ({"train_cpu": 300}, "Fargate"),
        ({"score_parallelism": 0}, "score_parallelism"),
        ({"score_parallelism": 1001}, "score_parallelism must be 1 to 1000"),
    ],
)
def test_invalid_args_are_rejected(override: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        pipeline_args(**override).validate()


def _states_policies(run: Any) -> dict[str, list[dict[str, Any]]]:
    """Every inline policy on the state machine's role, by logical name: its statements."""
    role = run.named("batch-states-role").rid
    return {
        p.name: json.loads(p.inputs["policy"])["Statement"]
        for p in run.of("aws:iam/rolePolicy:RolePolicy")
        if p.inputs["role"] == role
    }


def test_a_distributed_map_may_start_and_supervise_its_own_child_executions(mocked) -> None:
    # "IAM policies for using Distributed Map states" (Step Functions Developer Guide):
    # StartExecution on the state machine, Describe/StopExecution on its executions; a Map
    # Run's children are `execution:<machine name>/<map label>:<id>`.
    run = mocked(lambda: BatchPipeline("batch", pipeline_args(score_parallelism=41)))
    machine = run.named("batch-state-machine")
    policies = _states_policies(run)
    assert set(policies) == {"batch-states-policy", "batch-distributed-map-policy"}
    children = (
        f"arn:aws:states:eu-west-1:123456789012:execution:{machine.outputs['name']}/ScoreShards:*"
    )
    assert policies["batch-distributed-map-policy"] == [
        {
            "Effect": "Allow",
            "Action": ["states:StartExecution"],
            "Resource": [machine.outputs["arn"]],
        },
        {
            "Effect": "Allow",
            "Action": ["states:DescribeExecution", "states:StopExecution"],
            "Resource": [children],
        },
    ]
    # the state machine's own policy never names its ARN (that would be a cycle)
    assert machine.outputs["arn"] not in json.dumps(policies["batch-states-policy"])
    assert "batch-state-machine" in run.depends_on["batch-distributed-map-policy"]
    assert run.parents["batch-distributed-map-policy"] == "batch"
    defn = json.loads(machine.inputs["definition"])
    assert defn["States"]["Score"]["Label"] == "ScoreShards"
    assert defn["States"]["Score"]["ItemProcessor"]["ProcessorConfig"]["Mode"] == "DISTRIBUTED"


def test_an_inline_map_grants_no_child_executions(mocked) -> None:
    run = mocked(lambda: BatchPipeline("batch", pipeline_args(score_parallelism=40)))
    policies = _states_policies(run)
    assert set(policies) == {"batch-states-policy"}
    actions = {a for statements in policies.values() for s in statements for a in s["Action"]}
    assert not {a for a in actions if a.startswith("states:")}


def test_a_very_large_volume_sizes_past_40_shards_into_a_distributed_map(mocked) -> None:
    req = Requirements(daily_volume=1_000_000_000, latency_p99_ms=86_400_000)
    sized = sizing.size(req, Pattern.BATCH)
    shards = int(str(sized.stack_config["score_parallelism"]))
    assert 40 < shards <= 1000
    (figure,) = [f for f in sized.figures if f.key == "score_parallelism"]
    assert "Distributed Map above 40 (inline at or below)" in figure.basis
    settings = StackSettings(**sized.stack_config)
    assert settings.violations() == []
    run = mocked(lambda: build(settings, AppArtifacts(package="credit", image_build=False)))
    (machine,) = run.of("aws:sfn/stateMachine:StateMachine")
    score = json.loads(machine.inputs["definition"])["States"]["Score"]
    assert score["ItemProcessor"]["ProcessorConfig"] == {
        "Mode": "DISTRIBUTED",
        "ExecutionType": "STANDARD",
    }
    assert score["MaxConcurrency"] == shards
    assert [p for p in run.of("aws:iam/rolePolicy:RolePolicy") if "distributed-map" in p.name]
