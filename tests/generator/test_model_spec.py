"""The model spec: valid specs per task, one located line per malformed field, round trips."""

from __future__ import annotations

import json
import keyword
import math
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from archgen.answers import dump_record, load_text
from archgen.errors import AnswersError, SpecError
from archgen.model_spec import (
    DEFAULT_SPEC,
    MAX_FEATURES,
    ModelSpec,
    describe_spec,
    dump_spec,
    load_spec,
    spec_data,
)
from archgen.record import ProjectRecord
from archgen.spec_names import VALUE_PUNCTUATION

IOT = """\
entity: reading                 # what one prediction is about
id: sensor_id                   # the id field of a request
task: regression                # binary | multiclass | regression
target: vibration_rms           # the label column in training data
classes: []                     # for multiclass (binary: optional [negative, positive])
target_range: {min: 0, max: 40} # regression, optional
gate: {metric: rmse, threshold: 8}  # optional
features:
  - {name: temperature_c, type: float, min: -40, max: 150}
  - {name: rpm, type: int, min: 0, max: 20000}
  - {name: site, type: category, values: [north, south, east]}
  - {name: running, type: bool}
"""
CHURN = """\
entity: customer
id: customer_id
task: binary
target: churned
classes: [stays, leaves]
gate: {metric: auc, threshold: 0.75}
features:
  - {name: tenure_months, type: int, min: 0, max: 600}
  - {name: plan, type: category, values: [basic, plus, pro]}
"""
TICKETS = """\
entity: ticket
id: ticket_id
task: multiclass
target: queue
classes: [billing, tech, sales]
features:
  - {name: length_chars, type: int, min: 0, max: 100000, description: Characters in the body.}
  - {name: vip, type: bool}
"""


def spec_file(tmp_path: Path, text: str, name: str = "spec.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("text", "task", "metric", "goal", "threshold"),
    [
        (IOT, "regression", "rmse", "min", 8.0),
        (CHURN, "binary", "auc", "max", 0.75),
        (TICKETS, "multiclass", "macro_f1", "max", 0.5),
    ],
)
def test_a_valid_spec_of_each_task_loads(
    tmp_path: Path, text: str, task: str, metric: str, goal: str, threshold: float
) -> None:
    spec = load_spec(spec_file(tmp_path, text))
    assert spec.task == task
    context = spec.template_context()
    assert (context["metric"], context["metric_goal"], context["metric_threshold"]) == (
        metric,
        goal,
        threshold,
    )
    assert load_spec(spec_file(tmp_path, dump_spec(spec), "again.yaml")) == spec


def test_the_issue_example_reads_as_written(tmp_path: Path) -> None:
    spec = load_spec(spec_file(tmp_path, IOT))
    assert [f.name for f in spec.features] == ["temperature_c", "rpm", "site", "running"]
    assert spec.features[2].values == ["north", "south", "east"]
    assert spec.target_bounds == (0.0, 40.0)
    assert describe_spec(spec) == (
        "reading: regression of vibration_rms from 4 features (gate: rmse at most 8)"
    )


def replace(text: str, old: str, new: str) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


