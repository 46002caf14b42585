"""A batch slot the scheduler runs past its deadline is a missed deadline in monitoring, and the
charter's policy alerts a real webhook receiver, once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
from sched_kit import MODEL, charter_text, production_registry, write_charter
from sklearn.pipeline import Pipeline

from charter.datasets import load_adult
from charter.scheduler import SchedulerOptions, run_pass
from http_receiver import webhook_receiver

MISSED = {"metric": "delivery.missed_deadline", "above": 0, "action": "alert"}


def test_a_missed_batch_deadline_alerts_the_webhook_once(
    tmp_path: Path,
    adult_model: Pipeline,
    adult_sample: pd.DataFrame,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CHARTER_WEBHOOK_SECRET", "alert-signing-secret")
    source = tmp_path / "customers.parquet"
    load_adult().test.head(500).drop(columns=["income"]).to_parquet(source, index=False)
    sink = tmp_path / "scores.parquet"
    with webhook_receiver() as receiver:
        # Every minute, due by 00:00: whenever the test runs, the run is late.
        batch = {"schedule": "* * * * *", "deadline": "00:00", "source": str(source),
                 "sink": str(sink)}  # fmt: skip
        text = charter_text(
            delivery={"batch": batch},
            monitoring__window="1d",
            policies=[MISSED],
            alerts={"webhook": receiver.url},
        )
        home = tmp_path / "home"
        registry, _ = production_registry(
            home, adult_model, write_charter(tmp_path, text), adult_sample
        )
        options = SchedulerOptions(home=home, checks=())
        today = run_pass(registry, options)  # scores the due slot, late; today is not over
        batch_jobs = [j for j in today.jobs if j.job == "batch"]
        assert [j.status for j in batch_jobs] == ["done"]
        assert not [j for j in today.jobs if j.job == "monitor"]
        assert pd.read_parquet(sink).shape[0] == 500
        (run,) = registry.store.list_batch_runs(MODEL)
        assert run.met_deadline is False

        tomorrow = datetime.now(UTC) + timedelta(days=1)
        later = run_pass(registry, options, now=tomorrow)
        again = run_pass(registry, options, now=tomorrow)
        bodies = receiver.bodies()
    monitored = [j for j in later.jobs if j.job == "monitor"]
    assert [j.status for j in monitored] == ["done"]
    assert not [j for j in again.jobs if j.job == "monitor"]
    assert len(bodies) == 1
    assert bodies[0]["metric"] == "delivery.missed_deadline"
    assert bodies[0]["action"] == "alert"
    assert "delivery.missed_deadline > 0" in bodies[0]["text"]
    registry.close()
