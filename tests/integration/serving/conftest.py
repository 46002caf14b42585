"""A registry holding the Adult model twice (v1 in production, v2 a candidate) for serving tests."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pandas as pd
import pytest
from sklearn.pipeline import Pipeline

from charter.config import Secret, Settings
from charter.examples.adult import ADULT_FEATURES
from charter.registry import Registry
from charter.server import ServerHandle, run_in_background
from charter.serving import ServeOptions

MODEL = "adult-income"


@dataclass
class ServedHome:
    settings: Settings
    rows: list[dict[str, object]]

    def registry(self) -> Registry:
        return Registry.open(self.settings)


def make_home(
    tmp_path: Path, db_url: str, model: Pipeline, sample: pd.DataFrame, charter: Path
) -> ServedHome:
    settings = Settings(
        home=tmp_path / "home",
        db_url=Secret(db_url),
        artifacts_url=str(tmp_path / "home" / "artifacts"),
    )
    with Registry.open(settings) as registry:
        first = registry.register(model, charter=charter, sample=sample.iloc[:500])
        registry.register(model, charter=charter, sample=sample.iloc[:500])
        registry.store.set_alias(MODEL, "production", first.version, actor="test")
    rows = sample[list(ADULT_FEATURES)].iloc[:50].copy()
    rows["customer_id"] = [f"CUST-{i:04d}" for i in range(len(rows))]
    records = [
        {k: (v.item() if hasattr(v, "item") else v) for k, v in r.items()}
        for r in rows.astype(object).where(rows.notna(), None).to_dict("records")
    ]
    return ServedHome(settings, records)


@pytest.fixture
def served_home(
    tmp_path: Path,
    sqlite_url: str,
    adult_model: Pipeline,
    adult_sample: pd.DataFrame,
    adult_charter_path: Path,
) -> ServedHome:
    return make_home(tmp_path, sqlite_url, adult_model, adult_sample, adult_charter_path)


@pytest.fixture(scope="module")
def shared_home(
    tmp_path_factory: pytest.TempPathFactory,
    adult_model: Pipeline,
    adult_sample: pd.DataFrame,
    adult_charter_path: Path,
) -> ServedHome:
    """One home per test module, for tests that only read."""
    tmp = tmp_path_factory.mktemp("served")
    url = f"sqlite:///{tmp / 'registry' / 'charter.db'}"
    return make_home(tmp, url, adult_model, adult_sample, adult_charter_path)


@pytest.fixture(scope="module")
def server(shared_home: ServedHome) -> Iterator[ServerHandle]:
    """A real uvicorn server on a free port, shared by a module's read-only tests."""
    options = ServeOptions(compact_every_seconds=0, compile_onnx=False)
    handle = run_in_background(shared_home.settings, options=options)
    try:
        yield handle
    finally:
        handle.stop()


@pytest.fixture
def http(server: ServerHandle) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=30) as client:
        yield client
