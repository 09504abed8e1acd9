"""`archgen new --schema/--sample`: the spec is recorded, replayed, priced into the gate."""

from __future__ import annotations

import filecmp
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from archgen.answers import load_record
from archgen.cli import cli
from archgen.model_spec import load_spec
from archgen.requirements import QUESTIONS

SPEC = """\
entity: reading
id: sensor_id
task: regression
target: vibration_rms
target_range: {min: 0, max: 40}
gate: {metric: rmse, threshold: 8}
features:
  - {name: temperature_c, type: float, min: -40, max: 150}
  - {name: rpm, type: int, min: 0, max: 20000}
  - {name: site, type: category, values: [north, south, east]}
  - {name: running, type: bool}
"""
SAMPLE = "sensor_id,temperature_c,site,vibration_rms\n" + "".join(
    f"s{i},{i * 1.5 - 20},{'ns'[i % 2]}x,{i * 0.25 + 1}\n" for i in range(40)
)


def run(*args: str, input: str | None = None) -> Any:
    return CliRunner().invoke(cli, list(args), input=input)


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def error_lines(result: Any) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("archgen: error:")]


def test_new_with_a_schema_records_it_and_replays_byte_for_byte(tmp_path: Path) -> None:
    spec = write(tmp_path, "spec.yaml", SPEC)
    first = tmp_path / "first"
    result = run(
        "new",
        "--no-input",
        "--schema",
        str(spec),
        "--project-name",
        "sensor-watch",
        "-o",
        str(first),
    )
    assert result.exit_code == 0, result.output + result.stderr
    project = first / "sensor-watch"
    record = load_record(project / ".archgen.yaml")
    assert record.model_spec == load_spec(spec)
    config = yaml.safe_load((project / "infra" / "Pulumi.dev.yaml").read_text(encoding="utf-8"))
    assert config["config"]["sensor-watch:modelMetricName"] == "rmse"
    assert config["config"]["sensor-watch:modelMetricThreshold"] == 8.0
    assert config["config"]["sensor-watch:modelMetricGoal"] == "min"

    second = tmp_path / "second"
    replay = run(
        "new", "--no-input", "--answers", str(project / ".archgen.yaml"), "-o", str(second)
    )
    assert replay.exit_code == 0, replay.output + replay.stderr
    assert load_record(second / "sensor-watch" / ".archgen.yaml") == record
    compared = filecmp.dircmp(project, second / "sensor-watch")
    assert not compared.diff_files and not compared.left_only and not compared.right_only

    check = run("check", "--project", str(project))
    assert check.exit_code == 0, check.output + check.stderr


def test_a_project_without_a_spec_records_none_and_means_the_credit_example(
    tmp_path: Path,
) -> None:
    result = run(
        "new", "--no-input", "--project-name", "plain-one", "--pretend", "-o", str(tmp_path)
    )
    assert result.exit_code == 0, result.output + result.stderr
    assert "Model spec: applicant: binary classification of defaulted from 7 features" in (
        result.output
    )


def test_pretend_shows_the_spec_in_its_summary(tmp_path: Path) -> None:
    spec = write(tmp_path, "spec.yaml", SPEC)
    result = run("new", "--no-input", "--pretend", "--schema", str(spec), "-o", str(tmp_path))
    assert result.exit_code == 0, result.output + result.stderr
    assert (
        "Model spec: reading: regression of vibration_rms from 4 features (gate: rmse at most 8)"
        in result.output
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["spec.yaml"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--schema", "{spec}", "--sample", "{sample}"], "--schema and --sample both give"),
        (["--target", "y"], "--target names the target column of a --sample"),
        (["--schema", "{dir}/missing.yaml"], "missing.yaml: no such model spec file"),
        (["--sample", "{dir}/missing.csv"], "missing.csv: no such sample file"),
        (["--schema", "{bad}"], "bad.yaml:2: id: name 'class' is reserved in the generated code"),
    ],
    ids=["both", "target-alone", "missing-spec", "missing-sample", "bad-field"],
)
def test_option_errors_are_one_line_and_exit_2(
    tmp_path: Path, args: list[str], message: str
) -> None:
    values = {
        "{spec}": str(write(tmp_path, "spec.yaml", SPEC)),
        "{sample}": str(write(tmp_path, "sample.csv", SAMPLE)),
        "{bad}": str(write(tmp_path, "bad.yaml", SPEC.replace("id: sensor_id", "id: class"))),
    }
    argv = [values.get(a, a.replace("{dir}", str(tmp_path))) for a in args]
    result = run("new", "--no-input", "--pretend", *argv, "-o", str(tmp_path / "out"))
    assert result.exit_code == 2, result.output + result.stderr
    lines = error_lines(result)
    assert len(lines) == 1 and message in lines[0], result.stderr
    assert "Traceback" not in result.output + result.stderr
    assert not (tmp_path / "out").exists()


