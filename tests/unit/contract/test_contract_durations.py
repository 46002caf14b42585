from __future__ import annotations

from datetime import timedelta

import pytest
from pydantic import BaseModel, ValidationError

from charter.contract import Duration, format_duration, parse_duration


class _Holder(BaseModel):
    every: Duration


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("14d", timedelta(days=14)),
        ("12h", timedelta(hours=12)),
        ("30m", timedelta(minutes=30)),
        ("45s", timedelta(seconds=45)),
        ("2w", timedelta(weeks=2)),
        ("1d12h", timedelta(days=1, hours=12)),
        ("1w2d3h4m5s", timedelta(weeks=1, days=2, hours=3, minutes=4, seconds=5)),
        ("0d", timedelta(0)),
        (" 7d ", timedelta(days=7)),
    ],
)
def test_parse_duration_reads_compact_units(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["14 days", "d", "", "12", "1h1d", "-3d", "1.5d", "14D"])
def test_parse_duration_rejects_other_shapes_with_a_clear_message(text: str) -> None:
    with pytest.raises(ValueError) as info:
        parse_duration(text)
    assert str(info.value) == f"expected a duration like 14d, 12h, 30m; got {text!r}"


def test_parse_duration_rejects_numbers_and_booleans() -> None:
    for value in (14, True, None, 1.5):
        with pytest.raises(ValueError, match="expected a duration like 14d"):
            parse_duration(value)


def test_parse_duration_accepts_timedelta_but_not_negative() -> None:
    assert parse_duration(timedelta(hours=2)) == timedelta(hours=2)
    with pytest.raises(ValueError, match="cannot be negative"):
        parse_duration(timedelta(hours=-2))


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (timedelta(days=14), "14d"),
        (timedelta(weeks=2), "14d"),
        (timedelta(days=1, hours=12), "1d12h"),
        (timedelta(minutes=90), "1h30m"),
        (timedelta(seconds=45), "45s"),
        (timedelta(0), "0s"),
    ],
)
def test_format_duration_is_canonical(value: timedelta, text: str) -> None:
    assert format_duration(value) == text
    assert parse_duration(text) == value


def test_duration_type_round_trips_through_json() -> None:
    holder = _Holder.model_validate({"every": "2w"})
    assert holder.every == timedelta(days=14)
    assert holder.model_dump(mode="json") == {"every": "14d"}
    assert holder.model_dump() == {"every": timedelta(days=14)}


def test_duration_type_error_message_and_schema() -> None:
    with pytest.raises(ValidationError) as info:
        _Holder.model_validate({"every": "14 days"})
    assert "expected a duration like 14d, 12h, 30m; got '14 days'" in str(info.value)
    schema = _Holder.model_json_schema()["properties"]["every"]
    assert schema["type"] == "string"
    assert schema["pattern"].startswith("^")
