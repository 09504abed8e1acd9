"""Answers files and `.archgen.yaml`: loading with file:line errors, dumping deterministically."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from archgen.answers import dump_record, load_record, load_text, parse_record
from archgen.errors import AnswersError
from archgen.patterns import Level, Pattern
from archgen.record import PackRef, ProjectRecord
from archgen.requirements import QUESTIONS, Requirements, Urgency

REPO = Path(__file__).resolve().parents[2]
CREDIT = REPO / "examples" / "credit-decisions" / ".archgen.yaml"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "answers.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_credit_example_loads_and_round_trips_byte_for_byte() -> None:
    record = load_record(CREDIT)
    assert record.answers.project_name == "credit-decisions"
    assert record.answers.urgency is Urgency.WAITING
    assert record.answers.daily_volume == 10_000
    assert record.answers.scale_to_daily_volume == 1_000_000
    assert record.answers.latency_p99_ms == 100
    assert dump_record(record) == CREDIT.read_text(encoding="utf-8")


def test_dump_is_deterministic_and_in_question_order() -> None:
    record = ProjectRecord(
        archgen_version="9.9.9",
        answers=Requirements(project_name="fraud-scores", daily_volume=123),
        pattern=Pattern.REALTIME,
        pack=PackRef(name="acme", version="1.0"),
        pack_answers={"team": "risk", "cost_centre": "cc-1"},
    )
    text = dump_record(record)
    assert text == dump_record(record.model_copy())
    data = yaml.safe_load(text)
    assert list(data["answers"]) == [q.key for q in QUESTIONS]
    assert list(data["pack_answers"]) == ["cost_centre", "team"]
    assert parse_record(data, "x") == record


def test_dump_then_load_gives_the_same_record(tmp_path: Path) -> None:
    record = ProjectRecord(answers=Requirements(peak_factor=2.5, monthly_budget_usd=99.5))
    assert load_record(write(tmp_path, dump_record(record))) == record


def test_bare_answers_mapping_is_accepted(tmp_path: Path) -> None:
    record = load_record(write(tmp_path, "urgency: high\ndaily_volume: 5_000\npattern: realtime\n"))
    assert record.answers.urgency is Urgency.WAITING
    assert record.answers.daily_volume == 5000
    assert record.pattern is Pattern.REALTIME


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "answers:\n  urgency: high\n  daily_volume: lots\n",
            ":3: answers.daily_volume: must be an integer",
        ),
        (
            "answers:\n  daily_volum: 5\n",
            ":2: answers.daily_volum: unknown key 'daily_volum' (did you mean 'daily_volume'?)",
        ),
        ("urgency: high\nlatency: 5\n", ":2: latency: unknown key 'latency' (did you mean"),
        ("daily_volume: 0\n", ":1: daily_volume: must be an integer from 1 to"),
        ("answers:\n  urgency: [1\n", ":3:1: invalid YAML"),
        ("answers:\n  urgency: high\n  urgency: low\n", ":3: answers.urgency: duplicate key"),
        ("- a\n- b\n", ":1: expected a mapping"),
        ("", "answers file is empty"),
        ("answers:\n  peak_factor: x\n", ":2: answers.peak_factor: must be a number from 1 to 100"),
        ("pattern: quick\nanswers: {}\n", ":1: pattern: must be one of batch"),
        ("answers: 3\n", ":1: answers: expected a mapping"),
    ],
)
def test_errors_name_file_line_and_field(tmp_path: Path, text: str, expected: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(AnswersError) as info:
        load_record(path)
    message = str(info.value)
    assert message.startswith(str(path))
    assert expected in message
    assert "\n" not in message


def test_missing_file_is_an_answers_error(tmp_path: Path) -> None:
    with pytest.raises(AnswersError, match="no such answers file"):
        load_record(tmp_path / "missing.yaml")


def test_parse_record_names_the_source() -> None:
    with pytest.raises(AnswersError, match=r"^flags: answers.urgency: must be one of"):
        parse_record({"answers": {"urgency": "now"}}, "flags")


@st.composite
def records(draw: st.DrawFn) -> ProjectRecord:
    daily = draw(st.integers(1, 10_000_000_000))
    answers = Requirements(
        project_name=draw(st.from_regex(r"[a-z][a-z0-9-]{1,20}[a-z0-9]", fullmatch=True)),
        urgency=draw(st.sampled_from([Level.LOW, Level.MEDIUM, Level.HIGH])),
        daily_volume=daily,
        peak_factor=draw(st.floats(1, 100)),
        scale_to_daily_volume=draw(st.one_of(st.none(), st.integers(daily, 100_000_000_000))),
        latency_p99_ms=draw(st.integers(1, 604_800_000)),
        monthly_budget_usd=draw(st.floats(0.01, 10_000_000)),
        availability_pct=draw(st.floats(90, 99.999)),
    )
    return ProjectRecord(
        archgen_version=draw(st.sampled_from(["", "0.1.0", "1.2.3"])),
        answers=answers,
        pattern=draw(st.one_of(st.none(), st.sampled_from(list(Pattern)))),
        pack_answers=draw(
            st.dictionaries(
                st.from_regex(r"[a-z_]{1,8}", fullmatch=True), st.text(max_size=10), max_size=3
            )
        ),
    )


@settings(max_examples=80, deadline=None)
@given(records())
def test_any_record_survives_dump_and_load(record: ProjectRecord) -> None:
    text = dump_record(record)
    assert load_text(text, "x.yaml") == record
    assert dump_record(load_text(text, "x.yaml")) == text


@pytest.mark.parametrize(
    ("text", "where", "what"),
    [
        ("answers:\n  project_name: &n demo-app\n", "a.yaml:2:17", "anchors (&name)"),
        ("answers: {urgency: high}\nx: &n 1\ny: *n\n", "a.yaml:2:4", "anchors (&name)"),
        ("answers:\n  urgency: *n\n", "a.yaml:2:12", "aliases (*name)"),
    ],
)
def test_yaml_anchors_and_aliases_are_refused_with_their_place(
    text: str, where: str, what: str
) -> None:
    with pytest.raises(
        AnswersError, match=rf"^{re.escape(where)}: invalid YAML: YAML {re.escape(what)}"
    ):
        load_text(text, "a.yaml")


def test_duplicate_keys_are_still_reported_with_their_line() -> None:
    with pytest.raises(AnswersError, match=r"^a\.yaml:3: answers\.urgency: duplicate key$"):
        load_text("answers:\n  urgency: high\n  urgency: low\n", "a.yaml")


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"answers:\n  urgency: high\x00\n", "holds a NUL byte"),
        ("urgency: h\xf6ch\n".encode("latin-1"), "is not UTF-8 text"),
        (b"# x\n" * (300 * 1024), "is larger than 1024 KiB"),
    ],
)
def test_files_that_are_not_small_utf8_text_are_refused(
    tmp_path: Path, content: bytes, reason: str
) -> None:
    path = tmp_path / "a.yaml"
    path.write_bytes(content)
    with pytest.raises(AnswersError, match=rf"^{re.escape(str(path))}: {reason}"):
        load_record(path)


def test_a_fifo_or_a_device_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "answers.fifo"
    os.mkfifo(fifo)
    for path in (fifo, Path("/dev/zero")):
        with pytest.raises(AnswersError, match="is not a regular file$"):
            load_record(path)


@pytest.mark.parametrize(
    "text",
    [
        "answers:\n  urgency: " + "x" * 100_000 + "\n",
        "pattern: " + "x" * 100_000 + "\n",
        'answers:\n  ? "' + "k" * 100_000 + '"\n  : 1\n',
        "answers:\n  daily_volume: '" + "9" * 100_000 + "'\n",
    ],
)
def test_a_huge_value_gives_a_short_error(text: str) -> None:
    with pytest.raises(AnswersError) as info:
        load_text(text, "a.yaml")
    assert len(str(info.value)) < 300, str(info.value)[:300]
