"""`archgen scan` on the generated examples: no failure left unaccepted, one-line errors."""

from __future__ import annotations

import json
import sys
import tempfile
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from archgen.cli import cli
from archgen_stacks.scan import ACCEPTED_FILE, load
from archgen_stacks.scan import runner as scan_runner

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "hostile"))
from harness import snapshot, tree_diff  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
PROJECTS = sorted(p.name for p in EXAMPLES.iterdir() if (p / "infra" / "Pulumi.dev.yaml").is_file())
TEMPLATE_ACCEPTED = ROOT / "templates" / "base" / "{{cookiecutter.project_slug}}" / "infra"


def copy_project(example: str, where: Path, **config: Any) -> Path:
    """A fresh render of the example's record (examples/ may lag the stack library), with
    `config` keys set in its dev stack."""
    result = CliRunner().invoke(
        cli,
        [
            "new",
            "--no-input",
            "--answers",
            str(EXAMPLES / example / ".archgen.yaml"),
            "-o",
            str(where),
        ],
    )
    assert result.exit_code == 0, result.output
    project = where / example
    stack = project / "infra" / "Pulumi.dev.yaml"
    document = yaml.safe_load(stack.read_text(encoding="utf-8"))
    document["config"].update({f"{example}:{key}": value for key, value in config.items()})
    stack.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    assert (project / "infra" / ACCEPTED_FILE).read_bytes() == (
        TEMPLATE_ACCEPTED / ACCEPTED_FILE
    ).read_bytes()
    return project


PUBLIC = "fraud-scoring-api"
CERT = "arn:aws:acm:us-east-1:123456789012:certificate/abc"


def scan(project: Path, *args: str) -> tuple[int, Any]:
    result = CliRunner().invoke(cli, ["scan", "--json", "--project", str(project), *args])
    return result.exit_code, json.loads(result.output)


@pytest.fixture(scope="module")
def reports(checkov: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[int, Any]]:
    where = tmp_path_factory.mktemp("scan")
    found = {name: scan(copy_project(name, where)) for name in PROJECTS}
    public = copy_project(PUBLIC, where / "public", certificateArn=CERT, lbDeletionProtection=True)
    found["public"] = scan(public)
    return found


@pytest.mark.parametrize("example", [*PROJECTS, "public"])
def test_every_failed_check_of_an_example_is_accepted_with_a_reason(
    example: str, reports: dict[str, tuple[int, Any]]
) -> None:
    code, document = reports[example]
    assert document["failed"] == [], document["failed"]
    assert code == 0
    assert document["passed"] > 100
    assert all(a["reason"] for a in document["accepted"])


def test_every_accepted_entry_is_used_by_some_pattern(reports: dict[str, tuple[int, Any]]) -> None:
    entries = load(TEMPLATE_ACCEPTED)
    stale_everywhere = set.intersection(
        *({(s["check_id"], s["resource"]) for s in doc["stale"]} for _, doc in reports.values())
    )
    assert not stale_everywhere
    assert len(entries) <= 20  # short, and the same for every pattern


def test_a_failure_not_accepted_fails_the_scan_and_is_grouped_by_component(
    tmp_path: Path, reports: dict[str, tuple[int, Any]]
) -> None:
    project = copy_project("fraud-scoring-api", tmp_path)
    (project / "infra" / ACCEPTED_FILE).write_text("[]\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["scan", "--project", str(project)])
    assert result.exit_code == 1
    groups = result.output.split("\nfraud-scoring-api-")
    api = next(g for g in groups if g.startswith("api\n"))
    assert "  CKV_AWS_2  fraud-scoring-api-api-http  Ensure ALB protocol is HTTPS" in api
    assert result.output.rstrip().endswith("FAILED")


def test_an_accepted_entry_without_a_reason_is_a_one_line_error(
    tmp_path: Path, reports: dict[str, tuple[int, Any]]
) -> None:
    project = copy_project("churn-nightly", tmp_path)
    (project / "infra" / ACCEPTED_FILE).write_text("- check_id: CKV_AWS_1\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["scan", "--project", str(project)])
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        f"archgen: error: infra/{ACCEPTED_FILE}: entry 1 (CKV_AWS_1): "
        "every accepted check needs a `reason`"
    ]


def test_bad_input_is_one_line_and_never_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def run(*args: str) -> tuple[int, str]:
        result = CliRunner().invoke(cli, ["scan", *args])
        assert result.exception is None or isinstance(result.exception, SystemExit)
        return result.exit_code, result.output.strip()

    assert run("--project", str(tmp_path / "missing"))[0] == 2
    code, out = run("--project", str(tmp_path))
    assert (
        code == 2
        and out == f"archgen: error: {tmp_path} has no infra/ (is this a generated project?)"
    )
    project = copy_project("churn-nightly", tmp_path)
    code, out = run("--project", str(project), "--stack", "nope")
    assert code == 2 and "no stack config" in out and "Pulumi.nope.yaml" in out
    monkeypatch.delenv(scan_runner.CHECKOV_ENV, raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(scan_runner.sys, "executable", str(tmp_path / "python"))
    code, out = run("--project", str(project))
    assert (code, out) == (1, f"archgen: error: {scan_runner.INSTALL_HINT}")
    monkeypatch.setenv(scan_runner.CHECKOV_ENV, str(tmp_path / "nothing"))
    code, out = run("--project", str(project))
    assert code == 1 and out.endswith("is not an executable checkov")


def test_checkov_is_an_extra_that_a_plain_install_does_not_pull() -> None:
    stacks = tomllib.loads((ROOT / "stacks" / "pyproject.toml").read_text(encoding="utf-8"))
    archgen = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert stacks["project"]["optional-dependencies"]["scan"] == ["checkov>=3.2,<4"]
    plain = [*stacks["project"]["dependencies"], *archgen["project"]["dependencies"]]
    assert not [d for d in plain if d.startswith("checkov")]
    assert "scan" in CliRunner().invoke(cli, ["--help"]).output


@pytest.mark.parametrize(
    "accepted_text", ["[]\n", "- check_id: CKV_AWS_1\n"], ids=["failing", "malformed"]
)
def test_a_scan_changes_nothing_in_the_project_and_leaves_no_debris(
    tmp_path: Path,
    accepted_text: str,
    monkeypatch: pytest.MonkeyPatch,
    reports: dict[str, tuple[int, Any]],
) -> None:
    """Failed or refused, a scan writes nothing into the project and cleans its temp files."""
    project = copy_project("churn-nightly", tmp_path / "p")
    (project / "infra" / ACCEPTED_FILE).write_text(accepted_text, encoding="utf-8")
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setenv("TMPDIR", str(scratch))
    monkeypatch.setattr(tempfile, "tempdir", None)
    before = snapshot(project)
    result = CliRunner().invoke(cli, ["scan", "--project", str(project)])
    assert result.exit_code == (1 if accepted_text == "[]\n" else 2), result.output
    assert "Traceback" not in result.output
    assert tree_diff(before, snapshot(project)) == []
    assert list(scratch.iterdir()) == []
