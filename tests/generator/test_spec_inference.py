"""`--sample FILE.csv`: a model spec inferred from the first rows of the user's data."""

from __future__ import annotations

import csv
import random
from pathlib import Path

import pytest

from archgen.errors import SpecError
from archgen.model_spec import FeatureSpec, dump_spec, load_spec
from archgen.safe_io import MAX_BYTES
from archgen.spec_inference import SAMPLE_ROWS, infer_spec


def write_csv(tmp_path: Path, rows: list[list[object]], name: str = "sample.csv") -> Path:
    path = tmp_path / name
    with path.open("w", newline="", encoding="utf-8") as out:
        csv.writer(out).writerows(rows)
    return path


def feature(features: list[FeatureSpec], name: str) -> FeatureSpec:
    return next(f for f in features if f.name == name)


def credit_rows(n: int = 200) -> list[list[object]]:
    rng = random.Random(7)
    jobs = ["employed", "self_employed", "unemployed", "retired"]
    rows: list[list[object]] = [
        [
            "applicant_id",
            "Income",
            "debt_ratio",
            "credit_history_months",
            "employment",
            "homeowner",
            "defaulted",
        ]
    ]
    for i in range(n):
        rows.append(
            [
                f"a{i:05d}",
                round(rng.uniform(12_000, 180_000), 2),
                round(rng.uniform(0.05, 1.9), 3),
                rng.randint(3, 480),
                rng.choice(jobs),
                rng.choice(["true", "false"]),
                rng.choice([0, 1]),
            ]
        )
    return rows


def test_a_credit_like_sample_gives_a_binary_spec(tmp_path: Path) -> None:
    inferred = infer_spec(write_csv(tmp_path, credit_rows()))
    spec = inferred.spec
    assert (spec.entity, spec.id, spec.task, spec.target) == (
        "applicant",
        "applicant_id",
        "binary",
        "defaulted",
    )
    assert spec.classes == ["0", "1"]
    names = [f.name for f in spec.features]
    assert names == ["income", "debt_ratio", "credit_history_months", "employment", "homeowner"]
    income = feature(spec.features, "income")
    assert income.type == "float" and income.min == 0 and 180_000 <= income.max <= 200_000
    months = feature(spec.features, "credit_history_months")
    assert months.type == "int" and months.min == 0 and months.max is not None
    assert months.max.is_integer() and 480 <= months.max <= 530
    assert feature(spec.features, "employment").values == sorted(
        ["employed", "self_employed", "unemployed", "retired"]
    )
    assert feature(spec.features, "homeowner").type == "bool"
    assert "column 'Income' is named income" in inferred.notes


def test_an_iot_sample_gives_a_regression_with_readable_ranges(tmp_path: Path) -> None:
    rng = random.Random(3)
    rows: list[list[object]] = [
        ["sensor_id", "temperature_c", "rpm", "site", "running", "vibration_rms"]
    ]
    for i in range(500):
        rows.append(
            [
                f"s-{i % 40}",
                round(rng.uniform(-21.3, 118.7), 1),
                rng.randint(0, 18_000),
                rng.choice(["north", "south", "east"]),
                rng.choice([0, 1]),
                round(rng.uniform(0.1, 31.4), 3),
            ]
        )
    spec = infer_spec(write_csv(tmp_path, rows)).spec
    assert (spec.entity, spec.id, spec.task, spec.target) == (
        "sensor",
        "sensor_id",
        "regression",
        "vibration_rms",
    )
    temperature = feature(spec.features, "temperature_c")
    assert (temperature.min, temperature.max) == (-40.0, 140.0)
    rpm = feature(spec.features, "rpm")
    assert (rpm.type, rpm.min, rpm.max) == ("int", 0.0, 20_000.0)
    assert feature(spec.features, "running").type == "bool"  # 0/1, not the target
    assert spec.target_range is not None
    assert (spec.target_range.min, spec.target_range.max) == (0.0, 35.0)
    assert spec.metric == "rmse" and spec.metric_goal == "min"


def test_a_multiclass_sample_and_an_explicit_target(tmp_path: Path) -> None:
    rng = random.Random(5)
    rows: list[list[object]] = [["ticket_id", "queue", "length_chars", "channel", "priority"]]
    for i in range(300):
        rows.append(
            [
                f"t{i}",
                rng.choice(["billing", "tech", "sales"]),
                rng.randint(10, 9000),
                rng.choice(["mail", "chat"]),
                rng.randint(1, 4),
            ]
        )
    path = write_csv(tmp_path, rows)
    spec = infer_spec(path, target="queue").spec
    assert spec.task == "multiclass" and spec.classes == ["billing", "sales", "tech"]
    assert feature(spec.features, "priority").type == "int"
    by_priority = infer_spec(path, target="priority").spec
    assert by_priority.task == "multiclass" and by_priority.classes == ["1", "2", "3", "4"]
    assert feature(by_priority.features, "queue").values == ["billing", "sales", "tech"]


