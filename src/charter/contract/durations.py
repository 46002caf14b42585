"""Durations as people write them in a charter (``14d``, ``12h``, ``1d12h``), as ``timedelta``.

A charter talks about lead times, horizons, windows and retention in compact units, so the YAML
stays readable. Inside Python a duration is a plain ``datetime.timedelta``; in JSON (and therefore
in the charter hash) it is written back in the canonical compact form, days first, so ``2w`` and
``14d`` hash the same.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated, Any

from pydantic import BeforeValidator, PlainSerializer, WithJsonSchema

__all__ = ["DURATION_PATTERN", "Duration", "format_duration", "parse_duration"]

DURATION_PATTERN = r"^(?=\d)(\d+w)?(\d+d)?(\d+h)?(\d+m)?(\d+s)?$"
_DURATION = re.compile(DURATION_PATTERN)
_UNIT_SECONDS = (("w", 604_800), ("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1))
_EXPECTED = "expected a duration like 14d, 12h, 30m"


def parse_duration(value: object) -> timedelta:
    """Read ``"14d"``, ``"12h"``, ``"30m"``, ``"45s"``, ``"2w"`` or a combination like ``"1d12h"``.

    A ``timedelta`` passes through, so Python callers can build specs without strings.
    Raises ``ValueError`` with the expected shape and what arrived.
    """
    if isinstance(value, timedelta):
        if value < timedelta(0):
            raise ValueError(f"a duration cannot be negative; got {format_duration(value)}")
        return value
    if not isinstance(value, str) or isinstance(value, bool):
        raise ValueError(f"{_EXPECTED}; got {value!r}")
    match = _DURATION.fullmatch(value.strip())
    if match is None:
        raise ValueError(f"{_EXPECTED}; got {value!r}")
    seconds = 0
    for group, (_, factor) in zip(match.groups(), _UNIT_SECONDS, strict=True):
        if group:
            seconds += int(group[:-1]) * factor
    return timedelta(seconds=seconds)


def format_duration(value: timedelta) -> str:
    """The canonical compact form: ``timedelta(days=1, hours=12)`` -> ``"1d12h"``.

    Weeks are written as days (``2w`` -> ``14d``) so one duration has one spelling; sub-second
    parts are dropped because no charter setting needs them.
    """
    total = int(value.total_seconds())
    if total <= 0:
        return "0s"
    parts: list[str] = []
    for unit, factor in _UNIT_SECONDS[1:]:
        count, total = divmod(total, factor)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts)


def _validate(value: Any) -> timedelta:
    return parse_duration(value)


Duration = Annotated[
    timedelta,
    BeforeValidator(_validate),
    PlainSerializer(format_duration, return_type=str, when_used="json"),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": DURATION_PATTERN,
            "description": "A duration: a number and a unit (w, d, h, m, s), combinable as 1d12h.",
            "examples": ["14d", "12h", "30m", "1d12h"],
        }
    ),
]
"""A ``timedelta`` written in a charter as ``14d``, ``12h``, ``30m``, ``45s``, ``2w``, ``1d12h``."""
