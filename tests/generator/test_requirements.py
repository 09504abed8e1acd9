"""The question catalogue and the validated answers model."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from archgen.patterns import DataArrival, Level, ModelUpdate
from archgen.requirements import (
    DEFAULT_GROWTH,
    QUESTIONS,
    Requirements,
    default_answer,
    question,
)

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
    assert question("urgency").choices == ("low", "medium", "high")


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
    answers = Requirements(urgency=Level.HIGH).as_answers()
    assert answers["urgency"] == "high"
    assert list(answers) == [q.key for q in QUESTIONS]
