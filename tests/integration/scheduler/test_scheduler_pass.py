"""One scheduler pass monitors every closed window once, in order, and evaluates the policies
after each; a second pass does nothing; a dead holder's slot is taken over, a live one's is not."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pandas as pd
import pytest
from sched_kit import HOUR, MODEL, T0, charter_text, production_registry, write_charter
from sklearn.pipeline import Pipeline
from typer.testing import CliRunner

from adult_log import drifted, log_rows
from charter.cli.main import app
from charter.datasets import load_adult
from charter.scheduler import SchedulerOptions, run_pass
from http_receiver import webhook_receiver

DRIFT_ALERT = {"metric": "drift.psi.max", "above": 0.25, "for_windows": 2, "action": "alert"}


@pytest.fixture(scope="module")
def test_rows() -> pd.DataFrame:
    return load_adult().test.reset_index(drop=True)


def _traffic(home: Path, model: Pipeline, rows: pd.DataFrame) -> None:
    """Two steady hours, then three hours of a vendor change (older, less schooled customers)."""
    for hour in range(5):
        chunk = rows.iloc[hour * 300 : (hour + 1) * 300] if hour < 2 else drifted(rows, 300, hour)
        log_rows(home, model, chunk, start=T0 + hour * HOUR, prefix=f"h{hour}-")


def test_a_pass_monitors_each_closed_window_once_in_order_and_fires_once(
    tmp_path: Path,
    adult_model: Pipeline,
    adult_sample: pd.DataFrame,
    test_rows: pd.DataFrame,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CHARTER_WEBHOOK_SECRET", "alert-signing-secret")
    home = tmp_path / "home"
    with webhook_receiver() as receiver:
        text = charter_text(
            monitoring__window="1h", policies=[DRIFT_ALERT], alerts={"webhook": receiver.url}
        )
        registry, _ = production_registry(
            home, adult_model, write_charter(tmp_path, text), adult_sample
        )
        _traffic(home, adult_model, test_rows)
        options = SchedulerOptions(home=home)
        first = run_pass(registry, options, now=T0 + 6 * HOUR)
        second = run_pass(registry, options, now=T0 + 6 * HOUR)
        alerts = receiver.bodies()
    monitored = [job for job in first.jobs if job.job == "monitor"]
    # Windows 0-4 are closed at 06:00; window 5 (05:00-06:00) is not over yet.
    assert [job.slot for job in monitored] == [T0 + h * HOUR for h in range(5)]
    assert all(job.status == "done" for job in first.jobs), first.failed
    assert [job.job for job in second.jobs] == ["compact"]  # nothing left to do
    slots = registry.store.list_jobs(MODEL, "monitor")
    assert [(s.slot, s.status, s.attempts) for s in slots] == [
        (T0 + h * HOUR, "done", 1) for h in range(5)
    ]
    # The drift alert needs two drifted windows: it fires after window 3, not again after 4.
    fired = [s.slot for s in slots if s.detail["fired"]]
    assert fired == [T0 + 3 * HOUR]
    assert len(alerts) == 1 and alerts[0]["metric"] == "drift.psi.max"
    points = registry.store.list_points(MODEL, metric="drift.psi.max")
    assert sorted(p.window_start for p in points) == [T0 + h * HOUR for h in range(5)]
    registry.close()


def test_a_later_pass_resumes_after_the_last_window_done(
    tmp_path: Path, adult_model: Pipeline, adult_sample: pd.DataFrame, test_rows: pd.DataFrame
) -> None:
    home = tmp_path / "home"
    text = charter_text(monitoring__window="1h", policies=[])
    registry, _ = production_registry(
        home, adult_model, write_charter(tmp_path, text), adult_sample
    )
    _traffic(home, adult_model, test_rows)
    options = SchedulerOptions(home=home, checks=())  # no extra checks: the windows matter here
    early = run_pass(registry, options, now=T0 + 2 * HOUR + timedelta(minutes=30))
    late = run_pass(registry, options, now=T0 + 5 * HOUR + timedelta(minutes=30))
    assert [j.slot for j in early.jobs if j.job == "monitor"] == [T0, T0 + HOUR]
    assert [j.slot for j in late.jobs if j.job == "monitor"] == [T0 + h * HOUR for h in (2, 3, 4)]
    registry.close()


def test_since_is_a_floor_for_the_first_window_monitored(
    tmp_path: Path, adult_model: Pipeline, adult_sample: pd.DataFrame, test_rows: pd.DataFrame
) -> None:
    """A long log need not be monitored from its first record: windows ending before ``since``
    are left alone; the one holding it is monitored whole."""
    home = tmp_path / "home"
    text = charter_text(monitoring__window="1h", policies=[])
    registry, _ = production_registry(
        home, adult_model, write_charter(tmp_path, text), adult_sample
    )
    _traffic(home, adult_model, test_rows)
    since = T0 + 2 * HOUR + timedelta(minutes=30)
    options = SchedulerOptions(home=home, checks=(), since=since)
    done = run_pass(registry, options, now=T0 + 6 * HOUR)
    assert [j.slot for j in done.jobs if j.job == "monitor"] == [T0 + h * HOUR for h in (2, 3, 4)]
    rows = {p.window_start: p.value for p in registry.store.list_points(MODEL)
            if p.metric == "quality.volume_ratio"}  # fmt: skip
    assert sorted(rows) == [T0 + h * HOUR for h in (2, 3, 4)]
    registry.close()
    bad = CliRunner().invoke(app, ["--home", str(home), "run", "--once", "--since", "last week"])
    assert bad.exit_code == 2
    assert "--since must be an ISO date or time" in bad.output


def test_a_dead_holders_slot_is_taken_over_and_a_live_holders_blocks_the_rest(
    tmp_path: Path, adult_model: Pipeline, adult_sample: pd.DataFrame, test_rows: pd.DataFrame
) -> None:
    home = tmp_path / "home"
    text = charter_text(monitoring__window="1h", policies=[])
    registry, _ = production_registry(
        home, adult_model, write_charter(tmp_path, text), adult_sample
    )
    _traffic(home, adult_model, test_rows)
    store, now = registry.store, T0 + 6 * HOUR
    # A holder on another host, lease still running: only its lease can free the slot.
    assert store.claim_job(MODEL, "monitor", T0, owner="elsewhere:1:1", now=now,
                           lease=timedelta(days=3650)) is not None  # fmt: skip
    options = SchedulerOptions(home=home, checks=())
    blocked = run_pass(registry, options, now=now)
    assert [j.job for j in blocked.jobs] == ["compact"]  # window 0 held, so none after it
    # The same holder declared dead (as `is_dead` finds a killed local process): taken over.
    store.finish_job(MODEL, "monitor", T0, owner="elsewhere:1:1", status="failed", now=now)
    resumed = run_pass(registry, options, now=now)
    assert [j.slot for j in resumed.jobs if j.job == "monitor"] == [T0 + h * HOUR for h in range(5)]
    first = store.list_jobs(MODEL, "monitor")[0]
    assert (first.status, first.attempts) == ("done", 2)
    registry.close()
