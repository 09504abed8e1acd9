"""The question catalogue and the validated answers model."""

from __future__ import annotations

import keyword
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from archgen.patterns import DataArrival, Level, ModelUpdate
from archgen.requirements import (
    DEFAULT_GROWTH,
    QUESTIONS,
    STACKS_DEPENDENCIES,
    Requirements,
    Urgency,
    default_answer,
    name_problem,
    normalise,
    package_name,
    question,
)

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = sorted(p.parent for p in REPO.glob("examples/*/.archgen.yaml"))
SLUG_SHAPED = re.compile(r"^[a-z][a-z0-9_]{1,38}[a-z0-9]$")
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")

SEED_QUESTIONS = (
    "urgency",
    "daily_volume",
    "latency_p99_ms",
    "monthly_budget_usd",
    "complexity_tolerance",
)


def test_catalogue_covers_every_answer_in_model_order() -> None:
    assert [q.key for q in QUESTIONS] == list(Requirements.model_fields)


def test_the_seed_questions_and_the_added_ones_are_asked() -> None:
    keys = {q.key for q in QUESTIONS}
    assert set(SEED_QUESTIONS) <= keys
    assert {"data_arrival", "model_update"} <= keys


def test_every_question_has_help_and_a_valid_default() -> None:
    for q in QUESTIONS:
        assert q.prompt and q.help
        if q.choices:
            assert default_answer(q.key) in q.choices
    Requirements()


def test_numeric_questions_carry_units() -> None:
    for key in ("daily_volume", "latency_p99_ms", "monthly_budget_usd", "availability_pct"):
        assert question(key).unit


def test_choices_match_the_enums() -> None:
    assert question("data_arrival").choices == tuple(d.value for d in DataArrival)
    assert question("model_update").choices == tuple(m.value for m in ModelUpdate)
    assert question("urgency").choices == tuple(u.value for u in Urgency)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("daily_volume", 0),
        ("peak_factor", 0.5),
        ("latency_p99_ms", 0),
        ("monthly_budget_usd", 0),
        ("availability_pct", 100),
        ("urgency", "very_high"),
        ("project_name", "A"),
        ("region", "moon"),
    ],
)
def test_out_of_range_answers_name_the_field(field: str, value: object) -> None:
    with pytest.raises(ValidationError) as info:
        Requirements.model_validate({field: value})
    assert info.value.errors()[0]["loc"][0] == field


def test_growth_target_defaults_to_ten_times_today_and_cannot_be_below_it() -> None:
    assert Requirements(daily_volume=7).growth_target == 7 * DEFAULT_GROWTH
    assert Requirements(daily_volume=7, scale_to_daily_volume=70).growth_target == 70
    with pytest.raises(ValidationError, match="below daily_volume"):
        Requirements(daily_volume=100, scale_to_daily_volume=99)


def test_peak_per_second_is_daily_mean_times_peak_factor() -> None:
    req = Requirements(daily_volume=86_400, peak_factor=4)
    assert req.peak_per_second == pytest.approx(4.0)


def test_answers_dump_as_plain_values() -> None:
    answers = Requirements(urgency=Level.HIGH).as_answers()  # an old value, as it still loads
    assert answers["urgency"] == "waiting"
    assert list(answers) == [q.key for q in QUESTIONS]


def _names(requirements: list[str]) -> set[str]:
    found = (_NAME.match(r.strip()) for r in requirements if r.strip() and r[0] != "#")
    return {m.group(0) for m in found if m is not None}


def _refused(name: str) -> bool:
    """Whether a (slug-shaped) name is refused as a project name, as-is and with dashes."""
    return name_problem(name) is not None and name_problem(name.replace("_", "-")) is not None


def test_every_dependency_of_the_generated_examples_is_refused_as_a_name() -> None:
    """The oracle is the rendered projects' own pyproject and requirements files."""
    named: set[str] = set()
    for example in EXAMPLES:
        named |= _example_dependencies(example)
        for req in example.glob("infra/**/requirements.txt"):
            named |= _names(req.read_text(encoding="utf-8").splitlines())
    assert {"numpy", "pydantic", "scikit-learn", "archgen-stacks"} <= named
    assert [name for name in sorted(named) if not _refused(name)] == []


def test_what_the_component_library_brings_is_listed() -> None:
    stacks = tomllib.loads((REPO / "stacks" / "pyproject.toml").read_text(encoding="utf-8"))
    brings = _names(stacks["project"]["dependencies"])
    for extra in ("testing", "policy"):  # what generated projects install
        brings |= _names(stacks["project"]["optional-dependencies"][extra])
    listed = {normalise(name) for name in STACKS_DEPENDENCIES}
    assert {normalise(name) for name in brings} - listed == set()


def test_modules_of_installed_dependencies_are_refused() -> None:
    """Import names (sklearn, mypyc) come from the installed distributions' own metadata."""
    listed = {normalise(n) for example in EXAMPLES for n in _example_dependencies(example)}
    listed |= {normalise(name) for name in STACKS_DEPENDENCIES}
    modules = {
        module
        for module, dists in packages_distributions().items()
        if any(normalise(d) in listed for d in dists) and SLUG_SHAPED.match(module)
    }
    assert "pydantic" in modules
    assert [module for module in sorted(modules) if not _refused(module)] == []


def _example_dependencies(example: Path) -> set[str]:
    project = tomllib.loads((example / "pyproject.toml").read_text(encoding="utf-8"))
    names = _names(project["project"]["dependencies"])
    for extra in project["project"].get("optional-dependencies", {}).values():
        names |= _names(extra)
    return names


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("class", "'class' is a Python keyword"),
        ("lambda", "'lambda' is a Python keyword"),
        ("abc", "'abc' would shadow the standard-library module abc"),
        ("json", "would shadow the standard-library module json"),
        ("test", "would shadow the standard-library module test"),
        ("numpy", "'numpy' would shadow the numpy package the project depends on; pick"),
        ("sklearn", "would shadow the sklearn (scikit-learn) package"),
        ("pulumi-aws", "would shadow the pulumi-aws package"),
        ("archgen", "would shadow the archgen package"),
    ],
)
def test_names_that_break_the_project_are_refused_with_the_reason(name: str, reason: str) -> None:
    with pytest.raises(ValidationError, match=re.escape(reason)):
        Requirements(project_name=name)


def test_every_keyword_and_stdlib_module_a_name_could_spell_is_refused() -> None:
    spellable = [n for n in (*keyword.kwlist, *sys.stdlib_module_names) if SLUG_SHAPED.match(n)]
    assert "import" in spellable and "json" in spellable
    assert [name for name in spellable if not _refused(name)] == []


@pytest.mark.parametrize("name", [k for k in keyword.softkwlist if len(k) >= 3])
def test_soft_keywords_are_legal_package_names(name: str) -> None:
    for source in (f"import {name}", f"from {name}.api import app", f"python = {name}.main"):
        compile(source, "<generated>", "exec")
    assert Requirements(project_name=name).project_name == name


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.name for e in EXAMPLES])
def test_no_example_name_is_refused_and_its_package_is_the_derived_one(example: Path) -> None:
    record = yaml.safe_load((example / ".archgen.yaml").read_text(encoding="utf-8"))
    name = record["answers"]["project_name"]
    assert name_problem(name) is None
    assert (example / "src" / package_name(name) / "__init__.py").is_file()


@pytest.mark.parametrize("field", ["daily_volume", "peak_factor", "monthly_budget_usd"])
def test_a_boolean_is_not_a_number(field: str) -> None:
    with pytest.raises(ValidationError, match="a boolean is not a number"):
        Requirements.model_validate({field: True})
