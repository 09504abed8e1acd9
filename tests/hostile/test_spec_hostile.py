"""Hostile model specs and samples: refused in one line, and nothing unsafe reaches a template.

The sandbox half runs the real `archgen new --schema/--sample` in a subprocess
against specs a hostile user hands it (anchors, aliases, a 10 MB file, NUL
bytes, a FIFO, 1e400 bounds, 10,000 features, names that are Python keywords
or dunders, category values with newlines or Jinja tags). The model half
proves the property templates rely on: every name the spec accepts is a plain
identifier, and every category value and description it accepts, quoted the
way templates quote it (`tojson`), is a Python string literal that evaluates
back to itself and holds no Jinja delimiter.
"""

from __future__ import annotations

import ast
import json
import keyword

import pytest
from harness import Sandbox
from hypothesis import given, settings
from hypothesis import strategies as st
from test_input_hostile import Case, answers, check_case, fifo, folder, run_bounded

from archgen.model_spec import (
    DEFAULT_SPEC,
    FeatureSpec,
    ModelSpec,
    spec_data,
)
from archgen.spec_names import check_name, check_value

SPEC = """\
entity: reading
id: sensor_id
task: regression
target: vibration_rms
features:
  - {name: temperature_c, type: float, min: -40, max: 150}
  - {name: site, type: category, values: [north, south]}
"""
NEW = ["new", "--no-input", "--pretend"]


def spec(text: str | bytes, name: str = "spec.yaml") -> object:
    return answers(text, name)


def with_feature(line: str) -> str:
    return SPEC + f"  - {line}\n"


def many_features(count: int) -> str:
    return SPEC + "".join(f"  - {{name: f{i}, type: bool}}\n" for i in range(count))


def alias_spec() -> str:
    return (
        SPEC.replace("[north, south]", "&v [north, south]")
        + "  - {name: zone, type: category, values: *v}\n"
    )


def schema_case(name: str, message: str, text: str | bytes, within_s: float = 20.0) -> Case:
    """`archgen new --schema spec.yaml` holding `text` must fail with `message`."""
    return Case(name, [*NEW, "--schema", "{file}"], message, spec(text), within_s=within_s)


def sample_case(name: str, message: str, text: str | bytes) -> Case:
    """`archgen new --sample data.csv` holding `text` must fail with `message`."""
    return Case(name, [*NEW, "--sample", "{file}"], message, spec(text, "data.csv"))


