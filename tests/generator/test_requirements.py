"""The question catalogue and the validated answers it produces."""

from __future__ import annotations

import pytest
from archgen.patterns import Level
from archgen.requirements import (
    DEFAULT_GROWTH,
    QUESTIONS,
    Requirements,
    default_answer,
    question,
)
from pydantic import ValidationError


def test_catalogue_covers_every_answer_once_with_help() -> None:
    keys = [q.key for q in QUESTIONS]
    assert len(keys) == len(set(keys))
    assert set(keys) == set(Requirements.model_fields)
    for q in QUESTIONS:
        assert q.prompt and q.help, q.key
    # The seed's five questions are all asked.
    for key in ("urgency", "daily_volume", "latency_p99_ms", "monthly_budget_usd",
                "complexity_tolerance"):
        assert question(key).prompt.endswith("?")


def test_choices_match_the_accepted_values() -> None:
    for q in QUESTIONS:
        for choice in q.choices:
            Requirements(**{q.key: choice})
        if q.choices:
            with pytest.raises(ValidationError):
                Requirements(**{q.key: "nonsense"})


def test_defaults_validate_and_are_plain_values() -> None:
    req = Requirements()
    for q in QUESTIONS:
        value = default_answer(q.key)
        assert not isinstance(value, Level)
        assert Requirements(**{q.key: value}) == req


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("daily_volume", 0),
        ("peak_factor", 0.5),
        ("latency_p99_ms", 0),
        ("monthly_budget_usd", 0),
        ("availability_pct", 100),
        ("urgency", "very_high"),
        ("project_name", "Bad_Name"),
        ("region", "mars"),
    ],
)
def test_out_of_range_answers_name_the_field(field: str, value: object) -> None:
    with pytest.raises(ValidationError) as info:
        Requirements(**{field: value})
    assert field in str(info.value)


def test_scale_target_below_today_is_refused_and_default_growth_applies() -> None:
    with pytest.raises(ValidationError, match="scale_to_daily_volume"):
        Requirements(daily_volume=1_000, scale_to_daily_volume=10)
    assert Requirements(daily_volume=1_000).growth_target == 1_000 * DEFAULT_GROWTH
    assert Requirements(daily_volume=86_400, peak_factor=2).peak_per_second == pytest.approx(2.0)


def test_unknown_answers_are_rejected() -> None:
    with pytest.raises(ValidationError, match="colour"):
        Requirements(colour="blue")  # type: ignore[call-arg]