MALFORMED: list[tuple[str, str, str]] = [
    # (id, the spec text, the expected error after "spec.yaml:")
    (
        "max-below-min",
        replace(IOT, "max: 20000", "max: -5"),
        "10: features[1].max: must be greater than min",
    ),
    (
        "max-equals-min",
        replace(IOT, "max: 150", "max: -40"),
        "9: features[0].max: must be greater than min",
    ),
    (
        "int-fraction",
        replace(IOT, "min: 0, max: 20000", "min: 0.5, max: 20000"),
        "10: features[1].min: an int feature's bounds are whole numbers",
    ),
    (
        "missing-max",
        replace(IOT, ", max: 150", ""),
        "9: features[0].max: a float feature needs min and max",
    ),
    (
        "bounds-on-bool",
        replace(IOT, "type: bool}", "type: bool, min: 0}"),
        "12: features[3].min: min and max apply to float and int features",
    ),
    (
        "values-on-float",
        replace(IOT, "max: 150}", "max: 150, values: [a, b]}"),
        "9: features[0].values: values apply to category features",
    ),
    (
        "one-category",
        replace(IOT, "[north, south, east]", "[north]"),
        "11: features[2].values: a category feature needs 2 to 100 values",
    ),
    (
        "category-int",
        replace(IOT, "[north, south, east]", "[north, 3]"),
        "11: features[2].values[1]: must be text (got 3)",
    ),
    (
        "category-repeats",
        replace(IOT, "[north, south, east]", "[north, south, north]"),
        "11: features[2].values[2]: 'north' repeats values[0]",
    ),
    (
        "duplicate-feature",
        replace(IOT, "name: running", "name: rpm"),
        "12: features[3].name: 'rpm' repeats features[1]",
    ),
    (
        "keyword-name",
        replace(IOT, "name: rpm", "name: lambda"),
        "10: features[1].name: name 'lambda' is reserved",
    ),
    (
        "reserved-name",
        replace(IOT, "name: rpm", "name: prediction"),
        "10: features[1].name: name 'prediction' is reserved",
    ),
    (
        "pydantic-name",
        replace(IOT, "name: rpm", "name: model_dump"),
        "10: features[1].name: name 'model_dump' is reserved",
    ),
    (
        "upper-case-name",
        replace(IOT, "name: rpm", "name: RPM"),
        "10: features[1].name: name 'RPM' must be lower-case",
    ),
    (
        "unknown-type",
        replace(IOT, "type: bool", "type: boolean"),
        "12: features[3].type: must be one of 'float', 'int', 'category' or 'bool' (got 'boolean')",
    ),
    (
        "unknown-feature-key",
        replace(IOT, "type: bool}", "type: bool, unit: rpm}"),
        "12: features[3].unit: unknown key 'unit'",
    ),
    (
        "unknown-task",
        replace(IOT, "task: regression", "task: ranking"),
        "3: task: must be one of 'binary', 'multiclass' or 'regression' (got 'ranking')",
    ),
    ("missing-target", replace(IOT, "target: vibration_rms ", "#"), "1: target: is required"),
    (
        "id-is-a-feature",
        replace(IOT, "name: rpm", "name: sensor_id"),
        "2: id: 'sensor_id' is also features[1]",
    ),
    (
        "id-is-the-target",
        replace(IOT, "target: vibration_rms", "target: sensor_id"),
        "4: target: must differ from id",
    ),
    (
        "regression-classes",
        replace(IOT, "classes: []", "classes: [a, b]"),
        "5: classes: a regression task has no classes",
    ),
    (
        "range-reversed",
        replace(IOT, "{min: 0, max: 40}", "{min: 40, max: 0}"),
        "6: target_range.max: must be greater than min",
    ),
    (
        "gate-metric",
        replace(IOT, "metric: rmse", "metric: auc"),
        "7: gate.metric: 'auc' does not fit a regression task (rmse)",
    ),
    (
        "gate-threshold",
        replace(IOT, "threshold: 8", "threshold: -1"),
        "7: gate.threshold: an rmse threshold is positive",
    ),
    (
        "auc-above-one",
        replace(CHURN, "threshold: 0.75", "threshold: 75"),
        "6: gate.threshold: a auc threshold is in (0, 1]",
    ),
    (
        "binary-three-classes",
        replace(CHURN, "[stays, leaves]", "[a, b, c]"),
        "5: classes: a binary task has two classes: [negative, positive]",
    ),
    (
        "multiclass-two",
        replace(TICKETS, "[billing, tech, sales]", "[billing, tech]"),
        "5: classes: a multiclass task needs 3 to 100",
    ),
    (
        "class-with-space",
        replace(TICKETS, "[billing, tech, sales]", "[billing, tech, 'big sales']"),
        "5: classes[2]: class 'big sales' must be letters",
    ),
    (
        "no-features",
        TICKETS.split("features:")[0] + "features: []\n",
        "6: features: must have at least 1 items (got 0)",
    ),
    (
        "features-not-a-list",
        TICKETS.split("features:")[0] + "features: many\n",
        "6: features: must be a list (got 'many')",
    ),
    (
        "bool-bound",
        replace(IOT, "max: 150", "max: yes"),
        "9: features[0].max: must be a number, not true or false",
    ),
    (
        "text-bound",
        replace(IOT, "max: 150", "max: hot"),
        "9: features[0].max: must be a number (got 'hot')",
    ),
    ("duplicate-key", IOT + "entity: again\n", "13: entity: duplicate key"),
    (
        "description-quote",
        replace(TICKETS, "Characters in the body.", "'Say \"hi\"'"),
        "7: features[0].description: holds '\"'",
    ),
    ("not-a-mapping", "- entity\n", "1: expected a model spec mapping, got list"),
]


@pytest.mark.parametrize(
    ("text", "expected"), [m[1:] for m in MALFORMED], ids=[m[0] for m in MALFORMED]
)
def test_a_malformed_field_is_one_line_with_file_line_and_field(
    tmp_path: Path, text: str, expected: str
) -> None:
    with pytest.raises(SpecError) as caught:
        load_spec(spec_file(tmp_path, text))
    message = str(caught.value)
    assert "\n" not in message and len(message) < 400, message
    assert message.startswith(f"{tmp_path / 'spec.yaml'}:{expected}"), message


def test_an_empty_or_missing_file_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match=r"spec\.yaml: expected a model spec mapping, got nothing"):
        load_spec(spec_file(tmp_path, ""))
    with pytest.raises(SpecError, match=r"nope\.yaml: no such model spec file$"):
        load_spec(tmp_path / "nope.yaml")


