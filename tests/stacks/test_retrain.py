"""Continuous updates of the real-time API: the retrain task, its schedule, roles and grants."""

from __future__ import annotations

import json
from typing import Any

import pytest

from archgen.stack_settings import StackSettings
from archgen_stacks.program import AppArtifacts, build

APP = AppArtifacts(package="credit")


def settings(pattern: str, **values: Any) -> StackSettings:
    return StackSettings.from_mapping({"pattern": pattern, "namePrefix": "credit", **values})


def policy(run: Any, name: str) -> list[dict[str, Any]]:
    statements: list[dict[str, Any]] = json.loads(run.named(name).inputs["policy"])["Statement"]
    return statements


def environment(run: Any, task: str) -> dict[str, str]:
    container = json.loads(run.named(task).inputs["containerDefinitions"])[0]
    return {e["name"]: e["value"] for e in container["environment"]}


def granted(statements: list[dict[str, Any]], action: str) -> list[str]:
    """Every resource an Allow statement grants `action` on."""
    return [
        resource
        for s in statements
        if s["Effect"] == "Allow" and action in s["Action"]
        for resource in s["Resource"]
    ]


@pytest.mark.parametrize(
    ("pattern", "api"), [("realtime", "credit-api"), ("hybrid", "credit-hybrid-api")]
)
def test_the_schedule_runs_the_retrain_task_on_the_api_cluster_with_a_role_allowed_to(
    mocked, pattern: str, api: str
) -> None:
    run = mocked(lambda: build(settings(pattern, retrainSchedule="rate(6 hours)"), APP))
    job = f"{api}-retrain"
    schedule = run.named(f"{job}-schedule").inputs
    task = run.named(f"{job}-task")
    cluster = run.named(f"{api}-cluster")
    assert schedule["scheduleExpression"] == "rate(6 hours)"
    target = schedule["target"]
    assert target["arn"] == cluster.outputs["arn"]
    ecs = target["ecsParameters"]
    assert ecs["taskDefinitionArn"] == task.outputs["arn"]
    assert ecs["launchType"] == "FARGATE" and ecs["taskCount"] == 1
    network = ecs["networkConfiguration"]
    assert network["assignPublicIp"] is False
    private = {r.rid for r in run.of("aws:ec2/subnet:Subnet") if "private" in r.name}
    assert set(network["subnets"]) == private and len(private) >= 2

    role = run.by_id(target["roleArn"])
    trust = json.loads(role.inputs["assumeRolePolicy"])["Statement"][0]
    assert trust["Principal"] == {"Service": "scheduler.amazonaws.com"}
    statements = policy(run, f"{job}-scheduler-policy")
    assert granted(statements, "ecs:RunTask") == [task.outputs["arn"]]
    run_task = next(s for s in statements if "ecs:RunTask" in s["Action"])
    assert run_task["Condition"] == {"ArnEquals": {"ecs:cluster": cluster.outputs["arn"]}}
    passed = set(granted(statements, "iam:PassRole"))
    assert passed == {task.inputs["executionRoleArn"], task.inputs["taskRoleArn"]}
    assert {a for s in statements for a in s["Action"]} == {"ecs:RunTask", "iam:PassRole"}


