"""Multivariate drift (the domain classifier) in ``monitor``: clean, shifted, recombined, tiny.

The reference is the fixture's 4,000 training rows; each window is 1,000 Adult test rows.
Measured AUROC (fold std): clean 0.474 (0.015); every age + 5 years 0.671 (0.016), age the
leading feature; ages shuffled among the rows 0.665 (0.015), age then marital status leading -- a
drift no single feature shows (every feature's PSI under 0.02: the marginals did not move, only
how age goes with the rest, as when a vendor's join attaches ages to the wrong customers).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
from monitor_kit import MODEL, log_rows, open_adult_registry
from sklearn.pipeline import Pipeline

from charter.datasets import load_adult
from charter.monitoring import WindowData, monitor
from charter.monitoring.multivariate import MultivariateDrift
from charter.monitoring.performance import outcomes_of
from charter.monitoring.reference import load_reference
from charter.monitoring.windows import Window
from charter.registry import Registry

DAY1 = datetime(2026, 5, 4, 9, tzinfo=UTC)
ROWS = 1_000
METRIC = "drift.domain_classifier_auc"


@pytest.fixture(scope="module")
def site(
    tmp_path_factory: pytest.TempPathFactory,
    adult_model: Pipeline,
    adult_charter_path: Path,
    adult_sample: pd.DataFrame,
) -> Iterator[tuple[Path, Registry]]:
    home = tmp_path_factory.mktemp("multivariate") / "home"
    registry = open_adult_registry(home, adult_model, adult_charter_path, adult_sample)
    try:
        test = load_adult().test.reset_index(drop=True)
        clean = test.sample(n=ROWS, random_state=31).reset_index(drop=True)
        older = test.sample(n=ROWS, random_state=32).reset_index(drop=True)
        older["age"] += 5
        shuffled = test.sample(n=ROWS, random_state=40).reset_index(drop=True)
        shuffled["age"] = shuffled["age"].sample(frac=1, random_state=0).to_numpy()
        windows = (clean, older, shuffled, test.head(5))
        for day, rows in enumerate(windows):
            start = DAY1 + timedelta(days=day)
            log_rows(home, adult_model, rows, start=start, prefix=f"w{day}-")
        yield home, registry
    finally:
        registry.close()


def test_domain_classifier_auc_per_window(site: tuple[Path, Registry]) -> None:
    home, registry = site
    result = monitor(registry, MODEL, home=home, checks=[MultivariateDrift()])
    clean, older, shuffled, handful = (report.extra[0] for report in result.windows)
    values = [e.checks[0].value for e in (clean, older, shuffled)]
    assert all(v is not None for v in values)

    assert clean.status == "ok" and clean.checks[0].value < 0.55
    assert clean.details["n_reference"] == 4_000 and clean.details["n_current"] == ROWS

    assert older.status == "alert" and older.checks[0].value > 0.65
    assert older.details["top_features"][0]["feature"] == "age"
    assert "separated most by age (" in older.reason

    # Ages shuffled among the rows: no feature drifts on its own, but the rows no longer look
    # like the reference's, and the classifier says which feature broke ranks.
    report = result.windows[2]
    assert {f.status for f in report.features} == {"ok"}
    assert shuffled.status in ("warn", "alert") and shuffled.checks[0].value > 0.6
    leading = [f["feature"] for f in shuffled.details["top_features"][:2]]
    assert leading[0] == "age" and leading[1] in ("marital_status", "relationship")

    assert (handful.status, handful.checks[0].value) == ("no_data", None)
    assert handful.reason == (
        "5 row(s) in the window and 4000 in the reference: the domain classifier needs 100 on "
        "each side"
    )
    stored = registry.store.list_points(MODEL, metric=METRIC)
    assert [p.status for p in stored] == [clean.status, "alert", shuffled.status, "no_data"]
    assert [p.value for p in stored] == [*values, None]
    json.dumps(result.to_dict(), allow_nan=False)


def test_rows_are_bounded_by_max_rows(site: tuple[Path, Registry]) -> None:
    _, registry = site
    reference = load_reference(registry, MODEL, 1)
    check = MultivariateDrift(max_rows=500)
    state = check.prepare(reference)
    assert len(state.rows) == 500 and state.n_total == 4_000
    rows = load_adult().test.head(800).assign(request_id=[f"x{i}" for i in range(800)])
    outcomes = outcomes_of(registry, MODEL, reference, rows)
    window = WindowData(Window(DAY1, DAY1 + timedelta(days=1)), rows, outcomes)
    found = check.judge(state, reference, window)
    assert (found.details["n_reference"], found.details["n_current"]) == (500, 500)
    assert found.checks[0].n == 500 and found.details["max_rows"] == 500
