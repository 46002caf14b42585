"""Learned drift limits: naturally noisy features stay quiet where too-tight fixed ones alarm."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from monitor_kit import MODEL, drifted, log_rows, open_adult_registry
from sklearn.pipeline import Pipeline

import charter.monitoring.reference as reference_module
from charter.datasets import load_adult
from charter.metrics.drift import learn_thresholds
from charter.monitoring import MonitorResult, monitor

DAY1 = datetime(2026, 3, 2, 9, tzinfo=UTC)
DAY2 = datetime(2026, 3, 3, 9, tzinfo=UTC)
DAY3 = datetime(2026, 3, 4, 9, tzinfo=UTC)
FIXED = "drift: {numeric: psi, categorical: psi, warn: 0.1, alert: 0.25}"
TIGHT = "drift: {numeric: psi, categorical: psi, warn: 0.002, alert: 0.005}"
LEARNED = "drift: {numeric: psi, categorical: psi, warn: 0.002, alert: 0.005, thresholds: learned}"


def _monitor(
    tmp_path: Path,
    drift_line: str,
    model: Pipeline,
    adult_charter_path: Path,
    sample: pd.DataFrame,
) -> MonitorResult:
    text = adult_charter_path.read_text(encoding="utf-8")
    assert FIXED in text
    charter_path = tmp_path / "charter.yaml"
    charter_path.write_text(text.replace(FIXED, drift_line), encoding="utf-8")
    home = tmp_path / "home"
    registry = open_adult_registry(home, model, charter_path, sample)
    try:
        test = load_adult().test.reset_index(drop=True)
        for day, seed in ((DAY1, 21), (DAY2, 22)):
            clean = test.sample(n=1500, random_state=seed).reset_index(drop=True)
            log_rows(home, model, clean, start=day, prefix=f"c{seed}")
        log_rows(home, model, drifted(test, 1500), start=DAY3, prefix="d")
        return monitor(registry, MODEL, home=home)
    finally:
        registry.close()


@pytest.fixture(scope="module")
def learned_calls() -> list[int]:
    return []


@pytest.fixture(scope="module")
def results(
    tmp_path_factory: pytest.TempPathFactory,
    adult_model: Pipeline,
    adult_charter_path: Path,
    adult_sample: pd.DataFrame,
    learned_calls: list[int],
) -> Iterator[tuple[MonitorResult, MonitorResult]]:
    def counting(chunks: Any, **options: Any) -> Any:
        learned_calls.append(len(chunks))
        return learn_thresholds(chunks, **options)

    patch = pytest.MonkeyPatch()
    patch.setattr(reference_module, "learn_thresholds", counting)
    try:
        tight = _monitor(
            tmp_path_factory.mktemp("tight"), TIGHT, adult_model, adult_charter_path, adult_sample
        )
        learned = _monitor(
            tmp_path_factory.mktemp("learned"), LEARNED, adult_model, adult_charter_path,
            adult_sample,
        )  # fmt: skip
        yield tight, learned
    finally:
        patch.undo()


def test_noisy_features_alarm_under_tight_fixed_limits_but_not_learned_ones(
    results: tuple[MonitorResult, MonitorResult],
) -> None:
    tight, learned = results
    for day in (0, 1):  # the two clean windows
        noisy = [c.feature for c in tight.windows[day].features if c.status == "alert"]
        assert len(noisy) >= 3, "the tight fixed limit should alarm on plain sampling noise"
        quiet = learned.windows[day]
        for feature in noisy:
            check = quiet.feature(feature)
            assert check.status == "ok", (feature, check.reason)
            assert check.threshold is not None and check.threshold > 0.005
        assert quiet.drift_status == "ok"
        assert tight.windows[day].drift_status in {"warn", "alert"}


def test_learned_limits_still_catch_real_drift(
    results: tuple[MonitorResult, MonitorResult],
) -> None:
    _, learned = results
    shifted = learned.windows[2]
    assert shifted.feature("age").status == "alert"
    assert shifted.feature("age").statistic is not None
    assert shifted.feature("age").threshold is not None
    assert shifted.feature("age").statistic > shifted.feature("age").threshold


def test_limits_are_learned_once_per_reference(
    results: tuple[MonitorResult, MonitorResult], learned_calls: list[int]
) -> None:
    # one version, three windows: learned once, on 50 chunks
    assert learned_calls == [50]
