"""A monitored Adult model for the report tests: four days of logged traffic, labels, ``monitor``.

Built once per session (registering, logging and monitoring take a few seconds): two days of
clean test rows, then two days re-weighted towards older people without a degree (a data vendor
change), labels for the first three days, and one ``monitor`` run over the whole log.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pandas as pd
import pytest
from report_kit import DAYS, MODEL, ROWS_PER_DAY, Monitored, drifted, log_day, register_adult
from sklearn.pipeline import Pipeline

from charter.datasets import load_adult
from charter.monitoring import ingest_labels, monitor


@pytest.fixture(scope="session")
def monitored(
    tmp_path_factory: pytest.TempPathFactory,
    adult_model: Pipeline,
    adult_charter_path: Path,
    adult_sample: pd.DataFrame,
) -> Iterator[Monitored]:
    home = tmp_path_factory.mktemp("report") / "home"
    test = load_adult().test.reset_index(drop=True)
    registry = register_adult(home, adult_model, adult_charter_path, adult_sample)
    try:
        logged = tuple(
            log_day(
                home,
                adult_model,
                test.sample(n=ROWS_PER_DAY, random_state=i).reset_index(drop=True)
                if i < 2
                else drifted(test, ROWS_PER_DAY, seed=i),
                day,
                prefix=f"d{i}-",
            )
            for i, day in enumerate(DAYS)
        )
        labelled = pd.concat(logged[:3])
        labels = pd.DataFrame({"rid": labelled["request_id"], "y": labelled["income"]})
        ingest_labels(registry, MODEL, labels, id_column="rid", label_column="y", home=home)
        monitor(registry, MODEL, home=home, window=timedelta(days=1))
    finally:
        registry.close()
    yield Monitored(home, logged)
