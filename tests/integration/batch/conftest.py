"""A registry holding the Adult model, and Adult rows to score, for the batch tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from sklearn.pipeline import Pipeline

from charter.datasets import load_adult
from charter.registry import Registry
from charter.store import open_artifact_store, open_registry_store


@pytest.fixture(scope="session")
def adult_test_rows() -> pd.DataFrame:
    """2,000 Adult test rows with a customer id (the charter's entity key)."""
    rows = load_adult().test.head(2_000).reset_index(drop=True)
    rows.insert(0, "customer_id", [f"c{i:05d}" for i in range(len(rows))])
    return rows


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


@pytest.fixture
def registry(
    home: Path, adult_model: Pipeline, adult_charter_path: Path, adult_sample: pd.DataFrame
) -> Iterator[Registry]:
    """A fresh SQLite registry with ``adult-income@1`` registered."""
    store = open_registry_store(f"sqlite:///{home / 'charter.db'}")
    registry = Registry(store, open_artifact_store(str(home / "artifacts")))
    registry.register(
        adult_model, charter=adult_charter_path, sample=adult_sample, registered_by="ds@bank"
    )
    try:
        yield registry
    finally:
        registry.close()