CASES: list[Case] = [
    schema_case(
        "spec-anchor",
        r"spec\.yaml:7:\d+: invalid YAML: YAML anchors \(&name\) are not allowed$",
        alias_spec(),
    ),
    schema_case(
        "spec-alias-bomb",
        r"spec\.yaml:\d+:\d+: invalid YAML: YAML anchors",
        "a: &a [x, x, x]\nb: &b [*a, *a, *a, *a]\n" + SPEC,
        within_s=5,
    ),
    schema_case(
        "spec-10-MB",
        r"spec\.yaml: is larger than 1024 KiB$",
        SPEC + "#" * (10 * 1024 * 1024) + "\n",
    ),
    schema_case(
        "spec-nul-byte",
        r"spec\.yaml: holds a NUL byte \(not a text file\)$",
        SPEC.encode() + b"  - {name: x\x00, type: bool}\n",
    ),
    Case(
        "spec-fifo",
        [*NEW, "--schema", "{file}"],
        r"answers\.fifo: is not a regular file$",
        fifo,
        within_s=5,
    ),
    Case(
        "spec-folder",
        [*NEW, "--schema", "{file}"],
        r"answers\.d: is a folder, not a file$",
        folder,
    ),
    Case(
        "spec-dev-zero",
        [*NEW, "--schema", "/dev/zero"],
        r"^archgen: error: /dev/zero: is not a regular file$",
        within_s=5,
    ),
    schema_case(
        "spec-1e400-bound",
        r"spec\.yaml:8: features\[2\]\.max: must be a finite number within \+-1e\+15$",
        with_feature("{name: load, type: float, min: 0, max: 1.0e+400}"),
    ),
    schema_case(
        "spec-1e400-plain",
        r"spec\.yaml:8: features\[2\]\.max: must be a number \(got '1e400'\)$",
        with_feature("{name: load, type: float, min: 0, max: 1e400}"),
    ),
    schema_case(
        "spec-huge-int-bound",
        r"spec\.yaml:8: features\[2\]\.max: must be a finite number",
        with_feature("{name: load, type: int, min: 0, max: " + "9" * 400 + "}"),
    ),
    schema_case(
        "spec-nan-bound",
        r"spec\.yaml:8: features\[2\]\.min: must be a finite number",
        with_feature("{name: load, type: float, min: .nan, max: 1}"),
    ),
    schema_case(
        "spec-10000-features",
        r"spec\.yaml:5: features: must have at most 200 items \(got 10002\)$",
        many_features(10_000),
    ),
    schema_case(
        "spec-keyword-name",
        r"spec\.yaml:8: features\[2\]\.name: name 'import' is reserved in the generated code$",
        with_feature("{name: import, type: bool}"),
    ),
    schema_case(
        "spec-dunder-name",
        r"spec\.yaml:8: features\[2\]\.name: name '__class__' must be lower-case letters",
        with_feature("{name: __class__, type: bool}"),
    ),
    schema_case(
        "spec-dunder-entity",
        r"spec\.yaml:1: entity: name '__init__' must be lower-case",
        SPEC.replace("entity: reading", "entity: __init__"),
    ),
    schema_case(
        "spec-pydantic-attribute",
        r"spec\.yaml:8: features\[2\]\.name: name 'schema' is reserved",
        with_feature("{name: schema, type: bool}"),
    ),
    schema_case(
        "spec-name-with-newline",
        r"spec\.yaml:2: id: name 'sensor_id\\n' must be lower-case",
        SPEC.replace("id: sensor_id", 'id: "sensor_id\\n"'),
    ),
    schema_case(
        "spec-value-newline",
        r"spec\.yaml:7: features\[1\]\.values\[1\]: category value 'sou\\nth' holds '\\n'",
        SPEC.replace("[north, south]", '[north, "sou\\nth"]'),
    ),
    schema_case(
        "spec-value-jinja",
        r"spec\.yaml:7: features\[1\]\.values\[1\]: "
        r"category value 'x \{\{ cookiecutter\.__' holds '\{'",
        SPEC.replace("[north, south]", "[north, 'x {{ cookiecutter.__class__ }}']"),
    ),
    schema_case(
        "spec-value-quote",
        r"features\[1\]\.values\[0\]: category value 'a\"\).*' holds '\"'",
        SPEC.replace("[north, south]", "['a\")\\; import os', south]"),
    ),
    schema_case(
        "spec-description-jinja",
        r"spec\.yaml:8: features\[2\]\.description: holds '\{'",
        with_feature("{name: ok, type: bool, description: '{% raw %}'}"),
    ),
    schema_case(
        "spec-description-newline",
        r"spec\.yaml:8: features\[2\]\.description: holds '\\n'",
        with_feature('{name: ok, type: bool, description: "a\\n\\"\\"\\"b"}'),
    ),
    schema_case(
        "spec-category-not-text",
        r"spec\.yaml:7: features\[1\]\.values\[0\]: must be text \(got \[1\]\)$",
        SPEC.replace("[north, south]", "[[1], south]"),
    ),
    schema_case(
        "spec-100-kB-name",
        r"spec\.yaml:2: id: name 'a+' must be lower-case",
        SPEC.replace("sensor_id", "a" * 100_000),
    ),
    Case(
        "spec-and-sample",
        [*NEW, "--schema", "{file}", "--sample", "{file}"],
        r"--schema and --sample both give the model spec; pass one of them$",
        spec(SPEC),
    ),
    Case(
        "sample-fifo",
        [*NEW, "--sample", "{file}"],
        r"answers\.fifo: is not a regular file$",
        fifo,
        within_s=5,
    ),
    sample_case(
        "sample-nul-byte",
        r"data\.csv: holds a NUL byte",
        b"a,b,y\n1,2,3\n\x00,1,2\n",
    ),
    sample_case(
        "sample-ragged",
        r"data\.csv:3: 2 fields in a row, 3 in the header$",
        "a,b,y\n1,2,3\n1,2\n",
    ),
    sample_case(
        "sample-jinja-header",
        r"data\.csv:1: column '\{\{ 1 \}\}' cannot be a field name",
        "{{ 1 }},y\n1,2\n",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_hostile_spec_is_refused_in_one_line(sandbox: Sandbox, case: Case) -> None:
    check_case(sandbox, case)


def test_hostile_category_values_in_a_sample_are_skipped_not_embedded(sandbox: Sandbox) -> None:
    rows = ["zone,load,y"] + [f'"{{{{ cookiecutter }}}}{i % 3}",{i},{i % 2}' for i in range(30)]
    path = sandbox.write("data.csv", "\n".join(rows) + "\n")
    run, _ = run_bounded(sandbox, [*NEW, "--sample", str(path)], timeout=20)
    assert run.returncode == 0, run.stderr
    assert "column zone is skipped: category value" in run.stderr
    assert "{{" not in run.stdout


# -- the model: what it accepts is safe to embed ------------------------------------------


def embeds(value: str) -> bool:
    """`value` quoted as templates quote it is a Python literal of itself, with no Jinja tag."""
    literal = json.dumps(value)
    source = f"VALUE = {literal}\n"
    parsed = ast.parse(source)
    return (
        ast.literal_eval(parsed.body[0].value) == value  # type: ignore[attr-defined]
        and not any(tag in literal for tag in ("{{", "{%", "{#", "}}", "%}", "#}"))
        and "\n" not in literal
    )


def accepted(check: object, value: str) -> bool:
    try:
        check(value)  # type: ignore[operator]
    except ValueError:
        return False
    return True


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=70))
def test_every_accepted_category_value_and_description_embeds_safely(value: str) -> None:
    if accepted(check_value, value):
        assert embeds(value)
        assert value == value.strip() and value.isprintable()
    try:
        FeatureSpec(name="f", type="bool", description=value)
    except ValueError:
        return
    assert embeds(value) and '"' not in value and "\\" not in value


