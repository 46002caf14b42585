"""The batch timing a charter declares: cron schedules, deadlines and time zones.

The checks make a bad schedule fail at ``charter check``, months before the first nightly run
would have silently never fired; ``previous_fire`` tells the scheduler which slot is due.
"""

from __future__ import annotations

import re
import zoneinfo
from datetime import UTC, date, datetime, time, timedelta

__all__ = ["previous_fire", "validate_cron", "validate_deadline", "validate_timezone"]

_MACROS = frozenset(
    {"@hourly", "@daily", "@midnight", "@weekly", "@monthly", "@yearly", "@annually"}
)
_MACRO_FIELDS = {
    "@hourly": "0 * * * *",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@weekly": "0 0 * * 0",
    "@monthly": "0 0 1 * *",
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
}
_SEARCH_DAYS = 366 * 8  # Feb 29 on a given weekday recurs within 28 years; 8 covers Feb 29 alone
_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_DAYS = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")
# (name, low, high, names mapped to numbers)
_FIELDS: tuple[tuple[str, int, int, dict[str, int]], ...] = (
    ("minute", 0, 59, {}),
    ("hour", 0, 23, {}),
    ("day of month", 1, 31, {}),
    ("month", 1, 12, {name: i + 1 for i, name in enumerate(_MONTHS)}),
    ("day of week", 0, 7, {name: i for i, name in enumerate(_DAYS)}),
)
_DEADLINE = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


def _value(token: str, field: str, low: int, high: int, names: dict[str, int]) -> int:
    upper = token.upper()
    if upper in names:
        return names[upper]
    if not token.isdigit():
        raise ValueError(f"{field} '{token}' is not a number or a known name")
    number = int(token)
    if not low <= number <= high:
        raise ValueError(f"{field} {number} is outside {low}-{high}")
    return number


def _check_field(text: str, field: str, low: int, high: int, names: dict[str, int]) -> None:
    for item in text.split(","):
        base, _, step = item.partition("/")
        if step and (not step.isdigit() or int(step) == 0):
            raise ValueError(f"{field} step '{step}' must be a positive number")
        if base == "*":
            continue
        start, dash, end = base.partition("-")
        first = _value(start, field, low, high, names)
        if dash:
            last = _value(end, field, low, high, names)
            if last < first:
                raise ValueError(f"{field} range '{base}' runs backwards")


def validate_cron(expression: str) -> str:
    """Accept a 5-field cron expression (``"0 5 * * MON"``) or a macro such as ``@daily``.

    Fields: minute, hour, day of month, month (1-12 or JAN-DEC), day of week (0-7 or SUN-SAT);
    each a ``*``, a number, a range ``a-b``, a list ``a,b`` and an optional step ``/n``.
    """
    text = " ".join(expression.split())
    if text.lower() in _MACROS:
        return text.lower()
    parts = text.split(" ")
    if len(parts) != 5:
        raise ValueError(
            "expected a 5-field cron schedule (minute hour day-of-month month day-of-week), "
            f"like '0 5 * * MON'; got {expression!r}"
        )
    for part, (field, low, high, names) in zip(parts, _FIELDS, strict=True):
        try:
            _check_field(part, field, low, high, names)
        except ValueError as exc:
            raise ValueError(f"bad cron schedule {expression!r}: {exc}") from None
    return text


def validate_deadline(value: str) -> str:
    """Accept a wall-clock deadline ``"HH:MM"`` (24-hour clock)."""
    if not _DEADLINE.fullmatch(value.strip()):
        raise ValueError(f'expected a time of day like "06:00" (24-hour HH:MM); got {value!r}')
    return value.strip()


def validate_timezone(value: str) -> str:
    """Accept an IANA time zone name (``"UTC"``, ``"Europe/Paris"``)."""
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        raise ValueError(
            f"unknown time zone {value!r}; use an IANA name like 'UTC' or 'Europe/Paris'"
        ) from None
    return value


def _expand(text: str, low: int, high: int, names: dict[str, int]) -> frozenset[int]:
    values: set[int] = set()
    for item in text.split(","):
        base, _, step_text = item.partition("/")
        step = int(step_text) if step_text else 1
        if base == "*":
            first, last = low, high
        else:
            start, dash, end = base.partition("-")
            first = _value(start, "", low, high, names)
            last = _value(end, "", low, high, names) if dash else (high if step_text else first)
        values.update(range(first, last + 1, step))
    return frozenset(values)


def previous_fire(expression: str, timezone: str, now: datetime) -> datetime | None:
    """The latest moment at or before ``now`` that ``expression`` fires, in UTC.

    Times are read on the wall clock of ``timezone``; as in cron, when both day fields are
    restricted a day matches either. None when nothing fired in the last eight years (a schedule
    such as ``0 0 30 2 *`` that never fires).
    """
    text = validate_cron(expression)
    fields = _MACRO_FIELDS.get(text, text).split(" ")
    minutes, hours, days, months, weekdays = (
        _expand(part, low, high, names)
        for part, (_, low, high, names) in zip(fields, _FIELDS, strict=True)
    )
    weekdays = frozenset(day % 7 for day in weekdays)
    any_day, any_weekday = fields[2] == "*", fields[4] == "*"
    zone = zoneinfo.ZoneInfo(timezone)
    local_now = now.astimezone(zone)
    day: date = local_now.date()
    for _ in range(_SEARCH_DAYS):
        if day.month in months and _day_matches(day, days, weekdays, any_day, any_weekday):
            for hour in sorted(hours, reverse=True):
                for minute in sorted(minutes, reverse=True):
                    moment = datetime.combine(day, time(hour, minute), tzinfo=zone)
                    if moment <= local_now:
                        return moment.astimezone(UTC)
        day -= timedelta(days=1)
    return None


def _day_matches(
    day: date,
    days: frozenset[int],
    weekdays: frozenset[int],
    any_day: bool,
    any_weekday: bool,
) -> bool:
    in_month, in_week = day.day in days, day.isoweekday() % 7 in weekdays
    if any_day or any_weekday:
        return in_month and in_week
    return in_month or in_week
