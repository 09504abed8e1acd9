"""`archgen cost` inside the generated examples: every resource once, diffs, the install hint."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from archgen.cli import cli
from archgen_stacks.pricing import registered
from archgen_stacks.pricing.project import project_config

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
PROJECTS = sorted(p.name for p in EXAMPLES.iterdir() if (p / "infra" / "Pulumi.dev.yaml").is_file())


def cost(project: Path, *args: str) -> dict[str, Any]:
    result = CliRunner().invoke(cli, ["cost", "--json", "--project", str(project), *args])
    assert result.exit_code == 0, result.output
    document: dict[str, Any] = json.loads(result.output)
    return document


def registered_names(project: Path) -> list[str]:
    """What the project's own program registers, run directly under the mocks."""
    import runpy

    from archgen_stacks.project_dir import program_dir

    infra = project / "infra"
    config = project_config((infra / "Pulumi.dev.yaml").read_text(encoding="utf-8"))
    name = next(k.split(":")[0] for k in config if not k.startswith("aws:"))

    def run() -> None:
        with program_dir(infra):
            runpy.run_path(str(infra / "__main__.py"), run_name="__main__")

    graph = registered(run, config, region=config.get("aws:region", "us-east-1"), project=name)
    return [r.name for r in graph if not r.is_component]


@pytest.mark.parametrize("example", PROJECTS)
def test_every_resource_of_an_example_appears_once_in_cost_json(example: str) -> None:
    project = EXAMPLES / example
    document = cost(project)
    names = [line["resource"] for line in document["lines"]]
    assert sorted(names) == sorted(registered_names(project))
    assert len(names) == len(set(names))
    assert document["total_usd"] == pytest.approx(
        sum(line["monthly_usd"] for line in document["lines"]), abs=0.05
    )
    for line in document["lines"]:
        assert line["priced"] or line["note"].startswith("not priced")


def test_a_streaming_project_has_no_training_line_and_a_table_storage_line() -> None:
    document = cost(EXAMPLES / "iot-sensor-monitoring")
    items = [c["item"] for line in document["lines"] for c in line["charges"]]
    assert not [i for i in items if "training" in i]
    table = next(x for x in document["lines"] if x["type"] == "aws:dynamodb/table:Table")
    assert any(c["item"].startswith("storage") for c in table["charges"])
    assert any(c["item"] == "point-in-time recovery" for c in table["charges"])


def copy_project(example: str, where: Path) -> Path:
    project = where / example
    shutil.copytree(EXAMPLES / example / "infra", project / "infra")
    shutil.copy(EXAMPLES / example / ".archgen.yaml", project / ".archgen.yaml")
    shutil.copy(EXAMPLES / example / "Dockerfile", project / "Dockerfile")  # the image's build
    return project


def test_diff_against_a_three_az_copy_shows_the_added_nat_gateway_and_subnets(
    tmp_path: Path,
) -> None:
    project = copy_project("credit-decisions", tmp_path)
    dev = (project / "infra" / "Pulumi.dev.yaml").read_text(encoding="utf-8")
    assert "availabilityZones: 2" in dev
    three = dev.replace("availabilityZones: 2", "availabilityZones: 3")
    (project / "infra" / "Pulumi.az3.yaml").write_text(three, encoding="utf-8")
    change = cost(project, "--stack", "az3", "--diff", "dev")["diff"]
    added = {r["type"] for r in change["added"]}
    assert {"aws:ec2/natGateway:NatGateway", "aws:ec2/subnet:Subnet", "aws:ec2/eip:Eip"} <= added
    assert change["delta_usd"] > 36  # a NAT gateway and its address: 730 h x ($0.045 + $0.005)
    assert not change["removed"]
    text = CliRunner().invoke(
        cli, ["cost", "--project", str(project), "--stack", "az3", "--diff", "dev"]
    )
    assert "+ credit-decisions-net-nat-2 (aws:ec2/natGateway:NatGateway)" in text.output