@settings(max_examples=400, deadline=None)
@given(st.one_of(st.text(max_size=70), st.from_regex(r"[a-z_][a-z0-9_]{0,10}", fullmatch=True)))
def test_every_accepted_name_is_a_plain_identifier(name: str) -> None:
    if not accepted(check_name, name):
        return
    assert name.isidentifier() and name.isascii() and not keyword.iskeyword(name)
    assert not name.startswith("_") and name == name.lower()


@pytest.mark.parametrize(
    "name",
    [
        "__class__",
        "__init__",
        "class",
        "None",
        "True",
        "self",
        "dict",
        "json",
        "model_config",
        "model_fields",
        "copy",
        "_private",
        "a-b",
        "a b",
        "a\nb",
        "é",
    ],
)
def test_names_the_generated_code_would_choke_on_are_refused(name: str) -> None:
    assert not accepted(check_name, name)


@pytest.mark.parametrize(
    "value",
    [
        "{{ x }}",
        "{% if %}",
        "{# c #}",
        "a\nb",
        "a\rb",
        "a\u2028b",
        'say "x"',
        "a\\b",
        "it's",
        "<script>",
        " lead",
        "trail ",
        "",
        "x" * 65,
        "\u202eabc",
        "a\x00b",
    ],
)
def test_category_values_that_could_break_out_are_refused(value: str) -> None:
    assert not accepted(check_value, value)


def test_the_default_spec_itself_is_safe() -> None:
    data = spec_data(DEFAULT_SPEC)
    again = ModelSpec.model_validate(data)
    assert again == DEFAULT_SPEC
    for feature in again.features:
        assert all(embeds(v) for v in feature.values) and embeds(feature.description)