def test_the_retrain_task_runs_the_job_with_its_config_and_least_privilege(mocked) -> None:
    s = settings(
        "realtime",
        retrainMinRecords="500",
        retrainDriftPsi="0.3",
        retrainLookbackDays="14",
        retrainCpu="2048",
        retrainMemoryMb="8192",
        modelMetricThreshold="0.75",
    )
    run = mocked(lambda: build(s, APP))
    task = run.named("credit-api-retrain-task")
    container = json.loads(task.inputs["containerDefinitions"])[0]
    assert container["command"] == ["python", "-m", "credit.online.retrain"]
    assert (task.inputs["cpu"], task.inputs["memory"]) == ("2048", "8192")
    assert task.inputs["family"] == "credit-api-retrain-test"
    env = environment(run, "credit-api-retrain-task")
    raw = run.named("credit-lake-raw").outputs["bucket"]
    models = run.named("credit-lake-models").outputs["bucket"]
    assert env["RAW_BUCKET"] == raw and env["MODELS_BUCKET"] == models
    assert (env["RETRAIN_MIN_RECORDS"], env["RETRAIN_DRIFT_PSI"]) == ("500", "0.3")
    assert env["RETRAIN_LOOKBACK_DAYS"] == "14" and env["MODEL_METRIC_THRESHOLD"] == "0.75"
    assert (env["SERVED_PREFIX"], env["FEEDBACK_PREFIX"]) == ("served/", "feedback/")

    statements = policy(run, "credit-api-retrain-task-policy")
    raw_arn, models_arn = f"arn:aws:s3:::{raw}", f"arn:aws:s3:::{models}"
    assert set(granted(statements, "s3:GetObject")) == {
        f"{raw_arn}/served/*",
        f"{raw_arn}/feedback/*",
        f"{raw_arn}/training/*",
        f"{models_arn}/models/*",
    }
    assert granted(statements, "s3:PutObject") == [f"{models_arn}/models/*"]
    actions = {a for st in statements for a in st["Action"]}
    assert not any(a.startswith("s3:Delete") or a == "s3:*" for a in actions)
    assert "kms:Decrypt" in actions
    group = run.named("credit-api-retrain-logs").inputs
    assert group["kmsKeyId"] and group["namePrefix"] == "/archgen/credit-api-retrain/retrain-"


def test_the_api_tasks_may_add_records_and_follow_the_pointer(mocked) -> None:
    run = mocked(lambda: build(settings("realtime", modelPollS="30", recordFlushS="120"), APP))
    env = environment(run, "credit-api-task")
    raw = run.named("credit-lake-raw").outputs["bucket"]
    assert env["RECORD_TRAINING_DATA"] == "true" and env["RAW_BUCKET"] == raw
    assert (env["MODEL_POLL_S"], env["RECORD_FLUSH_S"]) == ("30", "120")
    statements = policy(run, "credit-api-task-policy")
    assert granted(statements, "s3:PutObject") == [
        f"arn:aws:s3:::{raw}/served/*",
        f"arn:aws:s3:::{raw}/feedback/*",
    ]
    assert not any(f"arn:aws:s3:::{raw}" in r for r in granted(statements, "s3:GetObject"))


def test_retrain_false_leaves_the_api_as_it_was(mocked) -> None:
    run = mocked(lambda: build(settings("realtime", retrain="false"), APP))
    assert not [r for r in run.resources if "-retrain" in r.name]
    assert run.of("aws:scheduler/schedule:Schedule") == []
    env = environment(run, "credit-api-task")
    assert not {"RECORD_TRAINING_DATA", "RAW_BUCKET", "MODEL_POLL_S"} & set(env)
    assert granted(policy(run, "credit-api-task-policy"), "s3:PutObject") == []


def test_two_stacks_get_their_own_retrain_task_family(mocked) -> None:
    s = settings("realtime")
    families = {
        stack: mocked(lambda: build(s, APP), stack=stack).named("credit-api-retrain-task")
        for stack in ("dev", "prod")
    }
    assert families["dev"].inputs["family"] != families["prod"].inputs["family"]


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("retrainSchedule", "every day"),
        ("retrainMinRecords", "0"),
        ("retrainDriftPsi", "0"),
        ("retrainLookbackDays", "400"),
        ("retrainCpu", "1000"),
        ("modelPollS", "0"),
        ("recordFlushS", "7200"),
    ],
)
def test_a_bad_retrain_setting_is_refused_naming_its_key(key: str, value: str) -> None:
    with pytest.raises(ValueError, match=key):
        settings("realtime", **{key: value})
