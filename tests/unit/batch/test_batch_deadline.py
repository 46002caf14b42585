"""The charter's deadline, a time of day in its time zone, as an instant for each run."""

from __future__ import annotations

from datetime import UTC, datetime

from charter.batch import deadline_for
from charter.contract.delivery import BatchSpec


def test_deadline_is_that_local_day_at_the_given_time() -> None:
    spec = BatchSpec(schedule="0 5 * * MON", deadline="06:00", timezone="Europe/Paris")
    winter = deadline_for(spec, datetime(2026, 1, 12, 3, 0, tzinfo=UTC))
    summer = deadline_for(spec, datetime(2026, 7, 13, 3, 0, tzinfo=UTC))
    assert winter == datetime(2026, 1, 12, 5, 0, tzinfo=UTC)  # UTC+1
    assert summer == datetime(2026, 7, 13, 4, 0, tzinfo=UTC)  # UTC+2
    # 23:30 UTC is already the next day in Paris: that day's deadline applies.
    late = deadline_for(spec, datetime(2026, 1, 12, 23, 30, tzinfo=UTC))
    assert late == datetime(2026, 1, 13, 5, 0, tzinfo=UTC)


def test_no_deadline_without_one_in_the_charter() -> None:
    assert deadline_for(None, datetime(2026, 1, 1, tzinfo=UTC)) is None
    assert deadline_for(BatchSpec(schedule="@daily"), datetime(2026, 1, 1, tzinfo=UTC)) is None
