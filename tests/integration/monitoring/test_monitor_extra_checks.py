"""The seam for CBPE and the domain classifier: extra ``WindowCheck``s run, stored and shown."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from monitor_kit import MODEL, drifted, log_rows, open_adult_registry
from sklearn.pipeline import Pipeline

from charter.datasets import load_adult
from charter.errors import ContractError, DataError
from charter.monitoring import (
    Check,
    ExtraCheck,
    ReferenceData,
    WindowCheck,
    WindowData,
    default_checks,
    monitor,
)
from charter.registry import Registry

DAY1 = datetime(2026, 3, 2, 9, tzinfo=UTC)
DAY2 = datetime(2026, 3, 3, 9, tzinfo=UTC)


class MeanScore(WindowCheck[float]):
    """A stand-in for CBPE: 'estimates' accuracy from the gap in mean score (0.005 on the clean
    window, 0.029 on the drifted one)."""

    name = "mean_score"

    def __init__(self) -> None:
        self.prepared: list[int] = []

    def prepare(self, reference: ReferenceData) -> float:
        self.prepared.append(reference.version)
        return float(np.mean(reference.scores))

    def judge(self, state: float, reference: ReferenceData, window: WindowData) -> ExtraCheck:
        scores = window.scores[np.isfinite(window.scores)]
        if not scores.size:
            raise DataError("no scores in the window")
        value = 1.0 - 5 * abs(float(scores.mean()) - state)
        status = "alert" if value < 0.95 else "ok"
        check = Check("estimated.accuracy", value, status, f"{value:.3f}", 0.95, int(scores.size))
        features = window.features(reference)
        details = {"n_features": features.shape[1], "n_labelled": int(window.labels.notna().sum())}
        return ExtraCheck(self.name, status, check.reason, (check,), details)


class Unprepared(WindowCheck[None]):
    name = "domain_classifier"

    def prepare(self, reference: ReferenceData) -> None:
        raise DataError("the reference is too small to train on")

    def judge(self, state: None, reference: ReferenceData, window: WindowData) -> ExtraCheck:
        raise AssertionError("never judged without a state")


class Misnamed(WindowCheck[None]):
    name = "misnamed"

    def prepare(self, reference: ReferenceData) -> None:
        return None

    def judge(self, state: None, reference: ReferenceData, window: WindowData) -> ExtraCheck:
        return ExtraCheck(self.name, "ok", "", (Check("estimated.auroc", 0.9, "ok", ""),))


@pytest.fixture(scope="module")
def site(
    tmp_path_factory: pytest.TempPathFactory,
    adult_model: Pipeline,
    adult_charter_path: Path,
    adult_sample: pd.DataFrame,
) -> Iterator[tuple[Path, Registry]]:
    home = tmp_path_factory.mktemp("extra") / "home"
    registry = open_adult_registry(home, adult_model, adult_charter_path, adult_sample)
    try:
        test = load_adult().test.reset_index(drop=True)
        clean = test.sample(n=800, random_state=8).reset_index(drop=True)
        log_rows(home, adult_model, clean, start=DAY1, prefix="a")
        log_rows(home, adult_model, drifted(test, 800), start=DAY2, prefix="b")
        yield home, registry
    finally:
        registry.close()


def test_extra_checks_run_per_window_and_are_stored(site: tuple[Path, Registry]) -> None:
    home, registry = site
    mean_score = MeanScore()
    result = monitor(registry, MODEL, home=home, checks=[mean_score, Unprepared()])
    assert mean_score.prepared == [1]  # once per version, not per window
    clean, shifted = result.windows
    for report in (clean, shifted):
        found, failed = report.extra
        assert found.name == "mean_score" and found.details["n_features"] == 11
        assert (failed.status, failed.reason) == (
            "no_data",
            "could not prepare: the reference is too small to train on",
        )
    assert clean.check("estimated.accuracy").status == "ok"
    assert shifted.check("estimated.accuracy").status == "alert"
    assert shifted.status == "alert"
    stored = registry.store.list_points(MODEL, metric="estimated.accuracy")
    assert [p.status for p in stored] == ["ok", "alert"]
    document = json.loads(json.dumps(result.to_dict(), allow_nan=False))
    assert document["windows"][1]["extra"][0]["checks"][0]["metric"] == "estimated.accuracy"


def test_a_figure_outside_the_catalogue_is_refused(site: tuple[Path, Registry]) -> None:
    home, registry = site
    with pytest.raises(ContractError, match=r"'estimated\.auroc'"):
        monitor(registry, MODEL, home=home, checks=[Misnamed()])


def test_default_checks_unless_told_otherwise(site: tuple[Path, Registry]) -> None:
    home, registry = site
    defaults = monitor(registry, MODEL, home=home)
    names = [check.name for check in default_checks()]
    assert all([e.name for e in report.extra] == names for report in defaults.windows)
    none = monitor(registry, MODEL, home=home, checks=[])
    assert all(report.extra == () for report in none.windows)
