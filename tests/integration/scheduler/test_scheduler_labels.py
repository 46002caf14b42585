"""With ``monitoring.label_delay`` set, ``charter run`` monitors each window again once its labels
are due: the realized performance (checked against scikit-learn) and the policies on it see the
labels that arrived after the window was first monitored; each window is redone once, in order."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
from sched_kit import HOUR, MODEL, T0, charter_text, production_registry, write_charter
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import Pipeline

from adult_log import log_rows
from charter.datasets import load_adult
from charter.monitoring.checks import WindowCheck, WindowData
from charter.monitoring.labels import ingest_labels
from charter.monitoring.reference import ReferenceData
from charter.monitoring.result import ExtraCheck
from charter.registry import Registry
from charter.scheduler import SchedulerOptions, run_pass
from http_receiver import webhook_receiver

PERFORMANCE_ALERT = {
    "metric": "performance.roc_auc", "below": 0.99, "for_windows": 1, "action": "alert",
}  # fmt: skip
SECONDS = timedelta(seconds=10)


class _Seen(WindowCheck[None]):
    """An extra check that only notes which windows it was run on."""

    name = "seen"

    def __init__(self) -> None:
        self.windows: list[datetime] = []

    def prepare(self, reference: ReferenceData) -> None:
        return None

    def judge(self, state: None, reference: ReferenceData, window: WindowData) -> ExtraCheck:
        self.windows.append(window.window.start)
        return ExtraCheck(self.name, "ok", "seen", ())


def _roc_auc_points(registry: Registry) -> dict[datetime, float | None]:
    points = registry.store.list_points(MODEL, metric="performance.roc_auc")
    return {p.window_start: p.value for p in points}


def test_windows_are_monitored_again_once_their_labels_are_due(
    tmp_path: Path,
    adult_model: Pipeline,
    adult_sample: pd.DataFrame,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CHARTER_WEBHOOK_SECRET", "alert-signing-secret")
    rows = load_adult().test.reset_index(drop=True)
    home = tmp_path / "home"
    seen = _Seen()
    with webhook_receiver() as receiver:
        text = charter_text(
            monitoring__window="1h",
            monitoring__label_delay="2h",
            policies=[PERFORMANCE_ALERT],
            alerts={"webhook": receiver.url},
        )
        registry, _ = production_registry(
            home, adult_model, write_charter(tmp_path, text), adult_sample
        )
        logged = [
            log_rows(home, adult_model, rows.iloc[h * 400 : (h + 1) * 400], start=T0 + h * HOUR,
                     prefix=f"h{h}-")
            for h in range(3)
        ]  # fmt: skip
        options = SchedulerOptions(home=home, checks=(seen,))

        # 03:00 — windows 0 and 1 are over; no labels are due yet (window 0's are at 03:00).
        first = run_pass(registry, options, now=T0 + 3 * HOUR - SECONDS)
        assert [(j.job, j.slot) for j in first.jobs[1:]] == [
            ("monitor", T0),
            ("monitor", T0 + HOUR),
        ]
        assert _roc_auc_points(registry) == {T0: None, T0 + HOUR: None}  # no labels yet

        for frame in logged[:2]:  # the ground truth of hours 0 and 1 arrives
            labels = pd.DataFrame({"id": frame["request_id"], "y": frame["income"]})
            ingest_labels(registry, MODEL, labels, id_column="id", label_column="y", home=home)

        # 03:00:10 — window 2 closes, and window 0's labels are due: it is monitored again.
        second = run_pass(registry, options, now=T0 + 3 * HOUR + SECONDS)
        assert [(j.job, j.slot) for j in second.jobs[1:]] == [
            ("monitor", T0 + 2 * HOUR),
            ("labels", T0),
        ]
        assert all(j.status == "done" for j in second.jobs), second.failed
        points = _roc_auc_points(registry)
        y = logged[0]["income"] == ">50K"
        assert points[T0] == pytest.approx(roc_auc_score(y, logged[0]["score"]), abs=1e-9)
        assert points[T0 + HOUR] is None, "window 1's labels are not due until 04:00"
        (redone,) = registry.store.list_jobs(MODEL, "labels")
        assert redone.detail["labelled"] == 400 and redone.detail["rows"] == 400
        assert redone.detail["fired"], "the performance policy saw the late labels"
        alerts = receiver.bodies()
        assert len(alerts) == 1 and alerts[0]["metric"] == "performance.roc_auc"

        # 04:00:10 — window 3 (no traffic) is monitored, and window 1 is redone; then nothing.
        third = run_pass(registry, options, now=T0 + 4 * HOUR + SECONDS)
        again = run_pass(registry, options, now=T0 + 4 * HOUR + SECONDS)
    assert [(j.job, j.slot) for j in third.jobs[1:]] == [
        ("monitor", T0 + 3 * HOUR),
        ("labels", T0 + HOUR),
    ]
    assert [j.job for j in again.jobs] == ["compact"]
    y = logged[1]["income"] == ">50K"
    assert _roc_auc_points(registry)[T0 + HOUR] == pytest.approx(
        roc_auc_score(y, logged[1]["score"]), abs=1e-9
    )
    # The label-free extra checks ran once per window, at its first monitoring only.
    assert seen.windows == [T0 + h * HOUR for h in range(4)]
    registry.close()
