"""The API-key secret: per stack, KMS-encrypted, read by the API task alone; `apiAuth: none`.

No key value is ever in the program: the secret is registered without a version,
and a team puts the keys with `aws secretsmanager put-secret-value`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from archgen.stack_settings import StackSettings
from archgen_stacks.policy import check_stack
from archgen_stacks.pricing import registered
from archgen_stacks.program import AppArtifacts, build
from archgen_stacks.scan import policy_findings

APP = AppArtifacts(package="credit")
SECRET = "aws:secretsmanager/secret:Secret"
TEMPLATE_AUTH = (
    Path(__file__).parents[2]
    / "templates/realtime/{{cookiecutter.project_slug}}"
    / "src/{{cookiecutter.package_name}}/api/auth.py"
)


def settings(pattern: str = "realtime", **values: Any) -> StackSettings:
    return StackSettings.from_mapping({"pattern": pattern, "namePrefix": "credit", **values})


def environment(run: Any) -> dict[str, Any]:
    """The environment of the API task (the one the ECS service runs)."""
    (service,) = run.of("aws:ecs/service:Service")
    task = run.by_id(service.inputs["taskDefinition"])
    (container,) = json.loads(task.inputs["containerDefinitions"])
    return {e["name"]: e["value"] for e in container["environment"]}


def statements(run: Any) -> list[tuple[str, dict[str, Any]]]:
    out = []
    for policy in run.of("aws:iam/rolePolicy:RolePolicy"):
        out += [(policy.name, s) for s in json.loads(policy.inputs["policy"])["Statement"]]
    return out


@pytest.mark.parametrize("pattern", ["realtime", "hybrid"])
def test_one_kms_encrypted_secret_per_stack_and_only_the_task_reads_it(
    mocked: Any, pattern: str
) -> None:
    run = mocked(lambda: build(settings(pattern), APP))
    api = {"realtime": "credit-api", "hybrid": "credit-hybrid-api"}[pattern]
    (secret,) = run.of(SECRET)
    (key,) = run.of("aws:kms/key:Key")
    assert secret.inputs["kmsKeyId"] == key.outputs["arn"]
    assert secret.inputs["namePrefix"] == f"{api}-api-keys-"
    assert not [r for r in run.resources if r.typ.startswith("aws:secretsmanager/secretVersion")]
    env = environment(run)
    assert env["API_AUTH"] == "apiKey" and env["API_KEYS_SECRET_ID"] == secret.outputs["arn"]
    reads = [
        (name, s) for name, s in statements(run) if any("secretsmanager" in a for a in s["Action"])
    ]
    assert [(name, s["Action"], s["Resource"]) for name, s in reads] == [
        (f"{api}-task-policy", ["secretsmanager:GetSecretValue"], [secret.outputs["arn"]])
    ]
    decrypt = [s for name, s in statements(run) if name == f"{api}-task-policy"]
    assert any(
        "kms:Decrypt" in s["Action"] and s["Resource"] == [key.outputs["arn"]] for s in decrypt
    )
    assert run.outputs["apiKeysSecretArn"] == secret.outputs["arn"]
    assert not [v for v in check_stack(_views(run)) if v.rule == "api-authentication"]


def _views(run: Any) -> list[Any]:
    from archgen_stacks.policy import ResourceView

    return [ResourceView(type=r.typ, name=r.name, props=r.inputs) for r in run.resources]


def test_a_team_key_encrypts_the_secret_too(mocked: Any) -> None:
    team_key = "arn:aws:kms:eu-west-1:123456789012:key/team"
    run = mocked(lambda: build(settings(kmsKeyArn=team_key), APP))
    (secret,) = run.of(SECRET)
    assert secret.inputs["kmsKeyId"] == team_key


def test_two_stacks_get_two_secrets(mocked: Any) -> None:
    a = mocked(lambda: build(settings(namePrefix="credit-dev"), APP)).of(SECRET)[0]
    b = mocked(lambda: build(settings(namePrefix="credit-prod"), APP)).of(SECRET)[0]
    assert a.inputs["namePrefix"] != b.inputs["namePrefix"]


def test_failed_attempts_become_a_metric_from_the_api_s_own_log_line(mocked: Any) -> None:
    run = mocked(lambda: build(settings(), APP))
    (metric,) = run.of("aws:cloudwatch/logMetricFilter:LogMetricFilter")
    (group,) = [
        g for g in run.of("aws:cloudwatch/logGroup:LogGroup") if g.name == "credit-api-logs"
    ]
    assert metric.inputs["logGroupName"] == group.outputs["name"]
    assert metric.inputs["pattern"] == '{ $.message = "authentication failed" }'
    assert metric.inputs["metricTransformation"]["name"] == "AuthFailures"
    assert 'log.warning(\n            "authentication failed",' in TEMPLATE_AUTH.read_text()


def test_api_auth_none_removes_the_secret_and_the_check_and_is_reported(mocked: Any) -> None:
    run = mocked(lambda: build(settings(apiAuth="none"), APP))
    assert not run.of(SECRET) and not run.of("aws:cloudwatch/logMetricFilter:LogMetricFilter")
    env = environment(run)
    assert env["API_AUTH"] == "none" and "API_KEYS_SECRET_ID" not in env
    assert not [s for _, s in statements(run) if any("secretsmanager" in a for a in s["Action"])]
    assert "apiKeysSecretArn" not in run.outputs
    found = [v for v in check_stack(_views(run)) if v.rule == "api-authentication"]
    assert [v.resource for v in found] == ["credit-api-task"]
    assert "apiAuth: none" in found[0].message


def test_archgen_scan_reports_an_unauthenticated_api() -> None:
    graph = registered(lambda: build(settings(apiAuth="none"), APP))
    (finding,) = policy_findings(graph)
    assert finding.check_id == "ARCHGEN_API_AUTHENTICATION"
    assert finding.resource == "credit-api-task" and finding.component == "credit-api"
    assert policy_findings(registered(lambda: build(settings(), APP))) == []


def test_api_auth_is_validated_with_one_line() -> None:
    with pytest.raises(ValueError, match=r"^stack config apiAuth: must be apiKey or none$"):
        settings(apiAuth="basic")
