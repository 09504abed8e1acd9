"""The stacks a team promotes through: dev, staging and prod configs derived from one sizing."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from archgen import aws_limits
from archgen.patterns import Pattern
from archgen.render_plan import prod_settings, stack_settings
from archgen.requirements import Requirements
from archgen.sizing import size
from archgen.stack_settings import StackSettings
from tests.generator.test_sizing import any_requirements

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
PROJECTS = sorted(p for p in EXAMPLES.iterdir() if (p / "infra" / "Pulumi.dev.yaml").is_file())
# eu-west-1 has 3 Fargate zones, us-west-1 2, ap-northeast-2 4; mars-1 is not in the table
REGIONS = ["eu-west-1", "us-west-1", "ap-northeast-2", "mars-1"]


@settings(max_examples=80, deadline=None)
@given(any_requirements(), st.sampled_from(list(Pattern)), st.sampled_from(REGIONS))
def test_every_stack_of_every_sizing_passes_aws_limits(
    req: Requirements, pattern: Pattern, region: str
) -> None:
    dev = StackSettings(**size(req, pattern).stack_config)
    for stack, sized in stack_settings(dev, region).items():
        assert sized.violations(region, stack=stack) == [], stack


@settings(max_examples=80, deadline=None)
@given(any_requirements(), st.sampled_from(REGIONS))
def test_prod_survives_losing_one_zone(req: Requirements, region: str) -> None:
    dev = StackSettings(**size(req, Pattern.HYBRID).stack_config)
    prod = prod_settings(dev, region)
    zones = aws_limits.availability_zones(region)[0]
    assert prod.availability_zones == min(3, zones)
    assert prod.api_min_tasks >= prod.availability_zones
    # ECS spreads tasks over the zones; the busiest zone holds ceil(desired / zones)
    left = prod.api_desired_tasks - math.ceil(prod.api_desired_tasks / prod.availability_zones)
    assert left >= dev.api_desired_tasks or prod.api_desired_tasks == 1000
    assert prod.api_min_tasks <= prod.api_desired_tasks <= prod.api_max_tasks
    assert prod.lb_deletion_protection and not dev.lb_deletion_protection
    assert prod.log_retention_days > dev.log_retention_days
    assert prod.alarm_email == ""
    assert prod.availability_target_pct == dev.availability_target_pct


def test_every_example_has_dev_staging_and_prod_that_pass_the_checks() -> None:
    for project in PROJECTS:
        infra = project / "infra"
        for stack in ("dev", "staging", "prod"):
            assert (infra / f"Pulumi.{stack}.yaml").is_file(), (project.name, stack)
        assert aws_limits.check_project_stacks(project) == [], project.name
        dev = yaml.safe_load((infra / "Pulumi.dev.yaml").read_text())["config"]
        staging = yaml.safe_load((infra / "Pulumi.staging.yaml").read_text())["config"]
        prod = yaml.safe_load((infra / "Pulumi.prod.yaml").read_text())["config"]
        assert staging == dev
        changed = sorted(k.split(":")[1] for k in dev if dev[k] != prod[k])
        assert "lbDeletionProtection" in changed and "logRetentionDays" in changed
        assert set(changed) <= {
            "availabilityZones",
            "apiMinTasks",
            "apiDesiredTasks",
            "apiMaxTasks",
            "lbDeletionProtection",
            "logRetentionDays",
        }
        head = (infra / "Pulumi.prod.yaml").read_text().split("config:")[0]
        assert "alarmEmail" in head and "dev" in head


def test_update_set_resizes_every_stack_and_keeps_a_hand_edit_in_prod(tmp_path: Path) -> None:
    import shutil
    import subprocess

    from click.testing import CliRunner

    from archgen.cli_update import update as update_cmd
    from archgen.update import check

    project = tmp_path / "credit-decisions"
    shutil.copytree(EXAMPLES / "credit-decisions", project)
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run([*git, "init", "-q"], cwd=project, check=True)
    prod_path = project / "infra" / "Pulumi.prod.yaml"
    prod_text = prod_path.read_text()
    assert "  credit-decisions:alarmEmail: ''\n" in prod_text
    prod_path.write_text(
        prod_text.replace(
            "  credit-decisions:alarmEmail: ''\n",
            "  credit-decisions:alarmEmail: oncall@credit.example\n",
        )
    )
    subprocess.run([*git, "add", "-A"], cwd=project, check=True)
    subprocess.run([*git, "commit", "-q", "-m", "gen"], cwd=project, check=True)

    def config(stack: str) -> dict[str, Any]:
        path = project / "infra" / f"Pulumi.{stack}.yaml"
        return dict(yaml.safe_load(path.read_text())["config"])

    before = {stack: config(stack) for stack in ("dev", "staging", "prod")}
    result = CliRunner().invoke(
        update_cmd,
        ["--set", "daily_volume=5,000,000", "--set", "scale_to_daily_volume=20,000,000"]
        + ["--project", str(project)],
    )

    assert result.exit_code == 0, result.output
    after = {stack: config(stack) for stack in ("dev", "staging", "prod")}
    key = "credit-decisions:apiMaxTasks"
    for stack in ("dev", "staging", "prod"):
        assert after[stack][key] > before[stack][key], stack
        assert f"infra/Pulumi.{stack}.yaml" in result.output
    assert after["staging"][key] == after["dev"][key]
    assert after["prod"][key] >= after["dev"][key]
    assert after["prod"]["credit-decisions:alarmEmail"] == "oncall@credit.example"
    assert after["prod"]["credit-decisions:lbDeletionProtection"] is True
    dev = StackSettings.from_mapping(
        {k.split(":", 1)[1]: v for k, v in after["dev"].items() if k.startswith("credit-")}
    )
    expected_prod = prod_settings(dev, "us-east-1")
    assert after["prod"][key] == expected_prod.api_max_tasks
    # check reports the hand-filled address against the rendered '' and nothing else
    drift = check(project).drift
    assert [(d.kind, d.path) for d in drift] == [("config", "infra/Pulumi.prod.yaml")]
    assert "alarmEmail" in drift[0].detail
