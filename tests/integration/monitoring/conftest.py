"""Fixtures every monitoring test shares: a fresh home with the Adult model registered."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from monitor_kit import open_adult_registry
from sklearn.pipeline import Pipeline

from charter.datasets import load_adult
from charter.registry import Registry


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


@pytest.fixture
def registry(
    home: Path, adult_model: Pipeline, adult_charter_path: Path, adult_sample: pd.DataFrame
) -> Iterator[Registry]:
    registry = open_adult_registry(home, adult_model, adult_charter_path, adult_sample)
    try:
        yield registry
    finally:
        registry.close()


@pytest.fixture(scope="module")
def adult_test_frame() -> pd.DataFrame:
    return load_adult().test.reset_index(drop=True)