def test_no_input_sample_prints_the_spec_and_records_it(tmp_path: Path) -> None:
    sample = write(tmp_path, "readings.csv", SAMPLE)
    result = run(
        "new",
        "--no-input",
        "--sample",
        str(sample),
        "--project-name",
        "sensor-watch",
        "-o",
        str(tmp_path),
    )
    assert result.exit_code == 0, result.output + result.stderr
    assert "# the model spec inferred from readings.csv\nentity: sensor\n" in result.output
    assert "note: read 40 rows of" in result.stderr
    record = load_record(tmp_path / "sensor-watch" / ".archgen.yaml")
    assert record.model_spec is not None and record.model_spec.task == "regression"
    assert [f.name for f in record.model_spec.features] == ["temperature_c", "site"]


def interactive(*answers: str, asked: int = len(QUESTIONS)) -> str:
    """Enter for the `asked` questions, then `answers`, then Enter for the recommendation."""
    return "\n".join([""] * asked + list(answers) + [""]) + "\n"


def test_interactive_sample_offers_to_save_then_confirms(tmp_path: Path) -> None:
    sample = write(tmp_path, "readings.csv", SAMPLE)
    saved = tmp_path / "inferred.yaml"
    lines = "\n".join([str(saved), "y"]) + "\n" + interactive()
    result = run("new", "--sample", str(sample), "--pretend", "-o", str(tmp_path), input=lines)
    assert result.exit_code == 0, result.output + result.stderr
    assert load_spec(saved).entity == "sensor"
    assert f"pass it with --schema {saved}" in result.stderr
    assert "Model spec file" not in result.stderr  # --sample answered it


def test_interactive_sample_declined_stops_in_one_line(tmp_path: Path) -> None:
    sample = write(tmp_path, "readings.csv", SAMPLE)
    result = run("new", "--sample", str(sample), "-o", str(tmp_path / "out"), input="\nn\n")
    assert result.exit_code == 2
    assert error_lines(result) == [
        "archgen: error: stopped: the inferred model spec was not accepted (save it, edit it, "
        "and pass it with --schema)"
    ]
    assert not (tmp_path / "out").exists()


def test_the_spec_prompt_reasks_after_a_bad_file_and_records_the_good_one(
    tmp_path: Path,
) -> None:
    bad = write(tmp_path, "bad.yaml", SPEC.replace("max: 20000", "max: -5"))
    good = write(tmp_path, "good.yaml", SPEC)
    result = run(
        "new",
        "--project-name",
        "sensor-watch",
        "-o",
        str(tmp_path),
        input=interactive(str(bad), str(good), asked=len(QUESTIONS) - 1),
    )
    assert result.exit_code == 0, result.output + result.stderr
    assert "bad.yaml:9: features[1].max: must be greater than min" in result.stderr
    record = load_record(tmp_path / "sensor-watch" / ".archgen.yaml")
    assert record.model_spec == load_spec(good)


def test_an_answers_file_with_an_inline_spec_keeps_it_at_the_prompt(tmp_path: Path) -> None:
    inline = "".join(f"  {line}\n" for line in SPEC.splitlines())
    answers = write(
        tmp_path, "answers.yaml", f"answers:\n  project_name: sensor-watch\nmodel_spec:\n{inline}"
    )
    result = run(
        "new", "--answers", str(answers), "--pretend", "-o", str(tmp_path), input=interactive("")
    )
    assert result.exit_code == 0, result.output + result.stderr
    assert "Empty keeps reading: regression of vibration_rms" in result.stderr
    assert "Model spec: reading: regression" in result.output
