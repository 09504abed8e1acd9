"""The `archgen` command line through CliRunner and, for the real entry point, a subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from archgen import __version__
from archgen.cli import cli
from archgen.patterns import Pattern
from archgen.requirements import QUESTIONS

REPO = Path(__file__).resolve().parents[2]
CREDIT = REPO / "examples" / "credit-decisions" / ".archgen.yaml"


def run(*args: str, input: str | None = None) -> Any:
    return CliRunner().invoke(cli, list(args), input=input)


def test_version() -> None:
    result = run("--version")
    assert result.exit_code == 0
    assert __version__ in result.output


def test_recommend_json_for_the_credit_example_is_hybrid() -> None:
    result = run("recommend", "--answers", str(CREDIT), "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["pattern"] == "hybrid"
    assert data["recommended"] == "hybrid"
    assert {
        "scores",
        "reasons",
        "why_not",
        "warnings",
        "sizing",
        "cost",
        "answers",
        "schema_version",
    } <= set(data)
    assert {s["pattern"] for s in data["scores"]} == {p.value for p in Pattern}
    assert set(data["why_not"]) == {"batch", "realtime", "streaming"}
    assert data["answers"]["daily_volume"] == 10_000
    assert data["sizing"]["stack_config"]["pattern"] == "hybrid"
    assert data["cost"]["chosen"]["total_usd"] > 0


def test_recommend_flags_override_the_answers_file() -> None:
    result = run(
        "recommend",
        "--answers",
        str(CREDIT),
        "--json",
        "--urgency",
        "low",
        "--latency-p99-ms",
        "86400000",
        "--data-arrival",
        "files",
        "--complexity-tolerance",
        "low",
        "--model-update",
        "weekly",
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["answers"]["urgency"] == "next_day"
    assert data["recommended"] == "batch"


def test_every_question_is_a_flag() -> None:
    result = run("recommend", "--help")
    assert result.exit_code == 0
    for q in QUESTIONS:
        assert "--" + q.key.replace("_", "-") in result.output
    assert "Examples:" in result.output


@pytest.mark.parametrize("command", [[], ["recommend"], ["new"]])
def test_help_shows_an_example(command: list[str]) -> None:
    result = run(*command, "--help")
    assert result.exit_code == 0
    assert "Examples:" in result.output


def test_help_documents_shell_completion() -> None:
    assert "_ARCHGEN_COMPLETE=bash_source" in run("--help").output


def test_recommend_tables_show_decision_sizing_cost() -> None:
    result = run("recommend", "--answers", str(CREDIT))
    assert result.exit_code == 0, result.output
    for heading in ("Decision", "Recommended: Hybrid", "Sizing", "Monthly cost", "Headroom"):
        assert heading in result.output


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--daily-volume", "lots"], "--daily-volume: daily_volume"),
        (["--daily-volume", "0"], "daily_volume"),
        (
            ["--urgency", "extreme"],
            "--urgency: urgency: must be one of waiting, seconds, minutes, next_day",
        ),
        (["--peak-factor", "0.5"], "peak_factor"),
        (["--project-name", "Bad Name"], "project_name"),
        (["--region", "mars-1"], "region"),
        (["--pattern", "fast"], "--pattern: must be one of"),
    ],
)
def test_bad_flag_value_is_one_line_exit_2(args: list[str], needle: str) -> None:
    result = run("recommend", "--json", *args)
    assert result.exit_code == 2
    assert needle in result.stderr
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("archgen: error: ")
    assert "Traceback" not in result.output


def test_bad_answers_file_names_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "answers.yaml"
    bad.write_text("answers:\n  urgency: high\n  daily_volume: many\n", encoding="utf-8")
    result = run("recommend", "--answers", str(bad))
    assert result.exit_code == 2
    assert f"{bad}:3: answers.daily_volume" in result.stderr


@pytest.mark.parametrize("name", ["nope.yaml", "."])
def test_unreadable_answers_file_is_one_line(tmp_path: Path, name: str) -> None:
    result = run("recommend", "--answers", str(tmp_path / name))
    assert result.exit_code == 2
    assert result.stderr.startswith(f"archgen: error: {tmp_path / name}")
    assert result.stderr.count("\n") == 1


def test_new_no_input_calls_the_renderer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import archgen.render as render

    seen: dict[str, Any] = {}

    def fake_render(plan: Any, output_dir: Path, **kwargs: Any) -> Any:
        seen["plan"], seen["out"], seen["kwargs"] = plan, output_dir, kwargs
        return render.RenderResult(path=output_dir / "credit-decisions", files=["README.md"])

    monkeypatch.setattr(render, "render_project", fake_render)
    result = run("new", "--no-input", "--answers", str(CREDIT), "-o", str(tmp_path), "--pretend")
    assert result.exit_code == 0, result.output
    assert seen["plan"].decision.chosen is Pattern.HYBRID
    assert seen["out"] == tmp_path
    assert seen["kwargs"]["pretend"] is True
    assert "Would write 1 files" in result.output


def test_main_in_a_subprocess_reports_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "a.yaml"
    bad.write_text("answers: [1,\n", encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "archgen", "recommend", "--answers", str(bad)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
    )
    assert proc.returncode == 2
    assert proc.stderr.startswith(f"archgen: error: {bad}:")
    assert proc.stderr.count("\n") == 1


HEAVY = ("pulumi", "pulumi_aws", "moto", "boto3", "botocore", "cookiecutter")

PROBE = """
import sys
from archgen.cli import cli
try:
    cli.main(args=sys.argv[1:], prog_name="archgen", standalone_mode=False)
