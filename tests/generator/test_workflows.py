"""The generated CI/CD: pull requests preview dev, main deploys dev, a tag promotes staging
then prod, each stack through one reusable workflow with the policy pack on every preview
and up. Checked against schemastore's GitHub workflow schema (vendored by check-jsonschema)
and by reading the rendered workflows of the four example projects."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import yaml

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
PROJECTS = sorted(p for p in EXAMPLES.iterdir() if (p / ".archgen.yaml").is_file())
WORKFLOWS = sorted(w for p in PROJECTS for w in (p / ".github" / "workflows").glob("*.yml"))
REUSABLE = "./.github/workflows/pulumi.yml"


def load(path: Path) -> dict[str, Any]:
    doc = yaml.safe_load(path.read_text())
    assert isinstance(doc, dict)
    if True in doc:  # YAML 1.1 reads the `on:` key as a boolean
        doc["on"] = doc.pop(True)
    return doc


def ids(paths: list[Path]) -> list[str]:
    return [f"{p.parents[2].name}/{p.name}" for p in paths]


def is_pulumi_step(step: dict[str, Any]) -> bool:
    if str(step.get("uses", "")).startswith("pulumi/actions@"):
        return step.get("with", {}).get("command") in {"preview", "up", "update"}
    return bool(re.search(r"\bpulumi\s+(preview|up|update)\b", str(step.get("run", ""))))


def test_every_example_has_the_ci_and_the_reusable_deploy_workflow() -> None:
    assert len(PROJECTS) == 4
    for project in PROJECTS:
        names = {w.name for w in (project / ".github" / "workflows").glob("*.yml")}
        assert names == {"ci.yml", "pulumi.yml"}, project.name


def test_every_workflow_passes_the_schemastore_github_workflow_schema() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-workflows"]
        + [str(w) for w in WORKFLOWS],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_schema_check_catches_a_job_that_calls_a_workflow_and_sets_an_environment(
    tmp_path: Path,
) -> None:
    # GitHub refuses `environment` on a job that `uses:` a reusable workflow: the stack's
    # environment has to be passed as an input, which is why pulumi.yml takes one.
    ci = (PROJECTS[0] / ".github" / "workflows" / "ci.yml").read_text()
    bad = tmp_path / "ci.yml"
    bad.write_text(ci.replace("\n  prod:\n", "\n  prod:\n    environment: production\n", 1))
    result = subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-workflows"]
        + [str(bad)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert "jobs.prod" in result.stdout


@pytest.mark.parametrize("project", PROJECTS, ids=[p.name for p in PROJECTS])
def test_triggers_pull_requests_main_version_tags_and_manual_promotion(project: Path) -> None:
    on = load(project / ".github" / "workflows" / "ci.yml")["on"]
    assert "pull_request" in on
    assert on["push"]["branches"] == ["main"]
    assert on["push"]["tags"] == ["v*"]
    stack = on["workflow_dispatch"]["inputs"]["stack"]
    assert stack["type"] == "choice"
    assert set(stack["options"]) == {"dev", "staging", "prod"}
    assert "workflow_call" in load(project / ".github" / "workflows" / "pulumi.yml")["on"]


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=ids(WORKFLOWS))
def test_every_preview_and_up_runs_the_policy_pack_after_docker_buildx(workflow: Path) -> None:
    policy = workflow.parents[2] / "infra" / "policy" / "PulumiPolicy.yaml"
    assert policy.is_file()
    for name, job in load(workflow)["jobs"].items():
        steps = job.get("steps", [])
        pulumi = [i for i, step in enumerate(steps) if is_pulumi_step(step)]
        for i in pulumi:
            step = steps[i]
            if "uses" in step:
                assert step["with"]["policyPacks"] == "policy", (name, step)
                assert step["with"]["work-dir"] == "infra", (name, step)
            else:
                assert "--policy-pack policy" in step["run"], (name, step)
        if pulumi:
            buildx = [
                i
                for i, step in enumerate(steps)
                if str(step.get("uses", "")).startswith("docker/setup-buildx-action@v3")
            ]
            assert buildx and buildx[0] < pulumi[0], name


def test_the_reusable_workflow_previews_then_ups_in_the_stack_environment() -> None:
    for project in PROJECTS:
        reusable = load(project / ".github" / "workflows" / "pulumi.yml")
        (job,) = reusable["jobs"].values()
        assert job["environment"] == "${{ inputs.environment }}"
        steps = job["steps"]
        commands = [s["with"]["command"] for s in steps if is_pulumi_step(s)]
        assert commands == ["preview", "up"]
        up = next(s for s in steps if is_pulumi_step(s) and s["with"]["command"] == "up")
        assert up["if"] == "inputs.up"
        for step in steps:
            if is_pulumi_step(step):
                assert step["with"]["stack-name"] == "${{ inputs.stack }}"
        aws = next(s for s in steps if s.get("uses") == "aws-actions/configure-aws-credentials@v4")
        assert aws["with"]["role-to-assume"] == "${{ secrets.AWS_ROLE_ARN }}"
        assert reusable["permissions"]["id-token"] == "write"  # OIDC


def deploy_jobs(project: Path) -> dict[str, dict[str, Any]]:
    jobs = load(project / ".github" / "workflows" / "ci.yml")["jobs"]
    return {name: job for name, job in jobs.items() if job.get("uses") == REUSABLE}


@pytest.mark.parametrize("project", PROJECTS, ids=[p.name for p in PROJECTS])
def test_each_stack_deploys_in_its_environment_and_prod_needs_staging(project: Path) -> None:
    inputs = load(project / ".github" / "workflows" / "pulumi.yml")["on"]["workflow_call"]["inputs"]
    jobs = deploy_jobs(project)
    for name, job in jobs.items():
        assert set(job["with"]) <= set(inputs), name
        assert {k for k, v in inputs.items() if v.get("required")} <= set(job["with"]), name
        assert job["secrets"] == "inherit", name
    ups = {job["with"]["stack"]: job for job in jobs.values() if job["with"].get("up") is True}
    assert {stack: job["with"]["environment"] for stack, job in ups.items()} == {
        "dev": "dev",
        "staging": "staging",
        "prod": "production",
    }
    needs = ups["prod"]["needs"]
    assert "staging" in ([needs] if isinstance(needs, str) else needs)
    assert jobs["staging"] is ups["staging"]
    groups = set()
    for stack, job in ups.items():
        assert job["concurrency"]["cancel-in-progress"] is False, stack
        assert stack in job["concurrency"]["group"], stack
        groups.add(job["concurrency"]["group"])
    assert len(groups) == 3


def evaluate(condition: str, event: str, ref: str, stack: str) -> bool:
    """The few GitHub expression forms ci.yml uses, evaluated for one event."""
    python = condition.replace("&&", " and ").replace("||", " or ")
    namespace = {
        "github": SimpleNamespace(event_name=event, ref=ref),
        "inputs": SimpleNamespace(stack=stack),
        "startsWith": lambda text, prefix: text.startswith(prefix),
    }
    return bool(eval(python, {"__builtins__": {}}, namespace))


def jobs_that_run(project: Path, event: str, ref: str, stack: str = "") -> set[str]:
    jobs = load(project / ".github" / "workflows" / "ci.yml")["jobs"]
    ran: set[str] = set()
    for name, job in jobs.items():  # jobs are listed after the jobs they need
        needs = job.get("needs", [])
        needs = [needs] if isinstance(needs, str) else needs
        if all(n in ran for n in needs) and evaluate(job.get("if", "True"), event, ref, stack):
            ran.add(name)
    return ran


@pytest.mark.parametrize(
    ("event", "ref", "stack", "expected"),
    [
        ("pull_request", "refs/pull/7/merge", "", {"test", "scan", "cost", "preview"}),
        ("push", "refs/heads/main", "", {"test", "scan", "dev"}),
        ("push", "refs/tags/v1.4.0", "", {"test", "scan", "staging", "prod"}),
        ("workflow_dispatch", "refs/heads/main", "dev", {"test", "scan", "dev"}),
        ("workflow_dispatch", "refs/heads/main", "staging", {"test", "scan", "staging"}),
        ("workflow_dispatch", "refs/heads/main", "prod", {"test", "scan", "staging", "prod"}),
    ],
)
def test_which_stacks_each_event_deploys(
    event: str, ref: str, stack: str, expected: set[str]
) -> None:
    for project in PROJECTS:
        assert jobs_that_run(project, event, ref, stack) == expected, project.name
        preview = deploy_jobs(project)["preview"]
        assert preview["with"]["stack"] == "dev" and not preview["with"].get("up")


def test_the_readme_says_which_repository_settings_the_deploys_need() -> None:
    for project in PROJECTS:
        readme = (project / "README.md").read_text()
        block = " ".join(readme[readme.index("### Environments") :].split())
        for needed in (
            "`dev`, `staging` and `production`",
            "`AWS_ROLE_ARN`",
            "`PULUMI_ACCESS_TOKEN`",
            "required reviewers",
            "v*",
            "workflow_dispatch",
        ):
            assert needed in block, (project.name, needed)