def test_the_usage_file_of_a_project_changes_its_estimate(tmp_path: Path) -> None:
    project = copy_project("iot-sensor-monitoring", tmp_path)
    before = cost(project)["total_usd"]
    (project / "infra" / "usage.yaml").write_text("item_bytes: 2048\n", encoding="utf-8")
    assert cost(project)["total_usd"] > before
    (project / "infra" / "usage.yaml").write_text("nonsense: 1\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["cost", "--project", str(project)])
    assert result.exit_code == 2 and "unknown key 'nonsense'" in result.output


def test_without_archgen_stacks_cost_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    project = copy_project("credit-decisions", tmp_path)
    monkeypatch.setitem(sys.modules, "archgen_stacks.pricing", None)
    result = CliRunner().invoke(cli, ["cost", "--project", str(project)])
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        "archgen: error: archgen cost needs archgen-stacks (pinned in the project's "
        "infra/requirements.txt): pip install -r infra/requirements.txt"
    ]


def test_diff_against_a_git_revision_of_the_same_stack_file(tmp_path: Path) -> None:
    import subprocess

    project = copy_project("fraud-scoring-api", tmp_path)

    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=project, check=True, capture_output=True)

    git("init", "-q")
    git("add", ".")
    git("-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "dev")
    stack = project / "infra" / "Pulumi.dev.yaml"
    text = stack.read_text(encoding="utf-8")
    stack.write_text(text.replace("egress: nat", "egress: endpoints"), encoding="utf-8")
    change = cost(project, "--diff", "HEAD")["diff"]
    assert change["base"]["stack"] == "dev@HEAD"
    removed = {r["type"] for r in change["removed"]}
    added = {r["type"] for r in change["added"]}
    assert "aws:ec2/natGateway:NatGateway" in removed
    assert "aws:ec2/vpcEndpoint:VpcEndpoint" in added
    result = CliRunner().invoke(cli, ["cost", "--project", str(project), "--diff", "no-such-ref"])
    assert result.exit_code == 2 and "--diff no-such-ref" in result.output


def test_a_teams_usage_edit_moves_only_its_lines_and_survives_update(tmp_path: Path) -> None:
    """Every generated project ships infra/usage.yaml; an edited value is priced and kept."""
    import subprocess

    import yaml

    from archgen import __version__
    from archgen.patterns import ModelUpdate, Pattern
    from archgen.record import ProjectRecord
    from archgen.requirements import Requirements
    from archgen.update import RenderRequest, default_renderer

    answers = Requirements(
        project_name="churn-demo",
        daily_volume=2_000_000,
        latency_p99_ms=43_200_000,
        model_update=ModelUpdate.WEEKLY,
    )
    record = ProjectRecord(archgen_version=__version__, answers=answers, pattern=Pattern.BATCH)
    project = tmp_path / "churn-demo"
    default_renderer(RenderRequest(record, None), project)
    usage_file = project / "infra" / "usage.yaml"
    shipped = yaml.safe_load(usage_file.read_text(encoding="utf-8"))
    assert shipped["requests_per_day"] == 2_000_000 and shipped["train_hours_per_run"] == 1.0

    before = {x["resource"]: x["monthly_usd"] for x in cost(project)["lines"]}
    text = usage_file.read_text(encoding="utf-8")
    assert text.count("train_hours_per_run: 1.0\n") == 1
    usage_file.write_text(
        text.replace("train_hours_per_run: 1.0\n", "train_hours_per_run: 3.0\n"), encoding="utf-8"
    )
    after = {x["resource"]: x["monthly_usd"] for x in cost(project)["lines"]}
    changed = {name for name in before if before[name] != after[name]}
    assert changed == {"churn-demo-batch-train-task"}
    assert after["churn-demo-batch-train-task"] == pytest.approx(
        3 * before["churn-demo-batch-train-task"], abs=0.02
    )

    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com"]
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "gen"]):
        subprocess.run([*git, *args], cwd=project, check=True)
    result = CliRunner().invoke(
        cli, ["update", "--set", "daily_volume=4000000", "--project", str(project)]
    )
    assert result.exit_code == 0, result.output
    kept = yaml.safe_load(usage_file.read_text(encoding="utf-8"))
    assert kept["train_hours_per_run"] == 3.0  # the team's edit
    assert kept["requests_per_day"] == 4_000_000  # the changed answer
