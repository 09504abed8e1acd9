"""Hand-edited stack config values AWS would reject: `archgen check` names the key and the
allowed values, exits 1 without a traceback, and changes nothing in the project."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from harness import Sandbox, snapshot, tree_diff

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

EDITS = [
    # (example, key, hand-edited value, what the report must say)
    ("churn-nightly", "firstTrainingDelayMinutes", 5000, "firstTrainingDelayMinutes"),
    ("churn-nightly", "scoreParallelism", 1001, "allowed: 1 to 1000"),
    ("churn-nightly", "imageTag", "not a tag!", "imageTag"),
    ("iot-sensor-monitoring", "imageUri", "docker.io/library/app:1", "not an ECR image"),
]


@pytest.mark.parametrize(
    ("example", "key", "value", "said"), EDITS, ids=[f"{e[0]}-{e[1]}" for e in EDITS]
)
def test_check_names_an_invalid_hand_edit_and_changes_nothing(
    sandbox: Sandbox, example: str, key: str, value: object, said: str
) -> None:
    project = sandbox.work / example
    shutil.copytree(EXAMPLES / example, project)
    dev = project / "infra" / "Pulumi.dev.yaml"
    document = yaml.safe_load(dev.read_text(encoding="utf-8"))
    namespace = next(k.split(":")[0] for k in document["config"] if not k.startswith("aws:"))
    document["config"][f"{namespace}:{key}"] = value
    if key == "imageTag":
        document["config"][f"{namespace}:imageBuild"] = False  # the tag the team pushes
    dev.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    before = snapshot(project)
    run = sandbox.run(["check"], cwd=project)
    assert "Traceback" not in run.stderr + run.stdout, run.stderr
    assert run.returncode == 1, (run.returncode, run.stdout, run.stderr)
    invalid = [line for line in run.stdout.splitlines() if line.startswith("invalid")]
    assert any(key in line and said in line for line in invalid), run.stdout
    assert tree_diff(before, snapshot(project)) == []
