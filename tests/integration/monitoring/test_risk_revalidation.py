"""``revalidation.overdue``: monitoring reports a version past its revalidation, per window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
from monitor_kit import MODEL, log_rows
from sklearn.pipeline import Pipeline

from charter.monitoring import monitor
from charter.registry import Registry


def test_an_overdue_revalidation_is_stored_per_window(
    home: Path, registry: Registry, adult_model: Pipeline, adult_test_frame: pd.DataFrame
) -> None:
    version = registry.get(f"{MODEL}@latest")
    due = version.created_at + timedelta(days=365)  # never validated: counted from registration
    start = datetime(due.year + 1, 1, 5, tzinfo=UTC)
    log_rows(home, adult_model, adult_test_frame.head(200), start=start, prefix="late")

    result = monitor(registry, MODEL, home=home, now=start + timedelta(days=3))

    (window,) = result.windows
    check = window.check("revalidation.overdue")
    expected = (window.window_end - due).total_seconds() / 86400
    assert check.status == "alert" and abs(check.value - expected) < 1e-3  # type: ignore[operator]
    assert check.reason.startswith(f"never validated (registered {version.created_at:%Y-%m-%d})")
    assert window.status == "alert"
    (point,) = registry.store.list_points(MODEL, "revalidation.overdue")
    assert (point.value, point.status) == (check.value, "alert")


def test_a_version_not_yet_due_reports_zero(
    home: Path, registry: Registry, adult_model: Pipeline, adult_test_frame: pd.DataFrame
) -> None:
    start = datetime.now(UTC) - timedelta(days=2)
    log_rows(home, adult_model, adult_test_frame.head(200), start=start, prefix="now")
    result = monitor(registry, MODEL, home=home)
    checks = [w.check("revalidation.overdue") for w in result.windows]
    assert checks and all(c.value == 0.0 and c.status == "ok" for c in checks)