finally:
    heavy = sorted(m for m in {heavy!r} if m in sys.modules)
    print("HEAVY=" + ",".join(heavy), file=sys.stderr)
"""


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["recommend", "--answers", str(CREDIT)],
        ["recommend", "--answers", str(CREDIT), "--json"],
    ],
)
def test_start_up_path_imports_no_heavy_module(args: list[str]) -> None:
    proc = subprocess.run(
        [sys.executable, "-c", PROBE.format(heavy=HEAVY), *args],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "HEAVY=\n" in proc.stderr, proc.stderr


def test_interactive_new_asks_every_question_and_renders(tmp_path: Path) -> None:
    keys = [q.key for q in QUESTIONS]
    answers = {
        "project_name": "loan-desk",
        "daily_volume": "lots\n20000",
        "urgency": "high",
        "latency_p99_ms": "80",
    }
    # Enter keeps the defaults, the credit-decision model spec and the recommendation
    lines = [answers.get(k, "") for k in keys] + ["", ""]
    result = run("new", "-o", str(tmp_path), input="\n".join(lines) + "\n")
    assert result.exit_code == 0, result.output + result.stderr
    for q in QUESTIONS:
        assert q.prompt in result.stderr
    assert "daily_volume: must be an integer" in result.stderr  # re-asked after a bad answer
    assert "Recommended:" in result.stderr
    record = (tmp_path / "loan-desk" / ".archgen.yaml").read_text(encoding="utf-8")
    assert "project_name: loan-desk" in record
    assert "daily_volume: 20000" in record
    assert "latency_p99_ms: 80" in record


def test_interactive_override_warns_and_is_recorded(tmp_path: Path) -> None:
    lines = [""] * len(QUESTIONS) + ["", "realtime", "y"]
    result = run(
        "new", "--answers", str(CREDIT), "-o", str(tmp_path), input="\n".join(lines) + "\n"
    )
    assert result.exit_code == 0, result.output + result.stderr
    assert "warning: Real-Time instead of Hybrid" in result.stderr
    record = (tmp_path / "credit-decisions" / ".archgen.yaml").read_text(encoding="utf-8")
    assert "pattern: realtime" in record


def test_flags_are_not_asked_again(tmp_path: Path) -> None:
    given = ["--project-name", "fraud-scores", "--urgency", "high"]
    lines = [""] * (len(QUESTIONS) - 2) + ["", ""]
    result = run("new", *given, "-o", str(tmp_path), "--pretend", input="\n".join(lines) + "\n")
    assert result.exit_code == 0, result.output + result.stderr
    assert "Project name" not in result.stderr
    assert "How urgent" not in result.stderr
    assert not any(tmp_path.iterdir())  # --pretend writes nothing


def test_abort_at_a_prompt_exits_130_and_writes_nothing(tmp_path: Path) -> None:
    result = run("new", "-o", str(tmp_path), input="loan-desk\nhigh\n")  # then end of input
    assert result.exit_code == 130
    assert result.stderr.rstrip().endswith("Aborted.")
    assert not any(tmp_path.iterdir())


def test_no_input_new_renders_the_credit_example(tmp_path: Path) -> None:
    result = run("new", "--no-input", "--answers", str(CREDIT), "-o", str(tmp_path))
    assert result.exit_code == 0, result.output + result.stderr
    project = tmp_path / "credit-decisions"
    assert (project / ".archgen.yaml").read_text(encoding="utf-8") == CREDIT.read_text("utf-8")
    again = run("new", "--no-input", "--answers", str(CREDIT), "-o", str(tmp_path))
    assert again.exit_code == 2
    assert "--force" in again.stderr
    assert (
        run("new", "--no-input", "--answers", str(CREDIT), "-o", str(tmp_path), "--force").exit_code
        == 0
    )


def test_unknown_option_is_a_usage_error() -> None:
    result = run("recommend", "--daily-volumes", "5")
    assert result.exit_code == 2
    assert "No such option" in result.stderr


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["recommend", "--latency-p99-ms", "fast"], "archgen: error: --latency-p99-ms: "),
        (
            ["new", "--no-input", "--pattern", "batch", "--urgency", "high", "-o", "."],
            "archgen: error: pattern batch cannot be used",
        ),
    ],
)
def test_main_turns_errors_into_one_line(tmp_path: Path, args: list[str], needle: str) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "archgen", *args],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
    )
    assert proc.returncode in (1, 2)
    assert proc.stderr.startswith(needle)
    assert proc.stderr.count("\n") == 1
    assert not any(tmp_path.iterdir())


@pytest.mark.parametrize("name", ["packs", "update", "check"])
def test_commands_of_other_modules_load_on_demand(name: str) -> None:
    result = run(name, "--help")
    assert result.exit_code == 0, result.output
    assert f"Usage: cli {name}" in result.output or f"{name} [OPTIONS]" in result.output


def test_json_schema_document_lists_every_top_level_key() -> None:
    doc = (REPO / "docs" / "recommend-json.md").read_text(encoding="utf-8")
    data = json.loads(run("recommend", "--answers", str(CREDIT), "--json").output)
    documented = {line.split("`")[1] for line in doc.splitlines() if line.startswith("| `")}
    assert documented == set(data)


def test_interactive_new_with_a_pack_offers_only_what_the_pack_allows(tmp_path: Path) -> None:
    pack = REPO / "examples" / "team-pack"
    values = {
        "project_name": "sensor-watch",
        "daily_volume": "5000000",
        "urgency": "high",
        "latency_p99_ms": "200",
        "complexity_tolerance": "high",
    }
    pack_lines = ["fraud-ops", "confidential"]  # the pack's own questions, after the built-in
    lines = [values.get(q.key, "") for q in QUESTIONS] + [""] + pack_lines + ["hybrid", ""]
    result = run(
        "new", "--pack", str(pack), "--trust", "-o", str(tmp_path), input="\n".join(lines) + "\n"
    )
    assert result.exit_code == 0, result.output + result.stderr
    assert "forbids Streaming, Hybrid" in result.stderr
    assert "Error: 'hybrid' is not" in result.stderr  # re-asked: hybrid deploys Kinesis
    record = (tmp_path / "sensor-watch" / ".archgen.yaml").read_text(encoding="utf-8")
    assert "pattern: realtime" in record
    assert "team: fraud-ops" in record
    assert "data_classification: confidential" in record
    assert "northwind-platform" in record
    assert "region: eu-west-1" in record  # the pack's default region was offered


@pytest.mark.parametrize(
    "command",
    [
        (),
        ("recommend",),
        ("new",),
        ("packs",),
        ("packs", "list"),
        ("packs", "show"),
        ("update",),
        ("check",),
    ],
)
def test_every_help_shows_an_example(command: tuple[str, ...]) -> None:
    result = run(*command, "--help")
    assert result.exit_code == 0, result.output
    examples = result.output.split("Example", 1)[-1]
    assert "Example" in result.output and "archgen " in examples


def test_the_prompt_refuses_a_name_that_would_break_the_project(tmp_path: Path) -> None:
    lines = ["class", "numpy", "fraud-scores"] + [""] * (len(QUESTIONS) + 1)
    result = run("new", "-o", str(tmp_path), "--pretend", input="\n".join(lines) + "\n")
    assert result.exit_code == 0, result.output + result.stderr
    assert "project_name: 'class' is a Python keyword" in result.stderr
    assert "'numpy' would shadow the numpy package the project depends on" in result.stderr
    assert "fraud-scores" in result.output