def test_an_inline_spec_in_an_answers_file_is_located_too() -> None:
    text = "answers:\n  project_name: sensor-watch\nmodel_spec:\n" + "".join(
        f"  {line}\n" for line in replace(IOT, "max: 20000", "max: -5").splitlines()
    )
    with pytest.raises(
        AnswersError,
        match=r"^a\.yaml:13: model_spec\.features\[1\]\.max: must be greater than min$",
    ):
        load_text(text, "a.yaml")


def test_the_record_keeps_a_spec_and_leaves_out_the_default(tmp_path: Path) -> None:
    spec = load_spec(spec_file(tmp_path, IOT))
    record = ProjectRecord(model_spec=spec)
    text = dump_record(record)
    assert "model_spec:\n  entity: reading\n" in text
    again = load_text(text, "r.yaml")
    assert again == record and dump_record(again) == text
    assert "model_spec" not in dump_record(ProjectRecord(model_spec=DEFAULT_SPEC))
    assert load_text(dump_record(ProjectRecord()), "old.yaml").model_spec is None


# -- property: random valid specs round-trip through YAML and template_context -------------

NAMES = st.from_regex(r"[a-z][a-z0-9_]{0,20}", fullmatch=True).filter(
    lambda n: not keyword.iskeyword(n) and not n.startswith("model_")
)
VALUE = st.text(
    alphabet=st.sampled_from("abcXYZ019é" + "".join(sorted(VALUE_PUNCTUATION))),
    min_size=1,
    max_size=12,
).map(lambda v: "v" + v.strip())
BOUND = st.floats(min_value=-1e12, max_value=1e12, allow_nan=False)


@st.composite
def features(draw: st.DrawFn, name: str) -> dict[str, Any]:
    kind = draw(st.sampled_from(["float", "int", "category", "bool"]))
    out: dict[str, Any] = {"name": name, "type": kind}
    if kind in ("float", "int"):
        low = draw(BOUND)
        high = low + draw(st.floats(min_value=1, max_value=1e6))
        if kind == "int":
            low, high = math.floor(low), math.ceil(high)
        out.update(min=low, max=high)
    if kind == "category":
        out["values"] = draw(st.lists(VALUE, min_size=2, max_size=8, unique=True))
    return out


@st.composite
def specs(draw: st.DrawFn) -> dict[str, Any]:
    names = draw(st.lists(NAMES, min_size=4, max_size=12, unique=True))
    try:
        ModelSpec(
            entity=names[0],
            id=names[1],
            task="regression",
            target=names[2],
            features=[{"name": n, "type": "bool"} for n in names[3:]],
        )  # type: ignore[list-item]
    except ValueError:
        names = ["thing", "thing_id", "outcome", "signal"]
    task = draw(st.sampled_from(["binary", "multiclass", "regression"]))
    data: dict[str, Any] = {"entity": names[0], "id": names[1], "task": task, "target": names[2]}
    if task == "multiclass":
        data["classes"] = draw(
            st.lists(
                st.from_regex(r"[a-z][a-z0-9_.-]{0,8}", fullmatch=True),
                min_size=3,
                max_size=6,
                unique=True,
            )
        )
    if task == "regression" and draw(st.booleans()):
        low = draw(BOUND)
        data["target_range"] = {
            "min": low,
            "max": low + draw(st.floats(min_value=1, max_value=1e6)),
        }
    data["features"] = [draw(features(n)) for n in names[3:]]
    return data


@settings(max_examples=60, deadline=None)
@given(specs())
def test_random_valid_specs_round_trip_through_yaml_and_the_template_context(
    data: dict[str, Any],
) -> None:
    spec = ModelSpec.model_validate(data)
    text = dump_spec(spec)
    again = ModelSpec.model_validate(yaml.safe_load(text))
    assert again == spec
    assert dump_spec(again) == text
    context = spec.template_context()
    assert json.loads(json.dumps(context)) == context
    assert [f["name"] for f in context["features"]] == [f.name for f in spec.features]
    for name in (context["id"], context["target"], *(f["name"] for f in context["features"])):
        assert name.isidentifier() and not keyword.iskeyword(name)
    assert spec_data(spec)["features"] == spec_data(again)["features"]
    record = ProjectRecord(model_spec=spec)
    assert load_text(dump_record(record), "r.yaml") == record


def test_max_features_is_enforced() -> None:
    feature = {"type": "bool"}
    data = {"entity": "e", "id": "e_id", "task": "binary", "target": "t"}
    many = [{**feature, "name": f"f{i}"} for i in range(MAX_FEATURES + 1)]
    with pytest.raises(ValueError, match=re.escape(f"at most {MAX_FEATURES}")):
        ModelSpec.model_validate({**data, "features": many})
