"""Monitoring windows: fixed-length, aligned to multiples of the window since the Unix epoch (UTC).

Alignment makes a window's start a stable key: re-running ``charter monitor`` over overlapping
ranges recomputes the same windows, so their stored points are replaced rather than duplicated.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from charter.errors import DataError

__all__ = ["Window", "align", "split_windows"]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Window:
    """``start <= at < end``."""

    start: datetime
    end: datetime


def align(moment: datetime, length: timedelta) -> datetime:
    """The start of the aligned window holding ``moment``."""
    if moment.tzinfo is None:
        raise DataError("monitoring times must be aware (carry a time zone)")
    steps = (moment.astimezone(UTC) - _EPOCH) // length
    return _EPOCH + steps * length


def split_windows(since: datetime, until: datetime, length: timedelta) -> list[Window]:
    """Aligned windows covering ``[since, until)``; the first and last may reach past it."""
    if length <= timedelta(0):
        raise DataError(f"the monitoring window must be longer than zero; got {length}")
    if until <= since:
        return []
    windows: list[Window] = []
    start = align(since, length)
    while start < until:
        windows.append(Window(start, start + length))
        start += length
    return windows
