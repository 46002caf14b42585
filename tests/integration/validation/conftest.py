"""Fixtures for the gate's integration tests: a registry per backend and Adult holdouts."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd
import pytest

from charter.datasets import load_adult
from charter.registry import Registry
from charter.store import open_artifact_store, open_registry_store

HOLDOUT_ROWS = 3_000


@pytest.fixture(scope="session")
def adult_holdout() -> pd.DataFrame:
    """3,000 rows of Adult's test split, seeded (the fixtures' model trains on the train split)."""
    return load_adult().test.sample(n=HOLDOUT_ROWS, random_state=11).reset_index(drop=True)


@pytest.fixture
def registry(db_url: str, tmp_path: Path) -> Iterator[Registry]:
    """An empty registry on each backend."""
    with Registry(open_registry_store(db_url), open_artifact_store(str(tmp_path / "art"))) as reg:
        yield reg


@pytest.fixture
def sqlite_registry(sqlite_url: str, tmp_path: Path) -> Iterator[Registry]:
    """An empty SQLite registry, for scenarios whose storage is covered on both backends."""
    with Registry(
        open_registry_store(sqlite_url), open_artifact_store(str(tmp_path / "art"))
    ) as reg:
        yield reg


@pytest.fixture
def charter_variant(adult_charter_path: Path, tmp_path: Path) -> Callable[..., Path]:
    """The bundled charter with text replacements applied, written to a new file."""

    def make(name: str = "variant", **replacements: str) -> Path:
        text = adult_charter_path.read_text(encoding="utf-8")
        for old, new in replacements.items():
            assert old in text, old
            text = text.replace(old, new)
        text = text.replace("  latency: {p99_ms: 50}", "  latency: {p99_ms: 50}\n  bootstrap: 40")
        path = tmp_path / f"{name}.yaml"
        path.write_text(text, encoding="utf-8")
        return path

    return make
