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
from harness import Sandbox, assert_clean_failure
from hypothesis import given, settings
from hypothesis import strategies as st
from test_input_hostile import Case, answers, fifo, run_bounded

from archgen.model_spec import (
    DEFAULT_SPEC,
    FeatureSpec,
    ModelSpec,
    check_name,
    check_value,
    spec_data,
)

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


CASES: list[Case] = [
    Case(
        "spec-anchor",
        [*NEW, "--schema", "{file}"],
        r"spec\.yaml:7:\d+: invalid YAML: YAML anchors \(&name\) are not allowed$",
        spec(alias_spec()),
    ),
    Case(
        "spec-alias-bomb",
        [*NEW, "--schema", "{file}"],
        r"spec\.yaml:\d+:\d+: invalid YAML: YAML anchors",
        spec("a: &a [x, x, x]\nb: &b [*a, *a, *a, *a]\n" + SPEC),
        within_s=5,
    ),
    Case(
        "spec-10-MB",
        [*NEW, "--schema", "{file}"],
        r"spec\.yaml: is larger than 1024 KiB$",
        spec(SPEC + "#" * (10 * 1024 * 1024) + "\n"),
    ),
    Case(
        "spec-nul-byte",
        [*NEW, "--schema", "{file}"],
        r"spec\.yaml: holds a NUL byte \(not a text file\)$",
        spec(SPEC.encode() + b"  - {name: x\x00, type: bool}\n"),
    ),
    Case(
        "spec-fifo",
        [*NEW, "--schema", "{file}"],
        r"answers\.fifo: is not a regular file$",
        fifo,
        within_s=5,
    ),
    Case(
        "spec-dev-zero",
        [*NEW, "--schema", "/dev/zero"],
        r"^archgen: error: /dev/zero: is not a regular file$",
        within_s=5,
    ),
    Case(
        "spec-1e400-bound",
        [*NEW, "--schema", "{file}"],
        r"spec\.yaml:8: features\[2\]\.max: must be a finite number within \+-1e\+15$",
        spec(with_feature("{name: load, type: float, min: 0, max: 1.0e+400}")),
    ),
    Case(
        "spec-1e400-plain",
        [*NEW, "--schema", "{file}"],
        r"spec\.yaml:8: features\[2\]\.max: must be a number \(got '1e400'\)$",
        spec(with_feature("{name: load, type: float, min: 0, max: 1e400}")),
    ),
    Case(
        "spec-huge-int-bound",
        [*NEW, "--schema", "{file}"],
        r"spec\.yaml:8: features\[2\]\.max: must be a finite number",
        spec(with_feature("{name: load, type: int, min: 0, max: " + "9" * 400 + "}")),
    ),
    Case(
        "spec-nan-bound",
        [*NEW, "--schema", "{file}"],
        r"spec\.yaml:8: features\[2\]\.min: must be a finite number",
        spec(with_feature("{name: load, type: float, min: .nan, max: 1}")),
    ),
    Case(
        "spec-10000-features",
        [*NEW, "--schema", "{file}"],
        r"spec\.yaml:5: features: must have at most 200 items \(got 10002\)$",
        spec(many_features(10_000)),
    ),
    Case(
        "spec-keyword-name",
        [*NEW, "--schema", "{file}"],
        r"spec\.yaml:8: features\[2\]\.name: name 'import' is reserved in the generated code$",
        spec(with_feature("{name: import, type: bool}")),
    ),
    Case(
        "spec-dunder-name",
        [*NEW, "--schema", "{file}"],
        r"spec\.yaml:8: features\[2\]\.name: name '__class__' must be lower-case letters",
        spec(with_feature("{name: __class__, type: bool}")),
    ),
    Case(
        "spec-dunder-entity",
        [*NEW, "--schema", "{file}"],
        r"spec\.yaml:1: entity: name '__init__' must be lower-case",
        spec(SPEC.replace("entity: reading", "entity: __init__")),
    ),
    Case(
        "spec-pydantic-attribute",
        [*NEW, "--schema", "{file}"],
        r"spec\.yaml:8: features\[2\]\.name: name 'schema' is reserved",
        spec(with_feature("{name: schema, type: bool}")),
    ),
    Case(
        "spec-name-with-newline",
        [*NEW, "--schema", "{file}"],
        r"spec\.yaml:2: id: name 'sensor_id\\n' must be lower-case",
        spec(SPEC.replace("id: sensor_id", 'id: "sensor_id\\n"')),
    ),
    Case(
        "spec-value-newline",
        [*NEW, "--schema", "{file}"],
        r"spec\.yaml:7: features\[1\]\.values\[1\]: category value 'sou\\nth' holds '\\n'",
        spec(SPEC.replace("[north, south]", '[north, "sou\\nth"]')),
    ),
    Case(
        "spec-value-jinja",
        [*NEW, "--schema", "{file}"],
        r"spec\.yaml:7: features\[1\]\.values\[1\]: "
        r"category value 'x \{\{ cookiecutter\.__' holds '\{'",
        spec(SPEC.replace("[north, south]", "[north, 'x {{ cookiecutter.__class__ }}']")),
    ),
    Case(
        "spec-value-quote",
        [*NEW, "--schema", "{file}"],
        r"features\[1\]\.values\[0\]: category value 'a\"\).*' holds '\"'",
        spec(SPEC.replace("[north, south]", "['a\")\\; import os', south]")),
    ),
    Case(
        "spec-description-jinja",
        [*NEW, "--schema", "{file}"],
        r"spec\.yaml:8: features\[2\]\.description: holds '\{'",
        spec(with_feature("{name: ok, type: bool, description: '{% raw %}'}")),
    ),
    Case(
        "spec-description-newline",
        [*NEW, "--schema", "{file}"],
        r"spec\.yaml:8: features\[2\]\.description: holds '\\n'",
        spec(with_feature('{name: ok, type: bool, description: "a\\n\\"\\"\\"b"}')),
    ),
    Case(
        "spec-category-not-text",
        [*NEW, "--schema", "{file}"],
        r"spec\.yaml:7: features\[1\]\.values\[0\]: must be text \(got \[1\]\)$",
        spec(SPEC.replace("[north, south]", "[[1], south]")),
    ),
    Case(
        "spec-100-kB-name",
        [*NEW, "--schema", "{file}"],
        r"spec\.yaml:2: id: name 'a+' must be lower-case",
        spec(SPEC.replace("sensor_id", "a" * 100_000)),
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
    Case(
        "sample-nul-byte",
        [*NEW, "--sample", "{file}"],
        r"data\.csv: holds a NUL byte",
        spec(b"a,b,y\n1,2,3\n\x00,1,2\n", "data.csv"),
    ),
    Case(
        "sample-ragged",
        [*NEW, "--sample", "{file}"],
        r"data\.csv:3: 2 fields in a row, 3 in the header$",
        spec("a,b,y\n1,2,3\n1,2\n", "data.csv"),
    ),
    Case(
        "sample-jinja-header",
        [*NEW, "--sample", "{file}"],
        r"data\.csv:1: column '\{\{ 1 \}\}' cannot be a field name",
        spec("{{ 1 }},y\n1,2\n", "data.csv"),
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_hostile_spec_is_refused_in_one_line(sandbox: Sandbox, case: Case) -> None:
    file = case.setup(sandbox) if case.setup is not None else None
    argv = [str(file) if arg == "{file}" and file is not None else arg for arg in case.argv]
    run, _ = run_bounded(sandbox, argv, timeout=case.within_s)
    assert_clean_failure(run, case.exit_code, case.message)


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