def test_a_column_named_label_is_the_target_and_unique_text_is_the_id(tmp_path: Path) -> None:
    rows: list[list[object]] = [["label", "x", "note"]]
    rows += [["yes" if i % 3 else "no", i * 1.5, f"free text {i}"] for i in range(80)]
    spec = infer_spec(write_csv(tmp_path, rows)).spec
    assert spec.target == "label" and spec.task == "binary" and spec.classes == ["no", "yes"]
    assert (spec.entity, spec.id) == ("record", "note")
    assert [f.name for f in spec.features] == ["x"]


def test_without_an_id_column_requests_carry_record_id(tmp_path: Path) -> None:
    rows: list[list[object]] = [["x", "kind", "y"]]
    rows += [[i, "ab"[i % 2], i * 0.5] for i in range(30)]
    inferred = infer_spec(write_csv(tmp_path, rows))
    assert (inferred.spec.entity, inferred.spec.id) == ("record", "record_id")
    assert any("requests carry record_id" in note for note in inferred.notes)


def test_the_inferred_spec_prints_as_yaml_that_loads_back(tmp_path: Path) -> None:
    spec = infer_spec(write_csv(tmp_path, credit_rows(50))).spec
    written = tmp_path / "spec.yaml"
    written.write_text(dump_spec(spec), encoding="utf-8")
    assert load_spec(written) == spec


def test_a_huge_sample_is_read_only_for_its_first_mebibyte(tmp_path: Path) -> None:
    path = tmp_path / "huge.csv"
    with path.open("w", encoding="utf-8") as out:
        out.write("reading_id,load,hot,y\n")
        for i in range(200_000):
            out.write(f"r{i},{i % 977}.5,{i % 2},{(i * 7) % 13}.25\n")
    assert path.stat().st_size > 3 * MAX_BYTES
    inferred = infer_spec(path)
    assert inferred.spec.task == "regression"
    assert any(f"read {SAMPLE_ROWS} rows of the first 1 MiB" in n for n in inferred.notes)


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([], r"sample\.csv: the sample is empty"),
        ([["only"], [1], [2]], r"sample\.csv:1: one column"),
        ([["a", "b"]], r"sample\.csv: a header but no data rows"),
        ([["a", "b"], [1, 2], [3]], r"sample\.csv:3: 1 fields in a row, 2 in the header"),
        ([["a", "b", "y"], ["", "x", 1], ["", "x", 0]], r"sample\.csv: no usable features"),
        (
            [["a", "y"], [1, 1], [2, 1]],
            r"sample\.csv: target y: '1' in every row, nothing to learn",
        ),
        ([["a", "y"], [1, "x"], [2, "x"]], r"target y: 'x' in every row"),
        ([["a", "b"], [1, 2]], r"sample\.csv: target b: '2' in every row"),
        ([["a", "1x"], [1, 2]], r"sample\.csv:1: column '1x' cannot be a field name"),
        ([["A b", "a_b"], [1, 2]], r"sample\.csv:1: columns 'A b' and 'a_b' are both named a_b"),
        (
            [["a", "prediction"], [1, 2], [2, 3]],
            r"target column 'prediction': its name is reserved",
        ),
    ],
    ids=[
        "empty",
        "one-column",
        "no-rows",
        "ragged",
        "no-features",
        "constant-target",
        "constant-text-target",
        "one-row",
        "digit-header",
        "clashing-names",
        "reserved-target",
    ],
)
def test_nonsense_is_refused_in_one_line(
    tmp_path: Path, rows: list[list[object]], message: str
) -> None:
    with pytest.raises(SpecError, match=message) as caught:
        infer_spec(write_csv(tmp_path, rows))
    assert "\n" not in str(caught.value)


def test_an_unknown_target_names_the_columns(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match=r"--target 'nope': no such column \(applicant_id, income"):
        infer_spec(write_csv(tmp_path, credit_rows(5)), target="nope")


def test_binary_files_and_missing_files_are_refused(tmp_path: Path) -> None:
    binary = tmp_path / "data.csv"
    binary.write_bytes(b"a,b\n1,\x00\n")
    with pytest.raises(SpecError, match=r"data\.csv: holds a NUL byte"):
        infer_spec(binary)
    with pytest.raises(SpecError, match=r"gone\.csv: no such sample file$"):
        infer_spec(tmp_path / "gone.csv")


def test_skipped_columns_are_noted(tmp_path: Path) -> None:
    rows: list[list[object]] = [["order_id", "time", "constant", "empty", "comment", "amount", "y"]]
    rows += [
        [f"o{i}", f"2024-01-{i % 28 + 1:02d}", "same", "", f"text {i}", i, i % 2]
        for i in range(120)
    ]
    inferred = infer_spec(write_csv(tmp_path, rows))
    assert [f.name for f in inferred.spec.features] == ["amount"]
    joined = " | ".join(inferred.notes)
    assert "column time is skipped: its name is reserved" in joined
    assert "column constant is skipped: it holds one value ('same')" in joined
    assert "column empty is skipped: it holds no values" in joined
    assert "column comment is skipped: 120 different texts" in joined
