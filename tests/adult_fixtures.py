"""Session fixtures built on the real UCI Adult data: a sample, its charter and a fitted model.

Loaded as a pytest plugin from ``conftest.py``. Kept small (4,000 rows, 40 boosting rounds) so the
whole suite can share one trained model in a couple of seconds.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import joblib
import pandas as pd
import pytest
from sklearn.pipeline import Pipeline

from charter.datasets import load_adult
from charter.examples.adult import ADULT_FEATURES, build_pipeline

SAMPLE_ROWS = 4_000


@pytest.fixture(scope="session")
def adult_sample() -> pd.DataFrame:
    """4,000 training rows of Adult, seeded."""
    return load_adult().train.sample(n=SAMPLE_ROWS, random_state=7).reset_index(drop=True)


@pytest.fixture(scope="session")
def adult_model(adult_sample: pd.DataFrame) -> Pipeline:
    """The example pipeline fitted on the sample (fewer rounds than the quickstart's, for speed)."""
    model = build_pipeline(max_iter=40)
    model.fit(adult_sample[list(ADULT_FEATURES)], adult_sample["income"])
    return model


@pytest.fixture(scope="session")
def adult_charter_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The quickstart's charter, written to a file."""
    path = tmp_path_factory.mktemp("charter") / "charter.yaml"
    text = (resources.files("charter.examples") / "adult_charter.yaml").read_text(encoding="utf-8")
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def adult_model_path(adult_model: Pipeline, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("model") / "model.joblib"
    joblib.dump(adult_model, path)
    return path


@pytest.fixture(scope="session")
def adult_sample_path(adult_sample: pd.DataFrame, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sample") / "sample.parquet"
    adult_sample.to_parquet(path, index=False)
    return path
